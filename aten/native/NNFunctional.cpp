// Composites of tg.nn.functional: pixel_shuffle / pixel_unshuffle (reshape, permute, reshape, as
// ATen's CompositeImplicit), cosine_similarity, pairwise_distance and normalize (norms and
// element-wise ops). Written over the dispatched ops, so autograd (and double backward) comes from
// them.
#include <algorithm>

#include "aten/core/Error.h"
#include "aten/core/GradMode.h"
#include "aten/core/TensorOperators.h"
#include "aten/iter/TensorIterator.h"
#include "kernels/cosine_similarity.h"
#include "kernels/normalize.h"
#include "kernels/pairwise_distance.h"
#include "kernels/pixel_shuffle.h"
#include "kernels/pixel_unshuffle.h"
#include "ops/clamp_min.h"
#include "ops/expand.h"
#include "ops/expand_as.h"
#include "ops/linalg_vector_norm.h"
#include "ops/permute.h"
#include "ops/reshape.h"
#include "ops/sum.h"
#include "ops/to.h"

namespace tg::native {

namespace {

// (*, a, b, c) of self: the batch dims, then the last three.
DimVector batch_dims(const Tensor& self) { return DimVector(IntArrayRef(self.sizes().data(), size_t(self.dim() - 3))); }

// The batch dims followed by `tail`.
DimVector with_tail(const DimVector& batch, std::initializer_list<int64_t> tail) {
  DimVector s(batch);
  for (int64_t t : tail) s.push_back(t);
  return s;
}

// The permutation keeping the nb batch dims and then taking the trailing dims in `order`.
DimVector batch_then(int64_t nb, std::initializer_list<int64_t> order) {
  DimVector p;
  for (int64_t d = 0; d < nb; ++d) p.push_back(d);
  for (int64_t o : order) p.push_back(nb + o);
  return p;
}

}  // namespace

Tensor pixel_shuffle(const Tensor& self, int64_t upscale_factor) {
  const int64_t r = upscale_factor;
  TG_CHECK(self.dim() >= 3, "[pixel_shuffle] expects input to have at least 3 dimensions, but got input with ",
           self.dim(), " dimension(s)");
  TG_CHECK(r > 0, "[pixel_shuffle] expects a positive upscale_factor, but got ", r);
  const int64_t c = self.size(-3), h = self.size(-2), w = self.size(-1);
  int64_t rr = 0, oh = 0, ow = 0;  // r * r, h * r, w * r: checked, a huge factor must not wrap around
  TG_CHECK(!__builtin_mul_overflow(r, r, &rr) && c % rr == 0, "[pixel_shuffle] expects its input's 'channel' "
           "dimension to be divisible by the square of upscale_factor, but input.size(-3)=", c,
           " is not divisible by ", r, "*", r);
  TG_CHECK(!__builtin_mul_overflow(h, r, &oh) && !__builtin_mul_overflow(w, r, &ow), "[pixel_shuffle] the output "
           "size (", h, "*", r, ", ", w, "*", r, ") is too large");
  const DimVector batch = batch_dims(self);
  const int64_t nb = int64_t(batch.size()), oc = c / rr;
  // (*, oc, r, r, h, w) -> (*, oc, h, r, w, r) -> (*, oc, h*r, w*r)
  const Tensor x = tg::reshape(self, with_tail(batch, {oc, r, r, h, w}));
  return tg::reshape(tg::permute(x, batch_then(nb, {0, 3, 1, 4, 2})), with_tail(batch, {oc, oh, ow}));
}

Tensor pixel_unshuffle(const Tensor& self, int64_t downscale_factor) {
  const int64_t r = downscale_factor;
  TG_CHECK(self.dim() >= 3, "[pixel_unshuffle] expects input to have at least 3 dimensions, but got input with ",
           self.dim(), " dimension(s)");
  TG_CHECK(r > 0, "[pixel_unshuffle] expects a positive downscale_factor, but got ", r);
  const int64_t c = self.size(-3), h = self.size(-2), w = self.size(-1);
  TG_CHECK(h % r == 0, "[pixel_unshuffle] expects height to be divisible by downscale_factor, but input.size(-2)=", h,
           " is not divisible by ", r);
  TG_CHECK(w % r == 0, "[pixel_unshuffle] expects width to be divisible by downscale_factor, but input.size(-1)=", w,
           " is not divisible by ", r);
  int64_t oc = 0;  // c * r * r: checked (an empty image allows any factor)
  TG_CHECK(!__builtin_mul_overflow(c, r, &oc) && !__builtin_mul_overflow(oc, r, &oc), "[pixel_unshuffle] the "
           "output channels (", c, "*", r, "*", r, ") are too many");
  const DimVector batch = batch_dims(self);
  const int64_t nb = int64_t(batch.size());
  // (*, c, h/r, r, w/r, r) -> (*, c, r, r, h/r, w/r) -> (*, c*r*r, h/r, w/r)
  const Tensor x = tg::reshape(self, with_tail(batch, {c, h / r, r, w / r, r}));
  return tg::reshape(tg::permute(x, batch_then(nb, {0, 2, 4, 1, 3})), with_tail(batch, {oc, h / r, w / r}));
}

Tensor normalize(const Tensor& input, double p, int64_t dim, double eps) {
  const Tensor norm = tg::linalg_vector_norm(input, Scalar(p), IntArrayRef{dim}, true);
  return input / tg::expand_as(tg::clamp_min(norm, Scalar(eps)), input);
}

Tensor cosine_similarity(const Tensor& x1, const Tensor& x2, int64_t dim, double eps) {
  const ScalarType dt = result_type({x1, x2});
  TG_CHECK(is_floating(dt), "[cosine_similarity] expected common dtype to be floating point, yet common dtype is ", dt);
  const DimVector shape = broadcast_shapes(x1.sizes(), x2.sizes(), "cosine_similarity");
  const Tensor a = tg::expand(tg::to(x1, dt), shape), b = tg::expand(tg::to(x2, dt), shape);
  // Each input divided by its norm clamped to eps (PyTorch clamps in place under no_grad: the value
  // is clamped, the gradient is the unclamped norm's, so the clamp's correction carries no history).
  // Without a gradient to record the clamp alone gives the same values, in 10 ops instead of 14
  // (a small call: 4.6 -> ~3.5 us).
  const bool records = GradMode::is_enabled() && (a.requires_grad() || b.requires_grad());
  auto clamped_norm = [&](const Tensor& x) {
    const Tensor n = tg::linalg_vector_norm(x, Scalar(2), IntArrayRef{dim}, true);
    if (!records) return tg::clamp_min(n, Scalar(eps));
    Tensor correction;
    {
      AutoGradMode no_grad(false);
      correction = tg::clamp_min(n, Scalar(eps)) - n;
    }
    return n + correction;
  };
  return tg::sum((a / clamped_norm(a)) * (b / clamped_norm(b)), IntArrayRef{dim}, false);
}

Tensor pairwise_distance(const Tensor& x1, const Tensor& x2, double p, double eps, bool keepdim) {
  const int64_t output_dim = std::max(x1.dim(), x2.dim());
  const Tensor diff = x1 - x2 + Scalar(eps);
  if (output_dim == 0)  // two 0-d inputs: the norm of the one difference
    return tg::linalg_vector_norm(tg::reshape(diff, {1}), Scalar(p), IntArrayRef{0}, false);
  return tg::linalg_vector_norm(diff, Scalar(p), IntArrayRef{output_dim - 1}, keepdim);
}

}  // namespace tg::native
