#pragma once
// gpu_kernel(iter, f): the generic pointwise launcher. f is a functor with a __device__
// operator()(A...) -> R over the iterator's inputs; every operand layout the TensorIterator
// produces runs through one of two kernels:
//   * contiguous: all operands dense with element strides -> flat arrays, each thread handles 4
//     elements with vector loads/stores when every pointer is 4-element aligned;
//   * strided: the iterator's 2-D slabs (its two fastest coalesced dims, byte strides) plus, for
//     higher-dimensional iterations, a device table of per-slab base offsets.
// Both index with 32-bit integers: iterations over more than 2^31 elements are split into pieces
// (whole slabs, rows or row chunks) on the host, each launched with its own base pointers.
// Inputs that are CPU 0-d tensors (PyTorch lets them join CUDA ops as scalars) are read on the
// host and passed by value in the kernel parameters.
// Any number of inputs: the parameter block is sized by the functor's arity at compile time (the
// whole block must fit CUDA's 4 KB kernel-parameter limit: about 120 operands).
#include <array>
#include <tuple>
#include <utility>
#include <vector>

#include "aten/core/FunctionTraits.h"
#include "aten/core/SmallVector.h"
#include "aten/iter/TensorIterator.h"
#include "aten/native/cuda/CUDACommon.cuh"

