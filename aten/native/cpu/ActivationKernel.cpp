// Activation kernels (issue 10): one Vectorized<T> lambda per op over cpu_kernel_vec, computing
// in Vectorized<opmath_t<T>> (float for float16 / bfloat16, rounded once on the way out).
// Formulas follow PyTorch's kernels (aten/src/ATen/native/cpu/Activation.cpp), including which
// side of a comparison NaN and the boundaries fall on; the NumPy references in
// python/tensorgen/testing/opinfo/activations.py spell out the same choices.
#include "aten/vec/isa.h"
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <string_view>
#include <type_traits>
#include <utility>

#include "aten/dispatch/DtypeDispatch.h"
#include "aten/native/cpu/Loops.h"
#include "aten/vec/vec_math_erf.h"
#include "aten/vec/vec_math_float.h"
#include "kernels/elu.h"
#include "kernels/gelu.h"
#include "kernels/gelu_backward.h"
#include "kernels/hardsigmoid.h"
#include "kernels/hardswish.h"
#include "kernels/hardswish_backward.h"
#include "kernels/_prelu_kernel.h"
#include "kernels/hardtanh.h"
#include "kernels/leaky_relu.h"
#include "kernels/log_sigmoid.h"
#include "kernels/log_sigmoid_backward.h"
#include "kernels/mish.h"
#include "kernels/silu.h"
#include "kernels/silu_backward.h"
#include "kernels/softplus.h"
#include "kernels/softsign.h"
#include "kernels/tanhshrink.h"
#include "kernels/threshold.h"
#include "kernels/threshold_backward.h"

