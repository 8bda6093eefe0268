"""tensorgen.Tensor: the Python half of the tensor type.

The C half (tensorgen._C.TensorBase) carries every generated op as a method; this class adds
Python's operator protocol, indexing, printing and conversions. Tensors created in C++ are
instances of this class (registered with _C._set_tensor_class).
"""
from __future__ import annotations

import builtins
import operator
from typing import TYPE_CHECKING, Any, Callable, Iterator, Sequence

from tensorgen import _C
from tensorgen import _compat, _indexing, _interop, _legacy_tensor_types
from tensorgen import autograd as _autograd

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

_Base = _C.TensorBase


class Size(tuple[builtins.int, ...]):
    """The shape of a tensor: a tuple that prints like PyTorch's torch.Size."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"tensorgen.Size([{', '.join(builtins.str(s) for s in self)}])"

    def numel(self) -> builtins.int:
        n = 1
        for s in self:
            n *= s
        return n


class device:
    """A device: tg.device('cpu'), tg.device('cuda', 0), tg.device('cuda:1')."""

    __slots__ = ("type", "index")

    def __init__(self, type: builtins.str | device, index: builtins.int | None = None) -> None:
        if isinstance(type, device):
            self.type, self.index = type.type, type.index
            return
        if not isinstance(type, builtins.str):
            raise TypeError(f"[device] expected a string or a device, got {builtins.type(type).__name__}")
        if ":" in type:
            if index is not None:
                raise ValueError(f"[device] type (string) must not include an index because index was passed "
                                 f"explicitly: {type}")
            type, idx = type.split(":", 1)
            if not idx.isdigit():
                raise RuntimeError(f"[device] invalid device string: '{type}:{idx}'")
            index = builtins.int(idx)
        if type not in ("cpu", "cuda"):
            raise RuntimeError(f"[device] expected one of cpu, cuda device type at start of device string: {type}")
        self.type, self.index = type, index

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __eq__(self, other: object) -> builtins.bool:
        if isinstance(other, builtins.str):
            other = device(other)
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))


class UntypedStorage:
    """The memory under a tensor (shared by all its views)."""

    __slots__ = ("_ptr", "_nbytes")

    def __init__(self, ptr: builtins.int, nbytes: builtins.int) -> None:
        self._ptr, self._nbytes = ptr, nbytes

    def data_ptr(self) -> int:
        return self._ptr

    def nbytes(self) -> int:
        return self._nbytes

    def size(self) -> int:
        return self._nbytes


class RemovableHandle:
    """What register_hook returns: remove() turns the hook off."""

    __slots__ = ("removed",)

    def __init__(self) -> None:
        self.removed = False

    def remove(self) -> None:
        self.removed = True


def _number(x: Any) -> Tensor:
    return _C._wrap_number(x)


def _reflected(op: Callable[[Any, Any], Tensor]) -> Callable[[Tensor, Any], Tensor]:
    """`2 - x` -> op(2, x): the Python number becomes a weak (wrapped) scalar tensor."""
    def method(self: Tensor, other: Any) -> Tensor:
        if isinstance(other, Tensor):
            return op(other, self)
        try:
            return op(_number(other), self)
        except TypeError:
            return NotImplemented
    return method


def _is_numpy_scalar(x: Any) -> builtins.bool:
    # NumPy is imported only when needed (import time, DESIGN.md §9): a NumPy scalar can only
    # exist once the user has imported NumPy.
    return builtins.type(x).__module__ == "numpy"


def _binary(op: Callable[[Any, Any], Tensor]) -> Callable[[Tensor, Any], Tensor]:
    def method(self: Tensor, other: Any) -> Tensor:
        if not isinstance(other, (Tensor, builtins.int, builtins.float, builtins.bool)) and not _is_numpy_scalar(other):
            return NotImplemented
        return op(self, other)
    return method


class Tensor(_Base):
    __slots__ = ()

    def __new__(cls, *args: Any, **kwargs: Any) -> Tensor:
        raise TypeError("[Tensor] create tensors with tensorgen.tensor(), tensorgen.empty(), tensorgen.zeros() ...")

    # -- Python operators map straight onto the generated C methods (no Python frame per op).
    __add__ = _Base.add
    __radd__ = _Base.add
    __iadd__ = _Base.add_
    __sub__ = _Base.sub
    __rsub__ = _reflected(_C.sub)
    __isub__ = _Base.sub_
    __mul__ = _Base.mul
    __rmul__ = _Base.mul
    __imul__ = _Base.mul_
    __truediv__ = _Base.div
    __rtruediv__ = _reflected(_C.div)
    __itruediv__ = _Base.div_
    __pow__ = _Base.pow
    __rpow__ = _reflected(_C.pow)
    __ipow__ = _Base.pow_
    __matmul__ = _binary(_C.matmul)
    __rmatmul__ = _binary(lambda self, other: _C.matmul(other, self))  # `3 @ x` is a TypeError
    __neg__ = _Base.neg
    __abs__ = _Base.abs
    __eq__ = _Base.eq
    __ne__ = _Base.ne
    __lt__ = _Base.lt
    __le__ = _Base.le
    __gt__ = _Base.gt
    __ge__ = _Base.ge
    __hash__ = object.__hash__
    # Bitwise operators on bool and integer tensors; a floating operand makes the op raise
    # NotImplementedError (a RuntimeError, like PyTorch's "bitwise_and_cpu not implemented for 'Float'").
    __and__ = _Base.bitwise_and
    __rand__ = _Base.bitwise_and
    __iand__ = _Base.bitwise_and_
    __or__ = _Base.bitwise_or
    __ror__ = _Base.bitwise_or
    __ior__ = _Base.bitwise_or_
    __xor__ = _Base.bitwise_xor
    __rxor__ = _Base.bitwise_xor
    __ixor__ = _Base.bitwise_xor_
    __invert__ = _Base.bitwise_not
    __lshift__ = _Base.bitwise_left_shift
    __rlshift__ = _reflected(_C.bitwise_left_shift)
    __ilshift__ = _Base.bitwise_left_shift_
    __rshift__ = _Base.bitwise_right_shift
    __rrshift__ = _reflected(_C.bitwise_right_shift)
    __irshift__ = _Base.bitwise_right_shift_
    # Python's % and // (the result takes the divisor's sign; // rounds toward -inf).
    __mod__ = _Base.remainder
    __rmod__ = _reflected(_C.remainder)
    __imod__ = _Base.remainder_
    __floordiv__ = _Base.floor_divide
    __rfloordiv__ = _reflected(_C.floor_divide)
    __ifloordiv__ = _Base.floor_divide_

    # -- conversions to Python
    def __bool__(self) -> builtins.bool:
        if self.numel() != 1:
            raise RuntimeError(f"Boolean value of Tensor with {self.numel()} values is ambiguous")
        return builtins.bool(self.item())

    def __float__(self) -> builtins.float:
        return builtins.float(self.item())

    def __int__(self) -> builtins.int:
        return builtins.int(self.item())

    def __index__(self) -> builtins.int:
        if self.dtype.is_floating_point or self.numel() != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return self.item()

    def __iter__(self) -> Iterator[Tensor]:
        if self.dim() == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self.select(0, i) for i in range(self.size(0)))

    # Zero-copy interop (NumPy, PyTorch, DLPack, the buffer protocol): tensorgen/_interop.py
    __array__ = _interop.array
    __array_interface__ = property(_interop.array_interface)
    __cuda_array_interface__ = property(_interop.cuda_array_interface)
    __dlpack__ = _interop.dlpack
    __dlpack_device__ = _interop.dlpack_device

    def tolist(self) -> Any:
        t = self.detach().cpu()
        t = t.float() if t.dtype is _C.bfloat16 else t
        return t.numpy().tolist()

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> RemovableHandle:
        """Calls hook(grad) when this tensor's gradient is computed; a returned tensor replaces
        the gradient. Returns a handle whose remove() disables the hook."""
        handle = RemovableHandle()

        def call(grad: Tensor) -> Tensor | None:
            return None if handle.removed else hook(grad)
        _Base.register_hook(self, call)
        return handle

    def __repr__(self) -> str:
        from tensorgen import _format  # uses NumPy, which is imported on first use
        if self.device.type == "cpu":
            return _format.format_tensor(self)
        # PyTorch's layout: tensor([...], device='cuda:0', dtype=...); values copied to the host.
        host = _format.format_tensor(self.detach().cpu())
        body, sep, rest = host.partition(", dtype=")
        if not sep:
            body, rest = host[:-1], None
        grad = ", grad_fn=<" + self.grad_fn.name() + ">" if self.grad_fn is not None else (
            ", requires_grad=True" if self.requires_grad else "")
        out = f"{body}, device='{self.device}'"
        return out + (f", dtype={rest[:-1]}" if rest is not None else "") + grad + ")"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        if self.dim() == 0:
            return self.item().__format__(spec)
        return builtins.str(self)

    def __getitem__(self, index: Any) -> Tensor:
        return _indexing.getitem(self, index)

    def __setitem__(self, index: Any, value: Any) -> None:
        _indexing.setitem(self, index, value)

    def nonzero(self, *, as_tuple: builtins.bool = False) -> Any:
        """Coordinates of the non-zero elements: int64 [n, ndim], or a tuple of ndim 1-d tensors."""
        return _indexing.nonzero(self, as_tuple=as_tuple)

    def index(self, indices: Sequence[Tensor | None]) -> Tensor:
        """self[indices] for a list of index tensors (None: a whole dim)."""
        return _indexing.index(self, indices)

    def index_put_(self, indices: Sequence[Tensor | None], values: Tensor,
                   accumulate: builtins.bool = False) -> Tensor:
        """self[indices] = values (accumulate: +=, every occurrence), None in indices: a whole dim."""
        return _indexing.index_put_(self, indices, values, accumulate)

    def index_put(self, indices: Sequence[Tensor | None], values: Tensor,
                  accumulate: builtins.bool = False) -> Tensor:
        """index_put_ on a copy of self."""
        return _indexing.index_put(self, indices, values, accumulate)

    def unique(self, sorted: builtins.bool = True, return_inverse: builtins.bool = False,
               return_counts: builtins.bool = False, dim: builtins.int | None = None) -> Any:
        """tg.unique(self, ...): the sorted distinct values (+ inverse indices, counts)."""
        return _indexing.unique(self, sorted, return_inverse, return_counts, dim)

    def norm(self, p: builtins.str | builtins.float = "fro", dim: builtins.int | Sequence[builtins.int] | None = None,
             keepdim: builtins.bool = False, dtype: _C.dtype | None = None) -> Tensor:
        """tg.norm(self, p, dim, keepdim, dtype=dtype) (PyTorch's Tensor.norm)."""
        from tensorgen.linalg import _tg_norm  # linalg imports this module
        return _tg_norm(self, p, dim, keepdim, dtype=dtype)

    def __reduce_ex__(self, protocol: Any) -> Any:
        t = self.detach()
        return (_rebuild, (t.clone().numpy() if t.dtype is not _C.bfloat16 else t.float().numpy(),
                           builtins.str(self.dtype).split(".")[-1]))

    # -- dtype and device conversions
    def to(self, *args: Any, **kwargs: Any) -> Tensor:
        """to(dtype), to(device), to(device, dtype), to(other_tensor), each with non_blocking and
        copy (positionally too, as in PyTorch: x.to(dtype, True) is non_blocking=True)."""
        if not kwargs and len(args) == 1 and isinstance(args[0], _C.dtype):  # x.to(dtype), the common call
            return _Base.to(self, args[0], False, False)
        dev, dtype, non_blocking, copy = _compat.parse_to(args, kwargs)
        if dev is not None and device(dev).type != self.device.type:
            return _to_device(self, device(dev), dtype, copy)
        return _Base.to(self, dtype if dtype is not None else self.dtype, non_blocking, copy)

    def cpu(self) -> Tensor:
        """This tensor in host memory (itself when it already is; a copy that waits for the GPU
        otherwise)."""
        return self if self.device.type == "cpu" else self.to("cpu")

    def cuda(self, device: builtins.int | builtins.str | None = None, non_blocking: builtins.bool = False) -> Tensor:
        """This tensor on the GPU (x.to('cuda'))."""
        dev = "cuda" if device is None else (f"cuda:{device}" if isinstance(device, builtins.int) else device)
        return self.to(dev, non_blocking=non_blocking)

    # -- autograd (requires_grad, grad, grad_fn, is_leaf, detach, register_hook ... are C attributes)
    def backward(self, gradient: Tensor | None = None, retain_graph: builtins.bool | None = None,
                 create_graph: builtins.bool = False, inputs: Sequence[Tensor] | None = None) -> None:
        """Accumulates d(self)/d(leaf) into each leaf's .grad (see tensorgen.autograd.backward).
        gradient: d(loss)/d(self), needed unless self has one element."""
        _autograd.backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    type = _legacy_tensor_types.tensor_type

    def is_floating_point(self) -> builtins.bool:
        return self.dtype.is_floating_point

    def untyped_storage(self) -> UntypedStorage:
        return UntypedStorage(*self._storage_info())

    @property
    def T(self) -> Tensor:
        return self.permute(tuple(reversed(range(self.dim()))))

    @property
    def mT(self) -> Tensor:
        return self.transpose(-2, -1)

    if TYPE_CHECKING:  # attached by the loop below: x.float() is x.to(tg.float32) ...
        def float(self) -> Tensor: ...
        def double(self) -> Tensor: ...
        def half(self) -> Tensor: ...
        def bfloat16(self) -> Tensor: ...
        def long(self) -> Tensor: ...
        def int(self) -> Tensor: ...
        def short(self) -> Tensor: ...
        def char(self) -> Tensor: ...
        def byte(self) -> Tensor: ...
        def bool(self) -> Tensor: ...


_compat.install_tensor_methods(Tensor)  # new_zeros & co, data, H, mT, mH, nbytes


# x.float(), x.long(), ...: shorthands for x.to(dtype), as in PyTorch.
for _name, _dtype in (("float", _C.float32), ("double", _C.float64), ("half", _C.float16),
                      ("bfloat16", _C.bfloat16), ("long", _C.int64), ("int", _C.int32), ("short", _C.int16),
                      ("char", _C.int8), ("byte", _C.uint8), ("bool", _C.bool)):
    def _convert(self, _dtype=_dtype):
        return _Base.to(self, _dtype)
    _convert.__name__ = _name
    _convert.__doc__ = f"self.to({_dtype!r})"
    setattr(Tensor, _name, _convert)


class _ToDevice(_autograd.Function):
    """x.to(device): differentiable, the gradient goes back to x's device and dtype."""

    @staticmethod
    def forward(ctx, x, dev, dtype):
        ctx.source = (builtins.str(x.device), x.dtype)
        return _C._to_device(x, dev, dtype, True)

    @staticmethod
    def backward(ctx, grad):
        dev, dtype = ctx.source
        return grad.to(dev, dtype), None, None


def _to_device(self, dev, dtype, copy):
    if dtype is not None and not isinstance(dtype, _C.dtype):
        raise TypeError(f"[to] dtype must be a tensorgen.dtype, not {builtins.type(dtype).__name__}")
    if self.requires_grad and _autograd.grad_mode.is_grad_enabled():
        return _ToDevice.apply(self, builtins.str(dev), dtype)
    return _C._to_device(self, builtins.str(dev), dtype, copy)


def _rebuild(array, dtype_name):
    return tensor(array, dtype=getattr(_C, dtype_name))


_C._set_tensor_class(Tensor)
_C._set_device_class(device)
_C._set_size_class(Size)

# NumPy dtype string ("f4", "b1") -> dtype, from the one table the interop paths share (csrc/python/dlpack.cpp)
_NUMPY_DTYPE = {_C._numpy_typestr(d)[1:]: d for d in (_C.bool, _C.uint8, _C.int8, _C.int16, _C.int32, _C.int64,
                                                      _C.float16, _C.bfloat16, _C.float32, _C.float64)
                if _C._numpy_typestr(d) is not None}


def _infer_dtype(data, arr):
    """PyTorch's inference: Python floats -> float32, ints -> int64, bools -> bool; NumPy keeps its dtype."""
    import numpy as np
    if isinstance(data, (np.ndarray, np.generic)):
        key = f"{arr.dtype.kind}{arr.dtype.itemsize}"
        if key in _NUMPY_DTYPE:
            return _NUMPY_DTYPE[key]
        raise TypeError(f"[tensor] can't convert np.ndarray of type {arr.dtype}")
    kind = arr.dtype.kind
    if kind == "b":
        return _C.bool
    if kind in "iu":
        return _C.int64
    if kind == "f":
        return _C._get_default_dtype()  # tg.set_default_dtype
    raise TypeError(f"[tensor] could not infer dtype of {builtins.type(data).__name__}")


def _flatten_tensors(data):
    """Lists that mix tensors in (tg.tensor([t1, t2])) are converted element by element."""
    if isinstance(data, Tensor):
        data = data.detach()
        return data.numpy() if data.dtype is not _C.bfloat16 else data.float().numpy()
    if isinstance(data, (list, tuple)):
        return [_flatten_tensors(d) for d in data]
    return data


def tensor(data: Any, dtype: _C.dtype | None = None, device: builtins.str | device | None = None,
           requires_grad: builtins.bool = False) -> Tensor:
    """A new tensor holding a copy of data (nested lists, tuples, scalars, NumPy arrays, tensors)."""
    out = _tensor_data(data, dtype, device)
    if requires_grad:
        out.requires_grad_(True)  # floating dtypes only: RuntimeError otherwise, as in PyTorch
    return out


def _tensor_data(data, dtype, device) -> Tensor:
    if dtype is not None and not isinstance(dtype, _C.dtype):
        raise TypeError(f"[tensor] dtype must be a tensorgen.dtype, not {builtins.type(dtype).__name__}")
    if device is not None and globals()["device"](device).type != "cpu":
        return _tensor_data(data, dtype, None).to(device)
    if isinstance(data, Tensor):
        # A copy with no autograd history (PyTorch's tensor(t) is t.clone().detach()).
        return data.detach().to(dtype or data.dtype, copy=True)
    if isinstance(data, builtins.str) or data is None:
        raise TypeError(f"[tensor] new(): invalid data type '{builtins.type(data).__name__}'")
    import numpy as np  # imported on first use, not with tensorgen
    src = _flatten_tensors(data)
    try:
        arr = np.asarray(src)
    except ValueError as e:
        raise ValueError(f"[tensor] expected a sequence of equal-length sequences: {e}") from None
    if arr.dtype == object:
        raise ValueError("[tensor] expected a sequence of equal-length sequences of numbers")
    inferred = _infer_dtype(data, arr)
    target = dtype or inferred
    np_target = {_C.bfloat16: np.float32}.get(target)
    if np_target is None:
        np_target = _C.empty([0], dtype=target).numpy().dtype
    arr = np.array(arr, dtype=np_target, copy=True, order="C")
    out = _C.from_numpy(arr).clone()
    return out if target is not _C.bfloat16 else out.to(_C.bfloat16)
