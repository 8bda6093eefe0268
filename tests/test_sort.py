"""Sorting and selection beyond the op matrix: stability of equal keys (both sort paths: std::sort
on short lines, radix sort on longer ones), the order of NaN, +-inf and +-0, extreme integer keys,
results that do not depend on the thread count, and the gradients of sort / topk."""
import numpy as np
import pytest

import tensorgen as tg
from tensorgen.testing._utils import to_numpy
from _threads import num_threads, results_for_threads  # tests/ is on sys.path under pytest

LENGTHS = (20, 5000)  # below and above the CPU kernel's radix-sort threshold (32)


def _stable_desc(a):
    """NumPy's stable sort, descending, equal values in index order (PyTorch's stable=True)."""
    n = len(a)
    return n - 1 - np.argsort(a[::-1], kind="stable")[::-1]


@pytest.mark.parametrize("n", LENGTHS)
@pytest.mark.parametrize("dtype", [tg.bool, tg.uint8, tg.int8, tg.int32, tg.int64, tg.float16, tg.float32,
                                   tg.float64])
def test_sort_is_stable(dtype, n):
    a = np.random.default_rng(n).integers(0, 4, size=n)
    a = a.astype(np.bool_) if dtype is tg.bool else a
    x = tg.tensor(a, dtype=dtype)
    ref = a.astype(np.float64) if dtype is not tg.bool else a
    for descending, want in ((False, np.argsort(ref, kind="stable")), (True, _stable_desc(ref))):
        values, indices = tg.sort(x, descending=descending)
        np.testing.assert_array_equal(to_numpy(indices), want, err_msg=f"descending={descending}")
        np.testing.assert_array_equal(to_numpy(values), a[want])
        np.testing.assert_array_equal(to_numpy(tg.argsort(x, descending=descending, stable=True)), want)
        if dtype is not tg.bool:  # topk and kthvalue pick what the stable sort puts there
            # k <= 8: insertion; 8 < k <= n / 64: the filtering scan (n = 5000); larger: selection
            for k in sorted({1, 7, min(12, n), n // 2}):
                v, i = tg.topk(x, k, largest=descending)
                np.testing.assert_array_equal(to_numpy(i), want[:k], err_msg=f"topk k={k}")
            v, i = tg.kthvalue(x, n // 3)
            assert to_numpy(i) == np.argsort(ref, kind="stable")[n // 3 - 1]


@pytest.mark.parametrize("n", LENGTHS)
@pytest.mark.parametrize("dtype", [tg.float32, tg.float64, tg.float16, tg.bfloat16])
def test_nan_inf_and_signed_zero_order(dtype, n):
    """NaN is the largest value (last ascending, first descending), NaNs and +-0 keep index order."""
    base = np.array([np.nan, 1.0, -np.inf, 0.0, -0.0, np.inf, -1.0, np.nan, 0.0, -0.0])
    a = np.resize(base, n)
    x = tg.tensor(a, dtype=dtype)
    _, asc = tg.sort(x)
    _, desc = tg.sort(x, descending=True)
    # NumPy orders NaN last and -0.0 == 0.0, stably, exactly like PyTorch
    np.testing.assert_array_equal(to_numpy(asc), np.argsort(a, kind="stable"))
    np.testing.assert_array_equal(to_numpy(desc), _stable_desc(a))
    assert np.isnan(a[to_numpy(desc)[0]]) and np.isnan(a[to_numpy(asc)[-1]])
    # selection agrees with the sort
    v, i = tg.topk(x, 3)
    np.testing.assert_array_equal(to_numpy(i), _stable_desc(a)[:3])
    assert np.isnan(to_numpy(v)).all()
    v, i = tg.topk(x, 4, largest=False)
    np.testing.assert_array_equal(to_numpy(i), np.argsort(a, kind="stable")[:4])
    v, i = tg.kthvalue(x, 2)
    assert to_numpy(i) == np.argsort(a, kind="stable")[1]
    # median propagates NaN: value NaN at the first NaN's index
    v, i = tg.median(x, 0)
    assert np.isnan(to_numpy(v)) and to_numpy(i) == 0
    assert np.isnan(to_numpy(tg.median(x)))
    finite = tg.tensor(a[~np.isnan(a)], dtype=dtype)
    assert to_numpy(tg.median(finite)) == np.sort(a[~np.isnan(a)])[(finite.numel() - 1) // 2]


@pytest.mark.parametrize("n", LENGTHS)
@pytest.mark.parametrize("dtype, values", [
    (tg.int64, [np.iinfo(np.int64).min, np.iinfo(np.int64).max, -1, 0, 1]),
    (tg.int32, [np.iinfo(np.int32).min, np.iinfo(np.int32).max, -1, 0, 1]),
    (tg.int16, [np.iinfo(np.int16).min, np.iinfo(np.int16).max, -1, 0, 1]),
    (tg.int8, [-128, 127, -1, 0, 1]),
    (tg.uint8, [0, 255, 128, 127, 1]),
    (tg.float64, [np.finfo(np.float64).min, np.finfo(np.float64).max, 5e-324, -5e-324, 0.0]),
    (tg.float32, [np.finfo(np.float32).min, np.finfo(np.float32).max, 1e-45, -1e-45, 0.0]),
])
def test_extreme_keys(dtype, values, n):
    """The order-preserving keys at the ends of each dtype's range (sign bits, subnormals)."""
    a = np.resize(np.array(values), n)
    np.random.default_rng(0).shuffle(a)
    x = tg.tensor(a, dtype=dtype)
    _, idx = tg.sort(x)
    np.testing.assert_array_equal(to_numpy(idx), np.argsort(a, kind="stable"))
    _, idx = tg.sort(x, descending=True)
    np.testing.assert_array_equal(to_numpy(idx), _stable_desc(a))


@pytest.mark.parametrize("dtype", [tg.int64, tg.float64])
@pytest.mark.parametrize("span", [200, 2**32 - 1, 2**32, 2**40])
def test_short_lines_of_64_bit_keys_by_their_span(dtype, span):
    """64-bit keys spanning less than 2^32 sort packed with their index into one integer: the
    spans at the edge of that path, ties, descending, on lines shorter and longer than 32."""
    rng = np.random.default_rng(span % 1000)
    for n in (2, 5, 37, 129):
        a = rng.integers(-(span // 2), span - span // 2, size=n, endpoint=False)
        a[0], a[-1] = -(span // 2), span - span // 2 - 1  # both ends of the span present
        a[1:n // 2] = a[n // 2:2 * (n // 2) - 1] if n > 3 else a[1:n // 2]  # ties
        if dtype is tg.float64:
            a = a.astype(np.float64)
        x = tg.tensor(a, dtype=dtype)
        _, idx = tg.sort(x)
        np.testing.assert_array_equal(to_numpy(idx), np.argsort(a, kind="stable"), err_msg=f"n={n}")
        values, idx = tg.sort(x, descending=True)
        np.testing.assert_array_equal(to_numpy(idx), _stable_desc(a), err_msg=f"n={n} descending")
        np.testing.assert_array_equal(to_numpy(values), a[_stable_desc(a)])
        # topk / kthvalue select packed entries the same way (nth_element on one integer each)
        for k in sorted({1, min(3, n), n}):
            _, idx = tg.topk(x, k)
            np.testing.assert_array_equal(to_numpy(idx), _stable_desc(a)[:k], err_msg=f"n={n} topk {k}")
            _, idx = tg.topk(x, k, largest=False)
            np.testing.assert_array_equal(to_numpy(idx), np.argsort(a, kind="stable")[:k], err_msg=f"n={n} k={k}")
            value, i = tg.kthvalue(x, k)
            assert int(to_numpy(i)) == np.argsort(a, kind="stable")[k - 1], f"n={n} kthvalue {k}"
            assert to_numpy(value) == np.sort(a)[k - 1]


def _all_results(x):
    """Every sorting op's results on x along both dims, as NumPy arrays."""
    out = []
    for dim in (0, 1):
        out += list(tg.sort(x, dim)) + list(tg.sort(x, dim, descending=True))
        n = x.shape[dim]
        out += list(tg.topk(x, min(5, n), dim)) + list(tg.topk(x, min(7, n), dim, largest=False, sorted=False))
        out += list(tg.kthvalue(x, min(3, n), dim)) + list(tg.median(x, dim)) + list(tg.mode(x, dim))
        out += [tg._C._scatter_add_along_dim(x.double(), dim, tg.sort(x, dim)[1], list(x.shape))]
    out.append(tg.median(x))
    return [to_numpy(r) for r in out]


@pytest.mark.parametrize("shape", [(64, 3000), (3000, 64), (2000, 3)])
def test_results_do_not_depend_on_the_thread_count(shape):
    x = tg.tensor(np.random.default_rng(5).integers(-50, 50, size=shape).astype(np.float32))
    serial, *others = results_for_threads(lambda: _all_results(x), (1, 2, 3, 4))
    for other in others:
        for a, b in zip(serial, other):
            np.testing.assert_array_equal(a, b)


def test_strided_inputs_match_their_contiguous_copies():
    base = tg.tensor(np.random.default_rng(2).normal(size=(40, 30, 6)).astype(np.float32))
    for x in (base.transpose(0, 2), base[:, ::3, 1], base.permute(2, 0, 1)[1:]):
        for dim in range(x.dim()):
            for got, want in zip(tg.sort(x, dim) + tg.topk(x, 2, dim) + tg.kthvalue(x, 2, dim),
                                 tg.sort(x.contiguous(), dim) + tg.topk(x.contiguous(), 2, dim)
                                 + tg.kthvalue(x.contiguous(), 2, dim)):
                np.testing.assert_array_equal(to_numpy(got), to_numpy(want))
                assert got.is_contiguous()


def test_msort_and_sort_stable_overload():
    x = tg.tensor(np.random.default_rng(3).integers(0, 5, size=(6, 4)).astype(np.float32))
    np.testing.assert_array_equal(to_numpy(tg.msort(x)), to_numpy(tg.sort(x, 0)[0]))
    np.testing.assert_array_equal(to_numpy(x.msort()), np.sort(to_numpy(x), axis=0))
    for stable in (True, False, None):  # always stable
        v, i = tg.sort(x, stable=stable, dim=0, descending=True)
        np.testing.assert_array_equal(to_numpy(i), np.stack([_stable_desc(c) for c in to_numpy(x).T], axis=1))
    v, i = x.sort(stable=True)
    assert v.shape == x.shape and i.dtype is tg.int64


def test_mode_picks_the_smallest_most_frequent_value_and_its_last_index():
    x = tg.tensor([[3, 1, 3, 1, 2], [5, 5, 4, 4, 4], [7, 8, 9, 6, 0]])
    v, i = tg.mode(x)
    np.testing.assert_array_equal(to_numpy(v), [1, 4, 0])
    np.testing.assert_array_equal(to_numpy(i), [3, 4, 4])
    v, i = tg.mode(x, 0, keepdim=True)
    assert v.shape == (1, 5)


def test_median_is_the_lower_median():
    x = tg.tensor([[4.0, 1.0, 3.0, 2.0], [1.0, 1.0, 2.0, 2.0]])
    v, i = tg.median(x, 1)
    np.testing.assert_array_equal(to_numpy(v), [2.0, 1.0])
    np.testing.assert_array_equal(to_numpy(i), [3, 1])  # among equal values, the stable sort's pick
    assert tg.median(x).item() == 2.0
    assert np.isnan(tg.median(tg.empty([0])).item())  # PyTorch: NaN for no elements


LONG_MEDIAN = 300_001  # above the sampled-pivot path's threshold (2^18 elements)


def _sampled_positions(n, sample=16384):
    """The places SampledMedian.h reads its sample from (one per stride, splitmix64's offset scaled
    by a multiply-high): rows built around them reach paths a random row never does. Should the
    kernel sample elsewhere, these rows stay correct cases of its other paths."""
    mask, stride = (1 << 64) - 1, n // sample
    out = np.empty(sample, dtype=np.int64)
    for j in range(sample):
        z = (j + 0x9e3779b97f4a7c15) & mask
        z = ((z ^ (z >> 30)) * 0xbf58476d1ce4e5b9) & mask
        z = ((z ^ (z >> 27)) * 0x94d049bb133111eb) & mask
        out[j] = j * stride + (((z ^ (z >> 31)) * stride) >> 64)
    return out


def _blind_sample_rows(n, sample=16384):
    """Distinct values j + 0.5 where the sample reads, one value everywhere else: the sample sees
    one copy of each pivot (so the pass does not count ties) while the median is the lower pivot,
    the upper one, or far below both (the pivots missed): the second counting pass decides."""
    k = (n - 1) // 2
    r = int(k / n * sample)
    spread = 4 * int(np.sqrt(sample) / 2) + 1
    at = _sampled_positions(n, sample)
    rows = {}
    for name, fill in (("median at an unseen lower pivot", max(0, r - spread) + 0.5),
                       ("median at an unseen upper pivot", min(sample - 1, r + spread) + 0.5),
                       ("pivots missed", -1.0)):
        a = np.full(n, fill)
        a[at] = np.random.default_rng(5).permutation(sample) + 0.5
        rows[name] = a
    return rows


def _long_median_cases(n):
    rng = np.random.default_rng(3)
    pattern = np.ones(n)
    pattern[::8] = -1.0  # a sample from the same place of every stride would see only -1 (or only 1)
    zeros = rng.standard_normal(n)
    zeros[n // 2 - 1000: n // 2 + 1000] = 0.0
    zeros[np.flatnonzero(zeros == 0.0)[::2]] = -0.0
    # two values, the median a few ranks into the upper one / a few ranks before it ends: the
    # pivots fall on the two values and the median is one of them (counted, not kept)
    upper = rng.permutation(np.where(np.arange(n) < (n - 1) // 2 - 50, 2.0, 3.0))
    lower = rng.permutation(np.where(np.arange(n) <= (n - 1) // 2 + 50, 2.0, 3.0))
    return {"normal": rng.standard_normal(n), "sorted": np.sort(rng.standard_normal(n)),
            "median at the upper pivot": upper, "median at the lower pivot": lower,
            "descending": np.sort(rng.random(n))[::-1].copy(), "few values": rng.integers(0, 5, n) * 1.0,
            "constant": np.full(n, 2.5), "stride pattern": pattern, "median zero": np.sort(zeros),
            "heavy tails": rng.standard_cauchy(n), **_blind_sample_rows(n)}


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16", "int32", "int64"])
def test_median_of_a_long_row_is_the_lower_median(dtype):
    """median() of a row of >= 2^18 elements takes sampled pivots, one counting pass over threads
    and a selection among the kept values; rows it cannot settle (a NaN, missed pivots, a zero
    median) go to the exact selection. Either way: the element np.partition puts at (n - 1) / 2,
    for any thread count. Integer rows hold the cases times 1000, rounded."""
    before = tg.get_num_threads()
    try:
        for name, a in _long_median_cases(LONG_MEDIAN).items():
            if dtype.startswith("int"):
                a = np.clip(np.round(a * 1000), -2.0**31, 2.0**31 - 1).astype(dtype)
            x = tg.tensor(a).to(getattr(tg, dtype))
            ref = np.asarray(to_numpy(x.float() if dtype == "bfloat16" else x), dtype=np.float64)
            want = np.partition(ref, (LONG_MEDIAN - 1) // 2)[(LONG_MEDIAN - 1) // 2]
            got = []
            for threads in (1, 2, 3):
                tg.set_num_threads(threads)
                got.append(float(tg.median(x).double().item()))
            assert got[0] == got[1] == got[2] == want, name
        if dtype.startswith("int"):
            return
        a = np.random.default_rng(4).standard_normal(LONG_MEDIAN)
        a[12345] = np.nan
        assert np.isnan(tg.median(tg.tensor(a).to(getattr(tg, dtype))).item())
    finally:
        tg.set_num_threads(before)


def test_median_zero_of_a_long_row_is_the_stable_sorts_zero():
    """-0.0 and 0.0 are equal keys; the lower median is the zero a stable sort puts at (n - 1) / 2."""
    n = LONG_MEDIAN
    a = np.concatenate([-np.ones(n // 2), np.zeros(1), np.ones(n // 2)])  # n = 300,001
    a[n // 2] = -0.0
    assert np.signbit(tg.median(tg.tensor(a)).item())
    a[n // 2] = 0.0
    assert not np.signbit(tg.median(tg.tensor(a)).item())


def test_topk_error_names_k_and_the_size():
    with pytest.raises(RuntimeError, match=r"\[topk\] selected index k out of range: k = 4, but dim 0 has size 3"):
        tg.topk(tg.ones([3, 2]), 4, 0)


def test_sort_and_topk_gradients_go_back_to_the_sorted_positions():
    a = np.random.default_rng(7).normal(size=(4, 6))
    w = np.random.default_rng(8).normal(size=(4, 6))
    x = tg.tensor(a).requires_grad_()
    v, i = tg.sort(x, 1, descending=True)
    (g,) = tg.autograd.grad((v * tg.tensor(w)).sum(), x)
    want = np.zeros_like(a)
    np.put_along_axis(want, to_numpy(i), w, 1)
    np.testing.assert_array_equal(to_numpy(g), want)
    v, i = tg.topk(x, 2, 0)
    (g,) = tg.autograd.grad(v.sum(), x)
    want = np.zeros_like(a)
    np.put_along_axis(want, to_numpy(i), 1.0, 0)
    np.testing.assert_array_equal(to_numpy(g), want)
    assert "SortBackward" in repr(tg.sort(x)[0].grad_fn)
    assert tg.sort(x)[1].requires_grad is False


@pytest.mark.parametrize("largest", [True, False])
def test_topk_of_one_long_line_matches_a_stable_sort_for_any_thread_count(largest):
    """A line of 512K elements takes the parallel, block-skipping topk path: with ties, +-0.0 and
    NaN (largest first) it must pick exactly what a stable sort puts first, at 1 and 2 threads."""
    rng = np.random.default_rng(5)
    n = 1 << 19
    x = (np.round(rng.standard_normal(n) * 2) / 2).astype(np.float32)
    x[rng.integers(0, n, 50)] = np.nan
    x[rng.integers(0, n, 5000)] = -0.0
    nan = np.isnan(x)
    value = np.where(nan, 0, x)
    # np.lexsort sorts by the last key first: NaN first when largest (last otherwise), then value
    # (descending when largest), then index; -0.0 == 0.0 so ties keep index order.
    order = np.lexsort((np.arange(n), -value if largest else value, ~nan if largest else nan))
    for threads in (1, 2):
        with num_threads(threads):
            for k in (1, 100, 4000):
                values, indices = tg.topk(tg.from_numpy(x), k, largest=largest)
                np.testing.assert_array_equal(indices.numpy(), order[:k])
                np.testing.assert_array_equal(values.numpy(), x[order[:k]])


@pytest.mark.parametrize("dtype", [tg.float32, tg.float64, tg.int64, tg.float16])
def test_searchsorted_every_length_side_and_tie(dtype):
    """searchsorted's branch-free search (NaN-free boundaries, no sorter) against NumPy for
    boundary lengths 0..70 (every halving pattern), values before, between, on (ties, repeated
    boundaries) and after the boundaries, both sides; a NaN value goes past every boundary on both
    sides (PyTorch's comparisons, !(y >= x) and !(y > x))."""
    rng = np.random.default_rng(3)
    floating = dtype is not tg.int64
    for n in range(0, 71):
        seq = np.sort(rng.integers(-20, 20, n)).astype(np.float64)
        vals = np.arange(-22, 23, 0.5) if floating else np.arange(-22, 23)
        s_t, v_t = tg.tensor(seq, dtype=dtype), tg.tensor(vals, dtype=dtype)
        seq_np, vals_np = to_numpy(s_t.double()), to_numpy(v_t.double())
        for side in ("left", "right"):
            want = np.searchsorted(seq_np, vals_np, side=side)
            got = to_numpy(tg.searchsorted(s_t, v_t, side=side))
            np.testing.assert_array_equal(got, want, err_msg=f"n={n} side={side}")
            if floating:
                nan = tg.tensor([float("nan")], dtype=dtype)
                assert to_numpy(tg.searchsorted(s_t, nan, side=side)).tolist() == [n]


def test_searchsorted_with_nan_boundaries_matches_pytorch():
    """NaN among the boundaries makes the comparisons non-monotonic: the result then depends on
    the probe order, which follows PyTorch's (the sorter path and the per-row path too)."""
    torch = pytest.importorskip("torch", reason="compares with PyTorch's probe order")
    rng = np.random.default_rng(4)
    for n in (1, 2, 3, 5, 8, 13, 33):
        seq = np.sort(rng.standard_normal(n)).astype(np.float32)
        seq[rng.random(n) < 0.3] = np.nan
        vals = np.concatenate([rng.standard_normal(40), [np.nan, -np.inf, np.inf]]).astype(np.float32)
        for right in (False, True):
            want = torch.searchsorted(torch.from_numpy(seq), torch.from_numpy(vals), right=right).numpy()
            got = to_numpy(tg.searchsorted(tg.from_numpy(seq), tg.from_numpy(vals), right=right))
            np.testing.assert_array_equal(got, want, err_msg=f"n={n} right={right}")
