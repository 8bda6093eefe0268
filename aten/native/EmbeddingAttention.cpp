// Embedding and attention, device-independent parts: the argument checks both backends share
// (EmbeddingAttention.h) and the composite _fused_attention_backward, which picks the blocked
// kernel or, when a graph is being built (double backward), the same gradients written with
// differentiable ops.
#include "aten/native/EmbeddingAttention.h"

#include <cmath>
#include <limits>

#include "aten/core/GradMode.h"
#include "aten/core/TensorOperators.h"
#include "aten/iter/TensorIterator.h"
#include "kernels/_fused_attention_backward.h"
#include "ops/_fused_attention_backward_kernel.h"
#include "ops/amax.h"
#include "ops/contiguous.h"
#include "ops/expand.h"
#include "ops/logical_not.h"
#include "ops/masked_fill.h"
#include "ops/matmul.h"
#include "ops/ones.h"
#include "ops/softmax.h"
#include "ops/sum.h"
#include "ops/to.h"
#include "ops/transpose.h"
#include "ops/triu.h"

namespace tg::native {

void check_embedding(const char* op, const Tensor& weight, const Tensor& indices) {
  TG_CHECK(weight.dim() == 2, "[", op, "] 'weight' must be 2-D, got a ", weight.dim(), "-D tensor of shape ",
           shape_str(weight.sizes()));
  TG_CHECK(indices.dtype() == ScalarType::Int64 || indices.dtype() == ScalarType::Int32, "[", op,
           "] expected tensor for argument 'indices' to have one of the following scalar types: Long, Int; but got ",
           indices.dtype(), " instead");
  TG_CHECK(weight.device() == indices.device(), "[", op, "] expected all tensors to be on the same device, but found ",
           weight.device(), " and ", indices.device());
}

int64_t check_embedding_backward(const char* op, const Tensor& grad_output, const Tensor& indices,
                                 int64_t num_weights, int64_t padding_idx) {
  TG_CHECK(indices.dtype() == ScalarType::Int64 || indices.dtype() == ScalarType::Int32, "[", op,
           "] expected tensor for argument 'indices' to have one of the following scalar types: Long, Int; but got ",
           indices.dtype(), " instead");
  TG_CHECK(grad_output.device() == indices.device(), "[", op,
           "] expected all tensors to be on the same device, but found ", grad_output.device(), " and ",
           indices.device());
  bool ok = grad_output.dim() == indices.dim() + 1;
  for (int64_t d = 0; ok && d < indices.dim(); ++d) ok = grad_output.size(d) == indices.size(d);
  TG_CHECK(ok, "[", op, "] grad_output of shape ", shape_str(grad_output.sizes()),
           " must be the indices' shape ", shape_str(indices.sizes()), " plus the embedding dim");
  TG_CHECK_VALUE(num_weights >= 0, "[", op, "] num_weights must be non-negative, got ", num_weights);
  TG_CHECK_VALUE(padding_idx >= -1 && padding_idx < std::max<int64_t>(num_weights, 0) + (padding_idx == -1), "[", op,
                 "] padding_idx must be -1 (none) or a row in [0, ", num_weights, "), got ", padding_idx);
  return grad_output.size(-1);
}

void embedding_index_error(const char* op, int64_t index, int64_t num_weights) {
  detail::throw_error(ErrorKind::Index, str("[", op, "] index ", index, " is out of range for an embedding of ",
                                            num_weights, " rows (valid: 0 <= index < ", num_weights, ")"));
}

Tensor embedding_flat_indices(const Tensor& indices) {
  return tg::contiguous(tg::to(indices, ScalarType::Int64));
}

RowBuckets bucket_rows(const int64_t* idx, int64_t n, int64_t num_weights) {
  // A counting sort by row; stable, so each row keeps its positions in index order.
  RowBuckets b;
  b.start.assign(size_t(num_weights) + 1, 0);
  b.order.resize(size_t(n));
  for (int64_t i = 0; i < n; ++i) ++b.start[size_t(idx[i]) + 1];
  for (int64_t r = 0; r < num_weights; ++r) b.start[size_t(r) + 1] += b.start[size_t(r)];
  std::vector<int64_t> fill(b.start.begin(), b.start.end() - 1);
  for (int64_t i = 0; i < n; ++i) b.order[size_t(fill[size_t(idx[i])]++)] = i;
  return b;
}

DimVector AttentionGeometry::out_sizes() const {
  DimVector s(batch_sizes);
  s.push_back(L);
  s.push_back(Ev);
  return s;
}

DimVector AttentionGeometry::lse_sizes() const {
  DimVector s(batch_sizes);
  s.push_back(L);
  return s;
}

ScalarType attention_compute_dtype(ScalarType t) {
  return t == ScalarType::Float64 ? ScalarType::Float64 : ScalarType::Float32;
}

AttentionGeometry attention_geometry(const char* op, TensorList qkv, const std::optional<Tensor>& attn_mask,
                                     bool is_causal) {
  TG_CHECK(qkv.size() == 3, "[", op, "] expected [query, key, value], got a list of ", qkv.size(), " tensors");
  const Tensor &q = qkv[0], &k = qkv[1], &v = qkv[2];
  TG_CHECK(q.dim() >= 2 && k.dim() >= 2 && v.dim() >= 2, "[", op,
           "] expected query, key, and value to all be at least 2 dimensional, but got query.dim: ", q.dim(),
           " key.dim: ", k.dim(), " and value.dim: ", v.dim(), " instead");
  TG_CHECK(q.dtype() == k.dtype() && q.dtype() == v.dtype(), "[", op,
           "] expected query, key, and value to have the same dtype, but got query.dtype: ", q.dtype(),
           " key.dtype: ", k.dtype(), " and value.dtype: ", v.dtype(), " instead");
  TG_CHECK(q.device() == k.device() && q.device() == v.device(), "[", op,
           "] expected query, key, and value to be on the same device, but got ", q.device(), ", ", k.device(),
           " and ", v.device());
  TG_CHECK(q.dim() == k.dim() && q.dim() == v.dim(), "[", op,
           "] query, key and value must have the same number of dims, got ", shape_str(q.sizes()), ", ",
           shape_str(k.sizes()), " and ", shape_str(v.sizes()));
  AttentionGeometry g;
  const int64_t nb = q.dim() - 2;
  for (int64_t d = 0; d < nb; ++d) {
    TG_CHECK(q.size(d) == k.size(d) && q.size(d) == v.size(d), "[", op,
             "] query, key and value must have the same batch dims, got ", shape_str(q.sizes()), ", ",
             shape_str(k.sizes()), " and ", shape_str(v.sizes()));
    g.batch_sizes.push_back(q.size(d));
    g.batch *= q.size(d);
  }
  g.L = q.size(-2);
  g.E = q.size(-1);
  g.S = k.size(-2);
  g.Ev = v.size(-1);
  TG_CHECK(k.size(-1) == g.E, "[", op, "] key's last dim (", k.size(-1), ") must match query's (", g.E, ")");
  TG_CHECK(v.size(-2) == g.S, "[", op, "] value must have as many rows as key (", g.S, "), got ", v.size(-2));
  const bool has_mask = attn_mask.has_value() && attn_mask->defined();
  TG_CHECK(!(has_mask && is_causal), "[", op, "] explicit attn_mask should not be set when is_causal=True");
  if (has_mask) {
    const Tensor& m = *attn_mask;
    TG_CHECK(m.dtype() == ScalarType::Bool || m.dtype() == q.dtype(), "[", op,
             "] expected attn_mask dtype to be bool or to match query dtype, but got attn_mask.dtype: ", m.dtype(),
             " and query.dtype: ", q.dtype(), " instead");
    TG_CHECK(m.device() == q.device(), "[", op, "] attn_mask is on ", m.device(), " but query is on ", q.device());
    DimVector target(g.batch_sizes);
    target.push_back(g.L);
    target.push_back(g.S);
    const DimVector b = broadcast_shapes(m.sizes(), target, op);
    TG_CHECK(IntArrayRef(b).equals(target), "[", op, "] attn_mask of shape ", shape_str(m.sizes()),
             " does not broadcast to ", shape_str(target));
    g.mask = tg::expand(m, target);
    g.bool_mask = m.dtype() == ScalarType::Bool;
    g.mask_stride_l = g.mask.stride(-2);
    g.mask_stride_s = g.mask.stride(-1);
    // Offsets of each batch index's plane (the batch dims may not flatten into one stride).
    g.mask_offset.assign(size_t(g.batch), 0);
    for (int64_t bi = 0; bi < g.batch; ++bi) {
      int64_t rest = bi, off = 0;
      for (int64_t d = nb - 1; d >= 0; --d) {
        off += (rest % g.batch_sizes[d]) * g.mask.stride(d);
        rest /= g.batch_sizes[d];
      }
      g.mask_offset[size_t(bi)] = off;
    }
  }
  return g;
}

void check_attention_backward(const char* op, const AttentionGeometry& g, const Tensor& grad_output,
                              const Tensor& output, const Tensor& logsumexp) {
  const DimVector os = g.out_sizes(), ls = g.lse_sizes();
  TG_CHECK(grad_output.sizes().equals(os) && output.sizes().equals(os), "[", op, "] grad_output and output must be ",
           shape_str(os), ", got ", shape_str(grad_output.sizes()), " and ", shape_str(output.sizes()));
  TG_CHECK(logsumexp.sizes().equals(ls), "[", op, "] logsumexp must be ", shape_str(ls), ", got ",
           shape_str(logsumexp.sizes()));
  TG_CHECK(grad_output.dtype() == output.dtype() && logsumexp.dtype() == attention_compute_dtype(output.dtype()),
           "[", op, "] grad_output must be ", output.dtype(), " and logsumexp ", attention_compute_dtype(output.dtype()),
           ", got ", grad_output.dtype(), " and ", logsumexp.dtype());
}

namespace {

// softmax(q k^T * scale + mask) as differentiable ops, with the rows that no key may attend to
// giving zeros (PyTorch's _safe_softmax) instead of NaN.
Tensor attention_probabilities(const Tensor& q, const Tensor& k, const std::optional<Tensor>& attn_mask,
                               bool is_causal, double scale) {
  Tensor s = tg::matmul(q, tg::transpose(k, -2, -1)) * Scalar(scale);
  const double ninf = -std::numeric_limits<double>::infinity();
  if (is_causal) {
    // Key j > query i is masked (the upper triangle above the diagonal, top-left aligned).
    Tensor above = tg::triu(tg::ones({q.size(-2), k.size(-2)}, ScalarType::Bool, q.device()), 1);
    s = tg::masked_fill(s, above, Scalar(ninf));
  } else if (attn_mask.has_value() && attn_mask->defined()) {
    s = attn_mask->dtype() == ScalarType::Bool ? tg::masked_fill(s, tg::logical_not(*attn_mask), Scalar(ninf))
                                               : s + *attn_mask;
  }
  Tensor p = tg::softmax(s, -1);
  Tensor dead = tg::amax(s, {-1}, true) == Scalar(ninf);
  return tg::masked_fill(p, dead, Scalar(0.0));
}

}  // namespace

std::vector<Tensor> fused_attention_backward(const Tensor& grad_output, TensorList qkv,
                                             const std::optional<Tensor>& attn_mask, const Tensor& output,
                                             const Tensor& logsumexp, bool is_causal, double scale) {
  bool graph = GradMode::is_enabled() && grad_output.requires_grad();
  for (const Tensor& t : qkv) graph = graph || (GradMode::is_enabled() && t.requires_grad());
  if (!graph) return tg::_fused_attention_backward_kernel(grad_output, qkv, attn_mask, output, logsumexp, is_causal, scale);
  // Building a graph (double backward): the same gradients from differentiable ops. This path
  // materializes the [L, S] probabilities; the saved logsumexp is not used because the second
  // derivative needs the probabilities' own dependence on q and k.
  attention_geometry("_fused_attention_backward", qkv, attn_mask, is_causal);
  const Tensor &q = qkv[0], &k = qkv[1], &v = qkv[2];
  Tensor p = attention_probabilities(q, k, attn_mask, is_causal, scale);
  Tensor dv = tg::matmul(tg::transpose(p, -2, -1), grad_output);
  Tensor dp = tg::matmul(grad_output, tg::transpose(v, -2, -1));
  Tensor ds = p * (dp - tg::sum(dp * p, IntArrayRef{-1}, true));
  Tensor dq = tg::matmul(ds, k) * Scalar(scale);
  Tensor dk = tg::matmul(tg::transpose(ds, -2, -1), q) * Scalar(scale);
  return {dq, dk, dv};
}

}  // namespace tg::native
