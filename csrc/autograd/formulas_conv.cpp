#include "csrc/autograd/formulas_conv.h"

#include "ops/bmm.h"
#include "ops/col2im.h"
#include "ops/expand.h"
#include "ops/im2col.h"
#include "ops/reshape.h"
#include "ops/sum.h"
#include "ops/transpose.h"
#include "ops/unsqueeze.h"

namespace tg::autograd {

// Shapes: self (N, C, H, W), weight (G, O/G, K) with K = C/G kh kw, grad (N, O, L).

Tensor conv2d_im2col_mm_backward_input(const Tensor& grad, const Tensor& weight, IntArrayRef self_sizes,
                                       IntArrayRef kernel_size, IntArrayRef dilation, IntArrayRef padding,
                                       IntArrayRef stride) {
  const int64_t n = self_sizes[0], groups = weight.size(0), og = weight.size(1), kg = weight.size(2);
  const int64_t L = grad.size(2);
  // W[g]^T broadcast over the batch (stride 0, no copy), against grad viewed per group.
  const Tensor wt = tg::reshape(tg::expand(tg::unsqueeze(tg::transpose(weight, 1, 2), 0), {n, groups, kg, og}),
                                {n * groups, kg, og});
  const Tensor cols = tg::bmm(wt, tg::reshape(grad, {n * groups, og, L}));  // (N G, K, L)
  return tg::col2im(tg::reshape(cols, {n, groups * kg, L}), {self_sizes[2], self_sizes[3]}, kernel_size, dilation,
                    padding, stride);
}

Tensor conv2d_im2col_mm_backward_weight(const Tensor& grad, const Tensor& self, IntArrayRef weight_sizes,
                                        IntArrayRef kernel_size, IntArrayRef dilation, IntArrayRef padding,
                                        IntArrayRef stride) {
  const int64_t n = self.size(0), groups = weight_sizes[0], og = weight_sizes[1], kg = weight_sizes[2];
  const int64_t L = grad.size(2);
  const Tensor cols = tg::reshape(tg::im2col(self, kernel_size, dilation, padding, stride), {n * groups, kg, L});
  // cols @ grad^T, the transposed product: its GEMM transposes the small grad while packing B
  // rather than the columns, kh kw times larger (grad @ cols^T took 1.4x as long).
  const Tensor per_image = tg::bmm(cols, tg::transpose(tg::reshape(grad, {n * groups, og, L}), 1, 2));  // (N G, K, O/G)
  return tg::transpose(tg::sum(tg::reshape(per_image, {n, groups, kg, og}), IntArrayRef{0}), 1, 2);
}

}  // namespace tg::autograd
