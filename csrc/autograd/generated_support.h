#pragma once
// What the generated autograd files (build/generated/autograd/*.cpp) need: the graph types, saved
// variables, grad mode, the formula helpers, and small conversions for saved arguments.
#include <array>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "aten/core/Error.h"
#include "aten/core/GradMode.h"
#include "csrc/autograd/formulas.h"
#include "csrc/autograd/node.h"
#include "csrc/autograd/saved_variable.h"
#include "ops/clone.h"  // in-place wrappers save a copy of self

namespace tg::autograd::generated {

using tg::autograd::collect_next_edges;
using tg::autograd::Edge;
using tg::autograd::Node;
using tg::autograd::SavedVariable;
using tg::autograd::variable_list;

// Saved copies of arguments, and their views for calling ops.
inline std::optional<DimVector> opt_vec(std::optional<IntArrayRef> v) {
  return v ? std::optional<DimVector>(DimVector(*v)) : std::nullopt;
}
inline std::optional<IntArrayRef> opt_ref(const std::optional<DimVector>& v) {
  return v ? std::optional<IntArrayRef>(IntArrayRef(v->data(), v->size())) : std::nullopt;
}
inline std::optional<std::string> opt_string(std::optional<std::string_view> v) {
  return v ? std::optional<std::string>(std::string(*v)) : std::nullopt;
}
inline std::optional<std::string_view> opt_view(const std::optional<std::string>& v) {
  return v ? std::optional<std::string_view>(*v) : std::nullopt;
}

// Tensor[] inputs (cat's tensors): the node has one next edge per element, in argument order,
// so its edges are appended input by input.
void append_next_edges(std::vector<Edge>& edges, std::initializer_list<const Tensor*> inputs);
void append_next_edges(std::vector<Edge>& edges, TensorList inputs);
// A Tensor[] input a formula uses itself, saved element by element.
std::vector<SavedVariable> save_list(TensorList tensors);
std::vector<Tensor> unpack_list(const std::vector<SavedVariable>& saved, const std::shared_ptr<Node>& node);
// The metadata of a Tensor[] input a formula may use instead (PyTorch's names): each element's
// sizes and dtype.
std::vector<DimVector> to_args_sizes(TensorList tensors);
std::vector<ScalarType> to_args_scalartypes(TensorList tensors);
// Whether some element of a Tensor[] input (node inputs [start, start + n)) needs a gradient.
bool any_output_computed(const Node& node, size_t start, size_t n);
// Places a Tensor[] input's gradients (one per element, from its formula) at out[start, start + n).
void set_list_grads(const Node& node, variable_list& out, size_t start, size_t n, std::vector<Tensor> grads);

// Part I of a formula shared by N inputs ("weight, bias: ..."): a tuple's element I, or a
// std::vector's; the formula returns exactly N gradients (a vector's count checked here).
template <size_t I, size_t N, typename R>
Tensor grad_part(R& shared) {
  if constexpr (requires { std::tuple_size<R>::value; }) {
    static_assert(std::tuple_size_v<R> == N, "a shared formula must return one gradient per input of its key");
    return std::move(std::get<I>(shared));
  } else {
    TG_CHECK(shared.size() == N, "[autograd] a formula shared by ", N, " inputs returned ", shared.size(),
             " gradients");
    return std::move(shared[I]);
  }
}

// Gradients of outputs nobody used arrive undefined; formulas see zeros of the output's shape.
void materialize_grads(const Node& node, variable_list& grads);
// Only floating outputs take part in autograd (indices of max(dim) do not).
void set_history_if_floating(const Tensor& output, const std::shared_ptr<Node>& node, uint32_t output_nr);
// Marks the output of a view op so that in-place ops on it are refused (see check_inplace).
void mark_view(const Tensor& view, const Tensor& base);

}  // namespace tg::autograd::generated
