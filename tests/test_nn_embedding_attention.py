"""tg.nn.functional's embedding, embedding_bag, scaled_dot_product_attention, cosine_similarity,
pairwise_distance and normalize: what the OpInfo matrix can't express (the F-level API and
PyTorch's semantics: padding_idx normalization, max_norm's in-place renormalization, broadcast
batch dims, masks, dropout, thread-count independence, double backward through the fused
attention). The comparisons with PyTorch skip when it is not installed."""
import math

import numpy as np
import pytest

import tensorgen as tg
import tensorgen.nn.functional as F
from _threads import results_for_threads  # tests/ is on sys.path under pytest


def _t(a, requires_grad=False):
    t = tg.tensor(np.asarray(a))
    return t.requires_grad_() if requires_grad else t


def _rand(*shape, seed=0, dtype=np.float64):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def _torch():
    return pytest.importorskip("torch", reason="comparisons with PyTorch need torch installed")


def _close(a, b, rtol=1e-6, atol=1e-8):
    np.testing.assert_allclose(np.asarray(a.detach().numpy() if hasattr(a, "detach") else a),
                               b.detach().numpy() if hasattr(b, "detach") else b, rtol=rtol, atol=atol)


# ----------------------------------------------------------------------------- embedding

@pytest.mark.parametrize("padding_idx", [None, 2, -1])
@pytest.mark.parametrize("scale_grad_by_freq", [False, True])
def test_embedding_values_and_gradients_match_torch(padding_idx, scale_grad_by_freq):
    torch = _torch()
    w_np, ids_np = _rand(7, 4), np.array([[0, 2, 2, 6], [1, 6, 2, 3]])
    g_np = _rand(2, 4, 4, seed=1)
    w, tw = _t(w_np, True), torch.tensor(w_np, requires_grad=True)
    out = F.embedding(_t(ids_np), w, padding_idx=padding_idx, scale_grad_by_freq=scale_grad_by_freq)
    tout = torch.nn.functional.embedding(torch.tensor(ids_np), tw, padding_idx=padding_idx,
                                         scale_grad_by_freq=scale_grad_by_freq)
    _close(out, tout)
    out.backward(_t(g_np))
    tout.backward(torch.tensor(g_np))
    _close(w.grad, tw.grad)


def test_embedding_int32_ids_and_any_shape():
    w = _t(_rand(5, 3))
    ids = tg.tensor(np.array([[[4]], [[0]]], dtype=np.int32))
    out = F.embedding(ids, w)
    assert tuple(out.shape) == (2, 1, 1, 3)
    np.testing.assert_array_equal(out.numpy()[:, 0, 0], w.numpy()[[4, 0]])


@pytest.mark.parametrize("norm_type", [2.0, 1.0, math.inf])
def test_embedding_max_norm_renormalizes_weight_in_place_like_torch(norm_type):
    torch = _torch()
    w_np, ids_np = 3 * _rand(6, 4), np.array([1, 3, 3, 5])
    w, tw = _t(w_np), torch.tensor(w_np)
    out = F.embedding(_t(ids_np), w, max_norm=1.5, norm_type=norm_type)
    tout = torch.nn.functional.embedding(torch.tensor(ids_np), tw, max_norm=1.5, norm_type=norm_type)
    _close(out, tout)
    _close(w, tw)  # the referenced rows changed in place, the others did not
    np.testing.assert_array_equal(w.numpy()[[0, 2, 4]], w_np[[0, 2, 4]])


def test_embedding_max_norm_on_a_leaf_that_requires_grad():
    w = _t(3 * _rand(4, 3), True)
    out = F.embedding(_t(np.array([0, 1])), w, max_norm=1.0)
    out.sum().backward()
    assert np.all(np.linalg.norm(w.detach().numpy()[:2], axis=1) <= 1.0 + 1e-6)
    np.testing.assert_array_equal(w.grad.numpy(), np.array([[1.0] * 3, [1.0] * 3, [0.0] * 3, [0.0] * 3]))


def test_embedding_renorm_returns_and_mutates_self():
    w = _t(np.array([[3.0, 4.0], [0.3, 0.4], [6.0, 8.0]]))
    r = tg.embedding_renorm_(w, _t(np.array([0, 1])), 1.0, 2.0)
    assert r.data_ptr() == w.data_ptr()
    np.testing.assert_allclose(w.numpy(), [[0.6, 0.8], [0.3, 0.4], [6.0, 8.0]], rtol=1e-6)


