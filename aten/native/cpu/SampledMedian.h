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
//   2. One pass over the row, split across threads in fixed chunks, counts the elements <= lo and
//      those >= hi, and keeps the rest: those in (lo, hi) (~3 % of a row of distinct values) and
//      any NaN, which compares false both ways. Two compares per vector; the kept lanes of a
//      vector are packed with one permute (AVX2) or compress-store (AVX-512), branch-free.
//   3. The median is one of the kept values when its rank falls among theirs: the pass also
//      counts them in 2048 bins of their ascending keys (per chunk, while they are in L1, where a
//      NaN is seen), so only the kept values of the median's bin (~100 of 134K for 4M normal
//      floats, picked by two vector compares) go to a selection (nth_element over all kept
//      values took 1.5 of 3.3 ms). Otherwise it is lo or hi (a row of few distinct values) or the
//      pivots missed: a second pass counts x < lo and x > hi to tell.
//
// The kept values' order does not matter, so neither do the threads, and the result is the
// median's value whatever path found it. It returns nothing when the row holds a NaN (the median
// is then the first NaN), when the pivots missed the median (the exact path answers), and when
// the median is zero (-0.0 and 0.0 are equal keys; the stable order decides which one is there).
#include <array>
#include <bit>
#include <cstdint>
#include <memory>
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
  using A [[maybe_unused]] = typename V::value_type;  // (unused by the portable loop)
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

// A fixed pseudo-random offset in [0, stride) for sample j (splitmix64's mix), scaled by a
// multiply-high rather than a modulo (a 64-bit division per sample was most of the sample's time).
inline int64_t sample_offset(int64_t j, int64_t stride) {
  uint64_t z = uint64_t(j) + 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return int64_t((unsigned __int128)(z ^ (z >> 31)) * uint64_t(stride) >> 64);
}

// The value of a select_key (its inverse).
template <typename A, typename K>
inline A from_select_key(K key) {
  constexpr K kSign = K(1) << (sizeof(K) * 8 - 1);
  using Bits = std::conditional_t<std::is_integral_v<A>, A, K>;
  if constexpr (std::is_integral_v<A>) return std::bit_cast<A>(Bits(key ^ kSign));
  else return std::bit_cast<A>(K((key & kSign) ? key ^ kSign : ~key));
}

