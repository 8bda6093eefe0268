"""tg.save / tg.load (PyTorch's zip checkpoint format) and tg.save_file / tg.load_file (.safetensors).

Interop is tested twice: against a real torch when installed (skipped with a reason otherwise),
and against files torch wrote, committed under tests/fixtures/ (made by make_torch_fixtures.py),
so reading torch's files stays tested without torch.
"""
import collections
import io
import os
import pathlib
import pickle
import struct
import zipfile

import numpy as np
import pytest

import tensorgen as tg

FIXTURES = pathlib.Path(__file__).parent / "fixtures"

ALL_DTYPES = [tg.float32, tg.float64, tg.float16, tg.bfloat16, tg.int64, tg.int32, tg.int16, tg.int8, tg.uint8,
              tg.bool]


def sample(dtype):
    """A 2x3 tensor of dtype with values that are exact in it (negative ones where signed)."""
    if dtype is tg.bool:
        return tg.tensor([[True, False, True], [False, False, True]])
    if dtype is tg.uint8:
        return tg.tensor([[0, 1, 2], [127, 200, 255]], dtype=dtype)
    if dtype.is_floating_point:
        return tg.tensor([[-1.5, 0.0, 0.25], [3.0, -7.5, 1024.0]], dtype=dtype)
    info = {tg.int8: 127, tg.int16: 32767, tg.int32: 2 ** 31 - 1, tg.int64: 2 ** 63 - 1}[dtype]
    return tg.tensor([[-info - 1, -1, 0], [1, 2, info]], dtype=dtype)


def same(a, b):
    assert a.dtype is b.dtype and list(a.shape) == list(b.shape), (a, b)
    assert a.float().tolist() == b.float().tolist() if a.dtype is tg.bfloat16 else a.tolist() == b.tolist()


def roundtrip(obj, **load_kwargs):
    buf = io.BytesIO()
    tg.save(obj, buf)
    buf.seek(0)
    return tg.load(buf, **load_kwargs)


def shares_storage(a, b):
    return a._storage_info() == b._storage_info()


def record_offsets(path):
    """{record name: offset of its data in the file}, read from the zip's local headers."""
    out = {}
    with open(path, "rb") as f:
        data = f.read()
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            name_len, extra_len = struct.unpack("<HH", data[info.header_offset + 26:info.header_offset + 30])
            out[info.filename] = info.header_offset + 30 + name_len + extra_len
    return out


# -- round trips ---------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=str)
def test_roundtrip_every_dtype(dtype, tmp_path):
    t = sample(dtype)
    tg.save(t, tmp_path / "t.pt")
    same(tg.load(tmp_path / "t.pt"), t)


def test_bfloat16_bits_are_kept_exactly():
    t = tg.randn([1000]).bfloat16()
    same(roundtrip(t), t)


def test_special_float_values():
    t = tg.tensor([float("inf"), float("-inf"), float("nan"), -0.0, 1e-45], dtype=tg.float32)
    got = roundtrip(t).numpy()
    np.testing.assert_array_equal(got, t.numpy())
    assert np.signbit(got[3])


def test_state_dict_keeps_order_type_and_values(tmp_path):
    sd = collections.OrderedDict((f"{i}.weight", sample(d)) for i, d in enumerate(ALL_DTYPES))
    sd["step"] = tg.tensor(5)
    got = roundtrip(sd)
    assert type(got) is collections.OrderedDict and list(got) == list(sd)
    for k in sd:
        same(got[k], sd[k])


def test_nested_containers():
    w = tg.arange(6).reshape([2, 3])
    obj = {"epoch": 3, "lr": 0.125, "name": "x", "none": None, "flag": True, "big": 2 ** 70, "c": 1 + 2j,
           "pair": (w, [w, "s", (1, 2.5)]), "inner": {"b": tg.ones(2), "set": {1, 2}}, "raw": b"\x00\xff",
           "size": w.shape, "dtype": tg.bfloat16, "device": tg.device("cpu"), 7: "int key"}
    got = roundtrip(obj)
    assert got["epoch"] == 3 and got["lr"] == 0.125 and got["none"] is None and got["flag"] is True
    assert got["big"] == 2 ** 70 and got["c"] == 1 + 2j and got[7] == "int key" and got["raw"] == b"\x00\xff"
    assert isinstance(got["pair"], tuple) and isinstance(got["pair"][1], list) and got["pair"][1][2] == (1, 2.5)
    assert got["pair"][0] is got["pair"][1][0]  # the same tensor object twice stays one object
    same(got["pair"][0], w)
    assert got["inner"]["set"] == {1, 2}
    assert got["size"] == tg.Size([2, 3]) and type(got["size"]) is tg.Size
    assert got["dtype"] is tg.bfloat16 and got["device"] == tg.device("cpu")


