"""Indexing: gather/scatter, index_select/index_add/index_copy/index_fill, masked ops, take, nonzero,
advanced indexing (index, index_put_), one_hot, searchsorted, bucketize, bincount, unique."""
from __future__ import annotations

import builtins  # noqa: F401
import math  # noqa: F401

import numpy as np

import tensorgen as tg
from tensorgen.testing._utils import _maybe_noncontiguous  # noqa: F401
from tensorgen.testing.opinfo.core import *  # noqa: F403  (the vocabulary of entries: OpInfo, SampleInput, _f, S, ...)

# take, masked_select, nonzero / argwhere and advanced indexing (index, index_put_, and the kernel ops
# _index / _index_put_ they call with a stacked [k, ...] int64 index). References are NumPy
# (take_along_axis / put_along_axis-style loops, np.take, np.add.at, np.argwhere, fancy indexing).

def _ix_index(shape, high, seed, low=0):
    """A random int64 index tensor of shape with values in [low, high) (duplicates likely)."""
    rng = np.random.default_rng(500 + seed)
    return tg.tensor(rng.integers(low, max(high, low + 1), size=tuple(shape)).astype(np.int64), dtype=tg.int64)


def _ix_perm_index(shape, dim, high, seed):
    """An int64 index of shape whose values along dim are distinct (a slice of a permutation of
    range(high) per line): scatter_ and index_copy_ samples without colliding writes."""
    rng = np.random.default_rng(700 + seed)
    shape = tuple(shape)
    moved = shape[:dim] + shape[dim + 1:] + (shape[dim],)
    lines = int(np.prod(moved[:-1])) if len(moved) > 1 else 1
    vals = np.stack([rng.permutation(high)[:shape[dim]] for _ in range(lines)]) if lines else np.zeros((0, shape[dim]))
    return tg.tensor(np.moveaxis(vals.reshape(moved), -1, dim).astype(np.int64), dtype=tg.int64)


def _ix_1d(a):
    a = np.asarray(a)
    return a.reshape(1) if a.ndim == 0 else a


def _ix_value(v, dt):
    with np.errstate(all="ignore"):
        return np.array(v).astype(dt)[()]


def _ix_gather_ref(a, dim, index, sparse_grad=False):
    a1, i1 = _ix_1d(a), _ix_1d(index)
    dim %= a1.ndim
    out = np.empty(i1.shape, dtype=a1.dtype)
    for p in np.ndindex(*i1.shape):
        q = list(p)
        q[dim] = i1[p]
        out[p] = a1[tuple(q)]
    return out.reshape(np.shape(index))


def _ix_scatter_loop(a, dim, index, src, how):
    """self with src (an array of at least index's shape, or a number) written at index along dim,
    in row-major order of index (later writes win; 'add'/'multiply' combine)."""
    out = _ix_1d(a).copy()
    i1 = _ix_1d(index)
    dim %= out.ndim
    s = _ix_1d(src) if isinstance(src, np.ndarray) else None
    for p in np.ndindex(*i1.shape):
        q = list(p)
        q[dim] = i1[p]
        q = tuple(q)
        v = s[p] if s is not None else _ix_value(src, out.dtype)
        with np.errstate(all="ignore"):
            if how == "add":
                out[q] = out[q] + v
            elif how == "multiply":
                out[q] = out[q] * v
            else:
                out[q] = v
    return out.reshape(np.shape(a))


def _ix_scatter_ref(a, dim, index, src, reduce=None):
    return _ix_scatter_loop(a, dim, index, src, reduce or "set")


def _ix_scatter_add_ref(a, dim, index, src):
    return _ix_scatter_loop(a, dim, index, src, "add")


def _ix_along(a, dim, idx):
    """The NumPy index tuple of a[..., idx, ...] with idx at dim."""
    return tuple([slice(None)] * (dim % max(a.ndim, 1)) + [idx])


def _ix_index_select_ref(a, dim, index):
    r = np.take(_ix_1d(a), _ix_1d(index), axis=dim % max(a.ndim, 1))
    return r.reshape(()) if a.ndim == 0 else r


def _ix_index_add_ref(a, dim, index, source, alpha=1):
    out = _ix_1d(a).copy()
    with np.errstate(all="ignore"):
        src = _ix_1d(source) if alpha == 1 else (_ix_1d(source) * _ix_value(alpha, out.dtype)).astype(out.dtype)
        np.add.at(out, _ix_along(out, dim, _ix_1d(index)), src)
    return out.reshape(np.shape(a))


def _ix_index_copy_ref(a, dim, index, source):
    out = _ix_1d(a).copy()
    out[_ix_along(out, dim, _ix_1d(index))] = _ix_1d(source)
    return out.reshape(np.shape(a))


def _ix_index_fill_ref(a, dim, index, value):
    out = _ix_1d(a).copy()
    out[_ix_along(out, dim, _ix_1d(index))] = _ix_value(value, out.dtype)
    return out.reshape(np.shape(a))


def _ix_masked_fill_ref(a, mask, value):
    v = _ix_value(value, a.dtype) if not isinstance(value, np.ndarray) else value.astype(a.dtype)
    return np.where(mask, v, a).astype(a.dtype)


def _ix_masked_select_ref(a, mask):
    ab, mb = np.broadcast_arrays(a, mask)
    return ab[mb]


def _ix_take_ref(a, index):
    return np.take(np.asarray(a).reshape(-1), index)


def _ix_nonzero_ref(a):
    return np.argwhere(a).astype(np.int64)


def _ix_index_ref(a, indices):
    return a[tuple(indices)]


def _ix_index_put_ref(a, indices, values, accumulate=False):
    out = a.copy()
    with np.errstate(all="ignore"):
        if accumulate:
            np.add.at(out, tuple(indices), np.broadcast_to(values, out[tuple(indices)].shape))
        else:
            out[tuple(indices)] = values
    return out


def _ix_stacked_index_ref(a, indices):
    return a[tuple(indices)]


def _ix_stacked_index_put_ref(a, indices, values, accumulate):
    return _ix_index_put_ref(a, list(indices), values, accumulate)


def _ix_self_dtype(op, sample):
    return sample.args[0].dtype


def _ix_int64(op, sample):
    return tg.int64


def _ix_fill_value(dtype):
    if dtype is tg.bool:
        return True
    return 3 if dtype is tg.uint8 else (-3 if not is_floating(dtype) else -2.5)


# -- samples

