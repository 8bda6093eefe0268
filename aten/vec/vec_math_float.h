#pragma once
// Float math evaluated through double lanes, and cheaper float evaluations for float16 / bfloat16
// results (issue 14), on top of vec_math_extra.h (its xdetail helpers, the same bitwise-identity
// rules: a fixed sequence of correctly rounded operations, fma_ for every fused multiply-add):
//
//   pow (float; erfinv's float lanes are in vec_math_erfinv.h, the double overload in vec_math_erf.h),
//   for_half::{asin, acos, erf, exp2 (for pow), log2, log10, pow, sin}
//
// Used by MathKernels.cpp (compiled with -ffp-contract=off).
#include <array>
#include <cmath>
#include <limits>
#include <utility>

#include "aten/vec/vec_math_atan.h"
#include "aten/vec/vec_math_erf.h"
#include "aten/vec/vec_math_extra.h"
#include "aten/vec/vec_math_erfinv.h"
#include "aten/vec/vec_math_log.h"

namespace tg::vec {
inline namespace CPU_CAPABILITY {

// pow(x, y) for float operands (float32, and float16 / bfloat16 computed in float): e^(y log|x|)
// evaluated in double (pow_magnitudes: log_from_parts, exp_of_product), then rounded to float once. The double
// result is within ~1e-11 (relative) of the exact power, so the float is correctly rounded but
// for ties closer than that (glibc's powf: < 1 ulp). A negative base gives the sign of an odd
// integer exponent and NaN for a non-integer one. Vectors holding a lane where C's pow has a
// special case (x = +-0, +-inf, NaN, y = +-inf, NaN) take std::pow on those lanes. 4M float32
// elements on 2 threads (Zen 5): 1.24x PyTorch's Sleef powf under AVX-512, 1.65x under AVX2.
namespace xdetail {
// The float lanes [0, N/2) and [N/2, N) of x widened to double (exact), and back (rounded to
// nearest). In registers on AVX2 / AVX-512: a round trip through memory costs the pow below
// store-forwarding stalls that made it slower than libm's scalar powf.
inline void widen(const Vectorized<float>& x, Vectorized<double>& lo, Vectorized<double>& hi) {
#if defined(TG_VEC_AVX512)
  lo = _mm512_cvtps_pd(_mm512_castps512_ps256(x));
  hi = _mm512_cvtps_pd(_mm512_extractf32x8_ps(x, 1));
#elif defined(TG_VEC_AVX2)
  lo = _mm256_cvtps_pd(_mm256_castps256_ps128(x));
  hi = _mm256_cvtps_pd(_mm256_extractf128_ps(x, 1));
#else
  constexpr int D = Vectorized<double>::size();
  for (int i = 0; i < D; ++i) lo.values[i] = x[i], hi.values[i] = x[D + i];
#endif
}
inline Vectorized<float> narrow(const Vectorized<double>& lo, const Vectorized<double>& hi) {
#if defined(TG_VEC_AVX512)
  return _mm512_insertf32x8(_mm512_castps256_ps512(_mm512_cvtpd_ps(lo)), _mm512_cvtpd_ps(hi), 1);
#elif defined(TG_VEC_AVX2)
  return _mm256_insertf128_ps(_mm256_castps128_ps256(_mm256_cvtpd_ps(lo)), _mm256_cvtpd_ps(hi), 1);
#else
  constexpr int D = Vectorized<double>::size();
  Vectorized<float> r;
  for (int i = 0; i < D; ++i) r.values[i] = float(lo[i]), r.values[D + i] = float(hi[i]);
  return r;
#endif
}
// f(h) for h = 0 .. NC - 1, unrolled. pow's steps below are each written once for NC independent
// halves, so the program interleaves their chains (VecPair's reason, aten/vec/vec_pair.h): one
// float vector's two double halves a step, one after the other, left pow latency-bound (a chain
// of ~200 cycles; 1.83 ns an element in cache on Zen 5, one thread).
template <size_t NC, typename F>
[[gnu::always_inline]] inline void each_half(const F& f) {
  [&]<size_t... H>(std::index_sequence<H...>) { (f(H), ...); }(std::make_index_sequence<NC>{});
}
template <size_t NC, size_t N>
[[gnu::always_inline]] inline void horner_halves(Vectorized<double> (&r)[NC], const Vectorized<double> (&x)[NC],
                                                 const double (&c)[N]) {
  each_half<NC>([&](size_t h) { r[h] = Vectorized<double>(c[0]); });
  for (size_t i = 1; i < N; ++i) each_half<NC>([&](size_t h) { r[h] = fma_(r[h], x[h], Vectorized<double>(c[i])); });
}
// log|x| for normal nonzero finite float lanes, as double halves, to ~1e-15 (relative): fdlibm's
// log kernel in double on the mantissa f and exponent k split off the float lanes, with
// s = f / (2 + f) from one float division (r0) refined by a Newton step in double (error
// ~(2^-24)^2). The two double divisions of log_finite per vector were pow's slowest part.
template <size_t NC>
[[gnu::always_inline]] inline void log_from_parts(const Vectorized<double> (&f)[NC], const Vectorized<double> (&k)[NC],
                                                  const Vectorized<double> (&r0)[NC], Vectorized<double> (&l)[NC]) {
  using VD = Vectorized<double>;
  using C = XConst<double>;
  VD s[NC], z[NC], R[NC];
  each_half<NC>([&](size_t h) {
    const VD den = VD(2.0) + f[h];  // exact
    s[h] = f[h] * fma_(r0[h], fma_(den, -r0[h], VD(1.0)), r0[h]);
    z[h] = s[h] * s[h];
  });
  horner_halves(R, z, C::kLogPoly);
  each_half<NC>([&](size_t h) {
    const VD hfsq = VD(0.5) * f[h] * f[h];
    l[h] = fma_(k[h], VD(C::kLn2Hi), f[h] - (hfsq - fma_(s[h], hfsq + z[h] * R[h], k[h] * VD(C::kLn2Lo))));
  });
}
// e^(y l) to ~1e-11 (relative): enough for a result rounded to float. y l is clamped to
// [-kExpClamp, kExpClamp] (beyond, the float result over- or underflows anyway); the degree-9
// Taylor polynomial in Estrin's form, a shorter dependency chain than exp_'s degree-13 Horner.
template <size_t NC>
[[gnu::always_inline]] inline void exp_of_product(const Vectorized<double> (&y)[NC], Vectorized<double> (&l)[NC]) {
  using VD = Vectorized<double>;
  static constexpr double c[8] = {1.0 / 2, 1.0 / 6, 1.0 / 24, 1.0 / 120, 1.0 / 720, 1.0 / 5040, 1.0 / 40320,
                                  1.0 / 362880};
  const VD clamp(XConst<double>::kExpClamp);
  VD n[NC], r[NC], r2[NC], lo[NC];
  each_half<NC>([&](size_t h) {
    r[h] = exp_reduce(clamp_max(clamp_min(y[h] * l[h], -clamp), clamp), n[h]);
    r2[h] = r[h] * r[h];
  });
  each_half<NC>([&](size_t h) {
    lo[h] = fma_(fma_(VD(c[3]), r[h], VD(c[2])), r2[h], fma_(VD(c[1]), r[h], VD(c[0])));
  });
  each_half<NC>([&](size_t h) {
    const VD hi = fma_(fma_(VD(c[7]), r[h], VD(c[6])), r2[h], fma_(VD(c[5]), r[h], VD(c[4])));
    lo[h] = fma_(hi, r2[h] * r2[h], lo[h]);
  });
  each_half<NC>([&](size_t h) { l[h] = scale2n(VD(1.0) + fma_(r2[h], lo[h], r[h]), n[h]); });
}
// exp2 of K vectors at once (the loop's pairwise step): vec::exp2's steps, each written for all
// K before the next, so their chains interleave (see each_half; 4M float32 under AVX2 on 2
// threads: 700 -> 640 us, 0.87x -> 1.0x PyTorch; AVX-512 500 -> 410 us). The same operations per
// lane: the same bits.
template <typename T, size_t K>
[[gnu::always_inline]] inline std::array<Vectorized<T>, K> exp2_interleaved(const std::array<Vectorized<T>, K>& x) {
  using C = XConst<T>;
  using V = Vectorized<T>;
  V n[K], a[K], e[K], h[K];
  each_half<K>([&](size_t i) {
    const V xc = clamp_max(clamp_min(x[i], V(-C::kExpClamp)), V(C::kExpClamp));
    n[i] = round(xc);
    const V f = xc - n[i];  // exact, |f| <= 1/2
    a[i] = f * V(C::kLn2);
    e[i] = fma_(f, V(C::kLn2), -a[i]);  // f ln2 = a + e
    h[i] = V(C::kExpPoly[0]);
  });
  for (size_t c = 1; c < std::size(C::kExpPoly); ++c)
    each_half<K>([&](size_t i) { h[i] = fma_(h[i], a[i], V(C::kExpPoly[c])); });
  std::array<V, K> r;
  each_half<K>([&](size_t i) {
    const V p = fma_(a[i] * a[i], h[i], a[i]);  // expm1_poly(a, e)
    r[i] = scale2n(V(T(1)) + (p + fma_(e[i], p, e[i])), n[i]);
  });
  return r;
}
// pow(x, y) of K float vectors with their 2K double halves' chains interleaved (see each_half).
template <size_t K>
[[gnu::always_inline]] inline std::array<Vectorized<float>, K> pow_magnitudes(const std::array<Vectorized<float>, K>& x,
                                                                              const std::array<Vectorized<float>, K>& y) {
  using VF = Vectorized<float>;
  using VD = Vectorized<double>;
  using I = int32_t;
  constexpr size_t NC = 2 * K;
  VD f[NC], k[NC], r0[NC], yd[NC];
  for (size_t v = 0; v < K; ++v) {
    const auto bits = cast<I>(abs(x[v]));
    // The unbiased exponent as a float (2^23 + biased exponent, minus 2^23 + 127: exact) and the
    // mantissa in [sqrt(1/2), sqrt(2)).
    VF kf = cast<float>(srli<23>(bits) | cast<I>(VF(8388608.0f))) - VF(8388608.0f + 127.0f);
    VF m = cast<float>((bits & Vectorized<I>(0x7fffff)) | cast<I>(VF(1.0f)));
    const VF big = m > VF(1.41421356237309505f);
    m = blendv(m, m * VF(0.5f), big);
    kf = kf + (big & VF(1.0f));
    const VF ff = m - VF(1.0f);                  // exact
    const VF rf = VF(1.0f) / (VF(2.0f) + ff);  // 1 / (2 + f) to a float ulp or two
    widen(ff, f[2 * v], f[2 * v + 1]);
    widen(kf, k[2 * v], k[2 * v + 1]);
    widen(rf, r0[2 * v], r0[2 * v + 1]);
    widen(y[v], yd[2 * v], yd[2 * v + 1]);
  }
  VD p[NC];
  log_from_parts(f, k, r0, p);
  exp_of_product(yd, p);
  std::array<VF, K> r;
  for (size_t v = 0; v < K; ++v) r[v] = narrow(p[2 * v], p[2 * v + 1]);
  return r;
}
}  // namespace xdetail

namespace xdetail {
// r with the lanes in `special` replaced by std::pow (NaN results made the one quiet NaN). Out
// of line: rare, and it would keep pow from being inlined.
[[gnu::noinline]] inline Vectorized<float> pow_special_lanes(const Vectorized<float>& x, const Vectorized<float>& y,
                                                            const Vectorized<float>& r,
                                                            const Vectorized<float>& special) {
  using VF = Vectorized<float>;
  constexpr int N = VF::size();
  alignas(64) float xs[N], ys[N], rs[N];
  x.store(xs);
  y.store(ys);
  for (int i = 0; i < N; ++i) {
    const float p = std::pow(xs[i], ys[i]);
    rs[i] = p != p ? std::numeric_limits<float>::quiet_NaN() : p;
  }
  return blendv(r, VF::loadu(rs), special);
}
}  // namespace xdetail

namespace xdetail {
// pow's sign rules and special lanes on r = |x|^y: a negative base gives the sign of an odd
// integer exponent and NaN for a non-integer one (floor and y / 2 are exact in float for every
// integer y); C's special cases and subnormal bases (pow_magnitudes reads normal exponents only)
// take std::pow.
[[gnu::always_inline]] inline Vectorized<float> pow_finish(const Vectorized<float>& x, const Vectorized<float>& y,
                                                           Vectorized<float> r) {
  using VF = Vectorized<float>;
  const VF is_int = floor(y) == y;
  const VF odd = is_int & (floor(y * VF(0.5f)) != y * VF(0.5f));
  const VF negative = x < VF(0.0f);
  r = blendv(r, -r, odd & negative);
  r = blendv(r, nan_<float>(), andnot(negative, is_int));
  const VF special = (abs(x) < VF(std::numeric_limits<float>::min())) | (abs(x) == inf_<float>()) |
                     (abs(y) == inf_<float>()) | (x != x) | (y != y);
  return any(special) ? pow_special_lanes(x, y, r, special) : r;
}
}  // namespace xdetail

// Always inlined into the kernel's loop, so that its ~30 constants are broadcast once per loop
// rather than once per vector (as a called function it spent a tenth of its instructions there).
// The two-vector overload (the loop's pairwise step) interleaves four double halves: 1.83 -> 1.30
// ns an element in cache (Zen 5, AVX-512, one thread); the same bits.
[[gnu::always_inline]] inline Vectorized<float> pow(const Vectorized<float>& x, const Vectorized<float>& y) {
  return xdetail::pow_finish(x, y, xdetail::pow_magnitudes<1>({x}, {y})[0]);
}
[[gnu::always_inline]] inline std::array<Vectorized<float>, 2> pow(const std::array<Vectorized<float>, 2>& x,
                                                                   const std::array<Vectorized<float>, 2>& y) {
  const std::array<Vectorized<float>, 2> r = xdetail::pow_magnitudes<2>(x, y);
  return {xdetail::pow_finish(x[0], y[0], r[0]), xdetail::pow_finish(x[1], y[1], r[1])};
}

template <typename T, size_t K>
[[gnu::always_inline]] inline std::array<Vectorized<T>, K> exp2(const std::array<Vectorized<T>, K>& x) {
  return xdetail::exp2_interleaved<T, K>(x);
}

// ---- float16 / bfloat16 results: cheaper float evaluations of a few functions, accurate to ~2e-7
// (a few float ulps, against the ~1 ulp of the functions above), far below the 2^-11 / 2^-8
// spacing these dtypes round to: a result differs from the correctly rounded one only when the
// exact value lies within ~2e-7 of a rounding boundary. float_math's second lambda
// (aten/native/cpu/FloatMath.h) uses them for float16 / bfloat16 operands. Same bits on every
// capability, like the rest of this file. Methods: Cephes' asinf / acosf (no division), erf from
// erf_small below 1 and a degree-11 Chebyshev fit on [1, 3.3] (1 beyond, where erf rounds to 1 in
// both dtypes), exp2 from a degree-5 fit of 2^f, log2 / log10 / pow through Cephes' logf.
namespace for_half {
namespace detail {
// asin(s) for 0 <= s <= 1/2 given z = s^2.
[[gnu::always_inline]] inline Vectorized<float> asin_core(const Vectorized<float>& s, const Vectorized<float>& z) {
  return xdetail::fma_(xdetail::horner_(z, xdetail::kAsinPoly) * z, s, s);
}
}  // namespace detail

[[gnu::always_inline]] inline Vectorized<float> asin(const Vectorized<float>& x) {
  using V = Vectorized<float>;
  const V a = abs(x), big = a > V(0.5f);
  const V z = blendv(x * x, V(0.5f) * (V(1.0f) - a), big);  // > 1: negative, sqrt gives NaN
  const V s = blendv(a, sqrt(z), big);
  const V p = detail::asin_core(s, z);
  return xdetail::copysign_(blendv(p, V(xdetail::XConst<float>::kPio2Hi) - (p + p), big), x);
}

[[gnu::always_inline]] inline Vectorized<float> acos(const Vectorized<float>& x) {
  using V = Vectorized<float>;
  using C = xdetail::XConst<float>;
  const V a = abs(x), big = a > V(0.5f);
  const V z = blendv(x * x, V(0.5f) * (V(1.0f) - a), big);
  const V s = blendv(a, sqrt(z), big);
  const V p = detail::asin_core(s, z);
  // |x| <= 1/2: pi/2 - asin(x); x > 1/2: 2 asin(sqrt((1 - x) / 2)); x < -1/2: pi minus that.
  const V two_p = p + p;
  const V r_big = blendv(two_p, V(C::kPiHi) - two_p, x < V(0.0f));
  return blendv(V(C::kPio2Hi) - xdetail::copysign_(p, x), r_big, big);
}

// sin: x = n pi + r with n = round(x / pi), r in [-pi/2, pi/2] (vec_math.h's four-part pi/2,
// doubled: exact steps for |x| <= kTrigMax), and sin x = (-1)^n (r + r^3 P(r^2)), P a degree-3
// least-squares fit of (sin r - r) / r^3 (relative error 1.2e-8 in exact arithmetic, 1.1e-7
// evaluated in float). One polynomial where vec::sin's quarter-period reduction evaluates the
// sine and the cosine kernels and blends them: ~18 operations against ~32 (4M float16 under AVX2
// ran at 0.88x PyTorch). +-0 keeps its sign; vectors with a lane beyond kTrigMax (inf included)
// take vec::sin, and NaN stays NaN.
[[gnu::always_inline]] inline Vectorized<float> sin(const Vectorized<float>& x) {
  using V = Vectorized<float>;
  using C = tg::vec::detail::MathConst<float>;
  static constexpr float kP[4] = {2.6109908048965735e-06f, -0.00019812016398645937f, 0.008333100937306881f,
                                  -0.16666661202907562f};
  if (any(abs(x) > V(C::kTrigMax))) return tg::vec::sin(x);
  const V n = round(x * V(0.318309886183790672f));
  V r = x;
  for (float c : C::kPio2) r = xdetail::fma_(n, V(-2.0f * c), r);
  const V z = r * r;
  const V s = xdetail::fma_(r * z, xdetail::horner_(z, kP), r);
  const V sign = cast<float>(slli<31>(cast<int32_t>(n + V(C::kRoundMagic))));  // n's parity
  return blendv(s ^ sign, x, x == V(0.0f));
}

[[gnu::always_inline]] inline Vectorized<float> erf(const Vectorized<float>& x) {
  using V = Vectorized<float>;
  static constexpr float kErfMid[12] = {5.850123e-05f, -0.00013050609f, -0.00026496622f, 0.0013481762f,
                                        -0.0016407847f, -0.0021423628f, 0.012214893f, -0.024812395f,
                                        0.030476192f, -0.0238438f, 0.011090054f, 0.99763864f};  // in |x| - 2.15
  const V a = abs(x);
  const V mid = blendv(V(1.0f), xdetail::horner_(a - V(2.15f), kErfMid), a < V(3.3f));
  const V r = blendv(mid, xdetail::erf_small(a), a < V(1.0f));
  return blendv(xdetail::copysign_(r, x), x + x, x != x);
}

// 2^x = 2^n p(f): x = n + f (n = round(x), |f| <= 1/2, exact) and p = 1 + f q(f) a degree-5
// Chebyshev fit of 2^f (relative error 1.6e-7 in float; p(0) = 1, so integer x gives 2^x exactly
// and ties of the dtype's rounding stay ties); x is clamped to [-150, 150] first (2^x over- or underflows
// float there; NaN stays NaN) and scale2n scales by 2^n once, or in two steps in the vectors
// holding an |n| > 125 (bfloat16 keeps float's subnormals). pow's last step and the exp2
// kernel's for float16 / bfloat16 (its float32 results take the ~1 ulp vec::exp2): ~16 operations
// against vec::exp2's ~25 (4M bfloat16 on 2 threads was 0.85x PyTorch).
// The fit of 2^f on [-1/2, 1/2], highest degree first (gelu's float16 / bfloat16 kernels share it).
inline constexpr float kExp2Poly[6] = {0.0013218673411756754f, 0.00967169925570488f, 0.05550893023610115f,
                                       0.24022237956523895f,   0.6931468844413757f,  1.0f};
[[gnu::always_inline]] inline Vectorized<float> exp2(const Vectorized<float>& x) {
  using V = Vectorized<float>;
  const V xc = clamp_max(clamp_min(x, V(-150.0f)), V(150.0f));
  const V n = round(xc);
  return xdetail::scale2n(xdetail::horner_(xc - n, kExp2Poly), n);
}
namespace detail {
// log(x) for normal, finite x > 0: the division-free Cephes kernel of xdetail::log_parts.
[[gnu::always_inline]] inline Vectorized<float> log_normal(const Vectorized<float>& x) {
  const auto p = xdetail::log_parts<float, false, true>(x);
  return xdetail::log_combine(p, p.k);
}
// log(x) for any x, special values and subnormals included (the float log kernel's function).
[[gnu::always_inline]] inline Vectorized<float> log(const Vectorized<float>& x) {
  return xdetail::log_(x);
}
}  // namespace detail

// log times a constant; log's special values carry over (-inf, NaN, inf times a positive constant).
[[gnu::always_inline]] inline Vectorized<float> log2(const Vectorized<float>& x) { return detail::log(x) * Vectorized<float>(1.44269504088896341f); }
[[gnu::always_inline]] inline Vectorized<float> log10(const Vectorized<float>& x) { return detail::log(x) * Vectorized<float>(0.434294481903251828f); }

// x^y in float, three ways by lane:
//  - an integer exponent with |y| <= 64: repeated squaring of x (of 1 / x for y < 0). Exact
//    whenever the exact power is a float (every partial product divides it), which matters: x^2
//    or x^3 of a float16 / bfloat16 is often one, and sometimes a tie of the half type that must
//    round to even; otherwise within 64 float ulps;
//  - other finite exponents: 2^(y log2|x|) (exp2 and log above), ~1e-6 relative for results in
//    float16's range, ~3e-5 at bfloat16's extremes (2^+-127), far below their spacing; a negative
//    base gives the sign of an odd integer exponent, NaN for a non-integer one;
//  - a special operand (a base that is 0, subnormal, inf or NaN, an exponent that is inf or
//    NaN): vec::pow (float, in double, C's special values).
inline Vectorized<float> pow(const Vectorized<float>& x, const Vectorized<float>& y) {
  using V = Vectorized<float>;
  const V a = abs(x), n = abs(y), zero(0.0f), one(1.0f);
  const V special = (a < V(1.17549435e-38f)) | (a == xdetail::inf_<float>()) | (n == xdetail::inf_<float>()) |
                    (x != x) | (y != y);
  const bool any_special = any(special);
  const V as = any_special ? blendv(a, one, special) : a, ys = any_special ? blendv(y, zero, special) : y;
  V r = exp2(ys * (detail::log_normal(as) * V(1.44269504088896341f)));
  const V is_int = floor(y) == y;
  const V odd = is_int & (floor(y * V(0.5f)) != y * V(0.5f));
  r = blendv(r, -r, odd & (x < zero));
  r = blendv(r, xdetail::nan_<float>(), andnot(x < zero, is_int));
  const V small_int = andnot(is_int & (n <= V(64.0f)), special);
  if (any(small_int)) {
    V base = blendv(x, one / x, y < zero), acc = one, e = blendv(zero, n, small_int);
    while (any(e != zero)) {  // the bits of e <= 64, lowest first
      const V halved = floor(e * V(0.5f));
      acc = blendv(acc, acc * base, e != halved + halved);
      base = base * base;
      e = halved;
    }
    r = blendv(r, acc, small_int);
  }
  return any_special ? blendv(r, vec::pow(x, y), special) : r;
}
}  // namespace for_half

}  // namespace CPU_CAPABILITY
}  // namespace tg::vec
