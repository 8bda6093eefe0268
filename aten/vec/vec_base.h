#pragma once
// Vectorized<T>: a fixed-width SIMD vector of T (DESIGN.md §6, "SIMD"), after PyTorch's at::vec.
//
// This file is the portable implementation: 32 bytes of T in a GCC/Clang vector (a plain array for
// Half, BFloat16 and bool), each operation one vector expression the compiler lowers to SSE code. vec256.h (AVX2) and vec512.h (AVX-512)
// specialize Vectorized<float|double|int32_t|int64_t> with intrinsics and the same API:
//
//   size()                      lanes per vector (constexpr)
//   Vectorized(T) / Vectorized() broadcast / uninitialized
//   loadu(p), loadu(p, count)   unaligned load; the count form reads count < size() lanes and
//                               zero-fills the rest (the tail of a loop)
//   store(p), store(p, count)   unaligned store of all / the first count lanes
//   v[i]                        one lane (slow; tests and fallbacks)
//   + - * / and unary -         lane-wise (/ only for floating types)
//   == != < <= > >=             masks: a vector of T whose lanes have all bits set or clear
//   & | ^ andnot(a, b)          bitwise (a & ~b for andnot), also on floating vectors
//   blendv(a, b, mask)          b where mask is set, else a
//   any(mask), all_less(a, b)   whether a lane of mask is set / whether a < b in every lane (false
//                               at a NaN); all_less tests the compare itself (AVX-512: its
//                               k-register), not a vector mask moved back: two operations fewer
//   maximum / minimum           NaN-propagating like torch.maximum; clamp(x, lo, hi)
//   clamp_min / clamp_max       vmaxps(lo, x) / vminps(hi, x): x wins ties and NaN
//   abs sqrt rsqrt floor ceil round (half to even) fmadd(a, b, c) = a * b + c
//   reduce_add / reduce_max     horizontal, in a fixed order (pairwise halves)
//   cast<U>(v)                  reinterpret the bits as Vectorized<U> of the same width
//   slli<N> / srli<N>           integer shifts (srli is logical)
//   lookup8(table, idx)         float lanes table[idx & 7] for int32 lanes idx, an 8-entry table
//                               (one vpermps): per-lane coefficients of piecewise polynomials
//   map(v, f)                   applies a scalar function lane by lane (fallback paths)
//
// Floating masks are NaN bit patterns; test them with blendv or any(), never arithmetic.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

#include "aten/vec/isa.h"

