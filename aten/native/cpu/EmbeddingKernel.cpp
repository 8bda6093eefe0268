// Embedding kernels on the CPU: the row gather (embedding), its gradient (embedding_dense_backward),
// that gradient's adjoint (embedding_dense_double_backward) and max_norm's in-place renormalization.
//
// Every index is checked against the number of rows before a row is touched; a bad one raises
// IndexError naming the op, the index and the bound (parallel_for rethrows it after the loop).
// The gradient is race-free and deterministic: a counting sort groups the positions by row (in
// index order), then threads split the rows of the result, and each row is summed by one thread
// in index order, so the result is the same for any thread count.
#include "aten/vec/isa.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "aten/dispatch/DtypeDispatch.h"
#include "aten/native/EmbeddingAttention.h"
#include "aten/parallel/Parallel.h"
#include "aten/parallel/WakeCost.h"
#include "aten/vec/vec.h"
#include "kernels/embedding.h"
#include "kernels/embedding_dense_backward.h"
#include "kernels/embedding_dense_double_backward.h"
#include "kernels/embedding_renorm_.h"
#include "ops/contiguous.h"

namespace tg::native::CPU_CAPABILITY {

namespace {

// The indices as int64 values (int32 ones widened), each checked to lie in [0, num_weights).
Tensor checked_indices(const char* op, const Tensor& indices, int64_t num_weights) {
  Tensor idx = embedding_flat_indices(indices);
  const int64_t* p = idx.data<int64_t>();
  const int64_t n = idx.numel();
  parallel_for(0, n, wake_scaled(kGrainSize), [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i)
      if (p[i] < 0 || p[i] >= num_weights) embedding_index_error(op, p[i], num_weights);
  });
  return idx;
}

// 1 / (how often each row occurs), for scale_grad_by_freq (0 where a row never occurs).
template <typename Acc>
std::vector<Acc> inverse_counts(const int64_t* idx, int64_t n, int64_t num_weights) {
  std::vector<int64_t> count(size_t(num_weights), 0);
  for (int64_t i = 0; i < n; ++i) ++count[size_t(idx[i])];
  std::vector<Acc> inv(size_t(num_weights), Acc(0));
  for (int64_t r = 0; r < num_weights; ++r)
    if (count[size_t(r)]) inv[size_t(r)] = Acc(1) / Acc(count[size_t(r)]);
  return inv;
}

}  // namespace

Tensor embedding_cpu(const Tensor& weight, const Tensor& indices, int64_t /*padding_idx*/, bool /*scale_grad_by_freq*/,
                     bool sparse) {
  check_embedding("embedding", weight, indices);
  TG_CHECK_NOT_IMPLEMENTED(!sparse, "[embedding] sparse=True (a sparse gradient) is not supported: tensorgen has no "
                                    "sparse tensors; use sparse=False (a dense gradient)");
  const int64_t rows = weight.size(0), dim = weight.size(1);
  DimVector sizes(indices.sizes());
  sizes.push_back(dim);
  Tensor out = empty_tensor(sizes, weight.dtype(), weight.device(), "embedding");
  // Rows of unit-stride columns are copied with memcpy; any other layout is made so first.
  const Tensor w = weight.stride(1) == 1 || dim <= 1 ? weight : tg::contiguous(weight);
  const Tensor idx = embedding_flat_indices(indices);
  const int64_t* ip = idx.data<int64_t>();
  const int64_t n = idx.numel();
  const size_t row_bytes = size_t(dim) * w.element_size();
  const int64_t row_stride = w.stride(0) * int64_t(w.element_size());
  const char* src = static_cast<const char*>(w.data_ptr());
  char* dst = static_cast<char*>(out.data_ptr());
  parallel_for(0, n, std::max<int64_t>(1, wake_scaled(kGrainSize) / std::max<int64_t>(dim, 1)), [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const int64_t r = ip[i];
      if (r < 0 || r >= rows) embedding_index_error("embedding", r, rows);
      if (row_bytes) std::memcpy(dst + size_t(i) * row_bytes, src + r * row_stride, row_bytes);
    }
  });
  return out;
}

Tensor embedding_dense_backward_cpu(const Tensor& grad_output, const Tensor& indices, int64_t num_weights,
                                    int64_t padding_idx, bool scale_grad_by_freq) {
  const char* op = "embedding_dense_backward";
  const int64_t dim = check_embedding_backward(op, grad_output, indices, num_weights, padding_idx);
  return dispatch_floating(grad_output.dtype(), op, [&]<typename T>() {
    using IO = vec::VecIO<T>;
    using V = typename IO::vec_t;
    using Acc = typename V::value_type;
    constexpr int64_t W = V::size();
    Tensor out = empty_tensor({num_weights, dim}, grad_output.dtype(), grad_output.device(), op);
    const Tensor idx = checked_indices(op, indices, num_weights);
    const Tensor g = tg::contiguous(grad_output);
    const int64_t* ip = idx.data<int64_t>();
    const RowBuckets rb = bucket_rows(ip, idx.numel(), num_weights);
    const T* gp = g.data<T>();
    T* op_ = out.data<T>();
    parallel_for(0, num_weights, std::max<int64_t>(1, wake_scaled(kGrainSize) / std::max<int64_t>(dim, 1)), [&](int64_t b, int64_t e) {
      for (int64_t r = b; r < e; ++r) {
        T* o = op_ + r * dim;
        const int64_t first = rb.start[size_t(r)], last = rb.start[size_t(r) + 1];
        if (first == last || r == padding_idx) {
          std::fill(o, o + dim, T(0));
          continue;
        }
        // Column chunk by chunk, the row's grad rows summed in index order in registers.
        const V scale(scale_grad_by_freq ? Acc(1) / Acc(last - first) : Acc(1));
        for (int64_t k = 0; k < dim; k += W) {
          const int count = int(std::min<int64_t>(W, dim - k));
          V acc(Acc(0));
          for (int64_t j = first; j < last; ++j) {
            const T* src = gp + rb.order[size_t(j)] * dim + k;
            acc = acc + (count == W ? IO::load(src) : IO::load(src, count));
          }
          if (scale_grad_by_freq) acc = acc * scale;
          if (count == W) IO::store(o + k, acc);
          else IO::store(o + k, acc, count);
        }
      }
    });
    return out;
  });
}

