// linalg_cross: the cross product of 3-vectors along dim, in one pass (it was a composite of
// rotations, products and a difference: 9x PyTorch's time). The TensorIterator runs over the
// output with dim narrowed to its first element, so each of its positions is one vector; the
// kernel reads the three components of each input at that input's stride along dim.
#include "aten/vec/isa.h"

#include "aten/dispatch/DtypeDispatch.h"
#include "aten/iter/TensorIterator.h"
#include "aten/native/ScalarOps.h"
#include "aten/parallel/Parallel.h"
#include "kernels/linalg_cross.h"
#include "ops/expand.h"
#include "ops/narrow.h"
#include "ops/to.h"

namespace tg::native::CPU_CAPABILITY {

namespace {
// One cross product: components at strides sx, sy, so (integers wrap around on overflow, like
// the other integer arithmetic). All six inputs are read before out is written, so out may be x
// or y itself.
template <typename T>
inline void cross3(const T* x, int64_t sx, const T* y, int64_t sy, T* o, int64_t so) {
  using Op = opmath_t<T>;
  const Op x0 = Op(x[0]), x1 = Op(x[sx]), x2 = Op(x[2 * sx]);
  const Op y0 = Op(y[0]), y1 = Op(y[sy]), y2 = Op(y[2 * sy]);
  o[0] = T(wrap_add(wrap_mul(x1, y2), wrap_neg(wrap_mul(x2, y1))));
  o[so] = T(wrap_add(wrap_mul(x2, y0), wrap_neg(wrap_mul(x0, y2))));
  o[2 * so] = T(wrap_add(wrap_mul(x0, y1), wrap_neg(wrap_mul(x1, y0))));
}

// An operand read in place by the direct path: out's shape and dtype, contiguous, and either
// out's own memory exactly or memory out does not share.
bool direct_operand(const Tensor& t, const Tensor& out) {
  return t.sizes().equals(out.sizes()) && t.dtype() == out.dtype() && t.is_contiguous() &&
         (t.storage().get() != out.storage().get() || t.data_ptr() == out.data_ptr());
}
}  // namespace

void linalg_cross_kernel(const Tensor& self, const Tensor& other, int64_t dim, Tensor& out) {
  if (out.numel() == 0) return;
  const int64_t d = wrap_dim(dim, out.dim(), "linalg.cross");
  if (d == out.dim() - 1 && out.is_contiguous() && direct_operand(self, out) && direct_operand(other, out)) {
    // The vectors are consecutive triples: a loop over them, without the expanded and narrowed
    // views and the iterator below (most of a small call's ~1.8 us went to building those).
    dispatch_numeric(out.dtype(), "linalg.cross", [&]<typename T>() {
      const T* x = self.data<T>();
      const T* y = other.data<T>();
      T* o = out.data<T>();
      parallel_for(0, out.numel() / 3, kGrainSize / 3, [&](int64_t begin, int64_t end) {
        for (int64_t v = begin; v < end; ++v) cross3(x + 3 * v, 1, y + 3 * v, 1, o + 3 * v, 1);
      });
    });
    return;
  }
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
          cross3(x, sa, y, sb, o, so);
        }
      }
    });
  });
}

}  // namespace tg::native::CPU_CAPABILITY
