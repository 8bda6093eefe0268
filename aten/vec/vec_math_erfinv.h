#pragma once
// erfinv for float lanes (issue 14), evaluated in float: Giles' variable w = -log(1 - x^2)
// ("Approximating the erfinv function", GPU Computing Gems, 2011).
//
//   erfinv(x) = x p(w),  w = -log t,  t = 1 - x^2
//
// t = fma(-x, x, 1) is 1 - x^2 rounded once (stop 43 carried it exactly as t + tlo: 0.754 ulp
// then, 0.788 without); log t is v + vlo from vec_math_log.h's table (erfinv_log), carried negated
// (v = -w) into the polynomials, whose odd-degree coefficients are negated to match.
// p(w + wlo) = ph + pl, then x (ph + pl) rounded once, the sign coming from x (erfinv_result):
// - t > e^-4 (w < 4, |x| < 0.9908): one polynomial with constant coefficients (erfinv_central);
// - otherwise: a degree-8 polynomial per binade of w, coefficients by lookup8 (erfinv_binades).
// Vectors whose lanes all have t > e^-4 (93 % of vectors of uniform [-1, 1] input) run only the
// first; the test on t also sends |x| >= 1 and NaN (t <= 0 or NaN) to the second branch, which
// handles them. A lane's result depends on its own x only: both branches compute a central lane
// the same way. ph and pl carry a factor 2^24 (exact): x pl cannot underflow for tiny x, and one
// multiply by 2^-24 at the end is exact unless the result is subnormal.
// Zen 2 history: the per-binade version alone (eleven vpermps per vector) ran at 0.82x PyTorch on
// 4M elements; the central polynomial brought it to 1.0x (stop 35); stop 44 dropped the exact
// t + tlo (ten operations), the copysign (x's sign bit is or-ed in), the second Fast2Sum in the log,
// the negation of w and a degree of r, and computes two vectors per call (erfinv(std::array)):
// ~120 -> ~65 instructions a vector, in cache 5.3 -> 3.6 ns an element (PyTorch 3.6).
// Max error (the kernel against a long-double reference, tests/test_vec_math_extra.py's
// erfinv_reference): 0.885 ulp (every float in [0.95, 1), every 29th in [1e-3, 0.95); the worst
// at |x| = 0.98901, in the central piece; stop 43's kernel: 0.754; PyTorch, which calls MKL:
// 0.501). The test's bound: 1 ulp.
#include <array>
#include <iterator>

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
// t > e^-4 (w < 4, |x| < 0.9908, most lanes of most inputs): one polynomial for all lanes, no
// lookups, p = c0 + w (q0 + w r(w)) with c0 = sqrt(pi) / 2 = p(0) and q0 = c0 pi / 12 = p'(0) as
// hi + lo pairs and r of degree 7 (relative error of p, r's coefficients rounded to float: 3.5e-9,
// 0.05 ulp; degree 8's 1e-9 cost two more operations a vector, 8 % of the time in cache;
// weighted least squares on 1200 Chebyshev nodes, Lawson's iteration, mpmath references: refit
// with `scripts/fit_erfinv_central.py 4 7`, which prints kR as below). Evaluated at v = -w with every
// coefficient times 2^24 and r's odd degrees negated (kRv): the same roundings as at w, negated
// where the degree is odd, so the same bits as evaluating at w. w^2 r is below 0.03 p, so r's
// rounding errors barely reach the result.
struct ErfinvCentral {
  static constexpr float kScale = 16777216.0f;   // 2^24: ph, pl and the result before the last multiply
  static constexpr float kLimitT = 0.018315639f;  // e^-4 rounded: t above it is w < 4
  static constexpr float kC0 = 0.88622695f * kScale, kC0Lo = -2.66232e-08f * kScale;
  static constexpr float kQ0 = 0.23201367f * kScale, kQ0Lo = -6.0556014e-09f * kScale;
  static constexpr float kR[8] = {  // r(w), highest degree first, as the fit prints it
      -8.857403699380484e-09f, 2.2519822096001008e-07f, -2.0319371287769172e-06f, 4.31360058428254e-06f,
      4.351707684691064e-05f, -0.0001256288232980296f, -0.002336074598133564f, 0.011549491435289383f};
  static constexpr int kDegree = int(std::size(kR)) - 1;
  struct Coefficients { float c[std::size(kR)]; };
  static constexpr Coefficients kRv = [] {  // r(-v) times 2^24: odd degrees negated
    Coefficients out{};
    for (int i = 0; i <= kDegree; ++i) out.c[i] = kR[i] * kScale * ((kDegree - i) % 2 ? -1.0f : 1.0f);
    return out;
  }();
};

