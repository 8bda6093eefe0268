"""tg.nn.functional: losses.

cross_entropy and nll_loss are fused generated ops (cross_entropy_loss, nll_loss: one pass over each
row of scores, with a one-pass backward). The element-wise losses (mse_loss, l1_loss,
smooth_l1_loss, huber_loss, binary_cross_entropy, binary_cross_entropy_with_logits, kl_div) are
generated ops too (aten/native/PointwiseLoss.h): the loss of each element and the mean/sum in one
pass, with their own backward ops; autograd (and double backward) comes from the ops. _reduce is
left for the composites below.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

import warnings

import tensorgen as tg

if TYPE_CHECKING:
    from tensorgen._tensor import Tensor

__all__ = ["cross_entropy", "nll_loss", "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss",
           "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div", "cosine_embedding_loss"]

_REDUCTIONS = {"none": 0, "mean": 1, "sum": 2}


def _legacy_reduction(size_average, reduce) -> str:
    """PyTorch's mapping of the deprecated size_average/reduce arguments onto reduction."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if size_average and reduce:
        return "mean"
    return "sum" if reduce else "none"


def _reduction(reduction, size_average=None, reduce=None, allowed=("none", "mean", "sum")) -> str:
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    if not isinstance(reduction, str) or reduction not in allowed:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _reduce(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average: bool | None = None,
                  ignore_index: int = -100, reduce: bool | None = None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """Cross entropy between the logits `input` ((C), (N, C) or (N, C, d1, ...)) and `target`: class
    indices (int64, (), (N) or (N, d1, ...)) or class probabilities (input's shape)."""
    r = _reduction(reduction, size_average, reduce)
    return tg.cross_entropy_loss(input, target, weight, _REDUCTIONS[r], ignore_index, float(label_smoothing))


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average: bool | None = None,
             ignore_index: int = -100, reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """Negative log likelihood of the log-probabilities `input` at the class indices `target`."""
    r = _reduction(reduction, size_average, reduce)
    return tg.nll_loss(input, target, weight, _REDUCTIONS[r], ignore_index)


def _check_same_size(name, input, target):
    if tuple(target.shape) != tuple(input.shape):
        warnings.warn(f"Using a target size ({tuple(target.shape)}) that is different to the input size "
                      f"({tuple(input.shape)}). This will likely lead to incorrect results due to broadcasting. "
                      "Please ensure they have the same size.", stacklevel=3)


def mse_loss(input: Tensor, target: Tensor, size_average: bool | None = None, reduce: bool | None = None,
             reduction: str = "mean") -> Tensor:
    r = _reduction(reduction, size_average, reduce)
    _check_same_size("mse_loss", input, target)
    return tg.mse_loss(input, target, _REDUCTIONS[r])


def l1_loss(input: Tensor, target: Tensor, size_average: bool | None = None, reduce: bool | None = None,
            reduction: str = "mean") -> Tensor:
    r = _reduction(reduction, size_average, reduce)
    _check_same_size("l1_loss", input, target)
    return tg.l1_loss(input, target, _REDUCTIONS[r])


def smooth_l1_loss(input: Tensor, target: Tensor, size_average: bool | None = None, reduce: bool | None = None,
                   reduction: str = "mean", beta: float = 1.0) -> Tensor:
    r = _reduction(reduction, size_average, reduce)
    _check_same_size("smooth_l1_loss", input, target)
    return tg.smooth_l1_loss(input, target, _REDUCTIONS[r], float(beta))


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0) -> Tensor:
    r = _reduction(reduction)
    _check_same_size("huber_loss", input, target)
    return tg.huber_loss(input, target, _REDUCTIONS[r], float(delta))


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average: bool | None = None,
                         reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """-w (t log(x) + (1 - t) log(1 - x)), each log clamped at -100 like PyTorch."""
    r = _reduction(reduction, size_average, reduce)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Using a target size ({tuple(target.shape)}) that is different to the input size "
                         f"({tuple(input.shape)}) is deprecated. Please ensure they have the same size.")
    return tg.binary_cross_entropy(input, target, weight, _REDUCTIONS[r])


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                     size_average: bool | None = None, reduce: bool | None = None,
                                     reduction: str = "mean", pos_weight: Tensor | None = None) -> Tensor:
    """PyTorch's stable form: (1 - t) x + (1 + (pos_weight - 1) t) (log1p(exp(-|x|)) + max(-x, 0))."""
    r = _reduction(reduction, size_average, reduce)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Target size ({tuple(target.shape)}) must be the same as input size ({tuple(input.shape)})")
    return tg.binary_cross_entropy_with_logits(input, target, weight, pos_weight, _REDUCTIONS[r])


def kl_div(input: Tensor, target: Tensor, size_average: bool | None = None, reduce: bool | None = None,
           reduction: str = "mean", log_target: bool = False) -> Tensor:
    """KL divergence with `input` as log-probabilities: target (log target) * (log target - input)."""
    r = _reduction(reduction, size_average, reduce, allowed=("none", "mean", "sum", "batchmean"))
    if r == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the support size."
                      "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
                      "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
                      stacklevel=2)
    if r == "batchmean":
        total = tg.kl_div(input, target, _REDUCTIONS["sum"], log_target=log_target)
        return total / input.shape[0] if input.dim() else total
    return tg.kl_div(input, target, _REDUCTIONS[r], log_target=log_target)


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                          size_average: bool | None = None, reduce: bool | None = None,
                          reduction: str = "mean") -> Tensor:
    """1 - cos(x1, x2) where target is 1, max(0, cos(x1, x2) - margin) where it is -1; inputs (N, D) or
    (D) with target (N) or (), cosine over the last dim (PyTorch's eps 1e-12 on the squared norms)."""
    r = _reduction(reduction, size_average, reduce)
    if input1.dim() not in (1, 2) or tuple(input1.shape) != tuple(input2.shape):
        raise RuntimeError(f"[cosine_embedding_loss] inputs must be 1-D or 2-D and of the same shape: got "
                           f"{list(input1.shape)} and {list(input2.shape)}")
    if tuple(target.shape) != tuple(input1.shape[:-1]):
        raise RuntimeError(f"[cosine_embedding_loss] target of shape {list(target.shape)} does not match the "
                           f"inputs' batch shape {list(input1.shape[:-1])}")
    eps = 1e-12
    dot = (input1 * input2).sum(-1)
    cos = dot / ((input1 * input1).sum(-1) + eps).mul((input2 * input2).sum(-1) + eps).sqrt()
    positive = 1 - cos
    negative = (cos - margin).clamp_min(0)
    loss = tg.where(target == 1, positive, tg.where(target == -1, negative, tg.zeros_like(cos)))
    return _reduce(loss, r)
