// CPU random factories: rand, randn, randint, randperm.
//
// Every value comes from Philox counters reserved from the generator, with the element ->
// (block, lane) mapping documented in aten/core/Generator.h, so a result depends only on
// (seed, offset, element index): the same on any thread count, and reproducible by the CUDA
// kernels. rand and randn run in batches of 16 blocks split across threads (aten/vec/philox.h);
// float randn is aten/core/PhiloxNormal.h's transform, bit-identical on every capability and on
// CUDA.
#include "aten/core/DefaultDtype.h"
#include "aten/vec/isa.h"
#include "kernels/rand.h"
#include "kernels/randint.h"
#include "kernels/randn.h"
#include "kernels/randperm.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <utility>

#include "aten/dispatch/DtypeDispatch.h"
#include "aten/native/cpu/PhiloxBlocks.h"
#include "aten/vec/philox.h"

namespace tg::native::CPU_CAPABILITY {

namespace {

void check_cpu_device(const char* op, const std::optional<Device>& device) {
  // Device dispatch happens before the kernel is called; reaching here with CUDA is a bug.
  TG_CHECK(!device || device->is_cpu(), "[", op, "] CPU kernel called for device ", *device);
}

// Bits of uniform precision for the 32-bit path: the significand of the target type, so the
// float value converts exactly and rand() never rounds up to 1.
template <typename T>
constexpr int uniform_digits() {
  if constexpr (std::is_same_v<T, Half>) return 11;
  else if constexpr (std::is_same_v<T, BFloat16>) return 8;
  else return 24;
}

// The integers a dtype holds exactly: its limits for integer types, [-2^d, 2^d] for floating
// types with a d-bit significand.
template <typename T>
std::pair<int64_t, int64_t> exact_int_range() {
  if constexpr (std::is_same_v<T, bool>) {
    return {0, 1};
  } else if constexpr (std::is_integral_v<T>) {
    return {int64_t(std::numeric_limits<T>::lowest()), int64_t(std::numeric_limits<T>::max())};
  } else {
    constexpr int d = std::is_same_v<T, double> ? 53 : uniform_digits<T>();
    return {-(int64_t(1) << d), int64_t(1) << d};
  }
}

// int64 -> element type (the value is known to be representable).
template <typename T>
inline T from_int64(int64_t v) {
  if constexpr (std::is_same_v<T, bool>) return v != 0;
  else if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>) return T(float(v));
  else return static_cast<T>(v);
}


ScalarType floating_dtype(const char* op, const std::optional<ScalarType>& dtype) {
  ScalarType dt = dtype.value_or(default_float_dtype());
  if (!is_floating(dt)) dtype_not_implemented(op, dt);
  return dt;
}

}  // namespace

Tensor rand_cpu(IntArrayRef size, const std::optional<Generator>& generator, std::optional<ScalarType> dtype,
                std::optional<Device> device) {
  check_cpu_device("rand", device);
  ScalarType dt = floating_dtype("rand", dtype);
  Tensor out = empty_tensor(size, dt, Device(), "rand");
  GeneratorImpl& gen = generator_or_default(generator);
  dispatch_floating(dt, "rand", [&]<typename T>() {
    T* data = out.data<T>();
    const int64_t n = out.numel();
    // Element i = block i/4, lane i%4 (double: block i/2, lanes 2k, 2k+1); half types are exact
    // in float, then converted.
    vec::for_each_uniform_batch<T, uniform_digits<T>()>(gen, n, kGrainSize, [&](int64_t first, const auto* u, int count) {
      if constexpr (std::is_same_v<T, double>) {
        for (int k = 0; k < count; ++k) data[first + k] = u[k];
      } else {
        vec::store_floats(data + first, u, count);
      }
    });
  });
  return out;
}