// v + vlo = log t for normal positive t (other lanes: unspecified), vec_math_log.h's reduction
// and table: s1 = k log(2)'s high part + the table's high part is exact; r plus the low parts and
// log1p(r) - r are summed first (their sum's rounding error is below 2^-24 |r| / 2, and r is the
// part of w that is small where w is), then added to s1 with Fast2Sum.
[[gnu::always_inline]] inline void erfinv_log(const Vectorized<float>& t, Vectorized<float>& v, Vectorized<float>& vlo) {
  using V = Vectorized<float>;
  using Ln = LogTableFloat::Ln;
  V k, r;
  Vectorized<int32_t> interval;
  log_table_reduce(t, k, r, interval);
  const V s1 = fma_(k, V(Ln::kLog2Hi), lookup8(Ln::kTableHi, interval));  // exact
  const V rest = r + (fma_(k, V(Ln::kLog2Lo), lookup8(Ln::kTableLo, interval)) + (r * r) * horner_(r, Ln::kPoly));
  v = s1 + rest;
  vlo = (s1 - v) + rest;  // Fast2Sum: s1 = 0 or its exponent is at least rest's
}

// p(w + wlo) 2^24 = ph + pl for w < 4, from v + vlo = -(w + wlo).
[[gnu::always_inline]] inline void erfinv_central(const Vectorized<float>& v, const Vectorized<float>& vlo,
                                                  Vectorized<float>& ph, Vectorized<float>& pl) {
  using V = Vectorized<float>;
  using C = ErfinvCentral;
  const V s = v * estrin_(v, C::kRv.c);  // Estrin: Horner's chain is slower here (measured)
  const V q = s - V(C::kQ0);  // -(q0 + w r(w)); keeping its rounding error (3 more operations): 0.818 -> 0.788 ulp
  ph = fma_(v, q, V(C::kC0));
  // c0 - ph is exact: both are multiples of 2^0 and differ by less than 2^24.
  pl = fma_(v, q, V(C::kC0) - ph) + fma_(q, vlo, fma_(v, V(-C::kQ0Lo), V(C::kC0Lo)));
}

// x (ph + pl) 2^-24, rounded once before the exact scaling. x = -0 gives -0: x pl is +0 where pl
// is negative, and -0 + +0 = +0, so the sign bit of x is or-ed in (a no-op for any other x, whose
// product already has x's sign).
[[gnu::always_inline]] inline Vectorized<float> erfinv_result(const Vectorized<float>& x, const Vectorized<float>& ph,
                                                              const Vectorized<float>& pl) {
  using V = Vectorized<float>;
  return (fma_(x, ph, x * pl) * V(1.0f / ErfinvCentral::kScale)) | (x & V(-0.0f));
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
  using C = xdetail::ErfinvCentral;
  const V one(1.0f);
  const V t = xdetail::fnma_(x, x, one);  // 1 - x^2, rounded once
  V v, vlo, ph, pl;
  xdetail::erfinv_log(t, v, vlo);
  if (all_less(V(C::kLimitT), t)) {  // every lane central (and |x| < 1, not NaN)
    xdetail::erfinv_central(v, vlo, ph, pl);
    return xdetail::erfinv_result(x, ph, pl);
  }
  xdetail::erfinv_binades(-v, -vlo, ph, pl);
  ph = ph * V(C::kScale);
  pl = pl * V(C::kScale);
  const V central = V(C::kLimitT) < t;
  if (any(central)) {
    V ch, cl;
    xdetail::erfinv_central(v, vlo, ch, cl);
    ph = blendv(ph, ch, central);
    pl = blendv(pl, cl, central);
  }
  V r = xdetail::erfinv_result(x, ph, pl);
  const V a = abs(x);
  if (!all_less(a, one)) {  // |x| >= 1 or NaN
    r = blendv(r, xdetail::copysign_(xdetail::inf_<float>(), x), a == one);
    r = blendv(r, xdetail::nan_<float>(), (a > one) | (x != x));
  }
  return r;
}

// Two vectors at once (cpu_kernel_vec's pairwise step, aten/native/cpu/Loops.h): one branch for
// both, so the compiler loads each constant of the central path once for the two (16 vector
// registers hold one vector's temporaries, not its constants too): 3.85 -> 3.54 ns an element
// in cache. The same operations on each vector as erfinv(x), so the same bits.
[[gnu::always_inline]] inline std::array<Vectorized<float>, 2> erfinv(const std::array<Vectorized<float>, 2>& x) {
  using V = Vectorized<float>;
  using C = xdetail::ErfinvCentral;
  const V one(1.0f), limit(C::kLimitT);
  const V t0 = xdetail::fnma_(x[0], x[0], one), t1 = xdetail::fnma_(x[1], x[1], one);
  if (!(all_less(limit, t0) && all_less(limit, t1))) return {erfinv(x[0]), erfinv(x[1])};
  V v0, vlo0, v1, vlo1, ph0, pl0, ph1, pl1;
  xdetail::erfinv_log(t0, v0, vlo0);
  xdetail::erfinv_log(t1, v1, vlo1);
  xdetail::erfinv_central(v0, vlo0, ph0, pl0);
  xdetail::erfinv_central(v1, vlo1, ph1, pl1);
  return {xdetail::erfinv_result(x[0], ph0, pl0), xdetail::erfinv_result(x[1], ph1, pl1)};
}
// Other lane types (double: vec_math_erf.h): one vector after the other.
template <typename T>
inline std::array<Vectorized<T>, 2> erfinv(const std::array<Vectorized<T>, 2>& x) {
  return {erfinv(x[0]), erfinv(x[1])};
}

}  // namespace CPU_CAPABILITY
}  // namespace tg::vec
