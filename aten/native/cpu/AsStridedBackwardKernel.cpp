// as_strided_backward: scatter-add grad_output into a flat buffer at the storage positions of the
// (size, stride, storage_offset) view, then gather the buffer through the input's geometry.
// Positions the view covers several times (overlapping strides) accumulate, as they must.
#include "aten/vec/isa.h"
#include <algorithm>
#include <vector>

#include "aten/dispatch/DtypeDispatch.h"
#include "aten/native/Copy.h"
#include "kernels/as_strided_backward.h"

namespace tg::native::CPU_CAPABILITY {

namespace {
// Calls f(position, linear index) for every element of a (sizes, strides, offset) geometry.
template <typename F>
void for_each_position(IntArrayRef sizes, IntArrayRef strides, int64_t offset, F f) {
  int64_t n = 1;
  for (auto s : sizes) n *= s;
  if (n == 0) return;
  DimVector idx(sizes.size(), 0);
  int64_t pos = offset;
  for (int64_t i = 0; i < n; ++i) {
    f(pos, i);
    for (int64_t d = int64_t(sizes.size()) - 1; d >= 0; --d) {
      if (++idx[d] < sizes[d]) {
        pos += strides[d];
        break;
      }
      pos -= (sizes[d] - 1) * strides[d];
      idx[d] = 0;
    }
  }
}

int64_t extent(IntArrayRef sizes, IntArrayRef strides, int64_t offset, const char* op) {
  TG_CHECK(sizes.size() == strides.size(), "[", op, "] sizes ", sizes, " and strides ", strides,
           " differ in length");
  int64_t last = offset;
  for (size_t d = 0; d < sizes.size(); ++d) {
    TG_CHECK(sizes[d] >= 0 && strides[d] >= 0, "[", op, "] negative size or stride: ", sizes, ", ", strides);
    if (sizes[d] == 0) return 0;
    last += (sizes[d] - 1) * strides[d];
  }
  return last + 1;
}
}  // namespace

Tensor as_strided_backward_cpu(const Tensor& grad_output, IntArrayRef input_sizes, IntArrayRef input_strides,
                               int64_t input_offset, IntArrayRef size, IntArrayRef stride,
                               std::optional<int64_t> storage_offset) {
  const char* op = "as_strided_backward";
  const int64_t out_offset = storage_offset.value_or(input_offset);
  TG_CHECK(input_offset >= 0 && out_offset >= 0, "[", op, "] negative storage offset");
  TG_CHECK(grad_output.sizes().equals(size), "[", op, "] grad_output of shape ", grad_output.sizes(),
           " does not match the view's shape ", size);
  int64_t buffer_size = std::max(extent(input_sizes, input_strides, input_offset, op), extent(size, stride, out_offset, op));
  Tensor grad = grad_output.is_contiguous() ? grad_output : to_dtype(grad_output, grad_output.dtype());
  Tensor result = empty_tensor(input_sizes, grad.dtype(), grad.device(), op);
  dispatch_floating(grad.dtype(), op, [&]<typename T>() {
    using Acc = opmath_t<T>;
    std::vector<Acc> buffer(static_cast<size_t>(buffer_size), Acc(0));
    const T* g = grad.data<T>();
    for_each_position(size, stride, out_offset, [&](int64_t pos, int64_t i) { buffer[size_t(pos)] += Acc(g[i]); });
    T* r = result.data<T>();
    for_each_position(input_sizes, input_strides, input_offset, [&](int64_t pos, int64_t i) { r[i] = T(buffer[size_t(pos)]); });
  });
  return result;
}

}  // namespace tg::native::CPU_CAPABILITY
