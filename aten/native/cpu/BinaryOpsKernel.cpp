// Binary arithmetic kernels. Each is one lambda per dtype (scalar over cpu_kernel, or Vectorized
// over cpu_kernel_vec); the loops in Loops.h handle layout.
#include "aten/vec/isa.h"
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "aten/dispatch/DtypeDispatch.h"
#include "aten/native/ScalarOps.h"
#include "aten/native/cpu/ClampKernel.h"
#include "aten/native/cpu/FloatMath.h"
#include "aten/native/cpu/Loops.h"
#include "kernels/_div_rounding.h"
#include "kernels/add.h"
#include "kernels/atan2.h"
#include "kernels/clamp_max.h"
#include "kernels/clamp_min.h"
#include "kernels/copysign.h"
#include "kernels/floor_divide.h"
#include "kernels/fmod.h"
#include "kernels/heaviside.h"
#include "kernels/hypot.h"
#include "kernels/logaddexp.h"
#include "kernels/maximum.h"
#include "kernels/minimum.h"
#include "kernels/mul.h"
#include "kernels/pow.h"
#include "kernels/remainder.h"
#include "kernels/sub.h"
#include "kernels/true_divide.h"

namespace tg::native::CPU_CAPABILITY {

namespace {
void check_alpha(const TensorIterator& iter, const Scalar& alpha) {
  TG_CHECK(!(is_integral(iter.common_dtype(), true) && alpha.is_floating_point()), "[", iter.op(),
           "] for integral input tensors, argument alpha must not be a floating point number (got ", alpha, ")");
}

// float16 / bfloat16 operands run the Vectorized form vec_op on float vectors (F16C / shift
// conversions: the same bits as the scalar conversions, which cost more than the arithmetic:
// float16 `h * h` took 1.8x float32's time); every other dtype runs the scalar lambda, which the
// compiler vectorizes. Only for operations rounded once in float (+, -, *, /), so both forms give
// the same result.
template <typename T, typename FScalar, typename FVec>
void arith_kernel(const TensorIterator& iter, FScalar scalar_op, FVec vec_op) {
  if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>) cpu_kernel_vec<T>(iter, vec_op);
  else cpu_kernel(iter, scalar_op);
}
}  // namespace

void add_kernel(const TensorIterator& iter, const Scalar& alpha) {
  check_alpha(iter, alpha);
  dispatch_all(iter.common_dtype(), "add", [&]<typename T>() {
    if constexpr (std::is_same_v<T, bool>) {
      bool a = alpha.to_bool();
      cpu_kernel(iter, [a](bool x, bool y) -> bool { return x || (a && y); });
    } else {
      using Op = opmath_t<T>;
      Op a = alpha.to<Op>();
      if (a == Op(1)) arith_kernel<T>(iter, [](T x, T y) -> T { return T(wrap_add(Op(x), Op(y))); },
                                      [](auto x, auto y) { return x + y; });
      else cpu_kernel(iter, [a](T x, T y) -> T { return T(wrap_add(Op(x), wrap_mul(a, Op(y)))); });
    }
  });
}

void sub_kernel(const TensorIterator& iter, const Scalar& alpha) {
  TG_CHECK(iter.original_input_dtype(1) != ScalarType::Bool && iter.original_input_dtype(2) != ScalarType::Bool,
           "[sub] subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to "
           "invert a mask, use the `~` or `logical_not()` operator instead.");
  check_alpha(iter, alpha);
  dispatch_numeric(iter.common_dtype(), "sub", [&]<typename T>() {
    using Op = opmath_t<T>;
    Op a = alpha.to<Op>();
    const Op neg_a = wrap_neg(a);
    if (a == Op(1)) arith_kernel<T>(iter, [](T x, T y) -> T { return T(wrap_add(Op(x), wrap_neg(Op(y)))); },
                                    [](auto x, auto y) { return x - y; });
    else cpu_kernel(iter, [neg_a](T x, T y) -> T { return T(wrap_add(Op(x), wrap_mul(neg_a, Op(y)))); });
  });
}

void mul_kernel(const TensorIterator& iter) {
  dispatch_all(iter.common_dtype(), "mul", [&]<typename T>() {
    if constexpr (std::is_same_v<T, bool>) cpu_kernel(iter, [](bool x, bool y) -> bool { return x && y; });
    else arith_kernel<T>(iter, [](T x, T y) -> T { return T(wrap_mul(opmath_t<T>(x), opmath_t<T>(y))); },
                         [](auto x, auto y) { return x * y; });
  });
}

