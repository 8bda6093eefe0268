"""Normalizations (batch/layer/group/rms norm, their backward composites and fused backward
kernels), against NumPy references written from the definitions (float64 statistics)."""
from __future__ import annotations

import numpy as np

import tensorgen as tg
from tensorgen.testing.opinfo.core import *  # noqa: F403  (the vocabulary of entries: OpInfo, SampleInput, _f, S, ...)
from tensorgen.testing.opinfo.nn_losses import _LOW, _backward_dtype, _f64, _input_dtype

def _norm_ref(x, dims, center, eps):
    x = _f64(x)
    mean = x.mean(axis=dims, keepdims=True) if center else np.zeros([1] * x.ndim)
    var = ((x - mean) ** 2).mean(axis=dims, keepdims=True) if center else (x * x).mean(axis=dims, keepdims=True)
    rstd = 1 / np.sqrt(var + eps)
    return (x - mean) * rstd, mean, rstd


def _layer_norm_ref(x, shape, w, b, eps):
    dims = tuple(range(x.ndim - len(shape), x.ndim))
    y, m, r = _norm_ref(x, dims, True, eps)
    y = y * (1 if w is None else _f64(w)) + (0 if b is None else _f64(b))
    return y, m, r


def _rms_eps(x, eps):
    if eps is not None:
        return eps
    return {np.dtype(np.float64): 2.0 ** -52, np.dtype(np.float16): 2.0 ** -10}.get(np.asarray(x).dtype, 2.0 ** -23)


def _rms_norm_ref(x, shape, w, eps):
    dims = tuple(range(x.ndim - len(shape), x.ndim))
    y, _, r = _norm_ref(x, dims, False, _rms_eps(x, eps))
    return y * (1 if w is None else _f64(w)), r


def _cview(v, ndim):
    return _f64(v).reshape((1, -1) + (1,) * (ndim - 2))


def _group_norm_ref(x, w, b, G, eps):
    N, C = x.shape[:2]
    xg = _f64(x).reshape(N, G, -1)
    y, m, r = _norm_ref(xg, (2,), True, eps)
    y = y.reshape(x.shape) * (1 if w is None else _cview(w, x.ndim)) + (0 if b is None else _cview(b, x.ndim))
    return y, m.reshape(N, G), r.reshape(N, G)


def _batch_norm_ref(x, w, b, rm, rv, training, eps):
    dims = tuple(d for d in range(x.ndim) if d != 1)
    C = x.shape[1]
    x = _f64(x)
    if training:
        mean = x.mean(axis=dims)
        var = x.var(axis=dims)
        n = x.size // C
        bv = var * n / (n - 1)
    else:
        mean, var, bv = _f64(rm), _f64(rv), np.zeros(0)
    rstd = 1 / np.sqrt(var + eps)
    y = (x - _cview(mean, x.ndim)) * _cview(rstd, x.ndim)
    y = y * (1 if w is None else _cview(w, x.ndim)) + (0 if b is None else _cview(b, x.ndim))
    return y, mean, rstd, bv


def _norm_grads(g, x, dims, center, eps, wview, stats_from_x=True, mean=None, rstd=None):
    """(grad_input, grad of xhat*w w.r.t. w summed later, xhat) in float64."""
    g, x = _f64(g), _f64(x)
    if stats_from_x:
        xhat, _, rstd = _norm_ref(x, dims, center, eps)
    else:
        xhat = (x - mean) * rstd
    gy = g * (1 if wview is None else wview)
    if not stats_from_x:
        return gy * rstd, xhat
    proj = (gy * xhat).mean(axis=dims, keepdims=True)
    c = gy - gy.mean(axis=dims, keepdims=True) if center else gy
    return (c - xhat * proj) * rstd, xhat


def _stacked_params(ref):
    """A backward reference that also answers which=3: the weight's and the bias's gradients
    (which 1 and 2) stacked along a new first dim."""
    def call(*args):
        if args[-1] != 3:
            return ref(*args)
        return np.stack([ref(*args[:-1], 1), ref(*args[:-1], 2)])
    return call


