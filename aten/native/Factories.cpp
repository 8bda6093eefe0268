// Factory composites: fill an `empty` tensor of the requested dtype and device.
#include "aten/core/DefaultDtype.h"
#include "kernels/arange.h"
#include "kernels/empty_like.h"
#include "kernels/full.h"
#include "kernels/full_like.h"
#include "kernels/ones.h"
#include "kernels/ones_like.h"
#include "kernels/randint.h"
#include "kernels/zeros.h"
#include "kernels/zeros_like.h"
#include "ops/arange.h"
#include "ops/empty.h"
#include "ops/fill_.h"
#include "ops/randint.h"

namespace tg::native {

Tensor full(IntArrayRef size, const Scalar& fill_value, std::optional<ScalarType> dtype, std::optional<Device> device) {
  // Like PyTorch: the fill value's kind picks the dtype (bool, int64, default float).
  ScalarType dt = dtype.value_or(fill_value.is_bool() ? ScalarType::Bool
                                 : fill_value.is_integral() ? ScalarType::Int64
                                                            : default_float_dtype());
  Tensor t = tg::empty(size, dt, device);
  tg::fill_(t, fill_value);
  return t;
}
Tensor zeros(IntArrayRef size, std::optional<ScalarType> dtype, std::optional<Device> device) {
  return full(size, Scalar(int64_t(0)), dtype.value_or(default_float_dtype()), device);
}
Tensor ones(IntArrayRef size, std::optional<ScalarType> dtype, std::optional<Device> device) {
  return full(size, Scalar(int64_t(1)), dtype.value_or(default_float_dtype()), device);
}
Tensor empty_like(const Tensor& self, std::optional<ScalarType> dtype, std::optional<Device> device) {
  return empty_like_layout(self, dtype.value_or(self.dtype()), device.value_or(self.device()));
}
Tensor full_like(const Tensor& self, const Scalar& fill_value, std::optional<ScalarType> dtype,
                 std::optional<Device> device) {
  Tensor t = empty_like(self, dtype, device);
  tg::fill_(t, fill_value);
  return t;
}
Tensor zeros_like(const Tensor& self, std::optional<ScalarType> dtype, std::optional<Device> device) {
  return full_like(self, Scalar(int64_t(0)), dtype, device);
}
Tensor ones_like(const Tensor& self, std::optional<ScalarType> dtype, std::optional<Device> device) {
  return full_like(self, Scalar(int64_t(1)), dtype, device);
}

// arange(end) and randint(high, size): PyTorch's short overloads, starting at 0.
Tensor arange_end(const Scalar& end, std::optional<ScalarType> dtype, std::optional<Device> device) {
  return tg::arange(Scalar(int64_t(0)), end, Scalar(int64_t(1)), dtype, device);
}
Tensor randint_high(int64_t high, IntArrayRef size, const std::optional<Generator>& generator,
                    std::optional<ScalarType> dtype, std::optional<Device> device) {
  return tg::randint(0, high, size, generator, dtype, device);
}

}  // namespace tg::native
