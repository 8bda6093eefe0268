"""Optimizer step timings: tensorgen's fused multi-tensor step vs torch.optim (DESIGN.md §9: >= 3x).

    python benchmarks/bench_optim.py [--threads N] [--repeat R] [--params P] [--numel N]

One `optimizer.step()` over P parameters of N float32 each (default 100 x 10K), gradients set
once. Against PyTorch's default (foreach=None: on the CPU its per-parameter for-loop), its
foreach=True path and fused=True where this torch has it, all interleaved as in run.py; the
ratio is tensorgen's speedup (> 1: tensorgen is faster). Needs torch (`pip install torch`).
"""
from __future__ import annotations

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # see run.py: two OpenMP runtimes in one process

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

import tensorgen as tg  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import interleaved, ratio_cell  # noqa: E402

try:
    import torch
except ImportError:
    torch = None

CASES = [
    ("Adam.step", "Adam", dict(lr=1e-3)),
    ("AdamW.step amsgrad", "AdamW", dict(lr=1e-3, amsgrad=True)),
    ("SGD.step momentum=0.9", "SGD", dict(lr=1e-2, momentum=0.9)),
    ("RMSprop.step", "RMSprop", dict(lr=1e-2)),
    ("Adagrad.step", "Adagrad", dict(lr=1e-2)),
]


def make_step(lib, cls_name, kw, params_np, grads_np):
    if lib == "tensorgen":
        params = [tg.tensor(p).requires_grad_(True) for p in params_np]
        for p, g in zip(params, grads_np):
            p.grad = tg.tensor(g)
        opt = getattr(tg.optim, cls_name)(params, **kw)
    else:
        params = [torch.tensor(p, requires_grad=True) for p in params_np]
        for p, g in zip(params, grads_np):
            p.grad = torch.tensor(g)
        opt = getattr(torch.optim, cls_name)(params, **dict(kw, **lib))
    return opt.step


def torch_variants(cls_name, kw):
    """PyTorch's implementations of this optimizer that run on the CPU."""
    variants = {"torch default": {}, "torch foreach": {"foreach": True}}
    try:
        p = torch.zeros(4, requires_grad=True)
        p.grad = torch.zeros(4)
        getattr(torch.optim, cls_name)([p], fused=True, **kw).step()
        variants["torch fused"] = {"fused": True}
    except (RuntimeError, TypeError, ValueError):
        pass
    return variants


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=9)
    ap.add_argument("--params", type=int, default=100)
    ap.add_argument("--numel", type=int, default=10_000)
    opts = ap.parse_args()
    if torch is None:
        sys.exit("torch is not installed: this benchmark compares with torch.optim")
    tg.set_num_threads(opts.threads)
    torch.set_num_threads(opts.threads)
    rng = np.random.default_rng(0)
    params_np = [rng.standard_normal(opts.numel).astype(np.float32) for _ in range(opts.params)]
    grads_np = [rng.standard_normal(opts.numel).astype(np.float32) * 1e-3 for _ in range(opts.params)]
    print(f"tensorgen (cpu capability {tg.backends.cpu.capability()}) vs torch {torch.__version__}, "
          f"{opts.threads} threads, {opts.params} parameters x {opts.numel} float32, {opts.repeat} rounds")
    print(f"{'row':24s} {'tensorgen':>11s} {'torch default':>14s} {'torch foreach':>14s} {'torch fused':>12s} "
          f"{'vs default':>11s} {'vs foreach':>11s} {'vs fused':>9s} {'target':>9s}")
    for name, cls_name, kw in CASES:
        fns = {"tensorgen": make_step("tensorgen", cls_name, kw, params_np, grads_np)}
        for label, extra in torch_variants(cls_name, kw).items():
            fns[label] = make_step(extra, cls_name, kw, params_np, grads_np)
        s = interleaved(fns, opts.repeat, 20)
        ours = s["tensorgen"]
        cells = [f"{statistics.median(s[k]) * 1e6:9.0f}us" if k in s else "n/a"
                 for k in ("tensorgen", "torch default", "torch foreach", "torch fused")]
        ratios = [ratio_cell(ours, s[k])[0] if k in s else "n/a" for k in ("torch default", "torch foreach",
                                                                             "torch fused")]
        median = ratio_cell(ours, s["torch default"])[2]
        verdict = ">=3 " + ("ok" if median >= 3 else "SHORT")
        print(f"{name:24s} {cells[0]:>11s} {cells[1]:>14s} {cells[2]:>14s} {cells[3]:>12s} "
              f"{ratios[0]:>11s} {ratios[1]:>11s} {ratios[2]:>9s} {verdict:>9s}")


if __name__ == "__main__":
    main()
