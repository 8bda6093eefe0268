"""The benchmark matrix (issue 14): every op of native_functions.yaml, tensorgen vs PyTorch and NumPy.

    python benchmarks/ops.py [--quick] [--threads N] [--repeat R] [--only SUBSTR ...] [--dtype D ...] [--json PATH]

Rows come from the YAML (tg.ops.all_ops()) and the OpInfo database: for each op
- element-wise, reduction and scan ops (their OpInfo kind): a 1-element call (per-op overhead), a
  4M-element contiguous call, a transposed (unary) or broadcast (binary, ternary) layout on
  2048x2048, dim=-1 and dim=0 for reductions and scans, forward + backward when differentiable, and
  the 4M call again in float16, bfloat16 and int64 where the op supports them. The inputs are the
  op's first OpInfo sample scaled up: every tensor argument is resampled from that sample's values
  (so they stay in the op's domain), the other arguments are kept;
- every other op: its first OpInfo sample ("small", the overhead row; a sample of over SMALL_MAX
  elements, such as the random fills' 4000 draws, is an ordinary row and a copy of it cut to one
  element is the overhead row), then a large sample from
  ops_tables.LARGE (sizes chosen there: 4M elements, or ~1-10 ms of compute for mm/conv/sort/
  attention) or else OpInfo's "large" sample (a few thousand elements), forward + backward when
  differentiable, and the other supported dtypes on the OpInfo sample.
An op with no PyTorch counterpart prints its reason (ops_tables.TORCH); an op tensorgen can't run on
a sample prints the error. Every YAML op appears in the output: rows, or the reason it has none.

Libraries are interleaved in one process (benchmarks/run.py's interleaved / print_table) at a fixed
thread count with OMP_WAIT_POLICY=PASSIVE; calls per sample adapt to the op's time. Ratios are
speedups: > 1 means tensorgen is faster. The summary prints the geometric mean over all rows vs
PyTorch, the slowest rows, the 1-element overhead (target <= 0.5x PyTorch's time, i.e. ratio >= 2)
and the machine's read bandwidth (a large sum) next to the whole-tensor reductions.
"""
from __future__ import annotations

import os
import sys

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # before the libraries load (see run.py)
os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")  # NumPy's BLAS threads: no spinning after a call (run.py)
# TENSORGEN_CPU_CAPABILITY=avx2 on an AVX-512 machine stands for an AVX2 machine: PyTorch (its
# ATen kernels, oneDNN and MKL) is held to AVX2 too, unless these are set already.
if os.environ.get("TENSORGEN_CPU_CAPABILITY") == "avx2":
    for _name, _value in (("ATEN_CPU_CAPABILITY", "avx2"), ("ONEDNN_MAX_CPU_ISA", "AVX2"),
                          ("MKL_ENABLE_INSTRUCTIONS", "AVX2")):
        os.environ.setdefault(_name, _value)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def _malloc_keeps_large_blocks():
    """glibc's malloc maps blocks of 32 MiB and more fresh from the kernel on every call and
    unmaps them on free, so each use page-faults (zeroed pages: a 4M int64 output cost PyTorch
    ~9 ms instead of ~1 ms, in some runs of a row and not in others, as glibc's threshold moved).
    From the heap instead, PyTorch's and NumPy's large outputs are reused like tensorgen's cached
    blocks: the matrix compares kernels, not page faults (never in PyTorch's favour less)."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 1 << 30)  # M_MMAP_THRESHOLD: only blocks of 1 GiB and more are mapped
        libc.mallopt(-1, 1 << 31)  # M_TRIM_THRESHOLD: free heap memory is not given back
    except (OSError, AttributeError):  # not glibc
        pass


_malloc_keeps_large_blocks()

import argparse  # noqa: E402
import functools  # noqa: E402
import json  # noqa: E402
import warnings  # noqa: E402
import math  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
import timeit  # noqa: E402

import numpy as np  # noqa: E402

import run  # noqa: E402  (interleaved, print_table, bench_options; imports torch if installed)
import tensorgen as tg  # noqa: E402
from ops_tables import (LARGE, NUMPY_POINTWISE, NUMPY_REDUCTION, NUMPY_SCAN, TORCH, Cast, DType, LongArr,  # noqa: E402
                        Lst, Sizes, torch_candidates)

torch = run.torch
EXTRA_DTYPES = ("float16", "bfloat16", "int64")
# Rows left out on purpose, with the reason (printed): they would take the machine down. (Empty since
# cumprod's backward with zeros became O(n) and cummax/cummin's one scatter_add.)
HAZARDS: dict = {}
# Composites that differentiate through the ops they call (tests/test_ops.py checks these).
DIFFERENTIABLE_COMPOSITES = {"div", "clamp", "matmul", "reshape", "t", "flatten", "narrow", "expand_as", "concat",
                             "stack", "square", "clamp_min", "clamp_max", "linear", "bilinear", "conv1d", "conv2d",
                             "conv_transpose1d", "conv_transpose2d", "convolution", "selu", "celu", "relu6",
                             "prelu", "logsumexp", "var_mean", "std_mean", "nanmean", "lerp", "addcmul", "addcdiv"}


# An OpInfo sample with a tensor of more elements than this is not an overhead measurement (see other_rows).
SMALL_MAX = 1000


def shrunk(a):
    """A tensor argument cut to one element in each of its dims (others unchanged)."""
    return a[(slice(0, 1),) * a.dim()].contiguous() if isinstance(a, tg.Tensor) and a.dim() > 0 else a


class Skip(Exception):
    """A row that can't run: the message says why (printed, kept in the JSON)."""


