// Indexing kernels on CUDA: gather, scatter_ (set / add / multiply), scatter_add_, index_select,
// index_add_, index_copy_, index_fill_, _index and _index_put_ (nonzero runs on the host copy).
//
// One thread per element of the tensor that drives the op (index for gather/scatter, the
// result/source for index_*, the values for _index_put_), a grid-stride loop so any size launches.
// An out-of-range index is never dereferenced: the thread records it in a device-side error slot
// (first one wins) and skips the element; the host reads the slot after the kernel and throws the
// op's error, as the CPU kernels do. Colliding writes use atomics: native atomicAdd for float,
// double, half, bfloat16, int32 and int64, a compare-and-swap loop for the rest (and for multiply).
// Like PyTorch on CUDA, which of several writes to one element wins in scatter_ / index_copy_ /
// index_put_ (accumulate=False) is unspecified.
#include "aten/native/Copy.h"
#include "aten/native/Indexing.h"
#include "aten/native/cuda/CUDACommon.cuh"
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
#include "kernels/searchsorted.h"
#include "kernels/_unique2.h"
#include "ops/_unique2.h"
#include "ops/fill_.h"
#include "ops/nonzero.h"

namespace tg::native::cuda {

namespace {

constexpr int kMaxDims = 16;

// Sizes and strides passed by value to a kernel.
struct Geo {
  int ndim = 0;
  int64_t sizes[kMaxDims] = {};
  int64_t strides[kMaxDims] = {};
};

Geo to_geo(IntArrayRef sizes, IntArrayRef strides, const char* op) {
  TG_CHECK(sizes.size() <= size_t(kMaxDims), "[", op, "] tensors of more than ", kMaxDims,
           " dims are not supported on CUDA");
  Geo g;
  g.ndim = int(sizes.size());
  for (size_t d = 0; d < sizes.size(); ++d) {
    g.sizes[d] = sizes[d];
    g.strides[d] = strides[d];
  }
  return g;
}
Geo to_geo(const Geometry& g, const char* op) { return to_geo(g.sizes, g.strides, op); }
Geo zero_strides_like(const Geo& g) {
  Geo z = g;
  for (int d = 0; d < z.ndim; ++d) z.strides[d] = 0;
  return z;
}

// ---------------------------------------------------------------------------- error slot

struct IndexErrorSlot {
  int flag;
  long long index, dim, size;
};

IndexErrorSlot* index_error_slot() {
  static IndexErrorSlot* slot = [] {
    IndexErrorSlot* p = nullptr;
    TG_CUDA_CHECK(cudaMalloc(&p, sizeof(IndexErrorSlot)), "allocating the index error slot");
    TG_CUDA_CHECK(cudaMemset(p, 0, sizeof(IndexErrorSlot)), "clearing the index error slot");
    return p;
  }();
  return slot;
}

__device__ void report_bad_index(IndexErrorSlot* slot, int64_t v, int64_t dim, int64_t size) {
  if (atomicCAS(&slot->flag, 0, 1) == 0) {
    slot->index = v;
    slot->dim = dim;
    slot->size = size;
  }
}

// After a kernel that may have met a bad index: throw its error (synchronizes).
void check_index_errors(const char* op, ErrorKind kind) {
  TG_CUDA_KERNEL_CHECK(op);
  IndexErrorSlot host{};
  IndexErrorSlot* slot = index_error_slot();
  TG_CUDA_CHECK(cudaMemcpy(&host, slot, sizeof(host), cudaMemcpyDeviceToHost), str(op, ": reading the error slot"));
  if (host.flag == 0) return;
  TG_CUDA_CHECK(cudaMemset(slot, 0, sizeof(IndexErrorSlot)), "clearing the index error slot");
  index_out_of_bounds(op, kind, host.index, host.dim, host.size);
}

// ------------------------------------------------------------------------------- atomics

template <typename T>
__device__ T add_op(T a, T b) {
  if constexpr (std::is_same_v<T, bool>) return a || b;
  else return from_op<T>(to_op(a) + to_op(b));
}
template <typename T>
__device__ T mul_op(T a, T b) {
  if constexpr (std::is_same_v<T, bool>) return a && b;
  else return from_op<T>(to_op(a) * to_op(b));
}

// *addr = f(*addr) atomically, by compare-and-swap on the aligned 4- or 8-byte word holding it.
template <typename T, typename F>
__device__ void atomic_update(T* addr, F f) {
  if constexpr (sizeof(T) == 8) {
    auto* word = reinterpret_cast<unsigned long long*>(addr);
    unsigned long long old = *word, assumed;
    do {
      assumed = old;
      T cur, next;
      memcpy(&cur, &assumed, 8);
      next = f(cur);
      unsigned long long bits;
      memcpy(&bits, &next, 8);
      old = atomicCAS(word, assumed, bits);
    } while (assumed != old);
  } else {
    // 1-, 2- and 4-byte types: the 4-byte word that contains the element.
    const size_t address = reinterpret_cast<size_t>(addr);
    auto* word = reinterpret_cast<unsigned int*>(address & ~size_t(3));
    const unsigned shift = unsigned(address & 3) * 8;
    const unsigned mask = sizeof(T) == 4 ? 0xffffffffu : ((1u << (sizeof(T) * 8)) - 1u) << shift;
    unsigned int old = *word, assumed;
    do {
      assumed = old;
      unsigned int bits = (assumed & mask) >> shift;
      T cur, next;
      memcpy(&cur, &bits, sizeof(T));
      next = f(cur);
      unsigned int nbits = 0;
      memcpy(&nbits, &next, sizeof(T));
      old = atomicCAS(word, assumed, (assumed & ~mask) | ((nbits << shift) & mask));
    } while (assumed != old);
  }
}

template <typename T>
__device__ void atomic_add(T* addr, T v) {
  if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double> || std::is_same_v<T, int32_t> ||
                std::is_same_v<T, __half> || std::is_same_v<T, __nv_bfloat16>) {
    atomicAdd(addr, v);
  } else if constexpr (std::is_same_v<T, int64_t>) {
    // Two's complement: adding as unsigned gives the signed sum.
    atomicAdd(reinterpret_cast<unsigned long long*>(addr), static_cast<unsigned long long>(v));
  } else {
    atomic_update(addr, [v](T cur) { return add_op(cur, v); });
  }
}

template <typename T>
__device__ void atomic_mul(T* addr, T v) {
  atomic_update(addr, [v](T cur) { return mul_op(cur, v); });
}

// max/min propagating NaN (PyTorch's amax/amin), compared in the op-math type.
template <typename T>
__device__ T max_op(T a, T b) {
  auto x = to_op(a), y = to_op(b);
  return (x != x || x >= y) ? a : b;
}
template <typename T>
__device__ T min_op(T a, T b) {
  auto x = to_op(a), y = to_op(b);
  return (x != x || x <= y) ? a : b;
}

enum Mode : int { kGather = 0, kSet = 1, kAdd = 2, kMul = 3, kMax = 4, kMin = 5 };

// Applies mode to (self element, other element): gather reads self into other, the rest write self.
template <int M, typename T>
__device__ void apply(T* self_elem, T* other_elem) {
  if constexpr (M == kGather) *other_elem = *self_elem;
  else if constexpr (M == kSet) *self_elem = *other_elem;
  else if constexpr (M == kAdd) atomic_add(self_elem, *other_elem);
  else if constexpr (M == kMul) atomic_mul(self_elem, *other_elem);
  else if constexpr (M == kMax) atomic_update(self_elem, [v = *other_elem](T cur) { return max_op(cur, v); });
  else atomic_update(self_elem, [v = *other_elem](T cur) { return min_op(cur, v); });
}

// ------------------------------------------------------------------------ gather / scatter

// One thread per element of index: its value v picks the element of self along dim; other
// (out for gather, src for scatter) is read/written at the index's own position.
template <int M, typename T>
__global__ void gather_scatter_kernel(T* self, T* other, const int64_t* index, Geo ig, Geo sg, Geo og, int dim,
                                      int64_t n, IndexErrorSlot* err) {
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    int64_t rest = i, io = 0, so = 0, oo = 0;
    for (int d = ig.ndim - 1; d >= 0; --d) {
      const int64_t c = rest % ig.sizes[d];
      rest /= ig.sizes[d];
      io += c * ig.strides[d];
      oo += c * og.strides[d];
      if (d != dim) so += c * sg.strides[d];
    }
    const int64_t v = index[io];
    if (v < 0 || v >= sg.sizes[dim]) {
      report_bad_index(err, v, dim, sg.sizes[dim]);
      continue;
    }
    apply<M>(self + so + v * sg.strides[dim], other + oo);
  }
}

