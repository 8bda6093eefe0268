#pragma once
// The float32 normal transform of randn / normal_ (Box-Muller on two Philox lanes), written once
// for the scalar CPU path, the SIMD CPU paths (AVX2, AVX-512) and the CUDA kernels, so that all of
// them produce bit-identical numbers for the same (seed, offset): the same on any thread count,
// any CPU capability and either device.
//
// Why not std::log / std::cos: libm, the vector math of aten/vec and CUDA's logf / sinf are
// different approximations, so their last bits differ between the paths. Here every value is
// computed from the 32-bit lanes with one fixed sequence of IEEE operations, each correctly
// rounded on every target: + - * / sqrt, fma (one rounding; std::fma on the host, a vfmadd on
// AVX2 / AVX-512, __fmaf_rn on CUDA), int <-> float conversions and bit operations. No product
// feeds an addition outside an explicit fma, so the compilers' FMA contraction (GCC's
// -ffp-contract=fast in the -mfma builds, nvcc's --fmad=true) finds nothing to fuse and cannot
// change a result; the CUDA policy also uses the _rn intrinsics, which are never contracted.
//
// The transform, for lanes a (radius) and b (angle), the same uniforms as before
// (u1 = (a >> 8) / 2^24, u2 = (b >> 8) / 2^24, z0 = r cos(2 pi u2), z1 = r sin(2 pi u2),
// r = sqrt(-2 log(1 - u1))):
//   radius: 1 - u1 = n / 2^24 with the integer n = 2^24 - (a >> 8) in [1, 2^24]; float(n) =
//     2^(e+24) m exactly, m moved into [sqrt(1/2), sqrt(2)); -2 log(1 - u1) = -2 ln2 e +
//     -2 log(m), and -2 log(m) = 4 atanh(s) = s P(s^2) with s = (1 - m) / (1 + m) in
//     [-0.172, 0.172]: P is the atanh series to s^8 (truncation below 2e-9 relative). ln2 is
//     split in two (hi + lo) so the exponent term adds no error of its own.
//   angle: the reduction is exact in integers: k = b >> 8, quadrant q = round(k / 2^22) mod 4,
//     remainder j = k - q 2^22 in [-2^21, 2^21), x = j 2 pi / 2^24 in [-pi/4, pi/4) (the
//     constant split in two, one rounding); sin x and cos x by Cephes' sinf / cosf polynomials
//     (the ones aten/vec/vec_math.h uses); then the quadrant swaps / negates the pair.
// Accuracy against the exact Box-Muller values of the same uniforms (float64 / long double
// reference; a standalone sweep, g++ 12, identical bits for the scalar, AVX2 and AVX-512 paths):
//   z0 / z1 over 2^24 pairs (every radius input, pseudo-random angles): max 3.8 ulp, mean 0.5 ulp
//   the radius over all 2^24 inputs: max 1.8 ulp
//   r cos / r sin for a fixed r over all 2^24 angles: max 2.3 ulp (incl. the final product's 0.5)
// tests/test_convert_random_fast.py recomputes z for 2M draws of tg.randn against a NumPy
// float64 Box-Muller on NumPy-computed Philox lanes and asserts max <= 4 ulp, mean < 0.7. (The
// previous std::log / std::cos in float lost more near the zeros of cos and sin, where the
// rounded angle 2 pi u2 carries an absolute error of ~2^-22.)
//
// Policies (the M parameter): a struct with types F (float lanes) and I (int32 lanes) and static
// functions add sub mul div fma sqrt, srl (logical shift right), shl, iadd isub iand ixor,
// to_float (int32 -> float), bits_to_float / float_to_bits (reinterpret), fgt (float a > b, as a
// mask), select(mask, a, b) (a where mask is set), ieq_zero (int == 0, as a mask).
// ScalarNormalMath below is the host / device scalar policy; the SIMD policy lives next to its
// kernel (aten/native/cpu/PhiloxNormalVec.h).
#include <cmath>
#include <cstdint>
#include <cstring>

#include "aten/core/HostDevice.h"

