"""The fused, vectorized softmax / log_softmax kernel: every line length around the vector width,
contiguous lines (softmax over the last dim) and strided ones (inner > 1), non-finite values, the
half types, and results independent of the thread count."""
import numpy as np
import pytest

import tensorgen as tg
from _threads import results_for_threads  # tests/ is on sys.path under pytest


def reference(x, dim, log):
    x = x.astype(np.float64)
    m = np.max(x, axis=dim, keepdims=True)
    e = np.exp(x - m)
    s = e.sum(axis=dim, keepdims=True)
    return x - m - np.log(s) if log else e / s


@pytest.mark.parametrize("log", [False, True])
@pytest.mark.parametrize("n", [1, 2, 7, 8, 15, 16, 17, 31, 33, 100, 1000])
@pytest.mark.parametrize("inner", [1, 3, 16, 21])
def test_lines(n, inner, log):
    rng = np.random.default_rng(n * 100 + inner)
    x = (rng.standard_normal((3, n, inner)) * 8).astype(np.float32)
    op = tg.log_softmax if log else tg.softmax
    got = op(tg.from_numpy(x), 1).numpy()
    np.testing.assert_allclose(got, reference(x, 1, log), rtol=2e-6, atol=2e-6 if log else 1e-7)


@pytest.mark.parametrize("dtype,np_dtype,tol", [(tg.float64, np.float64, 1e-13), (tg.float16, np.float16, 2e-3),
                                                (tg.bfloat16, None, 1.6e-2)])
def test_dtypes(dtype, np_dtype, tol):
    x = np.random.default_rng(1).standard_normal((5, 37)).astype(np.float32)
    t = tg.from_numpy(x).to(dtype)
    x_rounded = t.float().numpy()
    for dim in (0, 1):
        for log in (False, True):
            got = (t.log_softmax(dim) if log else t.softmax(dim)).double().numpy()
            np.testing.assert_allclose(got, reference(x_rounded, dim, log), rtol=tol, atol=tol)


def test_non_finite_values_follow_pytorch():
    inf = np.inf
    x = np.array([[-inf, -inf, -inf], [inf, 1.0, 0.0], [np.nan, 1.0, 2.0], [-inf, 0.0, 0.0]], dtype=np.float32)
    s = tg.from_numpy(x).softmax(1).numpy()
    assert np.isnan(s[:3]).all()
    np.testing.assert_allclose(s[3], [0.0, 0.5, 0.5])
    ls = tg.from_numpy(x).log_softmax(1).numpy()
    assert ls[3, 0] == -inf and np.isnan(ls[:3]).all()
    # a NaN in the vector tail of a long line
    y = np.zeros((2, 35), dtype=np.float32)
    y[0, 34] = np.nan
    s = tg.from_numpy(y).softmax(1).numpy()
    assert np.isnan(s[0]).all() and np.allclose(s[1], 1 / 35)


def test_empty_and_non_contiguous():
    assert tg.zeros(0, 5).softmax(1).shape == (0, 5)
    assert tg.zeros(3, 0).log_softmax(1).shape == (3, 0)
    x = np.random.default_rng(2).standard_normal((40, 30)).astype(np.float32)
    t = tg.from_numpy(x).t()[::2]
    np.testing.assert_allclose(t.softmax(1).numpy(), reference(x.T[::2], 1, False), rtol=2e-6, atol=1e-7)


@pytest.mark.parametrize("dim", [0, 1, 2])
def test_same_bits_for_any_thread_count(dim):
    x = tg.from_numpy(np.random.default_rng(3).standard_normal((64, 130, 70)).astype(np.float32))
    one, two = results_for_threads(lambda: (x.softmax(dim).numpy(), x.log_softmax(dim).numpy()), (1, 2))
    np.testing.assert_array_equal(one[0], two[0])
    np.testing.assert_array_equal(one[1], two[1])
