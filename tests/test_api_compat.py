"""PyTorch-compatible API a ported program reaches for first (issue 13, item 4): predicates,
the default dtype, finfo/iinfo, promotion helpers, legacy tensor types, new_*, data, T/mT/H/mH,
sizes in bytes, generators, show_config, __version__; and validation of a factory's device and
sizes before any allocation. Expected values are PyTorch 2.13's (NumPy where it has them)."""
import time
from pathlib import Path

import numpy as np
import pytest
import yaml

import tensorgen as tg

ROOT = Path(__file__).resolve().parents[1]
FLOATING = (tg.float16, tg.bfloat16, tg.float32, tg.float64)
ALL = (tg.bool, tg.uint8, tg.int8, tg.int16, tg.int32, tg.int64) + FLOATING


@pytest.fixture
def default_dtype():
    """Restores the default dtype whatever the test does."""
    before = tg.get_default_dtype()
    yield
    tg.set_default_dtype(before)


# ----------------------------------------------------------------------------- predicates

def test_is_tensor_is_floating_point_numel():
    x = tg.ones(2, 3)
    assert tg.is_tensor(x) and not tg.is_tensor(1) and not tg.is_tensor(np.ones(2)) and not tg.is_tensor([x])
    assert tg.is_floating_point(x) and not tg.is_floating_point(tg.ones(2, dtype=tg.int64))
    assert tg.numel(x) == 6 and tg.numel(tg.tensor(1.0)) == 1 and tg.numel(tg.ones(0, 4)) == 0
    for fn in (tg.is_floating_point, tg.numel):
        with pytest.raises(TypeError, match="must be Tensor, not float"):
            fn(1.0)


# ----------------------------------------------------------------------------- default dtype

def test_default_dtype_starts_float32():
    assert tg.get_default_dtype() == tg.float32


@pytest.mark.parametrize("dt", FLOATING)
def test_set_default_dtype_applies_to_factories_and_promotion(default_dtype, dt):
    tg.set_default_dtype(dt)
    assert tg.get_default_dtype() == dt
    made = [tg.empty(2), tg.zeros(2), tg.ones(2, 2), tg.rand(3), tg.randn(3), tg.full((2,), 1.5), tg.arange(0.0, 2.0),
            tg.linspace(0, 1, 5), tg.eye(2), tg.tensor([1.5, 2.0]), tg.tensor(2.5), tg.FloatTensor(2).to(dt)]
    assert [t.dtype for t in made] == [dt] * len(made)
    ints = tg.arange(4)
    assert ints.dtype == tg.int64 and tg.full((2,), 3).dtype == tg.int64 and tg.tensor([1, 2]).dtype == tg.int64
    assert (ints / 2).dtype == dt  # true division of integers
    assert (ints * 1.5).dtype == dt  # a Python float counts as the default dtype
    assert (tg.ones(2, dtype=tg.float64) * 1.5).dtype == tg.float64  # ... but never over a tensor's own float
    assert tg.nn.Linear(2, 3).weight.dtype == dt


def test_set_default_dtype_rejects_non_floating(default_dtype):
    for bad in (tg.int64, tg.bool, tg.uint8):
        with pytest.raises(TypeError, match="only floating-point types"):
            tg.set_default_dtype(bad)
    with pytest.raises(TypeError):
        tg.set_default_dtype("float64")
    assert tg.get_default_dtype() == tg.float32


# ----------------------------------------------------------------------------- finfo / iinfo

@pytest.mark.parametrize("dt, np_dt, resolution", [(tg.float16, np.float16, 1e-3), (tg.float32, np.float32, 1e-6),
                                                   (tg.float64, np.float64, 1e-15)])
def test_finfo_matches_numpy(dt, np_dt, resolution):
    f, ref = tg.finfo(dt), np.finfo(np_dt)
    assert (f.bits, f.eps, f.max, f.min, f.tiny, f.smallest_normal) == \
        (ref.bits, float(ref.eps), float(ref.max), float(ref.min), float(ref.tiny), float(ref.smallest_normal))
    assert f.resolution == resolution  # a Python float, as in PyTorch (NumPy's is of the dtype)
    assert f.resolution == pytest.approx(float(ref.resolution), rel=1e-3)
    assert f.dtype == str(dt).split(".")[-1]


