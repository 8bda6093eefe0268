// Fused normalizations and classification losses on CUDA, on the layouts of aten/native/NormLoss.h
// (the same host steps as the CPU kernels). One block per row (losses, layer/rms/group norm) or
// per channel (batch norm statistics): block-wide sums in a fixed order, so results are
// deterministic. Class-index targets are checked on the device before any read at the index: a
// bad one is recorded in a device slot, read back after the kernel, and raised as IndexError.
#include "aten/native/NormLoss.h"
#include "aten/native/cuda/CUDACommon.cuh"
#include "kernels/cross_entropy_loss.h"
#include "kernels/cross_entropy_loss_backward.h"
#include "kernels/native_batch_norm.h"
#include "kernels/native_group_norm.h"
#include "kernels/native_layer_norm.h"
#include "kernels/native_rms_norm.h"
#include "kernels/nll_loss.h"
#include "kernels/nll_loss_backward.h"
#include "ops/fill_.h"

namespace tg::native::cuda {

namespace {

constexpr unsigned kMaxGrid = 1u << 20;
unsigned grid_for_rows(int64_t rows) { return unsigned(std::max<int64_t>(1, std::min<int64_t>(rows, kMaxGrid))); }

// Block-wide sum (Max: max) of one value per thread; every thread gets the result.
template <bool Max, typename A>
__device__ A block_reduce(A v, A* shared) {
  for (int off = 16; off > 0; off /= 2) {
    A o = __shfl_down_sync(0xffffffffu, v, off);
    v = Max ? (o > v || o != o ? o : v) : v + o;
  }
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32, nwarps = blockDim.x / 32;
  __syncthreads();
  if (lane == 0) shared[warp] = v;
  __syncthreads();
  if (warp == 0) {
    v = lane < nwarps ? shared[lane] : (Max ? A(-INFINITY) : A(0));
    for (int off = 16; off > 0; off /= 2) {
      A o = __shfl_down_sync(0xffffffffu, v, off);
      v = Max ? (o > v || o != o ? o : v) : v + o;
    }
    if (lane == 0) shared[0] = v;
  }
  __syncthreads();
  return shared[0];
}

// ---------------------------------------------------------------------------- target checks

struct BadTarget {
  int flag;
  int64_t value;
};

BadTarget* bad_target_slot() {
  static BadTarget* slot = [] {
    BadTarget* p = nullptr;
    TG_CUDA_CHECK(cudaMalloc(&p, sizeof(BadTarget)), "allocating the loss target error slot");
    TG_CUDA_CHECK(cudaMemset(p, 0, sizeof(BadTarget)), "clearing the loss target error slot");
    return p;
  }();
  return slot;
}

template <typename A>
__global__ void row_weights_kernel(const int64_t* t, const A* w, A* rw, int64_t rows, int64_t C, int64_t ignore,
                                   BadTarget* bad) {
  const int64_t r = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (r >= rows) return;
  const int64_t y = t[r];
  if (y == ignore) {
    rw[r] = A(0);
  } else if (y < 0 || y >= C) {
    rw[r] = A(0);
    if (atomicCAS(&bad->flag, 0, 1) == 0) bad->value = y;
  } else {
    rw[r] = w ? w[y] : A(1);
  }
}

template <typename A>
Tensor row_weights(const LossPlan& p, int64_t ignore_index) {
  Tensor rw = empty_tensor({p.rows}, p.acc, p.x.device(), p.op);
  if (p.rows == 0) return rw;
  if (p.probs) {
    tg::fill_(rw, Scalar(1.0));
    return rw;
  }
  BadTarget* slot = bad_target_slot();
  const A* w = p.weight.defined() ? p.weight.data<A>() : nullptr;
  row_weights_kernel<A><<<blocks_for(p.rows, kBlockSize), kBlockSize>>>(p.target.data<int64_t>(), w, rw.data<A>(),
                                                                         p.rows, p.C, ignore_index, slot);
  TG_CUDA_KERNEL_CHECK(p.op);
  BadTarget host{};
  TG_CUDA_CHECK(cudaMemcpy(&host, slot, sizeof(host), cudaMemcpyDeviceToHost), str(p.op, ": reading the error slot"));
  if (host.flag) {
    TG_CUDA_CHECK(cudaMemset(slot, 0, sizeof(BadTarget)), "clearing the loss target error slot");
    loss_target_out_of_bounds(p.op, host.value, p.C, ignore_index);
  }
  return rw;
}

// ---------------------------------------------------------------------------- losses

struct LossArgs {
  int64_t rows, C, ignore;
  bool probs;
  double smoothing;
};

// log-sum-exp of row x, block-wide.
template <typename T, typename A>
__device__ A block_lse(const T* x, int64_t C, A* shared) {
  A mx = -INFINITY;
  for (int64_t k = threadIdx.x; k < C; k += blockDim.x) {
    const A v = A(to_op(x[k]));
    mx = (v > mx || v != v) ? v : mx;
  }
  mx = block_reduce<true>(mx, shared);
  if (isinf(mx)) return mx;
  A s = 0;
  for (int64_t k = threadIdx.x; k < C; k += blockDim.x) s += exp(A(to_op(x[k])) - mx);
  s = block_reduce<false>(s, shared);
  return mx + log(s);
}

template <bool LogSoftmax, typename T, typename A>
__global__ void loss_rows_kernel(const T* X, const void* target, const A* w, const A* rw, A* loss, LossArgs a) {
  __shared__ A shared[32];
  const A eps = A(a.smoothing), keep = A(1) - eps, per_class = a.C ? eps / A(a.C) : A(0);
  for (int64_t r = blockIdx.x; r < a.rows; r += gridDim.x) {
    const T* x = X + r * a.C;
    if (a.probs) {
      const T* t = static_cast<const T*>(target) + r * a.C;
      const A lse = block_lse<T, A>(x, a.C, shared);
      A wtx = 0, wt = 0;
      for (int64_t c = threadIdx.x; c < a.C; c += blockDim.x) {
        const A tc = keep * A(to_op(t[c])) + per_class;
        const A ac = w ? w[c] * tc : tc;
        wtx += ac * A(to_op(x[c]));
        wt += ac;
      }
      wtx = block_reduce<false>(wtx, shared);
      wt = block_reduce<false>(wt, shared);
      if (threadIdx.x == 0) loss[r] = -(wtx - lse * wt);
      continue;
    }
    const int64_t y = static_cast<const int64_t*>(target)[r];
    if (y == a.ignore) {
      if (threadIdx.x == 0) loss[r] = A(0);
      continue;
    }
    const A lse = LogSoftmax ? block_lse<T, A>(x, a.C, shared) : A(0);
    A l = -keep * rw[r] * (A(to_op(x[y])) - lse);
    if (LogSoftmax && eps > 0) {
      A wx = 0, ws = 0;
      for (int64_t c = threadIdx.x; c < a.C; c += blockDim.x) {
        const A wc = w ? w[c] : A(1);
        wx += wc * A(to_op(x[c]));
        ws += wc;
      }
      wx = block_reduce<false>(wx, shared);
      ws = block_reduce<false>(ws, shared);
      l -= per_class * (wx - lse * ws);
    }
    if (threadIdx.x == 0) loss[r] = l;
  }
}

template <bool LogSoftmax, typename T, typename A>
__global__ void loss_grad_kernel(const T* X, const void* target, const A* w, const A* rw, const A* coef, T* G,
                                 LossArgs a) {
  __shared__ A shared[32];
  const A eps = A(a.smoothing), keep = A(1) - eps, per_class = a.C ? eps / A(a.C) : A(0);
  for (int64_t r = blockIdx.x; r < a.rows; r += gridDim.x) {
    const T* x = X + r * a.C;
    T* g = G + r * a.C;
    const A cf = coef[r];
    const int64_t y = a.probs ? 0 : static_cast<const int64_t*>(target)[r];
    if (!a.probs && y == a.ignore) {
      for (int64_t c = threadIdx.x; c < a.C; c += blockDim.x) g[c] = from_op<T>(0);
      continue;
    }
    if (!LogSoftmax) {
      for (int64_t c = threadIdx.x; c < a.C; c += blockDim.x) g[c] = from_op<T>(c == y ? -cf * rw[r] : A(0));
      continue;
    }
    const A lse = block_lse<T, A>(x, a.C, shared);
    if (a.probs) {
      const T* t = static_cast<const T*>(target) + r * a.C;
      A total = 0;
      for (int64_t c = threadIdx.x; c < a.C; c += blockDim.x) total += (w ? w[c] : A(1)) * (keep * A(to_op(t[c])) + per_class);
      total = block_reduce<false>(total, shared);
      for (int64_t c = threadIdx.x; c < a.C; c += blockDim.x) {
        const A ac = (w ? w[c] : A(1)) * (keep * A(to_op(t[c])) + per_class);
        g[c] = from_op<T>(cf * (exp(A(to_op(x[c])) - lse) * total - ac));
      }
      continue;
    }
    A ws = 0;
    for (int64_t c = threadIdx.x; c < a.C; c += blockDim.x) ws += w ? w[c] : A(1);
    ws = block_reduce<false>(ws, shared);
    const A total = keep * rw[r] + per_class * ws;
    for (int64_t c = threadIdx.x; c < a.C; c += blockDim.x) {
      A v = cf * total * exp(A(to_op(x[c])) - lse) - cf * per_class * (w ? w[c] : A(1));
      if (c == y) v -= cf * keep * rw[r];
      g[c] = from_op<T>(v);
    }
  }
}

template <bool LogSoftmax>
Tensor loss_forward(const char* op, const Tensor& self, const Tensor& target, const std::optional<Tensor>& weight,
                    int64_t reduction, int64_t ignore_index, double smoothing) {
  const LossPlan p = loss_plan(op, self, target, weight, reduction, smoothing, LogSoftmax);
  return dispatch_device<DtypeSet::Floating>(self.dtype(), op, [&]<typename T>() {
    using A = opmath_t<T>;
    const Tensor rw = row_weights<A>(p, ignore_index);
    Tensor loss = empty_tensor({p.rows}, p.acc, self.device(), op);
    if (p.rows) {
      const A* w = p.weight.defined() ? p.weight.data<A>() : nullptr;
      loss_rows_kernel<LogSoftmax, T, A><<<grid_for_rows(p.rows), kBlockSize>>>(
          reinterpret_cast<const T*>(p.x.data_ptr()), p.target.data_ptr(), w, rw.data<A>(), loss.data<A>(),
          LossArgs{p.rows, p.C, ignore_index, p.probs, smoothing});
      TG_CUDA_KERNEL_CHECK(op);
    }
    return loss_reduce(p, loss, rw, reduction);
  });
}

template <bool LogSoftmax>
Tensor loss_backward(const char* op, const Tensor& grad_output, const Tensor& self, const Tensor& target,
                     const std::optional<Tensor>& weight, int64_t reduction, int64_t ignore_index, double smoothing) {
  const LossPlan p = loss_plan(op, self, target, weight, reduction, smoothing, LogSoftmax);
  return dispatch_device<DtypeSet::Floating>(self.dtype(), op, [&]<typename T>() {
    using A = opmath_t<T>;
    const Tensor rw = row_weights<A>(p, ignore_index);
    const Tensor coef = loss_row_coef(p, grad_output, rw, reduction);
    Tensor grad = empty_tensor({p.rows, p.C}, self.dtype(), self.device(), op);
    if (p.rows && p.C) {
      const A* w = p.weight.defined() ? p.weight.data<A>() : nullptr;
      loss_grad_kernel<LogSoftmax, T, A><<<grid_for_rows(p.rows), kBlockSize>>>(
          reinterpret_cast<const T*>(p.x.data_ptr()), p.target.data_ptr(), w, rw.data<A>(), coef.data<A>(),
          reinterpret_cast<T*>(grad.data_ptr()), LossArgs{p.rows, p.C, ignore_index, p.probs, smoothing});
      TG_CUDA_KERNEL_CHECK(op);
    }
    return loss_grad_finish(p, grad);
  });
}

// ---------------------------------------------------------------------------- normalizations

// Mean and mean of squared deviations of x[0, n) (two passes over the row, block-wide).
template <typename T, typename A>
__device__ void block_moments(const T* x, int64_t n, int64_t stride_blocks, A* shared, A& mean, A& var) {
  A s = 0;
  for (int64_t k = threadIdx.x; k < n; k += blockDim.x) s += A(to_op(x[k]));
  mean = block_reduce<false>(s, shared) / A(n);
  A q = 0;
  for (int64_t k = threadIdx.x; k < n; k += blockDim.x) {
    const A d = A(to_op(x[k])) - mean;
    q += d * d;
  }
  var = block_reduce<false>(q, shared) / A(n);
}

// layer_norm (Center) / rms_norm rows: statistics, then (x - mean) * rstd * w + b.
template <bool Center, typename T, typename A>
__global__ void row_norm_kernel(const T* X, const T* w, const T* b, T* Y, A* M, A* R, int64_t rows, int64_t n,
                                double eps) {
  __shared__ A shared[32];
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const T* x = X + r * n;
    A mean = 0, var = 0;
    if (Center) {
      block_moments<T, A>(x, n, 0, shared, mean, var);
    } else {
      A q = 0;
      for (int64_t k = threadIdx.x; k < n; k += blockDim.x) q += A(to_op(x[k])) * A(to_op(x[k]));
      var = block_reduce<false>(q, shared) / A(n);
    }
    const A rstd = A(1) / sqrt(var + A(eps));
    if (threadIdx.x == 0) {
      if (Center) M[r] = mean;
      R[r] = rstd;
    }
    for (int64_t k = threadIdx.x; k < n; k += blockDim.x) {
      A v = (A(to_op(x[k])) - mean) * rstd;
      if (w) v *= A(to_op(w[k]));
      if (b) v += A(to_op(b[k]));
      Y[r * n + k] = from_op<T>(v);
    }
  }
}

// group_norm: one block per (sample, group) row of cpg * HW elements; affine per channel.
template <typename T, typename A>
__global__ void group_norm_kernel(const T* X, const T* w, const T* b, T* Y, A* M, A* R, int64_t rows, int64_t G,
                                  int64_t cpg, int64_t HW, double eps) {
  __shared__ A shared[32];
  const int64_t len = cpg * HW;
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const T* x = X + r * len;
    A mean, var;
    block_moments<T, A>(x, len, 0, shared, mean, var);
    const A rstd = A(1) / sqrt(var + A(eps));
    if (threadIdx.x == 0) {
      M[r] = mean;
      R[r] = rstd;
    }
    const int64_t c0 = (r % G) * cpg;
    for (int64_t k = threadIdx.x; k < len; k += blockDim.x) {
      const int64_t c = c0 + k / HW;
      A v = (A(to_op(x[k])) - mean) * rstd;
      if (w) v *= A(to_op(w[c]));
      if (b) v += A(to_op(b[c]));
      Y[r * len + k] = from_op<T>(v);
    }
  }
}

