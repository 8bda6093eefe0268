#pragma once
// The host-side argument checks and buffer size of as_strided_backward, shared by the CPU kernel
// (aten/native/cpu/AsStridedBackwardKernel.cpp) and the CUDA one (aten/native/cuda/AsStridedBackward.cu).
#include <optional>

#include "aten/core/Tensor.h"

namespace tg::native {

struct AsStridedBackwardPlan {
  static constexpr const char* op = "as_strided_backward";
  int64_t out_offset;   // the view's storage offset (storage_offset, or input_offset when absent)
  int64_t buffer_size;  // storage positions either geometry touches: [0, buffer_size)
  Tensor grad;          // grad_output, contiguous
  Tensor result;        // new, uninitialized: input_sizes, grad's dtype and device
};

// Checks that the offsets are non-negative, grad_output has the view's shape, and both
// (sizes, strides) pairs have equal lengths and no negative entry; allocates the result.
AsStridedBackwardPlan as_strided_backward_plan(const Tensor& grad_output, IntArrayRef input_sizes,
                                                IntArrayRef input_strides, int64_t input_offset, IntArrayRef size,
                                                IntArrayRef stride, std::optional<int64_t> storage_offset);

}  // namespace tg::native
