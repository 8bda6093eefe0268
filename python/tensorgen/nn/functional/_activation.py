"""tg.nn.functional: activations, softmax/log_softmax/softmin, dropout.

Each function is torch.nn.functional's (name, argument names, defaults, semantics) over the
generated ops of issue 10 (native_functions.yaml, "activations, dropout, random fills"). `inplace=True`
runs the op's in-place variant and returns `input`, as PyTorch does.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

import warnings

import tensorgen as tg

if TYPE_CHECKING:
    from tensorgen._tensor import Tensor

__all__ = [
    "threshold", "threshold_", "relu", "relu_", "hardtanh", "hardtanh_", "relu6", "elu", "elu_", "selu", "selu_",
    "celu", "celu_", "leaky_relu", "leaky_relu_", "prelu", "glu", "gelu", "logsigmoid", "hardsigmoid", "hardswish",
    "silu", "mish", "softplus", "softsign", "tanhshrink", "sigmoid", "tanh", "softmax", "log_softmax", "softmin",
    "dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout",
]

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


# ---------------------------------------------------------------- activations
def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """y = x if x > threshold else value."""
    return input.threshold_(threshold, value) if inplace else tg.threshold(input, threshold, value)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    return input.threshold_(threshold, value)


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    return input.relu_() if inplace else tg.relu(input)


def relu_(input: Tensor) -> Tensor:
    return input.relu_()


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    if min_val > max_val:  # PyTorch checks this in Python
        raise ValueError("min_val cannot be greater than max_val")
    return input.hardtanh_(min_val, max_val) if inplace else tg.hardtanh(input, min_val, max_val)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    return hardtanh(input, min_val, max_val, inplace=True)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    return input.hardtanh_(0.0, 6.0) if inplace else tg.relu6(input)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    return input.elu_(alpha) if inplace else tg.elu(input, alpha)


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    return input.elu_(alpha)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    return input.elu_(_SELU_ALPHA, _SELU_SCALE) if inplace else tg.selu(input)


def selu_(input: Tensor) -> Tensor:
    return selu(input, inplace=True)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    if not inplace:
        return tg.celu(input, alpha)
    if alpha == 0:
        raise RuntimeError("[celu] ZeroDivisionError: alpha cannot be 0 (celu divides by it)")
    return input.elu_(alpha, 1.0, 1.0 / alpha)


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    return celu(input, alpha, inplace=True)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    return input.leaky_relu_(negative_slope) if inplace else tg.leaky_relu(input, negative_slope)


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    return input.leaky_relu_(negative_slope)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    return tg.prelu(input, weight)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    if input.dim() == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    return tg.glu(input, dim)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    return tg.gelu(input, approximate=approximate)


def logsigmoid(input: Tensor) -> Tensor:
    return tg.log_sigmoid(input)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    return input.hardsigmoid_() if inplace else tg.hardsigmoid(input)


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    return input.hardswish_() if inplace else tg.hardswish(input)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    return input.silu_() if inplace else tg.silu(input)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    return input.mish_() if inplace else tg.mish(input)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    return tg.softplus(input, beta, threshold)


def softsign(input: Tensor) -> Tensor:
    return tg.softsign(input)


def tanhshrink(input: Tensor) -> Tensor:
    return tg.tanhshrink(input)


def sigmoid(input: Tensor) -> Tensor:
    return tg.sigmoid(input)


def tanh(input: Tensor) -> Tensor:
    return tg.tanh(input)


# ---------------------------------------------------------------- softmax family
def _get_softmax_dim(name, ndim, stacklevel):
    # PyTorch's legacy rule for dim=None (with the same deprecation warning)
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. "
                  "Change the call to include dim=X as an argument.", stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: tg.dtype | None = None) -> Tensor:
    """softmax along dim; dtype= casts the input first (the op computes and returns in dtype)."""
    if dim is None:
        dim = _get_softmax_dim("softmax", input.dim(), _stacklevel)
    return tg.softmax(input, dim, dtype=dtype)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: tg.dtype | None = None) -> Tensor:
    if dim is None:
        dim = _get_softmax_dim("log_softmax", input.dim(), _stacklevel)
    return tg.log_softmax(input, dim, dtype=dtype)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: tg.dtype | None = None) -> Tensor:
    """softmax(-input): the dtype cast comes first, as in PyTorch (-input.to(dtype))."""
    if dim is None:
        dim = _get_softmax_dim("softmin", input.dim(), _stacklevel)
    if dtype is not None:
        input = input.to(dtype)
    return tg.softmax(-input, dim)


# ---------------------------------------------------------------- dropout
def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


_ALPHA_DROPOUT = 1.7580993408473766  # -selu's saturation value, alpha * scale


def _dropout_inplace(input, p, training, feature, alpha):
    """In-place dropout: input.mul_(noise) (and .add_(b) for alpha dropout), with the noise the
    composite ops draw (one bernoulli_(1 - p) over the input's shape or [N, C, 1, ...])."""
    if p == 0 or not training or input.numel() == 0:
        return input
    if p == 1:
        return input.mul_(0)
    if feature:
        shape = [input.shape[0], input.shape[1]] + [1] * (input.dim() - 2)
        noise = tg.empty(shape, dtype=input.dtype, device=input.device)
    else:
        noise = tg.empty_like(input)
    noise.bernoulli_(1 - p)
    if not alpha:
        return input.mul_(noise.div_(1 - p))
    a = 1.0 / ((_ALPHA_DROPOUT ** 2 * p + 1) * (1 - p)) ** 0.5
    b = (noise - 1) * (_ALPHA_DROPOUT * a) + _ALPHA_DROPOUT * a * p
    return input.mul_(noise.mul_(a)).add_(b)


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zeroes each element with probability p and scales the rest by 1 / (1 - p) (training only)."""
    _check_p(p)
    if inplace:
        return _dropout_inplace(input, p, training, False, False)
    return tg.dropout(input, p, training)


def _feature_dropout(name, input, p, training, inplace, batched_dim, alpha=False):
    _check_p(p)
    ndim = input.dim()
    if ndim not in (batched_dim - 1, batched_dim):
        # dropout2d accepts 3-D input as (N, C, L) with a warning, like PyTorch
        if not (name == "dropout2d" and ndim == 3):
            raise RuntimeError(f"{name}: Expected {batched_dim - 1}D or {batched_dim}D input, but received a "
                               f"{ndim}D input. Note that {name} exists to provide channel-wise dropout on inputs "
                               f"with {batched_dim - 2} spatial dimension(s), a channel dimension, and an optional "
                               f"batch dimension (i.e. {batched_dim - 1}D or {batched_dim}D inputs).")
    unbatched = ndim == batched_dim - 1 and name != "dropout2d"
    if name == "dropout2d" and ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout "
                      "behavior is desired - input is interpreted as shape (N, C, L), where C is the channel dim. "
                      "This behavior will change in a future release to interpret the input as one without a batch "
                      "dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise dropout behavior, please "
                      "switch to using dropout1d instead.", stacklevel=3)
    x = input.unsqueeze(0) if unbatched else input
    if inplace:
        _dropout_inplace(x, p, training, True, alpha)
        return input
    result = (tg.feature_alpha_dropout if alpha else tg.feature_dropout)(x, p, training)
    return result.squeeze(0) if unbatched else result


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zeroes whole channels of (N, C, L) or (C, L) input."""
    return _feature_dropout("dropout1d", input, p, training, inplace, 3)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zeroes whole channels of (N, C, H, W) input (3-D input: (N, C, L), as PyTorch does today)."""
    return _feature_dropout("dropout2d", input, p, training, inplace, 4)


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zeroes whole channels of (N, C, D, H, W) or (C, D, H, W) input."""
    return _feature_dropout("dropout3d", input, p, training, inplace, 5)


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """Dropout for SELU networks: keeps mean and variance (dropped values become SELU's saturation)."""
    _check_p(p)
    if inplace:
        return _dropout_inplace(input, p, training, False, True)
    return tg.alpha_dropout(input, p, training)


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    _check_p(p)
    if inplace:
        return _dropout_inplace(input, p, training, True, True)
    return tg.feature_alpha_dropout(input, p, training)
