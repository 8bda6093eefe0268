"""tg.nn layers: outputs and gradients against NumPy references or closed forms, PyTorch's default
initialisation, train/eval behaviour, bad input; and (when PyTorch is installed) the same layer
with the same weights compared with torch.nn, outputs and gradients."""
import math
import warnings

import numpy as np
import pytest

import tensorgen as tg
from tensorgen import nn


def _np(t):
    return t.detach().numpy()


def _t(a, requires_grad=False):
    return tg.tensor(np.asarray(a), requires_grad=requires_grad)


def _rng(seed=0):
    return np.random.default_rng(seed)


def _randn(*shape, seed=0, dtype=np.float64):
    return _rng(seed).standard_normal(shape).astype(dtype)


def _torch():
    return pytest.importorskip("torch", reason="compares with PyTorch's torch.nn (same weights)")


def _copy_from_torch(tg_module, torch_module):
    """Loads torch_module's state dict into tg_module (so both compute with the same weights)."""
    sd = {k: tg.tensor(v.detach().cpu().numpy()) for k, v in torch_module.state_dict().items()}
    tg_module.load_state_dict(sd)


def _compare_with_torch(make, x_shapes, *, dtype="float64", train=False, rtol=1e-6, atol=1e-8, seed=0,
                        call=lambda m, *xs: m(*xs)):
    """Builds the layer in both libraries (make(lib)), copies torch's weights into ours, and
    compares outputs, input gradients and parameter gradients."""
    torch = _torch()
    ours, theirs = make(nn), make(torch.nn)
    if dtype == "float64":
        ours.double()
        theirs.double()
    _copy_from_torch(ours, theirs)
    ours.train(train)
    theirs.train(train)
    xs = [_randn(*s, seed=seed + i) for i, s in enumerate(x_shapes)]
    txs = [torch.tensor(x, requires_grad=True) for x in xs]
    gxs = [_t(x, requires_grad=True) for x in xs]
    t_out = call(theirs, *txs)
    g_out = call(ours, *gxs)
    t_main = t_out[0] if isinstance(t_out, tuple) else t_out
    g_main = g_out[0] if isinstance(g_out, tuple) else g_out
    np.testing.assert_allclose(_np(g_main), t_main.detach().numpy(), rtol=rtol, atol=atol)
    w = _randn(*t_main.shape, seed=99)
    (t_main * torch.tensor(w)).sum().backward()
    (g_main * _t(w)).sum().backward()
    for gx, tx in zip(gxs, txs):
        np.testing.assert_allclose(_np(gx.grad), tx.grad.numpy(), rtol=rtol * 10, atol=atol * 10)
    t_params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        tp = t_params[name]
        if tp.grad is None:
            assert p.grad is None or not np.any(_np(p.grad)), name
            continue
        np.testing.assert_allclose(_np(p.grad), tp.grad.numpy(), rtol=rtol * 10, atol=atol * 10, err_msg=name)
    return g_out, t_out


# ==================================================================================== activations
def _np_softmax(x, dim):
    e = np.exp(x - x.max(dim, keepdims=True))
    return e / e.sum(dim, keepdims=True)


def _gelu(x):
    from math import erf
    return x * 0.5 * (1 + np.vectorize(erf)(x / math.sqrt(2)))


def _softplus(x, beta=1.0, threshold=20.0):
    return np.where(x * beta > threshold, x, np.log1p(np.exp(beta * x)) / beta)


SELU_ALPHA, SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946

ACTIVATIONS = [
    ("ReLU", lambda: nn.ReLU(), lambda x: np.maximum(x, 0)),
    ("Sigmoid", lambda: nn.Sigmoid(), lambda x: 1 / (1 + np.exp(-x))),
    ("Tanh", lambda: nn.Tanh(), np.tanh),
    ("Softmax", lambda: nn.Softmax(dim=1), lambda x: _np_softmax(x, 1)),
    ("LogSoftmax", lambda: nn.LogSoftmax(dim=-1), lambda x: np.log(_np_softmax(x, -1))),
    ("Softmin", lambda: nn.Softmin(dim=0), lambda x: _np_softmax(-x, 0)),
    ("GELU", lambda: nn.GELU(), _gelu),
    ("GELU-tanh", lambda: nn.GELU("tanh"),
     lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))),
    ("SiLU", lambda: nn.SiLU(), lambda x: x / (1 + np.exp(-x))),
    ("Mish", lambda: nn.Mish(), lambda x: x * np.tanh(_softplus(x))),
    ("Softplus", lambda: nn.Softplus(beta=2.0, threshold=3.0), lambda x: _softplus(x, 2.0, 3.0)),
    ("ELU", lambda: nn.ELU(alpha=0.7), lambda x: np.where(x > 0, x, 0.7 * np.expm1(x))),
    ("SELU", lambda: nn.SELU(), lambda x: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(x))),
    ("CELU", lambda: nn.CELU(alpha=2.0), lambda x: np.maximum(x, 0) + np.minimum(0, 2.0 * np.expm1(x / 2.0))),
    ("LeakyReLU", lambda: nn.LeakyReLU(0.2), lambda x: np.where(x >= 0, x, 0.2 * x)),
    ("Hardtanh", lambda: nn.Hardtanh(-0.5, 0.7), lambda x: np.clip(x, -0.5, 0.7)),
    ("ReLU6", lambda: nn.ReLU6(), lambda x: np.clip(x, 0, 6)),
    ("Hardsigmoid", lambda: nn.Hardsigmoid(), lambda x: np.clip(x / 6 + 0.5, 0, 1)),
    ("Hardswish", lambda: nn.Hardswish(), lambda x: x * np.clip(x + 3, 0, 6) / 6),
    ("LogSigmoid", lambda: nn.LogSigmoid(), lambda x: -np.log1p(np.exp(-x))),
    ("Softsign", lambda: nn.Softsign(), lambda x: x / (1 + np.abs(x))),
    ("Tanhshrink", lambda: nn.Tanhshrink(), lambda x: x - np.tanh(x)),
    ("Threshold", lambda: nn.Threshold(0.1, -2.0), lambda x: np.where(x > 0.1, x, -2.0)),
    ("GLU", lambda: nn.GLU(dim=1), lambda x: x[:, :2] / (1 + np.exp(-x[:, 2:]))),
    ("PReLU", lambda: nn.PReLU(), lambda x: np.where(x >= 0, x, 0.25 * x)),
]


