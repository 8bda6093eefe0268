"""RMSprop (torch.optim.RMSprop): alpha, eps, weight decay, momentum, centered, maximize."""
from __future__ import annotations

import tensorgen as tg
from tensorgen.optim.optimizer import Optimizer, ParamsT, _check_implementation_options, _check_lr, _scalar

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """RMSprop (Hinton), in PyTorch's formulation::

        g = grad (+ weight_decay * p);  v = alpha * v + (1 - alpha) * g * g
        centered: a = lerp(a, g, 1 - alpha), d = sqrt(v - a * a) + eps;  else d = sqrt(v) + eps
        momentum > 0: b = momentum * b + g / d, p = p - lr * b;  else p = p - lr * g / d

    Each group is updated by one ``tg._C._fused_rmsprop_`` call."""

    def __init__(self, params: ParamsT, lr: float | tg.Tensor = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False, differentiable: bool = False) -> None:
        _check_lr(lr)
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered, weight_decay=weight_decay,
                        capturable=capturable, foreach=foreach, maximize=maximize, differentiable=differentiable)
        _check_implementation_options("RMSprop", defaults)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("momentum", 0)
            group.setdefault("centered", False)
            group.setdefault("maximize", False)

    def _update_group(self, group):
        momentum, centered = group["momentum"], bool(group["centered"])
        params, grads, square_avgs, grad_avgs, bufs, steps = [], [], [], [], [], []
        for p in group["params"]:
            g = p.grad
            if g is None:
                continue
            state = self.state[p]
            if len(state) == 0:
                state["step"] = tg.tensor(0.0, dtype=tg.float32)
                state["square_avg"] = tg.zeros_like(p)
            if momentum > 0 and "momentum_buffer" not in state:
                state["momentum_buffer"] = tg.zeros_like(p)
            if centered and "grad_avg" not in state:
                state["grad_avg"] = tg.zeros_like(p)
            params.append(p)
            grads.append(g)
            square_avgs.append(state["square_avg"])
            if centered:
                grad_avgs.append(state["grad_avg"])
            if momentum > 0:
                bufs.append(state["momentum_buffer"])
            steps.append(self._state_steps(state))
        options = dict(lr=_scalar(group["lr"]), alpha=float(group["alpha"]), eps=float(group["eps"]),
                       weight_decay=_scalar(group["weight_decay"]), momentum=float(momentum), centered=centered,
                       maximize=bool(group["maximize"]))
        for lists in self._fused_groups([params, grads, square_avgs, grad_avgs, bufs, steps]):
            tg._C._fused_rmsprop_(*lists, **options)
