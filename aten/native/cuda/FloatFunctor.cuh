// The front ends of the floating-point pointwise kernels on CUDA for ops written as a functor (a
// new op's own file under aten/native/cuda/ops/): the functor's templated operator() gets the
// values in opmath_t (float for the half types) and the result is rounded once to T.
//
//   struct Sinc { template <typename X> __device__ X operator()(X x) const { ... } };
//   void sinc_kernel(const TensorIterator& iter) { float_unary(iter, "sinc", Sinc{}); }
#pragma once
#include "aten/native/ScalarOps.h"
#include "aten/native/cuda/Loops.cuh"

namespace tg::native::cuda {

// (gpu_kernel reads the arity from operator()'s signature, so one wrapper per arity.)
template <typename T, typename F>
struct UnaryInOpmath {
  F f;
  __device__ T operator()(T x) const { return from_op<T>(f(to_op(x))); }
};
template <typename T, typename F>
struct BinaryInOpmath {
  F f;
  __device__ T operator()(T x, T y) const { return from_op<T>(f(to_op(x), to_op(y))); }
};

template <typename F>
void float_unary(const TensorIterator& iter, const char* op, F f) {
  dispatch_device<DtypeSet::Floating>(iter.common_dtype(), op, [&]<typename T>() { gpu_kernel(iter, UnaryInOpmath<T, F>{f}); });
}
template <typename F>
void float_binary(const TensorIterator& iter, const char* op, F f) {
  dispatch_device<DtypeSet::Floating>(iter.common_dtype(), op, [&]<typename T>() { gpu_kernel(iter, BinaryInOpmath<T, F>{f}); });
}

}  // namespace tg::native::cuda
