#include "aten/core/TensorOperators.h"

#include "aten/core/Tensor.h"
#include "ops/add.h"
#include "ops/div.h"
#include "ops/eq.h"
#include "ops/ge.h"
#include "ops/gt.h"
#include "ops/le.h"
#include "ops/lt.h"
#include "ops/mul.h"
#include "ops/ne.h"
#include "ops/neg.h"
#include "ops/sub.h"

namespace tg {

namespace {
// A Python-number-like 0-d CPU tensor: a weak scalar, so `x * 2` keeps x's dtype and device.
Tensor wrap(const Scalar& s) { return wrapped_scalar_tensor(s); }
}  // namespace

Tensor operator+(const Tensor& a, const Tensor& b) { return tg::add(a, b); }
Tensor operator-(const Tensor& a, const Tensor& b) { return tg::sub(a, b); }
Tensor operator*(const Tensor& a, const Tensor& b) { return tg::mul(a, b); }
Tensor operator/(const Tensor& a, const Tensor& b) { return tg::div(a, b); }
Tensor operator+(const Tensor& a, const Scalar& b) { return tg::add(a, wrap(b)); }
Tensor operator-(const Tensor& a, const Scalar& b) { return tg::sub(a, wrap(b)); }
Tensor operator*(const Tensor& a, const Scalar& b) { return tg::mul(a, wrap(b)); }
Tensor operator/(const Tensor& a, const Scalar& b) { return tg::div(a, wrap(b)); }
Tensor operator+(const Scalar& a, const Tensor& b) { return tg::add(wrap(a), b); }
Tensor operator-(const Scalar& a, const Tensor& b) { return tg::sub(wrap(a), b); }
Tensor operator*(const Scalar& a, const Tensor& b) { return tg::mul(wrap(a), b); }
Tensor operator/(const Scalar& a, const Tensor& b) { return tg::div(wrap(a), b); }
Tensor operator-(const Tensor& a) { return tg::neg(a); }

Tensor operator==(const Tensor& a, const Tensor& b) { return tg::eq(a, b); }
Tensor operator!=(const Tensor& a, const Tensor& b) { return tg::ne(a, b); }
Tensor operator<(const Tensor& a, const Tensor& b) { return tg::lt(a, b); }
Tensor operator<=(const Tensor& a, const Tensor& b) { return tg::le(a, b); }
Tensor operator>(const Tensor& a, const Tensor& b) { return tg::gt(a, b); }
Tensor operator>=(const Tensor& a, const Tensor& b) { return tg::ge(a, b); }
Tensor operator==(const Tensor& a, const Scalar& b) { return tg::eq(a, wrap(b)); }
Tensor operator!=(const Tensor& a, const Scalar& b) { return tg::ne(a, wrap(b)); }
Tensor operator<(const Tensor& a, const Scalar& b) { return tg::lt(a, wrap(b)); }
Tensor operator<=(const Tensor& a, const Scalar& b) { return tg::le(a, wrap(b)); }
Tensor operator>(const Tensor& a, const Scalar& b) { return tg::gt(a, wrap(b)); }
Tensor operator>=(const Tensor& a, const Scalar& b) { return tg::ge(a, wrap(b)); }
Tensor operator==(const Scalar& a, const Tensor& b) { return tg::eq(wrap(a), b); }
Tensor operator!=(const Scalar& a, const Tensor& b) { return tg::ne(wrap(a), b); }
Tensor operator<(const Scalar& a, const Tensor& b) { return tg::lt(wrap(a), b); }
Tensor operator<=(const Scalar& a, const Tensor& b) { return tg::le(wrap(a), b); }
Tensor operator>(const Scalar& a, const Tensor& b) { return tg::gt(wrap(a), b); }
Tensor operator>=(const Scalar& a, const Tensor& b) { return tg::ge(wrap(a), b); }

Tensor& operator+=(Tensor& a, const Tensor& b) { return tg::add_(a, b); }
Tensor& operator-=(Tensor& a, const Tensor& b) { return tg::sub_(a, b); }
Tensor& operator*=(Tensor& a, const Tensor& b) { return tg::mul_(a, b); }
Tensor& operator/=(Tensor& a, const Tensor& b) { return tg::div_(a, b); }
Tensor& operator+=(Tensor& a, const Scalar& b) { return tg::add_(a, wrap(b)); }
Tensor& operator-=(Tensor& a, const Scalar& b) { return tg::sub_(a, wrap(b)); }
Tensor& operator*=(Tensor& a, const Scalar& b) { return tg::mul_(a, wrap(b)); }
Tensor& operator/=(Tensor& a, const Scalar& b) { return tg::div_(a, wrap(b)); }

}  // namespace tg
