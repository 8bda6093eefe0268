// Reduction kernels. The Reduction front end hands each kernel `outer` contiguous rows of
// `inner` elements in the compute dtype; a kernel reduces each row into output element i.
#include "aten/vec/isa.h"
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "aten/dispatch/DtypeDispatch.h"
#include "aten/iter/Reduction.h"
#include "aten/parallel/Parallel.h"
#include "aten/vec/vec.h"
#include "kernels/all.h"
#include "kernels/amax.h"
#include "kernels/amin.h"
#include "kernels/any.h"
#include "kernels/argmax.h"
#include "kernels/argmin.h"
#include "kernels/count_nonzero.h"
#include "kernels/linalg_vector_norm.h"
#include "kernels/max.h"
#include "kernels/mean.h"
#include "kernels/min.h"
#include "kernels/nansum.h"
#include "kernels/prod.h"
#include "kernels/std.h"
#include "kernels/sum.h"
#include "kernels/var.h"

namespace tg::native::CPU_CAPABILITY {

namespace {

// Pairwise (cascade) summation: error grows with log(n), not n, like NumPy's and PyTorch's.
// Leaves keep 16 independent accumulator lanes (one AVX-512 float vector, two AVX2 ones, ...)
// and add them in a fixed tree, so the result is the same bits under every capability.
// `map` is applied to every element before it is added (nansum: NaN -> 0; norms: |x|, x * x); it
// takes both a Vectorized<Acc> and an Acc.
struct NoMap {
  template <typename X>
  X operator()(const X& x) const { return x; }
};

template <typename Acc, typename T, typename Map = NoMap>
Acc cascade_sum(const T* p, int64_t n, Map map = {}) {
  constexpr int kLanes = 16;
  constexpr int64_t kLeaf = 64 * kLanes;
  if (n <= kLeaf) {
    using IO = vec::VecIO<T>;
    using V = typename IO::vec_t;
    static_assert(std::is_same_v<typename V::value_type, Acc> && kLanes % V::size() == 0);
    constexpr int kVecs = kLanes / V::size();
    V acc[kVecs];
    for (V& a : acc) a = V(Acc(0));
    int64_t i = 0;
    for (; i + kLanes <= n; i += kLanes)
      for (int j = 0; j < kVecs; ++j) acc[j] = acc[j] + map(IO::load(p + i + j * V::size()));
    Acc lanes[kLanes];
    for (int j = 0; j < kVecs; ++j) acc[j].store(lanes + j * V::size());
    for (; i < n; ++i) lanes[0] += map(Acc(p[i]));
    for (int width = kLanes / 2; width > 0; width /= 2)
      for (int j = 0; j < width; ++j) lanes[j] += lanes[j + width];
    return lanes[0];
  }
  int64_t half = (n / 2 + kLanes - 1) / kLanes * kLanes;
  return cascade_sum<Acc>(p, half, map) + cascade_sum<Acc>(p + half, n - half, map);
}

// A long row summed by all threads: fixed 64K-element chunks (so the result is the same for any
// thread count), chunk sums added pairwise in order.
template <typename Acc, typename T, typename Map = NoMap>
Acc parallel_cascade_sum(const T* p, int64_t n, Map map = {}) {
  constexpr int64_t kChunk = 1 << 16;
  if (n <= 2 * kChunk) return cascade_sum<Acc>(p, n, map);
  const int64_t nchunks = (n + kChunk - 1) / kChunk;
  std::vector<Acc> partial(static_cast<size_t>(nchunks));
  parallel_for(0, nchunks, 1, [&](int64_t begin, int64_t end) {
    for (int64_t c = begin; c < end; ++c)
      partial[size_t(c)] = cascade_sum<Acc>(p + c * kChunk, std::min(kChunk, n - c * kChunk), map);
  });
  return cascade_sum<Acc>(partial.data(), nchunks);
}

// Column sums: out[c] = sum over rows of p[r * cols + c], for c in [c0, c1). Rows stream through
// in blocks of kBlockRows (each block summed row by row into a vector-wide buffer); block sums
// merge like a binary counter (two sums of 2^k blocks make one of 2^(k+1)), which is pairwise
// summation across rows. Each column's arithmetic is the same whichever thread owns it.
template <typename Acc, typename T>
void column_sum(const T* p, int64_t rows, int64_t cols, int64_t c0, int64_t c1, Acc* out) {
  using IO = vec::VecIO<T>;
  using V = typename IO::vec_t;
  constexpr int64_t kBlockRows = 32, W = V::size();
  const int64_t width = c1 - c0;
  std::vector<Acc> buffers;  // [level][width]: the pending sums of 2^level blocks
  std::vector<bool> used;
  std::vector<Acc> block(size_t(width), Acc(0));
  auto add_into = [&](Acc* dst, auto&& load_src) {  // dst[0, width) += src
    int64_t c = 0;
    for (; c + W <= width; c += W) (V::loadu(dst + c) + load_src(c, int(W))).store(dst + c);
    if (c < width) {
      const int n = int(width - c);
      (V::loadu(dst + c, n) + load_src(c, n)).store(dst + c, n);
    }
  };
  for (int64_t r0 = 0; r0 < rows; r0 += kBlockRows) {
    std::fill(block.begin(), block.end(), Acc(0));
    for (int64_t r = r0; r < std::min(rows, r0 + kBlockRows); ++r) {
      const T* row = p + r * cols + c0;
      add_into(block.data(), [&](int64_t c, int n) { return n == W ? IO::load(row + c) : IO::load(row + c, n); });
    }
    size_t level = 0;
    for (; level < used.size() && used[level]; ++level) {  // carry: merge equal-sized sums
      const Acc* pending = buffers.data() + level * size_t(width);
      add_into(block.data(), [&](int64_t c, int n) { return V::loadu(pending + c, n); });
      used[level] = false;
    }
    if (level == used.size()) {
      used.push_back(false);
      buffers.resize(used.size() * size_t(width));
    }
    std::copy(block.begin(), block.end(), buffers.begin() + level * size_t(width));
    used[level] = true;
  }
  std::fill(out, out + width, Acc(0));
  for (size_t level = 0; level < used.size(); ++level) {
    if (!used[level]) continue;
    const Acc* pending = buffers.data() + level * size_t(width);
    add_into(out, [&](int64_t c, int n) { return V::loadu(pending + c, n); });
  }
}

// Sums (or means, Mean = true) over the column layout: each group's columns split across
// threads in ranges of whole vectors.
template <bool Mean, typename T>
void column_reduce(const Reduction& r) {
  using Acc = opmath_t<T>;
  const Reduction::Columns cl = r.columns();
  const T* in = cl.data->data<T>();
  T* out = r.output(0).data<T>();
  const int64_t rows = r.inner(), cols = cl.cols;
  constexpr int64_t kColBlock = 256;
  const int64_t blocks = (cols + kColBlock - 1) / kColBlock;
  parallel_for(0, cl.groups * blocks, std::max<int64_t>(1, kGrainSize / std::max<int64_t>(rows * kColBlock, 1)),
               [&](int64_t begin, int64_t end) {
    Acc acc[kColBlock];
    for (int64_t b = begin; b < end; ++b) {
      const int64_t g = b / blocks, c0 = b % blocks * kColBlock, c1 = std::min(cols, c0 + kColBlock);
      column_sum<Acc>(in + g * rows * cols, rows, cols, c0, c1, acc);
      for (int64_t c = c0; c < c1; ++c)
        out[g * cols + c] = T(Mean ? acc[c - c0] / Acc(rows) : acc[c - c0]);
    }
  });
}

// Integer sums wrap around in int64 like PyTorch; keep the C++ defined with unsigned math.
template <typename T>
T row_sum(const T* p, int64_t n) {
  if constexpr (std::is_integral_v<T>) {
    std::make_unsigned_t<T> acc = 0;
    for (int64_t i = 0; i < n; ++i) acc += std::make_unsigned_t<T>(p[i]);
    return T(acc);
  } else {
    return T(parallel_cascade_sum<opmath_t<T>>(p, n));
  }
}

// Rows are independent: split them across threads (each row is reduced by one thread, in the
// same order as serially, so results do not depend on the thread count).
template <typename F>
void for_each_row(const Reduction& r, F f) {
  const int64_t grain = std::max<int64_t>(1, kGrainSize / std::max<int64_t>(r.inner(), 1));
  parallel_for(0, r.outer(), grain, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) f(i);
  });
}

}  // namespace

