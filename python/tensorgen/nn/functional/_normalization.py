"""tg.nn.functional: batch_norm, layer_norm, group_norm, rms_norm, over the fused generated ops
native_batch_norm, native_layer_norm, native_group_norm, native_rms_norm (statistics and the
normalized result in one pass over each row or channel)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

import tensorgen as tg

if TYPE_CHECKING:
    from tensorgen._tensor import Tensor

__all__ = ["batch_norm", "layer_norm", "group_norm", "rms_norm"]


def _shape(normalized_shape):
    return (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)


def batch_norm(input: Tensor, running_mean: Tensor, running_var: Tensor, weight: Tensor | None = None,
               bias: Tensor | None = None, training: bool = False, momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalizes each channel (dim 1) of `input` (N, C, *). training: with the batch's statistics,
    and running_mean/running_var (when given) are updated in place:
    running = (1 - momentum) * running + momentum * batch (the unbiased variance for running_var);
    eval: with running_mean/running_var."""
    out, mean, _, batch_var = tg.native_batch_norm(input, weight, bias, running_mean, running_var, bool(training),
                                                   float(eps))
    if training:
        with tg.no_grad():
            if running_mean is not None:
                running_mean.mul_(1 - momentum).add_(mean.to(running_mean.dtype) * momentum)
            if running_var is not None:
                running_var.mul_(1 - momentum).add_(batch_var.to(running_var.dtype) * momentum)
    return out


def layer_norm(input: Tensor, normalized_shape: int | Sequence[int], weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    return tg.native_layer_norm(input, _shape(normalized_shape), weight, bias, float(eps))[0]


def rms_norm(input: Tensor, normalized_shape: int | Sequence[int], weight: Tensor | None = None,
             eps: float | None = None) -> Tensor:
    return tg.native_rms_norm(input, _shape(normalized_shape), weight, None if eps is None else float(eps))[0]


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    return tg.native_group_norm(input, weight, bias, int(num_groups), float(eps))[0]
