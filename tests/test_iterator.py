"""TensorIterator behaviour seen from Python: broadcasting, output layout, strided operands,
large tensors, mixed dtypes and in-place broadcasting, checked against NumPy."""
import numpy as np
import pytest

import tensorgen as tg
from tensorgen.testing import assert_close
from _threads import results_for_threads  # tests/ is on sys.path under pytest


def rand(shape, seed=0, dtype=np.float32):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def t(a):
    return tg.from_numpy(np.array(a, order="C"))  # np.array keeps 0-d arrays 0-d


# ----------------------------------------------------------------------------- broadcasting
@pytest.mark.parametrize("sa, sb", [
    ((2, 3), (3,)), ((2, 3), (1, 3)), ((2, 1), (1, 3)), ((5, 1, 4), (3, 1)), ((1,), (4, 2, 3)), ((), (2, 3)),
    ((), ()), ((3,), ()), ((0,), (1,)), ((0, 3), (3,)), ((0, 3), (1, 3)), ((2, 0, 3), (2, 1, 1)), ((0,), ()),
    ((1, 1, 1), (2, 3, 4)), ((4, 1, 2, 1), (3, 1, 5)),
])
def test_broadcast_shapes_and_values(sa, sb):
    a, b = rand(sa, 1), rand(sb, 2)
    r = t(a) + t(b)
    assert r.shape == np.broadcast_shapes(sa, sb)
    assert_close(r, a + b)
    r2 = t(b) * t(a)
    assert r2.shape == np.broadcast_shapes(sa, sb)
    assert_close(r2, b * a)


@pytest.mark.parametrize("sa, sb", [((2, 3), (4,)), ((2, 0), (3, 1)), ((3,), (2,)), ((2, 3, 4), (3, 3))])
def test_broadcast_mismatch_raises(sa, sb):
    with pytest.raises(RuntimeError, match=r"^\[add\].*cannot be broadcast"):
        tg.ones(sa) + tg.ones(sb)


def test_zero_size_results():
    r = tg.ones(0, 3) + tg.ones(3)
    assert r.shape == (0, 3) and r.numel() == 0
    assert (tg.ones(2, 0) * 2).shape == (2, 0)
    assert tg.exp(tg.ones(0)).shape == (0,)
    assert (tg.ones(0) == tg.ones(0)).dtype == tg.bool


def test_zero_dim_results():
    r = tg.tensor(2.0) * tg.tensor(3.0)
    assert r.shape == () and r.item() == 6.0
    assert (tg.tensor(1) + 1).shape == ()
    assert tg.neg(tg.tensor(1.5)).item() == -1.5


# ----------------------------------------------------------------------------- output layout
def test_output_of_transposed_inputs_is_transposed():
    a = tg.arange(0, 12).view(3, 4).float()
    r = a.t() + a.t()
    assert r.shape == (4, 3)
    assert r.stride() == (1, 4)  # like PyTorch: same layout as the inputs
    assert r.t().is_contiguous()
    assert_close(r, 2 * np.arange(12, dtype=np.float32).reshape(3, 4).T)
    assert (a.t() * 2).stride() == (1, 4)
    assert tg.exp(a.t()).stride() == (1, 4)


def test_output_of_permuted_input_follows_permutation():
    x = tg.ones(2, 3, 4).permute(2, 0, 1)  # (4, 2, 3), strides (1, 12, 4)
    assert (x * 2).stride() == (1, 12, 4)
    assert (x + x).stride() == (1, 12, 4)


def test_output_of_contiguous_and_expanded_inputs_is_contiguous():
    assert (tg.ones(2, 3) + tg.ones(2, 3)).stride() == (3, 1)
    assert (tg.ones(2, 3) + tg.ones(3)).stride() == (3, 1)
    assert tg.ones(3, 1, 4).expand(3, 5, 4).mul(2).stride() == (20, 4, 1)
    assert (tg.ones(3, 1) + tg.ones(1, 4)).stride() == (4, 1)


def test_mixed_layouts_first_input_wins():
    a = tg.arange(0, 6).view(2, 3).float()
    r = a.t() + a.t().contiguous()
    assert r.stride() == (1, 3)  # the first input's layout decides
    assert_close(r, 2 * np.arange(6, dtype=np.float32).reshape(2, 3).T)


