"""tg.nn.functional pooling, pad, interpolate and pixel_shuffle: PyTorch's semantics at the F level
(the generated ops themselves are in the OpInfo matrix, opinfo/nn_pooling.py). The comparisons with
torch skip when it is absent; the hand-computed cases below them need no torch."""
import math

import numpy as np
import pytest

import tensorgen as tg
import tensorgen.nn.functional as F
from _threads import num_threads  # tests/ is on sys.path under pytest


def _distinct(shape, seed=0):
    """Distinct values (no ties), so max pooling's indices and gradients are unambiguous."""
    n = int(np.prod(shape))
    return (np.random.default_rng(seed).permutation(n).reshape(shape) * 0.25 - n / 8).astype(np.float64)


# ----------------------------------------------------------------------------- without torch

def test_max_pool2d_values_indices_and_gradient_by_hand():
    x = tg.tensor([[[[1.0, 5.0, 2.0], [4.0, 3.0, 9.0], [0.0, 8.0, 7.0]]]], requires_grad=True)
    y, idx = F.max_pool2d(x, 2, stride=1, return_indices=True)
    np.testing.assert_array_equal(y.detach().numpy(), [[[[5.0, 9.0], [8.0, 9.0]]]])
    np.testing.assert_array_equal(idx.numpy(), [[[[1, 5], [7, 5]]]])  # positions in the flattened 3x3 plane
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[[[0, 1, 0], [0, 0, 2], [0, 1, 0]]]])  # 9 won twice


def test_max_pool_nan_propagates_and_ties_take_the_first():
    nan = math.nan
    y, idx = F.max_pool1d(tg.tensor([[[1.0, nan, 3.0, nan, 2.0, 2.0]]]), 3, return_indices=True)
    assert math.isnan(y[0, 0, 0].item()) and idx[0, 0, 0].item() == 1
    assert math.isnan(y[0, 0, 1].item()) and idx[0, 0, 1].item() == 3  # the last NaN of the window
    y, idx = F.max_pool1d(tg.tensor([[2.0, 2.0, 1.0, 2.0]]), 2, stride=1, return_indices=True)
    np.testing.assert_array_equal(idx.numpy(), [[0, 1, 3]])


def test_max_pool2d_double_backward():
    x = tg.tensor(_distinct((2, 2, 5, 6), 1), requires_grad=True)
    assert tg.autograd.gradcheck(lambda t: F.max_pool2d(t, 3, 2, 1, ceil_mode=True), (x,))
    assert tg.autograd.gradgradcheck(lambda t: F.max_pool2d(t, 3, 2, 1, ceil_mode=True), (x,))
    assert tg.autograd.gradgradcheck(lambda t: F.adaptive_max_pool2d(t, (2, 3)), (x,))


def _avg_windows(in_hw, out_hw, k, s, p, cip, div):
    """(oh, ow, rows, cols, divisor) of every avg_pool2d output, by PyTorch's rules."""
    for oh in range(out_hw[0]):
        for ow in range(out_hw[1]):
            h0, w0 = oh * s[0] - p[0], ow * s[1] - p[1]
            h1, w1 = min(h0 + k[0], in_hw[0] + p[0]), min(w0 + k[1], in_hw[1] + p[1])
            padded = (h1 - h0) * (w1 - w0)
            rows, cols = range(max(h0, 0), min(h1, in_hw[0])), range(max(w0, 0), min(w1, in_hw[1]))
            yield oh, ow, rows, cols, div or (padded if cip else len(rows) * len(cols))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("k, s, p, ceil, cip, div", [
    ((3, 3), (2, 2), (1, 1), False, True, None), ((3, 3), (2, 2), (1, 1), True, False, None),
    ((3, 3), (1, 1), (1, 1), False, True, None), ((2, 4), (1, 3), (1, 2), True, False, None),
    ((5, 5), (3, 3), (2, 2), True, True, None), ((2, 2), (2, 2), (0, 0), False, True, 3),
    ((3, 2), (5, 4), (1, 1), False, False, None), ((4, 4), (2, 2), (2, 2), True, True, None)])
