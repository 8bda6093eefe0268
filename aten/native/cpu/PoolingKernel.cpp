// Pooling and resampling on the CPU: max_pool2d_with_indices, avg_pool2d, adaptive_{avg,max}_pool2d,
// upsample_{nearest,bilinear}2d and their backward ops (the checks and index rules they share are
// in aten/native/Pooling.h).
//
// Every op works plane by plane (N*C planes of H x W, made contiguous first): planes are split
// across threads and each plane is computed by one thread alone, so the backward ops scatter into
// their plane without atomics and every result is the same for any thread count. Half types are
// computed in float (the backward ops accumulate a plane in float and round once): each op runs
// its float kernel on a float copy of its input and rounds its result once (is_half / as_float below), the
// same bits as converting element by element inside the windows, 2-6x faster. Window sums run in the window's row-major order, as PyTorch's kernels do.
#include "aten/vec/isa.h"
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>
#include <type_traits>
#include <vector>

#include "aten/dispatch/DtypeDispatch.h"
#include "aten/native/Copy.h"
#include "aten/native/Pooling.h"
#include "aten/native/cpu/PhaseRows.h"
#include "aten/native/cpu/StreamStores.h"
#include "aten/parallel/Parallel.h"
#include "aten/parallel/WakeCost.h"
#include "aten/vec/vec.h"
#include "kernels/_adaptive_avg_pool2d_backward.h"
#include "kernels/_max_pool2d_backward.h"
#include "kernels/adaptive_avg_pool2d.h"
#include "kernels/adaptive_max_pool2d.h"
#include "kernels/avg_pool2d.h"
#include "kernels/avg_pool2d_backward.h"
#include "kernels/max_pool2d_with_indices.h"
#include "kernels/upsample_bilinear2d.h"
#include "kernels/upsample_bilinear2d_backward.h"
#include "kernels/upsample_nearest2d.h"
#include "kernels/upsample_nearest2d_backward.h"
#include "ops/contiguous.h"
#include "ops/zeros.h"

