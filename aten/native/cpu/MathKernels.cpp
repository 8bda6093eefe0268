// Floating-point math kernels on the vectorized functions of aten/vec/vec_math_extra.h (issue 14):
// expm1 exp2 log1p log2 log10 tan atan asin acos sinh cosh asinh acosh atanh erf erfc erfinv logit
// nan_to_num, and the binary xlogy atan2 hypot logaddexp pow (float) fmod remainder floor_divide div(rounding_mode=...). Every element
// goes through the Vectorized function (cpu_kernel_vec: tails as partial vectors, other layouts
// gathered), whose result is bitwise the same on every CPU capability, so a value does not depend
// on its position, the layout, the thread count or the capability. float16 / bfloat16 compute in
// float (VecIO) and round once; exp2 log2 log10 asin acos erf pow use vec::for_half's cheaper float
// evaluations for them. Integer fmod / remainder / floor_divide / div: int64 on vectors through
// double division (int64_divide), narrower integers by scalar loops.
//
// This file is compiled with -ffp-contract=off (CMakeLists.txt): the compiler must not fuse a
// multiply and an add that the code keeps apart, or the AVX builds would differ from the portable
// one (vec_math_extra.h uses explicit fused multiply-adds where it wants them).
#include "aten/vec/isa.h"
#include <cmath>
#include <limits>
#include <optional>

#include "aten/dispatch/DtypeDispatch.h"
#include "aten/native/ScalarOps.h"
#include "aten/native/cpu/FloatMath.h"
#include "aten/native/cpu/Loops.h"
#include "aten/vec/vec_math_erf.h"
#include "aten/vec/vec_math_extra.h"
#include "aten/vec/vec_math_tan.h"
#include "aten/vec/vec_math_float.h"
#include "kernels/_div_rounding.h"
#include "kernels/acos.h"
#include "kernels/acosh.h"
#include "kernels/asin.h"
#include "kernels/asinh.h"
#include "kernels/atan.h"
#include "kernels/atan2.h"
#include "kernels/xlogy.h"
#include "kernels/atanh.h"
#include "kernels/cosh.h"
#include "kernels/erf.h"
#include "kernels/erfc.h"
#include "kernels/erfinv.h"
#include "kernels/exp2.h"
#include "kernels/expm1.h"
#include "kernels/floor_divide.h"
#include "kernels/fmod.h"
#include "kernels/hypot.h"
#include "kernels/log.h"
#include "kernels/log10.h"
#include "kernels/log1p.h"
#include "kernels/log2.h"
#include "kernels/logaddexp.h"
#include "kernels/logit.h"
#include "kernels/nan_to_num.h"
#include "kernels/remainder.h"
#include "kernels/sinh.h"
#include "kernels/tan.h"