// batch_norm statistics: one block per channel over its N planes of HW elements.
template <typename T, typename A>
__global__ void batch_stats_kernel(const T* X, A* M, A* R, A* BV, int64_t N, int64_t C, int64_t HW, double eps) {
  __shared__ A shared[32];
  const int64_t c = blockIdx.x, count = N * HW;
  A s = 0;
  for (int64_t i = threadIdx.x; i < count; i += blockDim.x) s += A(to_op(X[(i / HW * C + c) * HW + i % HW]));
  const A mean = block_reduce<false>(s, shared) / A(count);
  A q = 0;
  for (int64_t i = threadIdx.x; i < count; i += blockDim.x) {
    const A d = A(to_op(X[(i / HW * C + c) * HW + i % HW])) - mean;
    q += d * d;
  }
  q = block_reduce<false>(q, shared);
  if (threadIdx.x == 0) {
    M[c] = mean;
    R[c] = A(1) / sqrt(q / A(count) + A(eps));
    BV[c] = q / A(count - 1);
  }
}

template <typename A>
__global__ void eval_stats_kernel(const A* rm, const A* rv, A* M, A* R, int64_t C, double eps) {
  const int64_t c = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (c >= C) return;
  M[c] = rm[c];
  R[c] = A(1) / sqrt(rv[c] + A(eps));
}

