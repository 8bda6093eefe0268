// Normalizations and classification losses: the argument checks and layouts shared by the CPU and
// CUDA kernels (NormLoss.h), and the composite backward ops. The composites take the fused path
// (saved statistics, the fused cross_entropy_loss_backward kernel) when only a gradient is wanted,
// and recompute everything with differentiable ops when grad mode is on during the backward
// (create_graph=True), so double backward is exact without hand-derived second derivatives.
#include "aten/native/NormLoss.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "aten/core/GradMode.h"
#include "aten/native/Copy.h"
#include "kernels/cross_entropy_loss_input_grad.h"
#include "kernels/cross_entropy_loss_target_grad.h"
#include "kernels/native_batch_norm_backward.h"
#include "kernels/native_group_norm_backward.h"
#include "kernels/native_layer_norm_backward.h"
#include "kernels/native_rms_norm_backward.h"
#include "ops/_batch_norm_backward_kernel.h"
#include "ops/_group_norm_backward_kernel.h"
#include "ops/_layer_norm_backward_kernel.h"
#include "ops/contiguous.h"
#include "ops/cross_entropy_loss_backward.h"
#include "ops/expand.h"
#include "ops/full.h"
#include "ops/index_select.h"
#include "ops/log_softmax.h"
#include "ops/logical_and.h"
#include "ops/logical_or.h"
#include "ops/masked_select.h"
#include "ops/mean.h"
#include "ops/movedim.h"
#include "ops/one_hot.h"
#include "ops/reshape.h"
#include "ops/rsqrt.h"
#include "ops/softmax.h"
#include "ops/stack.h"
#include "ops/sum.h"
#include "ops/to.h"
#include "ops/unsqueeze.h"
#include "ops/where.h"
#include "ops/zeros.h"

namespace tg::native {

namespace {

bool same_shape(IntArrayRef a, IntArrayRef b) { return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin()); }

void check_same_device(const char* op, const Tensor& self, const Tensor& other, const char* what) {
  TG_CHECK(other.device() == self.device(), "[", op, "] expected all tensors to be on the same device, but ", what,
           " is on ", other.device().str(), " and input on ", self.device().str());
}

// t (any layout, any floating dtype) as a contiguous tensor of dtype.
Tensor contiguous_as(const Tensor& t, ScalarType dtype) {
  return t.dtype() == dtype && t.is_contiguous() ? t : tg::contiguous(tg::to(t, dtype));
}

Tensor optional_param(const char* op, const Tensor& input, const std::optional<Tensor>& t, const char* what,
                      int64_t numel, IntArrayRef expected_shape, ScalarType dtype) {
  if (!t || !t->defined()) return Tensor();
  check_same_device(op, input, *t, what);
  TG_CHECK(t->numel() == numel && (expected_shape.empty() || same_shape(t->sizes(), expected_shape)), "[", op, "] expected ",
           what, " of shape ", shape_str(expected_shape.empty() ? IntArrayRef{numel} : expected_shape),
           ", but got ", shape_str(t->sizes()));
  TG_CHECK_TYPE(is_floating(t->dtype()), "[", op, "] expected a floating ", what, ", but got ", t->dtype());
  return contiguous_as(t->reshape({numel}), dtype);
}

void check_floating_input(const char* op, const Tensor& input) {
  TG_CHECK_NOT_IMPLEMENTED(is_floating(input.dtype()), "[", op, "] not implemented for dtype ", input.dtype(),
                           " (floating dtypes only)");
}

}  // namespace

ScalarType norm_acc_dtype(ScalarType t) { return t == ScalarType::Float64 ? ScalarType::Float64 : ScalarType::Float32; }

double rms_norm_default_eps(ScalarType t) {
  switch (t) {
    case ScalarType::Float64: return std::numeric_limits<double>::epsilon();
    case ScalarType::Float16: return 0.0009765625;   // 2^-10
    case ScalarType::BFloat16: return 0.0078125;     // 2^-7
    default: return double(std::numeric_limits<float>::epsilon());
  }
}

// ---------------------------------------------------------------------------- losses

void loss_target_out_of_bounds(const char* op, int64_t value, int64_t classes, int64_t ignore_index) {
  TG_CHECK_INDEX(false, "[", op, "] target ", value, " is out of bounds for ", classes, " classes (expected 0 to ",
                 classes - 1, ", or ignore_index ", ignore_index, ")");
  std::abort();  // unreachable
}

