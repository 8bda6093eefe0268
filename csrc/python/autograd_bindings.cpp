// Python face of autograd: Tensor.requires_grad / grad / grad_fn / is_leaf, backward and
// autograd.grad (run with the GIL released), hooks, grad mode, and the node type behind
// grad_fn. Custom Python Functions become PyNode graph nodes whose backward calls back into Python.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "aten/core/GradMode.h"
#include "csrc/autograd/engine.h"
#include "csrc/autograd/node.h"
#include "csrc/autograd/saved_variable.h"
#include "csrc/python/binding_utils.h"

namespace py = pybind11;
using tg::autograd::AutogradMeta;
using tg::autograd::Node;
using tg::autograd::variable_list;

namespace tg::python {

// ----------------------------------------------------------------------------- grad_fn objects

struct NodeObject {
  PyObject_HEAD
  std::shared_ptr<Node> node;
};

static PyObject* wrap_node(const std::shared_ptr<Node>& node);

static void node_dealloc(PyObject* self) {
  reinterpret_cast<NodeObject*>(self)->node.~shared_ptr<Node>();
  Py_TYPE(self)->tp_free(self);
}
static PyObject* node_name(PyObject* self, PyObject*) {
  return PyUnicode_FromString(reinterpret_cast<NodeObject*>(self)->node->name());
}
static PyObject* node_repr(PyObject* self) {
  auto* n = reinterpret_cast<NodeObject*>(self)->node.get();
  return PyUnicode_FromFormat("<%s object at %p>", n->name(), static_cast<void*>(n));
}
static PyObject* node_next_functions(PyObject* self, void*) {
  TG_PY_BEGIN
  const auto& edges = reinterpret_cast<NodeObject*>(self)->node->next_edges;
  PyObject* t = PyTuple_New(Py_ssize_t(edges.size()));
  for (size_t i = 0; i < edges.size(); ++i) {
    PyObject* fn = edges[i].valid() ? wrap_node(edges[i].function) : incref(Py_None);
    PyTuple_SET_ITEM(t, i, Py_BuildValue("(NI)", fn, edges[i].input_nr));
  }
  return t;
  TG_PY_END(nullptr)
}
static PyObject* node_variable(PyObject* self, void*) {
  auto* acc = dynamic_cast<tg::autograd::AccumulateGrad*>(reinterpret_cast<NodeObject*>(self)->node.get());
  if (!acc) {
    PyErr_SetString(PyExc_AttributeError, "only AccumulateGrad nodes have a 'variable'");
    return nullptr;
  }
  return wrap_tensor(acc->variable);
}
static PyObject* node_richcompare(PyObject* a, PyObject* b, int op) {
  if (Py_TYPE(b) != Py_TYPE(a) || (op != Py_EQ && op != Py_NE)) Py_RETURN_NOTIMPLEMENTED;
  bool same = reinterpret_cast<NodeObject*>(a)->node == reinterpret_cast<NodeObject*>(b)->node;
  return wrap(op == Py_EQ ? same : !same);
}
static Py_hash_t node_hash(PyObject* self) {
  return Py_hash_t(reinterpret_cast<uintptr_t>(reinterpret_cast<NodeObject*>(self)->node.get()) >> 4);
}

static PyMethodDef node_methods[] = {{"name", node_name, METH_NOARGS, nullptr}, {nullptr, nullptr, 0, nullptr}};
static PyGetSetDef node_getset[] = {{"next_functions", node_next_functions, nullptr, nullptr, nullptr},
                                    {"variable", node_variable, nullptr, nullptr, nullptr},
                                    {nullptr, nullptr, nullptr, nullptr, nullptr}};
static PyTypeObject node_type = [] {
  PyTypeObject t{PyVarObject_HEAD_INIT(nullptr, 0)};
  t.tp_name = "tensorgen._C._Node";
  t.tp_basicsize = sizeof(NodeObject);
  t.tp_flags = Py_TPFLAGS_DEFAULT;
  t.tp_dealloc = node_dealloc;
  t.tp_repr = node_repr;
  t.tp_methods = node_methods;
  t.tp_getset = node_getset;
  t.tp_richcompare = node_richcompare;
  t.tp_hash = node_hash;
  return t;
}();

static PyObject* wrap_node(const std::shared_ptr<Node>& node) {
  auto* o = PyObject_New(NodeObject, &node_type);
  if (!o) return nullptr;
  new (&o->node) std::shared_ptr<Node>(node);
  return reinterpret_cast<PyObject*>(o);
}

// ----------------------------------------------------------------------------- Python callables

// Holds a Python object from C++ code that may run without the GIL (engine threads, hooks).
struct PyRef {
  PyObject* obj;
  explicit PyRef(PyObject* o) : obj(o) { Py_INCREF(o); }
  ~PyRef() {
    if (!Py_IsInitialized()) return;
    PyGILState_STATE s = PyGILState_Ensure();
    Py_DECREF(obj);
    PyGILState_Release(s);
  }
};

static PyObject* tensor_or_none(const Tensor& t) { return t.defined() ? wrap_tensor(t) : incref(Py_None); }

// A Python exception raised inside the engine (custom Function backward, tensor hook). It
// crosses the C++ engine as an Error carrying the message, and _run_backward/_run_grad
// re-raise the original exception object, so `except ValueError` around backward() works as
// in PyTorch. Must be created with the GIL held and the Python error set.
struct PythonEngineError : Error {
  std::shared_ptr<PyRef> exc;  // the normalized exception instance
  PythonEngineError(const std::string& where, std::shared_ptr<PyRef> e, const std::string& msg)
      : Error(ErrorKind::Runtime, "[" + where + "] " + msg), exc(std::move(e)) {}
};

[[noreturn]] static void throw_fetched_python_error(const std::string& where, const char* fallback) {
  PyObject *type, *value, *tb;
  PyErr_Fetch(&type, &value, &tb);
  PyErr_NormalizeException(&type, &value, &tb);
  if (value && tb) PyException_SetTraceback(value, tb);
  PyObject* str = value ? PyObject_Str(value) : nullptr;
  const char* text = str ? PyUnicode_AsUTF8(str) : nullptr;
  std::string msg = text ? text : fallback;
  if (!text) PyErr_Clear();
  Py_XDECREF(str);
  std::shared_ptr<PyRef> ref = value ? std::make_shared<PyRef>(value) : nullptr;
  Py_XDECREF(type);
  Py_XDECREF(value);
  Py_XDECREF(tb);
  throw PythonEngineError(where, std::move(ref), msg);
}

// Runs the engine with the GIL released; a PythonEngineError comes back as its exception.
template <typename F>
static auto run_engine(F&& f) -> decltype(f()) {
  try {
    GilRelease no_gil;
    return f();
  } catch (const PythonEngineError& e) {
    if (!e.exc) throw;
    PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(e.exc->obj)), e.exc->obj);
    throw py::error_already_set();
  }
}

