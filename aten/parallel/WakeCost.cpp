#include "aten/parallel/WakeCost.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "aten/core/Error.h"

namespace tg {

namespace {

std::atomic<int64_t> g_pinned{0};  // 0: the measured factor

double measured_wake_us() {
#ifdef _OPENMP
  using clock = std::chrono::steady_clock;
  const auto busy_wait = [](double us) {
    const auto start = clock::now();
    while (std::chrono::duration<double, std::micro>(clock::now() - start).count() < us) {
    }
  };
  std::atomic<int> ran{0};
#pragma omp parallel num_threads(2)
  ran.fetch_add(1, std::memory_order_relaxed);  // the threads' creation, not counted
  std::array<double, 7> us{};
  for (double& t : us) {
    busy_wait(50);  // as between two ops of a program: under PASSIVE the other thread sleeps
    const auto start = clock::now();
#pragma omp parallel num_threads(2)
    ran.fetch_add(1, std::memory_order_relaxed);
    t = std::chrono::duration<double, std::micro>(clock::now() - start).count();
  }
  std::sort(us.begin(), us.end());
  return us[us.size() / 2];
#else
  return 1;
#endif
}

}  // namespace

int64_t thread_wake_factor() {
  if (const int64_t pinned = g_pinned.load(std::memory_order_relaxed); pinned > 0) return pinned;
  static const int64_t measured = std::clamp<int64_t>(std::llround(measured_wake_us()), 1, 256);
  return measured;
}

int64_t set_thread_wake_factor(int64_t factor) {
  TG_CHECK_VALUE(factor >= 0, "[set_thread_wake_factor] the factor must be positive (or 0: measured), got ", factor);
  const int64_t old = g_pinned.load(std::memory_order_relaxed);
  g_pinned.store(factor, std::memory_order_relaxed);
  return old;
}

}  // namespace tg
