// addcmul, addcdiv and lerp on CUDA: one functor each over gpu_kernel (Loops.cuh), with the
// semantics of aten/native/cpu/PointwiseOpsKernel.cpp (integer addcmul wraps around; the half
// types compute in float).
#include "aten/native/PointwiseOps.h"
#include "aten/native/ScalarOps.h"
#include "aten/native/cuda/Loops.cuh"
#include "kernels/addcdiv.h"
#include "kernels/addcmul.h"
#include "kernels/lerp.h"

namespace tg::native::cuda {

namespace {

// self + value * tensor1 * tensor2
template <typename T>
struct AddcmulOp {
  opmath_t<T> value;
  __device__ T operator()(T s, T a, T b) const {
    return from_op<T>(wrap_add(to_op(s), wrap_mul(wrap_mul(value, to_op(a)), to_op(b))));
  }
};

// self + value * tensor1 / tensor2
template <typename T>
struct AddcdivOp {
  opmath_t<T> value;
  __device__ T operator()(T s, T a, T b) const { return from_op<T>(to_op(s) + value * to_op(a) / to_op(b)); }
};

// PyTorch's lerp: exact at weight 0 and 1 (the branch keeps the small factor on the side of the
// endpoint it approaches).
template <typename T>
__device__ inline T lerp_value(T start, T end, opmath_t<T> w) {
  using Op = opmath_t<T>;
  const Op a = to_op(start), b = to_op(end);
  return from_op<T>(w < Op(0.5) && w > Op(-0.5) ? a + w * (b - a) : b - (b - a) * (Op(1) - w));
}

template <typename T>
struct LerpScalarOp {
  opmath_t<T> weight;
  __device__ T operator()(T s, T e) const { return lerp_value(s, e, weight); }
};

template <typename T>
struct LerpTensorOp {
  __device__ T operator()(T s, T e, T w) const { return lerp_value(s, e, to_op(w)); }
};

}  // namespace

void addcmul_kernel(const TensorIterator& iter, const Scalar& value) {
  dispatch_device<DtypeSet::Numeric>(iter.common_dtype(), "addcmul", [&]<typename T>() {
    gpu_kernel(iter, AddcmulOp<T>{value.to<opmath_t<T>>()});
  });
}

void addcdiv_kernel(const TensorIterator& iter, const Scalar& value) {
  check_addcdiv_dtypes(iter);
  dispatch_device<DtypeSet::Floating>(iter.common_dtype(), "addcdiv", [&]<typename T>() {
    gpu_kernel(iter, AddcdivOp<T>{value.to<opmath_t<T>>()});
  });
}

void lerp_scalar_kernel(const TensorIterator& iter, const Scalar& weight) {
  check_lerp_dtypes(iter);
  dispatch_device<DtypeSet::Floating>(iter.common_dtype(), "lerp", [&]<typename T>() {
    gpu_kernel(iter, LerpScalarOp<T>{weight.to<opmath_t<T>>()});
  });
}

void lerp_tensor_kernel(const TensorIterator& iter) {
  check_lerp_dtypes(iter);
  dispatch_device<DtypeSet::Floating>(iter.common_dtype(), "lerp", [&]<typename T>() {
    gpu_kernel(iter, LerpTensorOp<T>{});
  });
}

}  // namespace tg::native::cuda
