// logit_backward: the gradient of logit in one pass (it was seven kernels: a division, products,
// two comparisons, their or and a where).
#include "aten/native/cpu/FloatMath.h"
#include "kernels/logit_backward.h"

namespace tg::native::CPU_CAPABILITY {

// g / (x (1 - x)) inside [lo, hi] = [eps, 1 - eps] (without eps: [0, 1]); outside 0 with eps and
// NaN without, like PyTorch (the bounds in the compute type, as its kernel).
void logit_backward_kernel(const TensorIterator& iter, std::optional<double> eps) {
  dispatch_floating(iter.common_dtype(), "logit_backward", [&]<typename T>() {
    using Op = opmath_t<T>;
    const Op lo = eps ? Op(*eps) : Op(0), hi = Op(1) - lo;
    const Op fill = eps ? Op(0) : std::numeric_limits<Op>::quiet_NaN();
    cpu_kernel_vec<T>(iter, [lo, hi, fill](auto g, auto x) {
      using V = decltype(g);
      return vec::blendv(g / (x * (V(Op(1)) - x)), V(fill), (x < V(lo)) | (x > V(hi)));
    });
  });
}

}  // namespace tg::native::CPU_CAPABILITY
