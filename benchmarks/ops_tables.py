"""The tables behind benchmarks/ops.py: each op's PyTorch and NumPy counterpart, and the large
samples of the ops whose size the OpInfo kind can't tell (matrix products, convolutions, sorts,
indexing, norms, losses, attention, factories, copies).

Counterparts. PyTorch's counterpart of an op is the op of the same name, looked up in order in
torch, torch.Tensor (methods), torch._C._nn, torch.nn.functional, torch.linalg and torch.ops.aten,
and the first one that accepts the same arguments and returns the same shape wins (tensorgen's
schemas are PyTorch's, so most match). TORCH holds the exceptions: a callable taking tensorgen's
arguments converted to torch, or a string saying why there is none. NumPy's counterpart exists only
for the element-wise, reduction and scan ops (NUMPY); every other row shows n/a for NumPy.

Large samples (LARGE): op name -> [(label, build(sizes, rng) -> (args, kwargs), options)], args in
NumPy form (arrays are shared zero-copy with tensorgen and torch; LongArr marks int64 index arrays,
Lst a list of tensors). options: "bwd" (also time forward + backward), "grad" (argument positions
that require grad), "np" (a NumPy callable). Sizes: element-wise work is 4M elements; the compute-
bound ops (mm, conv, sort, attention) take about 1-10 ms per call on a 2-core AVX-512 machine:
mm 512^3, bmm 16x256^3, conv2d 8x32x56x56 with 32 3x3 filters, sort 1024 rows of 1024,
attention 4 batches x 8 heads x 512 tokens x 64.
"""
from __future__ import annotations

import numpy as np

try:
    import torch
    import torch.nn.functional as F
except ImportError:
    torch = F = None


# ----------------------------------------------------------------------------- PyTorch exceptions

