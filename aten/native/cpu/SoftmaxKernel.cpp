// softmax / log_softmax along one dim: view the input as [outer, n, inner] and normalize each
// of the outer*inner lines, subtracting the max first for stability.
#include "aten/vec/isa.h"
#include <cmath>

#include "aten/dispatch/DtypeDispatch.h"
#include "aten/native/Copy.h"
#include "kernels/log_softmax.h"
#include "kernels/softmax.h"

namespace tg::native::CPU_CAPABILITY {

namespace {
template <bool Log>
void softmax_impl(const Tensor& self, int64_t dim, Tensor& out, const char* op) {
  int64_t d = wrap_dim(dim, self.dim(), op);
  Tensor in = self.dtype() == out.dtype() && self.is_contiguous() ? self : to_dtype(self, out.dtype());
  Tensor res = out.is_contiguous() ? out : empty_tensor(out.sizes(), out.dtype(), out.device());
  int64_t n = self.dim() == 0 ? 1 : self.size(d);
  int64_t inner = 1, outer = 1;
  for (int64_t k = d + 1; k < self.dim(); ++k) inner *= self.size(k);
  for (int64_t k = 0; k < d; ++k) outer *= self.size(k);
  dispatch_floating(out.dtype(), op, [&]<typename T>() {
    using Op = opmath_t<T>;
    const T* x = in.data<T>();
    T* y = res.data<T>();
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t i = 0; i < inner; ++i) {
        const T* xl = x + o * n * inner + i;
        T* yl = y + o * n * inner + i;
        Op mx = -INFINITY;
        for (int64_t k = 0; k < n; ++k) mx = std::max(mx, Op(xl[k * inner]));
        Op sum = 0;
        for (int64_t k = 0; k < n; ++k) sum += std::exp(Op(xl[k * inner]) - mx);
        if constexpr (Log) {
          Op lse = std::log(sum);
          for (int64_t k = 0; k < n; ++k) yl[k * inner] = T(Op(xl[k * inner]) - mx - lse);
        } else {
          for (int64_t k = 0; k < n; ++k) yl[k * inner] = T(std::exp(Op(xl[k * inner]) - mx) / sum);
        }
      }
    }
  });
  if (!res.is_same(out)) copy_into(out, res, op);
}
}  // namespace

void softmax_kernel(const Tensor& self, int64_t dim, std::optional<ScalarType>, Tensor& out) {
  softmax_impl<false>(self, dim, out, "softmax");
}
void log_softmax_kernel(const Tensor& self, int64_t dim, std::optional<ScalarType>, Tensor& out) {
  softmax_impl<true>(self, dim, out, "log_softmax");
}

}  // namespace tg::native::CPU_CAPABILITY
