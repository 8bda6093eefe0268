#pragma once
// Formula helpers for _conv2d_im2col_mm (derivatives.yaml, "convolution and linear"): the
// gradients of out[n, g] = W[g] @ im2col(x[n])[g] written with the unfused ops, so they are
// differentiable again (double backward through im2col / col2im and bmm).
#include "aten/core/Tensor.h"

namespace tg::autograd {
// d/dself: col2im of W[g]^T @ grad[n, g], a (N, C, H, W) image gradient; for stride 1 the same
// as a convolution of grad with the flipped, channel-swapped kernel (no column matrix).
Tensor conv2d_im2col_mm_backward_input(const Tensor& grad, const Tensor& weight, IntArrayRef self_sizes,
                                       IntArrayRef kernel_size, IntArrayRef dilation, IntArrayRef padding,
                                       IntArrayRef stride);
// d/dweight is an op of its own, _conv2d_im2col_mm_weight (fused on the CPU).
}  // namespace tg::autograd
