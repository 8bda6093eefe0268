"""DDP, SyncBatchNorm and DistributedSampler checks, run under mpiexec by tests/test_distributed.py."""
import datetime

import numpy as np

import tensorgen as tg
import tensorgen.distributed as dist
from tensorgen.nn.parallel import DistributedDataParallel as DDP
from tensorgen.nn.parallel import SyncBatchNorm
from tensorgen.utils.data.distributed import DistributedSampler

dist.init_process_group("mpi", timeout=datetime.timedelta(seconds=30))
R, W = dist.get_rank(), dist.get_world_size()


def ok(name):
    if R == 0:
        print("OK", name, flush=True)


class Lin(tg.nn.Module):
    def __init__(self, i, o, seed):
        super().__init__()
        g = np.random.default_rng(seed)
        self.weight = tg.nn.Parameter(tg.from_numpy((g.standard_normal((o, i)) * 0.5).astype(np.float32)))
        self.bias = tg.nn.Parameter(tg.from_numpy(g.standard_normal(o).astype(np.float32) * 0.1))

    def forward(self, x):
        return x @ self.weight.t() + self.bias


class MLP(tg.nn.Module):
    def __init__(self, seed, extra=False):
        super().__init__()
        self.l1, self.l2, self.l3 = Lin(6, 16, seed), Lin(16, 16, seed + 1), Lin(16, 3, seed + 2)
        self.unused = Lin(2, 2, seed + 3) if extra else None
        self.register_buffer("steps", tg.zeros([], dtype=tg.int64) + R)   # differs per rank

    def forward(self, x):
        return self.l3(tg.relu(self.l2(tg.relu(self.l1(x)))))


def sgd(params, lr=0.05):
    with tg.no_grad():
        for p in params:
            p.sub_(p.grad * lr)
            p.grad = None


g = np.random.default_rng(0)
B = 4                                      # per-rank batch
X = tg.from_numpy(g.standard_normal((6, W * B, 6)).astype(np.float32))
Y = tg.from_numpy(g.standard_normal((6, W * B, 3)).astype(np.float32))

# DDP over several steps (several buckets: a tiny cap) == one process on the global batch
for cap in (25, 0.0005):
    model = MLP(seed=R)                      # different init per rank: DDP broadcasts rank 0's
    ddp = DDP(model, bucket_cap_mb=cap)
    assert int(model.steps) == 0             # buffers come from rank 0 too
    ref = MLP(seed=0)
    for step in range(5):
        xs, ys = X[step][R * B:(R + 1) * B], Y[step][R * B:(R + 1) * B]
        ((ddp(xs) - ys) ** 2).mean().backward()
        sgd(model.parameters())
        ((ref(X[step]) - Y[step]) ** 2).mean().backward()
        sgd(ref.parameters())
    for (n, a), b in zip(model.named_parameters(), ref.parameters()):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-5, atol=1e-6, err_msg=n)
    if cap < 1:
        assert len(ddp._buckets) > 1, len(ddp._buckets)
ok("ddp_equals_global_batch")

# no_sync: two micro-batches accumulated locally, averaged once == the global batch of both
model, ref = MLP(seed=R), MLP(seed=0)
ddp = DDP(model)
with ddp.no_sync():
    ((ddp(X[0][R * B:(R + 1) * B]) - Y[0][R * B:(R + 1) * B]) ** 2).mean().backward()
local = [p.grad.numpy().copy() for p in model.parameters()]
((ddp(X[1][R * B:(R + 1) * B]) - Y[1][R * B:(R + 1) * B]) ** 2).mean().backward()
for k in (0, 1):
    ((ref(X[k]) - Y[k]) ** 2).mean().backward()
for a, b in zip(model.parameters(), ref.parameters()):
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-5, atol=1e-6)
# inside no_sync the gradients really were local (they differ across ranks)
mine = [None] * W
dist.all_gather_object(mine, local[0])
assert not all(np.array_equal(mine[0], m) for m in mine[1:])
ok("ddp_no_sync")

