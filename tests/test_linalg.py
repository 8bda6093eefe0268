"""Linear algebra beyond the op matrix: einsum's equation language (ellipsis placement,
repeated subscripts, implicit outputs, broadcasting, parse errors), gradients of the composites,
tensordot's int dims, tg.linalg, addmm's aliasing and in-place rules, thread-count independence.
The per-op reference, variant, out= and error checks are in tests/test_ops.py (opinfo entries)."""
import numpy as np
import pytest

import tensorgen as tg
from tensorgen.testing import make_tensor
from tensorgen.testing._utils import to_numpy
from _threads import results_for_threads  # tests/ is on sys.path under pytest


def _t(shape, dtype=tg.float64, seed=0, low=-2, high=2):
    return make_tensor(shape, dtype, low=low, high=high, seed=seed)


def _close(result, expected, rtol=1e-12, atol=1e-12):
    np.testing.assert_allclose(to_numpy(result), np.asarray(expected), rtol=rtol, atol=atol)


# ----------------------------------------------------------------------------- einsum: equations

@pytest.mark.parametrize("equation, shapes", [
    ("i...j->j...i", [(2, 3, 4, 5)]),              # ellipsis in the middle, moved
    ("...ij,jk->...ik", [(3, 4), (4, 2)]),         # ellipsis covering no dims
    ("...ij,...jk", [(2, 3, 4), (2, 4, 5)]),       # implicit output keeps '...' first
    ("i...,i...->...", [(3, 2), (3, 2)]),
    ("...,...->...", [(2, 3), (3,)]),              # broadcasting ellipses of different ranks
    ("bA", [(2, 3)]),                               # implicit output: upper case first -> 'Ab'
    ("ba", [(2, 3)]),                               # implicit output sorted: a transpose
    ("iii->i", [(3, 3, 3)]),                        # a label three times
    ("ii,i->i", [(3, 3), (3,)]),
    ("iij->j", [(3, 3, 4)]),
    ("ij,jk,kl,lm->im", [(2, 3), (3, 4), (4, 2), (2, 3)]),
    ("ij,ij,ij->", [(2, 3), (2, 3), (2, 3)]),
    ("i,j,k->ijk", [(2,), (3,), (4,)]),
    (",i->i", [(), (3,)]),                          # a 0-d operand
    ("->", [()]),
    ("ab,bc->", [(2, 0), (0, 3)]),                  # contraction over an empty dim: 0
    ("ij,kl->ijkl", [(2, 3), (1, 2)]),
])
def test_einsum_matches_numpy(equation, shapes):
    ops = [_t(s, seed=i) for i, s in enumerate(shapes)]
    _close(tg.einsum(equation, ops), np.einsum(equation, *[to_numpy(o) for o in ops]))


def test_einsum_takes_operands_as_arguments_too():
    a, b = _t((2, 3)), _t((3, 4), seed=1)
    _close(tg.einsum("ij,jk->ik", a, b), to_numpy(a) @ to_numpy(b))
    _close(tg.einsum("ij,jk->ik", (a, b)), to_numpy(a) @ to_numpy(b))


def test_einsum_sums_ellipsis_dims_missing_from_an_explicit_output():
    a = _t((2, 3, 4))
    _close(tg.einsum("...i->i", [a]), to_numpy(a).sum(axis=(0, 1)))


def test_einsum_broadcasts_size_one_subscripts_like_pytorch():
    a, b = _t((3, 1)), _t((3, 4), seed=1)
    _close(tg.einsum("ij,ij->ij", [a, b]), to_numpy(a) * to_numpy(b))
    _close(tg.einsum("ij,jk->ik", [_t((2, 1)), _t((3, 4), seed=2)]),
           to_numpy(_t((2, 1))).sum(1, keepdims=True) * to_numpy(_t((3, 4), seed=2)).sum(0, keepdims=True))


def test_einsum_keeps_the_operand_dtype():
    a = make_tensor((3, 3), tg.int32, low=-3, high=4, seed=1)
    r = tg.einsum("ii", [a])
    assert r.dtype is tg.int32 and r.item() == int(np.trace(to_numpy(a)))


def test_einsum_diagonal_of_a_view_reads_the_view():
    base = _t((5, 5))
    view = base[1:, 1:]                           # offset and strides of a view
    _close(tg.einsum("ii->i", [view]), np.diagonal(to_numpy(base)[1:, 1:]))
    _close(tg.einsum("ii->i", [base.t()[:3, :3]]), np.diagonal(to_numpy(base).T[:3, :3]))


