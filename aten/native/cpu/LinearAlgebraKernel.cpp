// mm / bmm. float32/float64 go through the packed, blocked GEMM (Gemm.h) on any strides;
// float16/bfloat16 are converted to float, multiplied there and converted back; integer dtypes
// use a simple strided i-k-j loop that wraps on overflow like PyTorch.
// addmm / baddbmm reuse that GEMM and apply beta * self + alpha * product afterwards; dot, mv and
// addmv have their own vectorized loops (a GEMM with one column wastes its packing).
#include "aten/vec/isa.h"
#include <algorithm>
#include <cmath>
#include <type_traits>
#include <vector>

#include "aten/dispatch/DtypeDispatch.h"
#include "aten/native/Blas.h"
#include "aten/native/Copy.h"
#include "aten/native/cpu/Gemm.h"
#include "aten/parallel/Parallel.h"
#include "aten/vec/vec.h"
#include "kernels/addmm.h"
#include "kernels/addmv.h"
#include "kernels/baddbmm.h"
#include "kernels/bmm.h"
#include "kernels/dot.h"
#include "kernels/mm.h"
#include "kernels/mv.h"

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

// int64 GEMM rows [i0, i1) with a row-major B: tiles of 4 rows x 2 vectors of sums stay in
// registers over the whole k loop (a row of sums in memory spent half its time storing and
// reloading them), each row of B loaded once per tile. Vector integer arithmetic wraps around.
// When every element of A's rows and B fits in int32 (indices, counts, small values: the usual
// case, checked first in O(k (rows + n))), each product is one 32x32->64 multiply: AVX2 has no
// 64-bit multiply and emulates it with three.
template <bool Int32Range>
void gemm_int64_tiles(int64_t i0, int64_t i1, int64_t n, int64_t k, const int64_t* A, int64_t rsa, int64_t csa,
                      const int64_t* B, int64_t rsb, int64_t* C, int64_t rsc, int64_t csc) {
  using V = vec::Vectorized<int64_t>;
  constexpr int64_t W = V::size(), kRows = 4;
  // B's columns past the last whole tile, zero-padded to a tile's width: every load is a full one.
  const int64_t whole = n / (2 * W) * (2 * W);
  std::vector<int64_t> edge;
  if (whole < n) {
    edge.assign(size_t(k * 2 * W), 0);
    for (int64_t p = 0; p < k; ++p) std::copy(B + p * rsb + whole, B + p * rsb + n, edge.begin() + p * 2 * W);
  }
  for (int64_t i = i0; i < i1; i += kRows) {
    const int64_t rows = std::min(kRows, i1 - i);
    const int64_t* a[kRows];  // an edge tile repeats its last row (computed, not stored)
    for (int64_t r = 0; r < kRows; ++r) a[r] = A + (i + std::min(r, rows - 1)) * rsa;
    for (int64_t j = 0; j < n; j += 2 * W) {
      const int64_t cols = std::min(2 * W, n - j);
      const int64_t* b_tile = j < whole ? B + j : edge.data();
      const int64_t b_stride = j < whole ? rsb : 2 * W;
      // Every index into acc is a constant once the unrolled loops are (so the sums live in
      // registers; a variable index keeps the array on the stack).
      V acc[kRows][2];
#pragma GCC unroll 4
      for (int64_t r = 0; r < kRows; ++r) acc[r][0] = acc[r][1] = V(int64_t(0));
      for (int64_t p = 0; p < k; ++p) {
        const V b0 = V::loadu(b_tile + p * b_stride), b1 = V::loadu(b_tile + p * b_stride + W);
#pragma GCC unroll 4
        for (int64_t r = 0; r < kRows; ++r) {
          const V av(a[r][p * csa]);
          if constexpr (Int32Range) {
            acc[r][0] = acc[r][0] + vec::mul_int32_range(av, b0);
            acc[r][1] = acc[r][1] + vec::mul_int32_range(av, b1);
          } else {
            acc[r][0] = acc[r][0] + av * b0;
            acc[r][1] = acc[r][1] + av * b1;
          }
        }
      }
      int64_t sums[kRows][2 * W];
#pragma GCC unroll 4
      for (int64_t r = 0; r < kRows; ++r) {
        acc[r][0].store(sums[r]);
        acc[r][1].store(sums[r] + W);
      }
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = 0; c < cols; ++c) C[(i + r) * rsc + (j + c) * csc] = sums[r][c];
    }
  }
}