# unused parameters: an error at the next forward without find_unused_parameters, fine with it
model = MLP(seed=R, extra=True)
ddp = DDP(model, find_unused_parameters=True)
for step in range(2):
    ((ddp(X[step][:B]) - Y[step][:B]) ** 2).mean().backward()
    assert float(model.unused.weight.grad.abs().sum()) == 0.0
    assert model.l1.weight.grad is not None
    sgd([p for p in model.parameters()])
ddp = DDP(MLP(seed=R, extra=True))
((ddp(X[0][:B]) - Y[0][:B]) ** 2).mean().backward()
try:
    ddp(X[0][:B])
    raise AssertionError("unfinished reduction not reported")
except RuntimeError as e:
    assert "unused.weight" in str(e) and "find_unused_parameters" in str(e), e
ok("ddp_find_unused_parameters")

# SyncBatchNorm: outputs, input and weight gradients, running statistics == BatchNorm on the global batch
x_all = g.standard_normal((W * 3, 4, 5)).astype(np.float32)
w_np = g.standard_normal(4).astype(np.float32)
coef = tg.from_numpy(g.standard_normal((W * 3, 4, 5)).astype(np.float32))
bn = SyncBatchNorm(4)
with tg.no_grad():
    bn.weight.copy_(tg.from_numpy(w_np))
x = tg.from_numpy(x_all[R * 3:(R + 1) * 3].copy()).requires_grad_()
y = bn(x)
(y * coef[R * 3:(R + 1) * 3]).sum().backward()
# reference: batch norm written with plain ops over the whole batch, differentiated by autograd
xr = tg.from_numpy(x_all.copy()).requires_grad_()
wr = tg.from_numpy(w_np.copy()).requires_grad_()
mu = xr.mean(dim=[0, 2], keepdim=True)
var = ((xr - mu) ** 2).mean(dim=[0, 2], keepdim=True)
yr = (xr - mu) / tg.sqrt(var + 1e-5) * wr.reshape([1, 4, 1])
(yr * coef).sum().backward()
np.testing.assert_allclose(y.detach().numpy(), yr.detach().numpy()[R * 3:(R + 1) * 3], rtol=1e-4, atol=1e-5)
np.testing.assert_allclose(x.grad.numpy(), xr.grad.numpy()[R * 3:(R + 1) * 3], rtol=1e-4, atol=1e-4)
gw = bn.weight.grad.clone()
dist.all_reduce(gw)                                  # DDP would average; the sum is the global gradient
np.testing.assert_allclose(gw.numpy(), wr.grad.numpy(), rtol=1e-4, atol=1e-4)
np.testing.assert_allclose(bn.running_mean.numpy(), 0.1 * x_all.mean((0, 2)), rtol=1e-4, atol=1e-6)
np.testing.assert_allclose(bn.running_var.numpy(), 0.9 + 0.1 * x_all.var((0, 2), ddof=1), rtol=1e-4, atol=1e-6)
bn.eval()
np.testing.assert_allclose(bn(x).detach().numpy(),
                           (x_all[R * 3:(R + 1) * 3] - bn.running_mean.numpy()[None, :, None])
                           / np.sqrt(bn.running_var.numpy()[None, :, None] + 1e-5) * w_np[None, :, None], rtol=1e-4,
                           atol=1e-5)
conv = SyncBatchNorm.convert_sync_batchnorm(tg.nn.Sequential(tg.nn.BatchNorm1d(4), tg.nn.ReLU()))
assert isinstance(conv[0], SyncBatchNorm) and conv[0].num_features == 4
ok("sync_batchnorm")

# DistributedSampler: each epoch the ranks partition the data set (padding only to even out)
for n, drop_last in ((23, False), (23, True), (W * 4, False)):
    for epoch in (0, 1):
        s = DistributedSampler(list(range(n)), shuffle=True, seed=3, drop_last=drop_last)
        s.set_epoch(epoch)
        mine = list(s)
        parts = [None] * W
        dist.all_gather_object(parts, mine)
        flat = [i for p in parts for i in p]
        assert all(len(p) == len(s) for p in parts)
        if drop_last:
            assert len(set(flat)) == len(flat) == (n // W) * W
        else:
            assert set(flat) == set(range(n)) and len(flat) == -(-n // W) * W
ok("distributed_sampler")
dist.destroy_process_group()
