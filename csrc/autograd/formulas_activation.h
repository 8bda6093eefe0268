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
// glu_backward (gi_a = g s, gi_b = g a s (1 - s) with s = sigmoid(b), [a, b] = self split along dim)
// differentiated: by grad_output (upstream grad = [ga, gb]: ga s + gb a s (1 - s)) and by self.
Tensor glu_backward_grad_output_grad(const Tensor& grad, const Tensor& self, int64_t dim);
Tensor glu_backward_self_grad(const Tensor& grad, const Tensor& grad_output, const Tensor& self, int64_t dim);
}  // namespace tg::autograd
