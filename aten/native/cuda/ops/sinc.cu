// sinc on CUDA: one functor over the generic launcher, in a file of its own (README, "Adding an op").
#include "aten/native/cuda/FloatFunctor.cuh"
#include "kernels/sinc.h"

namespace tg::native::cuda {

namespace {
struct Sinc {
  template <typename X>
  __device__ X operator()(X x) const { return x == X(0) ? X(1) : sin(X(M_PI) * x) / (X(M_PI) * x); }
};
}  // namespace

void sinc_kernel(const TensorIterator& iter) { float_unary(iter, "sinc", Sinc{}); }

}  // namespace tg::native::cuda
