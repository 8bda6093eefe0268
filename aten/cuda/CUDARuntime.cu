// The CUDA runtime of tensorgen (built only with TENSORGEN_CUDA): device discovery, the caching
// device allocator, synchronization, host<->device copies and the device error flag.
#include <mutex>
#include <unordered_map>
#include <vector>

#include "aten/core/Storage.h"
#include "aten/cuda/CUDAHooks.h"
#include "aten/iter/TensorIterator.h"
#include "aten/native/Copy.h"
#include "aten/native/cuda/CUDACommon.cuh"
#include "aten/native/cuda/CopyKernel.h"

namespace tg::cuda {

using native::cuda::device_error_flag;

namespace {

int query_device_count() {
  int n = 0;
  cudaError_t err = cudaGetDeviceCount(&n);
  if (err != cudaSuccess) {  // no driver, no GPU, driver too old: CUDA is just unavailable
    (void)cudaGetLastError();
    return 0;
  }
  return n;
}

// ---------------------------------------------------------------------------- caching allocator
// Freed blocks go to a free list keyed by their rounded size and are reused by the next request
// of that size class. All kernels run on the legacy default stream, so a block freed on the host
// while kernels that use it are still queued can be handed out again at once: the next user's
// work is queued behind them. empty_cache() returns the free blocks (cudaFree synchronizes).
struct CachingAllocator {
  std::mutex mu;
  std::unordered_map<size_t, std::vector<void*>> free_blocks;
  uint64_t allocated = 0, reserved = 0, peak = 0;

  // Small blocks: multiples of 512 bytes; large: 4 size classes per power of two (<= 25% slack).
  static size_t round_size(size_t n) {
    if (n <= (size_t(1) << 20)) return (n + 511) & ~size_t(511);
    size_t p = size_t(1) << (63 - __builtin_clzll(n));
    size_t step = p / 4;
    return (n + step - 1) / step * step;
  }

  void release_cached_locked() {
    for (auto& [size, blocks] : free_blocks) {
      for (void* p : blocks) {
        (void)cudaFree(p);
        reserved -= size;
      }
    }
    free_blocks.clear();
  }

  void* allocate(size_t nbytes) {
    if (nbytes == 0) return nullptr;
    const size_t size = round_size(nbytes);
    std::lock_guard<std::mutex> lock(mu);
    auto it = free_blocks.find(size);
    void* p = nullptr;
    if (it != free_blocks.end() && !it->second.empty()) {
      p = it->second.back();
      it->second.pop_back();
    } else {
      cudaError_t err = cudaMalloc(&p, size);
      if (err == cudaErrorMemoryAllocation) {  // give the cache back and try once more
        (void)cudaGetLastError();
        release_cached_locked();
        err = cudaMalloc(&p, size);
      }
      if (err != cudaSuccess) {
        (void)cudaGetLastError();
        TG_ERROR("[cuda] out of memory: tried to allocate ", nbytes, " bytes (", allocated, " bytes allocated, ",
                 reserved, " reserved by tensorgen): ", cudaGetErrorString(err));
      }
      reserved += size;
    }
    allocated += size;
    if (allocated > peak) peak = allocated;
    return p;
  }

