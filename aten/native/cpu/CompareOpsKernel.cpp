// Comparison and logical kernels (inputs in the common dtype, output bool) and where (a bool
// condition, values in the common dtype).
//
// All run on Vectorized<T> through cpu_kernel_vec with bool operands (Loops.h): the comparison
// gives a mask vector, stored as one byte per element (0 or 1); where reads its bool condition
// as a mask and blends. Float16 / bfloat16 compare in float (exact: the conversion is), and bool
// tensors run plain bool loops (where reads them as uint8_t vectors).
#include "aten/vec/isa.h"
#include <type_traits>

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
// The element type the vector code uses for dtype T: bool as its byte.
template <typename T>
using vec_elem_t = std::conditional_t<std::is_same_v<T, bool>, uint8_t, T>;

template <typename V>
inline V nonzero(const V& a) { return a != V(typename V::value_type(0)); }  // NaN counts as true
inline bool nonzero(bool a) { return a; }

// cmp(V a, V b) -> mask, for every dtype; NaN compares like IEEE (only != is true). Bool inputs
// (0 / 1 bytes) run cmp on bools instead: a plain loop the compiler vectorizes 32-64 bytes at a
// time, where the portable byte vectors of the AVX2 build did not.
template <typename Cmp>
void compare(const TensorIterator& iter, const char* op, Cmp cmp) {
  dispatch_all(iter.common_dtype(), op, [&]<typename T>() {
    if constexpr (std::is_same_v<T, bool>) cpu_kernel(iter, [cmp](bool a, bool b) -> bool { return cmp(a, b); });
    else cpu_kernel_vec<T, kBoolOutput>(iter, cmp);
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
  compare(iter, "logical_and", [](auto a, auto b) { return nonzero(a) & nonzero(b); });
}
void logical_or_kernel(const TensorIterator& iter) {
  compare(iter, "logical_or", [](auto a, auto b) { return nonzero(a) | nonzero(b); });
}
void logical_not_kernel(const TensorIterator& iter) {
  dispatch_all(iter.common_dtype(), "logical_not", [&]<typename T>() {
    if constexpr (std::is_same_v<T, bool>) {
      cpu_kernel(iter, [](bool a) -> bool { return !a; });
    } else {
      using V = typename vec::VecIO<T>::vec_t;
      cpu_kernel_vec<T, kBoolOutput>(iter, [](V a) { return a == V(typename V::value_type(0)); });
    }
  });
}

void where_kernel(const TensorIterator& iter) {
  TG_CHECK(iter.original_input_dtype(1) == ScalarType::Bool, "[where] expected condition to be a boolean tensor, "
           "but got a tensor with dtype ", iter.original_input_dtype(1));
  dispatch_all(iter.common_dtype(), "where", [&]<typename T>() {
    // Only selects bits: float16 / bfloat16 as int16 (no round trip through float, which would
    // not keep NaN payloads), bool as its byte.
    using E = std::conditional_t<sizeof(T) == 2 && !std::is_integral_v<T>, int16_t, vec_elem_t<T>>;
    using V = typename vec::VecIO<E>::vec_t;
    // The condition stays bool (promotion: where): read as a mask, no cast of the whole tensor.
    cpu_kernel_vec<E, bool_input(0)>(iter, [](V c, V a, V b) { return vec::blendv(b, a, c); });
  });
}

}  // namespace tg::native::CPU_CAPABILITY
