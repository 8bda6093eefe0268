"""SGD with momentum, dampening, Nesterov momentum, weight decay and maximize (torch.optim.SGD)."""
from __future__ import annotations

import tensorgen as tg
from tensorgen.optim.optimizer import Optimizer, ParamsT, _check_implementation_options, _check_lr, _scalar

__all__ = ["SGD"]


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with momentum (PyTorch's formulation)::

        g = grad (+ weight_decay * p);  b = g on the first step, else momentum * b + (1 - dampening) * g
        g = g + momentum * b (nesterov) or b;  p = p - lr * g      (maximize: grad -> -grad)

    Each group is updated by one ``tg._C._fused_sgd_`` call."""

    def __init__(self, params: ParamsT, lr: float | tg.Tensor = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False, *, maximize: bool = False,
                 foreach: bool | None = None, differentiable: bool = False, fused: bool | None = None) -> None:
        _check_lr(lr)
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay, nesterov=nesterov,
                        maximize=maximize, foreach=foreach, differentiable=differentiable, fused=fused)
        _check_implementation_options("SGD", defaults)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("nesterov", False)
            group.setdefault("maximize", False)

    def _update_group(self, group):
        momentum = group["momentum"]
        # Parameters whose buffer exists, and those whose buffer starts now (it takes the gradient):
        # two calls only in the step where some parameter gets its first gradient late.
        old = ([], [], [])
        new = ([], [], [])
        for p in group["params"]:
            g = p.grad
            if g is None:
                continue
            if momentum != 0:
                state = self.state[p]
                buf = state.get("momentum_buffer")
                if buf is None:
                    buf = state["momentum_buffer"] = tg.empty_like(p)
                    lists = new
                else:
                    lists = old
                lists[2].append(buf)
            else:
                lists = old
            lists[0].append(p)
            lists[1].append(g)
        options = dict(lr=_scalar(group["lr"]), momentum=float(momentum), dampening=float(group["dampening"]),
                       weight_decay=_scalar(group["weight_decay"]), nesterov=bool(group["nesterov"]),
                       maximize=bool(group["maximize"]))
        for lists, first in ((old, False), (new, True)):
            for params, grads, bufs in self._fused_groups(list(lists)):
                tg._C._fused_sgd_(params, grads, bufs, is_first_step=first, **options)
