// tg.Generator (torch.Generator's API): manual_seed returns the generator, seed() draws a fresh
// nondeterministic seed, initial_seed(), get_state()/set_state() as a 16-byte uint8 tensor
// (seed, offset: little-endian uint64 each), device. The state is Philox's (seed, offset), so the
// same seed gives the same numbers on the CPU and CUDA backends.
#include "csrc/python/generator.h"

#include <pybind11/pybind11.h>

#include <cstring>
#include <random>

#include "aten/core/Error.h"
#include "aten/core/Tensor.h"
#include "csrc/python/binding_utils.h"
#include "csrc/python/python_types.h"
#include "ops/empty.h"

namespace py = pybind11;

namespace tg::python {
namespace {

struct PyGenerator {
  Generator gen = Generator::make();
  std::string device = "cpu";
};

uint64_t seed_from(py::handle seed) {
  // torch takes any int in [-2^63, 2^64): negative seeds wrap like a C cast to uint64.
  TG_CHECK_TYPE(PyLong_Check(seed.ptr()) && !PyBool_Check(seed.ptr()), "[manual_seed] seed must be an int, got ",
                Py_TYPE(seed.ptr())->tp_name);
  unsigned long long v = PyLong_AsUnsignedLongLongMask(seed.ptr());
  if (v == static_cast<unsigned long long>(-1) && PyErr_Occurred()) throw py::error_already_set();
  return uint64_t(v);
}

// The state as torch shows it: a uint8 tensor (here 16 bytes: seed, then offset).
py::object state_tensor(GeneratorImpl& g) {
  Tensor t = tg::empty({16}, ScalarType::UInt8);
  uint64_t words[2] = {g.seed(), g.offset()};
  std::memcpy(t.data_ptr(), words, sizeof(words));
  return py::reinterpret_steal<py::object>(wrap(std::move(t)));
}

void set_state_from(GeneratorImpl& g, py::handle state) {
  TG_CHECK_TYPE(is_tensor(state.ptr()), "[set_state] expected a tensor, got ", Py_TYPE(state.ptr())->tp_name);
  const Tensor& t = unpack_tensor(state.ptr());
  TG_CHECK_TYPE(t.defined() && t.scalar_type() == ScalarType::UInt8 && t.numel() == 16 && t.is_contiguous() &&
                    t.device().is_cpu(),
                "[set_state] expected the 16-byte uint8 CPU tensor get_state() returns");
  uint64_t words[2];
  std::memcpy(words, t.data_ptr(), sizeof(words));
  g.manual_seed(words[0]);
  g.set_offset(words[1]);
}

uint64_t fresh_seed() {
  std::random_device rd;
  return (uint64_t(rd()) << 32) ^ uint64_t(rd());
}

}  // namespace

bool is_generator(PyObject* obj) { return py::isinstance<PyGenerator>(py::handle(obj)); }

Generator unpack_generator(PyObject* obj) { return py::handle(obj).cast<PyGenerator&>().gen; }

void init_generator_bindings(py::module_& m) {
  py::class_<PyGenerator>(m, "Generator")
      .def(py::init([](py::object device) {
             PyGenerator g;
             std::string d = device.is_none() ? std::string("cpu") : std::string(py::str(device));
             TG_CHECK_VALUE(d == "cpu" || d.rfind("cuda", 0) == 0,
                            "[Generator] device must be 'cpu' or 'cuda', got '", d, "'");
             g.device = d;
             return g;
           }),
           py::arg("device") = py::none())
      .def("manual_seed", [](py::object self, py::handle seed) {
             self.cast<PyGenerator&>().gen->manual_seed(seed_from(seed));
             return self;
           }, py::arg("seed"), "Sets the seed (and restarts the stream); returns the generator.")
      .def("seed", [](PyGenerator& g) {
             uint64_t s = fresh_seed();
             g.gen->manual_seed(s);
             return s;
           }, "Seeds from a nondeterministic source and returns the seed.")
      .def("initial_seed", [](const PyGenerator& g) { return g.gen->initial_seed(); })
      .def("get_state", [](const PyGenerator& g) { return state_tensor(*g.gen); })
      .def("set_state", [](py::object self, py::handle state) {
             set_state_from(*self.cast<PyGenerator&>().gen, state);
             return self;
           }, py::arg("new_state"))
      .def_property_readonly("_device_str", [](const PyGenerator& g) { return g.device; });
  // The generator ops use when none is passed (tg.manual_seed seeds it).
  m.attr("default_generator") = py::cast(PyGenerator{default_generator(), "cpu"});
  m.def("get_rng_state", []() { return state_tensor(*default_generator()); });
  m.def("set_rng_state", [](py::handle state) { set_state_from(*default_generator(), state); }, py::arg("new_state"));
  m.def("seed", []() {
    uint64_t s = fresh_seed();
    default_generator()->manual_seed(s);
    return s;
  }, "Seeds the default generator from a nondeterministic source and returns the seed.");
}

}  // namespace tg::python
