"""pad, embedding_bag, pixel_(un)shuffle, cosine_similarity, pairwise_distance and normalize as
generated ops: what the OpInfo matrix (opinfo/nn_pooling.py, opinfo/nn_embedding_attention.py) does
not cover. Gradients and double backward through tg.nn.functional (the composites have no
derivatives.yaml entry, so the matrix's gradcheck does not reach them), results that must not depend
on the thread count, and comparisons with PyTorch (skipped when torch is absent)."""
import math

import numpy as np
import pytest

import tensorgen as tg
import tensorgen.nn.functional as F
from _threads import results_for_threads  # tests/ is on sys.path under pytest


def _t(a, requires_grad=False):
    t = tg.tensor(np.asarray(a))
    return t.requires_grad_() if requires_grad else t


def _rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def _torch():
    return pytest.importorskip("torch", reason="comparisons with PyTorch need torch installed")


def _close(a, b, rtol=1e-10, atol=1e-12):
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=rtol, atol=atol)


def _same_thread_counts(fn):
    """fn() under 1 and 2 threads: bit-identical results."""
    one, two = results_for_threads(lambda: fn().numpy(), (1, 2))
    np.testing.assert_array_equal(one, two)


# ----------------------------------------------------------------------------- pad

@pytest.mark.parametrize("mode, pad", [("constant", (2, -1, 1, 3)), ("reflect", (2, 1, 1, 2)),
                                       ("replicate", (3, 0, 2, 1)), ("circular", (1, 2, 2, 1))])
def test_pad_double_backward(mode, pad):
    x = _t(_rand(2, 3, 4, 5), True)
    assert tg.autograd.gradcheck(lambda t: F.pad(t, pad, mode=mode), (x,))
    assert tg.autograd.gradgradcheck(lambda t: F.pad(t, pad, mode=mode), (x,))


def test_pad_backward_is_thread_count_independent():
    g = _t(_rand(8, 16, 70, 71, seed=1).astype(np.float32))
    for mode in ("reflect", "replicate", "circular"):
        _same_thread_counts(lambda: tg.pad_backward(g, [8, 16, 60, 63], [4, 4, 5, 5], mode))


def test_pad_reflect_by_hand_and_integer_constant():
    x = tg.tensor([[1.0, 2.0, 3.0]])
    assert F.pad(x, (2, 1), mode="reflect").numpy().tolist() == [[3.0, 2.0, 1.0, 2.0, 3.0, 2.0]]
    assert F.pad(x, (1, 2), mode="replicate").numpy().tolist() == [[1.0, 1.0, 2.0, 3.0, 3.0, 3.0]]
    assert F.pad(x, (2, 1), mode="circular").numpy().tolist() == [[2.0, 3.0, 1.0, 2.0, 3.0, 1.0]]
    xi = tg.tensor([[1, 2], [3, 4]])
    assert F.pad(xi, (1, 0, 0, 1), value=7).numpy().tolist() == [[7, 1, 2], [7, 3, 4], [7, 7, 7]]
    assert F.pad(xi, (-1, 0)).numpy().tolist() == [[2], [4]]  # negative padding crops


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("dtype", ["float32", "int64", "bool"])
def test_pad_dtypes_match_torch(mode, dtype):
    torch = _torch()
    a = (_rand(2, 3, 4, 5) * 4).astype(dtype)
    try:
        expected = torch.nn.functional.pad(torch.tensor(a), (1, 2, 2, 1), mode=mode).numpy()
    except NotImplementedError:  # PyTorch has no bool reflect / replicate / circular kernels; tensorgen pads any dtype
        np_mode = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}[mode]
        expected = np.pad(a, ((0, 0), (0, 0), (2, 1), (1, 2)), mode=np_mode)
    assert F.pad(_t(a), (1, 2, 2, 1), mode=mode).numpy().tolist() == expected.tolist()


# ----------------------------------------------------------------------------- embedding_bag

