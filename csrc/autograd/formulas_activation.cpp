#include "csrc/autograd/formulas_activation.h"

#include "aten/native/Glu.h"

#include "ops/cat.h"
#include "ops/exp.h"
#include "ops/sigmoid.h"
#include "ops/softplus.h"
#include "ops/tanh.h"

namespace tg::autograd {

namespace {
constexpr double kInvSqrt2Pi = 0.3989422804014327;   // 1 / sqrt(2 pi)
constexpr double kSqrt2OverPi = 0.7978845608028654;  // sqrt(2 / pi)
constexpr double kCubic = 0.044715;                  // the tanh approximation's x^3 coefficient
}  // namespace

using native::glu_halves;

Tensor gelu_second_derivative(const Tensor& self, std::string_view approximate) {
  const Tensor x2 = self * self;
  if (approximate == "tanh") {
    // g = x (1 + t) / 2 with t = tanh(u), u = k (x + c x^3):
    // g'' = (1 - t^2) (u' + x (u'' - 2 t u'^2) / 2), u' = k (1 + 3 c x^2), u'' = 6 k c x.
    const Tensor t = tg::tanh((self + x2 * self * kCubic) * kSqrt2OverPi);
    const Tensor du = (x2 * (3 * kCubic) + 1) * kSqrt2OverPi;
    const Tensor d2u = self * (6 * kCubic * kSqrt2OverPi);
    return (1 - t * t) * (du + self * (d2u - t * du * du * 2) * 0.5);
  }
  // g' = Phi(x) + x phi(x), g'' = 2 phi(x) + x phi'(x) = phi(x) (2 - x^2)
  return tg::exp(x2 * -0.5) * kInvSqrt2Pi * (2 - x2);
}

Tensor silu_second_derivative(const Tensor& self) {
  const Tensor s = tg::sigmoid(self);
  return s * (1 - s) * (self * (1 - s * 2) + 2);
}

Tensor mish_derivative(const Tensor& self) {
  const Tensor t = tg::tanh(tg::softplus(self));
  return t + self * tg::sigmoid(self) * (1 - t * t);
}

Tensor glu_backward_grad_output_grad(const Tensor& grad, const Tensor& self, int64_t dim) {
  const auto [ga, gb] = glu_halves(grad, dim);
  const auto [a, b] = glu_halves(self, dim);
  const Tensor s = tg::sigmoid(b);
  return s * (ga + gb * a * (1 - s));
}

// d gi_a = g s' db and d gi_b = g s' (b-part: da + a (1 - 2 s) db), s' = s (1 - s), so
// d/da = gb g s' and d/db = g s' (ga + gb a (1 - 2 s)).
Tensor glu_backward_self_grad(const Tensor& grad, const Tensor& grad_output, const Tensor& self, int64_t dim) {
  const auto [ga, gb] = glu_halves(grad, dim);
  const auto [a, b] = glu_halves(self, dim);
  const Tensor s = tg::sigmoid(b);
  const Tensor g_ds = grad_output * s * (1 - s);
  const int64_t d = dim < 0 ? dim + self.dim() : dim;
  return tg::cat({gb * g_ds, g_ds * (ga + gb * a * (1 - s * 2))}, d);
}

}  // namespace tg::autograd
