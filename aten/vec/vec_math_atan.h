#pragma once
// atan and atan2 for float lanes (issue 14): one reduction to [0, 1] (t = min / max of the two
// magnitudes, one division) and one polynomial, instead of the three-way reduction to
// [0, tan(pi/8)] of vec_math_extra.h's templates (which stay the double path and this one's
// fallback). Same bitwise-identity rules as vec_math_extra.h: a fixed sequence of correctly
// rounded operations, fma_ for every fused multiply-add, lookup8 for the per-case constants.
//
//   atan(n / d) = hi + s atan(t) + lo,  t = n / d in [0, 1]
//
// with (hi + lo, s) = (0, +1), (pi/2, -1) where n > d, and for atan2 with x < 0 (pi, -1) and
// (pi/2, +1): atan(t) = t + t^3 Q(t^2), Q a degree-8 minimax fit (relative error 0.04 ulp);
// s is applied once, to n (atan: a sign flip; atan2: a product by the looked-up +-1), so that t
// comes out signed; hi + t is summed exactly (Fast2Sum: |hi| >= |t|), and t's rounding error
// (t = n * (1 / d)) is carried to first order, scaled by ~1 / (1 + t^2). ~38 vector operations a
// vector for atan. Max error (dense sweeps, the bounds in tests/test_vec_math_extra.py): atan
// 1.16 ulp, atan2 1.2 ulp [1.5]. Lanes whose result is not finite and below 4 -- NaN operands,
// infinities (d = inf: 0 * inf in the correction), atan2 with both operands 0 or both infinite,
// or a denominator below 2^-127 (1 / d overflows) -- are recomputed by the template (C99's
// special values, the same function to 1.3 ulp); atan, whose denominator is at least 1, tests
// its input for NaN and inf instead of its result.
#include "aten/vec/vec_math_extra.h"

namespace tg::vec {
inline namespace CPU_CAPABILITY {

namespace xdetail {
struct AtanFloat {
  static constexpr float kQ[9] = {-0.001793593866750598f, 0.010914481244981289f, -0.031177613884210587f,
                                  0.05795735865831375f,   -0.08403436839580536f, 0.10952181369066238f,
                                  -0.14264240860939026f,  0.19998548924922943f,  -0.33333298563957214f};
  // Per case (index: n > d, plus 2 where atan2's x is negative; entries 4-7 unused): hi, lo, s.
  static constexpr float kHi[8] = {0.0f, 1.57079637050628662109f, 3.14159274101257324219f, 1.57079637050628662109f,
                                   0.0f, 0.0f, 0.0f, 0.0f};
  static constexpr float kLo[8] = {0.0f, -4.37113900018624283e-08f, -8.74227800037248566e-08f,
                                   -4.37113900018624283e-08f, 0.0f, 0.0f, 0.0f, 0.0f};
  static constexpr float kSign[8] = {1.0f, -1.0f, -1.0f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f};
};

// hi + atan(num / den) + lo for |num| <= den (num carries the case's sign s: s atan(|num| / den)
// = atan(s |num| / den), so one sign flip by the caller stands for three products by s).
[[gnu::always_inline]] inline Vectorized<float> atan_unit(const Vectorized<float>& num, const Vectorized<float>& den,
                                                          const Vectorized<float>& hi, const Vectorized<float>& lo) {
  using V = Vectorized<float>;
  using C = AtanFloat;
  const V rden = V(1.0f) / den;
  const V t = num * rden;
  const V tc = fma_(-t, den, num) * rden;  // num / den - t, to first order
  const V z = t * t;
  const V w = hi + t;
  const V e = t - (w - hi);  // exact: w + e = hi + t (|t| <= 1 < pi/2 <= hi, or hi = 0)
  const V recip_1z = fma_(z, fma_(z, V(0.3f), V(-0.8f)), V(1.0f));  // ~1 / (1 + z), 1 % is plenty
  const V tail = fma_(t * z, horner_(z, C::kQ), lo) + fma_(tc, recip_1z, e);
  return w + tail;
}
// The lanes whose result r is not a finite value below 4, from `fallback`.
template <typename F>
[[gnu::always_inline]] inline Vectorized<float> patch_special(const Vectorized<float>& r, F fallback) {
  const Vectorized<float> a = abs(r), four(4.0f);
  return all_less(a, four) ? r : blendv(fallback(), r, a < four);
}
}  // namespace xdetail

[[gnu::always_inline]] inline Vectorized<float> atan(const Vectorized<float>& x) {
  using V = Vectorized<float>;
  using C = xdetail::AtanFloat;
  const V a = abs(x), one(1.0f);
  // a > 1 as the sign of 1.0's bits minus a's (both non-negative): pi/2 - atan(1 / a) there
  const Vectorized<int32_t> diff = cast<int32_t>(one) - cast<int32_t>(a);
  const Vectorized<int32_t> big = srli<31>(diff);
  const V num = clamp_max(a, one) ^ (cast<float>(diff) & V(-0.0f));
  const V r = xdetail::atan_unit(num, clamp_min(a, one), lookup8(C::kHi, big), lookup8(C::kLo, big));
  // Only NaN and +-inf make r non-finite (the denominator is at least 1).
  const V inf(std::numeric_limits<float>::infinity());
  if (all_less(a, inf)) return xdetail::copysign_(r, x);
  return blendv(atan<float>(x), xdetail::copysign_(r, x), a < inf);
}

[[gnu::always_inline]] inline Vectorized<float> atan2(const Vectorized<float>& y, const Vectorized<float>& x) {
  using V = Vectorized<float>;
  using VI = Vectorized<int32_t>;
  using C = xdetail::AtanFloat;
  const V n = abs(y), d = abs(x);
  const VI big = srli<31>(cast<int32_t>(d) - cast<int32_t>(n));   // n > d
  const VI negative = slli<1>(srli<31>(cast<int32_t>(x)));        // the sign bit of x, times 2
  const VI index = big + negative;
  // min and max with NaN winning from either side (vminps / vmaxps return their second operand)
  const V num = clamp_max(n, d) * lookup8(C::kSign, index);
  const V r = xdetail::atan_unit(num, clamp_min(d, n), lookup8(C::kHi, index), lookup8(C::kLo, index));
  return xdetail::patch_special(xdetail::copysign_(r, y), [&] { return atan2<float>(y, x); });
}

}  // namespace CPU_CAPABILITY
}  // namespace tg::vec
