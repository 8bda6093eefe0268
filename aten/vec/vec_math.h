#pragma once
// Vectorized math for float and double, written once over the Vectorized<T> operations so the
// portable, AVX2 and AVX-512 builds share it (include aten/vec/vec.h, which includes this).
//
//   exp, log, sin, cos, tanh, sigmoid  (Vectorized<float> and Vectorized<double>)
//
// Method: Cody-Waite range reduction with constants split so the products n * C_i are exact
// (also without FMA), then polynomials: exp uses e^r = 1 + r + r^2 P(r) on |r| <= ln2/2 with P a
// degree-5 minimax fit for float and the Taylor series for double (degree 13: truncation < 0.1
// ulp), tanh the same through exp's reduction; log is fdlibm's e_log.c scheme
// (log(1+f) = f - hfsq + s(hfsq + R(s^2)), s = f / (2 + f)) with its coefficients; sin / cos use
// Cephes' sinf/cosf polynomials (float) and fdlibm's __kernel_sin/__kernel_cos (double) on
// |r| <= pi/4 after x = n pi/2 + r with pi/2 in four parts. tanh(x) = sign(x) e/(e + 2) with
// e = expm1(2|x|) (no cancellation near 0, saturates to 1 for |x| >= 20); sigmoid(x) =
// (x >= 0 ? 1 : e) / (1 + e) with e = exp(-|x|), so it underflows gradually instead of to 0.
//
// Special values: NaN in -> NaN out; exp(+-inf) = inf / 0, overflow to inf above ln(max),
// gradual underflow to subnormals (the 2^n scaling is split in two so the result is rounded
// once); log(+-0) = -inf, log(x < 0) = NaN, log(inf) = inf, subnormal inputs are rescaled;
// sin(+-0) = +-0, sin/cos(+-inf) = NaN; tanh(+-0) = +-0, tanh(+-inf) = +-1; sigmoid(+inf) = 1,
// sigmoid(-inf) = 0. sin and cos hand lanes with |x| > kTrigMax (float 4096, double 2^20 =
// 1048576) to the scalar libm (std::sin / std::cos), whose Payne-Hanek reduction is exact for
// any argument; only vectors that contain such a lane pay for it.
//
// Measured max error in ulps (float32 against NumPy float64, float64 against np.longdouble), the
// same for the AVX-512, AVX2 and portable builds, over ~2M random and log-spaced arguments plus
// points next to multiples of pi/2 for sin/cos (the sweep of tests/test_vec_math.py, which
// asserts the bound in brackets):
//   function   float32        float64
//   exp        0.97  [1]      0.98  [1]
//   log        0.78  [1.5]    0.80  [1.5]
//   sin        2.38  [3]      2.23  [3]
//   cos        2.30  [3]      2.33  [3]
//   tanh       2.14  [3]      2.35  [3]
//   sigmoid    2.25  [3]      2.23  [3]
// sin/cos lose up to ~1.5 ulp in the reduction's roundings (a double-float reduction would
// reach ~1 ulp). Special values are exact (see above).
//
// Throughput, one thread, float32, g++ 12 -O2 on the 2-core AVX-512 development machine (noisy:
// other jobs share it), Gelem/s, vectorized vs a scalar std:: loop:
//   in cache (8K elements):  AVX-512 exp 2.92 (0.32), tanh 2.16 (0.08), sigmoid 2.08 (0.30),
//                            log 0.39 (0.22), sin 1.32 (0.21); AVX2 exp 2.21, tanh 1.40,
//                            sigmoid 1.57, log 0.58, sin 1.03
//   16M in / 16M out:        ~1.0 for exp / tanh / sigmoid / sin on AVX-512 (about 8 GB/s, what
//                            one core streams here), log 0.40; AVX2 0.6 - 0.9
// (Those are older. Stop 60's Xeon, 16K floats, a C++ loop over the vector function, g++ -O3:
// exp 0.25 -> 0.18 ns an element under AVX-512 and 0.32 -> 0.23 under AVX2 with exp_split's one-fma
// reduction and minimax P; through Python against PyTorch's MKL, one thread, AVX-512: exp 1.14x,
// tanh 1.02x, sin 1.22x, cos 1.34x.)
// log is the slowest (the AVX-512 build slower than AVX2). The log *kernel* no longer uses this
// log: float lanes go through vec_math_log.h's table-driven kernel (MathKernels.cpp; before it
// vec_math_extra.h's division-free Cephes kernel),
// 2.4x faster on AVX-512 in cache on an Intel core with two 512-bit pipes (1.13 -> 0.48 ns per
// element). This log remains for the kernels that call vec::log inside a larger formula. The portable
// build is ~0.1 Gelem/s, slower than libm (its lane loops do not vectorize well at -O2); it only
// runs on CPUs without AVX2 or when forced.
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>