template <typename T, typename A>
__global__ void batch_apply_kernel(const T* X, const T* w, const T* b, const A* M, const A* R, T* Y, int64_t total,
                                   int64_t C, int64_t HW) {
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t c = i / HW % C;
    A v = (A(to_op(X[i])) - M[c]) * R[c];
    if (w) v *= A(to_op(w[c]));
    if (b) v += A(to_op(b[c]));
    Y[i] = from_op<T>(v);
  }
}

template <typename T> const T* dev_ptr(const Tensor& t) {
  return t.defined() ? reinterpret_cast<const T*>(t.data_ptr()) : nullptr;
}

}  // namespace

Tensor cross_entropy_loss_cuda(const Tensor& self, const Tensor& target, const std::optional<Tensor>& weight,
                               int64_t reduction, int64_t ignore_index, double label_smoothing) {
  return loss_forward<true>("cross_entropy_loss", self, target, weight, reduction, ignore_index, label_smoothing);
}

Tensor cross_entropy_loss_backward_cuda(const Tensor& grad_output, const Tensor& self, const Tensor& target,
                                        const std::optional<Tensor>& weight, int64_t reduction, int64_t ignore_index,
                                        double label_smoothing) {
  return loss_backward<true>("cross_entropy_loss_backward", grad_output, self, target, weight, reduction,
                             ignore_index, label_smoothing);
}