def _ix_gather_samples(op, dtype, mode, make):
    if mode == "basic":
        x = make((4, 5))
        yield SampleInput(x, 0, _ix_index((3, 5), 4, 1))
        yield SampleInput(x, 1, _ix_index((4, 7), 5, 2), name="duplicates")
        yield SampleInput(x, -1, _ix_index((2, 2), 5, 3), name="index smaller than self")
        yield SampleInput(make((2, 3, 4)), 1, _ix_index((4, 2), 3, 4).t().unsqueeze(2).expand(2, 4, 3),
                          name="non-contiguous index")
        yield SampleInput(x, 0, _ix_index((0, 5), 4, 5), name="empty index")
    elif mode == "zero_dim":
        yield SampleInput(make(()), 0, tg.tensor(0))
    elif mode == "zero_size":
        yield SampleInput(make((0, 3), noncontiguous=False), 1, _ix_index((0, 2), 3, 6))
    elif mode == "large":
        yield SampleInput(make(BIG), 1, _ix_index((BIG[0], 300), BIG[1], 7))
        yield SampleInput(make(BIG[::-1]).t(), 0, _ix_index((50, BIG[1]), BIG[0], 8))


def _ix_scatter_samples(op, dtype, mode, make, functional):
    if mode == "basic":
        x = make((4, 5))
        yield SampleInput(x, 0, _ix_perm_index((3, 5), 0, 4, 1), make((3, 5)))
        yield SampleInput(x, -1, _ix_perm_index((4, 3), 1, 5, 2), make((4, 6)), name="src bigger than index")
        yield SampleInput(x, 1, _ix_perm_index((2, 2), 1, 5, 3), _ix_fill_value(dtype), name="value")
        yield SampleInput(x, 0, _ix_index((0, 5), 4, 4), make((3, 5)), name="empty index")
        yield SampleInput(x, 1, _ix_index((4, 6), 5, 5), make((4, 6)), reduce="add", name="duplicates, add")
        yield SampleInput(x, 0, _ix_index((5, 5), 4, 6), make((5, 5), low=-2, high=3), reduce="multiply",
                          name="duplicates, multiply")
        yield SampleInput(x, 1, _ix_index((4, 3), 5, 7), _ix_fill_value(dtype), reduce="add", name="value, add")
    elif mode == "zero_dim":
        yield SampleInput(make(()), 0, tg.tensor(0), make(()))
    elif mode == "zero_size":
        yield SampleInput(make((0, 3), noncontiguous=False), 1, _ix_index((0, 2), 3, 6), make((0, 2), noncontiguous=False))
    elif mode == "large" and functional:
        yield SampleInput(make(BIG), 1, _ix_perm_index((BIG[0], 100), 1, BIG[1], 8), make((BIG[0], 100)))


def _ix_scatter_add_samples(op, dtype, mode, make):
    if mode == "basic":
        x = make((4, 5))
        yield SampleInput(x, 0, _ix_index((6, 5), 4, 1), make((6, 5)), name="duplicates")
        yield SampleInput(x, -1, _ix_index((4, 3), 5, 2), make((4, 6)), name="src bigger than index")
        yield SampleInput(make((2, 3, 4)), 1, _ix_index((2, 5, 4), 3, 3), make((4, 5, 2)).permute([2, 1, 0]),
                          name="non-contiguous src")
        yield SampleInput(x, 1, _ix_index((4, 0), 5, 4), make((4, 0), noncontiguous=False), name="empty index")
    elif mode == "zero_dim":
        yield SampleInput(make(()), 0, tg.tensor(0), make(()))
    elif mode == "zero_size":
        yield SampleInput(make((0, 3), noncontiguous=False), 1, _ix_index((0, 2), 3, 6), make((0, 2), noncontiguous=False))
    elif mode == "large":
        # along the last dim (the contiguous loop), and along dim 0 with rows longer than the
        # kernel's runs (positions along dim in order, runs of the row split over threads)
        yield SampleInput(make(BIG), 1, _ix_index((BIG[0], 300), BIG[1], 8), make((BIG[0], 300)), name="duplicates")
        yield SampleInput(make((9, 2500)), 0, _ix_index((20, 2500), 9, 9), make((20, 2500)), name="duplicates, dim 0")


def _ix_index_select_samples(op, dtype, mode, make):
    if mode == "basic":
        x = make((4, 5))
        yield SampleInput(x, 0, _ix_index((6,), 4, 1), name="duplicates")
        yield SampleInput(x, -1, _ix_index((3,), 5, 2).to(tg.int32), name="int32 index")
        yield SampleInput(make((3, 4, 5)).permute([2, 0, 1]), 1, _ix_index((2,), 3, 3), name="non-contiguous self")
        yield SampleInput(x, 1, tg.tensor(2), name="0-d index")
        yield SampleInput(x, 0, _ix_index((0,), 4, 4), name="empty index")
    elif mode == "zero_dim":
        yield SampleInput(make(()), 0, tg.tensor([0]))
    elif mode == "zero_size":
        yield SampleInput(make((0, 3), noncontiguous=False), 1, _ix_index((2,), 3, 6))
    elif mode == "large":
        yield SampleInput(make(BIG), 0, _ix_index((100,), BIG[0], 7))
        yield SampleInput(make(BIG[::-1]).t(), 1, _ix_index((60,), BIG[1], 8))


def _ix_index_add_samples(op, dtype, mode, make):
    if mode == "basic":
        x = make((4, 5))
        yield SampleInput(x, 0, _ix_index((6,), 4, 1), make((6, 5)), name="duplicates")
        yield SampleInput(x, -1, _ix_index((3,), 5, 2).to(tg.int32), make((4, 3)), name="int32 index")
        yield SampleInput(x, 1, _ix_index((3,), 5, 3), make((3, 4)).t(), name="non-contiguous source")
        if dtype is not tg.bool:
            yield SampleInput(x, 0, _ix_index((2,), 4, 4), make((2, 5)), alpha=2, name="alpha")
        yield SampleInput(x, 0, _ix_index((0,), 4, 5), make((0, 5), noncontiguous=False), name="empty index")
    elif mode == "zero_dim":
        yield SampleInput(make(()), 0, tg.tensor([0]), make(()))
    elif mode == "zero_size":
        yield SampleInput(make((0, 3), noncontiguous=False), 1, _ix_index((2,), 3, 6), make((0, 2), noncontiguous=False))


