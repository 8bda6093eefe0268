// Compiled in every build. missing_kernel() explains why an op has no kernel for a device; the
// rest are the CUDA hooks of a build without CUDA (with TENSORGEN_CUDA they are in
// CUDARuntime.cu): nothing is available, and every attempt to use a CUDA device says why.
#include "aten/cuda/CUDAHooks.h"

#include "aten/dispatch/Backend.h"

namespace tg {

void missing_kernel(const char* op, Device device) {
  if (device.is_cuda()) cuda::checked_device(device);  // "built without CUDA" / "no GPU" first
  TG_CHECK_NOT_IMPLEMENTED(false, "[", op, "] not implemented for device ", device);
  __builtin_unreachable();
}

}  // namespace tg

#ifndef TENSORGEN_CUDA
namespace tg::cuda {

namespace {
[[noreturn]] void not_built() {
  TG_ERROR("[cuda] tensorgen was built without CUDA (rebuild with nvcc on the PATH, or -DTENSORGEN_CUDA=ON)");
}
}  // namespace

void init() {}
bool is_built() { return false; }
int device_count() { return 0; }
Device checked_device(Device) { not_built(); }
void synchronize() { not_built(); }
MemoryStats memory_stats() { return MemoryStats{0, 0, 0}; }
void empty_cache() {}
void copy_(const Tensor&, const Tensor&, const char*) { not_built(); }

}  // namespace tg::cuda
#endif
