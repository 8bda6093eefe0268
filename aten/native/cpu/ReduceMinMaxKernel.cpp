// max / min (whole tensor, and over a dim with indices), amax / amin, argmax / argmin, all / any:
// vectorized and split across threads for the three layouts a Reduction hands a kernel:
//   - one long row (a whole-tensor reduction): fixed 64K-element chunks across threads;
//   - many contiguous rows (the last dim): rows across threads, each row vectorized;
//   - columns (dim 0 of a contiguous tensor, read in place): vectorized across the kept dim,
//     blocks of columns across threads.
//
// Semantics are PyTorch's. A NaN propagates: the value of a slice holding a NaN is its first NaN
// element, and its index that NaN's. Otherwise the index is the first extreme one (ties go to the
// first), and max(dim) / min(dim) return the element at that index. The value-only reductions
// (max(), min(), amax, amin) order -0 below +0 (IEEE 754-2019 maximum / minimum), so their result
// is a function of the slice's elements alone, whatever order threads and vector lanes meet them
// in. Every result is therefore the same bits for any thread count and any CPU capability.
#include "aten/vec/isa.h"
#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <tuple>
#include <type_traits>
#include <vector>

#include "aten/dispatch/DtypeDispatch.h"
#include "aten/iter/Reduction.h"
#include "aten/native/cpu/ReduceCascade.h"
#include "aten/parallel/Parallel.h"
#include "aten/vec/vec.h"
#include "kernels/all.h"
#include "kernels/amax.h"
#include "kernels/amin.h"
#include "kernels/aminmax.h"
#include "kernels/any.h"
#include "kernels/argmax.h"
#include "kernels/argmin.h"
#include "kernels/max.h"
#include "kernels/min.h"

