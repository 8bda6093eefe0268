"""Activation functions (gelu, silu, elu, ...), dropout and the in-place random fills.

Activations: closed-form NumPy references (float64), written with the same choices PyTorch's
kernels make at nan, +-inf and the kinks (which side of a comparison the boundary falls on).
Random ops: statistical checks (range, mean and variance within bounds for the sample's size,
reproducibility under tg.manual_seed, a different stream on the next call).
"""
from __future__ import annotations

import math

import numpy as np

import tensorgen as tg
from tensorgen.testing.opinfo.core import *  # noqa: F403  (the vocabulary of entries: OpInfo, SampleInput, _f, S, ...)

_TOL = {tg.float32: (1e-5, 1e-5)}  # vectorized float32 exp/tanh/erf: a few ulp (gelu's erf: 1.5e-7 absolute)
_SQRT1_2 = 1 / math.sqrt(2)
_K = math.sqrt(2 / math.pi)
_SELU_ALPHA, _SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946

_erfc = np.vectorize(math.erfc, otypes=[np.float64])


def _quiet(fn):
    """A reference that computes with NumPy's floating-point warnings off (inf * 0 is nan on purpose)."""
    def ref(*args, **kwargs):
        with np.errstate(all="ignore"):
            return fn(*args, **kwargs)
    return ref


# ---------------------------------------------------------------- references
def _cdf(x):
    return 0.5 * _erfc(-np.asarray(x, dtype=np.float64) * _SQRT1_2)


def _gelu(x, approximate="none"):
    if approximate == "tanh":
        return 0.5 * x * (1 + np.tanh(_K * (x + 0.044715 * x ** 3)))
    return x * _cdf(x)


def _gelu_backward(g, x, approximate="none"):
    if approximate == "tanh":
        t = np.tanh(_K * (x + 0.044715 * x ** 3))
        return g * 0.5 * (1 + t + x * (1 - t * t) * _K * (1 + 3 * 0.044715 * x * x))
    return g * (_cdf(x) + x * np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi))


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _silu_backward(g, x):
    s = _sigmoid(x)
    return g * s * (1 + x * (1 - s))


def _softplus(x, beta=1, threshold=20):
    return np.where(x * beta > threshold, x, np.log1p(np.exp(x * beta)) / beta)


def _elu(x, alpha=1, scale=1, input_scale=1):
    return np.where(x <= 0, np.expm1(x * input_scale) * alpha * scale, x * scale)


def _hardtanh(x, min_val=-1, max_val=1):
    x = np.asarray(x, dtype=np.float64)  # integer inputs compare with the bounds as numbers
    return np.minimum(np.maximum(x, min_val), max_val)


def _elu_backward(g, alpha, scale, input_scale, is_result, x):
    x = np.asarray(x, dtype=np.float64)
    neg = g * input_scale * (x + alpha * scale) if is_result else g * input_scale * alpha * scale * np.exp(input_scale * x)
    return np.where(x <= 0, neg, g * scale)


def _threshold(x, threshold, value):
    return np.where(np.asarray(x, dtype=np.float64) <= threshold, value, x)


def _glu(x, dim=-1):
    a, b = np.split(x, 2, axis=dim)
    return a * _sigmoid(b)


def _glu_backward(g, x, dim):
    a, b = np.split(x, 2, axis=dim)
    s = _sigmoid(b)
    return np.concatenate([g * s, g * a * s * (1 - s)], axis=dim)


def _prelu(x, w):
    if w.size != 1 and x.ndim > 1:
        w = w.reshape([1, -1] + [1] * (x.ndim - 2))
    return np.where(x > 0, x, w * x)


def _self_dtype(op, sample):
    """The result has self's dtype whatever Python numbers the op takes: an activation's
    parameters (hardtanh's bounds, threshold's value) are arguments, not operands, so they don't
    promote (PyTorch: hardtanh(int tensor, -2.0, 3.0) stays int); fills and dropout likewise."""
    return sample.args[0].dtype


# ---------------------------------------------------------------- samples
def _unary_plus(*extra):
    """The unary defaults, then (basic mode) one sample per (args, kwargs) in extra, contiguous and
    non-contiguous, so the op's arguments reach the kernel on both paths."""
    def gen(op, dtype, mode, make):
        yield from _unary_samples(op, dtype, mode, make)
        if mode == "basic" and is_floating(dtype):
            for args, kwargs in extra:
                yield SampleInput(make(L), *args, **kwargs)
                yield SampleInput(make(L, noncontiguous=True), *args, **kwargs)
    return gen


