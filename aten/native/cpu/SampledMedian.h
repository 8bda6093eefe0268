#pragma once
// median() of one long row, the value alone, without sorting or selecting among all its elements
// (Floyd and Rivest's sampling): SortKernel.cpp's median kernel calls sampled_median for rows of
// at least kSampledMedianMin elements and falls back to its exact (key, index) selection where
// this returns nothing. Included only by SortKernel.cpp, inside its per-ISA namespace.
//
//   1. A sample of kMedianSample elements (one from each of as many equal strides of the row, at
//      a fixed pseudo-random place inside its stride, so a periodic pattern cannot fool it) gives
//      two pivots lo <= hi whose sample ranks lie ~4 standard deviations either side of the
//      median's.
//   2. One pass over the row, split across threads in fixed chunks, counts the elements below lo,
//      equal to lo and equal to hi, and keeps those in (lo, hi) (~3 % of a row of distinct
//      values; copies of the pivots are counted, not kept, so a row of a few repeated values
//      keeps few).
//      Branch-free: compares on vectors, and the kept lanes of a vector are packed with one
//      permute (AVX2) or compress-store (AVX-512).
//   3. The median is lo or hi itself, or the right one of the kept values: the pass also counts them
//      in 2048 bins of their ascending keys (per chunk, while they are in L1), so only the kept
//      values of the median's bin (~100 of 134K for 4M normal floats) go to a selection
//      (nth_element over all kept values took 1.5 of 3.3 ms).
//
// The kept values' order does not matter, so neither do the threads, and the result is the
// median's value whatever path found it. It returns nothing when the row holds a NaN (the median
// is then the first NaN), when the pivots missed the median (the exact path answers), and when
// the median is zero (-0.0 and 0.0 are equal keys; the stable order decides which one is there).
#include <array>
#include <bit>
#include <cstdint>
#include <mutex>
#include <optional>
#include <vector>

#include "aten/parallel/Parallel.h"
#include "aten/vec/vec.h"

namespace tg::native::CPU_CAPABILITY {

constexpr int64_t kSampledMedianMin = int64_t(1) << 18;
constexpr int64_t kMedianSample = 16384;

// The element types sampled_median takes: those read as 4- or 8-byte vector lanes (float16 and
// bfloat16 as float). The 1- and 2-byte integers keep the exact path.
template <typename T>
inline constexpr bool kSampledMedianType = !std::is_integral_v<T> || std::is_same_v<T, int32_t> ||
                                           std::is_same_v<T, int64_t>;

namespace median_detail {

// Lane permutations that move the set lanes of a mask to the front, in order: entry m lists the
// set lanes of m, then the rest. 8 lanes of 32 bits, or 4 lanes of 64 bits as pairs of 32.
template <int kLanes>
constexpr std::array<std::array<int32_t, 8>, (1 << kLanes)> make_pack_table() {
  std::array<std::array<int32_t, 8>, (1 << kLanes)> table{};
  constexpr int kParts = 8 / kLanes;  // 32-bit parts per lane
  for (int m = 0; m < (1 << kLanes); ++m) {
    int at = 0;
    for (int pass = 0; pass < 2; ++pass)
      for (int lane = 0; lane < kLanes; ++lane)
        if (bool((m >> lane) & 1) == (pass == 0))
          for (int part = 0; part < kParts; ++part) table[size_t(m)][size_t(at++)] = lane * kParts + part;
  }
  return table;
}

// The lanes of a mask as bits (lane j -> bit j).
template <typename V>
inline unsigned lane_bits(const V& mask) {
  using A = typename V::value_type;
#if defined(TG_VEC_AVX512)
  if constexpr (sizeof(A) == 4 || sizeof(A) == 8) return unsigned(vec::kmask(mask));
#elif defined(TG_VEC_AVX2)
  if constexpr (std::is_same_v<A, float>) return unsigned(_mm256_movemask_ps(mask));
  else if constexpr (std::is_same_v<A, double>) return unsigned(_mm256_movemask_pd(mask));
  else if constexpr (sizeof(A) == 4) return unsigned(_mm256_movemask_ps(_mm256_castsi256_ps(mask)));
  else if constexpr (sizeof(A) == 8) return unsigned(_mm256_movemask_pd(_mm256_castsi256_pd(mask)));
#endif
  bool flags[V::size()];
  vec::store_mask(flags, mask);
  unsigned bits = 0;
  for (int j = 0; j < V::size(); ++j) bits |= unsigned(flags[j]) << j;
  return bits;
}

// Writes x's lanes whose bit is set in `bits` (lane_bits) to out[0, count) in lane order and
// returns count; writes up to V::size() elements (out needs that much room past the packed ones).
template <typename V>
inline int pack_lanes(typename V::value_type* out, const V& x, unsigned bits) {
  using A = typename V::value_type;
  constexpr int W = V::size();
#if defined(TG_VEC_AVX512)
  if constexpr (std::is_same_v<A, float>) _mm512_mask_compressstoreu_ps(out, __mmask16(bits), x);
  else if constexpr (std::is_same_v<A, double>) _mm512_mask_compressstoreu_pd(out, __mmask8(bits), x);
  else if constexpr (std::is_same_v<A, int32_t>) _mm512_mask_compressstoreu_epi32(out, __mmask16(bits), x);
  else if constexpr (std::is_same_v<A, int64_t>) _mm512_mask_compressstoreu_epi64(out, __mmask8(bits), x);
  if constexpr (sizeof(A) == 4 || sizeof(A) == 8) return std::popcount(bits);
#elif defined(TG_VEC_AVX2)
  if constexpr (sizeof(A) == 4 || sizeof(A) == 8) {
    static constexpr auto kTable = make_pack_table<W>();
    __m256i lanes;
    if constexpr (std::is_same_v<A, float>) lanes = _mm256_castps_si256(x);
    else if constexpr (std::is_same_v<A, double>) lanes = _mm256_castpd_si256(x);
    else lanes = x;
    const __m256i perm = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kTable[bits].data()));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), _mm256_permutevar8x32_epi32(lanes, perm));
    return std::popcount(bits);
  }
