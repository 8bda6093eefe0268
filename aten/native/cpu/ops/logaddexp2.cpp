// logaddexp2: log2(2^a + 2^b), a pointwise op in a file of its own (README, "Adding an op").
#include "aten/native/cpu/FloatMath.h"
#include "aten/vec/vec_math_extra.h"
#include "kernels/logaddexp2.h"

namespace tg::native::CPU_CAPABILITY {

// max(a, b) + log1p(2^-|a - b|) / ln 2 (PyTorch's formula); equal infinities give themselves.
void logaddexp2_kernel(const TensorIterator& iter) {
  float_math(iter, "logaddexp2", [](auto a, auto b) {
    using V = decltype(a);
    using T = typename V::value_type;
    const V m = vec::maximum(a, b);  // NaN propagates
    const V r = m + vec::xdetail::log1p_nonneg<T, true>(vec::exp2(-vec::abs(a - b))) * V(T(1.4426950408889634));
    const V r2 = vec::blendv(r, m, (vec::abs(m) == vec::xdetail::inf_<T>()) & (a == b));
    return vec::blendv(r2, vec::xdetail::nan_<T>(), (a != a) | (b != b));  // one NaN on every capability
  });
}

}  // namespace tg::native::CPU_CAPABILITY
