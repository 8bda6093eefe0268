"""Thread-count independence: elementwise results are bitwise identical for 1 and 2 threads,
reductions agree within tolerance, and errors raised inside parallel kernels reach Python."""
import os
import threading

import numpy as np
import pytest

import tensorgen as tg
from tensorgen.testing import make_tensor

from _threads import num_threads


@pytest.fixture
def threads():
    before = tg.get_num_threads()
    yield
    tg.set_num_threads(before)


def _run_with(n, fn):
    tg.set_num_threads(n)
    return fn()


# Big enough to be split across threads (above the 32768-element grain), with odd sizes so
# chunks start and end mid-row.
CASES = {
    "contiguous add": lambda a, b: a + b,
    "transposed operands": lambda a, b: a.t() + b.t(),
    "broadcast row": lambda a, b: a * b[:1],
    "sliced input": lambda a, b: a[:300:2] - b[1::2],
    "mixed dtypes": lambda a, b: a.double() / (b.int() + 1000),
    "unary exp": lambda a, b: (a / 10).exp(),
    "comparison": lambda a, b: a < b,
    "copy to a transposed view": lambda a, b: a.t().contiguous(),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_elementwise_results_do_not_depend_on_thread_count(threads, name):
    a = make_tensor((301, 257), tg.float32, seed=1)
    b = make_tensor((301, 257), tg.float32, seed=2)
    one = _run_with(1, lambda: CASES[name](a, b)).numpy()
    two = _run_with(2, lambda: CASES[name](a, b)).numpy()
    np.testing.assert_array_equal(one, two)
    assert one.dtype == two.dtype


@pytest.mark.parametrize("dim", [None, 0, 1])
def test_reductions_agree_across_thread_counts(threads, dim):
    a = make_tensor((513, 257), tg.float64, seed=3)
    one = _run_with(1, lambda: a.sum(dim=dim)).numpy()
    two = _run_with(2, lambda: a.sum(dim=dim)).numpy()
    np.testing.assert_allclose(one, two, rtol=1e-12)
    np.testing.assert_allclose(two, a.numpy().sum(axis=dim), rtol=1e-10)
    values, indices = _run_with(2, lambda: a.max(dim=1))
    np.testing.assert_array_equal(indices.numpy(), a.numpy().argmax(axis=1))


def test_errors_inside_parallel_kernels_reach_python(threads):
    tg.set_num_threads(2)
    x = tg.ones(100000, dtype=tg.int64)
    y = tg.ones(100000, dtype=tg.int64)
    y[99999] = 0
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        tg.div(x, y, rounding_mode="floor")
    with pytest.raises(RuntimeError, match="negative integer powers"):
        (x * 2).pow(tg.full([100000], -2, dtype=tg.int64))


def test_set_and_get_num_threads(threads):
    tg.set_num_threads(1)
    assert tg.get_num_threads() == 1
    with pytest.raises(ValueError):
        tg.set_num_threads(0)


def test_whole_tensor_sum_is_identical_for_any_thread_count(threads):
    # Long rows are summed in fixed-size chunks by all threads, so the result cannot depend on
    # how many threads there are.
    a = make_tensor((1 << 20,), tg.float32, seed=4)
    one = _run_with(1, lambda: a.sum()).item()
    two = _run_with(2, lambda: a.sum()).item()
    assert one == two
    np.testing.assert_allclose(two, a.numpy().astype(np.float64).sum(), rtol=1e-5)
    np.testing.assert_allclose(_run_with(2, lambda: a.mean()).item(), a.numpy().astype(np.float64).mean(), rtol=1e-5)


@pytest.mark.parametrize("dtype", [tg.float32, tg.int64, tg.float16])
def test_long_cummax_cummin_lines_split_across_threads_match_one_thread(threads, dtype):
    # A 1-D scan is split into 65536-element pieces: each piece's extreme first, then each piece
    # scanned from the pieces before it, all at once; ties (few distinct values), sorted runs and
    # NaN must give the one-thread values and indices.
    rng = np.random.default_rng(0)
    n = 3 * 65536 + 17
    a = rng.integers(0, 40, n).astype(np.float64)
    a[100000:140000] = np.sort(a[100000:140000])
    if dtype.is_floating_point:
        a[[70000, 70001, 150000]] = np.nan
    x = tg.tensor(a, dtype=dtype)
    for op in (tg.cummax, tg.cummin):
        v1, i1 = _run_with(1, lambda: op(x, 0))
        for n_threads in (2, 3):
            v, i = _run_with(n_threads, lambda: op(x, 0))
            np.testing.assert_array_equal(i.numpy(), i1.numpy())
            np.testing.assert_array_equal(v.float().numpy(), v1.float().numpy())
        first_nan = 70000 if dtype.is_floating_point else None
        if first_nan is not None:  # NaN from the first one on, its index the latest NaN's
            assert np.isnan(v1.float().numpy()[first_nan:]).all()
            assert i1.numpy()[149999] == 70001 and i1.numpy()[-1] == 150000


def test_grains_beyond_the_l2_scale_less_with_the_wake():
    """A loop whose operands outgrow a core's L2 runs at the memory's speed, ~2.6x slower an
    element, so the wake pays for fewer of them: its grain grows a sixth as much (WakeCost.h)."""
    l2 = tg._C._l2_cache_bytes()
    assert l2 >= 64 * 1024
    old = tg._C._set_thread_wake_factor(80)
    try:
        assert tg._C._wake_scaled_grain(32768, l2) == 80 * 32768  # in the cache: the whole factor
        assert tg._C._wake_scaled_grain(32768, l2 + 1) == 80 * 32768 // 6
        assert tg._C._wake_scaled_grain(32768, 2**62) == 80 * 32768 // 6
        tg._C._set_thread_wake_factor(3)  # never below the unscaled grain
        assert tg._C._wake_scaled_grain(32768, l2 + 1) == 32768
    finally:
        tg._C._set_thread_wake_factor(old)


def test_wake_measurement_drops_the_warmup_and_one_cpu_regions():
    """thread_wake_factor times two-thread regions at startup (WakeCost.cpp). The first wakes
    after the process idled pay the host's idle vCPU (200-1000 us on the 2-core VM), and a region
    whose threads the scheduler put on one CPU runs its halves in turn (3-5 us): neither prices
    the wake a split pays, so the median skips the warm-up and counts regions on two CPUs."""
    stat = tg._C._wake_us_from_samples
    after_idle = [(900.0, False), (500.0, False), (400.0, False)]
    apart = [(70.0, False), (75.0, False), (66.0, False), (90.0, False), (72.0, False)]
    one_cpu = [(4.0, True), (5.0, True), (3.0, True), (5.0, True), (4.0, True), (6.0, True)]
    assert stat(after_idle + apart, 3) == 72.0
    assert stat(after_idle + one_cpu[:2] + apart + one_cpu[2:], 3) == 72.0  # the median of five, not eleven
    assert stat(after_idle + one_cpu, 3) == 5.0  # never on two CPUs: what it measured
    assert stat(apart[:2], 0) == 75.0  # an even count: the upper middle
    assert stat(after_idle, 3) == 1.0  # nothing after the warm-up
    assert stat([], 0) == 1.0


def test_wake_estimate_moves_an_eighth_toward_each_split_cost():
    """After its first measurement the factor is a running estimate: every split region whose
    threads ran on two CPUs moves it 1/8 of the way to what the region cost beyond its longest
    chunk, that cost counted as 0 to 256 us (WakeCost.h: next_wake_estimate)."""
    step = tg._C._next_wake_estimate
    assert step(80.0, 160.0) == 90.0
    assert step(80.0, 0.0) == 70.0
    assert step(80.0, -8.0) == 70.0  # never less than nothing
    assert step(80.0, 10_000.0) == 80.0 + (256.0 - 80.0) / 8  # one host hiccup counts as 256 us
    estimate = 256.0  # a startup measurement after an idle host
    for _ in range(24):  # regions as ops run back to back
        estimate = step(estimate, 80.0)
    assert 80.0 < estimate < 90.0


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity") or len(os.sched_getaffinity(0)) < 2,
                    reason="pins threads to two CPUs (Linux, two allowed CPUs)")
