"""Side-by-side timings: tensorgen vs PyTorch and NumPy, in one process (DESIGN.md §9).

    python benchmarks/run.py [--quick] [--threads N] [--repeat R] [--only SUBSTRING ...]

Every row runs the same operation in each library, interleaved (one call of each library per
round, rotating which goes first), and prints the median time per library, the speedup of
tensorgen over each (> 1 means tensorgen is faster), the spread of the speedup over the rounds
(25th-75th percentile of the per-round ratios) and the §9 target. PyTorch is optional
(`pip install torch==2.13.0`); without it the torch columns read n/a. Timings never gate tests.
"""
from __future__ import annotations

import os

# tensorgen and PyTorch each bring their own OpenMP runtime; with the default (active) wait
# policy one library's idle threads spin on a core while the other library runs, which on a
# 2-core machine halves both. Passive waiting measures each as if it ran alone. Set before the
# libraries load; an explicit OMP_WAIT_POLICY in the environment wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
# NumPy's OpenBLAS does the same outside OpenMP: its threads busy-wait ~2^28 cycles after each
# BLAS call, so the row after a NumPy matmul ran on a shared core (an interleaved 512^3 `mm`: 2.5
# ms for tensorgen and 2.3 for PyTorch, 1.4 / 1.3 without NumPy). 2^4 cycles is OpenBLAS's minimum.
os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")

import argparse  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

import tensorgen as tg  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rows_activations import activation_rows  # noqa: E402
from rows_convert_random import convert_random_rows  # noqa: E402
from rows_reductions import reduction_rows  # noqa: E402

try:
    import torch
except ImportError:  # the table then compares against NumPy only
    torch = None


from rows_norms_losses import nn_norms_losses_rows  # noqa: E402  (issue 10 rows)
from rows_pointwise import pointwise_rows  # noqa: E402  (issue 14 rows)

def interleaved(fns: dict, rounds: int, number: int) -> dict[str, list[float]]:
    """Per-library lists of seconds per call, one sample per round, libraries interleaved."""
    for fn in fns.values():  # warm-up: caches, allocator, lazy imports
        fn()
    samples: dict[str, list[float]] = {lib: [] for lib in fns}
    order = list(fns)
    for r in range(rounds):
        for lib in order[r % len(order):] + order[:r % len(order)]:
            fn = fns[lib]
            t0 = time.perf_counter()
            for _ in range(number):
                fn()
            samples[lib].append((time.perf_counter() - t0) / number)
    return samples


def rows(quick: bool):
    """(name, {library: callable}, calls per sample, target speedup vs torch or None)."""
    n_big = 1 << (20 if quick else 24)
    side = 1024 if quick else 4096
    mm_n = 256 if quick else 1024
    rng = np.random.default_rng(0)
    a_np = rng.random(n_big, dtype=np.float32)
    b_np = rng.random(n_big, dtype=np.float32)
    sq_np = rng.random((side, side), dtype=np.float32)
    m_np = rng.random((mm_n, mm_n), dtype=np.float32)
    one = np.ones(1, dtype=np.float32)
    libs = {"tensorgen": (tg, tg.from_numpy), "numpy": (np, lambda x: x)}
    if torch is not None:
        libs["torch"] = (torch, torch.from_numpy)

    def per_lib(make, numpy=True):
        return {name: make(mod, conv) for name, (mod, conv) in libs.items() if numpy or name != "numpy"}

    def np_softmax(x):
        e = np.exp(x - x.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)

    yield "a + b, 1 element (per-op overhead)", per_lib(lambda m, c: (lambda x=c(one), y=c(one.copy()): x + y)), 2000, 2.0
    yield f"a + b, {n_big} float32, fresh output", per_lib(lambda m, c: (lambda x=c(a_np), y=c(b_np): x + y)), 5, 1.5
    yield f"exp, {n_big} float32", per_lib(lambda m, c: (lambda x=c(a_np): m.exp(x))), 5, 1.0
    yield f"sum, {n_big} float32", per_lib(lambda m, c: (lambda x=c(a_np): x.sum())), 5, 1.0
    yield f"sum(dim=0), {side}x{side}", per_lib(
        lambda m, c: (lambda x=c(sq_np): x.sum(0) if m is not np else x.sum(axis=0))), 5, 1.0
    yield f"softmax(dim=-1), {side}x{side}", per_lib(
        lambda m, c: (lambda x=c(sq_np): np_softmax(x) if m is np else x.softmax(-1))), 3, 1.0
    yield f"a.T + a, {side}x{side}", per_lib(lambda m, c: (lambda x=c(sq_np): x.T + x)), 3, 3.0
    yield f"mm {mm_n}^3 float32", per_lib(lambda m, c: (lambda x=c(m_np): x @ x)), 3, 0.7

    # Autograd (§9: small graph forward + backward <= 0.5x PyTorch's time). NumPy has no
    # autograd. Gradients accumulate into .grad across calls in both libraries.
    small_np = rng.random(16, dtype=np.float32) - 0.5
    w_np = rng.random(16, dtype=np.float32)

    def leaves(conv):
        return conv(small_np.copy()).requires_grad_(), conv(w_np.copy()).requires_grad_()

    def fwd_bwd(m, conv):
        x, w = leaves(conv)
        return lambda: (x * w).relu().sum().backward()

    def fwd_only(m, conv):
        x, w = leaves(conv)
        return lambda: x * w

    yield "autograd: (x*w).relu().sum() fwd+bwd", per_lib(fwd_bwd, numpy=False), 1000, 2.0
    yield "x * y with requires_grad (forward)", per_lib(fwd_only, numpy=False), 2000, None

    yield from memory_bound_rows(quick, rng, libs)
    yield from nn_norms_losses_rows(quick, rng, libs)
    yield from activation_rows(quick, rng, libs)  # issue 10 (benchmarks/rows_activations.py)
    yield from convert_random_rows(quick, rng, libs)  # issue 14 (benchmarks/rows_convert_random.py)
    yield from reduction_rows(quick, rng, libs)  # issue 14 (benchmarks/rows_reductions.py)
    yield from pointwise_rows(quick, rng, libs)  # issue 14 (benchmarks/rows_pointwise.py)