template <int M, typename T>
void launch_gather_scatter(const char* op, const Tensor& self, int64_t dim, const Tensor& index, void* other,
                           const Geo& og) {
  const int64_t n = index.numel();
  if (n == 0) return;
  Geo ig = to_geo(geometry_of(index), op), sg = to_geo(geometry_of(self), op);
  gather_scatter_kernel<M, T><<<blocks_for(n, kBlockSize), kBlockSize>>>(
      static_cast<T*>(self.data_ptr()), static_cast<T*>(other), index.data<int64_t>(), ig, sg, og, int(dim), n,
      index_error_slot());
  check_index_errors(op, ErrorKind::Runtime);
}

// A 0-d device tensor of self's dtype holding value (the CPU fill does the conversion checks).
Tensor value_on_device(const Tensor& self, const Scalar& value, const char* op) {
  Tensor host = empty_tensor({}, self.dtype(), Device(), op);
  tg::fill_(host, value);
  return to_device(host, self.device(), self.dtype(), true);
}

void scatter_cuda_impl(const char* op, Tensor& self, int64_t dim, const Tensor& index, const Tensor& src,
                       bool src_is_scalar, ScatterReduce reduce) {
  Geo og = to_geo(src_is_scalar ? geometry_of(index) : geometry_of(src), op);
  if (src_is_scalar) og = zero_strides_like(og);
  dispatch_device<DtypeSet::All>(self.dtype(), op, [&]<typename T>() {
    void* in = src.data_ptr();
    switch (reduce) {
      case ScatterReduce::None: launch_gather_scatter<kSet, T>(op, self, dim, index, in, og); break;
      case ScatterReduce::Add: case ScatterReduce::Mean: launch_gather_scatter<kAdd, T>(op, self, dim, index, in, og); break;
      case ScatterReduce::Multiply: launch_gather_scatter<kMul, T>(op, self, dim, index, in, og); break;
      case ScatterReduce::Max: launch_gather_scatter<kMax, T>(op, self, dim, index, in, og); break;
      case ScatterReduce::Min: launch_gather_scatter<kMin, T>(op, self, dim, index, in, og); break;
    }
  });
}

