// The fused backward of batch_norm, layer_norm and group_norm on CUDA (formulas and checks:
// aten/native/NormBackward.h; the CPU twin is cpu/NormBackwardKernel.cpp). One block per channel
// (batch norm sums), per row (layer norm input gradient), per plane (group norm sums) or per
// (sample, group) (group norm input gradient) with block-wide sums in a fixed order, one thread per
// normalized element or channel for the weight/bias sums: deterministic.
#include "aten/native/NormBackward.h"
#include "aten/native/cuda/CUDACommon.cuh"
#include "kernels/_batch_norm_backward_kernel.h"
#include "kernels/_group_norm_backward_kernel.h"
#include "kernels/_layer_norm_backward_all_kernel.h"
#include "kernels/_layer_norm_backward_kernel.h"
#include "ops/stack.h"
#include "ops/to.h"
#include "ops/unbind.h"
#include "ops/zeros.h"

namespace tg::native::cuda {

namespace {

constexpr unsigned kMaxGrid = 1u << 20;

// Block-wide sum of one value per thread; every thread gets the result.
template <typename A>
__device__ A block_sum(A v, A* shared) {
  for (int off = 16; off > 0; off /= 2) v += __shfl_down_sync(0xffffffffu, v, off);
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32, nwarps = blockDim.x / 32;
  __syncthreads();
  if (lane == 0) shared[warp] = v;
  __syncthreads();
  if (warp == 0) {
    v = lane < nwarps ? shared[lane] : A(0);
    for (int off = 16; off > 0; off /= 2) v += __shfl_down_sync(0xffffffffu, v, off);
    if (lane == 0) shared[0] = v;
  }
  __syncthreads();
  return shared[0];
}

// Per channel c: S[c] = sum dy (which 2), sum dy xhat (which 1), or [sum dy | sum dy xc] (which 0).
template <typename T, typename A>
__global__ void bn_sums_kernel(const T* DY, const T* X, const A* M, const A* R, A* S, int64_t N, int64_t C,
                               int64_t HW, int which) {
  __shared__ A shared[32];
  const int64_t c = blockIdx.x, count = N * HW;
  A s_dy = 0, s_dyx = 0;
  for (int64_t i = threadIdx.x; i < count; i += blockDim.x) {
    const int64_t at = (i / HW * C + c) * HW + i % HW;
    const A g = A(to_op(DY[at]));
    s_dy += g;
    s_dyx += g * (A(to_op(X[at])) - M[c]);
  }
  s_dy = block_sum(s_dy, shared);
  s_dyx = block_sum(s_dyx, shared);
  if (threadIdx.x != 0) return;
  if (which == 2) S[c] = s_dy;
  else if (which == 1) S[c] = s_dyx * R[c];
  else {
    S[c] = s_dy;
    S[C + c] = s_dyx;
  }
}

template <typename T, typename A>
__global__ void bn_input_grad_kernel(const T* DY, const T* X, const A* M, const A* R, const A* Wt, const A* S,
                                     T* DX, int64_t total, int64_t C, int64_t HW, bool training) {
  const A count = A(total / C);
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t c = i / HW % C;
    const A k = R[c] * (Wt ? Wt[c] : A(1));
    A v = A(to_op(DY[i]));
    if (training) v -= S[c] / count + (A(to_op(X[i])) - M[c]) * (S[C + c] * R[c] * R[c] / count);
    DX[i] = from_op<T>(k * v);
  }
}

template <typename T, typename A>
__global__ void ln_input_grad_kernel(const T* DY, const T* X, const A* M, const A* R, const A* Wt, T* DX,
                                     int64_t rows, int64_t n) {
  __shared__ A shared[32];
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const T *dy = DY + r * n, *x = X + r * n;
    A s_g = 0, s_gx = 0;
    for (int64_t k = threadIdx.x; k < n; k += blockDim.x) {
      const A g = A(to_op(dy[k])) * (Wt ? Wt[k] : A(1));
      s_g += g;
      s_gx += g * (A(to_op(x[k])) - M[r]);
    }
    s_g = block_sum(s_g, shared);
    s_gx = block_sum(s_gx, shared);
    const A rs = R[r], proj = s_gx * rs * rs / A(n), mg = s_g / A(n);
    for (int64_t k = threadIdx.x; k < n; k += blockDim.x) {
      const A g = A(to_op(dy[k])) * (Wt ? Wt[k] : A(1));
      DX[r * n + k] = from_op<T>(rs * (g - mg - (A(to_op(x[k])) - M[r]) * proj));
    }
  }
}