def memory_bound_rows(quick: bool, rng, libs):
    """Issue 9: the memory-bound ops of §9's "new ops" line, each >= 1.0x PyTorch.

    Each library gets its own spelling of the same computation (NumPy has no fused form for some:
    scatter_add and index_put_(accumulate=True) use np.add.at, topk uses argpartition + a sort of
    the k survivors, sort returns values only). Inputs are shared zero-copy through from_numpy.
    """
    scale = 16 if quick else 1  # --quick divides every size by 16: same code paths, less time
    n_big = (1 << 24) // scale
    cat_side = 1024 // 4 if quick else 1024
    g_rows, g_cols = 4096 // scale, 1024
    sel_rows, sel_cols, sel_n = 100_000 // scale, 128, 50_000 // scale
    n_sort = (1 << 20) // scale
    put_rows, put_n = 100_000 // scale, 1_000_000 // scale

    pieces_np = [rng.random((cat_side, cat_side), dtype=np.float32) for _ in range(8)]
    g_src_np = rng.random((g_rows, g_cols), dtype=np.float32)
    g_idx_np = rng.integers(0, g_cols, (g_rows, g_cols), dtype=np.int64)
    g_row_np = np.arange(g_rows, dtype=np.int64)[:, None]
    table_np = rng.random((sel_rows, sel_cols), dtype=np.float32)
    sel_idx_np = rng.integers(0, sel_rows, sel_n, dtype=np.int64)
    big_np = rng.random(n_big, dtype=np.float32)
    mask_np = rng.random(n_big) < 0.5
    sort_np = rng.random(n_sort, dtype=np.float32)
    put_idx_np = rng.integers(0, put_rows, put_n, dtype=np.int64)  # ~10 updates per row
    put_val_np = rng.random(put_n, dtype=np.float32)
    k = 100 if not quick else 10

    def np_topk(x):
        part = np.argpartition(x, -k)[-k:]
        order = part[np.argsort(-x[part], kind="stable")]
        return x[order], order

    def np_scatter_add(x, idx, src):
        out = x.copy()
        np.add.at(out, (g_row_np, idx), src)
        return out

    def make(ops):
        """ops: {library: (lambda m, c: callable)}; 'default' covers tensorgen and torch."""
        return {name: ops.get(name, ops.get("default"))(mod, conv) for name, (mod, conv) in libs.items()}

    for dim in (0, 1):
        yield f"cat 8 x [{cat_side},{cat_side}] f32, dim={dim}", make({
            "default": lambda m, c: (lambda xs=[c(p) for p in pieces_np]: m.cat(xs, dim)),
            "numpy": lambda m, c: (lambda xs=pieces_np: np.concatenate(xs, axis=dim)),
        }), 3, 1.0
    yield f"gather dim=1, [{g_rows},{g_cols}] int64 index", make({
        "default": lambda m, c: (lambda x=c(g_src_np), i=c(g_idx_np): m.gather(x, 1, i)),
        "numpy": lambda m, c: (lambda: np.take_along_axis(g_src_np, g_idx_np, axis=1)),
    }), 3, 1.0
    yield f"scatter_add dim=1, [{g_rows},{g_cols}] int64 index", make({
        "default": lambda m, c: (lambda x=c(g_src_np), i=c(g_idx_np): x.scatter_add(1, i, x)),
        "numpy": lambda m, c: (lambda: np_scatter_add(g_src_np, g_idx_np, g_src_np)),
    }), 3, 1.0
    yield f"index_select dim=0, {sel_n} of [{sel_rows},{sel_cols}]", make({
        "default": lambda m, c: (lambda x=c(table_np), i=c(sel_idx_np): m.index_select(x, 0, i)),
        "numpy": lambda m, c: (lambda: np.take(table_np, sel_idx_np, axis=0)),
    }), 3, 1.0
    yield f"x[mask], {n_big} f32, ~50% true", make({
        "default": lambda m, c: (lambda x=c(big_np), b=c(mask_np): x[b]),
        "numpy": lambda m, c: (lambda: big_np[mask_np]),
    }), 3, 1.0
    yield f"sort, {n_sort} f32 (values+indices)", make({
        "default": lambda m, c: (lambda x=c(sort_np): m.sort(x)),
        "numpy": lambda m, c: (lambda: np.sort(sort_np)),
    }), 3, 1.0
    yield f"topk(k={k}), {n_sort} f32", make({
        "default": lambda m, c: (lambda x=c(sort_np): m.topk(x, k)),
        "numpy": lambda m, c: (lambda: np_topk(sort_np)),
    }), 3, 1.0
    yield f"cumsum, {n_big} f32", make({
        "default": lambda m, c: (lambda x=c(big_np): m.cumsum(x, 0)),
        "numpy": lambda m, c: (lambda: np.cumsum(big_np)),
    }), 3, 1.0
    yield f"var, {n_big} f32", make({
        "default": lambda m, c: (lambda x=c(big_np): x.var()),
        "numpy": lambda m, c: (lambda: big_np.var(ddof=1)),
    }), 3, 1.0

    # In place and accumulating: every call adds into the same buffer (values just grow).
    def index_put_acc(m, c):
        x, i, v = c(np.zeros(put_rows, dtype=np.float32)), c(put_idx_np), c(put_val_np)
        return lambda: x.index_put_((i,), v, accumulate=True)

    put_np = np.zeros(put_rows, dtype=np.float32)
    yield f"index_put_ accumulate, {put_n} into [{put_rows}]", make({
        "default": index_put_acc,
        "numpy": lambda m, c: (lambda: np.add.at(put_np, put_idx_np, put_val_np)),
    }), 3, 1.0


