#pragma once
// Vectorized<T> for this translation unit's instruction set (DESIGN.md §6, "SIMD"): include this
// header, not vec_base.h / vec256.h / vec512.h directly. Everything lives in
// tg::vec::CPU_CAPABILITY (inline), so each per-ISA build of a kernel file gets its own copy.
//
// Also here: VecIO<T>, the loads and stores a kernel uses for element type T. For float, double
// and the integer types it is Vectorized<T> itself; float16 and bfloat16 are loaded into
// Vectorized<float> (computed in float, DESIGN.md §6) and stored back rounded to nearest even,
// bit-identical to tg::Half / tg::BFloat16's scalar conversions for every input bit pattern, NaN
// payloads included: the scalar float16 conversions follow F16C's NaN rules (vcvtph2ps quiets a
// signalling NaN, vcvtps2ph keeps the payload's upper bits), so the vector loads and stores are
// one instruction each (a per-vector NaN check cost float16 kernels up to 2x: abs of 4M halves).
// Vectorized math (exp, log, ...) is in vec_math.h; bool <-> mask conversions in vec_mask.h.
#include "aten/core/Half.h"
#include "aten/vec/isa.h"

#if defined(__AVX512F__) && defined(__AVX512DQ__) && defined(__AVX512BW__) && defined(__AVX512VL__)
#define TG_VEC_AVX512 1
#include "aten/vec/vec512.h"
#elif defined(__AVX2__) && defined(__FMA__)
#define TG_VEC_AVX2 1
#include "aten/vec/vec256.h"
#else
#include "aten/vec/vec_base.h"
#endif

namespace tg::vec {
inline namespace CPU_CAPABILITY {

// v, pinned to a register. GCC folds a loaded vector into every instruction that uses it as a
// memory operand, so a value used three times is read three times: NaN-propagating maximum
// (max, unordered compare, masked add) of an operand not aligned to a cache line split six lines
// per vector instead of two, 1.23 against 0.81 ms for a [2048, 2048] float32 maximum on one Zen 5
// thread (add: 0.77). vec_loop loads through this; for the portable Vectorized it is v.
template <typename V>
[[gnu::always_inline]] inline V in_register(V v) {
#if defined(__AVX2__)
  if constexpr (requires { typename V::register_type; }) {
    typename V::register_type r = v;
#if defined(__AVX512F__)
    asm("" : "+v"(r));  // any of the 32 vector registers
#else
    asm("" : "+x"(r));
#endif
    return V(r);
  }
#endif
  return v;
}

template <typename T>
struct VecIO {
  using vec_t = Vectorized<T>;
  static vec_t load(const T* p) { return vec_t::loadu(p); }
  static vec_t load(const T* p, int count) { return vec_t::loadu(p, count); }
  static void store(T* p, const vec_t& v) { v.store(p); }
  static void store(T* p, const vec_t& v, int count) { v.store(p, count); }
  // two consecutive full vectors (a and then b): one narrowing for both where that is cheaper
  static void store2(T* p, const vec_t& a, const vec_t& b) {
    a.store(p);
    b.store(p + vec_t::size());
  }
  static constexpr bool kInterleavedPair = false;  // see HalfVecIO
};

namespace detail {
// Half / BFloat16 <-> float for one full vector; the tails go through a buffer.
template <typename H> inline Vectorized<float> load_half_full(const H* p);
template <typename H> inline void store_half_full(H* p, const Vectorized<float>& v);

#if defined(__AVX2__) && defined(__F16C__)
// Eight float16 / bfloat16 <-> eight floats in 256 bits: AVX2's Vectorized<float> conversions,
// and under AVX-512 too for a buffer that scalar code reads and writes between the conversions
// (half_to_float_buffer below).
// float -> bfloat16 bits (in the low 16 bits of each int32 lane): round to nearest even, NaN ->
// 0x7fc0, exactly like detail::float_to_bf16_bits (AVX-512's store below does the same in place).
inline __m256i bf16_round8(__m256 v) {
  const __m256i bits = _mm256_castps_si256(v);
  const __m256i odd = _mm256_and_si256(_mm256_srli_epi32(bits, 16), _mm256_set1_epi32(1));
  const __m256i rounded = _mm256_srli_epi32(_mm256_add_epi32(_mm256_add_epi32(bits, _mm256_set1_epi32(0x7fff)), odd), 16);
  return _mm256_blendv_epi8(rounded, _mm256_set1_epi32(0x7fc0), _mm256_castps_si256(_mm256_cmp_ps(v, v, _CMP_UNORD_Q)));
}
inline __m256 load_half8(const Half* p) { return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))); }
inline __m256 load_half8(const BFloat16* p) {
  const __m256i w = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  return _mm256_castsi256_ps(_mm256_slli_epi32(w, 16));
}
inline void store_half8(Half* p, __m256 v) {
  _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT));
}
inline void store_half8(BFloat16* p, __m256 v) {
  const __m256i r = _mm256_permute4x64_epi64(_mm256_packus_epi32(bf16_round8(v), bf16_round8(v)), 0xd8);  // fit in 16 bits
  _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm256_castsi256_si128(r));
}
#endif
#if defined(TG_VEC_AVX2)
inline Vectorized<int32_t> bf16_round(const Vectorized<float>& v) { return Vectorized<int32_t>(bf16_round8(v)); }
#endif

