"""DataLoader throughput over a TensorDataset, tensorgen vs PyTorch (issue 11's benchmark row).

    python benchmarks/bench_dataloader.py [--quick]

One epoch of MNIST-sized data (60,000 x 784 float32 + int64 labels), batch 64, shuffled, in the
main process and with 2 worker processes; 2 kernel threads each. Prints samples per second and
the speedup of tensorgen over PyTorch (> 1: tensorgen is faster), the best of --repeat epochs
per library. PyTorch is optional (the torch column then reads n/a).
"""
from __future__ import annotations

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as in run.py: two OpenMP runtimes side by side

import argparse  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

import tensorgen as tg  # noqa: E402
from tensorgen.utils import data as tg_data  # noqa: E402

try:
    import torch
    import torch.utils.data as torch_data
except ImportError:
    torch = None


def epoch_rate(data_module, dataset, **kwargs) -> float:
    loader = data_module.DataLoader(dataset, batch_size=64, shuffle=True, **kwargs)
    t0, n = time.perf_counter(), 0
    for xb, _ in loader:
        n += xb.shape[0]
    return n / (time.perf_counter() - t0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 samples instead of 60,000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    n = 10_000 if args.quick else 60_000
    rng = np.random.default_rng(0)
    x, y = rng.random((n, 784), dtype=np.float32), np.arange(n, dtype=np.int64) % 10
    tg.set_num_threads(2)
    datasets = {"tensorgen": (tg_data, tg_data.TensorDataset(tg.from_numpy(x), tg.from_numpy(y)))}
    if torch is not None:
        torch.set_num_threads(2)
        datasets["torch"] = (torch_data, torch_data.TensorDataset(torch.from_numpy(x), torch.from_numpy(y)))
    print(f"{'row':<44}{'tensorgen':>14}{'torch':>14}{'vs torch':>10}")
    for label, kwargs in (("DataLoader TensorDataset b64 shuffle", {}),
                          ("DataLoader TensorDataset b64 shuffle 2 workers", {"num_workers": 2})):
        best = {lib: max(epoch_rate(mod, ds, **kwargs) for _ in range(args.repeat))
                for lib, (mod, ds) in datasets.items()}
        ratio = f"{best['tensorgen'] / best['torch']:.2f}x" if "torch" in best else "n/a"
        torch_rate = f"{best['torch']:,.0f}/s" if "torch" in best else "n/a"
        print(f"{label:<44}{best['tensorgen']:>12,.0f}/s{torch_rate:>14}{ratio:>10}")


if __name__ == "__main__":
    main()
