// DLPack both ways (https://dmlc.github.io/dlpack/latest/python_spec.html) and the dtype table the
// other interop paths share. The struct layouts come from DLPack's official header (vendored in
// third_party/dlpack); tensorgen.Tensor.__dlpack__ and tensorgen.from_dlpack
// (python/tensorgen/_interop.py) negotiate versions, devices and copies and call in here.
#include "csrc/python/dlpack.h"

#include <pybind11/pybind11.h>

#include <climits>
#include <type_traits>
#include <string>
#include <vector>

#include "aten/cuda/CUDAHooks.h"
#include "csrc/python/binding_utils.h"
#include "third_party/dlpack/include/dlpack/dlpack.h"

namespace tg::python {

// ----------------------------------------------------------------------------- dtype table

const DtypeInterop& dtype_interop(ScalarType t) {
  // In ScalarType order (TG_FORALL_SCALAR_TYPES). Bool is kDLBool (DLPack >= 0.8, one byte per
  // element); int64's buffer format is 'q' (long long: 8 bytes on every platform).
  static const DtypeInterop table[kNumScalarTypes] = {
      {"b1", '?', kDLBool},    // Bool
      {"u1", 'B', kDLUInt},    // UInt8
      {"i1", 'b', kDLInt},     // Int8
      {"i2", 'h', kDLInt},     // Int16
      {"i4", 'i', kDLInt},     // Int32
      {"i8", 'q', kDLInt},     // Int64
      {"f2", 'e', kDLFloat},   // Float16
      {nullptr, 0, kDLBfloat}, // BFloat16: no NumPy dtype, no struct format
      {"f4", 'f', kDLFloat},   // Float32
      {"f8", 'd', kDLFloat},   // Float64
  };
  static_assert(static_cast<int>(ScalarType::BFloat16) == 7 && static_cast<int>(ScalarType::Float64) == 9,
                "the table above follows the order of TG_FORALL_SCALAR_TYPES");
  return table[static_cast<int>(t)];
}

const char* numpy_typestr(ScalarType t) {
  // NumPy's byte-order prefix: '|' when it does not apply (one byte), else the host's order.
  static const std::vector<std::string> strings = [] {
    std::vector<std::string> s(kNumScalarTypes);
    const char host = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? '<' : '>';
    for (int i = 0; i < kNumScalarTypes; ++i) {
      const char* np = dtype_interop(static_cast<ScalarType>(i)).numpy;
      if (np) s[i] = std::string(1, element_size(static_cast<ScalarType>(i)) == 1 ? '|' : host) + np;
    }
    return s;
  }();
  const std::string& s = strings[static_cast<int>(t)];
  return s.empty() ? nullptr : s.c_str();
}

// ----------------------------------------------------------------------------- errors

// DLPack's protocol errors are BufferError, which the TG_CHECK family has no kind for.
[[noreturn]] static void buffer_error(const std::string& msg) {
  PyErr_SetString(PyExc_BufferError, msg.c_str());
  throw python_error();
}

// "complex64", "float32x4" (4 lanes), "type code 10 with 8 bits" (codes without a short name).
static std::string dl_dtype_str(DLDataType d) {
  const char* kind = nullptr;
  switch (d.code) {
    case kDLInt: kind = "int"; break;
    case kDLUInt: kind = "uint"; break;
    case kDLFloat: kind = "float"; break;
    case kDLBfloat: kind = "bfloat"; break;
    case kDLComplex: kind = "complex"; break;
    case kDLBool: kind = "bool"; break;
    default: break;
  }
  std::string s = kind ? kind + std::to_string(int(d.bits))
                       : "type code " + std::to_string(int(d.code)) + " with " + std::to_string(int(d.bits)) + " bits";
  if (d.lanes != 1) s += "x" + std::to_string(int(d.lanes));
  return s;
}

// ----------------------------------------------------------------------------- export

namespace {

// What a capsule owns: the tensor (holding its storage alive), the shape and stride arrays the
// DLTensor points into, and the managed struct itself. One allocation; the deleter frees it.
template <typename Managed>
struct ExportContext {
  Tensor tensor;
  std::vector<int64_t> shape, strides;
  Managed managed{};
};

template <typename Managed>
void export_deleter(Managed* self) {
  // Called by the consumer, possibly from another thread and without the GIL: it only drops a
  // C++ reference (a storage imported from NumPy takes the GIL itself when it dies).
  delete static_cast<ExportContext<Managed>*>(self->manager_ctx);
}

template <typename Managed>
constexpr const char* capsule_name() {
  return std::is_same_v<Managed, DLManagedTensorVersioned> ? "dltensor_versioned" : "dltensor";
}

// An unconsumed capsule that dies still owns its tensor; a consumed one was renamed and its
// consumer calls the deleter.
template <typename Managed>
void capsule_destructor(PyObject* capsule) {
  if (!PyCapsule_IsValid(capsule, capsule_name<Managed>())) return;
  PyObject *type, *value, *traceback;
  PyErr_Fetch(&type, &value, &traceback);  // the deleter may run Python code (it must not see an error)
  auto* m = static_cast<Managed*>(PyCapsule_GetPointer(capsule, capsule_name<Managed>()));
  if (m && m->deleter) m->deleter(m);
  PyErr_Restore(type, value, traceback);
}

DLDevice dl_device_of(const Tensor& t) {
  Device d = t.device();
  if (d.is_cuda()) return DLDevice{kDLCUDA, d.index < 0 ? 0 : int32_t(d.index)};
  return DLDevice{kDLCPU, 0};
}

template <typename Managed>
PyObject* make_capsule(const Tensor& t, uint64_t flags) {
  auto* ctx = new ExportContext<Managed>{t, std::vector<int64_t>(t.sizes().begin(), t.sizes().end()),
                                         std::vector<int64_t>(t.strides().begin(), t.strides().end())};
  DLTensor& dl = ctx->managed.dl_tensor;
  // Data points at the first element (byte_offset 0, as PyTorch and NumPy export); an empty
  // tensor exports NULL, as the header asks.
  dl.data = t.numel() == 0 ? nullptr : t.data_ptr();
  dl.device = dl_device_of(t);
  dl.ndim = int32_t(t.dim());
  dl.dtype = DLDataType{dtype_interop(t.dtype()).dl_code, uint8_t(t.element_size() * 8), 1};
  dl.shape = ctx->shape.data();
  dl.strides = ctx->strides.data();  // in elements, like tensorgen's
  dl.byte_offset = 0;
  ctx->managed.manager_ctx = ctx;
  ctx->managed.deleter = export_deleter<Managed>;
  if constexpr (std::is_same_v<Managed, DLManagedTensorVersioned>) {
    ctx->managed.version = DLPackVersion{DLPACK_MAJOR_VERSION, DLPACK_MINOR_VERSION};
    ctx->managed.flags = flags;
  }
  PyObject* capsule = PyCapsule_New(&ctx->managed, capsule_name<Managed>(), capsule_destructor<Managed>);
  if (!capsule) {
    delete ctx;
    throw python_error();
  }
  return capsule;
}

}  // namespace

PyObject* to_dlpack(const Tensor& t, bool versioned, bool copied) {
  const bool read_only = t.storage()->read_only();
  if (!versioned) {
    if (read_only)
      buffer_error("[__dlpack__] cannot export a read-only tensor as a legacy (unversioned) DLPack capsule: only "
                   "DLPack >= 1.0 can mark it read-only; pass max_version=(1, 0) or export a copy (copy=True)");
    return make_capsule<DLManagedTensor>(t, 0);
  }
  uint64_t flags = (read_only ? DLPACK_FLAG_BITMASK_READ_ONLY : 0) | (copied ? DLPACK_FLAG_BITMASK_IS_COPIED : 0);
  return make_capsule<DLManagedTensorVersioned>(t, flags);
}

// ----------------------------------------------------------------------------- import

namespace {

// The storage's external deleter: hands the memory back to the producer when tensorgen's last
// view of it dies. DLPack producers' deleters may be called without the GIL from any thread (the
// spec asks Python producers to take it themselves). After interpreter shutdown a Python
// producer's deleter cannot run, so the memory is left to the process exit.
template <typename Managed>
void release_import(void* ctx) {
  if (!Py_IsInitialized()) return;
  auto* m = static_cast<Managed*>(ctx);
  if (m->deleter) m->deleter(m);
}

ScalarType scalar_type_from_dl(DLDataType d) {
  if (d.lanes == 1) {
    for (int i = 0; i < kNumScalarTypes; ++i) {
      auto st = static_cast<ScalarType>(i);
      if (dtype_interop(st).dl_code == d.code && element_size(st) * 8 == d.bits) return st;
    }
  }
  TG_CHECK_TYPE(false, "[from_dlpack] unsupported DLPack dtype ", dl_dtype_str(d),
                ": tensorgen supports bool, uint8, int8, int16, int32, int64, float16, bfloat16, float32 and float64 "
                "(complex and other dtypes have no tensorgen equivalent)");
  return ScalarType::Undefined;
}

Device device_from_dl(DLDevice d) {
  switch (d.device_type) {
    case kDLCPU:
    case kDLCUDAHost:  // pinned host memory: ordinary CPU memory to the CPU kernels
      return Device();
    case kDLCUDA:
      TG_CHECK(cuda::is_built(), "[from_dlpack] the DLPack tensor is on cuda:", d.device_id,
               ", but tensorgen was built without CUDA");
      TG_CHECK(d.device_id >= 0 && d.device_id <= INT8_MAX, "[from_dlpack] invalid CUDA device id ", d.device_id);
      return cuda::checked_device(Device(DeviceType::CUDA, int8_t(d.device_id)));
    default:
      buffer_error("[from_dlpack] unsupported DLPack device type " + std::to_string(int(d.device_type)) +
                   " (device id " + std::to_string(d.device_id) +
                   "): tensorgen reads CPU memory (kDLCPU, kDLCUDAHost) and CUDA memory (kDLCUDA)");
  }
}

// Checks every field before anything is taken over, so an invalid capsule is left untouched (its
// producer's capsule destructor frees it) and tensorgen never reads outside the described memory.
template <typename Managed>
Tensor import_managed(Managed* m, bool read_only) {
  const DLTensor& dl = m->dl_tensor;
  TG_CHECK_VALUE(dl.ndim >= 0 && dl.ndim <= 64, "[from_dlpack] invalid number of dimensions ", dl.ndim);
  TG_CHECK_VALUE(dl.ndim == 0 || dl.shape != nullptr, "[from_dlpack] the DLPack tensor has ", dl.ndim,
                 " dimensions but no shape");
  ScalarType dtype = scalar_type_from_dl(dl.dtype);
  Device device = device_from_dl(dl.device);
  DimVector sizes(IntArrayRef(dl.shape, size_t(dl.ndim)));
  const int64_t numel = checked_numel(sizes, "from_dlpack");
  // NULL strides: compact row-major (allowed by DLPack before 1.2). Strides of dims of size 1,
  // and all strides of an empty tensor, address nothing: they are replaced by contiguous ones
  // (other libraries export arbitrary values there).
  DimVector strides = contiguous_strides(sizes);
  int64_t last = 0;  // the largest element index the view reaches
  if (dl.strides != nullptr && numel > 0) {
    for (int32_t d = 0; d < dl.ndim; ++d) {
      if (sizes[d] == 1) continue;
      const int64_t s = dl.strides[d];
      if (s < 0)
        buffer_error("[from_dlpack] negative strides are not supported (dim " + std::to_string(d) + " has stride " +
                     std::to_string(s) + "); copy the array first");
      strides[d] = s;
      int64_t span;
      TG_CHECK_VALUE(!__builtin_mul_overflow(sizes[d] - 1, s, &span) && !__builtin_add_overflow(last, span, &last),
                     "[from_dlpack] the strides ", IntArrayRef(dl.strides, size_t(dl.ndim)), " of sizes ", sizes,
                     " overflow");
    }
  } else if (numel > 0) {
    last = numel - 1;
  }
  const size_t item = element_size(dtype);
  size_t nbytes = 0;
  TG_CHECK_VALUE(numel == 0 || !__builtin_mul_overflow(size_t(last) + 1, item, &nbytes),
                 "[from_dlpack] the tensor's byte size overflows");
  TG_CHECK_VALUE(numel == 0 || dl.data != nullptr, "[from_dlpack] the DLPack tensor of sizes ", sizes,
                 " has no data pointer");
  void* data = dl.data ? static_cast<char*>(dl.data) + dl.byte_offset : nullptr;
  // From here on the storage owns the managed tensor.
  auto storage = Storage::make(data, nbytes, device, release_import<Managed>, m);
  storage->set_read_only(read_only);
  return Tensor(intrusive_ptr<TensorImpl>::make(std::move(storage), dtype, sizes, strides, 0));
}

}  // namespace

Tensor from_dlpack(PyObject* capsule) {
  TG_CHECK_TYPE(PyCapsule_CheckExact(capsule), "[from_dlpack] expected an object with a __dlpack__ method or a "
                "DLPack capsule, got ", Py_TYPE(capsule)->tp_name);
  const char* name = PyCapsule_GetName(capsule);
  if (!name && PyErr_Occurred()) throw python_error();
  const std::string n = name ? name : "";
  TG_CHECK(n != "used_dltensor" && n != "used_dltensor_versioned", "[from_dlpack] the DLPack capsule was already "
           "consumed (a capsule can be consumed only once; call __dlpack__() again for a new one)");
  Tensor t;
  if (n == "dltensor_versioned") {
    auto* m = static_cast<DLManagedTensorVersioned*>(PyCapsule_GetPointer(capsule, name));
    if (!m) throw python_error();
    // Another major version may lay the struct out differently: only version and deleter are
    // known to be where this header says (the producer's capsule destructor frees it).
    if (m->version.major != DLPACK_MAJOR_VERSION)
      buffer_error("[from_dlpack] unsupported DLPack version " + std::to_string(m->version.major) + "." +
                   std::to_string(m->version.minor) + " (tensorgen reads major version " +
                   std::to_string(DLPACK_MAJOR_VERSION) + ")");
    t = import_managed(m, (m->flags & DLPACK_FLAG_BITMASK_READ_ONLY) != 0);
    PyCapsule_SetName(capsule, "used_dltensor_versioned");
  } else if (n == "dltensor") {
    auto* m = static_cast<DLManagedTensor*>(PyCapsule_GetPointer(capsule, name));
    if (!m) throw python_error();
    t = import_managed(m, false);
    PyCapsule_SetName(capsule, "used_dltensor");
  } else {
    TG_CHECK_TYPE(false, "[from_dlpack] expected a DLPack capsule named 'dltensor' or 'dltensor_versioned', got a "
                  "capsule named '", n, "'");
  }
  return t;
}

}  // namespace tg::python

