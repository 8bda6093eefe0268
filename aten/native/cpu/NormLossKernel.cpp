// Fused normalizations and classification losses on the CPU. Every kernel works on rows of a
// contiguous tensor (NormLoss.h lays them out), rows split across threads; each row is computed
// by one thread in a fixed order, so results do not depend on the thread count. A row is read
// from memory once: its later passes (statistics, then the write) hit the cache.
//   cross_entropy_loss: per row max, sum of exp (log-sum-exp), then the target's terms;
//   its backward: the same log-sum-exp, then softmax * A - a written in one sweep.
//   layer/rms/group/batch norm: mean and M2 per chunk (two sweeps over a chunk in L1), chunks
//   merged with Chan's formula (stable for any length), then the normalized write.
// float16/bfloat16 are computed in float.
#include "aten/vec/isa.h"
#include <cmath>

#include "aten/dispatch/DtypeDispatch.h"
#include "aten/native/NormLoss.h"
#include "aten/parallel/Parallel.h"
#include "aten/parallel/WakeCost.h"
#include "aten/vec/vec.h"
#include "aten/vec/vec_math.h"
#include "kernels/cross_entropy_loss.h"
#include "kernels/cross_entropy_loss_backward.h"
#include "kernels/native_batch_norm.h"
#include "kernels/native_group_norm.h"
#include "kernels/native_layer_norm.h"
#include "kernels/native_rms_norm.h"
#include "kernels/nll_loss.h"
#include "kernels/nll_loss_backward.h"
#include "ops/full.h"

