"""Joining and shape ops beyond the op matrix (tests/test_ops.py): cat of many tensors along
every dim, cat's kernel paths and thread counts, the gradients of the composites (cat, stack,
repeat, tile, diag, movedim, unflatten, broadcast_to, tril_/triu_), and that the view ops share
storage with their input."""
import numpy as np
import pytest

import tensorgen as tg
from tensorgen.testing import make_tensor
from tensorgen.testing._utils import to_numpy
from _threads import num_threads  # tests/ is on sys.path under pytest


def _make(shape, dtype=tg.float32, seed=0, noncontiguous=False):
    return make_tensor(shape, dtype, seed=seed, noncontiguous=noncontiguous)


# ----------------------------------------------------------------------------- cat


@pytest.mark.parametrize("dtype", (tg.float32, tg.int64, tg.bool, tg.float16))
@pytest.mark.parametrize("dim", (0, 1, 2, -1))
def test_cat_of_eight_tensors_along_each_dim(dim, dtype):
    base = [3, 4, 5]
    tensors = []
    for i in range(8):
        shape = list(base)
        shape[dim] = i % 4  # sizes 0..3 along dim, including empty pieces
        # every other input non-contiguous: half the pieces take the copy-kernel path
        tensors.append(_make(shape, dtype, seed=i, noncontiguous=bool(i % 2)))
    result = tg.cat(tensors, dim)
    expected = np.concatenate([to_numpy(t) for t in tensors], axis=dim)
    assert result.dtype is dtype and tuple(result.shape) == expected.shape
    np.testing.assert_array_equal(to_numpy(result), expected)


def test_cat_mixed_dtypes_promote_across_all_inputs():
    parts = [_make((2, 3), tg.uint8, seed=1), _make((1, 3), tg.int8, seed=2), _make((3, 3), tg.bool, seed=3)]
    r = tg.cat(parts)
    assert r.dtype is tg.int16
    np.testing.assert_array_equal(to_numpy(r), np.concatenate([to_numpy(p).astype(np.int16) for p in parts]))
    # a skipped 1-d empty tensor still takes part in promotion (PyTorch)
    assert tg.cat([_make((2, 3), tg.int32), tg.empty(0, dtype=tg.float64)]).dtype is tg.float64


@pytest.mark.parametrize("threads", (1, 2))
def test_cat_large_is_the_same_for_any_thread_count(threads):
    with num_threads(threads):
        a, b = _make((300, 700), seed=1), _make((300, 500), seed=2)
        c = _make((600, 700), seed=3)
        np.testing.assert_array_equal(to_numpy(tg.cat([a, b], 1)),
                                      np.concatenate([to_numpy(a), to_numpy(b)], 1))   # rows split across threads
        np.testing.assert_array_equal(to_numpy(tg.cat([a, c], 0)),
                                      np.concatenate([to_numpy(a), to_numpy(c)], 0))   # one row: bytes split


def test_cat_into_non_contiguous_out():
    a, b = _make((3, 2), seed=1), _make((3, 3), seed=2)
    out = tg.empty([5, 3]).t()  # (3, 5), not contiguous: every input goes through the copy kernel
    r = tg.cat([a, b], 1, out=out)
    assert r is out
    np.testing.assert_array_equal(to_numpy(out), np.concatenate([to_numpy(a), to_numpy(b)], 1))


def test_cat_out_casts_to_a_wider_dtype():
    a, b = _make((2, 2), tg.int32, seed=1), _make((1, 2), tg.int32, seed=2)
    out = tg.empty(0, dtype=tg.float64)
    tg.cat([a, b], out=out)
    np.testing.assert_array_equal(to_numpy(out), np.concatenate([to_numpy(a), to_numpy(b)]).astype(np.float64))


# ----------------------------------------------------------------------------- gradients of the composites


def _leaf(shape, seed=0):
    return _make(shape, tg.float64, seed=seed).requires_grad_()


_COMPOSITE_GRADS = [
    ("cat", lambda a, b: tg.cat([a, b, a], 1), [(3, 2), (3, 4)]),
    ("cat of five", lambda a, b: tg.cat([a, b, a, b, a], 0), [(1, 3), (2, 3)]),
    ("cat with a skipped empty", lambda a, e: tg.cat([a, e, a], -1), [(2, 3), (0,)]),
    ("cat of one", lambda a: tg.cat([a], 0), [(2, 3)]),
    ("concat", lambda a, b: tg.concat([a, b], 0), [(2, 3), (1, 3)]),
    ("stack", lambda a, b: tg.stack([a, b, a], 1), [(2, 3), (2, 3)]),
    ("repeat", lambda a: a.repeat([2, 1, 3]), [(2, 3)]),
    ("repeat by ones", lambda a: a.repeat([1, 1]), [(2, 3)]),
    ("tile", lambda a: tg.tile(a, [2]), [(2, 3)]),
    ("diag of a vector", lambda a: tg.diag(a, -1), [(3,)]),
    ("diag of a matrix", lambda a: tg.diag(a, 1), [(3, 4)]),
    ("movedim", lambda a: tg.movedim(a, [0, 2], [2, 0]), [(2, 3, 4)]),
    ("unflatten", lambda a: tg.unflatten(a, 1, [2, -1]), [(3, 4)]),
    ("broadcast_to", lambda a: tg.broadcast_to(a, [2, 3, 4]), [(3, 1)]),
    ("tril_", lambda a: a.clone().tril_(1), [(3, 4)]),
    ("triu_", lambda a: a.clone().triu_(-1), [(2, 3, 3)]),
]


