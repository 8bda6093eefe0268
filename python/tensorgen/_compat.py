"""PyTorch-compatible helpers a ported program reaches for first: is_tensor, is_floating_point,
numel, the default dtype, finfo/iinfo, promote_types/result_type/can_cast, show_config and
__version__; plus the Tensor methods and properties new_*, data, H/mH/mT, nbytes (installed on
tensorgen.Tensor by install_tensor_methods). Everything follows torch 2.13's behaviour; the
deliberate differences are listed in README ("Differences from PyTorch").
"""
from __future__ import annotations

import builtins

from tensorgen import _C

_FLOATING = ("float16", "bfloat16", "float32", "float64")


def _dtype_name(dtype) -> str:
    return builtins.str(dtype).split(".")[-1]


def _check_tensor(op: str, obj, name: str = "input"):
    from tensorgen._tensor import Tensor
    if not isinstance(obj, Tensor):
        raise TypeError(f"[{op}] argument '{name}' (position 1) must be Tensor, not {builtins.type(obj).__name__}")


def _check_dtype(op: str, obj, name: str):
    if not isinstance(obj, _C.dtype):
        raise TypeError(f"[{op}] argument '{name}' must be tensorgen.dtype, not {builtins.type(obj).__name__}")


# ------------------------------------------------------------------------------------ predicates

def is_tensor(obj) -> bool:
    """True when obj is a tensorgen.Tensor (torch.is_tensor)."""
    from tensorgen._tensor import Tensor
    return isinstance(obj, Tensor)


def is_floating_point(input) -> bool:
    """True when input's dtype is a floating dtype; TypeError for a non-tensor, as in PyTorch."""
    _check_tensor("is_floating_point", input)
    return input.dtype.is_floating_point


def numel(input) -> int:
    """The number of elements of input (torch.numel)."""
    _check_tensor("numel", input)
    return input.numel()


# ---------------------------------------------------------------------------------- default dtype

def get_default_dtype():
    """The dtype of floating factories without dtype= and of Python floats (float32 at start)."""
    return _C._get_default_dtype()


def set_default_dtype(d) -> None:
    """Sets the default floating dtype: float16, bfloat16, float32 or float64 (TypeError for any
    other, as in PyTorch). It applies to factories (empty, zeros, rand, float arange, linspace,
    eye, full with a float), to tensor() of Python floats, to a Python float in type promotion and
    to int-to-float ops (true division). Process-wide, like PyTorch's."""
    if not isinstance(d, _C.dtype):
        raise TypeError(f"[set_default_dtype] expected a tensorgen.dtype, not {builtins.type(d).__name__}")
    _C._set_default_dtype(d)


# -------------------------------------------------------------------------------- finfo / iinfo

# (bits, eps, max, tiny = smallest normal, resolution = 10**-floor(mantissa bits * log10(2)))
_FINFO = {
    "float16": (16, 2.0 ** -10, 65504.0, 2.0 ** -14, 1e-03),
    "bfloat16": (16, 2.0 ** -7, (2 - 2.0 ** -7) * 2.0 ** 127, 2.0 ** -126, 1e-02),
    "float32": (32, 2.0 ** -23, (2 - 2.0 ** -23) * 2.0 ** 127, 2.0 ** -126, 1e-06),
    "float64": (64, 2.0 ** -52, (2 - 2.0 ** -52) * 2.0 ** 1023, 2.0 ** -1022, 1e-15),
}
_IINFO = {"uint8": (8, 0, 255), "int8": (8, -128, 127), "int16": (16, -2 ** 15, 2 ** 15 - 1),
          "int32": (32, -2 ** 31, 2 ** 31 - 1), "int64": (64, -2 ** 63, 2 ** 63 - 1)}


