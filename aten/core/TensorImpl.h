#pragma once
// TensorImpl: the metadata of one tensor (sizes, strides, offset, dtype) over a shared Storage.
#include <memory>

#include "aten/core/ScalarType.h"
#include "aten/core/SmallVector.h"
#include "aten/core/Storage.h"

namespace tg {

// Seam for the autograd layer (grad_fn, grad, requires_grad live behind this interface).
struct AutogradMetaInterface {
  virtual ~AutogradMetaInterface() = default;
};

class TensorImpl : public RefCounted {
 public:
  TensorImpl(Storage storage, ScalarType dtype, IntArrayRef sizes, IntArrayRef strides, int64_t offset);

  IntArrayRef sizes() const { return sizes_; }
  IntArrayRef strides() const { return strides_; }
  int64_t dim() const { return static_cast<int64_t>(sizes_.size()); }
  int64_t numel() const { return numel_; }
  int64_t storage_offset() const { return offset_; }
  ScalarType dtype() const { return dtype_; }
  Device device() const { return storage_->device(); }
  const Storage& storage() const { return storage_; }
  bool is_contiguous() const { return is_contiguous_; }
  void* data() const {
    return static_cast<char*>(storage_->data()) + offset_ * static_cast<int64_t>(element_size(dtype_));
  }

  // Metadata changes (views in place, resize of out= tensors).
  void set_sizes_and_strides(IntArrayRef sizes, IntArrayRef strides, int64_t offset);
  void set_storage(Storage s) { storage_ = std::move(s); }
  // x.data = y with y of another dtype (PyTorch's set_data): the storage, sizes and dtype all change.
  void set_dtype(ScalarType t) { dtype_ = t; }

  // A Python number turned into a 0-d tensor: lowest priority in type promotion.
  bool is_wrapped_number = false;
  // True when autograd tracks this tensor (a leaf with requires_grad, or the output of a
  // recorded op). Kept here as a plain flag so the no-grad path of every op is one load.
  bool requires_grad = false;
  std::unique_ptr<AutogradMetaInterface> autograd_meta;

 private:
  void refresh();
  Storage storage_;
  DimVector sizes_;
  DimVector strides_;
  int64_t offset_ = 0;
  int64_t numel_ = 1;
  ScalarType dtype_;
  bool is_contiguous_ = true;
};

}  // namespace tg
