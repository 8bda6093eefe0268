#pragma once
// The host side of the element-wise losses (mse_loss, l1_loss, smooth_l1_loss, huber_loss,
// binary_cross_entropy, binary_cross_entropy_with_logits, kl_div), shared by the CPU kernels
// (aten/native/cpu/PointwiseLossKernel.cpp) and the CUDA ones (aten/native/cuda/PointwiseLoss.cu):
// argument checks with PyTorch's messages and exception types, and the flat layout the fused
// loss-and-reduction kernels read.
//
// Every forward op takes its tensor operands (self, target, and the optional weights), broadcasts
// them against each other like PyTorch's TensorIterator and promotes them to one floating dtype.
// reduction='none' is a plain pointwise pass over a TensorIterator; 'mean' and 'sum' are one pass
// over flat arrays that adds the loss of each element as it goes, so the unreduced loss is never
// written. The backward ops are pointwise (kind: pointwise, or a TensorIterator over the operands
// that are given where weight / pos_weight are optional) and take the same reduction: 'mean'
// scales by 1 / numel of the broadcast shape. Their derivatives (derivatives.yaml) are written
// with ops, mostly the backward op itself at other arguments, so double backward works. The
// gradients for target of binary_cross_entropy[_with_logits] and kl_div are composites
// (PointwiseLoss.cpp).
#include <vector>

#include "aten/core/Tensor.h"

namespace tg::native {

// The operands of one element-wise loss.
struct PointwiseLossPlan {
  std::vector<Tensor> in;  // the operands as given (pointwise_loss_flatten: contiguous, `shape`, `dtype`)
  DimVector shape;         // the broadcast shape (the unreduced loss's shape)
  ScalarType dtype = ScalarType::Float32;  // the promoted floating dtype (the result's dtype)
  int64_t numel = 0;
  const char* op = "";
};

// Checks reduction (0 none, 1 mean, 2 sum: ValueError otherwise), the devices (one device), the
// dtypes (a floating promoted dtype: NotImplementedError otherwise) and that the shapes broadcast
// (RuntimeError naming the op and both shapes).
PointwiseLossPlan pointwise_loss_plan(const char* op, std::vector<Tensor> inputs, int64_t reduction);
// For the fused reduction: every operand as a contiguous tensor of the broadcast shape in the
// promoted dtype. Operands that already are (the usual case) are used in place; the others are
// copied (a broadcast or strided operand, or one of another dtype).
void pointwise_loss_flatten(PointwiseLossPlan& p);
// The reduced loss as a 0-d tensor of the plan's dtype: sum, or sum / numel for mean (0 / 0 =
// nan for an empty input, like PyTorch).
Tensor pointwise_loss_total(const PointwiseLossPlan& p, double sum, int64_t reduction);
// The backward kernels' scale: 1 / numel for mean, 1 for none and sum (reduction checked).
double pointwise_loss_grad_scale(const char* op, int64_t reduction, int64_t numel);
void check_loss_reduction(const char* op, int64_t reduction);

}  // namespace tg::native
