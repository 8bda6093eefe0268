#pragma once
// A refcounted block of memory on one device. Views share one Storage; the version counter
// lives here too, so every view of the same memory sees the same version.
#include <cstddef>
#include <cstdint>

#include "aten/core/Device.h"
#include "aten/core/intrusive_ptr.h"

namespace tg {

// Frees externally owned memory (e.g. a NumPy array we share) when the storage dies.
using ExternalDeleter = void (*)(void* ctx);

class StorageImpl : public RefCounted {
 public:
  // Allocates nbytes on device (64-byte aligned on the CPU).
  StorageImpl(size_t nbytes, Device device);
  // Wraps memory owned elsewhere; deleter(ctx) runs when the storage dies.
  StorageImpl(void* data, size_t nbytes, Device device, ExternalDeleter deleter, void* ctx);
  ~StorageImpl() override;

  void* data() const { return data_; }
  size_t nbytes() const { return nbytes_; }
  Device device() const { return device_; }
  uint32_t version() const { return version_; }
  void bump_version() { ++version_; }
  // Memory imported read-only (a read-only NumPy array, a DLPack capsule flagged read-only):
  // every op that writes a tensor checks this first (check_writable in aten/native/Copy.h), so
  // tensorgen never writes memory its owner declared immutable.
  bool read_only() const { return read_only_; }
  void set_read_only(bool read_only) { read_only_ = read_only; }

 private:
  void* data_ = nullptr;
  size_t nbytes_ = 0;
  Device device_;
  ExternalDeleter deleter_ = nullptr;
  void* ctx_ = nullptr;
  uint32_t version_ = 0;
  bool read_only_ = false;
};

using Storage = intrusive_ptr<StorageImpl>;

// Device allocators: registered by each backend (the CPU one is built in).
struct Allocator {
  void* (*allocate)(size_t nbytes) = nullptr;
  void (*free)(void* p, size_t nbytes) = nullptr;
};
void set_allocator(DeviceType type, Allocator a);
const Allocator& get_allocator(DeviceType type);

}  // namespace tg
