#pragma once
// Asking a span of memory into the cache ahead of accesses in an order the hardware prefetcher
// cannot foresee: random indices into one line of a tensor (gather / scatter along a dim). Each
// access to a line not yet in the cache then waits for memory on its own, one after another.
#include <cstdint>

#include "aten/vec/isa.h"

namespace tg::native::CPU_CAPABILITY {

// Spans up to this size: beyond, the first lines would leave the L2 before their use.
constexpr int64_t kPrefetchSpanMax = int64_t(256) << 10;

// Every 64-byte line of [p, p + bytes) for writing (a scatter's target; a read loses nothing),
// when the span fits kPrefetchSpanMax. A prefetch never faults, whatever the address.
inline void prefetch_span(const void* p, int64_t bytes) {
  if (bytes > kPrefetchSpanMax) return;
  for (int64_t b = 0; b < bytes; b += 64) __builtin_prefetch(static_cast<const char*>(p) + b, 1);
}

}  // namespace tg::native::CPU_CAPABILITY