Tensor embedding_dense_double_backward_cpu(const Tensor& self, const Tensor& indices, int64_t padding_idx,
                                           bool scale_grad_by_freq) {
  const char* op = "embedding_dense_double_backward";
  check_embedding(op, self, indices);
  const int64_t rows = self.size(0), dim = self.size(1);
  TG_CHECK_VALUE(padding_idx >= -1 && padding_idx < std::max<int64_t>(rows, 1), "[", op,
                 "] padding_idx must be -1 (none) or a row in [0, ", rows, "), got ", padding_idx);
  return dispatch_floating(self.dtype(), op, [&]<typename T>() {
    using Acc = opmath_t<T>;
    DimVector sizes(indices.sizes());
    sizes.push_back(dim);
    Tensor out = empty_tensor(sizes, self.dtype(), self.device(), op);
    const Tensor idx = checked_indices(op, indices, rows);
    const Tensor w = tg::contiguous(self);
    const int64_t* ip = idx.data<int64_t>();
    const int64_t n = idx.numel();
    const std::vector<Acc> inv = scale_grad_by_freq ? inverse_counts<Acc>(ip, n, rows) : std::vector<Acc>();
    const T* wp = w.data<T>();
    T* o = out.data<T>();
    parallel_for(0, n, std::max<int64_t>(1, wake_scaled(kGrainSize) / std::max<int64_t>(dim, 1)), [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        const int64_t r = ip[i];
        const Acc s = r == padding_idx ? Acc(0) : scale_grad_by_freq ? inv[size_t(r)] : Acc(1);
        for (int64_t k = 0; k < dim; ++k) o[i * dim + k] = T(Acc(wp[r * dim + k]) * s);
      }
    });
    return out;
  });
}

Tensor& embedding_renorm_cpu(Tensor& self, const Tensor& indices, double max_norm, double norm_type) {
  const char* op = "embedding_renorm_";
  check_embedding(op, self, indices);
  const int64_t rows = self.size(0), dim = self.size(1);
  const Tensor idx = checked_indices(op, indices, rows);
  // Each distinct row once (sorted), so no two threads touch one row.
  std::vector<int64_t> uniq(idx.data<int64_t>(), idx.data<int64_t>() + idx.numel());
  std::sort(uniq.begin(), uniq.end());
  uniq.erase(std::unique(uniq.begin(), uniq.end()), uniq.end());
  const int64_t rs = self.stride(0), cs = self.stride(1);
  dispatch_floating(self.dtype(), op, [&]<typename T>() {
    using Acc = opmath_t<T>;
    T* w = self.data<T>();
    const int64_t n = int64_t(uniq.size());
    parallel_for(0, n, std::max<int64_t>(1, wake_scaled(kGrainSize) / std::max<int64_t>(dim, 1)), [&](int64_t b, int64_t e) {
      for (int64_t u = b; u < e; ++u) {
        T* row = w + uniq[size_t(u)] * rs;
        Acc norm = 0;
        if (norm_type == 1.0) {
          for (int64_t k = 0; k < dim; ++k) norm += std::abs(Acc(row[k * cs]));
        } else if (norm_type == 2.0) {
          for (int64_t k = 0; k < dim; ++k) norm += Acc(row[k * cs]) * Acc(row[k * cs]);
          norm = std::sqrt(norm);
        } else if (std::isinf(norm_type) && norm_type > 0) {
          for (int64_t k = 0; k < dim; ++k) norm = std::max(norm, Acc(std::abs(Acc(row[k * cs]))));
        } else if (norm_type == 0.0) {
          for (int64_t k = 0; k < dim; ++k) norm += Acc(row[k * cs]) != Acc(0);
        } else {
          for (int64_t k = 0; k < dim; ++k) norm += std::pow(std::abs(Acc(row[k * cs])), Acc(norm_type));
          norm = std::pow(norm, Acc(1.0 / norm_type));
        }
        if (norm > Acc(max_norm)) {
          // PyTorch's factor: max_norm / (norm + 1e-7).
          const Acc scale = Acc(max_norm) / (norm + Acc(1e-7));
          for (int64_t k = 0; k < dim; ++k) row[k * cs] = T(Acc(row[k * cs]) * scale);
        }
      }
    });
  });
  return self;
}

}  // namespace tg::native::CPU_CAPABILITY
