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
// A core's L2 (sysfs index2, then sysconf), 1 MiB when neither says. Read once.
int64_t l2_cache_bytes();

// The size from which an output may be streamed: the last-level cache's unless set.
int64_t stream_store_min_bytes();
// Whether an output of out_bytes is streamed: it is at least stream_store_min_bytes() (the
// cache), so most of it would leave the cache before the next op reads it anyway. Measured
// interleaved with PyTorch's calls, as the benchmark matrix and a program run them (the Zen 5
// VM, 2 threads, StreamStores' 4 KB buffer), streaming 4M float32 -> float64 was 10-22 % faster
// than cached writes and 4M int64 -x / clamp 8-10 %. (Stop 51 kept outputs beside smaller inputs
// cached, from a loop of the op alone, where the previous call's output is still in the cache.)
bool streams_output_bytes(int64_t out_bytes);
// Sets it (tests stream small outputs with 0; a value past any size turns streaming off) and
// returns the previous value; a negative value restores the default.
int64_t set_stream_store_min_bytes(int64_t bytes);

}  // namespace tg