void true_divide_kernel(const TensorIterator& iter) {
  dispatch_floating(iter.common_dtype(), "true_divide", [&]<typename T>() {
    arith_kernel<T>(iter, [](T x, T y) -> T { return T(opmath_t<T>(x) / opmath_t<T>(y)); },
                    [](auto x, auto y) { return x / y; });
  });
}

namespace {
// The value of input i when it is one value broadcast over the whole iteration
// (iter.is_scalar_input(i), numel > 0): a Python number, a 0-dim or an expanded tensor.
template <typename T>
T scalar_input_value(const TensorIterator& iter, int i) {
  T v{};
  std::memcpy(&v, iter.scalar_input_data(i), sizeof(T));
  return v;
}

// pow with one exponent for the whole tensor (x ** 2, tg.pow(x, 0.5), ...): PyTorch's fast paths
// (Pow.cpp, PowKernel.cpp), vectorized. Returns false when the exponent has none.
//   e == 0: 1 (also for nan bases), e == 1: x, e == 2: x * x, e == 3: x * x * x, for every
//   dtype (integers wrap around like int_pow does);
//   floating only: e == -1: 1 / x, e == -2: 1 / (x * x), e == 0.5: sqrt(x), e == -0.5: 1 / sqrt(x).
// Against the general path (std::pow in opmath_t):
//   - 0 and 1 give the same bits; 2, -1 and 0.5 (for float16 / bfloat16 also 3 and -2: x * x is
//     exact in float) are rounded once, i.e. correctly rounded, which libm's pow is not always
//     (glibc: < 1 ulp), so the general path can be 1 ulp away there;
//   - float32 / float64 3, -2 and -0.5 round twice, so they may differ from std::pow in the last
//     bit: PyTorch computes exactly these formulas, and we match PyTorch;
//   - 0.5 and -0.5 follow sqrt, not C's pow, at -0.0 and -inf: pow(-0.0, 0.5) = -0.0 and
//     pow(-inf, 0.5) = nan (C: +0.0, +inf), pow(-0.0, -0.5) = -inf, pow(-inf, -0.5) = nan, as
//     PyTorch gives for float32, float64 and bfloat16. PyTorch's float16 has no such fast path
//     (C's pow semantics), so float16 +-0.5 stays on the general path here too.
template <typename T>
bool pow_scalar_exponent_kernel(const TensorIterator& iter) {
  using V = typename vec::VecIO<T>::vec_t;
  using S = typename V::value_type;  // float for float16 / bfloat16
  const S e = S(scalar_input_value<T>(iter, 1));
  auto run = [&](auto f) { cpu_kernel_vec<T>(iter, [f](V x, V /*the exponent*/) { return f(x); }); };
  if (e == S(0)) run([](V) { return V(S(1)); });
  else if (e == S(1)) run([](V x) { return x; });
  else if (e == S(2)) run([](V x) { return x * x; });
  else if (e == S(3)) run([](V x) { return x * x * x; });
  else if constexpr (std::is_integral_v<T>) return false;
  else if (e == S(-1)) run([](V x) { return V(S(1)) / x; });
  else if (e == S(-2)) run([](V x) { return V(S(1)) / (x * x); });
  else if (std::is_same_v<T, Half>) return false;
  else if (e == S(0.5)) run([](V x) { return vec::sqrt(x); });
  else if (e == S(-0.5)) run([](V x) { return vec::rsqrt(x); });
  else return false;
  return true;
}
}  // namespace

void pow_float_tensor_exponent(const TensorIterator& iter);  // MathKernels.cpp (-ffp-contract=off)