// A node whose backward is a Python callable: (grad_outputs...) -> grad per input. With saved
// tensors (ctx.save_for_backward) it is called as (saved_tuple, grad_outputs...): the tensors are
// held here as SavedVariables, so they get the version check ("modified by an inplace
// operation"), are freed after a backward without retain_graph, and saved outputs do not keep
// their own grad_fn alive (no reference cycle through Python).
struct PyNode final : Node {
  PyNode(PyObject* backward, std::string name) : backward_(std::make_shared<PyRef>(backward)), name_(std::move(name)) {}
  const char* name() const override { return name_.c_str(); }
  void release_variables() override {
    for (auto& v : saved_) v.reset();
  }
  variable_list apply(variable_list&& grads) override {
    variable_list saved;
    if (has_saved_) {
      auto self = shared_from_this();
      for (const auto& v : saved_) saved.push_back(v.unpack(self));  // may throw: before taking the GIL
    }
    PyGILState_STATE s = PyGILState_Ensure();
    variable_list out;
    try {
      const size_t off = has_saved_ ? 1 : 0;
      PyObject* args = PyTuple_New(Py_ssize_t(grads.size() + off));
      if (has_saved_) {
        PyObject* st = PyTuple_New(Py_ssize_t(saved.size()));
        for (size_t i = 0; i < saved.size(); ++i) PyTuple_SET_ITEM(st, i, tensor_or_none(saved[i]));
        PyTuple_SET_ITEM(args, 0, st);
      }
      for (size_t i = 0; i < grads.size(); ++i) PyTuple_SET_ITEM(args, i + off, tensor_or_none(grads[i]));
      PyObject* r = PyObject_Call(backward_->obj, args, nullptr);
      Py_DECREF(args);
      if (!r) throw python_error();
      PyObject* seq = PySequence_Fast(r, "backward must return a tuple of tensors or None");
      Py_DECREF(r);
      if (!seq) throw python_error();
      Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
      for (Py_ssize_t i = 0; i < n; ++i) {
        PyObject* item = PySequence_Fast_GET_ITEM(seq, i);
        out.push_back(is_tensor(item) ? unpack_tensor(item) : Tensor());
      }
      Py_DECREF(seq);
    } catch (const python_error&) {
      // Carry the Python exception across the engine (re-raised by run_engine).
      try {
        throw_fetched_python_error(name_, "error in custom Function backward");
      } catch (...) {
        PyGILState_Release(s);
        throw;
      }
    }
    PyGILState_Release(s);
    TG_CHECK(out.size() == next_edges.size(), "[", name_, "] backward returned ", out.size(),
             " gradients, but the forward had ", next_edges.size(), " inputs");
    return out;
  }
  std::shared_ptr<PyRef> backward_;
  std::string name_;
  std::vector<tg::autograd::SavedVariable> saved_;
  bool has_saved_ = false;
};

