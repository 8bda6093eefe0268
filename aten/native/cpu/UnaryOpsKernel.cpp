// Unary pointwise kernels. Floating math runs in opmath_t (float for the half types).
// The floating kernels run on Vectorized<T> (aten/vec/vec.h, vec_math.h for exp / log / sin /
// cos / tanh / sigmoid and their ulp bounds) through cpu_kernel_vec; float16 / bfloat16 are
// computed in Vectorized<float> and rounded back. Integer dtypes keep the scalar cpu_kernel
// loops, which the compiler vectorizes.
#include "aten/vec/isa.h"
#include <cmath>
#include <limits>
#include <optional>

#include "aten/dispatch/DtypeDispatch.h"
#include "aten/native/ScalarOps.h"
#include "aten/native/cpu/Loops.h"
#include "kernels/abs.h"
#include "kernels/acos.h"
#include "kernels/acosh.h"
#include "kernels/asin.h"
#include "kernels/asinh.h"
#include "kernels/atan.h"
#include "kernels/atanh.h"
#include "kernels/ceil.h"
#include "kernels/cos.h"
#include "kernels/cosh.h"
#include "kernels/erf.h"
#include "kernels/erfc.h"
#include "kernels/erfinv.h"
#include "kernels/exp.h"
#include "kernels/exp2.h"
#include "kernels/expm1.h"
#include "kernels/floor.h"
#include "kernels/frac.h"
#include "kernels/isfinite.h"
#include "kernels/isinf.h"
#include "kernels/isnan.h"
#include "kernels/log10.h"
#include "kernels/log1p.h"
#include "kernels/log2.h"
#include "kernels/logit.h"
#include "kernels/nan_to_num.h"
#include "kernels/neg.h"
#include "kernels/reciprocal.h"
#include "kernels/relu.h"
#include "kernels/round.h"
#include "kernels/rsqrt.h"
#include "kernels/sigmoid.h"
#include "kernels/sign.h"
#include "kernels/signbit.h"
#include "kernels/sin.h"
#include "kernels/sinh.h"
#include "kernels/sqrt.h"
#include "kernels/tan.h"
#include "kernels/tanh.h"
#include "kernels/trunc.h"