#endif
  A lanes[W];
  x.store(lanes);
  int used = 0;
  for (int j = 0; j < W; ++j) {  // every lane is written, the count moves past the set ones
    out[used] = lanes[j];
    used += (bits >> j) & 1;
  }
  return used;
}

// An unsigned key in the order of the values, branch-free (Sorting.h's sort_key branches on the
// sign, a coin flip around a median of signed data). -0.0 keys below 0.0, which cannot change
// which value a rank selects, only which zero, and a zero median goes to the exact path anyway.
template <typename A>
inline auto select_key(A v) {
  using K = std::conditional_t<sizeof(A) == 8, uint64_t, uint32_t>;
  constexpr K kSign = K(1) << (sizeof(K) * 8 - 1);
  const K bits = std::bit_cast<K>(v);
  if constexpr (std::is_integral_v<A>) {
    return K(bits ^ kSign);
  } else {
    using S = std::make_signed_t<K>;
    return K(bits ^ (K(S(bits) >> (sizeof(K) * 8 - 1)) | kSign));
  }
}

// The t-th smallest (0-based) of a[0, m) by select_key (no NaN among them); reorders a.
// Each round counts the keys' offsets from the smallest in 2048 bins of equal width, keeps the
// bin holding rank t at the front, and goes on with it: a bin spans at most 1/1024 of the range,
// so rounds are few (two for 134K floats around a median), and equal keys end in one bin.
constexpr int kBinBits = 11;  // 2048 bins

template <typename A>
A radix_select(A* a, int64_t m, int64_t t) {
  using K = decltype(select_key(A()));
  std::vector<int64_t> counts;
  while (m > 256) {
    K lo = select_key(a[0]), hi = lo;
    for (int64_t i = 1; i < m; ++i) {
      const K key = select_key(a[i]);
      lo = key < lo ? key : lo;
      hi = key > hi ? key : hi;
    }
    if (lo == hi) return a[0];
    const int shift = std::max(0, int(std::bit_width(K(hi - lo))) - kBinBits);
    counts.assign(size_t((K(hi - lo) >> shift) + 1), 0);
    for (int64_t i = 0; i < m; ++i) ++counts[size_t(K(select_key(a[i]) - lo) >> shift)];
    size_t bin = 0;
    for (; t >= counts[bin]; ++bin) t -= counts[bin];
    int64_t kept = 0;
    for (int64_t i = 0; i < m; ++i)
      if (size_t(K(select_key(a[i]) - lo) >> shift) == bin) a[kept++] = a[i];
    m = kept;
  }
  std::nth_element(a, a + t, a + m, [](A x, A y) { return select_key(x) < select_key(y); });
  return a[t];
}

