"""Pointwise ops (kind: pointwise, or tagged pointwise): arithmetic, unary math, comparisons, logical ops."""
from __future__ import annotations

import builtins
import math

import numpy as np

import tensorgen as tg
from tensorgen.testing.opinfo.core import *  # noqa: F403  (the vocabulary of entries: OpInfo, SampleInput, _f, S, ...)


def _add_ref(a, b, alpha=1):
    return a + alpha * b if a.dtype != np.bool_ else np.logical_or(a, b)


def _sub_ref(a, b, alpha=1):
    return a - alpha * b


def _alpha_samples(op, dtype, mode, make):
    yield from _binary_samples(op, dtype, mode, make)
    if mode == "basic" and dtype is not tg.bool:
        yield SampleInput(make(S), make(S), alpha=2)
        if is_floating(dtype):
            yield SampleInput(make(S), make(S), alpha=0.5)


def _sub_expected_error(op, sample):
    a, b = sample.args[0], sample.args[1]
    a_bool = isinstance(a, tg.Tensor) and a.dtype is tg.bool
    b_bool = (isinstance(b, tg.Tensor) and b.dtype is tg.bool) or isinstance(b, builtins.bool)
    # PyTorch: subtraction with a bool tensor (either side; a Python bool becomes one) is an error
    return RuntimeError if a_bool or b_bool else None


def _div_samples(op, dtype, mode, make):
    yield from _binary_samples(op, dtype, mode, make, nonzero_other=True)
    if mode == "basic" and dtype is not tg.bool:
        for rm in ("trunc", "floor"):
            yield SampleInput(make(S), make(S, nonzero=True), rounding_mode=rm)
            yield SampleInput(make(L), -3, rounding_mode=rm)
        yield SampleInput(make(S), 2.5, rounding_mode="floor")
        yield SampleInput(make(S), make(S, nonzero=True), rounding_mode=None)
    if mode == "promotion":
        yield SampleInput(Maker(op, tg.int32)(S), Maker(op, tg.int64)(S, nonzero=True), rounding_mode="floor")
        yield SampleInput(Maker(op, tg.uint8)(S), 2, rounding_mode="trunc")


def _div_rounding_ref(a, b, rounding_mode=None):
    if rounding_mode is None:
        return a / b
    if rounding_mode == "trunc":
        if np.issubdtype(np.asarray(a).dtype, np.integer) and isinstance(b, (np.ndarray, builtins.int)):
            return np.trunc(np.asarray(a, dtype=np.float64) / np.asarray(b, dtype=np.float64))
        return np.trunc(a / b)
    return np.floor_divide(a, b)


def _div_compute(op, sample):
    common = result_type(*[a for a in sample.args if not isinstance(a, str)])
    if sample.kwargs.get("rounding_mode") is None and not is_floating(common):
        return tg.float32
    return common


def _div_expected_error(op, sample):
    if sample.kwargs.get("rounding_mode") is not None and _div_compute(op, sample) is tg.bool:
        return NotImplementedError
    return None


def _div_rounding_samples(op, dtype, mode, make):
    for s in _binary_samples(op, dtype, mode, make, nonzero_other=True):
        for rm in ("trunc", "floor"):
            yield SampleInput(*s.args, rm)


