#pragma once
// Formula helpers for the activations of issue 10 (derivatives.yaml, "activations, dropout, random
// fills"). Each is built from ops, so the gradients they give are differentiable again.
#include <string_view>

#include "aten/core/Tensor.h"

namespace tg::autograd {
// gelu''(x): exact ('none') phi(x) (2 - x^2); 'tanh' the derivative of gelu_backward's tanh form.
Tensor gelu_second_derivative(const Tensor& self, std::string_view approximate);
// silu''(x) = s (1 - s) (2 + x (1 - 2 s)), s = sigmoid(x).
Tensor silu_second_derivative(const Tensor& self);
// mish'(x) = tanh(sp) + x sigmoid(x) (1 - tanh(sp)^2), sp = softplus(x).
Tensor mish_derivative(const Tensor& self);
}  // namespace tg::autograd
