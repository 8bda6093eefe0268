"""The default sample inputs of each kind of op: pointwise (one, two, three operands), reductions, scans;
and which overload the defaults call (_generic_overload)."""
from __future__ import annotations

import builtins  # noqa: F401
import math  # noqa: F401
import warnings  # noqa: F401

import numpy as np

import tensorgen as tg
from tensorgen.testing._utils import _maybe_noncontiguous, dtype_name, make_tensor, to_numpy  # noqa: F401
from tensorgen.testing.opinfo.dtypes import *  # noqa: F403
from tensorgen.testing.opinfo.inputs import *  # noqa: F403


# ----------------------------------------------------------------------------- default samples by kind



def _unary_samples(op, dtype, mode, make):
    if mode == "basic":
        yield SampleInput(make(S))
        yield SampleInput(make(L))
    elif mode == "zero_dim":
        yield SampleInput(make(()))
    elif mode == "zero_size":
        yield SampleInput(make((0, 3)))
        yield SampleInput(make((3, 0, 2)))
    elif mode == "promotion":
        for dt in (tg.bool, tg.uint8, tg.int64, tg.float16):
            yield SampleInput(Maker(op, dt)(S))
    elif mode == "large":
        yield SampleInput(make(BIG))
        yield SampleInput(make(BIG[::-1]).t())


_PROMOTION_PAIRS = [
    # (shape, dtype) or Python number, for the two operands
    ((S, tg.int64), (S, tg.float32)),
    ((S, tg.uint8), (S, tg.int8)),
    ((S, tg.float16), (S, tg.bfloat16)),
    ((S, tg.int32), ((), tg.float64)),     # 0-d tensor of a higher category: float64
    ((S, tg.float32), ((), tg.float64)),   # same category: the dimensioned tensor wins
    ((S, tg.float16), ((), tg.int64)),
    ((S, tg.bool), (S, tg.int32)),
    ((S, tg.int16), "float"),              # Python float with an integer tensor: float32
    ((S, tg.bool), "int"),                 # Python int with a bool tensor: int64
    ((S, tg.uint8), "int"),                # Python int with uint8: stays uint8
    ((S, tg.float16), "float"),
]


def _binary_samples(op, dtype, mode, make, nonzero_other=False):
    def other(shape, dt=None):
        return make(shape, dt, nonzero=nonzero_other)

    if mode == "basic":
        yield SampleInput(make(S), other(S))
        yield SampleInput(make(L), other(L))
        for kind in op.scalars:
            yield SampleInput(make(S), _scalar_for(dtype, kind))
    elif mode == "broadcast":
        yield SampleInput(make(S), other((4,)))
        yield SampleInput(make((3, 1)), other((1, 4)))
        yield SampleInput(make((4,)), other(S))
        yield SampleInput(make((2, 1, 4)), other((3, 1)))
    elif mode == "zero_dim":
        yield SampleInput(make(()), other(()))
        yield SampleInput(make(S), other(()))
        yield SampleInput(make(()), other(S))
    elif mode == "zero_size":
        yield SampleInput(make((0, 4)), other((0, 4)))
        yield SampleInput(make((0, 4)), other((4,)))
        yield SampleInput(make((2, 0)), other((2, 1)))
    elif mode == "large":
        yield SampleInput(make(BIG), other(BIG))
        yield SampleInput(make(BIG[::-1]).t(), other(BIG))            # operands disagree on layout
        yield SampleInput(make(BIG), other((BIG[1],)))
        yield SampleInput(make((BIG[0], 1)), other(BIG))
    elif mode == "promotion":
        for a, b in _PROMOTION_PAIRS:
            if isinstance(b, str) and b not in op.scalars:
                continue
            x = Maker(op, a[1], seed=7)(a[0])
            y = _scalar_for(a[1], b) if isinstance(b, str) else Maker(op, b[1], seed=9)(b[0], nonzero=nonzero_other)
            yield SampleInput(x, y)
        if has_scalar_self_overload(op):
            for kind, dt in _SCALAR_FIRST:
                if kind in op.scalars:
                    y = Maker(op, dt, seed=11)(S, nonzero=nonzero_other)
                    yield SampleInput(_SCALAR_FIRST_VALUE[kind], y, name="number first")


