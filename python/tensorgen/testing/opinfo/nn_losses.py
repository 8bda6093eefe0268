"""Losses (cross_entropy_loss, nll_loss, the element-wise, binary cross entropy and KL divergence
losses, and their backward ops), against NumPy references written from the definitions. The
normalizations are in nn_norms.py (which shares _LOW, _f64 and the dtype rules defined here)."""
from __future__ import annotations

import numpy as np

import tensorgen as tg
from tensorgen.testing.opinfo.core import *  # noqa: F403  (the vocabulary of entries: OpInfo, SampleInput, _f, S, ...)

_LOW = {tg.float32: (1e-5, 1e-5), tg.float64: (1e-7, 1e-7), tg.float16: (1e-2, 1e-2), tg.bfloat16: (5e-2, 5e-2)}


def _f64(a):
    return None if a is None else np.asarray(a, dtype=np.float64)


# ----------------------------------------------------------------------------- losses

def _rows(x):
    """(C) / (N, C) / (N, C, d...) -> ([rows, C], loss shape)."""
    if x.ndim == 1:
        return x[None, :], ()
    moved = np.moveaxis(x, 1, -1)
    return moved.reshape(-1, x.shape[1]), moved.shape[:-1]


def _log_softmax(x):
    m = x.max(axis=1, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=1, keepdims=True))


def _loss_terms(x, t, w, ignore_index, ls, log_softmax):
    """Per-row coefficient matrix a (loss_r = -sum_c a_rc lp_rc), log-probabilities, per-row weights."""
    x = _f64(x)
    xr, lshape = _rows(x)
    C = xr.shape[1]
    lp = _log_softmax(xr) if log_softmax else xr
    wv = np.ones(C) if w is None else _f64(w)
    if np.issubdtype(np.asarray(t).dtype, np.floating):
        tr, _ = _rows(_f64(t))
        a = wv * ((1 - ls) * tr + ls / C)
        rw = np.ones(len(xr))
        probs = True
    else:
        tr = np.asarray(t).reshape(-1)
        valid = tr != ignore_index
        safe = np.where(valid, tr, 0)
        a = np.zeros_like(xr)
        a[np.arange(len(xr)), safe] = (1 - ls) * wv[safe]
        a = (a + ls / C * wv) * valid[:, None]
        rw = wv[safe] * valid
        probs = False
    return a, lp, rw, lshape, probs


def _reduce(per_row, rw, lshape, reduction, probs, dtype_like):
    if reduction == 0:
        return per_row.reshape(lshape)
    if reduction == 2:
        return per_row.sum()
    return per_row.sum() / (len(per_row) if probs else rw.sum())


def _ce_ref(log_softmax):
    def ref(x, t, w=None, reduction=1, ignore_index=-100, label_smoothing=0.0):
        a, lp, rw, lshape, probs = _loss_terms(x, t, w, ignore_index, label_smoothing, log_softmax)
        return _reduce(-(a * lp).sum(axis=1), rw, lshape, reduction, probs, x)
    return ref


def _coef(g, rw, lshape, reduction, probs, rows):
    g = _f64(g)
    if reduction == 0:
        return g.reshape(-1)
    d = (rows if probs else rw.sum()) if reduction == 1 else 1.0
    return np.full(rows, g.reshape(()) / d)


def _back_to(x, gr):
    x = np.asarray(x)
    if x.ndim == 1:
        return gr.reshape(x.shape)
    moved_shape = np.moveaxis(np.empty(x.shape, dtype=np.int8), 1, -1).shape
    return np.moveaxis(gr.reshape(moved_shape), -1, 1)


def _ce_backward_ref(log_softmax):
    def ref(g, x, t, w, reduction, ignore_index, label_smoothing=0.0):
        a, lp, rw, lshape, probs = _loss_terms(x, t, w, ignore_index, label_smoothing, log_softmax)
        cf = _coef(g, rw, lshape, reduction, probs, len(a))[:, None]
        gr = cf * (np.exp(lp) * a.sum(axis=1, keepdims=True) - a) if log_softmax else -cf * a
        return _back_to(x, gr)
    return ref


def _ce_target_grad_ref(g, x, t, w, reduction, label_smoothing):
    a, lp, rw, lshape, probs = _loss_terms(x, t, w, -100, label_smoothing, True)
    cf = _coef(g, rw, lshape, reduction, probs, len(a))[:, None]
    wv = np.ones(lp.shape[1]) if w is None else _f64(w)
    return _back_to(x, -(1 - label_smoothing) * cf * wv * lp)