// ---------------------------------------------------------------------- index_* along dim

// One thread per element of other (out / source, or self's shape with index.numel() along dim for
// index_fill_): its coordinate along dim picks index[c]; self is accessed at that index.
template <int M, typename T>
__global__ void index_along_dim_kernel(T* self, T* other, const int64_t* index, int64_t istride, Geo sg, Geo og,
                                       int dim, bool wrap, T alpha, bool scale, int64_t n, IndexErrorSlot* err) {
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    int64_t rest = i, so = 0, oo = 0, c_dim = 0;
    for (int d = og.ndim - 1; d >= 0; --d) {
      const int64_t c = rest % og.sizes[d];
      rest /= og.sizes[d];
      oo += c * og.strides[d];
      if (d == dim) c_dim = c;
      else so += c * sg.strides[d];
    }
    int64_t v = index[c_dim * istride];
    const int64_t size = sg.sizes[dim];
    if (v < -size || v >= size || (v < 0 && !wrap)) {
      report_bad_index(err, v, dim, size);
      continue;
    }
    if (v < 0) v += size;
    T* s = self + so + v * sg.strides[dim];
    if constexpr (M == kAdd) atomic_add(s, scale ? mul_op(other[oo], alpha) : other[oo]);
    else apply<M>(s, other + oo);
  }
}

