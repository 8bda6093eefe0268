// glu: a * sigmoid(b), a and b the halves of self along dim (aten/native/Glu.h), in one pass of the
// TensorIterator over the two half views (any layout, threads and dtypes as for a binary op).
#include "aten/native/Copy.h"
#include "aten/native/Glu.h"
#include "aten/native/cpu/FloatMath.h"
#include "kernels/glu.h"

namespace tg::native::CPU_CAPABILITY {

void glu_kernel(const Tensor& self, int64_t dim, Tensor& out) {
  if (out.numel() == 0) return;
  if (shares_storage_with_any(out, {&self})) {  // out= overlapping self: compute, then copy
    Tensor result = empty_tensor(out.sizes(), out.dtype(), out.device(), "glu");
    glu_kernel(self, dim, result);
    copy_into(out, result, "glu");
    return;
  }
  const auto [a, b] = glu_halves(self, dim);
  TensorIterator iter(IterConfig{"glu", Promotion::None}, out, {a, b});
  dispatch_floating(iter.common_dtype(), "glu", [&]<typename T>() {
    cpu_kernel_vec<T>(iter, [](auto x, auto y) { return x * vec::sigmoid(y); }, kMathGrainSize);
  });
}

}  // namespace tg::native::CPU_CAPABILITY
