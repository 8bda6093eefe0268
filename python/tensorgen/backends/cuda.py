"""tg.backends.cuda: whether this build of tensorgen contains the CUDA kernels.

Built when nvcc was found at build time (CMake option TENSORGEN_CUDA=AUTO, the default; ON
requires it, OFF skips it). Whether a GPU is usable at run time is tg.cuda.is_available().
"""
from tensorgen import _C


def is_built() -> bool:
    """True when the extension was compiled with the CUDA kernels (sm_90 code plus PTX)."""
    return _C._cuda_is_built()
