// linalg_cross: the cross product of 3-vectors along dim, in one pass (it was a composite of
// rotations, products and a difference: 9x PyTorch's time). The TensorIterator runs over the
// output with dim narrowed to its first element, so each of its positions is one vector; the
// kernel reads the three components of each input at that input's stride along dim.
#include "aten/vec/isa.h"

#include "aten/dispatch/DtypeDispatch.h"
#include "aten/iter/TensorIterator.h"
#include "aten/native/ScalarOps.h"
#include "kernels/linalg_cross.h"
#include "ops/expand.h"
#include "ops/narrow.h"
#include "ops/to.h"

namespace tg::native::CPU_CAPABILITY {

void linalg_cross_kernel(const Tensor& self, const Tensor& other, int64_t dim, Tensor& out) {
  if (out.numel() == 0) return;
  const int64_t d = wrap_dim(dim, out.dim(), "linalg.cross");
  const Tensor a = self.to(out.dtype()).expand(out.sizes()), b = other.to(out.dtype()).expand(out.sizes());
  IterConfig config;
  config.op = "linalg.cross";
  config.promotion = Promotion::None;
  const TensorIterator iter(config, out.narrow(d, 0, 1), {a.narrow(d, 0, 1), b.narrow(d, 0, 1)});
  const int64_t so = out.stride(d), sa = a.stride(d), sb = b.stride(d);
  dispatch_numeric(out.dtype(), "linalg.cross", [&]<typename T>() {
    iter.for_each([&](char** data, const int64_t* strides, int64_t size0, int64_t size1) {
      for (int64_t j = 0; j < size1; ++j) {
        for (int64_t i = 0; i < size0; ++i) {
          T* o = reinterpret_cast<T*>(data[0] + i * strides[0] + j * strides[3]);
          const T* x = reinterpret_cast<const T*>(data[1] + i * strides[1] + j * strides[4]);
          const T* y = reinterpret_cast<const T*>(data[2] + i * strides[2] + j * strides[5]);
          using Op = opmath_t<T>;
          const Op x0 = Op(x[0]), x1 = Op(x[sa]), x2 = Op(x[2 * sa]);
          const Op y0 = Op(y[0]), y1 = Op(y[sb]), y2 = Op(y[2 * sb]);
          // (integers wrap around on overflow, like the other integer arithmetic)
          o[0] = T(wrap_add(wrap_mul(x1, y2), wrap_neg(wrap_mul(x2, y1))));
          o[so] = T(wrap_add(wrap_mul(x2, y0), wrap_neg(wrap_mul(x0, y2))));
          o[2 * so] = T(wrap_add(wrap_mul(x0, y1), wrap_neg(wrap_mul(x1, y0))));
        }
      }
    });
  });
}

}  // namespace tg::native::CPU_CAPABILITY
