// The fused backward of batch_norm, layer_norm and group_norm on the CPU (formulas and checks:
// aten/native/NormBackward.h). They replace the op composites' ~10 full passes (means, products,
// broadcasts) with one or two sweeps:
//   batch norm: per channel (one task each, its N planes in order) sum(dy) and sum(dy * xc); the
//     input gradient is then one fused multiply-add per element, dy * a + x * b + c per channel.
//   layer norm, input: per row (one task) sum(g) and sum(g * xc), g = dy * w, then the row's write
//     while it is still in the cache. weight/bias: column sums over fixed blocks of 128 rows (one
//     task each, rows in order), then over the blocks in order. All three in one pass
//     (_layer_norm_backward_all_kernel): each row's input gradient, then its column sums.
//   group norm: per plane (sample, channel) sum(dy) and sum(dy * xc). input: per (sample, group)
//     one task sums its planes (times w[c]) and writes them while the group is still in the cache;
//     weight/bias: per channel the samples' plane sums, in sample order.
// Each sum is accumulated by one thread in an order fixed by the shape, so results do not depend
// on the thread count. float16/bfloat16 are computed in float.
#include "aten/vec/isa.h"

#include <algorithm>
#include <vector>

#include "aten/dispatch/DtypeDispatch.h"
#include "aten/native/NormBackward.h"
#include "aten/native/cpu/ReduceCascade.h"
#include "aten/parallel/Parallel.h"
#include "aten/vec/vec.h"
#include "kernels/_batch_norm_backward_kernel.h"
#include "kernels/_group_norm_backward_kernel.h"
#include "kernels/_layer_norm_backward_all_kernel.h"
#include "kernels/_layer_norm_backward_kernel.h"
#include "ops/to.h"
#include "ops/unbind.h"