class finfo:
    """Machine limits of a floating dtype (torch.finfo): bits, eps, max, min, tiny (=
    smallest_normal), resolution, dtype (the name, e.g. 'float32'). finfo() is the default dtype's."""

    __slots__ = ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype")

    def __init__(self, type=None):
        if type is None:
            type = get_default_dtype()
        _check_dtype("finfo", type, "type")
        name = _dtype_name(type)
        if name not in _FINFO:
            raise TypeError(f"[finfo] requires a floating point input type, got tensorgen.{name}. "
                            f"Use tensorgen.iinfo for integer types")
        self.bits, self.eps, self.max, self.tiny, self.resolution = _FINFO[name]
        self.min = -self.max
        self.smallest_normal = self.tiny
        self.dtype = name

    def __eq__(self, other) -> bool:
        return isinstance(other, finfo) and self.dtype == other.dtype

    def __hash__(self) -> int:
        return hash(("finfo", self.dtype))

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
                f"smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:
    """Limits of an integer dtype (torch.iinfo): bits, min, max, dtype (the name). Not for bool."""

    __slots__ = ("bits", "min", "max", "dtype")

    def __init__(self, type):
        _check_dtype("iinfo", type, "type")
        name = _dtype_name(type)
        if name == "bool":
            raise TypeError("[iinfo] tensorgen.bool is not supported by tensorgen.iinfo")
        if name not in _IINFO:
            raise TypeError(f"[iinfo] requires an integer input type, got tensorgen.{name}. "
                            f"Use tensorgen.finfo for floating types")
        self.bits, self.min, self.max = _IINFO[name]
        self.dtype = name

    def __eq__(self, other) -> bool:
        return isinstance(other, iinfo) and self.dtype == other.dtype

    def __hash__(self) -> int:
        return hash(("iinfo", self.dtype))

    def __repr__(self) -> str:
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype})"


# ---------------------------------------------------------------------------------- promotion

def promote_types(type1, type2):
    """The smallest dtype both convert to without losing kind or range (torch.promote_types)."""
    return _C._promote_types(type1, type2)


def can_cast(from_, to) -> bool:
    """Whether an op may write a from_ value into a to tensor (no float -> int, nothing but bool
    -> bool), torch.can_cast."""
    return _C._can_cast(from_, to)


def _operand(op: str, x, name: str):
    from tensorgen._tensor import Tensor
    if isinstance(x, Tensor):
        return x
    if isinstance(x, (builtins.bool, builtins.int, builtins.float)) or builtins.type(x).__module__ == "numpy":
        return _C._wrap_number(x)
    raise TypeError(f"[{op}] argument '{name}' must be Tensor or Number, not {builtins.type(x).__name__}")


def result_type(tensor1, tensor2):
    """The dtype an arithmetic op on these operands computes in (torch.result_type): dimensioned
    tensors decide over 0-d tensors, which decide over Python numbers, within a kind."""
    return _C._result_type(_operand("result_type", tensor1, "tensor1"), _operand("result_type", tensor2, "tensor2"))


# ----------------------------------------------------------------------------- version, config

def _version() -> str:
    """The installed distribution's version; an in-place dev build (not installed) reads
    pyproject.toml next to the package."""
    from importlib import metadata
    try:
        return metadata.version("tensorgen")
    except metadata.PackageNotFoundError:
        pass
    import os
    import re
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    try:
        with open(os.path.join(root, "pyproject.toml"), encoding="utf-8") as f:
            m = re.search(r'^version\s*=\s*"([^"]+)"', f.read(), re.MULTILINE)
        if m:
            return m.group(1) + "+dev"
    except OSError:
        pass
    return "0.0.0+unknown"


def show_config() -> str:
    """The build's configuration as text (torch.__config__.show()): version, build type,
    compiler, CPU capabilities compiled and selected, OpenMP and its threads, CUDA and its
    architectures."""
    import tensorgen
    cfg = _C._build_config()
    caps = cfg["cpu_capabilities"]
    omp = cfg["openmp"]
    lines = [
        f"tensorgen {tensorgen.__version__}",
        f"  - Build type: {cfg['build_type']}",
        f"  - C++ compiler: {cfg['compiler']}",
        f"  - CPU capabilities compiled: {caps}",
        f"  - CPU capability selected: {_C._cpu_capability()} (best on this CPU: {_C._cpu_best_capability()})",
        f"  - OpenMP: {'version ' + builtins.str(omp) if omp is not None else 'off'}, "
        f"{_C.get_num_threads()} thread(s)",
        f"  - CUDA: {'on, architectures ' + cfg['cuda_architectures'] if cfg['cuda'] else 'off'}",
    ]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------ Tensor methods