def test_finfo_bfloat16_and_default():
    f = tg.finfo(tg.bfloat16)
    # 8 exponent bits like float32, 7 mantissa bits
    assert (f.bits, f.eps, f.tiny, f.resolution, f.dtype) == (16, 2.0 ** -7, 2.0 ** -126, 0.01, "bfloat16")
    assert f.max == 3.3895313892515355e38 == -f.min
    # the largest bfloat16 is the float32 with the low 16 bits of the largest float32 cleared
    assert f.max == float(np.frombuffer(np.uint32(0x7F7F0000).tobytes(), np.float32)[0])
    assert tg.finfo() == tg.finfo(tg.float32)
    assert repr(tg.finfo(tg.float32)).startswith("finfo(resolution=1e-06, min=-3.40282e+38, max=3.40282e+38")


def test_iinfo_matches_numpy():
    for dt in (tg.uint8, tg.int8, tg.int16, tg.int32, tg.int64):
        i, ref = tg.iinfo(dt), np.iinfo(str(dt).split(".")[-1])
        assert (i.bits, i.min, i.max, i.dtype) == (ref.bits, ref.min, ref.max, str(dt).split(".")[-1])
    assert repr(tg.iinfo(tg.uint8)) == "iinfo(min=0, max=255, dtype=uint8)"


def test_finfo_iinfo_errors():
    with pytest.raises(TypeError, match="floating point"):
        tg.finfo(tg.int32)
    with pytest.raises(TypeError, match="integer"):
        tg.iinfo(tg.float32)
    with pytest.raises(TypeError, match="bool"):
        tg.iinfo(tg.bool)
    with pytest.raises(TypeError):
        tg.finfo("float32")


# ----------------------------------------------------------------------------- promotion

# PyTorch's promotion table, for the dtypes tensorgen has (c10/core/ScalarType.cpp)
_ORDER = ["uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64", "bool", "bfloat16"]
_U1, _I1, _I2, _I4, _I8, _F2, _F4, _F8, _B1, _BF = _ORDER
_TABLE = [
    # u1   i1   i2   i4   i8   f2   f4   f8   b1   bf
    [_U1, _I2, _I2, _I4, _I8, _F2, _F4, _F8, _U1, _BF],  # u1
    [_I2, _I1, _I2, _I4, _I8, _F2, _F4, _F8, _I1, _BF],  # i1
    [_I2, _I2, _I2, _I4, _I8, _F2, _F4, _F8, _I2, _BF],  # i2
    [_I4, _I4, _I4, _I4, _I8, _F2, _F4, _F8, _I4, _BF],  # i4
    [_I8, _I8, _I8, _I8, _I8, _F2, _F4, _F8, _I8, _BF],  # i8
    [_F2, _F2, _F2, _F2, _F2, _F2, _F4, _F8, _F2, _F4],  # f2
    [_F4, _F4, _F4, _F4, _F4, _F4, _F4, _F8, _F4, _F4],  # f4
    [_F8, _F8, _F8, _F8, _F8, _F8, _F8, _F8, _F8, _F8],  # f8
    [_U1, _I1, _I2, _I4, _I8, _F2, _F4, _F8, _B1, _BF],  # b1
    [_BF, _BF, _BF, _BF, _BF, _F4, _F4, _F8, _BF, _BF],  # bf
]


def test_promote_types_is_pytorchs_table():
    for i, a in enumerate(_ORDER):
        for j, b in enumerate(_ORDER):
            assert tg.promote_types(getattr(tg, a), getattr(tg, b)) == getattr(tg, _TABLE[i][j]), (a, b)


def test_can_cast():
    for a in ALL:
        for b in ALL:
            expected = not (a.is_floating_point and not b.is_floating_point) and not (a != tg.bool and b == tg.bool)
            assert tg.can_cast(a, b) == expected, (a, b)
    with pytest.raises(TypeError):
        tg.can_cast(tg.float32, "int32")


