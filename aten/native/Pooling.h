#pragma once
// Pooling and resampling over the last two dims (max_pool2d_with_indices, avg_pool2d,
// adaptive_{avg,max}_pool2d, upsample_{nearest,bilinear}2d and their backward ops): the
// device-independent half. Argument checks with PyTorch's rules, output sizes, result allocation,
// and the index arithmetic both backends share (window bounds, adaptive bins, source indices of
// the resampling ops), so the CPU kernels (aten/native/cpu/PoolingKernel.cpp) and the CUDA ones
// (aten/native/cuda/Pooling.cu) compute the same windows by construction.
//
// Every op sees its input as `planes` contiguous planes of in_h x in_w (N*C planes of a
// (N, C, H, W) input, C of a (C, H, W) one); a non-contiguous input is made contiguous first.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>

#include "aten/core/Tensor.h"

#if defined(__CUDACC__)
#define TG_POOL_HD __host__ __device__
#else
#define TG_POOL_HD
#endif

namespace tg::native {

// The geometry shared by every op of this file: planes of in_h x in_w in, out_h x out_w out.
struct Plane2d {
  int64_t planes = 0;
  int64_t in_h = 0, in_w = 0, out_h = 0, out_w = 0;
  DimVector in_sizes;   // the input's shape (3-d or 4-d)
  DimVector out_sizes;  // the input's leading dims, then out_h, out_w
};

// A pooling window: kernel, stride, padding and dilation along (h, w).
struct PoolWindow {
  int64_t kh = 1, kw = 1, sh = 1, sw = 1, ph = 0, pw = 0, dh = 1, dw = 1;
};

// ---- max_pool2d / avg_pool2d
// Checks the arguments (PyTorch's rules: positive kernel, stride and dilation, padding at most half
// the kernel, a 3-d or 4-d input with non-empty non-batch dims, a non-empty output) and computes
// the output size. `stride` empty means the kernel size; one value means the same for h and w.
Plane2d pool2d_plan(IntArrayRef input_sizes, IntArrayRef kernel_size, IntArrayRef stride, IntArrayRef padding,
                    IntArrayRef dilation, bool ceil_mode, PoolWindow& w, const char* op);
// Checks that a backward op's grad_output has the shape the forward op produced.
void check_grad_output(const Tensor& grad_output, const Plane2d& p, const char* op);
// For avg_pool2d: divisor_override, when given, must not be zero.
void check_divisor(std::optional<int64_t> divisor_override, const char* op);

// avg_pool2d's window of output (oh, ow): the clipped bounds and PyTorch's divisor (the override
// when given (non-zero here), else the window size, counting with count_include_pad the padding inside
// the window but not past it). A window wholly in the padding (possible with ceil_mode) is empty.
struct AvgWindow {
  int64_t h0, h1, w0, w1, divisor;
};
TG_POOL_HD inline AvgWindow avg_window(int64_t in_h, int64_t in_w, const PoolWindow& k, int64_t oh, int64_t ow,
                                       bool count_include_pad, int64_t divisor_override) {
  int64_t h0 = oh * k.sh - k.ph, w0 = ow * k.sw - k.pw;
  int64_t h1 = h0 + k.kh < in_h + k.ph ? h0 + k.kh : in_h + k.ph;
  int64_t w1 = w0 + k.kw < in_w + k.pw ? w0 + k.kw : in_w + k.pw;
  const int64_t padded = (h1 - h0) * (w1 - w0);
  h0 = h0 > 0 ? h0 : 0;
  w0 = w0 > 0 ? w0 : 0;
  h1 = h1 < in_h ? h1 : in_h;
  w1 = w1 < in_w ? w1 : in_w;
  const int64_t divisor = divisor_override != 0 ? divisor_override : count_include_pad ? padded : (h1 - h0) * (w1 - w0);
  return {h0, h1, w0, w1, divisor};
}
// divisor_override as the plain value avg_window takes (0: none; check_divisor refuses 0).
inline int64_t divisor_arg(std::optional<int64_t> d) { return d.has_value() ? *d : 0; }

// ---- adaptive pooling: output bin i of out covers input [start, end) of in.
Plane2d adaptive_plan(IntArrayRef input_sizes, IntArrayRef output_size, const char* op);
TG_POOL_HD inline int64_t adaptive_start(int64_t i, int64_t out, int64_t in) { return (i * in) / out; }
TG_POOL_HD inline int64_t adaptive_end(int64_t i, int64_t out, int64_t in) { return ((i + 1) * in + out - 1) / out; }

// ---- max pooling's backward: the gradient of each output goes to the input its index names.
// grad_output and indices have one shape; input_sizes differ from it in the last two dims only.
Plane2d max_pool_backward_plan(const Tensor& grad_output, const Tensor& indices, IntArrayRef input_sizes,
                               const char* op);

// ---- upsample_{nearest,bilinear}2d: output_size is (out_h, out_w) of a 3-d or 4-d input.
Plane2d upsample_plan(IntArrayRef input_sizes, IntArrayRef output_size, const char* op);

// PyTorch's source-index rules (ATen/native/UpSample.h), computed in the same precision so the
// same source pixels are chosen.
// The scale from output to input coordinates: 1/scale when the caller gave a positive scale
// factor, else in/out.
// `scale` <= 0 means none (the kernels take the schema's float? as a plain value, scale_arg).
template <typename T>
TG_POOL_HD inline T scale_of(double scale, int64_t in, int64_t out) {
  return scale > 0 ? T(1.0 / scale) : T(in) / T(out);
}
inline double scale_arg(std::optional<double> s) { return s.has_value() ? *s : 0.0; }
template <typename T>
inline T scale_of(std::optional<double> scale, int64_t in, int64_t out) {
  return scale_of<T>(scale_arg(scale), in, out);
}
// nearest: floor(dst * scale) in float, at most in - 1 (the 1x and 2x cases exact).
TG_POOL_HD inline int64_t nearest_source(int64_t dst, int64_t in, int64_t out, float scale) {
  if (out == in) return dst;
  if (out == 2 * in) return dst >> 1;
  const int64_t src = static_cast<int64_t>(floorf(float(dst) * scale));
  return src < in - 1 ? src : in - 1;
}
// bilinear: the scale (align_corners: (in - 1) / (out - 1)), then for each output index the two
// source indices and their weights.
template <typename T>
TG_POOL_HD inline T linear_scale(int64_t in, int64_t out, bool align_corners, double scale) {
  if (align_corners) return out > 1 ? T(in - 1) / T(out - 1) : T(0);
  return scale_of<T>(scale, in, out);
}
template <typename T>
struct LinearTap {
  int64_t i0, i1;  // source indices (i1 == i0 at the last input)
  T w0, w1;        // their weights, w0 + w1 == 1
};
template <typename T>
TG_POOL_HD inline LinearTap<T> linear_tap(int64_t dst, int64_t in, int64_t out, T scale, bool align_corners) {
  if (in == out) return {dst, dst, T(1), T(0)};
  T src = align_corners ? scale * T(dst) : scale * (T(dst) + T(0.5)) - T(0.5);
  if (src < T(0)) src = T(0);
  const int64_t i0 = static_cast<int64_t>(src);
  const int64_t i1 = i0 + (i0 < in - 1 ? 1 : 0);
  T l1 = src - T(i0);
  l1 = l1 < T(0) ? T(0) : (l1 > T(1) ? T(1) : l1);
  return {i0, i1, T(1) - l1, l1};
}

}  // namespace tg::native