# ----------------------------------------------------------------------------- conversions

def tg_to_torch(a):
    """A tensorgen value as torch's: tensors keep dtype, sizes, strides and offset (zero-copy where
    NumPy can hold the dtype); dtypes map by name; lists and tuples recursively."""
    if isinstance(a, tg.Tensor):
        d = a.detach()
        nelem = d.untyped_storage().nbytes() // d.element_size()
        base = d.as_strided([nelem], [1], 0)
        if d.dtype is tg.bfloat16:
            tb = torch.from_numpy(base.float().numpy()).to(torch.bfloat16)
        else:
            tb = torch.from_numpy(base.numpy())
        t = tb.as_strided(tuple(d.shape), tuple(d.stride()), d.storage_offset())
        return t.requires_grad_() if a.requires_grad else t
    if isinstance(a, tg.dtype):
        return getattr(torch, str(a).split(".")[-1])
    if isinstance(a, (list, tuple)):
        return type(a)(tg_to_torch(x) for x in a)
    return a


def from_numpy_form(a, lib: str, dtype: str | None = None):
    """ops_tables' NumPy form (arrays, LongArr, Lst, DType, Cast) as `lib`'s values ("tg", "torch",
    "numpy"). dtype: the row's dtype for floating arrays (None: as built)."""
    if isinstance(a, DType):
        return a if lib == "numpy" else getattr(tg if lib == "tg" else torch, str(a))
    if isinstance(a, Cast):
        t = from_numpy_form(a.array, lib)
        if lib == "numpy":
            return t.astype(a.dtype) if a.dtype != "bfloat16" else t
        return t.to(getattr(tg if lib == "tg" else torch, a.dtype))
    if isinstance(a, Lst):
        return [from_numpy_form(x, lib, dtype) for x in a]
    if isinstance(a, np.ndarray):
        arr = a.view(np.ndarray)
        if lib == "numpy":
            return arr if dtype in (None, "float32") or arr.dtype != np.float32 or dtype == "bfloat16" \
                else arr.astype(dtype)
        t = (tg.from_numpy if lib == "tg" else torch.from_numpy)(arr)
        if dtype not in (None, "float32") and arr.dtype == np.float32:
            t = t.to(getattr(tg if lib == "tg" else torch, dtype))
        return t
    if isinstance(a, (list, tuple)):
        return type(a)(from_numpy_form(x, lib, dtype) for x in a)
    return a


def first_tensor(out):
    if isinstance(out, (list, tuple)):
        for o in out:
            t = first_tensor(o)
            if t is not None:
                return t
        return None
    return out if hasattr(out, "shape") and hasattr(out, "dtype") else None


def shape_of(out):
    t = first_tensor(out)
    return None if t is None else tuple(t.shape)


# ----------------------------------------------------------------------------- counterparts

def torch_call(name: str, method_only: bool, targs, tkwargs, want_shape):
    """(callable, None) PyTorch's counterpart that runs on these arguments with the same result
    shape, or (None, reason)."""
    if torch is None:
        return None, "torch not installed"
    entry = TORCH.get(name)
    if isinstance(entry, str):
        return None, entry
    cands = [entry] if entry is not None else torch_candidates(name, method_only)
    if not cands:
        return None, f"no torch.{name} / Tensor.{name} / F.{name} / aten.{name}"
    err = None
    for fn in cands:
        try:
            out = fn(*targs, **tkwargs)
        except Exception as e:  # another signature: try the next spelling
            err = f"{type(e).__name__}: {str(e).splitlines()[0][:90]}" if str(e) else type(e).__name__
            continue
        if shape_of(out) == want_shape:
            return functools.partial(fn, *targs, **tkwargs), None  # as tensorgen's (Matrix._emit)
        err = f"result shape {shape_of(out)} != tensorgen's {want_shape}"
    return None, f"torch counterpart failed ({err})"