namespace tg::native::CPU_CAPABILITY {

namespace {

constexpr int64_t kChunk = 1 << 16;  // elements per task when one long row is split across threads

// float, double, float16, bfloat16 (bool and the integers are std::is_integral).
template <typename T>
constexpr bool kFloating = !std::is_integral_v<T>;

// The element type the loops read: bool as uint8_t (0 / 1), so the integer loops cover it.
template <typename T>
using storage_t = std::conditional_t<std::is_same_v<T, bool>, uint8_t, T>;

// The type elements are compared in: float for float16 / bfloat16 (exact), the type itself else.
template <typename S, bool F = kFloating<S>>
struct cmp_type { using type = S; };
template <typename S>
struct cmp_type<S, true> { using type = typename vec::VecIO<S>::vec_t::value_type; };
template <typename S>
using cmp_t = typename cmp_type<S>::type;

template <typename A>
bool is_nan(A v) {
  if constexpr (kFloating<A>) return v != v;
  else return false;
}

// The max (IsMax) or min of two values that are not NaN; -0 counts as below +0, so the result does
// not depend on the order of the operands. Branch-free (a data-dependent branch here mispredicts
// on every other row): equal values have equal bits except -0 / +0, where the AND of the bits is
// +0 (max) and the OR is -0 (min).
template <bool IsMax, typename A>
A better(A a, A b) {
  const A strict = (IsMax ? b > a : b < a) ? b : a;
  if constexpr (kFloating<A>) {
    using B = std::conditional_t<sizeof(A) == 4, uint32_t, uint64_t>;
    const B ab = std::bit_cast<B>(a), bb = std::bit_cast<B>(b);
    const A tie = std::bit_cast<A>(IsMax ? B(ab & bb) : B(ab | bb));
    return a == b ? tie : strict;
  }
  return strict;
}

// Whether any lane of the vectors fed to it was NaN. An unordered compare tests two vectors at
// once (true where either lane is NaN); on AVX-512 the result stays in a mask register.
template <typename V>
struct NanTracker {
  using A = typename V::value_type;
#if defined(TG_VEC_AVX512)
  uint32_t seen = 0;
  void add(const V& a, const V& b) {
    if constexpr (std::is_same_v<A, float>) seen |= _mm512_cmp_ps_mask(a, b, _CMP_UNORD_Q);
    else seen |= _mm512_cmp_pd_mask(a, b, _CMP_UNORD_Q);
  }
  bool any() const { return seen != 0; }
#elif defined(TG_VEC_AVX2)
  V seen = V(A(0));
  void add(const V& a, const V& b) {
    if constexpr (std::is_same_v<A, float>) seen = seen | V(_mm256_cmp_ps(a, b, _CMP_UNORD_Q));
    else seen = seen | V(_mm256_cmp_pd(a, b, _CMP_UNORD_Q));
  }
  bool any() const { return vec::any(seen); }
#else
  V seen = V(A(0));
  void add(const V& a, const V& b) { seen = seen | (a != a) | (b != b); }
  bool any() const { return vec::any(seen); }
#endif
};

// Lane-wise better() of two vectors (lanes holding a NaN give an unspecified value: callers track
// NaN separately). max_ps / min_ps return their second operand for equal lanes (+0 vs -0), so both
// orders are combined: AND keeps +0 for max, OR keeps -0 for min; equal lanes otherwise have equal
// bits. Exact = false: one instruction instead of three, equal lanes give either operand; loops
// over a range use it and look again exactly only when the range's extreme is a zero (the one
// case where the order would show in the result's sign).
template <bool IsMax, bool Exact = true, typename V>
V vec_better(const V& a, const V& b) {
  using A = typename V::value_type;
  if constexpr (std::is_integral_v<A>) {
    return IsMax ? vec::maximum(a, b) : vec::minimum(a, b);
  } else if constexpr (!Exact) {
#if defined(TG_VEC_AVX512)
    if constexpr (std::is_same_v<A, float>) return IsMax ? V(_mm512_max_ps(b, a)) : V(_mm512_min_ps(b, a));
    else return IsMax ? V(_mm512_max_pd(b, a)) : V(_mm512_min_pd(b, a));
#elif defined(TG_VEC_AVX2)
    if constexpr (std::is_same_v<A, float>) return IsMax ? V(_mm256_max_ps(b, a)) : V(_mm256_min_ps(b, a));
    else return IsMax ? V(_mm256_max_pd(b, a)) : V(_mm256_min_pd(b, a));
#else
    return blendv(a, b, IsMax ? b > a : b < a);
#endif
  } else {
#if defined(TG_VEC_AVX512)
    if constexpr (std::is_same_v<A, float>)
      return IsMax ? V(_mm512_and_ps(_mm512_max_ps(a, b), _mm512_max_ps(b, a)))
                   : V(_mm512_or_ps(_mm512_min_ps(a, b), _mm512_min_ps(b, a)));
    else
      return IsMax ? V(_mm512_and_pd(_mm512_max_pd(a, b), _mm512_max_pd(b, a)))
                   : V(_mm512_or_pd(_mm512_min_pd(a, b), _mm512_min_pd(b, a)));
#elif defined(TG_VEC_AVX2)
    if constexpr (std::is_same_v<A, float>)
      return IsMax ? V(_mm256_and_ps(_mm256_max_ps(a, b), _mm256_max_ps(b, a)))
                   : V(_mm256_or_ps(_mm256_min_ps(a, b), _mm256_min_ps(b, a)));
    else
      return IsMax ? V(_mm256_and_pd(_mm256_max_pd(a, b), _mm256_max_pd(b, a)))
                   : V(_mm256_or_pd(_mm256_min_pd(a, b), _mm256_min_pd(b, a)));
#else
    const V ab = blendv(a, b, IsMax ? b > a : b < a);  // b where strictly better, else a
    const V ba = blendv(b, a, IsMax ? a > b : a < b);  // a where strictly better, else b
    return IsMax ? (ab & ba) : (ab | ba);
#endif
  }
}

// ----------------------------------------------------------------------------- rows

template <typename A>
struct Partial {
  A value;   // the better() of the non-NaN elements (unspecified when nan)
  bool nan;  // whether the range holds a NaN
};

// A range's loop reads two streams, its first and its second half (each a whole number of Step
// elements: the returned m, the rest after 2m left to the caller), so that one thread keeps two
// streams of requests to memory in flight, as sum's cascade_reduce_halves does. One stream left
// the whole-tensor reductions of a 16 MB float32 tensor from memory at 86-88 % (max, min, amax,
// aminmax) and 80 % (all) of sum's read rate on a Zen 1 EPYC (AVX2, 2 threads); with two, 98-103 %
// (argmax and argmin too: their first pass is this loop). The results do not depend on the order
// the elements are met in, so the split does not show in them.
template <int64_t Step>
int64_t two_streams(int64_t n) {
  return n / (2 * Step) * Step;
}

// The extreme of p[0, n), n >= 1. Floating ranges run eight vectors of running extremes (and a
// NaN mask) folded in a fixed order; integers run four (int32 / int64) or a plain loop the
// compiler vectorizes. Floating loops take the one-instruction combine unless Exact (amax of 4M
// float32 from L3 went from 0.75x to 0.94x sum's read rate); a zero result is looked at again
// exactly (the range was just read, so from cache) to give the sign the order-free rule gives.
template <bool IsMax, typename S, bool Exact = false>
Partial<cmp_t<S>> range_extreme(const S* p, int64_t n) {
  using A = cmp_t<S>;
  if constexpr (kFloating<S>) {
    using IO = vec::VecIO<S>;
    using V = typename IO::vec_t;
    constexpr int64_t W = V::size();
    A acc = A(p[0]);
    bool nan = is_nan(acc);
    int64_t k = 1;
    constexpr int kVecs = 8;  // eight running vectors: as many loads in flight as sum's leaf
    if (n >= kVecs * W) {
      // Two streams (see two_streams): vectors 0-3 run over [0, m), 4-7 over [m, 2m).
      constexpr int kHalf = kVecs / 2;
      const int64_t m = two_streams<kHalf * W>(n);
      const S* q[kVecs];
      for (int j = 0; j < kVecs; ++j) q[j] = p + (j < kHalf ? 0 : m) + (j % kHalf) * W;
      V a[kVecs];
      NanTracker<V> bad;
      for (int j = 0; j < kVecs; ++j) a[j] = IO::load(q[j]);
      for (int j = 0; j < kVecs; j += 2) bad.add(a[j], a[j + 1]);
      auto step = [&](auto combine) {
        for (int64_t i = kHalf * W; i < m; i += kHalf * W) {
          V x[kVecs];
          for (int j = 0; j < kVecs; ++j) x[j] = IO::load(q[j] + i);
          for (int j = 0; j < kVecs; ++j) a[j] = combine(a[j], x[j]);
          for (int j = 0; j < kVecs; j += 2) bad.add(x[j], x[j + 1]);
        }
      };
      if constexpr (Exact) step([](const V& x, const V& y) { return vec_better<IsMax>(x, y); });
      else step([](const V& x, const V& y) { return vec_better<IsMax, false>(x, y); });
      k = 2 * m;
      nan = bad.any();
      for (int w = kVecs / 2; w > 0; w /= 2)
        for (int j = 0; j < w; ++j) a[j] = vec_better<IsMax>(a[j], a[j + w]);
      A lanes[W];
      a[0].store(lanes);
      for (int64_t w = W / 2; w > 0; w /= 2)  // halves: short dependency chains
        for (int64_t j = 0; j < w; ++j) lanes[j] = better<IsMax>(lanes[j], lanes[j + w]);
      acc = lanes[0];
    }
    for (; k < n; ++k) {
      const A v = A(p[k]);
      nan |= is_nan(v);
      acc = better<IsMax>(acc, v);
    }
    if constexpr (!Exact) {
      if (!nan && acc == A(0) && n >= 2 * kVecs * W) return range_extreme<IsMax, S, true>(p, n);
    }
    return {acc, nan};
  } else {
    S acc = p[0];
    int64_t k = 1;
    if constexpr (std::is_same_v<S, int32_t> || std::is_same_v<S, int64_t>) {
      // four running vectors: the compiler's loop kept one, and AVX2's int64 compare + blend
      // made it a latency chain of ~1.2 cycles an element
      using V = vec::Vectorized<S>;
      constexpr int64_t W = V::size();
      if (n >= 4 * W) {
        V a0 = V::loadu(p), a1 = V::loadu(p + W), a2 = V::loadu(p + 2 * W), a3 = V::loadu(p + 3 * W);
        for (k = 4 * W; k + 4 * W <= n; k += 4 * W) {
          a0 = vec_better<IsMax>(a0, V::loadu(p + k));
          a1 = vec_better<IsMax>(a1, V::loadu(p + k + W));
          a2 = vec_better<IsMax>(a2, V::loadu(p + k + 2 * W));
          a3 = vec_better<IsMax>(a3, V::loadu(p + k + 3 * W));
        }
        S lanes[W];
        vec_better<IsMax>(vec_better<IsMax>(a0, a1), vec_better<IsMax>(a2, a3)).store(lanes);
        acc = lanes[0];
        for (int64_t j = 1; j < W; ++j) acc = IsMax ? (lanes[j] > acc ? lanes[j] : acc) : (lanes[j] < acc ? lanes[j] : acc);
      }
    }
    for (; k < n; ++k) acc = IsMax ? (p[k] > acc ? p[k] : acc) : (p[k] < acc ? p[k] : acc);
    return {acc, false};
  }
}

// Whether a lane of x0..x3 equals target (want_nan: is NaN). On AVX-512 and AVX2 the compares
// stay in mask registers / bit masks, without widening each mask to a vector.
template <typename V>
bool any_hit(const V& x0, const V& x1, const V& x2, const V& x3, const V& target, bool want_nan) {
  using A = typename V::value_type;
  [[maybe_unused]] constexpr bool kF = std::is_same_v<A, float>;  // unused without AVX
#if defined(TG_VEC_AVX512)
  if (want_nan) {
    if constexpr (kF) return (_mm512_cmp_ps_mask(x0, x1, _CMP_UNORD_Q) | _mm512_cmp_ps_mask(x2, x3, _CMP_UNORD_Q)) != 0;
    else return (_mm512_cmp_pd_mask(x0, x1, _CMP_UNORD_Q) | _mm512_cmp_pd_mask(x2, x3, _CMP_UNORD_Q)) != 0;
  }
  if constexpr (kF)
    return (_mm512_cmp_ps_mask(x0, target, _CMP_EQ_OQ) | _mm512_cmp_ps_mask(x1, target, _CMP_EQ_OQ) |
            _mm512_cmp_ps_mask(x2, target, _CMP_EQ_OQ) | _mm512_cmp_ps_mask(x3, target, _CMP_EQ_OQ)) != 0;
  else
    return (_mm512_cmp_pd_mask(x0, target, _CMP_EQ_OQ) | _mm512_cmp_pd_mask(x1, target, _CMP_EQ_OQ) |
            _mm512_cmp_pd_mask(x2, target, _CMP_EQ_OQ) | _mm512_cmp_pd_mask(x3, target, _CMP_EQ_OQ)) != 0;
#else
  if (want_nan) return vec::any((x0 != x0) | (x1 != x1) | (x2 != x2) | (x3 != x3));
  return vec::any((x0 == target) | (x1 == target) | (x2 == target) | (x3 == target));
#endif
}

// The index of the first element of p[0, n) equal to v (for a NaN v: the first NaN), or -1.
template <typename S, typename A>
int64_t find_first(const S* p, int64_t n, A v) {
  const bool want_nan = is_nan(v);
  int64_t k = 0;
  if constexpr (kFloating<S>) {
    using IO = vec::VecIO<S>;
    using V = typename IO::vec_t;
    constexpr int64_t W = V::size();
    const V target(v);
    for (; k + 4 * W <= n; k += 4 * W)  // skip groups of four vectors without a hit
      if (any_hit(IO::load(p + k), IO::load(p + k + W), IO::load(p + k + 2 * W), IO::load(p + k + 3 * W), target,
                  want_nan))
        break;
    for (; k < n; ++k) {
      const A x = A(p[k]);
      if (want_nan ? x != x : x == v) return k;
    }
  } else {
    for (; k < n; ++k)
      if (p[k] == v) return k;
  }
  return -1;
}

template <typename S>
struct RowResult {
  S value;
  int64_t index;  // -1 unless asked for
};

// The extreme of a row (n >= 1): long rows in fixed chunks across threads (the combination is
// exact, so the chunking does not show in the result). With an index, only the first chunk that
// holds the result is searched again. Indexed results return the element at the index.
template <bool IsMax, typename S>
RowResult<S> row_extreme(const S* p, int64_t n, bool want_index) {
  using A = cmp_t<S>;
  const int64_t nchunks = n <= 2 * kChunk ? 1 : (n + kChunk - 1) / kChunk;
  const int64_t chunk = nchunks == 1 ? n : kChunk;
  Partial<A> single;
  std::vector<Partial<A>> parts;
  Partial<A>* part = &single;
  if (nchunks > 1) {
    parts.resize(size_t(nchunks));
    part = parts.data();
    parallel_for(0, nchunks, 1, [&](int64_t begin, int64_t end) {
      for (int64_t c = begin; c < end; ++c)
        part[c] = range_extreme<IsMax>(p + c * chunk, std::min(chunk, n - c * chunk));
    });
  } else {
    single = range_extreme<IsMax>(p, n);
  }
  Partial<A> total = part[0];
  for (int64_t c = 1; c < nchunks; ++c) {
    total.nan |= part[c].nan;
    total.value = better<IsMax>(total.value, part[c].value);
  }
  if (!total.nan && !want_index) return {S(total.value), -1};
  // The first chunk holding the NaN / the extreme (-0 == +0, so a tie between them goes to the
  // first zero, like PyTorch's index).
  const A target = total.nan ? std::numeric_limits<A>::quiet_NaN() : total.value;
  int64_t c = 0;
  while (total.nan ? !part[c].nan : (part[c].nan || !(part[c].value == target))) ++c;
  const int64_t k = c * chunk + find_first(p + c * chunk, std::min(chunk, n - c * chunk), target);
  return {p[k], want_index ? k : -1};
}

// aminmax: both extremes of p[0, n) (n >= 1) in one pass, min and max as range_extreme computes
// them (so each equals amin's / amax's bits; a zero extreme is looked at again with the exact
// combine, as there).
template <typename A>
struct MinMax {
  Partial<A> lo, hi;
};
template <typename S, bool Exact = false>
MinMax<cmp_t<S>> range_minmax(const S* p, int64_t n) {
  using A = cmp_t<S>;
  constexpr bool kVector = kFloating<S> || std::is_same_v<S, int32_t> || std::is_same_v<S, int64_t>;
  if constexpr (kVector) {
    using IO = vec::VecIO<S>;
    using V = typename IO::vec_t;
    constexpr int64_t W = V::size();
    A lo = A(p[0]), hi = lo;
    bool nan = is_nan(lo);
    int64_t k = 1;
    if (n >= 2 * W) {
      // Two streams (see two_streams): x0 runs over [0, m), x1 over [m, 2m).
      const int64_t m = two_streams<W>(n);
      const S* p1 = p + m;
      V l0 = IO::load(p), l1 = IO::load(p1), h0 = l0, h1 = l1;
      NanTracker<V> bad;
      if constexpr (kFloating<S>) bad.add(l0, l1);
      auto step = [&](auto combine_lo, auto combine_hi) {
        for (int64_t i = W; i < m; i += W) {
          const V x0 = IO::load(p + i), x1 = IO::load(p1 + i);
          l0 = combine_lo(l0, x0);
          l1 = combine_lo(l1, x1);
          h0 = combine_hi(h0, x0);
          h1 = combine_hi(h1, x1);
          if constexpr (kFloating<S>) bad.add(x0, x1);
        }
      };
      if constexpr (Exact || !kFloating<S>)
        step([](const V& a, const V& b) { return vec_better<false>(a, b); },
             [](const V& a, const V& b) { return vec_better<true>(a, b); });
      else
        step([](const V& a, const V& b) { return vec_better<false, false>(a, b); },
             [](const V& a, const V& b) { return vec_better<true, false>(a, b); });
      k = 2 * m;
      if constexpr (kFloating<S>) nan = bad.any();
      A ll[W], hh[W];
      vec_better<false>(l0, l1).store(ll);
      vec_better<true>(h0, h1).store(hh);
      for (int64_t w = W / 2; w > 0; w /= 2)
        for (int64_t j = 0; j < w; ++j) {
          ll[j] = better<false>(ll[j], ll[j + w]);
          hh[j] = better<true>(hh[j], hh[j + w]);
        }
      lo = ll[0];
      hi = hh[0];
    }
    for (; k < n; ++k) {
      const A v = A(p[k]);
      nan |= is_nan(v);
      lo = better<false>(lo, v);
      hi = better<true>(hi, v);
    }
    if constexpr (!Exact && kFloating<S>) {
      if (!nan && (lo == A(0) || hi == A(0)) && n >= 4 * W) return range_minmax<S, true>(p, n);
    }
    return {{lo, nan}, {hi, nan}};
  } else {
    return {range_extreme<false>(p, n), range_extreme<true>(p, n)};  // int8, uint8 / bool, int16
  }
}

// min and max of a row (n >= 1): long rows in fixed chunks across threads, like row_extreme.
template <typename S>
std::pair<S, S> row_minmax(const S* p, int64_t n) {
  using A = cmp_t<S>;
  const int64_t nchunks = n <= 2 * kChunk ? 1 : (n + kChunk - 1) / kChunk;
  const int64_t chunk = nchunks == 1 ? n : kChunk;
  std::vector<MinMax<A>> parts(static_cast<size_t>(nchunks));
  parallel_for(0, nchunks, 1, [&](int64_t begin, int64_t end) {
    for (int64_t c = begin; c < end; ++c) parts[size_t(c)] = range_minmax(p + c * chunk, std::min(chunk, n - c * chunk));
  });
  MinMax<A> total = parts[0];
  for (int64_t c = 1; c < nchunks; ++c) {
    total.lo.nan |= parts[size_t(c)].lo.nan;
    total.lo.value = better<false>(total.lo.value, parts[size_t(c)].lo.value);
    total.hi.value = better<true>(total.hi.value, parts[size_t(c)].hi.value);
  }
  if (!total.lo.nan) return {S(total.lo.value), S(total.hi.value)};
  int64_t c = 0;  // a NaN: both are the first NaN element (its bits)
  while (!parts[size_t(c)].lo.nan) ++c;
  const int64_t k = c * chunk + find_first(p + c * chunk, std::min(chunk, n - c * chunk), std::numeric_limits<A>::quiet_NaN());
  return {p[k], p[k]};
}

// Rows are independent: split them across threads (a row inside a parallel region is reduced by
// one thread; a single long row uses all of them).
template <typename F>
void for_each_row(const Reduction& r, F f) {
  const int64_t grain = std::max<int64_t>(1, kGrainSize / std::max<int64_t>(r.inner(), 1));
  parallel_for(0, r.outer(), grain, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) f(i);
  });
}

