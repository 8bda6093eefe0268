"""Views, strides and storage sharing, following PyTorch's tutorial snippets (tensor views,
.stride(), .contiguous(), .untyped_storage()) with NumPy as the reference for values."""
import numpy as np
import pytest

import tensorgen as tg


def ptr(t):
    return t.untyped_storage().data_ptr()


def base():
    """tensor([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]])"""
    return tg.arange(0, 12).view(3, 4)


def np_base():
    return np.arange(12).reshape(3, 4)


# ----------------------------------------------------------------------------- view / reshape
def test_view_shares_storage_and_writes_are_visible():
    x = base()
    v = x.view(4, 3)
    assert v.shape == (4, 3) and v.stride() == (3, 1)
    assert ptr(v) == ptr(x) and v.data_ptr() == x.data_ptr()
    v[0, 0] = 100
    assert x[0, 0].item() == 100
    x[2, 3] = -7
    assert v[3, 2].item() == -7


@pytest.mark.parametrize("shape, expected", [
    ((-1,), (12,)), ((-1, 6), (2, 6)), ((2, -1, 3), (2, 2, 3)), ((12, -1), (12, 1)), ((1, -1, 1), (1, 12, 1)),
])
def test_view_infers_minus_one(shape, expected):
    x = base()
    assert x.view(*shape).shape == expected
    assert x.view(shape).shape == expected
    assert x.reshape(shape).shape == expected
    np.testing.assert_array_equal(x.view(shape).numpy(), np_base().reshape(expected))


@pytest.mark.parametrize("shape", [(-1, -1), (5, -1), (13,), (2, 2)])
def test_view_bad_shape_raises(shape):
    with pytest.raises(RuntimeError, match=r"^\[view\]"):
        base().view(shape)


def test_view_of_transposed_raises_and_reshape_copies():
    x = base()
    t = x.t()
    assert not t.is_contiguous()
    with pytest.raises(RuntimeError, match=r"Use \.reshape"):
        t.view(12)
    r = t.reshape(12)
    np.testing.assert_array_equal(r.numpy(), np_base().T.reshape(12))
    assert ptr(r) != ptr(x)  # a copy: writes do not reach x
    r[0] = 99
    assert x[0, 0].item() == 0
    # reshape of a contiguous tensor is a view
    r2 = x.reshape(2, 6)
    assert ptr(r2) == ptr(x)
    r2[1, 5] = 55
    assert x[2, 3].item() == 55


def test_view_of_viewable_noncontiguous_tensor():
    # Splitting a dim of a transposed tensor needs no copy.
    x = tg.arange(0, 24).view(4, 6).t()  # (6, 4), strides (1, 6)
    v = x.view(2, 3, 4)
    assert v.stride() == (3, 1, 6)
    assert ptr(v) == ptr(x)
    np.testing.assert_array_equal(v.numpy(), np.arange(24).reshape(4, 6).T.reshape(2, 3, 4))


def test_reshape_of_sliced_tensor():
    x = base()[:, ::2]  # (3, 2), strides (4, 2): evenly spaced, so a view with stride 2
    r = x.reshape(6)
    np.testing.assert_array_equal(r.numpy(), np_base()[:, ::2].reshape(6))
    assert r.stride() == (2,) and ptr(r) == ptr(x)
    y = base()[:, :3]  # (3, 3), strides (4, 1): rows have gaps, so a copy
    c = y.reshape(9)
    np.testing.assert_array_equal(c.numpy(), np_base()[:, :3].reshape(9))
    assert c.is_contiguous() and ptr(c) != ptr(y)
    with pytest.raises(RuntimeError, match=r"Use \.reshape"):
        y.view(9)


# ----------------------------------------------------------------------------- transpose, permute
def test_transpose_t_permute_strides():
    x = base()
    assert x.stride() == (4, 1) and x.is_contiguous()
    assert x.t().stride() == (1, 4) and x.t().shape == (4, 3)
    assert x.transpose(0, 1).stride() == (1, 4)
    assert x.transpose(-1, -2).shape == (4, 3)
    y = tg.zeros(2, 3, 4)
    p = y.permute(2, 0, 1)
    assert p.shape == (4, 2, 3) and p.stride() == (1, 12, 4)
    assert y.permute((1, 2, 0)).stride() == (4, 1, 12)
    assert tg.permute(y, (0, 1, 2)).is_contiguous()
    assert ptr(p) == ptr(y)