namespace tg::native::CPU_CAPABILITY {

namespace {

// log(x) with the special values (the same bits on every capability, unlike vec::log).
template <typename V>
V log_any(const V& x) {
  if constexpr (std::is_same_v<typename V::value_type, float>) return vec::xdetail::log_any(x);  // vec_math_log.h
  else return vec::xdetail::log_(x);
}

[[noreturn]] void integer_division_by_zero(const char* op) {
  throw Error(ErrorKind::Runtime, str("[", op, "] ZeroDivisionError: integer division by zero"));
}

// A signed integer quotient x / y (y != 0) rounded down (floor) or toward zero, through a double
// division where x and y fit in 53 bits (int8 to int32 always; other int64 values return nullopt):
// the rounded quotient is within |x / y| 2^-53 < 1 / |y| of the exact one, and every integer the
// exact one is not lies at least 1 / |y| from it, so floor / trunc of the rounded one is exact.
// One divsd instead of an idiv: int64 floor_divide of 4M, one thread, 5.7 -> 2.7 ns an element
// on the Zen 2 VM, whose idiv time also depends on the values (the matrix's int64 floor_divide
// row swung 0.91x-1.43x PyTorch between runs).
template <typename T>
std::optional<int64_t> double_quotient(T x, T y, bool floor) {
  if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
    constexpr int64_t kExact = int64_t(1) << 53;
    if (sizeof(T) < 8 || (x > -kExact && x < kExact && y > -kExact && y < kExact)) {
      const double q = double(x) / double(y);
      return int64_t(floor ? std::floor(q) : std::trunc(q));
    }
  }
  return std::nullopt;
}
// floor_divide / div(rounding_mode=...) for integers: int_div_rounding's result (T(q) wraps
// MIN / -1 to MIN as it does).
template <typename T>
T int_quotient(T x, T y, bool floor) {
  if (const auto q = double_quotient(x, y, floor)) return T(*q);
  return int_div_rounding(x, y, floor);
}
// x - q y for that quotient: Python's % (floor) or C's fmod (trunc), as int_remainder / int_fmod.
template <typename T>
T int_rest(T x, T y, bool floor) {
  if (const auto q = double_quotient(x, y, floor)) return T(int64_t(x) - *q * int64_t(y));
  return floor ? int_remainder(x, y) : int_fmod(x, y);
}

// int64 lanes holding integers below 2^51 in magnitude to double and back, exactly (callers check
// the range). AVX-512DQ converts directly; AVX2 has no instruction for it, so x is added to the
// bits of 1.5 * 2^52, whose ulp is 1 (giving the double 1.5 * 2^52 + x), and that value subtracted.
using VecI64 = vec::Vectorized<int64_t>;
using VecF64 = vec::Vectorized<double>;
constexpr int64_t kSmallInt = int64_t(1) << 51;
#if defined(TG_VEC_AVX2)
constexpr long long kOneAndAHalfTimes2To52 = 0x4338000000000000LL;  // the bits of 1.5 * 2^52
#endif
VecF64 small_int_to_double(const VecI64& x) {
#if defined(TG_VEC_AVX512)
  return _mm512_cvtepi64_pd(x);
#elif defined(TG_VEC_AVX2)
  const __m256i magic = _mm256_set1_epi64x(kOneAndAHalfTimes2To52);
  return _mm256_sub_pd(_mm256_castsi256_pd(_mm256_add_epi64(x, magic)), _mm256_castsi256_pd(magic));
#else
  VecF64 r;
  for (int l = 0; l < VecI64::size(); ++l) r.values[l] = double(x[l]);
  return r;
#endif
}
VecI64 integral_double_to_int(const VecF64& d) {
#if defined(TG_VEC_AVX512)
  return _mm512_cvttpd_epi64(d);
#elif defined(TG_VEC_AVX2)
  const __m256i magic = _mm256_set1_epi64x(kOneAndAHalfTimes2To52);
  return _mm256_sub_epi64(_mm256_castpd_si256(_mm256_add_pd(d, _mm256_castsi256_pd(magic))), magic);
#else
  int64_t r[VecI64::size()];
  for (int l = 0; l < VecI64::size(); ++l) r[l] = int64_t(d[l]);
  return VecI64::loadu(r);
#endif
}

// int_quotient (Rest: int_rest) of int64 lanes: double_quotient's division on Vectorized<double>,
// so the same values; x - q y is exact in double too (|q y| <= |x| + |y| < 2^52). A vector with a
// lane of 2^51 or more in magnitude takes the scalar functions. 4M int64 on 2 threads, one process:
// fmod 2.76 -> 1.88 ms (a scalar divsd an element before; PyTorch's idiv loop 3.6 ms), floor_divide
// 1.85 ms (PyTorch 8.3).
template <bool Floor, bool Rest>
VecI64 int64_divide(const VecI64& x, const VecI64& y, const char* op) {
  if (vec::any(y == VecI64(int64_t(0)))) integer_division_by_zero(op);
  const VecI64 lo(-kSmallInt), hi(kSmallInt - 1);
  if (vec::any((x < lo) | (x > hi) | (y < lo) | (y > hi))) {
    int64_t a[VecI64::size()], b[VecI64::size()];
    x.store(a);
    y.store(b);
    for (int l = 0; l < VecI64::size(); ++l) a[l] = Rest ? int_rest(a[l], b[l], Floor) : int_quotient(a[l], b[l], Floor);
    return VecI64::loadu(a);
  }
  const VecF64 xd = small_int_to_double(x), yd = small_int_to_double(y);
  const VecF64 q = Floor ? vec::floor(xd / yd) : vec::trunc(xd / yd);
  return integral_double_to_int(Rest ? xd - q * yd : q);
}

// Integer division (y != 0 checked here): int_quotient rounded down (Floor) or toward zero, or
// (Rest) int_rest; int64 on vectors (int64_divide), the narrower types by the scalar loop.
template <bool Floor, bool Rest, typename T>
void integer_division(const TensorIterator& iter, const char* op) {
  if constexpr (std::is_same_v<T, int64_t>) {
    cpu_kernel_vec<T>(iter, [op](VecI64 x, VecI64 y) { return int64_divide<Floor, Rest>(x, y, op); });
  } else {
    cpu_kernel(iter, [op](T x, T y) -> T {
      if (y == 0) integer_division_by_zero(op);
      return Rest ? int_rest(x, y, Floor) : int_quotient(x, y, Floor);
    });
  }
}

// fmod (trunc, Rest), remainder (Floor, Rest) and floor_divide (Floor): integer_division for
// integers, the vectorized `floating(x, y)` otherwise.
template <bool Floor, bool Rest, typename FFloat>
void division_like(const TensorIterator& iter, const char* op, FFloat floating) {
  dispatch_numeric(iter.common_dtype(), op, [&]<typename T>() {
    if constexpr (std::is_integral_v<T>) integer_division<Floor, Rest, T>(iter, op);
    else cpu_kernel_vec<T>(iter, floating);
  });
}

// The largest finite value of a floating dtype (nan_to_num's default for +inf).
template <typename T>
opmath_t<T> largest() {
  if constexpr (std::is_same_v<T, Half>) return 65504.0f;
  else if constexpr (std::is_same_v<T, BFloat16>) return 3.38953139e38f;
  else return std::numeric_limits<T>::max();
}
}  // namespace

