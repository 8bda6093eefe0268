"""tensorgen.nn: modules, layers and losses with torch.nn's names and behaviour (DESIGN.md §12).

Pure Python over the generated ops: the numerics live in native_functions.yaml kernels,
this package carries PyTorch's module semantics.
"""
from tensorgen.nn import functional  # noqa: F401
from tensorgen.nn import init  # noqa: F401
from tensorgen.nn.parameter import Parameter  # noqa: F401
from tensorgen.nn.modules import *  # noqa: F401,F403
from tensorgen.nn.modules import Module  # noqa: F401
from tensorgen.nn.modules.module import RemovableHandle  # noqa: F401
from tensorgen.nn import modules, utils  # noqa: F401
