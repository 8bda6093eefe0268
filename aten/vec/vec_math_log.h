#pragma once
// log, log2 and log10 for float lanes (issue 14): a table of eight reciprocals instead of one long
// polynomial, the way ARM's optimized-routines logf reduces. Same bitwise-identity rules as
// vec_math_extra.h: a fixed sequence of correctly rounded operations, fma_ for every fused
// multiply-add, lookup8 for the per-interval constants.
//
//   x = 2^k z,  z in [0.699, 1.398),  i = the interval of z (the top 3 bits of its offset mantissa)
//   log_b(x) = k log_b(2) + log_b(1 / c_i) + log1p(r) / ln(b),   r = z c_i - 1
//
// c_i has at most 5 significant bits, so r = fma(z, c_i, -1) is exact and |r| <= 0.077; the
// interval holding 1 has c_i = 1 (x near 1 keeps its relative precision). log1p(r) = r - r^2/2 +
// r^3 P(r) with P a degree-3 minimax fit (relative error 1e-9). k log_b(2)'s high part (15 bits)
// plus the table's high part (a multiple of 2^-15) is exact; adding r (or r / ln(b), its rounding
// error kept by an fma) is Fast2Sum'd, and that error, the low parts and the polynomial are added
// once at the end. Max error over every float in [0.25, 4) and 6-8M random floats (float arithmetic
// simulated in NumPy first, then measured on the kernels): log 0.55, log2 0.55, log10 0.54 ulp (the
// Cephes kernel it replaces: 0.80 / 0.71 / 0.61). ~30 vector operations and no blends or
// divisions: in cache, one thread, avx512, 0.34 -> 0.29 ns/element for log, 0.44 / 0.47 -> 0.33 /
// 0.35 for log2 / log10 (PyTorch: 0.23-0.27).
//
// Lanes that are not a normal positive finite number (0, subnormals, negatives, inf, NaN) are
// found with one integer compare and recomputed by vec_math_extra.h's templates (which handle
// them all); a vector without one (nearly every vector) never calls them.
#include "aten/vec/vec_math_extra.h"

