// elu_backward on CUDA: one functor per form (from the input or from the result).
#include "aten/native/cuda/FloatFunctor.cuh"
#include "kernels/elu_backward.h"

namespace tg::native::cuda {

namespace {
struct EluBackwardFromInput {
  double negcoef, poscoef, negiptcoef;
  template <typename X>
  __device__ X operator()(X g, X x) const {
    return x <= X(0) ? g * (exp(x * X(negiptcoef)) * (X(negiptcoef) * X(negcoef))) : g * X(poscoef);
  }
};
struct EluBackwardFromResult {
  double negcoef, poscoef, negiptcoef;
  template <typename X>
  __device__ X operator()(X g, X r) const {
    return r <= X(0) ? g * X(negiptcoef) * (r + X(negcoef)) : g * X(poscoef);
  }
};
}  // namespace

void elu_backward_kernel(const TensorIterator& iter, const Scalar& alpha, const Scalar& scale,
                         const Scalar& input_scale, bool is_result) {
  const double negcoef = alpha.to_double() * scale.to_double(), poscoef = scale.to_double();
  const double negiptcoef = input_scale.to_double();
  if (is_result) float_binary(iter, "elu_backward", EluBackwardFromResult{negcoef, poscoef, negiptcoef});
  else float_binary(iter, "elu_backward", EluBackwardFromInput{negcoef, poscoef, negiptcoef});
}

}  // namespace tg::native::cuda
