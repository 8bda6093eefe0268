"""mm / bmm / matmul through the blocked GEMM: sizes around the tile (MR x NR) and cache-block
(MC/KC/NC) boundaries, transposed and strided operands, out= (including aliasing), thread-count
independence, NaN/inf propagation, and the other dtypes' simple paths. NumPy float64 is the
reference; float32 accumulates in float32, so the tolerance is a forward error bound
~ k * eps * (|A| @ |B|)."""
import os
import subprocess
import sys

import numpy as np
import pytest

import tensorgen as tg
from tensorgen.testing import make_tensor
from tensorgen.testing._utils import to_numpy

FLOAT = [tg.float32, tg.float64]
EPS = {tg.float32: np.finfo(np.float32).eps, tg.float64: np.finfo(np.float64).eps}


@pytest.fixture
def threads():
    before = tg.get_num_threads()
    yield
    tg.set_num_threads(before)


def rand(shape, dtype, seed=0):
    return make_tensor(shape, dtype, low=-1, high=1, seed=seed)


def check_matmul(actual, a, b):
    """actual vs float64 NumPy a @ b, within the float GEMM forward error bound."""
    an, bn = to_numpy(a).astype(np.float64), to_numpy(b).astype(np.float64)
    ref = an @ bn
    act = to_numpy(actual).astype(np.float64)
    assert act.shape == ref.shape
    k = an.shape[-1]
    bound = np.abs(an) @ np.abs(bn) * (2 * max(k, 1) * EPS[actual.dtype]) + 1e-30
    err = np.abs(act - ref)
    assert np.all((err <= bound) | (np.isnan(ref) & np.isnan(act))), \
        f"max err {np.nanmax(err)} at bound {bound.flat[np.nanargmax(err)]}"


SIZES = [1, 2, 7, 13, 17, 31, 33, 64, 65, 127, 129, 257, 300, 513]


@pytest.mark.parametrize("dtype", FLOAT, ids=str)
@pytest.mark.parametrize("s", SIZES)
def test_mm_square(s, dtype):
    a, b = rand((s, s), dtype, 1), rand((s, s), dtype, 2)
    check_matmul(tg.mm(a, b), a, b)


MIXES = [(1, 1, 1), (1, 300, 1), (300, 1, 1), (1, 1, 300), (1, 1000, 2000), (3000, 700, 1), (1, 1000, 1),
         (1, 257, 129), (129, 257, 1), (2, 1000, 3),
         (7, 13, 17), (17, 13, 7), (33, 65, 31), (65, 600, 129), (13, 300, 513), (513, 17, 300),
         (12, 256, 32), (24, 512, 64), (25, 513, 65), (241, 100, 33), (3, 5000, 40), (700, 20, 2100),
         (37, 2100, 1100)]  # the last: B packed in two column blocks


@pytest.mark.parametrize("dtype", FLOAT, ids=str)
@pytest.mark.parametrize("m,k,n", MIXES, ids=str)
def test_mm_shapes(m, k, n, dtype):
    a, b = rand((m, k), dtype, 3), rand((k, n), dtype, 4)
    check_matmul(tg.mm(a, b), a, b)


@pytest.mark.parametrize("dtype", FLOAT, ids=str)
def test_k_zero_gives_zeros_and_empty_m_n(dtype):
    out = tg.full([5, 7], float("nan"), dtype=dtype)
    tg.mm(tg.ones(5, 0, dtype=dtype), tg.ones(0, 7, dtype=dtype), out=out)
    np.testing.assert_array_equal(to_numpy(out), np.zeros((5, 7)))
    assert tuple(tg.mm(tg.ones(0, 3, dtype=dtype), tg.ones(3, 4, dtype=dtype)).shape) == (0, 4)
    assert tuple(tg.mm(tg.ones(2, 3, dtype=dtype), tg.ones(3, 0, dtype=dtype)).shape) == (2, 0)
    assert tuple(tg.bmm(tg.ones(0, 2, 3, dtype=dtype), tg.ones(0, 3, 4, dtype=dtype)).shape) == (0, 2, 4)
    z = tg.bmm(tg.ones(3, 2, 0, dtype=dtype), tg.ones(3, 0, 4, dtype=dtype))
    np.testing.assert_array_equal(to_numpy(z), np.zeros((3, 2, 4)))