// Whether rows [i0, i1) of A and all of B (k x n, strides rsb, csb) hold only values in int32's
// range: v + 2^31 < 2^32, so OR-ing the high halves is a loop that vectorizes.
inline bool int32_range(int64_t i0, int64_t i1, int64_t n, int64_t k, const int64_t* A, int64_t rsa, int64_t csa,
                        const int64_t* B, int64_t rsb, int64_t csb) {
  auto high = [](int64_t v) { return (uint64_t(v) + 0x80000000u) >> 32; };
  uint64_t out_of_range = 0;
  for (int64_t i = i0; i < i1; ++i)
    for (int64_t p = 0; p < k; ++p) out_of_range |= high(A[i * rsa + p * csa]);
  for (int64_t p = 0; p < k; ++p)
    for (int64_t j = 0; j < n; ++j) out_of_range |= high(B[p * rsb + j * csb]);
  return out_of_range == 0;
}

// Integer GEMM rows [i0, i1): C = A @ B modulo 2^bits (accumulated in uint64_t, so overflow is
// defined; wrapping addition is associative, so any summation order gives the same bits). A
// column-major B (x @ W^T of an integer linear) with row-major A: each element is a contiguous
// dot product, which vectorizes (2x faster for linear's W^T); a row-major B goes by register
// tiles; otherwise rows of B are added into a row of sums. (Arguments by value: inside a lambda capturing them by reference, the stores into
// the sums could alias them, and the loops stopped vectorizing.)
template <typename T>
void gemm_integral_rows(int64_t i0, int64_t i1, int64_t n, int64_t k, const T* A, int64_t rsa, int64_t csa,
                        const T* B, int64_t rsb, int64_t csb, T* C, int64_t rsc, int64_t csc) {
  auto u = [](T v) { return static_cast<uint64_t>(static_cast<int64_t>(v)); };
  if constexpr (std::is_same_v<T, int64_t>) {
    if (rsb == 1 && csb != 1 && int32_range(i0, i1, n, k, A, rsa, csa, B, rsb, csb)) {
      // a column-major B (linear's W^T) whose values all fit int32: packed row-major for the
      // register tiles' one-instruction products (AVX2's dot products multiplied with three)
      std::vector<int64_t> packed(size_t(k * n));
      for (int64_t j = 0; j < n; ++j)
        for (int64_t p = 0; p < k; ++p) packed[size_t(p * n + j)] = B[j * csb + p];
      return gemm_int64_tiles<true>(i0, i1, n, k, A, rsa, csa, packed.data(), n, C, rsc, csc);
    }
  }
  if (rsb == 1 && csa == 1 && csb != 1) {
    for (int64_t i = i0; i < i1; ++i)
      for (int64_t j = 0; j < n; ++j) {
        const T *a = A + i * rsa, *b = B + j * csb;
        uint64_t acc = 0;
        for (int64_t p = 0; p < k; ++p) acc += u(a[p]) * u(b[p]);
        C[i * rsc + j * csc] = static_cast<T>(acc);
      }
    return;
  }
  if constexpr (std::is_same_v<T, int64_t>) {
    if (csb == 1) {
      if (int32_range(i0, i1, n, k, A, rsa, csa, B, rsb, csb))
        return gemm_int64_tiles<true>(i0, i1, n, k, A, rsa, csa, B, rsb, C, rsc, csc);
      return gemm_int64_tiles<false>(i0, i1, n, k, A, rsa, csa, B, rsb, C, rsc, csc);
    }
  }
  std::vector<uint64_t> row(static_cast<size_t>(n));
  for (int64_t i = i0; i < i1; ++i) {
    std::fill(row.begin(), row.end(), uint64_t(0));
    for (int64_t p = 0; p < k; ++p) {
      const uint64_t av = u(A[i * rsa + p * csa]);
      const T* brow = B + p * rsb;
      for (int64_t j = 0; j < n; ++j) row[size_t(j)] += av * u(brow[j * csb]);
    }
    for (int64_t j = 0; j < n; ++j) C[i * rsc + j * csc] = static_cast<T>(row[size_t(j)]);
  }
}

