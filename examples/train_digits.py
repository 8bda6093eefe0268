"""Train a small CNN on scikit-learn's 8x8 handwritten digits: the main job of README's quick start.

An ordinary PyTorch program with `import tensorgen as tg` in place of `import torch`: a
Module subclass, Conv2d -> BatchNorm2d -> ReLU -> MaxPool2d blocks, a DataLoader over a
TensorDataset, Adam with a OneCycle schedule, cross-entropy loss, test accuracy after every
epoch, a checkpoint saved with tg.save (PyTorch's file format: torch.load reads it) and reloaded
into a fresh model for the final evaluation, and a loss/accuracy plot written with matplotlib.

    pip install ".[examples]" && python examples/train_digits.py [--epochs 12] [--out DIR]

The data (1,797 images, shipped with scikit-learn, no download) is split 75/25 with a fixed seed.
"""
from __future__ import annotations

import argparse
import os
import time

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from tqdm import tqdm

import tensorgen as tg
import tensorgen.nn as nn
import tensorgen.nn.functional as F
from tensorgen.utils.data import DataLoader, TensorDataset


class DigitsCNN(nn.Module):
    """Two conv blocks (8x8 -> 4x4 -> 2x2) and a two-layer classifier head."""

    def __init__(self, num_classes: int = 10) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 32, kernel_size=3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, kernel_size=3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(64 * 2 * 2, 128), nn.ReLU(), nn.Dropout(0.25), nn.Linear(128, num_classes),
        )

    def forward(self, x: tg.Tensor) -> tg.Tensor:
        out: tg.Tensor = self.classifier(self.features(x))   # a Module call is typed Any, as in PyTorch
        return out


def load_data(seed: int) -> tuple[TensorDataset, TensorDataset]:
    digits = load_digits()
    images = (digits.images / 16.0).astype(np.float32)[:, None, :, :]   # N x 1 x 8 x 8 in [0, 1]
    x_train, x_test, y_train, y_test = train_test_split(
        images, digits.target.astype(np.int64), test_size=0.25, random_state=seed, stratify=digits.target)
    mean, std = x_train.mean(), x_train.std()                           # normalise with train stats only

    def to_tensor(a: np.ndarray) -> tg.Tensor:
        return tg.from_numpy(np.ascontiguousarray(a))
    train = TensorDataset(to_tensor((x_train - mean) / std), to_tensor(y_train))
    test = TensorDataset(to_tensor((x_test - mean) / std), to_tensor(y_test))
    return train, test


@tg.no_grad()
def evaluate(model: nn.Module, loader: DataLoader) -> tuple[float, float]:
    """Mean loss and accuracy over a loader, in eval mode (running BatchNorm statistics, no dropout)."""
    model.eval()
    total_loss, correct, count = 0.0, 0, 0
    for x, y in loader:
        logits = model(x)
        total_loss += F.cross_entropy(logits, y, reduction="sum").item()
        correct += (logits.argmax(dim=1) == y).sum().item()
        count += y.shape[0]
    return total_loss / count, correct / count


def plot_history(history: dict[str, list[float]], path: str) -> None:
    import matplotlib
    matplotlib.use("Agg")                                               # no screen needed
    import matplotlib.pyplot as plt

    epochs = range(1, len(history["train_loss"]) + 1)
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 4))
    ax_loss.plot(epochs, history["train_loss"], label="train")
    ax_loss.plot(epochs, history["test_loss"], label="test")
    ax_loss.set(xlabel="epoch", ylabel="cross-entropy", title="loss")
    ax_loss.legend()
    ax_acc.plot(epochs, [100 * a for a in history["test_acc"]], color="tab:green")
    ax_acc.set(xlabel="epoch", ylabel="accuracy (%)", title="test accuracy")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="runs/digits", help="where the checkpoint and the plot go")
    args = parser.parse_args()

    tg.manual_seed(args.seed)
    os.makedirs(args.out, exist_ok=True)
    train_set, test_set = load_data(args.seed)
    generator = tg.Generator().manual_seed(args.seed)
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True, generator=generator)
    test_loader = DataLoader(test_set, batch_size=256)

    model = DigitsCNN()
    optimizer = tg.optim.Adam(model.parameters(), lr=args.lr, weight_decay=1e-4)
    scheduler = tg.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=args.lr, epochs=args.epochs,
                                                 steps_per_epoch=len(train_loader))
    print(f"{sum(p.numel() for p in model.parameters()):,} parameters; "
          f"{len(train_set)} training and {len(test_set)} test images")

    history: dict[str, list[float]] = {"train_loss": [], "test_loss": [], "test_acc": []}
    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        model.train()
        running, seen = 0.0, 0
        bar = tqdm(train_loader, desc=f"epoch {epoch:2d}/{args.epochs}", leave=False)
        for x, y in bar:
            loss = F.cross_entropy(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scheduler.step()
            running += loss.item() * y.shape[0]
            seen += y.shape[0]
            bar.set_postfix(loss=f"{running / seen:.4f}")
        test_loss, test_acc = evaluate(model, test_loader)
        history["train_loss"].append(running / seen)
        history["test_loss"].append(test_loss)
        history["test_acc"].append(test_acc)
        print(f"epoch {epoch:2d}  train loss {running / seen:.4f}  test loss {test_loss:.4f}  "
              f"test accuracy {100 * test_acc:.2f}%  lr {scheduler.get_last_lr()[0]:.2e}")
    elapsed = time.perf_counter() - start

    # Save, reload into a fresh model, evaluate again: the checkpoint is all that inference needs.
    checkpoint = os.path.join(args.out, "digits_cnn.pt")
    tg.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": args.epochs}, checkpoint)
    restored = DigitsCNN()
    restored.load_state_dict(tg.load(checkpoint)["model"])
    _, restored_acc = evaluate(restored, test_loader)
    assert restored_acc == history["test_acc"][-1], "the reloaded checkpoint evaluates differently"

    plot = os.path.join(args.out, "digits_training.png")
    plot_history(history, plot)
    print(f"trained {args.epochs} epochs in {elapsed:.1f} s; reloaded {checkpoint}: "
          f"test accuracy {100 * restored_acc:.2f}%; plot: {plot}")
    if restored_acc < 0.97:
        raise SystemExit(f"test accuracy {100 * restored_acc:.2f}% is below the 97% this example promises")


if __name__ == "__main__":
    main()
