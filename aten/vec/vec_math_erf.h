#pragma once
// The error-function family over Vectorized<T> (float and double): erf, erfc, and erfinv for
// double lanes (float lanes: vec_math_erfinv.h, in float). Split from vec_math_extra.h,
// whose helpers (fma_, horner_, estrin_, the exp kernel's reduction) and constants (XConst:
// kErfSmall, the double kErfc*) it uses, under the same bitwise-identity rules; the methods and
// ulp bounds are in vec_math_extra.h's header comment. Float lanes have their own erf and erfc
// (below), without a division: erf one degree-7 polynomial per piece of |x|, erfc = e^(-x^2) G(|x|),
// the coefficients of both per piece from lookup8 (4M float32: erf 0.45x -> ~1.1x PyTorch on the
// stop-28 Xeon, erfc 0.32x -> ~0.8x, in-cache time 1.17 -> 0.47 and 1.54 -> 0.60 ns an element;
// erf's exp-based form then measured 0.68x on the Zen 2 VM, hence the polynomials).
#include <cmath>
#include <cstdint>
#include <iterator>
#include <limits>

#include "aten/vec/vec_math_extra.h"

namespace tg::vec {
inline namespace CPU_CAPABILITY {

namespace xdetail {
// erf(x) for |x| < 1 (any x: finite).
template <typename T>
inline V<T> erf_small(const V<T>& x) {
  return fma_(x, horner_(x * x, XConst<T>::kErfSmall), x);
}
// erfc(a) for a >= 0.5 (inf -> 0, NaN -> NaN; lanes below 0.5 give finite garbage):
// e^(-a^2) H(1/a) / a with e^(-a^2) from the exact square a^2 = hi + lo.
template <typename T>
inline V<T> erfc_big(const V<T>& a) {
  using C = XConst<T>;
  constexpr int P = int(std::size(C::kErfcCenter)), N = int(std::size(C::kErfcPoly[0]));
  V<T> xc = clamp_max(clamp_min(a, V<T>(T(0.5))), V<T>(C::kErfcMax));  // NaN stays NaN
  V<T> t = V<T>(T(1)) / xc;
  V<T> masks[P - 1];
  for (int p = 0; p < P - 1; ++p) masks[p] = xc >= V<T>(C::kErfcBreak[p]);
  // Coefficient k of the lane's piece: the last piece, overridden where x is at or above a break.
  auto coef = [&](const T* per_piece, int stride) {
    V<T> c(per_piece[(P - 1) * stride]);
    for (int p = P - 2; p >= 0; --p) c = blendv(c, V<T>(per_piece[p * stride]), masks[p]);
    return c;
  };
  V<T> u = t - coef(C::kErfcCenter, 1);
  V<T> h = coef(&C::kErfcPoly[0][0], N);
  for (int k = 1; k < N; ++k) h = fma_(h, u, coef(&C::kErfcPoly[0][k], N));
  // e^(-x^2) (h / x) = 2^n (1 + p) q, rounded once before the exact scaling.
  V<T> x2 = xc * xc;
  V<T> n;
  V<T> p = expm1_poly(exp_reduce(-x2, n), -fma_(xc, xc, -x2));
  V<T> q = h / xc;
  V<T> r = scale2n(fma_(p, q, q), n);
  return blendv(r, V<T>(T(0)), a > V<T>(C::kErfcMax));
}
}  // namespace xdetail

template <typename T>
[[gnu::always_inline]] inline Vectorized<T> erf(const Vectorized<T>& x) {
  using V = Vectorized<T>;
  V a = abs(x);
  V r = blendv(V(T(1)) - xdetail::erfc_big(a), xdetail::erf_small(a), a < V(T(1)));
  return blendv(xdetail::copysign_(r, x), x + x, x != x);
}

// erf for float lanes: one polynomial per piece of |x|, no exp and no division (the former
// erf_small below 1 with 1 - e^P(|x|) above computed both halves for every lane: 4M float32 on
// the 2-core Zen 2 VM, 0.68x PyTorch). The pieces are lookup8 entries, as for erfc below: the
// exponent and first mantissa bit of |x| clamped to [0.5, 8), entry (252 + piece) & 7. On
// [0, 0.75) erf = |x| + |x| P(x^2) (P(x^2) = erf(x) / x - 1, so the leading |x| is exact and tiny
// arguments return themselves); on [0.75, 1), [1, 1.5), [1.5, 2), [2, 3), [3, 4) erf = P(|x| - c)
// with c the piece's center; from 4 on 1 (erf(x) rounds to 1 from 3.92). P: degree 7, fitted to
// the relative error (iterated weighted least squares from mpmath values). Max error 0.99 ulp in
// a float simulation of these steps over every 8th float in [0.5, 4.5] and samples below.
namespace xdetail {
struct ErfFloat {
  // entry j: the piece (j - 4) mod 8, its center and coefficients (highest degree first)
  static constexpr float kCenter[8] = {2.5f, 3.5f, 5.0f, 7.0f, 0.0f, 0.875f, 1.25f, 1.75f};
  static constexpr float kPoly[8][8] = {
      {0.0003877249255310744f, 6.786455924157053e-05f, 0.0f, 0.0f, -1.1660028576443437e-05f, 0.018478551879525185f, 0.0038048310671001673f, -0.005920950789004564f},
      {-0.0026555294170975685f, -9.565556683810428e-05f, 0.0f, 0.0f, 0.00011768555850721896f, -0.010424850508570671f, 0.020597277209162712f, 0.00904917623847723f},
      {0.006150073371827602f, 8.005520794540644e-05f, 0.0f, 0.0f, -0.0008534902590326965f, -0.06721445918083191f, -0.04719308391213417f, 0.006617152132093906f},
      {-0.008645271882414818f, -6.488060898846015e-05f, 0.0f, 0.0f, 0.005223625805228949f, 0.11239711940288544f, -0.006131991744041443f, -0.04810549318790436f},
      {0.008347450755536556f, 4.2462474084459245e-05f, 0.0f, 0.0f, -0.026866121217608452f, 0.0929235965013504f, 0.16753609478473663f, 0.09015742689371109f},
      {-0.0054445574060082436f, -1.9040709958062507e-05f, 0.0f, 0.0f, 0.11283791065216064f, -0.4591519236564636f, -0.29565173387527466f, -0.09235620498657227f},
      {0.0021783439442515373f, 5.395626885729143e-06f, 0.0f, 0.0f, -0.37612637877464294f, 0.5247450470924377f, 0.23652112483978271f, 0.05277499556541443f},
      {0.9995930194854736f, 0.9999992847442627f, 1.0f, 1.0f, 0.12837916612625122f, 0.7840750813484192f, 0.9229001402854919f, 0.9866716861724854f},
  };
};
}  // namespace xdetail
[[gnu::always_inline]] inline Vectorized<float> erf(const Vectorized<float>& x) {
  using V = Vectorized<float>;
  using C = xdetail::ErfFloat;
  const V a = clamp_max(abs(x), V(7.99f));  // NaN stays NaN
  const Vectorized<int32_t> piece = srli<22>(cast<int32_t>(clamp_min(a, V(0.5f))));
  const auto small = a < V(0.75f);
  const V u = blendv(a - lookup8(C::kCenter, piece), a * a, small);
  V p = lookup8(C::kPoly[0], piece);
  for (int k = 1; k < 8; ++k) p = xdetail::fma_(p, u, lookup8(C::kPoly[k], piece));
  const V m = blendv(V(0.0f), a, small);
  const V r = xdetail::fma_(p, blendv(V(1.0f), a, small), m);  // |x| + |x| P below 0.75, else P
  return blendv(xdetail::copysign_(r, x), x + x, x != x);  // NaN: x's bits on every capability
}

template <typename T>
[[gnu::always_inline]] inline Vectorized<T> erfc(const Vectorized<T>& x) {
  using V = Vectorized<T>;
  const V one(T(1)), half(T(0.5));
  V a = abs(x);
  V eb = xdetail::erfc_big(a), es = xdetail::erf_small(a);
  V pos = blendv(eb, one - es, a < half);            // erfc(|x|)
  V neg = blendv(V(T(2)) - eb, one + es, a < half);  // erfc(-|x|) = 2 - erfc(|x|)
  return blendv(blendv(pos, neg, x < V(T(0))), x + x, x != x);
}

// erfc for float lanes: e^(-x^2) G(|x|), where G(x) = erfc(x) e^(x^2) is a degree-8 polynomial
// (minimax, relative error below 0.23 ulp) on each of eight pieces of |x|: [0, 0.75), [0.75, 1),
// [1, 1.5), [1.5, 2), [2, 3), [3, 4), [4, 6), [6, 10.1]. The piece is the exponent and first
// mantissa bit of |x| clamped to [0.5, 8) (its bits >> 22; 252 + piece), so the coefficients come
// from one lookup8 each (entry (252 + piece) & 7) instead of blends, and no lane divides. x^2 =
// hi + lo exactly; e^(-hi - lo) = 2^n (1 + p) and the result 2^n (G + p G) is scaled once (so
// subnormal results round once). |x| >= 10.1 gives 0 (the value there is below half the smallest
// subnormal), erfc(-x) = 2 - erfc(x).
namespace xdetail {
struct ErfcFloat {
  // entry j: the piece (j - 4) mod 8, its center and coefficients (highest degree first) in |x| - center
  static constexpr float kCenter[8] = {2.5f, 3.5f, 5.0f, 8.050000190734863f, 0.375f, 0.875f, 1.25f, 1.75f};
  // e^t - 1 = t + t^2 Q(t) on |t| <= ln2 / 2: Q a degree-4 minimax fit (0.05 ulp; the exp kernel's
  // degree-6 Taylor Q is more than erfc's error needs)
  static constexpr float kExpm1[5] = {0.0013814599951729178f, 0.008368715643882751f, 0.04166838899254799f,
                                      0.1666652113199234f, 0.4999999403953552f};
  static constexpr float kPoly[9][8] = {
      {1.6533485904801637e-05f, 1.8837912421076908e-06f, 1.4416326621358166e-07f, 3.268241899334612e-09f, 0.00984490942209959f, 0.0015965894563123584f, 0.00048041241825558245f, 0.00011076193186454475f},
      {-6.129613757366315e-05f, -8.46776947582839e-06f, -8.349669542440097e-07f, -2.811307631134241e-08f, -0.022745665162801743f, -0.004090514034032822f, -0.001348912250250578f, -0.0003483169712126255f},
      {0.0002109283668687567f, 3.617376205511391e-05f, 4.437973530002637e-06f, 2.089409321115454e-07f, 0.045919254422187805f, 0.009922733530402184f, 0.0035529029555618763f, 0.001039158902131021f},
      {-0.000733132881578058f, -0.00015542563050985336f, -2.4912613298511133e-05f, -1.7671119394435664e-06f, -0.09216926991939545f, -0.022925565019249916f, -0.00908054132014513f, -0.003020749893039465f},
      {0.002467040903866291f, 0.0006526867509819567f, 0.00013810399104841053f, 1.494657317380188e-05f, 0.17241330444812775f, 0.049828413873910904f, 0.02201136387884617f, 0.008404319174587727f},
      {-0.008001601323485374f, -0.0026730773970484734f, -0.0007529083522967994f, -0.00012476752453949302f, -0.2954263985157013f, -0.10091439634561539f, -0.05021829158067703f, -0.022259999066591263f},
      {0.02493799664080143f, 0.01066113356500864f, 0.004040688741952181f, 0.0010341631714254618f, 0.4556124806404114f, 0.18795692920684814f, 0.10679557174444199f, 0.05576362833380699f},
      {-0.0743473470211029f, -0.041323576122522354f, -0.021332789212465286f, -0.008512143976986408f, -0.6139861941337585f, -0.3158338963985443f, -0.2088218778371811f, -0.1309763491153717f},
      {0.21080636978149414f, 0.15529365837574005f, 0.11070463806390762f, 0.06955695897340775f, 0.6858572363853455f, 0.4643115699291229f, 0.36782291531562805f, 0.284972220659256f},
  };
};
}  // namespace xdetail
// G's Horner chain and e^(-x^2)'s steps alternate in the source: the two chains are independent
// until the end, and the 2-core Zen 2 VM runs a long chain of dependent fused multiply-adds about
// half as fast as two in alternation (GCC keeps the source order). The same operations as one
// chain after the other, so the same bits: 3.56 -> 3.20 ns an element in cache.
[[gnu::always_inline]] inline Vectorized<float> erfc(const Vectorized<float>& x) {
  using V = Vectorized<float>;
  using C = xdetail::ErfcFloat;
  using xdetail::fma_;
  const V a = clamp_max(abs(x), V(10.1f));  // NaN stays NaN
  const V hi = a * a, lo = fma_(a, a, -hi);
  V n, z;
  const V t = xdetail::exp_reduce_z(-hi, n, z);
  const Vectorized<int32_t> piece = srli<22>(cast<int32_t>(clamp_max(clamp_min(a, V(0.5f)), V(7.99f))));
  const V u = a - lookup8(C::kCenter, piece);
  const auto coef = [&](int k) { return lookup8(C::kPoly[k], piece); };
  V g = fma_(coef(0), u, coef(1));
  V q = fma_(V(C::kExpm1[0]), t, V(C::kExpm1[1]));  // e^t - 1 = t + t^2 q
  g = fma_(g, u, coef(2));
  q = fma_(q, t, V(C::kExpm1[2]));
  g = fma_(g, u, coef(3));
  q = fma_(q, t, V(C::kExpm1[3]));
  g = fma_(g, u, coef(4));
  q = fma_(q, t, V(C::kExpm1[4]));
  g = fma_(g, u, coef(5));
  V p = fma_(t * t, q, t);
  g = fma_(g, u, coef(6));
  p = p - fma_(lo, p, lo);  // e^(t - lo) - 1
  g = fma_(g, u, coef(7));
  g = fma_(g, u, coef(8));
  const V y = fma_(p, g, g);
  if (all_less(a, V(9.25f))) {  // n >= -124: 2^n from z's bits, and no NaN lane
    const V r = y * xdetail::pow2_of_z(z);
    return blendv(r, V(2.0f) - r, x < V(0.0f));
  }
  const V r = xdetail::scale2n(y, n);
  // NaN reaches r through g and p anyway, but its bits would depend on the capability's fma
  return blendv(blendv(r, V(2.0f) - r, x < V(0.0f)), x + x, x != x);
}

// erfinv's first guess in double: M. Giles' double-precision polynomials in w = -log((1 - a)(1 + a))
// ("Approximating the erfinv function", GPU Computing Gems, 2011), ~1e-15 relative, in Estrin's
// form. 0 <= a < 1; a = 1 gives a finite value (the callers replace it).
namespace xdetail {
[[gnu::always_inline]] inline Vectorized<double> erfinv_giles_double(const Vectorized<double>& a) {
  using VD = Vectorized<double>;
  static constexpr double kCentral[23] = {  // w < 6.25, in w - 3.125
      -3.6444120640178196996e-21, -1.685059138182016589e-19,  1.2858480715256400167e-18,
      1.115787767802518096e-17,   -1.333171662854620906e-16,  2.0972767875968561637e-17,
      6.6376381343583238325e-15,  -4.0545662729752068639e-14, -8.1519341976054721522e-14,
      2.6335093153082322977e-12,  -1.2975133253453532498e-11, -5.4154120542946279317e-11,
      1.051212273321532285e-09,   -4.1126339803469836976e-09, -2.9070369957882005086e-08,
      4.2347877827932403518e-07,  -1.3654692000834678645e-06, -1.3882523362786468719e-05,
      0.0001867342080340571352,   -0.00074070253416626697512, -0.0060336708714301490533,
      0.24015818242558961693,     1.6536545626831027356};
  static constexpr double kMiddle[19] = {  // 6.25 <= w < 16, in sqrt(w) - 3.25
      2.2137376921775787049e-09,  9.0756561938885390979e-08, -2.7517406297064545428e-07,
      1.8239629214389227755e-08,  1.5027403968909827627e-06, -4.013867526981545969e-06,
      2.9234449089955446044e-06,  1.2475304481671778723e-05, -4.7318229009055733981e-05,
      6.8284851459573175448e-05,  2.4031110387097893999e-05, -0.0003550375203628474796,
      0.00095328937973738049703,  -0.0016882755560235047313, 0.0024914420961078508066,
      -0.0037512085075692412107,  0.005370914553590063617,   1.0052589676941592334,
      3.0838856104922207635};
  static constexpr double kTail[17] = {  // w >= 16 (no float reaches it), in sqrt(w) - 5
      -2.7109920616438573243e-11, -2.5556418169965252055e-10, 1.5076572693500548083e-09,
      -3.7894654401267369937e-09, 7.6157012080783393804e-09,  -1.4960026627149240478e-08,
      2.9147953450901080826e-08,  -6.7711997758452339498e-08, 2.2900482228026654717e-07,
      -9.9298272942317002539e-07, 4.5260625972231537039e-06,  -1.9681778105531670567e-05,
      7.5995277030017761139e-05,  -0.00021503011930044477347, -0.00013871931833623122026,
      1.0103004648645343977,      4.8499064014085844221};
  const VD one(1.0);
  const VD w = -log_finite(maximum((one - a) * (one + a), VD(std::numeric_limits<double>::min())));
  const VD central = w < VD(6.25);
  VD p = estrin_(w - VD(3.125), kCentral);
  // The other pieces are for |x| > 0.9981: most vectors have no such lane.
  if (any(andnot(cast<double>(Vectorized<int64_t>(int64_t(-1))), central))) {
    const VD s = sqrt(w);
    VD q = estrin_(s - VD(3.25), kMiddle);
    const VD far = w >= VD(16.0);
    if (any(far)) q = blendv(q, estrin_(s - VD(5.0), kTail), far);
    p = blendv(q, p, central);
  }
  return p * a;
}
}  // namespace xdetail

// erfinv for double lanes: Giles' double-precision guess (above), then one Newton step on
// erf(y) - |x| (|x| <= 1/2) or log(erfc(y)) - log(1 - |x|) (above: nearly linear in y far into
// the tail, no cancellation near 1). erfinv(+-1) = +-inf, |x| > 1 and NaN give NaN. (Float
// lanes take the overload in vec_math_erfinv.h.)
inline Vectorized<double> erfinv(const Vectorized<double>& x) {
  using V = Vectorized<double>;
  const V one(1.0), half(0.5), tiny(std::numeric_limits<double>::min());
  const V a = abs(x);
  const V ac = minimum(a, one);  // the result for |x| > 1 and NaN lanes is replaced below
  V y = xdetail::erfinv_giles_double(ac);
  const V low = ac <= half;
  V es = xdetail::erf_small(y);
  const V y2 = y * y;
  V n;
  const V e = xdetail::scale2n(one + xdetail::expm1_poly(xdetail::exp_reduce(-y2, n), -xdetail::fma_(y, y, -y2)), n);
  const V deriv = V(1.1283791670955126) * e;  // erf'(y)
  V step = (es - ac) / deriv;
  if (any(andnot(cast<double>(Vectorized<int64_t>(int64_t(-1))), low))) {  // d log erfc / dy = -deriv / erfc
    const V log_tail = xdetail::log_finite(maximum(one - ac, tiny));
    const V erfc_y = maximum(blendv(xdetail::erfc_big(y), one - es, y < half), tiny);
    step = blendv((log_tail - xdetail::log_finite(erfc_y)) * erfc_y / deriv, step, low);
  }
  y = y - step;
  V r = blendv(y, xdetail::inf_<double>(), a == one);
  r = xdetail::copysign_(r, x);
  r = blendv(r, x, x == V(0.0));
  return blendv(r, xdetail::nan_<double>(), (a > one) | (x != x));
}

}  // namespace CPU_CAPABILITY
}  // namespace tg::vec
