"""PyTorch's legacy tensor types: tg.FloatTensor(2, 3), tg.LongTensor([1, 2]),
isinstance(x, tg.FloatTensor), x.type() -> 'tensorgen.FloatTensor', x.type(tg.DoubleTensor).

The type names carry tensorgen's module name ('tensorgen.FloatTensor', where PyTorch says
'torch.FloatTensor'); x.type() also accepts the 'torch.' spelling so that ported code keeps
working. Like PyTorch's CPU legacy types, these are not classes of their own: a constructor
returns a plain tensorgen.Tensor, and isinstance() checks the dtype and that the tensor is on
the CPU.
"""
from __future__ import annotations

import builtins

from tensorgen import _C

# legacy name -> dtype name, in PyTorch's order
_NAMES = {"BoolTensor": "bool", "ByteTensor": "uint8", "CharTensor": "int8", "ShortTensor": "int16",
          "IntTensor": "int32", "LongTensor": "int64", "HalfTensor": "float16", "BFloat16Tensor": "bfloat16",
          "FloatTensor": "float32", "DoubleTensor": "float64"}
_BY_DTYPE = {dt: name for name, dt in _NAMES.items()}


def _dtype_name(dtype) -> str:
    return builtins.str(dtype).split(".")[-1]


class _LegacyTensorType(type):
    """The metaclass of tg.FloatTensor & co: calling one builds a tensor of its dtype."""

    def __instancecheck__(cls, obj) -> bool:
        from tensorgen._tensor import Tensor
        return isinstance(obj, Tensor) and obj.dtype is cls.dtype and obj.device.type == "cpu"

    def __call__(cls, *args, **kwargs):
        return _construct(cls, args, kwargs)

    def __repr__(cls) -> str:
        return f"<class 'tensorgen.{cls.__name__}'>"


def _construct(cls, args, kwargs):
    """FloatTensor(), FloatTensor(*sizes), FloatTensor(Size), FloatTensor(sequence or ndarray),
    FloatTensor(tensor of the same dtype) -> that tensor's data (an alias, as in PyTorch)."""
    from tensorgen._tensor import Size, Tensor, tensor
    op = cls.__name__
    if kwargs:
        raise TypeError(f"[{op}] got an unexpected keyword argument '{next(iter(kwargs))}'")
    if not args:
        return _C.empty([0], dtype=cls.dtype)
    first = args[0]
    if len(args) == 1 and isinstance(first, Tensor):
        if first.dtype is not cls.dtype or first.device.type != "cpu":
            raise TypeError(f"[{op}] expected a cpu {_dtype_name(cls.dtype)} tensor, got a {first.device.type} "
                            f"{_dtype_name(first.dtype)} tensor")
        return first.detach()
    if len(args) == 1 and isinstance(first, Size):
        return _C.empty(first, dtype=cls.dtype)
    if all(isinstance(a, builtins.int) and not isinstance(a, builtins.bool) for a in args):
        return _C.empty(args, dtype=cls.dtype)  # sizes; the parser rejects negatives and overflow
    if len(args) == 1 and (isinstance(first, (list, tuple)) or builtins.type(first).__module__ == "numpy"):
        if builtins.type(first).__module__ == "numpy" and not hasattr(first, "shape"):
            raise TypeError(f"[{op}] new(): data must be a sequence (got {builtins.type(first).__name__})")
        return tensor(first, dtype=cls.dtype)
    if len(args) == 1:
        raise TypeError(f"[{op}] new(): data must be a sequence (got {builtins.type(first).__name__})")
    got = ", ".join(builtins.type(a).__name__ for a in args)
    raise TypeError(f"[{op}] new() received an invalid combination of arguments - got ({got}), but expected one "
                    f"of: (), (int ...sizes), (Size size), (sequence data), (Tensor other)")


def _make(name: str) -> _LegacyTensorType:
    dt = _NAMES[name]
    return _LegacyTensorType(name, (), {"dtype": getattr(_C, dt), "__module__": "tensorgen",
                                        "__doc__": f"Legacy constructor of {dt} CPU tensors (PyTorch's torch.{name})."})


BoolTensor = _make("BoolTensor")
ByteTensor = _make("ByteTensor")
CharTensor = _make("CharTensor")
ShortTensor = _make("ShortTensor")
IntTensor = _make("IntTensor")
LongTensor = _make("LongTensor")
HalfTensor = _make("HalfTensor")
BFloat16Tensor = _make("BFloat16Tensor")
FloatTensor = _make("FloatTensor")
DoubleTensor = _make("DoubleTensor")


def type_name(t) -> str:
    """'tensorgen.FloatTensor' for a float32 tensor (PyTorch: 'torch.FloatTensor')."""
    return f"tensorgen.{_BY_DTYPE[_dtype_name(t.dtype)]}"


def _target_dtype(arg):
    if isinstance(arg, _C.dtype):
        return arg
    if isinstance(arg, _LegacyTensorType):
        return arg.dtype
    if isinstance(arg, builtins.str):
        module, _, name = arg.rpartition(".")
        if module in ("tensorgen", "torch") and name in _NAMES:
            return getattr(_C, _NAMES[name])
        raise ValueError(f"[type] invalid type: '{arg}'")
    raise TypeError(f"[type] dtype must be a tensorgen.dtype, a legacy tensor type or a type string, not "
                    f"{builtins.type(arg).__name__}")


def tensor_type(self, dtype=None, non_blocking=False):
    """x.type() -> 'tensorgen.FloatTensor'; x.type(tg.float64), x.type(tg.DoubleTensor) or
    x.type('tensorgen.DoubleTensor') (also 'torch.DoubleTensor') converts, returning x itself
    when it already has that dtype."""
    if dtype is None:
        return type_name(self)
    target = _target_dtype(dtype)
    if target is self.dtype:
        return self
    return self.to(target, non_blocking=non_blocking)
