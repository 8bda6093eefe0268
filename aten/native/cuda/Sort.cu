// Sorting and selection on CUDA: sort, topk, kthvalue, median, mode, and the backward helpers
// _gather_along_dim / _scatter_add_along_dim.
//
// Straightforward rather than fast: the lines along dim are made contiguous ([lines, n]), each
// element becomes a (key, index) pair with the order-preserving key of aten/native/Sorting.h (NaN
// largest, -0.0 == 0.0; flipped for descending / largest), and all lines are sorted at once by a
// bitonic network in global memory, padded to a power of two (one launch per network stage).
// (key, index) is a total order, so the result is the stable sort, the same as on the CPU; topk,
// kthvalue, median and mode read what they need from the sorted pairs.
#include <cstdint>
#include <cmath>

#include "aten/iter/Reduction.h"
#include "aten/native/Copy.h"
#include "aten/native/Sorting.h"
#include "aten/native/cuda/CUDACommon.cuh"
#include "kernels/_gather_along_dim.h"
#include "kernels/_scatter_add_along_dim.h"
#include "kernels/kthvalue.h"
#include "kernels/median.h"
#include "kernels/mode.h"
#include "kernels/sort.h"
#include "kernels/topk.h"
#include "ops/contiguous.h"
#include "ops/fill_.h"
#include "ops/permute.h"
#include "ops/view.h"

