#pragma once
// Philox draws in batches for the CPU random kernels (RandomKernels.cpp, RandomFillKernel.cpp):
//
//   philox_lanes_batch(seed, first_block, bits)  the 64 uint32 draws of 16 consecutive blocks in
//                                                element order (element 4j + k = block j, lane k)
//   normal_batch(seed, first_block, z)           the 64 float32 N(0, 1) values of those blocks
//                                                (randn's element order, aten/core/Generator.h)
//   normal_double_batch(seed, first_block, z)    the 32 float64 N(0, 1) values of those blocks
//
// normal_batch evaluates aten/core/PhiloxNormal.h's transform with Vectorized<float> lanes in the
// AVX2 and AVX-512 builds (VecNormalMath) and one element at a time in the portable build; the
// transform uses only correctly rounded operations, so every build gives the same bits (and so
// does the CUDA kernel). The portable build must not use Vectorized's fmadd there: it is an
// unfused a * b + c.
#include "aten/core/Generator.h"
#include "aten/core/PhiloxNormal.h"
#include "aten/parallel/Parallel.h"
#include "aten/vec/vec.h"

namespace tg::vec {
inline namespace CPU_CAPABILITY {

constexpr int kPhiloxBatch = 16;  // blocks per batch: 64 float draws

#if defined(TG_VEC_AVX512) || defined(TG_VEC_AVX2)
// PhiloxNormal.h's policy over Vectorized<float> / Vectorized<int32_t>.
struct VecNormalMath {
  using F = Vectorized<float>;
  using I = Vectorized<int32_t>;
  static F add(const F& a, const F& b) { return a + b; }
  static F sub(const F& a, const F& b) { return a - b; }
  static F mul(const F& a, const F& b) { return a * b; }
  static F div(const F& a, const F& b) { return a / b; }
  static F fma(const F& a, const F& b, const F& c) { return fmadd(a, b, c); }  // vfmadd: one rounding
  static F sqrt(const F& a) { return vec::sqrt(a); }
#if defined(TG_VEC_AVX512)
  static F to_float(const I& a) { return _mm512_cvtepi32_ps(a); }
  static I srl(const I& a, int n) { return _mm512_srl_epi32(a, _mm_cvtsi32_si128(n)); }
  static I shl(const I& a, int n) { return _mm512_sll_epi32(a, _mm_cvtsi32_si128(n)); }
#else
  static F to_float(const I& a) { return _mm256_cvtepi32_ps(a); }
  static I srl(const I& a, int n) { return _mm256_srl_epi32(a, _mm_cvtsi32_si128(n)); }
  static I shl(const I& a, int n) { return _mm256_sll_epi32(a, _mm_cvtsi32_si128(n)); }
#endif
  static F bits_to_float(const I& a) { return cast<float>(a); }
  static I float_to_bits(const F& a) { return cast<int32_t>(a); }
  static I iadd(const I& a, const I& b) { return a + b; }
  static I isub(const I& a, const I& b) { return a - b; }
  static I iand(const I& a, const I& b) { return a & b; }
  static I ior(const I& a, const I& b) { return a | b; }
  static I ixor(const I& a, const I& b) { return a ^ b; }
  static F fgt(const F& a, const F& b) { return a > b; }
  static F select(const F& mask, const F& a, const F& b) { return blendv(b, a, mask); }
};
#endif

// Philox4x32-10 for the 16 counters first_block + j (subsequence 0), lanes out[lane][j]: the same
// bits as philox::block_batch. The AVX2 / AVX-512 builds run the rounds on 32-bit vector lanes:
// the 32 x 32 -> 64-bit products come from vpmuludq on the even and (shifted) odd lanes and two
// blends, fewer shuffles than GCC's auto-vectorized block_batch (which widens every lane to 64
// bits); tested bit-identical to it.
inline void philox_batch(uint64_t seed, uint64_t first_block, uint32_t (&out)[4][kPhiloxBatch]) {
#if defined(TG_VEC_AVX512) || defined(TG_VEC_AVX2)
  using I = Vectorized<int32_t>;
  constexpr int W = I::size();
  alignas(64) uint32_t lo[kPhiloxBatch], hi[kPhiloxBatch];
  for (int j = 0; j < kPhiloxBatch; ++j) {
    lo[j] = uint32_t(first_block + uint64_t(j));
    hi[j] = uint32_t((first_block + uint64_t(j)) >> 32);
  }
  // (hi, lo) words of a * m for every 32-bit lane.
  auto mulhilo = [](const I& a, uint32_t m, I& h, I& l) {
#if defined(TG_VEC_AVX512)
    const __m512i mv = _mm512_set1_epi32(int32_t(m));
    const __m512i even = _mm512_mul_epu32(a, mv), odd = _mm512_mul_epu32(_mm512_srli_epi64(a, 32), mv);
    h = _mm512_mask_blend_epi32(__mmask16(0xAAAA), _mm512_srli_epi64(even, 32), odd);
    l = _mm512_mask_blend_epi32(__mmask16(0xAAAA), even, _mm512_slli_epi64(odd, 32));
#else
    const __m256i mv = _mm256_set1_epi32(int32_t(m));
    const __m256i even = _mm256_mul_epu32(a, mv), odd = _mm256_mul_epu32(_mm256_srli_epi64(a, 32), mv);
    h = _mm256_blend_epi32(_mm256_srli_epi64(even, 32), odd, 0xAA);
    l = _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xAA);
#endif
  };
  // The batch's vectors (two under AVX2, one under AVX-512) go through the rounds side by side:
  // a round is a chain of dependent multiplies, so one vector after the other left AVX2
  // latency-bound (random_ of 4000 floats, AVX2: 10.6 -> 9.4 us, PyTorch 9.2; the same numbers).
  constexpr int C = kPhiloxBatch / W;
  I c0[C], c1[C], c2[C], c3[C];
  for (int v = 0; v < C; ++v) {
    c0[v] = I::loadu(lo + v * W), c1[v] = I::loadu(hi + v * W), c2[v] = I(0), c3[v] = I(0);
  }
  uint32_t k0 = uint32_t(seed), k1 = uint32_t(seed >> 32);
  for (int r = 0; r < philox::kRounds; ++r) {
    for (int v = 0; v < C; ++v) {
      I hi0, lo0, hi1, lo1;
      mulhilo(c0[v], philox::kM0, hi0, lo0);
      mulhilo(c2[v], philox::kM1, hi1, lo1);
      const I n0 = hi1 ^ c1[v] ^ I(int32_t(k0)), n2 = hi0 ^ c3[v] ^ I(int32_t(k1));
      c1[v] = lo1;
      c3[v] = lo0;
      c0[v] = n0;
      c2[v] = n2;
    }
    k0 += philox::kW0;
    k1 += philox::kW1;
  }
  for (int v = 0; v < C; ++v) {
    c0[v].store(&out[0][v * W]);
    c1[v].store(&out[1][v * W]);
    c2[v].store(&out[2][v * W]);
    c3[v].store(&out[3][v * W]);
  }
#else
  philox::block_batch(seed, first_block, out);
#endif
}

// Calls fn(batch) for every batch of kPhiloxBatch blocks covering nblocks blocks (batch b =
// blocks 16b .. 16b + 15), split across threads in whole batches; grain is in elements at
// per_block elements per block. A value depends only on its block, never on the split.
template <typename F>
inline void for_each_philox_batch(int64_t nblocks, int per_block, int64_t grain, const F& fn) {
  const int64_t nbatches = (nblocks + kPhiloxBatch - 1) / kPhiloxBatch;
  parallel_for(0, nbatches, std::max<int64_t>(1, grain / (kPhiloxBatch * per_block)), [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) fn(b);
  });
}

