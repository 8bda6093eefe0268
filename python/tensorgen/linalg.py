"""tg.linalg: linear algebra under PyTorch's torch.linalg names, plus the Python side of
tg.tensordot (whose dims may be an int, as in PyTorch), tg.norm and tg.meshgrid (varargs).

Norms: vector_norm is the generated op linalg_vector_norm; linalg.norm, linalg.matrix_norm and
tg.norm are PyTorch's thin Python front ends over it (matrix 'fro' is the 2-norm over two dims;
the 1 / inf matrix norms are max column / row sums; 2, -2 and 'nuc' need an SVD: not here).
"""
from __future__ import annotations

import builtins
from typing import Sequence

from tensorgen import _C
from tensorgen._tensor import Tensor

__all__ = ["cross", "vector_norm", "matrix_norm", "norm"]

# cross(input, other, *, dim=-1, out=None): the generated op linalg_cross.
cross = _C.linalg_cross

# vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None, out=None): the generated op.
vector_norm = _C.linalg_vector_norm


def _dims(dim):
    return [dim] if isinstance(dim, builtins.int) else list(dim)


def matrix_norm(A: Tensor, ord: str | float = "fro", dim: tuple[int, int] = (-2, -1), keepdim: bool = False, *,
                dtype: _C.dtype | None = None, out: Tensor | None = None) -> Tensor:
    """Matrix norm over two dims (PyTorch's torch.linalg.matrix_norm): 'fro', 1, -1, inf, -inf.
    'nuc', 2 and -2 need singular values, which tensorgen does not compute yet."""
    dim = _dims(dim)
    if len(dim) != 2:
        raise RuntimeError(f"[linalg.matrix_norm] dim must be a 2-tuple. Got {tuple(dim)}")
    if A.dim() < 2:
        raise RuntimeError(f"[linalg.matrix_norm] The input tensor A must have at least 2 dimensions.")
    d0, d1 = (d % A.dim() for d in dim)
    if d0 == d1:
        raise RuntimeError(f"[linalg.matrix_norm] dims must be different. Got ({dim[0]}, {dim[1]})")
    if dtype is not None:
        A = A.to(dtype)
    kw = {} if out is None else {"out": out}
    if ord == "fro":
        return _C.linalg_vector_norm(A, 2, [d0, d1], keepdim, **kw)
    elif ord in ("nuc", 2, -2):
        raise NotImplementedError(f"[linalg.matrix_norm] ord={ord!r} needs the singular values (an SVD), which "
                                  f"tensorgen does not compute yet")
    elif isinstance(ord, str) or abs(ord) not in (1, float("inf")):
        raise RuntimeError(f"[linalg.matrix_norm] Order {ord} not supported.")
    else:
        # 1: the largest column sum of |A| (sum over d0, then max over d1); inf: of the row sums.
        if abs(ord) == float("inf"):
            d0, d1 = d1, d0
        if not keepdim and d0 < d1:
            d1 -= 1
        reduce = _C.amax if ord > 0 else _C.amin
        return reduce(_C.sum(_C.abs(A), [d0], keepdim), [d1], keepdim, **kw)


def norm(A: Tensor, ord: str | float | None = None, dim: int | Sequence[int] | None = None, keepdim: bool = False, *,
         dtype: _C.dtype | None = None, out: Tensor | None = None) -> Tensor:
    """PyTorch's torch.linalg.norm: a vector norm when dim is an int (or ord is None and dim is
    None: the 2-norm of all elements), a matrix norm over two dims (dim a pair, or a 2-d input
    with dim None and ord given)."""
    if dim is not None:
        dim = _dims(dim)
    if ord is None or (dim is not None and len(dim) == 1) or (dim is None and A.dim() == 1):
        if isinstance(ord, str):
            raise RuntimeError(f"[linalg.norm] ord={ord!r} is a matrix norm, but the input is a vector")
        if dim is not None and len(dim) == 2 and ord is None:
            return matrix_norm(A, "fro", dim, keepdim, dtype=dtype, out=out)
        args = (A, 2 if ord is None else ord, dim, keepdim)
        return _C.linalg_vector_norm(*args, dtype=dtype) if out is None else \
            _C.linalg_vector_norm(*args, dtype=dtype, out=out)
    if dim is None:
        if A.dim() != 2:
            raise RuntimeError(f"[linalg.norm] If dim is not specified but ord is, the input must be 1D or 2D. "
                               f"Got {A.dim()}D.")
        dim = [-2, -1]
    return matrix_norm(A, ord, dim, keepdim, dtype=dtype, out=out)


def _tg_norm(input: Tensor, p: str | float | None = "fro", dim: int | Sequence[int] | None = None,
             keepdim: bool = False, out: Tensor | None = None, dtype: _C.dtype | None = None) -> Tensor:
    """PyTorch's torch.norm (tg.norm, x.norm): p a number (a vector norm over dim, or over all
    elements) or 'fro' (the 2-norm over dim, at most two dims, or over all elements)."""
    if p == "fro":
        if dim is not None and len(_dims(dim)) > 2:
            raise RuntimeError(f"[norm] 'fro' norm expects at most two dims, got {len(_dims(dim))}")
        p = 2
    elif p == "nuc":
        return matrix_norm(input, "nuc", dim if dim is not None else (-2, -1), keepdim, dtype=dtype, out=out)
    elif isinstance(p, str):
        raise RuntimeError(f"[norm] p must be a number, 'fro' or 'nuc', got {p!r}")
    if dim is not None:
        dim = _dims(dim)
    if out is None:
        return _C.linalg_vector_norm(input, p, dim, keepdim, dtype=dtype)
    return _C.linalg_vector_norm(input, p, dim, keepdim, dtype=dtype, out=out)


def meshgrid(*tensors: Tensor | Sequence[Tensor], indexing: str | None = None) -> tuple[Tensor, ...]:
    """Coordinate grids from 0-d/1-d tensors (PyTorch's torch.meshgrid): the tensors as arguments
    or as one list; indexing 'ij' (the default) or 'xy' (the first two dims swapped)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tensors[0]
    return tuple(_C.meshgrid(list(tensors), indexing=indexing))


def einsum(equation: str, *operands: Tensor | Sequence[Tensor]) -> Tensor:
    """Einstein summation (PyTorch's torch.einsum): the operands as one list or as arguments.

        >>> tg.einsum("ij,jk->ik", a, b)          # same as tg.einsum("ij,jk->ik", [a, b])
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = operands[0]
    return _C.einsum(equation, list(operands))


def tensordot(a: Tensor, b: Tensor, dims: int | Sequence[int] | Sequence[Sequence[int]] = 2,
              dims_other: Sequence[int] | None = None, *, out: Tensor | None = None) -> Tensor:
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
