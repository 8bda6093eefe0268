"""The default error inputs of each kind of op, and the helpers entries use to write their own."""
from __future__ import annotations

import builtins  # noqa: F401
import math  # noqa: F401
import warnings  # noqa: F401

import numpy as np

import tensorgen as tg
from tensorgen.testing._utils import _maybe_noncontiguous, dtype_name, make_tensor, to_numpy  # noqa: F401
from tensorgen.testing.opinfo.dtypes import *  # noqa: F403
from tensorgen.testing.opinfo.inputs import *  # noqa: F403
from tensorgen.testing.opinfo.default_samples import *  # noqa: F403


# ----------------------------------------------------------------------------- error-input helpers

def _errors(*items):
    """A fixed list of ErrorInputs: _errors((name, fn, exc[, match]), ...)."""
    def gen(op):
        return [ErrorInput(*it) for it in items]
    return gen


def _f(shape=S, dtype=tg.float32, seed=3):
    return make_tensor(shape, dtype, seed=seed)


def _callable(op):
    """The op as a function: tg.<name> (or tg._C.<name>), else the method on the first argument."""
    if "function" in op.variants:
        return op.function
    return lambda self, *args, **kwargs: getattr(self, op.name)(*args, **kwargs)


def _binary_error_items(op, fn):
    name = op.name
    yield ErrorInput("shapes that don't broadcast", lambda: fn(_f((2, 3)), _f((4,))), RuntimeError,
                     "cannot be broadcast")
    yield ErrorInput("string operand", lambda: fn(_f(), "a"), TypeError)
    if op.has_variant("inplace"):
        yield ErrorInput("in-place result doesn't fit self", lambda: getattr(_f((3, 1)), name + "_")(_f(S)),
                         RuntimeError)
    if op.has_variant("out"):
        yield ErrorInput("out= is not a tensor", lambda: fn(_f(), _f(), out=3), TypeError)
    # PyTorch's assert_no_partial_overlap (composites like div compute into a temporary first;
    # test_ops checks that they give the right answer instead)
    if op.kind == "pointwise" and op.has_variant("inplace"):
        def inplace_with_own_transpose():
            x = _f((3, 3))
            return getattr(x, name + "_")(x.t())
        yield ErrorInput("in-place with a transposed view of self (partial overlap)", inplace_with_own_transpose,
                         RuntimeError, "single memory location")
    if op.kind == "pointwise" and op.has_variant("out"):
        def out_overlaps_input():
            x = _f((5,))
            return fn(x[1:], x[1:], out=x[:-1])
        yield ErrorInput("out= overlaps an input partially", out_overlaps_input, RuntimeError,
                         "single memory location")


def _nary_error_items(op, fn):
    """The default error inputs of a pointwise op with three (or more) tensor operands (addcmul)."""
    name, n = op.name, op.arity

    def fs(*shapes):
        return [_f(shape, seed=3 + i) for i, shape in enumerate(shapes)]
    yield ErrorInput("shapes that don't broadcast", lambda: fn(*fs((2, 3), (4,), *[(2, 3)] * (n - 2))), RuntimeError,
                     "cannot be broadcast")
    yield ErrorInput("third operand doesn't broadcast", lambda: fn(*fs(S, S, (5,), *[S] * (n - 3))), RuntimeError,
                     "cannot be broadcast")
    yield ErrorInput("string operand", lambda: fn(*fs(*[S] * (n - 1)), "a"), TypeError)
    yield ErrorInput("missing operand", lambda: fn(*fs(*[S] * (n - 1))), TypeError)
    if op.has_variant("inplace"):
        yield ErrorInput("in-place result doesn't fit self",
                         lambda: getattr(_f((3, 1)), name + "_")(*fs(*[S] * (n - 1))), RuntimeError)

        def inplace_with_own_transpose():
            x = _f((3, 3))
            return getattr(x, name + "_")(x.t(), *fs(*[(3, 3)] * (n - 2)))
        yield ErrorInput("in-place with a transposed view of self (partial overlap)", inplace_with_own_transpose,
                         RuntimeError, "single memory location")
    if op.has_variant("out"):
        yield ErrorInput("out= is not a tensor", lambda: fn(*fs(*[S] * n), out=3), TypeError)

        def out_overlaps_input():
            x = _f((5,))
            return fn(x[1:], *fs(*[(4,)] * (n - 2)), x[1:], out=x[:-1])
        yield ErrorInput("out= overlaps an input partially", out_overlaps_input, RuntimeError,
                         "single memory location")


