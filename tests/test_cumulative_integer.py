"""Integer cumsum / cumprod of long lines, which the CPU kernel scans on all threads in blocks
chained by their running totals (ScanKernel.cpp's scan_line_chained): exact against NumPy,
wrap-around included, for any thread count, block boundaries and a tail included."""
import numpy as np
import pytest

import tensorgen as tg
from _threads import num_threads  # tests/ is on sys.path under pytest

N = 4 * 65536 + 1237  # four chain blocks and a partial one


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_long_integer_lines_match_numpy_for_any_thread_count(threads):
    rng = np.random.default_rng(threads)
    big = rng.integers(-2**62, 2**62, size=(2, N), dtype=np.int64)  # sums wrap around
    small = rng.integers(-3, 4, size=N).astype(np.int32)            # int32 in, int64 out
    odd = (rng.integers(0, 2**20, size=N, dtype=np.int64) * 2 + 1)   # products wrap, never 0
    with num_threads(threads), np.errstate(over="ignore"):
        np.testing.assert_array_equal(tg.cumsum(tg.tensor(big), 1).numpy(), np.cumsum(big, axis=1))
        np.testing.assert_array_equal(tg.cumsum(tg.tensor(big[0]), 0).numpy(), np.cumsum(big[0]))
        np.testing.assert_array_equal(tg.cumsum(tg.tensor(small), 0).numpy(), np.cumsum(small, dtype=np.int64))
        np.testing.assert_array_equal(tg.cumprod(tg.tensor(odd), 0).numpy(), np.cumprod(odd))