// ----------------------------------------------------------------------------- Tensor attributes

void set_requires_grad(const Tensor& t) { tg::autograd::set_requires_grad(t, true); }

static PyObject* p_requires_grad(PyObject* self, void*) { return wrap(unpack_tensor(self).requires_grad()); }
static int set_requires_grad(PyObject* self, PyObject* value, void*) {
  TG_PY_BEGIN
  TG_CHECK_TYPE(value && PyBool_Check(value), "[requires_grad] must be a bool");
  tg::autograd::set_requires_grad(unpack_tensor(self), value == Py_True);
  return 0;
  TG_PY_END(-1)
}
static PyObject* p_grad(PyObject* self, void*) {
  AutogradMeta* m = tg::autograd::get_meta(unpack_tensor(self));
  return tensor_or_none(m ? m->grad : Tensor());
}
static int set_grad(PyObject* self, PyObject* value, void*) {
  TG_PY_BEGIN
  const Tensor& t = unpack_tensor(self);
  if (!value || value == Py_None) {
    if (auto* m = tg::autograd::get_meta(t)) m->grad = Tensor();
    return 0;
  }
  TG_CHECK_TYPE(is_tensor(value), "[grad] assigned grad must be a Tensor or None");
  const Tensor& g = unpack_tensor(value);
  TG_CHECK(g.sizes().equals(t.sizes()), "[grad] assigned grad has data of a different size: ", g.sizes(), " vs ",
           t.sizes());
  TG_CHECK(g.dtype() == t.dtype(), "[grad] assigned grad has data of a different type: ", g.dtype(), " vs ",
           t.dtype());
  tg::autograd::ensure_meta(t).grad = g;
  return 0;
  TG_PY_END(-1)
}
static PyObject* p_grad_fn(PyObject* self, void*) {
  AutogradMeta* m = tg::autograd::get_meta(unpack_tensor(self));
  if (!m || !m->grad_fn) Py_RETURN_NONE;
  return wrap_node(m->grad_fn);
}
static PyObject* p_is_leaf(PyObject* self, void*) { return wrap(tg::autograd::is_leaf(unpack_tensor(self))); }
static PyObject* p_retains_grad(PyObject* self, void*) {
  AutogradMeta* m = tg::autograd::get_meta(unpack_tensor(self));
  return wrap(m != nullptr && m->retains_grad);
}

