"""Convolutions, linear, unfold/fold."""
from __future__ import annotations

import math  # noqa: F401

import numpy as np

import tensorgen as tg
from tensorgen.testing.opinfo.core import *  # noqa: F403  (the vocabulary of entries: OpInfo, SampleInput, _f, S, ...)

# ----------------------------------------------------------------------------- NumPy references
# Direct sums over the definitions (float64), one loop per kernel tap; 1-d runs as 2-d with height 1.


def _pair(v):
    return (int(v), int(v)) if np.isscalar(v) else tuple(int(x) for x in v)


def _as_2d(v, nd, one):
    """A per-dim argument of an nd-d convolution as the (h, w) pair of the 2-d one."""
    v = [int(v)] * nd if np.isscalar(v) else [int(x) for x in v]
    if len(v) == 1:
        v = v * nd
    return (one, v[0]) if nd == 1 else (v[0], v[1])


def ref_im2col(x, kernel_size, dilation, padding, stride):
    x = np.asarray(x, dtype=np.float64)
    batched = x.ndim == 4
    x = x if batched else x[None]
    (kh, kw), (dh, dw), (ph, pw), (sh, sw) = map(_pair, (kernel_size, dilation, padding, stride))
    n, c, h, w = x.shape
    xp = np.zeros((n, c, h + 2 * ph, w + 2 * pw))
    xp[:, :, ph:ph + h, pw:pw + w] = x
    oh = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    ow = (w + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    cols = np.zeros((n, c, kh, kw, oh, ow))
    for ki in range(kh):
        for kj in range(kw):
            cols[:, :, ki, kj] = xp[:, :, ki * dh:ki * dh + sh * (oh - 1) + 1:sh, kj * dw:kj * dw + sw * (ow - 1) + 1:sw]
    cols = cols.reshape(n, c * kh * kw, oh * ow)
    return cols if batched else cols[0]


def ref_col2im(cols, output_size, kernel_size, dilation, padding, stride):
    cols = np.asarray(cols, dtype=np.float64)
    batched = cols.ndim == 3
    cols = cols if batched else cols[None]
    (h, w), (kh, kw), (dh, dw), (ph, pw), (sh, sw) = map(_pair, (output_size, kernel_size, dilation, padding, stride))
    n = cols.shape[0]
    c = cols.shape[1] // (kh * kw)
    oh = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    ow = (w + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    cols = cols.reshape(n, c, kh, kw, oh, ow)
    canvas = np.zeros((n, c, h + 2 * ph, w + 2 * pw))
    for ki in range(kh):
        for kj in range(kw):
            canvas[:, :, ki * dh:ki * dh + sh * (oh - 1) + 1:sh, kj * dw:kj * dw + sw * (ow - 1) + 1:sw] += cols[:, :, ki, kj]
    out = canvas[:, :, ph:ph + h, pw:pw + w]
    return out if batched else out[0]


def ref_conv(x, w, b=None, stride=1, padding=0, dilation=1, groups=1, *, transposed=False, output_padding=0):
    """out[n, o, y, x] = sum over the group's channels and the kernel taps of input * weight, or its
    adjoint (transposed), for 1-d or 2-d (the weight's rank), batched or not."""
    x = np.asarray(x, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    nd = w.ndim - 2
    batched = x.ndim == nd + 2
    x = x if batched else x[None]
    if nd == 1:
        x, w = x[:, :, None], w[:, :, None]
    (sh, sw), (ph, pw), (dh, dw) = _as_2d(stride, nd, 1), _as_2d(padding, nd, 0), _as_2d(dilation, nd, 1)
    oph, opw = _as_2d(output_padding, nd, 0)
    n, c, h, wd = x.shape
    kh, kw = w.shape[2:]
    if not transposed:
        o = w.shape[0]
        cg, og = c // groups, o // groups
        xp = np.zeros((n, c, h + 2 * ph, wd + 2 * pw))
        xp[:, :, ph:ph + h, pw:pw + wd] = x
        oh = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
        ow = (wd + 2 * pw - dw * (kw - 1) - 1) // sw + 1
        out = np.zeros((n, o, oh, ow))
        for g in range(groups):
            for ki in range(kh):
                for kj in range(kw):
                    patch = xp[:, g * cg:(g + 1) * cg, ki * dh:ki * dh + sh * (oh - 1) + 1:sh,
                               kj * dw:kj * dw + sw * (ow - 1) + 1:sw]
                    out[:, g * og:(g + 1) * og] += np.einsum("ncyx,oc->noyx", patch, w[g * og:(g + 1) * og, :, ki, kj])
    else:
        og = w.shape[1]
        o, cg = og * groups, c // groups
        oh = (h - 1) * sh - 2 * ph + dh * (kh - 1) + oph + 1
        ow = (wd - 1) * sw - 2 * pw + dw * (kw - 1) + opw + 1
        full = np.zeros((n, o, max((h - 1) * sh + dh * (kh - 1) + 1, ph + oh), max((wd - 1) * sw + dw * (kw - 1) + 1, pw + ow)))
        for g in range(groups):
            for ki in range(kh):
                for kj in range(kw):
                    full[:, g * og:(g + 1) * og, ki * dh:ki * dh + sh * (h - 1) + 1:sh, kj * dw:kj * dw + sw * (wd - 1) + 1:sw] += \
                        np.einsum("ncyx,co->noyx", x[:, g * cg:(g + 1) * cg], w[g * cg:(g + 1) * cg, :, ki, kj])
        out = full[:, :, ph:ph + oh, pw:pw + ow]
    if b is not None:
        out = out + np.asarray(b, dtype=np.float64).reshape(1, -1, 1, 1)
    if nd == 1:
        out = out[:, :, 0]
    return out if batched else out[0]


def ref_linear(x, w, b=None):
    y = np.matmul(x, np.swapaxes(w, -1, -2)) if w.ndim == 2 else np.matmul(x, w)
    return y if b is None else y + b


def ref_bilinear(x1, x2, w, b=None):
    y = np.einsum("...i,oij,...j->...o", x1, w, x2)
    return y if b is None else y + b


# ----------------------------------------------------------------------------- samples

def _conv_cases(nd, transposed):
    """(input shape, weight shape, bias?, kwargs) per mode; small, for gradgradcheck."""
    if nd == 2 and not transposed:
        basic = [((2, 3, 5, 6), (4, 3, 3, 3), True, {}),
                 # the digits CNN's small images (the _im2col_batch path): 8x8 and 4x4 with padding,
                 # grouped and strided
                 ((3, 2, 8, 8), (4, 2, 3, 3), True, dict(padding=1)),
                 ((2, 4, 4, 4), (6, 2, 3, 3), True, dict(padding=1, stride=2, groups=2)),
                 ((2, 4, 7, 6), (6, 2, 3, 2), True, dict(stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=2)),
                 ((3, 6, 5), (2, 3, 2, 3), False, dict(padding=1, groups=1)),              # unbatched
                 ((1, 3, 4, 4), (3, 1, 1, 1), False, dict(groups=3)),                       # depthwise 1x1
                 ((1, 2, 5, 5), (2, 2, 2, 2), True, dict(stride=3, padding=2, dilation=2))]
        large = [((2, 8, 17, 19), (16, 8, 3, 3), True, dict(padding=1))]
        zero = [((0, 3, 5, 5), (4, 3, 3, 3), True, {})]
    elif nd == 1 and not transposed:
        basic = [((2, 3, 7), (4, 3, 3), True, {}),
                 ((2, 4, 9), (6, 2, 2), True, dict(stride=2, padding=1, dilation=3, groups=2)),
                 ((3, 6), (2, 3, 2), False, dict(padding=2))]
        large = [((3, 16, 101), (8, 16, 5), True, dict(padding=2))]
        zero = [((0, 3, 5), (4, 3, 3), True, {})]
    elif nd == 2:
        basic = [((2, 4, 3, 4), (4, 3, 3, 3), True, {}),
                 ((2, 4, 3, 3), (4, 2, 2, 3), True, dict(stride=(2, 3), padding=(1, 0), output_padding=(1, 2), groups=2)),
                 ((3, 3, 2), (3, 2, 2, 2), False, dict(stride=2, dilation=2, output_padding=1)),  # unbatched
                 ((1, 2, 3, 3), (2, 1, 3, 2), True, dict(stride=1, padding=1, output_padding=(1, 0), dilation=2))]
        large = [((2, 8, 9, 11), (8, 4, 3, 3), True, dict(stride=2, padding=1, output_padding=1))]
        zero = [((0, 4, 3, 3), (4, 3, 3, 3), True, {})]
    else:
        basic = [((2, 4, 5), (4, 3, 3), True, {}),
                 ((2, 4, 4), (4, 2, 3), True, dict(stride=3, padding=1, output_padding=2, groups=2)),
                 ((3, 4), (3, 2, 2), False, dict(stride=2, dilation=3, output_padding=2))]
        large = [((3, 16, 50), (16, 8, 5), True, dict(stride=2, padding=2, output_padding=1))]
        zero = [((0, 4, 5), (4, 3, 3), True, {})]
    return {"basic": basic, "large": large, "zero_size": zero}


def _conv_samples_for(nd, transposed, generic=False):
    def gen(op, dtype, mode, make):
        for xs, ws, bias, kw in _conv_cases(nd, transposed).get(mode, []):
            out_ch = ws[1] * kw.get("groups", 1) if transposed else ws[0]
            b = make((out_ch,)) if bias else None
            if generic:
                d = len(ws) - 2
                args = (make(xs), make(ws), b, _as_list(kw.get("stride", 1), d), _as_list(kw.get("padding", 0), d),
                        _as_list(kw.get("dilation", 1), d), transposed, _as_list(kw.get("output_padding", 0), d),
                        kw.get("groups", 1))
                yield SampleInput(*args)
            else:
                yield SampleInput(make(xs), make(ws), b, **kw)
    return gen


def _as_list(v, d):
    return [v] * d if isinstance(v, int) else list(v)


def _conv_ref_for(transposed, generic=False):
    if generic:
        def ref(x, w, b, stride, padding, dilation, transposed_, output_padding, groups):
            return ref_conv(x, w, b, stride, padding, dilation, groups, transposed=transposed_,
                            output_padding=output_padding)
        return ref

    def ref(x, w, b=None, stride=1, padding=0, dilation=1, groups=1, output_padding=0):
        return ref_conv(x, w, b, stride, padding, dilation, groups, transposed=transposed,
                        output_padding=output_padding)
    return ref


def _im2col_samples(op, dtype, mode, make):
    if mode == "basic":
        yield SampleInput(make((2, 3, 5, 6)), (2, 3), (1, 1), (1, 0), (1, 2))
        yield SampleInput(make((2, 2, 6, 5)), (3, 2), (2, 1), (2, 1), (2, 3))
        yield SampleInput(make((3, 4, 4)), 2, 1, 0, 2)                      # unbatched, one int each
        yield SampleInput(make((1, 1, 3, 3)), (3, 3), (1, 1), (0, 0), (1, 1))  # the kernel is the image
        yield SampleInput(make((1, 2, 7, 7)), (2, 2), (1, 1), (0, 0), (3, 3))  # stride > kernel: pixels skipped
    elif mode == "large":
        yield SampleInput(make((2, 5, 31, 29)), (3, 3), (1, 1), (1, 1), (1, 1))
    elif mode == "zero_size":
        yield SampleInput(make((0, 3, 5, 5)), (2, 2), (1, 1), (0, 0), (1, 1))


def ref_im2col_batch(x, kernel_size, dilation, padding, stride):
    """The columns of every image side by side: (C kh kw, N L)."""
    cols = ref_im2col(x, kernel_size, dilation, padding, stride)
    return cols.transpose(1, 0, 2).reshape(cols.shape[1], -1)


def ref_col2im_batch(cols, batch, output_size, kernel_size, dilation, padding, stride):
    cols = np.asarray(cols, dtype=np.float64)
    (h, w), (kh, kw), (dh, dw), (ph, pw), (sh, sw) = map(_pair, (output_size, kernel_size, dilation, padding, stride))
    L = _blocks(h, kh, dh, ph, sh) * _blocks(w, kw, dw, pw, sw)
    per_image = cols.reshape(cols.shape[0], batch, L).transpose(1, 0, 2)
    return ref_col2im(per_image, output_size, kernel_size, dilation, padding, stride)


def _im2col_batch_samples(op, dtype, mode, make):
    for s in _im2col_samples(op, dtype, mode, make):
        if s.args[0].dim() == 4:
            yield s
    if mode == "basic":
        yield SampleInput(make((3, 2, 8, 8)), (3, 3), (1, 1), (1, 1), (1, 1))  # the digits CNN's first conv
        yield SampleInput(make((2, 3, 4, 4)), (3, 3), (1, 1), (1, 1), (2, 2))
        # a non-contiguous input (channels last)
        yield SampleInput(make((2, 4, 4, 3)).permute(0, 3, 1, 2), (2, 2), (1, 1), (0, 1), (1, 1))


def ref_conv2d_im2col_mm(x, weight, bias, kernel_size, dilation, padding, stride):
    """W[g] @ im2col(x[n])[g] for every image n and group g, plus bias: (N, O, L)."""
    cols = ref_im2col(x, kernel_size, dilation, padding, stride)
    w = np.asarray(weight, dtype=np.float64)
    groups, og, kg = w.shape
    n, _, L = cols.shape
    out = np.einsum("gok,ngkl->ngol", w, cols.reshape(n, groups, kg, L)).reshape(n, groups * og, L)
    return out if bias is None else out + np.asarray(bias, dtype=np.float64)[None, :, None]


def _conv2d_im2col_mm_samples(op, dtype, mode, make):
    def case(xs, groups, og, kernel_size, dilation, padding, stride, bias, x=None):
        kh, kw = _pair(kernel_size)
        w = make((groups, og, xs[1] // groups * kh * kw))
        b = make((groups * og,)) if bias else None
        return SampleInput(make(xs) if x is None else x, w, b, kernel_size, dilation, padding, stride)
    if mode == "basic":
        yield case((2, 4, 9, 11), 1, 5, (2, 3), (1, 1), (1, 0), (1, 1), True)   # block rows across panels
        yield case((2, 4, 7, 8), 2, 3, 3, (2, 1), (2, 1), (1, 1), False)       # groups, dilation, wide padding
        yield case((1, 2, 7, 7), 1, 2, 2, 1, 0, (2, 1), True)                  # stride along H only
        yield case((1, 2, 7, 9), 1, 2, 2, 1, (0, 1), (1, 3), True)             # stride along W
        yield case((1, 30, 6, 5), 1, 3, 3, 1, 1, 1, True)                      # 270 rows: two K blocks
        yield case((1, 9, 1, 1), 1, 2, 1, 1, 0, 1, False)                      # a 1x1 image
        yield case((1, 2, 9, 1), 1, 4, (3, 1), 1, (1, 0), 1, True)             # one block column
        # stride 1 with padding beyond d (k - 1): the input gradient's column-matrix path (the
        # other stride-1 samples take the flipped-kernel convolution)
        yield case((1, 2, 5, 6), 1, 3, 2, 1, (2, 1), 1, True)
        # channels last (a strided image), one output channel
        yield case((2, 3, 6, 5), 1, 1, 2, 1, 0, 1, False, x=make((2, 6, 5, 3)).permute(0, 3, 1, 2))
        # stride 2 by a 4x4 kernel (the transposed convolutions' upsampling): the stride-1 form of
        # the CPU kernels (phase planes), and stride phases in the input gradient
        yield case((2, 3, 9, 10), 1, 4, 4, 1, 1, 2, True)
        yield case((1, 3, 9, 8), 1, 2, (3, 4), 1, (1, 2), (3, 2), False)       # kernel < stride along H
        yield case((1, 2, 9, 9), 1, 2, 3, 2, 1, 2, True)                       # dilation with stride
    elif mode == "large":
        yield case((2, 6, 40, 37), 1, 8, 3, 1, 1, 1, True)
        yield case((2, 4, 33, 30), 2, 4, 3, 1, 1, 2, False)
        yield case((2, 8, 30, 28), 1, 16, 4, 1, 1, 2, True)   # stride 2 by 4x4: K over 128 taps
    elif mode == "zero_size":
        yield case((0, 3, 5, 5), 1, 2, 2, 1, 0, 1, True)


def ref_conv2d_im2col_mm_weight(grad_output, x, weight_size, kernel_size, dilation, padding, stride):
    """Sum over images n of grad_output[n][g] @ im2col(x[n])[g]^T: (G, O/G, C/G kh kw)."""
    cols = ref_im2col(x, kernel_size, dilation, padding, stride)
    g = np.asarray(grad_output, dtype=np.float64)
    groups, og, kg = weight_size
    n, _, L = cols.shape
    return np.einsum("ngol,ngkl->gok", g.reshape(n, groups, og, L), cols.reshape(n, groups, kg, L))


def _conv2d_im2col_mm_weight_samples(op, dtype, mode, make):
    # The forward op's samples (every layout and geometry), each with an output gradient of its shape.
    for s in _conv2d_im2col_mm_samples(op, dtype, mode, make):
        x, w, _, kernel_size, dilation, padding, stride = s.args
        groups, og, _ = w.shape
        kh, kw = _pair(kernel_size)
        oh = (x.shape[2] + 2 * _pair(padding)[0] - _pair(dilation)[0] * (kh - 1) - 1) // _pair(stride)[0] + 1
        ow = (x.shape[3] + 2 * _pair(padding)[1] - _pair(dilation)[1] * (kw - 1) - 1) // _pair(stride)[1] + 1
        yield SampleInput(make((x.shape[0], groups * og, oh * ow)), x, list(w.shape), kernel_size, dilation, padding,
                          stride)
    if mode == "basic":
        # a transposed (strided) output gradient
        yield SampleInput(make((2, 9, 3)).transpose(1, 2), make((2, 2, 4, 4)), [1, 3, 8], 2, 1, 0, 1)


def ref_conv2d_im2col_mm_input(grad_output, weight, bias, self_size, kernel_size, dilation, padding, stride):
    """col2im(W[g]^T @ grad_output[n][g]) plus bias: the (N, C, H, W) input gradient."""
    g = np.asarray(grad_output, dtype=np.float64)
    w = np.asarray(weight, dtype=np.float64)
    groups, og, kg = w.shape
    n, _, L = g.shape
    cols = np.einsum("gok,ngol->ngkl", w, g.reshape(n, groups, og, L)).reshape(n, groups * kg, L)
    out = ref_col2im(cols, tuple(self_size[2:]), kernel_size, dilation, padding, stride)
    return out if bias is None else out + np.asarray(bias, dtype=np.float64)[None, :, None, None]


def _conv2d_im2col_mm_input_samples(op, dtype, mode, make):
    # The forward op's samples (every layout and geometry), each with an output gradient of its
    # shape and, for every other one, a bias per input channel.
    for i, s in enumerate(_conv2d_im2col_mm_samples(op, dtype, mode, make)):
        x, w, _, kernel_size, dilation, padding, stride = s.args
        groups, og, _ = w.shape
        kh, kw = _pair(kernel_size)
        oh = (x.shape[2] + 2 * _pair(padding)[0] - _pair(dilation)[0] * (kh - 1) - 1) // _pair(stride)[0] + 1
        ow = (x.shape[3] + 2 * _pair(padding)[1] - _pair(dilation)[1] * (kw - 1) - 1) // _pair(stride)[1] + 1
        bias = make((x.shape[1],)) if i % 2 else None
        yield SampleInput(make((x.shape[0], groups * og, oh * ow)), w, bias, list(x.shape), kernel_size, dilation,
                          padding, stride)
    if mode == "basic":
        # a transposed (strided) output gradient
        yield SampleInput(make((2, 9, 3)).transpose(1, 2), make((1, 3, 8)), None, [2, 2, 4, 4], 2, 1, 0, 1)


def _col2im_batch_samples(op, dtype, mode, make):
    for s in _col2im_samples(op, dtype, mode, make):
        cols = s.args[0]
        if cols.dim() != 3:
            continue
        n, rows, L = cols.shape
        yield SampleInput(make((rows, n * L)), n, *s.args[1:])
    if mode == "basic":
        yield SampleInput(make((18, 3 * 64)), 3, (8, 8), (3, 3), (1, 1), (1, 1), (1, 1))
        # a transposed (strided) input: 2 channels x 2x2 kernel rows, 3 images x 4 blocks columns
        yield SampleInput(make((12, 8)).t(), 3, (4, 4), (2, 2), (1, 1), (0, 0), (2, 2))


def _blocks(size, k, d, p, s):
    return (size + 2 * p - d * (k - 1) - 1) // s + 1


def _col2im_case(make, batch, c, output_size, kernel_size, dilation, padding, stride):
    """A col2im sample whose column count matches output_size (the im2col cases, reversed)."""
    (h, w), (kh, kw), (dh, dw), (ph, pw), (sh, sw) = map(_pair, (output_size, kernel_size, dilation, padding, stride))
    L = _blocks(h, kh, dh, ph, sh) * _blocks(w, kw, dw, pw, sw)
    shape = (c * kh * kw, L) if batch is None else (batch, c * kh * kw, L)
    return SampleInput(make(shape), output_size, kernel_size, dilation, padding, stride)


def _col2im_samples(op, dtype, mode, make):
    if mode == "basic":
        yield _col2im_case(make, 2, 3, (5, 6), (2, 3), (1, 1), (1, 0), (1, 2))
        yield _col2im_case(make, 2, 2, (6, 5), (3, 2), (2, 1), (2, 1), (2, 3))
        yield _col2im_case(make, None, 4, (4, 4), 2, 1, 0, 2)                 # unbatched, one int each
        yield _col2im_case(make, 1, 1, (3, 3), (3, 3), (1, 1), (0, 0), (1, 1))
        yield _col2im_case(make, 1, 2, (7, 7), (2, 2), (1, 1), (0, 0), (3, 3))  # stride > kernel: pixels no block reads
    elif mode == "large":
        yield _col2im_case(make, 2, 5, (31, 29), (3, 3), (1, 1), (1, 1), (1, 1))
    elif mode == "zero_size":
        yield _col2im_case(make, 0, 3, (5, 5), (2, 2), (1, 1), (0, 0), (1, 1))


def _linear_samples(op, dtype, mode, make):
    if mode == "basic":
        yield SampleInput(make((3, 4)), make((5, 4)), make((5,)))
        yield SampleInput(make((2, 3, 4)), make((5, 4)))                       # leading dims, no bias
        yield SampleInput(make((4,)), make((5, 4)), make((5,)))               # a vector input
        yield SampleInput(make((2, 4)), make((4,)), make(()))                  # a vector weight
        yield SampleInput(make((4, 3)).t(), make((2, 4)), make((2,)))         # transposed input
    elif mode == "broadcast":
        yield SampleInput(make((2, 3, 4)), make((5, 4)), make((3, 5)))        # bias broadcast over the rows
    elif mode == "large":
        yield SampleInput(make((4, 9, 65)), make((33, 65)), make((33,)))
    elif mode == "zero_size":
        yield SampleInput(make((0, 4)), make((5, 4)), make((5,)))
        yield SampleInput(make((3, 0)), make((5, 0)), make((5,)))             # in_features 0: the bias


def _bilinear_samples(op, dtype, mode, make):
    if mode == "basic":
        yield SampleInput(make((3, 4)), make((3, 2)), make((5, 4, 2)), make((5,)))
        yield SampleInput(make((2, 3, 4)), make((2, 3, 3)), make((2, 4, 3)))
        yield SampleInput(make((4,)), make((2,)), make((3, 4, 2)), make((3,)))
    elif mode == "large":
        yield SampleInput(make((33, 17)), make((33, 9)), make((7, 17, 9)), make((7,)))
    elif mode == "zero_size":
        yield SampleInput(make((0, 4)), make((0, 2)), make((5, 4, 2)), make((5,)))


# ----------------------------------------------------------------------------- entries

def _conv_errors(name, fn, transposed=False):
    """Bad input to one of the convolutions (fn(x, w, b=None, **kw) calls it)."""
    x, w = _f((2, 4, 5, 5)), _f((6, 4, 3, 3))
    if transposed:
        w = _f((4, 6, 3, 3))
    items = [
        ("wrong channel count", lambda: fn(_f((2, 3, 5, 5)), w), RuntimeError, rf"\[{name}\].*channels"),
        ("bias of the wrong size", lambda: fn(x, w, _f((5,))), RuntimeError, rf"\[{name}\].*bias"),
        ("bias of the wrong rank", lambda: fn(x, w, _f((1, 6))), RuntimeError, rf"\[{name}\].*bias"),
        ("2-D input", lambda: fn(_f((4, 5)), w), RuntimeError, rf"\[{name}\].*input"),
        ("groups not dividing the channels", lambda: fn(x, w, groups=3), RuntimeError, rf"\[{name}\].*groups"),
        ("zero groups", lambda: fn(x, w, groups=0), RuntimeError, rf"\[{name}\].*groups"),
        ("zero stride", lambda: fn(x, w, stride=0), RuntimeError, rf"\[{name}\].*stride"),
        ("negative padding", lambda: fn(x, w, padding=-1), RuntimeError, rf"\[{name}\].*padding"),
        ("zero dilation", lambda: fn(x, w, dilation=0), RuntimeError, rf"\[{name}\].*dilation"),
        ("dtypes differ", lambda: fn(x, _f(tuple(w.shape), tg.float64)), RuntimeError, rf"\[{name}\].*type"),
        ("integer input", lambda: fn(_f((2, 4, 5, 5), tg.int64), _f(tuple(w.shape), tg.int64)),
         NotImplementedError, rf"\[{name}\]"),
    ]
    if not transposed:
        items += [
            ("kernel larger than the padded input", lambda: fn(_f((1, 4, 2, 2)), w), RuntimeError,
             rf"\[{name}\].*Kernel size can't be greater"),
            ("out channels not divisible by groups", lambda: fn(_f((1, 4, 5, 5)), _f((3, 2, 3, 3)), groups=2),
             RuntimeError, rf"\[{name}\].*divisible"),
        ]
    else:
        items += [
            ("output_padding not below stride or dilation", lambda: fn(x, w, stride=2, output_padding=2),
             RuntimeError, rf"\[{name}\].*output padding"),
        ]
    return items


def _conv1d_errors(name, fn, transposed=False):
    w = _f((4, 6, 3)) if transposed else _f((6, 4, 3))
    return [
        ("wrong channel count", lambda: fn(_f((2, 3, 7)), w), RuntimeError, rf"\[{name}\].*channels"),
        ("4-D input", lambda: fn(_f((2, 4, 5, 5)), w), RuntimeError, rf"\[{name}\]"),
        ("3-value stride", lambda: fn(_f((2, 4, 7)), w, stride=[1, 1, 1]), RuntimeError, r"stride"),
        ("weight of the wrong rank", lambda: fn(_f((2, 4, 7)), _f((6, 4, 3, 3))), RuntimeError, rf"\[{name}\]"),
    ] + ([] if transposed else [
        ("kernel larger than the padded input", lambda: fn(_f((1, 4, 2)), w), RuntimeError,
         rf"\[{name}\].*Kernel size can't be greater"),
    ])


def _first_dtype(op, s):
    return s.args[0].dtype


def entries():
    """conv1d/conv2d/conv_transpose1d/conv_transpose2d/convolution, linear, bilinear, im2col/col2im
    (references: direct NumPy loops over the definitions)."""
    # float32: sums of up to ~100 products of values in [-3, 3]
    tol = {tg.float32: (1e-4, 1e-4), tg.float16: (1e-2, 2e-2), tg.bfloat16: (3e-2, 8e-2)}
    domain = dict(domain=(-3.0, 3.0), int_domain=(-3, 4))
    conv = dict(ref_inputs="compute", tol=tol, **domain)

    def generic_errors(op):
        def fn(x, w, b=None, stride=1, padding=0, dilation=1, groups=1, output_padding=0, transposed=False):
            return tg.convolution(x, w, b, [stride], [padding], [dilation], transposed, [output_padding], groups)
        return [ErrorInput(*it) for it in _conv_errors("convolution", fn)] + [
            ErrorInput("3-d convolution", lambda: tg.convolution(_f((1, 2, 3, 3, 3)), _f((2, 2, 1, 1, 1)), None,
                                                                 [1], [0], [1], False, [0], 1),
                       NotImplementedError, r"\[convolution\] only 1-d and 2-d"),
            ErrorInput("output_padding without transposed", lambda: tg.convolution(
                _f((1, 2, 3, 3)), _f((2, 2, 1, 1)), None, [1], [0], [1], False, [1], 1), RuntimeError,
                r"\[convolution\] output_padding"),
            ErrorInput("1-d weight", lambda: tg.convolution(_f((1, 2, 3)), _f((2,)), None, [1], [0], [1], False,
                                                            [0], 1), RuntimeError, r"\[convolution\] weight"),
        ]

    def errors_of(name, fn, transposed=False, one_d=False):
        items = (_conv1d_errors if one_d else _conv_errors)(name, fn, transposed)
        return lambda op: [ErrorInput(*it) for it in items]

    im2col_errors = _errors(
        ("2-D input", lambda: tg.im2col(_f((5, 5)), 2, 1, 0, 1), RuntimeError, r"\[im2col\] expected a 3-D"),
        ("zero channels", lambda: tg.im2col(_f((1, 0, 5, 5)), 2, 1, 0, 1), RuntimeError, r"\[im2col\]"),
        ("kernel larger than the padded input", lambda: tg.im2col(_f((1, 2, 3, 3)), 4, 1, 0, 1), RuntimeError,
         r"\[im2col\].*don't fit"),
        ("dilated kernel too large", lambda: tg.im2col(_f((1, 2, 5, 5)), 3, 3, 0, 1), RuntimeError,
         r"\[im2col\].*don't fit"),
        ("zero kernel", lambda: tg.im2col(_f((1, 2, 3, 3)), 0, 1, 0, 1), RuntimeError, r"\[im2col\] kernel size"),
        ("zero stride", lambda: tg.im2col(_f((1, 2, 3, 3)), 2, 1, 0, 0), RuntimeError, r"\[im2col\] stride"),
        ("negative padding", lambda: tg.im2col(_f((1, 2, 3, 3)), 2, 1, -1, 1), RuntimeError, r"\[im2col\] padding"),
        ("zero dilation", lambda: tg.im2col(_f((1, 2, 3, 3)), 2, 0, 0, 1), RuntimeError, r"\[im2col\] dilation"),
        ("three kernel sizes", lambda: tg.im2col(_f((1, 2, 3, 3)), [2, 2, 2], 1, 0, 1), (RuntimeError, TypeError)),
        ("integer input", lambda: tg.im2col(_f((1, 2, 3, 3), tg.int64), 2, 1, 0, 1), NotImplementedError),
    )
    col2im_errors = _errors(
        ("4-D input", lambda: tg.col2im(_f((1, 4, 4, 1)), (3, 3), 2, 1, 0, 1), RuntimeError,
         r"\[col2im\] expected a 2-D"),
        ("rows not divisible by the kernel area", lambda: tg.col2im(_f((1, 5, 4)), (3, 3), 2, 1, 0, 1), RuntimeError,
         r"\[col2im\].*divisible"),
        ("block count mismatch", lambda: tg.col2im(_f((1, 4, 5)), (3, 3), 2, 1, 0, 1), RuntimeError,
         r"\[col2im\].*sliding blocks"),
        ("kernel larger than the output", lambda: tg.col2im(_f((1, 16, 1)), (3, 3), 4, 1, 0, 1), RuntimeError,
         r"\[col2im\]"),
        ("zero output size", lambda: tg.col2im(_f((1, 4, 1)), (0, 2), 2, 1, 0, 1), RuntimeError, r"\[col2im\]"),
        ("zero stride", lambda: tg.col2im(_f((1, 4, 4)), (3, 3), 2, 1, 0, 0), RuntimeError, r"\[col2im\] stride"),
    )
    i2cb, c2ib = tg._C._im2col_batch, tg._C._col2im_batch
    im2col_batch_errors = _errors(
        ("3-D input", lambda: i2cb(_f((2, 5, 5)), 2, 1, 0, 1), RuntimeError, r"\[_im2col_batch\] expected a 4-D"),
        ("kernel larger than the padded input", lambda: i2cb(_f((1, 2, 3, 3)), 4, 1, 0, 1), RuntimeError,
         r"\[_im2col_batch\].*don't fit"),
        ("zero stride", lambda: i2cb(_f((1, 2, 3, 3)), 2, 1, 0, 0), RuntimeError, r"stride"),
        ("integer input", lambda: i2cb(_f((1, 2, 3, 3), tg.int64), 2, 1, 0, 1), NotImplementedError,
         r"\[_im2col_batch\]"),
    )
    col2im_batch_errors = _errors(
        ("3-D input", lambda: c2ib(_f((1, 4, 4)), 1, (3, 3), 2, 1, 0, 1), RuntimeError,
         r"\[_col2im_batch\] expected a 2-D"),
        ("columns not batch * blocks", lambda: c2ib(_f((4, 7)), 2, (3, 3), 2, 1, 0, 1), RuntimeError,
         r"\[_col2im_batch\].*expected 2 \* 4 columns"),
        ("rows not divisible by the kernel area", lambda: c2ib(_f((5, 8)), 2, (3, 3), 2, 1, 0, 1), RuntimeError,
         r"\[_col2im_batch\].*kernel area"),
        ("negative batch", lambda: c2ib(_f((4, 0)), -1, (3, 3), 2, 1, 0, 1), RuntimeError, r"batch"),
        ("zero output size", lambda: c2ib(_f((4, 4)), 1, (0, 3), 2, 1, 0, 1), RuntimeError, r"output_size"),
    )
    cim = tg._C._conv2d_im2col_mm
    conv2d_im2col_mm_errors = _errors(
        ("3-D input", lambda: cim(_f((2, 5, 5)), _f((1, 1, 4)), None, 2, 1, 0, 1), RuntimeError,
         r"\[_conv2d_im2col_mm\] expected a 4-D"),
        ("2-D weight", lambda: cim(_f((1, 2, 5, 5)), _f((1, 8)), None, 2, 1, 0, 1), RuntimeError,
         r"\[_conv2d_im2col_mm\] expected a 3-D"),
        ("weight columns not C/G kh kw", lambda: cim(_f((1, 2, 5, 5)), _f((1, 3, 7)), None, 2, 1, 0, 1),
         RuntimeError, r"\[_conv2d_im2col_mm\].*needs 7 = C/G kh kw"),
        ("bias of the wrong size", lambda: cim(_f((1, 2, 5, 5)), _f((1, 3, 8)), _f((2,)), 2, 1, 0, 1),
         RuntimeError, r"\[_conv2d_im2col_mm\] expected a bias of shape \[3\]"),
        ("kernel larger than the padded input", lambda: cim(_f((1, 1, 3, 3)), _f((1, 1, 16)), None, 4, 1, 0, 1),
         RuntimeError, r"\[_conv2d_im2col_mm\].*don't fit"),
        ("integer input", lambda: cim(_f((1, 2, 3, 3), tg.int64), _f((1, 1, 8), tg.int64), None, 2, 1, 0, 1),
         NotImplementedError, r"\[_conv2d_im2col_mm\]"),
    )
    cii = tg._C._conv2d_im2col_mm_input
    conv2d_im2col_mm_input_errors = _errors(
        ("self_size of three sizes", lambda: cii(_f((1, 3, 16)), _f((1, 3, 8)), None, [2, 5, 5], 2, 1, 0, 1),
         RuntimeError, r"\[_conv2d_im2col_mm_input\] expected a self_size"),
        ("weight columns not C/G kh kw", lambda: cii(_f((1, 3, 16)), _f((1, 3, 7)), None, [1, 2, 5, 5], 2, 1, 0, 1),
         RuntimeError, r"\[_conv2d_im2col_mm_input\].*needs 7 = C/G kh kw"),
        ("grad_output of the wrong shape", lambda: cii(_f((1, 3, 15)), _f((1, 3, 8)), None, [1, 2, 5, 5], 2, 1, 0, 1),
         RuntimeError, r"\[_conv2d_im2col_mm_input\] expected a grad_output of shape \[1, 3, 16\]"),
        ("bias of the wrong size", lambda: cii(_f((1, 3, 16)), _f((1, 3, 8)), _f((3,)), [1, 2, 5, 5], 2, 1, 0, 1),
         RuntimeError, r"\[_conv2d_im2col_mm_input\] expected a bias of shape \[2\]"),
        ("integer grad", lambda: cii(_f((1, 1, 4), tg.int64), _f((1, 1, 8), tg.int64), None, [1, 2, 3, 3], 2, 1, 0, 1),
         NotImplementedError, r"\[_conv2d_im2col_mm_input\]"),
    )
    ciw = tg._C._conv2d_im2col_mm_weight
    conv2d_im2col_mm_weight_errors = _errors(
        ("weight_size of two sizes", lambda: ciw(_f((1, 3, 16)), _f((1, 2, 5, 5)), [3, 8], 2, 1, 0, 1), RuntimeError,
         r"\[_conv2d_im2col_mm_weight\] expected a weight_size"),
        ("weight_size not C/G kh kw", lambda: ciw(_f((1, 3, 16)), _f((1, 2, 5, 5)), [1, 3, 7], 2, 1, 0, 1),
         RuntimeError, r"\[_conv2d_im2col_mm_weight\].*needs 7 = C/G kh kw"),
        ("grad_output of the wrong shape", lambda: ciw(_f((1, 3, 15)), _f((1, 2, 5, 5)), [1, 3, 8], 2, 1, 0, 1),
         RuntimeError, r"\[_conv2d_im2col_mm_weight\] expected a grad_output of shape \[1, 3, 16\]"),
        ("3-D input", lambda: ciw(_f((1, 3, 16)), _f((2, 5, 5)), [1, 3, 8], 2, 1, 0, 1), RuntimeError,
         r"\[_conv2d_im2col_mm_weight\] expected a 4-D"),
        ("kernel larger than the padded input", lambda: ciw(_f((1, 1, 1)), _f((1, 1, 3, 3)), [1, 1, 16], 4, 1, 0, 1),
         RuntimeError, r"\[_conv2d_im2col_mm_weight\].*don't fit"),
        ("integer input", lambda: ciw(_f((1, 1, 4), tg.int64), _f((1, 2, 3, 3), tg.int64), [1, 1, 8], 2, 1, 0, 1),
         NotImplementedError, r"\[_conv2d_im2col_mm_weight\]"),
    )
    linear_errors = _errors(
        ("in_features mismatch", lambda: tg.linear(_f((3, 4)), _f((5, 3))), RuntimeError,
         r"\[linear\].*cannot be multiplied \(3x4 and 3x5\)"),
        ("3-D weight", lambda: tg.linear(_f((3, 4)), _f((2, 5, 4))), RuntimeError, r"\[linear\] weight"),
        ("0-d input", lambda: tg.linear(tg.tensor(1.0), _f((5, 1))), RuntimeError, r"\[linear\]"),
        ("dtypes differ", lambda: tg.linear(_f((3, 4)), _f((5, 4), tg.float64)), RuntimeError, r"\[linear\].*dtype"),
        ("bias of the wrong size", lambda: tg.linear(_f((3, 4)), _f((5, 4)), _f((4,))), RuntimeError,
         r"\[linear\] bias of shape \[4\]"),
    )
    bilinear_errors = _errors(
        ("ranks differ", lambda: tg.bilinear(_f((3, 4)), _f((2,)), _f((5, 4, 2))), RuntimeError,
         r"\[bilinear\] input dimensions"),
        ("batch dims differ", lambda: tg.bilinear(_f((3, 4)), _f((2, 2)), _f((5, 4, 2))), RuntimeError,
         r"\[bilinear\] input batch"),
        ("input1 size", lambda: tg.bilinear(_f((3, 3)), _f((3, 2)), _f((5, 4, 2))), RuntimeError,
         r"\[bilinear\] input1 size"),
        ("input2 size", lambda: tg.bilinear(_f((3, 4)), _f((3, 3)), _f((5, 4, 2))), RuntimeError,
         r"\[bilinear\] input2 size"),
        ("bias size", lambda: tg.bilinear(_f((3, 4)), _f((3, 2)), _f((5, 4, 2)), _f((4,))), RuntimeError,
         r"\[bilinear\] bias size"),
        ("2-D weight", lambda: tg.bilinear(_f((3, 4)), _f((3, 2)), _f((4, 2))), RuntimeError, r"\[bilinear\] weight"),
    )
    mm_tol = {tg.float32: (1e-5, 5e-5), tg.float16: (2e-3, 2e-3), tg.bfloat16: (1.6e-2, 2e-2)}
    return [
        OpInfo("linear", ref=ref_linear, sample_inputs=_linear_samples, ref_inputs="compute", tol=mm_tol, **domain,
               error_inputs=linear_errors),
        # half types: the intermediate input1 @ weight is rounded to the dtype, as in PyTorch
        OpInfo("bilinear", ref=ref_bilinear, sample_inputs=_bilinear_samples, ref_inputs="compute",
               tol={**mm_tol, tg.float16: (2e-2, 1e-1), tg.bfloat16: (5e-2, 5e-1)},
               **domain, error_inputs=bilinear_errors),
        OpInfo("im2col", ref=ref_im2col, sample_inputs=_im2col_samples, ref_inputs="compute",
               out_dtype_exact=True, result_dtype=_first_dtype, compute_dtype=_first_dtype, error_inputs=im2col_errors),
        OpInfo("col2im", ref=ref_col2im, sample_inputs=_col2im_samples, ref_inputs="compute",
               out_dtype_exact=True, result_dtype=_first_dtype, compute_dtype=_first_dtype, tol=tol, error_inputs=col2im_errors),
        OpInfo("_im2col_batch", ref=ref_im2col_batch, sample_inputs=_im2col_batch_samples, ref_inputs="compute",
               result_dtype=_first_dtype, compute_dtype=_first_dtype, error_inputs=im2col_batch_errors),
        OpInfo("_col2im_batch", ref=ref_col2im_batch, sample_inputs=_col2im_batch_samples, ref_inputs="compute",
               result_dtype=_first_dtype, compute_dtype=_first_dtype, tol=tol, error_inputs=col2im_batch_errors),
        OpInfo("_conv2d_im2col_mm", ref=ref_conv2d_im2col_mm, sample_inputs=_conv2d_im2col_mm_samples,
               error_inputs=conv2d_im2col_mm_errors, **conv),
        OpInfo("_conv2d_im2col_mm_input", ref=ref_conv2d_im2col_mm_input,
               sample_inputs=_conv2d_im2col_mm_input_samples, error_inputs=conv2d_im2col_mm_input_errors, **conv),
        OpInfo("_conv2d_im2col_mm_weight", ref=ref_conv2d_im2col_mm_weight,
               sample_inputs=_conv2d_im2col_mm_weight_samples, error_inputs=conv2d_im2col_mm_weight_errors, **conv),
        OpInfo("conv2d", ref=_conv_ref_for(False), sample_inputs=_conv_samples_for(2, False),
               error_inputs=errors_of("conv2d", tg.conv2d), **conv),
        OpInfo("conv1d", ref=_conv_ref_for(False), sample_inputs=_conv_samples_for(1, False),
               error_inputs=errors_of("conv1d", tg.conv1d, one_d=True), **conv),
        OpInfo("conv_transpose2d", ref=_conv_ref_for(True), sample_inputs=_conv_samples_for(2, True),
               error_inputs=errors_of("conv_transpose2d", tg.conv_transpose2d, transposed=True), **conv),
        OpInfo("conv_transpose1d", ref=_conv_ref_for(True), sample_inputs=_conv_samples_for(1, True),
               error_inputs=errors_of("conv_transpose1d", tg.conv_transpose1d, transposed=True, one_d=True), **conv),
        OpInfo("convolution", ref=_conv_ref_for(None, generic=True),
               sample_inputs=_merge(_conv_samples_for(2, False, True), _conv_samples_for(2, True, True),
                                    _conv_samples_for(1, False, True), _conv_samples_for(1, True, True)),
               error_inputs=generic_errors, **conv),
    ]


def _merge(*gens):
    def gen(op, dtype, mode, make):
        for g in gens:
            yield from g(op, dtype, mode, make)
    return gen