@pytest.mark.parametrize("name,make,ref", ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
def test_activation_module_matches_closed_form(name, make, ref):
    x = _randn(3, 4, seed=1) * 3
    m = make()
    out = m(_t(x))
    np.testing.assert_allclose(_np(out), ref(x), rtol=1e-6, atol=1e-6)
    xg = _t(x, requires_grad=True)
    m(xg).sum().backward()
    assert xg.grad is not None and xg.grad.shape == (3, 4)


@pytest.mark.parametrize("make", [lambda: nn.ReLU(inplace=True), lambda: nn.LeakyReLU(0.1, inplace=True),
                                  lambda: nn.Hardtanh(inplace=True), lambda: nn.ELU(inplace=True),
                                  lambda: nn.SiLU(inplace=True)], ids=["ReLU", "LeakyReLU", "Hardtanh", "ELU", "SiLU"])
def test_inplace_activations_write_into_their_input(make):
    x = _t(_randn(5, seed=2))
    ptr = x.data_ptr()
    out = make()(x)
    assert out.data_ptr() == ptr
    assert float(x.min()) >= -1.0


def test_softmax_without_dim_warns_and_uses_pytorchs_choice():
    x = _randn(2, 3, seed=3)
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        out = nn.Softmax()(_t(x))
    np.testing.assert_allclose(_np(out), _np_softmax(x, 1), rtol=1e-12)
    with pytest.warns(UserWarning):
        out = nn.LogSoftmax()(_t(x[0]))
    np.testing.assert_allclose(_np(out), np.log(_np_softmax(x[0], 0)), rtol=1e-12)


def test_prelu_per_channel_weight_and_gradient():
    m = nn.PReLU(3, init=0.1)
    assert m.weight.shape == (3,) and np.all(_np(m.weight) == np.float32(0.1))
    x = _randn(2, 3, 4, seed=4).astype(np.float32)
    with tg.no_grad():
        m.weight.copy_(_t(np.array([0.1, 0.2, 0.3], np.float32)))
    out = m(_t(x))
    slope = np.array([0.1, 0.2, 0.3], np.float32)[None, :, None]
    np.testing.assert_allclose(_np(out), np.where(x >= 0, x, slope * x), rtol=1e-6)
    out.sum().backward()
    np.testing.assert_allclose(_np(m.weight.grad), np.where(x >= 0, 0, x).sum((0, 2)), rtol=1e-5)


def test_activation_constructor_errors():
    with pytest.raises(ValueError, match="max_val must be larger than min_val"):
        nn.Hardtanh(1.0, -1.0)


# ==================================================================================== linear, flatten
def test_identity_flatten_unflatten():
    x = _t(_randn(2, 3, 4, 5))
    assert nn.Identity(54, unused=True)(x) is x
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0, 1)(x).shape == (6, 4, 5)
    assert nn.Unflatten(1, (3, 1))(x).shape == (2, 3, 1, 4, 5)
    assert repr(nn.Unflatten(1, (3, 1))) == "Unflatten(dim=1, unflattened_size=(3, 1))"
    with pytest.raises(TypeError, match="unflattened_size must be tuple of ints"):
        nn.Unflatten(1, (2.0, 3))


def test_linear_default_init_is_pytorchs():
    tg.manual_seed(0)
    m = nn.Linear(400, 300)
    w, b = _np(m.weight), _np(m.bias)
    bound = 1 / math.sqrt(400)  # kaiming_uniform_(a=sqrt(5)) on fan_in 400
    assert w.shape == (300, 400) and b.shape == (300,)
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    # U(-bound, bound): std bound/sqrt(3), and the samples fill the range
    assert abs(w.std() - bound / math.sqrt(3)) < 0.02 * bound
    assert np.abs(w).max() > 0.99 * bound and abs(w.mean()) < 0.01 * bound
    assert m.weight.is_leaf and m.weight.grad_fn is None


def test_linear_forward_backward_matches_numpy():
    m = nn.Linear(4, 3).double()
    x = _randn(5, 2, 4, seed=5)
    xg = _t(x, requires_grad=True)
    out = m(xg)
    W, b = _np(m.weight), _np(m.bias)
    np.testing.assert_allclose(_np(out), x @ W.T + b, rtol=1e-12)
    g = _randn(5, 2, 3, seed=6)
    out.backward(_t(g))
    np.testing.assert_allclose(_np(xg.grad), g @ W, rtol=1e-12)
    np.testing.assert_allclose(_np(m.weight.grad), g.reshape(-1, 3).T @ x.reshape(-1, 4), rtol=1e-12)
    np.testing.assert_allclose(_np(m.bias.grad), g.reshape(-1, 3).sum(0), rtol=1e-12)
    nb = nn.Linear(4, 3, bias=False, dtype=tg.float64)
    assert nb.bias is None and [n for n, _ in nb.named_parameters()] == ["weight"]
    np.testing.assert_allclose(_np(nb(_t(x[0, 0]))), x[0, 0] @ _np(nb.weight).T, rtol=1e-12)


def test_linear_wrong_features_names_the_module_and_the_values():
    m = nn.Linear(4, 3)
    with pytest.raises(RuntimeError) as info:
        m(tg.zeros([2, 5]))
    msg = str(info.value)
    assert "Linear(in_features=4, out_features=3, bias=True)" in msg
    assert "4 features" in msg and "[2, 5]" in msg


def test_bilinear_matches_numpy():
    m = nn.Bilinear(3, 4, 2).double()
    bound = 1 / math.sqrt(3)
    assert np.abs(_np(m.weight)).max() <= bound and np.abs(_np(m.bias)).max() <= bound
    x1, x2 = _randn(5, 3, seed=7), _randn(5, 4, seed=8)
    out = m(_t(x1), _t(x2))
    ref = np.einsum("ni,oij,nj->no", x1, _np(m.weight), x2) + _np(m.bias)
    np.testing.assert_allclose(_np(out), ref, rtol=1e-10)
    assert repr(m) == "Bilinear(in1_features=3, in2_features=4, out_features=2, bias=True)"


def test_linear_and_bilinear_match_torch():
    _compare_with_torch(lambda lib: lib.Linear(6, 4), [(3, 6)])
    _compare_with_torch(lambda lib: lib.Bilinear(3, 5, 2), [(4, 3), (4, 5)])


# ==================================================================================== conv
def _np_conv2d(x, w, b, stride=1, padding=0, dilation=1, groups=1):
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    oh = (h + 2 * padding - dilation * (kh - 1) - 1) // stride + 1
    ow = (wd + 2 * padding - dilation * (kw - 1) - 1) // stride + 1
    out = np.zeros((n, o, oh, ow))
    og = o // groups
    for g in range(groups):
        for i in range(oh):
            for j in range(ow):
                patch = xp[:, g * cg:(g + 1) * cg, i * stride:i * stride + dilation * (kh - 1) + 1:dilation,
                           j * stride:j * stride + dilation * (kw - 1) + 1:dilation]
                out[:, g * og:(g + 1) * og, i, j] = np.einsum("nckl,ockl->no", patch, w[g * og:(g + 1) * og])
    return out + (0 if b is None else b[None, :, None, None])


def test_conv2d_matches_numpy_and_default_init():
    m = nn.Conv2d(4, 6, 3, stride=2, padding=1, dilation=1, groups=2).double()
    fan_in = 2 * 3 * 3
    assert m.weight.shape == (6, 2, 3, 3)
    assert np.abs(_np(m.weight)).max() <= 1 / math.sqrt(fan_in)
    assert np.abs(_np(m.bias)).max() <= 1 / math.sqrt(fan_in)
    x = _randn(2, 4, 7, 6, seed=9)
    out = m(_t(x))
    ref = _np_conv2d(x, _np(m.weight), _np(m.bias), stride=2, padding=1, groups=2)
    np.testing.assert_allclose(_np(out), ref, rtol=1e-10, atol=1e-12)
    unbatched = m(_t(x[0]))
    np.testing.assert_allclose(_np(unbatched), ref[0], rtol=1e-10, atol=1e-12)