// Rows of C split across threads, in shares worth waking a thread for: 4x the float GEMM's
// threshold (a thread's start costs more than a small integer matmul's 40 x 130 x 40 products).
template <typename T>
void gemm_integral(int64_t m, int64_t n, int64_t k, const T* A, int64_t rsa, int64_t csa, const T* B, int64_t rsb,
                   int64_t csb, T* C, int64_t rsc, int64_t csc) {
  const int64_t grain = std::max<int64_t>(1, 4 * kGemmParallelFlops / std::max<int64_t>(n * k, 1));
  parallel_for(0, m, grain, [=](int64_t i0, int64_t i1) {
    gemm_integral_rows<T>(i0, i1, n, k, A, rsa, csa, B, rsb, csb, C, rsc, csc);
  });
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


// ---------------------------------------------------------------- dot, mv, addmm, baddbmm, addmv
namespace {

using vec::Vectorized;

// What products are summed in: float for the half types, uint64_t for integers (wraps modulo
// 2^bits like PyTorch's integer matmul, and the overflow is defined), the type itself otherwise.
template <typename T>
using acc_t = std::conditional_t<std::is_integral_v<T>, uint64_t, opmath_t<T>>;

template <typename T>
inline acc_t<T> to_acc(T v) {
  if constexpr (std::is_integral_v<T>)
    return static_cast<uint64_t>(static_cast<int64_t>(v));
  else
    return static_cast<acc_t<T>>(v);
}

template <typename T>
inline T from_acc(acc_t<T> v) {
  return static_cast<T>(v);
}

template <typename C>
inline C scalar_as(const Scalar& s) {
  if constexpr (std::is_integral_v<C>)
    return static_cast<C>(s.to_int());
  else
    return static_cast<C>(s.to_double());
}

// sum_i x[i*incx] * y[i*incy] on one thread. Contiguous floating types: vectors with four
// independent accumulators (one fixed order per build, so any thread count gives the same sum);
// float16/bfloat16 are widened to float vectors on load (VecIO) and summed in float.
template <typename T>
acc_t<T> dot_serial(int64_t n, const T* x, int64_t incx, const T* y, int64_t incy) {
  if constexpr (!std::is_integral_v<T>) {
    if (incx == 1 && incy == 1) {
      using IO = vec::VecIO<T>;
      using V = typename IO::vec_t;  // Vectorized<float> for the half types
      using A = typename V::value_type;
      constexpr int64_t W = V::size();
      V s0(A(0)), s1(A(0)), s2(A(0)), s3(A(0));
      int64_t i = 0;
      for (; i + 4 * W <= n; i += 4 * W) {
        s0 = fmadd(IO::load(x + i), IO::load(y + i), s0);
        s1 = fmadd(IO::load(x + i + W), IO::load(y + i + W), s1);
        s2 = fmadd(IO::load(x + i + 2 * W), IO::load(y + i + 2 * W), s2);
        s3 = fmadd(IO::load(x + i + 3 * W), IO::load(y + i + 3 * W), s3);
      }
      for (; i + W <= n; i += W) s0 = fmadd(IO::load(x + i), IO::load(y + i), s0);
      acc_t<T> acc = reduce_add((s0 + s1) + (s2 + s3));
      for (; i < n; ++i) acc += to_acc(x[i]) * to_acc(y[i]);
      return acc;
    }
  }
  acc_t<T> acc = 0;
  for (int64_t i = 0; i < n; ++i) acc += to_acc(x[i * incx]) * to_acc(y[i * incy]);
  return acc;
}

// A long dot product in fixed blocks (partial sums in parallel, added in block order): the same
// result for any number of threads.
constexpr int64_t kDotBlock = 8192;

template <typename T>
acc_t<T> dot_blocked(int64_t n, const T* x, int64_t incx, const T* y, int64_t incy) {
  if (n <= kDotBlock) return dot_serial(n, x, incx, y, incy);
  const int64_t nblocks = (n + kDotBlock - 1) / kDotBlock;
  std::vector<acc_t<T>> partial(static_cast<size_t>(nblocks));
  parallel_for(0, nblocks, 4, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) {
      const int64_t i = b * kDotBlock;
      partial[size_t(b)] = dot_serial(std::min(kDotBlock, n - i), x + i * incx, incx, y + i * incy, incy);
    }
  });
  acc_t<T> acc = 0;
  for (acc_t<T> p : partial) acc += p;
  return acc;
}

