#include "aten/parallel/WakeCost.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <vector>
#ifdef __linux__
#include <sched.h>
#endif
#ifdef _OPENMP
#include <omp.h>
#endif

#include "aten/core/Error.h"

namespace tg {

int current_cpu() {
#ifdef __linux__
  return sched_getcpu();
#else
  return -1;
#endif
}

int64_t split_clock_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

namespace {

std::atomic<int64_t> g_pinned{0};        // 0: the estimate
std::atomic<double> g_estimate_us{-1};  // < 0: not measured yet

// Before the timed wakes both threads work kWarmupWorkUs, and of the kTimedWakes that follow the
// first kWarmupWakes are dropped: after the process idled, wakes on the 2-core VM took 300-450 us
// until both vCPUs had run for a few ms and been woken a few times (then 75-95 us, as while ops
// run back to back) -- after 3 ms of work up to 12 more slow wakes were seen; with 0.5-2 ms of
// work and no dropped wakes the median often stayed at 100-400. The whole measurement takes
// ~7 ms once (up to ~16 after an idle).
constexpr double kWarmupWorkUs = 3000;
constexpr size_t kTimedWakes = 32;
constexpr size_t kWarmupWakes = 16;

double measured_wake_us() {
#ifdef _OPENMP
  using clock = std::chrono::steady_clock;
  const auto busy_wait = [](double us) {
    const auto start = clock::now();
    while (std::chrono::duration<double, std::micro>(clock::now() - start).count() < us) {
    }
  };
#pragma omp parallel num_threads(2)
  busy_wait(kWarmupWorkUs);  // the threads' creation, and work that wakes the host's idle vCPU
  std::vector<WakeSample> samples;
  for (size_t i = 0; i < kTimedWakes; ++i) {
    busy_wait(50);  // as between two ops of a program: under PASSIVE the other thread sleeps
    std::array<int, 2> cpu{-1, -2};
    const auto start = clock::now();
#pragma omp parallel num_threads(2)
    {
      const int thread = omp_get_thread_num();
      if (thread < 2) cpu[size_t(thread)] = current_cpu();
    }
    const double us = std::chrono::duration<double, std::micro>(clock::now() - start).count();
    samples.push_back({us, cpu[0] == cpu[1]});
  }
  return wake_us_from_samples(samples, kWarmupWakes);
#else
  return 1;
#endif
}

}  // namespace

double wake_us_from_samples(const std::vector<WakeSample>& samples, size_t warmup) {
  std::vector<double> apart, all;
  for (size_t i = warmup; i < samples.size(); ++i) {
    all.push_back(samples[i].us);
    if (!samples[i].one_cpu) apart.push_back(samples[i].us);
  }
  std::vector<double>& counted = apart.empty() ? all : apart;
  if (counted.empty()) return 1;
  std::sort(counted.begin(), counted.end());
  return counted[counted.size() / 2];
}

double next_wake_estimate(double estimate_us, double split_cost_us) {
  return estimate_us + (std::clamp(split_cost_us, 0.0, kMaxWakeUs) - estimate_us) / kEstimateWeight;
}

void note_split_cost(int64_t region_ns, int64_t longest_chunk_ns) {
  const double estimate = g_estimate_us.load(std::memory_order_relaxed);
  if (estimate < 0) return;  // the first memory-bound loop measures it
  g_estimate_us.store(next_wake_estimate(estimate, double(region_ns - longest_chunk_ns) / 1000),
                      std::memory_order_relaxed);
}

double thread_wake_estimate_us() { return g_estimate_us.load(std::memory_order_relaxed); }

int64_t thread_wake_factor() {
  if (const int64_t pinned = g_pinned.load(std::memory_order_relaxed); pinned > 0) return pinned;
  double estimate = g_estimate_us.load(std::memory_order_relaxed);
  if (estimate < 0) {
    static const double measured = measured_wake_us();  // once, whichever thread comes first
    double unmeasured = -1;
    g_estimate_us.compare_exchange_strong(unmeasured, measured, std::memory_order_relaxed);
    estimate = g_estimate_us.load(std::memory_order_relaxed);
  }
  return std::clamp<int64_t>(std::llround(estimate), 1, int64_t(kMaxWakeUs));
}

int64_t set_thread_wake_factor(int64_t factor) {
  TG_CHECK_VALUE(factor >= 0, "[set_thread_wake_factor] the factor must be positive (or 0: measured), got ", factor);
  const int64_t old = g_pinned.load(std::memory_order_relaxed);
  g_pinned.store(factor, std::memory_order_relaxed);
  return old;
}

}  // namespace tg