// One thread per normalized element j: sum over the rows of dy (which 2) or dy * xhat (which 1).
template <typename T, typename A>
__global__ void ln_param_grad_kernel(const T* DY, const T* X, const A* M, const A* R, A* S, int64_t rows, int64_t n,
                                     int which) {
  for (int64_t j = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; j < n; j += int64_t(gridDim.x) * blockDim.x) {
    A s = 0;
    for (int64_t r = 0; r < rows; ++r) {
      const A g = A(to_op(DY[r * n + j]));
      s += which == 2 ? g : g * (A(to_op(X[r * n + j])) - M[r]) * R[r];
    }
    S[j] = s;
  }
}

// Group norm, per plane q (sample q / C, channel q % C, group row q / cpg): P[2q] = sum dy,
// P[2q + 1] = sum dy (x - mean of the group).
template <typename T, typename A>
__global__ void gn_plane_sums_kernel(const T* DY, const T* X, const A* M, A* P, int64_t planes, int64_t HW,
                                     int64_t cpg) {
  __shared__ A shared[32];
  for (int64_t q = blockIdx.x; q < planes; q += gridDim.x) {
    const T *dy = DY + q * HW, *x = X + q * HW;
    const A m = M[q / cpg];
    A s_dy = 0, s_dyx = 0;
    for (int64_t k = threadIdx.x; k < HW; k += blockDim.x) {
      const A g = A(to_op(dy[k]));
      s_dy += g;
      s_dyx += g * (A(to_op(x[k])) - m);
    }
    s_dy = block_sum(s_dy, shared);
    s_dyx = block_sum(s_dyx, shared);
    if (threadIdx.x == 0) {
      P[2 * q] = s_dy;
      P[2 * q + 1] = s_dyx;
    }
  }
}

// dy * w without contraction into a following subtraction: g - mean(g) is then exactly 0 for a
// group of one element (the CPU kernel is compiled with -ffp-contract=off for the same reason).
__device__ inline float mul_rn(float a, float b) { return __fmul_rn(a, b); }
__device__ inline double mul_rn(double a, double b) { return __dmul_rn(a, b); }

// Group norm's input gradient, one block per (sample, group) row r (its planes are r cpg + j):
// layer norm's formula with the row sums of g = dy w[c] gathered from the plane sums.
template <typename T, typename A>
__global__ void gn_input_grad_kernel(const T* DY, const T* X, const A* M, const A* R, const A* Wt, const A* P, T* DX,
                                     int64_t rows, int64_t G, int64_t cpg, int64_t HW) {
  const int64_t len = cpg * HW;
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const int64_t c0 = r % G * cpg;
    A s_g = 0, s_gx = 0;
    for (int64_t j = 0; j < cpg; ++j) {  // every thread the same sums, in the same order
      const A w = Wt ? Wt[c0 + j] : A(1);
      s_g += w * P[2 * (r * cpg + j)];
      s_gx += w * P[2 * (r * cpg + j) + 1];
    }
    const A rs = R[r], proj = s_gx * rs * rs / A(len), mg = s_g / A(len);
    for (int64_t k = threadIdx.x; k < len; k += blockDim.x) {
      const int64_t at = r * len + k;
      const A g = mul_rn(A(to_op(DY[at])), Wt ? Wt[c0 + k / HW] : A(1));
      DX[at] = from_op<T>(rs * ((g - mg) - (A(to_op(X[at])) - M[r]) * proj));
    }
  }
}

// Group norm's weight (which 1: sum over samples of rstd sum(dy xc)) or bias (which 2: sum dy) per
// channel, one thread each, samples in order.
template <typename A>
__global__ void gn_param_grad_kernel(const A* P, const A* R, A* S, int64_t N, int64_t C, int64_t cpg, int which) {
  for (int64_t c = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; c < C; c += int64_t(gridDim.x) * blockDim.x) {
    A s = 0;
    for (int64_t n = 0; n < N; ++n) {
      const int64_t q = n * C + c;
      s += which == 2 ? P[2 * q] : P[2 * q + 1] * R[q / cpg];
    }
    S[c] = s;
  }
}

