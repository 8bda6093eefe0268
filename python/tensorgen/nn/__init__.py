"""tensorgen.nn: modules, layers and losses with torch.nn's names and behaviour (DESIGN.md §12).

Pure Python over the generated ops: the numerics live in native_functions.yaml kernels,
this package carries PyTorch's module semantics.
"""
from tensorgen.nn import functional  # noqa: F401
from tensorgen.nn import init  # noqa: F401
from tensorgen.nn.parameter import Parameter as Parameter  # noqa: F401
from tensorgen.nn.modules import *  # noqa: F401,F403
from tensorgen.nn.modules import Module as Module  # noqa: F401
from tensorgen.nn.modules.module import RemovableHandle  # noqa: F401
from tensorgen.nn import modules, utils  # noqa: F401


def __getattr__(name: str):
    # tg.nn.parallel (DistributedDataParallel, SyncBatchNorm) sits on tg.distributed, which needs
    # NumPy and MPI: loaded on first use so `import tensorgen` stays fast (DESIGN.md §9).
    if name == "parallel":
        import importlib
        return importlib.import_module("tensorgen.nn.parallel")
    if name == "SyncBatchNorm":
        from tensorgen.nn.parallel import SyncBatchNorm
        return SyncBatchNorm
    raise AttributeError(f"module 'tensorgen.nn' has no attribute '{name}'")