def _pow_samples(op, dtype, mode, make):
    if is_floating(dtype):
        base = dict(low=0.5, high=3.0)
        ex = dict(low=-2.0, high=3.0)
    else:
        base = dict(low=-3, high=4)
        ex = dict(low=0, high=4)
    if mode == "basic":
        yield SampleInput(make(S, **base), make(S, **ex))
        yield SampleInput(make(L, **base), make(L, **ex))
        yield SampleInput(make(S, **base), 2)
        yield SampleInput(make(S, **base), 3)
        yield SampleInput(make(S, **base), 0)
        if is_floating(dtype):
            yield SampleInput(make(S, **base), 0.5)
            yield SampleInput(make(S, **base), -1.5)
    elif mode == "broadcast":
        yield SampleInput(make(S, **base), make((4,), **ex))
        yield SampleInput(make((3, 1), **base), make((1, 4), **ex))
    elif mode == "zero_dim":
        yield SampleInput(make((), **base), make((), **ex))
        yield SampleInput(make(S, **base), make((), **ex))
    elif mode == "zero_size":
        yield SampleInput(make((0, 4), **base), make((0, 4), **ex))
        yield SampleInput(make((0, 4), **base), 2)
    elif mode == "large":
        yield SampleInput(make(BIG, **base), make(BIG, **ex))
        yield SampleInput(make(BIG, **base), 2)
    elif mode == "promotion":
        yield SampleInput(Maker(op, tg.int64)(S, low=0, high=4), 0.5)        # int ** float -> float32
        yield SampleInput(Maker(op, tg.int32)(S, low=0, high=4), Maker(op, tg.float64)((), low=0, high=2))
        yield SampleInput(Maker(op, tg.float16)(S, low=0.5, high=3), 2)
        yield SampleInput(Maker(op, tg.uint8)(S, low=0, high=4), Maker(op, tg.int8)(S, low=0, high=3))
        # a number first (pow.Scalar): the weak base neither upcasts float16 nor keeps int64 from float
        yield SampleInput(2, Maker(op, tg.int64)(S, low=0, high=4), name="number first")
        yield SampleInput(2.5, Maker(op, tg.int64)(S, low=0, high=4), name="number first")
        yield SampleInput(2, Maker(op, tg.float16)(S, low=-2, high=3), name="number first")
        yield SampleInput(0.5, Maker(op, tg.float32)(S, low=-2, high=3), name="number first")
        yield SampleInput(-3, Maker(op, tg.uint8)(S, low=0, high=4), name="number first")


def _clamp_samples(op, dtype, mode, make):
    lo, hi = (1, 6) if dtype is not tg.bool else (0, 1)
    if mode == "basic":
        yield SampleInput(make(S), lo, hi)
        yield SampleInput(make(L), min=lo)
        yield SampleInput(make(L), max=hi)
        yield SampleInput(make(S), make(S), make(S))
        yield SampleInput(make(S), min=make(S))
        if dtype is not tg.bool:
            yield SampleInput(make(S), hi, lo)      # min > max: everything becomes max
        if is_floating(dtype):
            yield SampleInput(make(S), -2.5, 3.5)
    elif mode == "broadcast":
        yield SampleInput(make(S), min=make((4,)), max=make((3, 1)))
        yield SampleInput(make(S), make((1, 4)))
    elif mode == "zero_dim":
        yield SampleInput(make(()), lo, hi)
        yield SampleInput(make(S), make(()), make(()))
    elif mode == "zero_size":
        yield SampleInput(make((0, 4)), lo, hi)
        yield SampleInput(make((0, 4)), max=make((4,)))
    elif mode == "large":
        yield SampleInput(make(BIG), lo, hi)
        yield SampleInput(make(BIG), make(BIG), make((BIG[1],)))
    elif mode == "promotion":
        yield SampleInput(Maker(op, tg.int32)(S), -2.5, 3.5)   # float bounds with an int tensor: float32
        yield SampleInput(Maker(op, tg.bool)(S), 0, 2)         # int bounds with a bool tensor: int64
        yield SampleInput(Maker(op, tg.float16)(S), min=Maker(op, tg.float32)(S))


def _clamp_ref(a, min=None, max=None):
    r = a
    if min is not None:
        r = np.maximum(r, min)
    if max is not None:
        r = np.minimum(r, max)
    return r


def _where_samples(op, dtype, mode, make):
    cond = Maker(op, tg.bool, noncontiguous=make.noncontiguous, seed=50)
    if mode == "basic":
        yield SampleInput(cond(S), make(S), make(S))
        yield SampleInput(cond(L), make(L), make(L))
        yield SampleInput(cond(S), make(S), _scalar_for(dtype))
    elif mode == "broadcast":
        yield SampleInput(cond((4,)), make(S), make((3, 1)))
        yield SampleInput(cond(S), make((4,)), make(()))
        yield SampleInput(cond((2, 1, 1)), make((3, 1)), make((4,)))
    elif mode == "zero_dim":
        yield SampleInput(cond(()), make(()), make(()))
        yield SampleInput(cond(()), make(S), make(S))
    elif mode == "zero_size":
        yield SampleInput(cond((0, 4)), make((0, 4)), make((4,)))
    elif mode == "large":
        yield SampleInput(cond(BIG), make(BIG), make(BIG[::-1]).t())
    elif mode == "promotion":
        yield SampleInput(cond(S), Maker(op, tg.int64)(S), Maker(op, tg.float32)(S))
        yield SampleInput(cond(S), Maker(op, tg.float16)(S), 0.5)
        yield SampleInput(cond(S), Maker(op, tg.uint8)(S), Maker(op, tg.int8)(S))