def test_conv_layers_match_torch():
    _compare_with_torch(lambda lib: lib.Conv2d(3, 4, (3, 2), stride=(2, 1), padding=1, dilation=(1, 2)),
                        [(2, 3, 8, 9)])
    _compare_with_torch(lambda lib: lib.Conv2d(4, 4, 3, padding="same", groups=2, bias=False), [(1, 4, 6, 6)])
    _compare_with_torch(lambda lib: lib.Conv2d(2, 3, 3, padding=2, padding_mode="reflect"), [(1, 2, 5, 5)])
    _compare_with_torch(lambda lib: lib.Conv2d(2, 3, 3, padding=1, padding_mode="circular"), [(1, 2, 5, 5)])
    _compare_with_torch(lambda lib: lib.Conv1d(3, 6, 4, stride=2, padding=1, groups=3), [(2, 3, 11)])
    _compare_with_torch(lambda lib: lib.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1),
                        [(2, 4, 5, 5)])
    _compare_with_torch(lambda lib: lib.ConvTranspose1d(2, 4, 3, stride=3), [(2, 2, 5)])
    # output_size picks the output_padding
    _compare_with_torch(lambda lib: lib.ConvTranspose2d(3, 2, 3, stride=2), [(1, 3, 4, 4)],
                        call=lambda m, x: m(x, output_size=[10, 10]))


def test_conv2d_wrong_channels_names_the_module_and_the_values():
    m = nn.Conv2d(3, 8, 3)
    for shape in ([1, 4, 8, 8], [4, 8, 8]):
        with pytest.raises(RuntimeError) as info:
            m(tg.zeros(shape))
        msg = str(info.value)
        assert msg.startswith("[Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1))]"), msg
        assert "3 channels" in msg and "has 4" in msg and str(shape) in msg
    with pytest.raises(RuntimeError, match=r"expected 3-D \(unbatched\) or 4-D \(batched\) input"):
        m(tg.zeros([8, 8]))


def test_conv_constructor_errors():
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        nn.Conv2d(3, 6, 3, groups=2)
    with pytest.raises(ValueError, match="out_channels must be divisible by groups"):
        nn.Conv2d(4, 6, 3, groups=4)
    with pytest.raises(ValueError, match="padding='same' is not supported for strided convolutions"):
        nn.Conv2d(3, 6, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="Invalid padding string"):
        nn.Conv2d(3, 6, 3, padding="full")
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        nn.Conv2d(3, 6, 3, padding_mode="mirror")
    with pytest.raises(ValueError, match='Only "zeros" padding mode'):
        nn.ConvTranspose2d(3, 6, 3, padding_mode="reflect")
    with pytest.raises(ValueError, match="requested an output size"):
        nn.ConvTranspose2d(3, 2, 3, stride=2)(tg.zeros([1, 3, 4, 4]), output_size=[20, 20])


# ==================================================================================== pooling
def test_pooling_modules_match_numpy():
    x = _randn(2, 3, 8, 6, seed=10)
    blocks = x.reshape(2, 3, 4, 2, 3, 2)
    np.testing.assert_allclose(_np(nn.MaxPool2d(2)(_t(x))), blocks.max((3, 5)), rtol=1e-12)
    np.testing.assert_allclose(_np(nn.AvgPool2d(2)(_t(x))), blocks.mean((3, 5)), rtol=1e-12)
    np.testing.assert_allclose(_np(nn.AdaptiveAvgPool2d((4, 3))(_t(x))), blocks.mean((3, 5)), rtol=1e-12)
    np.testing.assert_allclose(_np(nn.AdaptiveMaxPool2d((4, 3))(_t(x))), blocks.max((3, 5)), rtol=1e-12)
    x1 = _randn(2, 3, 12, seed=11)
    b1 = x1.reshape(2, 3, 4, 3)
    np.testing.assert_allclose(_np(nn.MaxPool1d(3)(_t(x1))), b1.max(3), rtol=1e-12)
    np.testing.assert_allclose(_np(nn.AvgPool1d(3)(_t(x1))), b1.mean(3), rtol=1e-12)
    np.testing.assert_allclose(_np(nn.AdaptiveAvgPool1d(4)(_t(x1))), b1.mean(3), rtol=1e-12)
    out, idx = nn.MaxPool2d(2, return_indices=True)(_t(x))
    assert idx.dtype == tg.int64 and idx.shape == out.shape
    assert nn.AdaptiveMaxPool2d(2, return_indices=True)(_t(x))[1].dtype == tg.int64


def test_pooling_modules_match_torch():
    _compare_with_torch(lambda lib: lib.MaxPool2d(3, 2, 1, ceil_mode=True), [(2, 3, 9, 8)])
    _compare_with_torch(lambda lib: lib.MaxPool2d((2, 3), dilation=2), [(1, 2, 9, 11)])
    _compare_with_torch(lambda lib: lib.AvgPool2d(3, 2, 1, count_include_pad=False), [(2, 3, 7, 8)])
    _compare_with_torch(lambda lib: lib.AvgPool2d(2, divisor_override=3), [(1, 1, 4, 4)])
    _compare_with_torch(lambda lib: lib.AvgPool1d(4, 2, 2, ceil_mode=True), [(2, 3, 13)])
    _compare_with_torch(lambda lib: lib.MaxPool1d(3, 2, 1), [(2, 3, 10)])
    _compare_with_torch(lambda lib: lib.AdaptiveAvgPool2d((3, None)), [(2, 3, 7, 5)])
    _compare_with_torch(lambda lib: lib.AdaptiveAvgPool1d(5), [(2, 3, 13)])
    _compare_with_torch(lambda lib: lib.AdaptiveMaxPool2d((2, 3)), [(2, 3, 7, 8)])
    _compare_with_torch(lambda lib: lib.AdaptiveMaxPool1d(4), [(2, 3, 9)])
    assert repr(nn.MaxPool2d(3, 2)) == "MaxPool2d(kernel_size=3, stride=2, padding=0, dilation=1, ceil_mode=False)"
    assert repr(nn.AvgPool1d(3)) == "AvgPool1d(kernel_size=(3,), stride=(3,), padding=(0,))"


# ==================================================================================== normalization
def test_batchnorm_training_updates_running_stats_like_pytorch():
    bn = nn.BatchNorm1d(3, momentum=0.2).double()
    assert [n for n, _ in bn.named_buffers()] == ["running_mean", "running_var", "num_batches_tracked"]
    x = _randn(8, 3, seed=12) * 2 + 1
    out = bn(_t(x))
    mean, var = x.mean(0), x.var(0)
    np.testing.assert_allclose(_np(out), (x - mean) / np.sqrt(var + 1e-5), rtol=1e-10)
    np.testing.assert_allclose(_np(bn.running_mean), 0.2 * mean, rtol=1e-10)
    np.testing.assert_allclose(_np(bn.running_var), 0.8 + 0.2 * x.var(0, ddof=1), rtol=1e-10)
    assert bn.num_batches_tracked.item() == 1 and bn.num_batches_tracked.dtype == tg.int64
    bn(_t(x))
    assert bn.num_batches_tracked.item() == 2
    # eval: normalizes with the running statistics, leaves them alone
    bn.eval()
    rm, rv = _np(bn.running_mean).copy(), _np(bn.running_var).copy()
    out = bn(_t(x))
    np.testing.assert_allclose(_np(out), (x - rm) / np.sqrt(rv + 1e-5), rtol=1e-10)
    np.testing.assert_array_equal(_np(bn.running_mean), rm)
    assert bn.num_batches_tracked.item() == 2


