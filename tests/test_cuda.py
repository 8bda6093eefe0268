"""The CUDA backend (DESIGN.md §6).

Two halves:
- what every machine can check: without a GPU (or in a build without CUDA) each way of reaching
  CUDA raises a clear RuntimeError, the query functions answer without raising, and CPU code is
  unaffected;
- what needs a GPU (skipped with reason "no CUDA GPU" otherwise): transfers, synchronization,
  the caching allocator, device mixing rules, and a CPU-vs-CUDA consistency check of every op
  in the OpInfo database (same results, same dtypes, same errors).
"""
import subprocess
import sys

import numpy as np
import pytest

import tensorgen as tg
from tensorgen.testing._utils import to_numpy
from tensorgen.testing.opinfo import ALL_DTYPES, FACTORIES, op_db, sample_on

HAS_GPU = tg.cuda.is_available()
needs_gpu = pytest.mark.skipif(not HAS_GPU, reason="no CUDA GPU")
no_gpu = pytest.mark.skipif(HAS_GPU, reason="checks the behaviour without a GPU")

UNAVAILABLE = r"\[cuda\] (no CUDA GPU is available \(device_count\(\) == 0\)|tensorgen was built without CUDA)"


# ----------------------------------------------------------------------------- every machine

def test_queries_never_raise():
    assert isinstance(tg.backends.cuda.is_built(), bool)
    assert tg.cuda.device_count() >= 0
    assert tg.cuda.is_available() == (tg.cuda.device_count() > 0)
    assert tg.cuda.is_available() <= tg.backends.cuda.is_built()
    stats = tg.cuda.memory_stats()
    assert set(stats) == {"allocated_bytes", "reserved_bytes", "peak_allocated_bytes"}
    assert tg.cuda.memory_allocated() >= 0 and tg.cuda.memory_reserved() >= tg.cuda.memory_allocated()
    tg.cuda.empty_cache()


def test_device_objects_parse_without_a_gpu():
    assert str(tg.device("cuda")) == "cuda" and str(tg.device("cuda:0")) == "cuda:0"
    assert tg.device("cuda", 0) == tg.device("cuda:0")
    assert not tg.ones(2).is_cuda


_CUDA_CALLS = {
    "empty": lambda: tg.empty(2, 3, device="cuda"),
    "zeros": lambda: tg.zeros(3, device="cuda"),
    "ones": lambda: tg.ones([2], device=tg.device("cuda")),
    "full": lambda: tg.full([2], 1.5, device="cuda:0"),
    "zeros_like": lambda: tg.zeros_like(tg.ones(2), device="cuda"),
    "ones_like": lambda: tg.ones_like(tg.ones(2), device="cuda"),
    "empty_like": lambda: tg.empty_like(tg.ones(2), device="cuda"),
    "full_like": lambda: tg.full_like(tg.ones(2), 3, device="cuda"),
    "arange": lambda: tg.arange(5, device="cuda"),
    "arange3": lambda: tg.arange(0, 5, 2, device="cuda"),
    "linspace": lambda: tg.linspace(0, 1, 5, device="cuda"),
    "eye": lambda: tg.eye(3, device="cuda"),
    "rand": lambda: tg.rand(3, device="cuda"),
    "randn": lambda: tg.randn(3, device="cuda"),
    "randint": lambda: tg.randint(0, 5, (3,), device="cuda"),
    "randperm": lambda: tg.randperm(4, device="cuda"),
    "tensor": lambda: tg.tensor([1, 2], device="cuda"),
    "to": lambda: tg.ones(2).to("cuda"),
    "to_kw": lambda: tg.ones(2).to(device="cuda", dtype=tg.float64),
    "to_device_obj": lambda: tg.ones(2).to(tg.device("cuda", 0)),
    "cuda": lambda: tg.ones(2).cuda(),
    "cuda_index": lambda: tg.ones(2).cuda(0),
    "requires_grad_to": lambda: tg.ones(2, requires_grad=True).to("cuda"),
    "synchronize": lambda: tg.cuda.synchronize(),
    "current_device": lambda: tg.cuda.current_device(),
}


@no_gpu
@pytest.mark.parametrize("name", sorted(_CUDA_CALLS))
def test_cuda_calls_raise_a_clear_error_without_a_gpu(name):
    with pytest.raises(RuntimeError, match=UNAVAILABLE):
        _CUDA_CALLS[name]()


@no_gpu
def test_the_error_names_the_reason():
    with pytest.raises(RuntimeError) as e:
        tg.zeros(1, device="cuda")
    if tg.backends.cuda.is_built():
        assert "no CUDA GPU is available (device_count() == 0)" in str(e.value)
    else:
        assert "tensorgen was built without CUDA" in str(e.value)


