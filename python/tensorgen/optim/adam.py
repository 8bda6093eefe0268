"""Adam and AdamW (torch.optim.Adam / AdamW): amsgrad, weight decay (L2 or decoupled), maximize."""
from __future__ import annotations

import tensorgen as tg
from tensorgen.optim.optimizer import Optimizer, ParamsT, _check_implementation_options, _check_lr, _scalar

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    """Adam (Kingma & Ba), in PyTorch's formulation::

        g = grad (+ weight_decay * p, or p *= 1 - lr * weight_decay when decoupled);  t += 1
        m = lerp(m, g, 1 - beta1);  v = beta2 * v + (1 - beta2) * g * g;  (amsgrad: v_max = max(v_max, v))
        p = p - lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)

    Each group is updated by one ``tg._C._fused_adam_`` call."""

    def __init__(self, params: ParamsT, lr: float | tg.Tensor = 1e-3,
                 betas: tuple[float | tg.Tensor, float | tg.Tensor] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, capturable: bool = False, differentiable: bool = False,
                 fused: bool | None = None, decoupled_weight_decay: bool = False) -> None:
        _check_lr(lr)
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= _scalar(betas[0]) < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= _scalar(betas[1]) < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad, maximize=maximize,
                        foreach=foreach, capturable=capturable, differentiable=differentiable, fused=fused,
                        decoupled_weight_decay=decoupled_weight_decay)
        _check_implementation_options(type(self).__name__, defaults)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("amsgrad", False)
            group.setdefault("maximize", False)
            group.setdefault("decoupled_weight_decay", isinstance(self, AdamW))

    def _update_group(self, group):
        amsgrad = bool(group["amsgrad"])
        params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps = [], [], [], [], [], []
        for p in group["params"]:
            g = p.grad
            if g is None:
                continue
            state = self.state[p]
            if len(state) == 0:
                state["step"] = tg.tensor(0.0, dtype=tg.float32)
                state["exp_avg"] = tg.zeros_like(p)
                state["exp_avg_sq"] = tg.zeros_like(p)
                if amsgrad:
                    state["max_exp_avg_sq"] = tg.zeros_like(p)
            elif amsgrad and "max_exp_avg_sq" not in state:  # amsgrad switched on later
                state["max_exp_avg_sq"] = tg.zeros_like(p)
            params.append(p)
            grads.append(g)
            exp_avgs.append(state["exp_avg"])
            exp_avg_sqs.append(state["exp_avg_sq"])
            if amsgrad:
                max_exp_avg_sqs.append(state["max_exp_avg_sq"])
            steps.append(self._state_steps(state))
        beta1, beta2 = group["betas"]
        options = dict(lr=_scalar(group["lr"]), beta1=_scalar(beta1), beta2=_scalar(beta2),
                       weight_decay=_scalar(group["weight_decay"]), eps=float(group["eps"]), amsgrad=amsgrad,
                       maximize=bool(group["maximize"]), decoupled_weight_decay=bool(group["decoupled_weight_decay"]))
        for lists in self._fused_groups([params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps]):
            tg._C._fused_adam_(*lists, **options)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): p *= 1 - lr * weight_decay before
    the Adam update. The default weight_decay is 1e-2, as in PyTorch."""

    def __init__(self, params: ParamsT, lr: float | tg.Tensor = 1e-3,
                 betas: tuple[float | tg.Tensor, float | tg.Tensor] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False,
                 foreach: bool | None = None, capturable: bool = False, differentiable: bool = False,
                 fused: bool | None = None) -> None:
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                         foreach=foreach, maximize=maximize, capturable=capturable, differentiable=differentiable,
                         fused=fused, decoupled_weight_decay=True)