// A fixed pseudo-random offset in [0, stride) for sample j (splitmix64's mix).
inline int64_t sample_offset(int64_t j, int64_t stride) {
  uint64_t z = uint64_t(j) + 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return int64_t((z ^ (z >> 31)) % uint64_t(stride));
}

}  // namespace median_detail

// The lower median of p[0, n) (n >= kMedianSample), or nothing (see the top of this file).
template <typename T>
std::optional<T> sampled_median(const T* p, int64_t n) {
  using IO = vec::VecIO<T>;
  using V = typename IO::vec_t;
  using A = typename V::value_type;  // float for float16 / bfloat16
  constexpr bool kFloat = !std::is_integral_v<A>;
  constexpr int64_t W = V::size();
  using I = std::conditional_t<sizeof(A) == 4, int32_t, int64_t>;  // lane counters (< 2^16 each)
  using VI = vec::Vectorized<I>;
  const int64_t k = (n - 1) / 2;

  // 1. pivots
  // (read by all threads: each read is a cache miss, and a TLB miss every few)
  std::vector<A> sample(static_cast<size_t>(kMedianSample)), copy(static_cast<size_t>(kMedianSample));
  const int64_t stride = n / kMedianSample;
  parallel_for(0, kMedianSample, kMedianSample / 8, [&](int64_t begin, int64_t end) {
    for (int64_t j = begin; j < end; ++j) sample[size_t(j)] = A(p[j * stride + median_detail::sample_offset(j, stride)]);
  });
  if constexpr (kFloat) {
    bool nan = false;
    for (const A v : sample) nan |= v != v;
    if (nan) return std::nullopt;
  }
  // A sample rank's standard deviation is sqrt(m p (1 - p)) <= sqrt(m) / 2.
  const int64_t r = int64_t(double(k) / double(n) * double(kMedianSample));
  const int64_t spread = 4 * int64_t(std::sqrt(double(kMedianSample)) / 2) + 1;
  const int64_t lo_r = std::max<int64_t>(0, r - spread), hi_r = std::min<int64_t>(kMedianSample - 1, r + spread);
  copy = sample;
  const A lo = median_detail::radix_select(copy.data(), kMedianSample, lo_r);
  const A hi = median_detail::radix_select(sample.data(), kMedianSample, hi_r);

  // 2. one pass: counts below lo, at lo and at hi, NaN, and the values in (lo, hi) packed into
  // each chunk's list and counted in 2048 bins of equal key width. Their keys lie in
  // (key_lo, key_hi): they compare strictly between lo and hi, so neither is a zero of the
  // other sign (-0.0 keys below 0.0 but compares equal to it).
  using median_detail::select_key;
  using K = decltype(select_key(A()));
  const K key_lo = select_key(lo), key_hi = select_key(hi);
  const int shift = std::max(0, int(std::bit_width(K(key_hi - key_lo))) - median_detail::kBinBits);
  const int64_t nbins = int64_t(K(key_hi - key_lo) >> shift) + 1;
  auto bin_of = [&](A v) { return int64_t(K(select_key(v) - key_lo) >> shift); };

  constexpr int64_t kChunk = int64_t(1) << 16;
  const int64_t chunks = (n + kChunk - 1) / kChunk;
  std::vector<int64_t> total(static_cast<size_t>(nbins));  // the bins' counts, all threads
  std::mutex total_mutex;
  std::vector<int64_t> below(static_cast<size_t>(chunks)), at_lo(static_cast<size_t>(chunks)),
      at_hi(static_cast<size_t>(chunks));
  std::vector<char> has_nan(static_cast<size_t>(chunks));
  std::vector<std::vector<A>> kept(static_cast<size_t>(chunks));
  parallel_for(0, chunks, 1, [&](int64_t begin, int64_t end) {
    std::vector<A> buf(static_cast<size_t>(kChunk + W));
    std::vector<int32_t> counts(static_cast<size_t>(nbins));  // this task's bins
    const V vlo(lo), vhi(hi);
    for (int64_t c = begin; c < end; ++c) {
      const T* q = p + c * kChunk;
      const int64_t len = std::min(kChunk, n - c * kChunk);
      int64_t used = 0, i = 0;
      VI lanes_below(I(0)), lanes_at(I(0)), lanes_hi(I(0));  // per lane; a set mask lane is -1
      unsigned nans = 0;
      for (; i + W <= len; i += W) {
        using median_detail::lane_bits;
        const V x = IO::load(q + i);
        lanes_below = lanes_below - vec::cast<I>(x < vlo);
        lanes_at = lanes_at - vec::cast<I>(x == vlo);
        lanes_hi = lanes_hi - vec::cast<I>(x == vhi);
        if constexpr (kFloat) nans |= lane_bits(x != x);
        used += median_detail::pack_lanes(buf.data() + used, x, lane_bits((x > vlo) & (x < vhi)));
      }
      // Copies: the counters' own addresses never escape, so they stay in registers in the loop
      // (the pack's may-alias vector stores could reach an addressable one: a store-to-load chain).
      const VI below_lanes = lanes_below, at_lanes = lanes_at, hi_lanes = lanes_hi;
      int64_t n_below = vec::reduce_add(below_lanes), n_at = vec::reduce_add(at_lanes), n_hi = vec::reduce_add(hi_lanes);
      bool tail_nan = false;
      for (; i < len; ++i) {
        const A v = A(q[i]);
        n_below += v < lo;
        n_at += v == lo;
        n_hi += v == hi;
        tail_nan |= v != v;
        if (v > lo && v < hi) buf[size_t(used++)] = v;
      }
      kept[size_t(c)].assign(buf.begin(), buf.begin() + used);
      for (int64_t j = 0; j < used; ++j) ++counts[size_t(bin_of(buf[size_t(j)]))];  // while in L1
      below[size_t(c)] = n_below;
      at_lo[size_t(c)] = n_at;
      at_hi[size_t(c)] = n_hi;
      has_nan[size_t(c)] = nans != 0 || tail_nan;
    }
    const std::lock_guard<std::mutex> lock(total_mutex);  // integer sums: any order, same counts
    for (int64_t b = 0; b < nbins; ++b) total[size_t(b)] += counts[size_t(b)];
  });
  int64_t n_below = 0, n_at = 0, n_hi = 0, n_kept = 0;
  for (int64_t c = 0; c < chunks; ++c) {
    if (has_nan[size_t(c)]) return std::nullopt;
    n_below += below[size_t(c)];
    n_at += at_lo[size_t(c)];
    n_hi += at_hi[size_t(c)];
    n_kept += int64_t(kept[size_t(c)].size());
  }
  if (lo == hi) n_hi = 0;  // the same elements as n_at

  // 3. the median: lo, hi, or a selection among the kept values
  if (k < n_below || k >= n_below + n_at + n_kept + n_hi) return std::nullopt;  // the pivots missed (rare)
  A m = lo;
  if (k >= n_below + n_at + n_kept) {
    m = hi;
  } else if (k >= n_below + n_at) {
    // the bin holding the median, then a selection among the kept values in that bin
    int64_t t = k - n_below - n_at, bin = 0;
    for (; t >= total[size_t(bin)]; ++bin) t -= total[size_t(bin)];
    std::vector<std::vector<A>> chunk_in_bin(static_cast<size_t>(chunks));
    parallel_for(0, chunks, 1, [&](int64_t begin, int64_t end) {
      for (int64_t c = begin; c < end; ++c)
        for (const A v : kept[size_t(c)])
          if (bin_of(v) == bin) chunk_in_bin[size_t(c)].push_back(v);
    });
    std::vector<A> in_bin;
    in_bin.reserve(size_t(total[size_t(bin)]));
    for (const auto& values : chunk_in_bin) in_bin.insert(in_bin.end(), values.begin(), values.end());
    m = median_detail::radix_select(in_bin.data(), int64_t(in_bin.size()), t);
  }
  if (kFloat && m == A(0)) return std::nullopt;
  return T(m);
}

}  // namespace tg::native::CPU_CAPABILITY