def _where_ref(c, a, b):
    return np.where(c, a, b)


def _where_operands_dtype(op, sample):
    return result_type(*sample.args[1:])

def _neg_expected_error(op, sample):
    return RuntimeError if sample.args[0].dtype is tg.bool else None


def _sign_ref(a):
    return a.copy() if a.dtype == np.bool_ else np.sign(a)


def _round_ref(a):
    return np.round(a)  # half to even, like PyTorch


def _rounding_samples(op, dtype, mode, make):
    yield from _unary_samples(op, dtype, mode, make)
    if mode == "basic" and is_floating(dtype):
        ties = [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.25, -0.75, 3.0, -3.0, 7.5, -0.0]
        yield SampleInput(tg.tensor(ties, dtype=dtype), name="ties")


def _sigmoid_ref(a):
    return 1.0 / (1.0 + np.exp(-a))


def _rsqrt_ref(a):
    return 1.0 / np.sqrt(a)


# float ops on integer and bool inputs: PyTorch promotes those to float32 (int_to_float).
_FLOAT_UNARY = [
    ("exp", np.exp, (None, None)),
    ("log", np.log, (0.1, 9.0)),
    ("sqrt", np.sqrt, (0.0, 9.0)),
    ("rsqrt", _rsqrt_ref, (0.1, 9.0)),
    ("sin", np.sin, (None, None)),
    ("cos", np.cos, (None, None)),
    ("tanh", np.tanh, (None, None)),
    ("sigmoid", _sigmoid_ref, (None, None)),
]



_TOL = {tg.float32: (1e-5, 1e-5)}  # float32 math functions: a few ulp apart from NumPy's


def _erf_ref(fn):
    return np.vectorize(fn, otypes=[np.float64])


def _erfinv_scalar(y):
    """erfinv by bisection on math.erf (NumPy has no erfinv and the tests don't need SciPy)."""
    if math.isnan(y) or abs(y) > 1:
        return math.nan
    if abs(y) == 1:
        return math.copysign(math.inf, y)
    if y == 0:
        return y  # keeps -0.0
    lo, hi = -6.0, 6.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):
            break
        if math.erf(mid) < y:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def _logit_ref(a, eps=None):
    if eps is not None:
        a = np.clip(a, eps, 1 - eps)
    return np.log(a / (1 - a))


def _logit_samples(op, dtype, mode, make):
    yield from _unary_samples(op, dtype, mode, make)
    if mode == "basic":
        yield SampleInput(make(S, low=-0.5, high=1.5), eps=0.2)
        yield SampleInput(make(S, low=-0.5, high=1.5), 0.0)
        yield SampleInput(make(S, low=-0.5, high=1.5), eps=None)    # outside [0, 1]: nan


def _logit_backward_ref(g, x, eps=None):
    x = np.asarray(x, np.float64)
    lo = 0.0 if eps is None else eps
    with np.errstate(all="ignore"):
        return np.where((x < lo) | (x > 1 - lo), np.nan if eps is None else 0.0, g / (x * (1 - x)))


def _two_operands_dtype(op, sample):
    """grad_output and self promote; eps is an argument."""
    return result_type(*sample.args[:2])


def _logit_backward_samples(op, dtype, mode, make):
    """The binary defaults as (grad_output, self) with self in (0, 1); in basic mode also self
    beyond [0, 1] and eps."""
    for s in _binary_samples(op, dtype, mode, make):
        if isinstance(s.args[1], tg.Tensor):  # (a number for self would be outside (0, 1): all NaN)
            yield s
    if mode == "basic":
        yield SampleInput(make(S), make(S, low=-0.5, high=1.5), eps=0.2)
        yield SampleInput(make(S), make(S, low=-0.5, high=1.5), 0.0)
        yield SampleInput(make(S, noncontiguous=True), make(S, low=-0.5, high=1.5), eps=None)  # outside: nan


