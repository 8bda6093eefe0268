// Activations on CUDA (semantics of aten/native/cpu/ActivationKernel.cpp): one functor per op
// over gpu_kernel, computing in opmath_t (float for the half types). The device's erfc, log1p,
// expm1 and tanh are used directly (no approximation needed on the GPU).
#include <string_view>

#include "aten/native/cuda/Loops.cuh"
#include "kernels/elu.h"
#include "kernels/gelu.h"
#include "kernels/gelu_backward.h"
#include "kernels/hardsigmoid.h"
#include "kernels/hardswish.h"
#include "kernels/hardswish_backward.h"
#include "kernels/_prelu_kernel.h"
#include "kernels/hardtanh.h"
#include "kernels/leaky_relu.h"
#include "kernels/log_sigmoid.h"
#include "kernels/log_sigmoid_backward.h"
#include "kernels/mish.h"
#include "kernels/silu.h"
#include "kernels/silu_backward.h"
#include "kernels/softplus.h"
#include "kernels/softsign.h"
#include "kernels/tanhshrink.h"
#include "kernels/threshold.h"
#include "kernels/threshold_backward.h"

namespace tg::native::cuda {

namespace {

constexpr double kSqrt1_2 = 0.70710678118654752440;
constexpr double kInvSqrt2Pi = 0.39894228040143267794;
constexpr double kSqrt2OverPi = 0.79788456080286535588;
constexpr double kGeluCubic = 0.044715;

enum class Act { Gelu, GeluTanh, Silu, Mish, Hardsigmoid, Hardswish, LogSigmoid, Softsign, Tanhshrink };

// Activations without parameters, chosen at compile time.
template <typename T, Act A>
struct ActOp {
  __device__ T operator()(T v) const {
    using Op = opmath_t<T>;
    const Op x = to_op(v);
    Op r;
    if constexpr (A == Act::Gelu) {
      r = x * Op(0.5) * erfc(-x * Op(kSqrt1_2));
    } else if constexpr (A == Act::GeluTanh) {
      r = Op(0.5) * x * (Op(1) + tanh(Op(kSqrt2OverPi) * (x + Op(kGeluCubic) * x * x * x)));
    } else if constexpr (A == Act::Silu) {
      r = x / (Op(1) + exp(-x));
    } else if constexpr (A == Act::Mish) {
      r = x * tanh(x > Op(20) ? x : log1p(exp(x)));
    } else if constexpr (A == Act::Hardsigmoid) {
      r = fmin(fmax(x + Op(3), Op(0)), Op(6)) / Op(6);
      if (x != x) r = x;
    } else if constexpr (A == Act::Hardswish) {
      r = x * fmin(fmax(x + Op(3), Op(0)), Op(6)) / Op(6);
    } else if constexpr (A == Act::LogSigmoid) {
      r = fmin(x, Op(0)) - log1p(exp(-fabs(x)));
    } else if constexpr (A == Act::Softsign) {
      r = x / (Op(1) + fabs(x));
    } else {
      r = x - tanh(x);
    }
    return from_op<T>(r);
  }
};

template <typename T, bool Tanh>
struct GeluBackwardOp {
  __device__ T operator()(T gv, T xv) const {
    using Op = opmath_t<T>;
    const Op g = to_op(gv), x = to_op(xv);
    if constexpr (Tanh) {
      const Op x2 = x * x;
      const Op t = tanh(Op(kSqrt2OverPi) * (x + Op(kGeluCubic) * x2 * x));
      const Op du = Op(kSqrt2OverPi) * (Op(1) + Op(3 * kGeluCubic) * x2);
      return from_op<T>(g * Op(0.5) * (Op(1) + t + x * (Op(1) - t * t) * du));
    } else {
      const Op cdf = Op(0.5) * erfc(-x * Op(kSqrt1_2));
      return from_op<T>(g * (cdf + x * Op(kInvSqrt2Pi) * exp(Op(-0.5) * x * x)));
    }
  }
};

template <typename T>
struct SiluBackwardOp {
  __device__ T operator()(T gv, T xv) const {
    using Op = opmath_t<T>;
    const Op g = to_op(gv), x = to_op(xv);
    const Op s = Op(1) / (Op(1) + exp(-x));
    return from_op<T>(g * s * (Op(1) + x * (Op(1) - s)));
  }
};

template <typename T>
struct LogSigmoidBackwardOp {  // g sigmoid(-x) = g / (1 + e^x)
  __device__ T operator()(T gv, T xv) const {
    using Op = opmath_t<T>;
    return from_op<T>(to_op(gv) / (Op(1) + exp(to_op(xv))));
  }
};

template <typename T>
struct SoftplusOp {
  opmath_t<T> beta, threshold;
  __device__ T operator()(T v) const {
    using Op = opmath_t<T>;
    const Op x = to_op(v), bx = x * beta;
    return from_op<T>(bx > threshold ? x : log1p(exp(bx)) / beta);
  }
};

template <typename T>
struct EluOp {
  opmath_t<T> negcoef, poscoef, negiptcoef;
  __device__ T operator()(T v) const {
    using Op = opmath_t<T>;
    const Op x = to_op(v);
    return from_op<T>(x <= Op(0) ? expm1(x * negiptcoef) * negcoef : x * poscoef);
  }
};

template <typename T>
struct LeakyReluOp {
  opmath_t<T> slope;
  __device__ T operator()(T v) const {
    const auto x = to_op(v);
    return from_op<T>(x > decltype(x)(0) ? x : x * slope);
  }
};

// Integer dtypes compare in their own type; NaN stays NaN.
// Integer dtypes compare in double (a bound outside the dtype's range clamps nothing, as on the
// CPU); NaN stays NaN.
template <typename T>
struct HardtanhOp {
  using C = std::conditional_t<is_floating_v<T>, opmath_t<T>, double>;
  C lo, hi;
  __device__ T operator()(T v) const {
    const C x = C(to_op(v));
    if constexpr (is_floating_v<T>) if (x != x) return v;
    const C r = x < lo ? lo : x;
    const C c = r > hi ? hi : r;  // lo > hi gives hi, like clamp
    if constexpr (is_floating_v<T>) return from_op<T>(c);
    else return T(c);
  }
};

template <typename T>
struct ThresholdOp {
  using C = std::conditional_t<is_floating_v<T>, opmath_t<T>, double>;
  C threshold;
  T value;
  __device__ T operator()(T v) const { return C(to_op(v)) <= threshold ? value : v; }
};

template <typename T>
struct ThresholdBackwardOp {
  using C = std::conditional_t<is_floating_v<T>, opmath_t<T>, double>;
  C threshold;
  __device__ T operator()(T g, T v) const { return C(to_op(v)) <= threshold ? T(0) : g; }
};

template <typename T>
struct HardswishBackwardOp {
  __device__ T operator()(T gv, T xv) const {
    using Op = opmath_t<T>;
    const Op g = to_op(gv), x = to_op(xv);
    return from_op<T>(x < Op(-3) ? Op(0) : x <= Op(3) ? g * (x / Op(3) + Op(0.5)) : g);
  }
};

template <typename T>
struct PreluOp {
  __device__ T operator()(T xv, T wv) const {
    using Op = opmath_t<T>;
    const Op x = to_op(xv);
    return x > Op(0) ? xv : from_op<T>(to_op(wv) * x);
  }
};

template <Act A>
void act_kernel(const TensorIterator& iter, const char* op) {
  dispatch_device<DtypeSet::Floating>(iter.common_dtype(), op, [&]<typename T>() { gpu_kernel(iter, ActOp<T, A>{}); });
}

bool gelu_is_tanh(const char* op, std::string_view approximate) {
  if (approximate == "none") return false;
  TG_CHECK(approximate == "tanh", "[", op, "] approximate argument must be either none or tanh, got '", approximate, "'");
  return true;
}

}  // namespace

void gelu_kernel(const TensorIterator& iter, std::string_view approximate) {
  if (gelu_is_tanh("gelu", approximate)) act_kernel<Act::GeluTanh>(iter, "gelu");
  else act_kernel<Act::Gelu>(iter, "gelu");
}
void gelu_backward_kernel(const TensorIterator& iter, std::string_view approximate) {
  const bool tanh_form = gelu_is_tanh("gelu_backward", approximate);
  dispatch_device<DtypeSet::Floating>(iter.common_dtype(), "gelu_backward", [&]<typename T>() {
    if (tanh_form) gpu_kernel(iter, GeluBackwardOp<T, true>{});
    else gpu_kernel(iter, GeluBackwardOp<T, false>{});
  });
}
void silu_kernel(const TensorIterator& iter) { act_kernel<Act::Silu>(iter, "silu"); }
void silu_backward_kernel(const TensorIterator& iter) {
  dispatch_device<DtypeSet::Floating>(iter.common_dtype(), "silu_backward",
                                      [&]<typename T>() { gpu_kernel(iter, SiluBackwardOp<T>{}); });
}
void mish_kernel(const TensorIterator& iter) { act_kernel<Act::Mish>(iter, "mish"); }
void hardsigmoid_kernel(const TensorIterator& iter) { act_kernel<Act::Hardsigmoid>(iter, "hardsigmoid"); }
void hardswish_kernel(const TensorIterator& iter) { act_kernel<Act::Hardswish>(iter, "hardswish"); }
void log_sigmoid_kernel(const TensorIterator& iter) { act_kernel<Act::LogSigmoid>(iter, "log_sigmoid"); }
void log_sigmoid_backward_kernel(const TensorIterator& iter) {
  dispatch_device<DtypeSet::Floating>(iter.common_dtype(), "log_sigmoid_backward",
                                      [&]<typename T>() { gpu_kernel(iter, LogSigmoidBackwardOp<T>{}); });
}
void softsign_kernel(const TensorIterator& iter) { act_kernel<Act::Softsign>(iter, "softsign"); }
void tanhshrink_kernel(const TensorIterator& iter) { act_kernel<Act::Tanhshrink>(iter, "tanhshrink"); }

void softplus_kernel(const TensorIterator& iter, const Scalar& beta, const Scalar& threshold) {
  dispatch_device<DtypeSet::Floating>(iter.common_dtype(), "softplus", [&]<typename T>() {
    using Op = opmath_t<T>;
    gpu_kernel(iter, SoftplusOp<T>{Op(beta.to_double()), Op(threshold.to_double())});
  });
}

void elu_kernel(const TensorIterator& iter, const Scalar& alpha, const Scalar& scale, const Scalar& input_scale) {
  dispatch_device<DtypeSet::Floating>(iter.common_dtype(), "elu", [&]<typename T>() {
    using Op = opmath_t<T>;
    gpu_kernel(iter, EluOp<T>{Op(alpha.to_double()) * Op(scale.to_double()), Op(scale.to_double()),
                              Op(input_scale.to_double())});
  });
}

void leaky_relu_kernel(const TensorIterator& iter, const Scalar& negative_slope) {
  dispatch_device<DtypeSet::Floating>(iter.common_dtype(), "leaky_relu", [&]<typename T>() {
    gpu_kernel(iter, LeakyReluOp<T>{opmath_t<T>(negative_slope.to_double())});
  });
}

void hardtanh_kernel(const TensorIterator& iter, const Scalar& min_val, const Scalar& max_val) {
  dispatch_device<DtypeSet::Numeric>(iter.common_dtype(), "hardtanh", [&]<typename T>() {
    using C = typename HardtanhOp<T>::C;
    gpu_kernel(iter, HardtanhOp<T>{C(min_val.to_double()), C(max_val.to_double())});
  });
}

void threshold_kernel(const TensorIterator& iter, const Scalar& threshold, const Scalar& value) {
  dispatch_device<DtypeSet::Numeric>(iter.common_dtype(), "threshold", [&]<typename T>() {
    using C = typename ThresholdOp<T>::C;
    T v;
    if constexpr (is_floating_v<T>) v = from_op<T>(opmath_t<T>(value.to_double()));
    else v = T(value.to_int());
    gpu_kernel(iter, ThresholdOp<T>{C(threshold.to_double()), v});
  });
}

void hardswish_backward_kernel(const TensorIterator& iter) {
  dispatch_device<DtypeSet::Floating>(iter.common_dtype(), "hardswish_backward", [&]<typename T>() {
    gpu_kernel(iter, HardswishBackwardOp<T>{});
  });
}

void prelu_kernel(const TensorIterator& iter) {
  dispatch_device<DtypeSet::Floating>(iter.common_dtype(), "_prelu_kernel", [&]<typename T>() {
    gpu_kernel(iter, PreluOp<T>{});
  });
}

void threshold_backward_kernel(const TensorIterator& iter, const Scalar& threshold) {
  dispatch_device<DtypeSet::Numeric>(iter.common_dtype(), "threshold_backward", [&]<typename T>() {
    gpu_kernel(iter, ThresholdBackwardOp<T>{typename ThresholdBackwardOp<T>::C(threshold.to_double())});
  });
}

}  // namespace tg::native::cuda
