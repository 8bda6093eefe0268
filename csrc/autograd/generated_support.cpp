#include "csrc/autograd/generated_support.h"

#include "ops/zeros.h"

namespace tg::autograd::generated {

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
