"""Reductions (kind: reduction): sum, mean, prod, all, any, max/min, argmax/argmin, amax/amin, var/std."""
from __future__ import annotations

import numpy as np

import tensorgen as tg
from tensorgen.testing.opinfo.core import *  # noqa: F403  (the vocabulary of entries: OpInfo, SampleInput, _f, S, ...)


def _reduce_ref(npfn):
    """The NumPy reduction as a reference taking dim/keepdim (OpInfo now does this by itself for
    a NumPy function; kept for entries written with it)."""
    def ref(a, dim=None, keepdim=False, dtype=None):
        return npfn(a, axis=_axis(a, dim), keepdims=keepdim)
    return ref


def _max_min_ref(npfn, argfn):
    def ref(a, dim=None, keepdim=False):
        if dim is None:
            return npfn(a)
        axis = _axis(a, dim)
        if a.ndim == 0:
            return a.copy(), np.int64(0)
        return npfn(a, axis=axis, keepdims=keepdim), argfn(a, axis=axis, keepdims=keepdim)
    return ref


def _max_min_dtype(op, sample):
    x = sample.args[0]
    has_dim = len(sample.args) > 1 or "dim" in sample.kwargs
    return (x.dtype, tg.int64) if has_dim else x.dtype


def _arg_ref(argfn):
    def ref(a, dim=None, keepdim=False):
        if a.ndim == 0:
            return np.int64(0)
        return argfn(a, axis=dim, keepdims=keepdim) if dim is not None else argfn(a)
    return ref


def _var_samples(op, dtype, mode, make):
    """The defaults of a reduction, and samples with `correction`."""
    yield from _reduction_samples(op, dtype, mode, make)
    if mode == "basic":
        yield SampleInput(make(L), 1, correction=0)
        yield SampleInput(make(L), (0, 2), correction=2, keepdim=True)
        yield SampleInput(make(S), correction=0.5)
        yield SampleInput(make((1, 3)), 0)  # n - correction == 0: nan (PyTorch, NumPy)


def _var_ref(npfn):
    def ref(a, dim=None, correction=None, keepdim=False):
        ddof = 1 if correction is None else correction
        return npfn(a, axis=_axis(a, dim), ddof=ddof, keepdims=keepdim)
    return ref


def entries():
    """kind, promotion and dtypes come from native_functions.yaml, the default samples and error
    inputs of reductions from core.py; a NumPy reduction is called with axis=/keepdims=."""
    out = []
    out.append(OpInfo("sum", ref=np.sum))
    out.append(OpInfo("mean", ref=np.mean, tol={tg.float32: (1e-5, 1e-5)}))
    out.append(OpInfo("prod", ref=np.prod, domain=(0.5, 1.5), int_domain=(-2, 3), tol={tg.float32: (1e-5, 1e-5)},
                      error_inputs=_errors(
                          ("prod over several dims", lambda: tg.prod(_f(), dim=(0, 1)), TypeError),
                      )))
    out.append(OpInfo("all", ref=np.all))
    out.append(OpInfo("any", ref=np.any))
    for name, npfn, argfn in (("max", np.max, np.argmax), ("min", np.min, np.argmin)):
        fn = getattr(tg, name)
        out.append(OpInfo(name, ref=_max_min_ref(npfn, argfn), result_dtype=_max_min_dtype,
                          out_ok=lambda op, s: isinstance(op.result_dtype(s), tuple),
                          error_inputs=_errors(
                              ("no elements, no dim", lambda fn=fn: fn(tg.empty([0, 3])), RuntimeError,
                               "numel\\(\\) == 0"),
                              ("dim is a list", lambda fn=fn: fn(_f(), [0, 1]), TypeError),
                              ("out= indices of dtype float32",
                               lambda fn=fn: fn(_f(), 0, out=(tg.empty(0), tg.empty(0))), RuntimeError),
                          )))
    for name, argfn in (("argmax", np.argmax), ("argmin", np.argmin)):
        fn = getattr(tg, name)
        out.append(OpInfo(name, ref=_arg_ref(argfn), error_inputs=_errors(
            (f"{name} of bool", lambda fn=fn: fn(_f(S, tg.bool)), NotImplementedError),
            (f"{name} of no elements", lambda fn=fn: fn(tg.empty([0])), RuntimeError),
        )))
    # a list of dims, `int[1] dim=[]` ([] reduces every dim); NaN propagates
    out.append(OpInfo("amax", ref=np.amax))
    out.append(OpInfo("amin", ref=np.amin))
    # var/std: `correction` (default 1, NumPy's ddof=0) passed to the kernel after the Reduction
    for name, npfn in (("var", np.var), ("std", np.std)):
        fn = getattr(tg, name)
        out.append(OpInfo(name, ref=_var_ref(npfn), sample_inputs=_var_samples, tol={tg.float32: (1e-5, 1e-5)},
                          error_inputs=_errors(
                              ("keepdim given positionally", lambda fn=fn: fn(_f(), 0, 1, True), TypeError))))
    return out
