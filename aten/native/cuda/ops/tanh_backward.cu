// tanh_backward on CUDA.
#include "aten/native/cuda/FloatFunctor.cuh"
#include "kernels/tanh_backward.h"

namespace tg::native::cuda {

namespace {
struct TanhBackward {
  template <typename X>
  __device__ X operator()(X g, X y) const { return g * (X(1) - y * y); }
};
}  // namespace

void tanh_backward_kernel(const TensorIterator& iter) { float_binary(iter, "tanh_backward", TanhBackward{}); }

}  // namespace tg::native::cuda