def _unary_with_args(*args):
    """Every default pointwise sample (unary or binary, by the op's arity) with the op's required
    arguments appended (threshold, threshold_backward)."""
    def gen(op, dtype, mode, make):
        for s in _pointwise_samples(op, dtype, mode, make):
            yield SampleInput(*s.args, *args, name=s.name, **s.kwargs)
    return gen


def _operands_dtype(op, sample):
    """The promoted dtype of the tensor operands only: the Python numbers after them are arguments."""
    return result_type(*sample.args[:op.arity])


def _elu_backward_dtype(op, sample):
    """The promoted dtype of grad_output and self_or_result (arguments 0 and 5)."""
    return result_type(sample.args[0], sample.args[5])


def _elu_backward_samples(op, dtype, mode, make):
    """The binary defaults as (grad_output, self_or_result), elu's arguments in between; in basic
    mode also other coefficients and the gradient from the result."""
    for s in _pointwise_samples(op, dtype, mode, make):
        g, x = s.args[:2]
        yield SampleInput(g, 1.0, 1.0, 1.0, False, x, name=s.name)
    if mode == "basic":
        yield SampleInput(make(L), 2.0, 1.5, 0.5, False, make(L, noncontiguous=True))
        yield SampleInput(make(L), 1.0, 1.0, 1.0, True, make(L))
        yield SampleInput(make(S, noncontiguous=True), 0.5, 2.0, 3.0, True, make(S))


def _gelu_backward_samples(op, dtype, mode, make):
    yield from _binary_samples(op, dtype, mode, make)
    if mode == "basic":
        yield SampleInput(make(L), make(L), approximate="tanh")
        yield SampleInput(make(S), make(S, noncontiguous=True), approximate="none")


def _glu_samples(op, dtype, mode, make):
    if mode == "basic":
        yield SampleInput(make((3, 4)))
        yield SampleInput(make((4, 3)), 0)
        yield SampleInput(make((2, 6, 3), noncontiguous=True), dim=1)
        yield SampleInput(make((2, 3, 4)), -1)
    elif mode == "zero_size":
        yield SampleInput(make((0, 4)))


def _glu_backward_samples(op, dtype, mode, make):
    if mode == "basic":
        yield SampleInput(make((3, 2)), make((3, 4)), -1)
        yield SampleInput(make((2, 3)), make((4, 3)), 0)
        yield SampleInput(make((2, 3, 3), noncontiguous=True), make((2, 6, 3), noncontiguous=True), 1)
    elif mode == "zero_size":
        yield SampleInput(make((0, 2)), make((0, 4)), 1)


def _prelu_samples(op, dtype, mode, make):
    if mode == "basic":
        yield SampleInput(make((2, 3, 4)), make((3,)))              # one weight per channel (dim 1)
        yield SampleInput(make((2, 3, 4), noncontiguous=True), make((1,)))
        yield SampleInput(make((5,)), make(()))                      # 0-d weight
        yield SampleInput(make((4, 3)), make((3,)))
    elif mode == "zero_size":
        yield SampleInput(make((0, 3)), make((3,)))