template <int M, typename T>
void launch_index_along_dim(const char* op, const Tensor& self, int64_t dim, const Tensor& index_in, void* other,
                            const Geo& og, bool wrap, T alpha = T(), bool scale = false) {
  const Tensor index = index_in.dtype() == ScalarType::Int64 ? index_in : to_dtype(index_in, ScalarType::Int64);
  int64_t n = 1;
  for (int d = 0; d < og.ndim; ++d) n *= og.sizes[d];
  if (n == 0) return;
  Geo sg = to_geo(geometry_of(self), op);
  const int64_t istride = index.dim() == 0 ? 0 : index.stride(0);
  index_along_dim_kernel<M, T><<<blocks_for(n, kBlockSize), kBlockSize>>>(
      static_cast<T*>(self.data_ptr()), static_cast<T*>(other), index.data<int64_t>(), istride, sg, og, int(dim),
      wrap, alpha, scale, n, index_error_slot());
  check_index_errors(op, ErrorKind::Index);
}

// ------------------------------------------------------------------------ advanced indexing

// One thread per element of [*B, *R]: b picks the k indices (stacked [k, nb]), r the position in
// the trailing dims of self. Mode kGather: other = out (contiguous); kSet/kAdd: other = values.
template <int M, typename T>
__global__ void advanced_index_kernel(T* self, T* other, const int64_t* idx, int k, int64_t nb, Geo sg, Geo rg,
                                      Geo vg, int64_t n, IndexErrorSlot* err) {
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    // vg: the geometry of other over [*B, *R] (i decomposes over it); rg: self's trailing dims.
    int64_t rest = i, oo = 0;
    for (int d = vg.ndim - 1; d >= 0; --d) {
      oo += (rest % vg.sizes[d]) * vg.strides[d];
      rest /= vg.sizes[d];
    }
    int64_t nr = 1;
    for (int d = 0; d < rg.ndim; ++d) nr *= rg.sizes[d];
    const int64_t b = i / nr;
    int64_t r = i % nr, so = 0;
    for (int d = rg.ndim - 1; d >= 0; --d) {
      so += (r % rg.sizes[d]) * rg.strides[d];
      r /= rg.sizes[d];
    }
    bool ok = true;
    for (int j = 0; j < k; ++j) {
      int64_t v = idx[j * nb + b];
      const int64_t size = sg.sizes[j];
      if (v < -size || v >= size) {
        report_bad_index(err, v, j, size);
        ok = false;
        break;
      }
      if (v < 0) v += size;
      so += v * sg.strides[j];
    }
    if (ok) apply<M>(self + so, other + oo);
  }
}

template <int M, typename T>
void launch_advanced(const char* op, const Tensor& self, const Tensor& indices_in, void* other, const Geo& vg) {
  const Tensor indices = indices_in.is_contiguous() ? indices_in : to_dtype(indices_in, ScalarType::Int64);
  const int64_t k = indices.size(0);
  int64_t nb = 1, n = 1;
  for (int64_t d = 1; d < indices.dim(); ++d) nb *= indices.size(d);
  for (int d = 0; d < vg.ndim; ++d) n *= vg.sizes[d];
  if (n == 0) return;
  Geo sg = to_geo(self.sizes(), self.strides(), op);
  Geo rg = to_geo(IntArrayRef(self.sizes().data() + k, size_t(self.dim() - k)),
                  IntArrayRef(self.strides().data() + k, size_t(self.dim() - k)), op);
  advanced_index_kernel<M, T><<<blocks_for(n, kBlockSize), kBlockSize>>>(
      static_cast<T*>(self.data_ptr()), static_cast<T*>(other), indices.data<int64_t>(), int(k), nb, sg, rg, vg, n,
      index_error_slot());
  check_index_errors(op, ErrorKind::Index);
}