def test_embedding_errors():
    w = _t(_rand(5, 3))
    with pytest.raises(IndexError, match=r"\[embedding\] index 5 is out of range for an embedding of 5 rows"):
        F.embedding(_t(np.array([0, 5])), w)
    with pytest.raises(IndexError, match=r"index -3"):
        F.embedding(_t(np.array([-3])), w)
    with pytest.raises(RuntimeError, match="Long, Int"):
        F.embedding(_t(np.array([1.0])), w)
    with pytest.raises(AssertionError, match="Padding_idx must be within num_embeddings"):
        F.embedding(_t(np.array([1])), w, padding_idx=5)
    with pytest.raises(NotImplementedError, match="sparse"):
        F.embedding(_t(np.array([1])), w, sparse=True)
    with pytest.raises(RuntimeError, match="2-D"):
        F.embedding(_t(np.array([1])), _t(_rand(5)))


def test_embedding_backward_is_the_same_for_any_thread_count():
    rng = np.random.default_rng(0)
    ids = tg.tensor(rng.integers(0, 50, size=(64, 32)))
    g = tg.tensor(rng.standard_normal((64, 32, 48)).astype(np.float32))
    results = results_for_threads(lambda: tg.embedding_dense_backward(g, ids, 50, 3, True).numpy())
    for r in results[1:]:
        np.testing.assert_array_equal(r, results[0])


# ----------------------------------------------------------------------------- scaled_dot_product_attention

def _sdpa_pair(torch, shapes, seed=0, dtype=np.float64, requires_grad=True):
    arrays = [_rand(*s, seed=seed + i, dtype=dtype) for i, s in enumerate(shapes)]
    ours = [_t(a, requires_grad) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=requires_grad) for a in arrays]
    return ours, theirs


_SDPA_CASES = [
    # (q, k, v shapes, mask kind, is_causal, scale)
    (((2, 3, 5, 4), (2, 3, 7, 4), (2, 3, 7, 6)), None, False, None),
    (((2, 3, 5, 4), (2, 3, 7, 4), (2, 3, 7, 6)), "bool", False, 0.3),
    (((2, 3, 5, 4), (2, 3, 7, 4), (2, 3, 7, 6)), "float", False, None),
    (((2, 3, 9, 4), (2, 3, 6, 4), (2, 3, 6, 5)), None, True, None),
    (((2, 1, 5, 4), (1, 3, 7, 4), (1, 3, 7, 6)), None, False, None),  # batch dims broadcast
    (((5, 4), (7, 4), (7, 2)), "bool", False, None),                  # no batch dims
    (((1, 2, 150, 8), (1, 2, 300, 8), (1, 2, 300, 8)), None, True, None),  # several blocks, ragged
    (((1, 130, 8), (1, 260, 8), (1, 260, 8)), "bool", False, None),
]


def _masks(torch, kind, L, S):
    rng = np.random.default_rng(5)
    if kind == "bool":
        m = rng.random((L, S)) < 0.7
        m[min(1, L - 1)] = False  # a query row that attends to nothing
        return tg.tensor(m), torch.tensor(m)
    if kind == "float":
        m = rng.standard_normal((1, L, S))
        return tg.tensor(m), torch.tensor(m)
    return None, None


@pytest.mark.parametrize("shapes, mask, is_causal, scale", _SDPA_CASES)
def test_sdpa_values_and_gradients_match_torch(shapes, mask, is_causal, scale):
    torch = _torch()
    (q, k, v), (tq, tk, tv) = _sdpa_pair(torch, shapes)
    m, tm = _masks(torch, mask, shapes[0][-2], shapes[1][-2])
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=m, is_causal=is_causal, scale=scale)
    tout = torch.nn.functional.scaled_dot_product_attention(tq, tk, tv, attn_mask=tm, is_causal=is_causal,
                                                            scale=scale)
    _close(out, tout, rtol=1e-9, atol=1e-10)
    g = _rand(*tout.shape, seed=9)
    out.backward(_t(g))
    tout.backward(torch.tensor(g))
    for a, b in ((q, tq), (k, tk), (v, tv)):
        assert tuple(a.grad.shape) == tuple(b.grad.shape)
        _close(a.grad, b.grad, rtol=1e-8, atol=1e-10)


