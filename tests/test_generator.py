"""tg.Generator: torch.Generator's API over the Philox generator, accepted by every `generator=`."""
import pytest

import tensorgen as tg


def test_same_seed_same_numbers_and_manual_seed_returns_the_generator():
    g = tg.Generator()
    assert g.manual_seed(7) is g
    a = tg.rand(10, generator=g)
    b = tg.rand(10, generator=tg.Generator().manual_seed(7))
    assert tg.equal(a, b)
    assert g.initial_seed() == 7


def test_a_generator_is_independent_of_the_global_one():
    tg.manual_seed(0)
    expected = tg.randn(4)
    tg.manual_seed(0)
    tg.randn(3, generator=tg.Generator().manual_seed(0))   # draws from its own stream only
    assert tg.equal(tg.randn(4), expected)


def test_get_state_and_set_state_replay_the_stream():
    g = tg.Generator().manual_seed(11)
    tg.rand(5, generator=g)
    state = g.get_state()
    assert state.dtype == tg.uint8 and state.shape == (16,)
    first = tg.randperm(20, generator=g)
    assert g.set_state(state) is g
    assert tg.equal(tg.randperm(20, generator=g), first)


def test_global_rng_state_and_default_generator():
    tg.manual_seed(5)
    state = tg.get_rng_state()
    x = tg.rand(6)
    tg.set_rng_state(state)
    assert tg.equal(tg.rand(6, generator=tg.default_generator), x)
    assert tg.default_generator.initial_seed() == 5


def test_seed_draws_a_fresh_seed():
    g = tg.Generator()
    s = g.seed()
    assert isinstance(s, int) and g.initial_seed() == s
    assert isinstance(tg.seed(), int)


def test_negative_and_large_seeds_wrap_like_torch():
    assert tg.Generator().manual_seed(-1).initial_seed() == 2**64 - 1
    assert tg.Generator().manual_seed(2**64 - 1).initial_seed() == 2**64 - 1


@pytest.mark.parametrize("bad, exc", [(3, TypeError), ("cpu", TypeError)])
def test_a_non_generator_is_a_type_error_naming_the_op(bad, exc):
    with pytest.raises(exc, match=r"\[rand\] argument 'generator'"):
        tg.rand(2, generator=bad)


def test_bad_state_and_bad_device_and_bad_seed():
    g = tg.Generator()
    with pytest.raises(TypeError, match="set_state"):
        g.set_state(tg.zeros(16))
    with pytest.raises(TypeError, match="set_state"):
        g.set_state(tg.zeros(8, dtype=tg.uint8))
    with pytest.raises(ValueError, match="Generator"):
        tg.Generator(device="tpu")
    with pytest.raises(TypeError, match="manual_seed"):
        g.manual_seed(1.5)
