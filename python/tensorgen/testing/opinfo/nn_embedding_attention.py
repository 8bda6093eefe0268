"""Embedding, embedding_bag, scaled_dot_product_attention, cosine_similarity, pairwise_distance, normalize.

The YAML ops here are embedding (+ its backward, double backward and max_norm renormalization)
and the fused attention (+ its backward composite and kernel); the F functions built over other
ops (embedding_bag, the distances, normalize) are checked against PyTorch in
tests/test_nn_embedding_attention.py.
"""
from __future__ import annotations

import math  # noqa: F401

import numpy as np

import tensorgen as tg
from tensorgen.testing._utils import to_numpy
from tensorgen.testing.opinfo.core import *  # noqa: F403  (the vocabulary of entries: OpInfo, SampleInput, _f, S, ...)


# ----------------------------------------------------------------------------- embedding

def _ea_index(shape, high, seed, low=0):
    rng = np.random.default_rng(seed)
    return tg.tensor(rng.integers(low, high, size=shape).astype(np.int64))


def _ea_embedding_ref(weight, indices, padding_idx=-1, scale_grad_by_freq=False, sparse=False):
    return np.asarray(weight)[np.asarray(indices, dtype=np.int64)]


def _ea_embedding_samples(op, dtype, mode, make):
    if mode == "basic":
        w = make((10, 3))
        # The first three float64 samples are the gradcheck ones. padding_idx and scale_grad_by_freq
        # come after them: they change the gradient on purpose (it is then not the derivative), so
        # they are checked against PyTorch in tests/test_nn_embedding_attention.py.
        yield SampleInput(w, _ea_index((2, 5), 10, 1), name="duplicates")
        yield SampleInput(w, _ea_index((4,), 10, 4).to(tg.int32), name="int32 indices")
        yield SampleInput(make((3, 10)).t(), _ea_index((2, 3), 10, 5), name="transposed weight")
        yield SampleInput(w, _ea_index((7,), 4, 2), 2, name="padding_idx")
        yield SampleInput(w, _ea_index((3, 4), 5, 3), -1, True, name="scale_grad_by_freq")
        yield SampleInput(w, tg.tensor(9), name="0-d index")
        yield SampleInput(w, _ea_index((6, 4), 10, 6).t(), name="non-contiguous indices")
    elif mode == "zero_size":
        yield SampleInput(make((4, 3)), tg.empty([0], dtype=tg.int64), name="no indices")
        yield SampleInput(make((4, 0)), _ea_index((2, 2), 4, 7), name="zero-width rows")
        yield SampleInput(make((0, 3)), tg.empty([2, 0], dtype=tg.int64), name="empty table")
    elif mode == "large":
        yield SampleInput(make(BIG), _ea_index((40, 30), BIG[0], 8))
        yield SampleInput(make(BIG[::-1]).t(), _ea_index((500,), BIG[0], 9))


def _ea_inverse_counts(idx, num_weights):
    counts = np.bincount(idx.reshape(-1), minlength=num_weights).astype(np.float64)
    return np.where(counts > 0, 1.0 / np.maximum(counts, 1), 0.0)


def _ea_dense_backward_ref(grad_output, indices, num_weights, padding_idx, scale_grad_by_freq):
    g = np.asarray(grad_output, dtype=np.float64)
    idx = np.asarray(indices, dtype=np.int64).reshape(-1)
    dim = g.shape[-1]
    out = np.zeros((num_weights, dim))
    np.add.at(out, idx, g.reshape(-1, dim))
    if scale_grad_by_freq:
        out *= _ea_inverse_counts(idx, num_weights)[:, None]
    if padding_idx >= 0:
        out[padding_idx] = 0
    return out


def _ea_dense_backward_samples(op, dtype, mode, make):
    if mode == "basic":
        yield SampleInput(make((2, 5, 3)), _ea_index((2, 5), 6, 1), 6, -1, False, name="duplicates")
        yield SampleInput(make((8, 4)), _ea_index((8,), 3, 2), 5, 1, False, name="padding_idx")
        yield SampleInput(make((3, 4, 2)), _ea_index((3, 4), 4, 3), 4, -1, True, name="scale_grad_by_freq")
        yield SampleInput(make((3, 7)).t(), _ea_index((7,), 9, 4).to(tg.int32), 9, 0, True,
                          name="non-contiguous grad, int32 indices")
    elif mode == "zero_size":
        yield SampleInput(make((0, 3)), tg.empty([0], dtype=tg.int64), 4, -1, False, name="no indices")
        yield SampleInput(make((2, 3)), _ea_index((2,), 1, 5), 0 + 1, -1, True, name="one row")
    elif mode == "large":
        yield SampleInput(make((300, BIG[1])), _ea_index((300,), BIG[0], 6), BIG[0], 3, True)


def _ea_double_backward_ref(self, indices, padding_idx, scale_grad_by_freq):
    w = np.asarray(self, dtype=np.float64)
    idx = np.asarray(indices, dtype=np.int64)
    s = _ea_inverse_counts(idx, w.shape[0]) if scale_grad_by_freq else np.ones(w.shape[0])
    if padding_idx >= 0:
        s[padding_idx] = 0
    return w[idx] * s[idx][..., None]


