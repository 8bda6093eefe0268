"""Copies, fills, conversions and whole-tensor comparisons."""
from __future__ import annotations

import builtins

import numpy as np

import tensorgen as tg
from tensorgen.testing.opinfo.core import *  # noqa: F403  (the vocabulary of entries: OpInfo, SampleInput, _f, S, ...)


def _fill_samples(op, dtype, mode, make):
    shapes = {"basic": [S, L], "zero_dim": [()], "zero_size": [(0, 3)], "large": [BIG]}.get(mode, [])
    for shp in shapes:
        yield SampleInput(make(shp), _fill_value(dtype))
    if mode == "basic":
        if dtype is not tg.bool:
            yield SampleInput(make(S), 2.75)       # a float into an integer tensor truncates
            yield SampleInput(make(S), False)
        yield SampleInput(make(S), 0)


def _fill_ref(a, value):
    return np.full(a.shape, value)


def _zero_samples(op, dtype, mode, make):
    shapes = {"basic": [S, L], "zero_dim": [()], "zero_size": [(0, 3)]}.get(mode, [])
    for shp in shapes:
        yield SampleInput(make(shp))


def _inplace_entry(name, ref, samples, **kw):
    def check(op, sample, result):
        assert result.data_ptr() == sample.args[0].data_ptr(), f"{op.name}: must return self"
        exp = np.broadcast_to(np.asarray(ref(*[_to_np(a) for a in sample.args])), tuple(sample.args[0].shape))
        _check_one(op, SampleInput(*sample.args), result, exp, sample.args[0].dtype)
    return OpInfo(name, ref=ref, sample_inputs=samples, check=check,
                  result_dtype=lambda op, s: s.args[0].dtype, compute_dtype=lambda op, s: s.args[0].dtype, **kw)


def _copy_samples(op, dtype, mode, make):
    if mode == "basic":
        yield SampleInput(make(S), make(S))
        yield SampleInput(make(L), make(L, noncontiguous=True))
        for src_dt in (tg.float32, tg.int64, tg.bool, tg.float16):
            yield SampleInput(make(S), Maker(op, src_dt, seed=20)(S, low=0, high=9))
    elif mode == "broadcast":
        yield SampleInput(make(S), make((4,)))
        yield SampleInput(make(L), make((3, 1)))
        yield SampleInput(make(S), make(()))
    elif mode == "zero_dim":
        yield SampleInput(make(()), make(()))
    elif mode == "zero_size":
        yield SampleInput(make((0, 3)), make((0, 3)))
        yield SampleInput(make((0, 3)), make((3,)))
    elif mode == "large":
        yield SampleInput(make(BIG), make(BIG[::-1]).t())
        yield SampleInput(make(BIG[::-1]).t(), Maker(op, tg.float64, seed=5)(BIG, low=0, high=9))


def _copy_ref(dst, src):
    return src


def _clone_samples(op, dtype, mode, make):
    shapes = {"basic": [S, L], "zero_dim": [()], "zero_size": [(0, 3)]}.get(mode, [])
    for shp in shapes:
        yield SampleInput(make(shp))
    if mode == "basic":
        yield SampleInput(make((4, 3)).t())
        yield SampleInput(make(L).permute([2, 0, 1]))
    if mode == "large":
        yield SampleInput(make(BIG[::-1]).t())
        yield SampleInput(make((5, 7, 11, 13)).permute([3, 1, 0, 2]))


def _clone_check(op, sample, result):
    check_result(op, sample, result)
    x = sample.args[0]
    if x.numel() > 0:
        assert result.untyped_storage().data_ptr() != x.untyped_storage().data_ptr(), f"{op.name}: must copy"
    if op.name == "contiguous":
        assert result.is_contiguous(), "contiguous() must return a contiguous tensor"
        if x.is_contiguous():
            assert result.data_ptr() == x.data_ptr(), "contiguous() of a contiguous tensor must return self"
    if op.name == "clone":
        assert result.shape == x.shape


def _contiguous_check(op, sample, result):
    check_result(op, sample, result)
    x = sample.args[0]
    assert result.is_contiguous(), "contiguous() must return a contiguous tensor"
    if x.is_contiguous():
        assert result.data_ptr() == x.data_ptr(), "contiguous() of a contiguous tensor must return self"
    elif x.numel() > 0:
        assert result.data_ptr() != x.data_ptr(), "contiguous() of a non-contiguous tensor must copy"


def _to_samples(op, dtype, mode, make):
    shapes = {"basic": [S], "zero_dim": [()], "zero_size": [(0, 3)]}.get(mode, [])
    for shp in shapes:
        for target in ALL_DTYPES:
            yield SampleInput(make(shp, low=0, high=9), target)
    if mode == "large":
        for target in (tg.float64, tg.int32, tg.bfloat16, tg.bool):
            yield SampleInput(make(BIG[::-1], low=0, high=9).t(), target)
    if mode == "basic":
        yield SampleInput(make(S, low=0, high=9), dtype=tg.float64)
        yield SampleInput(make(S, low=0, high=9), tg.float32, copy=True)
        yield SampleInput(make(S, low=0, high=9), tg.float64, copy=True)


def _to_ref(a, dtype, copy=False):
    if dtype is tg.bool:
        return a != 0
    return a.astype(np.float64) if is_floating(dtype) else a.astype(np_dtype(dtype))


def _to_dtype(op, sample):
    return sample.args[1] if len(sample.args) > 1 else sample.kwargs["dtype"]