namespace tg::vec {
inline namespace CPU_CAPABILITY {

namespace xdetail {
struct LogTableFloat {
  static constexpr int32_t kOffset = 0x3f330000;  // the bits of 0.69921875, where interval 0 starts
  static constexpr float kRecip[8] = {1.375f, 1.25f, 1.1875f, 1.0625f, 1.0f, 0.9375f, 0.8125f, 0.75f};  // c_i
  // Per base b: log_b(1 / c_i) as hi (a multiple of 2^-15, so k log_b(2)'s high part plus it is
  // exact) + lo; log_b(2) as hi (15 bits) + lo; 1 / ln(b); kPoly: log1p(r) / ln(b) - r / ln(b)'s
  // rounded product = r^2 Q(r) for ln (Q = P - 1/2, P the degree-3 minimax fit of
  // (log1p(r) - r + r^2/2) / r^3, relative error 1e-9), r (ln(b)'s low part + r Q(r) / ln(b)) else.
  struct Ln {
    static constexpr bool kUnitScale = true, kExactLog2 = false;
    static constexpr float kTableHi[8] = {-0.318450927734375f, -0.22314453125f, -0.171844482421875f, -0.060638427734375f, 0.0f, 0.064544677734375f, 0.2076416015625f, 0.287689208984375f};
    static constexpr float kTableLo[8] = {-2.8033841772412416e-06f, 9.799357485462679e-07f, -5.774504643341061e-06f, 1.3805917660647538e-05f, 0.0f, -6.1565970099763945e-06f, -2.236784212072962e-06f, -7.136532531148987e-06f};
    static constexpr float kLog2Hi = 0.693145751953125f, kLog2Lo = 1.428606765330187e-06f, kScale = 1.0f;
    static constexpr float kPoly[5] = {-0.16778720915317535f, 0.20117346942424774f, -0.24999764561653137f, 0.3333311975002289f, -0.5f};
  };
  struct Log2 {
    static constexpr bool kUnitScale = false, kExactLog2 = true;
    static constexpr float kTableHi[8] = {-0.459442138671875f, -0.321929931640625f, -0.2479248046875f, -0.08746337890625f, 0.0f, 0.093109130859375f, 0.299560546875f, 0.4150390625f};
    static constexpr float kTableLo[8] = {1.0520034265937284e-05f, 1.8367533130003721e-06f, -2.7087560283689527e-06f, 5.376559215619636e-07f, 0.0f, 2.7353209475222684e-07f, -2.650160979555949e-07f, -1.5632211898264359e-06f};
    static constexpr float kLog2Hi = 1.0f, kLog2Lo = 0.0f, kScale = 1.4426950216293335f;
    static constexpr float kPoly[6] = {-0.24206577241420746f, 0.29023197293281555f, -0.3606703579425812f, 0.4808952510356903f, -0.7213475108146667f, 1.925963033500011e-08f};
  };
  struct Log10 {
    static constexpr bool kUnitScale = false, kExactLog2 = false;
    static constexpr float kTableHi[8] = {-0.1383056640625f, -0.096923828125f, -0.07464599609375f, -0.026336669921875f, 0.0f, 0.02801513671875f, 0.090179443359375f, 0.12493896484375f};
    static constexpr float kTableLo[8] = {2.9658963285328355e-06f, 1.381511719955597e-05f, 1.2377797247609124e-05f, 7.731199730187654e-06f, 0.0f, 1.3586881323135458e-05f, -2.8130102691648062e-06f, -2.2823545009487134e-07f};
    static constexpr float kLog2Hi = 0.301025390625f, kLog2Lo = 4.605039066518657e-06f, kScale = 0.4342944920063019f;
    static constexpr float kPoly[6] = {-0.07286906242370605f, 0.08736853301525116f, -0.10857260227203369f, 0.14476390182971954f, -0.21714724600315094f, -1.0103049952192578e-08f};
  };
};

// x = 2^k z with z in `interval` (lookup8 reads its low 3 bits), r = z c_i - 1 (exact), for normal
// positive finite float lanes x. Shared by log_table_parts and erfinv (vec_math_erfinv.h).
[[gnu::always_inline]] inline void log_table_reduce(const Vectorized<float>& x, Vectorized<float>& k, Vectorized<float>& r,
                                                    Vectorized<int32_t>& interval) {
  using V = Vectorized<float>;
  using VI = Vectorized<int32_t>;
  using C = LogTableFloat;
  const VI bits = cast<int32_t>(x);
  // u = bits - offset + 2^30, kept non-negative for a logical shift: the interval is bits 20-22
  // (lookup8 reads idx & 7), k + 128 the bits above 23; z = 2^-k x has u's low 23 bits.
  const VI u = bits + VI(int32_t(0x40000000 - C::kOffset));
  interval = srli<20>(u);
  k = cast<float>(srli<23>(u) | VI(0x4b000000)) - V(8388608.0f + 128.0f);  // exact
  const V z = cast<float>((u & VI(0x7fffff)) + VI(C::kOffset));
  r = fma_(z, lookup8(C::kRecip, interval), V(-1.0f));  // exact
}

// log_b(x) = hi + lo (not normalized: |lo| up to ~3e-3 |hi|) for normal positive finite float
// lanes x; Base is one of LogTableFloat's Ln / Log2 / Log10. Other lanes give unspecified values.
template <typename Base>
[[gnu::always_inline]] inline void log_table_parts(const Vectorized<float>& x, Vectorized<float>& hi,
                                                   Vectorized<float>& lo) {
  using V = Vectorized<float>;
  V k, r;
  Vectorized<int32_t> interval;
  log_table_reduce(x, k, r, interval);
  const V kl = k * V(Base::kLog2Hi);                             // exact
  const V s1 = kl + lookup8(Base::kTableHi, interval);            // exact (multiples of 2^-15)
  V rs = r, rs_lo(0.0f);
  if constexpr (!Base::kUnitScale) {
    rs = r * V(Base::kScale);
    rs_lo = fma_(r, V(Base::kScale), -rs);
  }
  const V s = s1 + rs;
  const V e = rs - (s - s1);  // Fast2Sum: s1 = 0 or its exponent is at least rs's
  const V table_lo = lookup8(Base::kTableLo, interval);
  V low = (Base::kExactLog2 ? table_lo : fma_(k, V(Base::kLog2Lo), table_lo)) + e;
  V poly;
  if constexpr (Base::kUnitScale) {
    poly = (r * r) * horner_(r, Base::kPoly);
  } else {
    low = low + rs_lo;
    poly = r * horner_(r, Base::kPoly);
  }
  hi = s;
  lo = low + poly;
}
// log_b(x) for float lanes; fallback() is the template that handles the special lanes.
template <typename Base, typename F>
[[gnu::always_inline]] inline Vectorized<float> log_table(const Vectorized<float>& x, F fallback) {
  using VI = Vectorized<int32_t>;
  Vectorized<float> hi, lo;
  log_table_parts<Base>(x, hi, lo);
  const Vectorized<float> result = hi + lo;
  // Normal positive finite x: bits - 2^23 below 0x7f000000 as unsigned, i.e. bits + 0x7f800000
  // below 0xff000000 as signed.
  const VI biased = cast<int32_t>(x) + VI(0x7f800000), limit(int32_t(0xff000000));
  if (all_less(biased, limit)) return result;
  const VI special = biased >= limit;
  // Zeros, negatives, infinities and NaN take their values from the generic kernel's last step
  // (log_specials) right here; only a positive subnormal lane needs the whole generic kernel (its
  // rescaling). Data with negative lanes (log of a difference) ran ~2.5x slower than without.
  using V = Vectorized<float>;
  if (!any((x > V(0.0f)) & (x < V(std::numeric_limits<float>::min())))) return log_specials(result, x);
  return blendv(result, fallback(), cast<float>(special));
}
}  // namespace xdetail

[[gnu::always_inline]] inline Vectorized<float> log2(const Vectorized<float>& x) {
  return xdetail::log_table<xdetail::LogTableFloat::Log2>(x, [&] { return log2<float>(x); });
}
[[gnu::always_inline]] inline Vectorized<float> log10(const Vectorized<float>& x) {
  return xdetail::log_table<xdetail::LogTableFloat::Log10>(x, [&] { return log10<float>(x); });
}
namespace xdetail {
// log(x) for any float x (the log kernel's function; vec::log in vec_math.h stays the one other
// kernels call inside larger formulas).
[[gnu::always_inline]] inline Vectorized<float> log_any(const Vectorized<float>& x) {
  return log_table<LogTableFloat::Ln>(x, [&] { return log_<float>(x); });
}
}  // namespace xdetail

}  // namespace CPU_CAPABILITY
}  // namespace tg::vec
