// Indexing kernels on the CPU: gather, scatter_ (set / add / multiply), scatter_add_, index_select,
// index_add_, index_copy_, index_fill_, nonzero and the advanced-indexing ops _index / _index_put_.
// Every kernel checks each index it reads against the bound before touching memory, and throws the
// op's error (parallel_for rethrows the first one after the loop). Writes that may collide (two
// indices naming the same element) happen in a fixed order inside one thread: the threads split
// the "lines" (positions that no two writers share) and each walks its lines' indices in order, so
// results are the same for any thread count and duplicates resolve as "last write wins" (scatter_,
// index_copy_, index_put_) or are summed in index order (scatter_add_, index_add_, accumulate=True).
#include "aten/vec/isa.h"

#include <algorithm>
#include <array>
#include <numeric>
#include <optional>
#include <cstring>
#include <type_traits>
#include <vector>

#include "aten/dispatch/DtypeDispatch.h"
#include "aten/native/Copy.h"
#include "aten/native/Indexing.h"
#include "aten/native/cpu/Convert.h"
#include "aten/native/cpu/IndexArithmetic.h"
#include "aten/native/cpu/Prefetch.h"
#include "aten/parallel/Parallel.h"
#include "aten/parallel/WakeCost.h"
#include "kernels/_index.h"
#include "kernels/_index_put_.h"
#include "kernels/gather.h"
#include "kernels/index_add_.h"
#include "kernels/index_copy_.h"
#include "kernels/index_fill_.h"
#include "kernels/index_select.h"
#include "kernels/nonzero.h"
#include "kernels/scatter_.h"
#include "kernels/scatter_add_.h"
#include "kernels/scatter_reduce_.h"
#include "ops/fill_.h"

