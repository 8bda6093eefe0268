"""Zero-copy exchange: DLPack (both directions, versioned and legacy capsules), NumPy's
__array__ / __array_interface__, the buffer protocol, read-only memory, and the bad inputs an
interop path can bring (consumed capsules, foreign devices, unsupported dtypes, malformed
capsules). Shared memory is proven by writing through one library and reading through the other.
PyTorch tests skip when torch is not installed."""
import ctypes
import gc
import hashlib
import io
import weakref

import numpy as np
import pytest

import tensorgen as tg

try:
    import torch
    import torch.utils.dlpack
except ImportError:  # the torch tests skip; everything else needs only NumPy
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")

NUMPY_DTYPES = [(tg.bool, np.bool_), (tg.uint8, np.uint8), (tg.int8, np.int8), (tg.int16, np.int16),
                (tg.int32, np.int32), (tg.int64, np.int64), (tg.float16, np.float16), (tg.float32, np.float32),
                (tg.float64, np.float64)]
TG_DTYPES = [d for d, _ in NUMPY_DTYPES] + [tg.bfloat16]


def _name(dtype) -> str:
    return str(dtype).split(".")[-1]


def _values(np_dtype, shape=(3, 4)):
    """Distinct small values that every dtype represents exactly (bool: alternating)."""
    v = np.arange(int(np.prod(shape))).reshape(shape)
    return (v % 2 == 1) if np_dtype == np.bool_ else (v % 7).astype(np_dtype)


def _tg(np_values, dtype):
    return tg.tensor(np_values.astype(np.float32) if dtype is tg.bfloat16 else np_values, dtype=dtype)


def _new_value(np_dtype):
    return True if np_dtype == np.bool_ else np_dtype(5)


def _allocated():
    gc.collect()
    return tg.cpu_memory_stats()["allocated_bytes"]


# ----------------------------------------------------------------------------- NumPy <-> tensorgen, DLPack
@pytest.mark.parametrize("dtype, np_dtype", NUMPY_DTYPES, ids=[_name(d) for d, _ in NUMPY_DTYPES])
def test_numpy_from_dlpack_shares_memory_every_dtype(dtype, np_dtype):
    x = _tg(_values(np_dtype), dtype)
    a = np.from_dlpack(x)
    assert a.dtype == np_dtype and a.shape == (3, 4) and a.flags.writeable
    np.testing.assert_array_equal(a, _values(np_dtype))
    a[1, 2] = _new_value(np_dtype)  # NumPy writes, tensorgen reads
    assert x[1, 2].item() == a[1, 2].item()
    x[0, 3] = _new_value(np_dtype)  # tensorgen writes, NumPy reads
    assert a[0, 3] == _new_value(np_dtype)


@pytest.mark.parametrize("dtype, np_dtype", NUMPY_DTYPES, ids=[_name(d) for d, _ in NUMPY_DTYPES])
def test_tg_from_dlpack_of_numpy_shares_memory_every_dtype(dtype, np_dtype):
    a = _values(np_dtype)
    x = tg.from_dlpack(a)
    assert x.dtype is dtype and x.shape == (3, 4) and x.stride() == (4, 1)
    assert x.tolist() == a.tolist()
    x[2, 1] = _new_value(np_dtype)
    assert a[2, 1] == _new_value(np_dtype)
    a[0, 0] = _new_value(np_dtype)
    assert x[0, 0].item() == a[0, 0].item()


def test_numpy_from_dlpack_noncontiguous_views():
    base = tg.arange(24, dtype=tg.float64).reshape(4, 6)
    for view in (base.t(), base[::2, 1::3], base[1:, 2], tg.arange(3.0).reshape(3, 1).expand(3, 5)):
        a = np.from_dlpack(view)
        assert a.shape == tuple(view.shape)
        assert a.strides == tuple(s * 8 if view.dtype is tg.float64 else s * 4 for s in view.stride())
        np.testing.assert_array_equal(a, view.numpy())
    # a write through a strided NumPy view lands in the right element of the tensor
    a = np.from_dlpack(base[::2, 1::3])
    a[1, 1] = -1.0
    assert base[2, 4].item() == -1.0
    # expanded (stride 0): every row reads the one element that was written
    src = tg.arange(3.0).reshape(3, 1)
    e = np.from_dlpack(src.expand(3, 5))
    assert e.strides == (4, 0)
    src[1, 0] = 9.0
    np.testing.assert_array_equal(e[1], [9.0] * 5)


def test_tg_from_dlpack_of_noncontiguous_numpy():
    a = np.arange(24, dtype=np.int32).reshape(4, 6)
    for view in (a.T, a[::2, 1::3], a[1:, 2], a[:, None, :]):
        x = tg.from_dlpack(view)
        assert x.shape == view.shape
        assert x.tolist() == view.tolist()
    x = tg.from_dlpack(a[::2, 1::3])
    assert x.stride() == (12, 3) and x.storage_offset() == 0
    x[1, 1] = -7
    assert a[2, 4] == -7


