"""The Python front ends of issue 9, Part B that are not ops of their own (so not in the OpInfo
matrix): tg.norm / x.norm, tg.linalg.vector_norm / norm / matrix_norm, tg.meshgrid's varargs,
and x.split with an int or a list (split / split.sizes)."""
import numpy as np
import pytest

import tensorgen as tg


def _x(*shape, seed=0):
    return tg.tensor(np.random.default_rng(seed).standard_normal(shape))


def test_norm_matches_numpy():
    x = _x(3, 4)
    a = x.numpy()
    np.testing.assert_allclose(tg.norm(x).item(), np.linalg.norm(a))  # 'fro' over all elements
    np.testing.assert_allclose(x.norm(1).item(), np.abs(a).sum())
    np.testing.assert_allclose(tg.norm(x, 3, dim=1).numpy(), np.linalg.norm(a, 3, axis=1))
    np.testing.assert_allclose(tg.norm(x, "fro", dim=(0, 1), keepdim=True).numpy(),
                               np.linalg.norm(a, "fro", axis=(0, 1), keepdims=True))
    assert tg.norm(x, float("inf")).item() == np.abs(a).max()
    assert tg.norm(x, dtype=tg.float32).dtype == tg.float32


def test_linalg_norms_match_numpy():
    x = _x(2, 3, 4)
    a = x.numpy()
    np.testing.assert_allclose(tg.linalg.vector_norm(x, 0.5, dim=(0, 2)).numpy(),
                               (np.abs(a) ** 0.5).sum(axis=(0, 2)) ** 2)
    np.testing.assert_allclose(tg.linalg.norm(x).item(), np.linalg.norm(a.ravel()))
    np.testing.assert_allclose(tg.linalg.norm(x, dim=1).numpy(), np.linalg.norm(a, axis=1))
    m = a[0]
    for ord in ("fro", 1, -1, float("inf"), float("-inf")):
        np.testing.assert_allclose(tg.linalg.norm(x[0], ord).item(), np.linalg.norm(m, ord), err_msg=str(ord))
        np.testing.assert_allclose(tg.linalg.matrix_norm(x, ord, dim=(2, 0)).numpy(),
                                   np.linalg.norm(a, ord, axis=(2, 0)), err_msg=str(ord))
        np.testing.assert_allclose(tg.linalg.matrix_norm(x, ord, keepdim=True).numpy(),
                                   np.linalg.norm(a, ord, axis=(-2, -1), keepdims=True), err_msg=str(ord))
    with pytest.raises(NotImplementedError, match="SVD"):
        tg.linalg.norm(x[0], "nuc")
    with pytest.raises(RuntimeError, match="1D or 2D"):
        tg.linalg.norm(x, 1)


def test_norm_gradients_every_kind_of_ord():
    # values away from 0 (|x|^(p-1) is singular there for p < 1), both signs
    a = np.random.default_rng(1).uniform(0.5, 2.0, (3, 4)) * np.array([1.0, -1.0, 1.0, -1.0])
    x = tg.tensor(a).requires_grad_(True)
    for p in (0, 1, 1.5, 2, 3, 0.5, -1, float("inf"), float("-inf")):
        assert tg.autograd.gradcheck(lambda t: tg.norm(t, p, dim=1), (x,)), p
        assert tg.autograd.gradgradcheck(lambda t: tg.linalg.vector_norm(t, p, dim=(0, 1)), (x,)), p


def test_meshgrid_varargs_and_list():
    a, b = tg.tensor([1.0, 2.0, 3.0]), tg.tensor([4.0, 5.0])
    for grids in (tg.meshgrid(a, b), tg.meshgrid([a, b]), tg.meshgrid((a, b), indexing="ij")):
        expected = np.meshgrid(a.numpy(), b.numpy(), indexing="ij")
        assert len(grids) == 2
        for g, e in zip(grids, expected):
            np.testing.assert_array_equal(g.numpy(), e)
    xy = tg.meshgrid(a, b, indexing="xy")
    assert tuple(xy[0].shape) == (2, 3)


def test_split_int_or_list():
    x = tg.arange(10).reshape(5, 2)
    assert [tuple(p.shape) for p in x.split(2)] == [(2, 2), (2, 2), (1, 2)]
    assert [tuple(p.shape) for p in x.split([1, 4])] == [(1, 2), (4, 2)]
    assert [tuple(p.shape) for p in tg.split(x, [2, 3], dim=0)] == [(2, 2), (3, 2)]
    assert [tuple(p.shape) for p in tg.split(x, 1, 1)] == [(5, 1), (5, 1)]
    # views of x
    assert x.split(2)[1].untyped_storage().data_ptr() == x.untyped_storage().data_ptr()


def test_split_backward_undefined_pieces_get_zeros():
    x = _x(5, 2).requires_grad_(True)
    a, b, c = x.split(2)
    (b * 3).sum().backward()  # a and c get no gradient
    expected = np.zeros((5, 2))
    expected[2:4] = 3
    np.testing.assert_array_equal(x.grad.numpy(), expected)