def _targets(shape, C, seed=0, ignore=None):
    rng = np.random.default_rng(seed)
    t = rng.integers(0, C, size=shape)
    if ignore is not None and t.size:
        t.reshape(-1)[::3] = ignore
    return tg.tensor(t, dtype=tg.int64)


def _probs(make, shape):
    p = make(shape, low=0.0, high=1.0)
    return p


def _loss_samples(allow_probs):
    def gen(op, dtype, mode, make):
        if not is_floating(dtype):  # a sample the op must refuse (NotImplementedError)
            if mode == "basic":
                yield SampleInput(make((2, 3)), _targets((2,), 3))
            return
        if mode in ("basic", "noncontig"):
            yield SampleInput(make((4, 5)), _targets((4,), 5))
            yield SampleInput(make((3, 4, 2, 3)), _targets((3, 2, 3), 4, seed=1), None, 0)
            yield SampleInput(make((6,)), _targets((), 6, seed=2), None, 2)
            if allow_probs:
                yield SampleInput(make((4, 5)), _probs(make, (4, 5)), None, 1, -100, 0.2)
            yield SampleInput(make((5, 4)), _targets((5,), 4, seed=3, ignore=-1), make((4,), low=0.1, high=2.0), 1, -1)
            kw = (0.3,) if allow_probs else ()
            yield SampleInput(make((5, 4)), _targets((5,), 4, seed=4, ignore=2), make((4,), low=0.1, high=2.0), 0, 2, *kw)
            yield SampleInput(make((3, 4, 5)), _targets((3, 5), 4, seed=5, ignore=-100), make((4,), low=0.1, high=2.0),
                              2, -100, *kw)
        elif mode == "large":
            yield SampleInput(make((67, 1000)), _targets((67,), 1000, seed=6), None, 1, -100, *((0.1,) if allow_probs else ()))
        elif mode == "zero_size":
            yield SampleInput(make((0, 4)), _targets((0,), 4), None, 2)
    return gen


def _loss_errors(name, fn, extra=()):
    return _errors(
        ("class index out of range", lambda: fn(_f((2, 3)), tg.tensor([0, 3])), IndexError, rf"\[{name}\].*3.*3 classes"),
        ("negative class index", lambda: fn(_f((2, 3)), tg.tensor([-2, 0])), IndexError, rf"\[{name}\]"),
        ("target batch mismatch", lambda: fn(_f((2, 3)), tg.tensor([0, 1, 2])), ValueError, "batch_size"),
        ("int32 target", lambda: fn(_f((2, 3)), tg.tensor([0, 1], dtype=tg.int32)), RuntimeError, "int64"),
        ("bad reduction", lambda: fn(_f((2, 3)), tg.tensor([0, 1]), None, 3), ValueError, "reduction"),
        ("weight of the wrong size", lambda: fn(_f((2, 3)), tg.tensor([0, 1]), _f((4,))), RuntimeError, "weight"),
        ("0-d input", lambda: fn(_f(()), tg.tensor(0)), RuntimeError, "dimensions"),
        ("integer input", lambda: fn(_f((2, 3), tg.int64), tg.tensor([0, 1])), NotImplementedError),
        *extra,
    )


def _input_dtype(op, s):
    return s.args[0].dtype


def _backward_dtype(op, s):
    return s.args[1].dtype


def _with_grad(gen, reduce_pos):
    """Samples of a backward op: a gradient of the loss's shape in front of the forward's samples."""
    def samples(op, dtype, mode, make):
        if not is_floating(dtype):
            if mode == "basic":
                yield SampleInput(*(make(()), make((2, 3)), _targets((2,), 3), None, 1, -100, 0.0)[:reduce_pos + 3])
            return
        for s in gen(op, dtype, mode, make):
            x, t = s.args[0], s.args[1]
            args = list(s.args[2:]) + [None, 1, -100, 0.0][len(s.args) - 2:]
            reduction = args[1]
            loss_shape = () if x.dim() == 1 else (x.shape[0],) + tuple(x.shape[2:])
            g = make(loss_shape if reduction == 0 else ())
            yield SampleInput(g, x, t, *args[:reduce_pos])
    return samples


