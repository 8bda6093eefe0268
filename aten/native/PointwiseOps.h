#pragma once
// Argument checks of addcdiv and lerp, shared by their CPU (aten/native/cpu/PointwiseOpsKernel.cpp)
// and CUDA (aten/native/cuda/PointwiseOps.cu) kernels: PyTorch makes these in its meta functions,
// before any computation. Operand k of the iterator is input k - 1 (operand 0 is the output).
#include "aten/core/Error.h"
#include "aten/iter/TensorIterator.h"

namespace tg::native {

// addcdiv of two integer (or bool) tensors: PyTorch removed the old truncating division and
// raises instead of silently changing results.
inline void check_addcdiv_dtypes(const TensorIterator& iter) {
  TG_CHECK(!(is_integral(iter.original_input_dtype(2), true) && is_integral(iter.original_input_dtype(3), true)),
           "[addcdiv] Integer division with addcdiv is no longer supported, and in a future release addcdiv will "
           "perform a true division of tensor1 and tensor2 (got ", iter.original_input_dtype(2), " and ",
           iter.original_input_dtype(3), "). The historic addcdiv behavior can be implemented as "
           "(input + value * trunc(tensor1 / tensor2)).to(input.dtype) for integer inputs and as "
           "(input + value * tensor1 / tensor2) for float inputs. The future addcdiv behavior is just the latter "
           "implementation: (input + value * tensor1 / tensor2), for all dtypes.");
}

// lerp does not promote: end (and a tensor weight) must have self's dtype.
inline void check_lerp_dtypes(const TensorIterator& iter) {
  const ScalarType self = iter.original_input_dtype(1);
  for (int k = 2; k < iter.ntensors(); ++k) {
    TG_CHECK(iter.original_input_dtype(k) == self, "[lerp] expected dtype ", self, " for `",
             k == 2 ? "end" : "weight", "` but got dtype ", iter.original_input_dtype(k));
  }
}

}  // namespace tg::native