  void free(void* p, size_t nbytes) {
    if (p == nullptr) return;
    const size_t size = round_size(nbytes);
    std::lock_guard<std::mutex> lock(mu);
    allocated -= size;
    free_blocks[size].push_back(p);
  }
};

// Never destroyed: tensors may be freed during interpreter shutdown, after static destructors.
CachingAllocator& allocator() {
  static CachingAllocator* a = new CachingAllocator();
  return *a;
}

void* cuda_allocate(size_t nbytes) { return allocator().allocate(nbytes); }
void cuda_free(void* p, size_t nbytes) { allocator().free(p, nbytes); }

}  // namespace

void init() { set_allocator(DeviceType::CUDA, Allocator{cuda_allocate, cuda_free}); }

bool is_built() { return true; }

int device_count() {
  static const int n = query_device_count();
  return n;
}

Device checked_device(Device d) {
  const int n = device_count();
  TG_CHECK(n > 0, "[cuda] no CUDA GPU is available (device_count() == 0)");
  const int index = d.index < 0 ? 0 : d.index;
  TG_CHECK(index < n, "[cuda] invalid device ordinal: cuda:", index, " (device_count() == ", n, ")");
  TG_CHECK(index == 0, "[cuda] only cuda:0 is supported by this build (got cuda:", index, ")");
  return Device(DeviceType::CUDA, 0);
}

void synchronize() {
  checked_device(Device(DeviceType::CUDA));
  TG_CUDA_CHECK(cudaDeviceSynchronize(), "synchronize");
}

MemoryStats memory_stats() {
  if (device_count() == 0) return MemoryStats{0, 0, 0};
  CachingAllocator& a = allocator();
  std::lock_guard<std::mutex> lock(a.mu);
  return MemoryStats{a.allocated, a.reserved, a.peak};
}

void empty_cache() {
  if (device_count() == 0) return;
  CachingAllocator& a = allocator();
  std::lock_guard<std::mutex> lock(a.mu);
  a.release_cached_locked();
}

namespace {
// A contiguous tensor with t's values (t itself when it already is).
Tensor contiguous_on_same_device(const Tensor& t, const char* op) {
  if (t.is_contiguous()) return t;
  Tensor c = empty_tensor(t.sizes(), t.dtype(), t.device(), op);
  native::copy_into(c, t, op);
  return c;
}
size_t nbytes_of(const Tensor& t) { return size_t(t.numel()) * t.element_size(); }
}  // namespace

void copy_(const Tensor& dst, const Tensor& src, const char* op) {
  if (dst.numel() == 0) return;
  const bool dst_cuda = dst.device().is_cuda(), src_cuda = src.device().is_cuda();
  if (dst_cuda && src_cuda) {
    IterConfig config{op, Promotion::None, /*inplace=*/true, /*check_mem_overlap=*/true};
    TensorIterator iter(config, dst, {src});
    native::cuda::copy_kernel(iter);
    return;
  }
  if (dst_cuda) {
    // Host -> device: src's own elements (not broadcast) cross the bus in src's dtype; the device
    // copy then broadcasts and converts.
    Tensor host = contiguous_on_same_device(src, op);
    const bool direct = dst.is_contiguous() && dst.dtype() == src.dtype() && dst.sizes().equals(src.sizes());
    Tensor dev = direct ? dst : empty_tensor(src.sizes(), src.dtype(), dst.device(), op);
    TG_CUDA_CHECK(cudaMemcpy(dev.data_ptr(), host.data_ptr(), nbytes_of(host), cudaMemcpyHostToDevice),
                  str(op, ": copy to the GPU"));
    if (!direct) copy_(dst, dev, op);
    return;
  }
  // Device -> host: convert and broadcast on the device into dst's dtype and shape, then one
  // synchronizing copy (cudaMemcpy waits for the queued kernels).
  Tensor dev = src.is_contiguous() && src.dtype() == dst.dtype() && src.sizes().equals(dst.sizes())
                   ? src
                   : empty_tensor(dst.sizes(), dst.dtype(), src.device(), op);
  if (!dev.is_same(src)) copy_(dev, src, op);
  Tensor host = dst.is_contiguous() ? dst : empty_tensor(dst.sizes(), dst.dtype(), Device(), op);
  TG_CUDA_CHECK(cudaMemcpy(host.data_ptr(), dev.data_ptr(), nbytes_of(dev), cudaMemcpyDeviceToHost),
                str(op, ": copy from the GPU"));
  if (!host.is_same(dst)) native::copy_into(dst, host, op);
}

}  // namespace tg::cuda

namespace tg::native::cuda {

int* device_error_flag() {
  static int* flag = [] {
    int* p = nullptr;
    TG_CUDA_CHECK(cudaMalloc(&p, sizeof(int)), "allocating the device error flag");
    TG_CUDA_CHECK(cudaMemset(p, 0, sizeof(int)), "clearing the device error flag");
    return p;
  }();
  return flag;
}

void check_device_error(const char* op) {
  int code = 0;
  int* flag = device_error_flag();
  TG_CUDA_CHECK(cudaMemcpy(&code, flag, sizeof(int), cudaMemcpyDeviceToHost), str(op, ": reading the error flag"));
  if (code == kNoError) return;
  TG_CUDA_CHECK(cudaMemset(flag, 0, sizeof(int)), "clearing the device error flag");
  if (code == kIntegerDivisionByZero) TG_ERROR("[", op, "] ZeroDivisionError: integer division by zero");
  if (code == kNegativeIntegerPower) TG_ERROR("[", op, "] Integers to negative integer powers are not allowed.");
  TG_ERROR("[", op, "] device-side error ", code);
}

}  // namespace tg::native::cuda
