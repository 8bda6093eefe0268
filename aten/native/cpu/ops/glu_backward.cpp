// glu_backward: with s = sigmoid(b), grad_output s into the first half of the gradient and
// grad_output a s (1 - s) into the second. Two passes of the TensorIterator, one per half (each
// recomputes s, cheaper than storing it): PyTorch's CPU kernel takes three.
#include "aten/native/Copy.h"
#include "aten/native/Glu.h"
#include "aten/native/cpu/FloatMath.h"
#include "kernels/glu_backward.h"

namespace tg::native::CPU_CAPABILITY {

void glu_backward_kernel(const Tensor& grad_output, const Tensor& self, int64_t dim, Tensor& out) {
  if (out.numel() == 0) return;
  if (shares_storage_with_any(out, {&grad_output, &self})) {  // out= overlapping an input
    Tensor result = empty_tensor(out.sizes(), out.dtype(), out.device(), "glu_backward");
    glu_backward_kernel(grad_output, self, dim, result);
    copy_into(out, result, "glu_backward");
    return;
  }
  const auto [a, b] = glu_halves(self, dim);
  const auto [grad_a, grad_b] = glu_halves(out, dim);
  dispatch_floating(self.dtype(), "glu_backward", [&]<typename T>() {
    TensorIterator second(IterConfig{"glu_backward", Promotion::None}, grad_b, {grad_output, a, b});
    cpu_kernel_vec<T>(second, [](auto g, auto x, auto y) {
      using V = decltype(g);
      const V s = vec::sigmoid(y);
      return g * x * s * (V(1) - s);
    }, kMathGrainSize);
    TensorIterator first(IterConfig{"glu_backward", Promotion::None}, grad_a, {grad_output, b});
    cpu_kernel_vec<T>(first, [](auto g, auto y) { return g * vec::sigmoid(y); }, kMathGrainSize);
  });
}

}  // namespace tg::native::CPU_CAPABILITY