namespace tg::native::CPU_CAPABILITY {

namespace {

constexpr double kSqrt1_2 = 0.70710678118654752440;     // 1 / sqrt(2)
constexpr double kInvSqrt2Pi = 0.39894228040143267794;  // 1 / sqrt(2 pi)
constexpr double kSqrt2OverPi = 0.79788456080286535588;  // sqrt(2 / pi)
constexpr double kGeluCubic = 0.044715;

template <typename F>
void float_activation(const TensorIterator& iter, const char* op, F f, int64_t grain = kMathGrainSize) {
  dispatch_floating(iter.common_dtype(), op, [&]<typename T>() { cpu_kernel_vec<T>(iter, f, grain); });
}
// The same with f_half for float16 / bfloat16 operands (a cheaper float evaluation, accurate far
// below the 2^-11 / 2^-8 spacing those results round to).
template <typename F, typename FHalf>
void float_activation(const TensorIterator& iter, const char* op, F f, FHalf f_half) {
  dispatch_floating(iter.common_dtype(), op, [&]<typename T>() {
    if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>) cpu_kernel_vec<T>(iter, f_half, kMathGrainSize);
    else cpu_kernel_vec<T>(iter, f, kMathGrainSize);
  });
}

// log1p(y) for y >= 0 from a vectorized log: log(u) * y / (u - 1) with u = 1 + y corrects the
// rounding of u (Goldberg's trick), and u == 1 means log1p(y) = y to working precision.
template <typename V>
V log1p_nonneg(const V& y) {
  const V u = y + V(1);
  const V d = u - V(1);
  return vec::blendv(vec::log(u) * (y / d), y, d == V(0));
}

// The gelu kernels' pieces: h = erfc(|x| / sqrt 2) / 2 (so Phi(x) = h for x < 0, 1 - h otherwise)
// and e = exp(-x^2 / 2). float: Abramowitz & Stegun 7.1.26 (|error of erf| <= 1.5e-7, PyTorch's
// Vectorized<float>::erf) written as erfc(|z|) = t q(t) exp(-z^2), which keeps its relative
// precision where 1 + erf(z) would cancel. double: std::erfc lane by lane (no approximation).
// e^t for t <= 0 skips vec::exp's special-value test (a compare and a branch per vector):
// t = n ln2 + r, clamped to -88 where n = -127 makes 2^n's bits 0 (exp_reduce_z; e^t is flushed
// to 0 below -87.68, gelu is below 2e-39 there), e^r - 1 = p = r + r^2 Q(r) with ErfcFloat's
// degree-4 minimax Q (0.05 ulp) and e^t = 2^n + 2^n p in one fma (rounded once, also where the
// result is subnormal). float16 / bfloat16 results take half_erfc_for_half below.
inline vec::Vectorized<float> exp_nonpositive(const vec::Vectorized<float>& t) {
  using V = vec::Vectorized<float>;
  const V tc = vec::clamp_min(t, V(-88.0f));  // NaN stays NaN
  V n, z;
  const V r = vec::xdetail::exp_reduce_z(tc, n, z);
  const V p = vec::xdetail::fma_(r * r, vec::xdetail::horner_(r, vec::xdetail::ErfcFloat::kExpm1), r);
  const V s = vec::xdetail::pow2_of_z(z);
  return vec::xdetail::fma_(s, p, s);
}

// f(i) for i = 0 .. K - 1, unrolled: a step written once for K vectors, so that the program
// interleaves their dependency chains (aten/vec/vec_pair.h says why: one gelu vector after the
// other left the loop latency-bound).
template <size_t K, typename F>
[[gnu::always_inline]] inline void each(const F& f) {
  [&]<size_t... I>(std::index_sequence<I...>) { (f(I), ...); }(std::make_index_sequence<K>{});
}

using Vf = vec::Vectorized<float>;

// The same for float16 / bfloat16 results, in fewer multiplies (gelu's loop is bound by them;
// bfloat16 gelu was 0.72x PyTorch's oneDNN kernel): e = 2^u with u = a^2 (-log2(e) / 2), n =
// round(u), 2^(u - n) from for_half::exp2's fit (1.6e-7) and u clamped at -127, where 2^n's bits
// are 0 (e flushes to 0 as exp_nonpositive's does); z / sqrt 2 folded into A&S's p, and the 1/2
// of h into q's coefficients. Relative error ~3e-7 against the float path's ~1e-7 (the A&S
// formula's own error aside): far below the 2^-11 / 2^-8 spacing of the results.
template <size_t K>
[[gnu::always_inline]] inline void half_erfc_for_half(const Vf (&a)[K], Vf (&h)[K], Vf (&e)[K]) {
  constexpr float kHalfLog2e = float(-0.72134752044448170368);  // -log2(e) / 2
  constexpr float kQ[5] = {float(1.061405429 / 2), float(-1.453152027 / 2), float(1.421413741 / 2),
                           float(-0.284496736 / 2), float(0.254829592 / 2)};
  // n = round(u) (to even) read off z = u + 1.5 * 2^23 + 127, whose bits shifted are 2^n: vec::round
  // and pow2i's two adds saved, the same n and so the same bits
  const Vf magic(12582912.0f + 127.0f);
  Vf z[K], f[K], p[K], t[K], q[K];
  each<K>([&](size_t i) {
    const Vf u = vec::clamp_min(a[i] * a[i] * Vf(kHalfLog2e), Vf(-127.0f));  // NaN stays NaN
    z[i] = u + magic;
    f[i] = u - (z[i] - magic);  // exact, |f| <= 1/2
  });
  each<K>([&](size_t i) { p[i] = Vf(vec::for_half::kExp2Poly[0]); });
  for (size_t c = 1; c < 6; ++c)
    each<K>([&](size_t i) { p[i] = vec::fmadd(p[i], f[i], Vf(vec::for_half::kExp2Poly[c])); });
  each<K>([&](size_t i) { e[i] = p[i] * vec::xdetail::pow2_of_z(z[i]); });
  each<K>([&](size_t i) { t[i] = Vf(1.0f) / vec::fmadd(Vf(float(0.3275911 * kSqrt1_2)), a[i], Vf(1.0f)); });
  each<K>([&](size_t i) { q[i] = vec::fmadd(Vf(kQ[0]), t[i], Vf(kQ[1])); });
  for (size_t c = 2; c < 5; ++c) each<K>([&](size_t i) { q[i] = vec::fmadd(q[i], t[i], Vf(kQ[c])); });
  each<K>([&](size_t i) { h[i] = q[i] * t[i] * e[i]; });
}

// h = erfc(|x| / sqrt 2) / 2 and e = exp(-x^2 / 2) (see above) of K float vectors a = |x|.
template <bool ForHalf, size_t K>
[[gnu::always_inline]] inline void half_erfc_float(const Vf (&a)[K], Vf (&h)[K], Vf (&e)[K]) {
  if constexpr (ForHalf) {
    half_erfc_for_half<K>(a, h, e);
    return;
  }
  Vf t[K], q[K];
  each<K>([&](size_t i) { e[i] = exp_nonpositive(a[i] * a[i] * Vf(-0.5f)); });
  each<K>([&](size_t i) {
    t[i] = Vf(1.0f) / vec::fmadd(Vf(float(0.3275911)), a[i] * Vf(float(kSqrt1_2)), Vf(1.0f));
  });
  each<K>([&](size_t i) { q[i] = vec::fmadd(Vf(float(1.061405429)), t[i], Vf(float(-1.453152027))); });
  each<K>([&](size_t i) { q[i] = vec::fmadd(q[i], t[i], Vf(float(1.421413741))); });
  each<K>([&](size_t i) { q[i] = vec::fmadd(q[i], t[i], Vf(float(-0.284496736))); });
  each<K>([&](size_t i) { q[i] = vec::fmadd(q[i], t[i], Vf(float(0.254829592))); });
  each<K>([&](size_t i) { h[i] = q[i] * t[i] * e[i] * Vf(0.5f); });
}

// The same for one vector of float or double.
template <typename V, bool ForHalf = false>
V half_erfc(const V& a, V& e) {
  if constexpr (std::is_same_v<typename V::value_type, double>) {
    e = vec::exp(a * a * V(-0.5));
    return vec::map(a, [](double v) { return 0.5 * std::erfc(v * kSqrt1_2); });
  } else {
    Vf h[1], e1[1];
    half_erfc_float<ForHalf, 1>({a}, h, e1);
    e = e1[0];
    return h[0];
  }
}

// gelu(x) = x Phi(x) = max(x, 0) - |x| h: one fused rounding and no compare. |x| is taken of
// min(x, 1e4), where h is 0 in float and double alike, so gelu(+inf) = inf rather than inf * 0;
// gelu(-inf) stays NaN (-inf * 0, like PyTorch). K float vectors at once (the loop's pairwise
// step takes two: float16 gelu 0.252 -> 0.233 ns an element on one thread, the same bits). With
// half_erfc_for_half and the AVX-512 bfloat16 pairs, bfloat16 gelu went 0.313 -> 0.229 ns (Zen 5,
// one thread; PyTorch's oneDNN kernel 0.21-0.22).
template <bool ForHalf, size_t K>
[[gnu::always_inline]] inline std::array<Vf, K> gelu_erf_float(const std::array<Vf, K>& x) {
  Vf a[K], h[K], e[K];
  each<K>([&](size_t i) { a[i] = vec::abs(vec::clamp_max(x[i], Vf(1e4f))); });  // NaN stays NaN
  half_erfc_float<ForHalf>(a, h, e);
  std::array<Vf, K> r;
  each<K>([&](size_t i) { r[i] = vec::fmadd(-a[i], h[i], vec::clamp_min(x[i], Vf(0.0f))); });
  return r;
}
// gelu of one vector (float or double) or of the loop's pair.
template <bool ForHalf, typename X>
X gelu_erf(const X& x) {
  if constexpr (std::is_same_v<X, Vf>) {
    return gelu_erf_float<ForHalf, 1>({x})[0];
  } else if constexpr (std::is_same_v<X, std::array<Vf, 2>>) {
    return gelu_erf_float<ForHalf, 2>(x);
  } else if constexpr (std::is_same_v<X, std::array<vec::Vectorized<double>, 2>>) {
    return {gelu_erf<ForHalf>(x[0]), gelu_erf<ForHalf>(x[1])};
  } else {
    const X a = vec::abs(vec::clamp_max(x, X(1e4)));
    X e;
    const X h = half_erfc<X, ForHalf>(a, e);
    return vec::fmadd(-a, h, vec::clamp_min(x, X(0.0)));
  }
}

enum class GeluType { None, Tanh };

GeluType gelu_type(const char* op, std::string_view approximate) {
  if (approximate == "none") return GeluType::None;
  TG_CHECK(approximate == "tanh", "[", op, "] approximate argument must be either none or tanh, got '",
           approximate, "'");
  return GeluType::Tanh;
}

}  // namespace