def _nan_to_num_samples(op, dtype, mode, make):
    yield from _unary_samples(op, dtype, mode, make)
    if mode == "basic" and is_floating(dtype):
        yield SampleInput(special_values(L, dtype), nan=1.5)
        yield SampleInput(special_values(L, dtype), posinf=100.0, neginf=-7.0)
        yield SampleInput(special_values(L, dtype), 2.0, 1e10, -1e10)  # 1e10 is inf in float16


def _nan_to_num_ref(a, nan=0.0, posinf=None, neginf=None):
    return np.nan_to_num(a, nan=nan, posinf=posinf, neginf=neginf)


def _square_dtype(op, sample):
    dt = sample.args[0].dtype
    return tg.int64 if dt is tg.bool else dt


def _nonzero_binary(op, dtype, mode, make):
    yield from _binary_samples(op, dtype, mode, make, nonzero_other=True)


def _xlogy_ref(x, y):
    return np.where(np.isnan(y), np.nan, np.where(x == 0, 0.0, x * np.log(y)))


def _xlogy_samples(op, dtype, mode, make):
    yield from _binary_samples(op, dtype, mode, make)
    if mode == "basic":
        yield SampleInput(tg.zeros(S, dtype=dtype), make(S), name="x == 0")
        if is_floating(dtype):
            yield SampleInput(tg.zeros(S, dtype=dtype), special_values(S, dtype), name="ieee specials")


def _heaviside_ref(a, b):
    # PyTorch: heaviside(nan, v) = 0 (NumPy says nan)
    return np.where(a == 0, b, a > 0)


def _heaviside_expected_error(op, sample):
    a, b = sample.args[:2]
    b_dtype = b.dtype if isinstance(b, tg.Tensor) else {builtins.bool: tg.bool, builtins.int: tg.int64,
                                                       builtins.float: tg.float64}[type(b)]
    return RuntimeError if a.dtype is not b_dtype else None  # "not yet implemented for different dtypes"


def _signed(dt):
    return np.dtype(f"int{np.dtype(dt).itemsize * 8}")


def _shift_ref(left):
    def ref(a, b):
        a, b = np.broadcast_arrays(np.asarray(a), np.asarray(b, dtype=np.asarray(a).dtype))
        dt, bits = a.dtype, a.dtype.itemsize * 8
        amount = b.astype(_signed(dt)).astype(np.int64)        # PyTorch reads the amount as signed
        ok = (amount >= 0) & (amount < (bits if left or dt.kind == "u" else bits - 1))
        safe = np.where(ok, amount, 0).astype(dt)
        if left:
            return np.where(ok, np.left_shift(a, safe), 0).astype(dt)
        fill = np.right_shift(a, bits - 1) if dt.kind == "i" else np.zeros_like(a)
        return np.where(ok, np.right_shift(a, safe), fill).astype(dt)
    return ref


def _shift_samples(op, dtype, mode, make):
    yield from _binary_samples(op, dtype, mode, make)
    if mode == "basic" and dtype in INTEGRAL:
        amounts = np.array([0, 1, 7, 8, 15, 16, 31, 32, 63, 64, 100, -1]).astype(np_dtype(dtype))
        yield SampleInput(make(S), tg.tensor(amounts.reshape(S), dtype=dtype), name="shift by the width and more")


def _type_as_samples(op, dtype, mode, make):
    if mode == "basic":
        for other in (tg.float32, tg.int64, tg.bool, tg.float16, dtype):
            yield SampleInput(make(S), Maker(op, other, seed=5)(S))
    elif mode == "zero_size":
        yield SampleInput(make((0, 3)), Maker(op, tg.float64)((2,)))


def _type_as_ref(a, b):
    if a.dtype.kind == "f" and b.dtype.kind in "iu":
        a = a.astype(np.int64)  # float -> integer goes through int64, like the copy kernels
    return a.astype(b.dtype)


# name, NumPy reference, domain of the floating inputs (int_to_float: integers become float32)


def _addcmul_ref(a, t1, t2, value=1):
    return a + _scalar_to(value, t1.dtype) * t1 * t2  # value in the compute dtype, like the kernel


def _addcdiv_ref(a, t1, t2, value=1):
    return a + _scalar_to(value, t1.dtype) * t1 / t2


def _lerp_ref(a, b, w):
    # PyTorch's formula: exact at w = 0 and w = 1 (the branch keeps the small factor on the side of
    # the endpoint it approaches)
    w = np.asarray(w, dtype=a.dtype) if not isinstance(w, np.ndarray) else w
    return np.where(np.abs(w) < 0.5, a + w * (b - a), b - (b - a) * (1 - w))


