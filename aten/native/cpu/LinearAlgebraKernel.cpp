// mm / bmm. float32/float64 go through the packed, blocked GEMM (Gemm.h) on any strides;
// float16/bfloat16 are converted to float, multiplied there and converted back; integer dtypes
// use a simple strided i-k-j loop that wraps on overflow like PyTorch.
#include "aten/vec/isa.h"
#include <type_traits>
#include <vector>

#include "aten/dispatch/DtypeDispatch.h"
#include "aten/native/Copy.h"
#include "aten/native/cpu/Gemm.h"
#include "aten/parallel/Parallel.h"
#include "kernels/bmm.h"
#include "kernels/mm.h"

namespace tg::native::CPU_CAPABILITY {

namespace {

// One (m x k) @ (k x n) problem of a batch, strides in elements.
struct MatmulShape {
  int64_t batch, m, n, k;
  int64_t sa[3], sb[3], sc[3];  // batch, row, column strides
};

MatmulShape matmul_shape(const Tensor& a, const Tensor& b, const Tensor& c) {
  const bool batched = a.dim() == 3;
  auto strides3 = [&](const Tensor& t, int64_t* s) {
    s[0] = batched ? t.stride(0) : 0;
    s[1] = t.stride(-2);
    s[2] = t.stride(-1);
  };
  MatmulShape sh{batched ? a.size(0) : 1, a.size(-2), b.size(-1), a.size(-1), {}, {}, {}};
  strides3(a, sh.sa);
  strides3(b, sh.sb);
  strides3(c, sh.sc);
  return sh;
}

// Integer GEMM: C = A @ B modulo 2^bits (accumulated in uint64_t, so overflow is defined).
template <typename T>
void gemm_integral(int64_t m, int64_t n, int64_t k, const T* A, int64_t rsa, int64_t csa, const T* B, int64_t rsb,
                   int64_t csb, T* C, int64_t rsc, int64_t csc) {
  std::vector<uint64_t> row(static_cast<size_t>(n));
  for (int64_t i = 0; i < m; ++i) {
    std::fill(row.begin(), row.end(), uint64_t(0));
    for (int64_t p = 0; p < k; ++p) {
      const uint64_t av = static_cast<uint64_t>(static_cast<int64_t>(A[i * rsa + p * csa]));
      const T* brow = B + p * rsb;
      for (int64_t j = 0; j < n; ++j) row[size_t(j)] += av * static_cast<uint64_t>(static_cast<int64_t>(brow[j * csb]));
    }
    for (int64_t j = 0; j < n; ++j) C[i * rsc + j * csc] = static_cast<T>(row[size_t(j)]);
  }
}

template <typename T>
void run_batches(const MatmulShape& s, const T* A, const T* B, T* C) {
  auto one = [&](int64_t bi, bool serial) {
    const T* a = A + bi * s.sa[0];
    const T* b = B + bi * s.sb[0];
    T* c = C + bi * s.sc[0];
    if constexpr (std::is_floating_point_v<T>)
      gemm<T>(s.m, s.n, s.k, a, s.sa[1], s.sa[2], b, s.sb[1], s.sb[2], c, s.sc[1], s.sc[2], serial);
    else
      gemm_integral<T>(s.m, s.n, s.k, a, s.sa[1], s.sa[2], b, s.sb[1], s.sb[2], c, s.sc[1], s.sc[2]);
  };
  // Threads over the batch when it splits evenly enough (each matrix on one thread, no
  // synchronization per matrix); otherwise large matrices one after another, each on all threads.
  const int64_t work = std::max<int64_t>(1, s.m * s.n * std::max<int64_t>(s.k, 1));
  const int64_t nt = get_num_threads();
  const bool over_batch = s.batch % nt == 0 || s.batch >= 4 * nt || work < 8 * kGemmParallelFlops ||
                          !std::is_floating_point_v<T>;
  if (s.batch == 1 || !over_batch) {
    for (int64_t bi = 0; bi < s.batch; ++bi) one(bi, false);
  } else {
    parallel_for(0, s.batch, std::max<int64_t>(1, kGemmParallelFlops / work), [&](int64_t b0, int64_t b1) {
      for (int64_t bi = b0; bi < b1; ++bi) one(bi, true);
    });
  }
}

bool shares_storage(const Tensor& x, const Tensor& y) { return x.storage().get() == y.storage().get(); }

bool has_expanded_dim(const Tensor& t) {
  for (int64_t d = 0; d < t.dim(); ++d)
    if (t.stride(d) == 0 && t.size(d) > 1) return true;
  return false;
}

void batched_gemm(const Tensor& a, const Tensor& b, Tensor& out, const char* op) {
  if (out.numel() == 0) return;
  const ScalarType dt = out.dtype();
  if (dt == ScalarType::Float16 || dt == ScalarType::BFloat16) {
    Tensor c = empty_tensor(out.sizes(), ScalarType::Float32, out.device());
    batched_gemm(to_dtype(a, ScalarType::Float32), to_dtype(b, ScalarType::Float32), c, op);
    copy_into(out, c, op);
    return;
  }
  // Write into a fresh buffer when out aliases an input (mm(a, b, out=a)) or has expanded dims
  // (copy_into then reports those).
  Tensor c = out;
  if (shares_storage(out, a) || shares_storage(out, b) || has_expanded_dim(out))
    c = empty_tensor(out.sizes(), dt, out.device());
  const MatmulShape s = matmul_shape(a, b, c);
  dispatch_numeric(dt, op, [&]<typename T>() {
    if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double> || std::is_integral_v<T>)
      run_batches<T>(s, a.data<T>(), b.data<T>(), c.data<T>());
  });
  if (!c.is_same(out)) copy_into(out, c, op);
}
}  // namespace

void mm_kernel(const Tensor& self, const Tensor& mat2, Tensor& out) { batched_gemm(self, mat2, out, "mm"); }
void bmm_kernel(const Tensor& self, const Tensor& mat2, Tensor& out) { batched_gemm(self, mat2, out, "bmm"); }

}  // namespace tg::native::CPU_CAPABILITY