namespace tg::native::CPU_CAPABILITY {

namespace {
// One floating-point function applied elementwise: f receives and returns a Vectorized of
// opmath_t<T> (the function is a generic lambda, instantiated per dtype).
template <typename F>
void float_unary(const TensorIterator& iter, const char* op, F f, int64_t grain = kGrainSize) {
  dispatch_floating(iter.common_dtype(), op, [&]<typename T>() { cpu_kernel_vec<T>(iter, f, grain); });
}
// The same with f also called on two vectors at once (pairwise: aten/vec/vec_pair.h interleaves
// their steps), except for bfloat16: its interleaved two-vector step with sin's pair spilled to
// the stack (3.0 against 2.5 ns an element in cache), so bfloat16 keeps one vector a call.
template <typename F>
void float_unary_pairwise(const TensorIterator& iter, const char* op, F f, int64_t grain) {
  dispatch_floating(iter.common_dtype(), op, [&]<typename T>() {
    if constexpr (std::is_same_v<T, BFloat16>) cpu_kernel_vec<T>(iter, f, grain);
    else cpu_kernel_vec<T>(iter, pairwise(f), grain);
  });
}
}  // namespace

void exp_kernel(const TensorIterator& iter) { float_unary(iter, "exp", [](auto x) { return vec::exp(x); }, kMathGrainSize); }
void sqrt_kernel(const TensorIterator& iter) { float_unary(iter, "sqrt", [](auto x) { return vec::sqrt(x); }); }
void rsqrt_kernel(const TensorIterator& iter) { float_unary(iter, "rsqrt", [](auto x) { return vec::rsqrt(x); }); }
void sin_half_kernel(const TensorIterator& iter);  // MathKernels.cpp (-ffp-contract=off)
void sin_kernel(const TensorIterator& iter) {
  const ScalarType dt = iter.common_dtype();
  if (dt == ScalarType::Float16 || dt == ScalarType::BFloat16) return sin_half_kernel(iter);
  float_unary_pairwise(iter, "sin", [](auto x) { return vec::sin(x); }, kMathGrainSize);
}
void cos_kernel(const TensorIterator& iter) { float_unary_pairwise(iter, "cos", [](auto x) { return vec::cos(x); }, kMathGrainSize); }
void tanh_kernel(const TensorIterator& iter) { float_unary(iter, "tanh", [](auto x) { return vec::tanh(x); }, kMathGrainSize); }
void sigmoid_kernel(const TensorIterator& iter) { float_unary(iter, "sigmoid", [](auto x) { return vec::sigmoid(x); }, kMathGrainSize); }

// float16 / bfloat16 neg and abs flip or clear the sign bit, like PyTorch's Vectorized<Half> /
// <BFloat16>, and relu tests it: no conversion to float and back (bfloat16 abs ran at 0.46x
// PyTorch under AVX2), and a NaN keeps its payload.
template <typename T>
constexpr bool kIsHalfType = std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>;

void neg_kernel(const TensorIterator& iter) {
  TG_CHECK(iter.common_dtype() != ScalarType::Bool, "[neg] negation, the `-` operator, on a bool tensor is not "
           "supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.");
  dispatch_numeric(iter.common_dtype(), "neg", [&]<typename T>() {
    if constexpr (std::is_integral_v<T>)
      cpu_kernel(iter, [](T x) -> T { return T(std::make_unsigned_t<T>(0) - std::make_unsigned_t<T>(x)); });
    else if constexpr (kIsHalfType<T>) cpu_kernel(iter, [](T x) -> T { return T::from_bits(x.x ^ 0x8000u); });
    else cpu_kernel_vec<T>(iter, [](auto x) { return -x; });
  });
}

void abs_kernel(const TensorIterator& iter) {
  dispatch_numeric(iter.common_dtype(), "abs", [&]<typename T>() {
    if constexpr (std::is_unsigned_v<T>) cpu_kernel(iter, [](T x) -> T { return x; });
    else if constexpr (std::is_integral_v<T>)
      cpu_kernel(iter, [](T x) -> T { return x < 0 ? T(std::make_unsigned_t<T>(0) - std::make_unsigned_t<T>(x)) : x; });
    else if constexpr (kIsHalfType<T>) cpu_kernel(iter, [](T x) -> T { return T::from_bits(x.x & 0x7fffu); });
    else cpu_kernel_vec<T>(iter, [](auto x) { return vec::abs(x); });
  });
}

// sign: (0 < x) - (x < 0) on Vectorized<T>, each test's mask ANDed with the bits of 1: -1, 0 or 1;
// nan and -0.0 give +0.0, like PyTorch.
void sign_kernel(const TensorIterator& iter) {
  dispatch_all(iter.common_dtype(), "sign", [&]<typename T>() {
    if constexpr (std::is_same_v<T, bool>) {
      cpu_kernel(iter, [](bool x) -> bool { return x; });
    } else {
      using V = typename vec::VecIO<T>::vec_t;
      using S = typename V::value_type;
      cpu_kernel_vec<T>(iter, [](V x) {
        const V zero(S(0)), one(S(1));
        return (one & (zero < x)) - (one & (x < zero));
      });
    }
  });
}

void relu_kernel(const TensorIterator& iter) {
  dispatch_numeric(iter.common_dtype(), "relu", [&]<typename T>() {
    if constexpr (std::is_integral_v<T>) {
      // On Vectorized<T> (AVX2 has no vpmaxsq): relu of 64K int64 in cache 14.6 -> 11.5 us under AVX2
      // than as the scalar `x < 0 ? 0 : x` loop (12.8 -> 11.9 under AVX-512).
      cpu_kernel_vec<T>(iter, [](auto x) { return vec::maximum(x, decltype(x)(T(0))); });
    } else if constexpr (kIsHalfType<T>) {
      // On the bits, like abs/neg: negative means the sign bit with a magnitude in (0, inf], so
      // -0 and NaN pass through as below.
      constexpr uint32_t kInf = std::is_same_v<T, Half> ? 0x7c00u : 0x7f80u;
      cpu_kernel(iter, [](T x) -> T {
        const uint32_t magnitude = x.x & 0x7fffu;
        const bool negative = (x.x & 0x8000u) && magnitude - 1u < kInf;
        return T::from_bits(negative ? uint16_t(0) : x.x);
      });
    } else cpu_kernel_vec<T>(iter, [](auto x) {  // relu(nan) = nan, relu(-0) = -0
      using V = decltype(x);
      return vec::blendv(x, V(0), x < V(0));
    });
  });
}

namespace {
// floor / ceil / round leave integers unchanged (PyTorch returns a copy).
template <typename F>
void rounding(const TensorIterator& iter, const char* op, F f) {
  dispatch_numeric(iter.common_dtype(), op, [&]<typename T>() {
    if constexpr (std::is_integral_v<T>) cpu_kernel(iter, [](T x) -> T { return x; });
    else cpu_kernel_vec<T>(iter, f);
  });
}
}  // namespace

void floor_kernel(const TensorIterator& iter) { rounding(iter, "floor", [](auto x) { return vec::floor(x); }); }
void ceil_kernel(const TensorIterator& iter) { rounding(iter, "ceil", [](auto x) { return vec::ceil(x); }); }
// Round half to even, like PyTorch and NumPy.
void round_kernel(const TensorIterator& iter) { rounding(iter, "round", [](auto x) { return vec::round(x); }); }

// ---------------------------------------------------------------- issue 9: more unary math
// expm1, log1p, log2, log10, exp2, tan, the inverse trig and hyperbolic functions, erf, erfc,
// erfinv, logit and nan_to_num are vectorized in MathKernels.cpp. reciprocal, trunc and frac are
// cheap and run on Vectorized<T>.
namespace {
// A bool-valued test of one value (isnan, signbit ...): ints and bools go through `integral`.
template <typename FInt, typename FFloat>
void predicate(const TensorIterator& iter, const char* op, FInt integral, FFloat floating) {
  dispatch_all(iter.common_dtype(), op, [&]<typename T>() {
    if constexpr (std::is_integral_v<T>) cpu_kernel(iter, [integral](T x) -> bool { return integral(x); });
    else cpu_kernel(iter, [floating](T x) -> bool { return floating(opmath_t<T>(x)); });
  });
}

}  // namespace

void reciprocal_kernel(const TensorIterator& iter) {
  float_unary(iter, "reciprocal", [](auto x) { return decltype(x)(1) / x; });
}

void trunc_kernel(const TensorIterator& iter) { rounding(iter, "trunc", [](auto x) { return vec::trunc(x); }); }
// x - trunc(x): keeps x's sign (frac(-2.5) = -0.5); frac(+-inf) = nan, like PyTorch.
void frac_kernel(const TensorIterator& iter) { float_unary(iter, "frac", [](auto x) { return x - vec::trunc(x); }); }

// signbit: the sign bit of floats (so -0.0 and -nan are true), x < 0 for integers; vectorized
// with a bool output (Loops.h, kBoolOutput).
void signbit_kernel(const TensorIterator& iter) {
  dispatch_numeric(iter.common_dtype(), "signbit", [&]<typename T>() {
    using V = typename vec::VecIO<T>::vec_t;
    using S = typename V::value_type;
    if constexpr (std::is_unsigned_v<T>) {
      cpu_kernel_vec<T, kBoolOutput>(iter, [](V) { return V(S(0)); });
    } else if constexpr (std::is_integral_v<T>) {
      cpu_kernel_vec<T, kBoolOutput>(iter, [](V x) { return x < V(S(0)); });
    } else {
      using I = std::conditional_t<sizeof(S) == 4, int32_t, int64_t>;  // the bits of S
      cpu_kernel_vec<T, kBoolOutput>(iter, [](V x) {
        return vec::cast<S>(vec::cast<I>(x) < vec::Vectorized<I>(I(0)));
      });
    }
  });
}
void isnan_kernel(const TensorIterator& iter) {
  predicate(iter, "isnan", [](auto) { return false; }, [](auto x) { return std::isnan(x); });
}
void isinf_kernel(const TensorIterator& iter) {
  predicate(iter, "isinf", [](auto) { return false; }, [](auto x) { return std::isinf(x); });
}
void isfinite_kernel(const TensorIterator& iter) {
  predicate(iter, "isfinite", [](auto) { return true; }, [](auto x) { return std::isfinite(x); });
}

}  // namespace tg::native::CPU_CAPABILITY