namespace tg::native::CPU_CAPABILITY {

namespace {

// Element types by size: gather, index_select, scatter_ and index_copy_ only move bits.
template <typename F>
void dispatch_by_size(size_t size, F&& f) {
  switch (size) {
    case 1: return f.template operator()<uint8_t>();
    case 2: return f.template operator()<uint16_t>();
    case 4: return f.template operator()<uint32_t>();
    case 8: return f.template operator()<uint64_t>();
    default: TG_ERROR("[index] unsupported element size ", size);
  }
}

// Splits the positions of `sizes` with dim `dim` left out ("lines", each along dim) over threads,
// each line cut into chunks of at most `chunk` elements (so that a few long lines still spread),
// and calls f(base, begin, end) per chunk: base[t] the offset of the line's first element in tensor
// t (strides[t]; the caller applies a tensor's own stride along dim), [begin, end) its positions.
template <size_t N, typename F>
void for_each_line_chunk(const DimVector& sizes, int64_t dim, const std::array<const int64_t*, N>& strides,
                         int64_t chunk, int64_t work_per_chunk, const F& f) {
  const int64_t ndim = int64_t(sizes.size());
  int64_t nlines = 1;
  for (int64_t d = 0; d < ndim; ++d) {
    if (d != dim) nlines *= sizes[d];
  }
  const int64_t len = dim < ndim ? sizes[dim] : 1;
  if (nlines == 0 || len == 0) return;
  chunk = std::max<int64_t>(1, std::min(chunk, len));
  const int64_t nchunks = (len + chunk - 1) / chunk;
  const int64_t grain = std::max<int64_t>(1, kGrainSize / std::max<int64_t>(1, work_per_chunk));
  parallel_for(0, nlines * nchunks, grain, [&](int64_t begin, int64_t end) {
    for (int64_t unit = begin; unit < end; ++unit) {
      std::array<int64_t, N> base{};
      int64_t rest = unit / nchunks;
      for (int64_t d = ndim - 1; d >= 0; --d) {
        if (d == dim) continue;
        const int64_t c = rest % sizes[d];
        rest /= sizes[d];
        for (size_t t = 0; t < N; ++t) base[t] += c * strides[t][d];
      }
      const int64_t k0 = (unit % nchunks) * chunk;
      f(base, k0, std::min(len, k0 + chunk));
    }
  });
}

// for_each_line_chunk with whole lines: f(base) once per line.
template <size_t N, typename F>
void for_each_line(const DimVector& sizes, int64_t dim, const std::array<const int64_t*, N>& strides,
                   int64_t work_per_line, const F& f) {
  const int64_t len = dim < int64_t(sizes.size()) ? sizes[dim] : 1;
  if (len == 0) {  // lines of length 0 still get their call (the caller loops over nothing)
    DimVector one = sizes;
    one[size_t(dim)] = 1;
    for_each_line_chunk<N>(one, dim, strides, 1, work_per_line,
                           [&](const std::array<int64_t, N>& base, int64_t, int64_t) { f(base); });
    return;
  }
  for_each_line_chunk<N>(sizes, dim, strides, len, work_per_line,
                         [&](const std::array<int64_t, N>& base, int64_t, int64_t) { f(base); });
}

IntArrayRef drop_front(IntArrayRef a, size_t n) { return IntArrayRef(a.data() + n, a.size() - n); }
IntArrayRef take_front(IntArrayRef a, size_t n) { return IntArrayRef(a.data(), n); }

// Offsets of every element of a tensor of `sizes` (row-major order) in a tensor with `strides`.
std::vector<int64_t> element_offsets(IntArrayRef sizes, IntArrayRef strides) {
  int64_t n = 1;
  for (int64_t s : sizes) n *= s;
  std::vector<int64_t> out(size_t(std::max<int64_t>(n, 0)));
  const int64_t ndim = int64_t(sizes.size());
  // Row-major dense strides (the usual case: contiguous values of index_put_): offsets 0, 1, ...
  bool dense = true;
  for (int64_t d = ndim - 1, expected = 1; d >= 0 && dense; --d) {
    dense = sizes[d] == 1 || strides[d] == expected;
    expected *= sizes[d];
  }
  if (dense) {
    std::iota(out.begin(), out.end(), int64_t(0));
    return out;
  }
  for (int64_t i = 0; i < n; ++i) {
    int64_t rest = i, off = 0;
    for (int64_t d = ndim - 1; d >= 0; --d) {
      off += (rest % sizes[d]) * strides[d];
      rest /= sizes[d];
    }
    out[size_t(i)] = off;
  }
  return out;
}

// ---------------------------------------------------------------------- gather / scatter

// Checks n indices (stride `is`) against [0, size) before any of them is used: a branch-free pass
// the compiler vectorizes (an unsigned compare also catches negatives), so the loop that moves the
// data carries no per-element check. Reports the first bad index, as the checking loop did. (The
// flag is an integer: GCC leaves an or-reduction into a bool scalar.)
inline void check_index_run(const char* op, ErrorKind kind, const int64_t* idx, int64_t is, int64_t n, int64_t dim,
                            int64_t size) {
  uint64_t bad = 0;
  if (is == 1) {
    for (int64_t k = 0; k < n; ++k) bad |= uint64_t(idx[k]) >= uint64_t(size);
  } else {
    for (int64_t k = 0; k < n; ++k) bad |= uint64_t(idx[k * is]) >= uint64_t(size);
  }
  if (!bad) return;
  for (int64_t k = 0; k < n; ++k) {
    const int64_t v = idx[k * is];
    if (v < 0 || v >= size) index_out_of_bounds(op, kind, v, dim, size);
  }
}

// One line contiguous along dim in index, self and `other` (scatter along the last dim): one pass,
// the check fused in as a never-taken branch; returns the first bad index's position, or n. The
// caller throws after g (the move's local copy) is gone: a throwing call in the loop kept AddRuns'
// accumulator on the stack (float32 scatter_add_ of 11,100 updates: 22 -> 14 us). noinline, on a
// cache line of its own: inlined, its speed moved with its place in the binary (16 -> 21 us).
template <typename F>
[[gnu::noinline, gnu::aligned(64)]] int64_t move_contiguous_line(const F& f, const int64_t* line, int64_t n,
                                                                 uint64_t size, int64_t sb, int64_t ob) {
  F g = f;
  int64_t k = 0;
  for (; k < n; ++k) {
    const uint64_t v = uint64_t(line[k]);
    if (v >= size) [[unlikely]] break;
    g(sb + int64_t(v), ob + k);
  }
  return k;
}

// One gather/scatter pass: for every element of index, v = index[...] must be in [0, self.size(dim));
// the element of self at v along dim pairs with the element of `other` (out for gather, src for
// scatter) at the index's position. f(self_offset, other_offset) does the move. Writes that may
// collide (two indices naming one element of self) share every coordinate but dim, so threads split
// those other coordinates and each walks its positions along dim in index order: race-free, and the
// same result (the same order of a sum) for any thread count. Each index is checked before the
// write it addresses; a bad one throws (never an out-of-bounds access).
template <typename F>
void gather_scatter_loop(const char* op, const Tensor& self, int64_t dim, const Tensor& index, const Geometry& other,
                         const F& f) {
  if (index.numel() == 0) return;
  Geometry sg = geometry_of(self), ig = geometry_of(index);
  const int64_t* idx = index.data<int64_t>();
  const int64_t n = ig.sizes[dim], self_size = sg.sizes[dim];
  const int64_t is = ig.strides[dim], ss = sg.strides[dim], os = other.strides[dim], es = int64_t(self.element_size());
  // `inner`: the other dim along which index is densest.
  int64_t inner = -1;
  for (int64_t d = 0; d < ig.dim(); ++d) {
    if (d != dim && ig.sizes[d] > 1 && (inner < 0 || std::abs(ig.strides[d]) < std::abs(ig.strides[inner]))) inner = d;
  }
  if (inner >= 0 && n > 1 && std::abs(is) > std::abs(ig.strides[inner])) {
    // dim is not index's densest dim (scatter along dim 0 of a row-major tensor): a line along dim
    // would stride through memory. Take the positions along dim one by one and, for each, a run
    // along `inner`; threads split the runs (positions along inner and the other dims), so each
    // element of self is still written by one thread, its indices in order along dim.
    DimVector rows = ig.sizes;
    rows[size_t(dim)] = 1;
    const int64_t ii = ig.strides[inner], si = sg.strides[inner], oi = other.strides[inner];
    // Runs of 256: a [4096, 1024] index along dim 0 still splits into 4 units for the threads.
    constexpr int64_t kRunChunk = 256;
    for_each_line_chunk<3>(rows, inner, {ig.strides.data(), sg.strides.data(), other.strides.data()}, kRunChunk,
                           n * kRunChunk, [&](const std::array<int64_t, 3>& base, int64_t k0, int64_t k1) {
      // A bad index's value, thrown once the move is gone (see the contiguous loop below).
      std::optional<int64_t> bad;
      {
        F g = f;
        for (int64_t i = 0; i < n && !bad; ++i) {
          const int64_t* run = idx + base[0] + i * is;
          const int64_t sb = base[1], oo = base[2] + i * os;
          for (int64_t k = k0; k < k1; ++k) {
            const int64_t v = run[k * ii];
            if (uint64_t(v) >= uint64_t(self_size)) [[unlikely]] {
              bad = v;
              break;
            }
            g(sb + v * ss + k * si, oo + k * oi);
          }
        }
      }
      if (bad) index_out_of_bounds(op, ErrorKind::Runtime, *bad, dim, self_size);
    });
    return;
  }
  for_each_line<3>(ig.sizes, dim, {ig.strides.data(), sg.strides.data(), other.strides.data()}, n,
                   [&](const std::array<int64_t, 3>& base) {
    const int64_t* line = idx + base[0];
    if (is == 1 && ss == 1 && os == 1) {  // self's line prefetched: [2048, 2048] scatter_add_ 2.85 -> 1.55 ms
      prefetch_span(static_cast<const char*>(self.data_ptr()) + base[1] * es, self_size * es);
      const int64_t k = move_contiguous_line(f, line, n, uint64_t(self_size), base[1], base[2]);
      if (k < n) index_out_of_bounds(op, ErrorKind::Runtime, line[k], dim, self_size);
      return;
    }
    check_index_run(op, ErrorKind::Runtime, line, is, n, dim, self_size);
    F g = f;
    for (int64_t k = 0; k < n; ++k) g(base[1] + line[k * is] * ss, base[2] + k * os);
  });
}

// scatter_add's move (and scatter_reduce's sum and mean) for an index with runs (index_has_runs):
// updates to the previous update's position add up in a register, stored when the position changes and by the destructor (one copy of the
// move per line or chunk): the same additions in the same order without a store and a reload per
// update (cummax's backward, long runs into one position: 4M float32 21 -> 10 ms). self and src
// never overlap (check_scatter), so no read of src can see a value still in acc.
template <typename T>
struct AddRuns {
  T* out;
  const T* in;
  int64_t pos = -1;
  T acc{};
  void operator()(int64_t so, int64_t io) {
    if (so != pos) {
      if (pos >= 0) out[pos] = acc;
      pos = so;
      acc = out[so];
    }
    acc = add_values(acc, in[io]);
  }
  ~AddRuns() {
    if (pos >= 0) out[pos] = acc;
  }
};

// Whether scatter_add's updates come in runs into one position (cummax's backward): judged from the
// first line along dim, at most 64 consecutive pairs, one in eight equal. Runs take AddRuns; scattered
// positions the plain read-modify-write, whose loop is shorter and was steadier from build to build
// (11,100 updates into [37, 129]: 7.0 -> 5.0 us float32, 8.4 -> 6.4 us float16; PyTorch 6.3, 7.5),
// the same additions in the same order.
bool index_has_runs(const Tensor& index, int64_t dim) {
  if (index.dim() == 0 || index.numel() == 0) return false;
  const int64_t* idx = index.data<int64_t>();
  const int64_t pairs = std::min<int64_t>(index.size(dim) - 1, 64), is = index.stride(dim);
  int64_t equal = 0;
  for (int64_t k = 0; k < pairs; ++k) equal += idx[k * is] == idx[(k + 1) * is];
  return pairs > 0 && 8 * equal >= pairs;
}

// src as a geometry for the scatter loop: a tensor's strides, or all zeros for a scalar value.
Geometry zero_strides(int64_t ndim) {
  Geometry g;
  for (int64_t d = 0; d < ndim; ++d) {
    g.sizes.push_back(1);
    g.strides.push_back(0);
  }
  return g;
}

Tensor scalar_in(const Tensor& self, const Scalar& value) {
  Tensor v = empty_tensor({}, self.dtype(), Device(), "scatter_");
  tg::fill_(v, value);
  return v;
}

void scatter_impl(const char* op, Tensor& self, int64_t dim, const Tensor& index, const Tensor& src, bool src_is_scalar,
                  ScatterReduce reduce) {
  Geometry sg = src_is_scalar ? zero_strides(std::max<int64_t>(self.dim(), 1)) : geometry_of(src);
  if (reduce == ScatterReduce::None) {
    dispatch_by_size(self.element_size(), [&]<typename U>() {
      U* out = static_cast<U*>(self.data_ptr());
      const U* in = static_cast<const U*>(src.data_ptr());
      gather_scatter_loop(op, self, dim, index, sg, [out, in](int64_t so, int64_t io) { out[so] = in[io]; });
    });
    return;
  }
  dispatch_all(self.dtype(), op, [&]<typename T>() {
    T* out = self.data<T>();
    const T* in = src.data<T>();
    auto loop = [&](auto combine) {
      gather_scatter_loop(op, self, dim, index, sg,
                          [out, in, combine](int64_t so, int64_t io) { out[so] = combine(out[so], in[io]); });
    };
    // amax / amin: updates that keep self's value store nothing until the first one that
    // replaces it (the flag only keeps the branch predictable: after a change, every update
    // stores). A scatter whose updates change nothing -- repeated into its own result, as in the
    // benchmark matrix -- then only reads and compares, as PyTorch's loop, which stores only
    // when the value changes (its fresh-data calls, mispredicting, ran at 0.4x ours).
    auto loop_until_change = [&](auto keeps) {
      gather_scatter_loop(op, self, dim, index, sg, [out, in, keeps, changed = false](int64_t so, int64_t io) mutable {
        const T a = out[so], b = in[io];
        if (changed) {
          out[so] = keeps(a, b) ? a : b;
        } else if (!keeps(a, b)) {
          changed = true;
          out[so] = b;
        }
      });
    };
    switch (reduce) {
      case ScatterReduce::Add: case ScatterReduce::Mean:
        if (index_has_runs(index, dim)) gather_scatter_loop(op, self, dim, index, sg, AddRuns<T>{out, in});
        else loop([](T a, T b) { return add_values(a, b); });
        break;
      case ScatterReduce::Multiply: loop([](T a, T b) { return mul_values(a, b); }); break;
      case ScatterReduce::Max: loop_until_change([](T a, T b) { return max_keeps(a, b); }); break;
      case ScatterReduce::Min: loop_until_change([](T a, T b) { return min_keeps(a, b); }); break;
      case ScatterReduce::None: break;
    }
  });
}

// --------------------------------------------------------------------------- index_* along dim

// For every position of self with dim left out, and every i < index.numel(): the element of self at
// index[i] along dim pairs with the element of `other` at i along dim. f(self_offset, other_offset).
template <typename F>
void index_along_dim_loop(const char* op, const Tensor& self, int64_t dim, const Tensor& index_in,
                          const Geometry& other, bool wrap_negative, const F& f) {
  const Tensor index = index_in.dtype() == ScalarType::Int64 ? index_in : to_dtype(index_in, ScalarType::Int64);
  const int64_t n = index.numel();
  if (n == 0) return;
  Geometry sg = geometry_of(self);
  const int64_t self_size = sg.sizes[dim], ss = sg.strides[dim], os = other.strides[dim];
  const int64_t istride = index.dim() == 0 ? 0 : index.stride(0);
  const int64_t* idx = index.data<int64_t>();
  // Check (and wrap) every index once up front: the loop below reads them once per line.
  std::vector<int64_t> pos(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    int64_t v = idx[i * istride];
    if (v < -self_size || v >= self_size || (v < 0 && !wrap_negative))
      index_out_of_bounds(op, ErrorKind::Index, v, dim, self_size);
    pos[size_t(i)] = v < 0 ? v + self_size : v;
  }
  // Memory order picks the loop order. `inner`: the other dim along which self is densest.
  int64_t inner = -1;
  for (int64_t d = 0; d < sg.dim(); ++d) {
    if (d != dim && sg.sizes[d] > 1 && (inner < 0 || std::abs(sg.strides[d]) < std::abs(sg.strides[inner]))) inner = d;
  }
  if (inner < 0 || std::abs(ss) <= std::abs(sg.strides[inner])) {
    // dim is the densest dim (index along the last dim): each line along dim, its indices in order.
    for_each_line<2>(sg.sizes, dim, {sg.strides.data(), other.strides.data()}, n,
                     [&](const std::array<int64_t, 2>& base) {
      for (int64_t i = 0; i < n; ++i) f(base[0] + pos[size_t(i)] * ss, base[1] + i * os);
    });
    return;
  }
  // The usual dim=0 of a row-major tensor: take the indices one by one and move whole runs along
  // `inner` (rows), split over threads by position along `inner`, so every element of self is
  // touched by one thread, in index order (index_add_ sums repeated indices in index order: the
  // result does not depend on the thread count).
  DimVector rows = sg.sizes;
  rows[size_t(dim)] = 1;
  const int64_t si = sg.strides[inner], oi = other.strides[inner];
  int64_t lines = 1;
  for (int64_t d = 0; d < sg.dim(); ++d) lines *= d == inner ? 1 : rows[size_t(d)];
  if (lines == 1 && si == 1 && oi == 1 && self_size > 1 && n * sg.sizes[inner] >= kGrainSize) {
    // One run per index (a 2-d self, say): the threads split self's positions along dim instead,
    // each walking all indices in order and moving the whole runs that land in its part. Every
    // element is still summed by one thread in index order; split by columns, both threads
    // streamed half-rows of the same rows (index_add_ of 1024 rows into [2048,2048] on 2
    // threads ran 1.45x faster than on 1; PyTorch 2.1x).
    const int64_t len = sg.sizes[inner];
    parallel_for(0, self_size, 1, [&](int64_t p0, int64_t p1) {
      for (int64_t i = 0; i < n; ++i) {
        const int64_t p = pos[size_t(i)];
        if (p < p0 || p >= p1) continue;
        const int64_t so = p * ss, oo = i * os;
        for (int64_t k = 0; k < len; ++k) f(so + k, oo + k);
      }
    });
    return;
  }
  constexpr int64_t kRunChunk = 1024;
  for_each_line_chunk<2>(rows, inner, {sg.strides.data(), other.strides.data()}, kRunChunk, n * kRunChunk,
                         [&](const std::array<int64_t, 2>& base, int64_t k0, int64_t k1) {
    for (int64_t i = 0; i < n; ++i) {
      const int64_t so = base[0] + pos[size_t(i)] * ss, oo = base[1] + i * os;
      if (si == 1 && oi == 1) {
        for (int64_t k = k0; k < k1; ++k) f(so + k, oo + k);
      } else {
        for (int64_t k = k0; k < k1; ++k) f(so + k * si, oo + k * oi);
      }
    }
  });
}

}  // namespace

// ------------------------------------------------------------------------------------ kernels

void gather_cpu(const Tensor& self, int64_t dim, const Tensor& index, bool /*sparse_grad*/, Tensor& out) {
  int64_t d = check_gather(self, dim, index);
  check_no_overlap("gather", out, self);
  check_no_overlap("gather", out, index);
  if (index.numel() == 0) return;
  // Reads never collide, so gather walks index in memory order: lines along the last dim (not
  // along dim, which would stride through memory when dim is not the last one).
  Geometry sg = geometry_of(self), ig = geometry_of(index), og = geometry_of(out);
  const int64_t last = ig.dim() - 1, n = ig.sizes[last], self_size = sg.sizes[d], ss_dim = sg.strides[d];
  DimVector s_strides = sg.strides;
  s_strides[d] = 0;  // self's position along dim comes from the index value
  const int64_t is = ig.strides[last], os = og.strides[last], ss = s_strides[last];
  const int64_t* idx = index.data<int64_t>();
  dispatch_by_size(self.element_size(), [&]<typename U>() {
    const U* in = static_cast<const U*>(self.data_ptr());
    U* o = static_cast<U*>(out.data_ptr());
    for_each_line<3>(ig.sizes, last, {ig.strides.data(), s_strides.data(), og.strides.data()}, n,
                     [&](const std::array<int64_t, 3>& base) {
      const int64_t* line = idx + base[0];
      const U* src = in + base[1];
      U* dst = o + base[2];
      if (is == 1 && os == 1 && ss == 0 && ss_dim == 1) {
        // gather along the last dim of contiguous tensors, in one pass over the indices with the
        // check as a never-taken branch before each load (measured faster than a load clamped
        // into the line with a branch-free flag, and than a separate checking pass).
        const uint64_t usize = uint64_t(self_size);
        for (int64_t k = 0; k < n; ++k) {
          const uint64_t u = uint64_t(line[k]);
          if (u >= usize) [[unlikely]] index_out_of_bounds("gather", ErrorKind::Runtime, line[k], d, self_size);
          dst[k] = src[u];
        }
        return;
      }
      check_index_run("gather", ErrorKind::Runtime, line, is, n, d, self_size);
      if (is == 1 && os == 1) {
        for (int64_t k = 0; k < n; ++k) dst[k] = src[k * ss + line[k] * ss_dim];
      } else {
        for (int64_t k = 0; k < n; ++k) dst[k * os] = src[k * ss + line[k * is] * ss_dim];
      }
    });
  });
}

Tensor& scatter_src_cpu(Tensor& self, int64_t dim, const Tensor& index, const Tensor& src) {
  int64_t d = check_scatter("scatter_", self, dim, index, &src);
  scatter_impl("scatter_", self, d, index, src, false, ScatterReduce::None);
  return self;
}

Tensor& scatter_value_cpu(Tensor& self, int64_t dim, const Tensor& index, const Scalar& value) {
  int64_t d = check_scatter("scatter_", self, dim, index, nullptr);
  scatter_impl("scatter_", self, d, index, scalar_in(self, value), true, ScatterReduce::None);
  return self;
}

Tensor& scatter_reduce_src_cpu(Tensor& self, int64_t dim, const Tensor& index, const Tensor& src,
                               std::string_view reduce) {
  ScatterReduce r = parse_scatter_reduce(reduce);
  int64_t d = check_scatter("scatter_", self, dim, index, &src);
  accumulate_in_float("scatter_", self, src, rounds_each_update(r), [&](Tensor& acc, const Tensor& values) {
    scatter_impl("scatter_", acc, d, index, values, false, r);
  });
  return self;
}

Tensor& scatter_reduce_value_cpu(Tensor& self, int64_t dim, const Tensor& index, const Scalar& value,
                                 std::string_view reduce) {
  ScatterReduce r = parse_scatter_reduce(reduce);
  int64_t d = check_scatter("scatter_", self, dim, index, nullptr);
  scatter_impl("scatter_", self, d, index, scalar_in(self, value), true, r);
  return self;
}

Tensor& scatter_add_cpu(Tensor& self, int64_t dim, const Tensor& index, const Tensor& src) {
  int64_t d = check_scatter("scatter_add_", self, dim, index, &src);
  accumulate_in_float("scatter_add_", self, src, true, [&](Tensor& acc, const Tensor& values) {
    scatter_impl("scatter_add_", acc, d, index, values, false, ScatterReduce::Add);
  });
  return self;
}

Tensor& scatter_reduce_two_cpu(Tensor& self, int64_t dim, const Tensor& index, const Tensor& src,
                               std::string_view reduce, bool include_self) {
  ScatterReduce r = parse_scatter_reduce_two(reduce);
  int64_t d = check_scatter("scatter_reduce_", self, dim, index, &src);
  accumulate_in_float("scatter_reduce_", self, src, rounds_each_update(r), [&](Tensor& acc, const Tensor& values) {
    if (!include_self) {
      // Where index points, start from the reduction's identity instead of self's value.
      scatter_impl("scatter_reduce_", acc, d, index, scatter_reduce_identity(acc.dtype(), r), true,
                   ScatterReduce::None);
    }
    scatter_impl("scatter_reduce_", acc, d, index, values, false, r);
  });
  // PyTorch divides the rounded sum of a half type, in that type, by the count
  if (r == ScatterReduce::Mean) scatter_mean_finish(self, d, index, include_self);
  return self;
}

void index_select_cpu(const Tensor& self, int64_t dim, const Tensor& index, Tensor& out) {
  int64_t d = check_index_along_dim("index_select", self, dim, index, nullptr, true);
  check_no_overlap("index_select", out, self);
  check_no_overlap("index_select", out, index);
  if (d == 0 && self.dim() > 0 && self.is_contiguous() && out.is_contiguous() && index.dtype() == ScalarType::Int64) {
    // Contiguous rows: one memcpy per index, split over the indices (x[perm] on a matrix).
    const int64_t n = index.numel(), size = self.size(0);
    const int64_t row = self.numel() / std::max<int64_t>(size, 1);
    const size_t bytes = size_t(row) * self.element_size();
    const int64_t* idx = index.data<int64_t>();
    const int64_t istride = index.dim() == 0 ? 0 : index.stride(0);
    const char* in = static_cast<const char*>(self.data_ptr());
    char* o = static_cast<char*>(out.data_ptr());
    // The grain counts bytes, not elements: a row copy does no arithmetic and its rows mostly come
    // from memory, ~3x the time per element of the in-cache work WakeCost.h's factor stands for.
    // Counted in elements, side/2 rows of a [2048, 2048] float32 (8 MB) ran on one thread under
    // OMP_WAIT_POLICY=PASSIVE on stop 56's Xeon (a 61 us wake): 552 us, PyTorch 456; in bytes,
    // split: 350 us (4 MB: 287 -> 215 us; 2 MB and less: one thread, as before).
    parallel_for(0, n, std::max<int64_t>(1, wake_scaled(kGrainSize) / std::max<int64_t>(int64_t(bytes), 1)), [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        const int64_t v = idx[i * istride];
        if (v < 0 || v >= size) index_out_of_bounds("index_select", ErrorKind::Index, v, 0, size);
        if (bytes) std::memcpy(o + size_t(i) * bytes, in + size_t(v) * bytes, bytes);
      }
    });
    return;
  }
  Geometry og = geometry_of(out);
  dispatch_by_size(self.element_size(), [&]<typename U>() {
    const U* in = static_cast<const U*>(self.data_ptr());
    U* o = static_cast<U*>(out.data_ptr());
    index_along_dim_loop("index_select", self, d, index, og, false, [&](int64_t so, int64_t oo) { o[oo] = in[so]; });
  });
}

