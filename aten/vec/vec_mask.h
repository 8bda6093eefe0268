#pragma once
// Bool tensors in vectorized kernels (included by vec.h; include that instead).
//
// A bool element is one byte, 0 or 1; a mask vector (what == < ... return, what blendv takes)
// has every bit of a lane set or clear. Kernels whose output or some input is bool while they
// compute on Vectorized<T> (comparisons: float in, bool out; where: bool condition, T values)
// convert between the two here, size() bools at a time:
//
//   store_mask(p, mask)          writes mask's lanes as size() bools (1 where set)
//   store_mask(p, mask, count)   the first count lanes only (a loop's tail)
//   load_mask<V>(p)              a mask of V from size() bools: a lane is set where its byte != 0
//   load_mask<V>(p, count)       from count bools; the other lanes clear
//
// The portable versions work lane by lane for every Vectorized<T>; the AVX2 / AVX-512 builds
// specialize float, double, int32 and int64 (the types the wide kernels run on) with byte
// packs / k-mask moves. All of them give the same bytes (0 or 1), so results do not depend on
// the capability.
#include <cstring>

namespace tg::vec {
inline namespace CPU_CAPABILITY {

namespace detail {
template <typename V>
inline void store_mask_lanes(bool* p, const V& m, int count) {
  for (int i = 0; i < count; ++i) p[i] = detail::to_bits(m[i]) != 0;
}
template <typename V>
inline V load_mask_lanes(const bool* p, int count) {
  using T = typename V::value_type;
  constexpr int n = V::size();
  alignas(64) T lanes[n];
  for (int i = 0; i < n; ++i) {
    unsigned char byte = 0;
    if (i < count) std::memcpy(&byte, p + i, 1);  // the byte, not the bool: any nonzero counts
    lanes[i] = detail::mask_lane<T>(byte != 0);
  }
  return V::loadu(lanes);
}
}  // namespace detail

// Portable: any Vectorized<T> (overloads below take precedence where they exist).
template <typename V>
inline void store_mask(bool* p, const V& m) { detail::store_mask_lanes(p, m, V::size()); }
template <typename V>
inline V load_mask(const bool* p) { return detail::load_mask_lanes<V>(p, V::size()); }

#if defined(TG_VEC_AVX512)
// 16 lanes (float / int32) <-> 16 bytes; 8 lanes (double / int64) <-> 8 bytes. vpmov*2m takes
// the lanes' sign bits into a k-mask; a masked byte move writes 1 where it is set.
inline void store_mask(bool* p, const Vectorized<float>& m) {
  _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm_maskz_mov_epi8(kmask(m), _mm_set1_epi8(1)));
}
inline void store_mask(bool* p, const Vectorized<int32_t>& m) {
  _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm_maskz_mov_epi8(kmask(m), _mm_set1_epi8(1)));
}
inline void store_mask(bool* p, const Vectorized<double>& m) {
  _mm_storel_epi64(reinterpret_cast<__m128i*>(p), _mm_maskz_mov_epi8(kmask(m), _mm_set1_epi8(1)));
}
inline void store_mask(bool* p, const Vectorized<int64_t>& m) {
  _mm_storel_epi64(reinterpret_cast<__m128i*>(p), _mm_maskz_mov_epi8(kmask(m), _mm_set1_epi8(1)));
}
template <> inline Vectorized<int32_t> load_mask<Vectorized<int32_t>>(const bool* p) {
  __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  return _mm512_movm_epi32(_mm_test_epi8_mask(b, b));
}
template <> inline Vectorized<float> load_mask<Vectorized<float>>(const bool* p) {
  return _mm512_castsi512_ps(load_mask<Vectorized<int32_t>>(p));
}
template <> inline Vectorized<int64_t> load_mask<Vectorized<int64_t>>(const bool* p) {
  __m128i b = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p));
  return _mm512_movm_epi64(__mmask8(_mm_test_epi8_mask(b, b)));
}
template <> inline Vectorized<double> load_mask<Vectorized<double>>(const bool* p) {
  return _mm512_castsi512_pd(load_mask<Vectorized<int64_t>>(p));
}
#elif defined(TG_VEC_AVX2)
// 8 lanes: two signed-saturating packs turn 32-bit -1 / 0 lanes into bytes -1 / 0 (in order:
// the 128-bit halves are packed together first), and 1 is kept of each. 4 lanes: the sign bits
// (movemask) spread to one byte each.
inline void store_mask(bool* p, const Vectorized<int32_t>& m) {
  __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(m), _mm256_extracti128_si256(m, 1));
  __m128i b = _mm_and_si128(_mm_packs_epi16(w, w), _mm_set1_epi8(1));
  _mm_storel_epi64(reinterpret_cast<__m128i*>(p), b);
}
inline void store_mask(bool* p, const Vectorized<float>& m) { store_mask(p, Vectorized<int32_t>(_mm256_castps_si256(m))); }
// The 4 sign bits go to bytes 0-3 by one multiply: bit i times 2^(7i) lands on bit 8i, and the
// other products (bits i + 7j, i != j) fall on distinct bit positions outside 8i, so nothing
// carries and the AND keeps exactly bit 8i (three shifts, ands and ors each were most of an
// int64 compare's work: logical_not of 4M int64, 0.85x PyTorch's time).
inline void store_mask(bool* p, const Vectorized<double>& m) {
  const uint32_t bits = uint32_t(_mm256_movemask_pd(m));
  const uint32_t bytes = (bits * 0x00204081u) & 0x01010101u;
  std::memcpy(p, &bytes, 4);
}
inline void store_mask(bool* p, const Vectorized<int64_t>& m) { store_mask(p, Vectorized<double>(_mm256_castsi256_pd(m))); }
template <> inline Vectorized<int32_t> load_mask<Vectorized<int32_t>>(const bool* p) {
  __m256i w = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)));
  return _mm256_cmpgt_epi32(w, _mm256_setzero_si256());  // bytes are 0..255 once zero-extended
}
template <> inline Vectorized<float> load_mask<Vectorized<float>>(const bool* p) {
  return _mm256_castsi256_ps(load_mask<Vectorized<int32_t>>(p));
}
template <> inline Vectorized<int64_t> load_mask<Vectorized<int64_t>>(const bool* p) {
  int32_t four;
  std::memcpy(&four, p, 4);
  __m256i w = _mm256_cvtepu8_epi64(_mm_cvtsi32_si128(four));
  return _mm256_cmpgt_epi64(w, _mm256_setzero_si256());
}
template <> inline Vectorized<double> load_mask<Vectorized<double>>(const bool* p) {
  return _mm256_castsi256_pd(load_mask<Vectorized<int64_t>>(p));
}
#endif

// Tails: through a buffer of size() bytes, so the wide versions above never touch memory past
// count.
template <typename V>
inline void store_mask(bool* p, const V& m, int count) {
  bool buf[V::size()];
  store_mask(buf, m);
  std::memcpy(p, buf, size_t(count));
}
template <typename V>
inline V load_mask(const bool* p, int count) {
  alignas(16) bool buf[V::size() < 16 ? 16 : V::size()] = {};
  std::memcpy(buf, p, size_t(count));
  return load_mask<V>(buf);
}

}  // namespace CPU_CAPABILITY
}  // namespace tg::vec
