"""Factories: ops that make a tensor from sizes and scalars (and the *_like ones)."""
from __future__ import annotations

import builtins

import numpy as np

import tensorgen as tg
from tensorgen.testing.opinfo.core import *  # noqa: F403  (the vocabulary of entries: OpInfo, SampleInput, _f, S, ...)


def _factory_dtype(op, sample):
    dt = sample.kwargs.get("dtype")
    if dt is not None:
        return dt
    if op.name.endswith("_like"):
        return sample.args[0].dtype
    if op.name in ("randint", "randperm"):
        return tg.int64
    if op.name in ("rand", "randn", "linspace", "eye", "empty", "zeros", "ones"):
        return tg.float32
    scalars = [a for a in sample.args if isinstance(a, (builtins.bool, builtins.int, builtins.float))]
    if op.name == "full_like":
        return sample.args[0].dtype
    if op.name == "full":
        scalars = scalars[-1:]
    if any(isinstance(s, builtins.float) for s in scalars):
        return tg.float32
    if scalars and all(isinstance(s, builtins.bool) for s in scalars):
        return tg.bool
    return tg.int64


def _size_samples(mode):
    return {"basic": [[3, 4], [2, 3, 4]], "zero_dim": [[]], "zero_size": [[0], [2, 0, 3]]}.get(mode, [])


def _factory_entry(name, ref, sample_fn, *, dtypes=ALL_DTYPES, check=None, error_inputs=None, tol=None):
    return OpInfo(name, ref=ref, sample_inputs=sample_fn, dtypes=dtypes, compute_dtype=_factory_dtype,
                  result_dtype=_factory_dtype, check=check, error_inputs=error_inputs, tol=tol)


def _sized_samples(extra_args=lambda dt: ()):
    def gen(op, dtype, mode, make):
        for size in _size_samples(mode):
            yield SampleInput(size, *extra_args(dtype), dtype=dtype)
        if mode == "basic":
            yield SampleInput((2, 2), *extra_args(dtype), dtype=dtype)   # size as a tuple
        if mode == "promotion":
            for v in ((2.5,), (3,), (True,)) if extra_args(tg.float32) else ((),):
                yield SampleInput([2, 3], *v)
    return gen


def _like_samples(extra_args=lambda dt: ()):
    def gen(op, dtype, mode, make):
        shapes = {"basic": [S, L], "zero_dim": [()], "zero_size": [(0, 3)]}.get(mode, [])
        for shp in shapes:
            yield SampleInput(make(shp), *extra_args(dtype))
            yield SampleInput(Maker(op, tg.float64 if dtype is not tg.float64 else tg.int32)(shp),
                              *extra_args(dtype), dtype=dtype)
        if mode == "promotion":
            yield SampleInput(Maker(op, tg.int64)(S), *extra_args(tg.float32))
    return gen


def _empty_check(op, sample, result):
    size = sample.args[0].shape if op.name == "empty_like" else tuple(sample.args[0])
    assert isinstance(result, tg.Tensor)
    assert tuple(result.shape) == tuple(size), f"{op.name}{sample}: shape {tuple(result.shape)}"
    assert result.dtype is op.result_dtype(sample), f"{op.name}{sample}: dtype {result.dtype}"
    assert result.is_contiguous()
    if op.name == "empty_like":
        assert result.untyped_storage().data_ptr() != sample.args[0].untyped_storage().data_ptr() \
            or result.numel() == 0


def _full_ref_like(value_of):
    def ref(a, *args, dtype=None):
        return np.full(a.shape, value_of(args))
    return ref


def _arange_samples(op, dtype, mode, make):
    if mode == "basic":
        yield SampleInput(0, 5, dtype=dtype)
        yield SampleInput(1, 9, 2, dtype=dtype)
        yield SampleInput(7, 1, -2, dtype=dtype)
        yield SampleInput(6, dtype=dtype)                 # arange(end)
        yield SampleInput(2, 12, step=3, dtype=dtype)
        if is_floating(dtype):
            yield SampleInput(0.0, 2.5, 0.5, dtype=dtype)
            yield SampleInput(-1.0, 1.0, 0.25, dtype=dtype)
            yield SampleInput(0, 1, 0.1, dtype=dtype)      # length from ceil((end - start) / step)
    elif mode == "zero_size":
        yield SampleInput(3, 3, dtype=dtype)
    elif mode == "promotion":
        yield SampleInput(0, 5)
        yield SampleInput(0, 2.5, 0.5)
        yield SampleInput(0.0, 5)
        yield SampleInput(5)
        yield SampleInput(5.0)


def _arange_ref(*args, dtype=None, step=None):
    if step is not None:
        args = args + (step,)
    return np.arange(*[float(a) for a in args])


