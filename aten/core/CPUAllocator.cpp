#include "aten/core/CPUAllocator.h"

#include "aten/core/Error.h"

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <new>
#include <unordered_map>
#include <vector>

// Under AddressSanitizer (scripts/sanitize.sh) a block's unused tail (the size-class rounding)
// and every block waiting in the cache are poisoned: reading past a tensor's bytes, or through a
// freed tensor's storage that the cache kept, is then reported like it is on a plain malloc block
// (without this the cache and the rounding would hide both).
#if defined(__linux__)
#include <sys/mman.h>
#endif

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define TG_POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define TG_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define TG_POISON(p, n) ((void)(p), (void)(n))
#define TG_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

namespace tg {
namespace {

// The caller's bytes of a block become addressable, the rest of its size class does not.
void* hand_out(void* p, size_t nbytes, size_t size) {
  TG_UNPOISON(p, nbytes);
  TG_POISON(static_cast<char*>(p) + nbytes, size - nbytes);
  return p;
}

// Large blocks are backed by transparent huge pages where the kernel allows them (as NumPy
// does from 4 MiB): a 16 MiB tensor then costs 8 TLB entries, not 4096. Kernels streaming
// through it and MPI's single-copy transfers between processes (tg.distributed) run up to ~2.5x
// faster (16 MiB all_reduce: 3.1 -> 9 GB/s). Only advice: where THP is off nothing changes.
void advise_huge_pages(void* p, size_t size) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  constexpr size_t kHugeThreshold = size_t(4) << 20, kPage = 4096;
  if (size < kHugeThreshold) return;
  const uintptr_t begin = (reinterpret_cast<uintptr_t>(p) + kPage - 1) & ~(kPage - 1);
  const uintptr_t end = (reinterpret_cast<uintptr_t>(p) + size) & ~(kPage - 1);
  if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);  // failure is harmless
#else
  (void)p;
  (void)size;
#endif
}

constexpr size_t kAlignment = 64;
constexpr size_t kMaxCachedBytes = size_t(1) << 30;  // 1 GiB of free blocks at most

// Size classes: multiples of 64 bytes up to 1 KiB, then four classes per power of two
// (x, 1.25x, 1.5x, 1.75x), so rounding wastes at most 25%.
size_t size_class(size_t n) {
  if (n <= 1024) return (n + kAlignment - 1) / kAlignment * kAlignment;
  size_t pow2 = size_t(1) << (63 - __builtin_clzll(n));
  size_t step = pow2 / 4;
  return (n + step - 1) / step * step;
}

constexpr size_t kSmallClasses = 1024 / kAlignment;  // the classes of 64, 128, ..., 1024 bytes

// The cache's lock, held for a few list operations only (release_all's frees aside): a test-and-
// set spin, yielding after a while, costs less than pthread's mutex, whose lock and unlock calls
// were ~9 % of a 1-element op's time (an allocation and a free per output).
class SpinLock {
 public:
  void lock() {
    for (int spins = 0; flag_.test_and_set(std::memory_order_acquire); ++spins) {
      while (flag_.test(std::memory_order_relaxed)) {
        if (++spins < 256) {
#if defined(__x86_64__) || defined(__i386__)
          __builtin_ia32_pause();
#endif
        } else {
          std::this_thread::yield();
        }
      }
    }
  }
  void unlock() { flag_.clear(std::memory_order_release); }

 private:
  std::atomic_flag flag_ = ATOMIC_FLAG_INIT;
};

struct Cache {
  SpinLock mutex;
  // Free blocks by size class: the small ones (every 0-d tensor, a Python number meeting a tensor,
  // each small op's output) in an array indexed by the class, without the hash lookup that cost
  // ~5 % of a 1-element op; the rest in a map.
  std::vector<void*> small_blocks[kSmallClasses];
  std::unordered_map<size_t, std::vector<void*>> free_blocks;
  CPUMemoryStats stats{};
  bool enabled = true;

