// Random factories and the uniform_ / normal_ fills on CUDA with the CPU's generator and element
// -> counter mapping (aten/core/Generator.h): for the same seed, rand, randint, uniform_ and
// float / half randn and normal_ give bit-identical tensors on both devices (the normal transform
// and Philox are aten/core/PhiloxNormal.h, shared with the CPU kernels); float64 randn / normal_
// match to the last bits of the device's log / sin / cos. Argument checks run by calling the CPU
// op on an empty shape (it validates and reserves no counters); randperm is a sequential
// shuffle, so it runs on the host and is copied over.
#include "aten/core/PhiloxNormal.h"
#include "aten/cuda/CUDAHooks.h"
#include "aten/native/Copy.h"
#include "aten/native/cuda/CUDACommon.cuh"
#include "kernels/rand.h"
#include "kernels/randint.h"
#include "kernels/randn.h"
#include "kernels/randperm.h"
#include "kernels/normal_.h"
#include "kernels/uniform_.h"
#include "ops/rand.h"
#include "ops/randint.h"
#include "ops/randn.h"
#include "ops/randperm.h"
#include "ops/normal_.h"
#include "ops/uniform_.h"

namespace tg::native::cuda {

namespace {

__device__ inline uint64_t draw64(const uint32_t (&l)[4], int k) { return philox::combine_hd(l[2 * k], l[2 * k + 1]); }

// Bits of uniform precision: the significand of the target type (as in the CPU kernel).
template <typename T>
constexpr int kUniformDigits = std::is_same_v<T, __half> ? 11 : std::is_same_v<T, __nv_bfloat16> ? 8 : 24;

enum class Dist { Uniform, Normal };

// y = scale * x + shift with one rounding (the CPU kernels' fma), or x itself.
struct Affine {
  bool on = false;
  double scale = 1, shift = 0;
};

// Thread b produces the elements of Philox block b: 4 (32-bit draws) or 2 (double) per block.
// rand / randn: affine off; uniform_(from, to): Uniform with 24-bit uniforms for every float
// type and (to - from, from); normal_(mean, std): Normal with (std, mean).
template <typename T, Dist D>
__global__ void random_kernel(T* out, int64_t n, PhiloxState st, Affine af) {
  const int64_t b = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  constexpr int per = std::is_same_v<T, double> ? 2 : 4;
  const int64_t first = b * per;
  if (first >= n) return;
  uint32_t l[4];
  philox::block4(st.seed, st.offset + uint64_t(b), l);
  const int count = n - first < per ? int(n - first) : per;
  if constexpr (std::is_same_v<T, double>) {
    double z[2];
    if constexpr (D == Dist::Uniform) {
      z[0] = philox::uniform_double_hd(draw64(l, 0));
      z[1] = philox::uniform_double_hd(draw64(l, 1));
    } else {
      philox::box_muller_double(philox::uniform_double_hd(draw64(l, 0)), philox::uniform_double_hd(draw64(l, 1)), z[0],
                                z[1]);
    }
    for (int k = 0; k < count; ++k) out[first + k] = af.on ? __fma_rn(af.scale, z[k], af.shift) : z[k];
  } else {
    float z[4];
    if constexpr (D == Dist::Uniform) {
      if (af.on) {
        for (int k = 0; k < 4; ++k) z[k] = philox::uniform_float_hd<24>(l[k]);
      } else {
        for (int k = 0; k < 4; ++k) z[k] = philox::uniform_float_hd<kUniformDigits<T>>(l[k]);
      }
    } else {
      for (int p = 0; p < 2; ++p) philox::normal_pair_scalar(l[2 * p], l[2 * p + 1], z[2 * p], z[2 * p + 1]);
    }
    const float scale = float(af.scale), shift = float(af.shift);
    for (int k = 0; k < count; ++k) out[first + k] = from_op<T>(af.on ? __fmaf_rn(scale, z[k], shift) : z[k]);
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
  philox::block4(st.seed, st.offset + uint64_t(b), l);
  for (int k = 0; k < 2 && first + k < n; ++k)
    out[first + k] = from_int64<T>(int64_t(uint64_t(low) + __umul64hi(draw64(l, k), range)));
}

// Fills the contiguous CUDA tensor out (n > 0) from the generator.
template <Dist D>
void random_fill(Tensor& out, const std::optional<Generator>& generator, Affine af, const char* op) {
  const int64_t n = out.numel();
  const int per = out.dtype() == ScalarType::Float64 ? 2 : 4;
  const int64_t nblocks = (n + per - 1) / per;
  const PhiloxState st = generator_or_default(generator).reserve_state(uint64_t(nblocks));
  dispatch_device<DtypeSet::Floating>(out.dtype(), op, [&]<typename T>() {
    random_kernel<T, D><<<blocks_for(nblocks, kBlockSize), kBlockSize>>>(reinterpret_cast<T*>(out.data_ptr()), n, st, af);
    TG_CUDA_KERNEL_CHECK(op);
  });
}

template <Dist D>
Tensor random_floating(IntArrayRef size, const std::optional<Generator>& generator, ScalarType dt, Device device) {
  const char* op = D == Dist::Uniform ? "rand" : "randn";
  Tensor out = empty_tensor(size, dt, device, op);
  if (out.numel() > 0) random_fill<D>(out, generator, Affine{}, op);
  return out;
}

// uniform_ / normal_ on self: directly when contiguous, else through a contiguous buffer (the
// element order is row-major either way, as on the CPU).
template <Dist D>
Tensor& random_fill_self(Tensor& self, const std::optional<Generator>& generator, Affine af, const char* op) {
  if (self.numel() == 0) return self;
  if (self.is_contiguous()) {
    random_fill<D>(self, generator, af, op);
    return self;
  }
  Tensor tmp = empty_tensor(self.sizes(), self.dtype(), self.device(), op);
  random_fill<D>(tmp, generator, af, op);
  copy_into(self, tmp, op);
  return self;
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

Tensor& uniform_cuda(Tensor& self, double from, double to, const std::optional<Generator>& generator) {
  Tensor probe = empty_tensor({0}, self.dtype(), Device(), "uniform_");
  tg::uniform_(probe, from, to, generator);  // the CPU op's checks (dtype, from <= to)
  return random_fill_self<Dist::Uniform>(self, generator, Affine{true, to - from, from}, "uniform_");
}

Tensor& normal_cuda(Tensor& self, double mean, double std, const std::optional<Generator>& generator) {
  Tensor probe = empty_tensor({0}, self.dtype(), Device(), "normal_");
  tg::normal_(probe, mean, std, generator);  // the CPU op's checks (dtype, std >= 0)
  return random_fill_self<Dist::Normal>(self, generator, Affine{true, std, mean}, "normal_");
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
