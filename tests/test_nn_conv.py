"""tg.nn.functional's linear, bilinear, conv1d/conv2d, conv_transpose1d/2d, unfold and fold:
PyTorch's semantics (values, gradients, padding='same'/'valid', unbatched input, error types),
what the OpInfo matrix can't express. The matrix (tests/test_ops.py) checks the ops against NumPy
references; here the composites also get gradcheck and gradgradcheck (the matrix runs those for
ops with a derivatives.yaml entry only). The comparisons with PyTorch skip when it is absent."""
import numpy as np
import pytest

import tensorgen as tg
import tensorgen.nn.functional as F
from tensorgen.testing._utils import to_numpy
from tensorgen.testing.opinfo import op_db
from _threads import num_threads  # tests/ is on sys.path under pytest

_rng = np.random.default_rng(7)


def _np(shape, scale=1.0):
    return (_rng.standard_normal(shape) * scale).astype(np.float64)


def _torch():
    return pytest.importorskip("torch", reason="PyTorch is the reference for F-level semantics here")


# ----------------------------------------------------------------------------- gradients of the composites

_COMPOSITES = ["linear", "bilinear", "conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d", "convolution"]


@pytest.mark.parametrize("check", ["gradcheck", "gradgradcheck"])
@pytest.mark.parametrize("name", _COMPOSITES)
def test_composites_have_first_and_second_derivatives(name, check):
    """Every float64 basic sample (bias included): the convolutions differentiate through im2col /
    col2im and the GEMMs, so double backward works as in PyTorch."""
    op = next(o for o in op_db if o.name == name)
    checked = 0
    for s in op.samples_for(tg.float64):
        leaves = [a for a in list(s.args) + list(s.kwargs.values()) if isinstance(a, tg.Tensor)]
        for t in leaves:
            t.requires_grad_()

        def fn(*xs, s=s):
            it = iter(xs)
            args = [next(it) if isinstance(a, tg.Tensor) else a for a in s.args]
            kwargs = {k: next(it) if isinstance(v, tg.Tensor) else v for k, v in s.kwargs.items()}
            return op.function(*args, **kwargs)
        assert getattr(tg.autograd, check)(fn, leaves), f"{check} {name} {s}"
        checked += 1
    assert checked >= 3


# ----------------------------------------------------------------------------- values and gradients vs PyTorch