void sum_kernel(const Reduction& r) {
  dispatch_numeric(r.compute_dtype(), "sum", [&]<typename T>() {
    if constexpr (!std::is_integral_v<T>) {
      if (r.columns().cols > 1) return column_reduce<false, T>(r);
    }
    const T* in = r.input().data<T>();
    T* out = r.output(0).data<T>();
    for_each_row(r, [&](int64_t i) { out[i] = row_sum(in + i * r.inner(), r.inner()); });
  });
}

void mean_kernel(const Reduction& r) {
  dispatch_floating(r.compute_dtype(), "mean", [&]<typename T>() {
    if (r.columns().cols > 1) return column_reduce<true, T>(r);
    const T* in = r.input().data<T>();
    T* out = r.output(0).data<T>();
    using Op = opmath_t<T>;
    for_each_row(r, [&](int64_t i) {
      out[i] = T(parallel_cascade_sum<Op>(in + i * r.inner(), r.inner()) / Op(r.inner()));
    });
  });
}

void prod_kernel(const Reduction& r) {
  dispatch_numeric(r.compute_dtype(), "prod", [&]<typename T>() {
    const T* in = r.input().data<T>();
    T* out = r.output(0).data<T>();
    for_each_row(r, [&](int64_t i) {
      const T* p = in + i * r.inner();
      if constexpr (std::is_integral_v<T>) {
        std::make_unsigned_t<T> acc = 1;
        for (int64_t k = 0; k < r.inner(); ++k) acc *= std::make_unsigned_t<T>(p[k]);
        out[i] = T(acc);
      } else {
        opmath_t<T> acc = 1;
        for (int64_t k = 0; k < r.inner(); ++k) acc *= opmath_t<T>(p[k]);
        out[i] = T(acc);
      }
    });
  });
}

