"""tg.nn.functional normalizations and losses against torch.nn.functional: values, gradients,
running-stat updates, ignore_index / label_smoothing / weight combinations, errors. The NumPy
references and gradcheck/gradgradcheck live in the op matrix (opinfo/nn_norms.py, opinfo/nn_losses.py)."""
import warnings

import numpy as np
import pytest

import tensorgen as tg
import tensorgen.nn.functional as F
from _threads import results_for_threads  # tests/ is on sys.path under pytest

torch = pytest.importorskip("torch", reason="these tests compare with PyTorch, which is not installed")
TF = torch.nn.functional


def _pair(a, requires_grad=False):
    a = np.ascontiguousarray(a)
    return (tg.tensor(a).requires_grad_(requires_grad) if requires_grad else tg.tensor(a),
            torch.tensor(a, requires_grad=requires_grad))


def _close(x, y, tol=1e-5):
    np.testing.assert_allclose(x.detach().numpy() if hasattr(x, "detach") else x.numpy(),
                               y.detach().numpy(), rtol=tol, atol=tol)


RNG = np.random.default_rng(0)


@pytest.mark.parametrize("shape", [(6, 5), (3, 5, 4), (2, 5, 3, 2), (5,)])
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("weight", [False, True])
@pytest.mark.parametrize("ignore_index", [-100, 1])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.25])
def test_cross_entropy_class_indices(shape, reduction, weight, ignore_index, label_smoothing):
    C = shape[0] if len(shape) == 1 else shape[1]
    x = RNG.standard_normal(shape)
    tshape = () if len(shape) == 1 else (shape[0],) + shape[2:]
    t = RNG.integers(0, C, size=tshape)
    w = RNG.uniform(0.2, 2.0, size=C) if weight else None
    xg, xt = _pair(x, True)
    kw = dict(reduction=reduction, ignore_index=ignore_index, label_smoothing=label_smoothing)
    a = F.cross_entropy(xg, tg.tensor(t), weight=None if w is None else tg.tensor(w), **kw)
    b = TF.cross_entropy(xt, torch.tensor(t), weight=None if w is None else torch.tensor(w), **kw)
    _close(a, b, 1e-10)
    ga = RNG.standard_normal(tuple(b.shape))
    a.backward(tg.tensor(ga))
    b.backward(torch.tensor(ga))
    _close(xg.grad, xt.grad, 1e-10)


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.3])
@pytest.mark.parametrize("weight", [False, True])
def test_cross_entropy_probabilities_value_and_both_gradients(reduction, label_smoothing, weight):
    x = RNG.standard_normal((4, 3, 2))
    p = RNG.uniform(0, 1, size=(4, 3, 2))
    w = RNG.uniform(0.2, 2.0, size=3) if weight else None
    xg, xt = _pair(x, True)
    pg, pt = _pair(p, True)
    kw = dict(reduction=reduction, label_smoothing=label_smoothing)
    a = F.cross_entropy(xg, pg, weight=None if w is None else tg.tensor(w), **kw)
    b = TF.cross_entropy(xt, pt, weight=None if w is None else torch.tensor(w), **kw)
    _close(a, b, 1e-10)
    a.sum().backward()
    b.sum().backward()
    _close(xg.grad, xt.grad, 1e-10)
    _close(pg.grad, pt.grad, 1e-10)


