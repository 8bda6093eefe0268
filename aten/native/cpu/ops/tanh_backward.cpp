// tanh_backward: the gradient of tanh from its result in one pass (a pointwise op in a file of its
// own, README "Adding an op").
#include "aten/native/cpu/FloatMath.h"
#include "kernels/tanh_backward.h"

namespace tg::native::CPU_CAPABILITY {

void tanh_backward_kernel(const TensorIterator& iter) {
  dispatch_floating(iter.common_dtype(), "tanh_backward", [&]<typename T>() {
    cpu_kernel_vec<T>(iter, [](auto g, auto y) {
      using V = decltype(g);
      return g * (V(1) - y * y);
    });
  });
}

}  // namespace tg::native::CPU_CAPABILITY