def test_sdpa_float32_and_half_match_torch():
    torch = _torch()
    for np_dt, tg_dt, tol in ((np.float32, tg.float32, 1e-5), (np.float32, tg.bfloat16, 3e-2),
                              (np.float32, tg.float16, 3e-3)):
        (q, k, v), (tq, tk, tv) = _sdpa_pair(torch, ((2, 70, 16), (2, 140, 16), (2, 140, 16)), dtype=np_dt,
                                             requires_grad=False)
        out = F.scaled_dot_product_attention(q.to(tg_dt), k.to(tg_dt), v.to(tg_dt), is_causal=True)
        assert out.dtype is tg_dt
        ref = torch.nn.functional.scaled_dot_product_attention(tq, tk, tv, is_causal=True)
        np.testing.assert_allclose(out.float().numpy(), ref.numpy(), rtol=tol, atol=tol)


def test_sdpa_double_backward():
    (q, k, v) = [_t(_rand(1, 2, s, 3, seed=i), True) for i, s in enumerate((4, 5, 5))]
    mask = tg.tensor(np.random.default_rng(1).random((4, 5)) < 0.7)
    for kwargs in ({}, {"is_causal": True}, {"attn_mask": mask}):
        assert tg.autograd.gradgradcheck(lambda a, b, c: F.scaled_dot_product_attention(a, b, c, **kwargs),
                                         (q, k, v))


def test_sdpa_fully_masked_rows_give_zeros():
    q, k, v = (_t(_rand(1, n, 4, seed=i), True) for i, n in enumerate((3, 4, 4)))
    mask = tg.tensor(np.array([[True, False, True, True], [False] * 4, [True] * 4]))
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    np.testing.assert_array_equal(out.detach().numpy()[0, 1], np.zeros(4))
    out.sum().backward()
    np.testing.assert_array_equal(q.grad.numpy()[0, 1], np.zeros(4))


def test_sdpa_is_the_same_for_any_thread_count():
    rng = np.random.default_rng(0)
    # 300 keys: two key blocks, whose shares of dQ are summed after the (batch, key block) tasks
    q, k, v = (tg.tensor(rng.standard_normal((2, 3, 300, 16)).astype(np.float32)).requires_grad_() for _ in range(3))

    def forward_backward():
        for t in (q, k, v):
            t.grad = None
        out = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        out.sum().backward()
        return [out.detach().numpy(), q.grad.numpy(), k.grad.numpy(), v.grad.numpy()]

    results = results_for_threads(forward_backward)
    for r in results[1:]:
        for a, b in zip(r, results[0]):
            np.testing.assert_array_equal(a, b)


def test_sdpa_backward_in_batch_groups_matches_one_entry_at_a_time():
    """The CPU backward keeps at most 16 MB of dQ shares (one per key block) and walks a larger
    batch in groups: 8 MB an entry here (32768 queries x 64), so 3 entries go as 2 + 1. Each
    entry's gradients are those of a call with that entry alone (one group)."""
    rng = np.random.default_rng(3)
    shapes = ((3, 32768, 64), (3, 8, 64), (3, 8, 64))
    qkv = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    for is_causal in (False, True):
        ts = [tg.tensor(a).requires_grad_() for a in qkv]
        F.scaled_dot_product_attention(*ts, is_causal=is_causal).sum().backward()
        for b in range(3):
            one = [tg.tensor(a[b:b + 1]).requires_grad_() for a in qkv]
            F.scaled_dot_product_attention(*one, is_causal=is_causal).sum().backward()
            for full, alone in zip(ts, one):
                np.testing.assert_array_equal(full.grad.numpy()[b:b + 1], alone.grad.numpy())


def test_sdpa_dropout_falls_back_and_scales():
    q, k, v = (_t(_rand(2, 6, 4, seed=i)) for i in range(3))
    tg.manual_seed(0)
    a = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5)
    tg.manual_seed(0)
    b = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5)
    np.testing.assert_array_equal(a.numpy(), b.numpy())  # reproducible from the seed
    assert not np.allclose(a.numpy(), F.scaled_dot_product_attention(q, k, v).numpy())
    np.testing.assert_array_equal(F.scaled_dot_product_attention(q, k, v, dropout_p=1.0).numpy(), np.zeros((2, 6, 4)))


