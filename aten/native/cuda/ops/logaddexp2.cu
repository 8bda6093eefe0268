// logaddexp2 on CUDA: one functor over the generic launcher, in a file of its own.
#include "aten/native/cuda/FloatFunctor.cuh"
#include "kernels/logaddexp2.h"

namespace tg::native::cuda {

namespace {
struct LogAddExp2 {
  template <typename X>
  __device__ X operator()(X a, X b) const {
    const X m = a > b ? a : b;
    return isinf(m) && a == b ? m : m + log1p(exp2(-fabs(a - b))) * X(1.4426950408889634);
  }
};
}  // namespace

void logaddexp2_kernel(const TensorIterator& iter) { float_binary(iter, "logaddexp2", LogAddExp2{}); }

}  // namespace tg::native::cuda
