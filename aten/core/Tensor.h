#pragma once
// Tensor: a cheap handle (one refcounted pointer) to a TensorImpl. The ops themselves are free
// functions declared per op in the generated ops/<name>.h headers (no umbrella header). Ops with
// `variants: method` (and every in-place variant) are also methods, as in ATen: their
// declarations are generated into TensorMethods.h, included inside the class, and each one is
// defined inline in its op's header, so `x.exp()` needs #include "ops/exp.h" like `tg::exp(x)`.
// The arithmetic and comparison operators (`a + b`, `x > 0`, `y += x`) are in TensorOperators.h.
#include <optional>
#include <string_view>
#include <tuple>
#include <vector>

#include "aten/core/Error.h"
#include "aten/core/Generator.h"
#include "aten/core/Scalar.h"
#include "aten/core/TensorImpl.h"

namespace tg {

class Tensor;
using TensorList = ArrayRef<Tensor>;  // (before the class: methods take Tensor[] arguments)

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(intrusive_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  bool defined() const { return static_cast<bool>(impl_); }
  TensorImpl* impl() const { return impl_.get(); }
  const intrusive_ptr<TensorImpl>& impl_ptr() const { return impl_; }

  IntArrayRef sizes() const { return impl_->sizes(); }
  IntArrayRef strides() const { return impl_->strides(); }
  int64_t size(int64_t d) const { return impl_->sizes()[wrap_dim(d)]; }
  int64_t stride(int64_t d) const { return impl_->strides()[wrap_dim(d)]; }
  int64_t dim() const { return impl_->dim(); }
  int64_t numel() const { return impl_->numel(); }
  ScalarType dtype() const { return impl_->dtype(); }
  ScalarType scalar_type() const { return impl_->dtype(); }
  Device device() const { return impl_->device(); }
  int64_t storage_offset() const { return impl_->storage_offset(); }
  const Storage& storage() const { return impl_->storage(); }
  bool is_contiguous() const { return impl_->is_contiguous(); }
  size_t element_size() const { return tg::element_size(dtype()); }
  void* data_ptr() const { return impl_->data(); }
  template <typename T>
  T* data() const { return static_cast<T*>(impl_->data()); }
  bool is_same(const Tensor& o) const { return impl_ == o.impl_; }
  bool requires_grad() const { return impl_->requires_grad; }
  // Marks the memory as written (saved-for-backward tensors compare versions).
  void bump_version() const { impl_->storage()->bump_version(); }

  // Wraps a dim index (negative counts from the end); IndexError when out of range.
  int64_t wrap_dim(int64_t d, const char* op = "dim") const;

  // The generated methods: x.exp(), a.mm(b), x.sum(dim, keepdim), x.add_(y), ...
#include "TensorMethods.h"

 private:
  intrusive_ptr<TensorImpl> impl_;
};

// Contiguous strides for sizes; throws on overflow.
DimVector contiguous_strides(IntArrayRef sizes);
// Number of elements, with the checks every factory needs (no negatives, no overflow).
int64_t checked_numel(IntArrayRef sizes, const char* op);
// A new uninitialized contiguous tensor.
Tensor empty_tensor(IntArrayRef sizes, ScalarType dtype, Device device = Device(), const char* op = "empty");
// A new uninitialized tensor with the given strides (storage sized to fit them).
Tensor empty_strided_tensor(IntArrayRef sizes, IntArrayRef strides, ScalarType dtype, Device device);
// A new uninitialized tensor shaped like self whose memory follows self's dim order (PyTorch's
// preserve_format: a dense transposed input gives a transposed result), dense in any case.
Tensor empty_like_layout(const Tensor& self, ScalarType dtype, Device device);
// A view sharing self's storage.
Tensor make_view(const Tensor& self, IntArrayRef sizes, IntArrayRef strides, int64_t offset);
// A 0-d tensor holding a Python number (a "weak" scalar for type promotion).
Tensor wrapped_scalar_tensor(const Scalar& s, Device device = Device());
// Reads element 0 of a one-element CPU tensor as a Scalar.
Scalar item(const Tensor& t);
// Wraps a dim for a tensor of ndim dims. Inline (every size(d) / stride(d) calls it; out of line
// it was ~4 % of a 1-element kron), with the error's formatting out of line.
[[noreturn]] void throw_dim_out_of_range(int64_t d, int64_t n, const char* op);
inline int64_t wrap_dim(int64_t d, int64_t ndim, const char* op) {
  const int64_t n = ndim == 0 ? 1 : ndim;  // a 0-d tensor accepts dim 0 and -1, like PyTorch
  if (d < -n || d >= n) [[unlikely]] throw_dim_out_of_range(d, n, op);
  return d < 0 ? d + n : d;
}
inline int64_t Tensor::wrap_dim(int64_t d, const char* op) const { return tg::wrap_dim(d, dim(), op); }
// Resizes an out= tensor to sizes (PyTorch's rules: reuse if same shape, allow resize of empty
// or matching numel tensors, restride contiguous). Throws when out cannot be resized.
void resize_out(Tensor& out, IntArrayRef sizes, const char* op);
std::string shape_str(IntArrayRef sizes);

}  // namespace tg

#include "aten/core/TensorOperators.h"

