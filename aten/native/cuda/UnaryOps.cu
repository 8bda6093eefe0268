// Unary pointwise ops on CUDA (semantics of aten/native/cpu/UnaryOpsKernel.cpp). Floating math
// runs in opmath_t (float for the half types).
#include "aten/native/cuda/Loops.cuh"
#include "kernels/abs.h"
#include "kernels/ceil.h"
#include "kernels/cos.h"
#include "kernels/exp.h"
#include "kernels/floor.h"
#include "kernels/log.h"
#include "kernels/neg.h"
#include "kernels/relu.h"
#include "kernels/round.h"
#include "kernels/rsqrt.h"
#include "kernels/sigmoid.h"
#include "kernels/sign.h"
#include "kernels/sin.h"
#include "kernels/sqrt.h"
#include "kernels/tanh.h"

namespace tg::native::cuda {

namespace {

enum class Fn { Exp, Log, Sqrt, Rsqrt, Sin, Cos, Tanh, Sigmoid, Floor, Ceil, Round };

// One floating-point function, chosen at compile time.
template <typename T, Fn F>
struct FloatOp {
  __device__ T operator()(T v) const {
    using Op = opmath_t<T>;
    const Op x = to_op(v);
    Op r;
    if constexpr (F == Fn::Exp) r = exp(x);
    else if constexpr (F == Fn::Log) r = log(x);
    else if constexpr (F == Fn::Sqrt) r = sqrt(x);
    else if constexpr (F == Fn::Rsqrt) r = Op(1) / sqrt(x);
    else if constexpr (F == Fn::Sin) r = sin(x);
    else if constexpr (F == Fn::Cos) r = cos(x);
    else if constexpr (F == Fn::Tanh) r = tanh(x);
    else if constexpr (F == Fn::Sigmoid) r = Op(1) / (Op(1) + exp(-x));
    else if constexpr (F == Fn::Floor) r = floor(x);
    else if constexpr (F == Fn::Ceil) r = ceil(x);
    else r = rint(x);  // round half to even, like PyTorch and NumPy
    return from_op<T>(r);
  }
};

template <Fn F>
void float_unary(const TensorIterator& iter, const char* op) {
  dispatch_device<DtypeSet::Floating>(iter.common_dtype(), op, [&]<typename T>() { gpu_kernel(iter, FloatOp<T, F>{}); });
}

template <typename T>
struct IdentityOp {
  __device__ T operator()(T x) const { return x; }
};

// floor / ceil / round leave integers unchanged (PyTorch returns a copy).
template <Fn F>
void rounding(const TensorIterator& iter, const char* op) {
  dispatch_device<DtypeSet::Numeric>(iter.common_dtype(), op, [&]<typename T>() {
    if constexpr (std::is_integral_v<T>) gpu_kernel(iter, IdentityOp<T>{});
    else gpu_kernel(iter, FloatOp<T, F>{});
  });
}

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

}  // namespace tg::native::cuda
