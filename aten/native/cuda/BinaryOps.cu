// Binary arithmetic on CUDA: one functor per op, run by gpu_kernel (Loops.cuh). Same semantics
// as aten/native/cpu/BinaryOpsKernel.cpp: integer + and * wrap around, integer division by zero
// and negative integer powers are errors (reported through the device error flag).
#include "aten/native/cuda/Loops.cuh"
#include "kernels/_div_rounding.h"
#include "kernels/add.h"
#include "kernels/maximum.h"
#include "kernels/minimum.h"
#include "kernels/mul.h"
#include "kernels/pow.h"
#include "kernels/sub.h"
#include "kernels/true_divide.h"

namespace tg::native::cuda {

namespace {

template <typename T>
__device__ inline T wrap_add(T a, T b) {
  if constexpr (is_int_v<T>) return T(std::make_unsigned_t<T>(a) + std::make_unsigned_t<T>(b));
  else return a + b;
}
template <typename T>
__device__ inline T wrap_mul(T a, T b) {
  if constexpr (is_int_v<T>) return T(std::make_unsigned_t<T>(a) * std::make_unsigned_t<T>(b));
  else return a * b;
}

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

template <typename T>
struct DivRoundingOp {
  bool floor_mode;
  int* error;
  __device__ T operator()(T x, T y) const {
    if constexpr (std::is_integral_v<T>) {
      if (y == 0) {
        report_error(error, kIntegerDivisionByZero);
        return T(0);
      }
      if constexpr (std::is_signed_v<T>) {
        if (y == T(-1)) return T(std::make_unsigned_t<T>(0) - std::make_unsigned_t<T>(x));  // MIN / -1 wraps
        T q = T(x / y);
        if (floor_mode && (x % y != 0) && ((x < 0) != (y < 0))) --q;
        return q;
      } else {
        return T(x / y);
      }
    } else {
      using Op = opmath_t<T>;
      const Op a = to_op(x), b = to_op(y);
      const Op q = a / b;
      if (!floor_mode) return from_op<T>(trunc(q));
      // Python's floor division, via fmod like PyTorch (and the CPU kernel).
      if (b == Op(0)) return from_op<T>(q);
      Op mod = fmod(a, b);
      Op div = (a - mod) / b;
      if (mod != Op(0) && ((b < 0) != (mod < 0))) div -= Op(1);
      Op fl = floor(div);
      if (div - fl > Op(0.5)) fl += Op(1);
      return from_op<T>(div == Op(0) ? copysign(Op(0), q) : fl);
    }
  }
};

template <typename T>
struct PowOp {
  int* error;
  __device__ T operator()(T base, T exp) const {
    if constexpr (std::is_integral_v<T>) {
      if constexpr (std::is_signed_v<T>) {
        if (exp < 0) {
          if (base == 1) return T(1);
          if (base == -1) return T((exp & 1) ? -1 : 1);
          report_error(error, kNegativeIntegerPower);
          return T(0);
        }
      }
      using U = std::make_unsigned_t<T>;
      U result = 1, b = U(base);
      for (auto e = exp; e; e >>= 1) {
        if (e & 1) result = U(result * b);
        b = U(b * b);
      }
      return T(result);
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
    if constexpr (is_int_v<T>) a = T(std::make_unsigned_t<T>(0) - std::make_unsigned_t<T>(a));
    else a = -a;
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
  TG_CHECK_VALUE(mode == "trunc" || mode == "floor", "[div] div expected rounding_mode to be one of None, "
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

}  // namespace tg::native::cuda