def entries():
    """Losses (NumPy references)."""
    out = []
    ce, nll = tg.cross_entropy_loss, tg.nll_loss
    fwd = dict(compute_dtype=_input_dtype, result_dtype=_input_dtype, tol=_LOW)
    out.append(OpInfo("cross_entropy_loss", ref=_ce_ref(True), sample_inputs=_loss_samples(True), **fwd,
                      error_inputs=_loss_errors("cross_entropy_loss", ce, (
                          ("probabilities of another shape", lambda: ce(_f((2, 3)), _f((2, 4))), ValueError, "shape"),
                          ("label_smoothing above 1", lambda: ce(_f((2, 3)), tg.tensor([0, 1]), None, 1, -100, 1.5),
                           RuntimeError, "label_smoothing"),
                      ))))
    out.append(OpInfo("nll_loss", ref=_ce_ref(False), sample_inputs=_loss_samples(False), **fwd,
                      error_inputs=_loss_errors("nll_loss", nll, (
                          ("probabilities", lambda: nll(_f((2, 3)), _f((2, 3))), RuntimeError, "class indices"),
                      ))))
    bwd = dict(compute_dtype=_backward_dtype, result_dtype=_backward_dtype, tol=_LOW)
    ceb, nllb = tg.cross_entropy_loss_backward, tg.nll_loss_backward
    out.append(OpInfo("cross_entropy_loss_backward", ref=_ce_backward_ref(True),
                      sample_inputs=_with_grad(_loss_samples(True), 4), **bwd, error_inputs=_errors(
                          ("grad of the wrong shape", lambda: ceb(_f((3,)), _f((2, 3)), tg.tensor([0, 1]), None, 0,
                                                                  -100, 0.0), RuntimeError, "grad_output"),
                          ("class index out of range", lambda: ceb(_f(()), _f((2, 3)), tg.tensor([0, 5]), None, 1,
                                                                   -100, 0.0), IndexError, "5"))))
    out.append(OpInfo("cross_entropy_loss_input_grad", ref=_ce_backward_ref(True),
                      sample_inputs=_with_grad(_loss_samples(True), 4), dtypes=FLOATING, **bwd, error_inputs=_errors(
                          ("class index out of range", lambda: tg.cross_entropy_loss_input_grad(
                              _f(()), _f((2, 3)), tg.tensor([0, 5]), None, 1, -100, 0.0), IndexError, "5"))))

    def target_grad_samples(op, dtype, mode, make):
        if not is_floating(dtype):
            if mode == "basic":
                yield SampleInput(make(()), make((2, 3)), make((2, 3)), None, 1, 0.0)
            return
        for s in _with_grad(_loss_samples(True), 4)(op, dtype, mode, make):
            if is_floating(s.args[2].dtype):
                yield SampleInput(*s.args[:5], 0.2)
        if mode == "basic":
            x = make((2, 3, 4))
            yield SampleInput(make((2, 4)), x, make((2, 3, 4), low=0.0, high=1.0), make((3,), low=0.1, high=1.0), 0, 0.0)

    out.append(OpInfo("cross_entropy_loss_target_grad", ref=_ce_target_grad_ref, sample_inputs=target_grad_samples,
                      dtypes=FLOATING, **bwd, error_inputs=_errors(
                          ("class indices", lambda: tg.cross_entropy_loss_target_grad(
                              _f(()), _f((2, 3)), tg.tensor([0, 1]), None, 1, 0.0), RuntimeError, "class indices"))))
    out.append(OpInfo("nll_loss_backward", ref=_ce_backward_ref(False),
                      sample_inputs=_with_grad(_loss_samples(False), 3), **bwd, error_inputs=_errors(
                          ("class index out of range", lambda: nllb(_f(()), _f((2, 3)), tg.tensor([0, 3]), None, 1,
                                                                    -100), IndexError, "3 classes"))))
    return out + _pointwise_loss_entries()


# ----------------------------------------------------------------------------- element-wise losses

def _reduced(loss, reduction):
    """reduction 0 none, 1 mean (nan for no elements, like PyTorch), 2 sum of a float64 loss array."""
    if reduction == 0:
        return loss
    if reduction == 2:
        return loss.sum()
    return loss.sum() / loss.size if loss.size else np.float64("nan")


def _pw_loss_ref(loss):
    """A forward reference: loss(*float64 operands, *params) per element, then the reduction."""
    def ref(x, t, reduction=1, *params):
        with np.errstate(all="ignore"):
            return _reduced(loss(_f64(x), _f64(t), *params), reduction)
    return ref