def test_batchnorm_momentum_none_is_a_cumulative_average():
    bn = nn.BatchNorm1d(2, momentum=None).double()
    xs = [_randn(6, 2, seed=s) for s in (1, 2, 3)]
    for x in xs:
        bn(_t(x))
    np.testing.assert_allclose(_np(bn.running_mean), np.mean([x.mean(0) for x in xs], 0), rtol=1e-10)


def test_batchnorm_without_running_stats_and_affine():
    bn = nn.BatchNorm2d(3, affine=False, track_running_stats=False).double()
    assert list(bn.state_dict()) == [] and bn.running_mean is None
    x = _randn(2, 3, 4, 5, seed=13)
    bn.eval()  # no running stats: batch statistics even in eval
    out = bn(_t(x))
    mean, var = x.mean((0, 2, 3), keepdims=True), x.var((0, 2, 3), keepdims=True)
    np.testing.assert_allclose(_np(out), (x - mean) / np.sqrt(var + 1e-5), rtol=1e-9)


def test_batchnorm_bad_input_and_old_checkpoints():
    with pytest.raises(ValueError, match=r"expected 4D input \(got 3D input\)"):
        nn.BatchNorm2d(3)(tg.zeros([2, 3, 4]))
    with pytest.raises(ValueError, match=r"expected 2D or 3D input \(got 4D input\)"):
        nn.BatchNorm1d(3)(tg.zeros([2, 3, 4, 4]))
    with pytest.raises(RuntimeError, match=r"BatchNorm1d\(3\).*3 channels.*\[4, 5\]"):
        nn.BatchNorm1d(3)(tg.zeros([4, 5]))
    # a checkpoint without num_batches_tracked (no version metadata) loads, the counter starts at 0
    bn = nn.BatchNorm1d(3)
    sd = {k: v for k, v in nn.BatchNorm1d(3).state_dict().items() if k != "num_batches_tracked"}
    assert bn.load_state_dict(sd).missing_keys == []


def test_batchnorm_layernorm_groupnorm_match_torch():
    _compare_with_torch(lambda lib: lib.BatchNorm2d(3), [(4, 3, 5, 6)], train=True)
    _compare_with_torch(lambda lib: lib.BatchNorm1d(3, affine=False), [(4, 3, 7)], train=True)
    _compare_with_torch(lambda lib: lib.LayerNorm([4, 5]), [(3, 4, 5)])
    _compare_with_torch(lambda lib: lib.LayerNorm(5, bias=False), [(3, 5)])
    _compare_with_torch(lambda lib: lib.GroupNorm(2, 6), [(3, 6, 4)])
    _compare_with_torch(lambda lib: lib.RMSNorm([4], eps=1e-6), [(3, 4)])


def test_layer_group_rms_norm_match_numpy():
    x = _randn(3, 4, 5, seed=14)
    ln = nn.LayerNorm(5).double()
    mean, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
    np.testing.assert_allclose(_np(ln(_t(x))), (x - mean) / np.sqrt(var + 1e-5), rtol=1e-9)
    gn = nn.GroupNorm(2, 4).double()
    g = x.reshape(3, 2, 10)
    ref = ((g - g.mean(-1, keepdims=True)) / np.sqrt(g.var(-1, keepdims=True) + 1e-5)).reshape(3, 4, 5)
    np.testing.assert_allclose(_np(gn(_t(x))), ref, rtol=1e-9)
    rms = nn.RMSNorm(5, eps=1e-6).double()
    np.testing.assert_allclose(_np(rms(_t(x))), x / np.sqrt((x ** 2).mean(-1, keepdims=True) + 1e-6), rtol=1e-9)
    assert ln.weight.shape == (5,) and np.all(_np(ln.weight) == 1) and np.all(_np(ln.bias) == 0)
    with pytest.raises(ValueError, match=r"num_channels \(5\) must be divisible by num_groups \(2\)"):
        nn.GroupNorm(2, 5)


# ==================================================================================== embedding
def test_embedding_lookup_padding_idx_and_gradient():
    tg.manual_seed(1)
    emb = nn.Embedding(10, 3, padding_idx=-1)
    assert emb.padding_idx == 9 and np.all(_np(emb.weight)[9] == 0)
    w = _np(emb.weight)
    ids = np.array([[1, 9, 1], [0, 2, 9]])
    out = emb(_t(ids))
    np.testing.assert_array_equal(_np(out), w[ids])
    out.sum().backward()
    g = _np(emb.weight.grad)
    assert np.all(g[9] == 0)  # the padding row gets no gradient
    np.testing.assert_array_equal(g[1], [2, 2, 2])
    with pytest.raises(AssertionError, match="Padding_idx must be within num_embeddings"):
        nn.Embedding(10, 3, padding_idx=10)


def test_embedding_from_pretrained():
    table = _t(np.arange(12, dtype=np.float32).reshape(4, 3))
    emb = nn.Embedding.from_pretrained(table)
    assert not emb.weight.requires_grad and emb.weight.data_ptr() == table.data_ptr()
    np.testing.assert_array_equal(_np(emb(_t(np.array([3, 0])))), [[9, 10, 11], [0, 1, 2]])
    assert nn.Embedding.from_pretrained(table, freeze=False).weight.requires_grad
    with pytest.raises(AssertionError, match="2-dimensional"):
        nn.Embedding.from_pretrained(_t(np.zeros(3, np.float32)))
    assert repr(nn.Embedding(5, 2, padding_idx=0, max_norm=1.0)) == "Embedding(5, 2, padding_idx=0, max_norm=1.0)"


def test_embedding_default_init_is_standard_normal():
    tg.manual_seed(2)
    w = _np(nn.Embedding(1000, 50).weight)
    assert abs(w.mean()) < 0.02 and abs(w.std() - 1) < 0.02


def test_embeddingbag_modes_match_numpy():
    table = _randn(10, 3, seed=15)
    ids = np.array([1, 2, 4, 5, 4, 3, 2, 9])
    offsets = np.array([0, 4])
    for mode, fn in (("sum", np.sum), ("mean", np.mean), ("max", np.max)):
        bag = nn.EmbeddingBag.from_pretrained(_t(table), mode=mode)
        out = bag(_t(ids), _t(offsets))
        ref = np.stack([fn(table[ids[:4]], 0), fn(table[ids[4:]], 0)])
        np.testing.assert_allclose(_np(out), ref, rtol=1e-12)
        out2d = bag(_t(ids.reshape(2, 4)))
        np.testing.assert_allclose(_np(out2d), ref, rtol=1e-12)
    psw = _randn(8, seed=16)
    bag = nn.EmbeddingBag.from_pretrained(_t(table), mode="sum")
    out = bag(_t(ids), _t(offsets), per_sample_weights=_t(psw))
    ref = np.stack([(table[ids[:4]] * psw[:4, None]).sum(0), (table[ids[4:]] * psw[4:, None]).sum(0)])
    np.testing.assert_allclose(_np(out), ref, rtol=1e-12)
    with pytest.raises(ValueError, match="mode has to be one of"):
        nn.EmbeddingBag(10, 3, mode="median")