def _torch_table():
    if torch is None:
        return {}
    return {
        # tensorgen-internal helpers whose PyTorch spelling differs
        "_div_rounding": lambda a, b, mode: torch.div(a, b, rounding_mode=mode),
        "_gather_along_dim": lambda x, dim, idx: torch.gather(x, dim, idx),
        "_scatter_add_along_dim": lambda src, dim, idx, sizes: src.new_zeros(sizes).scatter_add_(dim, idx, src),
        "_index": lambda x, idx: x[idx],
        "_index_put_": lambda x, idx, v, acc: x.index_put_((idx,), v, acc),
        "index": lambda x, idx: x[tuple(idx)],
        "tensordot": lambda a, b, ds, do, **kw: torch.tensordot(a, b, dims=(ds, do)) if not kw else
        torch.tensordot(a, b, **kw),
        "linalg_cross": lambda a, b, dim=-1: torch.linalg.cross(a, b, dim=dim),
        "linalg_vector_norm": lambda x, ord=2, dim=None, keepdim=False, **kw: torch.linalg.vector_norm(
            x, ord, dim, keepdim, **kw),
        "native_rms_norm": lambda x, ns, w, eps: torch.rms_norm(x, ns, w, eps),
        "native_group_norm": lambda x, w, b, g, eps: torch.native_group_norm(
            x, w, b, x.shape[0], x.shape[1], x[0, 0].numel(), g, eps),
        "native_batch_norm": lambda x, w, b, rm, rv, training, eps: torch.native_batch_norm(
            x, w, b, rm, rv, training, 0.1, eps),
        "_fused_attention": lambda qkv, mask, causal, scale: F.scaled_dot_product_attention(
            *qkv, attn_mask=mask, is_causal=causal, scale=scale),
        "_fused_sgd_": lambda p, g, m, *, lr, momentum, dampening, weight_decay, nesterov, maximize, is_first_step:
        torch._fused_sgd_(p, g, m, weight_decay=weight_decay, momentum=momentum, lr=lr, dampening=dampening,
                          nesterov=nesterov, maximize=maximize, is_first_step=is_first_step),
        "_fused_adam_": lambda p, g, ea, eas, mx, st, *, lr, beta1, beta2, weight_decay, eps, amsgrad, maximize,
        decoupled_weight_decay: (torch._fused_adamw_ if decoupled_weight_decay else torch._fused_adam_)(
            p, g, ea, eas, mx, [s.float() for s in st], lr=lr, beta1=beta1, beta2=beta2, weight_decay=weight_decay,
            eps=eps, amsgrad=amsgrad, maximize=maximize),
        "_fused_rmsprop_": "PyTorch has no fused RMSprop kernel (torch.optim.RMSprop runs foreach ops)",
        "einsum": lambda eq, ts: torch.einsum(eq, *ts),
        "meshgrid": lambda ts, indexing=None: torch.meshgrid(*ts, indexing=indexing or "ij"),
        "softsign": F.softsign,
        "tanhshrink": F.tanhshrink,
        "log_sigmoid": F.logsigmoid,
        "log_sigmoid_backward": "PyTorch's takes the forward's buffer (exp(-|x|)) as a third input; the "
                                "log_sigmoid fwd+bwd row times it",
        "dropout": lambda x, p, train: torch.dropout(x, p, train),
        "multinomial": lambda x, n, replacement=False: torch.multinomial(x, n, replacement),
        "random_": lambda x, *a, **kw: x.random_(*a, **kw),
        "to": lambda x, dtype, *a, **kw: x.to(dtype, *a, **kw),
        "cross_entropy_loss_input_grad": "tensorgen-internal (the input half of cross_entropy_loss_backward); "
                                         "PyTorch fuses it into its own backward",
        "cross_entropy_loss_target_grad": "tensorgen-internal (the target gradient of soft-label cross entropy); "
                                          "PyTorch has no separate op",
        "cross_entropy_loss_backward": "PyTorch has no single cross-entropy backward op (log_softmax + nll_loss "
                                       "backward)",
        "binary_cross_entropy_with_logits_backward": "PyTorch differentiates binary_cross_entropy_with_logits "
                                                     "through its decomposition; no backward op",
        "binary_cross_entropy_with_logits_target_backward": "tensorgen-internal target gradient; no PyTorch op",
        "binary_cross_entropy_target_backward": "tensorgen-internal target gradient; no PyTorch op",
        "kl_div_target_backward": "tensorgen-internal target gradient; no PyTorch op",
        "kl_div_backward": "PyTorch differentiates kl_div through its decomposition; no backward op",
        "l1_loss_backward": "PyTorch differentiates l1_loss through its decomposition; no backward op",
        "_fused_attention_backward": "tensorgen's attention backward (PyTorch's is _scaled_dot_product_*_backward "
                                     "with another signature)",
        "_fused_attention_backward_kernel": "tensorgen's attention backward kernel; no PyTorch op of this signature",
        "native_layer_norm_backward": "the 'which' argument selects one gradient; PyTorch's op returns all three",
        "native_rms_norm_backward": "tensorgen's rms_norm backward (one gradient per call); no PyTorch op",
        "native_group_norm_backward": "the 'which' argument selects one gradient; PyTorch's op returns all three",
        "native_batch_norm_backward": "the 'which' argument selects one gradient; PyTorch's op returns all three",
        "embedding_dense_double_backward": "tensorgen-internal double backward of embedding; no PyTorch op",
        "_max_pool2d_backward": "tensorgen's max-pool backward takes the indices only; PyTorch's needs the input",
        "as_strided_backward": "tensorgen-internal backward of as_strided; no PyTorch op",
        "pad_backward": "tensorgen's pad backward (one op for every mode); PyTorch has one backward op per mode "
                        "(reflection_pad2d_backward, ...)",
        "_embedding_bag_backward": "tensorgen's embedding_bag backward composite; PyTorch's _embedding_bag_backward "
                                   "takes other arguments",
        "_embedding_bag_dense_backward": "tensorgen's offset2bag holds -1 for positions in no bag; PyTorch's op reads "
                                         "its own offset2bag layout",
        "_embedding_bag_per_sample_weights_backward": "PyTorch's op of this name takes the offsets and its own "
                                                      "offset2bag layout",
    }


TORCH = _torch_table()

# Where PyTorch is looked up for an op of the same name (see the module docstring).
def torch_candidates(name: str, method_only: bool):
    if torch is None:
        return []
    spaces = [torch.Tensor] if method_only else [torch, torch.Tensor, torch._C._nn, F, torch.linalg]
    out = []
    for space in spaces:
        fn = getattr(space, name, None)
        if callable(fn):
            out.append(fn)
    packet = getattr(torch.ops.aten, name, None) if not name.startswith("__") else None
    if packet is not None:
        out.append(packet)
    return out


# ----------------------------------------------------------------------------- NumPy counterparts

def _np_reduce(fn, **fixed):
    def call(x, dim=None, **kw):
        return fn(x, axis=dim, **fixed)
    return call


def _np_scan(fn):
    return lambda x, dim: fn(x, axis=dim)


