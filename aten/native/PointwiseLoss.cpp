// Element-wise losses: argument checks and the flat layout of the fused reductions (PointwiseLoss.h).
#include "aten/native/PointwiseLoss.h"

#include <algorithm>
#include <limits>

#include "aten/iter/TensorIterator.h"
#include "kernels/binary_cross_entropy_target_backward.h"
#include "kernels/binary_cross_entropy_with_logits_target_backward.h"
#include "kernels/kl_div_target_backward.h"
#include "ops/contiguous.h"
#include "ops/expand.h"
#include "ops/exp.h"
#include "ops/full.h"
#include "ops/log.h"
#include "ops/logit.h"
#include "ops/softplus.h"
#include "ops/to.h"

namespace tg::native {

void check_loss_reduction(const char* op, int64_t reduction) {
  TG_CHECK_VALUE(reduction >= 0 && reduction <= 2, "[", op, "] ", reduction,
                 " is not a valid value for reduction (0 none, 1 mean, 2 sum)");
}

PointwiseLossPlan pointwise_loss_plan(const char* op, std::vector<Tensor> inputs, int64_t reduction) {
  check_loss_reduction(op, reduction);
  PointwiseLossPlan p;
  p.op = op;
  p.in = std::move(inputs);
  const Tensor& self = p.in[0];
  for (size_t i = 1; i < p.in.size(); ++i) {
    TG_CHECK(p.in[i].device() == self.device(), "[", op, "] expected all tensors to be on the same device, but found ",
             self.device().str(), " and ", p.in[i].device().str());
  }
  p.dtype = result_type(TensorList(p.in.data(), p.in.size()));
  TG_CHECK_NOT_IMPLEMENTED(is_floating(p.dtype), "[", op, "] not implemented for dtype ", p.dtype,
                           " (floating dtypes only)");
  p.shape = DimVector(self.sizes());
  for (size_t i = 1; i < p.in.size(); ++i) p.shape = broadcast_shapes(p.shape, p.in[i].sizes(), op);
  p.numel = 1;
  for (int64_t s : p.shape) p.numel *= s;
  return p;
}

void pointwise_loss_flatten(PointwiseLossPlan& p) {
  const IntArrayRef shape(p.shape);
  for (Tensor& t : p.in) {
    const bool ready = t.dtype() == p.dtype && t.is_contiguous() && t.sizes().size() == shape.size() &&
                       std::equal(shape.begin(), shape.end(), t.sizes().begin());
    if (!ready) t = tg::contiguous(tg::expand(tg::to(t, p.dtype), shape));
  }
}

Tensor pointwise_loss_total(const PointwiseLossPlan& p, double sum, int64_t reduction) {
  const double value = reduction == 1 ? (p.numel ? sum / double(p.numel) : std::numeric_limits<double>::quiet_NaN())
                                      : sum;
  return tg::full({}, value, p.dtype, p.in[0].device());
}

double pointwise_loss_grad_scale(const char* op, int64_t reduction, int64_t numel) {
  check_loss_reduction(op, reduction);
  return reduction == 1 && numel ? 1.0 / double(numel) : 1.0;
}

// ---------------------------------------------------------------------------- target gradients
// The gradients for target are composites over differentiable ops (they are not on the training
// path), so their own derivatives come from autograd.

namespace {

// The gradient for target from its per-element factor d loss / d target (without grad_output):
// times grad_output, expanded to the loss's broadcast shape (autograd sums it down to target's
// shape), divided by the element count for mean. `p` checked the operands first.
Tensor target_grad_finish(const PointwiseLossPlan& p, const Tensor& factor, const Tensor& grad_output,
                          int64_t reduction) {
  Tensor g = tg::expand(factor * grad_output, p.shape);
  if (reduction == 1 && p.numel) g = g / Scalar(double(p.numel));
  return g;
}

bool given(const std::optional<Tensor>& t) { return t.has_value() && t->defined(); }

}  // namespace

// d/dt [(1 - t) x + (1 + (pw - 1) t) softplus(-x)] w = ((pw - 1) softplus(-x) - x) w
Tensor binary_cross_entropy_with_logits_target_backward(const Tensor& grad_output, const Tensor& self,
                                                         const Tensor& target, const std::optional<Tensor>& weight,
                                                         const std::optional<Tensor>& pos_weight, int64_t reduction) {
  const char* op = "binary_cross_entropy_with_logits_target_backward";
  std::vector<Tensor> operands{grad_output, self, target};
  if (given(pos_weight)) operands.push_back(*pos_weight);
  if (given(weight)) operands.push_back(*weight);
  const PointwiseLossPlan p = pointwise_loss_plan(op, std::move(operands), reduction);
  Tensor factor = -self;
  if (given(pos_weight)) factor = factor + (*pos_weight - 1) * tg::softplus(-self);
  if (given(weight)) factor = factor * *weight;
  return target_grad_finish(p, factor, grad_output, reduction);
}

// d/dt -w (t log x + (1 - t) log1p(-x)) = w (log1p(-x) - log x) = -logit(x) w (PyTorch's, without
// the forward's clamps)
Tensor binary_cross_entropy_target_backward(const Tensor& grad_output, const Tensor& self, const Tensor& target,
                                            const std::optional<Tensor>& weight, int64_t reduction) {
  const char* op = "binary_cross_entropy_target_backward";
  std::vector<Tensor> operands{grad_output, self, target};
  if (given(weight)) operands.push_back(*weight);
  const PointwiseLossPlan p = pointwise_loss_plan(op, std::move(operands), reduction);
  Tensor factor = -tg::logit(self);
  if (given(weight)) factor = factor * *weight;
  return target_grad_finish(p, factor, grad_output, reduction);
}

// d/dt kl_div: exp(t) (t - x + 1) for a log target, log(t) + 1 - x otherwise
Tensor kl_div_target_backward(const Tensor& grad_output, const Tensor& self, const Tensor& target, int64_t reduction,
                              bool log_target) {
  const PointwiseLossPlan p = pointwise_loss_plan("kl_div_target_backward", {grad_output, self, target}, reduction);
  const Tensor factor = log_target ? tg::exp(target) * (target - self + 1) : tg::log(target) + 1 - self;
  return target_grad_finish(p, factor, grad_output, reduction);
}

}  // namespace tg::native