def _size_args(op: str, size):
    """new_zeros(2, 3) and new_zeros((2, 3)): varargs ints or one sequence of ints."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        return tuple(size[0])
    return size


def _options(op: str, self, dtype, device, requires_grad):
    """new_*'s dtype and device (self's unless given); the factory checks their types."""
    if not isinstance(requires_grad, builtins.bool):
        raise TypeError(f"[{op}] argument 'requires_grad' must be bool, not {builtins.type(requires_grad).__name__}")
    return (self.dtype if dtype is None else dtype), (self.device if device is None else device)


def _finish(t, requires_grad):
    if requires_grad:
        t.requires_grad_(True)
    return t


def new_empty(self, *size, dtype=None, device=None, requires_grad=False):
    """An uninitialized tensor with self's dtype and device unless given."""
    dt, dev = _options("new_empty", self, dtype, device, requires_grad)
    return _finish(_C.empty(_size_args("new_empty", size), dtype=dt, device=dev), requires_grad)


def new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
    """A tensor of zeros with self's dtype and device unless given."""
    dt, dev = _options("new_zeros", self, dtype, device, requires_grad)
    return _finish(_C.zeros(_size_args("new_zeros", size), dtype=dt, device=dev), requires_grad)


def new_ones(self, *size, dtype=None, device=None, requires_grad=False):
    """A tensor of ones with self's dtype and device unless given."""
    dt, dev = _options("new_ones", self, dtype, device, requires_grad)
    return _finish(_C.ones(_size_args("new_ones", size), dtype=dt, device=dev), requires_grad)


def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False):
    """A tensor filled with fill_value, with self's dtype and device unless given."""
    dt, dev = _options("new_full", self, dtype, device, requires_grad)
    return _finish(_C.full(size, fill_value, dtype=dt, device=dev), requires_grad)


def new_tensor(self, data, dtype=None, device=None, requires_grad=False):
    """A copy of data with self's dtype and device unless given (PyTorch: the data's own dtype is
    not inferred, so x.new_tensor([1, 2]) has x's dtype)."""
    from tensorgen._tensor import tensor
    dt, dev = _options("new_tensor", self, dtype, device, requires_grad)
    return tensor(data, dtype=dt, device=dev, requires_grad=requires_grad)


def _get_data(self):
    """x.data: the same memory without autograd history (x.detach())."""
    return self.detach()


def _set_data(self, value):
    """x.data = y: x keeps its identity (requires_grad, grad) and takes y's memory, shape, dtype
    and device (PyTorch's set_data; Module.to() converts parameters this way)."""
    self._set_data(value)


def _H(self):
    """The conjugate transpose of a matrix: the transpose for real dtypes (2-D only)."""
    if self.dim() != 2:
        raise RuntimeError(f"[H] tensor.H is only supported on matrices (2-D tensors). Got {self.dim()}-D tensor.")
    return self.transpose(0, 1)


def _mT(self):
    """The transpose of the last two dims (batches of matrices)."""
    if self.dim() < 2:
        raise RuntimeError(f"[mT] tensor.mT is only supported on matrices or batches of matrices. "
                           f"Got {self.dim()}-D tensor.")
    return self.transpose(-2, -1)


def _mH(self):
    """The conjugate transpose of the last two dims: mT for real dtypes."""
    if self.dim() < 2:
        raise RuntimeError(f"[mH] tensor.mH is only supported on matrices or batches of matrices. "
                           f"Got {self.dim()}-D tensor.")
    return self.transpose(-2, -1)


