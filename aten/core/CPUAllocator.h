#pragma once
// The CPU allocator: 64-byte aligned blocks with a bounded size-class cache (DESIGN.md §6), so a
// fresh output reuses memory that is already mapped instead of paying page faults, and small
// tensors skip malloc. Freed blocks go back to the free list of their size class; the cache holds
// at most kMaxCachedBytes and frees blocks beyond that.
#include <cstddef>
#include <cstdint>

namespace tg {

struct CPUMemoryStats {
  uint64_t allocated_bytes;  // live blocks (size-class rounded)
  uint64_t cached_bytes;     // free blocks kept for reuse
  uint64_t peak_allocated_bytes;
  uint64_t cache_hits;
  uint64_t cache_misses;
};

void* cpu_allocate(size_t nbytes);
void cpu_free(void* p, size_t nbytes);
CPUMemoryStats cpu_memory_stats();
// Returns every cached block to the system.
void cpu_empty_cache();
// Enables or disables caching (TENSORGEN_CPU_ALLOCATOR_CACHE=0 at import disables it, e.g. for
// memory checkers); disabling also empties the cache.
void cpu_set_cache_enabled(bool enabled);
bool cpu_cache_enabled();

}  // namespace tg
