// sinc: a pointwise op in a file of its own (README, "Adding an op"): adding or changing it
// recompiles this file (once per capability) and nothing else.
#include "aten/native/cpu/FloatMath.h"
#include "aten/vec/vec_math_extra.h"
#include "kernels/sinc.h"

namespace tg::native::CPU_CAPABILITY {

// sin(pi x) / (pi x), 1 at 0 (as PyTorch: pi x rounded to the compute type first).
void sinc_kernel(const TensorIterator& iter) {
  float_math(iter, "sinc", [](auto x) {
    using V = decltype(x);
    using S = typename V::value_type;
    const V px = x * V(S(M_PI));
    return vec::blendv(vec::sin(px) / px, V(1), x == V(0));
  });
}

}  // namespace tg::native::CPU_CAPABILITY
