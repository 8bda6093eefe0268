// softplus_backward: the gradient of softplus in one pass.
#include "aten/native/cpu/FloatMath.h"
#include "kernels/softplus_backward.h"

namespace tg::native::CPU_CAPABILITY {

// g * sigmoid(beta x), or g on the linear side (beta x > threshold).
void softplus_backward_kernel(const TensorIterator& iter, const Scalar& beta, const Scalar& threshold) {
  dispatch_floating(iter.common_dtype(), "softplus_backward", [&]<typename T>() {
    using Op = opmath_t<T>;
    const Op b = beta.to<Op>(), th = threshold.to<Op>();
    cpu_kernel_vec<T>(iter, [b, th](auto g, auto x) {
      using V = decltype(g);
      const V bx = x * V(b);
      return vec::blendv(g * vec::sigmoid(bx), g, bx > V(th));
    }, kMathGrainSize);
  });
}

}  // namespace tg::native::CPU_CAPABILITY