def tg_function(op):
    """tensorgen's callable for op: the function variant if it has one, else the method."""
    if "function" in op.variants:
        fn = getattr(tg, op.name, None) or getattr(tg._C, op.name)
        return fn, False
    i = op.method_self
    if i == 0:  # the unbound method, as torch_candidates calls torch.Tensor.<name>: no wrapper to time
        return getattr(tg.Tensor, op.name), True
    return (lambda *a, **kw: getattr(a[i], op.name)(*a[:i], *a[i + 1:], **kw)), True


def is_differentiable(op) -> bool:
    return op.meta.differentiable or op.name in DIFFERENTIABLE_COMPOSITES


# ----------------------------------------------------------------------------- rows

class Matrix:
    """Builds the rows: (name, {library: callable}, calls per sample, None) for run.print_table,
    and keeps what each row is (op, kind, dtype) for the summary and --json."""

    def __init__(self, opts, rounds):
        from tensorgen.testing.opinfo import op_db_by_name
        self.opdb = op_db_by_name
        self.opts, self.rounds = opts, rounds
        self.sizes = Sizes(opts.quick)
        self.rng = np.random.default_rng(0)
        self.info: dict[str, dict] = {}          # row name -> {op, kind, dtype}
        self.reasons: dict[str, list[str]] = {}  # op -> notes (no torch, tensorgen error, no rows)
        self.whole_reductions: dict[str, object] = {}  # op -> its whole-tensor float32 call (read_rates)
        self.target_s = 0.001 if opts.quick else 0.006
        self.dtypes = opts.dtype or ["float32", *EXTRA_DTYPES]
        self.t0 = time.perf_counter()

    def note(self, op: str, text: str, show=True):
        self.reasons.setdefault(op, []).append(text)
        if show:
            print(f"  {op}: {text}")

    def wanted(self, name):
        return not self.opts.only or any(o.lower() in name.lower() for o in self.opts.only)

    # -- row assembly
    def make_row(self, op, label, kind, dtype, tg_fn, torch_fn, torch_reason, np_fn, bwd=None):
        """Calibrates and returns (name, fns, number, None), or None after noting why the row can't run."""
        name = f"{op.name} | {label}"
        fns = {"tensorgen": tg_fn}
        if np_fn is not None:
            fns["numpy"] = np_fn
        if torch_fn is not None:
            fns["torch"] = torch_fn
        elif torch_reason:  # printed once per op and reason, kept per row in the JSON
            shown = any(torch_reason in r for r in self.reasons.get(op.name, []))
            self.note(op.name, f"[{label}] torch n/a: {torch_reason}", show=not shown)
        times = {}
        for lib, fn in list(fns.items()):
            try:  # one timed call: tensorgen and torch ran once already (probing the counterpart)
                t0 = time.perf_counter()
                fn()
                times[lib] = time.perf_counter() - t0
            except Exception as e:
                if lib == "tensorgen":
                    self.note(op.name, f"[{label}] tensorgen error: {type(e).__name__}: {str(e)[:120]}")
                    return None
                del fns[lib]
                self.note(op.name, f"[{label}] {lib} error: {type(e).__name__}: {str(e)[:100]}", show=False)
        number = max(1, min(2000, int(self.target_s / max(max(times.values()), 1e-7))))
        self.info[name] = {"op": op.name, "kind": kind, "dtype": dtype, "label": label}
        return name, fns, number, None

    def rows(self):
        for name, meta in tg.ops.all_ops().items():
            if not self.wanted(name):
                continue
            op = self.opdb.get(name)
            if op is None:
                self.note(name, "n/a: no OpInfo entry (no samples to build rows from)")
                continue
            before = len(self.info)
            try:
                if op.default_kind in ("pointwise", "reduction", "scan") and op.name not in LARGE:
                    yield from self.generic_rows(op)
                else:
                    yield from self.other_rows(op)
            except Exception as e:  # a builder bug must not hide the other ops
                self.note(name, f"n/a: row builder failed: {type(e).__name__}: {str(e)[:120]}")
            if len(self.info) == before and not self.reasons.get(name):
                self.note(name, "n/a: no sample it supports")

    # -- element-wise, reductions, scans: the first OpInfo sample scaled up
    def base_sample(self, op, dtype):
        try:
            samples = [s for s in op.samples_for(dtype, "basic") if op.expected_error(s) is None]
        except Exception:
            return None
        return samples[0] if samples else None

    def scaled(self, op, sample, shapes, grad=False):
        """(tg args, kwargs, torch args, kwargs, numpy args) with every tensor argument of sample
        resampled to the shapes given (a shape, or a callable(i) -> (shape, transpose))."""
        tg_args, t_args, n_args = [], [], []
        k = 0
        for a in sample.args:
            if isinstance(a, tg.Tensor) and a.dim() > 0:
                shape, transpose = shapes(k)
                k += 1
                vals = (a.float() if a.dtype is tg.bfloat16 else a).detach().contiguous().numpy().ravel()
                size = int(np.prod(shape))
                arr = self.rng.choice(vals, size).reshape(shape)
                if transpose:
                    arr = arr.T
                t = tg.from_numpy(arr) if a.dtype is not tg.bfloat16 else tg.from_numpy(arr).to(tg.bfloat16)
                tt = tg_to_torch(t) if torch is not None else None
                if grad and a.dtype.is_floating_point:
                    t.requires_grad_()
                    if tt is not None:
                        tt.requires_grad_()
                tg_args.append(t), t_args.append(tt), n_args.append(arr if a.dtype is not tg.bfloat16 else None)
            else:
                tg_args.append(a), t_args.append(tg_to_torch(a) if torch is not None else None)
                n_args.append(a.numpy() if isinstance(a, tg.Tensor) and a.dtype is not tg.bfloat16 else a)
        return tg_args, t_args, n_args

    def generic_rows(self, op):
        s, kind = self.sizes, op.default_kind
        fn, method_only = tg_function(op)
        n, side = s.n, s.side
        if kind == "pointwise":
            arity = sum(isinstance(a, tg.Tensor) for a in (self.base_sample(op, tg.float32) or
                                                            self.base_sample(op, op.dtypes[0])).args)
            layouts = [("1 elem", "1elem", lambda i: ((1,), False)), (f"{n}", "large", lambda i: ((n,), False))]
            if arity == 1:
                layouts.append((f"[{side},{side}].T", "layout", lambda i: ((side, side), True)))
            else:
                layouts.append((f"bcast [{side},{side}] with [{side}]", "layout",
                                lambda i: ((side, side) if i == 0 else (side,), False)))
            calls = [(label, rk, shp, {}) for label, rk, shp in layouts]
            np_ref = NUMPY_POINTWISE.get(op.name)
        else:
            calls = [("1 elem", "1elem", lambda i: ((1,), False), {"dim": 0} if kind == "scan" else {}),
                     (f"{n}", "large", lambda i: ((n,), False), {"dim": 0} if kind == "scan" else {}),
                     (f"[{side},{side}] dim=-1", "layout", lambda i: ((side, side), False), {"dim": -1}),
                     (f"[{side},{side}] dim=0", "layout", lambda i: ((side, side), False), {"dim": 0})]
            np_ref = (NUMPY_REDUCTION if kind == "reduction" else NUMPY_SCAN).get(op.name)
        for dtype in self.dtypes:
            tdt = getattr(tg, dtype)
            if tdt not in op.dtypes:
                continue
            sample = self.base_sample(op, tdt)
            if sample is None:
                self.note(op.name, f"[{dtype}] no OpInfo sample that runs")
                continue
            for label, rk, shp, extra in (calls if dtype == "float32" else calls[1:2]):
                if kind == "pointwise":
                    kw = dict(sample.kwargs)
                    pre = sample
                else:  # reductions and scans: the tensor alone, dim as a keyword
                    kw = dict(extra)
                    pre = type(sample)(sample.args[0])
                tga, ta, na = self.scaled(op, pre, shp)
                yield from self._emit(op, f"{label} {dtype}", rk, dtype, fn, method_only, tga, kw, ta, na, np_ref,
                                      kind)
                if rk == "large" and dtype == "float32" and is_differentiable(op) and (op.name, "bwd") in HAZARDS:
                    self.note(op.name, f"[fwd+bwd {label}] left out: {HAZARDS[op.name, 'bwd']}")
                elif rk == "large" and dtype == "float32" and is_differentiable(op):
                    tga, ta, na = self.scaled(op, pre, shp, grad=True)
                    yield from self._emit_bwd(op, f"fwd+bwd {label} {dtype}", dtype, fn, method_only, tga, kw, ta)

    def _emit(self, op, label, kind, dtype, fn, method_only, tga, kw, ta, na, np_ref, opkind):
        if not self.wanted(f"{op.name} | {label}"):
            return
        try:
            want = shape_of(fn(*tga, **kw))
        except Exception as e:
            self.note(op.name, f"[{label}] tensorgen error: {type(e).__name__}: {str(e)[:120]}")
            return
        tkw = {k: tg_to_torch(v) for k, v in kw.items()} if torch is not None else {}
        tfn, reason = torch_call(op.name, method_only, ta, tkw, want) if torch is not None else (None, "no torch")
        np_fn = None
        if np_ref is not None and all(a is not None for a in na):
            if opkind == "pointwise" and not kw:
                np_fn = lambda: np_ref(*na)  # noqa: E731
            elif opkind in ("reduction", "scan"):
                dim = kw.get("dim")
                np_fn = (lambda: np_ref(na[0], dim)) if opkind == "scan" else (lambda: np_ref(na[0], dim=dim))
        # functools.partial, PyTorch's too (torch_call): a lambda unpacking *args and **kwargs added
        # ~90 ns to both libraries' 1-element calls, a third of tensorgen's time, pulling their ratio
        # towards 1; the partial's call costs ~30 ns.
        row = self.make_row(op, label, kind, dtype, functools.partial(fn, *tga, **kw), tfn, reason, np_fn)
        if row:
            if opkind == "reduction" and kind == "large" and dtype == "float32" and not kw:
                self.whole_reductions[op.name] = row[1]["tensorgen"]
            yield row

    def _emit_bwd(self, op, label, dtype, fn, method_only, tga, kw, ta):
        if not self.wanted(f"{op.name} | {label}"):
            return

        def tg_step():
            out = first_tensor(fn(*tga, **kw))
            out.backward(tg.ones_like(out))

        try:
            out = first_tensor(fn(*tga, **kw))
            if out is None or not out.requires_grad:
                return
            want = tuple(out.shape)
        except Exception as e:
            self.note(op.name, f"[{label}] tensorgen error: {type(e).__name__}: {str(e)[:120]}")
            return
        tfn = reason = None
        if torch is not None:
            tkw = {k: tg_to_torch(v) for k, v in kw.items()}
            call, reason = torch_call(op.name, method_only, ta, tkw, want)
            if call is not None:
                def tfn():
                    o = first_tensor(call())
                    o.backward(torch.ones_like(o))
        row = self.make_row(op, label, "bwd", dtype, tg_step, tfn, reason, None)
        if row:
            yield row

    # -- everything else: the OpInfo sample, ops_tables.LARGE, OpInfo's large sample
    def other_rows(self, op):
        fn, method_only = tg_function(op)
        for dtype in self.dtypes:
            tdt = getattr(tg, dtype)
            if tdt not in op.dtypes:
                continue
            sample = self.base_sample(op, tdt)
            if dtype == "float32" or (op.default_kind is not None and sample is not None):
                if sample is not None:
                    args, kwargs = list(sample.args), dict(sample.kwargs)
                    kind = "small"
                    if max((a.numel() for a in args + list(kwargs.values()) if isinstance(a, tg.Tensor)), default=0) > SMALL_MAX:
                        # A sample of thousands of elements (the random fills' 4000 draws, kept for
                        # their statistics tests) times those, not the call: its row is an ordinary
                        # one, and the overhead row shrinks every tensor of it to one element.
                        kind = "sample"
                        one = [shrunk(a) for a in args]
                        one_kw = {k: shrunk(v) for k, v in kwargs.items()}
                        yield from self._emit(op, f"1 elem (OpInfo sample shrunk) {dtype}", "1elem", dtype, fn,
                                              method_only, one, one_kw, tg_to_torch(one) if torch is not None else [],
                                              [None], None, "other")
                    ta = tg_to_torch(args) if torch is not None else None
                    yield from self._emit(op, f"{'small' if kind == 'small' else 'sample'} (OpInfo) {dtype}", kind, dtype,
                                          fn, method_only, args, kwargs, ta or [], [None], None, "other")
            if op.name in LARGE and (dtype == "float32" or op.default_kind is not None):
                for label, build, options in LARGE[op.name]:
                    if dtype != "float32" and any(isinstance(a, (DType, Cast)) for a in build(Sizes(True), self.rng)[0]):
                        continue
                    yield from self.large_rows(op, fn, method_only, label, build, options, dtype)
            elif dtype == "float32" or sample is not None:
                try:
                    large = [s for s in op.samples_for(tdt, "large") if op.expected_error(s) is None]
                except Exception:
                    large = []
                if large:
                    s0 = large[0]
                    ta = tg_to_torch(list(s0.args)) if torch is not None else []
                    tkw = {k: tg_to_torch(v) for k, v in s0.kwargs.items()} if torch is not None else {}
                    yield from self._emit(op, f"large (OpInfo) {dtype}", "large", dtype, fn, method_only,
                                          list(s0.args), dict(s0.kwargs), ta, [None], None, "other")

    def large_rows(self, op, fn, method_only, label, build, options, dtype):
        args, kwargs = build(self.sizes, self.rng)
        label = label.replace("side", str(self.sizes.side)).replace("mm", str(self.sizes.mm)) \
            .replace("bm", str(self.sizes.bm)).replace("[b,", f"[{self.sizes.batch},")
        label = label if label != "n" and not label.startswith("n ") else f"{self.sizes.n}{label[1:]}"
        full = f"{label} {dtype}"
        tga = [from_numpy_form(a, "tg", dtype) for a in args]
        tkw = {k: from_numpy_form(v, "tg", dtype) for k, v in kwargs.items()}
        if torch is not None:
            ta = [from_numpy_form(a, "torch", dtype) for a in args]
            tk = {k: from_numpy_form(v, "torch", dtype) for k, v in kwargs.items()}
        else:
            ta, tk = [], {}
        np_ref = options.get("np") if dtype != "bfloat16" else None
        na = [from_numpy_form(a, "numpy", dtype) for a in args] if np_ref else []
        yield from self._emit_large(op, full, dtype, fn, method_only, tga, tkw, ta, tk,
                                    (lambda: np_ref(*na, **kwargs)) if np_ref else None)
        if options.get("bwd") and dtype == "float32" and is_differentiable(op):
            grad = options.get("grad")

            def leaves(vals, lib):
                out = []
                for i, v in enumerate(vals):
                    if isinstance(v, list) and all(hasattr(x, "requires_grad_") for x in v):
                        v = [x.detach().requires_grad_() for x in v]
                    elif hasattr(v, "requires_grad_") and v.dtype.is_floating_point and (grad is None or i in grad):
                        v = v.detach().requires_grad_()
                    out.append(v)
                return out
            yield from self._emit_bwd(op, f"fwd+bwd {full}", dtype, fn, method_only, leaves(tga, "tg"), tkw,
                                      leaves(ta, "torch") if torch is not None else [])

    def _emit_large(self, op, label, dtype, fn, method_only, tga, tkw, ta, tk, np_fn):
        if not self.wanted(f"{op.name} | {label}"):
            return
        try:
            want = shape_of(fn(*tga, **tkw))
        except Exception as e:
            self.note(op.name, f"[{label}] tensorgen error: {type(e).__name__}: {str(e)[:120]}")
            return
        tfn, reason = torch_call(op.name, method_only, ta, tk, want) if torch is not None else (None, "no torch")
        row = self.make_row(op, label, "large", dtype, lambda: fn(*tga, **tkw), tfn, reason, np_fn)
        if row:
            yield row


