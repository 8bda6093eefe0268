// tensorgen._C: module init. Registers every generated op, builds the TensorBase type from the
// hand-written methods in tensor_methods.cpp plus the generated ones, and adds the few module
// functions that are not operators (NumPy interop, seeding, the op metadata JSON).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <vector>

#include "aten/core/CPUAllocator.h"
#include "aten/core/CacheSize.h"
#include "aten/core/Generator.h"
#include "aten/parallel/Parallel.h"
#include "aten/parallel/WakeCost.h"
#include "aten/dispatch/Backend.h"
#include "aten/dispatch/CpuCapability.h"
#include "csrc/python/binding_utils.h"

namespace py = pybind11;

namespace tg::python {
bool init_types(PyObject* module, PyMethodDef* tensor_methods, PyGetSetDef* tensor_getset);
void set_tensor_class(PyObject* cls);
void set_device_class(PyObject* cls);
void set_size_class(PyObject* cls);
void collect_generated_bindings(std::vector<PyMethodDef>& functions, std::vector<PyMethodDef>& methods);
extern const char kOpMetadataJson[];
extern PyMethodDef tensor_base_methods[];
extern PyGetSetDef tensor_base_getset[];
extern PyMethodDef autograd_tensor_methods[];
extern PyGetSetDef autograd_tensor_getset[];
void init_autograd_bindings(py::module_& m);
void init_cuda_bindings(py::module_& m);
void init_generator_bindings(py::module_& m);
void init_interop_bindings(py::module_& m);  // dlpack.cpp: DLPack, NumPy type strings
void init_compat_bindings(py::module_& m);  // compat_bindings.cpp (tensorgen/_compat.py)
Tensor tensor_from_numpy(py::array a);
}  // namespace tg::python

// Lets pybind11 functions take and return tg::Tensor as tensorgen.Tensor objects.
namespace pybind11::detail {
template <>
struct type_caster<tg::Tensor> {
  PYBIND11_TYPE_CASTER(tg::Tensor, const_name("Tensor"));
  bool load(handle src, bool) {
    if (!tg::python::is_tensor(src.ptr())) return false;
    value = tg::python::unpack_tensor(src.ptr());
    return true;
  }
  static handle cast(const tg::Tensor& t, return_value_policy, handle) { return tg::python::wrap(t); }
};
}  // namespace pybind11::detail