def _ix_index_copy_samples(op, dtype, mode, make):
    if mode == "basic":
        x = make((4, 5))
        yield SampleInput(x, 0, _ix_perm_index((3,), 0, 4, 1), make((3, 5)))
        yield SampleInput(x, -1, _ix_perm_index((4,), 0, 5, 2), make((4, 4)).t(), name="non-contiguous source")
        yield SampleInput(x, 0, _ix_index((0,), 4, 5), make((0, 5), noncontiguous=False), name="empty index")
    elif mode == "zero_dim":
        yield SampleInput(make(()), 0, tg.tensor([0]), make(()))
    elif mode == "zero_size":
        yield SampleInput(make((0, 3), noncontiguous=False), 1, _ix_perm_index((2,), 0, 3, 6), make((0, 2), noncontiguous=False))


def _ix_index_fill_samples(op, dtype, mode, make):
    if mode == "basic":
        x = make((4, 5))
        yield SampleInput(x, 0, _ix_index((3,), 4, 1), _ix_fill_value(dtype), name="duplicates")
        yield SampleInput(x, 1, tg.tensor([-1, 0]), _ix_fill_value(dtype), name="negative index")
        yield SampleInput(make((5, 4)).t(), -1, _ix_index((2,), 5, 2), 0, name="non-contiguous self")
        yield SampleInput(x, 0, _ix_index((0,), 4, 5), 1, name="empty index")
    elif mode == "zero_dim":
        yield SampleInput(make(()), 0, tg.tensor([0]), 1)
    elif mode == "zero_size":
        yield SampleInput(make((0, 3), noncontiguous=False), 1, _ix_index((2,), 3, 6), 1)


def _ix_mask(shape, seed):
    return tg.tensor(np.random.default_rng(900 + seed).random(tuple(shape)) < 0.5)


def _ix_masked_fill_samples(op, dtype, mode, make):
    if mode == "basic":
        yield SampleInput(make(S), _ix_mask(S, 1), _ix_fill_value(dtype))
        yield SampleInput(make(L), _ix_mask((3, 1), 2), 0, name="broadcast mask")
        yield SampleInput(make(S), _ix_mask(S, 3), make(()), name="0-d tensor value")
        yield SampleInput(make((4, 3)).t(), _ix_mask(S, 4), 1, name="non-contiguous self")
    elif mode == "zero_dim":
        yield SampleInput(make(()), tg.tensor(True), 1)
    elif mode == "zero_size":
        yield SampleInput(make((0, 3), noncontiguous=False), _ix_mask((0, 3), 5), 1)


def _ix_masked_select_samples(op, dtype, mode, make):
    if mode == "basic":
        yield SampleInput(make(S), _ix_mask(S, 1))
        yield SampleInput(make(L), _ix_mask((3, 1), 2), name="broadcast mask")
        yield SampleInput(make((3,)), _ix_mask((2, 3), 3), name="mask bigger than self")
        yield SampleInput(make((4, 3)).t(), _ix_mask(S, 4), name="non-contiguous self")
    elif mode == "zero_dim":
        yield SampleInput(make(()), tg.tensor(True))
    elif mode == "zero_size":
        yield SampleInput(make((0, 3), noncontiguous=False), _ix_mask((0, 3), 5))


def _ix_take_samples(op, dtype, mode, make):
    if mode == "basic":
        yield SampleInput(make(S), _ix_index((2, 3), 12, 1))
        yield SampleInput(make(L), _ix_index((5,), 24, 2, low=-24), name="negative indices")
        yield SampleInput(make((4, 3)).t(), _ix_index((7,), 12, 3), name="non-contiguous self")
        yield SampleInput(make(S), _ix_index((0,), 12, 4), name="empty index")
    elif mode == "zero_dim":
        yield SampleInput(make(()), tg.tensor(0))
    elif mode == "zero_size":
        yield SampleInput(make((0, 3), noncontiguous=False), _ix_index((0,), 1, 6))


def _ix_nonzero_samples(op, dtype, mode, make):
    if mode == "basic":
        yield SampleInput(make(S, low=-1, high=2))
        yield SampleInput(make(L, low=0, high=2))
        yield SampleInput(make((5, 4), low=-1, high=2).t(), name="non-contiguous")
        yield SampleInput(tg.zeros(S, dtype=dtype), name="all zeros")
    elif mode == "zero_dim":
        yield SampleInput(make((), low=1, high=2))
        yield SampleInput(tg.zeros((), dtype=dtype))
    elif mode == "zero_size":
        yield SampleInput(make((0, 3), noncontiguous=False))
    elif mode == "large":
        yield SampleInput(make(BIG, low=-1, high=2))


def _ix_index_samples(op, dtype, mode, make):
    if mode == "basic":
        x = make((4, 5, 3))
        yield SampleInput(x, [_ix_index((6,), 4, 1)], name="duplicates")
        yield SampleInput(x, [_ix_index((2, 3), 4, 2, low=-4), _ix_index((3,), 5, 3)], name="broadcast, negative")
        yield SampleInput(x, [_ix_mask((4, 5), 4)], name="bool mask")
        yield SampleInput(x.permute([2, 0, 1]), [_ix_index((3,), 3, 5).to(tg.int32)], name="non-contiguous, int32")
        yield SampleInput(x, [_ix_index((0,), 4, 6)], name="empty index")
    elif mode == "zero_dim":
        yield SampleInput(make((3,)), [tg.tensor(1)])
    elif mode == "zero_size":
        yield SampleInput(make((0, 3), noncontiguous=False), [_ix_index((0,), 1, 6)])


def _ix_index_put_samples(op, dtype, mode, make):
    if mode == "basic":
        x = make((4, 5))
        yield SampleInput(x, [_ix_perm_index((3,), 0, 4, 1)], make((3, 5)))
        yield SampleInput(x, [_ix_index((6,), 4, 2)], make((5,)), True, name="duplicates, accumulate, broadcast")
        yield SampleInput(x, [_ix_mask((4, 5), 3)], make(()), name="bool mask, 0-d value")
        yield SampleInput(x, [tg.tensor([-1, 0]), tg.tensor([2, -2])], make((2,)), name="negative, two indices")
        yield SampleInput(x, [_ix_index((0,), 4, 4)], make((5,)), name="empty index")
    elif mode == "zero_dim":
        yield SampleInput(make((3,)), [tg.tensor(1)], make(()))
    elif mode == "zero_size":
        yield SampleInput(make((0, 3), noncontiguous=False), [_ix_index((0,), 1, 6)], make((3,)))


def _ix_stacked(*rows):
    return tg.tensor(np.stack([np.asarray(r, dtype=np.int64) for r in rows]), dtype=tg.int64)


