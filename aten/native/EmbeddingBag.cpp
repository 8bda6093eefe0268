// _embedding_bag, device-independent parts: the checks both backends share (EmbeddingBag.h) and the
// two backward composites. _embedding_bag_backward runs the kernel _embedding_bag_dense_backward,
// or, when a graph is being built (double backward), the same gradient from differentiable ops;
// _embedding_bag_per_sample_weights_backward is differentiable ops only.
#include "aten/native/EmbeddingBag.h"

#include <algorithm>

#include "aten/core/Error.h"
#include "aten/core/GradMode.h"
#include "aten/core/TensorOperators.h"
#include "aten/native/EmbeddingAttention.h"
#include "kernels/_embedding_bag_backward.h"
#include "kernels/_embedding_bag_per_sample_weights_backward.h"
#include "ops/_embedding_bag_dense_backward.h"
#include "ops/clamp_min.h"
#include "ops/embedding.h"
#include "ops/embedding_dense_backward.h"
#include "ops/index_select.h"
#include "ops/scatter_add.h"
#include "ops/sum.h"
#include "ops/to.h"
#include "ops/unsqueeze.h"
#include "ops/zeros.h"

namespace tg::native {

namespace {

bool is_index_dtype(ScalarType t) { return t == ScalarType::Int64 || t == ScalarType::Int32; }

void check_psw(const char* op, const Tensor& weight, const Tensor& indices, const std::optional<Tensor>& psw,
               int64_t mode) {
  if (!psw.has_value() || !psw->defined()) return;
  TG_CHECK_NOT_IMPLEMENTED(mode == kBagSum, "[", op, "] embedding_bag: per_sample_weights was not None. "
                           "per_sample_weights is only supported for mode='sum' (got mode='",
                           mode == kBagMean ? "mean" : "max", "'). Please open a feature request on GitHub.");
  TG_CHECK_VALUE(psw->sizes().equals(indices.sizes()), "[", op, "] embedding_bag: If per_sample_weights (",
                 shape_str(psw->sizes()), ") is not None, then it must have the same shape as the input (",
                 shape_str(indices.sizes()), ")");
  TG_CHECK(psw->dtype() == weight.dtype(), "[", op, "] expected per_sample_weights of dtype ", weight.dtype(),
           " (weight's), got ", psw->dtype());
  TG_CHECK(psw->device() == weight.device(), "[", op, "] per_sample_weights is on ", psw->device(),
           " but weight is on ", weight.device());
}

}  // namespace

void embedding_bag_index_error(const char* op, const char* what, int64_t value, int64_t low, int64_t bound) {
  detail::throw_error(ErrorKind::Index, str("[", op, "] ", what, " holds ", value, ", which is out of range (valid: ",
                                            low, " <= value < ", bound, ")"));
}

BagGeometry check_embedding_bag(const char* op, const Tensor& weight, const Tensor& indices, const Tensor& offsets,
                                const std::vector<int64_t>& offset_values, int64_t mode, bool sparse,
                                const std::optional<Tensor>& per_sample_weights, bool include_last_offset,
                                int64_t padding_idx) {
  TG_CHECK(weight.dim() == 2, "[", op, "] weight has to be a 2D Tensor, but got Tensor of dimension ", weight.dim());
  TG_CHECK(indices.dim() == 1, "[", op, "] input has to be a 1D Tensor (2-D inputs are flattened by "
           "F.embedding_bag), but got Tensor of dimension ", indices.dim());
  TG_CHECK(offsets.dim() == 1, "[", op, "] offsets has to be a 1D Tensor, but got Tensor of dimension ",
           offsets.dim());
  TG_CHECK(is_index_dtype(indices.dtype()) && is_index_dtype(offsets.dtype()), "[", op,
           "] expected indices and offsets of dtype int64 or int32, got ", indices.dtype(), " and ", offsets.dtype());
  TG_CHECK(weight.device() == indices.device() && weight.device() == offsets.device(), "[", op,
           "] expected all tensors to be on the same device, but found ", weight.device(), ", ", indices.device(),
           " and ", offsets.device());
  TG_CHECK_VALUE(mode >= kBagSum && mode <= kBagMax, "[", op, "] mode has to be one of sum (0), mean (1) or max (2), "
                 "got ", mode);
  TG_CHECK_NOT_IMPLEMENTED(!sparse, "[", op, "] sparse=True (a sparse gradient) is not supported: tensorgen has no "
                           "sparse tensors; use sparse=False (a dense gradient)");
  check_psw(op, weight, indices, per_sample_weights, mode);
  BagGeometry g;
  g.n = indices.size(0);
  g.dim = weight.size(1);
  g.num_weights = weight.size(0);
  TG_CHECK_VALUE(padding_idx >= -1 && padding_idx < std::max<int64_t>(g.num_weights, 0) + (padding_idx == -1), "[",
                 op, "] padding_idx must be -1 (none) or a row in [0, ", g.num_weights, "), got ", padding_idx);
  const int64_t count = int64_t(offset_values.size());
  if (include_last_offset)
    TG_CHECK(count >= 1, "[", op, "] include_last_offset: number of offsets should be at least 1");
  g.bags = include_last_offset ? count - 1 : count;
  g.start.assign(offset_values.begin(), offset_values.begin() + g.bags);
  g.start.push_back(include_last_offset ? offset_values.back() : g.n);
  for (int64_t b = 0; b <= g.bags; ++b) {
    const int64_t s = g.start[size_t(b)];
    TG_CHECK(s >= 0 && s <= g.n, "[", op, "] offsets[", b, "] = ", s, " is outside [0, ", g.n,
             "] (offsets[-1] can not be greater than input's length ", g.n, ")");
    TG_CHECK(b == 0 || s >= g.start[size_t(b) - 1], "[", op, "] offsets must be non-decreasing, but offsets[", b,
             "] = ", s, " < offsets[", b - 1, "] = ", g.start[size_t(b) - 1]);
  }
  return g;
}

std::vector<int64_t> bag_of_positions(const BagGeometry& g) {
  std::vector<int64_t> bag(size_t(g.n), -1);
  for (int64_t b = 0; b < g.bags; ++b)
    std::fill(bag.begin() + g.start[size_t(b)], bag.begin() + g.start[size_t(b) + 1], b);
  return bag;
}

void check_embedding_bag_backward(const char* op, const Tensor& grad, const Tensor& indices, const Tensor& offset2bag,
                                  const Tensor& bag_size, const Tensor& max_indices, int64_t num_weights, int64_t mode,
                                  const std::optional<Tensor>& per_sample_weights, int64_t padding_idx) {
  TG_CHECK(grad.dim() == 2, "[", op, "] grad must be [bags, dim], got shape ", shape_str(grad.sizes()));
  TG_CHECK(indices.dim() == 1 && is_index_dtype(indices.dtype()), "[", op,
           "] indices must be a 1-D int64 or int32 tensor, got ", indices.dtype(), " of shape ",
           shape_str(indices.sizes()));
  TG_CHECK(offset2bag.dtype() == ScalarType::Int64 && offset2bag.sizes().equals(indices.sizes()), "[", op,
           "] offset2bag must be int64 of the indices' shape ", shape_str(indices.sizes()), ", got ",
           offset2bag.dtype(), " of shape ", shape_str(offset2bag.sizes()));
  TG_CHECK(bag_size.dtype() == ScalarType::Int64 && bag_size.dim() == 1 && bag_size.size(0) == grad.size(0), "[", op,
           "] bag_size must be int64 of shape [", grad.size(0), "], got ", bag_size.dtype(), " of shape ",
           shape_str(bag_size.sizes()));
  TG_CHECK_VALUE(mode >= kBagSum && mode <= kBagMax, "[", op, "] mode has to be one of sum (0), mean (1) or max (2), "
                 "got ", mode);
  if (mode == kBagMax)
    TG_CHECK(max_indices.dtype() == ScalarType::Int64 && max_indices.sizes().equals(grad.sizes()), "[", op,
             "] max_indices must be int64 of grad's shape ", shape_str(grad.sizes()), ", got ", max_indices.dtype(),
             " of shape ", shape_str(max_indices.sizes()));
  TG_CHECK_VALUE(num_weights >= 0, "[", op, "] num_weights must be non-negative, got ", num_weights);
  TG_CHECK_VALUE(padding_idx >= -1 && padding_idx < std::max<int64_t>(num_weights, 0) + (padding_idx == -1), "[", op,
                 "] padding_idx must be -1 (none) or a row in [0, ", num_weights, "), got ", padding_idx);
  const bool devices = grad.device() == indices.device() && grad.device() == offset2bag.device() &&
                       grad.device() == bag_size.device() && grad.device() == max_indices.device();
  TG_CHECK(devices, "[", op, "] expected all tensors to be on the same device");
  if (per_sample_weights.has_value() && per_sample_weights->defined()) {
    TG_CHECK(mode == kBagSum, "[", op, "] per_sample_weights is only supported for mode sum");
    TG_CHECK(per_sample_weights->sizes().equals(indices.sizes()) && per_sample_weights->dtype() == grad.dtype() &&
                 per_sample_weights->device() == grad.device(),
             "[", op, "] per_sample_weights must be ", grad.dtype(), " of the indices' shape ",
             shape_str(indices.sizes()));
  }
}

Tensor embedding_bag_backward(const Tensor& grad, const Tensor& indices, const Tensor& offset2bag,
                              const Tensor& bag_size, const Tensor& max_indices, int64_t num_weights,
                              bool scale_grad_by_freq, int64_t mode, const std::optional<Tensor>& per_sample_weights,
                              int64_t padding_idx) {
  const char* op = "_embedding_bag_backward";
  const bool has_psw = per_sample_weights.has_value() && per_sample_weights->defined();
  const bool graph = GradMode::is_enabled() && (grad.requires_grad() || (has_psw && per_sample_weights->requires_grad()));
  if (!graph)
    return tg::_embedding_bag_dense_backward(grad, indices, offset2bag, bag_size, max_indices, num_weights,
                                             scale_grad_by_freq, mode, per_sample_weights, padding_idx);
  // Building a graph (double backward): the same gradient from differentiable ops.
  check_embedding_bag_backward(op, grad, indices, offset2bag, bag_size, max_indices, num_weights, mode,
                               per_sample_weights, padding_idx);
  const ScalarType dt = grad.dtype();
  if (grad.size(0) == 0 || indices.numel() == 0)  // no bags or no positions: nothing reaches weight
    return tg::zeros({num_weights, grad.size(1)}, dt, grad.device()) * tg::sum(grad);
  if (mode == kBagMax) {
    // Each bag's grad goes to its argmax rows (per column); empty bags (-1) give nothing.
    const Tensor valid = tg::to(max_indices >= Scalar(0), dt);
    const Tensor rows = tg::clamp_min(max_indices, Scalar(0));
    return tg::scatter_add(tg::zeros({num_weights, grad.size(1)}, dt, grad.device()), 0, rows, grad * valid);
  }
  // Every position's row gets its bag's grad row times the position's scale (1, 1 / bag size, or
  // its per-sample weight; 0 outside every bag), summed per weight row by embedding's gradient.
  const Tensor in_bag = offset2bag >= Scalar(0);
  const Tensor bag = tg::clamp_min(offset2bag, Scalar(0));
  Tensor scale = tg::to(in_bag, dt);
  if (mode == kBagMean)
    scale = scale / tg::to(tg::clamp_min(tg::index_select(bag_size, 0, bag), Scalar(1)), dt);
  else if (has_psw)
    scale = scale * *per_sample_weights;
  const Tensor rows = tg::index_select(grad, 0, bag) * tg::unsqueeze(scale, 1);
  return tg::embedding_dense_backward(rows, indices, num_weights, padding_idx, scale_grad_by_freq);
}

Tensor embedding_bag_per_sample_weights_backward(const Tensor& grad, const Tensor& weight, const Tensor& indices,
                                                 const Tensor& offset2bag, int64_t mode, int64_t padding_idx) {
  const char* op = "_embedding_bag_per_sample_weights_backward";
  TG_CHECK_NOT_IMPLEMENTED(is_floating(grad.dtype()) && grad.dtype() == weight.dtype(), "[", op,
                           "] not implemented for grad of dtype ", grad.dtype(), " and weight of dtype ", weight.dtype(),
                           " (both must be one floating dtype)");
  TG_CHECK(mode == kBagSum, "[", op, "] per_sample_weights is only supported for mode sum (0), got mode ", mode);
  TG_CHECK(grad.dim() == 2 && weight.dim() == 2 && grad.size(1) == weight.size(1), "[", op,
           "] grad [bags, dim] and weight [num_weights, dim] must share dim, got ", shape_str(grad.sizes()), " and ",
           shape_str(weight.sizes()));
  TG_CHECK(offset2bag.dtype() == ScalarType::Int64 && offset2bag.sizes().equals(indices.sizes()), "[", op,
           "] offset2bag must be int64 of the indices' shape ", shape_str(indices.sizes()));
  if (grad.size(0) == 0)  // no bags: no position is in one
    return tg::zeros({indices.numel()}, grad.dtype(), grad.device()) * tg::sum(grad);
  // d out[bag(i)] / d psw[i] = weight[indices[i]]: the dot product with the bag's grad row.
  Tensor keep = offset2bag >= Scalar(0);
  if (padding_idx >= 0) keep = tg::to(keep, ScalarType::Int64) * tg::to(indices != Scalar(padding_idx), ScalarType::Int64);
  const Tensor rows = tg::embedding(weight, indices);
  const Tensor g = tg::index_select(grad, 0, tg::clamp_min(offset2bag, Scalar(0)));
  return tg::sum(g * rows, IntArrayRef{1}, false) * tg::to(keep, grad.dtype());
}

}  // namespace tg::native
