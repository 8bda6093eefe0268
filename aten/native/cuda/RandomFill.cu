// In-place random fills, bernoulli and multinomial for CUDA tensors. uniform_ and normal_ run on
// the device (Random.cu's random_kernel); the other fills are drawn on the host by the CPU kernels
// (same generator, same element -> counter mapping) and copied over, so a CUDA fill is
// bit-identical to the CPU fill for the same seed, as randperm does in Random.cu.
#include "aten/native/Copy.h"
#include "aten/native/cuda/CUDACommon.cuh"
#include "kernels/bernoulli.h"
#include "kernels/bernoulli_.h"
#include "kernels/cauchy_.h"
#include "kernels/exponential_.h"
#include "kernels/geometric_.h"
#include "kernels/log_normal_.h"
#include "kernels/multinomial.h"
#include "kernels/random_.h"
#include "ops/bernoulli.h"
#include "ops/bernoulli_.h"
#include "ops/cauchy_.h"
#include "ops/exponential_.h"
#include "ops/geometric_.h"
#include "ops/log_normal_.h"
#include "ops/multinomial.h"
#include "ops/random_.h"

namespace tg::native::cuda {

namespace {
// Runs fill on a host tensor of self's shape and dtype, then copies it into self.
template <typename F>
Tensor& fill_on_host(Tensor& self, const char* op, const F& fill) {
  Tensor host = empty_tensor(self.sizes(), self.dtype(), Device(), op);
  fill(host);
  copy_into(self, host, op);
  return self;
}

Tensor to_host(const Tensor& t, const char* op) {
  Tensor host = empty_tensor(t.sizes(), t.dtype(), Device(), op);
  copy_into(host, t, op);
  return host;
}

Tensor to_device(const Tensor& host, Device device, const char* op) {
  Tensor out = empty_tensor(host.sizes(), host.dtype(), device, op);
  copy_into(out, host, op);
  return out;
}
}  // namespace

Tensor& bernoulli_float_cuda(Tensor& self, double p, const std::optional<Generator>& generator) {
  return fill_on_host(self, "bernoulli_", [&](Tensor& h) { tg::bernoulli_(h, p, generator); });
}
Tensor& exponential_cuda(Tensor& self, double lambd, const std::optional<Generator>& generator) {
  return fill_on_host(self, "exponential_", [&](Tensor& h) { tg::exponential_(h, lambd, generator); });
}
Tensor& geometric_cuda(Tensor& self, double p, const std::optional<Generator>& generator) {
  return fill_on_host(self, "geometric_", [&](Tensor& h) { tg::geometric_(h, p, generator); });
}
Tensor& log_normal_cuda(Tensor& self, double mean, double std, const std::optional<Generator>& generator) {
  return fill_on_host(self, "log_normal_", [&](Tensor& h) { tg::log_normal_(h, mean, std, generator); });
}
Tensor& cauchy_cuda(Tensor& self, double median, double sigma, const std::optional<Generator>& generator) {
  return fill_on_host(self, "cauchy_", [&](Tensor& h) { tg::cauchy_(h, median, sigma, generator); });
}
Tensor& random_from_cuda(Tensor& self, int64_t from, std::optional<int64_t> to, const std::optional<Generator>& generator) {
  return fill_on_host(self, "random_", [&](Tensor& h) { tg::random_(h, from, to, generator); });
}

Tensor bernoulli_cuda(const Tensor& self, const std::optional<Generator>& generator) {
  return to_device(tg::bernoulli(to_host(self, "bernoulli"), generator), self.device(), "bernoulli");
}
Tensor multinomial_cuda(const Tensor& self, int64_t num_samples, bool replacement, const std::optional<Generator>& generator) {
  Tensor host = tg::multinomial(to_host(self, "multinomial"), num_samples, replacement, generator);
  return to_device(host, self.device(), "multinomial");
}

}  // namespace tg::native::cuda
