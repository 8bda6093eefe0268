"""Fused multi-tensor optimizer steps (_fused_sgd_, _fused_adam_, _fused_rmsprop_, _fused_adagrad_).

Each op updates its Tensor[] arguments in place and returns None. A sample is one call over a few
parameters of different shapes (a 0-d one, a zero-size one, a non-contiguous one); its expected
result is computed with NumPy, per parameter, in float64, when the sample is made (the call
overwrites the inputs), and kept under the sample's name until the check compares every written
list (and the advanced steps) with it.
"""
from __future__ import annotations

import itertools
import math  # noqa: F401

import numpy as np

import tensorgen as tg
from tensorgen.testing._utils import assert_close
from tensorgen.testing.opinfo.core import *  # noqa: F403  (the vocabulary of entries: OpInfo, SampleInput, _f, S, ...)

# sample name -> {argument index: [expected arrays]}; filled when a sample is made, emptied by its check.
_EXPECTED: dict[str, dict[int, list]] = {}
_counter = itertools.count()

_SHAPES = (S, L, (5,), (), (0, 3))


def _np(t):
    return to_numpy(t).astype(np.float64)


def _make_list(make, low=None, high=None, noncontig_at=1):
    """One tensor per shape of _SHAPES, the one at noncontig_at non-contiguous."""
    return [make(shape, low=low, high=high, noncontiguous=(i == noncontig_at and len(shape) >= 2))
            for i, shape in enumerate(_SHAPES)]


def _steps(values):
    return [tg.tensor(float(v), dtype=tg.float32) for v in values]


def _sample(op_name, dtype, args, kwargs, ref, written):
    """A SampleInput whose expected result (ref over the float64 inputs) is registered by name."""
    name = f"{op_name} {kwargs} #{next(_counter)}"
    if is_floating(dtype):
        np_args = [[_np(t) for t in a] if isinstance(a, list) else a for a in args]
        out = ref(*np_args, **kwargs)
        _EXPECTED[name] = {i: out[i] for i in written}
    return SampleInput(*args, name=name, **kwargs)


def _check_fused(op, sample, result):
    assert result is None, f"{op.name} returns None, got {type(result).__name__}"
    expected = _EXPECTED.pop(sample.name, None)
    assert expected is not None, f"{op.name}: no expected result registered for {sample.name}"
    for i, arrays in expected.items():
        tensors = sample.args[i]
        assert len(tensors) == len(arrays)
        for k, (t, e) in enumerate(zip(tensors, arrays)):
            rtol, atol = op.tol.get(t.dtype, _tol(t.dtype))
            assert_close(t, np.asarray(e).reshape(tuple(t.shape)), rtol=rtol, atol=atol,
                         msg=f"{op.name}{sample}: argument {i}, tensor {k}")


def _first_dtype(op, sample):
    return sample.args[0][0].dtype


def _entry(name, samples, errors):
    return OpInfo(name, sample_inputs=samples, error_inputs=errors, check=_check_fused, compute_dtype=_first_dtype,
                  result_dtype=_first_dtype, default_error_inputs=False)


def _lerp(a, b, w):
    """torch.lerp with a scalar weight (both of ATen's forms)."""
    return a + w * (b - a) if abs(w) < 0.5 else b - (b - a) * (1 - w)


def _large(make, lists_low_high):
    """Three parameters of a few thousand elements (odd sizes): several vectors and thread chunks."""
    shapes = [(4097,), (33, 65), (9000,)]
    return [[make(s, low=lo, high=hi) for s in shapes] for lo, hi in lists_low_high]


# ----------------------------------------------------------------------------- SGD

def _sgd_ref(params, grads, bufs, *, lr, momentum, dampening, weight_decay, nesterov, maximize, is_first_step):
    out_p, out_b = [], []
    for i, (p, g) in enumerate(zip(params, grads)):
        g = -g if maximize else g
        if weight_decay != 0:
            g = g + weight_decay * p
        if momentum != 0:
            b = g if is_first_step else bufs[i] * momentum + (1 - dampening) * g
            out_b.append(b)
            g = g + momentum * b if nesterov else b
        out_p.append(p - lr * g)
    return {0: out_p, 2: out_b}


_SGD_OPTIONS = (
    dict(lr=0.1, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False, maximize=False, is_first_step=False),
    dict(lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01, nesterov=False, maximize=False, is_first_step=False),
    dict(lr=0.1, momentum=0.9, dampening=0.0, weight_decay=0.0, nesterov=True, maximize=True, is_first_step=True),
    dict(lr=0.2, momentum=0.5, dampening=0.0, weight_decay=0.1, nesterov=True, maximize=False, is_first_step=False),
)


