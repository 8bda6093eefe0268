"""Joining and shape ops: cat/stack, flip, roll, repeat/tile, tril/triu, diag/diagonal, movedim, unflatten, broadcast_to;
splitting: split (+ split.sizes), split_with_sizes, chunk, tensor_split, meshgrid."""
from __future__ import annotations

import numpy as np

import tensorgen as tg
from tensorgen.testing._utils import _maybe_noncontiguous  # noqa: F401
from tensorgen.testing.opinfo.core import *  # noqa: F403  (the vocabulary of entries: OpInfo, SampleInput, _f, S, ...)
from tensorgen.testing.opinfo.views import _expand_ref, _view_entry


def entries():
    """cat, concat, stack, flip, roll, repeat, tile, tril/triu, diag,
    diagonal (+ diagonal_backward), movedim, unflatten, broadcast_to. References are NumPy's."""
    def legacy_kept(arrays):
        # cat leaves 1-d empty tensors out of its shape checks (PyTorch's legacy rule)
        kept = [a for a in arrays if not (a.ndim == 1 and a.shape[0] == 0)]
        return kept

    def cat_ref(tensors, dim=0):
        kept = legacy_kept(tensors)
        if not kept:
            return np.zeros((0,))
        return np.concatenate(kept, axis=dim)

    def list_dtype(op, s):
        return result_type(*s.args[0])

    list_dtypes = dict(compute_dtype=list_dtype, result_dtype=list_dtype)

    def cat_samples(op, dtype, mode, make):
        if mode == "basic":
            yield SampleInput([make((2, 3)), make((4, 3))])
            yield SampleInput([make(S), make((3, 2)), make((3, 1))], 1)
            yield SampleInput([make(L), make(L)], -1)
            yield SampleInput([make((2, 3, 4)), make((2, 1, 4)), make((2, 5, 4), noncontiguous=True)], dim=1)
            yield SampleInput([make((4, 3)).t(), make((3, 2))], -1, name="transposed input")
            yield SampleInput([make(S), make((0,)), make(S)], name="1-d empty skipped")
            yield SampleInput([make(S)], -2)
            yield SampleInput([make((2, 3, 1)) for _ in range(5)], 2)
        elif mode == "zero_size":
            yield SampleInput([make((0, 3)), make((2, 3))])
            yield SampleInput([make((2, 0)), make((2, 0))], 1)
            yield SampleInput([make((0,)), make((0,))], name="only skipped inputs")
            yield SampleInput([make((3, 0, 2)), make((3, 0, 2))], -1)
        elif mode == "promotion":
            for a, b in ((tg.int32, tg.float16), (tg.bool, tg.uint8), (tg.int8, tg.uint8), (tg.float16, tg.bfloat16),
                         (tg.int64, tg.float64), (tg.bool, tg.float32)):
                yield SampleInput([Maker(op, a)(S), Maker(op, b)((2, 4))], 0)
            yield SampleInput([Maker(op, tg.int32)(S), Maker(op, tg.float32)((0,))], name="skipped input promotes")
        elif mode == "large":
            yield SampleInput([make(BIG), make(BIG)])
            yield SampleInput([make(BIG), make((37, 5)), make(BIG, noncontiguous=True)], 1)

    def cat_errors(fn, name):
        def gen(op):
            yield ErrorInput("empty list", lambda: fn([]), ValueError, "non-empty")  # torch.cat's type
            yield ErrorInput("0-d tensor", lambda: fn([_f(), tg.tensor(1.0)]), RuntimeError,
                             r"zero-dimensional tensor \(at position 1\)")
            yield ErrorInput("different numbers of dims", lambda: fn([_f((2, 3)), _f((2, 3, 1))]), RuntimeError,
                             "same number of dimensions")
            yield ErrorInput("sizes differ outside dim", lambda: fn([_f((2, 3)), _f((2, 3)), _f((2, 4))]),
                             RuntimeError, "Expected size 3 but got size 4 for tensor number 2")
            yield ErrorInput("dim out of range", lambda: fn([_f(), _f()], 2), IndexError, r"\[cat\]")
            yield ErrorInput("a tensor instead of a list", lambda: fn(_f()), TypeError)
            yield ErrorInput("a number in the list", lambda: fn([_f(), 1]), TypeError)
            yield ErrorInput("out= of a dtype the result can't be cast to",
                             lambda: fn([_f(), _f()], out=tg.empty(0, dtype=tg.int64)),
                             TypeError,  # torch.cat's type (torch.concat calls it)
                             "can't be cast to the desired output type")
            yield ErrorInput("out= with an input that requires grad",
                             lambda: fn([_f(), _f().requires_grad_()], out=tg.empty(0)), RuntimeError,
                             rf"\[{name}\] functions with out=\.\.\. arguments don't support automatic differentiation")
        return gen

    def out_overlaps_input():
        y = tg.empty([4, 3])
        return tg.cat([y[:2], y[2:]], out=y)

    def cat_only_errors(op):
        yield from cat_errors(tg.cat, "cat")(op)
        yield ErrorInput("out= is one of the inputs' memory", out_overlaps_input, RuntimeError,
                         "cannot refer to any of the output memory")

    out = [OpInfo("cat", ref=cat_ref, sample_inputs=cat_samples, error_inputs=cat_only_errors, **list_dtypes),
           OpInfo("concat", ref=cat_ref, sample_inputs=cat_samples, error_inputs=cat_errors(tg.concat, "concat"),
                  **list_dtypes)]

    def stack_ref(tensors, dim=0):
        return np.stack(tensors, axis=dim)

    def stack_samples(op, dtype, mode, make):
        if mode == "basic":
            yield SampleInput([make(S), make(S)])
            yield SampleInput([make(S), make(S, noncontiguous=True), make(S)], 2)
            yield SampleInput([make(L), make(L)], -1)
            yield SampleInput([make((4,))], dim=1)
            yield SampleInput([make(S).t(), make((4, 3))], 1, name="transposed input")
        elif mode == "zero_dim":
            yield SampleInput([make(()), make(()), make(())])
        elif mode == "zero_size":
            yield SampleInput([make((0, 3)), make((0, 3))], 1)
        elif mode == "promotion":
            yield SampleInput([Maker(op, tg.int32)(S), Maker(op, tg.float32)(S)])
            yield SampleInput([Maker(op, tg.bool)(S), Maker(op, tg.int8)(S)], 1)

    out.append(OpInfo("stack", ref=stack_ref, sample_inputs=stack_samples, error_inputs=_errors(
        ("empty list", lambda: tg.stack([]), RuntimeError, "non-empty"),
        ("tensors of different shapes", lambda: tg.stack([_f((2, 3)), _f((2, 3)), _f((2, 4))]), RuntimeError,
         r"equal size, but got \[2, 3\] at entry 0 and \[2, 4\] at entry 2"),
        ("dim out of range", lambda: tg.stack([_f(), _f()], 3), IndexError, r"\[stack\]"),
        ("a tensor instead of a list", lambda: tg.stack(_f()), TypeError),
    ), **list_dtypes))

    def same_dtype(op, s):
        return s.args[0].dtype

    keep_dtype = dict(compute_dtype=same_dtype, result_dtype=same_dtype)

    def flip_ref(a, dims):
        return a if a.ndim == 0 or not dims else np.flip(a, axis=tuple(dims))

    out.append(OpInfo("flip", ref=flip_ref, sample_inputs=_shape_samples({
        "basic": [(L, ([0],), {}), (L, ([0, 2],), {}), (L, ([-1],), {}), (S, ((0, 1),), {}), (S, ([],), {}),
                  ((5,), ([0],), {}), (L, ([2, 1, 0],), {})],
        "zero_dim": [((), ([0],), {}), ((), ([],), {})],
        "zero_size": [((0, 3), ([0],), {}), ((2, 0), ([1],), {})],
        "large": [(BIG, ([0],), {}), (BIG, ([1],), {}), (BIG, ([0, 1],), {})],
    }), error_inputs=_errors(
        ("repeated dim", lambda: tg.flip(_f(), [0, -2]), RuntimeError, "appears multiple times"),
        ("dim out of range", lambda: tg.flip(_f(), [2]), IndexError, r"\[flip\]"),
        ("dims is an int", lambda: tg.flip(_f(), 0), TypeError),
    ), **keep_dtype))

    def roll_ref(a, shifts, dims=()):
        shifts = list(shifts) if isinstance(shifts, (list, tuple)) else [shifts]
        dims = list(dims) if isinstance(dims, (list, tuple)) else [dims]
        if not dims:
            return np.roll(a.reshape(-1), shifts[0]).reshape(a.shape)
        if a.ndim == 0:
            return a
        return np.roll(a, shifts, axis=dims)

    out.append(OpInfo("roll", ref=roll_ref, sample_inputs=_shape_samples({
        "basic": [(S, (1,), {}), (S, (-5,), {}), (L, ([1, -2], [0, 2]), {}), (L, (5, 1), {}), (S, (-7, -1), {}),
                  (S, ([2, 1], [1, 1]), {}), (L, ([1],), {"dims": [0]}), (S, (0, 0), {})],
        "zero_dim": [((), (1,), {}), ((), (1, 0), {})],
        "zero_size": [((0, 3), (1, 0), {}), ((0, 3), (2,), {}), ((2, 0), (3, 1), {})],
        "large": [(BIG, (5, 0), {}), (BIG, (-3, 1), {}), (BIG, (17,), {}), (BIG, ([40, 200], [0, 1]), {})],
    }), error_inputs=_errors(
        ("shifts and dims of different lengths", lambda: tg.roll(_f(), [1, 2], [0]), RuntimeError,
         "shifts and dimensions must align"),
        ("no shifts", lambda: tg.roll(_f(), []), RuntimeError, "`shifts` required"),
        ("dim out of range", lambda: tg.roll(_f(), 1, 2), IndexError, r"\[roll\]"),
        ("several shifts without dims", lambda: tg.roll(_f(), [1, 2]), RuntimeError, "align"),
    ), **keep_dtype))

    def tile_ref(a, reps, *more):
        reps = [reps, *more] if more or not isinstance(reps, (list, tuple)) else list(reps)
        return np.tile(a, reps) if reps else a.copy()

    out.append(OpInfo("repeat", ref=tile_ref, sample_inputs=_shape_samples({
        "basic": [(S, ([2, 3],), {}), (S, ([1, 1],), {}), (L, ([2, 1, 2],), {}), (S, ([2, 1, 3],), {}),
                  ((4,), ([3],), {}), (S, (2, 2), {}), (S, ([3, 2, 1, 1],), {})],
        "zero_dim": [((), ([2],), {}), ((), ([],), {}), ((), ([2, 3],), {})],
        "zero_size": [((0, 3), ([2, 2],), {}), (S, ([0, 2],), {})],
        "large": [(BIG, ([2, 3],), {}), ((37, 1), ([1, 129],), {})],
    }), error_inputs=_errors(
        ("fewer repeats than dims", lambda: _f(L).repeat([2, 2]), RuntimeError, "can not be smaller"),
        ("negative repeat", lambda: _f().repeat([2, -1]), RuntimeError, "negative dimension -1"),
        ("repeats is a string", lambda: _f().repeat("ab"), TypeError),
    ), **keep_dtype))
    out.append(OpInfo("tile", ref=tile_ref, sample_inputs=_shape_samples({
        "basic": [(S, ([2],), {}), (S, ([2, 3],), {}), (L, ([2],), {}), (S, ([2, 1, 2],), {}), (S, ([],), {}),
                  (S, ([1],), {})],
        "zero_dim": [((), ([3],), {}), ((), ([],), {})],
        "zero_size": [((0, 3), ([2],), {}), (S, ([0],), {})],
        "large": [(BIG, ([3, 2],), {})],
    }), error_inputs=_errors(
        ("negative repeat", lambda: tg.tile(_f(), [-2]), RuntimeError, "negative dimension"),
        ("dims is a tensor", lambda: tg.tile(_f(), _f()), TypeError),
    ), **keep_dtype))

    triangle_shapes = {
        "basic": [(S, (), {}), (S, (1,), {}), (S, (-1,), {}), (L, (0,), {}), ((4, 3), (), {"diagonal": 2}),
                  (S, (10,), {}), (S, (-10,), {}), ((2, 3, 4, 5), (1,), {}), ((5, 5), (-2,), {})],
        "zero_size": [((0, 3), (), {}), ((2, 0, 3), (1,), {})],
    }

    def triangle_samples(op, dtype, mode, make):
        yield from _shape_samples(triangle_shapes)(op, dtype, mode, make)
        if mode == "basic":
            yield SampleInput(make((4, 3)).t(), 1, name="transposed input")
        elif mode == "large":
            yield SampleInput(make(BIG), 3)
            yield SampleInput(make((129, 37)).t(), -5, name="transposed input")
            yield SampleInput(make((3, 41, 43), noncontiguous=True), 2)

    for name, npfn in (("tril", np.tril), ("triu", np.triu)):
        fn = getattr(tg, name)
        op = OpInfo(name, ref=lambda a, diagonal=0, npfn=npfn: npfn(a, diagonal), sample_inputs=triangle_samples, out_dtype_exact=True, error_inputs=_errors(
            ("1-d input", lambda fn=fn: fn(_f((4,))), RuntimeError, "at least 2 dimensions"),
            ("0-d input", lambda fn=fn: fn(tg.tensor(1.0)), RuntimeError, "at least 2 dimensions"),
            ("diagonal is a float", lambda fn=fn: fn(_f(), 1.5), TypeError),
            ("out= of another dtype", lambda fn=fn: fn(_f(), out=tg.empty(0, dtype=tg.float64)), RuntimeError,
             "dtype"),
            ("in-place on 1-d self", lambda name=name: getattr(_f((4,)), name + "_")(), RuntimeError,
             "at least 2 dimensions"),
            ("in-place on a leaf that requires grad", lambda name=name: getattr(_f().requires_grad_(), name + "_")(),
             RuntimeError, "leaf"),
        ), **keep_dtype)
        out.append(op)

    out.append(OpInfo("diag", ref=lambda a, diagonal=0: np.diag(a, diagonal), sample_inputs=_shape_samples({
        "basic": [((4,), (), {}), ((4,), (1,), {}), ((4,), (-2,), {}), (S, (), {}), (S, (1,), {}), (S, (-2,), {}),
                  (S, (5,), {}), ((3, 3), (), {"diagonal": -1})],
        "zero_size": [((0,), (), {}), ((0,), (2,), {}), ((0, 3), (), {})],
        "large": [((129,), (3,), {}), (BIG, (-4,), {})],
    }), error_inputs=_errors(
        ("3-d input", lambda: tg.diag(_f(L)), RuntimeError, "Supports 1D or 2D tensors. Got 3D"),
        ("0-d input", lambda: tg.diag(tg.tensor(1.0)), RuntimeError, "Got 0D"),
        ("out= of a dtype the result can't be cast to", lambda: tg.diag(_f(), out=tg.empty(0, dtype=tg.int64)),
         RuntimeError),
    ), **keep_dtype))

    out.append(_view_entry("diagonal", lambda a, offset=0, dim1=0, dim2=1: np.diagonal(a, offset, dim1, dim2),
                           _shape_samples({
        "basic": [(S, (), {}), (S, (1,), {}), (S, (-1,), {}), (L, (0, 0, 2), {}), (L, (1, -1, 0), {}),
                  (L, (), {"offset": -1, "dim1": 1, "dim2": 2}), (S, (10,), {}), (S, (-10,), {})],
        "zero_size": [((0, 3), (), {}), ((2, 0, 3), (0, 1, 2), {})],
    }), [
        ("identical dims", lambda: _f().diagonal(0, 1, 1), RuntimeError, "cannot be identical"),
        ("1-d input", lambda: _f((4,)).diagonal(), IndexError),
        ("dim out of range", lambda: _f().diagonal(0, 0, 2), IndexError, r"\[diagonal\]"),
    ]))

    def diagonal_backward_ref(g, input_sizes, offset, dim1, dim2):
        res = np.zeros(input_sizes, dtype=g.dtype)
        moved = np.moveaxis(res, (dim1, dim2), (-2, -1))  # a writable view of res
        i = np.arange(g.shape[-1])
        moved[..., i + max(-offset, 0), i + max(offset, 0)] = g
        return res

    out.append(OpInfo("diagonal_backward", ref=diagonal_backward_ref, sample_inputs=_shape_samples({
        "basic": [((3,), ([3, 4], 0, 0, 1), {}), ((2,), ([3, 4], 2, 0, 1), {}), ((2, 3), ([2, 3, 4], -1, 2, 1), {}),
                  ((2,), ([3, 2], -1, -2, -1), {})],
        "zero_size": [((0,), ([3, 4], 5, 0, 1), {}), ((0, 3), ([0, 3, 3], 0, 1, 2), {})],
    }), error_inputs=_errors(
        ("grad of the wrong shape", lambda: tg.diagonal_backward(_f((4,)), [3, 4], 0, 0, 1), RuntimeError,
         "does not match"),
        ("identical dims", lambda: tg.diagonal_backward(_f((3,)), [3, 4], 0, 1, 1), RuntimeError, "identical"),
    ), **keep_dtype))

    def movedim_ref(a, source, destination):
        return a if a.ndim == 0 else np.moveaxis(a, source, destination)

    out.append(_view_entry("movedim", movedim_ref, _shape_samples({
        "basic": [(L, (0, 2), {}), (L, (-1, 0), {}), (L, ([0, 1], [2, 0]), {}), (L, ((0,), (1,)), {}),
                  (S, (1, 0), {}), (L, ([], []), {}), ((2, 3, 4, 5), ([3, 0], [1, 3]), {})],
        "zero_dim": [((), (0, 0), {}), ((), (-1, 0), {})],
        "zero_size": [((0, 3), (0, 1), {})],
    }), [
        ("source and destination of different lengths", lambda: tg.movedim(_f(L), [0, 1], [2]), RuntimeError,
         "same number of dims"),
        ("repeated source dim", lambda: tg.movedim(_f(L), [0, 0], [1, 2]), RuntimeError, "repeated dim in `source`"),
        ("repeated destination dim", lambda: tg.movedim(_f(L), [0, 1], [2, -1]), RuntimeError,
         "repeated dim in `destination`"),
        ("dim out of range", lambda: tg.movedim(_f(), 0, 2), IndexError, r"\[movedim\]"),
    ]))

    def unflatten_ref(a, dim, sizes):
        d = dim % a.ndim
        return a.reshape(a.shape[:d] + tuple(sizes) + a.shape[d + 1:])

    out.append(_view_entry("unflatten", unflatten_ref, _shape_samples({
        "basic": [(S, (1, [2, 2]), {}), (S, (0, [3, 1]), {}), (L, (-1, [2, -1]), {}), (L, (1, [3]), {}),
                  ((12,), (0, [2, 3, 2]), {}), (L, (2, [1, 4, 1]), {}), (L, (0, (-1, 1)), {})],
        "zero_size": [((0, 4), (1, [2, 2]), {}), ((2, 0), (1, [0, 3]), {})],
    }), [
        ("empty sizes", lambda: tg.unflatten(_f(), 1, []), RuntimeError, "sizes must be non-empty"),
        ("sizes don't multiply up", lambda: tg.unflatten(_f(), 1, [3, 2]), RuntimeError,
         r"Provided sizes \[3, 2\] don't multiply up to the size of dim 1 \(4\)"),
        ("two -1", lambda: tg.unflatten(_f(), 1, [-1, -1]), RuntimeError, "only one dimension"),
        ("dim out of range", lambda: tg.unflatten(_f(), 2, [2, 2]), IndexError, r"\[unflatten\]"),
        ("0-d input", lambda: tg.unflatten(tg.tensor(1.0), 0, [1]), RuntimeError, "no dimensions"),
    ]))

    out.append(_view_entry("broadcast_to", _expand_ref, _shape_samples({
        "basic": [((3, 1), ([3, 4],), {}), ((4,), ([2, 3, 4],), {}), ((3, 1), ([-1, 4],), {}),
                  ((1, 3, 1), ((2, 3, 5),), {}), (S, ([3, 4],), {})],
        "zero_dim": [((), ([2, 3],), {}), ((), ([],), {})],
        "zero_size": [((1,), ([0],), {}), ((0, 1), ([0, 4],), {})],
    }), [
        ("non-singleton dim changes", lambda: tg.broadcast_to(_f(), [3, 5]), RuntimeError, "must match"),
        ("fewer dims", lambda: tg.broadcast_to(_f(), [4]), RuntimeError),
        ("size is a tensor", lambda: tg.broadcast_to(_f(), _f()), TypeError),
    ]))
    out += _split_entries()
    return out