def _activation_entries():
    keep = {"compute_dtype": _self_dtype, "result_dtype": _self_dtype}  # numbers are arguments, not operands
    out = []
    gelu_args = _unary_plus(([], {"approximate": "tanh"}), ([], {"approximate": "none"}))
    out.append(OpInfo("gelu", ref=_quiet(_gelu), tol=_TOL, sample_inputs=gelu_args, error_inputs=_errors(
        ("unknown approximate", lambda: tg.gelu(_f(), approximate="erf"), RuntimeError, "none or tanh"),
        ("approximate is not a string", lambda: tg.gelu(_f(), approximate=1), TypeError))))
    out.append(OpInfo("gelu_backward", ref=_quiet(_gelu_backward), tol=_TOL, sample_inputs=_gelu_backward_samples,
                      error_inputs=_errors(("unknown approximate",
                                            lambda: tg.gelu_backward(_f(), _f(), approximate="x"),
                                            RuntimeError, "none or tanh"))))
    out.append(OpInfo("silu", ref=_quiet(lambda x: x / (1 + np.exp(-x))), tol=_TOL))
    out.append(OpInfo("silu_backward", ref=_quiet(_silu_backward), tol=_TOL))
    out.append(OpInfo("mish", ref=_quiet(lambda x: x * np.tanh(np.log1p(np.exp(x)))), tol=_TOL))
    out.append(OpInfo("softplus", **keep, ref=_quiet(_softplus), tol=_TOL, sample_inputs=_unary_plus(
        ([2.0, 5.0], {}), ([], {"beta": 0.5}), ([], {"threshold": 1.0}), ([-1.5, 3.0], {})),
        error_inputs=_errors(("beta is a string", lambda: tg.softplus(_f(), "a"), TypeError))))
    out.append(OpInfo("elu", **keep, ref=_quiet(_elu), tol=_TOL, sample_inputs=_unary_plus(
        ([0.5], {}), ([], {"alpha": 2.0, "scale": 1.5, "input_scale": 0.5})),
        error_inputs=_errors(("alpha is a string", lambda: tg.elu(_f(), "a"), TypeError))))
    out.append(OpInfo("selu", ref=_quiet(lambda x: _elu(x, _SELU_ALPHA, _SELU_SCALE)), arity=1, tol=_TOL,
                      dtypes=FLOATING, sample_inputs=_pointwise_samples, error_inputs=_errors(
                          ("selu of int64", lambda: tg.selu(_f(S, tg.int64)), NotImplementedError, r"\[selu\]"),
                          ("not a tensor", lambda: tg.selu([1.0]), TypeError))))
    out.append(OpInfo("celu", **keep, ref=_quiet(lambda x, alpha=1.0: _elu(x, alpha, 1, 1 / alpha)), arity=1,
                      tol=_TOL, dtypes=FLOATING, sample_inputs=_unary_plus(([0.5], {}), ([], {"alpha": 3.0})),
                      error_inputs=_errors(("alpha 0", lambda: tg.celu(_f(), 0.0), RuntimeError, "alpha"))))
    out.append(OpInfo("elu_backward", ref=_quiet(_elu_backward), tol=_TOL, arity=2, compute_dtype=_elu_backward_dtype,
                      result_dtype=_elu_backward_dtype, sample_inputs=_elu_backward_samples, error_inputs=_errors(
                          ("missing is_result", lambda: tg.elu_backward(_f(), 1.0, 1.0, 1.0, _f()), TypeError),
                          ("shapes that don't broadcast",
                           lambda: tg.elu_backward(_f((2, 3)), 1.0, 1.0, 1.0, False, _f((4,))), RuntimeError,
                           r"\[elu_backward\]"))))
    out.append(OpInfo("leaky_relu_backward", ref=lambda g, x, slope, is_result: np.where(x > 0, g, g * slope),
                      compute_dtype=_operands_dtype, result_dtype=_operands_dtype,
                      sample_inputs=_unary_with_args(0.2, False), error_inputs=_errors(
                          ("a negative slope from the result",
                           lambda: tg.leaky_relu_backward(_f(), _f(), -0.5, True), RuntimeError,
                           r"\[leaky_relu_backward\] the gradient from the result"))))
    out.append(OpInfo("hardtanh_backward", ref=lambda g, x, lo, hi: np.where((x <= lo) | (x >= hi), 0, g),
                      compute_dtype=_operands_dtype, result_dtype=_operands_dtype,
                      sample_inputs=_unary_with_args(-0.5, 0.5), error_inputs=_errors(
                          ("missing max_val", lambda: tg.hardtanh_backward(_f(), _f(), -1.0), TypeError),
                          ("a bound is a string", lambda: tg.hardtanh_backward(_f(), _f(), "a", 1.0), TypeError))))
    out.append(OpInfo("leaky_relu", **keep, ref=lambda x, negative_slope=0.01: np.where(x > 0, x, x * negative_slope),
                      sample_inputs=_unary_plus(([0.2], {}), ([], {"negative_slope": -1.5}))))
    out.append(OpInfo("hardtanh", **keep, ref=_hardtanh, sample_inputs=_unary_plus(
        ([-2.0, 3.0], {}), ([], {"min_val": 0, "max_val": 5}), ([2.0, -1.0], {})),   # min > max: max, like clamp
        error_inputs=_errors(("bound is a string", lambda: tg.hardtanh(_f(), "a"), TypeError))))
    out.append(OpInfo("relu6", ref=lambda x: np.minimum(np.maximum(x, 0), 6), arity=1, dtypes=NUMERIC,
                      sample_inputs=_pointwise_samples, error_inputs=_errors(
                          ("relu6 of bool", lambda: tg.relu6(_f(S, tg.bool)), NotImplementedError, r"\[relu6\]"),
                          ("not a tensor", lambda: tg.relu6([1.0]), TypeError))))
    out.append(OpInfo("hardsigmoid", ref=lambda x: np.minimum(np.maximum(x + 3, 0), 6) / 6))
    out.append(OpInfo("hardswish", ref=_quiet(lambda x: x * np.minimum(np.maximum(x + 3, 0), 6) / 6)))
    out.append(OpInfo("tanh_backward", ref=lambda g, y: g * (1 - y * y)))
    out.append(OpInfo("sigmoid_backward", ref=lambda g, y: g * (1 - y) * y))
    out.append(OpInfo("softplus_backward", ref=_quiet(lambda g, x, beta, th: np.where(x * beta > th, g, g * _sigmoid(x * beta))),
                      tol=_TOL, compute_dtype=_operands_dtype, result_dtype=_operands_dtype,
                      sample_inputs=_unary_with_args(0.5, 1.0), error_inputs=_errors(
                          ("missing threshold", lambda: tg.softplus_backward(_f(), _f(), 1.0), TypeError),
                          ("beta is a string", lambda: tg.softplus_backward(_f(), _f(), "a", 20.0), TypeError))))
    out.append(OpInfo("hardsigmoid_backward", ref=lambda g, x: np.where((x > -3) & (x < 3), g / 6, 0)))
    out.append(OpInfo("hardswish_backward", ref=lambda g, x: np.where(x < -3, 0, np.where(x <= 3, g * (x / 3 + 0.5), g))))
    out.append(OpInfo("log_sigmoid", ref=_quiet(lambda x: np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))), tol=_TOL))
    out.append(OpInfo("log_sigmoid_backward", ref=_quiet(lambda g, x: g / (1 + np.exp(x))), tol=_TOL))
    out.append(OpInfo("softsign", ref=_quiet(lambda x: x / (1 + np.abs(x)))))
    out.append(OpInfo("tanhshrink", ref=_quiet(lambda x: x - np.tanh(x)), tol=_TOL))
    out.append(OpInfo("threshold", **keep, ref=_threshold, sample_inputs=_unary_with_args(0.5, 7.0), error_inputs=_errors(
        ("missing value", lambda: tg.threshold(_f(), 0.5), TypeError),
        ("threshold of bool", lambda: tg.threshold(_f(S, tg.bool), 0, 1), NotImplementedError, r"\[threshold\]"))))
    out.append(OpInfo("threshold_backward", ref=lambda g, x, th: np.where(np.asarray(x, np.float64) <= th, 0, g),
                      compute_dtype=_operands_dtype, result_dtype=_operands_dtype,
                      sample_inputs=_unary_with_args(0.5), error_inputs=_errors(
                          ("missing threshold", lambda: tg.threshold_backward(_f(), _f()), TypeError),
                          ("shapes that don't broadcast", lambda: tg.threshold_backward(_f((2, 3)), _f((4,)), 0),
                           RuntimeError, r"\[threshold_backward\]"))))
    out.append(OpInfo("glu", ref=_quiet(_glu), tol=_TOL, sample_inputs=_glu_samples, out_dtype_exact=True,
                      result_dtype=_self_dtype,
                      error_inputs=_errors(
                          ("odd size", lambda: tg.glu(_f((3, 5))), RuntimeError, "even"),
                          ("0-d input", lambda: tg.glu(_f(())), RuntimeError, "scalars"),
                          ("dim out of range", lambda: tg.glu(_f((2, 4)), 2), IndexError, "out of range"),
                          ("integer input", lambda: tg.glu(_f((2, 4), tg.int64)), NotImplementedError, r"\[glu\]"))))
    out.append(OpInfo("glu_backward", ref=_quiet(_glu_backward), tol=_TOL, sample_inputs=_glu_backward_samples,
                      ref_inputs="compute", result_dtype=_self_dtype, compute_dtype=_self_dtype,
                      out_dtype_exact=True, error_inputs=_errors(
                          ("grad_output of self's shape", lambda: tg.glu_backward(_f((2, 4)), _f((2, 4)), 1),
                           RuntimeError, r"\[glu_backward\] grad_output must have self's shape"),
                          ("odd size", lambda: tg.glu_backward(_f((3, 2)), _f((3, 5)), 1), RuntimeError, "even"),
                          ("dtypes differ", lambda: tg.glu_backward(_f((2, 2), tg.float64), _f((2, 4)), 1),
                           RuntimeError, "same dtype"),
                          ("missing dim", lambda: tg.glu_backward(_f((2, 2)), _f((2, 4))), TypeError))))
    out.append(OpInfo("_prelu_kernel", ref=lambda x, w: np.where(x > 0, x, w * x), dtypes=FLOATING))
    out.append(OpInfo("prelu", ref=_prelu, dtypes=FLOATING, sample_inputs=_prelu_samples, error_inputs=_errors(
        ("weight per channel of the wrong size", lambda: tg.prelu(_f((2, 3, 4)), _f((4,))), RuntimeError,
         "channel size"),
        ("2-d weight", lambda: tg.prelu(_f((2, 3)), _f((3, 1))), RuntimeError, "1D"),
        ("0-d input with per-channel weight", lambda: tg.prelu(_f(()), _f((2,))), RuntimeError, "zero-dim"),
        ("integer input", lambda: tg.prelu(_f((2, 3), tg.int64), _f((3,))), NotImplementedError, r"\[prelu\]"))))
    return out