void gelu_kernel(const TensorIterator& iter, std::string_view approximate) {
  if (gelu_type("gelu", approximate) == GeluType::None) {
    float_activation(iter, "gelu", pairwise([](auto x) { return gelu_erf<false>(x); }),
                     pairwise([](auto x) { return gelu_erf<true>(x); }));
  } else {
    float_activation(iter, "gelu", [](auto x) {  // x (1 + tanh(k (x + c x^3))) / 2
      using V = decltype(x);
      using S = typename V::value_type;
      const V inner = V(S(kSqrt2OverPi)) * vec::fmadd(V(S(kGeluCubic)) * x, x * x, x);
      return V(S(0.5)) * x * (V(S(1)) + vec::tanh(inner));
    });
  }
}

void gelu_backward_kernel(const TensorIterator& iter, std::string_view approximate) {
  if (gelu_type("gelu_backward", approximate) == GeluType::None) {
    auto backward = []<bool ForHalf>(auto g, auto x) {  // g (Phi(x) + x phi(x))
      using V = decltype(x);
      using S = typename V::value_type;
      V e;
      const V h = half_erfc<V, ForHalf>(vec::abs(x), e);
      const V cdf = vec::blendv(V(S(1)) - h, h, x < V(S(0)));  // NaN: stays NaN through the blend
      return g * vec::fmadd(x * e, V(S(kInvSqrt2Pi)), cdf);
    };
    float_activation(iter, "gelu_backward", [backward](auto g, auto x) { return backward.template operator()<false>(g, x); },
                     [backward](auto g, auto x) { return backward.template operator()<true>(g, x); });
  } else {
    float_activation(iter, "gelu_backward", [](auto g, auto x) {
      using V = decltype(x);
      using S = typename V::value_type;
      const V x2 = x * x;
      const V t = vec::tanh(V(S(kSqrt2OverPi)) * vec::fmadd(V(S(kGeluCubic)) * x, x2, x));
      const V du = V(S(kSqrt2OverPi)) * vec::fmadd(V(S(3 * kGeluCubic)), x2, V(S(1)));
      // (1 + t) / 2 + x (1 - t^2) u' / 2
      return g * V(S(0.5)) * (V(S(1)) + t + x * (V(S(1)) - t * t) * du);
    });
  }
}