def _ea_double_backward_samples(op, dtype, mode, make):
    if mode == "basic":
        yield SampleInput(make((6, 3)), _ea_index((2, 5), 6, 1), -1, False, name="duplicates")
        yield SampleInput(make((5, 4)), _ea_index((8,), 3, 2), 1, False, name="padding_idx")
        yield SampleInput(make((4, 2)), _ea_index((3, 4), 4, 3), 2, True, name="scale_grad_by_freq, padding_idx")
        yield SampleInput(make((3, 9)).t(), _ea_index((7,), 9, 4).to(tg.int32), -1, True,
                          name="non-contiguous self, int32 indices")
    elif mode == "zero_size":
        yield SampleInput(make((4, 3)), tg.empty([0], dtype=tg.int64), -1, False, name="no indices")


def _ea_renorm_ref(self, indices, max_norm, norm_type):
    w = np.array(self, dtype=np.float64)
    for r in np.unique(np.asarray(indices, dtype=np.int64)):
        norm = np.linalg.norm(w[r], ord=norm_type)
        if norm > max_norm:
            w[r] *= max_norm / (norm + 1e-7)
    return w


def _ea_renorm_samples(op, dtype, mode, make):
    if mode == "basic":
        yield SampleInput(make((6, 4), low=-3, high=3), _ea_index((5,), 6, 1), 1.0, 2.0, name="duplicates")
        yield SampleInput(make((5, 3), low=-3, high=3), _ea_index((2, 3), 5, 2), 2.0, 1.0, name="norm_type 1")
        yield SampleInput(make((5, 3), low=-3, high=3), _ea_index((4,), 5, 3), 0.5, math.inf, name="max norm")
        yield SampleInput(make((4, 5), low=-3, high=3), _ea_index((4,), 4, 4), 1.5, 3.0, name="norm_type 3")
        yield SampleInput(make((7, 4), low=-3, high=3).t(), _ea_index((3,), 4, 5), 1.0, 2.0, name="non-contiguous self")
        yield SampleInput(make((4, 3), low=-3, high=3), _ea_index((3,), 4, 6), 100.0, 2.0, name="nothing to do")
    elif mode == "zero_size":
        yield SampleInput(make((4, 3)), tg.empty([0], dtype=tg.int64), 1.0, 2.0, name="no indices")


class _EaInplaceOpInfo(OpInfo):
    """embedding_renorm_ writes self: the matrix calls it on a copy, so the reference sees the values
    from before (that it returns and mutates self is checked in tests/test_nn_embedding_attention.py)."""

    def call(self, sample, variant, out=None):
        args = list(sample.args)
        args[0] = args[0].clone()
        return super().call(SampleInput(*args, name=sample.name, **sample.kwargs), variant, out)


# ----------------------------------------------------------------------------- attention

def _ea_probabilities(q, k, mask, is_causal, scale):
    """softmax(q k^T * scale + mask) in float64; rows that attend to nothing are 0 (and their lse -inf)."""
    q, k = np.asarray(q, dtype=np.float64), np.asarray(k, dtype=np.float64)
    s = q @ np.swapaxes(k, -1, -2) * scale
    L, S = s.shape[-2], s.shape[-1]
    if is_causal:
        s = np.where(np.triu(np.ones((L, S), dtype=bool), 1), -np.inf, s)
    elif mask is not None:
        m = np.asarray(mask)
        s = np.where(m, s, -np.inf) if m.dtype == np.bool_ else s + m.astype(np.float64)
    if S == 0:
        return np.zeros(s.shape), np.full(s.shape[:-1], -np.inf)
    mx = s.max(-1, keepdims=True)
    dead = mx == -np.inf
    e = np.exp(s - np.where(dead, 0.0, mx))
    total = e.sum(-1, keepdims=True)
    p = np.where(dead, 0.0, e / np.where(dead, 1.0, total))
    with np.errstate(divide="ignore"):
        lse = np.where(dead, -np.inf, mx + np.log(np.where(dead, 1.0, total)))[..., 0]
    return p, lse


def _ea_attention_ref(qkv, attn_mask, is_causal, scale):
    q, k, v = qkv
    p, lse = _ea_probabilities(q, k, attn_mask, is_causal, scale)
    return p @ np.asarray(v, dtype=np.float64), lse


def _ea_attention_backward_ref(grad_output, qkv, attn_mask, output, logsumexp, is_causal, scale):
    q, k, v = (np.asarray(t, dtype=np.float64) for t in qkv)
    go = np.asarray(grad_output, dtype=np.float64)
    p, _ = _ea_probabilities(q, k, attn_mask, is_causal, scale)
    t = lambda a: np.swapaxes(a, -1, -2)  # noqa: E731
    dv = t(p) @ go
    dp = go @ t(v)
    ds = p * (dp - (dp * p).sum(-1, keepdims=True))
    return ds @ k * scale, t(ds) @ q * scale, dv


def _ea_lse_dtype(dtype):
    return tg.float64 if dtype is tg.float64 else tg.float32


