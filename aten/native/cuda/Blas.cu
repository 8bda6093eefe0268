// dot, mv, addmv, addmm, baddbmm on CUDA. addmm/baddbmm call the tiled GEMM through the mm/bmm
// kernel entry points (Gemm.cu) and then apply out = beta * self + alpha * product in one
// elementwise pass; dot is a two-pass block reduction (fixed partition: the same sum on every
// run); mv gives each row to one warp (lane-strided products, shuffle reduction). Half types
// accumulate in float (the product goes through a float32 buffer), integers in 64-bit unsigned
// arithmetic (wraps like the CPU kernels).
#include "aten/native/Blas.h"
#include "aten/native/Copy.h"
#include "aten/native/cuda/CUDACommon.cuh"
#include "kernels/addmm.h"
#include "kernels/addmv.h"
#include "kernels/baddbmm.h"
#include "kernels/bmm.h"
#include "kernels/dot.h"
#include "kernels/mm.h"
#include "kernels/mv.h"

namespace tg::native::cuda {

namespace {

template <typename T>
using acc_t = std::conditional_t<std::is_integral_v<T>, uint64_t, opmath_t<T>>;
// The product buffer's element type: float for the half types, else T.
template <typename T>
using prod_t = std::conditional_t<std::is_integral_v<T>, T, opmath_t<T>>;

template <typename T>
__device__ inline acc_t<T> to_acc(T v) {
  if constexpr (std::is_integral_v<T>) return acc_t<T>(int64_t(v));
  else return to_op(v);
}

template <typename T>
__device__ inline T from_acc(acc_t<T> v) {
  if constexpr (std::is_integral_v<T>) return T(v);
  else return from_op<T>(v);
}

template <typename C>
C scalar_as(const Scalar& s) {
  if constexpr (std::is_integral_v<C>) return C(s.to_int());
  else return C(s.to_double());
}

template <typename A>
__device__ inline A warp_sum(A v) {
  for (int off = 16; off > 0; off /= 2) v += __shfl_down_sync(0xffffffffu, v, off);
  return v;
}

// Sum of a block's values (256 threads) in thread 0, in a fixed order.
template <typename A>
__device__ inline A block_sum(A v) {
  __shared__ A warp_partial[8];
  v = warp_sum(v);
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  if (lane == 0) warp_partial[warp] = v;
  __syncthreads();
  A total = A(0);
  if (threadIdx.x == 0)
    for (int w = 0; w < int(blockDim.x / 32); ++w) total += warp_partial[w];
  return total;
}

constexpr int kThreads = 256;

// Pass 1 of dot: block b sums the products of its grid-strided elements into partial[b].
template <typename T>
__global__ void __launch_bounds__(kThreads) dot_partial_kernel(const T* x, int64_t incx, const T* y, int64_t incy,
                                                                int64_t n, acc_t<T>* partial) {
  acc_t<T> s = acc_t<T>(0);
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    s += to_acc(x[i * incx]) * to_acc(y[i * incy]);
  s = block_sum(s);
  if (threadIdx.x == 0) partial[blockIdx.x] = s;
}

// Pass 2: one block adds the partials and writes the 0-d result (in the product type P).
template <typename A, typename P>
__global__ void __launch_bounds__(kThreads) dot_finish_kernel(const A* partial, int64_t count, P* out) {
  A s = A(0);
  for (int64_t i = threadIdx.x; i < count; i += blockDim.x) s += partial[i];
  s = block_sum(s);
  if (threadIdx.x == 0) *out = P(s);
}

// y[i * incy] = sum_j A[i, j] x[j]: one warp per row.
template <typename T>
__global__ void __launch_bounds__(kThreads) mv_kernel_impl(const T* A, int64_t rs, int64_t cs, const T* x,
                                                            int64_t incx, int64_t m, int64_t k, prod_t<T>* y,
                                                            int64_t incy) {
  const int64_t row = int64_t(blockIdx.x) * (kThreads / 32) + threadIdx.x / 32;
  if (row >= m) return;  // whole warps leave together: the shuffles below see full warps
  const int lane = threadIdx.x % 32;
  acc_t<T> s = acc_t<T>(0);
  for (int64_t j = lane; j < k; j += 32) s += to_acc(A[row * rs + j * cs]) * to_acc(x[j * incx]);
  s = warp_sum(s);
  if (lane == 0) y[row * incy] = prod_t<T>(s);
}

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

// out = alpha * prod + beta * self (self == nullptr: not read, beta == 0).
template <typename T>
__global__ void __launch_bounds__(kThreads) epilogue_kernel(T* out, Geom3 go, const prod_t<T>* prod, Geom3 gp,
                                                             const T* self, Geom3 gs, acc_t<T> alpha, acc_t<T> beta,
                                                             int64_t n) {
  const int64_t idx = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (idx >= n) return;
  const int64_t j = idx % go.size[2], r = idx / go.size[2];
  const int64_t i1 = r % go.size[1], i0 = r / go.size[1];
  acc_t<T> v = alpha * acc_t<T>(prod[i0 * gp.stride[0] + i1 * gp.stride[1] + j * gp.stride[2]]);
  if (self) v += beta * to_acc(self[i0 * gs.stride[0] + i1 * gs.stride[1] + j * gs.stride[2]]);
  out[i0 * go.stride[0] + i1 * go.stride[1] + j * go.stride[2]] = from_acc<T>(v);
}

// The frame of the BLAS-like kernels (aten/native/Blas.h, shared with the CPU) with the CUDA epilogue.
template <typename F>
void blas_frame(const char* op, Tensor& out, const Tensor* self, const Scalar& beta, const Scalar& alpha,
                std::initializer_list<const Tensor*> inputs, F&& product) {
  tg::native::blas_frame(op, out, self, beta, alpha, inputs, product,
                         [&](Tensor& o, const Tensor& prod, const Tensor* s) {
    dispatch_device<DtypeSet::Numeric>(o.dtype(), op, [&]<typename T>() {
      const Geom3 go = geom3(o, o.sizes()), gp = geom3(prod, o.sizes());
      const Geom3 gs = s ? geom3(*s, o.sizes()) : Geom3{};
      const T* S = s ? reinterpret_cast<const T*>(s->data_ptr()) : nullptr;
      const int64_t n = o.numel();
      epilogue_kernel<T><<<blocks_for(n, kThreads), kThreads>>>(
          reinterpret_cast<T*>(o.data_ptr()), go, reinterpret_cast<const prod_t<T>*>(prod.data_ptr()), gp, S, gs,
          scalar_as<acc_t<T>>(alpha), scalar_as<acc_t<T>>(beta), n);
      TG_CUDA_KERNEL_CHECK(op);
    });
  });
}

void mv_into(const Tensor& mat, const Tensor& vec, Tensor& prod, const char* op) {
  const int64_t m = mat.size(0), k = mat.size(1);
  dispatch_device<DtypeSet::Numeric>(mat.dtype(), op, [&]<typename T>() {
    constexpr int64_t kRowsPerBlock = kThreads / 32;
    mv_kernel_impl<T><<<blocks_for(m, kRowsPerBlock), kThreads>>>(
        reinterpret_cast<const T*>(mat.data_ptr()), mat.stride(0), mat.stride(1),
        reinterpret_cast<const T*>(vec.data_ptr()), vec.stride(0), m, k,
        reinterpret_cast<prod_t<T>*>(prod.data_ptr()), prod.stride(0));
    TG_CUDA_KERNEL_CHECK(op);
  });
}
}  // namespace

void dot_kernel(const Tensor& self, const Tensor& tensor, Tensor& out) {
  blas_frame("dot", out, nullptr, Scalar(0), Scalar(1), {&self, &tensor}, [&](Tensor& prod) {
    const int64_t n = self.size(0);
    dispatch_device<DtypeSet::Numeric>(self.dtype(), "dot", [&]<typename T>() {
      using A = acc_t<T>;
      // A fixed grid for a given n (at most 1024 blocks of 8 elements per thread or more).
      const int64_t blocks = std::max<int64_t>(1, std::min<int64_t>(1024, (n + kThreads * 8 - 1) / (kThreads * 8)));
      Tensor partial = empty_tensor({blocks * int64_t(sizeof(A))}, ScalarType::UInt8, self.device(), "dot");
      A* P = reinterpret_cast<A*>(partial.data_ptr());
      dot_partial_kernel<T><<<unsigned(blocks), kThreads>>>(reinterpret_cast<const T*>(self.data_ptr()),
                                                            self.stride(0),
                                                            reinterpret_cast<const T*>(tensor.data_ptr()),
                                                            tensor.stride(0), n, P);
      TG_CUDA_KERNEL_CHECK("dot");
      dot_finish_kernel<A, prod_t<T>><<<1, kThreads>>>(P, blocks, reinterpret_cast<prod_t<T>*>(prod.data_ptr()));
      TG_CUDA_KERNEL_CHECK("dot");
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
    mm_kernel(gemm_operand(mat1, prod), gemm_operand(mat2, prod), prod);
  });
}

void baddbmm_kernel(const Tensor& self, const Tensor& batch1, const Tensor& batch2, const Scalar& beta,
                    const Scalar& alpha, Tensor& out) {
  blas_frame("baddbmm", out, &self, beta, alpha, {&self, &batch1, &batch2}, [&](Tensor& prod) {
    bmm_kernel(gemm_operand(batch1, prod), gemm_operand(batch2, prod), prod);
  });
}

}  // namespace tg::native::cuda