namespace tg::native::cuda {

constexpr int kVec = 4;                        // elements per thread on the contiguous path
constexpr int64_t kMaxPiece = int64_t(1) << 31;  // elements per launch (32-bit indexing)

// Kernel parameters for NT operands (output first), passed by value. scalars[k] holds operand
// k's value when host_scalar[k] is set (a CPU 0-d input); data[k] is then unused.
template <int NT>
struct PointwiseParams {
  char* data[NT];
  int64_t s0[NT];
  int64_t s1[NT];
  uint32_t size0, size1;           // the slab's shape
  uint32_t n;                      // elements in this piece
  const int64_t* slab_offsets;     // [slab][operand] byte offsets, or null (a single slab)
  uint64_t scalars[NT];
  bool host_scalar[NT];
  bool any_host_scalar;
  bool aligned;                    // contiguous path: vector loads are allowed
};

template <typename T, int N>
struct alignas(sizeof(T) * N) aligned_vector {
  T v[N];
};

// Input k's value at element i: its by-value copy for a CPU scalar, else the element at ptr.
// Values, never pointers into the kernel parameters: a pointer to a parameter (selected at run
// time against a global pointer) makes the compiler copy the whole parameter block to local memory
// in every thread, which cut the pointwise kernels to 0.3x of PyTorch's bandwidth on an H200.
template <typename A, int NT>
__device__ inline A input_value(const PointwiseParams<NT>& p, int k, const char* ptr) {
  if (p.host_scalar[k]) {
    const uint64_t bits = p.scalars[k];
    A v;
    memcpy(&v, &bits, sizeof(A));
    return v;
  }
  return *reinterpret_cast<const A*>(ptr);
}

template <typename T>
__device__ inline aligned_vector<T, kVec> load_vec(const char* base, uint32_t first) {
  return *reinterpret_cast<const aligned_vector<T, kVec>*>(base + size_t(first) * sizeof(T));
}
template <typename F, typename R, typename... V>
__device__ inline void apply_vec(const F& f, aligned_vector<R, kVec>& out, const V&... in) {
#pragma unroll
  for (int j = 0; j < kVec; ++j) out.v[j] = f(in.v[j]...);
}
// kVec elements from `first` on: one vector load per input, kVec calls of f, one vector store.
template <typename F, int NT, size_t... I>
__device__ inline void vector_step(const F& f, const PointwiseParams<NT>& p, uint32_t first,
                                   std::index_sequence<I...>) {
  using traits = function_traits<F>;
  using R = typename traits::result_type;
  using args = typename traits::args_tuple;
  aligned_vector<R, kVec> out;
  apply_vec(f, out, load_vec<std::tuple_element_t<I, args>>(p.data[I + 1], first)...);
  *reinterpret_cast<aligned_vector<R, kVec>*>(p.data[0] + size_t(first) * sizeof(R)) = out;
}
// The output element at ptrs[0] from the inputs at ptrs[1...] (CPU scalars by value).
template <typename F, int NT, size_t... I>
__device__ inline void element_step(const F& f, const PointwiseParams<NT>& p, char* const* ptrs,
                                    std::index_sequence<I...>) {
  using traits = function_traits<F>;
  using R = typename traits::result_type;
  using args = typename traits::args_tuple;
  *reinterpret_cast<R*>(ptrs[0]) = f(input_value<std::tuple_element_t<I, args>>(p, int(I + 1), ptrs[I + 1])...);
}

template <typename F, int NT = function_traits<F>::arity + 1>
__global__ void contiguous_kernel(F f, PointwiseParams<NT> p) {
  using traits = function_traits<F>;
  using args = typename traits::args_tuple;
  const uint32_t first = (blockIdx.x * blockDim.x + threadIdx.x) * kVec;
  if (first >= p.n) return;
  if (p.aligned && !p.any_host_scalar && first + kVec <= p.n) {
    vector_step(f, p, first, std::make_index_sequence<traits::arity>{});
    return;
  }
  int element_sizes[NT] = {int(sizeof(typename traits::result_type))};
  [&]<size_t... I>(std::index_sequence<I...>) {
    ((element_sizes[I + 1] = int(sizeof(std::tuple_element_t<I, args>))), ...);
  }(std::make_index_sequence<traits::arity>{});
  for (uint32_t i = first; i < p.n && i < first + kVec; ++i) {
    char* ptrs[NT];
#pragma unroll
    for (int k = 0; k < NT; ++k) ptrs[k] = p.data[k] + size_t(i) * element_sizes[k];
    element_step(f, p, ptrs, std::make_index_sequence<traits::arity>{});
  }
}

template <typename F, int NT = function_traits<F>::arity + 1>
__global__ void strided_kernel(F f, PointwiseParams<NT> p) {
  using traits = function_traits<F>;
  const uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= p.n) return;
  const uint32_t i0 = i % p.size0;
  const uint32_t rest = i / p.size0;
  const uint32_t i1 = rest % p.size1;
  const uint32_t slab = rest / p.size1;
  char* ptrs[NT];
#pragma unroll
  for (int k = 0; k < NT; ++k) {
    int64_t off = int64_t(i0) * p.s0[k] + int64_t(i1) * p.s1[k];
    if (p.slab_offsets) off += p.slab_offsets[int64_t(slab) * NT + k];
    ptrs[k] = p.data[k] + off;  // unused for a CPU scalar (input_value reads its copy)
  }
  element_step(f, p, ptrs, std::make_index_sequence<traits::arity>{});
}

// The iterator's geometry as the kernels see it, gathered through its public loop interface:
// serial_for_each over the whole range calls back once per 2-D slab, with full slabs.
struct IterGeometry {
  int nt = 0;
  SmallVector<char*, TensorIterator::kInlineOperands> data;  // nt each
  SmallVector<int64_t, TensorIterator::kInlineOperands> s0, s1;
  int64_t size0 = 1, size1 = 1;
  std::vector<int64_t> slab_offsets;  // nslabs * nt
  int64_t nslabs() const { return int64_t(slab_offsets.size()) / nt; }
};
IterGeometry iter_geometry(const TensorIterator& iter);
// host_scalar[k] set: operand k is a scalar input living in host memory (a CPU 0-d tensor); its
// value (element_sizes[k] bytes) goes into scalars[k]. Returns whether any input is one.
bool host_scalar_inputs(const TensorIterator& iter, const IterGeometry& g, const int* element_sizes,
                        uint64_t* scalars, bool* host_scalar);
// A device copy of the slab table (freed when the returned tensor dies; stream-ordered).
Tensor upload_offsets(const int64_t* offsets, int64_t count);

