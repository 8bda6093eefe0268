#include "aten/core/DefaultDtype.h"

#include <atomic>

#include "aten/core/Error.h"

namespace tg {

namespace {
// Relaxed: a plain setting read by every factory; no other memory is published with it.
std::atomic<ScalarType> default_float{kDefaultFloat};
}  // namespace

ScalarType default_float_dtype() { return default_float.load(std::memory_order_relaxed); }

void set_default_float_dtype(ScalarType t) {
  TG_CHECK_TYPE(is_floating(t), "[set_default_dtype] only floating-point types are supported as the default type, got ",
                t);
  default_float.store(t, std::memory_order_relaxed);
}

}  // namespace tg
