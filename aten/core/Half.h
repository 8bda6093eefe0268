#pragma once
// float16 and bfloat16 storage types. Arithmetic goes through float ("compute half types in
// float", DESIGN.md §6); conversions round to nearest even.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

namespace tg {

namespace detail {
inline uint32_t f32_bits(float f) { uint32_t u; std::memcpy(&u, &f, 4); return u; }
inline float bits_f32(uint32_t u) { float f; std::memcpy(&f, &u, 4); return f; }

inline uint16_t float_to_half_bits(float f) {
  uint32_t x = f32_bits(f);
  uint32_t sign = (x >> 16) & 0x8000u;
  uint32_t absx = x & 0x7fffffffu;
  if (absx >= 0x7f800000u) return sign | (absx > 0x7f800000u ? 0x7e00u : 0x7c00u);  // nan / inf
  if (absx >= 0x477ff000u) return sign | 0x7c00u;                                   // overflow
  if (absx < 0x38800000u) {                                                          // subnormal
    float a = bits_f32(absx) + 0.5f;  // 0.5 = 2^-1: aligns the half subnormal lsb to float's
    return sign | static_cast<uint16_t>(f32_bits(a) - f32_bits(0.5f));
  }
  uint32_t mant_odd = (absx >> 13) & 1u;
  absx += 0xc8000fffu + mant_odd;  // rebias exponent (-112 << 23) and round to nearest even
  return sign | static_cast<uint16_t>(absx >> 13);
}

inline float half_bits_to_float(uint16_t h) {
  uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1fu;
  uint32_t mant = h & 0x3ffu;
  if (exp == 0) {
    float v = std::ldexp(static_cast<float>(mant), -24);
    return sign ? -v : v;
  }
  if (exp == 31) return bits_f32(sign | 0x7f800000u | (mant << 13));
  return bits_f32(sign | ((exp + 112) << 23) | (mant << 13));
}

inline uint16_t float_to_bf16_bits(float f) {
  uint32_t x = f32_bits(f);
  if ((x & 0x7fffffffu) > 0x7f800000u) return 0x7fc0u;  // nan
  uint32_t rounding_bias = 0x7fffu + ((x >> 16) & 1u);
  return static_cast<uint16_t>((x + rounding_bias) >> 16);
}
inline float bf16_bits_to_float(uint16_t b) { return bits_f32(static_cast<uint32_t>(b) << 16); }
}  // namespace detail

struct Half {
  uint16_t x = 0;
  Half() = default;
  Half(float f) : x(detail::float_to_half_bits(f)) {}
  operator float() const { return detail::half_bits_to_float(x); }
  static Half from_bits(uint16_t b) { Half h; h.x = b; return h; }
};

struct BFloat16 {
  uint16_t x = 0;
  BFloat16() = default;
  BFloat16(float f) : x(detail::float_to_bf16_bits(f)) {}
  operator float() const { return detail::bf16_bits_to_float(x); }
  static BFloat16 from_bits(uint16_t b) { BFloat16 h; h.x = b; return h; }
};

// Arithmetic on half types rounds through float after each operation, like PyTorch's CPU path.
#define TG_HALF_BINOPS(T)                                                              \
  inline T operator+(T a, T b) { return T(float(a) + float(b)); }                      \
  inline T operator-(T a, T b) { return T(float(a) - float(b)); }                      \
  inline T operator*(T a, T b) { return T(float(a) * float(b)); }                      \
  inline T operator/(T a, T b) { return T(float(a) / float(b)); }                      \
  inline T operator-(T a) { return T(-float(a)); }                                     \
  inline T& operator+=(T& a, T b) { return a = a + b; }                                \
  inline bool operator<(T a, T b) { return float(a) < float(b); }                      \
  inline bool operator>(T a, T b) { return float(a) > float(b); }                      \
  inline bool operator<=(T a, T b) { return float(a) <= float(b); }                    \
  inline bool operator>=(T a, T b) { return float(a) >= float(b); }                    \
  inline bool operator==(T a, T b) { return float(a) == float(b); }                    \
  inline bool operator!=(T a, T b) { return float(a) != float(b); }
TG_HALF_BINOPS(Half)
TG_HALF_BINOPS(BFloat16)
#undef TG_HALF_BINOPS

}  // namespace tg

namespace std {
template <>
class numeric_limits<tg::Half> {
 public:
  static constexpr bool is_specialized = true;
  static constexpr bool is_integer = false;
  static constexpr bool has_infinity = true;
  static constexpr bool has_quiet_NaN = true;
  static tg::Half lowest() { return tg::Half::from_bits(0xfbff); }
  static tg::Half max() { return tg::Half::from_bits(0x7bff); }
  static tg::Half infinity() { return tg::Half::from_bits(0x7c00); }
  static tg::Half quiet_NaN() { return tg::Half::from_bits(0x7e00); }
};
template <>
class numeric_limits<tg::BFloat16> {
 public:
  static constexpr bool is_specialized = true;
  static constexpr bool is_integer = false;
  static constexpr bool has_infinity = true;
  static constexpr bool has_quiet_NaN = true;
  static tg::BFloat16 lowest() { return tg::BFloat16::from_bits(0xff7f); }
  static tg::BFloat16 max() { return tg::BFloat16::from_bits(0x7f7f); }
  static tg::BFloat16 infinity() { return tg::BFloat16::from_bits(0x7f80); }
  static tg::BFloat16 quiet_NaN() { return tg::BFloat16::from_bits(0x7fc0); }
};
}  // namespace std
