"""Scans (kind: scan): cumsum, cumprod, cummax, cummin, logcumsumexp — cumulative along one dim."""
from __future__ import annotations

import numpy as np

import tensorgen as tg
from tensorgen.testing._utils import _maybe_noncontiguous
from tensorgen.testing.opinfo.core import *  # noqa: F403  (the vocabulary of entries: OpInfo, SampleInput, _f, S, ...)


def entries():
    out = []

    # -- cumsum / cumprod: kind scan (integers and bool -> int64 unless dtype=).
    def scan_dtype(op, sample):
        requested = sample.kwargs.get("dtype")
        if requested is not None:
            return requested
        x = sample.args[0]
        return x.dtype if is_floating(x.dtype) else tg.int64

    def scan_samples(op, dtype, mode, make):
        if mode == "basic":
            # zeros inside the lines first (so gradcheck sees them: cumprod's gradient takes
            # another path with zeros)
            zeros = np.array([[1, 0, 2, 3], [0, 2, 0, 1], [2, 1, 3, 2]])
            yield SampleInput(_maybe_noncontiguous(tg.tensor(zeros, dtype=dtype), make.noncontiguous), 1,
                              name="zeros")
            yield SampleInput(make(S), 0)
            yield SampleInput(make(S), 1)
            yield SampleInput(make(L), dim=-1)
            yield SampleInput(make(L), 1)
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
        elif mode == "promotion":
            for src, dst in ((tg.int32, tg.float32), (tg.bool, None), (tg.float16, tg.float32),
                             (tg.float32, tg.float64), (tg.int16, tg.int32), (tg.uint8, None)):
                kw = {} if dst is None else {"dtype": dst}
                yield SampleInput(Maker(op, src)(L), 1, **kw)

    def scan_ref(npfn):
        def ref(a, dim, dtype=None):  # a is already in the compute dtype (ref_inputs="compute")
            return npfn(a, axis=dim if a.ndim else None).reshape(a.shape)
        return ref

    for name, npfn, extra in (("cumsum", np.cumsum, dict(tol={tg.float32: (1e-5, 5e-4)})),
                              ("cumprod", np.cumprod, dict(domain=(0.5, 1.5), int_domain=(-2, 3),
                                                           tol={tg.float32: (1e-4, 1e-5)}))):
        fn = getattr(tg, name)
        out.append(OpInfo(name, ref=scan_ref(npfn), sample_inputs=scan_samples, ref_inputs="compute",
                          compute_dtype=scan_dtype, result_dtype=scan_dtype, ieee_specials=True, **extra,
                          error_inputs=_errors(
                              ("dim out of range", lambda fn=fn: fn(_f(), 2), IndexError, rf"\[{name}\]"),
                              ("dim out of range (negative)", lambda fn=fn: fn(_f(), -3), IndexError),
                              ("0-d input, dim 1", lambda fn=fn: fn(tg.tensor(1.0), 1), IndexError),
                              ("dim missing", lambda fn=fn: fn(_f()), TypeError),
                              ("dim is a list", lambda fn=fn: fn(_f(), [0]), TypeError),
                              ("bool dtype=", lambda fn=fn: fn(_f(), 0, dtype=tg.bool), NotImplementedError),
                              (f"{name}_ of bool (int64 result into bool)",
                               lambda name=name: getattr(_f(S, tg.bool), name + "_")(0), RuntimeError),
                          )))

    # -- cummax / cummin: (values, indices); ties take the later index, a NaN stays.
    def cum_extreme_ref(is_max):
        def ref(a, dim):
            if a.ndim == 0:
                return a.copy(), np.zeros((), np.int64)
            moved = np.moveaxis(a, dim, -1)
            values, indices = np.empty_like(moved), np.zeros(moved.shape, np.int64)
            for line in np.ndindex(*moved.shape[:-1]):
                best, best_k = None, 0
                for k, x in enumerate(moved[line]):
                    if k == 0 or (best == best and (x != x or (x >= best if is_max else x <= best))):
                        best, best_k = x, k
                    values[line + (k,)], indices[line + (k,)] = best, best_k
            return np.moveaxis(values, -1, dim), np.moveaxis(indices, -1, dim)
        return ref

    def cum_extreme_samples(op, dtype, mode, make):
        # scan_samples without dtype= and without the zeros sample (its repeated values are ties:
        # cummax is not differentiable there, and the "ties" sample below covers them)
        yield from (s for s in scan_samples(op, dtype, mode, make) if "dtype" not in s.kwargs and s.name != "zeros")
        if mode == "basic":  # ties: the later index wins
            ties = np.array([[1, 3, 3, 0, 3], [2, 2, 1, 2, 0]])
            yield SampleInput(_maybe_noncontiguous(tg.tensor(ties, dtype=dtype), make.noncontiguous), 1,
                              name="ties")

    for name in ("cummax", "cummin"):
        fn = getattr(tg, name)
        out.append(OpInfo(name, ref=cum_extreme_ref(name == "cummax"), sample_inputs=cum_extreme_samples,
                          ref_inputs="compute", compute_dtype=lambda op, s: s.args[0].dtype,
                          result_dtype=lambda op, s: (s.args[0].dtype, tg.int64), ieee_specials=True,
                          error_inputs=_errors(
                              ("dim out of range", lambda fn=fn: fn(_f(), 2), IndexError, rf"\[{name}\]"),
                              ("dim missing", lambda fn=fn: fn(_f()), TypeError),
                              ("out= indices of dtype float32",
                               lambda fn=fn: fn(_f(), 0, out=(tg.empty(0), tg.empty(0))), RuntimeError, "int64"),
                              ("out= of one tensor", lambda fn=fn: fn(_f(), 0, out=tg.empty(0)), TypeError),
                          )))

    # -- logcumsumexp: log(cumsum(exp(x))) computed stably (floating only).
    def logcumsumexp_samples(op, dtype, mode, make):
        yield from (s for s in scan_samples(op, dtype, mode, make) if "dtype" not in s.kwargs)
        if mode == "basic" and is_floating(dtype) and dtype is not tg.float16:
            yield SampleInput(tg.tensor([[1000.0, 1000.0, -1000.0], [-1000.0, -999.0, 0.0]], dtype=dtype), 1,
                              name="no overflow")

    def logcumsumexp_ref(a, dim):
        return a.copy() if a.ndim == 0 else np.logaddexp.accumulate(a, axis=dim)

    out.append(OpInfo("logcumsumexp", ref=logcumsumexp_ref, sample_inputs=logcumsumexp_samples, ref_inputs="compute",
                      compute_dtype=lambda op, s: s.args[0].dtype, result_dtype=lambda op, s: s.args[0].dtype,
                      ieee_specials=True, tol={tg.float32: (1e-5, 1e-5)}, error_inputs=_errors(
                          ("dim out of range", lambda: tg.logcumsumexp(_f(), 2), IndexError, r"\[logcumsumexp\]"),
                          ("dim missing", lambda: tg.logcumsumexp(_f()), TypeError),
                          ("logcumsumexp of int64", lambda: tg.logcumsumexp(_f(S, tg.int64), 0), NotImplementedError),
                      )))
    return out