Tensor randn_cpu(IntArrayRef size, const std::optional<Generator>& generator, std::optional<ScalarType> dtype,
                 std::optional<Device> device) {
  check_cpu_device("randn", device);
  ScalarType dt = floating_dtype("randn", dtype);
  Tensor out = empty_tensor(size, dt, Device(), "randn");
  GeneratorImpl& gen = generator_or_default(generator);
  dispatch_floating(dt, "randn", [&]<typename T>() {
    T* data = out.data<T>();
    const int64_t n = out.numel();
    constexpr int per_block = std::is_same_v<T, double> ? 2 : 4;
    const int64_t nblocks = (n + per_block - 1) / per_block;
    const PhiloxState st = gen.reserve_state(uint64_t(nblocks));
    constexpr int64_t kBatchElems = int64_t(vec::kPhiloxBatch) * per_block;
    vec::for_each_philox_batch(nblocks, per_block, kMathGrainSize, [&](int64_t b) {
      const uint64_t block0 = st.offset + uint64_t(b) * vec::kPhiloxBatch;
      const int64_t first = b * kBatchElems;
      const int count = int(std::min<int64_t>(kBatchElems, n - first));
      if constexpr (std::is_same_v<T, double>) {
        alignas(64) double z[2 * vec::kPhiloxBatch];
        vec::normal_double_batch(st.seed, block0, z);
        std::memcpy(data + first, z, size_t(count) * sizeof(double));
      } else if constexpr (std::is_same_v<T, float>) {
        if (count == kBatchElems) {
          vec::normal_batch(st.seed, block0, data + first);
        } else {
          alignas(64) float z[4 * vec::kPhiloxBatch];
          vec::normal_batch(st.seed, block0, z);
          std::memcpy(data + first, z, size_t(count) * sizeof(float));
        }
      } else {  // half types: computed in float, then rounded
        alignas(64) float z[4 * vec::kPhiloxBatch];
        vec::normal_batch(st.seed, block0, z);
        vec::store_floats(data + first, z, count);
      }
    });
  });
  return out;
}

Tensor randint_cpu(int64_t low, int64_t high, IntArrayRef size, const std::optional<Generator>& generator,
                   std::optional<ScalarType> dtype, std::optional<Device> device) {
  check_cpu_device("randint", device);
  TG_CHECK(low < high, "[randint] random_ expects 'from' to be less than 'to', but got from=", low, " >= to=", high);
  ScalarType dt = dtype.value_or(ScalarType::Int64);
  GeneratorImpl& gen = generator_or_default(generator);
  return dispatch_all(dt, "randint", [&]<typename T>() {
    // Every value in [low, high) must be exact in the dtype (PyTorch checks the same bounds).
    auto [lo, hi] = exact_int_range<T>();
    TG_CHECK(low >= lo && high - 1 <= hi, "[randint] from=", low, " and to-1=", high - 1,
             " must be within [", lo, ", ", hi, "] for dtype ", dt);
    Tensor out = empty_tensor(size, dt, Device(), "randint");
    T* data = out.data<T>();
    // high - low can exceed INT64_MAX; as uint64 it is exact (1 .. 2^64-1).
    const uint64_t range = uint64_t(high) - uint64_t(low);
    // 64-bit draws (block i/2) keep the bias below range / 2^64 for every range.
    for_each_block_parallel<2>(gen, out.numel(), [&](int64_t first, const Lanes& lanes, int count) {
      for (int k = 0; k < count; ++k)
        data[first + k] = from_int64<T>(int64_t(uint64_t(low) + philox::bounded(draw64(lanes, k), range)));
    });
    return out;
  });
}

Tensor randperm_cpu(int64_t n, const std::optional<Generator>& generator, std::optional<ScalarType> dtype,
                    std::optional<Device> device) {
  check_cpu_device("randperm", device);
  TG_CHECK(n >= 0, "[randperm] n must be non-negative, got ", n);
  ScalarType dt = dtype.value_or(ScalarType::Int64);
  GeneratorImpl& gen = generator_or_default(generator);
  return dispatch_numeric(dt, "randperm", [&]<typename T>() {
    TG_CHECK(n == 0 || n - 1 <= exact_int_range<T>().second, "[randperm] n=", n,
             " is too large for result tensor type ", dt);
    Tensor out = empty_tensor(IntArrayRef(&n, 1), dt, Device(), "randperm");
    T* data = out.data<T>();
    for (int64_t i = 0; i < n; ++i) data[i] = from_int64<T>(i);
    // Fisher-Yates from the back: position i swaps with j uniform in [0, i]. The draw for
    // position i is the 64-bit element i (block i/2, lanes 2*(i%2), 2*(i%2)+1), so the result
    // depends only on (seed, offset). Positions 0 and 1 of block 0 are reserved even though
    // position 0 draws nothing; that keeps the mapping uniform.
    const PhiloxState st = gen.reserve_state(uint64_t((n + 1) / 2));
    // The blocks come 16 at a time (vec::philox_batch), the batch holding block i / 2.
    uint32_t batch[4][vec::kPhiloxBatch];
    int64_t batch_first = -1;
    for (int64_t i = n - 1; i >= 1; --i) {
      const int64_t block = i / 2;
      if (batch_first < 0 || block < batch_first) {
        batch_first = block / vec::kPhiloxBatch * vec::kPhiloxBatch;
        vec::philox_batch(st.seed, st.offset + uint64_t(batch_first), batch);
      }
      const Lanes lanes = lanes_of(batch, int(block - batch_first));
      auto j = int64_t(philox::bounded(draw64(lanes, int(i % 2)), uint64_t(i) + 1));
      std::swap(data[i], data[j]);
    }
    return out;
  });
}

}  // namespace tg::native::CPU_CAPABILITY
