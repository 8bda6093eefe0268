"""Views and reshapes: results that share storage with their input."""
from __future__ import annotations

import builtins

import numpy as np

import tensorgen as tg
from tensorgen.testing.opinfo.core import *  # noqa: F403  (the vocabulary of entries: OpInfo, SampleInput, _f, S, ...)


def _view_entry(name, ref, samples, errors, shares=True):
    def gen(op, dtype, mode, make):
        for s in samples(op, dtype, mode, make):
            x = s.args[0]
            # a view op always aliases its input; a composite one (reshape, flatten) does when it can
            s.shares_storage = shares or x.is_contiguous()
            yield s
    return OpInfo(name, ref=ref, sample_inputs=gen, compute_dtype=lambda op, s: s.args[0].dtype,
                  result_dtype=lambda op, s: s.args[0].dtype, error_inputs=_errors(*errors))

def _view_ref(a, size):
    return a.reshape(size)


def _expand_ref(a, *size):
    size = list(size[0]) if len(size) == 1 and isinstance(size[0], (list, tuple)) else list(size)
    lead = len(size) - a.ndim
    full = [a.shape[i - lead] if s == -1 else s for i, s in enumerate(size)]
    return np.broadcast_to(a, full)


def _squeeze_ref(a, dim=None):
    if a.ndim == 0:
        return a
    if dim is None:
        return np.squeeze(a)
    dims = dim if isinstance(dim, (list, tuple)) else (dim,)
    dims = {d % a.ndim for d in dims}
    return a.reshape([s for i, s in enumerate(a.shape) if not (i in dims and s == 1)])


def _flatten_ref(a, start_dim=0, end_dim=-1):
    if a.ndim == 0:
        return a.reshape(1)
    s, e = start_dim % a.ndim, end_dim % a.ndim
    return a.reshape(a.shape[:s] + (-1,) + a.shape[e + 1:]) if a.size else \
        a.reshape(a.shape[:s] + (int(np.prod(a.shape[s:e + 1])),) + a.shape[e + 1:])


def _narrow_ref(a, dim, start, length):
    start = start % a.shape[dim] if start < 0 else start
    idx = [builtins.slice(None)] * a.ndim
    idx[dim] = builtins.slice(start, start + length)
    return a[tuple(idx)]


def _slice_ref(a, dim=0, start=None, end=None, step=1):
    idx = [builtins.slice(None)] * a.ndim
    idx[dim] = builtins.slice(start, end, step)
    return a[tuple(idx)]


def _as_strided_samples(op, dtype, mode, make):
    if mode == "basic":
        x = make((3, 4), noncontiguous=False)
        yield SampleInput(x, [2, 2], [1, 2])
        yield SampleInput(x, [3, 3], [4, 1], 1)
        yield SampleInput(x, [4, 3], [1, 4])                         # the transpose
        yield SampleInput(x, [2, 3], [0, 1], storage_offset=2)       # a stride 0
    elif mode == "zero_dim":
        yield SampleInput(make((3, 4), noncontiguous=False), [], [], 5)
    elif mode == "zero_size":
        yield SampleInput(make((3, 4), noncontiguous=False), [0, 2], [1, 1])


def _as_strided_ref(a, size, stride, storage_offset=0):
    flat = np.ascontiguousarray(a).reshape(-1)[storage_offset:]
    return np.lib.stride_tricks.as_strided(flat, shape=size, strides=[s * flat.itemsize for s in stride]).copy()