@no_gpu
def test_failed_cuda_calls_leave_the_cpu_side_working():
    for call in _CUDA_CALLS.values():
        with pytest.raises(RuntimeError):
            call()
    x = tg.arange(6).view(2, 3).float()
    assert (x @ x.t()).sum().item() == 83.0
    np.testing.assert_allclose(to_numpy(x.softmax(1)), np.exp(to_numpy(x)) / np.exp(to_numpy(x)).sum(1, keepdims=True),
                               rtol=1e-6)
    assert tg.cuda.memory_allocated() == 0


def test_cpu_and_to_cpu_return_the_same_tensor():
    x = tg.ones(3)
    assert x.cpu() is x
    assert x.to("cpu") is x
    y = x.to(device="cpu", dtype=tg.float64)
    assert y.dtype is tg.float64 and y.device == tg.device("cpu")
    assert x.to("cpu", copy=True) is not x


def test_import_does_not_touch_the_gpu():
    """import tensorgen must stay cheap and must not create a CUDA context (no cudaMalloc, no
    kernel): tg.cuda functions are thin wrappers over _C."""
    code = ("import time, sys; t = time.perf_counter(); import tensorgen as tg; "
            "print(tg.cuda.memory_reserved(), 'torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    reserved, torch_loaded = out.stdout.split()
    assert reserved == "0" and torch_loaded == "False"


# ----------------------------------------------------------------------------- with a GPU

@needs_gpu
@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=str)
def test_round_trip_every_dtype(dtype):
    x = tg.arange(-5, 7).to(dtype)
    y = x.to("cuda")
    assert y.is_cuda and y.device == tg.device("cuda:0") and y.dtype is dtype
    assert tg.equal(y.cpu(), x)
    assert y.tolist() == x.tolist()
    assert tg.equal(y.cpu(), y.to("cpu"))


@needs_gpu
def test_conversions_between_devices_and_dtypes():
    x = tg.linspace(-3, 3, 13)
    for src_dt in (tg.float32, tg.float64, tg.int64, tg.float16, tg.bool):
        for dst_dt in (tg.float32, tg.int32, tg.bfloat16, tg.uint8, tg.bool):
            a = x.to(src_dt)
            expected = a.to(dst_dt)
            assert tg.equal(a.cuda().to(dst_dt).cpu(), expected)            # device -> device
            assert tg.equal(a.to("cuda", dst_dt).cpu(), expected)           # host -> device
            assert tg.equal(a.cuda().to("cpu", dst_dt), expected)           # device -> host


@needs_gpu
def test_non_contiguous_and_broadcast_copies():
    x = tg.arange(24).view(2, 3, 4).float()
    xt = x.permute(2, 0, 1)
    assert tg.equal(xt.cuda().cpu(), xt)
    d = tg.zeros(4, 2, 3, device="cuda")
    d.copy_(xt)
    assert tg.equal(d.cpu(), xt.contiguous())
    d2 = tg.zeros(3, 4, device="cuda")
    d2.copy_(tg.arange(4).float())  # broadcast from the host
    assert tg.equal(d2.cpu(), tg.arange(4).float().expand(3, 4))
    h = tg.zeros(4, 2, 3)
    h.copy_(xt.cuda())
    assert tg.equal(h, xt.contiguous())


@needs_gpu
def test_item_repr_and_synchronize():
    x = tg.full([3], 2.5, device="cuda")
    assert x.sum().item() == 7.5
    assert repr(x) == "tensor([2.5000, 2.5000, 2.5000], device='cuda:0')"
    assert repr(x.to(tg.int32)) == "tensor([2, 2, 2], device='cuda:0', dtype=tensorgen.int32)"
    tg.cuda.synchronize()
    with pytest.raises(TypeError, match="cpu"):
        x.numpy()
    assert x.cpu().numpy().tolist() == [2.5, 2.5, 2.5]


@needs_gpu
def test_mixing_devices_raises_pytorchs_error():
    a, b = tg.ones(3, device="cuda"), tg.ones(3)
    with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device|expected all tensors"):
        a + b
    with pytest.raises(RuntimeError, match="same device"):
        tg.mm(tg.ones(2, 2, device="cuda"), tg.ones(2, 2))


