// mm / bmm on CUDA: a shared-memory tiled GEMM. Each 256-thread block computes a 64x64 tile of
// C, staging 64x16 slices of A and 16x64 slices of B in shared memory (converted to the
// accumulator type); each thread accumulates a 4x4 sub-tile (rows ty + 16 r, columns tx + 16 c,
// so shared-memory reads are conflict-free). Operands are read through their strides (no
// contiguous copies); half types accumulate in float, integers in 64-bit unsigned arithmetic
// (the low bits equal the CPU kernel's wrapping accumulation).
#include "aten/native/Copy.h"
#include "aten/native/cuda/CUDACommon.cuh"
#include "kernels/bmm.h"
#include "kernels/mm.h"

namespace tg::native::cuda {

namespace {

constexpr int kTile = 64, kTileK = 16, kSub = 4;

template <typename T>
using gemm_acc_t = std::conditional_t<std::is_integral_v<T>, uint64_t, opmath_t<T>>;

struct GemmShape {
  int64_t M, N, K;
  int64_t a_b, a_m, a_k;  // element strides of A (batch, row, col)
  int64_t b_b, b_k, b_n;
  int64_t c_b, c_m, c_n;
};

template <typename T>
__device__ inline gemm_acc_t<T> to_acc(T v) {
  if constexpr (std::is_integral_v<T>) return gemm_acc_t<T>(int64_t(v));
  else return to_op(v);
}

template <typename T>
__global__ void __launch_bounds__(256) gemm_kernel(const T* A, const T* B, T* C, GemmShape s, int64_t batch0,
                                                   int64_t row_tile0) {
  using Acc = gemm_acc_t<T>;
  __shared__ Acc As[kTileK][kTile + 1];
  __shared__ Acc Bs[kTileK][kTile + 1];
  const int64_t b = batch0 + blockIdx.z;
  A += b * s.a_b;
  B += b * s.b_b;
  C += b * s.c_b;
  const int64_t row0 = (row_tile0 + blockIdx.y) * kTile, col0 = int64_t(blockIdx.x) * kTile;
  const int tx = threadIdx.x % 16, ty = threadIdx.x / 16;
  Acc acc[kSub][kSub];
#pragma unroll
  for (int r = 0; r < kSub; ++r)
#pragma unroll
    for (int c = 0; c < kSub; ++c) acc[r][c] = Acc(0);
  for (int64_t k0 = 0; k0 < s.K; k0 += kTileK) {
    for (int i = threadIdx.x; i < kTile * kTileK; i += blockDim.x) {
      const int m = i / kTileK, kk = i % kTileK;  // consecutive threads: consecutive k of one row
      const int64_t gm = row0 + m, gk = k0 + kk;
      As[kk][m] = gm < s.M && gk < s.K ? to_acc(A[gm * s.a_m + gk * s.a_k]) : Acc(0);
    }
    for (int i = threadIdx.x; i < kTile * kTileK; i += blockDim.x) {
      const int kk = i / kTile, n = i % kTile;  // consecutive threads: consecutive columns
      const int64_t gk = k0 + kk, gn = col0 + n;
      Bs[kk][n] = gk < s.K && gn < s.N ? to_acc(B[gk * s.b_k + gn * s.b_n]) : Acc(0);
    }
    __syncthreads();
#pragma unroll
    for (int kk = 0; kk < kTileK; ++kk) {
      Acc a[kSub], bv[kSub];
#pragma unroll
      for (int r = 0; r < kSub; ++r) a[r] = As[kk][ty + 16 * r];
#pragma unroll
      for (int c = 0; c < kSub; ++c) bv[c] = Bs[kk][tx + 16 * c];
#pragma unroll
      for (int r = 0; r < kSub; ++r)
#pragma unroll
        for (int c = 0; c < kSub; ++c) acc[r][c] += a[r] * bv[c];
    }
    __syncthreads();
  }
#pragma unroll
  for (int r = 0; r < kSub; ++r) {
    const int64_t gm = row0 + ty + 16 * r;
    if (gm >= s.M) continue;
#pragma unroll
    for (int c = 0; c < kSub; ++c) {
      const int64_t gn = col0 + tx + 16 * c;
      if (gn >= s.N) continue;
      T v;
      if constexpr (std::is_integral_v<T>) v = T(acc[r][c]);
      else v = from_op<T>(acc[r][c]);
      C[gm * s.c_m + gn * s.c_n] = v;
    }
  }
}

void batched_gemm(const Tensor& a, const Tensor& b, Tensor& out, const char* op) {
  const bool batched = a.dim() == 3;
  const int64_t batch = batched ? a.size(0) : 1;
  // A fresh buffer when out aliases an input (mm(a, b, out=a)).
  const bool aliases = out.storage().get() == a.storage().get() || out.storage().get() == b.storage().get();
  Tensor c = aliases ? empty_tensor(out.sizes(), out.dtype(), out.device(), op) : out;
  GemmShape s{};
  s.M = a.size(-2);
  s.K = a.size(-1);
  s.N = b.size(-1);
  s.a_b = batched ? a.stride(0) : 0;
  s.a_m = a.stride(-2);
  s.a_k = a.stride(-1);
  s.b_b = batched ? b.stride(0) : 0;
  s.b_k = b.stride(-2);
  s.b_n = b.stride(-1);
  s.c_b = batched ? c.stride(0) : 0;
  s.c_m = c.stride(-2);
  s.c_n = c.stride(-1);
  if (c.numel() > 0) {
    dispatch_device<DtypeSet::Numeric>(out.dtype(), op, [&]<typename T>() {
      const T* A = reinterpret_cast<const T*>(a.data_ptr());
      const T* B = reinterpret_cast<const T*>(b.data_ptr());
      T* C = reinterpret_cast<T*>(c.data_ptr());
      // gridDim.y and gridDim.z are limited to 65535: more row tiles (M > 4M) or batches take
      // several launches.
      constexpr int64_t kMaxGridYZ = 65535;
      const int64_t row_tiles = blocks_for(s.M, kTile);
      for (int64_t b0 = 0; b0 < batch; b0 += kMaxGridYZ) {
        for (int64_t r0 = 0; r0 < row_tiles; r0 += kMaxGridYZ) {
          const dim3 g(blocks_for(s.N, kTile), unsigned(std::min(kMaxGridYZ, row_tiles - r0)),
                       unsigned(std::min(kMaxGridYZ, batch - b0)));
          gemm_kernel<T><<<g, 256>>>(A, B, C, s, b0, r0);
          TG_CUDA_KERNEL_CHECK(op);
        }
      }
    });
  }
  if (!c.is_same(out)) copy_into(out, c, op);
}

}  // namespace

void mm_kernel(const Tensor& self, const Tensor& mat2, Tensor& out) { batched_gemm(self, mat2, out, "mm"); }
void bmm_kernel(const Tensor& self, const Tensor& mat2, Tensor& out) { batched_gemm(self, mat2, out, "bmm"); }

}  // namespace tg::native::cuda
