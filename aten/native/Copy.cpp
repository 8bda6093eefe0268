#include "aten/native/Copy.h"

#include "aten/iter/TensorIterator.h"
#include "aten/core/GradMode.h"
#include "aten/native/Indexing.h"
#include "aten/native/TensorMeta.h"
#include "aten/cuda/CUDAHooks.h"
#include "aten/dispatch/CpuCapability.h"
#include "aten/native/cpu/CopyKernel.h"

namespace tg::native {

void copy_into(const Tensor& dst, const Tensor& src, const char* op, bool check_mem_overlap) {
  if (dst.is_same(src) || dst.numel() == 0) return;
  TG_CHECK(broadcast_shapes(dst.sizes(), src.sizes(), op).ref().equals(dst.sizes()), "[", op,
                 "] the source of shape ", src.sizes(), " cannot be broadcast to the destination of shape ",
                 dst.sizes());
  if (dst.device().is_cuda() || src.device().is_cuda()) {
    // Host<->device and device-to-device copies (aten/cuda/CUDAHooks.h).
    cuda::copy_(dst, src, op);
    dst.bump_version();
    return;
  }
  if (dst.numel() == 1) {
    // One element (a Python number meeting a tensor of another dtype, `.to()` of a scalar): the
    // conversion alone, without building a TensorIterator (which cost more than the copy).
    static auto* const cpu_copy_element = TG_CPU_KERNEL(copy_element_kernel);
    cpu_copy_element(dst.data_ptr(), dst.dtype(), src.data_ptr(), src.dtype());
    dst.bump_version();
    return;
  }
  IterConfig config{op, Promotion::None, /*inplace=*/true, check_mem_overlap};
  TensorIterator iter(config, dst, {src});
  static auto* const cpu_copy_kernel = TG_CPU_KERNEL(copy_kernel);  // chosen once, at first use
  cpu_copy_kernel(iter);
  dst.bump_version();
}

Tensor to_device(const Tensor& src, Device device, ScalarType dtype, bool copy) {
  const Device target = device.is_cuda() ? cuda::checked_device(device) : Device();
  if (!copy && dtype == src.dtype() && target.type == src.device().type) return src;
  Tensor out = empty_like_layout(src, dtype, target);
  copy_into(out, src, "to");
  return out;
}

Tensor to_dtype(const Tensor& src, ScalarType dtype) {
  Tensor out = empty_tensor(src.sizes(), dtype, src.device());
  copy_into(out, src, "to");
  return out;
}

Tensor wrapped_scalar_for(const Tensor& self, const Scalar& s) {
  const ScalarType natural = s.natural_type(), dtype = result_type(self, s);
  if (dtype == natural) return wrapped_scalar_tensor(s);
  // The number as its natural dtype holds it (float64, int64 or bool), converted by copy's rule.
  const double d = natural == ScalarType::Float64 ? s.to_double() : 0;
  const int64_t i = natural == ScalarType::Int64 ? s.to_int() : 0;
  const bool b = natural == ScalarType::Bool && s.to_bool();
  const void* value = natural == ScalarType::Float64 ? static_cast<const void*>(&d)
                      : natural == ScalarType::Int64 ? static_cast<const void*>(&i)
                                                     : static_cast<const void*>(&b);
  Tensor out = empty_tensor({}, dtype, Device());
  static auto* const cpu_copy_element = TG_CPU_KERNEL(copy_element_kernel);
  cpu_copy_element(out.data_ptr(), dtype, value, natural);
  out.impl()->is_wrapped_number = true;
  return out;
}

}  // namespace tg::native

namespace tg {

void check_out_meta(const char* op, const Tensor& out, const TensorMeta& meta) {
  TG_CHECK(out.dtype() == meta.dtype, "[", op, "] expected out tensor to have dtype ", meta.dtype,
           ", but got ", out.dtype(), " instead");
  TG_CHECK(out.device() == meta.device, "[", op, "] expected out tensor on device ", meta.device,
           ", but got ", out.device());
}

bool resize_changes_input(const Tensor& out, IntArrayRef sizes, std::initializer_list<const Tensor*> inputs) {
  if (out.sizes().equals(sizes)) return false;
  for (const Tensor* t : inputs)
    if (t && t->defined() && t->storage().get() == out.storage().get()) return true;
  return false;
}

void check_inplace_meta(const char* op, const Tensor& self, const TensorMeta& meta) {
  TG_CHECK(self.sizes().equals(meta.sizes), "[", op, "] output with shape ", self.sizes(),
           " doesn't match the broadcast shape ", IntArrayRef(meta.sizes));
  TG_CHECK(can_cast(meta.dtype, self.dtype()), "[", op, "] result type ", meta.dtype,
           " can't be cast to the desired output type ", self.dtype());
  TG_CHECK(self.device() == meta.device, "[", op, "] expected self on device ", meta.device, ", but got ",
           self.device());
  native::check_no_internal_overlap(op, self);
}

bool shares_storage_with_any(const Tensor& t, std::initializer_list<const Tensor*> inputs) {
  for (const Tensor* x : inputs)
    if (x && x->defined() && x->storage().get() == t.storage().get()) return true;
  return false;
}

void check_out_no_grad(const char* op, std::initializer_list<const Tensor*> inputs) {
  if (!GradMode::is_enabled()) return;
  for (const Tensor* t : inputs) {
    TG_CHECK(!(t && t->defined() && t->requires_grad()), "[", op, "] functions with out=... arguments don't "
             "support automatic differentiation, but one of the arguments requires grad.");
  }
}

void check_out_no_grad(const char* op, TensorList inputs) {
  for (const Tensor& t : inputs) check_out_no_grad(op, {&t});
}

void check_writable(const char* op, const Tensor& t) {
  TG_CHECK(!t.defined() || !t.storage()->read_only(), "[", op, "] cannot write to a read-only tensor: its memory "
           "was imported from a read-only array (NumPy with writeable=False, or a DLPack capsule flagged read-only). "
           "Write to a copy (tensor.clone()) or make the source writable before sharing it.");
}

void check_writable(const char* op, TensorList tensors) {
  for (const Tensor& t : tensors) check_writable(op, t);
}

bool any_requires_grad(TensorList tensors) {
  for (const Tensor& t : tensors)
    if (t.defined() && t.requires_grad()) return true;
  return false;
}

void write_result_out(const char* op, Tensor& out, const Tensor& result) {
  TG_CHECK(can_cast(result.dtype(), out.dtype()), "[", op, "] result type ", result.dtype(),
           " can't be cast to the desired output type ", out.dtype());
  TG_CHECK(out.device() == result.device(), "[", op, "] expected out tensor on device ", result.device(),
           ", but got ", out.device());
  resize_out(out, result.sizes(), op);
  native::copy_into(out, result, op);
}

void write_result_inplace(const char* op, Tensor& self, const Tensor& result) {
  TG_CHECK(can_cast(result.dtype(), self.dtype()), "[", op, "] result type ", result.dtype(),
           " can't be cast to the desired output type ", self.dtype());
  TG_CHECK(self.sizes().equals(result.sizes()), "[", op, "] output with shape ", self.sizes(),
           " doesn't match the broadcast shape ", result.sizes());
  native::copy_into(self, result, op);
}

}  // namespace tg