def test_views_share_storage_and_keep_offset_and_strides():
    base = tg.arange(24).float().reshape([4, 6])
    obj = {"base": base, "t": base.t(), "slice": base[1:, 2::2], "row": base[2], "empty": tg.empty([0])}
    got = roundtrip(obj)
    for k in ("t", "slice", "row"):
        assert shares_storage(got[k], got["base"]), k
        assert got[k].stride() == obj[k].stride() and got[k].storage_offset() == obj[k].storage_offset()
        same(got[k], obj[k])
    got["base"].fill_(-1.0)  # one storage in memory: writing the base shows through every view
    assert got["slice"].tolist() == [[-1.0, -1.0]] * 3
    assert got["empty"].numel() == 0


def test_shared_storage_is_one_record(tmp_path):
    base = tg.arange(1000).float()
    tg.save([base[:10], base[500:], base], tmp_path / "s.pt")
    with zipfile.ZipFile(tmp_path / "s.pt") as zf:
        data = [n for n in zf.namelist() if "/data/" in n]
    assert data == ["s/data/0"]


def test_requires_grad_is_kept():
    t = tg.ones(3, requires_grad=True)
    got = roundtrip({"p": t, "q": t * 2})
    assert got["p"].requires_grad and got["p"].is_leaf
    assert got["q"].requires_grad and got["q"].is_leaf  # saved as data: no graph comes back
    same(got["q"].detach(), tg.full([3], 2.0))


def test_path_str_pathlib_and_file_objects(tmp_path):
    t = tg.arange(4)
    tg.save(t, str(tmp_path / "a.pt"))
    same(tg.load(str(tmp_path / "a.pt")), t)
    tg.save(t, tmp_path / "b.pt")
    with open(tmp_path / "b.pt", "rb") as f:
        same(tg.load(f), t)
    with open(tmp_path / "c.pt", "wb") as f:
        tg.save(t, f)
    same(tg.load(tmp_path / "c.pt"), t)


def test_archive_layout_is_torchs(tmp_path):
    base = tg.arange(10).float()
    tg.save({"a": base, "b": tg.ones(3, dtype=tg.int8)}, tmp_path / "model.pt")
    with zipfile.ZipFile(tmp_path / "model.pt") as zf:
        names = zf.namelist()
        assert zf.read("model/version") == b"3\n" and zf.read("model/byteorder") == b"little"
        assert zf.read("model/.storage_alignment") == b"64" and zf.read("model/.format_version") == b"1"
        assert all(i.compress_type == zipfile.ZIP_STORED for i in zf.infolist())
        pkl = zf.read("model/data.pkl")
    assert names[0] == "model/data.pkl" and "model/data/0" in names and "model/data/1" in names
    assert b"ctorch._utils\n_rebuild_tensor_v2\n" in pkl and b"ctorch\nFloatStorage\n" in pkl
    assert b"ctorch\nCharStorage\n" in pkl
    offsets = record_offsets(tmp_path / "model.pt")
    assert all(offsets[n] % 64 == 0 for n in names if "/data/" in n), offsets


# -- map_location --------------------------------------------------------------------------------

def as_cuda_checkpoint(buf):
    """The checkpoint in buf with every storage location rewritten to 'cuda:0' (a file saved on
    a GPU machine), without needing a GPU."""
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith("data.pkl"):
                data = data.replace(b"X\x03\x00\x00\x00cpu", b"X\x06\x00\x00\x00cuda:0")
            dst.writestr(info.filename, data)
    out.seek(0)
    return out


@pytest.mark.parametrize("map_location", ["cpu", tg.device("cpu"), {"cuda:0": "cpu"}, lambda s, loc: s],
                         ids=["str", "device", "dict", "callable"])
