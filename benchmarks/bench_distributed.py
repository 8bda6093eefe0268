"""tg.distributed benchmarks (issue 12), run under MPI:

    python -m tensorgen.distributed.run -n 2 benchmarks/bench_distributed.py [--quick]

1. all_reduce of 1 KB .. 64 MB float32: tensorgen vs raw mpi4py Allreduce on NumPy buffers of
   the same size (ratio of bandwidths; >= 0.95 means no extra copies), with the default metadata
   check and with TENSORGEN_DISTRIBUTED_DEBUG=OFF semantics (check skipped).
2. DDP step time of an MLP (batch 64 per rank): this world size vs the same step without
   communication (the 1-rank step); scaling efficiency = t(no comm) / t(DDP step).
Rank 0 prints the rows. Times are medians of repeated runs with a barrier before each.
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

import tensorgen as tg
import tensorgen.distributed as dist


def timed(fn, reps: int, comm) -> float:
    ts = []
    for _ in range(reps):
        comm.Barrier()
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    dist.init_process_group("mpi")
    from mpi4py import MPI
    comm = MPI.COMM_WORLD
    rank, world = dist.get_rank(), dist.get_world_size()
    pg = dist._api._world("bench")
    if rank == 0:
        print(f"all_reduce float32 on {world} ranks: bandwidth (bytes / time) and ratio to raw mpi4py Allreduce")
        print(f"{'size':>8} {'mpi4py GB/s':>12} {'tg GB/s':>9} {'ratio':>6} {'tg no-check':>12} {'ratio':>6}")
    sizes = [1 << 10, 1 << 14, 1 << 18, 1 << 20, 1 << 22, 1 << 24, 1 << 26]
    if args.quick:
        sizes = [1 << 10, 1 << 20]
    for nbytes in sizes:
        n = nbytes // 4
        reps = 200 if nbytes <= 1 << 18 else (20 if nbytes <= 1 << 22 else 5)
        a = np.ones(n, dtype=np.float32)
        b = np.empty_like(a)
        t = tg.ones(n)
        raw = timed(lambda: comm.Allreduce(a, b), reps, comm)
        ours = timed(lambda: dist.all_reduce(t), reps, comm)
        pg.debug = False
        nocheck = timed(lambda: dist.all_reduce(t), reps, comm)
        pg.debug = True
        if rank == 0:
            def gbs(s):
                return nbytes / s / 1e9
            print(f"{nbytes:>8} {gbs(raw):>12.3f} {gbs(ours):>9.3f} {raw / ours:>6.2f} {gbs(nocheck):>12.3f} "
                  f"{raw / nocheck:>6.2f}", flush=True)

    from tensorgen.nn.parallel import DistributedDataParallel as DDP

    class Lin(tg.nn.Module):
        def __init__(self, i, o):
            super().__init__()
            g = np.random.default_rng(0)
            self.weight = tg.nn.Parameter(tg.from_numpy((g.standard_normal((o, i)) / np.sqrt(i)).astype(np.float32)))
            self.bias = tg.nn.Parameter(tg.zeros(o))

        def forward(self, x):
            return x @ self.weight.t() + self.bias

    class MLP(tg.nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b, self.c = Lin(784, 512), Lin(512, 512), Lin(512, 10)

        def forward(self, x):
            return self.c(tg.relu(self.b(tg.relu(self.a(x)))))

    x, y = tg.randn(64, 784), tg.randn(64, 10)
    model = MLP()
    ddp = DDP(model)

    def step(m):
        def run():
            ((m(x) - y) ** 2).mean().backward()
            with tg.no_grad():
                for p in model.parameters():
                    p.sub_(p.grad * 1e-3)
                    p.grad = None
        return run
    reps = 5 if args.quick else 30
    step(model)()
    step(ddp)()
    local = timed(step(model), reps, comm)
    synced = timed(step(ddp), reps, comm)
    if rank == 0:
        nparam = sum(p.numel() for p in model.parameters())
        print(f"DDP step, MLP 784-512-512-10 ({nparam * 4 / 1e6:.1f} MB of gradients), batch 64 per rank, "
              f"{world} ranks: {synced * 1e3:.2f} ms vs {local * 1e3:.2f} ms without communication; "
              f"scaling efficiency {local / synced:.2f} (throughput x{world * local / synced:.2f} of one rank)")
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
