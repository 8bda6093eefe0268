"""logcumsumexp's blocked kernel (aten/native/cpu/ScanKernel.cpp): contiguous lines are summed in
blocks of 16 in double; results against a float64 recurrence (NumPy), non-finite values at and
around block boundaries, and the same bits on every CPU capability and thread count."""
import numpy as np
import pytest

import tensorgen as tg
from _capability_helpers import run_digest


def reference(a, axis):
    return np.logaddexp.accumulate(a.astype(np.float64), axis=axis)


def ulps(got, want):
    sp = np.spacing(np.abs(want).astype(np.float32)).astype(np.float64)
    return np.abs(got.astype(np.float64) - want) / sp


@pytest.mark.parametrize("shape,dim", [((5000,), 0), ((37, 1000), 1), ((300, 40), 0), ((3, 17), 1)])
def test_float32_is_correctly_rounded_but_for_near_ties(shape, dim):
    a = (np.random.default_rng(1).standard_normal(shape) * 4).astype(np.float32)
    got = tg.logcumsumexp(tg.from_numpy(a), dim).numpy()
    assert ulps(got, reference(a, dim)).max() <= 0.51


def test_float64_matches_the_recurrence():
    a = np.random.default_rng(2).standard_normal((8, 3001)) * 10
    got = tg.logcumsumexp(tg.from_numpy(a), 1).numpy()
    np.testing.assert_allclose(got, reference(a, 1), rtol=1e-14, atol=1e-13)


@pytest.mark.parametrize("where", [0, 15, 16, 17, 31, 40])
@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_non_finite_values_around_block_boundaries(where, value):
    a = np.random.default_rng(3).standard_normal(64).astype(np.float32)
    a[where] = value
    if value == -np.inf:
        a[: where + 1] = -np.inf  # a leading run of -inf: the carry stays -inf through blocks
    got = tg.logcumsumexp(tg.from_numpy(a), 0).numpy()
    with np.errstate(invalid="ignore"):
        want = reference(a, 0)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_array_equal(np.isinf(got), np.isinf(want))
    finite = np.isfinite(want)
    assert ulps(got[finite], want[finite]).max() <= 0.51 if finite.any() else True


IDENTITY_SCRIPT = r"""
import hashlib
import numpy as np
import tensorgen as tg
rng = np.random.default_rng(4)
h = hashlib.sha256()
for dt in ("float32", "float64"):
    a = rng.standard_normal(100003) * 5
    a[777] = np.inf
    a[5000:5040] = -np.inf
    t = tg.from_numpy(a).to(getattr(tg, dt))
    h.update(tg.logcumsumexp(t, 0).numpy().tobytes())
    h.update(tg.logcumsumexp(t[: 300 * 333].view([300, 333]), 1).numpy().tobytes())
print(h.hexdigest())
"""


def _digest(threads, capability=None):
    return run_digest(IDENTITY_SCRIPT, threads, capability)


@pytest.mark.parametrize("capability", [c for c in tg.backends.cpu.supported_capabilities()
                                        if c != tg.backends.cpu.best_capability()])
def test_same_bits_under_every_capability_and_thread_count(capability):
    best = _digest(2, tg.backends.cpu.best_capability())
    assert _digest(2, capability) == best
    assert _digest(1, capability) == best
