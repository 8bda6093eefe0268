#include "csrc/autograd/formulas.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "csrc/autograd/node.h"
#include "aten/core/GradMode.h"
#include "aten/native/Indexing.h"
#include "ops/_index.h"
#include "ops/_index_put_.h"
#include "ops/clone.h"
#include "ops/gather.h"
#include "ops/logical_not.h"
#include "ops/masked_fill.h"
#include "ops/ones_like.h"
#include "ops/scatter.h"
#include "ops/scatter_reduce.h"
#include "ops/slice.h"
#include "ops/to.h"
#include "ops/_layer_norm_backward_all_kernel.h"
#include "ops/native_layer_norm_backward.h"
#include "ops/unbind.h"
#include "ops/index_add_.h"
#include "ops/index_select.h"
#include "ops/scatter_add.h"
#include "ops/slice_backward.h"
#include "ops/zeros.h"
#include "ops/add.h"
#include "ops/any.h"
#include "ops/arange.h"
#include "ops/cumprod.h"
#include "ops/cumsum.h"
#include "ops/div.h"
#include "ops/eq.h"
#include "ops/exp.h"
#include "ops/expand.h"
#include "ops/ge.h"
#include "ops/gt.h"
#include "ops/log.h"
#include "ops/mean.h"
#include "ops/logical_and.h"
#include "ops/logical_or.h"
#include "ops/lt.h"
#include "ops/mul.h"
#include "ops/narrow.h"
#include "ops/ne.h"
#include "ops/neg.h"
#include "ops/permute.h"
#include "ops/pow.h"
#include "ops/prod.h"
#include "ops/reshape.h"
#include "ops/select.h"
#include "ops/select_backward.h"
#include "ops/copy_.h"
#include "ops/roll.h"
#include "ops/sub.h"
#include "ops/sum.h"
#include "ops/unsqueeze.h"
#include "ops/view.h"
#include "ops/where.h"
#include "ops/abs.h"
#include "ops/cat.h"
#include "ops/flip.h"
#include "ops/isnan.h"
#include "ops/logcumsumexp.h"
#include "ops/sign.h"
#include "ops/zeros.h"
#include "ops/zeros_like.h"

