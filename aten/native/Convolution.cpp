// Linear layers and convolutions (issue 10).
//
// Kernels: im2col (an image's sliding blocks as the columns of a matrix) and col2im (its adjoint,
// summing the columns back into the image), in cpu/ConvolutionKernel.cpp and cuda/Convolution.cu;
// their meta functions are here. Each is the other's derivative, and both are linear, so any
// order of derivative exists.
//
// Composites (autograd from the ops they call, so gradgradcheck holds):
//  - linear: one GEMM over all leading dims (addmm with the bias when it is a vector).
//  - bilinear: one GEMM with the weight laid out as (in1, out * in2), then one batched dot.
//  - convolution (and conv1d / conv2d / conv_transpose1d / conv_transpose2d, thin wrappers that
//    only name themselves in errors): PyTorch's convolution(input, weight, bias, stride, padding,
//    dilation, transposed, output_padding, groups) for 1 and 2 spatial dims; 1-d runs as 2-d with
//    a height of 1. Forward: _conv2d_im2col_mm, a GEMM per image and group (weight (G, O/G,
//    C/G kh kw) against the image's columns (C/G kh kw, L)) whose CPU kernel packs the columns
//    straight from the image, bias included; images smaller than kSmallImage positions take
//    _im2col_batch and one GEMM over the whole batch instead. Transposed: the input gradient of
//    the convolution it transposes, _conv2d_im2col_mm_input (col2im(W^T @ x) by definition; the
//    CPU kernel runs it as one stride-1 convolution per stride phase). The backward is the ops'
//    derivatives: _conv2d_im2col_mm, _conv2d_im2col_mm_input and _conv2d_im2col_mm_weight are
//    each other's adjoints, so every order of derivative exists.
#include "aten/native/Convolution.h"

#include <algorithm>
#include <string>
#include <vector>

#include "aten/native/TensorMeta.h"
#include "kernels/bilinear.h"
#include "kernels/col2im.h"
#include "kernels/conv1d.h"
#include "kernels/conv2d.h"
#include "kernels/conv_transpose1d.h"
#include "kernels/conv_transpose2d.h"
#include "kernels/convolution.h"
#include "kernels/im2col.h"
#include "kernels/linear.h"
#include "ops/addmm.h"
#include "ops/bmm.h"
#include "ops/cat.h"
#include "ops/_conv2d_im2col_mm.h"
#include "ops/_conv2d_im2col_mm_input.h"
#include "ops/_im2col_batch.h"
#include "ops/col2im.h"
#include "ops/contiguous.h"
#include "ops/expand.h"
#include "ops/im2col.h"
#include "ops/matmul.h"
#include "ops/mm.h"
#include "ops/narrow.h"
#include "ops/permute.h"
#include "ops/reshape.h"
#include "ops/squeeze.h"
#include "ops/sum.h"
#include "ops/to.h"
#include "ops/t.h"
#include "ops/transpose.h"
#include "ops/unsqueeze.h"
#include "ops/view.h"
#include "ops/zeros.h"

namespace tg::native {

namespace {
std::string pair_str(int64_t a, int64_t b) { return "(" + std::to_string(a) + ", " + std::to_string(b) + ")"; }
}  // namespace

Im2colGeometry im2col_geometry(const char* op, int64_t height, int64_t width, IntArrayRef kernel_size,
                               IntArrayRef dilation, IntArrayRef padding, IntArrayRef stride) {
  // The schema's int[2] makes every list two long (a single int is repeated).
  TG_CHECK(kernel_size.size() == 2 && dilation.size() == 2 && padding.size() == 2 && stride.size() == 2, "[", op,
           "] kernel_size, dilation, padding and stride must have 2 values each, got ", kernel_size, ", ", dilation,
           ", ", padding, " and ", stride);
  TG_CHECK(kernel_size[0] > 0 && kernel_size[1] > 0, "[", op, "] kernel size should be greater than zero, but got ",
           "kernel_height: ", kernel_size[0], " kernel_width: ", kernel_size[1]);
  TG_CHECK(dilation[0] > 0 && dilation[1] > 0, "[", op, "] dilation should be greater than zero, but got ",
           "dilation_height: ", dilation[0], " dilation_width: ", dilation[1]);
  TG_CHECK(padding[0] >= 0 && padding[1] >= 0, "[", op, "] padding should be non-negative, but got pad_height: ",
           padding[0], " pad_width: ", padding[1]);
  TG_CHECK(stride[0] > 0 && stride[1] > 0, "[", op, "] stride should be greater than zero, but got stride_height: ",
           stride[0], " stride_width: ", stride[1]);
  Im2colGeometry g;
  g.height = height;
  g.width = width;
  g.kh = kernel_size[0];
  g.kw = kernel_size[1];
  g.dh = dilation[0];
  g.dw = dilation[1];
  g.ph = padding[0];
  g.pw = padding[1];
  g.sh = stride[0];
  g.sw = stride[1];
  g.out_h = sliding_blocks(height, g.kh, g.dh, g.ph, g.sh);
  g.out_w = sliding_blocks(width, g.kw, g.dw, g.pw, g.sw);
  return g;
}

}  // namespace tg::native

