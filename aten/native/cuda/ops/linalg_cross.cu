// linalg_cross on CUDA: each component of the output is a difference of two products computed
// with the device's pointwise ops (mul, mul, sub, copy_: four launches per component; correct
// first, one kernel over the vectors as on the CPU is next).
#include "aten/iter/TensorIterator.h"
#include "kernels/linalg_cross.h"
#include "ops/copy_.h"
#include "ops/expand.h"
#include "ops/mul.h"
#include "ops/narrow.h"
#include "ops/sub.h"
#include "ops/to.h"

namespace tg::native::cuda {

void linalg_cross_kernel(const Tensor& self, const Tensor& other, int64_t dim, Tensor& out) {
  if (out.numel() == 0) return;
  const int64_t d = wrap_dim(dim, out.dim(), "linalg.cross");
  const Tensor a = self.to(out.dtype()).expand(out.sizes()), b = other.to(out.dtype()).expand(out.sizes());
  auto part = [&](const Tensor& t, int64_t k) { return t.narrow(d, k % 3, 1); };
  for (int64_t c = 0; c < 3; ++c) {
    Tensor o = out.narrow(d, c, 1);
    tg::copy_(o, tg::sub(tg::mul(part(a, c + 1), part(b, c + 2)), tg::mul(part(a, c + 2), part(b, c + 1))));
  }
}

}  // namespace tg::native::cuda