@pytest.mark.parametrize("check", ["gradcheck", "gradgradcheck"])
@pytest.mark.parametrize("name, fn, shapes", _COMPOSITE_GRADS, ids=[c[0] for c in _COMPOSITE_GRADS])
def test_composite_gradients(name, fn, shapes, check):
    inputs = [_leaf(s, seed=i) for i, s in enumerate(shapes)]
    assert getattr(tg.autograd, check)(fn, inputs), f"{check} {name}"


def test_cat_under_autograd_gives_the_kernel_result():
    parts = [_make((2, i + 1), tg.float32, seed=i) for i in range(5)] + [_make((2, 3), tg.int32, seed=9)]
    plain = tg.cat(parts, 1)
    parts[0].requires_grad_()
    recorded = tg.cat(parts, 1)
    assert recorded.requires_grad and recorded.dtype is plain.dtype
    np.testing.assert_array_equal(to_numpy(recorded.detach()), to_numpy(plain))


def test_cat_gradient_of_a_skipped_empty_input_is_empty():
    a, e = _leaf((2, 3)), _leaf((0,), seed=1)
    ga, ge = tg.autograd.grad(tg.cat([a, e, a]).sum(), [a, e])
    np.testing.assert_array_equal(to_numpy(ga), np.full((2, 3), 2.0))
    assert tuple(ge.shape) == (0,)


def test_tril_inplace_without_grad_writes_self():
    x = _make((4, 4), seed=3)
    expected = np.tril(to_numpy(x), -1)
    assert x.tril_(-1) is x
    np.testing.assert_array_equal(to_numpy(x), expected)


# ----------------------------------------------------------------------------- views and copies


def _same_storage(a, b):
    return a.untyped_storage().data_ptr() == b.untyped_storage().data_ptr()


def test_view_ops_share_storage_with_their_input():
    x = _make((3, 4, 5), seed=1)
    views = {
        "diagonal": x.diagonal(1, 0, 2),
        "unflatten": x.unflatten(2, [5, 1]),
        "broadcast_to": x[:, :1].broadcast_to([2, 3, 4, 5]),
        "movedim": x.movedim(0, -1),
        "movedim list": tg.movedim(x, [0, 1], [1, 0]),
    }
    for name, v in views.items():
        assert _same_storage(v, x), f"{name} must be a view"
    # a write through the diagonal view shows in the input
    d = x.diagonal()
    d.fill_(7.0)
    got = to_numpy(x)
    for i in range(3):
        assert (got[i, i, :] == 7.0).all()


def test_copying_ops_return_new_memory():
    x = _make((3, 4), seed=2)
    for name, r in {"repeat by ones": x.repeat([1, 1]), "tile by ones": tg.tile(x, [1]), "cat of one": tg.cat([x]),
                    "diag": tg.diag(x), "flip of nothing": tg.flip(x, []), "roll by 0": tg.roll(x, 0),
                    "tril": tg.tril(x, 10)}.items():
        assert not _same_storage(r, x), f"{name} must not alias its input"


def test_roll_huge_shifts_and_flatten_of_non_contiguous():
    x = _make((5, 7), seed=4)
    for shift in (2 ** 62, -(2 ** 63), 35 * 3 + 1):
        np.testing.assert_array_equal(to_numpy(tg.roll(x, shift)), np.roll(to_numpy(x), shift % 35))
        np.testing.assert_array_equal(to_numpy(tg.roll(x, shift, 1)), np.roll(to_numpy(x), shift % 7, 1))
    t = x.t()
    np.testing.assert_array_equal(to_numpy(tg.roll(t, 3)), np.roll(to_numpy(t), 3))


def test_tril_triu_huge_diagonals():
    x = _make((3, 4), seed=5)
    for k in (2 ** 63 - 1, -(2 ** 63)):
        np.testing.assert_array_equal(to_numpy(tg.tril(x, k)), np.tril(to_numpy(x), max(min(k, 10), -10)))
        np.testing.assert_array_equal(to_numpy(tg.triu(x, k)), np.triu(to_numpy(x), max(min(k, 10), -10)))
    assert tuple(tg.diagonal(x, 2 ** 63 - 1).shape) == (0,)
    assert tuple(tg.diagonal(x, -(2 ** 63)).shape) == (0,)
