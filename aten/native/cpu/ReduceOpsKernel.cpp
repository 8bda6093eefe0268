// Reduction kernels. The Reduction front end hands each kernel `outer` contiguous rows of
// `inner` elements in the compute dtype; a kernel reduces each row into output element i. Sums,
// means, products, norms and var/std are here (on the fixed-shape trees of ReduceCascade.h); the
// max / min family and all / any are in ReduceMinMaxKernel.cpp.
#include "aten/vec/isa.h"
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <tuple>
#include <vector>

#include "aten/dispatch/DtypeDispatch.h"
#include "aten/iter/Reduction.h"
#include "aten/parallel/Parallel.h"
#include "aten/vec/vec.h"
#include "aten/native/cpu/ReduceCascade.h"
#include "aten/native/cpu/Convert.h"
#include "kernels/count_nonzero.h"
#include "kernels/linalg_vector_norm.h"
#include "kernels/mean.h"
#include "kernels/nansum.h"
#include "kernels/prod.h"
#include "kernels/std.h"
#include "kernels/sum.h"
#include "kernels/var.h"

namespace tg::native::CPU_CAPABILITY {

namespace {

// Sums go through the fixed-shape trees of ReduceCascade.h (the same bits for any thread count
// and capability).
template <typename Acc, typename T, typename Map = NoMap>
Acc parallel_cascade_sum(const T* p, int64_t n, Map map = {}) { return parallel_cascade_reduce<Acc>(p, n, AddOp{}, map); }

// The column layout's blocks (ReduceCascade.h: each column's arithmetic is the same whichever
// block and thread own it, so results do not depend on the thread count).
template <typename F>
void for_each_column_block(const Reduction& r, const F& f) {
  CPU_CAPABILITY::for_each_column_block(r.columns().groups, r.inner(), r.columns().cols, f);
}

// Sums (or means, Mean = true; products with Op = MulOp) over the column layout; `map` first
// applies to each element, `post` to each column's result (the 2-norm's square root).
template <typename Op, bool Mean, typename T, typename Map = NoMap, typename Post = NoMap>
void column_reduce(const Reduction& r, Map map = {}, Post post = {}) {
  using Acc = opmath_t<T>;
  const T* in = r.columns().data->data<T>();
  T* out = r.output(0).data<T>();
  const int64_t rows = r.inner(), cols = r.columns().cols;
  for_each_column_block(r, [&](int64_t g, int64_t c0, int64_t c1) {
    Acc acc[kMaxColumnBlock];
    column_cascade<Acc>(in + g * rows * cols, rows, cols, c0, c1, acc, Op{}, map);
    for (int64_t c = c0; c < c1; ++c) out[g * cols + c] = T(post(Mean ? acc[c - c0] / Acc(rows) : acc[c - c0]));
  });
}

// Integer sums and products wrap around like PyTorch's; unsigned math keeps the C++ defined.
// Wrapping + and * are associative and commutative, so any order gives the same bits: sixteen
// independent accumulators (a loop the compiler vectorizes with several vectors in flight; one
// running product waited for each multiply, 3 cycles an element), and a long row is split across
// threads in chunks.
template <typename U, typename T, typename Op>
U wrapping_reduce(const T* p, int64_t n, U identity, Op op) {
  constexpr int64_t kLanes = 16;
  U acc[kLanes];
  for (U& a : acc) a = identity;
  int64_t k = 0;
  for (; k + kLanes <= n; k += kLanes)
    for (int64_t j = 0; j < kLanes; ++j) acc[j] = op(acc[j], U(p[k + j]));
  for (; k < n; ++k) acc[0] = op(acc[0], U(p[k]));
  U r = identity;
  for (U a : acc) r = op(r, a);
  return r;
}

template <typename T>
T int_sum(const T* p, int64_t n) {
  using U = std::make_unsigned_t<T>;
  return T(wrapping_reduce<U>(p, n, U(0), [](U a, U b) { return U(a + b); }));
}

template <typename T>
T row_sum(const T* p, int64_t n) {
  if constexpr (std::is_integral_v<T>) {
    constexpr int64_t kChunk = 1 << 16;
    if (n <= 2 * kChunk || in_parallel_region()) return int_sum(p, n);
    const int64_t nchunks = (n + kChunk - 1) / kChunk;
    std::vector<T> partial(static_cast<size_t>(nchunks));
    parallel_for(0, nchunks, 1, [&](int64_t begin, int64_t end) {
      for (int64_t c = begin; c < end; ++c) partial[size_t(c)] = int_sum(p + c * kChunk, std::min(kChunk, n - c * kChunk));
    });
    return int_sum(partial.data(), nchunks);
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
      if (r.columns().cols > 1) return column_reduce<AddOp, false, T>(r);
    }
    const T* in = r.input().data<T>();
    T* out = r.output(0).data<T>();
    for_each_row(r, [&](int64_t i) { out[i] = row_sum(in + i * r.inner(), r.inner()); });
  });
}

