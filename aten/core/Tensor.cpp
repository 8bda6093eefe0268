#include "aten/core/Tensor.h"

#include <cstdlib>
#include <algorithm>
#include <cstring>

#include "aten/native/Copy.h"

namespace tg {

std::string shape_str(IntArrayRef sizes) { return str(sizes); }

void throw_dim_out_of_range(int64_t d, int64_t n, const char* op) {
  TG_CHECK_INDEX(false, "[", op, "] dimension out of range (expected to be in range of [", -n, ", ", n - 1,
                 "], but got ", d, ")");
  std::abort();  // not reached: TG_CHECK_INDEX(false, ...) throws
}

int64_t checked_numel(IntArrayRef sizes, const char* op) {
  int64_t n = 1;
  for (auto s : sizes) {
    TG_CHECK(s >= 0, "[", op, "] trying to create tensor with negative dimension ", s, ": ", sizes);
    TG_CHECK(!__builtin_mul_overflow(n, s, &n) && n <= (int64_t(1) << 56),
             "[", op, "] storage size calculation overflowed with sizes=", sizes);
  }
  return n;
}

DimVector contiguous_strides(IntArrayRef sizes) {
  DimVector strides(sizes.size());
  int64_t acc = 1;
  for (int64_t d = int64_t(sizes.size()) - 1; d >= 0; --d) {
    strides[d] = acc;
    acc *= sizes[d] > 1 ? sizes[d] : 1;
  }
  return strides;
}

Tensor empty_tensor(IntArrayRef sizes, ScalarType dtype, Device device, const char* op) {
  int64_t n = checked_numel(sizes, op);
  auto storage = Storage::make(size_t(n) * element_size(dtype), device);
  return Tensor(intrusive_ptr<TensorImpl>::make(std::move(storage), dtype, sizes, contiguous_strides(sizes), 0));
}

Tensor empty_strided_tensor(IntArrayRef sizes, IntArrayRef strides, ScalarType dtype, Device device) {
  int64_t n = checked_numel(sizes, "empty_strided");
  int64_t extent = n == 0 ? 0 : 1;
  for (size_t d = 0; d < sizes.size() && n; ++d) extent += (sizes[d] - 1) * strides[d];
  auto storage = Storage::make(size_t(extent) * element_size(dtype), device);
  return Tensor(intrusive_ptr<TensorImpl>::make(std::move(storage), dtype, sizes, strides, 0));
}

Tensor empty_like_layout(const Tensor& self, ScalarType dtype, Device device) {
  const int64_t n = self.dim();
  // Outermost first: a dim with a larger stride goes before one with a smaller stride; size-1
  // and broadcast (stride-0) dims carry no order and keep their natural position.
  DimVector order(static_cast<size_t>(n));
  for (int64_t d = 0; d < n; ++d) order[d] = d;
  auto outer_first = [&](int64_t a, int64_t b) {
    if (self.size(a) <= 1 || self.size(b) <= 1 || self.stride(a) == 0 || self.stride(b) == 0) return false;
    return self.stride(a) > self.stride(b);
  };
  for (int64_t i = 1; i < n; ++i)
    for (int64_t j = i; j > 0 && outer_first(order[j], order[j - 1]); --j) std::swap(order[j], order[j - 1]);
  DimVector strides(static_cast<size_t>(n));
  int64_t acc = 1;
  for (int64_t i = n - 1; i >= 0; --i) {
    strides[order[i]] = acc;
    acc *= std::max<int64_t>(self.size(order[i]), 1);
  }
  return empty_strided_tensor(self.sizes(), strides, dtype, device);
}

Tensor make_view(const Tensor& self, IntArrayRef sizes, IntArrayRef strides, int64_t offset) {
  // Views may be huge (expand allocates nothing) but numel must still fit in int64_t.
  int64_t n = 1;
  for (auto s : sizes)
    TG_CHECK(s >= 0 && !__builtin_mul_overflow(n, s, &n), "[view] numel: integer multiplication overflow with sizes=",
             sizes);
  return Tensor(intrusive_ptr<TensorImpl>::make(self.storage(), self.dtype(), sizes, strides, offset));
}

Tensor wrapped_scalar_tensor(const Scalar& s, Device device) {
  Tensor t = empty_tensor({}, s.natural_type(), Device());
  switch (s.tag()) {
    case Scalar::Tag::Double: *t.data<double>() = s.to_double(); break;
    case Scalar::Tag::Int: *t.data<int64_t>() = s.to_int(); break;
    case Scalar::Tag::Bool: *t.data<bool>() = s.to_bool(); break;
  }
  (void)device;
  t.impl()->is_wrapped_number = true;
  return t;
}

Scalar item(const Tensor& t) {
  TG_CHECK(t.numel() == 1, "[item] a Tensor with ", t.numel(), " elements cannot be converted to Scalar");
  if (!t.device().is_cpu()) return item(native::to_device(t, Device(), t.dtype(), false));  // waits for the GPU
  const void* p = t.data_ptr();
  switch (t.dtype()) {
    case ScalarType::Bool: return Scalar(*static_cast<const bool*>(p));
#define TG_CASE(cpp, name, py)                                                          \
  case ScalarType::name:                                                                \
    if constexpr (std::is_integral_v<cpp>) return Scalar(int64_t(*static_cast<const cpp*>(p))); \
    else return Scalar(double(*static_cast<const cpp*>(p)));
    TG_CASE(uint8_t, UInt8, u) TG_CASE(int8_t, Int8, i) TG_CASE(int16_t, Int16, i)
    TG_CASE(int32_t, Int32, i) TG_CASE(int64_t, Int64, i) TG_CASE(Half, Float16, f)
    TG_CASE(BFloat16, BFloat16, f) TG_CASE(float, Float32, f) TG_CASE(double, Float64, f)
#undef TG_CASE
    default: TG_ERROR("[item] unknown dtype");
  }
}

void resize_out(Tensor& out, IntArrayRef sizes, const char* op) {
  if (out.sizes().equals(sizes)) return;
  int64_t n = checked_numel(sizes, op);
  auto strides = contiguous_strides(sizes);
  size_t needed = size_t(n) * out.element_size() + size_t(out.storage_offset()) * out.element_size();
  if (needed > out.storage()->nbytes()) {
    // Grow: a fresh storage. Other views of the old memory keep it (PyTorch does the same).
    out.impl()->set_storage(Storage::make(size_t(n) * out.element_size(), out.device()));
    out.impl()->set_sizes_and_strides(sizes, strides, 0);
  } else {
    out.impl()->set_sizes_and_strides(sizes, strides, out.storage_offset());
  }
}

}  // namespace tg
