// arange, linspace and eye on CUDA. arange and linspace are computed by the CPU op and copied
// (one host pass and one transfer: the values are identical to the CPU's by construction, and
// the size/overflow rules live in one place); eye is a memset plus a diagonal kernel.
#include "aten/cuda/CUDAHooks.h"
#include "aten/native/Copy.h"
#include "aten/native/cuda/CUDACommon.cuh"
#include "kernels/arange.h"
#include "kernels/eye.h"
#include "kernels/linspace.h"
#include "ops/arange.h"
#include "ops/eye.h"
#include "ops/linspace.h"

namespace tg::native::cuda {

namespace {
Tensor to_cuda(const Tensor& host, const std::optional<Device>& device, const char* op) {
  Tensor out = empty_tensor(host.sizes(), host.dtype(), device.value_or(Device(DeviceType::CUDA)), op);
  copy_into(out, host, op);
  return out;
}

template <typename T>
__global__ void diagonal_kernel(T* out, int64_t d, int64_t cols, T one) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < d) out[i * cols + i] = one;
}
}  // namespace

Tensor arange_cuda(const Scalar& start, const Scalar& end, const Scalar& step, std::optional<ScalarType> dtype,
                   std::optional<Device> device) {
  tg::cuda::checked_device(device.value_or(Device(DeviceType::CUDA)));  // no GPU: fail before the host pass
  return to_cuda(tg::arange(start, end, step, dtype, Device()), device, "arange");
}

Tensor linspace_cuda(const Scalar& start, const Scalar& end, int64_t steps, std::optional<ScalarType> dtype,
                     std::optional<Device> device) {
  tg::cuda::checked_device(device.value_or(Device(DeviceType::CUDA)));  // no GPU: fail before the host pass
  return to_cuda(tg::linspace(start, end, steps, dtype, Device()), device, "linspace");
}

Tensor eye_cuda(int64_t n, std::optional<int64_t> m, std::optional<ScalarType> dtype, std::optional<Device> device) {
  const ScalarType dt = tg::eye(0, 0, dtype, Device()).dtype();  // the CPU op's dtype checks
  TG_CHECK(n >= 0, "[eye] n must be greater or equal to 0, got ", n);
  const int64_t cols = m.value_or(n);
  TG_CHECK(cols >= 0, "[eye] m must be greater or equal to 0, got ", cols);
  const int64_t sizes[2] = {n, cols};
  Tensor out = empty_tensor(IntArrayRef(sizes, 2), dt, device.value_or(Device(DeviceType::CUDA)), "eye");
  if (out.numel() == 0) return out;
  // All-zero bytes are 0 (or false, or +0.0) in every dtype.
  TG_CUDA_CHECK(cudaMemsetAsync(out.data_ptr(), 0, size_t(out.numel()) * out.element_size(), 0), "eye: memset");
  const int64_t d = std::min(n, cols);
  dispatch_device<DtypeSet::All>(dt, "eye", [&]<typename T>() {
    diagonal_kernel<T><<<blocks_for(d, kBlockSize), kBlockSize>>>(reinterpret_cast<T*>(out.data_ptr()), d, cols,
                                                                   convert<T>(1));
    TG_CUDA_KERNEL_CHECK("eye");
  });
  return out;
}

}  // namespace tg::native::cuda