@needs_gpu
def test_cpu_zero_dim_tensors_and_python_numbers_act_as_scalars():
    a = tg.arange(4, device="cuda").float()
    assert tg.equal((a + tg.tensor(2.0)).cpu(), tg.arange(4).float() + 2)
    assert tg.equal((a * 3).cpu(), tg.arange(4).float() * 3)
    assert tg.equal((2 - a).cpu(), 2 - tg.arange(4).float())
    assert tg.equal(tg.where(a > 1, a, tg.tensor(-1.0)).cpu(), tg.tensor([-1.0, -1.0, 2.0, 3.0]))


@needs_gpu
def test_caching_allocator_stats():
    tg.cuda.synchronize()
    tg.cuda.empty_cache()
    base = tg.cuda.memory_allocated()
    x = tg.empty(1 << 20, device="cuda")
    assert tg.cuda.memory_allocated() >= base + 4 * (1 << 20)
    reserved = tg.cuda.memory_reserved()
    del x
    assert tg.cuda.memory_allocated() == base
    assert tg.cuda.memory_reserved() == reserved  # cached, not returned
    y = tg.empty(1 << 20, device="cuda")  # reuses the cached block
    assert tg.cuda.memory_reserved() == reserved
    del y
    tg.cuda.empty_cache()
    assert tg.cuda.memory_reserved() < reserved