Tensor& index_add_cpu(Tensor& self, int64_t dim, const Tensor& index, const Tensor& source, const Scalar& alpha) {
  int64_t d = check_index_along_dim("index_add_", self, dim, index, &source, true);
  // PyTorch's index_add_ sums a half type in float when alpha is 1 (its common paths go through
  // scatter_add_) and rounds after every update, alpha * source in float, otherwise.
  const bool sums = alpha.to_double() == 1.0;
  accumulate_in_float("index_add_", self, source, sums, [&](Tensor& acc, const Tensor& values) {
    Geometry srcg = geometry_of(values);
    dispatch_all(acc.dtype(), "index_add_", [&]<typename T>() {
      T* out = acc.data<T>();
      const T* in = values.data<T>();
      using Acc = opmath_t<T>;
      const T a = alpha.to<T>();
      const Acc a_acc = alpha.to<Acc>();
      // a half type with alpha != 1: PyTorch rounds alpha * source in the type on a 1-d self, and
      // adds alpha * source in float on the rows of a larger one
      const bool fused = !std::is_same_v<Acc, T> && acc.dim() > 1;
      // One loop per case, not a branch per element: the plain sum's runs then vectorize.
      if (sums) {
        index_along_dim_loop("index_add_", acc, d, index, srcg, false,
                             [&](int64_t so, int64_t io) { out[so] = add_values(out[so], in[io]); });
      } else if (fused) {
        index_along_dim_loop("index_add_", acc, d, index, srcg, false,
                             [&](int64_t so, int64_t io) { out[so] = T(Acc(out[so]) + a_acc * Acc(in[io])); });
      } else {
        index_along_dim_loop("index_add_", acc, d, index, srcg, false,
                             [&](int64_t so, int64_t io) { out[so] = add_values(out[so], mul_values(in[io], a)); });
      }
    });
  });
  return self;
}

