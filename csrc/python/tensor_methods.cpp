// Hand-written TensorBase methods and properties: metadata accessors that are not operators
// (sizes, strides, storage, dtype, device), item(), and NumPy interop. Everything computational
// is generated from native_functions.yaml.
#include <algorithm>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include "csrc/autograd/node.h"
#include "csrc/python/binding_utils.h"
#include "csrc/python/dlpack.h"

namespace py = pybind11;

namespace tg::python {

static PyObject* size_class = nullptr;  // tensorgen.Size (a tuple subclass)

void set_size_class(PyObject* cls) {
  Py_INCREF(cls);
  size_class = cls;
}

static PyObject* int_tuple(IntArrayRef v, bool as_size) {
  PyObject* t = PyTuple_New(Py_ssize_t(v.size()));
  if (!t) throw python_error();
  for (size_t i = 0; i < v.size(); ++i) PyTuple_SET_ITEM(t, i, PyLong_FromLongLong(v[i]));
  if (!as_size || !size_class) return t;
  PyObject* s = PyObject_CallOneArg(size_class, t);
  Py_DECREF(t);
  if (!s) throw python_error();
  return s;
}

// size(dim=None) and stride(dim=None)
static PyObject* sizes_or_strides(PyObject* self, PyObject* args, PyObject* kwargs, bool strides) {
  const char* op = strides ? "stride" : "size";
  static const char* kwlist[] = {"dim", nullptr};
  PyObject* dim = Py_None;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|O", const_cast<char**>(kwlist), &dim)) throw python_error();
  const Tensor& t = unpack_tensor(self);
  IntArrayRef v = strides ? t.strides() : t.sizes();
  if (dim == Py_None) return int_tuple(v, !strides);
  TG_CHECK_TYPE(PyLong_Check(dim) && !PyBool_Check(dim), "[", op, "] dim must be an int, not ",
                Py_TYPE(dim)->tp_name);
  int64_t d = PyLong_AsLongLong(dim);
  if (d == -1 && PyErr_Occurred()) throw python_error();
  TG_CHECK_INDEX(t.dim() > 0, "[", op, "] dimension specified as ", d, " but tensor has no dimensions");
  return PyLong_FromLongLong(v[size_t(wrap_dim(d, t.dim(), op))]);
}

static PyObject* m_size(PyObject* self, PyObject* args, PyObject* kwargs) {
  TG_PY_BEGIN
  return sizes_or_strides(self, args, kwargs, false);
  TG_PY_END(nullptr)
}
static PyObject* m_stride(PyObject* self, PyObject* args, PyObject* kwargs) {
  TG_PY_BEGIN
  return sizes_or_strides(self, args, kwargs, true);
  TG_PY_END(nullptr)
}
static PyObject* m_dim(PyObject* self, PyObject*) { return PyLong_FromLongLong(unpack_tensor(self).dim()); }
static PyObject* m_numel(PyObject* self, PyObject*) { return PyLong_FromLongLong(unpack_tensor(self).numel()); }
static PyObject* m_storage_offset(PyObject* self, PyObject*) {
  return PyLong_FromLongLong(unpack_tensor(self).storage_offset());
}
static PyObject* m_is_contiguous(PyObject* self, PyObject*) { return wrap(unpack_tensor(self).is_contiguous()); }
static PyObject* m_element_size(PyObject* self, PyObject*) {
  return PyLong_FromSize_t(unpack_tensor(self).element_size());
}
static PyObject* m_data_ptr(PyObject* self, PyObject*) {
  return PyLong_FromVoidPtr(unpack_tensor(self).data_ptr());
}
// (data_ptr, nbytes) of the whole storage; tensorgen.Tensor.untyped_storage() wraps it.
static PyObject* m_storage_info(PyObject* self, PyObject*) {
  const Storage& s = unpack_tensor(self).storage();
  return Py_BuildValue("(Nn)", PyLong_FromVoidPtr(s->data()), Py_ssize_t(s->nbytes()));
}
static PyObject* m_item(PyObject* self, PyObject*) {
  TG_PY_BEGIN
  return wrap(tg::item(unpack_tensor(self)));
  TG_PY_END(nullptr)
}
static PyObject* m_len(PyObject* self, PyObject*) {
  TG_PY_BEGIN
  const Tensor& t = unpack_tensor(self);
  TG_CHECK_TYPE(t.dim() > 0, "len() of a 0-d tensor");
  return PyLong_FromLongLong(t.size(0));
  TG_PY_END(nullptr)
}

// x.data = y (PyTorch's set_data): x keeps its identity (requires_grad, grad, hooks) and takes
// y's memory, shape, strides, dtype and device (Module.to() swaps parameters this way, so an
// optimizer built before keeps updating them). A leaf's gradient accumulator records the shape and
// dtype its gradients are reduced to: when those change it is dropped, and the next graph gets a
// new one (graphs recorded before keep the old). .grad is left as it is, as in PyTorch.
static PyObject* m_set_data(PyObject* self, PyObject* other) {
  TG_PY_BEGIN
  TG_CHECK_TYPE(is_tensor(other), "[data] Variable data has to be a tensor, but got ", Py_TYPE(other)->tp_name);
  const Tensor& t = unpack_tensor(self);
  const Tensor& src = unpack_tensor(other);
  TG_CHECK(!t.requires_grad() || is_floating(src.dtype()), "[data] data set to a tensor that requires gradients "
           "must be floating point, got ", src.dtype());
  if (t.impl() != src.impl()) {
    const bool same_geometry = t.dtype() == src.dtype() && t.device() == src.device() &&
                               std::equal(t.sizes().begin(), t.sizes().end(), src.sizes().begin(), src.sizes().end());
    if (!same_geometry)
      if (autograd::AutogradMeta* m = autograd::get_meta(t)) m->grad_accumulator.reset();
    t.impl()->set_storage(src.storage());
    t.impl()->set_dtype(src.dtype());
    t.impl()->set_sizes_and_strides(src.sizes(), src.strides(), src.storage_offset());
  }
  Py_RETURN_NONE;
  TG_PY_END(nullptr)
}

// ----------------------------------------------------------------------------- NumPy

static PyObject* m_numpy(PyObject* self, PyObject*) {
  TG_PY_BEGIN
  const Tensor& t = unpack_tensor(self);
  TG_CHECK_TYPE(t.device().is_cpu(), "[numpy] can't convert ", t.device(),
                " tensor to numpy. Use Tensor.cpu() to copy the tensor to host memory first.");
  TG_CHECK(!t.requires_grad(), "[numpy] Can't call numpy() on Tensor that requires grad. Use "
           "tensor.detach().numpy() instead.");
  const char* fmt = dtype_interop(t.dtype()).numpy;  // NumPy's dtype string ("f4"), none for bfloat16
  TG_CHECK_TYPE(fmt != nullptr, "[numpy] got unsupported ScalarType ", t.dtype(),
                " (NumPy has no such dtype; convert with .float() first)");
  std::vector<py::ssize_t> shape(t.sizes().begin(), t.sizes().end());
  std::vector<py::ssize_t> strides;
  for (auto s : t.strides()) strides.push_back(py::ssize_t(s * int64_t(t.element_size())));
  // The array keeps the tensor object alive, and with it the memory both share.
  py::array a(py::dtype(fmt), shape, strides, t.data_ptr(), py::handle(self));
  if (t.storage()->read_only()) a.attr("flags").attr("writeable") = false;
  return a.release().ptr();
  TG_PY_END(nullptr)
}

static ScalarType numpy_to_scalar_type(const py::dtype& dt) {
  char kind = dt.kind();
  size_t size = size_t(dt.itemsize());
  if (kind == 'b') return ScalarType::Bool;
  if (kind == 'u' && size == 1) return ScalarType::UInt8;
  if (kind == 'i') {
    if (size == 1) return ScalarType::Int8;
    if (size == 2) return ScalarType::Int16;
    if (size == 4) return ScalarType::Int32;
    if (size == 8) return ScalarType::Int64;
  }
  if (kind == 'f') {
    if (size == 2) return ScalarType::Float16;
    if (size == 4) return ScalarType::Float32;
    if (size == 8) return ScalarType::Float64;
  }
  TG_CHECK_TYPE(false, "[from_numpy] can't convert np.ndarray of type ", std::string(py::str(dt)),
                ". The only supported types are: float64, float32, float16, int64, int32, int16, int8, uint8, "
                "and bool.");
  return ScalarType::Undefined;
}

static void release_numpy_array(void* ctx) {
  if (!Py_IsInitialized()) return;  // interpreter already gone at exit: nothing to release
  PyGILState_STATE s = PyGILState_Ensure();
  Py_DECREF(static_cast<PyObject*>(ctx));
  PyGILState_Release(s);
}

Tensor tensor_from_numpy(py::array a) {
  ScalarType st = numpy_to_scalar_type(a.dtype());
  TG_CHECK_VALUE(a.dtype().byteorder() != '>', "[from_numpy] given numpy array has byte order different from "
                 "the native byte order. Conversion between byte orders is currently not supported.");
  size_t item = element_size(st);
  DimVector sizes, strides;
  int64_t extent = 1;
  bool empty = false;
  for (py::ssize_t d = 0; d < a.ndim(); ++d) {
    py::ssize_t stride = a.strides(d);
    TG_CHECK_VALUE(stride >= 0, "[from_numpy] at least one stride in the given numpy array is negative, and "
                   "tensors with negative strides are not currently supported. (You can probably work around "
                   "this by making a copy of your array with array.copy().)");
    TG_CHECK_VALUE(stride % py::ssize_t(item) == 0, "[from_numpy] given numpy array strides not a multiple of "
                   "the element byte size. Copy the numpy array to reallocate the memory.");
    sizes.push_back(a.shape(d));
    strides.push_back(stride / py::ssize_t(item));
    if (a.shape(d) == 0) empty = true;
    else extent += (a.shape(d) - 1) * strides.back();
  }
  size_t nbytes = empty ? 0 : size_t(extent) * item;
  PyObject* owner = a.ptr();
  Py_INCREF(owner);
  auto storage = Storage::make(const_cast<void*>(a.data()), nbytes, Device(), release_numpy_array, owner);
  // A read-only array stays read-only: ops that would write it raise (PyTorch warns and shares
  // writable memory, which lets an in-place op modify memory NumPy promised not to change).
  storage->set_read_only(!a.writeable());
  return Tensor(intrusive_ptr<TensorImpl>::make(std::move(storage), st, sizes, strides, 0));
}

// ----------------------------------------------------------------------------- properties

static PyObject* p_shape(PyObject* self, void*) {
  TG_PY_BEGIN
  return int_tuple(unpack_tensor(self).sizes(), true);
  TG_PY_END(nullptr)
}
static PyObject* p_dtype(PyObject* self, void*) { return wrap_dtype(unpack_tensor(self).dtype()); }
static PyObject* p_device(PyObject* self, void*) { return wrap_device(unpack_tensor(self).device()); }
static PyObject* p_ndim(PyObject* self, void*) { return PyLong_FromLongLong(unpack_tensor(self).dim()); }
static PyObject* p_itemsize(PyObject* self, void*) { return PyLong_FromSize_t(unpack_tensor(self).element_size()); }
static PyObject* p_is_cuda(PyObject* self, void*) { return wrap(unpack_tensor(self).device().is_cuda()); }
static PyObject* p_version(PyObject* self, void*) {
  return PyLong_FromUnsignedLong(unpack_tensor(self).storage()->version());
}

PyMethodDef tensor_base_methods[] = {
    TG_PY_METHOD("size", m_size, METH_VARARGS | METH_KEYWORDS),
    TG_PY_METHOD("stride", m_stride, METH_VARARGS | METH_KEYWORDS),
    TG_PY_METHOD("dim", m_dim, METH_NOARGS),
    TG_PY_METHOD("ndimension", m_dim, METH_NOARGS),
    TG_PY_METHOD("numel", m_numel, METH_NOARGS),
    TG_PY_METHOD("nelement", m_numel, METH_NOARGS),
    TG_PY_METHOD("storage_offset", m_storage_offset, METH_NOARGS),
    TG_PY_METHOD("is_contiguous", m_is_contiguous, METH_NOARGS),
    TG_PY_METHOD("element_size", m_element_size, METH_NOARGS),
    TG_PY_METHOD("data_ptr", m_data_ptr, METH_NOARGS),
    TG_PY_METHOD("_storage_info", m_storage_info, METH_NOARGS),
    TG_PY_METHOD("item", m_item, METH_NOARGS),
    TG_PY_METHOD("__len__", m_len, METH_NOARGS),
    TG_PY_METHOD("numpy", m_numpy, METH_NOARGS),
    TG_PY_METHOD("_set_data", m_set_data, METH_O),
    {nullptr, nullptr, 0, nullptr}};

PyGetSetDef tensor_base_getset[] = {
    {"shape", p_shape, nullptr, nullptr, nullptr},
    {"dtype", p_dtype, nullptr, nullptr, nullptr},
    {"device", p_device, nullptr, nullptr, nullptr},
    {"ndim", p_ndim, nullptr, nullptr, nullptr},
    {"itemsize", p_itemsize, nullptr, nullptr, nullptr},
    {"is_cuda", p_is_cuda, nullptr, nullptr, nullptr},
    {"_version", p_version, nullptr, nullptr, nullptr},
    {nullptr, nullptr, nullptr, nullptr, nullptr}};

}  // namespace tg::python
