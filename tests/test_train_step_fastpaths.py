"""The training-step fast paths of issue 11 against the general paths they replace, and
Module.to() keeping parameter identity (so an optimizer built before it keeps working).

- native_batch_norm_backward / native_layer_norm_backward / native_group_norm_backward: the fused kernels (grad mode off, as in
  every backward pass) against the differentiable op composites (taken when a graph is built),
  and bit-identical for 1 and 2 threads; weight and bias in one pass (which=3) with the bits of two,
  and layer norm's input, weight and bias in one pass with the bits of three.
- x.data = y with another dtype / shape: identity, requires_grad and the gradient's new dtype.
- Module.to()/double(): parameters stay the same objects; Adam built before still updates them.
"""
from __future__ import annotations

import numpy as np
import pytest

import tensorgen as tg
import tensorgen.nn as nn
import tensorgen.nn.functional as F


def _t(a, requires_grad=False):
    return tg.from_numpy(np.ascontiguousarray(a)).requires_grad_(requires_grad)


@pytest.fixture
def threads():
    old = tg.get_num_threads()
    yield
    tg.set_num_threads(old)


# ----------------------------------------------------------------------------- fused norm backward

# (N, C, H, W) of the digits CNN's batch norms, an odd plane, a 2-D input and a plane of one pixel
_BN_SHAPES = [(64, 32, 8, 8), (64, 64, 4, 4), (3, 5, 7, 3), (6, 4), (5, 3, 1, 1)]


def _bn_case(shape, dtype, training, seed=0):
    rng = np.random.default_rng(seed)
    x = _t(rng.standard_normal(shape).astype(dtype) * 2 + 1)
    C = shape[1]
    w, b = _t(rng.standard_normal(C).astype(dtype)), _t(rng.standard_normal(C).astype(dtype))
    rm, rv = _t(rng.standard_normal(C).astype(dtype)), _t(rng.uniform(0.5, 2, C).astype(dtype))
    with tg.no_grad():
        _, mean, rstd, _ = tg.native_batch_norm(x, w, b, rm, rv, training, 1e-5)
    g = _t(rng.standard_normal(shape).astype(dtype))
    return g, x, mean, rstd, w


def _fused_matches_composite(backward, x, w, dtype):
    """backward(x, weight, which) with grad mode off (the fused kernel) against the graph-building
    path (an input that requires grad, grad mode on: the op composite), for every gradient."""
    tol = 1e-4 if dtype == np.float32 else 1e-11
    for weight in (w, None):
        for which in (0, 1, 2, 3):
            with tg.no_grad():
                fused = backward(x, weight, which)
            general = backward(x.detach().requires_grad_(), weight, which)
            assert fused.dtype == general.dtype and fused.shape == general.shape
            np.testing.assert_allclose(fused.numpy(), general.detach().numpy(), rtol=tol, atol=tol)


@pytest.mark.parametrize("shape", _BN_SHAPES)
@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_batch_norm_backward_kernel_matches_composite(shape, training, dtype):
    g, x, mean, rstd, w = _bn_case(shape, dtype, training)
    _fused_matches_composite(
        lambda xi, weight, which: tg.native_batch_norm_backward(g, xi, mean, rstd, weight, training, 1e-5, which),
        x, w, dtype)


