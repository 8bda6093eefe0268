"""Adagrad (torch.optim.Adagrad): lr_decay, weight decay, initial_accumulator_value, eps, maximize."""
from __future__ import annotations

import tensorgen as tg
from tensorgen.optim.optimizer import Optimizer, ParamsT, _check_implementation_options, _check_lr, _scalar

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Adagrad (Duchi et al.), in PyTorch's formulation::

        g = grad (+ weight_decay * p);  t += 1;  clr = lr / (1 + (t - 1) * lr_decay)
        s = s + g * g;  p = p - clr * g / (sqrt(s) + eps)       (s starts at initial_accumulator_value)

    As in PyTorch, the state (step and sum) of every parameter is created with the optimizer.
    Each group is updated by one ``tg._C._fused_adagrad_`` call."""

    def __init__(self, params: ParamsT, lr: float | tg.Tensor = 1e-2, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10, foreach: bool | None = None, *,
                 maximize: bool = False, differentiable: bool = False, fused: bool | None = None) -> None:
        _check_lr(lr)
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(f"Invalid initial_accumulator_value value: {initial_accumulator_value}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, fused=fused)
        _check_implementation_options("Adagrad", defaults)
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p, group)

    def _init_state(self, p, group):
        state = self.state[p]
        state["step"] = tg.tensor(0.0, dtype=tg.float32)
        init = group["initial_accumulator_value"]
        state["sum"] = tg.full_like(p, init) if init != 0 else tg.zeros_like(p)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("maximize", False)

    def _update_group(self, group):
        params, grads, sums, steps = [], [], [], []
        for p in group["params"]:
            g = p.grad
            if g is None:
                continue
            state = self.state[p]
            if "sum" not in state:  # a group added after construction
                self._init_state(p, group)
            params.append(p)
            grads.append(g)
            sums.append(state["sum"])
            steps.append(self._state_steps(state))
        options = dict(lr=_scalar(group["lr"]), lr_decay=float(group["lr_decay"]),
                       weight_decay=_scalar(group["weight_decay"]), eps=float(group["eps"]),
                       maximize=bool(group["maximize"]))
        for lists in self._fused_groups([params, grads, sums, steps]):
            tg._C._fused_adagrad_(*lists, **options)