// ----------------------------------------------------------------------------- columns

// Columns [0, width) of a [rows, cols] slab p (row stride cols): values (and first indices) of
// each column. Types with a native vector (float, double, int32, int64; float16 / bfloat16 in
// float) run vectors across the columns with per-lane index vectors; the others a plain loop.
// Indexed: strictly better elements replace the running one (ties keep the first), a NaN replaces
// a non-NaN (the first NaN stays). Values only: better() with a NaN mask, a NaN column is
// rescanned for its first NaN.
template <bool IsMax, bool Indices, typename S>
void column_block(const S* p, int64_t rows, int64_t cols, int64_t width, S* values, int64_t* indices) {
  using A = cmp_t<S>;
  using IO = vec::VecIO<S>;
  using V = typename IO::vec_t;
  constexpr bool kVector = kFloating<S> || std::is_same_v<S, int32_t> || std::is_same_v<S, int64_t>;
  if constexpr (kVector) {
    using I = std::conditional_t<sizeof(A) == 4, int32_t, int64_t>;  // a row index per lane
    using VI = vec::Vectorized<I>;
    static_assert(VI::size() == V::size());
    constexpr int64_t W = V::size(), kMaxVecs = kMaxColumnBlock / W;
    const int64_t nvec = (width + W - 1) / W;
    auto load = [&](const S* q, int64_t j) {
      const int64_t left = width - j * W;
      return left >= W ? IO::load(q + j * W) : IO::load(q + j * W, int(left));
    };
    V acc[kMaxVecs];
    VI idx[kMaxVecs];  // indexed: the row of acc; values only: the NaN mask
    for (int64_t j = 0; j < nvec; ++j) {
      acc[j] = load(p, j);
      if constexpr (Indices || !kFloating<S>) idx[j] = VI(I(0));
      else idx[j] = vec::cast<I>(acc[j] != acc[j]);
    }
    auto step = [](V& a, VI& ix, const V& x, const VI& rv) {  // row rv's x into a column's running state
      if constexpr (Indices) {
        V take = IsMax ? x > a : x < a;
        if constexpr (kFloating<S>) take = take | ((x != x) & (a == a));
        a = vec::blendv(a, x, take);
        ix = vec::blendv(ix, rv, vec::cast<I>(take));
      } else {
        a = vec_better<IsMax>(a, x);
        if constexpr (kFloating<S>) ix = ix | vec::cast<I>(x != x);
      }
    };
    // Blocks of rows, kRunVecs vectors of columns at a time held in registers down a block's rows
    // (stepping all of acc row by row kept it in memory: a load and a store per vector and row).
    // Each column still meets its rows in order. Each run asks for the next block's rows as it goes.
    constexpr int64_t kBlockRows = kColumnBlockRows, kRunVecs = 4;
    for (int64_t r0 = 1; r0 < rows; r0 += kBlockRows) {
      const int64_t r1 = std::min(rows, r0 + kBlockRows);
      int64_t j0 = 0;
      for (; (j0 + kRunVecs) * W <= width; j0 += kRunVecs) {
        V a[kRunVecs];
        VI ix[kRunVecs];
        for (int64_t u = 0; u < kRunVecs; ++u) { a[u] = acc[j0 + u]; ix[u] = idx[j0 + u]; }
        for (int64_t r = r0; r < r1; ++r) {
          const S* row = p + r * cols + j0 * W;
          prefetch_next_block(row, r, rows, cols, kRunVecs * W);
          const VI rv(static_cast<I>(r));
          for (int64_t u = 0; u < kRunVecs; ++u) step(a[u], ix[u], IO::load(row + u * W), rv);
        }
        for (int64_t u = 0; u < kRunVecs; ++u) { acc[j0 + u] = a[u]; idx[j0 + u] = ix[u]; }
      }
      for (int64_t r = r0; j0 < nvec && r < r1; ++r) {  // the last columns: row by row
        prefetch_next_block(p + r * cols + j0 * W, r, rows, cols, width - j0 * W);
        const VI rv(static_cast<I>(r));
        for (int64_t j = j0; j < nvec; ++j) step(acc[j], idx[j], load(p + r * cols, j), rv);
      }
    }
    for (int64_t j = 0; j < nvec; ++j) {
      A a[W];
      I ix[W];
      acc[j].store(a);
      idx[j].store(ix);
      for (int64_t l = 0; l < std::min(W, width - j * W); ++l) {
        const int64_t c = j * W + l;
        if constexpr (Indices) {
          indices[c] = int64_t(ix[l]);
          values[c] = p[int64_t(ix[l]) * cols + c];  // the element itself (a NaN keeps its bits)
        } else if (ix[l] != 0) {  // a NaN somewhere in the column: the first one
          int64_t r = 0;
          while (!is_nan(A(p[r * cols + c]))) ++r;
          values[c] = p[r * cols + c];
        } else {
          values[c] = S(a[l]);
        }
      }
    }
  } else {
    // int8, uint8 (and bool), int16: no NaN and no signed zero, so both modes are "the first
    // strictly better element".
    A acc[kMaxColumnBlock];
    int64_t idx[kMaxColumnBlock];
    for (int64_t c = 0; c < width; ++c) { acc[c] = p[c]; idx[c] = 0; }
    for (int64_t r = 1; r < rows; ++r) {
      const S* row = p + r * cols;
      for (int64_t c = 0; c < width; ++c) {
        const bool take = IsMax ? row[c] > acc[c] : row[c] < acc[c];
        acc[c] = take ? row[c] : acc[c];
        idx[c] = take ? r : idx[c];
      }
    }
    for (int64_t c = 0; c < width; ++c) {
      values[c] = acc[c];
      if (Indices) indices[c] = idx[c];
    }
  }
}

