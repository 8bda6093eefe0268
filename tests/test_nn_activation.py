"""tg.nn.functional activations, softmax family, dropout and the random fills (issue 10): what the
OpInfo matrix can't express -- PyTorch's F-level API (argument names, defaults, inplace=),
gradients of the composites, reproducibility and thread-count independence of the random ops.
Comparisons with PyTorch skip when torch is not installed; everything else needs only NumPy."""
import math

import numpy as np
import pytest

import tensorgen as tg
import tensorgen.nn.functional as F
from tensorgen.testing._utils import to_numpy
from _threads import results_for_threads  # tests/ is on sys.path under pytest

_rng = np.random.default_rng(7)
# values away from the kinks (0, +-1, +-3, 6, 20) so finite differences stay on one side
_X = _rng.uniform(-4.0, 4.0, size=(3, 5))
_X = np.where(np.min(np.abs(_X[..., None] - np.array([0.0, -1, 1, -3, 3, 0.5])), axis=-1) < 0.05, 0.7, _X)


def _t(a, dtype=tg.float64, grad=False):
    t = tg.tensor(np.asarray(a, dtype=np.float64), dtype=dtype)
    return t.requires_grad_() if grad else t


# ---------------------------------------------------------------- against PyTorch
# (name, kwargs) for F.<name>(x, **kwargs); values and first derivatives compared with torch.
_CASES = [
    ("relu", {}), ("gelu", {}), ("gelu", {"approximate": "tanh"}), ("silu", {}), ("mish", {}),
    ("softplus", {}), ("softplus", {"beta": 2.0, "threshold": 1.5}), ("elu", {}), ("elu", {"alpha": 0.3}),
    ("selu", {}), ("celu", {}), ("celu", {"alpha": 2.5}), ("leaky_relu", {}), ("leaky_relu", {"negative_slope": 0.3}),
    ("hardtanh", {}), ("hardtanh", {"min_val": -2.0, "max_val": 0.5}), ("relu6", {}), ("hardsigmoid", {}),
    ("hardswish", {}), ("logsigmoid", {}), ("softsign", {}), ("tanhshrink", {}), ("threshold", {"threshold": 0.5, "value": -2.0}),
    ("sigmoid", {}), ("tanh", {}), ("glu", {}), ("glu", {"dim": 0}),
    ("softmax", {"dim": 1}), ("log_softmax", {"dim": 0}), ("softmin", {"dim": 1}),
]


def _id(case):
    name, kw = case
    return name + "".join(f"-{k}={v}" for k, v in kw.items())


@pytest.mark.parametrize("case", _CASES, ids=[_id(c) for c in _CASES])
def test_functional_matches_torch_values_and_gradients(case):
    torch = pytest.importorskip("torch", reason="compares with PyTorch's torch.nn.functional")
    name, kw = case
    x_np = _X if name != "glu" or kw.get("dim") != 0 else _rng.uniform(-3, 3, size=(4, 5))
    if name == "glu" and "dim" not in kw:
        x_np = _rng.uniform(-3, 3, size=(3, 6))
    xt = torch.tensor(x_np, dtype=torch.float64, requires_grad=True)
    yt = getattr(torch.nn.functional, name)(xt, **kw)
    (gt,) = torch.autograd.grad(yt.sum() + (yt * yt).sum(), xt)
    x = _t(x_np, grad=True)
    y = getattr(F, name)(x, **kw)
    (g,) = tg.autograd.grad(y.sum() + (y * y).sum(), [x])
    np.testing.assert_allclose(to_numpy(y), yt.detach().numpy(), rtol=1e-12, atol=1e-14)
    # PyTorch's hardsigmoid/hardswish backward multiply by float constants (1/6 as a float) even
    # in float64; tensorgen's are exact, so those two agree to float precision only.
    rtol = 1e-7 if name in ("hardsigmoid", "hardswish") else 1e-10
    np.testing.assert_allclose(to_numpy(g), gt.numpy(), rtol=rtol, atol=1e-12)


@pytest.mark.parametrize("name", ["gelu", "silu", "mish", "softplus", "elu", "selu", "celu", "leaky_relu",
                                  "hardtanh", "relu6", "hardsigmoid", "hardswish", "logsigmoid", "softsign",
                                  "tanhshrink"])