def _linspace_samples(op, dtype, mode, make):
    if mode == "basic":
        yield SampleInput(0, 8, 5, dtype=dtype)
        yield SampleInput(0, 10, 5, dtype=dtype)
        yield SampleInput(3, 7, 1, dtype=dtype)
        yield SampleInput(9, 1, 3, dtype=dtype)
        if is_floating(dtype):
            yield SampleInput(-1.0, 1.0, 7, dtype=dtype)
            yield SampleInput(0.0, 1.0, steps=11, dtype=dtype)
    elif mode == "zero_size":
        yield SampleInput(0, 1, 0, dtype=dtype)
    elif mode == "promotion":
        yield SampleInput(0, 1, 5)
        yield SampleInput(0, 10, 3)


def _linspace_ref(start, end, steps, dtype=None):
    return np.linspace(float(start), float(end), steps)


def _eye_samples(op, dtype, mode, make):
    if mode == "basic":
        yield SampleInput(3, dtype=dtype)
        yield SampleInput(2, 4, dtype=dtype)
        yield SampleInput(4, m=2, dtype=dtype)
    elif mode == "zero_size":
        yield SampleInput(0, dtype=dtype)
        yield SampleInput(3, 0, dtype=dtype)
    elif mode == "promotion":
        yield SampleInput(3)


def _eye_ref(n, m=None, dtype=None):
    return np.eye(n, m)


def _random_check(op, sample, result):
    """Random ops: shape, dtype, range and reproducibility under tg.manual_seed (not values)."""
    dt = op.result_dtype(sample)
    assert isinstance(result, tg.Tensor) and result.dtype is dt, f"{op.name}{sample}: {result.dtype} != {dt}"
    if op.name == "randperm":
        shape = (sample.args[0],)
    elif op.name == "randint":
        shape = tuple(sample.args[-1])
    else:
        shape = tuple(sample.args[0])
    assert tuple(result.shape) == shape, f"{op.name}{sample}: shape {tuple(result.shape)} != {shape}"
    assert result.is_contiguous()
    v = to_numpy(result).astype(np.float64)
    if op.name == "rand":
        assert np.all((v >= 0) & (v <= 1)), f"rand out of [0, 1]: {v}"
        # [0, 1) before rounding to the dtype; a half type may round up to 1.0
        if dt in (tg.float32, tg.float64):
            assert np.all(v < 1)
    elif op.name == "randn":
        assert np.all(np.isfinite(v))
        if v.size >= 1000:
            assert abs(v.mean()) < 0.15 and 0.85 < v.std() < 1.15, (v.mean(), v.std())
    elif op.name == "randint":
        low, high = (0, sample.args[0]) if len(sample.args) == 2 else sample.args[:2]
        assert np.all((v >= low) & (v < high)) and np.all(v == np.floor(v)), f"randint out of [{low}, {high}): {v}"
        if v.size >= 200:
            assert set(np.unique(v)) == set(range(low, high)), "randint should hit every value"
    elif op.name == "randperm":
        np.testing.assert_array_equal(np.sort(v), np.arange(shape[0]))
    if op.name == "rand" and v.size >= 1000:
        assert 0.4 < v.mean() < 0.6
    # reproducibility: the same seed gives the same values, the stream moves on
    tg.manual_seed(1234)
    a = op(sample)
    b = op(sample)
    tg.manual_seed(1234)
    a2 = op(sample)
    assert tg.equal(a, a2), f"{op.name}: manual_seed doesn't reproduce the values"
    if a.numel() >= 16 and op.name != "randint" or a.numel() >= 64:
        assert not tg.equal(a, b), f"{op.name}: two calls after one seed gave the same values"


def _rand_samples(op, dtype, mode, make):
    if mode == "basic":
        yield SampleInput([3, 4], dtype=dtype)
        yield SampleInput([4000], dtype=dtype)
    elif mode == "zero_dim":
        yield SampleInput([], dtype=dtype)
    elif mode == "zero_size":
        yield SampleInput([0, 3], dtype=dtype)
    elif mode == "promotion":
        yield SampleInput([5])


def _randint_samples(op, dtype, mode, make):
    hi = 2 if dtype is tg.bool else 7
    if mode == "basic":
        yield SampleInput(0, hi, [3, 4], dtype=dtype)
        yield SampleInput(0 if dtype in (tg.bool, tg.uint8) else -3, hi, [400], dtype=dtype)
        yield SampleInput(hi, [2, 5], dtype=dtype)       # randint(high, size)
    elif mode == "zero_dim":
        yield SampleInput(0, hi, [], dtype=dtype)
    elif mode == "zero_size":
        yield SampleInput(0, hi, [0], dtype=dtype)
    elif mode == "promotion":
        yield SampleInput(0, 5, [5])


def _randperm_samples(op, dtype, mode, make):
    if mode == "basic":
        yield SampleInput(10, dtype=dtype)
        yield SampleInput(1, dtype=dtype)
        yield SampleInput(100, dtype=dtype)
    elif mode == "zero_size":
        yield SampleInput(0, dtype=dtype)
    elif mode == "promotion":
        yield SampleInput(7)