def test_result_type_categories():
    i8 = tg.tensor([1], dtype=tg.int8)
    assert tg.result_type(i8, tg.tensor(1000)) == tg.int8  # a 0-d tensor doesn't promote a dimensioned one
    assert tg.result_type(i8, tg.tensor(1.5)) == tg.float32  # ... unless it is of a higher kind
    assert tg.result_type(i8, 5) == tg.int8 and tg.result_type(i8, 5.5) == tg.float32
    assert tg.result_type(tg.tensor([True]), 5) == tg.int64
    assert tg.result_type(tg.tensor(1, dtype=tg.int32), 2) == tg.int32
    assert tg.result_type(1, 1.0) == tg.float32 and tg.result_type(True, 2) == tg.int64
    assert tg.result_type(tg.ones(2, dtype=tg.float16), tg.ones(2, dtype=tg.bfloat16)) == tg.float32
    for a in (i8, tg.ones(2), tg.tensor(3), tg.tensor([True])):  # the dtype the ops compute in
        for b in (2, 2.5, True, tg.ones(1, dtype=tg.int16), tg.tensor(2.0, dtype=tg.float64)):
            assert tg.result_type(a, b) == tg.add(a, b).dtype or a.dtype == tg.bool and b is True
    with pytest.raises(TypeError):
        tg.result_type(i8, "a")


# ----------------------------------------------------------------------------- legacy tensor types

LEGACY = {"BoolTensor": tg.bool, "ByteTensor": tg.uint8, "CharTensor": tg.int8, "ShortTensor": tg.int16,
          "IntTensor": tg.int32, "LongTensor": tg.int64, "HalfTensor": tg.float16, "BFloat16Tensor": tg.bfloat16,
          "FloatTensor": tg.float32, "DoubleTensor": tg.float64}


@pytest.mark.parametrize("name", LEGACY)
def test_legacy_constructors(name):
    cls, dt = getattr(tg, name), LEGACY[name]
    assert cls.dtype == dt
    t = cls(2, 3)
    assert type(t) is tg.Tensor and t.dtype == dt and tuple(t.shape) == (2, 3)
    assert tuple(cls().shape) == (0,) and tuple(cls(tg.Size([4])).shape) == (4,)
    v = cls([1, 0, 1])
    assert v.dtype == dt and v.tolist() == [1, 0, 1] or (dt == tg.bool and v.tolist() == [True, False, True])
    assert cls(np.array([[1, 2]])).shape == (1, 2)
    assert isinstance(t, cls) and isinstance(t, tg.Tensor)
    assert not any(isinstance(t, getattr(tg, other)) for other in LEGACY if other != name)
    assert t.type() == f"tensorgen.{name}"
    assert repr(cls) == f"<class 'tensorgen.{name}'>"


def test_legacy_constructor_from_tensor_and_errors():
    x = tg.ones(3)
    y = tg.FloatTensor(x)
    assert y.data_ptr() == x.data_ptr()  # the same data, as in PyTorch
    with pytest.raises(TypeError, match="float32"):
        tg.FloatTensor(tg.ones(3, dtype=tg.int64))
    for bad in (2.5, "a", None, True):
        with pytest.raises(TypeError, match="data must be a sequence"):
            tg.FloatTensor(bad)
    with pytest.raises(TypeError, match="unexpected keyword"):
        tg.FloatTensor(2, dtype=tg.float64)
    with pytest.raises(RuntimeError, match="negative dimension"):
        tg.FloatTensor(-1)


def test_type_conversions():
    x = tg.tensor([1.5, -2.5])
    assert x.type() == "tensorgen.FloatTensor"
    assert x.type(tg.DoubleTensor).dtype == tg.float64
    assert x.type("tensorgen.IntTensor").tolist() == [1, -2]
    assert x.type("torch.LongTensor").dtype == tg.int64  # PyTorch's spelling, for ported code
    assert x.type(tg.float64).dtype == tg.float64
    assert x.type(tg.float32) is x and x.type(tg.FloatTensor) is x
    with pytest.raises(ValueError, match="invalid type"):
        x.type("tensorgen.Double")
    with pytest.raises(TypeError):
        x.type(3)


# ----------------------------------------------------------------------------- new_*, data, views, sizes

