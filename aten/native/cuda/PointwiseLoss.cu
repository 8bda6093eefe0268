// Element-wise losses on CUDA (host side and layout: aten/native/PointwiseLoss.h, as on the CPU).
//   reduction none: gpu_kernel over a TensorIterator.
//   mean / sum: each block adds the losses of a grid-stride range of the flat operands and writes
//   one partial sum; a one-block kernel adds the partial sums and writes the 0-d result. The grid
//   depends only on the element count and every sum runs in a fixed order: deterministic. The
//   unreduced loss is never written.
//   The backward ops are gpu_kernel functors scaled by 1 / numel for mean.
// Each loss is a functor with a templated __device__ operator() on the compute dtype (float for
// float16/bfloat16), shared by the pointwise and the reducing kernels.
#include <cmath>
#include <optional>
#include <utility>
#include <vector>

#include "aten/native/PointwiseLoss.h"
#include "aten/native/cuda/CUDACommon.cuh"
#include "aten/native/cuda/Loops.cuh"
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

namespace tg::native::cuda {

namespace {

constexpr int kMaxPartials = 1024;  // blocks of the first reduction pass (one partial sum each)

// ---------------------------------------------------------------------------- the losses

struct MseLoss {
  template <typename A> __device__ A operator()(A x, A y) const { const A d = x - y; return d * d; }
};
struct L1Loss {
  template <typename A> __device__ A operator()(A x, A y) const { return fabs(x - y); }
};

// softplus(-x) = log1p(exp(-|x|)) + max(-x, 0), without overflow for any x.
template <typename A> __device__ A softplus_neg(A x) { return log1p(exp(-fabs(x))) + (x < A(0) ? -x : A(0)); }
template <typename A> __device__ A sigmoid_of(A x) { return A(1) / (A(1) + exp(-x)); }

// (1 - t) x + lw softplus(-x), lw = 1 + (pos_weight - 1) t; Weighted: times w (the last operand).
struct BceLogits {
  template <typename A> __device__ A operator()(A x, A t) const { return (A(1) - t) * x + softplus_neg(x); }
};
struct BceLogitsPos {
  template <typename A> __device__ A operator()(A x, A t, A pw) const {
    return (A(1) - t) * x + ((pw - A(1)) * t + A(1)) * softplus_neg(x);
  }
};
struct BceLogitsW {
  template <typename A> __device__ A operator()(A x, A t, A w) const { return BceLogits{}(x, t) * w; }
};
struct BceLogitsPosW {
  template <typename A> __device__ A operator()(A x, A t, A pw, A w) const { return BceLogitsPos{}(x, t, pw) * w; }
};

// -(t max(log x, -100) + (1 - t) max(log1p(-x), -100)) (times w); an x outside [0, 1] (or nan)
// sets *outside, read back after the kernel.
struct Bce {
  int* outside;
  template <typename A> __device__ A operator()(A x, A t) const {
    if (!(x >= A(0) && x <= A(1))) *outside = 1;
    return (t - A(1)) * fmax(log1p(-x), A(-100)) - t * fmax(log(x), A(-100));
  }
};
struct BceW {
  int* outside;
  template <typename A> __device__ A operator()(A x, A t, A w) const { return Bce{outside}(x, t) * w; }
};

// The gradients: f(scale, g, x, y).
struct MseGrad {
  template <typename A> __device__ A operator()(A s, A g, A x, A y) const { return (x - y) * (g * (s + s)); }
};
struct L1Grad {
  template <typename A> __device__ A operator()(A s, A g, A x, A y) const {
    const A d = x - y;
    const A sign = d > A(0) ? A(1) : (d < A(0) ? A(-1) : d);  // 0 at 0, nan stays nan
    return sign * (g * s);
  }
};

// smooth_l1 (beta = 0: l1) and huber; the parameter in double, the arithmetic in the compute dtype.
struct SmoothL1Loss {
  double beta;
  template <typename A> __device__ A operator()(A x, A y) const {
    const A b = A(beta), z = fabs(x - y);
    return z < b ? A(0.5) * z * z / b : z - A(0.5) * b;
  }
};
struct HuberLoss {
  double delta;
  template <typename A> __device__ A operator()(A x, A y) const {
    const A dl = A(delta), z = fabs(x - y);
    return z < dl ? A(0.5) * z * z : dl * (z - A(0.5) * dl);
  }
};
struct SmoothL1Grad {
  double beta;
  template <typename A> __device__ A operator()(A s, A g, A x, A y) const {
    const A d = x - y;
    if (beta == 0) return L1Grad{}(s, g, x, y);
    const A b = A(beta);
    const A c = d <= -b ? A(-1) : (d >= b ? A(1) : d / b);  // nan: d / b
    return c * (g * s);
  }
};
struct HuberGrad {
  double delta;
  template <typename A> __device__ A operator()(A s, A g, A x, A y) const {
    const A d = x - y, dl = A(delta);
    const A c = d <= -dl ? -dl : (d >= dl ? dl : d);
    return c * (g * s);
  }
};

// kl_div: xlogy(t, t) - t x, or exp(t) (t - x) for a log target; gradient -(exp(t) or t) g k.
struct KlDiv {
  bool log_target;
  template <typename A> __device__ A operator()(A x, A t) const {
    if (log_target) return exp(t) * (t - x);
    return (t == A(0) ? A(0) : t * log(t)) - t * x;
  }
};
struct KlDivGrad {
  bool log_target;
  template <typename A> __device__ A operator()(A s, A g, A, A t) const { return -(log_target ? exp(t) : t) * (g * s); }
};

// ---------------------------------------------------------------------------- launchers

template <typename T, int N>
struct Operands {
  const T* p[N];
};

template <typename T, int N, typename F>
__device__ opmath_t<T> loss_at(const F& f, const Operands<T, N>& in, int64_t i) {
  if constexpr (N == 2) return f(to_op(in.p[0][i]), to_op(in.p[1][i]));
  else if constexpr (N == 3) return f(to_op(in.p[0][i]), to_op(in.p[1][i]), to_op(in.p[2][i]));
  else return f(to_op(in.p[0][i]), to_op(in.p[1][i]), to_op(in.p[2][i]), to_op(in.p[3][i]));
}

// Block-wide sum of one value per thread (blockDim.x a multiple of 32); thread 0 gets the result.
template <typename A>
__device__ A block_sum(A v, A* shared) {
  for (int off = 16; off > 0; off /= 2) v += __shfl_down_sync(0xffffffffu, v, off);
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32, nwarps = blockDim.x / 32;
  if (lane == 0) shared[warp] = v;
  __syncthreads();
  if (warp == 0) {
    v = lane < nwarps ? shared[lane] : A(0);
    for (int off = 16; off > 0; off /= 2) v += __shfl_down_sync(0xffffffffu, v, off);
  }
  return v;
}

template <typename T, int N, typename F>
__global__ void loss_partial_kernel(Operands<T, N> in, int64_t n, F f, opmath_t<T>* partial) {
  using A = opmath_t<T>;
  __shared__ A shared[32];
  A s = A(0);
  const int64_t stride = int64_t(gridDim.x) * blockDim.x;
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride) s += loss_at<T, N>(f, in, i);
  s = block_sum(s, shared);
  if (threadIdx.x == 0) partial[blockIdx.x] = s;
}

template <typename T>
__global__ void loss_total_kernel(const opmath_t<T>* partial, int count, int64_t n, bool mean, T* out) {
  using A = opmath_t<T>;
  __shared__ A shared[32];
  A s = A(0);
  for (int i = threadIdx.x; i < count; i += blockDim.x) s += partial[i];
  s = block_sum(s, shared);
  if (threadIdx.x == 0) *out = from_op<T>(mean ? s / A(n) : s);  // 0 / 0 = nan for an empty mean
}

// The pointwise form (reduction none) of a loss of N operands.
template <typename T, int N, typename F> struct LossElem;
template <typename T, typename F> struct LossElem<T, 2, F> {
  F f;
  __device__ T operator()(T a, T b) const { return from_op<T>(f(to_op(a), to_op(b))); }
};
template <typename T, typename F> struct LossElem<T, 3, F> {
  F f;
  __device__ T operator()(T a, T b, T c) const { return from_op<T>(f(to_op(a), to_op(b), to_op(c))); }
};
template <typename T, typename F> struct LossElem<T, 4, F> {
  F f;
  __device__ T operator()(T a, T b, T c, T d) const { return from_op<T>(f(to_op(a), to_op(b), to_op(c), to_op(d))); }
};

template <int N, typename F>
Tensor pointwise_loss(const char* op, std::vector<Tensor> inputs, int64_t reduction, F f) {
  PointwiseLossPlan p = pointwise_loss_plan(op, std::move(inputs), reduction);
  if (reduction == 0) {
    IterConfig config;
    config.op = op;
    TensorIterator iter(config, Tensor(), TensorList(p.in.data(), p.in.size()));
    dispatch_device<DtypeSet::Floating>(iter.common_dtype(), op, [&]<typename T>() {
      gpu_kernel(iter, LossElem<T, N, F>{f});
    });
    return iter.finish();
  }
  pointwise_loss_flatten(p);
  Tensor out = empty_tensor({}, p.dtype, p.in[0].device(), op);
  dispatch_device<DtypeSet::Floating>(p.dtype, op, [&]<typename T>() {
    using A = opmath_t<T>;
    Operands<T, N> in;
    for (int k = 0; k < N; ++k) in.p[k] = reinterpret_cast<const T*>(p.in[size_t(k)].data_ptr());
    const int blocks = int(std::min<int64_t>(kMaxPartials, blocks_for(p.numel, kBlockSize * 4)));
    Tensor partial = empty_tensor({blocks}, sizeof(A) == 8 ? ScalarType::Float64 : ScalarType::Float32,
                                  p.in[0].device(), op);
    loss_partial_kernel<T, N, F><<<blocks, kBlockSize>>>(in, p.numel, f, partial.template data<A>());
    TG_CUDA_KERNEL_CHECK(op);
    loss_total_kernel<T><<<1, kBlockSize>>>(partial.template data<A>(), blocks, p.numel, reduction == 1,
                                            reinterpret_cast<T*>(out.data_ptr()));
    TG_CUDA_KERNEL_CHECK(op);
  });
  return out;
}

template <typename T, typename F>
struct LossGrad {
  opmath_t<T> scale;
  F f;
  __device__ T operator()(T g, T x, T y) const { return from_op<T>(f(scale, to_op(g), to_op(x), to_op(y))); }
};

template <typename F>
void pointwise_loss_backward(const TensorIterator& iter, const char* op, int64_t reduction, F f) {
  const double scale = pointwise_loss_grad_scale(op, reduction, iter.numel());
  dispatch_device<DtypeSet::Floating>(iter.common_dtype(), op, [&]<typename T>() {
    gpu_kernel(iter, LossGrad<T, F>{opmath_t<T>(scale), f});
  });
}

// binary_cross_entropy_with_logits_backward: (lw sigmoid(x) - pw t) w g k over 3 to 5 operands
// (grad_output, self, target, [pos_weight], [weight]).
template <typename T, bool Pos, bool Weighted>
struct BceLogitsGrad {
  using A = opmath_t<T>;
  A k;
  __device__ A grad(A g, A x, A t, A pw) const {
    return Pos ? (((pw - A(1)) * t + A(1)) * sigmoid_of(x) - pw * t) * (g * k) : (sigmoid_of(x) - t) * (g * k);
  }
  __device__ T operator()(T g, T x, T t) const { return from_op<T>(grad(to_op(g), to_op(x), to_op(t), A(1))); }
};
template <typename T>
struct BceLogitsGrad4Pos {
  BceLogitsGrad<T, true, false> b;
  __device__ T operator()(T g, T x, T t, T pw) const { return from_op<T>(b.grad(to_op(g), to_op(x), to_op(t), to_op(pw))); }
};
template <typename T>
struct BceLogitsGrad4W {
  BceLogitsGrad<T, false, true> b;
  __device__ T operator()(T g, T x, T t, T w) const {
    return from_op<T>(b.grad(to_op(g), to_op(x), to_op(t), opmath_t<T>(1)) * to_op(w));
  }
};
template <typename T>
struct BceLogitsGrad5 {
  BceLogitsGrad<T, true, true> b;
  __device__ T operator()(T g, T x, T t, T pw, T w) const {
    return from_op<T>(b.grad(to_op(g), to_op(x), to_op(t), to_op(pw)) * to_op(w));
  }
};

bool given(const std::optional<Tensor>& t) { return t.has_value() && t->defined(); }

// binary_cross_entropy_backward: w (x - t) / max((1 - x) x, 1e-12f) g k (3 or 4 operands).
template <typename T>
struct BceGrad {
  using A = opmath_t<T>;
  A k;
  __device__ A grad(A g, A x, A t) const { return (x - t) / fmax((A(1) - x) * x, A(1e-12f)) * (g * k); }
  __device__ T operator()(T g, T x, T t) const { return from_op<T>(grad(to_op(g), to_op(x), to_op(t))); }
};
template <typename T>
struct BceGradW {
  BceGrad<T> b;
  __device__ T operator()(T g, T x, T t, T w) const {
    return from_op<T>(b.grad(to_op(g), to_op(x), to_op(t)) * to_op(w));
  }
};

// The device flag of binary_cross_entropy's input check (zeroed; reset after each read).
int* bce_outside_flag() {
  static int* flag = [] {
    int* p = nullptr;
    TG_CUDA_CHECK(cudaMalloc(&p, sizeof(int)), "allocating the binary_cross_entropy input check flag");
    TG_CUDA_CHECK(cudaMemset(p, 0, sizeof(int)), "clearing the binary_cross_entropy input check flag");
    return p;
  }();
  return flag;
}

}  // namespace

