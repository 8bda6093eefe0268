"""Reductions (kind: reduction): sum, mean, prod, all, any, max/min, argmax/argmin."""
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


def entries():
    """kind, promotion and dtypes come from native_functions.yaml, the default samples and error
    inputs of reductions from core.py; a NumPy reduction is called with axis=/keepdims=."""
    out = []
    out.append(OpInfo("sum", ref=np.sum))
    out.append(OpInfo("mean", ref=np.mean, tol={tg.float32: (1e-5, 1e-5)}, error_inputs=_errors(
        ("mean of int64", lambda: tg.mean(_f(S, tg.int64)), RuntimeError, "dtype"),
        ("mean of bool", lambda: tg.mean(_f(S, tg.bool)), RuntimeError),
    )))
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
                              ("reducing a zero-size dim", lambda fn=fn: fn(tg.empty([0, 3]), 0), IndexError),
                              ("dim out of range", lambda fn=fn: fn(_f(), 2), IndexError, rf"\[{name}\]"),
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
    out += _dim_list_and_extra_arg_entries()
    return out


def _dim_list_and_extra_arg_entries():
    """amax/amin (`int[1] dim=[]`: a list of dims, [] reduces all) and var/std (a reduction with an
    extra argument, `correction`, passed to the kernel after the Reduction)."""
    out = []

    # -- amax / amin: `int[1] dim=[]`, [] reduces every dim; NaN propagates.
    def amax_samples(op, dtype, mode, make):
        if mode == "basic":
            yield SampleInput(make(S))
            yield SampleInput(make(L), 0)
            yield SampleInput(make(L), dim=-1, keepdim=True)
            yield SampleInput(make(L), (0, 2))
            yield SampleInput(make(L), dim=[-1, 1], keepdim=True)
            yield SampleInput(make(L), [], keepdim=True)
        elif mode == "zero_dim":
            yield SampleInput(make(()))
            yield SampleInput(make(()), 0)
            yield SampleInput(make(()), dim=[-1], keepdim=True)
        elif mode == "zero_size":  # reducing non-empty dims of an empty tensor: an empty result
            yield SampleInput(make((0, 3)), 1)
            yield SampleInput(make((0, 3, 2)), [1, 2], keepdim=True)
        elif mode == "large":
            yield SampleInput(make(BIG))
            yield SampleInput(make(BIG), 0)
            yield SampleInput(make(BIG), 1)
            yield SampleInput(make(BIG[::-1]).t(), 0)

    def amax_ref(npfn):
        def ref(a, dim=(), keepdim=False):
            dims = [dim] if isinstance(dim, int) else list(dim)
            return npfn(a, axis=_axis(a, dims), keepdims=keepdim)
        return ref

    for name, npfn in (("amax", np.max), ("amin", np.min)):
        fn = getattr(tg, name)
        out.append(OpInfo(name, ref=amax_ref(npfn), promotion="keep", sample_inputs=amax_samples,
                          ieee_specials=True, error_inputs=_errors(
                              ("dim out of range", lambda fn=fn: fn(_f(), 2), IndexError, rf"\[{name}\]"),
                              ("dim out of range in a list", lambda fn=fn: fn(_f(), [0, -3]), IndexError),
                              ("repeated dim", lambda fn=fn: fn(_f(), (1, -1)), RuntimeError, "multiple times"),
                              ("no elements, all dims", lambda fn=fn: fn(tg.empty([0, 3])), RuntimeError,
                               "numel\\(\\) == 0"),
                              ("reducing a zero-size dim", lambda fn=fn: fn(tg.empty([0, 3]), 0), IndexError),
                              ("dim is a string", lambda fn=fn: fn(_f(), "a"), TypeError),
                              ("dim is a float", lambda fn=fn: fn(_f(), 0.5), TypeError),
                          )))

    # -- var / std: `correction` (default 1) passed to the kernel after the Reduction.
    def var_samples(op, dtype, mode, make):
        yield from _reduction_samples(op, dtype, mode, make)
        if mode == "basic":
            yield SampleInput(make(L), 1, correction=0)
            yield SampleInput(make(L), (0, 2), correction=2, keepdim=True)
            yield SampleInput(make(S), correction=0.5)
            yield SampleInput(make((1, 3)), 0)  # n - correction == 0: nan (PyTorch, NumPy)

    def var_ref(npfn):
        def ref(a, dim=None, correction=None, keepdim=False):
            ddof = 1 if correction is None else correction
            return npfn(a, axis=_axis(a, dim), ddof=ddof, keepdims=keepdim)
        return ref

    for name, npfn in (("var", np.var), ("std", np.std)):
        fn = getattr(tg, name)
        out.append(OpInfo(name, ref=var_ref(npfn), promotion="floating_only", sample_inputs=var_samples,
                          tol={tg.float32: (1e-5, 1e-5)}, error_inputs=_reduction_errors(name, [
                              (f"{name} of int64", lambda fn=fn: fn(_f(S, tg.int64)), RuntimeError, "dtype"),
                              (f"{name} of bool", lambda fn=fn: fn(_f(S, tg.bool)), RuntimeError),
                              ("correction is a string", lambda fn=fn: fn(_f(), correction="1"), TypeError),
                              ("keepdim given positionally", lambda fn=fn: fn(_f(), 0, 1, True), TypeError),
                          ])))

    return out