def strided(t, *dims):
    """Same values as t, every other element along dims of a larger NaN-filled buffer (offset 1)."""
    shape = [2 * s + 1 if d in dims else s for d, s in enumerate(t.shape)]
    big = tg.full(shape, float("nan"), dtype=t.dtype)
    view = big[tuple(slice(1, None, 2) if d in dims else slice(None) for d in range(t.dim()))]
    view.copy_(t)
    return view


LAYOUTS = {
    "a.t()": lambda a, b: (a.t().contiguous().t(), b),
    "b.t()": lambda a, b: (a, b.t().contiguous().t()),
    "both t()": lambda a, b: (a.t().contiguous().t(), b.t().contiguous().t()),
    "row step": lambda a, b: (strided(a, 0), b),
    "col step": lambda a, b: (a, strided(b, 1)),
    "steps both dims": lambda a, b: (strided(a, 0, 1), strided(b, 0, 1)),
}


@pytest.mark.parametrize("dtype", FLOAT, ids=str)
@pytest.mark.parametrize("layout", list(LAYOUTS))
# (700, 300, 500): more than one row block, tasks packing their own B panels; (1000, 70, 40): B
# shared, A packed one micro-panel at a time (Gemm.h's gemm_packed and run_task).
@pytest.mark.parametrize("m,k,n", [(5, 3, 4), (33, 65, 31), (129, 300, 257), (1, 65, 300), (300, 65, 1), (700, 300, 500),
                                   (1000, 70, 40)], ids=str)
def test_transposed_and_strided_operands(layout, m, k, n, dtype):
    a, b = LAYOUTS[layout](rand((m, k), dtype, 5), rand((k, n), dtype, 6))
    check_matmul(tg.mm(a, b), a, b)


@pytest.mark.parametrize("dtype", FLOAT, ids=str)
def test_transposed_views(dtype):
    a, b = rand((200, 70), dtype, 7), rand((90, 200), dtype, 8)
    check_matmul(tg.mm(a.t(), b.t()), a.t(), b.t())
    check_matmul(a.t() @ a, a.t(), a)
    check_matmul(tg.matmul(b, b.t()), b, b.t())


@pytest.mark.parametrize("dtype", FLOAT, ids=str)
def test_out_variants(dtype):
    a, b = rand((65, 40), dtype, 9), rand((40, 33), dtype, 10)
    out = tg.full([65, 33], float("nan"), dtype=dtype)  # garbage must be overwritten, not read
    r = tg.mm(a, b, out=out)
    assert r is out
    check_matmul(out, a, b)
    # A transposed (column-major) out.
    out_t = tg.full([33, 65], float("nan"), dtype=dtype).t()
    tg.mm(a, b, out=out_t)
    check_matmul(out_t, a, b)
    # A strided out (every other column of a wider buffer): the gaps stay untouched.
    wide = tg.zeros(65, 66, dtype=dtype)
    tg.mm(a, b, out=wide[:, ::2])
    check_matmul(wide[:, ::2], a, b)
    np.testing.assert_array_equal(to_numpy(wide[:, 1::2]), 0)
    # Resized empty out.
    e = tg.empty(0, dtype=dtype)
    tg.mm(a, b, out=e)
    check_matmul(e, a, b)


@pytest.mark.parametrize("dtype", FLOAT, ids=str)
def test_out_aliasing_an_input(dtype):
    a, b = rand((70, 70), dtype, 11), rand((70, 70), dtype, 12)
    a0, b0 = a.clone(), b.clone()
    tg.mm(a, b, out=a)
    check_matmul(a, a0, b0)
    a, b = a0.clone(), b0.clone()
    tg.mm(a, b, out=b)
    check_matmul(b, a0, b0)
    x = rand((4, 30, 30), dtype, 13)
    x0 = x.clone()
    tg.bmm(x, x, out=x)
    check_matmul(x, x0, x0)


@pytest.mark.parametrize("dtype", FLOAT, ids=str)
@pytest.mark.parametrize("shape", [(300, 257, 129), (7, 1000, 600), (600, 1000, 7), (64, 64, 64), (700, 300, 500),
                                   (1000, 300, 40), (1100, 260, 200)], ids=str)