def _pw_grad_ref(grad):
    """A backward reference: grad(x, t, *params) d loss / d self per element, times grad_output,
    divided by the broadcast element count for mean."""
    def ref(g, x, t, reduction, *params):
        g, x, t = _f64(g), _f64(x), _f64(t)
        shape = np.broadcast_shapes(g.shape, x.shape, t.shape)
        n = int(np.prod(shape))
        scale = 1.0 / n if reduction == 1 and n else 1.0
        with np.errstate(all="ignore"):
            return np.broadcast_to(grad(x, t, *params) * g * scale, shape)
    return ref


def _operands_dtype(n):
    """The promoted dtype of the first n arguments (the tensor operands; reduction and the loss's
    parameters after them are Python numbers)."""
    return lambda op, s: result_type(*s.args[:n])


def _refused_pair(dtype, mode, make):
    """The sample a two-operand loss must refuse (NotImplementedError) for a non-floating dtype:
    one, in the basic mode; nothing otherwise."""
    if not is_floating(dtype) and mode == "basic":
        yield SampleInput(make((2, 3)), make((2, 3)))


def _pw_loss_samples(params=(), input_range=(None, None), target_range=(None, None)):
    """Samples of a forward element-wise loss op(self, target, reduction, *params): the three
    reductions over equal shapes, broadcasting shapes, 0-d and empty tensors, a size spanning several
    chunks of the fused reduction, mixed dtypes; `params` (tuples) each tried once."""
    def gen(op, dtype, mode, make):
        def x(shape, dt=None):
            return make(shape, dt, low=input_range[0], high=input_range[1])

        def t(shape, dt=None):
            return make(shape, dt, low=target_range[0], high=target_range[1])
        if not is_floating(dtype) or mode not in ("basic", "noncontig"):
            yield from _refused_pair(dtype, mode, make)
            return
        yield SampleInput(x((4, 5)), t((4, 5)))
        yield SampleInput(x((3, 4)), t((3, 4)), 0)
        yield SampleInput(x((2, 3, 4)), t((2, 3, 4)), 2)
        for p in params:
            yield SampleInput(x((4, 5)), t((4, 5)), 1, *p)
            yield SampleInput(x((3, 4)), t((3, 4)), 0, *p)
        yield SampleInput(x(()), t(()), 1)
        yield SampleInput(x((3, 1)), t((4,)), 0)       # operands that broadcast
        yield SampleInput(x((3, 1)), t((4,)), 1)
        if not make.noncontiguous:  # (an empty tensor is contiguous in any layout)
            yield SampleInput(x((0, 3)), t((0, 3)), 1)     # the mean of nothing: nan
            yield SampleInput(x((0, 3)), t((0, 3)), 2)
        yield SampleInput(x((40, 500)), t((40, 500)), 1)  # several chunks of the fused reduction
        yield SampleInput(x((37, 3)), t((37, 3)), 2)
        if mode == "basic" and dtype is tg.float32:
            yield SampleInput(x((3, 4)), t((3, 4), tg.float64), 1)   # promoted to float64
            yield SampleInput(x((3, 4)), t((), tg.float64), 0)       # a 0-d float64 doesn't outrank float32
    return gen


def _pw_grad_samples(forward_samples, defaults=(1,)):
    """Samples of a backward op(grad_output, self, target, reduction, *params): the forward's
    samples (their omitted arguments from `defaults`: the backward op requires them all) with a
    gradient of the loss's shape (0-d for mean and sum) in front."""
    def gen(op, dtype, mode, make):
        for s in forward_samples(op, dtype, mode, make):
            x, t = s.args[0], s.args[1]
            rest = list(s.args[2:]) + list(defaults)[len(s.args) - 2:]
            shape = np.broadcast_shapes(tuple(x.shape), tuple(t.shape))
            g = make(shape if rest[0] == 0 else (), x.dtype)
            yield SampleInput(g, x, t, *rest, **s.kwargs)
    return gen


def _pw_loss_errors(name, fn, extra=()):
    return _errors(
        ("shapes that don't broadcast", lambda: fn(_f((2, 3)), _f((4,))), RuntimeError, rf"\[{name}\]"),
        ("bad reduction", lambda: fn(_f((2, 3)), _f((2, 3)), 3), ValueError, rf"\[{name}\].*reduction"),
        ("negative reduction", lambda: fn(_f((2, 3)), _f((2, 3)), -1), ValueError, "reduction"),
        ("integer input", lambda: fn(_f((2, 3), tg.int64), _f((2, 3), tg.int64)), NotImplementedError, rf"\[{name}\]"),
        ("missing target", lambda: fn(_f((2, 3))), TypeError),
        *extra,
    )


