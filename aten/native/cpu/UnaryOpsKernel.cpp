// Unary pointwise kernels. Floating math runs in opmath_t (float for the half types).
// The floating kernels run on Vectorized<T> (aten/vec/vec.h, vec_math.h for exp / log / sin /
// cos / tanh / sigmoid and their ulp bounds) through cpu_kernel_vec; float16 / bfloat16 are
// computed in Vectorized<float> and rounded back. Integer dtypes keep the scalar cpu_kernel
// loops, which the compiler vectorizes.
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
// One floating-point function applied elementwise: f receives and returns a Vectorized of
// opmath_t<T> (the function is a generic lambda, instantiated per dtype).
template <typename F>
void float_unary(const TensorIterator& iter, const char* op, F f, int64_t grain = kGrainSize) {
  dispatch_floating(iter.common_dtype(), op, [&]<typename T>() { cpu_kernel_vec<T>(iter, f, grain); });
}
}  // namespace

void exp_kernel(const TensorIterator& iter) { float_unary(iter, "exp", [](auto x) { return vec::exp(x); }, kMathGrainSize); }
void log_kernel(const TensorIterator& iter) { float_unary(iter, "log", [](auto x) { return vec::log(x); }, kMathGrainSize); }
void sqrt_kernel(const TensorIterator& iter) { float_unary(iter, "sqrt", [](auto x) { return vec::sqrt(x); }); }
void rsqrt_kernel(const TensorIterator& iter) { float_unary(iter, "rsqrt", [](auto x) { return vec::rsqrt(x); }); }
void sin_kernel(const TensorIterator& iter) { float_unary(iter, "sin", [](auto x) { return vec::sin(x); }, kMathGrainSize); }
void cos_kernel(const TensorIterator& iter) { float_unary(iter, "cos", [](auto x) { return vec::cos(x); }, kMathGrainSize); }
void tanh_kernel(const TensorIterator& iter) { float_unary(iter, "tanh", [](auto x) { return vec::tanh(x); }, kMathGrainSize); }
void sigmoid_kernel(const TensorIterator& iter) { float_unary(iter, "sigmoid", [](auto x) { return vec::sigmoid(x); }, kMathGrainSize); }

void neg_kernel(const TensorIterator& iter) {
  TG_CHECK(iter.common_dtype() != ScalarType::Bool, "[neg] negation, the `-` operator, on a bool tensor is not "
           "supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.");
  dispatch_numeric(iter.common_dtype(), "neg", [&]<typename T>() {
    if constexpr (std::is_integral_v<T>)
      cpu_kernel(iter, [](T x) -> T { return T(std::make_unsigned_t<T>(0) - std::make_unsigned_t<T>(x)); });
    else cpu_kernel_vec<T>(iter, [](auto x) { return -x; });
  });
}

void abs_kernel(const TensorIterator& iter) {
  dispatch_numeric(iter.common_dtype(), "abs", [&]<typename T>() {
    if constexpr (std::is_unsigned_v<T>) cpu_kernel(iter, [](T x) -> T { return x; });
    else if constexpr (std::is_integral_v<T>)
      cpu_kernel(iter, [](T x) -> T { return x < 0 ? T(std::make_unsigned_t<T>(0) - std::make_unsigned_t<T>(x)) : x; });
    else cpu_kernel_vec<T>(iter, [](auto x) { return vec::abs(x); });
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
    if constexpr (std::is_integral_v<T>) cpu_kernel(iter, [](T x) -> T { return x < T(0) ? T(0) : x; });
    else cpu_kernel_vec<T>(iter, [](auto x) {  // relu(nan) = nan, relu(-0) = -0
      using V = decltype(x);
      return vec::blendv(x, V(0), x < V(0));
    });
  });
}

namespace {
// floor / ceil / round leave integers unchanged (PyTorch returns a copy).
template <typename F>
void rounding(const TensorIterator& iter, const char* op, F f) {
  dispatch_numeric(iter.common_dtype(), op, [&]<typename T>() {
    if constexpr (std::is_integral_v<T>) cpu_kernel(iter, [](T x) -> T { return x; });
    else cpu_kernel_vec<T>(iter, f);
  });
}
}  // namespace

void floor_kernel(const TensorIterator& iter) { rounding(iter, "floor", [](auto x) { return vec::floor(x); }); }
void ceil_kernel(const TensorIterator& iter) { rounding(iter, "ceil", [](auto x) { return vec::ceil(x); }); }
// Round half to even, like PyTorch and NumPy.
void round_kernel(const TensorIterator& iter) { rounding(iter, "round", [](auto x) { return vec::round(x); }); }

}  // namespace tg::native::CPU_CAPABILITY
