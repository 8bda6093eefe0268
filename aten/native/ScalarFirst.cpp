// The `Scalar self, Tensor other` overloads (issue 9): tg.pow(2, t), tg.remainder(5, t),
// tg.xlogy(2, t), tg.bitwise_and(3, t), ... as in PyTorch. The number becomes a "wrapped" 0-d
// tensor, the weak operand of type promotion (what a Python number is in `t ** 2`), so that
// pow(2, float16 tensor) stays float16 and pow(2.5, int64 tensor) is float32; the Tensor-Tensor
// op then does the work, with its kernels, dtype checks and gradient.
#include "aten/core/Tensor.h"
#include "kernels/bitwise_and.h"
#include "kernels/bitwise_left_shift.h"
#include "kernels/bitwise_or.h"
#include "kernels/bitwise_right_shift.h"
#include "kernels/bitwise_xor.h"
#include "kernels/pow.h"
#include "kernels/remainder.h"
#include "kernels/xlogy.h"
#include "ops/bitwise_and.h"
#include "ops/bitwise_left_shift.h"
#include "ops/bitwise_or.h"
#include "ops/bitwise_right_shift.h"
#include "ops/bitwise_xor.h"
#include "ops/pow.h"
#include "ops/remainder.h"
#include "ops/xlogy.h"

namespace tg::native {

Tensor pow_scalar_self(const Scalar& self, const Tensor& exponent) {
  return tg::pow(wrapped_scalar_tensor(self), exponent);
}

Tensor remainder_scalar_self(const Scalar& self, const Tensor& other) {
  return tg::remainder(wrapped_scalar_tensor(self), other);
}

Tensor xlogy_scalar_self(const Scalar& self, const Tensor& other) {
  return tg::xlogy(wrapped_scalar_tensor(self), other);
}

Tensor bitwise_and_scalar_self(const Scalar& self, const Tensor& other) {
  return tg::bitwise_and(wrapped_scalar_tensor(self), other);
}

Tensor bitwise_or_scalar_self(const Scalar& self, const Tensor& other) {
  return tg::bitwise_or(wrapped_scalar_tensor(self), other);
}

Tensor bitwise_xor_scalar_self(const Scalar& self, const Tensor& other) {
  return tg::bitwise_xor(wrapped_scalar_tensor(self), other);
}

Tensor bitwise_left_shift_scalar_self(const Scalar& self, const Tensor& other) {
  return tg::bitwise_left_shift(wrapped_scalar_tensor(self), other);
}

Tensor bitwise_right_shift_scalar_self(const Scalar& self, const Tensor& other) {
  return tg::bitwise_right_shift(wrapped_scalar_tensor(self), other);
}

}  // namespace tg::native