namespace tg::meta {

TensorMeta im2col(const Tensor& self, IntArrayRef kernel_size, IntArrayRef dilation, IntArrayRef padding,
                  IntArrayRef stride) {
  const int64_t d = self.dim();
  bool ok = d == 3 || d == 4;
  for (int64_t i = d - 3; ok && i < d; ++i) ok = self.size(i) > 0;
  TG_CHECK(ok, "[im2col] expected a 3-D (C, H, W) or 4-D (N, C, H, W) input with non-zero C, H and W (N may be 0), "
           "but got a tensor of shape ", self.sizes());
  const auto g = native::im2col_geometry("im2col", self.size(-2), self.size(-1), kernel_size, dilation, padding, stride);
  TG_CHECK(g.out_h >= 1 && g.out_w >= 1, "[im2col] given input with spatial size ",
           native::pair_str(g.height, g.width), ", kernel_size=", kernel_size, ", dilation=", dilation,
           ", padding=", padding, ", stride=", stride, ", the sliding blocks don't fit: the kernel spans ",
           native::pair_str(g.dh * (g.kh - 1) + 1, g.dw * (g.kw - 1) + 1), " but the padded input is ",
           native::pair_str(g.height + 2 * g.ph, g.width + 2 * g.pw));
  DimVector shape;
  if (d == 4) shape.push_back(self.size(0));
  shape.push_back(self.size(-3) * g.kernel_area());
  shape.push_back(g.blocks());
  return TensorMeta{shape, self.dtype(), self.device()};
}

TensorMeta col2im(const Tensor& self, IntArrayRef output_size, IntArrayRef kernel_size, IntArrayRef dilation,
                  IntArrayRef padding, IntArrayRef stride) {
  const int64_t d = self.dim();
  bool ok = d == 2 || d == 3;
  for (int64_t i = d - 2; ok && i < d; ++i) ok = self.size(i) > 0;
  TG_CHECK(ok, "[col2im] expected a 2-D (C kh kw, L) or 3-D (N, C kh kw, L) input with non-zero sizes (N may be 0), "
           "but got a tensor of shape ", self.sizes());
  TG_CHECK(output_size.size() == 2, "[col2im] output_size must have 2 values, got ", output_size);
  TG_CHECK(output_size[0] > 0 && output_size[1] > 0, "[col2im] output_size must be positive, got ", output_size);
  const auto g = native::im2col_geometry("col2im", output_size[0], output_size[1], kernel_size, dilation, padding,
                                         stride);
  const int64_t rows = self.size(-2), cols = self.size(-1);
  TG_CHECK(rows % g.kernel_area() == 0, "[col2im] expected size of input's dimension ", d - 2,
           " to be divisible by the product of kernel_size, but got input.size(", d - 2, ")=", rows,
           " and kernel_size=", kernel_size);
  TG_CHECK(g.out_h >= 1 && g.out_w >= 1 && g.blocks() == cols, "[col2im] given output_size=", output_size,
           ", kernel_size=", kernel_size, ", dilation=", dilation, ", padding=", padding, ", stride=", stride,
           ", expected size of input's dimension ", d - 1, " to match the calculated number of sliding blocks ",
           std::max<int64_t>(g.out_h, 0), " * ", std::max<int64_t>(g.out_w, 0), " = ",
           std::max<int64_t>(g.out_h, 0) * std::max<int64_t>(g.out_w, 0), ", but got input.size(", d - 1, ")=", cols);
  DimVector shape;
  if (d == 3) shape.push_back(self.size(0));
  shape.push_back(rows / g.kernel_area());
  shape.push_back(output_size[0]);
  shape.push_back(output_size[1]);
  return TensorMeta{shape, self.dtype(), self.device()};
}

}  // namespace tg::meta