Tensor nll_loss_cuda(const Tensor& self, const Tensor& target, const std::optional<Tensor>& weight, int64_t reduction,
                     int64_t ignore_index) {
  return loss_forward<false>("nll_loss", self, target, weight, reduction, ignore_index, 0.0);
}

Tensor nll_loss_backward_cuda(const Tensor& grad_output, const Tensor& self, const Tensor& target,
                              const std::optional<Tensor>& weight, int64_t reduction, int64_t ignore_index) {
  return loss_backward<false>("nll_loss_backward", grad_output, self, target, weight, reduction, ignore_index, 0.0);
}

std::tuple<Tensor, Tensor, Tensor> native_layer_norm_cuda(const Tensor& input, IntArrayRef normalized_shape,
                                                          const std::optional<Tensor>& weight,
                                                          const std::optional<Tensor>& bias, double eps) {
  const char* op = "native_layer_norm";
  const RowNormPlan p = row_norm_plan(op, input, normalized_shape, weight, bias);
  Tensor out = empty_tensor(input.sizes(), input.dtype(), input.device(), op);
  Tensor mean = empty_tensor(p.stat_sizes, p.acc, input.device(), op);
  Tensor rstd = empty_tensor(p.stat_sizes, p.acc, input.device(), op);
  if (p.rows == 0) return {out, mean, rstd};
  if (p.n == 0) {  // statistics of nothing
    tg::fill_(mean, Scalar(NAN));
    tg::fill_(rstd, Scalar(NAN));
    return {out, mean, rstd};
  }
  dispatch_device<DtypeSet::Floating>(input.dtype(), op, [&]<typename T>() {
    using A = opmath_t<T>;
    row_norm_kernel<true, T, A><<<grid_for_rows(p.rows), kBlockSize>>>(
        dev_ptr<T>(p.x), dev_ptr<T>(p.weight), dev_ptr<T>(p.bias), reinterpret_cast<T*>(out.data_ptr()),
        mean.data<A>(), rstd.data<A>(), p.rows, p.n, eps);
    TG_CUDA_KERNEL_CHECK(op);
  });
  return {out, mean, rstd};
}

