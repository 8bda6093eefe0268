#pragma once
// A number passed to an op: integer, floating or bool, converted to the kernel's type on use.
#include <cstdint>
#include <limits>
#include <ostream>

#include "aten/core/ScalarType.h"

namespace tg {

class Scalar {
 public:
  enum class Tag : uint8_t { Int, Double, Bool };
  Scalar() : Scalar(int64_t(0)) {}
  Scalar(double v) : tag_(Tag::Double) { v_.d = v; }
  Scalar(float v) : Scalar(double(v)) {}
  Scalar(int64_t v) : tag_(Tag::Int) { v_.i = v; }
  Scalar(int v) : Scalar(int64_t(v)) {}
  Scalar(bool v) : tag_(Tag::Bool) { v_.i = v; }

  Tag tag() const { return tag_; }
  bool is_floating_point() const { return tag_ == Tag::Double; }
  bool is_integral() const { return tag_ == Tag::Int; }
  bool is_bool() const { return tag_ == Tag::Bool; }
  double to_double() const { return tag_ == Tag::Double ? v_.d : double(v_.i); }
  int64_t to_int() const { return tag_ == Tag::Double ? int64_t(v_.d) : v_.i; }
  bool to_bool() const { return tag_ == Tag::Double ? v_.d != 0 : v_.i != 0; }

  // Converts to a kernel's element type; the float path goes through double.
  template <typename T>
  T to() const {
    if constexpr (std::is_same_v<T, bool>) return to_bool();
    else if constexpr (std::is_integral_v<T>) return tag_ == Tag::Double ? T(int64_t(v_.d)) : T(v_.i);
    else return T(to_double());
  }
  // The dtype a Python number of this kind becomes when it is a "weak" scalar operand.
  ScalarType natural_type() const {
    return tag_ == Tag::Double ? ScalarType::Float64 : tag_ == Tag::Int ? ScalarType::Int64 : ScalarType::Bool;
  }

 private:
  union { double d; int64_t i; } v_;
  Tag tag_;
};

inline std::ostream& operator<<(std::ostream& os, const Scalar& s) {
  if (s.is_bool()) return os << (s.to_bool() ? "True" : "False");
  if (s.is_integral()) return os << s.to_int();
  return os << s.to_double();
}

}  // namespace tg
