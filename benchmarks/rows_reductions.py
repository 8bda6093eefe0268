"""Issue 14 benchmark rows: the max/min family, prod, all/any on 4M elements (target >= 0.9x
PyTorch; whole-tensor rows should run near the machine's read bandwidth).

Whole-tensor reductions, the last dim of a 2048x2048 matrix (contiguous rows) and dim 0 (columns
read in place), in float32, and int64 / float16 variants of the whole-tensor rows. The prod input
lies near 1 so the product stays finite; all/any read random data, so `any` is decided by the
first element in every library that stops early (all reads everything).
"""
from __future__ import annotations

import numpy as np


def reduction_rows(quick: bool, rng, libs):
    n = 1 << (18 if quick else 22)
    side = 512 if quick else 2048
    x_np = rng.standard_normal(n, dtype=np.float32)
    sq_np = x_np[: side * side].reshape(side, side)
    prod_np = (1 + x_np / 1000).astype(np.float32)
    int_np = rng.integers(-10**9, 10**9, n)
    half_np = x_np.astype(np.float16)

    def row(label, make, numpy_fn, target=0.9, number=5):
        fns = {name: make(mod, conv) for name, (mod, conv) in libs.items() if name != "numpy"}
        if "numpy" in libs and numpy_fn is not None:
            fns["numpy"] = numpy_fn
        return f"{label}", fns, number, target

    def method(data, name, *args):
        return lambda mod, conv: (lambda x=conv(data): getattr(x, name)(*args))

    def values(data, name, dim):  # max(dim) / min(dim): (values, indices)
        return lambda mod, conv: (lambda x=conv(data): getattr(x, name)(dim))

    f32 = f"{n} float32"
    yield row(f"min, {f32}", method(x_np, "min"), lambda: x_np.min())
    yield row(f"max, {f32}", method(x_np, "max"), lambda: x_np.max())
    yield row(f"amax, {f32}", method(x_np, "amax"), lambda: np.amax(x_np))
    yield row(f"amin(dim=1), {side}x{side}", method(sq_np, "amin", 1), lambda: sq_np.min(axis=1))
    yield row(f"argmax, {f32}", method(x_np, "argmax"), lambda: x_np.argmax())
    yield row(f"argmax(dim=1), {side}x{side}", method(sq_np, "argmax", 1), lambda: sq_np.argmax(axis=1))
    yield row(f"argmin(dim=0), {side}x{side}", method(sq_np, "argmin", 0), lambda: sq_np.argmin(axis=0))
    yield row(f"max(dim=0), {side}x{side}", values(sq_np, "max", 0),
              lambda: (sq_np.max(axis=0), sq_np.argmax(axis=0)))
    yield row(f"max(dim=1), {side}x{side}", values(sq_np, "max", 1),
              lambda: (sq_np.max(axis=1), sq_np.argmax(axis=1)))
    yield row(f"prod, {f32}", method(prod_np, "prod"), lambda: prod_np.prod())
    yield row(f"prod(dim=0), {side}x{side}", method(prod_np[: side * side].reshape(side, side), "prod", 0),
              lambda p=prod_np[: side * side].reshape(side, side): p.prod(axis=0))
    yield row(f"all, {f32}", method(x_np, "all"), lambda: x_np.all())
    yield row(f"any, {f32}", method(x_np, "any"), lambda: x_np.any())
    yield row(f"all(dim=0), {side}x{side}", method(sq_np, "all", 0), lambda: sq_np.all(axis=0))
    yield row(f"max, {n} int64", method(int_np, "max"), lambda: int_np.max())
    yield row(f"argmin, {n} int64", method(int_np, "argmin"), lambda: int_np.argmin())
    yield row(f"max, {n} float16", method(half_np, "max"), lambda: half_np.max())
    yield row(f"argmax, {n} float16", method(half_np, "argmax"), lambda: half_np.argmax())