def test_zero_dim_empty_and_size_one_dims():
    for x in (tg.tensor(3.5), tg.empty(0, 3), tg.empty(2, 0, 4), tg.ones(1, 3, 1), tg.empty(0)):
        a = np.from_dlpack(x)
        assert a.shape == tuple(x.shape) and a.dtype == np.float32
        np.testing.assert_array_equal(a, x.numpy())
        back = tg.from_dlpack(a)
        assert back.shape == x.shape and back.tolist() == x.tolist()
    s = tg.tensor(1.5)
    np.from_dlpack(s)[()] = 2.5
    assert s.item() == 2.5
    z = np.array(4, dtype=np.int16)
    x = tg.from_dlpack(z)
    assert x.dim() == 0 and x.item() == 4
    x.fill_(8)
    assert z[()] == 8
    # NumPy's arbitrary strides on size-1 dims address nothing and are normalized
    odd = np.lib.stride_tricks.as_strided(np.arange(4.0), shape=(1, 4), strides=(1000, 8))
    assert tg.from_dlpack(odd).tolist() == [[0.0, 1.0, 2.0, 3.0]]


def test_tensorgen_to_tensorgen_shares_memory():
    x = tg.arange(6.0)
    for capsule_source in (x, x.__dlpack__(), x.__dlpack__(max_version=(1, 0))):
        y = tg.from_dlpack(capsule_source)
        y[0] += 1
    assert x[0].item() == 3.0


# ----------------------------------------------------------------------------- lifetime
def test_exported_memory_outlives_the_producer():
    before = _allocated()
    x = tg.arange(1000, dtype=tg.float64) * 2
    a = np.from_dlpack(x)
    del x
    gc.collect()
    assert _allocated() > before  # the consumer still holds the storage
    np.testing.assert_array_equal(a, np.arange(1000) * 2.0)
    del a
    assert _allocated() == before  # and released it with its last array


def test_unconsumed_capsule_frees_its_tensor():
    before = _allocated()
    x = tg.ones(1000)
    capsules = [x.__dlpack__(), x.__dlpack__(max_version=(1, 0))]
    del x
    assert _allocated() > before
    del capsules
    assert _allocated() == before


def test_imported_memory_outlives_the_producer_and_is_released():
    a = np.arange(50, dtype=np.float32) + 0.5
    ref = weakref.ref(a)
    x = tg.from_dlpack(a)
    del a
    gc.collect()
    assert ref() is not None  # tensorgen keeps the NumPy array alive through the capsule deleter
    v = x[1:3] * 2  # views and results keep working
    assert x.sum().item() == pytest.approx(sum(i + 0.5 for i in range(50)))
    del x
    gc.collect()
    assert ref() is None and v.tolist() == [3.0, 5.0]


def test_memoryview_keeps_the_tensor_alive():
    x = tg.arange(5, dtype=tg.int32)
    m = memoryview(x)
    del x
    gc.collect()
    assert m.tolist() == [0, 1, 2, 3, 4]


# ----------------------------------------------------------------------------- capsules
def test_capsule_names_versions_and_consumption():
    x = tg.arange(4)
    legacy, versioned = x.__dlpack__(), x.__dlpack__(max_version=(1, 0))
    assert '"dltensor"' in repr(legacy) and '"dltensor_versioned"' in repr(versioned)
    assert '"dltensor"' in repr(x.__dlpack__(max_version=(0, 8)))
    assert '"dltensor_versioned"' in repr(x.__dlpack__(max_version=tg._C._dlpack_version))
    for capsule, used in ((legacy, "used_dltensor"), (versioned, "used_dltensor_versioned")):
        tg.from_dlpack(capsule)
        assert f'"{used}"' in repr(capsule)
        with pytest.raises(RuntimeError, match=r"\[from_dlpack\] the DLPack capsule was already consumed"):
            tg.from_dlpack(capsule)


@needs_torch
def test_capsule_consumed_by_torch_cannot_be_reused():
    capsule = tg.arange(3).__dlpack__()
    torch.utils.dlpack.from_dlpack(capsule)
    with pytest.raises(RuntimeError, match="already consumed"):
        tg.from_dlpack(capsule)


