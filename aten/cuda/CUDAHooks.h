#pragma once
// The CUDA backend as the rest of tensorgen sees it (DESIGN.md §6). This header has no CUDA
// includes and is always compiled: in a build without CUDA the functions are stubs
// (aten/cuda/CUDAHooks.cpp) that say so; with CUDA (TENSORGEN_CUDA defined) they live in
// aten/cuda/CUDARuntime.cu. Only device 0 is used; work runs on the legacy default stream, so
// every host read (item, cpu, numpy through cpu) goes through a synchronizing copy.
#include <cstdint>

#include "aten/core/Tensor.h"

namespace tg::cuda {

// Called once at import: registers the CUDA allocator (a no-op without CUDA).
void init();
// True when the extension was compiled with the CUDA kernels.
bool is_built();
// Number of usable GPUs; 0 without a GPU, without a driver, or in a CPU-only build. Never throws
// (the error a failed query leaves behind is cleared).
int device_count();
// The canonical device for a CUDA tensor (cuda:0 for 'cuda'); RuntimeError when CUDA cannot be
// used: "[cuda] tensorgen was built without CUDA" or "[cuda] no CUDA GPU is available ...".
Device checked_device(Device d);
// Waits for all work queued on the GPU.
void synchronize();

struct MemoryStats {
  uint64_t allocated_bytes;       // live blocks (size-rounded)
  uint64_t reserved_bytes;        // live + cached blocks (what cudaMalloc handed out)
  uint64_t peak_allocated_bytes;
};
MemoryStats memory_stats();
// Returns every cached (free) block to the driver.
void empty_cache();

// dst[...] = src[...] (broadcast, converted to dst's dtype) where at least one of them is a CUDA
// tensor: host<->device and device<->device copies. Shapes were checked by the caller.
void copy_(const Tensor& dst, const Tensor& src, const char* op);

}  // namespace tg::cuda
