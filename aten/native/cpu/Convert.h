#pragma once
// The scalar conversion between dtypes that copy / to() apply element by element (CopyKernel.cpp)
// and fill_ applies to its value (FillKernel.cpp): one definition, so filling with a Python number
// gives the bits that copying that number's tensor would. Included only by files in
// aten/native/cpu/, inside their per-ISA namespace (an inline function compiled with AVX-512 in
// one file and without in another must not be one symbol the linker picks either copy of).
#include "aten/vec/isa.h"
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "aten/core/ScalarType.h"

namespace tg::native::CPU_CAPABILITY {

template <typename T> constexpr bool is_half_type = std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>;

// Conversion through the wider of the two types, bool as "!= 0" like PyTorch.
template <typename Dst, typename Src>
inline Dst convert(Src v) {
  if constexpr (std::is_same_v<Dst, Src>) return v;  // bit-exact (NaN payloads of half types too)
  else if constexpr (std::is_same_v<Dst, bool>) return static_cast<opmath_t<Src>>(v) != opmath_t<Src>(0);
  else if constexpr (is_half_type<Src>) return convert<Dst>(float(v));  // float's rules (NaN -> 0 for ints)
  else if constexpr (is_half_type<Dst>) return Dst(static_cast<float>(v));
  else if constexpr (std::is_integral_v<Dst> && std::is_floating_point_v<Src>) {
    // Out-of-range float -> int is undefined in C++; go through int64 like PyTorch's CPU kernels.
    if (!(v == v)) return Dst(0);
    if (v >= 9.2233720368547758e18 || v <= -9.2233720368547758e18) return static_cast<Dst>(INT64_MIN);
    return static_cast<Dst>(static_cast<int64_t>(v));
  } else return static_cast<Dst>(v);
}

// 1 for a non-zero element (x != 0, the rule of bool conversion above): float16 / bfloat16 by
// their bits without the sign bit (no conversion to float: -0 is zero, NaN is not), the others by
// a comparison. A count of it over a loop vectorizes (nonzero, count_nonzero).
template <typename T>
inline uint32_t is_nonzero(const T& x) {
  if constexpr (is_half_type<T>) {
    uint16_t bits;
    std::memcpy(&bits, &x, sizeof bits);
    return (bits & 0x7fffu) != 0;
  } else {
    return x != T(0);
  }
}

}  // namespace tg::native::CPU_CAPABILITY
