// softplus_backward on CUDA.
#include "aten/native/cuda/FloatFunctor.cuh"
#include "kernels/softplus_backward.h"

namespace tg::native::cuda {

namespace {
struct SoftplusBackward {
  double beta, threshold;
  template <typename X>
  __device__ X operator()(X g, X x) const {
    const X bx = x * X(beta);
    return bx > X(threshold) ? g : g / (X(1) + exp(-bx));
  }
};
}  // namespace

void softplus_backward_kernel(const TensorIterator& iter, const Scalar& beta, const Scalar& threshold) {
  float_binary(iter, "softplus_backward", SoftplusBackward{beta.to_double(), threshold.to_double()});
}

}  // namespace tg::native::cuda