// ----------------------------------------------------------------------------- kernels

// values_out: the output the values go to (aminmax's max: 1).
template <bool IsMax, bool Values, bool Indices>
void extreme_kernel(const Reduction& r, int values_out = 0) {
  r.check_nonempty();  // no identity: an empty slice is an error, like PyTorch
  if (r.outer() == 0) return;
  dispatch_all(r.compute_dtype(), r.op(), [&]<typename T>() {
    using S = storage_t<T>;
    S* values = Values ? static_cast<S*>(r.output(values_out).data_ptr()) : nullptr;
    int64_t* indices = Indices ? r.output(Values ? 1 : 0).data<int64_t>() : nullptr;
    const Reduction::Columns cl = r.columns();
    // Column layout, read in place (int32 lane indices cover any realistic row count; beyond it
    // the rows path below takes over).
    if (cl.cols > 1 && (sizeof(cmp_t<S>) == 8 || r.inner() <= std::numeric_limits<int32_t>::max())) {
      const S* in = static_cast<const S*>(cl.data->data_ptr());
      const int64_t rows = r.inner(), cols = cl.cols;
      for_each_column_block(cl.groups, rows, cols, [&](int64_t g, int64_t c0, int64_t c1) {
        S vbuf[kMaxColumnBlock];
        const int64_t o = g * cols + c0, width = c1 - c0;
        column_block<IsMax, Indices>(in + g * rows * cols + c0, rows, cols, width, vbuf, Indices ? indices + o : nullptr);
        if (Values) std::copy(vbuf, vbuf + width, values + o);
      });
      return;
    }
    const S* in = static_cast<const S*>(r.input().data_ptr());
    const int64_t n = r.inner();
    for_each_row(r, [&](int64_t i) {
      const RowResult<S> res = row_extreme<IsMax>(in + i * n, n, Indices);
      if (Values) values[i] = res.value;
      if (Indices) indices[i] = res.index;
    });
  });
}