namespace tg::philox {

// Philox4x32-10 for one counter (subsequence 0): the same bits as tg::Philox::block(seed,
// counter, 0) and tg::philox::block_batch, usable on the device.
TG_HOST_DEVICE inline void block4(uint64_t seed, uint64_t counter, uint32_t (&out)[4]) {
  uint32_t c0 = uint32_t(counter), c1 = uint32_t(counter >> 32), c2 = 0, c3 = 0;
  uint32_t k0 = uint32_t(seed), k1 = uint32_t(seed >> 32);
  for (int r = 0; r < 10; ++r) {
#if defined(__CUDA_ARCH__)
    const uint32_t hi0 = __umulhi(0xD2511F53u, c0), lo0 = 0xD2511F53u * c0;
    const uint32_t hi1 = __umulhi(0xCD9E8D57u, c2), lo1 = 0xCD9E8D57u * c2;
#else
    const uint64_t p0 = uint64_t(0xD2511F53u) * c0, p1 = uint64_t(0xCD9E8D57u) * c2;
    const uint32_t hi0 = uint32_t(p0 >> 32), lo0 = uint32_t(p0), hi1 = uint32_t(p1 >> 32), lo1 = uint32_t(p1);
#endif
    const uint32_t n0 = hi1 ^ c1 ^ k0, n2 = hi0 ^ c3 ^ k1;
    c1 = lo1;
    c3 = lo0;
    c0 = n0;
    c2 = n2;
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
}

// Lane -> value conversions (the same as tg::philox::uniform_float / uniform_double / combine
// in Generator.h, here usable on the device too).
template <int Digits>
TG_HOST_DEVICE inline float uniform_float_hd(uint32_t x) {
  return float(x >> (32 - Digits)) * (1.0f / float(uint32_t(1) << Digits));  // exact
}
TG_HOST_DEVICE inline uint64_t combine_hd(uint32_t hi, uint32_t lo) { return (uint64_t(hi) << 32) | lo; }
TG_HOST_DEVICE inline double uniform_double_hd(uint64_t x) { return double(x >> 11) * (1.0 / 9007199254740992.0); }
// float64 Box-Muller with the platform's log / sin / cos (libm on the host, CUDA's on the device:
// these differ in the last bits, so double randn matches across devices only to ~1 ulp).
TG_HOST_DEVICE inline void box_muller_double(double u1, double u2, double& z0, double& z1) {
  const double r = ::sqrt(-2.0 * ::log(1.0 - u1));
  const double theta = 6.283185307179586476925286766559 * u2;
  z0 = r * ::cos(theta);
  z1 = r * ::sin(theta);
}

// Constants of the transform (hex literals where the exact value matters).
struct NormalConst {
  // -2 ln 2 = kM2Ln2Hi + kM2Ln2Lo; kM2Ln2Hi has 17 significant bits, so e * kM2Ln2Hi is exact for
  // the exponents here (|e| <= 24) and only the small term is rounded.
  static constexpr float kM2Ln2Hi = -0x1.62e6p+0f;   // -1.386322021484375
  static constexpr float kM2Ln2Lo = 0x1.d0105cp-16f;  // -2 ln2 - kM2Ln2Hi = 2.7660364e-05
  static constexpr float kSqrt2 = 0x1.6a09e6p+0f;     // float(sqrt 2), just below sqrt 2
  // 4 atanh(s) = s (4 + 4/3 s^2 + 4/5 s^4 + 4/7 s^6 + 4/9 s^8 + ...): the coefficients.
  static constexpr float kLog0 = 4.0f, kLog1 = 4.0f / 3.0f, kLog2 = 4.0f / 5.0f, kLog3 = 4.0f / 7.0f,
                         kLog4 = 4.0f / 9.0f;
  // 2 pi / 2^24 = kAngleHi + kAngleLo (the remainder j has at most 22 bits).
  static constexpr float kAngleHi = 0x1.921fb6p-22f;   // 3.7450704e-07
  static constexpr float kAngleLo = -0x1.777a5cp-47f;  // -1.0421607e-14
  // Cephes sinf / cosf on [-pi/4, pi/4]: sin x = x + x z S(z), cos x = 1 - z/2 + z^2 C(z), z = x^2.
  static constexpr float kSin0 = -1.9515295891e-4f, kSin1 = 8.3321608736e-3f, kSin2 = -1.6666654611e-1f;
  static constexpr float kCos0 = 2.443315711809948e-5f, kCos1 = -1.388731625493765e-3f, kCos2 = 4.166664568298827e-2f;
};

// One Box-Muller pair from two 32-bit lanes: z0 = r cos(theta) (the even element), z1 = r sin.
template <typename M>
TG_HOST_DEVICE inline void normal_pair(const typename M::I& a, const typename M::I& b, typename M::F& z0,
                                       typename M::F& z1) {
  using F = typename M::F;
  using I = typename M::I;
  using C = NormalConst;
  // ---- radius^2 = -2 log(n / 2^24), n = 2^24 - (a >> 8) in [1, 2^24]
  const I n = M::isub(I(int32_t(1) << 24), M::srl(a, 8));
  const F v = M::to_float(n);  // exact
  const I vb = M::float_to_bits(v);
  I e = M::isub(M::srl(vb, 23), I(127 + 24));  // exponent of n / 2^24 (<= 0)
  F m = M::bits_to_float(M::ior(M::iand(vb, I(0x007fffff)), I(0x3f800000)));  // [1, 2)
  const F big = M::fgt(m, F(C::kSqrt2));
  m = M::select(big, M::mul(m, F(0.5f)), m);  // exact; now in [sqrt(1/2), sqrt(2))
  e = M::isub(e, M::float_to_bits(big));      // mask = -1 where big: e + 1
  // -2 log(m) = 4 atanh(s), s = (1 - m) / (1 + m); 1 - m is exact (Sterbenz). Written with 1 - m
  // (not m - 1) so that m = 1 gives +0, never -0.
  const F s = M::div(M::sub(F(1.0f), m), M::add(F(1.0f), m));
  const F s2 = M::mul(s, s);
  F p = M::fma(F(C::kLog4), s2, F(C::kLog3));
  p = M::fma(p, s2, F(C::kLog2));
  p = M::fma(p, s2, F(C::kLog1));
  p = M::fma(p, s2, F(C::kLog0));
  const F ef = M::to_float(e);
  const F r2 = M::fma(ef, F(C::kM2Ln2Hi), M::fma(ef, F(C::kM2Ln2Lo), M::mul(s, p)));
  const F r = M::sqrt(r2);
  // ---- angle = 2 pi k / 2^24, k = b >> 8; quadrant q and remainder j exact in integers
  const I k = M::srl(b, 8);
  const I q = M::srl(M::iadd(k, I(int32_t(1) << 21)), 22);  // 0 .. 4 (4 = a full turn = 0)
  const I j = M::isub(k, M::shl(q, 22));                     // [-2^21, 2^21)
  const F jf = M::to_float(j);
  const F x = M::fma(jf, F(C::kAngleHi), M::mul(jf, F(C::kAngleLo)));
  const F x2 = M::mul(x, x);
  const F sp = M::fma(M::fma(F(C::kSin0), x2, F(C::kSin1)), x2, F(C::kSin2));
  const F cp = M::fma(M::fma(F(C::kCos0), x2, F(C::kCos1)), x2, F(C::kCos2));
  const F sn = M::fma(M::mul(x, x2), sp, x);
  const F cs = M::fma(M::mul(x2, x2), cp, M::fma(x2, F(-0.5f), F(1.0f)));
  // (cos, sin) of q pi/2 + x: q odd -> (-sin, cos); q & 2 -> both negated.
  const I odd_bit = M::shl(q, 31);                       // sign bit set where q is odd
  const F odd = M::bits_to_float(M::isub(I(0), M::iand(q, I(1))));  // all ones where odd
  const I neg = M::shl(M::srl(q, 1), 31);                // sign bit set where q & 2
  const F c = M::bits_to_float(M::ixor(M::float_to_bits(M::select(odd, sn, cs)), M::ixor(odd_bit, neg)));
  const F sv = M::bits_to_float(M::ixor(M::float_to_bits(M::select(odd, cs, sn)), neg));
  z0 = M::mul(r, c);
  z1 = M::mul(r, sv);
}

// The scalar policy (host and device). On the host every operation is a plain IEEE operation
// or std::fma (a libm call in builds without -mfma, still correctly rounded); on the device the
// _rn intrinsics (never contracted, never approximated even under --use_fast_math).
struct ScalarNormalMath {
  using F = float;
  using I = int32_t;
#if defined(__CUDA_ARCH__)
  __device__ static F add(F a, F b) { return __fadd_rn(a, b); }
  __device__ static F sub(F a, F b) { return __fsub_rn(a, b); }
  __device__ static F mul(F a, F b) { return __fmul_rn(a, b); }
  __device__ static F div(F a, F b) { return __fdiv_rn(a, b); }
  __device__ static F fma(F a, F b, F c) { return __fmaf_rn(a, b, c); }
  __device__ static F sqrt(F a) { return __fsqrt_rn(a); }
  __device__ static F to_float(I a) { return __int2float_rn(a); }
  __device__ static F bits_to_float(I a) { return __int_as_float(a); }
  __device__ static I float_to_bits(F a) { return __float_as_int(a); }
#else
  static F add(F a, F b) { return a + b; }
  static F sub(F a, F b) { return a - b; }
  static F mul(F a, F b) { return a * b; }
  static F div(F a, F b) { return a / b; }
  static F fma(F a, F b, F c) { return std::fma(a, b, c); }
  static F sqrt(F a) { return std::sqrt(a); }
  static F to_float(I a) { return F(a); }
  static F bits_to_float(I a) { F f; std::memcpy(&f, &a, 4); return f; }
  static I float_to_bits(F a) { I i; std::memcpy(&i, &a, 4); return i; }
#endif
  TG_HOST_DEVICE static I srl(I a, int n) { return I(uint32_t(a) >> n); }
  TG_HOST_DEVICE static I shl(I a, int n) { return I(uint32_t(a) << n); }
  TG_HOST_DEVICE static I iadd(I a, I b) { return I(uint32_t(a) + uint32_t(b)); }
  TG_HOST_DEVICE static I isub(I a, I b) { return I(uint32_t(a) - uint32_t(b)); }
  TG_HOST_DEVICE static I iand(I a, I b) { return a & b; }
  TG_HOST_DEVICE static I ior(I a, I b) { return a | b; }
  TG_HOST_DEVICE static I ixor(I a, I b) { return a ^ b; }
  TG_HOST_DEVICE static F fgt(F a, F b) { return bits_to_float(a > b ? -1 : 0); }
  TG_HOST_DEVICE static F select(F mask, F a, F b) { return float_to_bits(mask) ? a : b; }
};

// z0 / z1 of the pair (a, b) on one thread (host or device).
TG_HOST_DEVICE inline void normal_pair_scalar(uint32_t a, uint32_t b, float& z0, float& z1) {
  normal_pair<ScalarNormalMath>(int32_t(a), int32_t(b), z0, z1);
}

}  // namespace tg::philox