// The 4 x 16 lanes of blocks first_block .. first_block + 15, transposed to element order.
inline void philox_lanes_batch(uint64_t seed, uint64_t first_block, uint32_t* bits) {
  alignas(64) uint32_t lanes[4][kPhiloxBatch];
  philox_batch(seed, first_block, lanes);
  for (int j = 0; j < kPhiloxBatch; ++j)
    for (int k = 0; k < 4; ++k) bits[4 * j + k] = lanes[k][j];
}

// The batch loop of the uniform fills (rand, uniform_): reserves the counters of n elements of
// type T (4 per block, 2 for double) and calls fn(data + first, u, count) per batch, where u holds
// the batch's uniforms in element order (count of them exist): u[k] = uniform_double of lanes
// (2k, 2k+1) for double, uniform_float<Digits> of lane k otherwise.
template <typename T, int Digits, typename F>
inline void for_each_uniform_batch(GeneratorImpl& gen, int64_t n, int64_t grain, const F& fn) {
  constexpr int per_block = std::is_same_v<T, double> ? 2 : 4;
  constexpr int64_t kBatchElems = int64_t(kPhiloxBatch) * per_block;
  using U = std::conditional_t<std::is_same_v<T, double>, double, float>;
  const int64_t nblocks = (n + per_block - 1) / per_block;
  const PhiloxState st = gen.reserve_state(uint64_t(nblocks));
  for_each_philox_batch(nblocks, per_block, grain, [&](int64_t b) {
    alignas(64) uint32_t bits[4 * kPhiloxBatch];
    philox_lanes_batch(st.seed, st.offset + uint64_t(b) * kPhiloxBatch, bits);
    const int64_t first = b * kBatchElems;
    const int count = int(std::min<int64_t>(kBatchElems, n - first));
    alignas(64) U u[4 * kPhiloxBatch];
    if constexpr (std::is_same_v<T, double>) {
      for (int k = 0; k < count; ++k) u[k] = philox::uniform_double(philox::combine(bits[2 * k], bits[2 * k + 1]));
    } else {
      for (int k = 0; k < 4 * kPhiloxBatch; ++k) u[k] = philox::uniform_float<Digits>(bits[k]);
    }
    fn(first, u, count);
  });
}

