"""Fit y = X @ w + b by gradient descent, written PyTorch-style with tensorgen ops.

The gradients are derived by hand here (autograd arrives in a later release):
  loss = mean((X @ w + b - y)^2),  dloss/dw = 2/n X^T r,  dloss/db = 2 mean(r).
"""
import tensorgen as tg


def main() -> None:
    tg.manual_seed(0)
    n, d = 256, 4
    true_w = tg.tensor([[2.0], [-1.0], [0.5], [3.0]])
    true_b = 0.7
    X = tg.randn(n, d)
    y = X @ true_w + true_b + 0.01 * tg.randn(n, 1)

    w = tg.zeros(d, 1)
    b = tg.zeros(1)
    lr = 0.1
    for step in range(101):
        r = X @ w + b - y                    # residuals, shape [n, 1]
        loss = (r * r).mean()
        grad_w = X.t() @ r * (2.0 / n)
        grad_b = r.mean() * 2.0
        w -= lr * grad_w                     # in-place updates, like optimizer steps
        b -= lr * grad_b
        if step % 20 == 0:
            print(f"step {step:3d}  loss {loss.item():.6f}")

    print("learned w:", w.flatten())
    print("learned b:", b)
    assert tg.allclose(w, true_w, atol=0.02), "did not converge"
    print("ok: recovered the true weights")


if __name__ == "__main__":
    main()