template <typename T> const T* dev_ptr(const Tensor& t) {
  return t.defined() ? reinterpret_cast<const T*>(t.data_ptr()) : nullptr;
}

unsigned grid_for(int64_t n) { return unsigned(std::max<int64_t>(1, std::min<int64_t>(blocks_for(n, kBlockSize), kMaxGrid))); }

Tensor as_param_dtype(const Tensor& acc, ScalarType dtype) { return acc.dtype() == dtype ? acc : tg::to(acc, dtype); }

}  // namespace

Tensor batch_norm_backward_kernel_cuda(const Tensor& grad_out, const Tensor& input, const Tensor& save_mean,
                                       const Tensor& save_rstd, const std::optional<Tensor>& weight, bool training,
                                       int64_t which) {
  const char* op = "native_batch_norm_backward";
  if (which == 3)  // weight and bias (NormBackward.h): the two per-channel sums, stacked
    return tg::stack({batch_norm_backward_kernel_cuda(grad_out, input, save_mean, save_rstd, weight, training, 1),
                      batch_norm_backward_kernel_cuda(grad_out, input, save_mean, save_rstd, weight, training, 2)});
  const NormBackwardPlan p = batch_norm_backward_plan(grad_out, input, save_mean, save_rstd, weight, which);
  Tensor sums = tg::zeros({which == 0 ? 2 * p.C : p.C}, p.acc, input.device());
  Tensor grad_input = which == 0 ? empty_tensor(input.sizes(), input.dtype(), input.device(), op) : Tensor();
  if (p.C > 0 && p.N * p.HW > 0) {
    dispatch_device<DtypeSet::Floating>(input.dtype(), op, [&]<typename T>() {
      using A = opmath_t<T>;
      const A *M = p.mean.data<A>(), *R = p.rstd.data<A>();
      if (which != 0 || training) {
        bn_sums_kernel<T, A><<<unsigned(p.C), kBlockSize>>>(dev_ptr<T>(p.dy), dev_ptr<T>(p.x), M, R, sums.data<A>(),
                                                            p.N, p.C, p.HW, int(which));
        TG_CUDA_KERNEL_CHECK(op);
      }
      if (which == 0) {
        const int64_t total = input.numel();
        bn_input_grad_kernel<T, A><<<grid_for(total), kBlockSize>>>(
            dev_ptr<T>(p.dy), dev_ptr<T>(p.x), M, R, p.weight.defined() ? p.weight.data<A>() : nullptr,
            sums.data<A>(), reinterpret_cast<T*>(grad_input.data_ptr()), total, p.C, p.HW, training);
        TG_CUDA_KERNEL_CHECK(op);
      }
    });
  }
  return which == 0 ? grad_input : as_param_dtype(sums, p.param_dtype);
}

Tensor layer_norm_backward_kernel_cuda(const Tensor& grad_out, const Tensor& input, IntArrayRef normalized_shape,
                                       const Tensor& mean, const Tensor& rstd, const std::optional<Tensor>& weight,
                                       int64_t which) {
  const char* op = "native_layer_norm_backward";
  if (which == 3)  // weight and bias (NormBackward.h): the two column sums, stacked
    return tg::stack({layer_norm_backward_kernel_cuda(grad_out, input, normalized_shape, mean, rstd, weight, 1),
                      layer_norm_backward_kernel_cuda(grad_out, input, normalized_shape, mean, rstd, weight, 2)});
  const NormBackwardPlan p = layer_norm_backward_plan(grad_out, input, normalized_shape, mean, rstd, weight, which);
  if (which == 0) {
    Tensor grad_input = empty_tensor(input.sizes(), input.dtype(), input.device(), op);
    if (grad_input.numel() == 0) return grad_input;
    dispatch_device<DtypeSet::Floating>(input.dtype(), op, [&]<typename T>() {
      using A = opmath_t<T>;
      ln_input_grad_kernel<T, A><<<unsigned(std::min<int64_t>(p.rows, kMaxGrid)), kBlockSize>>>(
          dev_ptr<T>(p.dy), dev_ptr<T>(p.x), p.mean.data<A>(), p.rstd.data<A>(),
          p.weight.defined() ? p.weight.data<A>() : nullptr, reinterpret_cast<T*>(grad_input.data_ptr()), p.rows,
          p.n);
      TG_CUDA_KERNEL_CHECK(op);
    });
    return grad_input;
  }
  Tensor sums = tg::zeros(normalized_shape, p.acc, input.device());
  if (p.n > 0 && p.rows > 0) {
    dispatch_device<DtypeSet::Floating>(input.dtype(), op, [&]<typename T>() {
      using A = opmath_t<T>;
      ln_param_grad_kernel<T, A><<<grid_for(p.n), kBlockSize>>>(dev_ptr<T>(p.dy), dev_ptr<T>(p.x), p.mean.data<A>(),
                                                                 p.rstd.data<A>(), sums.data<A>(), p.rows, p.n,
                                                                 int(which));
      TG_CUDA_KERNEL_CHECK(op);
    });
  }
  return as_param_dtype(sums, p.param_dtype);
}

