#pragma once
// AVX2 specializations of Vectorized<float|double|int32_t|int64_t> (__m256, __m256d, __m256i).
// Included by vec.h when the translation unit is compiled with -mavx2 -mfma (and not AVX-512).
// The API is the one documented in vec_base.h.
#include <immintrin.h>

#include "aten/vec/vec_base.h"

namespace tg::vec {
inline namespace CPU_CAPABILITY {

// One specialization per element type: R is the register type, PT the pointer type LOAD takes.
#define TG_VEC256_CLASS(T, R, PT, LOAD, STORE, SET1)                                              \
  template <>                                                                                 \
  class Vectorized<T> {                                                                       \
   public:                                                                                    \
    using value_type = T;                                                                     \
    using register_type = R;  /* the intrinsic type, for in_register (vec.h) */              \
    static constexpr int kSize = 32 / int(sizeof(T));                                         \
    static constexpr int size() { return kSize; }                                             \
    Vectorized() = default;                                                                   \
    Vectorized(R v) : v_(v) {}                                                                \
    Vectorized(T s) : v_(SET1(s)) {}                                                          \
    operator R() const { return v_; }                                                         \
    static Vectorized loadu(const void* p) { return LOAD(reinterpret_cast<const PT*>(p)); }   \
    static Vectorized loadu(const void* p, int count) {                                       \
      alignas(32) T buf[kSize] = {};                                                          \
      std::memcpy(buf, p, size_t(count) * sizeof(T));                                         \
      return LOAD(reinterpret_cast<const PT*>(buf));                                           \
    }                                                                                         \
    void store(void* p) const { STORE(reinterpret_cast<PT*>(p), v_); }                         \
    void store(void* p, int count) const {                                                    \
      alignas(32) T buf[kSize];                                                               \
      STORE(reinterpret_cast<PT*>(buf), v_);                                                   \
      std::memcpy(p, buf, size_t(count) * sizeof(T));                                         \
    }                                                                                         \
    T operator[](int i) const {                                                               \
      alignas(32) T buf[kSize];                                                               \
      store(buf);                                                                             \
      return buf[i];                                                                          \
    }                                                                                         \
                                                                                              \
   private:                                                                                   \
    R v_;                                                                                     \
  };
TG_VEC256_CLASS(float, __m256, float, _mm256_loadu_ps, _mm256_storeu_ps, _mm256_set1_ps)
TG_VEC256_CLASS(double, __m256d, double, _mm256_loadu_pd, _mm256_storeu_pd, _mm256_set1_pd)
TG_VEC256_CLASS(int32_t, __m256i, __m256i, _mm256_loadu_si256, _mm256_storeu_si256, _mm256_set1_epi32)
TG_VEC256_CLASS(int64_t, __m256i, __m256i, _mm256_loadu_si256, _mm256_storeu_si256, _mm256_set1_epi64x)
#undef TG_VEC256_CLASS

// ------------------------------------------------------------------------------ floating point
#define TG_VEC256_FLOAT_OPS(T, P)                                                             \
  using V##P = Vectorized<T>;                                                                 \
  inline V##P operator+(const V##P& a, const V##P& b) { return _mm256_add_##P(a, b); }        \
  inline V##P operator-(const V##P& a, const V##P& b) { return _mm256_sub_##P(a, b); }        \
  inline V##P operator*(const V##P& a, const V##P& b) { return _mm256_mul_##P(a, b); }        \
  inline V##P operator/(const V##P& a, const V##P& b) { return _mm256_div_##P(a, b); }        \
  inline V##P operator&(const V##P& a, const V##P& b) { return _mm256_and_##P(a, b); }        \
  inline V##P operator|(const V##P& a, const V##P& b) { return _mm256_or_##P(a, b); }         \
  inline V##P operator^(const V##P& a, const V##P& b) { return _mm256_xor_##P(a, b); }        \
  inline V##P andnot(const V##P& a, const V##P& b) { return _mm256_andnot_##P(b, a); }        \
  inline V##P operator-(const V##P& a) { return _mm256_xor_##P(a, _mm256_set1_##P(T(-0.0))); } \
  inline V##P operator==(const V##P& a, const V##P& b) { return _mm256_cmp_##P(a, b, _CMP_EQ_OQ); }  \
  inline V##P operator!=(const V##P& a, const V##P& b) { return _mm256_cmp_##P(a, b, _CMP_NEQ_UQ); } \
  inline V##P operator<(const V##P& a, const V##P& b) { return _mm256_cmp_##P(a, b, _CMP_LT_OQ); }   \
  inline V##P operator<=(const V##P& a, const V##P& b) { return _mm256_cmp_##P(a, b, _CMP_LE_OQ); }  \
  inline V##P operator>(const V##P& a, const V##P& b) { return _mm256_cmp_##P(a, b, _CMP_GT_OQ); }   \
  inline V##P operator>=(const V##P& a, const V##P& b) { return _mm256_cmp_##P(a, b, _CMP_GE_OQ); }  \
  inline V##P blendv(const V##P& a, const V##P& b, const V##P& m) { return _mm256_blendv_##P(a, b, m); } \
  inline bool any(const V##P& m) { return _mm256_movemask_##P(m) != 0; }                      \
  inline bool all_less(const V##P& a, const V##P& b) { return _mm256_movemask_##P(_mm256_cmp_##P(a, b, _CMP_NLT_UQ)) == 0; } \
  inline V##P maximum(const V##P& a, const V##P& b) {                                         \
    return _mm256_blendv_##P(_mm256_max_##P(a, b), _mm256_add_##P(a, b), _mm256_cmp_##P(a, b, _CMP_UNORD_Q)); \
  }                                                                                           \
  inline V##P minimum(const V##P& a, const V##P& b) {                                         \
    return _mm256_blendv_##P(_mm256_min_##P(a, b), _mm256_add_##P(a, b), _mm256_cmp_##P(a, b, _CMP_UNORD_Q)); \
  }                                                                                           \
  inline V##P clamp_min(const V##P& x, const V##P& lo) { return _mm256_max_##P(lo, x); }       \
  inline V##P clamp_max(const V##P& x, const V##P& hi) { return _mm256_min_##P(hi, x); }       \
  inline V##P abs(const V##P& a) { return _mm256_andnot_##P(_mm256_set1_##P(T(-0.0)), a); }   \
  inline V##P sqrt(const V##P& a) { return _mm256_sqrt_##P(a); }                              \
  inline V##P rsqrt(const V##P& a) { return _mm256_div_##P(_mm256_set1_##P(T(1)), _mm256_sqrt_##P(a)); } \
  inline V##P floor(const V##P& a) { return _mm256_round_##P(a, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC); } \
  inline V##P ceil(const V##P& a) { return _mm256_round_##P(a, _MM_FROUND_TO_POS_INF | _MM_FROUND_NO_EXC); }  \
  inline V##P round(const V##P& a) { return _mm256_round_##P(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); } \
  inline V##P trunc(const V##P& a) { return _mm256_round_##P(a, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC); } \
  inline V##P fmadd(const V##P& a, const V##P& b, const V##P& c) { return _mm256_fmadd_##P(a, b, c); } \
  inline V##P fnmadd(const V##P& a, const V##P& b, const V##P& c) { return _mm256_fnmadd_##P(a, b, c); }
TG_VEC256_FLOAT_OPS(float, ps)
TG_VEC256_FLOAT_OPS(double, pd)
#undef TG_VEC256_FLOAT_OPS

// Horizontal reductions: 256 -> 128 bits, then within the 128-bit lane (fixed order).
inline float reduce_add(const Vectorized<float>& a) {
  __m128 v = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
  v = _mm_add_ps(v, _mm_movehl_ps(v, v));
  return _mm_cvtss_f32(_mm_add_ss(v, _mm_movehdup_ps(v)));
}
inline double reduce_add(const Vectorized<double>& a) {
  __m128d v = _mm_add_pd(_mm256_castpd256_pd128(a), _mm256_extractf128_pd(a, 1));
  return _mm_cvtsd_f64(_mm_add_sd(v, _mm_unpackhi_pd(v, v)));
}
inline float reduce_max(const Vectorized<float>& a) {
  Vectorized<float> v = maximum(a, _mm256_permute2f128_ps(a, a, 1));
  v = maximum(v, _mm256_permute_ps(v, 0x4e));
  v = maximum(v, _mm256_permute_ps(v, 0xb1));
  return _mm256_cvtss_f32(v);
}
inline double reduce_max(const Vectorized<double>& a) {
  Vectorized<double> v = maximum(a, _mm256_permute2f128_pd(a, a, 1));
  v = maximum(v, _mm256_permute_pd(v, 0x5));
  return _mm256_cvtsd_f64(v);
}

// ---------------------------------------------------------------------------------- integers
#define TG_VEC256_INT_OPS(T, E)                                                               \
  using V##E = Vectorized<T>;                                                                 \
  inline V##E operator+(const V##E& a, const V##E& b) { return _mm256_add_##E(a, b); }       \
  inline V##E operator-(const V##E& a, const V##E& b) { return _mm256_sub_##E(a, b); }       \
  inline V##E operator-(const V##E& a) { return _mm256_sub_##E(_mm256_setzero_si256(), a); }  \
  inline V##E operator&(const V##E& a, const V##E& b) { return _mm256_and_si256(a, b); }      \
  inline V##E operator|(const V##E& a, const V##E& b) { return _mm256_or_si256(a, b); }       \
  inline V##E operator^(const V##E& a, const V##E& b) { return _mm256_xor_si256(a, b); }      \
  inline V##E andnot(const V##E& a, const V##E& b) { return _mm256_andnot_si256(b, a); }      \
  inline V##E operator==(const V##E& a, const V##E& b) { return _mm256_cmpeq_##E(a, b); }     \
  inline V##E operator>(const V##E& a, const V##E& b) { return _mm256_cmpgt_##E(a, b); }      \
  inline V##E operator<(const V##E& a, const V##E& b) { return _mm256_cmpgt_##E(b, a); }      \
  inline V##E operator!=(const V##E& a, const V##E& b) { return ~__m256i(a == b); }           \
  inline V##E operator>=(const V##E& a, const V##E& b) { return ~__m256i(a < b); }            \
  inline V##E operator<=(const V##E& a, const V##E& b) { return ~__m256i(a > b); }            \
  inline V##E blendv(const V##E& a, const V##E& b, const V##E& m) { return _mm256_blendv_epi8(a, b, m); } \
  inline bool any(const V##E& m) { return !_mm256_testz_si256(m, m); }                        \
  inline bool all_less(const V##E& a, const V##E& b) { return _mm256_testc_si256(_mm256_cmpgt_##E(b, a), _mm256_set1_epi32(-1)); } \
  inline V##E maximum(const V##E& a, const V##E& b) { return blendv(a, b, a < b); }           \
  inline V##E minimum(const V##E& a, const V##E& b) { return blendv(a, b, b < a); }           \
  inline V##E clamp_min(const V##E& x, const V##E& lo) { return maximum(lo, x); }             \
  inline V##E clamp_max(const V##E& x, const V##E& hi) { return minimum(hi, x); }             \
  inline V##E abs(const V##E& a) { return blendv(a, -a, a < V##E(T(0))); }                    \
  template <int N> inline V##E slli(const V##E& a) { return _mm256_slli_##E(a, N); }          \
  template <int N> inline V##E srli(const V##E& a) { return _mm256_srli_##E(a, N); }          \
  inline T reduce_add(const V##E& a) {                                                        \
    alignas(32) T buf[V##E::size()];                                                          \
    a.store(buf);                                                                             \
    for (int w = V##E::size() / 2; w > 0; w /= 2)                                             \
      for (int i = 0; i < w; ++i) buf[i] = T(uint64_t(buf[i]) + uint64_t(buf[i + w]));       \
    return buf[0];                                                                            \
  }                                                                                           \
  inline T reduce_max(const V##E& a) {                                                        \
    alignas(32) T buf[V##E::size()];                                                          \
    a.store(buf);                                                                             \
    return *std::max_element(buf, buf + V##E::size());                                        \
  }
TG_VEC256_INT_OPS(int32_t, epi32)
TG_VEC256_INT_OPS(int64_t, epi64)
#undef TG_VEC256_INT_OPS
inline Vectorized<int32_t> operator*(const Vectorized<int32_t>& a, const Vectorized<int32_t>& b) {
  return _mm256_mullo_epi32(a, b);
}
// AVX2 has no 64-bit multiply: the low 64 bits of the product (wrapping, like the scalar kernels)
// from 32-bit halves, lo(a) * lo(b) + ((lo(a) * hi(b) + hi(a) * lo(b)) << 32).
inline Vectorized<int64_t> operator*(const Vectorized<int64_t>& a, const Vectorized<int64_t>& b) {
  const __m256i a_hi = _mm256_srli_epi64(a, 32), b_hi = _mm256_srli_epi64(b, 32);
  const __m256i cross = _mm256_add_epi64(_mm256_mul_epu32(a, b_hi), _mm256_mul_epu32(a_hi, b));
  return _mm256_add_epi64(_mm256_mul_epu32(a, b), _mm256_slli_epi64(cross, 32));
}
// table[idx & 7]: vpermps reads the low three bits of each index.
inline Vectorized<float> lookup8(const float (&table)[8], const Vectorized<int32_t>& idx) {
  return _mm256_permutevar8x32_ps(_mm256_loadu_ps(table), idx);
}
// table[idx & 15]: each half's vpermps reads the low three bits, bit 3 picks the half.
inline Vectorized<float> lookup16(const float (&table)[16], const Vectorized<int32_t>& idx) {
  const __m256 low = _mm256_permutevar8x32_ps(_mm256_loadu_ps(table), idx);
  const __m256 high = _mm256_permutevar8x32_ps(_mm256_loadu_ps(table + 8), idx);
  return _mm256_blendv_ps(low, high, _mm256_castsi256_ps(_mm256_slli_epi32(idx, 28)));
}
// a * b for lanes that hold values in int32's range (one multiply instead of operator*'s three).
inline Vectorized<int64_t> mul_int32_range(const Vectorized<int64_t>& a, const Vectorized<int64_t>& b) {
  return _mm256_mul_epi32(a, b);
}

}  // namespace CPU_CAPABILITY
}  // namespace tg::vec
