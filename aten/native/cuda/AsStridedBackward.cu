// as_strided_backward on CUDA: grad_output scatter-added (atomicAdd, in float or double) into a
// zeroed buffer at the storage positions of the (size, stride, storage_offset) view, then
// gathered through the input's geometry (aten/native/cpu/AsStridedBackwardKernel.cpp). Overlapping
// positions accumulate in an unspecified order, so sums may differ from the CPU in the last bits.
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

Geometry make_geometry(IntArrayRef sizes, IntArrayRef strides, int64_t offset, const char* op) {
  TG_CHECK(sizes.size() == strides.size(), "[", op, "] sizes ", sizes, " and strides ", strides, " differ in length");
  TG_CHECK(sizes.size() <= size_t(kMaxDims), "[", op, "] at most ", kMaxDims, " dims are supported on CUDA");
  Geometry g{int(sizes.size()), {}, {}, offset};
  for (size_t d = 0; d < sizes.size(); ++d) {
    TG_CHECK(sizes[d] >= 0 && strides[d] >= 0, "[", op, "] negative size or stride: ", sizes, ", ", strides);
    g.sizes[d] = sizes[d];
    g.strides[d] = strides[d];
  }
  return g;
}

// One past the last storage position the geometry touches (0 when it is empty).
int64_t extent(const Geometry& g) {
  int64_t last = g.offset;
  for (int d = 0; d < g.ndim; ++d) {
    if (g.sizes[d] == 0) return 0;
    last += (g.sizes[d] - 1) * g.strides[d];
  }
  return last + 1;
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
  const char* op = "as_strided_backward";
  const int64_t out_offset = storage_offset.value_or(input_offset);
  TG_CHECK(input_offset >= 0 && out_offset >= 0, "[", op, "] negative storage offset");
  TG_CHECK(grad_output.sizes().equals(size), "[", op, "] grad_output of shape ", grad_output.sizes(),
           " does not match the view's shape ", size);
  const Geometry in_g = make_geometry(input_sizes, input_strides, input_offset, op);
  const Geometry view_g = make_geometry(size, stride, out_offset, op);
  const int64_t buffer_size = std::max(extent(in_g), extent(view_g));
  Tensor grad = grad_output.is_contiguous() ? grad_output : to_dtype(grad_output, grad_output.dtype());
  Tensor result = empty_tensor(input_sizes, grad.dtype(), grad.device(), op);
  if (result.numel() == 0) return result;
  dispatch_device<DtypeSet::Floating>(grad.dtype(), op, [&]<typename T>() {
    using Acc = std::conditional_t<std::is_same_v<T, double>, double, float>;
    const int64_t bytes = buffer_size * int64_t(sizeof(Acc));
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