def test_dlpack_device_and_arguments():
    x = tg.ones(2)
    assert x.__dlpack_device__() == (1, 0)
    assert x.__dlpack_device__()[0] is tg._interop.DLDeviceType.kDLCPU
    assert '"dltensor"' in repr(x.__dlpack__(dl_device=(1, 0)))  # its own device: fine
    assert np.from_dlpack(x, device="cpu").shape == (2,)
    with pytest.raises(BufferError, match=r"\[__dlpack__\] can't export a cpu tensor to DLPack device \(2, 0\)"):
        x.__dlpack__(dl_device=(2, 0))
    with pytest.raises(ValueError, match="stream must be None or -1 for a CPU tensor, got 5"):
        x.__dlpack__(stream=5)
    with pytest.raises(TypeError, match="stream must be an int or None, got str"):
        x.__dlpack__(stream="s")
    with pytest.raises(TypeError, match="max_version must be a"):
        x.__dlpack__(max_version=1)
    x.__dlpack__(stream=-1)
    with pytest.raises(TypeError):
        x.__dlpack__(None)  # keyword-only, as the array API specifies
    w = tg.ones(2, requires_grad=True)
    with pytest.raises(BufferError, match=r"requires grad; use tensor.detach\(\)"):
        w.__dlpack__()
    assert np.from_dlpack(w.detach()).shape == (2,)


def test_copy_semantics_of_dlpack():
    x = tg.zeros(3)
    copied = np.from_dlpack(x, copy=True)
    shared = np.from_dlpack(x, copy=False)
    x.fill_(1.0)
    assert copied.tolist() == [0.0, 0.0, 0.0] and shared.tolist() == [1.0, 1.0, 1.0]
    a = np.zeros(3)
    c, s, n = tg.from_dlpack(a, copy=True), tg.from_dlpack(a, copy=False), tg.from_dlpack(a)
    a[:] = 2.0
    assert c.tolist() == [0.0] * 3 and s.tolist() == [2.0] * 3 and n.tolist() == [2.0] * 3
    with pytest.raises(ValueError, match="device= and copy= need an object with __dlpack__"):
        tg.from_dlpack(x.__dlpack__(), copy=True)
    with pytest.raises(ValueError, match="needs a copy, but copy=False"):
        tg.from_dlpack(a, device="cuda", copy=False)
    assert tg.from_dlpack(a, device="cpu").tolist() == [2.0] * 3


def test_from_dlpack_negotiates_with_older_producers():
    class Legacy:  # a producer from before DLPack 1.0: no max_version / copy / dl_device
        def __init__(self, arr):
            self.arr, self.calls = arr, []

        def __dlpack__(self, stream=None):
            self.calls.append(stream)
            return self.arr.__dlpack__()  # a legacy capsule

        def __dlpack_device__(self):
            return self.arr.__dlpack_device__()

    a = np.arange(3.0)
    p = Legacy(a)
    x = tg.from_dlpack(p)
    x[0] = 7.0
    assert a[0] == 7.0 and p.calls == [None]
    y = tg.from_dlpack(Legacy(a), copy=True)  # the producer can't copy: tensorgen does
    a[1] = 8.0
    assert y.tolist() == [7.0, 1.0, 2.0]


def test_from_dlpack_rejects_non_dlpack_objects():
    with pytest.raises(TypeError, match=r"\[from_dlpack\] expected an object with a __dlpack__ method or a DLPack "
                                        r"capsule, got int"):
        tg.from_dlpack(42)
    with pytest.raises(TypeError, match="expected an object with a __dlpack__"):
        tg.from_dlpack([1.0, 2.0])


def test_numpy_complex_and_other_unsupported_dtypes_raise_type_error():
    for a in (np.ones(2, dtype=np.complex64), np.ones(2, dtype=np.uint16), np.ones(2, dtype=np.uint64)):
        with pytest.raises(TypeError, match=r"\[from_dlpack\] unsupported DLPack dtype (complex64|uint16|uint64)"):
            tg.from_dlpack(a)


def test_bfloat16_with_numpy():
    x = tg.ones(2, dtype=tg.bfloat16)
    with pytest.raises(RuntimeError, match="Unsupported dtype"):
        np.from_dlpack(x)  # NumPy has no bfloat16 (its own error)
    with pytest.raises(TypeError, match="bfloat16"):
        np.asarray(x)
    with pytest.raises(BufferError, match=r"\[memoryview\] bfloat16 has no buffer-protocol format"):
        memoryview(x)
    assert not hasattr(x, "__array_interface__")


# ----------------------------------------------------------------------------- malformed capsules (ctypes)
class _DLDevice(ctypes.Structure):
    _fields_ = [("device_type", ctypes.c_int32), ("device_id", ctypes.c_int32)]


class _DLDataType(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint8), ("bits", ctypes.c_uint8), ("lanes", ctypes.c_uint16)]


class _DLTensor(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("device", _DLDevice), ("ndim", ctypes.c_int32),
                ("dtype", _DLDataType), ("shape", ctypes.POINTER(ctypes.c_int64)),
                ("strides", ctypes.POINTER(ctypes.c_int64)), ("byte_offset", ctypes.c_uint64)]


class _DLManagedTensorVersioned(ctypes.Structure):
    pass


_DELETER = ctypes.CFUNCTYPE(None, ctypes.POINTER(_DLManagedTensorVersioned))
_DLManagedTensorVersioned._fields_ = [("major", ctypes.c_uint32), ("minor", ctypes.c_uint32),
                                      ("manager_ctx", ctypes.c_void_p), ("deleter", _DELETER),
                                      ("flags", ctypes.c_uint64), ("dl_tensor", _DLTensor)]