# ---------------------------------------------------------------- random fills and dropout
# The mean and variance of each distribution for the checks: sample statistics of n draws must lie
# within 6 standard errors (for a fixed seed this is deterministic; 6 sigma keeps any seed safe).
def _moments(name, args, kwargs):
    a = list(args)

    def arg(i, key, default):
        return a[i] if len(a) > i else kwargs.get(key, default)
    if name == "uniform_":
        lo, hi = arg(0, "from", 0.0), arg(1, "to", 1.0)
        return (lo + hi) / 2, (hi - lo) ** 2 / 12
    if name == "normal_":
        return arg(0, "mean", 0.0), arg(1, "std", 1.0) ** 2
    if name == "bernoulli_":
        p = arg(0, "p", 0.5)
        return p, p * (1 - p)
    if name == "exponential_":
        lam = arg(0, "lambd", 1.0)
        return 1 / lam, 1 / lam ** 2
    if name == "geometric_":
        p = arg(0, "p", None)
        return 1 / p, (1 - p) / p ** 2
    if name == "log_normal_":
        m, s = arg(0, "mean", 1.0), arg(1, "std", 2.0)
        return math.exp(m + s * s / 2), None  # heavy-tailed: the variance is no useful bound
    return None, None


def _fill_samples(*arg_sets, n=4000):
    def gen(op, dtype, mode, make):
        if mode == "basic":
            for args, kwargs in arg_sets:
                yield SampleInput(tg.empty([n], dtype=dtype), *args, **kwargs)
                yield SampleInput(tg.empty([3, 4], dtype=dtype).t(), *args, **kwargs)   # non-contiguous self
        elif mode == "zero_dim":
            yield SampleInput(tg.empty([], dtype=dtype), *arg_sets[0][0], **arg_sets[0][1])
        elif mode == "zero_size":
            yield SampleInput(tg.empty([0, 3], dtype=dtype), *arg_sets[0][0], **arg_sets[0][1])
    return gen