Tensor& index_copy_cpu(Tensor& self, int64_t dim, const Tensor& index, const Tensor& source) {
  int64_t d = check_index_along_dim("index_copy_", self, dim, index, &source, false);
  Geometry srcg = geometry_of(source);
  dispatch_by_size(self.element_size(), [&]<typename U>() {
    U* out = static_cast<U*>(self.data_ptr());
    const U* in = static_cast<const U*>(source.data_ptr());
    index_along_dim_loop("index_copy_", self, d, index, srcg, false, [&](int64_t so, int64_t io) { out[so] = in[io]; });
  });
  return self;
}

Tensor& index_fill_cpu(Tensor& self, int64_t dim, const Tensor& index, const Scalar& value) {
  int64_t d = check_index_fill(self, dim, index);
  Tensor v = scalar_in(self, value);
  Geometry vg = zero_strides(std::max<int64_t>(self.dim(), 1));
  dispatch_by_size(self.element_size(), [&]<typename U>() {
    U* out = static_cast<U*>(self.data_ptr());
    const U fill = *static_cast<const U*>(v.data_ptr());
    index_along_dim_loop("index_fill_", self, d, index, vg, true, [&](int64_t so, int64_t) { out[so] = fill; });
  });
  return self;
}

namespace {
// Calls f(offset, coord) for the elements [begin, end) of a tensor of sizes/strides in row-major
// order, stepping the coordinate like an odometer (one division per call, not per element).
template <typename F>
void walk_elements(IntArrayRef sizes, IntArrayRef strides, int64_t begin, int64_t end, const F& f) {
  const int64_t ndim = int64_t(sizes.size());
  DimVector coord(static_cast<size_t>(ndim), 0);
  int64_t rest = begin, off = 0;
  for (int64_t d = ndim - 1; d >= 0; --d) {
    coord[d] = rest % sizes[d];
    rest /= sizes[d];
    off += coord[d] * strides[d];
  }
  for (int64_t i = begin; i < end; ++i) {
    f(off, coord);
    for (int64_t d = ndim - 1; d >= 0; --d) {
      if (++coord[d] < sizes[d]) {
        off += strides[d];
        break;
      }
      off -= (sizes[d] - 1) * strides[d];
      coord[d] = 0;
    }
  }
}

}  // namespace

