#pragma once
// AVX-512 specializations of Vectorized<float|double|int32_t|int64_t> (__m512, __m512d, __m512i).
// Included by vec.h when compiled with -mavx512f -mavx512dq -mavx512bw -mavx512vl. Masks are kept
// as full vectors (all bits set per lane) so the API matches vec_base.h; the compares convert from
// the k-registers (vpmovm2d, AVX512DQ), any() back to them; blendv is a bitwise select.
#include <immintrin.h>

#include "aten/vec/vec_base.h"

namespace tg::vec {
inline namespace CPU_CAPABILITY {

// MASK is the __mmask type for kSize lanes; tails use masked loads and stores.
#define TG_VEC512_CLASS(T, R, MASK, LOAD, MLOAD, STORE, MSTORE, SET1)                         \
  template <>                                                                                 \
  class Vectorized<T> {                                                                       \
   public:                                                                                    \
    using value_type = T;                                                                     \
    using register_type = R;  /* the intrinsic type, for in_register (vec.h) */              \
    static constexpr int kSize = 64 / int(sizeof(T));                                         \
    static constexpr int size() { return kSize; }                                             \
    Vectorized() = default;                                                                   \
    Vectorized(R v) : v_(v) {}                                                                \
    Vectorized(T s) : v_(SET1(s)) {}                                                          \
    operator R() const { return v_; }                                                         \
    static MASK tail_mask(int count) { return MASK((uint64_t(1) << count) - 1); }             \
    static Vectorized loadu(const void* p) { return LOAD(p); }                                \
    static Vectorized loadu(const void* p, int count) { return MLOAD(tail_mask(count), p); }  \
    void store(void* p) const { STORE(p, v_); }                                               \
    void store(void* p, int count) const { MSTORE(p, tail_mask(count), v_); }                 \
    T operator[](int i) const {                                                               \
      alignas(64) T buf[kSize];                                                               \
      store(buf);                                                                             \
      return buf[i];                                                                          \
    }                                                                                         \
                                                                                              \
   private:                                                                                   \
    R v_;                                                                                     \
  };
TG_VEC512_CLASS(float, __m512, __mmask16, _mm512_loadu_ps, _mm512_maskz_loadu_ps, _mm512_storeu_ps,
                _mm512_mask_storeu_ps, _mm512_set1_ps)
TG_VEC512_CLASS(double, __m512d, __mmask8, _mm512_loadu_pd, _mm512_maskz_loadu_pd, _mm512_storeu_pd,
                _mm512_mask_storeu_pd, _mm512_set1_pd)
TG_VEC512_CLASS(int32_t, __m512i, __mmask16, _mm512_loadu_si512, _mm512_maskz_loadu_epi32,
                _mm512_storeu_si512, _mm512_mask_storeu_epi32, _mm512_set1_epi32)
TG_VEC512_CLASS(int64_t, __m512i, __mmask8, _mm512_loadu_si512, _mm512_maskz_loadu_epi64,
                _mm512_storeu_si512, _mm512_mask_storeu_epi64, _mm512_set1_epi64)
#undef TG_VEC512_CLASS

// k-register <-> full-vector masks.
inline __mmask16 kmask(const Vectorized<float>& m) { return _mm512_movepi32_mask(_mm512_castps_si512(m)); }
inline __mmask8 kmask(const Vectorized<double>& m) { return _mm512_movepi64_mask(_mm512_castpd_si512(m)); }
inline __mmask16 kmask(const Vectorized<int32_t>& m) { return _mm512_movepi32_mask(m); }
inline __mmask8 kmask(const Vectorized<int64_t>& m) { return _mm512_movepi64_mask(m); }

// blendv as a bitwise select (one vpternlogd) rather than vpmovd2m + vblendm: masks are full
// lanes (vec_base.h's contract), so the two agree, and the select keeps the mask out of the
// k-registers. On cores with two 512-bit pipes (Intel) the round trip cost a uop and latency per
// blend.
inline __m512i select_bits(__m512i m, __m512i b, __m512i a) { return _mm512_ternarylogic_epi32(m, b, a, 0xCA); }

// ------------------------------------------------------------------------------ floating point
// E is the integer lane suffix of the same width (epi32 / epi64), C the cast suffix.
#define TG_VEC512_FLOAT_OPS(T, P, E, C)                                                       \
  using V##P = Vectorized<T>;                                                                 \
  inline V##P vmask_##P(__mmask16 k) { return _mm512_cast##C##_##P(_mm512_movm_##E(k)); }     \
  inline V##P operator+(const V##P& a, const V##P& b) { return _mm512_add_##P(a, b); }        \
  inline V##P operator-(const V##P& a, const V##P& b) { return _mm512_sub_##P(a, b); }        \
  inline V##P operator*(const V##P& a, const V##P& b) { return _mm512_mul_##P(a, b); }        \
  inline V##P operator/(const V##P& a, const V##P& b) { return _mm512_div_##P(a, b); }        \
  inline V##P operator&(const V##P& a, const V##P& b) { return _mm512_and_##P(a, b); }        \
  inline V##P operator|(const V##P& a, const V##P& b) { return _mm512_or_##P(a, b); }         \
  inline V##P operator^(const V##P& a, const V##P& b) { return _mm512_xor_##P(a, b); }        \
  inline V##P andnot(const V##P& a, const V##P& b) { return _mm512_andnot_##P(b, a); }        \
  inline V##P operator-(const V##P& a) { return _mm512_xor_##P(a, _mm512_set1_##P(T(-0.0))); } \
  inline V##P operator==(const V##P& a, const V##P& b) { return vmask_##P(_mm512_cmp_##P##_mask(a, b, _CMP_EQ_OQ)); }  \
  inline V##P operator!=(const V##P& a, const V##P& b) { return vmask_##P(_mm512_cmp_##P##_mask(a, b, _CMP_NEQ_UQ)); } \
  inline V##P operator<(const V##P& a, const V##P& b) { return vmask_##P(_mm512_cmp_##P##_mask(a, b, _CMP_LT_OQ)); }   \
  inline V##P operator<=(const V##P& a, const V##P& b) { return vmask_##P(_mm512_cmp_##P##_mask(a, b, _CMP_LE_OQ)); }  \
  inline V##P operator>(const V##P& a, const V##P& b) { return vmask_##P(_mm512_cmp_##P##_mask(a, b, _CMP_GT_OQ)); }   \
  inline V##P operator>=(const V##P& a, const V##P& b) { return vmask_##P(_mm512_cmp_##P##_mask(a, b, _CMP_GE_OQ)); }  \
  inline V##P blendv(const V##P& a, const V##P& b, const V##P& m) { return _mm512_castsi512_##P(select_bits(_mm512_cast##P##_si512(m), _mm512_cast##P##_si512(b), _mm512_cast##P##_si512(a))); } \
  inline bool any(const V##P& m) { return kmask(m) != 0; }                                    \
  inline bool all_less(const V##P& a, const V##P& b) { return _mm512_cmp_##P##_mask(a, b, _CMP_NLT_UQ) == 0; } \
  /* NaN lanes: a + b (the NaN x86 keeps), added under the mask into the max: three operations */ \
  inline V##P maximum(const V##P& a, const V##P& b) {                                         \
    return _mm512_mask_add_##P(_mm512_max_##P(a, b), _mm512_cmp_##P##_mask(a, b, _CMP_UNORD_Q), a, b); \
  }                                                                                           \
  inline V##P minimum(const V##P& a, const V##P& b) {                                         \
    return _mm512_mask_add_##P(_mm512_min_##P(a, b), _mm512_cmp_##P##_mask(a, b, _CMP_UNORD_Q), a, b); \
  }                                                                                           \
  inline V##P clamp_min(const V##P& x, const V##P& lo) { return _mm512_max_##P(lo, x); }       \
  inline V##P clamp_max(const V##P& x, const V##P& hi) { return _mm512_min_##P(hi, x); }       \
  inline V##P abs(const V##P& a) { return _mm512_andnot_##P(_mm512_set1_##P(T(-0.0)), a); }   \
  inline V##P sqrt(const V##P& a) { return _mm512_sqrt_##P(a); }                              \
  inline V##P rsqrt(const V##P& a) { return _mm512_div_##P(_mm512_set1_##P(T(1)), _mm512_sqrt_##P(a)); } \
  inline V##P floor(const V##P& a) { return _mm512_roundscale_##P(a, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC); } \
  inline V##P ceil(const V##P& a) { return _mm512_roundscale_##P(a, _MM_FROUND_TO_POS_INF | _MM_FROUND_NO_EXC); }  \
  inline V##P round(const V##P& a) { return _mm512_roundscale_##P(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); } \
  inline V##P trunc(const V##P& a) { return _mm512_roundscale_##P(a, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC); } \
  inline V##P fmadd(const V##P& a, const V##P& b, const V##P& c) { return _mm512_fmadd_##P(a, b, c); } \
  inline V##P fnmadd(const V##P& a, const V##P& b, const V##P& c) { return _mm512_fnmadd_##P(a, b, c); }
TG_VEC512_FLOAT_OPS(float, ps, epi32, si512)
TG_VEC512_FLOAT_OPS(double, pd, epi64, si512)
#undef TG_VEC512_FLOAT_OPS

// Horizontal reductions by halving (512 -> 256 -> 128 -> scalar), a fixed order.
inline float reduce_add(const Vectorized<float>& a) {
  __m256 h = _mm256_add_ps(_mm512_castps512_ps256(a), _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(a), 1)));
  __m128 v = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
  v = _mm_add_ps(v, _mm_movehl_ps(v, v));
  return _mm_cvtss_f32(_mm_add_ss(v, _mm_movehdup_ps(v)));
}
inline double reduce_add(const Vectorized<double>& a) {
  __m256d h = _mm256_add_pd(_mm512_castpd512_pd256(a), _mm512_extractf64x4_pd(a, 1));
  __m128d v = _mm_add_pd(_mm256_castpd256_pd128(h), _mm256_extractf128_pd(h, 1));
  return _mm_cvtsd_f64(_mm_add_sd(v, _mm_unpackhi_pd(v, v)));
}
inline float reduce_max(const Vectorized<float>& a) {
  Vectorized<float> v = maximum(a, _mm512_shuffle_f32x4(a, a, 0x4e));
  v = maximum(v, _mm512_shuffle_f32x4(v, v, 0xb1));
  v = maximum(v, _mm512_permute_ps(v, 0x4e));
  v = maximum(v, _mm512_permute_ps(v, 0xb1));
  return _mm512_cvtss_f32(v);
}
inline double reduce_max(const Vectorized<double>& a) {
  Vectorized<double> v = maximum(a, _mm512_shuffle_f64x2(a, a, 0x4e));
  v = maximum(v, _mm512_shuffle_f64x2(v, v, 0xb1));
  v = maximum(v, _mm512_permute_pd(v, 0x55));
  return _mm512_cvtsd_f64(v);
}

