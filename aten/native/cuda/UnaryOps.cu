// Unary pointwise ops on CUDA (semantics of aten/native/cpu/UnaryOpsKernel.cpp). Floating math
// runs in opmath_t (float for the half types).
#include "aten/native/ScalarOps.h"
#include "aten/native/cuda/Loops.cuh"
#include "aten/native/cuda/UnaryFloatOp.cuh"
#include "kernels/abs.h"
#include "kernels/ceil.h"
#include "kernels/cos.h"
#include "kernels/exp.h"
#include "kernels/floor.h"
#include "kernels/isfinite.h"
#include "kernels/isinf.h"
#include "kernels/isnan.h"
#include "kernels/log.h"
#include "kernels/logit.h"
#include "kernels/nan_to_num.h"
#include "kernels/neg.h"
#include "kernels/relu.h"
#include "kernels/round.h"
#include "kernels/rsqrt.h"
#include "kernels/sigmoid.h"
#include "kernels/sign.h"
#include "kernels/signbit.h"
#include "kernels/sin.h"
#include "kernels/sqrt.h"
#include "kernels/tanh.h"

namespace tg::native::cuda {

using unary::Fn;
using unary::float_unary;
using unary::rounding;

namespace {


template <typename T>
struct NegOp {
  __device__ T operator()(T x) const {
    if constexpr (std::is_integral_v<T>) return T(std::make_unsigned_t<T>(0) - std::make_unsigned_t<T>(x));
    else return from_op<T>(-to_op(x));
  }
};
template <typename T>
struct AbsOp {
  __device__ T operator()(T x) const {
    if constexpr (std::is_unsigned_v<T>) return x;
    else if constexpr (std::is_integral_v<T>)
      return x < 0 ? T(std::make_unsigned_t<T>(0) - std::make_unsigned_t<T>(x)) : x;
    else return from_op<T>(fabs(to_op(x)));
  }
};
template <typename T>
struct SignOp {
  __device__ T operator()(T x) const {
    if constexpr (std::is_same_v<T, bool>) {
      return x;
    } else if constexpr (std::is_unsigned_v<T>) {
      return T(x != 0);
    } else {
      using Op = opmath_t<T>;
      const Op v = to_op(x);
      if constexpr (is_floating_v<T>) if (v != v) return from_op<T>(Op(0));  // PyTorch: sign(nan) = 0
      return from_op<T>(Op((Op(0) < v) - (v < Op(0))));
    }
  }
};
template <typename T>
struct ReluOp {
  __device__ T operator()(T x) const {
    if constexpr (std::is_unsigned_v<T>) {
      return x;
    } else {
      const auto v = to_op(x);
      if constexpr (is_floating_v<T>) if (v != v) return x;  // relu(nan) = nan
      return v < decltype(v)(0) ? from_op<T>(decltype(v)(0)) : x;
    }
  }
};

}  // namespace

void exp_kernel(const TensorIterator& iter) { float_unary<Fn::Exp>(iter, "exp"); }
void log_kernel(const TensorIterator& iter) { float_unary<Fn::Log>(iter, "log"); }
void sqrt_kernel(const TensorIterator& iter) { float_unary<Fn::Sqrt>(iter, "sqrt"); }
void rsqrt_kernel(const TensorIterator& iter) { float_unary<Fn::Rsqrt>(iter, "rsqrt"); }
void sin_kernel(const TensorIterator& iter) { float_unary<Fn::Sin>(iter, "sin"); }
void cos_kernel(const TensorIterator& iter) { float_unary<Fn::Cos>(iter, "cos"); }
void tanh_kernel(const TensorIterator& iter) { float_unary<Fn::Tanh>(iter, "tanh"); }
void sigmoid_kernel(const TensorIterator& iter) { float_unary<Fn::Sigmoid>(iter, "sigmoid"); }
void floor_kernel(const TensorIterator& iter) { rounding<Fn::Floor>(iter, "floor"); }
void ceil_kernel(const TensorIterator& iter) { rounding<Fn::Ceil>(iter, "ceil"); }
void round_kernel(const TensorIterator& iter) { rounding<Fn::Round>(iter, "round"); }

void neg_kernel(const TensorIterator& iter) {
  TG_CHECK(iter.common_dtype() != ScalarType::Bool, "[neg] negation, the `-` operator, on a bool tensor is not "
           "supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.");
  dispatch_device<DtypeSet::Numeric>(iter.common_dtype(), "neg", [&]<typename T>() { gpu_kernel(iter, NegOp<T>{}); });
}
void abs_kernel(const TensorIterator& iter) {
  dispatch_device<DtypeSet::Numeric>(iter.common_dtype(), "abs", [&]<typename T>() { gpu_kernel(iter, AbsOp<T>{}); });
}
void sign_kernel(const TensorIterator& iter) {
  dispatch_device<DtypeSet::All>(iter.common_dtype(), "sign", [&]<typename T>() { gpu_kernel(iter, SignOp<T>{}); });
}
void relu_kernel(const TensorIterator& iter) {
  dispatch_device<DtypeSet::Numeric>(iter.common_dtype(), "relu", [&]<typename T>() { gpu_kernel(iter, ReluOp<T>{}); });
}

// ---------------------------------------------------------------- issue 9
namespace {
template <typename T>
struct LogitOp {
  opmath_t<T> eps;  // < 0: no clamping
  __device__ T operator()(T x) const { return from_op<T>(logit(to_op(x), eps)); }
};

enum class Test { IsNan, IsInf, IsFinite, Signbit };
template <typename T, Test K>
struct TestOp {
  __device__ bool operator()(T v) const {
    if constexpr (std::is_integral_v<T>) {
      if constexpr (K == Test::Signbit) {
        if constexpr (std::is_signed_v<T>) return v < 0;
        else return false;
      }
      return K == Test::IsFinite;  // integers are finite, never nan or inf
    } else {
      const auto x = to_op(v);
      if constexpr (K == Test::IsNan) return isnan(x);
      else if constexpr (K == Test::IsInf) return isinf(x);
      else if constexpr (K == Test::IsFinite) return isfinite(x);
      else return signbit(x);
    }
  }
};
template <Test K>
void test_kernel(const TensorIterator& iter, const char* op) {
  dispatch_device<DtypeSet::All>(iter.common_dtype(), op, [&]<typename T>() { gpu_kernel(iter, TestOp<T, K>{}); });
}

template <typename T>
struct NanToNumOp {
  opmath_t<T> nan, posinf, neginf;
  __device__ T operator()(T v) const {
    if constexpr (std::is_integral_v<T>) {
      return v;
    } else {
      const auto x = to_op(v);
      if (isnan(x)) return from_op<T>(nan);
      if (isinf(x)) return from_op<T>(x > 0 ? posinf : neginf);
      return v;
    }
  }
};
// The largest finite value of a floating dtype (nan_to_num's default for +inf), as opmath_t.
template <typename T>
opmath_t<T> largest() {
  if constexpr (std::is_same_v<T, __half>) return 65504.0f;
  else if constexpr (std::is_same_v<T, __nv_bfloat16>) return 3.38953139e38f;
  else if constexpr (std::is_same_v<T, float>) return 3.40282347e38f;
  else return 1.7976931348623157e308;
}
// A replacement value rounded to T first, as PyTorch does (1e10 in float16 is inf).
template <typename T>
opmath_t<T> rounded(double v) {
  if constexpr (is_half_v<T>) return to_op(from_op<T>(float(v)));
  else return opmath_t<T>(v);
}
}  // namespace


void logit_kernel(const TensorIterator& iter, std::optional<double> eps) {
  dispatch_device<DtypeSet::Floating>(iter.common_dtype(), "logit", [&]<typename T>() {
    gpu_kernel(iter, LogitOp<T>{eps ? opmath_t<T>(*eps) : opmath_t<T>(-1)});
  });
}
void isnan_kernel(const TensorIterator& iter) { test_kernel<Test::IsNan>(iter, "isnan"); }
void isinf_kernel(const TensorIterator& iter) { test_kernel<Test::IsInf>(iter, "isinf"); }
void isfinite_kernel(const TensorIterator& iter) { test_kernel<Test::IsFinite>(iter, "isfinite"); }
void signbit_kernel(const TensorIterator& iter) { test_kernel<Test::Signbit>(iter, "signbit"); }

void nan_to_num_kernel(const TensorIterator& iter, std::optional<double> nan, std::optional<double> posinf,
                       std::optional<double> neginf) {
  dispatch_device<DtypeSet::All>(iter.common_dtype(), "nan_to_num", [&]<typename T>() {
    if constexpr (std::is_integral_v<T>) {
      gpu_kernel(iter, NanToNumOp<T>{});
    } else {
      gpu_kernel(iter, NanToNumOp<T>{rounded<T>(nan.value_or(0.0)), posinf ? rounded<T>(*posinf) : largest<T>(),
                                     neginf ? rounded<T>(*neginf) : -largest<T>()});
    }
  });
}

}  // namespace tg::native::cuda