# ----------------------------------------------------------------------------- summary

def read_bandwidth(quick: bool) -> float:
    """Bytes per second of the best whole-array sum (NumPy, and torch at the benchmark's thread
    count) over 256 MB (16 MB quick): the machine's read bandwidth from memory (context for the
    read rates below, which compare with a sum of their own size)."""
    a = np.random.default_rng(1).random((1 << (22 if quick else 26)), dtype=np.float32)
    cands = [lambda: a.sum()]
    if torch is not None:
        t = torch.from_numpy(a)
        cands.append(lambda: t.sum())
    best = math.inf
    for f in cands:
        f()
        for _ in range(3 if quick else 5):
            t0 = time.perf_counter()
            f()
            best = min(best, time.perf_counter() - t0)
    return a.nbytes / best


# Reductions that select rather than read once (a sample, a counting pass, a sort): their read rate
# is printed beside the others but the one-read target (>= 90 % of a sum's) is not theirs.
SELECTIONS = {"median", "nanmedian", "mode", "kthvalue", "quantile", "nanquantile"}


def read_rates(matrix: Matrix, quick: bool) -> dict:
    """Each whole-tensor float32 reduction of the matrix against a whole-array sum of the same
    tensor, the faster of tensorgen's and PyTorch's at the matrix's thread count (NumPy's runs on
    one thread): the machine's read bandwidth over those bytes. Each timed call reads after a
    64 MB array was read, so all start from the same (cold) cache; rounds run outside the ops, so
    a burst of a neighbour's work on this shared VM meets one round of each op, and the median of
    the rounds' ratios (sum time / op time) is kept. (Rates timed minutes apart, like the matrix's
    rows, swing +-30 % here: a 16 MB input sits partly in L3; and a sum over another array of the
    same size ran up to 10 % faster or slower for where its pages lie.)
    Returns (the sum's library, its median time, {op: (that median ratio, the op's best time)})."""
    other = tg.from_numpy(np.random.default_rng(2).standard_normal(4 * matrix.sizes.n, dtype=np.float32))
    sums = {"tensorgen": lambda x: x.sum}
    if torch is not None:
        sums["torch"] = lambda x: torch.from_numpy(x.numpy()).sum
    calls = {op: ({lib: make(fn.args[0]) for lib, make in sums.items()}, fn)
             for op, fn in matrix.whole_reductions.items()}
    ratios = {lib: {op: [] for op in calls} for lib in sums}
    sum_times = {lib: [] for lib in sums}
    best = {op: math.inf for op in calls}
    for _ in range(3 if quick else 31):
        for op, (refs, fn) in calls.items():
            times = {}
            for lib, f in (*refs.items(), (None, fn)):
                other.sum()  # evicts the input from L3 (four times its size): every call reads from memory
                t0 = time.perf_counter()
                f()
                times[lib] = time.perf_counter() - t0
            for lib in sums:
                ratios[lib][op].append(times[lib] / times[None])
                sum_times[lib].append(times[lib])
            best[op] = min(best[op], times[None])
    ref = min(sums, key=lambda lib: statistics.median(sum_times[lib]))
    return ref, statistics.median(sum_times[ref]), {op: (statistics.median(ratios[ref][op]), best[op]) for op in calls}


