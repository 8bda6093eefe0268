// Composite pointwise ops of issue 9: written with other tensorgen ops (so they run on every
// device and get their gradients from the ops they call).
#include "aten/native/Copy.h"
#include "kernels/clamp_max.h"
#include "kernels/clamp_min.h"
#include "kernels/square.h"
#include "kernels/type_as.h"
#include "ops/clamp_max.h"
#include "ops/clamp_min.h"
#include "ops/copy_.h"
#include "ops/empty_like.h"
#include "ops/mul.h"
#include "ops/to.h"

namespace tg::native {

// PyTorch's square is pow(self, 2): the Python int 2 promotes bool to int64, other dtypes stay.
Tensor square(const Tensor& self) {
  const Tensor x = self.dtype() == ScalarType::Bool ? self.to(ScalarType::Int64) : self;
  return x * x;
}

// The Scalar overloads: the bound joins as a weak scalar (a Python number), so an integer tensor
// clamped by 2.5 becomes float32, as in PyTorch; it is made in the dtype the two promote to.
Tensor clamp_min_scalar(const Tensor& self, const Scalar& min) {
  return tg::clamp_min(self, wrapped_scalar_for(self, min));
}
Tensor clamp_max_scalar(const Tensor& self, const Scalar& max) {
  return tg::clamp_max(self, wrapped_scalar_for(self, max));
}

// self.to(other's dtype and device); self itself when both already match.
Tensor type_as(const Tensor& self, const Tensor& other) {
  if (self.device() == other.device()) return tg::to(self, other.dtype());
  Tensor out = tg::empty_like(self, other.dtype(), other.device());
  tg::copy_(out, self);
  return out;
}

}  // namespace tg::native