def _layer_norm_backward_ref(center):
    def ref(g, x, shape, *rest):
        if center:
            mean, rstd, w, eps, which = rest
        else:
            rstd, w, eps, which = rest
            eps = _rms_eps(x, eps)
        k = len(shape)
        dims = tuple(range(x.ndim - k, x.ndim))
        gi, xhat = _norm_grads(g, x, dims, center, eps, None if w is None else _f64(w))
        lead = tuple(range(x.ndim - k))
        if which == 0:
            return gi
        return (_f64(g) * xhat).sum(axis=lead) if which == 1 else _f64(g).sum(axis=lead)
    return ref


def _group_norm_backward_ref(g, x, mean, rstd, w, G, eps, which):
    N = x.shape[0]
    dims_c = tuple(d for d in range(x.ndim) if d != 1)
    xg = _f64(x).reshape(N, G, -1)
    xhat = _norm_ref(xg, (2,), True, eps)[0].reshape(x.shape)
    if which == 1:
        return (_f64(g) * xhat).sum(axis=dims_c)
    if which == 2:
        return _f64(g).sum(axis=dims_c)
    gy = _f64(g) * (1 if w is None else _cview(w, x.ndim))
    gi, _ = _norm_grads(gy.reshape(N, G, -1), xg, (2,), True, eps, None)
    return gi.reshape(x.shape)


def _batch_norm_backward_ref(g, x, mean, rstd, w, training, eps, which):
    dims = tuple(d for d in range(x.ndim) if d != 1)
    wv = None if w is None else _cview(w, x.ndim)
    gi, xhat = _norm_grads(g, x, dims, True, eps, wv, training, _cview(mean, x.ndim), _cview(rstd, x.ndim))
    if which == 1:
        return (_f64(g) * xhat).sum(axis=dims)
    if which == 2:
        return _f64(g).sum(axis=dims)
    return gi


def _acc(dt):
    return tg.float64 if dt is tg.float64 else tg.float32


_REFUSED = {  # one sample per op for the dtypes it must refuse (NotImplementedError)
    "_layer_samples": lambda make: SampleInput(make((2, 3)), [3], None, None, 1e-5),
    "_group_samples": lambda make: SampleInput(make((2, 4)), None, None, 2, 1e-5),
    "_batch_samples": lambda make: SampleInput(make((2, 4)), None, None, None, None, True, 1e-5),
}


def _layer_samples(op, dtype, mode, make):
    if not is_floating(dtype):
        if mode == "basic":
            yield _REFUSED["_layer_samples"](make)
        return
    if mode in ("basic", "noncontig"):
        yield SampleInput(make((3, 5)), [5], make((5,)), make((5,)), 1e-5)
        yield SampleInput(make((2, 3, 4)), [3, 4], None, None, 1e-3)
        yield SampleInput(make((4, 6)), (6,), make((6,)), None, 1e-5)
    elif mode == "large":
        yield SampleInput(make((17, 1029)), [1029], make((1029,)), make((1029,)), 1e-5)
        yield SampleInput(make((2, 5000)), [5000], None, None, 1e-5)
    elif mode == "zero_size":
        yield SampleInput(make((0, 4)), [4], None, None, 1e-5)


def _rms_samples(op, dtype, mode, make):
    for s in _layer_samples(op, dtype, mode, make):
        # eps=None is the dtype's epsilon, which the reference only knows for float32/float64
        default_eps = s.args[1] == [3, 4] and dtype in (tg.float32, tg.float64)
        yield SampleInput(*s.args[:3], None if default_eps else s.args[4])


def _group_samples(op, dtype, mode, make):
    if not is_floating(dtype):
        if mode == "basic":
            yield _REFUSED["_group_samples"](make)
        return
    if mode in ("basic", "noncontig"):
        yield SampleInput(make((2, 6, 3)), make((6,)), make((6,)), 3, 1e-5)
        yield SampleInput(make((3, 4, 2, 2)), None, None, 2, 1e-5)
        # groups of one element: var 0, y = 0 in exact arithmetic; x * scale + shift (PyTorch's form too)
        # leaves rounding noise of ulp(x * rstd), so eps stays moderate to keep rstd = eps^-1/2 small
        yield SampleInput(make((2, 4)), make((4,)), None, 4, 0.5)
    elif mode == "large":
        yield SampleInput(make((2, 8, 33, 35)), make((8,)), make((8,)), 2, 1e-5)


