// Pointwise ops with three tensor operands: addcmul, addcdiv and lerp (scalar or tensor weight).
// Floating dtypes run on Vectorized<T> through cpu_kernel_vec (float16 / bfloat16 computed in
// float), the same formulas and operation order as PyTorch's CPU kernels; integer addcmul wraps
// around like add and mul.
#include "aten/vec/isa.h"
#include <type_traits>

#include "aten/dispatch/DtypeDispatch.h"
#include "aten/native/PointwiseOps.h"
#include "aten/native/ScalarOps.h"
#include "aten/native/cpu/Loops.h"
#include "kernels/addcdiv.h"
#include "kernels/addcmul.h"
#include "kernels/lerp.h"

namespace tg::native::CPU_CAPABILITY {

namespace {
// PyTorch's lerp_vec: start + weight * (end - start) for |weight| < 0.5, else
// end - (end - start) * (1 - weight), both as one fused multiply-add. Exact at weight 0 and 1,
// and monotonic in weight.
template <typename V>
inline V lerp_vec(const V& start, const V& end, const V& weight) {
  using E = typename V::value_type;
  const V small = vec::abs(weight) < V(E(0.5));
  const V coeff = vec::blendv(weight - V(E(1)), weight, small);
  const V base = vec::blendv(end, start, small);
  return vec::fmadd(coeff, end - start, base);
}
}  // namespace

void addcmul_kernel(const TensorIterator& iter, const Scalar& value) {
  dispatch_numeric(iter.common_dtype(), "addcmul", [&]<typename T>() {
    using Op = opmath_t<T>;
    const Op v = value.to<Op>();
    if constexpr (std::is_integral_v<T>) {
      cpu_kernel(iter, [v](T s, T a, T b) -> T { return T(wrap_add(Op(s), wrap_mul(wrap_mul(v, Op(a)), Op(b)))); });
    } else {
      using V = typename vec::VecIO<T>::vec_t;
      const V vv(v);
      cpu_kernel_vec<T>(iter, [vv](V s, V a, V b) { return s + vv * a * b; });
    }
  });
}

void addcdiv_kernel(const TensorIterator& iter, const Scalar& value) {
  check_addcdiv_dtypes(iter);
  // Past the check one of tensor1 / tensor2 is floating, so the common dtype is too.
  dispatch_floating(iter.common_dtype(), "addcdiv", [&]<typename T>() {
    using V = typename vec::VecIO<T>::vec_t;
    const V vv(value.to<opmath_t<T>>());
    cpu_kernel_vec<T>(iter, [vv](V s, V a, V b) { return s + vv * a / b; });
  });
}

void lerp_scalar_kernel(const TensorIterator& iter, const Scalar& weight) {
  check_lerp_dtypes(iter);
  dispatch_floating(iter.common_dtype(), "lerp", [&]<typename T>() {
    using V = typename vec::VecIO<T>::vec_t;
    const V w(weight.to<opmath_t<T>>());
    cpu_kernel_vec<T>(iter, [w](V s, V e) { return lerp_vec(s, e, w); });
  });
}

void lerp_tensor_kernel(const TensorIterator& iter) {
  check_lerp_dtypes(iter);
  dispatch_floating(iter.common_dtype(), "lerp", [&]<typename T>() {
    using V = typename vec::VecIO<T>::vec_t;
    cpu_kernel_vec<T>(iter, [](V s, V e, V w) { return lerp_vec(s, e, w); });
  });
}

}  // namespace tg::native::CPU_CAPABILITY