namespace {
// nonzero of a contiguous 1-d tensor (x[mask] with a 1-d mask): the same two passes over the same
// chunks, without the coordinate odometer. The count pass is a flat sum the compiler vectorizes;
// the write pass compacts branch-free (a 50 % random mask mispredicts every other branch) into a
// small local buffer, so no write can land past the chunk's own rows of the result.
// The count pass of a contiguous tensor: counts[c + 1] = the non-zeros of chunks 0..c.
template <typename T>
void count_nonzero_chunks(const T* p, int64_t n, int64_t chunk, std::vector<int64_t>& counts) {
  const int64_t nchunks = int64_t(counts.size()) - 1;
  parallel_for(0, nchunks, 1, [&](int64_t cb, int64_t ce) {
    for (int64_t c = cb; c < ce; ++c) {
      int64_t k = 0;
      for (int64_t i = c * chunk, e = std::min(n, (c + 1) * chunk); i < e; ++i) k += is_nonzero(p[i]) ? 1 : 0;
      counts[size_t(c) + 1] = k;
    }
  });
  for (int64_t c = 0; c < nchunks; ++c) counts[size_t(c) + 1] += counts[size_t(c)];
}

template <typename T>
void nonzero_1d(const T* p, int64_t n, int64_t chunk, std::vector<int64_t>& counts, Tensor& out) {
  const int64_t nchunks = int64_t(counts.size()) - 1;
  count_nonzero_chunks(p, n, chunk, counts);
  out = empty_tensor({counts[size_t(nchunks)], 1}, ScalarType::Int64, Device(), "nonzero");
  int64_t* o = out.data<int64_t>();
  parallel_for(0, nchunks, 1, [&](int64_t cb, int64_t ce) {
    constexpr int64_t kBlock = 1024;
    int64_t local[kBlock];
    for (int64_t c = cb; c < ce; ++c) {
      int64_t row = counts[size_t(c)];
      for (int64_t b = c * chunk, e = std::min(n, (c + 1) * chunk); b < e; b += kBlock) {
        const int64_t be = std::min(e, b + kBlock);
        int64_t j = 0;
        for (int64_t i = b; i < be; ++i) {
          local[j] = i;  // always written, kept only when the element is non-zero
          j += is_nonzero(p[i]) ? 1 : 0;
        }
        if (j) std::memcpy(o + row, local, size_t(j) * sizeof(int64_t));  // o is null when nothing is non-zero
        row += j;
      }
    }
  });
}

// nonzero of a contiguous tensor of 2 or more dims: the count pass above, then each chunk walks
// its runs along the last dim, writing every element's coordinate row into a local buffer and
// keeping it when the element is non-zero (branch-free, as in nonzero_1d; the odometer of
// walk_elements per element took 2x PyTorch's time on a [37, 129] tensor).
template <typename T>
void nonzero_nd(const T* p, IntArrayRef sizes, int64_t chunk, std::vector<int64_t>& counts, Tensor& out) {
  const int64_t nchunks = int64_t(counts.size()) - 1, ndim = int64_t(sizes.size()), last = sizes[size_t(ndim - 1)];
  int64_t n = 1;
  for (int64_t s : sizes) n *= s;
  count_nonzero_chunks(p, n, chunk, counts);
  out = empty_tensor({counts[size_t(nchunks)], ndim}, ScalarType::Int64, Device(), "nonzero");
  int64_t* o = out.data<int64_t>();
  parallel_for(0, nchunks, 1, [&](int64_t cb, int64_t ce) {
    constexpr int64_t kBlock = 512;
    std::vector<int64_t> local(size_t(kBlock * ndim));
    DimVector coord(size_t(ndim), 0);
    for (int64_t c = cb; c < ce; ++c) {
      int64_t row = counts[size_t(c)];
      const int64_t b = c * chunk, e = std::min(n, b + chunk);
      for (int64_t d = ndim - 1, rest = b; d >= 0; --d) {
        coord[size_t(d)] = rest % sizes[size_t(d)];
        rest /= sizes[size_t(d)];
      }
      for (int64_t i = b; i < e;) {
        const int64_t j0 = coord[size_t(ndim - 1)], len = std::min({e - i, last - j0, kBlock});
        int64_t k = 0;
        for (int64_t t = 0; t < len; ++t) {
          int64_t* r = local.data() + k * ndim;  // always written, kept only for a non-zero
          for (int64_t d = 0; d + 1 < ndim; ++d) r[d] = coord[size_t(d)];
          r[ndim - 1] = j0 + t;
          k += is_nonzero(p[i + t]) ? 1 : 0;
        }
        if (k) std::memcpy(o + row * ndim, local.data(), size_t(k * ndim) * sizeof(int64_t));
        row += k;
        i += len;
        coord[size_t(ndim - 1)] += len;
        for (int64_t d = ndim - 1; d > 0 && coord[size_t(d)] == sizes[size_t(d)]; --d) {  // odometer carry
          coord[size_t(d)] = 0;
          ++coord[size_t(d - 1)];
        }
      }
    }
  });
}
}  // namespace