def _batch_samples(op, dtype, mode, make):
    if not is_floating(dtype):
        if mode == "basic":
            yield _REFUSED["_batch_samples"](make)
        return
    rm = make((4,), low=-1.0, high=1.0)
    rv = make((4,), low=0.5, high=2.0)
    if mode in ("basic", "noncontig"):
        yield SampleInput(make((3, 4, 5)), make((4,)), make((4,)), None, None, True, 1e-5)
        yield SampleInput(make((5, 4)), None, None, None, None, True, 1e-3)
        yield SampleInput(make((2, 4, 3, 2)), make((4,)), None, None, None, True, 1e-5)
        yield SampleInput(make((3, 4, 5)), make((4,)), make((4,)), rm, rv, False, 1e-5)
        yield SampleInput(make((2, 4, 2, 2, 2)), None, make((4,)), rm, rv, False, 1e-5)
    elif mode == "large":
        yield SampleInput(make((8, 4, 33, 31)), make((4,)), make((4,)), None, None, True, 1e-5)


def _norm_backward_samples(forward, fwd_samples, layout):
    """Samples of a norm's backward op: the forward run on each sample gives mean/rstd; `layout`
    maps (forward sample, grad, mean, rstd, which) to the backward's arguments."""
    def gen(op, dtype, mode, make):
        if not is_floating(dtype):
            if mode == "basic":
                yield SampleInput(make((2, 3)), make((2, 3)), *layout.dummy(make))
            return
        for s in fwd_samples(op, dtype, mode, make):
            if len(s.args) and not is_floating(s.args[0].dtype):
                continue
            with tg.no_grad():
                res = forward(*s.args)
            g = make(tuple(s.args[0].shape))
            for which in layout.whiches(s):
                yield SampleInput(*layout.args(s, g, res, which))
    return gen


class _LayerLayout:
    def __init__(self, rms=False):
        self.rms = rms

    def whiches(self, s):
        return (0, 1) if self.rms or s.args[2] is None else (0, 1, 2, 3)

    def args(self, s, g, res, which):
        x, shape, w = s.args[0], s.args[1], s.args[2]
        if self.rms:
            return (g, x, shape, res[1], w, s.args[3], which)
        return (g, x, shape, res[1], res[2], w, s.args[4], which)

    def dummy(self, make):
        return ([3], make((2, 1)), make((2, 1)), None, 1e-5, 0) if not self.rms else ([3], make((2, 1)), None, None, 0)


class _StatsLayout:
    """Group and batch norm backward: (grad, input, the forward's two statistics, weight, the
    forward sample's arguments at `tail`, which). The error samples' dummy statistics have
    `stat_shape`, and `flag` stands for the argument before eps (num_groups / training)."""
    def __init__(self, tail, stat_shape, flag):
        self.tail, self.stat_shape, self.flag = tail, stat_shape, flag

    def whiches(self, s):
        return (0, 1, 2, 3)

    def args(self, s, g, res, which):
        return (g, s.args[0], res[1], res[2], s.args[1], *(s.args[i] for i in self.tail), which)

    def dummy(self, make):
        return (make(self.stat_shape), make(self.stat_shape), None, self.flag, 1e-5, 0)


def _GroupLayout():
    return _StatsLayout(tail=(3, 4), stat_shape=(2, 1), flag=1)


def _BatchLayout():
    return _StatsLayout(tail=(5, 6), stat_shape=(3,), flag=True)


class _KernelLayout:
    """A backward op's layout without its eps argument (the fused kernels take saved statistics)."""
    def __init__(self, layout):
        self.layout = layout

    def whiches(self, s):
        return self.layout.whiches(s)

    def args(self, s, g, res, which):
        a = self.layout.args(s, g, res, which)
        return a[:-2] + a[-1:]

    def dummy(self, make):
        d = self.layout.dummy(make)
        return d[:-2] + d[-1:]