void all_kernel(const Reduction& r) {
  const bool* in = r.input().data<bool>();
  bool* out = r.output(0).data<bool>();
  for_each_row(r, [&](int64_t i) {
    bool v = true;
    for (int64_t k = 0; k < r.inner() && v; ++k) v = in[i * r.inner() + k];
    out[i] = v;
  });
}

void any_kernel(const Reduction& r) {
  const bool* in = r.input().data<bool>();
  bool* out = r.output(0).data<bool>();
  for_each_row(r, [&](int64_t i) {
    bool v = false;
    for (int64_t k = 0; k < r.inner() && !v; ++k) v = in[i * r.inner() + k];
    out[i] = v;
  });
}

namespace {
// Index of the max (IsMax) or min of a row; the first NaN wins, then the first extreme value.
template <bool IsMax, typename T>
int64_t row_arg_extreme(const T* p, int64_t n) {
  int64_t best = 0;
  for (int64_t k = 0; k < n; ++k) {
    auto v = opmath_t<T>(p[k]);
    if constexpr (!std::is_integral_v<T>) {
      if (v != v) return k;
    }
    auto b = opmath_t<T>(p[best]);
    if (IsMax ? v > b : v < b) best = k;
  }
  return best;
}

template <bool IsMax>
void extreme_kernel(const Reduction& r, bool values, bool indices) {
  r.check_nonempty();
  dispatch_all(r.compute_dtype(), r.op(), [&]<typename T>() {
    const T* in = r.input().data<T>();
    for_each_row(r, [&](int64_t i) {
      int64_t k = row_arg_extreme<IsMax>(in + i * r.inner(), r.inner());
      if (values) r.output(0).data<T>()[i] = in[i * r.inner() + k];
      if (indices) r.output(values ? 1 : 0).data<int64_t>()[i] = k;
    });
  });
}
}  // namespace

void max_all_kernel(const Reduction& r) { extreme_kernel<true>(r, true, false); }
void min_all_kernel(const Reduction& r) { extreme_kernel<false>(r, true, false); }
void max_dim_kernel(const Reduction& r) { extreme_kernel<true>(r, true, true); }
void min_dim_kernel(const Reduction& r) { extreme_kernel<false>(r, true, true); }
void argmax_kernel(const Reduction& r) { extreme_kernel<true>(r, false, true); }
void argmin_kernel(const Reduction& r) { extreme_kernel<false>(r, false, true); }

// ----------------------------------------------------------------------------- amax / amin

