"""tg.backends.cpu: the per-ISA build of the CPU kernels chosen at import (DESIGN.md §6).

The kernels are compiled for `default` (portable), `avx2` and `avx512`; at import the best one
the CPU supports is chosen, unless the environment variable TENSORGEN_CPU_CAPABILITY names
another (a request the CPU cannot run falls back to the best one, with a warning).
"""
import warnings

from tensorgen import _C

CAPABILITIES = ("default", "avx2", "avx512")


def capability() -> str:
    """The capability whose kernels run: 'default', 'avx2' or 'avx512'."""
    return _C._cpu_capability()


def best_capability() -> str:
    """The best capability this CPU supports and this build contains."""
    return _C._cpu_best_capability()


def supported_capabilities() -> list[str]:
    """Every capability that can run here, from 'default' up to best_capability()."""
    return list(CAPABILITIES[:CAPABILITIES.index(best_capability()) + 1])


if _C._cpu_capability_warning():
    warnings.warn(_C._cpu_capability_warning(), RuntimeWarning, stacklevel=2)
