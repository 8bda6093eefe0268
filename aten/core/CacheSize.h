#pragma once
// The size above which a kernel writes its output around the caches (non-temporal stores,
// aten/native/cpu/StreamStores.h): an output larger than the last-level cache cannot stay there
// for the next op, and writing it through the cache first reads every line it overwrites
// (a unary op's memory traffic is then three times the tensor's size instead of two).
#include <cstdint>

namespace tg {

// The last-level cache's size as the OS reports it for cpu 0 (sysfs, then sysconf), 8 MiB when
// neither says. Read once.
int64_t last_level_cache_bytes();

// The size from which an output may be streamed: the last-level cache's unless set.
int64_t stream_store_min_bytes();
// Whether an output of out_bytes, computed from in_bytes of inputs, is streamed: it is at least
// stream_store_min_bytes() (the cache) and the op moves at least twice that. An output the size
// of the cache beside a smaller input (4M float32 -> float64) partly stays in the cache between
// calls and streamed ran 5-8 % slower; beside an input of its size (4M int64 -x, x + y) streaming
// saved 4-7 % (the Zen 5 VM, 2 threads, stream_stores' 4 KB buffer).
bool streams_output_bytes(int64_t out_bytes, int64_t in_bytes);
// Sets it (tests stream small outputs with 0; a value past any size turns streaming off) and
// returns the previous value; a negative value restores the default.
int64_t set_stream_store_min_bytes(int64_t bytes);

}  // namespace tg
