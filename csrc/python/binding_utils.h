#pragma once
// Small helpers the generated bindings use around the C++ call.
#include <Python.h>

#include <vector>

#include <initializer_list>
#include <optional>
#include <tuple>

#include "csrc/python/python_types.h"

// A PyMethodDef entry for a C function of any of the METH_* signatures.
#define TG_PY_METHOD(name, fn, flags) \
  { name, reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(fn)), flags, nullptr }

namespace tg::python {

// Releases the GIL for the duration of a kernel call (restored even when the call throws).
class GilRelease {
 public:
  GilRelease() : state_(PyEval_SaveThread()) {}
  ~GilRelease() { PyEval_RestoreThread(state_); }
  GilRelease(const GilRelease&) = delete;
  GilRelease& operator=(const GilRelease&) = delete;

 private:
  PyThreadState* state_;
};

// Factories' requires_grad=True (floating results only, like PyTorch).
void set_requires_grad(const Tensor& t);

inline std::optional<IntArrayRef> as_ref(const std::optional<DimVector>& v) {
  if (!v) return std::nullopt;
  return IntArrayRef(v->data(), v->size());
}

inline PyObject* incref(PyObject* o) {
  Py_INCREF(o);
  return o;
}

inline PyObject* wrap(Tensor t) {
  PyObject* o = wrap_tensor(std::move(t));
  if (!o) throw python_error();
  return o;
}
inline PyObject* wrap(bool b) { return incref(b ? Py_True : Py_False); }
inline PyObject* wrap(double d) { return PyFloat_FromDouble(d); }
inline PyObject* wrap(int64_t i) { return PyLong_FromLongLong(i); }
PyObject* wrap(const Scalar& s);
// A Tensor[] result (unbind): a plain tuple of tensors, like PyTorch.
inline PyObject* wrap(std::vector<Tensor> ts) {
  PyObject* tuple = PyTuple_New(Py_ssize_t(ts.size()));
  if (!tuple) throw python_error();
  for (size_t i = 0; i < ts.size(); ++i) {
    PyObject* o = wrap_tensor(std::move(ts[i]));
    if (!o) {
      Py_DECREF(tuple);
      throw python_error();
    }
    PyTuple_SET_ITEM(tuple, Py_ssize_t(i), o);
  }
  return tuple;
}

// A named tuple (tensorgen.return_types.<op>) of tensors, e.g. max.dim -> (values, indices). `op` must
// have static storage (the generated bindings pass string literals): its address keys a cache.
PyObject* wrap_tuple_impl(const char* op, std::initializer_list<const char*> names, Tensor* items, size_t n);
template <typename... Ts>
PyObject* wrap_tuple(const char* op, std::initializer_list<const char*> names, std::tuple<Ts...> t) {
  return std::apply([&](auto&... xs) {
    Tensor items[] = {Tensor(xs)...};
    return wrap_tuple_impl(op, names, items, sizeof...(Ts));
  }, t);
}

}  // namespace tg::python