PYBIND11_MODULE(_C, m) {
  using namespace tg::python;
  // tg::Error thrown inside pybind11-bound functions maps like in generated bindings.
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const python_error&) {
      // the Python error is already set
    } catch (const tg::Error&) {
      set_python_error();
    }
  });

  tg::register_all_ops();

  // PyMethodDef arrays must outlive the type and module: keep them in static storage.
  static std::vector<PyMethodDef> functions, methods;
  static std::vector<PyGetSetDef> getset;
  collect_generated_bindings(functions, methods);
  for (PyMethodDef* defs : {tensor_base_methods, autograd_tensor_methods})
    for (PyMethodDef* d = defs; d->ml_name; ++d) methods.push_back(*d);
  methods.push_back(PyMethodDef{nullptr, nullptr, 0, nullptr});
  for (PyGetSetDef* defs : {tensor_base_getset, autograd_tensor_getset})
    for (PyGetSetDef* d = defs; d->name; ++d) getset.push_back(*d);
  getset.push_back(PyGetSetDef{nullptr, nullptr, nullptr, nullptr, nullptr});
  if (!init_types(m.ptr(), methods.data(), getset.data())) throw py::error_already_set();
  init_autograd_bindings(m);
  init_cuda_bindings(m);
  for (PyMethodDef& d : functions) {
    PyObject* f = PyCFunction_NewEx(&d, nullptr, m.ptr());
    if (!f || PyModule_AddObject(m.ptr(), d.ml_name, f) < 0) throw py::error_already_set();
  }
  m.attr("_op_metadata_json") = py::str(kOpMetadataJson);

  m.def("_set_tensor_class", [](py::object cls) { set_tensor_class(cls.ptr()); });
  m.def("_set_device_class", [](py::object cls) { set_device_class(cls.ptr()); });
  m.def("_set_size_class", [](py::object cls) { set_size_class(cls.ptr()); });
  m.def("_wrap_number", [](py::object x) -> tg::Tensor {
    TG_CHECK_TYPE(is_number(x.ptr()), "[_wrap_number] expected a Python number, got ", Py_TYPE(x.ptr())->tp_name);
    return tg::wrapped_scalar_tensor(unpack_number(x.ptr()));
  });
  m.def("from_numpy", &tensor_from_numpy, py::arg("ndarray"),
        "A tensor sharing memory with a NumPy array (writes are visible both ways).");
  m.def("manual_seed", [](int64_t seed) { tg::default_generator()->manual_seed(uint64_t(seed)); }, py::arg("seed"));
  init_generator_bindings(m);
  init_interop_bindings(m);
  init_compat_bindings(m);
  m.def("set_num_threads", &tg::set_num_threads, py::arg("num_threads"),
        "Sets the number of threads kernels split their work across (OpenMP).");
  m.def("get_num_threads", &tg::get_num_threads);
  m.def("_thread_wake_factor", &tg::thread_wake_factor,
        "A sleeping thread's wake-up cost in microseconds, the factor on memory-bound grains (aten/parallel/WakeCost.h).");
  m.def("_wake_us_from_samples", [](const std::vector<std::pair<double, bool>>& samples, size_t warmup) {
    std::vector<tg::WakeSample> converted;
    for (const auto& [us, one_cpu] : samples) converted.push_back({us, one_cpu});
    return tg::wake_us_from_samples(converted, warmup);
  }, py::arg("samples"), py::arg("warmup"),
        "The statistic thread_wake_factor takes of its timed regions ((us, both threads on one CPU) pairs).");
  m.def("_next_wake_estimate", &tg::next_wake_estimate, py::arg("estimate_us"), py::arg("split_cost_us"),
        "The wake estimate after one split region that cost split_cost_us beyond its longest chunk.");
  m.def("_wake_estimate_us", []() { return tg::thread_wake_estimate_us(); },
        "The running estimate behind _thread_wake_factor, unrounded (< 0 before the first measurement).");
  m.def("_set_thread_wake_factor", &tg::set_thread_wake_factor, py::arg("factor"),
        "Pins the factor (0: the measured one). Returns the previous pin (0: none).");
  m.def("_cpu_capability", []() { return tg::cpu_capability_name(tg::cpu_capability()); });
  m.def("_cpu_best_capability", []() { return tg::cpu_capability_name(tg::cpu_best_capability()); });
  m.def("_cpu_capability_warning", []() { return tg::cpu_capability_warning(); });
  m.def("_last_level_cache_bytes", &tg::last_level_cache_bytes);
  m.def("_l2_cache_bytes", &tg::l2_cache_bytes);
  m.def("_wake_scaled_grain", [](int64_t grain, int64_t working_set_bytes) {
    return tg::wake_scaled(grain, working_set_bytes);
  }, py::arg("grain"), py::arg("working_set_bytes"),
        "The grain a TensorIterator loop of this working set splits at under the wake factor (WakeCost.h).");
  m.def("_set_stream_store_min_bytes", &tg::set_stream_store_min_bytes, py::arg("bytes"),
        "Outputs of at least this many bytes, moved with at least as many input bytes, are written with "
        "non-temporal stores (by default the last-level cache's size; negative restores that). Returns the "
        "previous value.");
  m.def("_streams_output_bytes", &tg::streams_output_bytes, py::arg("out_bytes"),
        "Whether an output of out_bytes is streamed (CacheSize.h).");
  m.def("cpu_memory_stats", []() {
    tg::CPUMemoryStats s = tg::cpu_memory_stats();
    py::dict d;
    d["allocated_bytes"] = s.allocated_bytes;
    d["cached_bytes"] = s.cached_bytes;
    d["peak_allocated_bytes"] = s.peak_allocated_bytes;
    d["cache_hits"] = s.cache_hits;
    d["cache_misses"] = s.cache_misses;
    return d;
  }, "Bytes held by live CPU tensors and by the allocator's cache, and cache hit/miss counts.");
  m.def("cpu_empty_cache", &tg::cpu_empty_cache, "Returns the CPU allocator's cached blocks to the system.");
  m.def("_cpu_set_cache_enabled", &tg::cpu_set_cache_enabled);
  m.def("initial_seed", []() { return tg::default_generator()->initial_seed(); });
  m.def("_get_rng_state", []() {
    auto& g = tg::default_generator();
    return py::make_tuple(g->seed(), g->offset());
  });
  m.def("_set_rng_state", [](uint64_t seed, uint64_t offset) {
    auto& g = tg::default_generator();
    g->manual_seed(seed);
    g->set_offset(offset);
  });
}