// randn's 32 float64 values of blocks first_block .. first_block + 15 into z[0 .. 31]: one block =
// two 53-bit uniforms (lanes 0-1, 2-3) = one Box-Muller pair; element 2j is the cosine value,
// 2j + 1 the sine value (libm in double).
inline void normal_double_batch(uint64_t seed, uint64_t first_block, double* z) {
  alignas(64) uint32_t bits[4 * kPhiloxBatch];
  philox_lanes_batch(seed, first_block, bits);
  for (int k = 0; k < 2 * kPhiloxBatch; k += 2)
    philox::box_muller(philox::uniform_double(philox::combine(bits[2 * k], bits[2 * k + 1])),
                       philox::uniform_double(philox::combine(bits[2 * k + 2], bits[2 * k + 3])), z[k], z[k + 1]);
}

// randn's 64 values of blocks first_block .. first_block + 15 into z[0 .. 63]: element 4j + 0 / 1
// = cos / sin of the pair (lane 0, lane 1) of block j, elements 4j + 2 / 3 the pair (lane 2, 3).
inline void normal_batch(uint64_t seed, uint64_t first_block, float* z) {
  alignas(64) uint32_t lanes[4][kPhiloxBatch];
  philox_batch(seed, first_block, lanes);
#if defined(TG_VEC_AVX512) || defined(TG_VEC_AVX2)
  using F = Vectorized<float>;
  using I = Vectorized<int32_t>;
  constexpr int W = F::size();
#if defined(TG_VEC_AVX2) && !defined(TG_VEC_AVX512)
  // Blocks h .. h + 7: the four vectors (cos, sin of each pair) transposed into element order in
  // registers (unpacks and lane swaps; the scalar transpose through a buffer was ~5 % of normal_).
  for (int h = 0; h < kPhiloxBatch; h += W) {
    F c0, s0, c1, s1;
    philox::normal_pair<VecNormalMath>(I::loadu(&lanes[0][h]), I::loadu(&lanes[1][h]), c0, s0);
    philox::normal_pair<VecNormalMath>(I::loadu(&lanes[2][h]), I::loadu(&lanes[3][h]), c1, s1);
    const __m256 t0 = _mm256_unpacklo_ps(c0, s0), t1 = _mm256_unpackhi_ps(c0, s0);
    const __m256 t2 = _mm256_unpacklo_ps(c1, s1), t3 = _mm256_unpackhi_ps(c1, s1);
    const __m256 b0 = _mm256_castpd_ps(_mm256_unpacklo_pd(_mm256_castps_pd(t0), _mm256_castps_pd(t2)));  // blocks 0, 4
    const __m256 b1 = _mm256_castpd_ps(_mm256_unpackhi_pd(_mm256_castps_pd(t0), _mm256_castps_pd(t2)));  // 1, 5
    const __m256 b2 = _mm256_castpd_ps(_mm256_unpacklo_pd(_mm256_castps_pd(t1), _mm256_castps_pd(t3)));  // 2, 6
    const __m256 b3 = _mm256_castpd_ps(_mm256_unpackhi_pd(_mm256_castps_pd(t1), _mm256_castps_pd(t3)));  // 3, 7
    float* o = z + 4 * h;
    _mm256_storeu_ps(o, _mm256_permute2f128_ps(b0, b1, 0x20));
    _mm256_storeu_ps(o + 8, _mm256_permute2f128_ps(b2, b3, 0x20));
    _mm256_storeu_ps(o + 16, _mm256_permute2f128_ps(b0, b1, 0x31));
    _mm256_storeu_ps(o + 24, _mm256_permute2f128_ps(b2, b3, 0x31));
  }
#else
  alignas(64) float out[4][kPhiloxBatch];
  for (int h = 0; h < kPhiloxBatch; h += W) {
    for (int p = 0; p < 2; ++p) {
      F c, s;
      philox::normal_pair<VecNormalMath>(I::loadu(&lanes[2 * p][h]), I::loadu(&lanes[2 * p + 1][h]), c, s);
      c.store(&out[2 * p][h]);
      s.store(&out[2 * p + 1][h]);
    }
  }
  for (int j = 0; j < kPhiloxBatch; ++j)
    for (int k = 0; k < 4; ++k) z[4 * j + k] = out[k][j];
#endif
#else
  for (int j = 0; j < kPhiloxBatch; ++j)
    for (int p = 0; p < 2; ++p)
      philox::normal_pair_scalar(lanes[2 * p][j], lanes[2 * p + 1][j], z[4 * j + 2 * p], z[4 * j + 2 * p + 1]);
#endif
}