std::tuple<Tensor, Tensor> native_rms_norm_cuda(const Tensor& input, IntArrayRef normalized_shape,
                                                const std::optional<Tensor>& weight, std::optional<double> eps) {
  const char* op = "native_rms_norm";
  const RowNormPlan p = row_norm_plan(op, input, normalized_shape, weight, std::nullopt);
  const double e = eps ? *eps : rms_norm_default_eps(input.dtype());
  Tensor out = empty_tensor(input.sizes(), input.dtype(), input.device(), op);
  Tensor rstd = empty_tensor(p.stat_sizes, p.acc, input.device(), op);
  if (p.rows == 0) return {out, rstd};
  if (p.n == 0) {
    tg::fill_(rstd, Scalar(NAN));
    return {out, rstd};
  }
  dispatch_device<DtypeSet::Floating>(input.dtype(), op, [&]<typename T>() {
    using A = opmath_t<T>;
    row_norm_kernel<false, T, A><<<grid_for_rows(p.rows), kBlockSize>>>(
        dev_ptr<T>(p.x), dev_ptr<T>(p.weight), nullptr, reinterpret_cast<T*>(out.data_ptr()), nullptr,
        rstd.data<A>(), p.rows, p.n, e);
    TG_CUDA_KERNEL_CHECK(op);
  });
  return {out, rstd};
}