def _ix_stacked_index_samples(op, dtype, mode, make):
    if mode == "basic":
        x = make((4, 5, 3))
        yield SampleInput(x, _ix_stacked([0, 3, 3, -1]), name="duplicates, negative")
        yield SampleInput(x, _ix_stacked([[0, 1], [3, 2]], [[4, 4], [0, -5]]), name="2 indices, 2-d")
        yield SampleInput(x.permute([2, 0, 1]), _ix_stacked([2, 0]), name="non-contiguous")
        yield SampleInput(x, tg.empty([1, 0], dtype=tg.int64), name="empty index")
    elif mode == "large":
        yield SampleInput(make(BIG), _ix_index((1, 200), BIG[0], 7))


def _ix_stacked_index_put_samples(op, dtype, mode, make):
    if mode == "basic":
        x = make((4, 5))
        yield SampleInput(x, _ix_stacked([0, 3, 1]), make((3, 5)), False)
        yield SampleInput(x, _ix_stacked([0, 3, 3, 0], [1, 1, 1, -1]), make((4,)), True, name="duplicates, accumulate")
        yield SampleInput(x, _ix_stacked([2, 0]), make((5, 2)).t(), False, name="non-contiguous values")
        yield SampleInput(x, tg.empty([1, 0], dtype=tg.int64), make((0, 5), noncontiguous=False), True, name="empty index")


def _ix_one_hot_ref(a, num_classes=-1):
    n = int(a.max()) + 1 if num_classes == -1 else num_classes
    return (np.asarray(a)[..., None] == np.arange(n)).astype(np.int64)


def _ix_one_hot_samples(op, dtype, mode, make):
    if mode == "basic":
        yield SampleInput(_ix_index((5,), 4, 1))
        yield SampleInput(_ix_index((2, 3), 3, 2), 5, name="num_classes")
        yield SampleInput(_ix_index((4, 2), 3, 3).t(), name="non-contiguous")
    elif mode == "zero_dim":
        yield SampleInput(tg.tensor(2), 4)
    elif mode == "zero_size":
        yield SampleInput(_ix_index((0,), 1, 4), 3)


def _ix_masked_scatter_ref(a, mask, source):
    ab, mb = np.broadcast_arrays(a, mask)
    out = ab.copy()
    out[mb] = np.asarray(source).reshape(-1)[:int(mb.sum())]
    return out


def _ix_masked_scatter_samples(op, dtype, mode, make):
    if mode == "basic":
        yield SampleInput(make(S), _ix_mask(S, 1), make((12,)))
        yield SampleInput(make(L), _ix_mask((3, 1), 2), make((5, 6)), name="broadcast mask, 2-d source")
        yield SampleInput(make((4, 3)).t(), _ix_mask(S, 3), make((4, 3)).t(), name="non-contiguous")
    elif mode == "zero_dim":
        yield SampleInput(make(()), tg.tensor(True), make((2,)))
    elif mode == "zero_size":
        yield SampleInput(make((0, 3)), _ix_mask((0, 3), 5), make((2,)))


def _ix_bincount_ref(a, weights=None, minlength=0):
    r = np.bincount(a, weights=weights, minlength=minlength)
    if weights is None:
        return r.astype(np.int64)
    return r.astype(np.float32 if weights.dtype == np.float32 else np.float64)


def _ix_bincount_samples(op, dtype, mode, make):
    if mode == "basic" and dtype is not tg.bool and not is_floating(dtype):
        yield SampleInput(make((20,), low=0, high=7))
        yield SampleInput(make((9,), low=0, high=4), minlength=8, name="minlength")
        yield SampleInput(make((9,), low=0, high=4), Maker(op, tg.float32, seed=3)((9,)), name="float32 weights")
        yield SampleInput(make((9,), low=0, high=4), Maker(op, tg.float64, seed=4)((9,)), name="float64 weights")
        yield SampleInput(make((10,), low=0, high=4)[::2], name="non-contiguous")
    elif mode == "basic":
        yield SampleInput(make((4,)), name="not an integer input")  # refused (RuntimeError)
    elif mode == "zero_size" and dtype is tg.int64:
        yield SampleInput(make((0,)), minlength=3)


def _ix_bincount_dtype(op, sample):
    w = sample.args[1] if len(sample.args) > 1 else sample.kwargs.get("weights")
    if w is None:
        return tg.int64
    return tg.float32 if w.dtype is tg.float32 else tg.float64


def _ix_bincount_error(op, sample):
    x = sample.args[0]
    return RuntimeError if x.dtype is tg.bool or is_floating(x.dtype) else None


def _ix_scatter_reduce_ref(a, dim, index, src, reduce, include_self=True):
    """Each element index writes to reduces, in index order, [self's value if include_self] + the
    src values sent to it; mean divides once at the end (rounding down for integers)."""
    out = _ix_1d(a).copy()
    i1, s1 = _ix_1d(index), _ix_1d(src)
    dim %= out.ndim
    groups = {}
    for p in np.ndindex(*i1.shape):
        q = list(p)
        q[dim] = i1[p]
        groups.setdefault(tuple(q), []).append(s1[p])
    with np.errstate(all="ignore"):
        for q, vals in groups.items():
            vals = ([out[q]] if include_self else []) + vals
            acc = vals[0]
            for v in vals[1:]:
                if reduce in ("sum", "mean"):
                    acc = acc + v
                elif reduce == "prod":
                    acc = acc * v
                elif reduce == "amax":
                    acc = max(acc, v)
                else:
                    acc = min(acc, v)
            if reduce == "mean":
                acc = acc / len(vals) if np.issubdtype(out.dtype, np.floating) else np.floor_divide(acc, len(vals))
            out[q] = acc
    return out.reshape(np.shape(a))


def _ix_scatter_reduce_samples(op, dtype, mode, make):
    if mode == "basic":
        x = make((4, 5))
        for reduce in ("sum", "prod", "mean", "amax", "amin"):
            if dtype is tg.bool and reduce == "mean":
                continue
            for include_self in (True, False):
                small = dict(low=-2, high=3) if reduce == "prod" else {}
                yield SampleInput(x, 1, _ix_index((4, 6), 5, 1), make((4, 6), **small), reduce,
                                  include_self=include_self, name=f"{reduce}, include_self={include_self}")
        yield SampleInput(x, 0, _ix_index((3, 5), 4, 2), make((4, 6)), "sum", name="src bigger than index")
        yield SampleInput(x, -1, _ix_index((4, 0), 5, 3), make((4, 0), noncontiguous=False), "amax", name="empty index")
    elif mode == "zero_dim":
        yield SampleInput(make(()), 0, tg.tensor(0), make(()), "sum")


def _ix_sorted(make, shape, dtype):
    a = np.sort(to_numpy(make(shape)), axis=-1)
    return tg.tensor(a).to(dtype)


