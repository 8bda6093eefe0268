// Bitwise ops on CUDA (semantics of aten/native/cpu/BitwiseOpsKernel.cpp): &, |, ^, ~ on bool
// and integers, << and >> with PyTorch's rules for out-of-range shift amounts (ScalarOps.h).
#include "aten/native/ScalarOps.h"
#include "aten/native/cuda/Loops.cuh"
#include "kernels/bitwise_and.h"
#include "kernels/bitwise_left_shift.h"
#include "kernels/bitwise_not.h"
#include "kernels/bitwise_or.h"
#include "kernels/bitwise_right_shift.h"
#include "kernels/bitwise_xor.h"

namespace tg::native::cuda {

namespace {
enum class Bit { And, Or, Xor, Shl, Shr };
template <typename T, Bit F>
struct BitwiseOp {
  __device__ T operator()(T a, T b) const {
    if constexpr (F == Bit::And) return T(a & b);
    else if constexpr (F == Bit::Or) return T(a | b);
    else if constexpr (F == Bit::Xor) return T(a ^ b);
    else if constexpr (F == Bit::Shl) return shift_left(a, b);
    else return shift_right(a, b);
  }
};
template <typename T>
struct BitwiseNotOp {
  __device__ T operator()(T a) const {
    if constexpr (std::is_same_v<T, bool>) return !a;
    else return T(~a);
  }
};
template <DtypeSet Set, Bit F>
void bitwise(const TensorIterator& iter, const char* op) {
  dispatch_device<Set>(iter.common_dtype(), op, [&]<typename T>() { gpu_kernel(iter, BitwiseOp<T, F>{}); });
}
}  // namespace

void bitwise_and_kernel(const TensorIterator& iter) { bitwise<DtypeSet::IntegralAndBool, Bit::And>(iter, "bitwise_and"); }
void bitwise_or_kernel(const TensorIterator& iter) { bitwise<DtypeSet::IntegralAndBool, Bit::Or>(iter, "bitwise_or"); }
void bitwise_xor_kernel(const TensorIterator& iter) { bitwise<DtypeSet::IntegralAndBool, Bit::Xor>(iter, "bitwise_xor"); }
void bitwise_left_shift_kernel(const TensorIterator& iter) { bitwise<DtypeSet::Integral, Bit::Shl>(iter, "bitwise_left_shift"); }
void bitwise_right_shift_kernel(const TensorIterator& iter) { bitwise<DtypeSet::Integral, Bit::Shr>(iter, "bitwise_right_shift"); }
void bitwise_not_kernel(const TensorIterator& iter) {
  dispatch_device<DtypeSet::IntegralAndBool>(iter.common_dtype(), "bitwise_not", [&]<typename T>() {
    gpu_kernel(iter, BitwiseNotOp<T>{});
  });
}

}  // namespace tg::native::cuda