def test_cross_entropy_double_backward_matches_torch():
    x = RNG.standard_normal((5, 4))
    t = np.array([0, 3, -100, 2, 1])
    w = RNG.uniform(0.5, 1.5, size=4)
    xg, xt = _pair(x, True)
    a = F.cross_entropy(xg, tg.tensor(t), weight=tg.tensor(w), label_smoothing=0.1)
    b = TF.cross_entropy(xt, torch.tensor(t), weight=torch.tensor(w), label_smoothing=0.1)
    (ga,) = tg.autograd.grad(a, xg, create_graph=True)
    (gb,) = torch.autograd.grad(b, xt, create_graph=True)
    _close(ga, gb, 1e-10)
    (gga,) = tg.autograd.grad((ga * ga).sum(), xg)
    (ggb,) = torch.autograd.grad((gb * gb).sum(), xt)
    _close(gga, ggb, 1e-10)
    f = lambda x: F.cross_entropy(x, tg.tensor(t), weight=tg.tensor(w), label_smoothing=0.1)  # noqa: E731
    assert tg.autograd.gradgradcheck(f, (tg.tensor(x).requires_grad_(),))


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("shape", [(6, 5), (3, 5, 4)])
def test_nll_loss(reduction, shape):
    x = RNG.standard_normal(shape)
    t = RNG.integers(0, shape[1], size=(shape[0],) + shape[2:])
    t.reshape(-1)[0] = 2
    w = RNG.uniform(0.2, 2.0, size=shape[1])
    xg, xt = _pair(x, True)
    a = F.nll_loss(xg, tg.tensor(t), weight=tg.tensor(w), ignore_index=2, reduction=reduction)
    b = TF.nll_loss(xt, torch.tensor(t), weight=torch.tensor(w), ignore_index=2, reduction=reduction)
    _close(a, b, 1e-12)
    a.sum().backward()
    b.sum().backward()
    _close(xg.grad, xt.grad, 1e-12)


def test_loss_errors():
    x = tg.zeros(2, 3)
    with pytest.raises(IndexError, match=r"\[cross_entropy_loss\] target 3 is out of bounds for 3 classes"):
        F.cross_entropy(x, tg.tensor([0, 3]))
    with pytest.raises(IndexError, match=r"\[nll_loss\] target -1"):
        F.nll_loss(x, tg.tensor([-1, 0]))
    with pytest.raises(ValueError, match="not a valid value for reduction"):
        F.cross_entropy(x, tg.tensor([0, 1]), reduction="avg")
    with pytest.raises(ValueError, match="batch_size"):
        F.cross_entropy(x, tg.tensor([0, 1, 2]))
    with pytest.raises(RuntimeError, match="int64"):
        F.nll_loss(x, tg.tensor([0, 1], dtype=tg.int32))


@pytest.mark.parametrize("shape", [(8, 3), (4, 3, 5), (2, 3, 4, 5), (2, 3, 2, 2, 3)])
@pytest.mark.parametrize("affine", [False, True])
def test_batch_norm_training_updates_running_stats(shape, affine):
    x = RNG.standard_normal(shape) * 3 + 1
    w, b = RNG.standard_normal(3), RNG.standard_normal(3)
    xg, xt = _pair(x, True)
    rm_g, rv_g = tg.zeros(3, dtype=tg.float64), tg.ones(3, dtype=tg.float64)
    rm_t, rv_t = torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64)
    wg, wt = _pair(w, True)
    bg, bt = _pair(b, True)
    aff_g = (wg, bg) if affine else (None, None)
    aff_t = (wt, bt) if affine else (None, None)
    for _ in range(2):
        a = F.batch_norm(xg, rm_g, rv_g, *aff_g, training=True, momentum=0.3)
        c = TF.batch_norm(xt, rm_t, rv_t, *aff_t, training=True, momentum=0.3)
    _close(a, c, 1e-10)
    _close(rm_g, rm_t, 1e-12)
    _close(rv_g, rv_t, 1e-12)
    g = RNG.standard_normal(shape)
    a.backward(tg.tensor(g))
    c.backward(torch.tensor(g))
    _close(xg.grad, xt.grad, 1e-9)
    if affine:
        _close(wg.grad, wt.grad, 1e-9)
        _close(bg.grad, bt.grad, 1e-9)


def test_batch_norm_eval_uses_running_stats():
    x = RNG.standard_normal((4, 3, 5))
    rm, rv = RNG.standard_normal(3), RNG.uniform(0.5, 2, 3)
    w = RNG.standard_normal(3)
    xg, xt = _pair(x, True)
    wg, wt = _pair(w, True)
    a = F.batch_norm(xg, tg.tensor(rm), tg.tensor(rv), wg, None, training=False)
    c = TF.batch_norm(xt, torch.tensor(rm), torch.tensor(rv), wt, None, training=False)
    _close(a, c, 1e-12)
    a.sum().backward()
    c.sum().backward()
    _close(xg.grad, xt.grad, 1e-12)
    _close(wg.grad, wt.grad, 1e-12)
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        F.batch_norm(tg.zeros(1, 3), None, None, training=True)


