"""Issue 14 benchmark rows: pointwise ops PyTorch has fast paths for (pow with a scalar exponent,
clamp, sign, logical ops, comparisons, where), on 4M elements of float32 and int64.

Target >= 0.9x PyTorch (issue 14), aim 1.2x. Every library gets the same spelling where it has
one; NumPy's clamp is np.clip, clamp(min=tensor) np.maximum. Integer rows use integer bounds and
exponents (an int64 tensor ** 0.5 would be a float32 op).
"""
from __future__ import annotations

import numpy as np


def pointwise_rows(quick: bool, rng, libs):
    n = 1 << (18 if quick else 22)
    f_np = rng.standard_normal(n, dtype=np.float32)
    g_np = rng.standard_normal(n, dtype=np.float32)
    pos_np = np.abs(f_np) + np.float32(0.1)  # for the fractional and negative exponents
    i_np = rng.integers(-1000, 1000, n, dtype=np.int64)
    j_np = rng.integers(-1000, 1000, n, dtype=np.int64)
    c_np = rng.random(n) < 0.5
    d_np = rng.random(n) < 0.5

    def make(fn, np_fn=None, *arrays):
        """fn(module, *tensors) for tensorgen and torch; np_fn(*arrays) (default fn(np, ...)) for NumPy."""
        out = {}
        for name, (mod, conv) in libs.items():
            if name == "numpy":
                out[name] = (lambda f=(np_fn or (lambda *a: fn(np, *a))), a=arrays: f(*a))
            else:
                out[name] = (lambda m=mod, t=[conv(a) for a in arrays]: fn(m, *t))
        return out

    target = 0.9
    for dt, x, y, lo, hi, thr in (("float32", f_np, g_np, -0.5, 0.5, 0.5), ("int64", i_np, j_np, -500, 500, 5)):
        yield f"x ** 2, {n} {dt}", make(lambda m, a: a ** 2, None, x), 5, target
        yield f"x ** 3, {n} {dt}", make(lambda m, a: a ** 3, None, x), 5, target
        if dt == "float32":
            yield f"x ** 0.5, {n} {dt}", make(lambda m, a: a ** 0.5, None, pos_np), 5, target
            yield f"x ** -1, {n} {dt}", make(lambda m, a: a ** -1, None, pos_np), 5, target
        yield f"clamp({lo}, {hi}), {n} {dt}", make(lambda m, a, lo=lo, hi=hi: a.clamp(lo, hi), lambda a, lo=lo, hi=hi: np.clip(a, lo, hi), x), 5, target
        yield f"clamp(min=tensor), {n} {dt}", make(lambda m, a, b: a.clamp(min=b), lambda a, b: np.maximum(a, b), x, y), 5, target
        yield f"sign, {n} {dt}", make(lambda m, a: m.sign(a), None, x), 5, target
        yield f"logical_and, {n} {dt}", make(lambda m, a, b: m.logical_and(a, b), None, x, y), 5, target
        yield f"x < y, {n} {dt}", make(lambda m, a, b: a < b, None, x, y), 5, target
        yield f"x < {thr}, {n} {dt}", make(lambda m, a, thr=thr: a < thr, None, x), 5, target
        yield f"where(c, x, y), {n} {dt}", make(lambda m, c, a, b: m.where(c, a, b), None, c_np, x, y), 5, target
    yield f"logical_and, {n} bool", make(lambda m, a, b: m.logical_and(a, b), None, c_np, d_np), 5, target
