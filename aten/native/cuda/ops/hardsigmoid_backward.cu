// hardsigmoid_backward on CUDA.
#include "aten/native/cuda/FloatFunctor.cuh"
#include "kernels/hardsigmoid_backward.h"

namespace tg::native::cuda {

namespace {
struct HardsigmoidBackward {
  template <typename X>
  __device__ X operator()(X g, X x) const { return x > X(-3) && x < X(3) ? g * (X(1) / X(6)) : X(0); }  // PyTorch's g * (1/6)
};
}  // namespace

void hardsigmoid_backward_kernel(const TensorIterator& iter) {
  float_binary(iter, "hardsigmoid_backward", HardsigmoidBackward{});
}

}  // namespace tg::native::cuda
