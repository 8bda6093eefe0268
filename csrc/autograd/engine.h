#pragma once
// The backward engine: runs the recorded graph from the roots in dependency order, each node
// once, summing the gradients that reach a node before running it.
#include "csrc/autograd/node.h"

namespace tg::autograd {

struct BackwardOptions {
  bool keep_graph = false;    // retain_graph
  bool create_graph = false;  // record the backward pass itself (higher-order gradients)
  bool allow_unused = false;  // grad(): an input the outputs do not depend on gives None
};

// Accumulates into the .grad of every leaf the roots depend on (Tensor.backward()).
void backward(const variable_list& roots, const variable_list& grad_roots, const BackwardOptions& options);

// Returns d(roots)/d(inputs) without touching any .grad (tg.autograd.grad()). Entries for unused
// inputs are undefined when allow_unused is set.
variable_list grad(const variable_list& roots, const variable_list& grad_roots, const variable_list& inputs,
                   const BackwardOptions& options);

}  // namespace tg::autograd
