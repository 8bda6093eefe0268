#include "csrc/autograd/node.h"

#include <algorithm>
#include <atomic>
#include <mutex>

#include "aten/core/GradMode.h"
#include "csrc/autograd/saved_variable.h"
#include "ops/add.h"
#include "ops/sum.h"
#include "ops/to.h"
#include "ops/view.h"

namespace tg::autograd {

namespace {
std::atomic<uint64_t> next_sequence_nr{0};
}

Node::Node() : sequence_nr(next_sequence_nr.fetch_add(1, std::memory_order_relaxed)) {}

AutogradMeta* get_meta(const Tensor& t) {
  return static_cast<AutogradMeta*>(t.impl()->autograd_meta.get());
}

AutogradMeta& ensure_meta(const Tensor& t) {
  auto& slot = t.impl()->autograd_meta;
  if (!slot) slot = std::make_unique<AutogradMeta>();
  return *static_cast<AutogradMeta*>(slot.get());
}

bool is_leaf(const Tensor& t) {
  AutogradMeta* m = get_meta(t);
  return !m || !m->grad_fn;
}

void set_requires_grad(const Tensor& t, bool requires_grad) {
  if (!is_leaf(t)) {
    TG_CHECK(requires_grad, "[requires_grad_] you can only change requires_grad flags of leaf variables. If you "
             "want to use a computed variable in a subgraph that doesn't require differentiation use "
             "var_no_grad = var.detach().");
    return;
  }
  TG_CHECK(!requires_grad || is_floating(t.dtype()), "[requires_grad_] only Tensors of floating point dtype can "
           "require gradients, got ", t.dtype());
  if (!requires_grad && !get_meta(t)) return;
  ensure_meta(t).requires_grad_leaf = requires_grad;
  t.impl()->requires_grad = requires_grad;
}

std::shared_ptr<Node> grad_accumulator(const Tensor& leaf) {
  // Threads that build graphs from one shared leaf at once read and replace its weak_ptr here; a
  // std::weak_ptr is not safe to read while another thread assigns it (the sanitizer run caught a
  // heap-use-after-free of an AccumulateGrad in tests/test_thread_safety.py), so under a lock.
  static std::mutex mutex;
  std::lock_guard<std::mutex> lock(mutex);
  AutogradMeta& m = ensure_meta(leaf);
  if (auto acc = m.grad_accumulator.lock()) return acc;
  // The accumulator holds the leaf (it writes its .grad); the leaf only holds it weakly.
  Tensor alias(leaf.impl_ptr());
  auto acc = std::make_shared<AccumulateGrad>(alias);
  m.grad_accumulator = acc;
  return acc;
}

Edge gradient_edge(const Tensor& t) {
  AutogradMeta* m = get_meta(t);
  if (m && m->grad_fn) return Edge{m->grad_fn, m->output_nr};
  if (t.requires_grad()) return Edge{grad_accumulator(t), 0};
  return Edge{};
}

std::vector<Edge> collect_next_edges(std::initializer_list<const Tensor*> inputs) {
  std::vector<Edge> edges;
  edges.reserve(inputs.size());
  for (const Tensor* t : inputs) {
    if (t && t->defined() && t->requires_grad()) edges.push_back(gradient_edge(*t));
    else edges.emplace_back();
  }
  return edges;
}

namespace {
// Writes the gradient into a non-leaf's .grad. It points at the tensor's AutogradMeta without
// owning it (owning it would keep the tensor and its graph alive forever); the meta removes the
// hook from its grad_fn when it dies or when an in-place op gives the tensor a new grad_fn.
struct RetainGradHook {
  AutogradMeta* meta;
  Tensor operator()(const Tensor& grad) const {
    meta->grad = meta->grad.defined() ? tg::add(meta->grad, grad) : detach(grad);
    return Tensor();
  }
};

void remove_retain_hook(AutogradMeta& m) {
  if (!m.retains_grad || !m.grad_fn || m.output_nr >= m.grad_fn->pre_hooks.size()) return;
  auto& hooks = m.grad_fn->pre_hooks[m.output_nr];
  hooks.erase(std::remove_if(hooks.begin(), hooks.end(),
                             [&](const GradHook& h) {
                               auto* r = h.target<RetainGradHook>();
                               return r && r->meta == &m;
                             }),
              hooks.end());
}
}  // namespace

AutogradMeta::~AutogradMeta() { remove_retain_hook(*this); }

void set_history(const Tensor& output, const std::shared_ptr<Node>& node, uint32_t output_nr) {
  AutogradMeta& m = ensure_meta(output);
  remove_retain_hook(m);  // an in-place op moves retain_grad to the new grad_fn
  m.grad_fn = node;
  m.output_nr = output_nr;
  m.requires_grad_leaf = false;
  output.impl()->requires_grad = true;
  if (node->input_metadata.size() <= output_nr) {
    node->input_metadata.resize(output_nr + 1);
    node->pre_hooks.resize(output_nr + 1);
  }
  node->input_metadata[output_nr] = TensorGeometry{DimVector(output.sizes()), output.dtype()};
  if (m.retains_grad) node->pre_hooks[output_nr].push_back(RetainGradHook{&m});
}

Tensor detach(const Tensor& t) {
  return make_view(t, t.sizes(), t.strides(), t.storage_offset());
}



void register_hook(const Tensor& t, GradHook hook) {
  TG_CHECK(t.requires_grad(), "[register_hook] cannot register a hook on a tensor that doesn't require gradient");
  AutogradMeta* m = get_meta(t);
  if (m && m->grad_fn) {
    // Like PyTorch, retain_grad's hook runs after every tensor hook, whatever the registration
    // order, so .grad holds the gradient the hooks produced.
    auto& hooks = m->grad_fn->pre_hooks[m->output_nr];
    auto pos = std::find_if(hooks.begin(), hooks.end(),
                            [](const GradHook& h) { return h.target<RetainGradHook>() != nullptr; });
    hooks.insert(pos, std::move(hook));
  } else {
    ensure_meta(t).leaf_hooks.push_back(std::move(hook));
  }
}

void retain_grad(const Tensor& t) {
  TG_CHECK(t.requires_grad(), "[retain_grad] can't retain_grad on Tensor that has requires_grad=False");
  AutogradMeta& m = ensure_meta(t);
  if (!m.grad_fn || m.retains_grad) return;  // leaves keep .grad anyway
  m.retains_grad = true;
  m.grad_fn->pre_hooks[m.output_nr].push_back(RetainGradHook{&m});
}

void check_inplace(const Tensor& self, const char* op) {
  if (!GradMode::is_enabled()) return;
  AutogradMeta* m = get_meta(self);
  if (!m) return;
  TG_CHECK(!(m->requires_grad_leaf && !m->grad_fn), "[", op, "] a leaf Variable that requires grad is being used "
           "in an in-place operation.");
  TG_CHECK(!m->is_view_of_grad_tensor, "[", op, "] in-place operations on views of tensors that require grad are "
           "not supported yet; clone() the view first");
}

void rebase_history(const Tensor& self, const std::shared_ptr<Node>& node) {
  set_history(self, node, 0);
}

Tensor reduce_grad(const Tensor& grad, const TensorGeometry& geometry) {
  if (!grad.defined()) return grad;
  Tensor g = grad;
  if (!g.sizes().equals(geometry.sizes)) {
    // Sum over the dims that broadcasting added or expanded, then restore the input's shape.
    int64_t lead = g.dim() - int64_t(geometry.sizes.size());
    TG_CHECK(lead >= 0, "[backward] gradient of shape ", g.sizes(), " cannot be reduced to ", geometry.sizes);
    DimVector dims;
    for (int64_t d = 0; d < g.dim(); ++d) {
      if (d < lead || (geometry.sizes[d - lead] == 1 && g.size(d) != 1)) dims.push_back(d);
    }
    if (!dims.empty()) g = tg::sum(g, IntArrayRef(dims), /*keepdim=*/true);
    g = tg::view(g, geometry.sizes);
  }
  if (g.dtype() != geometry.dtype) g = tg::to(g, geometry.dtype);
  return g;
}

AccumulateGrad::AccumulateGrad(Tensor leaf) : variable(std::move(leaf)) {
  input_metadata.push_back(TensorGeometry{DimVector(variable.sizes()), variable.dtype()});
  pre_hooks.resize(1);
}

variable_list AccumulateGrad::apply(variable_list&& grads) {
  Tensor g = grads.empty() ? Tensor() : std::move(grads[0]);
  if (!g.defined()) return {};
  // Backward passes of several threads may reach the same leaf at once (the engine runs without
  // the GIL): read-add-write of .grad under a lock, or one thread's gradient is lost. One lock for
  // all leaves: accumulation is a single add, and a per-leaf mutex would grow AutogradMeta.
  static std::mutex accumulate_mutex;
  std::lock_guard<std::mutex> lock(accumulate_mutex);
  AutogradMeta& m = ensure_meta(variable);
  if (!m.grad.defined()) {
    // With create_graph the gradient keeps its history (double backward); otherwise .grad is a
    // fresh tensor the user may modify in place. A contiguous gradient nothing else refers to (the
    // usual result of a backward formula) becomes .grad as it is, like PyTorch: no copy per
    // parameter per step when an optimizer resets .grad to None.
    const bool sole_owner = g.impl_ptr().use_count() == 1 && g.storage().use_count() == 1;
    if (GradMode::is_enabled()) m.grad = g;
    else if (sole_owner && g.is_contiguous() && variable.is_contiguous()) m.grad = detach(g);
    else m.grad = detach(tg::to(g, g.dtype(), false, /*copy=*/true));
  } else if (!GradMode::is_enabled()) {
    // Like PyTorch: a first-order backward adds into the existing .grad in place (no new buffer
    // per step; a reference the user holds to .grad sees the sum).
    m.grad.add_(g);
  } else {
    m.grad = tg::add(m.grad, g);  // create_graph: the sum keeps both histories
  }
  return {};
}

// ----------------------------------------------------------------------------- SavedVariable

SavedVariable::SavedVariable(const Tensor& t, bool is_output) {
  if (!t.defined()) return;
  was_defined_ = true;
  is_output_ = is_output;
  version_ = t.storage()->version();
  requires_grad_ = t.requires_grad();
  if (is_output) {
    AutogradMeta* m = get_meta(t);
    output_nr_ = m ? m->output_nr : 0;
    data_ = detach(t);
  } else {
    data_ = t;
  }
}

Tensor SavedVariable::unpack(const std::shared_ptr<Node>& saved_for) const {
  if (!was_defined_) return Tensor();
  TG_CHECK(!freed_, "[backward] Trying to backward through the graph a second time (or directly access saved "
           "tensors after they have already been freed). Saved intermediate values of the graph are freed when "
           "you call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward through "
           "the graph a second time or if you need to access saved tensors after calling backward.");
  uint32_t now = data_.storage()->version();
  TG_CHECK(now == version_, "[backward] one of the variables needed for gradient computation has been modified by "
           "an inplace operation: [", data_.dtype(), " ", data_.sizes(), "] is at version ", now,
           "; expected version ", version_, " instead.");
  if (!is_output_ || !requires_grad_ || !saved_for) return data_;
  Tensor t = detach(data_);
  AutogradMeta& m = ensure_meta(t);
  m.grad_fn = saved_for;
  m.output_nr = output_nr_;
  t.impl()->requires_grad = true;
  return t;
}

void SavedVariable::reset() {
  data_ = Tensor();
  freed_ = was_defined_;
}

}  // namespace tg::autograd