template <typename F>
void gpu_kernel(const TensorIterator& iter, const F& f) {
  using traits = function_traits<F>;
  using R = typename traits::result_type;
  using args = typename traits::args_tuple;
  constexpr int nt = traits::arity + 1;
  if (iter.numel() == 0) return;
  static_assert(sizeof(PointwiseParams<nt>) <= 4000, "gpu_kernel: too many operands for CUDA's 4 KB of kernel parameters");
  TG_CHECK(iter.ntensors() == nt, "[", iter.op(), "] internal error: kernel arity ", nt - 1, " for ",
           iter.ninputs(), " inputs");
  int element_sizes[nt] = {int(sizeof(R))};
  [&]<size_t... I>(std::index_sequence<I...>) {
    ((element_sizes[I + 1] = int(sizeof(std::tuple_element_t<I, args>))), ...);
  }(std::make_index_sequence<traits::arity>{});

  IterGeometry g = iter_geometry(iter);
  PointwiseParams<nt> p{};
  p.any_host_scalar = host_scalar_inputs(iter, g, element_sizes, p.scalars, p.host_scalar);
  for (int k = 0; k < nt; ++k) {
    p.s0[k] = g.s0[k];
    p.s1[k] = g.s1[k];
  }

  if (iter.is_contiguous()) {
    bool aligned = true;
    for (int k = 0; k < nt; ++k) aligned &= reinterpret_cast<uintptr_t>(g.data[k]) % (element_sizes[k] * kVec) == 0;
    const int64_t n = iter.numel();
    for (int64_t start = 0; start < n; start += kMaxPiece) {
      for (int k = 0; k < nt; ++k) p.data[k] = g.data[k] + start * element_sizes[k];
      p.n = uint32_t(std::min(kMaxPiece, n - start));
      p.aligned = aligned;
      contiguous_kernel<<<blocks_for(p.n, int64_t(kBlockSize) * kVec), kBlockSize>>>(f, p);
      TG_CUDA_KERNEL_CHECK(iter.op());
    }
    return;
  }

  // Strided: pieces of whole slabs; a slab too big for one piece is split into row ranges, a row
  // too long into column ranges.
  const int64_t slab = g.size0 * g.size1, nslabs = g.nslabs();
  Tensor table;
  if (nslabs > 1) table = upload_offsets(g.slab_offsets.data(), int64_t(g.slab_offsets.size()));
  auto launch = [&](int64_t slab_begin, int64_t nsl, int64_t row_begin, int64_t rows, int64_t col_begin, int64_t cols) {
    for (int k = 0; k < nt; ++k)
      p.data[k] = g.data[k] + row_begin * g.s1[k] + col_begin * g.s0[k];
    p.size0 = uint32_t(cols);
    p.size1 = uint32_t(rows);
    p.n = uint32_t(cols * rows * nsl);
    p.slab_offsets = nslabs > 1 ? table.data<int64_t>() + slab_begin * nt : nullptr;
    strided_kernel<<<blocks_for(p.n, kBlockSize), kBlockSize>>>(f, p);
    TG_CUDA_KERNEL_CHECK(iter.op());
  };
  if (slab <= kMaxPiece) {
    const int64_t per = kMaxPiece / slab;
    for (int64_t s = 0; s < nslabs; s += per) launch(s, std::min(per, nslabs - s), 0, g.size1, 0, g.size0);
  } else if (g.size0 <= kMaxPiece) {
    const int64_t per = kMaxPiece / g.size0;
    for (int64_t s = 0; s < nslabs; ++s)
      for (int64_t r = 0; r < g.size1; r += per) launch(s, 1, r, std::min(per, g.size1 - r), 0, g.size0);
  } else {
    for (int64_t s = 0; s < nslabs; ++s)
      for (int64_t r = 0; r < g.size1; ++r)
        for (int64_t c = 0; c < g.size0; c += kMaxPiece) launch(s, 1, r, 1, c, std::min(kMaxPiece, g.size0 - c));
  }
}

}  // namespace tg::native::cuda