_PyCapsule_New = ctypes.pythonapi.PyCapsule_New
_PyCapsule_New.restype = ctypes.py_object
_PyCapsule_New.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p]


class _HandMadeCapsule:
    """A DLManagedTensorVersioned over a NumPy buffer, built field by field, counting deleter calls."""

    def __init__(self, buffer, shape, strides=None, *, code=2, bits=32, lanes=1, device=(1, 0), byte_offset=0,
                 major=1, flags=0, ndim=None):
        self.buffer, self.deleted = buffer, 0
        self.shape = (ctypes.c_int64 * max(len(shape), 1))(*shape)
        self.strides = None if strides is None else (ctypes.c_int64 * max(len(strides), 1))(*strides)
        self.deleter = _DELETER(self._delete)
        m = self.managed = _DLManagedTensorVersioned()
        m.major, m.minor, m.deleter, m.flags = major, 0, self.deleter, flags
        t = m.dl_tensor
        t.data = buffer.ctypes.data
        t.device = _DLDevice(*device)
        t.ndim = len(shape) if ndim is None else ndim
        t.dtype = _DLDataType(code, bits, lanes)
        t.shape = self.shape
        t.strides = self.strides
        t.byte_offset = byte_offset
        self.capsule = _PyCapsule_New(ctypes.addressof(m), b"dltensor_versioned", None)

    def _delete(self, _):
        self.deleted += 1


_PyCapsule_GetPointer = ctypes.pythonapi.PyCapsule_GetPointer
_PyCapsule_GetPointer.restype = ctypes.c_void_p
_PyCapsule_GetPointer.argtypes = [ctypes.py_object, ctypes.c_char_p]


def _read_versioned(capsule) -> _DLManagedTensorVersioned:
    return _DLManagedTensorVersioned.from_address(_PyCapsule_GetPointer(capsule, b"dltensor_versioned"))


@pytest.mark.parametrize("dtype, code", [(tg.bool, 6), (tg.uint8, 1), (tg.int8, 0), (tg.int16, 0), (tg.int32, 0),
                                         (tg.int64, 0), (tg.float16, 2), (tg.bfloat16, 4), (tg.float32, 2),
                                         (tg.float64, 2)], ids=_name)
def test_exported_capsule_fields(dtype, code):
    base = tg.zeros(4, 6, dtype=dtype)
    x = base[1:, ::2]  # storage offset 6, strides (6, 2)
    capsule = x.__dlpack__(max_version=(1, 0))
    m = _read_versioned(capsule)
    assert (m.major, m.minor) == tg._C._dlpack_version and m.major == 1 and m.flags == 0
    t = m.dl_tensor
    assert (t.device.device_type, t.device.device_id) == (1, 0) and t.ndim == 2
    assert (t.dtype.code, t.dtype.bits, t.dtype.lanes) == (code, 8 * x.element_size(), 1)
    assert [t.shape[i] for i in range(2)] == [3, 3] and [t.strides[i] for i in range(2)] == [6, 2]
    assert t.data == x.data_ptr() and t.byte_offset == 0  # the first element, as PyTorch and NumPy export
    # (each capsule stays referenced while its struct is read: the struct dies with it)
    copied = x.__dlpack__(max_version=(1, 0), copy=True)
    assert _read_versioned(copied).flags == 2  # DLPACK_FLAG_BITMASK_IS_COPIED
    ro = tg.from_dlpack(_read_only_array()).__dlpack__(max_version=(1, 0))
    assert _read_versioned(ro).flags == 1  # DLPACK_FLAG_BITMASK_READ_ONLY
    e = tg.empty(0, 2, dtype=dtype).__dlpack__(max_version=(1, 0))
    empty = _read_versioned(e).dl_tensor
    assert empty.data is None and empty.shape[0] == 0  # an empty tensor exports NULL, as dlpack.h asks
    s = tg.zeros((), dtype=dtype).__dlpack__(max_version=(1, 0))
    scalar = _read_versioned(s).dl_tensor
    assert scalar.ndim == 0 and scalar.data is not None


def test_hand_made_capsule_byte_offset_strides_and_deleter():
    buf = np.arange(10, dtype=np.float32)
    c = _HandMadeCapsule(buf, (2, 2), (1, 3), byte_offset=8)  # starts at element 2, transposed layout
    x = tg.from_dlpack(c.capsule)
    assert x.tolist() == [[2.0, 5.0], [3.0, 6.0]] and x.stride() == (1, 3)
    x[1, 1] = -1.0
    assert buf[6] == -1.0
    y = x[0]  # a view keeps the memory: the deleter waits for the last one
    del x
    gc.collect()
    assert c.deleted == 0
    del y
    gc.collect()
    assert c.deleted == 1
    # NULL strides: compact row-major (DLPack before 1.2)
    c2 = _HandMadeCapsule(buf, (2, 3))
    assert tg.from_dlpack(c2.capsule).tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]


