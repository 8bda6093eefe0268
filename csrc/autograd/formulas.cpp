#include "csrc/autograd/formulas.h"

#include <cmath>

#include "csrc/autograd/node.h"
#include "aten/core/GradMode.h"
#include "ops/add.h"
#include "ops/any.h"
#include "ops/arange.h"
#include "ops/div.h"
#include "ops/eq.h"
#include "ops/exp.h"
#include "ops/expand.h"
#include "ops/ge.h"
#include "ops/gt.h"
#include "ops/log.h"
#include "ops/logical_and.h"
#include "ops/logical_or.h"
#include "ops/lt.h"
#include "ops/mul.h"
#include "ops/ne.h"
#include "ops/neg.h"
#include "ops/permute.h"
#include "ops/pow.h"
#include "ops/prod.h"
#include "ops/reshape.h"
#include "ops/sub.h"
#include "ops/sum.h"
#include "ops/unsqueeze.h"
#include "ops/view.h"
#include "ops/where.h"
#include "ops/zeros_like.h"

namespace tg {

Tensor operator+(const Tensor& a, const Tensor& b) { return tg::add(a, b); }
Tensor operator-(const Tensor& a, const Tensor& b) { return tg::sub(a, b); }
Tensor operator*(const Tensor& a, const Tensor& b) { return tg::mul(a, b); }
Tensor operator/(const Tensor& a, const Tensor& b) { return tg::div(a, b); }
Tensor operator-(const Tensor& a) { return tg::neg(a); }
Tensor operator+(const Tensor& a, const Scalar& b) { return tg::add(a, autograd::scalar(b)); }
Tensor operator-(const Tensor& a, const Scalar& b) { return tg::sub(a, autograd::scalar(b)); }
Tensor operator*(const Tensor& a, const Scalar& b) { return tg::mul(a, autograd::scalar(b)); }
Tensor operator/(const Tensor& a, const Scalar& b) { return tg::div(a, autograd::scalar(b)); }
Tensor operator*(const Scalar& a, const Tensor& b) { return tg::mul(autograd::scalar(a), b); }
Tensor operator-(const Scalar& a, const Tensor& b) { return tg::sub(autograd::scalar(a), b); }

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
  Tensor d = grad * (exponent * tg::pow(self, exponent - 1));
  return tg::where(tg::eq(exponent, scalar(0)), scalar(0), d);
}

Tensor pow_backward_exponent(const Tensor& grad, const Tensor& self, const Tensor& exponent, const Tensor& result) {
  Tensor skip = tg::logical_and(tg::eq(self, scalar(0)), tg::ge(exponent, scalar(0)));
  return grad * tg::where(skip, scalar(0), result * tg::log(self));
}

Tensor max_min_pointwise_backward(const Tensor& grad, const Tensor& self, const Tensor& other, bool is_max,
                                  bool for_self) {
  // The operand that lost gets nothing; ties split the gradient; nan (no order) passes it to both.
  Tensor lost = is_max == for_self ? tg::lt(self, other) : tg::gt(self, other);
  Tensor g = tg::where(tg::eq(self, other), grad / 2, grad);
  return tg::where(lost, scalar(0), g);
}

Tensor logit_backward(const Tensor& grad, const Tensor& self, std::optional<double> eps) {
  Tensor g = grad / (self * (1 - self));
  const double lo = eps ? *eps : 0.0, hi = eps ? 1.0 - *eps : 1.0;
  Tensor outside = tg::logical_or(tg::lt(self, scalar(lo)), tg::gt(self, scalar(hi)));
  return tg::where(outside, scalar(eps ? 0.0 : std::nan("")), g);
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
  Tensor zero = tg::eq(x, scalar(0));
  if (!item(tg::any(zero)).to_bool()) return grad * (result / x);
  if (!GradMode::is_enabled()) {
    // First derivative only: the product of the others is the product of the non-zeros when x_i is
    // the only zero of its slice, p / x_i when the slice has no zero, and 0 otherwise.
    Tensor zeros_in_slice = tg::sum(zero, IntArrayRef{d}, true);
    Tensor x1 = tg::where(zero, scalar(1), x);
    Tensor p = tg::prod(x1, d, true);
    Tensor others = tg::where(zero, tg::where(tg::eq(zeros_in_slice, scalar(1)), p, scalar(0)),
                              tg::where(tg::eq(zeros_in_slice, scalar(0)), p / x1, scalar(0)));
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
  Tensor mask = tg::logical_or(tg::eq(self, result), tg::logical_and(tg::ne(self, self), tg::ne(result, result)));
  return tg::where(mask, grad / tg::sum(mask), scalar(0));
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

// ----------------------------------------------------------------------------- softmax

Tensor softmax_backward(const Tensor& grad, const Tensor& result, int64_t dim) {
  return result * (grad - tg::sum(grad * result, IntArrayRef{dim}, true));
}

Tensor log_softmax_backward(const Tensor& grad, const Tensor& result, int64_t dim) {
  return grad - tg::exp(result) * tg::sum(grad, IntArrayRef{dim}, true);
}

// ----------------------------------------------------------------------------- views

Tensor permute_backward(const Tensor& grad, IntArrayRef dims) {
  const int64_t ndim = int64_t(dims.size());
  DimVector inverse(static_cast<size_t>(ndim), 0);
  for (int64_t i = 0; i < ndim; ++i) inverse[wrap_dim(dims[i], ndim, "permute_backward")] = i;
  return tg::permute(grad, inverse);
}

}  // namespace autograd
}  // namespace tg