def test_embedding_modules_match_torch():
    _compare_with_torch(lambda lib: lib.Embedding(7, 4, padding_idx=2), [], seed=0,
                        call=lambda m, *xs: m(_ids(m, [[1, 2, 6], [2, 0, 0]])))
    _compare_with_torch(lambda lib: lib.EmbeddingBag(7, 4, mode="mean"), [],
                        call=lambda m, *xs: m(_ids(m, [[1, 2, 6], [3, 0, 0]])))


def _ids(module, values):
    """An int64 index tensor of the module's own library."""
    if isinstance(module, nn.Module):
        return _t(np.array(values))
    import torch
    return torch.tensor(values)


# ==================================================================================== dropout
def test_dropout_train_and_eval():
    tg.manual_seed(3)
    x = tg.ones([200, 100])
    d = nn.Dropout(0.3)
    out = _np(d(x))
    zero_frac = (out == 0).mean()
    assert abs(zero_frac - 0.3) < 0.02
    np.testing.assert_allclose(out[out != 0], 1 / 0.7, rtol=1e-6)
    d.eval()
    assert np.all(_np(d(x)) == 1)
    assert repr(d) == "Dropout(p=0.3, inplace=False)"
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"):
        nn.Dropout(1.5)


def test_dropout2d_zeroes_whole_channels():
    tg.manual_seed(4)
    out = _np(nn.Dropout2d(0.5)(tg.ones([4, 16, 3, 3])))
    per_channel = out.reshape(4, 16, 9)
    assert np.all((per_channel == 0).all(-1) | (per_channel == 2).all(-1))
    assert 0 < (per_channel == 0).all(-1).mean() < 1
    out1 = _np(nn.Dropout1d(0.5)(tg.ones([4, 16, 5]))).reshape(4, 16, 5)
    assert np.all((out1 == 0).all(-1) | (out1 == 2).all(-1))


# ==================================================================================== recurrent
def _sig(x):
    return 1 / (1 + np.exp(-x))


def _np_rnn(mode, x, params, num_layers, bidirectional, h0=None, c0=None, hidden=None, batch_first=False):
    """NumPy reference of PyTorch's RNN/LSTM/GRU equations (x: [L, N, in] or batch-first)."""
    if batch_first:
        x = x.transpose(1, 0, 2)
    L, N, _ = x.shape
    D = 2 if bidirectional else 1
    H = hidden
    h0 = np.zeros((num_layers * D, N, H)) if h0 is None else h0
    c0 = np.zeros((num_layers * D, N, H)) if c0 is None else c0
    hn, cn = [], []
    inp = x
    for layer in range(num_layers):
        outs = []
        for d in range(D):
            sfx = "_reverse" if d else ""
            w_ih, w_hh = params[f"weight_ih_l{layer}{sfx}"], params[f"weight_hh_l{layer}{sfx}"]
            b_ih = params.get(f"bias_ih_l{layer}{sfx}", 0)
            b_hh = params.get(f"bias_hh_l{layer}{sfx}", 0)
            h, c = h0[layer * D + d], c0[layer * D + d]
            out = [None] * L
            for t in (range(L - 1, -1, -1) if d else range(L)):
                xi = inp[t] @ w_ih.T + b_ih
                hh = h @ w_hh.T + b_hh
                if mode == "LSTM":
                    i, f, g, o = np.split(xi + hh, 4, -1)
                    c = _sig(f) * c + _sig(i) * np.tanh(g)
                    h = _sig(o) * np.tanh(c)
                elif mode == "GRU":
                    xr, xz, xn = np.split(xi, 3, -1)
                    hr, hz, hn_ = np.split(hh, 3, -1)
                    r, z = _sig(xr + hr), _sig(xz + hz)
                    n = np.tanh(xn + r * hn_)
                    h = (1 - z) * n + z * h
                else:
                    h = np.tanh(xi + hh)
                out[t] = h
            outs.append(np.stack(out))
            hn.append(h)
            cn.append(c)
        inp = np.concatenate(outs, -1)
    out = inp.transpose(1, 0, 2) if batch_first else inp
    return out, np.stack(hn), np.stack(cn)


@pytest.mark.parametrize("num_layers,bidirectional,batch_first", [(1, False, False), (2, False, True),
                                                                  (2, True, False)])
