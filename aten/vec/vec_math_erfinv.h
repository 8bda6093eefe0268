#pragma once
// erfinv for float lanes (issue 14), evaluated in float: Giles' variable w = -log(1 - x^2)
// ("Approximating the erfinv function", GPU Computing Gems, 2011).
//
//   erfinv(a) = a p(w),  w = -log((1 - a)(1 + a)),  a = |x| < 1
//
// (1 - a)(1 + a) = d (2 - d) with d = 1 - a carried exactly as t + tlo (d's own rounding error
// included), log t as hi + lo from vec_math_log.h's table (no special lanes: t is a normal
// float in (2^-24, 1]) plus tlo / t (1 / t to 12 % from an integer first guess: the term is
// below 2^-24 t), renormalized to w + wlo. p(w + wlo) = ph + pl, then a (ph + pl) rounded once:
// - w < 4 (|x| < 0.9908): one polynomial with constant coefficients (erfinv_central);
// - w >= 4: a degree-8 polynomial per binade of w, coefficients by lookup8 (erfinv_binades).
// A vector whose lanes all have w < 4 runs only the first; a lane's result depends on its own w
// only. The per-binade version alone (eleven vpermps per vector) ran at 0.82x PyTorch on 4M
// elements (2 threads, Zen 2); the central polynomial brought it to 1.0x. Zen 2 runs this loop
// latency-bound (its FP scheduler holds about one iteration), hence Estrin's form there.
// Max error (the kernel against a long-double Newton reference, tests/test_vec_math_extra.py's
// erfinv_reference): every 7th float in [1e-3, 1) and every float in [0.9, 1): 0.754 ulp, the
// worst in the binade pieces; central lanes 0.745. Stop 35's per-binade-only version: 0.75. The
// test's bound: 1 ulp. |x| >= 1 and NaN take the special values.
#include "aten/vec/vec_math_log.h"

