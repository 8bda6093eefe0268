"""Embedding and attention rows (issue 10), side by side with PyTorch (and NumPy where it has the op).

    python benchmarks/bench_embedding_attention.py [--quick] [--threads N] [--repeat R] [--only SUBSTRING ...]

Same method as run.py (whose helpers it uses): the libraries interleaved per round, medians, the
speedup of tensorgen (> 1: faster) with the 25th-75th percentile of the per-round ratios.
Rows: embedding forward and backward (a 50k x 512 table, 64 x 128 ids), embedding_bag mean
(10000 x 128 table, 4096 bags of 20) forward and forward+backward, and
scaled_dot_product_attention 8 x 12 x 1024 x 64, causal, forward and forward + backward.
"""
from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run  # noqa: E402  (sets OMP_WAIT_POLICY before the libraries load)


import numpy as np  # noqa: E402

import tensorgen as tg  # noqa: E402
import tensorgen.nn.functional as TF  # noqa: E402

torch = run.torch


def rows(quick: bool):
    """(name, {library: callable}, calls per sample, target speedup vs torch)."""
    rng = np.random.default_rng(0)
    vocab, dim, batch, seq = (5000, 128, 16, 64) if quick else (50000, 512, 64, 128)
    table = rng.standard_normal((vocab, dim), dtype=np.float32)
    ids = rng.integers(0, vocab, size=(batch, seq)).astype(np.int64)
    grad = rng.standard_normal((batch, seq, dim), dtype=np.float32)
    b, h, n, e = (2, 4, 256, 64) if quick else (8, 12, 1024, 64)
    q, k, v = (rng.standard_normal((b, h, n, e), dtype=np.float32) for _ in range(3))
    go = rng.standard_normal((b, h, n, e), dtype=np.float32)

    libs = {"tensorgen": (tg, TF, tg.from_numpy)}
    if torch is not None:
        import torch.nn.functional as F
        libs["torch"] = (torch, F, torch.from_numpy)

    def emb_fwd(m, f, c):
        w, i = c(table), c(ids)
        return lambda: f.embedding(i, w)

    def emb_bwd(m, f, c):
        w, i, g = c(table).requires_grad_(), c(ids), c(grad)

        def step():
            w.grad = None
            f.embedding(i, w).backward(g)
        return step

    def emb_dense_bwd(m, f, c):
        # The gradient op alone (what backward runs): torch.ops.aten.embedding_dense_backward.
        i, g = c(ids), c(grad)
        if m is tg:
            return lambda: tg.embedding_dense_backward(g, i, vocab, -1, False)
        return lambda: torch.ops.aten.embedding_dense_backward(g, i, vocab, -1, False)

    # embedding_bag mean: a 10000 x 128 table, 4096 bags of 20 ids (1-D ids + offsets).
    bag_vocab, bag_dim, bags, per_bag = (1000, 64, 256, 20) if quick else (10000, 128, 4096, 20)
    bag_table = rng.standard_normal((bag_vocab, bag_dim), dtype=np.float32)
    bag_ids = rng.integers(0, bag_vocab, size=bags * per_bag).astype(np.int64)
    bag_offsets = np.arange(0, bags * per_bag, per_bag, dtype=np.int64)
    bag_grad = rng.standard_normal((bags, bag_dim), dtype=np.float32)

    def bag_fwd(m, f, c):
        w, i, o = c(bag_table), c(bag_ids), c(bag_offsets)
        return lambda: f.embedding_bag(i, w, o, mode="mean")

    def bag_fwd_bwd(m, f, c):
        w, i, o, g = c(bag_table.copy()).requires_grad_(), c(bag_ids), c(bag_offsets), c(bag_grad)

        def step():
            w.grad = None
            f.embedding_bag(i, w, o, mode="mean").backward(g)
        return step

    def sdpa_fwd(m, f, c):
        tq, tk, tv = c(q), c(k), c(v)
        return lambda: f.scaled_dot_product_attention(tq, tk, tv, is_causal=True)

    def sdpa_fwd_bwd(m, f, c):
        tq, tk, tv = (c(x).requires_grad_() for x in (q, k, v))
        tgo = c(go)

        def step():
            tq.grad = tk.grad = tv.grad = None
            f.scaled_dot_product_attention(tq, tk, tv, is_causal=True).backward(tgo)
        return step

    def per_lib(make):
        return {name: make(*mods) for name, mods in libs.items()}

    emb = f"{vocab}x{dim} table, {batch}x{seq} ids"
    att = f"{b}x{h}x{n}x{e} causal"
    yield f"embedding forward, {emb}", per_lib(emb_fwd), 20, 1.0
    yield f"embedding backward, {emb}", per_lib(emb_bwd), 5, 1.0
    yield f"embedding_dense_backward op, {emb}", per_lib(emb_dense_bwd), 5, 1.0
    bag = f"{bag_vocab}x{bag_dim} table, {bags} bags of {per_bag}, mean"
    yield f"embedding_bag forward, {bag}", per_lib(bag_fwd), 10, 1.0
    yield f"embedding_bag forward+backward, {bag}", per_lib(bag_fwd_bwd), 5, 1.0
    yield f"sdpa forward, {att}", per_lib(sdpa_fwd), 1 if not quick else 3, 1.0
    yield f"sdpa forward+backward, {att}", per_lib(sdpa_fwd_bwd), 1 if not quick else 3, 1.0


def main() -> None:
    opts, rounds = run.bench_options(default_rounds=9, only=True)
    run.print_table(rows(opts.quick), rounds, only=opts.only, numpy=False, unit="ms", width=58)


if __name__ == "__main__":
    main()