def test_avg_pool2d_sums_each_window_in_row_major_order(dtype, k, s, p, ceil, cip, div):
    """avg_pool2d and its backward, vectorized across a row of outputs (rows of 1-2 vectors and a
    tail here), give the bits of the scalar definition: each window's elements added in row-major
    order from 0, then divided; the backward adds each output's share to its window in the outputs'
    row-major order. Magnitudes spread over 6 decades, so another order rounds differently."""
    rng = np.random.default_rng(7)
    shape = (2, 2, 11, 53)
    x = (rng.standard_normal(shape) * 10.0 ** rng.uniform(-3, 3, shape)).astype(dtype)
    xt = tg.tensor(x, requires_grad=True)
    yt = F.avg_pool2d(xt, list(k), list(s), list(p), ceil, cip, div)
    out_shape = tuple(yt.shape)
    g = (rng.standard_normal(out_shape) * 10.0 ** rng.uniform(-3, 3, out_shape)).astype(dtype)
    yt.backward(tg.tensor(g))
    want_y, want_gx = np.zeros(out_shape, dtype), np.zeros(shape, dtype)
    for n, c in np.ndindex(*shape[:2]):
        for oh, ow, rows, cols, d in _avg_windows(shape[2:], out_shape[2:], k, s, p, cip, div):
            if not rows or not cols:
                continue
            acc = dtype(0)
            for h in rows:
                for w in cols:
                    acc = dtype(acc + x[n, c, h, w])
            want_y[n, c, oh, ow] = acc / dtype(d)
            share = dtype(g[n, c, oh, ow] / dtype(d))
            for h in rows:
                for w in cols:
                    want_gx[n, c, h, w] = dtype(want_gx[n, c, h, w] + share)
    np.testing.assert_array_equal(yt.detach().numpy(), want_y)
    np.testing.assert_array_equal(xt.grad.numpy(), want_gx)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("k, s, p, d, ceil", [
    ((3, 3), (2, 2), (1, 1), (1, 1), False), ((2, 2), (2, 2), (0, 0), (1, 1), False),
    ((3, 3), (1, 1), (1, 1), (2, 2), False), ((2, 3), (1, 3), (1, 1), (2, 1), True),
    ((5, 5), (3, 3), (2, 2), (1, 1), True), ((3, 2), (2, 5), (1, 1), (1, 3), True)])
def test_max_pool2d_takes_pytorchs_maximum_and_index_in_row_major_order(dtype, k, s, p, d, ceil):
    """Values and indices of max_pool2d (vectorized across a row of outputs: rows of 1-2 vectors
    and a tail here) are those of a scan of each window in row-major order that takes a larger
    value or any NaN: ties keep the first maximum, the last NaN names the index, a window of -inf
    names its first element."""
    rng = np.random.default_rng(8)
    shape = (2, 2, 11, 53)
    x = rng.integers(-3, 4, shape).astype(dtype)  # many ties
    x[rng.random(shape) < 0.03] = np.nan
    x[rng.random(shape) < 0.05] = -np.inf
    x[0, 0, :4, :12] = -np.inf  # whole windows of -inf
    y, idx = F.max_pool2d(tg.tensor(x), list(k), list(s), list(p), list(d), ceil, return_indices=True)

    def window(oh, ow):
        hs, ws = oh * s[0] - p[0], ow * s[1] - p[1]
        rows = [h for h in range(hs, hs + (k[0] - 1) * d[0] + 1, d[0]) if 0 <= h < shape[2]]
        return rows, [w for w in range(ws, ws + (k[1] - 1) * d[1] + 1, d[1]) if 0 <= w < shape[3]]
    _check_row_major_max(x, y.numpy(), idx.numpy(), window)


