// im2col / col2im on CUDA (geometry: aten/native/Convolution.h; checks: the meta functions in
// Convolution.cpp, shared with the CPU). The convolutions and linear layers are composites over
// these two and the CUDA GEMM (bmm / addmm in Blas.cu), so this file is all they need.
//
// im2col: one thread per column-matrix element, reading its pixel or writing 0 in the padding.
// col2im: one thread per output pixel, gathering the (at most kh * kw) column entries that came
// from it, summed in the compute type and in a fixed order, so there are no atomics and the
// result is deterministic.
#include "aten/native/Convolution.h"
#include "aten/native/Copy.h"
#include "aten/native/cuda/CUDACommon.cuh"
#include "kernels/_col2im_batch.h"
#include "kernels/_conv2d_im2col_mm.h"
#include "kernels/_conv2d_im2col_mm_input.h"
#include "kernels/_conv2d_im2col_mm_weight.h"
#include "kernels/_im2col_batch.h"
#include "kernels/col2im.h"
#include "kernels/im2col.h"

namespace tg::native::cuda {

namespace {

constexpr unsigned kMaxBlocks = 1u << 20;  // the kernels loop over the rest (grid-stride)

unsigned grid_for(int64_t n) {
  const unsigned b = blocks_for(n, kBlockSize);
  return b < kMaxBlocks ? b : kMaxBlocks;
}

// The geometry by value (a kernel argument) plus the input's element strides.
struct Geo {
  int64_t channels, height, width, kh, kw, dh, dw, ph, pw, sh, sw, out_h, out_w;
};

Geo to_geo(const Im2colGeometry& g) {
  return Geo{g.channels, g.height, g.width, g.kh, g.kw, g.dh, g.dw, g.ph, g.pw, g.sh, g.sw, g.out_h, g.out_w};
}

// in: strides (sn, sc, sy, sx); out: element l of row r of image n at n * out_sn + r * out_sr + l
// (im2col: contiguous (N, C kh kw, L); _im2col_batch: (C kh kw, N L)).
template <typename T>
__global__ void im2col_cuda_kernel(const T* __restrict__ in, T* __restrict__ out, int64_t total, Geo g, int64_t sn,
                                   int64_t sc, int64_t sy, int64_t sx, int64_t out_sn, int64_t out_sr) {
  const int64_t L = g.out_h * g.out_w, rows = g.channels * g.kh * g.kw;
  for (int64_t idx = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; idx < total;
       idx += int64_t(gridDim.x) * blockDim.x) {
    const int64_t l = idx % L, r = (idx / L) % rows, n = idx / (L * rows);
    const int64_t c = r / (g.kh * g.kw), ki = (r / g.kw) % g.kh, kj = r % g.kw;
    const int64_t oy = l / g.out_w, ox = l % g.out_w;
    const int64_t y = oy * g.sh - g.ph + ki * g.dh, x = ox * g.sw - g.pw + kj * g.dw;
    const bool inside = y >= 0 && y < g.height && x >= 0 && x < g.width;
    out[n * out_sn + r * out_sr + l] = inside ? in[n * sn + c * sc + y * sy + x * sx] : T(0.0f);
  }
}

// out: contiguous (N, C, H, W); cols: strides (sn, sr, sl) of (N, C kh kw, L).
template <typename T>
__global__ void col2im_cuda_kernel(const T* __restrict__ cols, T* __restrict__ out, int64_t total, Geo g, int64_t sn,
                                   int64_t sr, int64_t sl) {
  using acc_t = opmath_t<T>;
  for (int64_t idx = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; idx < total;
       idx += int64_t(gridDim.x) * blockDim.x) {
    const int64_t x = idx % g.width, y = (idx / g.width) % g.height;
    const int64_t c = (idx / (g.width * g.height)) % g.channels, n = idx / (g.width * g.height * g.channels);
    acc_t acc = acc_t(0);
    for (int64_t ki = 0; ki < g.kh; ++ki) {
      const int64_t ty = y + g.ph - ki * g.dh;  // = oy * sh for the block row oy that read this pixel
      if (ty < 0 || ty % g.sh != 0 || ty / g.sh >= g.out_h) continue;
      const int64_t oy = ty / g.sh;
      for (int64_t kj = 0; kj < g.kw; ++kj) {
        const int64_t tx = x + g.pw - kj * g.dw;
        if (tx < 0 || tx % g.sw != 0 || tx / g.sw >= g.out_w) continue;
        const int64_t ox = tx / g.sw;
        const int64_t row = (c * g.kh + ki) * g.kw + kj;
        acc += to_op(cols[n * sn + row * sr + (oy * g.out_w + ox) * sl]);
      }
    }
    out[idx] = from_op<T>(acc);
  }
}

Tensor contiguous_target(Tensor& out, const Tensor& self) {
  const bool usable = out.is_contiguous() && out.storage().get() != self.storage().get();
  return usable ? out : empty_tensor(out.sizes(), out.dtype(), out.device());
}

}  // namespace

void im2col_kernel(const Tensor& self, IntArrayRef kernel_size, IntArrayRef dilation, IntArrayRef padding,
                   IntArrayRef stride, Tensor& out) {
  const int64_t total = out.numel();
  if (total == 0) return;
  Im2colGeometry g = im2col_geometry("im2col", self.size(-2), self.size(-1), kernel_size, dilation, padding, stride);
  g.channels = self.size(-3);
  const bool batched = self.dim() == 4;
  Tensor target = contiguous_target(out, self);
  dispatch_device<DtypeSet::Floating>(self.dtype(), "im2col", [&]<typename T>() {
    im2col_cuda_kernel<T><<<grid_for(total), kBlockSize>>>(static_cast<const T*>(self.data_ptr()),
                                                           static_cast<T*>(target.data_ptr()), total, to_geo(g),
                                                           batched ? self.stride(0) : 0, self.stride(-3),
                                                           self.stride(-2), self.stride(-1), g.rows() * g.blocks(),
                                                           g.blocks());
    TG_CUDA_KERNEL_CHECK("im2col");
  });
  if (!target.is_same(out)) copy_into(out, target, "im2col");
}

void col2im_kernel(const Tensor& self, IntArrayRef output_size, IntArrayRef kernel_size, IntArrayRef dilation,
                   IntArrayRef padding, IntArrayRef stride, Tensor& out) {
  const int64_t total = out.numel();
  if (total == 0) return;
  Im2colGeometry g =
      im2col_geometry("col2im", output_size[0], output_size[1], kernel_size, dilation, padding, stride);
  g.channels = self.size(-2) / g.kernel_area();
  const bool batched = self.dim() == 3;
  Tensor target = contiguous_target(out, self);
  dispatch_device<DtypeSet::Floating>(self.dtype(), "col2im", [&]<typename T>() {
    col2im_cuda_kernel<T><<<grid_for(total), kBlockSize>>>(static_cast<const T*>(self.data_ptr()),
                                                           static_cast<T*>(target.data_ptr()), total, to_geo(g),
                                                           batched ? self.stride(0) : 0, self.stride(-2),
                                                           self.stride(-1));
    TG_CUDA_KERNEL_CHECK("col2im");
  });
  if (!target.is_same(out)) copy_into(out, target, "col2im");
}

Tensor im2col_batch_kernel(const Tensor& self, IntArrayRef kernel_size, IntArrayRef dilation, IntArrayRef padding,
                           IntArrayRef stride) {
  Im2colBatch setup = im2col_batch_setup(self, kernel_size, dilation, padding, stride);
  const Im2colGeometry& g = setup.geometry;
  Tensor& out = setup.out;
  const int64_t total = out.numel(), L = g.blocks();
  if (total == 0) return out;
  dispatch_device<DtypeSet::Floating>(self.dtype(), "_im2col_batch", [&]<typename T>() {
    im2col_cuda_kernel<T><<<grid_for(total), kBlockSize>>>(static_cast<const T*>(self.data_ptr()),
                                                           static_cast<T*>(out.data_ptr()), total, to_geo(g),
                                                           self.stride(0), self.stride(1), self.stride(2),
                                                           self.stride(3), L, g.batch * L);
    TG_CUDA_KERNEL_CHECK("_im2col_batch");
  });
  return out;
}

Tensor col2im_batch_kernel(const Tensor& self, int64_t batch, IntArrayRef output_size, IntArrayRef kernel_size,
                           IntArrayRef dilation, IntArrayRef padding, IntArrayRef stride) {
  Im2colBatch setup = col2im_batch_setup(self, batch, output_size, kernel_size, dilation, padding, stride);
  const Im2colGeometry& g = setup.geometry;
  Tensor& out = setup.out;
  const int64_t total = out.numel();
  if (total == 0) return out;
  // Image n's column l is the input's column n L + l: read in place through the strides.
  dispatch_device<DtypeSet::Floating>(self.dtype(), "_col2im_batch", [&]<typename T>() {
    col2im_cuda_kernel<T><<<grid_for(total), kBlockSize>>>(static_cast<const T*>(self.data_ptr()),
                                                           static_cast<T*>(out.data_ptr()), total, to_geo(g),
                                                           g.blocks() * self.stride(1), self.stride(0),
                                                           self.stride(1));
    TG_CUDA_KERNEL_CHECK("_col2im_batch");
  });
  return out;
}

// im2col into a column matrix, then bmm: the unfused composite (the CPU kernel's
// implicit im2col is a packing trick of its GEMM; this backend's GEMM has no such hook yet).
Tensor conv2d_im2col_mm_kernel(const Tensor& self, const Tensor& weight, const std::optional<Tensor>& bias,
                               IntArrayRef kernel_size, IntArrayRef dilation, IntArrayRef padding,
                               IntArrayRef stride) {
  return conv2d_im2col_mm_unfused(self, weight, bias, kernel_size, dilation, padding, stride);
}

// The input gradient (the transposed convolution): bmm, then col2im.
Tensor conv2d_im2col_mm_input_kernel(const Tensor& grad_output, const Tensor& weight, const std::optional<Tensor>& bias,
                                     IntArrayRef self_size, IntArrayRef kernel_size, IntArrayRef dilation,
                                     IntArrayRef padding, IntArrayRef stride) {
  return conv2d_im2col_mm_input_unfused(grad_output, weight, bias, self_size, kernel_size, dilation, padding, stride);
}

// The same for the weight gradient: im2col, bmm and a sum over the batch.
Tensor conv2d_im2col_mm_weight_kernel(const Tensor& grad_output, const Tensor& self, IntArrayRef weight_size,
                                      IntArrayRef kernel_size, IntArrayRef dilation, IntArrayRef padding,
                                      IntArrayRef stride) {
  return conv2d_im2col_mm_weight_unfused(grad_output, self, weight_size, kernel_size, dilation, padding, stride);
}

}  // namespace tg::native::cuda