def _check_reproducible(op, sample, result):
    """Same seed, same values (also through a non-contiguous self); the next call differs."""
    def run():
        s = SampleInput(sample.args[0].clone() if op.name.endswith("_") else sample.args[0], *sample.args[1:],
                        **sample.kwargs)
        return op(s)
    tg.manual_seed(4321)
    a, b = run(), run()
    tg.manual_seed(4321)
    a2 = run()
    assert tg.equal(a, a2), f"{op.name}: manual_seed doesn't reproduce the values"
    if a.numel() >= 1000 and len(np.unique(to_numpy(a))) > 1:  # (bernoulli_(1.0) is all ones every time)
        assert not tg.equal(a, b), f"{op.name}: two calls after one seed gave the same values"


def _fill_check(op, sample, result):
    self_arg = sample.args[0]
    assert result is self_arg or op.name == "bernoulli", f"{op.name} must return self"
    assert result.dtype is self_arg.dtype and result.shape == self_arg.shape
    v = to_numpy(result).astype(np.float64)
    args, kwargs = sample.args[1:], sample.kwargs
    name = op.name
    if name == "uniform_":
        lo = args[0] if len(args) > 0 else kwargs.get("from", 0.0)
        hi = args[1] if len(args) > 1 else kwargs.get("to", 1.0)
        assert np.all((v >= lo) & (v <= hi)), f"uniform_ out of [{lo}, {hi}]"
    elif name in ("bernoulli_", "bernoulli"):
        assert np.all((v == 0) | (v == 1))
    elif name in ("exponential_", "log_normal_"):
        assert np.all(v > 0) or result.dtype in (tg.float16, tg.bfloat16) and np.all(v >= 0)
    elif name == "geometric_":
        assert np.all(v >= 1) and np.all(v == np.floor(v))
    elif name == "cauchy_":
        assert not np.any(np.isnan(v))
        if v.size >= 1000:  # the median (the Cauchy has no mean): within a few standard errors
            med = kwargs.get("median", args[0] if args else 0.0)
            assert abs(np.median(v) - med) < 0.15, np.median(v)
    elif name == "random_":
        lo, hi = _random_bounds(result.dtype, args, kwargs)
        assert np.all((v >= lo) & (v <= hi)) and np.all(v == np.floor(v)), f"random_ out of [{lo}, {hi}]: {v}"
    mean, var = _moments(name, args, kwargs)
    if mean is not None and v.size >= 1000 and result.dtype not in (tg.bfloat16,):
        se = math.sqrt((var if var is not None else mean * mean * 50) / v.size)
        assert abs(v.mean() - mean) < 6 * se + 1e-3 * abs(mean), (name, v.mean(), mean)
        if var is not None:
            assert abs(v.var() - var) < 0.1 * var + 1e-6, (name, v.var(), var)
    _check_reproducible(op, sample, result)


