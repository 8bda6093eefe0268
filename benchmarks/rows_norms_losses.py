"""Benchmark rows of issue 10 for the normalizations and losses (run through benchmarks/run.py):
layer_norm 4096x1024, cross_entropy 4096x1000 forward and forward+backward, batch_norm training
32x64x56x56. tensorgen and PyTorch through their nn.functional; NumPy is n/a (no fused form)."""
import numpy as np


def nn_norms_losses_rows(quick: bool, rng, libs):
    scale = 8 if quick else 1
    ln_np = rng.standard_normal((4096 // scale, 1024), dtype=np.float32)
    ce_np = rng.standard_normal((4096 // scale, 1000), dtype=np.float32)
    ce_t = rng.integers(0, 1000, 4096 // scale)
    bn_np = rng.standard_normal((32 // scale, 64, 56, 56), dtype=np.float32)
    torch_like = {name: (mod, conv) for name, (mod, conv) in libs.items() if name != "numpy"}

    def each(fn):
        return {name: fn(mod, conv) for name, (mod, conv) in torch_like.items()}

    def F(mod):
        return mod.nn.functional

    yield f"layer_norm [{ln_np.shape[0]},1024] f32", each(
        lambda m, c: (lambda x=c(ln_np), w=c(np.ones(1024, np.float32)), b=c(np.zeros(1024, np.float32)):
                      F(m).layer_norm(x, (1024,), w, b))), 3, 1.0
    yield f"cross_entropy [{ce_np.shape[0]},1000] f32 fwd", each(
        lambda m, c: (lambda x=c(ce_np), t=c(ce_t): F(m).cross_entropy(x, t))), 3, 1.0

    def ce_fwd_bwd(m, c):
        x = c(ce_np.copy()).requires_grad_()
        t = c(ce_t)

        def run():
            F(m).cross_entropy(x, t).backward()
            x.grad = None
        return run
    yield f"cross_entropy [{ce_np.shape[0]},1000] f32 fwd+bwd", each(ce_fwd_bwd), 3, 1.0

    def bn_train(m, c):
        x = c(bn_np)
        rm, rv = c(np.zeros(64, np.float32)), c(np.ones(64, np.float32))
        w, b = c(np.ones(64, np.float32)), c(np.zeros(64, np.float32))
        return lambda: F(m).batch_norm(x, rm, rv, w, b, training=True)
    yield f"batch_norm train {list(bn_np.shape)} f32", each(bn_train), 3, 1.0
