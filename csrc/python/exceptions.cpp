// C++ exceptions -> Python exceptions, for TG_PY_END (DESIGN.md §5). Called from a catch block
// with the GIL held.
#include <new>
#include <string_view>

#include "aten/core/Error.h"
#include "csrc/python/python_types.h"

namespace tg::python {

namespace {

PyObject* python_type_of(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::Runtime: return PyExc_RuntimeError;
    case ErrorKind::Value: return PyExc_ValueError;
    case ErrorKind::Type: return PyExc_TypeError;
    case ErrorKind::Index: return PyExc_IndexError;
    case ErrorKind::NotImplemented: return PyExc_NotImplementedError;
  }
  return PyExc_RuntimeError;
}

// Messages may quote user data that is not valid UTF-8 (e.g. a path or a byte string); decoding
// with "replace" keeps the original exception type instead of raising UnicodeDecodeError.
void set_error(PyObject* type, std::string_view msg) {
  PyObject* text = PyUnicode_DecodeUTF8(msg.data(), Py_ssize_t(msg.size()), "replace");
  if (!text) return;  // the decode failure (MemoryError) is set instead
  PyErr_SetObject(type, text);
  Py_DECREF(text);
}

}  // namespace

void set_python_error() {
  try {
    throw;
  } catch (const python_error&) {
    // The Python exception is already set; pass it through unchanged.
    if (!PyErr_Occurred())
      PyErr_SetString(PyExc_RuntimeError, "internal error: python_error thrown with no Python exception set");
  } catch (const Error& e) {
    set_error(python_type_of(e.kind()), e.what());
  } catch (const std::bad_alloc&) {
    PyErr_NoMemory();
  } catch (const std::exception& e) {
    set_error(PyExc_RuntimeError, e.what());
  } catch (...) {
    PyErr_SetString(PyExc_RuntimeError, "unknown C++ exception");
  }
}

}  // namespace tg::python