class _AllLayout:
    """_layer_norm_backward_all_kernel: the kernel's arguments without `which` (all three gradients
    from each forward sample)."""
    def whiches(self, s):
        return (None,)

    def args(self, s, g, res, which):
        return (g, s.args[0], s.args[1], res[1], res[2], s.args[2])

    def dummy(self, make):
        return ([3], make((2, 1)), make((2, 1)), None)


def _layer_norm_backward_all_ref(g, x, shape, mean, rstd, w):
    ref = _layer_norm_backward_ref(True)
    return tuple(ref(g, x, shape, mean, rstd, w, _KERNEL_EPS, which) for which in (0, 1, 2))


def _without_eps(ref):
    """A backward reference called without eps: the references recompute the statistics in
    float64 and need the eps the forward used, which _kernel_samples fixes to _KERNEL_EPS."""
    def call(*args):
        return ref(*args[:-1], _KERNEL_EPS, args[-1])
    return call


# The kernels' samples run their forward with one eps, so the reference (which recomputes the
# statistics in float64) knows it.
_KERNEL_EPS = 1e-5


def _kernel_samples(fwd_samples):
    def gen(op, dtype, mode, make):
        for s in fwd_samples(op, dtype, mode, make):
            a = list(s.args)
            if a and is_floating(a[0].dtype):
                a[-1] = _KERNEL_EPS
            yield SampleInput(*a)
    return gen


def _norm_errors(name, fn, items):
    return _errors(*items, ("integer input", fn, NotImplementedError))