def _ea_attention_dtypes(op, sample):
    dt = sample.args[0][0].dtype
    return (dt, _ea_lse_dtype(dt))


def _ea_qkv_dtype(op, sample):
    return sample.args[0][0].dtype


def _ea_bool_mask(shape, seed, dead_row=True):
    rng = np.random.default_rng(seed)
    m = rng.random(shape) < 0.7
    if dead_row and len(shape) >= 2 and shape[-2] > 1:
        m[..., 1, :] = False  # a query that attends to nothing: output and gradients 0
    return tg.tensor(m)


def _ea_attention_cases(dtype, mode, make):
    """(qkv, attn_mask, is_causal, scale, name) for the forward and the backward entries."""
    if mode == "basic":
        # The first three float64 cases are the gradcheck ones: plain, bool mask, causal.
        yield [make((2, 3, 5, 4)), make((2, 3, 7, 4)), make((2, 3, 7, 6))], None, False, 0.5, "plain"
        yield [make((2, 5, 4)), make((2, 6, 4)), make((2, 6, 3))], _ea_bool_mask((5, 6), 1), False, 0.4, \
            "bool mask, broadcast, a row masked out"
        yield [make((1, 2, 6, 3)), make((1, 2, 4, 3)), make((1, 2, 4, 2))], None, True, 0.7, "causal, L > S"
        yield [make((2, 4, 3)), make((2, 4, 3)), make((2, 4, 5))], make((2, 1, 4), low=-2, high=2), False, 0.6, \
            "float mask"
        yield [make((3, 4)), make((6, 4)), make((6, 4))], None, True, 0.5, "2-d inputs, causal, L < S"
        yield [make((4, 2, 3)).transpose(0, 1), make((3, 5, 2)).permute(2, 1, 0), make((2, 5, 3))], None, False, \
            0.5, "non-contiguous q and k"
    elif mode == "zero_size":
        yield [make((2, 0, 3)), make((2, 4, 3)), make((2, 4, 2))], None, False, 0.5, "no queries"
        yield [make((2, 3, 3)), make((2, 0, 3)), make((2, 0, 2))], None, False, 0.5, "no keys"
    elif mode == "large":
        # Past the CPU kernel's 64-query and 128-key blocks, with ragged last blocks.
        yield [make((1, 2, 150, 8)), make((1, 2, 300, 8)), make((1, 2, 300, 5))], None, False, 0.3, "blocks"
        yield [make((2, 200, 6)), make((2, 200, 6)), make((2, 200, 6))], None, True, 0.4, "causal blocks"
        yield [make((1, 130, 4)), make((1, 260, 4)), make((1, 260, 4))], _ea_bool_mask((130, 260), 2), False, 0.5, \
            "bool mask blocks"


def _ea_attention_samples(op, dtype, mode, make):
    for qkv, mask, causal, scale, name in _ea_attention_cases(dtype, mode, make):
        yield SampleInput(qkv, mask, causal, scale, name=name)


def _ea_attention_backward_samples(op, dtype, mode, make):
    for qkv, mask, causal, scale, name in _ea_attention_cases(dtype, mode, make):
        np_mask = None if mask is None else to_numpy(mask)
        out, lse = _ea_attention_ref([to_numpy(t) for t in qkv], np_mask, causal, scale)
        dt = qkv[0].dtype
        if is_floating(dt):
            output = tg.tensor(out).to(dt)
            logsumexp = tg.tensor(lse).to(_ea_lse_dtype(dt))
        else:  # refused for its dtype before these are looked at
            output, logsumexp = tg.tensor(out).to(tg.float32), tg.tensor(lse).to(tg.float32)
        grad = make(tuple(out.shape))
        yield SampleInput(grad, qkv, mask, output, logsumexp, causal, scale, name=name)


def _ea_check_grads(op, sample, result):
    expected = op.reference(sample)
    assert isinstance(result, (list, tuple)) and len(result) == 3, f"{op.name}{sample}: expected [dq, dk, dv]"
    dt = sample.args[1][0].dtype
    check_result(op, sample, tuple(result), tuple(expected), dtypes=(dt, dt, dt))


_EA_HALF_TOL = {tg.float16: (1e-2, 1e-2), tg.bfloat16: (5e-2, 5e-2), tg.float32: (1e-4, 1e-5)}


# ----------------------------------------------------------------------------- embedding_bag

def _ea_bags(indices, offsets, include_last_offset):
    """(start, end) of each bag (PyTorch's rules; positions outside every bag belong to none)."""
    off = [int(v) for v in np.asarray(offsets).reshape(-1)]
    n = int(np.asarray(indices).size)
    starts = off[:-1] if include_last_offset else off
    ends = off[1:] if include_last_offset else off[1:] + [n]
    return list(zip(starts, ends))


