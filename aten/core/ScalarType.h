#pragma once
// The ten dtypes (DESIGN.md §6), their C++ types, and PyTorch's promotion rules.
#include <cstdint>
#include <ostream>

#include "aten/core/Half.h"

namespace tg {

// X(cpp_type, Name, python_name)
#define TG_FORALL_SCALAR_TYPES(X)  \
  X(bool, Bool, bool)              \
  X(uint8_t, UInt8, uint8)         \
  X(int8_t, Int8, int8)            \
  X(int16_t, Int16, int16)         \
  X(int32_t, Int32, int32)         \
  X(int64_t, Int64, int64)         \
  X(tg::Half, Float16, float16)    \
  X(tg::BFloat16, BFloat16, bfloat16) \
  X(float, Float32, float32)       \
  X(double, Float64, float64)

enum class ScalarType : int8_t {
#define TG_ENUM(cpp, name, py) name,
  TG_FORALL_SCALAR_TYPES(TG_ENUM)
#undef TG_ENUM
  NumTypes,
  Undefined = -1
};
constexpr int kNumScalarTypes = static_cast<int>(ScalarType::NumTypes);

template <typename T> struct CppTypeToScalarType;
#define TG_SPEC(cpp, name, py) \
  template <> struct CppTypeToScalarType<cpp> { static constexpr ScalarType value = ScalarType::name; };
TG_FORALL_SCALAR_TYPES(TG_SPEC)
#undef TG_SPEC
template <typename T>
constexpr ScalarType scalar_type_of = CppTypeToScalarType<T>::value;

// The type arithmetic is carried out in: float for the half types, the type itself otherwise.
template <typename T> struct OpMath { using type = T; };
template <> struct OpMath<Half> { using type = float; };
template <> struct OpMath<BFloat16> { using type = float; };
template <typename T> using opmath_t = typename OpMath<T>::type;

// OpMath as a dtype: what a kernel written with other ops computes its intermediates in, so that
// a half result is rounded once, as the CPU kernels round it.
inline ScalarType opmath_dtype(ScalarType t) {
  return t == ScalarType::Float16 || t == ScalarType::BFloat16 ? ScalarType::Float32 : t;
}

const char* to_string(ScalarType t);  // "float32"
size_t element_size(ScalarType t);
inline std::ostream& operator<<(std::ostream& os, ScalarType t) { return os << to_string(t); }

inline bool is_floating(ScalarType t) {
  return t == ScalarType::Float16 || t == ScalarType::BFloat16 || t == ScalarType::Float32 ||
         t == ScalarType::Float64;
}
inline bool is_integral(ScalarType t, bool include_bool) {
  return (include_bool && t == ScalarType::Bool) ||
         (t >= ScalarType::UInt8 && t <= ScalarType::Int64);
}
inline bool is_signed(ScalarType t) { return t != ScalarType::Bool && t != ScalarType::UInt8; }

// PyTorch's promote_types over the ten dtypes.
ScalarType promote_types(ScalarType a, ScalarType b);
// Whether a value of `from` may be written into `to` by an op (no float->int, no int->bool).
bool can_cast(ScalarType from, ScalarType to);

constexpr ScalarType kDefaultFloat = ScalarType::Float32;

}  // namespace tg