namespace {
// The max (IsMax) or min of two values; a NaN wins (amax/amin propagate NaN, like PyTorch).
template <bool IsMax, typename T>
T pick_extreme(T a, T b) {
  if constexpr (!std::is_integral_v<T>) {
    if (a != a) return a;
    if (b != b) return b;
  }
  return (IsMax ? b > a : b < a) ? b : a;
}

// The extreme of a row (n >= 1). Floating rows run a vector of running extremes (NaN-propagating
// vec::maximum / minimum) folded in a fixed order at the end; max/min are exact, so the result
// does not depend on the vector width either.
template <bool IsMax, typename T>
T row_extreme(const T* p, int64_t n) {
  if constexpr (!std::is_integral_v<T>) {  // float, double, float16, bfloat16
    using IO = vec::VecIO<T>;
    using V = typename IO::vec_t;
    using Acc = typename V::value_type;
    constexpr int64_t W = V::size();
    Acc acc = Acc(p[0]);
    int64_t k = 1;
    if (n >= W) {
      V v = IO::load(p);
      for (k = W; k + W <= n; k += W) v = IsMax ? vec::maximum(v, IO::load(p + k)) : vec::minimum(v, IO::load(p + k));
      Acc lanes[W];
      v.store(lanes);
      acc = lanes[0];
      for (int64_t j = 1; j < W; ++j) acc = pick_extreme<IsMax>(acc, lanes[j]);
    }
    for (; k < n; ++k) acc = pick_extreme<IsMax>(acc, Acc(p[k]));
    return T(acc);
  } else {
    // Integers and bool: a plain loop the compiler vectorizes (no NaN to test).
    T acc = p[0];
    for (int64_t k = 1; k < n; ++k) acc = IsMax ? std::max(acc, p[k]) : std::min(acc, p[k]);
    return acc;
  }
}

template <bool IsMax>
void amax_amin(const Reduction& r) {
  r.check_nonempty();  // no identity: an empty slice is an error, like PyTorch
  dispatch_all(r.compute_dtype(), r.op(), [&]<typename T>() {
    const T* in = r.input().data<T>();
    T* out = r.output(0).data<T>();
    for_each_row(r, [&](int64_t i) { out[i] = row_extreme<IsMax>(in + i * r.inner(), r.inner()); });
  });
}
}  // namespace

void amax_kernel(const Reduction& r) { amax_amin<true>(r); }
void amin_kernel(const Reduction& r) { amax_amin<false>(r); }

// ----------------------------------------------------------------------------- var / std

namespace {
// cascade_sum's map for var/std: (x - mean)^2, so the sum of squared deviations over a row is
// pairwise (error grows with log n), in opmath, on 16 lanes like every cascade_sum.
template <typename Acc>
struct SquaredDeviation {
  Acc mean;
  template <typename X>
  X operator()(const X& x) const {
    const X d = x - X(mean);
    return d * d;
  }
};

// Two passes per row (the mean, then the squared deviations from it): numerically stable, and
// each row's arithmetic is fixed, so results do not depend on the thread count. The divisor is
// max(n - correction, 0), like PyTorch (0 gives inf, or nan for an empty slice).
template <bool Sqrt>
void var_std(const Reduction& r, const std::optional<Scalar>& correction) {
  const double c = correction ? correction->to_double() : 1.0;
  dispatch_floating(r.compute_dtype(), r.op(), [&]<typename T>() {
    using Acc = opmath_t<T>;
    const T* in = r.input().data<T>();
    T* out = r.output(0).data<T>();
    const int64_t n = r.inner();
    const Acc divisor = Acc(std::max(double(n) - c, 0.0));
    for_each_row(r, [&](int64_t i) {
      const T* p = in + i * n;
      const Acc mean = n > 0 ? parallel_cascade_sum<Acc>(p, n) / Acc(n) : Acc(0);
      const Acc v = parallel_cascade_sum<Acc>(p, n, SquaredDeviation<Acc>{mean}) / divisor;
      out[i] = T(Sqrt ? std::sqrt(v) : v);
    });
  });
}
}  // namespace

void var_kernel(const Reduction& r, const std::optional<Scalar>& correction) { var_std<false>(r, correction); }
void std_kernel(const Reduction& r, const std::optional<Scalar>& correction) { var_std<true>(r, correction); }

// ----------------------------------------------------------------------------- nansum / count_nonzero

