// Element-wise losses on the CPU (host side and layout: aten/native/PointwiseLoss.h).
//   reduction none: one vectorized pointwise pass over a TensorIterator (cpu_kernel_vec).
//   mean / sum: one pass over flat arrays that adds each element's loss into a vector accumulator,
//   so the unreduced loss is never written. The elements are cut into fixed chunks of
//   kLossChunk, each summed by one thread in a fixed order, and the chunk sums are added in chunk
//   order: the result does not depend on the thread count.
//   The backward ops are pointwise kernels scaled by 1 / numel for mean: kind: pointwise where
//   every operand is a tensor, a TensorIterator built here over the given operands where weight /
//   pos_weight are optional (binary_cross_entropy[_with_logits]_backward).
// float16/bfloat16 are computed in float, float32 sums are accumulated per chunk in float and
// across chunks in double.
#include "aten/vec/isa.h"
#include <array>
#include <atomic>
#include <optional>
#include <cmath>
#include <utility>
#include <vector>

#include "aten/dispatch/DtypeDispatch.h"
#include "aten/iter/TensorIterator.h"
#include "aten/native/PointwiseLoss.h"
#include "aten/native/cpu/Loops.h"
#include "aten/parallel/Parallel.h"
#include "aten/vec/vec.h"
#include "aten/vec/vec_math.h"
#include "kernels/binary_cross_entropy.h"
#include "kernels/binary_cross_entropy_backward.h"
#include "kernels/binary_cross_entropy_with_logits.h"
#include "kernels/binary_cross_entropy_with_logits_backward.h"
#include "kernels/huber_loss.h"
#include "kernels/huber_loss_backward.h"
#include "kernels/kl_div.h"
#include "kernels/kl_div_backward.h"
#include "kernels/l1_loss.h"
#include "kernels/l1_loss_backward.h"
#include "kernels/mse_loss.h"
#include "kernels/mse_loss_backward.h"
#include "kernels/smooth_l1_loss.h"
#include "kernels/smooth_l1_loss_backward.h"

