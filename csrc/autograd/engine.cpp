#include "csrc/autograd/engine.h"

#include <map>
#include <queue>
#include <unordered_map>

#include "aten/core/GradMode.h"
#include "ops/add.h"
#include "ops/ones_like.h"

namespace tg::autograd {

namespace {

// Feeds the user's root gradients into the graph.
struct GraphRoot final : Node {
  GraphRoot(std::vector<Edge> edges, variable_list grads) : grads_(std::move(grads)) { next_edges = std::move(edges); }
  variable_list apply(variable_list&&) override { return grads_; }
  const char* name() const override { return "GraphRoot"; }
  variable_list grads_;
};

// A tensor hook's return value replaces the gradient; undefined (Python None) keeps it.
void apply_hook_result(Tensor& grad, const Tensor& replaced) {
  if (!replaced.defined()) return;
  TG_CHECK(replaced.sizes().equals(grad.sizes()), "[hook] a hook has changed the size of the gradient from ",
           grad.sizes(), " to ", replaced.sizes());
  grad = replaced;
}

struct CompareSeq {  // later-created nodes first: a node runs after everything created after it
  bool operator()(Node* a, Node* b) const { return a->sequence_nr < b->sequence_nr; }
};

variable_list run(const variable_list& roots, const variable_list& grad_roots, const variable_list* inputs,
                  const BackwardOptions& options) {
  const char* op = inputs ? "grad" : "backward";
  TG_CHECK(roots.size() == grad_roots.size(), "[", op, "] got ", grad_roots.size(), " gradients for ", roots.size(),
           " outputs");
  std::vector<Edge> root_edges;
  variable_list root_grads;
  for (size_t i = 0; i < roots.size(); ++i) {
    const Tensor& r = roots[i];
    TG_CHECK(r.requires_grad(), "[", op, "] element ", i, " of tensors does not require grad and does not have a "
             "grad_fn");
    Tensor g = grad_roots[i];
    if (!g.defined()) {
      TG_CHECK(r.numel() == 1, "[", op, "] grad can be implicitly created only for scalar outputs (got shape ",
               r.sizes(), ")");
      g = tg::ones_like(r);
    } else {
      TG_CHECK(g.sizes().equals(r.sizes()), "[", op, "] mismatch in shape: grad_output[", i, "] has a shape of ",
               g.sizes(), " and output[", i, "] has a shape of ", r.sizes());
    }
    root_edges.push_back(gradient_edge(r));
    root_grads.push_back(g);
  }
  auto root = std::make_shared<GraphRoot>(std::move(root_edges), std::move(root_grads));

  // Dependencies: how many edges point at each node from the part of the graph we run.
  std::unordered_map<Node*, int> deps;
  std::vector<Node*> stack{root.get()};
  std::unordered_map<Node*, bool> seen{{root.get(), true}};
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    for (const Edge& e : n->next_edges) {
      if (!e.valid()) continue;
      ++deps[e.function.get()];
      if (!seen[e.function.get()]) {
        seen[e.function.get()] = true;
        stack.push_back(e.function.get());
      }
    }
  }

  // grad(): which (node, input) slots to capture, and the leaves whose accumulators must not run.
  std::map<std::pair<Node*, uint32_t>, size_t> capture;
  variable_list captured;
  if (inputs) {
    captured.resize(inputs->size());
    for (size_t i = 0; i < inputs->size(); ++i) {
      const Tensor& t = (*inputs)[i];
      TG_CHECK(t.requires_grad(), "[grad] One of the differentiated Tensors does not require grad");
      Edge e = gradient_edge(t);
      capture[{e.function.get(), e.input_nr}] = i;
    }
  }

  AutoGradMode mode(options.create_graph);
  std::unordered_map<Node*, variable_list> buffers;
  std::unordered_map<Node*, std::shared_ptr<Node>> alive;  // keeps nodes alive while queued
  std::priority_queue<Node*, std::vector<Node*>, CompareSeq> ready;
  ready.push(root.get());
  while (!ready.empty()) {
    Node* node = ready.top();
    ready.pop();
    variable_list in = std::move(buffers[node]);
    buffers.erase(node);
    in.resize(node->num_inputs());
    // Tensor hooks and retain_grad see the summed gradient of each output before the node runs.
    auto* acc = dynamic_cast<AccumulateGrad*>(node);
    if (acc && !in.empty() && in[0].defined()) {
      if (AutogradMeta* m = get_meta(acc->variable)) {
        // By index, on a copy: a Python hook may register more hooks while it runs.
        for (size_t k = 0; k < m->leaf_hooks.size(); ++k) {
          GradHook hook = m->leaf_hooks[k];
          apply_hook_result(in[0], hook(in[0]));
        }
      }
    }
    for (size_t i = 0; i < node->pre_hooks.size() && i < in.size(); ++i) {
      for (size_t k = 0; k < node->pre_hooks[i].size(); ++k) {
        if (!in[i].defined()) continue;
        GradHook hook = node->pre_hooks[i][k];
        apply_hook_result(in[i], hook(in[i]));
      }
    }
    if (inputs) {
      for (size_t i = 0; i < in.size(); ++i) {
        auto it = capture.find({node, uint32_t(i)});
        if (it != capture.end() && in[i].defined()) captured[it->second] = in[i];
      }
      if (acc) {  // grad() never writes .grad
        alive.erase(node);
        continue;
      }
    }
    variable_list out = node->apply(std::move(in));
    if (!options.keep_graph) node->release_variables();
    for (size_t i = 0; i < node->next_edges.size(); ++i) {
      const Edge& e = node->next_edges[i];
      if (!e.valid()) continue;
      Node* next = e.function.get();
      if (i < out.size() && out[i].defined()) {
        Tensor g = reduce_grad(out[i], next->input_metadata[e.input_nr]);
        variable_list& buf = buffers[next];
        if (buf.size() < next->num_inputs()) buf.resize(next->num_inputs());
        Tensor& slot = buf[e.input_nr];
        slot = slot.defined() ? tg::add(slot, g) : g;
      }
      if (--deps[next] == 0) {
        alive[next] = e.function;
        ready.push(next);
      }
    }
    alive.erase(node);
  }
  if (inputs && !options.allow_unused) {
    for (size_t i = 0; i < captured.size(); ++i)
      TG_CHECK(captured[i].defined(), "[grad] One of the differentiated Tensors appears to not have been used in "
               "the graph. Set allow_unused=True if this is the desired behavior.");
  }
  return captured;
}

}  // namespace

void backward(const variable_list& roots, const variable_list& grad_roots, const BackwardOptions& options) {
  run(roots, grad_roots, nullptr, options);
}

variable_list grad(const variable_list& roots, const variable_list& grad_roots, const variable_list& inputs,
                   const BackwardOptions& options) {
  return run(roots, grad_roots, &inputs, options);
}

}  // namespace tg::autograd
