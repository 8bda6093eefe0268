#pragma once
// Scalar math with PyTorch's semantics, written once for the CPU kernels (aten/native/cpu/,
// compiled once per ISA) and the CUDA kernels (aten/native/cuda/, host and device). Small inline
// functions only, with no state (no function-local statics): the per-ISA objects each keep a
// private copy. Errors are left to the caller, which knows how to report them (the CPU throws,
// CUDA sets its device error flag): functions with an error case say so and return a bool or
// have a precondition.
//
// T is the compute type: the storage type, or float for the half types (opmath_t).
#include <cmath>
#include <type_traits>

#if defined(__CUDACC__)
#define TG_HOST_DEVICE __host__ __device__
#else
#define TG_HOST_DEVICE
#endif

namespace tg::native {

template <typename T> inline constexpr bool is_wrapping_int_v = std::is_integral_v<T> && !std::is_same_v<T, bool>;

// Integer +, * and unary - wrap around like PyTorch's; done unsigned to keep the C++ defined.
template <typename T>
TG_HOST_DEVICE inline T wrap_add(T a, T b) {
  if constexpr (is_wrapping_int_v<T>) return T(std::make_unsigned_t<T>(a) + std::make_unsigned_t<T>(b));
  else return a + b;
}
template <typename T>
TG_HOST_DEVICE inline T wrap_mul(T a, T b) {
  if constexpr (is_wrapping_int_v<T>) {
    // At least `unsigned` wide: uint16 * uint16 would promote to (signed) int and could overflow.
    using U = std::common_type_t<unsigned, std::make_unsigned_t<T>>;
    return T(U(std::make_unsigned_t<T>(a)) * U(std::make_unsigned_t<T>(b)));
  } else {
    return a * b;
  }
}
template <typename T>
TG_HOST_DEVICE inline T wrap_neg(T a) {
  if constexpr (is_wrapping_int_v<T>) return T(std::make_unsigned_t<T>(0) - std::make_unsigned_t<T>(a));
  else return -a;
}

// Integer x / y rounded toward zero (floor = false) or toward -inf (floor = true, Python's //);
// MIN / -1 wraps to MIN. Precondition: y != 0 (the caller reports integer division by zero).
template <typename T>
TG_HOST_DEVICE inline T int_div_rounding(T x, T y, bool floor) {
  if constexpr (std::is_signed_v<T>) {
    if (y == T(-1)) return wrap_neg(x);
    T q = T(x / y);
    if (floor && (x % y != 0) && ((x < 0) != (y < 0))) --q;
    return q;
  } else {
    return T(x / y);
  }
}

// Floating a / b truncated (floor = false) or floored like Python's // (floor = true: floor of
// the exact quotient, computed via fmod like PyTorch; b == 0 gives a / b).
template <typename T>
TG_HOST_DEVICE inline T float_div_rounding(T a, T b, bool floor) {
  const T q = a / b;
  if (!floor) return std::trunc(q);
  if (b == T(0)) return q;
  const T mod = std::fmod(a, b);
  T div = (a - mod) / b;
  if (mod != T(0) && ((b < 0) != (mod < 0))) div -= T(1);
  T fl = std::floor(div);
  if (div - fl > T(0.5)) fl += T(1);
  return div == T(0) ? std::copysign(T(0), q) : fl;
}

// Integer base ** exp by squaring, wrapping around. Returns false (and leaves out alone) when the
// result is not an integer: a negative exp with a base other than 1 or -1 (the caller reports
// "Integers to negative integer powers are not allowed").
template <typename T>
TG_HOST_DEVICE inline bool int_pow(T base, T exp, T& out) {
  if constexpr (std::is_signed_v<T>) {
    if (exp < 0) {
      if (base == 1) out = T(1);
      else if (base == -1) out = T((exp & 1) ? -1 : 1);
      else return false;
      return true;
    }
  }
  using U = std::make_unsigned_t<T>;
  U result = 1, b = U(base);
  for (auto e = exp; e; e >>= 1) {
    if (e & 1) result = U(result * b);
    b = U(b * b);
  }
  out = T(result);
  return true;
}

}  // namespace tg::native