LossPlan loss_plan(const char* op, const Tensor& self, const Tensor& target, const std::optional<Tensor>& weight,
                   int64_t reduction, double label_smoothing, bool allow_probabilities) {
  LossPlan p;
  p.op = op;
  check_floating_input(op, self);
  TG_CHECK_VALUE(reduction >= 0 && reduction <= 2, "[", op, "] ", reduction,
                 " is not a valid value for reduction (0 none, 1 mean, 2 sum)");
  TG_CHECK(label_smoothing >= 0.0 && label_smoothing <= 1.0, "[", op,
           "] label_smoothing must be between 0.0 and 1.0, got ", label_smoothing);
  TG_CHECK(self.dim() >= 1, "[", op, "] expected input with 1 or more dimensions (C), (N, C) or (N, C, d1, ...), "
                            "got a 0-d tensor");
  check_same_device(op, self, target, "target");
  const int64_t cdim = self.dim() == 1 ? 0 : 1;
  p.C = self.size(cdim);
  p.acc = norm_acc_dtype(self.dtype());
  p.self_sizes = DimVector(self.sizes());
  for (int64_t d = 0; d < self.dim(); ++d)
    if (d != cdim) p.loss_sizes.push_back(self.size(d));
  p.rows = 1;
  for (int64_t s : p.loss_sizes) p.rows *= s;
  p.moved = self.dim() > 2;
  p.probs = is_floating(target.dtype());
  if (p.probs) {
    TG_CHECK(allow_probabilities, "[", op, "] expected a target of class indices (int64), got ", target.dtype());
    TG_CHECK_VALUE(same_shape(target.sizes(), self.sizes()), "[", op, "] a target of class probabilities must have the "
                   "input's shape ", shape_str(self.sizes()), ", got ", shape_str(target.sizes()));
  } else {
    TG_CHECK(target.dtype() == ScalarType::Int64, "[", op, "] expected a target of class indices of dtype int64 "
             "(or class probabilities of a floating dtype), got ", target.dtype());
    if (self.dim() == 1) {
      TG_CHECK_VALUE(target.dim() == 0, "[", op, "] an input of shape ", shape_str(self.sizes()),
                     " (one sample) takes a 0-d target, got ", shape_str(target.sizes()));
    } else {
      TG_CHECK_VALUE(target.dim() >= 1 && target.size(0) == self.size(0), "[", op, "] expected input batch_size (",
                     self.size(0), ") to match target batch_size (", target.dim() ? target.size(0) : 0, ")");
      TG_CHECK_VALUE(same_shape(target.sizes(), p.loss_sizes), "[", op, "] expected a target of shape ",
                     shape_str(p.loss_sizes), " for an input of shape ", shape_str(self.sizes()), ", got ",
                     shape_str(target.sizes()));
    }
  }
  p.weight = optional_param(op, self, weight, "weight", p.C, {}, p.acc);
  // The kernels read rows of C contiguous class scores.
  auto rows_of = [&](const Tensor& t, ScalarType dtype) {
    const Tensor moved = p.moved ? tg::movedim(t, 1, -1) : t;
    return contiguous_as(moved, dtype).reshape({p.rows, p.C});
  };
  p.x = rows_of(self, self.dtype());
  p.target = p.probs ? rows_of(target, self.dtype()) : contiguous_as(target, ScalarType::Int64).reshape({p.rows});
  return p;
}

Tensor loss_reduce(const LossPlan& p, const Tensor& row_loss, const Tensor& row_weight, int64_t reduction) {
  const ScalarType dtype = p.x.dtype();
  if (reduction == kReduceNone) return tg::to(row_loss.reshape(p.loss_sizes), dtype);
  const Tensor total = tg::sum(row_loss);
  if (reduction == kReduceSum) return tg::to(total, dtype);
  // mean: over the total weight of the non-ignored targets (class indices; PyTorch's nll_loss), or
  // over the samples (probabilities). Nothing to average over gives nan (0 / 0), like PyTorch.
  const Tensor denom = p.probs ? tg::full({}, double(p.rows), p.acc, p.x.device()) : tg::sum(row_weight);
  return tg::to(total / denom, dtype);
}