def test_new_factories_inherit_dtype_and_device():
    x = tg.ones(2, dtype=tg.float64)
    for t, value in ((x.new_zeros(2, 3), 0), (x.new_ones((2, 3)), 1), (x.new_full((2, 3), 7), 7)):
        assert t.dtype == tg.float64 and t.device == x.device and tuple(t.shape) == (2, 3)
        assert t.tolist() == [[value] * 3] * 2 and not t.requires_grad
    assert tuple(x.new_empty(4).shape) == (4,) and x.new_empty([]).shape == ()
    assert x.new_zeros(2, dtype=tg.int32).dtype == tg.int32
    assert x.new_ones(2, requires_grad=True).requires_grad
    t = x.new_tensor([1, 2])  # x's dtype, not the data's (PyTorch)
    assert t.dtype == tg.float64 and t.tolist() == [1.0, 2.0]
    src = tg.ones(2)
    c = x.new_tensor(src, dtype=tg.int64)
    assert c.dtype == tg.int64 and c.data_ptr() != src.data_ptr()
    with pytest.raises(TypeError):
        x.new_zeros(2, True)  # a bool is no size


def test_data_get_and_set():
    w = tg.ones(3, requires_grad=True)
    d = w.data
    assert not d.requires_grad and d.data_ptr() == w.data_ptr()
    d.mul_(2)  # through .data: no autograd
    assert w.tolist() == [2.0, 2.0, 2.0] and w.grad_fn is None
    w.data = tg.zeros(2, 2)
    assert w.requires_grad and w.is_leaf and tuple(w.shape) == (2, 2) and w.tolist() == [[0, 0], [0, 0]]
    (w * 3).sum().backward()
    assert w.grad.tolist() == [[3, 3], [3, 3]]
    w.data = tg.zeros(2, dtype=tg.float64)  # another dtype (PyTorch's set_data): identity kept
    assert w.requires_grad and w.is_leaf and w.dtype == tg.float64
    with pytest.raises(RuntimeError, match="floating point"):
        w.data = tg.zeros(2, dtype=tg.int64)
    with pytest.raises(TypeError):
        w.data = [1.0]


def test_transposes():
    m = tg.arange(6.0).reshape(2, 3)
    for t in (m.T, m.mT, m.H, m.mH):
        assert tuple(t.shape) == (3, 2) and t.data_ptr() == m.data_ptr()
    b = tg.ones(4, 2, 3)
    assert tuple(b.mT.shape) == tuple(b.mH.shape) == (4, 3, 2) and tuple(b.T.shape) == (3, 2, 4)
    assert tuple(tg.ones(3).T.shape) == (3,) and tg.tensor(1.0).T.shape == ()
    for attr in ("mT", "mH", "H"):
        with pytest.raises(RuntimeError, match=attr):
            getattr(tg.ones(3), attr)
    with pytest.raises(RuntimeError, match="H"):
        getattr(b, "H")


@pytest.mark.parametrize("dt", ALL)
def test_sizes_in_bytes(dt):
    x = tg.zeros(3, 5, dtype=dt)
    size = {tg.bool: 1, tg.uint8: 1, tg.int8: 1, tg.int16: 2, tg.int32: 4, tg.int64: 8, tg.float16: 2,
            tg.bfloat16: 2, tg.float32: 4, tg.float64: 8}[dt]
    assert x.element_size() == x.itemsize == size
    assert x.nbytes == 15 * size and x[:, 1:].nbytes == 12 * size  # the view's elements, not the storage
    assert x.ndim == 2 and x.is_cuda is False


# ----------------------------------------------------------------------------- generators

def _yaml_ops_with_generator():
    entries = yaml.safe_load((ROOT / "native_functions.yaml").read_text())
    return sorted({e["func"].split("(")[0] for e in entries if "Generator" in e["func"]})