// x / (1 + exp(-x)): one exp and one division (x -> -inf gives -0; -inf itself nan, like PyTorch).
void silu_kernel(const TensorIterator& iter) {
  float_activation(iter, "silu", [](auto x) {
    using V = decltype(x);
    return x / (V(1) + vec::exp(-x));
  });
}

void silu_backward_kernel(const TensorIterator& iter) {
  float_activation(iter, "silu_backward", [](auto g, auto x) {  // g s (1 + x (1 - s))
    using V = decltype(x);
    const V s = V(1) / (V(1) + vec::exp(-x));
    return g * s * vec::fmadd(x, V(1) - s, V(1));
  });
}

// tanh(softplus(x)) = n / (n + 2) with n = e^x (e^x + 2); beyond x = 20 it is 1 in every dtype
// (and n would overflow).
void mish_kernel(const TensorIterator& iter) {
  float_activation(iter, "mish", [](auto x) {
    using V = decltype(x);
    const V ex = vec::exp(x);
    const V n = ex * (ex + V(2));
    return x * vec::blendv(n / (n + V(2)), V(1), x > V(20));
  });
}

void softplus_kernel(const TensorIterator& iter, const Scalar& beta, const Scalar& threshold) {
  dispatch_floating(iter.common_dtype(), "softplus", [&]<typename T>() {
    using Op = opmath_t<T>;
    const Op b = beta.to<Op>(), th = threshold.to<Op>();
    cpu_kernel_vec<T>(iter, [b, th](auto x) {  // x where beta x > threshold, else log1p(exp(beta x)) / beta
      using V = decltype(x);
      const V bx = x * V(b);
      return vec::blendv(log1p_nonneg(vec::exp(bx)) / V(b), x, bx > V(th));
    }, kMathGrainSize);
  });
}

void elu_kernel(const TensorIterator& iter, const Scalar& alpha, const Scalar& scale, const Scalar& input_scale) {
  dispatch_floating(iter.common_dtype(), "elu", [&]<typename T>() {
    using Op = opmath_t<T>;
    const Op negcoef = alpha.to<Op>() * scale.to<Op>(), poscoef = scale.to<Op>(), negiptcoef = input_scale.to<Op>();
    cpu_kernel_vec<T>(iter, [=](auto x) {  // x <= 0: alpha scale (exp(input_scale x) - 1), else scale x
      using V = decltype(x);
      const V neg = (vec::exp(x * V(negiptcoef)) - V(1)) * V(negcoef);
      return vec::blendv(x * V(poscoef), neg, x <= V(0));
    }, kMathGrainSize);
  });
}

void leaky_relu_kernel(const TensorIterator& iter, const Scalar& negative_slope) {
  dispatch_floating(iter.common_dtype(), "leaky_relu", [&]<typename T>() {
    const opmath_t<T> slope = negative_slope.to<opmath_t<T>>();
    cpu_kernel_vec<T>(iter, [slope](auto x) {
      using V = decltype(x);
      return vec::blendv(x * V(slope), x, x > V(0));
    });
  });
}

