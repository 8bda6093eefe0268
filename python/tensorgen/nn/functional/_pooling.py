"""tg.nn.functional: pooling, pad, interpolate, pixel_shuffle.

The 2-d ops are generated (native_functions.yaml: max_pool2d_with_indices, avg_pool2d,
adaptive_{avg,max}_pool2d, upsample_{nearest,bilinear}2d, each with its backward op); the 1-d
forms run them on a (1, L) plane, as PyTorch does. pad is a generated op too (a gather kernel, and
pad_backward for its gradient); pixel_(un)shuffle are YAML composites over reshape and permute.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

import math
import numbers

import tensorgen as tg

if TYPE_CHECKING:
    from tensorgen._tensor import Tensor

__all__ = [
    "max_pool1d", "max_pool2d", "max_pool1d_with_indices", "max_pool2d_with_indices",
    "avg_pool1d", "avg_pool2d",
    "adaptive_avg_pool1d", "adaptive_avg_pool2d",
    "adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool1d_with_indices",
    "adaptive_max_pool2d_with_indices",
    "pad", "interpolate", "pixel_shuffle", "pixel_unshuffle",
]


def _tuple(v, n, op, what):
    """An int or a sequence of n ints (PyTorch's _pair/_single) as a list of n ints."""
    if isinstance(v, numbers.Integral) and not isinstance(v, bool):
        return [int(v)] * n
    try:
        items = [int(x) for x in v]
    except TypeError:
        raise TypeError(f"[{op}] {what} must be an int or a tuple of {n} ints, got {type(v).__name__}") from None
    if len(items) == 1:
        items = items * n
    if len(items) != n:
        raise RuntimeError(f"[{op}] {what} must either be a single int, or a tuple of {n} ints, got {tuple(v)}")
    return items


# ----------------------------------------------------------------------------- 1-d on the 2-d ops

def _check_1d_input(input, op):
    if input.dim() not in (2, 3) or any(s == 0 for s in input.shape[input.dim() - 2:]):
        raise RuntimeError(f"[{op}] Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for "
                           f"input, but got: {list(input.shape)}")


def _check_1d_window(input, op, k, s, p, d, ceil_mode):
    """PyTorch's checks of a 1-d pooling window (the 2-d op would name itself in the message)."""
    if k <= 0:
        raise RuntimeError(f"[{op}] kernel_size must be greater than zero, but got {k}")
    if s <= 0:
        raise RuntimeError(f"[{op}] stride must be greater than zero, but got {s}")
    if d <= 0:
        raise RuntimeError(f"[{op}] dilation must be greater than zero, but got {d}")
    if p < 0 or p > k // 2:
        raise RuntimeError(f"[{op}] pad should be at most half of effective kernel size, but got padding={p} "
                           f"and kernel_size={k}")
    n = input.shape[-1]
    out = (n + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= n + p:
        out -= 1
    if out < 1:
        raise RuntimeError(f"[{op}] Invalid computed output size: {out} (input size {n}, kernel_size {k}, "
                           f"stride {s}, padding {p}, dilation {d}): kernel larger than the padded input")


def _pool1d_args(input, op, kernel_size, stride, padding, dilation, ceil_mode):
    _check_1d_input(input, op)
    k = _tuple(kernel_size, 1, op, "kernel_size")[0]
    s = k if stride is None or (not isinstance(stride, numbers.Integral) and len(stride) == 0) \
        else _tuple(stride, 1, op, "stride")[0]
    p = _tuple(padding, 1, op, "padding")[0]
    d = _tuple(dilation, 1, op, "dilation")[0]
    _check_1d_window(input, op, k, s, p, d, ceil_mode)
    return [1, k], [1, s], [0, p], [1, d]


def _stride(stride, op):
    if stride is None or (not isinstance(stride, numbers.Integral) and len(stride) == 0):
        return []
    return _tuple(stride, 2, op, "stride")


# ----------------------------------------------------------------------------- max pooling

def max_pool2d_with_indices(input: Tensor, kernel_size: int | Sequence[int], stride: int | Sequence[int] | None = None,
                            padding: int | Sequence[int] = 0, dilation: int | Sequence[int] = 1,
                            ceil_mode: bool = False, return_indices: bool = True) -> tuple[Tensor, Tensor]:
    """(values, indices): indices are int64 positions in the flattened H*W plane of the input."""
    return tg.max_pool2d_with_indices(input, _tuple(kernel_size, 2, "max_pool2d", "kernel_size"),
                                      _stride(stride, "max_pool2d"), _tuple(padding, 2, "max_pool2d", "padding"),
                                      _tuple(dilation, 2, "max_pool2d", "dilation"), ceil_mode)


def max_pool2d(input: Tensor, kernel_size: int | Sequence[int], stride: int | Sequence[int] | None = None,
               padding: int | Sequence[int] = 0, dilation: int | Sequence[int] = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Any:
    values, indices = max_pool2d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)
    return (values, indices) if return_indices else values


def max_pool1d_with_indices(input: Tensor, kernel_size: int | Sequence[int], stride: int | Sequence[int] | None = None,
                            padding: int | Sequence[int] = 0, dilation: int | Sequence[int] = 1,
                            ceil_mode: bool = False, return_indices: bool = True) -> tuple[Tensor, Tensor]:
    k, s, p, d = _pool1d_args(input, "max_pool1d", kernel_size, stride, padding, dilation, ceil_mode)
    values, indices = tg.max_pool2d_with_indices(input.unsqueeze(-2), k, s, p, d, ceil_mode)
    return values.squeeze(-2), indices.squeeze(-2)  # in a (1, L) plane the index is the position along L


def max_pool1d(input: Tensor, kernel_size: int | Sequence[int], stride: int | Sequence[int] | None = None,
               padding: int | Sequence[int] = 0, dilation: int | Sequence[int] = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Any:
    values, indices = max_pool1d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)
    return (values, indices) if return_indices else values


# ----------------------------------------------------------------------------- average pooling

def avg_pool2d(input: Tensor, kernel_size: int | Sequence[int], stride: int | Sequence[int] | None = None,
               padding: int | Sequence[int] = 0, ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    return tg.avg_pool2d(input, _tuple(kernel_size, 2, "avg_pool2d", "kernel_size"), _stride(stride, "avg_pool2d"),
                         _tuple(padding, 2, "avg_pool2d", "padding"), ceil_mode, count_include_pad, divisor_override)


def avg_pool1d(input: Tensor, kernel_size: int | Sequence[int], stride: int | Sequence[int] | None = None,
               padding: int | Sequence[int] = 0, ceil_mode: bool = False, count_include_pad: bool = True) -> Tensor:
    k, s, p, _ = _pool1d_args(input, "avg_pool1d", kernel_size, stride, padding, 1, ceil_mode)
    return tg.avg_pool2d(input.unsqueeze(-2), k, s, p, ceil_mode, count_include_pad).squeeze(-2)


# ----------------------------------------------------------------------------- adaptive pooling

def _adaptive_size(input, output_size, n, op):
    """output_size as n ints; None entries keep the input's size (PyTorch's rule)."""
    if input.dim() not in (n + 1, n + 2):
        raise RuntimeError(f"[{op}] Expected {n + 1}D or {n + 2}D tensor, but got {list(input.shape)}")
    if output_size is None or isinstance(output_size, numbers.Integral):
        sizes = [output_size] * n
    else:
        sizes = list(output_size)
        if len(sizes) == 1:
            sizes = sizes * n
        if len(sizes) != n:
            raise RuntimeError(f"[{op}] output_size must be an int or a tuple of {n} ints, got {tuple(output_size)}")
    return [input.shape[input.dim() - n + i] if v is None else int(v) for i, v in enumerate(sizes)]


def adaptive_avg_pool2d(input: Tensor, output_size: int | Sequence[int]) -> Tensor:
    return tg.adaptive_avg_pool2d(input, _adaptive_size(input, output_size, 2, "adaptive_avg_pool2d"))


def adaptive_avg_pool1d(input: Tensor, output_size: int | Sequence[int]) -> Tensor:
    size = _adaptive_size(input, output_size, 1, "adaptive_avg_pool1d")
    return tg.adaptive_avg_pool2d(input.unsqueeze(-2), [1] + size).squeeze(-2)


def adaptive_max_pool2d_with_indices(input: Tensor, output_size: int | Sequence[int],
                                     return_indices: bool = True) -> tuple[Tensor, Tensor]:
    return tg.adaptive_max_pool2d(input, _adaptive_size(input, output_size, 2, "adaptive_max_pool2d"))


def adaptive_max_pool2d(input: Tensor, output_size: int | Sequence[int], return_indices: bool = False) -> Any:
    values, indices = adaptive_max_pool2d_with_indices(input, output_size)
    return (values, indices) if return_indices else values


def adaptive_max_pool1d_with_indices(input: Tensor, output_size: int | Sequence[int],
                                     return_indices: bool = True) -> tuple[Tensor, Tensor]:
    size = _adaptive_size(input, output_size, 1, "adaptive_max_pool1d")
    values, indices = tg.adaptive_max_pool2d(input.unsqueeze(-2), [1] + size)
    return values.squeeze(-2), indices.squeeze(-2)


def adaptive_max_pool1d(input: Tensor, output_size: int | Sequence[int], return_indices: bool = False) -> Any:
    values, indices = adaptive_max_pool1d_with_indices(input, output_size)
    return (values, indices) if return_indices else values


# ----------------------------------------------------------------------------- pad


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant", value: float | None = None) -> Tensor:
    """torch.nn.functional.pad: pad = (last_left, last_right, 2nd_last_left, ...). Negative
    padding crops. constant pads any number of dims; reflect / replicate / circular pad the last 1,
    2 or 3 dims of a batched or unbatched input. Runs the op tg.pad (one gather kernel; PyTorch's
    checks and messages)."""
    return tg.pad(input, [int(p) for p in pad], mode, None if value is None else float(value))


# ----------------------------------------------------------------------------- interpolate

_INTERP_MODES = ("nearest", "linear", "bilinear", "bicubic", "trilinear", "area", "nearest-exact")


def interpolate(input: Tensor, size: int | Sequence[int] | None = None,
                scale_factor: float | Sequence[float] | None = None, mode: str = "nearest",
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Tensor:
    """torch.nn.functional.interpolate for 3-d and 4-d inputs: nearest, linear (3-d), bilinear
    (4-d) and area. The output size is `size`, or floor(in * scale_factor); a given scale factor
    also sets where output pixels sample the input (1 / scale_factor), unless
    recompute_scale_factor=True."""
    if mode not in _INTERP_MODES:
        raise NotImplementedError(f"[interpolate] Input Error: Only 3D, 4D and 5D input Tensors supported (got "
                                  f"{input.dim()}D) for the modes: {' | '.join(_INTERP_MODES)} (got {mode})")
    if align_corners is not None and mode not in ("linear", "bilinear", "bicubic", "trilinear"):
        raise ValueError("[interpolate] align_corners option can only be set with the interpolating modes: "
                         "linear | bilinear | bicubic | trilinear")
    align_corners = bool(align_corners)
    if antialias:
        raise NotImplementedError("[interpolate] antialias=True is not implemented")
    dim = input.dim() - 2
    if dim < 1:
        raise ValueError(f"[interpolate] expected a 3D or 4D input, got {input.dim()}D")
    in_sizes = list(input.shape[2:])
    if size is not None and scale_factor is not None:
        raise ValueError("[interpolate] only one of size or scale_factor should be defined")
    if size is not None:
        sizes = [size] * dim if isinstance(size, numbers.Integral) else list(size)
        if len(sizes) != dim:
            raise ValueError(f"[interpolate] Input and output must have the same number of spatial dimensions, but "
                             f"got input with spatial dimensions of {in_sizes} and output size of {size}. Please "
                             "provide input tensor in (N, C, d1, d2, ...,dK) format and output size in (o1, o2, "
                             "...,oK) format.")
        out_sizes = [int(s) for s in sizes]
        scales = [None] * dim
    elif scale_factor is not None:
        factors = [scale_factor] * dim if isinstance(scale_factor, numbers.Real) else list(scale_factor)
        if len(factors) != dim:
            raise ValueError(f"[interpolate] Input and scale_factor must have the same number of spatial dimensions, "
                             f"but got input with spatial dimensions of {in_sizes} and scale_factor of "
                             f"{scale_factor}.")
        out_sizes = [math.floor(float(n) * float(f)) for n, f in zip(in_sizes, factors)]
        scales = [None] * dim if recompute_scale_factor else [float(f) for f in factors]
    else:
        raise ValueError("[interpolate] either size or scale_factor should be defined")
    if dim > 2 or mode in ("bicubic", "trilinear", "nearest-exact"):
        raise NotImplementedError(f"[interpolate] mode '{mode}' on a {input.dim()}D input is not implemented "
                                  "(nearest, linear, bilinear and area are)")
    if mode == "linear" and dim != 1:
        raise NotImplementedError(f"[interpolate] Got {input.dim()}D input, but linear mode needs 3D input")
    if mode == "bilinear" and dim != 2:
        raise NotImplementedError(f"[interpolate] Got {input.dim()}D input, but bilinear mode needs 4D input")
    if mode == "area":
        return adaptive_avg_pool1d(input, out_sizes) if dim == 1 else adaptive_avg_pool2d(input, out_sizes)
    # the 1-d modes run on a (1, L) plane: along the unit dim every output reads source 0
    x = input.unsqueeze(-2) if dim == 1 else input
    if dim == 1:
        out_sizes, scales = [1] + out_sizes, [None] + scales
    if mode == "nearest":
        y = tg.upsample_nearest2d(x, out_sizes, scales[0], scales[1])
    else:
        y = tg.upsample_bilinear2d(x, out_sizes, align_corners, scales[0], scales[1])
    return y.squeeze(-2) if dim == 1 else y


# ----------------------------------------------------------------------------- pixel shuffle

def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """(*, C*r*r, H, W) -> (*, C, H*r, W*r) (the op tg.pixel_shuffle)."""
    return tg.pixel_shuffle(input, int(upscale_factor))


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """(*, C, H*r, W*r) -> (*, C*r*r, H, W) (the op tg.pixel_unshuffle)."""
    return tg.pixel_unshuffle(input, int(downscale_factor))
