#pragma once
// A tensor a backward formula needs. It remembers the version of the memory at save time and
// refuses to unpack if an in-place op changed it since (PyTorch's error, same wording).
#include <memory>

#include "csrc/autograd/node.h"

namespace tg::autograd {

class SavedVariable {
 public:
  SavedVariable() = default;
  // is_output: the tensor is an output of the node that saves it. Such a tensor is stored
  // without its history (storing it would make the node own itself) and gets it back on unpack.
  SavedVariable(const Tensor& t, bool is_output);

  Tensor unpack(const std::shared_ptr<Node>& saved_for) const;
  void reset();
  bool defined() const { return was_defined_; }

 private:
  Tensor data_;
  uint32_t version_ = 0;
  uint32_t output_nr_ = 0;
  bool is_output_ = false;
  bool was_defined_ = false;
  bool requires_grad_ = false;
  bool freed_ = false;
};

}  // namespace tg::autograd