Tensor loss_row_coef(const LossPlan& p, const Tensor& grad_output, const Tensor& row_weight, int64_t reduction) {
  const char* op = p.op;
  check_same_device(op, p.x, grad_output, "grad_output");
  if (reduction == kReduceNone) {
    TG_CHECK(same_shape(grad_output.sizes(), p.loss_sizes), "[", op, "] expected grad_output of shape ",
             shape_str(p.loss_sizes), ", got ", shape_str(grad_output.sizes()));
    return contiguous_as(grad_output, p.acc).reshape({p.rows});
  }
  TG_CHECK(grad_output.numel() == 1, "[", op, "] expected a grad_output of one element for a reduced loss, got ",
           shape_str(grad_output.sizes()));
  Tensor g = contiguous_as(grad_output, p.acc).reshape({});
  if (reduction == kReduceMean) {
    g = p.probs ? g / Scalar(double(p.rows)) : g / tg::sum(row_weight);
  }
  return tg::contiguous(tg::expand(g, {p.rows}));
}

Tensor loss_grad_finish(const LossPlan& p, const Tensor& grad_rows) {
  if (!p.moved) return grad_rows.reshape(p.self_sizes);
  DimVector moved_sizes(p.loss_sizes);
  moved_sizes.push_back(p.C);
  return tg::movedim(grad_rows.reshape(moved_sizes), -1, 1);
}

// ---------------------------------------------------------------------------- the loss composites

namespace {

// Each sample's share of the gradient as a tensor broadcasting against self (the class dim kept
// as a 1), from grad_output and the reduction; `denom` is the mean's divisor.
Tensor per_sample_grad(const Tensor& grad_output, int64_t reduction, const Tensor& denom, int64_t cdim) {
  if (reduction == kReduceNone) return tg::unsqueeze(grad_output, cdim);
  if (reduction == kReduceSum) return grad_output;
  return grad_output / denom;
}

// weight viewed as [1, C, 1, ...] (or [C] for a (C) input) so that it broadcasts against self.
Tensor class_view(const Tensor& w, const Tensor& self, int64_t cdim) {
  DimVector shape(size_t(self.dim()), 1);
  shape[size_t(cdim)] = self.size(cdim);
  return w.reshape(shape);
}

}  // namespace

Tensor cross_entropy_loss_input_grad(const Tensor& grad_output, const Tensor& self, const Tensor& target,
                                     const std::optional<Tensor>& weight, int64_t reduction, int64_t ignore_index,
                                     double label_smoothing) {
  check_floating_input("cross_entropy_loss_input_grad", self);
  if (!GradMode::is_enabled())
    return tg::cross_entropy_loss_backward(grad_output, self, target, weight, reduction, ignore_index,
                                           label_smoothing);
  // create_graph: the same gradient, coef * (softmax(self) * sum_c a_c - a), with differentiable
  // ops; a_c is the weight of log_softmax(self)_c in the loss.
  const int64_t cdim = self.dim() == 1 ? 0 : 1;
  const int64_t C = self.size(cdim);
  const bool has_w = weight && weight->defined();
  const Tensor w = has_w ? class_view(tg::to(*weight, self.dtype()), self, cdim) : Tensor();
  const double eps = label_smoothing;
  Tensor a, denom;
  if (is_floating(target.dtype())) {
    a = target * (1.0 - eps) + eps / double(C);
    if (has_w) a = a * w;
    denom = tg::full({}, double(self.numel() / std::max<int64_t>(C, 1)), self.dtype(), self.device());
  } else {
    const Tensor valid = target != Scalar(ignore_index);
    // The checks of the fused kernels, so a bad target raises the same IndexError here.
    const Tensor bad = tg::masked_select(target, tg::logical_and(valid, tg::logical_or(target < Scalar(0),
                                                                                      target >= Scalar(C))));
    if (bad.numel())
      loss_target_out_of_bounds("cross_entropy_loss_input_grad",
                                item(to_device(bad, Device(), ScalarType::Int64, false)).to<int64_t>(), C, ignore_index);
    const Tensor safe = tg::where(valid, target, tg::zeros({}, ScalarType::Int64, target.device()));
    const Tensor valid_f = tg::to(valid, self.dtype());
    const Tensor w_y = has_w ? tg::index_select(*weight, 0, safe.reshape({-1})).reshape(target.sizes()) * valid_f
                             : valid_f;
    const Tensor onehot = tg::movedim(tg::to(tg::one_hot(safe, C), self.dtype()), -1, cdim);
    a = onehot * tg::unsqueeze(w_y, cdim) * (1.0 - eps);
    if (eps > 0) a = a + (has_w ? w : tg::full({}, 1.0, self.dtype(), self.device())) *
                             tg::unsqueeze(valid_f, cdim) * (eps / double(C));
    denom = tg::sum(w_y);
  }
  const Tensor coef = per_sample_grad(grad_output, reduction, denom, cdim);
  const Tensor A = tg::sum(a, IntArrayRef{cdim}, true);
  return coef * (tg::softmax(self, cdim) * A - a);
}

