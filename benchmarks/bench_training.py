"""Training-step benchmarks (issue 11): whole steps of small models, tensorgen vs PyTorch, side by side.

    python benchmarks/bench_training.py [--quick] [--threads N] [--repeat R] [--only SUBSTRING ...]

Each model is written once against the shared PyTorch API and built in both libraries from the
same module (`lib` is `tensorgen` or `torch`); tensorgen's copy gets PyTorch's initial weights
through `load_state_dict`, so both run the same numbers. A row times one full step (forward,
loss, backward, optimizer step, zero_grad), interleaved with the other library like run.py's
rows. Small models are where per-op overhead and the fused optimizer show; the targets are the
issue's (>= 1.5x on model steps, >= 3x on the optimizer step). PyTorch is optional: without it
the table has tensorgen's times only.
"""
from __future__ import annotations

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # see run.py: two OpenMP runtimes on 2 cores

import argparse  # noqa: E402
import sys  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run import print_table  # noqa: E402

import tensorgen as tg  # noqa: E402

try:
    import torch
except ImportError:
    torch = None


def digits_cnn(lib):
    nn = lib.nn
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))


def mlp(lib):
    nn = lib.nn
    return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))


def gpt_block(lib, channels=128, heads=4):
    """A pre-norm transformer block with causal self-attention, as in nanoGPT."""
    nn, F = lib.nn, lib.nn.functional

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln1, self.ln2 = nn.LayerNorm(channels), nn.LayerNorm(channels)
            self.qkv, self.proj = nn.Linear(channels, 3 * channels), nn.Linear(channels, channels)
            self.mlp = nn.Sequential(nn.Linear(channels, 4 * channels), nn.GELU(), nn.Linear(4 * channels, channels))

        def forward(self, x):
            B, T, C = x.shape
            q, k, v = self.qkv(self.ln1(x)).split(C, dim=2)
            q, k, v = (t.view(B, T, heads, C // heads).transpose(1, 2) for t in (q, k, v))
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            x = x + self.proj(y.transpose(1, 2).contiguous().view(B, T, C))
            return x + self.mlp(self.ln2(x))

    return Block()


def same_weights(tg_model, torch_model):
    """Give tensorgen's model PyTorch's initial weights (and buffers) through state dicts."""
    tg_model.load_state_dict({k: tg.from_numpy(v.detach().numpy().copy()) for k, v in torch_model.state_dict().items()})


def step_fn(lib, model, make_optimizer, batch, loss):
    opt = make_optimizer(lib, model)

    def step():
        opt.zero_grad()
        loss(lib, model, *batch).backward()
        opt.step()
    return step


def rows(quick: bool, libs: dict):
    """(name, {library: callable}, calls per sample, target speedup vs torch)."""
    rng = np.random.default_rng(0)
    adam = lambda lib, m: lib.optim.Adam(m.parameters(), lr=1e-3)  # noqa: E731
    ce = lambda lib, m, x, y: lib.nn.functional.cross_entropy(m(x), y)  # noqa: E731

    def model_row(build, inputs):
        fns = {}
        reference = None
        for name, (lib, conv) in libs.items():
            lib.manual_seed(0)
            model = build(lib)
            if name == "torch":
                reference = model
            fns[name] = (lib, conv, model)
        if reference is not None:
            same_weights(fns["tensorgen"][2], reference)
        return {name: step_fn(lib, model, adam, tuple(conv(a) for a in inputs), ce)
                for name, (lib, conv, model) in fns.items()}

    labels = rng.integers(0, 10, 64).astype(np.int64)
    yield "digits CNN step, batch 64", model_row(digits_cnn, (rng.standard_normal((64, 1, 8, 8), dtype=np.float32),
                                                               labels)), 5, 1.5
    yield "MLP 784-256-256-10 step, batch 64", model_row(mlp, (rng.standard_normal((64, 784), dtype=np.float32),
                                                               labels)), 5, 1.5
    T = 64 if quick else 128
    gpt_x = rng.standard_normal((8, T, 128), dtype=np.float32)
    mse = lambda lib, m, x: (m(x) ** 2).mean()  # noqa: E731
    fns = {}
    for name, (lib, conv) in libs.items():
        lib.manual_seed(0)
        fns[name] = step_fn(lib, gpt_block(lib), adam, (conv(gpt_x),), mse)
    yield f"GPT block step, 8x{T}x128, 4 heads", fns, 3, 1.5

    count, size = (20, 10_000) if quick else (100, 10_000)
    grads = [rng.standard_normal(size, dtype=np.float32) for _ in range(count)]

    def adam_step(lib, conv):
        params = [conv(g.copy()).requires_grad_() for g in grads]
        for p, g in zip(params, grads):
            p.grad = conv(g.copy())
        return lib.optim.Adam(params, lr=1e-3).step
    yield f"Adam.step, {count} params x {size}", {n: adam_step(lib, conv) for n, (lib, conv) in libs.items()}, 20, 3.0

    n = 2_048 if quick else 16_384
    data_x = rng.standard_normal((n, 784), dtype=np.float32)
    data_y = rng.integers(0, 10, n).astype(np.int64)

    def epoch(lib, conv):
        data = lib.utils.data
        loader = data.DataLoader(data.TensorDataset(conv(data_x), conv(data_y)), batch_size=64, shuffle=True)
        return lambda: sum(1 for _ in loader)
    yield f"DataLoader epoch, {n} x 784, batch 64", {n_: epoch(lib, conv) for n_, (lib, conv) in libs.items()}, 1, 1.0


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--quick", action="store_true", help="small sizes, few rounds (CI smoke run)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--repeat", type=int, default=None, help="interleaved rounds per row (default 9, quick 3)")
    p.add_argument("--only", action="append", default=None, metavar="SUBSTRING")
    opts = p.parse_args()
    rounds = opts.repeat or (3 if opts.quick else 9)
    tg.set_num_threads(opts.threads)
    libs = {"tensorgen": (tg, tg.from_numpy)}
    if torch is not None:
        torch.set_num_threads(opts.threads)
        libs["torch"] = (torch, torch.from_numpy)
    print(f"tensorgen {tg.__version__} ({tg.get_num_threads()} threads), "
          f"torch {torch.__version__ if torch else 'not installed'}, {rounds} rounds per row")
    print_table(rows(opts.quick, libs), rounds, only=opts.only, numpy=False, unit="ms")

if __name__ == "__main__":
    main()
