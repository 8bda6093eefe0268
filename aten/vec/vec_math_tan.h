#pragma once
// tan for float lanes (issue 14): a table of tan over one period and the addition formula, in
// place of vec_math_extra.h's template (a quadrant reduction, a degree-7 polynomial on
// [-pi/4, pi/4] and -1/t for odd quadrants: 1.25 ulp, ~55 vector operations a vector; this one:
// 0.67 ulp, ~41). Same bitwise-identity rules as vec_math_extra.h: a fixed sequence of correctly
// rounded operations, fma_ for every fused multiply-add, lookup16 for the table.
//
//   |x| = N pi/16 + R,  |R| <= pi/32,  k = N mod 16,  T = tan(k pi/16) = Th + Tl (two floats)
//   tan|x| = (T + t) / (1 - T t),  t = tan(R) = R + R^3 (c1 + c2 R^2)  (relative error 2e-9)
//
// One period has 16 entries, so neither a quadrant nor its parity is tracked; the entry at the
// pole (k = 8) holds 2^64, for which the same formula is -1 / t: the numerator is 2^64 (t goes
// to its low part), the denominator -2^64 t exactly (|t| >= 2^-28 for floats below 4096: the
// 1 falls off), and the correction below is Newton's step for -1 / (t + tlo). For the other
// entries |T| <= 5.03 and the denominator stays in [0.5, 1.5].
//
// Rounding errors are carried, not dropped: R + Rlo (Cody-Waite with kPio2 / 8, the same bits
// scaled; R's rounding error exact by an fma), t + tlo (Fast2Sum), the numerator's (Fast2Sum:
// |Th| >= |t| or Th = 0, plus Tl) and the denominator's (1 - den is exact, den in [0.5, 1.5];
// plus the first-order term Th tlo, without which the pole's entry is 1.5 ulp off; Tl t would
// gain 0.04 ulp for an fma); q = num * (1 / den) is then corrected once:
// q + (num + nlo - q (den + dlo)) / den. Max error 0.67 ulp (dense sweeps; the bound in
// tests/test_vec_math_extra.py is 1). ~41 vector operations a vector and one division.
//
// The first fma product N pi/16 is exact while N < 2^12 (|x| < 800); there, R's rounding error
// is exact too where |R| >= |N| 2^-20 (r1 - R exact), which fails for a few lanes in 10^5, all
// next to a multiple of pi/16. Those lanes, and 800 <= |x| <= 4096, take the exact reduction
// to the quadrant (reduce_pio2_exact) and then to N pi/16 (blended per lane, so a lane's bits
// never depend on its neighbours); |x| > 4096, inf and NaN take std::tan, like sin / cos.
#include <cmath>
#include <limits>

#include "aten/vec/vec_math_extra.h"