Tensor cross_entropy_loss_target_grad(const Tensor& grad_output, const Tensor& self, const Tensor& target,
                                      const std::optional<Tensor>& weight, int64_t reduction,
                                      double label_smoothing) {
  check_floating_input("cross_entropy_loss_target_grad", self);
  TG_CHECK(is_floating(target.dtype()), "[cross_entropy_loss_target_grad] class indices have no gradient; "
           "expected a target of class probabilities");
  const int64_t cdim = self.dim() == 1 ? 0 : 1;
  const int64_t C = self.size(cdim);
  const Tensor denom = tg::full({}, double(self.numel() / std::max<int64_t>(C, 1)), self.dtype(), self.device());
  Tensor g = -(1.0 - label_smoothing) * per_sample_grad(grad_output, reduction, denom, cdim) *
             tg::log_softmax(self, cdim);
  if (weight && weight->defined()) g = g * class_view(tg::to(*weight, self.dtype()), self, cdim);
  return tg::to(g, target.dtype());
}

// ---------------------------------------------------------------------------- normalization plans

RowNormPlan row_norm_plan(const char* op, const Tensor& input, IntArrayRef normalized_shape,
                          const std::optional<Tensor>& weight, const std::optional<Tensor>& bias) {
  check_floating_input(op, input);
  const int64_t k = int64_t(normalized_shape.size());
  TG_CHECK(k >= 1, "[", op, "] normalized_shape must have at least one dimension");
  bool fits = input.dim() >= k;
  for (int64_t i = 0; fits && i < k; ++i) fits = input.size(input.dim() - k + i) == normalized_shape[size_t(i)];
  TG_CHECK(fits, "[", op, "] given normalized_shape=", shape_str(normalized_shape), ", expected input with shape [*, ",
           shape_str(normalized_shape).substr(1), ", but got input of size ", shape_str(input.sizes()));
  RowNormPlan p;
  p.acc = norm_acc_dtype(input.dtype());
  p.n = 1;
  for (int64_t s : normalized_shape) p.n *= s;
  p.rows = p.n == 0 ? 0 : input.numel() / p.n;
  if (p.n == 0) {
    p.rows = 1;
    for (int64_t d = 0; d < input.dim() - k; ++d) p.rows *= input.size(d);
  }
  for (int64_t d = 0; d < input.dim(); ++d) p.stat_sizes.push_back(d < input.dim() - k ? input.size(d) : 1);
  p.x = contiguous_as(input, input.dtype());
  p.weight = optional_param(op, input, weight, "weight", p.n, normalized_shape, input.dtype());
  p.bias = optional_param(op, input, bias, "bias", p.n, normalized_shape, input.dtype());
  return p;
}

GroupNormPlan group_norm_plan(const Tensor& input, const std::optional<Tensor>& weight,
                              const std::optional<Tensor>& bias, int64_t num_groups) {
  const char* op = "native_group_norm";
  check_floating_input(op, input);
  TG_CHECK(input.dim() >= 2, "[", op, "] expected an input of at least 2 dimensions (N, C, *), got ",
           shape_str(input.sizes()));
  GroupNormPlan p;
  p.acc = norm_acc_dtype(input.dtype());
  p.N = input.size(0);
  p.C = input.size(1);
  for (int64_t d = 2; d < input.dim(); ++d) p.HW *= input.size(d);
  TG_CHECK(num_groups > 0, "[", op, "] num_groups must be positive, got ", num_groups);
  TG_CHECK(p.C % num_groups == 0, "[", op, "] expected the number of channels in input (", p.C,
           ") to be divisible by num_groups (", num_groups, ")");
  p.G = num_groups;
  p.x = contiguous_as(input, input.dtype());
  p.weight = optional_param(op, input, weight, "weight", p.C, IntArrayRef{p.C}, input.dtype());
  p.bias = optional_param(op, input, bias, "bias", p.C, IntArrayRef{p.C}, input.dtype());
  return p;
}