@pytest.mark.parametrize("kwargs, exc, match", [
    ({"device": (4, 0)}, BufferError, r"\[from_dlpack\] unsupported DLPack device type 4"),  # OpenCL
    ({"device": (17, 0)}, BufferError, "unsupported DLPack device type 17"),
    ({"code": 5, "bits": 64}, TypeError, "unsupported DLPack dtype complex64"),
    ({"code": 2, "bits": 32, "lanes": 4}, TypeError, "unsupported DLPack dtype float32x4"),
    ({"code": 8, "bits": 8}, TypeError, "unsupported DLPack dtype"),  # float8
    ({"strides": (-1,)}, BufferError, "negative strides are not supported"),
    ({"ndim": -1}, ValueError, "invalid number of dimensions -1"),
    ({"major": 2}, BufferError, r"unsupported DLPack version 2\.0"),
    ({"shape": (-3,)}, RuntimeError, "negative dimension"),
    ({"shape": (2**40, 2**40)}, RuntimeError, "overflowed"),
    ({"strides": (2**62,), "shape": (4,)}, ValueError, "overflow"),
])
def test_malformed_or_foreign_capsules_raise_and_stay_unconsumed(kwargs, exc, match):
    buf = np.arange(4, dtype=np.float32)
    shape = kwargs.pop("shape", (4,))
    c = _HandMadeCapsule(buf, shape, kwargs.pop("strides", None), **kwargs)
    with pytest.raises(exc, match=match):
        tg.from_dlpack(c.capsule)
    assert '"dltensor_versioned"' in repr(c.capsule) and c.deleted == 0  # left to its producer


def test_cuda_capsule_without_a_gpu():
    c = _HandMadeCapsule(np.zeros(2, np.float32), (2,), device=(2, 0))
    if not tg._C._cuda_is_built():
        match = r"\[from_dlpack\] the DLPack tensor is on cuda:0, but tensorgen was built without CUDA"
    elif tg._C._cuda_device_count() == 0:
        match = r"\[cuda\] no CUDA GPU is available"
    else:
        pytest.skip("a GPU is present: a kDLCUDA capsule would be imported, not refused")
    with pytest.raises(RuntimeError, match=match):
        tg.from_dlpack(c.capsule)
    assert c.deleted == 0 and '"dltensor_versioned"' in repr(c.capsule)


def test_capsule_with_another_name():
    c = _PyCapsule_New(ctypes.addressof(ctypes.c_int(0)), b"something_else", None)
    with pytest.raises(TypeError, match="expected a DLPack capsule named 'dltensor' or 'dltensor_versioned', got a "
                                        "capsule named 'something_else'"):
        tg.from_dlpack(c)


# ----------------------------------------------------------------------------- read-only memory
def _read_only_array():
    a = np.arange(6, dtype=np.float32)
    a.flags.writeable = False
    return a


@pytest.mark.parametrize("importer", [tg.from_dlpack, tg.from_numpy], ids=["from_dlpack", "from_numpy"])
def test_read_only_numpy_import_refuses_writes(importer):
    a = _read_only_array()
    x = importer(a)
    assert x.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0] and (x + 1)[0].item() == 1.0  # reading is fine
    writes = [
        ("add_", lambda: x.add_(1)),
        ("fill_", lambda: x[1:3].fill_(1.0)),  # views share the flag
        ("copy_", lambda: x.copy_(tg.zeros(6))),
        ("fill_", lambda: x.__setitem__(0, 5.0)),  # x[0] = 5.0
        ("index_put_", lambda: x.__setitem__(tg.tensor([0, 2]), 1.0)),  # x[[0, 2]] = 1.0
        ("mul", lambda: tg.mul(tg.ones(6), 2, out=x)),
        ("zero_", lambda: x.view(2, 3).zero_()),
    ]
    for op, write in writes:
        with pytest.raises(RuntimeError, match=rf"\[{op}\] cannot write to a read-only tensor"):
            write()
    np.testing.assert_array_equal(a, np.arange(6, dtype=np.float32))  # nothing was written
    c = x.clone()  # a copy is writable
    c.add_(1)
    assert c[0].item() == 1.0
    assert tg.tensor(a).add_(1)[0].item() == 1.0  # tg.tensor copies


def test_read_only_broadcast_numpy_view_is_read_only():
    a = np.broadcast_to(np.arange(3.0), (2, 3))  # NumPy marks broadcast views read-only
    x = tg.from_dlpack(a)
    assert x.stride() == (0, 1) and x.tolist() == [[0.0, 1.0, 2.0]] * 2
    with pytest.raises(RuntimeError, match=r"\[sub_\] cannot write to a read-only tensor"):
        x.sub_(1)


