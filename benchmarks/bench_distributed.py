"""tg.distributed benchmarks (issue 12), run under MPI:

    python -m tensorgen.distributed.run -n 2 benchmarks/bench_distributed.py [--quick] [--repeat R]

1. all_reduce of 1 KB .. 64 MB float32: tensorgen's bandwidth as a ratio of raw mpi4py Allreduce
   on NumPy buffers of the same size (>= 0.95 means no extra copies), with the default metadata
   check and with TENSORGEN_DISTRIBUTED_DEBUG=OFF semantics (check skipped), and PyTorch's gloo
   all_reduce beside them when torch is installed.
2. DDP step time (forward, loss, backward with the gradient all-reduce, SGD step) of the MLP and
   the digits CNN of bench_training.py at batch 64 per rank: the DDP step on this world size vs
   the same step without communication; scaling efficiency = t(no comm) / t(DDP step). The same
   rows for PyTorch's DistributedDataParallel on gloo when torch is installed.

The variants of a row run interleaved (raw, tensorgen, ... per round, a barrier before each) so a
machine that gets busier halfway hits all of them alike; rank 0 prints medians.
"""
from __future__ import annotations

import argparse
import os
import socket
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_training import digits_cnn, mlp  # noqa: E402

import tensorgen as tg  # noqa: E402
import tensorgen.distributed as dist  # noqa: E402

try:
    import torch
    import torch.distributed as tdist
except ImportError:
    torch = None


def interleaved(fns: dict, rounds: int, comm, inner: int = 1) -> dict:
    """Median seconds per call of each function: round by round, each function in turn runs
    `inner` calls in one timed block after a barrier (a block of calls, not one, so what the
    previous function left behind - a skew between the ranks, another library's busy threads -
    is not charged to the first call)."""
    times = {name: [] for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            comm.Barrier()
            t0 = time.perf_counter()
            for _ in range(inner):
                fn()
            times[name].append((time.perf_counter() - t0) / inner)
    return {name: statistics.median(ts) for name, ts in times.items()}


def init_torch_gloo(comm) -> bool:
    """PyTorch's gloo group over TCP on this machine, rank and size taken from MPI."""
    if torch is None:
        return False
    port = None
    if comm.rank == 0:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
    port = comm.bcast(port, root=0)
    tdist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=comm.rank, world_size=comm.size)
    return True


def all_reduce_rows(sizes, rounds_for, comm, with_torch: bool) -> None:
    from mpi4py import MPI
    pg = dist._api._world("bench")
    rank = comm.rank
    if rank == 0:
        head = f"{'size':>9} {'mpi4py GB/s':>12} {'tg GB/s':>9} {'ratio':>6} {'tg no-check':>12} {'ratio':>6}"
        if with_torch:
            head += f" {'gloo GB/s':>10} {'tg/gloo':>8}"
        print(f"all_reduce float32 on {comm.size} ranks: bandwidth (bytes / median time), ratios to raw mpi4py")
        print(head)
    for nbytes in sizes:
        n = nbytes // 4
        a = np.ones(n, dtype=np.float32)
        t = tg.ones(n)

        def unchecked():
            pg.debug = False
            try:
                dist.all_reduce(t)
            finally:
                pg.debug = True
        fns = {"raw": lambda: comm.Allreduce(MPI.IN_PLACE, a), "tg": lambda: dist.all_reduce(t), "nocheck": unchecked}
        for fn in fns.values():  # warm-up: connections, algorithm selection, page faults
            fn()
        rounds, inner = rounds_for(nbytes)
        med = interleaved(fns, rounds, comm, inner)
        if with_torch:  # timed apart: gloo's transport threads would disturb the MPI rows
            tt = torch.ones(n)
            tdist.all_reduce(tt)
            med.update(interleaved({"gloo": lambda: tdist.all_reduce(tt)}, rounds, comm, inner))
        if rank == 0:
            def gbs(k):
                return nbytes / med[k] / 1e9
            line = (f"{nbytes:>9} {gbs('raw'):>12.3f} {gbs('tg'):>9.3f} {med['raw'] / med['tg']:>6.2f} "
                    f"{gbs('nocheck'):>12.3f} {med['raw'] / med['nocheck']:>6.2f}")
            if with_torch:
                line += f" {gbs('gloo'):>10.3f} {med['gloo'] / med['tg']:>8.2f}"
            print(line, flush=True)


