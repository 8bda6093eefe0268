// glu_backward on CUDA, written with the device's ops (correct first; a fused kernel as on the
// CPU is next). Half inputs are computed in float32 and rounded once, as on the CPU.
#include "aten/core/TensorOperators.h"
#include "aten/native/Copy.h"
#include "aten/native/Glu.h"
#include "kernels/glu_backward.h"
#include "ops/sigmoid.h"
#include "ops/to.h"

namespace tg::native::cuda {

void glu_backward_kernel(const Tensor& grad_output, const Tensor& self, int64_t dim, Tensor& out) {
  if (out.numel() == 0) return;
  const ScalarType acc = opmath_dtype(out.dtype());
  const Tensor x = self.to(acc);
  const auto [a, b] = glu_halves(x, dim);
  const Tensor s = tg::sigmoid(b);
  const Tensor grad_a = grad_output.to(acc) * s;
  const Tensor grad_b = grad_a * a * (1 - s);
  const auto [out_a, out_b] = glu_halves(out, dim);
  copy_into(out_a, grad_a, "glu_backward");
  copy_into(out_b, grad_b, "glu_backward");
}

}  // namespace tg::native::cuda