def _unary_error_items(op, fn):
    yield ErrorInput("not a tensor", lambda: fn([1.0, 2.0]), TypeError)
    yield ErrorInput("too many arguments", lambda: fn(_f(), _f()), TypeError)


def _uncastable(dt):
    """A dtype that a result of dtype dt can't be written into (None for bool: it fits anywhere)."""
    if dt is tg.bool:
        return None
    return tg.int64 if is_floating(dt) else tg.bool


def _input_dtype(op):
    """The dtype of the inputs of the default error inputs: float32 when the op takes it."""
    for dt in (tg.float32, tg.int64):
        if dt in op.dtypes:
            return dt
    return op.dtypes[0]


def _out_dtype_error(op, fn, args):
    """out= of a dtype the result can't be cast to (the op's own dtype rules give the result)."""
    sample = SampleInput(*args)
    if not op.has_variant("out") or not op.supports_out(sample) or op.expected_error(sample) is not None:
        return
    rdt = op.result_dtype(sample)
    bad = None if isinstance(rdt, tuple) else _uncastable(rdt)
    if bad is not None:
        # `tags: out_casts` (cat): PyTorch's TypeError; every other op's check is a RuntimeError
        exc = TypeError if op.meta is not None and "out_casts" in op.meta.tags else RuntimeError
        yield ErrorInput(f"out= of dtype {dtype_name(bad)} ({dtype_name(rdt)} result)",
                         lambda: fn(*args, out=tg.empty(0, dtype=bad)), exc, "can't be cast")


def _inplace_dtype_error(op):
    """self.op_(...) whose result dtype can't be written into self: an integer self with a float
    result (exp_ of int64, or int64.add_(float32))."""
    if not op.has_variant("inplace") or op.arity < 1:
        return
    for self_dt in (tg.int64, tg.bool):
        args = [_f(S, self_dt, seed=4)] + [_f(S, tg.float32, seed=5 + i) for i in range(op.arity - 1)]
        sample = SampleInput(*args)
        if op.expected_error(sample) is not None:
            continue
        rdt = op.result_dtype(sample)
        if isinstance(rdt, tuple) or can_cast(rdt, self_dt):
            continue
        yield ErrorInput(f"in-place {dtype_name(rdt)} result into self of dtype {dtype_name(self_dt)}",
                         lambda: getattr(args[0], op.name + "_")(*args[1:]), RuntimeError, "can't be cast")
        return


def _generic_call_ok(op) -> bool:
    """Whether the default error inputs can call the op with tensors alone."""
    return _generic_overload(op) is not None


def pointwise_error_inputs(op):
    """The default error inputs of a pointwise op, from its arity, variants and dtype rules."""
    if not _generic_call_ok(op):
        return
    fn = _callable(op)
    required = _required(_generic_overload(op))
    if op.arity == 1:
        yield from _unary_error_items(op, fn)
    elif op.arity >= 3 and len(required) == op.arity:  # addcmul (not clamp: its min and max are optional)
        yield from _nary_error_items(op, fn)
    else:
        yield from _binary_error_items(op, fn)
    dt = _input_dtype(op)
    yield from _out_dtype_error(op, fn, [_f(S, dt, seed=6 + i) for i in range(max(op.arity, 1))])
    yield from _inplace_dtype_error(op)
    yield from _unsupported_dtype_errors(op, fn, len(required))


