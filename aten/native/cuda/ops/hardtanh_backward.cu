// hardtanh_backward on CUDA.
#include "aten/native/cuda/FloatFunctor.cuh"
#include "kernels/hardtanh_backward.h"

namespace tg::native::cuda {

namespace {
struct HardtanhBackward {
  double lo, hi;
  template <typename X>
  __device__ X operator()(X g, X x) const { return x <= X(lo) || x >= X(hi) ? X(0) : g; }
};
}  // namespace

void hardtanh_backward_kernel(const TensorIterator& iter, const Scalar& min_val, const Scalar& max_val) {
  float_binary(iter, "hardtanh_backward", HardtanhBackward{min_val.to_double(), max_val.to_double()});
}

}  // namespace tg::native::cuda