namespace {
// NaN lanes become 0 (x == x is false only for NaN; the mask keeps the other lanes' bits).
struct NanToZero {
  template <typename X>
  X operator()(const X& x) const {
    if constexpr (std::is_arithmetic_v<X>) return x == x ? x : X(0);
    else return x & (x == x);
  }
};
struct Abs {
  template <typename X>
  X operator()(const X& x) const {
    if constexpr (std::is_arithmetic_v<X>) return std::abs(x);
    else return vec::abs(x);
  }
};
struct Square {
  template <typename X>
  X operator()(const X& x) const { return x * x; }
};
}  // namespace

void nansum_kernel(const Reduction& r) {
  dispatch_numeric(r.compute_dtype(), "nansum", [&]<typename T>() {
    const T* in = r.input().data<T>();
    T* out = r.output(0).data<T>();
    for_each_row(r, [&](int64_t i) {
      if constexpr (std::is_integral_v<T>) out[i] = row_sum(in + i * r.inner(), r.inner());  // no NaN
      else out[i] = T(parallel_cascade_sum<opmath_t<T>>(in + i * r.inner(), r.inner(), NanToZero{}));
    });
  });
}

void count_nonzero_kernel(const Reduction& r) {
  dispatch_all(r.compute_dtype(), "count_nonzero", [&]<typename T>() {
    const T* in = r.input().data<T>();
    int64_t* out = r.output(0).data<int64_t>();
    for_each_row(r, [&](int64_t i) {
      const T* p = in + i * r.inner();
      int64_t count = 0;
      for (int64_t k = 0; k < r.inner(); ++k) count += opmath_t<T>(p[k]) != opmath_t<T>(0);
      out[i] = count;
    });
  });
}

// ----------------------------------------------------------------------------- linalg_vector_norm

namespace {
// sum over a row of |x|^p, pairwise like cascade_sum (error grows with log n).
template <typename Acc, typename T>
Acc pow_sum(const T* p, int64_t n, Acc ord) {
  if (n <= 128) {
    Acc s = 0;
    for (int64_t k = 0; k < n; ++k) s += std::pow(std::abs(Acc(p[k])), ord);
    return s;
  }
  const int64_t half = n / 2;
  return pow_sum<Acc>(p, half, ord) + pow_sum<Acc>(p + half, n - half, ord);
}
}  // namespace

// ord 0: the number of nonzeros; inf / -inf: the max / min of |x| (NaN propagates); 1: sum |x|;
// 2: sqrt(sum x^2); any other p: (sum |x|^p)^(1/p). Sums are pairwise with a fixed order per row.
void linalg_vector_norm_kernel(const Reduction& r, const Scalar& ord_scalar) {
  const double ord = ord_scalar.to_double();
  TG_CHECK(r.inner() > 0 || r.outer() == 0 || (ord >= 0 && !std::isinf(ord)), "[linalg_vector_norm] cannot compute "
           "the ", ord, " norm on an empty tensor because the operation does not have an identity");
  dispatch_floating(r.compute_dtype(), "linalg_vector_norm", [&]<typename T>() {
    using Acc = opmath_t<T>;
    const T* in = r.input().data<T>();
    T* out = r.output(0).data<T>();
    const int64_t n = r.inner();
    for_each_row(r, [&](int64_t i) {
      const T* p = in + i * n;
      Acc v;
      if (ord == 0) {
        int64_t count = 0;
        for (int64_t k = 0; k < n; ++k) count += Acc(p[k]) != Acc(0);
        v = Acc(count);
      } else if (std::isinf(ord)) {
        v = std::abs(Acc(p[0]));
        for (int64_t k = 1; k < n; ++k) v = ord > 0 ? pick_extreme<true>(v, std::abs(Acc(p[k])))
                                                      : pick_extreme<false>(v, std::abs(Acc(p[k])));
      } else if (ord == 1) {
        v = parallel_cascade_sum<Acc>(p, n, Abs{});
      } else if (ord == 2) {
        v = std::sqrt(parallel_cascade_sum<Acc>(p, n, Square{}));
      } else {
        v = std::pow(pow_sum<Acc>(p, n, Acc(ord)), Acc(1.0 / ord));
      }
      out[i] = T(v);
    });
  });
}

}  // namespace tg::native::CPU_CAPABILITY
