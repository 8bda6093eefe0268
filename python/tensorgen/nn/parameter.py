"""tg.nn.Parameter: the tensors that a Module registers when they are assigned to it.

A Parameter is a real Tensor (a subclass of tensorgen.Tensor), so every op, autograd and
`isinstance(p, tg.Tensor)` work on it unchanged. Tensors are created in C++, so a Parameter is made
the way PyTorch's `Tensor._make_subclass` makes one: a detached alias of the data (same storage,
no autograd history) whose Python class is switched to Parameter. The alias is a leaf, so its
`.grad` accumulates and an optimizer can update it in place; in-place ops return the same object,
so a Parameter stays a Parameter through `p.mul_(...)`, `p.requires_grad_()` and the like.
"""
from __future__ import annotations

from tensorgen import _C
from tensorgen._tensor import Tensor

__all__ = ["Parameter"]


class Parameter(Tensor):
    """Parameter(data=None, requires_grad=True): a tensor that is a module parameter.

    Assigned as a Module attribute it is registered in `parameters()` and `state_dict()`.
    It shares data's storage (like torch.nn.Parameter) and is a leaf that requires grad.
    """

    __slots__ = ()

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True):
        if data is None:
            data = _C.empty([0])
        if not isinstance(data, Tensor):
            raise TypeError(f"[Parameter] data must be a tensorgen.Tensor, got {type(data).__name__}")
        param = data.detach()  # same storage, no history: a leaf
        param.__class__ = cls
        if requires_grad:
            # integer and bool tensors cannot require grad: the op raises PyTorch's RuntimeError
            param.requires_grad_(True)
        return param

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True):
        # everything is done in __new__; this only stops TensorBase's __init__ seeing the arguments
        pass

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        result = type(self)(self.detach().clone(), self.requires_grad)
        memo[id(self)] = result
        return result

    def __reduce_ex__(self, protocol):
        # pickles as a plain tensor (detach() returns a Tensor, not a Parameter) plus the flag,
        # and comes back as a Parameter
        return (_rebuild_parameter, (self.detach().clone(), self.requires_grad))


def _rebuild_parameter(data: Tensor, requires_grad: bool) -> Parameter:
    return Parameter(data, requires_grad)
