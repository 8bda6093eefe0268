"""parameters_to_vector / vector_to_parameters (torch.nn.utils's)."""
from __future__ import annotations

from typing import Iterable

from tensorgen import _C
from tensorgen._tensor import Tensor
from tensorgen.autograd.grad_mode import no_grad

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def _check_param_device(param: Tensor, old_device):
    device = param.device
    if old_device is not None and device != old_device:
        raise TypeError(f"Found two parameters on different devices ({old_device} and {device}), this is "
                        "currently not supported.")
    return device


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All parameters flattened and concatenated into one 1-D tensor (differentiable)."""
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    param_device = None
    vec = []
    for param in parameters:
        param_device = _check_param_device(param, param_device)
        vec.append(param.reshape(-1))
    return _C.cat(vec)


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copies consecutive slices of the 1-D vec into the parameters (the inverse of
    parameters_to_vector). vec must have exactly as many elements as the parameters together."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec).__name__}")
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    parameters = list(parameters)
    total = sum(p.numel() for p in parameters)
    if vec.dim() != 1 or vec.numel() != total:
        raise RuntimeError(f"[vector_to_parameters] vec must be a 1-D tensor of {total} elements (the parameters' "
                           f"total), got shape {list(vec.shape)}")
    param_device = None
    pointer = 0
    with no_grad():
        for param in parameters:
            param_device = _check_param_device(param, param_device)
            num_param = param.numel()
            param.copy_(vec[pointer:pointer + num_param].view(tuple(param.shape)))
            pointer += num_param
