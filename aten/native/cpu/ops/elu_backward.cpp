// elu_backward: the gradient of elu (and selu, celu) in one pass, a pointwise op in a file of its
// own (README, "Adding an op").
#include "aten/native/cpu/FloatMath.h"
#include "kernels/elu_backward.h"

namespace tg::native::CPU_CAPABILITY {

// x > 0: g * scale; x <= 0: g * input_scale * alpha * scale * exp(input_scale * x), or from the
// result r = alpha * scale * (exp(input_scale * x) - 1): g * input_scale * (r + alpha * scale).
void elu_backward_kernel(const TensorIterator& iter, const Scalar& alpha, const Scalar& scale,
                         const Scalar& input_scale, bool is_result) {
  dispatch_floating(iter.common_dtype(), "elu_backward", [&]<typename T>() {
    using Op = opmath_t<T>;
    const Op negcoef = alpha.to<Op>() * scale.to<Op>(), poscoef = scale.to<Op>(), negiptcoef = input_scale.to<Op>();
    if (is_result) {
      cpu_kernel_vec<T>(iter, [=](auto g, auto r) {
        using V = decltype(g);
        return vec::blendv(g * V(poscoef), g * V(negiptcoef) * (r + V(negcoef)), r <= V(Op(0)));
      });
    } else {
      cpu_kernel_vec<T>(iter, [=](auto g, auto x) {
        using V = decltype(g);
        const V neg = g * (vec::exp(x * V(negiptcoef)) * V(negiptcoef * negcoef));
        return vec::blendv(g * V(poscoef), neg, x <= V(Op(0)));
      }, kMathGrainSize);
    }
  });
}

}  // namespace tg::native::CPU_CAPABILITY
