"""Issue 10 benchmark rows: activations on 16M float32 (memory-bound, target >= 1.0x PyTorch).

gelu (exact erf form) forward and forward+backward, silu forward. NumPy has no erf, so the gelu
rows compare with PyTorch only; silu's NumPy spelling is x / (1 + exp(-x)).
"""
from __future__ import annotations

import numpy as np


def activation_rows(quick: bool, rng, libs):
    n = 1 << (20 if quick else 24)
    x_np = rng.standard_normal(n, dtype=np.float32)
    g_np = np.ones(n, dtype=np.float32)
    nn_libs = {name: lib for name, lib in libs.items() if name != "numpy"}

    def functional(mod):
        return mod.nn.functional

    def gelu_fwd(mod, conv):
        x, F = conv(x_np), functional(mod)
        return lambda: F.gelu(x)

    def gelu_fwd_bwd(mod, conv):
        x, g, F = conv(x_np.copy()).requires_grad_(), conv(g_np), functional(mod)
        return lambda: F.gelu(x).backward(g)

    def silu_fwd(mod, conv):
        x, F = conv(x_np), functional(mod)
        return lambda: F.silu(x)

    yield f"gelu, {n} float32", {name: gelu_fwd(m, c) for name, (m, c) in nn_libs.items()}, 5, 1.0
    yield f"gelu fwd+bwd, {n} float32", {name: gelu_fwd_bwd(m, c) for name, (m, c) in nn_libs.items()}, 3, 1.0
    silu = {name: silu_fwd(m, c) for name, (m, c) in nn_libs.items()}
    if "numpy" in libs:
        silu["numpy"] = lambda: x_np / (1 + np.exp(-x_np))
    yield f"silu, {n} float32", silu, 5, 1.0
