#pragma once
// Helpers for the backward formulas in derivatives.yaml. Formulas are C++ over tensorgen ops, so
// every helper here is itself built from ops (and is therefore differentiable: double backward).
// Declarations only: the op headers are included by formulas.cpp, not by every generated file.
#include <optional>

#include "aten/core/Tensor.h"

namespace tg {
namespace autograd {}
using namespace autograd;  // formulas call the helpers below unqualified

// Arithmetic operators so formulas read like PyTorch's (`grad * other`, `-grad / (self * self)`).
Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a);
Tensor operator+(const Tensor& a, const Scalar& b);
Tensor operator-(const Tensor& a, const Scalar& b);
Tensor operator*(const Tensor& a, const Scalar& b);
Tensor operator/(const Tensor& a, const Scalar& b);
Tensor operator*(const Scalar& a, const Tensor& b);
Tensor operator-(const Scalar& a, const Tensor& b);

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
Tensor logit_backward(const Tensor& grad, const Tensor& self, std::optional<double> eps);

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
// Gradient of max.dim/min.dim values: grad placed at `indices` along dim, zeros elsewhere.
Tensor value_selecting_reduction_backward(const Tensor& grad, int64_t dim, const Tensor& indices, IntArrayRef sizes,
                                          bool keepdim);

// ---- softmax
Tensor softmax_backward(const Tensor& grad, const Tensor& result, int64_t dim);
Tensor log_softmax_backward(const Tensor& grad, const Tensor& result, int64_t dim);

// ---- views
// Gradient of permute(self, dims): grad permuted by the inverse permutation.
Tensor permute_backward(const Tensor& grad, IntArrayRef dims);
}  // namespace autograd

}  // namespace tg