def geomean(xs):
    xs = [x for x in xs if x and x > 0]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else float("nan")


def recheck(matrix: Matrix, results, rounds, opts):
    """Runs the rows below opts.recheck_below (0.9x PyTorch) opts.recheck more times (rows rebuilt from their ops, so
    fresh tensors) and judges each by the median of its ratios: a row that was slow once on a
    shared 2-core machine is told apart from a slow kernel. The runs are kept in vs_torch_runs."""
    slow = {r["name"] for r in results if r["vs_torch"] is not None and r["vs_torch"] < opts.recheck_below}
    if not slow:
        return results
    ops = sorted({matrix.info[n]["op"] for n in slow})
    by_name = {r["name"]: r for r in results}
    runs = {n: [by_name[n]["vs_torch"]] for n in slow}
    print(f"\nre-measuring the {len(slow)} rows below {opts.recheck_below}x ({len(ops)} ops) "
          f"{opts.recheck} more time(s)")
    for _ in range(opts.recheck):
        sub_opts = argparse.Namespace(**vars(opts))
        sub_opts.only = ops
        sub = Matrix(sub_opts, rounds)
        for r in run.print_table((row for row in sub.rows() if row[0] in slow), rounds, width=64):
            if r["vs_torch"] is not None:
                runs[r["name"]].append(r["vs_torch"])
    for name, ratios in runs.items():
        by_name[name]["vs_torch_runs"] = ratios
        by_name[name]["vs_torch"] = statistics.median(ratios)
    return results


