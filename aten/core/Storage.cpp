#include "aten/core/Storage.h"

#include <cstdlib>
#include <new>

#include "aten/core/CPUAllocator.h"
#include "aten/core/Error.h"
#include "aten/cuda/CUDAHooks.h"

namespace tg {
namespace {

Allocator g_allocators[2] = {Allocator{cpu_allocate, cpu_free}, Allocator{}};

}  // namespace

void set_allocator(DeviceType type, Allocator a) { g_allocators[static_cast<int>(type)] = a; }
const Allocator& get_allocator(DeviceType type) {
  const Allocator& a = g_allocators[static_cast<int>(type)];
  TG_CHECK(a.allocate != nullptr, "[allocator] tensorgen was built without support for device ",
           type == DeviceType::CUDA ? "cuda" : "cpu");
  return a;
}

StorageImpl::StorageImpl(size_t nbytes, Device device)
    : nbytes_(nbytes), device_(device.is_cuda() ? cuda::checked_device(device) : Device()) {
  data_ = get_allocator(device_.type).allocate(nbytes);
}

StorageImpl::StorageImpl(void* data, size_t nbytes, Device device, ExternalDeleter deleter, void* ctx)
    : data_(data), nbytes_(nbytes), device_(device), deleter_(deleter), ctx_(ctx) {}

StorageImpl::~StorageImpl() {
  if (deleter_) deleter_(ctx_);
  else if (data_) get_allocator(device_.type).free(data_, nbytes_);
}

}  // namespace tg