namespace tg::native::CPU_CAPABILITY {

namespace {

bool is_half(const Tensor& t) { return t.dtype() == ScalarType::Float16 || t.dtype() == ScalarType::BFloat16; }
Tensor as_float(const Tensor& t) { return to_dtype(t, ScalarType::Float32); }
Tensor as_dtype_of(const Tensor& t, const Tensor& like) { return to_dtype(t, like.dtype()); }

// Calls f(plane) for every plane, planes split across threads; `work` is the cost of one plane
// in elements touched (for the grain).
template <typename F>
void for_each_plane(int64_t planes, int64_t work, const F& f) {
  parallel_for(0, planes, std::max<int64_t>(1, wake_scaled(kGrainSize) / std::max<int64_t>(work, 1)), [&](int64_t begin, int64_t end) {
    for (int64_t p = begin; p < end; ++p) f(p);
  });
}

// The identity of max: -inf for floating types, the lowest value for integers.
template <typename A>
constexpr A max_identity() {
  if constexpr (std::numeric_limits<A>::has_infinity) return -std::numeric_limits<A>::infinity();
  else return std::numeric_limits<A>::lowest();
}

// PyTorch's max update: a larger value, or any NaN (so a NaN propagates and the last NaN of the
// window names the index); ties keep the first maximum.
template <typename A>
inline bool takes_max(A v, A m) {
  if constexpr (std::is_floating_point_v<A>) return v > m || std::isnan(v);
  else return v > m;
}

// Max over rows [h0, h1) step dh and columns [w0, w1) step dw of a plane of width in_w. The index
// starts at the window's first position, so a window of -inf (or lowest) names its first element.
// The update is written as selects, not a branch: which element wins is data-dependent, and a
// mispredicted branch per element costs more than the window's loads.
template <typename T>
inline void window_max(const T* in, int64_t in_w, int64_t h0, int64_t h1, int64_t dh, int64_t w0, int64_t w1,
                       int64_t dw, T& out, int64_t& index) {
  using A = opmath_t<T>;
  A m = max_identity<A>();
  int64_t best = h0 * in_w + w0;
  for (int64_t h = h0; h < h1; h += dh) {
    const T* row = in + h * in_w;
    for (int64_t w = w0; w < w1; w += dw) {
      const A v = static_cast<A>(row[w]);
      const bool take = takes_max(v, m);
      m = take ? v : m;
      best = take ? h * in_w + w : best;
    }
  }
  out = static_cast<T>(m);
  index = best;
}

// The windows of adaptive pooling along one dim, [start[i], end[i]) for output i, computed once per
// call: each bound is an integer division, which per window and plane took a fifth of
// adaptive_max_pool2d's time.
struct AdaptiveBins {
  std::vector<int64_t> start, end;
  AdaptiveBins(int64_t out, int64_t in) : start(static_cast<size_t>(out)), end(static_cast<size_t>(out)) {
    for (int64_t i = 0; i < out; ++i) {
      start[size_t(i)] = adaptive_start(i, out, in);
      end[size_t(i)] = adaptive_end(i, out, in);
    }
  }
};

// Sum of n contiguous elements in the compute type: vectors (two accumulators) for long runs,
// a fixed order for a given n, so the result does not depend on the thread count.
template <typename T>
inline opmath_t<T> segment_sum(const T* p, int64_t n) {
  using IO = vec::VecIO<T>;
  using V = typename IO::vec_t;
  using A = opmath_t<T>;
  constexpr int64_t W = V::size();
  int64_t i = 0;
  A sum = 0;
  if (n >= 2 * W) {
    V acc0(A(0)), acc1(A(0));
    for (; i + 2 * W <= n; i += 2 * W) {
      acc0 = acc0 + IO::load(p + i);
      acc1 = acc1 + IO::load(p + i + W);
    }
    sum = vec::reduce_add(acc0 + acc1);
  }
  for (; i < n; ++i) sum += static_cast<A>(p[i]);
  return sum;
}

// Runs f(acc) for the backward op of one plane whose result is dst (n elements, zeros): acc is
// dst itself, or for the half types a zeroed float buffer written to dst afterwards, so a sum of
// many contributions rounds once (as PyTorch's CPU kernels do).
template <typename T, typename F>
void accumulate_plane(T* dst, int64_t n, const F& f) {
  using A = opmath_t<T>;
  if constexpr (std::is_same_v<T, A>) {
    f(dst);
  } else {
    std::vector<A> acc(static_cast<size_t>(n), A(0));
    f(acc.data());
    using IO = vec::VecIO<T>;
    constexpr int64_t N = IO::vec_t::size();
    int64_t i = 0;
    for (; i + N <= n; i += N) IO::store(dst + i, IO::vec_t::loadu(acc.data() + i));
    if (i < n) IO::store(dst + i, IO::vec_t::loadu(acc.data() + i, int(n - i)), int(n - i));
  }
}

// n values of a plane in opmath: the plane itself, or for the half types a float copy in buf
// (vector conversions: a scalar float16 -> float per element in a backward loop took 3x its
// float32 time).
template <typename T>
const opmath_t<T>* plane_in_opmath(const T* p, int64_t n, std::vector<opmath_t<T>>& buf) {
  if constexpr (std::is_same_v<T, opmath_t<T>>) {
    return p;
  } else {
    buf.resize(size_t(n));
    using IO = vec::VecIO<T>;
    constexpr int64_t N = IO::vec_t::size();
    int64_t i = 0;
    for (; i + N <= n; i += N) IO::load(p + i).store(buf.data() + i);
    if (i < n) IO::load(p + i, int(n - i)).store(buf.data() + i, int(n - i));
    return buf.data();
  }
}

// The first row (or column) of a max-pooling window starting at `start`, stepping by `dilation`
// past the padding.
inline int64_t first_inside(int64_t start, int64_t dilation) {
  while (start < 0) start += dilation;
  return start;
}

// The source index of each output index along one dim for nearest.
std::vector<int64_t> nearest_sources(int64_t in, int64_t out, std::optional<double> scale) {
  const float s = scale_of<float>(scale, in, out);
  std::vector<int64_t> src(static_cast<size_t>(out));
  for (int64_t i = 0; i < out; ++i) src[size_t(i)] = nearest_source(i, in, out, s);
  return src;
}

template <typename A>
std::vector<LinearTap<A>> linear_taps(int64_t in, int64_t out, bool align_corners, std::optional<double> scale) {
  const A s = linear_scale<A>(in, out, align_corners, scale_arg(scale));
  std::vector<LinearTap<A>> taps(static_cast<size_t>(out));
  for (int64_t i = 0; i < out; ++i) taps[size_t(i)] = linear_tap<A>(i, in, out, s, align_corners);
  return taps;
}

}  // namespace

// ---- max pooling

// Floating planes of up to 2^24 elements (float32; 2^53 float64) are vectorized across a row of
// outputs like avg_pool2d (PhaseRows.h, missing elements -inf, which never wins): lane j keeps its
// window's maximum and index by the scalar rule (takes_max over the window in row-major order), the
// index held exactly in the value's type so one select moves both. The same values and indices as
// window_max. [16,64,64,64] k2 s2 float32, 2 threads: 8.2 -> 1.35 ms, with the backward 10.4 -> 3.6 ms
// (PyTorch 8.6 / 10.9).
template <typename T>
bool max_pool_vectorizes(const Plane2d& p) {
  if constexpr (std::is_floating_point_v<T>) return p.in_h * p.in_w <= (int64_t(1) << std::numeric_limits<T>::digits);
  else return false;
}

template <typename T>
void max_pool_plane_vec(const T* xp, T* yp, int64_t* ip, const Plane2d& p, const PoolWindow& k, const PhaseRows<T>& rows,
                        const std::vector<T>& first_column, T* q) {
  using V = vec::Vectorized<T>;
  constexpr int64_t W = V::size();
  rows.split(xp, q, -std::numeric_limits<T>::infinity());
  alignas(64) T lanes[W];
  for (int64_t oh = 0; oh < p.out_h; ++oh) {
    const int64_t hs = oh * k.sh - k.ph;
    const int64_t h1 = std::min(hs + (k.kh - 1) * k.dh + 1, p.in_h);
    const int64_t h0 = first_inside(hs, k.dh);
    for (int64_t ow = 0; ow < p.out_w; ow += W) {
      const V column0 = V::loadu(first_column.data() + ow);  // ow * sw - pw: the window's column 0
      V m(-std::numeric_limits<T>::infinity());
      V best = V::loadu(first_column.data() + p.out_w + ow) + V(T(h0 * p.in_w));  // the window's first element
      for (int64_t h = h0; h < h1; h += k.dh) {
        const T* qh = rows.row(q, h) + ow;
        for (int64_t c = 0; c < k.kw; ++c) {
          const V v = V::loadu(qh + rows.column[size_t(c)]);
          const V take = (v > m) | (v != v);
          m = vec::blendv(m, v, take);
          best = vec::blendv(best, column0 + V(T(h * p.in_w + c * k.dw)), take);
        }
      }
      const int n = int(std::min(W, p.out_w - ow));
      m.store(yp + oh * p.out_w + ow, n);
      best.store(lanes);
      for (int j = 0; j < n; ++j) ip[oh * p.out_w + ow + j] = int64_t(lanes[j]);
    }
  }
}

std::tuple<Tensor, Tensor> max_pool2d_with_indices_cpu(const Tensor& self, IntArrayRef kernel_size, IntArrayRef stride,
                                                       IntArrayRef padding, IntArrayRef dilation, bool ceil_mode) {
  if (is_half(self)) {
    auto [values, indices] = max_pool2d_with_indices_cpu(as_float(self), kernel_size, stride, padding, dilation, ceil_mode);
    return {as_dtype_of(values, self), indices};
  }
  const char* op = "max_pool2d";
  PoolWindow k;
  const Plane2d p = pool2d_plan(self.sizes(), kernel_size, stride, padding, dilation, ceil_mode, k, op);
  const Tensor in = tg::contiguous(self);
  Tensor values = empty_tensor(p.out_sizes, self.dtype(), self.device(), op);
  Tensor indices = empty_tensor(p.out_sizes, ScalarType::Int64, self.device(), op);
  dispatch_numeric(self.dtype(), op, [&]<typename T>() {
    const T* x = in.data<T>();
    T* y = values.data<T>();
    int64_t* ix = indices.data<int64_t>();
    if (max_pool_vectorizes<T>(p)) {
      const PhaseRows<T> rows(p.in_h, p.in_w, p.out_w, k.kw, k.sw, k.pw, k.dw);
      // per output column, padded to whole vectors: ow * sw - pw, then the window's first column
      std::vector<T> first_column(size_t(2 * p.out_w + vec::Vectorized<T>::size()), T(0));
      for (int64_t ow = 0; ow < p.out_w; ++ow) {
        first_column[size_t(ow)] = T(ow * k.sw - k.pw);
        first_column[size_t(p.out_w + ow)] = T(first_inside(ow * k.sw - k.pw, k.dw));
      }
      for_each_plane(p.planes, p.in_h * p.in_w + p.out_h * p.out_w * k.kh * k.kw / vec::Vectorized<T>::size(),
                     [&](int64_t plane) {
        std::unique_ptr<T[]> q(new T[size_t(rows.elems())]);
        const int64_t o = plane * p.out_h * p.out_w;
        max_pool_plane_vec(x + plane * p.in_h * p.in_w, y + o, ix + o, p, k, rows, first_column, q.get());
      });
      return;
    }
    for_each_plane(p.planes, p.out_h * p.out_w * k.kh * k.kw, [&](int64_t plane) {
      const T* xp = x + plane * p.in_h * p.in_w;
      const int64_t o = plane * p.out_h * p.out_w;
      for (int64_t oh = 0; oh < p.out_h; ++oh) {
        const int64_t hs = oh * k.sh - k.ph;
        const int64_t h1 = std::min(hs + (k.kh - 1) * k.dh + 1, p.in_h);
        const int64_t h0 = first_inside(hs, k.dh);
        for (int64_t ow = 0; ow < p.out_w; ++ow) {
          const int64_t ws = ow * k.sw - k.pw;
          const int64_t w1 = std::min(ws + (k.kw - 1) * k.dw + 1, p.in_w);
          const int64_t w0 = first_inside(ws, k.dw);
          const int64_t at = o + oh * p.out_w + ow;
          window_max(xp, p.in_w, h0, h1, k.dh, w0, w1, k.dw, y[at], ix[at]);
        }
      }
    });
  });
  return {values, indices};
}

// Adaptive max pooling, separable: per output row, each input column's maximum over the row bin
// (vectorized along the row: the last NaN, else the first maximum down the column, its row
// carried exactly in the value's type), then per output the bin's columns scanned with the
// row-major rule written on the linear index: a NaN wins over a number and over an earlier NaN,
// a number wins over a smaller one and over an equal one later in row-major order. That is
// window_max's value and index exactly. [16,64,64,64] -> 7x7 float32, 2 threads: see README.
template <typename T>
void adaptive_max_plane(const T* xp, T* yp, int64_t* ip, const Plane2d& p, const AdaptiveBins& bh,
                        const AdaptiveBins& bw, T* colmax, T* colrow) {
  using V = vec::Vectorized<T>;
  constexpr int64_t W = V::size();
  for (int64_t oh = 0; oh < p.out_h; ++oh) {
    const int64_t h0 = bh.start[size_t(oh)], h1 = bh.end[size_t(oh)];
    for (int64_t w = 0; w < p.in_w; w += W) {
      const int n = int(std::min(W, p.in_w - w));
      V m(-std::numeric_limits<T>::infinity()), row{T(h0)};
      for (int64_t h = h0; h < h1; ++h) {
        const V v = n == W ? V::loadu(xp + h * p.in_w + w) : V::loadu(xp + h * p.in_w + w, n);
        const V take = (v > m) | (v != v);
        m = vec::blendv(m, v, take);
        row = vec::blendv(row, V(T(h)), take);
      }
      m.store(colmax + w, n);
      row.store(colrow + w, n);
    }
    for (int64_t ow = 0; ow < p.out_w; ++ow) {
      const int64_t w0 = bw.start[size_t(ow)], w1 = bw.end[size_t(ow)];
      T m = colmax[w0];
      int64_t best = int64_t(colrow[w0]) * p.in_w + w0;
      for (int64_t w = w0 + 1; w < w1; ++w) {
        const T v = colmax[w];
        const int64_t at = int64_t(colrow[w]) * p.in_w + w;
        const bool take = std::isnan(v) ? (!std::isnan(m) || at > best) : (!std::isnan(m) && (v > m || (v == m && at < best)));
        m = take ? v : m;
        best = take ? at : best;
      }
      yp[oh * p.out_w + ow] = m;
      ip[oh * p.out_w + ow] = best;
    }
  }
}

std::tuple<Tensor, Tensor> adaptive_max_pool2d_cpu(const Tensor& self, IntArrayRef output_size) {
  if (is_half(self)) {
    auto [values, indices] = adaptive_max_pool2d_cpu(as_float(self), output_size);
    return {as_dtype_of(values, self), indices};
  }
  const char* op = "adaptive_max_pool2d";
  const Plane2d p = adaptive_plan(self.sizes(), output_size, op);
  const AdaptiveBins bh(p.out_h, p.in_h), bw(p.out_w, p.in_w);
  const Tensor in = tg::contiguous(self);
  Tensor values = empty_tensor(p.out_sizes, self.dtype(), self.device(), op);
  Tensor indices = empty_tensor(p.out_sizes, ScalarType::Int64, self.device(), op);
  dispatch_floating(self.dtype(), op, [&]<typename T>() {
    const T* x = in.data<T>();
    T* y = values.data<T>();
    int64_t* ix = indices.data<int64_t>();
    if constexpr (std::is_floating_point_v<T>) {  // float16 / bfloat16 arrive as float
      if (p.in_h <= (int64_t(1) << std::numeric_limits<T>::digits)) {  // a row number exact in T
        for_each_plane(p.planes, p.in_h * p.in_w + 4 * p.out_h * p.out_w, [&](int64_t plane) {
          std::unique_ptr<T[]> columns(new T[size_t(2 * p.in_w)]);
          const int64_t o = plane * p.out_h * p.out_w;
          adaptive_max_plane(x + plane * p.in_h * p.in_w, y + o, ix + o, p, bh, bw, columns.get(),
                             columns.get() + p.in_w);
        });
        return;
      }
    }
    // each element is a compare-select in a dependent chain (~4 streamed elements' cost)
    for_each_plane(p.planes, 4 * (p.in_h * p.in_w + p.out_h * p.out_w), [&](int64_t plane) {
      const T* xp = x + plane * p.in_h * p.in_w;
      const int64_t o = plane * p.out_h * p.out_w;
      for (int64_t oh = 0; oh < p.out_h; ++oh) {
        const int64_t h0 = bh.start[size_t(oh)], h1 = bh.end[size_t(oh)];
        for (int64_t ow = 0; ow < p.out_w; ++ow) {
          const int64_t w0 = bw.start[size_t(ow)], w1 = bw.end[size_t(ow)];
          const int64_t at = o + oh * p.out_w + ow;
          window_max(xp, p.in_w, h0, h1, 1, w0, w1, 1, y[at], ix[at]);
        }
      }
    });
  });
  return {values, indices};
}

Tensor max_pool2d_backward_cpu(const Tensor& grad_output, const Tensor& indices, IntArrayRef input_sizes) {
  if (is_half(grad_output))
    return as_dtype_of(max_pool2d_backward_cpu(as_float(grad_output), indices, input_sizes), grad_output);
  const char* op = "_max_pool2d_backward";
  const Plane2d p = max_pool_backward_plan(grad_output, indices, input_sizes, op);
  const Tensor g = tg::contiguous(grad_output);
  const Tensor idx = tg::contiguous(indices);
  Tensor grad_input = tg::zeros(input_sizes, grad_output.dtype(), grad_output.device());
  dispatch_floating(grad_output.dtype(), op, [&]<typename T>() {
    using A = opmath_t<T>;
    const T* gp = g.data<T>();
    const int64_t* ip = idx.data<int64_t>();
    T* gi = grad_input.data<T>();
    const int64_t plane_in = p.in_h * p.in_w, plane_out = p.out_h * p.out_w;
    for_each_plane(p.planes, plane_out, [&](int64_t plane) {
      accumulate_plane(gi + plane * plane_in, plane_in, [&](A* acc) {
        for (int64_t o = plane * plane_out, end = o + plane_out; o < end; ++o) {
          const int64_t i = ip[o];
          TG_CHECK_INDEX(i >= 0 && i < plane_in, "[", op, "] index ", i, " is out of bounds for a plane of ", p.in_h,
                         "x", p.in_w, " elements");
          acc[i] += static_cast<A>(gp[o]);
        }
      });
    });
  });
  return grad_input;
}

// ---- average pooling
//
// Vectorized across a row of outputs (PhaseRows.h): lane j computes output (oh, ow + j) by the
// scalar definition's steps, the window's elements added in row-major order to a sum that starts
// at 0 and the sum divided by the window's divisor, so the results are the same bits for every
// capability. A padded position adds +0.0 where the window has no element, which leaves the sum
// unchanged (a sum that starts at +0.0 is never -0.0). [16,64,64,64] k3 s2 p1 float32, 2 threads,
// scalar windows before: forward 3.5 -> 1.0 ms, forward + backward 8.5 -> 3.8 ms (PyTorch 4.3 and
// 10.8 in the same runs).
template <typename A>
struct AvgPoolPlan {
  using V = vec::Vectorized<A>;
  static constexpr int64_t W = V::size();
  PhaseRows<A> rows;
  int64_t div_w;                 // out_w rounded up to W: the divisor table's row length
  std::vector<A> divisor;        // [out_h, div_w]; +inf for an empty window and past out_w (0 / inf = +0)
  std::vector<int64_t> h0, h1;   // the clipped input rows of output row oh