def summarize(matrix: Matrix, results, bandwidth, rates, opts):
    width = 64
    rows = []
    for r in results:
        meta = matrix.info.get(r["name"], {})
        rows.append({**meta, **r})
    with_torch = [r for r in rows if r["vs_torch"] is not None]
    print()
    print(f"rows: {len(rows)} ({len(with_torch)} with a PyTorch time), ops with rows: "
          f"{len({r['op'] for r in rows})} of {len(tg.ops.all_ops())}")
    gm = geomean([r["vs_torch"] for r in with_torch])
    gm_np = geomean([r["vs_numpy"] for r in rows if r["vs_numpy"] is not None])
    print(f"geometric mean vs torch over all rows: {gm:.2f}x (target >= 1.3)   vs numpy: {gm_np:.2f}x")
    n_slow = 30 if not opts.quick else 10
    print(f"slowest {n_slow} rows vs torch (target >= 0.9x):")
    for r in sorted(with_torch, key=lambda r: r["vs_torch"])[:n_slow]:
        runs = r.get("vs_torch_runs")
        print(f"  {r['name']:{width}s} {r['vs_torch']:6.2f}x  (tensorgen {r['seconds']['tensorgen'] * 1e6:9.1f}us, "
              f"torch {r['seconds']['torch'] * 1e6:9.1f}us)"
              + (f"  median of {len(runs)} runs: " + " ".join(f"{x:.2f}" for x in runs) if runs else ""))
    below = sum(r["vs_torch"] < 0.9 for r in with_torch)
    print(f"rows below 0.9x torch: {below} of {len(with_torch)}")
    over = [r for r in with_torch if r.get("kind") in ("1elem", "small")]
    if not over:
        print("1-element / small-sample overhead: n/a (no PyTorch times: "
              + ("PyTorch is not installed)" if torch is None else "no such rows ran)"))
    else:
        ok = sum(r["vs_torch"] >= 2.0 for r in over)
        print(f"1-element / small-sample overhead: {len(over)} rows, median tensorgen/torch time "
              f"{statistics.median(1 / r['vs_torch'] for r in over):.2f} (target <= 0.5), {ok} meet it; "
              f"worst: " + ", ".join(f"{r['op']} {1 / r['vs_torch']:.2f}" for r in
                                    sorted(over, key=lambda r: r['vs_torch'])[:8]))
    print(f"read bandwidth from memory (best of numpy/torch sum over {256 if not opts.quick else 16} MB): "
          f"{bandwidth / 1e9:.1f} GB/s")
    nbytes = 4 * matrix.sizes.n
    ref_lib, ref_s, rates = rates
    if rates:
        reads = {op: v for op, v in rates.items() if op not in SELECTIONS}
        sel = {op: v for op, v in rates.items() if op in SELECTIONS}
        print(f"whole-tensor float32 reductions of {nbytes / 2**20:g} MB, read rate as % of {ref_lib}'s sum over the "
              f"same tensor from memory (the faster, {nbytes / ref_s / 1e9:.1f} GB/s; median of {3 if opts.quick else 31} interleaved rounds; target >= 90 %): "
              + ", ".join(f"{op} {100 * q:.0f}%" for op, (q, _) in sorted(reads.items(), key=lambda kv: kv[1][0]))
              + f"; {sum(q >= 0.9 for q, _ in reads.values())} of {len(reads)} meet it")
        if sel:
            print("  selections (sample + counting pass, or a sort; not one read): " + ", ".join(
                f"{op} {100 * q:.0f}% ({t * 1e3:.2f} ms)" for op, (q, t) in sorted(sel.items())))
    no_rows = sorted(n for n in set(tg.ops.all_ops()) - {r["op"] for r in rows} if matrix.wanted(n))
    if no_rows:
        print(f"ops without rows ({len(no_rows)}): " + "; ".join(
            f"{n} ({(matrix.reasons.get(n) or ['?'])[-1]})" for n in no_rows))
    print(f"thread wake estimate at the end {tg._C._thread_wake_factor()} us (aten/parallel/WakeCost.h)")
    mem = tg._C.cpu_memory_stats()
    print(f"cpu allocator cache: {mem['cache_hits']} hits, {mem['cache_misses']} misses, "
          f"{mem['cached_bytes'] / 2**20:.0f} MiB cached at the end")
    print(f"wall time {time.perf_counter() - matrix.t0:.0f} s")
    return {"geomean_vs_torch": gm, "geomean_vs_numpy": gm_np, "rows_below_0.9": below,
            "read_bandwidth_gbs": bandwidth / 1e9,
            "read_rate_reference": ref_lib, "read_rate_pct": {op: 100 * q for op, (q, _) in rates.items()}}