def _value_kwargs(dtype):
    # the values _scalar_kwargs (core.py) gives, for bool too (an error for addcdiv)
    return [{"value": 2}, {"value": 3}] if not is_floating(dtype) else [{"value": 0.5}, {"value": -2}]


def _addcdiv_samples(op, dtype, mode, make):
    yield from _ternary_samples(op, dtype, mode, make, nonzero=(2,), extra_kwargs=_value_kwargs(dtype))


def _addcdiv_expected_error(op, sample):
    t1, t2 = sample.args[1], sample.args[2]
    # PyTorch: integer (or bool) tensor1 and tensor2 would be an integer division: an error
    return RuntimeError if not is_floating(t1.dtype) and not is_floating(t2.dtype) else None


def _lerp_samples(op, dtype, mode, make):
    yield from _ternary_samples(op, dtype, mode, make)  # lerp.Tensor
    if mode == "basic":  # lerp.Scalar: weights inside, at the ends of and outside [0, 1]
        for w in (0.25, 0.5, 0.75, 0.0, 1.0, -1.5, 2.0):
            yield SampleInput(make(S), make(S), w)
    elif mode == "broadcast":
        yield SampleInput(make((3, 1)), make((4,)), 0.3)
    elif mode == "zero_dim":
        yield SampleInput(make(()), make(S), 0.7)
    elif mode == "large":
        yield SampleInput(make(BIG[::-1]).t(), make(BIG), 0.6)


def _tensor_operands_dtype(op, sample):
    # lerp.Scalar's weight is a Scalar argument, not an operand: lerp(int, int, 0.5) stays integer
    return result_type(*[x for x in sample.args if isinstance(x, tg.Tensor)])


def _lerp_expected_error(op, sample):
    a = sample.args[0]
    # PyTorch's lerp doesn't promote: end and a tensor weight must have self's dtype
    others = [x for x in sample.args[1:] if isinstance(x, tg.Tensor)]
    return RuntimeError if any(x.dtype is not a.dtype for x in others) else None