namespace tg::native::CPU_CAPABILITY {

namespace {

template <typename T> using Acc = opmath_t<T>;
template <typename T> using AccVec = typename vec::VecIO<T>::vec_t;

int64_t row_grain(int64_t row_len) { return std::max<int64_t>(1, kGrainSize / std::max<int64_t>(row_len, 1)); }

// ---------------------------------------------------------------------------- row primitives


template <typename T>
Acc<T> row_max(const T* x, int64_t n) {
  using IO = vec::VecIO<T>;
  using V = AccVec<T>;
  constexpr int64_t W = V::size();
  const int64_t full = n / W * W;
  Acc<T> m = -INFINITY;
  if (full) {
    const V vm = vec::accumulate4(full, V(-INFINITY), [&](const V& a, int64_t k) { return vec::maximum(a, IO::load(x + k)); },
                             [](const V& a, const V& b) { return vec::maximum(a, b); });
    m = vec::reduce_max(vm);
  }
  for (int64_t k = full; k < n; ++k) {
    const Acc<T> v = Acc<T>(x[k]);
    m = (v > m || std::isnan(v)) ? v : m;  // nan propagates, as in vec::maximum
  }
  return m;
}

// sum_k exp(x_k - mx)
template <typename T>
Acc<T> row_sum_exp(const T* x, int64_t n, Acc<T> mx) {
  using IO = vec::VecIO<T>;
  using V = AccVec<T>;
  constexpr int64_t W = V::size();
  const int64_t full = n / W * W;
  V vs(Acc<T>(0));
  const V vm(mx);
  for (int64_t k = 0; k < full; k += W) vs = vs + vec::exp(IO::load(x + k) - vm);
  Acc<T> s = vec::reduce_add(vs);
  for (int64_t k = full; k < n; ++k) s += std::exp(Acc<T>(x[k]) - mx);
  return s;
}

// sum_k w_k x_k (w null: sum_k x_k)
template <typename T>
Acc<T> row_dot(const T* x, const Acc<T>* w, int64_t n) {
  using IO = vec::VecIO<T>;
  using V = AccVec<T>;
  constexpr int64_t W = V::size();
  const int64_t full = n / W * W;
  const V vs = w ? vec::accumulate4(full, V(Acc<T>(0)), [&](const V& a, int64_t k) { return vec::fmadd(IO::load(x + k), V::loadu(w + k), a); },
                              vec::add_vectors<V>)
                 : vec::accumulate4(full, V(Acc<T>(0)), [&](const V& a, int64_t k) { return a + IO::load(x + k); }, vec::add_vectors<V>);
  Acc<T> s = vec::reduce_add(vs);
  for (int64_t k = full; k < n; ++k) s += w ? w[k] * Acc<T>(x[k]) : Acc<T>(x[k]);
  return s;
}

// log-sum-exp of a row (-inf for an empty row).
template <typename T>
Acc<T> row_lse(const T* x, int64_t n) {
  if (n == 0) return -INFINITY;
  const Acc<T> mx = row_max(x, n);
  if (std::isinf(mx)) return mx;  // all -inf (or a +inf): PyTorch's log_softmax gives nan/-inf there too
  return mx + std::log(row_sum_exp(x, n, mx));
}

// ---------------------------------------------------------------------------- losses

// Per-row weights of class-index targets: 0 for ignore_index, weight[y] (or 1) otherwise. Every
// target is checked here, before any kernel reads x[y] or weight[y].
template <typename A>
Tensor row_weights(const LossPlan& p, int64_t ignore_index) {
  Tensor rw = empty_tensor({p.rows}, p.acc, p.x.device(), p.op);
  A* out = rw.data<A>();
  if (p.probs) {
    for (int64_t r = 0; r < p.rows; ++r) out[r] = A(1);
    return rw;
  }
  const int64_t* t = p.target.data<int64_t>();
  const A* w = p.weight.defined() ? p.weight.data<A>() : nullptr;
  for (int64_t r = 0; r < p.rows; ++r) {
    const int64_t y = t[r];
    if (y == ignore_index) {
      out[r] = A(0);
      continue;
    }
    if (y < 0 || y >= p.C) loss_target_out_of_bounds(p.op, y, p.C, ignore_index);
    out[r] = w ? w[y] : A(1);
  }
  return rw;
}

// sum of v[0, n) in double: eight running sums (element r into sum r % 8, so the adds are not one
// chain of n dependent additions), added pairwise at the end. A fixed order: deterministic.
template <typename A>
double ordered_sum(const A* v, int64_t n) {
  double part[8] = {};
  int64_t r = 0;
  for (; r + 8 <= n; r += 8)
    for (int k = 0; k < 8; ++k) part[k] += double(v[r + k]);
  for (int k = 0; r < n; ++r, ++k) part[k] += double(v[r]);
  return ((part[0] + part[1]) + (part[2] + part[3])) + ((part[4] + part[5]) + (part[6] + part[7]));
}

constexpr int64_t kNllPrefetchRows = 16;

// loss of each row: cross entropy (LogSoftmax) or nll.
template <bool LogSoftmax, typename T>
void loss_rows(const LossPlan& p, int64_t ignore_index, double smoothing, const Acc<T>* rw, Acc<T>* loss) {
  using A = Acc<T>;
  const int64_t C = p.C;
  const T* X = p.x.data<T>();
  const A* w = p.weight.defined() ? p.weight.data<A>() : nullptr;
  const A eps = A(smoothing), keep = A(1) - eps, per_class = C ? eps / A(C) : A(0);
  const A wsum = w ? row_dot<A>(w, nullptr, C) : A(C);
  // nll_loss reads one element per row: one thread (waking a second one cost more than the whole
  // loss: 4096 rows of 1000 classes took 10 us on one, 53 us on two with passive waiting); the
  // others read every element of a row.
  const int64_t grain = LogSoftmax || p.probs ? row_grain(C) : kGrainSize;
  const int64_t* target = p.probs ? nullptr : p.target.data<int64_t>();
  parallel_for(0, p.rows, grain, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const T* x = X + r * C;
      if (p.probs) {
        // -sum_c w_c t'_c (x_c - lse), t' = (1 - eps) t + eps / C
        const T* t = p.target.data<T>() + r * C;
        const A lse = row_lse(x, C);
        A wtx = 0, wt = 0;
        for (int64_t c = 0; c < C; ++c) {
          const A tc = keep * A(t[c]) + per_class;
          const A a = w ? w[c] * tc : tc;
          wtx += a * A(x[c]);
          wt += a;
        }
        loss[r] = -(wtx - lse * wt);
        continue;
      }
      if (!LogSoftmax && r + kNllPrefetchRows < end) {
        // nll_loss reads one element of each row, a cache miss apart: asking for row r + 16's now
        // keeps several misses in flight (4096 rows of 1000 classes, one thread: 18.2 -> 17.2 us).
        const int64_t ahead = target[r + kNllPrefetchRows];
        if (ahead >= 0 && ahead < C) __builtin_prefetch(X + (r + kNllPrefetchRows) * C + ahead);
      }
      const int64_t y = target[r];
      if (y == ignore_index) {  // rw[r] is 0 for it; the row is not read
        loss[r] = A(0);
        continue;
      }
      const A lse = LogSoftmax ? row_lse(x, C) : A(0);
      A l = -keep * rw[r] * (A(x[y]) - lse);
      if (LogSoftmax && eps > 0) l -= per_class * (row_dot(x, w, C) - lse * wsum);
      loss[r] = l;
    }
  });
}