namespace tg {

namespace autograd {

Tensor scalar(const Scalar& s) { return wrapped_scalar_tensor(s); }

Tensor sum_to(const Tensor& grad, IntArrayRef sizes) {
  return reduce_grad(grad, TensorGeometry{DimVector(sizes), grad.dtype()});
}

Tensor sum_backward(const Tensor& grad, IntArrayRef sizes, std::optional<IntArrayRef> dim, bool keepdim) {
  Tensor g = grad;
  const int64_t ndim = int64_t(sizes.size());
  if (!keepdim && ndim > 0) {
    if (!dim || dim->empty()) {
      DimVector ones(static_cast<size_t>(ndim), 1);
      g = tg::view(g, ones);
    } else {
      // Re-insert the reduced dims in increasing order so each index refers to the full shape.
      SmallVector<bool, 8> reduced(static_cast<size_t>(ndim), false);
      for (int64_t d : *dim) reduced[wrap_dim(d, ndim, "sum_backward")] = true;
      for (int64_t d = 0; d < ndim; ++d)
        if (reduced[d]) g = tg::unsqueeze(g, d);
    }
  }
  return tg::expand(g, sizes);
}

Tensor not_implemented(const char* what) {
  TG_CHECK_NOT_IMPLEMENTED(false, "[", what, "] the derivative is not implemented");
  return Tensor();
}

// ----------------------------------------------------------------------------- pointwise

Tensor pow_backward_self(const Tensor& grad, const Tensor& self, const Tensor& exponent) {
  Tensor d = grad * (exponent * self.pow(exponent - 1));
  return tg::where(exponent == 0, scalar(0), d);
}

Tensor pow_backward_exponent(const Tensor& grad, const Tensor& self, const Tensor& exponent, const Tensor& result) {
  Tensor skip = (self == 0).logical_and(exponent >= 0);
  return grad * tg::where(skip, scalar(0), result * self.log());
}

Tensor max_min_pointwise_backward(const Tensor& grad, const Tensor& self, const Tensor& other, bool is_max,
                                  bool for_self) {
  // The operand that lost gets nothing; ties split the gradient; nan (no order) passes it to both.
  Tensor lost = is_max == for_self ? self < other : self > other;
  Tensor g = tg::where(self == other, grad / 2, grad);
  return tg::where(lost, scalar(0), g);
}

// ----------------------------------------------------------------------------- reductions

Tensor mean_backward(const Tensor& grad, IntArrayRef sizes, std::optional<IntArrayRef> dim, bool keepdim) {
  const int64_t ndim = int64_t(sizes.size());
  int64_t n = 1;
  if (!dim || dim->empty()) {
    for (int64_t s : sizes) n *= s;
  } else if (ndim > 0) {
    SmallVector<bool, 8> reduced(static_cast<size_t>(ndim), false);
    for (int64_t d : *dim) reduced[wrap_dim(d, ndim, "mean_backward")] = true;
    for (int64_t d = 0; d < ndim; ++d)
      if (reduced[d]) n *= sizes[d];
  }
  return sum_backward(grad, sizes, dim, keepdim) / Scalar(n);
}

namespace {

// prod along dim d of x, given grad and result with x's shape except size 1 at d.
Tensor prod_backward_dim(const Tensor& grad, const Tensor& x, const Tensor& result, int64_t d) {
  Tensor zero = x == 0;
  if (!item(zero.any()).to_bool()) return grad * (result / x);
  if (!GradMode::is_enabled()) {
    // First derivative only: the product of the others is the product of the non-zeros when x_i is
    // the only zero of its slice, p / x_i when the slice has no zero, and 0 otherwise.
    Tensor zeros_in_slice = zero.sum(IntArrayRef{d}, true);
    Tensor x1 = tg::where(zero, scalar(1), x);
    Tensor p = x1.prod(d, true);
    Tensor others = tg::where(zero, tg::where(zeros_in_slice == 1, p, scalar(0)),
                              tg::where(zeros_in_slice == 0, p / x1, scalar(0)));
    return grad * others;
  }
  // create_graph with zeros: the product of the others as a differentiable function of every
  // element (so double backward is right at zeros too). Slice i of `excluded` is x with x_i
  // replaced by 1, along a new leading dim: n times the memory of x, only on this rare path.
  const int64_t ndim = x.dim(), n = x.size(d);
  DimVector rows(static_cast<size_t>(ndim + 1), 1), cols(static_cast<size_t>(ndim + 1), 1);
  rows[0] = n;
  cols[d + 1] = n;
  Tensor i = tg::arange(Scalar(n), ScalarType::Int64, x.device());
  Tensor one_hot = tg::eq(tg::view(i, rows), tg::view(i, cols));
  Tensor excluded = tg::where(one_hot, scalar(1), tg::unsqueeze(x, 0));
  Tensor others = tg::prod(excluded, d + 1, false);  // [n, sizes without d]
  DimVector perm;
  for (int64_t k = 0; k < ndim; ++k) perm.push_back(k < d ? k + 1 : (k == d ? 0 : k));
  return grad * tg::permute(others, perm);
}

}  // namespace

Tensor prod_backward(const Tensor& grad, const Tensor& self, const Tensor& result, std::optional<int64_t> dim,
                     bool keepdim) {
  if (self.dim() == 0) return grad;
  if (self.numel() == 0) return tg::zeros_like(self, grad.dtype());
  if (!dim) {
    Tensor flat = tg::reshape(self, IntArrayRef{-1});
    Tensor g = prod_backward_dim(tg::reshape(grad, IntArrayRef{1}), flat, tg::reshape(result, IntArrayRef{1}), 0);
    return tg::reshape(g, self.sizes());
  }
  int64_t d = wrap_dim(*dim, self.dim(), "prod_backward");
  Tensor g = keepdim ? grad : tg::unsqueeze(grad, d);
  Tensor r = keepdim ? result : tg::unsqueeze(result, d);
  return prod_backward_dim(g, self, r, d);
}

Tensor evenly_distribute_backward(const Tensor& grad, const Tensor& self, const Tensor& result) {
  Tensor mask = self == result;  // the NaN terms only for a NaN result (see amax_amin_backward)
  if (!result.device().is_cpu() || item(tg::isnan(result)).to_bool())
    mask = mask.logical_or(tg::isnan(self).logical_and(tg::isnan(result)));
  return tg::where(mask, grad / mask.sum(), scalar(0));
}

Tensor amax_amin_backward(const Tensor& grad, const Tensor& self, const Tensor& result, IntArrayRef dim,
                          bool keepdim) {
  // The gradient is shared evenly by the elements equal to the result (NaN results: the NaN
  // elements). Three passes over self (compare, count, select): the grad is divided by the count
  // at the result's size before it is broadcast back, and the NaN terms (three more passes) only
  // when the result holds a NaN.
  Tensor r = sum_backward(result, self.sizes(), dim, keepdim);  // broadcast over the reduced dims
  Tensor mask = self == r;
  if (!result.device().is_cpu() || item(tg::any(tg::isnan(result))).to_bool())
    mask = mask.logical_or(tg::isnan(self).logical_and(tg::isnan(r)));
  Tensor count = mask.sum(dim, keepdim);
  return tg::where(mask, sum_backward(grad / count, self.sizes(), dim, keepdim), scalar(0));
}

Tensor aminmax_backward(const Tensor& grad_min, const Tensor& grad_max, const Tensor& self, const Tensor& min,
                        const Tensor& max, std::optional<int64_t> dim, bool keepdim) {
  DimVector dims;
  if (dim) dims.push_back(*dim);
  // An output nobody used gets a zero gradient from the engine: its term adds nothing, so skip
  // its passes over self (checked on the reduced grad; CPU only, like the NaN test, and not when
  // the grad itself is differentiated).
  const auto zero = [](const Tensor& g) {
    return g.device().is_cpu() && !g.requires_grad() && !item(tg::any(g != scalar(0))).to_bool();
  };
  if (zero(grad_max)) return amax_amin_backward(grad_min, self, min, dims, keepdim);
  if (zero(grad_min)) return amax_amin_backward(grad_max, self, max, dims, keepdim);
  return amax_amin_backward(grad_min, self, min, dims, keepdim) + amax_amin_backward(grad_max, self, max, dims, keepdim);
}

Tensor var_backward(const Tensor& grad, const Tensor& self, std::optional<IntArrayRef> dim,
                    const std::optional<Scalar>& correction, bool keepdim) {
  const int64_t ndim = self.dim();
  int64_t n = 1;
  if (!dim || dim->empty() || ndim == 0) {  // a 0-d self takes dim 0 / -1 and has one element
    n = self.numel();
  } else {
    for (int64_t d : *dim) n *= self.size(wrap_dim(d, ndim, "var_backward"));
  }
  const double divisor = std::max(double(n) - (correction ? correction->to_double() : 1.0), 0.0);
  Tensor g = sum_backward(grad, self.sizes(), dim, keepdim);
  return g * (self - tg::mean(self, dim, /*keepdim=*/true)) * Scalar(2.0 / divisor);
}

Tensor std_backward(const Tensor& grad, const Tensor& self, const Tensor& result, std::optional<IntArrayRef> dim,
                    const std::optional<Scalar>& correction, bool keepdim) {
  Tensor grad_var = tg::where(tg::eq(result, scalar(0)), scalar(0), grad / (result * Scalar(2)));
  return var_backward(grad_var, self, dim, correction, keepdim);
}

Tensor value_selecting_reduction_backward(const Tensor& grad, int64_t dim, const Tensor& indices, IntArrayRef sizes,
                                          bool keepdim) {
  const int64_t ndim = int64_t(sizes.size());
  if (ndim == 0) return grad;
  int64_t d = wrap_dim(dim, ndim, "value_selecting_reduction_backward");
  Tensor g = keepdim ? grad : tg::unsqueeze(grad, d);
  Tensor idx = keepdim ? indices : tg::unsqueeze(indices, d);
  DimVector shape(static_cast<size_t>(ndim), 1);
  shape[d] = sizes[d];
  Tensor pos = tg::view(tg::arange(Scalar(sizes[d]), ScalarType::Int64, grad.device()), shape);
  return tg::where(tg::eq(pos, idx), g, scalar(0));
}

// ----------------------------------------------------------------------------- scans

namespace {
// sum_{k >= j} t_k along d, through differentiable ops (there is no flip op).
Tensor reverse_cumsum(const Tensor& t, int64_t d) {
  return tg::sum(t, IntArrayRef{d}, /*keepdim=*/true) - tg::cumsum(t, d) + t;
}
}  // namespace

Tensor cumsum_backward(const Tensor& grad, int64_t dim) {
  if (grad.dim() == 0) return grad;
  return reverse_cumsum(grad, wrap_dim(dim, grad.dim(), "cumsum_backward"));
}

Tensor cumprod_backward(const Tensor& grad, const Tensor& self, const Tensor& result, int64_t dim) {
  if (self.dim() == 0) return grad;
  if (self.numel() == 0) return tg::zeros_like(self, grad.dtype());
  const int64_t d = wrap_dim(dim, self.dim(), "cumprod_backward");
  // d result_k / d self_j = prod_{i <= k, i != j} self_i for k >= j: without zeros that is
  // result_k / self_j.
  if (!item(tg::any(tg::eq(self, scalar(0)))).to_bool()) return reverse_cumsum(grad * result, d) / self;
  const int64_t ndim = self.dim(), n = self.size(d);
  if (!GradMode::is_enabled()) {
    // First derivative with zeros, O(n) per line like PyTorch. Let z be the first zero of a line:
    //  - j < z: the no-zero formula still holds (result_k = 0 for k >= z adds nothing);
    //  - j = z: sum_{k >= z} grad_k prod_{i <= k, i != z} self_i, and that product is
    //    cumprod(self with self_z replaced by 1)_k;
    //  - j > z: every product contains self_z = 0.
    // (Not differentiable in self_z for j > z, hence only without create_graph.)
    Tensor zeros_so_far = tg::cumsum(tg::eq(self, scalar(0)), d);
    Tensor before_first = tg::eq(zeros_so_far, scalar(0));
    Tensor first_zero = tg::logical_and(tg::eq(self, scalar(0)), tg::eq(zeros_so_far, scalar(1)));
    Tensor safe_self = tg::where(before_first, self, scalar(1));
    Tensor before = tg::where(before_first, reverse_cumsum(grad * result, d) / safe_self, scalar(0));
    Tensor skip_first = tg::cumprod(tg::where(first_zero, scalar(1), self), d);
    Tensor at_first = tg::where(first_zero, reverse_cumsum(grad * skip_first, d), scalar(0));
    return before + at_first;
  }
  // create_graph with zeros: the products themselves, so that double backward sees every factor
  // (O(n^2) per line, like PyTorch's differentiable path). Slice j of `excluded` (a new leading
  // dim) is self with self_j replaced by 1, so its cumprod along d holds prod_{i <= k, i != j}
  // self_i; keep k >= j, weight by grad_k, sum over k.
  DimVector rows(static_cast<size_t>(ndim + 1), 1), cols(static_cast<size_t>(ndim + 1), 1);
  rows[0] = n;
  cols[d + 1] = n;
  Tensor i = tg::arange(Scalar(n), ScalarType::Int64, self.device());
  Tensor j_index = tg::view(i, rows), k_index = tg::view(i, cols);
  Tensor excluded = tg::where(tg::eq(j_index, k_index), scalar(1), tg::unsqueeze(self, 0));
  Tensor products = tg::cumprod(excluded, d + 1);
  Tensor terms = tg::where(tg::ge(k_index, j_index), products * tg::unsqueeze(grad, 0), scalar(0));
  Tensor g = tg::sum(terms, IntArrayRef{d + 1}, /*keepdim=*/false);  // [n (j), sizes without d]
  DimVector perm;
  for (int64_t k = 0; k < ndim; ++k) perm.push_back(k < d ? k + 1 : (k == d ? 0 : k));
  return tg::permute(g, perm);
}

Tensor cummaxmin_backward(const Tensor& grad, const Tensor& self, const Tensor& indices, int64_t dim) {
  if (self.dim() == 0) return grad;
  if (self.numel() == 0) return tg::zeros_like(self, grad.dtype());
  // Output k took self_{indices_k}: add grad_k there (O(n), like PyTorch).
  const int64_t d = wrap_dim(dim, self.dim(), "cummaxmin_backward");
  return tg::scatter_add(tg::zeros_like(self, grad.dtype()), d, indices, grad);
}

// ----------------------------------------------------------------------------- Tensor[] ops

Tensor unbind_backward(const std::vector<Tensor>& grads, IntArrayRef sizes, int64_t dim, ScalarType dtype) {
  const int64_t d = wrap_dim(dim, int64_t(sizes.size()), "unbind_backward");
  Device device;
  for (const Tensor& g : grads)
    if (g.defined()) device = g.device();
  if (!GradMode::is_enabled()) {
    // First derivative: copy each grad into its slice of one zeros tensor (O(numel)).
    Tensor result = tg::zeros(sizes, dtype, device);
    for (size_t i = 0; i < grads.size(); ++i)
      if (grads[i].defined()) {
        Tensor slice = tg::select(result, d, int64_t(i));
        tg::copy_(slice, grads[i]);
      }
    return result;
  }
  // create_graph: the same sum built from differentiable ops (select_backward places grad i at
  // index i, zeros elsewhere), so double backward reaches every grad. n times the work; without
  // a cat/stack op this is the differentiable way to assemble the slices.
  Tensor result = tg::zeros(sizes, dtype, device);
  for (size_t i = 0; i < grads.size(); ++i)
    if (grads[i].defined()) result = result + tg::select_backward(grads[i], sizes, d, int64_t(i));
  return result;
}

// ----------------------------------------------------------------------------- softmax

Tensor softmax_backward_data_output_grad(const Tensor& grad, const Tensor& grad_output, const Tensor& output,
                                         int64_t dim) {
  return grad * (grad_output - tg::sum(grad_output * output, IntArrayRef{dim}, true)) -
         grad_output * tg::sum(grad * output, IntArrayRef{dim}, true);
}

Tensor log_softmax_backward_data_grad_output_grad(const Tensor& grad, const Tensor& output, int64_t dim) {
  return grad - tg::sum(grad * tg::exp(output), IntArrayRef{dim}, true);
}

Tensor log_softmax_backward_data_output_grad(const Tensor& grad, const Tensor& grad_output, const Tensor& output,
                                             int64_t dim) {
  return -(grad * tg::exp(output) * tg::sum(grad_output, IntArrayRef{dim}, true));
}

// ----------------------------------------------------------------------------- views

Tensor permute_backward(const Tensor& grad, IntArrayRef dims) {
  const int64_t ndim = int64_t(dims.size());
  DimVector inverse(static_cast<size_t>(ndim), 0);
  for (int64_t i = 0; i < ndim; ++i) inverse[wrap_dim(dims[i], ndim, "permute_backward")] = i;
  return tg::permute(grad, inverse);
}

// ----------------------------------------------------------------------------- joining and shape ops

namespace {
bool cat_skipped(IntArrayRef sizes) { return sizes.size() == 1 && sizes[0] == 0; }
}  // namespace

std::vector<Tensor> cat_tensors_backward(const Tensor& grad, const std::vector<DimVector>& sizes,
                                         const std::vector<ScalarType>& dtypes, int64_t dim) {
  std::vector<Tensor> grads;
  grads.reserve(sizes.size());
  int64_t d = -1, offset = 0;  // dim wraps against the first input cat does not skip
  for (size_t i = 0; i < sizes.size(); ++i) {
    const IntArrayRef s(sizes[i]);
    if (cat_skipped(s)) {
      grads.push_back(tg::zeros(s, dtypes[i], grad.device()));
      continue;
    }
    if (d < 0) d = wrap_dim(dim, int64_t(s.size()), "cat_backward");
    Tensor piece = tg::narrow(grad, d, offset, s[size_t(d)]);
    offset += s[size_t(d)];
    grads.push_back(piece.dtype() == dtypes[i] ? piece : tg::to(piece, dtypes[i], false, false));
  }
  return grads;
}

Tensor roll_backward(const Tensor& grad, IntArrayRef shifts, IntArrayRef dims) {
  // Reduced modulo the rolled size first, so that negating can't overflow (shift INT64_MIN).
  DimVector negated;
  for (size_t i = 0; i < shifts.size(); ++i) {
    const int64_t n = dims.empty() ? grad.numel() : grad.dim() == 0 ? 1 : grad.size(dims[i]);
    negated.push_back(n == 0 ? 0 : -(shifts[i] % n));
  }
  return tg::roll(grad, negated, dims);
}

// ----------------------------------------------------------------------------- indexing

Tensor gather_backward(const Tensor& grad, IntArrayRef self_sizes, int64_t dim, const Tensor& index) {
  Tensor zeros = tg::zeros(self_sizes, grad.dtype(), grad.device());
  return tg::scatter_add(zeros, dim, index, grad);
}

namespace {
// g (index's shape) zero-padded to src_sizes, dim by dim (slice_backward is an op, so this stays
// differentiable).
Tensor pad_to(Tensor g, IntArrayRef src_sizes) {
  DimVector sizes(g.sizes());
  for (int64_t d = 0; d < g.dim(); ++d) {
    if (sizes[d] == src_sizes[d]) continue;
    int64_t len = sizes[d];
    sizes[d] = src_sizes[d];
    g = tg::slice_backward(g, sizes, d, 0, len, 1);
  }
  return g;
}

// The part of src that scatter reads: its leading index.size(d) elements along every dim.
Tensor src_part(const Tensor& src, const Tensor& index) {
  Tensor s = src;
  for (int64_t d = 0; d < index.dim(); ++d) {
    if (s.size(d) != index.size(d)) s = tg::slice(s, d, 0, index.size(d), 1);
  }
  return s;
}
}  // namespace

Tensor scatter_src_backward(const Tensor& grad, int64_t dim, const Tensor& index, IntArrayRef src_sizes) {
  return pad_to(tg::gather(grad, dim, index), src_sizes);
}

Tensor scatter_reduce_backward(const Tensor& grad, const Tensor& self, int64_t dim, const Tensor& index,
                               const Tensor& src, std::string_view reduce, bool include_self, const Tensor& result,
                               bool for_self) {
  const Tensor s = src_part(src, index);
  // Where index writes: with include_self=False, self's values there took no part.
  Tensor scattered = tg::scatter(tg::zeros(self.sizes(), ScalarType::Bool, self.device()), dim, index, Scalar(true));
  Tensor grad_self, grad_src;
  if (reduce == "sum") {
    grad_self = grad;
    grad_src = tg::gather(grad, dim, index);
  } else if (reduce == "mean") {
    Tensor n = include_self ? tg::ones_like(grad) : tg::zeros_like(grad);
    n = tg::scatter_add(n, dim, index, tg::ones_like(s));
    n = tg::masked_fill(n, tg::eq(n, scalar(0)), Scalar(1));
    grad_self = grad / n;
    grad_src = tg::gather(grad_self, dim, index);
  } else if (reduce == "prod") {
    Tensor masked_self = tg::masked_fill(self, tg::eq(self, scalar(0)), Scalar(1));
    Tensor masked_self_result = tg::scatter_reduce(masked_self, dim, index, s, reduce, include_self);
    grad_self = grad * masked_self_result / masked_self;
    Tensor src_zero = tg::eq(s, scalar(0));
    Tensor src_num_zeros = tg::gather(tg::scatter_add(tg::zeros_like(self), dim, index, tg::to(src_zero, self.dtype())),
                                      dim, index);
    Tensor src_single_zero = tg::logical_and(src_zero, tg::eq(src_num_zeros, scalar(1)));
    Tensor masked_src = tg::masked_fill(s, src_single_zero, Scalar(1));
    Tensor masked_src_result = tg::scatter_reduce(self, dim, index, masked_src, reduce, include_self);
    grad_src = tg::where(src_single_zero, tg::gather(grad * masked_src_result, dim, index),
                         tg::gather(grad * result, dim, index) / tg::masked_fill(s, src_zero, Scalar(1)));
  } else {  // amax, amin
    Tensor value = tg::gather(result, dim, index);
    Tensor self_is_result = tg::eq(self, result);
    if (!include_self) self_is_result = tg::logical_and(self_is_result, tg::logical_not(scattered));
    Tensor src_is_result = tg::eq(s, value);
    Tensor n = tg::scatter_add(tg::to(self_is_result, grad.dtype()), dim, index, tg::to(src_is_result, grad.dtype()));
    Tensor distributed = grad / n;
    grad_self = tg::where(self_is_result, distributed, scalar(0));
    grad_src = tg::where(src_is_result, tg::gather(distributed, dim, index), scalar(0));
  }
  if (for_self) return include_self ? grad_self : tg::masked_fill(grad_self, scattered, Scalar(0));
  return pad_to(grad_src, src.sizes());
}

Tensor scatter_legacy_reduce_backward(const Tensor& grad, int64_t dim, const Tensor& index, IntArrayRef src_sizes,
                                      std::string_view reduce, bool for_self) {
  if (reduce != "add") return not_implemented("the derivative of scatter_ with reduce='multiply'");
  return for_self ? grad : scatter_src_backward(grad, dim, index, src_sizes);
}

Tensor index_select_backward(const Tensor& grad, IntArrayRef self_sizes, int64_t dim, const Tensor& index) {
  // in place into fresh zeros: index_add would copy them first (16 MB more traffic for a
  // [2048, 2048] input)
  Tensor zeros = tg::zeros(self_sizes, grad.dtype(), grad.device());
  return tg::index_add_(zeros, dim, index, grad);
}

Tensor index_source_backward(const Tensor& grad, int64_t dim, const Tensor& index, IntArrayRef source_sizes) {
  return tg::reshape(tg::index_select(grad, dim, index), source_sizes);
}

Tensor index_backward(const Tensor& grad, IntArrayRef self_sizes, const Tensor& indices) {
  Tensor zeros = tg::zeros(self_sizes, grad.dtype(), grad.device());
  return tg::_index_put_(zeros, indices, grad, true);
}

Tensor index_put_self_backward(const Tensor& grad, const Tensor& indices, bool accumulate) {
  if (accumulate) return grad;
  Tensor g = tg::clone(grad);
  Tensor zeros = tg::zeros(native::advanced_index_result_shape(grad, indices), grad.dtype(), grad.device());
  return tg::_index_put_(g, indices, zeros, false);
}

// ----------------------------------------------------------------------------- linear algebra

Tensor maybe_multiply(const Tensor& t, const Scalar& s) {
  const bool is_one = s.is_floating_point() ? s.to_double() == 1.0 : s.to_int() == 1;
  return is_one ? t : t * s;
}

// ---- issue 9, Part B: more reductions, logcumsumexp, splitting

Tensor nansum_backward(const Tensor& grad, const Tensor& self, std::optional<IntArrayRef> dim, bool keepdim) {
  Tensor g = sum_backward(grad, self.sizes(), dim, keepdim);
  return tg::where(tg::isnan(self), scalar(0), g);
}

Tensor vector_norm_backward(const Tensor& grad, const Tensor& self, const Scalar& ord, const Tensor& result,
                            std::optional<IntArrayRef> dim, bool keepdim) {
  const double p = ord.to_double();
  // grad and the norm broadcast back over the reduced dims.
  Tensor g = sum_backward(grad, self.sizes(), dim, keepdim);
  Tensor norm = sum_backward(result, self.sizes(), dim, keepdim);
  if (p == 0.0) return g * scalar(0);  // piecewise constant (zeros like self, still in the graph)
  if (p == 1.0) return tg::sign(self) * g;
  if (p == 2.0) return tg::where(tg::eq(norm, scalar(0)), scalar(0), g * self / norm);
  if (std::isinf(p)) {
    // amax / amin of |self|: shared among the elements that reach it (or are NaN).
    Tensor a = tg::abs(self);
    Tensor mask = tg::logical_or(tg::eq(a, norm), tg::isnan(a));
    Tensor count = tg::sum(mask, dim, /*keepdim=*/true);
    return tg::sign(self) * tg::where(mask, g / count, scalar(0));
  }
  Tensor a = tg::abs(self);
  if (p < 1.0) {
    // |self|^(p-1) is infinite at 0: those elements get 0, like PyTorch.
    Tensor scaled = tg::where(tg::eq(self, scalar(0)), scalar(0), tg::sign(self) * tg::pow(a, scalar(p - 1)));
    return scaled * g * tg::pow(norm, scalar(1 - p));
  }
  Tensor scaled = p < 2.0 ? tg::sign(self) * tg::pow(a, scalar(p - 1)) : self * tg::pow(a, scalar(p - 2));
  Tensor scale = tg::where(tg::eq(norm, scalar(0)), scalar(0), g / tg::pow(norm, scalar(p - 1)));
  return scaled * scale;
}

Tensor logsumexp_backward(const Tensor& grad, const Tensor& self, const Tensor& result, IntArrayRef dim,
                          bool keepdim) {
  Tensor g = sum_backward(grad, self.sizes(), dim, keepdim);
  Tensor r = sum_backward(result, self.sizes(), dim, keepdim);
  return g * tg::exp(self - r);
}

Tensor logcumsumexp_backward(const Tensor& grad, const Tensor& self, const Tensor& result, int64_t dim) {
  if (grad.dim() == 0 || grad.numel() == 0) return grad;
  // The dtype's lowest finite value stands for log(0): -inf would make nan gradients of where.
  double lowest = std::numeric_limits<double>::lowest();
  switch (grad.dtype()) {
    case ScalarType::Float32: lowest = std::numeric_limits<float>::lowest(); break;
    case ScalarType::Float16: lowest = -65504.0; break;
    case ScalarType::BFloat16: lowest = -3.3895313892515355e38; break;
    default: break;
  }
  const int64_t d = wrap_dim(dim, grad.dim(), "logcumsumexp_backward");
  const IntArrayRef dims(&d, 1);
  auto reverse_logcumsumexp = [&](const Tensor& x) {
    return tg::flip(tg::logcumsumexp(tg::flip(x, dims), d), dims);
  };
  Tensor log_abs_grad = tg::log(tg::abs(grad));
  Tensor log_pos = tg::where(tg::gt(grad, scalar(0)), log_abs_grad, scalar(lowest));
  Tensor log_neg = tg::where(tg::lt(grad, scalar(0)), log_abs_grad, scalar(lowest));
  Tensor out_pos = tg::exp(reverse_logcumsumexp(log_pos - result) + self);
  Tensor out_neg = tg::exp(reverse_logcumsumexp(log_neg - result) + self);
  return out_pos - out_neg;
}

Tensor split_with_sizes_backward(const std::vector<Tensor>& grads, IntArrayRef split_sizes, int64_t dim,
                                 IntArrayRef sizes, ScalarType dtype) {
  const int64_t d = wrap_dim(dim, int64_t(sizes.size()), "split_backward");
  Device device;
  for (const Tensor& g : grads)
    if (g.defined()) device = g.device();
  std::vector<Tensor> pieces;
  pieces.reserve(grads.size());
  for (size_t i = 0; i < grads.size(); ++i) {
    if (grads[i].defined()) {
      pieces.push_back(grads[i]);
    } else {
      DimVector piece_sizes(sizes);
      piece_sizes[size_t(d)] = split_sizes[i];
      pieces.push_back(tg::zeros(piece_sizes, dtype, device));
    }
  }
  return tg::cat(pieces, d);
}

Tensor split_backward(const std::vector<Tensor>& grads, int64_t split_size, int64_t dim, IntArrayRef sizes,
                      ScalarType dtype) {
  const int64_t d = wrap_dim(dim, int64_t(sizes.size()), "split_backward");
  // The forward's piece sizes: split_size each, the last one what is left.
  DimVector split_sizes(grads.size(), split_size);
  if (!split_sizes.empty()) split_sizes.back() = sizes[size_t(d)] - split_size * int64_t(grads.size() - 1);
  return split_with_sizes_backward(grads, split_sizes, d, sizes, dtype);
}
std::vector<Tensor> layer_norm_backward_grads(const Tensor& grad, const Tensor& input, IntArrayRef normalized_shape,
                                              const Tensor& mean, const Tensor& rstd,
                                              const std::optional<Tensor>& weight, double eps,
                                              const std::array<bool, 3>& grad_input_mask) {
  const bool want_input = grad_input_mask[0], want_params = grad_input_mask[1] || grad_input_mask[2];
  if (want_input && want_params && !GradMode::is_enabled())
    return _layer_norm_backward_all_kernel(grad, input, normalized_shape, mean, rstd, weight);
  std::vector<Tensor> grads(3);
  if (want_input) grads[0] = native_layer_norm_backward(grad, input, normalized_shape, mean, rstd, weight, eps, 0);
  if (want_params) {
    std::vector<Tensor> params = unbind(native_layer_norm_backward(grad, input, normalized_shape, mean, rstd, weight,
                                                                   eps, 3), 0);
    grads[1] = std::move(params[0]);
    grads[2] = std::move(params[1]);
  }
  return grads;
}

}  // namespace autograd
}  // namespace tg