def test_map_location_moves_cuda_checkpoints_to_cpu(map_location):
    buf = io.BytesIO()
    base = tg.arange(6).float()
    tg.save({"w": base, "v": base[2:]}, buf)
    got = tg.load(as_cuda_checkpoint(buf), map_location=map_location)
    assert got["w"].device == tg.device("cpu") and shares_storage(got["w"], got["v"])
    same(got["v"], base[2:])


@pytest.mark.skipif(tg.cuda.is_available(), reason="checks the error on a machine without CUDA")
def test_cuda_checkpoint_without_cuda_names_map_location():
    buf = io.BytesIO()
    tg.save(tg.ones(2), buf)
    with pytest.raises(RuntimeError, match="map_location='cpu'"):
        tg.load(as_cuda_checkpoint(buf))
    with pytest.raises(RuntimeError, match="CUDA"):  # a callable returning None: the saved location
        tg.load(as_cuda_checkpoint(buf), map_location=lambda s, loc: None)


def test_map_location_callable_gets_the_location():
    seen = []
    roundtrip({"a": tg.ones(2), "b": tg.zeros(3)}, map_location=lambda s, loc: seen.append((s.numel(), loc)) or s)
    assert seen == [(2, "cpu"), (3, "cpu")]


# -- bad input -----------------------------------------------------------------------------------

def test_atomic_write_keeps_the_old_file_on_error(tmp_path):
    path = tmp_path / "ckpt.pt"
    tg.save({"v": tg.ones(2)}, path)
    before = path.read_bytes()
    with pytest.raises((pickle.PicklingError, AttributeError, TypeError)):
        tg.save({"v": tg.zeros(2), "f": lambda x: x}, path)  # a lambda can't be pickled
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["ckpt.pt"]  # no temporary file left behind
    with pytest.raises((pickle.PicklingError, AttributeError, TypeError)):
        tg.save([lambda: 0], tmp_path / "new.pt")
    assert sorted(os.listdir(tmp_path)) == ["ckpt.pt"]


def test_truncated_file_names_the_file(tmp_path):
    path = tmp_path / "cut.pt"
    tg.save({"w": tg.randn([100, 100])}, path)
    data = path.read_bytes()
    for n in (len(data) // 2, len(data) - 30, 10, 0):
        path.write_bytes(data[:n])
        with pytest.raises(RuntimeError, match="cut.pt"):
            tg.load(path)


def test_corrupted_data_record_is_detected(tmp_path):
    path = tmp_path / "bad.pt"
    tg.save({"w": tg.zeros([1000])}, path)
    data = bytearray(path.read_bytes())
    at = record_offsets(path)["bad/data/0"] + 100
    data[at] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(RuntimeError, match="bad.pt.*(corrupted|CRC)"):
        tg.load(path)


def test_garbage_and_missing_files(tmp_path):
    path = tmp_path / "garbage.pt"
    path.write_bytes(b"this is not a checkpoint" * 10)
    with pytest.raises(RuntimeError, match="garbage.pt"):
        tg.load(path)
    with pytest.raises(FileNotFoundError, match="nope.pt"):
        tg.load(tmp_path / "nope.pt")


def write_checkpoint(path, pkl, records=()):
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("archive/data.pkl", pkl)
        for name, data in records:
            zf.writestr(f"archive/{name}", data)
        zf.writestr("archive/version", b"3\n")


def test_a_pickled_function_is_refused_and_never_runs(tmp_path):
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))
    path = tmp_path / "evil.pt"
    write_checkpoint(path, pickle.dumps({"w": Evil()}, protocol=2))
    with pytest.raises(pickle.UnpicklingError, match=r"evil\.pt.*'(posix|os)\.system'"):
        tg.load(path)
    assert not marker.exists()
    with pytest.raises(pickle.UnpicklingError, match="'(posix|os).system'"):
        tg.load(path, weights_only=False)  # never runs code, whatever weights_only says


def test_a_class_or_function_saved_by_tg_save_is_refused_on_load(tmp_path):
    tg.save({"cls": collections.Counter, "fn": os.getcwd}, tmp_path / "c.pt")
    with pytest.raises(pickle.UnpicklingError, match=r"c\.pt.*'collections\.Counter'.*allow-list"):
        tg.load(tmp_path / "c.pt")