void hardtanh_kernel(const TensorIterator& iter, const Scalar& min_val, const Scalar& max_val) {
  dispatch_numeric(iter.common_dtype(), "hardtanh", [&]<typename T>() {
    using Op = opmath_t<T>;
    if constexpr (std::is_integral_v<T>) {
      // PyTorch clamps integers by the bounds in double and truncates: trunc(min(max(x, lo), hi)).
      // trunc is monotone and keeps integers, so that is min(max(x, trunc lo), trunc hi) in T,
      // vectorized, when those bounds clip into T's range (-2 for uint8: the lowest value).
      const double lo = std::trunc(min_val.to_double()), hi = std::trunc(max_val.to_double());
      const double lowest = double(std::numeric_limits<T>::lowest()), highest = double(std::numeric_limits<T>::max());
      if (lo <= highest && hi >= lowest) {  // false for NaN bounds too
        const T l = lo <= lowest ? std::numeric_limits<T>::lowest() : lo >= highest ? std::numeric_limits<T>::max() : T(lo);
        const T h = hi >= highest ? std::numeric_limits<T>::max() : T(hi);
        cpu_kernel_vec<T>(iter, [l, h](auto x) {
          using V = decltype(x);
          return vec::clamp_max(vec::clamp_min(x, V(l)), V(h));  // lo > hi: hi
        });
      } else {
        const double dlo = min_val.to_double(), dhi = max_val.to_double();
        cpu_kernel(iter, [dlo, dhi](T x) -> T { return T(std::min(std::max(double(x), dlo), dhi)); });
      }
    } else {
      const Op lo = min_val.to<Op>(), hi = max_val.to<Op>();
      if (lo == lo && hi == hi) {
        // clamp's Scalar-bound rule (PyTorch's hardtanh is that clamp): a NaN x stays NaN and x
        // wins a tie, so hardtanh(-0.0, 0, 1) is -0.0; one max / min per bound.
        cpu_kernel_vec<T>(iter, [lo, hi](auto x) {
          using V = decltype(x);
          return vec::clamp_max(vec::clamp_min(x, V(lo)), V(hi));
        });
      } else {
        cpu_kernel_vec<T>(iter, [lo, hi](auto x) {  // a NaN bound makes every result NaN
          using V = decltype(x);
          return vec::minimum(vec::maximum(x, V(lo)), V(hi));
        });
      }
    }
  });
}

void hardsigmoid_kernel(const TensorIterator& iter) {
  float_activation(iter, "hardsigmoid", [](auto x) {  // relu6(x + 3) / 6
    using V = decltype(x);
    using S = typename V::value_type;
    return vec::clamp_max(vec::clamp_min(x + V(3), V(0)), V(6)) * V(S(1) / S(6));  // NaN passes through
  }, kGrainSize);
}

void hardswish_kernel(const TensorIterator& iter) {
  float_activation(iter, "hardswish", [](auto x) {  // x relu6(x + 3) / 6
    using V = decltype(x);
    return x * vec::clamp_max(vec::clamp_min(x + V(3), V(0)), V(6)) / V(6);  // NaN passes through
  }, kGrainSize);
}

void hardswish_backward_kernel(const TensorIterator& iter) {
  dispatch_floating(iter.common_dtype(), "hardswish_backward", [&]<typename T>() {
    cpu_kernel_vec<T>(iter, [](auto g, auto x) {  // 0 below -3, g (x / 3 + 1/2) up to 3, g above
      using V = decltype(x);
      using S = typename V::value_type;
      const V inside = g * (x / V(3) + V(S(0.5)));
      return vec::blendv(vec::blendv(g, inside, x <= V(3)), V(0), x < V(-3));
    }, kGrainSize);
  });
}

void prelu_kernel(const TensorIterator& iter) {
  dispatch_floating(iter.common_dtype(), "_prelu_kernel", [&]<typename T>() {
    cpu_kernel_vec<T>(iter, [](auto x, auto w) {  // x above 0, w x elsewhere (NaN: w NaN = NaN)
      using V = decltype(x);
      return vec::blendv(w * x, x, x > V(0));
    }, kGrainSize);
  });
}