// nll_loss summed or averaged over at most kGrainSize rows (one thread, as loss_rows takes them):
// one pass -- the target's check, its weight, the read of x[y] and both sums -- where row_weights,
// loss_rows and two ordered_sums were four passes and two temporaries (4096 rows of 1000 classes:
// 8.0 -> 5.6 us). The same values summed in the same order as ordered_sum over the rows' losses
// (the general path's -keep * w * (x[y] - lse), keep 1 and lse 0) and weights; returns both sums.
template <typename T>
std::pair<double, double> nll_sums(const LossPlan& p, int64_t ignore_index) {
  using A = Acc<T>;
  const int64_t C = p.C;
  const T* X = p.x.data<T>();
  const int64_t* target = p.target.data<int64_t>();
  const A* w = p.weight.defined() ? p.weight.data<A>() : nullptr;
  double loss[8] = {}, weight[8] = {};
  for (int64_t r = 0; r < p.rows; ++r) {
    if (r + kNllPrefetchRows < p.rows) {  // as in loss_rows
      const int64_t ahead = target[r + kNllPrefetchRows];
      if (ahead >= 0 && ahead < C) __builtin_prefetch(X + (r + kNllPrefetchRows) * C + ahead);
    }
    const int64_t y = target[r];
    A wr = A(0), l = A(0);  // an ignored row: weight 0, loss 0, x not read
    if (y != ignore_index) {
      if (y < 0 || y >= C) loss_target_out_of_bounds(p.op, y, C, ignore_index);
      wr = w ? w[y] : A(1);
      l = -wr * A(X[r * C + y]);
    }
    loss[r % 8] += double(l);
    weight[r % 8] += double(wr);
  }
  const auto total = [](const double* part) {
    return ((part[0] + part[1]) + (part[2] + part[3])) + ((part[4] + part[5]) + (part[6] + part[7]));
  };
  return {total(loss), total(weight)};
}

template <bool LogSoftmax>
Tensor loss_forward(const char* op, const Tensor& self, const Tensor& target, const std::optional<Tensor>& weight,
                    int64_t reduction, int64_t ignore_index, double smoothing) {
  const LossPlan p = loss_plan(op, self, target, weight, reduction, smoothing, LogSoftmax);
  return dispatch_floating(self.dtype(), op, [&]<typename T>() {
    using A = Acc<T>;
    if (!LogSoftmax && !p.probs && reduction != kReduceNone && p.rows <= kGrainSize) {
      const auto [total, weight] = nll_sums<T>(p, ignore_index);
      return tg::full({}, reduction == kReduceSum ? total : total / weight, p.x.dtype(), self.device());
    }
    const Tensor rw = row_weights<A>(p, ignore_index);
    Tensor loss = empty_tensor({p.rows}, p.acc, self.device(), op);
    if (p.rows) loss_rows<LogSoftmax, T>(p, ignore_index, smoothing, rw.data<A>(), loss.data<A>());
    if (reduction == kReduceNone) return loss_reduce(p, loss, rw, reduction);
    // mean / sum summed here, in double and in row order (deterministic; one small op where
    // loss_reduce's sums, division and cast were four, 4x nll_loss's own time for 4096 rows). Nothing
    // to average over gives nan (0 / 0), like PyTorch.
    const double total = ordered_sum(loss.data<A>(), p.rows), weight = ordered_sum(rw.data<A>(), p.rows);
    const double value = reduction == kReduceSum ? total : total / (p.probs ? double(p.rows) : weight);
    return tg::full({}, value, p.x.dtype(), self.device());
  });
}

