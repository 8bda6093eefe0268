"""Fit y = X @ w + b with autograd and an optimizer, written exactly like the PyTorch program.

A one-layer nn.Linear, MSELoss and SGD with momentum: loss.backward() fills the gradients,
optimizer.step() applies them (one fused kernel call for all parameters).
"""
import tensorgen as tg
import tensorgen.nn as nn


def main() -> None:
    tg.manual_seed(0)
    n, d = 256, 4
    true_w = tg.tensor([[2.0, -1.0, 0.5, 3.0]])
    true_b = 0.7
    X = tg.randn(n, d)
    y = X @ true_w.t() + true_b + 0.01 * tg.randn(n, 1)

    model = nn.Linear(d, 1)
    loss_fn = nn.MSELoss()
    optimizer = tg.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    for step in range(101):
        loss = loss_fn(model(X), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % 20 == 0:
            print(f"step {step:3d}  loss {loss.item():.6f}")

    print("learned w:", model.weight.detach().flatten())
    print("learned b:", model.bias.detach())
    assert tg.allclose(model.weight.detach(), true_w, atol=0.02), "did not converge"
    print("ok: recovered the true weights")


if __name__ == "__main__":
    main()
