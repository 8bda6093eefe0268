// as_strided_backward: scatter-add grad_output into a flat buffer at the storage positions of the
// (size, stride, storage_offset) view, then gather the buffer through the input's geometry.
// Positions the view covers several times (overlapping strides) accumulate, as they must.
#include "aten/vec/isa.h"
#include <algorithm>
#include <vector>

#include "aten/dispatch/DtypeDispatch.h"
#include "aten/native/AsStridedBackward.h"
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
}  // namespace

Tensor as_strided_backward_cpu(const Tensor& grad_output, IntArrayRef input_sizes, IntArrayRef input_strides,
                               int64_t input_offset, IntArrayRef size, IntArrayRef stride,
                               std::optional<int64_t> storage_offset) {
  const auto plan = as_strided_backward_plan(grad_output, input_sizes, input_strides, input_offset, size, stride, storage_offset);
  const Tensor& grad = plan.grad;
  const Tensor& result = plan.result;
  dispatch_floating(grad.dtype(), plan.op, [&]<typename T>() {
    using Acc = opmath_t<T>;
    std::vector<Acc> buffer(static_cast<size_t>(plan.buffer_size), Acc(0));
    const T* g = grad.data<T>();
    for_each_position(size, stride, plan.out_offset, [&](int64_t pos, int64_t i) { buffer[size_t(pos)] += Acc(g[i]); });
    T* r = result.data<T>();
    for_each_position(input_sizes, input_strides, input_offset, [&](int64_t pos, int64_t i) { r[i] = T(buffer[size_t(pos)]); });
  });
  return result;
}

}  // namespace tg::native::CPU_CAPABILITY
