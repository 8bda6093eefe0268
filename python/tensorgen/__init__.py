"""tensorgen: a small, codegen-driven tensor library modeled on PyTorch's ATen.

`import tensorgen as tg` and write PyTorch-style code: every op in native_functions.yaml is a
function here (tg.add), a Tensor method (x.add, x.add_) and takes out= where the schema says so.
"""
import types as _types

from tensorgen import _C, _compat
from tensorgen._C import *  # noqa: F401,F403  (generated ops, dtypes, from_numpy, manual_seed)
from tensorgen._C import dtype, float16, bfloat16, float32, float64, uint8, int8, int16, int32, int64
from tensorgen._C import bool as bool  # noqa: PLC0414  (shadows the builtin, like torch.bool)
from tensorgen._tensor import Size as Size, Tensor as Tensor, UntypedStorage as UntypedStorage  # (X as X: re-exported,
from tensorgen._tensor import device as device, tensor as tensor                                 # for mypy --strict)
from tensorgen._interop import from_dlpack as from_dlpack  # (DLPack import; Tensor.__dlpack__ exports)
# nonzero(as_tuple=), where(condition), unique, None in index/index_put_ indices: Python front ends
# over the generated ops
from tensorgen._indexing import (index as index, index_put as index_put, index_put_ as index_put_,  # noqa: E402,F811
                                 nonzero as nonzero, unique as unique, where as where)
from tensorgen import autograd as autograd, backends as backends, cuda as cuda, ops as ops  # noqa: F401
from tensorgen import nn as nn, optim as optim, utils as utils  # noqa: F401,E402  (pure Python over the ops)
from tensorgen.serialization import (load as load, load_file as load_file, save as save,  # noqa: F401,E402
                                     save_file as save_file)
from tensorgen.linalg import (einsum as einsum, meshgrid as meshgrid,  # noqa: F401  (varargs, int dims; binds tg.linalg)
                              tensordot as tensordot)
from tensorgen.linalg import _tg_norm  # (p='fro' or a number, like torch.norm)
from tensorgen.autograd.grad_mode import (enable_grad as enable_grad, inference_mode as inference_mode,
                                          is_grad_enabled as is_grad_enabled,
                                          is_inference_mode_enabled as is_inference_mode_enabled,
                                          no_grad as no_grad, set_grad_enabled as set_grad_enabled)

norm = _tg_norm
half = float16
float = float32  # noqa: A001
double = float64
short = int16
int = int32  # noqa: A001
long = int64

# PyTorch-compatible helpers and legacy tensor types (tg.FloatTensor(2, 3)).
from tensorgen._compat import (can_cast, finfo, get_default_dtype, iinfo, is_floating_point, is_tensor,  # noqa: E402
                               numel, promote_types, result_type, set_default_dtype, show_config)
from tensorgen._legacy_tensor_types import (BFloat16Tensor, BoolTensor, ByteTensor, CharTensor,  # noqa: E402
                                            DoubleTensor, FloatTensor, HalfTensor, IntTensor, LongTensor,
                                            ShortTensor)

__all__ = ["Tensor", "Size", "device", "dtype", "tensor", "ops", "autograd", "no_grad", "enable_grad",
           "set_grad_enabled", "inference_mode", "is_grad_enabled", "is_inference_mode_enabled"]


def __getattr__(name: str) -> _types.ModuleType:
    # tensorgen.testing needs NumPy: imported on first use so `import tensorgen` stays fast
    # (DESIGN.md §9: import <= 0.1 s; NumPy alone takes ~0.15 s).
    if name == "__version__":  # from the package metadata, read on first use (import time)
        global __version__
        __version__ = _compat._version()
        return __version__
    if name in ("testing", "distributed"):  # distributed: NumPy, and mpi4py once initialized
        import importlib
        return importlib.import_module(f"tensorgen.{name}")
    raise AttributeError(f"module 'tensorgen' has no attribute '{name}'")