# A Python number first, op(number, tensor), for ops with a `Scalar self` overload (pow.Scalar,
# remainder.Scalar_Tensor, ...): the number is a weak scalar in either position. These samples
# call the function only (a number has no methods and can't be written in place).
_SCALAR_FIRST = [
    ("int", tg.int64),
    ("int", tg.uint8),      # a Python int keeps uint8
    ("int", tg.bool),       # ... and makes bool int64
    ("int", tg.float32),
    ("float", tg.int16),    # a Python float makes integers float32
    ("float", tg.float16),  # ... and keeps float16
    ("float", tg.float32),
]
_SCALAR_FIRST_VALUE = {"int": 3, "float": 2.5}


def has_scalar_self_overload(op) -> bool:
    """Whether the op has an overload whose first argument is a `Scalar self` (pow(2, t))."""
    return op.meta is not None and any(
        o.arguments and not o.arguments[0].kwarg_only and o.arguments[0].type == "Scalar" for o in op.meta.overloads)


BIG = (37, 129)  # odd sizes, a few thousand elements: past the short-tensor paths


_TERNARY_BROADCAST = [  # each operand in turn the one that decides the shape
    (S, (4,), (3, 1)),
    ((3, 1), S, (1, 4)),
    ((4,), (3, 1), S),
    ((2, 1, 4), (3, 1), (4,)),
]

_TERNARY_PROMOTION = [  # (shape, dtype) of the three operands
    ((S, tg.int64), (S, tg.float32), (S, tg.float32)),
    ((S, tg.float16), (S, tg.float32), ((), tg.float64)),   # 0-d float64 doesn't outrank float32
    ((S, tg.uint8), (S, tg.int8), (S, tg.int16)),
    ((S, tg.float32), ((), tg.float64), ((), tg.int64)),
    ((S, tg.bool), (S, tg.float16), (S, tg.bfloat16)),
    (((), tg.float64), (S, tg.int32), (S, tg.float16)),
    ((S, tg.bfloat16), (S, tg.bfloat16), (S, tg.bfloat16)),
]


def _ternary_samples(op, dtype, mode, make, *, nonzero=(), extra_kwargs=()):
    """Samples of a pointwise op with three tensor operands: equal shapes, shapes that broadcast
    among all three, a 0-d tensor in each position, zero-size shapes, a few thousand elements with
    transposed and broadcast operands, mixed dtypes. nonzero: operand positions that must not hold
    0 (divisors); extra_kwargs: keyword arguments (value=...) each tried once on the basic shapes."""
    def three(*shapes):
        return [make(s, nonzero=i in nonzero) for i, s in enumerate(shapes)]

    if mode == "basic":
        yield SampleInput(*three(S, S, S))
        yield SampleInput(*three(L, L, L))
        for kw in extra_kwargs:
            yield SampleInput(*three(S, S, S), **kw)
    elif mode == "broadcast":
        for shapes in _TERNARY_BROADCAST:
            yield SampleInput(*three(*shapes))
    elif mode == "zero_dim":
        yield SampleInput(*three((), (), ()))
        yield SampleInput(*three((), S, S))
        yield SampleInput(*three(S, (), S))
        yield SampleInput(*three(S, S, ()))
    elif mode == "zero_size":
        yield SampleInput(*three((0, 4), (0, 4), (0, 4)))
        yield SampleInput(*three((0, 4), (4,), ()))
        yield SampleInput(*three((2, 0), (2, 1), (1, 0)))
    elif mode == "large":
        yield SampleInput(*three(BIG, BIG, BIG))
        a, b, c = three(BIG[::-1], BIG, (BIG[1],))
        yield SampleInput(a.t(), b, c)                      # operands disagree on layout (blocked walk)
        a, b, c = three(BIG, BIG[::-1], (BIG[0], 1))
        yield SampleInput(a, b.t(), c)
    elif mode == "promotion":
        for k, operands in enumerate(_TERNARY_PROMOTION):
            yield SampleInput(*[Maker(op, dt, seed=7 + 2 * k + i)(shape, nonzero=i in nonzero)
                                for i, (shape, dt) in enumerate(operands)])