#if defined(TG_VEC_AVX512)
template <> inline Vectorized<float> load_half_full(const Half* p) {
  const __m256i h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  return _mm512_cvtph_ps(h);
}
template <> inline void store_half_full(Half* p, const Vectorized<float>& v) {
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), _mm512_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT));
}
// Two vectors into 32 float16 with one 64-byte store: a whole line a store. Storing each half
// on its own (two 32-byte stores a line) held twice the store-buffer entries per line, and an
// output that misses the caches waits on those (a float16 ceil from memory ran ~1.4x slower than
// its computation plus its traffic).
inline void store_half_pair(Half* p, const Vectorized<float>& a, const Vectorized<float>& b) {
  const __m256i lo = _mm512_cvtps_ph(a, _MM_FROUND_TO_NEAREST_INT), hi = _mm512_cvtps_ph(b, _MM_FROUND_TO_NEAREST_INT);
  _mm512_storeu_si512(p, _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1));
}
template <> inline Vectorized<float> load_half_full(const BFloat16* p) {
  __m512i w = _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
  return _mm512_castsi512_ps(_mm512_slli_epi32(w, 16));
}
// float -> bfloat16 bits in the low 16 bits of each int32 lane, exactly like AVX2's bf16_round,
// with AVX-512's k-masks: bits + 0x7fff, or + 0x8000 where bit 16 (the kept part's lowest bit)
// is set, and the NaN lanes replaced through a mask register (no vector mask converted back and
// forth: bfloat16 stores ~11 % faster; the same bits).
inline __m512i bf16_round(const Vectorized<float>& v) {
  const __m512i bits = _mm512_castps_si512(v);
  const __mmask16 odd = _mm512_test_epi32_mask(bits, _mm512_set1_epi32(0x10000));
  const __m512i rounded = _mm512_mask_add_epi32(_mm512_add_epi32(bits, _mm512_set1_epi32(0x7fff)), odd, bits,
                                                _mm512_set1_epi32(0x8000));
  return _mm512_mask_mov_epi32(_mm512_srli_epi32(rounded, 16), _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q),
                               _mm512_set1_epi32(0x7fc0));
}
template <> inline void store_half_full(BFloat16* p, const Vectorized<float>& v) {
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), _mm512_cvtepi32_epi16(bf16_round(v)));
}
#define TG_VEC_HALF_PAIR_STORE 1
#define TG_VEC_BF16_INTERLEAVED_PAIR 1
// AVX2's interleaved pair (below) on 512 bits: a = elements 0-3, 8-11, 16-19, 24-27 and b = the
// other quadruples, each 128-bit lane unpacked against zeros and packed back in lane. One load
// and two unpacks for 32 bfloat16 instead of two widening loads and shifts, and one pack instead of
// two two-uop narrowings: 4M bfloat16 on Zen 5, 2 threads: gelu 705 -> 613 us, exp 525 -> 434 us.
inline void load_bf16_pair_interleaved(const BFloat16* p, Vectorized<float>& a, Vectorized<float>& b) {
  const __m512i v = _mm512_loadu_si512(p);
  a = _mm512_castsi512_ps(_mm512_unpacklo_epi16(_mm512_setzero_si512(), v));
  b = _mm512_castsi512_ps(_mm512_unpackhi_epi16(_mm512_setzero_si512(), v));
}
inline void store_bf16_pair_interleaved(BFloat16* p, const Vectorized<float>& a, const Vectorized<float>& b) {
  _mm512_storeu_si512(p, _mm512_packus_epi32(bf16_round(a), bf16_round(b)));
}
// Two vectors in plain order into 32 bfloat16: the in-lane pack, then one permute of its 64-bit
// quarters back into order.
inline void store_bf16_pair(BFloat16* p, const Vectorized<float>& a, const Vectorized<float>& b) {
  const __m512i packed = _mm512_packus_epi32(bf16_round(a), bf16_round(b));
  _mm512_storeu_si512(p, _mm512_permutexvar_epi64(_mm512_setr_epi64(0, 2, 4, 6, 1, 3, 5, 7), packed));
}
#elif defined(TG_VEC_AVX2)
template <> inline Vectorized<float> load_half_full(const Half* p) { return load_half8(p); }
template <> inline void store_half_full(Half* p, const Vectorized<float>& v) { store_half8(p, v); }
// Two vectors into 16 float16 with one 32-byte store (see the AVX-512 one).
inline void store_half_pair(Half* p, const Vectorized<float>& a, const Vectorized<float>& b) {
  const __m128i lo = _mm256_cvtps_ph(a, _MM_FROUND_TO_NEAREST_INT), hi = _mm256_cvtps_ph(b, _MM_FROUND_TO_NEAREST_INT);
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), _mm256_inserti128_si256(_mm256_castsi128_si256(lo), hi, 1));
}
template <> inline Vectorized<float> load_half_full(const BFloat16* p) { return load_half8(p); }
template <> inline void store_half_full(BFloat16* p, const Vectorized<float>& v) { store_half8(p, v); }
#define TG_VEC_HALF_PAIR_STORE 1
#define TG_VEC_BF16_INTERLEAVED_PAIR 1
// Sixteen bfloat16 as two float vectors in an interleaved order: a = elements 0-3 and 8-11, b =
// elements 4-7 and 12-15 (one load; each 128-bit half unpacked against zeros, low and high
// words), and back (the in-lane pack restores the order, no cross-lane permute). For lane-wise
// vector functions only, where the lane order cannot matter: 3 instead of 6 instructions to load
// a pair and one fewer to store it, bfloat16 sin 9 % faster on Zen 2.
inline void load_bf16_pair_interleaved(const BFloat16* p, Vectorized<float>& a, Vectorized<float>& b) {
  const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  a = _mm256_castsi256_ps(_mm256_unpacklo_epi16(_mm256_setzero_si256(), v));
  b = _mm256_castsi256_ps(_mm256_unpackhi_epi16(_mm256_setzero_si256(), v));
}
inline void store_bf16_pair_interleaved(BFloat16* p, const Vectorized<float>& a, const Vectorized<float>& b) {
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), _mm256_packus_epi32(bf16_round(a), bf16_round(b)));
}
// Two vectors into 16 bfloat16: one pack, one lane fix-up and one store for both (the single
// store packs a register with itself and keeps half): 11 % faster bfloat16 outputs.
inline void store_bf16_pair(BFloat16* p, const Vectorized<float>& a, const Vectorized<float>& b) {
  const __m256i r = _mm256_permute4x64_epi64(_mm256_packus_epi32(bf16_round(a), bf16_round(b)), 0xd8);
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), r);
}
#else
template <typename H> inline Vectorized<float> load_half_full(const H* p) {
  Vectorized<float> r;
  for (int i = 0; i < Vectorized<float>::size(); ++i) r.values[i] = float(p[i]);
  return r;
}
template <typename H> inline void store_half_full(H* p, const Vectorized<float>& v) {
  for (int i = 0; i < Vectorized<float>::size(); ++i) p[i] = H(v[i]);
}
#endif

