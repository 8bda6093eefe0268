#pragma once
// The scalar conversion between dtypes that copy / to() apply element by element (CopyKernel.cpp)
// and fill_ applies to its value (FillKernel.cpp): one definition, so filling with a Python number
// gives the bits that copying that number's tensor would.
#include <cstdint>
#include <type_traits>

#include "aten/core/ScalarType.h"

namespace tg::native {

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

}  // namespace tg::native