namespace tg::native::CPU_CAPABILITY {

namespace {

template <typename T> using Acc = opmath_t<T>;

// Elements per partial sum of the fused reductions (fixed: the summation order must not depend on
// the number of threads).
constexpr int64_t kLossChunk = 8192;

template <typename T, size_t N, typename F, size_t... I>
auto load_apply(const F& f, const std::array<const T*, N>& in, int64_t i, std::index_sequence<I...>) {
  return f(vec::VecIO<T>::load(in[I] + i)...);
}

template <typename T, size_t N, typename F, size_t... I>
auto load_apply_tail(const F& f, const std::array<const T*, N>& in, int64_t i, int count, std::index_sequence<I...>) {
  return f(vec::VecIO<T>::load(in[I] + i, count)...);
}

// sum over i < n of f(in[0][i], ..., in[N-1][i]), f a Vectorized lambda (one vector per operand).
template <typename T, size_t N, typename F>
double fused_sum(const std::array<const T*, N>& in, int64_t n, const F& f) {
  using V = typename vec::VecIO<T>::vec_t;
  constexpr int64_t W = V::size();
  constexpr auto idx = std::make_index_sequence<N>();
  const int64_t chunks = (n + kLossChunk - 1) / kLossChunk;
  std::vector<double> partial(size_t(chunks), 0.0);
  parallel_for(0, chunks, std::max<int64_t>(1, kMathGrainSize / kLossChunk), [&](int64_t begin, int64_t end) {
    for (int64_t c = begin; c < end; ++c) {
      const int64_t lo = c * kLossChunk, hi = std::min(n, lo + kLossChunk);
      V acc(Acc<T>(0));
      int64_t i = lo;
      for (; i + W <= hi; i += W) acc = acc + load_apply<T, N>(f, in, i, idx);
      Acc<T> s = vec::reduce_add(acc);
      if (i < hi) {  // the tail as a partial vector; only its first `count` lanes are elements
        const int count = int(hi - i);
        Acc<T> buf[W];
        load_apply_tail<T, N>(f, in, i, count, idx).store(buf);
        for (int k = 0; k < count; ++k) s += buf[k];
      }
      partial[size_t(c)] = double(s);
    }
  });
  double total = 0;
  for (double s : partial) total += s;
  return total;
}

// A loss given by a Vectorized lambda of its N operands: the unreduced loss (reduction none), or
// its sum / mean in one pass.
template <size_t N, typename F>
Tensor pointwise_loss(const char* op, std::vector<Tensor> inputs, int64_t reduction, const F& f) {
  PointwiseLossPlan p = pointwise_loss_plan(op, std::move(inputs), reduction);
  if (reduction == 0) {
    IterConfig config;
    config.op = op;
    TensorIterator iter(config, Tensor(), TensorList(p.in.data(), p.in.size()));
    dispatch_floating(iter.common_dtype(), op, [&]<typename T>() { cpu_kernel_vec<T>(iter, f, kMathGrainSize); });
    return iter.finish();
  }
  pointwise_loss_flatten(p);
  const double sum = dispatch_floating(p.dtype, op, [&]<typename T>() {
    std::array<const T*, N> ptrs;
    for (size_t k = 0; k < N; ++k) ptrs[k] = p.in[k].template data<T>();
    return fused_sum<T, N>(ptrs, p.numel, f);
  });
  return pointwise_loss_total(p, sum, reduction);
}

// A backward kernel: f(scale, grad_output, self, target) in the compute dtype, scale = 1 / numel
// for mean (the iterator's shape is the forward's broadcast shape), else 1.
template <typename F>
void pointwise_loss_backward(const TensorIterator& iter, const char* op, int64_t reduction, const F& f) {
  const double scale = pointwise_loss_grad_scale(op, reduction, iter.numel());
  dispatch_floating(iter.common_dtype(), op, [&]<typename T>() {
    const Acc<T> s = Acc<T>(scale);
    cpu_kernel_vec<T>(iter, [s, &f](auto g, auto x, auto y) { return f(decltype(x)(s), g, x, y); });
  });
}

// log1p(y) for y >= -1 from a vectorized log: log(u) * y / (u - 1) with u = 1 + y corrects the
// rounding of u (Goldberg's trick, which holds for either sign of y); u == 1 means log1p(y) = y to
// working precision, y = -1 gives -inf.
template <typename V>
V log1p_vec(const V& y) {
  const V u = y + V(1);
  const V d = u - V(1);
  return vec::blendv(vec::log(u) * (y / d), y, d == V(0));
}

// softplus(-x) = log(1 + exp(-x)) = log1p(exp(-|x|)) + max(-x, 0), without overflow for any x.
template <typename V>
V softplus_neg(const V& x) {
  return log1p_vec(vec::exp(-vec::abs(x))) + vec::maximum(-x, V(0));
}

bool given(const std::optional<Tensor>& t) { return t.has_value() && t->defined(); }

// sign(v): -1, 0 or 1; nan stays nan (torch.sgn).
template <typename V>
V sign_of(const V& v) {
  const V one(1), zero(0);
  const V s = vec::blendv(zero, one, v > zero) - vec::blendv(zero, one, v < zero);
  return vec::blendv(s, v, v != v);
}

}  // namespace

// ---------------------------------------------------------------------------- mse_loss: (x - y)^2

Tensor mse_loss_cpu(const Tensor& self, const Tensor& target, int64_t reduction) {
  return pointwise_loss<2>("mse_loss", {self, target}, reduction, [](auto x, auto y) {
    const auto d = x - y;
    return d * d;
  });
}

// 2 (x - y) g scale
void mse_loss_backward_kernel(const TensorIterator& iter, int64_t reduction) {
  pointwise_loss_backward(iter, "mse_loss_backward", reduction, [](auto s, auto g, auto x, auto y) {
    return (x - y) * (g * (s + s));
  });
}

// ---------------------------------------------------------------------------- l1_loss: |x - y|

Tensor l1_loss_cpu(const Tensor& self, const Tensor& target, int64_t reduction) {
  return pointwise_loss<2>("l1_loss", {self, target}, reduction, [](auto x, auto y) { return vec::abs(x - y); });
}

// sign(x - y) g scale (0 where x == y, like PyTorch)
void l1_loss_backward_kernel(const TensorIterator& iter, int64_t reduction) {
  pointwise_loss_backward(iter, "l1_loss_backward", reduction,
                          [](auto s, auto g, auto x, auto y) { return sign_of(x - y) * (g * s); });
}

// ---------------------------------------------------------------------------- smooth_l1_loss, huber_loss
// smooth_l1: z = |x - y|; 0.5 z^2 / beta below beta, z - 0.5 beta above (beta = 0: l1_loss).
// huber: 0.5 z^2 below delta, delta (z - 0.5 delta) above (= beta smooth_l1 with beta = delta).

Tensor smooth_l1_loss_cpu(const Tensor& self, const Tensor& target, int64_t reduction, double beta) {
  const char* op = "smooth_l1_loss";
  TG_CHECK(beta >= 0, "[", op, "] beta must be non-negative, got ", beta);
  return pointwise_loss<2>(op, {self, target}, reduction, [beta](auto x, auto y) {
    using V = decltype(x);
    using S = typename V::value_type;
    const V b(static_cast<S>(beta)), z = vec::abs(x - y);
    // beta = 0: z < 0 never holds, so the quotient (0 / 0 there) is never picked
    return vec::blendv(z - V(S(0.5)) * b, V(S(0.5)) * z * z / b, z < b);
  });
}

// clamp((x - y) / beta, -1, 1) grad_output scale; beta = 0: sign(x - y), the gradient of l1_loss
void smooth_l1_loss_backward_kernel(const TensorIterator& iter, int64_t reduction, double beta) {
  pointwise_loss_backward(iter, "smooth_l1_loss_backward", reduction, [beta](auto s, auto g, auto x, auto y) {
    using V = decltype(x);
    using S = typename V::value_type;
    const V d = x - y;
    const V c = beta == 0 ? sign_of(d) : vec::minimum(vec::maximum(d / V(static_cast<S>(beta)), V(-1)), V(1));
    return c * (g * s);
  });
}

Tensor huber_loss_cpu(const Tensor& self, const Tensor& target, int64_t reduction, double delta) {
  const char* op = "huber_loss";
  TG_CHECK(delta > 0, "[", op, "] delta must be positive, got ", delta);
  return pointwise_loss<2>(op, {self, target}, reduction, [delta](auto x, auto y) {
    using V = decltype(x);
    using S = typename V::value_type;
    const V dl(static_cast<S>(delta)), half(S(0.5)), z = vec::abs(x - y);
    return vec::blendv(dl * (z - half * dl), half * z * z, z < dl);
  });
}

// clamp(x - y, -delta, delta) grad_output scale
void huber_loss_backward_kernel(const TensorIterator& iter, int64_t reduction, double delta) {
  pointwise_loss_backward(iter, "huber_loss_backward", reduction, [delta](auto s, auto g, auto x, auto y) {
    using V = decltype(x);
    using S = typename V::value_type;
    const V dl(static_cast<S>(delta));
    return vec::minimum(vec::maximum(x - y, -dl), dl) * (g * s);
  });
}

// ---------------------------------------------------------------------------- kl_div
// self holds log-probabilities; target probabilities: xlogy(t, t) - t x (0 where t = 0), or
// log-probabilities (log_target): exp(t) (t - x).

Tensor kl_div_cpu(const Tensor& self, const Tensor& target, int64_t reduction, bool log_target) {
  const char* op = "kl_div";
  if (log_target) {
    return pointwise_loss<2>(op, {self, target}, reduction, [](auto x, auto t) { return vec::exp(t) * (t - x); });
  }
  return pointwise_loss<2>(op, {self, target}, reduction, [](auto x, auto t) {
    using V = decltype(x);
    return vec::blendv(t * vec::log(t), V(0), t == V(0)) - t * x;
  });
}

// -(log_target ? exp(t) : t) grad_output scale
void kl_div_backward_kernel(const TensorIterator& iter, int64_t reduction, bool log_target) {
  pointwise_loss_backward(iter, "kl_div_backward", reduction, [log_target](auto s, auto g, auto, auto t) {
    return -(log_target ? vec::exp(t) : t) * (g * s);
  });
}

// ---------------------------------------------------------------------------- binary_cross_entropy_with_logits
// (1 - t) x + lw softplus(-x), lw = 1 + (pos_weight - 1) t (1 without pos_weight), times weight:
// PyTorch's form, exact for large |x| where log(sigmoid(x)) would round to 0 or -inf.

Tensor binary_cross_entropy_with_logits_cpu(const Tensor& self, const Tensor& target, const std::optional<Tensor>& weight,
                                            const std::optional<Tensor>& pos_weight, int64_t reduction) {
  const char* op = "binary_cross_entropy_with_logits";
  auto plain = [](auto x, auto t) {
    using V = decltype(x);
    return (V(1) - t) * x + softplus_neg(x);
  };
  auto with_pos = [](auto x, auto t, auto pw) {
    using V = decltype(x);
    return (V(1) - t) * x + vec::fmadd(pw - V(1), t, V(1)) * softplus_neg(x);
  };
  if (given(weight) && given(pos_weight)) {
    return pointwise_loss<4>(op, {self, target, *pos_weight, *weight}, reduction,
                             [with_pos](auto x, auto t, auto pw, auto w) { return with_pos(x, t, pw) * w; });
  }
  if (given(weight)) {
    return pointwise_loss<3>(op, {self, target, *weight}, reduction,
                             [plain](auto x, auto t, auto w) { return plain(x, t) * w; });
  }
  if (given(pos_weight)) return pointwise_loss<3>(op, {self, target, *pos_weight}, reduction, with_pos);
  return pointwise_loss<2>(op, {self, target}, reduction, plain);
}

// (lw sigmoid(x) - pos_weight t) weight grad_output scale; without pos_weight (sigmoid(x) - t) ...
Tensor binary_cross_entropy_with_logits_backward_cpu(const Tensor& grad_output, const Tensor& self, const Tensor& target,
                                                     const std::optional<Tensor>& weight,
                                                     const std::optional<Tensor>& pos_weight, int64_t reduction) {
  const char* op = "binary_cross_entropy_with_logits_backward";
  std::vector<Tensor> in{grad_output, self, target};
  if (given(pos_weight)) in.push_back(*pos_weight);
  if (given(weight)) in.push_back(*weight);
  const PointwiseLossPlan p = pointwise_loss_plan(op, std::move(in), reduction);
  IterConfig config;
  config.op = op;
  TensorIterator iter(config, Tensor(), TensorList(p.in.data(), p.in.size()));
  const double scale = pointwise_loss_grad_scale(op, reduction, iter.numel());
  dispatch_floating(iter.common_dtype(), op, [&]<typename T>() {
    const Acc<T> k = Acc<T>(scale);
    auto plain = [k](auto g, auto x, auto t) {
      using V = decltype(x);
      return (vec::sigmoid(x) - t) * (g * V(k));
    };
    auto with_pos = [k](auto g, auto x, auto t, auto pw) {
      using V = decltype(x);
      return (vec::fmadd(pw - V(1), t, V(1)) * vec::sigmoid(x) - pw * t) * (g * V(k));
    };
    if (given(weight) && given(pos_weight)) {
      cpu_kernel_vec<T>(iter, [with_pos](auto g, auto x, auto t, auto pw, auto w) { return with_pos(g, x, t, pw) * w; },
                        kMathGrainSize);
    } else if (given(weight)) {
      cpu_kernel_vec<T>(iter, [plain](auto g, auto x, auto t, auto w) { return plain(g, x, t) * w; }, kMathGrainSize);
    } else if (given(pos_weight)) {
      cpu_kernel_vec<T>(iter, with_pos, kMathGrainSize);
    } else {
      cpu_kernel_vec<T>(iter, plain, kMathGrainSize);
    }
  });
  return iter.finish();
}

// ---------------------------------------------------------------------------- binary_cross_entropy
// -w (t max(log x, -100) + (1 - t) max(log1p(-x), -100)): PyTorch clamps each log at -100 so that
// x = 0 or 1 gives a finite loss. x outside [0, 1] (or nan) is an error, found in the same pass.

namespace {

template <typename V>
V bce_term(const V& x, const V& t, std::atomic<bool>* outside) {
  if (vec::any((x < V(0)) | (x > V(1)) | (x != x))) outside->store(true, std::memory_order_relaxed);
  const V lo(-100);
  return (t - V(1)) * vec::maximum(log1p_vec(-x), lo) - t * vec::maximum(vec::log(x), lo);
}

}  // namespace

Tensor binary_cross_entropy_cpu(const Tensor& self, const Tensor& target, const std::optional<Tensor>& weight,
                                int64_t reduction) {
  const char* op = "binary_cross_entropy";
  std::atomic<bool> outside{false};
  std::atomic<bool>* flag = &outside;
  Tensor result = given(weight)
      ? pointwise_loss<3>(op, {self, target, *weight}, reduction,
                          [flag](auto x, auto t, auto w) { return bce_term(x, t, flag) * w; })
      : pointwise_loss<2>(op, {self, target}, reduction, [flag](auto x, auto t) { return bce_term(x, t, flag); });
  TG_CHECK(!outside.load(), "[", op, "] all elements of input should be between 0 and 1");
  return result;
}

// w (x - t) / max((1 - x) x, eps) grad_output scale; eps = 1e-12f, PyTorch's float EPSILON even for float64,
// keeps x = 0 or 1 finite
Tensor binary_cross_entropy_backward_cpu(const Tensor& grad_output, const Tensor& self, const Tensor& target,
                                         const std::optional<Tensor>& weight, int64_t reduction) {
  const char* op = "binary_cross_entropy_backward";
  std::vector<Tensor> in{grad_output, self, target};
  if (given(weight)) in.push_back(*weight);
  const PointwiseLossPlan p = pointwise_loss_plan(op, std::move(in), reduction);
  IterConfig config;
  config.op = op;
  TensorIterator iter(config, Tensor(), TensorList(p.in.data(), p.in.size()));
  const double scale = pointwise_loss_grad_scale(op, reduction, iter.numel());
  dispatch_floating(iter.common_dtype(), op, [&]<typename T>() {
    const Acc<T> k = Acc<T>(scale);
    auto grad = [k](auto g, auto x, auto t) {
      using V = decltype(x);
      return (x - t) / vec::maximum((V(1) - x) * x, V(Acc<T>(1e-12f))) * (g * V(k));
    };
    if (given(weight)) {
      cpu_kernel_vec<T>(iter, [grad](auto g, auto x, auto t, auto w) { return grad(g, x, t) * w; });
    } else {
      cpu_kernel_vec<T>(iter, grad);
    }
  });
  return iter.finish();
}

}  // namespace tg::native::CPU_CAPABILITY
