// Unary pointwise kernels. Floating math runs in opmath_t (float for the half types).
#include "aten/vec/isa.h"
#include <cmath>

#include "aten/dispatch/DtypeDispatch.h"
#include "aten/native/cpu/Loops.h"
#include "kernels/abs.h"
#include "kernels/ceil.h"
#include "kernels/cos.h"
#include "kernels/exp.h"
#include "kernels/floor.h"
#include "kernels/log.h"
#include "kernels/neg.h"
#include "kernels/relu.h"
#include "kernels/round.h"
#include "kernels/rsqrt.h"
#include "kernels/sigmoid.h"
#include "kernels/sign.h"
#include "kernels/sin.h"
#include "kernels/sqrt.h"
#include "kernels/tanh.h"

namespace tg::native::CPU_CAPABILITY {

namespace {
// One floating-point function applied elementwise: f receives and returns opmath_t<T>.
template <typename F>
void float_unary(const TensorIterator& iter, const char* op, F f) {
  dispatch_floating(iter.common_dtype(), op, [&]<typename T>() {
    cpu_kernel(iter, [f](T x) -> T { return T(f(opmath_t<T>(x))); });
  });
}
}  // namespace

void exp_kernel(const TensorIterator& iter) { float_unary(iter, "exp", [](auto x) { return std::exp(x); }); }
void log_kernel(const TensorIterator& iter) { float_unary(iter, "log", [](auto x) { return std::log(x); }); }
void sqrt_kernel(const TensorIterator& iter) { float_unary(iter, "sqrt", [](auto x) { return std::sqrt(x); }); }
void rsqrt_kernel(const TensorIterator& iter) {
  float_unary(iter, "rsqrt", [](auto x) { return decltype(x)(1) / std::sqrt(x); });
}
void sin_kernel(const TensorIterator& iter) { float_unary(iter, "sin", [](auto x) { return std::sin(x); }); }
void cos_kernel(const TensorIterator& iter) { float_unary(iter, "cos", [](auto x) { return std::cos(x); }); }
void tanh_kernel(const TensorIterator& iter) { float_unary(iter, "tanh", [](auto x) { return std::tanh(x); }); }
void sigmoid_kernel(const TensorIterator& iter) {
  float_unary(iter, "sigmoid", [](auto x) { return decltype(x)(1) / (decltype(x)(1) + std::exp(-x)); });
}

void neg_kernel(const TensorIterator& iter) {
  TG_CHECK(iter.common_dtype() != ScalarType::Bool, "[neg] negation, the `-` operator, on a bool tensor is not "
           "supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.");
  dispatch_numeric(iter.common_dtype(), "neg", [&]<typename T>() {
    if constexpr (std::is_integral_v<T>)
      cpu_kernel(iter, [](T x) -> T { return T(std::make_unsigned_t<T>(0) - std::make_unsigned_t<T>(x)); });
    else cpu_kernel(iter, [](T x) -> T { return -x; });
  });
}

void abs_kernel(const TensorIterator& iter) {
  dispatch_numeric(iter.common_dtype(), "abs", [&]<typename T>() {
    if constexpr (std::is_unsigned_v<T>) cpu_kernel(iter, [](T x) -> T { return x; });
    else if constexpr (std::is_integral_v<T>)
      cpu_kernel(iter, [](T x) -> T { return x < 0 ? T(std::make_unsigned_t<T>(0) - std::make_unsigned_t<T>(x)) : x; });
    else cpu_kernel(iter, [](T x) -> T { return T(std::fabs(opmath_t<T>(x))); });
  });
}

void sign_kernel(const TensorIterator& iter) {
  dispatch_all(iter.common_dtype(), "sign", [&]<typename T>() {
    if constexpr (std::is_same_v<T, bool>) cpu_kernel(iter, [](bool x) -> bool { return x; });
    else cpu_kernel(iter, [](T x) -> T {
      using Op = opmath_t<T>;
      Op v = Op(x);
      if constexpr (!std::is_integral_v<T>) if (v != v) return T(0);  // PyTorch: sign(nan) = 0
      return T(Op((Op(0) < v) - (v < Op(0))));
    });
  });
}

void relu_kernel(const TensorIterator& iter) {
  dispatch_numeric(iter.common_dtype(), "relu", [&]<typename T>() {
    cpu_kernel(iter, [](T x) -> T {
      if constexpr (!std::is_integral_v<T>) if (x != x) return x;  // relu(nan) = nan
      return x < T(0) ? T(0) : x;
    });
  });
}

namespace {
// floor / ceil / round leave integers unchanged (PyTorch returns a copy).
template <typename F>
void rounding(const TensorIterator& iter, const char* op, F f) {
  dispatch_numeric(iter.common_dtype(), op, [&]<typename T>() {
    if constexpr (std::is_integral_v<T>) cpu_kernel(iter, [](T x) -> T { return x; });
    else cpu_kernel(iter, [f](T x) -> T { return T(f(opmath_t<T>(x))); });
  });
}
}  // namespace

void floor_kernel(const TensorIterator& iter) { rounding(iter, "floor", [](auto x) { return std::floor(x); }); }
void ceil_kernel(const TensorIterator& iter) { rounding(iter, "ceil", [](auto x) { return std::ceil(x); }); }
// Round half to even, like PyTorch and NumPy (nearbyint under the default rounding mode).
void round_kernel(const TensorIterator& iter) { rounding(iter, "round", [](auto x) { return std::nearbyint(x); }); }

}  // namespace tg::native::CPU_CAPABILITY
