"""make_tensor and assert_close: NumPy is the reference for every comparison."""
from __future__ import annotations

import numpy as np

import tensorgen as tg

NUMPY_DTYPE = {
    "bool": np.bool_, "uint8": np.uint8, "int8": np.int8, "int16": np.int16, "int32": np.int32,
    "int64": np.int64, "float16": np.float16, "bfloat16": np.float32, "float32": np.float32,
    "float64": np.float64,
}


def dtype_name(dtype) -> str:
    return str(dtype).split(".")[-1]


def to_numpy(t) -> np.ndarray:
    t = t.detach().cpu()  # CUDA results are compared on the host
    if dtype_name(t.dtype) == "bfloat16":
        return t.detach().float().numpy().copy()
    return t.detach().numpy().copy()


def make_tensor(shape, dtype, *, low=None, high=None, seed=0, noncontiguous=False):
    """Random values of dtype in [low, high) (sensible defaults per dtype), from a NumPy RNG."""
    rng = np.random.default_rng(seed)
    name = dtype_name(dtype)
    shape = tuple(shape)
    if name == "bool":
        a = rng.random(shape) < 0.5
    elif name.startswith(("int", "uint")):
        lo = -9 if low is None else int(np.ceil(low))
        if name == "uint8":
            lo = max(lo, 0)
        hi = 10 if high is None else int(high)
        a = rng.integers(lo, hi, size=shape).astype(NUMPY_DTYPE[name])
    else:
        lo = -9.0 if low is None else float(low)
        hi = 9.0 if high is None else float(high)
        a = (rng.random(shape) * (hi - lo) + lo).astype(np.float64)
        # Round to the target precision first, so that NumPy and tensorgen see the same values.
        a = tg.tensor(a, dtype=dtype)
        return _maybe_noncontiguous(a, noncontiguous)
    t = tg.tensor(a, dtype=dtype)
    return _maybe_noncontiguous(t, noncontiguous)


def _maybe_noncontiguous(t, noncontiguous: bool):
    if not noncontiguous or t.dim() == 0:
        return t
    # Same values, every other element of a twice-as-wide buffer along the last dim.
    big = tg.empty(list(t.shape[:-1]) + [t.shape[-1] * 2], dtype=t.dtype)
    view = big[..., ::2]
    view.copy_(t)
    assert not view.is_contiguous() or t.shape[-1] <= 1
    return view


def assert_close(actual, expected, *, rtol=None, atol=None, equal_nan=True, check_dtype=True, msg=""):
    """Compares a tensor with a NumPy array (or tensor) elementwise, with dtype-based tolerances."""
    exp = to_numpy(expected) if isinstance(expected, tg.Tensor) else np.asarray(expected)
    act = to_numpy(actual) if isinstance(actual, tg.Tensor) else np.asarray(actual)
    name = dtype_name(actual.dtype) if isinstance(actual, tg.Tensor) else str(act.dtype)
    default_tol = {"float16": (1e-3, 1e-3), "bfloat16": (1.6e-2, 1e-2), "float32": (1.3e-6, 1e-5),
                   "float64": (1e-7, 1e-7)}.get(name, (0.0, 0.0))
    rtol = default_tol[0] if rtol is None else rtol
    atol = default_tol[1] if atol is None else atol
    assert act.shape == exp.shape, f"{msg} shape {act.shape} != expected {exp.shape}"
    if act.dtype == np.bool_ or exp.dtype == np.bool_:
        np.testing.assert_array_equal(act, exp, err_msg=msg)
        return
    np.testing.assert_allclose(act.astype(np.float64), exp.astype(np.float64), rtol=rtol, atol=atol,
                               equal_nan=equal_nan, err_msg=msg)