  std::vector<void*>& blocks_of(size_t size) {  // size: a size class
    return size <= 1024 ? small_blocks[size / kAlignment - 1] : free_blocks[size];
  }
  void release_all() {  // caller holds the mutex
    for (auto& blocks : small_blocks) {
      for (void* p : blocks) std::free(p);
      blocks.clear();
    }
    for (auto& [size, blocks] : free_blocks)
      for (void* p : blocks) std::free(p);
    free_blocks.clear();
    stats.cached_bytes = 0;
  }
};

// Never destroyed: storages may be freed during interpreter shutdown, after static destructors.
Cache& cache() {
  static Cache* c = [] {
    auto* cc = new Cache();
    const char* env = std::getenv("TENSORGEN_CPU_ALLOCATOR_CACHE");
    if (env && env[0] == '0') cc->enabled = false;
    return cc;
  }();
  return *c;
}

}  // namespace

void* cpu_allocate(size_t nbytes) {
  if (nbytes == 0) return nullptr;
  size_t size = size_class(nbytes);
  Cache& c = cache();
  {
    std::lock_guard<SpinLock> lock(c.mutex);
    c.stats.allocated_bytes += size;
    if (c.stats.allocated_bytes > c.stats.peak_allocated_bytes) c.stats.peak_allocated_bytes = c.stats.allocated_bytes;
    std::vector<void*>* blocks = nullptr;
    if (size <= 1024) {
      blocks = &c.small_blocks[size / kAlignment - 1];
    } else if (auto it = c.free_blocks.find(size); it != c.free_blocks.end()) {
      blocks = &it->second;
    }
    if (blocks && !blocks->empty()) {
      void* p = blocks->back();
      blocks->pop_back();
      c.stats.cached_bytes -= size;
      ++c.stats.cache_hits;
      return hand_out(p, nbytes, size);
    }
    ++c.stats.cache_misses;
  }
  void* p = std::aligned_alloc(kAlignment, size);
  if (!p) {
    // Out of memory: give the cache back to the system and try once more.
    {
      std::lock_guard<SpinLock> lock(c.mutex);
      c.release_all();
    }
    p = std::aligned_alloc(kAlignment, size);
    if (!p) {
      std::lock_guard<SpinLock> lock(c.mutex);
      c.stats.allocated_bytes -= size;
      // PyTorch's type and wording (RuntimeError from DefaultCPUAllocator), with our prefix.
      TG_CHECK(false, "[cpu_allocator] not enough memory: you tried to allocate ", size, " bytes (",
               double(size) / double(1ull << 30), " GiB)");
    }
  }
  advise_huge_pages(p, size);
  return hand_out(p, nbytes, size);
}

void cpu_free(void* p, size_t nbytes) {
  if (!p) return;
  size_t size = size_class(nbytes);
  // Poisoned before another thread can take it from the cache (std::free ignores the poison).
  TG_POISON(p, size);
  Cache& c = cache();
  {
    std::lock_guard<SpinLock> lock(c.mutex);
    c.stats.allocated_bytes -= size;
    if (c.enabled && c.stats.cached_bytes + size <= kMaxCachedBytes) {
      c.blocks_of(size).push_back(p);
      c.stats.cached_bytes += size;
      return;
    }
  }
  std::free(p);
}

CPUMemoryStats cpu_memory_stats() {
  Cache& c = cache();
  std::lock_guard<SpinLock> lock(c.mutex);
  return c.stats;
}

void cpu_empty_cache() {
  Cache& c = cache();
  std::lock_guard<SpinLock> lock(c.mutex);
  c.release_all();
}

void cpu_set_cache_enabled(bool enabled) {
  Cache& c = cache();
  std::lock_guard<SpinLock> lock(c.mutex);
  c.enabled = enabled;
  if (!enabled) c.release_all();
}

bool cpu_cache_enabled() {
  Cache& c = cache();
  std::lock_guard<SpinLock> lock(c.mutex);
  return c.enabled;
}

}  // namespace tg