def import_seconds(module: str, runs: int = 5) -> float | None:
    """Median wall time of `import module` in a fresh interpreter (interpreter start excluded)."""
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    times = []
    for _ in range(runs):
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        if r.returncode != 0:
            return None
        times.append(float(r.stdout))
    return statistics.median(times)


def ratio_cell(ours: list[float], theirs: list[float]) -> tuple[str, str, float]:
    ratios = sorted(t / o for o, t in zip(ours, theirs))
    q = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else [ratios[0]] * 3
    median = statistics.median(theirs) / statistics.median(ours)
    return f"{median:8.2f}x", f"{q[0]:.2f}-{q[2]:.2f}", median



def print_table(rows, rounds: int, *, only=None, numpy: bool = True, unit: str = "us", width: int = 40) -> None:
    """Times each (name, {library: callable}, calls per sample, target) row interleaved and prints
    one line per row: medians, speedups vs NumPy (when `numpy`) and PyTorch, the spread of the
    per-round ratios and the target verdict. `only`: substrings a row name must contain (any).
    Returns one dict per row: name, median seconds per library, vs_torch and vs_numpy (or None)."""
    scale = 1e3 if unit == "ms" else 1e6
    libs = ("tensorgen", "numpy", "torch") if numpy else ("tensorgen", "torch")
    heads = " ".join(f"{lib:>11s}" for lib in libs) + (f" {'vs numpy':>9s}" if numpy else "")
    print(f"{'row':{width}s} {heads} {'vs torch':>9s} {'spread':>10s} {'target':>7s}")
    wanted = [o.lower() for o in only] if only else None
    results = []
    for name, fns, number, target in rows:
        if wanted is not None and not any(o in name.lower() for o in wanted):
            continue
        s = interleaved(fns, rounds, number)
        ours = s["tensorgen"]
        cells = " ".join(f"{statistics.median(s[lib]) * scale:9.{2 if unit == 'ms' else 1}f}{unit}" if lib in s
                         else "        n/a" for lib in libs)
        if numpy:
            cells += " " + (ratio_cell(ours, s["numpy"])[0] if "numpy" in s else "      n/a")
        vs_torch, spread, median = ratio_cell(ours, s["torch"]) if "torch" in s else ("      n/a", "n/a", None)
        verdict = "" if target is None or median is None else (f">={target:g} " + ("ok" if median >= target else "SHORT"))
        print(f"{name:{width}s} {cells} {vs_torch} {spread:>10s} {verdict:>7s}", flush=True)
        results.append({"name": name, "seconds": {lib: statistics.median(v) for lib, v in s.items()},
                        "vs_torch": median, "vs_numpy": ratio_cell(ours, s["numpy"])[2] if "numpy" in s else None})
    return results