def _random_bounds(dtype, args, kwargs):
    digits = {tg.float64: 53, tg.float32: 24, tg.float16: 11, tg.bfloat16: 8}
    top = 2 ** digits[dtype] if dtype in digits else (1 if dtype is tg.bool else np.iinfo(to_numpy(
        tg.empty(0, dtype=dtype)).dtype).max)
    if len(args) == 2:
        return args[0], (args[1] - 1 if args[1] is not None else top)
    if len(args) == 1:
        return 0, args[0] - 1
    return 0, top


def _random_samples(op, dtype, mode, make):
    hi = 2 if dtype is tg.bool else 7
    if mode == "basic":
        yield SampleInput(tg.empty([4000], dtype=dtype), 0, hi)
        yield SampleInput(tg.empty([3, 4], dtype=dtype).t(), hi)        # random_(to)
        yield SampleInput(tg.empty([400], dtype=dtype))                 # random_(): [0, largest exact integer]
        if dtype not in (tg.bool, tg.uint8):
            yield SampleInput(tg.empty([400], dtype=dtype), -3, None)   # [from, largest exact integer]
    elif mode == "zero_size":
        yield SampleInput(tg.empty([0], dtype=dtype), 0, hi)


def _bernoulli_samples(op, dtype, mode, make):
    if mode == "basic":
        p = tg.tensor(np.linspace(0, 1, 4000), dtype=dtype)
        yield SampleInput(p)
        yield SampleInput(tg.full([3, 4], 0.25, dtype=dtype).t())
    elif mode == "zero_size":
        yield SampleInput(tg.empty([0, 2], dtype=dtype))


def _bernoulli_check(op, sample, result):
    p = to_numpy(sample.args[0]).astype(np.float64)
    v = to_numpy(result).astype(np.float64)
    assert result.dtype is sample.args[0].dtype and result.shape == sample.args[0].shape
    assert np.all((v == 0) | (v == 1))
    assert np.all(v[p == 0] == 0) and np.all(v[p == 1] == 1)
    if v.size >= 1000:
        assert abs(v.sum() - p.sum()) < 6 * math.sqrt((p * (1 - p)).sum()), (v.sum(), p.sum())
    _check_reproducible(op, sample, result)


def _multinomial_samples(op, dtype, mode, make):
    if mode == "basic":
        w = tg.tensor([0.1, 0.0, 0.3, 0.6], dtype=dtype)
        yield SampleInput(w, 4000, True)
        yield SampleInput(w, 3)                                          # without replacement: every nonzero once
        yield SampleInput(tg.tensor([[1.0, 2.0, 0.0, 1.0], [0.0, 0.0, 5.0, 1.0]], dtype=dtype), 2, replacement=False)
        yield SampleInput(tg.tensor([[1.0, 3.0], [2.0, 2.0]], dtype=dtype).t(), 1000, replacement=True)