// grad[r, c] = coef_r * (softmax_c * A - a_c) (cross entropy) or -coef_r * w_y at c = y (nll).
template <bool LogSoftmax, typename T>
void loss_grad_rows(const LossPlan& p, int64_t ignore_index, double smoothing, const Acc<T>* rw, const Acc<T>* coef,
                    T* G) {
  using A = Acc<T>;
  using IO = vec::VecIO<T>;
  using V = AccVec<T>;
  constexpr int64_t W = V::size();
  const int64_t C = p.C, full = C / W * W;
  const T* X = p.x.data<T>();
  const A* w = p.weight.defined() ? p.weight.data<A>() : nullptr;
  const A eps = A(smoothing), keep = A(1) - eps, per_class = C ? eps / A(C) : A(0);
  const A wsum = w ? row_dot<A>(w, nullptr, C) : A(C);
  // Every row is written whole (zeros but at the target for nll_loss): rows split like the others'.
  const int64_t grain = std::max<int64_t>(1, wake_scaled(kGrainSize) / std::max<int64_t>(C, 1));
  const int64_t* target = p.probs ? nullptr : p.target.data<int64_t>();
  parallel_for(0, p.rows, grain, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const T* x = X + r * C;
      T* g = G + r * C;
      const A cf = coef[r];
      const int64_t y = p.probs ? 0 : target[r];
      if (!p.probs && y == ignore_index) {
        for (int64_t c = 0; c < C; ++c) g[c] = T(0);
        continue;
      }
      if (!LogSoftmax) {
        for (int64_t c = 0; c < C; ++c) g[c] = T(0);
        g[y] = T(-cf * rw[r]);
        continue;
      }
      const A lse = row_lse(x, C);
      if (p.probs) {
        const T* t = p.target.data<T>() + r * C;
        A total = 0;  // A = sum_c w_c t'_c
        for (int64_t c = 0; c < C; ++c) total += (w ? w[c] : A(1)) * (keep * A(t[c]) + per_class);
        for (int64_t c = 0; c < C; ++c) {
          const A a = (w ? w[c] : A(1)) * (keep * A(t[c]) + per_class);
          g[c] = T(cf * (std::exp(A(x[c]) - lse) * total - a));
        }
        continue;
      }
      // class index y: a_c = (1 - eps) w_y [c == y] + eps / C * w_c, A = (1 - eps) w_y + eps / C * sum(w)
      const A total = keep * rw[r] + per_class * wsum;
      const V vscale(cf * total), vlse(lse), vsub(cf * per_class);
      for (int64_t c = 0; c < full; c += W) {
        V v = vec::exp(IO::load(x + c) - vlse) * vscale;
        v = w ? v - vsub * V::loadu(w + c) : v - vsub;
        IO::store(g + c, v);
      }
      for (int64_t c = full; c < C; ++c)
        g[c] = T(cf * total * std::exp(A(x[c]) - lse) - cf * per_class * (w ? w[c] : A(1)));
      // the target's own term, from the value just written (rounded through T like the rest)
      g[y] = T(A(g[y]) - cf * keep * rw[r]);
    }
  });
}

template <bool LogSoftmax>
Tensor loss_backward(const char* op, const Tensor& grad_output, const Tensor& self, const Tensor& target,
                     const std::optional<Tensor>& weight, int64_t reduction, int64_t ignore_index, double smoothing) {
  const LossPlan p = loss_plan(op, self, target, weight, reduction, smoothing, LogSoftmax);
  return dispatch_floating(self.dtype(), op, [&]<typename T>() {
    using A = Acc<T>;
    const Tensor rw = row_weights<A>(p, ignore_index);
    const Tensor coef = loss_row_coef(p, grad_output, rw, reduction);
    Tensor grad = empty_tensor({p.rows, p.C}, self.dtype(), self.device(), op);
    if (p.rows && p.C) loss_grad_rows<LogSoftmax, T>(p, ignore_index, smoothing, rw.data<A>(), coef.data<A>(),
                                                      grad.data<T>());
    return loss_grad_finish(p, grad);
  });
}

// ---------------------------------------------------------------------------- normalization statistics

// mean and M2 (sum of squared deviations) of x[0, n): chunks of kChunk elements, each with two
// sweeps in cache (sum, then squared deviations from the chunk's mean), merged with Chan et al.'s
// pairwise update, so the result is stable for any n and independent of threads.
constexpr int64_t kChunk = 2048;

