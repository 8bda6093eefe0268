// softmax / log_softmax on CUDA along one dim of a [outer, n, inner] view. Rows with inner == 1
// (the last dim) get one block each: block-wide max, then sum of exp, then the write. Other dims
// get one thread per (outer, inner) column, whose loads are coalesced across the threads.
#include "aten/native/Softmax.h"
#include "aten/native/cuda/CUDACommon.cuh"
#include "kernels/log_softmax.h"
#include "kernels/softmax.h"

namespace tg::native::cuda {

namespace {

// Block-wide reduction of one value per thread (max or sum); every thread gets the result.
template <bool Max, typename Op>
__device__ Op block_reduce(Op v, Op* shared) {
  for (int off = 16; off > 0; off /= 2) {
    Op o = __shfl_down_sync(0xffffffffu, v, off);
    v = Max ? (o > v ? o : v) : v + o;
  }
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32, nwarps = blockDim.x / 32;
  __syncthreads();  // shared may still be read from a previous call
  if (lane == 0) shared[warp] = v;
  __syncthreads();
  if (warp == 0) {
    v = lane < nwarps ? shared[lane] : (Max ? Op(-INFINITY) : Op(0));
    for (int off = 16; off > 0; off /= 2) {
      Op o = __shfl_down_sync(0xffffffffu, v, off);
      v = Max ? (o > v ? o : v) : v + o;
    }
    if (lane == 0) shared[0] = v;
  }
  __syncthreads();
  return shared[0];
}

template <typename T, bool Log>
__global__ void softmax_rows_kernel(const T* x, T* y, int64_t outer, int64_t n) {
  using Op = opmath_t<T>;
  __shared__ Op shared[32];
  for (int64_t row = blockIdx.x; row < outer; row += gridDim.x) {
    const T* xr = x + row * n;
    T* yr = y + row * n;
    Op mx = -INFINITY;
    for (int64_t k = threadIdx.x; k < n; k += blockDim.x) mx = max(mx, to_op(xr[k]));
    mx = block_reduce<true>(mx, shared);
    Op sum = 0;
    for (int64_t k = threadIdx.x; k < n; k += blockDim.x) sum += exp(to_op(xr[k]) - mx);
    sum = block_reduce<false>(sum, shared);
    const Op lse = log(sum);
    for (int64_t k = threadIdx.x; k < n; k += blockDim.x) {
      const Op v = to_op(xr[k]) - mx;
      yr[k] = from_op<T>(Log ? v - lse : exp(v) / sum);
    }
  }
}

template <typename T, bool Log>
__global__ void softmax_columns_kernel(const T* x, T* y, int64_t outer, int64_t n, int64_t inner) {
  using Op = opmath_t<T>;
  const int64_t col = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (col >= outer * inner) return;
  const int64_t o = col / inner, i = col % inner;
  const T* xl = x + o * n * inner + i;
  T* yl = y + o * n * inner + i;
  Op mx = -INFINITY;
  for (int64_t k = 0; k < n; ++k) mx = max(mx, to_op(xl[k * inner]));
  Op sum = 0;
  for (int64_t k = 0; k < n; ++k) sum += exp(to_op(xl[k * inner]) - mx);
  const Op lse = log(sum);
  for (int64_t k = 0; k < n; ++k) {
    const Op v = to_op(xl[k * inner]) - mx;
    yl[k * inner] = from_op<T>(Log ? v - lse : exp(v) / sum);
  }
}

template <bool Log>
void softmax_impl(const Tensor& self, int64_t dim, Tensor& out, const char* op) {
  run_softmax(self, dim, out, op, [&](const SoftmaxPlan& p) {
    const int64_t outer = p.outer, n = p.n, inner = p.inner;
    dispatch_device<DtypeSet::Floating>(out.dtype(), op, [&]<typename T>() {
      const T* x = reinterpret_cast<const T*>(p.in.data_ptr());
      T* y = reinterpret_cast<T*>(p.res.data_ptr());
      if (inner == 1) {
        softmax_rows_kernel<T, Log><<<unsigned(std::min<int64_t>(outer, 1 << 20)), kBlockSize>>>(x, y, outer, n);
      } else {
        softmax_columns_kernel<T, Log><<<blocks_for(outer * inner, kBlockSize), kBlockSize>>>(x, y, outer, n, inner);
      }
      TG_CUDA_KERNEL_CHECK(op);
    });
  });
}

}  // namespace

void softmax_kernel(const Tensor& self, int64_t dim, std::optional<ScalarType>, Tensor& out) {
  softmax_impl<false>(self, dim, out, "softmax");
}
void log_softmax_kernel(const Tensor& self, int64_t dim, std::optional<ScalarType>, Tensor& out) {
  softmax_impl<true>(self, dim, out, "log_softmax");
}

}  // namespace tg::native::cuda
