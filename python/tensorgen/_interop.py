"""Zero-copy exchange with NumPy, PyTorch and any DLPack library.

Tensor.__dlpack__ / __dlpack_device__ and tensorgen.from_dlpack follow the Python array API's
DLPack protocol (https://dmlc.github.io/dlpack/latest/python_spec.html): version negotiation
through max_version, versioned ("dltensor_versioned") and legacy ("dltensor") capsules, dl_device
and copy. The capsules themselves are built and read in C++ (csrc/python/dlpack.cpp), which also
holds the dtype table __array_interface__ and the buffer protocol use.

Read-only memory: an array imported read-only (NumPy's writeable=False, or a versioned capsule
with DLPACK_FLAG_BITMASK_READ_ONLY) gives a tensor whose storage is marked read-only; every op
that would write it raises RuntimeError ("[add_] cannot write to a read-only tensor ..."), and it
is exported read-only again (a read-only versioned capsule, a read-only NumPy array or
memoryview). This is stricter than PyTorch on purpose: torch.from_numpy of a read-only array
warns once and shares the memory writable, and torch.from_dlpack ignores the read-only flag, so
an in-place op there writes memory its owner declared immutable (a bytes object, a broadcast
view whose elements alias, a memory-mapped file opened read-only) - undefined behaviour. Reads,
views and copies (x.clone(), tg.tensor(a)) of a read-only tensor work as usual.
"""
from __future__ import annotations

import builtins
import enum

from tensorgen import _C


class DLDeviceType(enum.IntEnum):
    """DLPack's device types (dlpack.h DLDeviceType), as PyTorch's torch.utils.dlpack spells them."""
    kDLCPU = 1
    kDLCUDA = 2
    kDLCUDAHost = 3
    kDLOpenCL = 4
    kDLVulkan = 7
    kDLMetal = 8
    kDLVPI = 9
    kDLROCM = 10
    kDLROCMHost = 11
    kDLExtDev = 12
    kDLCUDAManaged = 13
    kDLOneAPI = 14
    kDLWebGPU = 15
    kDLHexagon = 16
    kDLMAIA = 17


# tensorgen queues CUDA work on the legacy default stream, which DLPack and the CUDA array
# interface number 1.
_LEGACY_DEFAULT_STREAM = 1


def _dl_device(dev) -> tuple[DLDeviceType, int]:
    if dev.type == "cuda":
        return (DLDeviceType.kDLCUDA, dev.index if dev.index is not None else 0)
    return (DLDeviceType.kDLCPU, 0)


def dlpack_device(self) -> tuple[DLDeviceType, int]:
    """(device type, device index) of the memory __dlpack__ exports."""
    return _dl_device(self.device)


def dlpack(self, *, stream=None, max_version=None, dl_device=None, copy=None):
    """A DLPack capsule sharing this tensor's memory (a copy with copy=True).

    stream: the consumer's CUDA stream (an int); work tensorgen queued before is made visible
    to it. None or -1 on the CPU. max_version: the newest DLPack version the consumer reads;
    >= (1, 0) gives a versioned capsule (which can say read-only), else a legacy one.
    dl_device: the device the consumer wants; only this tensor's device, or the CPU for a CUDA
    tensor when a copy is allowed. copy: True always copies, False never does (BufferError when
    it would have to), None copies only to change device.
    """
    if self.requires_grad:
        raise BufferError("[__dlpack__] can't export a tensor that requires grad; use tensor.detach()")
    if stream is not None and builtins.type(stream) is not builtins.int:
        raise TypeError(f"[__dlpack__] stream must be an int or None, got {builtins.type(stream).__name__}")
    if max_version is not None and (not isinstance(max_version, tuple) or len(max_version) != 2):
        raise TypeError(f"[__dlpack__] max_version must be a (major, minor) tuple or None, got {max_version!r}")
    device = dlpack_device(self)
    t, copied = self, False
    if dl_device is not None and (builtins.int(dl_device[0]), builtins.int(dl_device[1])) != device:
        target = (builtins.int(dl_device[0]), builtins.int(dl_device[1]))
        if target != (DLDeviceType.kDLCPU, 0):
            raise BufferError(f"[__dlpack__] can't export a {self.device} tensor to DLPack device {target}: "
                              "only its own device or the CPU (kDLCPU, 0)")
        if copy is False:
            raise BufferError(f"[__dlpack__] exporting a {self.device} tensor to the CPU needs a copy, but copy=False")
        t, copied = self.detach().cpu(), True
    if device[0] == DLDeviceType.kDLCUDA:
        # The consumer's stream must see the work queued on tensorgen's stream (the legacy
        # default one). -1: the consumer asked for no synchronization; None and 1 name the
        # legacy default stream itself; any other stream waits for the device to finish.
        if stream is not None and stream not in (-1, _LEGACY_DEFAULT_STREAM):
            _C._cuda_synchronize()
    elif stream is not None and stream != -1:
        raise ValueError(f"[__dlpack__] stream must be None or -1 for a CPU tensor, got {stream}")
    if copy and not copied:
        t, copied = self.detach().clone(), True
    versioned = max_version is not None and max_version[0] >= 1
    return _C._to_dlpack(t, versioned, copied)


