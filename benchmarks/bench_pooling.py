"""Pooling and resampling rows (issue 10), side by side with PyTorch, in run.py's table format.

    python benchmarks/bench_pooling.py [--quick] [--threads N] [--repeat R]

The rows: pad (reflect 1, 32x64x56x56, forward and forward+backward), max_pool2d and avg_pool2d on a ResNet stem's activation (32x64x112x112, k3 s2 p1),
forward and forward+backward, plus adaptive_avg_pool2d to 1x1 and a 2x bilinear interpolate.
NumPy has no pooling, so its column reads n/a. Target: >= 1.0x PyTorch (memory-bound ops, §9).
"""
from __future__ import annotations

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # see run.py: idle OpenMP threads must not spin

import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import bench_options, print_table  # noqa: E402

import tensorgen as tg  # noqa: E402
import tensorgen.nn.functional as tgF  # noqa: E402

try:
    import torch
    import torch.nn.functional as torchF
except ImportError:
    torch = None


def rows(quick: bool):
    """(name, {library: callable}, calls per sample, target)."""
    n, c, hw = (4, 16, 56) if quick else (32, 64, 112)
    rng = np.random.default_rng(0)
    x_np = rng.standard_normal((n, c, hw, hw), dtype=np.float32)
    libs = {"tensorgen": (tg, tgF)}
    if torch is not None:
        libs["torch"] = (torch, torchF)

    def fwd(call):
        return {name: (lambda m=m, F=F, x=m.from_numpy(x_np): call(F, x)) for name, (m, F) in libs.items()}

    def fwd_bwd(call):
        out = {}
        for name, (m, F) in libs.items():
            x = m.from_numpy(x_np.copy()).requires_grad_()
            with m.no_grad():
                g = m.ones_like(call(F, x))

            def step(x=x, g=g, F=F):
                x.grad = None
                call(F, x).backward(g)
            out[name] = step
        return out

    shape = f"{n}x{c}x{hw}x{hw}"

    def max_pool(F, x):
        return F.max_pool2d(x, 3, 2, 1)

    def avg_pool(F, x):
        return F.avg_pool2d(x, 3, 2, 1)

    yield f"max_pool2d k3 s2 p1, {shape}", fwd(max_pool), 3, 1.0
    yield f"max_pool2d k3 s2 p1 fwd+bwd, {shape}", fwd_bwd(max_pool), 2, 1.0
    yield f"max_pool2d k2 s2, {shape}", fwd(lambda F, x: F.max_pool2d(x, 2, 2)), 3, 1.0
    yield f"avg_pool2d k3 s2 p1, {shape}", fwd(avg_pool), 3, 1.0
    yield f"avg_pool2d k3 s2 p1 fwd+bwd, {shape}", fwd_bwd(avg_pool), 2, 1.0
    yield f"adaptive_avg_pool2d 1x1, {shape}", fwd(lambda F, x: F.adaptive_avg_pool2d(x, 1)), 3, 1.0
    yield f"interpolate bilinear 2x, {shape}", fwd(
        lambda F, x: F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)), 1, 1.0

    # pad reflect 1 on a conv layer's activation (32x64x56x56): the gather kernel and its backward.
    pn, pc, phw = (4, 16, 56) if quick else (32, 64, 56)
    p_np = rng.standard_normal((pn, pc, phw, phw), dtype=np.float32)
    pshape = f"{pn}x{pc}x{phw}x{phw}"

    def pad_fwd():
        return {name: (lambda x=m.from_numpy(p_np), F=F: F.pad(x, (1, 1, 1, 1), mode="reflect"))
                for name, (m, F) in libs.items()}

    def pad_fwd_bwd():
        out = {}
        for name, (m, F) in libs.items():
            x = m.from_numpy(p_np.copy()).requires_grad_()
            g = m.ones(pn, pc, phw + 2, phw + 2)

            def step(x=x, g=g, F=F):
                x.grad = None
                F.pad(x, (1, 1, 1, 1), mode="reflect").backward(g)
            out[name] = step
        return out

    yield f"pad reflect 1, {pshape}", pad_fwd(), 3, 1.0
    yield f"pad reflect 1 fwd+bwd, {pshape}", pad_fwd_bwd(), 2, 1.0


def main() -> None:
    opts, rounds = bench_options(only=True)
    print_table(rows(opts.quick), rounds, only=opts.only, numpy=False, width=48)


if __name__ == "__main__":
    main()
