"""cummax / cummin against a plain loop of PyTorch's rule (ScanKernel.cpp compares integer keys
and splits long 1-D lines into pieces): ties take the later index (-0.0 and 0.0 tie), a NaN of
either sign takes over and the index follows the latest NaN, infinities order as numbers; on
1-D lines of several pieces (all threads), on many rows, and along a strided dim."""
import math

import numpy as np
import pytest

import tensorgen as tg
from _threads import num_threads  # tests/ is on sys.path under pytest

PIECE = 65536  # ScanKernel.cpp's kPiece


def reference(a, is_max):
    values, indices = np.empty_like(a), np.empty(len(a), np.int64)
    best, at = a[0], 0
    for j, v in enumerate(a):
        if math.isnan(v) or (not math.isnan(best) and (v >= best if is_max else v <= best)):
            best, at = v, j
        values[j], indices[j] = best, at
    return values, indices


def sample(n, dtype, seed):
    rng = np.random.default_rng(seed)
    if dtype in (np.int64, np.int32):
        a = rng.integers(-3, 4, n).astype(dtype)
    else:
        a = rng.choice(np.array([-0.0, 0.0, np.inf, -np.inf, 1.5, -1.5], dtype), n)
    a[n // 3: n // 3 + 5000] = np.sort(a[n // 3: n // 3 + 5000])  # a sorted run: the extreme moves every step
    if dtype not in (np.int64, np.int32):
        big = rng.standard_normal(n // 50).astype(dtype) * 4
        a[rng.integers(0, n, n // 50)] = big
        nan = np.array([np.nan], dtype)
        a[int(n * 0.8)] = nan[0]
        a[int(n * 0.9)] = -nan[0]  # a NaN with the sign bit set
        assert np.signbit(a[int(n * 0.9)])
    return a


def bits(a):
    return a.view({2: np.uint16, 4: np.uint32, 8: np.uint64}[a.itemsize])


def cum_extreme(t, dim, is_max, threads):
    """cummax / cummin of t along dim on `threads` threads (the thread count restored after)."""
    with num_threads(threads):
        return (tg.cummax if is_max else tg.cummin)(t, dim)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16, np.int64, np.int32])
@pytest.mark.parametrize("is_max", [True, False], ids=["cummax", "cummin"])
@pytest.mark.parametrize("threads", [1, 2])
def test_long_line_matches_the_rule(dtype, is_max, threads):
    a = sample(3 * PIECE + 4 * 8 + 5, dtype, seed=1)
    v, i = cum_extreme(tg.from_numpy(a), 0, is_max, threads)
    want_v, want_i = reference(a.astype(np.float64) if dtype not in (np.int64, np.int32) else a, is_max)
    np.testing.assert_array_equal(i.numpy(), want_i)
    np.testing.assert_array_equal(bits(v.numpy()), bits(a[want_i]))  # the input's own bits: -0.0 vs 0.0, NaN signs


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16, np.int64])
@pytest.mark.parametrize("is_max", [True, False], ids=["cummax", "cummin"])
def test_rows_and_strided_dim_match_the_rule(dtype, is_max):
    a = sample(64 * 300, dtype, seed=2).reshape(64, 300)
    op = tg.cummax if is_max else tg.cummin
    for dim in (1, 0):
        v, i = op(tg.from_numpy(a), dim)
        lines = a if dim == 1 else a.T
        for r, line in enumerate(lines):
            want_v, want_i = reference(line.astype(np.float64), is_max)
            got_i = i.numpy()[r] if dim == 1 else i.numpy()[:, r]
            got_v = v.numpy()[r] if dim == 1 else v.numpy()[:, r]
            np.testing.assert_array_equal(got_i, want_i)
            np.testing.assert_array_equal(bits(np.ascontiguousarray(got_v)), bits(line[want_i]))


@pytest.mark.parametrize("dtype", [np.float32, np.float16, np.int64])
@pytest.mark.parametrize("is_max", [True, False], ids=["cummax", "cummin"])
@pytest.mark.parametrize("threads", [1, 2])
def test_middle_dim_of_a_3d_tensor_matches_the_rule(dtype, is_max, threads):
    """Along dim 1 of [3, 40, 300]: lines 300 apart, three outer slices, blocks of 256 lines and a
    partial one (ScanKernel.cpp's strided path), split across threads."""
    a = sample(3 * 40 * 300, dtype, seed=3).reshape(3, 40, 300)
    v, i = cum_extreme(tg.from_numpy(a), 1, is_max, threads)
    for o in range(3):
        for c in range(300):
            line = a[o, :, c]
            want_v, want_i = reference(line.astype(np.float64) if dtype != np.int64 else line, is_max)
            np.testing.assert_array_equal(i.numpy()[o, :, c], want_i)
            np.testing.assert_array_equal(bits(np.ascontiguousarray(v.numpy()[o, :, c])), bits(line[want_i]))


@pytest.mark.parametrize("is_max", [True, False], ids=["cummax", "cummin"])
@pytest.mark.parametrize("threads", [1, 2])
def test_long_bfloat16_line_matches_the_rule(is_max, threads):
    """bfloat16 (NumPy has none): the rule on the values as bfloat16 holds them, over several pieces
    (their extremes from blocks converted to float)."""
    t = tg.from_numpy(sample(3 * PIECE + 4 * 8 + 5, np.float32, seed=4)).to(tg.bfloat16)
    a = t.float().numpy()
    v, i = cum_extreme(t, 0, is_max, threads)
    want_v, want_i = reference(a.astype(np.float64), is_max)
    np.testing.assert_array_equal(i.numpy(), want_i)
    np.testing.assert_array_equal(bits(v.float().numpy()), bits(a[want_i]))