def test_contiguous_copies_only_when_needed():
    x = base()
    assert x.contiguous() is x  # like PyTorch: already contiguous -> self
    t = x.t()
    c = t.contiguous()
    assert c.is_contiguous() and c.stride() == (3, 1)
    assert ptr(c) != ptr(x)
    np.testing.assert_array_equal(c.numpy(), np_base().T)


def test_t_of_1d_and_0d():
    assert tg.ones(3).t().shape == (3,)
    assert tg.tensor(2.0).t().shape == ()
    with pytest.raises(RuntimeError):
        tg.ones(2, 3, 4).t()


def test_write_through_transpose():
    x = base()
    x.t()[3, 0] = -1
    assert x[0, 3].item() == -1


def test_permute_errors():
    x = tg.ones(2, 3)
    with pytest.raises(RuntimeError, match="repeated dim"):
        x.permute(0, 0)
    with pytest.raises(RuntimeError, match="number of dims"):
        x.permute(0)
    with pytest.raises(IndexError):
        x.permute(0, 2)


# ----------------------------------------------------------------------------- expand
def test_expand_has_stride_zero_and_sees_writes():
    x = tg.tensor([[1], [2], [3]])
    e = x.expand(3, 4)
    assert e.shape == (3, 4) and e.stride() == (1, 0)
    assert ptr(e) == ptr(x)
    np.testing.assert_array_equal(e.numpy(), np.broadcast_to(np.array([[1], [2], [3]]), (3, 4)))
    x[1, 0] = 20
    assert e[1].tolist() == [20, 20, 20, 20]
    assert x.expand(-1, 4).shape == (3, 4)
    e3 = x.expand(2, 3, 4)
    assert e3.shape == (2, 3, 4) and e3.stride() == (0, 1, 0)


def test_expand_as():
    x = tg.tensor([1.0, 2.0, 3.0])
    e = x.expand_as(tg.empty(2, 3))
    assert e.shape == (2, 3) and e.stride() == (0, 1)
    assert e.tolist() == [[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]]


def test_expand_errors():
    with pytest.raises(RuntimeError, match="must match the existing size"):
        tg.ones(3, 2).expand(3, 4)
    with pytest.raises(RuntimeError):
        tg.ones(2).expand(-1, 2)  # -1 in a new leading dim
    with pytest.raises(RuntimeError):
        tg.ones(2, 3).expand(3)  # fewer dims than the tensor


def test_writing_into_expanded_tensor_raises_but_fill_is_fine():
    x = tg.zeros(3, 1)
    e = x.expand(3, 4)
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        e.add_(1)
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        e.copy_(tg.ones(3, 4))
    e.fill_(2)  # idempotent: PyTorch allows it
    assert x.tolist() == [[2.0], [2.0], [2.0]]


# ----------------------------------------------------------------------------- squeeze, unsqueeze, flatten
def test_squeeze_unsqueeze():
    x = tg.zeros(1, 3, 1)
    assert x.squeeze().shape == (3,)
    assert x.squeeze(0).shape == (3, 1)
    assert x.squeeze(1).shape == (1, 3, 1)  # not size 1: unchanged
    assert x.squeeze(-1).shape == (1, 3)
    assert x.squeeze((0, 2)).shape == (3,)
    assert tg.squeeze(x).shape == (3,)
    y = tg.zeros(3)
    assert y.unsqueeze(0).shape == (1, 3) and y.unsqueeze(-1).shape == (3, 1)
    assert y.unsqueeze(1).stride() == (1, 1)
    assert tg.tensor(1.0).unsqueeze(0).shape == (1,)
    assert ptr(x.squeeze()) == ptr(x) and ptr(y.unsqueeze(0)) == ptr(y)
    with pytest.raises(IndexError):
        y.unsqueeze(2)
    with pytest.raises(IndexError):
        x.squeeze(3)


def test_flatten():
    x = tg.arange(0, 24).view(2, 3, 4)
    assert x.flatten().shape == (24,)
    assert x.flatten(1).shape == (2, 12)
    assert x.flatten(0, 1).shape == (6, 4)
    assert x.flatten(-2, -1).shape == (2, 12)
    assert ptr(x.flatten()) == ptr(x)
    assert tg.tensor(5).flatten().shape == (1,)
    # flattening a non-contiguous tensor copies
    f = x.transpose(0, 2).flatten()
    np.testing.assert_array_equal(f.numpy(), np.arange(24).reshape(2, 3, 4).transpose(2, 1, 0).reshape(-1))
    with pytest.raises(RuntimeError):
        x.flatten(2, 0)