def _check_row_major_max(x, y, idx, window):
    """y / idx of a max pooling of x are a scan of each window (rows, cols = window(oh, ow)) in
    row-major order that takes a larger value or any NaN, starting at -inf on its first element."""
    want_y, want_i = np.empty_like(y), np.empty(idx.shape, np.int64)
    for n, c, oh, ow in np.ndindex(*y.shape):
        rows, cols = window(oh, ow)
        m, best = -np.inf, rows[0] * x.shape[3] + cols[0]
        for h in rows:
            for w in cols:
                v = x[n, c, h, w]
                if v > m or np.isnan(v):
                    m, best = v, h * x.shape[3] + w
        want_y[n, c, oh, ow], want_i[n, c, oh, ow] = m, best
    np.testing.assert_array_equal(y, want_y)  # NaN where NaN
    np.testing.assert_array_equal(idx, want_i)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("out", [(5, 7), (13, 37), (20, 50), (1, 1), (4, 3)])
def test_adaptive_max_pool2d_takes_the_row_major_maximum_and_index(dtype, out):
    """adaptive_max_pool2d is separable (each column's maximum down a row bin, vectorized along
    the row; then the bin's columns by the row-major rule on the linear index): its values and
    indices must be those of the row-major scan of each window, with ties, NaN (the last one
    names the index), -inf windows (their first element), overlapping bins (out > in) and rows
    of one vector, a tail, or both."""
    rng = np.random.default_rng(9)
    shape = (2, 2, 13, 37)
    x = rng.integers(-3, 4, shape).astype(dtype)
    x[rng.random(shape) < 0.03] = np.nan
    x[rng.random(shape) < 0.05] = -np.inf
    x[0, 0, :5, :9] = -np.inf
    y, idx = F.adaptive_max_pool2d(tg.tensor(x), out, return_indices=True)

    def window(oh, ow):
        bins = [(i * n // o, -(-(i + 1) * n // o)) for i, n, o in ((oh, shape[2], out[0]), (ow, shape[3], out[1]))]
        return list(range(*bins[0])), list(range(*bins[1]))
    _check_row_major_max(x, y.numpy(), idx.numpy(), window)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("size, align_corners", [((128, 90), False), ((37, 61), True), ((9, 20), False)])
def test_upsample_bilinear2d_interpolates_along_the_width_then_the_height(dtype, size, align_corners):
    """Each output is h0 * (w0 x[i0, j0] + w1 x[i0, j1]) + h1 * (w0 x[i1, j0] + w1 x[i1, j1]), every
    product and sum rounded to the dtype (no fma): the bits of that formula on every capability
    (rows of whole vectors and a tail; upsampling and downsampling)."""
    from tensorgen.testing.opinfo.nn_pooling import _linear_weights
    x = np.random.default_rng(4).standard_normal((2, 3, 64, 45)).astype(dtype)
    y = tg.upsample_bilinear2d(tg.tensor(x), list(size), align_corners).numpy()
    rows = _linear_weights(64, size[0], align_corners, None, np.float32 if dtype == np.float32 else np.float64)
    cols = _linear_weights(45, size[1], align_corners, None, np.float32 if dtype == np.float32 else np.float64)
    want = np.empty_like(y)
    for oh, (i0, i1, h0, h1) in enumerate(rows):
        def along_width(i):
            return np.array([dtype(dtype(w0) * x[:, :, i, j0]) + dtype(dtype(w1) * x[:, :, i, j1])
                             for j0, j1, w0, w1 in cols], dtype).transpose(1, 2, 0)
        want[:, :, oh] = dtype(h0) * along_width(i0) + dtype(h1) * along_width(i1)
    np.testing.assert_array_equal(y, want)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("size, align_corners", [((128, 90), False), ((37, 61), True), ((9, 20), False)])
def test_upsample_bilinear2d_backward_spreads_along_the_width_then_the_height(dtype, size, align_corners):
    """The gradient of input (i, j) is the sum over output rows oh reading row i (increasing oh) of
    h_w * spread[oh, j], spread[oh, j] the sum over outputs ow reading column j (increasing ow) of
    w_w * g[oh, ow]: the bits of that formula on every capability and thread count."""
    from tensorgen.testing.opinfo.nn_pooling import _linear_weights
    ft = np.float32 if dtype == np.float32 else np.float64
    g = np.random.default_rng(5).standard_normal((2, 3) + size).astype(dtype)
    got = tg.upsample_bilinear2d_backward(tg.tensor(g), list(size), [2, 3, 64, 45], align_corners).numpy()

    def readers(n_in, n_out):  # input index -> [(output index, weight)] in increasing output index
        out = [[] for _ in range(n_in)]
        for o, (i0, i1, w0, w1) in enumerate(_linear_weights(n_in, n_out, align_corners, None, ft)):
            out[i0].append((o, dtype(w0)))
            out[i1].append((o, dtype(w1)))
        return out
    spread = np.zeros((2, 3, size[0], 45), dtype)
    for j, taps in enumerate(readers(45, size[1])):
        for ow, w in taps:
            spread[:, :, :, j] += w * g[:, :, :, ow]
    want = np.zeros((2, 3, 64, 45), dtype)
    for i, taps in enumerate(readers(64, size[0])):
        for oh, w in taps:
            want[:, :, i] += w * spread[:, :, oh]
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("fn", [
    lambda t: F.avg_pool2d(t, 3, 2, 1, ceil_mode=True, count_include_pad=False),
    lambda t: F.adaptive_avg_pool2d(t, (3, 4)),
    lambda t: F.interpolate(t, scale_factor=1.5, mode="bilinear", align_corners=False),
    lambda t: F.interpolate(t, size=(7, 4), mode="nearest"),
    lambda t: F.pad(t, (1, 2, 2, 1), mode="reflect"),
    lambda t: F.pad(t, (2, -1, 0, 3), value=1.5),
    lambda t: F.pixel_shuffle(tg.cat([t, t * 2], 1), 2),
], ids=["avg_pool2d", "adaptive_avg_pool2d", "bilinear", "nearest", "pad reflect", "pad constant", "pixel_shuffle"])
def test_second_derivatives(fn):
    x = tg.tensor(_distinct((1, 2, 4, 5), 2), requires_grad=True)
    assert tg.autograd.gradcheck(fn, (x,))
    assert tg.autograd.gradgradcheck(fn, (x,))


def test_one_dim_errors_name_the_one_dim_op():
    with pytest.raises(RuntimeError, match=r"\[max_pool1d\] Expected 2D or 3D"):
        F.max_pool1d(tg.zeros([1, 1, 4, 4]), 2)
    with pytest.raises(RuntimeError, match=r"\[avg_pool1d\] pad should be at most half"):
        F.avg_pool1d(tg.zeros([1, 4]), 2, padding=2)
    with pytest.raises(RuntimeError, match=r"\[max_pool1d\] Invalid computed output size: 0"):
        F.max_pool1d(tg.zeros([1, 3]), 5)
    with pytest.raises(RuntimeError, match=r"\[max_pool1d\] stride must be greater than zero"):
        F.max_pool1d(tg.zeros([1, 3]), 2, stride=0)


# ----------------------------------------------------------------------------- against torch

try:
    import torch
except ImportError:  # the comparisons below skip; the tests above need no torch
    torch = None
tF = torch.nn.functional if torch is not None else None
needs_torch = pytest.mark.skipif(torch is None, reason="the F-level comparisons run against PyTorch")


def _pair(shape, seed=0, distinct=True):
    a = _distinct(shape, seed) if distinct else np.random.default_rng(seed).standard_normal(shape)
    return tg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)


def _same(ours, theirs, grads=None, atol=1e-12):
    """Values (and, given (x_tg, x_torch), gradients of sum(out * w)) equal to PyTorch's."""
    outs = ours if isinstance(ours, tuple) else (ours,)
    ref = theirs if isinstance(theirs, tuple) else (theirs,)
    for o, r in zip(outs, ref):
        assert list(o.shape) == list(r.shape)
        np.testing.assert_allclose(o.detach().numpy(), r.detach().numpy(), atol=atol, rtol=1e-10)
    if grads is not None:
        w = np.random.default_rng(5).standard_normal(tuple(outs[0].shape))
        (outs[0] * tg.tensor(w)).sum().backward()
        (ref[0] * torch.tensor(w)).sum().backward()
        np.testing.assert_allclose(grads[0].grad.numpy(), grads[1].grad.numpy(), atol=atol, rtol=1e-10)


_POOL_CASES = [  # (kernel, stride, padding, dilation, ceil_mode)
    (3, 2, 1, 1, False), (3, 2, 1, 1, True), (2, None, 0, 1, False), (2, None, 0, 1, True), ((3, 2), (2, 1), (1, 0), 1, True),
    (3, 1, 1, 2, False), ((2, 3), 3, (1, 1), (2, 1), True), (4, 3, 2, 1, True), (1, 1, 0, 1, False),
]


@needs_torch
@pytest.mark.parametrize("shape", [(2, 3, 7, 8), (3, 9, 6)], ids=["batched", "unbatched"])
@pytest.mark.parametrize("k, s, p, d, ceil", _POOL_CASES)
def test_max_pool2d_matches_torch(shape, k, s, p, d, ceil):
    x, tx = _pair(shape)
    _same(F.max_pool2d(x, k, s, p, d, ceil, return_indices=True),
          tF.max_pool2d(tx, k, s, p, d, ceil, return_indices=True), grads=(x, tx))


@needs_torch
@pytest.mark.parametrize("shape", [(2, 3, 11), (3, 10)], ids=["batched", "unbatched"])
@pytest.mark.parametrize("k, s, p, d, ceil", [(3, 2, 1, 1, True), (2, None, 0, 1, False), (3, 1, 1, 3, False),
                                              (4, 3, 2, 1, True)])
def test_max_pool1d_matches_torch(shape, k, s, p, d, ceil):
    x, tx = _pair(shape)
    _same(F.max_pool1d(x, k, s, p, d, ceil, return_indices=True),
          tF.max_pool1d(tx, k, s, p, d, ceil, return_indices=True), grads=(x, tx))


@needs_torch
def test_max_pool_nan_and_inf_match_torch():
    a = np.random.default_rng(3).standard_normal((2, 2, 6, 6))
    a[0, 0, 1, 1] = a[0, 0, 2, 3] = a[1, 1, 5, 5] = math.nan
    a[0, 1] = -math.inf
    for k, s, p in [(3, 2, 1), (2, 2, 0), (3, 1, 1)]:
        _same(F.max_pool2d(tg.tensor(a), k, s, p, return_indices=True),
              tF.max_pool2d(torch.tensor(a), k, s, p, return_indices=True))


@needs_torch
@pytest.mark.parametrize("shape", [(2, 3, 7, 8), (3, 9, 6)], ids=["batched", "unbatched"])
@pytest.mark.parametrize("k, s, p, ceil, cip, div", [
    (3, 2, 1, False, True, None), (3, 2, 1, True, True, None), (3, 2, 1, True, False, None), (2, None, 0, False, True, None),
    ((3, 2), (2, 1), (1, 1), True, False, None), (3, 2, 1, False, True, 4), (4, 3, 2, True, True, None),
    (4, 3, 2, True, False, None)])
def test_avg_pool2d_matches_torch(shape, k, s, p, ceil, cip, div):
    x, tx = _pair(shape, distinct=False)
    _same(F.avg_pool2d(x, k, s, p, ceil, cip, div), tF.avg_pool2d(tx, k, s, p, ceil, cip, div), grads=(x, tx))


@needs_torch
@pytest.mark.parametrize("k, s, p, ceil, cip", [(3, 2, 1, True, False), (2, None, 0, False, True), (5, 3, 2, True, True)])
def test_avg_pool1d_matches_torch(k, s, p, ceil, cip):
    x, tx = _pair((2, 3, 13), distinct=False)
    _same(F.avg_pool1d(x, k, s, p, ceil, cip), tF.avg_pool1d(tx, k, s, p, ceil, cip), grads=(x, tx))


@needs_torch
@pytest.mark.parametrize("out", [(3, 4), 1, (None, 2), (9, 5), 4])
@pytest.mark.parametrize("shape", [(2, 3, 7, 9), (3, 6, 5)], ids=["batched", "unbatched"])
def test_adaptive_pool2d_matches_torch(shape, out):
    x, tx = _pair(shape)
    _same(F.adaptive_avg_pool2d(x, out), tF.adaptive_avg_pool2d(tx, out), grads=(x, tx))
    x, tx = _pair(shape)
    _same(F.adaptive_max_pool2d(x, out, return_indices=True), tF.adaptive_max_pool2d(tx, out, return_indices=True),
          grads=(x, tx))


@needs_torch
@pytest.mark.parametrize("out", [1, 3, 5, 8])
def test_adaptive_pool1d_matches_torch(out):
    x, tx = _pair((2, 3, 7))
    _same(F.adaptive_avg_pool1d(x, out), tF.adaptive_avg_pool1d(tx, out), grads=(x, tx))
    x, tx = _pair((3, 7))
    _same(F.adaptive_max_pool1d(x, out, return_indices=True), tF.adaptive_max_pool1d(tx, out, return_indices=True),
          grads=(x, tx))


@needs_torch
@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("shape, pad", [
    ((2, 3, 5), (2, 1)), ((3, 5), (0, 3)), ((2, 3, 4, 5), (1, 2, 3, 0)), ((3, 4, 5), (2, 2, 1, 1)),
    ((1, 2, 3, 4, 5), (1, 1, 2, 0, 1, 2)), ((2, 3, 4, 5), (-1, 2, 1, -2)), ((2, 3, 5), (-2, 3)),
])
def test_pad_matches_torch(mode, shape, pad):
    x, tx = _pair(shape)
    try:
        expected = tF.pad(tx, pad, mode=mode)
    except Exception as e:  # the same exception type as PyTorch's
        with pytest.raises(type(e)):
            F.pad(x, pad, mode=mode)
        return
    _same(F.pad(x, pad, mode=mode), expected, grads=(x, tx))


@needs_torch
def test_pad_constant_any_dims_and_value():
    x, tx = _pair((2, 3, 4))
    _same(F.pad(x, (1, 2, 0, 1, 2, 0), value=-3.5), tF.pad(tx, (1, 2, 0, 1, 2, 0), value=-3.5), grads=(x, tx))
    xi = tg.tensor(np.arange(6).reshape(2, 3))
    assert F.pad(xi, (1, 1), value=7).numpy().tolist() == tF.pad(torch.arange(6).reshape(2, 3), (1, 1), value=7).tolist()


@needs_torch
@pytest.mark.parametrize("call", [
    lambda F, x: F.pad(x, (1,)),
    lambda F, x: F.pad(x, (1, 1) * 4),
    lambda F, x: F.pad(x, (1, 1), mode="foo"),
    lambda F, x: F.pad(x, (5, 0), mode="reflect"),
    lambda F, x: F.pad(x, (6, 0), mode="circular"),
    lambda F, x: F.pad(x, (1, 1) * 3, mode="reflect"),
    lambda F, x: F.pad(x, (1, 1), mode="reflect", value=2.0),
    lambda F, x: F.pad(x[0, 0], (1, 1), mode="replicate"),
], ids=["odd length", "too long", "bad mode", "reflect too far", "circular too far", "3 dims of a 3-d input",
        "value with reflect", "1-d input"])
def test_pad_errors_match_torch(call):
    x, tx = _pair((1, 3, 5))
    with pytest.raises(Exception) as theirs:
        call(tF, tx)
    with pytest.raises(theirs.type, match=r"\[pad\]"):
        call(F, x)


_INTERP_CASES = [
    ("nearest", dict(size=(7, 9))), ("nearest", dict(scale_factor=2)), ("nearest", dict(scale_factor=(1.7, 0.6))),
    ("nearest", dict(size=(3, 2))), ("nearest", dict(scale_factor=0.7, recompute_scale_factor=True)),
    ("bilinear", dict(size=(7, 9), align_corners=False)), ("bilinear", dict(size=(7, 9), align_corners=True)),
    ("bilinear", dict(scale_factor=1.5)), ("bilinear", dict(scale_factor=(0.6, 2.3), align_corners=True)),
    ("bilinear", dict(size=(2, 3))), ("bilinear", dict(size=(1, 1), align_corners=True)),
    ("bilinear", dict(scale_factor=0.55, recompute_scale_factor=True)), ("area", dict(size=(3, 4))),
]


@needs_torch
@pytest.mark.parametrize("mode, kw", _INTERP_CASES)
def test_interpolate_2d_matches_torch(mode, kw):
    x, tx = _pair((2, 3, 5, 6), distinct=False)
    _same(F.interpolate(x, mode=mode, **kw), tF.interpolate(tx, mode=mode, **kw), grads=(x, tx), atol=1e-10)


@needs_torch
@pytest.mark.parametrize("mode, kw", [("nearest", dict(size=11)), ("nearest", dict(scale_factor=1.6)),
                                      ("linear", dict(size=11, align_corners=True)),
                                      ("linear", dict(scale_factor=0.7)), ("area", dict(size=3))])
def test_interpolate_1d_matches_torch(mode, kw):
    x, tx = _pair((2, 3, 7), distinct=False)
    _same(F.interpolate(x, mode=mode, **kw), tF.interpolate(tx, mode=mode, **kw), grads=(x, tx), atol=1e-10)


@needs_torch
def test_interpolate_float32_nearest_picks_torchs_pixels():
    """The source index is computed in float32 as PyTorch does (scale 0.7 rounds below)."""
    a = np.arange(2 * 10 * 10, dtype=np.float32).reshape(1, 2, 10, 10)
    for kw in [dict(scale_factor=0.7), dict(size=(7, 3)), dict(scale_factor=(1.3, 2.9))]:
        np.testing.assert_array_equal(F.interpolate(tg.tensor(a), **kw).numpy(),
                                      tF.interpolate(torch.tensor(a), **kw).numpy())


@needs_torch
@pytest.mark.parametrize("call", [
    lambda F, x: F.interpolate(x, size=3, scale_factor=2),
    lambda F, x: F.interpolate(x),
    lambda F, x: F.interpolate(x, size=(2, 2, 2)),
    lambda F, x: F.interpolate(x, size=3, mode="nearest", align_corners=True),
    lambda F, x: F.interpolate(x, size=3, mode="foo"),
    lambda F, x: F.interpolate(x, size=0),
    lambda F, x: F.interpolate(x[0], size=3, mode="bilinear"),
    lambda F, x: F.interpolate(x, size=3, mode="linear"),
], ids=["size and scale", "neither", "size of 3 dims", "align_corners with nearest", "bad mode", "zero size",
        "bilinear of 3-d", "linear of 4-d"])
def test_interpolate_errors_match_torch(call):
    x, tx = _pair((1, 2, 4, 5))
    with pytest.raises(Exception) as theirs:
        call(tF, tx)
    with pytest.raises(theirs.type, match=r"\[(interpolate|upsample_\w+)\]"):
        call(F, x)


@needs_torch
@pytest.mark.parametrize("shape, r", [((1, 8, 3, 4), 2), ((2, 2, 9, 2, 3), 3), ((4, 2, 2), 2)])
def test_pixel_shuffle_matches_torch(shape, r):
    x, tx = _pair(shape)
    _same(F.pixel_shuffle(x, r), tF.pixel_shuffle(tx, r), grads=(x, tx))
    y, ty = _pair(tuple(F.pixel_shuffle(x, r).shape), 4)
    _same(F.pixel_unshuffle(y, r), tF.pixel_unshuffle(ty, r), grads=(y, ty))


@needs_torch
@pytest.mark.parametrize("call", [
    lambda F, m: F.pixel_shuffle(m.zeros(1, 3, 2, 2), 2),
    lambda F, m: F.pixel_shuffle(m.zeros(3, 2), 2),
    lambda F, m: F.pixel_unshuffle(m.zeros(1, 3, 3, 2), 2),
    lambda F, m: F.pixel_unshuffle(m.zeros(1, 3, 2, 3), 2),
])
def test_pixel_shuffle_errors_match_torch(call):
    with pytest.raises(Exception) as theirs:
        call(tF, torch)
    with pytest.raises(theirs.type, match=r"\[pixel_(un)?shuffle\]"):
        call(F, tg)


@needs_torch
@pytest.mark.parametrize("call", [
    lambda F, x: F.max_pool2d(x, 5),
    lambda F, x: F.max_pool2d(x, 2, stride=0),
    lambda F, x: F.max_pool2d(x, 2, padding=2),
    lambda F, x: F.max_pool2d(x, 2, dilation=0),
    lambda F, x: F.max_pool2d(x[0, 0], 2),
    lambda F, x: F.max_pool2d(x, (2, 2, 2)),
    lambda F, x: F.avg_pool2d(x, 2, divisor_override=0),
    lambda F, x: F.avg_pool2d(x, 5),
    lambda F, x: F.avg_pool2d(x, 2, padding=2),
    lambda F, x: F.max_pool1d(x, 2),
    lambda F, x: F.adaptive_avg_pool2d(x[0, 0], 2),
    lambda F, x: F.max_pool2d(x[:, :0], 2),
], ids=["kernel too large", "zero stride", "padding over half", "zero dilation", "2-d input", "kernel of 3",
        "divisor 0", "avg kernel too large", "avg padding", "1d of 4-d", "adaptive of 2-d", "no channels"])
def test_pooling_errors_match_torch(call):
    x, tx = _pair((1, 1, 4, 4))
    with pytest.raises(Exception) as theirs:
        call(tF, tx)
    with pytest.raises(theirs.type, match=r"\[\w+\]"):
        call(F, x)


@needs_torch
def test_float32_and_empty_batch_match_torch():
    a = np.random.default_rng(9).standard_normal((3, 4, 9, 10)).astype(np.float32)
    for fn in [lambda F, x: F.max_pool2d(x, 3, 2, 1), lambda F, x: F.avg_pool2d(x, 3, 2, 1, count_include_pad=False),
               lambda F, x: F.adaptive_avg_pool2d(x, (4, 3)), lambda F, x: F.interpolate(x, scale_factor=1.5,
                                                                                          mode="bilinear")]:
        np.testing.assert_allclose(fn(F, tg.tensor(a)).numpy(), fn(tF, torch.tensor(a)).numpy(), rtol=1e-5,
                                   atol=1e-6)
        assert list(fn(F, tg.zeros([0, 4, 9, 10])).shape) == list(fn(tF, torch.zeros(0, 4, 9, 10)).shape)


@needs_torch
def test_noncontiguous_and_channels_last_inputs():
    a = _distinct((2, 3, 6, 7), 6)
    x = tg.tensor(a).permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2)  # channels-last layout
    tx = torch.tensor(a).contiguous(memory_format=torch.channels_last)
    _same(F.max_pool2d(x, 3, 2, 1, return_indices=True), tF.max_pool2d(tx, 3, 2, 1, return_indices=True))
    _same(F.avg_pool2d(x.transpose(2, 3), 2), tF.avg_pool2d(tx.transpose(2, 3), 2))


@needs_torch
@pytest.mark.parametrize("threads", [1, 2])
def test_results_do_not_depend_on_the_thread_count(threads):
    a = np.random.default_rng(2).standard_normal((4, 8, 20, 20)).astype(np.float32)
    with num_threads(threads):
        x = tg.tensor(a, requires_grad=True)
        y = F.max_pool2d(x, 3, 2, 1) + F.avg_pool2d(x, 3, 2, 1)
        y.sum().backward()
        out = (y.detach().numpy(), x.grad.numpy())
    tx = torch.tensor(a, requires_grad=True)
    ty = tF.max_pool2d(tx, 3, 2, 1) + tF.avg_pool2d(tx, 3, 2, 1)
    ty.sum().backward()
    np.testing.assert_allclose(out[0], ty.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(out[1], tx.grad.numpy(), rtol=1e-6, atol=1e-6)


@needs_torch
def test_module_level_names():
    for name in ["max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d", "adaptive_avg_pool1d", "adaptive_avg_pool2d",
                 "adaptive_max_pool1d", "adaptive_max_pool2d", "pad", "interpolate", "pixel_shuffle",
                 "pixel_unshuffle"]:
        assert callable(getattr(F, name)) and hasattr(tF, name)