def entries():
    out = []
    out.append(_view_entry("view", _view_ref, _shape_samples({
        "basic": [(L, ([6, 4],), {}), (L, ([-1],), {}), (L, ([2, -1, 2],), {}), (S, ((4, 3),), {}),
                  (S, ([3, 2, 2],), {})],
        "zero_dim": [((), ([],), {}), ((), ([1],), {}), ((1,), ([],), {}), ((), ([1, 1],), {})],
        "zero_size": [((0, 3), ([3, 0],), {}), ((0, 3), ([-1],), {}), ((2, 0), ([0, 5, 7],), {})],
    }), [
        ("wrong number of elements", lambda: _f().view([5]), RuntimeError, "invalid for input of size"),
        ("two -1", lambda: _f().view([-1, -1]), RuntimeError),
        ("not viewable (transposed)", lambda: _f().t().view([12]), RuntimeError, "reshape"),
        ("size is a string", lambda: _f().view("ab"), TypeError),
    ]))
    out.append(_view_entry("reshape", _view_ref, _shape_samples({
        "basic": [(L, ([6, 4],), {}), (L, ([-1],), {}), (S, ([2, 2, 3],), {}), (S, ((12,),), {})],
        "zero_dim": [((), ([],), {}), ((), ([1, 1],), {})],
        "zero_size": [((0, 3), ([3, 0],), {}), ((0, 3), ([-1],), {})],
    }), [
        ("wrong number of elements", lambda: _f().reshape([5]), RuntimeError),
        ("two -1", lambda: _f().reshape([-1, -1]), RuntimeError, "only one dimension"),
        ("negative size", lambda: _f().reshape([-2, 6]), RuntimeError),
    ], shares=False))
    out.append(_view_entry("as_strided", _as_strided_ref, _as_strided_samples, [
        ("out of the storage", lambda: _f().as_strided([10], [10]), RuntimeError, "out of bounds"),
        ("sizes and strides of different lengths", lambda: _f().as_strided([2, 2], [1]), RuntimeError),
        ("negative storage offset", lambda: _f().as_strided([2], [1], -1), RuntimeError),
    ]))
    out.append(_view_entry("transpose", lambda a, d0, d1: np.swapaxes(a, d0, d1) if a.ndim else a, _shape_samples({
        "basic": [(L, (0, 2), {}), (L, (-1, 0), {}), (S, (0, 1), {}), (S, (1, 1), {})],
        "zero_dim": [((), (0, 0), {}), ((), (-1, 0), {})],
        "zero_size": [((0, 3), (0, 1), {})],
    }), [
        ("dim out of range", lambda: _f().transpose(0, 5), IndexError, r"\[transpose\]"),
        ("missing dim", lambda: _f().transpose(0), TypeError),
    ]))
    out.append(_view_entry("t", lambda a: a.T, _shape_samples({
        "basic": [(S, (), {}), ((4,), (), {}), ((1, 5), (), {})],
        "zero_dim": [((), (), {})],
        "zero_size": [((0, 3), (), {})],
    }), [
        ("3-D input", lambda: _f(L).t(), RuntimeError, "<= 2"),
    ]))
    out.append(_view_entry("permute", lambda a, dims: np.transpose(a, dims), _shape_samples({
        "basic": [(L, ([2, 0, 1],), {}), (L, ((1, 2, 0),), {}), (S, ([1, 0],), {}), (L, ([-1, 0, 1],), {})],
        "zero_dim": [((), ([],), {})],
        "zero_size": [((0, 3), ([1, 0],), {})],
    }), [
        ("wrong number of dims", lambda: _f().permute([0]), RuntimeError, "number of dims"),
        ("repeated dim", lambda: _f().permute([0, 0]), RuntimeError, "repeated"),
        ("dim out of range", lambda: _f().permute([0, 2]), IndexError),
    ]))
    out.append(_view_entry("expand", _expand_ref, _shape_samples({
        "basic": [((3, 1), ([3, 4],), {}), ((4,), ([2, 3, 4],), {}), ((3, 1), ([-1, 4],), {}),
                  (S, (3, 4), {}), ((1, 3, 1), ([2, 3, 5],), {})],
        "zero_dim": [((), ([2, 3],), {}), ((), ([],), {})],
        "zero_size": [((1,), ([0],), {}), ((0, 1), ([0, 4],), {})],
    }), [
        ("non-singleton dim changes", lambda: _f().expand([3, 5]), RuntimeError, "must match"),
        ("fewer dims", lambda: _f().expand([4]), RuntimeError),
        ("-1 in a new leading dim", lambda: _f().expand([-1, 3, 4]), RuntimeError),
    ]))

    def expand_as_samples(op, dtype, mode, make):
        if mode == "basic":
            yield SampleInput(make((3, 1)), make(S))
            yield SampleInput(make((4,)), Maker(op, tg.float64)(L))
        elif mode == "zero_dim":
            yield SampleInput(make(()), make(S))
        elif mode == "zero_size":
            yield SampleInput(make((1, 3)), make((0, 3)))
    out.append(_view_entry("expand_as", lambda a, b: np.broadcast_to(a, b.shape), expand_as_samples, [
        ("shapes incompatible", lambda: _f().expand_as(_f((3, 5))), RuntimeError),
        ("other is a number", lambda: _f().expand_as(3), TypeError),
    ]))
    out.append(_view_entry("squeeze", _squeeze_ref, _shape_samples({
        "basic": [((1, 3, 1, 4), (), {}), ((1, 3, 1, 4), (0,), {}), ((1, 3, 1, 4), (2,), {}),
                  ((1, 3, 1, 4), ((0, 2),), {}), ((1, 3, 1, 4), (1,), {}), ((1, 3, 1, 4), (), {"dim": -2})],
        "zero_dim": [((), (), {}), ((), (0,), {})],
        "zero_size": [((0, 1), (), {}), ((1, 0), (0,), {})],
    }), [
        ("dim out of range", lambda: _f().squeeze(5), IndexError, r"\[squeeze\]"),
    ]))
    out.append(_view_entry("unsqueeze", lambda a, dim: np.expand_dims(a, dim), _shape_samples({
        "basic": [(S, (0,), {}), (S, (-1,), {}), (S, (1,), {}), (L, (), {"dim": 3})],
        "zero_dim": [((), (0,), {}), ((), (-1,), {})],
        "zero_size": [((0, 3), (1,), {})],
    }), [
        ("dim out of range", lambda: _f().unsqueeze(5), IndexError, r"\[unsqueeze\]"),
        ("missing dim", lambda: _f().unsqueeze(), TypeError),
    ]))
    out.append(_view_entry("flatten", _flatten_ref, _shape_samples({
        "basic": [(L, (), {}), (L, (1,), {}), (L, (0, 1), {}), (S, (), {"start_dim": 1}), (L, (-2, -1), {})],
        "zero_dim": [((), (), {})],
        "zero_size": [((0, 3), (), {}), ((2, 0, 3), (1,), {})],
    }), [
        ("start_dim after end_dim", lambda: _f().flatten(1, 0), RuntimeError, "start_dim"),
        ("dim out of range", lambda: _f().flatten(0, 5), IndexError),
    ], shares=False))
    out.append(_view_entry("narrow", _narrow_ref, _shape_samples({
        "basic": [(S, (0, 1, 2), {}), (S, (1, 0, 3), {}), (S, (-1, 2, 2), {}), (L, (2, -3, 2), {})],
        "zero_size": [(S, (0, 1, 0), {}), ((0, 3), (1, 1, 2), {})],
    }), [
        ("past the end", lambda: _f().narrow(1, 2, 3), RuntimeError, "exceeds"),
        ("0-d input", lambda: tg.tensor(1.0).narrow(0, 0, 1), RuntimeError, "0-dim"),
        ("negative length", lambda: _f().narrow(0, 0, -1), RuntimeError),
    ]))
    out.append(_view_entry("select", lambda a, dim, index: np.take(a, index, axis=dim), _shape_samples({
        "basic": [(L, (0, 1), {}), (L, (2, -1), {}), (S, (1, 3), {}), ((4,), (0, 2), {})],
        "zero_size": [((3, 0), (0, 1), {})],
    }), [
        ("index out of range", lambda: _f().select(0, 5), IndexError, "out of bounds"),
        ("0-d input", lambda: tg.tensor(1.0).select(0, 0), IndexError),
        ("dim out of range", lambda: _f().select(2, 0), IndexError),
    ]))
    out.append(_view_entry("slice", _slice_ref, _shape_samples({
        "basic": [(S, (0, 1, 3), {}), (S, (1, None, None, 2), {}), (S, (1, -3, None), {}), (S, (0, 0, 10), {}),
                  (L, (), {"dim": 2, "start": 1, "step": 2}), (S, (), {})],
        "zero_size": [(S, (0, 5, 10), {}), (S, (1, 3, 1), {})],
    }), [
        ("step 0", lambda: _f().slice(0, 0, 2, 0), ValueError, "step"),
        ("negative step", lambda: _f().slice(0, None, None, -1), ValueError, "step"),
        ("dim out of range", lambda: _f().slice(3), IndexError),
    ]))
    out += _tensor_list_entries()
    return out



def _tensor_list_entries():
    """unbind: Tensor(a)[] (a tuple of select views)."""
    out = []
    # -- unbind: Tensor(a)[] (a tuple of select views).
    def unbind_ref(a, dim=0):
        return tuple(np.moveaxis(a, dim, 0))

    out.append(_view_entry("unbind", unbind_ref, _shape_samples({
        "basic": [(S, (), {}), (S, (1,), {}), (L, (-1,), {}), (L, (), {"dim": 1})],
        "zero_size": [((0, 3), (1,), {}), ((0, 3), (0,), {})],
    }), [
        ("0-d input", lambda: tg.unbind(tg.tensor(1.0)), IndexError, "no dimensions"),
        ("dim out of range", lambda: tg.unbind(_f(), 2), IndexError, r"\[unbind\]"),
        ("dim is a list", lambda: tg.unbind(_f(), [0]), TypeError),
    ]))
    return out
    return out
