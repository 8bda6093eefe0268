// Argument checks and layouts of the fused batch_norm / layer_norm / group_norm backward kernels
// (NormBackward.h). Everything a kernel reads is checked here, so a bad direct call of the op
// raises instead of reading out of bounds.
#include "aten/native/NormBackward.h"

#include <algorithm>

#include "aten/native/NormLoss.h"
#include "ops/contiguous.h"
#include "ops/reshape.h"
#include "ops/to.h"

namespace tg::native {

namespace {

Tensor contiguous_in(const Tensor& t, ScalarType dtype) {
  return t.dtype() == dtype && t.is_contiguous() ? t : tg::contiguous(tg::to(t, dtype));
}

void check_common(const char* op, const Tensor& grad_out, const Tensor& input, int64_t which) {
  TG_CHECK(which >= 0 && which <= 3, "[", op, "] which must be 0 (input), 1 (weight), 2 (bias) or 3 (weight and bias), "
           "got ", which);
  TG_CHECK_NOT_IMPLEMENTED(is_floating(input.dtype()), "[", op, "] not implemented for dtype ", input.dtype(),
                           " (floating dtypes only)");
  TG_CHECK_TYPE(is_floating(grad_out.dtype()), "[", op, "] expected a floating grad_out, but got ", grad_out.dtype());
  TG_CHECK(grad_out.device() == input.device(), "[", op, "] expected all tensors to be on the same device, but ",
           "grad_out is on ", grad_out.device().str(), " and input on ", input.device().str());
  TG_CHECK(grad_out.dim() == input.dim() && std::equal(grad_out.sizes().begin(), grad_out.sizes().end(),
                                                       input.sizes().begin()),
           "[", op, "] expected grad_out of the input's shape ", shape_str(input.sizes()), ", got ",
           shape_str(grad_out.sizes()));
}

// A per-channel / per-row statistic or the weight: `count` values on the input's device.
Tensor vector_arg(const char* op, const Tensor& input, const Tensor& t, const char* what, int64_t count,
                  ScalarType acc) {
  TG_CHECK(t.device() == input.device(), "[", op, "] expected all tensors to be on the same device, but ", what,
           " is on ", t.device().str(), " and input on ", input.device().str());
  TG_CHECK_TYPE(is_floating(t.dtype()), "[", op, "] expected a floating ", what, ", but got ", t.dtype());
  TG_CHECK(t.numel() == count, "[", op, "] expected ", what, " with ", count, " elements, but got shape ",
           shape_str(t.sizes()));
  return contiguous_in(t.reshape({count}), acc);
}

void fill_plan(NormBackwardPlan& p, const Tensor& grad_out, const Tensor& input, const std::optional<Tensor>& weight) {
  p.acc = norm_acc_dtype(input.dtype());
  p.param_dtype = weight && weight->defined() ? weight->dtype() : grad_out.dtype();
  p.x = contiguous_in(input, input.dtype());
  p.dy = contiguous_in(grad_out, input.dtype());
}

}  // namespace

NormBackwardPlan batch_norm_backward_plan(const Tensor& grad_out, const Tensor& input, const Tensor& save_mean,
                                          const Tensor& save_rstd, const std::optional<Tensor>& weight,
                                          int64_t which) {
  const char* op = "native_batch_norm_backward";
  check_common(op, grad_out, input, which);
  TG_CHECK(input.dim() >= 2, "[", op, "] expected an input of at least 2 dimensions (N, C, *), got ",
           shape_str(input.sizes()));
  NormBackwardPlan p;
  fill_plan(p, grad_out, input, weight);
  p.N = input.size(0);
  p.C = input.size(1);
  for (int64_t d = 2; d < input.dim(); ++d) p.HW *= input.size(d);
  p.mean = vector_arg(op, input, save_mean, "save_mean", p.C, p.acc);
  p.rstd = vector_arg(op, input, save_rstd, "save_rstd", p.C, p.acc);
  if (weight && weight->defined()) p.weight = vector_arg(op, input, *weight, "weight", p.C, p.acc);
  return p;
}

NormBackwardPlan layer_norm_backward_plan(const Tensor& grad_out, const Tensor& input, IntArrayRef normalized_shape,
                                          const Tensor& mean, const Tensor& rstd,
                                          const std::optional<Tensor>& weight, int64_t which) {
  const char* op = "native_layer_norm_backward";
  check_common(op, grad_out, input, which);
  const int64_t k = int64_t(normalized_shape.size()), lead = input.dim() - k;
  bool fits = k >= 1 && lead >= 0;
  for (int64_t i = 0; fits && i < k; ++i) fits = input.size(lead + i) == normalized_shape[size_t(i)];
  TG_CHECK(fits, "[", op, "] given normalized_shape=", shape_str(normalized_shape), ", expected input with shape [*, ",
           shape_str(normalized_shape).substr(1), ", but got input of size ", shape_str(input.sizes()));
  NormBackwardPlan p;
  fill_plan(p, grad_out, input, weight);
  p.rows = 1;
  p.n = 1;
  for (int64_t d = 0; d < lead; ++d) p.rows *= input.size(d);
  for (int64_t d = lead; d < input.dim(); ++d) p.n *= input.size(d);
  p.mean = vector_arg(op, input, mean, "mean", p.rows, p.acc);
  p.rstd = vector_arg(op, input, rstd, "rstd", p.rows, p.acc);
  if (weight && weight->defined()) p.weight = vector_arg(op, input, *weight, "weight", p.n, p.acc);
  return p;
}

NormBackwardPlan group_norm_backward_plan(const Tensor& grad_out, const Tensor& input, const Tensor& mean,
                                          const Tensor& rstd, const std::optional<Tensor>& weight, int64_t num_groups,
                                          int64_t which) {
  const char* op = "native_group_norm_backward";
  check_common(op, grad_out, input, which);
  TG_CHECK(input.dim() >= 2, "[", op, "] expected an input of at least 2 dimensions (N, C, *), got ",
           shape_str(input.sizes()));
  TG_CHECK(num_groups > 0 && input.size(1) % num_groups == 0, "[", op, "] expected num_groups dividing the ",
           input.size(1), " channels, got ", num_groups);
  NormBackwardPlan p;
  fill_plan(p, grad_out, input, weight);
  p.N = input.size(0);
  p.C = input.size(1);
  p.G = num_groups;
  for (int64_t d = 2; d < input.dim(); ++d) p.HW *= input.size(d);
  p.mean = vector_arg(op, input, mean, "mean", p.N * p.G, p.acc);
  p.rstd = vector_arg(op, input, rstd, "rstd", p.N * p.G, p.acc);
  if (weight && weight->defined()) p.weight = vector_arg(op, input, *weight, "weight", p.C, p.acc);
  return p;
}

}  // namespace tg::native