def test_split_regions_move_the_wake_estimate():
    """parallel_for notes each split region's cost beyond its longest chunk when its threads ran
    on two CPUs (Parallel.h). The scheduler may put both on one CPU (a busy machine, the suite's
    other workers), so the test pins this thread to one allowed CPU and every other thread of
    the process (OpenMP's) to another for the while, then restores their masks."""
    x = tg.ones(1 << 22)
    old = tg._C._set_thread_wake_factor(0)
    pinned = {}
    try:
        with num_threads(2):
            assert 1 <= tg._C._thread_wake_factor() <= 256  # measured now if not before
            x.mul_(1.0)  # OpenMP's threads exist from here on
            first, second = sorted(os.sched_getaffinity(0))[:2]
            me = threading.get_native_id()
            for tid in (int(t) for t in os.listdir("/proc/self/task")):
                try:
                    mask = os.sched_getaffinity(tid)
                    os.sched_setaffinity(tid, {first if tid == me else second})
                except ProcessLookupError:  # a thread that ended after listdir (another test's pool)
                    continue
                pinned[tid] = mask
            before = tg._C._wake_estimate_us()
            assert before >= 0
            x.mul_(1.0)  # 4M elements: split, one chunk a thread
            assert tg._C._wake_estimate_us() != before
    finally:
        for tid, mask in pinned.items():
            try:
                os.sched_setaffinity(tid, mask)
            except ProcessLookupError:  # a thread that has ended since
                pass
        tg._C._set_thread_wake_factor(old)