_BAG_CASES = [
    ([1, 2, 4, 5, 4, 3, 2, 9], [0, 4], {"mode": "sum"}),
    ([1, 2, 4, 5, 4, 3, 2, 9], [0, 3, 3, 6], {"mode": "mean"}),
    ([1, 2, 4, 5, 4, 3, 2, 9], [0, 3, 3, 6], {"mode": "max"}),
    ([1, 2, 4, 5, 4, 3, 2, 9], [0, 2, 5, 8], {"include_last_offset": True, "mode": "max"}),
    ([1, 2, 4, 5, 4, 3, 2, 9], [0, 2, 2, 8], {"include_last_offset": True, "mode": "sum"}),
    ([1, 2, 4, 5, 4, 3, 2, 9], [0, 4], {"padding_idx": 4, "mode": "mean"}),
    ([1, 2, 4, 5, 4, 3, 2, 9], [0, 4, 6], {"padding_idx": 2, "mode": "max"}),
    ([[1, 2, 4], [4, 3, 9]], None, {"mode": "mean"}),
    ([[1, 2, 4], [4, 3, 9]], None, {"mode": "max", "padding_idx": 9}),
]


@pytest.mark.parametrize("ids, offsets, kwargs", _BAG_CASES)
def test_embedding_bag_values_and_grads_match_torch(ids, offsets, kwargs):
    torch = _torch()
    w_np = _rand(10, 3)
    w, tw = _t(w_np, True), torch.tensor(w_np, requires_grad=True)
    off = None if offsets is None else np.array(offsets)
    out = F.embedding_bag(_t(np.array(ids)), w, None if off is None else _t(off), **kwargs)
    tout = torch.nn.functional.embedding_bag(torch.tensor(ids), tw, None if off is None else torch.tensor(off),
                                             **kwargs)
    _close(out, tout)
    g = _rand(*tout.shape, seed=3)
    out.backward(_t(g))
    tout.backward(torch.tensor(g))
    _close(w.grad, tw.grad)


def test_embedding_bag_per_sample_weights_grads_match_torch():
    torch = _torch()
    w_np, psw_np = _rand(10, 3), _rand(8, seed=4)
    ids, off = np.array([1, 2, 4, 5, 4, 3, 2, 9]), np.array([0, 4, 4])
    w, psw = _t(w_np, True), _t(psw_np, True)
    tw, tpsw = torch.tensor(w_np, requires_grad=True), torch.tensor(psw_np, requires_grad=True)
    out = F.embedding_bag(_t(ids), w, _t(off), mode="sum", per_sample_weights=psw, padding_idx=5)
    tout = torch.nn.functional.embedding_bag(torch.tensor(ids), tw, torch.tensor(off), mode="sum",
                                             per_sample_weights=tpsw, padding_idx=5)
    _close(out, tout)
    g = _rand(*tout.shape, seed=5)
    out.backward(_t(g))
    tout.backward(torch.tensor(g))
    _close(w.grad, tw.grad)
    _close(psw.grad, tpsw.grad)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_double_backward(mode):
    ids, off = _t(np.array([1, 2, 4, 5, 4, 3, 2, 9])), _t(np.array([0, 3, 3, 6]))
    w = _t(_rand(10, 3), True)
    fn = lambda t: F.embedding_bag(ids, t, off, mode=mode, padding_idx=3)  # noqa: E731
    assert tg.autograd.gradcheck(fn, (w,))
    assert tg.autograd.gradgradcheck(fn, (w,))
    if mode == "sum":
        psw = _t(_rand(8, seed=2), True)
        fn2 = lambda t, p: F.embedding_bag(ids, t, off, mode="sum", per_sample_weights=p)  # noqa: E731
        assert tg.autograd.gradcheck(fn2, (w, psw))
        assert tg.autograd.gradgradcheck(fn2, (w, psw))


