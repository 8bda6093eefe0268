// The Python-visible core types: TensorBase (the C half of tensorgen.Tensor), dtype objects,
// and the conversions the generated bindings use.
#include "csrc/python/python_types.h"

#include <structmember.h>

#include <cstring>
#include <string>
#include <unordered_map>

#include "csrc/python/binding_utils.h"
#include "csrc/python/dlpack.h"

namespace tg::python {

// ----------------------------------------------------------------------------- TensorBase

struct TensorObject {
  PyObject_HEAD
  Tensor tensor;
  PyObject* weakreflist;
};

PyTypeObject* tensor_base_type = nullptr;
// tensorgen.Tensor (the Python subclass): every tensor handed to Python is one of these.
static PyTypeObject* tensor_class = nullptr;
static PyObject* device_class = nullptr;

bool is_tensor(PyObject* obj) { return PyObject_TypeCheck(obj, tensor_base_type); }

const Tensor& unpack_tensor(PyObject* obj) { return reinterpret_cast<TensorObject*>(obj)->tensor; }

PyObject* wrap_tensor(Tensor t) {
  PyTypeObject* cls = tensor_class ? tensor_class : tensor_base_type;
  PyObject* obj = cls->tp_alloc(cls, 0);
  if (!obj) return nullptr;
  auto* to = reinterpret_cast<TensorObject*>(obj);
  new (&to->tensor) Tensor(std::move(t));
  to->weakreflist = nullptr;
  return obj;
}

static void tensor_dealloc(PyObject* self) {
  auto* to = reinterpret_cast<TensorObject*>(self);
  if (to->weakreflist) PyObject_ClearWeakRefs(self);
  to->tensor.~Tensor();
  Py_TYPE(self)->tp_free(self);
}

static PyObject* tensor_new(PyTypeObject*, PyObject*, PyObject*) {
  PyErr_SetString(PyExc_TypeError, "[Tensor] create tensors with tensorgen.tensor(), tensorgen.empty() and friends");
  return nullptr;
}

void set_tensor_class(PyObject* cls) {
  if (!PyType_Check(cls) || !PyType_IsSubtype(reinterpret_cast<PyTypeObject*>(cls), tensor_base_type))
    throw Error(ErrorKind::Type, "[_set_tensor_class] expected a subclass of TensorBase");
  Py_INCREF(cls);
  tensor_class = reinterpret_cast<PyTypeObject*>(cls);
}

void set_device_class(PyObject* cls) {
  Py_INCREF(cls);
  device_class = cls;
}

// ----------------------------------------------------------------------------- dtype

struct DtypeObject {
  PyObject_HEAD
  ScalarType scalar_type;
};

static PyObject* dtype_objects[kNumScalarTypes] = {};

static PyObject* dtype_repr(PyObject* self) {
  return PyUnicode_FromFormat("tensorgen.%s", to_string(reinterpret_cast<DtypeObject*>(self)->scalar_type));
}
static PyObject* dtype_is_floating_point(PyObject* self, void*) {
  return wrap(is_floating(reinterpret_cast<DtypeObject*>(self)->scalar_type));
}
static PyObject* dtype_itemsize(PyObject* self, void*) {
  return PyLong_FromSize_t(element_size(reinterpret_cast<DtypeObject*>(self)->scalar_type));
}
static PyObject* dtype_is_signed(PyObject* self, void*) {
  return wrap(is_signed(reinterpret_cast<DtypeObject*>(self)->scalar_type));
}
static PyObject* dtype_reduce(PyObject* self, PyObject*) {
  return PyUnicode_FromString(to_string(reinterpret_cast<DtypeObject*>(self)->scalar_type));
}

static PyGetSetDef dtype_getset[] = {
    {"is_floating_point", dtype_is_floating_point, nullptr, nullptr, nullptr},
    {"itemsize", dtype_itemsize, nullptr, nullptr, nullptr},
    {"is_signed", dtype_is_signed, nullptr, nullptr, nullptr},
    {nullptr, nullptr, nullptr, nullptr, nullptr}};
static PyMethodDef dtype_methods[] = {{"__reduce__", dtype_reduce, METH_NOARGS, nullptr},
                                      {nullptr, nullptr, 0, nullptr}};

static PyTypeObject dtype_type = [] {
  PyTypeObject t{PyVarObject_HEAD_INIT(nullptr, 0)};
  t.tp_name = "tensorgen.dtype";
  t.tp_basicsize = sizeof(DtypeObject);
  t.tp_flags = Py_TPFLAGS_DEFAULT;
  t.tp_repr = dtype_repr;
  t.tp_getset = dtype_getset;
  t.tp_methods = dtype_methods;
  return t;
}();

bool is_dtype(PyObject* obj) { return Py_TYPE(obj) == &dtype_type; }
ScalarType unpack_dtype(PyObject* obj) { return reinterpret_cast<DtypeObject*>(obj)->scalar_type; }
PyObject* wrap_dtype(ScalarType t) { return incref(dtype_objects[static_cast<int>(t)]); }

// ----------------------------------------------------------------------------- device

bool is_device_like(PyObject* obj) {
  return PyUnicode_Check(obj) || (device_class && PyObject_TypeCheck(obj, reinterpret_cast<PyTypeObject*>(device_class)));
}

static Device parse_device_string(const std::string& s) {
  std::string type = s, index;
  auto colon = s.find(':');
  if (colon != std::string::npos) {
    type = s.substr(0, colon);
    index = s.substr(colon + 1);
  }
  int idx = -1;
  if (!index.empty()) {
    TG_CHECK(index.size() <= 2 && index.find_first_not_of("0123456789") == std::string::npos,
             "[device] invalid device string: '", s, "'");
    idx = std::stoi(index);
  }
  if (type == "cpu") {
    TG_CHECK(idx <= 0, "[device] invalid device string: '", s, "' (the CPU has index 0 only)");
    return Device(DeviceType::CPU, -1);
  }
  if (type == "cuda") return Device(DeviceType::CUDA, static_cast<int8_t>(idx));
  TG_CHECK(false, "[device] expected one of cpu, cuda device type at start of device string: ", s);
  return Device();
}

Device unpack_device(PyObject* obj) {
  if (PyUnicode_Check(obj)) {
    Py_ssize_t n;
    const char* s = PyUnicode_AsUTF8AndSize(obj, &n);
    if (!s) throw python_error();
    return parse_device_string(std::string(s, size_t(n)));
  }
  PyObject* str = PyObject_Str(obj);  // tensorgen.device prints as 'cpu' / 'cuda:0'
  if (!str) throw python_error();
  Device d = unpack_device(str);
  Py_DECREF(str);
  return d;
}

PyObject* wrap_device(Device d) {
  if (!device_class) return PyUnicode_FromString(d.str().c_str());
  return PyObject_CallFunction(device_class, "s", d.str().c_str());
}

// ----------------------------------------------------------------------------- numbers

bool is_number(PyObject* obj) {
  if (PyLong_CheckExact(obj) || PyFloat_CheckExact(obj) || PyBool_Check(obj)) return true;
  if (is_tensor(obj) || PyUnicode_Check(obj) || PySequence_Check(obj)) return false;
  // NumPy scalars: ints expose __index__, floats are float subclasses, np.bool_ has __bool__ only.
  if (PyLong_Check(obj) || PyFloat_Check(obj)) return true;
  if (PyIndex_Check(obj)) return true;
  PyTypeObject* t = Py_TYPE(obj);
  return t->tp_as_number && t->tp_as_number->nb_float && std::strncmp(t->tp_name, "numpy.", 6) == 0;
}

Scalar unpack_number(PyObject* obj) {
  if (PyBool_Check(obj)) return Scalar(obj == Py_True);
  if (PyFloat_Check(obj)) return Scalar(PyFloat_AS_DOUBLE(obj));
  if (PyLong_Check(obj) || PyIndex_Check(obj)) {
    if (std::strcmp(Py_TYPE(obj)->tp_name, "numpy.bool") == 0 || std::strcmp(Py_TYPE(obj)->tp_name, "numpy.bool_") == 0)
      return Scalar(PyObject_IsTrue(obj) == 1);
    int overflow = 0;
    PyObject* idx = PyNumber_Index(obj);
    if (!idx) throw python_error();
    long long v = PyLong_AsLongLongAndOverflow(idx, &overflow);
    Py_DECREF(idx);
    TG_CHECK(!overflow, "Overflow when unpacking long");
    return Scalar(int64_t(v));
  }
  if (std::strncmp(Py_TYPE(obj)->tp_name, "numpy.bool", 10) == 0) return Scalar(PyObject_IsTrue(obj) == 1);
  double d = PyFloat_AsDouble(obj);
  if (d == -1.0 && PyErr_Occurred()) throw python_error();
  return Scalar(d);
}

PyObject* wrap(const Scalar& s) {
  if (s.is_bool()) return wrap(s.to_bool());
  if (s.is_integral()) return PyLong_FromLongLong(s.to_int());
  return PyFloat_FromDouble(s.to_double());
}

// ----------------------------------------------------------------------------- return tuples

PyObject* wrap_tuple_impl(const char* op, std::initializer_list<const char*> names, Tensor* items, size_t n) {
  // Keyed by the op name's address first (a string literal of the generated binding: no string
  // hash and compare per call, ~4 % of a 1-element aminmax), then by its text, so every call site
  // of one op shares one type. Both guarded by the GIL.
  static std::unordered_map<const char*, PyTypeObject*> by_address;
  static std::unordered_map<std::string, PyTypeObject*> by_name;
  PyTypeObject*& type = by_address[op];
  if (!type) {
    PyTypeObject*& named = by_name[op];
    if (!named) {
      // Field and type names must outlive the type: keep them in leaked static storage.
      auto* fields = new PyStructSequence_Field[names.size() + 1]();
      size_t i = 0;
      for (const char* name : names) fields[i++] = {name, nullptr};
      auto* desc = new PyStructSequence_Desc{strdup((std::string("tensorgen.return_types.") + op).c_str()),
                                             nullptr, fields, int(names.size())};
      named = PyStructSequence_NewType(desc);
      if (!named) throw python_error();
    }
    type = named;
  }
  PyObject* tuple = PyStructSequence_New(type);
  if (!tuple) throw python_error();
  for (size_t i = 0; i < n; ++i) {
    PyObject* t = wrap_tensor(items[i]);
    if (!t) {
      Py_DECREF(tuple);
      throw python_error();
    }
    PyStructSequence_SET_ITEM(tuple, i, t);
  }
  return tuple;
}

// ----------------------------------------------------------------------------- type setup

bool init_types(PyObject* module, PyMethodDef* tensor_methods, PyGetSetDef* tensor_getset) {
  static PyTypeObject tensor_type = [] {
    PyTypeObject t{PyVarObject_HEAD_INIT(nullptr, 0)};
    t.tp_name = "tensorgen._C.TensorBase";
    t.tp_basicsize = sizeof(TensorObject);
    t.tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE;
    t.tp_dealloc = tensor_dealloc;
    t.tp_new = tensor_new;
    t.tp_weaklistoffset = offsetof(TensorObject, weakreflist);
    t.tp_as_buffer = &tensor_buffer_procs;  // memoryview(x): buffer_protocol.cpp
    return t;
  }();
  tensor_type.tp_methods = tensor_methods;
  tensor_type.tp_getset = tensor_getset;
  if (PyType_Ready(&tensor_type) < 0) return false;
  tensor_base_type = &tensor_type;
  Py_INCREF(&tensor_type);
  if (PyModule_AddObject(module, "TensorBase", reinterpret_cast<PyObject*>(&tensor_type)) < 0) return false;

  if (PyType_Ready(&dtype_type) < 0) return false;
  Py_INCREF(&dtype_type);
  if (PyModule_AddObject(module, "dtype", reinterpret_cast<PyObject*>(&dtype_type)) < 0) return false;
  for (int i = 0; i < kNumScalarTypes; ++i) {
    auto* d = PyObject_New(DtypeObject, &dtype_type);
    if (!d) return false;
    d->scalar_type = static_cast<ScalarType>(i);
    dtype_objects[i] = reinterpret_cast<PyObject*>(d);
    Py_INCREF(d);
    if (PyModule_AddObject(module, to_string(d->scalar_type), reinterpret_cast<PyObject*>(d)) < 0) return false;
  }
  return true;
}

}  // namespace tg::python