template <typename H>
struct HalfVecIO {
  using vec_t = Vectorized<float>;
  static constexpr int N = vec_t::size();
  [[gnu::always_inline]] static vec_t load(const H* p) { return load_half_full(p); }
  static vec_t load(const H* p, int count) {
    H buf[N] = {};
    std::memcpy(buf, p, size_t(count) * sizeof(H));
    return load_half_full(buf);
  }
  [[gnu::always_inline]] static void store(H* p, const vec_t& v) { store_half_full(p, v); }
  [[gnu::always_inline]] static void store2(H* p, const vec_t& a, const vec_t& b) {
#if defined(TG_VEC_HALF_PAIR_STORE)
    if constexpr (std::is_same_v<H, BFloat16>) return store_bf16_pair(p, a, b);
    else return store_half_pair(p, a, b);
#endif
    store_half_full(p, a);
    store_half_full(p + N, b);
  }
  // Whether load2_interleaved / store2_interleaved exist (bfloat16 on AVX2 and AVX-512): two full vectors in
  // an order only lane-wise functions may see (cpu_kernel_vec's contiguous loop).
#if defined(TG_VEC_BF16_INTERLEAVED_PAIR)
  static constexpr bool kInterleavedPair = std::is_same_v<H, BFloat16>;
  [[gnu::always_inline]] static void load2_interleaved(const H* p, vec_t& a, vec_t& b) {
    load_bf16_pair_interleaved(p, a, b);
  }
  [[gnu::always_inline]] static void store2_interleaved(H* p, const vec_t& a, const vec_t& b) {
    store_bf16_pair_interleaved(p, a, b);
  }
#else
  static constexpr bool kInterleavedPair = false;
#endif
  static void store(H* p, const vec_t& v, int count) {
    H buf[N];
    store_half_full(buf, v);
    std::memcpy(p, buf, size_t(count) * sizeof(H));
  }
};
}  // namespace detail

