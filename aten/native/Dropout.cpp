// Dropout (issue 10): composites over bernoulli_, like PyTorch's _dropout_impl, so the gradient
// (grad * noise, and its derivatives) comes from the multiplication. The noise draws Philox
// counters through bernoulli_: reproducible after tg.manual_seed, independent of the thread count.
// random_(to) and random_() are random_(from, to) with PyTorch's defaults.
#include <cmath>
#include <vector>

#include "aten/dispatch/DtypeDispatch.h"
#include "kernels/alpha_dropout.h"
#include "kernels/dropout.h"
#include "kernels/feature_alpha_dropout.h"
#include "kernels/feature_dropout.h"
#include "kernels/random_.h"
#include "ops/addcmul.h"
#include "ops/bernoulli_.h"
#include "ops/empty.h"
#include "ops/empty_like.h"
#include "ops/random_.h"

namespace tg::native {

namespace {

void check_p(const char* op, double p) {
  TG_CHECK_VALUE(p >= 0.0 && p <= 1.0, "[", op, "] dropout probability has to be between 0 and 1, but got ", p);
}

// Bernoulli(1 - p) noise: the input's shape, or [N, C, 1, ...] for feature (channel) dropout.
Tensor make_noise(const char* op, const Tensor& input, double p, bool feature) {
  Tensor noise;
  if (!feature) {
    noise = tg::empty_like(input);
    return tg::bernoulli_(noise, 1.0 - p);
  }
  TG_CHECK(input.dim() >= 2, "[", op, "] Feature dropout requires at least 2 dimensions in the input, got ",
           input.dim());
  std::vector<int64_t> shape(size_t(input.dim()), 1);
  shape[0] = input.size(0);
  shape[1] = input.size(1);
  noise = tg::empty(shape, input.dtype(), input.device());
  return tg::bernoulli_(noise, 1.0 - p);
}

Tensor dropout_impl(const char* op, const Tensor& input, double p, bool train, bool feature, bool alpha) {
  check_p(op, p);
  if (p == 0.0 || !train) return input;
  if (!is_floating(input.dtype())) dtype_not_implemented(op, input.dtype());
  if (input.numel() == 0) return input;
  if (p == 1.0) return input * 0;  // PyTorch multiplies by zero (nan and inf inputs give nan)
  Tensor noise = make_noise(op, input, p, feature);
  if (!alpha) {
    noise /= Scalar(1.0 - p);
    return input * noise;
  }
  // alpha dropout keeps SELU's mean 0 / variance 1: dropped values become -alpha', then an affine
  // correction a x + b (PyTorch's constants and order of operations).
  constexpr double kAlpha = 1.7580993408473766;
  const double a = 1.0 / std::sqrt((kAlpha * kAlpha * p + 1) * (1 - p));
  Tensor b = (noise - 1) * (kAlpha * a) + kAlpha * a * p;
  noise *= Scalar(a);
  return tg::addcmul(b, input, noise);  // b + input * noise in one pass over the input
}

}  // namespace

Tensor dropout(const Tensor& input, double p, bool train) { return dropout_impl("dropout", input, p, train, false, false); }
Tensor feature_dropout(const Tensor& input, double p, bool train) {
  return dropout_impl("feature_dropout", input, p, train, true, false);
}
Tensor alpha_dropout(const Tensor& input, double p, bool train) {
  return dropout_impl("alpha_dropout", input, p, train, false, true);
}
Tensor feature_alpha_dropout(const Tensor& input, double p, bool train) {
  return dropout_impl("feature_alpha_dropout", input, p, train, true, true);
}

Tensor& random_to(Tensor& self, int64_t to, const std::optional<Generator>& generator) {
  return tg::random_(self, 0, to, generator);
}
Tensor& random_default(Tensor& self, const std::optional<Generator>& generator) {
  return tg::random_(self, 0, std::nullopt, generator);
}

}  // namespace tg::native
