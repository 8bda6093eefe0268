#pragma once
// Pooling windows as contiguous loads (PoolingKernel.cpp's avg_pool2d and max_pool2d, their
// vector paths): lane j of a vector computes output (oh, ow + j) of an output row, so window
// column c must be one load of the input at columns (ow + j) * sw + c * dw - pw for all j. Each
// input row is split once per plane into its sw stride phases: phase r holds the row's elements
// r, r + sw, r + 2 sw, ... of the row padded with pw fill values on the left and fill values past
// its end, and column c of output ow is phase (c * dw) % sw at position ow + (c * dw) / sw. The
// fill is what a window's missing elements contribute: 0 to a sum, -inf to a maximum.
#include "aten/vec/isa.h"
#include <algorithm>
#include <cstdint>
#include <type_traits>
#include <utility>
#include <vector>

#include "aten/vec/vec.h"

namespace tg::native::CPU_CAPABILITY {

template <typename A>
struct PhaseRows {
  using V = vec::Vectorized<A>;
  static constexpr int64_t W = V::size();
  int64_t in_h, in_w, sw, pw;
  int64_t reach;    // ((kw - 1) * dw) / sw: the last window column's position past ow in its phase row
  int64_t span;     // out_w + reach rounded up to W: the phase positions a row's windows reach
  int64_t row_len;  // elements of one phase row (covers every whole-vector load)
  std::vector<int64_t> column;                     // window column c: its phase row's offset + c * dw / sw
  std::vector<std::pair<int64_t, int64_t>> spans;  // phase r: positions [lo, hi) hold elements of the row

  PhaseRows(int64_t in_h_, int64_t in_w_, int64_t out_w, int64_t kw, int64_t sw_, int64_t pw_, int64_t dw)
      : in_h(in_h_), in_w(in_w_), sw(sw_), pw(pw_) {
    reach = (kw - 1) * dw / sw;
    span = (out_w + reach + W - 1) / W * W;
    row_len = std::max({(out_w + W - 1) / W * W + reach, span, (in_w + pw + sw - 1) / sw});
    for (int64_t c = 0; c < kw; ++c) column.push_back((c * dw % sw) * row_len + c * dw / sw);
    for (int64_t r = 0; r < sw; ++r) {  // element lo * sw + r - pw on, sw apart (pw - r > -sw: no negative division)
      const int64_t lo = std::min(row_len, (pw - r + sw - 1) / sw);
      spans.emplace_back(lo, std::max(lo, std::min(row_len, (in_w + pw - r + sw - 1) / sw)));
    }
  }
  int64_t elems() const { return in_h * sw * row_len; }
  // Input row h's phase rows in q (phase r at + r * row_len).
  template <typename P>
  P* row(P* q, int64_t h) const { return q + h * sw * row_len; }

  // Input plane x (in_h x in_w) into its phase rows q (elems(), row h's phases adjacent).
  void split(const A* x, A* q, A fill) const {
    for (int64_t h = 0; h < in_h; ++h)
      for (int64_t r = 0; r < sw; ++r) {
        A* dst = q + (h * sw + r) * row_len;
        const auto [lo, hi] = spans[size_t(r)];
        const A* src = x + h * in_w + lo * sw + r - pw;
        std::fill(dst, dst + lo, fill);
        with_step([&](auto step) { for (int64_t m = 0; m < hi - lo; ++m) dst[lo + m] = src[m * step]; });
        std::fill(dst + hi, dst + row_len, fill);
      }
  }
  // The phase rows q (accumulated by a backward op) back into a plane, the padding dropped.
  // Stride 2 interleaves its two phases in one loop (two loads, two stores a step: it vectorizes,
  // one phase at a time with stride-2 stores did not).
  void merge(const A* q, A* x) const {
    for (int64_t h = 0; h < in_h; ++h) {
      const A* qh = q + h * sw * row_len;
      A* out = x + h * in_w;
      if (sw == 2) {
        const A* even = qh;  // padded position P = col + pw: phase P % 2, position P / 2
        const A* odd = qh + row_len;
        int64_t col = 0;
        if (pw % 2 == 1) out[col++] = odd[pw / 2];
        const int64_t pairs = (in_w - col) / 2, m0 = (col + pw) / 2;
        A* dst = out + col;
        for (int64_t i = 0; i < pairs; ++i) {
          dst[2 * i] = even[m0 + i];
          dst[2 * i + 1] = odd[m0 + i];
        }
        col += 2 * pairs;
        if (col < in_w) out[col] = even[(col + pw) / 2];
        continue;
      }
      for (int64_t r = 0; r < sw; ++r) {
        const auto [lo, hi] = spans[size_t(r)];
        const A* src = qh + r * row_len + lo;
        A* dst = out + lo * sw + r - pw;
        with_step([&](auto step) { for (int64_t m = 0; m < hi - lo; ++m) dst[m * step] = src[m]; });
      }
    }
  }
  // f(sw), sw a compile-time constant when it is 1 or 2: the strided loops then vectorize.
  template <typename F>
  void with_step(const F& f) const {
    if (sw == 1) f(std::integral_constant<int64_t, 1>{});
    else if (sw == 2) f(std::integral_constant<int64_t, 2>{});
    else f(sw);
  }
};

}  // namespace tg::native::CPU_CAPABILITY
