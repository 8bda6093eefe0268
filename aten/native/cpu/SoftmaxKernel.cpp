// softmax / log_softmax along one dim, fused: view the input as [outer, n, inner] and normalize
// each of the outer*inner lines in three passes over the line (max, sum of exp, write), with
// Vectorized math, lines split across threads. A line's result never depends on the thread
// count. float16/bfloat16 are computed in float.
#include "aten/vec/isa.h"
#include <cmath>

#include "aten/dispatch/DtypeDispatch.h"
#include "aten/native/Softmax.h"
#include "aten/parallel/Parallel.h"
#include "aten/vec/vec.h"
#include "aten/vec/vec_math.h"
#include "kernels/_log_softmax_backward_data.h"
#include "kernels/_softmax_backward_data.h"
#include "kernels/log_softmax.h"
#include "kernels/softmax.h"

namespace tg::native::CPU_CAPABILITY {

namespace {

// f(l) for each of `lines` lines of n elements, the lines split across threads.
template <typename F>
void for_each_line(int64_t lines, int64_t n, const F& f) {
  parallel_for(0, lines, std::max<int64_t>(1, kGrainSize / std::max<int64_t>(n, 1)), [&](int64_t begin, int64_t end) {
    for (int64_t l = begin; l < end; ++l) f(l);
  });
}

// inner == 1: each line is contiguous; vectors run along the line.
template <bool Log, typename T>
void softmax_contiguous_lines(const T* x, T* y, int64_t lines, int64_t n) {
  using IO = vec::VecIO<T>;
  using V = typename IO::vec_t;
  using Acc = typename V::value_type;
  constexpr int64_t W = V::size();
  for_each_line(lines, n, [&](int64_t l) {
    const T* xl = x + l * n;
    T* yl = y + l * n;
    const int64_t full = n / W * W;
    const int tail = int(n - full);
    Acc tail_buf[W];  // the tail's lanes, so padding lanes never enter the max or the sum
    const V vmax = vec::accumulate4(full, V(-INFINITY), [&](const V& a, int64_t k) { return vec::maximum(a, IO::load(xl + k)); },
                                    [](const V& a, const V& b) { return vec::maximum(a, b); });
    Acc line_max = vec::reduce_max(vmax);
    if (tail) {
      IO::load(xl + full, tail).store(tail_buf);
      for (int t = 0; t < tail; ++t) line_max = vec::maximum(V(line_max), V(tail_buf[t]))[0];
    }
    const V mx(line_max);
    // Pass 2: sum of exp(x - max); softmax keeps the exponentials in y for pass 3.
    V vsum(Acc(0));
    for (int64_t k = 0; k < full; k += W) {
      V e = vec::exp(IO::load(xl + k) - mx);
      if constexpr (!Log) IO::store(yl + k, e);
      vsum = vsum + e;
    }
    Acc sum = vec::reduce_add(vsum);
    if (tail) {
      V e = vec::exp(IO::load(xl + full, tail) - mx);
      if constexpr (!Log) IO::store(yl + full, e, tail);
      e.store(tail_buf);
      for (int t = 0; t < tail; ++t) sum += tail_buf[t];
    }
    if constexpr (Log) {
      const V shift = mx + V(std::log(sum));
      for (int64_t k = 0; k < full; k += W) IO::store(yl + k, IO::load(xl + k) - shift);
      if (tail) IO::store(yl + full, IO::load(xl + full, tail) - shift, tail);
    } else {
      // Like PyTorch: exp(x - max) / sum (a division, not a multiply by 1/sum).
      const V vs(sum);
      for (int64_t k = 0; k < full; k += W) IO::store(yl + k, IO::load(yl + k) / vs);
      if (tail) IO::store(yl + full, IO::load(yl + full, tail) / vs, tail);
    }
  });
}

// inner > 1: a line is strided by inner; vectors run across W neighbouring lines at once.
// f(base, width) for each block of up to W lines (base: the offset of its first element), the
// blocks split across threads.
template <typename T, typename F>
void for_each_line_block(int64_t outer, int64_t n, int64_t inner, const F& f) {
  constexpr int64_t W = vec::VecIO<T>::vec_t::size();
  const int64_t blocks = (inner + W - 1) / W;  // per outer index
  parallel_for(0, outer * blocks, std::max<int64_t>(1, kGrainSize / std::max<int64_t>(n * W, 1)),
               [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b) {
      const int64_t o = b / blocks, i = b % blocks * W;
      f(o * n * inner + i, int(std::min<int64_t>(W, inner - i)));
    }
  });
}

template <bool Log, typename T>
void softmax_strided_lines(const T* x, T* y, int64_t outer, int64_t n, int64_t inner) {
  using IO = vec::VecIO<T>;
  using V = typename IO::vec_t;
  using Acc = typename V::value_type;
  constexpr int64_t W = V::size();
  for_each_line_block<T>(outer, n, inner, [&](int64_t base, int width) {
    const T* xb = x + base;
    T* yb = y + base;
    auto load = [&](const T* p) { return width == W ? IO::load(p) : IO::load(p, width); };
    auto store = [&](T* p, const V& v) { width == W ? IO::store(p, v) : IO::store(p, v, width); };
    V mx(-INFINITY);
    for (int64_t k = 0; k < n; ++k) mx = vec::maximum(mx, load(xb + k * inner));
    V sum(Acc(0));
    for (int64_t k = 0; k < n; ++k) {
      V e = vec::exp(load(xb + k * inner) - mx);
      if constexpr (!Log) store(yb + k * inner, e);
      sum = sum + e;
    }
    if constexpr (Log) {
      const V shift = mx + vec::log(sum);
      for (int64_t k = 0; k < n; ++k) store(yb + k * inner, load(xb + k * inner) - shift);
    } else {
      for (int64_t k = 0; k < n; ++k) store(yb + k * inner, load(yb + k * inner) / sum);
    }
  });
}

template <bool Log>
void softmax_impl(const Tensor& self, int64_t dim, Tensor& out, const char* op) {
  run_softmax(self, dim, out, op, [&](const SoftmaxPlan& p) {
    dispatch_floating(out.dtype(), op, [&]<typename T>() {
      if (p.inner == 1) softmax_contiguous_lines<Log>(p.in.data<T>(), p.res.data<T>(), p.outer, p.n);
      else softmax_strided_lines<Log>(p.in.data<T>(), p.res.data<T>(), p.outer, p.n, p.inner);
    });
  });
}
// The backward of one line, from grad g and the forward's output y: softmax gi = y (g - sum(g y)),
// log_softmax gi = g - exp(y) sum(g). Pass 1 sums, pass 2 writes.
template <bool Log, typename V>
V backward_term(const V& g, const V& y) {
  if constexpr (Log) return g;
  else return g * y;
}
template <bool Log, typename V>
V backward_value(const V& g, const V& y, const V& s) {
  if constexpr (Log) return g - vec::exp(y) * s;
  else return y * (g - s);
}

template <bool Log, typename T>
void softmax_backward_contiguous_lines(const T* g, const T* y, T* gi, int64_t lines, int64_t n) {
  using IO = vec::VecIO<T>;
  using V = typename IO::vec_t;
  using Acc = typename V::value_type;
  constexpr int64_t W = V::size();
  for_each_line(lines, n, [&](int64_t l) {
    const T* gl = g + l * n;
    const T* yl = y + l * n;
    T* ol = gi + l * n;
    const int64_t full = n / W * W;
    const int tail = int(n - full);
    const V vsum = vec::accumulate4(full, V(Acc(0)), [&](const V& a, int64_t k) {
      return a + backward_term<Log>(IO::load(gl + k), IO::load(yl + k));
    }, vec::add_vectors<V>);
    Acc sum = vec::reduce_add(vsum);
    if (tail) {
      Acc buf[W];
      backward_term<Log>(IO::load(gl + full, tail), IO::load(yl + full, tail)).store(buf);
      for (int t = 0; t < tail; ++t) sum += buf[t];
    }
    const V s(sum);
    for (int64_t k = 0; k < full; k += W)
      IO::store(ol + k, backward_value<Log>(IO::load(gl + k), IO::load(yl + k), s));
    if (tail) IO::store(ol + full, backward_value<Log>(IO::load(gl + full, tail), IO::load(yl + full, tail), s), tail);
  });
}

template <bool Log, typename T>
void softmax_backward_strided_lines(const T* g, const T* y, T* gi, int64_t outer, int64_t n, int64_t inner) {
  using IO = vec::VecIO<T>;
  using V = typename IO::vec_t;
  using Acc = typename V::value_type;
  constexpr int64_t W = V::size();
  for_each_line_block<T>(outer, n, inner, [&](int64_t base, int width) {
    auto load = [&](const T* p) { return width == W ? IO::load(p) : IO::load(p, width); };
    V s(Acc(0));
    for (int64_t k = 0; k < n; ++k) s = s + backward_term<Log>(load(g + base + k * inner), load(y + base + k * inner));
    for (int64_t k = 0; k < n; ++k) {
      const V v = backward_value<Log>(load(g + base + k * inner), load(y + base + k * inner), s);
      width == W ? IO::store(gi + base + k * inner, v) : IO::store(gi + base + k * inner, v, width);
    }
  });
}

template <bool Log>
void softmax_backward_impl(const Tensor& grad_output, const Tensor& output, int64_t dim, Tensor& out, const char* op) {
  const SoftmaxBackwardPlan p = softmax_backward_plan(grad_output, output, dim, out, op);
  if (!p.empty()) {
    dispatch_floating(out.dtype(), op, [&]<typename T>() {
      if (p.inner == 1)
        softmax_backward_contiguous_lines<Log>(p.grad.data<T>(), p.in.data<T>(), p.res.data<T>(), p.outer, p.n);
      else
        softmax_backward_strided_lines<Log>(p.grad.data<T>(), p.in.data<T>(), p.res.data<T>(), p.outer, p.n, p.inner);
    });
  }
  p.finish(out, op);
}
}  // namespace

void _softmax_backward_data_kernel(const Tensor& grad_output, const Tensor& output, int64_t dim, ScalarType,
                                   Tensor& out) {
  softmax_backward_impl<false>(grad_output, output, dim, out, "_softmax_backward_data");
}
void _log_softmax_backward_data_kernel(const Tensor& grad_output, const Tensor& output, int64_t dim, ScalarType,
                                       Tensor& out) {
  softmax_backward_impl<true>(grad_output, output, dim, out, "_log_softmax_backward_data");
}

void softmax_kernel(const Tensor& self, int64_t dim, std::optional<ScalarType>, Tensor& out) {
  softmax_impl<false>(self, dim, out, "softmax");
}
void log_softmax_kernel(const Tensor& self, int64_t dim, std::optional<ScalarType>, Tensor& out) {
  softmax_impl<true>(self, dim, out, "log_softmax");
}

}  // namespace tg::native::CPU_CAPABILITY
