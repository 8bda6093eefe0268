// _embedding_bag and its backward kernel on CUDA: simple, correct and deterministic (no atomics).
// The host reads the indices and offsets once (one copy each), checks every index against the
// number of rows before any kernel reads a row (IndexError naming the op, the index and the bound),
// computes the bags and uploads them. Forward: one thread per (bag, column) walks the bag's
// positions in order. Backward (sum, mean): the positions grouped by weight row on the host
// (counting sort, index order), one thread per (row, column) sums its contributions in that order.
// Backward (max): one thread per column adds the bags' grads into their argmax rows in bag order.
#include <algorithm>
#include <vector>

#include "aten/native/EmbeddingAttention.h"
#include "aten/native/EmbeddingBag.h"
#include "aten/native/cuda/CUDACommon.cuh"
#include "aten/native/cuda/Loops.cuh"
#include "kernels/_embedding_bag.h"
#include "kernels/_embedding_bag_dense_backward.h"
#include "ops/contiguous.h"

namespace tg::native::cuda {

namespace {

std::vector<int64_t> download(const Tensor& t) {
  const Tensor c = embedding_flat_indices(t);  // int64, contiguous, on the device
  std::vector<int64_t> host(size_t(c.numel()));
  if (!host.empty())
    TG_CUDA_CHECK(cudaMemcpy(host.data(), c.data_ptr(), host.size() * sizeof(int64_t), cudaMemcpyDeviceToHost),
                  "reading embedding_bag's indices");
  return host;
}

Tensor upload(std::vector<int64_t> v) {
  if (v.empty()) v.push_back(0);
  return upload_offsets(v.data(), int64_t(v.size()));
}

template <typename T>
__global__ void embedding_bag_kernel(T* out, int64_t* max_idx, const T* w, const T* psw, const int64_t* idx,
                                     const int64_t* start, const int64_t* bag_size, int64_t bags, int64_t dim,
                                     int64_t mode, int64_t padding_idx) {
  using Acc = opmath_t<T>;
  for (int64_t t = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; t < bags * dim;
       t += int64_t(gridDim.x) * blockDim.x) {
    const int64_t b = t / dim, c = t % dim;
    Acc acc = 0;
    int64_t arg = -1, count = 0;
    for (int64_t i = start[b]; i < start[b + 1]; ++i) {
      const int64_t r = idx[i];
      if (r == padding_idx) continue;
      const Acc v = to_op(w[r * dim + c]);
      if (mode == 2) {
        if (count == 0 || v > acc) {  // the first maximum wins, like PyTorch
          acc = v;
          arg = r;
        }
      } else {
        acc += psw != nullptr ? v * to_op(psw[i]) : v;
      }
      ++count;
    }
    if (mode == 1 && bag_size[b] > 0) acc = acc / Acc(bag_size[b]);
    out[t] = from_op<T>(acc);
    if (mode == 2) max_idx[t] = arg;
  }
}

template <typename T>
__global__ void embedding_bag_backward_kernel(T* out, const T* grad, const T* psw, const int64_t* start,
                                              const int64_t* order, const int64_t* bag_of, const int64_t* bag_size,
                                              int64_t rows, int64_t dim, int64_t mode, int64_t padding_idx,
                                              bool scale_by_freq) {
  using Acc = opmath_t<T>;
  for (int64_t t = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; t < rows * dim;
       t += int64_t(gridDim.x) * blockDim.x) {
    const int64_t r = t / dim, c = t % dim, first = start[r], last = start[r + 1];
    Acc acc = 0;
    if (r != padding_idx) {
      for (int64_t j = first; j < last; ++j) {
        const int64_t i = order[j], b = bag_of[i];
        if (b < 0) continue;
        Acc s = 1;
        if (mode == 1) s = bag_size[b] > 0 ? Acc(1) / Acc(bag_size[b]) : Acc(0);
        else if (psw != nullptr) s = to_op(psw[i]);
        acc += to_op(grad[b * dim + c]) * s;
      }
      if (scale_by_freq && last > first) acc = acc * (Acc(1) / Acc(last - first));
    }
    out[t] = from_op<T>(acc);
  }
}

template <typename T>
__global__ void embedding_bag_max_backward_kernel(T* out, const T* grad, const int64_t* max_idx, int64_t bags,
                                                  int64_t dim) {
  using Acc = opmath_t<T>;
  const int64_t c = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (c >= dim) return;
  for (int64_t b = 0; b < bags; ++b) {
    const int64_t r = max_idx[b * dim + c];
    if (r >= 0) out[r * dim + c] = from_op<T>(to_op(out[r * dim + c]) + to_op(grad[b * dim + c]));
  }
}

}  // namespace

std::tuple<Tensor, Tensor, Tensor, Tensor> embedding_bag_cuda(const Tensor& weight, const Tensor& indices,
                                                              const Tensor& offsets, bool /*scale_grad_by_freq*/,
                                                              int64_t mode, bool sparse,
                                                              const std::optional<Tensor>& per_sample_weights,
                                                              bool include_last_offset, int64_t padding_idx) {
  const char* op = "embedding_bag";
  const BagGeometry g = check_embedding_bag(op, weight, indices, offsets, download(offsets), mode, sparse,
                                            per_sample_weights, include_last_offset, padding_idx);
  check_dtype_in(DtypeSet::Floating, weight.dtype(), op);
  const std::vector<int64_t> idx = download(indices);
  for (int64_t v : idx)
    if (v < 0 || v >= g.num_weights) embedding_index_error(op, v, g.num_weights);
  std::vector<int64_t> sizes(size_t(g.bags), 0);
  for (int64_t b = 0; b < g.bags; ++b)
    for (int64_t i = g.start[size_t(b)]; i < g.start[size_t(b) + 1]; ++i) sizes[size_t(b)] += idx[size_t(i)] != padding_idx;
  Tensor offset2bag = g.n ? upload(bag_of_positions(g)) : empty_tensor({0}, ScalarType::Int64, weight.device(), op);
  Tensor bag_size = g.bags ? upload(sizes) : empty_tensor({0}, ScalarType::Int64, weight.device(), op);
  Tensor max_indices = empty_tensor(mode == kBagMax ? DimVector{g.bags, g.dim} : DimVector{0}, ScalarType::Int64,
                                    weight.device(), op);
  Tensor out = empty_tensor({g.bags, g.dim}, weight.dtype(), weight.device(), op);
  if (g.bags * g.dim == 0) return {out, offset2bag, bag_size, max_indices};
  const Tensor d_idx = upload(idx), d_start = upload(g.start);
  const Tensor w = tg::contiguous(weight);
  const bool has_psw = per_sample_weights.has_value() && per_sample_weights->defined();
  const Tensor psw = has_psw ? tg::contiguous(*per_sample_weights) : Tensor();
  dispatch_device<DtypeSet::Floating>(weight.dtype(), op, [&]<typename T>() {
    embedding_bag_kernel<T><<<blocks_for(std::min<int64_t>(g.bags * g.dim, int64_t(1) << 24), kBlockSize),
                              kBlockSize>>>(
        static_cast<T*>(out.data_ptr()), mode == kBagMax ? max_indices.data<int64_t>() : nullptr,
        static_cast<const T*>(w.data_ptr()), has_psw ? static_cast<const T*>(psw.data_ptr()) : nullptr,
        d_idx.data<int64_t>(), d_start.data<int64_t>(), bag_size.data<int64_t>(), g.bags, g.dim, mode, padding_idx);
  });
  TG_CUDA_KERNEL_CHECK(op);
  return {out, offset2bag, bag_size, max_indices};
}

Tensor embedding_bag_dense_backward_cuda(const Tensor& grad, const Tensor& indices, const Tensor& offset2bag,
                                         const Tensor& bag_size, const Tensor& max_indices, int64_t num_weights,
                                         bool scale_grad_by_freq, int64_t mode,
                                         const std::optional<Tensor>& per_sample_weights, int64_t padding_idx) {
  const char* op = "_embedding_bag_dense_backward";
  check_embedding_bag_backward(op, grad, indices, offset2bag, bag_size, max_indices, num_weights, mode,
                               per_sample_weights, padding_idx);
  const int64_t bags = grad.size(0), dim = grad.size(1);
  return dispatch_device<DtypeSet::Floating>(grad.dtype(), op, [&]<typename T>() {
    Tensor out = empty_tensor({num_weights, dim}, grad.dtype(), grad.device(), op);
    if (num_weights * dim == 0) return out;
    const Tensor g = tg::contiguous(grad);
    if (mode == kBagMax) {
      const std::vector<int64_t> mi = download(max_indices);
      for (int64_t v : mi)
        if (v < -1 || v >= num_weights) embedding_bag_index_error(op, "max_indices", v, -1, num_weights);
      TG_CUDA_CHECK(cudaMemset(out.data_ptr(), 0, size_t(num_weights * dim) * sizeof(T)), "zeroing the gradient");
      const Tensor d_mi = upload(mi);
      embedding_bag_max_backward_kernel<T><<<blocks_for(dim, kBlockSize), kBlockSize>>>(
          static_cast<T*>(out.data_ptr()), static_cast<const T*>(g.data_ptr()), d_mi.data<int64_t>(), bags, dim);
      TG_CUDA_KERNEL_CHECK(op);
      return out;
    }
    const std::vector<int64_t> idx = download(indices), bag_of = download(offset2bag);
    for (int64_t v : idx)
      if (v < 0 || v >= num_weights) embedding_index_error(op, v, num_weights);
    for (int64_t v : bag_of)
      if (v < -1 || v >= bags) embedding_bag_index_error(op, "offset2bag", v, -1, bags);
    const RowBuckets rb = bucket_rows(idx.data(), int64_t(idx.size()), num_weights);
    const Tensor d_start = upload(rb.start), d_order = upload(rb.order), d_bag = upload(bag_of);
    const Tensor bs = tg::contiguous(bag_size);
    const bool has_psw = per_sample_weights.has_value() && per_sample_weights->defined();
    const Tensor psw = has_psw ? tg::contiguous(*per_sample_weights) : Tensor();
    embedding_bag_backward_kernel<T><<<blocks_for(std::min<int64_t>(num_weights * dim, int64_t(1) << 24), kBlockSize),
                                       kBlockSize>>>(
        static_cast<T*>(out.data_ptr()), static_cast<const T*>(g.data_ptr()),
        has_psw ? static_cast<const T*>(psw.data_ptr()) : nullptr, d_start.data<int64_t>(), d_order.data<int64_t>(),
        d_bag.data<int64_t>(), bs.data<int64_t>(), num_weights, dim, mode, padding_idx, scale_grad_by_freq);
    TG_CUDA_KERNEL_CHECK(op);
    return out;
  });
}

}  // namespace tg::native::cuda
