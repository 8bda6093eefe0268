#pragma once
// erfinv for float lanes (issue 14), evaluated in float: Giles' variable w = -log(1 - x^2)
// ("Approximating the erfinv function", GPU Computing Gems, 2011) and a polynomial per binade of
// w picked with lookup8, instead of the double lanes it replaced: in cache (one thread, avx512)
// 2.2 -> 1.07 ns/element (PyTorch 0.9); 4M elements on 2 threads 0.43x -> 0.85x PyTorch. The
// eleven coefficient lookups (vpermps, one port) are most of what is left. Same bitwise-identity
// rules as vec_math_extra.h.
//
//   erfinv(a) = a p(w),  w = -log((1 - a)(1 + a)),  a = |x| < 1
//
// (1 - a)(1 + a) = d (2 - d) with d = 1 - a carried exactly as t + tlo (d's own rounding error
// included), log t as hi + lo from vec_math_log.h's table (no special lanes: t is a normal
// float in (2^-24, 1]) plus tlo / t (1 / t to 12 % from an integer first guess: the term is
// below 2^-24 t), renormalized to w + wlo. p is a degree-8 minimax fit (relative error <= 4e-9)
// on each of [0, 1/4), [1/4, 1/2), ..., [8, 16) in u = w - the piece's middle (exact); p = c0 + u
// q(u) is summed with its rounding error, c0's low part and q wlo, and a p rounded once. Max error
// (the float evaluation simulated in NumPy on 6M random a, the 2M floats below 1 and every 97th
// float in [2^-31, 1); then on the kernel, 59M points incl. every 61st float below 1): 0.75 ulp
// (the double-lane version: 0.51; tests/test_vec_math_extra.py's bound: 1). |x| >= 1 and NaN
// take the special values.
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
}  // namespace xdetail

[[gnu::always_inline]] inline Vectorized<float> erfinv(const Vectorized<float>& x) {
  using V = Vectorized<float>;
  using VI = Vectorized<int32_t>;
  using C = xdetail::ErfinvFloat;
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
  const VI piece = srli<23>(cast<int32_t>(maximum(w, V(0.125f))));
  const V u = w - lookup8(C::kCenter, piece);
  V q = lookup8(C::kCoef[0], piece);
  for (int j = 1; j < 8; ++j) q = fma_(q, u, lookup8(C::kCoef[j], piece));
  const V c0 = lookup8(C::kCoef[8], piece);
  const V ph = fma_(u, q, c0);
  const V pl = fma_(u, q, c0 - ph) + fma_(q, wlo, lookup8(C::kC0Lo, piece));
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
