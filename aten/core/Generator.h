#pragma once
// Counter-based random numbers: Philox4x32-10 (Salmon et al., "Parallel Random Numbers: As Easy
// as 1, 2, 3", SC'11), the generator PyTorch and cuRAND use.
//
// A generator's whole state is (seed, offset). A call that needs random numbers reserves a run of
// 128-bit counters with reserve() and computes every output element from (seed, counter) alone,
// so any element can be produced independently of the others: the CPU can split the work across
// threads and the CUDA backend can produce the same bits from the same (seed, offset).
//
// How kernels map elements to counters (keep CPU and CUDA kernels in step with this):
//   * One Philox block = Philox::block(seed, offset + b, 0) -> 4 uint32 lanes.
//   * 32-bit draws (float/half rand, float randn): element i uses block i/4, lane i%4;
//     a call reserves ceil(n/4) blocks.
//   * 64-bit draws (double rand/randn, randint, randperm): element i uses block i/2, lanes
//     2*(i%2) (high word) and 2*(i%2)+1 (low word); a call reserves ceil(n/2) blocks.
//   * randn pairs draws for Box-Muller: float element 4b+k uses lanes (0,1) for k<2 and (2,3) for
//     k>=2, even k taking the cosine branch, odd k the sine; double element 2b+k uses the 64-bit
//     draws from lanes (0,1) and (2,3), k=0 cosine, k=1 sine.
//   The lane -> value conversions are the inline functions in tg::philox below, shared by both
//   backends.
#include <array>
#include <cmath>
#include <cstdint>
#include <mutex>
#include <optional>

#include "aten/core/intrusive_ptr.h"

namespace tg {

// The Philox4x32-10 bijection. key = seed (low word, high word); counter = (counter_lo low/high
// word, counter_hi low/high word). Kernels put the element's block index in counter_lo and keep
// counter_hi (cuRAND's "subsequence") free for backends that want independent streams.
struct Philox {
  static std::array<uint32_t, 4> block(uint64_t seed, uint64_t counter_lo, uint64_t counter_hi);
};

// The generator state a kernel needs: the key and the first of the counters it reserved.
struct PhiloxState {
  uint64_t seed;
  uint64_t offset;
};

class GeneratorImpl : public RefCounted {
 public:
  // PyTorch's default seed, so an unseeded program starts from the same state as torch's.
  explicit GeneratorImpl(uint64_t seed = 67280421310721ULL) : seed_(seed) {}

  // Sets the key and restarts the counter stream.
  void manual_seed(uint64_t seed);
  // The key in use. initial_seed() is the same value (the seed the stream started from); both
  // exist because Python exposes both names.
  uint64_t seed() const;
  uint64_t initial_seed() const;

  // Reserves n 128-bit Philox counters and returns the first (thread-safe).
  uint64_t reserve(uint64_t n);
  // reserve() plus the seed read under the same lock, so a concurrent manual_seed cannot pair
  // the new seed with the old offset. Kernels use this one.
  PhiloxState reserve_state(uint64_t n);

  uint64_t offset() const;
  void set_offset(uint64_t offset);

 private:
  mutable std::mutex mu_;
  uint64_t seed_;
  uint64_t offset_ = 0;
};

using Generator = intrusive_ptr<GeneratorImpl>;

// The global CPU generator (created on first use, lives for the whole process).
Generator& default_generator();

// The generator an op should draw from: the one passed in, else the global one.
inline GeneratorImpl& generator_or_default(const std::optional<Generator>& g) {
  return (g.has_value() && *g) ? **g : *default_generator();
}

// ---- Philox constants and the lane -> value conversions shared by the CPU and CUDA kernels ----
namespace philox {

// Philox4x32 round multipliers and Weyl key increments (Salmon et al., Random123).
constexpr uint32_t kM0 = 0xD2511F53u;
constexpr uint32_t kM1 = 0xCD9E8D57u;
constexpr uint32_t kW0 = 0x9E3779B9u;  // golden ratio
constexpr uint32_t kW1 = 0xBB67AE85u;  // sqrt(3) - 1
constexpr int kRounds = 10;

// Philox::block for B consecutive counters (first_counter + j, subsequence 0) at once, lanes
// out[lane][j]. The same bits as B calls to Philox::block, but laid out so the compiler
// vectorizes the rounds across j (2-3x faster with AVX2); inline so each ISA build of a kernel
// file gets its own vector code.
template <int B>
inline void block_batch(uint64_t seed, uint64_t first_counter, uint32_t (&out)[4][B]) {
  uint32_t c0[B], c1[B], c2[B], c3[B];
  for (int j = 0; j < B; ++j) {
    const uint64_t c = first_counter + uint64_t(j);
    c0[j] = uint32_t(c);
    c1[j] = uint32_t(c >> 32);
    c2[j] = 0;
    c3[j] = 0;
  }
  uint32_t k0 = uint32_t(seed), k1 = uint32_t(seed >> 32);
  for (int r = 0; r < kRounds; ++r) {
    for (int j = 0; j < B; ++j) {
      const uint64_t p0 = uint64_t(kM0) * c0[j], p1 = uint64_t(kM1) * c2[j];
      const uint32_t n0 = uint32_t(p1 >> 32) ^ c1[j] ^ k0, n2 = uint32_t(p0 >> 32) ^ c3[j] ^ k1;
      c1[j] = uint32_t(p1);
      c3[j] = uint32_t(p0);
      c0[j] = n0;
      c2[j] = n2;
    }
    k0 += kW0;
    k1 += kW1;
  }
  for (int j = 0; j < B; ++j) {
    out[0][j] = c0[j];
    out[1][j] = c1[j];
    out[2][j] = c2[j];
    out[3][j] = c3[j];
  }
}

// Two lanes as one 64-bit draw (hi first).
inline uint64_t combine(uint32_t hi, uint32_t lo) { return (uint64_t(hi) << 32) | lo; }

// Uniform in [0, 1) on a grid of 2^-Digits, taken from the top Digits bits. With Digits no more
// than the target type's significand the value is exact in that type, so rounding can never
// produce 1.0 (float: 24, half: 11, bfloat16: 8).
template <int Digits>
inline float uniform_float(uint32_t x) {
  static_assert(Digits >= 1 && Digits <= 24);
  return float(x >> (32 - Digits)) * (1.0f / float(uint32_t(1) << Digits));
}
// Uniform in [0, 1) with 53 bits from a 64-bit draw.
inline double uniform_double(uint64_t x) { return double(x >> 11) * (1.0 / 9007199254740992.0); }

// An integer in [0, range) from a 64-bit draw, as the high word of x * range (Lemire). Unlike a
// rejection loop it uses exactly one draw per element, which keeps the element->counter mapping
// fixed; the bias is at most range / 2^64.
inline uint64_t bounded(uint64_t x, uint64_t range) {
  return uint64_t((static_cast<unsigned __int128>(x) * range) >> 64);
}

// Box-Muller: two uniforms in [0, 1) -> two independent N(0, 1) values (z0 = r cos, z1 = r sin).
// 1 - u1 lies in (0, 1], so the log never sees 0. T is float or double.
template <typename T>
inline void box_muller(T u1, T u2, T& z0, T& z1) {
  constexpr T two_pi = T(6.283185307179586476925286766559);
  T r = std::sqrt(T(-2) * std::log(T(1) - u1));
  T theta = two_pi * u2;
  z0 = r * std::cos(theta);
  z1 = r * std::sin(theta);
}

}  // namespace philox
}  // namespace tg