def test_threads_give_identical_results(threads, shape, dtype):
    m, k, n = shape
    a, b = rand((m, k), dtype, 14), rand((k, n), dtype, 15)
    x, y = rand((5, m // 2 + 1, k), dtype, 16), rand((5, k, n), dtype, 17)
    tg.set_num_threads(1)
    r1, q1 = to_numpy(tg.mm(a, b)), to_numpy(tg.bmm(x, y))
    tg.set_num_threads(2)
    r2, q2 = to_numpy(tg.mm(a, b)), to_numpy(tg.bmm(x, y))
    # Each element is summed in the same order whatever the split, so the results are identical.
    np.testing.assert_array_equal(r1, r2)
    np.testing.assert_array_equal(q1, q2)


@pytest.mark.parametrize("dtype", FLOAT, ids=str)
def test_a_row_does_not_depend_on_the_rows_beside_it(dtype):
    """A partial tile of rows (M not a multiple of the micro-kernel's MR) runs a shorter kernel;
    each element is still the same sequence of multiply-adds, so the first m rows of A @ B are
    those of A[:m] @ B, bit for bit, for M = 2 .. 2 MR + 1 and past a K block, and so are those of
    a last tile run over two panels at once (run_pair; five panels: two pairs, one alone, a partial
    one). (M = 1 is a matrix-vector product, summed another way.)"""
    k, n = 300, 88
    a, b = rand((25, k), dtype, 18), rand((k, n), dtype, 19)
    full = to_numpy(tg.mm(a, b))
    for m in range(2, 26):
        np.testing.assert_array_equal(to_numpy(tg.mm(a[:m], b)), full[:m])


@pytest.mark.parametrize("dtype", FLOAT, ids=str)
def test_nan_and_inf_propagate(dtype):
    an = np.random.default_rng(18).uniform(-1, 1, (40, 50))
    bn = np.random.default_rng(19).uniform(-1, 1, (50, 45))
    an[3, 7] = np.nan
    an[10, :] = 0.0
    bn[:, 20] = 0.0
    bn[4, 11] = np.inf
    an[30, 4] = -np.inf
    a, b = tg.tensor(an, dtype=dtype), tg.tensor(bn, dtype=dtype)
    got = to_numpy(tg.mm(a, b))
    with np.errstate(invalid="ignore"):
        ref = an @ bn
    np.testing.assert_array_equal(np.isnan(got), np.isnan(ref))
    np.testing.assert_array_equal(np.isinf(got), np.isinf(ref))
    fin = np.isfinite(ref)
    np.testing.assert_allclose(got[fin], ref[fin], rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("dtype", FLOAT, ids=str)
@pytest.mark.parametrize("batch,m,k,n", [(1, 5, 6, 7), (9, 3, 4, 5), (64, 17, 33, 13), (3, 129, 257, 65),
                                         (2, 300, 200, 260), (0, 3, 4, 5)], ids=str)
def test_bmm(batch, m, k, n, dtype):
    a, b = rand((batch, m, k), dtype, 20), rand((batch, k, n), dtype, 21)
    check_matmul(tg.bmm(a, b), a, b)
    # Batch-minor / transposed batch layouts.
    at = rand((m, batch, k), dtype, 22).permute(1, 0, 2)
    bt = rand((batch, n, k), dtype, 23).transpose(1, 2)
    check_matmul(tg.bmm(at, bt), at, bt)


@pytest.mark.parametrize("dtype", FLOAT, ids=str)
@pytest.mark.parametrize("sa,sb", [((70,), (70,)), ((33, 70), (70,)), ((70,), (70, 33)), ((3, 33, 70), (70, 20)),
                                   ((33, 70), (4, 70, 20)), ((2, 1, 9, 70), (3, 70, 20)), ((5, 70), (2, 3, 70, 6)),
                                   ((4, 9, 70), (70,)), ((70,), (4, 70, 9))], ids=str)
def test_matmul(sa, sb, dtype):
    a, b = rand(sa, dtype, 24), rand(sb, dtype, 25)
    got = tg.matmul(a, b)
    ref = to_numpy(a).astype(np.float64) @ to_numpy(b).astype(np.float64)
    np.testing.assert_allclose(to_numpy(got), ref, rtol=1e-5, atol=70 * 4 * EPS[dtype])
    assert tuple(got.shape) == ref.shape


@pytest.mark.parametrize("dtype", [tg.float16, tg.bfloat16], ids=str)
def test_half_types(dtype):
    a, b = rand((33, 70), dtype, 26), rand((70, 20), dtype, 27)
    got = tg.mm(a, b)
    assert got.dtype == dtype
    ref = to_numpy(a).astype(np.float64) @ to_numpy(b).astype(np.float64)
    tol = 1e-2 if dtype == tg.bfloat16 else 2e-3
    np.testing.assert_allclose(to_numpy(got).astype(np.float64), ref, rtol=tol, atol=tol * 4)
    x, y = rand((3, 9, 70), dtype, 28), rand((3, 70, 5), dtype, 29)
    np.testing.assert_allclose(to_numpy(tg.bmm(x, y)).astype(np.float64),
                               to_numpy(x).astype(np.float64) @ to_numpy(y).astype(np.float64), rtol=tol, atol=tol * 4)


@pytest.mark.parametrize("dtype", [tg.uint8, tg.int8, tg.int16, tg.int32, tg.int64], ids=str)
def test_integer_types_exact_and_wrapping(dtype):
    a, b = make_tensor((13, 40), dtype, seed=30), make_tensor((40, 7), dtype, seed=31)
    ref = (to_numpy(a).astype(np.int64) @ to_numpy(b).astype(np.int64)).astype(to_numpy(a).dtype)
    np.testing.assert_array_equal(to_numpy(tg.mm(a, b)), ref)
    np.testing.assert_array_equal(to_numpy(tg.mm(a.t().contiguous().t(), b)), ref)
    x, y = make_tensor((6, 5, 40), dtype, seed=32), make_tensor((6, 40, 3), dtype, seed=33)
    ref = (to_numpy(x).astype(np.int64) @ to_numpy(y).astype(np.int64)).astype(to_numpy(x).dtype)
    np.testing.assert_array_equal(to_numpy(tg.bmm(x, y)), ref)
    # Large values overflow and wrap like NumPy's (and PyTorch's) fixed-width arithmetic.
    big = tg.full([2, 3], 100, dtype=dtype)
    np.testing.assert_array_equal(to_numpy(tg.mm(big, big.t())),
                                  np.full((2, 2), 30000, dtype=np.int64).astype(to_numpy(big).dtype))


_CAPABILITY_SCRIPT = r"""
import numpy as np, tensorgen as tg
from tensorgen.testing import make_tensor
for dt in (tg.float32, tg.float64):
    for m, k, n in [(1, 1, 1), (13, 300, 17), (129, 257, 65), (300, 600, 513)]:
        a = make_tensor((m, k), dt, low=-1, high=1, seed=1)
        b = make_tensor((k, n), dt, low=-1, high=1, seed=2).t().contiguous().t()
        ref = a.numpy().astype(np.float64) @ b.numpy().astype(np.float64)
        for nt in (1, 2):
            tg.set_num_threads(nt)
            got = tg.mm(a, b).numpy()
            bound = 2 * k * np.finfo(a.numpy().dtype).eps * (np.abs(a.numpy()) @ np.abs(b.numpy())) + 1e-30
            assert np.all(np.abs(got - ref) <= bound), (dt, m, k, n, nt)
# int64: values inside int32's range (one 32x32->64 multiply per product), at its edges, and far
# outside it (products wrap modulo 2^64), with edge tiles in both directions.
rng = np.random.default_rng(0)
for lo, hi in [(-9, 10), (-2**31, 2**31), (-2**62, 2**62)]:
    for m, k, n in [(33, 65, 17), (5, 7, 3), (64, 9, 16), (1, 1, 1)]:
        a, b = rng.integers(lo, hi, (m, k)), rng.integers(lo, hi, (k, n))
        a[0, 0], b[0, 0] = lo, hi - 1
        ref = (a.astype(object) @ b.astype(object)) % 2**64
        ref = np.array([[v - 2**64 if v >= 2**63 else v for v in row] for row in ref], dtype=np.int64)
        for nt in (1, 2):
            tg.set_num_threads(nt)
            assert np.array_equal(tg.mm(tg.from_numpy(a), tg.from_numpy(b)).numpy(), ref), (lo, m, k, n, nt)
            # a column-major B, as linear's weight.t() (packed row-major when in int32's range)
            bt = tg.from_numpy(np.ascontiguousarray(b.T)).t()
            assert np.array_equal(tg.mm(tg.from_numpy(a), bt).numpy(), ref), ("B^T", lo, m, k, n, nt)
print("ok")
"""


@pytest.mark.parametrize("cap", ["default", "avx2", "avx512"])
def test_each_cpu_capability(cap):
    """The portable, AVX2 and AVX-512 micro-kernels each give correct results (a capability the
    CPU lacks falls back with a warning, still correct)."""
    env = dict(os.environ, TENSORGEN_CPU_CAPABILITY=cap)
    r = subprocess.run([sys.executable, "-c", _CAPABILITY_SCRIPT], env=env, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0 and "ok" in r.stdout, r.stderr