def test_malformed_records_raise_runtime_errors(tmp_path):
    good = io.BytesIO()
    tg.save(tg.arange(4).float(), good)
    pkl = zipfile.ZipFile(good).read("archive/data.pkl")
    # the data record is shorter than the storage's numel says
    write_checkpoint(tmp_path / "short.pt", pkl, [("data/0", b"\0" * 8)])
    with pytest.raises(RuntimeError, match=r"short\.pt.*holds 8 bytes"):
        tg.load(tmp_path / "short.pt")
    # the data record is missing
    write_checkpoint(tmp_path / "missing.pt", pkl)
    with pytest.raises(RuntimeError, match=r"missing\.pt.*archive/data/0 is missing"):
        tg.load(tmp_path / "missing.pt")
    # a tensor reaching past its storage
    write_checkpoint(tmp_path / "oob.pt", pkl.replace(b"K\x04\x85", b"K\x09\x85"), [("data/0", b"\0" * 16)])
    with pytest.raises(RuntimeError, match=r"oob\.pt.*reaches element"):
        tg.load(tmp_path / "oob.pt")
    # data.pkl cut short
    write_checkpoint(tmp_path / "pkl.pt", pkl[:40], [("data/0", b"\0" * 16)])
    with pytest.raises(RuntimeError, match=r"pkl\.pt.*corrupted data\.pkl"):
        tg.load(tmp_path / "pkl.pt")
    # no data.pkl at all
    with zipfile.ZipFile(tmp_path / "empty.pt", "w") as zf:
        zf.writestr("archive/version", b"3\n")
    with pytest.raises(RuntimeError, match=r"empty\.pt.*data\.pkl"):
        tg.load(tmp_path / "empty.pt")


def test_unsupported_storage_type_names_it(tmp_path):
    pkl = (b"\x80\x02ctorch._utils\n_rebuild_tensor_v2\n((X\x07\x00\x00\x00storagectorch\nComplexFloatStorage\n"
           b"X\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x01tQK\x00K\x01\x85K\x01\x85\x89tR.")
    write_checkpoint(tmp_path / "cplx.pt", pkl, [("data/0", b"\0" * 8)])
    with pytest.raises(RuntimeError, match=r"cplx\.pt.*ComplexFloatStorage"):
        tg.load(tmp_path / "cplx.pt")


# -- files written by torch (committed fixtures: no torch needed) ------------------------------

def test_fixture_state_dict_written_by_torch():
    sd = tg.load(FIXTURES / "torch_state_dict.pt")
    assert list(sd) == ["0.weight", "0.bias", "1.running_mean", "1.scale", "1.num_batches_tracked", "mask", "codes",
                        "bytes", "shorts", "ints"]
    same(sd["0.weight"], tg.arange(12).float().reshape([3, 4]) / 8)
    same(sd["0.bias"], tg.tensor([-1.5, 0.0, 2.25], dtype=tg.float64))
    same(sd["1.running_mean"], tg.arange(3).half())
    same(sd["1.scale"], tg.tensor([0.5, -3.0]).bfloat16())
    same(sd["1.num_batches_tracked"], tg.tensor(7))
    same(sd["mask"], tg.tensor([True, False, True]))
    same(sd["codes"], tg.tensor([-128, 0, 127], dtype=tg.int8))
    same(sd["bytes"], tg.tensor([0, 200, 255], dtype=tg.uint8))
    same(sd["shorts"], tg.tensor([-300, 300], dtype=tg.int16))
    same(sd["ints"], tg.tensor([[1, 2], [3, 4]], dtype=tg.int32))
    offsets = record_offsets(FIXTURES / "torch_state_dict.pt")  # torch's 64-byte record alignment
    assert all(v % 64 == 0 for k, v in offsets.items() if "/data/" in k)


def test_fixture_shared_views_written_by_torch():
    d = tg.load(FIXTURES / "torch_shared_views.pt")
    base = tg.arange(24).float().reshape([4, 6])
    same(d["base"], base)
    for k, expected in (("t", base.t()), ("slice", base[1:, 2::2]), ("row", base[2])):
        assert shares_storage(d[k], d["base"])
        assert d[k].stride() == expected.stride() and d[k].storage_offset() == expected.storage_offset()
        same(d[k], expected)