def _pw_grad_errors(name, fn, params=()):
    return _errors(
        ("shapes that don't broadcast", lambda: fn(_f(()), _f((2, 3)), _f((4,)), 1, *params), RuntimeError,
         "cannot be broadcast"),
        ("third operand doesn't broadcast", lambda: fn(_f((2, 3)), _f((2, 3)), _f((5,)), 0, *params), RuntimeError,
         "cannot be broadcast"),
        ("bad reduction", lambda: fn(_f(()), _f((2, 3)), _f((2, 3)), 5, *params), ValueError, rf"\[{name}\].*reduction"),
    )


def _pointwise_loss_entries():
    out = []

    def add(name, loss, grad, params=(), input_range=(None, None), target_range=(None, None), errors=(),
            param_defaults=()):
        fwd_samples = _pw_loss_samples(params, input_range, target_range)
        fn, bwd = getattr(tg, name), getattr(tg, name + "_backward")
        out.append(OpInfo(name, ref=_pw_loss_ref(loss), sample_inputs=fwd_samples, tol=_LOW,
                          compute_dtype=_operands_dtype(2), result_dtype=_operands_dtype(2),
                          error_inputs=_pw_loss_errors(name, fn, errors)))
        p0 = params[0] if params else ()
        out.append(OpInfo(name + "_backward", ref=_pw_grad_ref(grad), sample_inputs=_pw_grad_samples(fwd_samples, (1, *param_defaults)),
                          tol=_LOW, compute_dtype=_operands_dtype(3), result_dtype=_operands_dtype(3),
                          error_inputs=_pw_grad_errors(name + "_backward", bwd, p0)))

    add("mse_loss", lambda x, t: (x - t) ** 2, lambda x, t: 2 * (x - t))
    add("l1_loss", lambda x, t: np.abs(x - t), lambda x, t: np.sign(x - t))

    def smooth_l1(x, t, beta=1.0):
        z = np.abs(x - t)
        return np.where(z < beta, 0.5 * z * z / beta, z - 0.5 * beta)

    def smooth_l1_grad(x, t, beta=1.0):
        return np.sign(x - t) if beta == 0 else np.clip((x - t) / beta, -1, 1)
    add("smooth_l1_loss", smooth_l1, smooth_l1_grad, params=((6.0,), (0.0,), (0.5,)), param_defaults=(1.0,), errors=(
        ("negative beta", lambda: tg.smooth_l1_loss(_f(), _f(), 1, -0.5), RuntimeError, r"\[smooth_l1_loss\].*beta"),))

    def huber(x, t, delta=1.0):
        z = np.abs(x - t)
        return np.where(z < delta, 0.5 * z * z, delta * (z - 0.5 * delta))
    add("huber_loss", huber, lambda x, t, delta=1.0: np.clip(x - t, -delta, delta), params=((6.0,), (0.3,)), param_defaults=(1.0,), errors=(
        ("zero delta", lambda: tg.huber_loss(_f(), _f(), 1, 0.0), RuntimeError, r"\[huber_loss\].*delta"),
        ("negative delta", lambda: tg.huber_loss(_f(), _f(), 1, -1.0), RuntimeError, "delta")))
    out += _bce_logits_entries()
    out += _bce_entries()
    out += _kl_div_entries()
    return out


def _tensor_args_dtype(op, s):
    return result_type(*[a for a in s.args if isinstance(a, tg.Tensor)])


