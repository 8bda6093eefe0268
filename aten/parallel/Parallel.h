#pragma once
// parallel_for on OpenMP (DESIGN.md §6): serial below the grain size, never nested, and an
// exception thrown by any chunk is rethrown on the calling thread after the region (a throw
// escaping an OpenMP region would terminate the process).
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <exception>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace tg {

int get_num_threads();
void set_num_threads(int n);  // n >= 1
bool in_parallel_region();

// Grain sizes per op family: elements per chunk below which another thread costs more than it
// saves (waking an OpenMP thread costs a few microseconds).
constexpr int64_t kGrainSize = 32768;     // memory-bound elementwise work: add, copy, compare, fill
// Transcendental math (exp, log, sin, tanh, ...) costs ~0.5 ns/element: a second thread pays off
// from ~16K elements (exp of 32K floats: 15.4 us on one thread, 10.9 us on two).
constexpr int64_t kMathGrainSize = 8192;

// What a split region costs beyond its longest chunk feeds the running estimate behind
// thread_wake_factor (WakeCost.cpp), when the region's first two threads ran on two CPUs (on one
// they take turns, and the region times a chunk, not a wake). Clock and CPU come from the vDSO
// (~20 ns each); a split region takes microseconds.
int64_t split_clock_ns();
int current_cpu();  // -1 where unknown (then no region is noted)
void note_split_cost(int64_t region_ns, int64_t longest_chunk_ns);

// Calls f(chunk_begin, chunk_end) over [begin, end), split across threads in contiguous chunks.
template <typename F>
void parallel_for(int64_t begin, int64_t end, int64_t grain, const F& f) {
  if (begin >= end) return;
  const int64_t n = end - begin;
#ifdef _OPENMP
  const int nthreads = get_num_threads();
  if (n > grain && nthreads > 1 && !in_parallel_region()) {
    const int64_t chunks = std::min<int64_t>(nthreads, (n + grain - 1) / std::max<int64_t>(grain, 1));
    std::exception_ptr error;
    std::atomic_flag failed = ATOMIC_FLAG_INIT;
    std::atomic<int64_t> longest_chunk_ns{0};
    int cpu[2] = {-1, -1};
    const int64_t start_ns = split_clock_ns();
#pragma omp parallel num_threads(static_cast<int>(chunks))
    {
      const int64_t chunk_start_ns = split_clock_ns();
      const int64_t tid = omp_get_thread_num(), team = omp_get_num_threads();
      if (tid < 2) cpu[tid] = current_cpu();
      const int64_t chunk = (n + team - 1) / team;
      const int64_t b = begin + tid * chunk, e = std::min(end, b + chunk);
      if (b < e) {
        try {
          f(b, e);
        } catch (...) {
          if (!failed.test_and_set()) error = std::current_exception();
        }
      }
      const int64_t chunk_ns = split_clock_ns() - chunk_start_ns;
      int64_t seen = longest_chunk_ns.load(std::memory_order_relaxed);
      while (chunk_ns > seen && !longest_chunk_ns.compare_exchange_weak(seen, chunk_ns, std::memory_order_relaxed)) {
      }
    }
    if (cpu[0] >= 0 && cpu[1] >= 0 && cpu[0] != cpu[1])
      note_split_cost(split_clock_ns() - start_ns, longest_chunk_ns.load(std::memory_order_relaxed));
    if (error) std::rethrow_exception(error);
    return;
  }
#endif
  (void)grain;
  (void)n;
  f(begin, end);
}

}  // namespace tg
