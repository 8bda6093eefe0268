// CUDA kernels of the joining and shape ops. cat: one pitched device-to-device copy
// (cudaMemcpy2DAsync) per contiguous input of the result's dtype, the copy kernel for the others;
// flip and roll: one gather kernel (the index maps of aten/native/Shape.h); tril/triu: one kernel
// over the result's elements, in place when the result is self (tril_/triu_). Checks live in aten/native/Shape.cpp
// and the meta functions, shared with the CPU.
#include "aten/native/Copy.h"
#include "aten/native/Shape.h"
#include "aten/native/cuda/CUDACommon.cuh"
#include "kernels/cat.h"
#include "kernels/flip.h"
#include "kernels/roll.h"
#include "kernels/tril.h"
#include "kernels/triu.h"

namespace tg::native::cuda {

namespace {

constexpr int kMaxDims = 25;  // PyTorch's limit for CUDA kernels that take a tensor's geometry by value
constexpr unsigned kMaxBlocks = 1u << 20;  // the kernels loop over the rest (grid-stride)

void check_dims(int64_t ndim, const char* op) {
  TG_CHECK(ndim <= kMaxDims, "[", op, "] CUDA kernels support tensors of at most ", kMaxDims, " dims, got ", ndim);
}

unsigned grid_for(int64_t n) {
  const unsigned b = blocks_for(n, kBlockSize);
  return b < kMaxBlocks ? b : kMaxBlocks;
}

// ----------------------------------------------------------------------------- flip, roll

struct RemapParams {
  int ndim;
  int64_t sizes[kMaxDims];
  int64_t strides[kMaxDims];
  int64_t shift[kMaxDims];
  bool flip[kMaxDims];
};

template <typename U>
__global__ void remap_kernel(const U* __restrict__ src, U* __restrict__ dst, int64_t numel, RemapParams p) {
  for (int64_t idx = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; idx < numel;
       idx += int64_t(gridDim.x) * blockDim.x) {
    int64_t r = idx, off = 0;
    for (int d = p.ndim - 1; d >= 0; --d) {
      const int64_t n = p.sizes[d], i = r % n;
      r /= n;
      int64_t j = p.flip[d] ? n - 1 - i : i - p.shift[d];
      if (j < 0) j += n;
      off += j * p.strides[d];
    }
    dst[idx] = src[off];
  }
}

Tensor remap_cuda(const RemapPlan& plan, const Tensor& self, const char* op) {
  Tensor out = empty_tensor(self.sizes(), self.dtype(), self.device(), op);
  const int64_t numel = out.numel();
  if (numel == 0) return out;
  check_dims(int64_t(plan.sizes.size()), op);
  RemapParams p{};
  p.ndim = int(plan.sizes.size());
  for (int d = 0; d < p.ndim; ++d) {
    p.sizes[d] = plan.sizes[size_t(d)];
    p.strides[d] = plan.strides[size_t(d)];
    p.shift[d] = plan.shift[size_t(d)];
    p.flip[d] = plan.flip[size_t(d)];
  }
  dispatch_element_size(out.element_size(), [&]<typename U>() {
    remap_kernel<U><<<grid_for(numel), kBlockSize>>>(static_cast<const U*>(plan.src.data_ptr()),
                                                     static_cast<U*>(out.data_ptr()), numel, p);
    TG_CUDA_KERNEL_CHECK(op);
  });
  return out;
}

// ----------------------------------------------------------------------------- tril, triu

struct TriangleParams {
  int ndim;
  int64_t sizes[kMaxDims];
  int64_t self_strides[kMaxDims];
  int64_t out_strides[kMaxDims];
  int64_t k;
  bool upper;
};

template <typename U>
__global__ void triangle_kernel(const U* src, U* dst, int64_t numel, TriangleParams p) {
  for (int64_t idx = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; idx < numel;
       idx += int64_t(gridDim.x) * blockDim.x) {
    int64_t r = idx, soff = 0, ooff = 0, i = 0, j = 0;
    for (int d = p.ndim - 1; d >= 0; --d) {
      const int64_t c = r % p.sizes[d];
      r /= p.sizes[d];
      if (d == p.ndim - 1) j = c;
      if (d == p.ndim - 2) i = c;
      soff += c * p.self_strides[d];
      ooff += c * p.out_strides[d];
    }
    // j - i is within +-2^62 for any real tensor, so comparing it with k cannot overflow.
    const bool keep = p.upper ? j - i >= p.k : j - i <= p.k;
    dst[ooff] = keep ? src[soff] : U(0);  // all-zero bytes: 0, 0.0 or false in every dtype
  }
}

void triangle_cuda(bool upper, const Tensor& self, int64_t k, Tensor& out, const char* op) {
  const int64_t numel = out.numel();
  if (numel == 0) return;
  check_dims(self.dim(), op);
  TriangleParams p{};
  p.ndim = int(self.dim());
  for (int d = 0; d < p.ndim; ++d) {
    p.sizes[d] = self.size(d);
    p.self_strides[d] = self.stride(d);
    p.out_strides[d] = out.stride(d);
  }
  p.k = k;
  p.upper = upper;
  dispatch_element_size(out.element_size(), [&]<typename U>() {
    triangle_kernel<U><<<grid_for(numel), kBlockSize>>>(static_cast<const U*>(self.data_ptr()),
                                                        static_cast<U*>(out.data_ptr()), numel, p);
    TG_CUDA_KERNEL_CHECK(op);
  });
}

}  // namespace

// ----------------------------------------------------------------------------- cat

void cat_out_cuda(TensorList tensors, int64_t dim, Tensor& out) {
  check_cat_out_overlap("cat", out, tensors);
  if (out.numel() == 0) return;
  const int64_t d = cat_wrap_dim(dim, tensors);
  const int64_t es = int64_t(out.element_size());
  const int64_t outer = size_product(out.sizes(), 0, d), inner = size_product(out.sizes(), d + 1, out.dim());
  const int64_t row_bytes = out.size(d) * inner * es;
  char* dst = static_cast<char*>(out.data_ptr());
  for_each_cat_input(tensors, d, out, [&](const Tensor& t, int64_t n, int64_t offset) {
    // outer rows of n * inner elements each, into rows of row_bytes at this input's offset.
    const size_t width = size_t(n * inner * es);
    TG_CUDA_CHECK(cudaMemcpy2DAsync(dst + offset * inner * es, size_t(row_bytes), t.data_ptr(), width, width,
                                    size_t(outer), cudaMemcpyDeviceToDevice, 0),
                  "cat: copy");
  });
}

Tensor flip_cuda(const Tensor& self, IntArrayRef dims) { return remap_cuda(flip_plan(self, dims), self, "flip"); }

Tensor roll_cuda(const Tensor& self, IntArrayRef shifts, IntArrayRef dims) {
  return remap_cuda(roll_plan(self, shifts, dims), self, "roll");
}

void tril_cuda(const Tensor& self, int64_t diagonal, Tensor& out) { triangle_cuda(false, self, diagonal, out, "tril"); }
void triu_cuda(const Tensor& self, int64_t diagonal, Tensor& out) { triangle_cuda(true, self, diagonal, out, "triu"); }

}  // namespace tg::native::cuda