namespace tg::native {

// ----------------------------------------------------------------------------- batch-layout columns

Im2colBatch im2col_batch_setup(const Tensor& self, IntArrayRef kernel_size, IntArrayRef dilation, IntArrayRef padding,
                               IntArrayRef stride) {
  TG_CHECK(self.dim() == 4, "[_im2col_batch] expected a 4-D (N, C, H, W) input, but got a tensor of shape ",
           self.sizes());
  TG_CHECK_NOT_IMPLEMENTED(is_floating(self.dtype()), "[_im2col_batch] not implemented for '", self.dtype(),
                           "' (floating dtypes only)");
  TG_CHECK(self.size(1) > 0 && self.size(2) > 0 && self.size(3) > 0, "[_im2col_batch] expected non-zero C, H and W ",
           "(N may be 0), but got a tensor of shape ", self.sizes());
  Im2colGeometry g = im2col_geometry("_im2col_batch", self.size(2), self.size(3), kernel_size, dilation, padding,
                                     stride);
  TG_CHECK(g.out_h >= 1 && g.out_w >= 1, "[_im2col_batch] given input with spatial size ",
           pair_str(g.height, g.width), ", kernel_size=", kernel_size, ", dilation=", dilation, ", padding=", padding,
           ", stride=", stride, ", the sliding blocks don't fit");
  g.batch = self.size(0);
  g.channels = self.size(1);
  return {g, empty_tensor({g.rows(), g.batch * g.blocks()}, self.dtype(), self.device(), "_im2col_batch")};
}

Im2colBatch col2im_batch_setup(const Tensor& self, int64_t batch, IntArrayRef output_size, IntArrayRef kernel_size,
                               IntArrayRef dilation, IntArrayRef padding, IntArrayRef stride) {
  const char* op = "_col2im_batch";
  TG_CHECK(self.dim() == 2, "[", op, "] expected a 2-D (C kh kw, N L) input, but got a tensor of shape ",
           self.sizes());
  TG_CHECK_NOT_IMPLEMENTED(is_floating(self.dtype()), "[", op, "] not implemented for '", self.dtype(),
                           "' (floating dtypes only)");
  TG_CHECK(batch >= 0, "[", op, "] batch must be non-negative, got ", batch);
  TG_CHECK(output_size.size() == 2 && output_size[0] > 0 && output_size[1] > 0, "[", op,
           "] output_size must be 2 positive values, got ", output_size);
  Im2colGeometry g = im2col_geometry(op, output_size[0], output_size[1], kernel_size, dilation, padding, stride);
  const int64_t rows = self.size(0), cols = self.size(1);
  TG_CHECK(rows > 0 && rows % g.kernel_area() == 0, "[", op, "] expected the input's ", rows,
           " rows to be a positive multiple of the kernel area ", g.kernel_area(), " (kernel_size=", kernel_size, ")");
  TG_CHECK(g.out_h >= 1 && g.out_w >= 1 && cols == batch * g.blocks(), "[", op, "] given batch=", batch,
           ", output_size=", output_size, ", kernel_size=", kernel_size, ", dilation=", dilation, ", padding=",
           padding, ", stride=", stride, ", expected ", batch, " * ", std::max<int64_t>(g.out_h, 0) *
           std::max<int64_t>(g.out_w, 0), " columns (batch * sliding blocks), but got ", cols);
  g.batch = batch;
  g.channels = rows / g.kernel_area();
  return {g, empty_tensor({g.batch, g.channels, g.height, g.width}, self.dtype(), self.device(), op)};
}

// ----------------------------------------------------------------------------- fused im2col + GEMM

Im2colGeometry conv2d_im2col_mm_geometry(const Tensor& self, const Tensor& weight, const std::optional<Tensor>& bias,
                                         IntArrayRef kernel_size, IntArrayRef dilation, IntArrayRef padding,
                                         IntArrayRef stride) {
  const char* op = "_conv2d_im2col_mm";
  TG_CHECK(self.dim() == 4, "[", op, "] expected a 4-D (N, C, H, W) input, but got a tensor of shape ", self.sizes());
  TG_CHECK_NOT_IMPLEMENTED(is_floating(self.dtype()), "[", op, "] not implemented for '", self.dtype(),
                           "' (floating dtypes only)");
  TG_CHECK(self.size(1) > 0 && self.size(2) > 0 && self.size(3) > 0, "[", op, "] expected non-zero C, H and W ",
           "(N may be 0), but got a tensor of shape ", self.sizes());
  TG_CHECK(weight.dim() == 3 && weight.size(0) > 0 && weight.size(1) > 0, "[", op,
           "] expected a 3-D (G, O/G, C/G kh kw) weight with G, O/G > 0, but got a tensor of shape ", weight.sizes());
  TG_CHECK(weight.dtype() == self.dtype() && weight.device() == self.device(), "[", op,
           "] weight must have the input's dtype and device, but got ", weight.dtype(), " on ", weight.device(),
           " and ", self.dtype(), " on ", self.device());
  Im2colGeometry g = im2col_geometry(op, self.size(2), self.size(3), kernel_size, dilation, padding, stride);
  TG_CHECK(g.out_h >= 1 && g.out_w >= 1, "[", op, "] given input with spatial size ", pair_str(g.height, g.width),
           ", kernel_size=", kernel_size, ", dilation=", dilation, ", padding=", padding, ", stride=", stride,
           ", the sliding blocks don't fit");
  const int64_t groups = weight.size(0);
  TG_CHECK(self.size(1) % groups == 0 && weight.size(2) == self.size(1) / groups * g.kernel_area(), "[", op,
           "] a weight of shape ", weight.sizes(), " (", groups, " groups) needs ", weight.size(2),
           " = C/G kh kw, but the input has C = ", self.size(1), " and the kernel is ", pair_str(g.kh, g.kw));
  if (bias) {
    const int64_t out_channels = groups * weight.size(1);
    TG_CHECK(bias->dim() == 1 && bias->size(0) == out_channels, "[", op, "] expected a bias of shape [",
             out_channels, "], but got ", bias->sizes());
    TG_CHECK(bias->dtype() == self.dtype() && bias->device() == self.device(), "[", op,
             "] bias must have the input's dtype and device, but got ", bias->dtype(), " on ", bias->device());
  }
  g.batch = self.size(0);
  g.channels = self.size(1);
  return g;
}

Tensor conv2d_im2col_mm_unfused(const Tensor& self, const Tensor& weight, const std::optional<Tensor>& bias,
                                IntArrayRef kernel_size, IntArrayRef dilation, IntArrayRef padding,
                                IntArrayRef stride) {
  const Im2colGeometry g = conv2d_im2col_mm_geometry(self, weight, bias, kernel_size, dilation, padding, stride);
  const int64_t n = g.batch, groups = weight.size(0), og = weight.size(1), kg = weight.size(2), L = g.blocks();
  const Tensor cols = tg::reshape(tg::im2col(self, kernel_size, dilation, padding, stride), {n * groups, kg, L});
  const Tensor wb = tg::reshape(tg::expand(tg::unsqueeze(weight, 0), {n, groups, og, kg}), {n * groups, og, kg});
  Tensor out = tg::reshape(tg::bmm(wb, cols), {n, groups * og, L});
  return bias ? out + tg::view(*bias, {1, groups * og, 1}) : out;
}

Im2colGeometry conv2d_im2col_mm_input_geometry(const Tensor& grad_output, const Tensor& weight,
                                               const std::optional<Tensor>& bias, IntArrayRef self_size,
                                               IntArrayRef kernel_size, IntArrayRef dilation, IntArrayRef padding,
                                               IntArrayRef stride) {
  const char* op = "_conv2d_im2col_mm_input";
  TG_CHECK(self_size.size() == 4 && self_size[0] >= 0 && self_size[1] > 0 && self_size[2] > 0 && self_size[3] > 0,
           "[", op, "] expected a self_size (N, C, H, W) with N >= 0 and positive C, H and W, but got ", self_size);
  TG_CHECK_NOT_IMPLEMENTED(is_floating(grad_output.dtype()), "[", op, "] not implemented for '", grad_output.dtype(),
                           "' (floating dtypes only)");
  TG_CHECK(weight.dim() == 3 && weight.size(0) > 0 && weight.size(1) > 0, "[", op,
           "] expected a 3-D (G, O/G, C/G kh kw) weight with G, O/G > 0, but got a tensor of shape ", weight.sizes());
  TG_CHECK(weight.dtype() == grad_output.dtype() && weight.device() == grad_output.device(), "[", op,
           "] weight must have grad_output's dtype and device, but got ", weight.dtype(), " on ", weight.device(),
           " and ", grad_output.dtype(), " on ", grad_output.device());
  Im2colGeometry g = im2col_geometry(op, self_size[2], self_size[3], kernel_size, dilation, padding, stride);
  TG_CHECK(g.out_h >= 1 && g.out_w >= 1, "[", op, "] given self_size ", self_size, ", kernel_size=", kernel_size,
           ", dilation=", dilation, ", padding=", padding, ", stride=", stride, ", the sliding blocks don't fit");
  const int64_t groups = weight.size(0), out_channels = groups * weight.size(1);
  TG_CHECK(self_size[1] % groups == 0 && weight.size(2) == self_size[1] / groups * g.kernel_area(), "[", op,
           "] a weight of shape ", weight.sizes(), " (", groups, " groups) needs ", weight.size(2),
           " = C/G kh kw, but self_size has C = ", self_size[1], " and the kernel is ", pair_str(g.kh, g.kw));
  TG_CHECK(grad_output.dim() == 3 && grad_output.size(0) == self_size[0] && grad_output.size(1) == out_channels &&
               grad_output.size(2) == g.blocks(),
           "[", op, "] expected a grad_output of shape [", self_size[0], ", ", out_channels, ", ", g.blocks(),
           "] (N, O, L), but got ", grad_output.sizes());
  if (bias) {
    TG_CHECK(bias->dim() == 1 && bias->size(0) == self_size[1], "[", op, "] expected a bias of shape [",
             self_size[1], "], but got ", bias->sizes());
    TG_CHECK(bias->dtype() == grad_output.dtype() && bias->device() == grad_output.device(), "[", op,
             "] bias must have grad_output's dtype and device, but got ", bias->dtype(), " on ", bias->device());
  }
  g.batch = self_size[0];
  g.channels = self_size[1];
  return g;
}

Tensor conv2d_im2col_mm_input_unfused(const Tensor& grad_output, const Tensor& weight,
                                      const std::optional<Tensor>& bias, IntArrayRef self_size,
                                      IntArrayRef kernel_size, IntArrayRef dilation, IntArrayRef padding,
                                      IntArrayRef stride) {
  const Im2colGeometry g = conv2d_im2col_mm_input_geometry(grad_output, weight, bias, self_size, kernel_size,
                                                           dilation, padding, stride);
  const int64_t n = g.batch, groups = weight.size(0), og = weight.size(1), kg = weight.size(2), L = g.blocks();
  Tensor out;
  if (n == 0) {
    out = tg::zeros(self_size, grad_output.dtype(), grad_output.device());
  } else {
    // W[g]^T broadcast over the batch (stride 0, no copy), against grad viewed per group.
    const Tensor wt = tg::reshape(tg::expand(tg::unsqueeze(tg::transpose(weight, 1, 2), 0), {n, groups, kg, og}),
                                  {n * groups, kg, og});
    const Tensor cols = tg::bmm(wt, tg::reshape(grad_output, {n * groups, og, L}));  // (N G, C/G kh kw, L)
    out = tg::col2im(tg::reshape(cols, {n, groups * kg, L}), {g.height, g.width}, kernel_size, dilation, padding,
                     stride);
  }
  return bias ? out + tg::view(*bias, {1, g.channels, 1, 1}) : out;
}

Im2colGeometry conv2d_im2col_mm_weight_geometry(const Tensor& grad_output, const Tensor& self, IntArrayRef weight_size,
                                                IntArrayRef kernel_size, IntArrayRef dilation, IntArrayRef padding,
                                                IntArrayRef stride) {
  const char* op = "_conv2d_im2col_mm_weight";
  TG_CHECK(weight_size.size() == 3 && weight_size[0] > 0 && weight_size[1] > 0 && weight_size[2] > 0, "[", op,
           "] expected a weight_size (G, O/G, C/G kh kw) of three positive sizes, but got ", weight_size);
  TG_CHECK(self.dim() == 4, "[", op, "] expected a 4-D (N, C, H, W) input, but got a tensor of shape ", self.sizes());
  TG_CHECK_NOT_IMPLEMENTED(is_floating(self.dtype()), "[", op, "] not implemented for '", self.dtype(),
                           "' (floating dtypes only)");
  TG_CHECK(self.size(1) > 0 && self.size(2) > 0 && self.size(3) > 0, "[", op, "] expected non-zero C, H and W ",
           "(N may be 0), but got a tensor of shape ", self.sizes());
  Im2colGeometry g = im2col_geometry(op, self.size(2), self.size(3), kernel_size, dilation, padding, stride);
  TG_CHECK(g.out_h >= 1 && g.out_w >= 1, "[", op, "] given input with spatial size ", pair_str(g.height, g.width),
           ", kernel_size=", kernel_size, ", dilation=", dilation, ", padding=", padding, ", stride=", stride,
           ", the sliding blocks don't fit");
  const int64_t groups = weight_size[0], out_channels = groups * weight_size[1];
  TG_CHECK(self.size(1) % groups == 0 && weight_size[2] == self.size(1) / groups * g.kernel_area(), "[", op,
           "] a weight_size of ", weight_size, " (", groups, " groups) needs ", weight_size[2],
           " = C/G kh kw, but the input has C = ", self.size(1), " and the kernel is ", pair_str(g.kh, g.kw));
  TG_CHECK(grad_output.dim() == 3 && grad_output.size(0) == self.size(0) && grad_output.size(1) == out_channels &&
               grad_output.size(2) == g.blocks(),
           "[", op, "] expected a grad_output of shape [", self.size(0), ", ", out_channels, ", ", g.blocks(),
           "] (N, O, L), but got ", grad_output.sizes());
  TG_CHECK(grad_output.dtype() == self.dtype() && grad_output.device() == self.device(), "[", op,
           "] grad_output must have the input's dtype and device, but got ", grad_output.dtype(), " on ",
           grad_output.device(), " and ", self.dtype(), " on ", self.device());
  g.batch = self.size(0);
  g.channels = self.size(1);
  return g;
}

Tensor conv2d_im2col_mm_weight_unfused(const Tensor& grad_output, const Tensor& self, IntArrayRef weight_size,
                                       IntArrayRef kernel_size, IntArrayRef dilation, IntArrayRef padding,
                                       IntArrayRef stride) {
  const Im2colGeometry g =
      conv2d_im2col_mm_weight_geometry(grad_output, self, weight_size, kernel_size, dilation, padding, stride);
  const int64_t n = g.batch, groups = weight_size[0], og = weight_size[1], kg = weight_size[2], L = g.blocks();
  if (n == 0) return tg::zeros(weight_size, self.dtype(), self.device());
  // Half inputs: the products and the sum over the batch in float32, rounded once at the end (a
  // half product per image summed in half would round n + 1 times).
  const ScalarType acc = opmath_dtype(self.dtype());
  const Tensor cols =
      tg::reshape(tg::im2col(tg::to(self, acc), kernel_size, dilation, padding, stride), {n * groups, kg, L});
  // cols @ grad^T, the transposed product: its GEMM transposes the small grad while packing B
  // rather than the columns, kh kw times larger.
  const Tensor grad = tg::to(grad_output, acc);
  const Tensor per_image = tg::bmm(cols, tg::transpose(tg::reshape(grad, {n * groups, og, L}), 1, 2));
  const Tensor summed = tg::sum(tg::reshape(per_image, {n, groups, kg, og}), IntArrayRef{0});
  return tg::contiguous(tg::transpose(tg::to(summed, self.dtype()), 1, 2));
}

// ----------------------------------------------------------------------------- linear, bilinear

Tensor linear(const Tensor& input, const Tensor& weight, const std::optional<Tensor>& bias) {
  TG_CHECK(weight.dim() == 1 || weight.dim() == 2, "[linear] weight must be 1-D or 2-D, but got a ", weight.dim(),
           "-D tensor of shape ", weight.sizes());
  TG_CHECK(input.dim() >= 1, "[linear] input must have at least 1 dimension, but got a 0-d tensor");
  TG_CHECK(input.dtype() == weight.dtype(), "[linear] input and weight must have the same dtype, but got ",
           input.dtype(), " and ", weight.dtype());
  if (bias)
    TG_CHECK(bias->dtype() == input.dtype(), "[linear] bias must have the dtype of input, but got ", bias->dtype(),
             " and ", input.dtype());
  const int64_t in = input.size(-1);
  int64_t rows = input.numel() / std::max<int64_t>(in, 1);
  TG_CHECK(in == weight.size(-1), "[linear] input and weight shapes cannot be multiplied (", rows, "x", in, " and ",
           weight.size(-1), "x", weight.dim() == 2 ? weight.size(0) : 1, ")");
  if (weight.dim() == 1) {  // PyTorch: a vector weight gives one output per row, without the last dim
    Tensor r = tg::matmul(input, weight);
    return bias ? r + *bias : r;
  }
  // Fold every leading dim into the rows of one GEMM (a reshape is a view for contiguous input).
  const int64_t out_features = weight.size(0);
  DimVector out_shape(IntArrayRef(input.sizes().data(), size_t(input.dim() - 1)));
  out_shape.push_back(out_features);
  if (input.dim() >= 2) {
    rows = 1;
    for (int64_t d = 0; d + 1 < input.dim(); ++d) rows *= input.size(d);
  }
  if (bias && bias->dim() == 1)
    TG_CHECK(bias->size(0) == out_features || bias->size(0) == 1, "[linear] bias of shape ", bias->sizes(),
             " can't be added to the output's last dim of ", out_features, " (weight of shape ", weight.sizes(), ")");
  const Tensor x = tg::reshape(input, {input.dim() >= 2 ? rows : 1, in});
  Tensor r;
  if (bias && bias->dim() <= 1)
    r = tg::addmm(*bias, x, tg::t(weight));  // bias added by the GEMM's epilogue, not another pass
  else
    r = tg::mm(x, tg::t(weight));
  r = tg::reshape(r, out_shape);
  return bias && bias->dim() > 1 ? r + *bias : r;
}

Tensor bilinear(const Tensor& input1, const Tensor& input2, const Tensor& weight, const std::optional<Tensor>& bias) {
  TG_CHECK(input1.dim() == input2.dim(), "[bilinear] input dimensions do not match: got ", input1.dim(), " and ",
           input2.dim());
  TG_CHECK(input1.dim() >= 1, "[bilinear] inputs must have at least 1 dimension, but got 0-d tensors");
  for (int64_t d = 0; d + 1 < input1.dim(); ++d)
    TG_CHECK(input1.size(d) == input2.size(d), "[bilinear] input batch dimensions do not match: got ",
             input1.sizes(), " and ", input2.sizes());
  TG_CHECK(weight.dim() == 3, "[bilinear] weight must be 3-D (out, in1, in2), but got shape ", weight.sizes());
  TG_CHECK(input1.size(-1) == weight.size(1), "[bilinear] input1 size does not match weight size: got ",
           input1.size(-1), " but expected ", weight.size(1));
  TG_CHECK(input2.size(-1) == weight.size(2), "[bilinear] input2 size does not match weight size: got ",
           input2.size(-1), " but expected ", weight.size(2));
  TG_CHECK(input1.dtype() == weight.dtype() && input2.dtype() == weight.dtype(),
           "[bilinear] input1, input2 and weight must have the same dtype, but got ", input1.dtype(), ", ",
           input2.dtype(), " and ", weight.dtype());
  const int64_t out = weight.size(0), in1 = weight.size(1), in2 = weight.size(2);
  if (bias) {
    TG_CHECK(bias->dim() == 1 && bias->size(0) == out, "[bilinear] bias size does not match weight size: got ",
             bias->sizes(), " but expected [", out, "]");
    TG_CHECK(bias->dtype() == weight.dtype(), "[bilinear] bias must have the dtype of weight, but got ", bias->dtype(),
             " and ", weight.dtype());
  }
  int64_t rows = 1;
  for (int64_t d = 0; d + 1 < input1.dim(); ++d) rows *= input1.size(d);
  // y[r, o] = sum_ij x1[r, i] W[o, i, j] x2[r, j]: t = x1 @ W' with W' = W as (in1, out * in2),
  // then y[r, o] = sum_j t[r, o, j] x2[r, j] as one batched matrix-vector product.
  const Tensor w = tg::reshape(tg::permute(weight, {1, 0, 2}), {in1, out * in2});
  const Tensor t = tg::reshape(tg::mm(tg::reshape(input1, {rows, in1}), w), {rows, out, in2});
  Tensor y = tg::bmm(t, tg::reshape(input2, {rows, in2, 1}));
  DimVector shape(IntArrayRef(input1.sizes().data(), size_t(input1.dim() - 1)));
  shape.push_back(out);
  y = tg::reshape(y, shape);
  return bias ? y + *bias : y;
}

// ----------------------------------------------------------------------------- convolution

namespace {

// Output positions per image below which the forward convolution runs one GEMM over the whole
// batch instead of one per image (see conv_impl).
constexpr int64_t kSmallImage = 256;

// One of PyTorch's per-dim arguments: a single value for every spatial dim, or one per dim.
DimVector per_dim(const char* op, const char* name, IntArrayRef v, int64_t nd) {
  TG_CHECK(v.size() == 1 || int64_t(v.size()) == nd, "[", op, "] expected ", name,
           " to be a single integer value or a list of ", nd, " values to match the convolution dimensions, but got ",
           name, "=", v);
  DimVector r;
  for (int64_t i = 0; i < nd; ++i) r.push_back(v.size() == 1 ? v[0] : v[size_t(i)]);
  return r;
}

std::string dims_str(IntArrayRef v) {  // "(3 x 3)", PyTorch's spelling in the kernel-size error
  std::string s = "(";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? " x " : "") + std::to_string(v[i]);
  return s + ")";
}

Tensor conv_impl(const char* op, int64_t nd, const Tensor& input, const Tensor& weight,
                 const std::optional<Tensor>& bias, IntArrayRef stride_, IntArrayRef padding_, IntArrayRef dilation_,
                 bool transposed, IntArrayRef output_padding_, int64_t groups) {
  if (nd == 0) {  // the generic `convolution`: the dims come from the weight
    TG_CHECK(weight.dim() >= 3, "[", op, "] weight must have at least 3 dims (out, in / groups, kernel...), but got ",
             "shape ", weight.sizes());
    nd = weight.dim() - 2;
  }
  TG_CHECK_NOT_IMPLEMENTED(nd == 1 || nd == 2, "[", op, "] only 1-d and 2-d convolutions are supported, but the ",
                           "weight of shape ", weight.sizes(), " has ", nd, " spatial dims");
  TG_CHECK(weight.dim() == nd + 2, "[", op, "] expected a ", nd + 2, "-D weight (", transposed ? "in, out / groups" :
           "out, in / groups", ", kernel size), but got weight of size ", weight.sizes());
  TG_CHECK(input.dim() == nd + 1 || input.dim() == nd + 2, "[", op, "] expected ", nd + 1, "D (unbatched) or ",
           nd + 2, "D (batched) input, but got input of size: ", input.sizes());
  TG_CHECK_NOT_IMPLEMENTED(is_floating(input.dtype()), "[", op, "] not implemented for '", input.dtype(),
                           "' (floating dtypes only)");
  TG_CHECK(input.dtype() == weight.dtype(), "[", op, "] input type (", input.dtype(), ") and weight type (",
           weight.dtype(), ") should be the same");
  TG_CHECK(input.device() == weight.device(), "[", op, "] input and weight must be on the same device, but got ",
           input.device(), " and ", weight.device());
  const DimVector stride = per_dim(op, "stride", stride_, nd), padding = per_dim(op, "padding", padding_, nd),
                  dilation = per_dim(op, "dilation", dilation_, nd),
                  output_padding = per_dim(op, "output_padding", output_padding_, nd);
  for (int64_t i = 0; i < nd; ++i) {
    TG_CHECK(stride[i] > 0, "[", op, "] non-positive stride is not supported, got stride=", IntArrayRef(stride));
    TG_CHECK(padding[i] >= 0, "[", op, "] negative padding is not supported, got padding=", IntArrayRef(padding));
    TG_CHECK(dilation[i] > 0, "[", op, "] dilation should be greater than zero, got dilation=",
             IntArrayRef(dilation));
    TG_CHECK(output_padding[i] >= 0, "[", op, "] negative output_padding is not supported, got output_padding=",
             IntArrayRef(output_padding));
    TG_CHECK(transposed || output_padding[i] == 0, "[", op, "] output_padding is only for transposed convolutions, ",
             "got output_padding=", IntArrayRef(output_padding));
    TG_CHECK(!transposed || output_padding[i] < std::max(stride[i], dilation[i]), "[", op,
             "] output padding must be smaller than either stride or dilation, but got output_padding=",
             IntArrayRef(output_padding), ", stride=", IntArrayRef(stride), ", dilation=", IntArrayRef(dilation));
  }
  TG_CHECK(groups > 0, "[", op, "] non-positive groups is not supported, got groups=", groups);

  const bool batched = input.dim() == nd + 2;
  const Tensor x0 = batched ? input : tg::unsqueeze(input, 0);
  const int64_t channels = x0.size(1);
  const int64_t out_channels = transposed ? weight.size(1) * groups : weight.size(0);
  if (!transposed) {
    TG_CHECK(weight.size(0) % groups == 0, "[", op, "] given groups=", groups, ", expected weight to be divisible by ",
             groups, " at dimension 0, but got weight of size ", weight.sizes(), " instead");
    TG_CHECK(channels == weight.size(1) * groups, "[", op, "] given groups=", groups, ", weight of size ",
             weight.sizes(), ", expected input", x0.sizes(), " to have ", weight.size(1) * groups,
             " channels, but got ", channels, " channels instead");
  } else {
    TG_CHECK(channels == weight.size(0), "[", op, "] given transposed=1, weight of size ", weight.sizes(),
             ", expected input", x0.sizes(), " to have ", weight.size(0), " channels, but got ", channels,
             " channels instead");
    TG_CHECK(channels % groups == 0, "[", op, "] given groups=", groups, ", expected the ", channels,
             " input channels (weight dimension 0) to be divisible by ", groups, ", but got weight of size ",
             weight.sizes());
  }
  if (bias) {
    TG_CHECK(bias->dim() == 1 && bias->size(0) == out_channels, "[", op, "] given weight of size ", weight.sizes(),
             ", expected bias to be 1-dimensional with ", out_channels, " elements, but got bias of size ",
             bias->sizes(), " instead");
    TG_CHECK(bias->dtype() == input.dtype(), "[", op, "] input type (", input.dtype(), ") and bias type (",
             bias->dtype(), ") should be the same");
  }
  // Kernel larger than the padded input (PyTorch checks this for the forward convolution only).
  if (!transposed) {
    DimVector padded, kernel;
    bool fits = true;
    for (int64_t i = 0; i < nd; ++i) {
      padded.push_back(x0.size(2 + i) + 2 * padding[i]);
      kernel.push_back(dilation[i] * (weight.size(2 + i) - 1) + 1);
      fits = fits && padded.back() >= kernel.back();
    }
    TG_CHECK(fits, "[", op, "] calculated padded input size per channel: ", dims_str(padded), ". Kernel size: ",
             dims_str(kernel), ". Kernel size can't be greater than actual input size");
  }
  for (int64_t i = 0; i < nd; ++i)
    TG_CHECK(x0.size(2 + i) > 0 && weight.size(2 + i) > 0, "[", op, "] expected non-zero spatial sizes, got input ",
             x0.sizes(), " and weight ", weight.sizes());
  TG_CHECK(channels > 0 && out_channels > 0, "[", op, "] expected non-zero channels, got input ", x0.sizes(),
           " and weight ", weight.sizes());

  // 1-d runs as 2-d over images of height 1.
  Tensor x = nd == 1 ? tg::unsqueeze(x0, 2) : x0;
  const Tensor w = nd == 1 ? tg::unsqueeze(weight, 2) : weight;
  auto two = [&](const DimVector& v, int64_t one) { return nd == 1 ? DimVector{one, v[0]} : v; };
  const DimVector st = two(stride, 1), pad = two(padding, 0), dil = two(dilation, 1), opad = two(output_padding, 0);
  const int64_t n = x.size(0), kh = w.size(2), kw = w.size(3), area = kh * kw, H = x.size(2), W = x.size(3);

  Tensor out;
  bool bias_added = false;
  if (!transposed) {
    const int64_t og = out_channels / groups, kg = (channels / groups) * area;
    const Tensor wg = tg::reshape(w, {groups, og, kg});
    const int64_t oh = sliding_blocks(H, kh, dil[0], pad[0], st[0]), ow = sliding_blocks(W, kw, dil[1], pad[1], st[1]);
    const int64_t L = oh * ow;
    if (L < kSmallImage) {
      // Small images (the digits CNN's 8x8 and 4x4): one GEMM per group over the whole batch,
      // (O/G, C/G kh kw) @ (C/G kh kw, N L). Per-image GEMMs of width L < 256 waste most of the
      // micro-kernel and repack the weight N times. _im2col_batch writes the columns in that
      // layout directly (group g's rows are a contiguous block of it), and its derivative reads
      // the GEMM's gradient in place: no permuting copy either way.
      const Tensor batch_cols = tg::_im2col_batch(x, {kh, kw}, dil, pad, st);  // (C kh kw, N L)
      out = tg::bmm(wg, tg::reshape(batch_cols, {groups, kg, n * L}));          // (G, O/G, N L)
      out = tg::reshape(tg::permute(tg::reshape(out, {groups, og, n, L}), {2, 0, 1, 3}), {n, out_channels, oh, ow});
    } else {
      // One GEMM per image and group, W[g] (O/G, C/G kh kw) @ im2col(x[n])[g] (C/G kh kw, L), with
      // the bias added as each image's output is written: _conv2d_im2col_mm packs the GEMM's
      // panels straight from the image (CPU), so the column matrix is never materialized.
      out = tg::reshape(tg::_conv2d_im2col_mm(x, wg, bias, {kh, kw}, dil, pad, st), {n, out_channels, oh, ow});
      bias_added = true;
    }
  } else {
    const int64_t cg = channels / groups, og = out_channels / groups;
    int64_t osz[2], full[2];
    bool exact = true;
    for (int i = 0; i < 2; ++i) {
      const int64_t in = i == 0 ? H : W, k = i == 0 ? kh : kw;
      full[i] = (in - 1) * st[i] + dil[i] * (k - 1) + 1;  // every position a block touches, before cropping
      osz[i] = full[i] - 2 * pad[i] + opad[i];
      TG_CHECK(osz[i] > 0, "[", op, "] the output size is not positive: input ", x0.sizes(), ", weight ",
               weight.sizes(), ", stride ", IntArrayRef(stride), ", padding ", IntArrayRef(padding), ", dilation ",
               IntArrayRef(dilation), ", output_padding ", IntArrayRef(output_padding));
      exact = exact && sliding_blocks(osz[i], k, dil[i], pad[i], st[i]) == in;
    }
    // The transposed convolution is the input gradient of the convolution it transposes (from
    // images of the output's size to x's blocks), with the weight (C, O/G, kh, kw) read as that
    // convolution's (G, C/G, O/G kh kw): one op, whose CPU kernel runs it by stride phases.
    const Tensor wg = tg::reshape(w, {groups, cg, og * area});
    const Tensor xs = tg::reshape(x, {n, channels, H * W});
    if (exact) {
      out = tg::_conv2d_im2col_mm_input(xs, wg, bias, {n, out_channels, osz[0], osz[1]}, {kh, kw}, dil, pad, st);
      bias_added = true;
    } else {
      // output_padding >= stride (allowed when dilation is larger): the uncropped canvas, cropped
      // by the padding and extended with zeros where the output reaches past it.
      out = tg::_conv2d_im2col_mm_input(xs, wg, std::nullopt, {n, out_channels, full[0], full[1]}, {kh, kw}, dil,
                                        {0, 0}, st);
      for (int i = 0; i < 2; ++i) {
        const int64_t keep = std::min(osz[i], full[i] - pad[i]);
        out = tg::narrow(out, 2 + i, pad[i], keep);
        if (keep < osz[i]) {
          DimVector zshape(out.sizes());
          zshape[size_t(2 + i)] = osz[i] - keep;
          out = tg::cat({out, tg::zeros(zshape, out.dtype(), out.device())}, 2 + i);
        }
      }
    }
  }
  if (bias && !bias_added) out = out + tg::view(*bias, {1, out_channels, 1, 1});
  if (nd == 1) out = tg::squeeze(out, IntArrayRef{2});
  return batched ? out : tg::squeeze(out, IntArrayRef{0});
}

}  // namespace