void mean_kernel(const Reduction& r) {
  dispatch_floating(r.compute_dtype(), "mean", [&]<typename T>() {
    if (r.columns().cols > 1) return column_reduce<AddOp, true, T>(r);
    const T* in = r.input().data<T>();
    T* out = r.output(0).data<T>();
    using Op = opmath_t<T>;
    for_each_row(r, [&](int64_t i) {
      out[i] = T(parallel_cascade_sum<Op>(in + i * r.inner(), r.inner()) / Op(r.inner()));
    });
  });
}

namespace {
// Integer products wrap around like PyTorch's; the unsigned accumulator keeps the C++ defined (at
// least 32 bits wide, so uint8 / uint16 factors are not promoted to a signed int that overflows).
// Wrapping multiplication is associative and commutative, so any order gives the same bits.
template <typename T>
using int_prod_t = std::conditional_t<(sizeof(T) < 4), uint32_t, std::make_unsigned_t<T>>;

template <typename T>
T int_prod(const T* p, int64_t n) {
  using U = int_prod_t<T>;
  return T(wrapping_reduce<U>(p, n, U(1), [](U a, U b) { return U(a * b); }));
}

// A long integer row multiplied by all threads in chunks.
template <typename T>
T parallel_int_prod(const T* p, int64_t n) {
  constexpr int64_t kChunk = 1 << 16;
  if (n <= 2 * kChunk) return int_prod(p, n);
  const int64_t nchunks = (n + kChunk - 1) / kChunk;
  std::vector<T> partial(static_cast<size_t>(nchunks));
  parallel_for(0, nchunks, 1, [&](int64_t begin, int64_t end) {
    for (int64_t c = begin; c < end; ++c) partial[size_t(c)] = int_prod(p + c * kChunk, std::min(kChunk, n - c * kChunk));
  });
  return int_prod(partial.data(), nchunks);
}

// Integer products over the column layout: row by row into a block of column accumulators (the
// inner loop runs along contiguous memory and vectorizes), column blocks split across threads.
template <typename T>
void column_int_prod(const Reduction& r) {
  const T* in = r.columns().data->data<T>();
  T* out = r.output(0).data<T>();
  const int64_t rows = r.inner(), cols = r.columns().cols;
  for_each_column_block(r, [&](int64_t g, int64_t c0, int64_t c1) {
    const int64_t width = c1 - c0;
    const T* p = in + g * rows * cols + c0;
    int_prod_t<T> acc[kMaxColumnBlock];
    std::fill(acc, acc + width, int_prod_t<T>(1));
    for (int64_t row = 0; row < rows; ++row)
      for (int64_t c = 0; c < width; ++c) acc[c] *= int_prod_t<T>(p[row * cols + c]);
    for (int64_t c = 0; c < width; ++c) out[g * cols + c0 + c] = T(acc[c]);
  });
}
}  // namespace

// Products: floating rows and columns on sum's fixed-shape trees (MulOp), so the bits do not
// depend on the thread count or the capability; integers wrap around.
void prod_kernel(const Reduction& r) {
  dispatch_numeric(r.compute_dtype(), "prod", [&]<typename T>() {
    if (r.columns().cols > 1) {
      if constexpr (std::is_integral_v<T>) return column_int_prod<T>(r);
      else return column_reduce<MulOp, false, T>(r);
    }
    const T* in = r.input().data<T>();
    T* out = r.output(0).data<T>();
    const int64_t n = r.inner();
    for_each_row(r, [&](int64_t i) {
      if constexpr (std::is_integral_v<T>) out[i] = parallel_int_prod(in + i * n, n);
      else out[i] = T(parallel_cascade_reduce<opmath_t<T>>(in + i * n, n, MulOp{}));
    });
  });
}

namespace {
// The max (IsMax) or min of two values; a NaN wins (linalg_vector_norm's inf / -inf norms
// propagate NaN, like PyTorch).
template <bool IsMax, typename T>
T pick_extreme(T a, T b) {
  if constexpr (!std::is_integral_v<T>) {
    if (a != a) return a;
    if (b != b) return b;
  }
  return (IsMax ? b > a : b < a) ? b : a;
}
}  // namespace

// ----------------------------------------------------------------------------- var / std

