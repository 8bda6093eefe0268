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

// Outputs of at least this many bytes are streamed: larger than the last-level cache unless set.
int64_t stream_store_min_bytes();
// Sets it (tests stream small outputs with 0; a value past any size turns streaming off) and
// returns the previous value; a negative value restores the default.
int64_t set_stream_store_min_bytes(int64_t bytes);

}  // namespace tg