Tensor binary_cross_entropy_cuda(const Tensor& self, const Tensor& target, const std::optional<Tensor>& weight,
                                 int64_t reduction) {
  const char* op = "binary_cross_entropy";
  int* flag = bce_outside_flag();
  Tensor result = given(weight) ? pointwise_loss<3>(op, {self, target, *weight}, reduction, BceW{flag})
                                : pointwise_loss<2>(op, {self, target}, reduction, Bce{flag});
  int outside = 0;
  TG_CUDA_CHECK(cudaMemcpy(&outside, flag, sizeof(int), cudaMemcpyDeviceToHost), "reading the input check flag");
  if (outside) TG_CUDA_CHECK(cudaMemset(flag, 0, sizeof(int)), "clearing the input check flag");
  TG_CHECK(!outside, "[", op, "] all elements of input should be between 0 and 1");
  return result;
}

Tensor binary_cross_entropy_backward_cuda(const Tensor& grad_output, const Tensor& self, const Tensor& target,
                                          const std::optional<Tensor>& weight, int64_t reduction) {
  const char* op = "binary_cross_entropy_backward";
  std::vector<Tensor> in{grad_output, self, target};
  if (given(weight)) in.push_back(*weight);
  const PointwiseLossPlan p = pointwise_loss_plan(op, std::move(in), reduction);
  IterConfig config;
  config.op = op;
  TensorIterator iter(config, Tensor(), TensorList(p.in.data(), p.in.size()));
  const double scale = pointwise_loss_grad_scale(op, reduction, iter.numel());
  dispatch_device<DtypeSet::Floating>(iter.common_dtype(), op, [&]<typename T>() {
    const opmath_t<T> k = opmath_t<T>(scale);
    if (given(weight)) gpu_kernel(iter, BceGradW<T>{{k}});
    else gpu_kernel(iter, BceGrad<T>{k});
  });
  return iter.finish();
}