# One call per YAML schema with a Generator (name with overload); test_every_generator_op_is_covered
# makes a new one fail until it is listed here.
GENERATOR_CALLS = {
    "rand": lambda g: tg.rand(5, generator=g),
    "randn": lambda g: tg.randn(5, generator=g),
    "randint.high": lambda g: tg.randint(10, (5,), generator=g),
    "randint": lambda g: tg.randint(-5, 10, (5,), generator=g),
    "randperm": lambda g: tg.randperm(8, generator=g),
    "uniform_": lambda g: tg.empty(5).uniform_(0, 1, generator=g),
    "normal_": lambda g: tg.empty(5).normal_(0, 1, generator=g),
    "bernoulli_.float": lambda g: tg.empty(20).bernoulli_(0.5, generator=g),
    "exponential_": lambda g: tg.empty(5).exponential_(1.0, generator=g),
    "geometric_": lambda g: tg.empty(5).geometric_(0.3, generator=g),
    "log_normal_": lambda g: tg.empty(5).log_normal_(1.0, 2.0, generator=g),
    "cauchy_": lambda g: tg.empty(5).cauchy_(0.0, 1.0, generator=g),
    "random_.from": lambda g: tg.empty(5).random_(0, 100, generator=g),
    "random_.to": lambda g: tg.empty(5).random_(100, generator=g),
    "random_": lambda g: tg.empty(5, dtype=tg.int32).random_(generator=g),
    "bernoulli": lambda g: tg.bernoulli(tg.full((20,), 0.5), generator=g),
    "multinomial": lambda g: tg.multinomial(tg.ones(10), 4, generator=g),
}


def test_every_generator_op_is_covered():
    assert sorted(GENERATOR_CALLS) == _yaml_ops_with_generator()


@pytest.mark.parametrize("name", sorted(GENERATOR_CALLS))
def test_generator_argument(name):
    call = GENERATOR_CALLS[name]
    state = tg.get_rng_state()
    a = call(tg.Generator().manual_seed(7))
    b = call(tg.Generator().manual_seed(7))
    assert a.tolist() == b.tolist()  # the same seed: the same numbers
    assert tg.get_rng_state().tolist() == state.tolist()  # the default generator was not used
    g = tg.Generator().manual_seed(7)
    draws = [call(g).tolist() for _ in range(4)]
    assert any(d != draws[0] for d in draws[1:])  # the generator advances
    with pytest.raises(TypeError, match="Generator"):
        call(7)


def test_nn_init_takes_a_generator():
    w1, w2 = tg.empty(4, 3), tg.empty(4, 3)
    tg.nn.init.kaiming_uniform_(w1, generator=tg.Generator().manual_seed(1))
    tg.nn.init.kaiming_uniform_(w2, generator=tg.Generator().manual_seed(1))
    assert w1.tolist() == w2.tolist()


# ----------------------------------------------------------------------------- config, version

def test_show_config():
    text = tg.show_config()
    assert isinstance(text, str) and text.startswith(f"tensorgen {tg.__version__}\n")
    for key in ("Build type:", "C++ compiler:", "CPU capabilities compiled:", "CPU capability selected:", "OpenMP:",
                "CUDA:"):
        assert key in text
    assert tg._C._cpu_capability() in text
    assert f"{tg.get_num_threads()} thread(s)" in text
    assert ("CUDA: on" in text) == tg._C._build_config()["cuda"]