void log1p_kernel(const TensorIterator& iter) { float_math(iter, "log1p", [](auto x) { return vec::log1p(x); }); }
void expm1_kernel(const TensorIterator& iter) { float_math(iter, "expm1", [](auto x) { return vec::expm1(x); }); }
// log lives here rather than with exp in UnaryOpsKernel.cpp: float lanes take vec_math_log.h's
// table-driven kernel, the same bits on every capability.
void log_kernel(const TensorIterator& iter) { float_math(iter, "log", [](auto x) { return log_any(x); }); }
void log2_kernel(const TensorIterator& iter) {
  float_math(iter, "log2", [](auto x) { return vec::log2(x); }, [](auto x) { return vec::for_half::log2(x); });
}
void log10_kernel(const TensorIterator& iter) {
  float_math(iter, "log10", [](auto x) { return vec::log10(x); }, [](auto x) { return vec::for_half::log10(x); });
}
void exp2_kernel(const TensorIterator& iter) {
  float_math(iter, "exp2", pairwise([](auto x) { return vec::exp2(x); }), [](auto x) { return vec::for_half::exp2(x); });
}
void asin_kernel(const TensorIterator& iter) {
  float_math(iter, "asin", [](auto x) { return vec::asin(x); }, [](auto x) { return vec::for_half::asin(x); });
}
void acos_kernel(const TensorIterator& iter) {
  float_math(iter, "acos", [](auto x) { return vec::acos(x); }, [](auto x) { return vec::for_half::acos(x); });
}
void atan_kernel(const TensorIterator& iter) { float_math(iter, "atan", [](auto x) { return vec::atan(x); }); }
void sinh_kernel(const TensorIterator& iter) { float_math(iter, "sinh", [](auto x) { return vec::sinh(x); }); }
void cosh_kernel(const TensorIterator& iter) { float_math(iter, "cosh", [](auto x) { return vec::cosh(x); }); }
void asinh_kernel(const TensorIterator& iter) { float_math(iter, "asinh", [](auto x) { return vec::asinh(x); }); }
void acosh_kernel(const TensorIterator& iter) { float_math(iter, "acosh", [](auto x) { return vec::acosh(x); }); }
void atanh_kernel(const TensorIterator& iter) { float_math(iter, "atanh", [](auto x) { return vec::atanh(x); }); }
void tan_kernel(const TensorIterator& iter) { float_math(iter, "tan", [](auto x) { return vec::tan(x); }); }
void erf_kernel(const TensorIterator& iter) {
  float_math(iter, "erf", [](auto x) { return vec::erf(x); }, [](auto x) { return vec::for_half::erf(x); });
}
void erfc_kernel(const TensorIterator& iter) { float_math(iter, "erfc", [](auto x) { return vec::erfc(x); }); }
// pairwise: two vectors a call (aten/vec/vec_math_erfinv.h shares the constants between them).
void erfinv_kernel(const TensorIterator& iter) { float_math(iter, "erfinv", pairwise([](auto x) { return vec::erfinv(x); })); }