def _factory_errors(name, call):
    def gen(op):
        yield ErrorInput("negative size", lambda: call([-1]), RuntimeError, "negative")
        yield ErrorInput("size is a string", lambda: call("ab"), TypeError)
        yield ErrorInput("dtype is a string", lambda: call([2], dtype="float32"), TypeError)
        yield ErrorInput("unknown keyword", lambda: call([2], bogus=1), TypeError)
    return gen


def entries():
    out = []
    out.append(_factory_entry("empty", None, _sized_samples(), check=_empty_check,
                              error_inputs=_factory_errors("empty", tg.empty)))
    out.append(_factory_entry("zeros", lambda size, dtype=None: np.zeros(size), _sized_samples(),
                              error_inputs=_factory_errors("zeros", tg.zeros)))
    out.append(_factory_entry("ones", lambda size, dtype=None: np.ones(size), _sized_samples(),
                              error_inputs=_factory_errors("ones", tg.ones)))
    out.append(_factory_entry("full", lambda size, v, dtype=None: np.full(size, v),
                              _sized_samples(lambda dt: (_fill_value(dt),)),
                              error_inputs=_factory_errors("full", lambda size, **kw: tg.full(size, 1.0, **kw))))
    out.append(_factory_entry("empty_like", None, _like_samples(), check=_empty_check, error_inputs=_errors(
        ("not a tensor", lambda: tg.empty_like([1, 2]), TypeError))))
    out.append(_factory_entry("zeros_like", _full_ref_like(lambda args: 0), _like_samples(), error_inputs=_errors(
        ("not a tensor", lambda: tg.zeros_like([1, 2]), TypeError))))
    out.append(_factory_entry("ones_like", _full_ref_like(lambda args: 1), _like_samples(), error_inputs=_errors(
        ("not a tensor", lambda: tg.ones_like(3), TypeError))))
    out.append(_factory_entry("full_like", _full_ref_like(lambda args: args[0]),
                              _like_samples(lambda dt: (_fill_value(dt),)), error_inputs=_errors(
                                  ("missing fill value", lambda: tg.full_like(_f()), TypeError),
                                  ("fill value is a string", lambda: tg.full_like(_f(), "a"), TypeError))))
    out.append(_factory_entry("arange", _arange_ref, _arange_samples, dtypes=NUMERIC, error_inputs=_errors(
        ("step 0", lambda: tg.arange(0, 5, 0), RuntimeError, "step"),
        ("step of the wrong sign", lambda: tg.arange(0, 5, -1), RuntimeError),
        ("bool dtype", lambda: tg.arange(0, 2, dtype=tg.bool), NotImplementedError),
        ("bound is a string", lambda: tg.arange(0, "5"), TypeError),
    )))
    out.append(_factory_entry("linspace", _linspace_ref, _linspace_samples, dtypes=NUMERIC,
                              tol={tg.float32: (1e-6, 1e-6)}, error_inputs=_errors(
                                  ("negative steps", lambda: tg.linspace(0, 1, -1), RuntimeError, "steps"),
                                  ("steps is a float", lambda: tg.linspace(0, 1, 2.5), TypeError),
                                  ("bool dtype", lambda: tg.linspace(0, 1, 2, dtype=tg.bool), NotImplementedError),
                              )))
    out.append(_factory_entry("eye", _eye_ref, _eye_samples, error_inputs=_errors(
        ("negative n", lambda: tg.eye(-1), RuntimeError),
        ("negative m", lambda: tg.eye(2, -1), RuntimeError),
        ("n is a float", lambda: tg.eye(2.5), TypeError),
    )))
    for name in ("rand", "randn"):
        fn = getattr(tg, name)
        out.append(_factory_entry(name, None, _rand_samples, dtypes=FLOATING, check=_random_check, error_inputs=_errors(
            ("negative size", lambda fn=fn: fn([-1]), RuntimeError),
            ("integer dtype", lambda fn=fn: fn([2], dtype=tg.int64), NotImplementedError),
            ("size is a string", lambda fn=fn: fn("ab"), TypeError),
        )))
    out.append(_factory_entry("randint", None, _randint_samples, check=_random_check, error_inputs=_errors(
        ("low >= high", lambda: tg.randint(5, 2, [3]), RuntimeError),
        ("missing size", lambda: tg.randint(0, 5), TypeError),
        ("negative size", lambda: tg.randint(0, 5, [-1]), RuntimeError),
    )))
    out.append(_factory_entry("randperm", None, _randperm_samples, dtypes=NUMERIC, check=_random_check,
                              error_inputs=_errors(
                                  ("negative n", lambda: tg.randperm(-1), RuntimeError),
                                  ("bool dtype", lambda: tg.randperm(3, dtype=tg.bool), NotImplementedError),
                                  ("n is a float", lambda: tg.randperm(2.5), TypeError),
                              )))
    return out

