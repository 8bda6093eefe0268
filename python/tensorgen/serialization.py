"""tg.save / tg.load in PyTorch's checkpoint format, and tg.save_file / tg.load_file (.safetensors).

The checkpoint format is PyTorch's zip format (torch >= 1.6), written record for record as
torch.save writes it, so either library reads the other's files:

    <archive>/data.pkl            the object, pickled with protocol 2; every tensor is
                                  torch._utils._rebuild_tensor_v2(storage, offset, size, stride,
                                  requires_grad, OrderedDict()) and every storage a persistent id
                                  ('storage', torch.FloatStorage, '<key>', 'cpu', numel)
    <archive>/.format_version     "1"
    <archive>/.storage_alignment  "64"
    <archive>/byteorder           "little"
    <archive>/data/<key>          the raw bytes of one storage, 64-byte aligned in the file
    <archive>/version             "3"
    <archive>/.data/serialization_id

Loading never runs code from the file: data.pkl is read by an unpickler that resolves only an
allow-list of globals (the ones torch writes for tensors and containers) and refuses every other
one with pickle.UnpicklingError naming it. Saving writes a temporary file next to the target and
renames it over the target only once complete (no half-written checkpoint after an error).
"""
from __future__ import annotations

import builtins
import collections
import io
import os
import pickle
import struct
from typing import IO, Any, Union

# zipfile, tempfile, json and uuid are imported where used: `import tensorgen` stays fast (DESIGN.md §9).

from tensorgen import _C

__all__ = ["save", "load", "save_file", "load_file"]

# tensorgen dtype name -> (torch storage class name, safetensors dtype, NumPy dtype string of the
# raw bytes). bfloat16 has no NumPy dtype: its bytes travel as uint16 bit patterns.
_DTYPES = {
    "float32": ("FloatStorage", "F32", "<f4"),
    "float64": ("DoubleStorage", "F64", "<f8"),
    "float16": ("HalfStorage", "F16", "<f2"),
    "bfloat16": ("BFloat16Storage", "BF16", "<u2"),
    "int64": ("LongStorage", "I64", "<i8"),
    "int32": ("IntStorage", "I32", "<i4"),
    "int16": ("ShortStorage", "I16", "<i2"),
    "int8": ("CharStorage", "I8", "i1"),
    "uint8": ("ByteStorage", "U8", "u1"),
    "bool": ("BoolStorage", "BOOL", "?"),
}
_STORAGE_TO_DTYPE = {v[0]: k for k, v in _DTYPES.items()}
_SAFETENSORS_TO_DTYPE = {v[1]: k for k, v in _DTYPES.items()}
_ALIGNMENT = 64  # torch aligns every record's data to 64 bytes (.storage_alignment)


def _dtype_name(dtype) -> str:
    return builtins.str(dtype).split(".")[-1]


def _name_of(f) -> str:
    """The file's name for messages: a path, or the file object's name, or its repr."""
    if isinstance(f, (builtins.str, os.PathLike)):
        return os.fspath(f)
    return builtins.str(getattr(f, "name", None) or f"<{type(f).__name__}>")


# ---------------------------------------------------------------------------------------------
# Raw bytes <-> tensors (CPU, contiguous, 1-D)

