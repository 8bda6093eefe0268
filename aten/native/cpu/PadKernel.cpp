// pad and pad_backward on the CPU (maps and checks in aten/native/Pad.cpp).
//
// pad: one gather pass. The output is walked row by row (a row: one position of every dim but the
// last); a row's source row comes from the padded dims' maps (or it is all constant), and within
// the row the longest stretch that copies consecutive input elements is one memcpy, the few border
// elements are read one by one through the last dim's map. Rows are split over threads.
// pad_backward: a gather too, so it is race-free: every input row sums the output rows that read
// it (the product of the padded dims' inverse maps), each through the same run + border split,
// in a fixed order; the result is the same for any thread count.
#include "aten/vec/isa.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <vector>

#include "aten/dispatch/DtypeDispatch.h"
#include "aten/native/Pad.h"
#include "aten/native/cpu/StreamStores.h"
#include "aten/parallel/Parallel.h"
#include "kernels/pad.h"
#include "kernels/pad_backward.h"
#include "ops/clone.h"
#include "ops/contiguous.h"
#include "ops/full.h"

namespace tg::native::CPU_CAPABILITY {

namespace {

// Row-major strides of a contiguous tensor of `sizes`.
DimVector row_major_strides(const DimVector& sizes) {
  DimVector s(sizes.size(), 1);
  for (int64_t d = int64_t(sizes.size()) - 2; d >= 0; --d) s[size_t(d)] = s[size_t(d) + 1] * sizes[size_t(d) + 1];
  return s;
}

// One output row of pad: from the source row (null: all `value`) through the last dim's map.
template <typename T>
void pad_row(const T* row, const std::vector<int64_t>& last, const PadRun& run, int64_t o_last, T value, T* dst) {
  if (!row) {
    std::fill(dst, dst + o_last, value);
    return;
  }
  for (int64_t j = 0; j < run.out0; ++j) dst[j] = last[size_t(j)] < 0 ? value : row[last[size_t(j)]];
  if (run.len) std::memcpy(dst + run.out0, row + run.in0, size_t(run.len) * sizeof(T));
  for (int64_t j = run.out0 + run.len; j < o_last; ++j) dst[j] = last[size_t(j)] < 0 ? value : row[last[size_t(j)]];
}

// An output past the last-level cache is written around it (StreamStores.h): its rows are built in
// an L1 buffer and leave with non-temporal stores, one pass over the output instead of a read and
// a write ([16,64,64,64] reflect 1, 2 threads: 2.4 -> 1.9 ms). Rows longer than the buffer take the plain path.
template <typename T>
void pad_rows(const PadPlan& p, const T* in, T* out, T value) {
  const int64_t ndim = int64_t(p.out_sizes.size());
  const std::vector<int64_t>& last = p.map.back();
  const int64_t o_last = p.out_sizes[size_t(ndim - 1)];
  const PadRun run = longest_pad_run(last);
  const DimVector in_strides = row_major_strides(p.in_sizes);
  int64_t rows = 1;
  for (int64_t d = 0; d + 1 < ndim; ++d) rows *= p.out_sizes[size_t(d)];
  const int64_t row_bytes = o_last * int64_t(sizeof(T));
  const bool stream = streams_output_bytes(rows * row_bytes) &&
                      row_bytes <= StreamWriter::kMaxPiece;
  parallel_for(0, rows, std::max<int64_t>(1, kGrainSize / std::max<int64_t>(o_last, 1)), [&](int64_t b, int64_t e) {
    // The row's position in every dim but the last, advanced like an odometer (no divisions per row).
    DimVector coord(size_t(std::max<int64_t>(ndim - 1, 0)));
    for (int64_t d = ndim - 2, rest = b; d >= 0; --d) {
      coord[size_t(d)] = rest % p.out_sizes[size_t(d)];
      rest /= p.out_sizes[size_t(d)];
    }
    std::optional<StreamWriter> writer;
    if (stream) writer.emplace(reinterpret_cast<char*>(out + b * o_last));
    for (int64_t r = b; r < e; ++r) {
      T* dst = writer ? reinterpret_cast<T*>(writer->reserve(row_bytes)) : out + r * o_last;
      // The source row: each dim's position (leading dims: itself), or none (a constant row).
      int64_t src = 0;
      bool constant_row = false;
      for (int64_t d = 0; d + 1 < ndim; ++d) {
        const int64_t c = coord[size_t(d)];
        const int64_t s = d < p.lead ? c : p.map[size_t(d - p.lead)][size_t(c)];
        if (s < 0) constant_row = true;
        src += s * in_strides[size_t(d)];
      }
      for (int64_t d = ndim - 2; d >= 0; --d) {
        if (++coord[size_t(d)] < p.out_sizes[size_t(d)]) break;
        coord[size_t(d)] = 0;
      }
      pad_row(constant_row ? nullptr : in + src, last, run, o_last, value, dst);
      if (writer) writer->commit(row_bytes);
    }
    if (writer) writer->finish();
  });
}

template <typename T>
void pad_backward_rows(const PadPlan& p, const T* g, T* out) {
  using Acc = opmath_t<T>;
  const int64_t ndim = int64_t(p.in_sizes.size()), k = int64_t(p.map.size());
  const int64_t n_last = p.in_sizes[size_t(ndim - 1)], o_last = p.out_sizes[size_t(ndim - 1)];
  const std::vector<int64_t>& last = p.map.back();
  const PadRun run = longest_pad_run(last);
  // The border positions of the last dim (outside the run) that read an input element.
  std::vector<int64_t> border;
  for (int64_t j = 0; j < o_last; ++j)
    if ((j < run.out0 || j >= run.out0 + run.len) && last[size_t(j)] >= 0) border.push_back(j);
  // Inverse maps of the padded dims other than the last one.
  std::vector<PadInverse> inv;
  for (int64_t i = 0; i + 1 < k; ++i) inv.push_back(invert_pad_map(p.map[size_t(i)], p.in_sizes[size_t(p.lead + i)]));
  const DimVector g_strides = row_major_strides(p.out_sizes);
  int64_t rows = 1;
  for (int64_t d = 0; d + 1 < ndim; ++d) rows *= p.in_sizes[size_t(d)];
  parallel_for(0, rows, std::max<int64_t>(1, kGrainSize / std::max<int64_t>(o_last, 1)), [&](int64_t b, int64_t e) {
    std::vector<Acc> acc(static_cast<size_t>(n_last), Acc(0));
    DimVector coord(size_t(std::max<int64_t>(ndim - 1, 0)));
    DimVector pick(size_t(std::max<int64_t>(k - 1, 0)));  // odometer over the inverse lists
    for (int64_t d = ndim - 2, rest = b; d >= 0; --d) {  // the first row's position; then an odometer
      coord[size_t(d)] = rest % p.in_sizes[size_t(d)];
      rest /= p.in_sizes[size_t(d)];
    }
    for (int64_t r = b; r < e; ++r) {
      std::fill(acc.begin(), acc.end(), Acc(0));
      int64_t base = 0;
      for (int64_t d = 0; d < p.lead && d + 1 < ndim; ++d) base += coord[size_t(d)] * g_strides[size_t(d)];
      // Every combination of output positions of the padded middle dims that read this row.
      bool any = true;
      for (int64_t i = 0; i + 1 < k; ++i) {
        const PadInverse& v = inv[size_t(i)];
        const int64_t x = coord[size_t(p.lead + i)];
        pick[size_t(i)] = v.start[size_t(x)];
        if (v.start[size_t(x)] == v.start[size_t(x) + 1]) any = false;
      }
      while (any) {
        int64_t off = base;
        for (int64_t i = 0; i + 1 < k; ++i) off += inv[size_t(i)].order[size_t(pick[size_t(i)])] * g_strides[size_t(p.lead + i)];
        const T* gr = g + off;
        Acc* __restrict a = acc.data() + run.in0;
        const T* __restrict bulk = gr + run.out0;
        for (int64_t x = 0; x < run.len; ++x) a[x] += Acc(bulk[x]);
        for (int64_t j : border) acc[size_t(last[size_t(j)])] += Acc(gr[j]);
        // Next combination (the innermost dim fastest).
        int64_t i = k - 2;
        for (; i >= 0; --i) {
          const PadInverse& v = inv[size_t(i)];
          const int64_t x = coord[size_t(p.lead + i)];
          if (++pick[size_t(i)] < v.start[size_t(x) + 1]) break;
          pick[size_t(i)] = v.start[size_t(x)];
        }
        if (i < 0) break;
      }
      T* dst = out + r * n_last;
      for (int64_t x = 0; x < n_last; ++x) dst[x] = T(acc[size_t(x)]);
      for (int64_t d = ndim - 2; d >= 0; --d) {
        if (++coord[size_t(d)] < p.in_sizes[size_t(d)]) break;
        coord[size_t(d)] = 0;
      }
    }
  });
}

}  // namespace

Tensor pad_cpu(const Tensor& self, IntArrayRef pad, std::string_view mode, std::optional<double> value) {
  const char* op = "pad";
  const PadPlan p = pad_plan(op, self.sizes(), pad, mode, value);
  if (p.map.empty()) return tg::clone(self);  // nothing padded: a copy, like PyTorch
  Tensor out = empty_tensor(p.out_sizes, self.dtype(), self.device(), op);
  if (out.numel() == 0) return out;
  const Tensor x = tg::contiguous(self);
  // The fill value in self's dtype, converted by the library's rules (full's).
  const Tensor v = tg::full({}, Scalar(value.value_or(0.0)), self.dtype(), Device());
  dispatch_all(self.dtype(), op, [&]<typename T>() { pad_rows<T>(p, x.data<T>(), out.data<T>(), *v.data<T>()); });
  return out;
}

Tensor pad_backward_cpu(const Tensor& grad_output, IntArrayRef input_size, IntArrayRef pad, std::string_view mode) {
  const char* op = "pad_backward";
  const PadPlan p = pad_plan(op, input_size, pad, mode, std::nullopt);
  check_pad_grad(op, p, grad_output);
  return dispatch_floating(grad_output.dtype(), op, [&]<typename T>() {
    if (p.map.empty()) return tg::clone(grad_output);
    Tensor out = empty_tensor(p.in_sizes, grad_output.dtype(), grad_output.device(), op);
    if (out.numel() == 0) return out;
    const Tensor g = tg::contiguous(grad_output);
    pad_backward_rows<T>(p, g.data<T>(), out.data<T>());
    return out;
  });
}

}  // namespace tg::native::CPU_CAPABILITY