def _ix_searchsorted_ref(seq, v, out_int32=False, right=False, side=None, sorter=None):
    side = side or ("right" if right else "left")
    dt = np.int32 if out_int32 else np.int64
    if seq.ndim == 1:
        return np.searchsorted(seq, v, side=side, sorter=sorter).astype(dt)
    rows = [np.searchsorted(seq[i], v[i], side=side, sorter=None if sorter is None else sorter[i])
            for i in np.ndindex(*seq.shape[:-1])]
    return np.stack(rows).reshape(v.shape).astype(dt) if rows else np.zeros(v.shape, dt)


def _ix_searchsorted_samples(op, dtype, mode, make):
    if mode == "basic":
        seq = _ix_sorted(make, (7,), dtype)
        yield SampleInput(seq, make((3, 4)))
        yield SampleInput(seq, seq.clone(), right=True, name="values equal to boundaries, right")
        yield SampleInput(seq, seq.clone(), side="right", out_int32=True, name="side='right', out_int32")
        rows = _ix_sorted(make, (2, 3, 6), dtype)
        yield SampleInput(rows, make((2, 3, 4)), name="one sequence per row")
        unsorted = make((2, 3, 6))
        order = tg.tensor(np.argsort(to_numpy(unsorted), axis=-1, kind="stable").astype(np.int64))
        yield SampleInput(unsorted, make((2, 3, 2)), sorter=order, name="sorter")
        yield SampleInput(seq, make((4, 3)).t(), name="non-contiguous values")
    elif mode == "zero_dim":
        yield SampleInput(_ix_sorted(make, (5,), dtype), make(()))
    elif mode == "zero_size":
        yield SampleInput(_ix_sorted(make, (5,), dtype), make((0, 3)))


def _ix_searchsorted_dtype(op, sample):
    return tg.int32 if sample.kwargs.get("out_int32") else tg.int64


def _ix_bucketize_ref(v, boundaries, out_int32=False, right=False):
    return np.searchsorted(boundaries, v, side="right" if right else "left").astype(np.int32 if out_int32 else np.int64)


def _ix_bucketize_samples(op, dtype, mode, make):
    if mode == "basic":
        b = _ix_sorted(make, (6,), dtype)
        yield SampleInput(make((3, 4)), b)
        yield SampleInput(b.clone(), b, right=True, name="values on the boundaries, right")
        yield SampleInput(make((4, 3)).t(), b, out_int32=True, name="non-contiguous, out_int32")
    elif mode == "zero_dim":
        yield SampleInput(make(()), _ix_sorted(make, (6,), dtype))


def _ix_unique_ref(a, sorted=True, return_inverse=False, return_counts=False):
    flat = np.asarray(a).reshape(-1)
    if flat.size and np.issubdtype(flat.dtype, np.floating):
        vals, inv, counts = np.unique(flat, return_inverse=True, return_counts=True, equal_nan=False)
    else:
        vals, inv, counts = np.unique(flat, return_inverse=True, return_counts=True)
    # like PyTorch's _unique2: the outputs not asked for are empty
    inv = inv.reshape(np.shape(a)).astype(np.int64) if return_inverse else np.zeros(0, np.int64)
    return vals, inv, counts.astype(np.int64) if return_counts else np.zeros(0, np.int64)


def _ix_unique_samples(op, dtype, mode, make):
    if mode == "basic":
        yield SampleInput(make((4, 5), low=-3, high=3))
        yield SampleInput(make((5, 4), low=-3, high=3).t(), True, True, True, name="non-contiguous")
        yield SampleInput(make((7,)), False, name="sorted=False (still sorted)")
        yield SampleInput(make((6,), low=-3, high=3), True, True, False, name="inverse only")
        yield SampleInput(make((6,), low=-3, high=3), True, False, True, name="counts only")
        # integers in a range below the element count are counted, not sorted: on several
        # threads for 2^18 elements; the extremes of the dtype take the sorting path
        yield SampleInput(make((1 << 18,), low=0, high=50), True, True, True, name="many, narrow range")
        if dtype != tg.bool and not is_floating(dtype):
            info = np.iinfo(to_numpy(tg.empty(0, dtype=dtype)).dtype)
            yield SampleInput(tg.tensor([info.max, info.min, 0, info.min, 1], dtype=dtype), True, True, True,
                              name="the dtype's extremes")
        if is_floating(dtype):
            yield SampleInput(tg.tensor([2.0, float("nan"), 1.0, float("nan"), 2.0]).to(dtype), name="nans")
    elif mode == "zero_dim":
        yield SampleInput(make(()))
    elif mode == "zero_size":
        yield SampleInput(make((0, 3)))


def _ix_unique_dtype(op, sample):
    return (sample.args[0].dtype, tg.int64, tg.int64)


# -- error inputs

def _ix_i(*vals):
    return tg.tensor(list(vals), dtype=tg.int64)


