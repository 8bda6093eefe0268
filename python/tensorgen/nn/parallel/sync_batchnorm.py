"""tg.nn.SyncBatchNorm: batch normalization whose training statistics are taken over the batch of
every rank of a process group (torch.nn.SyncBatchNorm's semantics), so N ranks with batch B
normalize exactly like one process with batch N*B."""
from __future__ import annotations

from typing import Any

from tensorgen import _C
from tensorgen import distributed as dist
from tensorgen.autograd.function import Function
from tensorgen.nn.modules.module import Module
from tensorgen.nn.modules.normalization import _BatchNorm

__all__ = ["SyncBatchNorm"]


def _reduce_dims(x) -> list:
    return [0] + list(range(2, x.dim()))


def _bcast(v, x):
    """A per-channel vector shaped to broadcast against x (N, C, ...)."""
    return v.reshape([1, -1] + [1] * (x.dim() - 2))


class _SyncBatchNormFn(Function):
    """Forward: global mean and biased variance of each channel from two all-reduces (sum and
    count, then the sum of squared deviations: two passes, no cancellation). Backward: the two
    per-channel sums the input gradient needs (sum dy, sum dy*xhat) all-reduced the same way."""

    @staticmethod
    def forward(ctx, x, weight, bias, eps, group, world, stash):
        dims = _reduce_dims(x)
        c = x.shape[1]
        local_n = x.numel() // c if c else 0
        stats = _C.cat([x.sum(dim=dims).to(_C.float64), _C.full([1], float(local_n), dtype=_C.float64)])
        dist.all_reduce(stats, group=group)
        count = float(stats[c].item())
        if count <= 1:
            raise ValueError(f"[SyncBatchNorm] Expected more than 1 value per channel when training, got input "
                             f"size {list(x.shape)} on {world} ranks")
        mean = (stats[:c] / count).to(x.dtype)
        xc = x - _bcast(mean, x)
        sq = (xc * xc).sum(dim=dims).to(_C.float64)
        dist.all_reduce(sq, group=group)
        var = (sq / count).to(x.dtype)
        invstd = _C.rsqrt(var + eps)
        xhat = xc * _bcast(invstd, x)
        y = xhat
        if weight is not None:
            y = y * _bcast(weight, x)
        if bias is not None:
            y = y + _bcast(bias, x)
        ctx.save_for_backward(xhat, invstd, weight)
        ctx.count, ctx.group, ctx.has_bias = count, group, bias is not None
        stash["mean"], stash["sq"], stash["count"] = stats[:c] / count, sq, count  # for the running stats
        return y

    @staticmethod
    def backward(ctx, dy):
        xhat, invstd, weight = ctx.saved_tensors
        dims = _reduce_dims(dy)
        c = dy.shape[1]
        sum_dy = dy.sum(dim=dims)
        sum_dy_xhat = (dy * xhat).sum(dim=dims)
        # the weight/bias gradients are this rank's (DDP averages them like any parameter's)
        gw = sum_dy_xhat if weight is not None else None
        gb = sum_dy if ctx.has_bias else None
        sums = _C.cat([sum_dy, sum_dy_xhat]).to(_C.float64)
        dist.all_reduce(sums, group=ctx.group)
        sums = (sums / ctx.count).to(dy.dtype)
        mean_dy, mean_dy_xhat = sums[:c], sums[c:]
        scale = invstd if weight is None else invstd * weight
        dx = (dy - _bcast(mean_dy, dy) - xhat * _bcast(mean_dy_xhat, dy)) * _bcast(scale, dy)
        return dx, gw, gb, None, None, None, None


class SyncBatchNorm(_BatchNorm):
    """BatchNorm over N-d input (N, C, ...) with statistics synchronized across process_group in
    training. In eval mode (or with a world of one) it is plain batch normalization."""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, process_group=None, device=None, dtype=None):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device=device, dtype=dtype)
        self.process_group = process_group

    def _check_input_dim(self, input) -> None:
        if input.dim() < 2:
            raise ValueError(f"expected at least 2D input (got {input.dim()}D input)")

    def forward(self, input):
        self._check_input_dim(input)
        if input.shape[1] != self.num_features:
            raise ValueError(f"[SyncBatchNorm] expected {self.num_features} channels (dim 1), got input of shape "
                             f"{list(input.shape)}")
        eaf = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            self.num_batches_tracked.add_(1)
            eaf = 1.0 / float(self.num_batches_tracked) if self.momentum is None else self.momentum
        bn_training = self.training or (self.running_mean is None and self.running_var is None)
        if not bn_training:
            return self._normalize_running(input)
        world = dist.get_world_size(self.process_group) if dist.is_initialized() else 1
        if not dist.is_initialized():
            raise RuntimeError("[SyncBatchNorm] training mode needs the default process group "
                               "(tensorgen.distributed.init_process_group)")
        stash: dict = {}
        y = _SyncBatchNormFn.apply(input, self.weight, self.bias, self.eps, self.process_group, world, stash)
        if self.training and self.track_running_stats:
            self._update_running(stash, eaf)
        return y

    def _update_running(self, stash: dict, eaf: float) -> None:
        # running_var takes the unbiased variance of the global batch, like BatchNorm's
        from tensorgen.autograd.grad_mode import no_grad
        with no_grad():
            mean, unbiased = stash["mean"], stash["sq"] / (stash["count"] - 1)
            self.running_mean.mul_(1 - eaf).add_(mean.to(self.running_mean.dtype), alpha=eaf)
            self.running_var.mul_(1 - eaf).add_(unbiased.to(self.running_var.dtype), alpha=eaf)

    def _normalize_running(self, x):
        y = (x - _bcast(self.running_mean, x)) * _bcast(_C.rsqrt(self.running_var + self.eps), x)
        if self.weight is not None:
            y = y * _bcast(self.weight, x)
        if self.bias is not None:
            y = y + _bcast(self.bias, x)
        return y

    @classmethod
    def convert_sync_batchnorm(cls, module: Module, process_group: Any = None) -> Module:
        """Returns `module` with every BatchNorm*d replaced by a SyncBatchNorm carrying the same
        parameters, buffers and mode (recursively)."""
        out = module
        if isinstance(module, _BatchNorm) and not isinstance(module, SyncBatchNorm):
            out = SyncBatchNorm(module.num_features, module.eps, module.momentum, module.affine,
                                module.track_running_stats, process_group)
            if module.affine:
                from tensorgen.autograd.grad_mode import no_grad
                with no_grad():
                    out.weight = module.weight
                    out.bias = module.bias
            out.running_mean = module.running_mean
            out.running_var = module.running_var
            out.num_batches_tracked = module.num_batches_tracked
            out.training = module.training
        for name, child in module.named_children():
            out.add_module(name, cls.convert_sync_batchnorm(child, process_group))
        del module
        return out