def bench_options(default_rounds: int = 7, only: bool = False, extra=None, quick_rounds: int = 3):
    """The command line every bench_*.py script shares (--quick, --threads, --repeat[, --only]):
    sets both libraries' thread counts, prints the versions line, returns (options, rounds).
    extra(parser) adds a script's own options."""
    p = argparse.ArgumentParser()
    p.add_argument("--quick", action="store_true", help="small sizes, few rounds (smoke run)")
    p.add_argument("--threads", type=int, default=2, help="threads for tensorgen and torch (default 2)")
    p.add_argument("--repeat", type=int, default=None, help=f"interleaved rounds per row (default {default_rounds}, "
                                                            f"quick {quick_rounds})")
    if extra is not None:
        extra(p)
    if only:
        p.add_argument("--only", action="append", default=None, metavar="SUBSTRING")
    opts = p.parse_args()
    rounds = opts.repeat or (quick_rounds if opts.quick else default_rounds)
    tg.set_num_threads(opts.threads)
    if torch is not None:
        torch.set_num_threads(opts.threads)
    # The wake factor sizes the thread grains of memory-bound loops (aten/parallel/WakeCost.h):
    # measured at its first use, then a running estimate that every split region moves.
    print(f"tensorgen (cpu capability {tg.backends.cpu.capability()}, {tg.get_num_threads()} threads, thread wake "
          f"{tg._C._thread_wake_factor()} us at the start), "
          f"torch {torch.__version__ + f' ({torch.get_num_threads()} threads)' if torch else 'not installed'}, "
          f"{rounds} rounds per row")
    return opts, rounds

def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--quick", action="store_true", help="small sizes, few rounds (CI smoke run)")
    p.add_argument("--threads", type=int, default=2, help="threads for tensorgen and torch (default 2)")
    p.add_argument("--repeat", type=int, default=None, help="interleaved rounds per row (default 9, quick 3)")
    p.add_argument("--only", action="append", default=None, metavar="SUBSTRING",
                   help="run only the rows whose name contains SUBSTRING (case-insensitive; 'import' for the import "
                        "row); may be given several times")
    opts = p.parse_args()
    rounds = opts.repeat or (3 if opts.quick else 9)
    tg.set_num_threads(opts.threads)
    if torch is not None:
        torch.set_num_threads(opts.threads)
    print(f"tensorgen {tg.__version__} (cpu capability {tg.backends.cpu.capability()}, {tg.get_num_threads()} threads), "
          f"numpy {np.__version__}, torch {torch.__version__ + f' ({torch.get_num_threads()} threads)' if torch else 'not installed'}, "
          f"{os.cpu_count()} cpus, OMP_WAIT_POLICY={os.environ['OMP_WAIT_POLICY']}, {rounds} rounds per row")
    only = [o.lower() for o in opts.only] if opts.only else None

    def wanted(name: str) -> bool:
        return only is None or any(o in name.lower() for o in only)

    print_table(rows(opts.quick), rounds, only=opts.only)
    if not wanted("import (fresh interpreter)"):
        return
    imports = {m: import_seconds(m, 3 if opts.quick else 7) for m in ("tensorgen", "numpy", "torch")}
    shown = ", ".join(f"{m} {t * 1e3:.0f} ms" if t is not None else f"{m} n/a" for m, t in imports.items())
    ok = imports["tensorgen"] is not None and imports["tensorgen"] <= 0.1
    print(f"{'import (fresh interpreter, median)':40s} {shown}   target <=100 ms {'ok' if ok else 'SHORT'}")


if __name__ == "__main__":
    main()