def _sgd_samples(op, dtype, mode, make):
    if mode == "basic":
        for opts in _SGD_OPTIONS:
            params, grads = _make_list(make), _make_list(make, noncontig_at=0)
            bufs = _make_list(make) if opts["momentum"] else []
            yield _sample(op.name, dtype, (params, grads, bufs), opts, _sgd_ref, (0, 2))
    elif mode == "large":
        params, grads, bufs = _large(make, [(None, None)] * 3)
        yield _sample(op.name, dtype, (params, grads, bufs), _SGD_OPTIONS[1], _sgd_ref, (0, 2))


# ----------------------------------------------------------------------------- Adam / AdamW

def _adam_ref(params, grads, exp_avgs, exp_avg_sqs, max_sqs, steps, *, lr, beta1, beta2, weight_decay, eps, amsgrad,
              maximize, decoupled_weight_decay):
    out = {0: [], 2: [], 3: [], 4: [], 5: []}
    for i, (p, g) in enumerate(zip(params, grads)):
        step = float(steps[i]) + 1
        g = -g if maximize else g
        if weight_decay != 0:
            if decoupled_weight_decay:
                p = p * (1 - lr * weight_decay)
            else:
                g = g + weight_decay * p
        m = _lerp(exp_avgs[i], g, 1 - beta1)
        v = exp_avg_sqs[i] * beta2 + (1 - beta2) * g * g
        d = v
        if amsgrad:
            d = np.maximum(max_sqs[i], v)
            out[4].append(d)
        bc1, bc2 = 1 - beta1 ** step, 1 - beta2 ** step
        denom = np.sqrt(d) / math.sqrt(bc2) + eps
        out[0].append(p - lr / bc1 * m / denom)
        out[2].append(m)
        out[3].append(v)
        out[5].append(np.float64(step))
    return out


_ADAM_OPTIONS = (
    dict(lr=0.1, beta1=0.9, beta2=0.999, weight_decay=0.0, eps=1e-8, amsgrad=False, maximize=False,
         decoupled_weight_decay=False),
    dict(lr=0.05, beta1=0.8, beta2=0.99, weight_decay=0.1, eps=1e-6, amsgrad=True, maximize=False,
         decoupled_weight_decay=False),
    dict(lr=0.01, beta1=0.3, beta2=0.9, weight_decay=0.01, eps=1e-8, amsgrad=True, maximize=True,
         decoupled_weight_decay=True),   # beta1 = 0.3: lerp's other form (weight 0.7)
    dict(lr=0.1, beta1=0.9, beta2=0.999, weight_decay=0.5, eps=1e-8, amsgrad=False, maximize=False,
         decoupled_weight_decay=True),
)


def _adam_samples(op, dtype, mode, make):
    if mode == "basic":
        for k, opts in enumerate(_ADAM_OPTIONS):
            params, grads = _make_list(make), _make_list(make, noncontig_at=2)
            m, v = _make_list(make, low=-2, high=2), _make_list(make, low=0, high=4)
            mx = _make_list(make, low=0, high=4) if opts["amsgrad"] else []
            steps = _steps([0, 3, 1, 10, 2] if k % 2 else [0] * len(_SHAPES))
            yield _sample(op.name, dtype, (params, grads, m, v, mx, steps), opts, _adam_ref, (0, 2, 3, 4, 5))
    elif mode == "large":
        params, grads, m, v, mx = _large(make, [(None, None), (None, None), (-2, 2), (0, 4), (0, 4)])
        yield _sample(op.name, dtype, (params, grads, m, v, mx, _steps([0, 5, 1])), _ADAM_OPTIONS[1], _adam_ref,
                      (0, 2, 3, 4, 5))


# ----------------------------------------------------------------------------- RMSprop

def _rmsprop_ref(params, grads, square_avgs, grad_avgs, bufs, steps, *, lr, alpha, eps, weight_decay, momentum,
                 centered, maximize):
    out = {0: [], 2: [], 3: [], 4: [], 5: []}
    for i, (p, g) in enumerate(zip(params, grads)):
        g = -g if maximize else g
        if weight_decay != 0:
            g = g + weight_decay * p
        sq = square_avgs[i] * alpha + (1 - alpha) * g * g
        out[2].append(sq)
        if centered:
            ga = _lerp(grad_avgs[i], g, 1 - alpha)
            out[3].append(ga)
            avg = np.sqrt(sq - ga * ga) + eps
        else:
            avg = np.sqrt(sq) + eps
        if momentum > 0:
            b = bufs[i] * momentum + g / avg
            out[4].append(b)
            out[0].append(p - lr * b)
        else:
            out[0].append(p - lr * g / avg)
        out[5].append(np.float64(float(steps[i]) + 1))
    return out