def test_norms_match_torch_with_gradients():
    x = RNG.standard_normal((4, 6, 5))
    cases = [
        (lambda m, x, w, b: m.layer_norm(x, (6, 5), w, b, 1e-5), (6, 5)),
        (lambda m, x, w, b: m.rms_norm(x, (5,), w, 1e-6), (5,)),
        (lambda m, x, w, b: m.group_norm(x, 3, w, b, 1e-5), (6,)),
    ]
    for fn, pshape in cases:
        xg, xt = _pair(x, True)
        w = RNG.standard_normal(pshape)
        wg, wt = _pair(w, True)
        bg, bt = _pair(RNG.standard_normal(pshape), True)
        a, c = fn(F, xg, wg, bg), fn(TF, xt, wt, bt)
        _close(a, c, 1e-10)
        g = RNG.standard_normal(x.shape)
        a.backward(tg.tensor(g))
        c.backward(torch.tensor(g))
        _close(xg.grad, xt.grad, 1e-9)
        _close(wg.grad, wt.grad, 1e-9)


def test_norm_double_backward():
    x = tg.tensor(RNG.standard_normal((3, 4, 2))).requires_grad_()
    w = tg.tensor(RNG.standard_normal(4)).requires_grad_()
    assert tg.autograd.gradgradcheck(lambda x, w: F.batch_norm(x, None, None, w, None, training=True), (x, w))
    assert tg.autograd.gradgradcheck(lambda x, w: F.group_norm(x, 2, w), (x, w))
    assert tg.autograd.gradgradcheck(lambda x: F.rms_norm(x, (2,)), (x,))


@pytest.mark.parametrize("name, kwargs", [
    ("mse_loss", {}), ("l1_loss", {"reduction": "sum"}), ("smooth_l1_loss", {"beta": 0.5}),
    ("huber_loss", {"delta": 0.7}), ("binary_cross_entropy_with_logits", {}),
    ("kl_div", {"reduction": "batchmean"}), ("kl_div", {"log_target": True, "reduction": "sum"}),
])
def test_elementwise_losses(name, kwargs):
    x, y = RNG.standard_normal((4, 5)), RNG.uniform(0.05, 1, (4, 5))
    xg, xt = _pair(x, True)
    a = getattr(F, name)(xg, tg.tensor(y), **kwargs)
    c = getattr(TF, name)(xt, torch.tensor(y), **kwargs)
    _close(a, c, 1e-10)
    a.backward()
    c.backward()
    _close(xg.grad, xt.grad, 1e-10)


def test_binary_cross_entropy_and_pos_weight():
    p, y = RNG.uniform(0.05, 0.95, (3, 4)), RNG.uniform(0, 1, (3, 4))
    w = RNG.uniform(0.5, 2, 4)
    pg, pt = _pair(p, True)
    _close(F.binary_cross_entropy(pg, tg.tensor(y), weight=tg.tensor(w)),
           TF.binary_cross_entropy(pt, torch.tensor(y), weight=torch.tensor(w)), 1e-10)
    x = RNG.standard_normal((3, 4))
    _close(F.binary_cross_entropy_with_logits(tg.tensor(x), tg.tensor(y), pos_weight=tg.tensor(w)),
           TF.binary_cross_entropy_with_logits(torch.tensor(x), torch.tensor(y), pos_weight=torch.tensor(w)), 1e-10)
    with pytest.raises(ValueError):
        F.mse_loss(tg.zeros(2), tg.zeros(2), reduction="bad")


# ---- element-wise losses as generated ops (one fused pass for mean/sum, own backward ops)

