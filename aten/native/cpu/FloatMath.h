#pragma once
// The front ends of the floating-point pointwise kernels: a kernel file (MathKernels.cpp, or a
// new op's own file under aten/native/cpu/ops/) calls one of these with one lambda.
//
//   float_math(iter, "sinc", [](auto x) { ... })       Vectorized<opmath_t<T>> in and out, every
//                                                       float dtype (float16 / bfloat16 compute
//                                                       in float and round once)
//   float_scalar(iter, "xlogy", [](auto a, auto b) { ... })   the same as scalar std:: code
//
// Files that promise the same bits on every capability are compiled with -ffp-contract=off
// (CMakeLists.txt: MathKernels.cpp and aten/native/cpu/ops/).
#include "aten/vec/isa.h"
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

// f receives and returns opmath_t<T> scalars, one argument per input (for functions that have no
// Vectorized form yet).
template <typename F>
void float_scalar(const TensorIterator& iter, const char* op, F f) {
  dispatch_floating(iter.common_dtype(), op, [&]<typename T>() {
    if constexpr (std::is_invocable_v<F, opmath_t<T>>) {
      cpu_kernel(iter, [f](T a) -> T { return T(f(opmath_t<T>(a))); }, kMathGrainSize);
    } else {
      cpu_kernel(iter, [f](T a, T b) -> T { return T(f(opmath_t<T>(a), opmath_t<T>(b))); }, kMathGrainSize);
    }
  });
}

}  // namespace tg::native::CPU_CAPABILITY
