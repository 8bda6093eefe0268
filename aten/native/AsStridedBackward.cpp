#include "aten/native/AsStridedBackward.h"

#include <algorithm>
#include <utility>

#include "aten/native/Copy.h"

namespace tg::native {

namespace {
// One past the last storage position a (sizes, strides, offset) geometry touches (0 when it is
// empty), after checking the geometry.
int64_t extent(IntArrayRef sizes, IntArrayRef strides, int64_t offset, const char* op) {
  TG_CHECK(sizes.size() == strides.size(), "[", op, "] sizes ", sizes, " and strides ", strides,
           " differ in length");
  for (size_t d = 0; d < sizes.size(); ++d)
    TG_CHECK(sizes[d] >= 0 && strides[d] >= 0, "[", op, "] negative size or stride: ", sizes, ", ", strides);
  int64_t last = offset;
  for (size_t d = 0; d < sizes.size(); ++d) {
    if (sizes[d] == 0) return 0;
    last += (sizes[d] - 1) * strides[d];
  }
  return last + 1;
}
}  // namespace

AsStridedBackwardPlan as_strided_backward_plan(const Tensor& grad_output, IntArrayRef input_sizes,
                                                IntArrayRef input_strides, int64_t input_offset, IntArrayRef size,
                                                IntArrayRef stride, std::optional<int64_t> storage_offset) {
  const char* op = AsStridedBackwardPlan::op;
  const int64_t out_offset = storage_offset.value_or(input_offset);
  TG_CHECK(input_offset >= 0 && out_offset >= 0, "[", op, "] negative storage offset");
  TG_CHECK(grad_output.sizes().equals(size), "[", op, "] grad_output of shape ", grad_output.sizes(),
           " does not match the view's shape ", size);
  const int64_t buffer_size =
      std::max(extent(input_sizes, input_strides, input_offset, op), extent(size, stride, out_offset, op));
  Tensor grad = grad_output.is_contiguous() ? grad_output : to_dtype(grad_output, grad_output.dtype());
  Tensor result = empty_tensor(input_sizes, grad.dtype(), grad.device(), op);
  return {out_offset, buffer_size, std::move(grad), std::move(result)};
}

}  // namespace tg::native
