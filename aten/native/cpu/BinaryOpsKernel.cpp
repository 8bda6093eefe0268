// Binary arithmetic kernels. Each is one scalar lambda per dtype; cpu_kernel handles layout.
#include "aten/vec/isa.h"
#include <algorithm>
#include <cmath>
#include <limits>

#include "aten/dispatch/DtypeDispatch.h"
#include "aten/native/ScalarOps.h"
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
#include "kernels/xlogy.h"

namespace tg::native::CPU_CAPABILITY {

namespace {
void check_alpha(const TensorIterator& iter, const Scalar& alpha) {
  TG_CHECK(!(is_integral(iter.common_dtype(), true) && alpha.is_floating_point()), "[", iter.op(),
           "] for integral input tensors, argument alpha must not be a floating point number (got ", alpha, ")");
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
      if (a == Op(1)) cpu_kernel(iter, [](T x, T y) -> T { return T(wrap_add(Op(x), Op(y))); });
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
    cpu_kernel(iter, [neg_a](T x, T y) -> T { return T(wrap_add(Op(x), wrap_mul(neg_a, Op(y)))); });
  });
}

void mul_kernel(const TensorIterator& iter) {
  dispatch_all(iter.common_dtype(), "mul", [&]<typename T>() {
    if constexpr (std::is_same_v<T, bool>) cpu_kernel(iter, [](bool x, bool y) -> bool { return x && y; });
    else cpu_kernel(iter, [](T x, T y) -> T { return T(wrap_mul(opmath_t<T>(x), opmath_t<T>(y))); });
  });
}

void true_divide_kernel(const TensorIterator& iter) {
  dispatch_floating(iter.common_dtype(), "true_divide", [&]<typename T>() {
    cpu_kernel(iter, [](T x, T y) -> T { return T(opmath_t<T>(x) / opmath_t<T>(y)); });
  });
}

void pow_kernel(const TensorIterator& iter) {
  dispatch_numeric(iter.common_dtype(), "pow", [&]<typename T>() {
    if constexpr (std::is_integral_v<T>) {
      cpu_kernel(iter, [](T base, T exp) -> T {
        T result{};
        if (!int_pow(base, exp, result))
          throw Error(ErrorKind::Runtime, "[pow] Integers to negative integer powers are not allowed.");
        return result;
      });
    } else {
      cpu_kernel(iter, [](T x, T y) -> T { return T(std::pow(opmath_t<T>(x), opmath_t<T>(y))); });
    }
  });
}

template <bool IsMax>
static void min_max_kernel(const TensorIterator& iter, const char* op) {
  dispatch_all(iter.common_dtype(), op, [&]<typename T>() {
    cpu_kernel(iter, [](T x, T y) -> T {
      if constexpr (!std::is_integral_v<T>) {
        if (x != x) return x;  // NaN propagates
        if (y != y) return y;
      }
      return IsMax ? (x < y ? y : x) : (y < x ? y : x);
    });
  });
}
void maximum_kernel(const TensorIterator& iter) { min_max_kernel<true>(iter, "maximum"); }
void minimum_kernel(const TensorIterator& iter) { min_max_kernel<false>(iter, "minimum"); }

// ---------------------------------------------------------------- issue 9: more binary math
namespace {
// A floating-point function of two values run as scalar std:: code in opmath_t (xlogy; atan2,
// hypot, logaddexp, fmod, remainder, floor_divide and div's rounding modes are in MathKernels.cpp).
template <typename F>
void float_binary_scalar(const TensorIterator& iter, const char* op, F f) {
  dispatch_floating(iter.common_dtype(), op, [&]<typename T>() {
    cpu_kernel(iter, [f](T a, T b) -> T { return T(f(opmath_t<T>(a), opmath_t<T>(b))); }, kMathGrainSize);
  });
}

}  // namespace

void xlogy_kernel(const TensorIterator& iter) {
  float_binary_scalar(iter, "xlogy", [](auto a, auto b) { return native::xlogy(a, b); });
}

// |a| with b's sign bit (so copysign(x, -0.0) is negative), on Vectorized<T>.
void copysign_kernel(const TensorIterator& iter) {
  dispatch_floating(iter.common_dtype(), "copysign", [&]<typename T>() {
    cpu_kernel_vec<T>(iter, [](auto a, auto b) {
      using V = decltype(a);
      const V sign_bit(typename V::value_type(-0.0));
      return vec::andnot(a, sign_bit) | (b & sign_bit);
    });
  });
}

void heaviside_kernel(const TensorIterator& iter) {
  TG_CHECK(iter.original_input_dtype(1) == iter.original_input_dtype(2), "[heaviside] heaviside is not yet "
           "implemented for tensors with different dtypes (got ", iter.original_input_dtype(1), " and ",
           iter.original_input_dtype(2), ")");
  dispatch_all(iter.common_dtype(), "heaviside", [&]<typename T>() {
    if constexpr (std::is_same_v<T, bool>) cpu_kernel(iter, [](bool x, bool y) -> bool { return x || y; });
    else cpu_kernel(iter, [](T x, T y) -> T { return T(native::heaviside(opmath_t<T>(x), opmath_t<T>(y))); });
  });
}

// clamp_min.Tensor / clamp_max.Tensor are maximum / minimum (PyTorch runs the same kernels): nan
// in either operand propagates.
void clamp_min_kernel(const TensorIterator& iter) { min_max_kernel<true>(iter, "clamp_min"); }
void clamp_max_kernel(const TensorIterator& iter) { min_max_kernel<false>(iter, "clamp_max"); }

}  // namespace tg::native::CPU_CAPABILITY