def ddp_rows(rounds: int, comm, with_torch: bool) -> None:
    rng = np.random.default_rng(comm.rank)
    labels = rng.integers(0, 10, 64).astype(np.int64)
    models = {"MLP 784-256-256-10": (mlp, rng.standard_normal((64, 784), dtype=np.float32)),
              "digits CNN": (digits_cnn, rng.standard_normal((64, 1, 8, 8), dtype=np.float32))}
    libs = {"tensorgen": (tg, dist, tg.from_numpy)}
    if with_torch:
        libs["torch"] = (torch, tdist, torch.from_numpy)
    if comm.rank == 0:
        print(f"\nDDP step (forward, loss, backward + gradient all-reduce, SGD step), batch 64 per rank, "
              f"{comm.size} ranks, {tg.get_num_threads()} thread(s) per rank")
        print(f"{'model':<20} {'library':<10} {'no comm ms':>11} {'DDP ms':>8} {'efficiency':>11} {'vs torch':>9}")
    for model_name, (build, x_np) in models.items():
        fns = {}
        for lib_name, (lib, ldist, conv) in libs.items():
            lib.manual_seed(0)
            local_model, ddp_inner = build(lib), build(lib)
            ddp_inner.load_state_dict(local_model.state_dict())
            ddp = lib.nn.parallel.DistributedDataParallel(ddp_inner)
            x, y = conv(x_np), conv(labels)
            for kind, model in (("local", local_model), ("ddp", ddp)):
                opt = lib.optim.SGD(model.parameters(), lr=0.01)

                def step(model=model, opt=opt, lib=lib, x=x, y=y):
                    opt.zero_grad()
                    lib.nn.functional.cross_entropy(model(x), y).backward()
                    opt.step()
                step()
                fns[(lib_name, kind)] = step
        med = interleaved(fns, rounds, comm)
        if comm.rank == 0:
            for lib_name in libs:
                local, ddp = med[(lib_name, "local")], med[(lib_name, "ddp")]
                vs = f"{med[('torch', 'ddp')] / ddp:>8.2f}x" if with_torch and lib_name == "tensorgen" else ""
                print(f"{model_name:<20} {lib_name:<10} {local * 1e3:>11.2f} {ddp * 1e3:>8.2f} {local / ddp:>11.2f} "
                      f"{vs:>9}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="two sizes, few rounds (CI smoke run)")
    ap.add_argument("--repeat", type=int, default=None, help="rounds per DDP row (default 30, quick 5)")
    ap.add_argument("--no-torch", action="store_true", help="skip the PyTorch gloo rows")
    args = ap.parse_args()
    dist.init_process_group("mpi")
    from mpi4py import MPI
    comm = MPI.COMM_WORLD
    threads = max(1, (os.cpu_count() or 1) // comm.size)
    tg.set_num_threads(threads)
    with_torch = not args.no_torch and init_torch_gloo(comm)
    if with_torch:
        torch.set_num_threads(threads)
    sizes = [1 << 10, 1 << 14, 1 << 18, 1 << 20, 1 << 22, 1 << 24, 1 << 26]
    if args.quick:
        sizes = [1 << 10, 1 << 20]

    def rounds_for(nbytes: int) -> tuple:
        """(timed blocks, calls per block) for a message of nbytes."""
        rounds, inner = (31, 50) if nbytes <= 1 << 16 else (31, 5) if nbytes <= 1 << 22 else (9, 1)
        return (5, inner) if args.quick else (rounds, inner)
    all_reduce_rows(sizes, rounds_for, comm, with_torch)
    ddp_rows(args.repeat or (5 if args.quick else 30), comm, with_torch)
    if with_torch:
        tdist.destroy_process_group()
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