namespace tg::native::CPU_CAPABILITY {

namespace {

template <typename T> using Acc = opmath_t<T>;
template <typename T> using AccVec = typename vec::VecIO<T>::vec_t;

// Adds sum dy and sum dy * (x - mean) over n elements to vector accumulators (lanes summed by the
// caller once per channel/row). w: per-element weight folded into dy (layer norm), or null.
template <typename T>
void add_sums(const T* dy, const T* x, const Acc<T>* w, int64_t n, Acc<T> mean, AccVec<T>& s_dy, AccVec<T>& s_dyx,
              Acc<T>& t_dy, Acc<T>& t_dyx) {
  using IO = vec::VecIO<T>;
  using V = AccVec<T>;
  using A = Acc<T>;
  constexpr int64_t W = V::size();
  const int64_t full = n / W * W;
  const V vm(mean);
  for (int64_t k = 0; k < full; k += W) {
    V g = IO::load(dy + k);
    if (w) g = g * V::loadu(w + k);
    s_dy = s_dy + g;
    s_dyx = vec::fmadd(g, IO::load(x + k) - vm, s_dyx);
  }
  for (int64_t k = full; k < n; ++k) {
    const A g = w ? A(dy[k]) * w[k] : A(dy[k]);
    t_dy += g;
    t_dyx += g * (A(x[k]) - mean);
  }
}

// out[k] = dy[k] * (w ? w[k] : 1) * a + x[k] * b + c
template <typename T>
void affine_write(const T* dy, const T* x, const Acc<T>* w, int64_t n, Acc<T> a, Acc<T> b, Acc<T> c, T* out) {
  using IO = vec::VecIO<T>;
  using V = AccVec<T>;
  using A = Acc<T>;
  constexpr int64_t W = V::size();
  const int64_t full = n / W * W;
  const V va(a), vb(b), vc(c);
  for (int64_t k = 0; k < full; k += W) {
    V g = IO::load(dy + k);
    if (w) g = g * V::loadu(w + k);
    IO::store(out + k, vec::fmadd(g, va, vec::fmadd(IO::load(x + k), vb, vc)));
  }
  for (int64_t k = full; k < n; ++k) {
    const A g = w ? A(dy[k]) * w[k] : A(dy[k]);
    out[k] = T(g * a + (A(x[k]) * b + c));
  }
}

// out[k] = rs ((dy[k] w - mg) - (x[k] - mean) proj): group norm's input gradient on one plane, in
// the centered form: a group of one element gives exactly 0 (g - mg and x - mean are 0; an fma in
// g - mg would keep the rounding error of mg), where the expanded dy a + x b + c left the rounding
// of two large terms.
template <typename T>
void centered_write(const T* dy, const T* x, int64_t n, Acc<T> w, Acc<T> mg, Acc<T> mean, Acc<T> proj, Acc<T> rs,
                    T* out) {
  using IO = vec::VecIO<T>;
  using V = AccVec<T>;
  using A = Acc<T>;
  constexpr int64_t W = V::size();
  const int64_t full = n / W * W;
  const V vw(w), vmg(mg), vm(mean), vp(proj), vr(rs);
  for (int64_t k = 0; k < full; k += W)
    IO::store(out + k, ((IO::load(dy + k) * vw - vmg) - (IO::load(x + k) - vm) * vp) * vr);  // no fma: g - mg
  for (int64_t k = full; k < n; ++k) out[k] = T(((A(dy[k]) * w - mg) - (A(x[k]) - mean) * proj) * rs);
}

// The plan's tensors as typed pointers: dy and x in the input's dtype, the statistics and the
// weight (null without one) in the accumulation dtype.
template <typename T>
struct PlanPointers {
  const T *dy, *x;
  const Acc<T> *mean, *rstd, *weight;
  explicit PlanPointers(const NormBackwardPlan& p)
      : dy(p.dy.data<T>()), x(p.x.data<T>()), mean(p.mean.data<Acc<T>>()), rstd(p.rstd.data<Acc<T>>()),
        weight(p.weight.defined() ? p.weight.data<Acc<T>>() : nullptr) {}
};

// A norm's input gradient: a tensor of the input's shape that fill(PlanPointers<T>, out) writes
// (not called for an empty input).
template <typename F>
Tensor input_gradient(const char* op, const Tensor& input, const NormBackwardPlan& p, const F& fill) {
  Tensor grad_input = empty_tensor(input.sizes(), input.dtype(), input.device(), op);
  if (grad_input.numel() == 0) return grad_input;
  dispatch_floating(input.dtype(), op, [&]<typename T>() { fill(PlanPointers<T>(p), grad_input.data<T>()); });
  return grad_input;
}

// The parameter gradient computed in the accumulation dtype, returned in the parameter's.
Tensor as_param_dtype(const Tensor& acc, ScalarType dtype) { return acc.dtype() == dtype ? acc : tg::to(acc, dtype); }

}  // namespace

Tensor batch_norm_backward_kernel_cpu(const Tensor& grad_out, const Tensor& input, const Tensor& save_mean,
                                      const Tensor& save_rstd, const std::optional<Tensor>& weight, bool training,
                                      int64_t which) {
  const char* op = "native_batch_norm_backward";
  const NormBackwardPlan p = batch_norm_backward_plan(grad_out, input, save_mean, save_rstd, weight, which);
  const int64_t N = p.N, C = p.C, HW = p.HW;
  // which 0: [sum dy | sum dy xc]; which 3: [[weight's], [bias's]]
  Tensor sums = which == 3 ? empty_tensor({2, C}, p.acc, input.device(), op)
                           : empty_tensor({which == 0 ? 2 * C : C}, p.acc, input.device(), op);
  Tensor grad_input = which == 0 ? empty_tensor(input.sizes(), input.dtype(), input.device(), op) : Tensor();
  dispatch_floating(input.dtype(), op, [&]<typename T>() {
    using A = Acc<T>;
    using V = AccVec<T>;
    const T *DY = p.dy.data<T>(), *X = p.x.data<T>();
    const A *M = p.mean.data<A>(), *R = p.rstd.data<A>(), *Wt = p.weight.defined() ? p.weight.data<A>() : nullptr;
    A* S = sums.data<A>();
    const bool need_sums = which != 0 || training;
    if (need_sums) {
      parallel_for(0, C, std::max<int64_t>(1, kGrainSize / std::max<int64_t>(N * HW, 1)), [&](int64_t c0, int64_t c1) {
        for (int64_t c = c0; c < c1; ++c) {
          V s_dy(A(0)), s_dyx(A(0));
          A t_dy = 0, t_dyx = 0;
          for (int64_t n = 0; n < N; ++n) {
            const int64_t off = (n * C + c) * HW;
            add_sums<T>(DY + off, X + off, nullptr, HW, M[c], s_dy, s_dyx, t_dy, t_dyx);
          }
          const A sum_dy = vec::reduce_add(s_dy) + t_dy, sum_dyx = vec::reduce_add(s_dyx) + t_dyx;
          if (which == 2) S[c] = sum_dy;
          else if (which == 1) S[c] = sum_dyx * R[c];
          else if (which == 3) {
            S[c] = sum_dyx * R[c];
            S[C + c] = sum_dy;
          } else {
            S[c] = sum_dy;
            S[C + c] = sum_dyx;
          }
        }
      });
    }
    if (which != 0 || grad_input.numel() == 0) return;
    // dx = k (dy - sum_dy / M - xc rstd^2 sum_dyx / M), k = w rstd: per channel dy * a + x * b + c.
    const A count = A(N * HW);
    T* DX = grad_input.data<T>();
    parallel_for(0, N * C, std::max<int64_t>(1, kGrainSize / std::max<int64_t>(HW, 1)), [&](int64_t p0, int64_t p1) {
      for (int64_t plane = p0; plane < p1; ++plane) {
        const int64_t c = plane % C;
        const A k = R[c] * (Wt ? Wt[c] : A(1));
        A b = 0, shift = 0;
        if (training) {
          const A proj = S[C + c] * R[c] * R[c] / count;  // the coefficient of xc
          b = -k * proj;
          shift = k * (proj * M[c] - S[c] / count);
        }
        affine_write<T>(DY + plane * HW, X + plane * HW, nullptr, HW, k, b, shift, DX + plane * HW);
      }
    });
  });
  if (which == 0) return grad_input;
  return as_param_dtype(sums, p.param_dtype);
}

namespace {
// Layer norm's input gradient of row r (the row's two sums, then its write while in the cache).
template <typename T>
void layer_norm_input_row(const PlanPointers<T>& d, int64_t r, int64_t n, T* DX) {
  using A = Acc<T>;
  using V = AccVec<T>;
  const T *dy = d.dy + r * n, *x = d.x + r * n;
  V s_g(A(0)), s_gx(A(0));
  A t_g = 0, t_gx = 0;
  add_sums<T>(dy, x, d.weight, n, d.mean[r], s_g, s_gx, t_g, t_gx);
  const A sum_g = vec::reduce_add(s_g) + t_g, sum_gx = vec::reduce_add(s_gx) + t_gx;
  // dx = rstd (g - sum_g / n - xc rstd^2 sum_gx / n): g * a + x * b + c.
  const A rs = d.rstd[r], proj = sum_gx * rs * rs / A(n);
  affine_write<T>(dy, x, d.weight, n, rs, -rs * proj, rs * (proj * d.mean[r] - sum_g / A(n)), DX + r * n);
}

// Layer norm's weight (sum over rows of dy * xhat) and / or bias (sum over rows of dy) gradients,
// per normalized element. Fixed blocks of kRowBlock rows stream through whole rows (contiguous
// reads) into a partial sum per block, then the blocks' partials add up in block order: the result
// does not depend on the thread count. (Walking column chunks down all rows read 256-byte pieces at
// a row stride: 2.6x slower.) Both in the same pass, each in the same order as alone. With DX, the
// input gradient too, each row written by layer_norm_input_row just before its sums: dy and x are
// read once for all three (two passes took 1.2x the time: 4096 x 1024 float32).
constexpr int64_t kRowBlock = 128;

template <typename T>
void layer_norm_param_sums(const PlanPointers<T>& d, int64_t rows, int64_t n, bool want_w, bool want_b, Acc<T>* S,
                           T* DX) {
  using A = Acc<T>;
  using IO = vec::VecIO<T>;
  using V = AccVec<T>;
  constexpr int64_t W = V::size();
  const int64_t blocks = std::max<int64_t>(1, (rows + kRowBlock - 1) / kRowBlock), full = n / W * W;
  // partial sums per block: [blocks, n] of the weight's, then [blocks, n] of the bias's
  const int64_t parts = int64_t(want_w) + int64_t(want_b);
  std::vector<A> partial(size_t(parts * blocks * n), A(0));
  A* const PW = want_w ? partial.data() : nullptr;
  A* const PB = want_b ? partial.data() + (parts - 1) * blocks * n : nullptr;
  const int64_t passes = DX ? 2 : 1;  // bytes read per row and block, for the grain
  parallel_for(0, blocks, std::max<int64_t>(1, kGrainSize / std::max<int64_t>(passes * kRowBlock * n, 1)),
               [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) {
      A* acc_w = want_w ? PW + b * n : nullptr;
      A* acc_b = want_b ? PB + b * n : nullptr;
      for (int64_t r = b * kRowBlock; r < std::min(rows, (b + 1) * kRowBlock); ++r) {
        if (DX) layer_norm_input_row<T>(d, r, n, DX);
        const T *dy = d.dy + r * n, *x = d.x + r * n;
        const A m = d.mean[r], rs = d.rstd[r];
        const V vm(m), vr(rs);
        for (int64_t j = 0; j < full; j += W) {
          const V g = IO::load(dy + j);
          if (want_b) (V::loadu(acc_b + j) + g).store(acc_b + j);
          if (want_w) vec::fmadd(g, (IO::load(x + j) - vm) * vr, V::loadu(acc_w + j)).store(acc_w + j);
        }
        for (int64_t j = full; j < n; ++j) {
          if (want_b) acc_b[j] += A(dy[j]);
          if (want_w) acc_w[j] += A(dy[j]) * ((A(x[j]) - m) * rs);
        }
      }
    }
  });
  parallel_for(0, parts * n, std::max<int64_t>(1, kGrainSize / blocks), [&](int64_t j0, int64_t j1) {
    for (int64_t j = j0; j < j1; ++j) {  // j: part j / n (weight first), element j % n
      const A* col = partial.data() + (j / n) * blocks * n + j % n;
      A total = col[0];
      for (int64_t b = 1; b < blocks; ++b) total += col[b * n];
      S[j] = total;
    }
  });
}
}  // namespace

