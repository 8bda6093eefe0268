// Random factories on CUDA with the CPU's generator and element -> counter mapping
// (aten/core/Generator.h): for the same seed, rand and randint give bit-identical tensors on
// both devices; randn matches to the last bits of the device's log/sin/cos. Argument checks run
// by calling the CPU op on an empty shape (it validates and reserves no counters); randperm is a
// sequential shuffle, so it runs on the host and is copied over.
#include "aten/cuda/CUDAHooks.h"
#include "aten/native/Copy.h"
#include "aten/native/cuda/CUDACommon.cuh"
#include "kernels/rand.h"
#include "kernels/randint.h"
#include "kernels/randn.h"
#include "kernels/randperm.h"
#include "ops/rand.h"
#include "ops/randint.h"
#include "ops/randn.h"
#include "ops/randperm.h"

namespace tg::native::cuda {

namespace {

// Philox4x32-10, the same rounds as tg::Philox::block (counter_hi = 0).
__device__ inline void philox_block(uint64_t seed, uint64_t counter, uint32_t (&out)[4]) {
  uint32_t c0 = uint32_t(counter), c1 = uint32_t(counter >> 32), c2 = 0, c3 = 0;
  uint32_t k0 = uint32_t(seed), k1 = uint32_t(seed >> 32);
#pragma unroll
  for (int r = 0; r < philox::kRounds; ++r) {
    const uint32_t hi0 = __umulhi(philox::kM0, c0), lo0 = philox::kM0 * c0;
    const uint32_t hi1 = __umulhi(philox::kM1, c2), lo1 = philox::kM1 * c2;
    const uint32_t n0 = hi1 ^ c1 ^ k0, n2 = hi0 ^ c3 ^ k1;
    c1 = lo1;
    c3 = lo0;
    c0 = n0;
    c2 = n2;
    k0 += philox::kW0;
    k1 += philox::kW1;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
}

__device__ inline uint64_t draw64(const uint32_t (&l)[4], int k) { return (uint64_t(l[2 * k]) << 32) | l[2 * k + 1]; }
template <int Digits>
__device__ inline float uniform_float(uint32_t x) {
  return float(x >> (32 - Digits)) * (1.0f / float(uint32_t(1) << Digits));
}
__device__ inline double uniform_double(uint64_t x) { return double(x >> 11) * (1.0 / 9007199254740992.0); }
template <typename F>
__device__ inline void box_muller(F u1, F u2, F& z0, F& z1) {
  const F r = sqrt(F(-2) * log(F(1) - u1));
  const F theta = F(6.283185307179586476925286766559) * u2;
  z0 = r * cos(theta);
  z1 = r * sin(theta);
}

// Bits of uniform precision: the significand of the target type (as in the CPU kernel).
template <typename T>
constexpr int kUniformDigits = std::is_same_v<T, __half> ? 11 : std::is_same_v<T, __nv_bfloat16> ? 8 : 24;

enum class Dist { Uniform, Normal };

// Thread b produces the elements of Philox block b: 4 (32-bit draws) or 2 (double) per block.
template <typename T, Dist D>
__global__ void random_kernel(T* out, int64_t n, PhiloxState st) {
  const int64_t b = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  constexpr int per = std::is_same_v<T, double> ? 2 : 4;
  const int64_t first = b * per;
  if (first >= n) return;
  uint32_t l[4];
  philox_block(st.seed, st.offset + uint64_t(b), l);
  const int count = n - first < per ? int(n - first) : per;
  if constexpr (std::is_same_v<T, double>) {
    double z[2];
    if constexpr (D == Dist::Uniform) {
      z[0] = uniform_double(draw64(l, 0));
      z[1] = uniform_double(draw64(l, 1));
    } else {
      box_muller(uniform_double(draw64(l, 0)), uniform_double(draw64(l, 1)), z[0], z[1]);
    }
    for (int k = 0; k < count; ++k) out[first + k] = z[k];
  } else {
    float z[4];
    if constexpr (D == Dist::Uniform) {
      for (int k = 0; k < 4; ++k) z[k] = uniform_float<kUniformDigits<T>>(l[k]);
    } else {
      for (int p = 0; p < 2; ++p) box_muller(uniform_float<24>(l[2 * p]), uniform_float<24>(l[2 * p + 1]), z[2 * p], z[2 * p + 1]);
    }
    for (int k = 0; k < count; ++k) out[first + k] = from_op<T>(z[k]);
  }
}

template <typename T>
__device__ inline T from_int64(int64_t v) {
  if constexpr (std::is_same_v<T, bool>) return v != 0;
  else if constexpr (is_half_v<T>) return from_op<T>(float(v));
  else return static_cast<T>(v);
}

template <typename T>
__global__ void randint_kernel(T* out, int64_t n, PhiloxState st, int64_t low, uint64_t range) {
  const int64_t b = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  const int64_t first = b * 2;
  if (first >= n) return;
  uint32_t l[4];
  philox_block(st.seed, st.offset + uint64_t(b), l);
  for (int k = 0; k < 2 && first + k < n; ++k)
    out[first + k] = from_int64<T>(int64_t(uint64_t(low) + __umul64hi(draw64(l, k), range)));
}

template <Dist D>
Tensor random_floating(IntArrayRef size, const std::optional<Generator>& generator, ScalarType dt, Device device) {
  Tensor out = empty_tensor(size, dt, device, D == Dist::Uniform ? "rand" : "randn");
  const int64_t n = out.numel();
  if (n == 0) return out;
  const int per = dt == ScalarType::Float64 ? 2 : 4;
  const int64_t nblocks = (n + per - 1) / per;
  const PhiloxState st = generator_or_default(generator).reserve_state(uint64_t(nblocks));
  dispatch_device<DtypeSet::Floating>(dt, "rand", [&]<typename T>() {
    random_kernel<T, D><<<blocks_for(nblocks, kBlockSize), kBlockSize>>>(reinterpret_cast<T*>(out.data_ptr()), n, st);
    TG_CUDA_KERNEL_CHECK("rand");
  });
  return out;
}

Device cuda_device(const std::optional<Device>& device) { return device.value_or(Device(DeviceType::CUDA)); }

}  // namespace

Tensor rand_cuda(IntArrayRef size, const std::optional<Generator>& generator, std::optional<ScalarType> dtype,
                 std::optional<Device> device) {
  const ScalarType dt = tg::rand({0}, generator, dtype, Device()).dtype();  // the CPU op's checks
  return random_floating<Dist::Uniform>(size, generator, dt, cuda_device(device));
}

Tensor randn_cuda(IntArrayRef size, const std::optional<Generator>& generator, std::optional<ScalarType> dtype,
                  std::optional<Device> device) {
  const ScalarType dt = tg::randn({0}, generator, dtype, Device()).dtype();
  return random_floating<Dist::Normal>(size, generator, dt, cuda_device(device));
}

Tensor randint_cuda(int64_t low, int64_t high, IntArrayRef size, const std::optional<Generator>& generator,
                    std::optional<ScalarType> dtype, std::optional<Device> device) {
  const ScalarType dt = tg::randint(low, high, {0}, generator, dtype, Device()).dtype();
  Tensor out = empty_tensor(size, dt, cuda_device(device), "randint");
  const int64_t n = out.numel();
  if (n == 0) return out;
  const int64_t nblocks = (n + 1) / 2;
  const PhiloxState st = generator_or_default(generator).reserve_state(uint64_t(nblocks));
  const uint64_t range = uint64_t(high) - uint64_t(low);
  dispatch_device<DtypeSet::All>(dt, "randint", [&]<typename T>() {
    randint_kernel<T><<<blocks_for(nblocks, kBlockSize), kBlockSize>>>(reinterpret_cast<T*>(out.data_ptr()), n, st,
                                                                        low, range);
    TG_CUDA_KERNEL_CHECK("randint");
  });
  return out;
}

Tensor randperm_cuda(int64_t n, const std::optional<Generator>& generator, std::optional<ScalarType> dtype,
                     std::optional<Device> device) {
  // Device first: without a usable GPU this fails at once instead of after shuffling (and
  // allocating) n elements on the host (randperm(2**31, device="cuda") took ~20 s and 16 GB).
  tg::cuda::checked_device(cuda_device(device));
  Tensor host = tg::randperm(n, generator, dtype, Device());
  Tensor out = empty_tensor(host.sizes(), host.dtype(), cuda_device(device), "randperm");
  copy_into(out, host, "randperm");
  return out;
}

}  // namespace tg::native::cuda