def _ix_entries_errors():
    x = lambda: _f((3, 4))  # noqa: E731
    return {
        "gather": _errors(
            ("index out of range", lambda: tg.gather(x(), 0, tg.tensor([[5]])), RuntimeError,
             r"\[gather\] index 5 is out of bounds for dimension 0 with size 3"),
            ("negative index", lambda: tg.gather(x(), 1, tg.tensor([[-1]])), RuntimeError, "out of bounds"),
            ("float index", lambda: tg.gather(x(), 0, tg.tensor([[0.0]])), RuntimeError, "int64"),
            ("index with more dims", lambda: tg.gather(x(), 0, _ix_index((1, 1, 1), 1, 0)), RuntimeError,
             "same number of dimensions"),
            ("index bigger than self", lambda: tg.gather(x(), 0, _ix_index((1, 5), 1, 0)), RuntimeError,
             "Size does not match"),
            ("dim out of range", lambda: tg.gather(x(), 2, _ix_index((1, 1), 1, 0)), IndexError),
        ),
        "scatter_": _errors(
            ("index out of range", lambda: x().scatter_(0, tg.tensor([[3]]), 1.0), RuntimeError,
             r"\[scatter_\] index 3 is out of bounds for dimension 0 with size 3"),
            ("float index", lambda: x().scatter_(0, tg.tensor([[0.0]]), _f((1, 1))), RuntimeError, "int64"),
            ("src of another dtype", lambda: x().scatter_(0, _ix_i(0).view(1, 1), _f((1, 1), tg.float64)),
             RuntimeError, "dtype"),
            ("src smaller than index", lambda: x().scatter_(0, _ix_index((2, 2), 3, 0), _f((1, 2))), RuntimeError,
             "smaller"),
            ("bad reduce", lambda: x().scatter_(0, _ix_i(0).view(1, 1), _f((1, 1)), reduce="max"), RuntimeError,
             "add or multiply"),
            ("src overlaps self", lambda: (lambda t: t.scatter_(1, _ix_index((3, 2), 4, 0), t))(x()), RuntimeError,
             "single memory location"),
            ("self with expanded dims", lambda: _f((1, 4)).expand(3, 4).scatter_(0, tg.tensor([[0]]), 1.0),
             RuntimeError, "more than one element"),
        ),
        "scatter": _errors(
            ("index out of range", lambda: tg.scatter(x(), 1, tg.tensor([[4]]), 0), RuntimeError, "out of bounds"),
            ("index with fewer dims", lambda: tg.scatter(x(), 0, _ix_i(0, 1), _f((3, 4))), RuntimeError,
             "same number of dimensions"),
        ),
        "scatter_add_": _errors(
            ("index out of range", lambda: x().scatter_add_(0, tg.tensor([[-1]]), _f((1, 1))), RuntimeError,
             r"\[scatter_add_\] index -1 is out of bounds for dimension 0 with size 3"),
            ("src of another dtype", lambda: x().scatter_add_(0, tg.tensor([[0]]), _f((1, 1), tg.int64)), RuntimeError),
        ),
        "scatter_add": _errors(
            ("index out of range", lambda: tg.scatter_add(x(), 0, tg.tensor([[3]]), _f((1, 1))), RuntimeError,
             "out of bounds"),
        ),
        "index_select": _errors(
            ("index out of range", lambda: tg.index_select(x(), 0, _ix_i(0, 5)), IndexError,
             r"\[index_select\] index 5 is out of bounds for dimension 0 with size 3"),
            ("negative index", lambda: tg.index_select(x(), 0, _ix_i(-1)), IndexError, "out of bounds"),
            ("2-d index", lambda: tg.index_select(x(), 0, _ix_index((1, 1), 1, 0)), IndexError, "vector"),
            ("float index", lambda: tg.index_select(x(), 0, tg.tensor([0.0])), RuntimeError, "int32 or int64"),
            ("out= of another dtype", lambda: tg.index_select(x(), 0, _ix_i(0), out=tg.empty(0, dtype=tg.float64)),
             RuntimeError),
            ("out= overlaps self", lambda: (lambda t: tg.index_select(t, 0, _ix_i(0, 1, 2), out=t))(x()),
             RuntimeError, "single memory location"),
        ),
        "index_add_": _errors(
            ("index out of range", lambda: x().index_add_(0, _ix_i(3), _f((1, 4))), IndexError,
             r"\[index_add_\] index 3 is out of bounds"),
            ("source of another dtype", lambda: x().index_add_(0, _ix_i(0), _f((1, 4), tg.float64)), RuntimeError,
             "same scalar type"),
            ("source size differs from index", lambda: x().index_add_(0, _ix_i(0, 1), _f((1, 4))), RuntimeError,
             "Number of indices"),
            ("source of another shape", lambda: x().index_add_(0, _ix_i(0), _f((1, 5))), RuntimeError),
        ),
        "index_add": _errors(
            ("index out of range", lambda: tg.index_add(x(), 1, _ix_i(4), _f((3, 1))), IndexError, "out of bounds"),
        ),
        "index_copy_": _errors(
            ("index out of range", lambda: x().index_copy_(1, _ix_i(-1), _f((3, 1))), IndexError,
             r"\[index_copy_\] index -1 is out of bounds"),
            ("int32 index", lambda: x().index_copy_(0, _ix_i(0).to(tg.int32), _f((1, 4))), RuntimeError, "int64"),
        ),
        "index_copy": _errors(
            ("index out of range", lambda: tg.index_copy(x(), 0, _ix_i(7), _f((1, 4))), IndexError, "out of bounds"),
        ),
        "index_fill_": _errors(
            ("index out of range", lambda: x().index_fill_(0, _ix_i(-4), 1.0), IndexError,
             r"\[index_fill_\] index -4 is out of bounds for dimension 0 with size 3"),
            ("float index", lambda: x().index_fill_(0, tg.tensor([0.0]), 1.0), IndexError, "int64"),
        ),
        "index_fill": _errors(
            ("index out of range", lambda: tg.index_fill(x(), 1, _ix_i(4), 1.0), IndexError, "out of bounds"),
        ),
        "masked_fill": _errors(
            ("float mask", lambda: x().masked_fill(_f((3, 4)), 1.0), RuntimeError, "boolean"),
            ("1-d value tensor", lambda: x().masked_fill(_ix_mask((3, 4), 0), _f((2,))), RuntimeError, "0-dimensional"),
            ("mask doesn't broadcast", lambda: x().masked_fill(_ix_mask((2, 4), 0), 1.0), RuntimeError),
            ("in-place, mask bigger than self", lambda: x().masked_fill_(_ix_mask((2, 3, 4), 0), 1.0), RuntimeError),
        ),
        "take": _errors(
            ("index out of range", lambda: tg.take(x(), _ix_i(12)), IndexError,
             r"\[take\] out of range: tried to access index 12 on a tensor of 12 elements"),
            ("negative index out of range", lambda: tg.take(x(), _ix_i(-13)), IndexError, "-13"),
            ("int64 extremes", lambda: tg.take(x(), tg.tensor([0, 2**63 - 1, -2**63])), IndexError, "-9223372036854775808"),
            ("one bad index deep in a long index (checked across threads)",
             lambda: tg.take(x(), tg.tensor([3] * 100000 + [12] + [5] * 100000)), IndexError, "access index 12 "),
            ("float index", lambda: tg.take(x(), tg.tensor([0.0])), RuntimeError, "long"),
        ),
        "masked_select": _errors(
            ("float mask", lambda: tg.masked_select(x(), _f((3, 4))), RuntimeError, "BoolTensor"),
            ("mask doesn't broadcast", lambda: tg.masked_select(x(), _ix_mask((2, 4), 0)), RuntimeError),
        ),
        "nonzero": _errors(
            ("Python number", lambda: tg.nonzero(3), TypeError),
        ),
        "argwhere": _errors(
            ("Python number", lambda: tg.argwhere(3), TypeError),
        ),
        "index": _errors(
            ("index out of range", lambda: tg.index(x(), [_ix_i(3)]), IndexError,
             r"index 3 is out of bounds for dimension 0 with size 3"),
            ("float index", lambda: tg.index(x(), [tg.tensor([0.0])]), IndexError, "long, int, byte or bool"),
            ("too many indices", lambda: tg.index(x(), [_ix_i(0)] * 3), IndexError, "too many indices"),
            ("indices don't broadcast", lambda: tg.index(x(), [_ix_i(0, 1), _ix_i(0, 1, 2)]), IndexError,
             "shape mismatch"),
            ("mask of the wrong shape", lambda: tg.index(x(), [_ix_mask((4,), 0)]), IndexError, "shape of the mask"),
        ),
        "index_put_": _errors(
            ("index out of range", lambda: x().index_put_([_ix_i(-4)], _f(())), IndexError, "out of bounds"),
            ("values of another dtype", lambda: x().index_put_([_ix_i(0)], _f((4,), tg.float64)), RuntimeError,
             "dtypes match"),
            ("values don't broadcast", lambda: x().index_put_([_ix_i(0, 1)], _f((3, 4))), RuntimeError,
             "shape mismatch"),
            ("values overlap self", lambda: (lambda t: t.index_put_([_ix_i(0)], t[1]))(x()), RuntimeError,
             "single memory location"),
        ),
        "index_put": _errors(
            ("index out of range", lambda: tg.index_put(x(), [_ix_i(0), _ix_i(4)], _f(())), IndexError,
             "out of bounds for dimension 1 with size 4"),
        ),
        "_index": _errors(
            ("index out of range", lambda: tg._C._index(x(), _ix_stacked([3])), IndexError, "out of bounds"),
            ("int32 stacked index", lambda: tg._C._index(x(), _ix_stacked([0]).to(tg.int32)), RuntimeError, "int64"),
        ),
        "_index_put_": _errors(
            ("index out of range", lambda: tg._C._index_put_(x(), _ix_stacked([0], [9]), _f((1,)), False), IndexError,
             "out of bounds"),
            ("values of the wrong shape", lambda: tg._C._index_put_(x(), _ix_stacked([0]), _f((4,)), False),
             RuntimeError, "values must be"),
        ),
        "one_hot": _errors(
            ("class out of range", lambda: tg.one_hot(_ix_i(0, 3), 3), RuntimeError, "smaller than num_classes"),
            ("negative class", lambda: tg.one_hot(_ix_i(-1, 2)), RuntimeError, "non-negative"),
            ("int32 input", lambda: tg.one_hot(_ix_i(1).to(tg.int32)), RuntimeError, "int64"),
            ("empty input, num_classes=-1", lambda: tg.one_hot(_ix_i()), RuntimeError, "empty"),
        ),
        "masked_scatter": _errors(
            ("source too small", lambda: x().masked_scatter(tg.ones(3, 4, dtype=tg.bool), _f((5,))), RuntimeError,
             "Number of elements of source"),
            ("float mask", lambda: x().masked_scatter(_f((3, 4)), _f((12,))), RuntimeError, "boolean"),
            ("source of another dtype", lambda: x().masked_scatter(_ix_mask((3, 4), 0), _f((12,), tg.float64)),
             RuntimeError, "dtype"),
        ),
        "bincount": _errors(
            ("negative value", lambda: tg.bincount(_ix_i(0, -1)), RuntimeError, "non-negative"),
            ("2-d input", lambda: tg.bincount(_ix_index((2, 2), 2, 0)), RuntimeError, "1-d"),
            ("weights of another length", lambda: tg.bincount(_ix_i(0, 1), _f((3,))), RuntimeError, "same length"),
            ("negative minlength", lambda: tg.bincount(_ix_i(0), minlength=-1), RuntimeError, "minlength"),
        ),
        "scatter_reduce": _errors(
            ("index out of range", lambda: tg.scatter_reduce(x(), 0, tg.tensor([[3]]), _f((1, 1)), "sum"), RuntimeError,
             r"\[scatter_reduce_\] index 3 is out of bounds for dimension 0 with size 3"),
            ("bad reduce", lambda: tg.scatter_reduce(x(), 0, tg.tensor([[0]]), _f((1, 1)), "max"), RuntimeError,
             "sum, prod, mean, amax or amin"),
            ("src of another dtype", lambda: tg.scatter_reduce(x(), 0, tg.tensor([[0]]), _f((1, 1), tg.int64), "sum"),
             RuntimeError, "dtype"),
        ),
        "scatter_reduce_": _errors(
            ("index out of range", lambda: x().scatter_reduce_(1, tg.tensor([[-1]]), _f((1, 1)), "amin"), RuntimeError,
             "out of bounds"),
            ("float index", lambda: x().scatter_reduce_(1, tg.tensor([[0.0]]), _f((1, 1)), "amin"), RuntimeError,
             "int64"),
        ),
        "searchsorted": _errors(
            ("dtypes differ", lambda: tg.searchsorted(_f((5,)), _f((3,), tg.float64)), RuntimeError, "same dtype"),
            ("leading dims differ", lambda: tg.searchsorted(_f((2, 5)), _f((3, 2))), RuntimeError, "must match"),
            ("side and right disagree", lambda: tg.searchsorted(_f((5,)), _f((3,)), right=True, side="left"),
             RuntimeError, "opposites"),
            ("bad side", lambda: tg.searchsorted(_f((5,)), _f((3,)), side="middle"), RuntimeError, "left' or 'right"),
            ("sorter out of range", lambda: tg.searchsorted(_f((3,)), _f((2,)), sorter=_ix_i(0, 1, 7)), RuntimeError,
             "sorter index out of range"),
            ("sorter of another shape", lambda: tg.searchsorted(_f((3,)), _f((2,)), sorter=_ix_i(0, 1)), RuntimeError,
             "same size"),
            ("0-d boundaries", lambda: tg.searchsorted(_f(()), _f((2,))), RuntimeError, "at least 1 dimension"),
        ),
        "bucketize": _errors(
            ("2-d boundaries", lambda: tg.bucketize(_f((3,)), _f((2, 2))), RuntimeError, "1 dimension"),
        ),
        "_unique2": _errors(
            ("Python number", lambda: tg._C._unique2(3), TypeError),
            ("dim=", lambda: tg.unique(_f((2, 2)), dim=0), NotImplementedError, "dim"),
        ),
    }


