"""Reductions over inner, outer and all dims: the column layout (kept dims after the reduced
ones, read in place) and the row layout agree with NumPy, sum pairwise, and give the same bits
for any thread count."""
import numpy as np
import pytest

import tensorgen as tg
from _threads import results_for_threads  # tests/ is on sys.path under pytest

CASES = [((64, 300), 0), ((3, 1000, 17), 1), ((5, 7, 300), (0, 1)), ((2, 3, 4, 5), (1, 2)), ((1000, 1), 0),
         ((33, 300), 0), ((2, 1, 5), 1), ((4, 5, 6), (0, 2)), ((300, 64), 1), ((7, 9), (0, 1))]
TOL = {tg.float32: 1e-5, tg.float64: 1e-12, tg.float16: 1e-2, tg.bfloat16: 6e-2}


@pytest.mark.parametrize("shape,dims", CASES)
@pytest.mark.parametrize("dtype", list(TOL))
def test_sum_mean_match_numpy(shape, dims, dtype):
    x = np.random.default_rng(len(shape)).standard_normal(shape)
    t = tg.from_numpy(x).to(dtype)
    xr = t.double().numpy()
    scale = np.sqrt(np.prod([shape[d] for d in np.atleast_1d(dims)]))
    tol = TOL[dtype] * scale
    np.testing.assert_allclose(t.sum(dims).double().numpy(), xr.sum(axis=dims), rtol=tol, atol=tol)
    np.testing.assert_allclose(t.mean(dims).double().numpy(), xr.mean(axis=dims), rtol=tol, atol=tol)
    np.testing.assert_allclose(t.sum(dims, keepdim=True).double().numpy(), xr.sum(axis=dims, keepdims=True),
                               rtol=tol, atol=tol)


@pytest.mark.parametrize("shape,dims", CASES)
def test_other_reductions_on_the_column_layout(shape, dims):
    x = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
    t = tg.from_numpy(x)
    d = dims if isinstance(dims, int) else dims[0]
    np.testing.assert_array_equal(t.max(d).values.numpy(), x.max(axis=d))
    np.testing.assert_array_equal(t.argmin(d).numpy(), x.argmin(axis=d))
    np.testing.assert_allclose(t.prod(d).numpy(), x.prod(axis=d), rtol=1e-5)
    np.testing.assert_array_equal(tg.from_numpy(x > 0).all(d).numpy(), (x > 0).all(axis=d))


def test_column_sum_is_pairwise():
    """2^20 rows of 0.1 in one column: a running float32 sum drifts by ~1%; pairwise stays tight."""
    x = tg.full((1 << 20, 3), 0.1)
    got = x.sum(0).numpy()
    exact = (1 << 20) * np.float64(np.float32(0.1))
    np.testing.assert_allclose(got, exact, rtol=1e-6)
    np.testing.assert_allclose(x.mean(0).numpy(), np.float32(0.1), rtol=1e-6)


def test_integer_and_bool_sums_over_columns():
    x = np.random.default_rng(2).integers(-1000, 1000, (300, 40))
    t = tg.from_numpy(x)
    np.testing.assert_array_equal(t.sum(0).numpy(), x.sum(axis=0))
    np.testing.assert_array_equal(tg.from_numpy(x > 0).sum(0).numpy(), (x > 0).sum(axis=0))
    big = tg.full((4, 2), 2**62, dtype=tg.int64)
    assert big.sum(0).tolist() == [0, 0]  # wraps around like PyTorch