template <> struct VecIO<Half> : detail::HalfVecIO<Half> {};
template <> struct VecIO<BFloat16> : detail::HalfVecIO<BFloat16> {};

// m float16 / bfloat16 into floats at dst, and m floats back: for a buffer that scalar code
// reads and writes between the two (ScanKernel.cpp's scan of a float16 line). 256-bit
// conversions under AVX-512 as well: on stop 56's Xeon a 512-bit store or load of such a buffer
// made a float16 cumprod of 4M ~2x slower than 256-bit ones (7.4 against 3.5 ms in a harness),
// whichever side was 512 bits wide. The same bits as the scalar conversions of the tails.
template <typename H>
inline void half_to_float_buffer(const H* p, float* dst, int64_t m) {
  int64_t j = 0;
#if defined(__AVX2__) && defined(__F16C__)
  for (; j + 8 <= m; j += 8) _mm256_storeu_ps(dst + j, detail::load_half8(p + j));
#else
  constexpr int64_t W = Vectorized<float>::size();
  for (; j + W <= m; j += W) VecIO<H>::load(p + j).store(dst + j);
#endif
  for (; j < m; ++j) dst[j] = float(p[j]);
}
template <typename H>
inline void float_buffer_to_half(const float* src, H* p, int64_t m) {
  int64_t j = 0;
#if defined(__AVX2__) && defined(__F16C__)
  for (; j + 8 <= m; j += 8) detail::store_half8(p + j, _mm256_loadu_ps(src + j));
#else
  constexpr int64_t W = Vectorized<float>::size();
  for (; j + W <= m; j += W) VecIO<H>::store(p + j, Vectorized<float>::loadu(src + j));
#endif
  for (; j < m; ++j) p[j] = H(src[j]);
}

// step(acc, k) applied to the full vectors k = 0, W, 2W, ... below `full` with four independent
// accumulators (vectors 4i + j into accumulator j, the rest into the first), merged as
// (a0 + a1) + (a2 + a3): a fixed order, so a row's result does not depend on the thread count.
// One chain of dependent adds (4-cycle latency) left a row of 1024 floats latency-bound (AVX2
// layer_norm of [4096, 1024] ran at 0.85x PyTorch); the row kernels of NormLossKernel.cpp and
// SoftmaxKernel.cpp take this.
template <typename V, typename Step, typename Merge>
[[gnu::always_inline]] inline V accumulate4(int64_t full, V init, Step step, Merge merge) {
  constexpr int64_t W = V::size();
  V a0 = init, a1 = init, a2 = init, a3 = init;
  int64_t k = 0;
  for (; k + 4 * W <= full; k += 4 * W) {
    a0 = step(a0, k);
    a1 = step(a1, k + W);
    a2 = step(a2, k + 2 * W);
    a3 = step(a3, k + 3 * W);
  }
  for (; k < full; k += W) a0 = step(a0, k);
  return merge(merge(a0, a1), merge(a2, a3));
}
template <typename V> V add_vectors(const V& a, const V& b) { return a + b; }

}  // namespace CPU_CAPABILITY
}  // namespace tg::vec

#include "aten/vec/vec_mask.h"
#include "aten/vec/vec_math.h"
