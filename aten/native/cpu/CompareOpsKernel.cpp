// Comparison and logical kernels: inputs in the common dtype, output bool.
#include "aten/vec/isa.h"
#include "aten/dispatch/DtypeDispatch.h"
#include "aten/native/cpu/Loops.h"
#include "kernels/eq.h"
#include "kernels/ge.h"
#include "kernels/gt.h"
#include "kernels/le.h"
#include "kernels/logical_and.h"
#include "kernels/logical_not.h"
#include "kernels/logical_or.h"
#include "kernels/lt.h"
#include "kernels/ne.h"
#include "kernels/where.h"

namespace tg::native::CPU_CAPABILITY {

namespace {
template <typename Cmp>
void compare(const TensorIterator& iter, const char* op, Cmp cmp) {
  dispatch_all(iter.common_dtype(), op, [&]<typename T>() {
    cpu_kernel(iter, [cmp](T a, T b) -> bool { return cmp(opmath_t<T>(a), opmath_t<T>(b)); });
  });
}
}  // namespace

void eq_kernel(const TensorIterator& iter) { compare(iter, "eq", [](auto a, auto b) { return a == b; }); }
void ne_kernel(const TensorIterator& iter) { compare(iter, "ne", [](auto a, auto b) { return a != b; }); }
void lt_kernel(const TensorIterator& iter) { compare(iter, "lt", [](auto a, auto b) { return a < b; }); }
void le_kernel(const TensorIterator& iter) { compare(iter, "le", [](auto a, auto b) { return a <= b; }); }
void gt_kernel(const TensorIterator& iter) { compare(iter, "gt", [](auto a, auto b) { return a > b; }); }
void ge_kernel(const TensorIterator& iter) { compare(iter, "ge", [](auto a, auto b) { return a >= b; }); }
void logical_and_kernel(const TensorIterator& iter) {
  compare(iter, "logical_and", [](auto a, auto b) { return a != decltype(a)(0) && b != decltype(b)(0); });
}
void logical_or_kernel(const TensorIterator& iter) {
  compare(iter, "logical_or", [](auto a, auto b) { return a != decltype(a)(0) || b != decltype(b)(0); });
}
void logical_not_kernel(const TensorIterator& iter) {
  dispatch_all(iter.common_dtype(), "logical_not", [&]<typename T>() {
    cpu_kernel(iter, [](T a) -> bool { return opmath_t<T>(a) == opmath_t<T>(0); });
  });
}

void where_kernel(const TensorIterator& iter) {
  TG_CHECK(iter.original_input_dtype(1) == ScalarType::Bool, "[where] expected condition to be a boolean tensor, "
           "but got a tensor with dtype ", iter.original_input_dtype(1));
  dispatch_all(iter.common_dtype(), "where", [&]<typename T>() {
    cpu_kernel(iter, [](T c, T a, T b) -> T { return opmath_t<T>(c) != opmath_t<T>(0) ? a : b; });
  });
}

}  // namespace tg::native::CPU_CAPABILITY
