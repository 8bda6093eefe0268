"""Reductions (kind: reduction): sum, mean, prod, all, any, max/min, argmax/argmin, amax/amin, aminmax,
var/std, nansum, count_nonzero, linalg_vector_norm; the composites var_mean, std_mean, nanmean, logsumexp."""
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


def _logical_dtype(op, sample):
    return tg.uint8 if sample.args[0].dtype == tg.uint8 else tg.bool


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
    # all / any: bool, except that uint8 input gives uint8 (PyTorch's rule)
    for name, npfn in (("all", np.all), ("any", np.any)):
        out.append(OpInfo(name, ref=npfn, result_dtype=_logical_dtype))
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
            (f"{name} of no elements", lambda fn=fn: fn(tg.empty([0])), IndexError),  # PyTorch's type for arg*
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
    out += _part_b_entries()
    return out


def _part_b_entries():
    """issue 9, Part B: nansum, count_nonzero, linalg_vector_norm, aminmax (kernels) and the
    composites var_mean, std_mean, nanmean, logsumexp."""
    out = [OpInfo("nansum", ref=np.nansum)]

    # -- count_nonzero: `int[1] dim=[]` ([] counts over every dim), no keepdim, int64.
    def count_samples(op, dtype, mode, make):
        if mode == "basic":
            yield SampleInput(tg.tensor([[0, 1, 0], [2, 0, 0]], dtype=dtype), name="zeros")
            yield SampleInput(make(S))
            yield SampleInput(make(L), 0)
            yield SampleInput(make(L), (0, 2))
            yield SampleInput(make(L), dim=[-1])
            yield SampleInput(make(L), [])
        elif mode == "zero_dim":
            yield SampleInput(make(()))
            yield SampleInput(make(()), 0)
        elif mode == "zero_size":
            yield SampleInput(make((0, 3)))
            yield SampleInput(make((0, 3)), 0)
            yield SampleInput(make((0, 3)), 1)
        elif mode == "large":
            yield SampleInput(make(BIG))
            yield SampleInput(make(BIG), 0)
            yield SampleInput(make(BIG[::-1]).t(), 1)

    def count_ref(a, dim=()):
        dims = [dim] if isinstance(dim, int) else list(dim)
        return np.asarray(np.count_nonzero(a, axis=_axis(a, dims)), dtype=np.int64)

    out.append(OpInfo("count_nonzero", ref=count_ref, sample_inputs=count_samples, error_inputs=_errors(
        ("dim is a float", lambda: tg.count_nonzero(_f(), 0.5), TypeError),
        ("keepdim is not an argument", lambda: tg.count_nonzero(_f(), 0, True), TypeError),
    )))

    # -- linalg_vector_norm: ord 0, 1, 2, +-inf, other p; dim passed by keyword (ord is second).
    inf = float("inf")

    def norm_samples(op, dtype, mode, make):
        if mode == "basic":  # the first three are the gradcheck samples: three kinds of ord
            yield SampleInput(make(S))
            yield SampleInput(make(L), 3, dim=0)
            yield SampleInput(make(L), inf, dim=(0, 2), keepdim=True)
            yield SampleInput(make(L), dim=[-1, 1])
            for ord in (0, 1, 2, 3, 0.5, -1, -2.5, inf, -inf):
                yield SampleInput(make(L), ord, 1)
            yield SampleInput(make(L), 3, [-1, 0], True)
            yield SampleInput(make(S), 1.5)
            yield SampleInput(make(S), inf)
            signs = tg.tensor([[-1.5, 2.0, 0.0], [0.7, -3.0, 0.0]], dtype=dtype)  # a zero column: norm 0
            for ord in (1, 2, 3, 0.5, inf, -inf):
                yield SampleInput(signs, ord, 0, name="signs and zeros")
        elif mode == "zero_dim":
            yield SampleInput(make(()))
            yield SampleInput(make(()), 1, 0)
            yield SampleInput(make(()), inf, dim=-1, keepdim=True)
        elif mode == "zero_size":
            yield SampleInput(make((0, 3)))
            yield SampleInput(make((0, 3)), 1, 0)
            yield SampleInput(make((0, 3)), inf, 1)  # reduces 3 elements into each of 0 outputs
        elif mode == "large":
            yield SampleInput(make(BIG))
            yield SampleInput(make(BIG), 1, 0)
            yield SampleInput(make(BIG), inf, 1)
            yield SampleInput(make(BIG[::-1]).t(), 3, 0)
        elif mode == "promotion":
            yield SampleInput(Maker(op, tg.float16)(S), dtype=tg.float32)
            yield SampleInput(Maker(op, tg.float32)(L), 1, 1, dtype=tg.float64)

    def norm_ref(a, ord=2, dim=None, keepdim=False, dtype=None):
        axis, x = _axis(a, dim), np.abs(a)
        if ord == 0:
            return np.sum(x != 0, axis=axis, keepdims=keepdim).astype(a.dtype)
        if ord == inf:
            return np.max(x, axis=axis, keepdims=keepdim)
        if ord == -inf:
            return np.min(x, axis=axis, keepdims=keepdim)
        return np.sum(x ** ord, axis=axis, keepdims=keepdim) ** (1.0 / ord)

    out.append(OpInfo("linalg_vector_norm", ref=norm_ref, sample_inputs=norm_samples, domain=(0.5, 3),
                      tol={tg.float32: (1e-5, 1e-5)}, error_inputs=_errors(
                          ("inf norm of an empty tensor", lambda: tg.linalg_vector_norm(tg.empty([0]), inf),
                           RuntimeError, "identity"),
                          ("-1 norm of an empty tensor", lambda: tg.linalg_vector_norm(tg.empty([2, 0]), -1, 1),
                           RuntimeError, "identity"),
                          ("ord is a string", lambda: tg.linalg_vector_norm(_f(), "fro"), TypeError),
                          ("norm of int64", lambda: tg.linalg_vector_norm(_f(S, tg.int64)), RuntimeError, "dtype"),
                      )))

    # -- var_mean / std_mean: (var or std, mean), composites of var/std and mean.
    def floating_only(op, s):
        return None if is_floating(s.args[0].dtype) else RuntimeError

    def var_mean_samples(op, dtype, mode, make):
        yield from _reduction_samples(op, dtype, mode, make)
        if mode == "basic":
            yield SampleInput(make(L), 1, correction=0)
            yield SampleInput(make(L), (0, 2), correction=2, keepdim=True)

    def var_mean_ref(npfn):
        def ref(a, dim=None, correction=None, keepdim=False):
            ddof, axis = (1 if correction is None else correction), _axis(a, dim)
            return npfn(a, axis=axis, ddof=ddof, keepdims=keepdim), np.mean(a, axis=axis, keepdims=keepdim)
        return ref

    same_dtype = dict(ref_inputs="compute", compute_dtype=lambda op, s: s.args[0].dtype,
                      result_dtype=lambda op, s: (s.args[0].dtype, s.args[0].dtype))
    for name, npfn in (("var_mean", np.var), ("std_mean", np.std)):
        fn = getattr(tg, name)
        out.append(OpInfo(name, ref=var_mean_ref(npfn), sample_inputs=var_mean_samples, dtypes=FLOATING,
                          expected_error=floating_only, tol={tg.float32: (1e-5, 1e-5)}, **same_dtype,
                          error_inputs=_errors(
                              (f"{name} of int64", lambda fn=fn: fn(_f(S, tg.int64)), RuntimeError, "dtype"),
                              ("dim out of range", lambda fn=fn: fn(_f(), 2), IndexError),
                              ("repeated dim", lambda fn=fn: fn(_f(), (1, -1)), RuntimeError, "multiple times"),
                          )))

    # -- aminmax: (amin, amax) over one dim or all, one Reduction for both (promotion keep_both);
    # keyword-only dim and keepdim.
    def aminmax_samples(op, dtype, mode, make):
        if mode == "basic":
            yield SampleInput(make(S))
            yield SampleInput(make(L), dim=0)
            yield SampleInput(make(L), dim=-1, keepdim=True)
            yield SampleInput(make(L), keepdim=True)
        elif mode == "zero_dim":
            yield SampleInput(make(()))
            yield SampleInput(make(()), dim=0)
        elif mode == "zero_size":
            yield SampleInput(make((0, 3)), dim=1)
        elif mode == "large":
            yield SampleInput(make(BIG))
            yield SampleInput(make(BIG), dim=0)
            yield SampleInput(make(BIG[::-1]).t(), dim=1)

    def aminmax_ref(a, dim=None, keepdim=False):
        axis = None if a.ndim == 0 else dim
        return np.min(a, axis=axis, keepdims=keepdim), np.max(a, axis=axis, keepdims=keepdim)

    out.append(OpInfo("aminmax", ref=aminmax_ref, sample_inputs=aminmax_samples, ieee_specials=True, **same_dtype,
                      error_inputs=_errors(
                          ("no elements, no dim", lambda: tg.aminmax(tg.empty([0, 3])), RuntimeError),
                          ("reducing a zero-size dim", lambda: tg.aminmax(tg.empty([0, 3]), dim=0), IndexError),
                          ("dim out of range", lambda: tg.aminmax(_f(), dim=2), IndexError),
                          ("dim given positionally", lambda: tg.aminmax(_f(), 0), TypeError),
                      )))

    # -- nanmean: nansum / the number of non-NaN elements; floating only.
    def nanmean_samples(op, dtype, mode, make):
        yield from _reduction_samples(op, dtype, mode, make)
        if mode == "basic" and is_floating(dtype):
            nan = float("nan")
            yield SampleInput(tg.tensor([[1.0, nan, 3.0], [nan, nan, nan]], dtype=dtype), 1, name="nan")

    def nanmean_dtype(op, s):
        return s.kwargs.get("dtype") or s.args[0].dtype

    out.append(OpInfo("nanmean", ref=lambda a, dim=None, keepdim=False, dtype=None: np.nanmean(
                          a, axis=_axis(a, dim), keepdims=keepdim),
                      sample_inputs=nanmean_samples, dtypes=FLOATING, expected_error=floating_only,
                      ref_inputs="compute", compute_dtype=nanmean_dtype, result_dtype=nanmean_dtype,
                      ieee_specials=True, tol={tg.float32: (1e-5, 1e-5)}, error_inputs=_errors(
                          ("nanmean of int64", lambda: tg.nanmean(_f(S, tg.int64)), RuntimeError, "floating"),
                          ("dim out of range", lambda: tg.nanmean(_f(), 2), IndexError),
                      )))

    # -- logsumexp: max-shifted; integers and bool computed in float32.
    def lse_samples(op, dtype, mode, make):
        if mode == "basic":
            yield SampleInput(make(S), 1)
            yield SampleInput(make(L), (0, 2))
            yield SampleInput(make(L), -1, keepdim=True)
            yield SampleInput(make(L), [])
            if is_floating(dtype) and dtype is not tg.float16:
                yield SampleInput(tg.tensor([[1000.0, 1000.0], [-1000.0, -999.0]], dtype=dtype), 1,
                                  name="no overflow")
        elif mode == "zero_dim":
            yield SampleInput(make(()), 0)
            yield SampleInput(make(()), [-1], keepdim=True)
        elif mode == "zero_size":
            yield SampleInput(make((0, 3)), 1)
            yield SampleInput(make((0, 3)), 0)
        elif mode == "large":
            yield SampleInput(make(BIG), 1)
            yield SampleInput(make(BIG[::-1]).t(), 0)

    def lse_ref(a, dim, keepdim=False):
        axis = _axis(a, [dim] if isinstance(dim, int) else list(dim))
        if a.size == 0:
            return np.log(np.sum(np.exp(a), axis=axis, keepdims=keepdim))
        m = np.max(a, axis=axis, keepdims=True)
        m = np.where(np.isfinite(m), m, 0)
        r = np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True)) + m
        return r if keepdim else r.reshape(np.sum(a, axis=axis).shape)

    def lse_dtype(op, s):
        return s.args[0].dtype if is_floating(s.args[0].dtype) else tg.float32

    out.append(OpInfo("logsumexp", ref=lse_ref, sample_inputs=lse_samples, ref_inputs="compute",
                      compute_dtype=lse_dtype, result_dtype=lse_dtype, ieee_specials=True,
                      tol={tg.float32: (1e-5, 1e-5)}, error_inputs=_errors(
                          ("dim missing", lambda: tg.logsumexp(_f()), TypeError),
                          ("dim out of range", lambda: tg.logsumexp(_f(), 2), IndexError),
                          ("repeated dim", lambda: tg.logsumexp(_f(), (0, 0)), RuntimeError, "multiple times"),
                      )))
    return out