def _nbytes(self) -> int:
    """numel() * element_size(): the bytes of the elements (not of the whole storage)."""
    return self.numel() * self.element_size()


def install_tensor_methods(cls) -> None:
    """Adds new_*, data, H, mT, mH and nbytes to tensorgen.Tensor."""
    for f in (new_empty, new_zeros, new_ones, new_full, new_tensor):
        setattr(cls, f.__name__, f)
    cls.data = property(_get_data, _set_data, doc=_get_data.__doc__)
    cls.H = property(_H, doc=_H.__doc__)
    cls.mT = property(_mT, doc=_mT.__doc__)
    cls.mH = property(_mH, doc=_mH.__doc__)
    cls.nbytes = property(_nbytes, doc=_nbytes.__doc__)


# ---------------------------------------------------------------------------------- Tensor.to

def _is_device(x) -> bool:
    from tensorgen._tensor import device
    return isinstance(x, (builtins.str, device)) or (isinstance(x, builtins.int) and not isinstance(x, builtins.bool))


def _is_tensor(x) -> bool:
    from tensorgen._tensor import Tensor
    return isinstance(x, Tensor)


# PyTorch's three Tensor.to signatures, tried in order like its argument parser: (name, accepts,
# default, keyword allowed). None is accepted where the default is None.
_REQUIRED = object()
_TO_SIGNATURES = (
    (("device", _is_device, None), ("dtype", lambda x: isinstance(x, _C.dtype), None),
     ("non_blocking", lambda x: isinstance(x, builtins.bool), False), ("copy", lambda x: isinstance(x, builtins.bool), False)),
    (("dtype", lambda x: isinstance(x, _C.dtype), _REQUIRED),
     ("non_blocking", lambda x: isinstance(x, builtins.bool), False), ("copy", lambda x: isinstance(x, builtins.bool), False)),
    # PyTorch takes `other` positionally only (x.to(other=y) is a TypeError there too).
    (("other", _is_tensor, _REQUIRED),
     ("non_blocking", lambda x: isinstance(x, builtins.bool), False), ("copy", lambda x: isinstance(x, builtins.bool), False)),
)
_TO_DISPLAY = ("(Device device=None, dtype dtype=None, bool non_blocking=False, bool copy=False)",
               "(dtype dtype, bool non_blocking=False, bool copy=False)",
               "(Tensor other, bool non_blocking=False, bool copy=False)")


def _match_to(sig, args, kwargs):
    if len(args) > len(sig):
        return None
    out = {}
    for i, (name, accepts, default) in enumerate(sig):
        if i < len(args):
            if name in kwargs:
                return None
            value = args[i]
        elif name in kwargs and name != "other":
            value = kwargs[name]
        elif default is _REQUIRED:
            return None
        else:
            out[name] = default
            continue
        if not (accepts(value) or (value is None and default is None)):
            return None
        out[name] = value
    if any(k not in out or k == "other" for k in kwargs):  # an unknown keyword, or other= by name
        return None
    return out


def parse_to(args, kwargs):
    """Binds Tensor.to's arguments like PyTorch: to(device=None, dtype=None, non_blocking=False,
    copy=False), to(dtype, non_blocking=False, copy=False), to(other, non_blocking=False,
    copy=False). Returns (device or None, dtype or None, non_blocking, copy)."""
    for sig in _TO_SIGNATURES:
        r = _match_to(sig, args, kwargs)
        if r is None:
            continue
        if "other" in r:
            return r["other"].device, r["other"].dtype, r["non_blocking"], r["copy"]
        dev = r.get("device")
        if isinstance(dev, builtins.int):
            dev = f"cuda:{dev}"
        return dev, r["dtype"], r["non_blocking"], r["copy"]
    got = [builtins.type(a).__name__ for a in args] + [f"{k}={builtins.type(v).__name__}" for k, v in kwargs.items()]
    raise TypeError(f"[to] received an invalid combination of arguments - got ({', '.join(got)}), but expected one "
                    "of:\n" + "\n".join(" * " + d for d in _TO_DISPLAY))