Tensor binary_cross_entropy_with_logits_cuda(const Tensor& self, const Tensor& target, const std::optional<Tensor>& weight,
                                             const std::optional<Tensor>& pos_weight, int64_t reduction) {
  const char* op = "binary_cross_entropy_with_logits";
  if (given(weight) && given(pos_weight)) {
    return pointwise_loss<4>(op, {self, target, *pos_weight, *weight}, reduction, BceLogitsPosW{});
  }
  if (given(weight)) return pointwise_loss<3>(op, {self, target, *weight}, reduction, BceLogitsW{});
  if (given(pos_weight)) return pointwise_loss<3>(op, {self, target, *pos_weight}, reduction, BceLogitsPos{});
  return pointwise_loss<2>(op, {self, target}, reduction, BceLogits{});
}

Tensor binary_cross_entropy_with_logits_backward_cuda(const Tensor& grad_output, const Tensor& self,
                                                      const Tensor& target, const std::optional<Tensor>& weight,
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
  dispatch_device<DtypeSet::Floating>(iter.common_dtype(), op, [&]<typename T>() {
    using A = opmath_t<T>;
    const A k = A(scale);
    if (given(weight) && given(pos_weight)) gpu_kernel(iter, BceLogitsGrad5<T>{{k}});
    else if (given(weight)) gpu_kernel(iter, BceLogitsGrad4W<T>{{k}});
    else if (given(pos_weight)) gpu_kernel(iter, BceLogitsGrad4Pos<T>{{k}});
    else gpu_kernel(iter, BceLogitsGrad<T, false, false>{k});
  });
  return iter.finish();
}