def _unsupported_dtype_errors(op, fn, n):
    """`trunc of bool`: operands of a dtype outside the op's set that promotion doesn't lift into it
    raise NotImplementedError naming the op; one dtype of each category (bool, integer, floating;
    test_ops checks every dtype without the op's name)."""
    for category in ((tg.bool,), (tg.int64, tg.int32, tg.int16, tg.int8, tg.uint8),
                     (tg.float32, tg.float64, tg.float16, tg.bfloat16)):
        for dt in category:
            args = [_f(S, dt, seed=3 + i) for i in range(n)]
            sample = SampleInput(*args)
            if dt not in op.dtypes and op.compute_dtype(sample) is dt and op.expected_error(sample) is NotImplementedError:
                yield ErrorInput(f"{op.name} of {dtype_name(dt)}", lambda args=args: fn(*args), NotImplementedError,
                                 rf"\[{op.name}\]")
                break


def reduction_error_inputs(op):
    """The default error inputs of a reduction: dims out of range or of the wrong type, out= of a
    dtype the result can't be cast to, dtype= that is not a dtype."""
    if not _generic_call_ok(op):
        return
    fn = _callable(op)
    name = op.name
    meta = op.meta
    if meta.has_argument("dim"):
        yield ErrorInput("dim out of range", lambda: fn(_f(), dim=5), IndexError, rf"\[{name}\]")
        yield ErrorInput("dim out of range (negative)", lambda: fn(_f(), dim=-3), IndexError)
        if meta.has_argument("dim", "int[1]?") or meta.has_argument("dim", "int[1]"):
            yield ErrorInput("repeated dim", lambda: fn(_f(), dim=(0, 0)), RuntimeError, "multiple times")
            yield ErrorInput("dim out of range in a list", lambda: fn(_f(), dim=[0, -3]), IndexError)
        yield ErrorInput("dim is a string", lambda: fn(_f(), dim="a"), TypeError)
        yield ErrorInput("dim is a float", lambda: fn(_f(), dim=0.5), TypeError)
    if not _has_identity(op) and op._sample_inputs is None:
        # what the default zero-size samples stay clear of (median and mode bring their own rules:
        # median of no floats is nan, mode reduces one dim)
        # (PyTorch's argmax/argmin raise IndexError here, the other reductions RuntimeError)
        yield ErrorInput("no elements, all dims", lambda: fn(tg.empty([0, 3])),
                         IndexError if op.name in ("argmax", "argmin") else RuntimeError)
        if meta.has_argument("dim"):
            yield ErrorInput("reducing a zero-size dim", lambda: fn(tg.empty([0, 3]), dim=0), IndexError)
    if op.promotion == "floating_only":  # mean of integers: PyTorch can't infer the output dtype
        yield ErrorInput(f"{name} of int64", lambda: fn(_f(S, tg.int64)), RuntimeError, "dtype")
        yield ErrorInput(f"{name} of bool", lambda: fn(_f(S, tg.bool)), RuntimeError)
    for a in meta.primary.arguments:  # var's correction=: a number, not a string
        if a.kwarg_only and a.type.rstrip("?") in ("Scalar", "float", "int"):
            yield ErrorInput(f"{a.name} is a string", lambda a=a: fn(_f(), **{a.name: "1"}), TypeError)
    if len(meta.returns) == 1:
        yield from _out_dtype_error(op, fn, [_f(S, _input_dtype(op))])
    if meta.has_argument("dtype", "ScalarType?"):
        yield ErrorInput("dtype= is not a dtype", lambda: fn(_f(), dtype="float32"), TypeError)
        if op.promotion == "floating_only":
            yield ErrorInput("dtype= of an integer type", lambda: fn(_f(), dtype=tg.int64), RuntimeError,
                             rf"\[{name}\]")