def test_sdpa_float_mask_that_requires_grad_gets_a_gradient():
    torch = _torch()
    (q, k, v), (tq, tk, tv) = _sdpa_pair(torch, ((2, 3, 4), (2, 5, 4), (2, 5, 4)))
    m_np = _rand(3, 5, seed=7)
    m, tm = _t(m_np, True), torch.tensor(m_np, requires_grad=True)
    F.scaled_dot_product_attention(q, k, v, attn_mask=m).sum().backward()
    torch.nn.functional.scaled_dot_product_attention(tq, tk, tv, attn_mask=tm).sum().backward()
    _close(m.grad, tm.grad, rtol=1e-8, atol=1e-10)


def test_sdpa_enable_gqa_matches_torch():
    torch = _torch()
    (q, k, v), (tq, tk, tv) = _sdpa_pair(torch, ((1, 4, 3, 2), (1, 2, 5, 2), (1, 2, 5, 2)), requires_grad=False)
    _close(F.scaled_dot_product_attention(q, k, v, enable_gqa=True),
           torch.nn.functional.scaled_dot_product_attention(tq, tk, tv, enable_gqa=True), rtol=1e-9)


def test_sdpa_errors():
    q, k, v = (_t(_rand(2, 3, 4, seed=i)) for i in range(3))
    with pytest.raises(RuntimeError, match="dropout probability"):
        F.scaled_dot_product_attention(q, k, v, dropout_p=1.5)
    with pytest.raises(RuntimeError, match="is_causal"):
        F.scaled_dot_product_attention(q, k, v, attn_mask=tg.ones(3, 3, dtype=tg.bool), is_causal=True)
    with pytest.raises(RuntimeError, match="at least 2 dimensional"):
        F.scaled_dot_product_attention(_t(_rand(4)), _t(_rand(4)), _t(_rand(4)))
    with pytest.raises(RuntimeError, match="key's last dim"):
        F.scaled_dot_product_attention(q, _t(_rand(2, 3, 5)), v)
    with pytest.raises(RuntimeError, match="same dtype"):
        F.scaled_dot_product_attention(q, k.float(), v)
    with pytest.raises(RuntimeError):
        F.scaled_dot_product_attention(q, k, v, attn_mask=tg.ones(4, 3, dtype=tg.bool))
    with pytest.raises(NotImplementedError, match=r"\[_fused_attention\]"):
        F.scaled_dot_product_attention(q.long(), k.long(), v.long())


# ----------------------------------------------------------------------------- distances, normalize

def test_cosine_similarity_matches_torch():
    torch = _torch()
    for s1, s2, dim in (((4, 5), (4, 5), 1), ((3, 1, 6), (2, 6), -1), ((5,), (5,), 0)):
        a, b = _rand(*s1, seed=1), _rand(*s2, seed=2)
        x1, x2, t1, t2 = _t(a, True), _t(b, True), torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
        out, tout = F.cosine_similarity(x1, x2, dim=dim), torch.nn.functional.cosine_similarity(t1, t2, dim=dim)
        _close(out, tout, rtol=1e-10)
        out.sum().backward()
        tout.sum().backward()
        _close(x1.grad, t1.grad, rtol=1e-8, atol=1e-12)
        _close(x2.grad, t2.grad, rtol=1e-8, atol=1e-12)
    # A zero vector: the norm is clamped to eps, the result 0.
    z = F.cosine_similarity(_t(np.zeros((1, 3))), _t(np.ones((1, 3))))
    assert z.item() == 0.0


def test_pairwise_distance_matches_torch():
    torch = _torch()
    for s1, s2, p, keepdim in (((4, 5), (4, 5), 2.0, False), ((3, 5), (5,), 1.0, True), ((4, 3), (4, 3), math.inf,
                                                                                         False), ((6,), (6,), 3.0, False)):
        a, b = _rand(*s1, seed=1), _rand(*s2, seed=2)
        x1, x2, t1, t2 = _t(a, True), _t(b, True), torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
        out = F.pairwise_distance(x1, x2, p=p, keepdim=keepdim)
        tout = torch.nn.functional.pairwise_distance(t1, t2, p=p, keepdim=keepdim)
        assert tuple(out.shape) == tuple(tout.shape)
        _close(out, tout, rtol=1e-10)
        out.sum().backward()
        tout.sum().backward()
        _close(x1.grad, t1.grad, rtol=1e-8, atol=1e-12)