// Two passes over fixed-size chunks (so the result does not depend on the thread count): count
// the non-zeros of each chunk, then each chunk writes its coordinates from its prefix-sum row.
Tensor nonzero_cpu(const Tensor& self) {
  const int64_t ndim = self.dim(), n = self.numel();
  constexpr int64_t kChunk = 1 << 16;
  const int64_t nchunks = (n + kChunk - 1) / kChunk;
  std::vector<int64_t> counts(static_cast<size_t>(nchunks) + 1, 0);
  Tensor out;
  dispatch_all(self.dtype(), "nonzero", [&]<typename T>() {
    const T* p = self.data<T>();
    if (self.is_contiguous() && ndim == 1) {
      nonzero_1d(p, n, kChunk, counts, out);
      return;
    }
    if (self.is_contiguous() && ndim >= 2 && n > 0) {
      nonzero_nd(p, self.sizes(), kChunk, counts, out);
      return;
    }
    parallel_for(0, nchunks, 1, [&](int64_t cb, int64_t ce) {
      for (int64_t c = cb; c < ce; ++c) {
        int64_t k = 0;
        walk_elements(self.sizes(), self.strides(), c * kChunk, std::min(n, (c + 1) * kChunk),
                      [&](int64_t off, const DimVector&) { k += is_nonzero(p[off]); });
        counts[size_t(c) + 1] = k;
      }
    });
    for (int64_t c = 0; c < nchunks; ++c) counts[size_t(c) + 1] += counts[size_t(c)];
    out = empty_tensor({counts[size_t(nchunks)], ndim}, ScalarType::Int64, Device(), "nonzero");
    int64_t* o = out.data<int64_t>();
    parallel_for(0, nchunks, 1, [&](int64_t cb, int64_t ce) {
      for (int64_t c = cb; c < ce; ++c) {
        int64_t row = counts[size_t(c)];
        walk_elements(self.sizes(), self.strides(), c * kChunk, std::min(n, (c + 1) * kChunk),
                      [&](int64_t off, const DimVector& coord) {
          if (!is_nonzero(p[off])) return;
          for (int64_t d = 0; d < ndim; ++d) o[row * ndim + d] = coord[d];
          ++row;
        });
      }
    });
  });
  return out;
}