// x log(y), 0 where x == 0 unless y is NaN (PyTorch's and scipy.special's xlogy); PyTorch's CPU
// loop is scalar std::log (a broadcast [2048, 2048] with [2048]: 0.81x of it when ours was too).
void xlogy_kernel(const TensorIterator& iter) {
  float_math(iter, "xlogy", [](auto x, auto y) {
    using V = decltype(x);
    using T = typename V::value_type;
    const V r = vec::blendv(x * log_any(y), V(0), x == V(0));
    // A NaN result is the positive quiet NaN (as the scalar loop gave): which NaN a product of two
    // keeps depends on the order the compiler emits the operands in, which differed between the
    // portable build's vector body and its tail.
    return vec::blendv(r, V(std::numeric_limits<T>::quiet_NaN()), (r != r) | (y != y));
  });
}
void atan2_kernel(const TensorIterator& iter) {
  float_math(iter, "atan2", [](auto y, auto x) { return vec::atan2(y, x); });
}
void hypot_kernel(const TensorIterator& iter) {
  float_math(iter, "hypot", [](auto x, auto y) { return vec::hypot(x, y); });
}
// max(a, b) + log1p(exp(-|a - b|)); equal infinities give themselves (inf - inf would be NaN).
// Near a result of 0 the sum cancels (as in PyTorch's formula): the error is ~1 ulp of max(a, b).
void logaddexp_kernel(const TensorIterator& iter) {
  float_math(iter, "logaddexp", [](auto a, auto b) {
    using V = decltype(a);
    using T = typename V::value_type;
    using C = vec::xdetail::XConst<T>;
    const V m = vec::maximum(a, b);  // NaN propagates
    const V d = vec::maximum(-vec::abs(a - b), V(-C::kExpClamp));
    const V r = m + vec::xdetail::log1p_nonneg<T, true>(vec::xdetail::exp_(d, V(T(0))));
    const V r2 = vec::blendv(r, m, (vec::abs(m) == vec::xdetail::inf_<T>()) & (a == b));
    return vec::blendv(r2, vec::xdetail::nan_<T>(), (a != a) | (b != b));  // one NaN on every capability
  });
}

// pow with a tensor exponent for float32 / float16 / bfloat16 (pow_kernel in BinaryOpsKernel.cpp
// sends those here; float64 and integers stay there): vec::pow, evaluated in double, for float32;
// vec::for_half::pow, in float, for the half types.
void pow_float_tensor_exponent(const TensorIterator& iter) {
  dispatch_floating(iter.common_dtype(), "pow", [&]<typename T>() {
    if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>)
      cpu_kernel_vec<T>(iter, [](auto x, auto y) { return vec::for_half::pow(x, y); }, kMathGrainSize);
    else if constexpr (!std::is_same_v<T, double>)
      cpu_kernel_vec<T>(iter, pairwise([](auto x, auto y) { return vec::pow(x, y); }), kMathGrainSize);
  });
}

// sin of float16 / bfloat16 (sin_kernel in UnaryOpsKernel.cpp sends those here): vec::for_half::sin.
void sin_half_kernel(const TensorIterator& iter) {
  dispatch_floating(iter.common_dtype(), "sin", [&]<typename T>() {
    if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>)
      cpu_kernel_vec<T>(iter, [](auto x) { return vec::for_half::sin(x); }, kMathGrainSize);
  });
}