namespace {
// cascade_sum's map for var/std: (x - mean)^2, so the sum of squared deviations over a row is
// pairwise (error grows with log n), in opmath, on the lanes of every cascade_sum. Written
// (mean - x)^2, the same bits (a rounded difference only changes sign when its operands swap):
// x is then the second operand, which x86 reads straight from memory, one instruction less per
// vector; from memory var kept more loads in flight (4M float32, 2 threads, a harness: 84 -> 89 %
// of a plain sum's speed).
template <typename Acc>
struct SquaredDeviation {
  Acc mean;
  template <typename X>
  X operator()(const X& x) const {
    const X d = X(mean) - x;
    return d * d;
  }
};

// The count, mean and sum of squared deviations from it of a piece of a row.
struct Moments {
  double n, mean, m2;
};

// Two pieces' moments as one (Chan, Golub and LeVeque): exact in exact arithmetic, and stable,
// since the pieces' means enter only through their difference.
inline Moments merge(const Moments& a, const Moments& b) {
  const double n = a.n + b.n, delta = b.mean - a.mean;
  return {n, a.mean + delta * (b.n / n), a.m2 + b.m2 + delta * delta * (a.n * b.n / n)};
}

// Pieces [lo, hi) merged in a fixed pairwise tree (the same whatever the thread count).
inline Moments merge_range(const Moments* m, int64_t lo, int64_t hi) {
  if (hi - lo == 1) return m[lo];
  const int64_t mid = lo + (hi - lo) / 2;
  return merge(merge_range(m, lo, mid), merge_range(m, mid, hi));
}

// The moments of p[0, len), len >= 1: two passes (the mean, then the squared deviations from it).
template <typename Acc, typename T>
Moments two_pass_moments(const T* p, int64_t len) {
  const Acc mean = cascade_reduce<Acc>(p, len, AddOp{}) / Acc(len);
  return {double(len), double(mean), double(cascade_reduce<Acc>(p, len, AddOp{}, SquaredDeviation<Acc>{mean}))};
}

// The sum of squared deviations from the mean of a row. Two passes (the mean, then the squared
// deviations from it): numerically stable, each pass a cascade_sum tree. A row longer than two
// chunks is read from memory once instead of twice (4M floats: 1.3 ms -> 0.5-0.6): each 64K-element
// chunk (a task of its own) makes both passes per block of 4K, the second from L1 in the same loop
// as the next block's first (a second pass per chunk, from L2, left the memory stream idle
// meanwhile: 70 % of the read bandwidth; per block, one after the other: ~85 %), and the blocks'
// (count, mean, M2) merge pairwise within the chunk, the chunks' across the row. The arithmetic is fixed by that blocking alone, not by the threads.
template <typename Acc, typename T>
Acc squared_deviations(const T* p, int64_t n) {
  constexpr int64_t kChunk = 1 << 16, kBlock = 1 << 12, kBlocks = kChunk / kBlock;
  if (n <= 2 * kChunk) {
    const Acc mean = n > 0 ? parallel_cascade_sum<Acc>(p, n) / Acc(n) : Acc(0);
    return parallel_cascade_sum<Acc>(p, n, SquaredDeviation<Acc>{mean});
  }
  const int64_t chunks = (n + kChunk - 1) / kChunk;
  std::vector<Moments> m(static_cast<size_t>(chunks));
  parallel_for(0, chunks, 1, [&](int64_t begin, int64_t end) {
    for (int64_t c = begin; c < end; ++c) {
      const int64_t c0 = c * kChunk, len = std::min(kChunk, n - c0), blocks = (len + kBlock - 1) / kBlock;
      Moments block[kBlocks];
      const T* q = p + c0;
      if (len % kBlock != 0) {  // the row's last chunk, when it ends inside a block
        for (int64_t b = 0; b < blocks; ++b)
          block[b] = two_pass_moments<Acc>(q + b * kBlock, std::min(kBlock, len - b * kBlock));
      } else {
        // Block b's second pass in one loop with block b + 1's first (cascade_reduce_pair): the
        // same trees as two_pass_moments, so the same bits.
        Acc sum = cascade_reduce<Acc>(q, kBlock, AddOp{});
        for (int64_t b = 0; b < blocks; ++b) {
          const Acc mean = sum / Acc(kBlock);
          Acc m2;
          if (b + 1 < blocks) {
            // ...and block b + 2's lines requested meanwhile: with one stream from memory per
            // thread var read at 74-79 % of a sum's rate under AVX2 and 65-66 % under AVX-512 (4M
            // float32 from memory, 2 threads; the sum reads two streams), with it 90-97 % / 78-97 %.
            const T* ahead = c0 + (b + 3) * kBlock <= n ? q + (b + 2) * kBlock : nullptr;
            std::tie(m2, sum) = cascade_reduce_pair<Acc>(q + b * kBlock, q + (b + 1) * kBlock, kBlock, AddOp{},
                                                         SquaredDeviation<Acc>{mean}, NoMap{}, ahead);
          } else {
            m2 = cascade_reduce<Acc>(q + b * kBlock, kBlock, AddOp{}, SquaredDeviation<Acc>{mean});
          }
          block[b] = {double(kBlock), double(mean), double(m2)};
        }
      }
      m[size_t(c)] = merge_range(block, 0, blocks);
    }
  });
  return Acc(merge_range(m.data(), 0, chunks).m2);
}

// Each row's arithmetic is fixed, so results do not depend on the thread count. The divisor is
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
      const Acc v = squared_deviations<Acc>(in + i * n, n) / divisor;
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
  static constexpr bool kOnlyChangesNaN = true;  // cascade_reduce skips it for leaves without NaN
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
  template <typename X>
  X fused_add(const X& acc, const X& x) const { return vec::fused_multiply_add(x, x, acc); }  // ReduceCascade.h
};
}  // namespace

