#pragma once
// Dispatch keys below autograd: one kernel table slot per device type (DESIGN.md §2).
#include "aten/core/Device.h"

namespace tg {

enum BackendIndex : int { kCPU = 0, kCUDA = 1, kNumBackends = 2 };

inline int backend_index(Device d) { return d.is_cuda() ? kCUDA : kCPU; }

// Raises the error for an op with no kernel on device: for CUDA first why CUDA is unavailable
// ("built without CUDA", "no GPU"), else NotImplementedError (aten/cuda/CUDAHooks.cpp).
[[noreturn]] void missing_kernel(const char* op, Device device);

// Called once at import: fills every generated op's kernel table.
void register_all_ops();

}  // namespace tg
