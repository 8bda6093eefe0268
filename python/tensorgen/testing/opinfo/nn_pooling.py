"""Pooling, padding, interpolation, pixel shuffle."""
from __future__ import annotations

import math  # noqa: F401

import numpy as np

import tensorgen as tg
from tensorgen.testing.opinfo.core import *  # noqa: F403  (the vocabulary of entries: OpInfo, SampleInput, _f, S, ...)

# ----------------------------------------------------------------------------- NumPy references
# Direct loops over one (H, W) plane at a time, in float64 (integers for max pooling stay exact).
# Every linear op (average pooling, resampling) is written once as its list of (output, input,
# weight) taps of a plane: the forward reference sums weight * x over the taps of each output, the
# backward reference scatters weight * grad to the inputs.


def _planes(a):
    """a as (planes, H, W) and the leading shape."""
    return a.reshape((int(np.prod(a.shape[:-2])),) + a.shape[-2:]), a.shape[:-2]


def _pair(v):
    v = list(v) if isinstance(v, (list, tuple)) else [v]
    return v * 2 if len(v) == 1 else v


def _pooled(n, k, p, s, d, ceil_mode):
    out = (n + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= n + p:
        out -= 1
    return out


def _window(a_shape, kernel_size, stride, padding, dilation, ceil_mode):
    (kh, kw), (ph, pw), (dh, dw) = _pair(kernel_size), _pair(padding), _pair(dilation)
    sh, sw = _pair(stride) if stride not in (None, [], ()) else (kh, kw)
    h, w = a_shape[-2:]
    return (kh, kw, sh, sw, ph, pw, dh, dw, _pooled(h, kh, ph, sh, dh, ceil_mode),
            _pooled(w, kw, pw, sw, dw, ceil_mode))


def _plane_max(plane, rows, cols):
    """PyTorch's window max: the first maximum in row-major order, or the last NaN; the index
    starts at the window's first position, so a window of -inf names it."""
    floating = plane.dtype.kind == "f"
    m = -np.inf if floating else np.iinfo(plane.dtype).min
    best = rows[0] * plane.shape[1] + cols[0]
    for r in rows:
        for c in cols:
            v = plane[r, c]
            if v > m or (floating and np.isnan(v)):
                m, best = v, r * plane.shape[1] + c
    return m, best


def max_pool2d_ref(a, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    kh, kw, sh, sw, ph, pw, dh, dw, oh, ow = _window(a.shape, kernel_size, stride, padding, dilation, ceil_mode)
    planes, lead = _planes(a)
    h, w = a.shape[-2:]
    values = np.zeros((planes.shape[0], oh, ow), dtype=a.dtype)
    indices = np.zeros((planes.shape[0], oh, ow), dtype=np.int64)
    for p, plane in enumerate(planes):
        for i in range(oh):
            rows = [r for r in range(i * sh - ph, i * sh - ph + (kh - 1) * dh + 1, dh) if 0 <= r < h]
            for j in range(ow):
                cols = [c for c in range(j * sw - pw, j * sw - pw + (kw - 1) * dw + 1, dw) if 0 <= c < w]
                values[p, i, j], indices[p, i, j] = _plane_max(plane, rows, cols)
    return values.reshape(lead + (oh, ow)), indices.reshape(lead + (oh, ow))


def _bins(n_in, n_out):
    return [(i * n_in // n_out, -(-(i + 1) * n_in // n_out)) for i in range(n_out)]


def adaptive_max_pool2d_ref(a, output_size):
    oh, ow = _pair(output_size)
    planes, lead = _planes(a)
    values = np.zeros((planes.shape[0], oh, ow), dtype=a.dtype)
    indices = np.zeros((planes.shape[0], oh, ow), dtype=np.int64)
    for p, plane in enumerate(planes):
        for i, (r0, r1) in enumerate(_bins(a.shape[-2], oh)):
            for j, (c0, c1) in enumerate(_bins(a.shape[-1], ow)):
                values[p, i, j], indices[p, i, j] = _plane_max(plane, range(r0, r1), range(c0, c1))
    return values.reshape(lead + (oh, ow)), indices.reshape(lead + (oh, ow))


def max_pool2d_backward_ref(g, indices, input_sizes):
    gp, _ = _planes(g.astype(np.float64))
    ip, _ = _planes(indices)
    out = np.zeros((gp.shape[0], input_sizes[-2] * input_sizes[-1]))
    for p in range(gp.shape[0]):
        np.add.at(out[p], ip[p].reshape(-1), gp[p].reshape(-1))
    return out.reshape(input_sizes).astype(g.dtype)


# -- the taps of the linear ops: [(out_index, in_index, weight)] of one plane


def _avg_taps(in_hw, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override):
    kh, kw, sh, sw, ph, pw, _, _, oh, ow = _window(in_hw, kernel_size, stride, padding, 1, ceil_mode)
    h, w = in_hw
    taps = []
    for i in range(oh):
        for j in range(ow):
            r0, c0 = i * sh - ph, j * sw - pw
            r1, c1 = min(r0 + kh, h + ph), min(c0 + kw, w + pw)
            padded = (r1 - r0) * (c1 - c0)
            r0, c0, r1, c1 = max(r0, 0), max(c0, 0), min(r1, h), min(c1, w)
            div = divisor_override or (padded if count_include_pad else (r1 - r0) * (c1 - c0))
            taps += [(i * ow + j, r * w + c, 1.0 / div) for r in range(r0, r1) for c in range(c0, c1)]
    return taps, (oh, ow)


def _adaptive_avg_taps(in_hw, output_size):
    oh, ow = _pair(output_size)
    taps = []
    for i, (r0, r1) in enumerate(_bins(in_hw[0], oh)):
        for j, (c0, c1) in enumerate(_bins(in_hw[1], ow)):
            taps += [(i * ow + j, r * in_hw[1] + c, 1.0 / ((r1 - r0) * (c1 - c0)))
                     for r in range(r0, r1) for c in range(c0, c1)]
    return taps, (oh, ow)


def _nearest_index(n_in, n_out, scale):
    """PyTorch's nearest source index, in float32 as its kernels compute it."""
    s = np.float32(1.0 / scale) if scale is not None and scale > 0 else np.float32(n_in) / np.float32(n_out)
    if n_out == n_in:
        return list(range(n_out))
    if n_out == 2 * n_in:
        return [i // 2 for i in range(n_out)]
    return [min(int(np.floor(np.float32(i) * s)), n_in - 1) for i in range(n_out)]


def _nearest_taps(in_hw, output_size, scales_h=None, scales_w=None):
    oh, ow = output_size
    rows, cols = _nearest_index(in_hw[0], oh, scales_h), _nearest_index(in_hw[1], ow, scales_w)
    return [(i * ow + j, rows[i] * in_hw[1] + cols[j], 1.0) for i in range(oh) for j in range(ow)], (oh, ow)


def _linear_weights(n_in, n_out, align_corners, scale, ft):
    """PyTorch's linear source indices and weights, in the kernels' precision ft (np.float32 for
    float32 and the half types, whose coordinates PyTorch computes in float)."""
    if n_in == n_out:
        return [(i, i, 1.0, 0.0) for i in range(n_out)]
    if align_corners:
        s = ft(n_in - 1) / ft(n_out - 1) if n_out > 1 else ft(0)
    else:
        s = ft(1.0 / scale) if scale is not None and scale > 0 else ft(n_in) / ft(n_out)
    out = []
    for i in range(n_out):
        src = s * ft(i) if align_corners else max(s * (ft(i) + ft(0.5)) - ft(0.5), ft(0))
        i0 = int(src)
        i1 = i0 + (1 if i0 < n_in - 1 else 0)
        l1 = min(max(src - ft(i0), ft(0)), ft(1))
        out.append((i0, i1, float(ft(1) - l1), float(l1)))
    return out


def _bilinear_taps(in_hw, output_size, align_corners, scales_h=None, scales_w=None, ft=np.float64):
    oh, ow = output_size
    rows = _linear_weights(in_hw[0], oh, align_corners, scales_h, ft)
    cols = _linear_weights(in_hw[1], ow, align_corners, scales_w, ft)
    taps = []
    for i, (r0, r1, a0, a1) in enumerate(rows):
        for j, (c0, c1, b0, b1) in enumerate(cols):
            for r, a in ((r0, a0), (r1, a1)):
                for c, b in ((c0, b0), (c1, b1)):
                    taps.append((i * ow + j, r * in_hw[1] + c, a * b))
    return taps, (oh, ow)


def _apply_taps(a, taps, out_hw):
    planes, lead = _planes(a.astype(np.float64))
    flat = planes.reshape(planes.shape[0], a.shape[-2] * a.shape[-1])
    out = np.zeros((planes.shape[0], out_hw[0] * out_hw[1]))
    for o, i, wt in taps:
        out[:, o] += wt * flat[:, i]
    return out.reshape(lead + tuple(out_hw)).astype(a.dtype)


def _apply_taps_transposed(g, taps, input_sizes):
    gp, _ = _planes(g.astype(np.float64))
    flat = gp.reshape(gp.shape[0], g.shape[-2] * g.shape[-1])
    out = np.zeros((gp.shape[0], input_sizes[-2] * input_sizes[-1]))
    for o, i, wt in taps:
        out[:, i] += wt * flat[:, o]
    return out.reshape(input_sizes).astype(g.dtype)


def avg_pool2d_ref(a, kernel_size, stride=(), padding=0, ceil_mode=False, count_include_pad=True,
                   divisor_override=None):
    taps, out_hw = _avg_taps(a.shape[-2:], kernel_size, stride, padding, ceil_mode, count_include_pad,
                             divisor_override)
    return _apply_taps(a, taps, out_hw)


def avg_pool2d_backward_ref(g, input_sizes, kernel_size, stride, padding, ceil_mode, count_include_pad,
                            divisor_override):
    taps, _ = _avg_taps(tuple(input_sizes[-2:]), kernel_size, stride, padding, ceil_mode, count_include_pad,
                        divisor_override)
    return _apply_taps_transposed(g, taps, input_sizes)


def adaptive_avg_pool2d_ref(a, output_size):
    return _apply_taps(a, *_adaptive_avg_taps(a.shape[-2:], output_size))


def adaptive_avg_pool2d_backward_ref(g, input_sizes):
    taps, _ = _adaptive_avg_taps(tuple(input_sizes[-2:]), g.shape[-2:])
    return _apply_taps_transposed(g, taps, input_sizes)


def upsample_nearest2d_ref(a, output_size, scales_h=None, scales_w=None):
    return _apply_taps(a, *_nearest_taps(a.shape[-2:], output_size, scales_h, scales_w))


def upsample_nearest2d_backward_ref(g, output_size, input_size, scales_h=None, scales_w=None):
    taps, _ = _nearest_taps(tuple(input_size[-2:]), output_size, scales_h, scales_w)
    return _apply_taps_transposed(g, taps, input_size)


def _coord(a):
    """The precision of the bilinear kernels' coordinates for an input array: float64 for float64."""
    return np.float64 if a.dtype == np.float64 else np.float32


def upsample_bilinear2d_ref(a, output_size, align_corners, scales_h=None, scales_w=None):
    return _apply_taps(a, *_bilinear_taps(a.shape[-2:], output_size, align_corners, scales_h, scales_w, _coord(a)))


def upsample_bilinear2d_backward_ref(g, output_size, input_size, align_corners, scales_h=None, scales_w=None):
    taps, _ = _bilinear_taps(tuple(input_size[-2:]), output_size, align_corners, scales_h, scales_w, _coord(g))
    return _apply_taps_transposed(g, taps, input_size)


# ----------------------------------------------------------------------------- samples


def _distinct(shape, dtype, seed, noncontiguous=False):
    """Values of a random permutation, spaced 0.5 apart: no two equal (max pooling's gradient is
    defined) and no two within finite-difference distance of each other. Exact in bfloat16 up to
    512 elements."""
    n = int(np.prod(shape))
    a = np.random.default_rng(seed).permutation(n).astype(np.float64).reshape(shape) * 0.5 - n / 4
    t = tg.tensor(a, dtype=dtype)
    return _maybe_noncontiguous(t, noncontiguous)


def _max_pool_samples(op, dtype, mode, make):
    """(input, kernel_size, stride, padding, dilation, ceil_mode) cases: the first ones are small (they
    are gradchecked), then batched / unbatched, ceil_mode, dilation, padding, one-sided kernels."""
    nc = make.noncontiguous

    def x(shape, seed):
        return _distinct(shape, dtype, seed, nc) if is_floating(dtype) else make(shape)
    if mode == "basic":
        yield SampleInput(x((1, 2, 5, 5), 1), [3, 3], [2, 2], [1, 1])
        yield SampleInput(x((2, 4, 5), 2), [2, 2])                                    # unbatched, floor
        yield SampleInput(x((1, 1, 6, 7), 3), [2, 3], [1, 2], [1, 0], [2, 1], True)  # dilation, ceil_mode
        yield SampleInput(x((2, 3, 7, 6), 4), [3, 2], [2, 2], [1, 1], [1, 1], True)
        yield SampleInput(x((2, 2, 4, 4), 5), [4, 1], [1, 1])                          # whole columns
        ties = np.random.default_rng(7).integers(0, 3, (2, 3, 4, 4))  # the first maximum wins
        yield SampleInput(tg.tensor(ties, dtype=dtype), [2, 2], [1, 1], name="ties")
        if is_floating(dtype):
            yield SampleInput(special_values((1, 2, 4, 5), dtype, seed=8), [2, 2], [1, 1], [1, 1],
                              name="ieee specials")
            yield SampleInput(tg.full([1, 1, 3, 3], -math.inf, dtype=dtype), [2, 2], [1, 1], [1, 1],
                              name="ieee specials")
    elif mode == "zero_size":
        yield SampleInput(make((0, 2, 4, 4)), [2, 2])                                  # empty batch
    elif mode == "large":
        yield SampleInput(make((2, 8, 33, 30)), [3, 3], [2, 2], [1, 1], name="ties")
        yield SampleInput(make((4, 31, 29)).transpose(1, 2), [2, 2], name="ties")


def _avg_pool_samples(op, dtype, mode, make):
    if mode == "basic":
        yield SampleInput(make((1, 2, 5, 5)), [3, 3], [2, 2], [1, 1])
        yield SampleInput(make((2, 4, 5)), [2, 2])
        yield SampleInput(make((1, 2, 5, 6)), [3, 2], [2, 1], [1, 1], True, False)          # ceil, exclude pad
        yield SampleInput(make((2, 2, 6, 5)), [3, 3], [2, 2], [1, 1], True, True)
        yield SampleInput(make((1, 3, 5, 5)), [2, 3], [1, 2], [1, 1], False, True, 5)       # divisor_override
    elif mode == "zero_size":
        yield SampleInput(make((0, 2, 4, 4)), [2, 2])
    elif mode == "large":
        yield SampleInput(make((2, 8, 33, 30)), [3, 3], [2, 2], [1, 1])
        yield SampleInput(make((4, 31, 29)).transpose(1, 2), [2, 2], [], [1, 1], True, False)


def _adaptive_samples(op, dtype, mode, make):
    distinct = op.name == "adaptive_max_pool2d" and is_floating(dtype)

    def x(shape, seed):
        return _distinct(shape, dtype, seed, make.noncontiguous) if distinct else make(shape)
    if mode == "basic":
        yield SampleInput(x((1, 2, 5, 7), 1), [3, 4])         # overlapping bins
        yield SampleInput(x((2, 6, 4), 2), [3, 2])            # unbatched, even bins
        yield SampleInput(x((1, 1, 3, 2), 3), [5, 4])         # more bins than inputs
        yield SampleInput(x((2, 3, 4, 4), 4), [1, 1])         # global pooling
        if distinct:
            yield SampleInput(special_values((1, 2, 4, 5), dtype, seed=9), [2, 3], name="ieee specials")
    elif mode == "zero_size":
        yield SampleInput(make((0, 2, 4, 4)), [2, 2])
    elif mode == "large":
        yield SampleInput(make((2, 8, 33, 30)), [7, 5], name="ties")


def _upsample_samples(op, dtype, mode, make):
    bilinear = op.name == "upsample_bilinear2d"
    extra = [(False,), (True,)] if bilinear else [()]
    if mode == "basic":
        for ex in extra:
            yield SampleInput(make((1, 2, 3, 4)), [5, 7], *ex)
            yield SampleInput(make((2, 3, 5)), [6, 10], *ex)                       # unbatched, 2x
            yield SampleInput(make((1, 2, 5, 7)), [3, 4], *ex)                     # downsampling
            yield SampleInput(make((2, 1, 3, 4)), [4, 6], *ex, 1.5, 1.5)           # scale factors set the grid
            yield SampleInput(make((1, 1, 4, 4)), [4, 1], *ex)                     # one size kept, one column
        yield SampleInput(make((1, 2, 7, 10)), [5, 7], *extra[0], None, 0.7)       # scale 0.7: float32 rounding
    elif mode == "large":
        yield SampleInput(make((2, 8, 33, 30)), [50, 61], *extra[-1])


def _backward_samples(fwd_samples, grad_args):
    """Samples of a backward op: a random grad of the forward's output shape (the forward run in
    float32 to find it) and the arguments grad_args(sample, input_sizes) gives."""
    def gen(op, dtype, mode, make):
        for s in fwd_samples(_FWD[op.name], tg.float32, mode, Maker(_FWD[op.name], tg.float32)):
            if s.name:
                continue
            out = _FWD_FN[op.name](*s.args, **s.kwargs)
            out = out[0] if isinstance(out, tuple) else out
            yield SampleInput(make(tuple(out.shape)), *grad_args(s, list(s.args[0].shape), out))
    return gen


def _max_backward_samples(op, dtype, mode, make):
    """(grad_output, indices, input_sizes): indices from max pooling a random input, so they are
    those the forward op gives (several outputs may name one input: the grads add up)."""
    cases = [((1, 2, 5, 5), ([3, 3], [1, 1], [1, 1])), ((2, 4, 5), ([2, 2],)),
             ((2, 3, 7, 6), ([3, 2], [2, 2], [1, 1], [1, 1], True))]
    if mode == "large":
        cases = [((2, 8, 33, 30), ([3, 3], [2, 2], [1, 1]))]
    elif mode == "zero_size":
        cases = [((0, 2, 4, 4), ([2, 2],))]
    elif mode != "basic":
        return
    for k, (shape, args) in enumerate(cases):
        _, idx = tg.max_pool2d_with_indices(_distinct(shape, tg.float64, 20 + k), *args)
        yield SampleInput(make(tuple(idx.shape)), idx, list(shape))


# ----------------------------------------------------------------------------- pad, pixel shuffle

_NP_PAD_MODE = {"constant": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def pad_ref(a, pad, mode="constant", value=None):
    """np.pad per padded dim. Negative padding: constant, reflect and replicate pad by the positive
    parts, then crop the negative ones off the ends (output j reads source j - left); circular crops
    first and wraps around what is left (PyTorch's rules)."""
    a = np.asarray(a)
    for i in range(len(pad) // 2):
        axis = a.ndim - 1 - i
        left, right = pad[2 * i], pad[2 * i + 1]
        n = a.shape[axis]
        if mode == "circular":
            a = np.take(a, range(max(-left, 0), n - max(-right, 0)), axis=axis)
        widths = [(0, 0)] * a.ndim
        widths[axis] = (max(left, 0), max(right, 0))
        kw = {"constant_values": 0 if value is None else value} if mode == "constant" else {}
        a = np.pad(a, widths, mode=_NP_PAD_MODE[mode], **kw)
        if mode != "circular":
            m = a.shape[axis]
            a = np.take(a, range(max(-left, 0), m - max(-right, 0)), axis=axis)
    return a


def pad_backward_ref(g, input_size, pad, mode):
    """The adjoint of pad: pad an index grid, then add each output's grad into the input it read."""
    n = int(np.prod(input_size))
    src = pad_ref(np.arange(n).reshape(input_size), pad, mode, -1)
    out = np.zeros(n)
    g = np.asarray(g, dtype=np.float64)
    keep = src >= 0
    np.add.at(out, src[keep], g[keep])
    return out.reshape(input_size)


_PAD_CASES = [  # (shape, pad, mode, value); the first three float64 ones are the gradcheck samples
    ((2, 3, 5), [2, 1], "reflect", None),
    ((1, 2, 4, 5), [-1, 2, 3, -2], "constant", 1.5),
    ((2, 3, 4), [2, 3, 1, 2], "circular", None),
    ((2, 3, 4, 5), [1, 2, 3, 0], "replicate", None),
    ((1, 2, 3, 4, 5), [1, 1, 2, 0, 1, 2], "reflect", None),
    ((3, 5), [0, 3], "replicate", None),
    ((2, 3, 5), [-2, 3], "circular", None),
    ((2, 3, 4, 5), [-1, 2, 1, -2], "reflect", None),
    ((2, 3, 4), [1, 2, 0, 1, 2, 0], "constant", None),
    ((2, 3), [1, 1, 1, 1], "constant", 2.0),
    ((2, 3, 5), [], "constant", None),
]


def _pad_samples(op, dtype, mode, make):
    if mode == "basic":
        for shape, pad, m, value in _PAD_CASES:
            yield SampleInput(make(shape), pad, m, value, name=f"{m} {pad}")
        yield SampleInput(make((4, 5, 3)).transpose(0, 2), [1, 2, 2, 1], "reflect", name="transposed input")
    elif mode == "zero_size":
        yield SampleInput(make((0, 3, 4)), [1, 2], "reflect")
        yield SampleInput(make((2, 0, 4)), [1, 1, 2, 2], "constant", 1.0)
        yield SampleInput(make((2, 3)), [-2, -1], "constant")
    elif mode == "large":
        yield SampleInput(make((2, 8, 33, 30)), [2, 3, 1, 4], "reflect")
        yield SampleInput(make((4, 30, 31)), [5, 0], "circular")


def _pad_backward_samples(op, dtype, mode, make):
    for s in _pad_samples(op, tg.float32, mode, Maker(op, tg.float32)):
        shape, pad, mode = list(s.args[0].shape), s.args[1], s.args[2]
        out_shape = tuple(pad_ref(np.zeros(shape), pad, mode).shape)
        yield SampleInput(make(out_shape), shape, pad, mode, name=s.name)


def pixel_shuffle_ref(a, r):
    *batch, c, h, w = a.shape
    x = a.reshape(tuple(batch) + (c // (r * r), r, r, h, w))
    nb = len(batch)
    x = x.transpose(tuple(range(nb)) + (nb, nb + 3, nb + 1, nb + 4, nb + 2))
    return x.reshape(tuple(batch) + (c // (r * r), h * r, w * r))


def pixel_unshuffle_ref(a, r):
    *batch, c, h, w = a.shape
    x = a.reshape(tuple(batch) + (c, h // r, r, w // r, r))
    nb = len(batch)
    x = x.transpose(tuple(range(nb)) + (nb, nb + 2, nb + 4, nb + 1, nb + 3))
    return x.reshape(tuple(batch) + (c * r * r, h // r, w // r))


def _shuffle_samples(op, dtype, mode, make):
    unshuffle = op.name == "pixel_unshuffle"
    cases = [((1, 8, 2, 3), 2), ((2, 1, 9, 2, 2), 3), ((4, 3, 3), 2), ((2, 3, 2, 2), 1)]
    if unshuffle:
        cases = [((1, 2, 4, 6), 2), ((2, 1, 1, 6, 3), 3), ((1, 4, 4), 2), ((2, 3, 2, 2), 1)]
    if mode == "basic":
        for shape, r in cases:
            yield SampleInput(make(shape), r)
        yield SampleInput(make((4, 4, 8)).transpose(0, 2), 2, name="non-contiguous input")
    elif mode == "zero_size":
        yield SampleInput(make((0, 4, 2, 2)), 2)
    elif mode == "large":
        yield SampleInput(make((2, 36, 17, 15) if not unshuffle else (2, 4, 51, 45)), 3)


# ----------------------------------------------------------------------------- errors


def _x(shape=(1, 1, 4, 4), dtype=tg.float32):
    return _f(shape, dtype)


def _pool_errors(name, fn):
    """The window and input checks shared by max_pool2d_with_indices and avg_pool2d."""
    op = r"\[" + ("max_pool2d" if "max" in name else "avg_pool2d") + r"\]"
    return [
        ("kernel larger than the padded input", lambda: fn(_x(), [5, 5]), RuntimeError, op + ".*Output size is too small"),
        ("padding over half the kernel", lambda: fn(_x(), [2, 2], [2, 2], [2, 2]), RuntimeError,
         op + " pad should be at most half.*padH = 2"),
        ("zero stride", lambda: fn(_x(), [2, 2], [0, 1]), RuntimeError, op + " stride should be greater than zero"),
        ("negative stride", lambda: fn(_x(), [2, 2], [-1, -1]), RuntimeError, op + " stride"),
        ("zero kernel", lambda: fn(_x(), [0, 2]), RuntimeError, op + " kernel size should be greater than zero"),
        ("2-d input", lambda: fn(_x((4, 4)), [2, 2]), RuntimeError, op + " Expected 3D or 4D.*\\[4, 4\\]"),
        ("5-d input", lambda: fn(_x((1, 1, 1, 4, 4)), [2, 2]), RuntimeError, op + " Expected 3D or 4D"),
        ("empty channels", lambda: fn(_x((1, 0, 4, 4)), [2, 2]), RuntimeError, op + " Expected 3D or 4D"),
        ("kernel of three values", lambda: fn(_x(), [2, 2, 2]), (RuntimeError, TypeError)),
        ("bool input", lambda: fn(_x(dtype=tg.bool), [2, 2]), NotImplementedError, op),
        ("kernel is a string", lambda: fn(_x(), "ab"), TypeError),
    ]


def _upsample_errors(name, fn, *extra):
    op = r"\[" + name + r"\]"
    return [
        ("zero output size", lambda: fn(_x(), [0, 2], *extra), RuntimeError, op + " Input and output sizes"),
        ("output_size of one value", lambda: fn(_x(), [3], *extra), (RuntimeError, TypeError)),
        ("2-d input", lambda: fn(_x((4, 4)), [2, 2], *extra), RuntimeError, op + " Expected 3D or 4D"),
        ("integer input", lambda: fn(_x(dtype=tg.int32), [2, 2], *extra), NotImplementedError, op),
    ]


_FWD, _FWD_FN = {}, {}


def entries():
    """max/avg/adaptive pooling and nearest/bilinear resampling, each with its backward op (NumPy
    references as direct loops over the windows; the backward ops' references scatter the same
    taps). Max pooling samples hold distinct values (no ties, so gradients exist); samples named
    "ties" and "ieee specials" check PyTorch's tie and NaN rules and are left out of gradcheck."""
    values_indices = dict(result_dtype=lambda op, s: (s.args[0].dtype, tg.int64),
                          compute_dtype=lambda op, s: s.args[0].dtype)
    own = dict(result_dtype=lambda op, s: s.args[0].dtype, compute_dtype=lambda op, s: s.args[0].dtype)
    out = []

    out.append(OpInfo("max_pool2d_with_indices", ref=max_pool2d_ref, sample_inputs=_max_pool_samples,
                      error_inputs=_errors(*_pool_errors("max", tg.max_pool2d_with_indices),
                                           ("zero dilation", lambda: tg.max_pool2d_with_indices(_x(), [2, 2], [], 0, 0),
                                            RuntimeError, r"\[max_pool2d\] dilation should be greater than zero")),
                      **values_indices))
    out.append(OpInfo("_max_pool2d_backward", ref=max_pool2d_backward_ref, sample_inputs=_max_backward_samples,
                      error_inputs=_errors(
                          ("index out of the plane", lambda: tg._C._max_pool2d_backward(
                              _x((1, 1, 2, 2)), tg.full([1, 1, 2, 2], 16, dtype=tg.int64), [1, 1, 4, 4]),
                           IndexError, r"\[_max_pool2d_backward\] index 16 is out of bounds"),
                          ("negative index", lambda: tg._C._max_pool2d_backward(
                              _x((1, 1, 2, 2)), tg.full([1, 1, 2, 2], -1, dtype=tg.int64), [1, 1, 4, 4]),
                           IndexError, "index -1"),
                          ("int32 indices", lambda: tg._C._max_pool2d_backward(
                              _x((1, 1, 2, 2)), tg.zeros([1, 1, 2, 2], dtype=tg.int32), [1, 1, 4, 4]),
                           TypeError, "int64"),
                          ("indices of another shape", lambda: tg._C._max_pool2d_backward(
                              _x((1, 1, 2, 2)), tg.zeros([1, 1, 2, 3], dtype=tg.int64), [1, 1, 4, 4]),
                           RuntimeError, "does not match indices"),
                          ("input of another batch", lambda: tg._C._max_pool2d_backward(
                              _x((1, 1, 2, 2)), tg.zeros([1, 1, 2, 2], dtype=tg.int64), [2, 1, 4, 4]),
                           RuntimeError, "outside the last two dims"),
                      ), **own))
    out.append(OpInfo("avg_pool2d", ref=avg_pool2d_ref, sample_inputs=_avg_pool_samples,
                      error_inputs=_errors(*_pool_errors("avg", tg.avg_pool2d),
                                           ("divisor_override 0", lambda: tg.avg_pool2d(_x(), [2, 2], [], 0, False, True, 0),
                                            RuntimeError, r"\[avg_pool2d\] divisor must be not zero")),
                      **own))

    def avg_grad_args(s, sizes, y):
        rest = list(s.args[1:])
        rest += [[], 0, False, True, None][len(rest) - 1:]
        return [sizes] + rest
    _FWD["avg_pool2d_backward"] = out[-1]
    _FWD_FN["avg_pool2d_backward"] = tg.avg_pool2d
    out.append(OpInfo("avg_pool2d_backward", ref=avg_pool2d_backward_ref,
                      sample_inputs=_backward_samples(_avg_pool_samples, avg_grad_args),
                      error_inputs=_errors(
                          ("grad of the wrong shape", lambda: tg.avg_pool2d_backward(
                              _x((1, 1, 3, 3)), [1, 1, 4, 4], [2, 2], [2, 2], [0, 0], False, True, None),
                           RuntimeError, r"\[avg_pool2d_backward\] grad_output of shape \[1, 1, 3, 3\] does not match"),
                          ("divisor_override 0", lambda: tg.avg_pool2d_backward(
                              _x((1, 1, 2, 2)), [1, 1, 4, 4], [2, 2], [2, 2], [0, 0], False, True, 0),
                           RuntimeError, "divisor must be not zero"),
                      ), **own))
    out.append(OpInfo("adaptive_avg_pool2d", ref=adaptive_avg_pool2d_ref, sample_inputs=_adaptive_samples,
                      error_inputs=_errors(
                          ("2-d input", lambda: tg.adaptive_avg_pool2d(_x((4, 4)), [2, 2]), RuntimeError,
                           r"\[adaptive_avg_pool2d\] Expected 3D or 4D"),
                          ("negative output size", lambda: tg.adaptive_avg_pool2d(_x(), [-1, 2]), RuntimeError,
                           "non-negative"),
                          ("empty plane", lambda: tg.adaptive_avg_pool2d(_x((1, 1, 0, 4)), [2, 2]), RuntimeError,
                           "non-zero size"),
                          ("integer input", lambda: tg.adaptive_avg_pool2d(_x(dtype=tg.int64), [2, 2]),
                           NotImplementedError, r"\[adaptive_avg_pool2d\]"),
                      ), **own))
    _FWD["_adaptive_avg_pool2d_backward"] = out[-1]
    _FWD_FN["_adaptive_avg_pool2d_backward"] = tg.adaptive_avg_pool2d
    out.append(OpInfo("_adaptive_avg_pool2d_backward", ref=adaptive_avg_pool2d_backward_ref,
                      sample_inputs=_backward_samples(_adaptive_samples, lambda s, sizes, y: [sizes]),
                      error_inputs=_errors(
                          ("grad of another batch", lambda: tg._C._adaptive_avg_pool2d_backward(_x((2, 1, 2, 2)),
                                                                                              [1, 1, 4, 4]),
                           RuntimeError, r"\[_adaptive_avg_pool2d_backward\] grad_output of shape"),
                      ), **own))
    out.append(OpInfo("adaptive_max_pool2d", ref=adaptive_max_pool2d_ref, sample_inputs=_adaptive_samples,
                      error_inputs=_errors(
                          ("2-d input", lambda: tg.adaptive_max_pool2d(_x((4, 4)), [2, 2]), RuntimeError,
                           r"\[adaptive_max_pool2d\] Expected 3D or 4D"),
                          ("output_size of three", lambda: tg.adaptive_max_pool2d(_x(), [2, 2, 2]),
                           (RuntimeError, TypeError)),
                          ("integer input", lambda: tg.adaptive_max_pool2d(_x(dtype=tg.int64), [2, 2]),
                           NotImplementedError, r"\[adaptive_max_pool2d\]"),
                      ), **values_indices))
    out.append(OpInfo("upsample_nearest2d", ref=upsample_nearest2d_ref, sample_inputs=_upsample_samples,
                      error_inputs=_errors(*_upsample_errors("upsample_nearest2d", tg.upsample_nearest2d)), **own))
    _FWD["upsample_nearest2d_backward"] = out[-1]
    _FWD_FN["upsample_nearest2d_backward"] = tg.upsample_nearest2d
    out.append(OpInfo("upsample_nearest2d_backward", ref=upsample_nearest2d_backward_ref,
                      sample_inputs=_backward_samples(
                          _upsample_samples, lambda s, sizes, y: [s.args[1], sizes] + list(s.args[2:])),
                      error_inputs=_errors(
                          ("grad of the wrong shape", lambda: tg.upsample_nearest2d_backward(
                              _x((1, 1, 3, 3)), [4, 4], [1, 1, 2, 2]), RuntimeError,
                           r"\[upsample_nearest2d_backward\] grad_output of shape"),
                      ), **own))
    out.append(OpInfo("upsample_bilinear2d", ref=upsample_bilinear2d_ref, sample_inputs=_upsample_samples,
                      error_inputs=_errors(*_upsample_errors("upsample_bilinear2d", tg.upsample_bilinear2d, False)),
                      **own))
    _FWD["upsample_bilinear2d_backward"] = out[-1]
    _FWD_FN["upsample_bilinear2d_backward"] = tg.upsample_bilinear2d
    out.append(OpInfo("upsample_bilinear2d_backward", ref=upsample_bilinear2d_backward_ref,
                      sample_inputs=_backward_samples(
                          _upsample_samples, lambda s, sizes, y: [s.args[1], sizes] + list(s.args[2:])),
                      error_inputs=_errors(
                          ("grad of the wrong shape", lambda: tg.upsample_bilinear2d_backward(
                              _x((1, 1, 3, 3)), [4, 4], [1, 1, 2, 2], True), RuntimeError,
                           r"\[upsample_bilinear2d_backward\] grad_output of shape"),
                      ), **own))
    out.append(OpInfo("pad", ref=pad_ref, sample_inputs=_pad_samples, dtypes=ALL_DTYPES, error_inputs=_errors(
        ("odd length", lambda: tg.pad(_x((1, 3, 5)), [1]), RuntimeError, r"\[pad\] Padding length must be divisible"),
        ("too long", lambda: tg.pad(_x((1, 3, 5)), [1, 1] * 4), RuntimeError, r"\[pad\] Padding length should be"),
        ("bad mode", lambda: tg.pad(_x((1, 3, 5)), [1, 1], "foo"), NotImplementedError,
         r"\[pad\] Unrecognised padding mode foo"),
        ("reflect too far", lambda: tg.pad(_x((1, 3, 5)), [5, 0], "reflect"), RuntimeError,
         r"\[pad\] Padding size should be less than the corresponding input dimension"),
        ("circular too far", lambda: tg.pad(_x((1, 3, 5)), [6, 0], "circular"), RuntimeError,
         r"\[pad\] Padding value causes wrapping around more than once"),
        ("3 dims of a 3-d input", lambda: tg.pad(_x((1, 3, 5)), [1, 1] * 3, "reflect"), NotImplementedError,
         r"\[pad\] Padding size 6 is not supported for 3D input"),
        ("value with reflect", lambda: tg.pad(_x((1, 3, 5)), [1, 1], "reflect", 2.0), RuntimeError,
         r"\[pad\] Padding mode \"reflect\" doesn't take in value argument"),
        ("1-d input", lambda: tg.pad(_x((5,)), [1, 1], "replicate"), NotImplementedError,
         r"\[pad\] Padding size 2 is not supported for 1D"),
        ("crops more than the dim", lambda: tg.pad(_x((1, 3, 5)), [-6, 0]), RuntimeError,
         r"\[pad\] padding \(-6, 0\) crops more than the size 5"),
        ("replicate of an empty dim", lambda: tg.pad(_x((1, 3, 0)), [1, 1], "replicate"), RuntimeError,
         r"\[pad\] replicate padding of the empty dim"),
        ("pad is a string", lambda: tg.pad(_x((1, 3, 5)), "ab"), TypeError),
    ), **own))
    out.append(OpInfo("pad_backward", ref=pad_backward_ref, sample_inputs=_pad_backward_samples, error_inputs=_errors(
        ("grad of the wrong shape", lambda: tg.pad_backward(_x((1, 3, 6)), [1, 3, 5], [2, 1], "reflect"), RuntimeError,
         r"\[pad_backward\] grad_output of shape \[1, 3, 6\] does not match the padded input's shape \[1, 3, 8\]"),
        ("reflect too far", lambda: tg.pad_backward(_x((1, 3, 10)), [1, 3, 5], [5, 0], "reflect"), RuntimeError,
         r"\[pad_backward\] Padding size should be less"),
        ("integer grad", lambda: tg.pad_backward(_x((1, 3, 8), tg.int64), [1, 3, 5], [2, 1], "reflect"),
         NotImplementedError, r"\[pad_backward\]"),
    ), **own))
    for name, ref, msg in (("pixel_shuffle", pixel_shuffle_ref, "upscale_factor"),
                           ("pixel_unshuffle", pixel_unshuffle_ref, "downscale_factor")):
        fn = getattr(tg, name)
        out.append(OpInfo(name, ref=ref, sample_inputs=_shuffle_samples, dtypes=ALL_DTYPES, error_inputs=_errors(
            ("2-d input", lambda fn=fn: fn(_x((4, 4)), 2), RuntimeError,
             rf"\[{name}\] expects input to have at least 3 dimensions"),
            ("zero factor", lambda fn=fn: fn(_x((1, 4, 2, 2)), 0), RuntimeError, rf"\[{name}\] expects a positive {msg}"),
            ("indivisible", lambda fn=fn: fn(_x((1, 3, 3, 3)), 2), RuntimeError, rf"\[{name}\] expects"),
        ), **own))
    return out