def _multinomial_check(op, sample, result):
    w = to_numpy(sample.args[0]).astype(np.float64)
    n = sample.args[1]
    replacement = sample.args[2] if len(sample.args) > 2 else sample.kwargs.get("replacement", False)
    assert result.dtype is tg.int64 and result.shape == tuple(w.shape[:-1]) + (n,)
    r = to_numpy(result).reshape(-1, n)
    w2 = w.reshape(-1, w.shape[-1])
    for row, wr in zip(r, w2):
        assert np.all(wr[row] > 0), "a zero-weight category was drawn"
        if not replacement:
            assert len(set(row.tolist())) == n, "without replacement, categories repeat"
        elif n >= 1000:
            freq = np.bincount(row, minlength=wr.size) / n
            assert np.all(np.abs(freq - wr / wr.sum()) < 0.05), (freq, wr / wr.sum())
    _check_reproducible(op, sample, result)


def _dropout_samples(op, dtype, mode, make):
    shape = (40, 10, 5) if op.name.startswith("feature") else (4000,)
    if mode == "basic":
        yield SampleInput(make(shape, low=1.0, high=2.0), 0.3, True)
        yield SampleInput(make((4, 6, 3), noncontiguous=True), 0.5, True)
        if is_floating(dtype):
            yield SampleInput(make((4, 3, 2)), 0.5, False)   # eval: the input itself
            yield SampleInput(make((4, 3, 2)), 0.0, True)
            yield SampleInput(make((4, 3, 2)), 1.0, True)
    elif mode == "zero_size":
        yield SampleInput(make((0, 3, 2)), 0.5, True)


def _dropout_check(op, sample, result):
    x, p, train = sample.args
    xv, v = to_numpy(x).astype(np.float64), to_numpy(result).astype(np.float64)
    assert result.shape == x.shape and result.dtype is x.dtype
    alpha = "alpha" in op.name
    if not train or p == 0 or x.numel() == 0:
        np.testing.assert_array_equal(v, xv)
        return
    if p == 1:
        np.testing.assert_array_equal(v, xv * 0)
        return
    rtol = 1e-2 if x.dtype in (tg.float16, tg.bfloat16) else 1e-5
    if not alpha:
        kept = v != 0
        np.testing.assert_allclose(v[kept], xv[kept] / (1 - p), rtol=rtol)
    else:
        sat = -1.7580993408473766
        a = 1 / math.sqrt((sat * sat * p + 1) * (1 - p))
        b = -sat * a * p  # a kept value is a x + (alpha' a p); a dropped one is a * 0 + (-alpha' a) + alpha' a p
        kept_vals, dropped_val = a * xv + b, sat * a + b
        is_dropped = np.isclose(v, dropped_val, rtol=rtol, atol=rtol) & ~np.isclose(v, kept_vals, rtol=rtol, atol=rtol)
        np.testing.assert_allclose(v[~is_dropped], kept_vals[~is_dropped], rtol=rtol, atol=rtol)
        kept = ~is_dropped
    if op.name.startswith("feature"):
        # whole channels: within each (n, c) slice every element is kept or every one dropped
        k = kept.reshape(x.shape[0], x.shape[1], -1)
        assert np.all(k.all(axis=2) | ~k.any(axis=2)), "feature dropout dropped part of a channel"
        frac = k[..., 0].mean()
        n = k[..., 0].size
    else:
        frac, n = kept.mean(), kept.size
    if n >= 300:
        assert abs(frac - (1 - p)) < 6 * math.sqrt(p * (1 - p) / n), (frac, 1 - p)
    _check_reproducible(op, sample, result)


def _p_errors(name):
    fn = getattr(tg, name)
    return _errors(
        ("p > 1", lambda: fn(_f(), 1.5, True), ValueError, "between 0 and 1"),
        ("p < 0", lambda: fn(_f(), -0.1, True), ValueError, "between 0 and 1"),
        ("integer input", lambda: fn(_f((2, 3, 4), tg.int64), 0.5, True), NotImplementedError, rf"\[{name}\]"),
    )


