"""Issue 14 benchmark rows: dtype conversions to / from float16 and bfloat16 and the random
factories and fills, on 4M elements (target >= 0.9x PyTorch, aim 1.2x, under the best CPU
capability and under TENSORGEN_CPU_CAPABILITY=avx2).

NumPy has no bfloat16 (those rows compare with PyTorch only); its random rows use the
Generator API (PCG64 + ziggurat for normals), a different algorithm from both libraries' Philox /
mt19937 Box-Muller, shown for scale.
"""
from __future__ import annotations

import numpy as np


def convert_random_rows(quick: bool, rng, libs):
    n = 1 << (18 if quick else 22)
    x_np = rng.standard_normal(n, dtype=np.float32)
    h_np = x_np.astype(np.float16)
    nn_libs = {name: lib for name, lib in libs.items() if name != "numpy"}
    np_gen = np.random.default_rng(0)

    def per_lib(make, numpy=None):
        fns = {name: make(mod, conv) for name, (mod, conv) in nn_libs.items()}
        if numpy is not None and "numpy" in libs:
            fns["numpy"] = numpy
        return fns

    def converted(mod, conv, dtype_name):
        return conv(x_np).to(getattr(mod, dtype_name))

    yield f"x.half(), {n} float32", per_lib(lambda m, c: (lambda x=c(x_np): x.half()),
                                            numpy=lambda: x_np.astype(np.float16)), 5, 0.9
    yield f"x.bfloat16(), {n} float32", per_lib(lambda m, c: (lambda x=c(x_np): x.bfloat16())), 5, 0.9
    yield f"h.float(), {n} float16", per_lib(lambda m, c: (lambda h=converted(m, c, "float16"): h.float()),
                                             numpy=lambda: h_np.astype(np.float32)), 5, 0.9
    yield f"b.float(), {n} bfloat16", per_lib(lambda m, c: (lambda b=converted(m, c, "bfloat16"): b.float())), 5, 0.9
    yield f"h + h, {n} float16", per_lib(lambda m, c: (lambda h=converted(m, c, "float16"): h + h),
                                         numpy=lambda: h_np + h_np), 5, 0.9
    yield f"h.exp(), {n} float16", per_lib(lambda m, c: (lambda h=converted(m, c, "float16"): h.exp()),
                                           numpy=lambda: np.exp(h_np)), 5, 0.9
    yield f"randn({n})", per_lib(lambda m, c: (lambda: m.randn(n)),
                                 numpy=lambda: np_gen.standard_normal(n, dtype=np.float32)), 5, 0.9
    yield f"x.normal_(), {n} float32", per_lib(lambda m, c: (lambda x=c(x_np.copy()): x.normal_()),
                                               numpy=lambda: np_gen.standard_normal(n, dtype=np.float32)), 5, 0.9
    yield f"rand({n})", per_lib(lambda m, c: (lambda: m.rand(n)),
                                numpy=lambda: np_gen.random(n, dtype=np.float32)), 5, 0.9