// y[i * incy] = sum_j A[i, j] * x[j] for i < m, y in P (float for the half types, else T).
// Rows are independent, so they split across threads; a column-major float matrix (a
// transpose) is walked column by column instead (axpy), each y[i] still summed in j order.
template <typename T, typename P>
void mv_loop(const Tensor& mat, const Tensor& vec, P* y, int64_t incy) {
  const int64_t m = mat.size(0), k = mat.size(1), rs = mat.stride(0), cs = mat.stride(1), incx = vec.stride(0);
  const T* A = mat.data<T>();
  const T* x = vec.data<T>();
  const int64_t grain = std::max<int64_t>(1, (int64_t(1) << 15) / std::max<int64_t>(k, 1));
  if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
    if (rs == 1 && cs != 1 && incy == 1) {
      parallel_for(0, m, grain, [&](int64_t i0, int64_t i1) {
        using V = Vectorized<T>;
        constexpr int64_t W = V::size();
        std::fill(y + i0, y + i1, T(0));
        // Four columns per pass over y (a quarter of the loads and stores of y); the fmadd chain
        // keeps each y[i]'s sum in column order. The last partial vector of a thread's rows goes
        // through the same vector fmadd (partial load/store), so no element's rounding depends on
        // where the rows were split between threads.
        auto four = [&](const T* c0, int64_t cs4, const V* v, int64_t i, int n) {
          const bool full = n == int(W);
          auto ld = [&](const T* p) { return full ? V::loadu(p) : V::loadu(p, n); };
          V acc = fmadd(ld(c0 + i), v[0], ld(y + i));
          acc = fmadd(ld(c0 + cs4 + i), v[1], acc);
          acc = fmadd(ld(c0 + 2 * cs4 + i), v[2], acc);
          acc = fmadd(ld(c0 + 3 * cs4 + i), v[3], acc);
          if (full) acc.store(y + i); else acc.store(y + i, n);
        };
        auto one = [&](const T* col, const V& xv, int64_t i, int n) {
          if (n == int(W)) fmadd(V::loadu(col + i), xv, V::loadu(y + i)).store(y + i);
          else fmadd(V::loadu(col + i, n), xv, V::loadu(y + i, n)).store(y + i, n);
        };
        int64_t j = 0;
        for (; j + 4 <= k; j += 4) {
          const V v[4] = {V(x[j * incx]), V(x[(j + 1) * incx]), V(x[(j + 2) * incx]), V(x[(j + 3) * incx])};
          int64_t i = i0;
          for (; i + W <= i1; i += W) four(A + j * cs, cs, v, i, int(W));
          if (i < i1) four(A + j * cs, cs, v, i, int(i1 - i));
        }
        for (; j < k; ++j) {
          const V xv(x[j * incx]);
          int64_t i = i0;
          for (; i + W <= i1; i += W) one(A + j * cs, xv, i, int(W));
          if (i < i1) one(A + j * cs, xv, i, int(i1 - i));
        }
      });
      return;
    }
  }
  parallel_for(0, m, grain, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) y[i * incy] = static_cast<P>(dot_serial(k, A + i * rs, cs, x, incx));
  });
}

// Sizes and strides of a tensor of at most 3 dims, padded on the left to 3 (stride 0, size 1),
// self right-aligned against out's shape with stride 0 where it broadcasts.
struct Geom3 {
  int64_t size[3] = {1, 1, 1}, stride[3] = {0, 0, 0};
};

Geom3 geom3(const Tensor& t, IntArrayRef shape) {
  Geom3 g;
  const int64_t off = 3 - int64_t(shape.size());
  for (int64_t d = 0; d < int64_t(shape.size()); ++d) g.size[off + d] = shape[size_t(d)];
  for (int64_t i = 1; i <= t.dim(); ++i) g.stride[3 - i] = t.size(-i) == 1 ? 0 : t.stride(-i);
  return g;
}