// --------------------------------------------------------------------------------- searchsorted

// One thread per element of self (contiguous): a binary search in its row of seq (contiguous,
// shared when seq is 1-d), through sorter when given (an out-of-range sorter entry is reported).
template <typename T, typename Out>
__global__ void searchsorted_kernel(const T* seq, const T* self, const int64_t* sorter, Out* out, int64_t n,
                                    int64_t len, int64_t row_len, bool shared, bool upper, IndexErrorSlot* err) {
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t row = shared ? 0 : i / row_len;
    const T* base = seq + row * len;
    const int64_t* sb = sorter ? sorter + row * len : nullptr;
    const auto x = to_op(self[i]);
    int64_t lo = 0, hi = len;
    bool ok = true;
    while (lo < hi) {
      const int64_t mid = lo + (hi - lo) / 2;
      int64_t at = mid;
      if (sb) {
        at = sb[mid];
        if (at < 0 || at >= len) {
          report_bad_index(err, at, 0, len);
          ok = false;
          break;
        }
      }
      const auto y = to_op(base[at]);
      if (upper ? !(x < y) : (y < x)) lo = mid + 1;
      else hi = mid;
    }
    if (ok) out[i] = Out(lo);
  }
}

}  // namespace

// ------------------------------------------------------------------------------------ kernels

void gather_cuda(const Tensor& self, int64_t dim, const Tensor& index, bool /*sparse_grad*/, Tensor& out) {
  int64_t d = check_gather(self, dim, index);
  check_no_overlap("gather", out, self);
  check_no_overlap("gather", out, index);
  Geo og = to_geo(geometry_of(out), "gather");
  dispatch_device<DtypeSet::All>(self.dtype(), "gather", [&]<typename T>() {
    launch_gather_scatter<kGather, T>("gather", self, d, index, out.data_ptr(), og);
  });
}

Tensor& scatter_src_cuda(Tensor& self, int64_t dim, const Tensor& index, const Tensor& src) {
  int64_t d = check_scatter("scatter_", self, dim, index, &src);
  scatter_cuda_impl("scatter_", self, d, index, src, false, ScatterReduce::None);
  return self;
}

Tensor& scatter_value_cuda(Tensor& self, int64_t dim, const Tensor& index, const Scalar& value) {
  int64_t d = check_scatter("scatter_", self, dim, index, nullptr);
  scatter_cuda_impl("scatter_", self, d, index, value_on_device(self, value, "scatter_"), true, ScatterReduce::None);
  return self;
}

Tensor& scatter_reduce_src_cuda(Tensor& self, int64_t dim, const Tensor& index, const Tensor& src,
                                std::string_view reduce) {
  ScatterReduce r = parse_scatter_reduce(reduce);
  int64_t d = check_scatter("scatter_", self, dim, index, &src);
  accumulate_in_float("scatter_", self, src, rounds_each_update(r), [&](Tensor& acc, const Tensor& values) {
    scatter_cuda_impl("scatter_", acc, d, index, values, false, r);
  });
  return self;
}

Tensor& scatter_reduce_value_cuda(Tensor& self, int64_t dim, const Tensor& index, const Scalar& value,
                                  std::string_view reduce) {
  ScatterReduce r = parse_scatter_reduce(reduce);
  int64_t d = check_scatter("scatter_", self, dim, index, nullptr);
  scatter_cuda_impl("scatter_", self, d, index, value_on_device(self, value, "scatter_"), true, r);
  return self;
}

Tensor& scatter_add_cuda(Tensor& self, int64_t dim, const Tensor& index, const Tensor& src) {
  int64_t d = check_scatter("scatter_add_", self, dim, index, &src);
  accumulate_in_float("scatter_add_", self, src, true, [&](Tensor& acc, const Tensor& values) {
    scatter_cuda_impl("scatter_add_", acc, d, index, values, false, ScatterReduce::Add);
  });
  return self;
}