// ---------------------------------------------------------------------------- advanced indexing

namespace {
// For each of the B positions of the stacked index [k, *B]: the offset in self of the element the
// k indices name (each checked against its dim's size, negatives wrapped).
std::vector<int64_t> advanced_offsets(const char* op, const Tensor& self, const Tensor& indices_in) {
  // [k, n] is read through its strides (x[mask] passes nonzero(mask).t(), a view); other
  // layouts of more dims are made contiguous first.
  const bool flat = indices_in.dim() == 2 || indices_in.is_contiguous();
  const Tensor indices = flat ? indices_in : to_dtype(indices_in, ScalarType::Int64);
  const int64_t k = indices.size(0);
  int64_t nb = 1;  // the stacked index is [k, *B]: nb = numel(B), also when k == 0
  for (int64_t d = 1; d < indices.dim(); ++d) nb *= indices.size(d);
  const int64_t row_stride = indices.dim() == 2 ? indices.stride(0) : nb;
  const int64_t col_stride = indices.dim() == 2 ? indices.stride(1) : 1;
  std::vector<int64_t> off(size_t(nb), 0);
  const int64_t* idx = indices.data<int64_t>();
  const IntArrayRef sizes = self.sizes(), strides = self.strides();
  // One indexed dim at a time over all positions.
  for (int64_t j = 0; j < k; ++j) {
    const int64_t size = sizes[size_t(j)], stride = strides[size_t(j)];
    const int64_t* row = idx + j * row_stride;
    parallel_for(0, nb, kGrainSize, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        int64_t v = row[i * col_stride];
        if (v < -size || v >= size) index_out_of_bounds(op, ErrorKind::Index, v, j, size);
        off[size_t(i)] += (v < 0 ? v + size : v) * stride;
      }
    });
  }
  return off;
}
}  // namespace

Tensor index_cpu(const Tensor& self, const Tensor& indices) {
  const int64_t k = check_stacked_index("_index", self, indices);
  Tensor out = empty_tensor(advanced_index_result_shape(self, indices), self.dtype(), Device(), "_index");
  if (k == 1 && self.dim() == 1 && indices.dim() == 2) {
    // A vector indexed by one index row (x[mask] on a 1-d x, x[idx]): read the indices in place
    // instead of first building a table of offsets as large as the result.
    const int64_t nb = indices.size(1), size = self.size(0), stride = self.stride(0), cs = indices.stride(1);
    const int64_t* idx = indices.data<int64_t>();
    dispatch_by_size(self.element_size(), [&]<typename U>() {
      const U* in = static_cast<const U*>(self.data_ptr());
      U* o = static_cast<U*>(out.data_ptr());
      parallel_for(0, nb, kGrainSize, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) {
          const int64_t v = idx[i * cs];
          if (v < -size || v >= size) index_out_of_bounds("index", ErrorKind::Index, v, 0, size);
          o[i] = in[(v < 0 ? v + size : v) * stride];
        }
      });
    });
    return out;
  }
  std::vector<int64_t> boff = advanced_offsets("index", self, indices);
  std::vector<int64_t> roff = element_offsets(drop_front(self.sizes(), size_t(k)), drop_front(self.strides(), size_t(k)));
  const int64_t nb = int64_t(boff.size()), nr = int64_t(roff.size());
  if (nb * nr == 0) return out;
  if (nr == 1) {
    // Every dim indexed (x[mask], x[i, j] with index tensors): one element per position, a typed
    // load instead of a memcpy call per element.
    dispatch_by_size(self.element_size(), [&]<typename U>() {
      const U* in = static_cast<const U*>(self.data_ptr()) + roff[0];
      U* o = static_cast<U*>(out.data_ptr());
      const int64_t* off = boff.data();
      parallel_for(0, nb, kGrainSize, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) o[i] = in[off[i]];
      });
    });
    return out;
  }
  // self's trailing dims dense in row-major order: each position of B copies one block.
  bool dense_rows = true;
  for (int64_t r = 0; r < nr && dense_rows; ++r) dense_rows = roff[size_t(r)] == r;
  if (dense_rows) {
    const size_t bytes = size_t(nr) * self.element_size();
    const char* in = static_cast<const char*>(self.data_ptr());
    char* o = static_cast<char*>(out.data_ptr());
    const size_t esize = self.element_size();
    parallel_for(0, nb, std::max<int64_t>(1, kGrainSize / nr), [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) std::memcpy(o + size_t(i) * bytes, in + size_t(boff[size_t(i)]) * esize, bytes);
    });
    return out;
  }
  dispatch_by_size(self.element_size(), [&]<typename U>() {
    const U* in = static_cast<const U*>(self.data_ptr());
    U* o = static_cast<U*>(out.data_ptr());
    parallel_for(0, nb, std::max<int64_t>(1, kGrainSize / nr), [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        const U* src = in + boff[size_t(i)];
        U* dst = o + i * nr;
        for (int64_t r = 0; r < nr; ++r) dst[r] = src[roff[size_t(r)]];
      }
    });
  });
  return out;
}