def _dense(v):
    """torch's materialized zero gradients are ZeroTensors, which .numpy() refuses."""
    return torch.zeros(v.shape, dtype=v.dtype) + v

# (name, F/TF keyword arguments, makes (input, target) for a shape)
_LOSS_OPS = [
    ("mse_loss", {}, lambda s: (RNG.standard_normal(s), RNG.standard_normal(s))),
    ("l1_loss", {}, lambda s: (RNG.standard_normal(s), RNG.standard_normal(s))),
    ("binary_cross_entropy_with_logits", {}, lambda s: (3 * RNG.standard_normal(s), RNG.uniform(0, 1, s))),
    ("binary_cross_entropy", {}, lambda s: (RNG.uniform(0.02, 0.98, s), RNG.uniform(0, 1, s))),
    ("smooth_l1_loss", {"beta": 0.7}, lambda s: (RNG.standard_normal(s), RNG.standard_normal(s))),
    ("smooth_l1_loss", {"beta": 0.0}, lambda s: (RNG.standard_normal(s), RNG.standard_normal(s))),
    ("huber_loss", {"delta": 0.8}, lambda s: (RNG.standard_normal(s), RNG.standard_normal(s))),
    ("kl_div", {}, lambda s: (RNG.uniform(-4, 0, s), RNG.uniform(0.05, 1, s))),
    ("kl_div", {"log_target": True}, lambda s: (RNG.uniform(-4, 0, s), RNG.uniform(-4, 0, s))),
]
# F functions that refuse a target of another shape (ValueError) instead of broadcasting with a warning
_STRICT_SHAPES = {"binary_cross_entropy_with_logits", "binary_cross_entropy"}
# F functions that broadcast without a size warning
_SILENT_BROADCAST = {"kl_div"}


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("name, kwargs, make", _LOSS_OPS, ids=[c[0] + "".join(f"-{k}={v}" for k, v in c[1].items()) for c in _LOSS_OPS])
def test_elementwise_loss_ops_match_torch(name, kwargs, make, reduction):
    """Values, the gradients for input and target, and (through create_graph) the gradient of a
    function of the input's gradient, against torch."""
    x, y = make((3, 5, 4))
    xg, xt = _pair(x, True)
    yg, yt = _pair(y, True)
    a = getattr(F, name)(xg, yg, reduction=reduction, **kwargs)
    c = getattr(TF, name)(xt, yt, reduction=reduction, **kwargs)
    _close(a, c, 1e-12)
    g = RNG.standard_normal(tuple(c.shape))
    ga = tg.autograd.grad(a, (xg, yg), tg.tensor(g), create_graph=True)
    gc = torch.autograd.grad(c, (xt, yt), torch.tensor(g), create_graph=True)
    for u, v in zip(ga, gc):
        _close(u, v, 1e-12)
    h = RNG.standard_normal(x.shape)
    sc = (gc[0] * torch.tensor(h)).sum()
    if sc.requires_grad:  # torch's gradient has a graph (mse: it is linear in input and target)
        da = tg.autograd.grad((ga[0] * tg.tensor(h)).sum(), (xg, yg), allow_unused=True, materialize_grads=True)
        dc = torch.autograd.grad(sc, (xt, yt), allow_unused=True, materialize_grads=True)
        for u, v in zip(da, dc):  # (bce's second derivative divides by (1 - x) x twice: rounding differs)
            _close(u, _dense(v), 1e-9)
    assert tg.autograd.gradgradcheck(lambda p, q: getattr(F, name)(p, q, reduction=reduction, **kwargs),
                                     (tg.tensor(x[:2, :2]).requires_grad_(), tg.tensor(y[:2, :2]).requires_grad_()))