def main():
    def extra(p):
        p.add_argument("--only", nargs="+", action="extend", default=None, metavar="SUBSTR",
                       help="only ops (or rows) whose name contains one of these substrings")
        p.add_argument("--dtype", nargs="+", action="extend", default=None,
                       choices=["float32", *EXTRA_DTYPES], help="dtypes to run (default: all supported)")
        p.add_argument("--json", default=None, metavar="PATH", help="write the results as JSON")
        p.add_argument("--recheck", type=int, default=0, metavar="N",
                       help="run the rows below 0.9x PyTorch N more times and judge them by the median ratio")
        p.add_argument("--recheck-below", type=float, default=0.9, metavar="RATIO",
                       help="the ratio below which --recheck runs a row again (default 0.9)")
        p.add_argument("--mem-limit-gb", type=float, default=12.0,
                       help="address-space limit of this process (a runaway op fails instead of exhausting a "
                            "shared machine's memory); 0: none")
    opts, rounds = run.bench_options(default_rounds=3, extra=extra, quick_rounds=1)
    # (not under AddressSanitizer, scripts/sanitize.sh: its shadow memory reserves terabytes of
    # address space at start, so any cap makes it fail to map memory)
    if opts.mem_limit_gb and "libasan" not in os.environ.get("LD_PRELOAD", ""):
        import resource
        limit = int(opts.mem_limit_gb * (1 << 30))
        resource.setrlimit(resource.RLIMIT_AS, (limit, resource.getrlimit(resource.RLIMIT_AS)[1]))
    print(f"numpy {np.__version__}, {os.cpu_count()} cpus, OMP_WAIT_POLICY={os.environ['OMP_WAIT_POLICY']}, "
          f"TENSORGEN_CPU_CAPABILITY={os.environ.get('TENSORGEN_CPU_CAPABILITY', '(unset: best)')}, "
          f"torch capability {torch.backends.cpu.get_cpu_capability() if torch else 'n/a'}")
    warnings.simplefilter("ignore")  # NumPy/PyTorch warnings on the sampled values (overflow, ddof) are noise here
    matrix = Matrix(opts, rounds)
    results = run.print_table(matrix.rows(), rounds, width=64)
    if opts.recheck and torch is not None:
        results = recheck(matrix, results, rounds, opts)
    bandwidth = read_bandwidth(opts.quick)
    rates = read_rates(matrix, opts.quick) if matrix.whole_reductions else (None, None, {})
    summary = summarize(matrix, results, bandwidth, rates, opts)
    if opts.json:
        header = {"capability": tg.backends.cpu.capability(), "threads": tg.get_num_threads(),
                  "torch_capability": torch.backends.cpu.get_cpu_capability() if torch else None,
                  "torch": torch.__version__ if torch else None, "numpy": np.__version__, "rounds": rounds,
                  "quick": opts.quick}
        with open(opts.json, "w") as f:
            json.dump({"header": header, "summary": summary,
                       "rows": [{**matrix.info.get(r["name"], {}), **r} for r in results],
                       "notes": matrix.reasons}, f, indent=1)
        print(f"wrote {opts.json}")


if __name__ == "__main__":
    main()