def test_wake_factor_pins_and_results_do_not_depend_on_it(threads):
    """The grains of TensorIterator's element loops and of memory-bound row and plane loops
    (embedding, pooling, im2col, the fused optimizer steps, index_select, the loss backward) are
    multiplied by a sleeping thread's measured wake-up cost in microseconds (WakeCost.h); the
    suite pins the factor to 1 (conftest.py). A factor that keeps those calls on one thread gives
    the same bits as the split."""
    assert tg._C._thread_wake_factor() == 1
    rng = np.random.default_rng(5)
    w = tg.tensor(rng.standard_normal((500, 64)).astype(np.float32))
    idx = tg.tensor(rng.integers(0, 500, (40, 300)))
    img = tg.tensor(rng.standard_normal((4, 16, 40, 40)).astype(np.float32))
    logits = tg.tensor(rng.standard_normal((3000, 50)).astype(np.float32)).requires_grad_()
    target = tg.tensor(rng.integers(0, 50, 3000))
    tg.set_num_threads(2)

    def grad_of_loss():
        (g,) = tg.autograd.grad(tg.nn.functional.cross_entropy(logits, target), logits)
        return g

    calls = [lambda: tg.nn.functional.embedding(idx, w), lambda: tg.index_select(w, 0, idx.reshape(-1)),
             lambda: tg.nn.functional.avg_pool2d(img, 3, 2, 1), lambda: tg.nn.functional.max_pool2d(img, 2),
             lambda: tg.nn.functional.unfold(img, 3, padding=1), grad_of_loss,
             lambda: (w / 10).exp() + w, lambda: img.reshape(320, 320).t() * 2]  # TensorIterator: rows, tiles
    split = [f().detach().numpy() for f in calls]
    old = tg._C._set_thread_wake_factor(10**6)
    try:
        assert old == 1 and tg._C._thread_wake_factor() == 10**6
        whole = [f().detach().numpy() for f in calls]
    finally:
        tg._C._set_thread_wake_factor(1)
    for s, o in zip(split, whole):
        assert s.tobytes() == o.tobytes()
    with pytest.raises(ValueError, match=r"\[set_thread_wake_factor\]"):
        tg._C._set_thread_wake_factor(-1)
    tg._C._set_thread_wake_factor(0)  # the measured factor: at least 1
    try:
        assert tg._C._thread_wake_factor() >= 1
    finally:
        tg._C._set_thread_wake_factor(1)