// all / any read the input in its own dtype: an element is true when it is nonzero (NaN is; -0 is
// not). Floating elements are tested on their bits without the sign bit, so every loop is an
// integer loop the compiler vectorizes.
template <typename S, size_t Size = sizeof(S)>
struct truth_bits;
template <typename S> struct truth_bits<S, 1> { using type = uint8_t; };
template <typename S> struct truth_bits<S, 2> { using type = uint16_t; };
template <typename S> struct truth_bits<S, 4> { using type = uint32_t; };
template <typename S> struct truth_bits<S, 8> { using type = uint64_t; };

template <typename S>
struct Truth {
  using U = typename truth_bits<S>::type;
  static constexpr U kMask = kFloating<S> ? U(~(U(1) << (8 * sizeof(U) - 1))) : U(~U(0));
};

// Whether p[0, n) holds a nonzero (Any) or a zero (!Any) element: blocks of 1024, stopping at the
// first block with one (the answer no longer depends on the rest). Whole blocks are a loop of a
// fixed count, which -O2 vectorizes (a block ending at min(n, k0 + 1024) stayed scalar: `all` of
// 4M floats took twice `sum`'s time).
template <bool Any, typename S>
bool range_has(const S* p, int64_t n) {
  if constexpr (std::is_same_v<S, float> || std::is_same_v<S, double>) {
    // One compare per vector (x == 0 holds for -0.0, and NaN != 0), four vectors ORed per step:
    // `all` of 4M float32 on one thread went from 0.86x to 0.97x sum's read rate (the bit test
    // below takes an AND, an integer compare and an OR per vector).
    using V = vec::Vectorized<S>;
    constexpr int64_t W = V::size(), kBlock = 1024;
    const V zero(S(0));
    auto hit = [&](const V& x) { return Any ? x != zero : x == zero; };
    // Two streams (see two_streams): half a block from [0, m) and half from [m, 2m) a step.
    constexpr int64_t kHalf = kBlock / 2;
    const int64_t m = two_streams<kHalf>(n);
    for (int64_t k0 = 0; k0 < m; k0 += kHalf) {
      V acc(S(0));  // no lane set
      for (int64_t k = k0; k < k0 + kHalf; k += 2 * W)
        acc = acc | (hit(V::loadu(p + k)) | hit(V::loadu(p + k + W))) |
              (hit(V::loadu(p + m + k)) | hit(V::loadu(p + m + k + W)));
      if (vec::any(acc)) return true;
    }
    int64_t k0 = 2 * m;
    for (; k0 + kBlock <= n; k0 += kBlock) {
      V acc(S(0));  // no lane set
      for (int64_t k = k0; k < k0 + kBlock; k += 4 * W)
        acc = acc | (hit(V::loadu(p + k)) | hit(V::loadu(p + k + W))) |
              (hit(V::loadu(p + k + 2 * W)) | hit(V::loadu(p + k + 3 * W)));
      if (vec::any(acc)) return true;
    }
    bool found = false;
    for (int64_t k = k0; k < n; ++k) found |= Any ? p[k] != S(0) : p[k] == S(0);
    return found;
  }
  using U = typename Truth<S>::U;
  constexpr U mask = Truth<S>::kMask;
  const U* q = reinterpret_cast<const U*>(p);
  constexpr int64_t kBlock = 1024;
  auto hit = [](U v) -> U { return Any ? U(v & mask) : U((v & mask) == 0); };
  int64_t k0 = 0;
  for (; k0 + kBlock <= n; k0 += kBlock) {
    U any_hit = 0;
    for (int64_t k = 0; k < kBlock; ++k) any_hit |= hit(q[k0 + k]);
    if (any_hit) return true;
  }
  U any_hit = 0;
  for (int64_t k = k0; k < n; ++k) any_hit |= hit(q[k]);
  return any_hit != 0;
}