@pytest.mark.parametrize("equation, shapes, match", [
    ("i..j->ij", [(2, 3)], "not part of any ellipsis"),
    ("...i...->i", [(2, 3)], "more than one ellipsis"),
    ("i->i->i", [(3,)], "invalid subscript '-'"),
    ("i,->i", [(3,)], "fewer operands"),
    ("ij->i", [(2, 3), (3,)], "more operands"),
    ("ijk...->i", [(2, 3)], "is more than the number of dimensions"),
    ("ii->i", [(2, 3)], "subscript i is repeated for operand 0 but the sizes don't match, 2 != 3"),
    ("...i,...i->...", [(2, 3), (4, 3)], "'...'"),
    ("i->j", [(3,)], "output subscript j does not appear"),
    ("i->...i...", [(3,)], "more than one ellipsis"),
    ("i é->i", [(3,)], "invalid subscript"),
])
def test_einsum_errors(equation, shapes, match):
    with pytest.raises(RuntimeError, match=match):
        tg.einsum(equation, [_t(s) for s in shapes])


def test_einsum_needs_an_operand():
    with pytest.raises(RuntimeError, match="at least one operand"):
        tg.einsum("", [])


# ----------------------------------------------------------------------------- gradients of the composites

def _req(*ts):
    return [t.requires_grad_() for t in ts]


@pytest.mark.parametrize("check", ["gradcheck", "gradgradcheck"])
@pytest.mark.parametrize("name, fn, shapes", [
    ("einsum matmul", lambda a, b: tg.einsum("ij,jk->ik", [a, b]), [(2, 3), (3, 4)]),
    ("einsum trace", lambda a: tg.einsum("ii", [a]), [(3, 3)]),
    ("einsum diagonal", lambda a: tg.einsum("iij->ji", [a]), [(3, 3, 2)]),
    ("einsum ellipsis broadcast", lambda a, b: tg.einsum("...ij,...jk->...ik", [a, b]), [(2, 1, 2, 3), (3, 3, 2)]),
    ("einsum three operands", lambda a, b, c: tg.einsum("i,ij,j->", [a, b, c]), [(2,), (2, 3), (3,)]),
    ("outer", tg.outer, [(3,), (2,)]),
    ("kron", tg.kron, [(2, 2), (3,)]),
    ("tensordot", lambda a, b: tg.tensordot(a, b, dims=([0, 2], [1, 0])), [(2, 3, 4), (4, 2, 3)]),
    ("cross", lambda a, b: tg.cross(a, b, dim=0), [(3, 2), (3, 2)]),
    ("linalg.cross broadcast", tg.linalg.cross, [(1, 3), (2, 3)]),
    ("addmm_", lambda s, a, b: (s * 1).addmm_(a, b, beta=0.5, alpha=2), [(2, 3), (2, 4), (4, 3)]),
    ("baddbmm_", lambda s, a, b: (s * 1).baddbmm_(a, b, beta=2), [(2, 2, 3), (2, 2, 4), (2, 4, 3)]),
    ("addmv_", lambda s, a, b: (s * 1).addmv_(a, b, alpha=-1), [(2,), (2, 3), (3,)]),
])
def test_composite_gradients(check, name, fn, shapes):
    inputs = _req(*[_t(s, seed=i) for i, s in enumerate(shapes)])
    assert getattr(tg.autograd, check)(fn, inputs), name


def test_addmm_gradients_match_the_formulas():
    s, a, b = _req(_t((3,)), _t((2, 4), seed=1), _t((4, 3), seed=2))
    tg.addmm(s, a, b, beta=0.5, alpha=3).sum().backward()
    ones = np.ones((2, 3))
    _close(s.grad, 0.5 * ones.sum(0))
    _close(a.grad, 3 * ones @ to_numpy(b).T)
    _close(b.grad, 3 * to_numpy(a).T @ ones)


# ----------------------------------------------------------------------------- tensordot, tg.linalg

@pytest.mark.parametrize("dims", [0, 1, 2, ([1], [0]), (1, 0), [[0, 1], [1, 2]]])
def test_tensordot_dims_forms(dims):
    a, b = _t((3, 2, 2)), _t((2, 2, 4), seed=1)
    if isinstance(dims, list):
        a = _t((2, 4, 3))
    np_dims = dims if not isinstance(dims, tuple) or not isinstance(dims[0], int) else ([dims[0]], [dims[1]])
    _close(tg.tensordot(a, b, dims), np.tensordot(to_numpy(a), to_numpy(b), axes=np_dims), rtol=1e-10, atol=1e-10)


def test_tensordot_broadcasts_a_contracted_dim_of_size_one():
    a, b = _t((3, 1)), _t((4, 2), seed=1)
    _close(tg.tensordot(a, b, ([1], [0])), to_numpy(a) @ to_numpy(b).sum(0, keepdims=True))


def test_linalg_namespace():
    a, b = _t((2, 3)), _t((2, 3), seed=1)
    _close(tg.linalg.cross(a, b), np.cross(to_numpy(a), to_numpy(b)))
    assert "cross" in tg.linalg.__all__