def test_read_only_tensors_export_read_only():
    x = tg.from_dlpack(_read_only_array())
    assert not np.from_dlpack(x).flags.writeable  # versioned capsule with DLPACK_FLAG_BITMASK_READ_ONLY
    assert not np.asarray(x).flags.writeable  # buffer protocol, readonly
    assert not x.numpy().flags.writeable
    assert x.__array_interface__["data"][1] is True
    m = memoryview(x)
    assert m.readonly
    with pytest.raises(TypeError):
        m[0] = 1.0
    with pytest.raises(TypeError, match="read-write bytes-like object"):
        io.BytesIO(b"\0" * 24).readinto(x)  # a writable request is refused (CPython words the error)
    with pytest.raises(BufferError, match=r"legacy \(unversioned\) DLPack capsule"):
        x.__dlpack__()  # a legacy capsule cannot carry the flag
    assert np.from_dlpack(x, copy=True).flags.writeable  # a private copy is writable
    assert tg.from_dlpack(x).__array_interface__["data"][1] is True  # re-imported: still read-only


# ----------------------------------------------------------------------------- __array__, __array_interface__
def test_array_protocol_numpy2_semantics():
    x = tg.arange(4, dtype=tg.float32)
    shared = x.__array__()
    shared[0] = 10.0
    assert x[0].item() == 10.0
    assert x.__array__(copy=False).ctypes.data == x.data_ptr()
    copied = x.__array__(copy=True)
    copied[1] = -1.0
    assert x[1].item() == 1.0
    as64 = x.__array__(np.float64)
    assert as64.dtype == np.float64 and as64.tolist() == [10.0, 1.0, 2.0, 3.0]
    assert x.__array__(np.float32, copy=False).ctypes.data == x.data_ptr()  # same dtype: no copy needed
    with pytest.raises(ValueError, match=r"\[__array__\] converting a tensorgen.float32 tensor to NumPy dtype "
                                         r"float64 needs a copy, but copy=False"):
        x.__array__(np.float64, copy=False)
    with pytest.raises(ValueError):
        np.asarray(x, dtype=np.float64, copy=False)
    assert np.array(x).tolist() == [10.0, 1.0, 2.0, 3.0]
    with pytest.raises(RuntimeError, match="requires grad"):
        np.asarray(tg.ones(2, requires_grad=True))


@pytest.mark.parametrize("dtype, np_dtype", NUMPY_DTYPES, ids=[_name(d) for d, _ in NUMPY_DTYPES])
def test_array_interface_and_asarray_share_memory(dtype, np_dtype):
    x = _tg(_values(np_dtype, (2, 3)), dtype)
    ai = x.__array_interface__
    assert ai["version"] == 3 and ai["shape"] == (2, 3) and ai["strides"] is None
    assert np.dtype(ai["typestr"]) == np_dtype and ai["data"] == (x.data_ptr(), False)
    assert x.t().__array_interface__["strides"] == (x.element_size(), 3 * x.element_size())

    class OnlyInterface:  # NumPy reads __array_interface__ alone, without the buffer protocol
        __array_interface__ = x.t().__array_interface__
    a = np.asarray(OnlyInterface())
    np.testing.assert_array_equal(a, _values(np_dtype, (2, 3)).T)
    b = np.asarray(x)  # the buffer protocol path
    assert b.ctypes.data == x.data_ptr() and b.dtype == np_dtype
    b[1, 1] = _new_value(np_dtype)
    assert x[1, 1].item() == b[1, 1].item()


def test_array_interface_absent_where_numpy_must_not_share():
    assert not hasattr(tg.ones(2, requires_grad=True), "__array_interface__")
    assert not hasattr(tg.ones(2, dtype=tg.bfloat16), "__array_interface__")
    assert not hasattr(tg.ones(2), "__cuda_array_interface__")  # CPU tensor, as in PyTorch
    with pytest.raises(AttributeError, match="can't get __cuda_array_interface__ on a cpu tensor"):
        tg.ones(2).__cuda_array_interface__
    e = tg.empty(0, 2)
    assert e.__array_interface__["data"] == (0, False) and np.asarray(e).shape == (0, 2)


# ----------------------------------------------------------------------------- buffer protocol
@pytest.mark.parametrize("dtype, np_dtype", NUMPY_DTYPES, ids=[_name(d) for d, _ in NUMPY_DTYPES])
def test_memoryview_format_shape_strides(dtype, np_dtype):
    x = _tg(_values(np_dtype, (2, 3)), dtype)
    m = memoryview(x)
    assert np.dtype(m.format) == np_dtype and m.itemsize == x.element_size()
    assert m.shape == (2, 3) and m.strides == (3 * m.itemsize, m.itemsize) and not m.readonly
    assert m.c_contiguous and m.nbytes == 6 * m.itemsize
    if np_dtype != np.float16:  # (memoryview cannot unpack format 'e' itself; NumPy can)
        assert m.tolist() == _values(np_dtype, (2, 3)).tolist()
    through = np.asarray(m)
    np.testing.assert_array_equal(through, _values(np_dtype, (2, 3)))
    through[0, 1] = _new_value(np_dtype)  # writes through the memoryview, tensorgen reads
    assert x[0, 1].item() == _new_value(np_dtype)