# ----------------------------------------------------------------------------- strided operands
def test_noncontiguous_operands_match_numpy():
    a = rand((6, 8), 3)
    b = rand((8, 6), 4)
    ta, tb = t(a), t(b)
    assert_close(ta[::2, 1::3] + tb.t()[::2, 1::3], a[::2, 1::3] + b.T[::2, 1::3])
    assert_close(ta.t() * tb, a.T * b)
    assert_close(tg.maximum(ta[:, ::2], tb.t()[:, 1::2]), np.maximum(a[:, ::2], b.T[:, 1::2]))
    assert_close(tg.tanh(ta.t()[1:, :5]), np.tanh(a.T[1:, :5]))
    s = ta.select(1, 3)
    assert_close(s - 1, a[:, 3] - 1)


def test_sliced_3d_and_expanded_operands():
    a = rand((4, 5, 6), 5)
    b = rand((5, 1), 6)
    ta = t(a).permute(2, 0, 1)[1:, ::2, 1:4]
    ref = a.transpose(2, 0, 1)[1:, ::2, 1:4]
    tb = t(b).t().expand(2, 5)[:, 1:4]  # (2, 3) with a stride-0 dim
    assert tb.stride() == (0, 1)
    refb = np.broadcast_to(b.T, (2, 5))[:, 1:4]
    assert_close(ta * tb, ref * refb)


def test_storage_offset_operands():
    base = tg.arange(0, 20).float()
    x = base[3:13].view(2, 5)
    y = base[10:].view(2, 5)
    np.testing.assert_array_equal((x + y).numpy(), np.arange(3, 13).reshape(2, 5) + np.arange(10, 20).reshape(2, 5))


# ----------------------------------------------------------------------------- large tensors
@pytest.mark.parametrize("shape", [(100_003,), (317, 411), (7, 129, 67)])
def test_large_tensors_match_numpy(shape):
    a = rand(shape, 7)
    b = rand(shape, 8)
    ta, tb = t(a), t(b)
    assert_close(ta + tb, a + b)
    assert_close(ta * tb - ta, a * b - a)
    assert_close(tg.exp(ta), np.exp(a), rtol=1e-5, atol=1e-6)
    assert_close(ta > tb, a > b)


def test_large_transposed_and_broadcast():
    a = rand((513, 300), 9)
    b = rand((300,), 10)
    ta = t(a)
    assert_close(ta.t() + ta.t(), a.T + a.T)
    assert_close(ta + t(b), a + b)
    assert_close(ta.t() * t(b)[:, None], a.T * b[:, None])
    r = ta.t() + t(a.T.copy())  # one transposed, one contiguous operand
    assert_close(r, 2 * a.T)


