// leaky_relu_backward: the gradient of leaky_relu in one pass, a pointwise op in a file of its own.
#include "aten/native/cpu/FloatMath.h"
#include "kernels/leaky_relu_backward.h"

namespace tg::native::CPU_CAPABILITY {

// g where self > 0, g * negative_slope elsewhere (NaN self: the slope side, as PyTorch).
void leaky_relu_backward_kernel(const TensorIterator& iter, const Scalar& negative_slope, bool self_is_result) {
  dispatch_floating(iter.common_dtype(), "leaky_relu_backward", [&]<typename T>() {
    using Op = opmath_t<T>;
    const Op slope = negative_slope.to<Op>();
    // From the result, a negative slope flips the sign: self > 0 can't be told from the result.
    TG_CHECK(!self_is_result || slope >= Op(0), "[leaky_relu_backward] the gradient from the result needs a "
             "non-negative negative_slope: got ", slope);
    cpu_kernel_vec<T>(iter, [slope](auto g, auto x) {
      using V = decltype(g);
      return vec::blendv(g * V(slope), g, x > V(Op(0)));
    });
  });
}

}  // namespace tg::native::CPU_CAPABILITY
