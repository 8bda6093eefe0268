#pragma once
// Row reductions on CUDA. The Reduction front end (aten/iter/Reduction.h) hands a kernel
// `outer` contiguous rows of `inner` elements in the compute dtype; here each row is cut into
// `splits` segments and each (row, segment) task goes to a group of G lanes (G = 32, a full
// warp, for long rows; fewer lanes for short rows, down to one thread per row). A group folds
// its segment with a strided loop, combines its lanes with warp shuffles, and writes either the
// row's result or, when a row was split, a partial that a second (grid) pass combines.
//
// An Ops policy describes one reduction:
//   using In, Acc;  identity(); fold(Acc, In, int64_t index); combine(Acc, Acc); store(row, Acc).
// Lanes fold interleaved elements, so combine() must not depend on which side came first
// (arg-reductions break ties by index); sums are deterministic but ordered differently from the
// CPU's cascade.
#include <algorithm>

#include "aten/iter/Reduction.h"
#include "aten/native/cuda/CUDACommon.cuh"

namespace tg::native::cuda {

template <typename T>
__device__ inline T shfl_down(T v, int offset, int width) {
  if constexpr (sizeof(T) == 8) {
    unsigned long long bits;
    memcpy(&bits, &v, 8);
    bits = __shfl_down_sync(0xffffffffu, bits, offset, width);
    memcpy(&v, &bits, 8);
    return v;
  } else if constexpr (sizeof(T) == 4) {
    unsigned bits;
    memcpy(&bits, &v, 4);
    bits = __shfl_down_sync(0xffffffffu, bits, offset, width);
    memcpy(&v, &bits, 4);
    return v;
  } else {  // 1- and 2-byte types travel in a 32-bit register
    unsigned bits = 0;
    memcpy(&bits, &v, sizeof(T));
    bits = __shfl_down_sync(0xffffffffu, bits, offset, width);
    memcpy(&v, &bits, sizeof(T));
    return v;
  }
}

// Accumulator of an arg-reduction: the best value so far and its index (-1: nothing seen yet).
template <typename V>
struct ValueIndex {
  V value;
  int64_t index;
};
template <typename V>
__device__ inline ValueIndex<V> shfl_down(ValueIndex<V> a, int offset, int width) {
  return ValueIndex<V>{shfl_down(a.value, offset, width), shfl_down(a.index, offset, width)};
}

// Pass 1: task t = (row t / splits, segment t % splits) for each group of G lanes.
template <typename Ops>
__global__ void reduce_segments_kernel(Ops ops, const typename Ops::In* in, int64_t outer, int64_t inner,
                                       int64_t splits, int64_t seglen, int G, typename Ops::Acc* partial) {
  using Acc = typename Ops::Acc;
  const int lane = threadIdx.x % G;
  const int64_t task = int64_t(blockIdx.x) * (blockDim.x / G) + threadIdx.x / G;
  const bool active = task < outer * splits;
  Acc acc = ops.identity();
  int64_t row = 0, seg = 0;
  if (active) {
    row = task / splits;
    seg = task % splits;
    const int64_t begin = seg * seglen, end = min(inner, begin + seglen);
    const typename Ops::In* p = in + row * inner;
    for (int64_t k = begin + lane; k < end; k += G) acc = ops.fold(acc, p[k], k);
  }
  // Every lane of the warp takes part in the shuffles (inactive ones carry the identity).
  for (int offset = G / 2; offset > 0; offset /= 2) acc = ops.combine(acc, shfl_down(acc, offset, G));
  if (!active || lane != 0) return;
  if (splits == 1) ops.store(row, acc);
  else partial[task] = acc;
}

// Pass 2: one group per row combines the row's `splits` partials in order.
template <typename Ops>
__global__ void combine_partials_kernel(Ops ops, const typename Ops::Acc* partial, int64_t outer, int64_t splits, int G) {
  using Acc = typename Ops::Acc;
  const int lane = threadIdx.x % G;
  const int64_t row = int64_t(blockIdx.x) * (blockDim.x / G) + threadIdx.x / G;
  Acc acc = ops.identity();
  if (row < outer)
    for (int64_t s = lane; s < splits; s += G) acc = ops.combine(acc, partial[row * splits + s]);
  for (int offset = G / 2; offset > 0; offset /= 2) acc = ops.combine(acc, shfl_down(acc, offset, G));
  if (row < outer && lane == 0) ops.store(row, acc);
}

// Runs ops over the reduction's rows.
template <typename Ops>
void launch_reduction(const Reduction& r, const Ops& ops) {
  const int64_t outer = r.outer(), inner = r.inner();
  if (outer == 0) return;
  using Acc = typename Ops::Acc;
  // Enough (row, segment) tasks to fill an H100 (132 SMs x 64 warps), segments of >= 2048 elements.
  constexpr int64_t kTargetTasks = 8192, kMinSegment = 2048;
  int64_t splits = 1;
  if (outer < kTargetTasks && inner > 2 * kMinSegment)
    splits = std::min((kTargetTasks + outer - 1) / outer, (inner + kMinSegment - 1) / kMinSegment);
  const int64_t seglen = splits == 1 ? inner : (inner + splits - 1) / splits;
  int G = 1;
  while (G < 32 && G < seglen) G *= 2;
  const int64_t tasks = outer * splits;
  const int64_t per_block = kBlockSize / G;
  Tensor partial;
  Acc* partial_ptr = nullptr;
  if (splits > 1) {
    const int64_t bytes = tasks * int64_t(sizeof(Acc));
    partial = empty_tensor(IntArrayRef(&bytes, 1), ScalarType::UInt8, r.input().device(), r.op());
    partial_ptr = reinterpret_cast<Acc*>(partial.data_ptr());
  }
  const auto* in = reinterpret_cast<const typename Ops::In*>(r.input().data_ptr());
  reduce_segments_kernel<<<blocks_for(tasks, per_block), kBlockSize>>>(ops, in, outer, inner, splits, seglen, G,
                                                                        partial_ptr);
  TG_CUDA_KERNEL_CHECK(r.op());
  if (splits > 1) {
    int G2 = 1;
    while (G2 < 32 && G2 < splits) G2 *= 2;
    combine_partials_kernel<<<blocks_for(outer, kBlockSize / G2), kBlockSize>>>(ops, partial_ptr, outer, splits, G2);
    TG_CUDA_KERNEL_CHECK(r.op());
  }
}

}  // namespace tg::native::cuda