def test_normalize_matches_torch():
    torch = _torch()
    a = _rand(3, 4, 5)
    a[0, :, 0] = 0.0  # a zero vector: divided by eps
    for p, dim in ((2.0, 1), (1.0, -1), (math.inf, 0)):
        x, tx = _t(a, True), torch.tensor(a, requires_grad=True)
        out, tout = F.normalize(x, p=p, dim=dim), torch.nn.functional.normalize(tx, p=p, dim=dim)
        _close(out, tout, rtol=1e-10)
        (out * _t(a)).sum().backward()
        (tout * torch.tensor(a)).sum().backward()
        _close(x.grad, tx.grad, rtol=1e-8, atol=1e-12)


# ----------------------------------------------------------------------------- embedding_bag

_BAG_CASES = [
    # (input, offsets, kwargs)
    ([1, 2, 4, 5, 4, 3, 2, 9], [0, 4], {}),
    ([1, 2, 4, 5, 4, 3, 2, 9], [0, 3, 3, 6], {"mode": "sum"}),                    # an empty bag
    ([1, 2, 4, 5, 4, 3, 2, 9], [0, 3, 3, 6], {"mode": "max"}),
    ([1, 2, 4, 5, 4, 3, 2, 9], [0, 2, 5, 8], {"include_last_offset": True, "mode": "mean"}),
    ([1, 2, 4, 5, 4, 3, 2, 9], [0, 4], {"padding_idx": 4}),
    ([1, 2, 4, 5, 4, 3, 2, 9], [0, 4], {"padding_idx": 4, "mode": "max"}),
    ([[1, 2, 4], [4, 3, 9]], None, {"mode": "sum"}),
    ([[1, 2, 4], [4, 3, 9]], None, {"mode": "max"}),
]


@pytest.mark.parametrize("ids, offsets, kwargs", _BAG_CASES)
def test_embedding_bag_matches_torch(ids, offsets, kwargs):
    torch = _torch()
    w_np = _rand(10, 3)
    w, tw = _t(w_np, True), torch.tensor(w_np, requires_grad=True)
    ids_np = np.array(ids)
    off = None if offsets is None else np.array(offsets)
    out = F.embedding_bag(_t(ids_np), w, None if off is None else _t(off), **kwargs)
    tout = torch.nn.functional.embedding_bag(torch.tensor(ids_np), tw, None if off is None else torch.tensor(off),
                                             **kwargs)
    _close(out, tout, rtol=1e-10)
    g = _rand(*tout.shape, seed=3)
    out.backward(_t(g))
    tout.backward(torch.tensor(g))
    _close(w.grad, tw.grad, rtol=1e-10)


def test_embedding_bag_per_sample_weights_matches_torch():
    torch = _torch()
    w_np, psw = _rand(10, 3), _rand(8, seed=4)
    ids, off = np.array([1, 2, 4, 5, 4, 3, 2, 9]), np.array([0, 4])
    w, tw = _t(w_np, True), torch.tensor(w_np, requires_grad=True)
    out = F.embedding_bag(_t(ids), w, _t(off), mode="sum", per_sample_weights=_t(psw))
    tout = torch.nn.functional.embedding_bag(torch.tensor(ids), tw, torch.tensor(off), mode="sum",
                                             per_sample_weights=torch.tensor(psw))
    _close(out, tout, rtol=1e-10)


def test_embedding_bag_errors():
    w = _t(_rand(10, 3))
    with pytest.raises(ValueError, match="mode"):
        F.embedding_bag(_t(np.array([1, 2])), w, _t(np.array([0])), mode="min")
    with pytest.raises(NotImplementedError, match="per_sample_weights"):
        F.embedding_bag(_t(np.array([1, 2])), w, _t(np.array([0])), mode="mean", per_sample_weights=_t(_rand(2)))
    with pytest.raises(ValueError, match="offsets has to be None"):
        F.embedding_bag(_t(np.array([[1, 2]])), w, _t(np.array([0])))
    with pytest.raises(ValueError, match="offsets"):
        F.embedding_bag(_t(np.array([1, 2])), w)
    with pytest.raises(IndexError, match=r"\[embedding_bag\] index 10"):
        F.embedding_bag(_t(np.array([1, 10])), w, _t(np.array([0])))
