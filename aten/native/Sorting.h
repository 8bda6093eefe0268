#pragma once
// The device-independent half of the sorting and selection ops: argument checks with PyTorch's
// messages, result allocation and the order every backend sorts by. Shared by the CPU kernels
// (aten/native/cpu/SortKernel.cpp) and the CUDA ones (aten/native/cuda/Sort.cu). median and mode
// are reductions: the Reduction front end does their part of this.
//
// The order: every element becomes an unsigned "ascending key" (below) and ties are broken by the
// element's index along the dim, so (key, index) is a total order. Sorting by it gives a stable
// sort, and topk / kthvalue / median pick exactly the elements a stable sort would put there, the
// same on every backend and for any thread count.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "aten/core/Tensor.h"

namespace tg::native {

// The lines of a tensor along one dim: `lines` lines of `n` elements (a 0-d tensor is one line of
// one element). Line i is row-major over the other dims.
struct SortPlan {
  int64_t dim = 0;    // wrapped; 0 for a 0-d input
  int64_t n = 1;      // elements per line
  int64_t lines = 1;  // number of lines
  Tensor values;      // results, contiguous: values in self's dtype, indices int64
  Tensor indices;
};

// sort(self, dim): results of self's shape.
SortPlan sort_plan(const Tensor& self, int64_t dim);
// topk(self, k, dim): results with size k along dim; k in [0, n] (RuntimeError otherwise).
SortPlan topk_plan(const Tensor& self, int64_t k, int64_t dim);
// kthvalue(self, k, dim, keepdim): one result per line; the dim must not be empty (IndexError)
// and k in [1, n] (RuntimeError).
SortPlan kthvalue_plan(const Tensor& self, int64_t k, int64_t dim, bool keepdim);

// Element offset where line `line` along dim starts in a tensor of (sizes, strides).
inline int64_t line_offset(int64_t line, IntArrayRef sizes, IntArrayRef strides, int64_t dim) {
  int64_t off = 0;
  for (int64_t d = int64_t(sizes.size()) - 1; d >= 0; --d) {
    if (d == dim) continue;
    off += (line % sizes[d]) * strides[d];
    line /= sizes[d];
  }
  return off;
}

// The backward helpers _gather_along_dim / _scatter_add_along_dim see their tensors as
// [outer, n, inner] around dim: `src` (the gathered-from / scattered-into tensor) has n = n_src
// along dim, index (and the gathered / scattered values) n_index.
struct AlongDimPlan {
  int64_t outer = 1, n_src = 1, n_index = 1, inner = 1;
  Tensor src;     // gather: self, contiguous; scatter: the values to add (grad), contiguous
  Tensor index;   // contiguous int64
  Tensor result;  // gather: index's shape; scatter: zeros of `sizes`
};
AlongDimPlan gather_along_dim_plan(const Tensor& self, int64_t dim, const Tensor& index);
AlongDimPlan scatter_add_along_dim_plan(const Tensor& grad, int64_t dim, const Tensor& index, IntArrayRef sizes);

// ---- the ascending key: an unsigned integer whose order is the element order PyTorch sorts by.
// Integers: the sign bit flipped. Floats: the IEEE bits made monotonic, with -0.0 equal to 0.0
// and every NaN equal to the others and above +inf (PyTorch sorts NaN as the largest value).
// Half types are keyed by their 16 bits. Keys of 1- to 4-byte types fit uint32_t.
template <typename T>
using sort_key_t = std::conditional_t<(sizeof(T) > 4), uint64_t, uint32_t>;

template <typename Key, typename Bits>
inline Key float_bits_key(Bits bits) {
  constexpr Bits sign = Bits(1) << (sizeof(Bits) * 8 - 1);
  return Key((bits & sign) ? ~bits : (bits | sign));
}

template <typename T>
inline sort_key_t<T> sort_key(T v) {
  using K = sort_key_t<T>;
  if constexpr (std::is_unsigned_v<T> || std::is_same_v<T, bool>) {
    return K(v);
  } else if constexpr (std::is_integral_v<T>) {
    using U = std::make_unsigned_t<T>;
    return K(U(v) ^ (U(1) << (sizeof(T) * 8 - 1)));
  } else if constexpr (std::is_same_v<T, double>) {
    if (std::isnan(v)) return ~K(0);
    if (v == 0) v = 0.0;  // -0.0 sorts with 0.0
    uint64_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    return float_bits_key<K>(bits);
  } else if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>) {
    // The 16 bits themselves: a 16-bit key needs at most 2 radix passes (the float's 32-bit
    // image of the same value needed 3-4: float16 msort ran at 0.45x PyTorch).
    uint16_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    constexpr uint16_t kInfBits = std::is_same_v<T, Half> ? 0x7c00 : 0x7f80;
    if ((bits & 0x7fff) > kInfBits) return ~K(0);  // NaN
    if ((bits & 0x7fff) == 0) bits = 0;             // -0.0 sorts with 0.0
    return K(float_bits_key<uint16_t>(bits));
  } else {  // float
    float f = v;
    if (std::isnan(f)) return ~K(0);
    if (f == 0) f = 0.0f;
    uint32_t bits;
    std::memcpy(&bits, &f, sizeof bits);
    return float_bits_key<K>(bits);
  }
}

}  // namespace tg::native