static PyObject* m_requires_grad_(PyObject* self, PyObject* args, PyObject* kwargs) {
  TG_PY_BEGIN
  static const char* kwlist[] = {"requires_grad", nullptr};
  PyObject* flag = Py_True;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|O", const_cast<char**>(kwlist), &flag)) return nullptr;
  TG_CHECK_TYPE(PyBool_Check(flag), "[requires_grad_] requires_grad must be a bool, not ", Py_TYPE(flag)->tp_name);
  tg::autograd::set_requires_grad(unpack_tensor(self), flag == Py_True);
  return incref(self);
  TG_PY_END(nullptr)
}
static PyObject* m_detach(PyObject* self, PyObject*) {
  TG_PY_BEGIN
  return wrap_tensor(tg::autograd::detach(unpack_tensor(self)));
  TG_PY_END(nullptr)
}
static PyObject* m_detach_(PyObject* self, PyObject*) {
  TG_PY_BEGIN
  const Tensor& t = unpack_tensor(self);
  if (auto* m = tg::autograd::get_meta(t)) {
    m->grad_fn.reset();
    m->requires_grad_leaf = false;
    m->is_view_of_grad_tensor = false;
  }
  t.impl()->requires_grad = false;
  return incref(self);
  TG_PY_END(nullptr)
}
static PyObject* m_retain_grad(PyObject* self, PyObject*) {
  TG_PY_BEGIN
  tg::autograd::retain_grad(unpack_tensor(self));
  Py_RETURN_NONE;
  TG_PY_END(nullptr)
}
static PyObject* m_register_hook(PyObject* self, PyObject* fn) {
  TG_PY_BEGIN
  TG_CHECK_TYPE(PyCallable_Check(fn), "[register_hook] expected a callable");
  auto ref = std::make_shared<PyRef>(fn);
  tg::autograd::register_hook(unpack_tensor(self), [ref](const Tensor& grad) -> Tensor {
    PyGILState_STATE s = PyGILState_Ensure();
    PyObject* g = wrap_tensor(grad);
    PyObject* r = g ? PyObject_CallOneArg(ref->obj, g) : nullptr;
    Py_XDECREF(g);
    if (!r) {
      try {
        throw_fetched_python_error("hook", "error in hook");
      } catch (...) {
        PyGILState_Release(s);
        throw;
      }
    }
    Tensor out = is_tensor(r) ? unpack_tensor(r) : Tensor();
    Py_DECREF(r);
    PyGILState_Release(s);
    return out;
  });
  Py_RETURN_NONE;
  TG_PY_END(nullptr)
}

PyMethodDef autograd_tensor_methods[] = {
    TG_PY_METHOD("requires_grad_", m_requires_grad_, METH_VARARGS | METH_KEYWORDS),
    TG_PY_METHOD("detach", m_detach, METH_NOARGS),
    TG_PY_METHOD("detach_", m_detach_, METH_NOARGS),
    TG_PY_METHOD("retain_grad", m_retain_grad, METH_NOARGS),
    TG_PY_METHOD("register_hook", m_register_hook, METH_O),
    {nullptr, nullptr, 0, nullptr}};

PyGetSetDef autograd_tensor_getset[] = {
    {"requires_grad", p_requires_grad, set_requires_grad, nullptr, nullptr},
    {"grad", p_grad, set_grad, nullptr, nullptr},
    {"grad_fn", p_grad_fn, nullptr, nullptr, nullptr},
    {"is_leaf", p_is_leaf, nullptr, nullptr, nullptr},
    {"retains_grad", p_retains_grad, nullptr, nullptr, nullptr},
    {nullptr, nullptr, nullptr, nullptr, nullptr}};

