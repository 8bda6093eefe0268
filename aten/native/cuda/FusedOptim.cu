// The fused optimizer steps on CUDA: one launch per call over a table of the parameters' tensor
// pointers (aten/native/FusedOptim.h: one FusedSlot per parameter) and a list of chunks; block b
// updates chunk b, up to kChunk consecutive elements of one parameter and its state. The
// per-element arithmetic is the CPU kernels' (the *Math structs), with V = the op-math scalar.
#include <cstring>
#include <vector>

#include "aten/native/FusedOptim.h"
#include "aten/native/cuda/CUDACommon.cuh"
#include "kernels/_fused_adagrad_.h"
#include "kernels/_fused_adam_.h"
#include "kernels/_fused_rmsprop_.h"
#include "kernels/_fused_sgd_.h"

namespace tg::native::cuda {

namespace {

struct CudaOps {
  template <typename V> __host__ __device__ static V sqrt(V a) {
    if constexpr (std::is_same_v<V, float>) return sqrtf(a);
    else return ::sqrt(a);
  }
  // NaN-propagating, like torch.maximum (fmaxf would drop the NaN).
  template <typename V> __host__ __device__ static V maximum(V a, V b) { return (a != a || b != b) ? a + b : (a > b ? a : b); }
  template <typename V> __host__ __device__ static V fmadd(V a, V b, V c) {
    if constexpr (std::is_same_v<V, float>) return fmaf(a, b, c);
    else return ::fma(a, b, c);
  }
};

constexpr int64_t kChunk = 65536;  // elements per block

// x[k] for each list k present in the slot; stored back where `written_mask` has bit k.
template <typename T, int N, typename F>
__global__ void fused_kernel(const FusedSlot* slots, const int64_t* chunks, unsigned written_mask, F update) {
  using Op = opmath_t<T>;
  const int64_t slot_index = chunks[2 * int64_t(blockIdx.x)];
  const int64_t begin = chunks[2 * int64_t(blockIdx.x) + 1];
  const FusedSlot& slot = slots[slot_index];
  const int64_t end = begin + kChunk < slot.numel ? begin + kChunk : slot.numel;
  for (int64_t i = begin + threadIdx.x; i < end; i += blockDim.x) {
    Op x[N];
#pragma unroll
    for (int k = 0; k < N; ++k) x[k] = slot.data[k] ? to_op(static_cast<const T*>(slot.data[k])[i]) : Op(0);
    update(x, slot);
#pragma unroll
    for (int k = 0; k < N; ++k) {
      if (slot.data[k] && (written_mask >> k & 1u)) static_cast<T*>(slot.data[k])[i] = from_op<T>(x[k]);
    }
  }
}

// Uploads the slots and the chunk list in one copy and launches one block per chunk.
template <typename T, int N, typename F>
void launch(const FusedStep& st, unsigned written_mask, const F& update) {
  if (st.slots.empty()) return;
  std::vector<int64_t> chunks;
  for (size_t s = 0; s < st.slots.size(); ++s) {
    for (int64_t b = 0; b < st.slots[s].numel; b += kChunk) {
      chunks.push_back(int64_t(s));
      chunks.push_back(b);
    }
  }
  const int64_t slot_bytes = int64_t(st.slots.size() * sizeof(FusedSlot));
  const int64_t bytes = slot_bytes + int64_t(chunks.size() * sizeof(int64_t));
  std::vector<char> host(static_cast<size_t>(bytes));
  std::memcpy(host.data(), st.slots.data(), size_t(slot_bytes));
  std::memcpy(host.data() + slot_bytes, chunks.data(), chunks.size() * sizeof(int64_t));
  // FusedSlot holds pointers and int64/double: slot_bytes keeps the chunk list 8-byte aligned.
  Tensor table = empty_tensor(IntArrayRef(&bytes, 1), ScalarType::UInt8, st.device, st.op);
  TG_CUDA_CHECK(cudaMemcpy(table.data_ptr(), host.data(), size_t(bytes), cudaMemcpyHostToDevice),
                str(st.op, ": uploading the tensor table"));
  const auto* slots = static_cast<const FusedSlot*>(table.data_ptr());
  const auto* chunk_ptr = reinterpret_cast<const int64_t*>(static_cast<const char*>(table.data_ptr()) + slot_bytes);
  const unsigned nblocks = unsigned(chunks.size() / 2);
  fused_kernel<T, N, F><<<nblocks, kBlockSize>>>(slots, chunk_ptr, written_mask, update);
  TG_CUDA_KERNEL_CHECK(st.op);
}

template <typename Op> struct SgdFn {
  SgdMath<Op, CudaOps> math;
  __device__ void operator()(Op* x, const FusedSlot&) const { math(x); }
};
template <typename Op> struct AdamFn {
  AdamMath<Op, CudaOps> math;
  __device__ void operator()(Op* x, const FusedSlot& s) const { math(x, Op(s.scalar[0]), Op(s.scalar[1])); }
};
template <typename Op> struct RmspropFn {
  RmspropMath<Op, CudaOps> math;
  __device__ void operator()(Op* x, const FusedSlot&) const { math(x); }
};
template <typename Op> struct AdagradFn {
  AdagradMath<Op, CudaOps> math;
  __device__ void operator()(Op* x, const FusedSlot& s) const { math(x, Op(s.scalar[0])); }
};

constexpr unsigned kWriteAllButGrads = ~2u;  // list 1 (grads) is read only

}  // namespace

void fused_sgd_kernel(TensorList params, TensorList grads, TensorList momentum_buffers, double lr, double momentum,
                      double dampening, double weight_decay, bool nesterov, bool maximize, bool is_first_step) {
  FusedStep st = plan_fused_sgd(params, grads, momentum_buffers, momentum);
  dispatch_device<DtypeSet::Floating>(st.dtype, st.op, [&]<typename T>() {
    using Op = opmath_t<T>;
    SgdFn<Op> fn{SgdMath<Op, CudaOps>::template make<Op>(lr, momentum, dampening, weight_decay, nesterov, maximize,
                                                        is_first_step)};
    launch<T, 3>(st, kWriteAllButGrads, fn);
  });
  st.finish();
}

void fused_adam_kernel(TensorList params, TensorList grads, TensorList exp_avgs, TensorList exp_avg_sqs,
                       TensorList max_exp_avg_sqs, TensorList state_steps, double lr, double beta1, double beta2,
                       double weight_decay, double eps, bool amsgrad, bool maximize, bool decoupled_weight_decay) {
  FusedStep st = plan_fused_adam(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, state_steps, lr, beta1,
                                 beta2, amsgrad);
  dispatch_device<DtypeSet::Floating>(st.dtype, st.op, [&]<typename T>() {
    using Op = opmath_t<T>;
    AdamFn<Op> fn{AdamMath<Op, CudaOps>::template make<Op>(lr, beta1, beta2, weight_decay, eps, amsgrad, maximize,
                                                          decoupled_weight_decay)};
    launch<T, 5>(st, kWriteAllButGrads, fn);
  });
  st.finish();
}

void fused_rmsprop_kernel(TensorList params, TensorList grads, TensorList square_avgs, TensorList grad_avgs,
                          TensorList momentum_buffers, TensorList state_steps, double lr, double alpha, double eps,
                          double weight_decay, double momentum, bool centered, bool maximize) {
  FusedStep st = plan_fused_rmsprop(params, grads, square_avgs, grad_avgs, momentum_buffers, state_steps, momentum,
                                    centered);
  dispatch_device<DtypeSet::Floating>(st.dtype, st.op, [&]<typename T>() {
    using Op = opmath_t<T>;
    RmspropFn<Op> fn{RmspropMath<Op, CudaOps>::template make<Op>(lr, alpha, eps, weight_decay, momentum, centered,
                                                                maximize)};
    launch<T, 5>(st, kWriteAllButGrads, fn);
  });
  st.finish();
}

void fused_adagrad_kernel(TensorList params, TensorList grads, TensorList state_sums, TensorList state_steps,
                          double lr, double lr_decay, double weight_decay, double eps, bool maximize) {
  FusedStep st = plan_fused_adagrad(params, grads, state_sums, state_steps, lr, lr_decay);
  dispatch_device<DtypeSet::Floating>(st.dtype, st.op, [&]<typename T>() {
    using Op = opmath_t<T>;
    AdagradFn<Op> fn{AdagradMath<Op, CudaOps>::template make<Op>(weight_decay, eps, maximize)};
    launch<T, 3>(st, kWriteAllButGrads, fn);
  });
  st.finish();
}

}  // namespace tg::native::cuda
