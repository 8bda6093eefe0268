#pragma once
// More vectorized math for float and double (issue 14), next to vec_math.h's exp / log / sin /
// cos / tanh / sigmoid, written once over the Vectorized<T> operations:
//
//   expm1 exp2 log1p log2 log10 tan atan atan2 asin acos sinh cosh asinh acosh atanh erf erfc
//   erfinv hypot fmod remainder div_floor (PyTorch's float floor division)
//
// erf, erfc and erfinv (double lanes) live in vec_math_erf.h, which includes this file.
//
// Float lanes evaluated through double (pow) and the cheaper float evaluations for
// float16 / bfloat16 results (vec::for_half) are in vec_math_float.h; float log / log2 / log10,
// erfinv, atan / atan2 and tan in vec_math_log.h, vec_math_erfinv.h, vec_math_atan.h and
// vec_math_tan.h.
//
// Bitwise identical on every capability. Each function is a fixed sequence of IEEE operations
// that round once (+ - * / sqrt, fused multiply-adds through fma_ below, which is std::fma lane
// by lane in the portable build), comparisons, blends and exact bit manipulation; so the
// portable, AVX2 and AVX-512 builds, a full vector and a partial (tail) vector, any layout and
// any thread count give the same bits for the same element. (vec_math.h's fmadd is unfused in
// the portable build, so these functions do not call vec_math.h; MathKernels.cpp, their only
// user, is compiled with -ffp-contract=off so that the compiler does not fuse a * b + c either.)
//
// Methods: exp-type functions reduce x = n ln2 + r (Cody-Waite, |r| <= ln2/2) and use the Taylor
// polynomial of e^r - 1 (vec_math.h's coefficients); 2^n is applied in one step or, where it
// would over- or underflow on its own, in two (so subnormal results are rounded once). expm1 =
// 2^n p + (2^n - 1), exp2 carries the rounding error of r ln2 (an fma) as a correction. The log
// family is fdlibm's e_log.c kernel (log(1+f) = f - hfsq + s (hfsq + R(s^2))); log2 / log10 follow
// fdlibm's e_log2.c / e_log10.c (hi part with its low bits cleared so that hi * 1/ln2_hi is exact);
// float lanes take Cephes' division-free polynomial for log(1 + f) instead (log_parts; the float
// log, log2 and log10 kernels take vec_math_log.h's table and fall back to these for specials);
// log1p(x) = log(u) + c / u with u = 1 + x and c its exact rounding error (two-sum). atan
// reduces |x| to |t| <= tan(pi/8) (t = x, (x-1)/(x+1) or -1/x, plus pi/4 or pi/2 in two parts)
// and evaluates t + t^3 P(t^2) with a Chebyshev fit of P (degree 5 float, 11 double); atan2
// reduces |y| / |x| the same way from the operands themselves (one division: (|y| -+ |x|) over
// (|y| +- |x|), |y| / |x| or -|x| / |y|) and moves the angle into the quadrant (float lanes take
// vec_math_atan.h's single reduction to [0, 1] instead, falling back to these); double asin /
// acos are atan(|x| / sqrt(1 - x^2)) and its inverse ratio, with sqrt(1 - x^2) and the quotients' rounding errors carried as corrections
// (float: Cephes' polynomial with the reduction's errors carried, asin_float below).
// tan reduces like sin / cos (carrying the reduction's rounding errors) and evaluates
// r + r^3 P(r^2) (Chebyshev fit) or -1 over it. erf(x) = x + x P(x^2) for |x| < 1; double erfc(x)
// for x >= 0.5 = e^(-x^2) H(1/x) / x with H fitted piecewise (4 pieces) and x^2 split exactly into
// hi + lo; erf = 1 - erfc above 1, erfc = 1 -+ erf below 0.5, erfc(-x) = 2 - erfc(x) (float erf
// and erfc: vec_math_erf.h's division-free forms).
// sinh / cosh / asinh / acosh / atanh are fdlibm's formulas on these kernels. hypot scales both
// operands by a power of two and returns sqrt(fma(a, a, b * b)). fmod is exact: x - trunc(x/y) y
// with an fma (exact when the quotient is below 2^mant; a quotient rounded up is fixed by one
// exact add), the other lanes (huge quotients, y = 0 or inf, x inf, NaN) go to std::fmod.
//
// Special values follow C99 / glibc, as PyTorch: NaN in -> NaN out; domain errors give NaN
// (log*(x < 0), log1p(x < -1), asin/acos(|x| > 1), acosh(x < 1), atanh(|x| > 1)); poles give
// +-inf (log*(0) = -inf, log1p(-1) = -inf, atanh(+-1) = +-inf); overflow gives inf (expm1, exp2,
// sinh, cosh, hypot); odd functions keep the sign of +-0; atan2 follows the C99 table for signed
// zeros and infinities; hypot(+-inf, NaN) = inf.
//
// Max error in ulps (float32 against float64, float64 against long double / mpmath; dense sweeps
// of the whole domain incl. subnormals, huge values and points next to multiples of pi/2), the
// same bits on every capability; tests/test_vec_math_extra.py asserts the bounds in brackets:
//   function  float32       float64          function  float32       float64
//   expm1     1.37 [1.5]    1.78 [2]         sinh      1.87 [2]      2.19 [2.5]
//   exp2      0.97 [1.5]    1.01 [1.5]       cosh      1.37 [1.5]    1.40 [1.5]
//   log1p     1.43 [1.5]    1.44 [1.5]       asinh     1.80 [2]      1.95 [2]
//   log2      0.55 [1]      0.71 [1]         acosh     2.13 [2.5]    2.36 [2.5]
//   log10     0.54 [1]      0.64 [1]         atanh     1.78 [2]      1.78 [2]
//   tan       0.67 [1]*     1.23 [1.5]*      erf       0.99 [1.5]    1.02 [1.5]
//   atan      1.19 [1.5]    1.05 [1.5]       erfc      2.23 [3.5]    3.16 [3.5]
//   asin      0.69 [1]      1.04 [1.5]       erfinv    0.89 [1]**    2.06 [2.5]
//   acos      0.63 [1]      1.08 [1.5]       hypot     1.00 [1.5]    0.99 [1.5]
//   atan2     1.19 [1.5]    1.20 [1.5]       fmod / remainder / div_floor: exact
// double erfc loses its ulps in e^(-x^2) (q + p q) / x: the next step would be a double-float H.
// * float tan: vec_math_tan.h's table (stop 59; 1.22 before); double: the polynomial in Estrin's
// form (stop 42; Horner's: 1.03), the max over 3M random arguments in [-1e4, 1e4], not the full sweep.
// ** every float in [0.95, 1) and every 29th in [1e-3, 0.95) (stop 44's shorter kernel; 0.75 before).
#include <bit>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <limits>

#include "aten/vec/vec.h"
#include "aten/vec/vec_fused.h"

