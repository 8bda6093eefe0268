// Bindings behind tensorgen/_compat.py (PyTorch-compatible helpers): the default dtype,
// promote_types / can_cast / result_type with the same rules the ops use, and the build
// configuration for show_config(). The configuration strings come from CMake
// (CMakeLists.txt sets TENSORGEN_BUILD_* on this source file only, so changing them rebuilds one
// object).
#include <pybind11/pybind11.h>

#include <string>
#include <vector>

#include "aten/core/DefaultDtype.h"
#include "aten/core/Tensor.h"
#include "aten/iter/TensorIterator.h"
#include "csrc/python/binding_utils.h"
#include "csrc/python/python_types.h"

#ifndef TENSORGEN_BUILD_TYPE
#define TENSORGEN_BUILD_TYPE "unknown"
#endif
#ifndef TENSORGEN_BUILD_COMPILER
#define TENSORGEN_BUILD_COMPILER "unknown"
#endif
#ifndef TENSORGEN_BUILD_CPU_CAPABILITIES
#define TENSORGEN_BUILD_CPU_CAPABILITIES "default"
#endif
#ifndef TENSORGEN_BUILD_CUDA_ARCHITECTURES
#define TENSORGEN_BUILD_CUDA_ARCHITECTURES ""
#endif

namespace py = pybind11;

namespace tg::python {

namespace {
ScalarType dtype_arg(py::handle o, const char* op, const char* name) {
  TG_CHECK_TYPE(is_dtype(o.ptr()), "[", op, "] argument '", name, "' must be tensorgen.dtype, not ",
                Py_TYPE(o.ptr())->tp_name);
  return unpack_dtype(o.ptr());
}
py::object dtype_obj(ScalarType t) { return py::reinterpret_steal<py::object>(wrap_dtype(t)); }
}  // namespace

void init_compat_bindings(py::module_& m) {
  m.def("_get_default_dtype", []() { return dtype_obj(default_float_dtype()); });
  m.def("_set_default_dtype", [](py::handle d) { set_default_float_dtype(dtype_arg(d, "set_default_dtype", "d")); });
  m.def("_promote_types", [](py::handle a, py::handle b) {
    return dtype_obj(promote_types(dtype_arg(a, "promote_types", "type1"), dtype_arg(b, "promote_types", "type2")));
  });
  m.def("_can_cast", [](py::handle from, py::handle to) {
    return can_cast(dtype_arg(from, "can_cast", "from_"), dtype_arg(to, "can_cast", "to"));
  });
  // The dtype an op over these operands computes in (Python numbers arrive as wrapped 0-d
  // tensors from tensorgen._C._wrap_number): the TensorIterator's own rule.
  m.def("_result_type", [](py::handle a, py::handle b) {
    TG_CHECK_TYPE(is_tensor(a.ptr()) && is_tensor(b.ptr()), "[result_type] expected tensors");
    return dtype_obj(result_type({unpack_tensor(a.ptr()), unpack_tensor(b.ptr())}));
  });
  m.def("_build_config", []() {
    py::dict d;
    d["build_type"] = TENSORGEN_BUILD_TYPE;
    d["compiler"] = TENSORGEN_BUILD_COMPILER;
    d["cpu_capabilities"] = TENSORGEN_BUILD_CPU_CAPABILITIES;
#ifdef TENSORGEN_CUDA
    d["cuda"] = true;
#else
    d["cuda"] = false;
#endif
    d["cuda_architectures"] = TENSORGEN_BUILD_CUDA_ARCHITECTURES;
#ifdef _OPENMP
    d["openmp"] = int(_OPENMP);  // the OpenMP version date, e.g. 201511
#else
    d["openmp"] = py::none();
#endif
    return d;
  });
}

}  // namespace tg::python
