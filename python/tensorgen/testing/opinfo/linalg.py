"""Softmax and matrix products."""
from __future__ import annotations

import numpy as np

import tensorgen as tg
from tensorgen.testing.opinfo.core import *  # noqa: F403  (the vocabulary of entries: OpInfo, SampleInput, _f, S, ...)


def _log_softmax_ref(a, dim, dtype=None):
    if a.size == 0:
        return np.zeros(a.shape)
    if a.ndim == 0:
        return np.zeros_like(a, dtype=np.float64)
    m = np.max(a, axis=dim, keepdims=True)
    return a - m - np.log(np.sum(np.exp(a - m), axis=dim, keepdims=True))


def _softmax_ref(a, dim, dtype=None):
    return np.exp(_log_softmax_ref(a, dim))


def _softmax_samples(op, dtype, mode, make):
    if mode == "basic":
        yield SampleInput(make(L), -1)
        yield SampleInput(make(L), 0)
        yield SampleInput(make(S), dim=1)
    elif mode == "zero_dim":
        yield SampleInput(make(()), 0)
    elif mode == "zero_size":
        yield SampleInput(make((0, 3)), 1)
        yield SampleInput(make((3, 0)), 1)
    elif mode == "large":
        yield SampleInput(make(BIG), 1)
        yield SampleInput(make(BIG), 0)
        yield SampleInput(make(BIG[::-1]).t(), 1)
    elif mode == "promotion":
        yield SampleInput(Maker(op, tg.int64)(S), 1, dtype=tg.float32)
        yield SampleInput(Maker(op, tg.float16)(S), 0, dtype=tg.float32)
        yield SampleInput(Maker(op, tg.float32)(S), -1, dtype=tg.float64)


def _dtype_kwarg_or_input(op, sample):
    return sample.kwargs.get("dtype") or sample.args[0].dtype


def _softmax_entry(name, ref):
    fn = getattr(tg, name)
    return OpInfo(name, ref=ref, sample_inputs=_softmax_samples, ref_inputs="compute", out_dtype_exact=True,
                  compute_dtype=_dtype_kwarg_or_input, result_dtype=_dtype_kwarg_or_input,
                  tol={tg.float32: (1e-5, 1e-6), tg.float16: (2e-3, 1e-3)}, error_inputs=_errors(
                      ("dim out of range", lambda: fn(_f(), 2), IndexError, rf"\[{name}\]"),
                      ("integer input", lambda: fn(_f(S, tg.int64), 0), NotImplementedError),
                      ("missing dim", lambda: fn(_f()), TypeError),
                      ("out= of another dtype", lambda: fn(_f(), 0, out=tg.empty(0, dtype=tg.float64)),
                       RuntimeError),
                  ))


def _mm_samples(op, dtype, mode, make):
    if mode == "basic":
        yield SampleInput(make((3, 4)), make((4, 5)))
        yield SampleInput(make((1, 4)), make((4, 1)))
        yield SampleInput(make((4, 3)).t(), make((4, 2)))           # transposed operand
        yield SampleInput(make((6, 5)), make((2, 5)).t())
    elif mode == "large":
        yield SampleInput(make((33, 65)), make((65, 17)))
        yield SampleInput(make((65, 33)).t(), make((17, 65)).t())
    elif mode == "zero_size":
        yield SampleInput(make((0, 4)), make((4, 5)))
        yield SampleInput(make((3, 0)), make((0, 5)))                # sums of nothing: zeros
        yield SampleInput(make((3, 4)), make((4, 0)))


def _bmm_samples(op, dtype, mode, make):
    if mode == "large":
        yield SampleInput(make((3, 33, 65)), make((3, 65, 17)))
    if mode == "basic":
        yield SampleInput(make((2, 3, 4)), make((2, 4, 5)))
        yield SampleInput(make((1, 1, 3)), make((1, 3, 2)))
        yield SampleInput(make((2, 5, 3)).transpose(1, 2), make((2, 5, 4)))
    elif mode == "zero_size":
        yield SampleInput(make((0, 3, 4)), make((0, 4, 5)))
        yield SampleInput(make((2, 3, 0)), make((2, 0, 5)))