def test_version_from_metadata():
    from importlib import metadata
    try:
        expected = metadata.version("tensorgen")
    except metadata.PackageNotFoundError:  # an in-place dev build: pyproject.toml's version
        import re
        expected = re.search(r'^version = "([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.M).group(1) + "+dev"
    assert tg.__version__ == expected


# ----------------------------------------------------------------------------- validation before allocation

# Each must fail at once: validation of the device, the dtype and the sizes before any allocation
# or work (randperm(2**31, device="cuda") used to shuffle 16 GB on the host first). The time
# bound is generous (2 s of CPU time): the point is that no huge allocation or loop happens.
# (name, call, exception type, message regex)
FAILING_FACTORIES = [
    ("randperm on cuda", "tg.randperm(2**31, device='cuda')", RuntimeError, "cuda|CUDA"),
    ("arange on cuda", "tg.arange(2**31, device='cuda')", RuntimeError, "cuda|CUDA"),
    ("linspace on cuda", "tg.linspace(0, 1, 2**31, device='cuda')", RuntimeError, "cuda|CUDA"),
    ("zeros on cuda", "tg.zeros(2**31, device='cuda')", RuntimeError, "cuda|CUDA"),
    ("rand on cuda", "tg.rand(2**31, device='cuda')", RuntimeError, "cuda|CUDA"),
    ("randint on cuda", "tg.randint(5, (2**31,), device='cuda')", RuntimeError, "cuda|CUDA"),
    ("eye on cuda", "tg.eye(2**16, device='cuda')", RuntimeError, "cuda|CUDA"),
    ("empty 2**40 x 2**40", "tg.empty(2**40, 2**40)", RuntimeError, "overflow"),
    ("zeros 2**62 float64", "tg.zeros(2**62, dtype=tg.float64)", RuntimeError, "overflow"),
    ("ones 2**61 float64", "tg.ones(2**61, dtype=tg.float64)", RuntimeError, "overflow"),
    ("full 2**31 x 2**31 x 4", "tg.full((2**31, 2**31, 4), 1.0)", RuntimeError, "overflow"),
    ("empty negative", "tg.empty(-1)", RuntimeError, "negative"),
    ("zeros negative", "tg.zeros(3, -2)", RuntimeError, "negative"),
    ("arange 2**62", "tg.arange(0, 2**62)", RuntimeError, "overflow"),
    ("linspace 2**62", "tg.linspace(0, 1, 2**62)", RuntimeError, "overflow"),
    ("linspace negative", "tg.linspace(0, 1, -1)", RuntimeError, "non-negative"),
    ("randperm 2**62", "tg.randperm(2**62)", RuntimeError, "overflow"),
    ("randperm negative", "tg.randperm(-1)", RuntimeError, "non-negative"),
    ("rand 2**40 x 2**30", "tg.rand(2**40, 2**30)", RuntimeError, "overflow"),
    ("randn negative", "tg.randn(2, -1)", RuntimeError, "negative"),
    ("randint 2**60", "tg.randint(5, (2**60,))", RuntimeError, "overflow"),
    ("eye 2**40", "tg.eye(2**40)", RuntimeError, "overflow"),
    ("eye negative", "tg.eye(-1)", RuntimeError, "n must be"),
    ("eye 2**31 x 2**31", "tg.eye(2**31, 2**31)", RuntimeError, "overflow"),
    ("new_zeros overflow", "tg.ones(1).new_zeros(2**40, 2**40)", RuntimeError, "overflow"),
    ("FloatTensor overflow", "tg.FloatTensor(2**40, 2**40)", RuntimeError, "overflow"),
    ("empty beyond int64", "tg.empty(2**64)", TypeError, "Overflow"),
]

# The calls run in a child process whose address space is capped at 4 GiB, so that a regression
# (a huge allocation before the check) fails this test instead of exhausting the machine. Under
# AddressSanitizer (scripts/sanitize.sh) there is no cap: its shadow memory reserves terabytes of
# address space at start; the peak-allocation check below still catches such a regression.
_CHILD = r"""
import json, os, resource, sys, time
if "libasan" not in os.environ.get("LD_PRELOAD", ""):
    resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))
import tensorgen as tg
out = {}
for name, code in json.loads(sys.argv[1]):
    before = tg.cpu_memory_stats()["peak_allocated_bytes"]
    start = time.process_time()
    try:
        eval(code)
        err = None
    except Exception as e:
        err = [type(e).__name__, str(e)]
    out[name] = [err, time.process_time() - start, tg.cpu_memory_stats()["peak_allocated_bytes"] - before]
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def factory_failures():
    import json
    import os
    import subprocess
    import sys
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    cases = json.dumps([(name, code) for name, code, _, _ in FAILING_FACTORIES])
    r = subprocess.run([sys.executable, "-c", _CHILD, cases], capture_output=True, text=True, timeout=120, env=env)
    assert r.returncode == 0, r.stderr[-2000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("name, code, exc, match", FAILING_FACTORIES, ids=[c[0] for c in FAILING_FACTORIES])
def test_factory_fails_before_allocating(factory_failures, name, code, exc, match):
    import re
    if "cuda" in name and tg.cuda.is_available():
        pytest.skip("a GPU is present: the call is valid")
    err, cpu_s, allocated = factory_failures[name]
    assert err is not None, f"{code} did not raise"
    assert err[0] == exc.__name__ and re.search(match, err[1]), err
    assert cpu_s < 2.0, f"{code} took {cpu_s:.2f} s of CPU time before failing"
    assert allocated < 2**20, f"{code} allocated {allocated} bytes before failing"
