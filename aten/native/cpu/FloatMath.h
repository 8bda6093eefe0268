#pragma once
// The front ends of the floating-point pointwise kernels: a kernel file (MathKernels.cpp, or a
// new op's own file under aten/native/cpu/ops/) calls one of these with one lambda.
//
//   float_math(iter, "sinc", [](auto x) { ... })       Vectorized<opmath_t<T>> in and out, every
//                                                       float dtype (float16 / bfloat16 compute
//                                                       in float and round once)
//   float_scalar_loop<T>(iter, [](auto a, auto b) { ... })   the same as scalar std:: code, for
//                                                       one dispatched dtype (double pow)
//
// Files that promise the same bits on every capability are compiled with -ffp-contract=off
// (CMakeLists.txt: MathKernels.cpp and aten/native/cpu/ops/).
#include "aten/vec/isa.h"
#include <limits>
#include <type_traits>

#include "aten/dispatch/DtypeDispatch.h"
#include "aten/iter/TensorIterator.h"
#include "aten/native/cpu/Loops.h"
#include "aten/parallel/Parallel.h"

namespace tg::native::CPU_CAPABILITY {

// f receives and returns Vectorized<opmath_t<T>> (a generic lambda, instantiated per dtype).
template <typename F>
void float_math(const TensorIterator& iter, const char* op, F f) {
  dispatch_floating(iter.common_dtype(), op, [&]<typename T>() { cpu_kernel_vec<T>(iter, f, kMathGrainSize); });
}
// The same with f_half for float16 / bfloat16 operands: a cheaper float evaluation accurate to a
// few float ulps (vec::for_half in aten/vec/vec_math_float.h), plenty for a result rounded to 11
// or 8 bits.
template <typename F, typename FHalf>
void float_math(const TensorIterator& iter, const char* op, F f, FHalf f_half) {
  dispatch_floating(iter.common_dtype(), op, [&]<typename T>() {
    if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>) cpu_kernel_vec<T>(iter, f_half, kMathGrainSize);
    else cpu_kernel_vec<T>(iter, f, kMathGrainSize);
  });
}

namespace detail {
// A NaN result of float_scalar is the positive quiet NaN: which operand's NaN a product of two
// NaNs keeps depends on the order the compiler emits the operands in, which differed between
// capabilities (float32 xlogy(nan, -0.5)) and even between the full-vector and tail code of one
// build (float16 xlogy came out -nan or nan with the thread count).
template <typename X>
X positive_nan_if_nan(X r) { return r != r ? std::numeric_limits<X>::quiet_NaN() : r; }
// f applied lane by lane to the float vectors of float16 / bfloat16 operands.
template <typename F, typename V>
V lanewise(const F& f, const V& x) {
  alignas(64) typename V::value_type a[V::size()];
  x.store(a);
  for (int i = 0; i < V::size(); ++i) a[i] = positive_nan_if_nan(f(a[i]));
  return V::loadu(a);
}
template <typename F, typename V>
V lanewise(const F& f, const V& x, const V& y) {
  alignas(64) typename V::value_type a[V::size()], b[V::size()];
  x.store(a);
  y.store(b);
  for (int i = 0; i < V::size(); ++i) a[i] = positive_nan_if_nan(f(a[i], b[i]));
  return V::loadu(a);
}
}  // namespace detail

// float_scalar for one dtype T (already dispatched). float16 / bfloat16 operands are converted a
// vector at a time (F16C) and f runs lane by lane in float: the same values as converting each
// element, at a third of the cost (a float16 pow of 4M elements: 26.7 ms, float32's 7.3 ms).
template <typename T, typename F>
void float_scalar_loop(const TensorIterator& iter, F f) {
  constexpr bool reduced = std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>;
  if constexpr (std::is_invocable_v<F, opmath_t<T>>) {
    if constexpr (reduced) cpu_kernel_vec<T>(iter, [f](auto x) { return detail::lanewise(f, x); }, kMathGrainSize);
    else cpu_kernel(iter, [f](T a) -> T { return T(detail::positive_nan_if_nan(f(opmath_t<T>(a)))); }, kMathGrainSize);
  } else {
    if constexpr (reduced) cpu_kernel_vec<T>(iter, [f](auto x, auto y) { return detail::lanewise(f, x, y); }, kMathGrainSize);
    else cpu_kernel(iter, [f](T a, T b) -> T {
      return T(detail::positive_nan_if_nan(f(opmath_t<T>(a), opmath_t<T>(b))));
    }, kMathGrainSize);
  }
}

}  // namespace tg::native::CPU_CAPABILITY