def test_memoryview_views_0d_and_empty():
    base = tg.arange(12, dtype=tg.int64).reshape(3, 4)
    t = memoryview(base.t())
    assert t.shape == (4, 3) and t.strides == (8, 32) and not t.c_contiguous
    assert t.tolist() == base.t().tolist()
    s = memoryview(base[::2, 1::2])
    assert s.strides == (64, 16) and s.tolist() == [[1, 3], [9, 11]]
    z = memoryview(tg.tensor(2.5, dtype=tg.float64))
    assert z.ndim == 0 and z.shape == () and z.tolist() == 2.5
    e = memoryview(tg.empty(0, 3))
    assert e.shape == (0, 3) and e.nbytes == 0
    assert bytes(tg.tensor([1, 2], dtype=tg.uint8)) == b"\x01\x02"
    # a simple request (contiguous bytes, no shape): hashlib reads the same bytes as NumPy's
    v = np.array([7, 8], dtype=np.int32)
    assert hashlib.md5(tg.from_numpy(v)).hexdigest() == hashlib.md5(v).hexdigest()
    with pytest.raises(BufferError, match="cannot take strides but the tensor is not contiguous"):
        hashlib.md5(tg.ones(2, 2, dtype=tg.int32).t())
    buf = tg.zeros(4, dtype=tg.uint8)
    io.BytesIO(b"\x01\x02\x03\x04").readinto(buf)  # a writable request writes the tensor
    assert buf.tolist() == [1, 2, 3, 4]


def test_memoryview_refuses_what_it_cannot_share():
    with pytest.raises(BufferError, match=r"\[memoryview\] can't export a tensor that requires grad"):
        memoryview(tg.ones(2, requires_grad=True))


# ----------------------------------------------------------------------------- PyTorch <-> tensorgen
TORCH_DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32", "float64"]


def _torch_values(name, shape=(3, 4)):
    v = torch.arange(int(np.prod(shape))).reshape(shape)
    return (v % 2 == 1) if name == "bool" else (v % 7).to(getattr(torch, name))


@needs_torch
@pytest.mark.parametrize("name", TORCH_DTYPES)
def test_torch_from_dlpack_of_tensorgen_every_dtype(name):
    dtype = getattr(tg, name)
    x = _tg(_values(np.bool_ if name == "bool" else np.int64), dtype)
    for t in (torch.from_dlpack(x), torch.utils.dlpack.from_dlpack(x.__dlpack__())):  # versioned, legacy
        assert t.dtype == getattr(torch, name) and tuple(t.shape) == (3, 4)
        assert t.data_ptr() == x.data_ptr()
        assert torch.equal(t, _torch_values(name))
    t = torch.from_dlpack(x)
    t[1, 2] = True if name == "bool" else 5  # torch writes, tensorgen reads
    assert x[1, 2].item() == (True if name == "bool" else 5)
    x[2, 3] = False if name == "bool" else 6  # tensorgen writes, torch reads
    assert t[2, 3].item() == (False if name == "bool" else 6)


@needs_torch
@pytest.mark.parametrize("name", TORCH_DTYPES)
def test_tg_from_dlpack_of_torch_every_dtype(name):
    t = _torch_values(name)
    x = tg.from_dlpack(t)
    assert x.dtype is getattr(tg, name) and x.shape == (3, 4) and x.data_ptr() == t.data_ptr()
    assert x.tolist() == t.tolist()
    x[0, 1] = True if name == "bool" else 3
    assert t[0, 1].item() == (True if name == "bool" else 3)
    t[2, 2] = False if name == "bool" else 4
    assert x[2, 2].item() == (False if name == "bool" else 4)
    y = tg.from_dlpack(torch.utils.dlpack.to_dlpack(t))  # a legacy capsule
    assert y.data_ptr() == t.data_ptr() and y.tolist() == t.tolist()


@needs_torch
def test_torch_noncontiguous_zero_dim_and_empty_both_ways():
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    for view in (base.t(), base[::2, 1::3], base[1:, 2], base[:, :1].expand(4, 5), torch.tensor(2.5),
                 torch.empty(0, 3), torch.ones(1, 4, 1)):
        x = tg.from_dlpack(view)
        assert x.shape == tuple(view.shape) and x.tolist() == view.tolist()
        if view.numel() > 1:
            assert x.stride() == view.stride()
        back = torch.from_dlpack(x)
        assert back.shape == view.shape and torch.equal(back, view)
    x = tg.from_dlpack(base[1::2, 2::2])  # a torch view with a storage offset
    x[0, 0] = -1.0
    assert base[1, 2].item() == -1.0
    y = tg.arange(24, dtype=tg.float32).reshape(4, 6)
    v = torch.from_dlpack(y[::2, 1::3])
    assert v.stride() == (12, 3)
    v[1, 1] = -2.0
    assert y[2, 4].item() == -2.0