@pytest.mark.parametrize("name, kwargs, make", _LOSS_OPS, ids=[c[0] + "".join(f"-{k}={v}" for k, v in c[1].items()) for c in _LOSS_OPS])
def test_elementwise_loss_ops_layouts_broadcasting_and_dtypes(name, kwargs, make):
    """Non-contiguous and broadcast operands, an input large enough to span many chunks of the fused
    reduction (float32 summed like torch within float32 rounding), empty inputs, float16."""
    fn, tfn = getattr(F, name), getattr(TF, name)
    x, y = make((6, 8))
    for reduction in ("none", "sum"):  # transposed input, target a column sliced with a step
        a = fn(tg.tensor(x)[:, ::2].t(), tg.tensor(y)[:, 1::2].t(), reduction=reduction, **kwargs)
        c = tfn(torch.tensor(x)[:, ::2].t(), torch.tensor(y)[:, 1::2].t(), reduction=reduction, **kwargs)
        _close(a, c, 1e-12)
    if name not in _STRICT_SHAPES:  # a broadcast target (torch warns, except for kl_div)
        with warnings.catch_warnings(record=True) as tg_warned:
            warnings.simplefilter("always")
            a = fn(tg.tensor(x).t(), tg.tensor(y)[:, :1].t(), **kwargs)
        with warnings.catch_warnings(record=True) as torch_warned:
            warnings.simplefilter("always")
            c = tfn(torch.tensor(x).t(), torch.tensor(y)[:, :1].t(), **kwargs)
        _close(a, c, 1e-12)
        # the size warning (kl_div has none, but warns about reduction='mean' like torch)
        assert [str(w.message)[:20] for w in tg_warned] == [str(w.message)[:20] for w in torch_warned]
    big_x, big_y = make((300, 1000))
    for reduction in ("mean", "sum"):
        a = fn(tg.tensor(big_x, dtype=tg.float32), tg.tensor(big_y, dtype=tg.float32), reduction=reduction, **kwargs)
        c = tfn(torch.tensor(big_x, dtype=torch.float32), torch.tensor(big_y, dtype=torch.float32),
                reduction=reduction, **kwargs)
        assert a.dtype is tg.float32
        np.testing.assert_allclose(a.numpy(), c.numpy(), rtol=1e-5)
    e = tg.zeros((0, 3))
    assert np.isnan(fn(e, e, **kwargs).item()) and fn(e, e, reduction="sum", **kwargs).item() == 0
    assert tuple(fn(e, e, reduction="none", **kwargs).shape) == (0, 3)
    h = fn(tg.tensor(x, dtype=tg.float16), tg.tensor(y, dtype=tg.float16), **kwargs)
    assert h.dtype is tg.float16
    np.testing.assert_allclose(float(h.item()), float(tfn(torch.tensor(x), torch.tensor(y), **kwargs)), rtol=1e-2)


@pytest.mark.parametrize("name, kwargs, make", _LOSS_OPS, ids=[c[0] + "".join(f"-{k}={v}" for k, v in c[1].items()) for c in _LOSS_OPS])
def test_elementwise_loss_ops_do_not_depend_on_the_thread_count(name, kwargs, make):
    x, y = make((500, 300))
    xs, ys = tg.tensor(x, dtype=tg.float32), tg.tensor(y, dtype=tg.float32)
    fn = getattr(F, name)
    one, two = results_for_threads(lambda: fn(xs, ys, reduction="sum", **kwargs).item(), (1, 2))
    assert one == two


