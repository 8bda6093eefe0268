#pragma once
// Raw Philox draws for the CPU random kernels that turn bits into values themselves (randint,
// random_, randperm and the fills of RandomFillKernel.cpp). Element `first + k` of a kernel with
// PerBlock elements per block (4 for 32-bit draws, 2 for 64-bit ones) reads block
// first / PerBlock, so a value depends only on (seed, offset) and its index: never on the thread
// count or the capability.
#include "aten/vec/isa.h"
#include <algorithm>
#include <array>
#include <cstdint>

#include "aten/core/Generator.h"
#include "aten/parallel/Parallel.h"
#include "aten/vec/philox.h"

namespace tg::native::CPU_CAPABILITY {

using Lanes = std::array<uint32_t, 4>;

// The 64-bit draw for element k (0 or 1) of a 2-per-block kernel.
inline uint64_t draw64(const Lanes& lanes, int k) { return philox::combine(lanes[2 * k], lanes[2 * k + 1]); }

// The lanes of block b0 + j from a batch of vec::philox_batch.
inline Lanes lanes_of(const uint32_t (&batch)[4][vec::kPhiloxBatch], int j) {
  return {batch[0][j], batch[1][j], batch[2][j], batch[3][j]};
}

// Reserves ceil(n / PerBlock) blocks and calls fn(first_element, lanes, count) for each; blocks
// are computed 16 at a time on vector lanes (vec::philox_batch: the bits of philox::block_batch,
// 5x faster than its auto-vectorized rounds), threads take whole batches. fn must be safe to call
// from several threads for different elements.
template <int PerBlock, typename F>
void for_each_block_parallel(GeneratorImpl& gen, int64_t n, const F& fn) {
  constexpr int64_t kBatch = vec::kPhiloxBatch;
  const int64_t nblocks = (n + PerBlock - 1) / PerBlock;
  const PhiloxState st = gen.reserve_state(uint64_t(nblocks));
  const int64_t nbatches = (nblocks + kBatch - 1) / kBatch;
  parallel_for(0, nbatches, std::max<int64_t>(1, kGrainSize / (kBatch * PerBlock)), [&](int64_t c0, int64_t c1) {
    uint32_t batch[4][kBatch];
    for (int64_t c = c0; c < c1; ++c) {
      const int64_t b0 = c * kBatch;
      vec::philox_batch(st.seed, st.offset + uint64_t(b0), batch);
      for (int j = 0; j < kBatch; ++j) {
        const int64_t first = (b0 + j) * PerBlock;
        if (first >= n) break;
        fn(first, lanes_of(batch, j), int(std::min<int64_t>(PerBlock, n - first)));
      }
    }
  });
}

}  // namespace tg::native::CPU_CAPABILITY