template <typename T>
struct Moments {
  double count = 0;
  Acc<T> mean = 0, m2 = 0;
  void merge(double nb, Acc<T> mb, Acc<T> m2b) {
    if (nb == 0) return;
    const double total = count + nb;
    const Acc<T> delta = mb - mean;
    mean += delta * Acc<T>(nb / total);
    m2 += m2b + delta * delta * Acc<T>(count * nb / total);
    count = total;
  }
};

template <typename T>
void span_moments(const T* x, int64_t n, Moments<T>& acc) {
  using IO = vec::VecIO<T>;
  using V = AccVec<T>;
  using A = Acc<T>;
  constexpr int64_t W = V::size();
  for (int64_t start = 0; start < n; start += kChunk) {
    const int64_t len = std::min(kChunk, n - start);
    const T* c = x + start;
    const A m = row_dot<T>(c, nullptr, len) / A(len);
    const int64_t full = len / W * W;
    const V vm(m);
    const V vs = vec::accumulate4(full, V(A(0)), [&](const V& a, int64_t k) {
      const V d = IO::load(c + k) - vm;
      return vec::fmadd(d, d, a);
    }, vec::add_vectors<V>);
    A m2 = vec::reduce_add(vs);
    for (int64_t k = full; k < len; ++k) {
      const A d = A(c[k]) - m;
      m2 += d * d;
    }
    acc.merge(double(len), m, m2);
  }
}

// sum of squares of x[0, n)
template <typename T>
Acc<T> span_sum_squares(const T* x, int64_t n) {
  using IO = vec::VecIO<T>;
  using V = AccVec<T>;
  using A = Acc<T>;
  constexpr int64_t W = V::size();
  A total = 0;
  for (int64_t start = 0; start < n; start += kChunk) {
    const int64_t len = std::min(kChunk, n - start);
    const T* c = x + start;
    const int64_t full = len / W * W;
    const V vs = vec::accumulate4(full, V(A(0)), [&](const V& a, int64_t k) {
      const V v = IO::load(c + k);
      return vec::fmadd(v, v, a);
    }, vec::add_vectors<V>);
    A s = vec::reduce_add(vs);
    for (int64_t k = full; k < len; ++k) s += A(c[k]) * A(c[k]);
    total += s;
  }
  return total;
}

// y = x * scale + shift over n elements (per-element scale/shift arrays when given, else scalars).
template <typename T>
void affine_span(const T* x, T* y, int64_t n, Acc<T> scale, Acc<T> shift) {
  using IO = vec::VecIO<T>;
  using V = AccVec<T>;
  constexpr int64_t W = V::size();
  const int64_t full = n / W * W;
  const V vs(scale), vb(shift);
  for (int64_t k = 0; k < full; k += W) IO::store(y + k, vec::fmadd(IO::load(x + k), vs, vb));
  for (int64_t k = full; k < n; ++k) y[k] = T(Acc<T>(x[k]) * scale + shift);
}

// y = (x * rstd - mean * rstd) * w + b over a row with per-element w, b (either may be null).
template <typename T>
void normalize_row(const T* x, T* y, int64_t n, Acc<T> mean, Acc<T> rstd, const T* w, const T* b) {
  using IO = vec::VecIO<T>;
  using V = AccVec<T>;
  using A = Acc<T>;
  constexpr int64_t W = V::size();
  const int64_t full = n / W * W;
  const V vr(rstd), vshift(-mean * rstd);
  for (int64_t k = 0; k < full; k += W) {
    V v = vec::fmadd(IO::load(x + k), vr, vshift);
    if (w) v = v * IO::load(w + k);
    if (b) v = v + IO::load(b + k);
    IO::store(y + k, v);
  }
  for (int64_t k = full; k < n; ++k) {
    A v = A(x[k]) * rstd - mean * rstd;
    if (w) v *= A(w[k]);
    if (b) v += A(b[k]);
    y[k] = T(v);
  }
}

template <typename T> const T* ptr_or_null(const Tensor& t) { return t.defined() ? t.data<T>() : nullptr; }

}  // namespace

// ---------------------------------------------------------------------------- the kernels

Tensor cross_entropy_loss_cpu(const Tensor& self, const Tensor& target, const std::optional<Tensor>& weight,
                              int64_t reduction, int64_t ignore_index, double label_smoothing) {
  return loss_forward<true>("cross_entropy_loss", self, target, weight, reduction, ignore_index, label_smoothing);
}

