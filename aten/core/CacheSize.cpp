#include "aten/core/CacheSize.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>

namespace tg {
namespace {

// sysfs's "size" file of the first cache index, from `highest` down to `lowest`, that exists:
// "8192K" on this form.
int64_t sysfs_cache_bytes(int highest, int lowest) {
  for (int index = highest; index >= lowest; --index) {
    char path[96];
    std::snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/size", index);
    std::FILE* f = std::fopen(path, "r");
    if (!f) continue;
    long long value = 0;
    char unit = 0;
    const int got = std::fscanf(f, "%lld%c", &value, &unit);
    std::fclose(f);
    if (got < 1 || value <= 0) continue;
    const int64_t scale = unit == 'K' ? 1024 : unit == 'M' ? 1024 * 1024 : unit == 'G' ? int64_t(1) << 30 : 1;
    return int64_t(value) * scale;
  }
  return 0;
}

// The sysfs cache index whose "level" file says `level`, -1 when none does.
int sysfs_cache_index_of_level(int level) {
  for (int index = 0; index <= 4; ++index) {
    char path[96];
    std::snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/level", index);
    std::FILE* f = std::fopen(path, "r");
    if (!f) continue;
    int got_level = 0;
    const int got = std::fscanf(f, "%d", &got_level);
    std::fclose(f);
    if (got == 1 && got_level == level) return index;
  }
  return -1;
}

std::atomic<int64_t> stream_min{-1};  // -1: the default

}  // namespace

int64_t last_level_cache_bytes() {
  static const int64_t bytes = [] {
    if (const int64_t b = sysfs_cache_bytes(4, 2); b > 0) return b;
#if defined(_SC_LEVEL3_CACHE_SIZE)
    if (const long b = sysconf(_SC_LEVEL3_CACHE_SIZE); b > 0) return int64_t(b);
#endif
    return int64_t(8) << 20;
  }();
  return bytes;
}

int64_t l2_cache_bytes() {
  static const int64_t bytes = [] {
    if (const int index = sysfs_cache_index_of_level(2); index >= 0)
      if (const int64_t b = sysfs_cache_bytes(index, index); b > 0) return b;
#if defined(_SC_LEVEL2_CACHE_SIZE)
    if (const long b = sysconf(_SC_LEVEL2_CACHE_SIZE); b > 0) return int64_t(b);
#endif
    return int64_t(1) << 20;
  }();
  return bytes;
}

int64_t stream_store_min_bytes() {
  const int64_t v = stream_min.load(std::memory_order_relaxed);
  return v >= 0 ? v : last_level_cache_bytes();
}

bool streams_output_bytes(int64_t out_bytes) { return out_bytes >= stream_store_min_bytes(); }

int64_t set_stream_store_min_bytes(int64_t bytes) {
  const int64_t old = stream_store_min_bytes();
  stream_min.store(bytes < 0 ? -1 : bytes, std::memory_order_relaxed);
  return old;
}

}  // namespace tg