def _to_check(op, sample, result):
    check_result(op, sample, result)
    x = sample.args[0]
    target = _to_dtype(op, sample)
    if target is x.dtype and not sample.kwargs.get("copy"):
        assert result.data_ptr() == x.data_ptr(), "to() of the same dtype must return self"
    elif x.numel() > 0:
        assert result.data_ptr() != x.data_ptr(), "to() of another dtype (or copy=True) must copy"


def _allclose_samples(op, dtype, mode, make):
    if mode == "basic":
        a = make(S)
        yield SampleInput(a, a.clone())
        yield SampleInput(make(S), make(S))
        yield SampleInput(make(S), make(S), rtol=0.0, atol=20.0)
        yield SampleInput(make(L), make(L), 1e-05, 1e-08)
        if is_floating(dtype):
            yield SampleInput(_nan_tensor(dtype), _nan_tensor(dtype))
            yield SampleInput(_nan_tensor(dtype), _nan_tensor(dtype), equal_nan=True)
            b = make(S)
            yield SampleInput(b, tg.tensor(to_numpy(b) * (1 + 1e-6), dtype=dtype), rtol=1e-3)
    elif mode == "broadcast":
        a = make((4,))
        yield SampleInput(a.expand([3, 4]).contiguous(), a)
        yield SampleInput(make(S), make((1, 4)))
    elif mode == "zero_dim":
        a = make(())
        yield SampleInput(a, a.clone())
        yield SampleInput(make(()), make(()))
    elif mode == "zero_size":
        yield SampleInput(make((0, 3)), make((0, 3)))


def _allclose_ref(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    return builtins.bool(np.all(np.isclose(a64, b64, rtol=rtol, atol=atol, equal_nan=equal_nan)))


def _equal_samples(op, dtype, mode, make):
    if mode == "basic":
        a = make(S)
        yield SampleInput(a, a.clone())
        yield SampleInput(make(S), make(S))
        yield SampleInput(a, a[:2])                                  # shapes differ: False
        yield SampleInput(a, make(S, noncontiguous=True).copy_(a))   # same values, other layout
        yield SampleInput(make((4,)), make((4,)).expand([3, 4]))
    elif mode == "zero_dim":
        a = make(())
        yield SampleInput(a, a.clone())
    elif mode == "zero_size":
        yield SampleInput(make((0, 3)), make((0, 3)))
        yield SampleInput(make((0, 3)), make((3, 0)))


def _equal_ref(a, b):
    return builtins.bool(np.array_equal(a, b))


def entries():
    out = []
    out.append(_inplace_entry("fill_", _fill_ref, _fill_samples, error_inputs=_errors(
        ("value is a string", lambda: tg.fill_(_f(), "a"), TypeError),
        ("value is a 1-D tensor", lambda: tg.fill_(_f(), _f((2,))), TypeError),
        ("missing value", lambda: _f().fill_(), TypeError),
    )))
    out.append(_inplace_entry("zero_", lambda a: np.zeros(a.shape), _zero_samples, error_inputs=_errors(
        ("extra argument", lambda: _f().zero_(1), TypeError),
    )))
    out.append(_inplace_entry("copy_", _copy_ref, _copy_samples, error_inputs=_errors(
        ("source doesn't broadcast", lambda: _f().copy_(_f((5,))), RuntimeError, "broadcast"),
        ("source is the transpose of self (partial overlap)", lambda: (lambda x: x.copy_(x.t()))(_f((3, 3))),
         RuntimeError, "single memory location"),
        ("self has expanded dims", lambda: _f((1, 4)).expand([3, 4]).copy_(_f()), RuntimeError,
         "single memory location"),
        ("source is a number", lambda: _f().copy_(3), TypeError),
        ("source is a list", lambda: _f().copy_([1.0, 2.0]), TypeError),
    )))
    out.append(OpInfo("clone", ref=lambda a: a, sample_inputs=_clone_samples, check=_clone_check,
                      error_inputs=_errors(("not a tensor", lambda: tg.clone([1, 2]), TypeError))))
    out.append(OpInfo("contiguous", ref=lambda a: a, sample_inputs=_clone_samples, check=_contiguous_check,
                      error_inputs=_errors(("positional argument", lambda: _f().contiguous(1), TypeError))))
    out.append(OpInfo("to", ref=_to_ref, sample_inputs=_to_samples, result_dtype=_to_dtype, check=_to_check,
                      compute_dtype=lambda op, s: s.args[0].dtype, error_inputs=_errors(
                          # (an int is a CUDA device index, as in PyTorch; a float is a TypeError here, while PyTorch's
    # to() turns it into a float64 tensor and converts to its dtype: README, differences)
    ("not a dtype", lambda: _f().to([1]), TypeError),
    ("dtype then device", lambda: _f().to(tg.float64, "cpu"), TypeError),  # PyTorch has no to(dtype, device)
                          ("unknown device string", lambda: _f().to("float"), RuntimeError),
                          ("unknown keyword", lambda: _f().to(tg.float64, bogus=1), TypeError),
                      )))
    out.append(OpInfo("allclose", ref=_allclose_ref, sample_inputs=_allclose_samples, promotion="python_bool",
                      error_inputs=_errors(
                          ("dtypes differ", lambda: tg.allclose(_f(), _f(S, tg.float64)), RuntimeError),
                          ("shapes don't broadcast", lambda: tg.allclose(_f((2, 3)), _f((4,))), RuntimeError),
                          ("other is a number", lambda: tg.allclose(_f(), 1.0), TypeError),
                      )))
    out.append(OpInfo("equal", ref=_equal_ref, sample_inputs=_equal_samples, promotion="python_bool",
                      error_inputs=_errors(("other is a number", lambda: tg.equal(_f(), 1.0), TypeError))))
    return out