namespace {
// int_pow (ScalarOps.h) on Vectorized<T> lanes: square-and-multiply until every lane's exponent
// is spent, each lane multiplying where its bit is set. The scalar loop branched on every bit of
// every element (exponents 0-3: 4M int64 at 2.6 ns an element on 2 threads). Wrapping products,
// so the scalar loop's bits. A negative exponent is allowed for bases 1 and -1 only: base^e is
// then base^(e mod 2^64) (the same parity), so its lanes run the same loop on e's bits, shifted
// as unsigned (64 steps). Any layout: a partial vector's unused lanes repeat its first element
// (cpu_kernel_vec), so the negative-exponent check sees only real elements.
template <typename T>
void int_pow_vectorized(const TensorIterator& iter) {
  using V = typename vec::VecIO<T>::vec_t;
  cpu_kernel_vec<T>(iter, [](V base, V exponent) {
    const V zero(T(0)), one(T(1));
    if constexpr (std::is_signed_v<T>) {
      const V bad = (exponent < zero) & (base != one) & (base != V(T(-1)));
      if (vec::any(bad)) throw Error(ErrorKind::Runtime, "[pow] Integers to negative integer powers are not allowed.");
    }
    V result = one, b = base, e = exponent;
    while (vec::any(e != zero)) {
      result = vec::blendv(result, result * b, (e & one) != zero);
      b = b * b;
      e = vec::srli<1>(e);
    }
    return result;
  });
}
}  // namespace

void pow_kernel(const TensorIterator& iter) {
  dispatch_numeric(iter.common_dtype(), "pow", [&]<typename T>() {
    if (iter.numel() > 0 && iter.is_scalar_input(1) && pow_scalar_exponent_kernel<T>(iter)) return;
    if constexpr (std::is_same_v<T, int32_t> || std::is_same_v<T, int64_t>) {
      int_pow_vectorized<T>(iter);
    } else if constexpr (std::is_integral_v<T>) {
      cpu_kernel(iter, [](T base, T exp) -> T {
        T result{};
        if (!int_pow(base, exp, result))
          throw Error(ErrorKind::Runtime, "[pow] Integers to negative integer powers are not allowed.");
        return result;
      });
    } else if constexpr (std::is_same_v<T, double>) {
      float_scalar_loop<T>(iter, [](auto x, auto y) { return std::pow(x, y); });
    } else {
      pow_float_tensor_exponent(iter);
    }
  });
}

// maximum / minimum: NaN in either operand propagates; on a tie (+0.0 vs -0.0) the second
// operand wins, as in PyTorch's vectorized loop (vmaxps / vminps, vec_base.h).
template <bool IsMax>
static void min_max_kernel(const TensorIterator& iter, const char* op) {
  dispatch_all(iter.common_dtype(), op, [&]<typename T>() {
    if constexpr (std::is_same_v<T, bool>) {
      cpu_kernel(iter, [](bool x, bool y) -> bool { return IsMax ? (x || y) : (x && y); });
    } else {
      cpu_kernel_vec<T>(iter, [](auto x, auto y) { return IsMax ? vec::maximum(x, y) : vec::minimum(x, y); });
    }
  });
}
void maximum_kernel(const TensorIterator& iter) { min_max_kernel<true>(iter, "maximum"); }
void minimum_kernel(const TensorIterator& iter) { min_max_kernel<false>(iter, "minimum"); }

// ---------------------------------------------------------------- issue 9: more binary math
// |a| with b's sign bit (so copysign(x, -0.0) is negative), on Vectorized<T>.
void copysign_kernel(const TensorIterator& iter) {
  dispatch_floating(iter.common_dtype(), "copysign", [&]<typename T>() {
    if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>) {
      // on the 16-bit patterns (the loop vectorizes), as float32 does on its bits: no round trip
      // through float, and a NaN keeps its payload and takes b's sign
      cpu_kernel(iter, [](T a, T b) -> T { return T::from_bits(uint16_t((a.x & 0x7fffu) | (b.x & 0x8000u))); });
    } else {
      cpu_kernel_vec<T>(iter, [](auto a, auto b) {
        using V = decltype(a);
        const V sign_bit(typename V::value_type(-0.0));
        return vec::andnot(a, sign_bit) | (b & sign_bit);
      });
    }
  });
}

void heaviside_kernel(const TensorIterator& iter) {
  TG_CHECK(iter.original_input_dtype(1) == iter.original_input_dtype(2), "[heaviside] heaviside is not yet "
           "implemented for tensors with different dtypes (got ", iter.original_input_dtype(1), " and ",
           iter.original_input_dtype(2), ")");
  dispatch_all(iter.common_dtype(), "heaviside", [&]<typename T>() {
    if constexpr (std::is_same_v<T, bool>) {
      cpu_kernel(iter, [](bool x, bool y) -> bool { return x || y; });
    } else if constexpr (std::is_integral_v<T>) {
      cpu_kernel(iter, [](T x, T y) -> T { return native::heaviside(x, y); });
    } else {
      // x == 0 ? y : (x > 0): 1.0 where x > 0 (a NaN x gives 0, like native::heaviside)
      cpu_kernel_vec<T>(iter, [](auto x, auto y) {
        using V = decltype(x);
        using S = typename V::value_type;
        return vec::blendv((x > V(S(0))) & V(S(1)), y, x == V(S(0)));
      });
    }
  });
}

