#pragma once
// Zero-copy exchange with other array libraries: DLPack capsules (both directions), the dtype
// spellings NumPy, the buffer protocol and DLPack use, and the buffer protocol slot of TensorBase.
#include <Python.h>

#include <cstdint>

#include "aten/core/ScalarType.h"
#include "aten/core/Tensor.h"

namespace tg::python {

// How one tensorgen dtype is spelled by the other side of each protocol. One table serves
// Tensor.numpy(), __array_interface__, __cuda_array_interface__, memoryview and DLPack.
struct DtypeInterop {
  const char* numpy;   // NumPy dtype string without byte order ("f4", "b1"); nullptr: NumPy has none (bfloat16)
  char buffer_format;  // struct-module format character of the buffer protocol; 0: none (bfloat16)
  uint8_t dl_code;     // DLDataTypeCode (kDLInt, kDLFloat, kDLBool, kDLBfloat, ...); bits = itemsize * 8
};
const DtypeInterop& dtype_interop(ScalarType t);

// The __array_interface__ type string ("<f4", "|b1"), or nullptr when NumPy has no such dtype.
// The string is static (one per dtype).
const char* numpy_typestr(ScalarType t);

// A "dltensor_versioned" (versioned) or "dltensor" (legacy) capsule sharing t's memory; the
// capsule's deleter keeps t's storage alive until the consumer releases it. `copied` sets
// DLPACK_FLAG_BITMASK_IS_COPIED (t is a private copy made for the consumer). A read-only tensor
// sets DLPACK_FLAG_BITMASK_READ_ONLY; the legacy format cannot say read-only, so it raises
// BufferError (NumPy's rule). New reference; throws on error.
PyObject* to_dlpack(const Tensor& t, bool versioned, bool copied);

// A tensor over the memory a DLPack capsule describes (either name). The capsule is renamed
// "used_dltensor[_versioned]" and its deleter runs when the tensor's storage dies. Raises
// RuntimeError for a consumed capsule, TypeError for an unsupported dtype, BufferError for
// a device or layout tensorgen cannot represent. Nothing is consumed when it raises.
Tensor from_dlpack(PyObject* capsule);

// TensorBase's buffer protocol (memoryview(x)): CPU tensors of dtypes with a struct format.
extern PyBufferProcs tensor_buffer_procs;

}  // namespace tg::python