def test_fixture_nested_written_by_torch():
    d = tg.load(FIXTURES / "torch_nested.pt")
    w = tg.arange(6).reshape([2, 3])
    assert (d["epoch"], d["lr"], d["name"], d["none"]) == (3, 0.125, "digits", None)
    same(d["pair"][0], w)
    same(d["pair"][1][0], w[1])
    assert shares_storage(d["pair"][1][0], d["pair"][0]) and d["pair"][1][1] == "x"
    assert d["inner"]["a"] == [1, 2.5, True] and d["inner"]["b"].requires_grad
    assert d["size"] == tg.Size([2, 3]) and d["dtype"] is tg.float16


def test_fixture_safetensors_written_by_torch():
    d = tg.load_file(FIXTURES / "torch.safetensors")
    same(d["weight"], tg.arange(6).float().reshape([2, 3]))
    same(d["half"], tg.tensor([1.0, -2.0]).bfloat16())
    same(d["ids"], tg.tensor([3, 1, 2]))


# -- real torch ----------------------------------------------------------------------------------

TORCH_REASON = "PyTorch is not installed: interop with a live torch is skipped (the fixtures still test it)"


def torch_dtype(torch, dtype):
    return getattr(torch, str(dtype).split(".")[-1])


def test_torch_loads_what_tg_saves(tmp_path):
    torch = pytest.importorskip("torch", reason=TORCH_REASON)
    base = tg.arange(24).float().reshape([4, 6])
    sd = collections.OrderedDict((str(d), sample(d)) for d in ALL_DTYPES)
    sd["t"], sd["slice"], sd["base"] = base.t(), base[1:, 2::2], base
    sd["nested"] = [{"n": 1, "s": "x", "size": base.shape, "dtype": tg.int8}, (None, 2.5)]
    tg.save(sd, tmp_path / "tg.pt")
    got = torch.load(tmp_path / "tg.pt", weights_only=True)  # torch's own restricted loader accepts it
    assert list(got) == list(sd)
    for d in ALL_DTYPES:
        assert got[str(d)].dtype == torch_dtype(torch, d)
        assert got[str(d)].float().tolist() == sample(d).float().tolist()
    for k in ("t", "slice"):
        assert got[k].untyped_storage().data_ptr() == got["base"].untyped_storage().data_ptr()
        assert got[k].stride() == sd[k].stride() and got[k].storage_offset() == sd[k].storage_offset()
        assert got[k].tolist() == sd[k].tolist()
    assert got["nested"] == [{"n": 1, "s": "x", "size": torch.Size([4, 6]), "dtype": torch.int8}, (None, 2.5)]


def test_tg_loads_what_torch_saves(tmp_path):
    torch = pytest.importorskip("torch", reason=TORCH_REASON)
    model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.BatchNorm1d(3), torch.nn.Linear(3, 2).half())
    torch.save(model.state_dict(), tmp_path / "m.pt")
    sd = tg.load(tmp_path / "m.pt")
    ref = model.state_dict()
    assert list(sd) == list(ref)
    for k, v in ref.items():
        assert str(sd[k].dtype).split(".")[-1] == str(v.dtype).split(".")[-1]
        np.testing.assert_array_equal(sd[k].numpy(), v.numpy())
    base = torch.arange(30, dtype=torch.bfloat16).reshape(5, 6)
    torch.save({"base": base, "v": base[1:, ::3], "same": base}, tmp_path / "v.pt")
    d = tg.load(tmp_path / "v.pt")
    assert d["same"] is d["base"] and shares_storage(d["v"], d["base"])
    assert d["v"].stride() == (6, 3) and d["v"].storage_offset() == 6
    assert d["v"].float().tolist() == base[1:, ::3].float().tolist()


def test_file_objects_both_ways():
    torch = pytest.importorskip("torch", reason=TORCH_REASON)
    buf = io.BytesIO()
    torch.save({"a": torch.arange(3)}, buf)
    buf.seek(0)
    same(tg.load(buf)["a"], tg.arange(3))
    buf = io.BytesIO()
    tg.save({"a": tg.arange(3)}, buf)
    buf.seek(0)
    assert torch.load(buf)["a"].tolist() == [0, 1, 2]