@needs_torch
def test_torch_bfloat16_and_bool_values_bit_exact():
    t = torch.tensor([1.0, -2.5, 3.1415926, float("inf"), float("nan"), -0.0], dtype=torch.bfloat16)
    x = tg.from_dlpack(t)
    assert torch.equal(torch.from_dlpack(x).view(torch.int16), t.view(torch.int16))  # same bits
    assert x.float().tolist()[:4] == t.float().tolist()[:4]
    b = torch.tensor([True, False, True])
    xb = tg.from_dlpack(b)
    assert xb.dtype is tg.bool and xb.tolist() == [True, False, True]
    assert torch.from_dlpack(tg.tensor([False, True])).tolist() == [False, True]


@needs_torch
def test_torch_complex_and_unsupported_raise_type_error():
    for t in (torch.ones(2, dtype=torch.complex64), torch.ones(2, dtype=torch.complex128),
              torch.ones(2, dtype=torch.uint16), torch.ones(2, dtype=torch.float8_e4m3fn)):
        with pytest.raises(TypeError, match=r"\[from_dlpack\] unsupported DLPack dtype"):
            tg.from_dlpack(t)
    assert torch.ones(2, dtype=torch.complex64).numel() == 2  # the producer's tensor is intact


@needs_torch
def test_torch_lifetime_both_ways():
    x = tg.arange(100, dtype=tg.float64)
    t = torch.from_dlpack(x)
    del x
    gc.collect()
    assert t.sum().item() == 4950.0
    src = torch.arange(100, dtype=torch.float64)
    y = tg.from_dlpack(src)
    del src
    gc.collect()
    assert y.sum().item() == 4950.0


@needs_torch
def test_torch_copy_and_requires_grad():
    t = torch.zeros(3)
    c = tg.from_dlpack(t, copy=True)
    t.fill_(1.0)
    assert c.tolist() == [0.0] * 3
    with pytest.raises(BufferError, match="require gradient"):
        tg.from_dlpack(torch.ones(2, requires_grad=True))  # PyTorch refuses to export it
    r = tg.from_dlpack(_read_only_array())
    # PyTorch ignores DLPack's read-only flag (it has no read-only tensors): it shares anyway.
    assert torch.from_dlpack(r).data_ptr() == r.data_ptr()


# ----------------------------------------------------------------------------- every write path is guarded
def test_every_generated_op_checks_its_written_tensors_first():
    """The read-only guard is generated: each C++ API function opens with check_writable for
    every tensor it writes (in-place self, out=, other Tensor(a!) arguments, Tensor(a!)[]
    lists), before autograd or any work, so no op can write imported read-only memory."""
    import re
    import sys
    from pathlib import Path
    repo = Path(__file__).resolve().parents[1]
    sys.path.insert(0, str(repo))
    try:
        from codegen import gen
        from codegen.derivatives import load_derivatives
        from codegen.model import load_native_functions
    finally:
        sys.path.remove(str(repo))
    fns = load_native_functions(repo / "native_functions.yaml")
    files = gen.render(fns, load_derivatives(repo / "derivatives.yaml", fns))
    ops_text = "\n".join(t for p, t in files.items() if p.startswith("ops/") and p.endswith(".cpp"))
    # Tensor(a!)[] arguments (the fused optimizer steps): from the schemas, since C++ spells read
    # and written lists alike (TensorList)
    list_writes = {(s.name, a.name) for f in fns for s in (f.schema, f.inplace_schema, f.out_schema)
                   if s is not None for a in s.arguments if a.type.is_write and a.type.is_list}
    assert list_writes
    for op, arg in list_writes:
        assert f'  check_writable("{op}", {arg});' in ops_text, (op, arg)
    checked = 0
    for path, text in files.items():
        if not (path.startswith("ops/") and path.endswith(".cpp")):
            continue
        lines = text.split("\n")
        for i, line in enumerate(lines):
            m = re.match(r"\S.* (\w+)\((.*)\) \{$", line)
            if not m or line.startswith(("static ", " ")):  # (file-local helpers run behind the API)
                continue
            written = re.findall(r"(?<!const )Tensor& (\w+)", m.group(2))  # Tensor(a!): non-const Tensor&
            opening = []
            for body in lines[i + 1:]:
                c = re.match(r'  check_writable\("\w+", (\w+)\);$', body)
                if not c:
                    break
                opening.append(c.group(1))
            lists = {arg for _, arg in list_writes}
            assert sorted(a for a in opening if a not in lists or a in written) == sorted(written), (path, line)
            checked += len(written)
    assert checked > 250  # every in-place and out= variant of the ~320 ops
