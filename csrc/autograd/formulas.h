#pragma once
// Helpers for the backward formulas in derivatives.yaml. Formulas are C++ over tensorgen ops, so
// every helper here is itself built from ops (and is therefore differentiable: double backward).
// Declarations only: the op headers are included by formulas.cpp, not by every generated file.
// The generated formulas live in tg::autograd::generated, so they call these helpers unqualified;
// the operators they use (`grad * other`, `self > 0`) are Tensor's own (aten/core/TensorOperators.h).
#include <array>
#include <optional>
#include <vector>
#include <string_view>

#include "aten/core/Tensor.h"

namespace tg {

namespace autograd {
// A Python-number-like 0-d tensor (weak scalar: keeps the other operand's dtype).
Tensor scalar(const Scalar& s);
// Sums grad over the dims that broadcasting expanded so it has `sizes`.
Tensor sum_to(const Tensor& grad, IntArrayRef sizes);
// Gradient of sum(self, dim, keepdim): grad broadcast back over the reduced dims.
Tensor sum_backward(const Tensor& grad, IntArrayRef sizes, std::optional<IntArrayRef> dim, bool keepdim);
// A formula for a derivative tensorgen does not implement: throws NotImplementedError when run.
Tensor not_implemented(const char* what);

// ---- pointwise
// d/dself of pow(self, exponent); 0 where exponent == 0 (PyTorch: no 0 * inf = nan at self == 0).
Tensor pow_backward_self(const Tensor& grad, const Tensor& self, const Tensor& exponent);
// d/dexponent of pow(self, exponent) = result * log(self); 0 where self == 0 and exponent >= 0.
Tensor pow_backward_exponent(const Tensor& grad, const Tensor& self, const Tensor& exponent, const Tensor& result);
// maximum/minimum: the whole gradient to the selected operand, split in half on ties (PyTorch).
// is_max selects maximum; for_self selects the gradient of self (else of other).
Tensor max_min_pointwise_backward(const Tensor& grad, const Tensor& self, const Tensor& other, bool is_max,
                                  bool for_self);
// d/dself of logit(self, eps) = grad / (self * (1 - self)); outside [0, 1] nan when eps is None,
// 0 outside [eps, 1 - eps] (where the clamp holds the result constant) otherwise (PyTorch).

// ---- reductions
// Gradient of mean(self, dim, keepdim): sum_backward divided by the number of reduced elements.
Tensor mean_backward(const Tensor& grad, IntArrayRef sizes, std::optional<IntArrayRef> dim, bool keepdim);
// Gradient of prod(self, dim, keepdim): the product of the other elements of each slice, correct
// with zeros in the input (also under create_graph, for double backward).
Tensor prod_backward(const Tensor& grad, const Tensor& self, const Tensor& result, std::optional<int64_t> dim,
                     bool keepdim);
// Gradient of the all-reduce max/min: shared evenly among the elements equal to the result (nan
// results: among the nans), like PyTorch.
Tensor evenly_distribute_backward(const Tensor& grad, const Tensor& self, const Tensor& result);
// Gradient of amax/amin(self, dim, keepdim): shared evenly among the elements of each slice
// equal to its result (nan results: among the nans), like PyTorch.
Tensor amax_amin_backward(const Tensor& grad, const Tensor& self, const Tensor& result, IntArrayRef dim, bool keepdim);
// amin's gradient for min plus amax's for max (dim: one dim, or every dim when absent).
Tensor aminmax_backward(const Tensor& grad_min, const Tensor& grad_max, const Tensor& self, const Tensor& min,
                        const Tensor& max, std::optional<int64_t> dim, bool keepdim);
// Gradient of var(self, dim, correction, keepdim): grad * 2 (self - mean) / (N - correction).
Tensor var_backward(const Tensor& grad, const Tensor& self, std::optional<IntArrayRef> dim,
                    const std::optional<Scalar>& correction, bool keepdim);
// Gradient of std: var_backward of grad / (2 std), 0 where std is 0 (PyTorch).
Tensor std_backward(const Tensor& grad, const Tensor& self, const Tensor& result, std::optional<IntArrayRef> dim,
                    const std::optional<Scalar>& correction, bool keepdim);
// Gradient of max.dim/min.dim values: grad placed at `indices` along dim, zeros elsewhere.
Tensor value_selecting_reduction_backward(const Tensor& grad, int64_t dim, const Tensor& indices, IntArrayRef sizes,
                                          bool keepdim);

// ---- scans
// Gradient of cumsum(self, dim): the reverse cumulative sum of grad along dim.
Tensor cumsum_backward(const Tensor& grad, int64_t dim);
// Gradient of cumprod(self, dim): reverse cumsum of grad * result, divided by self, when self
// has no zero; with zeros, the products of the other elements computed explicitly (n times the
// memory, differentiable, so double backward is right at zeros too).
Tensor cumprod_backward(const Tensor& grad, const Tensor& self, const Tensor& result, int64_t dim);
// Gradient of cummax/cummin values: grad_k added at self's position indices_k along dim (one-hot
// over a new leading dim: n times the memory of self; a scatter_add op would avoid it).
Tensor cummaxmin_backward(const Tensor& grad, const Tensor& self, const Tensor& indices, int64_t dim);

// ---- softmax
// Double backward of _softmax_backward_data / _log_softmax_backward_data (derivatives.yaml).
Tensor softmax_backward_data_output_grad(const Tensor& grad, const Tensor& grad_output, const Tensor& output,
                                         int64_t dim);
Tensor log_softmax_backward_data_grad_output_grad(const Tensor& grad, const Tensor& output, int64_t dim);
Tensor log_softmax_backward_data_output_grad(const Tensor& grad, const Tensor& grad_output, const Tensor& output,
                                             int64_t dim);

// ---- views
// Gradient of unbind(self, dim) -> Tensor[]: grads[i] (zeros where undefined) placed at index i
// along dim of a tensor of `sizes`.
Tensor unbind_backward(const std::vector<Tensor>& grads, IntArrayRef sizes, int64_t dim, ScalarType dtype);
// Gradient of permute(self, dims): grad permuted by the inverse permutation.
Tensor permute_backward(const Tensor& grad, IntArrayRef dims);

// ---- joining and shape ops
// Gradient of cat(tensors, dim): for each input, its slice of grad along dim, in the input's
// dtype (cat promotes). A 1-d input with no elements, which cat skips, gets an empty gradient.
std::vector<Tensor> cat_tensors_backward(const Tensor& grad, const std::vector<DimVector>& sizes,
                                         const std::vector<ScalarType>& dtypes, int64_t dim);
// Gradient of roll(self, shifts, dims): grad rolled back by the negated shifts.
Tensor roll_backward(const Tensor& grad, IntArrayRef shifts, IntArrayRef dims);

// ---- indexing (gather/scatter, index_*, advanced indexing)
// Gradient of gather(self, dim, index): grad scatter-added into zeros of self's shape.
Tensor gather_backward(const Tensor& grad, IntArrayRef self_sizes, int64_t dim, const Tensor& index);
// Gradient of scatter_/scatter_add_ for src: grad gathered at index, zero-padded to src's shape
// where src is bigger than index (those elements of src are never read).
Tensor scatter_src_backward(const Tensor& grad, int64_t dim, const Tensor& index, IntArrayRef src_sizes);
// scatter_(..., reduce=): "add" differentiates like scatter_add_ (self: grad, src: gathered grad);
// "multiply" raises NotImplementedError.
Tensor scatter_legacy_reduce_backward(const Tensor& grad, int64_t dim, const Tensor& index, IntArrayRef src_sizes,
                                      std::string_view reduce, bool for_self);
// Gradients of scatter_reduce_(self, dim, index, src, reduce, include_self) for self (for_self) or
// src, PyTorch's formulas: sum, mean (divided by the counts), prod (exclusive products, exact with
// a single zero), amax/amin (shared evenly among the elements equal to the result).
Tensor scatter_reduce_backward(const Tensor& grad, const Tensor& self, int64_t dim, const Tensor& index,
                               const Tensor& src, std::string_view reduce, bool include_self, const Tensor& result,
                               bool for_self);
// Gradient of index_select(self, dim, index): grad index-added into zeros of self's shape.
Tensor index_select_backward(const Tensor& grad, IntArrayRef self_sizes, int64_t dim, const Tensor& index);
// Gradient of index_add_/index_copy_ for source: grad selected at index, in source's shape.
Tensor index_source_backward(const Tensor& grad, int64_t dim, const Tensor& index, IntArrayRef source_sizes);
// Gradient of _index(self, indices): grad accumulated into zeros of self's shape at the indices.
Tensor index_backward(const Tensor& grad, IntArrayRef self_sizes, const Tensor& indices);
// Gradient of _index_put_ for self: grad (accumulate) or grad with the overwritten places zeroed.
Tensor index_put_self_backward(const Tensor& grad, const Tensor& indices, bool accumulate);

// ---- norms
// The input, weight and bias gradients of native_layer_norm (entries undefined where the mask is
// false). With grad mode off and the input's and a parameter's wanted: one pass of
// _layer_norm_backward_all_kernel. Otherwise native_layer_norm_backward per gradient (which
// builds the graph of the gradient when grad mode is on: double backward).
std::vector<Tensor> layer_norm_backward_grads(const Tensor& grad, const Tensor& input, IntArrayRef normalized_shape,
                                              const Tensor& mean, const Tensor& rstd,
                                              const std::optional<Tensor>& weight, double eps,
                                              const std::array<bool, 3>& grad_input_mask);

// ---- linear algebra
// t * s, or t itself when s is 1 (addmm's beta/alpha are 1 almost always: no extra multiplication).
Tensor maybe_multiply(const Tensor& t, const Scalar& s);
// ---- issue 9, Part B: more reductions, logcumsumexp, splitting
// Gradient of nansum: sum_backward, 0 where self is NaN.
Tensor nansum_backward(const Tensor& grad, const Tensor& self, std::optional<IntArrayRef> dim, bool keepdim);
// Gradient of linalg_vector_norm(self, ord, dim, keepdim): PyTorch's norm_backward (0 for ord 0;
// sign(self) for 1; self / norm for 2; the elements equal to the max / min |x| share it for +-inf;
// sign(self) |self|^(p-1) / norm^(p-1) otherwise, 0 where the norm is 0).
Tensor vector_norm_backward(const Tensor& grad, const Tensor& self, const Scalar& ord, const Tensor& result,
                            std::optional<IntArrayRef> dim, bool keepdim);
// Gradient of logsumexp(self, dim, keepdim): grad * exp(self - result) (softmax of each slice).
Tensor logsumexp_backward(const Tensor& grad, const Tensor& self, const Tensor& result, IntArrayRef dim,
                          bool keepdim);
// Gradient of logcumsumexp(self, dim): PyTorch's (TensorFlow's) formula, the reverse logcumsumexp
// of log|grad| - result split by the sign of grad, so nothing overflows.
Tensor logcumsumexp_backward(const Tensor& grad, const Tensor& self, const Tensor& result, int64_t dim);
// Gradient of split / split_with_sizes: the pieces' gradients concatenated along dim (zeros for
// pieces that got none), so it is differentiable through cat.
Tensor split_backward(const std::vector<Tensor>& grads, int64_t split_size, int64_t dim, IntArrayRef sizes,
                      ScalarType dtype);
Tensor split_with_sizes_backward(const std::vector<Tensor>& grads, IntArrayRef split_sizes, int64_t dim,
                                 IntArrayRef sizes, ScalarType dtype);
}  // namespace autograd

}  // namespace tg

// Activation helpers (issue 10): csrc/autograd/formulas_activation.h
#include "csrc/autograd/formulas_activation.h"
