#pragma once
// The element arithmetic of the indexing reductions (scatter_add_, scatter_reduce_, index_add_,
// index_put_ with accumulate): a + b, a * b and NaN-propagating max / min in each type's
// arithmetic, the half types through float and rounded back after every update (as PyTorch).
#include <type_traits>
#if defined(__F16C__)
#include <immintrin.h>
#endif

#include "aten/core/Half.h"
#include "aten/vec/isa.h"

namespace tg::native::CPU_CAPABILITY {

// float16 a + b with the F16C conversions where the build has them: scatter_add's float16 loop
// spent 7 ns an element in the portable conversions (float32: 0.6 ns). A NaN sum is redone with
// the portable conversions (the hardware quiets a signalling NaN first, which can change the
// sign of the NaN that the add keeps), so the bits are the same with and without F16C.
inline Half add_halves(Half a, Half b) {
#if defined(__F16C__)
  const float r = _cvtsh_ss(a.x) + _cvtsh_ss(b.x);
  if (r != r) return Half(float(a) + float(b));
  Half h;
  h.x = static_cast<uint16_t>(_cvtss_sh(r, _MM_FROUND_TO_NEAREST_INT));
  return h;
#else
  return Half(float(a) + float(b));
#endif
}

// a + b and a * b in the type's arithmetic: half types in float, bool as or / and.
template <typename T>
T add_values(T a, T b) {
  if constexpr (std::is_same_v<T, bool>) return a || b;
  else if constexpr (std::is_same_v<T, Half>) return add_halves(a, b);
  else if constexpr (std::is_same_v<T, BFloat16>) return T(float(a) + float(b));
  else return static_cast<T>(a + b);
}
template <typename T>
T mul_values(T a, T b) {
  if constexpr (std::is_same_v<T, bool>) return a && b;
  else if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>) return T(float(a) * float(b));
  else return static_cast<T>(a * b);
}

// max/min that propagate NaN (PyTorch's amax/amin), as "does a stay": the result is a when the
// predicate holds and b otherwise, and b then differs from a in its bits (b > a, or b is NaN and a
// is not). Half types compare in float.
template <typename T>
bool max_keeps(T a, T b) {
  if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>) {
    const float x = float(a), y = float(b);
    return x != x || x >= y;
  } else if constexpr (std::is_floating_point_v<T>) {
    return a != a || a >= b;
  } else {
    return a >= b;
  }
}
template <typename T>
bool min_keeps(T a, T b) {
  if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>) {
    const float x = float(a), y = float(b);
    return x != x || x <= y;
  } else if constexpr (std::is_floating_point_v<T>) {
    return a != a || a <= b;
  } else {
    return a <= b;
  }
}

}  // namespace tg::native::CPU_CAPABILITY