@pytest.mark.parametrize("dtype", ["float64", "float32", "int64", "int32", "float16"])
def test_linalg_cross_direct_and_iterator_paths_agree_with_numpy(dtype):
    """Contiguous operands of the result's shape along the last dim take a loop over triples;
    other layouts (dim 0, transposed, broadcast) the iterator. out= may be an operand itself;
    integers wrap around."""
    rng = np.random.default_rng(5)
    a_np = rng.integers(-9, 9, (5000, 3)).astype(dtype)
    b_np = rng.integers(-9, 9, (5000, 3)).astype(dtype)
    a, b = tg.from_numpy(a_np.copy()), tg.from_numpy(b_np.copy())
    want = np.cross(a_np.astype(np.float64), b_np.astype(np.float64))
    np.testing.assert_array_equal(to_numpy(tg.linalg.cross(a, b)).astype(np.float64), want)
    np.testing.assert_array_equal(to_numpy(tg.cross(a.t(), b.t(), dim=0)).astype(np.float64), want.T)
    np.testing.assert_array_equal(to_numpy(tg.linalg.cross(a, b[:1])).astype(np.float64),
                                  np.cross(a_np.astype(np.float64), b_np[:1].astype(np.float64)))
    tg.linalg.cross(a, b, out=a)
    np.testing.assert_array_equal(to_numpy(a).astype(np.float64), want)
    if dtype == "int64":
        x, y = [2**62, 2**62, 0], [0, 3, 3]

        def wrap(v):
            return (v + 2**63) % 2**64 - 2**63

        want = [wrap(x[1] * y[2] - x[2] * y[1]), wrap(x[2] * y[0] - x[0] * y[2]), wrap(x[0] * y[1] - x[1] * y[0])]
        assert want == [-2**62, 2**62, -2**62]
        assert tg.linalg.cross(tg.tensor([x]), tg.tensor([y])).tolist() == [want]


def test_dot_requires_one_dtype_like_pytorch():
    with pytest.raises(RuntimeError, match=r"\[dot\] expected both vectors to have same dtype, but found float32 and "
                                           r"float64"):
        tg.dot(tg.ones(3), tg.ones(3, dtype=tg.float64))


# ----------------------------------------------------------------------------- addmm aliasing, in place

def test_addmm_out_aliasing_self_reads_self_before_writing():
    x, a, b = _t((3, 3)), _t((3, 3), seed=1), _t((3, 3), seed=2)
    expected = 2 * to_numpy(x) + to_numpy(a) @ to_numpy(b)
    r = tg.addmm(x, a, b, beta=2, out=x)
    assert r is x
    _close(x, expected)
    y = _t((3, 3), seed=3)
    expected = to_numpy(y) + to_numpy(y) @ to_numpy(y).T
    tg.addmm(y, y, y.t(), out=y)
    _close(y, expected)


def test_addmm_inplace_differentiates_through_the_old_self():
    s0, a, b = _req(_t((2, 2)), _t((2, 3), seed=1), _t((3, 2), seed=2))
    s = s0 * 1
    s.addmm_(a, b, beta=3)
    s.sum().backward()
    _close(s0.grad, np.full((2, 2), 3.0))
    with pytest.raises(RuntimeError):
        _t((2, 2)).requires_grad_().addmm_(a.detach(), b.detach())


def test_addmm_beta_zero_ignores_nan_and_inf_in_self():
    s = tg.full((2, 2), float("nan"))
    a, b = _t((2, 3), tg.float32), _t((3, 2), tg.float32, seed=1)
    _close(tg.addmm(s, a, b, beta=0), to_numpy(a) @ to_numpy(b), rtol=1e-6, atol=1e-6)
    _close(tg.addmv(tg.full((2,), float("inf")), a, _t((3,), tg.float32), beta=0),
           to_numpy(a) @ to_numpy(_t((3,), tg.float32)), rtol=1e-6, atol=1e-6)


# ----------------------------------------------------------------------------- threads

@pytest.mark.parametrize("fn", [
    lambda: tg.dot(_t((50001,), tg.float32), _t((50001,), tg.float32, seed=1)),
    lambda: tg.mv(_t((300, 500), tg.float32), _t((500,), tg.float32, seed=1)),
    lambda: tg.mv(_t((500, 300), tg.float32).t(), _t((500,), tg.float32, seed=1)),
    lambda: tg.addmv(_t((300,), tg.float32), _t((300, 500), tg.float32), _t((500,), tg.float32, seed=1), beta=2),
], ids=["dot", "mv", "mv column-major", "addmv"])
def test_results_do_not_depend_on_the_thread_count(fn):
    one, two = results_for_threads(lambda: to_numpy(fn()), (1, 2))
    np.testing.assert_array_equal(one, two)
