#pragma once
// The host-side setup of softmax / log_softmax, shared by the CPU kernel
// (aten/native/cpu/SoftmaxKernel.cpp) and the CUDA one (aten/native/cuda/Softmax.cu): both
// normalize self viewed as [outer, n, inner] around dim, reading a contiguous input in out's
// dtype and writing a contiguous result.
#include "aten/core/Tensor.h"

namespace tg::native {

struct SoftmaxPlan {
  Tensor in;   // self, contiguous and in out's dtype (self itself when it already is)
  Tensor res;  // where the kernel writes: out when contiguous, else a contiguous temporary
  int64_t outer = 1, n = 1, inner = 1;  // self as [outer, n, inner]; a 0-d self is [1, 1, 1]
  bool empty() const { return outer == 0 || n == 0 || inner == 0; }
  // Copies res into out when the kernel wrote a temporary.
  void finish(const Tensor& out, const char* op) const;
};

SoftmaxPlan softmax_plan(const Tensor& self, int64_t dim, const Tensor& out, const char* op);

// The backward ops (_softmax_backward_data, _log_softmax_backward_data): the plan of output, and
// grad_output contiguous in out's dtype.
struct SoftmaxBackwardPlan : SoftmaxPlan {
  Tensor grad;
};
SoftmaxBackwardPlan softmax_backward_plan(const Tensor& grad_output, const Tensor& output, int64_t dim,
                                          const Tensor& out, const char* op);

// softmax / log_softmax of self along dim into out: kernel(plan) normalizes plan.in into
// plan.res (called only when there is something to normalize), then out receives the result.
template <typename Kernel>
void run_softmax(const Tensor& self, int64_t dim, const Tensor& out, const char* op, const Kernel& kernel) {
  const SoftmaxPlan p = softmax_plan(self, dim, out, op);
  if (!p.empty()) kernel(p);
  p.finish(out, op);
}

}  // namespace tg::native