void nansum_kernel(const Reduction& r) {
  dispatch_numeric(r.compute_dtype(), "nansum", [&]<typename T>() {
    if constexpr (!std::is_integral_v<T>) {
      if (r.columns().cols > 1) return column_reduce<AddOp, false, T>(r, NanToZero{});  // sum(dim=0)'s layout
    }
    const T* in = r.input().data<T>();
    T* out = r.output(0).data<T>();
    for_each_row(r, [&](int64_t i) {
      if constexpr (std::is_integral_v<T>) out[i] = row_sum(in + i * r.inner(), r.inner());  // no NaN
      else out[i] = T(parallel_cascade_sum<opmath_t<T>>(in + i * r.inner(), r.inner(), NanToZero{}));
    });
  });
}

namespace {


// The nonzero elements of p[0, n). A block's count fits in 32 bits, which vectorizes twice as
// wide as int64.
template <typename T>
int64_t count_nonzero_run(const T* p, int64_t n) {
  constexpr int64_t kBlock = 1 << 20;
  int64_t total = 0;
  for (int64_t b = 0; b < n; b += kBlock) {
    const int64_t m = std::min(kBlock, n - b);
    uint32_t count = 0;
    for (int64_t k = 0; k < m; ++k) count += is_nonzero(p[b + k]);
    total += count;
  }
  return total;
}

// count_nonzero(dim=0)'s layout read in place: row by row into a block of column counts.
template <typename T>
void column_count_nonzero(const Reduction& r) {
  const T* in = r.columns().data->data<T>();
  int64_t* out = r.output(0).data<int64_t>();
  const int64_t rows = r.inner(), cols = r.columns().cols;
  for_each_column_block(r, [&](int64_t g, int64_t c0, int64_t c1) {
    const int64_t width = c1 - c0;
    const T* p = in + g * rows * cols + c0;
    int64_t acc[kMaxColumnBlock] = {};
    for (int64_t row = 0; row < rows; ++row)
      for (int64_t c = 0; c < width; ++c) acc[c] += is_nonzero(p[row * cols + c]);
    std::copy(acc, acc + width, out + g * cols + c0);
  });
}
}  // namespace

// Rows split across threads, and a long row (the whole tensor) in chunks across threads: counts
// add exactly, so any split gives the same result.
void count_nonzero_kernel(const Reduction& r) {
  dispatch_all(r.compute_dtype(), "count_nonzero", [&]<typename T>() {
    if (r.columns().cols > 1) return column_count_nonzero<T>(r);
    const T* in = r.input().data<T>();
    int64_t* out = r.output(0).data<int64_t>();
    const int64_t n = r.inner();
    constexpr int64_t kChunk = 1 << 16;
    for_each_row(r, [&](int64_t i) {
      const T* p = in + i * n;
      if (n <= 2 * kChunk) {
        out[i] = count_nonzero_run(p, n);
        return;
      }
      const int64_t nchunks = (n + kChunk - 1) / kChunk;
      std::vector<int64_t> partial(static_cast<size_t>(nchunks));
      parallel_for(0, nchunks, 1, [&](int64_t begin, int64_t end) {
        for (int64_t c = begin; c < end; ++c)
          partial[size_t(c)] = count_nonzero_run(p + c * kChunk, std::min(kChunk, n - c * kChunk));
      });
      int64_t total = 0;
      for (int64_t c : partial) total += c;
      out[i] = total;
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
    if (r.columns().cols > 1 && r.inner() > 0) {  // dim 0 of a contiguous tensor, read in place
      if (ord == 1) return column_reduce<AddOp, false, T>(r, Abs{});
      if (ord == 2) return column_reduce<AddOp, false, T>(r, Square{}, [](Acc s) { return std::sqrt(s); });
    }
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
