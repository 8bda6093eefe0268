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

// The conversions are branch-free (masks instead of ifs), so the compiler vectorizes loops over
// them: the scalar-lambda kernels on float16 / bfloat16 tensors (cpu_kernel) convert every input
// and output through these, and a branchy version kept those loops scalar (~10x slower; measured
// for a + b on 4M halves: 38 ms -> 3.2 ms on one AVX2 core). Results are unchanged: checked bit
// for bit against the previous branchy code over all 2^32 floats and all 2^16 halves.
inline uint32_t select_bits(bool c, uint32_t a, uint32_t b) {  // c ? a : b without a branch
  const uint32_t m = 0u - uint32_t(c);
  return (a & m) | (b & ~m);
}

inline uint16_t float_to_half_bits(float f) {
  const uint32_t x = f32_bits(f);
  const uint32_t sign = (x >> 16) & 0x8000u;
  const uint32_t absx = x & 0x7fffffffu;
  // subnormal halves: 0.5 = 2^-1 aligns the half subnormal lsb to float's, the add rounds
  const uint32_t sub = f32_bits(bits_f32(absx) + 0.5f) - f32_bits(0.5f);
  // normal: rebias the exponent (-112 << 23) and round to nearest even
  const uint32_t norm = (absx + 0xc8000fffu + ((absx >> 13) & 1u)) >> 13;
  uint32_t r = select_bits(absx < 0x38800000u, sub, norm);
  r = select_bits(absx >= 0x477ff000u, 0x7c00u, r);  // overflow and inf
  // nan: quiet, the payload's upper 10 bits kept (what F16C's vcvtps2ph does, so the vector
  // stores in aten/vec/vec.h need no NaN fix-up)
  r = select_bits(absx > 0x7f800000u, 0x7e00u | ((absx >> 13) & 0x3ffu), r);
  return static_cast<uint16_t>(sign | r);
}

inline float half_bits_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t em = h & 0x7fffu;  // exponent and mantissa
  uint32_t bits = (em << 13) + 0x38000000u;                 // rebias: (127 - 15) << 23
  bits += select_bits(em >= 0x7c00u, 0x38000000u, 0u);      // inf / nan: exponent 255, payload kept
  bits |= select_bits(em > 0x7c00u, 0x00400000u, 0u);       // nan: quiet (as F16C's vcvtph2ps)
  const float sub = static_cast<float>(static_cast<int32_t>(em)) * 5.9604644775390625e-08f;  // 2^-24: exact
  return bits_f32(sign | select_bits(em < 0x400u, f32_bits(sub), bits));
}

inline uint16_t float_to_bf16_bits(float f) {
  const uint32_t x = f32_bits(f);
  const uint32_t rounded = (x + 0x7fffu + ((x >> 16) & 1u)) >> 16;  // round to nearest even
  return static_cast<uint16_t>(select_bits((x & 0x7fffffffu) > 0x7f800000u, 0x7fc0u, rounded));  // nan
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