Tensor convolution(const Tensor& input, const Tensor& weight, const std::optional<Tensor>& bias, IntArrayRef stride,
                   IntArrayRef padding, IntArrayRef dilation, bool transposed, IntArrayRef output_padding,
                   int64_t groups) {
  return conv_impl("convolution", 0, input, weight, bias, stride, padding, dilation, transposed, output_padding, groups);
}

Tensor conv1d(const Tensor& input, const Tensor& weight, const std::optional<Tensor>& bias, IntArrayRef stride,
              IntArrayRef padding, IntArrayRef dilation, int64_t groups) {
  return conv_impl("conv1d", 1, input, weight, bias, stride, padding, dilation, false, IntArrayRef{0}, groups);
}

Tensor conv2d(const Tensor& input, const Tensor& weight, const std::optional<Tensor>& bias, IntArrayRef stride,
              IntArrayRef padding, IntArrayRef dilation, int64_t groups) {
  return conv_impl("conv2d", 2, input, weight, bias, stride, padding, dilation, false, IntArrayRef{0}, groups);
}

Tensor conv_transpose1d(const Tensor& input, const Tensor& weight, const std::optional<Tensor>& bias,
                        IntArrayRef stride, IntArrayRef padding, IntArrayRef output_padding, int64_t groups,
                        IntArrayRef dilation) {
  return conv_impl("conv_transpose1d", 1, input, weight, bias, stride, padding, dilation, true, output_padding,
                   groups);
}

Tensor conv_transpose2d(const Tensor& input, const Tensor& weight, const std::optional<Tensor>& bias,
                        IntArrayRef stride, IntArrayRef padding, IntArrayRef output_padding, int64_t groups,
                        IntArrayRef dilation) {
  return conv_impl("conv_transpose2d", 2, input, weight, bias, stride, padding, dilation, true, output_padding,
                   groups);
}

}  // namespace tg::native
