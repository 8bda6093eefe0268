"""tensorgen.cuda: the CUDA device, with PyTorch's names (torch.cuda).

A build with CUDA (nvcc found at build time, see tg.backends.cuda.is_built()) runs ops on
tensors created with device='cuda' or moved there with x.to('cuda') / x.cuda(). Only cuda:0 is
used. Work is queued on the GPU's default stream; reading values on the host (x.item(),
x.cpu(), x.tolist(), repr) waits for it. Without a GPU, or in a build without CUDA,
is_available() is False and creating a CUDA tensor raises RuntimeError saying which.
"""
from __future__ import annotations

from tensorgen import _C

__all__ = ["is_available", "device_count", "current_device", "synchronize", "memory_allocated",
           "max_memory_allocated", "memory_reserved", "memory_stats", "empty_cache", "manual_seed"]


def is_available() -> bool:
    """True when tensorgen was built with CUDA and a GPU is usable."""
    return _C._cuda_device_count() > 0


def device_count() -> int:
    """Number of GPUs (0 without a GPU, a driver, or a CUDA build)."""
    return _C._cuda_device_count()


def current_device() -> int:
    """The index of the device CUDA tensors are created on (always 0)."""
    if not is_available():
        raise RuntimeError("[cuda] no CUDA GPU is available (device_count() == 0)" if _C._cuda_is_built()
                           else "[cuda] tensorgen was built without CUDA")
    return 0


def synchronize(device=None) -> None:
    """Waits until all queued GPU work has finished."""
    _C._cuda_synchronize()


def memory_stats(device=None) -> dict:
    """Bytes held by live CUDA tensors (allocated), by the caching allocator in all (reserved),
    and the peak of allocated bytes. All zero when CUDA is not in use."""
    return dict(_C._cuda_memory_stats())


def memory_allocated(device=None) -> int:
    return _C._cuda_memory_stats()["allocated_bytes"]


def max_memory_allocated(device=None) -> int:
    return _C._cuda_memory_stats()["peak_allocated_bytes"]


def memory_reserved(device=None) -> int:
    return _C._cuda_memory_stats()["reserved_bytes"]


def empty_cache() -> None:
    """Returns the cached (unused) GPU memory blocks to the driver."""
    _C._cuda_empty_cache()


def manual_seed(seed: int) -> None:
    """Seeds the generator. CPU and CUDA share one Philox generator, so the same seed gives the
    same rand/randint values on both devices."""
    _C.manual_seed(seed)
