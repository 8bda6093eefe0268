#pragma once
// The fused backward kernels of batch_norm, layer_norm and group_norm (_batch_norm_backward_kernel,
// _layer_norm_backward_kernel, _group_norm_backward_kernel): the argument checks and layouts
// shared by the CPU kernel (cpu/NormBackwardKernel.cpp) and the CUDA kernel (cuda/NormBackward.cu).
//
// The composites native_{batch,layer,group}_norm_backward (NormLoss.cpp) call these when no graph
// of the gradient is wanted (grad mode off), and otherwise recompute the gradient with
// differentiable ops (double backward). `which` selects the gradient as there: 0 input,
// 1 weight, 2 bias, 3 weight and bias stacked along a new first dim ([2, *weight's shape]; one
// pass over dy and x where the separate calls took two). With dy the incoming gradient, xc = x - mean, xhat = xc * rstd, w the weight
// (1 without one) and M the count each statistic is over:
//   grad_bias   = sum dy                       (per channel / per normalized element)
//   grad_weight = sum dy * xhat
//   grad_input  = w rstd (dy - sum(dy) / M - xc rstd^2 sum(dy xc) / M)   (statistics of the batch)
//               = w rstd dy                                              (eval batch norm)
// For layer norm the two row sums are of g = dy * w (the weight varies along the row); group norm
// is layer norm per (sample, group) row with the channel's weight: its row sums add up the
// channels' plane sums sum(dy) and sum(dy xc) times w[c], and grad_weight[c] = sum over the
// samples of rstd * sum(dy xc) of the plane.
#include "aten/core/Tensor.h"

namespace tg::native {

struct NormBackwardPlan {
  Tensor dy, x;          // contiguous, in the input's dtype
  Tensor mean, rstd;     // contiguous, in the accumulation dtype: [C] (batch norm), [rows] (layer norm), [N G]
  Tensor weight;         // contiguous [C] / [n] in the accumulation dtype, or undefined
  ScalarType acc = ScalarType::Float32;
  ScalarType param_dtype = ScalarType::Float32;  // of grad_weight / grad_bias: the weight's, else grad_out's
  // batch norm: input as [N, C, HW]; layer norm: [rows, n] (N = rows, C = 1, HW = n would also
  // fit, but the names below read better per op).
  int64_t N = 0, C = 0, HW = 1;
  int64_t rows = 0, n = 0;
  int64_t G = 1;  // group norm's groups: mean/rstd are [N, G]
};

NormBackwardPlan batch_norm_backward_plan(const Tensor& grad_out, const Tensor& input, const Tensor& save_mean,
                                          const Tensor& save_rstd, const std::optional<Tensor>& weight,
                                          int64_t which);

NormBackwardPlan layer_norm_backward_plan(const Tensor& grad_out, const Tensor& input, IntArrayRef normalized_shape,
                                          const Tensor& mean, const Tensor& rstd,
                                          const std::optional<Tensor>& weight, int64_t which);

NormBackwardPlan group_norm_backward_plan(const Tensor& grad_out, const Tensor& input, const Tensor& mean,
                                          const Tensor& rstd, const std::optional<Tensor>& weight, int64_t num_groups,
                                          int64_t which);

}  // namespace tg::native
