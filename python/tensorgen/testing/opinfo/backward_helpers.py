"""Backward helpers: ops that exist to be the gradients of views (select_backward ...)."""
from __future__ import annotations

import builtins

import numpy as np

import tensorgen as tg
from tensorgen.testing.opinfo.core import *  # noqa: F403  (the vocabulary of entries: OpInfo, SampleInput, _f, S, ...)


def _select_backward_ref(g, input_sizes, dim, index):
    out = np.zeros(input_sizes, dtype=g.dtype)
    idx = [builtins.slice(None)] * len(input_sizes)
    idx[dim] = index
    out[tuple(idx)] = g
    return out


def _slice_backward_ref(g, input_sizes, dim, start, end, step):
    out = np.zeros(input_sizes, dtype=g.dtype)
    idx = [builtins.slice(None)] * len(input_sizes)
    idx[dim] = builtins.slice(start, end, step)
    out[tuple(idx)] = g
    return out


def _positions(sizes, strides, offset):
    """Storage position of every element of a (sizes, strides, offset) geometry, row-major."""
    grid = np.indices(sizes).reshape(len(sizes), -1) if len(sizes) else np.zeros((0, 1), dtype=np.int64)
    return offset + (np.asarray(strides, dtype=np.int64).reshape(-1, 1) * grid).sum(axis=0)


def _as_strided_backward_ref(g, input_sizes, input_strides, input_offset, size, stride, storage_offset):
    out_pos = _positions(size, stride, input_offset if storage_offset is None else storage_offset)
    in_pos = _positions(input_sizes, input_strides, input_offset)
    buffer = np.zeros(max([0] + list(out_pos + 1) + list(in_pos + 1)), dtype=np.float64)
    np.add.at(buffer, out_pos, g.astype(np.float64).reshape(-1))
    return buffer[in_pos].reshape(input_sizes).astype(g.dtype)


def entries():
    """select_backward / slice_backward: the gradients of select and slice (grad scattered into
    zeros of the input's shape), ops so that double backward works."""
    out = []
    grad_dtype = dict(compute_dtype=lambda op, s: s.args[0].dtype, result_dtype=lambda op, s: s.args[0].dtype)
    out.append(OpInfo("select_backward", ref=_select_backward_ref, sample_inputs=_shape_samples({
        "basic": [((3,), ([3, 4], 1, 2), {}), ((2, 4), ([2, 3, 4], 1, -1), {}), ((), ([5], 0, 3), {}),
                  ((3, 4), ([2, 3, 4], 0, 0), {})],
        "zero_size": [((0,), ([0, 3], 1, 1), {}), ((2, 0), ([2, 3, 0], 1, 2), {})],
    }), error_inputs=_errors(
        ("grad of the wrong shape", lambda: tg.select_backward(_f((4,)), [3, 4], 1, 2), RuntimeError, "does not match"),
        ("index out of range", lambda: tg.select_backward(_f((3,)), [3, 4], 1, 4), IndexError),
        ("dim out of range", lambda: tg.select_backward(_f((3,)), [3, 4], 2, 0), IndexError),
        ("input_sizes is a string", lambda: tg.select_backward(_f((3,)), "ab", 1, 0), TypeError),
    ), **grad_dtype))
    out.append(OpInfo("slice_backward", ref=_slice_backward_ref, sample_inputs=_shape_samples({
        "basic": [((3, 2), ([3, 4], 1, 1, None, 2), {}), ((2, 3, 4), ([2, 5, 4], 1, 1, 4, 1), {}),
                  ((2, 4), ([3, 4], 0, -2, None, 1), {}), ((3, 4), ([3, 4], 0, None, None, 1), {})],
        "zero_size": [((0, 4), ([3, 4], 0, 5, 10, 1), {}), ((0, 3), ([0, 3], 1, 0, 3, 1), {})],
    }), error_inputs=_errors(
        ("grad of the wrong shape", lambda: tg.slice_backward(_f((3, 3)), [3, 4], 1, 0, 2, 1), RuntimeError,
         "does not match"),
        ("step 0", lambda: tg.slice_backward(_f((3, 2)), [3, 4], 1, 0, 2, 0), ValueError, "step"),
        ("dim out of range", lambda: tg.slice_backward(_f((3, 2)), [3, 4], 2, 0, 2, 1), IndexError),
    ), **grad_dtype))
    out.append(OpInfo("as_strided_backward", ref=_as_strided_backward_ref, sample_inputs=_shape_samples({
        # (grad shape, (input_sizes, input_strides, input_offset, size, stride, storage_offset))
        "basic": [((2, 2), ([3, 4], [4, 1], 0, [2, 2], [4, 1], 1), {}),
                  ((3, 3), ([9], [1], 0, [3, 3], [1, 1], None), {}),      # overlapping windows accumulate
                  ((4,), ([2, 3], [3, 1], 1, [4], [1], 2), {}),
                  ((), ([5], [1], 0, [], [], 3), {})],
        "zero_size": [((0, 2), ([3, 4], [4, 1], 0, [0, 2], [4, 1], 0), {})],
    }), error_inputs=_errors(
        ("grad of the wrong shape", lambda: tg.as_strided_backward(_f((3,)), [3], [1], 0, [2], [1], 0), RuntimeError,
         "does not match"),
        ("negative stride", lambda: tg.as_strided_backward(_f((2,)), [3], [1], 0, [2], [-1], 0), RuntimeError),
    ), **grad_dtype))
    return out