// ---------------------------------------------------------------------------------- integers
#define TG_VEC512_INT_OPS(T, E)                                                               \
  using V##E = Vectorized<T>;                                                                 \
  inline V##E vmask_##E(__mmask16 k) { return _mm512_movm_##E(k); }                           \
  inline V##E operator+(const V##E& a, const V##E& b) { return _mm512_add_##E(a, b); }        \
  inline V##E operator-(const V##E& a, const V##E& b) { return _mm512_sub_##E(a, b); }        \
  inline V##E operator*(const V##E& a, const V##E& b) { return _mm512_mullo_##E(a, b); }      \
  inline V##E operator-(const V##E& a) { return _mm512_sub_##E(_mm512_setzero_si512(), a); }  \
  inline V##E operator&(const V##E& a, const V##E& b) { return _mm512_and_si512(a, b); }      \
  inline V##E operator|(const V##E& a, const V##E& b) { return _mm512_or_si512(a, b); }       \
  inline V##E operator^(const V##E& a, const V##E& b) { return _mm512_xor_si512(a, b); }      \
  inline V##E andnot(const V##E& a, const V##E& b) { return _mm512_andnot_si512(b, a); }      \
  inline V##E operator==(const V##E& a, const V##E& b) { return vmask_##E(_mm512_cmpeq_##E##_mask(a, b)); }  \
  inline V##E operator!=(const V##E& a, const V##E& b) { return vmask_##E(_mm512_cmpneq_##E##_mask(a, b)); } \
  inline V##E operator<(const V##E& a, const V##E& b) { return vmask_##E(_mm512_cmplt_##E##_mask(a, b)); }   \
  inline V##E operator<=(const V##E& a, const V##E& b) { return vmask_##E(_mm512_cmple_##E##_mask(a, b)); }  \
  inline V##E operator>(const V##E& a, const V##E& b) { return vmask_##E(_mm512_cmpgt_##E##_mask(a, b)); }   \
  inline V##E operator>=(const V##E& a, const V##E& b) { return vmask_##E(_mm512_cmpge_##E##_mask(a, b)); }  \
  inline V##E blendv(const V##E& a, const V##E& b, const V##E& m) { return select_bits(m, b, a); }                  \
  inline bool any(const V##E& m) { return kmask(m) != 0; }                                    \
  inline bool all_less(const V##E& a, const V##E& b) { return _mm512_cmpge_##E##_mask(a, b) == 0; } \
  inline V##E maximum(const V##E& a, const V##E& b) { return _mm512_max_##E(a, b); }          \
  inline V##E minimum(const V##E& a, const V##E& b) { return _mm512_min_##E(a, b); }          \
  inline V##E clamp_min(const V##E& x, const V##E& lo) { return _mm512_max_##E(lo, x); }       \
  inline V##E clamp_max(const V##E& x, const V##E& hi) { return _mm512_min_##E(hi, x); }       \
  inline V##E abs(const V##E& a) { return _mm512_abs_##E(a); }                                \
  template <int N> inline V##E slli(const V##E& a) { return _mm512_slli_##E(a, N); }          \
  template <int N> inline V##E srli(const V##E& a) { return _mm512_srli_##E(a, N); }          \
  inline T reduce_add(const V##E& a) { return _mm512_reduce_add_##E(a); }                     \
  inline T reduce_max(const V##E& a) { return _mm512_reduce_max_##E(a); }
TG_VEC512_INT_OPS(int32_t, epi32)
TG_VEC512_INT_OPS(int64_t, epi64)
#undef TG_VEC512_INT_OPS
// table[idx & 7]: the 8 entries broadcast to both halves of a 16-entry vpermps table, so that
// only the low three bits of each index count, as in the AVX2 and portable builds.
inline Vectorized<float> lookup8(const float (&table)[8], const Vectorized<int32_t>& idx) {
  return _mm512_permutexvar_ps(idx, _mm512_broadcast_f32x8(_mm256_loadu_ps(table)));
}
// table[idx & 15]: one vpermps, which reads the low four bits of each index.
inline Vectorized<float> lookup16(const float (&table)[16], const Vectorized<int32_t>& idx) {
  return _mm512_permutexvar_ps(idx, _mm512_loadu_ps(table));
}
// a * b for lanes that hold values in int32's range (vpmuldq: faster than vpmullq).
inline Vectorized<int64_t> mul_int32_range(const Vectorized<int64_t>& a, const Vectorized<int64_t>& b) {
  return _mm512_mul_epi32(a, b);
}

}  // namespace CPU_CAPABILITY
}  // namespace tg::vec
