// hardtanh_backward: the gradient of hardtanh (and relu6) in one pass, a pointwise op in a file of
// its own.
#include "aten/native/cpu/FloatMath.h"
#include "kernels/hardtanh_backward.h"

namespace tg::native::CPU_CAPABILITY {

// g strictly inside (min_val, max_val), 0 at and beyond the bounds (PyTorch's side at a kink);
// NaN self keeps g.
void hardtanh_backward_kernel(const TensorIterator& iter, const Scalar& min_val, const Scalar& max_val) {
  dispatch_floating(iter.common_dtype(), "hardtanh_backward", [&]<typename T>() {
    using Op = opmath_t<T>;
    const Op lo = min_val.to<Op>(), hi = max_val.to<Op>();
    cpu_kernel_vec<T>(iter, [lo, hi](auto g, auto x) {
      using V = decltype(g);
      return vec::blendv(g, V(Op(0)), (x <= V(lo)) | (x >= V(hi)));
    });
  });
}

}  // namespace tg::native::CPU_CAPABILITY