// ----------------------------------------------------------------------------- module functions

static variable_list tensors_or_undefined(const py::sequence& seq) {
  variable_list out;
  for (py::handle h : seq) out.push_back(h.is_none() ? Tensor() : unpack_tensor(h.ptr()));
  return out;
}

void init_autograd_bindings(py::module_& m) {
  if (PyType_Ready(&node_type) < 0) throw py::error_already_set();
  Py_INCREF(&node_type);
  m.add_object("_Node", reinterpret_cast<PyObject*>(&node_type));

  m.def("_set_grad_enabled", [](bool enabled) { GradMode::set_enabled(enabled); });
  m.def("is_grad_enabled", []() { return GradMode::is_enabled(); });
  m.def("_set_inference_mode", [](bool enabled) { GradMode::set_inference(enabled); });
  m.def("is_inference_mode_enabled", []() { return GradMode::is_inference(); });

  m.def("_run_backward", [](py::sequence tensors, py::sequence grads, bool retain_graph, bool create_graph) {
    variable_list roots = tensors_or_undefined(tensors), groots = tensors_or_undefined(grads);
    tg::autograd::BackwardOptions opts{retain_graph, create_graph, false};
    run_engine([&] { tg::autograd::backward(roots, groots, opts); });
  });
  m.def("_run_grad", [](py::sequence outputs, py::sequence inputs, py::sequence grad_outputs, bool retain_graph,
                        bool create_graph, bool allow_unused) {
    variable_list outs = tensors_or_undefined(outputs), ins = tensors_or_undefined(inputs),
                  gouts = tensors_or_undefined(grad_outputs);
    tg::autograd::BackwardOptions opts{retain_graph, create_graph, allow_unused};
    variable_list result = run_engine([&] { return tg::autograd::grad(outs, gouts, ins, opts); });
    py::tuple t(result.size());
    for (size_t i = 0; i < result.size(); ++i)
      t[i] = py::reinterpret_steal<py::object>(tensor_or_none(result[i]));
    return t;
  });
  // Custom Functions: records `backward` as the grad_fn of `outputs`, with edges to `inputs`.
  // With `saved` (a sequence of tensors or None), backward is called as backward(saved, *grads).
  m.def("_record_function", [](py::object backward, std::string name, py::sequence inputs, py::sequence outputs,
                               py::object saved) {
    auto node = std::make_shared<PyNode>(backward.ptr(), std::move(name));
    for (py::handle h : inputs) {
      if (h.is_none() || !is_tensor(h.ptr())) node->next_edges.emplace_back();
      else node->next_edges.push_back(tg::autograd::gradient_edge(unpack_tensor(h.ptr())));
    }
    uint32_t i = 0;
    for (py::handle h : outputs) {
      if (!h.is_none() && is_tensor(h.ptr()) && is_floating(unpack_tensor(h.ptr()).dtype()))
        tg::autograd::set_history(unpack_tensor(h.ptr()), node, i);
      ++i;
    }
    if (node->input_metadata.size() < i) {
      node->input_metadata.resize(i);
      node->pre_hooks.resize(i);
    }
    if (!saved.is_none()) {
      node->has_saved_ = true;
      for (py::handle h : py::reinterpret_borrow<py::sequence>(saved)) {
        if (h.is_none()) {
          node->saved_.emplace_back();
          continue;
        }
        TG_CHECK_TYPE(is_tensor(h.ptr()), "[save_for_backward] expected tensors or None, got ",
                      Py_TYPE(h.ptr())->tp_name);
        const Tensor& t = unpack_tensor(h.ptr());
        AutogradMeta* meta = tg::autograd::get_meta(t);
        node->saved_.emplace_back(t, /*is_output=*/meta != nullptr && meta->grad_fn == node);
      }
    }
  }, py::arg("backward"), py::arg("name"), py::arg("inputs"), py::arg("outputs"), py::arg("saved") = py::none());
}

}  // namespace tg::python
