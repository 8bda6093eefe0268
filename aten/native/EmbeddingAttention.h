#pragma once
// Shared by the embedding and attention kernels on both backends (cpu/EmbeddingKernel.cpp,
// cpu/AttentionKernel.cpp, cuda/EmbeddingAttention.cu): argument checks with PyTorch's messages and
// exception types, and the geometry the kernels loop over.
#include <optional>
#include <vector>

#include "aten/core/Error.h"
#include "aten/core/Tensor.h"

namespace tg::native {

// embedding / embedding_renorm_: weight is 2-D, indices int64 or int32, both on one device.
void check_embedding(const char* op, const Tensor& weight, const Tensor& indices);

// embedding_dense_backward: grad_output is indices.shape + [dim] (returns dim), num_weights >= 0,
// padding_idx is -1 or a row.
int64_t check_embedding_backward(const char* op, const Tensor& grad_output, const Tensor& indices,
                                 int64_t num_weights, int64_t padding_idx);

// "[op] index 7 is out of range for an embedding of 5 rows (valid: 0 <= index < 5)" as IndexError.
[[noreturn]] void embedding_index_error(const char* op, int64_t index, int64_t num_weights);

// The indices as a contiguous int64 vector (int32 widened), on their device.
Tensor embedding_flat_indices(const Tensor& indices);

// Where each row's contributions are, for the race-free, deterministic embedding backward: the
// positions of `idx` (n int64 values, already checked to lie in [0, num_weights)) grouped by
// row in index order, CSR style: row r's positions are order[start[r] .. start[r + 1]).
struct RowBuckets {
  std::vector<int64_t> start;  // num_weights + 1
  std::vector<int64_t> order;  // n
};
RowBuckets bucket_rows(const int64_t* idx, int64_t n, int64_t num_weights);

// _fused_attention's inputs: q [*B, L, E], k [*B, S, E], v [*B, S, Ev] of one floating dtype on one
// device (equal batch dims *B, F.scaled_dot_product_attention broadcasts them first), and an
// optional mask (bool, or q's dtype) broadcastable to [*B, L, S]. The kernels read q, k, v as
// contiguous [batch, rows, cols] and the mask through `mask` (expanded, so its strides may be 0).
struct AttentionGeometry {
  int64_t batch = 1, L = 0, S = 0, E = 0, Ev = 0;
  DimVector batch_sizes;             // *B
  Tensor mask;                       // undefined, or expanded to [*B, L, S]
  bool bool_mask = false;
  std::vector<int64_t> mask_offset;  // per flat batch index: the element offset of its [L, S] plane
  int64_t mask_stride_l = 0, mask_stride_s = 0;
  DimVector out_sizes() const;       // [*B, L, Ev]
  DimVector lse_sizes() const;       // [*B, L]
};
AttentionGeometry attention_geometry(const char* op, TensorList qkv, const std::optional<Tensor>& attn_mask,
                                     bool is_causal);
// The backward's extra operands match the forward's results: grad_output and output [*B, L, Ev],
// logsumexp [*B, L].
void check_attention_backward(const char* op, const AttentionGeometry& g, const Tensor& grad_output,
                              const Tensor& output, const Tensor& logsumexp);

// The dtype the attention kernels compute and keep logsumexp in: float for half types.
ScalarType attention_compute_dtype(ScalarType t);

}  // namespace tg::native