def _ea_bag_ref(weight, indices, offsets, scale_grad_by_freq=False, mode=0, sparse=False, per_sample_weights=None,
                include_last_offset=False, padding_idx=-1):
    w = np.asarray(weight, dtype=np.float64)
    idx = np.asarray(indices).astype(np.int64)
    psw = None if per_sample_weights is None else np.asarray(per_sample_weights, dtype=np.float64)
    bags = _ea_bags(idx, offsets, include_last_offset)
    dim = w.shape[1]
    out = np.zeros((len(bags), dim))
    o2b = np.full(idx.shape[0], -1, dtype=np.int64)
    size = np.zeros(len(bags), dtype=np.int64)
    mx = np.full((len(bags), dim), -1, dtype=np.int64) if mode == 2 else np.zeros(0, dtype=np.int64)
    for b, (s, e) in enumerate(bags):
        o2b[s:e] = b
        pos = [i for i in range(s, e) if idx[i] != padding_idx]
        size[b] = len(pos)
        if not pos:
            continue
        rows = w[idx[pos]]
        if mode == 2:
            arg = rows.argmax(0)  # the first maximum
            out[b] = rows.max(0)
            mx[b] = idx[pos][arg]
        else:
            scale = psw[pos][:, None] if psw is not None else 1.0
            out[b] = (rows * scale).sum(0) / (len(pos) if mode == 1 else 1)
    return out, o2b, size, mx


def _ea_bag_cases(make):
    """(weight, indices, offsets, scale_grad_by_freq, mode, sparse, psw, include_last_offset, padding_idx, name).
    The first three float64 ones are the gradcheck samples (sum with per-sample weights, mean with a
    padding_idx and an empty bag, max)."""
    w = make((10, 3))
    ids = _ea_index((9,), 10, 11)
    yield w, ids, _ea_i(0, 4, 6), False, 0, False, make((9,)), False, -1, "sum, per_sample_weights"
    yield w, tg.tensor([1, 2, 4, 5, 4, 3, 2, 9]), _ea_i(0, 3, 3, 6), False, 1, False, None, False, 4, \
        "mean, padding_idx, an empty bag"
    yield w, ids, _ea_i(0, 2, 7), False, 2, False, None, False, -1, "max"
    yield w, ids.to(tg.int32), _ea_i(0, 5, 8, 9).to(tg.int32), False, 0, False, None, True, -1, \
        "include_last_offset, int32"
    yield w, ids, _ea_i(0, 3, 3, 6), False, 2, False, None, False, int(ids[0]), "max, padding_idx, an empty bag"
    yield make((3, 10)).t(), ids, _ea_i(0, 4), False, 1, False, None, False, -1, "transposed weight"
    yield w, ids, _ea_i(0, 4, 4, 9), True, 0, False, None, True, -1, "scale_grad_by_freq"


def _ea_bag_samples(op, dtype, mode, make):
    if mode == "basic":
        for *args, name in _ea_bag_cases(make):
            yield SampleInput(*args, name=name)
    elif mode == "zero_size":
        yield SampleInput(make((4, 3)), tg.empty([0], dtype=tg.int64), _ea_i(0, 0), False, 1, name="no indices")
        yield SampleInput(make((4, 3)), _ea_i(1, 2), tg.empty([0], dtype=tg.int64), False, 0, name="no bags")
        yield SampleInput(make((4, 0)), _ea_i(1, 2), _ea_i(0, 1), False, 2, name="zero-width rows")
    elif mode == "large":
        ids = _ea_index((600,), BIG[0], 12)
        offs = tg.tensor(np.sort(np.random.default_rng(13).integers(0, 600, size=40)).astype(np.int64))
        offs[0] = 0
        for m in (0, 1, 2):
            yield SampleInput(make(BIG), ids, offs, False, m)


def _ea_bag_dtypes(op, s):
    return (s.args[0].dtype, tg.int64, tg.int64, tg.int64)


def _ea_bag_backward_samples(op, dtype, mode, make):
    """(grad, indices, offset2bag, bag_size, max_indices, num_weights, scale_grad_by_freq, mode, psw,
    padding_idx) from the forward run on the forward's samples."""
    for s in _ea_bag_samples(op, tg.float32, mode, Maker(op, tg.float32)):
        a = list(s.args) + [False, 0, False, None, False, -1][len(s.args) - 3:]
        w, ids, offs, sgbf, m, _, psw, ilo, pidx = a
        out, o2b, size, mx = tg._C._embedding_bag(w.to(tg.float32), ids, offs, sgbf, m, False, psw, ilo, pidx)
        psw = None if psw is None else make(tuple(psw.shape))
        yield SampleInput(make(tuple(out.shape)), ids, o2b, size, mx, w.shape[0], sgbf, m, psw, pidx, name=s.name)


def _ea_bag_backward_ref(grad, indices, offset2bag, bag_size, max_indices, num_weights, scale_grad_by_freq, mode,
                         per_sample_weights, padding_idx=-1):
    g = np.asarray(grad, dtype=np.float64)
    idx = np.asarray(indices).astype(np.int64)
    o2b, size, mx = (np.asarray(a).astype(np.int64) for a in (offset2bag, bag_size, max_indices))
    out = np.zeros((num_weights, g.shape[1]))
    if mode == 2:
        for b in range(g.shape[0]):
            for c in range(g.shape[1]):
                if mx[b, c] >= 0:
                    out[mx[b, c], c] += g[b, c]
        return out
    psw = None if per_sample_weights is None else np.asarray(per_sample_weights, dtype=np.float64)
    for i, b in enumerate(o2b):
        if b < 0:
            continue
        s = 1.0 / max(size[b], 1) if mode == 1 else (psw[i] if psw is not None else 1.0)
        out[idx[i]] += g[b] * s
    if scale_grad_by_freq:
        out *= _ea_inverse_counts(idx, num_weights)[:, None]
    if padding_idx >= 0:
        out[padding_idx] = 0
    return out


