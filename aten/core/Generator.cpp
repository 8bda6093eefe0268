#include "aten/core/Generator.h"

namespace tg {

namespace {
inline void mulhilo(uint32_t a, uint32_t b, uint32_t& hi, uint32_t& lo) {
  uint64_t p = uint64_t(a) * b;
  hi = uint32_t(p >> 32);
  lo = uint32_t(p);
}
}  // namespace

std::array<uint32_t, 4> Philox::block(uint64_t seed, uint64_t counter_lo, uint64_t counter_hi) {
  uint32_t k0 = uint32_t(seed), k1 = uint32_t(seed >> 32);
  std::array<uint32_t, 4> c = {uint32_t(counter_lo), uint32_t(counter_lo >> 32), uint32_t(counter_hi),
                               uint32_t(counter_hi >> 32)};
  for (int r = 0; r < philox::kRounds; ++r) {
    uint32_t hi0, lo0, hi1, lo1;
    mulhilo(philox::kM0, c[0], hi0, lo0);
    mulhilo(philox::kM1, c[2], hi1, lo1);
    c = {hi1 ^ c[1] ^ k0, lo1, hi0 ^ c[3] ^ k1, lo0};
    k0 += philox::kW0;
    k1 += philox::kW1;
  }
  return c;
}

void GeneratorImpl::manual_seed(uint64_t seed) {
  std::lock_guard<std::mutex> lock(mu_);
  seed_ = seed;
  offset_ = 0;
}

uint64_t GeneratorImpl::seed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return seed_;
}

uint64_t GeneratorImpl::initial_seed() const { return seed(); }

uint64_t GeneratorImpl::reserve(uint64_t n) { return reserve_state(n).offset; }

PhiloxState GeneratorImpl::reserve_state(uint64_t n) {
  std::lock_guard<std::mutex> lock(mu_);
  PhiloxState s{seed_, offset_};
  offset_ += n;  // wraps after 2^64 blocks (2^68 floats): never in practice
  return s;
}

uint64_t GeneratorImpl::offset() const {
  std::lock_guard<std::mutex> lock(mu_);
  return offset_;
}

void GeneratorImpl::set_offset(uint64_t offset) {
  std::lock_guard<std::mutex> lock(mu_);
  offset_ = offset;
}

Generator& default_generator() {
  // Function-local static: initialized once, thread-safely, on first use.
  static Generator gen = Generator::make();
  return gen;
}

}  // namespace tg