@pytest.mark.parametrize("name", sorted({c[0] for c in _LOSS_OPS}))
def test_elementwise_loss_op_errors(name):
    if name in _SILENT_BROADCAST:
        with pytest.raises(RuntimeError, match=rf"\[{name}\]"):
            getattr(F, name)(tg.zeros((2, 3)), tg.zeros((4,)))
    elif name not in _STRICT_SHAPES:
        with pytest.raises(RuntimeError, match=rf"\[{name}\]"):
            with pytest.warns(UserWarning):
                getattr(F, name)(tg.zeros((2, 3)), tg.zeros((4,)))
    else:
        with pytest.raises(ValueError, match="size"):
            getattr(F, name)(tg.zeros((2, 3)), tg.zeros((2, 1)))
    with pytest.raises(RuntimeError, match=rf"\[{name}\]"):
        getattr(tg, name)(tg.zeros((2, 3)), tg.zeros((4,)))
    with pytest.raises(ValueError, match="reduction"):
        getattr(tg, name)(tg.zeros(2), tg.zeros(2), reduction=7)
    with pytest.raises(NotImplementedError, match=rf"\[{name}\]"):
        getattr(tg, name)(tg.zeros(2, dtype=tg.int64), tg.zeros(2, dtype=tg.int64))


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_binary_cross_entropy_with_logits_weights_match_torch(reduction):
    """weight and pos_weight (broadcast over the last dim): values, gradients for input and target,
    and second derivatives through create_graph, against torch; gradgradcheck with the weights fixed."""
    x, y = 4 * RNG.standard_normal((3, 5)), RNG.uniform(0, 1, (3, 5))
    w, pw = RNG.uniform(0.2, 2, (3, 1)), RNG.uniform(0.2, 3, 5)
    for kw in ({"weight": w}, {"pos_weight": pw}, {"weight": w, "pos_weight": pw}):
        xg, xt = _pair(x, True)
        yg, yt = _pair(y, True)
        a = F.binary_cross_entropy_with_logits(xg, yg, reduction=reduction, **{k: tg.tensor(v) for k, v in kw.items()})
        c = TF.binary_cross_entropy_with_logits(xt, yt, reduction=reduction,
                                                **{k: torch.tensor(v) for k, v in kw.items()})
        _close(a, c, 1e-12)
        g = RNG.standard_normal(tuple(c.shape))
        ga = tg.autograd.grad(a, (xg, yg), tg.tensor(g), create_graph=True)
        gc = torch.autograd.grad(c, (xt, yt), torch.tensor(g), create_graph=True)
        for u, v in zip(ga, gc):
            _close(u, v, 1e-12)
        h = RNG.standard_normal(x.shape)
        for k in range(2):  # the gradient of <grad_x, h> and <grad_target, h>
            da = tg.autograd.grad((ga[k] * tg.tensor(h)).sum(), (xg, yg), allow_unused=True, materialize_grads=True)
            dc = torch.autograd.grad((gc[k] * torch.tensor(h)).sum(), (xt, yt), allow_unused=True,
                                     materialize_grads=True)
            for u, v in zip(da, dc):
                _close(u, _dense(v), 1e-10)
        fixed = {k: tg.tensor(v) for k, v in kw.items()}
        assert tg.autograd.gradgradcheck(
            lambda p, q: F.binary_cross_entropy_with_logits(p, q, reduction=reduction, **fixed),
            (tg.tensor(x).requires_grad_(), tg.tensor(y).requires_grad_()))


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_binary_cross_entropy_weight_clamps_and_range_match_torch(reduction):
    """weight (broadcast), inputs at exactly 0 and 1 (logs clamped at -100, gradient through the 1e-12
    epsilon), second derivatives, and PyTorch's RuntimeError for an input outside [0, 1]."""
    p = RNG.uniform(0.05, 0.95, (3, 4))
    p[0, 0], p[1, 2] = 0.0, 1.0
    y, w = RNG.uniform(0, 1, (3, 4)), RNG.uniform(0.5, 2, 4)
    for kw in ({}, {"weight": w}):
        pg, pt = _pair(p, True)
        yg, yt = _pair(y, True)
        a = F.binary_cross_entropy(pg, yg, reduction=reduction, **{k: tg.tensor(v) for k, v in kw.items()})
        c = TF.binary_cross_entropy(pt, yt, reduction=reduction, **{k: torch.tensor(v) for k, v in kw.items()})
        _close(a, c, 1e-10)
        g = RNG.standard_normal(tuple(c.shape))
        ga = tg.autograd.grad(a, (pg, yg), tg.tensor(g), create_graph=True)
        gc = torch.autograd.grad(c, (pt, yt), torch.tensor(g), create_graph=True)
        _close(ga[0], gc[0], 1e-10)
        inner = (slice(2, 3), slice(None))  # the target gradient is -logit(p): +-inf at p = 0 and 1
        _close(ga[1][inner], gc[1][inner], 1e-10)
        h = RNG.standard_normal(p.shape)
        q = RNG.uniform(0.1, 0.9, (3, 4))
        qg, qt = _pair(q, True)
        yg2, yt2 = _pair(y, True)
        a2 = F.binary_cross_entropy(qg, yg2, reduction=reduction, **{k: tg.tensor(v) for k, v in kw.items()})
        c2 = TF.binary_cross_entropy(qt, yt2, reduction=reduction, **{k: torch.tensor(v) for k, v in kw.items()})
        ga2 = tg.autograd.grad(a2, (qg, yg2), tg.tensor(g), create_graph=True)
        gc2 = torch.autograd.grad(c2, (qt, yt2), torch.tensor(g), create_graph=True)
        for k in range(2):
            da = tg.autograd.grad((ga2[k] * tg.tensor(h)).sum(), (qg, yg2), allow_unused=True, materialize_grads=True)
            dc = torch.autograd.grad((gc2[k] * torch.tensor(h)).sum(), (qt, yt2), allow_unused=True,
                                     materialize_grads=True)
            for u, v in zip(da, dc):
                _close(u, _dense(v), 1e-9)
        fixed = {k: tg.tensor(v) for k, v in kw.items()}
        assert tg.autograd.gradgradcheck(lambda a_, b_: F.binary_cross_entropy(a_, b_, reduction=reduction, **fixed),
                                         (tg.tensor(q).requires_grad_(), tg.tensor(y).requires_grad_()))
    for bad in ([0.5, 1.5], [-0.25, 0.5], [float("nan"), 0.5]):
        with pytest.raises(RuntimeError, match="between 0 and 1"):
            F.binary_cross_entropy(tg.tensor(bad), tg.tensor([0.0, 1.0]), reduction=reduction)
        with pytest.raises(RuntimeError):
            TF.binary_cross_entropy(torch.tensor(bad), torch.tensor([0.0, 1.0]), reduction=reduction)