def _weighted_loss_samples(target_low=0.0, input_range=(None, None)):
    """Samples of op(self, target, weight=None, pos_weight=None, reduction=1) (binary cross
    entropy with logits): the first three without weights (gradcheck differentiates every float64
    tensor, and weight has no gradient), then weight and pos_weight alone and together
    (broadcasting over the last dim), a broadcast target, 0-d, empty and large inputs."""
    def gen(op, dtype, mode, make):
        def x(shape):
            return make(shape, low=input_range[0], high=input_range[1])

        def t(shape):
            return make(shape, low=target_low, high=1.0)

        def w(shape):
            return make(shape, low=0.2, high=2.0)
        if not is_floating(dtype) or mode not in ("basic", "noncontig"):
            yield from _refused_pair(dtype, mode, make)
            return
        yield SampleInput(x((4, 5)), t((4, 5)))
        yield SampleInput(x((3, 4)), t((3, 4)), None, None, 0)
        yield SampleInput(x((2, 3, 4)), t((2, 3, 4)), None, None, 2)
        yield SampleInput(x((4, 5)), t((4, 5)), w((4, 5)), None, 1)
        yield SampleInput(x((4, 5)), t((4, 5)), w((5,)), None, 0)
        yield SampleInput(x((4, 5)), t((4, 5)), None, w((5,)), 1)
        yield SampleInput(x((3, 5)), t((3, 5)), w((3, 1)), w((5,)), 2)
        yield SampleInput(x((3, 5)), t((3, 5)), w((5,)), w((3, 5)), 0)
        yield SampleInput(x((3, 1)), t((4,)), None, None, 0)     # self and target broadcast
        yield SampleInput(x(()), t(()), None, None, 1)
        if not make.noncontiguous:  # (an empty tensor is contiguous in any layout)
            yield SampleInput(x((0, 3)), t((0, 3)), None, None, 1)   # the mean of nothing: nan
            yield SampleInput(x((0, 3)), t((0, 3)), w((3,)), None, 2)
        yield SampleInput(x((40, 500)), t((40, 500)), None, w((500,)), 1)  # several chunks of the fused reduction
        yield SampleInput(x((37, 3)), t((37, 3)), w((3,)), None, 2)
    return gen


def _grad_in_front(forward_samples, defaults=(None, None, 1)):
    """Samples of op(grad_output, self, target, <optional weights>, reduction): the forward's
    samples (their omitted arguments from `defaults`) with a gradient of the loss's shape (0-d for
    mean and sum) in front."""
    def gen(op, dtype, mode, make):
        for s in forward_samples(op, dtype, mode, make):
            args = list(s.args) + list(defaults)[len(s.args) - 2:]
            shapes = [tuple(a.shape) for a in args[:-1] if isinstance(a, tg.Tensor)]
            g = make(np.broadcast_shapes(*shapes) if args[-1] == 0 else (), args[0].dtype)
            yield SampleInput(g, *args)
    return gen


def _without_pos_weight(samples):
    """The samples of op(self, target, weight, pos_weight, reduction) that have no pos_weight, as
    op(self, target, weight, reduction) (binary_cross_entropy)."""
    def gen(op, dtype, mode, make):
        for s in samples(op, dtype, mode, make):
            if len(s.args) == 2:
                yield s
            elif s.args[3] is None:
                yield SampleInput(*s.args[:3], s.args[4])
    return gen


def _bce_logits_parts(x, t, w, pw):
    x, t = _f64(x), _f64(t)
    lw = 1.0 if pw is None else 1 + (_f64(pw) - 1) * t
    return x, t, (1.0 if w is None else _f64(w)), (1.0 if pw is None else _f64(pw)), lw


def _bce_logits_ref(x, t, w=None, pw=None, reduction=1):
    x, t, w, pw, lw = _bce_logits_parts(x, t, w, pw)
    with np.errstate(all="ignore"):
        loss = ((1 - t) * x + lw * np.logaddexp(0, -x)) * w
    return _reduced(np.asarray(loss, dtype=np.float64), reduction)


def _scaled(g, value, reduction, *operands):
    """grad_output * value broadcast to the shape of all operands, / numel for mean."""
    shape = np.broadcast_shapes(*[np.shape(a) for a in operands if a is not None])
    n = int(np.prod(shape))
    return np.broadcast_to(_f64(g) * value * (1.0 / n if reduction == 1 and n else 1.0), shape)


def _bce_logits_backward_ref(g, x0, t0, w0=None, pw0=None, reduction=1):
    x, t, w, pw, lw = _bce_logits_parts(x0, t0, w0, pw0)
    with np.errstate(all="ignore"):
        return _scaled(g, (lw / (1 + np.exp(-x)) - pw * t) * w, reduction, g, x0, t0, w0, pw0)


def _bce_logits_target_backward_ref(g, x0, t0, w0=None, pw0=None, reduction=1):
    x, t, w, pw, lw = _bce_logits_parts(x0, t0, w0, pw0)
    return _scaled(g, ((pw - 1) * np.logaddexp(0, -x) - x) * w, reduction, g, x0, t0, w0, pw0)