def _matmul_samples(op, dtype, mode, make):
    if mode == "basic":
        yield SampleInput(make((4,)), make((4,)))                   # dot: 0-d
        yield SampleInput(make((3, 4)), make((4,)))                 # mv
        yield SampleInput(make((4,)), make((4, 5)))                 # vm
        yield SampleInput(make((3, 4)), make((4, 5)))               # mm
        yield SampleInput(make((2, 3, 4)), make((2, 4, 5)))         # bmm
    elif mode == "large":
        yield SampleInput(make((3, 33, 65)), make((65, 17)))
        yield SampleInput(make((65,)), make((65, 33)))
    elif mode == "broadcast":
        yield SampleInput(make((2, 3, 4)), make((4, 5)))
        yield SampleInput(make((3, 4)), make((2, 4, 5)))
        yield SampleInput(make((2, 1, 3, 4)), make((5, 4, 2)))
        yield SampleInput(make((2, 3, 4)), make((4,)))
        yield SampleInput(make((4,)), make((2, 4, 3)))
    elif mode == "zero_size":
        yield SampleInput(make((0, 4)), make((4, 5)))
        yield SampleInput(make((0,)), make((0,)))
        yield SampleInput(make((2, 3, 0)), make((0, 5)))


def _mm_compute(op, sample):
    return result_type(*sample.args[:2])


_MATMUL_DOMAIN = dict(domain=(-3.0, 3.0), int_domain=(-3, 4))


def entries():
    out = [_softmax_entry("softmax", _softmax_ref), _softmax_entry("log_softmax", _log_softmax_ref)]
    lin_tol = {tg.float32: (1e-5, 1e-5), tg.float16: (2e-3, 2e-3), tg.bfloat16: (1.6e-2, 2e-2)}
    out.append(OpInfo("mm", ref=np.matmul, sample_inputs=_mm_samples, ref_inputs="compute", compute_dtype=_mm_compute,
                      out_dtype_exact=True,
                      tol=lin_tol, **_MATMUL_DOMAIN, error_inputs=_errors(
                          ("1-D input", lambda: tg.mm(_f((4,)), _f((4, 5))), RuntimeError, "matrix"),
                          ("3-D input", lambda: tg.mm(_f((2, 3, 4)), _f((4, 5))), RuntimeError),
                          ("shapes can't be multiplied", lambda: tg.mm(_f((3, 4)), _f((3, 4))), RuntimeError,
                           "cannot be multiplied"),
                          ("dtypes differ", lambda: tg.mm(_f((3, 4)), _f((4, 5), tg.float64)), RuntimeError, "dtype"),
                          ("Python number operand", lambda: tg.mm(_f(), 3), TypeError),
                          ("bool inputs", lambda: tg.mm(_f((3, 4), tg.bool), _f((4, 5), tg.bool)), NotImplementedError),
                          ("out= of another dtype", lambda: tg.mm(_f((3, 4)), _f((4, 5)),
                                                                  out=tg.empty(0, dtype=tg.float64)), RuntimeError),
                      )))
    out.append(OpInfo("bmm", ref=np.matmul, sample_inputs=_bmm_samples, ref_inputs="compute", compute_dtype=_mm_compute,
                      out_dtype_exact=True,
                      tol=lin_tol, **_MATMUL_DOMAIN, error_inputs=_errors(
                          ("2-D input", lambda: tg.bmm(_f((3, 4)), _f((4, 5))), RuntimeError, "3D"),
                          ("batch sizes differ", lambda: tg.bmm(_f((2, 3, 4)), _f((3, 4, 5))), RuntimeError),
                          ("inner sizes differ", lambda: tg.bmm(_f((2, 3, 4)), _f((2, 3, 5))), RuntimeError),
                          ("Python number operand", lambda: tg.bmm(_f((2, 3, 4)), 2), TypeError),
                      )))
    out.append(OpInfo("matmul", ref=np.matmul, sample_inputs=_matmul_samples, ref_inputs="compute",
                      compute_dtype=_mm_compute, dtypes=NUMERIC, tol=lin_tol, **_MATMUL_DOMAIN,
                      error_inputs=_errors(
                          ("0-d input", lambda: tg.matmul(tg.tensor(2.0), _f()), RuntimeError, "1D"),
                          ("sizes differ", lambda: tg.matmul(_f((3, 4)), _f((3,))), RuntimeError),
                          ("batch dims don't broadcast", lambda: tg.matmul(_f((2, 3, 4)), _f((3, 4, 5))), RuntimeError),
                          ("Python number operand", lambda: tg.matmul(_f(), 2), TypeError),
                          ("@ with a Python number", lambda: _f() @ 2, TypeError),
                      )))
    return out

