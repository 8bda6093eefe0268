"""Settings for the whole test suite."""
import pytest

import tensorgen as tg


@pytest.fixture(autouse=True, scope="session")
def split_at_the_grain_sizes():
    """Kernels split their work across threads at their grain sizes, whatever OMP_WAIT_POLICY says:
    under PASSIVE a sleeping thread's measured wake-up cost multiplies the memory-bound grains
    (aten/parallel/WakeCost.h), which would leave the tests' mid-size tensors on one thread and
    those kernels' parallel paths untested."""
    tg._C._set_thread_wake_factor(1)
    yield
    tg._C._set_thread_wake_factor(0)
