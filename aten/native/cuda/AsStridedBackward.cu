// as_strided_backward on CUDA: grad_output scatter-added (atomicAdd, in float or double) into a
// zeroed buffer at the storage positions of the (size, stride, storage_offset) view, then
// gathered through the input's geometry (aten/native/cpu/AsStridedBackwardKernel.cpp). Overlapping
// positions accumulate in an unspecified order, so sums may differ from the CPU in the last bits.
#include "aten/native/AsStridedBackward.h"
#include "aten/native/Copy.h"
#include "aten/native/cuda/CUDACommon.cuh"
#include "kernels/as_strided_backward.h"

namespace tg::native::cuda {

namespace {

constexpr int kMaxDims = 16;
struct Geometry {
  int ndim;
  int64_t sizes[kMaxDims];
  int64_t strides[kMaxDims];
  int64_t offset;
};

// (sizes, strides) as checked by as_strided_backward_plan.
Geometry make_geometry(IntArrayRef sizes, IntArrayRef strides, int64_t offset, const char* op) {
  TG_CHECK(sizes.size() <= size_t(kMaxDims), "[", op, "] at most ", kMaxDims, " dims are supported on CUDA");
  Geometry g{int(sizes.size()), {}, {}, offset};
  for (size_t d = 0; d < sizes.size(); ++d) {
    g.sizes[d] = sizes[d];
    g.strides[d] = strides[d];
  }
  return g;
}

__device__ inline int64_t position(const Geometry& g, int64_t i) {
  int64_t pos = g.offset;
  for (int d = g.ndim - 1; d >= 0; --d) {
    pos += (i % g.sizes[d]) * g.strides[d];
    i /= g.sizes[d];
  }
  return pos;
}

template <typename T, typename Acc>
__global__ void scatter_add_kernel(const T* grad, int64_t n, Geometry view, Acc* buffer) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < n) atomicAdd(buffer + position(view, i), Acc(to_op(grad[i])));
}

template <typename T, typename Acc>
__global__ void gather_kernel(const Acc* buffer, int64_t n, Geometry input, T* result) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < n) result[i] = from_op<T>(opmath_t<T>(buffer[position(input, i)]));
}

}  // namespace

Tensor as_strided_backward_cuda(const Tensor& grad_output, IntArrayRef input_sizes, IntArrayRef input_strides,
                                int64_t input_offset, IntArrayRef size, IntArrayRef stride,
                                std::optional<int64_t> storage_offset) {
  const auto plan = as_strided_backward_plan(grad_output, input_sizes, input_strides, input_offset, size, stride, storage_offset);
  const char* op = plan.op;
  const Tensor &grad = plan.grad, &result = plan.result;
  const Geometry in_g = make_geometry(input_sizes, input_strides, input_offset, op);
  const Geometry view_g = make_geometry(size, stride, plan.out_offset, op);
  if (result.numel() == 0) return result;
  dispatch_device<DtypeSet::Floating>(grad.dtype(), op, [&]<typename T>() {
    using Acc = std::conditional_t<std::is_same_v<T, double>, double, float>;
    const int64_t bytes = plan.buffer_size * int64_t(sizeof(Acc));
    Tensor buffer = empty_tensor(IntArrayRef(&bytes, 1), ScalarType::UInt8, grad.device(), op);
    Acc* buf = reinterpret_cast<Acc*>(buffer.data_ptr());
    TG_CUDA_CHECK(cudaMemsetAsync(buf, 0, size_t(bytes), 0), "as_strided_backward: memset");
    const int64_t n = grad.numel();
    if (n > 0) {
      scatter_add_kernel<T, Acc><<<blocks_for(n, kBlockSize), kBlockSize>>>(
          reinterpret_cast<const T*>(grad.data_ptr()), n, view_g, buf);
      TG_CUDA_KERNEL_CHECK(op);
    }
    gather_kernel<T, Acc><<<blocks_for(result.numel(), kBlockSize), kBlockSize>>>(
        buf, result.numel(), in_g, reinterpret_cast<T*>(result.data_ptr()));
    TG_CUDA_KERNEL_CHECK(op);
  });
  return result;
}

}  // namespace tg::native::cuda
