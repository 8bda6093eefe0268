#pragma once
// Conversions between Python objects and the C++ core types, shared by the generated bindings,
// the argument parser and the hand-written module code.
#include <Python.h>

#include "aten/core/Device.h"
#include "aten/core/ScalarType.h"
#include "aten/core/Tensor.h"

namespace tg::python {

// Tensor objects: instances of tensorgen._C.TensorBase (in practice tensorgen.Tensor).
bool is_tensor(PyObject* obj);
const Tensor& unpack_tensor(PyObject* obj);  // caller checked is_tensor
PyObject* wrap_tensor(Tensor t);             // new reference; nullptr with an exception set on failure
extern PyTypeObject* tensor_base_type;

// dtype objects: tensorgen.float32 ... (instances of tensorgen._C.dtype)
bool is_dtype(PyObject* obj);
ScalarType unpack_dtype(PyObject* obj);  // caller checked is_dtype
PyObject* wrap_dtype(ScalarType t);      // new reference

// device: a str ('cpu', 'cuda', 'cuda:1') or a tensorgen.device object.
bool is_device_like(PyObject* obj);
Device unpack_device(PyObject* obj);  // throws tg::Error (ValueError/RuntimeError) for a bad string
PyObject* wrap_device(Device d);      // new reference

// Python numbers: int, float, bool, and NumPy scalars of those kinds (not tensors).
bool is_number(PyObject* obj);
Scalar unpack_number(PyObject* obj);  // caller checked is_number

// Raised by C++ code when a Python exception is already set (it must pass through unchanged).
struct python_error : std::exception {};

}  // namespace tg::python

// Every entry point from Python wraps its body in these, turning C++ exceptions into Python ones:
// tg::Error by its kind (RuntimeError, ValueError, TypeError, IndexError, NotImplementedError),
// std::bad_alloc into MemoryError, any other std::exception into RuntimeError.
#define TG_PY_BEGIN try {
#define TG_PY_END(retval)                        \
  }                                              \
  catch (...) {                                  \
    ::tg::python::set_python_error();            \
    return retval;                               \
  }

namespace tg::python {
void set_python_error();  // translates the exception being handled
}