// clamp, clamp_min and clamp_max. A NaN input or bound gives NaN; with min > max the result is
// max. A bound that is one value for the whole tensor (a Python number, a 0-dim tensor) keeps x on
// a tie, so clamp(-0.0, min=0.0) is -0.0; a tensor bound wins a tie, like maximum / minimum. Both
// are what PyTorch does: its Scalar overloads run vmaxps(bound, x) (vec::clamp_min, after sending
// a NaN bound to a NaN fill), its Tensor overloads maximum(x, bound).
namespace {
// Input i is one value for the whole tensor and not NaN: the cheaper vec::clamp_min / clamp_max
// apply (they pass a NaN x through but would ignore a NaN bound; the maximum / minimum path turns
// a NaN bound into NaN results).
template <typename T>
bool plain_scalar_bound(const TensorIterator& iter, int i) {
  if (iter.numel() == 0 || !iter.is_scalar_input(i)) return false;
  if constexpr (std::is_integral_v<T>) {
    return true;
  } else {
    const auto v = opmath_t<T>(scalar_input_value<T>(iter, i));
    return v == v;
  }
}
template <bool ScalarBound, typename V>
inline V clamp_lower(const V& x, const V& lo) {
  if constexpr (ScalarBound) return vec::clamp_min(x, lo);
  else return vec::maximum(x, lo);
}
template <bool ScalarBound, typename V>
inline V clamp_upper(const V& x, const V& hi) {
  if constexpr (ScalarBound) return vec::clamp_max(x, hi);
  else return vec::minimum(x, hi);
}
// f(std::bool_constant<b>{}): a runtime flag as a compile-time one (one loop per case).
template <typename F>
inline void with_flag(bool b, const F& f) {
  if (b) f(std::true_type{});
  else f(std::false_type{});
}
}  // namespace

void clamp_min_kernel(const TensorIterator& iter) {
  dispatch_all(iter.common_dtype(), "clamp_min", [&]<typename T>() {
    if constexpr (std::is_same_v<T, bool>) {
      cpu_kernel(iter, [](bool x, bool lo) -> bool { return x || lo; });
    } else {
      with_flag(plain_scalar_bound<T>(iter, 1), [&](auto scalar) {
        cpu_kernel_vec<T>(iter, [](auto x, auto lo) { return clamp_lower<decltype(scalar)::value>(x, lo); });
      });
    }
  });
}
void clamp_max_kernel(const TensorIterator& iter) {
  dispatch_all(iter.common_dtype(), "clamp_max", [&]<typename T>() {
    if constexpr (std::is_same_v<T, bool>) {
      cpu_kernel(iter, [](bool x, bool hi) -> bool { return x && hi; });
    } else {
      with_flag(plain_scalar_bound<T>(iter, 1), [&](auto scalar) {
        cpu_kernel_vec<T>(iter, [](auto x, auto hi) { return clamp_upper<decltype(scalar)::value>(x, hi); });
      });
    }
  });
}

// clamp(x, min, max) in one pass (ClampKernel.h): min(max(x, min), max).
void clamp_kernel(const TensorIterator& iter) {
  dispatch_all(iter.common_dtype(), "clamp", [&]<typename T>() {
    if constexpr (std::is_same_v<T, bool>) {
      cpu_kernel(iter, [](bool x, bool lo, bool hi) -> bool { return (x || lo) && hi; });
    } else {
      with_flag(plain_scalar_bound<T>(iter, 1), [&](auto lo_scalar) {
        with_flag(plain_scalar_bound<T>(iter, 2), [&](auto hi_scalar) {
          cpu_kernel_vec<T>(iter, [](auto x, auto lo, auto hi) {
            return clamp_upper<decltype(hi_scalar)::value>(clamp_lower<decltype(lo_scalar)::value>(x, lo), hi);
          });
        });
      });
    }
  });
}

}  // namespace tg::native::CPU_CAPABILITY