// Appends the values of in[0, m) that lie in [vmin, vmax] to out (branch-free, packed as in the
// pass).
template <typename V, typename A = typename V::value_type>
void append_in_range(std::vector<A>& out, const A* in, int64_t m, A vmin, A vmax) {
  constexpr int64_t W = V::size();
  const size_t at = out.size();
  out.resize(at + size_t(m + W));
  A* o = out.data() + at;
  int64_t used = 0, i = 0;
  const V lo(vmin), hi(vmax);
  for (; i + W <= m; i += W) {
    const V x = V::loadu(in + i);
    used += pack_lanes(o + used, x, lane_bits((x >= lo) & (x <= hi)));
  }
  for (; i < m; ++i) {
    o[used] = in[i];
    used += in[i] >= vmin && in[i] <= vmax;
  }
  out.resize(at + size_t(used));
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
  copy = sample;  // (radix_select overwrites its input; the sample is counted below)
  const A lo = median_detail::radix_select(copy.data(), kMedianSample, lo_r);
  copy = sample;
  const A hi = median_detail::radix_select(copy.data(), kMedianSample, hi_r);

  // 2. one pass: counts of x <= lo and of x >= hi; the rest, lo < x < hi and any NaN (which
  // compares false both ways), is kept, packed into each chunk's list, and counted in 2048 bins
  // of equal key width while in L1, where a NaN shows up. Kept values compare strictly between
  // lo and hi, so their keys lie in (key_lo, key_hi) (-0.0 keys below 0.0 but compares equal).
  // When the sample holds copies of a pivot (a row of few distinct values, whose median is then
  // likely a pivot) the pass also counts x < lo and x > hi, which step 3 needs then: two more
  // compares per vector instead of a second pass.
  using median_detail::select_key;
  using K = decltype(select_key(A()));
  const K key_lo = select_key(lo), key_hi = select_key(hi);
  const int shift = std::max(0, int(std::bit_width(K(key_hi - key_lo))) - median_detail::kBinBits);
  const int64_t nbins = int64_t(K(key_hi - key_lo) >> shift) + 1;
  auto bin_of = [&](A v) { return int64_t(K(select_key(v) - key_lo) >> shift); };
  int64_t pivot_copies = 0;
  for (const A v : sample) pivot_copies += (v == lo) + (v == hi);
  const bool count_ties = pivot_copies > 2;

  constexpr int64_t kChunk = int64_t(1) << 16;
  constexpr unsigned kLanes = (1u << W) - 1;
  const int64_t chunks = (n + kChunk - 1) / kChunk;
  std::vector<int64_t> total(static_cast<size_t>(nbins));  // the bins' counts, all threads
  std::mutex total_mutex;
  std::vector<int64_t> at_most_lo(static_cast<size_t>(chunks)), at_least_hi(static_cast<size_t>(chunks));
  std::vector<int64_t> below(static_cast<size_t>(chunks)), above(static_cast<size_t>(chunks));  // count_ties
  std::vector<char> has_nan(static_cast<size_t>(chunks));
  std::vector<std::vector<A>> kept(static_cast<size_t>(chunks));
  auto pass = [&]<bool kTies>(int64_t begin, int64_t end) {
    std::unique_ptr<A[]> buf(new A[size_t(kChunk + W)]);  // (not zeroed: written before read)
    std::vector<int32_t> counts(static_cast<size_t>(nbins));  // this task's bins
    for (int64_t c = begin; c < end; ++c) {
      const T* q = p + c * kChunk;
      const int64_t len = std::min(kChunk, n - c * kChunk);
      int64_t used = 0, i = 0;
      VI lanes_le(I(0)), lanes_ge(I(0)), lanes_lt(I(0)), lanes_gt(I(0));  // per lane; a set mask lane is -1
      // (made here, from copies: the pack's may-alias stores kept pivots made outside the loop in
      // memory, two more loads per vector)
      const A lo_copy = lo, hi_copy = hi;
      const V vlo(lo_copy), vhi(hi_copy);
      for (; i + W <= len; i += W) {
        using median_detail::lane_bits;
        // Asks for the line 1 KB ahead: the pass, with the pack's work between loads, left the
        // hardware prefetcher behind (a pass that only counts ran 1.3 ms against a sum's 1.0
        // over 4M floats; with this at the sum's speed, the whole pass 1.8 -> 1.45 ms).
        __builtin_prefetch(reinterpret_cast<const char*>(q + i) + 1024);
        const V x = IO::load(q + i);
        const V le = x <= vlo, ge = x >= vhi;
        lanes_le = lanes_le - vec::cast<I>(le);
        lanes_ge = lanes_ge - vec::cast<I>(ge);
        if constexpr (kTies) {
          lanes_lt = lanes_lt - vec::cast<I>(x < vlo);
          lanes_gt = lanes_gt - vec::cast<I>(x > vhi);
        }
        const unsigned keep = ~lane_bits(le | ge) & kLanes;
        // A row whose sample holds pivot copies keeps few values or none (its pivots are often
        // equal or adjacent values): a branch taken rarely skips the pack, which costs more than
        // the counting. A row of distinct values keeps a value in ~1 of 4 vectors, a branch
        // mispredicted too often: packed branch-free.
        if constexpr (kTies) {
          if (keep != 0) [[unlikely]] used += median_detail::pack_lanes(buf.get() + used, x, keep);
        } else {
          used += median_detail::pack_lanes(buf.get() + used, x, keep);
        }
      }
      // Copies: the counters' own addresses never escape, so they stay in registers in the loop
      // (the pack's may-alias vector stores could reach an addressable one: a store-to-load chain).
      const VI le_lanes = lanes_le, ge_lanes = lanes_ge, lt_lanes = lanes_lt, gt_lanes = lanes_gt;
      int64_t n_le = vec::reduce_add(le_lanes), n_ge = vec::reduce_add(ge_lanes);
      int64_t n_lt = vec::reduce_add(lt_lanes), n_gt = vec::reduce_add(gt_lanes);
      for (; i < len; ++i) {
        const A v = A(q[i]);
        n_le += v <= lo;
        n_ge += v >= hi;
        n_lt += v < lo;
        n_gt += v > hi;
        if (!(v <= lo) && !(v >= hi)) buf[size_t(used++)] = v;
      }
      bool nan = false;
      // (the bin bounds copied: read through bin_of's references, the counts' stores made the
      // loop load them again for every kept value)
      const K base = key_lo;
      const int bin_shift = shift;
      int32_t* bins = counts.data();
      for (int64_t j = 0; j < used; ++j) {  // while in L1
        const A v = buf[size_t(j)];
        if constexpr (kFloat) {
          if (v != v) {
            nan = true;
            continue;
          }
        }
        ++bins[size_t(K(select_key(v) - base) >> bin_shift)];
      }
      kept[size_t(c)].assign(buf.get(), buf.get() + used);
      at_most_lo[size_t(c)] = n_le;
      at_least_hi[size_t(c)] = n_ge;
      below[size_t(c)] = n_lt;  // (the tail's alone without kTies: unused then)
      above[size_t(c)] = n_gt;
      has_nan[size_t(c)] = nan;
    }
    const std::lock_guard<std::mutex> lock(total_mutex);  // integer sums: any order, same counts
    for (int64_t b = 0; b < nbins; ++b) total[size_t(b)] += counts[size_t(b)];
  };
  parallel_for(0, chunks, 1, [&](int64_t begin, int64_t end) {
    if (count_ties) pass.template operator()<true>(begin, end);
    else pass.template operator()<false>(begin, end);
  });
  int64_t n_le = 0, n_ge = 0, n_kept = 0;
  for (int64_t c = 0; c < chunks; ++c) {
    if (has_nan[size_t(c)]) return std::nullopt;
    n_le += at_most_lo[size_t(c)];
    n_ge += at_least_hi[size_t(c)];
    n_kept += int64_t(kept[size_t(c)].size());
  }

  // 3. the median. Ranks [n_le, n_le + n_kept) are the kept values (lo < hi there). Below them
  // the median is lo or the pivots missed, above them hi or a miss: the counts of x < lo and
  // x > hi tell, from the pass (count_ties) or a second one (a sample that missed, rare). For
  // lo == hi nothing is kept and [below, n - above) is lo.
  A m = lo;
  if (k >= n_le && k < n_le + n_kept) {
    // the bin holding the median, then a selection among the kept values in that bin
    int64_t t = k - n_le, bin = 0;
    for (; t >= total[size_t(bin)]; ++bin) t -= total[size_t(bin)];
    // The bin's keys as values: kept values in [vmin, vmax] are the bin's (keys order the values
    // but for -0.0 < 0.0: a bin bounded by a zero is filtered by key instead).
    const K span = K(key_hi - key_lo), d_lo = K(K(bin) << shift);
    const K d_hi = K(span - d_lo) >> shift == 0 ? span : K(d_lo + ((K(1) << shift) - 1));
    const A vmin = median_detail::from_select_key<A>(K(key_lo + d_lo));
    const A vmax = median_detail::from_select_key<A>(K(key_lo + d_hi));
    const bool by_key = kFloat && (vmin == A(0) || vmax == A(0));
    std::vector<std::vector<A>> chunk_in_bin(static_cast<size_t>(chunks));
    parallel_for(0, chunks, 1, [&](int64_t begin, int64_t end) {
      for (int64_t c = begin; c < end; ++c) {
        const std::vector<A>& values = kept[size_t(c)];
        if (!by_key) {
          median_detail::append_in_range<V>(chunk_in_bin[size_t(c)], values.data(), int64_t(values.size()), vmin, vmax);
        } else {
          for (const A v : values)
            if (bin_of(v) == bin) chunk_in_bin[size_t(c)].push_back(v);
        }
      }
    });
    std::vector<A> in_bin;
    in_bin.reserve(size_t(total[size_t(bin)]));
    for (const auto& values : chunk_in_bin) in_bin.insert(in_bin.end(), values.begin(), values.end());
    m = median_detail::radix_select(in_bin.data(), int64_t(in_bin.size()), t);
  } else {
    if (!count_ties) parallel_for(0, chunks, 1, [&](int64_t begin, int64_t end) {
      const V vlo(lo), vhi(hi);
      for (int64_t c = begin; c < end; ++c) {
        const T* q = p + c * kChunk;
        const int64_t len = std::min(kChunk, n - c * kChunk);
        VI lanes_lt(I(0)), lanes_gt(I(0));
        int64_t i = 0;
        for (; i + W <= len; i += W) {
          const V x = IO::load(q + i);
          lanes_lt = lanes_lt - vec::cast<I>(x < vlo);
          lanes_gt = lanes_gt - vec::cast<I>(x > vhi);
        }
        int64_t n_lt = vec::reduce_add(lanes_lt), n_gt = vec::reduce_add(lanes_gt);
        for (; i < len; ++i) {
          n_lt += A(q[i]) < lo;
          n_gt += A(q[i]) > hi;
        }
        below[size_t(c)] = n_lt;
        above[size_t(c)] = n_gt;
      }
    });
    int64_t n_below = 0, n_above = 0;
    for (int64_t c = 0; c < chunks; ++c) {
      n_below += below[size_t(c)];
      n_above += above[size_t(c)];
    }
    if (k >= n_below && k < n_le) m = lo;
    else if (k >= n - n_ge && k < n - n_above) m = hi;
    else return std::nullopt;  // the pivots missed (rare): the exact path answers
  }
  if (kFloat && m == A(0)) return std::nullopt;
  return T(m);
}

}  // namespace tg::native::CPU_CAPABILITY