# element-wise: called with the same positional arguments (arrays and Python numbers)
NUMPY_POINTWISE = {
    "add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.true_divide, "true_divide": np.true_divide,
    "pow": np.power, "maximum": np.maximum, "minimum": np.minimum, "neg": np.negative, "abs": np.abs,
    "sign": np.sign, "exp": np.exp, "log": np.log, "sqrt": np.sqrt, "sin": np.sin, "cos": np.cos, "tanh": np.tanh,
    "floor": np.floor, "ceil": np.ceil, "round": np.round, "clamp": np.clip, "eq": np.equal, "ne": np.not_equal,
    "lt": np.less, "le": np.less_equal, "gt": np.greater, "ge": np.greater_equal, "logical_not": np.logical_not,
    "logical_and": np.logical_and, "logical_or": np.logical_or, "where": np.where, "log1p": np.log1p,
    "expm1": np.expm1, "log2": np.log2, "log10": np.log10, "exp2": np.exp2, "tan": np.tan, "asin": np.arcsin,
    "acos": np.arccos, "atan": np.arctan, "sinh": np.sinh, "cosh": np.cosh, "asinh": np.arcsinh,
    "acosh": np.arccosh, "atanh": np.arctanh, "reciprocal": np.reciprocal, "trunc": np.trunc,
    "square": np.square, "signbit": np.signbit, "isnan": np.isnan, "isinf": np.isinf, "isfinite": np.isfinite,
    "nan_to_num": np.nan_to_num, "atan2": np.arctan2, "hypot": np.hypot, "copysign": np.copysign,
    "fmod": np.fmod, "remainder": np.remainder, "floor_divide": np.floor_divide, "heaviside": np.heaviside,
    "bitwise_and": np.bitwise_and, "bitwise_or": np.bitwise_or, "bitwise_xor": np.bitwise_xor,
    "bitwise_not": np.invert, "bitwise_left_shift": np.left_shift, "bitwise_right_shift": np.right_shift,
    "logaddexp": np.logaddexp, "clamp_min": np.maximum, "clamp_max": np.minimum, "relu": lambda x: np.maximum(x, 0),
    "frac": lambda x: x - np.trunc(x), "sigmoid": lambda x: 1 / (1 + np.exp(-x)),
    "rsqrt": lambda x: 1 / np.sqrt(x), "addcmul": lambda a, b, c: a + b * c, "addcdiv": lambda a, b, c: a + b / c,
    "lerp": lambda a, b, w: a + w * (b - a),
}

# reductions: x, dim=None|int
NUMPY_REDUCTION = {
    "sum": _np_reduce(np.sum), "mean": _np_reduce(np.mean), "prod": _np_reduce(np.prod),
    "all": _np_reduce(np.all), "any": _np_reduce(np.any), "max": _np_reduce(np.max), "min": _np_reduce(np.min),
    "amax": _np_reduce(np.amax), "amin": _np_reduce(np.amin), "argmax": _np_reduce(np.argmax),
    "argmin": _np_reduce(np.argmin), "var": _np_reduce(np.var, ddof=1), "std": _np_reduce(np.std, ddof=1),
    "nansum": _np_reduce(np.nansum), "count_nonzero": _np_reduce(np.count_nonzero),
    "median": _np_reduce(np.median), "linalg_vector_norm": lambda x, dim=None: np.linalg.norm(x, axis=dim),
    "nanmean": _np_reduce(np.nanmean), "logsumexp": lambda x, dim=None: np.logaddexp.reduce(x, axis=dim),
}

NUMPY_SCAN = {
    "cumsum": _np_scan(np.cumsum), "cumprod": _np_scan(np.cumprod), "cummax": _np_scan(np.maximum.accumulate),
    "cummin": _np_scan(np.minimum.accumulate), "logcumsumexp": _np_scan(np.logaddexp.accumulate),
}


# ----------------------------------------------------------------------------- large samples

class LongArr(np.ndarray):
    """Marker: an int64 index array (never converted to the row's dtype)."""


class Lst(list):
    """Marker: a list of tensors (cat's tensors)."""


def idx(a):
    return np.ascontiguousarray(a, dtype=np.int64).view(LongArr)


class Sizes:
    def __init__(self, quick: bool):
        self.quick = quick
        self.n = 1 << (16 if quick else 22)          # element-wise work: 4M elements
        self.side = 256 if quick else 2048           # side x side = 4M
        self.mm = 64 if quick else 512
        self.batch = 2 if quick else 16
        self.bm = 64 if quick else 256