@pytest.mark.parametrize("shape", [(8, 128, 128), (4, 7), (3, 2, 5, 33), (2, 200)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_layer_norm_backward_kernel_matches_composite(shape, dtype):
    rng = np.random.default_rng(1)
    k = 2 if len(shape) == 4 else 1
    norm = list(shape[-k:])
    x = _t(rng.standard_normal(shape).astype(dtype) * 3 - 1)
    w, b = _t(rng.standard_normal(norm).astype(dtype)), _t(rng.standard_normal(norm).astype(dtype))
    with tg.no_grad():
        _, mean, rstd = tg.native_layer_norm(x, norm, w, b, 1e-5)
    g = _t(rng.standard_normal(shape).astype(dtype))
    _fused_matches_composite(
        lambda xi, weight, which: tg.native_layer_norm_backward(g, xi, norm, mean, rstd, weight, 1e-5, which),
        x, w, dtype)


def _gn_case(shape, groups, dtype, seed=0):
    rng = np.random.default_rng(seed)
    x = _t(rng.standard_normal(shape).astype(dtype) * 3 - 1)
    C = shape[1]
    w, b = _t(rng.standard_normal(C).astype(dtype)), _t(rng.standard_normal(C).astype(dtype))
    with tg.no_grad():
        _, mean, rstd = tg.native_group_norm(x, w, b, groups, 1e-5)
    g = _t(rng.standard_normal(shape).astype(dtype))
    return g, x, mean, rstd, w


# (N, C, H, W) of the benchmark's group norm (scaled down), an odd plane, one group per channel,
# a 2-D input and one group for all channels
@pytest.mark.parametrize("shape,groups", [((4, 16, 16, 16), 4), ((3, 6, 7, 5), 3), ((2, 8, 9), 8), ((5, 6), 2),
                                          ((2, 12, 3, 3), 1)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_group_norm_backward_kernel_matches_composite(shape, groups, dtype):
    g, x, mean, rstd, w = _gn_case(shape, groups, dtype)
    _fused_matches_composite(
        lambda xi, weight, which: tg.native_group_norm_backward(g, xi, mean, rstd, weight, groups, 1e-5, which),
        x, w, dtype)


def test_norm_backward_kernels_do_not_depend_on_the_thread_count(threads):
    g, x, mean, rstd, w = _bn_case((64, 32, 8, 8), np.float32, True, seed=3)
    rng = np.random.default_rng(4)
    lx = _t(rng.standard_normal((8, 128, 128)).astype(np.float32))
    lw = _t(rng.standard_normal(128).astype(np.float32))
    with tg.no_grad():
        _, lmean, lrstd = tg.native_layer_norm(lx, [128], lw, None, 1e-5)
    lg = _t(rng.standard_normal((8, 128, 128)).astype(np.float32))
    gg, gx, gmean, grstd, gw = _gn_case((16, 32, 12, 12), 8, np.float32, seed=5)
    results = []
    for n in (1, 2, 3):
        tg.set_num_threads(n)
        with tg.no_grad():
            results.append([tg.native_batch_norm_backward(g, x, mean, rstd, w, True, 1e-5, i).numpy() for i in range(4)]
                           + [tg.native_layer_norm_backward(lg, lx, [128], lmean, lrstd, lw, 1e-5, i).numpy()
                              for i in range(4)]
                           + [tg.native_group_norm_backward(gg, gx, gmean, grstd, gw, 8, 1e-5, i).numpy()
                              for i in range(4)])
    for other in results[1:]:
        for a, b in zip(results[0], other):
            np.testing.assert_array_equal(a, b)


def _norm_cases():
    """(forward(x, w, b), backward(g, x, w, which) with the forward's statistics, x, w, b) of the
    three norms, with odd sizes (tails in every loop) and more than one 128-row block."""
    rng = np.random.default_rng(7)
    arr = lambda *shape: rng.standard_normal(shape).astype(np.float32)  # noqa: E731
    lx, gx, bx = _t(arr(300, 37)), _t(arr(6, 9, 5, 7)), _t(arr(5, 6, 7, 3))
    with tg.no_grad():
        _, lm, lr = tg.native_layer_norm(lx, [37], None, None, 1e-5)
        _, gm, gr = tg.native_group_norm(gx, None, None, 3, 1e-5)
        _, bm, br, _ = tg.native_batch_norm(bx, None, None, None, None, True, 1e-5)
    return [
        (lambda x, w, b: tg.native_layer_norm(x, [37], w, b, 1e-5)[0],
         lambda g, x, w, i: tg.native_layer_norm_backward(g, x, [37], lm, lr, w, 1e-5, i), lx, arr(37), arr(37)),
        (lambda x, w, b: tg.native_group_norm(x, w, b, 3, 1e-5)[0],
         lambda g, x, w, i: tg.native_group_norm_backward(g, x, gm, gr, w, 3, 1e-5, i), gx, arr(9), arr(9)),
        (lambda x, w, b: tg.native_batch_norm(x, w, b, None, None, True, 1e-5)[0],
         lambda g, x, w, i: tg.native_batch_norm_backward(g, x, bm, br, w, True, 1e-5, i), bx, arr(6), arr(6)),
    ]


@pytest.mark.parametrize("case", range(3), ids=["layer_norm", "group_norm", "batch_norm"])
def test_weight_and_bias_share_one_pass_with_the_same_bits(case):
    """which=3 (derivatives.yaml's shared formula of weight and bias) is the stack of which 1 and 2,
    bit for bit; backward hands each part to its parameter, also when only one of them asks."""
    forward, backward, x, wn, bn = _norm_cases()[case]
    rng = np.random.default_rng(8)
    g = _t(rng.standard_normal(tuple(x.shape)).astype(np.float32))
    with tg.no_grad():
        both = backward(g, x, _t(wn), 3).numpy()
        np.testing.assert_array_equal(both[0], backward(g, x, _t(wn), 1).numpy())
        np.testing.assert_array_equal(both[1], backward(g, x, _t(wn), 2).numpy())
    for w_grad, b_grad in ((True, True), (True, False), (False, True)):
        w, b = _t(wn, w_grad), _t(bn, b_grad)
        forward(x, w, b).backward(g)
        assert (w.grad is not None) == w_grad and (b.grad is not None) == b_grad
        if w_grad:
            np.testing.assert_array_equal(w.grad.numpy(), both[0])
        if b_grad:
            np.testing.assert_array_equal(b.grad.numpy(), both[1])


@pytest.mark.parametrize("shape,k", [((300, 37), 1), ((2, 130, 3, 5), 2), ((257, 64), 1), ((0, 8), 1), ((3, 1), 1)])
@pytest.mark.parametrize("dtype", [tg.float32, tg.float64, tg.bfloat16, tg.float16])
@pytest.mark.parametrize("affine", [True, False])
def test_layer_norm_input_and_parameter_gradients_in_one_pass_have_the_bits_of_three(shape, k, dtype, affine, threads):
    """_layer_norm_backward_all_kernel (the backward of native_layer_norm when the input and a
    parameter want gradients) against the separate kernels, bit for bit, for 1 to 3 threads; and
    backward() hands its three parts to input, weight and bias (also when the weight is None)."""
    rng = np.random.default_rng(9)
    norm = list(shape[-k:])
    arr = lambda *s: _t(rng.standard_normal(s)).to(dtype)  # noqa: E731
    x, g, w, b = arr(*shape), arr(*shape), arr(*norm), arr(*norm)
    weight = w if affine else None
    with tg.no_grad():
        _, mean, rstd = tg.native_layer_norm(x, norm, weight, b, 1e-5)
        separate = [tg._C._layer_norm_backward_kernel(g, x, norm, mean, rstd, weight, i) for i in range(3)]
        for n in (1, 2, 3):
            tg.set_num_threads(n)
            fused = tg._C._layer_norm_backward_all_kernel(g, x, norm, mean, rstd, weight)
            assert len(fused) == 3
            for a, e in zip(fused, separate):
                assert a.shape == e.shape and a.dtype == e.dtype
                np.testing.assert_array_equal(a.float().numpy(), e.float().numpy())
    xr, br = x.detach().requires_grad_(), b.detach().requires_grad_()
    wr = w.detach().requires_grad_() if affine else None
    tg.native_layer_norm(xr, norm, wr, br, 1e-5)[0].backward(g)
    np.testing.assert_array_equal(xr.grad.float().numpy(), separate[0].float().numpy())
    np.testing.assert_array_equal(br.grad.float().numpy(), separate[2].float().numpy())
    if affine:
        np.testing.assert_array_equal(wr.grad.float().numpy(), separate[1].float().numpy())


def test_batch_norm_module_gradients_use_the_fused_kernel_and_match_numpy():
    """F.batch_norm's backward (grad mode off inside the engine) against the closed form."""
    rng = np.random.default_rng(5)
    xn = rng.standard_normal((16, 3, 4, 4))
    gn = rng.standard_normal((16, 3, 4, 4))
    bn = nn.BatchNorm2d(3).double()
    x = _t(xn, True)
    bn(x).backward(_t(gn))
    m = xn.mean(axis=(0, 2, 3), keepdims=True)
    xhat = (xn - m) / np.sqrt(xn.var(axis=(0, 2, 3), keepdims=True) + 1e-5)
    dx = (gn - gn.mean(axis=(0, 2, 3), keepdims=True) - xhat * (gn * xhat).mean(axis=(0, 2, 3), keepdims=True)) \
        / np.sqrt(xn.var(axis=(0, 2, 3), keepdims=True) + 1e-5)
    np.testing.assert_allclose(x.grad.numpy(), dx, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(bn.weight.grad.numpy(), (gn * xhat).sum(axis=(0, 2, 3)), rtol=1e-9)
    np.testing.assert_allclose(bn.bias.grad.numpy(), gn.sum(axis=(0, 2, 3)), rtol=1e-9)


def test_norm_double_backward_still_builds_a_graph():
    rng = np.random.default_rng(6)
    x = _t(rng.standard_normal((4, 3, 2, 2)), True)
    w = _t(rng.uniform(0.5, 2, 3), True)
    assert tg.autograd.gradgradcheck(lambda a, b: F.batch_norm(a, None, None, b, None, True), (x, w))
    y = _t(rng.standard_normal((3, 5)), True)
    lw = _t(rng.standard_normal(5), True)
    assert tg.autograd.gradgradcheck(lambda a, b: F.layer_norm(a, [5], b), (y, lw))


# ----------------------------------------------------------------------------- .data and Module.to()

def test_data_setter_takes_another_dtype_and_shape_keeping_identity():
    p = nn.Parameter(tg.zeros(2))
    (p * 2).sum().backward()  # creates the leaf's gradient accumulator for float32, shape (2,)
    assert p.grad.dtype == tg.float32
    p.grad = None
    p.data = tg.ones(3, 2, dtype=tg.float64)
    assert type(p) is nn.Parameter and p.requires_grad and p.is_leaf
    assert p.dtype == tg.float64 and tuple(p.shape) == (3, 2)
    (p * 3).sum().backward()
    assert p.grad.dtype == tg.float64 and p.grad.tolist() == [[3.0, 3.0]] * 3
    plain = tg.zeros(2)
    plain.data = tg.arange(4, dtype=tg.int32)
    assert plain.dtype == tg.int32 and plain.tolist() == [0, 1, 2, 3]
    with pytest.raises(RuntimeError, match=r"\[data\] data set to a tensor that requires gradients must be floating"):
        p.data = tg.zeros(2, dtype=tg.int64)
    assert p.dtype == tg.float64  # unchanged by the refused assignment
    with pytest.raises(TypeError, match="has to be a tensor"):
        p.data = 1.0


def test_module_to_keeps_parameter_identity_and_optimizer_keeps_updating():
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
    params = list(model.parameters())
    opt = tg.optim.Adam(model.parameters(), lr=0.1)
    model.double()
    assert [id(p) for p in model.parameters()] == [id(p) for p in params]
    assert all(p.dtype == tg.float64 and type(p) is nn.Parameter and p.requires_grad for p in params)
    before = [p.detach().clone() for p in params]
    x = tg.randn(8, 3, dtype=tg.float64)
    model(x).pow(2).mean().backward()
    opt.step()
    assert all(p.grad.dtype == tg.float64 for p in params)
    assert all(not tg.equal(b, p.detach()) for b, p in zip(before, params))
    # the gradient follows its parameter's dtype too
    model.float()
    assert all(p.dtype == tg.float32 and p.grad.dtype == tg.float32 for p in params)


def test_module_to_keeps_tied_parameters_tied_and_converted_once():
    a, b = nn.Linear(2, 2), nn.Linear(2, 2)
    b.weight = a.weight
    seq = nn.Sequential(a, b)
    w = a.weight
    seq.to(tg.float64)
    assert a.weight is w and b.weight is w and w.dtype == tg.float64
    assert len(list(seq.parameters())) == 3


def _ordered_sum(v):
    """NormLossKernel.cpp's ordered_sum: row r into running sum r % 8 in double, in row order, the
    eight sums added pairwise."""
    p = [np.cumsum(v[k::8])[-1] if len(v[k::8]) else 0.0 for k in range(8)]
    return ((p[0] + p[1]) + (p[2] + p[3])) + ((p[4] + p[5]) + (p[6] + p[7]))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("rows", [4096, 40000])
def test_nll_loss_reduced_sums_the_rows_losses_in_order(dtype, rows):
    """nll_loss's mean / sum over at most 32,768 rows is one pass (nll_sums); more rows take the
    general path (per-row losses, then ordered sums). Both must give the bits of the unreduced
    losses and the rows' weights summed in double in row order, with ignored rows counting 0."""
    rng = np.random.default_rng(3)
    C, ignore = 7, 3
    x = tg.tensor(rng.standard_normal((rows, C))).to(getattr(tg, dtype))
    t = rng.integers(0, C, rows)
    w = rng.uniform(0.2, 2.0, C).astype(dtype)
    losses = F.nll_loss(x, tg.tensor(t), weight=tg.tensor(w), ignore_index=ignore, reduction="none").numpy()
    row_w = np.where(t == ignore, 0, w[t]).astype(dtype)
    total, weight = _ordered_sum(losses.astype(np.float64)), _ordered_sum(row_w.astype(np.float64))
    for reduction, want in (("sum", total), ("mean", total / weight)):
        got = F.nll_loss(x, tg.tensor(t), weight=tg.tensor(w), ignore_index=ignore, reduction=reduction).numpy()
        assert got.dtype == np.dtype(dtype)
        assert got.tobytes() == np.array(want, dtype).tobytes(), (reduction, got, want)
    bad = t.copy()
    bad[rows - 2] = C  # the one bad target, past all the good rows: an error, not a read
    with pytest.raises(IndexError, match=r"\[nll_loss\] target 7 is out of bounds"):
        F.nll_loss(x, tg.tensor(bad), reduction="mean")