@needs_gpu
def test_integer_division_by_zero_raises_and_the_gpu_keeps_working():
    a = tg.tensor([4, 5], device="cuda")
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        a // tg.tensor([1, 0], device="cuda")
    with pytest.raises(RuntimeError, match="negative integer powers"):
        a ** tg.tensor([-2, 1], device="cuda")
    assert (a // 2).tolist() == [2, 2]


@needs_gpu
def test_random_matches_the_cpu_for_the_same_seed():
    for fn, kw in ((tg.rand, {}), (tg.rand, {"dtype": tg.float64}), (tg.rand, {"dtype": tg.float16}),
                   (tg.randint, {}), (tg.randn, {}), (tg.randn, {"dtype": tg.float64}), (tg.randperm, {})):
        args = (0, 1000, (37,)) if fn is tg.randint else (37,)
        tg.manual_seed(123)
        c = fn(*args, **kw)
        tg.manual_seed(123)
        g = fn(*args, device="cuda", **kw)
        if fn is tg.randn:
            np.testing.assert_allclose(to_numpy(g), to_numpy(c), rtol=1e-5, atol=1e-6)
        else:
            assert tg.equal(g.cpu(), c), fn


@needs_gpu
def test_autograd_on_cuda_and_across_devices():
    x = tg.randn(4, 3, requires_grad=True)
    w = tg.randn(3, 2, device="cuda", requires_grad=True)
    y = (x.to("cuda") @ w).relu().sum()
    y.backward()
    assert x.grad.device == tg.device("cpu") and w.grad.is_cuda
    xd = x.detach()
    expected_w = (xd.t() @ ((xd @ w.detach().cpu()) > 0).float())
    np.testing.assert_allclose(to_numpy(w.grad), to_numpy(expected_w), rtol=1e-5, atol=1e-5)


@needs_gpu
@pytest.mark.parametrize("dtype", [tg.float32, tg.float16, tg.bfloat16, tg.float64, tg.int32], ids=str)
def test_big_gemms_match_the_cpu(dtype):
    """Products with enough 128 x 128 tiles to fill the GPU take the big-tile kernel (float
    accumulation); sizes that are not multiples of the tile, a transposed operand and a batch of
    small products check its edges against the CPU."""
    tg.manual_seed(0)
    cases = [((1500, 70), (70, 1700), False), ((1300, 200), (1700, 200), True), ((140, 33, 45), (140, 45, 29), False)]
    for a_shape, b_shape, transpose_b in cases:
        a = (tg.rand(*a_shape) * 4 - 2).to(dtype)
        b = (tg.rand(*b_shape) * 4 - 2).to(dtype)
        if transpose_b:
            b = b.t()
        expected = to_numpy(a.to(tg.float64) @ b.to(tg.float64))
        got = to_numpy((a.cuda() @ b.cuda()).cpu())
        if dtype.is_floating_point:
            tol = {tg.float16: 2e-2, tg.bfloat16: 1e-1}.get(dtype, 1e-4)
            k = a_shape[-1]
            np.testing.assert_allclose(got, expected, rtol=tol, atol=tol * k ** 0.5)
        else:
            np.testing.assert_array_equal(got, expected.astype(np.int32))


@needs_gpu
def test_more_than_2_to_the_31_elements_are_split_into_launches():
    n = (1 << 31) + 5
    x = tg.ones(n, dtype=tg.uint8, device="cuda")
    y = x + x
    assert y[-1].item() == 2 and y[0].item() == 2
    assert (y.to(tg.int64).sum().item()) == 2 * n
    del x, y
    tg.cuda.empty_cache()


# ----------------------------------------------------------------------------- CPU vs CUDA, every op

_MODES = ("basic", "noncontig", "broadcast", "zero_dim", "zero_size", "large")


def _on_host(r):
    if isinstance(r, tg.Tensor):
        return r.detach().cpu()
    if isinstance(r, tuple):
        return tuple(_on_host(x) for x in r)
    return r


def _assert_same(op, sample, c, g):
    if isinstance(c, tuple):
        assert isinstance(g, tuple) and len(c) == len(g)
        for x, y in zip(c, g):
            _assert_same(op, sample, x, y)
        return
    if not isinstance(c, tg.Tensor):
        assert c == g, f"{op.name}{sample}: cpu {c!r} != cuda {g!r}"
        return
    assert g.dtype is c.dtype and tuple(g.shape) == tuple(c.shape), f"{op.name}{sample}"
    a, b = to_numpy(c), to_numpy(g)
    if c.dtype.is_floating_point:
        tol = {tg.float16: 2e-3, tg.bfloat16: 1.6e-2, tg.float32: 2e-5, tg.float64: 1e-12}[c.dtype]
        rtol = atol = tol
        if c.dtype in op.tol:
            # An op with its own tolerance against the reference (long sums, a rounding the CPU
            # shares with PyTorch): each device is held to it there, so they may differ by twice it.
            rtol, atol = max(tol, 2 * op.tol[c.dtype][0]), max(tol, 2 * op.tol[c.dtype][1])
        np.testing.assert_allclose(b, a, rtol=rtol, atol=atol, equal_nan=True, err_msg=f"{op.name}{sample}")
    else:
        np.testing.assert_array_equal(b, a, err_msg=f"{op.name}{sample}")


@needs_gpu
@pytest.mark.parametrize("op", op_db, ids=[op.name for op in op_db])
def test_cpu_and_cuda_agree(op):
    """The same samples on both devices: same dtypes, shapes, values (floating within a few ulp of
    accumulation-order differences) and the same exception types."""
    for dtype in ALL_DTYPES:
        for mode in _MODES:
            for sample in op.samples_for(dtype, mode):
                tg.manual_seed(0)
                try:
                    c = _on_host(op(sample))
                except Exception as e:  # noqa: BLE001
                    with pytest.raises(type(e)):
                        tg.manual_seed(0)
                        op(sample_on(op, sample, "cuda"))
                    continue
                tg.manual_seed(0)
                g = op(sample_on(op, sample, "cuda"))
                if op.name == "empty" or op.name == "empty_like":
                    continue  # uninitialized values
                if isinstance(g, tg.Tensor) and op.name not in FACTORIES and not op.name.endswith("_like"):
                    inputs = [a for a in sample_on(op, sample, "cuda").args if isinstance(a, tg.Tensor)]
                    assert not inputs or g.is_cuda, f"{op.name}: result left the GPU"
                _assert_same(op, sample, c, _on_host(g))


# ----------------------------------------------------------------------------- scripts/gpu_check.sh

def test_gpu_check_script_parses():
    """The GPU check cannot run here; its shell and its embedded Python must at least parse."""
    from pathlib import Path
    script = Path(__file__).resolve().parent.parent / "scripts" / "gpu_check.sh"
    subprocess.run(["bash", "-n", str(script)], check=True)
    text = script.read_text()
    blocks = text.split("<<'PY'\n")[1:]
    assert len(blocks) == 2
    for block in blocks:
        compile(block.split("\nPY\n")[0], str(script), "exec")


def test_cuda_repro_script_names_each_sample():
    """scripts/cuda_repro.py prints every sample before calling it (a crash then names it); an
    exception is reported, not fatal; an unknown op name is refused."""
    from pathlib import Path
    script = Path(__file__).resolve().parent.parent / "scripts" / "cuda_repro.py"
    out = subprocess.run([sys.executable, str(script), "neg"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    calls = [line for line in lines if line.startswith("neg ")]
    answers = [line for line in lines if line.startswith("   ")]
    assert calls and len(calls) == len(answers)
    if not HAS_GPU:
        assert all(a.startswith("   raised RuntimeError") for a in answers)
    bad = subprocess.run([sys.executable, str(script), "not_an_op"], capture_output=True, text=True, timeout=60)
    assert bad.returncode != 0 and "no OpInfo entry named 'not_an_op'" in bad.stderr