def _bce_logits_entries():
    name = "binary_cross_entropy_with_logits"
    fn = tg.binary_cross_entropy_with_logits
    samples = _weighted_loss_samples()
    dt = dict(compute_dtype=_tensor_args_dtype, result_dtype=_tensor_args_dtype, tol=_LOW)
    out = [OpInfo(name, ref=_bce_logits_ref, sample_inputs=samples, **dt, error_inputs=_errors(
        ("shapes that don't broadcast", lambda: fn(_f((2, 3)), _f((4,))), RuntimeError, rf"\[{name}\]"),
        ("weight that doesn't broadcast", lambda: fn(_f((2, 3)), _f((2, 3)), _f((2,))), RuntimeError, rf"\[{name}\]"),
        ("pos_weight that doesn't broadcast", lambda: fn(_f((2, 3)), _f((2, 3)), None, _f((4,))), RuntimeError,
         rf"\[{name}\]"),
        ("bad reduction", lambda: fn(_f((2, 3)), _f((2, 3)), None, None, 3), ValueError, rf"\[{name}\].*reduction"),
        ("integer input", lambda: fn(_f((2, 3), tg.int64), _f((2, 3), tg.int64)), NotImplementedError, rf"\[{name}\]"),
        ("missing target", lambda: fn(_f((2, 3))), TypeError)))]
    for op_name, ref in ((name + "_backward", _bce_logits_backward_ref),
                         (name + "_target_backward", _bce_logits_target_backward_ref)):
        bfn = getattr(tg, op_name)
        out.append(OpInfo(op_name, ref=ref, sample_inputs=_grad_in_front(samples), dtypes=FLOATING, **dt,
                          error_inputs=_errors(
                              ("shapes that don't broadcast", lambda bfn=bfn: bfn(_f(()), _f((2, 3)), _f((4,))),
                               RuntimeError, "broadcast"),
                              ("bad reduction", lambda bfn=bfn: bfn(_f(()), _f((2, 3)), _f((2, 3)), None, None, 4),
                               ValueError, "reduction"))))
    return out


def _bce_ref(x, t, w=None, reduction=1):
    x, t = _f64(x), _f64(t)
    with np.errstate(all="ignore"):
        loss = -(t * np.maximum(np.log(x), -100) + (1 - t) * np.maximum(np.log1p(-x), -100))
    return _reduced(np.asarray(loss * (1.0 if w is None else _f64(w)), dtype=np.float64), reduction)


def _bce_backward_ref(g, x0, t0, w0=None, reduction=1):
    x, t = _f64(x0), _f64(t0)
    w = 1.0 if w0 is None else _f64(w0)
    return _scaled(g, w * (x - t) / np.maximum((1 - x) * x, float(np.float32(1e-12))), reduction, g, x0, t0, w0)


def _bce_target_backward_ref(g, x0, t0, w0=None, reduction=1):
    x = _f64(x0)
    w = 1.0 if w0 is None else _f64(w0)
    with np.errstate(all="ignore"):
        return _scaled(g, w * (np.log1p(-x) - np.log(x)), reduction, g, x0, t0, w0)


def _bce_entries():
    name = "binary_cross_entropy"
    fn = tg.binary_cross_entropy
    base = _without_pos_weight(_weighted_loss_samples(input_range=(0.02, 0.98)))

    def samples(op, dtype, mode, make):
        yield from base(op, dtype, mode, make)
        if is_floating(dtype) and mode == "basic" and op.name == name:  # the clamped logs at 0 and 1
            yield SampleInput(tg.tensor([0.0, 1.0, 0.5, 1.0], dtype=dtype), make((4,), low=0.0, high=1.0), None, 0)
            yield SampleInput(tg.tensor([[0.0, 1.0], [0.25, 0.75]], dtype=dtype), make((2, 2), low=0.0, high=1.0))
    dt = dict(compute_dtype=_tensor_args_dtype, result_dtype=_tensor_args_dtype, tol=_LOW)
    out = [OpInfo(name, ref=_bce_ref, sample_inputs=samples, **dt, error_inputs=_errors(
        ("input above 1", lambda: fn(tg.tensor([0.5, 1.5]), tg.tensor([0.0, 1.0])), RuntimeError, "between 0 and 1"),
        ("negative input", lambda: fn(tg.tensor([[-0.1, 0.5]]), tg.tensor([[0.0, 1.0]]), None, 2), RuntimeError,
         "between 0 and 1"),
        ("nan input", lambda: fn(tg.tensor([float("nan"), 0.5]), tg.tensor([0.0, 1.0]), None, 0), RuntimeError,
         "between 0 and 1"),
        ("shapes that don't broadcast", lambda: fn(_f((2, 3)), _f((4,))), RuntimeError, rf"\[{name}\]"),
        ("weight that doesn't broadcast", lambda: fn(_f((2, 3)), _f((2, 3)), _f((2,))), RuntimeError, rf"\[{name}\]"),
        ("bad reduction", lambda: fn(_f((2, 3)), _f((2, 3)), None, 3), ValueError, rf"\[{name}\].*reduction"),
        ("integer input", lambda: fn(_f((2, 3), tg.int64), _f((2, 3), tg.int64)), NotImplementedError, rf"\[{name}\]"),
        ("missing target", lambda: fn(_f((2, 3))), TypeError)))]
    for op_name, ref in ((name + "_backward", _bce_backward_ref), (name + "_target_backward", _bce_target_backward_ref)):
        bfn = getattr(tg, op_name)
        out.append(OpInfo(op_name, ref=ref, sample_inputs=_grad_in_front(base, (None, 1)), dtypes=FLOATING, **dt,
                          error_inputs=_errors(
                              ("shapes that don't broadcast", lambda bfn=bfn: bfn(_f(()), _f((2, 3)), _f((4,))),
                               RuntimeError, "broadcast"),
                              ("bad reduction", lambda bfn=bfn: bfn(_f(()), _f((2, 3)), _f((2, 3)), None, 4),
                               ValueError, "reduction"))))
    return out