Tensor cross_entropy_loss_backward_cpu(const Tensor& grad_output, const Tensor& self, const Tensor& target,
                                       const std::optional<Tensor>& weight, int64_t reduction, int64_t ignore_index,
                                       double label_smoothing) {
  return loss_backward<true>("cross_entropy_loss_backward", grad_output, self, target, weight, reduction,
                             ignore_index, label_smoothing);
}

Tensor nll_loss_cpu(const Tensor& self, const Tensor& target, const std::optional<Tensor>& weight, int64_t reduction,
                    int64_t ignore_index) {
  return loss_forward<false>("nll_loss", self, target, weight, reduction, ignore_index, 0.0);
}

Tensor nll_loss_backward_cpu(const Tensor& grad_output, const Tensor& self, const Tensor& target,
                             const std::optional<Tensor>& weight, int64_t reduction, int64_t ignore_index) {
  return loss_backward<false>("nll_loss_backward", grad_output, self, target, weight, reduction, ignore_index, 0.0);
}

std::tuple<Tensor, Tensor, Tensor> native_layer_norm_cpu(const Tensor& input, IntArrayRef normalized_shape,
                                                         const std::optional<Tensor>& weight,
                                                         const std::optional<Tensor>& bias, double eps) {
  const char* op = "native_layer_norm";
  const RowNormPlan p = row_norm_plan(op, input, normalized_shape, weight, bias);
  Tensor out = empty_tensor(input.sizes(), input.dtype(), input.device(), op);
  Tensor mean = empty_tensor(p.stat_sizes, p.acc, input.device(), op);
  Tensor rstd = empty_tensor(p.stat_sizes, p.acc, input.device(), op);
  dispatch_floating(input.dtype(), op, [&]<typename T>() {
    using A = Acc<T>;
    const T *X = p.x.data<T>(), *w = ptr_or_null<T>(p.weight), *b = ptr_or_null<T>(p.bias);
    T* Y = out.data<T>();
    A *M = mean.data<A>(), *R = rstd.data<A>();
    const int64_t n = p.n;
    parallel_for(0, p.rows, row_grain(n), [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        Moments<T> m;
        span_moments(X + r * n, n, m);
        const A var = n ? m.m2 / A(n) : A(NAN);
        M[r] = n ? m.mean : A(NAN);
        R[r] = A(1) / std::sqrt(var + A(eps));
        normalize_row(X + r * n, Y + r * n, n, M[r], R[r], w, b);
      }
    });
  });
  return {out, mean, rstd};
}

std::tuple<Tensor, Tensor> native_rms_norm_cpu(const Tensor& input, IntArrayRef normalized_shape,
                                               const std::optional<Tensor>& weight, std::optional<double> eps) {
  const char* op = "native_rms_norm";
  const RowNormPlan p = row_norm_plan(op, input, normalized_shape, weight, std::nullopt);
  const double e = eps ? *eps : rms_norm_default_eps(input.dtype());
  Tensor out = empty_tensor(input.sizes(), input.dtype(), input.device(), op);
  Tensor rstd = empty_tensor(p.stat_sizes, p.acc, input.device(), op);
  dispatch_floating(input.dtype(), op, [&]<typename T>() {
    using A = Acc<T>;
    const T *X = p.x.data<T>(), *w = ptr_or_null<T>(p.weight);
    T* Y = out.data<T>();
    A* R = rstd.data<A>();
    const int64_t n = p.n;
    parallel_for(0, p.rows, row_grain(n), [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        const A ms = n ? span_sum_squares(X + r * n, n) / A(n) : A(NAN);
        R[r] = A(1) / std::sqrt(ms + A(e));
        normalize_row<T>(X + r * n, Y + r * n, n, A(0), R[r], w, nullptr);
      }
    });
  });
  return {out, rstd};
}

