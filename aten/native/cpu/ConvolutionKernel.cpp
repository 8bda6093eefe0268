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
//
// _conv2d_im2col_mm (the convolution's forward GEMM) never writes the columns: Im2colPanels is a
// B source for gemm_packed (Gemm.h) that packs each kc x NR panel of an image's column matrix
// straight from the image, so the GEMM reads the image (in cache) instead of a column matrix
// kh kw times its size (in memory). For 8x32x56x56 with 3x3 filters that matrix is 29 MB, and
// writing it, then reading it back to pack it, took two thirds of the convolution's time.
#include "aten/vec/isa.h"

#include <algorithm>
#include <cstring>
#include <type_traits>
#include <vector>

#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>
#endif

#include "aten/dispatch/DtypeDispatch.h"
#include "aten/native/Convolution.h"
#include "aten/native/Copy.h"
#include "aten/native/cpu/Gemm.h"
#include "aten/parallel/Parallel.h"
#include "kernels/_col2im_batch.h"
#include "kernels/_conv2d_im2col_mm.h"
#include "kernels/_conv2d_im2col_mm_weight.h"
#include "kernels/_im2col_batch.h"
#include "kernels/col2im.h"
#include "kernels/im2col.h"

namespace tg::native::CPU_CAPABILITY {

namespace {

// ceil(a / b) for b > 0 and any a.
inline int64_t ceil_div(int64_t a, int64_t b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }

// The block columns ox whose source x = ox * sw + x0 lies in [0, width): [lo, hi).
inline void valid_range(int64_t x0, int64_t sw, int64_t width, int64_t count, int64_t& lo, int64_t& hi) {
  lo = std::min(count, std::max<int64_t>(0, ceil_div(-x0, sw)));
  hi = std::max(lo, std::min(count, ceil_div(width - x0, sw)));
}

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
  parallel_for(0, g.batch * rows, std::max<int64_t>(1, 32768 / std::max<int64_t>(L, 1)), [&](int64_t r0, int64_t r1) {
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
  parallel_for(0, planes, std::max<int64_t>(1, 16384 / std::max<int64_t>(hw * area, 1)), [&](int64_t p0, int64_t p1) {
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

// The columns j .. j + cols of a panel as runs along block rows: run s is block row oy[s],
// columns ox[s] .. + len[s], at panel lane t[s]. The same for every row of the panel.
template <int NR>
struct PanelRuns {
  int64_t t[NR], oy[NR], ox[NR], len[NR];
  int count = 0;
  PanelRuns(int64_t out_w, int64_t j, int64_t cols) {
    for (int64_t lane = 0, l = j; lane < cols; ++count) {
      t[count] = lane;
      oy[count] = l / out_w;
      ox[count] = l % out_w;
      len[count] = std::min(cols - lane, out_w - ox[count]);
      lane += len[count];
      l += len[count];
    }
  }
};

// The column matrix of one image (and group) as a gemm_packed B source: row r = (c, ki, kj),
// column l = (oy, ox) holds plane c at (oy sh - ph + ki dh, ox sw - pw + kj dw), 0 in the padding.
template <typename T>
struct Im2colPanels {
  const Im2colGeometry& g;
  const T* image;                   // channel 0 of the group
  int64_t sc, sy, sx;               // channel, row and column strides of the image
  const int64_t *lo_of, *hi_of;     // per kj: the block columns ox that read inside the image
  // A column block of packed B is at most 512 KB of float: it is packed and then used from L2.
  static constexpr int64_t kPackedB = int64_t(1) << 17;

  template <int NR>
  void pack(int64_t pc, int64_t kc, int64_t j, int64_t cols, T* __restrict out) const {
    const PanelRuns<NR> r(g.out_w, j, cols);
    const int runs = r.count;
    const int64_t *run_t = r.t, *run_oy = r.oy, *run_ox = r.ox, *run_len = r.len;
    const int64_t area = g.kernel_area(), step = g.sw * sx;
    int64_t c = pc / area, ki = (pc % area) / g.kw, kj = pc % g.kw;  // row pc, then an odometer
    for (int64_t p = 0; p < kc; ++p, out += NR) {
      const T* plane = image + c * sc;
      const int64_t x0 = kj * g.dw - g.pw, lo = lo_of[kj], hi = hi_of[kj];
      for (int t = 0; t < NR; ++t) out[t] = T(0);  // the padding, and columns past `cols`
      for (int s = 0; s < runs; ++s) {
        const int64_t y = run_oy[s] * g.sh - g.ph + ki * g.dh;
        const int64_t a = run_ox[s], v0 = std::max(a, lo), v1 = std::min(a + run_len[s], hi);  // valid ox
        if (y < 0 || y >= g.height || v1 <= v0) continue;
        const T* src = plane + y * sy + (v0 * g.sw + x0) * sx;
        T* dst = out + run_t[s] + (v0 - a);
        for (int64_t i = 0; i < v1 - v0; ++i) dst[i] = src[i * step];
      }
      if (++kj == g.kw) {
        kj = 0;
        if (++ki == g.kh) {
          ki = 0;
          ++c;
        }
      }
    }
  }
};

// The transposed column matrix of one image (and group) as a gemm_packed B source, for the
// weight gradient grad[n] @ im2col(x[n])^T: row l = (oy, ox), column r = (c, ki, kj). A panel's
// NR columns are NR rows of the column matrix: each is filled for blocks [pc, pc + kc) into a row
// buffer (a copy per block row, zeros in the padding), and pack_rows_transposed turns the NR rows
// into the kc x NR panel.
template <typename T>
struct Im2colRowPanels {
  Im2colPanels<T> m;  // the column matrix: its image, strides and valid ranges
  static constexpr int64_t kPackedB = Im2colPanels<T>::kPackedB;

  // Row r of the column matrix, blocks [l0, l0 + count), into dst.
  void row_segment(int64_t r, int64_t l0, int64_t count, T* __restrict dst) const {
    const Im2colGeometry& g = m.g;
    const int64_t area = g.kernel_area(), c = r / area, ki = (r % area) / g.kw, kj = r % g.kw;
    const T* plane = m.image + c * m.sc;
    const int64_t x0 = kj * g.dw - g.pw, lo = m.lo_of[kj], hi = m.hi_of[kj], step = g.sw * m.sx, sy = m.sy;
    int64_t oy = l0 / g.out_w, ox = l0 % g.out_w;
    while (count > 0) {
      const int64_t seg = std::min(count, g.out_w - ox), y = oy * g.sh - g.ph + ki * g.dh;
      const int64_t v0 = std::max(ox, lo), v1 = std::min(ox + seg, hi);  // valid block columns
      if (y < 0 || y >= g.height || v1 <= v0) {
        std::fill(dst, dst + seg, T(0));
      } else {
        std::fill(dst, dst + (v0 - ox), T(0));
        const T* src = plane + y * sy + (v0 * g.sw + x0) * m.sx;
        T* d = dst + (v0 - ox);
        if (step == 1) std::copy(src, src + (v1 - v0), d);
        else for (int64_t i = 0; i < v1 - v0; ++i) d[i] = src[i * step];
        std::fill(dst + (v1 - ox), dst + seg, T(0));
      }
      dst += seg;
      count -= seg;
      ox = 0;
      ++oy;
    }
  }

  template <int NR>
  void pack(int64_t pc, int64_t kc, int64_t j, int64_t cols, T* __restrict out) const {
    thread_local std::vector<T> rows;
    rows.resize(size_t(NR * kc));
    for (int t = 0; t < NR; ++t) {
      T* row = rows.data() + t * kc;
      if (t < cols) row_segment(j + t, pc, kc, row);
      else std::fill(row, row + kc, T(0));
    }
    gemm_detail::pack_rows_transposed<T, NR>(kc, rows.data(), kc, out);
  }
};

#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))  // Gemm.h's VecF / VecD exist
// Vectors of float / double for PaddedPanels: the GEMM's vector wrappers (zero, loadu, storeu;
// Gemm.h), plus a mask of the lanes [lo, hi) and a blend that takes those lanes from its second
// operand.
template <typename T>
struct Lanes : std::conditional_t<std::is_same_v<T, float>, gemm_detail::VecF, gemm_detail::VecD> {
  using Base = std::conditional_t<std::is_same_v<T, float>, gemm_detail::VecF, gemm_detail::VecD>;
  using V = typename Base::V;
  static constexpr int W = Base::kLanes;
#if defined(__AVX512F__)
  using M = uint32_t;  // k-mask bits
  static M mask(int64_t lo, int64_t hi) { return ((1u << hi) - 1u) & ~((1u << lo) - 1u); }
  static V blend(M m, V a, V b) {
    if constexpr (std::is_same_v<T, float>) return _mm512_mask_blend_ps(__mmask16(m), a, b);
    else return _mm512_mask_blend_pd(__mmask8(m), a, b);
  }
#else
  using M = V;  // all bits set in the lanes [lo, hi)
  static M mask(int64_t lo, int64_t hi) {
    // Lane k of the vector loaded at kOnes + 8 - h is set iff k < h (0 <= h <= W <= 8).
    using Bits = std::conditional_t<std::is_same_v<T, float>, int32_t, int64_t>;
    static constexpr Bits kOnes[16] = {-1, -1, -1, -1, -1, -1, -1, -1};  // 8 ones, 8 zeros
    static_assert(W <= 8, "kOnes holds 8 ones");
    const V below_hi = Base::loadu(reinterpret_cast<const T*>(kOnes + 8 - hi));
    const V below_lo = Base::loadu(reinterpret_cast<const T*>(kOnes + 8 - lo));
    if constexpr (std::is_same_v<T, float>) return _mm256_andnot_ps(below_lo, below_hi);
    else return _mm256_andnot_pd(below_lo, below_hi);
  }
  static V blend(M m, V a, V b) {
    if constexpr (std::is_same_v<T, float>) return _mm256_blendv_ps(a, b, m);
    else return _mm256_blendv_pd(a, b, m);
  }
#endif
};

// The same columns for stride 1 along W, read from a zero-padded copy of the image (planes of
// (H + 2 ph) x (W + 2 pw), kSlack spare elements before and after): every run is then a
// contiguous piece of a padded row, with no bounds to check, and a panel row (two vectors, NR
// lanes, Gemm.h's float / double tiles) is assembled in registers from full unaligned loads and
// blends. Storing runs one by one (a memmove per run, or masked stores) stalled on the
// overlapping stores, and masked loads were erratic on AMD cores; both cost more than the GEMM.
template <typename T>
struct PaddedImage {  // a group's channels as pad_image (below) leaves them
  const Im2colGeometry& g;
  const T* padded;     // channel 0 of the group, at (0, 0) of the padded plane
  int64_t plane, row;  // padded plane and row sizes
};

template <typename T>
struct PaddedPanels {
  using Ln = Lanes<T>;
  static constexpr int64_t kSlack = 2 * Ln::W;  // a run's loads reach NR - 1 lanes either side
  static constexpr int64_t kPackedB = int64_t(1) << 17;
  PaddedImage<T> image;

  template <int NR>
  void pack(int64_t pc, int64_t kc, int64_t j, int64_t cols, T* __restrict out) const {
    static_assert(NR == 2 * Ln::W, "a panel row is two vectors");
    const auto& [g, padded, plane, row] = image;
    const PanelRuns<NR> r(g.out_w, j, cols);
    typename Ln::M mask[NR][2];
    int64_t offset[NR];  // run s's lane 0 in the padded plane, before the (c, ki, kj) shift
    for (int s = 0; s < r.count; ++s) {
      for (int v = 0; v < 2; ++v) {
        const int64_t lo = std::clamp<int64_t>(r.t[s] - v * Ln::W, 0, Ln::W);
        const int64_t hi = std::clamp<int64_t>(r.t[s] + r.len[s] - v * Ln::W, 0, Ln::W);
        mask[s][v] = Ln::mask(lo, std::max(lo, hi));
      }
      offset[s] = r.oy[s] * g.sh * row + r.ox[s] - r.t[s];
    }
    const int64_t area = g.kernel_area();
    int64_t c = pc / area, ki = (pc % area) / g.kw, kj = pc % g.kw;
    for (int64_t p = 0; p < kc; ++p, out += NR) {
      const T* base = padded + c * plane + ki * g.dh * row + kj * g.dw;
      typename Ln::V lo = Ln::zero(), hi = Ln::zero();
      for (int s = 0; s < r.count; ++s) {
        const T* q = base + offset[s];
        lo = Ln::blend(mask[s][0], lo, Ln::loadu(q));
        hi = Ln::blend(mask[s][1], hi, Ln::loadu(q + Ln::W));
      }
      Ln::storeu(out, lo);
      Ln::storeu(out + Ln::W, hi);
      if (++kj == g.kw) {
        kj = 0;
        if (++ki == g.kh) {
          ki = 0;
          ++c;
        }
      }
    }
  }
};

// Copies channels [c0, c0 + channels) of an image into zero-padded planes (PaddedPanels' layout)
// in `buf`, a per-thread buffer kept between calls; returns them from channel c0's padded (0, 0).
template <typename T>
PaddedImage<T> pad_image(const Im2colGeometry& g, const T* image, int64_t sc, int64_t sy, int64_t sx,
                         int64_t channels, std::vector<T>& buf) {
  const int64_t row = g.width + 2 * g.pw, rows = g.height + 2 * g.ph, plane = row * rows;
  const int64_t slack = PaddedPanels<T>::kSlack;
  buf.resize(size_t(channels * plane + 2 * slack));
  T* p0 = buf.data() + slack;
  std::fill(buf.data(), p0, T(0));
  std::fill(p0 + channels * plane, buf.data() + buf.size(), T(0));
  for (int64_t c = 0; c < channels; ++c) {
    T* pl = p0 + c * plane;
    std::fill(pl, pl + g.ph * row, T(0));
    std::fill(pl + (g.ph + g.height) * row, pl + plane, T(0));
    for (int64_t y = 0; y < g.height; ++y) {
      T* dst = pl + (g.ph + y) * row;
      const T* src = image + c * sc + y * sy;
      std::fill(dst, dst + g.pw, T(0));
      if (sx == 1) std::memcpy(dst + g.pw, src, size_t(g.width) * sizeof(T));
      else for (int64_t x = 0; x < g.width; ++x) dst[g.pw + x] = src[x * sx];
      std::fill(dst + g.pw + g.width, dst + row, T(0));
    }
  }
  return {g, p0, plane, row};
}
// Im2colRowPanels for stride 1 along the width, from a zero-padded copy of the image (pad_image):
// for one block row oy, the NR columns of a panel (rows r = (c, ki, kj) of the column matrix) read
// NR equally long runs of padded rows, at c plane + (oy sh + ki dh) row + kj dw + ox, so four rows
// at a time go straight from the image into the panel by 4 x 8 transposes (transpose_4x8), without
// the row buffer and its bounds tests.
template <typename T>
struct PaddedRowPanels {
  static constexpr int64_t kPackedB = int64_t(1) << 17;
  PaddedImage<T> image;

  template <int NR>
  void pack(int64_t pc, int64_t kc, int64_t j, int64_t cols, T* __restrict out) const {
    const auto& [g, padded, plane, row] = image;
    const int64_t area = g.kernel_area();
    int64_t offset[NR];
    for (int t = 0; t < cols; ++t) {
      const int64_t r = j + t, c = r / area, ki = (r % area) / g.kw, kj = r % g.kw;
      offset[t] = c * plane + ki * g.dh * row + kj * g.dw;
    }
    for (int64_t l = pc, end = pc + kc; l < end;) {
      const int64_t oy = l / g.out_w, ox = l % g.out_w, seg = std::min(end - l, g.out_w - ox);
      const T* base = padded + oy * g.sh * row + ox;
      int t = 0;
      if constexpr (std::is_same_v<T, float>) {
        for (; t + 4 <= cols; t += 4) {
          const float *r0 = base + offset[t], *r1 = base + offset[t + 1], *r2 = base + offset[t + 2],
                      *r3 = base + offset[t + 3];
          int64_t q = 0;
          for (; q + 8 <= seg; q += 8) gemm_detail::transpose_4x8(r0 + q, r1 + q, r2 + q, r3 + q, out + q * NR + t, NR);
          for (; q < seg; ++q) {
            T* o = out + q * NR + t;
            o[0] = r0[q], o[1] = r1[q], o[2] = r2[q], o[3] = r3[q];
          }
        }
      }
      for (; t < cols; ++t)
        for (int64_t q = 0; q < seg; ++q) out[q * NR + t] = base[offset[t] + q];
      for (; t < NR; ++t)
        for (int64_t q = 0; q < seg; ++q) out[q * NR + t] = T(0);
      out += seg * NR;
      l += seg;
    }
  }
};
#endif  // AVX-512 or AVX2 + FMA


// out (N, O, L) = W[g] @ columns(x[n])[g] (+ bias) for float / double.
template <typename T>
void conv2d_im2col_mm_loop(const Im2colGeometry& g, const Tensor& self, const Tensor& weight,
                           const std::optional<Tensor>& bias, Tensor& out) {
  const int64_t groups = weight.size(0), og = weight.size(1), kg = weight.size(2), L = g.blocks();
  const int64_t out_channels = groups * og, cg = g.channels / groups;
  std::vector<int64_t> lo_of(size_t(g.kw)), hi_of(size_t(g.kw));
  for (int64_t kj = 0; kj < g.kw; ++kj) valid_range(kj * g.dw - g.pw, g.sw, g.width, g.out_w, lo_of[kj], hi_of[kj]);
  const T* x = self.data<T>();
  const T* w = weight.data<T>();
  const T* b = bias ? bias->data<T>() : nullptr;
  const int64_t bstride = bias ? bias->stride(0) : 0;
  T* y = out.data<T>();
  auto one = [&](int64_t unit, bool serial) {
    const int64_t n = unit / groups, grp = unit % groups;
    const T* image = x + n * self.stride(0) + grp * cg * self.stride(1);
    T* c = y + (n * out_channels + grp * og) * L;
    const T* a = w + grp * weight.stride(0);
#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))  // Gemm.h's VecF / VecD exist
    if (g.sw == 1) {
      thread_local std::vector<T> buf;
      const PaddedPanels<T> cols{pad_image<T>(g, image, self.stride(1), self.stride(2), self.stride(3), cg, buf)};
      gemm_packed<T>(og, L, kg, a, weight.stride(1), weight.stride(2), cols, c, L, 1, serial);
    } else
#endif
    {
      const Im2colPanels<T> cols{g, image, self.stride(1), self.stride(2), self.stride(3), lo_of.data(), hi_of.data()};
      gemm_packed<T>(og, L, kg, a, weight.stride(1), weight.stride(2), cols, c, L, 1, serial);
    }
    if (b) {
      // Added to each (n, g) block right after its GEMM, while it is in cache.
      for (int64_t o = 0; o < og; ++o) {
        const T bo = b[(grp * og + o) * bstride];
        T* row = c + o * L;
        for (int64_t l = 0; l < L; ++l) row[l] += bo;
      }
    }
  };
  // Like bmm's batches: a GEMM per thread when the units split evenly enough, else each GEMM on
  // all threads. The sums are the same either way (gemm_packed's order does not depend on it).
  const int64_t units = g.batch * groups, nt = get_num_threads();
  if (units == 1 || (units % nt != 0 && units < 4 * nt)) {
    for (int64_t u = 0; u < units; ++u) one(u, false);
  } else {
    parallel_for(0, units, 1, [&](int64_t u0, int64_t u1) {
      for (int64_t u = u0; u < u1; ++u) one(u, true);
    });
  }
}

// out (G, O/G, K) = sum over n of grad[n][g] (O/G, L) @ columns(x[n])[g]^T (L, K) for float /
// double: a GEMM per image and group into its own slice of `part`, then the slices summed in image
// order, so the bits do not depend on the thread count.
template <typename T>
void conv2d_weight_loop(const Im2colGeometry& g, const Tensor& grad, const Tensor& self, Tensor& out) {
  const int64_t groups = out.size(0), og = out.size(1), kg = out.size(2), cg = g.channels / groups;
  std::vector<int64_t> lo_of(size_t(g.kw)), hi_of(size_t(g.kw));
  for (int64_t kj = 0; kj < g.kw; ++kj) valid_range(kj * g.dw - g.pw, g.sw, g.width, g.out_w, lo_of[kj], hi_of[kj]);
  const T* x = self.data<T>();
  const T* gr = grad.data<T>();
  const int64_t units = g.batch * groups, slice = og * kg;
  std::vector<T> part(size_t(units * slice));
  auto one = [&](int64_t unit, bool serial) {
    const int64_t n = unit / groups, grp = unit % groups;
    const T* image = x + n * self.stride(0) + grp * cg * self.stride(1);
    const T* a = gr + n * grad.stride(0) + grp * og * grad.stride(1);
    T* c = part.data() + unit * slice;
#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))  // pad_image exists
    if (g.sw == 1) {
      thread_local std::vector<T> buf;
      const PaddedRowPanels<T> cols{pad_image<T>(g, image, self.stride(1), self.stride(2), self.stride(3), cg, buf)};
      gemm_packed<T>(og, kg, g.blocks(), a, grad.stride(1), grad.stride(2), cols, c, kg, 1, serial);
      return;
    }
#endif
    const Im2colRowPanels<T> cols{{g, image, self.stride(1), self.stride(2), self.stride(3), lo_of.data(), hi_of.data()}};
    gemm_packed<T>(og, kg, g.blocks(), a, grad.stride(1), grad.stride(2), cols, c, kg, 1, serial);
  };
  // As in the forward: a GEMM per thread when the units split evenly enough, else each on all threads.
  const int64_t nt = get_num_threads();
  if (units == 1 || (units % nt != 0 && units < 4 * nt)) {
    for (int64_t u = 0; u < units; ++u) one(u, false);
  } else {
    parallel_for(0, units, 1, [&](int64_t u0, int64_t u1) {
      for (int64_t u = u0; u < u1; ++u) one(u, true);
    });
  }
  T* o = out.data<T>();
  parallel_for(0, groups * slice, kMathGrainSize, [&](int64_t e0, int64_t e1) {
    for (int64_t e = e0; e < e1; ++e) {
      const int64_t grp = e / slice, i = e % slice;
      T sum = part[size_t(grp * slice + i)];
      for (int64_t n = 1; n < g.batch; ++n) sum += part[size_t((n * groups + grp) * slice + i)];
      o[e] = sum;
    }
  });
}

}  // namespace

Tensor conv2d_im2col_mm_weight_kernel(const Tensor& grad_output, const Tensor& self, IntArrayRef weight_size,
                                      IntArrayRef kernel_size, IntArrayRef dilation, IntArrayRef padding,
                                      IntArrayRef stride) {
  const Im2colGeometry g =
      conv2d_im2col_mm_weight_geometry(grad_output, self, weight_size, kernel_size, dilation, padding, stride);
  const ScalarType dt = self.dtype();
  if (dt == ScalarType::Float16 || dt == ScalarType::BFloat16) {
    // Like the forward: computed in float, one rounding at the end.
    return to_dtype(conv2d_im2col_mm_weight_kernel(to_dtype(grad_output, ScalarType::Float32),
                                                   to_dtype(self, ScalarType::Float32), weight_size, kernel_size,
                                                   dilation, padding, stride),
                    dt);
  }
  Tensor out = empty_tensor(weight_size, dt, self.device(), "_conv2d_im2col_mm_weight");
  if (g.batch == 0) {
    dispatch_floating(dt, "_conv2d_im2col_mm_weight", [&]<typename T>() {
      std::fill(out.data<T>(), out.data<T>() + out.numel(), T(0));
    });
    return out;
  }
  dispatch_floating(dt, "_conv2d_im2col_mm_weight", [&]<typename T>() {
    if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) conv2d_weight_loop<T>(g, grad_output, self, out);
  });
  return out;
}

Tensor conv2d_im2col_mm_kernel(const Tensor& self, const Tensor& weight, const std::optional<Tensor>& bias,
                               IntArrayRef kernel_size, IntArrayRef dilation, IntArrayRef padding,
                               IntArrayRef stride) {
  const Im2colGeometry g = conv2d_im2col_mm_geometry(self, weight, bias, kernel_size, dilation, padding, stride);
  const ScalarType dt = self.dtype();
  if (dt == ScalarType::Float16 || dt == ScalarType::BFloat16) {
    // Like bmm: computed in float (one rounding, at the end), bias included.
    const std::optional<Tensor> bias_f = bias ? std::optional<Tensor>(to_dtype(*bias, ScalarType::Float32)) : bias;
    return to_dtype(conv2d_im2col_mm_kernel(to_dtype(self, ScalarType::Float32), to_dtype(weight, ScalarType::Float32),
                                            bias_f, kernel_size, dilation, padding, stride),
                    dt);
  }
  Tensor out = empty_tensor({g.batch, weight.size(0) * weight.size(1), g.blocks()}, dt, self.device(),
                            "_conv2d_im2col_mm");
  if (out.numel() == 0) return out;
  dispatch_floating(dt, "_conv2d_im2col_mm", [&]<typename T>() {
    if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>)
      conv2d_im2col_mm_loop<T>(g, self, weight, bias, out);
  });
  return out;
}

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
  const Im2colGeometry g = im2col_batch_geometry(self, kernel_size, dilation, padding, stride);
  const int64_t L = g.blocks();
  Tensor out = empty_tensor({g.rows(), g.batch * L}, self.dtype(), self.device(), "_im2col_batch");
  if (out.numel() == 0) return out;
  dispatch_floating(self.dtype(), "_im2col_batch", [&]<typename T>() {
    im2col_loop<T>(g, self.data<T>(), self.stride(0), self.stride(1), self.stride(2), self.stride(3), out.data<T>(), L,
                   g.batch * L);
  });
  return out;
}

Tensor col2im_batch_kernel(const Tensor& self, int64_t batch, IntArrayRef output_size, IntArrayRef kernel_size,
                           IntArrayRef dilation, IntArrayRef padding, IntArrayRef stride) {
  const Im2colGeometry g = col2im_batch_geometry(self, batch, output_size, kernel_size, dilation, padding, stride);
  Tensor out = empty_tensor({g.batch, g.channels, g.height, g.width}, self.dtype(), self.device(), "_col2im_batch");
  if (out.numel() == 0) return out;
  // Image n's column l is the input's column n L + l: read in place through the strides.
  dispatch_floating(self.dtype(), "_col2im_batch", [&]<typename T>() {
    col2im_loop<T>(g, self.data<T>(), g.blocks() * self.stride(1), self.stride(0), self.stride(1), out.data<T>());
  });
  return out;
}

}  // namespace tg::native::CPU_CAPABILITY
