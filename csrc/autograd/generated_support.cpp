#include "csrc/autograd/generated_support.h"

#include "ops/zeros.h"

namespace tg::autograd::generated {

void append_next_edges(std::vector<Edge>& edges, std::initializer_list<const Tensor*> inputs) {
  for (Edge& e : collect_next_edges(inputs)) edges.push_back(std::move(e));
}

void append_next_edges(std::vector<Edge>& edges, TensorList inputs) {
  for (const Tensor& t : inputs) append_next_edges(edges, {&t});
}

std::vector<SavedVariable> save_list(TensorList tensors) {
  std::vector<SavedVariable> saved;
  saved.reserve(tensors.size());
  for (const Tensor& t : tensors) saved.emplace_back(t, false);
  return saved;
}

std::vector<Tensor> unpack_list(const std::vector<SavedVariable>& saved, const std::shared_ptr<Node>& node) {
  std::vector<Tensor> tensors;
  tensors.reserve(saved.size());
  for (const SavedVariable& v : saved) tensors.push_back(v.unpack(node));
  return tensors;
}

std::vector<DimVector> to_args_sizes(TensorList tensors) {
  std::vector<DimVector> sizes;
  sizes.reserve(tensors.size());
  for (const Tensor& t : tensors) sizes.emplace_back(t.sizes());
  return sizes;
}

std::vector<ScalarType> to_args_scalartypes(TensorList tensors) {
  std::vector<ScalarType> dtypes;
  dtypes.reserve(tensors.size());
  for (const Tensor& t : tensors) dtypes.push_back(t.dtype());
  return dtypes;
}

bool any_output_computed(const Node& node, size_t start, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (node.should_compute_output(start + i)) return true;
  return false;
}

void set_list_grads(const Node& node, variable_list& out, size_t start, size_t n, std::vector<Tensor> grads) {
  TG_CHECK(grads.size() == n, "[", node.name(), "] the formula of a Tensor[] input returned ", grads.size(),
           " gradients for ", n, " tensors");
  for (size_t i = 0; i < n; ++i)
    if (node.should_compute_output(start + i)) out[start + i] = std::move(grads[i]);
}

void materialize_grads(const Node& node, variable_list& grads) {
  if (grads.size() < node.num_inputs()) grads.resize(node.num_inputs());
  for (size_t i = 0; i < grads.size(); ++i) {
    if (grads[i].defined()) continue;
    const TensorGeometry& g = node.input_metadata[i];
    grads[i] = tg::zeros(g.sizes, g.dtype);
  }
}

void set_history_if_floating(const Tensor& output, const std::shared_ptr<Node>& node, uint32_t output_nr) {
  if (is_floating(output.dtype())) {
    set_history(output, node, output_nr);
  } else if (node->input_metadata.size() <= output_nr) {
    node->input_metadata.resize(output_nr + 1);
    node->pre_hooks.resize(output_nr + 1);
    node->input_metadata[output_nr] = TensorGeometry{DimVector(output.sizes()), output.dtype()};
  }
}

void mark_view(const Tensor& view, const Tensor& base) {
  if (base.requires_grad()) ensure_meta(view).is_view_of_grad_tensor = true;
}

}  // namespace tg::autograd::generated
