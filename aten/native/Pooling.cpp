// Pooling and resampling: the argument checks and output sizes every backend shares (Pooling.h).
// Messages follow PyTorch's (aten/src/ATen/native/Pool.h, AdaptivePooling.h, UpSample.h), with
// the op's name first.
#include "aten/native/Pooling.h"

#include <string>

namespace tg::native {

namespace {
// A (h, w) pair from an int[2] argument: one value means the same for both; `fallback` for none.
void pair_of(IntArrayRef v, const char* what, const char* op, int64_t& h, int64_t& w, IntArrayRef fallback = {}) {
  if (v.empty() && !fallback.empty()) v = fallback;
  TG_CHECK(v.size() == 1 || v.size() == 2, "[", op, "] ", what, " must either be a single int, or a tuple of two ints",
           ", got ", shape_str(v));
  h = v[0];
  w = v.size() == 2 ? v[1] : v[0];
}

// The leading dims of a 3-d (C, H, W) or 4-d (N, C, H, W) input, none of them empty but N.
Plane2d planes_of(IntArrayRef in, const char* op) {
  const int64_t nd = int64_t(in.size());
  bool ok = nd == 3 || nd == 4;
  for (int64_t d = nd == 4 ? 1 : 0; ok && d < nd; ++d) ok = in[d] > 0;
  TG_CHECK(ok, "[", op, "] Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, but got: ",
           shape_str(in));
  Plane2d p;
  p.in_sizes = DimVector(in);
  p.planes = nd == 4 ? in[0] * in[1] : in[0];
  p.in_h = in[nd - 2];
  p.in_w = in[nd - 1];
  return p;
}

void set_output(Plane2d& p, int64_t out_h, int64_t out_w) {
  p.out_h = out_h;
  p.out_w = out_w;
  p.out_sizes = p.in_sizes;
  p.out_sizes[p.out_sizes.size() - 2] = out_h;
  p.out_sizes[p.out_sizes.size() - 1] = out_w;
}

// PyTorch's pooling_output_shape: floor (or ceil) of the window count, where with ceil_mode the
// last window must start inside the input or its left padding.
int64_t pooled_size(int64_t in, int64_t k, int64_t pad, int64_t stride, int64_t dilation, bool ceil_mode) {
  const int64_t span = in + 2 * pad - dilation * (k - 1) - 1 + (ceil_mode ? stride - 1 : 0);
  // floor division (span may be negative when the kernel does not fit)
  int64_t out = (span >= 0 ? span / stride : -((-span + stride - 1) / stride)) + 1;
  if (ceil_mode && (out - 1) * stride >= in + pad) --out;
  return out;
}
}  // namespace

Plane2d pool2d_plan(IntArrayRef input_sizes, IntArrayRef kernel_size, IntArrayRef stride, IntArrayRef padding,
                    IntArrayRef dilation, bool ceil_mode, PoolWindow& w, const char* op) {
  pair_of(kernel_size, "kernel_size", op, w.kh, w.kw);
  pair_of(stride, "stride", op, w.sh, w.sw, kernel_size);
  pair_of(padding, "padding", op, w.ph, w.pw);
  pair_of(dilation, "dilation", op, w.dh, w.dw);
  TG_CHECK(w.kh > 0 && w.kw > 0, "[", op, "] kernel size should be greater than zero, but got kH: ", w.kh,
           " kW: ", w.kw);
  TG_CHECK(w.sh > 0 && w.sw > 0, "[", op, "] stride should be greater than zero, but got dH: ", w.sh, " dW: ", w.sw);
  TG_CHECK(w.dh > 0 && w.dw > 0, "[", op, "] dilation should be greater than zero, but got dilationH: ", w.dh,
           " dilationW: ", w.dw);
  TG_CHECK(w.ph >= 0 && w.pw >= 0, "[", op, "] padding must be non-negative, but got padH: ", w.ph, " padW: ", w.pw);
  TG_CHECK(w.ph <= w.kh / 2 && w.pw <= w.kw / 2, "[", op,
           "] pad should be at most half of effective kernel size, but got padH = ", w.ph, ", padW = ", w.pw,
           ", kH = ", w.kh, ", kW = ", w.kw);
  Plane2d p = planes_of(input_sizes, op);
  const int64_t oh = pooled_size(p.in_h, w.kh, w.ph, w.sh, w.dh, ceil_mode);
  const int64_t ow = pooled_size(p.in_w, w.kw, w.pw, w.sw, w.dw, ceil_mode);
  TG_CHECK(oh >= 1 && ow >= 1, "[", op, "] Given input size: (", p.in_sizes[p.in_sizes.size() - 3], "x", p.in_h,
           "x", p.in_w, "). Calculated output size: (", p.in_sizes[p.in_sizes.size() - 3], "x", oh, "x", ow,
           "). Output size is too small (kernel larger than the padded input)");
  set_output(p, oh, ow);
  return p;
}

void check_grad_output(const Tensor& grad_output, const Plane2d& p, const char* op) {
  TG_CHECK(grad_output.sizes().equals(p.out_sizes), "[", op, "] grad_output of shape ",
           shape_str(grad_output.sizes()), " does not match the forward output ", shape_str(p.out_sizes));
}

void check_divisor(std::optional<int64_t> divisor_override, const char* op) {
  TG_CHECK(!divisor_override.has_value() || *divisor_override != 0, "[", op, "] divisor must be not zero");
}

Plane2d adaptive_plan(IntArrayRef input_sizes, IntArrayRef output_size, const char* op) {
  TG_CHECK(output_size.size() == 1 || output_size.size() == 2, "[", op,
           "] output_size must either be a single int, or a tuple of two ints, got ", shape_str(output_size));
  const int64_t oh = output_size[0], ow = output_size.size() == 2 ? output_size[1] : output_size[0];
  TG_CHECK(oh >= 0 && ow >= 0, "[", op, "] output_size must be non-negative, got ", shape_str(output_size));
  const int64_t nd = int64_t(input_sizes.size());
  bool ok = nd == 3 || nd == 4;
  for (int64_t d = 1; ok && d < nd; ++d) ok = input_sizes[d] > 0;  // PyTorch: non-batch dims non-empty
  TG_CHECK(ok, "[", op, "] Expected 3D or 4D tensor with non-zero size for non-batch dimensions, but got ",
           shape_str(input_sizes));
  Plane2d p = planes_of(input_sizes, op);
  set_output(p, oh, ow);
  return p;
}

Plane2d max_pool_backward_plan(const Tensor& grad_output, const Tensor& indices, IntArrayRef input_sizes,
                               const char* op) {
  TG_CHECK_TYPE(indices.dtype() == ScalarType::Int64, "[", op, "] indices must be int64, got ", indices.dtype());
  TG_CHECK(grad_output.sizes().equals(indices.sizes()), "[", op, "] grad_output of shape ",
           shape_str(grad_output.sizes()), " does not match indices of shape ", shape_str(indices.sizes()));
  TG_CHECK(grad_output.device() == indices.device(), "[", op,
           "] expected all tensors to be on the same device, but found ", grad_output.device(), " and ",
           indices.device());
  Plane2d p = planes_of(input_sizes, op);
  bool ok = grad_output.dim() == int64_t(input_sizes.size());
  for (int64_t d = 0; ok && d + 2 < grad_output.dim(); ++d) ok = grad_output.size(d) == input_sizes[d];
  TG_CHECK(ok, "[", op, "] grad_output of shape ", shape_str(grad_output.sizes()),
           " does not match the input of shape ", shape_str(input_sizes), " outside the last two dims");
  set_output(p, grad_output.size(-2), grad_output.size(-1));
  return p;
}

Plane2d upsample_plan(IntArrayRef input_sizes, IntArrayRef output_size, const char* op) {
  TG_CHECK(output_size.size() == 2, "[", op, "] output_size must have 2 elements, got ", shape_str(output_size));
  TG_CHECK(output_size[0] > 0 && output_size[1] > 0, "[", op,
           "] Input and output sizes should be greater than 0, but got input (H: ",
           input_sizes.size() >= 2 ? input_sizes[input_sizes.size() - 2] : 0, ", W: ",
           input_sizes.empty() ? 0 : input_sizes.back(), ") output (H: ", output_size[0], ", W: ", output_size[1], ")");
  Plane2d p = planes_of(input_sizes, op);
  set_output(p, output_size[0], output_size[1]);
  return p;
}

}  // namespace tg::native