// ----------------------------------------------------------------------------- bindings

namespace tg::python {

namespace py = pybind11;

static const Tensor& tensor_arg(py::handle obj, const char* op) {
  TG_CHECK_TYPE(is_tensor(obj.ptr()), "[", op, "] expected a Tensor, got ", Py_TYPE(obj.ptr())->tp_name);
  return unpack_tensor(obj.ptr());
}

// The C half of python/tensorgen/_interop.py.
void init_interop_bindings(py::module_& m) {
  m.attr("_dlpack_version") = py::make_tuple(DLPACK_MAJOR_VERSION, DLPACK_MINOR_VERSION);
  m.def("_to_dlpack", [](py::handle t, bool versioned, bool copied) {
    return py::reinterpret_steal<py::object>(to_dlpack(tensor_arg(t, "__dlpack__"), versioned, copied));
  });
  m.def("_from_dlpack", [](py::handle capsule) {
    return py::reinterpret_steal<py::object>(wrap(from_dlpack(capsule.ptr())));
  });
  m.def("_numpy_typestr", [](py::handle dtype) -> py::object {
    TG_CHECK_TYPE(is_dtype(dtype.ptr()), "[_numpy_typestr] expected a tensorgen.dtype");
    const char* s = numpy_typestr(unpack_dtype(dtype.ptr()));
    return s ? py::object(py::str(s)) : py::object(py::none());
  });
  m.def("_is_read_only", [](py::handle t) { return tensor_arg(t, "_is_read_only").storage()->read_only(); });
}

}  // namespace tg::python