Tensor layer_norm_backward_kernel_cpu(const Tensor& grad_out, const Tensor& input, IntArrayRef normalized_shape,
                                      const Tensor& mean, const Tensor& rstd, const std::optional<Tensor>& weight,
                                      int64_t which) {
  const char* op = "native_layer_norm_backward";
  const NormBackwardPlan p = layer_norm_backward_plan(grad_out, input, normalized_shape, mean, rstd, weight, which);
  const int64_t rows = p.rows, n = p.n;
  if (which == 0) {
    return input_gradient(op, input, p, [&]<typename T>(const PlanPointers<T>& d, T* DX) {
      parallel_for(0, rows, std::max<int64_t>(1, kGrainSize / n), [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; ++r) layer_norm_input_row<T>(d, r, n, DX);
      });
    });
  }
  // which 1 weight, 2 bias, 3 both stacked (NormBackward.h)
  DimVector out_shape(normalized_shape);
  if (which == 3) out_shape.insert(0, 2);
  Tensor sums = empty_tensor(out_shape, p.acc, input.device(), op);
  dispatch_floating(input.dtype(), op, [&]<typename T>() {
    layer_norm_param_sums<T>(PlanPointers<T>(p), rows, n, which != 2, which != 1, sums.data<Acc<T>>(), nullptr);
  });
  return as_param_dtype(sums, p.param_dtype);
}

