// logit_backward on CUDA.
#include <limits>

#include "aten/native/cuda/FloatFunctor.cuh"
#include "kernels/logit_backward.h"

namespace tg::native::cuda {

namespace {
struct LogitBackward {
  double eps;
  bool has_eps;
  template <typename X>
  __device__ X operator()(X g, X x) const {
    const X lo = has_eps ? X(eps) : X(0), hi = X(1) - lo;
    if (x < lo || x > hi) return has_eps ? X(0) : X(NAN);
    return g / (x * (X(1) - x));
  }
};
}  // namespace

void logit_backward_kernel(const TensorIterator& iter, std::optional<double> eps) {
  float_binary(iter, "logit_backward", LogitBackward{eps.value_or(0.0), eps.has_value()});
}

}  // namespace tg::native::cuda
