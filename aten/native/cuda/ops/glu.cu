// glu on CUDA, written with the device's ops (sigmoid, mul: two launches; a fused kernel as on
// the CPU is next). Half inputs are computed in float32 and rounded once, as on the CPU.
#include "aten/native/Copy.h"
#include "aten/native/Glu.h"
#include "kernels/glu.h"
#include "ops/to.h"
#include "ops/mul.h"
#include "ops/sigmoid.h"

namespace tg::native::cuda {

void glu_kernel(const Tensor& self, int64_t dim, Tensor& out) {
  if (out.numel() == 0) return;
  const Tensor x = self.to(opmath_dtype(self.dtype()));
  const auto [a, b] = glu_halves(x, dim);
  copy_into(out, tg::mul(a, tg::sigmoid(b)), "glu");
}

}  // namespace tg::native::cuda
