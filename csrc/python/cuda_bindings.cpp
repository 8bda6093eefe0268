// tensorgen._C's CUDA functions (tensorgen.cuda wraps them) and device transfers. They exist in
// every build; without CUDA they report that CUDA is unavailable (aten/cuda/CUDAHooks.h).
#include <pybind11/pybind11.h>

#include "aten/cuda/CUDAHooks.h"
#include "aten/native/Copy.h"
#include "csrc/python/binding_utils.h"
#include "csrc/python/python_types.h"

namespace py = pybind11;

namespace tg::python {

void init_cuda_bindings(py::module_& m) {
  tg::cuda::init();
  m.def("_cuda_is_built", &tg::cuda::is_built);
  m.def("_cuda_device_count", &tg::cuda::device_count);
  m.def("_cuda_synchronize", []() {
    py::gil_scoped_release no_gil;
    tg::cuda::synchronize();
  });
  m.def("_cuda_memory_stats", []() {
    tg::cuda::MemoryStats s = tg::cuda::memory_stats();
    py::dict d;
    d["allocated_bytes"] = s.allocated_bytes;
    d["reserved_bytes"] = s.reserved_bytes;
    d["peak_allocated_bytes"] = s.peak_allocated_bytes;
    return d;
  });
  m.def("_cuda_empty_cache", &tg::cuda::empty_cache);
  // x.to(device, dtype, copy=...) without autograd (tensorgen.Tensor.to adds the gradient).
  m.def("_to_device", [](py::handle self, py::handle device, py::handle dtype, bool copy) {
    const Tensor& t = unpack_tensor(self.ptr());
    Device d = unpack_device(device.ptr());
    ScalarType dt = dtype.is_none() ? t.dtype() : unpack_dtype(dtype.ptr());
    Tensor out;
    {
      py::gil_scoped_release no_gil;
      out = tg::native::to_device(t, d, dt, copy);
    }
    return py::reinterpret_steal<py::object>(wrap(out));
  });
}

}  // namespace tg::python
