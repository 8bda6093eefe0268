"""The variants codegen derives at runtime (beyond the op matrix, tests/test_ops.py): in-place
variants of ops with a meta function (tril_, addmm_), a Tensor[] input under autograd (cat), and
out=(values, indices) of ops whose kernel returns several tensors (sort, topk, kthvalue)."""
import numpy as np
import pytest

import tensorgen as tg
from tensorgen.testing._utils import to_numpy


def _t(shape, seed=0, dtype=tg.float64):
    rng = np.random.default_rng(seed)
    return tg.tensor(rng.standard_normal(shape).tolist(), dtype=dtype)


# ----------------------------------------------------------------------------- in place, from the meta

def test_inplace_with_another_input_in_self_memory_reads_it_first():
    y = _t((3, 3))
    expected = to_numpy(y) + to_numpy(y) @ to_numpy(y).T
    r = y.addmm_(y, y.t())  # mat1 and mat2 share self's memory: computed into a fresh tensor first
    assert r is y
    np.testing.assert_allclose(to_numpy(y), expected, rtol=1e-12)


def test_inplace_result_must_fit_self():
    with pytest.raises(RuntimeError, match=r"\[addmm_\] output with shape \[5\] doesn't match the broadcast shape "
                                           r"\[3, 5\]"):
        _t((5,)).addmm_(_t((3, 4)), _t((4, 5)))
    with pytest.raises(RuntimeError, match=r"\[tril_\] unsupported operation: more than one element"):
        _t((1, 3)).expand([3, 3]).tril_()


def test_inplace_records_one_node():
    x = _t((3, 3)).requires_grad_()
    y = x * 1
    y.tril_()
    assert y.grad_fn.name() == "TrilBackward0"
    y.sum().backward()
    np.testing.assert_array_equal(to_numpy(x.grad), np.tril(np.ones((3, 3))))


# ----------------------------------------------------------------------------- Tensor[] inputs

def test_cat_under_autograd_is_one_node_with_an_edge_per_input():
    a, b = _t((2, 3)).requires_grad_(), _t((1, 3), seed=1)
    c = _t((4, 3), seed=2, dtype=tg.float32).requires_grad_()
    r = tg.cat([a, b, c])
    assert r.grad_fn.name() == "CatBackward0" and r.dtype is tg.float64
    edges = r.grad_fn.next_functions
    assert len(edges) == 3 and edges[1][0] is None  # b does not require grad
    (r * tg.arange(7, dtype=tg.float64).unsqueeze(1)).sum().backward()
    np.testing.assert_array_equal(to_numpy(a.grad), np.repeat([[0.0], [1.0]], 3, 1))
    assert c.grad.dtype is tg.float32  # the gradient of each input in its own dtype
    np.testing.assert_array_equal(to_numpy(c.grad), np.repeat([[3.0], [4.0], [5.0], [6.0]], 3, 1))


def test_cat_out_refuses_inputs_that_require_grad():
    with pytest.raises(RuntimeError, match=r"\[cat\] functions with out=\.\.\. arguments don't support automatic "
                                           r"differentiation"):
        tg.cat([_t((2,)).requires_grad_()], out=tg.empty(0, dtype=tg.float64))
    with tg.no_grad():  # without grad mode nothing is recorded: allowed
        tg.cat([_t((2,)).requires_grad_()], out=tg.empty(0, dtype=tg.float64))


def test_stack_gets_its_gradient_from_cat():
    a, b = _t((2, 3)).requires_grad_(), _t((2, 3), seed=1).requires_grad_()
    assert tg.autograd.gradgradcheck(lambda a, b: tg.stack([a, b, a], 1), [a, b])


# ----------------------------------------------------------------------------- several returns, out=

@pytest.mark.parametrize("name, args", [("sort", (1, True)), ("topk", (2,)), ("kthvalue", (2, 1))])
def test_out_tuple_of_several_returns(name, args):
    x = _t((3, 4), seed=3)
    values, indices = getattr(tg, name)(x, *args)
    vo, io = tg.empty(0, dtype=tg.float64), tg.empty(0, dtype=tg.int64)
    r = getattr(tg, name)(x, *args, out=(vo, io))
    assert r[0] is vo and r[1] is io
    np.testing.assert_array_equal(to_numpy(vo), to_numpy(values))
    np.testing.assert_array_equal(to_numpy(io), to_numpy(indices))
    with pytest.raises(RuntimeError, match=rf"\[{name}\] expected the indices out tensor to have dtype int64"):
        getattr(tg, name)(x, *args, out=(vo, tg.empty(0, dtype=tg.int32)))
    # values in the input's dtype, as PyTorch wants (no cast, even to a wider dtype)
    with pytest.raises(RuntimeError, match=rf"\[{name}\] expected out tensor to have dtype float64, but got float32"):
        getattr(tg, name)(x, *args, out=(tg.empty(0, dtype=tg.float32), io))