def _storage_bytes_array(t):
    """The whole storage under t (every view of it included) as a contiguous NumPy array."""
    ptr, nbytes = t._storage_info()
    base = t.detach().as_strided([nbytes // t.element_size()], [1], 0)
    if base.device.type != "cpu":
        base = base.cpu()
    return _tensor_to_numpy_bits(base)


def _tensor_to_numpy_bits(t):
    """A contiguous NumPy array with t's bytes (bfloat16: uint16 bit patterns)."""
    import numpy as np
    t = t.detach().contiguous()
    if t.dtype is _C.bfloat16:
        # bfloat16 -> float32 is exact and puts the 16 bfloat16 bits in the upper half of the word.
        bits = t.float().numpy().view(np.uint32) >> 16
        return bits.astype("<u2")
    a = t.numpy()
    return a if a.dtype.byteorder in ("<", "|", "=") else a.astype(a.dtype.newbyteorder("<"))


def _raw_bytes(a):
    """A contiguous NumPy array's memory as a flat byte view (no copy; empty arrays too)."""
    return a.reshape(-1).view("u1").data


def _numpy_bits_to_tensor(a, dtype_name):
    """The inverse of _tensor_to_numpy_bits: a 1-D (or shaped) CPU tensor owning a's memory."""
    import numpy as np
    if dtype_name == "bfloat16":
        f32 = (a.astype(np.uint32) << 16).view(np.float32)
        return _C.from_numpy(np.ascontiguousarray(f32)).to(_C.bfloat16)
    return _C.from_numpy(a)


# ---------------------------------------------------------------------------------------------
# Saving

class _TorchGlobal:
    """A global as torch writes it (module + name), emitted as a pickle GLOBAL opcode without
    importing it: `torch` need not be installed to write torch's names."""

    _instances: dict = {}

    def __new__(cls, module: str, name: str):
        key = (module, name)
        obj = cls._instances.get(key)
        if obj is None:
            obj = super().__new__(cls)
            obj.module, obj.name = module, name
            cls._instances[key] = obj
        return obj

    def __call__(self, *args):  # save_reduce wants a callable; never called
        raise TypeError(f"{self.module}.{self.name} is a name written into checkpoints, not a function")


_REBUILD_V2 = _TorchGlobal("torch._utils", "_rebuild_tensor_v2")
_REBUILD_PARAMETER = _TorchGlobal("torch._utils", "_rebuild_parameter")


class _StorageRef:
    __slots__ = ("pid",)

    def __init__(self, pid):
        self.pid = pid


def _is_parameter(t) -> bool:
    nn = __import__("sys").modules.get("tensorgen.nn")
    param_cls = getattr(nn, "Parameter", None) if nn is not None else None
    return param_cls is not None and isinstance(t, param_cls)


class _Pickler(pickle._Pickler):  # the Python pickler: it lets a type write a raw GLOBAL
    dispatch = dict(pickle._Pickler.dispatch)

    def __init__(self, file, storages):
        super().__init__(file, protocol=2)
        self._storages = storages  # storage identity -> (key, tensor); filled while pickling
        self._refs = {}

    def save_torch_global(self, obj):
        self.write(pickle.GLOBAL + obj.module.encode("utf-8") + b"\n" + obj.name.encode("utf-8") + b"\n")
        self.memoize(obj)

    dispatch[_TorchGlobal] = save_torch_global

    def save_dtype(self, obj):
        self.save_torch_global(_TorchGlobal("torch", _dtype_name(obj)))

    dispatch[_C.dtype] = save_dtype

    def persistent_id(self, obj):
        return obj.pid if type(obj) is _StorageRef else None

    def reducer_override(self, obj):
        from tensorgen._tensor import Size, Tensor, device
        if isinstance(obj, Tensor):
            if _is_parameter(obj):
                return (_REBUILD_PARAMETER, (obj.detach(), obj.requires_grad, collections.OrderedDict()))
            return (_REBUILD_V2, (self._storage_ref(obj), obj.storage_offset(), tuple(obj.shape), tuple(obj.stride()),
                                  obj.requires_grad, collections.OrderedDict()))
        if type(obj) is Size:
            return (_TorchGlobal("torch", "Size"), (tuple(obj),))
        if type(obj) is device:
            args = (obj.type,) if obj.index is None else (obj.type, obj.index)
            return (_TorchGlobal("torch", "device"), args)
        return NotImplemented

    def _storage_ref(self, t):
        ptr, nbytes = t._storage_info()
        dev = t.device
        # Empty storages have no address: each gets its own record.
        ident = (ptr, dev.type, dev.index) if nbytes else ("empty", id(t))
        ref = self._refs.get(ident)
        if ref is None:
            key = builtins.str(len(self._storages))
            location = "cpu" if dev.type == "cpu" else f"cuda:{dev.index or 0}"
            storage_cls = _TorchGlobal("torch", _DTYPES[_dtype_name(t.dtype)][0])
            ref = _StorageRef(("storage", storage_cls, key, location, nbytes // t.element_size()))
            self._refs[ident] = ref
            self._storages[key] = t
        return ref


def _write_record(zf, fp, start, name, data):
    """One stored (uncompressed) zip entry whose data starts on a 64-byte boundary, padded with
    an extra field exactly as torch's PyTorchStreamWriter does ('FB' + length + zeros)."""
    import zipfile
    view = _raw_bytes(data) if hasattr(data, "dtype") else memoryview(data).cast("B")
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    info.file_size = view.nbytes
    zip64 = info.file_size * 1.05 > zipfile.ZIP64_LIMIT  # zipfile's own rule for the local header
    header = 30 + len(name.encode("utf-8")) + (20 if zip64 else 0)
    offset = fp.tell() - start
    pad = (-(offset + header + 4)) % _ALIGNMENT
    info.extra = b"FB" + struct.pack("<H", pad) + b"\0" * pad
    with zf.open(info, "w", force_zip64=zip64) as w:
        w.write(view)


def _write_archive(obj, fp, archive: str):
    import uuid
    import zipfile
    start = fp.tell()
    storages: dict = {}
    pkl = io.BytesIO()
    _Pickler(pkl, storages).dump(obj)
    with zipfile.ZipFile(fp, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
        _write_record(zf, fp, start, f"{archive}/data.pkl", pkl.getbuffer())
        _write_record(zf, fp, start, f"{archive}/.format_version", b"1")
        _write_record(zf, fp, start, f"{archive}/.storage_alignment", b"64")
        _write_record(zf, fp, start, f"{archive}/byteorder", b"little")
        for key, t in storages.items():
            _write_record(zf, fp, start, f"{archive}/data/{key}", _storage_bytes_array(t))
        _write_record(zf, fp, start, f"{archive}/version", b"3\n")
        _write_record(zf, fp, start, f"{archive}/.data/serialization_id", uuid.uuid4().hex.encode() + b"00000000")


# What save/load accept as a file: a path or a binary file object.
FileLike = Union[builtins.str, "os.PathLike[str]", IO[bytes]]


def save(obj: Any, f: FileLike, pickle_module: Any = None, pickle_protocol: int = 2,
         _use_new_zipfile_serialization: bool = True) -> None:
    """Saves obj (tensors, state dicts, nested dicts/lists/tuples of tensors, numbers, strings,
    None) to f, a path or a binary file object, in PyTorch's checkpoint format.

    A path is written atomically: the archive goes to a temporary file in the same directory,
    which replaces f only once complete."""
    if pickle_module is not None or pickle_protocol != 2 or not _use_new_zipfile_serialization:
        raise NotImplementedError("[save] only the default pickle module, protocol 2 and the zip format are supported")
    if isinstance(f, (builtins.str, os.PathLike)):
        path = os.fspath(f)
        # torch names the archive after the file (without its extension)
        archive = os.path.splitext(os.path.basename(path))[0] or "archive"
        _atomic_write(path, lambda fp: _write_archive(obj, fp, archive))
        return
    if not hasattr(f, "write"):
        raise TypeError(f"[save] f must be a path or a writable binary file object, got {type(f).__name__}")
    if getattr(f, "seekable", lambda: False)():
        _write_archive(obj, f, "archive")
    else:  # a pipe or socket: zipfile needs to seek back over each header, so build it in memory
        buf = io.BytesIO()
        _write_archive(obj, buf, "archive")
        f.write(buf.getbuffer())


# ---------------------------------------------------------------------------------------------
# Loading

def _rebuild_size(*args):
    from tensorgen._tensor import Size
    return Size(*args)


def _rebuild_device(*args):
    from tensorgen._tensor import device
    return device(*args)


def _codecs_encode(text, encoding="utf-8"):
    # Protocol-2 pickles store bytes as _codecs.encode(str, 'latin1'); only that use is allowed.
    if not isinstance(text, builtins.str) or encoding not in ("latin1", "latin-1"):
        raise pickle.UnpicklingError("[load] _codecs.encode is allowed only as encode(str, 'latin1')")
    return text.encode("latin1")


class _StorageType:
    """Stands for torch.FloatStorage & co while unpickling: it only carries the dtype."""

    def __init__(self, dtype_name):
        self.dtype_name = dtype_name


class _LoadedStorage:
    __slots__ = ("tensor",)

    def __init__(self, tensor):
        self.tensor = tensor  # 1-D tensor over the whole storage, already on its target device


class _RefusedGlobal(pickle.UnpicklingError):
    """A global that is not on the allow-list (pickle.UnpicklingError, as torch's weights_only)."""


class _Unpickler(pickle.Unpickler):
    def __init__(self, file, loader):
        super().__init__(file)
        self._loader = loader

    def find_class(self, module, name):
        g = self._loader.allowed_global(module, name)
        if g is None:
            raise _RefusedGlobal(
                f"[load] {self._loader.name}: refusing the global '{module}.{name}': it is not on the allow-list "
                f"of what tensorgen reads from a checkpoint (tensors, storages, OrderedDict, torch.Size, dtypes); "
                f"tensorgen never runs code from a file")
        return g

    def persistent_load(self, pid):
        return self._loader.storage(pid)


class _Loader:
    def __init__(self, zf, prefix, name, map_location):
        self.zf, self.prefix, self.name, self.map_location = zf, prefix, name, map_location
        self.storages: dict = {}
        self.globals = {
            ("collections", "OrderedDict"): collections.OrderedDict,
            ("torch._utils", "_rebuild_tensor_v2"): self.rebuild_tensor_v2,
            ("torch._utils", "_rebuild_tensor"): self.rebuild_tensor,
            ("torch._utils", "_rebuild_parameter"): self.rebuild_parameter,
            ("torch", "Size"): _rebuild_size,
            ("torch", "device"): _rebuild_device,
            ("builtins", "set"): set, ("builtins", "frozenset"): frozenset,
            ("builtins", "complex"): complex, ("builtins", "slice"): slice, ("builtins", "bytearray"): bytearray,
            ("_codecs", "encode"): _codecs_encode,
        }

    def error(self, what):
        return RuntimeError(f"[load] {self.name}: {what}")

    def allowed_global(self, module, name):
        if module == "__builtin__":  # protocol-2 pickles name builtins the Python 2 way
            module = "builtins"
        g = self.globals.get((module, name))
        if g is not None:
            return g
        if module == "torch" and name in _STORAGE_TO_DTYPE:
            return _StorageType(_STORAGE_TO_DTYPE[name])
        if module == "torch" and name in _DTYPES:
            return getattr(_C, name)
        if module == "torch" and name.endswith("Storage"):
            raise self.error(f"storage type torch.{name} has no tensorgen dtype (tensorgen has "
                             f"{', '.join(_DTYPES)})")
        return None

    # -- storages
    def storage(self, pid):
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"):
            raise self.error(f"unsupported persistent id {pid!r:.80} "
                             f"(expected ('storage', type, key, location, numel))")
        _, storage_type, key, location, numel = pid
        if not isinstance(storage_type, _StorageType):
            raise self.error(f"the storage type of record {key!r} is not a torch storage class")
        if not isinstance(key, builtins.str) or not isinstance(numel, builtins.int) or numel < 0:
            raise self.error(f"malformed storage record {pid!r:.120}")
        cached = self.storages.get(key)
        if cached is not None:
            return cached
        import numpy as np
        np_dtype = np.dtype(_DTYPES[storage_type.dtype_name][2])
        record = f"{self.prefix}data/{key}"
        try:
            info = self.zf.getinfo(record)
        except KeyError:
            raise self.error(f"the record {record} is missing (the file is truncated or corrupted)") from None
        if info.file_size != numel * np_dtype.itemsize:
            raise self.error(f"the record {record} holds {info.file_size} bytes, but its storage of {numel} "
                             f"{storage_type.dtype_name} elements needs {numel * np_dtype.itemsize}")
        buf = bytearray(info.file_size)
        try:
            with self.zf.open(info) as r:
                got = r.readinto(buf) if info.file_size else 0
        except (__import__("zipfile").BadZipFile, OSError, EOFError, ValueError) as e:
            raise self.error(f"can't read the record {record} (the file is corrupted or truncated): {e}") from None
        if got != info.file_size:
            raise self.error(f"the record {record} is truncated: {got} of {info.file_size} bytes")
        t = _numpy_bits_to_tensor(np.frombuffer(buf, dtype=np_dtype), storage_type.dtype_name)
        storage = _LoadedStorage(self.place(t, location))
        self.storages[key] = storage
        return storage

    def place(self, t, location):
        """Moves a storage (as a 1-D CPU tensor) to where map_location says."""
        ml = self.map_location
        if callable(ml):
            out = ml(t, location)
            if out is not None:
                return out
            target = location
        elif isinstance(ml, dict):
            target = ml.get(location, location)
        elif ml is None:
            target = location
        else:
            target = ml
        target = builtins.str(target)
        if target == "cpu":
            return t
        if target.startswith("cuda"):
            from tensorgen import cuda
            if not cuda.is_available():
                raise self.error(f"attempting to deserialize a storage on the CUDA device '{target}' but "
                                 f"tensorgen.cuda.is_available() is False; on a CPU-only machine pass "
                                 f"map_location='cpu'")
            return t.to(target)
        raise self.error(f"unsupported storage location '{target}' (tensorgen has 'cpu' and 'cuda[:n]')")

    # -- tensors
    def rebuild_tensor_v2(self, storage, storage_offset, size, stride, requires_grad=False, backward_hooks=None,
                          metadata=None):
        if not isinstance(storage, _LoadedStorage):
            raise self.error("a tensor is rebuilt from something that is not a storage record")
        ints = (isinstance(storage_offset, builtins.int) and isinstance(size, tuple) and isinstance(stride, tuple)
                and len(size) == len(stride) and all(isinstance(v, builtins.int) for v in size + stride))
        if not ints or storage_offset < 0 or any(s < 0 for s in size) or any(s < 0 for s in stride):
            raise self.error(f"malformed tensor record: offset {storage_offset!r}, size {size!r}, stride {stride!r}")
        numel_storage = storage.tensor.numel()
        if all(s > 0 for s in size):
            last = storage_offset + sum((s - 1) * st for s, st in zip(size, stride))
            if last >= numel_storage:
                raise self.error(f"a tensor of size {list(size)}, stride {list(stride)} and offset {storage_offset} "
                                 f"reaches element {last} of a storage of {numel_storage} elements")
        t = storage.tensor.as_strided(list(size), list(stride), storage_offset)
        if requires_grad:
            t.requires_grad_(True)
        return t

    def rebuild_tensor(self, storage, storage_offset, size, stride):
        return self.rebuild_tensor_v2(storage, storage_offset, size, stride)

    def rebuild_parameter(self, data, requires_grad, backward_hooks=None):
        nn = __import__("sys").modules.get("tensorgen.nn")
        param_cls = getattr(nn, "Parameter", None) if nn is not None else None
        if param_cls is not None:
            return param_cls(data, requires_grad)
        return data.detach().requires_grad_(requires_grad) if data.dtype.is_floating_point else data


def _open_archive(f, name):
    import zipfile
    try:
        return zipfile.ZipFile(f)
    except (zipfile.BadZipFile, EOFError, OSError) as e:
        raise RuntimeError(f"[load] {name}: not a PyTorch/tensorgen checkpoint (zip archive) or the file is "
                           f"truncated or corrupted: {e}") from None


def load(f: FileLike, map_location: Any = None, pickle_module: Any = None, *, weights_only: bool = True,
         mmap: bool | None = None, **pickle_load_args: Any) -> Any:
    """Loads an object saved by tg.save or torch.save (zip format) from a path or binary file.

    map_location: None (each storage where it was saved), 'cpu' / 'cuda:0' / a tg.device, a dict
    mapping saved locations to new ones, or a callable(storage, location) returning a tensor (or
    None for the default). Only tensors, storages and plain containers are read (weights_only
    behaviour, whatever weights_only says): any other global raises pickle.UnpicklingError."""
    if pickle_module is not None or pickle_load_args:
        raise NotImplementedError("[load] custom pickle modules and pickle arguments are not supported")
    import zipfile
    name = _name_of(f)
    opened = None
    if isinstance(f, (builtins.str, os.PathLike)):
        try:
            opened = f = open(os.fspath(f), "rb")
        except FileNotFoundError:
            raise FileNotFoundError(f"[load] no such file: '{name}'") from None
    try:
        zf = _open_archive(f, name)
        with zf:
            names = zf.namelist()
            pkl_names = [n for n in names if n.endswith("data.pkl") and n.count("/") == 1]
            if not pkl_names:
                raise RuntimeError(f"[load] {name}: the archive has no <archive>/data.pkl record (not a checkpoint "
                                   f"or truncated)")
            prefix = pkl_names[0][: -len("data.pkl")]
            if prefix + "byteorder" in names and zf.read(prefix + "byteorder") not in (b"little", b"little\n"):
                raise RuntimeError(f"[load] {name}: the checkpoint was written on a big-endian machine; tensorgen "
                                   f"reads little-endian checkpoints only")
            try:
                pkl = zf.read(pkl_names[0])
            except (zipfile.BadZipFile, OSError, EOFError, ValueError) as e:
                raise RuntimeError(f"[load] {name}: can't read {pkl_names[0]} (corrupted or truncated): {e}") from None
            loader = _Loader(zf, prefix, name, map_location)
            try:
                return _Unpickler(io.BytesIO(pkl), loader).load()
            except _RefusedGlobal:
                raise
            except RuntimeError:
                raise
            except (pickle.UnpicklingError, EOFError, ValueError, TypeError, KeyError, IndexError, AttributeError,
                    struct.error) as e:
                raise RuntimeError(f"[load] {name}: corrupted data.pkl ({type(e).__name__}: {e})") from None
    finally:
        if opened is not None:
            opened.close()


# ---------------------------------------------------------------------------------------------
# .safetensors: 8-byte little-endian header length, a JSON header
# {name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {str: str}}, then the
# tensors' bytes back to back (offsets relative to the end of the header).

def _atomic_write(path, write):
    """Writes through write(fp) to a temporary file in path's directory, then renames it over
    path: an error or a crash leaves the old file (or none), never a half-written one."""
    import uuid
    directory = os.path.dirname(os.path.abspath(path))
    while True:  # os.open with mode 0o666 honours the umask (tempfile.mkstemp would give 0o600)
        tmp = os.path.join(directory, f".{os.path.basename(path)}.{uuid.uuid4().hex[:12]}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
            break
        except FileExistsError:
            continue
    try:
        with os.fdopen(fd, "wb") as fp:
            write(fp)
            fp.flush()
            os.fsync(fp.fileno())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def save_file(tensors: dict[str, Any], filename: str | os.PathLike[str], metadata: dict[str, str] | None = None) -> None:
    """Writes a dict of named tensors to a .safetensors file (atomically). metadata: str -> str."""
    import json
    from tensorgen._tensor import Tensor
    if not isinstance(tensors, dict):
        raise TypeError(f"[save_file] tensors must be a dict of name -> Tensor, got {type(tensors).__name__}")
    if metadata is not None and (not isinstance(metadata, dict) or not all(
            isinstance(k, builtins.str) and isinstance(v, builtins.str) for k, v in metadata.items())):
        raise TypeError("[save_file] metadata must be a dict of str -> str")
    arrays = []
    for key, t in tensors.items():
        if not isinstance(key, builtins.str) or key == "__metadata__":
            raise TypeError(f"[save_file] tensor names must be strings other than '__metadata__', got {key!r}")
        if not isinstance(t, Tensor):
            raise TypeError(f"[save_file] '{key}' is a {type(t).__name__}, not a Tensor")
        arrays.append((key, t, _tensor_to_numpy_bits(t.cpu())))
    # Like the safetensors library: larger alignment first, then by name (every offset stays aligned).
    arrays.sort(key=lambda e: (-e[1].element_size(), e[0]))
    header: dict = {}
    if metadata:
        header["__metadata__"] = metadata
    offset = 0
    for key, t, a in arrays:
        header[key] = {"dtype": _DTYPES[_dtype_name(t.dtype)][1], "shape": list(t.shape),
                       "data_offsets": [offset, offset + a.nbytes]}
        offset += a.nbytes
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)  # the data starts 8-byte aligned

    def write(fp):
        fp.write(struct.pack("<Q", len(text)))
        fp.write(text)
        for _, _, a in arrays:
            fp.write(_raw_bytes(a))
    _atomic_write(os.fspath(filename), write)


def load_file(filename: str | os.PathLike[str], device: Any = "cpu") -> dict[str, Any]:
    """Reads a .safetensors file into a dict of name -> tensor on device."""
    import json
    import numpy as np
    name = os.fspath(filename)

    def bad(what):
        return RuntimeError(f"[load_file] {name}: {what}")
    with open(name, "rb") as fp:
        data = fp.read()
    if len(data) < 8:
        raise bad(f"truncated: {len(data)} bytes, a safetensors file starts with an 8-byte header length")
    (n,) = struct.unpack("<Q", data[:8])
    if n > len(data) - 8:
        raise bad(f"the header length {n} exceeds the file size {len(data)} (truncated or not a safetensors file)")
    try:
        header = json.loads(data[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise bad(f"the header is not valid JSON ({e})") from None
    if not isinstance(header, dict):
        raise bad("the header is not a JSON object")
    header.pop("__metadata__", None)
    buffer = memoryview(data)[8 + n:]
    out = {}
    spans = []
    for key, entry in header.items():
        try:
            dtype_name = _SAFETENSORS_TO_DTYPE[entry["dtype"]]
            shape = entry["shape"]
            begin, end = entry["data_offsets"]
        except (KeyError, TypeError, ValueError):
            raise bad(f"malformed entry for '{key}': {entry!r:.200} (tensorgen reads "
                      f"{', '.join(_SAFETENSORS_TO_DTYPE)})") from None
        if not (isinstance(shape, list) and all(isinstance(s, builtins.int) and s >= 0 for s in shape)
                and isinstance(begin, builtins.int) and isinstance(end, builtins.int) and 0 <= begin <= end):
            raise bad(f"malformed entry for '{key}': {entry!r:.200}")
        np_dtype = np.dtype(_DTYPES[dtype_name][2])
        numel = 1
        for s in shape:
            numel *= s
        if end - begin != numel * np_dtype.itemsize or end > len(buffer):
            raise bad(f"'{key}' of shape {shape} and dtype {entry['dtype']} needs {numel * np_dtype.itemsize} bytes "
                      f"but has offsets [{begin}, {end}] in a data buffer of {len(buffer)} bytes")
        spans.append((begin, end))
        a = np.frombuffer(buffer[begin:end], dtype=np_dtype).copy().reshape(shape)
        t = _numpy_bits_to_tensor(a, dtype_name)
        out[key] = t if builtins.str(device) == "cpu" else t.to(device)
    # Like the safetensors library: the tensors tile the data buffer, no holes or overlaps.
    pos = 0
    for begin, end in sorted(spans):
        if begin != pos:
            raise bad(f"the tensors' data offsets leave a hole or overlap at byte {pos}")
        pos = end
    if pos != len(buffer):
        raise bad(f"the data buffer has {len(buffer)} bytes but the tensors cover {pos}")
    return out
