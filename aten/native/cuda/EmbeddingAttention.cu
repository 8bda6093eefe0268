// Embedding and attention kernels on CUDA: simple, correct and deterministic (no atomics).
//
// embedding: one thread per output element; an out-of-range index is never dereferenced: the
// thread records it in a device-side slot and the host throws the op's IndexError after the kernel.
// The gradient ops and embedding_renorm_ read the indices on the host first (one copy): the host
// checks them, groups the positions by row (counting sort, index order) and uploads that; then one
// thread per output element sums its row's contributions in index order.
// _fused_attention: one thread per query row, an online softmax over all keys (the L x S matrix is
// never allocated); the backward has one thread per query row for dq and one per key row for dk and
// dv, each owning what it writes. Half types compute in float, like the CPU kernels.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "aten/native/EmbeddingAttention.h"
#include "aten/native/cuda/CUDACommon.cuh"
#include "aten/native/cuda/Loops.cuh"
#include "kernels/_fused_attention.h"
#include "kernels/_fused_attention_backward_kernel.h"
#include "kernels/embedding.h"
#include "kernels/embedding_dense_backward.h"
#include "kernels/embedding_dense_double_backward.h"
#include "kernels/embedding_renorm_.h"
#include "ops/contiguous.h"
#include "ops/to.h"

