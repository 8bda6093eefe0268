#pragma once
// What waking a sleeping thread costs, for the kernels whose grain counts elements of cheap,
// memory-bound work (row copies, plane loops, fused optimizer steps). The grain sizes of
// Parallel.h assume a wake of about a microsecond, as OpenMP's idle threads give while they spin.
// Threads that sleep at once (OMP_WAIT_POLICY=PASSIVE) wake through the OS -- on the 2-core VM
// through the hypervisor, ~35 us -- and a split then pays only for ~35x more work: `x + y` of
// 300K floats took 30 us on one thread and 61 us on two. Grains that count heavy units (GEMM
// tasks, rows to sort, images to convolve) keep their size: scaled, those went to one thread
// (measured: up to 2.4x slower), so only the sites that include this header scale theirs.
#include <algorithm>
#include <climits>
#include <cstdint>

#include "aten/core/CacheSize.h"

namespace tg {

// The wake's cost in microseconds, rounded, at least 1: the median of 7 two-thread regions, each
// after 50 us in which the other thread had nothing to do. Measured once, at the first call.
int64_t thread_wake_factor();
// Pins the factor (the test suite pins 1, so that kernels split at their grain sizes whatever the
// wait policy) and returns the previous one; 0 goes back to the measured value.
int64_t set_thread_wake_factor(int64_t factor);

// grain * thread_wake_factor(), saturating.
inline int64_t wake_scaled(int64_t grain) {
  const int64_t f = thread_wake_factor();
  return grain > INT64_MAX / f ? INT64_MAX : grain * f;
}

// The factor prices the wake in elements of in-cache work, with room: kGrainSize elements of
// in-cache x + y take ~5 wakes' time. Work whose operands together take more bytes than a core's
// L2 runs at the memory's speed instead, ~2.6x slower an element (float32 x + y on the 2-core
// Xeon: 0.17 ns within L2, 0.44 beyond), so the scaled grain would be ~14 wakes of work where a
// split pays from ~2: it is divided by kOutOfCacheGrainDivisor (~2.4 wakes). Without this a
// 0.5M-2M element x + y stayed on one thread under OMP_WAIT_POLICY=PASSIVE (wake 60-90 us) at
// 0.6-0.88x PyTorch's time.
constexpr int64_t kOutOfCacheGrainDivisor = 6;
inline int64_t wake_scaled(int64_t grain, int64_t working_set_bytes) {
  const int64_t scaled = wake_scaled(grain);
  if (working_set_bytes <= l2_cache_bytes()) return scaled;
  return std::max(grain, scaled / kOutOfCacheGrainDivisor);
}

}  // namespace tg
