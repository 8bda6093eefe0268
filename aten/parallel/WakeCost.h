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
#include <vector>

#include "aten/core/CacheSize.h"

namespace tg {

// The wake's cost in microseconds, rounded, 1 to kMaxWakeUs: a running estimate of what a split
// region costs beyond its longest chunk. The first call measures it (two-thread regions, each
// after 50 us in which the other thread had nothing to do: wake_us_from_samples); from then on
// every split parallel_for region whose threads ran on two CPUs moves it a kEstimateWeight-th of
// the way to its own cost (next_wake_estimate). Why not once: the host's state drifts. On the
// 2-core VM a process that measured at startup after an idle saw 256+ (the old clamp) or, with
// the threads put on one CPU, 4-5, while the same process's ops later paid 70-95; a factor fixed
// at 256 kept its plane and row loops on one thread, 1.5-2x slower, for the whole run.
int64_t thread_wake_factor();
constexpr double kMaxWakeUs = 256;     // also the most one region's cost can count
constexpr double kEstimateWeight = 8;  // a region moves the estimate 1/8 of the way
double next_wake_estimate(double estimate_us, double split_cost_us);
double thread_wake_estimate_us();  // unrounded, unpinned; < 0 before the first measurement

// One timed two-thread region: its microseconds, and whether both threads ran on one CPU.
struct WakeSample {
  double us;
  bool one_cpu;
};
// The median of the samples after the first `warmup`, counting only those whose threads ran on
// two CPUs (all of them if none did; 1 if there are none). Both rules come from timing each wake
// on the 2-core VM under PASSIVE (~70 us while ops run): the first wakes after the process idled
// a few hundred ms take 200-1000 us (the host's idle vCPU), which made the old median of 7 hit
// the 256 us clamp in two of four matrix processes and run their plane and row loops on one
// thread; and after such an idle the scheduler may put the woken thread on the waker's CPU,
// where a region takes 3-5 us because it runs its halves one after the other -- a wake that
// buys no parallelism, so it does not price one.
double wake_us_from_samples(const std::vector<WakeSample>& samples, size_t warmup);
// Pins the factor (the test suite pins 1, so that kernels split at their grain sizes whatever the
// wait policy) and returns the previous one; 0 goes back to the running estimate.
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