# ----------------------------------------------------------------------------- narrow, select, slice
def test_narrow():
    x = base()
    n = x.narrow(1, 1, 2)
    np.testing.assert_array_equal(n.numpy(), np_base()[:, 1:3])
    assert n.storage_offset() == 1 and n.stride() == (4, 1)
    assert ptr(n) == ptr(x)
    assert x.narrow(0, -1, 1).tolist() == [[8, 9, 10, 11]]
    with pytest.raises(RuntimeError):
        x.narrow(1, 3, 2)
    with pytest.raises(RuntimeError):
        x.narrow(0, 1, 2**63 - 1)  # start + length overflows


def test_select():
    x = base()
    s = x.select(1, -1)
    assert s.tolist() == [3, 7, 11] and s.stride() == (4,) and s.storage_offset() == 3
    assert x.select(0, 2).tolist() == [8, 9, 10, 11]
    assert tg.select(x, 0, 1).storage_offset() == 4
    with pytest.raises(IndexError):
        x.select(1, 4)
    with pytest.raises(IndexError):
        x.select(2, 0)


@pytest.mark.parametrize("dim, start, end, step", [
    (0, None, None, 1), (1, 1, None, 2), (1, -3, -1, 1), (0, 1, 3, 1), (1, 10, 20, 1), (1, 0, 4, 3), (0, -100, 100, 2),
])
def test_slice_matches_numpy(dim, start, end, step):
    x = base()
    s = x.slice(dim, start, end, step)
    ref = np_base()[(slice(None),) * dim + (slice(start, end, step),)]
    np.testing.assert_array_equal(s.numpy(), ref)
    assert ptr(s) == ptr(x)


def test_slice_rejects_nonpositive_step():
    with pytest.raises(ValueError):
        base().slice(0, 0, 2, 0)
    with pytest.raises(ValueError):
        base().slice(0, 0, 2, -1)


# ----------------------------------------------------------------------------- as_strided, storage
def test_as_strided():
    x = base()
    a = x.as_strided((2, 2), (1, 2), 1)
    assert a.tolist() == [[1, 3], [2, 4]]
    assert a.stride() == (1, 2) and a.storage_offset() == 1 and ptr(a) == ptr(x)
    # overlapping windows are fine to read
    w = tg.arange(0, 5).as_strided((3, 3), (1, 1))
    assert w.tolist() == [[0, 1, 2], [1, 2, 3], [2, 3, 4]]
    assert tg.as_strided(x, (3,), (5,)).tolist() == [0, 5, 10]


@pytest.mark.parametrize("size, stride, offset", [
    ((2, 2), (1, 20), 1), ((13,), (1,), 0), ((1,), (1,), 12), ((2,), (1,), 2**62), ((3,), (2**62,), 0),
    ((1,), (1,), 2**63 - 1),
])
def test_as_strided_out_of_bounds_raises(size, stride, offset):
    with pytest.raises(RuntimeError, match=r"^\[as_strided\]"):
        base().as_strided(size, stride, offset)


def test_as_strided_bad_arguments_raise():
    x = base()
    with pytest.raises(RuntimeError):
        x.as_strided((2, 2), (1, 2), -1)
    with pytest.raises(RuntimeError):
        x.as_strided((2,), (1, 1))
    with pytest.raises(RuntimeError):
        x.as_strided((-1,), (1,))


def test_storage_is_shared_between_views():
    x = base()
    views = [x.view(12), x.t(), x[1], x[:, 1:], x.narrow(0, 1, 1), x.unsqueeze(0), x.expand(2, 3, 4),
             x.flatten(), x.as_strided((2,), (1,)), x[...], x.permute(1, 0), x.select(1, 2)]
    for v in views:
        assert ptr(v) == ptr(x)
    assert x.untyped_storage().nbytes() == 12 * 8
    assert ptr(x.clone()) != ptr(x)
    assert ptr(x.t().contiguous()) != ptr(x)


def test_storage_offset():
    x = base()
    assert x.storage_offset() == 0
    assert x[1].storage_offset() == 4
    assert x[1:, 2:].storage_offset() == 6
    assert x[2, 3].storage_offset() == 11
    assert x.t()[1].storage_offset() == 1
    assert x[1:].data_ptr() - x.data_ptr() == 4 * x.element_size()


