"""Dtype sets and PyTorch's promotion rules, written out for the references of the test matrix."""
from __future__ import annotations

import builtins  # noqa: F401
import math  # noqa: F401
import warnings  # noqa: F401

import numpy as np

import tensorgen as tg
from tensorgen.testing._utils import _maybe_noncontiguous, dtype_name, make_tensor, to_numpy  # noqa: F401


# ----------------------------------------------------------------------------- dtypes and promotion

ALL_DTYPES = (tg.bool, tg.uint8, tg.int8, tg.int16, tg.int32, tg.int64, tg.float16, tg.bfloat16, tg.float32,
              tg.float64)
FLOATING = (tg.float16, tg.bfloat16, tg.float32, tg.float64)
INTEGRAL = (tg.uint8, tg.int8, tg.int16, tg.int32, tg.int64)
NUMERIC = INTEGRAL + FLOATING

DTYPE_SETS = {
    "all": ALL_DTYPES,
    "numeric": NUMERIC,
    "floating": FLOATING,
    "integral": INTEGRAL,
    "integral_and_bool": (tg.bool,) + INTEGRAL,
}

_NP = {tg.bool: np.bool_, tg.uint8: np.uint8, tg.int8: np.int8, tg.int16: np.int16, tg.int32: np.int32,
       tg.int64: np.int64, tg.float16: np.float16, tg.bfloat16: np.float32, tg.float32: np.float32,
       tg.float64: np.float64}
_FROM_NP = {np.dtype(v): k for k, v in _NP.items() if k is not tg.bfloat16}


def is_floating(dt) -> bool:
    return dt in FLOATING


def np_dtype(dt):
    """The NumPy dtype holding dt's values (bfloat16 values are held in float32)."""
    return _NP[dt]


def promote_types(a, b):
    """PyTorch's promote_types for the dtypes tensorgen has."""
    if a is b:
        return a
    if a is tg.bool:
        return b
    if b is tg.bool:
        return a
    fa, fb = is_floating(a), is_floating(b)
    if fa and fb:
        if {a, b} == {tg.float16, tg.bfloat16}:
            return tg.float32
        order = (tg.float16, tg.bfloat16, tg.float32, tg.float64)
        return a if order.index(a) > order.index(b) else b
    if fa:
        return a
    if fb:
        return b
    return _FROM_NP[np.promote_types(_NP[a], _NP[b])]


def _combine_categories(higher, lower):
    if higher is None:
        return lower
    if lower is None:
        return higher
    if is_floating(higher):
        return higher
    if higher is tg.bool or is_floating(lower):
        return promote_types(higher, lower)
    return higher


def result_type(*operands):
    """PyTorch's result_type: dimensioned tensors beat 0-d tensors beat Python numbers ("weak"
    scalars), unless a weaker operand is of a higher category (bool < integer < floating)."""
    dim = zero = wrapped = None
    for o in operands:
        if o is None or isinstance(o, str):
            continue
        if isinstance(o, tg.Tensor):
            if o.dim() == 0:
                zero = o.dtype if zero is None else promote_types(zero, o.dtype)
            else:
                dim = o.dtype if dim is None else promote_types(dim, o.dtype)
            continue
        if isinstance(o, builtins.bool):
            dt = tg.bool
        elif isinstance(o, builtins.int):
            dt = tg.int64
        elif isinstance(o, builtins.float):
            dt = tg.float32  # the default dtype
        else:
            raise TypeError(f"result_type: unexpected operand {o!r}")
        wrapped = dt if wrapped is None else promote_types(wrapped, dt)
    return _combine_categories(dim, _combine_categories(zero, wrapped))


def can_cast(frm, to) -> bool:
    """PyTorch's canCast: whether a result of dtype frm may be written into a tensor of dtype to."""
    if is_floating(frm) and not is_floating(to):
        return False
    if frm is not tg.bool and to is tg.bool:
        return False
    return True


def _tol(dt):
    return {tg.float16: (1e-3, 1e-3), tg.bfloat16: (1.6e-2, 1e-2), tg.float32: (1.3e-6, 1e-5),
            tg.float64: (1e-7, 1e-7)}.get(dt, (0.0, 0.0))


# Every name defined here, private helpers included: core.py re-exports them to the family modules.
__all__ = [n for n, v in list(globals().items())
           if not n.startswith("__") and n != "annotations" and not isinstance(v, type(np))]