Tensor& scatter_reduce_two_cuda(Tensor& self, int64_t dim, const Tensor& index, const Tensor& src,
                                std::string_view reduce, bool include_self) {
  ScatterReduce r = parse_scatter_reduce_two(reduce);
  int64_t d = check_scatter("scatter_reduce_", self, dim, index, &src);
  accumulate_in_float("scatter_reduce_", self, src, rounds_each_update(r), [&](Tensor& acc, const Tensor& values) {
    if (!include_self) {
      // Where index points, start from the reduction's identity instead of self's value.
      Tensor identity = to_device(scatter_reduce_identity(acc.dtype(), r), acc.device(), acc.dtype(), true);
      scatter_cuda_impl("scatter_reduce_", acc, d, index, identity, true, ScatterReduce::None);
    }
    scatter_cuda_impl("scatter_reduce_", acc, d, index, values, false, r);
  });
  // PyTorch divides the rounded sum of a half type, in that type, by the count
  if (r == ScatterReduce::Mean) scatter_mean_finish(self, d, index, include_self);
  return self;
}

void index_select_cuda(const Tensor& self, int64_t dim, const Tensor& index, Tensor& out) {
  int64_t d = check_index_along_dim("index_select", self, dim, index, nullptr, true);
  check_no_overlap("index_select", out, self);
  check_no_overlap("index_select", out, index);
  Geo og = to_geo(geometry_of(out), "index_select");
  dispatch_device<DtypeSet::All>(self.dtype(), "index_select", [&]<typename T>() {
    launch_index_along_dim<kGather, T>("index_select", self, d, index, out.data_ptr(), og, false);
  });
}

Tensor& index_add_cuda(Tensor& self, int64_t dim, const Tensor& index, const Tensor& source, const Scalar& alpha) {
  int64_t d = check_index_along_dim("index_add_", self, dim, index, &source, true);
  // As on the CPU: a half type sums in float when alpha is 1 (rounded once at the end).
  const bool scale = alpha.to_double() != 1.0;
  accumulate_in_float("index_add_", self, source, !scale, [&](Tensor& acc, const Tensor& values) {
    Geo og = to_geo(geometry_of(values), "index_add_");
    // alpha in acc's dtype (the CPU fill converts and range-checks), passed to the kernel by value.
    Tensor a_host = empty_tensor({}, acc.dtype(), Device(), "index_add_");
    tg::fill_(a_host, alpha);
    dispatch_device<DtypeSet::All>(acc.dtype(), "index_add_", [&]<typename T>() {
      const T alpha_v = *static_cast<const T*>(a_host.data_ptr());
      launch_index_along_dim<kAdd, T>("index_add_", acc, d, index, values.data_ptr(), og, false, alpha_v, scale);
    });
  });
  return self;
}

Tensor& index_copy_cuda(Tensor& self, int64_t dim, const Tensor& index, const Tensor& source) {
  int64_t d = check_index_along_dim("index_copy_", self, dim, index, &source, false);
  Geo og = to_geo(geometry_of(source), "index_copy_");
  dispatch_device<DtypeSet::All>(self.dtype(), "index_copy_", [&]<typename T>() {
    launch_index_along_dim<kSet, T>("index_copy_", self, d, index, source.data_ptr(), og, false);
  });
  return self;
}

Tensor& index_fill_cuda(Tensor& self, int64_t dim, const Tensor& index, const Scalar& value) {
  int64_t d = check_index_fill(self, dim, index);
  Tensor v = value_on_device(self, value, "index_fill_");
  Geometry g = geometry_of(self);
  g.sizes[d] = index.numel();
  Geo og = zero_strides_like(to_geo(g, "index_fill_"));
  dispatch_device<DtypeSet::All>(self.dtype(), "index_fill_", [&]<typename T>() {
    launch_index_along_dim<kSet, T>("index_fill_", self, d, index, v.data_ptr(), og, true);
  });
  return self;
}

