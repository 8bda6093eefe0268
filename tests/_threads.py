"""Running test code under a given intra-op thread count, the previous count restored after: for
the tests that check a result does not depend on the number of threads."""
import contextlib

import tensorgen as tg


@contextlib.contextmanager
def num_threads(n):
    """The block runs after tg.set_num_threads(n); the previous count comes back on exit, even on an error."""
    before = tg.get_num_threads()
    tg.set_num_threads(n)
    try:
        yield
    finally:
        tg.set_num_threads(before)


def results_for_threads(fn, counts=(1, 2, 3)):
    """[fn() for each count in counts], each call run under num_threads(count)."""
    results = []
    for n in counts:
        with num_threads(n):
            results.append(fn())
    return results