def _ea_psw_backward_samples(op, dtype, mode, make):
    if mode != "basic":
        return
    w = make((10, 3))
    for ids, offs, pidx in ((_ea_index((9,), 10, 11), _ea_i(0, 4, 6), -1),
                            (tg.tensor([1, 2, 4, 5, 4, 3, 2, 9]), _ea_i(0, 3, 3, 6), 4)):
        _, o2b, _, _ = tg._C._embedding_bag(w.to(tg.float32), ids, offs, False, 0, False, None, False, pidx)
        yield SampleInput(make((offs.shape[0], 3)), w, ids, o2b, 0, pidx)


def _ea_psw_backward_ref(grad, weight, indices, offset2bag, mode, padding_idx=-1):
    g, w = np.asarray(grad, dtype=np.float64), np.asarray(weight, dtype=np.float64)
    idx, o2b = np.asarray(indices).astype(np.int64), np.asarray(offset2bag).astype(np.int64)
    return np.array([g[b] @ w[r] if b >= 0 and r != padding_idx else 0.0 for r, b in zip(idx, o2b)])


# ----------------------------------------------------------------------------- distances, normalize

def _ea_cos_ref(x1, x2, dim=1, eps=1e-8):
    a, b = np.broadcast_arrays(np.asarray(x1, dtype=np.float64), np.asarray(x2, dtype=np.float64))
    n1 = np.maximum(np.linalg.norm(a, axis=dim, keepdims=True), eps)
    n2 = np.maximum(np.linalg.norm(b, axis=dim, keepdims=True), eps)
    return ((a / n1) * (b / n2)).sum(dim)


def _ea_cos_samples(op, dtype, mode, make):
    if mode == "basic":
        yield SampleInput(make((4, 5)), make((4, 5)))
        yield SampleInput(make((2, 3, 4)), make((3, 1)), -1, name="broadcast, dim -1")
        yield SampleInput(make((3, 4)), make((3, 4)), 0, 1e-3)
        yield SampleInput(make((5, 4)).t(), make((4, 5)), 1, name="non-contiguous x1")
    elif mode == "large":
        yield SampleInput(make(BIG), make(BIG), 1)


