"""tensorgen.nn: modules, layers and losses with torch.nn's names and behaviour (DESIGN.md §12).

Pure Python over the generated ops: the numerics live in native_functions.yaml kernels,
this package carries PyTorch's module semantics.
"""
from tensorgen.nn import functional  # noqa: F401
