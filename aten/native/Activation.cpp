// Composite activations (issue 10): selu, celu and relu6 are elu / hardtanh with fixed
// arguments; prelu is written with ops, so their gradients (and second derivatives) come from the
// ops they call. (glu has its own kernels: aten/native/cpu/ops/glu.cpp.)
#include <vector>

#include "aten/dispatch/DtypeDispatch.h"

#include "kernels/celu.h"
#include "kernels/prelu.h"
#include "kernels/relu6.h"
#include "kernels/selu.h"
#include "ops/_prelu_kernel.h"
#include "ops/elu.h"
#include "ops/hardtanh.h"
#include "ops/reshape.h"
#include "ops/where.h"

namespace tg::native {

namespace {
// SELU's constants (Klambauer et al. 2017), as PyTorch spells them.
constexpr double kSeluAlpha = 1.6732632423543772848170429916717;
constexpr double kSeluScale = 1.0507009873554804934193349852946;

// The composites name themselves in dtype errors (not the op they call).
void check_dtype(const char* op, const Tensor& t, DtypeSet set) {
  if (!dtype_in_set(t.dtype(), set)) dtype_not_implemented(op, t.dtype());
}
}  // namespace

Tensor selu(const Tensor& self) {
  check_dtype("selu", self, DtypeSet::Floating);
  return tg::elu(self, kSeluAlpha, kSeluScale, 1.0);
}

// celu(x, alpha) = max(0, x) + min(0, alpha (exp(x / alpha) - 1)) = elu(x, alpha, 1, 1 / alpha)
Tensor celu(const Tensor& self, const Scalar& alpha) {
  check_dtype("celu", self, DtypeSet::Floating);
  const double a = alpha.to_double();
  TG_CHECK(a != 0.0, "[celu] ZeroDivisionError: alpha cannot be 0 (celu divides by it)");
  return tg::elu(self, alpha, 1.0, 1.0 / a);
}

Tensor relu6(const Tensor& self) {
  check_dtype("relu6", self, DtypeSet::Numeric);
  return tg::hardtanh(self, 0, 6);
}

Tensor prelu(const Tensor& self, const Tensor& weight) {
  check_dtype("prelu", self, DtypeSet::Floating);
  check_dtype("prelu", weight, DtypeSet::Floating);
  TG_CHECK(weight.dim() <= 1, "[prelu] Expected `weight` to be a scalar or 1D tensor, but got: ndim = ", weight.dim());
  const int64_t nw = weight.numel();
  Tensor w = weight;
  if (nw != 1) {
    TG_CHECK(self.dim() > 0, "[prelu] Not allow zero-dim input tensor.");
    const int64_t channels = self.dim() > 1 ? self.size(1) : 1;  // the channel is dim 1
    TG_CHECK(channels == nw, "[prelu] Mismatch of parameter numbers and input channel size. Found parameter numbers = ",
             nw, " and channel size = ", channels, ".");
    if (self.dim() > 1) {  // [1, C, 1, ...] broadcasts over the batch and the spatial dims
      std::vector<int64_t> shape(size_t(self.dim()), 1);
      shape[1] = nw;
      w = tg::reshape(weight, shape);
    }
  }
  return tg::_prelu_kernel(self, w);
}

}  // namespace tg::native