void fmod_kernel(const TensorIterator& iter) {
  division_like<false, true>(iter, "fmod", [](auto x, auto y) { return vec::fmod(x, y); });
}
void remainder_kernel(const TensorIterator& iter) {
  division_like<true, true>(iter, "remainder", [](auto x, auto y) { return vec::remainder(x, y); });
}
void floor_divide_kernel(const TensorIterator& iter) {
  division_like<true, false>(iter, "floor_divide", [](auto x, auto y) { return vec::div_floor(x, y); });
}

void div_rounding_kernel(const TensorIterator& iter, std::string_view mode) {
  TG_CHECK(mode == "trunc" || mode == "floor", "[div] div expected rounding_mode to be one of None, "
                 "'trunc', or 'floor' but found '", std::string(mode), "'");
  const bool floor = mode == "floor";
  dispatch_numeric(iter.common_dtype(), "div", [&]<typename T>() {
    if constexpr (std::is_integral_v<T>) {
      if (floor) integer_division<true, false, T>(iter, "div");
      else integer_division<false, false, T>(iter, "div");
    } else if (floor) {
      cpu_kernel_vec<T>(iter, [](auto x, auto y) { return vec::div_floor(x, y); });
    } else {
      cpu_kernel_vec<T>(iter, [](auto x, auto y) { return vec::trunc(x / y); });
    }
  });
}

void logit_kernel(const TensorIterator& iter, std::optional<double> eps) {
  dispatch_floating(iter.common_dtype(), "logit", [&]<typename T>() {
    using Op = opmath_t<T>;
    const Op e = eps ? Op(*eps) : Op(-1);  // eps < 0: no clamping, like PyTorch
    cpu_kernel_vec<T>(iter, [e](auto x) {
      using V = decltype(x);
      if (e >= Op(0)) x = vec::blendv(vec::blendv(x, V(Op(1) - e), x > V(Op(1) - e)), V(e), x < V(e));  // NaN stays
      return log_any(x / (V(Op(1)) - x));
    }, kMathGrainSize);
  });
}

void nan_to_num_kernel(const TensorIterator& iter, std::optional<double> nan, std::optional<double> posinf,
                       std::optional<double> neginf) {
  dispatch_all(iter.common_dtype(), "nan_to_num", [&]<typename T>() {
    if constexpr (std::is_integral_v<T>) {
      cpu_kernel(iter, [](T x) -> T { return x; });  // no nan or inf to replace: a copy
    } else if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>) {
      // On the 16-bit patterns, which the compiler vectorizes as 16-bit lanes: no conversion to
      // float and back (bfloat16's rounding is emulated under AVX2: 4M bfloat16 was 0.86x
      // PyTorch). The same results: the replacements are rounded to T, the rest kept bit for bit.
      constexpr uint16_t kInf = std::is_same_v<T, Half> ? 0x7c00u : 0x7f80u;
      const uint16_t n = T(float(nan.value_or(0.0))).x;
      const uint16_t p = posinf ? T(float(*posinf)).x : T(largest<T>()).x;
      const uint16_t m = neginf ? T(float(*neginf)).x : T(-largest<T>()).x;
      cpu_kernel(iter, [n, p, m](T x) -> T {
        // Every capture read unconditionally, then selects: a ternary that reads one only in its
        // branch (the closure may alias the output, so the read is not hoisted) stays scalar.
        const uint16_t nv = n, pv = p, mv = m, b = x.x;
        uint16_t r = (b & 0x7fffu) > kInf ? nv : b;
        r = b == kInf ? pv : r;
        return T::from_bits(b == (kInf | 0x8000u) ? mv : r);
      });
    } else {
      using Op = opmath_t<T>;
      // The replacements are rounded to T first, as PyTorch does (1e10 in float16 is inf).
      const Op n = Op(T(Op(nan.value_or(0.0))));
      const Op p = posinf ? Op(T(Op(*posinf))) : largest<T>();
      const Op m = neginf ? Op(T(Op(*neginf))) : -largest<T>();
      cpu_kernel_vec<T>(iter, [n, p, m](auto x) {
        using V = decltype(x);
        const V inf(std::numeric_limits<Op>::infinity());
        V r = vec::blendv(x, V(n), x != x);
        r = vec::blendv(r, V(p), x == inf);
        return vec::blendv(r, V(m), x == -inf);
      });
    }
  });
}

}  // namespace tg::native::CPU_CAPABILITY