def _call_dlpack(ext_tensor, kwargs: dict):
    """ext_tensor.__dlpack__(**kwargs), retried without the keywords an older producer rejects
    with TypeError (max_version, then copy, then dl_device: they arrived with DLPack 1.0 and the
    2023 array API), in PyTorch's order. Returns (capsule, whether the producer saw copy=)."""
    kwargs = builtins.dict(kwargs)
    for newer in ("max_version", "copy", "dl_device"):
        try:
            return ext_tensor.__dlpack__(**kwargs), "copy" in kwargs
        except TypeError:
            kwargs.pop(newer, None)
    return ext_tensor.__dlpack__(**kwargs), "copy" in kwargs


def from_dlpack(ext_tensor, *, device=None, copy=None):
    """A tensor sharing memory with ext_tensor: any object with __dlpack__ (a NumPy array, a
    PyTorch tensor, ...) or a DLPack capsule ("dltensor" or "dltensor_versioned", consumed once).

    Writes through either side are visible to the other. Memory the producer marks read-only
    stays read-only: ops that would write it raise RuntimeError. device: where the result
    lives (a copy when that differs from ext_tensor's device; ValueError with copy=False).
    copy: True asks for a private copy, False forbids one, None copies only when needed.
    """
    from tensorgen._tensor import device as _device  # (_tensor imports this module)
    if not hasattr(ext_tensor, "__dlpack__"):
        if device is not None or copy is not None:
            raise ValueError("[from_dlpack] device= and copy= need an object with __dlpack__; a capsule is "
                             "already exported")
        return _C._from_dlpack(ext_tensor)  # TypeError for anything but a capsule
    ext_device = ext_tensor.__dlpack_device__()
    ext_device = (builtins.int(ext_device[0]), builtins.int(ext_device[1]))
    kwargs = {"max_version": _C._dlpack_version}
    if copy is not None:
        kwargs["copy"] = copy
    cross_device = False
    if device is not None:
        target = _dl_device(_device(device))
        cross_device = target != ext_device
        if cross_device and copy is False:
            raise ValueError(f"[from_dlpack] moving a DLPack tensor from device {ext_device} to {target} needs a "
                             "copy, but copy=False")
        if not cross_device:
            kwargs["dl_device"] = target
    if ext_device[0] == DLDeviceType.kDLCUDA:
        kwargs["stream"] = _LEGACY_DEFAULT_STREAM
    capsule, producer_copied = _call_dlpack(ext_tensor, kwargs)
    t = _C._from_dlpack(capsule)
    if cross_device:
        return t.to(device)
    if copy and not producer_copied:
        t = t.clone()
    return t


def array(self, dtype=None, copy=None):
    """np.asarray(x) / np.array(x): the tensor's memory as a NumPy array, NumPy 2's rules.

    copy=None shares when it can; copy=True always copies; copy=False never copies and raises
    ValueError when it would have to (a dtype conversion). CUDA and bfloat16 tensors raise
    TypeError (NumPy cannot read device memory and has no bfloat16), tensors that require grad
    RuntimeError, as Tensor.numpy() does."""
    a = self.numpy()
    if dtype is not None and a.dtype != dtype:
        import numpy as np  # (imported by numpy() already)
        if copy is False:
            raise ValueError(f"[__array__] converting a {self.dtype} tensor to NumPy dtype {np.dtype(dtype)} needs a "
                             "copy, but copy=False")
        return a.astype(dtype)
    return a.copy() if copy else a


def _interface(self, name: str, read_only: bool) -> dict:
    typestr = _C._numpy_typestr(self.dtype)
    if typestr is None:
        raise TypeError(f"[{name}] {self.dtype} has no NumPy type string; convert with .float() first")
    itemsize = self.element_size()
    strides = None if self.is_contiguous() else tuple(s * itemsize for s in self.stride())
    data_ptr = self.data_ptr() if self.numel() > 0 else 0
    return {"version": 3, "shape": tuple(self.shape), "typestr": typestr, "descr": [("", typestr)],
            "data": (data_ptr, read_only), "strides": strides}


def array_interface(self) -> dict:
    """NumPy's __array_interface__ (version 3) for CPU tensors: shape, typestr, (pointer,
    read-only), strides in bytes (None when contiguous). The array NumPy builds keeps the tensor
    alive. Missing (AttributeError) where NumPy must go through __array__ instead, which raises
    the clear error: CUDA tensors, tensors that require grad, bfloat16."""
    if self.device.type != "cpu":
        raise AttributeError(f"[__array_interface__] {self.device} tensors have no __array_interface__; use "
                             "__cuda_array_interface__, DLPack, or Tensor.cpu()")
    if self.requires_grad:
        raise AttributeError("[__array_interface__] a tensor that requires grad has no __array_interface__; use "
                             "tensor.detach()")
    if _C._numpy_typestr(self.dtype) is None:
        raise AttributeError(f"[__array_interface__] {self.dtype} has no NumPy dtype")
    return _interface(self, "__array_interface__", _C._is_read_only(self))


def cuda_array_interface(self) -> dict:
    """The CUDA array interface (version 3) of a CUDA tensor (Numba, CuPy): as PyTorch's, plus
    stream 1 (tensorgen's work runs on the legacy default stream). AttributeError on CPU tensors,
    so hasattr() is False there."""
    if not self.is_cuda:
        raise AttributeError(f"[__cuda_array_interface__] can't get __cuda_array_interface__ on a {self.device} "
                             "tensor; use tensor.cuda() to copy it to device memory")
    if self.requires_grad:
        raise RuntimeError("[__cuda_array_interface__] can't get __cuda_array_interface__ on a tensor that "
                           "requires grad; use tensor.detach()")
    d = _interface(self, "__cuda_array_interface__", _C._is_read_only(self))
    d["stream"] = _LEGACY_DEFAULT_STREAM
    return d