# ----------------------------------------------------------------------------- __getitem__
@pytest.mark.parametrize("index", [
    1, -1, (1, 2), (-1, -4), slice(None), slice(1, None), slice(None, None, 2), (slice(None), 1),
    (slice(None, None, 2), slice(1, None)), (Ellipsis, 1), (1, Ellipsis, 1), (1, Ellipsis), Ellipsis,
    None, (None, 1), (Ellipsis, None), (slice(None), None, slice(1, 3)), (), (slice(5, 10),), slice(-100, 100),
    (slice(2, 1), slice(None)),
])
def test_getitem_matches_numpy(index):
    x = base()
    r = x[index]
    ref = np_base()[index]
    assert r.shape == ref.shape
    np.testing.assert_array_equal(r.numpy(), ref)
    assert ptr(r) == ptr(x)  # basic indexing always gives a view


def test_getitem_int_gives_0d_tensor():
    x = base()
    r = x[1, 2]
    assert r.dim() == 0 and r.item() == 6
    assert x[1][2].item() == 6
    assert x[tg.tensor(1)].tolist() == [4, 5, 6, 7]  # a 0-d integer tensor acts as an int


def test_getitem_advanced_indexing_is_not_silently_basic():
    # x[t] with a 1-d tensor, a list or a bool is advanced indexing (PyTorch): a new leading dim,
    # not x[1]
    x = base()
    for index, shape in ((tg.tensor([1]), [1, 4]), ([1], [1, 4]), (tg.tensor(True), [1, 3, 4]), (True, [1, 3, 4])):
        r = x[index]
        assert list(r.shape) == shape
        assert r.reshape([-1]).tolist() == (x[1] if shape == [1, 4] else x).reshape([-1]).tolist()


def test_getitem_huge_slice_bounds_clamp_like_python():
    x = base()
    assert x[1:2**70].shape == (2, 4)
    assert x[-2**70:1].shape == (1, 4)


def test_getitem_errors():
    x = base()
    with pytest.raises(ValueError):
        x[::-1]
    with pytest.raises(ValueError):
        x[:, ::-2]
    with pytest.raises(IndexError):
        x[3]
    with pytest.raises(IndexError):
        x[-4]
    with pytest.raises(IndexError):
        x[0, 4]
    with pytest.raises(IndexError):
        x[2**63]
    with pytest.raises(IndexError):
        x[1, 2, 3]
    with pytest.raises(IndexError):
        x[..., ...]
    with pytest.raises(IndexError):
        tg.tensor(1.0)[0]
    with pytest.raises(TypeError):
        x[1.5]


# ----------------------------------------------------------------------------- __setitem__
def test_setitem_scalars_and_tensors():
    x = tg.zeros(3, 4)
    ref = np.zeros((3, 4), dtype=np.float32)
    x[1] = 5
    ref[1] = 5
    x[:, 2] = tg.tensor([1.0, 2.0, 3.0])
    ref[:, 2] = [1.0, 2.0, 3.0]
    x[0, ::2] = -1.5
    ref[0, ::2] = -1.5
    x[..., 3] = tg.tensor(7.0)
    ref[..., 3] = 7.0
    x[2:, 1:3] = tg.tensor([8.0, 9.0])  # broadcast over rows
    ref[2:, 1:3] = [8.0, 9.0]
    x[None, 0, 0] = 4
    ref[None, 0, 0] = 4
    np.testing.assert_array_equal(x.numpy(), ref)


def test_setitem_casts_and_writes_through_views():
    x = tg.zeros(2, 3, dtype=tg.int32)
    v = x.t()
    v[2] = tg.tensor([1.7, 2.2])  # float -> int32 truncates, like copy_
    assert x.tolist() == [[0, 0, 1], [0, 0, 2]]
    x[...] = 9
    assert v.tolist() == [[9, 9], [9, 9], [9, 9]]


def test_setitem_errors():
    x = tg.zeros(3, 4)
    with pytest.raises(IndexError):
        x[3] = 1
    with pytest.raises(IndexError):
        x[0, 0, 0] = 1
    with pytest.raises(ValueError):
        x[::-1] = 1
    with pytest.raises(RuntimeError):
        x[0] = tg.ones(5)  # cannot broadcast [5] to [4]
