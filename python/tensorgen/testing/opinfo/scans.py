"""Scans (kind: scan): cumsum, cumprod, cummax, cummin, logcumsumexp — cumulative along one dim.

The default samples and error inputs of a scan come from core.py (dim required, 0-d, zero-size,
large, dtype= promotion, dim out of range or missing), the result dtype from the YAML promotion
(sum: integers and bool accumulate in int64 unless dtype=; keep: (values, int64 indices))."""
from __future__ import annotations

import numpy as np

import tensorgen as tg
from tensorgen.testing.opinfo.core import *  # noqa: F403  (the vocabulary of entries: OpInfo, SampleInput, _f, S, ...)


def _cum_extreme_ref(is_max):
    """cummax/cummin (NumPy has no running arg-max), PyTorch's rule: ties take the later index;
    after the first NaN the values stay NaN and the index follows the latest NaN."""
    def ref(a, dim):
        if a.ndim == 0:
            return a.copy(), np.zeros((), np.int64)
        moved = np.moveaxis(a, dim, -1)
        values = (np.maximum if is_max else np.minimum).accumulate(moved, axis=-1)  # NaN propagates
        before = np.concatenate([moved[..., :1], values[..., :-1]], axis=-1)  # the extreme before k
        with np.errstate(invalid="ignore"):
            takes = (moved != moved) | ((before == before) & ((moved >= before) if is_max else (moved <= before)))
        steps = np.arange(moved.shape[-1])
        indices = np.maximum.accumulate(np.where(takes, steps, 0), axis=-1)  # the last step that took over
        return np.moveaxis(values, -1, dim), np.moveaxis(indices.astype(np.int64), -1, dim)
    return ref


def _logcumsumexp_samples(op, dtype, mode, make):
    yield from _scan_samples(op, dtype, mode, make)
    if mode == "basic" and is_floating(dtype) and dtype is not tg.float16:
        yield SampleInput(tg.tensor([[1000.0, 1000.0, -1000.0], [-1000.0, -999.0, 0.0]], dtype=dtype), 1,
                          name="no overflow")


def _logcumsumexp_ref(a, dim):
    return a.copy() if a.ndim == 0 else np.logaddexp.accumulate(a, axis=dim)


def entries():
    out = []
    out.append(OpInfo("cumsum", ref=np.cumsum, tol={tg.float32: (1e-5, 5e-4)}))
    out.append(OpInfo("cumprod", ref=np.cumprod, domain=(0.5, 1.5), int_domain=(-2, 3), tol={tg.float32: (1e-4, 1e-5)}))
    out.append(OpInfo("cummax", ref=_cum_extreme_ref(True)))
    out.append(OpInfo("cummin", ref=_cum_extreme_ref(False)))
    # log(cumsum(exp(x))) computed stably (floating only)
    out.append(OpInfo("logcumsumexp", ref=_logcumsumexp_ref, sample_inputs=_logcumsumexp_samples,
                      tol={tg.float32: (1e-5, 1e-5)}))
    return out