std::vector<Tensor> layer_norm_backward_all_kernel_cpu(const Tensor& grad_out, const Tensor& input,
                                                       IntArrayRef normalized_shape, const Tensor& mean,
                                                       const Tensor& rstd, const std::optional<Tensor>& weight) {
  const char* op = "_layer_norm_backward_all_kernel";
  const NormBackwardPlan p = layer_norm_backward_plan(grad_out, input, normalized_shape, mean, rstd, weight, 3);
  Tensor grad_input = empty_tensor(input.sizes(), input.dtype(), input.device(), op);
  DimVector out_shape(normalized_shape);
  out_shape.insert(0, 2);
  Tensor sums = empty_tensor(out_shape, p.acc, input.device(), op);
  dispatch_floating(input.dtype(), op, [&]<typename T>() {
    layer_norm_param_sums<T>(PlanPointers<T>(p), p.rows, p.n, true, true, sums.data<Acc<T>>(),
                             grad_input.numel() ? grad_input.data<T>() : nullptr);
  });
  std::vector<Tensor> grads = tg::unbind(as_param_dtype(sums, p.param_dtype), 0);
  grads.insert(grads.begin(), std::move(grad_input));
  return grads;
}

Tensor group_norm_backward_kernel_cpu(const Tensor& grad_out, const Tensor& input, const Tensor& mean,
                                      const Tensor& rstd, const std::optional<Tensor>& weight, int64_t num_groups,
                                      int64_t which) {
  const char* op = "native_group_norm_backward";
  const NormBackwardPlan p = group_norm_backward_plan(grad_out, input, mean, rstd, weight, num_groups, which);
  const int64_t N = p.N, C = p.C, G = p.G, HW = p.HW, cpg = C / G, len = cpg * HW;
  if (which == 0) {
    return input_gradient(op, input, p, [&]<typename T>(const PlanPointers<T>& d, T* DX) {
      using A = Acc<T>;
      using V = AccVec<T>;
      auto weight_of = [&](int64_t c) { return d.weight ? d.weight[c] : A(1); };
      parallel_for(0, N * G, std::max<int64_t>(1, kGrainSize / len), [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; ++r) {  // row r: sample r / G, group r % G
          const int64_t c0 = (r % G) * cpg;
          const T *dy = d.dy + r * len, *x = d.x + r * len;
          // layer norm's row sums of g = dy * w, one plane (one w[c]) at a time
          A sum_g = 0, sum_gx = 0;
          for (int64_t j = 0; j < cpg; ++j) {
            V s_dy(A(0)), s_dyx(A(0));
            A t_dy = 0, t_dyx = 0;
            add_sums<T>(dy + j * HW, x + j * HW, nullptr, HW, d.mean[r], s_dy, s_dyx, t_dy, t_dyx);
            sum_g += weight_of(c0 + j) * (vec::reduce_add(s_dy) + t_dy);
            sum_gx += weight_of(c0 + j) * (vec::reduce_add(s_dyx) + t_dyx);
          }
          // dx = rstd (g - sum_g / n - xc rstd^2 sum_gx / n), g = dy w[c]
          const A rs = d.rstd[r], proj = sum_gx * rs * rs / A(len), mg = sum_g / A(len);
          for (int64_t j = 0; j < cpg; ++j)
            centered_write<T>(dy + j * HW, x + j * HW, HW, weight_of(c0 + j), mg, d.mean[r], proj, rs,
                              DX + r * len + j * HW);
        }
      });
    });
  }
  // weight (sum over samples of rstd sum(dy xc)) and / or bias (sum dy): plane sums, then per
  // channel the samples in order. which 3: both, the bias's sum first while the plane comes into
  // the cache, each in the same order as alone.
  const bool want_w = which != 2, want_b = which != 1;
  const int64_t parts = int64_t(want_w) + int64_t(want_b);
  Tensor sums = which == 3 ? empty_tensor({2, C}, p.acc, input.device(), op) : empty_tensor({C}, p.acc, input.device(), op);
  dispatch_floating(input.dtype(), op, [&]<typename T>() {
    using A = Acc<T>;
    using V = AccVec<T>;
    const T *DY = p.dy.data<T>(), *X = p.x.data<T>();
    const A *M = p.mean.data<A>(), *R = p.rstd.data<A>();
    std::vector<A> planes(size_t(parts * N * C));  // [N C] of the weight's, then [N C] of the bias's
    A* const PW = want_w ? planes.data() : nullptr;
    A* const PB = want_b ? planes.data() + (parts - 1) * N * C : nullptr;
    parallel_for(0, N * C, std::max<int64_t>(1, kGrainSize / std::max<int64_t>(HW, 1)), [&](int64_t q0, int64_t q1) {
      for (int64_t q = q0; q < q1; ++q) {  // plane q: sample q / C, channel q % C, group row q / cpg
        const T *dy = DY + q * HW, *x = X + q * HW;
        if (want_b) PB[q] = cascade_reduce<Acc<T>>(dy, HW, AddOp{});
        if (!want_w) continue;
        V s_dy(A(0)), s_dyx(A(0));
        A t_dy = 0, t_dyx = 0;
        add_sums<T>(dy, x, nullptr, HW, M[q / cpg], s_dy, s_dyx, t_dy, t_dyx);
        PW[q] = (vec::reduce_add(s_dyx) + t_dyx) * R[q / cpg];
      }
    });
    A* S = sums.data<A>();
    for (int64_t j = 0; j < parts * C; ++j) {  // part j / C (weight first), channel j % C
      const A* col = planes.data() + (j / C) * N * C + j % C;
      A acc = 0;
      for (int64_t n = 0; n < N; ++n) acc += col[n * C];
      S[j] = acc;
    }
  });
  return as_param_dtype(sums, p.param_dtype);
}

}  // namespace tg::native::CPU_CAPABILITY