_RMSPROP_OPTIONS = (
    dict(lr=0.01, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False, maximize=False),
    dict(lr=0.05, alpha=0.9, eps=1e-6, weight_decay=0.1, momentum=0.9, centered=True, maximize=False),
    dict(lr=0.02, alpha=0.3, eps=1e-8, weight_decay=0.0, momentum=0.5, centered=False, maximize=True),
    dict(lr=0.01, alpha=0.8, eps=1e-8, weight_decay=0.01, momentum=0.0, centered=True, maximize=True),
)


def _rmsprop_samples(op, dtype, mode, make):
    if mode == "basic":
        for opts in _RMSPROP_OPTIONS:
            # small gradients and square_avg > grad_avg**2: the centered variance stays positive
            params, grads = _make_list(make), _make_list(make, low=-1, high=1)
            sq = _make_list(make, low=2, high=5, noncontig_at=0)
            ga = _make_list(make, low=-1, high=1) if opts["centered"] else []
            bufs = _make_list(make, low=-1, high=1) if opts["momentum"] > 0 else []
            yield _sample(op.name, dtype, (params, grads, sq, ga, bufs, _steps([0, 1, 2, 3, 4])), opts, _rmsprop_ref,
                          (0, 2, 3, 4, 5))
    elif mode == "large":
        params, grads, sq, ga, bufs = _large(make, [(None, None), (-1, 1), (2, 5), (-1, 1), (-1, 1)])
        yield _sample(op.name, dtype, (params, grads, sq, ga, bufs, _steps([0, 0, 0])), _RMSPROP_OPTIONS[1],
                      _rmsprop_ref, (0, 2, 3, 4, 5))


# ----------------------------------------------------------------------------- Adagrad

def _adagrad_ref(params, grads, sums, steps, *, lr, lr_decay, weight_decay, eps, maximize):
    out = {0: [], 2: [], 3: []}
    for i, (p, g) in enumerate(zip(params, grads)):
        step = float(steps[i]) + 1
        g = -g if maximize else g
        if weight_decay != 0:
            g = g + weight_decay * p
        clr = lr / (1 + (step - 1) * lr_decay)
        s = sums[i] + g * g
        out[2].append(s)
        out[0].append(p - clr * g / (np.sqrt(s) + eps))
        out[3].append(np.float64(step))
    return out


_ADAGRAD_OPTIONS = (
    dict(lr=0.01, lr_decay=0.0, weight_decay=0.0, eps=1e-10, maximize=False),
    dict(lr=0.1, lr_decay=0.01, weight_decay=0.1, eps=1e-6, maximize=True),
    dict(lr=0.05, lr_decay=0.5, weight_decay=0.0, eps=1e-10, maximize=False),
)


def _adagrad_samples(op, dtype, mode, make):
    if mode == "basic":
        for opts in _ADAGRAD_OPTIONS:
            params, grads = _make_list(make), _make_list(make)
            sums = _make_list(make, low=0, high=3, noncontig_at=0)
            yield _sample(op.name, dtype, (params, grads, sums, _steps([0, 1, 5, 2, 0])), opts, _adagrad_ref, (0, 2, 3))
    elif mode == "large":
        params, grads, sums = _large(make, [(None, None), (None, None), (0, 3)])
        yield _sample(op.name, dtype, (params, grads, sums, _steps([0, 3, 9])), _ADAGRAD_OPTIONS[1], _adagrad_ref,
                      (0, 2, 3))


# ----------------------------------------------------------------------------- error inputs

def _f32(shape=S):
    return tg.zeros(list(shape))


_SGD_KW = dict(lr=0.1, momentum=0.9, dampening=0.0, weight_decay=0.0, nesterov=False, maximize=False,
               is_first_step=False)
_ADAM_KW = dict(_ADAM_OPTIONS[0])
_RMS_KW = dict(_RMSPROP_OPTIONS[0])
_ADAGRAD_KW = dict(_ADAGRAD_OPTIONS[0])


def _common_errors(call):
    """call(params, grads, state) with one state list of one tensor per parameter."""
    return [
        ErrorInput("grads shorter than params", lambda: call([_f32(), _f32()], [_f32()], [_f32(), _f32()]),
                   RuntimeError, r"grads has 1 tensors, expected one per parameter \(2\)"),
        ErrorInput("state list longer than params", lambda: call([_f32()], [_f32()], [_f32(), _f32()]),
                   RuntimeError, "has 2 tensors, expected one per parameter"),
        ErrorInput("grad dtype differs from param", lambda: call([_f32()], [tg.zeros(list(S), dtype=tg.float64)],
                                                                 [_f32()]),
                   RuntimeError, r"grads\[0\] has dtype float64, expected float32"),
        ErrorInput("grad shape differs from param", lambda: call([_f32(), _f32()], [_f32(), _f32((4, 3))],
                                                                 [_f32(), _f32()]),
                   RuntimeError, r"grads\[1\] has shape \[4, 3\] but params\[1\] has shape \[3, 4\]"),
        ErrorInput("state shape differs from param", lambda: call([_f32()], [_f32()], [_f32((12,))]),
                   RuntimeError, r"has shape \[12\] but params\[0\] has shape \[3, 4\]"),
        ErrorInput("integer params", lambda: call([tg.zeros([3], dtype=tg.int64)], [tg.zeros([3], dtype=tg.int64)],
                                                  [tg.zeros([3], dtype=tg.int64)]),
                   NotImplementedError, r"\[_fused_\w+\] not implemented for dtype int64"),
        ErrorInput("expanded param", lambda: call([tg.zeros([1, 4]).expand([3, 4])], [_f32()], [_f32()]),
                   RuntimeError, r"params\[0\] has expanded dims"),
        ErrorInput("params not a list of tensors", lambda: call(_f32(), [_f32()], [_f32()]), TypeError),
        ErrorInput("a number among the grads", lambda: call([_f32()], [1.0], [_f32()]), TypeError),
    ]