@pytest.mark.parametrize("mode", [0, 1, 2])
def test_embedding_bag_is_thread_count_independent(mode):
    rng = np.random.default_rng(7)
    w = _t(rng.standard_normal((500, 64)).astype(np.float32))
    ids = _t(rng.integers(0, 500, size=20000))
    off = _t(np.arange(0, 20000, 20))
    out, o2b, size, mx = tg._C._embedding_bag(w, ids, off, False, mode)
    _same_thread_counts(lambda: tg._C._embedding_bag(w, ids, off, False, mode)[0])
    g = _t(rng.standard_normal(tuple(out.shape)).astype(np.float32))
    _same_thread_counts(lambda: tg._C._embedding_bag_dense_backward(g, ids, o2b, size, mx, 500, False, mode, None))


def test_embedding_bag_out_of_range_ids_raise_before_reading():
    w = _t(_rand(10, 3))
    with pytest.raises(IndexError, match=r"\[embedding_bag\] index 10 is out of range for an embedding of 10 rows"):
        F.embedding_bag(_t(np.array([1, 10])), w, _t(np.array([0])))
    with pytest.raises(IndexError, match=r"\[embedding_bag\] index -3"):
        F.embedding_bag(_t(np.array([[1, -3]])), w, mode="max")


# ----------------------------------------------------------------------------- composites

def test_composites_gradcheck_and_gradgradcheck():
    x, y = _t(_rand(3, 4, seed=1), True), _t(_rand(3, 4, seed=2), True)
    img = _t(_rand(1, 8, 2, 3, seed=3), True)
    cases = [
        (lambda a: F.pixel_shuffle(a, 2), (img,)),
        (lambda a: F.pixel_unshuffle(F.pixel_shuffle(a, 2), 2), (img,)),
        (lambda a, b: F.cosine_similarity(a, b), (x, y)),
        (lambda a, b: F.cosine_similarity(a, b, dim=0), (x, y)),
        (lambda a, b: F.pairwise_distance(a, b), (x, y)),
        (lambda a, b: F.pairwise_distance(a, b, p=3.0, keepdim=True), (x, y)),
        (lambda a: F.normalize(a), (x,)),
        (lambda a: F.normalize(a, p=1.5, dim=0), (x,)),
    ]
    for fn, inputs in cases:
        assert tg.autograd.gradcheck(fn, inputs)
        assert tg.autograd.gradgradcheck(fn, inputs)


def test_normalize_out_and_torch():
    a = _rand(3, 4, seed=4)
    out = tg.empty(3, 4, dtype=tg.float64)
    r = F.normalize(_t(a), out=out)
    assert r is out or np.shares_memory(r.numpy(), out.numpy())
    np.testing.assert_allclose(out.numpy(), a / np.linalg.norm(a, axis=1, keepdims=True), rtol=1e-12)


def test_cosine_similarity_of_integers_raises_like_torch():
    with pytest.raises(RuntimeError, match=r"\[cosine_similarity\] expected common dtype to be floating point"):
        F.cosine_similarity(tg.ones(2, 3, dtype=tg.int64), tg.ones(2, 3, dtype=tg.int64))
    # one floating operand makes the common dtype floating (PyTorch's rule)
    r = F.cosine_similarity(tg.ones(2, 3, dtype=tg.int64), tg.ones(2, 3, dtype=tg.float32))
    np.testing.assert_allclose(r.numpy(), [1.0, 1.0], rtol=1e-6)


def test_pixel_shuffle_matches_torch_with_batch_dims():
    torch = _torch()
    a = _rand(2, 3, 18, 2, 3)
    np.testing.assert_array_equal(F.pixel_shuffle(_t(a), 3).numpy(),
                                  torch.nn.functional.pixel_shuffle(torch.tensor(a), 3).numpy())
    np.testing.assert_array_equal(F.pixel_unshuffle(_t(a), 1).numpy(), a)
    assert math.isfinite(float(F.pixel_shuffle(_t(a), 3).sum().item()))
