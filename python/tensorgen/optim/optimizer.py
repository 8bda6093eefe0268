"""Optimizer: the base class of tg.optim, with torch.optim.Optimizer's behaviour.

Parameter groups are dicts (``params`` plus per-group options, the defaults filled in), the state
is a dict keyed by parameter, and ``state_dict()`` / ``load_state_dict()`` use PyTorch's layout:
``{"state": {index: {...}}, "param_groups": [{..., "params": [indices]}]}`` with parameters
numbered in group order, so a state dict moves between tensorgen and PyTorch.

The update of a group is one call of a fused multi-tensor op (``tg._C._fused_adam_`` ...) over every
parameter that has a gradient (DESIGN.md §12), instead of a Python loop of small ops per
parameter; subclasses gather the lists and call ``_fused_groups`` (one call per device and dtype,
so normally one per group).
"""
from __future__ import annotations

import copy
from collections import defaultdict
from itertools import chain
from typing import Any, Callable, Iterable, Union

import tensorgen as tg
from tensorgen.autograd._param_grads import clear_grads

__all__ = ["Optimizer", "required"]

# What an optimizer takes: tensors, or dicts defining parameter groups ({"params": [...], "lr": ...}).
ParamsT = Union[Iterable["tg.Tensor"], Iterable[dict[str, Any]]]


