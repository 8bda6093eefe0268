// leaky_relu_backward on CUDA.
#include "aten/native/cuda/FloatFunctor.cuh"
#include "kernels/leaky_relu_backward.h"

namespace tg::native::cuda {

namespace {
struct LeakyReluBackward {
  double slope;
  template <typename X>
  __device__ X operator()(X g, X x) const { return x > X(0) ? g : g * X(slope); }
};
}  // namespace

void leaky_relu_backward_kernel(const TensorIterator& iter, const Scalar& negative_slope, bool self_is_result) {
  const double slope = negative_slope.to_double();
  TG_CHECK(!self_is_result || slope >= 0, "[leaky_relu_backward] the gradient from the result needs a "
           "non-negative negative_slope: got ", slope);
  float_binary(iter, "leaky_relu_backward", LeakyReluBackward{slope});
}

}  // namespace tg::native::cuda
