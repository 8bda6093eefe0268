// Backward helper ops (native_functions.yaml, "backward helpers"): the gradients of view ops that
// pick part of their input. Each scatters grad_output into zeros of the input's shape through the
// same view, below autograd; their own derivatives (derivatives.yaml) make double backward work.
#include "aten/native/Copy.h"
#include "kernels/select_backward.h"
#include "kernels/slice_backward.h"
#include "ops/select.h"
#include "ops/slice.h"
#include "ops/zeros.h"

namespace tg::native {

namespace {
void scatter_into(const Tensor& view, const Tensor& grad_output, const char* op) {
  TG_CHECK(view.sizes().equals(grad_output.sizes()), "[", op, "] grad_output of shape ", grad_output.sizes(),
           " does not match the shape ", view.sizes(), " of the view it is the gradient of");
  copy_into(view, grad_output, op);
}
}  // namespace

Tensor select_backward(const Tensor& grad_output, IntArrayRef input_sizes, int64_t dim, int64_t index) {
  Tensor grad_input = tg::zeros(input_sizes, grad_output.dtype(), grad_output.device());
  scatter_into(tg::select(grad_input, dim, index), grad_output, "select_backward");
  return grad_input;
}

Tensor slice_backward(const Tensor& grad_output, IntArrayRef input_sizes, int64_t dim, std::optional<int64_t> start,
                      std::optional<int64_t> end, int64_t step) {
  Tensor grad_input = tg::zeros(input_sizes, grad_output.dtype(), grad_output.device());
  scatter_into(tg::slice(grad_input, dim, start, end, step), grad_output, "slice_backward");
  return grad_input;
}

}  // namespace tg::native