def _pointwise_samples(op, dtype, mode, make):
    """The default samples of a pointwise op, by its number of tensor operands."""
    if op.arity == 1:
        return _unary_samples(op, dtype, mode, make)
    if op.arity == 3:
        return _ternary_samples(op, dtype, mode, make, extra_kwargs=_scalar_kwargs(op, dtype))
    return _binary_samples(op, dtype, mode, make)


def _scalar_kwargs(op, dtype):
    """Keyword Scalar arguments with a default (addcmul's value=1), each tried with two other values:
    integers every integer dtype holds (PyTorch refuses a value that overflows the dtype), floats
    with a fraction and a sign; none for bool."""
    overload = _generic_overload(op)
    if dtype is tg.bool or overload is None:
        return []
    names = [a.name for a in overload.arguments if a.kwarg_only and a.type == "Scalar" and a.default is not None]
    values = (0.5, -2) if is_floating(dtype) else (2, 3)
    return [{name: v} for name in names for v in values]


def _has_identity(op) -> bool:
    """Whether reducing no elements has an answer (sum: 0); max, amax and argmax have none: an empty
    input is an error and their zero-size samples reduce only the non-empty dims."""
    return op.promotion not in ("keep", "index")


def _reduction_samples(op, dtype, mode, make):
    # a list of dims: `int[1]? dim=None` (sum: None reduces all) or `int[1] dim=[]` (amax: [] does)
    multi_dim = op.meta.has_argument("dim", "int[1]?") or op.meta.has_argument("dim", "int[1]")
    empty_list_is_all = op.meta.has_argument("dim", "int[1]")
    has_dtype = op.meta.has_argument("dtype", "ScalarType?")
    if not op.meta.has_argument("dim"):  # reduces everything: no dim to pass
        shapes = {"basic": [S, L], "zero_dim": [()], "zero_size": [(0, 3)], "large": [BIG]}.get(mode, [])
        for shape in shapes:
            yield SampleInput(make(shape))
        return
    if not op.meta.primary.argument("dim"):
        # max(x) and max.dim(x, dim) -> (values, indices): the overload with a dim takes one
        if mode == "basic":
            yield SampleInput(make(S))
            yield SampleInput(make(L), 1)
            yield SampleInput(make(L), 0, keepdim=True)
            yield SampleInput(make(S), dim=-1)
        elif mode == "zero_dim":
            yield SampleInput(make(()))
            yield SampleInput(make(()), 0)
        elif mode == "zero_size":
            yield SampleInput(make((0, 3)), 1)
            yield SampleInput(make((2, 0, 3)), 2, keepdim=True)
        elif mode == "large":
            yield SampleInput(make(BIG))
            yield SampleInput(make(BIG), 0)
            yield SampleInput(make(BIG), 1)
            yield SampleInput(make(BIG[::-1]).t(), 1)
        return
    if mode == "basic":
        yield SampleInput(make(S))
        yield SampleInput(make(L), 0)
        yield SampleInput(make(L), dim=-1, keepdim=True)
        if multi_dim:
            yield SampleInput(make(L), (0, 2))
            yield SampleInput(make(L), dim=[-1, 1], keepdim=True)
        if empty_list_is_all:
            yield SampleInput(make(L), [], keepdim=True)
    elif mode == "zero_dim":
        yield SampleInput(make(()))
        yield SampleInput(make(()), 0)
        yield SampleInput(make(()), dim=-1, keepdim=True)
        if multi_dim:
            yield SampleInput(make(()), dim=[-1], keepdim=True)
    elif mode == "zero_size":
        if not _has_identity(op):  # amax/argmax over nothing has no answer (an error input)
            yield SampleInput(make((0, 3)), 1)
            if multi_dim:
                yield SampleInput(make((0, 3, 2)), [1, 2], keepdim=True)
            return
        yield SampleInput(make((0, 3)))
        yield SampleInput(make((0, 3)), 0)
        yield SampleInput(make((0, 3)), 1, keepdim=True)
    elif mode == "large":
        yield SampleInput(make(BIG))
        yield SampleInput(make(BIG), 0)
        yield SampleInput(make(BIG), 1)
        yield SampleInput(make(BIG[::-1]).t(), 0)
    elif mode == "promotion" and has_dtype:
        for src, dst in ((tg.int32, tg.float32), (tg.bool, tg.float64), (tg.float16, tg.float32),
                         (tg.float32, tg.float64), (tg.int16, tg.int32)):
            yield SampleInput(Maker(op, src)(S), dtype=dst)
            yield SampleInput(Maker(op, src)(L), 1, dtype=dst)


