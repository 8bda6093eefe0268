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

#include "aten/core/HostDevice.h"

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

// ---- issue 9 pointwise ops. Preconditions as above: the caller reports integer division by zero.

// C's fmod for integers (the result has the sign of x). x % -1 is 0 (MIN % -1 would overflow).
template <typename T>
TG_HOST_DEVICE inline T int_fmod(T x, T y) {
  if constexpr (std::is_signed_v<T>) if (y == T(-1)) return T(0);
  return T(x % y);
}

// Python's % for integers: the result has the sign of y (0 stays 0).
template <typename T>
TG_HOST_DEVICE inline T int_remainder(T x, T y) {
  T r = int_fmod(x, y);
  if constexpr (std::is_signed_v<T>) if (r != 0 && ((r < 0) != (y < 0))) r = T(r + y);
  return r;
}

// Python's % for floating point, as PyTorch computes it: fmod, then moved into y's sign.
template <typename T>
TG_HOST_DEVICE inline T float_remainder(T x, T y) {
  T mod = std::fmod(x, y);
  if (mod != T(0) && ((y < T(0)) != (mod < T(0)))) mod += y;
  return mod;
}

// x << y and x >> y with PyTorch's rules for shift amounts outside [0, bit width): a left shift
// gives 0, a right shift the sign fill (x >> (width - 1) for signed types, 0 for unsigned ones).
// The shift runs on the unsigned type so that shifting out the sign bit is defined.
template <typename T>
TG_HOST_DEVICE inline T shift_left(T x, T y) {
  constexpr int64_t width = int64_t(sizeof(T)) * 8;
  const auto amount = static_cast<std::make_signed_t<T>>(y);
  if (amount < 0 || int64_t(amount) >= width) return T(0);
  using U = std::common_type_t<unsigned, std::make_unsigned_t<T>>;  // no promotion to signed int
  return T(U(std::make_unsigned_t<T>(x)) << amount);
}
template <typename T>
TG_HOST_DEVICE inline T shift_right(T x, T y) {
  constexpr int64_t width = int64_t(sizeof(T)) * 8;
  constexpr int64_t max_shift = width - (std::is_signed_v<T> ? 1 : 0);
  const auto amount = static_cast<std::make_signed_t<T>>(y);
  if constexpr (std::is_signed_v<T>) {
    if (amount < 0 || int64_t(amount) >= max_shift) return T(x >> (width - 1));
  } else {
    if (amount < 0 || int64_t(amount) >= max_shift) return T(0);
  }
  return T(x >> amount);
}

// log(x / (1 - x)); x is first clamped to [eps, 1 - eps] when eps >= 0 (eps < 0: no clamping).
template <typename T>
TG_HOST_DEVICE inline T logit(T x, T eps) {
  if (eps >= T(0)) {
    const T lo = eps, hi = T(1) - eps;
    x = x < lo ? lo : (x > hi ? hi : x);  // nan stays nan
  }
  return std::log(x / (T(1) - x));
}

// x * log(y), 0 where x == 0 (unless y is nan), like PyTorch / scipy.special.xlogy.
template <typename T>
TG_HOST_DEVICE inline T xlogy(T x, T y) {
  if (y != y) return y;
  if (x == T(0)) return T(0);
  return x * std::log(y);
}

// 0 for x < 0, y for x == 0, 1 for x > 0 (nan gives 0, like PyTorch).
template <typename T>
TG_HOST_DEVICE inline T heaviside(T x, T y) {
  return x == T(0) ? y : T(x > T(0));
}

// The inverse of erf: a single-precision first guess (M. Giles, "Approximating the erfinv
// function", GPU Computing Gems, 2010), then two Newton steps in double. The steps measure the
// residual through erfc where |y| > 0.5, where 1 - |y| is exact and erf's slope is small.
// erfinv(+-1) = +-inf, |y| > 1 or nan gives nan.
TG_HOST_DEVICE inline double erfinv(double y) {
  const double a = std::fabs(y);
  if (!(a <= 1.0)) return double(NAN);
  if (a == 1.0) return std::copysign(double(INFINITY), y);
  double w = -std::log((1.0 - a) * (1.0 + a)), p;
  if (w < 5.0) {
    w -= 2.5;
    p = 2.81022636e-08;
    p = 3.43273939e-07 + p * w;
    p = -3.5233877e-06 + p * w;
    p = -4.39150654e-06 + p * w;
    p = 0.00021858087 + p * w;
    p = -0.00125372503 + p * w;
    p = -0.00417768164 + p * w;
    p = 0.246640727 + p * w;
    p = 1.50140941 + p * w;
  } else {
    w = std::sqrt(w) - 3.0;
    p = -0.000200214257;
    p = 0.000100950558 + p * w;
    p = 0.00134934322 + p * w;
    p = -0.00367342844 + p * w;
    p = 0.00573950773 + p * w;
    p = -0.0076224613 + p * w;
    p = 0.00943887047 + p * w;
    p = 1.00167406 + p * w;
    p = 2.83297682 + p * w;
  }
  double x = p * a;
  for (int step = 0; step < 2; ++step) {
    const double residual = a <= 0.5 ? std::erf(x) - a : (1.0 - a) - std::erfc(x);
    x -= residual / (1.1283791670955126 * std::exp(-x * x));  // erf'(x) = 2 / sqrt(pi) * exp(-x^2)
  }
  return std::copysign(x, y);
}

}  // namespace tg::native