# -- safetensors ---------------------------------------------------------------------------------

def test_safetensors_roundtrip_every_dtype(tmp_path):
    tensors = {str(d): sample(d) for d in ALL_DTYPES}
    tensors["scalar"] = tg.tensor(3.5)
    tensors["empty"] = tg.empty([0, 4])
    tensors["strided"] = tg.arange(12).float().reshape([3, 4]).t()  # written contiguous
    tg.save_file(tensors, tmp_path / "a.safetensors", metadata={"step": "10"})
    got = tg.load_file(tmp_path / "a.safetensors")
    assert set(got) == set(tensors)
    for k, v in tensors.items():
        same(got[k], v)


def test_safetensors_layout(tmp_path):
    tg.save_file({"b": tg.ones(3, dtype=tg.int8), "a": tg.zeros(2, dtype=tg.float64)}, tmp_path / "x.safetensors",
                 metadata={"k": "v"})
    data = (tmp_path / "x.safetensors").read_bytes()
    (n,) = struct.unpack("<Q", data[:8])
    import json
    header = json.loads(data[8:8 + n])
    assert (8 + n) % 8 == 0 and header["__metadata__"] == {"k": "v"}
    assert header["a"] == {"dtype": "F64", "shape": [2], "data_offsets": [0, 16]}
    assert header["b"] == {"dtype": "I8", "shape": [3], "data_offsets": [16, 19]}
    assert len(data) == 8 + n + 19


def test_safetensors_package_reads_ours_and_we_read_its(tmp_path):
    stnp = pytest.importorskip("safetensors.numpy", reason="the safetensors package is not installed")
    tg.save_file({"w": tg.arange(6).float().reshape([2, 3]), "i": tg.tensor([1, -2], dtype=tg.int16)},
                 tmp_path / "ours.safetensors")
    got = stnp.load_file(str(tmp_path / "ours.safetensors"))
    np.testing.assert_array_equal(got["w"], np.arange(6, dtype=np.float32).reshape(2, 3))
    np.testing.assert_array_equal(got["i"], np.array([1, -2], dtype=np.int16))
    stnp.save_file({"x": np.arange(4, dtype=np.float64), "m": np.array([True, False])},
                   str(tmp_path / "theirs.safetensors"))
    d = tg.load_file(tmp_path / "theirs.safetensors")
    same(d["x"], tg.arange(4).double())
    same(d["m"], tg.tensor([True, False]))


def test_safetensors_torch_bfloat16_both_ways(tmp_path):
    pytest.importorskip("torch", reason=TORCH_REASON)
    stt = pytest.importorskip("safetensors.torch", reason="the safetensors package is not installed")
    import torch
    tg.save_file({"h": tg.tensor([0.5, -3.0, 1e30]).bfloat16()}, tmp_path / "b.safetensors")
    assert stt.load_file(str(tmp_path / "b.safetensors"))["h"].float().tolist() == \
        torch.tensor([0.5, -3.0, 1e30]).bfloat16().float().tolist()
    stt.save_file({"h": torch.tensor([0.5, -3.0]).bfloat16()}, str(tmp_path / "c.safetensors"))
    same(tg.load_file(tmp_path / "c.safetensors")["h"], tg.tensor([0.5, -3.0]).bfloat16())


def test_safetensors_bad_input(tmp_path):
    with pytest.raises(TypeError, match="not a Tensor"):
        tg.save_file({"a": [1, 2]}, tmp_path / "x.safetensors")
    with pytest.raises(TypeError, match="metadata"):
        tg.save_file({"a": tg.ones(1)}, tmp_path / "x.safetensors", metadata={"k": 1})
    assert not os.listdir(tmp_path)
    path = tmp_path / "t.safetensors"
    tg.save_file({"a": tg.ones(10)}, path)
    data = path.read_bytes()
    for bad in (data[:4], data[:20], data[:-1], struct.pack("<Q", 2 ** 40) + data[8:],
                data[:8] + b"x" + data[9:]):
        path.write_bytes(bad)
        with pytest.raises(RuntimeError, match="t.safetensors"):
            tg.load_file(path)