def _random_entries():
    out = []
    floating_fills = [
        ("uniform_", [([], {}), ([-2.0, 3.0], {})],
         [("from > to", lambda: _f().uniform_(2.0, 1.0), RuntimeError, "from")]),
        ("normal_", [([], {}), ([3.0, 0.5], {})],
         [("negative std", lambda: _f().normal_(0.0, -1.0), RuntimeError, "std")]),
        ("exponential_", [([], {}), ([4.0], {})],
         [("lambda 0", lambda: _f().exponential_(0.0), RuntimeError, "lambda")]),
        ("log_normal_", [([0.0, 0.25], {}), ([], {"mean": -1.0, "std": 0.5})],
         [("std 0", lambda: _f().log_normal_(0.0, 0.0), RuntimeError, "std")]),
        ("cauchy_", [([], {}), ([], {"median": 2.0, "sigma": 0.5})],
         [("sigma 0", lambda: _f().cauchy_(0.0, 0.0), RuntimeError, "sigma")]),
    ]
    for name, arg_sets, errs in floating_fills:
        out.append(OpInfo(name, dtypes=FLOATING, sample_inputs=_fill_samples(*arg_sets), check=_fill_check,
                          compute_dtype=_self_dtype, result_dtype=_self_dtype,
                          error_inputs=_errors(*errs, (f"{name} of int64",
                                                       lambda name=name: getattr(_f(S, tg.int64), name)(),
                                                       NotImplementedError, rf"\[{name}\]"))))
    bernoulli_args = _fill_samples(([], {}), ([0.2], {}), ([], {"p": 1.0}))
    out.append(OpInfo("bernoulli_", dtypes=ALL_DTYPES, sample_inputs=bernoulli_args,
                      check=_fill_check, compute_dtype=_self_dtype, result_dtype=_self_dtype, error_inputs=_errors(
                          ("p > 1", lambda: _f().bernoulli_(1.5), RuntimeError, r"\[0, 1\]"),
                          ("p is a string", lambda: _f().bernoulli_("a"), TypeError))))
    out.append(OpInfo("geometric_", dtypes=NUMERIC, sample_inputs=_fill_samples(([0.3], {}), ([], {"p": 0.9})),
                      check=_fill_check, compute_dtype=_self_dtype, result_dtype=_self_dtype, error_inputs=_errors(
                          ("p 0", lambda: _f().geometric_(0.0), RuntimeError, r"\(0, 1\)"),
                          ("p 1", lambda: _f().geometric_(1.0), RuntimeError, r"\(0, 1\)"))))
    out.append(OpInfo("random_", dtypes=ALL_DTYPES, sample_inputs=_random_samples, check=_fill_check,
                      compute_dtype=_self_dtype, result_dtype=_self_dtype, error_inputs=_errors(
        ("from >= to", lambda: _f().random_(5, 2), RuntimeError, "from"),
        ("to beyond the dtype", lambda: _f(S, tg.uint8).random_(0, 300), RuntimeError, "within"),
        ("negative from for uint8", lambda: _f(S, tg.uint8).random_(-1, 3), RuntimeError, "within"))))
    out.append(OpInfo("bernoulli", dtypes=FLOATING, sample_inputs=_bernoulli_samples, check=_bernoulli_check,
                      error_inputs=_errors(
                          ("probability > 1", lambda: tg.bernoulli(tg.full([3], 1.5)), RuntimeError, r"\[0, 1\]"),
                          ("integer probabilities", lambda: tg.bernoulli(_f(S, tg.int64)), NotImplementedError,
                           r"\[bernoulli\]"))))
    out.append(OpInfo("multinomial", dtypes=FLOATING, sample_inputs=_multinomial_samples, check=_multinomial_check,
                      result_dtype=lambda op, s: tg.int64, error_inputs=_errors(
                          ("negative weight", lambda: tg.multinomial(tg.tensor([0.5, -0.1]), 1), RuntimeError, "< 0"),
                          ("nan weight", lambda: tg.multinomial(tg.tensor([0.5, float("nan")]), 1), RuntimeError,
                           "nan"),
                          ("all zero", lambda: tg.multinomial(tg.zeros([3]), 1), RuntimeError, "sum"),
                          ("too many without replacement", lambda: tg.multinomial(tg.ones([3]), 4), RuntimeError,
                           "without replacement"),
                          ("not enough nonzero categories", lambda: tg.multinomial(tg.tensor([1.0, 0.0, 0.0]), 2),
                           RuntimeError, "not enough"),
                          ("3-d weights", lambda: tg.multinomial(tg.ones([2, 2, 2]), 1), RuntimeError, "1 or 2 dim"),
                          ("zero samples", lambda: tg.multinomial(tg.ones([3]), 0), RuntimeError, "num_samples"))))
    for name in ("dropout", "feature_dropout", "alpha_dropout", "feature_alpha_dropout"):
        out.append(OpInfo(name, dtypes=FLOATING, sample_inputs=_dropout_samples, check=_dropout_check,
                          compute_dtype=_self_dtype, result_dtype=_self_dtype,
                          error_inputs=_p_errors(name)))
    return out


def entries():
    """Activations (NumPy closed forms as references), dropout and random fills (statistical checks)."""
    return _activation_entries() + _random_entries()