std::tuple<Tensor, Tensor, Tensor> native_group_norm_cuda(const Tensor& input, const std::optional<Tensor>& weight,
                                                          const std::optional<Tensor>& bias, int64_t num_groups,
                                                          double eps) {
  const char* op = "native_group_norm";
  const GroupNormPlan p = group_norm_plan(input, weight, bias, num_groups);
  Tensor out = empty_tensor(input.sizes(), input.dtype(), input.device(), op);
  Tensor mean = empty_tensor({p.N, p.G}, p.acc, input.device(), op);
  Tensor rstd = empty_tensor({p.N, p.G}, p.acc, input.device(), op);
  const int64_t rows = p.N * p.G, cpg = p.C / p.G;
  if (rows == 0) return {out, mean, rstd};
  if (cpg * p.HW == 0) {
    tg::fill_(mean, Scalar(NAN));
    tg::fill_(rstd, Scalar(NAN));
    return {out, mean, rstd};
  }
  dispatch_device<DtypeSet::Floating>(input.dtype(), op, [&]<typename T>() {
    using A = opmath_t<T>;
    group_norm_kernel<T, A><<<grid_for_rows(rows), kBlockSize>>>(
        dev_ptr<T>(p.x), dev_ptr<T>(p.weight), dev_ptr<T>(p.bias), reinterpret_cast<T*>(out.data_ptr()),
        mean.data<A>(), rstd.data<A>(), rows, p.G, cpg, p.HW, eps);
    TG_CUDA_KERNEL_CHECK(op);
  });
  return {out, mean, rstd};
}

std::tuple<Tensor, Tensor, Tensor, Tensor> native_batch_norm_cuda(const Tensor& input,
                                                                  const std::optional<Tensor>& weight,
                                                                  const std::optional<Tensor>& bias,
                                                                  const std::optional<Tensor>& running_mean,
                                                                  const std::optional<Tensor>& running_var,
                                                                  bool training, double eps) {
  const char* op = "native_batch_norm";
  const BatchNormPlan p = batch_norm_plan(input, weight, bias, running_mean, running_var, training);
  Tensor out = empty_tensor(input.sizes(), input.dtype(), input.device(), op);
  Tensor mean = empty_tensor({p.C}, p.acc, input.device(), op);
  Tensor rstd = empty_tensor({p.C}, p.acc, input.device(), op);
  Tensor batch_var = empty_tensor({training ? p.C : 0}, p.acc, input.device(), op);
  if (p.C == 0) return {out, mean, rstd, batch_var};
  dispatch_device<DtypeSet::Floating>(input.dtype(), op, [&]<typename T>() {
    using A = opmath_t<T>;
    if (training) {
      batch_stats_kernel<T, A><<<unsigned(p.C), kBlockSize>>>(dev_ptr<T>(p.x), mean.data<A>(), rstd.data<A>(),
                                                              batch_var.data<A>(), p.N, p.C, p.HW, eps);
    } else {
      eval_stats_kernel<A><<<blocks_for(p.C, kBlockSize), kBlockSize>>>(
          p.running_mean.data<A>(), p.running_var.data<A>(), mean.data<A>(), rstd.data<A>(), p.C, eps);
    }
    TG_CUDA_KERNEL_CHECK(op);
    const int64_t total = input.numel();
    if (total) {
      batch_apply_kernel<T, A><<<unsigned(std::min<int64_t>(blocks_for(total, kBlockSize), kMaxGrid)), kBlockSize>>>(
          dev_ptr<T>(p.x), dev_ptr<T>(p.weight), dev_ptr<T>(p.bias), mean.data<A>(), rstd.data<A>(),
          reinterpret_cast<T*>(out.data_ptr()), total, p.C, p.HW);
      TG_CUDA_KERNEL_CHECK(op);
    }
  });
  return {out, mean, rstd, batch_var};
}

}  // namespace tg::native::cuda
