// hardsigmoid_backward: the gradient of hardsigmoid in one pass.
#include "aten/native/cpu/FloatMath.h"
#include "kernels/hardsigmoid_backward.h"

namespace tg::native::CPU_CAPABILITY {

// g times 1/6 (the constant rounded to the type, as PyTorch's kernel and the forward: its bits, and
// no division) strictly inside (-3, 3), 0 at and beyond (PyTorch's side at the kinks); NaN self gives 0.
void hardsigmoid_backward_kernel(const TensorIterator& iter) {
  dispatch_floating(iter.common_dtype(), "hardsigmoid_backward", [&]<typename T>() {
    cpu_kernel_vec<T>(iter, [](auto g, auto x) {
      using V = decltype(g);
      using S = typename V::value_type;
      return vec::blendv(V(0), g * V(S(1) / S(6)), (x > V(-3)) & (x < V(3)));
    });
  });
}

}  // namespace tg::native::CPU_CAPABILITY
