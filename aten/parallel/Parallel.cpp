#include "aten/parallel/Parallel.h"

#include "aten/core/Error.h"

namespace tg {

namespace {
#ifdef _OPENMP
std::atomic<int> g_num_threads{omp_get_max_threads()};
#else
std::atomic<int> g_num_threads{1};
#endif
}  // namespace

int get_num_threads() { return g_num_threads.load(std::memory_order_relaxed); }

void set_num_threads(int n) {
  TG_CHECK_VALUE(n >= 1, "[set_num_threads] the number of threads must be positive, got ", n);
#ifdef _OPENMP
  g_num_threads.store(n, std::memory_order_relaxed);
#endif
}

bool in_parallel_region() {
#ifdef _OPENMP
  return omp_in_parallel();
#else
  return false;
#endif
}

}  // namespace tg
