// im2col / col2im on the CPU (geometry: aten/native/Convolution.h; checks: the meta functions in
// Convolution.cpp).
//
// im2col writes one row (c, ki, kj) of the column matrix at a time: for each block row oy the
// source is one image row, read at x = ox * sw - pw + kj * dw, so the output row is zeros, a
// contiguous run (memcpy for stride 1), zeros. Rows are independent: parallel over (n, row).
//
// col2im is a sum of kh * kw shifted, strided copies of the columns into each (n, c) image plane;
// a plane is one task (planes are independent, so threads never write the same pixel). The plane
// is accumulated in the compute type (float for float16/bfloat16) in a fixed order (ki, kj, oy,
// ox), so the result does not depend on the thread count.
//
// _im2col_batch / _col2im_batch (the small-image convolutions) are the same loops with the
// columns of all images side by side, (C kh kw, N L): im2col writes each row at its place in
// that layout, col2im reads it through strides.
#include "aten/vec/isa.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "aten/dispatch/DtypeDispatch.h"
#include "aten/native/Convolution.h"
#include "aten/native/Copy.h"
#include "aten/parallel/Parallel.h"
#include "aten/parallel/WakeCost.h"
#include "kernels/_col2im_batch.h"
#include "kernels/_im2col_batch.h"
#include "kernels/col2im.h"
#include "kernels/im2col.h"

