"""tg.nn.functional: batch_norm, layer_norm, group_norm, rms_norm, over the fused generated ops
native_batch_norm, native_layer_norm, native_group_norm, native_rms_norm (statistics and the
normalized result in one pass over each row or channel)."""
from __future__ import annotations

import tensorgen as tg

__all__ = ["batch_norm", "layer_norm", "group_norm", "rms_norm"]


def _shape(normalized_shape):
    return (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
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


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    return tg.native_layer_norm(input, _shape(normalized_shape), weight, bias, float(eps))[0]


def rms_norm(input, normalized_shape, weight=None, eps=None):
    return tg.native_rms_norm(input, _shape(normalized_shape), weight, None if eps is None else float(eps))[0]


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    return tg.native_group_norm(input, weight, bias, int(num_groups), float(eps))[0]
