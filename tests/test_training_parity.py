"""PyTorch programs run on tensorgen with only the import changed, and train like PyTorch.

Each model below is written once against the shared API (`lib` is tensorgen or torch). Without
PyTorch the test checks that the program runs and its loss falls; with PyTorch installed the
tensorgen copy gets PyTorch's initial weights through load_state_dict and the two loss curves
must agree step by step (float64, so the only differences are summation orders)."""
import math

import numpy as np
import pytest

import tensorgen as tg


def mlp(lib):
    nn = lib.nn
    return nn.Sequential(nn.Linear(20, 32), nn.ReLU(), nn.Linear(32, 32), nn.GELU(), nn.Linear(32, 5))


def cnn(lib):
    nn = lib.nn
    return nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                         nn.Linear(16, 5))


def language_model(lib, vocab=17, channels=16, context=8):
    """A tiny transformer language model: embeddings, one causal encoder layer, a tied head."""
    nn = lib.nn

    class LM(nn.Module):
        def __init__(self):
            super().__init__()
            self.tokens = nn.Embedding(vocab, channels)
            self.positions = nn.Embedding(context, channels)
            self.block = nn.TransformerEncoderLayer(channels, nhead=2, dim_feedforward=32, dropout=0.0,
                                                    batch_first=True, norm_first=True)
            self.norm = nn.LayerNorm(channels)

        def forward(self, idx):
            T = idx.shape[1]
            x = self.tokens(idx) + self.positions(lib.arange(T))
            mask = lib.triu(lib.full((T, T), float("-inf"), dtype=x.dtype), diagonal=1)
            x = self.block(x, src_mask=mask)
            return self.norm(x) @ self.tokens.weight.t()   # weight tying
    return LM()


def data(kind, rng):
    if kind == "lm":
        idx = rng.integers(0, 17, (4, 9))
        return idx[:, :-1], idx[:, 1:]
    x = rng.standard_normal((16, 20) if kind == "mlp" else (16, 1, 8, 8))
    return x, rng.integers(0, 5, 16)


def train(lib, model, x, y, steps=8):
    F = lib.nn.functional
    opt = lib.optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(steps):
        logits = model(x)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


BUILDERS = {"mlp": mlp, "cnn": cnn, "lm": language_model}


@pytest.mark.parametrize("kind", list(BUILDERS))
def test_program_trains_and_loss_falls(kind):
    rng = np.random.default_rng(0)
    x, y = data(kind, rng)
    tg.manual_seed(0)
    model = BUILDERS[kind](tg).double()
    losses = train(tg, model, tg.from_numpy(x if kind == "lm" else x.astype(np.float64)), tg.from_numpy(y), steps=30)
    assert all(math.isfinite(v) for v in losses)
    assert losses[-1] < 0.7 * losses[0], losses   # it fits the (random) batch


@pytest.mark.parametrize("kind", list(BUILDERS))
def test_loss_curve_matches_pytorch_with_the_same_initial_weights(kind):
    torch = pytest.importorskip("torch", reason="the side-by-side run needs PyTorch")
    rng = np.random.default_rng(1)
    x, y = data(kind, rng)
    torch.manual_seed(0)
    reference = BUILDERS[kind](torch).double()
    model = BUILDERS[kind](tg).double()
    missing, unexpected = model.load_state_dict(
        {k: tg.from_numpy(v.detach().numpy().copy()) for k, v in reference.state_dict().items()})
    assert not missing and not unexpected
    xs = x if kind == "lm" else x.astype(np.float64)
    expected = train(torch, reference, torch.from_numpy(xs), torch.from_numpy(y))
    got = train(tg, model, tg.from_numpy(xs), tg.from_numpy(y))
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-9)
    # and the trained weights come back into PyTorch unchanged
    reference.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in model.state_dict().items()})