// y = fma(a, x, b) on n floats (normal_'s mean + std * z, uniform_'s from + width * u), one
// rounding in every build, so the result does not depend on the capability. y may be x.
inline void fma_affine(float* y, const float* x, int n, float a, float b) {
#if defined(TG_VEC_AVX512) || defined(TG_VEC_AVX2)
  using F = Vectorized<float>;
  int i = 0;
  for (; i + F::size() <= n; i += F::size()) fmadd(F(a), F::loadu(x + i), F(b)).store(y + i);
  if (i < n) fmadd(F(a), F::loadu(x + i, n - i), F(b)).store(y + i, n - i);
#else
  for (int i = 0; i < n; ++i) y[i] = std::fma(a, x[i], b);
#endif
}

// dst[0 .. n) = src converted to T (float, Half or BFloat16; round to nearest even, the same bits
// as T's scalar conversion).
template <typename T>
inline void store_floats(T* dst, const float* src, int n) {
  if constexpr (std::is_same_v<T, float>) {
    std::memcpy(dst, src, size_t(n) * sizeof(float));
  } else {
    using IO = VecIO<T>;
    constexpr int W = IO::vec_t::size();
    int i = 0;
    for (; i + W <= n; i += W) IO::store(dst + i, Vectorized<float>::loadu(src + i));
    if (i < n) IO::store(dst + i, Vectorized<float>::loadu(src + i, n - i), n - i);
  }
}

}  // namespace CPU_CAPABILITY
}  // namespace tg::vec