def test_large_integer_and_float64():
    a = np.arange(200_000, dtype=np.int64) - 100_000
    ta = t(a)
    np.testing.assert_array_equal((ta * 3 - 7).numpy(), a * 3 - 7)
    np.testing.assert_array_equal((ta // 7).numpy(), a // 7)
    d = np.linspace(-5, 5, 123_457)
    assert_close(tg.sin(t(d)), np.sin(d))


# ----------------------------------------------------------------------------- mixed dtypes
@pytest.mark.parametrize("da, db", [
    (np.int32, np.float32), (np.uint8, np.int8), (np.int16, np.float64), (np.bool_, np.int64), (np.float16, np.float32),
    (np.int8, np.float16),
])
def test_mixed_dtypes_match_numpy(da, db):
    rng = np.random.default_rng(11)
    lo = 0 if da in (np.bool_, np.uint8) else -5
    a = rng.integers(lo, 5, (4, 6)).astype(da)
    b = rng.integers(-3, 4, (6,)).astype(db)
    r = t(a) + t(b)
    assert_close(r, a.astype(np.float64) + b.astype(np.float64))
    m = t(a).t() * t(b)[:, None]
    assert_close(m, a.T.astype(np.float64) * b[:, None].astype(np.float64))


def test_bfloat16_computes_in_float():
    a = tg.tensor([1.0, 2.0, 3.0], dtype=tg.bfloat16)
    r = a * 1.5 + a
    assert r.dtype == tg.bfloat16 and r.tolist() == [2.5, 5.0, 7.5]


# ----------------------------------------------------------------------------- in-place broadcasting
def test_inplace_broadcasts_other_into_self():
    x = tg.ones(2, 3)
    x.add_(tg.tensor([1.0, 2.0, 3.0]))
    assert x.tolist() == [[2.0, 3.0, 4.0], [2.0, 3.0, 4.0]]
    x.mul_(tg.tensor([[2.0], [3.0]]))
    assert x.tolist() == [[4.0, 6.0, 8.0], [6.0, 9.0, 12.0]]
    x.sub_(tg.tensor(1.0))
    assert x.tolist() == [[3.0, 5.0, 7.0], [5.0, 8.0, 11.0]]
    assert x.shape == (2, 3)


@pytest.mark.parametrize("self_shape, other_shape", [((3,), (2, 3)), ((1, 3), (2, 3)), ((), (1,)), ((2, 1), (2, 3))])
def test_inplace_cannot_grow_self(self_shape, other_shape):
    x = tg.ones(self_shape)
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
        x.add_(tg.ones(other_shape))
    assert x.shape == self_shape


def test_inplace_on_noncontiguous_self():
    base = tg.zeros(4, 6)
    v = base[:, ::2].t()  # (3, 4), strides (2, 6)
    v.add_(tg.arange(0, 4).float())
    ref = np.zeros((4, 6), dtype=np.float32)
    ref[:, ::2] += np.arange(4, dtype=np.float32)[:, None]
    np.testing.assert_array_equal(base.numpy(), ref)


def test_inplace_with_aliased_operand():
    x = tg.arange(0, 4).float()
    x.add_(x)
    assert x.tolist() == [0.0, 2.0, 4.0, 6.0]
    # other partially overlaps self: the result would depend on the loop order, so PyTorch
    # refuses it
    y = tg.arange(0, 6).float().view(2, 3)
    with pytest.raises(RuntimeError, match="refer to a single memory location"):
        y.mul_(y[0])
    y.mul_(y[0].clone())
    assert y.tolist() == [[0.0, 1.0, 4.0], [0.0, 4.0, 10.0]]


def test_out_is_resized_and_keeps_strides_when_shape_matches():
    out = tg.zeros(4)
    r = tg.add(tg.ones(2, 3), tg.ones(3), out=out)
    assert r is out and out.shape == (2, 3) and out.tolist() == [[2.0] * 3] * 2
    strided = tg.zeros(2, 6)[:, ::2]
    tg.add(tg.ones(2, 3), 1, out=strided)
    assert strided.stride() == (6, 2) and strided.tolist() == [[2.0] * 3] * 2


# ---------------------------------------------------------------- cache-blocked transposed walk
@pytest.mark.parametrize("shape", [(128, 128), (129, 300), (257, 131), (3, 130, 200), (2, 2, 140, 129)])
def test_blocked_walk_of_transposed_operands(shape):
    """Inputs that disagree on layout are walked in tiles; every element must still be visited
    exactly once, across tile edges, batch dims and thread chunks."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype(np.float32)
    y = rng.standard_normal(shape[:-2] + shape[-2:][::-1]).astype(np.float32)
    tx, ty = tg.from_numpy(x), tg.from_numpy(y).transpose(-1, -2)
    expected = x + np.swapaxes(y, -1, -2)
    np.testing.assert_array_equal((tx + ty).numpy(), expected)
    np.testing.assert_array_equal((ty + tx).numpy(), expected)
    out = tg.empty(shape)
    tg.mul(tx, ty, out=out)
    np.testing.assert_array_equal(out.numpy(), x * np.swapaxes(y, -1, -2))
    np.testing.assert_array_equal(ty.contiguous().numpy(), np.swapaxes(y, -1, -2))
    # a sliced (step 2) transposed view and a broadcast row
    sl = tg.from_numpy(y).transpose(-1, -2)[..., ::2, :]
    row = tg.from_numpy(x[..., :1, :])
    np.testing.assert_array_equal((sl + row).numpy(), np.swapaxes(y, -1, -2)[..., ::2, :] + x[..., :1, :])


# ---------------------------------------------------------------- more than two inputs
# addcmul / addcdiv / lerp.Tensor run one iterator over four operands (out + three inputs).

def _lerp_np(a, b, w):
    return np.where(np.abs(w) < 0.5, a + w * (b - a), b - (b - a) * (1 - w))


@pytest.mark.parametrize("sa, sb, sw", [
    ((2, 3), (3,), (2, 1)), ((4, 1, 5), (3, 1), (5,)), ((), (2, 3), ()), ((1, 4), (3, 1), (1, 1, 1)),
    ((0, 3), (3,), (1,)), ((2, 1, 1, 3), (1, 4, 1), (5, 1, 1, 1, 1)),
])
def test_three_inputs_broadcast_with_and_without_out(sa, sb, sw):
    a, b, w = rand(sa, 1), rand(sb, 2), rand(sw, 3)
    expected = _lerp_np(a.astype(np.float64), b.astype(np.float64), w.astype(np.float64))
    r = tg.lerp(t(a), t(b), t(w))
    assert r.shape == np.broadcast_shapes(sa, sb, sw) and r.dtype is tg.float32
    assert_close(r, expected.astype(np.float32))
    out = tg.empty(0)  # resized to the broadcast shape
    assert tg.lerp(t(a), t(b), t(w), out=out) is out
    np.testing.assert_array_equal(out.numpy(), r.numpy())
    out64 = tg.empty(0, dtype=tg.float64)  # computed in float32, written into the wider out
    tg.lerp(t(a), t(b), t(w), out=out64)
    np.testing.assert_array_equal(out64.numpy(), r.numpy().astype(np.float64))


def test_three_inputs_inplace_broadcasts_the_others_into_self():
    a, b, w = rand((3, 4), 1), rand((4,), 2), rand((3, 1), 3)
    x = t(a)
    ptr = x.data_ptr()
    assert x.lerp_(t(b), t(w)) is x and x.data_ptr() == ptr
    assert_close(x, _lerp_np(a, b, w))
    with pytest.raises(RuntimeError, match=r"\[lerp_\].*doesn't match the broadcast shape"):
        t(rand((3, 1))).lerp_(t(b), t(w))


@pytest.mark.parametrize("shape", [(129, 300), (3, 130, 200)])
def test_three_inputs_with_transposed_and_strided_operands(shape):
    """Operands that disagree on layout (the cache-blocked walk) and step-2 slices give, element
    for element, what the same op gives on contiguous copies."""
    rng = np.random.default_rng(5)
    x = tg.from_numpy(rng.standard_normal(shape).astype(np.float32))
    yt = tg.from_numpy(rng.standard_normal(shape[:-2] + shape[-2:][::-1]).astype(np.float32)).transpose(-1, -2)
    z = tg.from_numpy(rng.standard_normal(shape[:-1] + (2 * shape[-1],)).astype(np.float32))[..., ::2]
    assert not yt.is_contiguous() and not z.is_contiguous()
    for fn in (lambda a, b, c: tg.addcmul(a, b, c, value=0.5), tg.lerp,
               lambda a, b, c: tg.addcdiv(a, b, c.abs() + 1)):
        expected = fn(x.contiguous(), yt.contiguous(), z.contiguous())
        for args in ((x, yt, z), (yt, z, x), (z, x, yt)):
            got = fn(*args)
            ref = fn(*[a.contiguous() for a in args])
            np.testing.assert_array_equal(got.numpy(), ref.numpy())
        np.testing.assert_array_equal(fn(x, yt, z).numpy(), expected.numpy())
    # the output follows the inputs' layout: transposed inputs give a transposed result
    r = tg.lerp(yt, yt * 2, yt + 1)
    assert r.stride() == yt.stride() and (yt * 2).stride() == yt.stride()


def test_three_inputs_results_do_not_depend_on_thread_count():
    rng = np.random.default_rng(6)
    a = tg.from_numpy(rng.standard_normal((301, 517)).astype(np.float32))
    b = tg.from_numpy(rng.standard_normal((517, 301)).astype(np.float32)).t()
    w = tg.from_numpy(rng.standard_normal((517,)).astype(np.float32))
    results = results_for_threads(lambda: [tg.lerp(a, b, w).numpy(), tg.addcmul(a, b, w, value=-2).numpy(),
                                           tg.addcdiv(a, w, b.abs() + 0.5).numpy()])
    for r in results[1:]:
        for got, first in zip(r, results[0]):
            np.testing.assert_array_equal(got, first)


def test_three_inputs_mixed_dtypes_promote_once():
    """addcmul promotes its three operands together (0-d and dimensioned, PyTorch's result_type)."""
    a = np.arange(6, dtype=np.int64).reshape(2, 3)
    b = rand((2, 3), 1, np.float16)
    c = np.array(2.5, dtype=np.float64)  # 0-d: doesn't outrank the float16 tensor
    r = tg.addcmul(t(a), t(b), t(c))
    assert r.dtype is tg.float16
    assert_close(r, (a + b.astype(np.float64) * 2.5).astype(np.float16), rtol=1e-3, atol=1e-2)
    x = t(a)
    with pytest.raises(RuntimeError, match="can't be cast"):
        x.addcmul_(t(b), t(b))  # a float16 result can't go into int64 self