def _f(rng, *shape, low=-1.0, high=1.0):
    return rng.uniform(low, high, shape).astype(np.float32)


def _large_table():
    T = {}

    def add(name, label, build, **opts):
        T.setdefault(name, []).append((label, build, opts))

    # softmax family, products
    for n in ("softmax", "log_softmax"):
        add(n, "[side,side] dim=-1", lambda s, r: ((_f(r, s.side, s.side), -1), {}), bwd=True)
    add("logsumexp", "[side,side] dim=-1", lambda s, r: ((_f(r, s.side, s.side), [1]), {}), bwd=True,
        np=lambda x, d: np.logaddexp.reduce(x, axis=d[0]))
    add("mm", "mm^3", lambda s, r: ((_f(r, s.mm, s.mm), _f(r, s.mm, s.mm)), {}), bwd=True, np=np.matmul)
    add("matmul", "[4,mm,mm]@[mm,mm]", lambda s, r: ((_f(r, 4, s.mm, s.mm), _f(r, s.mm, s.mm)), {}), bwd=True,
        np=np.matmul)
    add("bmm", "[b,bm,bm]^2", lambda s, r: ((_f(r, s.batch, s.bm, s.bm), _f(r, s.batch, s.bm, s.bm)), {}),
        bwd=True, np=np.matmul)
    add("addmm", "[mm]+mm^3", lambda s, r: ((_f(r, s.mm), _f(r, s.mm, s.mm), _f(r, s.mm, s.mm)), {}), bwd=True)
    add("baddbmm", "[b,bm,bm]^3", lambda s, r: ((_f(r, s.batch, s.bm, s.bm), _f(r, s.batch, s.bm, s.bm),
                                                _f(r, s.batch, s.bm, s.bm)), {}), bwd=True)
    add("mv", "[n/1024,1024]@[1024]", lambda s, r: ((_f(r, s.n // 1024, 1024), _f(r, 1024)), {}), bwd=True,
        np=np.matmul)
    add("addmv", "[n/1024,1024]@[1024]", lambda s, r: ((_f(r, s.n // 1024), _f(r, s.n // 1024, 1024), _f(r, 1024)),
                                                       {}), bwd=True)
    add("dot", "n", lambda s, r: ((_f(r, s.n), _f(r, s.n)), {}), bwd=True, np=np.dot)
    add("outer", "[side]x[side]", lambda s, r: ((_f(r, s.side), _f(r, s.side)), {}), bwd=True, np=np.outer)
    add("kron", "[side/32]^2 x [32,32]", lambda s, r: ((_f(r, s.side // 32, s.side // 32), _f(r, 32, 32)), {}),
        np=np.kron)
    add("linear", "[2*mm,mm]x[mm,mm]^T", lambda s, r: ((_f(r, 2 * s.mm, s.mm), _f(r, s.mm, s.mm), _f(r, s.mm)), {}),
        bwd=True)
    add("tensordot", "[bm,bm,16]x[bm,16,bm] dims 2", lambda s, r: ((_f(r, s.bm, s.bm, 16), _f(r, s.bm, 16, s.bm),
                                                                    [1, 2], [0, 1]), {}))
    add("einsum", "bij,bjk->bik [b,bm,bm]^2", lambda s, r: (("bij,bjk->bik", Lst([_f(r, s.batch, s.bm, s.bm),
                                                                                  _f(r, s.batch, s.bm, s.bm)])), {}))
    for n in ("cross", "linalg_cross"):
        add(n, "[n/4,3] dim=1", lambda s, r: ((_f(r, s.n // 4, 3), _f(r, s.n // 4, 3)), {"dim": 1}))
    # joining and shapes
    for n in ("cat", "concat"):
        for d in (0, 1):
            add(n, f"8x[side/4,side/2] dim={d}",
                lambda s, r, d=d: ((Lst([_f(r, s.side // 4, s.side // 2) for _ in range(8)]), d), {}),
                np=lambda xs, d: np.concatenate(xs, axis=d))
    add("stack", "8x[side/4,side/2]", lambda s, r: ((Lst([_f(r, s.side // 4, s.side // 2) for _ in range(8)]), 0), {}),
        np=lambda xs, d: np.stack(xs, axis=d))
    add("flip", "[side,side] dims=[0]", lambda s, r: ((_f(r, s.side, s.side), [0]), {}), np=lambda x, d: np.flip(x, d))
    add("flip", "[side,side] dims=[1]", lambda s, r: ((_f(r, s.side, s.side), [1]), {}), np=lambda x, d: np.flip(x, d))
    add("roll", "[side,side] shift 5 dim 1", lambda s, r: ((_f(r, s.side, s.side), [5], [1]), {}),
        np=lambda x, sh, d: np.roll(x, sh, d))
    add("repeat", "[side/2,side/2] x [2,2]", lambda s, r: ((_f(r, s.side // 2, s.side // 2), [2, 2]), {}))
    add("tile", "[side/2,side/2] x [2,2]", lambda s, r: ((_f(r, s.side // 2, s.side // 2), [2, 2]), {}), np=np.tile)
    for n in ("tril", "triu"):
        add(n, "[side,side]", lambda s, r: ((_f(r, s.side, s.side),), {}), bwd=True, np=getattr(np, n))
    add("diag", "[side,side]", lambda s, r: ((_f(r, s.side, s.side),), {}), np=np.diag)
    add("reshape", "[side,side].T -> [-1] (copies)", lambda s, r: ((_f(r, s.side, s.side).T, [-1]), {}),
        np=np.reshape)
    add("unbind", "[side,side] dim 0 (side views)", lambda s, r: ((_f(r, s.side, s.side), 0), {}))
    # sorting
    for n in ("sort", "argsort", "msort"):
        add(n, "[1024,1024]" if n != "msort" else "[1024,1024] dim 0",
            lambda s, r: ((_f(r, s.side // 2, s.side // 2),), {}),
            np=np.sort if n == "sort" else np.argsort if n == "argsort" else lambda x: np.sort(x, axis=0))
    add("topk", "n k=100", lambda s, r: ((_f(r, s.n), 100), {}))
    add("kthvalue", "[1024,1024] k=512", lambda s, r: ((_f(r, s.side // 2, s.side // 2), s.side // 4), {}))
    # indexing
    add("gather", "[side,side] dim 1", lambda s, r: ((_f(r, s.side, s.side), 1, idx(r.integers(0, s.side, (s.side, s.side)))),
                                                     {}), bwd=True, np=lambda x, d, i: np.take_along_axis(x, i, d))
    add("_gather_along_dim", "[side,side] dim 1",
        lambda s, r: ((_f(r, s.side, s.side), 1, idx(r.integers(0, s.side, (s.side, s.side)))), {}))
    for n in ("scatter", "scatter_add", "scatter_", "scatter_add_"):
        add(n, "[side,side] dim 1", lambda s, r: ((_f(r, s.side, s.side), 1, idx(r.integers(0, s.side, (s.side, s.side))),
                                                   _f(r, s.side, s.side)), {}))
    for n in ("scatter_reduce", "scatter_reduce_"):
        add(n, "[side,side] dim 1 amax", lambda s, r: ((_f(r, s.side, s.side), 1, idx(r.integers(0, s.side, (s.side, s.side))),
                                                        _f(r, s.side, s.side), "amax"), {}))
    add("index_select", "side/2 rows of [side,side]",
        lambda s, r: ((_f(r, s.side, s.side), 0, idx(r.integers(0, s.side, s.side // 2))), {}), bwd=True,
        np=lambda x, d, i: np.take(x, i, axis=d))
    for n in ("index_add", "index_add_", "index_copy", "index_copy_"):
        add(n, "side/2 rows into [side,side]", lambda s, r: ((_f(r, s.side, s.side), 0, idx(r.permutation(s.side)[:s.side // 2]),
                                                               _f(r, s.side // 2, s.side)), {}))
    for n in ("index_fill", "index_fill_"):
        add(n, "side/2 rows of [side,side]", lambda s, r: ((_f(r, s.side, s.side), 0, idx(r.integers(0, s.side, s.side // 2)),
                                                             -2.5), {}))
    add("masked_fill", "n, 50% true", lambda s, r: ((_f(r, s.n), r.random(s.n) < 0.5, -2.5), {}),
        np=lambda x, m, v: np.where(m, v, x))
    add("masked_select", "n, 50% true", lambda s, r: ((_f(r, s.n), r.random(s.n) < 0.5), {}), np=lambda x, m: x[m])
    add("masked_scatter", "n, 50% true", lambda s, r: ((_f(r, s.n), r.random(s.n) < 0.5, _f(r, s.n)), {}))
    add("take", "n/4 of n", lambda s, r: ((_f(r, s.n), idx(r.integers(0, s.n, s.n // 4))), {}), np=np.take)
    for n in ("nonzero", "argwhere"):
        add(n, "[side,side] 50% nonzero", lambda s, r: (((r.random((s.side, s.side)) < 0.5).astype(np.float32),), {}),
            np=np.argwhere)
    add("index", "x[i] n/4 of n", lambda s, r: ((_f(r, s.n), Lst([idx(r.integers(0, s.n, s.n // 4))])), {}))
    # _index / _index_put_ take the stacked index [k, *B]: one row here
    add("_index", "x[i] n/4 of n", lambda s, r: ((_f(r, s.n), idx(r.integers(0, s.n, (1, s.n // 4)))), {}))
    for n in ("index_put", "index_put_"):
        add(n, "n/4 into [n/16] accumulate", lambda s, r: ((_f(r, s.n // 16), Lst([idx(r.integers(0, s.n // 16, s.n // 4))]),
                                                            _f(r, s.n // 4), True), {}))
    add("_index_put_", "n/4 into [n/16] accumulate", lambda s, r: ((_f(r, s.n // 16), idx(r.integers(0, s.n // 16, (1, s.n // 4))),
                                                                   _f(r, s.n // 4), True), {}))
    add("one_hot", "n/16 of 16 classes", lambda s, r: ((idx(r.integers(0, 16, s.n // 16)), 16), {}))
    add("bincount", "n in 1000 bins", lambda s, r: ((idx(r.integers(0, 1000, s.n)),), {}), np=np.bincount)
    add("searchsorted", "n into 1024", lambda s, r: ((np.sort(_f(r, 1024)), _f(r, s.n)), {}),
        np=lambda a, v: np.searchsorted(a, v))
    add("bucketize", "n into 1024", lambda s, r: ((_f(r, s.n), np.sort(_f(r, 1024))), {}))
    add("_unique2", "n ints in [0,1000)", lambda s, r: ((idx(r.integers(0, 1000, s.n)),), {}), np=np.unique)
    # convolution, pooling, upsampling
    add("conv2d", "[8,32,56,56]*[32,32,3,3] pad 1",
        lambda s, r: ((_f(r, 2 if s.quick else 8, 32, 56, 56), _f(r, 32, 32, 3, 3), _f(r, 32), 1, 1), {}), bwd=True)
    add("conv2d", "[8,64,56,56]*[128,64,3,3] stride 2 pad 1",  # a ResNet stage's downsampling
        lambda s, r: ((_f(r, 2 if s.quick else 8, 64, 56, 56), _f(r, 128, 64, 3, 3), _f(r, 128), 2, 1), {}), bwd=True)
    add("conv2d", "[8,64,56,56]*[64,1,3,3] depthwise pad 1",  # MobileNet's 3x3 (groups = channels)
        lambda s, r: ((_f(r, 2 if s.quick else 8, 64, 56, 56), _f(r, 64, 1, 3, 3), _f(r, 64), 1, 1, 1, 64), {}),
        bwd=True)
    add("conv1d", "[16,64,1024]*[64,64,5] pad 2",
        lambda s, r: ((_f(r, 2 if s.quick else 16, 64, 1024), _f(r, 64, 64, 5), _f(r, 64), 1, 2), {}), bwd=True)
    add("conv_transpose2d", "[8,32,28,28]*[32,32,4,4] stride 2",
        lambda s, r: ((_f(r, 2 if s.quick else 8, 32, 28, 28), _f(r, 32, 32, 4, 4), _f(r, 32), 2, 1), {}), bwd=True)
    add("conv_transpose1d", "[16,64,512]*[64,64,4] stride 2",
        lambda s, r: ((_f(r, 2 if s.quick else 16, 64, 512), _f(r, 64, 64, 4), _f(r, 64), 2, 1), {}), bwd=True)
    add("im2col", "[8,32,56,56] k3 pad 1",
        lambda s, r: ((_f(r, 2 if s.quick else 8, 32, 56, 56), [3, 3], [1, 1], [1, 1], [1, 1]), {}))
    add("col2im", "[8,288,3136] -> 56x56",
        lambda s, r: ((_f(r, 2 if s.quick else 8, 288, 3136), [56, 56], [3, 3], [1, 1], [1, 1], [1, 1]), {}))
    pool_in = lambda s, r: _f(r, 1 if s.quick else 16, 64, 64, 64)  # noqa: E731  4M elements
    add("max_pool2d_with_indices", "[16,64,64,64] k2 s2", lambda s, r: ((pool_in(s, r), [2, 2], [2, 2]), {}), bwd=True)
    add("avg_pool2d", "[16,64,64,64] k3 s2 p1", lambda s, r: ((pool_in(s, r), [3, 3], [2, 2], [1, 1]), {}), bwd=True)
    add("adaptive_avg_pool2d", "[16,64,64,64] -> 7x7", lambda s, r: ((pool_in(s, r), [7, 7]), {}), bwd=True)
    add("adaptive_max_pool2d", "[16,64,64,64] -> 7x7", lambda s, r: ((pool_in(s, r), [7, 7]), {}), bwd=True)
    add("upsample_nearest2d", "[16,64,64,64] -> 128x128", lambda s, r: ((pool_in(s, r), [128, 128]), {}), bwd=True)
    add("upsample_bilinear2d", "[16,64,64,64] -> 128x128", lambda s, r: ((pool_in(s, r), [128, 128], False), {}),
        bwd=True)
    # norms, losses, embedding, attention
    add("native_layer_norm", "[n/1024,1024]", lambda s, r: ((_f(r, s.n // 1024, 1024), [1024], _f(r, 1024), _f(r, 1024),
                                                             1e-5), {}), bwd=True)
    add("native_rms_norm", "[n/1024,1024]", lambda s, r: ((_f(r, s.n // 1024, 1024), [1024], _f(r, 1024), 1e-5), {}),
        bwd=True)
    add("native_group_norm", "[16,64,64,64] 8 groups", lambda s, r: ((pool_in(s, r), _f(r, 64), _f(r, 64), 8, 1e-5), {}),
        bwd=True)
    add("native_batch_norm", "[16,64,64,64] training", lambda s, r: ((pool_in(s, r), _f(r, 64), _f(r, 64), None, None,
                                                                     True, 1e-5), {}), bwd=True)
    for n in ("mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy_with_logits", "kl_div"):
        add(n, "n mean", lambda s, r: ((_f(r, s.n), _f(r, s.n)), {}), bwd=True)
    add("binary_cross_entropy", "n mean", lambda s, r: ((_f(r, s.n, low=0.01, high=0.99), _f(r, s.n, low=0, high=1)), {}),
        bwd=True)
    add("cross_entropy_loss", "[n/1024,1000] mean", lambda s, r: ((_f(r, s.n // 1024, 1000),
                                                                   idx(r.integers(0, 1000, s.n // 1024))), {}), bwd=True)
    add("nll_loss", "[n/1024,1000] mean", lambda s, r: ((_f(r, s.n // 1024, 1000), idx(r.integers(0, 1000, s.n // 1024))),
                                                        {}), bwd=True)
    add("embedding", "n/128 rows of [50000,128]", lambda s, r: ((_f(r, 50000, 128), idx(r.integers(0, 50000, s.n // 128))),
                                                                {}), bwd=True, grad=(0,))
    add("pad", "[16,64,64,64] reflect 1", lambda s, r: ((pool_in(s, r), [1, 1, 1, 1], "reflect"), {}), bwd=True)
    add("pad", "[16,64,64,64] constant 2", lambda s, r: ((pool_in(s, r), [2, 2, 2, 2], "constant", 0.5), {}), bwd=True)
    add("_embedding_bag", "n/128 rows of [10000,128], bags of 20, mean",
        lambda s, r: ((_f(r, 10000, 128), idx(r.integers(0, 10000, s.n // 128 // 20 * 20)),
                       idx(np.arange(0, s.n // 128 // 20 * 20, 20)), False, 1), {}), bwd=True, grad=(0,))
    add("_fused_attention", "[4,8,512,64] qkv", lambda s, r: ((Lst([_f(r, 1 if s.quick else 4, 8, 512, 64) for _ in range(3)]),
                                                              None, False, 0.125), {}), bwd=True)
    for n in ("selu", "celu", "relu6"):
        add(n, "n", lambda s, r: ((_f(r, s.n, low=-3, high=3),), {}), bwd=True)
    add("glu", "[side,side] dim -1", lambda s, r: ((_f(r, s.side, s.side), -1), {}), bwd=True)
    add("glu_backward", "[side,side/2] of [side,side] dim -1",
        lambda s, r: ((_f(r, s.side, s.side // 2), _f(r, s.side, s.side), -1), {}))
    add("prelu", "[16,64,64,64] x [64]", lambda s, r: ((pool_in(s, r), _f(r, 64)), {}), bwd=True)
    for n in ("dropout", "alpha_dropout"):
        add(n, "n p=0.5", lambda s, r: ((_f(r, s.n), 0.5, True), {}))
    for n in ("feature_dropout", "feature_alpha_dropout"):
        add(n, "[16,64,64,64] p=0.5", lambda s, r: ((pool_in(s, r), 0.5, True), {}))
    # copies, fills, conversions, comparisons
    add("fill_", "n", lambda s, r: ((_f(r, s.n), 2.5), {}))
    add("zero_", "n", lambda s, r: ((_f(r, s.n),), {}))
    add("copy_", "n", lambda s, r: ((_f(r, s.n), _f(r, s.n)), {}))
    add("copy_", "[side,side] <- .T", lambda s, r: ((_f(r, s.side, s.side), _f(r, s.side, s.side).T), {}))
    add("clone", "n", lambda s, r: ((_f(r, s.n),), {}), np=np.copy)
    add("contiguous", "[side,side].T", lambda s, r: ((_f(r, s.side, s.side).T,), {}), np=np.ascontiguousarray)
    for dt in ("float16", "bfloat16", "int64", "float64"):
        add("to", f"n float32 -> {dt}", lambda s, r, dt=dt: ((_f(r, s.n), DType(dt)), {}),
            np=None if dt == "bfloat16" else (lambda x, d, dt=dt: x.astype(dt)))
    add("to", "n float16 -> float32", lambda s, r: ((Cast(_f(r, s.n), "float16"), DType("float32")), {}),
        np=lambda x, d: x.astype(np.float32))
    add("to", "n bfloat16 -> float32", lambda s, r: ((Cast(_f(r, s.n), "bfloat16"), DType("float32")), {}))
    add("type_as", "n float32 as float16", lambda s, r: ((_f(r, s.n), Cast(_f(r, 4), "float16")), {}))
    add("allclose", "n", lambda s, r: ((_f(r, s.n), _f(r, s.n)), {}), np=np.allclose)
    add("equal", "n (equal inputs)", lambda s, r: ((_f(r, s.n), _f(r, s.n, low=0, high=0)), {}), np=np.array_equal)
    # factories and random
    add("empty", "n", lambda s, r: (([s.n],), {}), np=np.empty)
    add("zeros", "n", lambda s, r: (([s.n],), {}), np=lambda sh: np.zeros(sh, np.float32))
    add("ones", "n", lambda s, r: (([s.n],), {}), np=lambda sh: np.ones(sh, np.float32))
    add("full", "n", lambda s, r: (([s.n], 2.5), {}), np=lambda sh, v: np.full(sh, v, np.float32))
    for n in ("empty_like", "zeros_like", "ones_like"):
        add(n, "n", lambda s, r: ((_f(r, s.n),), {}), np=getattr(np, n))
    add("full_like", "n", lambda s, r: ((_f(r, s.n), 2.5), {}), np=np.full_like)
    add("arange", "n float32", lambda s, r: ((0, s.n), {"dtype": DType("float32")}),
        np=lambda a, b, dtype=None: np.arange(a, b, dtype=np.float32))
    add("linspace", "n", lambda s, r: ((0, 1, s.n), {}), np=np.linspace)
    add("eye", "side", lambda s, r: ((s.side,), {}), np=np.eye)
    add("rand", "n", lambda s, r: (([s.n],), {}))
    add("randn", "n", lambda s, r: (([s.n],), {}))
    add("randint", "n in [0,100)", lambda s, r: ((0, 100, [s.n]), {}))
    add("randperm", "n/4", lambda s, r: ((s.n // 4,), {}))
    for n in ("uniform_", "normal_", "bernoulli_", "exponential_", "log_normal_", "cauchy_"):
        add(n, "n", lambda s, r: ((_f(r, s.n),), {}))
    add("geometric_", "n p=0.3", lambda s, r: ((_f(r, s.n), 0.3), {}))
    add("random_", "n in [0,7)", lambda s, r: ((_f(r, s.n), 0, 7), {}))
    add("bernoulli", "n", lambda s, r: ((_f(r, s.n, low=0, high=1),), {}))
    add("multinomial", "n/16 draws from 1000", lambda s, r: ((_f(r, 1000, low=0.1, high=1), s.n // 16, True), {}))
    return T


class DType(str):
    """Marker: a dtype argument, by name (converted to tg.<name> / torch.<name>)."""


class Cast:
    """Marker: an array to convert to another dtype in each library (float16, bfloat16)."""

    def __init__(self, array, dtype):
        self.array, self.dtype = array, dtype


LARGE = _large_table()
