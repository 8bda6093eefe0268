"""Clearing .grad, shared by Module.zero_grad and Optimizer.zero_grad (PyTorch's semantics)."""
from __future__ import annotations


def clear_grads(params, set_to_none: bool = True) -> None:
    """Every parameter's .grad to None (the default), or to zeros in place: a gradient that has a
    history (create_graph) is detached first, as PyTorch does, so zeroing never records a node."""
    for p in params:
        if p.grad is None:
            continue
        if set_to_none:
            p.grad = None
            continue
        g = p.grad
        if g.grad_fn is not None:
            g = g.detach()
            p.grad = g
        else:
            g.requires_grad_(False)
        g.zero_()