namespace tg::vec {
inline namespace CPU_CAPABILITY {

namespace xdetail {
struct TanFloat {
  static constexpr float kSixteenOverPi = 5.09295817894065074f;
  static constexpr float kShift = 12582912.0f;  // 1.5 * 2^23: N's integer bits land in s's low bits
  static constexpr float kFastMax = 800.0f;     // N < 2^12 below
  // tan(R) = R + R^3 (kC1 + kC2 R^2) on |R| <= pi/32 (minimax, relative error 1.9e-9)
  static constexpr float kC1 = 0.333331168f, kC2 = 0.13406083f;
  // tan(k pi / 16) = kHi[k] + kLo[k]; kHi[8] = 2^64 stands for the pole (see above)
  static constexpr float kHi[16] = {0.0f,          0.198912367f,  0.414213568f,  0.668178618f,
                                    1.0f,          1.49660575f,   2.41421366f,   5.02733946f,
                                    0x1p64f,       -5.02733946f,  -2.41421366f,  -1.49660575f,
                                    -1.0f,         -0.668178618f, -0.414213568f, -0.198912367f};
  static constexpr float kLo[16] = {0.0f,           1.54964708e-10f, -5.5990883e-09f, 1.99650447e-08f,
                                    0.0f,           8.76686812e-09f, -9.50060581e-08f, 3.3660271e-08f,
                                    0.0f,           -3.3660271e-08f, 9.50060581e-08f, -8.76686812e-09f,
                                    0.0f,           -1.99650447e-08f, 5.5990883e-09f, -1.54964708e-10f};
};

// a - N pi/16 = R + Rlo for the lanes the fast reduction cannot take (see above): reduced to
// the quadrant m = floor((N + 4) / 8) exactly, then by j = N - 8 m in [-4, 3] sixteenths of pi
// (j kPio2[0] / 8 is exact and r - j kPio2[0] / 8 too: Sterbenz, |j| >= 1 when it matters).
[[gnu::always_inline]] inline void reduce_pio16_exact(const Vectorized<float>& a, const Vectorized<float>& N,
                                                      Vectorized<float>& R, Vectorized<float>& Rlo) {
  using V = Vectorized<float>;
  using M = detail::MathConst<float>;
  const V m = floor((N + V(4.0f)) * V(0.125f));
  const V j = N - m * V(8.0f);
  V r, rlo;
  reduce_pio2_exact(a, m, r, rlo);
  R = fma_(j, V(-M::kPio2[0] * 0.125f), r);
  Rlo = fma_(j, V(-M::kPio2[2] * 0.125f), fma_(j, V(-M::kPio2[1] * 0.125f), rlo));
}
}  // namespace xdetail

[[gnu::always_inline]] inline Vectorized<float> tan(const Vectorized<float>& x) {
  using V = Vectorized<float>;
  using VI = Vectorized<int32_t>;
  using C = xdetail::TanFloat;
  using M = detail::MathConst<float>;
  using xdetail::fma_;
  using xdetail::fnma_;
  const V one(1.0f);
  const V a = abs(x);
  const V s = fma_(a, V(C::kSixteenOverPi), V(C::kShift));
  const V N = s - V(C::kShift);
  const V r1 = fma_(N, V(-M::kPio2[0] * 0.125f), a);  // exact
  V R = fma_(N, V(-M::kPio2[1] * 0.125f), r1);
  V Rlo = fma_(N, V(-M::kPio2[2] * 0.125f), fma_(N, V(-M::kPio2[1] * 0.125f), r1 - R));
  V z = R * R;
  const V exact_bound = N * (N * V(0x1p-40f));  // |R| < |N| 2^-20
  const bool slow = xdetail::any_less_or_not_less(z, exact_bound, a, V(C::kFastMax));
  if (slow) {
    V er, erlo;
    xdetail::reduce_pio16_exact(a, N, er, erlo);
    const V use = (z < exact_bound) | (a >= V(C::kFastMax));
    R = blendv(R, er, use);
    Rlo = blendv(Rlo, erlo, use);
    z = R * R;
  }
  // t + tlo = tan(R + Rlo): Rlo (1 + R^2) to first order
  const V c = fma_(z, fma_(R, fma_(z, V(C::kC2), V(C::kC1)), Rlo), Rlo);
  const V t = R + c;
  const V tlo = (R - t) + c;
  const VI k = cast<int32_t>(s);  // N mod 16 in the low bits
  const V Th = lookup16(C::kHi, k), Tl = lookup16(C::kLo, k);
  const V num = Th + t;
  const V nlo = (t - (num - Th)) + (tlo + Tl);
  const V den = fnma_(Th, t, one);
  const V dlo = fnma_(Th, tlo, fnma_(Th, t, one - den));  // Tl t left out: <= 0.04 ulp
  const V rden = one / den;
  const V q = num * rden;
  const V e = fnma_(q, dlo, fnma_(q, den, num) + nlo);
  V res = fma_(e, rden, q) ^ (x & V(-0.0f));  // tan is odd (keeps -0)
  if (slow) {
    const V far = andnot(cast<float>(VI(-1)), a <= V(M::kTrigMax));  // also NaN and inf
    if (any(far)) res = blendv(res, map(x, [](float v) { return std::tan(v); }), far);
  }
  return res;
}

}  // namespace CPU_CAPABILITY
}  // namespace tg::vec
