"""Side-by-side timings: tensorgen vs NumPy (and PyTorch when installed), in one process.

    python benchmarks/run.py [--quick]

Each row times the same operation in every library, interleaved, and prints medians and the
speedup of tensorgen over each (>1 means tensorgen is faster). PyTorch is optional:
`pip install torch==2.13.0`. Timings here never gate tests (DESIGN.md §9).
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

import tensorgen as tg

try:
    import torch
except ImportError:  # the table then compares against NumPy only
    torch = None


def timeit(fn, repeat: int, number: int) -> float:
    fn()
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        samples.append((time.perf_counter() - t0) / number)
    return statistics.median(samples)


def rows(quick: bool):
    n_big = 1 << (20 if quick else 24)
    side = 1024 if quick else 4096
    mm_n = 128 if quick else 512
    a_np = np.random.rand(n_big).astype(np.float32)
    b_np = np.random.rand(n_big).astype(np.float32)
    sq_np = np.random.rand(side, side).astype(np.float32)
    m_np = np.random.rand(mm_n, mm_n).astype(np.float32)
    one = np.ones(1, dtype=np.float32)
    libs = {"tensorgen": (tg, tg.from_numpy), "numpy": (np, lambda x: x)}
    if torch is not None:
        libs["torch"] = (torch, torch.from_numpy)

    def per_lib(make):
        return {name: make(mod, conv) for name, (mod, conv) in libs.items()}

    yield "a + b, 1 element (per-op overhead)", per_lib(lambda m, c: (lambda x=c(one), y=c(one.copy()): x + y)), 2000
    yield f"a + b, {n_big} float32", per_lib(lambda m, c: (lambda x=c(a_np), y=c(b_np): x + y)), 5
    yield f"sum, {n_big} float32", per_lib(lambda m, c: (lambda x=c(a_np): x.sum())), 5
    yield f"a.T + a, {side}x{side}", per_lib(lambda m, c: (lambda x=c(sq_np): x.T + x)), 3
    yield f"mm {mm_n}^3 float32", per_lib(lambda m, c: (lambda x=c(m_np): x @ x)), 3

    # Autograd (DESIGN.md §9: small graph forward + backward <= 0.5x PyTorch). NumPy has no
    # autograd, so its column is n/a. Gradients accumulate into .grad across calls in both libraries.
    small_np = np.random.rand(16).astype(np.float32) - 0.5
    w_np = np.random.rand(16).astype(np.float32)
    grad_libs = {name: entry for name, entry in libs.items() if name != "numpy"}

    def with_grad(make):
        return {name: make(conv) for name, (mod, conv) in grad_libs.items()}

    def leaves(conv):
        return conv(small_np.copy()).requires_grad_(), conv(w_np.copy()).requires_grad_()

    def fwd_bwd(conv):
        x, w = leaves(conv)
        return lambda: (x * w).relu().sum().backward()

    def fwd_only(conv):
        x, w = leaves(conv)
        return lambda: x * w

    yield "autograd: (x*w).relu().sum() forward+backward", with_grad(fwd_bwd), 1000
    yield "x * y with requires_grad (forward only)", with_grad(fwd_only), 2000


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--quick", action="store_true", help="small sizes, for CI smoke runs")
    opts = p.parse_args()
    repeat = 3 if opts.quick else 7
    print(f"tensorgen {tg.__version__}, numpy {np.__version__}, torch {torch.__version__ if torch else 'not installed'}")
    header = f"{'row':48s} {'tensorgen':>12s} {'numpy':>12s} {'torch':>12s} {'vs numpy':>9s} {'vs torch':>9s}"
    print(header)
    for name, fns, number in rows(opts.quick):
        times = {lib: timeit(fn, repeat, number) for lib, fn in fns.items()}
        t = times["tensorgen"]
        vs_np = f"{times['numpy'] / t:8.2f}x" if "numpy" in times else "      n/a"
        numpy_t = f"{times['numpy'] * 1e6:10.1f}us" if "numpy" in times else "         n/a"
        vs_torch = f"{times['torch'] / t:8.2f}x" if "torch" in times else "      n/a"
        torch_t = f"{times['torch'] * 1e6:10.1f}us" if "torch" in times else "         n/a"
        print(f"{name:48s} {t * 1e6:10.1f}us {numpy_t} {torch_t} {vs_np} {vs_torch}")


if __name__ == "__main__":
    main()
