// sigmoid_backward: the gradient of sigmoid from its result in one pass.
#include "aten/native/cpu/FloatMath.h"
#include "kernels/sigmoid_backward.h"

namespace tg::native::CPU_CAPABILITY {

void sigmoid_backward_kernel(const TensorIterator& iter) {
  dispatch_floating(iter.common_dtype(), "sigmoid_backward", [&]<typename T>() {
    cpu_kernel_vec<T>(iter, [](auto g, auto y) {
      using V = decltype(g);
      return g * (V(1) - y) * y;
    });
  });
}

}  // namespace tg::native::CPU_CAPABILITY