Tensor smooth_l1_loss_cuda(const Tensor& self, const Tensor& target, int64_t reduction, double beta) {
  TG_CHECK(beta >= 0, "[smooth_l1_loss] beta must be non-negative, got ", beta);
  return pointwise_loss<2>("smooth_l1_loss", {self, target}, reduction, SmoothL1Loss{beta});
}
void smooth_l1_loss_backward_kernel(const TensorIterator& iter, int64_t reduction, double beta) {
  pointwise_loss_backward(iter, "smooth_l1_loss_backward", reduction, SmoothL1Grad{beta});
}

Tensor huber_loss_cuda(const Tensor& self, const Tensor& target, int64_t reduction, double delta) {
  TG_CHECK(delta > 0, "[huber_loss] delta must be positive, got ", delta);
  return pointwise_loss<2>("huber_loss", {self, target}, reduction, HuberLoss{delta});
}
void huber_loss_backward_kernel(const TensorIterator& iter, int64_t reduction, double delta) {
  pointwise_loss_backward(iter, "huber_loss_backward", reduction, HuberGrad{delta});
}

Tensor kl_div_cuda(const Tensor& self, const Tensor& target, int64_t reduction, bool log_target) {
  return pointwise_loss<2>("kl_div", {self, target}, reduction, KlDiv{log_target});
}
void kl_div_backward_kernel(const TensorIterator& iter, int64_t reduction, bool log_target) {
  pointwise_loss_backward(iter, "kl_div_backward", reduction, KlDivGrad{log_target});
}

Tensor mse_loss_cuda(const Tensor& self, const Tensor& target, int64_t reduction) {
  return pointwise_loss<2>("mse_loss", {self, target}, reduction, MseLoss{});
}
void mse_loss_backward_kernel(const TensorIterator& iter, int64_t reduction) {
  pointwise_loss_backward(iter, "mse_loss_backward", reduction, MseGrad{});
}

Tensor l1_loss_cuda(const Tensor& self, const Tensor& target, int64_t reduction) {
  return pointwise_loss<2>("l1_loss", {self, target}, reduction, L1Loss{});
}
void l1_loss_backward_kernel(const TensorIterator& iter, int64_t reduction) {
  pointwise_loss_backward(iter, "l1_loss_backward", reduction, L1Grad{});
}

}  // namespace tg::native::cuda
