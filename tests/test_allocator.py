"""The CPU allocator's size-class cache: reuse, accounting, bounds, and no aliasing of live data."""
import numpy as np
import pytest

import tensorgen as tg


def test_freed_blocks_are_reused_for_the_same_size():
    tg.cpu_empty_cache()
    a = tg.empty(1000)
    ptr = a.data_ptr()
    del a
    before = tg.cpu_memory_stats()
    assert before["cached_bytes"] > 0
    b = tg.empty(1000)
    after = tg.cpu_memory_stats()
    assert b.data_ptr() == ptr
    assert after["cache_hits"] == before["cache_hits"] + 1
    assert after["cached_bytes"] < before["cached_bytes"]


def test_reused_memory_never_aliases_live_tensors():
    keep = tg.arange(0, 4096).float()
    expected = keep.numpy().copy()
    for _ in range(50):
        scratch = tg.full([4096], 7.0)
        scratch.add_(1)
        np.testing.assert_array_equal(scratch.numpy(), np.full(4096, 8.0, dtype=np.float32))
        assert scratch.data_ptr() != keep.data_ptr()
        del scratch
    np.testing.assert_array_equal(keep.numpy(), expected)


def test_accounting_and_empty_cache():
    tg.cpu_empty_cache()
    start = tg.cpu_memory_stats()
    assert start["cached_bytes"] == 0
    t = tg.empty(1 << 20)  # 4 MiB
    during = tg.cpu_memory_stats()
    assert during["allocated_bytes"] >= start["allocated_bytes"] + (4 << 20)
    assert during["peak_allocated_bytes"] >= during["allocated_bytes"]
    del t
    freed = tg.cpu_memory_stats()
    assert freed["allocated_bytes"] == start["allocated_bytes"]
    assert freed["cached_bytes"] >= 4 << 20
    tg.cpu_empty_cache()
    assert tg.cpu_memory_stats()["cached_bytes"] == 0


def test_cache_is_bounded():
    tg.cpu_empty_cache()
    # 40 distinct sizes of ~48 MiB each: far more than the 1 GiB bound if everything were kept.
    tensors = [tg.empty((12 << 20) + 4096 * i) for i in range(40)]
    del tensors
    assert tg.cpu_memory_stats()["cached_bytes"] <= 1 << 30
    tg.cpu_empty_cache()


def test_disabling_the_cache_frees_blocks_immediately():
    try:
        tg._C._cpu_set_cache_enabled(False)
        t = tg.empty(1000)
        del t
        assert tg.cpu_memory_stats()["cached_bytes"] == 0
    finally:
        tg._C._cpu_set_cache_enabled(True)


def test_out_of_memory_is_a_runtime_error_with_the_size():
    """256 TiB is more than x86-64's user address space, so it fails even with overcommit:
    PyTorch's RuntimeError, saying how much was asked for."""
    with pytest.raises(RuntimeError, match=r"\[cpu_allocator\] not enough memory: you tried to allocate 281474976710656 bytes"):
        tg.empty(2**46)
    assert tg.ones(3).sum().item() == 3  # and the process carries on
