#pragma once
// The device-to-device copy with dtype conversion (aten/native/cuda/Copy.cu), used by the CUDA
// runtime's copy_ and by fill.
#include "aten/iter/TensorIterator.h"

namespace tg::native::cuda {
void copy_kernel(const TensorIterator& iter);
}  // namespace tg::native::cuda
