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
// hi + s t is summed exactly (Fast2Sum: |hi| >= t), and t's rounding error (t = n * (1 / d)) is
// carried to first order, scaled by ~1 / (1 + t^2). Max error (dense sweeps, the bounds in
// tests/test_vec_math_extra.py): atan 1.16 ulp, atan2 1.2 ulp [1.5]. Lanes whose result is not
// finite and below 4 -- NaN operands, infinities (d = inf: 0 * inf in the correction), atan2 with
// both operands 0 or both infinite, or a denominator below 2^-127 (1 / d overflows) -- are
// recomputed by the template (C99's special values, the same function to 1.3 ulp).
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

// hi + s atan(num / den) + lo (the case's constants from `index`) for 0 <= num <= den.
[[gnu::always_inline]] inline Vectorized<float> atan_unit(const Vectorized<float>& num, const Vectorized<float>& den,
                                                          const Vectorized<int32_t>& index) {
  using V = Vectorized<float>;
  using C = AtanFloat;
  const V hi = lookup8(C::kHi, index), lo = lookup8(C::kLo, index), s = lookup8(C::kSign, index);
  const V rden = V(1.0f) / den;
  const V t = num * rden;
  const V tc = fma_(-t, den, num) * rden;  // num / den - t, to first order
  const V z = t * t;
  const V st = s * t;
  const V w = hi + st;
  const V e = st - (w - hi);  // exact: w + e = hi + s t
  const V recip_1z = fma_(z, fma_(z, V(0.3f), V(-0.8f)), V(1.0f));  // ~1 / (1 + z), 1 % is plenty
  const V tail = fma_(s * (t * z), horner_(z, C::kQ), lo) + fma_(s * tc, recip_1z, e);
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
  const V a = abs(x), one(1.0f);
  // a > 1 as the sign of 1.0's bits minus a's (both non-negative)
  const Vectorized<int32_t> big = srli<31>(cast<int32_t>(one) - cast<int32_t>(a));
  const V r = xdetail::atan_unit(clamp_max(a, one), clamp_min(a, one), big);
  return xdetail::patch_special(xdetail::copysign_(r, x), [&] { return atan<float>(x); });
}

[[gnu::always_inline]] inline Vectorized<float> atan2(const Vectorized<float>& y, const Vectorized<float>& x) {
  using V = Vectorized<float>;
  using VI = Vectorized<int32_t>;
  const V n = abs(y), d = abs(x);
  const VI big = srli<31>(cast<int32_t>(d) - cast<int32_t>(n));   // n > d
  const VI negative = slli<1>(srli<31>(cast<int32_t>(x)));        // the sign bit of x, times 2
  // min and max with NaN winning from either side (vminps / vmaxps return their second operand)
  const V r = xdetail::atan_unit(clamp_max(n, d), clamp_min(d, n), big + negative);
  return xdetail::patch_special(xdetail::copysign_(r, y), [&] { return atan2<float>(y, x); });
}

}  // namespace CPU_CAPABILITY
}  // namespace tg::vec