std::tuple<Tensor, Tensor, Tensor> native_group_norm_cpu(const Tensor& input, const std::optional<Tensor>& weight,
                                                         const std::optional<Tensor>& bias, int64_t num_groups,
                                                         double eps) {
  const char* op = "native_group_norm";
  const GroupNormPlan p = group_norm_plan(input, weight, bias, num_groups);
  Tensor out = empty_tensor(input.sizes(), input.dtype(), input.device(), op);
  Tensor mean = empty_tensor({p.N, p.G}, p.acc, input.device(), op);
  Tensor rstd = empty_tensor({p.N, p.G}, p.acc, input.device(), op);
  dispatch_floating(input.dtype(), op, [&]<typename T>() {
    using A = Acc<T>;
    const T *X = p.x.data<T>(), *w = ptr_or_null<T>(p.weight), *b = ptr_or_null<T>(p.bias);
    T* Y = out.data<T>();
    A *M = mean.data<A>(), *R = rstd.data<A>();
    const int64_t cpg = p.C / p.G, len = cpg * p.HW;
    parallel_for(0, p.N * p.G, row_grain(len), [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        const T* x = X + r * len;
        Moments<T> m;
        span_moments(x, len, m);
        M[r] = len ? m.mean : A(NAN);
        R[r] = A(1) / std::sqrt((len ? m.m2 / A(len) : A(NAN)) + A(eps));
        const int64_t c0 = (r % p.G) * cpg;
        for (int64_t j = 0; j < cpg; ++j) {
          const A scale = R[r] * (w ? A(w[c0 + j]) : A(1));
          const A shift = (b ? A(b[c0 + j]) : A(0)) - M[r] * scale;
          affine_span(x + j * p.HW, Y + r * len + j * p.HW, p.HW, scale, shift);
        }
      }
    });
  });
  return {out, mean, rstd};
}

std::tuple<Tensor, Tensor, Tensor, Tensor> native_batch_norm_cpu(const Tensor& input,
                                                                 const std::optional<Tensor>& weight,
                                                                 const std::optional<Tensor>& bias,
                                                                 const std::optional<Tensor>& running_mean,
                                                                 const std::optional<Tensor>& running_var,
                                                                 bool training, double eps) {
  const char* op = "native_batch_norm";
  const BatchNormPlan p = batch_norm_plan(input, weight, bias, running_mean, running_var, training);
  Tensor out = empty_tensor(input.sizes(), input.dtype(), input.device(), op);
  Tensor mean = empty_tensor({p.C}, p.acc, input.device(), op);
  Tensor rstd = empty_tensor({p.C}, p.acc, input.device(), op);
  Tensor batch_var = empty_tensor({training ? p.C : 0}, p.acc, input.device(), op);
  dispatch_floating(input.dtype(), op, [&]<typename T>() {
    using A = Acc<T>;
    const T *X = p.x.data<T>(), *w = ptr_or_null<T>(p.weight), *b = ptr_or_null<T>(p.bias);
    T* Y = out.data<T>();
    A *M = mean.data<A>(), *R = rstd.data<A>();
    const int64_t N = p.N, C = p.C, HW = p.HW;
    if (training) {
      A* BV = batch_var.data<A>();
      // one channel per task: its N planes of HW elements, merged in order
      parallel_for(0, C, std::max<int64_t>(1, kGrainSize / std::max<int64_t>(N * HW, 1)), [&](int64_t begin,
                                                                                             int64_t end) {
        for (int64_t c = begin; c < end; ++c) {
          Moments<T> m;
          for (int64_t n = 0; n < N; ++n) span_moments(X + (n * C + c) * HW, HW, m);
          const double count = double(N * HW);
          M[c] = m.mean;
          R[c] = A(1) / std::sqrt(m.m2 / A(count) + A(eps));
          BV[c] = m.m2 / A(count - 1);  // unbiased, for running_var
        }
      });
    } else {
      const A *rm = p.running_mean.data<A>(), *rv = p.running_var.data<A>();
      for (int64_t c = 0; c < C; ++c) {
        M[c] = rm[c];
        R[c] = A(1) / std::sqrt(rv[c] + A(eps));
      }
    }
    parallel_for(0, N * C, std::max<int64_t>(1, kGrainSize / std::max<int64_t>(HW, 1)), [&](int64_t begin,
                                                                                          int64_t end) {
      for (int64_t plane = begin; plane < end; ++plane) {
        const int64_t c = plane % C;
        const A scale = R[c] * (w ? A(w[c]) : A(1));
        const A shift = (b ? A(b[c]) : A(0)) - M[c] * scale;
        affine_span(X + plane * HW, Y + plane * HW, HW, scale, shift);
      }
    });
  });
  return {out, mean, rstd, batch_var};
}

}  // namespace tg::native::CPU_CAPABILITY