def test_non_contiguous_inputs_take_the_row_path():
    x = np.random.default_rng(3).standard_normal((50, 60)).astype(np.float32)
    t = tg.from_numpy(x)
    np.testing.assert_allclose(t.t().sum(0).numpy(), x.T.sum(axis=0), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(t[:, ::2].sum(0).numpy(), x[:, ::2].sum(axis=0), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("dims", [0, 1, (0, 2), None])
def test_same_bits_for_any_thread_count(dims):
    x = tg.from_numpy(np.random.default_rng(4).standard_normal((300, 513, 9)).astype(np.float32))

    def sum_and_mean():
        s = x.sum() if dims is None else x.sum(dims)
        m = x.mean() if dims is None else x.mean(dims)
        return s.numpy(), m.numpy()

    results = results_for_threads(sum_and_mean, (1, 2))
    np.testing.assert_array_equal(results[0][0], results[1][0])
    np.testing.assert_array_equal(results[0][1], results[1][1])


def _row_cascade_model(a, lanes):
    """ReduceCascade.h's cascade_reduce of one row in NumPy (a float32 or float64): leaves of up to
    64 * lanes elements, each summed into `lanes` lanes in lanes-wide steps, then 16-lane steps,
    then the rest one by one into lane 0, the lanes folded in halves (lane j + lane j + w for
    w = lanes / 2, ..., 1); longer rows split at a whole number of leaf widths past the middle."""
    n = len(a)
    if n > 64 * lanes:
        half = (n // 2 + lanes - 1) // lanes * lanes
        return a.dtype.type(_row_cascade_model(a[:half], lanes) + _row_cascade_model(a[half:], lanes))
    acc = np.zeros(lanes, a.dtype)
    i = 0
    while i + lanes <= n:
        acc += a[i:i + lanes]
        i += lanes
    while i + 16 <= n:
        acc[:16] += a[i:i + 16]
        i += 16
    for k in range(i, n):
        acc[0] += a[k]
    w = lanes // 2
    while w:
        acc[:w] = acc[:w] + acc[w:2 * w]
        w //= 2
    return acc[0]


@pytest.mark.parametrize("dtype,lanes", [(np.float32, 64), (np.float64, 32)])
def test_row_sums_are_the_fixed_cascade_bit_for_bit(dtype, lanes):
    """Each row of sum(dim=-1) is the cascade of fixed shape whatever the vector width: 64 float
    (32 double) lanes per leaf, 16-lane steps, a scalar tail into lane 0, the lanes folded in
    halves in registers (vec::reduce_add's order) — rows of a leaf's pieces, one leaf, and split
    leaves."""
    rng = np.random.default_rng(12)
    for n in (1, 15, 16, 17, 40, 63, 64, 100, 1000, 64 * lanes, 64 * lanes + 1, 3 * 64 * lanes + 70, 20000):
        a = rng.standard_normal((3, n)).astype(dtype)
        got = tg.from_numpy(a).sum(-1).numpy()
        want = np.array([_row_cascade_model(row, lanes) for row in a], dtype)
        assert got.tobytes() == want.tobytes(), n


@pytest.mark.parametrize("op", ["sum", "mean", "prod", "nansum", "amax", "argmin", "all", "count_nonzero"])
def test_column_blocks_of_any_width_give_the_same_bits(op):
    """dim=0 of [333, 700]: the column blocks are as wide as the thread count allows (256 to 1024
    columns), so 1, 2 and 3 threads split the 700 columns as 704, 2 x 384 and 3 x 256; the 333 rows
    end inside a 32-row block, where the next block's prefetch stops. Each column's arithmetic is
    its own: the same bits every time, and NumPy's values."""
    rng = np.random.default_rng(12)
    a = (1 + rng.standard_normal((333, 700)) / 100).astype(np.float32)
    a[rng.random(a.shape) < 0.01] = 0  # zeros for all / count_nonzero
    x = tg.from_numpy(a)
    results = results_for_threads(lambda: getattr(tg, op)(x, 0).numpy())
    for r in results[1:]:
        np.testing.assert_array_equal(r.view(np.uint8), results[0].view(np.uint8))
    ref = {"sum": a.sum(0, dtype=np.float64), "mean": a.mean(0, dtype=np.float64), "prod": a.prod(0, dtype=np.float64),
           "nansum": a.sum(0, dtype=np.float64), "amax": a.max(0), "argmin": a.argmin(0), "all": a.all(0),
           "count_nonzero": np.count_nonzero(a, axis=0)}[op]
    if op in ("sum", "mean", "prod", "nansum"):
        np.testing.assert_allclose(results[0], ref, rtol=1e-5)
    else:
        np.testing.assert_array_equal(results[0], ref)