class _IxInplaceOpInfo(OpInfo):
    """An in-place index op (scatter_, index_add_ ...) whose reference needs self's values from
    before the write: the matrix calls it on a copy of self (its own return of self and mutation
    of self are checked in tests/test_indexing.py)."""

    def call(self, sample, variant, out=None):
        args = list(sample.args)
        if args and isinstance(args[0], tg.Tensor):
            args[0] = args[0].clone()
        return super().call(SampleInput(*args, name=sample.name, **sample.kwargs), variant, out)


def entries():
    errs = _ix_entries_errors()
    self_dt = dict(result_dtype=_ix_self_dtype, compute_dtype=_ix_self_dtype)
    half_tol = {tg.float16: (1e-2, 1e-2), tg.bfloat16: (5e-2, 5e-2)}

    def scatter_samples(functional):
        return lambda op, dtype, mode, make: _ix_scatter_samples(op, dtype, mode, make, functional)

    out = [
        OpInfo("gather", ref=_ix_gather_ref, sample_inputs=_ix_gather_samples, error_inputs=errs["gather"],
               out_dtype_exact=True, **self_dt),
        _IxInplaceOpInfo("scatter_", ref=_ix_scatter_ref, sample_inputs=scatter_samples(False), tol=half_tol,
                         error_inputs=errs["scatter_"], **self_dt),
        OpInfo("scatter", ref=_ix_scatter_ref, sample_inputs=scatter_samples(True), tol=half_tol,
               error_inputs=errs["scatter"], **self_dt),
        _IxInplaceOpInfo("scatter_add_", ref=_ix_scatter_add_ref, sample_inputs=_ix_scatter_add_samples,
                         tol=half_tol, error_inputs=errs["scatter_add_"], **self_dt),
        OpInfo("scatter_add", ref=_ix_scatter_add_ref, sample_inputs=_ix_scatter_add_samples, tol=half_tol,
               error_inputs=errs["scatter_add"], **self_dt),
        OpInfo("index_select", ref=_ix_index_select_ref, sample_inputs=_ix_index_select_samples,
               error_inputs=errs["index_select"], out_dtype_exact=True, **self_dt),
        _IxInplaceOpInfo("index_add_", ref=_ix_index_add_ref, sample_inputs=_ix_index_add_samples, tol=half_tol,
                         error_inputs=errs["index_add_"], **self_dt),
        OpInfo("index_add", ref=_ix_index_add_ref, sample_inputs=_ix_index_add_samples, tol=half_tol,
               error_inputs=errs["index_add"], **self_dt),
        _IxInplaceOpInfo("index_copy_", ref=_ix_index_copy_ref, sample_inputs=_ix_index_copy_samples,
                         error_inputs=errs["index_copy_"], **self_dt),
        OpInfo("index_copy", ref=_ix_index_copy_ref, sample_inputs=_ix_index_copy_samples,
               error_inputs=errs["index_copy"], **self_dt),
        _IxInplaceOpInfo("index_fill_", ref=_ix_index_fill_ref, sample_inputs=_ix_index_fill_samples,
                         error_inputs=errs["index_fill_"], **self_dt),
        OpInfo("index_fill", ref=_ix_index_fill_ref, sample_inputs=_ix_index_fill_samples,
               error_inputs=errs["index_fill"], **self_dt),
        OpInfo("masked_fill", ref=_ix_masked_fill_ref, sample_inputs=_ix_masked_fill_samples,
               error_inputs=errs["masked_fill"], **self_dt),
        OpInfo("take", ref=_ix_take_ref, sample_inputs=_ix_take_samples, error_inputs=errs["take"], **self_dt),
        OpInfo("masked_select", ref=_ix_masked_select_ref, sample_inputs=_ix_masked_select_samples,
               error_inputs=errs["masked_select"], **self_dt),
        OpInfo("nonzero", ref=_ix_nonzero_ref, sample_inputs=_ix_nonzero_samples, error_inputs=errs["nonzero"],
               result_dtype=_ix_int64, compute_dtype=_ix_self_dtype),
        OpInfo("argwhere", ref=_ix_nonzero_ref, sample_inputs=_ix_nonzero_samples, error_inputs=errs["argwhere"],
               result_dtype=_ix_int64, compute_dtype=_ix_self_dtype),
        OpInfo("index", ref=_ix_index_ref, sample_inputs=_ix_index_samples, error_inputs=errs["index"], **self_dt),
        _IxInplaceOpInfo("index_put_", ref=_ix_index_put_ref, sample_inputs=_ix_index_put_samples, tol=half_tol,
                         error_inputs=errs["index_put_"], **self_dt),
        OpInfo("index_put", ref=_ix_index_put_ref, sample_inputs=_ix_index_put_samples, tol=half_tol,
               error_inputs=errs["index_put"], **self_dt),
        OpInfo("_index", ref=_ix_stacked_index_ref, sample_inputs=_ix_stacked_index_samples,
               error_inputs=errs["_index"], **self_dt),
        _IxInplaceOpInfo("_index_put_", ref=_ix_stacked_index_put_ref, sample_inputs=_ix_stacked_index_put_samples,
                         tol=half_tol, error_inputs=errs["_index_put_"], **self_dt),
        OpInfo("one_hot", ref=_ix_one_hot_ref, sample_inputs=_ix_one_hot_samples, error_inputs=errs["one_hot"],
               result_dtype=_ix_int64, compute_dtype=_ix_int64),
        OpInfo("masked_scatter", ref=_ix_masked_scatter_ref, sample_inputs=_ix_masked_scatter_samples,
               error_inputs=errs["masked_scatter"], **self_dt),
        OpInfo("bincount", ref=_ix_bincount_ref, sample_inputs=_ix_bincount_samples, error_inputs=errs["bincount"],
               result_dtype=_ix_bincount_dtype, compute_dtype=_ix_bincount_dtype, expected_error=_ix_bincount_error),
        OpInfo("scatter_reduce", ref=_ix_scatter_reduce_ref, sample_inputs=_ix_scatter_reduce_samples,
               tol=half_tol, error_inputs=errs["scatter_reduce"], **self_dt),
        _IxInplaceOpInfo("scatter_reduce_", ref=_ix_scatter_reduce_ref, sample_inputs=_ix_scatter_reduce_samples,
                         tol=half_tol, error_inputs=errs["scatter_reduce_"], **self_dt),
        OpInfo("searchsorted", ref=_ix_searchsorted_ref, sample_inputs=_ix_searchsorted_samples, dtypes=NUMERIC,
               error_inputs=errs["searchsorted"], result_dtype=_ix_searchsorted_dtype,
               compute_dtype=lambda op, s: s.args[0].dtype, out_dtype_exact=True),
        OpInfo("bucketize", ref=_ix_bucketize_ref, sample_inputs=_ix_bucketize_samples, dtypes=NUMERIC,
               error_inputs=errs["bucketize"], result_dtype=_ix_searchsorted_dtype, compute_dtype=_ix_self_dtype),
        OpInfo("_unique2", ref=_ix_unique_ref, sample_inputs=_ix_unique_samples, error_inputs=errs["_unique2"],
               result_dtype=_ix_unique_dtype, compute_dtype=_ix_self_dtype),
    ]
    return out



