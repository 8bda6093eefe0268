"""tg.nn.functional: embedding, embedding_bag, scaled_dot_product_attention, cosine_similarity, pairwise_distance, normalize.

embedding, embedding_bag and scaled_dot_product_attention run generated ops with their own kernels
(tg.embedding, tg._C._embedding_bag, tg._C._fused_attention: blocked, never allocating the L x S
matrix, with a blocked backward); cosine_similarity, pairwise_distance and normalize are YAML
composites (C++ over norms and element-wise ops), so autograd (and double backward) comes from those.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

import math

import tensorgen as tg

if TYPE_CHECKING:
    from tensorgen._tensor import Tensor

__all__ = ["embedding", "embedding_bag", "scaled_dot_product_attention", "cosine_similarity", "pairwise_distance",
           "normalize"]


def _padding_index(op, padding_idx, num_embeddings):
    """PyTorch's normalization of padding_idx: None -> -1 (none), negative counts from the end."""
    if padding_idx is None:
        return -1
    if not -num_embeddings <= padding_idx < num_embeddings:
        # PyTorch asserts this in Python (AssertionError).
        raise AssertionError(f"[{op}] Padding_idx must be within num_embeddings: padding_idx={padding_idx}, "
                             f"num_embeddings={num_embeddings}")
    return padding_idx + num_embeddings if padding_idx < 0 else padding_idx


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None, max_norm: float | None = None,
              norm_type: float = 2.0, scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Rows of weight [num_embeddings, embedding_dim] picked by the integer tensor input.

    padding_idx: that row gets no gradient. max_norm: the referenced rows of weight whose
    norm_type-norm exceeds it are renormalized in place first (without recording autograd, like
    PyTorch). scale_grad_by_freq: gradients divided by how often each index occurs in the batch.
    sparse=True raises NotImplementedError (tensorgen has no sparse tensors).
    """
    if weight.dim() != 2:
        raise RuntimeError(f"[embedding] 'weight' must be 2-D, got shape {list(weight.shape)}")
    padding_idx = _padding_index("embedding", padding_idx, weight.shape[0])
    if max_norm is not None:
        with tg.no_grad():
            tg.embedding_renorm_(weight, input, float(max_norm), float(norm_type))
    return tg.embedding(weight, input, padding_idx, scale_grad_by_freq, sparse)


def _broadcast_shapes(op, *shapes):
    ndim = max(len(s) for s in shapes)
    out = []
    for i in range(ndim):
        sizes = {s[len(s) - ndim + i] for s in shapes if len(s) - ndim + i >= 0} - {1}
        if len(sizes) > 1:
            raise RuntimeError(f"[{op}] batch dims {[list(s) for s in shapes]} cannot be broadcast")
        out.append(sizes.pop() if sizes else 1)
    return out


def _attention_composite(query, key, value, attn_mask, dropout_p, is_causal, scale):
    """softmax(q k^T * scale + mask) with dropout, @ v, from differentiable ops (materializes L x S)."""
    s = tg.matmul(query, key.transpose(-2, -1)) * scale
    if is_causal:
        above = tg.ones(s.shape[-2], s.shape[-1], dtype=tg.bool, device=s.device).triu(1)
        s = s.masked_fill(above, -math.inf)
    elif attn_mask is not None:
        s = s.masked_fill(attn_mask.logical_not(), -math.inf) if attn_mask.dtype is tg.bool else s + attn_mask
    p = tg.softmax(s, -1)
    # Rows that attend to nothing give zeros, not NaN (PyTorch's _safe_softmax).
    p = p.masked_fill(s.amax(-1, keepdim=True) == -math.inf, 0.0)
    if dropout_p >= 1.0:
        p = p * 0.0  # everything dropped (PyTorch's dropout with p=1 gives zeros)
    elif dropout_p > 0:
        keep = tg.rand(list(p.shape), dtype=p.dtype, device=p.device) >= dropout_p
        p = p * keep / (1.0 - dropout_p)
    return tg.matmul(p, value)


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor, attn_mask: Tensor | None = None,
                                 dropout_p: float = 0.0, is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """softmax(query @ key^T * scale + attn_mask) @ value for query [..., L, E], key [..., S, E],
    value [..., S, Ev]; batch dims broadcast. attn_mask: bool (True takes part) or float (added),
    broadcastable to [..., L, S]; is_causal masks key j > query i; scale defaults to 1/sqrt(E).

    Runs the fused kernel (blocked online softmax, never allocating the L x S matrix, with a
    blocked FlashAttention-style backward). dropout_p > 0, or a float attn_mask that requires grad,
    falls back to the composite path that materializes the L x S probabilities (dropout draws from
    tensorgen's generator, so its mask differs from PyTorch's).
    """
    op = "scaled_dot_product_attention"
    if not 0.0 <= dropout_p <= 1.0:
        raise RuntimeError(f"[{op}] dropout probability has to be between 0 and 1, but got {dropout_p}")
    if query.dim() < 2 or key.dim() < 2 or value.dim() < 2:
        raise RuntimeError(f"[{op}] expected query, key, and value to all be at least 2 dimensional, but got "
                           f"query.dim: {query.dim()} key.dim: {key.dim()} and value.dim: {value.dim()} instead")
    if enable_gqa:
        groups, heads = query.shape[-3], key.shape[-3]
        if query.dim() < 3 or groups % heads or value.shape[-3] != heads:
            raise RuntimeError(f"[{op}] enable_gqa needs the query heads ({groups}) to be a multiple of the key/value "
                               f"heads ({heads}, {value.shape[-3]})")
        rep = groups // heads
        key = key.unsqueeze(-3).expand(*key.shape[:-2], rep, *key.shape[-2:]).reshape(
            *key.shape[:-3], groups, *key.shape[-2:])
        value = value.unsqueeze(-3).expand(*value.shape[:-2], rep, *value.shape[-2:]).reshape(
            *value.shape[:-3], groups, *value.shape[-2:])
    if scale is None:
        scale = 1.0 / math.sqrt(query.shape[-1]) if query.shape[-1] > 0 else 1.0
    batch = _broadcast_shapes(op, query.shape[:-2], key.shape[:-2], value.shape[:-2])
    if list(query.shape[:-2]) != batch:
        query = query.expand(*batch, *query.shape[-2:])
    if list(key.shape[:-2]) != batch:
        key = key.expand(*batch, *key.shape[-2:])
    if list(value.shape[:-2]) != batch:
        value = value.expand(*batch, *value.shape[-2:])
    if attn_mask is not None and is_causal:
        raise RuntimeError(f"[{op}] explicit attn_mask should not be set when is_causal=True")
    if dropout_p > 0 or (attn_mask is not None and attn_mask.requires_grad):
        return _attention_composite(query, key, value, attn_mask, dropout_p, is_causal, scale)
    out, _ = tg._C._fused_attention([query, key, value], attn_mask, is_causal, float(scale))
    return out


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out: Tensor | None = None) -> Tensor:
    """input / max(||input||_p along dim, eps) (the op tg.normalize)."""
    if out is None:
        return tg.normalize(input, float(p), int(dim), float(eps))
    return tg.normalize(input, float(p), int(dim), float(eps), out=out)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """sum(x1 / max(||x1||, eps) * x2 / max(||x2||, eps)) along dim (inputs broadcast), PyTorch's
    formulation (each input divided by its own norm first, which keeps the result in [-1, 1])."""
    return tg.cosine_similarity(x1, x2, int(dim), float(eps))


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    """||x1 - x2 + eps||_p over the last dim (PyTorch adds eps to the difference)."""
    return tg.pairwise_distance(x1, x2, float(p), float(eps), bool(keepdim))


_BAG_MODES = ("sum", "mean", "max")


def embedding_bag(input: Tensor, weight: Tensor, offsets: Tensor | None = None, max_norm: float | None = None,
                  norm_type: float = 2, scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                  per_sample_weights: Tensor | None = None, include_last_offset: bool = False,
                  padding_idx: int | None = None) -> Tensor:
    """Sums, means or maxima of bags of embedding rows, without an intermediate per-bag tensor in the
    caller: input 2-D [B, N] (B bags of N) with offsets None, or 1-D with offsets giving each bag's
    start (include_last_offset: offsets has B + 1 entries, the last one len(input)). Empty bags give
    zeros; padding_idx entries are left out (and not counted by mean); per_sample_weights (mode
    'sum' only) scale each row. Runs the op tg._C._embedding_bag (one kernel; its backward op
    sends max's gradient to the argmax rows).
    """
    op = "embedding_bag"
    if weight.dim() != 2:
        raise ValueError(f"[{op}] weight has to be a 2D Tensor, but got Tensor of dimension {weight.dim()}")
    if mode not in _BAG_MODES:
        raise ValueError(f"[{op}] mode has to be one of sum, mean or max, got {mode!r}")
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(f"[{op}] embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                                  f"supported for mode='sum' (got mode='{mode}'). Please open a feature request on "
                                  f"GitHub.")
    if per_sample_weights is not None and tuple(per_sample_weights.shape) != tuple(input.shape):
        raise ValueError(f"[{op}] embedding_bag: If per_sample_weights ({list(per_sample_weights.shape)}) is not None, "
                         f"then it must have the same shape as the input ({list(input.shape)})")
    if input.dim() == 2:
        if offsets is not None:
            raise ValueError(f"[{op}] if input is 2D, then offsets has to be None, as input is treated is a mini-batch "
                             f"of fixed length sequences. However, found offsets of type {type(offsets).__name__}")
        # B bags of N: the flattened ids with offsets 0, N, 2N, ... (PyTorch's conversion).
        bags, n_per = input.shape
        idx = input.reshape(-1)
        offsets = tg.arange(0, bags * n_per, max(n_per, 1), dtype=tg.int64, device=input.device)
        if per_sample_weights is not None:
            per_sample_weights = per_sample_weights.reshape(-1)
        include_last_offset = False
    elif input.dim() == 1:
        if offsets is None:
            raise ValueError(f"[{op}] offsets has to be a 1D Tensor but got None")
        if offsets.dim() != 1:
            raise ValueError(f"[{op}] offsets has to be a 1D Tensor")
        idx = input
        n = idx.shape[0]
        starts = offsets[:-1] if include_last_offset else offsets
        if include_last_offset and offsets.shape[0] < 1:
            raise ValueError(f"[{op}] include_last_offset: number of offsets should be at least 1")
        if starts.shape[0] > 0:
            first = int(starts[0])
            if first != 0:
                raise ValueError(f"[{op}] offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to "
                                 f"start from position 0. However, got {first}")
            last = int(starts[-1])
            if last > n:
                raise ValueError(f"[{op}] offsets[-1] can not be greater than input's length {n}, but got {last}")
    else:
        raise ValueError(f"[{op}] input has to be 1D or 2D Tensor, but got Tensor of dimension {input.dim()}")
    padding_idx = _padding_index(op, padding_idx, weight.shape[0])
    if max_norm is not None:
        with tg.no_grad():
            tg.embedding_renorm_(weight, idx, float(max_norm), float(norm_type))
    mode_id = _BAG_MODES.index(mode)
    out, _, _, _ = tg._C._embedding_bag(weight, idx, offsets, scale_grad_by_freq, mode_id, sparse, per_sample_weights,
                                        include_last_offset, padding_idx)
    return out