void log_sigmoid_kernel(const TensorIterator& iter) {
  float_activation(iter, "log_sigmoid", [](auto x) {  // min(x, 0) - log1p(exp(-|x|))
    using V = decltype(x);
    return vec::minimum(x, V(0)) - log1p_nonneg(vec::exp(-vec::abs(x)));
  });
}

void log_sigmoid_backward_kernel(const TensorIterator& iter) {
  float_activation(iter, "log_sigmoid_backward", [](auto g, auto x) {  // g sigmoid(-x) = g / (1 + e^x)
    using V = decltype(x);
    return g / (V(1) + vec::exp(x));
  });
}

void softsign_kernel(const TensorIterator& iter) {
  float_activation(iter, "softsign", [](auto x) {
    using V = decltype(x);
    return x / (V(1) + vec::abs(x));
  }, kGrainSize);
}

void tanhshrink_kernel(const TensorIterator& iter) {
  float_activation(iter, "tanhshrink", [](auto x) { return x - vec::tanh(x); });
}

namespace {
// For an integer x, x <= th (th a double) is x <= floor(th): the kernels compare in T instead of
// converting every element to double (4M int64: 21 ms -> memory speed). kNone: no x is <= th
// (NaN, or below T's range); kAll: every x is (th at or above T's largest value).
enum class IntThreshold { kNone, kAll, kCompare };

template <typename T>
IntThreshold int_threshold(const Scalar& threshold) {
  const double th = threshold.to_double();
  if (std::isnan(th) || th < double(std::numeric_limits<T>::lowest())) return IntThreshold::kNone;
  if (th >= double(std::numeric_limits<T>::max())) return IntThreshold::kAll;
  return IntThreshold::kCompare;
}

template <typename T>
T floor_threshold(const Scalar& threshold) {  // only for kCompare: floor(th) is in T's range
  return T(std::floor(threshold.to_double()));
}
}  // namespace

void threshold_kernel(const TensorIterator& iter, const Scalar& threshold, const Scalar& value) {
  dispatch_numeric(iter.common_dtype(), "threshold", [&]<typename T>() {
    using Op = opmath_t<T>;
    // x <= threshold: value, else x (NaN compares false and passes through, like PyTorch)
    if constexpr (std::is_integral_v<T>) {
      const T v = value.to<T>();
      switch (int_threshold<T>(threshold)) {  // 0.5 on an int tensor: x <= 0.5, not x <= 0
        case IntThreshold::kNone: cpu_kernel(iter, [](T x) -> T { return x; }); break;
        case IntThreshold::kAll: cpu_kernel(iter, [v](T) -> T { return v; }); break;
        case IntThreshold::kCompare: {
          const T t = floor_threshold<T>(threshold);
          cpu_kernel(iter, [t, v](T x) -> T { return x <= t ? v : x; });
        }
      }
    } else {
      const Op th = threshold.to<Op>(), v = value.to<Op>();
      cpu_kernel_vec<T>(iter, [th, v](auto x) {
        using V = decltype(x);
        return vec::blendv(x, V(v), x <= V(th));
      });
    }
  });
}

void threshold_backward_kernel(const TensorIterator& iter, const Scalar& threshold) {
  dispatch_numeric(iter.common_dtype(), "threshold_backward", [&]<typename T>() {
    using Op = opmath_t<T>;
    // self <= threshold: 0, else grad (a NaN self passes the gradient through, like PyTorch)
    if constexpr (std::is_integral_v<T>) {
      switch (int_threshold<T>(threshold)) {
        case IntThreshold::kNone: cpu_kernel(iter, [](T g, T) -> T { return g; }); break;
        case IntThreshold::kAll: cpu_kernel(iter, [](T, T) -> T { return T(0); }); break;
        case IntThreshold::kCompare: {
          // On Vectorized<T> like the floating path: through cpu_kernel's scalar loop, whose
          // streamed pieces the compiler peels and vectorizes anew, 4M int64 ran 20-25 % slower
          // streamed than cached and at 0.76-0.89x PyTorch's.
          const T t = floor_threshold<T>(threshold);
          cpu_kernel_vec<T>(iter, [t](auto g, auto x) {
            using V = decltype(x);
            return vec::blendv(g, V(T(0)), x <= V(t));
          });
        }
      }
    } else {
      const Op th = threshold.to<Op>();
      cpu_kernel_vec<T>(iter, [th](auto g, auto x) {
        using V = decltype(x);
        return vec::blendv(g, V(0), x <= V(th));
      });
    }
  });
}

}  // namespace tg::native::CPU_CAPABILITY