// out = beta * self + alpha * prod (prod in P, out's shape). beta == 0: self is not read, so nan
// in it does not propagate (PyTorch's rule). Parallel over rows: each element on its own.
template <typename T, typename P>
void epilogue(const Tensor& out, const Tensor& prod, const Tensor* self, const Scalar& beta, const Scalar& alpha) {
  using C = acc_t<T>;
  const C b = scalar_as<C>(beta), a = scalar_as<C>(alpha);
  const Geom3 go = geom3(out, out.sizes()), gp = geom3(prod, out.sizes());
  const Geom3 gs = self ? geom3(*self, out.sizes()) : Geom3{};
  T* O = out.data<T>();
  const P* Pp = prod.data<P>();
  const T* S = self ? self->data<T>() : nullptr;
  const int64_t rows = go.size[0] * go.size[1], cols = go.size[2];
  parallel_for(0, rows, std::max<int64_t>(1, 16384 / std::max<int64_t>(cols, 1)), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t i0 = r / go.size[1], i1 = r % go.size[1];
      T* o = O + i0 * go.stride[0] + i1 * go.stride[1];
      const P* p = Pp + i0 * gp.stride[0] + i1 * gp.stride[1];
      if (S) {
        const T* s = S + i0 * gs.stride[0] + i1 * gs.stride[1];
        for (int64_t j = 0; j < cols; ++j)
          o[j * go.stride[2]] = from_acc<T>(a * C(p[j * gp.stride[2]]) + b * to_acc(s[j * gs.stride[2]]));
      } else {
        for (int64_t j = 0; j < cols; ++j) o[j * go.stride[2]] = from_acc<T>(a * C(p[j * gp.stride[2]]));
      }
    }
  });
}

// The frame of the BLAS-like kernels (aten/native/Blas.h, shared with CUDA) with the CPU epilogue.
template <typename F>
void blas_frame(const char* op, Tensor& out, const Tensor* self, const Scalar& beta, const Scalar& alpha,
                std::initializer_list<const Tensor*> inputs, F&& product) {
  tg::native::blas_frame(op, out, self, beta, alpha, inputs, product,
                         [&](Tensor& o, const Tensor& prod, const Tensor* s) {
    dispatch_numeric(o.dtype(), op, [&]<typename T>() {
      using P = std::conditional_t<std::is_integral_v<T>, T, opmath_t<T>>;
      epilogue<T, P>(o, prod, s, beta, alpha);
    });
  });
}

void mv_into(const Tensor& mat, const Tensor& vec, Tensor& prod, const char* op) {
  dispatch_numeric(mat.dtype(), op, [&]<typename T>() {
    using P = std::conditional_t<std::is_integral_v<T>, T, opmath_t<T>>;
    mv_loop<T, P>(mat, vec, prod.data<P>(), prod.stride(0));
  });
}
}  // namespace

void dot_kernel(const Tensor& self, const Tensor& tensor, Tensor& out) {
  blas_frame("dot", out, nullptr, Scalar(0), Scalar(1), {&self, &tensor}, [&](Tensor& prod) {
    dispatch_numeric(self.dtype(), "dot", [&]<typename T>() {
      using P = std::conditional_t<std::is_integral_v<T>, T, opmath_t<T>>;
      *prod.data<P>() =
          static_cast<P>(dot_blocked(self.size(0), self.data<T>(), self.stride(0), tensor.data<T>(), tensor.stride(0)));
    });
  });
}

void mv_kernel(const Tensor& self, const Tensor& vec, Tensor& out) {
  blas_frame("mv", out, nullptr, Scalar(0), Scalar(1), {&self, &vec},
             [&](Tensor& prod) { mv_into(self, vec, prod, "mv"); });
}

void addmv_kernel(const Tensor& self, const Tensor& mat, const Tensor& vec, const Scalar& beta, const Scalar& alpha,
                  Tensor& out) {
  blas_frame("addmv", out, &self, beta, alpha, {&self, &mat, &vec},
             [&](Tensor& prod) { mv_into(mat, vec, prod, "addmv"); });
}

void addmm_kernel(const Tensor& self, const Tensor& mat1, const Tensor& mat2, const Scalar& beta, const Scalar& alpha,
                  Tensor& out) {
  blas_frame("addmm", out, &self, beta, alpha, {&self, &mat1, &mat2}, [&](Tensor& prod) {
    batched_gemm(gemm_operand(mat1, prod), gemm_operand(mat2, prod), prod, "addmm");
  });
}

void baddbmm_kernel(const Tensor& self, const Tensor& batch1, const Tensor& batch2, const Scalar& beta,
                    const Scalar& alpha, Tensor& out) {
  blas_frame("baddbmm", out, &self, beta, alpha, {&self, &batch1, &batch2}, [&](Tensor& prod) {
    batched_gemm(gemm_operand(batch1, prod), gemm_operand(batch2, prod), prod, "baddbmm");
  });
}

}  // namespace tg::native::CPU_CAPABILITY
