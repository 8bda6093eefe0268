// Sorting and selection: the argument checks and result allocation every backend shares
// (Sorting.h), and the composites over sort (sort.stable, argsort, msort).
#include "aten/native/Sorting.h"

#include "kernels/argsort.h"
#include "kernels/msort.h"
#include "kernels/sort.h"
#include "ops/contiguous.h"
#include "ops/sort.h"
#include "ops/zeros.h"

namespace tg::native {

namespace {
// The lines of self along dim (wrapped with op's name in the IndexError).
SortPlan lines_of(const Tensor& self, int64_t dim, const char* op) {
  SortPlan p;
  p.dim = wrap_dim(dim, self.dim(), op);
  p.n = self.dim() == 0 ? 1 : self.size(p.dim);
  p.lines = 1;  // the product of the other sizes (also when n == 0)
  for (int64_t d = 0; d < self.dim(); ++d)
    if (d != p.dim) p.lines *= self.size(d);
  return p;
}

void allocate(SortPlan& p, const Tensor& self, IntArrayRef sizes, const char* op) {
  p.values = empty_tensor(sizes, self.dtype(), self.device(), op);
  p.indices = empty_tensor(sizes, ScalarType::Int64, self.device(), op);
}
}  // namespace

SortPlan sort_plan(const Tensor& self, int64_t dim) {
  SortPlan p = lines_of(self, dim, "sort");
  allocate(p, self, self.sizes(), "sort");
  return p;
}

SortPlan topk_plan(const Tensor& self, int64_t k, int64_t dim) {
  SortPlan p = lines_of(self, dim, "topk");
  TG_CHECK(k >= 0 && k <= p.n, "[topk] selected index k out of range: k = ", k, ", but dim ", p.dim, " has size ",
           p.n);
  DimVector sizes(self.sizes());
  if (self.dim() > 0) sizes[p.dim] = k;
  allocate(p, self, sizes, "topk");
  return p;
}

SortPlan kthvalue_plan(const Tensor& self, int64_t k, int64_t dim, bool keepdim) {
  SortPlan p = lines_of(self, dim, "kthvalue");
  TG_CHECK_INDEX(p.n > 0, "[kthvalue] Expected reduction dim ", p.dim, " to have non-zero size");
  TG_CHECK(k >= 1 && k <= p.n, "[kthvalue] selected number k out of range for dimension ", p.dim, ": k = ", k,
           ", but the dim has size ", p.n);
  DimVector sizes;
  for (int64_t d = 0; d < self.dim(); ++d) {
    if (d != p.dim) sizes.push_back(self.size(d));
    else if (keepdim) sizes.push_back(1);
  }
  allocate(p, self, sizes, "kthvalue");
  return p;
}

namespace {
// [outer, n, inner] around dim of a tensor of `sizes`.
void outer_inner(IntArrayRef sizes, int64_t dim, int64_t& outer, int64_t& inner) {
  outer = inner = 1;
  for (int64_t d = 0; d < int64_t(sizes.size()); ++d) {
    if (d < dim) outer *= sizes[d];
    if (d > dim) inner *= sizes[d];
  }
}

// index must be int64 with `sizes` except along dim.
void check_index(const char* op, const Tensor& index, IntArrayRef sizes, int64_t dim) {
  TG_CHECK_TYPE(index.dtype() == ScalarType::Int64, "[", op, "] index must be int64, got ", index.dtype());
  TG_CHECK(index.dim() == int64_t(sizes.size()), "[", op, "] index must have ", sizes.size(), " dims, got ",
           index.dim());
  for (int64_t d = 0; d < index.dim(); ++d)
    TG_CHECK(d == dim || index.size(d) == sizes[d], "[", op, "] index of shape ", shape_str(index.sizes()),
             " does not match ", shape_str(sizes), " outside dim ", dim);
}
}  // namespace

AlongDimPlan gather_along_dim_plan(const Tensor& self, int64_t dim, const Tensor& index) {
  const char* op = "_gather_along_dim";
  const int64_t d = wrap_dim(dim, self.dim(), op);
  check_index(op, index, self.sizes(), d);
  TG_CHECK(index.device() == self.device(), "[", op, "] expected all tensors to be on the same device, but found ",
           self.device(), " and ", index.device());
  AlongDimPlan p;
  outer_inner(self.sizes(), d, p.outer, p.inner);
  p.n_src = self.dim() == 0 ? 1 : self.size(d);
  p.n_index = index.dim() == 0 ? 1 : index.size(d);
  p.src = tg::contiguous(self);
  p.index = tg::contiguous(index);
  p.result = empty_tensor(index.sizes(), self.dtype(), self.device(), op);
  return p;
}

AlongDimPlan scatter_add_along_dim_plan(const Tensor& grad, int64_t dim, const Tensor& index, IntArrayRef sizes) {
  const char* op = "_scatter_add_along_dim";
  const int64_t d = wrap_dim(dim, int64_t(sizes.size()), op);
  check_index(op, index, sizes, d);
  TG_CHECK(grad.sizes().equals(index.sizes()), "[", op, "] grad of shape ", shape_str(grad.sizes()),
           " does not match index of shape ", shape_str(index.sizes()));
  TG_CHECK(index.device() == grad.device(), "[", op, "] expected all tensors to be on the same device, but found ",
           grad.device(), " and ", index.device());
  AlongDimPlan p;
  outer_inner(sizes, d, p.outer, p.inner);
  p.n_src = sizes.empty() ? 1 : sizes[d];
  p.n_index = index.dim() == 0 ? 1 : index.size(d);
  p.src = tg::contiguous(grad);
  p.index = tg::contiguous(index);
  p.result = tg::zeros(sizes, grad.dtype(), grad.device());
  return p;
}

// ---- composites over sort

// Our sort is always stable, so `stable` only selects the overload (PyTorch's sort.stable).
std::tuple<Tensor, Tensor> sort_stable(const Tensor& self, std::optional<bool> /*stable*/, int64_t dim,
                                       bool descending) {
  return tg::sort(self, dim, descending);
}

Tensor argsort(const Tensor& self, int64_t dim, bool descending, bool /*stable*/) {
  return std::get<1>(tg::sort(self, dim, descending));
}

Tensor msort(const Tensor& self) { return std::get<0>(tg::sort(self, 0, false)); }

}  // namespace tg::native