  AvgPoolPlan(const Plane2d& p, const PoolWindow& k, bool count_include_pad, int64_t divisor_override)
      : rows(p.in_h, p.in_w, p.out_w, k.kw, k.sw, k.pw, 1), div_w((p.out_w + W - 1) / W * W),
        divisor(size_t(p.out_h * div_w), std::numeric_limits<A>::infinity()), h0(size_t(p.out_h)), h1(size_t(p.out_h)) {
    for (int64_t oh = 0; oh < p.out_h; ++oh)
      for (int64_t ow = 0; ow < p.out_w; ++ow) {
        const AvgWindow w = avg_window(p.in_h, p.in_w, k, oh, ow, count_include_pad, divisor_override);
        h0[size_t(oh)] = w.h0;
        h1[size_t(oh)] = w.h1;
        if (w.h0 < w.h1 && w.w0 < w.w1) divisor[size_t(oh * div_w + ow)] = A(w.divisor);
      }
  }
  V divisors(int64_t oh, int64_t ow) const { return V::loadu(divisor.data() + oh * div_w + ow); }
};

Tensor avg_pool2d_cpu(const Tensor& self, IntArrayRef kernel_size, IntArrayRef stride, IntArrayRef padding,
                      bool ceil_mode, bool count_include_pad, std::optional<int64_t> divisor_override) {
  if (is_half(self))
    return as_dtype_of(avg_pool2d_cpu(as_float(self), kernel_size, stride, padding, ceil_mode, count_include_pad,
                                      divisor_override), self);
  const char* op = "avg_pool2d";
  check_divisor(divisor_override, op);
  PoolWindow k;
  const Plane2d p = pool2d_plan(self.sizes(), kernel_size, stride, padding, {1}, ceil_mode, k, op);
  const Tensor in = tg::contiguous(self);
  Tensor out = empty_tensor(p.out_sizes, self.dtype(), self.device(), op);
  dispatch_floating(self.dtype(), op, [&]<typename T>() {
    using Plan = AvgPoolPlan<T>;
    using V = typename Plan::V;
    const Plan plan(p, k, count_include_pad, divisor_arg(divisor_override));
    const T* x = in.data<T>();
    T* y = out.data<T>();
    for_each_plane(p.planes, p.in_h * p.in_w + p.out_h * p.out_w * k.kh * k.kw / Plan::W, [&](int64_t plane) {
      std::unique_ptr<T[]> q(new T[size_t(plan.rows.elems())]);  // split writes all of it
      plan.rows.split(x + plane * p.in_h * p.in_w, q.get(), T(0));
      T* yp = y + plane * p.out_h * p.out_w;
      for (int64_t oh = 0; oh < p.out_h; ++oh)
        for (int64_t ow = 0; ow < p.out_w; ow += Plan::W) {
          V sum(T(0));
          for (int64_t h = plan.h0[size_t(oh)]; h < plan.h1[size_t(oh)]; ++h) {
            const T* qh = plan.rows.row(q.get(), h) + ow;
            for (int64_t c = 0; c < k.kw; ++c) sum = sum + V::loadu(qh + plan.rows.column[size_t(c)]);
          }
          (sum / plan.divisors(oh, ow)).store(yp + oh * p.out_w + ow, int(std::min(Plan::W, p.out_w - ow)));
        }
    });
  });
  return out;
}

// The gradient of each output, divided by its divisor, added to its window's elements in the
// scalar definition's order: outputs in row-major order, each one's window in row-major order.
// Vectorized like the forward op, into the phase rows, one output row at a time: its shares (the
// gradients over the divisors) are laid out in a row with `reach` zeros before it, and phase r's
// position m receives the shares of outputs m - j for its window columns c = r + j * sw, added
// with j falling, i.e. in increasing ow (the scalar order), read from the share row at m - j.
// Each phase row is read and written once per window row: adding column by column in place made
// each load overlap the store before it (a store-forwarding stall per vector).
Tensor avg_pool2d_backward_cpu(const Tensor& grad_output, IntArrayRef input_sizes, IntArrayRef kernel_size,
                               IntArrayRef stride, IntArrayRef padding, bool ceil_mode, bool count_include_pad,
                               std::optional<int64_t> divisor_override) {
  if (is_half(grad_output))
    return as_dtype_of(avg_pool2d_backward_cpu(as_float(grad_output), input_sizes, kernel_size, stride, padding,
                                               ceil_mode, count_include_pad, divisor_override), grad_output);
  const char* op = "avg_pool2d_backward";
  check_divisor(divisor_override, op);
  PoolWindow k;
  const Plane2d p = pool2d_plan(input_sizes, kernel_size, stride, padding, {1}, ceil_mode, k, op);
  check_grad_output(grad_output, p, op);
  const Tensor g = tg::contiguous(grad_output);
  Tensor grad_input = empty_tensor(input_sizes, grad_output.dtype(), grad_output.device(), op);
  dispatch_floating(grad_output.dtype(), op, [&]<typename T>() {
    using Plan = AvgPoolPlan<T>;
    using V = typename Plan::V;
    const Plan plan(p, k, count_include_pad, divisor_arg(divisor_override));
    const T* gp = g.data<T>();
    T* gi = grad_input.data<T>();
    for_each_plane(p.planes, p.in_h * p.in_w + p.out_h * p.out_w * k.kh * k.kw / Plan::W, [&](int64_t plane) {
      std::vector<T> q(size_t(plan.rows.elems()), T(0));
      std::vector<T> share_row(size_t(plan.rows.reach + plan.rows.span), T(0));  // zeros around the out_w shares
      T* shares = share_row.data() + plan.rows.reach;
      const T* go = gp + plane * p.out_h * p.out_w;
      for (int64_t oh = 0; oh < p.out_h; ++oh) {
        // lanes past out_w: 0 / inf = +0, which changes no sum
        for (int64_t ow = 0; ow < p.out_w; ow += Plan::W)
          (V::loadu(go + oh * p.out_w + ow, int(std::min(Plan::W, p.out_w - ow))) / plan.divisors(oh, ow)).store(shares + ow);
        for (int64_t h = plan.h0[size_t(oh)]; h < plan.h1[size_t(oh)]; ++h)
          for (int64_t r = 0; r < std::min(k.sw, k.kw); ++r) {
            T* row = plan.rows.row(q.data(), h) + r * plan.rows.row_len;
            const int64_t columns = (k.kw - r + k.sw - 1) / k.sw;  // c = r, r + sw, ... < kw
            for (int64_t m = 0; m < plan.rows.span; m += Plan::W) {
              V acc = V::loadu(row + m);
              for (int64_t j = columns - 1; j >= 0; --j) acc = acc + V::loadu(shares + m - j);
              acc.store(row + m);
            }
          }
      }
      plan.rows.merge(q.data(), gi + plane * p.in_h * p.in_w);
    });
  });
  return grad_input;
}

Tensor adaptive_avg_pool2d_cpu(const Tensor& self, IntArrayRef output_size) {
  if (is_half(self)) return as_dtype_of(adaptive_avg_pool2d_cpu(as_float(self), output_size), self);
  const char* op = "adaptive_avg_pool2d";
  const Plane2d p = adaptive_plan(self.sizes(), output_size, op);
  const AdaptiveBins bh(p.out_h, p.in_h), bw(p.out_w, p.in_w);
  const Tensor in = tg::contiguous(self);
  Tensor out = empty_tensor(p.out_sizes, self.dtype(), self.device(), op);
  dispatch_floating(self.dtype(), op, [&]<typename T>() {
    using A = opmath_t<T>;
    const T* x = in.data<T>();
    T* y = out.data<T>();
    for_each_plane(p.planes, p.in_h * p.in_w + p.out_h * p.out_w, [&](int64_t plane) {
      const T* xp = x + plane * p.in_h * p.in_w;
      T* yp = y + plane * p.out_h * p.out_w;
      for (int64_t oh = 0; oh < p.out_h; ++oh) {
        const int64_t h0 = bh.start[size_t(oh)], h1 = bh.end[size_t(oh)];
        for (int64_t ow = 0; ow < p.out_w; ++ow) {
          const int64_t w0 = bw.start[size_t(ow)], w1 = bw.end[size_t(ow)];
          A sum = 0;
          for (int64_t h = h0; h < h1; ++h) sum += segment_sum(xp + h * p.in_w + w0, w1 - w0);
          yp[oh * p.out_w + ow] = static_cast<T>(sum / A((h1 - h0) * (w1 - w0)));
        }
      }
    });
  });
  return out;
}

Tensor adaptive_avg_pool2d_backward_cpu(const Tensor& output_grad, IntArrayRef input_sizes) {
  if (is_half(output_grad))
    return as_dtype_of(adaptive_avg_pool2d_backward_cpu(as_float(output_grad), input_sizes), output_grad);
  const char* op = "_adaptive_avg_pool2d_backward";
  const Plane2d p = adaptive_plan(input_sizes, {output_grad.dim() >= 2 ? output_grad.size(-2) : 0,
                                                output_grad.dim() >= 1 ? output_grad.size(-1) : 0}, op);
  const AdaptiveBins bh(p.out_h, p.in_h), bw(p.out_w, p.in_w);
  check_grad_output(output_grad, p, op);
  const Tensor g = tg::contiguous(output_grad);
  Tensor grad_input = tg::zeros(input_sizes, output_grad.dtype(), output_grad.device());
  dispatch_floating(output_grad.dtype(), op, [&]<typename T>() {
    using A = opmath_t<T>;
    const T* gp = g.data<T>();
    T* gi = grad_input.data<T>();
    for_each_plane(p.planes, p.in_h * p.in_w + p.out_h * p.out_w, [&](int64_t plane) {
      const T* go = gp + plane * p.out_h * p.out_w;
      accumulate_plane(gi + plane * p.in_h * p.in_w, p.in_h * p.in_w, [&](A* acc) {
        for (int64_t oh = 0; oh < p.out_h; ++oh) {
          const int64_t h0 = bh.start[size_t(oh)], h1 = bh.end[size_t(oh)];
          for (int64_t ow = 0; ow < p.out_w; ++ow) {
            const int64_t w0 = bw.start[size_t(ow)], w1 = bw.end[size_t(ow)];
            const A share = static_cast<A>(go[oh * p.out_w + ow]) / A((h1 - h0) * (w1 - w0));
            for (int64_t h = h0; h < h1; ++h)
              for (int64_t c = w0; c < w1; ++c) acc[h * p.in_w + c] += share;
          }
        }
      });
    });
  });
  return grad_input;
}

// ---- resampling

Tensor upsample_nearest2d_cpu(const Tensor& self, IntArrayRef output_size, std::optional<double> scales_h,
                              std::optional<double> scales_w) {
  if (is_half(self)) return as_dtype_of(upsample_nearest2d_cpu(as_float(self), output_size, scales_h, scales_w), self);
  const char* op = "upsample_nearest2d";
  const Plane2d p = upsample_plan(self.sizes(), output_size, op);
  const Tensor in = tg::contiguous(self);
  Tensor out = empty_tensor(p.out_sizes, self.dtype(), self.device(), op);
  const std::vector<int64_t> sh = nearest_sources(p.in_h, p.out_h, scales_h);
  const std::vector<int64_t> sw = nearest_sources(p.in_w, p.out_w, scales_w);
  dispatch_floating(self.dtype(), op, [&]<typename T>() {
    const T* x = in.data<T>();
    T* y = out.data<T>();
    const int64_t row_bytes = p.out_w * int64_t(sizeof(T));
    const bool stream = streams_output_bytes(out.numel() * int64_t(sizeof(T))) && row_bytes <= StreamWriter::kMaxPiece;
    for_each_plane(p.planes, p.out_h * p.out_w, [&](int64_t plane) {
      const T* xp = x + plane * p.in_h * p.in_w;
      T* yp = y + plane * p.out_h * p.out_w;
      // An output row is gathered once per source row and copied to the output rows that repeat
      // it (each one twice for 2x upsampling); an output past the last-level cache is streamed
      // ([16,64,64,64] -> 128x128 float32, 2 threads: 2.8 -> 2.1-2.3 ms).
      std::vector<T> line(size_t(p.out_w));
      int64_t line_source = -1;
      std::optional<StreamWriter> writer;
      if (stream) writer.emplace(reinterpret_cast<char*>(yp));
      for (int64_t oh = 0; oh < p.out_h; ++oh) {
        if (sh[size_t(oh)] != line_source) {
          line_source = sh[size_t(oh)];
          const T* row = xp + line_source * p.in_w;
          for (int64_t ow = 0; ow < p.out_w; ++ow) line[size_t(ow)] = row[sw[size_t(ow)]];
        }
        T* dst = writer ? reinterpret_cast<T*>(writer->reserve(row_bytes)) : yp + oh * p.out_w;
        std::memcpy(dst, line.data(), size_t(row_bytes));
        if (writer) writer->commit(row_bytes);
      }
      if (writer) writer->finish();
    });
  });
  return out;
}

Tensor upsample_nearest2d_backward_cpu(const Tensor& grad_output, IntArrayRef output_size, IntArrayRef input_size,
                                       std::optional<double> scales_h, std::optional<double> scales_w) {
  const char* op = "upsample_nearest2d_backward";
  const Plane2d p = upsample_plan(input_size, output_size, op);
  check_grad_output(grad_output, p, op);
  const Tensor g = tg::contiguous(grad_output);
  Tensor grad_input = tg::zeros(input_size, grad_output.dtype(), grad_output.device());
  const std::vector<int64_t> sh = nearest_sources(p.in_h, p.out_h, scales_h);
  const std::vector<int64_t> sw = nearest_sources(p.in_w, p.out_w, scales_w);
  dispatch_floating(grad_output.dtype(), op, [&]<typename T>() {
    using A = opmath_t<T>;
    const T* gp = g.data<T>();
    T* gi = grad_input.data<T>();
    for_each_plane(p.planes, p.out_h * p.out_w, [&](int64_t plane) {
      std::vector<A> buf;
      const A* go = plane_in_opmath(gp + plane * p.out_h * p.out_w, p.out_h * p.out_w, buf);
      accumulate_plane(gi + plane * p.in_h * p.in_w, p.in_h * p.in_w, [&](A* acc) {
        for (int64_t oh = 0; oh < p.out_h; ++oh) {
          A* row = acc + sh[size_t(oh)] * p.in_w;
          for (int64_t ow = 0; ow < p.out_w; ++ow) row[sw[size_t(ow)]] += go[oh * p.out_w + ow];
        }
      });
    });
  });
  return grad_input;
}

// Separable: output (oh, ow) = h.w0 * top + h.w1 * bottom, where top and bottom are input rows
// h.i0 and h.i1 interpolated along the width (w.w0 * row[w.i0] + w.w1 * row[w.i1]). Each input
// row's interpolation is computed once per plane, when an output row first needs it (2x upsampling
// had computed each one four times), and the step along the height is vectorized across the output
// row. The same arithmetic per output as computing it alone, and without contraction into fmas
// (CMakeLists.txt) the same bits on every capability. A 64 MB output leaves through StreamWriter.
// [16,64,64,64] -> 128x128 float32, 2 threads: 9.2 -> 4.0 ms (interpolating each row once: 6.4 ms).
Tensor upsample_bilinear2d_cpu(const Tensor& self, IntArrayRef output_size, bool align_corners,
                               std::optional<double> scales_h, std::optional<double> scales_w) {
  if (is_half(self))
    return as_dtype_of(upsample_bilinear2d_cpu(as_float(self), output_size, align_corners, scales_h, scales_w), self);
  const char* op = "upsample_bilinear2d";
  const Plane2d p = upsample_plan(self.sizes(), output_size, op);
  const Tensor in = tg::contiguous(self);
  Tensor out = empty_tensor(p.out_sizes, self.dtype(), self.device(), op);
  dispatch_floating(self.dtype(), op, [&]<typename T>() {
    using V = vec::Vectorized<T>;
    constexpr int64_t W = V::size();
    const auto th = linear_taps<T>(p.in_h, p.out_h, align_corners, scales_h);
    const auto tw = linear_taps<T>(p.in_w, p.out_w, align_corners, scales_w);
    const int64_t row_len = (p.out_w + W - 1) / W * W;  // an interpolated row, padded for whole-vector loads
    // An output past the last-level cache leaves through an L1 buffer with non-temporal stores
    // (StreamStores.h): one pass over it, not a read and a write.
    const int64_t row_bytes = p.out_w * int64_t(sizeof(T));
    const bool stream = streams_output_bytes(out.numel() * int64_t(sizeof(T))) && row_bytes <= StreamWriter::kMaxPiece;
    const T* x = in.data<T>();
    T* y = out.data<T>();
    for_each_plane(p.planes, 4 * p.out_h * p.out_w, [&](int64_t plane) {
      const T* xp = x + plane * p.in_h * p.in_w;
      T* yp = y + plane * p.out_h * p.out_w;
      std::vector<T> rows(size_t(p.in_h * row_len), T(0));  // the padding stays 0
      std::vector<char> done(size_t(p.in_h), 0);
      auto along_width = [&](int64_t i) -> const T* {
        T* r = rows.data() + i * row_len;
        if (!done[size_t(i)]) {
          const T* src = xp + i * p.in_w;
          // Scalar: AVX-512's gathers (two per 16 outputs) made this loop no faster on Zen 5.
          for (int64_t ow = 0; ow < p.out_w; ++ow) {
            const LinearTap<T>& w = tw[size_t(ow)];
            r[ow] = w.w0 * src[w.i0] + w.w1 * src[w.i1];
          }
          done[size_t(i)] = 1;
        }
        return r;
      };
      std::optional<StreamWriter> writer;
      if (stream) writer.emplace(reinterpret_cast<char*>(yp));
      for (int64_t oh = 0; oh < p.out_h; ++oh) {
        const LinearTap<T>& h = th[size_t(oh)];
        const T* top = along_width(h.i0);
        const T* bottom = along_width(h.i1);
        const V w0(h.w0), w1(h.w1);
        T* dst = writer ? reinterpret_cast<T*>(writer->reserve(row_bytes)) : yp + oh * p.out_w;
        int64_t ow = 0;
        for (; ow + W <= p.out_w; ow += W) (w0 * V::loadu(top + ow) + w1 * V::loadu(bottom + ow)).store(dst + ow);
        if (ow < p.out_w) (w0 * V::loadu(top + ow) + w1 * V::loadu(bottom + ow)).store(dst + ow, int(p.out_w - ow));
        if (writer) writer->commit(row_bytes);
      }
      if (writer) writer->finish();
    });
  });
  return out;
}

// The taps transposed: for each input index, the (output index, weight) pairs that read it, in
// increasing output index (both taps of an output that reads one input twice, w0's first).
template <typename A>
struct TransposedTaps {
  std::vector<int64_t> start;  // input i's pairs are [start[i], start[i + 1])
  std::vector<int64_t> out;
  std::vector<A> weight;
  TransposedTaps(const std::vector<LinearTap<A>>& taps, int64_t in) : start(size_t(in + 1), 0) {
    for (const LinearTap<A>& t : taps) {
      ++start[size_t(t.i0 + 1)];
      ++start[size_t(t.i1 + 1)];
    }
    for (int64_t i = 0; i < in; ++i) start[size_t(i + 1)] += start[size_t(i)];
    out.resize(size_t(start[size_t(in)]));
    weight.resize(out.size());
    std::vector<int64_t> next(start.begin(), start.end() - 1);
    for (int64_t o = 0; o < int64_t(taps.size()); ++o)
      for (auto [i, w] : {std::pair{taps[size_t(o)].i0, taps[size_t(o)].w0}, std::pair{taps[size_t(o)].i1, taps[size_t(o)].w1}}) {
        out[size_t(next[size_t(i)])] = o;
        weight[size_t(next[size_t(i)]++)] = w;
      }
  }
};

// Separable like the forward op, transposed: each output row's gradient is first spread along the
// width (column j of row oh: the sum over the outputs ow that read j of weight * gradient, in
// increasing ow), then those rows along the height (input row i: the sum over the output rows oh
// that read i of weight * spread row, in increasing oh, vectorized across the row). Every element
// is summed in registers and written once, where scattering 4 products per output had chained
// read-modify-writes through memory (OpInfo's [2,8,33,30] -> [50,61]: 106 -> 47-51 us). The
// products are h.w * (w.w * g) summed per row, not (h.w * w.w) * g per output: the same bits for any
// thread count and capability, not PyTorch's to the last bit.
Tensor upsample_bilinear2d_backward_cpu(const Tensor& grad_output, IntArrayRef output_size, IntArrayRef input_size,
                                        bool align_corners, std::optional<double> scales_h,
                                        std::optional<double> scales_w) {
  if (is_half(grad_output))
    return as_dtype_of(upsample_bilinear2d_backward_cpu(as_float(grad_output), output_size, input_size, align_corners,
                                                        scales_h, scales_w), grad_output);
  const char* op = "upsample_bilinear2d_backward";
  const Plane2d p = upsample_plan(input_size, output_size, op);
  check_grad_output(grad_output, p, op);
  const Tensor g = tg::contiguous(grad_output);
  Tensor grad_input = empty_tensor(input_size, grad_output.dtype(), grad_output.device(), op);
  dispatch_floating(grad_output.dtype(), op, [&]<typename T>() {
    using V = vec::Vectorized<T>;
    constexpr int64_t W = V::size();
    const TransposedTaps<T> th(linear_taps<T>(p.in_h, p.out_h, align_corners, scales_h), p.in_h);
    const TransposedTaps<T> tw(linear_taps<T>(p.in_w, p.out_w, align_corners, scales_w), p.in_w);
    const int64_t row_len = (p.in_w + W - 1) / W * W;
    const T* gp = g.data<T>();
    T* gi = grad_input.data<T>();
    for_each_plane(p.planes, 4 * p.out_h * p.out_w, [&](int64_t plane) {
      const T* go = gp + plane * p.out_h * p.out_w;
      std::vector<T> spread(size_t(p.out_h * row_len), T(0));  // the padding stays 0
      for (int64_t oh = 0; oh < p.out_h; ++oh) {
        const T* grow = go + oh * p.out_w;
        T* srow = spread.data() + oh * row_len;
        for (int64_t j = 0; j < p.in_w; ++j) {
          T sum = 0;
          for (int64_t k = tw.start[size_t(j)]; k < tw.start[size_t(j + 1)]; ++k)
            sum += tw.weight[size_t(k)] * grow[tw.out[size_t(k)]];
          srow[j] = sum;
        }
      }
      T* dst = gi + plane * p.in_h * p.in_w;
      for (int64_t i = 0; i < p.in_h; ++i)
        for (int64_t j = 0; j < p.in_w; j += W) {
          V sum(T(0));
          for (int64_t k = th.start[size_t(i)]; k < th.start[size_t(i + 1)]; ++k)
            sum = sum + V(th.weight[size_t(k)]) * V::loadu(spread.data() + th.out[size_t(k)] * row_len + j);
          if (j + W <= p.in_w) sum.store(dst + i * p.in_w + j);
          else sum.store(dst + i * p.in_w + j, int(p.in_w - j));
        }
    });
  });
  return grad_input;
}

}  // namespace tg::native::CPU_CAPABILITY