def _ea_pdist_ref(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    x1, x2 = np.asarray(x1), np.asarray(x2)
    # integers subtract in their own dtype (uint8 wraps around, as in PyTorch), then eps makes it floating
    d = (x1 - x2 if x1.dtype.kind in "iu" else x1.astype(np.float64) - x2).astype(np.float64) + eps
    if d.ndim == 0:
        return np.asarray(np.linalg.norm(d.reshape(1), ord=p))
    return np.linalg.norm(d, ord=p, axis=-1, keepdims=keepdim)


def _ea_pdist_samples(op, dtype, mode, make):
    if mode == "basic":
        yield SampleInput(make((4, 5)), make((4, 5)))
        yield SampleInput(make((3, 4)), make((4,)), 1.0, 1e-6, True, name="broadcast, p=1, keepdim")
        yield SampleInput(make((2, 3, 4)), make((2, 3, 4)), 3.0)
        yield SampleInput(make((3, 4)), make((3, 4)), math.inf, name="p=inf")
        yield SampleInput(make(()), make(()), name="0-d")
    elif mode == "large":
        yield SampleInput(make(BIG), make(BIG))


def _ea_normalize_ref(x, p=2.0, dim=1, eps=1e-12):
    x = np.asarray(x, dtype=np.float64)
    return x / np.maximum(np.linalg.norm(x, ord=p, axis=dim, keepdims=True), eps)


def _ea_normalize_samples(op, dtype, mode, make):
    if mode == "basic":
        yield SampleInput(make((4, 5)))
        yield SampleInput(make((2, 3, 4)), 1.0, -1)
        yield SampleInput(make((3, 4)), math.inf, 0)
        yield SampleInput(make((5, 4)).t(), 2.0, 1, name="non-contiguous")
        if dtype in (tg.float32, tg.float64):  # eps = 1e-12 is 0 in half precision: 0 / 0 (NaN), as in PyTorch
            yield SampleInput(tg.zeros(2, 3, dtype=dtype), name="zero rows (divided by eps)")
    elif mode == "large":
        yield SampleInput(make(BIG), 2.0, 1)


def _ea_float_result(op, s):
    dt = s.args[0].dtype
    return dt if is_floating(dt) else tg.float32


def _ea_float_only(op, s):
    return None if is_floating(s.args[0].dtype) else RuntimeError


# ----------------------------------------------------------------------------- error inputs

def _ea_i(*vals):
    return tg.tensor(list(vals), dtype=tg.int64)


def _ea_qkv(lq=3, s=4, e=2, ev=2, dtype=tg.float32):
    return [_f((2, lq, e), dtype), _f((2, s, e), dtype, seed=4), _f((2, s, ev), dtype, seed=5)]


def _ea_errors():
    w = lambda: _f((5, 3))  # noqa: E731
    attn = tg._C._fused_attention
    bwd = tg._C._fused_attention_backward_kernel
    return {
        "embedding": _errors(
            ("index out of range", lambda: tg.embedding(w(), _ea_i(0, 5)), IndexError,
             r"\[embedding\] index 5 is out of range for an embedding of 5 rows"),
            ("negative index", lambda: tg.embedding(w(), _ea_i(-1)), IndexError, r"\[embedding\] index -1"),
            ("float indices", lambda: tg.embedding(w(), tg.tensor([0.0])), RuntimeError, "Long, Int"),
            ("1-d weight", lambda: tg.embedding(_f((5,)), _ea_i(0)), RuntimeError, "must be 2-D"),
            ("sparse gradient", lambda: tg.embedding(w(), _ea_i(0), sparse=True), NotImplementedError, "sparse"),
        ),
        "embedding_dense_backward": _errors(
            ("index out of range", lambda: tg.embedding_dense_backward(_f((2, 3)), _ea_i(0, 4), 4, -1, False),
             IndexError, r"\[embedding_dense_backward\] index 4 is out of range"),
            ("grad of the wrong shape", lambda: tg.embedding_dense_backward(_f((3, 3)), _ea_i(0, 1), 4, -1, False),
             RuntimeError, "plus the embedding dim"),
            ("padding_idx out of range", lambda: tg.embedding_dense_backward(_f((2, 3)), _ea_i(0, 1), 4, 4, False),
             ValueError, "padding_idx"),
            ("float indices", lambda: tg.embedding_dense_backward(_f((1, 3)), tg.tensor([0.0]), 4, -1, False),
             RuntimeError, "Long, Int"),
        ),
        "embedding_dense_double_backward": _errors(
            ("index out of range", lambda: tg.embedding_dense_double_backward(w(), _ea_i(5), -1, False), IndexError,
             r"\[embedding_dense_double_backward\] index 5"),
            ("1-d self", lambda: tg.embedding_dense_double_backward(_f((5,)), _ea_i(0), -1, False), RuntimeError,
             "2-D"),
        ),
        "embedding_renorm_": _errors(
            ("index out of range", lambda: tg.embedding_renorm_(w(), _ea_i(7), 1.0, 2.0), IndexError,
             r"\[embedding_renorm_\] index 7"),
            ("integer weight", lambda: tg.embedding_renorm_(tg.ones(3, 2, dtype=tg.int64), _ea_i(0), 1.0, 2.0),
             NotImplementedError, r"\[embedding_renorm_\]"),
        ),
        "_fused_attention": _errors(
            ("key of another width", lambda: attn([_f((2, 3, 2)), _f((2, 4, 3)), _f((2, 4, 2))], None, False, 1.0),
             RuntimeError, "key's last dim"),
            ("value with other rows", lambda: attn([_f((2, 3, 2)), _f((2, 4, 2)), _f((2, 5, 2))], None, False, 1.0),
             RuntimeError, "as many rows as key"),
            ("dtypes differ", lambda: attn(_ea_qkv()[:2] + [_f((2, 4, 2), tg.float64)], None, False, 1.0),
             RuntimeError, "same dtype"),
            ("batch dims differ", lambda: attn([_f((2, 3, 2)), _f((3, 4, 2)), _f((3, 4, 2))], None, False, 1.0),
             RuntimeError, "same batch dims"),
            ("1-d inputs", lambda: attn([_f((2,)), _f((2,)), _f((2,))], None, False, 1.0), RuntimeError,
             "at least 2 dimensional"),
            ("mask and is_causal", lambda: attn(_ea_qkv(), _ea_bool_mask((3, 4), 0), True, 1.0), RuntimeError,
             "should not be set when is_causal=True"),
            ("integer mask", lambda: attn(_ea_qkv(), tg.ones(3, 4, dtype=tg.int64), False, 1.0), RuntimeError,
             "bool or to match query dtype"),
            ("mask that does not broadcast", lambda: attn(_ea_qkv(), _ea_bool_mask((3, 5), 0), False, 1.0),
             RuntimeError),
            ("two tensors", lambda: attn(_ea_qkv()[:2], None, False, 1.0), RuntimeError, "query, key, value"),
        ),
        "_fused_attention_backward": _errors(
            ("grad of the wrong shape", lambda: tg._C._fused_attention_backward(
                _f((2, 3, 3)), _ea_qkv(), None, _f((2, 3, 2)), _f((2, 3)), False, 1.0), RuntimeError, "grad_output"),
        ),
        "_fused_attention_backward_kernel": _errors(
            ("grad of the wrong shape", lambda: bwd(_f((2, 3, 3)), _ea_qkv(), None, _f((2, 3, 2)), _f((2, 3)), False,
                                                    1.0), RuntimeError, "grad_output"),
            ("logsumexp of the wrong shape", lambda: bwd(_f((2, 3, 2)), _ea_qkv(), None, _f((2, 3, 2)), _f((2, 4)),
                                                         False, 1.0), RuntimeError, "logsumexp"),
            ("logsumexp of the wrong dtype", lambda: bwd(_f((2, 3, 2)), _ea_qkv(), None, _f((2, 3, 2)),
                                                         _f((2, 3), tg.float64), False, 1.0), RuntimeError,
             "logsumexp"),
        ),
        "_embedding_bag": _errors(
            ("index out of range", lambda: tg._C._embedding_bag(w(), _ea_i(0, 5), _ea_i(0)), IndexError,
             r"\[embedding_bag\] index 5 is out of range for an embedding of 5 rows"),
            ("negative index", lambda: tg._C._embedding_bag(w(), _ea_i(-1), _ea_i(0)), IndexError,
             r"\[embedding_bag\] index -1"),
            ("offsets past the end", lambda: tg._C._embedding_bag(w(), _ea_i(0, 1), _ea_i(0, 3)), RuntimeError,
             r"\[embedding_bag\] offsets\[1\] = 3 is outside \[0, 2\]"),
            ("decreasing offsets", lambda: tg._C._embedding_bag(w(), _ea_i(0, 1, 2), _ea_i(0, 2, 1)), RuntimeError,
             "non-decreasing"),
            ("2-d indices", lambda: tg._C._embedding_bag(w(), tg.zeros(2, 2, dtype=tg.int64), _ea_i(0)), RuntimeError,
             "1D Tensor"),
            ("bad mode", lambda: tg._C._embedding_bag(w(), _ea_i(0), _ea_i(0), False, 3), ValueError, "mode"),
            ("per_sample_weights with mean", lambda: tg._C._embedding_bag(w(), _ea_i(0), _ea_i(0), False, 1, False,
                                                                          _f((1,))), NotImplementedError,
             "per_sample_weights"),
            ("per_sample_weights of another shape", lambda: tg._C._embedding_bag(w(), _ea_i(0, 1), _ea_i(0), False, 0,
                                                                                 False, _f((3,))), ValueError,
             "same shape as the input"),
            ("float indices", lambda: tg._C._embedding_bag(w(), tg.tensor([0.0]), _ea_i(0)), RuntimeError, "int64"),
            ("sparse", lambda: tg._C._embedding_bag(w(), _ea_i(0), _ea_i(0), False, 0, True), NotImplementedError,
             "sparse"),
            ("padding_idx out of range", lambda: tg._C._embedding_bag(w(), _ea_i(0), _ea_i(0), False, 0, False, None,
                                                                      False, 5), ValueError, "padding_idx"),
            ("include_last_offset without offsets", lambda: tg._C._embedding_bag(
                w(), _ea_i(0), tg.empty([0], dtype=tg.int64), False, 0, False, None, True), RuntimeError,
             "at least 1"),
        ),
        "_embedding_bag_dense_backward": _errors(
            ("index out of range", lambda: tg._C._embedding_bag_dense_backward(
                _f((1, 3)), _ea_i(0, 7), _ea_i(0, 0), _ea_i(2), _ea_i(), 5, False, 0, None), IndexError,
             r"\[_embedding_bag_dense_backward\] index 7 is out of range"),
            ("offset2bag out of range", lambda: tg._C._embedding_bag_dense_backward(
                _f((1, 3)), _ea_i(0, 1), _ea_i(0, 4), _ea_i(2), _ea_i(), 5, False, 0, None), IndexError,
             r"offset2bag holds 4"),
            ("max_indices out of range", lambda: tg._C._embedding_bag_dense_backward(
                _f((1, 3)), _ea_i(0), _ea_i(0), _ea_i(1), tg.tensor([[0, 9, 1]]), 5, False, 2, None), IndexError,
             r"max_indices holds 9"),
            ("grad of the wrong shape", lambda: tg._C._embedding_bag_dense_backward(
                _f((3,)), _ea_i(0), _ea_i(0), _ea_i(1), _ea_i(), 5, False, 0, None), RuntimeError, "grad must be"),
        ),
        "_embedding_bag_backward": _errors(
            ("bag_size of the wrong shape", lambda: tg._C._embedding_bag_backward(
                _f((2, 3)), _ea_i(0), _ea_i(0), _ea_i(1), _ea_i(), 5, False, 0, None), RuntimeError, "bag_size"),
        ),
        "_embedding_bag_per_sample_weights_backward": _errors(
            ("mode mean", lambda: tg._C._embedding_bag_per_sample_weights_backward(
                _f((1, 3)), w(), _ea_i(0), _ea_i(0), 1), RuntimeError, "only supported for mode sum"),
        ),
        "cosine_similarity": _errors(
            ("shapes that do not broadcast", lambda: tg.cosine_similarity(_f((2, 3)), _f((4, 3))), RuntimeError),
            ("integer inputs", lambda: tg.cosine_similarity(tg.ones(2, 3, dtype=tg.int64), tg.ones(2, 3, dtype=tg.int64)),
             RuntimeError, r"\[cosine_similarity\] expected common dtype to be floating point"),
        ),
        "pairwise_distance": _errors(
            ("shapes that do not broadcast", lambda: tg.pairwise_distance(_f((2, 3)), _f((2, 4))), RuntimeError),
        ),
        "normalize": _errors(
            ("dim out of range", lambda: tg.normalize(_f((2, 3)), 2.0, 2), (IndexError, RuntimeError)),
        ),
    }


def entries():
    """Embedding, attention and distance ops (NumPy references)."""
    errs = _ea_errors()
    own = dict(ref_inputs="exact", result_dtype=lambda op, s: s.args[0].dtype,
               compute_dtype=lambda op, s: s.args[0].dtype)
    # Inputs in [-2, 2): scores of a few units, as in real attention (the default domain's [-9, 10)
    # makes one-hot softmaxes whose float32 gradients are mostly rounding).
    attention = dict(ref_inputs="exact", compute_dtype=_ea_qkv_dtype, tol=_EA_HALF_TOL, domain=(-2, 2))
    backward = dict(ref_inputs="exact", compute_dtype=lambda op, s: s.args[1][0].dtype, domain=(-2, 2),
                    tol={tg.float16: (2e-2, 2e-2), tg.bfloat16: (1e-1, 1e-1), tg.float32: (2e-4, 2e-5)},
                    dtypes=FLOATING, check=_ea_check_grads, sample_inputs=_ea_attention_backward_samples)
    return [
        OpInfo("embedding", ref=_ea_embedding_ref, sample_inputs=_ea_embedding_samples,
               error_inputs=errs["embedding"], **own),
        OpInfo("embedding_dense_backward", ref=_ea_dense_backward_ref, sample_inputs=_ea_dense_backward_samples,
               error_inputs=errs["embedding_dense_backward"], tol=_EA_HALF_TOL, **own),
        OpInfo("embedding_dense_double_backward", ref=_ea_double_backward_ref,
               sample_inputs=_ea_double_backward_samples, error_inputs=errs["embedding_dense_double_backward"],
               tol=_EA_HALF_TOL, **own),
        _EaInplaceOpInfo("embedding_renorm_", ref=_ea_renorm_ref, sample_inputs=_ea_renorm_samples,
                         error_inputs=errs["embedding_renorm_"], tol=_EA_HALF_TOL, **own),
        OpInfo("_fused_attention", ref=_ea_attention_ref, sample_inputs=_ea_attention_samples,
               result_dtype=_ea_attention_dtypes, error_inputs=errs["_fused_attention"], **attention),
        OpInfo("_fused_attention_backward", ref=_ea_attention_backward_ref,
               error_inputs=errs["_fused_attention_backward"], **backward),
        OpInfo("_fused_attention_backward_kernel", ref=_ea_attention_backward_ref,
               error_inputs=errs["_fused_attention_backward_kernel"], **backward),
        OpInfo("_embedding_bag", ref=_ea_bag_ref, sample_inputs=_ea_bag_samples, result_dtype=_ea_bag_dtypes,
               compute_dtype=lambda op, s: s.args[0].dtype, ref_inputs="exact", tol=_EA_HALF_TOL,
               error_inputs=errs["_embedding_bag"]),
        OpInfo("_embedding_bag_dense_backward", ref=_ea_bag_backward_ref, sample_inputs=_ea_bag_backward_samples,
               error_inputs=errs["_embedding_bag_dense_backward"], tol=_EA_HALF_TOL, dtypes=FLOATING, **own),
        OpInfo("_embedding_bag_backward", ref=_ea_bag_backward_ref, sample_inputs=_ea_bag_backward_samples,
               error_inputs=errs["_embedding_bag_backward"], tol=_EA_HALF_TOL, dtypes=FLOATING, **own),
        OpInfo("_embedding_bag_per_sample_weights_backward", ref=_ea_psw_backward_ref,
               sample_inputs=_ea_psw_backward_samples, error_inputs=errs["_embedding_bag_per_sample_weights_backward"],
               tol=_EA_HALF_TOL, dtypes=FLOATING, **own),
        OpInfo("cosine_similarity", ref=_ea_cos_ref, sample_inputs=_ea_cos_samples, dtypes=FLOATING,
               expected_error=_ea_float_only, error_inputs=errs["cosine_similarity"], tol=_EA_HALF_TOL, **own),
        # Integer inputs work (x1 - x2 + eps is floating, the default dtype); bool ones cannot be subtracted.
        OpInfo("pairwise_distance", ref=_ea_pdist_ref, sample_inputs=_ea_pdist_samples, dtypes=ALL_DTYPES,
               expected_error=lambda op, s: RuntimeError if s.args[0].dtype is tg.bool else None,
               result_dtype=_ea_float_result, compute_dtype=_ea_float_result, ref_inputs="exact",
               error_inputs=errs["pairwise_distance"], tol=_EA_HALF_TOL),
        OpInfo("normalize", ref=_ea_normalize_ref, sample_inputs=_ea_normalize_samples, dtypes=FLOATING,
               expected_error=_ea_float_only, error_inputs=errs["normalize"], tol=_EA_HALF_TOL, **own),
    ]
