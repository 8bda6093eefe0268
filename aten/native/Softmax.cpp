#include "aten/native/Softmax.h"

#include "aten/native/Copy.h"

namespace tg::native {

SoftmaxPlan softmax_plan(const Tensor& self, int64_t dim, const Tensor& out, const char* op) {
  const int64_t d = wrap_dim(dim, self.dim(), op);
  SoftmaxPlan p;
  p.in = self.dtype() == out.dtype() && self.is_contiguous() ? self : to_dtype(self, out.dtype());
  p.res = out.is_contiguous() ? out : empty_tensor(out.sizes(), out.dtype(), out.device(), op);
  p.n = self.dim() == 0 ? 1 : self.size(d);
  for (int64_t k = d + 1; k < self.dim(); ++k) p.inner *= self.size(k);
  for (int64_t k = 0; k < d; ++k) p.outer *= self.size(k);
  return p;
}

SoftmaxBackwardPlan softmax_backward_plan(const Tensor& grad_output, const Tensor& output, int64_t dim,
                                          const Tensor& out, const char* op) {
  SoftmaxBackwardPlan p;
  static_cast<SoftmaxPlan&>(p) = softmax_plan(output, dim, out, op);
  p.grad = grad_output.dtype() == out.dtype() && grad_output.is_contiguous() ? grad_output
                                                                              : to_dtype(grad_output, out.dtype());
  return p;
}

void SoftmaxPlan::finish(const Tensor& out, const char* op) const {
  if (!res.is_same(out)) copy_into(out, res, op);
}

}  // namespace tg::native
