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
    ]