// The count decides the result's size, so the host does the work on a copy: one transfer each way.
Tensor nonzero_cuda(const Tensor& self) {
  Tensor host = to_device(self, Device(), self.dtype(), false);
  Tensor result = tg::nonzero(host);
  return to_device(result, self.device(), ScalarType::Int64, true);
}

void searchsorted_cuda(const Tensor& sorted_sequence, const Tensor& self_in, bool out_int32, bool right,
                       std::optional<std::string_view> side, const std::optional<Tensor>& sorter_in, Tensor& out) {
  const bool upper = check_searchsorted(sorted_sequence, self_in, right, side, sorter_in);
  auto contiguous = [](const Tensor& t) { return t.is_contiguous() ? t : to_dtype(t, t.dtype()); };
  const Tensor seq = contiguous(sorted_sequence), self = contiguous(self_in);
  const Tensor sorter = sorter_in ? contiguous(*sorter_in) : Tensor();
  Tensor result = out.is_contiguous() ? out : empty_tensor(out.sizes(), out.dtype(), out.device(), "searchsorted");
  const int64_t n = self.numel(), len = seq.size(-1);
  const int64_t row_len = self.dim() == 0 ? 1 : self.size(-1);
  if (n > 0) {
    dispatch_device<DtypeSet::Numeric>(self.dtype(), "searchsorted", [&]<typename T>() {
      const int64_t* srt = sorter.defined() ? sorter.data<int64_t>() : nullptr;
      if (out_int32) {
        searchsorted_kernel<T, int32_t><<<blocks_for(n, kBlockSize), kBlockSize>>>(
            static_cast<const T*>(seq.data_ptr()), static_cast<const T*>(self.data_ptr()), srt,
            result.data<int32_t>(), n, len, row_len, seq.dim() == 1, upper, index_error_slot());
      } else {
        searchsorted_kernel<T, int64_t><<<blocks_for(n, kBlockSize), kBlockSize>>>(
            static_cast<const T*>(seq.data_ptr()), static_cast<const T*>(self.data_ptr()), srt,
            result.data<int64_t>(), n, len, row_len, seq.dim() == 1, upper, index_error_slot());
      }
    });
    check_index_errors("searchsorted", ErrorKind::Index);
  }
  if (!result.is_same(out)) copy_into(out, result, "searchsorted");
}

// The sizes of the results depend on the values: the host does the work on a copy.
std::tuple<Tensor, Tensor, Tensor> unique_cuda(const Tensor& self, bool sorted, bool return_inverse,
                                               bool return_counts) {
  Tensor host = to_device(self, Device(), self.dtype(), false);
  auto [values, inverse, counts] = tg::_unique2(host, sorted, return_inverse, return_counts);
  return {to_device(values, self.device(), values.dtype(), true), to_device(inverse, self.device(), ScalarType::Int64, true),
          to_device(counts, self.device(), ScalarType::Int64, true)};
}

Tensor index_cuda(const Tensor& self, const Tensor& indices) {
  check_stacked_index("_index", self, indices);
  Tensor out = empty_tensor(advanced_index_result_shape(self, indices), self.dtype(), self.device(), "_index");
  Geo og = to_geo(out.sizes(), out.strides(), "_index");
  dispatch_device<DtypeSet::All>(self.dtype(), "_index", [&]<typename T>() {
    launch_advanced<kGather, T>("index", self, indices, out.data_ptr(), og);
  });
  return out;
}

Tensor& index_put_cuda(Tensor& self, const Tensor& indices, const Tensor& values, bool accumulate) {
  DimVector shape;
  check_index_put(self, indices, values, shape);
  Geo vg = to_geo(values.sizes(), values.strides(), "_index_put_");
  dispatch_device<DtypeSet::All>(self.dtype(), "_index_put_", [&]<typename T>() {
    if (accumulate) launch_advanced<kAdd, T>("index_put_", self, indices, values.data_ptr(), vg);
    else launch_advanced<kSet, T>("index_put_", self, indices, values.data_ptr(), vg);
  });
  return self;
}

}  // namespace tg::native::cuda
