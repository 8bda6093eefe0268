"""Sorting and selection: sort, argsort, msort, topk, kthvalue, median, mode (+ their backward helpers)."""
from __future__ import annotations

import builtins  # noqa: F401
import math  # noqa: F401

import numpy as np

import tensorgen as tg
from tensorgen.testing._utils import _maybe_noncontiguous  # noqa: F401
from tensorgen.testing.opinfo.core import *  # noqa: F403  (the vocabulary of entries: OpInfo, SampleInput, _f, S, ...)


def entries():
    """sort (and sort.stable), argsort, msort, topk, kthvalue, median, mode, and the backward helpers
    of sort/topk (_gather_along_dim, _scatter_add_along_dim). References: NumPy's stable sort, with
    PyTorch's rules on top (NaN largest; descending keeps equal values in index order; topk, kthvalue
    and median pick what the stable sort puts at their place; mode: the smallest most frequent value,
    index of its last occurrence). Samples named "ties" (duplicates) and "ieee specials" (nan, +-inf,
    +-0) are left out of gradcheck."""

    def stable_argsort(a, axis, descending=False):
        if a.ndim == 0:
            return np.zeros((), dtype=np.int64)
        if not descending:
            return np.argsort(a, axis=axis, kind="stable").astype(np.int64)
        # a stable descending sort: the stable ascending sort of the reversed line, read backwards
        n = a.shape[axis]
        rev = np.argsort(np.flip(a, axis), axis=axis, kind="stable")
        return (n - 1 - np.flip(rev, axis)).astype(np.int64)

    def take(a, idx, axis):
        return a.copy() if a.ndim == 0 else np.take_along_axis(a, idx, axis)

    def first_k(idx, axis, start, count):
        if idx.ndim == 0:
            return idx
        sl = [builtins.slice(None)] * idx.ndim
        sl[axis] = builtins.slice(start, start + count)
        return idx[tuple(sl)]

    def sort_ref(a, dim=-1, descending=False, stable=None):
        idx = stable_argsort(a, dim, descending)
        return take(a, idx, dim), idx

    def argsort_ref(a, dim=-1, descending=False, stable=False):
        return stable_argsort(a, dim, descending)

    def msort_ref(a):
        return sort_ref(a, 0)[0]

    def topk_ref(a, k, dim=-1, largest=True, sorted=True):
        idx = first_k(stable_argsort(a, dim, largest), dim, 0, k)
        return take(a, idx, dim), idx

    def squeeze_unless(x, axis, keepdim):
        return x if keepdim or x.ndim == 0 else np.squeeze(x, axis)

    def kthvalue_ref(a, k, dim=-1, keepdim=False):
        idx = first_k(stable_argsort(a, dim), dim, k - 1, 1)
        return squeeze_unless(take(a, idx, dim), dim, keepdim), squeeze_unless(idx, dim, keepdim)

    def median_ref(a, dim=None, keepdim=False):
        if dim is None:
            flat = a.reshape(-1)
            if flat.size == 0:
                return np.array(np.nan)
            return median_ref(flat, 0)[0].reshape(())
        if a.ndim == 0:
            return a.copy(), np.int64(0)
        n = a.shape[dim]
        idx = first_k(stable_argsort(a, dim), dim, (n - 1) // 2, 1)
        if a.dtype.kind == "f":  # a NaN propagates: the first one is the median
            nan = np.isnan(a)
            idx = np.where(nan.any(axis=dim, keepdims=True), np.argmax(nan, axis=dim, keepdims=True), idx)
        return squeeze_unless(take(a, idx, dim), dim, keepdim), squeeze_unless(idx, dim, keepdim)

    def mode_ref(a, dim=-1, keepdim=False):
        if a.ndim == 0:
            return a.copy(), np.int64(0)
        moved = np.moveaxis(a, dim, -1)
        rows = moved.reshape(-1, moved.shape[-1])
        best = np.zeros(rows.shape[0], dtype=np.int64)
        for r, row in enumerate(rows):
            order = stable_argsort(row, 0)
            vals = row[order]
            same = (vals[1:] == vals[:-1])
            if vals.dtype.kind == "f":
                same |= np.isnan(vals[1:]) & np.isnan(vals[:-1])
            best_count, start = 0, 0
            for end in range(1, len(vals) + 1):
                if end == len(vals) or not same[end - 1]:
                    if end - start > best_count:
                        best_count, best[r] = end - start, order[end - 1]
                    start = end
        idx = np.expand_dims(best.reshape(moved.shape[:-1]), dim)
        return squeeze_unless(take(a, idx, dim), dim, keepdim), squeeze_unless(idx, dim, keepdim)

    def gather_ref(a, dim, index):
        return np.take_along_axis(a, index, dim) if a.ndim else a[()] * np.ones(index.shape, a.dtype)

    def scatter_add_ref(src, dim, index, sizes):
        out = np.zeros(sizes, dtype=np.float64)
        if len(sizes) == 0:
            return (out + src).astype(src.dtype)
        grid = list(np.indices(index.shape))
        grid[dim] = index
        np.add.at(out, tuple(grid), src.astype(np.float64))
        return out.astype(src.dtype)

    def ties(shape, dtype, seed):
        """Values from a small set: many duplicates (stable order, mode, median among equals)."""
        a = np.random.default_rng(seed).integers(0, 3, size=shape)
        return tg.tensor(a.astype(np.bool_) if dtype is tg.bool else a, dtype=dtype)

    LONG = 2500  # past the CPU's radix-sort threshold

    def line_samples(extra):
        """Samples for the ops taking (self, [extra args], dim, ...): extra(n) gives the positional
        arguments after self for a line of length n, e.g. topk's k."""
        def gen(op, dtype, mode, make):
            if mode == "basic":
                yield SampleInput(make(S), *extra(4))
                yield SampleInput(make(L), *extra(2), dim=0)
                yield SampleInput(make(L), *extra(3), dim=-2, **extra_kw(op, 0))
                yield SampleInput(make((5,)), *extra(5), dim=0, **extra_kw(op, 1))
                if op.name in ("sort", "argsort"):  # the sort.stable overload
                    yield SampleInput(make(L), stable=True, dim=1, descending=True)
                yield SampleInput(ties((4, 7), dtype, 1), *extra(7), name="ties")
                yield SampleInput(ties((6, 3), dtype, 2), *extra(6), dim=0, **extra_kw(op, 1), name="ties")
                if is_floating(dtype):
                    yield SampleInput(special_values((3, 10), dtype, seed=1), *extra(10), name="ieee specials")
                    yield SampleInput(special_values((10, 3), dtype, seed=2), *extra(10), dim=0,
                                      **extra_kw(op, 1), name="ieee specials")
            elif mode == "zero_dim":
                yield SampleInput(make(()), *extra(1))
                yield SampleInput(make(()), *extra(1), dim=0, **extra_kw(op, 1))
            elif mode == "zero_size":
                yield SampleInput(make((0, 3)), *extra(3), dim=1)
                if op.name not in ("kthvalue", "median", "mode"):  # these refuse an empty dim
                    yield SampleInput(make((3, 0)), *extra(0), dim=1)
            elif mode == "large":
                yield SampleInput(make(BIG), *extra(129), dim=1)
                yield SampleInput(make(BIG), *extra(37), dim=0, **extra_kw(op, 1))
                yield SampleInput(make(BIG[::-1]).t(), *extra(129), dim=1)
                yield SampleInput(make((2, LONG)), *extra(LONG), dim=-1, **extra_kw(op, 0))
                yield SampleInput(ties((LONG, 2), dtype, 3), *extra(LONG), dim=0, **extra_kw(op, 1),
                                  name="ties")
        return gen

    def extra_kw(op, variant):
        """The op's direction / keepdim keywords, two ways (variant 0 and 1)."""
        if op.name in ("sort", "argsort"):
            return {"descending": variant == 0}
        if op.name == "topk":
            return {"largest": variant == 1, "sorted": variant == 0}
        if op.name in ("kthvalue", "median", "mode"):
            return {"keepdim": variant == 0}
        return {}

    def none(n):
        return ()

    def k_of(n):
        return (max(1, (n + 1) // 2) if n else 0,)

    def topk_k(n):
        return (min(n, 3),)

    def values_indices(op, s):
        return (s.args[0].dtype, tg.int64)

    def own_dtype(op, s):
        return s.args[0].dtype

    def topk_check(op, sample, result):
        """sorted=False leaves the order unspecified: compare as sets (ordered by index)."""
        expected = op.reference(sample)
        if sample.kwargs.get("sorted", True) or sample.args[0].dim() == 0:
            return check_result(op, sample, result, expected)
        dim = sample.kwargs.get("dim", -1)
        order = np.argsort(to_numpy(result[1]), axis=dim, kind="stable")
        got = tuple(tg.tensor(np.take_along_axis(to_numpy(r), order, dim), dtype=r.dtype) for r in result)
        e_order = np.argsort(expected[1], axis=dim, kind="stable")
        exp = tuple(np.take_along_axis(e, e_order, dim) for e in expected)
        check_result(op, sample, got, exp)

    def f(shape=S, dtype=tg.float32):
        return _f(shape, dtype)

    common = dict(ref_inputs="exact", compute_dtype=own_dtype)
    out = []
    out.append(OpInfo("sort", ref=sort_ref, sample_inputs=line_samples(none), result_dtype=values_indices,
                      out_dtype_exact=True,
                      error_inputs=_errors(
                          ("dim out of range", lambda: tg.sort(f(), 2), IndexError, r"\[sort\]"),
                          ("dim is a list", lambda: tg.sort(f(), [0, 1]), TypeError),
                          ("stable is positional", lambda: tg.sort(f(), True, 0, False), TypeError),
                          ("self is a number", lambda: tg.sort(3.0), TypeError),
                      ), **common))
    out.append(OpInfo("argsort", ref=argsort_ref, sample_inputs=line_samples(none),
                      result_dtype=lambda op, s: tg.int64, error_inputs=_errors(
                          ("dim out of range", lambda: tg.argsort(f(), -3), IndexError, r"\[sort\]"),
                          ("stable is positional", lambda: tg.argsort(f(), 0, False, True), TypeError),
                      ), **common))

    def msort_samples(op, dtype, mode, make):
        for s in line_samples(none)(op, dtype, mode, make):
            if "dim" not in s.kwargs or s.kwargs["dim"] == 0:
                yield SampleInput(*s.args, name=s.name)
    out.append(OpInfo("msort", ref=msort_ref, sample_inputs=msort_samples, result_dtype=own_dtype,
                      error_inputs=_errors(
                          ("msort takes no dim", lambda: tg.msort(f(), 0), TypeError),
                          ("self is a number", lambda: tg.msort(3), TypeError),
                      ), **common))
    out.append(OpInfo("topk", ref=topk_ref, sample_inputs=line_samples(topk_k), result_dtype=values_indices,
                      out_dtype_exact=True,
                      check=topk_check, error_inputs=_errors(
                          ("k larger than the dim", lambda: tg.topk(f(), 5), RuntimeError,
                           r"\[topk\] selected index k out of range: k = 5, but dim 1 has size 4"),
                          ("negative k", lambda: tg.topk(f(), -1), RuntimeError, "out of range"),
                          ("k of a 0-d tensor", lambda: tg.topk(tg.tensor(1.0), 2), RuntimeError, "out of range"),
                          ("dim out of range", lambda: tg.topk(f(), 1, 2), IndexError, r"\[topk\]"),
                          ("bool input", lambda: tg.topk(f(S, tg.bool), 1), NotImplementedError, r"\[topk\]"),
                          ("k missing", lambda: tg.topk(f()), TypeError),
                      ), **common))
    out.append(OpInfo("kthvalue", ref=kthvalue_ref, sample_inputs=line_samples(k_of), result_dtype=values_indices,
                      out_dtype_exact=True,
                      error_inputs=_errors(
                          ("k = 0", lambda: tg.kthvalue(f(), 0), RuntimeError, r"\[kthvalue\] selected number k"),
                          ("k larger than the dim", lambda: tg.kthvalue(f(), 5, 1), RuntimeError, "k = 5"),
                          ("empty dim", lambda: tg.kthvalue(tg.empty([3, 0]), 1), IndexError, "non-zero size"),
                          ("dim out of range", lambda: tg.kthvalue(f(), 1, 2), IndexError, r"\[kthvalue\]"),
                          ("bool input", lambda: tg.kthvalue(f(S, tg.bool), 1), NotImplementedError),
                      ), **common))

    def median_samples(op, dtype, mode, make):
        if mode in ("basic", "large"):  # the whole-tensor median first, then per dim
            yield SampleInput(make(S) if mode == "basic" else make(BIG))
            if mode == "basic":
                yield SampleInput(ties((5, 4), dtype, 4), name="ties")
                if is_floating(dtype):
                    yield SampleInput(special_values((3, 4), dtype, seed=3), name="ieee specials")
        if mode == "zero_dim":
            yield SampleInput(make(()))
        if mode == "zero_size" and is_floating(dtype):
            yield SampleInput(make((0, 3)))  # NaN
        for s in line_samples(none)(op, dtype, mode, make):
            if "dim" not in s.kwargs:
                s.kwargs["dim"] = -1  # median.dim has no default dim
            yield s

    def median_dtype(op, s):
        return values_indices(op, s) if "dim" in s.kwargs or len(s.args) > 1 else s.args[0].dtype

    out.append(OpInfo("median", ref=median_ref, sample_inputs=median_samples, result_dtype=median_dtype,
                      ieee_specials=False,
                      out_ok=lambda op, s: isinstance(op.result_dtype(s), tuple), error_inputs=_errors(
                          ("dim out of range", lambda: tg.median(f(), 2), IndexError, r"\[median\]"),
                          ("empty dim", lambda: tg.median(tg.empty([3, 0]), 1), IndexError),
                          ("no elements, integers", lambda: tg.median(tg.empty([0], dtype=tg.int64)), RuntimeError),
                          ("bool input", lambda: tg.median(f(S, tg.bool)), NotImplementedError, r"\[median\]"),
                          ("out= indices of dtype float32",
                           lambda: tg.median(f(), 0, out=(tg.empty(0), tg.empty(0))), RuntimeError),
                      ), **common))
    out.append(OpInfo("mode", ref=mode_ref, sample_inputs=line_samples(none), result_dtype=values_indices,
                      ieee_specials=False, error_inputs=_errors(
                          ("dim out of range", lambda: tg.mode(f(), 2), IndexError, r"\[mode\]"),
                          ("empty dim", lambda: tg.mode(tg.empty([3, 0])), IndexError),
                          ("out= indices of dtype float32",
                           lambda: tg.mode(f(), 0, out=(tg.empty(0), tg.empty(0))), RuntimeError),
                      ), **common))

    def index_for(shape, n_src, seed):
        rng = np.random.default_rng(seed)
        return tg.tensor(rng.integers(0, n_src, size=shape).astype(np.int64))

    def gather_samples(op, dtype, mode, make):
        if mode == "basic":
            yield SampleInput(make(S), 1, index_for((3, 6), 4, 1))
            yield SampleInput(make(L), 0, index_for((2, 3, 4), 2, 2))
            yield SampleInput(make(L), -2, index_for((2, 1, 4), 3, 3))
        elif mode == "zero_dim":
            yield SampleInput(make(()), 0, tg.tensor(0))
        elif mode == "zero_size":
            yield SampleInput(make((3, 4)), 1, tg.empty([3, 0], dtype=tg.int64))

    def scatter_samples(op, dtype, mode, make):
        if mode == "basic":
            yield SampleInput(make((3, 6)), 1, index_for((3, 6), 4, 1), [3, 4])  # duplicates add up
            yield SampleInput(make(L), 0, index_for((2, 3, 4), 2, 2), [2, 3, 4])
            yield SampleInput(make((2, 1, 4)), -2, index_for((2, 1, 4), 3, 3), [2, 3, 4])
        elif mode == "zero_dim":
            yield SampleInput(make(()), 0, tg.tensor(0), [])
        elif mode == "zero_size":
            yield SampleInput(make((3, 0)), 1, tg.empty([3, 0], dtype=tg.int64), [3, 4])

    def idx(*v):
        return tg.tensor(list(v))

    def row_with(shape, at, bad):
        """A valid index (zeros) of the given shape but for one bad value in its last row."""
        i = tg.zeros(list(shape), dtype=tg.int64)
        i[shape[0] - 1, at] = bad
        return i

    out.append(OpInfo("_gather_along_dim", ref=gather_ref, sample_inputs=gather_samples, result_dtype=own_dtype,
                      error_inputs=_errors(
                          ("index out of range", lambda: tg._C._gather_along_dim(f((4,)), 0, idx(0, 4)), IndexError,
                           "out of bounds"),
                          ("negative index", lambda: tg._C._gather_along_dim(f((4,)), 0, idx(-1)), IndexError),
                          # long rows take the gather instructions, a vector of indices checked at once
                          ("index out of range in a long row", lambda: tg._C._gather_along_dim(
                              f((2, 40)), 1, row_with((2, 40), 37, 40)), IndexError, "index 40 is out of bounds"),
                          ("negative index in a long float64 row", lambda: tg._C._gather_along_dim(
                              f((2, 40), tg.float64), 1, row_with((2, 40), 3, -5)), IndexError, "index -5 is out"),
                          ("float index", lambda: tg._C._gather_along_dim(f((4,)), 0, f((2,))), TypeError, "int64"),
                          ("index of another shape", lambda: tg._C._gather_along_dim(f(), 0, idx(0, 1)), RuntimeError),
                      ), **common))
    out.append(OpInfo("_scatter_add_along_dim", ref=scatter_add_ref, sample_inputs=scatter_samples,
                      result_dtype=own_dtype, error_inputs=_errors(
                          ("index out of range", lambda: tg._C._scatter_add_along_dim(f((2,)), 0, idx(0, 4), [4]),
                           IndexError, "out of bounds"),
                          ("src and index differ", lambda: tg._C._scatter_add_along_dim(f((3,)), 0, idx(0, 1), [4]),
                           RuntimeError, "does not match"),
                          ("float index", lambda: tg._C._scatter_add_along_dim(f((2,)), 0, f((2,)), [4]), TypeError),
                      ), **common))
    return out

