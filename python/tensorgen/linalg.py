"""tg.linalg: linear algebra under PyTorch's torch.linalg names, plus the Python side of
tg.tensordot (whose dims may be an int, as in PyTorch).

Norms (linalg.vector_norm / linalg.norm) are not here yet: they need the reductions with extra
arguments (p, ord) that another part of issue 9 adds.
"""
from __future__ import annotations

import builtins

from tensorgen import _C
from tensorgen._tensor import Tensor

__all__ = ["cross"]

# cross(input, other, *, dim=-1, out=None): the generated op linalg_cross.
cross = _C.linalg_cross


def einsum(equation, *operands):
    """Einstein summation (PyTorch's torch.einsum): the operands as one list or as arguments.

        >>> tg.einsum("ij,jk->ik", a, b)          # same as tg.einsum("ij,jk->ik", [a, b])
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = operands[0]
    return _C.einsum(equation, list(operands))


def tensordot(a, b, dims=2, dims_other=None, *, out=None):
    """Sums the products of a's and b's elements over the given dims (PyTorch's torch.tensordot).

    dims: an int n (the last n dims of a with the first n of b), a pair of lists ([dims of a],
    [dims of b]), or the two lists as two arguments (the schema's tensordot(self, other,
    dims_self, dims_other)).

        >>> tg.tensordot(tg.ones(2, 3, 4), tg.ones(3, 4, 5), dims=2).shape
        tg.Size([2, 5])
    """
    if dims_other is not None:
        dims_a, dims_b = dims, dims_other
    elif isinstance(dims, builtins.bool) or not isinstance(dims, (builtins.int, list, tuple)):
        raise TypeError(f"[tensordot] dims must be an int or a pair of lists of dims, but got "
                        f"{type(dims).__name__}")
    elif isinstance(dims, builtins.int):
        for name, t in (("a", a), ("b", b)):
            if not isinstance(t, Tensor):
                raise TypeError(f"[tensordot] argument '{name}' must be Tensor, not {type(t).__name__}")
        if dims < 0:
            raise RuntimeError(f"[tensordot] expects dims >= 0, but got dims={dims}")
        if dims > a.dim() or dims > b.dim():
            raise RuntimeError(f"[tensordot] expects dims <= the number of dims of both tensors "
                               f"({a.dim()} and {b.dim()}), but got dims={dims}")
        dims_a, dims_b = list(range(a.dim() - dims, a.dim())), list(range(dims))
    else:
        if len(dims) != 2:
            raise RuntimeError(f"[tensordot] dims must be a pair of lists of dims, but got {len(dims)} "
                               f"entries")
        dims_a, dims_b = dims
    # (1, 0) means ([1], [0]), as in PyTorch
    dims_a = [dims_a] if isinstance(dims_a, builtins.int) else list(dims_a)
    dims_b = [dims_b] if isinstance(dims_b, builtins.int) else list(dims_b)
    if out is None:
        return _C.tensordot(a, b, dims_a, dims_b)
    return _C.tensordot(a, b, dims_a, dims_b, out=out)
