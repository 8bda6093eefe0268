// Binary arithmetic on CUDA: one functor per op, run by gpu_kernel (Loops.cuh). Same semantics
// as aten/native/cpu/BinaryOpsKernel.cpp: integer + and * wrap around, integer division by zero
// and negative integer powers are errors (reported through the device error flag).
#include "aten/native/ScalarOps.h"
#include "aten/native/cuda/Loops.cuh"
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

namespace tg::native::cuda {

namespace {

// x + alpha * y (sub passes -alpha).
template <typename T>
struct AddOp {
  opmath_t<T> alpha;
  __device__ T operator()(T x, T y) const {
    if constexpr (std::is_same_v<T, bool>) return x || (alpha && y);
    else return from_op<T>(wrap_add(to_op(x), wrap_mul(alpha, to_op(y))));
  }
};
template <typename T>
struct MulOp {
  __device__ T operator()(T x, T y) const {
    if constexpr (std::is_same_v<T, bool>) return x && y;
    else return from_op<T>(wrap_mul(to_op(x), to_op(y)));
  }
};
template <typename T>
struct TrueDivideOp {
  __device__ T operator()(T x, T y) const { return from_op<T>(to_op(x) / to_op(y)); }
};

// Integer division by zero flags the device error (raised on the host as PyTorch's
// ZeroDivisionError RuntimeError) and the element gets 0.
template <typename T>
__device__ bool divisor_is_zero(T y, int* error) {
  if (y != 0) return false;
  report_error(error, kIntegerDivisionByZero);
  return true;
}

template <typename T>
struct DivRoundingOp {
  bool floor_mode;
  int* error;
  __device__ T operator()(T x, T y) const {
    if constexpr (std::is_integral_v<T>) {
      if (divisor_is_zero(y, error)) return T(0);
      return int_div_rounding(x, y, floor_mode);
    } else {
      return from_op<T>(float_div_rounding(to_op(x), to_op(y), floor_mode));
    }
  }
};

template <typename T>
struct PowOp {
  int* error;
  __device__ T operator()(T base, T exp) const {
    if constexpr (std::is_integral_v<T>) {
      T result{};
      if (!int_pow(base, exp, result)) {
        report_error(error, kNegativeIntegerPower);
        return T(0);
      }
      return result;
    } else {
      return from_op<T>(pow(to_op(base), to_op(exp)));
    }
  }
};

template <typename T, bool IsMax>
struct MinMaxOp {
  __device__ T operator()(T x, T y) const {
    auto a = to_op(x), b = to_op(y);
    if constexpr (is_floating_v<T>) {
      if (a != a) return x;  // NaN propagates
      if (b != b) return y;
    }
    return IsMax ? (a < b ? y : x) : (b < a ? y : x);
  }
};

void check_alpha(const TensorIterator& iter, const Scalar& alpha) {
  TG_CHECK(!(is_integral(iter.common_dtype(), true) && alpha.is_floating_point()), "[", iter.op(),
           "] for integral input tensors, argument alpha must not be a floating point number (got ", alpha, ")");
}

template <typename T>
opmath_t<T> scalar_to(const Scalar& s) {
  if constexpr (std::is_same_v<T, bool>) return s.to_bool();
  else if constexpr (std::is_integral_v<T>) return static_cast<T>(s.to_int());
  else return static_cast<opmath_t<T>>(s.to_double());
}

}  // namespace

void add_kernel(const TensorIterator& iter, const Scalar& alpha) {
  check_alpha(iter, alpha);
  dispatch_device<DtypeSet::All>(iter.common_dtype(), "add", [&]<typename T>() {
    gpu_kernel(iter, AddOp<T>{scalar_to<T>(alpha)});
  });
}

void sub_kernel(const TensorIterator& iter, const Scalar& alpha) {
  TG_CHECK(iter.original_input_dtype(1) != ScalarType::Bool && iter.original_input_dtype(2) != ScalarType::Bool,
           "[sub] subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to "
           "invert a mask, use the `~` or `logical_not()` operator instead.");
  check_alpha(iter, alpha);
  dispatch_device<DtypeSet::Numeric>(iter.common_dtype(), "sub", [&]<typename T>() {
    opmath_t<T> a = scalar_to<T>(alpha);
    a = wrap_neg(a);
    gpu_kernel(iter, AddOp<T>{a});
  });
}

void mul_kernel(const TensorIterator& iter) {
  dispatch_device<DtypeSet::All>(iter.common_dtype(), "mul", [&]<typename T>() { gpu_kernel(iter, MulOp<T>{}); });
}

void true_divide_kernel(const TensorIterator& iter) {
  dispatch_device<DtypeSet::Floating>(iter.common_dtype(), "true_divide", [&]<typename T>() {
    gpu_kernel(iter, TrueDivideOp<T>{});
  });
}

void div_rounding_kernel(const TensorIterator& iter, std::string_view mode) {
  TG_CHECK(mode == "trunc" || mode == "floor", "[div] div expected rounding_mode to be one of None, "
                 "'trunc', or 'floor' but found '", std::string(mode), "'");
  const bool floor_mode = mode == "floor";
  const bool integral = is_integral(iter.common_dtype(), true);
  dispatch_device<DtypeSet::Numeric>(iter.common_dtype(), "div", [&]<typename T>() {
    gpu_kernel(iter, DivRoundingOp<T>{floor_mode, integral ? device_error_flag() : nullptr});
  });
  if (integral) check_device_error("div");
}

void pow_kernel(const TensorIterator& iter) {
  const bool integral = is_integral(iter.common_dtype(), true);
  dispatch_device<DtypeSet::Numeric>(iter.common_dtype(), "pow", [&]<typename T>() {
    gpu_kernel(iter, PowOp<T>{integral ? device_error_flag() : nullptr});
  });
  if (integral) check_device_error("pow");
}

void maximum_kernel(const TensorIterator& iter) {
  dispatch_device<DtypeSet::All>(iter.common_dtype(), "maximum", [&]<typename T>() {
    gpu_kernel(iter, MinMaxOp<T, true>{});
  });
}
void minimum_kernel(const TensorIterator& iter) {
  dispatch_device<DtypeSet::All>(iter.common_dtype(), "minimum", [&]<typename T>() {
    gpu_kernel(iter, MinMaxOp<T, false>{});
  });
}

// ---------------------------------------------------------------- issue 9
namespace {
enum class Bin { Atan2, Hypot, Copysign, Xlogy, LogAddExp };
template <typename T, Bin F>
struct FloatBinaryOp {
  __device__ T operator()(T a, T b) const {
    const auto x = to_op(a), y = to_op(b);
    if constexpr (F == Bin::Atan2) return from_op<T>(atan2(x, y));
    else if constexpr (F == Bin::Hypot) return from_op<T>(hypot(x, y));
    else if constexpr (F == Bin::Copysign) return from_op<T>(copysign(x, y));
    else if constexpr (F == Bin::LogAddExp) {
      const auto m = x > y ? x : y;
      return from_op<T>(isinf(m) && x == y ? m : m + log1p(exp(-fabs(x - y))));
    }
    else return from_op<T>(xlogy(x, y));
  }
};
template <Bin F>
void float_binary(const TensorIterator& iter, const char* op) {
  dispatch_device<DtypeSet::Floating>(iter.common_dtype(), op, [&]<typename T>() { gpu_kernel(iter, FloatBinaryOp<T, F>{}); });
}

enum class Div { Fmod, Remainder, FloorDivide };
template <typename T, Div F>
struct DivisionLikeOp {
  int* error;
  __device__ T operator()(T x, T y) const {
    if constexpr (std::is_integral_v<T>) {
      if (divisor_is_zero(y, error)) return T(0);
      if constexpr (F == Div::Fmod) return int_fmod(x, y);
      else if constexpr (F == Div::Remainder) return int_remainder(x, y);
      else return int_div_rounding(x, y, true);
    } else {
      const auto a = to_op(x), b = to_op(y);
      if constexpr (F == Div::Fmod) return from_op<T>(fmod(a, b));
      else if constexpr (F == Div::Remainder) return from_op<T>(float_remainder(a, b));
      else return from_op<T>(float_div_rounding(a, b, true));
    }
  }
};
template <Div F>
void division_like(const TensorIterator& iter, const char* op) {
  const bool integral = is_integral(iter.common_dtype(), true);
  dispatch_device<DtypeSet::Numeric>(iter.common_dtype(), op, [&]<typename T>() {
    gpu_kernel(iter, DivisionLikeOp<T, F>{integral ? device_error_flag() : nullptr});
  });
  if (integral) check_device_error(op);
}

template <typename T>
struct HeavisideOp {
  __device__ T operator()(T x, T y) const {
    if constexpr (std::is_same_v<T, bool>) return x || y;
    else return from_op<T>(heaviside(to_op(x), to_op(y)));
  }
};
}  // namespace

void atan2_kernel(const TensorIterator& iter) { float_binary<Bin::Atan2>(iter, "atan2"); }
void hypot_kernel(const TensorIterator& iter) { float_binary<Bin::Hypot>(iter, "hypot"); }
void logaddexp_kernel(const TensorIterator& iter) { float_binary<Bin::LogAddExp>(iter, "logaddexp"); }
void copysign_kernel(const TensorIterator& iter) { float_binary<Bin::Copysign>(iter, "copysign"); }
void xlogy_kernel(const TensorIterator& iter) { float_binary<Bin::Xlogy>(iter, "xlogy"); }
void fmod_kernel(const TensorIterator& iter) { division_like<Div::Fmod>(iter, "fmod"); }
void remainder_kernel(const TensorIterator& iter) { division_like<Div::Remainder>(iter, "remainder"); }
void floor_divide_kernel(const TensorIterator& iter) { division_like<Div::FloorDivide>(iter, "floor_divide"); }

void heaviside_kernel(const TensorIterator& iter) {
  TG_CHECK(iter.original_input_dtype(1) == iter.original_input_dtype(2), "[heaviside] heaviside is not yet "
           "implemented for tensors with different dtypes (got ", iter.original_input_dtype(1), " and ",
           iter.original_input_dtype(2), ")");
  dispatch_device<DtypeSet::All>(iter.common_dtype(), "heaviside", [&]<typename T>() { gpu_kernel(iter, HeavisideOp<T>{}); });
}

// clamp_min.Tensor / clamp_max.Tensor are maximum / minimum, as in PyTorch.
void clamp_min_kernel(const TensorIterator& iter) {
  dispatch_device<DtypeSet::All>(iter.common_dtype(), "clamp_min", [&]<typename T>() { gpu_kernel(iter, MinMaxOp<T, true>{}); });
}
void clamp_max_kernel(const TensorIterator& iter) {
  dispatch_device<DtypeSet::All>(iter.common_dtype(), "clamp_max", [&]<typename T>() { gpu_kernel(iter, MinMaxOp<T, false>{}); });
}

}  // namespace tg::native::cuda