namespace tg::vec {
inline namespace CPU_CAPABILITY {

namespace xdetail {
template <typename T> struct XConst;
template <> struct XConst<float> {
  using I = int32_t;
  static constexpr int kMantBits = 23, kBias = 127;
  static constexpr float kMaxFastN = 125.0f;          // 2^n for |n| <= this scales in one step
  static constexpr float kExpClamp = 160.0f;          // |x| beyond: exp / exp2 are inf or 0 anyway
  static constexpr float kExpm1Low = -20.0f;          // expm1 rounds to -1 below
  static constexpr float kLog2e = 1.44269504088896341f;
  static constexpr float kLn2 = 0.693147180559945309f;
  static constexpr float kLn2Hi = 0.693115234375f, kLn2Lo = 3.194618329871446e-05f;
  static constexpr float kMinNormal = 1.17549435e-38f, kSubnormalScale = 33554432.0f, kSubnormalExp = 25.0f;
  static constexpr float kSqrtHalf = 0.70710678118654752f;
  static constexpr float kExpPoly[7] = {1.0f / 40320, 1.0f / 5040, 1.0f / 720, 1.0f / 120, 1.0f / 24, 1.0f / 6, 0.5f};
  static constexpr float kLogPoly[7] = {1.4798198640e-01f, 1.5313838422e-01f, 1.8183572590e-01f, 2.2222198546e-01f,
                                        2.8571429849e-01f, 4.0000000596e-01f, 6.6666668653e-01f};
  // Cephes' logf: log(1 + f) = f - f^2/2 + f^3 P(f) on f in [sqrt(1/2) - 1, sqrt(2) - 1]
  static constexpr float kLogCephes[9] = {7.0376836292e-2f,  -1.1514610310e-1f, 1.1676998740e-1f,
                                          -1.2420140846e-1f, 1.4249322787e-1f,  -1.6668057665e-1f,
                                          2.0000714765e-1f,  -2.4999993993e-1f, 3.3333331174e-1f};
  static constexpr float kCephesLn2Hi = 0.693359375f, kCephesLn2Lo = -2.12194440e-4f;
  static constexpr I kSqrt2MantPlus1 = 0x3504f4;      // the mantissa bits of float(sqrt(2)), plus 1
  static constexpr I kHiMask = I(0xfffff000u);        // keeps 12 significant bits
  static constexpr float kIvLn2Hi = 1.4423828125f, kIvLn2Lo = 3.12228388963407359925e-04f;
  static constexpr float kIvLn10Hi = 0.4342041015625f, kIvLn10Lo = 9.03803407518276511289e-05f;
  static constexpr float kLog10_2Hi = 0.301029205322265625f, kLog10_2Lo = 7.90341715570213738895e-07f;
  // atan(t) = t + t^3 P(t^2) on |t| <= tan(pi/8) (Chebyshev fit, relative error 4.6e-8 of P).
  static constexpr float kAtanPoly[5] = {-0.06451928208121748758f, 0.10743731490791083043f, -0.14263955597984639199f,
                                         0.19999540483648963445f, -0.33333331761168519851f};
  static constexpr float kPio2Hi = 1.57079637050628662109f, kPio2Lo = -4.37113900018624283e-08f;
  static constexpr float kPio4Hi = 0.785398185253143310547f, kPio4Lo = -2.18556950009312141e-08f;
  static constexpr float kPiHi = 3.14159274101257324219f, kPiLo = -8.74227800037248566e-08f;
  static constexpr float kTanPi8 = 0.414213562373095049f, kTan3Pi8 = 2.41421356237309505f;
  static constexpr float kLargeAsinh = 4096.0f;       // asinh(x) = log(2x) beyond (1/x^2 below eps)
  static constexpr float kSinhBig = 10.0f;            // e^-2|x| below eps / 4: sinh = cosh = e^|x| / 2
  static constexpr float kQuotientExact = 8388608.0f; // 2^23: integer quotients below are exact
  // erf(x) = x + x g(x^2) on |x| < 1 (Chebyshev fit of g).
  static constexpr float kErfSmall[7] = {7.87587506269e-5f, -0.000801686428717f, 0.00518908742343f, -0.0268542120106f, 0.112835947152f, -0.376126266667f, 0.128379165848f};
  static constexpr float kCorrMin = 0x1p-100f;        // atan: no rounding corrections below (subnormal)
  // hypot: operands at or above kHypotBig are scaled down by kHypotDown, below kHypotSmall up by kHypotUp
  // (= 1 / kHypotDown).
  static constexpr float kHypotBig = 0x1p60f, kHypotSmall = 0x1p-60f;
  static constexpr float kHypotDown = 0x1p-100f, kHypotUp = 0x1p100f;
};
template <> struct XConst<double> {
  using I = int64_t;
  static constexpr int kMantBits = 52, kBias = 1023;
  static constexpr double kMaxFastN = 1020.0;
  static constexpr double kExpClamp = 1200.0;
  static constexpr double kExpm1Low = -40.0;
  static constexpr double kLog2e = 1.44269504088896340736;
  static constexpr double kLn2 = 0.693147180559945309417;
  static constexpr double kLn2Hi = 6.93147180369123816490e-01, kLn2Lo = 1.90821492927058770002e-10;
  static constexpr double kMinNormal = 2.2250738585072014e-308, kSubnormalScale = 18014398509481984.0, kSubnormalExp = 54.0;
  static constexpr double kSqrtHalf = 0.70710678118654752440;
  static constexpr double kExpPoly[12] = {1.0 / 6227020800, 1.0 / 479001600, 1.0 / 39916800, 1.0 / 3628800,
                                          1.0 / 362880, 1.0 / 40320, 1.0 / 5040, 1.0 / 720,
                                          1.0 / 120, 1.0 / 24, 1.0 / 6, 0.5};
  static constexpr double kLogPoly[7] = {1.479819860511658591e-01, 1.531383769920937332e-01, 1.818357216161805012e-01,
                                         2.222219843214978396e-01, 2.857142874366239149e-01, 3.999999999940941908e-01,
                                         6.666666666666735130e-01};
  static constexpr I kHiMask = I(0xffffffff00000000ull);  // fdlibm's SET_LOW_WORD(hi, 0)
  static constexpr double kIvLn2Hi = 1.44269504072144627571e+00, kIvLn2Lo = 1.67517131648865118353e-10;
  static constexpr double kIvLn10Hi = 4.34294481878168880939e-01, kIvLn10Lo = 2.50829467116452752298e-11;
  static constexpr double kLog10_2Hi = 3.01029995663611771306e-01, kLog10_2Lo = 3.69423907715893078616e-13;
  static constexpr double kAtanPoly[11] = {
      -0.019176887119062258989, 0.039231658295587191303, -0.050854497379402598613, 0.058581489128022098816,
      -0.066645114473819480001, 0.076921831908260865637, -0.090909045781239018905, 0.11111111015256361727,
      -0.14285714284666542922,  0.19999999999995520678,  -0.3333333333333333016};
  static constexpr double kPio2Hi = 1.57079632679489655800e+00, kPio2Lo = 6.12323399573676603587e-17;
  static constexpr double kPio4Hi = 7.85398163397448278999e-01, kPio4Lo = 3.06161699786838301793e-17;
  static constexpr double kPiHi = 3.14159265358979311600e+00, kPiLo = 1.22464679914735320717e-16;
  static constexpr double kTanPi8 = 0.414213562373095048802, kTan3Pi8 = 2.41421356237309504880;
  static constexpr double kLargeAsinh = 268435456.0;  // 2^28
  static constexpr double kSinhBig = 20.0;
  static constexpr double kQuotientExact = 4503599627370496.0;  // 2^52
  // double: H(t) = erfc(1/t) e^(1/t^2) / t on t in [0.03663, 0.333333, 0.588235, 1, 2], one polynomial per piece in t - center
  static constexpr double kErfcMax = 27.3;
  static constexpr double kErfcBreak[3] = {3.0, 1.69999999999999995559, 1.0};  // x at the piece boundaries
  static constexpr double kErfcCenter[4] = {0.184981684981684981208, 0.460784313725490203762, 0.794117647058823537095, 1.5};
  static constexpr double kErfcPoly[4][19] = {
      {557.961288489756883656, -574.98912316301191317, 127.116377399710649731, 87.094185864124189294, -73.0134922538052764335, 17.9060022813513337725, 8.26855102019255905517, -9.29366772483524087178, 2.88391324330568661398, 1.16945066373861913439, -1.60596583805918885528, 0.510259144076746322808, 0.335458210831244101744, -0.42739862645376693787, 0.0864827219468313765541, 0.213021534816379183002, -0.210455145531708050305, -0.0948410649231016286324, 0.554994284106659986192},
      {1.26789734538314066275, -1.41560065860419597963, 0.941339947829615826037, -0.372828138782494226436, -0.0820065522136415202644, 0.327914449818330130704, -0.364232157019303575624, 0.254079760050433720816, -0.0840800948300490438477, -0.0674963667491384678836, 0.150008343775807021925, -0.147329900042496534038, 0.0749386131763181897371, 0.0291386295229828523556, -0.115908685104202332868, 0.13661734047471866203, -0.05165635839887556426, -0.163762251986192967536, 0.517284874454711316082},
      {-0.00368147731959227939479, 0.00484760167050874750072, -0.00448063169591967397736, 0.00351991724852272261123, -0.00150708858520131573913, -0.00154543010911860411056, 0.00519453977825380304601, -0.00867247532848371098611, 0.0108655698525772516617, -0.0104037696579054059359, 0.00591342254799419699448, 0.00350039430293964462062, -0.0174425974393705972439, 0.0329623780762584765318, -0.0426766619336785797234, 0.0320900978301152076898, 0.024122784700864989418, -0.16715517453321396812, 0.460761070118761984397},
      {7.34378984283118283113e-7, -0.00000154690773693860970376, 0.00000210015082823659362081, -0.00000338254567263445650634, 0.00000512549050044379399769, -0.00000563204226438485184909, 0.00000148043773887633467081, 0.0000156479278757149624322, -0.0000638740441044939144132, 0.000177816157576196484712, -0.000414742532228561089429, 0.000846576832851257522795, -0.0014927625233907004016, 0.00206370318901489028045, -0.00116473699919206163628, -0.00593320078644064892166, 0.0331569509540309355355, -0.1183980213455372689, 0.359522938620400133433},
  };
  static constexpr double kErfSmall[13] = {5.95717614774891140443e-11, -1.13728488567916736704e-9, 1.46597752740474358138e-8, -1.63503127010546950107e-7, 0.0000016461000484121368033, -0.0000149255952668311815652, 0.000120553311116427109225, -0.000854832698083378990518, 0.00522397762481801446725, -0.0268661706450767932482, 0.112837916709548786662, -0.376126389031837480557, 0.128379167095512573766};
  static constexpr double kTanPoly[16] = {0.00000395057104495291678376, -0.00000974959287168947679836, 0.0000195456273312170128655, -0.000010207686890432194756, 0.0000271167743981700454531, 0.0000339244363506247895893, 0.0000987704856110538508431, 0.000238661112322753533688, 0.000590112829749071086997, 0.00145582332025971494564, 0.00359212902379887405827, 0.00886323547227688010739, 0.021869488538183752737, 0.0539682539682165550344, 0.133333333333333605538, 0.333333333333333333005};
  static constexpr double kCorrMin = 0x1p-960;
  static constexpr double kHypotBig = 0x1p500, kHypotSmall = 0x1p-500;
  static constexpr double kHypotDown = 0x1p-600, kHypotUp = 0x1p600;
};

template <typename T> using V = Vectorized<T>;

// a * b + c rounded once on every capability (vec_fused.h).
template <typename T>
inline V<T> fma_(const V<T>& a, const V<T>& b, const V<T>& c) { return fused_multiply_add(a, b, c); }

// c - a * b rounded once on every capability (fma_(-a, b, c) costs a sign flip on x86).
template <typename T>
inline V<T> fnma_(const V<T>& a, const V<T>& b, const V<T>& c) {
#if defined(TG_VEC_AVX512) || defined(TG_VEC_AVX2)
  return fnmadd(a, b, c);
#else
  return fma_(-a, b, c);  // negation is exact: the same bits
#endif
}

template <typename T, size_t N>
inline V<T> horner_(const V<T>& x, const T (&c)[N]) {
  V<T> r(c[0]);
  for (size_t i = 1; i < N; ++i) r = fma_(r, x, V<T>(c[i]));
  return r;
}

// The same polynomial (c[0] the highest coefficient) in Estrin's form: pairs c_2k+1 x + c_2k,
// then pairs of pairs with x^2, x^4, ...: a dependency chain of ~log2(N) fmas instead of N, for
// long polynomials whose Horner chain leaves the loop latency-bound (erfinv's degree 22: 3x).
// The tree is built at compile time (estrin_part recurses on coefficient ranges): a loop over an
// array of partial sums kept them on the stack, and erfinv's degree-12 polynomial spent its time
// in store / reload chains. Same tree, so the same bits: the range [lo, lo + len) splits at the
// largest power of two below len, the upper part times x^that power plus the lower part.
template <size_t Lo, size_t Len, typename T, size_t N>
[[gnu::always_inline]] inline V<T> estrin_part(const V<T> (&pw)[5], const T (&c)[N]) {
  if constexpr (Len == 1) {
    return V<T>(c[N - 1 - Lo]);
  } else if constexpr (Len == 2) {
    return fma_(V<T>(c[N - 2 - Lo]), pw[0], V<T>(c[N - 1 - Lo]));
  } else {
    constexpr size_t half = std::bit_floor(Len - 1);
    return fma_(estrin_part<Lo + half, Len - half>(pw, c), pw[std::countr_zero(half)], estrin_part<Lo, half>(pw, c));
  }
}
template <typename T, size_t N>
[[gnu::always_inline]] inline V<T> estrin_(const V<T>& x, const T (&c)[N]) {
  static_assert(N >= 1 && N <= 32, "estrin_: pw holds x^(2^i) up to x^16");
  V<T> pw[5] = {x, x * x, V<T>(T(0)), V<T>(T(0)), V<T>(T(0))};
  if constexpr (N > 4) pw[2] = pw[1] * pw[1];
  if constexpr (N > 8) pw[3] = pw[2] * pw[2];
  if constexpr (N > 16) pw[4] = pw[3] * pw[3];
  return estrin_part<0, N>(pw, c);
}

template <typename T> inline V<T> copysign_(const V<T>& mag, const V<T>& sgn) {
  const V<T> sign_bit(T(-0.0));
  return andnot(mag, sign_bit) | (sgn & sign_bit);
}
// All bits set where the sign bit of x is set (-0.0 included, NaN by its sign bit).
template <typename T> inline V<T> signbit_(const V<T>& x) { return copysign_(V<T>(T(1)), x) < V<T>(T(0)); }
template <typename T> inline V<T> inf_() { return V<T>(std::numeric_limits<T>::infinity()); }
template <typename T> inline V<T> nan_() { return V<T>(std::numeric_limits<T>::quiet_NaN()); }

// 2^n for integer-valued n with |n| <= the normal exponent range.
template <typename T>
inline V<T> pow2i_(const V<T>& n) {
  using C = XConst<T>;
  using I = typename C::I;
  const T magic = T(1.5) * T(typename C::I(1) << C::kMantBits);
  auto bits = cast<I>(n + V<T>(magic));
  return cast<T>(slli<C::kMantBits>(bits + Vectorized<I>(I(C::kBias))));
}

// y * 2^n for integer-valued n (|n| up to ~2 * the exponent range), rounded once.
template <typename T>
[[gnu::always_inline]] inline V<T> scale2n(const V<T>& y, const V<T>& n) {
  using C = XConst<T>;
  if (!any(abs(n) > V<T>(C::kMaxFastN))) return y * pow2i_(n);  // NaN n: y is NaN too
  V<T> n1 = floor(n * V<T>(T(0.5)));
  return (y * pow2i_(n1)) * pow2i_(n - n1);
}

// e^(r + rlo) - 1 for |r| <= ln2/2 + a little, rlo a small correction: p + rlo (1 + p).
template <typename T>
[[gnu::always_inline]] inline V<T> expm1_poly(const V<T>& r, const V<T>& rlo) {
  using C = XConst<T>;
  V<T> p = fma_(r * r, horner_(r, C::kExpPoly), r);
  return p + fma_(rlo, p, rlo);
}

// n, r with x = n ln2 + r.
template <typename T>
[[gnu::always_inline]] inline V<T> exp_reduce(const V<T>& x, V<T>& n) {
  using C = XConst<T>;
  n = round(x * V<T>(C::kLog2e));
  V<T> r = fma_(n, V<T>(-C::kLn2Hi), x);
  return fma_(n, V<T>(-C::kLn2Lo), r);
}

// exp_reduce with n read off z = x log2(e) + 1.5 * 2^mant + bias, one fma for the product and the
// rounding (so n can differ from exp_reduce's by one where x log2(e) is within a rounding of a
// half-integer; r stays within ln2/2 + a rounding). While n + bias is a normal exponent, z's bits
// shifted into the exponent field are 2^n (pow2_of_z): no pow2i_ adds, no scale2n test.
template <typename T>
[[gnu::always_inline]] inline V<T> exp_reduce_z(const V<T>& x, V<T>& n, V<T>& z) {
  using C = XConst<T>;
  const V<T> magic(T(1.5) * T(typename C::I(1) << C::kMantBits) + T(C::kBias));  // exact
  z = fma_(x, V<T>(C::kLog2e), magic);
  n = z - magic;
  V<T> r = fma_(n, V<T>(-C::kLn2Hi), x);
  return fma_(n, V<T>(-C::kLn2Lo), r);
}
template <typename T>
[[gnu::always_inline]] inline V<T> pow2_of_z(const V<T>& z) {
  using C = XConst<T>;
  return cast<T>(slli<C::kMantBits>(cast<typename C::I>(z)));
}

// e^(x + xlo) * 2^adj; x NaN or in [-kExpClamp, kExpClamp] (callers clamp), xlo finite and tiny.
template <typename T>
[[gnu::always_inline]] inline V<T> exp_(const V<T>& x, const V<T>& xlo, T adj = T(0)) {
  V<T> n;
  V<T> r = exp_reduce(x, n);
  return scale2n(V<T>(T(1)) + expm1_poly(r, xlo), n + V<T>(adj));
}

// Whether a < b in some lane or c < d fails in some lane (NaN counts), from the compares'
// k-registers (AVX-512: one kortest of both) or one movemask (AVX2), like all_less (vec_base.h).
template <typename T>
inline bool any_less_or_not_less(const V<T>& a, const V<T>& b, const V<T>& c, const V<T>& d) {
#if defined(TG_VEC_AVX512)
  if constexpr (std::is_same_v<T, float>)
    return !_kortestz_mask16_u8(_mm512_cmp_ps_mask(a, b, _CMP_LT_OQ), _mm512_cmp_ps_mask(c, d, _CMP_NLT_UQ));
  else return !_kortestz_mask8_u8(_mm512_cmp_pd_mask(a, b, _CMP_LT_OQ), _mm512_cmp_pd_mask(c, d, _CMP_NLT_UQ));
#elif defined(TG_VEC_AVX2)
  if constexpr (std::is_same_v<T, float>)
    return _mm256_movemask_ps(_mm256_or_ps(_mm256_cmp_ps(a, b, _CMP_LT_OQ), _mm256_cmp_ps(c, d, _CMP_NLT_UQ))) != 0;
  else return _mm256_movemask_pd(_mm256_or_pd(_mm256_cmp_pd(a, b, _CMP_LT_OQ), _mm256_cmp_pd(c, d, _CMP_NLT_UQ))) != 0;
#else
  for (int i = 0; i < V<T>::size(); ++i)
    if (a[i] < b[i] || !(c[i] < d[i])) return true;
  return false;
#endif
}

// Whether some lane of a mask is clear (a lane the other branch of a blend needs).
template <typename T>
inline bool any_not(const V<T>& mask) {
  return any(andnot(cast<T>(Vectorized<typename XConst<T>::I>(typename XConst<T>::I(-1))), mask));
}

// log of x >= 0 (finite or not) split into parts: log(x) = k ln2 + log(1 + f), with the mantissa
// 1 + f in [sqrt(1/2), sqrt(2)) and log(1 + f) = f - hfsq + tail (hfsq = f^2 / 2).
//  - float: Cephes' logf, tail = f^3 P(f) with a degree-8 P: no division (a division per vector
//    was the slowest part of every log-family kernel on cores with two 512-bit pipes), and as
//    accurate (max 0.80 ulp for log over every 37th float, fdlibm's kernel 0.82);
//  - double: fdlibm's e_log.c, tail = s (hfsq + R) with s = f / (2 + f), R = R(s^2), kept as s and
//    R so that the sums below fuse s (hfsq + R) + c as fdlibm does.
template <typename T>
struct LogParts {
  V<T> k, f, hfsq, tail, s, R, recip;  // tail: float; s, R: double; recip ~ 1/x, only with WithRecip
};
// WithRecip: also 1 / x (double: one division serves s = f / (2 + f) and 1 / x; s then has ~2 ulp
// of error, which moves the result by < 0.1 ulp: it only enters the small term tail).
// Normal: the caller knows x is normal (no subnormal test).
template <typename T, bool WithRecip = false, bool Normal = false>
[[gnu::always_inline]] inline LogParts<T> log_parts(const V<T>& x_in) {
  using C = XConst<T>;
  using I = typename C::I;
  LogParts<T> p;
  V<T> tiny = x_in < V<T>(C::kMinNormal);
  const bool any_tiny = !Normal && any(tiny);  // rare: the rescaling is skipped (same bits) without one
  V<T> x = any_tiny ? blendv(x_in, x_in * V<T>(C::kSubnormalScale), tiny) : x_in;
  auto bits = cast<I>(x);
  const T two_mant = T(typename C::I(1) << C::kMantBits);
  const I mant_mask = (I(1) << C::kMantBits) - 1;
  V<T> m;
  if constexpr (std::is_same_v<T, float>) {
    // The mantissa m moved into [sqrt(1/2), sqrt(2)) and its exponent k in integer arithmetic:
    // subtracting sqrt(2)'s mantissa bits + 1 borrows from the exponent exactly when m <= sqrt(2),
    // so what is left (plus those bits back, under the exponent of 1/2) is m or m / 2. The same
    // k and m as the compare-and-halve of the double branch, in 6 operations instead of 11.
    const Vectorized<I> ix = bits - Vectorized<I>(C::kSqrt2MantPlus1);
    p.k = cast<T>(srli<C::kMantBits>(ix) | cast<I>(V<T>(two_mant))) - V<T>(two_mant + T(C::kBias - 1));
    m = cast<T>((ix & Vectorized<I>(mant_mask)) + Vectorized<I>(C::kSqrt2MantPlus1 + (I(C::kBias - 1) << C::kMantBits)));
  } else {
    V<T> exp_biased = cast<T>(srli<C::kMantBits>(bits) | cast<I>(V<T>(two_mant)));
    p.k = exp_biased - V<T>(two_mant + T(C::kBias));
    m = cast<T>((bits & Vectorized<I>(mant_mask)) | cast<I>(V<T>(T(1))));
    V<T> big = m > V<T>(T(2) * C::kSqrtHalf);
    m = blendv(m, m * V<T>(T(0.5)), big);
    p.k = p.k + (big & V<T>(T(1)));
  }
  if (any_tiny) p.k = p.k - (tiny & V<T>(C::kSubnormalExp));
  p.f = m - V<T>(T(1));
  const V<T> z = p.f * p.f;
  p.hfsq = V<T>(T(0.5)) * z;
  if constexpr (std::is_same_v<T, float>) {
    p.tail = p.f * (z * horner_(p.f, C::kLogCephes));
    if constexpr (WithRecip) p.recip = V<T>(T(1)) / m * pow2i_(-minimum(p.k, V<T>(T(C::kBias - 7))));  // 1/x = 2^-k / m
  } else {
    if constexpr (WithRecip) {
      V<T> two_f = V<T>(T(2)) + p.f;
      V<T> d = V<T>(T(1)) / (m * two_f);
      p.s = p.f * (m * d);
      p.recip = two_f * d * pow2i_(-minimum(p.k, V<T>(T(C::kBias - 7))));
    } else {
      p.s = p.f / (V<T>(T(2)) + p.f);
    }
    const V<T> w = p.s * p.s;
    p.R = w * horner_(w, C::kLogPoly);
  }
  return p;
}
// k ln2 + log(1 + f) from the parts (k = p.k, or p.k + 1 for log(2x)). float: Cephes' order with
// ln2 = 0.693359375 - 2.12194440e-4 (k times the first part is exact); double: fdlibm's.
template <typename T>
[[gnu::always_inline]] inline V<T> log_combine(const LogParts<T>& p, const V<T>& k) {
  using C = XConst<T>;
  if constexpr (std::is_same_v<T, float>)
    return (p.f + ((p.tail + k * V<T>(C::kCephesLn2Lo)) - p.hfsq)) + k * V<T>(C::kCephesLn2Hi);
  else
    return fma_(k, V<T>(C::kLn2Hi), p.f - (p.hfsq - fma_(p.s, p.hfsq + p.R, k * V<T>(C::kLn2Lo))));
}
// The special values of the log family: +inf -> +inf, 0 -> -inf, < 0 -> NaN, NaN -> NaN.
template <typename T>
[[gnu::always_inline]] inline V<T> log_specials(const V<T>& result, const V<T>& x) {
  if (!any(detail::not_normal_positive(x))) return result;  // nearly every vector
  V<T> r = blendv(result, inf_<T>(), x == inf_<T>());
  r = blendv(r, -inf_<T>(), x == V<T>(T(0)));
  r = blendv(r, nan_<T>(), x < V<T>(T(0)));
  return blendv(r, x + x, x != x);
}
// f(parts of x) with the log family's special values: one test of x for lanes that are not a
// normal positive number; a vector without one (nearly every vector) skips both the subnormal
// rescaling and the special-value blends.
template <typename T, typename F>
[[gnu::always_inline]] inline V<T> log_family(const V<T>& x, F f) {
  if (!any(detail::not_normal_positive(x))) return f(log_parts<T, false, true>(x));
  return log_specials(f(log_parts<T>(x)), x);
}
// log(x) for any x.
template <typename T>
[[gnu::always_inline]] inline V<T> log_(const V<T>& x) {
  return log_family(x, [](const LogParts<T>& p) { return log_combine(p, p.k); });
}
// log(x) for finite x > 0 (no special values).
template <typename T>
[[gnu::always_inline]] inline V<T> log_finite(const V<T>& x) {
  LogParts<T> p = log_parts(x);
  return log_combine(p, p.k);
}
// fdlibm's hi / lo split of f - hfsq + s (hfsq + R): hi keeps few enough bits for exact products.
template <typename T>
inline void log_hi_lo(const LogParts<T>& p, V<T>& hi, V<T>& lo) {
  using C = XConst<T>;
  using I = typename C::I;
  hi = cast<T>(cast<I>(p.f - p.hfsq) & Vectorized<I>(C::kHiMask));
  if constexpr (std::is_same_v<T, float>) lo = ((p.f - hi) - p.hfsq) + p.tail;
  else lo = ((p.f - hi) - p.hfsq) + p.s * (p.hfsq + p.R);
}

// log1p for any x (special values included).
template <typename T>
[[gnu::always_inline]] inline V<T> log1p_(const V<T>& x) {
  const V<T> one(T(1));
  V<T> u = x + one;
  // Two-sum: c = (x + 1) - u exactly.
  V<T> bb = u - x;
  V<T> c = (x - (u - bb)) + (one - bb);
  LogParts<T> p = log_parts<T, true>(u);
  V<T> lu = log_combine(p, p.k);
  V<T> r = lu + c * p.recip;  // c / u: c is at most half an ulp of u
  r = log_specials(r, u);  // u = inf, 0, < 0, NaN
  return blendv(r, x, x == V<T>(T(0)));  // keeps -0
}

// log1p(x) for finite x >= 0 (logaddexp's log1p(exp(-|a - b|)), atanh's argument): log1p_
// without the special values and the subnormal test, which no such x needs (u = 1 + x >= 1): the
// same bits as log1p_ there, ~20 instructions fewer. x = inf or NaN gives an unspecified value;
// the callers replace it. AtMostOne (x <= 1, logaddexp's case): Fast2Sum (1 >= x) gives the
// two-sum's exact rounding error in two steps fewer.
template <typename T, bool AtMostOne = false>
[[gnu::always_inline]] inline V<T> log1p_nonneg(const V<T>& x) {
  const V<T> one(T(1));
  const V<T> u = x + one;
  V<T> c;  // (x + 1) - u exactly
  if constexpr (AtMostOne) {
    c = x - (u - one);
  } else {
    const V<T> bb = u - x;
    c = (x - (u - bb)) + (one - bb);
  }
  LogParts<T> p = log_parts<T, true, true>(u);
  const V<T> lu = log_combine(p, p.k);
  return lu + c * p.recip;
}

// atan(t) for |t| <= tan(pi/8) (and t = +-0, +-inf handled by the callers' reduction).
template <typename T>
inline V<T> atan_poly(const V<T>& t) {
  using C = XConst<T>;
  V<T> z = t * t;
  return fma_(t * z, horner_(z, C::kAtanPoly), t);
}
// The exact rounding error of a + b = s (two-sum).
template <typename T>
inline V<T> two_sum_err(const V<T>& a, const V<T>& b, const V<T>& s) {
  V<T> bb = s - a;
  return (a - (s - bb)) + (b - bb);
}
// atan(n / d + alo) = hi + lo for n, d >= 0, not both 0 or both inf (NaN -> NaN), alo a small
// correction to the ratio (finite); hi is 0, pi/4 or pi/2 rounded (exactly pi_hi / 4 or / 2, so
// pi_hi - hi is exact). atan passes d = 1; atan2 passes |y| and |x| scaled so that 1 / den below
// neither overflows nor underflows (den is between max(n, d) and twice it).
template <typename T>
inline void atan_frac(const V<T>& n, const V<T>& d, const V<T>& alo, V<T>& hi, V<T>& lo) {
  using C = XConst<T>;
  const V<T> one(T(1)), zero(T(0));
  V<T> big = n > d * V<T>(C::kTan3Pi8);
  V<T> mid = andnot(n > d * V<T>(C::kTanPi8), big);
  // t = -d/n (big), (n - d)/(n + d) (mid), n/d: one reciprocal for all three (inf gives 0), from
  // the exact n and d, so no quotient is rounded before the reduction. t = num * (1/den) need not
  // be correctly rounded: its error is in tc below.
  V<T> num = blendv(blendv(n, n - d, mid), -d, big);
  V<T> den = blendv(blendv(d, n + d, mid), n, big);
  V<T> rden = one / den;
  V<T> t = num * rden;
  // t's rounding error (and that of n -+ d), carried as tc: t + tc = num / den exactly, to first
  // order; and alo moved through the reduction (dt/da = 1, (1 - t)^2 / 2, t^2 for a = n / d).
  V<T> nlo = mid & two_sum_err(n, -d, num);
  V<T> dlo = mid & two_sum_err(n, d, den);
  V<T> dtda = blendv(blendv(one, V<T>(T(0.5)) * (one - t) * (one - t), mid), t * t, big);
  V<T> tc = (fma_(-t, den, num) + (nlo - t * dlo)) * rden + dtda * alo;
  tc = tc & (abs(tc) < inf_<T>());  // a = inf: t = -0, no correction
  V<T> z = t * t;
  V<T> p = fma_(t * z, horner_(z, C::kAtanPoly), t);
  V<T> corr = tc * fma_(z, z - one, one);  // tc / (1 + t^2), to the few bits that matter
  V<T> base_hi = blendv(blendv(zero, V<T>(C::kPio4Hi), mid), V<T>(C::kPio2Hi), big);
  V<T> base_lo = blendv(blendv(zero, V<T>(C::kPio4Lo), mid), V<T>(C::kPio2Lo), big);
  hi = base_hi;
  lo = p + (base_lo + corr);
}
// atan(a + alo) for a >= 0 or +inf: atan_frac of a / 1 (the same operations as a reduction of a).
template <typename T>
inline void atan_pos(const V<T>& a, const V<T>& alo, V<T>& hi, V<T>& lo) {
  atan_frac(a, V<T>(T(1)), alo, hi, lo);
}
template <typename T>
inline V<T> atan_pos(const V<T>& a, const V<T>& alo) {
  V<T> hi, lo;
  atan_pos(a, alo, hi, lo);
  return hi + lo;
}
// atan((n + nlo) / (d + dlo)) for n, d >= 0 (either may be 0 or inf, not both); with
// from_pi, pi minus it.
template <typename T>
inline V<T> atan_quot(const V<T>& n, const V<T>& nlo, const V<T>& d, const V<T>& dlo, const V<T>& from_pi) {
  V<T> q = n / d;
  V<T> qlo = (fma_(-q, d, n) + (nlo - q * dlo)) / d;
  // No correction where q is 0 or inf, or so small that the correction would be subnormal.
  V<T> hi, lo;
  atan_pos(q, qlo & (abs(qlo) < inf_<T>()) & (q >= V<T>(XConst<T>::kCorrMin)), hi, lo);
  using C = XConst<T>;
  return blendv(hi + lo, (V<T>(C::kPiHi) - hi) + (V<T>(C::kPiLo) - lo), from_pi);
}
// c + clo = sqrt(1 - x^2) for |x| <= 1 (NaN beyond), to about twice the working precision.
template <typename T>
inline void sqrt_one_minus_sq(const V<T>& ax, V<T>& c, V<T>& clo) {
  const V<T> one(T(1));
  V<T> x2 = ax * ax;
  V<T> e = fma_(ax, ax, -x2);  // x^2 = x2 + e
  V<T> h = one - x2;
  V<T> w_lo = two_sum_err(one, -x2, h) - e;
  c = sqrt(h);
  clo = (fma_(-c, c, h) + w_lo) / (c + c);
  clo = clo & (abs(clo) < inf_<T>());  // c = 0
}
}  // namespace xdetail

template <typename T>
[[gnu::always_inline]] inline Vectorized<T> expm1(const Vectorized<T>& x) {
  using C = xdetail::XConst<T>;
  using V = Vectorized<T>;
  V xc = clamp_max(clamp_min(x, V(C::kExpm1Low)), V(C::kExpClamp));  // NaN stays NaN
  V n;
  V p = xdetail::expm1_poly(xdetail::exp_reduce(xc, n), V(T(0)));
  V big = abs(n) > V(C::kMaxFastN);
  V t = xdetail::pow2i_(minimum(n, V(C::kMaxFastN)));
  V r = xdetail::fma_(t, p, t - V(T(1)));  // 2^n (1 + p) - 1
  if (any(big)) r = blendv(r, xdetail::scale2n(V(T(1)) + p, n) - V(T(1)), big);
  return blendv(r, x, x == V(T(0)));  // keeps -0
}

template <typename T>
[[gnu::always_inline]] inline Vectorized<T> exp2(const Vectorized<T>& x) {
  using C = xdetail::XConst<T>;
  using V = Vectorized<T>;
  V xc = clamp_max(clamp_min(x, V(-C::kExpClamp)), V(C::kExpClamp));
  V n = round(xc);
  V f = xc - n;                      // exact, |f| <= 1/2
  V a = f * V(C::kLn2);
  V e = xdetail::fma_(f, V(C::kLn2), -a);  // f ln2 = a + e exactly (up to ln2's rounding)
  return xdetail::scale2n(V(T(1)) + xdetail::expm1_poly(a, e), n);
}

template <typename T>
[[gnu::always_inline]] inline Vectorized<T> log1p(const Vectorized<T>& x) { return xdetail::log1p_(x); }

template <typename T>
[[gnu::always_inline]] inline Vectorized<T> log2(const Vectorized<T>& x) {
  using C = xdetail::XConst<T>;
  using V = Vectorized<T>;
  return xdetail::log_family(x, [](const xdetail::LogParts<T>& p) {
    V hi, lo;
    xdetail::log_hi_lo(p, hi, lo);
    V val_hi = hi * V(C::kIvLn2Hi);
    V val_lo = (lo + hi) * V(C::kIvLn2Lo) + lo * V(C::kIvLn2Hi);
    V w = p.k + val_hi;
    val_lo = val_lo + ((p.k - w) + val_hi);
    return val_lo + w;
  });
}

template <typename T>
[[gnu::always_inline]] inline Vectorized<T> log10(const Vectorized<T>& x) {
  using C = xdetail::XConst<T>;
  using V = Vectorized<T>;
  return xdetail::log_family(x, [](const xdetail::LogParts<T>& p) {
    V hi, lo;
    xdetail::log_hi_lo(p, hi, lo);
    V val_hi = hi * V(C::kIvLn10Hi);
    V y2 = p.k * V(C::kLog10_2Hi);
    V val_lo = p.k * V(C::kLog10_2Lo) + (lo + hi) * V(C::kIvLn10Lo) + lo * V(C::kIvLn10Hi);
    V w = y2 + val_hi;
    val_lo = val_lo + ((y2 - w) + val_hi);
    return val_lo + w;
  });
}

template <typename T>
[[gnu::always_inline]] inline Vectorized<T> atan(const Vectorized<T>& x) {
  return xdetail::copysign_(xdetail::atan_pos(abs(x), Vectorized<T>(T(0))), x);
}

// atan2(y, x) with C99's special values (NaN operands give the default quiet NaN).
template <typename T>
[[gnu::always_inline]] inline Vectorized<T> atan2(const Vectorized<T>& y, const Vectorized<T>& x) {
  using C = xdetail::XConst<T>;
  using V = Vectorized<T>;
  const V inf = xdetail::inf_<T>(), zero(T(0));
  V ay = abs(y), ax = abs(x);
  V both_inf = (ay == inf) & (ax == inf);
  // atan(|y| / |x|) without rounding the quotient first: one division, not three (both
  // infinite: 1 / 1 -> pi/4; x = 0: pi/2). Lanes whose larger operand is outside [2^-64, 2^64]
  // are scaled by 2^64 or 2^-64 first (exact, but for a partner so much smaller that the angle is
  // below 2^-126 and rounds as a subnormal).
  V n = blendv(ay, V(T(1)), both_inf), d = blendv(ax, V(T(1)), both_inf);
  const V larger = maximum(n, d);
  const V huge = larger > V(T(0x1p64)), tiny = larger < V(T(0x1p-64));
  if (any(huge | tiny)) {
    const V scale = blendv(blendv(V(T(1)), V(T(0x1p64)), tiny), V(T(0x1p-64)), huge);
    n = n * scale;
    d = d * scale;
  }
  V hi, lo;
  xdetail::atan_frac(n, d, zero, hi, lo);
  V xneg = xdetail::signbit_(x);  // pi minus the angle
  V a = blendv(hi + lo, (V(C::kPiHi) - hi) + (V(C::kPiLo) - lo), xneg);
  a = blendv(a, blendv(zero, V(C::kPiHi), xneg), y == zero);  // y = +-0: 0 or pi (x = +-0 too)
  a = xdetail::copysign_(a, y);
  return blendv(a, xdetail::nan_<T>(), (x != x) | (y != y));
}

namespace xdetail {
// float asin / acos (Cephes' asinf polynomial, its accuracy carried through the argument
// reduction): asin(a) = a + a z P(z) with z = a^2 for a <= 1/2; above, asin(a) = pi/2 - 2 asin(s)
// with s = sqrt(z), z = (1 - a) / 2 (exact), s's rounding error s_lo carried, and pi/2 - 2s as an
// exact t + err. No atan and no division (a sqrt): 3x faster than the atan form (AVX2: 1.8 -> 0.6
// ns an element, which PyTorch's Sleef beat) and more accurate (0.68 / 0.66 ulp against 1.05 / 1.27).
inline constexpr float kAsinPoly[5] = {4.2163199048e-2f, 2.4181311049e-2f, 4.5470025998e-2f,
                                       7.4953002686e-2f, 1.6666752422e-1f};
// For the lanes a in (1/2, 1] (`big`): s, s_lo (s + s_lo = sqrt(z) to ~2^-48, z = (1 - a) / 2)
// and q = z P(z), so that asin(s) = s + s_lo + s q; for the others q = z_small P(z_small).
[[gnu::always_inline]] inline void asin_big_parts(const Vectorized<float>& a, const Vectorized<float>& big,
                                                  const Vectorized<float>& z_small, Vectorized<float>& s,
                                                  Vectorized<float>& s_lo, Vectorized<float>& q) {
  using V = Vectorized<float>;
  const V z = V(0.5f) * (V(1.0f) - a);
  s = sqrt(z);
  // s_lo = (z - s^2) / (2s), where z - s^2 is below an ulp of s: a few bits of 1 / (2s) are
  // plenty, so no division: the integer first guess (within ~12 %; s_lo is at most half an ulp
  // of s, so its error stays below 0.06 of an ulp). Without stop 59's Newton step on the guess
  // (two operations) the tests' sweep measures 0.69 / 0.63 ulp for asin / acos (0.68 / 0.66 with).
  // s = 0 (a = 1): the guess is finite and z - s^2 = 0, so s_lo = 0.
  const V guess = cast<float>(Vectorized<int32_t>(0x7ef311c7) - cast<int32_t>(s + s));
  s_lo = fma_(-s, s, z) * guess;
  const V zq = blendv(z_small, z, big);
  q = horner_(zq, kAsinPoly) * zq;
}
// hi - 2 asin(s) + lo for hi + lo = pi/2 or pi (hi - 2s exact as t + err: hi >= 2s).
[[gnu::always_inline]] inline Vectorized<float> minus_two_asin(float hi, float lo, const Vectorized<float>& s,
                                                               const Vectorized<float>& tail) {
  using V = Vectorized<float>;
  const V two_s = s + s, t = V(hi) - two_s;
  return t + ((((V(hi) - t) - two_s) + V(lo)) - tail);
}
// The lanes outside asin / acos's domain (rare): NaN for |x| > 1, x itself for NaN.
[[gnu::always_inline]] inline Vectorized<float> asin_domain(const Vectorized<float>& r, const Vectorized<float>& x,
                                                            const Vectorized<float>& a) {
  using V = Vectorized<float>;
  if (all_less(a, V(0x1.000002p0f))) return r;  // every |x| <= 1 (false for NaN)
  return blendv(blendv(r, nan_<float>(), a > V(1.0f)), x, x != x);
}
// Both paths evaluate kAsinPoly: at z = x^2 for |x| <= 1/2, at (1 - |x|) / 2 above. A vector with
// lanes of both kinds evaluates it once, at z blended per lane (the same operations on each lane
// as two evaluations, so the same bits): asin 0.58 -> 0.45, acos 0.65 -> 0.53 ns an element in
// cache on stop 56's Xeon (AVX-512, one thread, |x| uniform in [0, 1]; AVX2 0.81 -> 0.68, 0.89
// -> 0.76), the domain check folded into one compare as well.
[[gnu::always_inline]] inline Vectorized<float> asin_float(const Vectorized<float>& x) {
  using V = Vectorized<float>;
  using C = XConst<float>;
  const V a = abs(x), big = a > V(0.5f);
  if (!any(big)) {
    const V z = x * x;
    return asin_domain(copysign_(fma_(horner_(z, kAsinPoly) * z, a, a), x), x, a);
  }
  V s, s_lo, q;
  asin_big_parts(a, big, x * x, s, s_lo, q);
  const V r = blendv(fma_(q, a, a), minus_two_asin(C::kPio2Hi, C::kPio2Lo, s, V(2.0f) * (s_lo + q * s)), big);
  return asin_domain(copysign_(r, x), x, a);
}
[[gnu::always_inline]] inline Vectorized<float> acos_float(const Vectorized<float>& x) {
  using V = Vectorized<float>;
  using C = XConst<float>;
  const V a = abs(x), big = a > V(0.5f);
  // |x| <= 1/2: pi/2 - asin(x), pi/2 - x exact as t + err (|x| < pi/2)
  const V t = V(C::kPio2Hi) - x;
  auto small_result = [&](const V& q) { return t + ((((V(C::kPio2Hi) - t) - x) + V(C::kPio2Lo)) - q * x); };
  if (!any(big)) {
    const V z = x * x;
    return asin_domain(small_result(horner_(z, kAsinPoly) * z), x, a);
  }
  V s, s_lo, q;
  asin_big_parts(a, big, x * x, s, s_lo, q);
  const V tail = V(2.0f) * (s_lo + q * s);
  // x > 1/2: 2 asin(s); x < -1/2: pi - 2 asin(s)
  const V r_big = blendv((s + s) + tail, minus_two_asin(C::kPiHi, C::kPiLo, s, tail), x < V(0.0f));
  return asin_domain(blendv(small_result(q), r_big, big), x, a);
}
}  // namespace xdetail

// asin(x) = atan(|x| / sqrt(1 - x^2)) with the sign of x (NaN for |x| > 1); float: asin_float.
template <typename T>
[[gnu::always_inline]] inline Vectorized<T> asin(const Vectorized<T>& x) {
  if constexpr (std::is_same_v<T, float>) return xdetail::asin_float(x);
  using V = Vectorized<T>;
  V ax = abs(x), c, clo;
  xdetail::sqrt_one_minus_sq(ax, c, clo);
  V r = xdetail::atan_quot(ax, V(T(0)), c, clo, V(T(0)));
  return blendv(xdetail::copysign_(r, x), x, (x == V(T(0))) | (x != x));
}

// acos(x) = atan(sqrt(1 - x^2) / |x|), or pi minus that for x < 0; float: acos_float.
template <typename T>
[[gnu::always_inline]] inline Vectorized<T> acos(const Vectorized<T>& x) {
  if constexpr (std::is_same_v<T, float>) return xdetail::acos_float(x);
  using V = Vectorized<T>;
  V ax = abs(x), c, clo;
  xdetail::sqrt_one_minus_sq(ax, c, clo);
  V r = xdetail::atan_quot(c, clo, ax, V(T(0)), x < V(T(0)));
  return blendv(r, x, x != x);
}

template <typename T>
[[gnu::always_inline]] inline Vectorized<T> sinh(const Vectorized<T>& x) {
  using C = xdetail::XConst<T>;
  using V = Vectorized<T>;
  const V one(T(1)), half(T(0.5));
  V a = abs(x);
  V small_a = minimum(a, V(C::kSinhBig));
  V t = expm1(small_a);
  // fdlibm: |x| < 1: (2t - t^2/(t+1)) / 2, else (t + t/(t+1)) / 2. Each form (a division each)
  // only when a lane of the vector takes it.
  const V below = a < one;
  V r(T(0));
  if (xdetail::any_not(below)) r = half * (t + t / (t + one));
  if (any(below)) r = blendv(r, half * (t + t - t * t / (t + one)), below);
  V big = a >= V(C::kSinhBig);
  if (any(big)) {
    V ac = minimum(a, V(C::kExpClamp));  // inf -> overflow to inf, NaN stays NaN
    r = blendv(r, xdetail::exp_(ac, V(T(0)), T(-1)), big);
  }
  r = blendv(r, a, a == V(T(0)));
  return xdetail::copysign_(r, x);
}

template <typename T>
[[gnu::always_inline]] inline Vectorized<T> cosh(const Vectorized<T>& x) {
  using C = xdetail::XConst<T>;
  using V = Vectorized<T>;
  const V one(T(1)), half(T(0.5));
  V a = abs(x);
  V small_a = minimum(a, V(C::kSinhBig));
  // |x| < ln2/2: 1 + t^2 / (2 (1 + t)), t = expm1(|x|); else e/2 + 1/(2e), e = e^|x|. Each form
  // (an exponential and a division each) only when a lane of the vector takes it.
  const V small = a < V(C::kLn2 * T(0.5));
  V r(T(0));
  if (xdetail::any_not(small)) {
    const V e = xdetail::exp_(small_a, V(T(0)));
    r = half * e + half / e;
  }
  if (any(small)) {
    const V t = expm1(small_a);
    const V w = one + t;
    r = blendv(r, one + t * t / (w + w), small);
  }
  V big = a >= V(C::kSinhBig);
  if (any(big)) {
    V ac = minimum(a, V(C::kExpClamp));
    r = blendv(r, xdetail::exp_(ac, V(T(0)), T(-1)), big);
  }
  return r;
}

template <typename T>
[[gnu::always_inline]] inline Vectorized<T> asinh(const Vectorized<T>& x) {
  using C = xdetail::XConst<T>;
  using V = Vectorized<T>;
  const V one(T(1)), two(T(2));
  V a = abs(x);
  V a2 = a * a;
  // |x| > 2: log(2|x| + 1/(sqrt(x^2+1) + |x|)); else log1p(|x| + x^2/(1 + sqrt(1 + x^2))).
  V big = a > V(C::kLargeAsinh);
  V ab = minimum(a, V(C::kLargeAsinh));  // no overflow in a * a on the lanes that use it
  V ab2 = ab * ab;
  V r_mid = xdetail::log_finite(maximum(two * ab + one / (sqrt(ab2 + one) + ab), V(T(1))));
  V r_small = xdetail::log1p_(a + a2 / (one + sqrt(one + a2)));
  V r = blendv(r_small, r_mid, a > two);
  if (any(big)) {  // log(|x|) + ln2 (inf stays inf)
    auto p = xdetail::log_parts(a);
    V lb = xdetail::log_combine(p, p.k + one);
    r = blendv(r, blendv(lb, a, a == xdetail::inf_<T>()), big);
  }
  r = blendv(r, a, (a < V(T(1e-30))) | (x != x));  // tiny (x^2 underflows) and NaN
  return xdetail::copysign_(r, x);
}

template <typename T>
[[gnu::always_inline]] inline Vectorized<T> acosh(const Vectorized<T>& x) {
  using C = xdetail::XConst<T>;
  using V = Vectorized<T>;
  const V one(T(1)), two(T(2));
  V xb = clamp_max(clamp_min(x, one), V(C::kLargeAsinh));  // the lanes below use only this range
  V t = xb - one;
  V r_small = xdetail::log1p_(t + sqrt(two * t + t * t));
  V r_mid = xdetail::log_finite(two * xb - one / (xb + sqrt(xb * xb - one)));
  V r = blendv(r_small, r_mid, x > two);
  V big = x > V(C::kLargeAsinh);
  if (any(big)) {
    auto p = xdetail::log_parts(x);
    V lb = xdetail::log_combine(p, p.k + one);
    r = blendv(r, blendv(lb, x, x == xdetail::inf_<T>()), big);
  }
  r = blendv(r, xdetail::nan_<T>(), x < one);
  return blendv(r, x, x != x);
}

template <typename T>
[[gnu::always_inline]] inline Vectorized<T> atanh(const Vectorized<T>& x) {
  using V = Vectorized<T>;
  const V one(T(1)), half(T(0.5));
  V a = abs(x);
  // fdlibm: |x| < 0.5: t = 2|x|, 0.5 log1p(t + t|x|/(1-|x|)); else 0.5 log1p(2|x|/(1-|x|)).
  V t = a + a;
  V r = half * xdetail::log1p_nonneg(blendv(t / (one - a), t + t * a / (one - a), a < half));
  r = blendv(r, xdetail::inf_<T>(), a == one);
  r = blendv(r, xdetail::nan_<T>(), a > one);
  r = blendv(r, a, a == V(T(0)));
  return blendv(xdetail::copysign_(r, x), x, x != x);
}

template <typename T>
inline Vectorized<T> hypot(const Vectorized<T>& x, const Vectorized<T>& y) {
  using C = xdetail::XConst<T>;
  using V = Vectorized<T>;
  V ax = abs(x), ay = abs(y);
  V a = maximum(ax, ay), b = minimum(ax, ay);
  V down = a >= V(C::kHypotBig), up = a < V(C::kHypotSmall);
  V s = blendv(blendv(V(T(1)), V(C::kHypotDown), down), V(C::kHypotUp), up);
  V inv = blendv(blendv(V(T(1)), V(C::kHypotUp), down), V(C::kHypotDown), up);
  V as = a * s, bs = b * s;
  V r = sqrt(xdetail::fma_(as, as, bs * bs)) * inv;
  r = blendv(r, xdetail::nan_<T>(), (x != x) | (y != y));
  return blendv(r, xdetail::inf_<T>(), (ax == xdetail::inf_<T>()) | (ay == xdetail::inf_<T>()));
}

namespace xdetail {
// x - n pi/2 = r + rlo for integer-valued n (|x| <= kTrigMax), exactly enough for tan near the
// multiples of pi/2 (vec_math.h's four-part pi/2): the first product is exact (kPio2[0] has few
// bits), the next two are exact products (hi + lo) whose rounding errors, and those of the
// subtractions, are collected in rlo. ~25 operations: double tan's reduction, and float tan's
// fallback (vec_math_tan.h).
template <typename T>
[[gnu::always_inline]] inline void reduce_pio2_exact(const V<T>& x, const V<T>& n, V<T>& r, V<T>& rlo) {
  using M = detail::MathConst<T>;
  V<T> hi = fma_(n, V<T>(-M::kPio2[0]), x), lo(T(0));
  for (int k = 1; k <= 2; ++k) {
    V<T> ph = n * V<T>(M::kPio2[k]);
    V<T> pl = fma_(n, V<T>(M::kPio2[k]), -ph);
    V<T> s = hi - ph;
    lo = lo + (two_sum_err(hi, -ph, s) - pl);
    hi = s;
  }
  lo = lo - n * V<T>(M::kPio2[3]);
  r = hi + lo;
  rlo = lo - (r - hi);
}

}  // namespace xdetail

// tan for double lanes (float lanes: vec_math_tan.h, which includes this file): |x| = n pi/2 +
// (r + rlo) by reduce_pio2_exact, then t = r + r^3 P(r^2) (Chebyshev fit) plus its correction tlo
// (t's rounding error and rlo tan' = rlo (1 + t^2)): t + tlo for even n, and -1 / t with a
// first-order correction for odd n; tan is odd, so x's sign bit is xor-ed onto the result (which
// keeps -0). Lanes with |x| > kTrigMax (and inf, NaN) take std::tan, like sin / cos; that check
// (all_less, from the compare's mask register) costs one branch.
template <typename T>
[[gnu::always_inline]] inline Vectorized<T> tan(const Vectorized<T>& x) {
  using C = xdetail::XConst<T>;
  using M = detail::MathConst<T>;
  using V = Vectorized<T>;
  using I = typename C::I;
  const V one(T(1));
  const V a = abs(x);
  const V n = round(a * V(M::kTwoOverPi));
  // |x| <= kTrigMax everywhere (false for NaN and inf): a < the next float up
  const bool in_range = all_less(a, V(std::nextafter(M::kTrigMax, std::numeric_limits<T>::infinity())));
  V r, rlo;
  xdetail::reduce_pio2_exact(a, n, r, rlo);
  const V z = r * r;
  const V c = r * z * xdetail::estrin_(z, C::kTanPoly);  // Estrin: a shorter chain than Horner
  const V t = r + c;
  const V tlo = ((r - t) + c) + rlo * xdetail::fma_(t, t, one);  // t's rounding error (exact) + rlo tan'
  const V q = -one / t;
  const V odd = cast<T>(Vectorized<I>(I(0)) - (cast<I>(n + V(T(1.5) * T(I(1) << C::kMantBits))) & Vectorized<I>(I(1))));
  V res = blendv(t + tlo, xdetail::fma_(q, xdetail::fma_(tlo, q, xdetail::fma_(q, t, one)), q), odd);
  res = res ^ (x & V(T(-0.0)));
  if (!in_range) {
    const V far = andnot(cast<T>(Vectorized<I>(I(-1))), a <= V(M::kTrigMax));  // also NaN and inf
    res = blendv(res, map(x, [](T v) { return std::tan(v); }), far);
  }
  return res;
}

// C's fmod(x, y), exactly.
template <typename T>
inline Vectorized<T> fmod(const Vectorized<T>& x, const Vectorized<T>& y) {
  using C = xdetail::XConst<T>;
  using V = Vectorized<T>;
  V q = x / y;
  V fast = (abs(q) < V(C::kQuotientExact)) & (abs(y) < xdetail::inf_<T>());  // false for NaN, y = 0
  V n = trunc(q);
  V r = xdetail::fma_(-n, y, x);  // exact: x - n y is representable
  // The quotient rounded up to n: r has the wrong sign; one more |y| fixes it (exactly).
  V wrong = (r != V(T(0))) & (xdetail::signbit_(r) ^ xdetail::signbit_(x));
  r = blendv(r, r + xdetail::copysign_(abs(y), x), wrong);
  r = xdetail::copysign_(r, x);
  if (!any(andnot(cast<T>(Vectorized<typename C::I>(typename C::I(-1))), fast))) return r;
  alignas(64) T xs[V::size()], ys[V::size()], rs[V::size()];
  x.store(xs);
  y.store(ys);
  for (int i = 0; i < V::size(); ++i) rs[i] = std::fmod(xs[i], ys[i]);
  return blendv(V::loadu(rs), r, fast);
}

// Python's % for floats, as PyTorch: fmod moved into y's sign.
template <typename T>
inline Vectorized<T> remainder(const Vectorized<T>& x, const Vectorized<T>& y) {
  using V = Vectorized<T>;
  const V zero(T(0));
  V mod = fmod(x, y);
  V fix = (mod != zero) & ((y < zero) ^ (mod < zero));
  return blendv(mod, mod + y, fix);
}

// PyTorch's floor division of floats (native::float_div_rounding with floor = true), lane-wise.
template <typename T>
inline Vectorized<T> div_floor(const Vectorized<T>& x, const Vectorized<T>& y) {
  using V = Vectorized<T>;
  const V zero(T(0)), one(T(1));
  V q = x / y;
  V mod = fmod(x, y);
  V div = (x - mod) / y;
  div = blendv(div, div - one, (mod != zero) & ((y < zero) ^ (mod < zero)));
  V fl = floor(div);
  fl = blendv(fl, fl + one, (div - fl) > V(T(0.5)));
  fl = blendv(fl, xdetail::copysign_(zero, q), div == zero);
  return blendv(fl, q, y == zero);
}

}  // namespace CPU_CAPABILITY
}  // namespace tg::vec