BatchNormPlan batch_norm_plan(const Tensor& input, const std::optional<Tensor>& weight,
                              const std::optional<Tensor>& bias, const std::optional<Tensor>& running_mean,
                              const std::optional<Tensor>& running_var, bool training) {
  const char* op = "native_batch_norm";
  check_floating_input(op, input);
  TG_CHECK(input.dim() >= 2, "[", op, "] expected an input of at least 2 dimensions (N, C, *), got ",
           shape_str(input.sizes()));
  BatchNormPlan p;
  p.acc = norm_acc_dtype(input.dtype());
  p.N = input.size(0);
  p.C = input.size(1);
  for (int64_t d = 2; d < input.dim(); ++d) p.HW *= input.size(d);
  if (training) {
    TG_CHECK_VALUE(p.N * p.HW > 1, "[", op, "] expected more than 1 value per channel when training, got input size ",
                   shape_str(input.sizes()));
  } else {
    TG_CHECK(running_mean && running_mean->defined() && running_var && running_var->defined(), "[", op,
             "] running_mean and running_var must be given in evaluation mode (training=False)");
  }
  p.x = contiguous_as(input, input.dtype());
  p.weight = optional_param(op, input, weight, "weight", p.C, IntArrayRef{p.C}, input.dtype());
  p.bias = optional_param(op, input, bias, "bias", p.C, IntArrayRef{p.C}, input.dtype());
  if (!training) {
    p.running_mean = optional_param(op, input, running_mean, "running_mean", p.C, IntArrayRef{p.C}, p.acc);
    p.running_var = optional_param(op, input, running_var, "running_var", p.C, IntArrayRef{p.C}, p.acc);
  }
  return p;
}

// ---------------------------------------------------------------------------- normalization backward

namespace {

// The gradients of y = xhat * w + b, xhat = (x - mean) * rstd (center) or x * rstd, where the
// statistics are over `dims` of x (kept as 1s in mean/rstd). `which`: 0 input, 1 weight, 2 bias.
//   w_view: weight broadcasting against x (undefined: no weight); param_dims: the dims of x that
//   grad_weight/grad_bias sum over; param_shape: their shape.
//   stats_from_x: mean/rstd are statistics of x (training); otherwise constants (eval batch norm).
// In grad mode the statistics are recomputed from x with ops so that their dependence on x is in
// the graph (double backward); otherwise the saved ones are used.
struct NormGrad {
  Tensor grad, x, mean, rstd, w_view;
  DimVector dims, param_dims, param_shape;
  bool center = true, stats_from_x = true;
  double eps = 0;
  ScalarType param_dtype = ScalarType::Float32;
};

Tensor sum_over(const Tensor& t, IntArrayRef dims, IntArrayRef shape) {
  const Tensor s = dims.empty() ? t : tg::sum(t, dims);
  return s.reshape(shape);
}

Tensor norm_grad(const NormGrad& n, int64_t which) {
  check_floating_input("norm backward", n.x);
  if (which == 2) return tg::to(sum_over(n.grad, n.param_dims, n.param_shape), n.param_dtype);
  Tensor mean = n.mean, rstd = n.rstd;
  const ScalarType dt = n.x.dtype();
  if (n.stats_from_x && GradMode::is_enabled()) {
    const Tensor xc = n.center ? n.x - tg::mean(n.x, IntArrayRef(n.dims), true) : n.x;
    mean = n.center ? n.x - xc : Tensor();
    rstd = tg::rsqrt(tg::mean(xc * xc, IntArrayRef(n.dims), true) + n.eps);
  } else {
    mean = n.center ? tg::to(mean, dt) : Tensor();
    rstd = tg::to(rstd, dt);
  }
  const Tensor xhat = n.center ? (n.x - mean) * rstd : n.x * rstd;
  if (which == 1) return tg::to(sum_over(n.grad * xhat, n.param_dims, n.param_shape), n.param_dtype);
  TG_CHECK(which == 0, "[norm backward] which must be 0 (input), 1 (weight) or 2 (bias), got ", which);
  const Tensor gy = n.w_view.defined() ? n.grad * n.w_view : n.grad;
  if (!n.stats_from_x) return tg::to(gy * rstd, dt);
  const IntArrayRef dims(n.dims);
  const Tensor proj = tg::mean(gy * xhat, dims, true);
  const Tensor centered = n.center ? gy - tg::mean(gy, dims, true) : gy;
  return tg::to((centered - xhat * proj) * rstd, dt);
}

// `which` of the norms' backward composites: 0 input, 1 weight, 2 bias, 3 weight and bias stacked
// along a new first dim (the shared formula of derivatives.yaml; the fused kernels compute both in
// one pass, the differentiable path computes them one by one).
void check_which(const char* op, int64_t which) {
  TG_CHECK(which >= 0 && which <= 3, "[", op, "] which must be 0 (input), 1 (weight), 2 (bias) or 3 (weight and bias), "
           "got ", which);
}

// Whether a backward composite must build the graph of its result (double backward): grad mode on
// and a tensor argument that requires grad. Otherwise the fused kernel computes it.
bool builds_graph(std::initializer_list<const Tensor*> tensors, const std::optional<Tensor>& weight) {
  if (!GradMode::is_enabled()) return false;
  for (const Tensor* t : tensors)
    if (t->defined() && t->requires_grad()) return true;
  return weight && weight->defined() && weight->requires_grad();
}

ScalarType param_dtype_of(const std::optional<Tensor>& weight, const Tensor& grad) {
  return weight && weight->defined() ? weight->dtype() : grad.dtype();
}

// The gradient problem of a norm over the last len(normalized_shape) dims (layer_norm, rms_norm):
// statistics per leading index, weight over the normalized dims.
NormGrad last_dims_norm_grad(const char* op, const Tensor& grad_out, const Tensor& input, IntArrayRef normalized_shape,
                             const Tensor& rstd, const std::optional<Tensor>& weight) {
  NormGrad n;
  const int64_t k = int64_t(normalized_shape.size()), lead = input.dim() - k;
  TG_CHECK(k >= 1 && lead >= 0 && same_shape(grad_out.sizes(), input.sizes()), "[", op, "] expected grad_out of the "
           "input's shape ", shape_str(input.sizes()), ", got ", shape_str(grad_out.sizes()));
  n.grad = grad_out;
  n.x = input;
  n.rstd = rstd;
  if (weight && weight->defined()) n.w_view = *weight;
  for (int64_t d = lead; d < input.dim(); ++d) n.dims.push_back(d);
  for (int64_t d = 0; d < lead; ++d) n.param_dims.push_back(d);
  n.param_shape = DimVector(normalized_shape);
  n.param_dtype = param_dtype_of(weight, grad_out);
  return n;
}

}  // namespace