// The input, weight and bias gradients (the CPU kernel reads dy and x once for the three; here
// the input's kernel and the parameters' kernel run one after the other).
std::vector<Tensor> layer_norm_backward_all_kernel_cuda(const Tensor& grad_out, const Tensor& input,
                                                        IntArrayRef normalized_shape, const Tensor& mean,
                                                        const Tensor& rstd, const std::optional<Tensor>& weight) {
  std::vector<Tensor> grads = tg::unbind(
      layer_norm_backward_kernel_cuda(grad_out, input, normalized_shape, mean, rstd, weight, 3), 0);
  grads.insert(grads.begin(), layer_norm_backward_kernel_cuda(grad_out, input, normalized_shape, mean, rstd, weight, 0));
  return grads;
}

Tensor group_norm_backward_kernel_cuda(const Tensor& grad_out, const Tensor& input, const Tensor& mean,
                                       const Tensor& rstd, const std::optional<Tensor>& weight, int64_t num_groups,
                                       int64_t which) {
  const char* op = "native_group_norm_backward";
  if (which == 3)  // weight and bias (NormBackward.h): the two per-channel sums, stacked
    return tg::stack({group_norm_backward_kernel_cuda(grad_out, input, mean, rstd, weight, num_groups, 1),
                      group_norm_backward_kernel_cuda(grad_out, input, mean, rstd, weight, num_groups, 2)});
  const NormBackwardPlan p = group_norm_backward_plan(grad_out, input, mean, rstd, weight, num_groups, which);
  const int64_t planes = p.N * p.C, rows = p.N * p.G, cpg = p.C / p.G;
  Tensor plane_sums = empty_tensor({2 * planes}, p.acc, input.device(), op);
  Tensor grad_input = which == 0 ? empty_tensor(input.sizes(), input.dtype(), input.device(), op) : Tensor();
  Tensor sums = which == 0 ? Tensor() : tg::zeros({p.C}, p.acc, input.device());
  if (planes > 0) {
    dispatch_device<DtypeSet::Floating>(input.dtype(), op, [&]<typename T>() {
      using A = opmath_t<T>;
      const A *M = p.mean.data<A>(), *R = p.rstd.data<A>();
      A* P = plane_sums.data<A>();
      gn_plane_sums_kernel<T, A><<<unsigned(std::min<int64_t>(planes, kMaxGrid)), kBlockSize>>>(
          dev_ptr<T>(p.dy), dev_ptr<T>(p.x), M, P, planes, p.HW, cpg);
      TG_CUDA_KERNEL_CHECK(op);
      if (which == 0) {
        gn_input_grad_kernel<T, A><<<unsigned(std::min<int64_t>(rows, kMaxGrid)), kBlockSize>>>(
            dev_ptr<T>(p.dy), dev_ptr<T>(p.x), M, R, p.weight.defined() ? p.weight.data<A>() : nullptr, P,
            reinterpret_cast<T*>(grad_input.data_ptr()), rows, p.G, cpg, p.HW);
      } else {
        gn_param_grad_kernel<A><<<grid_for(p.C), kBlockSize>>>(P, R, sums.data<A>(), p.N, p.C, cpg, int(which));
      }
      TG_CUDA_KERNEL_CHECK(op);
    });
  }
  return which == 0 ? grad_input : as_param_dtype(sums, p.param_dtype);
}

}  // namespace tg::native::cuda