def _kl_div_ref(x, t, reduction=1, log_target=False):
    x, t = _f64(x), _f64(t)
    with np.errstate(all="ignore"):
        loss = np.exp(t) * (t - x) if log_target else np.where(t == 0, 0.0, t * np.log(t)) - t * x
    return _reduced(np.asarray(loss, dtype=np.float64), reduction)


def _kl_div_backward_ref(g, x, t, reduction, log_target=False):
    t64 = _f64(t)
    return _scaled(g, -(np.exp(t64) if log_target else t64), reduction, g, x, t)


def _kl_div_target_backward_ref(g, x, t, reduction, log_target=False):
    x64, t64 = _f64(x), _f64(t)
    with np.errstate(all="ignore"):
        factor = np.exp(t64) * (t64 - x64 + 1) if log_target else np.log(t64) + 1 - x64
    return _scaled(g, factor, reduction, g, x, t)


def _kl_div_entries():
    name = "kl_div"
    fn = tg.kl_div
    probs = _pw_loss_samples(input_range=(-4.0, 0.0), target_range=(0.05, 1.0))

    def samples(op, dtype, mode, make):
        yield from probs(op, dtype, mode, make)
        if is_floating(dtype):  # log-probability targets, and a probability of exactly 0 (xlogy: 0)
            yield SampleInput(make((4, 5), low=-4.0, high=0.0), make((4, 5), low=-4.0, high=0.0), 1, log_target=True)
            yield SampleInput(make((3, 4), low=-4.0, high=0.0), make((4,), low=-4.0, high=0.0), 0, log_target=True)
            yield SampleInput(make((2, 3, 4), low=-4.0, high=0.0), make((2, 3, 4), low=-4.0, high=0.0), 2,
                              log_target=True)
            if op.name == name and not make.noncontiguous:
                yield SampleInput(make((4,), low=-4.0, high=0.0), tg.tensor([0.0, 0.5, 0.0, 0.5], dtype=dtype), 0)
    dt = dict(compute_dtype=_operands_dtype(2), result_dtype=_operands_dtype(2), tol=_LOW)
    out = [OpInfo(name, ref=_kl_div_ref, sample_inputs=samples, **dt,
                  error_inputs=_pw_loss_errors(name, fn, (
                      ("log_target given positionally", lambda: fn(_f(), _f(), 1, True), TypeError),)))]
    bdt = dict(compute_dtype=_operands_dtype(3), result_dtype=_operands_dtype(3), tol=_LOW)
    out.append(OpInfo(name + "_backward", ref=_kl_div_backward_ref, sample_inputs=_pw_grad_samples(samples), **bdt,
                      error_inputs=_pw_grad_errors(name + "_backward", tg.kl_div_backward)))
    out.append(OpInfo(name + "_target_backward", ref=_kl_div_target_backward_ref, dtypes=FLOATING,
                      sample_inputs=_pw_grad_samples(samples), **bdt,
                      error_inputs=_pw_grad_errors(name + "_target_backward", tg.kl_div_target_backward)))
    return out