template <bool All>
void logical_kernel(const Reduction& r) {
  uint8_t* out = static_cast<uint8_t*>(r.output(0).data_ptr());  // bool, or uint8 for uint8 input
  if (r.outer() == 0) return;
  dispatch_all(r.compute_dtype(), r.op(), [&]<typename T>() {
    using S = storage_t<T>;
    using U = typename Truth<S>::U;
    constexpr U mask = Truth<S>::kMask;
    const Reduction::Columns cl = r.columns();
    if (cl.cols > 1) {  // per column: AND / OR of the rows' truth, row by row along memory
      const U* in = static_cast<const U*>(cl.data->data_ptr());
      const int64_t rows = r.inner(), cols = cl.cols;
      for_each_column_block(cl.groups, rows, cols, [&](int64_t g, int64_t c0, int64_t c1) {
        // all: an OR of "is zero" flags; any: an OR of the elements' bits (nonzero: some element
        // is). Accumulators as wide as the elements keep the inner loop one vector operation.
        U acc[kMaxColumnBlock];
        const int64_t width = c1 - c0;
        const U* p = in + g * rows * cols + c0;
        std::fill(acc, acc + width, U(0));
        for (int64_t row = 0; row < rows; ++row) {
          const U* q = p + row * cols;
          for (int64_t c = 0; c < width; ++c) acc[c] |= All ? U((q[c] & mask) == 0) : U(q[c] & mask);
        }
        for (int64_t c = 0; c < width; ++c) out[g * cols + c0 + c] = uint8_t(All ? acc[c] == 0 : acc[c] != 0);
      });
      return;
    }
    const S* in = static_cast<const S*>(r.input().data_ptr());
    const int64_t n = r.inner();
    // all: no zero; any: a nonzero. Long rows: chunks across threads, the others stop once one
    // chunk has decided (the answer is the same whichever chunk finds it).
    for_each_row(r, [&](int64_t i) {
      const S* p = in + i * n;
      std::atomic<bool> decided{false};
      const int64_t nchunks = (n + kChunk - 1) / kChunk;
      parallel_for(0, nchunks, 1, [&](int64_t begin, int64_t end) {
        for (int64_t c = begin; c < end && !decided.load(std::memory_order_relaxed); ++c)
          if (range_has<!All>(p + c * kChunk, std::min(kChunk, n - c * kChunk))) decided.store(true);
      });
      out[i] = uint8_t(All ? !decided.load() : decided.load());
    });
  });
}

}  // namespace