def test_float32_matches_torch(name):
    """The vectorized float32 kernels against PyTorch's, over a wide range incl. nan and +-inf."""
    torch = pytest.importorskip("torch", reason="compares with PyTorch's torch.nn.functional")
    x_np = np.concatenate([np.linspace(-30, 30, 5001, dtype=np.float32),
                           np.array([np.nan, np.inf, -np.inf, 0.0, -0.0], dtype=np.float32)])
    ours = to_numpy(getattr(F, name)(tg.from_numpy(x_np)))
    theirs = getattr(torch.nn.functional, name)(torch.from_numpy(x_np)).numpy()
    if name == "gelu":
        # PyTorch's vectorized float32 gelu(+inf) is nan (its scalar path and float64 give inf);
        # tensorgen gives inf everywhere, the limit x * Phi(x).
        assert ours[x_np == np.inf] == np.inf
        ours, theirs = ours[x_np != np.inf], theirs[x_np != np.inf]
    np.testing.assert_allclose(ours, theirs, rtol=2e-6, atol=2e-6, equal_nan=True)


def test_prelu_matches_torch():
    torch = pytest.importorskip("torch", reason="compares with PyTorch's torch.nn.functional")
    x_np, w_np = _rng.uniform(-2, 2, size=(2, 3, 4)), np.array([0.1, -0.5, 2.0])
    xt, wt = torch.tensor(x_np, requires_grad=True), torch.tensor(w_np, requires_grad=True)
    yt = torch.nn.functional.prelu(xt, wt)
    gxt, gwt = torch.autograd.grad((yt * yt).sum(), (xt, wt))
    x, w = _t(x_np, grad=True), _t(w_np, grad=True)
    y = F.prelu(x, w)
    gx, gw = tg.autograd.grad((y * y).sum(), [x, w])
    np.testing.assert_allclose(to_numpy(y), yt.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(to_numpy(gx), gxt.numpy(), rtol=1e-12)
    np.testing.assert_allclose(to_numpy(gw), gwt.numpy(), rtol=1e-12)


@pytest.mark.parametrize("fn", [F.softmax, F.log_softmax, F.softmin], ids=lambda f: f.__name__)
def test_softmax_family_dtype_argument_matches_torch(fn):
    torch = pytest.importorskip("torch", reason="compares with PyTorch's torch.nn.functional")
    x_np = _rng.uniform(-3, 3, size=(3, 4)).astype(np.float32)
    ours = fn(tg.from_numpy(x_np), dim=1, dtype=tg.float64)
    theirs = getattr(torch.nn.functional, fn.__name__)(torch.from_numpy(x_np), dim=1, dtype=torch.float64)
    assert ours.dtype is tg.float64
    np.testing.assert_allclose(to_numpy(ours), theirs.numpy(), rtol=1e-12)


# ---------------------------------------------------------------- F-level API
def test_softmax_dim_none_uses_the_legacy_rule_with_a_warning():
    x = _t(_X)
    with pytest.warns(UserWarning, match="Implicit dimension"):
        y = F.softmax(x)
    np.testing.assert_allclose(to_numpy(y).sum(axis=1), np.ones(3))  # 2-d input: dim 1


@pytest.mark.parametrize("name, kw", [("relu", {}), ("elu", {"alpha": 0.5}), ("selu", {}), ("celu", {"alpha": 2.0}),
                                      ("leaky_relu", {"negative_slope": 0.2}), ("hardtanh", {}), ("relu6", {}),
                                      ("hardsigmoid", {}), ("hardswish", {}), ("silu", {}), ("mish", {}),
                                      ("threshold", {"threshold": 0.1, "value": 5.0})])
def test_inplace_returns_input_with_the_functional_values(name, kw):
    x = _t(_X * 3)
    expected = to_numpy(getattr(F, name)(x, **kw))
    y = getattr(F, name)(x, inplace=True, **kw)
    assert y is x
    np.testing.assert_allclose(to_numpy(x), expected, rtol=1e-15)


@pytest.mark.parametrize("dtype", [tg.float32, tg.float64, tg.float16, tg.bfloat16])
def test_hardtanh_follows_clamps_scalar_rule(dtype):
    """PyTorch's hardtanh is clamp with Scalar bounds: x wins a tie (hardtanh(-0.0, 0, 1) and
    relu6(-0.0) are -0.0), a NaN x stays NaN, a NaN bound makes every result NaN."""
    x = tg.tensor([-0.0, 0.0, float("nan"), 2.0, -3.0, 7.0], dtype=dtype)
    got = to_numpy(tg.hardtanh(x, 0.0, 1.0).double())
    np.testing.assert_array_equal(np.signbit(got[:2]), [True, False])
    np.testing.assert_array_equal(got[2:], [np.nan, 1.0, 0.0, 1.0])
    assert np.signbit(to_numpy(tg.relu6(x).double())[0])
    assert np.isnan(to_numpy(tg.hardtanh(x, float("nan"), 1.0).double())).all()


@pytest.mark.parametrize("dtype", [tg.uint8, tg.int8, tg.int16, tg.int32, tg.int64])
def test_hardtanh_of_integers_truncates_the_double_clamp(dtype):
    """Integers: trunc(min(max(x, lo), hi)) of the double bounds, which the kernel runs as a clamp
    by the truncated bounds; bounds past the dtype's range clip (and int64 stays exact)."""
    np_dtype = to_numpy(tg.zeros(1, dtype=dtype)).dtype
    info = np.iinfo(np_dtype)
    lowest, highest = max(info.min, -(2**53)), min(info.max, 2**53)  # where the double reference is exact
    a = np.array([lowest, lowest + 1, -3, -1, 0, 1, 2, 3, 100, highest - 1, highest], dtype=np.int64)
    a = np.clip(a, info.min, info.max).astype(np_dtype)
    x = tg.tensor(a)
    for lo, hi in ((-0.5, 2.5), (0, 6), (-2.5, -1.5), (5, 2), (-1e30, 1e30), (info.min - 7.0, 2.0)):
        if info.min == 0 and lo < 0:
            continue  # PyTorch refuses negative limits on unsigned types
        want = np.trunc(np.minimum(np.maximum(a.astype(np.float64), lo), hi)).astype(a.dtype)
        np.testing.assert_array_equal(to_numpy(tg.hardtanh(x, lo, hi)), want, err_msg=f"{lo}, {hi}")
    if dtype is tg.int64:  # beyond 2^53 the values stay exact
        big = tg.tensor([2**62 + 1, -(2**62) - 1])
        np.testing.assert_array_equal(to_numpy(tg.hardtanh(big, -(2**63), 2**63 - 1024)), [2**62 + 1, -(2**62) - 1])


@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16", "float64"])
def test_hardsigmoid_backward_multiplies_by_one_sixth(dtype):
    """grad * (1/6) with the constant rounded to the computing type (float for the half types), as
    PyTorch's kernel (bitwise against it where installed); zero at and beyond +-3 and for NaN self."""
    rng = np.random.default_rng(3)
    g = rng.standard_normal(4099).astype(np.float32)
    x = rng.uniform(-4, 4, 4099).astype(np.float32)
    x[:4] = [-3.0, 3.0, np.nan, 2.999]
    tdt = getattr(tg, dtype)
    gt, xt = tg.tensor(g).to(tdt), tg.tensor(x).to(tdt)
    got = to_numpy(tg.hardsigmoid_backward(gt, xt).to(tg.float64))
    gq, xq = to_numpy(gt.to(tg.float64)), to_numpy(xt.to(tg.float64))
    compute = np.float64 if dtype == "float64" else np.float32
    prod = gq.astype(compute) * (compute(1) / compute(6))
    want = to_numpy(tg.tensor(np.where((xq > -3) & (xq < 3), prod, 0).astype(compute)).to(tdt).to(tg.float64))
    np.testing.assert_array_equal(got, want)
    torch = pytest.importorskip("torch", reason="bitwise comparison with PyTorch needs torch")
    if dtype != "float64":  # PyTorch's double kernel multiplies by the float constant widened
        tt = torch.ops.aten.hardsigmoid_backward(torch.tensor(g).to(getattr(torch, dtype)), torch.tensor(x).to(getattr(torch, dtype)))
        np.testing.assert_array_equal(got, tt.double().numpy())


def test_argument_errors():
    with pytest.raises(ValueError, match="min_val cannot be greater"):
        F.hardtanh(_t(_X), min_val=2.0, max_val=1.0)
    with pytest.raises(RuntimeError, match="approximate"):
        F.gelu(_t(_X), approximate="erf")
    with pytest.raises(RuntimeError, match="even"):
        F.glu(_t(np.ones((2, 3))))
    with pytest.raises(RuntimeError, match="scalars"):
        F.glu(_t(1.0))


# ---------------------------------------------------------------- gradients of the composites
@pytest.mark.parametrize("fn", [
    lambda x: F.selu(x), lambda x: F.celu(x, 1.7), lambda x: F.relu6(x * 2), lambda x: F.glu(x, 0),
    lambda x: F.glu(x.t(), -1), lambda x: F.softmin(x, 1),
], ids=["selu", "celu", "relu6", "glu-dim0", "glu-noncontig", "softmin"])
def test_composite_gradients_and_second_derivatives(fn):
    x = _t(np.concatenate([_X, _X[:1] * 0.5]), grad=True)  # 4 x 5: glu(dim=0) halves 4
    assert tg.autograd.gradcheck(fn, (x,))
    assert tg.autograd.gradgradcheck(fn, (x,))


def test_prelu_gradients_and_second_derivatives():
    x = _t(_X.reshape(3, 5, 1), grad=True)
    w = _t([0.25, -0.5, 1.5, 0.1, 2.0], grad=True)
    assert tg.autograd.gradcheck(F.prelu, (x, w))
    assert tg.autograd.gradgradcheck(F.prelu, (x, w))


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_third_order_through_the_backward_op(approximate):
    """gelu's backward is its own op (fused kernel); its derivative is written with ops, so even
    the derivative of the double backward works (checked on gelu_backward directly)."""
    x, g = _t(_X, grad=True), _t(_rng.uniform(-1, 1, size=(3, 5)), grad=True)
    fn = lambda g, x: tg.gelu_backward(g, x, approximate=approximate)  # noqa: E731
    assert tg.autograd.gradcheck(fn, (g, x))
    assert tg.autograd.gradgradcheck(fn, (g, x))


# ---------------------------------------------------------------- dropout
def test_dropout_p_out_of_range_raises_value_error():
    for f in (F.dropout, F.alpha_dropout, F.dropout1d, F.dropout2d, F.dropout3d, F.feature_alpha_dropout):
        for p in (-0.1, 1.5):
            with pytest.raises(ValueError, match="between 0 and 1"):
                f(_t(np.ones((2, 3, 4, 5, 6))), p, True)
    with pytest.raises(ValueError, match="between 0 and 1"):
        tg.dropout(_t(_X), 2.0, True)   # the op itself checks too


def test_dropout_reproducible_and_independent_of_thread_count():
    x = tg.ones([100_003])

    def seeded_dropout():
        tg.manual_seed(99)
        return to_numpy(F.dropout(x, 0.3))

    outs = results_for_threads(seeded_dropout, (1, 2, 4))
    np.testing.assert_array_equal(outs[0], outs[1])
    np.testing.assert_array_equal(outs[0], outs[2])
    kept = outs[0] != 0
    assert abs(kept.mean() - 0.7) < 6 * math.sqrt(0.21 / kept.size)
    np.testing.assert_allclose(outs[0][kept], 1 / 0.7, rtol=1e-6)


def test_dropout_gradient_is_the_scaled_mask_and_differentiates_twice():
    x = _t(_rng.uniform(-1, 1, size=(50,)), grad=True)
    tg.manual_seed(5)
    y = F.dropout(x, 0.4)
    (g,) = tg.autograd.grad(y.sum(), [x])
    mask = to_numpy(y) != 0
    np.testing.assert_allclose(to_numpy(g), mask / 0.6, rtol=1e-15)

    def fn(x):  # the same noise every call: reseed inside
        tg.manual_seed(5)
        return F.dropout(x, 0.4) * x
    assert tg.autograd.gradcheck(fn, (x,))
    assert tg.autograd.gradgradcheck(fn, (x,))


def test_dropout_eval_and_edge_probabilities():
    x = _t(_X)
    assert to_numpy(F.dropout(x, 0.5, training=False)).tolist() == _X.tolist()
    np.testing.assert_array_equal(to_numpy(F.dropout(x, 0.0)), _X)
    np.testing.assert_array_equal(to_numpy(F.dropout(x, 1.0)), np.zeros_like(_X))
    assert to_numpy(F.alpha_dropout(x, 0.5)).tolist() == _X.tolist()   # alpha_dropout: training=False by default


def test_dropout_inplace_draws_what_the_functional_form_draws():
    x = tg.ones([1000])
    tg.manual_seed(3)
    expected = to_numpy(F.dropout(x, 0.25))
    tg.manual_seed(3)
    y = F.dropout(x, 0.25, inplace=True)
    assert y is x
    np.testing.assert_array_equal(to_numpy(x), expected)


@pytest.mark.parametrize("fn, shape", [(F.dropout1d, (8, 30, 7)), (F.dropout1d, (30, 7)), (F.dropout2d, (8, 30, 3, 3)),
                                       (F.dropout3d, (4, 30, 2, 2, 2)), (F.dropout3d, (30, 2, 2, 2))])
def test_channel_dropout_zeroes_whole_channels(fn, shape):
    x = tg.ones(list(shape))
    tg.manual_seed(11)
    y = to_numpy(fn(x, 0.5))
    assert y.shape == shape
    unbatched_rank = {F.dropout1d: 2, F.dropout2d: 3, F.dropout3d: 4}[fn]
    flat = y.reshape((1,) + shape) if len(shape) == unbatched_rank else y  # (N, C, ...)
    ch = flat.reshape(flat.shape[0], flat.shape[1], -1)
    assert np.all((ch == 0).all(axis=2) | (ch == 2.0).all(axis=2))
    assert 0 < (ch[..., 0] == 0).mean() < 1


def test_channel_dropout_rejects_wrong_ranks():
    with pytest.raises(RuntimeError, match="Expected 2D or 3D input"):
        F.dropout1d(tg.ones([2, 3, 4, 5]))
    with pytest.raises(RuntimeError, match="Expected 4D or 5D input"):
        F.dropout3d(tg.ones([2, 3]))


def test_alpha_dropout_keeps_mean_and_variance():
    tg.manual_seed(0)
    x = tg.randn([200_000])
    y = to_numpy(F.alpha_dropout(x, 0.2, training=True))
    assert abs(y.mean()) < 0.02 and abs(y.std() - 1) < 0.02


# ---------------------------------------------------------------- random fills
def test_uniform_and_normal_fills_match_rand_and_randn():
    """Same generator state, same counters: uniform_ on float32 is rand, normal_ is randn."""
    for dt in (tg.float32, tg.float64):
        tg.manual_seed(21)
        a = tg.rand([1001], dtype=dt)
        tg.manual_seed(21)
        b = tg.empty([1001], dtype=dt).uniform_()
        assert tg.equal(a, b)
        tg.manual_seed(21)
        a = tg.randn([1001], dtype=dt)
        tg.manual_seed(21)
        b = tg.empty([1001], dtype=dt).normal_()
        assert tg.equal(a, b)


@pytest.mark.parametrize("fill", [
    lambda t: t.uniform_(-1, 2), lambda t: t.normal_(1, 3), lambda t: t.bernoulli_(0.3), lambda t: t.exponential_(2.0),
    lambda t: t.geometric_(0.4), lambda t: t.log_normal_(0, 0.5), lambda t: t.cauchy_(), lambda t: t.random_(0, 100),
], ids=["uniform_", "normal_", "bernoulli_", "exponential_", "geometric_", "log_normal_", "cauchy_", "random_"])
def test_fills_do_not_depend_on_thread_count_or_layout(fill):

    def seeded_fill():
        tg.manual_seed(8)
        return to_numpy(fill(tg.empty([300_001], dtype=tg.float64)))

    results = results_for_threads(seeded_fill)
    np.testing.assert_array_equal(results[0], results[1])
    np.testing.assert_array_equal(results[0], results[2])
    # a non-contiguous self takes the values a contiguous one would, in row-major order
    tg.manual_seed(8)
    dense = to_numpy(fill(tg.empty([40, 30], dtype=tg.float64)))
    tg.manual_seed(8)
    t = tg.empty([30, 40], dtype=tg.float64).t()
    np.testing.assert_array_equal(to_numpy(fill(t)), dense)


def test_fill_statistics():
    tg.manual_seed(1)
    n = 200_000
    v = to_numpy(tg.empty([n], dtype=tg.float64).normal_(2.0, 3.0))
    assert abs(v.mean() - 2) < 6 * 3 / math.sqrt(n) and abs(v.std() - 3) < 0.05
    v = to_numpy(tg.empty([n]).exponential_(4.0)).astype(np.float64)
    assert abs(v.mean() - 0.25) < 6 * 0.25 / math.sqrt(n) and v.min() > 0
    v = to_numpy(tg.empty([n], dtype=tg.int64).geometric_(0.25)).astype(np.float64)
    assert abs(v.mean() - 4) < 6 * math.sqrt(0.75 / 0.0625 / n) and v.min() >= 1
    v = to_numpy(tg.empty([n], dtype=tg.float64).uniform_(-3, 5))
    assert v.min() >= -3 and v.max() < 5 and abs(v.mean() - 1) < 6 * 8 / math.sqrt(12 * n)
    v = to_numpy(tg.empty([n], dtype=tg.int32).random_(-5, 5))
    assert set(np.unique(v)) == set(range(-5, 5))


def test_bernoulli_of_probabilities_and_multinomial():
    tg.manual_seed(2)
    p = tg.full([100_000], 0.3, dtype=tg.float64)
    b = to_numpy(tg.bernoulli(p))
    assert abs(b.mean() - 0.3) < 6 * math.sqrt(0.21 / b.size)
    w = tg.tensor([1.0, 0.0, 3.0, 6.0])
    s = to_numpy(tg.multinomial(w, 100_000, replacement=True))
    np.testing.assert_allclose(np.bincount(s, minlength=4) / s.size, [0.1, 0.0, 0.3, 0.6], atol=0.01)
    s = to_numpy(tg.multinomial(tg.tensor([[1.0, 1.0, 1.0, 1e-9], [0.0, 5.0, 5.0, 0.0]]), 2))
    assert len(set(s[0])) == 2 and 3 not in s[0] and set(s[1]) == {1, 2}
    tg.manual_seed(2)
    a = tg.multinomial(w, 50, replacement=True)
    tg.manual_seed(2)
    assert tg.equal(a, tg.multinomial(w, 50, replacement=True))


def test_multinomial_counting_and_binary_search_pick_the_same_categories():
    """Up to 16 categories the inverse CDF counts the entries <= the target, past that it searches:
    16 weights (with zeros among them) and the same weights with a 17th of weight 0 draw the same
    uniforms against the same cumulative sums, so they must pick the same categories."""
    w = np.random.default_rng(4).uniform(0, 1, 16)
    w[[0, 5, 6, 15]] = 0
    picks = []
    for weights in (w, np.append(w, 0.0)):
        tg.manual_seed(11)
        picks.append(to_numpy(tg.multinomial(tg.tensor(weights), 20_000, replacement=True)))
    np.testing.assert_array_equal(picks[0], picks[1])
    assert not np.isin(picks[0], [0, 5, 6, 15]).any() and len(np.unique(picks[0])) == 12


def test_gelu_half_types_round_the_float_evaluation_on_every_pattern():
    """gelu of float16 / bfloat16 takes a cheaper evaluation (ActivationKernel.cpp,
    half_erfc_for_half): over every finite pattern it gives the float32 evaluation's result
    rounded to the dtype but for a handful next to a rounding tie; its derivative likewise."""
    h = np.arange(65536, dtype=np.uint16).view(np.float16)
    h = h[np.isfinite(h)]
    b = (np.arange(65536, dtype=np.uint32) << 16).view(np.float32)
    b = b[np.isfinite(b)]
    for dtype, values in ((tg.float16, h.astype(np.float32)), (tg.bfloat16, b)):
        x32 = tg.from_numpy(values)
        x = x32.to(dtype)
        for name, half, full in (
                ("gelu", F.gelu(x), F.gelu(x32)),
                ("gelu backward", tg.gelu_backward(tg.ones_like(x), x, approximate="none"),
                 tg.gelu_backward(tg.ones_like(x32), x32, approximate="none"))):
            got = half.float().numpy().view(np.uint32)
            want = full.to(dtype).float().numpy().view(np.uint32)
            assert np.count_nonzero(got != want) <= 4, (dtype, name, np.count_nonzero(got != want))