namespace tg::vec {
inline namespace CPU_CAPABILITY {

namespace xdetail {
// Entry (124 + piece) & 7: the exponent bits of max(w, 1/8) index the table directly.
struct ErfinvFloat {
  static constexpr float kCenter[8] = {3.0f, 6.0f, 12.0f, 12.0f, 0.0f, 0.375f, 0.75f, 1.5f};
  static constexpr float kC0Lo[8] = {5.529269841986206e-08f, 1.5778724105075526e-08f, -4.762199967700553e-09f, -4.762199967700553e-09f, -2.6623199644859596e-08f, 5.339601205633926e-09f, -3.706091078470308e-08f, -2.984655367299638e-08f};
  static constexpr float kCoef[9][8] = {  // highest degree first
      {-2.0300639391734876e-08f, -1.7428702925315065e-09f, 1.1343381789430396e-10f, 1.1343381789430396e-10f, -2.688978781861806e-07f, 8.116450089801219e-07f, 1.1251224663055837e-07f, 1.1650015352415721e-07f},
      {4.3762426571447577e-07f, -4.54260700166742e-08f, -4.890656768452573e-10f, -4.890656768452573e-10f, -7.48459399346757e-07f, -1.0348761634304537e-06f, -7.9007918429852e-07f, -6.90758881205511e-08f},
      {-1.7517126025268226e-06f, 7.177956149462261e-07f, -9.751299323568219e-09f, -9.751299323568219e-09f, 1.9042945496039465e-06f, -7.051036732264038e-07f, -3.0836788482702104e-06f, -5.372525720304111e-06f},
      {-1.2707165296887979e-05f, -5.264430910756346e-06f, 2.595631087842776e-07f, 2.595631087842776e-07f, 4.663692379835993e-05f, 4.811448525288142e-05f, 4.377005825517699e-05f, 2.3288912416319363e-05f},
      {0.0001950630103237927f, 1.4143149201117922e-05f, -5.457419320009649e-06f, -5.457419320009649e-06f, -0.00012804624566342682f, -3.8284666516119614e-05f, 4.8702742788009346e-05f, 0.00017766929522622377f},
      {-0.0008361843647435308f, 0.0002556753170210868f, 0.00011641580204013735f, 0.00011641580204013735f, -0.002335101366043091f, -0.0024601996410638094f, -0.0024513632524758577f, -0.0020923279225826263f},
      {-0.005738135427236557f, -0.0066468301229178905f, -0.0029553938657045364f, -0.0029553938657045364f, 0.011549342423677444f, 0.008839336223900318f, 0.006064325105398893f, 0.0008797647315077484f},
      {0.2416304051876068f, 0.199729323387146f, 0.14536604285240173f, 0.14536604285240173f, 0.23201367259025574f, 0.23966822028160095f, 0.2452564537525177f, 0.25036245584487915f},
      {1.6235419511795044f, 2.286424398422241f, 3.2993271350860596f, 3.2993271350860596f, 0.8862269520759583f, 0.9747308492660522f, 1.0657193660736084f, 1.2520638704299927f},
  };
};
// w < 4 (|x| < 0.9908, most lanes of most inputs): one polynomial for all lanes, no lookups,
// p = c0 + w (q0 + w r(w)) with c0 = sqrt(pi) / 2 = p(0) and q0 = c0 pi / 12 = p'(0) as hi + lo
// pairs and r of degree 8 (relative error of p, r's coefficients rounded to float: 1e-9; weighted
// least squares on 1200 Chebyshev nodes, Lawson's iteration, mpmath references: refit with
// scripts/fit_erfinv_central.py). w^2 r is below
// 0.03 p, so r's rounding errors barely reach the result; q0 + w r is summed with its error.
struct ErfinvCentral {
  static constexpr float kLimit = 4.0f;
  static constexpr float kC0 = 0.88622695f, kC0Lo = -2.66232e-08f;
  static constexpr float kQ0 = 0.23201367f, kQ0Lo = -6.0556014e-09f;
  static constexpr float kR[9] = {  // highest degree first
      -7.01395719282516e-10f, 4.058091196412761e-09f, 1.2555501882616227e-07f, -1.6143260381795699e-06f,
      3.283405249021598e-06f, 4.503003219724633e-05f, -0.00012689914728980511f, -0.0023355302400887012f,
      0.011549403890967369f};
};

// p(w + wlo) = ph + pl for w < 4.
[[gnu::always_inline]] inline void erfinv_central(const Vectorized<float>& w, const Vectorized<float>& wlo,
                                                  Vectorized<float>& ph, Vectorized<float>& pl) {
  using V = Vectorized<float>;
  using C = ErfinvCentral;
  const V s = w * estrin_(w, C::kR);  // Estrin: the Horner chain left the loop latency-bound
  const V q = V(C::kQ0) + s, qlo = (V(C::kQ0) - q) + s;  // Fast2Sum: |s| < q0 / 4
  ph = fma_(w, q, V(C::kC0));
  // c0 - ph is exact: both are multiples of 2^-24 and differ by less than 1.
  pl = fma_(w, q, V(C::kC0) - ph) + fma_(q, wlo, fma_(w, qlo + V(C::kQ0Lo), V(C::kC0Lo)));
}

// p(w + wlo) = ph + pl for any w in [0, 16]: a polynomial per binade of w (ErfinvFloat).
[[gnu::always_inline]] inline void erfinv_binades(const Vectorized<float>& w, const Vectorized<float>& wlo,
                                                  Vectorized<float>& ph, Vectorized<float>& pl) {
  using V = Vectorized<float>;
  using VI = Vectorized<int32_t>;
  using C = ErfinvFloat;
  const VI piece = srli<23>(cast<int32_t>(maximum(w, V(0.125f))));
  const V u = w - lookup8(C::kCenter, piece);
  V q = lookup8(C::kCoef[0], piece);
  for (int j = 1; j < 8; ++j) q = fma_(q, u, lookup8(C::kCoef[j], piece));
  const V c0 = lookup8(C::kCoef[8], piece);
  ph = fma_(u, q, c0);
  pl = fma_(u, q, c0 - ph) + fma_(q, wlo, lookup8(C::kC0Lo, piece));
}
}  // namespace xdetail

[[gnu::always_inline]] inline Vectorized<float> erfinv(const Vectorized<float>& x) {
  using V = Vectorized<float>;
  using VI = Vectorized<int32_t>;
  using xdetail::fma_;
  const V one(1.0f), a = abs(x);
  const V d = one - a, dl = (one - d) - a;  // 1 - a = d + dl exactly
  const V d2 = d + d;
  const V t = fma_(-d, d, d2);
  const V tlo = fma_(-d, d, d2 - t) + dl * (V(2.0f) - d2);  // d2 - t is exact (Sterbenz)
  V lhi, llo;
  xdetail::log_table_parts<xdetail::LogTableFloat::Ln>(t, lhi, llo);
  llo = fma_(tlo, cast<float>(VI(0x7ef311c7) - cast<int32_t>(t)), llo);  // + tlo / t
  const V lt = lhi + llo;
  const V w = -lt, wlo = (lt - lhi) - llo;  // Fast2Sum, negated: w + wlo = -log((1 - a)(1 + a))
  // Each lane's polynomial depends on its own w only (the result never on its neighbours): the
  // branches only skip the polynomial that no lane of this vector needs.
  V ph, pl;
  const V limit(xdetail::ErfinvCentral::kLimit);
  if (xdetail::all_less(w, limit)) {
    xdetail::erfinv_central(w, wlo, ph, pl);
  } else {
    xdetail::erfinv_binades(w, wlo, ph, pl);
    const V central = w < limit;
    if (any(central)) {
      V ch, cl;
      xdetail::erfinv_central(w, wlo, ch, cl);
      ph = blendv(ph, ch, central);
      pl = blendv(pl, cl, central);
    }
  }
  // a (ph + pl) with a scaled by 2^24 first: a pl would underflow for tiny a (and leave c0's
  // rounding error in the result); the scaling back is exact unless the result is subnormal.
  const V as = a * V(16777216.0f);
  V r = fma_(as, ph, as * pl) * V(5.9604644775390625e-08f);
  if (!xdetail::all_less(a, one)) {  // |x| >= 1 or NaN
    r = blendv(r, xdetail::inf_<float>(), a == one);
    r = blendv(r, xdetail::nan_<float>(), (a > one) | (x != x));
  }
  return xdetail::copysign_(r, x);
}

}  // namespace CPU_CAPABILITY
}  // namespace tg::vec