Tensor native_layer_norm_backward(const Tensor& grad_out, const Tensor& input, IntArrayRef normalized_shape,
                                  const Tensor& mean, const Tensor& rstd, const std::optional<Tensor>& weight,
                                  double eps, int64_t which) {
  if (!builds_graph({&grad_out, &input, &mean, &rstd}, weight))
    return tg::_layer_norm_backward_kernel(grad_out, input, normalized_shape, mean, rstd, weight, which);
  check_which("native_layer_norm_backward", which);
  if (which == 3)
    return tg::stack({native_layer_norm_backward(grad_out, input, normalized_shape, mean, rstd, weight, eps, 1),
                      native_layer_norm_backward(grad_out, input, normalized_shape, mean, rstd, weight, eps, 2)});
  NormGrad n = last_dims_norm_grad("native_layer_norm_backward", grad_out, input, normalized_shape, rstd, weight);
  n.mean = mean;
  n.eps = eps;
  return norm_grad(n, which);
}

Tensor native_rms_norm_backward(const Tensor& grad_out, const Tensor& input, IntArrayRef normalized_shape,
                                const Tensor& rstd, const std::optional<Tensor>& weight, std::optional<double> eps,
                                int64_t which) {
  TG_CHECK(which == 0 || which == 1, "[native_rms_norm_backward] which must be 0 (input) or 1 (weight), got ", which);
  NormGrad n = last_dims_norm_grad("native_rms_norm_backward", grad_out, input, normalized_shape, rstd, weight);
  n.center = false;
  n.eps = eps ? *eps : rms_norm_default_eps(input.dtype());
  return norm_grad(n, which);
}