void max_all_kernel(const Reduction& r) { extreme_kernel<true, true, false>(r); }
void min_all_kernel(const Reduction& r) { extreme_kernel<false, true, false>(r); }
void amax_kernel(const Reduction& r) { extreme_kernel<true, true, false>(r); }
void amin_kernel(const Reduction& r) { extreme_kernel<false, true, false>(r); }
void max_dim_kernel(const Reduction& r) { extreme_kernel<true, true, true>(r); }
void min_dim_kernel(const Reduction& r) { extreme_kernel<false, true, true>(r); }
void argmax_kernel(const Reduction& r) { extreme_kernel<true, false, true>(r); }
void argmin_kernel(const Reduction& r) { extreme_kernel<false, false, true>(r); }
// Columns: amin's and amax's column passes; rows and whole tensors: one pass for both.
void aminmax_kernel(const Reduction& r) {
  if (r.columns().cols > 1) {
    extreme_kernel<false, true, false>(r, 0);
    extreme_kernel<true, true, false>(r, 1);
    return;
  }
  r.check_nonempty();
  if (r.outer() == 0) return;
  dispatch_all(r.compute_dtype(), r.op(), [&]<typename T>() {
    using S = storage_t<T>;
    S* lo = static_cast<S*>(r.output(0).data_ptr());
    S* hi = static_cast<S*>(r.output(1).data_ptr());
    const S* in = static_cast<const S*>(r.input().data_ptr());
    const int64_t n = r.inner();
    for_each_row(r, [&](int64_t i) { std::tie(lo[i], hi[i]) = row_minmax(in + i * n, n); });
  });
}
void all_kernel(const Reduction& r) { logical_kernel<true>(r); }
void any_kernel(const Reduction& r) { logical_kernel<false>(r); }

}  // namespace tg::native::CPU_CAPABILITY
