// The Python buffer protocol of TensorBase: memoryview(x), np.asarray(x), bytes(x), struct and
// array consumers read a CPU tensor's memory in place. The exported view holds a reference to the
// tensor object (view->obj), so the memory stays alive while any memoryview of it exists.
#include <Python.h>

#include <new>
#include <string>
#include <vector>

#include "csrc/python/binding_utils.h"
#include "csrc/python/dlpack.h"

namespace tg::python {

namespace {

// Shape, strides (in bytes) and the format string, owned by one exported view (view->internal).
struct BufferInfo {
  std::vector<Py_ssize_t> shape, strides;
  char format[2];
};

bool is_f_contiguous(const Tensor& t) {
  if (t.numel() == 0) return true;
  int64_t expected = 1;
  for (int64_t d = 0; d < t.dim(); ++d) {
    if (t.size(d) == 1) continue;
    if (t.stride(d) != expected) return false;
    expected *= t.size(d);
  }
  return true;
}

int fail(const std::string& msg) {
  PyErr_SetString(PyExc_BufferError, msg.c_str());
  return -1;
}

int tensor_getbuffer(PyObject* self, Py_buffer* view, int flags) {
  view->obj = nullptr;
  const Tensor& t = unpack_tensor(self);
  if (!t.device().is_cpu())
    return fail("[memoryview] can't export a " + t.device().str() + " tensor through the buffer protocol: it "
                "reaches host memory only (use Tensor.cpu() first, or __cuda_array_interface__ / DLPack)");
  // Like Tensor.numpy(): the memory view would bypass autograd.
  if (t.requires_grad())
    return fail("[memoryview] can't export a tensor that requires grad; use tensor.detach()");
  const char fmt = dtype_interop(t.dtype()).buffer_format;
  if (fmt == 0)
    return fail(std::string("[memoryview] ") + to_string(t.dtype()) + " has no buffer-protocol format; convert "
                "with .float() first");
  const bool read_only = t.storage()->read_only();
  if ((flags & PyBUF_WRITABLE) && read_only)
    return fail("[memoryview] the tensor is read-only (imported from read-only memory); a writable buffer was "
                "requested");
  const bool c_contig = t.is_contiguous();
  // The buffer protocol's contiguity requests: a consumer that cannot take strides gets a
  // contiguous tensor only (tensorgen never copies behind a buffer request).
  if ((flags & PyBUF_C_CONTIGUOUS) == PyBUF_C_CONTIGUOUS && !c_contig)
    return fail("[memoryview] a C-contiguous buffer was requested but the tensor is not contiguous; call "
                ".contiguous() first");
  if ((flags & PyBUF_F_CONTIGUOUS) == PyBUF_F_CONTIGUOUS && !is_f_contiguous(t))
    return fail("[memoryview] a Fortran-contiguous buffer was requested but the tensor is not");
  if ((flags & PyBUF_ANY_CONTIGUOUS) == PyBUF_ANY_CONTIGUOUS && !c_contig && !is_f_contiguous(t))
    return fail("[memoryview] a contiguous buffer was requested but the tensor is not contiguous");
  if ((flags & PyBUF_STRIDES) != PyBUF_STRIDES && !c_contig)
    return fail("[memoryview] the consumer cannot take strides but the tensor is not contiguous; call "
                ".contiguous() first");

  auto* info = new (std::nothrow) BufferInfo;
  if (!info) {
    PyErr_NoMemory();
    return -1;
  }
  const auto item = Py_ssize_t(t.element_size());
  for (int64_t d = 0; d < t.dim(); ++d) {
    info->shape.push_back(Py_ssize_t(t.size(d)));
    info->strides.push_back(Py_ssize_t(t.stride(d)) * item);
  }
  info->format[0] = fmt;
  info->format[1] = '\0';

  view->buf = t.data_ptr();
  view->obj = self;
  Py_INCREF(self);
  view->len = Py_ssize_t(t.numel()) * item;
  view->itemsize = item;
  view->readonly = read_only ? 1 : 0;
  // Without PyBUF_ND the consumer sees len bytes of one dimension (PyBuffer_FillInfo's convention).
  view->ndim = (flags & PyBUF_ND) ? int(t.dim()) : 1;
  view->format = (flags & PyBUF_FORMAT) ? info->format : nullptr;
  // A 0-d tensor is a scalar: shape and strides must be NULL (Python's buffer rules).
  view->shape = (flags & PyBUF_ND) && t.dim() > 0 ? info->shape.data() : nullptr;
  view->strides = (flags & PyBUF_STRIDES) == PyBUF_STRIDES && t.dim() > 0 ? info->strides.data() : nullptr;
  view->suboffsets = nullptr;
  view->internal = info;
  return 0;
}

void tensor_releasebuffer(PyObject*, Py_buffer* view) { delete static_cast<BufferInfo*>(view->internal); }

}  // namespace

PyBufferProcs tensor_buffer_procs = {tensor_getbuffer, tensor_releasebuffer};

}  // namespace tg::python
