// Reductions written with other ops (issue 9, Part B): var_mean, std_mean, aminmax, nanmean and
// logsumexp. The first four are `kind: composite` (autograd through the ops they call);
// logsumexp has its own derivative (derivatives.yaml), so the ops below run without autograd.
#include "aten/core/DefaultDtype.h"
#include <tuple>

#include "aten/core/Tensor.h"
#include "kernels/logsumexp.h"
#include "kernels/nanmean.h"
#include "kernels/std_mean.h"
#include "kernels/var_mean.h"
#include "ops/add.h"
#include "ops/amax.h"
#include "ops/amin.h"
#include "ops/div.h"
#include "ops/exp.h"
#include "ops/isfinite.h"
#include "ops/isnan.h"
#include "ops/log.h"
#include "ops/logical_not.h"
#include "ops/mean.h"
#include "ops/nansum.h"
#include "ops/squeeze.h"
#include "ops/std.h"
#include "ops/sub.h"
#include "ops/sum.h"
#include "ops/to.h"
#include "ops/var.h"
#include "ops/where.h"

namespace tg::native {

// Two passes (var, then mean): the Reduction front end's second output is an int64 index, so
// one kernel cannot return both in the input's dtype.
std::tuple<Tensor, Tensor> var_mean(const Tensor& self, std::optional<IntArrayRef> dim,
                                    const std::optional<Scalar>& correction, bool keepdim) {
  Tensor v = tg::var(self, dim, correction, keepdim);
  return {v, tg::mean(self, dim, keepdim)};
}

std::tuple<Tensor, Tensor> std_mean(const Tensor& self, std::optional<IntArrayRef> dim,
                                    const std::optional<Scalar>& correction, bool keepdim) {
  Tensor s = tg::std(self, dim, correction, keepdim);
  return {s, tg::mean(self, dim, keepdim)};
}

Tensor nanmean(const Tensor& self, std::optional<IntArrayRef> dim, bool keepdim, std::optional<ScalarType> dtype) {
  TG_CHECK(is_floating(self.dtype()), "[nanmean] expected input to have floating point dtype but got ", self.dtype());
  Tensor count = tg::sum(tg::logical_not(tg::isnan(self)), dim, keepdim);
  return tg::div(tg::nansum(self, dim, keepdim, dtype), count);
}

Tensor logsumexp(const Tensor& self, IntArrayRef dim, bool keepdim) {
  Tensor x = is_floating(self.dtype()) ? self : tg::to(self, default_float_dtype());
  if (x.numel() == 0) return tg::log(tg::sum(tg::exp(x), dim, keepdim));  // log(0) = -inf
  // Shift each slice by its max; an infinite max (all -inf, or a +inf) shifts by 0 so that
  // inf - inf does not make a nan.
  Tensor m = tg::amax(x, dim, /*keepdim=*/true);
  m = tg::where(tg::isfinite(m), m, wrapped_scalar_tensor(Scalar(0.0)));
  Tensor shift = keepdim ? m : dim.empty() ? tg::squeeze(m) : tg::squeeze(m, dim);  // dim=[]: every dim
  return tg::add(tg::log(tg::sum(tg::exp(tg::sub(x, m)), dim, keepdim)), shift);
}

}  // namespace tg::native
