#pragma once
// Copies with dtype conversion and broadcasting. The TensorIterator uses these to convert
// operands, so they sit below the generated op layer (no autograd, no dispatch by name).
#include "aten/core/Tensor.h"

namespace tg::native {

// dst[...] = src[...] converted to dst's dtype; src broadcasts to dst's shape.
// check_mem_overlap=false allows a dst with expanded dims (only for idempotent writes: fill_).
void copy_into(const Tensor& dst, const Tensor& src, const char* op = "copy_", bool check_mem_overlap = true);
// src on device in dtype: src itself when nothing changes and copy is false, else a new tensor
// with src's dim order (host<->device copies synchronize before the host reads).
Tensor to_device(const Tensor& src, Device device, ScalarType dtype, bool copy);
// A new contiguous tensor with src's values in dtype.
Tensor to_dtype(const Tensor& src, ScalarType dtype);
// The Python number s as the wrapped 0-d tensor an op of self with s converts it to: already in
// result_type(self, s), with the value copy would give, so the op's TensorIterator has nothing
// left to convert (that second 0-d tensor and its copy were ~15 % of a 1-element clamp_min(x, 0.5)).
Tensor wrapped_scalar_for(const Tensor& self, const Scalar& s);

}  // namespace tg::native

namespace tg {
struct TensorMeta;
// The out= and in-place rules shared by every generated op (DESIGN.md §8):
// an out= tensor must have the result's dtype when the op computes it directly (structured ops),
// and sit on the result's device; it is resized when its shape differs.
void check_out_meta(const char* op, const Tensor& out, const TensorMeta& meta);
// out= variants are not differentiable: refuse them when grad mode is on and an input requires
// grad (PyTorch's rule), instead of silently dropping the gradient.
void check_out_no_grad(const char* op, std::initializer_list<const Tensor*> inputs);
void check_out_no_grad(const char* op, TensorList inputs);
// Every op that writes a tensor (in-place self, out=, Tensor(a!) arguments) calls this first:
// RuntimeError when the tensor's memory was imported read-only (Storage::read_only).
void check_writable(const char* op, const Tensor& t);
void check_writable(const char* op, TensorList tensors);
// Whether some element of a Tensor[] argument requires grad (the autograd guard of cat).
bool any_requires_grad(TensorList tensors);
// True when resizing out to sizes would change the memory or shape of one of the inputs (out
// is an input, or a view of the same storage): the op must then compute before resizing.
bool resize_changes_input(const Tensor& out, IntArrayRef sizes, std::initializer_list<const Tensor*> inputs);
// In-place variant of a structured op (x.tril_(), x.addmm_(a, b)): the meta's result must have
// self's shape, a dtype castable to self's, and self's device; self may not have several elements
// at one address.
void check_inplace_meta(const char* op, const Tensor& self, const TensorMeta& meta);
// True when t shares storage with one of the inputs (null or undefined ones skipped).
bool shares_storage_with_any(const Tensor& t, std::initializer_list<const Tensor*> inputs);
inline const Tensor* opt_ptr(const std::optional<Tensor>& t) { return t ? &*t : nullptr; }
// Writes a computed result into out (resize + cast when the result dtype can be cast).
void write_result_out(const char* op, Tensor& out, const Tensor& result);
// Writes a computed result into self for an in-place variant (shape must match exactly).
void write_result_inplace(const char* op, Tensor& self, const Tensor& result);
}  // namespace tg