def _steps_errors(call):
    """call(params, grads, state, steps)."""
    return [
        ErrorInput("one step too few", lambda: call([_f32(), _f32()], [_f32(), _f32()], [_f32(), _f32()],
                                                    _steps([0])),
                   RuntimeError, r"state_steps has 1 tensors, expected one per parameter \(2\)"),
        ErrorInput("step with two elements", lambda: call([_f32()], [_f32()], [_f32()], [tg.zeros([2])]),
                   RuntimeError, r"state_steps\[0\] must be a one-element floating tensor"),
        ErrorInput("integer step", lambda: call([_f32()], [_f32()], [_f32()], [tg.tensor(1)]),
                   RuntimeError, r"state_steps\[0\] must be a one-element floating tensor"),
    ]


def _sgd_errors(op):
    def call(p, g, s):
        return tg._C._fused_sgd_(p, g, s, **_SGD_KW)
    return _common_errors(call) + [
        ErrorInput("momentum buffers missing with momentum", lambda: call([_f32()], [_f32()], []),
                   RuntimeError, r"momentum_buffers has 0 tensors, expected one per parameter \(1\)"),
        ErrorInput("momentum buffers without momentum",
                   lambda: tg._C._fused_sgd_([_f32()], [_f32()], [_f32()], **dict(_SGD_KW, momentum=0.0)),
                   RuntimeError, "momentum_buffers must be empty with these options"),
        ErrorInput("missing lr", lambda: tg._C._fused_sgd_([_f32()], [_f32()], [],
                                                        **{k: v for k, v in _SGD_KW.items() if k != "lr"}), TypeError),
    ]


def _adam_errors(op):
    def call(p, g, s, steps=None):
        steps = _steps([0] * len(p)) if steps is None else steps
        return tg._C._fused_adam_(p, g, s, [x.clone() for x in s], [], steps, **_ADAM_KW)
    return _common_errors(call) + _steps_errors(call) + [
        ErrorInput("max_exp_avg_sqs without amsgrad",
                   lambda: tg._C._fused_adam_([_f32()], [_f32()], [_f32()], [_f32()], [_f32()], _steps([0]),
                                              **_ADAM_KW),
                   RuntimeError, "max_exp_avg_sqs must be empty with these options"),
        ErrorInput("max_exp_avg_sqs missing with amsgrad",
                   lambda: tg._C._fused_adam_([_f32()], [_f32()], [_f32()], [_f32()], [], _steps([0]),
                                           **dict(_ADAM_KW, amsgrad=True)),
                   RuntimeError, "max_exp_avg_sqs has 0 tensors"),
    ]


def _rmsprop_errors(op):
    def call(p, g, s, steps=None):
        steps = _steps([0] * len(p)) if steps is None else steps
        return tg._C._fused_rmsprop_(p, g, s, [], [], steps, **_RMS_KW)
    return _common_errors(call) + _steps_errors(call) + [
        ErrorInput("grad_avgs missing when centered",
                   lambda: tg._C._fused_rmsprop_([_f32()], [_f32()], [_f32()], [], [], _steps([0]),
                                              **dict(_RMS_KW, centered=True)),
                   RuntimeError, "grad_avgs has 0 tensors"),
    ]


def _adagrad_errors(op):
    def call(p, g, s, steps=None):
        steps = _steps([0] * len(p)) if steps is None else steps
        return tg._C._fused_adagrad_(p, g, s, steps, **_ADAGRAD_KW)
    return _common_errors(call) + _steps_errors(call)


def entries():
    """Fused optimizer updates against per-parameter NumPy updates."""
    return [
        _entry("_fused_sgd_", _sgd_samples, _sgd_errors),
        _entry("_fused_adam_", _adam_samples, _adam_errors),
        _entry("_fused_rmsprop_", _rmsprop_samples, _rmsprop_errors),
        _entry("_fused_adagrad_", _adagrad_samples, _adagrad_errors),
    ]
