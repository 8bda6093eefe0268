#include "aten/core/TensorImpl.h"

#include "aten/core/Error.h"

namespace tg {

TensorImpl::TensorImpl(Storage storage, ScalarType dtype, IntArrayRef sizes, IntArrayRef strides, int64_t offset)
    : storage_(std::move(storage)), sizes_(sizes), strides_(strides), offset_(offset), dtype_(dtype) {
  refresh();
}

void TensorImpl::set_sizes_and_strides(IntArrayRef sizes, IntArrayRef strides, int64_t offset) {
  sizes_ = DimVector(sizes);
  strides_ = DimVector(strides);
  offset_ = offset;
  refresh();
}

void TensorImpl::refresh() {
  numel_ = 1;
  for (auto s : sizes_) numel_ *= s;
  // Contiguous means row-major with dims of size 1 ignored, as in PyTorch.
  is_contiguous_ = true;
  if (numel_ == 0) return;
  int64_t expected = 1;
  for (int64_t d = dim() - 1; d >= 0; --d) {
    if (sizes_[d] == 1) continue;
    if (strides_[d] != expected) { is_contiguous_ = false; return; }
    expected *= sizes_[d];
  }
}

}  // namespace tg