namespace {
// index_put_ with every dim of self indexed by a list of nb positions: position b writes the
// element with linear number key(b) in [0, extent), at offset key(b) * scale, from in[b * vstride].
// The threads split self's elements, not the positions: each walks every position in order and
// applies the ones in its share, so duplicates resolve in index order (the last write wins, or
// they are summed in order) for any thread count, and accumulate=True runs on all threads
// (PyTorch's on one). A position outside the share updates a scratch slot, picked with bit
// operations (GCC turned a ?: into a branch, which random indices mispredicted half the time).
template <typename T, typename Key>
void put_elements(T* out, const T* in, int64_t vstride, int64_t nb, int64_t extent, int64_t scale,
                  bool accumulate, const Key& key) {
  const int64_t threads = nb >= kGrainSize ? std::min<int64_t>(get_num_threads(), extent) : 1;
  parallel_for(0, threads, 1, [&](int64_t tb, int64_t te) {
    for (int64_t t = tb; t < te; ++t) {
      const int64_t lo = extent * t / threads;
      const uint64_t width = uint64_t(extent * (t + 1) / threads - lo);
      T scratch[16] = {};
      auto put = [&, out, in, vstride, scale, nb, lo, width](auto add) {
        for (int64_t b = 0; b < nb; ++b) {
          const int64_t e = key(b);  // in [0, extent): out + e * scale is inside self
          const uintptr_t mine = uintptr_t(0) - uintptr_t(uint64_t(e - lo) < width);  // all ones if e is ours
          const uintptr_t target = uintptr_t(out + e * scale), spare = uintptr_t(scratch + (b & 15));
          T* dst = reinterpret_cast<T*>(spare ^ ((target ^ spare) & mine));
          const T v = in[b * vstride];
          if constexpr (decltype(add)::value) *dst = add_values(*dst, v);
          else *dst = v;
        }
      };
      if (accumulate) put(std::true_type{});
      else put(std::false_type{});
    }
  });
}
}  // namespace

Tensor& index_put_cpu(Tensor& self, const Tensor& indices, const Tensor& values, bool accumulate) {
  DimVector shape;
  const int64_t k = check_index_put(self, indices, values, shape);
  if (k == 1 && self.dim() == 1 && indices.dim() == 2) {
    // x[idx] = v / x.index_put_((idx,), v, accumulate) on a vector: the indices read in place
    // (no table of offsets), all checked before anything is written.
    const int64_t nb = indices.size(1), size = self.size(0), cs = indices.stride(1);
    if (nb == 0) return self;
    const int64_t* idx = indices.data<int64_t>();
    parallel_for(0, nb, kGrainSize, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        const int64_t v = idx[i * cs];
        if (v < -size || v >= size) index_out_of_bounds("index_put_", ErrorKind::Index, v, 0, size);
      }
    });
    dispatch_all(self.dtype(), "index_put_", [&]<typename T>() {
      put_elements(self.data<T>(), values.data<T>(), values.stride(0), nb, size, self.stride(0), accumulate,
                   [idx, cs, size](int64_t b) { const int64_t v = idx[b * cs]; return v + (size & (v >> 63)); });
    });
    return self;
  }
  std::vector<int64_t> boff = advanced_offsets("index_put_", self, indices);
  std::vector<int64_t> roff = element_offsets(drop_front(self.sizes(), size_t(k)), drop_front(self.strides(), size_t(k)));
  const int64_t nb = int64_t(boff.size()), nr = int64_t(roff.size());
  if (nb * nr == 0) return self;
  if (nr == 1 && indices.dim() == 2) {  // every dim indexed (x[i, j] = v): one element per position
    int64_t extent = 1;  // the offsets lie in [0, extent)
    for (int64_t d = 0; d < self.dim(); ++d) extent += (self.size(d) - 1) * self.stride(d);
    dispatch_all(self.dtype(), "index_put_", [&]<typename T>() {
      put_elements(self.data<T>() + roff[0], values.data<T>(), values.stride(0), nb, extent, 1, accumulate,
                   [off = boff.data()](int64_t b) { return off[b]; });
    });
    return self;
  }
  // values [*B, *R]: offsets of the B part and of the R part.
  const size_t bdims = shape.size() - size_t(self.dim() - k);
  std::vector<int64_t> vboff = element_offsets(take_front(values.sizes(), bdims), take_front(values.strides(), bdims));
  std::vector<int64_t> vroff = element_offsets(drop_front(values.sizes(), bdims), drop_front(values.strides(), bdims));
  // Threads split the R positions; each walks all B positions in order, so duplicate indices
  // resolve the same way for any thread count (last write wins, or summed in index order).
  dispatch_all(self.dtype(), "index_put_", [&]<typename T>() {
    T* out = self.data<T>();
    const T* in = values.data<T>();
    parallel_for(0, nr, std::max<int64_t>(1, kGrainSize / nb), [&](int64_t rb, int64_t re) {
      for (int64_t b = 0; b < nb; ++b) {
        for (int64_t r = rb; r < re; ++r) {
          T& dst = out[boff[size_t(b)] + roff[size_t(r)]];
          const T v = in[vboff[size_t(b)] + vroff[size_t(r)]];
          dst = accumulate ? add_values(dst, v) : v;
        }
      }
    });
  });
  return self;
}

}  // namespace tg::native::CPU_CAPABILITY