def _scan_samples(op, dtype, mode, make):
    """The default samples of a scan (cumsum, cummax): dim is required. A scan returning (values,
    indices) gets a sample with ties (the later index wins); the others one with zeros inside the
    lines (cumprod's gradient takes another path there)."""
    pair = len(op.meta.primary.returns) == 2
    has_dtype = op.meta.has_argument("dtype", "ScalarType?")
    if mode == "basic":
        if not pair:
            zeros = np.array([[1, 0, 2, 3], [0, 2, 0, 1], [2, 1, 3, 2]])
            yield SampleInput(_maybe_noncontiguous(tg.tensor(zeros, dtype=dtype), make.noncontiguous), 1,
                              name="zeros")
        yield SampleInput(make(S), 0)
        yield SampleInput(make(S), 1)
        yield SampleInput(make(L), dim=-1)
        yield SampleInput(make(L), 1)
        if pair:
            ties = np.array([[1, 3, 3, 0, 3], [2, 2, 1, 2, 0]])
            yield SampleInput(_maybe_noncontiguous(tg.tensor(ties, dtype=dtype), make.noncontiguous), 1,
                              name="ties")
    elif mode == "zero_dim":
        yield SampleInput(make(()), 0)
        yield SampleInput(make(()), -1)
    elif mode == "zero_size":
        yield SampleInput(make((0, 3)), 0)
        yield SampleInput(make((0, 3)), 1)
        yield SampleInput(make((2, 0)), 0)
    elif mode == "large":
        yield SampleInput(make(BIG), 0)
        yield SampleInput(make(BIG), 1)
        yield SampleInput(make(BIG[::-1]).t(), 0)
    elif mode == "promotion":  # integers and bool accumulate in int64 (promotion: sum) unless dtype=
        for src, dst in ((tg.int32, tg.float32), (tg.bool, None), (tg.float16, tg.float32),
                         (tg.float32, tg.float64), (tg.int16, tg.int32), (tg.uint8, None)):
            if dst is not None and not has_dtype:
                continue
            kw = {} if dst is None else {"dtype": dst}
            yield SampleInput(Maker(op, src)(L), 1, **kw)


_DEFAULT_SAMPLES = {"pointwise": _pointwise_samples, "reduction": _reduction_samples, "scan": _scan_samples}


def _required(overload):
    return [a for a in overload.arguments if not a.kwarg_only and a.default is None]


def _generic_overload(op):
    """The overload the default error inputs call: the first one (the primary first) whose required
    positional arguments are all Tensors (lerp.Tensor, not lerp.Scalar; none for _div_rounding,
    whose rounding_mode is required), or None."""
    overloads = [op.meta.primary] + [o for o in op.meta.overloads if o is not op.meta.primary]
    return next((o for o in overloads if all(a.is_tensor for a in _required(o))), None)


# Every name defined here, private helpers included: core.py re-exports them to the family modules.
__all__ = [n for n, v in list(globals().items())
           if not n.startswith("__") and n != "annotations" and not isinstance(v, type(np))]