def entries():
    """Normalizations (NumPy references)."""
    out = []

    def norm_dtypes(n):
        def rd(op, s):
            return (s.args[0].dtype,) + (_acc(s.args[0].dtype),) * n
        return dict(compute_dtype=_input_dtype, result_dtype=rd, tol=_LOW)

    ln, rms, gn, bn = tg.native_layer_norm, tg.native_rms_norm, tg.native_group_norm, tg.native_batch_norm
    out.append(OpInfo("native_layer_norm", ref=_layer_norm_ref, sample_inputs=_layer_samples, **norm_dtypes(2),
                      error_inputs=_norm_errors("native_layer_norm", lambda: ln(_f((2, 3), tg.int64), [3], None, None, 1e-5), (
                          ("shape mismatch", lambda: ln(_f((2, 3)), [4], None, None, 1e-5), RuntimeError, "normalized_shape"),
                          ("weight of the wrong shape", lambda: ln(_f((2, 3)), [3], _f((4,)), None, 1e-5), RuntimeError, "weight"),
                      ))))
    out.append(OpInfo("native_rms_norm", ref=_rms_norm_ref, sample_inputs=_rms_samples, **norm_dtypes(1),
                      error_inputs=_norm_errors("native_rms_norm", lambda: rms(_f((2, 3), tg.int64), [3], None, None), (
                          ("shape mismatch", lambda: rms(_f((2, 3)), [2], None, None), RuntimeError, "normalized_shape"),
                      ))))
    out.append(OpInfo("native_group_norm", ref=_group_norm_ref, sample_inputs=_group_samples, **norm_dtypes(2),
                      error_inputs=_norm_errors("native_group_norm", lambda: gn(_f((2, 4), tg.int64), None, None, 2, 1e-5), (
                          ("channels not divisible", lambda: gn(_f((2, 6, 3)), None, None, 4, 1e-5), RuntimeError, "divisible"),
                          ("1-d input", lambda: gn(_f((6,)), None, None, 2, 1e-5), RuntimeError, "2 dimensions"),
                      ))))
    out.append(OpInfo("native_batch_norm", ref=_batch_norm_ref, sample_inputs=_batch_samples, **norm_dtypes(3),
                      error_inputs=_norm_errors("native_batch_norm", lambda: bn(_f((2, 3), tg.int64), None, None, None, None, True, 1e-5), (
                          ("one value per channel", lambda: bn(_f((1, 3)), None, None, None, None, True, 1e-5), ValueError, "more than 1"),
                          ("eval without running stats", lambda: bn(_f((2, 3)), None, None, None, None, False, 1e-5), RuntimeError, "running_mean"),
                          ("weight of the wrong shape", lambda: bn(_f((2, 3)), _f((2,)), None, None, None, True, 1e-5), RuntimeError, "weight"),
                      ))))

    def fwd_call(fn):
        return lambda *a: fn(*a)

    # the weight/bias gradients sum a column of half-precision products
    back = dict(compute_dtype=_backward_dtype, dtypes=FLOATING,
                tol={**_LOW, tg.float16: (5e-2, 5e-2), tg.bfloat16: (1e-1, 2e-1)})
    wdt = dict(result_dtype=lambda op, s: s.args[1].dtype, **back)
    out.append(OpInfo("native_layer_norm_backward", ref=_stacked_params(_layer_norm_backward_ref(True)),
                      sample_inputs=_norm_backward_samples(fwd_call(ln), _layer_samples, _LayerLayout()), **wdt,
                      error_inputs=_errors(("grad of the wrong shape", lambda: tg.native_layer_norm_backward(
                          _f((2, 4)), _f((2, 3)), [3], _f((2, 1)), _f((2, 1)), None, 1e-5, 0), RuntimeError, "grad_out"))))
    out.append(OpInfo("native_rms_norm_backward", ref=_layer_norm_backward_ref(False),
                      sample_inputs=_norm_backward_samples(fwd_call(rms), _rms_samples, _LayerLayout(rms=True)), **wdt,
                      error_inputs=_errors(("which out of range", lambda: tg.native_rms_norm_backward(
                          _f((2, 3)), _f((2, 3)), [3], _f((2, 1)), None, None, 2), RuntimeError, "which"))))
    out.append(OpInfo("native_group_norm_backward", ref=_stacked_params(_group_norm_backward_ref),
                      sample_inputs=_norm_backward_samples(fwd_call(gn), _group_samples, _GroupLayout()), **wdt,
                      error_inputs=_errors(("groups not dividing channels", lambda: tg.native_group_norm_backward(
                          _f((2, 3)), _f((2, 3)), _f((2, 2)), _f((2, 2)), None, 2, 1e-5, 0), RuntimeError, "num_groups"))))
    out.append(OpInfo("native_batch_norm_backward", ref=_stacked_params(_batch_norm_backward_ref),
                      sample_inputs=_norm_backward_samples(fwd_call(bn), _batch_samples, _BatchLayout()), **wdt,
                      error_inputs=_errors(("grad of the wrong shape", lambda: tg.native_batch_norm_backward(
                          _f((2, 4)), _f((2, 3)), _f((3,)), _f((3,)), None, True, 1e-5, 0), RuntimeError, "grad_out"))))
    # The fused kernels the two composites call when no graph is built: the same samples without eps.
    lnk, bnk = tg._C._layer_norm_backward_kernel, tg._C._batch_norm_backward_kernel
    out.append(OpInfo("_layer_norm_backward_kernel", ref=_without_eps(_stacked_params(_layer_norm_backward_ref(True))),
                      sample_inputs=_norm_backward_samples(fwd_call(ln), _kernel_samples(_layer_samples), _KernelLayout(_LayerLayout())),
                      **wdt, error_inputs=_errors(
                          ("grad of the wrong shape", lambda: lnk(_f((2, 4)), _f((2, 3)), [3], _f((2, 1)), _f((2, 1)), None, 0),
                           RuntimeError, "grad_out"),
                          ("normalized_shape not the input's", lambda: lnk(_f((2, 3)), _f((2, 3)), [4], _f((2, 1)), _f((2, 1)), None, 0),
                           RuntimeError, "normalized_shape"),
                          ("rstd of the wrong size", lambda: lnk(_f((2, 3)), _f((2, 3)), [3], _f((2, 1)), _f((3, 1)), None, 0),
                           RuntimeError, "rstd"),
                          ("weight of the wrong size", lambda: lnk(_f((2, 3)), _f((2, 3)), [3], _f((2, 1)), _f((2, 1)), _f((4,)), 0),
                           RuntimeError, "weight"),
                          ("which out of range", lambda: lnk(_f((2, 3)), _f((2, 3)), [3], _f((2, 1)), _f((2, 1)), None, 4),
                           RuntimeError, "which"),
                          ("integer input", lambda: lnk(_f((2, 3)), _f((2, 3), tg.int64), [3], _f((2, 1)), _f((2, 1)), None, 0),
                           NotImplementedError, "int64"))))
    lnak = tg._C._layer_norm_backward_all_kernel
    out.append(OpInfo("_layer_norm_backward_all_kernel", ref=_layer_norm_backward_all_ref,
                      sample_inputs=_norm_backward_samples(fwd_call(ln), _kernel_samples(_layer_samples), _AllLayout()),
                      result_dtype=lambda op, s: (s.args[1].dtype,) * 3, **back, error_inputs=_errors(
                          ("grad of the wrong shape", lambda: lnak(_f((2, 4)), _f((2, 3)), [3], _f((2, 1)), _f((2, 1)), None),
                           RuntimeError, "grad_out"),
                          ("rstd of the wrong size", lambda: lnak(_f((2, 3)), _f((2, 3)), [3], _f((2, 1)), _f((3, 1)), None),
                           RuntimeError, "rstd"),
                          ("integer input", lambda: lnak(_f((2, 3)), _f((2, 3), tg.int64), [3], _f((2, 1)), _f((2, 1)), None),
                           NotImplementedError, "int64"))))
    out.append(OpInfo("_batch_norm_backward_kernel", ref=_without_eps(_stacked_params(_batch_norm_backward_ref)),
                      sample_inputs=_norm_backward_samples(fwd_call(bn), _kernel_samples(_batch_samples), _KernelLayout(_BatchLayout())),
                      **wdt, error_inputs=_errors(
                          ("grad of the wrong shape", lambda: bnk(_f((2, 4)), _f((2, 3)), _f((3,)), _f((3,)), None, True, 0),
                           RuntimeError, "grad_out"),
                          ("save_mean of the wrong size", lambda: bnk(_f((2, 3)), _f((2, 3)), _f((2,)), _f((3,)), None, True, 0),
                           RuntimeError, "save_mean"),
                          ("weight of the wrong size", lambda: bnk(_f((2, 3)), _f((2, 3)), _f((3,)), _f((3,)), _f((5,)), True, 1),
                           RuntimeError, "weight"),
                          ("1-d input", lambda: bnk(_f((3,)), _f((3,)), _f((3,)), _f((3,)), None, True, 0),
                           RuntimeError, "2 dimensions"),
                          ("which out of range", lambda: bnk(_f((2, 3)), _f((2, 3)), _f((3,)), _f((3,)), None, True, -1),
                           RuntimeError, "which"))))
    gnk = tg._C._group_norm_backward_kernel
    out.append(OpInfo("_group_norm_backward_kernel", ref=_without_eps(_stacked_params(_group_norm_backward_ref)),
                      sample_inputs=_norm_backward_samples(fwd_call(gn), _kernel_samples(_group_samples), _KernelLayout(_GroupLayout())),
                      **wdt, error_inputs=_errors(
                          ("grad of the wrong shape", lambda: gnk(_f((2, 4)), _f((2, 3)), _f((2, 1)), _f((2, 1)), None, 1, 0),
                           RuntimeError, "grad_out"),
                          ("groups not dividing channels", lambda: gnk(_f((2, 3)), _f((2, 3)), _f((2, 2)), _f((2, 2)), None, 2, 0),
                           RuntimeError, "num_groups"),
                          ("mean of the wrong size", lambda: gnk(_f((2, 4)), _f((2, 4)), _f((3, 2)), _f((2, 2)), None, 2, 0),
                           RuntimeError, "mean"),
                          ("weight of the wrong size", lambda: gnk(_f((2, 4)), _f((2, 4)), _f((2, 2)), _f((2, 2)), _f((3,)), 2, 1),
                           RuntimeError, "weight"),
                          ("1-d input", lambda: gnk(_f((4,)), _f((4,)), _f((2,)), _f((2,)), None, 2, 0),
                           RuntimeError, "2 dimensions"),
                          ("which out of range", lambda: gnk(_f((2, 4)), _f((2, 4)), _f((2, 2)), _f((2, 2)), None, 2, 4),
                           RuntimeError, "which"),
                          ("integer input", lambda: gnk(_f((2, 4)), _f((2, 4), tg.int64), _f((2, 2)), _f((2, 2)), None, 2, 0),
                           NotImplementedError, "int64"))))
    return out