namespace tg::native::cuda {

namespace {

struct EmbeddingErrorSlot {
  int flag;
  long long index;
};

EmbeddingErrorSlot* embedding_error_slot() {
  static EmbeddingErrorSlot* slot = [] {
    EmbeddingErrorSlot* p = nullptr;
    TG_CUDA_CHECK(cudaMalloc(&p, sizeof(EmbeddingErrorSlot)), "allocating the embedding error slot");
    TG_CUDA_CHECK(cudaMemset(p, 0, sizeof(EmbeddingErrorSlot)), "clearing the embedding error slot");
    return p;
  }();
  return slot;
}

std::vector<int64_t> download_int64(const Tensor& t) {
  std::vector<int64_t> host(size_t(t.numel()));
  if (!host.empty())
    TG_CUDA_CHECK(cudaMemcpy(host.data(), t.data_ptr(), host.size() * sizeof(int64_t), cudaMemcpyDeviceToHost),
                  "reading the indices");
  return host;
}

Tensor upload(const std::vector<int64_t>& v) {
  return upload_offsets(v.data(), int64_t(v.size()));
}

// The indices on the host, each checked against the number of rows.
std::vector<int64_t> host_indices(const char* op, const Tensor& indices, int64_t rows) {
  std::vector<int64_t> idx = download_int64(embedding_flat_indices(indices));
  for (int64_t v : idx)
    if (v < 0 || v >= rows) embedding_index_error(op, v, rows);
  return idx;
}

template <typename T>
__global__ void embedding_kernel(T* out, const T* w, int64_t rs, int64_t cs, const int64_t* idx, int64_t n,
                                 int64_t dim, int64_t rows, EmbeddingErrorSlot* err) {
  for (int64_t t = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; t < n * dim; t += int64_t(gridDim.x) * blockDim.x) {
    const int64_t i = t / dim, c = t % dim, r = idx[i];
    if (r < 0 || r >= rows) {
      if (atomicCAS(&err->flag, 0, 1) == 0) err->index = r;
      continue;
    }
    out[t] = w[r * rs + c * cs];
  }
}

template <typename T>
__global__ void embedding_backward_kernel(T* out, const T* g, const int64_t* start, const int64_t* order,
                                          int64_t rows, int64_t dim, int64_t padding_idx, bool scale) {
  using Acc = opmath_t<T>;
  for (int64_t t = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; t < rows * dim; t += int64_t(gridDim.x) * blockDim.x) {
    const int64_t r = t / dim, c = t % dim, first = start[r], last = start[r + 1];
    Acc acc = 0;
    if (r != padding_idx) {
      for (int64_t j = first; j < last; ++j) acc += to_op(g[order[j] * dim + c]);
      if (scale && last > first) acc = acc * (Acc(1) / Acc(last - first));
    }
    out[t] = from_op<T>(acc);
  }
}

template <typename T>
__global__ void embedding_double_backward_kernel(T* out, const T* w, const int64_t* idx, const int64_t* counts,
                                                 int64_t n, int64_t dim, int64_t padding_idx, bool scale) {
  using Acc = opmath_t<T>;
  for (int64_t t = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; t < n * dim; t += int64_t(gridDim.x) * blockDim.x) {
    const int64_t i = t / dim, c = t % dim, r = idx[i];
    const Acc s = r == padding_idx ? Acc(0) : scale ? Acc(1) / Acc(counts[r]) : Acc(1);
    out[t] = from_op<T>(to_op(w[r * dim + c]) * s);
  }
}

// One block per distinct row: the block reduces the row's norm in shared memory, then scales it.
template <typename T>
__global__ void embedding_renorm_kernel(T* w, int64_t rs, int64_t cs, const int64_t* rows, int64_t dim,
                                        double max_norm, double norm_type) {
  using Acc = opmath_t<T>;
  __shared__ Acc part[kBlockSize];
  T* row = w + rows[blockIdx.x] * rs;
  const bool inf_norm = isinf(norm_type) && norm_type > 0;
  Acc local = 0;
  for (int64_t c = threadIdx.x; c < dim; c += blockDim.x) {
    const Acc a = fabs(to_op(row[c * cs]));
    if (inf_norm) local = fmax(local, a);
    else if (norm_type == 0.0) local += a != Acc(0);
    else if (norm_type == 1.0) local += a;
    else if (norm_type == 2.0) local += a * a;
    else local += pow(a, Acc(norm_type));
  }
  part[threadIdx.x] = local;
  __syncthreads();
  for (int half = blockDim.x / 2; half > 0; half /= 2) {
    if (threadIdx.x < half)
      part[threadIdx.x] = inf_norm ? fmax(part[threadIdx.x], part[threadIdx.x + half])
                                   : part[threadIdx.x] + part[threadIdx.x + half];
    __syncthreads();
  }
  Acc norm = part[0];
  if (norm_type == 2.0) norm = sqrt(norm);
  else if (!inf_norm && norm_type != 0.0 && norm_type != 1.0) norm = pow(norm, Acc(1.0 / norm_type));
  if (norm > Acc(max_norm)) {
    const Acc scale = Acc(max_norm) / (norm + Acc(1e-7));
    for (int64_t c = threadIdx.x; c < dim; c += blockDim.x) row[c * cs] = from_op<T>(to_op(row[c * cs]) * scale);
  }
}

// ---------------------------------------------------------------------------------- attention

template <typename Acc>
struct DeviceProblem {
  const Acc *q, *k, *v;
  const void* mask;           // bool or Acc, null without a mask
  bool bool_mask, causal;
  const int64_t* mask_offset;  // per batch index
  int64_t msl, mss;
  int64_t batch, L, S, E, Ev;
  Acc scale;
};

// The score of query row (b, i) against key j, -inf where masked.
template <typename Acc>
__device__ Acc score(const DeviceProblem<Acc>& p, int64_t b, int64_t i, int64_t j) {
  if (p.causal && j > i) return -INFINITY;
  const Acc* q = p.q + (b * p.L + i) * p.E;
  const Acc* k = p.k + (b * p.S + j) * p.E;
  Acc s = 0;
  for (int64_t e = 0; e < p.E; ++e) s += q[e] * k[e];
  s *= p.scale;
  if (p.mask != nullptr) {
    const int64_t at = p.mask_offset[b] + i * p.msl + j * p.mss;
    if (p.bool_mask) {
      if (!static_cast<const bool*>(p.mask)[at]) return -INFINITY;
    } else {
      s += static_cast<const Acc*>(p.mask)[at];
    }
  }
  return s;
}

template <typename Acc>
__global__ void attention_forward_kernel(DeviceProblem<Acc> p, Acc* out, Acc* lse) {
  const int64_t row = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (row >= p.batch * p.L) return;
  const int64_t b = row / p.L, i = row % p.L;
  Acc* o = out + row * p.Ev;
  for (int64_t c = 0; c < p.Ev; ++c) o[c] = 0;
  Acc m = -INFINITY, l = 0;
  for (int64_t j = 0; j < p.S; ++j) {
    const Acc s = score(p, b, i, j);
    if (s == -INFINITY) continue;
    const Acc mnew = fmax(m, s);
    const Acc alpha = exp(m - mnew), e = exp(s - mnew);
    l = l * alpha + e;
    const Acc* v = p.v + (b * p.S + j) * p.Ev;
    for (int64_t c = 0; c < p.Ev; ++c) o[c] = o[c] * alpha + e * v[c];
    m = mnew;
  }
  const Acc inv = l > Acc(0) ? Acc(1) / l : Acc(0);
  for (int64_t c = 0; c < p.Ev; ++c) o[c] *= inv;
  lse[row] = l > Acc(0) ? m + log(l) : Acc(-INFINITY);
}

template <typename Acc>
__device__ Acc probability(const DeviceProblem<Acc>& p, const Acc* lse, int64_t b, int64_t i, int64_t j) {
  const Acc li = lse[b * p.L + i];
  if (li == -INFINITY) return 0;
  const Acc s = score(p, b, i, j);
  return s == -INFINITY ? Acc(0) : exp(s - li);
}

template <typename Acc>
__device__ Acc dot(const Acc* a, const Acc* b, int64_t n) {
  Acc s = 0;
  for (int64_t t = 0; t < n; ++t) s += a[t] * b[t];
  return s;
}

// dq for one query row; D = sum(dO * O) per row, precomputed.
template <typename Acc>
__global__ void attention_backward_q_kernel(DeviceProblem<Acc> p, const Acc* dout, const Acc* D, const Acc* lse,
                                            Acc* dq) {
  const int64_t row = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (row >= p.batch * p.L) return;
  const int64_t b = row / p.L, i = row % p.L;
  Acc* g = dq + row * p.E;
  for (int64_t e = 0; e < p.E; ++e) g[e] = 0;
  for (int64_t j = 0; j < p.S; ++j) {
    const Acc pr = probability(p, lse, b, i, j);
    if (pr == Acc(0)) continue;
    const Acc ds = pr * (dot(dout + row * p.Ev, p.v + (b * p.S + j) * p.Ev, p.Ev) - D[row]);
    const Acc* k = p.k + (b * p.S + j) * p.E;
    for (int64_t e = 0; e < p.E; ++e) g[e] += ds * k[e];
  }
  for (int64_t e = 0; e < p.E; ++e) g[e] *= p.scale;
}

// dk and dv for one key row.
template <typename Acc>
__global__ void attention_backward_kv_kernel(DeviceProblem<Acc> p, const Acc* dout, const Acc* D, const Acc* lse,
                                             Acc* dk, Acc* dv) {
  const int64_t row = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (row >= p.batch * p.S) return;
  const int64_t b = row / p.S, j = row % p.S;
  Acc* gk = dk + row * p.E;
  Acc* gv = dv + row * p.Ev;
  for (int64_t e = 0; e < p.E; ++e) gk[e] = 0;
  for (int64_t c = 0; c < p.Ev; ++c) gv[c] = 0;
  const Acc* v = p.v + row * p.Ev;
  for (int64_t i = 0; i < p.L; ++i) {
    const Acc pr = probability(p, lse, b, i, j);
    if (pr == Acc(0)) continue;
    const int64_t qrow = b * p.L + i;
    const Acc* go = dout + qrow * p.Ev;
    for (int64_t c = 0; c < p.Ev; ++c) gv[c] += pr * go[c];
    const Acc ds = pr * (dot(go, v, p.Ev) - D[qrow]);
    const Acc* q = p.q + qrow * p.E;
    for (int64_t e = 0; e < p.E; ++e) gk[e] += ds * q[e];
  }
  for (int64_t e = 0; e < p.E; ++e) gk[e] *= p.scale;
}

template <typename Acc>
__global__ void row_dot_kernel(const Acc* a, const Acc* b, Acc* out, int64_t rows, int64_t n) {
  const int64_t r = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (r < rows) out[r] = dot(a + r * n, b + r * n, n);
}

struct DeviceOperands {
  Tensor q, k, v, mask, offsets;
  AttentionGeometry g;
};

DeviceOperands device_operands(const char* op, TensorList qkv, const std::optional<Tensor>& attn_mask, bool is_causal,
                               ScalarType ct) {
  auto prep = [&](const Tensor& t) { return tg::contiguous(tg::to(t, ct)); };
  DeviceOperands d{prep(qkv[0]), prep(qkv[1]), prep(qkv[2]), Tensor(), Tensor(), AttentionGeometry()};
  std::optional<Tensor> m;
  if (attn_mask.has_value() && attn_mask->defined())
    m = attn_mask->dtype() == ScalarType::Bool ? *attn_mask : tg::to(*attn_mask, ct);
  d.g = attention_geometry(op, {d.q, d.k, d.v}, m, is_causal);
  if (d.g.mask.defined()) {
    d.mask = d.g.mask;
    d.offsets = upload(d.g.mask_offset);
  }
  return d;
}

template <typename Acc>
DeviceProblem<Acc> device_problem(const DeviceOperands& d, bool is_causal, double scale) {
  const AttentionGeometry& g = d.g;
  return DeviceProblem<Acc>{d.q.data<Acc>(), d.k.data<Acc>(), d.v.data<Acc>(),
                            d.mask.defined() ? d.mask.data_ptr() : nullptr, g.bool_mask, is_causal,
                            d.offsets.defined() ? d.offsets.data<int64_t>() : nullptr, g.mask_stride_l,
                            g.mask_stride_s, g.batch, g.L, g.S, g.E, g.Ev, Acc(scale)};
}

}  // namespace

Tensor embedding_cuda(const Tensor& weight, const Tensor& indices, int64_t /*padding_idx*/, bool /*scale_grad_by_freq*/,
                      bool sparse) {
  const char* op = "embedding";
  check_embedding(op, weight, indices);
  TG_CHECK_NOT_IMPLEMENTED(!sparse, "[embedding] sparse=True (a sparse gradient) is not supported: tensorgen has no "
                                    "sparse tensors; use sparse=False (a dense gradient)");
  const int64_t rows = weight.size(0), dim = weight.size(1);
  DimVector sizes(indices.sizes());
  sizes.push_back(dim);
  Tensor out = empty_tensor(sizes, weight.dtype(), weight.device(), op);
  const Tensor idx = embedding_flat_indices(indices);
  const int64_t n = idx.numel();
  if (n * dim == 0) return out;
  EmbeddingErrorSlot* err = embedding_error_slot();
  dispatch_device<DtypeSet::All>(weight.dtype(), op, [&]<typename T>() {
    embedding_kernel<T><<<blocks_for(std::min<int64_t>(n * dim, int64_t(1) << 24), kBlockSize), kBlockSize>>>(
        static_cast<T*>(out.data_ptr()), static_cast<const T*>(weight.data_ptr()), weight.stride(0), weight.stride(1),
        idx.data<int64_t>(), n, dim, rows, err);
  });
  TG_CUDA_KERNEL_CHECK(op);
  EmbeddingErrorSlot host{};
  TG_CUDA_CHECK(cudaMemcpy(&host, err, sizeof(host), cudaMemcpyDeviceToHost), "[embedding] reading the error slot");
  if (host.flag) {
    TG_CUDA_CHECK(cudaMemset(err, 0, sizeof(EmbeddingErrorSlot)), "clearing the embedding error slot");
    embedding_index_error(op, host.index, rows);
  }
  return out;
}

Tensor embedding_dense_backward_cuda(const Tensor& grad_output, const Tensor& indices, int64_t num_weights,
                                     int64_t padding_idx, bool scale_grad_by_freq) {
  const char* op = "embedding_dense_backward";
  const int64_t dim = check_embedding_backward(op, grad_output, indices, num_weights, padding_idx);
  return dispatch_device<DtypeSet::Floating>(grad_output.dtype(), op, [&]<typename T>() {
    Tensor out = empty_tensor({num_weights, dim}, grad_output.dtype(), grad_output.device(), op);
    const std::vector<int64_t> idx = host_indices(op, indices, num_weights);
    if (num_weights * dim == 0) return out;
    const RowBuckets rb = bucket_rows(idx.data(), int64_t(idx.size()), num_weights);
    const Tensor start = upload(rb.start), order = upload(rb.order.empty() ? std::vector<int64_t>{0} : rb.order);
    const Tensor g = tg::contiguous(grad_output);
    embedding_backward_kernel<T><<<blocks_for(std::min<int64_t>(num_weights * dim, int64_t(1) << 24), kBlockSize),
                                   kBlockSize>>>(static_cast<T*>(out.data_ptr()), static_cast<const T*>(g.data_ptr()),
                                                 start.data<int64_t>(), order.data<int64_t>(), num_weights, dim,
                                                 padding_idx, scale_grad_by_freq);
    TG_CUDA_KERNEL_CHECK(op);
    return out;
  });
}

Tensor embedding_dense_double_backward_cuda(const Tensor& self, const Tensor& indices, int64_t padding_idx,
                                            bool scale_grad_by_freq) {
  const char* op = "embedding_dense_double_backward";
  check_embedding(op, self, indices);
  const int64_t rows = self.size(0), dim = self.size(1);
  TG_CHECK_VALUE(padding_idx >= -1 && padding_idx < std::max<int64_t>(rows, 1), "[", op,
                 "] padding_idx must be -1 (none) or a row in [0, ", rows, "), got ", padding_idx);
  return dispatch_device<DtypeSet::Floating>(self.dtype(), op, [&]<typename T>() {
    DimVector sizes(indices.sizes());
    sizes.push_back(dim);
    Tensor out = empty_tensor(sizes, self.dtype(), self.device(), op);
    const std::vector<int64_t> idx = host_indices(op, indices, rows);
    if (idx.empty() || dim == 0) return out;
    std::vector<int64_t> counts(size_t(std::max<int64_t>(rows, 1)), 0);
    for (int64_t r : idx) ++counts[size_t(r)];
    const Tensor didx = upload(idx), dcounts = upload(counts);
    const Tensor w = tg::contiguous(self);
    const int64_t n = int64_t(idx.size());
    embedding_double_backward_kernel<T><<<blocks_for(std::min<int64_t>(n * dim, int64_t(1) << 24), kBlockSize),
                                          kBlockSize>>>(static_cast<T*>(out.data_ptr()),
                                                        static_cast<const T*>(w.data_ptr()), didx.data<int64_t>(),
                                                        dcounts.data<int64_t>(), n, dim, padding_idx,
                                                        scale_grad_by_freq);
    TG_CUDA_KERNEL_CHECK(op);
    return out;
  });
}

Tensor& embedding_renorm_cuda(Tensor& self, const Tensor& indices, double max_norm, double norm_type) {
  const char* op = "embedding_renorm_";
  check_embedding(op, self, indices);
  dispatch_device<DtypeSet::Floating>(self.dtype(), op, [&]<typename T>() {
    std::vector<int64_t> rows = host_indices(op, indices, self.size(0));
    std::sort(rows.begin(), rows.end());
    rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
    if (rows.empty() || self.size(1) == 0) return;
    const Tensor drows = upload(rows);
    embedding_renorm_kernel<T><<<unsigned(rows.size()), kBlockSize>>>(static_cast<T*>(self.data_ptr()), self.stride(0),
                                                                      self.stride(1), drows.data<int64_t>(),
                                                                      self.size(1), max_norm, norm_type);
    TG_CUDA_KERNEL_CHECK(op);
  });
  return self;
}

std::tuple<Tensor, Tensor> fused_attention_cuda(TensorList qkv, const std::optional<Tensor>& attn_mask, bool is_causal,
                                                double scale) {
  const char* op = "_fused_attention";
  attention_geometry(op, qkv, attn_mask, is_causal);
  const ScalarType dtype = qkv[0].dtype();
  if (!dtype_in_set(dtype, DtypeSet::Floating)) dtype_not_implemented(op, dtype);
  const ScalarType ct = attention_compute_dtype(dtype);
  const DeviceOperands d = device_operands(op, qkv, attn_mask, is_causal, ct);
  Tensor out = empty_tensor(d.g.out_sizes(), ct, d.q.device(), op);
  Tensor lse = empty_tensor(d.g.lse_sizes(), ct, d.q.device(), op);
  const int64_t rows = d.g.batch * d.g.L;
  if (rows > 0) {
    dispatch_floating(ct, op, [&]<typename Acc>() {
      if constexpr (std::is_same_v<Acc, float> || std::is_same_v<Acc, double>) {
        attention_forward_kernel<Acc><<<blocks_for(rows, kBlockSize), kBlockSize>>>(
            device_problem<Acc>(d, is_causal, scale), out.data<Acc>(), lse.data<Acc>());
      }
    });
    TG_CUDA_KERNEL_CHECK(op);
  }
  return {ct == dtype ? out : tg::to(out, dtype), lse};
}

std::vector<Tensor> fused_attention_backward_cuda(const Tensor& grad_output, TensorList qkv,
                                                  const std::optional<Tensor>& attn_mask, const Tensor& output,
                                                  const Tensor& logsumexp, bool is_causal, double scale) {
  const char* op = "_fused_attention_backward_kernel";
  const AttentionGeometry g0 = attention_geometry(op, qkv, attn_mask, is_causal);
  const ScalarType dtype = qkv[0].dtype();
  if (!dtype_in_set(dtype, DtypeSet::Floating)) dtype_not_implemented(op, dtype);
  check_attention_backward(op, g0, grad_output, output, logsumexp);
  const ScalarType ct = attention_compute_dtype(dtype);
  const DeviceOperands d = device_operands(op, qkv, attn_mask, is_causal, ct);
  const Tensor dout = tg::contiguous(tg::to(grad_output, ct));
  const Tensor out = tg::contiguous(tg::to(output, ct));
  const Tensor lse = tg::contiguous(logsumexp);
  Tensor dq = empty_tensor(d.q.sizes(), ct, d.q.device(), op);
  Tensor dk = empty_tensor(d.k.sizes(), ct, d.q.device(), op);
  Tensor dv = empty_tensor(d.v.sizes(), ct, d.q.device(), op);
  Tensor D = empty_tensor(d.g.lse_sizes(), ct, d.q.device(), op);
  const int64_t qrows = d.g.batch * d.g.L, krows = d.g.batch * d.g.S;
  dispatch_floating(ct, op, [&]<typename Acc>() {
    if constexpr (std::is_same_v<Acc, float> || std::is_same_v<Acc, double>) {
      const DeviceProblem<Acc> p = device_problem<Acc>(d, is_causal, scale);
      if (qrows > 0) {
        row_dot_kernel<Acc><<<blocks_for(qrows, kBlockSize), kBlockSize>>>(dout.data<Acc>(), out.data<Acc>(),
                                                                            D.data<Acc>(), qrows, d.g.Ev);
        attention_backward_q_kernel<Acc><<<blocks_for(qrows, kBlockSize), kBlockSize>>>(
            p, dout.data<Acc>(), D.data<Acc>(), lse.data<Acc>(), dq.data<Acc>());
      }
      if (krows > 0) {
        if (qrows == 0) {
          // No queries: nothing flows back to the keys and values.
          TG_CUDA_CHECK(cudaMemset(dk.data_ptr(), 0, size_t(dk.numel()) * sizeof(Acc)), "[_fused_attention] zeroing dk");
          TG_CUDA_CHECK(cudaMemset(dv.data_ptr(), 0, size_t(dv.numel()) * sizeof(Acc)), "[_fused_attention] zeroing dv");
        } else {
          attention_backward_kv_kernel<Acc><<<blocks_for(krows, kBlockSize), kBlockSize>>>(
              p, dout.data<Acc>(), D.data<Acc>(), lse.data<Acc>(), dk.data<Acc>(), dv.data<Acc>());
        }
      }
    }
  });
  TG_CUDA_KERNEL_CHECK(op);
  if (ct == dtype) return {dq, dk, dv};
  return {tg::to(dq, dtype), tg::to(dk, dtype), tg::to(dv, dtype)};
}

}  // namespace tg::native::cuda
