#pragma once
// The autograd graph: Nodes (one per recorded op, generated from derivatives.yaml), Edges to the
// nodes that produced each input, AccumulateGrad for leaves, and the per-tensor AutogradMeta.
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "aten/core/Tensor.h"

namespace tg::autograd {

using variable_list = std::vector<Tensor>;
struct Node;

// Where the gradient of one forward input goes: input `input_nr` of `function`.
struct Edge {
  std::shared_ptr<Node> function;
  uint32_t input_nr = 0;
  bool valid() const { return function != nullptr; }
};

// Shape and dtype of a forward tensor: the engine reduces (sum over broadcast dims) and casts each
// gradient to this before handing it on.
struct TensorGeometry {
  DimVector sizes;
  ScalarType dtype = ScalarType::Float32;
};

// A hook on the gradient of one tensor: returns a replacement, or an undefined tensor to keep it.
using GradHook = std::function<Tensor(const Tensor&)>;

struct Node : std::enable_shared_from_this<Node> {
  Node();
  virtual ~Node() = default;
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // grads[i] is the gradient of forward output i; returns one gradient per next edge.
  virtual variable_list apply(variable_list&& grads) = 0;
  virtual const char* name() const = 0;
  // Frees saved tensors after a backward pass without retain_graph.
  virtual void release_variables() {}

  bool should_compute_output(size_t i) const { return i < next_edges.size() && next_edges[i].valid(); }
  size_t num_inputs() const { return input_metadata.size(); }

  std::vector<Edge> next_edges;
  std::vector<TensorGeometry> input_metadata;       // one per forward output
  std::vector<std::vector<GradHook>> pre_hooks;     // per forward output: tensor hooks, retain_grad
  uint64_t sequence_nr;                             // creation order; later nodes run first
};

// Accumulates the incoming gradient into a leaf tensor's .grad.
struct AccumulateGrad final : Node {
  explicit AccumulateGrad(Tensor leaf);
  variable_list apply(variable_list&& grads) override;
  const char* name() const override { return "AccumulateGrad"; }
  Tensor variable;
};

// Per-tensor autograd state, behind TensorImpl::autograd_meta.
struct AutogradMeta final : AutogradMetaInterface {
  AutogradMeta() = default;
  ~AutogradMeta() override;  // unhooks retain_grad from grad_fn (the hook points back here)
  bool requires_grad_leaf = false;
  Tensor grad;
  std::shared_ptr<Node> grad_fn;
  uint32_t output_nr = 0;
  std::weak_ptr<Node> grad_accumulator;
  bool retains_grad = false;
  // Set on views of tensors that require grad: in-place ops on them are refused (see
  // check_inplace) instead of silently producing wrong gradients.
  bool is_view_of_grad_tensor = false;
  // register_hook() on a leaf: kept here rather than on the AccumulateGrad node, which the leaf
  // holds only weakly (it may be destroyed and re-created between backward passes). The engine
  // runs them before the accumulator, like tensor hooks on a grad_fn output.
  std::vector<GradHook> leaf_hooks;
};

AutogradMeta* get_meta(const Tensor& t);     // nullptr when the tensor never took part in autograd
AutogradMeta& ensure_meta(const Tensor& t);  // creates it on first use

bool is_leaf(const Tensor& t);
void set_requires_grad(const Tensor& t, bool requires_grad);  // leaves only, floating dtypes only
std::shared_ptr<Node> grad_accumulator(const Tensor& leaf);
// The edge a gradient for `t` flows into: its grad_fn output, or its accumulator for a leaf.
Edge gradient_edge(const Tensor& t);
// Edges for the inputs of a recorded op (an invalid edge for inputs that do not require grad).
std::vector<Edge> collect_next_edges(std::initializer_list<const Tensor*> inputs);
// Makes `node` the grad_fn of output `output_nr` of a recorded op.
void set_history(const Tensor& output, const std::shared_ptr<Node>& node, uint32_t output_nr);
// A new tensor sharing t's data (and version counter) with no autograd history.
Tensor detach(const Tensor& t);
// Registers a hook on t's gradient (leaf: before accumulation; non-leaf: before its grad_fn).
void register_hook(const Tensor& t, GradHook hook);
void retain_grad(const Tensor& t);
// Refuses in-place ops that autograd cannot record correctly; call before mutating `self`.
void check_inplace(const Tensor& self, const char* op);
// Records that `self` was modified in place by the op whose node is `node`.
void rebase_history(const Tensor& self, const std::shared_ptr<Node>& node);

// Gradient for a forward input with the given geometry: broadcast dims summed, dtype cast.
Tensor reduce_grad(const Tensor& grad, const TensorGeometry& geometry);

}  // namespace tg::autograd
