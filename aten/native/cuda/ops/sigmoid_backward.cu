// sigmoid_backward on CUDA.
#include "aten/native/cuda/FloatFunctor.cuh"
#include "kernels/sigmoid_backward.h"

namespace tg::native::cuda {

namespace {
struct SigmoidBackward {
  template <typename X>
  __device__ X operator()(X g, X y) const { return g * (X(1) - y) * y; }
};
}  // namespace

void sigmoid_backward_kernel(const TensorIterator& iter) { float_binary(iter, "sigmoid_backward", SigmoidBackward{}); }

}  // namespace tg::native::cuda
