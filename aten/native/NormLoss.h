#pragma once
// The host side of the fused normalization and classification-loss kernels, shared by the CPU
// kernels (aten/native/cpu/NormLossKernel.cpp) and the CUDA ones (aten/native/cuda/NormLoss.cu):
// argument checks with PyTorch's messages and exception types, the layout every kernel works on
// (rows of a contiguous tensor), and the device-independent steps around the kernels (reduction
// of per-row losses, the per-row share of the gradient, putting dims back).
#include <optional>

#include "aten/core/Tensor.h"

namespace tg::native {

// ---------------------------------------------------------------------------- losses

enum LossReduction : int64_t { kReduceNone = 0, kReduceMean = 1, kReduceSum = 2 };

// cross_entropy_loss / nll_loss seen as `rows` rows of C class scores.
struct LossPlan {
  Tensor x;        // self as a contiguous [rows, C] tensor in self's dtype (the class dim last)
  Tensor target;   // class indices: contiguous int64 [rows]; probabilities: contiguous [rows, C], self's dtype
  Tensor weight;   // contiguous [C] in the accumulation dtype, or undefined (all ones)
  ScalarType acc = ScalarType::Float32;  // float32, or float64 for float64 inputs
  int64_t rows = 0, C = 0;
  bool probs = false;     // the target holds class probabilities
  bool moved = false;     // self has dims after the class dim: the kernels saw it moved last
  DimVector self_sizes;   // self's shape
  DimVector loss_sizes;   // the unreduced loss: self's shape without the class dim
  const char* op = "";
};

// Checks the arguments (dtypes, shapes, devices, reduction, label_smoothing) and lays them out.
LossPlan loss_plan(const char* op, const Tensor& self, const Tensor& target, const std::optional<Tensor>& weight,
                   int64_t reduction, double label_smoothing, bool allow_probabilities);
// "[op] target index v is out of bounds ...": IndexError, the message both devices use.
[[noreturn]] void loss_target_out_of_bounds(const char* op, int64_t value, int64_t classes, int64_t ignore_index);
// The result from the per-row losses (acc dtype) and, for mean with class indices, the per-row
// weights (0 for ignored rows): none keeps the rows, sum adds them, mean divides by the weights' sum.
Tensor loss_reduce(const LossPlan& p, const Tensor& row_loss, const Tensor& row_weight, int64_t reduction);
// Each row's share of the gradient (acc dtype, [rows]): grad_output per row (none), the same
// value for every row (sum), divided by the total weight (mean).
Tensor loss_row_coef(const LossPlan& p, const Tensor& grad_output, const Tensor& row_weight, int64_t reduction);
// The gradient computed as [rows, C], in self's shape (the class dim back at dim 1).
Tensor loss_grad_finish(const LossPlan& p, const Tensor& grad_rows);

// ---------------------------------------------------------------------------- normalizations

// layer_norm / rms_norm: `rows` rows of `n` elements (the trailing normalized_shape).
struct RowNormPlan {
  Tensor x;              // input, contiguous, input's dtype
  Tensor weight, bias;   // contiguous [n] in the input's dtype, or undefined
  ScalarType acc = ScalarType::Float32;
  int64_t rows = 0, n = 0;
  DimVector stat_sizes;  // mean/rstd: input's leading dims, then 1 for each normalized dim
};
RowNormPlan row_norm_plan(const char* op, const Tensor& input, IntArrayRef normalized_shape,
                          const std::optional<Tensor>& weight, const std::optional<Tensor>& bias);

// group_norm: N * G rows of (C / G) * HW elements; the affine parameters are per channel.
struct GroupNormPlan {
  Tensor x, weight, bias;  // x contiguous; weight/bias contiguous [C] in x's dtype, or undefined
  ScalarType acc = ScalarType::Float32;
  int64_t N = 0, C = 0, HW = 1, G = 1;
};
GroupNormPlan group_norm_plan(const Tensor& input, const std::optional<Tensor>& weight,
                              const std::optional<Tensor>& bias, int64_t num_groups);

// batch_norm: input (N, C, *) as [N, C, HW]; statistics per channel.
struct BatchNormPlan {
  Tensor x, weight, bias;                // as in GroupNormPlan
  Tensor running_mean, running_var;      // contiguous [C] in acc dtype (eval), or undefined
  ScalarType acc = ScalarType::Float32;
  int64_t N = 0, C = 0, HW = 1;
};
BatchNormPlan batch_norm_plan(const Tensor& input, const std::optional<Tensor>& weight,
                              const std::optional<Tensor>& bias, const std::optional<Tensor>& running_mean,
                              const std::optional<Tensor>& running_var, bool training);

// The accumulation dtype of a floating dtype (float for float16/bfloat16/float32).
ScalarType norm_acc_dtype(ScalarType t);
// rms_norm's eps when None: the machine epsilon of the input's dtype (PyTorch).
double rms_norm_default_eps(ScalarType t);

}  // namespace tg::native