namespace tg::vec {
inline namespace CPU_CAPABILITY {

namespace detail {
template <size_t N> struct uint_of_size;
template <> struct uint_of_size<1> { using type = uint8_t; };   // int8 / uint8 / bool vectors
template <> struct uint_of_size<2> { using type = uint16_t; };  // int16 vectors
template <> struct uint_of_size<4> { using type = uint32_t; };
template <> struct uint_of_size<8> { using type = uint64_t; };
template <typename T> using bits_t = typename uint_of_size<sizeof(T)>::type;
template <typename T> inline bits_t<T> to_bits(T v) { bits_t<T> u; std::memcpy(&u, &v, sizeof(T)); return u; }
template <typename T> inline T from_bits(bits_t<T> u) { T v; std::memcpy(&v, &u, sizeof(T)); return v; }
template <typename T> inline T mask_lane(bool b) { return from_bits<T>(b ? bits_t<T>(~bits_t<T>(0)) : bits_t<T>(0)); }
// Integer + - * wrap around (two's complement) like the scalar kernels' wrap_add / wrap_mul:
// computed in an unsigned type at least as wide as int, so neither signed overflow nor the
// promotion of small unsigned types to int can be undefined.
template <typename T>
using wrap_t = std::conditional_t<(sizeof(T) <= 4), uint32_t, uint64_t>;

// The lanes: a GCC/Clang vector of 32 bytes for the arithmetic types, so that a + b is one
// expression the compiler lowers to two SSE instructions. (Written as loops over a plain array,
// every operation was an 8-lane loop that GCC unrolled and re-vectorized after inlining: the
// portable build of the vector math took ~6x the AVX2 build's compile time.) Other lane types
// (Half, BFloat16, bool) keep the plain array and the lane-by-lane loops.
template <typename T>
inline constexpr bool native_lanes = std::is_arithmetic_v<T> && !std::is_same_v<T, bool>;
template <typename T, bool = native_lanes<T>>
struct lanes { using type = T[32 / sizeof(T)]; };
template <typename T>
struct lanes<T, true> { typedef T type __attribute__((vector_size(32))); };
// The same 32 bytes as unsigned integer lanes of T's width: masks, bit operations, wrapping
// integer arithmetic.
template <typename T>
struct bit_lanes { typedef bits_t<T> type __attribute__((vector_size(32))); };
template <typename T> using lanes_t = typename lanes<T>::type;
template <typename T> using bit_lanes_t = typename bit_lanes<T>::type;
}  // namespace detail

template <typename T>
class Vectorized {
 public:
  using value_type = T;
  static constexpr int kSize = 32 / int(sizeof(T));
  static constexpr int size() { return kSize; }
  Vectorized() = default;
  Vectorized(T v) { for (int i = 0; i < kSize; ++i) values[i] = v; }
  static Vectorized loadu(const void* p) { Vectorized r; std::memcpy(&r.values, p, sizeof(r.values)); return r; }
  static Vectorized loadu(const void* p, int count) {
    Vectorized r(T(0));
    std::memcpy(&r.values, p, size_t(count) * sizeof(T));
    return r;
  }
  void store(void* p) const { std::memcpy(p, &values, sizeof(values)); }
  void store(void* p, int count) const { std::memcpy(p, &values, size_t(count) * sizeof(T)); }
  T operator[](int i) const { return values[i]; }

  alignas(32) detail::lanes_t<T> values;
};

// Lane-wise helpers for the portable operations (map also serves the AVX builds' fallbacks).
template <typename T, typename F>
inline Vectorized<T> map(const Vectorized<T>& a, F f) {
  constexpr int n = Vectorized<T>::size();
  alignas(64) T buf[n];
  a.store(buf);
  for (int i = 0; i < n; ++i) buf[i] = f(buf[i]);
  return Vectorized<T>::loadu(buf);
}
namespace detail {
template <typename T, typename F>
inline Vectorized<T> zip(const Vectorized<T>& a, const Vectorized<T>& b, F f) {
  Vectorized<T> r;
  for (int i = 0; i < Vectorized<T>::size(); ++i) r.values[i] = f(a[i], b[i]);
  return r;
}
// The lanes as unsigned integers of T's width, and back (a reinterpretation, not a conversion).
template <typename T> inline bit_lanes_t<T> bits_of(const Vectorized<T>& a) {
  return std::bit_cast<bit_lanes_t<T>>(a.values);
}
template <typename T> inline Vectorized<T> from_bit_lanes(const bit_lanes_t<T>& b) {
  Vectorized<T> r;
  r.values = std::bit_cast<lanes_t<T>>(b);
  return r;
}
template <typename T, typename F>
inline Vectorized<T> bitwise(const Vectorized<T>& a, const Vectorized<T>& b, F f) {
  if constexpr (native_lanes<T>) return from_bit_lanes<T>(f(bits_of(a), bits_of(b)));
  else return zip(a, b, [f](T x, T y) { return from_bits<T>(f(to_bits(x), to_bits(y))); });
}
// A vector comparison's result (lanes of all ones / zeros, as signed integers) as a mask of T.
template <typename T, typename M> inline Vectorized<T> mask_of(const M& m) {
  return from_bit_lanes<T>(bit_lanes_t<T>(m));
}
// b where mask is set, else a: (b & m) | (a & ~m) on the bits.
template <typename T> inline Vectorized<T> select_bits(const bit_lanes_t<T>& m, const Vectorized<T>& b, const Vectorized<T>& a) {
  return from_bit_lanes<T>((bits_of(b) & m) | (bits_of(a) & ~m));
}
}  // namespace detail

// Integer + - * wrap around: on unsigned lanes of the same width (no signed overflow).
#define TG_VEC_BINARY(op)                                                                     \
  template <typename T>                                                                       \
  inline Vectorized<T> operator op(const Vectorized<T>& a, const Vectorized<T>& b) {          \
    if constexpr (std::is_integral_v<T> && detail::native_lanes<T>) {                         \
      return detail::from_bit_lanes<T>(detail::bits_of(a) op detail::bits_of(b));             \
    } else if constexpr (detail::native_lanes<T>) {                                           \
      Vectorized<T> r;                                                                        \
      r.values = a.values op b.values;                                                        \
      return r;                                                                               \
    } else if constexpr (std::is_integral_v<T>) {                                             \
      using U = detail::wrap_t<T>;                                                            \
      return detail::zip(a, b, [](T x, T y) { return T(U(x) op U(y)); });                     \
    } else {                                                                                  \
      return detail::zip(a, b, [](T x, T y) { return T(x op y); });                           \
    }                                                                                         \
  }
TG_VEC_BINARY(+)
TG_VEC_BINARY(-)
TG_VEC_BINARY(*)
#undef TG_VEC_BINARY
template <typename T>
inline Vectorized<T> operator/(const Vectorized<T>& a, const Vectorized<T>& b) {
  if constexpr (detail::native_lanes<T>) {
    Vectorized<T> r;
    r.values = a.values / b.values;
    return r;
  } else {
    return detail::zip(a, b, [](T x, T y) { return T(x / y); });
  }
}
#define TG_VEC_COMPARE(op)                                                                    \
  template <typename T>                                                                       \
  inline Vectorized<T> operator op(const Vectorized<T>& a, const Vectorized<T>& b) {          \
    if constexpr (detail::native_lanes<T>) return detail::mask_of<T>(a.values op b.values);   \
    else return detail::zip(a, b, [](T x, T y) { return detail::mask_lane<T>(x op y); });     \
  }
TG_VEC_COMPARE(==)
TG_VEC_COMPARE(!=)
TG_VEC_COMPARE(<)
TG_VEC_COMPARE(<=)
TG_VEC_COMPARE(>)
TG_VEC_COMPARE(>=)
#undef TG_VEC_COMPARE

template <typename T> inline Vectorized<T> operator-(const Vectorized<T>& a) {
  if constexpr (std::is_integral_v<T>) return Vectorized<T>(T(0)) - a;
  else if constexpr (detail::native_lanes<T>) { Vectorized<T> r; r.values = -a.values; return r; }
  else return map(a, [](T x) { return -x; });
}
template <typename T> inline Vectorized<T> operator&(const Vectorized<T>& a, const Vectorized<T>& b) {
  return detail::bitwise(a, b, [](auto x, auto y) { return x & y; });
}
template <typename T> inline Vectorized<T> operator|(const Vectorized<T>& a, const Vectorized<T>& b) {
  return detail::bitwise(a, b, [](auto x, auto y) { return x | y; });
}
template <typename T> inline Vectorized<T> operator^(const Vectorized<T>& a, const Vectorized<T>& b) {
  return detail::bitwise(a, b, [](auto x, auto y) { return x ^ y; });
}
template <typename T> inline Vectorized<T> andnot(const Vectorized<T>& a, const Vectorized<T>& b) {
  return detail::bitwise(a, b, [](auto x, auto y) { return x & ~y; });
}
template <typename T>
inline Vectorized<T> blendv(const Vectorized<T>& a, const Vectorized<T>& b, const Vectorized<T>& mask) {
  if constexpr (detail::native_lanes<T>) {
    // a lane is set when any of its bits is (the portable masks are all ones or all zeros)
    return detail::select_bits<T>(detail::bit_lanes_t<T>(detail::bits_of(mask) != detail::bit_lanes_t<T>{}), b, a);
  } else {
    Vectorized<T> r;
    for (int i = 0; i < Vectorized<T>::size(); ++i) r.values[i] = detail::to_bits(mask[i]) ? b[i] : a[i];
    return r;
  }
}
template <typename T> inline bool any(const Vectorized<T>& mask) {
  for (int i = 0; i < Vectorized<T>::size(); ++i) if (detail::to_bits(mask[i])) return true;
  return false;
}
template <typename T> inline bool all_less(const Vectorized<T>& a, const Vectorized<T>& b) {
  for (int i = 0; i < Vectorized<T>::size(); ++i) if (!(a[i] < b[i])) return false;
  return true;
}

// Like the AVX vmaxps / vminps they stand for: on a tie (+0.0 vs -0.0) the second operand wins,
// so maximum(-0.0, 0.0) is 0.0 and maximum(0.0, -0.0) is -0.0 in every build. These four stay
// lane loops for every lane type: GCC vectorizes them better than it lowers the same selects
// written on the vectors (SSE2 maximum 2.5 -> 1.5, clamp 1.4 -> 0.5 ns/element).
template <typename T> inline Vectorized<T> maximum(const Vectorized<T>& a, const Vectorized<T>& b) {
  return detail::zip(a, b, [](T x, T y) {
    if constexpr (!std::is_integral_v<T>) if (x != x || y != y) return T(x + y);
    return x > y ? x : y;
  });
}
template <typename T> inline Vectorized<T> minimum(const Vectorized<T>& a, const Vectorized<T>& b) {
  return detail::zip(a, b, [](T x, T y) {
    if constexpr (!std::is_integral_v<T>) if (x != x || y != y) return T(x + y);
    return x < y ? x : y;
  });
}
// clamp_min(x, lo) = lo > x ? lo : x and clamp_max(x, hi) = hi < x ? hi : x, exactly vmaxps(lo, x) /
// vminps(hi, x): x wins ties (-0.0 vs 0.0) and passes a NaN through, a NaN bound is ignored (the
// caller handles it). PyTorch's clamp with Python-number bounds.
template <typename T> inline Vectorized<T> clamp_min(const Vectorized<T>& x, const Vectorized<T>& lo) {
  return detail::zip(lo, x, [](T l, T v) { return l > v ? l : v; });
}
template <typename T> inline Vectorized<T> clamp_max(const Vectorized<T>& x, const Vectorized<T>& hi) {
  return detail::zip(hi, x, [](T h, T v) { return h < v ? h : v; });
}
template <typename T> inline Vectorized<T> abs(const Vectorized<T>& a) {
  if constexpr (std::is_integral_v<T>) return blendv(a, -a, a < Vectorized<T>(0));
  else if constexpr (detail::native_lanes<T>) return andnot(a, Vectorized<T>(T(-0.0)));  // fabs: the sign bit cleared
  else return map(a, [](T x) { return std::fabs(x); });
}
template <typename T> inline Vectorized<T> sqrt(const Vectorized<T>& a) { return map(a, [](T x) { return std::sqrt(x); }); }
template <typename T> inline Vectorized<T> rsqrt(const Vectorized<T>& a) { return map(a, [](T x) { return T(1) / std::sqrt(x); }); }
// Rounding without libm calls: below 2^mant, (|x| + 2^mant) - 2^mant rounds |x| to an integer,
// half to even; larger values (and NaN) are integers already and pass through. The result takes
// x's sign (copysign: -0.3 rounds to -0.0).
template <typename T> inline Vectorized<T> round(const Vectorized<T>& a) {
  if constexpr (detail::native_lanes<T>) {
    const Vectorized<T> big(T(1) / std::numeric_limits<T>::epsilon());  // 2^23 / 2^52
    const Vectorized<T> sign(T(-0.0));
    Vectorized<T> ax = abs(a);
    Vectorized<T> r = (ax + big - big) | (a & sign);
    return blendv(a, r, ax < big);
  } else {
    return map(a, [](T x) {
      const T big = T(1) / std::numeric_limits<T>::epsilon();
      T ax = std::fabs(x);
      T r = std::copysign(ax + big - big, x);
      return ax < big ? r : x;
    });
  }
}
// floor(a) = round(a) - 1 where rounding went up.
template <typename T> inline Vectorized<T> floor(const Vectorized<T>& a) {
  Vectorized<T> r = round(a);
  return blendv(Vectorized<T>(T(0)), Vectorized<T>(T(1)), r - a > Vectorized<T>(T(0))) * Vectorized<T>(T(-1)) + r;
}
template <typename T> inline Vectorized<T> ceil(const Vectorized<T>& a) { return -floor(-a); }
// Toward zero: floor at or above zero, ceil below (NaN and -0.0 pass through); one rounding
// instruction in the AVX2 / AVX-512 builds.
template <typename T> inline Vectorized<T> trunc(const Vectorized<T>& a) {
  return blendv(floor(a), ceil(a), a < Vectorized<T>(T(0)));
}
// a * b + c, unfused in the portable build (fused with FMA in the AVX2 / AVX-512 builds).
template <typename T>
inline Vectorized<T> fmadd(const Vectorized<T>& a, const Vectorized<T>& b, const Vectorized<T>& c) {
  return a * b + c;
}
template <typename T> inline T reduce_add(const Vectorized<T>& a) {
  T buf[Vectorized<T>::size()];
  a.store(buf);
  for (int w = Vectorized<T>::size() / 2; w > 0; w /= 2)
    for (int i = 0; i < w; ++i) buf[i] = buf[i] + buf[i + w];
  return buf[0];
}
template <typename T> inline T reduce_max(const Vectorized<T>& a) {
  T buf[Vectorized<T>::size()];
  a.store(buf);
  for (int w = Vectorized<T>::size() / 2; w > 0; w /= 2)
    for (int i = 0; i < w; ++i) buf[i] = maximum(Vectorized<T>(buf[i]), Vectorized<T>(buf[i + w]))[0];
  return buf[0];
}
template <int N, typename T> inline Vectorized<T> slli(const Vectorized<T>& a) {
  if constexpr (detail::native_lanes<T>) return detail::from_bit_lanes<T>(detail::bits_of(a) << N);
  else return map(a, [](T x) { return T(std::make_unsigned_t<T>(x) << N); });
}
template <int N, typename T> inline Vectorized<T> srli(const Vectorized<T>& a) {
  if constexpr (detail::native_lanes<T>) return detail::from_bit_lanes<T>(detail::bits_of(a) >> N);
  else return map(a, [](T x) { return T(std::make_unsigned_t<T>(x) >> N); });
}
// a * b for int64 lanes that hold values in int32's range (the AVX builds overload it with their
// single 32x32->64 multiply).
template <typename T> inline Vectorized<T> mul_int32_range(const Vectorized<T>& a, const Vectorized<T>& b) {
  return a * b;
}
// table[idx & (N - 1)] lane by lane: the portable lookup8 / lookup16 below. Templates, so that
// vec256.h / vec512.h's float overloads (one or two permutes) win; T = float, idx the same lane
// count. (The index type is a parameter too: naming Vectorized<int32_t> here would instantiate
// the portable class before vec256.h / vec512.h specialize it.)
namespace detail {
template <size_t N, typename T, typename I>
inline Vectorized<T> lookup_lanes(const T (&table)[N], const Vectorized<I>& idx) {
  static_assert((N & (N - 1)) == 0, "lookup: a power-of-two table");
  static_assert(Vectorized<T>::size() == Vectorized<I>::size(), "lookup: one index per lane");
  Vectorized<T> r;
  for (int i = 0; i < Vectorized<T>::size(); ++i) r.values[i] = table[idx[i] & I(N - 1)];
  return r;
}
}  // namespace detail
// Only the low three bits of each index count (the AVX builds: one permute).
template <typename T, typename I>
inline Vectorized<T> lookup8(const T (&table)[8], const Vectorized<I>& idx) { return detail::lookup_lanes(table, idx); }
// Only the low four bits count (AVX-512: one permute; AVX2: two and a blend on bit 3).
template <typename T, typename I>
inline Vectorized<T> lookup16(const T (&table)[16], const Vectorized<I>& idx) { return detail::lookup_lanes(table, idx); }
// Reinterprets the bits (same total width, like a bit_cast).
template <typename U, typename T> inline Vectorized<U> cast(const Vectorized<T>& a) {
  return std::bit_cast<Vectorized<U>>(a);
}

}  // namespace CPU_CAPABILITY
}  // namespace tg::vec
