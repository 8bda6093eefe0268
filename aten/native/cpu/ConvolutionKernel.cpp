// The convolution's GEMMs on the CPU (geometry: aten/native/Convolution.h; checks: the meta
// functions in Convolution.cpp; im2col / col2im themselves: Im2colKernel.cpp).
//
// _conv2d_im2col_mm (the convolution's forward GEMM) never writes the columns: Im2colPanels is a
// B source for gemm_packed (Gemm.h) that packs each kc x NR panel of an image's column matrix
// straight from the image, so the GEMM reads the image (in cache) instead of a column matrix
// kh kw times its size (in memory). For 8x32x56x56 with 3x3 filters that matrix is 29 MB, and
// writing it, then reading it back to pack it, took two thirds of the convolution's time. Its
// weight gradient (_conv2d_im2col_mm_weight) and input gradient (_conv2d_im2col_mm_input, the
// transposed convolution) read the image the same way.
#include "aten/vec/isa.h"

#include <algorithm>
#include <atomic>
#include <cmath>
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
#include "kernels/_conv2d_im2col_mm.h"
#include "kernels/_conv2d_im2col_mm_input.h"
#include "kernels/_conv2d_im2col_mm_weight.h"

namespace tg::native::CPU_CAPABILITY {

namespace {

// Runs one(unit, serial) for the units (image, group) of a convolution, each a GEMM of `flops`
// multiply-adds. Like bmm's batches: a GEMM per thread when the units split evenly enough, else
// each GEMM on all threads (gemm_packed's choice: small ones stay on one). Small work never
// starts threads, whose start-up costs more than it (and, with OpenMP spinning, slows a second
// process sharing the cores, such as a pytest-xdist worker, by orders of magnitude). The sums are
// the same either way: gemm_packed's order does not depend on the threads. Threads claim units
// from a counter, so that one started late (a woken vCPU of a VM: 0.2-0.5 ms after the process
// ran single-threaded for a millisecond) takes fewer rather than holding the others up.
template <typename F>
void for_each_unit(int64_t units, int64_t flops, const F& one) {
  const int64_t nt = get_num_threads();
  if (units == 1 || units * flops < kGemmParallelFlops || (units % nt != 0 && units < 4 * nt)) {
    for (int64_t u = 0; u < units; ++u) one(u, false);
  } else {
    std::atomic<int64_t> next{0};
    parallel_for(0, nt, 1, [&](int64_t, int64_t) {
      for (int64_t u; (u = next.fetch_add(1, std::memory_order_relaxed)) < units;) one(u, true);
    });
  }
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
  // Where GEMM row r = (c, ki, kj) reads, from `padded`: c plane + ki dh row + kj dw, or
  // offset[r] when given (phase_split's rows).
  const int64_t* offset = nullptr;
  // Those of rows [r0, r0 + count) into out (an odometer over (c, ki, kj): no divisions per row).
  void row_offsets(int64_t r0, int64_t count, int64_t* out) const {
    if (offset) {
      std::copy(offset + r0, offset + r0 + count, out);
      return;
    }
    const int64_t area = g.kernel_area();
    int64_t c = r0 / area, ki = (r0 % area) / g.kw, kj = r0 % g.kw;
    for (int64_t r = 0; r < count; ++r) {
      out[r] = c * plane + ki * g.dh * row + kj * g.dw;
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

template <typename T>
struct PaddedPanels {
  using Ln = Lanes<T>;
  static constexpr int64_t kSlack = 2 * Ln::W;  // a run's loads reach NR - 1 lanes either side
  static constexpr int64_t kPackedB = int64_t(1) << 17;
  PaddedImage<T> image;

  // A panel read in place by the GEMM (GemmPlan::kHasInPlace) when its NR columns are one run of a
  // block row, so that each of its rows is NR contiguous elements of a padded row: where its row
  // 0 starts (the others at row_offsets on). Null for a panel across block rows, or a partial one.
  const T* in_place(int64_t j, int64_t cols) const {
    const Im2colGeometry& g = image.g;
    const int64_t ox = j % g.out_w;
    if (cols != 2 * Ln::W || ox + cols > g.out_w) return nullptr;
    return image.padded + j / g.out_w * g.sh * image.row + ox;
  }
  void row_offsets(int64_t pc, int64_t kc, int64_t* offsets) const { image.row_offsets(pc, kc, offsets); }

  template <int NR>
  void pack(int64_t pc, int64_t kc, int64_t j, int64_t cols, T* __restrict out) const {
    static_assert(NR == 2 * Ln::W, "a panel row is two vectors");
    const auto& [g, padded, plane, row, table] = image;
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
    thread_local std::vector<int64_t> rows;
    rows.resize(size_t(kc));
    image.row_offsets(pc, kc, rows.data());
    for (int64_t p = 0; p < kc; ++p, out += NR) {
      const T* base = padded + rows[size_t(p)];
      typename Ln::V lo = Ln::zero(), hi = Ln::zero();
      for (int s = 0; s < r.count; ++s) {
        const T* q = base + offset[s];
        lo = Ln::blend(mask[s][0], lo, Ln::loadu(q));
        hi = Ln::blend(mask[s][1], hi, Ln::loadu(q + Ln::W));
      }
      Ln::storeu(out, lo);
      Ln::storeu(out + Ln::W, hi);
    }
  }
};

// Copies `channels` planes of height x width (strides sc, sy, sx) into zero-padded planes of
// (top + height + bottom) x (left + width + right) in `buf`, a per-thread buffer kept between
// calls, with PaddedPanels' kSlack spare elements before and after; returns plane 0's (0, 0).
template <typename T>
T* pad_planes(const T* image, int64_t sc, int64_t sy, int64_t sx, int64_t channels, int64_t height, int64_t width,
              int64_t top, int64_t bottom, int64_t left, int64_t right, std::vector<T>& buf) {
  const int64_t row = left + width + right, rows = top + height + bottom, plane = row * rows;
  const int64_t slack = PaddedPanels<T>::kSlack;
  buf.resize(size_t(channels * plane + 2 * slack));
  T* p0 = buf.data() + slack;
  std::fill(buf.data(), p0, T(0));
  std::fill(p0 + channels * plane, buf.data() + buf.size(), T(0));
  for (int64_t c = 0; c < channels; ++c) {
    T* pl = p0 + c * plane;
    std::fill(pl, pl + top * row, T(0));
    std::fill(pl + (top + height) * row, pl + plane, T(0));
    for (int64_t y = 0; y < height; ++y) {
      T* dst = pl + (top + y) * row;
      const T* src = image + c * sc + y * sy;
      std::fill(dst, dst + left, T(0));
      if (sx == 1) std::memcpy(dst + left, src, size_t(width) * sizeof(T));
      else for (int64_t x = 0; x < width; ++x) dst[left + x] = src[x * sx];
      std::fill(dst + left + width, dst + row, T(0));
    }
  }
  return p0;
}

// The channels of an image (one group's) padded by the geometry's padding, for PaddedPanels.
template <typename T>
PaddedImage<T> pad_image(const Im2colGeometry& g, const T* image, int64_t sc, int64_t sy, int64_t sx,
                         int64_t channels, std::vector<T>& buf) {
  const int64_t row = g.width + 2 * g.pw, plane = row * (g.height + 2 * g.ph);
  return {g, pad_planes(image, sc, sy, sx, channels, g.height, g.width, g.ph, g.ph, g.pw, g.pw, buf), plane, row};
}
// One input and one output channel (a depthwise convolution's group): a GEMM of one row leaves
// all but one row of every micro-kernel idle (depthwise 3x3 on [8,64,56,56]: 0.73x PyTorch), so the
// taps are summed straight over the padded plane in the GEMM's order: fused multiply-adds tap by
// tap from 0, the same bits while the taps fit one K block. Four vectors of output columns stay in
// registers through all the taps; summing into the output row tap by tap instead stored each
// element once per tap, and the stores were the limit (0.87x PyTorch). The bias, when given, is
// added to the sums in registers (the same bits as the bias pass after a GEMM).
constexpr int64_t kDepthwiseTaps = 256;  // Kernel<T>::KC: one K block

template <typename T>
void depthwise_plane(const PaddedImage<T>& img, const T* w, int64_t ws, const T* bias, T* __restrict out) {
  using Ln = Lanes<T>;
  using V = typename Ln::V;
  constexpr int64_t L = Ln::W, NV = 4;
  const Im2colGeometry& g = img.g;
  const int64_t taps = g.kh * g.kw;  // <= kDepthwiseTaps (the caller's condition)
  T wk[kDepthwiseTaps];
  int64_t at[kDepthwiseTaps];  // tap t's offset in the padded plane from its output's (0, 0)
  for (int64_t t = 0; t < taps; ++t) {
    wk[t] = w[t * ws];
    at[t] = t / g.kw * g.dh * img.row + t % g.kw * g.dw;
  }
  for (int64_t oy = 0; oy < g.out_h; ++oy) {
    T* __restrict o = out + oy * g.out_w;
    const T* base = img.padded + oy * g.sh * img.row;
    int64_t ox = 0;
    auto columns = [&]<int64_t N>(int64_t count) {  // N vectors of columns from ox, count <= N L stored
      V acc[N];
      for (int64_t v = 0; v < N; ++v) acc[v] = Ln::zero();
      for (int64_t t = 0; t < taps; ++t) {
        const V wv = Ln::bcast(wk + t);
        const T* in = base + at[t] + ox;
#pragma GCC unroll 4
        for (int64_t v = 0; v < N; ++v) acc[v] = Ln::fma(wv, Ln::loadu(in + v * L), acc[v]);
      }
      if (bias)
        for (int64_t v = 0; v < N; ++v) acc[v] = Ln::add(acc[v], Ln::bcast(bias));
      for (int64_t v = 0; v < N - 1; ++v) Ln::storeu(o + ox + v * L, acc[v]);
      if (count == N * L) {
        Ln::storeu(o + ox + (N - 1) * L, acc[N - 1]);
      } else {
        alignas(64) T last[L];
        Ln::storeu(last, acc[N - 1]);
        std::memcpy(o + ox + (N - 1) * L, last, size_t(count - (N - 1) * L) * sizeof(T));
      }
      ox += count;
    };
    while (ox + NV * L <= g.out_w) columns.template operator()<NV>(NV * L);
    // The rest in one step of up to NV vectors, the last one partial: its lanes past the row read
    // the next row or the plane's slack (pad_planes), and are not stored. One vector at a time
    // and a scalar tail left AVX-512's 56-column rows (3 vectors and 8 columns) latency-bound,
    // each vector one chain of dependent multiply-adds (depthwise 3x3 on [8,64,56,56]: 0.78x
    // PyTorch).
    const int64_t rest = g.out_w - ox;
    if (rest > 3 * L) columns.template operator()<4>(rest);
    else if (rest > 2 * L) columns.template operator()<3>(rest);
    else if (rest > L) columns.template operator()<2>(rest);
    else if (rest > 0) columns.template operator()<1>(rest);
  }
}

// Its weight gradient: each tap's sum over the output positions of grad times the shifted plane,
// in 16 running partial sums (independent, so they vectorize) added in a fixed order.
template <typename T>
void depthwise_weight(const PaddedImage<T>& img, const T* grad, T* out) {
  const Im2colGeometry& g = img.g;
  constexpr int64_t L = 16;
  for (int64_t ki = 0; ki < g.kh; ++ki)
    for (int64_t kj = 0; kj < g.kw; ++kj) {
      T part[L] = {};
      T sum = T(0);
      for (int64_t oy = 0; oy < g.out_h; ++oy) {
        const T* in = img.padded + (oy * g.sh + ki * g.dh) * img.row + kj * g.dw;
        const T* gr = grad + oy * g.out_w;
        int64_t ox = 0;
        for (; ox + L <= g.out_w; ox += L)
          for (int64_t l = 0; l < L; ++l) part[l] += gr[ox + l] * in[ox + l];
        for (; ox < g.out_w; ++ox) sum += gr[ox] * in[ox];
      }
      for (int64_t l = 0; l < L; ++l) sum += part[l];
      out[ki * g.kw + kj] = sum;
    }
}

// A convolution with stride s > 1 along the width as a stride-1 one (space to depth): tap t =
// r + s j of the kernel reads padded pixel (o + j) s + r for block column o, that is position o + j
// of phase plane r (the padded pixels r, r + s, r + 2s, ...). So the s phases of each channel
// become channels of their own, phase r with the taps r, r + s, ... of the kernel, and the
// stride-1 path (PaddedPanels / PaddedRowPanels, reading each GEMM row (c, r, j) at its offset in
// the phase planes) runs it instead of the strided Im2colPanels, which packed element by element
// (conv2d [8,32,56,56] by 4x4 at stride 2: 2.8 -> 1.6 ms, PyTorch 1.5). The same products and no
// zero taps, whatever k and s (3x3 at stride 2: phases of 2 and 1 taps). Dilation 1.
constexpr int64_t kMaxPhases = 8;  // the largest stride phase_split takes along the width

struct PhaseSplit {
  bool ok = false;
  int64_t rh = 1, rw = 1;      // phases per dim, min(k, s)
  Im2colGeometry gq;           // the phase planes (height, width) and the blocks (out_h, out_w)
  std::vector<int64_t> tap;    // row q of the stride-1 GEMM is column tap[q] of the weight
  std::vector<int64_t> offset; // and reads the phase planes from offset[q]
};

inline PhaseSplit phase_split(const Im2colGeometry& g, int64_t channels) {
  PhaseSplit p;
  if (g.sw == 1 || g.sw > kMaxPhases || g.dh != 1 || g.dw != 1) return p;
  p.ok = true;
  p.rh = std::min(g.kh, g.sh);
  p.rw = std::min(g.kw, g.sw);
  Im2colGeometry& q = p.gq;
  q.out_h = g.out_h;
  q.out_w = g.out_w;
  q.height = g.out_h + ceil_div(g.kh, g.sh) - 1;  // the rows and columns of a phase plane the blocks read
  q.width = g.out_w + ceil_div(g.kw, g.sw) - 1;
  const int64_t plane = q.height * q.width;
  for (int64_t c = 0; c < channels; ++c)
    for (int64_t r = 0; r < p.rh; ++r)
      for (int64_t t = 0; t < p.rw; ++t)
        for (int64_t j = 0; r + g.sh * j < g.kh; ++j)
          for (int64_t i = 0; t + g.sw * i < g.kw; ++i) {
            p.tap.push_back(c * g.kernel_area() + (r + g.sh * j) * g.kw + t + g.sw * i);
            p.offset.push_back(((c * p.rh + r) * p.rw + t) * plane + j * q.width + i);
          }
  return p;
}

// The phase planes of channels [0, channels) of an image for phase_split's stride-1 convolution,
// in PaddedImage's layout: plane (c, r, t) at (a, b) is the image's pixel (a sh + r - ph,
// b sw + t - pw), 0 in the padding.
template <typename T>
PaddedImage<T> phase_image(const Im2colGeometry& g, const PhaseSplit& split, const T* image, int64_t sc, int64_t sy,
                           int64_t sx, int64_t channels, std::vector<T>& buf) {
  const Im2colGeometry& q = split.gq;
  const int64_t plane = q.height * q.width, slack = PaddedPanels<T>::kSlack, rw = split.rw;
  buf.resize(size_t(channels * split.rh * rw * plane + 2 * slack));
  T* p0 = buf.data() + slack;
  std::fill(buf.data(), p0, T(0));
  std::fill(p0 + channels * split.rh * rw * plane, buf.data() + buf.size(), T(0));
  // Phase t's columns b inside the image: [lo[t], hi[t]); [both_lo, both_hi) inside for every t.
  int64_t lo[kMaxPhases], hi[kMaxPhases], both_lo = 0, both_hi = q.width;
  for (int64_t t = 0; t < rw; ++t) {
    valid_range(t - g.pw, g.sw, g.width, q.width, lo[t], hi[t]);
    both_lo = std::max(both_lo, lo[t]);
    both_hi = std::min(both_hi, hi[t]);
  }
  both_hi = std::max(both_lo, both_hi);
  for (int64_t c = 0; c < channels; ++c)
    for (int64_t r = 0; r < split.rh; ++r) {
      T* rows = p0 + (c * split.rh + r) * rw * plane;  // phase (c, r, 0); phase t is t planes on
      for (int64_t a = 0; a < q.height; ++a, rows += q.width) {
        const int64_t y = a * g.sh + r - g.ph;
        if (y < 0 || y >= g.height) {
          for (int64_t t = 0; t < rw; ++t) std::fill(rows + t * plane, rows + t * plane + q.width, T(0));
          continue;
        }
        const T* src = image + c * sc + y * sy - g.pw * sx;  // padded column 0
        const bool bulk = g.sw == 2 && rw == 2 && sx == 1;  // the loop below splits the row in two
        for (int64_t t = 0; t < rw; ++t) {  // the edges, or the whole row without the bulk loop
          T* dst = rows + t * plane;
          // Element loops, not fill: the padding is a pixel or two, and memset calls cost more.
          for (int64_t b = 0; b < lo[t]; ++b) dst[b] = T(0);
          for (int64_t b = lo[t]; b < (bulk ? both_lo : hi[t]); ++b) dst[b] = src[(b * g.sw + t) * sx];
          for (int64_t b = bulk ? both_hi : hi[t]; b < hi[t]; ++b) dst[b] = src[(b * g.sw + t) * sx];
          for (int64_t b = hi[t]; b < q.width; ++b) dst[b] = T(0);
        }
        if (bulk) {  // stride 2, both phases, a contiguous row: one pass splits it in two (vectorized)
          T* __restrict d0 = rows;
          T* __restrict d1 = rows + plane;
          for (int64_t b = both_lo; b < both_hi; ++b) {
            d0[b] = src[2 * b];
            d1[b] = src[2 * b + 1];
          }
        }
      }
    }
  return {q, p0, plane, q.width, split.offset.data()};
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
    const auto& [g, padded, plane, row, table] = image;
    int64_t offset[NR];
    image.row_offsets(j, cols, offset);
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
#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))  // Gemm.h's VecF / VecD exist
  const PhaseSplit split = phase_split(g, cg);
  std::vector<T> w_split;  // the weight with its columns in the stride-1 form's order
  if (split.ok) {
    w_split.resize(size_t(groups * og * kg));
    const int64_t s0 = weight.stride(0), s1 = weight.stride(1), s2 = weight.stride(2);
    for (int64_t grp = 0; grp < groups; ++grp)
      for (int64_t o = 0; o < og; ++o)
        for (int64_t q = 0; q < kg; ++q)
          w_split[size_t((grp * og + o) * kg + q)] = w[grp * s0 + o * s1 + split.tap[size_t(q)] * s2];
  }
#endif
  auto one = [&](int64_t unit, bool serial) {
    const int64_t n = unit / groups, grp = unit % groups;
    const T* image = x + n * self.stride(0) + grp * cg * self.stride(1);
    T* c = y + (n * out_channels + grp * og) * L;
    const T* a = w + grp * weight.stride(0);
#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))  // Gemm.h's VecF / VecD exist
    if (g.sw == 1) {
      thread_local std::vector<T> buf;
      const PaddedPanels<T> cols{pad_image<T>(g, image, self.stride(1), self.stride(2), self.stride(3), cg, buf)};
      if (og == 1 && cg == 1 && kg <= kDepthwiseTaps) {
        depthwise_plane(cols.image, a, weight.stride(2), b ? b + grp * bstride : nullptr, c);
        return;  // bias included
      }
      gemm_packed<T>(og, L, kg, a, weight.stride(1), weight.stride(2), cols, c, L, 1, serial);
    } else if (split.ok) {
      thread_local std::vector<T> buf;
      const PaddedPanels<T> cols{phase_image<T>(g, split, image, self.stride(1), self.stride(2), self.stride(3), cg, buf)};
      gemm_packed<T>(og, L, kg, w_split.data() + grp * og * kg, kg, 1, cols, c, L, 1, serial);
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
  for_each_unit(g.batch * groups, og * L * kg, one);
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
  // part's column for weight column k: k itself, or its place in phase_split's order.
  std::vector<int64_t> part_col(static_cast<size_t>(kg));
  for (int64_t k = 0; k < kg; ++k) part_col[size_t(k)] = k;
#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))  // pad_image exists
  const PhaseSplit split = phase_split(g, cg);
  if (split.ok)
    for (int64_t q = 0; q < kg; ++q) part_col[size_t(split.tap[size_t(q)])] = q;
#endif
  auto one = [&](int64_t unit, bool serial) {
    const int64_t n = unit / groups, grp = unit % groups;
    const T* image = x + n * self.stride(0) + grp * cg * self.stride(1);
    const T* a = gr + n * grad.stride(0) + grp * og * grad.stride(1);
    T* c = part.data() + unit * slice;
#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))  // pad_image exists
    if (g.sw == 1) {
      thread_local std::vector<T> buf;
      const PaddedRowPanels<T> cols{pad_image<T>(g, image, self.stride(1), self.stride(2), self.stride(3), cg, buf)};
      if (og == 1 && cg == 1 && grad.stride(2) == 1) depthwise_weight(cols.image, a, c);
      else gemm_packed<T>(og, kg, g.blocks(), a, grad.stride(1), grad.stride(2), cols, c, kg, 1, serial);
      return;
    }
    if (split.ok) {  // a strided convolution as a stride-1 one (phase_split), its columns permuted
      thread_local std::vector<T> buf;
      const PaddedRowPanels<T> cols{phase_image<T>(g, split, image, self.stride(1), self.stride(2), self.stride(3), cg, buf)};
      gemm_packed<T>(og, kg, g.blocks(), a, grad.stride(1), grad.stride(2), cols, c, kg, 1, serial);
      return;
    }
#endif
    const Im2colRowPanels<T> cols{{g, image, self.stride(1), self.stride(2), self.stride(3), lo_of.data(), hi_of.data()}};
    gemm_packed<T>(og, kg, g.blocks(), a, grad.stride(1), grad.stride(2), cols, c, kg, 1, serial);
  };
  for_each_unit(units, og * kg * g.blocks(), one);
  T* o = out.data<T>();
  parallel_for(0, groups * slice, kMathGrainSize, [&](int64_t e0, int64_t e1) {
    for (int64_t e = e0; e < e1; ++e) {
      const int64_t grp = e / slice, i = e % slice - e % kg + part_col[size_t(e % kg)];
      T sum = part[size_t(grp * slice + i)];
      for (int64_t n = 1; n < g.batch; ++n) sum += part[size_t((n * groups + grp) * slice + i)];
      o[e] = sum;
    }
  });
}

#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))  // PaddedPanels exists
// The input gradient (the transposed convolution) by stride phases. Along one dim (image size n,
// kernel k, dilation d, padding p, stride s), image pixel i = m s + e (phase e) gets grad[b] w[t]
// for every b s - p + t d = i. With d = 1 the taps that reach phase e are t = r, r + s, ... (r =
// (e + p) mod s), and with c = (e + p) div s tap r + s j reads grad[m + c - j]: a stride-1
// convolution of the gradient by those taps in reverse order, read from grad position m - lead,
// lead = taps - 1 - c. With s = 1 (one phase) the same holds for any dilation: every tap, spaced d,
// lead = d (k - 1) - p. So the image is s_h s_w stride-1 convolutions of the gradient, one per
// phase, each run by the forward's PaddedPanels GEMM and written to its pixels: no column
// matrix and no col2im (conv_transpose2d [8,32,28,28] by 4x4, stride 2: 2.7 -> ~1.8 ms).
struct InputPhase {
  int64_t first_tap = 0, taps = 0;  // taps first_tap + s j, j < taps (none: the phase gets no term)
  int64_t count = 0;                // its pixels e, e + s, ... inside the image
  int64_t lead = 0;                 // grad position of pixel m's first product: m - lead
};

// The phases along one dim, or none when d > 1 with s > 1 (taps of more than one residue per phase).
inline std::vector<InputPhase> input_phases(int64_t size, int64_t k, int64_t d, int64_t p, int64_t s) {
  std::vector<InputPhase> phases;
  if (s > 1 && d > 1) return phases;
  for (int64_t e = 0; e < s; ++e) {
    InputPhase ph;
    ph.first_tap = (e + p) % s;
    ph.taps = ph.first_tap < k ? ceil_div(k - ph.first_tap, s) : 0;
    ph.count = size > e ? ceil_div(size - e, s) : 0;
    ph.lead = (ph.taps - 1) * d - (e + p) / s;
    phases.push_back(ph);
  }
  return phases;
}

// The zero padding of the gradient (length len) that every phase's reads stay inside: before, after.
inline void input_padding(const std::vector<InputPhase>& phases, int64_t d, int64_t len, int64_t& before,
                          int64_t& after) {
  before = after = 0;
  for (const InputPhase& ph : phases) {
    if (ph.taps == 0 || ph.count == 0) continue;
    before = std::max(before, ph.lead);
    after = std::max(after, ph.count - 1 + (ph.taps - 1) * d - ph.lead - (len - 1));
  }
}

// out (N, C, H, W) = the input gradient of grad (N, O, L) through weight (G, O/G, C/G kh kw), + bias.
template <typename T>
void conv2d_input_loop(const Im2colGeometry& g, const std::vector<InputPhase>& py,
                       const std::vector<InputPhase>& px, const Tensor& grad, const Tensor& weight,
                       const std::optional<Tensor>& bias, Tensor& out) {
  const int64_t groups = weight.size(0), og = weight.size(1), cg = g.channels / groups, area = g.kernel_area();
  const int64_t dy = g.sh == 1 ? g.dh : 1, dx = g.sw == 1 ? g.dw : 1, hw = g.height * g.width;
  int64_t top, bottom, left, right;
  input_padding(py, dy, g.out_h, top, bottom);
  input_padding(px, dx, g.out_w, left, right);
  const int64_t row = left + g.out_w + right, plane = row * (top + g.out_h + bottom);
  // Each phase's weight, (G, C/G, O/G jh jw): the taps that reach it, reversed, in and out swapped.
  const T* w = weight.data<T>();
  const int64_t s0 = weight.stride(0), s1 = weight.stride(1), s2 = weight.stride(2);
  std::vector<std::vector<T>> sub(py.size() * px.size());
  for (size_t a = 0; a < py.size(); ++a)
    for (size_t b = 0; b < px.size(); ++b) {
      const InputPhase &y = py[a], &x = px[b];
      std::vector<T>& v = sub[a * px.size() + b];
      v.reserve(size_t(groups * cg * og * y.taps * x.taps));
      for (int64_t grp = 0; grp < groups; ++grp)
        for (int64_t c = 0; c < cg; ++c)
          for (int64_t o = 0; o < og; ++o)
            for (int64_t i = 0; i < y.taps; ++i)
              for (int64_t j = 0; j < x.taps; ++j) {
                const int64_t ty = y.first_tap + g.sh * (y.taps - 1 - i), tx = x.first_tap + g.sw * (x.taps - 1 - j);
                v.push_back(w[grp * s0 + o * s1 + (c * area + ty * g.kw + tx) * s2]);
              }
    }
  const T* gr = grad.data<T>();
  const T* bs = bias ? bias->data<T>() : nullptr;
  const int64_t bstride = bias ? bias->stride(0) : 0;
  T* o = out.data<T>();
  auto one = [&](int64_t unit, bool serial) {
    const int64_t n = unit / groups, grp = unit % groups;
    thread_local std::vector<T> buf, scratch;
    const T* p0 = pad_planes(gr + n * grad.stride(0) + grp * og * grad.stride(1), grad.stride(1),
                             g.out_w * grad.stride(2), grad.stride(2), og, g.out_h, g.out_w, top, bottom, left, right,
                             buf);
    T* image = o + (n * g.channels + grp * cg) * hw;  // the group's first output channel
    for (size_t a = 0; a < py.size(); ++a)
      for (size_t b = 0; b < px.size(); ++b) {
        const InputPhase &y = py[a], &x = px[b];
        const int64_t cells = y.count * x.count;
        if (cells == 0) continue;
        const bool whole = py.size() == 1 && px.size() == 1;  // stride 1: the phase is the image
        T* res = image;
        if (y.taps > 0 && x.taps > 0) {
          Im2colGeometry q;  // the phase's stride-1 convolution
          q.kh = y.taps, q.kw = x.taps, q.dh = dy, q.dw = dx, q.out_h = y.count, q.out_w = x.count;
          const PaddedPanels<T> cols{{q, p0 + (top - y.lead) * row + (left - x.lead), plane, row}};
          if (!whole) {
            scratch.resize(size_t(cg * cells));
            res = scratch.data();
          }
          const T* wsub = sub[a * px.size() + b].data() + grp * cg * og * y.taps * x.taps;
          if (cg == 1 && og == 1 && y.taps * x.taps <= kDepthwiseTaps)
            depthwise_plane(cols.image, wsub, 1, static_cast<const T*>(nullptr), res);
          else gemm_packed<T>(cg, cells, og * y.taps * x.taps, wsub, og * y.taps * x.taps, 1, cols, res,
                              whole ? hw : cells, 1, serial);
        } else {
          res = nullptr;  // no tap reaches the phase: only the bias
        }
        // Phase pixels (a + sh m, b + sw l), written from res (cg x cells) plus the bias.
        for (int64_t c = 0; c < cg; ++c) {
          const T bc = bs ? bs[(grp * cg + c) * bstride] : T(0);
          T* dst = image + c * hw + int64_t(a) * g.width + int64_t(b);
          const T* src = res ? res + c * (whole ? hw : cells) : nullptr;
          for (int64_t m = 0; m < y.count; ++m, dst += g.sh * g.width) {
            if (!src) {
              for (int64_t l = 0; l < x.count; ++l) dst[l * g.sw] = bc;
            } else if (whole || g.sw == 1) {
              if (whole && !bs) break;  // written in place by the GEMM
              const T* s_row = src + m * x.count;
              for (int64_t l = 0; l < x.count; ++l) dst[l] = s_row[l] + bc;
            } else {
              const T* s_row = src + m * x.count;
              for (int64_t l = 0; l < x.count; ++l) dst[l * g.sw] = s_row[l] + bc;
            }
          }
        }
      }
  };
  for_each_unit(g.batch * groups, g.channels / groups * og * g.kernel_area() * g.out_h * g.out_w, one);
}
#endif

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

Tensor conv2d_im2col_mm_input_kernel(const Tensor& grad_output, const Tensor& weight, const std::optional<Tensor>& bias,
                                     IntArrayRef self_size, IntArrayRef kernel_size, IntArrayRef dilation,
                                     IntArrayRef padding, IntArrayRef stride) {
  [[maybe_unused]] const Im2colGeometry g = conv2d_im2col_mm_input_geometry(grad_output, weight, bias, self_size, kernel_size, dilation,
                                                           padding, stride);
  const ScalarType dt = grad_output.dtype();
  if (dt == ScalarType::Float16 || dt == ScalarType::BFloat16) {
    // Like the forward: computed in float, one rounding at the end.
    const std::optional<Tensor> bias_f = bias ? std::optional<Tensor>(to_dtype(*bias, ScalarType::Float32)) : bias;
    return to_dtype(conv2d_im2col_mm_input_kernel(to_dtype(grad_output, ScalarType::Float32),
                                                  to_dtype(weight, ScalarType::Float32), bias_f, self_size,
                                                  kernel_size, dilation, padding, stride),
                    dt);
  }
#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))
  const auto py = input_phases(g.height, g.kh, g.dh, g.ph, g.sh), px = input_phases(g.width, g.kw, g.dw, g.pw, g.sw);
  if (!py.empty() && !px.empty()) {
    Tensor out = empty_tensor(self_size, dt, grad_output.device(), "_conv2d_im2col_mm_input");
    if (out.numel() == 0) return out;
    dispatch_floating(dt, "_conv2d_im2col_mm_input", [&]<typename T>() {
      if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>)
        conv2d_input_loop<T>(g, py, px, grad_output, weight, bias, out);
    });
    return out;
  }
#endif
  // Dilation with stride, or a build without the packed panels: W^T @ grad, then col2im.
  return conv2d_im2col_mm_input_unfused(grad_output, weight, bias, self_size, kernel_size, dilation, padding, stride);
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

}  // namespace tg::native::CPU_CAPABILITY