def test_smooth_l1_and_huber_parameters_like_torch():
    x, y = tg.zeros(3), tg.ones(3)
    with pytest.raises(RuntimeError, match="beta"):
        F.smooth_l1_loss(x, y, beta=-1.0)
    with pytest.raises(RuntimeError):
        TF.smooth_l1_loss(torch.zeros(3), torch.ones(3), beta=-1.0)
    for delta in (0.0, -1.0):
        with pytest.raises(RuntimeError, match="delta"):
            F.huber_loss(x, y, delta=delta)
        with pytest.raises(RuntimeError):
            TF.huber_loss(torch.zeros(3), torch.ones(3), delta=delta)
    # at the kinks |x - y| = beta / delta: the linear side, like torch
    d = np.array([-1.5, -0.7, 0.0, 0.7, 1.5])
    for name, kw in (("smooth_l1_loss", {"beta": 0.7}), ("huber_loss", {"delta": 0.7}), ("smooth_l1_loss", {"beta": 0.0})):
        xg, xt = _pair(d, True)
        a = getattr(F, name)(xg, tg.zeros(5, dtype=tg.float64), reduction="sum", **kw)
        c = getattr(TF, name)(xt, torch.zeros(5, dtype=torch.float64), reduction="sum", **kw)
        _close(a, c, 1e-12)
        a.backward()
        c.backward()
        _close(xg.grad, xt.grad, 1e-12)


@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_batchmean_and_zero_targets_like_torch(log_target):
    x = np.log(RNG.dirichlet(np.ones(5), size=4))
    y = np.log(RNG.dirichlet(np.ones(5), size=4)) if log_target else RNG.dirichlet(np.ones(5), size=4)
    if not log_target:
        y[0, 1] = 0.0  # xlogy(0, 0) = 0
    xg, xt = _pair(x, True)
    a = F.kl_div(xg, tg.tensor(y), reduction="batchmean", log_target=log_target)
    c = TF.kl_div(xt, torch.tensor(y), reduction="batchmean", log_target=log_target)
    _close(a, c, 1e-12)
    a.backward()
    c.backward()
    _close(xg.grad, xt.grad, 1e-12)