def _split_entries():
    """split, split_with_sizes (views with their own derivatives), chunk, tensor_split and meshgrid
    (composites). References are NumPy's split / array_split / meshgrid."""
    out = []

    def pieces(a, sizes, dim):
        return tuple(np.split(a, np.cumsum(sizes)[:-1].astype(int), axis=dim))

    def split_ref(a, split_size, dim=0):
        if isinstance(split_size, (list, tuple)):  # split.sizes
            return pieces(a, list(split_size), dim)
        n = a.shape[dim]
        return tuple(np.split(a, list(range(split_size, n, split_size)) if split_size else [], axis=dim))

    out.append(_view_entry("split", split_ref, _shape_samples({
        "basic": [(S, (2,), {}), (S, (1, 1), {}), (L, (3, -1), {}), (L, (2,), {"dim": 1}), (S, (5,), {}),
                  (S, ([1, 2],), {}), (L, ([2, 0, 2],), {"dim": -1})],
        "zero_size": [((0, 3), (2,), {}), ((0, 3), (0,), {}), ((0, 3), (2, 1), {})],
    }), [
        ("0-d input", lambda: tg.split(tg.tensor(1.0), 1), RuntimeError, "1-dimensional"),
        ("negative split_size", lambda: tg.split(_f(), -1), RuntimeError, "non-negative"),
        ("split_size 0 of a non-empty dim", lambda: tg.split(_f(), 0), RuntimeError, "only be 0"),
        ("dim out of range", lambda: tg.split(_f(), 1, 2), IndexError, r"\[split\]"),
        ("sizes that do not sum to the dim", lambda: _f().split([1, 1]), RuntimeError, "sum exactly"),
        ("split_size is a float", lambda: tg.split(_f(), 1.5), TypeError),
    ]))

    out.append(_view_entry("split_with_sizes", lambda a, sizes, dim=0: pieces(a, sizes, dim), _shape_samples({
        "basic": [(S, ([1, 2],), {}), (S, ([3],), {}), (L, ([1, 0, 3],), {"dim": 2}), (L, ([2, 1],), {"dim": -2})],
        "zero_size": [((0, 3), ([0],), {}), ((0, 3), ([1, 2],), {"dim": 1}), ((0, 3), ([0, 0],), {})],
    }), [
        ("0-d input", lambda: tg.split_with_sizes(tg.tensor(1.0), [1]), RuntimeError, "1-dimensional"),
        ("negative size", lambda: tg.split_with_sizes(_f(), [4, -1]), RuntimeError, "non-negative"),
        ("sizes that do not sum to the dim", lambda: tg.split_with_sizes(_f(), [1, 1]), RuntimeError, "sum exactly"),
        ("dim out of range", lambda: tg.split_with_sizes(_f(), [3], 2), IndexError),
        ("sizes is an int", lambda: tg.split_with_sizes(_f(), "a"), TypeError),
    ]))

    def chunk_ref(a, chunks, dim=0):
        n = a.shape[dim]
        size = -(-n // chunks)
        if n == 0:
            return tuple(np.split(a, [0] * (chunks - 1), axis=dim))
        return tuple(np.split(a, list(range(size, n, size)), axis=dim))

    out.append(_view_entry("chunk", chunk_ref, _shape_samples({
        "basic": [(S, (2,), {}), (S, (3,), {}), (S, (5,), {}), (L, (2, -1), {}), ((6, 2), (4,), {}),
                  (L, (3,), {"dim": 2})],
        "zero_size": [((0, 3), (2,), {}), ((0, 3), (2, 1), {})],
    }), [
        ("0-d input", lambda: tg.chunk(tg.tensor(1.0), 1), RuntimeError, "1-dimensional"),
        ("chunks 0", lambda: tg.chunk(_f(), 0), RuntimeError, "greater than 0"),
        ("dim out of range", lambda: tg.chunk(_f(), 2, 3), IndexError),
    ]))

    def tensor_split_ref(a, sections, dim=0):
        return tuple(np.array_split(a, sections if isinstance(sections, int) else list(sections), axis=dim))

    out.append(_view_entry("tensor_split", tensor_split_ref, _shape_samples({
        "basic": [(S, (2,), {}), (S, (3,), {}), (S, (5,), {}), (L, (2, -1), {}), (S, ([1],), {}),
                  (L, ([1, 3],), {"dim": 2}), (L, ([3, 1, -1, 9],), {"dim": -1}), (S, ([],), {})],
        "zero_size": [((0, 3), (2,), {}), ((0, 3), ([1],), {"dim": 1})],
    }), [
        ("0-d input", lambda: tg.tensor_split(tg.tensor(1.0), 1), RuntimeError, "1-dimensional"),
        ("sections 0", lambda: tg.tensor_split(_f(), 0), RuntimeError, "larger than 0"),
        ("dim out of range", lambda: tg.tensor_split(_f(), 2, 3), IndexError),
    ]))

    # -- meshgrid: Tensor[] of 0-d/1-d tensors; "ij" (default) or "xy".
    def meshgrid_samples(op, dtype, mode, make):
        if mode == "basic":
            yield SampleInput([make((3,)), make((4,))])
            yield SampleInput([make((3,)), make((4,)), make((2,))], indexing="ij")
            yield SampleInput([make((3,)), make((4,)), make((2,))], indexing="xy")
            yield SampleInput([make((5,), noncontiguous=True)])
            yield SampleInput([make(()), make((2,))], indexing="xy")
        elif mode == "zero_size":
            yield SampleInput([make((0,)), make((3,))])

    def meshgrid_ref(tensors, indexing=None):
        return tuple(np.meshgrid(*tensors, indexing=indexing or "ij"))

    list_dtype = dict(compute_dtype=lambda op, s: s.args[0][0].dtype, result_dtype=lambda op, s: s.args[0][0].dtype)
    out.append(OpInfo("meshgrid", ref=meshgrid_ref, sample_inputs=meshgrid_samples, **list_dtype,
                      error_inputs=_errors(
                          ("no tensors", lambda: tg.meshgrid([]), RuntimeError, "non-empty"),
                          ("a 2-d tensor", lambda: tg.meshgrid([_f(), _f((3,))]), RuntimeError, "0D or 1D"),
                          ("mixed dtypes", lambda: tg.meshgrid([_f((3,)), _f((3,), tg.float64)]), RuntimeError,
                           "same dtype"),
                          ("indexing 'ji'", lambda: tg.meshgrid(_f((3,)), _f((2,)), indexing="ji"), RuntimeError,
                           "indexing must be"),
                      )))
    return out