namespace tg::native::cuda {

namespace {

// An index outside [0, size) given to a backward helper (read by check_device_error).
constexpr int kSortHelperIndexOutOfRange = 90;

// The ascending key of aten/native/Sorting.h, widened to 64 bits.
template <typename T>
__device__ inline uint64_t device_key(T v) {
  if constexpr (std::is_same_v<T, bool>) {
    return v ? 1 : 0;
  } else if constexpr (std::is_integral_v<T> && std::is_unsigned_v<T>) {
    return uint64_t(v);
  } else if constexpr (std::is_integral_v<T>) {
    return uint64_t(int64_t(v)) ^ (uint64_t(1) << 63);
  } else if constexpr (std::is_same_v<T, double>) {
    if (v != v) return ~uint64_t(0);
    if (v == 0) v = 0.0;
    const uint64_t bits = uint64_t(__double_as_longlong(v));
    return (bits >> 63) ? ~bits : (bits | (uint64_t(1) << 63));
  } else {  // float, __half, __nv_bfloat16: keyed through float
    float f = to_op(v);
    if (f != f) return 0xffffffffull;
    if (f == 0) f = 0.0f;
    const uint32_t bits = __float_as_uint(f);
    return uint64_t((bits >> 31) ? ~bits : (bits | 0x80000000u));
  }
}

template <typename T>
__device__ inline bool is_nan(T v) {
  if constexpr (is_floating_v<T>) {
    const auto f = to_op(v);
    return f != f;
  } else {
    return false;
  }
}

// Pairs of line l at [l * P, (l + 1) * P): the line's n elements, then padding that sorts last.
template <typename T>
__global__ void init_pairs_kernel(const T* x, uint64_t* keys, int64_t* idx, int64_t lines, int64_t n, int64_t P,
                                  uint64_t mask) {
  for (int64_t t = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; t < lines * P;
       t += int64_t(gridDim.x) * blockDim.x) {
    const int64_t l = t / P, j = t % P;
    if (j < n) {
      keys[t] = device_key(x[l * n + j]) ^ mask;
      idx[t] = j;
    } else {
      keys[t] = ~uint64_t(0);
      idx[t] = INT64_MAX;
    }
  }
}

__device__ inline bool pair_greater(uint64_t ka, int64_t ia, uint64_t kb, int64_t ib) {
  return ka > kb || (ka == kb && ia > ib);
}

// One stage (k, j) of the bitonic network, on every line at once.
__global__ void bitonic_step_kernel(uint64_t* keys, int64_t* idx, int64_t total, int64_t P, int64_t j, int64_t k) {
  for (int64_t t = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; t < total; t += int64_t(gridDim.x) * blockDim.x) {
    const int64_t i = t % P, partner = i ^ j;
    if (partner <= i) continue;
    const int64_t a = t, b = t - i + partner;
    const bool ascending = (i & k) == 0;
    if (pair_greater(keys[a], idx[a], keys[b], idx[b]) == ascending) {
      const uint64_t kt = keys[a];
      keys[a] = keys[b];
      keys[b] = kt;
      const int64_t it = idx[a];
      idx[a] = idx[b];
      idx[b] = it;
    }
  }
}

unsigned grid_for(int64_t total) { return unsigned(std::min<int64_t>(blocks_for(total, kBlockSize), 1 << 16)); }

// Sorted (key, index) pairs of every line of x (contiguous [lines, n]); returns P, the padded
// line length: line l's pairs are at [l * P, l * P + n).
struct SortedPairs {
  Tensor keys, idx;
  int64_t P = 1;
};

template <typename T>
SortedPairs sort_pairs(const Tensor& x, int64_t lines, int64_t n, bool flip, const char* op) {
  SortedPairs s;
  while (s.P < n) s.P *= 2;
  const int64_t total = lines * s.P;
  s.keys = empty_tensor(DimVector{total}, ScalarType::Int64, x.device(), op);  // bits of uint64 keys
  s.idx = empty_tensor(DimVector{total}, ScalarType::Int64, x.device(), op);
  if (total == 0) return s;
  auto* keys = reinterpret_cast<uint64_t*>(s.keys.data_ptr());
  auto* idx = s.idx.data<int64_t>();
  init_pairs_kernel<T><<<grid_for(total), kBlockSize>>>(reinterpret_cast<const T*>(x.data_ptr()), keys, idx, lines, n,
                                                        s.P, flip ? ~uint64_t(0) : uint64_t(0));
  TG_CUDA_KERNEL_CHECK(op);
  for (int64_t k = 2; k <= s.P; k *= 2)
    for (int64_t j = k / 2; j > 0; j /= 2) {
      bitonic_step_kernel<<<grid_for(total), kBlockSize>>>(keys, idx, total, s.P, j, k);
      TG_CUDA_KERNEL_CHECK(op);
    }
  return s;
}

// The first `count` sorted pairs of each line starting at `first`, as values (read from x) and
// indices, into contiguous [lines, count] outputs.
template <typename T>
__global__ void take_kernel(const T* x, const int64_t* idx, T* values, int64_t* indices, int64_t lines, int64_t n,
                            int64_t P, int64_t first, int64_t count) {
  for (int64_t t = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; t < lines * count;
       t += int64_t(gridDim.x) * blockDim.x) {
    const int64_t l = t / count, j = first + t % count;
    const int64_t i = idx[l * P + j];
    values[t] = x[l * n + i];
    indices[t] = i;
  }
}

// The permutation that moves dim last and keeps the other dims in order, and its inverse.
DimVector dim_last_perm(int64_t ndim, int64_t dim) {
  DimVector perm;
  for (int64_t d = 0; d < ndim; ++d)
    if (d != dim) perm.push_back(d);
  if (ndim > 0) perm.push_back(dim);
  return perm;
}
DimVector inverse_perm(const DimVector& perm) {
  DimVector inv(perm.size(), 0);
  for (size_t i = 0; i < perm.size(); ++i) inv[size_t(perm[i])] = int64_t(i);
  return inv;
}

// self's lines along dim as a contiguous [lines, n] tensor: dim moved last, the other dims in
// order, so line l is the plan's line l (Sorting.h: row-major over the other dims).
Tensor lines_last(const Tensor& self, int64_t dim) {
  return tg::contiguous(tg::permute(self, dim_last_perm(self.dim(), dim)));
}

// Writes `count` sorted pairs of each line, from position `first`, into the plan's results:
// computed as [.., count] with dim last, then permuted back (count == the size along dim of the
// results), or, for one result per line (kthvalue), copied in line order.
template <typename T>
void take_into(const SortPlan& p, const Tensor& self, const Tensor& x, const SortedPairs& s, int64_t first,
               int64_t count, bool one_per_line, const char* op) {
  const DimVector perm = dim_last_perm(self.dim(), p.dim);
  DimVector sizes;
  for (int64_t d : perm) sizes.push_back(self.size(d));
  if (!sizes.empty()) sizes.back() = count;
  Tensor v = empty_tensor(sizes, self.dtype(), self.device(), op);
  Tensor i = empty_tensor(sizes, ScalarType::Int64, self.device(), op);
  const int64_t total = p.lines * count;
  if (total > 0) {
    take_kernel<T><<<grid_for(total), kBlockSize>>>(reinterpret_cast<const T*>(x.data_ptr()), s.idx.data<int64_t>(),
                                                    reinterpret_cast<T*>(v.data_ptr()), i.data<int64_t>(), p.lines,
                                                    p.n, s.P, first, count);
    TG_CUDA_KERNEL_CHECK(op);
  }
  if (one_per_line) {  // v is [lines] in line order, and so are the contiguous results
    copy_into(tg::view(p.values, v.sizes()), v, op);
    copy_into(tg::view(p.indices, i.sizes()), i, op);
  } else {
    const DimVector inv = inverse_perm(perm);
    copy_into(p.values, tg::permute(v, inv), op);
    copy_into(p.indices, tg::permute(i, inv), op);
  }
}

}  // namespace

std::tuple<Tensor, Tensor> sort_cuda(const Tensor& self, int64_t dim, bool descending) {
  SortPlan p = sort_plan(self, dim);
  if (self.numel() == 0) return {p.values, p.indices};
  dispatch_device<DtypeSet::All>(self.dtype(), "sort", [&]<typename T>() {
    const Tensor x = lines_last(self, p.dim);
    const SortedPairs s = sort_pairs<T>(x, p.lines, p.n, descending, "sort");
    take_into<T>(p, self, x, s, 0, p.n, false, "sort");
  });
  return {p.values, p.indices};
}

std::tuple<Tensor, Tensor> topk_cuda(const Tensor& self, int64_t k, int64_t dim, bool largest, bool /*sorted*/) {
  SortPlan p = topk_plan(self, k, dim);
  check_dtype_in(DtypeSet::Numeric, self.dtype(), "topk");
  if (k == 0 || p.lines == 0) return {p.values, p.indices};
  // The k first of the sorted line: also the answer for sorted=False (whose order is unspecified).
  dispatch_device<DtypeSet::Numeric>(self.dtype(), "topk", [&]<typename T>() {
    const Tensor x = lines_last(self, p.dim);
    const SortedPairs s = sort_pairs<T>(x, p.lines, p.n, largest, "topk");
    take_into<T>(p, self, x, s, 0, k, false, "topk");
  });
  return {p.values, p.indices};
}

std::tuple<Tensor, Tensor> kthvalue_cuda(const Tensor& self, int64_t k, int64_t dim, bool keepdim) {
  SortPlan p = kthvalue_plan(self, k, dim, keepdim);
  check_dtype_in(DtypeSet::Numeric, self.dtype(), "kthvalue");
  if (p.lines == 0) return {p.values, p.indices};
  dispatch_device<DtypeSet::Numeric>(self.dtype(), "kthvalue", [&]<typename T>() {
    const Tensor x = lines_last(self, p.dim);
    const SortedPairs s = sort_pairs<T>(x, p.lines, p.n, false, "kthvalue");
    take_into<T>(p, self, x, s, k - 1, 1, true, "kthvalue");
  });
  return {p.values, p.indices};
}

// ---- median and mode: reductions, whose rows are contiguous [outer, inner] in self's dtype.

namespace {
// One thread per row of sorted pairs: the lower median, or the first NaN (which sorts last, the
// NaNs among themselves by index).
template <typename T>
__global__ void median_rows_kernel(const T* x, const int64_t* idx, T* values, int64_t* indices, int64_t rows,
                                   int64_t n, int64_t P) {
  for (int64_t r = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; r < rows; r += int64_t(gridDim.x) * blockDim.x) {
    const int64_t* ri = idx + r * P;
    const T* rx = x + r * n;
    int64_t pos = (n - 1) / 2;
    if (is_nan(rx[ri[n - 1]])) {
      pos = n - 1;
      while (pos > 0 && is_nan(rx[ri[pos - 1]])) --pos;
    }
    values[r] = rx[ri[pos]];
    if (indices != nullptr) indices[r] = ri[pos];
  }
}

// One thread per row of sorted pairs: the first longest run of equal keys, its last index.
template <typename T>
__global__ void mode_rows_kernel(const T* x, const uint64_t* keys, const int64_t* idx, T* values, int64_t* indices,
                                 int64_t rows, int64_t n, int64_t P) {
  for (int64_t r = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; r < rows; r += int64_t(gridDim.x) * blockDim.x) {
    const uint64_t* rk = keys + r * P;
    const int64_t* ri = idx + r * P;
    int64_t best_count = 0, best_index = 0;
    for (int64_t start = 0; start < n;) {
      int64_t end = start + 1;
      while (end < n && rk[end] == rk[start]) ++end;
      if (end - start > best_count) {
        best_count = end - start;
        best_index = ri[end - 1];
      }
      start = end;
    }
    values[r] = x[r * n + best_index];
    indices[r] = best_index;
  }
}

void median_impl(const Reduction& r, bool with_indices) {
  if (r.inner() == 0 && r.outer() > 0 && !with_indices && is_floating(r.compute_dtype())) {
    // median() of no elements is NaN, like PyTorch (which has no value for integers: an error).
    Tensor out = r.output(0);
    tg::fill_(out, Scalar(std::nan("")));
    return;
  }
  r.check_nonempty();
  if (r.outer() == 0) return;
  dispatch_device<DtypeSet::Numeric>(r.compute_dtype(), "median", [&]<typename T>() {
    const Tensor& x = r.input();
    const SortedPairs s = sort_pairs<T>(x, r.outer(), r.inner(), false, "median");
    median_rows_kernel<T><<<grid_for(r.outer()), kBlockSize>>>(
        reinterpret_cast<const T*>(x.data_ptr()), s.idx.data<int64_t>(), reinterpret_cast<T*>(r.output(0).data_ptr()),
        with_indices ? r.output(1).data<int64_t>() : nullptr, r.outer(), r.inner(), s.P);
    TG_CUDA_KERNEL_CHECK("median");
  });
}
}  // namespace

void median_all_kernel(const Reduction& r) { median_impl(r, false); }
void median_dim_kernel(const Reduction& r) { median_impl(r, true); }

void mode_kernel(const Reduction& r) {
  r.check_nonempty();
  if (r.outer() == 0) return;
  dispatch_device<DtypeSet::All>(r.compute_dtype(), "mode", [&]<typename T>() {
    const Tensor& x = r.input();
    const SortedPairs s = sort_pairs<T>(x, r.outer(), r.inner(), false, "mode");
    mode_rows_kernel<T><<<grid_for(r.outer()), kBlockSize>>>(
        reinterpret_cast<const T*>(x.data_ptr()), reinterpret_cast<const uint64_t*>(s.keys.data_ptr()),
        s.idx.data<int64_t>(), reinterpret_cast<T*>(r.output(0).data_ptr()), r.output(1).data<int64_t>(), r.outer(),
        r.inner(), s.P);
    TG_CUDA_KERNEL_CHECK("mode");
  });
}

// ---- backward helpers: one thread per (outer, inner) column, walking j in order, so the
// scatter-add needs no atomics and always adds in the same order.

namespace {
template <typename T, bool Scatter>
__global__ void along_dim_kernel(const T* src, const int64_t* index, T* out, int64_t outer, int64_t n_src,
                                 int64_t n_index, int64_t inner, int* error) {
  for (int64_t c = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; c < outer * inner;
       c += int64_t(gridDim.x) * blockDim.x) {
    const int64_t o = c / inner, i = c % inner;
    for (int64_t j = 0; j < n_index; ++j) {
      const int64_t at = (o * n_index + j) * inner + i;
      const int64_t k = index[at];
      if (k < 0 || k >= n_src) {
        report_error(error, kSortHelperIndexOutOfRange);
        continue;
      }
      const int64_t there = (o * n_src + k) * inner + i;
      if constexpr (Scatter) {
        out[there] = from_op<T>(to_op(out[there]) + to_op(src[at]));
      } else {
        out[at] = src[there];
      }
    }
  }
}

template <bool Scatter>
Tensor along_dim(const AlongDimPlan& p, const char* op) {
  const int64_t columns = p.outer * p.inner;
  check_dtype_in(DtypeSet::Floating, p.src.dtype(), op);
  if (columns == 0 || p.n_index == 0) return p.result;
  dispatch_device<DtypeSet::Floating>(p.src.dtype(), op, [&]<typename T>() {
    along_dim_kernel<T, Scatter><<<grid_for(columns), kBlockSize>>>(
        reinterpret_cast<const T*>(p.src.data_ptr()), p.index.data<int64_t>(), reinterpret_cast<T*>(p.result.data_ptr()),
        p.outer, p.n_src, p.n_index, p.inner, device_error_flag());
    TG_CUDA_KERNEL_CHECK(op);
  });
  check_device_error(op);  // "[op] device-side error 90": an index out of range
  return p.result;
}
}  // namespace

Tensor gather_along_dim_cuda(const Tensor& self, int64_t dim, const Tensor& index) {
  return along_dim<false>(gather_along_dim_plan(self, dim, index), "_gather_along_dim");
}

Tensor scatter_add_along_dim_cuda(const Tensor& src, int64_t dim, const Tensor& index, IntArrayRef sizes) {
  return along_dim<true>(scatter_add_along_dim_plan(src, dim, index, sizes), "_scatter_add_along_dim");
}

}  // namespace tg::native::cuda