class _RequiredParameter:
    """Marks an option without a default that every group must give (SGD's lr in older torch)."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()

# Options PyTorch keeps in every group that select an implementation, not the arithmetic: they are
# accepted (so code and state dicts written for torch work) and stored; tensorgen always runs its
# fused kernel, which computes what torch's default path computes.
_IMPLEMENTATION_OPTIONS = ("foreach", "capturable", "differentiable", "fused")


def _typename(obj) -> str:
    t = type(obj)
    return t.__name__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


def _check_implementation_options(name: str, defaults: dict) -> None:
    if defaults.get("differentiable"):
        raise NotImplementedError(f"{name}: differentiable=True is not supported (the fused update is not "
                                  "recorded by autograd)")


def _check_lr(lr) -> None:
    if isinstance(lr, tg.Tensor):
        if lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        lr = lr.item()
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")


def _scalar(v) -> float:
    """A group option as a Python float (a 1-element tensor lr is allowed, as in PyTorch)."""
    return float(v.item()) if isinstance(v, tg.Tensor) else float(v)


class Optimizer:
    """Base class of all optimizers.

    Args:
        params: an iterable of tensors, or of dicts defining parameter groups
        defaults: the default options of every group
    """

    def __init__(self, params: ParamsT, defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self.state: defaultdict = defaultdict(dict)
        self.param_groups: list[dict] = []
        if isinstance(params, tg.Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, "
                            f"but got {_typename(params)}")
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    # ------------------------------------------------------------------------- groups
    def add_param_group(self, param_group: dict) -> None:
        """Adds a group (a dict with ``params`` and any options; missing options take the defaults).

        Raises TypeError for a non-tensor parameter, ValueError for a non-leaf tensor, a parameter
        already in this or another group, or a missing required option."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {_typename(param_group)}")
        params = param_group["params"]
        if isinstance(params, tg.Tensor):
            param_group["params"] = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the ordering of "
                            "tensors in sets will change between runs. Please use a list instead.")
        else:
            param_group["params"] = list(params)
        for i, param in enumerate(param_group["params"]):
            if not isinstance(param, tg.Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but one of the params is {_typename(param)}")
            if not (param.is_leaf or param.retains_grad):
                raise ValueError(f"can't optimize a non-leaf Tensor (params[{i}] of shape {list(param.shape)} "
                                 f"has grad_fn {type(param.grad_fn).__name__})")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter {name}")
            param_group.setdefault(name, default)
        params = param_group["params"]
        ids = [id(p) for p in params]
        if len(ids) != len(set(ids)):
            # PyTorch warns here and announces an error; the fused update would apply a parameter
            # given twice twice within one step, so tensorgen refuses it now.
            dup = next(i for i, x in enumerate(ids) if ids.index(x) != i)
            raise ValueError(f"optimizer contains a parameter group with duplicate parameters (params[{dup}] is "
                             f"params[{ids.index(ids[dup])}])")
        seen = {id(p) for group in self.param_groups for p in group["params"]}
        if not seen.isdisjoint(ids):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    def __getstate__(self):
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state):
        self.__dict__.update(state)

    def __repr__(self) -> str:
        lines = [self.__class__.__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(group.keys()):
                if key != "params":
                    lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)

    # ------------------------------------------------------------------------- gradients
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Resets the gradients of all parameters: to None (the default), or to zeros."""
        clear_grads((p for group in self.param_groups for p in group["params"]), set_to_none)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One update of every parameter that has a gradient; returns closure()'s loss if given.
        Each group is one fused op call: subclasses implement _update_group."""
        loss = self._closure_loss(closure)
        with tg.no_grad():
            for group in self.param_groups:
                self._update_group(group)
        return loss

    def _update_group(self, group):
        raise NotImplementedError(f"{self.__class__.__name__} must define _update_group (or override step)")

    @staticmethod
    def _closure_loss(closure):
        if closure is None:
            return None
        with tg.enable_grad():
            return closure()

    # ------------------------------------------------------------------------- state dicts
    def state_dict(self) -> dict[str, Any]:
        """The state in PyTorch's layout: parameters replaced by their index (in group order).
        The state tensors are the optimizer's own (not copies), as in PyTorch."""
        index: dict[int, int] = {}
        start = 0

        def pack_group(group):
            nonlocal start
            packed = {k: v for k, v in group.items() if k != "params"}
            for i, p in enumerate(group["params"], start):
                index.setdefault(id(p), i)
            packed["params"] = [index[id(p)] for p in group["params"]]
            start += len(packed["params"])
            return packed

        param_groups = [pack_group(g) for g in self.param_groups]
        state = {(index[id(k)] if isinstance(k, tg.Tensor) else k): v for k, v in self.state.items()}
        return {"state": state, "param_groups": param_groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Loads a state dict written by ``state_dict()`` (here or by PyTorch). The groups must
        match in number and size; options come from the dict, state tensors are copied onto
        each parameter's device and dtype (``step`` stays a float32 CPU tensor)."""
        if not isinstance(state_dict, dict) or "state" not in state_dict or "param_groups" not in state_dict:
            raise ValueError("optimizer state dict must be a dict with keys 'state' and 'param_groups'")
        groups = self.param_groups
        saved_groups = copy.deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError(f"loaded state dict has a different number of parameter groups ({len(saved_groups)}) "
                             f"than the optimizer ({len(groups)})")
        for i, (g, sg) in enumerate(zip(groups, saved_groups)):
            if len(g["params"]) != len(sg["params"]):
                raise ValueError("loaded state dict contains a parameter group that doesn't match the size of "
                                 f"optimizer's group (group {i}: {len(sg['params'])} saved, {len(g['params'])} here)")
        id_map = dict(zip(chain.from_iterable(g["params"] for g in saved_groups),
                          chain.from_iterable(g["params"] for g in groups)))
        state: defaultdict = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                param = id_map[k]
                state[param] = {key: self._cast_state(param, key, value) for key, value in v.items()}
            else:
                state[k] = v
        new_groups = []
        for g, sg in zip(groups, saved_groups):
            sg["params"] = g["params"]
            new_groups.append(sg)
        self.__setstate__({"state": state, "param_groups": new_groups})

    @staticmethod
    def _cast_state(param, key, value):
        if key == "step":
            # PyTorch's state['step'] is a float32 CPU tensor; older checkpoints hold a number.
            if isinstance(value, tg.Tensor):
                return value.detach().to(device="cpu", dtype=tg.float32, copy=True)
            return tg.tensor(float(value), dtype=tg.float32)
        if isinstance(value, tg.Tensor):
            dtype = param.dtype if param.is_floating_point() else value.dtype
            return value.detach().to(device=param.device, dtype=dtype, copy=True)
        return copy.deepcopy(value)

    # ------------------------------------------------------------------------- helpers for subclasses
    def _state_steps(self, state) -> tg.Tensor:
        step = state.get("step")
        if step is None:
            step = state["step"] = tg.tensor(0.0, dtype=tg.float32)
        elif not isinstance(step, tg.Tensor):
            step = state["step"] = tg.tensor(float(step), dtype=tg.float32)
        return step

    @staticmethod
    def _fused_groups(lists: list[list]):
        """Splits parallel lists (lists[0] the parameters) by the parameters' device and dtype:
        yields the lists of each bucket (normally one bucket holding everything)."""
        params = lists[0]
        if not params:
            return
        def key(p):
            d = p.device
            return d.type, d.index, p.dtype
        key0 = key(params[0])
        if all(key(p) == key0 for p in params):
            yield lists
            return
        buckets: dict = {}
        for i, p in enumerate(params):
            buckets.setdefault(key(p), []).append(i)
        for idx in buckets.values():
            yield [[lst[i] for i in idx] if lst else [] for lst in lists]
