#pragma once
// fused_multiply_add(a, b, c): a * b + c rounded once, on a Vectorized<T> or a scalar, the same
// bits under every capability (the FMA instruction under AVX2 / AVX-512, std::fma lane by lane in
// the portable build, whose vec::fmadd is a separate multiply and add). For code that promises
// bitwise-equal results across capabilities and wants the fused operation: vec_math_extra.h's
// fma_, and the cascade reductions' sums of squares (ReduceCascade.h).
#include <cmath>
#include <type_traits>

#include "aten/vec/vec.h"

namespace tg::vec {
inline namespace CPU_CAPABILITY {

template <typename T>
[[gnu::always_inline]] inline Vectorized<T> fused_multiply_add(const Vectorized<T>& a, const Vectorized<T>& b,
                                                               const Vectorized<T>& c) {
#if defined(TG_VEC_AVX512) || defined(TG_VEC_AVX2)
  return fmadd(a, b, c);
#else
  Vectorized<T> r;
  for (int i = 0; i < Vectorized<T>::size(); ++i) r.values[i] = std::fma(a[i], b[i], c[i]);
  return r;
#endif
}

template <typename T>
  requires std::is_floating_point_v<T>
[[gnu::always_inline]] inline T fused_multiply_add(T a, T b, T c) {
  return std::fma(a, b, c);
}

}  // namespace CPU_CAPABILITY
}  // namespace tg::vec
