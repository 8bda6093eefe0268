// The floating-point unary functions on CUDA as one functor template (FloatOp<T, Fn>) over the
// generic launcher, shared by UnaryOps.cu (the basic functions) and UnaryMath.cu (the rest).
// A new op does not go here (a new Fn value recompiles both files): it gets a file of its own
// under ops/ over FloatFunctor.cuh (README, "Adding an op").
// Math runs in opmath_t (float for the half types).
#pragma once
#include "aten/native/ScalarOps.h"
#include "aten/native/cuda/Loops.cuh"

namespace tg::native::cuda::unary {

enum class Fn {
  Exp, Log, Sqrt, Rsqrt, Sin, Cos, Tanh, Sigmoid, Floor, Ceil, Round,
  // issue 9
  Log1p, Expm1, Log2, Log10, Exp2, Tan, Asin, Acos, Atan, Sinh, Cosh, Asinh, Acosh, Atanh, Erf, Erfc, Erfinv,
  Reciprocal, Trunc, Frac
};

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
    else if constexpr (F == Fn::Round) r = rint(x);  // round half to even, like PyTorch and NumPy
    else if constexpr (F == Fn::Log1p) r = log1p(x);
    else if constexpr (F == Fn::Expm1) r = expm1(x);
    else if constexpr (F == Fn::Log2) r = log2(x);
    else if constexpr (F == Fn::Log10) r = log10(x);
    else if constexpr (F == Fn::Exp2) r = exp2(x);
    else if constexpr (F == Fn::Tan) r = tan(x);
    else if constexpr (F == Fn::Asin) r = asin(x);
    else if constexpr (F == Fn::Acos) r = acos(x);
    else if constexpr (F == Fn::Atan) r = atan(x);
    else if constexpr (F == Fn::Sinh) r = sinh(x);
    else if constexpr (F == Fn::Cosh) r = cosh(x);
    else if constexpr (F == Fn::Asinh) r = asinh(x);
    else if constexpr (F == Fn::Acosh) r = acosh(x);
    else if constexpr (F == Fn::Atanh) r = atanh(x);
    else if constexpr (F == Fn::Erf) r = erf(x);
    else if constexpr (F == Fn::Erfc) r = erfc(x);
    else if constexpr (F == Fn::Erfinv) {
      // CUDA's own erfinv (tg::native::erfinv in ScalarOps.h is the CPU version)
      if constexpr (std::is_same_v<Op, float>) r = ::erfinvf(x);
      else r = ::erfinv(x);
    }
    else if constexpr (F == Fn::Reciprocal) r = Op(1) / x;
    else if constexpr (F == Fn::Trunc) r = trunc(x);
    else r = x - trunc(x);  // Frac: frac(+-inf) = nan, like PyTorch
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

}  // namespace tg::native::cuda::unary