def _compare(tg_fn, torch_fn, arrays, tol=1e-10):
    """Result and the gradients of sum(result * r) with respect to every array, in float64."""
    torch = _torch()
    ours = [tg.tensor(a).requires_grad_() for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    y, yt = tg_fn(*ours), torch_fn(*theirs)
    np.testing.assert_allclose(to_numpy(y), yt.detach().numpy(), rtol=tol, atol=tol)
    r = _np(tuple(yt.shape))
    (y * tg.tensor(r)).sum().backward()
    (yt * torch.tensor(r)).sum().backward()
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(to_numpy(a.grad), b.grad.numpy(), rtol=tol, atol=tol)


_CONV2D = [
    ((2, 4, 9, 8), (6, 4, 3, 3), {}),
    ((2, 4, 9, 8), (6, 4, 3, 3), dict(stride=2, padding=1)),
    ((2, 4, 9, 8), (6, 2, 3, 2), dict(stride=(2, 1), padding=(1, 2), dilation=(2, 1), groups=2)),
    ((1, 6, 7, 7), (6, 1, 3, 3), dict(padding=1, groups=6)),                  # depthwise
    ((2, 4, 9, 8), (6, 4, 3, 3), dict(padding="same")),
    ((2, 4, 9, 8), (6, 4, 4, 2), dict(padding="same")),                       # even kernel: asymmetric 'same'
    ((2, 4, 9, 8), (6, 4, 3, 2), dict(padding="same", dilation=(2, 3))),
    ((2, 4, 9, 8), (6, 4, 3, 3), dict(padding="valid", stride=2)),
    ((4, 9, 8), (6, 4, 3, 3), dict(padding=1)),                               # unbatched
    ((4, 9, 8), (6, 4, 2, 2), dict(padding="same")),                          # unbatched, asymmetric 'same'
    ((2, 4, 5, 5), (3, 4, 5, 5), {}),                                         # kernel covers the image
]


@pytest.mark.parametrize("bias", [False, True])
@pytest.mark.parametrize("xs,ws,kw", _CONV2D)
def test_conv2d_matches_pytorch(xs, ws, kw, bias):
    torch = _torch()
    arrays = [_np(xs), _np(ws)] + ([_np(ws[0])] if bias else [])
    _compare(lambda x, w, *b: F.conv2d(x, w, *b, **kw), lambda x, w, *b: torch.nn.functional.conv2d(x, w, *b, **kw),
             arrays)


_CONV1D = [
    ((2, 4, 11), (6, 4, 3), {}),
    ((2, 4, 11), (6, 2, 3), dict(stride=2, padding=2, dilation=2, groups=2)),
    ((2, 4, 11), (6, 4, 4), dict(padding="same")),
    ((2, 4, 11), (6, 4, 3), dict(padding="same", dilation=3)),
    ((4, 11), (6, 4, 3), dict(padding="valid")),                              # unbatched
]


@pytest.mark.parametrize("xs,ws,kw", _CONV1D)
def test_conv1d_matches_pytorch(xs, ws, kw):
    torch = _torch()
    _compare(lambda x, w, b: F.conv1d(x, w, b, **kw), lambda x, w, b: torch.nn.functional.conv1d(x, w, b, **kw),
             [_np(xs), _np(ws), _np(ws[0])])


_TRANSPOSED2D = [
    ((2, 4, 5, 6), (4, 3, 3, 3), {}),
    ((2, 4, 5, 6), (4, 3, 3, 3), dict(stride=2, padding=1, output_padding=1)),
    ((2, 4, 5, 6), (4, 2, 3, 2), dict(stride=(2, 3), padding=(0, 1), output_padding=(1, 2), groups=2)),
    ((2, 4, 5, 6), (4, 3, 3, 3), dict(dilation=2, output_padding=1, padding=1)),  # output_padding >= stride
    ((4, 5, 6), (4, 3, 2, 2), dict(stride=2)),                                     # unbatched
]


@pytest.mark.parametrize("xs,ws,kw", _TRANSPOSED2D)
def test_conv_transpose2d_matches_pytorch(xs, ws, kw):
    torch = _torch()
    g = kw.get("groups", 1)
    _compare(lambda x, w, b: F.conv_transpose2d(x, w, b, **kw),
             lambda x, w, b: torch.nn.functional.conv_transpose2d(x, w, b, **kw),
             [_np(xs), _np(ws), _np(ws[1] * g)])


@pytest.mark.parametrize("xs,ws,kw", [((2, 4, 7), (4, 3, 3), dict(stride=3, padding=1, output_padding=2)),
                                      ((4, 7), (4, 2, 2), dict(groups=2, dilation=2))])
def test_conv_transpose1d_matches_pytorch(xs, ws, kw):
    torch = _torch()
    g = kw.get("groups", 1)
    _compare(lambda x, w, b: F.conv_transpose1d(x, w, b, **kw),
             lambda x, w, b: torch.nn.functional.conv_transpose1d(x, w, b, **kw),
             [_np(xs), _np(ws), _np(ws[1] * g)])


@pytest.mark.parametrize("xs,ws,bias", [((3, 5), (4, 5), True), ((2, 3, 5), (4, 5), True), ((5,), (4, 5), False),
                                        ((2, 3, 5), (5,), False), ((0, 5), (4, 5), True)])
def test_linear_matches_pytorch(xs, ws, bias):
    torch = _torch()
    arrays = [_np(xs), _np(ws)] + ([_np(ws[0])] if bias else [])
    _compare(F.linear, torch.nn.functional.linear, arrays)


@pytest.mark.parametrize("bias", [False, True])
def test_bilinear_matches_pytorch(bias):
    torch = _torch()
    arrays = [_np((2, 3, 4)), _np((2, 3, 5)), _np((6, 4, 5))] + ([_np(6)] if bias else [])
    _compare(F.bilinear, torch.nn.functional.bilinear, arrays)


@pytest.mark.parametrize("xs,kw", [((2, 3, 7, 6), dict(kernel_size=(2, 3))),
                                   ((2, 3, 7, 6), dict(kernel_size=3, dilation=2, padding=2, stride=(2, 1))),
                                   ((3, 7, 6), dict(kernel_size=2, stride=3))])               # unbatched
def test_unfold_and_fold_match_pytorch(xs, kw):
    torch = _torch()
    _compare(lambda x: F.unfold(x, **kw), lambda x: torch.nn.functional.unfold(x, **kw), [_np(xs)])
    cols = torch.nn.functional.unfold(torch.tensor(_np(xs)), **kw).numpy()
    _compare(lambda c: F.fold(c, xs[-2:], **kw), lambda c: torch.nn.functional.fold(c, xs[-2:], **kw), [cols])


# ----------------------------------------------------------------------------- bad input: PyTorch's exception types

_BAD = [
    ("conv2d", lambda m: m.conv2d(m.zeros(1, 3, 5, 5), m.zeros(4, 2, 3, 3))),                # channels
    ("conv2d", lambda m: m.conv2d(m.zeros(1, 4, 2, 2), m.zeros(4, 4, 3, 3))),                # kernel > input
    ("conv2d", lambda m: m.conv2d(m.zeros(1, 4, 5, 5), m.zeros(4, 4, 3, 3), m.zeros(3))),    # bias size
    ("conv2d", lambda m: m.conv2d(m.zeros(1, 4, 5, 5), m.zeros(6, 2, 3, 3), groups=3)),      # groups
    ("conv2d", lambda m: m.conv2d(m.zeros(1, 4, 5, 5), m.zeros(4, 4, 3, 3), stride=2, padding="same")),
    ("conv2d", lambda m: m.conv2d(m.zeros(1, 4, 5, 5), m.zeros(4, 4, 3, 3), padding="full")),
    ("conv2d", lambda m: m.conv2d(m.zeros(5, 5), m.zeros(4, 4, 3, 3))),                      # 2-D input
    ("conv1d", lambda m: m.conv1d(m.zeros(1, 3, 5), m.zeros(4, 2, 3))),
    ("conv_transpose2d", lambda m: m.conv_transpose2d(m.zeros(1, 3, 5, 5), m.zeros(4, 2, 3, 3))),
    ("conv_transpose2d", lambda m: m.conv_transpose2d(m.zeros(1, 4, 5, 5), m.zeros(4, 2, 3, 3), stride=2,
                                                      output_padding=2)),
    ("linear", lambda m: m.linear(m.zeros(3, 4), m.zeros(5, 3))),
    ("linear", lambda m: m.linear(m.zeros(3, 4), m.zeros(5, 4), m.zeros(4))),
    ("bilinear", lambda m: m.bilinear(m.zeros(3, 4), m.zeros(3, 2), m.zeros(5, 4, 3))),
    ("im2col", lambda m: m.unfold(m.zeros(1, 2, 3, 3), 4)),                 # F.unfold is the im2col op
    ("im2col", lambda m: m.unfold(m.zeros(1, 1, 2, 3, 3), 2)),
    ("col2im", lambda m: m.fold(m.zeros(1, 4, 5), (3, 3), 2)),
    ("col2im", lambda m: m.fold(m.zeros(1, 1, 4, 4), (3, 3), 2)),
]


@pytest.mark.parametrize("i", range(len(_BAD)))
def test_bad_input_raises_pytorchs_exception_type_naming_the_op(i):
    torch = _torch()
    name, call = _BAD[i]

    class Mod:  # tg or torch with F's functions and the factories
        def __init__(self, lib, fns):
            self.zeros, self.fns = lib.zeros, fns

        def __getattr__(self, k):
            return getattr(self.fns, k)

    with pytest.raises(Exception) as theirs:
        call(Mod(torch, torch.nn.functional))
    with pytest.raises(Exception) as ours:
        call(Mod(tg, F))
    assert isinstance(ours.value, type(theirs.value)), (ours.value, theirs.value)
    assert f"[{name}]" in str(ours.value) or name in str(ours.value), str(ours.value)


def test_padding_same_with_stride_names_the_problem():
    with pytest.raises(RuntimeError, match=r"\[conv2d\] padding='same' is not supported for strided"):
        F.conv2d(tg.zeros(1, 4, 5, 5), tg.zeros(4, 4, 3, 3), stride=(1, 2), padding="same")


def test_conv_transpose2d_of_a_batch_matches_image_by_image():
    """A batch's transposed convolution (one unit of work per image, by stride phases on the CPU)
    and its input gradient equal those of each image on its own, bit for bit; the weight gradient
    is their sum."""
    x = tg.tensor(_np((5, 4, 40, 40)).astype(np.float32), requires_grad=True)
    w = tg.tensor(_np((4, 16, 4, 4)).astype(np.float32), requires_grad=True)
    g = tg.tensor(_np((5, 16, 80, 80)).astype(np.float32))
    y = F.conv_transpose2d(x, w, stride=2, padding=1)
    y.backward(g)
    for i in range(5):
        xi = tg.tensor(to_numpy(x.detach())[i:i + 1], requires_grad=True)
        wi = tg.tensor(to_numpy(w.detach()), requires_grad=True)
        yi = F.conv_transpose2d(xi, wi, stride=2, padding=1)
        yi.backward(g[i:i + 1])
        np.testing.assert_array_equal(to_numpy(y.detach())[i:i + 1], to_numpy(yi.detach()))
        np.testing.assert_array_equal(to_numpy(x.grad)[i:i + 1], to_numpy(xi.grad))
        w_sum = to_numpy(wi.grad) if i == 0 else w_sum + to_numpy(wi.grad)
    np.testing.assert_allclose(to_numpy(w.grad), w_sum, rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("xs,ws,stride", [((2, 32, 40, 37), (32, 32, 3, 3), 1),   # panels in place and packed
                                           ((1, 5, 9, 23), (38, 5, 3, 3), 1),     # 2 rows over two panels of
                                           ((1, 5, 9, 23), (37, 5, 3, 3), 1),     # each kind; 1 row alone
                                           ((1, 8, 30, 70), (40, 8, 2, 5), 1),
                                           ((2, 8, 43, 40), (16, 8, 4, 4), 2),    # phase planes
                                           ((2, 8, 43, 40), (16, 8, 3, 3), 2)])
def test_conv2d_equals_unfold_and_matmul(xs, ws, stride):
    """The fused convolution (GEMM panels read from the padded image in place where a panel is one
    run of a block row, packed elsewhere) against the column matrix times the weight: the same
    multiply-adds in the same order for stride 1, so the same bits; a strided one sums each
    output's products phase by phase (the stride-1 form), so only to rounding."""
    x = tg.tensor(_np(xs).astype(np.float32))
    w = tg.tensor(_np(ws).astype(np.float32))
    y = to_numpy(F.conv2d(x, w, stride=stride, padding=1))
    ref = to_numpy((w.reshape(ws[0], -1) @ F.unfold(x, ws[2:], padding=1, stride=stride)).reshape(y.shape))
    if stride == 1:
        np.testing.assert_array_equal(y, ref)
    else:
        np.testing.assert_allclose(y, ref, rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("stride", [1, 2])
def test_depthwise_conv2d_of_a_large_image(stride):
    """One channel in and out per group on images of >= 256 positions (the fused kernel's own
    depthwise loop, not the small-image batch GEMM): values against a direct NumPy sum of the
    shifted planes, and first and second derivatives (input gradient by stride phases)."""
    h, wd = (17, 16) if stride == 1 else (33, 32)  # 272 output positions either way
    x = _np((2, 3, h, wd))
    w = _np((3, 1, 3, 3))
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    oh, ow = (h - 1) // stride + 1, (wd - 1) // stride + 1
    ref = sum(w[None, :, 0, i, j, None, None] * xp[:, :, i:i + stride * oh:stride, j:j + stride * ow:stride]
              for i in range(3) for j in range(3))
    y = F.conv2d(tg.tensor(x), tg.tensor(w), padding=1, stride=stride, groups=3)
    np.testing.assert_allclose(to_numpy(y), ref, rtol=1e-12, atol=1e-12)
    xs, ws = tg.tensor(x[:1]).requires_grad_(), tg.tensor(w).requires_grad_()
    fn = lambda a, b: F.conv2d(a, b, padding=1, stride=stride, groups=3)  # noqa: E731
    assert tg.autograd.gradcheck(fn, (xs, ws))
    assert tg.autograd.gradgradcheck(fn, (xs, ws))


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=str)
@pytest.mark.parametrize("hw,k,dilation,stride", [((19, 37), 3, 1, 1), ((18, 45), 5, 2, 1), ((20, 33), 3, 1, 2)])
def test_depthwise_conv2d_equals_unfold_and_matmul(hw, k, dilation, stride, dtype):
    """The depthwise loop (output columns in registers by four vectors, one vector, then one by one;
    the bias added in registers) sums each output's taps in the GEMM's order: the same bits as a
    channel's unfold times its filter, plus the bias."""
    x = tg.tensor(_np((2, 3, *hw)).astype(dtype))
    w = tg.tensor(_np((3, 1, k, k)).astype(dtype))
    b = tg.tensor(_np((3,)).astype(dtype))
    y = to_numpy(F.conv2d(x, w, b, padding=1, dilation=dilation, stride=stride, groups=3))
    for c in range(3):
        cols = F.unfold(x[:, c:c + 1], k, padding=1, dilation=dilation, stride=stride)
        ref = to_numpy(w[c].reshape(1, -1) @ cols)[:, 0] + to_numpy(b)[c]
        np.testing.assert_array_equal(y[:, c].reshape(2, -1), ref)


# ----------------------------------------------------------------------------- threads

def test_results_do_not_depend_on_the_thread_count():
    x = tg.tensor(_np((3, 8, 13, 11)).astype(np.float32))
    w = tg.tensor(_np((16, 8, 3, 3)).astype(np.float32))
    results = []
    for n in (1, 2, 3):
        with num_threads(n):
            y = F.conv2d(x, w, padding=1, stride=(1, 2))
            c = F.fold(F.unfold(x, 3, padding=1), (13, 11), 3, padding=1)
            # stride 2 by 4x4: the stride-1 form (phase planes) forward and backward, and the
            # transposed convolution by stride phases
            xs = x.detach().requires_grad_()
            ws = tg.tensor(_np((16, 8, 4, 4)).astype(np.float32) if n == 1 else results[0][2]).requires_grad_()
            s = F.conv2d(xs, ws, padding=1, stride=2)
            t = F.conv_transpose2d(s, ws, padding=1, stride=2)
            t.backward(tg.ones_like(t))
            results.append([to_numpy(v) for v in (y, c, ws.detach(), s.detach(), t.detach(), xs.grad, ws.grad)])
    for r in results[1:]:
        for a, b in zip(r, results[0]):
            np.testing.assert_array_equal(a, b)


def test_benchmark_rows_run():
    """benchmarks/bench_conv.py --quick runs end to end and prints its three rows (never how fast)."""
    import subprocess
    import sys
    from pathlib import Path
    script = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_conv.py"
    r = subprocess.run([sys.executable, str(script), "--quick", "--repeat", "1"], capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    for row in ["conv2d 4x64x28^2 k3 pad1 64->64 fwd", "conv2d 4x64x28^2 k3 pad1 fwd+bwd", "linear 512x256x256"]:
        assert row in r.stdout, (row, r.stdout)
