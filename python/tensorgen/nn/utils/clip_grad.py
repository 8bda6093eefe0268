"""clip_grad_norm_ / clip_grad_value_ (torch.nn.utils's): scale or clamp .grad in place."""
from __future__ import annotations

from typing import Iterable

from tensorgen import _C
from tensorgen._tensor import Tensor
from tensorgen.autograd.grad_mode import no_grad

__all__ = ["clip_grad_norm_", "clip_grad_value_", "clip_grads_with_norm_", "get_total_norm"]


def _tensors(parameters) -> list[Tensor]:
    if isinstance(parameters, Tensor):
        return [parameters]
    return list(parameters)


def get_total_norm(tensors: Tensor | Iterable[Tensor], norm_type: float = 2.0, error_if_nonfinite: bool = False,
                   foreach: bool | None = None) -> Tensor:
    """The norm of the norms of tensors: the norm of all of them concatenated into one vector."""
    tensors = [t for t in _tensors(tensors) if t is not None]
    norm_type = float(norm_type)
    if len(tensors) == 0:
        return _C.zeros([])
    with no_grad():
        norms = [_C.linalg_vector_norm(t, norm_type) for t in tensors]
        device = tensors[0].device
        if any(n.device != device for n in norms):
            norms = [n.to(device) for n in norms]
        total_norm = _C.linalg_vector_norm(_C.stack(norms), norm_type)
    if error_if_nonfinite and not bool(_C.isfinite(total_norm)):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so it "
                           "cannot be clipped. To disable this error and scale the gradients by the non-finite norm "
                           "anyway, set `error_if_nonfinite=False`")
    return total_norm


def clip_grads_with_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float, total_norm: Tensor,
                          foreach: bool | None = None) -> None:
    """Scales every .grad by min(1, max_norm / (total_norm + 1e-6)), in place."""
    grads = [p.grad for p in _tensors(parameters) if p.grad is not None]
    if not grads:
        return
    with no_grad():
        clip_coef = float(max_norm) / (total_norm + 1e-6)
        # a tensor, not a Python float: no host sync, as in PyTorch
        clip_coef_clamped = _C.clamp_max(clip_coef, 1.0)
        for g in grads:
            g.mul_(clip_coef_clamped.to(g.device) if g.device != clip_coef_clamped.device else clip_coef_clamped)


def clip_grad_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False, foreach: bool | None = None) -> Tensor:
    """Rescales the gradients so that their total norm (of order norm_type, all gradients as one
    vector) is at most max_norm; returns the total norm before clipping."""
    parameters = _tensors(parameters)
    grads = [p.grad for p in parameters if p.grad is not None]
    total_norm = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(parameters, max_norm, total_norm, foreach)
    return total_norm


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float, foreach: bool | None = None) -> None:
    """Clamps every gradient into [-clip_value, clip_value], in place."""
    clip_value = float(clip_value)
    with no_grad():
        for p in _tensors(parameters):
            if p.grad is not None:
                p.grad.clamp_(-clip_value, clip_value)
