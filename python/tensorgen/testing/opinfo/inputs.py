"""Sample inputs, error inputs, the tensor maker and the NumPy-reference helpers of the test matrix."""
from __future__ import annotations

import builtins  # noqa: F401
import math  # noqa: F401
import warnings  # noqa: F401

import numpy as np

import tensorgen as tg
from tensorgen.testing._utils import _maybe_noncontiguous, dtype_name, make_tensor, to_numpy  # noqa: F401
from tensorgen.testing.opinfo.dtypes import *  # noqa: F403

S, L = (3, 4), (2, 3, 4)  # the small and the 3-d sample shapes


# ----------------------------------------------------------------------------- samples


class SampleInput:
    """One call of an op: op(*args, **kwargs). `shares_storage`: the result must alias args[0]."""

    __slots__ = ("args", "kwargs", "name", "shares_storage")

    def __init__(self, *args, name: str = "", shares_storage: bool = False, **kwargs):
        self.args, self.kwargs, self.name, self.shares_storage = args, kwargs, name, shares_storage

    @property
    def input(self):
        return self.args[0] if self.args else None

    def __repr__(self) -> str:
        def show(a):
            if isinstance(a, tg.Tensor):
                nc = "" if a.is_contiguous() else ", noncontig"
                return f"Tensor{list(a.shape)}<{dtype_name(a.dtype)}{nc}>"
            if isinstance(a, (list, tuple)) and any(isinstance(x, tg.Tensor) for x in a):
                inner = ", ".join(show(x) for x in a)  # a Tensor[] argument (cat, stack)
                return f"[{inner}]" if isinstance(a, list) else f"({inner})"
            return repr(a)
        parts = [show(a) for a in self.args] + [f"{k}={show(v)}" for k, v in self.kwargs.items()]
        return f"SampleInput({', '.join(parts)}{', ' + self.name if self.name else ''})"


class ErrorInput:
    """A call that must raise `exc` (with a message matching the regex `match`)."""

    __slots__ = ("fn", "exc", "match", "name")

    def __init__(self, name: str, fn, exc, match: str | None = None):
        self.name, self.fn, self.exc, self.match = name, fn, exc, match

    def __repr__(self) -> str:
        return f"ErrorInput({self.name} -> {self.exc.__name__})"


class Maker:
    """Makes the tensors of one sample list: random values of `dtype` in the op's domain, a new seed
    for every tensor (so that binary ops don't see two equal operands), optionally non-contiguous."""

    def __init__(self, op: OpInfo, dtype, noncontiguous: bool = False, seed: int = 0):
        self.op, self.dtype, self.noncontiguous, self.seed = op, dtype, noncontiguous, seed

    def __call__(self, shape, dtype=None, *, low=None, high=None, noncontiguous=None, nonzero=False):
        dtype = self.dtype if dtype is None else dtype
        nc = self.noncontiguous if noncontiguous is None else noncontiguous
        self.seed += 1
        if nonzero:
            return self._nonzero(shape, dtype, nc)
        lo, hi = self.op.domain_for(dtype)
        lo = lo if low is None else low
        hi = hi if high is None else high
        return make_tensor(shape, dtype, low=lo, high=hi, seed=self.seed, noncontiguous=nc)

    def _nonzero(self, shape, dtype, nc):
        """Magnitudes in [1, 9] (integers) or [0.5, 9] (floating), random signs (not for uint8/bool)."""
        rng = np.random.default_rng(1000 + self.seed)
        shape = tuple(shape)
        if dtype is tg.bool:
            a = np.ones(shape, dtype=np.bool_)
        elif is_floating(dtype):
            a = rng.uniform(0.5, 9.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)
        else:
            a = rng.integers(1, 10, size=shape) * (1 if dtype is tg.uint8 else rng.choice([-1, 1], size=shape))
        return _maybe_noncontiguous(tg.tensor(np.asarray(a), dtype=dtype), nc)


def special_values(shape, dtype, seed=0):
    """A tensor of dtype holding nan, inf, -inf, 0.0, -0.0 and ordinary values, shuffled."""
    base = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.5, -2.5, 3.0, 0.25, -7.0])
    n = int(np.prod(shape)) if shape else 1
    vals = np.resize(base, n)
    np.random.default_rng(seed).shuffle(vals)
    return tg.tensor(vals.reshape(shape), dtype=dtype)


def _scalar_for(dtype, kind="int"):
    """A Python number of a kind that keeps the sample in range for dtype."""
    if kind == "float":
        return 2.5
    return True if dtype is tg.bool else 2


# ----------------------------------------------------------------------------- reference helpers


def _axis(a: np.ndarray, dim):
    if dim is None or a.ndim == 0:
        return None
    if isinstance(dim, (list, tuple)):
        return tuple(dim) if dim else None
    return dim


def _scalar_to(x, np_dt):
    if isinstance(x, (builtins.bool, builtins.int, builtins.float)) and not isinstance(x, np.generic):
        with np.errstate(all="ignore"):
            return np.array(x).astype(np_dt)[()]
    return x


def _to_np(x, np_dt=None):
    if isinstance(x, tg.Tensor):
        a = to_numpy(x)
        return a if np_dt is None else a.astype(np_dt)
    if isinstance(x, (list, tuple)) and any(isinstance(e, tg.Tensor) for e in x):
        return type(x)(_to_np(e, np_dt) for e in x)
    return x


def _is_numpy_function(fn) -> bool:
    return isinstance(fn, np.ufunc) or (getattr(fn, "__module__", None) or "").split(".")[0] == "numpy"


def _numpy_scan_ref(npfn):
    """A NumPy cumulative function (np.cumsum) as the reference of a scan op: dim -> axis= (none for
    a 0-d input: NumPy flattens it, the reshape gives the 0-d result back), dtype= dropped."""
    def ref(a, dim, dtype=None):
        return npfn(a, axis=dim if a.ndim else None).reshape(a.shape)
    ref.__name__ = getattr(npfn, "__name__", "ref")
    return ref


def _numpy_reduction_ref(npfn):
    """A NumPy reduction (np.amax, np.sum) as the reference of a reduction op: dim -> axis=
    (a list -> a tuple, none for a 0-d input), keepdim -> keepdims=; dtype= is dropped (the
    reference already gets its inputs in the compute dtype)."""
    def ref(a, dim=None, keepdim=False, dtype=None):
        return npfn(a, axis=_axis(a, dim), keepdims=keepdim)
    ref.__name__ = getattr(npfn, "__name__", "ref")
    return ref


# Every name defined here, private helpers included: core.py re-exports them to the family modules.
__all__ = [n for n, v in list(globals().items())
           if not n.startswith("__") and n != "annotations" and not isinstance(v, type(np))]
