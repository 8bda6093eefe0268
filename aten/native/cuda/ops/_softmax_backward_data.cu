// _softmax_backward_data on CUDA, written with the device's ops (mul, sum, sub: four launches;
// correct first, a fused line kernel as on the CPU is next). Half inputs are computed in float32
// and rounded once, as on the CPU.
#include "kernels/_softmax_backward_data.h"
#include "ops/copy_.h"
#include "ops/mul.h"
#include "ops/sub.h"
#include "ops/sum.h"
#include "ops/to.h"

namespace tg::native::cuda {

void _softmax_backward_data_kernel(const Tensor& grad_output, const Tensor& output, int64_t dim, ScalarType,
                                   Tensor& out) {
  if (out.numel() == 0) return;
  const ScalarType acc = opmath_dtype(out.dtype());
  const Tensor g = grad_output.to(acc), y = output.to(acc);
  tg::copy_(out, tg::mul(y, tg::sub(g, tg::sum(tg::mul(g, y), IntArrayRef{dim}, true))));
}

}  // namespace tg::native::cuda