def entries():
    """kind, promotion, dtypes and arity come from native_functions.yaml; the default samples and
    error inputs of the kind come from core.py: a plain op needs only its reference."""
    out = []
    add_extra = [
        ("alpha is a float for integer tensors", lambda: tg.add(_f(S, tg.int64), _f(S, tg.int64), alpha=0.5),
         RuntimeError, "alpha"),
    ]
    out.append(OpInfo("add", ref=_add_ref, sample_inputs=_alpha_samples, error_inputs=_errors(*add_extra)))
    out.append(OpInfo("sub", ref=_sub_ref, sample_inputs=_alpha_samples, expected_error=_sub_expected_error,
                      error_inputs=_errors(
                          ("bool - bool", lambda: tg.sub(_f(S, tg.bool), _f(S, tg.bool)), RuntimeError,
                           r"\[sub\].*bool"),
                          ("bool - True", lambda: tg.sub(_f(S, tg.bool), True), RuntimeError, r"\[sub\]"),
                      )))
    out.append(OpInfo("mul", ref=np.multiply))
    out.append(OpInfo("div", ref=_div_rounding_ref, sample_inputs=_div_samples, compute_dtype=_div_compute,
                      expected_error=_div_expected_error, error_inputs=_errors(
                          ("unknown rounding_mode", lambda: tg.div(_f(), _f(), rounding_mode="bogus"), RuntimeError,
                           "rounding_mode"),
                          ("integer division by zero",
                           lambda: tg.div(_f(S, tg.int64), tg.zeros(S, dtype=tg.int64), rounding_mode="floor"),
                           RuntimeError, "ZeroDivisionError"),
                          ("rounding division of bool",
                           lambda: tg.div(_f(S, tg.bool), _f(S, tg.bool), rounding_mode="floor"),
                           NotImplementedError),
                          _int_inplace_error("div", 2),
                      )))
    out.append(OpInfo("true_divide", ref=np.true_divide,
                      sample_inputs=lambda op, dt, mode, make: _binary_samples(op, dt, mode, make, nonzero_other=True)))
    # rounding_mode is a required argument: the defaults of the kind can't call it, these do
    out.append(OpInfo("_div_rounding", ref=_div_rounding_ref, sample_inputs=_div_rounding_samples, ieee_specials=False,
                      error_inputs=_errors(
                          ("unknown rounding_mode", lambda: tg._C._div_rounding(_f(), _f(), "bogus"), RuntimeError),
                          ("bool inputs", lambda: tg._C._div_rounding(_f(S, tg.bool), _f(S, tg.bool), "floor"),
                           NotImplementedError),
                      )))
    out.append(OpInfo("pow", ref=np.power, sample_inputs=_pow_samples, error_inputs=_errors(
        ("integer to a negative integer power", lambda: tg.pow(_f(S, tg.int64), -1), RuntimeError, "negative"),
        ("bool base", lambda: tg.pow(_f(S, tg.bool), _f(S, tg.bool)), NotImplementedError),
    )))
    out.append(OpInfo("maximum", ref=np.maximum))
    out.append(OpInfo("minimum", ref=np.minimum))
    out.append(OpInfo("neg", ref=np.negative, expected_error=_neg_expected_error, error_inputs=_errors(
        ("neg of bool", lambda: tg.neg(_f(S, tg.bool)), RuntimeError, r"\[neg\]"))))
    out.append(OpInfo("abs", ref=np.abs))
    # sign(nan): NumPy says nan, PyTorch 0
    out.append(OpInfo("sign", ref=_sign_ref, ieee_specials=False))
    for name, ref, domain in _FLOAT_UNARY:
        out.append(OpInfo(name, ref=ref, domain=domain, tol=_TOL))
    out.append(OpInfo("relu", ref=lambda a: np.maximum(a, 0).astype(a.dtype)))
    for name, ref in (("floor", np.floor), ("ceil", np.ceil), ("round", _round_ref)):
        out.append(OpInfo(name, ref=ref, sample_inputs=_rounding_samples))
    out.append(OpInfo("clamp", ref=_clamp_ref, sample_inputs=_clamp_samples, error_inputs=_errors(
        ("neither min nor max", lambda: tg.clamp(_f()), RuntimeError, "min.*max"),
        ("min doesn't broadcast", lambda: tg.clamp(_f(), min=_f((5,))), RuntimeError),
        ("min is a string", lambda: tg.clamp(_f(), min="a"), TypeError),
        ("clamp_ with float bounds on an int tensor", lambda: _f(S, tg.int64).clamp_(0.5, 2.5), RuntimeError),
    )))
    for name, fn in (("eq", np.equal), ("ne", np.not_equal), ("lt", np.less), ("le", np.less_equal),
                     ("gt", np.greater), ("ge", np.greater_equal)):
        out.append(OpInfo(name, ref=fn))
    out.append(OpInfo("logical_not", ref=np.logical_not, compute_dtype=lambda op, s: s.args[0].dtype))
    out.append(OpInfo("logical_and", ref=np.logical_and))
    out.append(OpInfo("logical_or", ref=np.logical_or))
    # The condition comes first and must be bool: the defaults of the kind (two float operands) don't fit.
    out.append(OpInfo("where", ref=_where_ref, sample_inputs=_where_samples, compute_dtype=_where_operands_dtype,
                      method_self=1, ieee_specials=(1, 2), default_error_inputs=False, error_inputs=_errors(
                          ("condition is not bool", lambda: tg.where(_f(), _f(), _f()), RuntimeError, "condition"),
                          ("shapes don't broadcast", lambda: tg.where(_f(S, tg.bool), _f((2, 3)), _f(S)), RuntimeError),
                          ("condition is a number", lambda: tg.where(True, _f(), _f()), TypeError),
                      )))

    # -- more unary float math (int_to_float: integer and bool inputs give float32)
    out.append(OpInfo("log1p", ref=np.log1p, domain=(-0.9, 9.0), tol=_TOL))
    out.append(OpInfo("expm1", ref=np.expm1, tol=_TOL))
    out.append(OpInfo("sinc", ref=np.sinc, tol=_TOL))
    out.append(OpInfo("log2", ref=np.log2, domain=(0.1, 9.0), tol=_TOL))
    out.append(OpInfo("log10", ref=np.log10, domain=(0.1, 9.0), tol=_TOL))
    out.append(OpInfo("exp2", ref=np.exp2, tol=_TOL))
    out.append(OpInfo("tan", ref=np.tan, domain=(-1.4, 1.4), tol=_TOL))
    out.append(OpInfo("asin", ref=np.arcsin, domain=(-0.95, 0.95), tol=_TOL))
    out.append(OpInfo("acos", ref=np.arccos, domain=(-0.95, 0.95), tol=_TOL))
    out.append(OpInfo("atan", ref=np.arctan, tol=_TOL))
    out.append(OpInfo("sinh", ref=np.sinh, tol=_TOL))
    out.append(OpInfo("cosh", ref=np.cosh, tol=_TOL))
    out.append(OpInfo("asinh", ref=np.arcsinh, tol=_TOL))
    out.append(OpInfo("acosh", ref=np.arccosh, domain=(1.05, 9.0), tol=_TOL))
    out.append(OpInfo("atanh", ref=np.arctanh, domain=(-0.95, 0.95), tol=_TOL))
    out.append(OpInfo("erf", ref=_erf_ref(math.erf), domain=(-3.0, 3.0), tol=_TOL))     # NumPy has no erf
    out.append(OpInfo("erfc", ref=_erf_ref(math.erfc), domain=(-3.0, 3.0), tol=_TOL))
    out.append(OpInfo("erfinv", ref=_erf_ref(_erfinv_scalar), domain=(-0.95, 0.95), tol=_TOL))
    out.append(OpInfo("reciprocal", ref=np.reciprocal, tol=_TOL))
    out.append(OpInfo("trunc", ref=np.trunc, sample_inputs=_rounding_samples))
    out.append(OpInfo("frac", ref=lambda a: a - np.trunc(a)))
    out.append(OpInfo("logit", ref=_logit_ref, domain=(0.05, 0.95), int_domain=(0, 2), sample_inputs=_logit_samples,
                      tol=_TOL, error_inputs=_errors(("eps is a string", lambda: tg.logit(_f(), eps="a"), TypeError))))
    out.append(OpInfo("logit_backward", ref=_logit_backward_ref, domain=(0.05, 0.95), int_domain=(0, 2),
                      compute_dtype=_two_operands_dtype, result_dtype=_two_operands_dtype,
                      sample_inputs=_logit_backward_samples, tol=_TOL, error_inputs=_errors(
                          ("eps is a string", lambda: tg.logit_backward(_f(), _f(), eps="a"), TypeError))))
    # a composite: arity=1 makes it pointwise-like (samples and error inputs below are the unary defaults)
    out.append(OpInfo("square", ref=np.square, arity=1, sample_inputs=_pointwise_samples, result_dtype=_square_dtype,
                      error_inputs=_unary_errors("square", [
                          ("square_ of bool (int64 result)", lambda: _f(S, tg.bool).square_(), RuntimeError)])))
    out.append(OpInfo("signbit", ref=np.signbit))
    out.append(OpInfo("isnan", ref=np.isnan))
    out.append(OpInfo("isinf", ref=np.isinf))
    out.append(OpInfo("isfinite", ref=np.isfinite))
    out.append(OpInfo("nan_to_num", ref=_nan_to_num_ref, ref_inputs="exact", sample_inputs=_nan_to_num_samples,
                      error_inputs=_errors(("nan is a string", lambda: tg.nan_to_num(_f(), nan="a"), TypeError))))

    # -- more binary ops
    out.append(OpInfo("atan2", ref=np.arctan2))
    out.append(OpInfo("hypot", ref=np.hypot))
    out.append(OpInfo("logaddexp", ref=np.logaddexp))
    out.append(OpInfo("logaddexp2", ref=np.logaddexp2))
    out.append(OpInfo("copysign", ref=np.copysign))
    for name, ref in (("fmod", np.fmod), ("remainder", np.remainder), ("floor_divide", np.floor_divide)):
        out.append(OpInfo(name, ref=ref, sample_inputs=_nonzero_binary, error_inputs=_errors(
            ("integer division by zero", lambda name=name: getattr(tg, name)(_f(S, tg.int64), tg.zeros(S, dtype=tg.int64)),
             RuntimeError, "ZeroDivisionError"))))
    out.append(OpInfo("heaviside", ref=_heaviside_ref, scalars=(), expected_error=_heaviside_expected_error,
                      error_inputs=_errors(
                          ("different dtypes", lambda: tg.heaviside(_f(), _f(S, tg.float64)), RuntimeError, "dtypes"))))
    out.append(OpInfo("xlogy", ref=_xlogy_ref, domain=(0.1, 9.0), sample_inputs=_xlogy_samples))
    # composites (the Scalar overload is the primary one): arity=2 makes them pointwise-like
    for name, ref in (("clamp_min", np.maximum), ("clamp_max", np.minimum)):
        out.append(OpInfo(name, ref=ref, arity=2, sample_inputs=_pointwise_samples, error_inputs=_binary_errors(name, [
            ("bound is a string", lambda name=name: getattr(tg, name)(_f(), "a"), TypeError)])))
    out.append(OpInfo("type_as", ref=_type_as_ref, sample_inputs=_type_as_samples, result_dtype=lambda op, s: s.args[1].dtype,
                      ieee_specials=False, error_inputs=_errors(
                          ("other is a number", lambda: _f().type_as(3), TypeError),
                          ("other is missing", lambda: _f().type_as(), TypeError))))

    # -- bitwise ops (integers and bool)
    for name, ref in (("bitwise_and", np.bitwise_and), ("bitwise_or", np.bitwise_or), ("bitwise_xor", np.bitwise_xor)):
        out.append(OpInfo(name, ref=ref, scalars=("int",), error_inputs=_errors(
            ("float operands", lambda name=name: getattr(tg, name)(_f(), _f()), NotImplementedError, rf"\[{name}\]"))))
    out.append(OpInfo("bitwise_not", ref=np.invert, error_inputs=_errors(
        ("float operand", lambda: tg.bitwise_not(_f()), NotImplementedError, r"\[bitwise_not\]"))))
    for name, left in (("bitwise_left_shift", True), ("bitwise_right_shift", False)):
        out.append(OpInfo(name, ref=_shift_ref(left), sample_inputs=_shift_samples, scalars=("int",), error_inputs=_errors(
            ("bool operands", lambda name=name: getattr(tg, name)(_f(S, tg.bool), _f(S, tg.bool)), NotImplementedError))))

    # -- three tensor operands (lerp.Scalar: two and a number); the float32 tolerance allows for
    # cancellation in self + (up to ~160)
    tol3 = {tg.float32: (1e-5, 1e-4)}
    out.append(OpInfo("addcmul", ref=_addcmul_ref, tol=tol3, error_inputs=_errors(
        ("bool tensors", lambda: tg.addcmul(_f(S, tg.bool), _f(S, tg.bool), _f(S, tg.bool)), NotImplementedError,
         r"\[addcmul\]"))))
    out.append(OpInfo("addcdiv", ref=_addcdiv_ref, sample_inputs=_addcdiv_samples, expected_error=_addcdiv_expected_error,
                      tol=tol3, error_inputs=_errors(
                          ("integer division", lambda: tg.addcdiv(_f(S), _f(S, tg.int64), _f(S, tg.int32)),
                           RuntimeError, r"\[addcdiv\] Integer division with addcdiv is no longer supported"),
                          ("bool tensor1 and tensor2", lambda: tg.addcdiv(_f(S), _f(S, tg.bool), _f(S, tg.bool)),
                           RuntimeError, "Integer division"))))
    # arity=3: lerp.Tensor (the primary overload, lerp.Scalar, has two tensor operands)
    out.append(OpInfo("lerp", ref=_lerp_ref, sample_inputs=_lerp_samples, arity=3, dtypes=FLOATING,
                      compute_dtype=_tensor_operands_dtype, expected_error=_lerp_expected_error, tol=tol3,
                      error_inputs=_errors(
                          ("end of another dtype", lambda: tg.lerp(_f(S), _f(S, tg.float64), 0.5), RuntimeError,
                           r"\[lerp\] expected dtype float32 for `end` but got dtype float64"),
                          ("weight of another dtype", lambda: tg.lerp(_f(S), _f(S), _f(S, tg.float16)),
                           RuntimeError, "for `weight`"),
                          ("integer tensors", lambda: tg.lerp(_f(S, tg.int64), _f(S, tg.int64), 0.5),
                           NotImplementedError, r"\[lerp\]"),
                          ("two integer dtypes (no promotion)", lambda: tg.lerp(_f(S, tg.int32), _f(S, tg.int64), 1),
                           RuntimeError, "for `end`"),
                          ("weight is a string", lambda: tg.lerp(_f(), _f(), "a"), TypeError))))
    return out
