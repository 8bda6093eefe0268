// CPU kernels of the joining and shape ops: cat (memcpy blocks per outer row), flip and roll (one
// gather through per-dim index tables), tril/triu (per row: copy the kept columns, zero the rest).
// They move bytes without looking at them, so each runs once per element size, for every dtype.
// Work is split by rows (or by bytes of one block); every output byte is written by exactly one
// chunk from the same source, so results never depend on the thread count.
#include "aten/vec/isa.h"
#include <cstring>
#include <vector>

#include "aten/native/Copy.h"
#include "aten/native/Shape.h"
#include "aten/parallel/Parallel.h"
#include "kernels/cat.h"
#include "kernels/flip.h"
#include "kernels/roll.h"
#include "kernels/tril.h"
#include "kernels/triu.h"

namespace tg::native::CPU_CAPABILITY {

namespace {

// Bytes one chunk of a parallel copy should move at least (a thread wake-up costs microseconds).
constexpr int64_t kCopyGrainBytes = kGrainSize * 8;

// memcpy of a row that also asks the cache for the same bytes of `next` (the source of the row
// copied after it; a prefetch never faults, whatever the address). Rows read in an order the
// hardware prefetcher does not follow (flip along dim 0: each 8 KB row forward, the rows backward)
// otherwise start each row with misses waited for one by one: [2048, 2048] float32 flipped along
// dim 0, one thread 1,064 -> 757 us, two 304 -> 257 us (flip along both dims, one backward stream:
// 496 / 217).
inline void copy_row(char* dst, const char* src, int64_t bytes, const char* next) {
  for (int64_t i = 0; i < bytes; i += 64) __builtin_prefetch(next + i);
  std::memcpy(dst, src, size_t(bytes));
}

}  // namespace

// ----------------------------------------------------------------------------- cat

void cat_out_cpu(TensorList tensors, int64_t dim, Tensor& out) {
  check_cat_out_overlap("cat", out, tensors);
  if (out.numel() == 0) return;  // also when cat skips every input
  const int64_t d = cat_wrap_dim(dim, tensors);
  const int64_t es = int64_t(out.element_size());
  const int64_t outer = size_product(out.sizes(), 0, d), inner = size_product(out.sizes(), d + 1, out.dim());
  const int64_t row_bytes = out.size(d) * inner * es;  // one outer row of the result

  // A piece is one input's block of each outer row: contiguous inputs of the result's dtype go
  // in with memcpy when the result is contiguous; the others through the copy kernel (casts,
  // strides), into a view of their part of the result.
  struct Piece {
    const char* src;
    int64_t bytes;   // per outer row
    int64_t offset;  // in the result's row, in bytes
  };
  std::vector<Piece> fast;
  for_each_cat_input(tensors, d, out, [&](const Tensor& t, int64_t n, int64_t offset) {
    fast.push_back(Piece{static_cast<const char*>(t.data_ptr()), n * inner * es, offset * inner * es});
  });
  if (fast.empty()) return;
  char* dst = static_cast<char*>(out.data_ptr());
  if (outer == 1) {
    // One row (dim 0, or only leading dims of size 1): split each block by bytes.
    for (const Piece& p : fast)
      parallel_for(0, p.bytes, kCopyGrainBytes, [&](int64_t b, int64_t e) {
        std::memcpy(dst + p.offset + b, p.src + b, size_t(e - b));
      });
    return;
  }
  parallel_for(0, outer, std::max<int64_t>(1, kCopyGrainBytes / std::max<int64_t>(row_bytes, 1)),
               [&](int64_t b, int64_t e) {
    for (int64_t row = b; row < e; ++row)
      for (const Piece& p : fast) std::memcpy(dst + row * row_bytes + p.offset, p.src + row * p.bytes, size_t(p.bytes));
  });
}

// ----------------------------------------------------------------------------- flip, roll

namespace {

Tensor remap_cpu(const RemapPlan& p, const Tensor& self, const char* op) {
  Tensor out = empty_tensor(self.sizes(), self.dtype(), self.device(), op);
  if (out.numel() == 0) return out;
  const size_t nd = p.sizes.size();
  if (nd == 0) {
    std::memcpy(out.data_ptr(), p.src.data_ptr(), out.element_size());
    return out;
  }
  // table[d][i]: the source offset (in elements) of result index i along dim d.
  std::vector<std::vector<int64_t>> table(nd);
  for (size_t d = 0; d < nd; ++d) {
    table[d].resize(size_t(p.sizes[d]));
    for (int64_t i = 0; i < p.sizes[d]; ++i) table[d][size_t(i)] = remap_index(p, d, i) * p.strides[d];
  }
  const int64_t inner = p.sizes[nd - 1], outer = out.numel() / inner;
  // The last dim read forward with stride 1 (a roll or nothing): at most two memcpy runs.
  const bool runs = !p.flip[nd - 1] && p.strides[nd - 1] == 1;
  const int64_t shift = p.shift[nd - 1];
  // The last dim read backward with stride 1 (flip along it): a reversed loop, which the compiler
  // vectorizes (the table lookup below is a gather: 0.43x PyTorch's flip of [2048, 2048] along 1).
  bool reversed = true;
  for (int64_t j = 0; j < inner && reversed; ++j) reversed = table[nd - 1][size_t(j)] == inner - 1 - j;
  dispatch_element_size(out.element_size(), [&]<typename U>() {
    const U* src = static_cast<const U*>(p.src.data_ptr());
    U* dst = static_cast<U*>(out.data_ptr());
    const int64_t* last = table[nd - 1].data();
    parallel_for(0, outer, std::max<int64_t>(1, kGrainSize / inner), [&](int64_t b, int64_t e) {
      // The coordinates of row b over the leading dims, and its source offset; then an odometer.
      DimVector coord(nd - 1, 0);
      int64_t base = 0;
      for (int64_t r = b, d = int64_t(nd) - 2; d >= 0; --d) {
        coord[size_t(d)] = r % p.sizes[size_t(d)];
        r /= p.sizes[size_t(d)];
      }
      for (size_t d = 0; d + 1 < nd; ++d) base += table[d][size_t(coord[d])];
      uintptr_t prev = uintptr_t(src + base);  // the previous row's source: the next one is guessed a step further
      for (int64_t row = b; row < e; ++row) {
        U* o = dst + row * inner;
        const U* s = src + base;
        if (runs) {
          std::memcpy(o, s + inner - shift, size_t(shift) * sizeof(U));
          copy_row(reinterpret_cast<char*>(o + shift), reinterpret_cast<const char*>(s), (inner - shift) * int64_t(sizeof(U)),
                   reinterpret_cast<const char*>(2 * uintptr_t(s) - prev));
          prev = uintptr_t(s);
        } else if (reversed) {
          const U* s_last = s + inner - 1;
          for (int64_t j = 0; j < inner; ++j) o[j] = s_last[-j];
        } else {
          for (int64_t j = 0; j < inner; ++j) o[j] = s[last[j]];
        }
        for (int64_t d = int64_t(nd) - 2; d >= 0; --d) {
          const auto& t = table[size_t(d)];
          base -= t[size_t(coord[size_t(d)])];
          if (++coord[size_t(d)] < p.sizes[size_t(d)]) {
            base += t[size_t(coord[size_t(d)])];
            break;
          }
          coord[size_t(d)] = 0;
          base += t[0];
        }
      }
    });
  });
  return out;
}

}  // namespace

Tensor flip_cpu(const Tensor& self, IntArrayRef dims) { return remap_cpu(flip_plan(self, dims), self, "flip"); }

Tensor roll_cpu(const Tensor& self, IntArrayRef shifts, IntArrayRef dims) {
  return remap_cpu(roll_plan(self, shifts, dims), self, "roll");
}

// ----------------------------------------------------------------------------- tril, triu

namespace {

// The columns [lo, hi) of row i that tril (upper = false) or triu keep; k may be any int64.
void kept_columns(bool upper, int64_t i, int64_t k, int64_t cols, int64_t& lo, int64_t& hi) {
  // tril keeps j <= i + k, triu keeps j >= i + k; i + k is formed only when it is in [0, cols].
  auto clamp_sum = [&](int64_t extra) {  // clamp(i + k + extra, 0, cols) without overflow
    if (k >= cols - i - extra) return cols;
    if (k <= -i - extra) return int64_t(0);
    return i + k + extra;
  };
  if (upper) {
    lo = clamp_sum(0);
    hi = cols;
  } else {
    lo = 0;
    hi = clamp_sum(1);
  }
}

void triangle_cpu(bool upper, const Tensor& self, int64_t k, Tensor& out) {
  if (out.numel() == 0) return;
  const int64_t nd = self.dim(), rows = self.size(nd - 2), cols = self.size(nd - 1);
  const int64_t batch = out.numel() / (rows * cols);
  const int64_t srs = self.stride(nd - 2), scs = self.stride(nd - 1);
  const int64_t ors = out.stride(nd - 2), ocs = out.stride(nd - 1);
  dispatch_element_size(out.element_size(), [&]<typename U>() {
    const U* src = static_cast<const U*>(self.data_ptr());
    U* dst = static_cast<U*>(out.data_ptr());
    parallel_for(0, batch * rows, std::max<int64_t>(1, kGrainSize / cols), [&](int64_t b, int64_t e) {
      for (int64_t row = b; row < e; ++row) {
        const int64_t i = row % rows;
        int64_t soff = i * srs, ooff = i * ors;
        for (int64_t r = row / rows, d = nd - 3; d >= 0; --d) {  // the batch index over the leading dims
          const int64_t c = r % self.size(d);
          r /= self.size(d);
          soff += c * self.stride(d);
          ooff += c * out.stride(d);
        }
        const U* s = src + soff;
        U* o = dst + ooff;
        int64_t lo, hi;
        kept_columns(upper, i, k, cols, lo, hi);
        if (scs == 1 && ocs == 1) {
          // All-zero bytes are 0, 0.0 and false in every dtype.
          std::memset(o, 0, size_t(lo) * sizeof(U));
          if (o != s && hi > lo) std::memcpy(o + lo, s + lo, size_t(hi - lo) * sizeof(U));
          std::memset(o + hi, 0, size_t(cols - hi) * sizeof(U));
        } else {
          for (int64_t j = 0; j < cols; ++j) o[j * ocs] = (j >= lo && j < hi) ? s[j * scs] : U(0);
        }
      }
    });
  });
}

}  // namespace

void tril_cpu(const Tensor& self, int64_t diagonal, Tensor& out) { triangle_cpu(false, self, diagonal, out); }
void triu_cpu(const Tensor& self, int64_t diagonal, Tensor& out) { triangle_cpu(true, self, diagonal, out); }

}  // namespace tg::native::CPU_CAPABILITY
