// mm / bmm: a straightforward i-k-j loop over contiguous operands, accumulating in opmath_t.
// (The blocked, vectorized GEMM is the CPU-performance issue's job.)
#include "aten/vec/isa.h"
#include <vector>

#include "aten/dispatch/DtypeDispatch.h"
#include "aten/native/Copy.h"
#include "kernels/bmm.h"
#include "kernels/mm.h"

namespace tg::native::CPU_CAPABILITY {

namespace {
void batched_gemm(const Tensor& a_in, const Tensor& b_in, Tensor& out, const char* op) {
  Tensor a = a_in.is_contiguous() ? a_in : to_dtype(a_in, a_in.dtype());
  Tensor b = b_in.is_contiguous() ? b_in : to_dtype(b_in, b_in.dtype());
  Tensor c = out;
  int64_t batch = a.dim() == 3 ? a.size(0) : 1;
  int64_t n = a.size(-2), k = a.size(-1), m = b.size(-1);
  // Write into a fresh buffer when out aliases an input (mm(a, b, out=a)).
  bool aliases = c.storage().get() == a.storage().get() || c.storage().get() == b.storage().get();
  if (aliases || !out.is_contiguous()) c = empty_tensor(out.sizes(), out.dtype(), out.device());
  dispatch_numeric(out.dtype(), op, [&]<typename T>() {
    using Op = opmath_t<T>;
    const T* A = a.data<T>();
    const T* B = b.data<T>();
    T* C = c.data<T>();
    std::vector<Op> row(static_cast<size_t>(m));
    for (int64_t bi = 0; bi < batch; ++bi) {
      const T* Ab = A + bi * n * k;
      const T* Bb = B + bi * k * m;
      T* Cb = C + bi * n * m;
      for (int64_t i = 0; i < n; ++i) {
        std::fill(row.begin(), row.end(), Op(0));
        for (int64_t p = 0; p < k; ++p) {
          Op av = Op(Ab[i * k + p]);
          const T* brow = Bb + p * m;
          for (int64_t j = 0; j < m; ++j) row[size_t(j)] += av * Op(brow[j]);
        }
        for (int64_t j = 0; j < m; ++j) Cb[i * m + j] = T(row[size_t(j)]);
      }
    }
  });
  if (!c.is_same(out)) copy_into(out, c, op);
}
}  // namespace

void mm_kernel(const Tensor& self, const Tensor& mat2, Tensor& out) { batched_gemm(self, mat2, out, "mm"); }
void bmm_kernel(const Tensor& self, const Tensor& mat2, Tensor& out) { batched_gemm(self, mat2, out, "bmm"); }

}  // namespace tg::native::CPU_CAPABILITY
