// Bitwise kernels: &, |, ^, ~ on bool and integer tensors (on bool they are the logical
// operations), << and >> on integers with PyTorch's rules for out-of-range shift amounts
// (aten/native/ScalarOps.h). Scalar lambdas: the compiler vectorizes these integer loops.
#include "aten/vec/isa.h"
#include "aten/dispatch/DtypeDispatch.h"
#include "aten/native/ScalarOps.h"
#include "aten/native/cpu/Loops.h"
#include "kernels/bitwise_and.h"
#include "kernels/bitwise_left_shift.h"
#include "kernels/bitwise_not.h"
#include "kernels/bitwise_or.h"
#include "kernels/bitwise_right_shift.h"
#include "kernels/bitwise_xor.h"

namespace tg::native::CPU_CAPABILITY {

void bitwise_and_kernel(const TensorIterator& iter) {
  dispatch_dtype<DtypeSet::IntegralAndBool>(iter.common_dtype(), "bitwise_and", [&]<typename T>() {
    cpu_kernel(iter, [](T a, T b) -> T { return T(a & b); });
  });
}
void bitwise_or_kernel(const TensorIterator& iter) {
  dispatch_dtype<DtypeSet::IntegralAndBool>(iter.common_dtype(), "bitwise_or", [&]<typename T>() {
    cpu_kernel(iter, [](T a, T b) -> T { return T(a | b); });
  });
}
void bitwise_xor_kernel(const TensorIterator& iter) {
  dispatch_dtype<DtypeSet::IntegralAndBool>(iter.common_dtype(), "bitwise_xor", [&]<typename T>() {
    cpu_kernel(iter, [](T a, T b) -> T { return T(a ^ b); });
  });
}
void bitwise_not_kernel(const TensorIterator& iter) {
  dispatch_dtype<DtypeSet::IntegralAndBool>(iter.common_dtype(), "bitwise_not", [&]<typename T>() {
    if constexpr (std::is_same_v<T, bool>) cpu_kernel(iter, [](bool a) -> bool { return !a; });
    else cpu_kernel(iter, [](T a) -> T { return T(~a); });
  });
}
void bitwise_left_shift_kernel(const TensorIterator& iter) {
  dispatch_integral(iter.common_dtype(), "bitwise_left_shift", [&]<typename T>() {
    cpu_kernel(iter, [](T a, T b) -> T { return shift_left(a, b); });
  });
}
void bitwise_right_shift_kernel(const TensorIterator& iter) {
  dispatch_integral(iter.common_dtype(), "bitwise_right_shift", [&]<typename T>() {
    cpu_kernel(iter, [](T a, T b) -> T { return shift_right(a, b); });
  });
}

}  // namespace tg::native::CPU_CAPABILITY