def test_lstm_matches_numpy(num_layers, bidirectional, batch_first):
    tg.manual_seed(5)
    m = nn.LSTM(3, 4, num_layers=num_layers, bidirectional=bidirectional, batch_first=batch_first).double()
    params = {n: _np(p) for n, p in m.named_parameters()}
    D = 2 if bidirectional else 1
    x = _randn(2, 5, 3, seed=17)  # [L=2, N=5] or [N=2, L=5] with batch_first
    out, (h, c) = m(_t(x))
    ref_out, ref_h, ref_c = _np_rnn("LSTM", x, params, num_layers, bidirectional, hidden=4, batch_first=batch_first)
    np.testing.assert_allclose(_np(out), ref_out, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(_np(h), ref_h, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(_np(c), ref_c, rtol=1e-10, atol=1e-12)
    assert out.shape[-1] == 4 * D and h.shape == (num_layers * D, 2 if batch_first else 5, 4)
    # given initial state
    n = 2 if batch_first else 5
    h0, c0 = _randn(num_layers * D, n, 4, seed=18), _randn(num_layers * D, n, 4, seed=19)
    out, (h, c) = m(_t(x), (_t(h0), _t(c0)))
    ref_out, ref_h, ref_c = _np_rnn("LSTM", x, params, num_layers, bidirectional, h0, c0, 4, batch_first)
    np.testing.assert_allclose(_np(out), ref_out, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(_np(c), ref_c, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("mode", ["GRU", "RNN"])
def test_gru_and_rnn_match_numpy(mode):
    tg.manual_seed(6)
    m = (nn.GRU if mode == "GRU" else nn.RNN)(3, 4, num_layers=2, bidirectional=True).double()
    params = {n: _np(p) for n, p in m.named_parameters()}
    x = _randn(6, 2, 3, seed=20)
    h0 = _randn(4, 2, 4, seed=21)
    out, h = m(_t(x), _t(h0))
    ref_out, ref_h, _ = _np_rnn(mode, x, params, 2, True, h0=h0, hidden=4)
    np.testing.assert_allclose(_np(out), ref_out, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(_np(h), ref_h, rtol=1e-10, atol=1e-12)
    # unbatched input: [L, in] -> [L, D*H], h [layers*D, H]
    out_u, h_u = m(_t(x[:, 0]), _t(h0[:, 0]))
    np.testing.assert_allclose(_np(out_u), ref_out[:, 0], rtol=1e-10, atol=1e-12)
    assert h_u.shape == (4, 4)


def test_rnn_parameters_names_and_init():
    tg.manual_seed(7)
    m = nn.LSTM(3, 5, num_layers=2, bias=True)
    assert [n for n, _ in m.named_parameters()] == [
        "weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
        "weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1"]
    assert m.weight_ih_l0.shape == (20, 3) and m.weight_ih_l1.shape == (20, 5)
    bound = 1 / math.sqrt(5)
    assert all(np.abs(_np(p)).max() <= bound for p in m.parameters())
    g = nn.GRU(3, 5, bias=False, bidirectional=True)
    assert [n for n, _ in g.named_parameters()] == ["weight_ih_l0", "weight_hh_l0", "weight_ih_l0_reverse",
                                                    "weight_hh_l0_reverse"]
    assert g.weight_hh_l0.shape == (15, 5)
    p = nn.LSTM(3, 5, proj_size=2)
    assert p.weight_hr_l0.shape == (2, 5) and p.weight_hh_l0.shape == (20, 2)


def test_rnn_bad_input():
    m = nn.LSTM(4, 3)
    with pytest.raises(RuntimeError, match="input.size\\(-1\\) must be equal to input_size. Expected 4, got 5"):
        m(tg.zeros([2, 1, 5]))
    with pytest.raises(RuntimeError, match=r"Expected hidden size \(1, 2, 3\), got \[1, 3, 3\]"):
        m(tg.zeros([5, 2, 4]), (tg.zeros([1, 3, 3]), tg.zeros([1, 2, 3])))
    with pytest.raises(RuntimeError, match=r"LSTM\(4, 3\).*2D \(unbatched\) or 3D"):
        m(tg.zeros([4]))
    with pytest.raises(ValueError, match="proj_size has to be smaller than hidden_size"):
        nn.LSTM(4, 3, proj_size=3)
    with pytest.raises(ValueError, match="dropout should be a number in range"):
        nn.GRU(4, 3, dropout=2)
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        nn.GRU(4, 3, dropout=0.5)


def test_recurrent_layers_match_torch_with_gradients():
    _compare_with_torch(lambda lib: lib.LSTM(3, 4, num_layers=2, bidirectional=True), [(5, 2, 3)])
    _compare_with_torch(lambda lib: lib.LSTM(3, 4, proj_size=2, batch_first=True), [(2, 5, 3)])
    _compare_with_torch(lambda lib: lib.GRU(3, 4, num_layers=2, batch_first=True), [(2, 5, 3)])
    _compare_with_torch(lambda lib: lib.RNN(3, 4, nonlinearity="relu", bias=False), [(5, 2, 3)])
    _compare_with_torch(lambda lib: lib.GRU(3, 4), [(5, 2, 3), (1, 2, 4)], call=lambda m, x, h: m(x, h))


# ==================================================================================== attention
def _np_mha(q, k, v, params, num_heads, attn_mask=None, key_padding_mask=None):
    """NumPy reference of MultiheadAttention (sequence-first [L, N, E])."""
    E = q.shape[-1]
    W, b = params["in_proj_weight"], params["in_proj_bias"]
    Q = q @ W[:E].T + b[:E]
    K = k @ W[E:2 * E].T + b[E:2 * E]
    V = v @ W[2 * E:].T + b[2 * E:]
    L, N, _ = Q.shape
    S = K.shape[0]
    hd = E // num_heads
    Q = Q.reshape(L, N, num_heads, hd).transpose(1, 2, 0, 3)
    K = K.reshape(S, N, num_heads, hd).transpose(1, 2, 0, 3)
    V = V.reshape(S, N, num_heads, hd).transpose(1, 2, 0, 3)
    scores = Q @ K.transpose(0, 1, 3, 2) / math.sqrt(hd)
    if attn_mask is not None:
        scores = scores + (np.where(attn_mask, -np.inf, 0) if attn_mask.dtype == bool else attn_mask)
    if key_padding_mask is not None:
        scores = scores + np.where(key_padding_mask, -np.inf, 0)[:, None, None, :]
    w = _np_softmax(scores, -1)
    out = (w @ V).transpose(2, 0, 1, 3).reshape(L, N, E)
    out = out @ params["out_proj.weight"].T + params["out_proj.bias"]
    return out, w


def test_multihead_attention_matches_numpy():
    tg.manual_seed(8)
    m = nn.MultiheadAttention(8, 2).double()
    with tg.no_grad():
        m.in_proj_bias.copy_(_t(_randn(24, seed=30) * 0.1))
        m.out_proj.bias.copy_(_t(_randn(8, seed=31) * 0.1))
    params = {n: _np(p) for n, p in m.named_parameters()}
    q, k, v = _randn(3, 2, 8, seed=22), _randn(4, 2, 8, seed=23), _randn(4, 2, 8, seed=24)
    out, w = m(_t(q), _t(k), _t(v))
    ref_out, ref_w = _np_mha(q, k, v, params, 2)
    np.testing.assert_allclose(_np(out), ref_out, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(_np(w), ref_w.mean(1), rtol=1e-10, atol=1e-12)
    # masks: bool attn_mask, key padding
    attn_mask = np.triu(np.ones((3, 4), bool), 2)
    kpm = np.array([[False, False, False, True], [False, True, False, False]])
    out, w = m(_t(q), _t(k), _t(v), attn_mask=_t(attn_mask), key_padding_mask=_t(kpm), average_attn_weights=False)
    ref_out, ref_w = _np_mha(q, k, v, params, 2, attn_mask, kpm)
    np.testing.assert_allclose(_np(out), ref_out, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(_np(w), ref_w, rtol=1e-10, atol=1e-12)
    # float mask is added
    fmask = _randn(3, 4, seed=25)
    out, _ = m(_t(q), _t(k), _t(v), attn_mask=_t(fmask))
    np.testing.assert_allclose(_np(out), _np_mha(q, k, v, params, 2, fmask)[0], rtol=1e-10, atol=1e-12)
    # batch_first and need_weights=False
    m.batch_first = True
    out, w = m(_t(q.transpose(1, 0, 2)), _t(k.transpose(1, 0, 2)), _t(v.transpose(1, 0, 2)), need_weights=False)
    assert w is None
    np.testing.assert_allclose(_np(out), _np_mha(q, k, v, params, 2)[0].transpose(1, 0, 2), rtol=1e-10, atol=1e-12)
    # unbatched
    m.batch_first = False
    out, w = m(_t(q[:, 0]), _t(k[:, 0]), _t(v[:, 0]))
    np.testing.assert_allclose(_np(out), _np_mha(q, k, v, params, 2)[0][:, 0], rtol=1e-10, atol=1e-12)
    assert w.shape == (3, 4)


def test_multihead_attention_gradients_flow_to_every_parameter():
    m = nn.MultiheadAttention(4, 2, add_bias_kv=True, add_zero_attn=True).double()
    x = _t(_randn(3, 2, 4, seed=26), requires_grad=True)
    out, _ = m(x, x, x)
    out.sum().backward()
    assert x.grad is not None
    assert all(p.grad is not None for p in m.parameters())


def test_multihead_attention_init_and_errors():
    m = nn.MultiheadAttention(6, 3)
    assert [n for n, _ in m.named_parameters()] == ["in_proj_weight", "in_proj_bias", "out_proj.weight",
                                                   "out_proj.bias"]
    assert np.all(_np(m.in_proj_bias) == 0) and np.all(_np(m.out_proj.bias) == 0)
    bound = math.sqrt(6 / (6 + 18))  # xavier_uniform_ on [18, 6]
    assert np.abs(_np(m.in_proj_weight)).max() <= bound
    kv = nn.MultiheadAttention(6, 3, kdim=4, vdim=5)
    assert [n for n, _ in kv.named_parameters()][:3] == ["q_proj_weight", "k_proj_weight", "v_proj_weight"]
    with pytest.raises(AssertionError, match="embed_dim must be divisible by num_heads"):
        nn.MultiheadAttention(7, 2)
    with pytest.raises(RuntimeError, match="was expecting embedding dimension of 6, but got 5"):
        m(tg.zeros([2, 1, 5]), tg.zeros([2, 1, 5]), tg.zeros([2, 1, 5]))
    with pytest.raises(RuntimeError, match=r"The shape of the 2D attn_mask is \[3, 3\], but should be \[2, 2\]"):
        m(tg.zeros([2, 1, 6]), tg.zeros([2, 1, 6]), tg.zeros([2, 1, 6]), attn_mask=tg.zeros([3, 3]))
    with pytest.raises(RuntimeError, match="Need attn_mask if specifying the is_causal hint"):
        m(tg.zeros([2, 1, 6]), tg.zeros([2, 1, 6]), tg.zeros([2, 1, 6]), is_causal=True)


def test_multihead_attention_matches_torch():
    torch = _torch()
    mask = np.triu(np.ones((4, 4), bool), 1)
    kpm = np.array([[False, False, True, True], [False, False, False, False]])

    def call(m, x):
        lib_mask = torch.tensor(mask) if not isinstance(m, nn.Module) else _t(mask)
        lib_kpm = torch.tensor(kpm) if not isinstance(m, nn.Module) else _t(kpm)
        return m(x, x, x, attn_mask=lib_mask, key_padding_mask=lib_kpm)
    _compare_with_torch(lambda lib: lib.MultiheadAttention(8, 4, batch_first=True), [(2, 4, 8)], call=call)
    _compare_with_torch(lambda lib: lib.MultiheadAttention(8, 2, kdim=3, vdim=5, add_bias_kv=True,
                                                           add_zero_attn=True), [(4, 2, 8), (3, 2, 3), (3, 2, 5)],
                        call=lambda m, q, k, v: m(q, k, v))


def test_transformer_encoder_layer_matches_torch():
    torch = _torch()
    for norm_first in (False, True):
        for activation in ("relu", "gelu"):
            _compare_with_torch(lambda lib: lib.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True,
                                                                        norm_first=norm_first,
                                                                        activation=activation),
                                [(2, 5, 8)], train=True)
    mask = np.triu(np.full((5, 5), -np.inf), 1)

    def call(m, x):
        lib_mask = torch.tensor(mask) if not isinstance(m, nn.Module) else _t(mask)
        return m(x, src_mask=lib_mask, is_causal=True)
    _compare_with_torch(lambda lib: lib.TransformerEncoderLayer(8, 2, 16, dropout=0.0), [(5, 2, 8)], train=True,
                        call=call)
    _compare_with_torch(lambda lib: lib.TransformerEncoder(lib.TransformerEncoderLayer(8, 2, 16, dropout=0.0), 2,
                                                           enable_nested_tensor=False),
                        [(5, 2, 8)], train=True)


# ==================================================================================== losses
def _np_log_softmax(x, dim):
    return np.log(_np_softmax(x, dim))


def test_loss_modules_match_numpy():
    rng = _rng(27)
    x, y = rng.standard_normal((6, 4)), rng.standard_normal((6, 4))
    red = {"mean": np.mean, "sum": np.sum, "none": lambda a: a}
    for r, f in red.items():
        np.testing.assert_allclose(_np(nn.MSELoss(reduction=r)(_t(x), _t(y))), f((x - y) ** 2), rtol=1e-12)
        np.testing.assert_allclose(_np(nn.L1Loss(reduction=r)(_t(x), _t(y))), f(np.abs(x - y)), rtol=1e-12)
    d = np.abs(x - y)
    np.testing.assert_allclose(_np(nn.SmoothL1Loss(beta=0.5)(_t(x), _t(y))),
                               np.mean(np.where(d < 0.5, 0.5 * d ** 2 / 0.5, d - 0.25)), rtol=1e-12)
    np.testing.assert_allclose(_np(nn.HuberLoss(delta=0.5)(_t(x), _t(y))),
                               np.mean(np.where(d < 0.5, 0.5 * d ** 2, 0.5 * (d - 0.25))), rtol=1e-12)
    target = np.array([0, 3, 1, 2, 3, 0])
    lsm = _np_log_softmax(x, 1)
    nll = -lsm[np.arange(6), target]
    np.testing.assert_allclose(_np(nn.CrossEntropyLoss()(_t(x), _t(target))), nll.mean(), rtol=1e-12)
    np.testing.assert_allclose(_np(nn.NLLLoss(reduction="sum")(_t(lsm), _t(target))), nll.sum(), rtol=1e-12)
    w = np.array([1.0, 2.0, 0.5, 1.5])
    np.testing.assert_allclose(_np(nn.CrossEntropyLoss(weight=_t(w))(_t(x), _t(target))),
                               (nll * w[target]).sum() / w[target].sum(), rtol=1e-12)
    ignore = target.copy()
    ignore[1] = -100
    keep = ignore != -100
    np.testing.assert_allclose(_np(nn.CrossEntropyLoss()(_t(x), _t(ignore))), nll[keep].mean(), rtol=1e-12)
    smooth = 0.1
    ls = (1 - smooth) * nll + smooth * (-lsm.mean(1))
    np.testing.assert_allclose(_np(nn.CrossEntropyLoss(label_smoothing=smooth)(_t(x), _t(target))), ls.mean(),
                               rtol=1e-12)
    p = 1 / (1 + np.exp(-x))
    t01 = (y > 0).astype(np.float64)
    bce = -(t01 * np.log(p) + (1 - t01) * np.log(1 - p))
    np.testing.assert_allclose(_np(nn.BCELoss()(_t(p), _t(t01))), bce.mean(), rtol=1e-10)
    np.testing.assert_allclose(_np(nn.BCEWithLogitsLoss()(_t(x), _t(t01))), bce.mean(), rtol=1e-10)
    pw = np.array([1.0, 2.0, 3.0, 4.0])
    bce_pw = -(pw * t01 * np.log(p) + (1 - t01) * np.log(1 - p))
    np.testing.assert_allclose(_np(nn.BCEWithLogitsLoss(pos_weight=_t(pw))(_t(x), _t(t01))), bce_pw.mean(),
                               rtol=1e-10)
    q = _np_softmax(y, 1)
    kl = q * (np.log(q) - lsm)
    np.testing.assert_allclose(_np(nn.KLDivLoss(reduction="batchmean")(_t(lsm), _t(q))), kl.sum() / 6, rtol=1e-10)
    np.testing.assert_allclose(_np(nn.KLDivLoss(reduction="sum", log_target=True)(_t(lsm), _t(np.log(q)))),
                               kl.sum(), rtol=1e-10)
    sign = np.array([1, -1, 1, -1, 1, -1])
    cos = (x * y).sum(1) / np.linalg.norm(x, axis=1) / np.linalg.norm(y, axis=1)
    ref = np.where(sign == 1, 1 - cos, np.maximum(0, cos - 0.1))
    np.testing.assert_allclose(_np(nn.CosineEmbeddingLoss(margin=0.1)(_t(x), _t(y), _t(sign))), ref.mean(),
                               rtol=1e-10)


def test_loss_module_state_and_legacy_arguments():
    w = _t(np.array([1.0, 2.0]))
    ce = nn.CrossEntropyLoss(weight=w)
    assert list(ce.state_dict()) == ["weight"] and ce.weight is w
    assert list(nn.BCEWithLogitsLoss(pos_weight=w).state_dict()) == ["pos_weight"]
    assert nn.MSELoss().reduction == "mean"
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        assert nn.MSELoss(size_average=False).reduction == "sum"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert nn.L1Loss(reduce=False).reduction == "none"
    assert repr(nn.CrossEntropyLoss()) == "CrossEntropyLoss()"


def test_losses_match_torch():
    torch = _torch()
    target = np.array([0, 3, 1, 2])

    def with_target(m, x):
        return m(x, torch.tensor(target) if not isinstance(m, nn.Module) else _t(target))
    _compare_with_torch(lambda lib: lib.CrossEntropyLoss(label_smoothing=0.2), [(4, 5)], call=with_target)
    _compare_with_torch(lambda lib: lib.NLLLoss(reduction="none"), [(4, 5)], call=with_target)
    _compare_with_torch(lambda lib: lib.MSELoss(), [(4, 5), (4, 5)])
    _compare_with_torch(lambda lib: lib.SmoothL1Loss(beta=0.3), [(4, 5), (4, 5)])
    _compare_with_torch(lambda lib: lib.HuberLoss(delta=0.3, reduction="sum"), [(4, 5), (4, 5)])
    _compare_with_torch(lambda lib: lib.CosineEmbeddingLoss(margin=0.2), [(4, 5), (4, 5)],
                        call=lambda m, a, b: m(a, b, (torch.tensor([1, -1, 1, -1]) if not isinstance(m, nn.Module)
                                                      else _t(np.array([1, -1, 1, -1])))))


# ==================================================================================== init
def test_calculate_gain_matches_pytorchs_table():
    assert nn.init.calculate_gain("linear") == 1 and nn.init.calculate_gain("conv2d") == 1
    assert nn.init.calculate_gain("sigmoid") == 1
    assert nn.init.calculate_gain("tanh") == 5.0 / 3
    assert nn.init.calculate_gain("relu") == math.sqrt(2.0)
    assert nn.init.calculate_gain("leaky_relu") == math.sqrt(2.0 / (1 + 0.01 ** 2))
    assert nn.init.calculate_gain("leaky_relu", 0.2) == math.sqrt(2.0 / (1 + 0.2 ** 2))
    assert nn.init.calculate_gain("selu") == 0.75
    with pytest.raises(ValueError, match="Unsupported nonlinearity foo"):
        nn.init.calculate_gain("foo")
    with pytest.raises(ValueError, match="negative_slope True not a valid number"):
        nn.init.calculate_gain("leaky_relu", True)


def test_deterministic_fills():
    p = nn.Parameter(tg.empty([3, 4]))
    assert nn.init.constant_(p, 0.5) is p and np.all(_np(p) == 0.5)
    nn.init.zeros_(p)
    assert np.all(_np(p) == 0)
    nn.init.ones_(p)
    assert np.all(_np(p) == 1)
    nn.init.eye_(p)
    np.testing.assert_array_equal(_np(p), np.eye(3, 4))
    assert p.is_leaf and p.grad_fn is None  # fills run under no_grad
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions are supported"):
        nn.init.eye_(tg.empty([3]))
    with pytest.raises(ValueError, match="Fan in and fan out can not be computed"):
        nn.init.xavier_uniform_(tg.empty([3]))
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        nn.init.kaiming_uniform_(tg.empty([3, 3]), mode="fan_avg")
    assert nn.init._calculate_fan_in_and_fan_out(tg.empty([8, 4, 3, 3])) == (36, 72)


def test_random_fills_follow_pytorchs_formulas():
    tg.manual_seed(9)
    w = nn.Parameter(tg.empty([300, 200]))
    nn.init.uniform_(w, -0.3, 0.7)
    a = _np(w)
    assert a.min() >= -0.3 and a.max() <= 0.7 and abs(a.mean() - 0.2) < 0.01
    assert w.is_leaf and w.grad_fn is None
    nn.init.normal_(w, 2.0, 0.5)
    assert abs(_np(w).mean() - 2.0) < 0.01 and abs(_np(w).std() - 0.5) < 0.01
    nn.init.xavier_uniform_(w, gain=2.0)
    bound = 2.0 * math.sqrt(6 / 500)
    assert np.abs(_np(w)).max() <= bound and np.abs(_np(w)).max() > 0.98 * bound
    nn.init.xavier_normal_(w)
    assert abs(_np(w).std() - math.sqrt(2 / 500)) < 0.02 * math.sqrt(2 / 500)
    nn.init.kaiming_uniform_(w, nonlinearity="relu")
    bound = math.sqrt(2) * math.sqrt(3 / 200)
    assert np.abs(_np(w)).max() <= bound and np.abs(_np(w)).max() > 0.98 * bound
    nn.init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu")
    assert abs(_np(w).std() - math.sqrt(2 / 300)) < 0.02 * math.sqrt(2 / 300)
    nn.init.trunc_normal_(w, mean=0.5, std=1.0, a=0.0, b=1.5)
    assert _np(w).min() >= 0.0 and _np(w).max() <= 1.5
    q = nn.init.orthogonal_(tg.empty([4, 6]), gain=2.0)
    np.testing.assert_allclose(_np(q) @ _np(q).T, 4 * np.eye(4), atol=1e-5)
    q = nn.init.orthogonal_(tg.empty([6, 2, 2]))
    m = _np(q).reshape(6, 4)
    np.testing.assert_allclose(m.T @ m, np.eye(4), atol=1e-5)


# ==================================================================================== end to end
def test_small_mlp_trains_with_manual_sgd():
    tg.manual_seed(10)
    rng = _rng(28)
    x = rng.standard_normal((64, 2)).astype(np.float32)
    y = (x[:, :1] * x[:, 1:] > 0).astype(np.float32)  # XOR-like quadrants
    model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 1))
    loss_fn = nn.BCEWithLogitsLoss()
    xt, yt = _t(x), _t(y)
    first = None
    for _ in range(300):
        loss = loss_fn(model(xt), yt)
        first = first if first is not None else float(loss)
        model.zero_grad()
        loss.backward()
        with tg.no_grad():
            for p in model.parameters():
                p.sub_(p.grad * 0.5)
    assert float(loss) < 0.5 * first


def test_every_functional_the_layers_call_exists():
    """Each layer's forward calls tg.nn.functional by torch.nn.functional's name: all must exist."""
    import pathlib
    import re
    src = pathlib.Path(nn.modules.__file__).parent
    called = set()
    for path in src.glob("*.py"):
        called |= set(re.findall(r"\bF\.([a-z_][a-z_0-9]*)", path.read_text()))
    assert called, "no F calls found"
    missing = sorted(name for name in called if not callable(getattr(nn.functional, name, None)))
    assert missing == [], f"tg.nn.functional lacks {missing}"
