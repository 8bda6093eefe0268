#pragma once
#include <optional>

#include "aten/core/Tensor.h"

namespace tg::native {
// Replaces one -1 in shape by what numel implies; checks the product matches numel.
DimVector infer_size(IntArrayRef shape, int64_t numel, const char* op);
// Strides that view (sizes, strides) as new_sizes without copying, or nullopt if impossible.
std::optional<DimVector> view_strides(IntArrayRef sizes, IntArrayRef strides, IntArrayRef new_sizes);
}  // namespace tg::native