Tensor native_group_norm_backward(const Tensor& grad_out, const Tensor& input, const Tensor& mean,
                                  const Tensor& rstd, const std::optional<Tensor>& weight, int64_t num_groups,
                                  double eps, int64_t which) {
  if (!builds_graph({&grad_out, &input, &mean, &rstd}, weight))
    return tg::_group_norm_backward_kernel(grad_out, input, mean, rstd, weight, num_groups, which);
  check_which("native_group_norm_backward", which);
  if (which == 3)
    return tg::stack({native_group_norm_backward(grad_out, input, mean, rstd, weight, num_groups, eps, 1),
                      native_group_norm_backward(grad_out, input, mean, rstd, weight, num_groups, eps, 2)});
  TG_CHECK(input.dim() >= 2 && same_shape(grad_out.sizes(), input.sizes()) && num_groups > 0 &&
           input.size(1) % num_groups == 0, "[native_group_norm_backward] expected grad_out of the input's shape ",
           shape_str(input.sizes()), " and num_groups dividing its channels, got ", shape_str(grad_out.sizes()),
           " and ", num_groups);
  check_floating_input("native_group_norm_backward", input);
  const int64_t N = input.size(0), C = input.size(1);
  DimVector cshape(size_t(input.dim()), 1);
  cshape[1] = C;
  if (which != 0) {
    // weight / bias: per channel, over the input's own shape.
    NormGrad n;
    n.grad = grad_out;
    n.x = input;
    n.param_shape = {C};
    n.param_dtype = param_dtype_of(weight, grad_out);
    for (int64_t d = 0; d < input.dim(); ++d)
      if (d != 1) n.param_dims.push_back(d);
    if (which == 2) return norm_grad(n, 2);
    // xhat per group from statistics recomputed with ops (their dependence on x is in the graph),
    // back in the input's shape.
    const Tensor xg = input.reshape({N, num_groups, -1});
    const Tensor xc = xg - tg::mean(xg, IntArrayRef{2}, true);
    const Tensor rs = tg::rsqrt(tg::mean(xc * xc, IntArrayRef{2}, true) + eps);
    const Tensor xhat = (xc * rs).reshape(input.sizes());
    return tg::to(sum_over(grad_out * xhat, n.param_dims, n.param_shape), n.param_dtype);
  }
  // input: the gradient reaching xhat is grad * weight (per channel); then per group.
  const Tensor gy = weight && weight->defined() ? grad_out * weight->reshape(cshape) : grad_out;
  NormGrad n;
  n.grad = gy.reshape({N, num_groups, -1});
  n.x = input.reshape({N, num_groups, -1});
  n.mean = mean.reshape({N, num_groups, 1});
  n.rstd = rstd.reshape({N, num_groups, 1});
  n.dims = {2};
  n.eps = eps;
  return norm_grad(n, 0).reshape(input.sizes());
}

Tensor native_batch_norm_backward(const Tensor& grad_out, const Tensor& input, const Tensor& save_mean,
                                  const Tensor& save_rstd, const std::optional<Tensor>& weight, bool training,
                                  double eps, int64_t which) {
  if (!builds_graph({&grad_out, &input, &save_mean, &save_rstd}, weight))
    return tg::_batch_norm_backward_kernel(grad_out, input, save_mean, save_rstd, weight, training, which);
  check_which("native_batch_norm_backward", which);
  if (which == 3)
    return tg::stack({native_batch_norm_backward(grad_out, input, save_mean, save_rstd, weight, training, eps, 1),
                      native_batch_norm_backward(grad_out, input, save_mean, save_rstd, weight, training, eps, 2)});
  TG_CHECK(input.dim() >= 2 && same_shape(grad_out.sizes(), input.sizes()), "[native_batch_norm_backward] expected grad_out "
           "of the input's shape ", shape_str(input.sizes()), ", got ", shape_str(grad_out.sizes()));
  const int64_t C = input.size(1);
  DimVector cshape(size_t(input.dim()), 1);
  cshape[1] = C;
  NormGrad n;
  n.grad = grad_out;
  n.x = input;
  n.mean = save_mean.reshape(cshape);
  n.rstd = save_rstd.reshape(cshape);
  if (weight && weight->defined()) n.w_view = weight->reshape(cshape);
  for (int64_t d = 0; d < input.dim(); ++d)
    if (d != 1) n.dims.push_back(d);
  n.param_dims = n.dims;
  n.param_shape = {C};
  n.stats_from_x = training;
  n.eps = eps;
  n.param_dtype = param_dtype_of(weight, grad_out);
  return norm_grad(n, which);
}

}  // namespace tg::native