def scan_error_inputs(op):
    """The default error inputs of a scan (cumsum, cummax): dim required, in range and an int; dtype=
    a supported dtype; out= and in-place results that can't hold the result's dtype."""
    fn = _callable(op)
    name, meta = op.name, op.meta
    yield ErrorInput("dim out of range", lambda: fn(_f(), 2), IndexError, rf"\[{name}\]")
    yield ErrorInput("dim out of range (negative)", lambda: fn(_f(), -3), IndexError)
    yield ErrorInput("0-d input, dim 1", lambda: fn(tg.tensor(1.0), 1), IndexError)
    yield ErrorInput("dim missing", lambda: fn(_f()), TypeError)
    yield ErrorInput("dim is a list", lambda: fn(_f(), [0]), TypeError)
    if meta.has_argument("dtype", "ScalarType?"):
        yield ErrorInput("dtype= is not a dtype", lambda: fn(_f(), 0, dtype="float32"), TypeError)
        bad = next((dt for dt in ALL_DTYPES if dt not in op.dtypes), None)
        if bad is not None:
            yield ErrorInput(f"{dtype_name(bad)} dtype=", lambda: fn(_f(), 0, dtype=bad), NotImplementedError)
    if len(meta.primary.returns) == 1:
        yield from _out_dtype_error(op, fn, [_f(S, _input_dtype(op)), 0])
    elif op.has_variant("out"):  # (values, indices)
        yield ErrorInput("out= indices of dtype float32", lambda: fn(_f(), 0, out=(tg.empty(0), tg.empty(0))),
                         RuntimeError, "int64")
        yield ErrorInput("out= of one tensor", lambda: fn(_f(), 0, out=tg.empty(0)), TypeError)
    if op.has_variant("inplace"):  # cumsum_ of bool: the int64 result can't be written into bool
        for self_dt in (tg.int64, tg.bool):
            sample = SampleInput(_f(S, self_dt, seed=4), 0)
            rdt = op.result_dtype(sample)
            if op.expected_error(sample) is None and not isinstance(rdt, tuple) and not can_cast(rdt, self_dt):
                yield ErrorInput(f"{name}_ of {dtype_name(self_dt)} ({dtype_name(rdt)} result into "
                                 f"{dtype_name(self_dt)})", lambda x=sample.input: getattr(x, name + "_")(0),
                                 RuntimeError, "can't be cast")


_DEFAULT_ERRORS = {"pointwise": pointwise_error_inputs, "reduction": reduction_error_inputs,
                   "scan": scan_error_inputs}


# Helpers of the entries written before the defaults existed: they yield the same error inputs
# (deduplicated by name against the defaults) plus `extra`.
def _binary_errors(name, extra=()):
    def gen(op):
        yield from _binary_error_items(op, getattr(tg, name))
        for e in extra:
            yield ErrorInput(*e)
    return gen


def _unary_errors(name, extra=()):
    def gen(op):
        yield from _unary_error_items(op, getattr(tg, name))
        for e in extra:
            yield ErrorInput(*e)
    return gen


def _int_inplace_error(name, *args):
    """exp_ on an integer tensor: the float32 result can't be written into int64."""
    return (f"{name}_ on int64 (float result into an int tensor)",
            lambda: getattr(_f(S, tg.int64), name + "_")(*args), RuntimeError, "can't be cast")


def _reduction_errors(name, extra=()):
    def gen(op):
        yield from reduction_error_inputs(op)
        for e in extra:
            yield ErrorInput(*e)
    return gen


def _nan_tensor(dtype):
    return tg.tensor([1.0, float("nan"), -2.0], dtype=dtype)


def _fill_value(dtype):
    return True if dtype is tg.bool else (3 if not is_floating(dtype) else 2.5)


def _shape_samples(per_mode):
    def gen(op, dtype, mode, make):
        for shape, args, kwargs in per_mode.get(mode, []):
            yield SampleInput(make(shape), *args, **kwargs)
    return gen


# Every name defined here, private helpers included: core.py re-exports them to the family modules.
__all__ = [n for n, v in list(globals().items())
           if not n.startswith("__") and n != "annotations" and not isinstance(v, type(np))]
