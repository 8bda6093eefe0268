#pragma once
// The geometry of im2col / col2im (the sliding 2-D blocks behind unfold, fold and the
// convolutions), shared by the meta functions (Convolution.cpp), the CPU kernels
// (cpu/ConvolutionKernel.cpp) and the CUDA kernels (cuda/Convolution.cu).
//
// An image is (C, H, W); a batch of them (N, C, H, W). The columns of one image are a
// (C * kh * kw, out_h * out_w) matrix: row (c, ki, kj) holds, for every block position (oy, ox),
// the pixel image[c, oy * sh - ph + ki * dh, ox * sw - pw + kj * dw], or 0 where that falls into
// the padding. col2im is its adjoint: every column entry is added back into the pixel it came from.
#include <algorithm>
#include <cstdint>

#include "aten/core/Tensor.h"

namespace tg::native {

struct Im2colGeometry {
  int64_t batch = 1, channels = 0, height = 0, width = 0;  // the image(s); batch 1 for an unbatched one
  int64_t kh = 1, kw = 1, dh = 1, dw = 1, ph = 0, pw = 0, sh = 1, sw = 1;  // kernel, dilation, padding, stride
  int64_t out_h = 0, out_w = 0;  // block positions along H and W

  int64_t kernel_area() const { return kh * kw; }
  int64_t rows() const { return channels * kh * kw; }  // rows of one image's column matrix
  int64_t blocks() const { return out_h * out_w; }     // its columns
};

// Reads kernel_size, dilation, padding and stride (two values each, checked: kernel, dilation and
// stride > 0, padding >= 0) and the image size; the block counts are computed by
// sliding_blocks() below. `op` names the caller in errors.
Im2colGeometry im2col_geometry(const char* op, int64_t height, int64_t width, IntArrayRef kernel_size,
                               IntArrayRef dilation, IntArrayRef padding, IntArrayRef stride);

// _im2col_batch / _col2im_batch: the columns of a batch of N images side by side, a (C kh kw, N L)
// matrix whose column n L + l is image n's column l, so one GEMM covers the whole batch (the
// convolutions of small images). These check the arguments (the op named in errors) and return
// the geometry (batch and channels set) with the empty result on self's device: the (C kh kw, N L)
// columns / the (N, C, H, W) images. The CPU and CUDA kernels then only fill it.
struct Im2colBatch {
  Im2colGeometry geometry;
  Tensor out;
};
Im2colBatch im2col_batch_setup(const Tensor& self, IntArrayRef kernel_size, IntArrayRef dilation, IntArrayRef padding,
                               IntArrayRef stride);
Im2colBatch col2im_batch_setup(const Tensor& self, int64_t batch, IntArrayRef output_size, IntArrayRef kernel_size,
                               IntArrayRef dilation, IntArrayRef padding, IntArrayRef stride);

// _conv2d_im2col_mm(self, weight, bias, ...): checks (self a 4-D floating (N, C, H, W) batch,
// weight a (G, O/G, C/G kh kw) tensor of its dtype and device, bias None or (O,) of that dtype)
// and returns the geometry with batch and channels set.
Im2colGeometry conv2d_im2col_mm_geometry(const Tensor& self, const Tensor& weight, const std::optional<Tensor>& bias,
                                         IntArrayRef kernel_size, IntArrayRef dilation, IntArrayRef padding,
                                         IntArrayRef stride);
// The op as im2col + bmm (+ bias): the CUDA kernel, and the reference the fused CPU kernel
// replaces. Any device.
Tensor conv2d_im2col_mm_unfused(const Tensor& self, const Tensor& weight, const std::optional<Tensor>& bias,
                                IntArrayRef kernel_size, IntArrayRef dilation, IntArrayRef padding,
                                IntArrayRef stride);

// _conv2d_im2col_mm_weight(grad_output, self, weight_size, ...): checks (self as for
// _conv2d_im2col_mm, weight_size (G, O/G, C/G kh kw), grad_output an (N, O, L) tensor of self's
// dtype and device) and returns the geometry with batch and channels set.
Im2colGeometry conv2d_im2col_mm_weight_geometry(const Tensor& grad_output, const Tensor& self, IntArrayRef weight_size,
                                                IntArrayRef kernel_size, IntArrayRef dilation, IntArrayRef padding,
                                                IntArrayRef stride);
// The weight gradient as im2col + bmm + a sum over the batch: the CUDA kernel, and the
// reference the fused CPU kernel replaces. Any device.
Tensor conv2d_im2col_mm_weight_unfused(const Tensor& grad_output, const Tensor& self, IntArrayRef weight_size,
                                       IntArrayRef kernel_size, IntArrayRef dilation, IntArrayRef padding,
                                       IntArrayRef stride);

// _conv2d_im2col_mm_input(grad_output, weight, bias, self_size, ...), the input gradient (and the
// transposed convolution): checks (self_size (N, C, H, W), weight as for _conv2d_im2col_mm,
// grad_output an (N, O, L) tensor of its dtype and device, bias None or (C,)) and returns the
// geometry with batch and channels set.
Im2colGeometry conv2d_im2col_mm_input_geometry(const Tensor& grad_output, const Tensor& weight,
                                               const std::optional<Tensor>& bias, IntArrayRef self_size,
                                               IntArrayRef kernel_size, IntArrayRef dilation, IntArrayRef padding,
                                               IntArrayRef stride);
// The input gradient as bmm (W[g]^T @ grad) + col2im (+ bias): the CUDA kernel, and the CPU one
// where the stride phases do not apply (dilation with stride). Any device.
Tensor conv2d_im2col_mm_input_unfused(const Tensor& grad_output, const Tensor& weight,
                                      const std::optional<Tensor>& bias, IntArrayRef self_size,
                                      IntArrayRef kernel_size, IntArrayRef dilation, IntArrayRef padding,
                                      IntArrayRef stride);

// Number of positions of a window of `kernel` taps spaced `dilation` apart, moved by `stride`
// over `size + 2 * pad` elements: (size + 2 pad - dilation (kernel - 1) - 1) / stride + 1, or a
// value < 1 when the window does not fit (floor division, so a negative numerator stays negative).
inline int64_t sliding_blocks(int64_t size, int64_t kernel, int64_t dilation, int64_t pad, int64_t stride) {
  const int64_t span = size + 2 * pad - dilation * (kernel - 1) - 1;
  return span < 0 ? 0 : span / stride + 1;
}

// ceil(a / b) for b > 0 and any a.
inline int64_t ceil_div(int64_t a, int64_t b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }

// The block columns ox whose source x = ox * sw + x0 lies in [0, width): [lo, hi).
inline void valid_range(int64_t x0, int64_t sw, int64_t width, int64_t count, int64_t& lo, int64_t& hi) {
  lo = std::min(count, std::max<int64_t>(0, ceil_div(-x0, sw)));
  hi = std::max(lo, std::min(count, ceil_div(width - x0, sw)));
}

}  // namespace tg::native
