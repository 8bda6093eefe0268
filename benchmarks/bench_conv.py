"""Convolution and linear rows (issue 10), side by side with PyTorch (oneDNN / MKL) at 2 threads.

    python benchmarks/bench_conv.py [--quick] [--threads N] [--repeat R]

Same method and columns as benchmarks/run.py (interleaved rounds, median time per library, the
speedup of tensorgen over each; > 1 means tensorgen is faster). NumPy has no convolution: its
column reads n/a for the conv rows; for linear it is x @ w.T + b.
"""
from __future__ import annotations

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # see benchmarks/run.py

import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import tensorgen as tg  # noqa: E402
import tensorgen.nn.functional as tgF  # noqa: E402
from run import bench_options, print_table  # noqa: E402

try:
    import torch
    import torch.nn.functional as torchF
except ImportError:
    torch = None


def rows(quick: bool):
    """(name, {library: callable}, calls per sample, target speedup vs torch or None)."""
    rng = np.random.default_rng(0)
    n, c, hw = (4, 64, 28) if quick else (32, 64, 56)
    x_np = rng.standard_normal((n, c, hw, hw), dtype=np.float32)
    w_np = rng.standard_normal((64, c, 3, 3), dtype=np.float32) * 0.05
    b_np = rng.standard_normal(64, dtype=np.float32)
    rows_, k = (512, 256) if quick else (4096, 1024)
    a_np = rng.standard_normal((rows_, k), dtype=np.float32)
    lw_np = rng.standard_normal((k, k), dtype=np.float32) * 0.03
    lb_np = rng.standard_normal(k, dtype=np.float32)
    libs = {"tensorgen": (tgF, tg.from_numpy)}
    if torch is not None:
        libs["torch"] = (torchF, torch.from_numpy)

    def conv_fwd(F, conv):
        x, w, b = conv(x_np), conv(w_np), conv(b_np)
        return lambda: F.conv2d(x, w, b, padding=1)

    def conv_fwd_bwd(F, conv):
        x, w, b = conv(x_np).requires_grad_(), conv(w_np).requires_grad_(), conv(b_np).requires_grad_()

        def step():
            F.conv2d(x, w, b, padding=1).sum().backward()
        return step

    def linear_fwd(F, conv):
        a, w, b = conv(a_np), conv(lw_np), conv(lb_np)
        return lambda: F.linear(a, w, b)

    fns = {name: conv_fwd(F, c_) for name, (F, c_) in libs.items()}
    yield f"conv2d {n}x{c}x{hw}^2 k3 pad1 64->64 fwd", fns, 1, 0.7
    fns = {name: conv_fwd_bwd(F, c_) for name, (F, c_) in libs.items()}
    yield f"conv2d {n}x{c}x{hw}^2 k3 pad1 fwd+bwd", fns, 1, 0.7
    fns = {name: linear_fwd(F, c_) for name, (F, c_) in libs.items()}
    fns["numpy"] = lambda: a_np @ lw_np.T + lb_np
    yield f"linear {rows_}x{k}x{k} float32", fns, 3, 0.7


def main() -> None:
    opts, rounds = bench_options()
    print_table(rows(opts.quick), rounds, unit="ms", width=42)


if __name__ == "__main__":
    main()