#include "aten/vec/vec_pair.h"

namespace tg::vec {
inline namespace CPU_CAPABILITY {

namespace detail {
template <typename T> struct MathConst;
template <> struct MathConst<float> {
  using I = int32_t;
  static constexpr int kMantBits = 23, kBias = 127;
  static constexpr float kRoundMagic = 12582912.0f;          // 1.5 * 2^23: n + magic holds n in its low bits
  static constexpr float kExpClamp = 110.0f;                 // |x| beyond: exp is inf or 0 anyway
  static constexpr float kExpSubnormalBelow = -87.0f;        // exp(x) may be subnormal below
  static constexpr float kLn2Hi = 0.693115234375f, kLn2Lo = 3.194618329871446e-05f;
  static constexpr float kLog2e = 1.44269504088896341f;
  static constexpr float kMinNormal = 1.17549435e-38f, kSubnormalScale = 33554432.0f;  // 2^25
  static constexpr float kSubnormalExp = 25.0f, kSqrtHalf = 0.70710678118654752f;
  static constexpr float kTrigMax = 4096.0f, kTinySin = 1.0f / 4096;
  static constexpr float kTwoOverPi = 0.636619772367581343f;
  static constexpr float kPio2[4] = {1.57080078125f, -4.453584551811218e-06f, -8.706138032721356e-10f,
                                     6.223371969669989e-14f};
  // exp's P in e^r = 1 + r + r^2 P(r) on |r| <= ln2/2: minimax for the relative error of e^r with
  // float coefficients (1.1e-9, 0.02 ulp; the Taylor series needs two more terms for that).
  static constexpr float kExpP[6] = {1.9790341320913285e-04f, 1.394465914927423e-03f, 8.333496749401093e-03f,
                                     4.166629537940025e-02f, 1.666666567325592e-01f, 0.5f};
  // fdlibm e_log.c Lg7 .. Lg1 rounded to float.
  static constexpr float kLogPoly[7] = {1.4798198640e-01f, 1.5313838422e-01f, 1.8183572590e-01f, 2.2222198546e-01f,
                                        2.8571429849e-01f, 4.0000000596e-01f, 6.6666668653e-01f};
  static constexpr float kLogLn2Hi = 6.9313812256e-01f, kLogLn2Lo = 9.0580006145e-06f;
  // Cephes sinf / cosf on [-pi/4, pi/4]: sin r = r + r z S(z), cos r = 1 - z/2 + z^2 C(z).
  static constexpr float kSinPoly[3] = {-1.9515295891e-4f, 8.3321608736e-3f, -1.6666654611e-1f};
  static constexpr float kCosPoly[3] = {2.443315711809948e-5f, -1.388731625493765e-3f, 4.166664568298827e-2f};
};
template <> struct MathConst<double> {
  using I = int64_t;
  static constexpr int kMantBits = 52, kBias = 1023;
  static constexpr double kRoundMagic = 6755399441055744.0;  // 1.5 * 2^52
  static constexpr double kExpClamp = 1400.0;
  static constexpr double kExpSubnormalBelow = -708.0;
  static constexpr double kLn2Hi = 6.93147180369123816490e-01, kLn2Lo = 1.90821492927058770002e-10;
  static constexpr double kLog2e = 1.44269504088896340736;
  static constexpr double kMinNormal = 2.2250738585072014e-308, kSubnormalScale = 18014398509481984.0;  // 2^54
  static constexpr double kSubnormalExp = 54.0, kSqrtHalf = 0.70710678118654752440;
  static constexpr double kTrigMax = 1048576.0, kTinySin = 1.0 / 134217728;  // 2^20, 2^-27
  static constexpr double kTwoOverPi = 0.63661977236758134308;
  static constexpr double kPio2[4] = {1.57079632673412561417e+00, 6.07710050630396597660e-11,
                                      2.02226624871116645580e-21, 8.47842766036889956997e-32};
  // exp's P: the Taylor series (1/k! for k = 13 .. 2, highest first; truncation < 0.1 ulp)
  static constexpr double kExpP[12] = {1.0 / 6227020800, 1.0 / 479001600, 1.0 / 39916800, 1.0 / 3628800,
                                       1.0 / 362880, 1.0 / 40320, 1.0 / 5040, 1.0 / 720,
                                       1.0 / 120, 1.0 / 24, 1.0 / 6, 0.5};
  static constexpr double kLogPoly[7] = {1.479819860511658591e-01, 1.531383769920937332e-01, 1.818357216161805012e-01,
                                         2.222219843214978396e-01, 2.857142874366239149e-01, 3.999999999940941908e-01,
                                         6.666666666666735130e-01};
  static constexpr double kLogLn2Hi = kLn2Hi, kLogLn2Lo = kLn2Lo;
  // fdlibm __kernel_sin S6 .. S1 and __kernel_cos C6 .. C1.
  static constexpr double kSinPoly[6] = {1.58969099521155010221e-10, -2.50507602534068634195e-08,
                                         2.75573137070700676789e-06, -1.98412698298579493134e-04,
                                         8.33333333332248946124e-03, -1.66666666666666324348e-01};
  static constexpr double kCosPoly[6] = {-1.13596475577881948265e-11, 2.08757232129817482790e-09,
                                         -2.75573143513906633035e-07, 2.48015872894767294178e-05,
                                         -1.38888888888741095749e-03, 4.16666666666666019037e-02};
};

// Horner's scheme, coefficients highest degree first.
template <typename T, size_t N>
[[gnu::always_inline]] inline Vectorized<T> horner(const Vectorized<T>& x, const T (&c)[N]) {
  Vectorized<T> r(c[0]);
  for (size_t i = 1; i < N; ++i) r = fmadd(r, x, Vectorized<T>(c[i]));
  return r;
}

// 2^n for integer-valued n in the normal exponent range.
template <typename T>
[[gnu::always_inline]] inline Vectorized<T> pow2i(const Vectorized<T>& n) {
  using C = MathConst<T>;
  using I = typename C::I;
  auto bits = cast<I>(n + Vectorized<T>(C::kRoundMagic));  // low bits: n (two's complement)
  return cast<T>(slli<C::kMantBits>(bits + Vectorized<I>(I(C::kBias))));
}

// exp's reduction: x = n ln2 + r with |r| <= ln2/2. z = x log2(e) + magic rounds n into z's low
// bits (one fma instead of a multiply and a rounding), and magic carries the exponent bias too, so
// z's bits shifted into the exponent field are 2^n while n + bias is a normal exponent (pow2i's
// two adds saved). Returns q = e^r - 1 = r + r^2 P(r); e^x = 2^n (1 + q) is then one fma.
template <typename T>
[[gnu::always_inline]] inline Vectorized<T> exp_split(const Vectorized<T>& x, Vectorized<T>& n, Vectorized<T>& z) {
  using C = MathConst<T>;
  using V = Vectorized<T>;
  const V magic(C::kRoundMagic + T(C::kBias));  // exact: below 2^(mantissa bits + 1)
  z = fmadd(x, V(C::kLog2e), magic);
  n = z - magic;
  V r = fmadd(n, V(-C::kLn2Hi), x);
  r = fmadd(n, V(-C::kLn2Lo), r);
  return fmadd(r * r, horner(r, C::kExpP), r);
}
}  // namespace detail

template <typename T>
[[gnu::always_inline]] inline Vectorized<T> exp(const Vectorized<T>& x) {
  using C = detail::MathConst<T>;
  using V = Vectorized<T>;
  using I = typename C::I;
  V n, z;
  V q = detail::exp_split(x, n, z);
  if (all_less(abs(x), V(-C::kExpSubnormalBelow))) {
    const V s = cast<T>(slli<C::kMantBits>(cast<I>(z)));
    return fmadd(s, q, s);  // s q is exact: one rounding
  }
  // 2^n over- or underflows on its own (or a lane is NaN): clamp (inf -> a large finite n, NaN
  // stays NaN) and scale in two steps, rounding only at the second.
  V xc = clamp_max(clamp_min(x, V(-C::kExpClamp)), V(C::kExpClamp));
  q = detail::exp_split(xc, n, z);
  V n1 = floor(n * V(T(0.5)));
  V s1 = detail::pow2i(n1);
  return fmadd(s1, q, s1) * detail::pow2i(n - n1);
}

namespace detail {
// log(x) for normal, finite x > 0 (fdlibm's kernel; no special values).
template <typename T>
[[gnu::always_inline]] inline Vectorized<T> log_normal(const Vectorized<T>& x, const Vectorized<T>& k_adjust) {
  using C = MathConst<T>;
  using V = Vectorized<T>;
  using I = typename C::I;
  auto bits = cast<I>(x);
  // Exponent as a float: (bits >> mant) | bits(2^mant) is the double 2^mant + biased exponent.
  V exp_biased = cast<T>(srli<C::kMantBits>(bits) | cast<I>(V(C::kRoundMagic / T(1.5))));
  V k = exp_biased - V(C::kRoundMagic / T(1.5) + T(C::kBias)) + k_adjust;
  // Mantissa in [1, 2), then moved to [sqrt(2)/2, sqrt(2)).
  const I mant_mask = (I(1) << C::kMantBits) - 1;
  V m = cast<T>((bits & Vectorized<I>(mant_mask)) | cast<I>(V(T(1))));
  V big = m > V(T(2) * C::kSqrtHalf);
  m = blendv(m, m * V(T(0.5)), big);
  k = k + (big & V(T(1)));
  V f = m - V(T(1));
  V s = f / (V(T(2)) + f);
  V z = s * s;
  V R = z * horner(z, C::kLogPoly);
  V hfsq = V(T(0.5)) * f * f;
  return fmadd(k, V(C::kLogLn2Hi), f - (hfsq - fmadd(s, hfsq + R, k * V(C::kLogLn2Lo))));
}
// All bits set in the lanes where x is not a normal, finite, positive number (0, subnormal,
// negative, inf, NaN).
template <typename T>
inline Vectorized<T> not_normal_positive(const Vectorized<T>& x) {
  using V = Vectorized<T>;
  using I = typename MathConst<T>::I;
  V ok = (x >= V(MathConst<T>::kMinNormal)) & (x < V(std::numeric_limits<T>::infinity()));
  return ok ^ cast<T>(Vectorized<I>(I(-1)));
}
}  // namespace detail

template <typename T>
[[gnu::always_inline]] inline Vectorized<T> log(const Vectorized<T>& x_in) {
  using C = detail::MathConst<T>;
  using V = Vectorized<T>;
  // Vectors without a special lane (nearly all of them) skip the fix-ups: same bits, ~1.7x faster.
  if (!any(detail::not_normal_positive(x_in))) return detail::log_normal(x_in, V(T(0)));
  // Subnormals: scale into the normal range first.
  V tiny = x_in < V(C::kMinNormal);
  V x = blendv(x_in, x_in * V(C::kSubnormalScale), tiny);
  V result = detail::log_normal(x, blendv(V(T(0)), V(-C::kSubnormalExp), tiny));
  const V inf(std::numeric_limits<T>::infinity());
  result = blendv(result, inf, x_in == inf);
  result = blendv(result, -inf, x_in == V(T(0)));
  result = blendv(result, V(std::numeric_limits<T>::quiet_NaN()), x_in < V(T(0)));
  return blendv(result, x_in + x_in, x_in != x_in);
}

namespace detail {
// sin (cos_shift = 0) or cos (cos_shift = 1) of x for |x| <= kTrigMax, over one vector or a
// VecPair (vec_pair.h: the two vectors' steps interleaved).
template <typename V>
[[gnu::always_inline]] inline V sincos_near(const V& x, int cos_shift) {
  using T = typename V::value_type;
  using C = MathConst<T>;
  using I = typename C::I;
  using VI = rebind_t<V, I>;
  V n = round(x * V(C::kTwoOverPi));
  V r = x;
  for (T c : C::kPio2) r = fmadd(n, V(-c), r);
  V z = r * r;
  V s = fmadd(r * z, horner(z, C::kSinPoly), r);
  V hz = V(T(0.5)) * z;
  V w = V(T(1)) - hz;
  V c = w + ((V(T(1)) - w - hz) + z * z * horner(z, C::kCosPoly));
  // Quadrant q = n + cos_shift (mod 4): odd -> cos, q & 2 -> negate.
  VI q = cast<I>(n + V(C::kRoundMagic)) + VI(I(cos_shift));
  V odd = cast<T>(VI(I(0)) - (q & VI(I(1))));  // all ones where odd
  V sign = cast<T>(slli<int(sizeof(T) * 8 - 2)>(q & VI(I(2))));
  V result = blendv(s, c, odd) ^ sign;
  if (cos_shift == 0) result = blendv(result, x, abs(x) < V(C::kTinySin));  // keeps -0, subnormals
  return result;
}
// All bits set in the lanes of x that sincos_near cannot take: |x| > kTrigMax, inf and NaN.
template <typename T>
inline Vectorized<T> trig_far(const Vectorized<T>& x) {
  using I = typename MathConst<T>::I;
  return andnot(cast<T>(Vectorized<I>(I(-1))), abs(x) <= Vectorized<T>(MathConst<T>::kTrigMax));
}

template <typename T>
inline Vectorized<T> sincos(const Vectorized<T>& x, int cos_shift) {
  using V = Vectorized<T>;
  V result = sincos_near(x, cos_shift);
  V far = trig_far(x);
  if (any(far)) {
    V exact = cos_shift ? map(x, [](T v) { return std::cos(v); }) : map(x, [](T v) { return std::sin(v); });
    result = blendv(result, exact, far);
  }
  return result;
}
// K vectors (cpu_kernel_vec's pairwise step: two) with their steps interleaved, the same bits as
// one at a time. float32 sin in cache, one thread, harness: 2.12 ns an element one vector at a
// time, 1.84 two, 1.57 four (vec_pair.h says why the loop takes two).
template <typename T, size_t K>
inline std::array<Vectorized<T>, K> sincos(const std::array<Vectorized<T>, K>& x, int cos_shift) {
  // |x| <= kTrigMax in every lane, tested on the compares themselves (all_less)
  const Vectorized<T> limit(std::nextafter(MathConst<T>::kTrigMax, std::numeric_limits<T>::infinity()));
  bool near = true;
  for (size_t k = 0; k < K; ++k) near &= all_less(abs(x[k]), limit);
  if (!near) {
    std::array<Vectorized<T>, K> r;
    for (size_t k = 0; k < K; ++k) r[k] = sincos(x[k], cos_shift);
    return r;
  }
  return unpack<K, Vectorized<T>>(sincos_near(pack<K>(x), cos_shift));
}
}  // namespace detail

template <typename T> inline Vectorized<T> sin(const Vectorized<T>& x) { return detail::sincos(x, 0); }
template <typename T> inline Vectorized<T> cos(const Vectorized<T>& x) { return detail::sincos(x, 1); }
template <typename T, size_t K>
inline std::array<Vectorized<T>, K> sin(const std::array<Vectorized<T>, K>& x) { return detail::sincos(x, 0); }
template <typename T, size_t K>
inline std::array<Vectorized<T>, K> cos(const std::array<Vectorized<T>, K>& x) { return detail::sincos(x, 1); }

template <typename T>
inline Vectorized<T> tanh(const Vectorized<T>& x) {
  using C = detail::MathConst<T>;
  using V = Vectorized<T>;
  using I = typename C::I;
  V a = minimum(abs(x), V(T(20)));  // tanh rounds to 1 beyond; NaN stays NaN
  V n, z;
  V p = detail::exp_split(a + a, n, z);  // 2^n for n <= 58 from z's bits, as in exp
  V two_n = cast<T>(slli<C::kMantBits>(cast<I>(z)));
  V e = fmadd(two_n, p, two_n - V(T(1)));  // expm1(2|x|) = 2^n (1 + p) - 1
  return (e / (e + V(T(2)))) ^ (x & V(T(-0.0)));  // x's sign on a result >= 0 (or NaN)
}

template <typename T>
inline Vectorized<T> sigmoid(const Vectorized<T>& x) {
  using V = Vectorized<T>;
  V e = exp(-abs(x));
  V one(T(1));
  return blendv(one, e, x < V(T(0))) / (one + e);
}

}  // namespace CPU_CAPABILITY
}  // namespace tg::vec
