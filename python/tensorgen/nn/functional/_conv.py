"""tg.nn.functional: linear, bilinear, conv1d/conv2d/conv_transpose1d/conv_transpose2d, unfold/fold.

Thin front ends over the generated ops (native_functions.yaml, aten/native/Convolution.cpp). What
PyTorch does in Python or in its front end happens here: padding='same'/'valid' become numbers
(an odd total 'same' padding puts the extra zero at the end, as PyTorch does); for unfold/fold
the im2col / col2im ops check the input's rank and sizes.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

from tensorgen import _C

if TYPE_CHECKING:
    from tensorgen._tensor import Tensor

__all__ = ["linear", "bilinear", "conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d", "unfold", "fold"]


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = input @ weight.T + bias over any leading dims (one GEMM)."""
    return _C.linear(input, weight, bias)


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y[..., o] = sum_ij input1[..., i] weight[o, i, j] input2[..., j] + bias[o]."""
    return _C.bilinear(input1, input2, weight, bias)


def _per_dim(value, nd):
    return [int(value)] * nd if isinstance(value, int) else [int(v) for v in value]


def _resolve_padding(name, input, weight, padding, stride, dilation, nd):
    """PyTorch's string paddings: 'valid' is no padding; 'same' keeps the spatial size (stride 1
    only) with total padding dilation * (k - 1) per dim, half on each side and the odd one at the
    end, which needs the input padded there. Returns (input, numeric padding)."""
    if not isinstance(padding, str):
        return input, padding
    if padding == "valid":
        return input, 0
    if padding != "same":
        raise RuntimeError(f"[{name}] invalid padding string: '{padding}' (expected 'same' or 'valid')")
    strides = _per_dim(stride, nd)
    if any(s != 1 for s in strides):
        raise RuntimeError(f"[{name}] padding='same' is not supported for strided convolutions, got stride={stride}")
    dil = _per_dim(dilation, nd)
    if len(dil) != nd or weight.dim() != nd + 2:
        # let the op report the malformed argument
        return input, 0
    left = []
    for i in range(nd):
        total = dil[i] * (weight.shape[2 + i] - 1)
        left.append(total // 2)
        extra = total - 2 * (total // 2)
        if extra:
            d = input.dim() - nd + i
            shape = list(input.shape)
            shape[d] = extra
            input = _C.cat([input, _C.zeros(shape, dtype=input.dtype, device=input.device)], d)
    return input, left


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: int | Sequence[int] = 1,
           padding: int | Sequence[int] | str = 0, dilation: int | Sequence[int] = 1, groups: int = 1) -> Tensor:
    """1-d convolution (cross-correlation) over (N, C, L) or (C, L); padding may be 'same' or 'valid'."""
    input, padding = _resolve_padding("conv1d", input, weight, padding, stride, dilation, 1)
    return _C.conv1d(input, weight, bias, stride, padding, dilation, groups)


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: int | Sequence[int] = 1,
           padding: int | Sequence[int] | str = 0, dilation: int | Sequence[int] = 1, groups: int = 1) -> Tensor:
    """2-d convolution (cross-correlation) over (N, C, H, W) or (C, H, W); padding may be 'same' or 'valid'."""
    input, padding = _resolve_padding("conv2d", input, weight, padding, stride, dilation, 2)
    return _C.conv2d(input, weight, bias, stride, padding, dilation, groups)


def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: int | Sequence[int] = 1,
                     padding: int | Sequence[int] = 0, output_padding: int | Sequence[int] = 0, groups: int = 1,
                     dilation: int | Sequence[int] = 1) -> Tensor:
    """The adjoint of conv1d (weight (C_in, C_out / groups, k))."""
    return _C.conv_transpose1d(input, weight, bias, stride, padding, output_padding, groups, dilation)


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: int | Sequence[int] = 1,
                     padding: int | Sequence[int] = 0, output_padding: int | Sequence[int] = 0, groups: int = 1,
                     dilation: int | Sequence[int] = 1) -> Tensor:
    """The adjoint of conv2d (weight (C_in, C_out / groups, kh, kw))."""
    return _C.conv_transpose2d(input, weight, bias, stride, padding, output_padding, groups, dilation)


def unfold(input: Tensor, kernel_size: int | Sequence[int], dilation: int | Sequence[int] = 1,
           padding: int | Sequence[int] = 0, stride: int | Sequence[int] = 1) -> Tensor:
    """Sliding blocks as columns (im2col): (N, C, H, W) -> (N, C kh kw, L); (C, H, W) -> (C kh kw, L)."""
    return _C.im2col(input, kernel_size, dilation, padding, stride)


def fold(input: Tensor, output_size: int | Sequence[int], kernel_size: int | Sequence[int],
         dilation: int | Sequence[int] = 1, padding: int | Sequence[int] = 0,
         stride: int | Sequence[int] = 1) -> Tensor:
    """Columns summed back into an image (col2im): (N, C kh kw, L) -> (N, C, H, W); (C kh kw, L) -> (C, H, W)."""
    return _C.col2im(input, output_size, kernel_size, dilation, padding, stride)
