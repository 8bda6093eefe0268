// Comparisons, logical ops and where on CUDA: inputs in the common dtype, output bool (where:
// the common dtype). Semantics of aten/native/cpu/CompareOpsKernel.cpp.
#include "aten/native/cuda/Loops.cuh"
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

namespace tg::native::cuda {

namespace {

enum class Cmp { Eq, Ne, Lt, Le, Gt, Ge, And, Or };

template <typename T, Cmp C>
struct CompareOp {
  __device__ bool operator()(T x, T y) const {
    const auto a = to_op(x), b = to_op(y);
    using Op = decltype(a);
    if constexpr (C == Cmp::Eq) return a == b;
    else if constexpr (C == Cmp::Ne) return a != b;
    else if constexpr (C == Cmp::Lt) return a < b;
    else if constexpr (C == Cmp::Le) return a <= b;
    else if constexpr (C == Cmp::Gt) return a > b;
    else if constexpr (C == Cmp::Ge) return a >= b;
    else if constexpr (C == Cmp::And) return a != Op(0) && b != Op(0);
    else return a != Op(0) || b != Op(0);
  }
};

template <Cmp C>
void compare(const TensorIterator& iter, const char* op) {
  dispatch_device<DtypeSet::All>(iter.common_dtype(), op, [&]<typename T>() { gpu_kernel(iter, CompareOp<T, C>{}); });
}

template <typename T>
struct LogicalNotOp {
  __device__ bool operator()(T x) const { return to_op(x) == opmath_t<T>(0); }
};
template <typename T>
struct WhereOp {
  __device__ T operator()(bool c, T a, T b) const { return c ? a : b; }  // promotion: where (bool condition)
};

}  // namespace

void eq_kernel(const TensorIterator& iter) { compare<Cmp::Eq>(iter, "eq"); }
void ne_kernel(const TensorIterator& iter) { compare<Cmp::Ne>(iter, "ne"); }
void lt_kernel(const TensorIterator& iter) { compare<Cmp::Lt>(iter, "lt"); }
void le_kernel(const TensorIterator& iter) { compare<Cmp::Le>(iter, "le"); }
void gt_kernel(const TensorIterator& iter) { compare<Cmp::Gt>(iter, "gt"); }
void ge_kernel(const TensorIterator& iter) { compare<Cmp::Ge>(iter, "ge"); }
void logical_and_kernel(const TensorIterator& iter) { compare<Cmp::And>(iter, "logical_and"); }
void logical_or_kernel(const TensorIterator& iter) { compare<Cmp::Or>(iter, "logical_or"); }

void logical_not_kernel(const TensorIterator& iter) {
  dispatch_device<DtypeSet::All>(iter.common_dtype(), "logical_not", [&]<typename T>() {
    gpu_kernel(iter, LogicalNotOp<T>{});
  });
}

void where_kernel(const TensorIterator& iter) {
  TG_CHECK(iter.original_input_dtype(1) == ScalarType::Bool, "[where] expected condition to be a boolean tensor, "
           "but got a tensor with dtype ", iter.original_input_dtype(1));
  dispatch_device<DtypeSet::All>(iter.common_dtype(), "where", [&]<typename T>() { gpu_kernel(iter, WhereOp<T>{}); });
}

}  // namespace tg::native::cuda