namespace tg::native::CPU_CAPABILITY {

namespace {

// A contiguous stand-in for `out` when the out= tensor given is not contiguous or shares memory
// with the input (copied back afterwards).
Tensor contiguous_target(Tensor& out, const Tensor& self) {
  const bool usable = out.is_contiguous() && out.storage().get() != self.storage().get();
  return usable ? out : empty_tensor(out.sizes(), out.dtype(), out.device());
}

// out: row r = (c, ki, kj) of image n starts at out + n * out_sn + r * out_sr (im2col: out_sn =
// rows * L, out_sr = L; _im2col_batch: out_sn = L, out_sr = N * L).
template <typename T>
void im2col_loop(const Im2colGeometry& g, const T* in, int64_t sn, int64_t sc, int64_t sy, int64_t sx, T* out,
                 int64_t out_sn, int64_t out_sr) {
  const int64_t rows = g.rows(), L = g.blocks(), area = g.kernel_area();
  // The valid block columns depend on kj only: computed once, not per row.
  std::vector<int64_t> lo_of(size_t(g.kw)), hi_of(size_t(g.kw));
  for (int64_t kj = 0; kj < g.kw; ++kj) valid_range(kj * g.dw - g.pw, g.sw, g.width, g.out_w, lo_of[kj], hi_of[kj]);
  parallel_for(0, g.batch * rows, std::max<int64_t>(1, wake_scaled(32768) / std::max<int64_t>(L, 1)), [&](int64_t r0, int64_t r1) {
    // (n, c, ki, kj) of row r0, then stepped like an odometer: for small images (the digits
    // CNN's 4x4) the integer divisions of a per-row decomposition cost more than the row's copy.
    int64_t n = r0 / rows, c = (r0 % rows) / area, ki = (r0 % area) / g.kw, kj = r0 % g.kw;
    for (int64_t r = r0; r < r1; ++r) {
      const T* plane = in + n * sn + c * sc;
      T* dst = out + n * out_sn + (r - n * rows) * out_sr;
      const int64_t x0 = kj * g.dw - g.pw, lo = lo_of[kj], hi = hi_of[kj];
      // Narrow outputs: zero the whole row once rather than call fill three times per block row.
      const bool narrow = g.out_w < 16;
      if (narrow) std::fill(dst, dst + L, T(0));
      for (int64_t oy = 0; oy < g.out_h; ++oy, dst += g.out_w) {
        const int64_t y = oy * g.sh - g.ph + ki * g.dh;
        if (y < 0 || y >= g.height) {
          if (!narrow) std::fill(dst, dst + g.out_w, T(0));
          continue;
        }
        if (!narrow) std::fill(dst, dst + lo, T(0));
        if (hi > lo) {
          const T* src = plane + y * sy + (lo * g.sw + x0) * sx;  // the pixel of block column lo
          if (g.sw == 1 && sx == 1 && hi - lo >= 16) {
            std::memcpy(dst + lo, src, size_t(hi - lo) * sizeof(T));
          } else {
            const int64_t step = g.sw * sx;  // short rows: a memcpy call costs more than the copy
            for (int64_t ox = lo; ox < hi; ++ox) dst[ox] = src[(ox - lo) * step];
          }
        }
        if (!narrow) std::fill(dst + hi, dst + g.out_w, T(0));
      }
      if (++kj == g.kw) {
        kj = 0;
        if (++ki == g.kh) {
          ki = 0;
          if (++c == rows / area) {
            c = 0;
            ++n;
          }
        }
      }
    }
  });
}

// With a stride sw > 1 along the width (conv_transpose2d's output), a block row adds into every
// sw-th pixel: a loop that does not vectorize (half of conv_transpose2d's time at stride 2). The
// pixels one kernel column kj reaches share one phase x mod sw, so the sums go to sw dense phase
// planes (pixel x at phase x mod sw, position x / sw), interleaved into the output at the end.
// Every pixel still adds its terms in the same order, so the bits are those of the strided loop.
template <typename T>
void col2im_loop(const Im2colGeometry& g, const T* cols, int64_t sn, int64_t sr, int64_t sl, T* out) {
  using acc_t = opmath_t<T>;
  const int64_t planes = g.batch * g.channels, area = g.kernel_area(), hw = g.height * g.width;
  const int64_t phases = g.sw > 1 && sl == 1 ? g.sw : 1, wq = (g.width + phases - 1) / phases;
  parallel_for(0, planes, std::max<int64_t>(1, wake_scaled(16384) / std::max<int64_t>(hw * area, 1)), [&](int64_t p0, int64_t p1) {
    std::vector<acc_t> acc(static_cast<size_t>(phases > 1 ? phases * g.height * wq : hw));
    for (int64_t p = p0; p < p1; ++p) {
      const int64_t n = p / g.channels, c = p % g.channels;
      std::fill(acc.begin(), acc.end(), acc_t(0));
      for (int64_t ki = 0; ki < g.kh; ++ki)
        for (int64_t kj = 0; kj < g.kw; ++kj) {
          const T* row = cols + n * sn + (c * area + ki * g.kw + kj) * sr;
          const int64_t x0 = kj * g.dw - g.pw;
          int64_t lo, hi;
          valid_range(x0, g.sw, g.width, g.out_w, lo, hi);
          for (int64_t oy = 0; oy < g.out_h; ++oy) {
            const int64_t y = oy * g.sh - g.ph + ki * g.dh;
            if (y < 0 || y >= g.height) continue;
            if (hi <= lo) continue;
            const int64_t x = lo * g.sw + x0;  // the pixel of block column lo
            const T* src = row + (oy * g.out_w + lo) * sl;
            const int64_t cnt = hi - lo;
            if (phases > 1) {
              acc_t* dst = acc.data() + (x % phases * g.height + y) * wq + x / phases;
              for (int64_t i = 0; i < cnt; ++i) dst[i] += static_cast<acc_t>(src[i]);
              continue;
            }
            acc_t* dst = acc.data() + y * g.width + x;
            if (g.sw == 1 && sl == 1) {
              for (int64_t i = 0; i < cnt; ++i) dst[i] += static_cast<acc_t>(src[i]);
            } else {
              for (int64_t i = 0; i < cnt; ++i) dst[i * g.sw] += static_cast<acc_t>(src[i * sl]);
            }
          }
        }
      T* o = out + p * hw;
      if (phases > 1) {
        for (int64_t ph = 0; ph < phases; ++ph)
          for (int64_t y = 0; y < g.height; ++y) {
            const acc_t* a = acc.data() + (ph * g.height + y) * wq;
            T* orow = o + y * g.width + ph;
            for (int64_t q = 0; ph + q * phases < g.width; ++q) orow[q * phases] = static_cast<T>(a[q]);
          }
      } else {
        for (int64_t i = 0; i < hw; ++i) o[i] = static_cast<T>(acc[size_t(i)]);
      }
    }
  });
}

}  // namespace

void im2col_kernel(const Tensor& self, IntArrayRef kernel_size, IntArrayRef dilation, IntArrayRef padding,
                   IntArrayRef stride, Tensor& out) {
  if (out.numel() == 0) return;
  Im2colGeometry g = im2col_geometry("im2col", self.size(-2), self.size(-1), kernel_size, dilation, padding, stride);
  const bool batched = self.dim() == 4;
  g.batch = batched ? self.size(0) : 1;
  g.channels = self.size(-3);
  Tensor target = contiguous_target(out, self);
  dispatch_floating(self.dtype(), "im2col", [&]<typename T>() {
    im2col_loop<T>(g, self.data<T>(), batched ? self.stride(0) : 0, self.stride(-3), self.stride(-2), self.stride(-1),
                   target.data<T>(), g.rows() * g.blocks(), g.blocks());
  });
  if (!target.is_same(out)) copy_into(out, target, "im2col");
}

void col2im_kernel(const Tensor& self, IntArrayRef output_size, IntArrayRef kernel_size, IntArrayRef dilation,
                   IntArrayRef padding, IntArrayRef stride, Tensor& out) {
  if (out.numel() == 0) return;
  Im2colGeometry g =
      im2col_geometry("col2im", output_size[0], output_size[1], kernel_size, dilation, padding, stride);
  const bool batched = self.dim() == 3;
  g.batch = batched ? self.size(0) : 1;
  g.channels = self.size(-2) / g.kernel_area();
  Tensor target = contiguous_target(out, self);
  dispatch_floating(self.dtype(), "col2im", [&]<typename T>() {
    col2im_loop<T>(g, self.data<T>(), batched ? self.stride(0) : 0, self.stride(-2), self.stride(-1),
                   target.data<T>());
  });
  if (!target.is_same(out)) copy_into(out, target, "col2im");
}

Tensor im2col_batch_kernel(const Tensor& self, IntArrayRef kernel_size, IntArrayRef dilation, IntArrayRef padding,
                           IntArrayRef stride) {
  Im2colBatch setup = im2col_batch_setup(self, kernel_size, dilation, padding, stride);
  const Im2colGeometry& g = setup.geometry;
  Tensor& out = setup.out;
  if (out.numel() == 0) return out;
  const int64_t L = g.blocks();
  dispatch_floating(self.dtype(), "_im2col_batch", [&]<typename T>() {
    im2col_loop<T>(g, self.data<T>(), self.stride(0), self.stride(1), self.stride(2), self.stride(3), out.data<T>(), L,
                   g.batch * L);
  });
  return out;
}

Tensor col2im_batch_kernel(const Tensor& self, int64_t batch, IntArrayRef output_size, IntArrayRef kernel_size,
                           IntArrayRef dilation, IntArrayRef padding, IntArrayRef stride) {
  Im2colBatch setup = col2im_batch_setup(self, batch, output_size, kernel_size, dilation, padding, stride);
  const Im2colGeometry& g = setup.geometry;
  Tensor& out = setup.out;
  if (out.numel() == 0) return out;
  // Image n's column l is the input's column n L + l: read in place through the strides.
  dispatch_floating(self.dtype(), "_col2im_batch", [&]<typename T>() {
    col2im_loop<T>(g, self.data<T>(), g.blocks() * self.stride(1), self.stride(0), self.stride(1), out.data<T>());
  });
  return out;
}

}  // namespace tg::native::CPU_CAPABILITY
