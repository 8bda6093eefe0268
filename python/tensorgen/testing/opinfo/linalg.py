"""Softmax and matrix products."""
from __future__ import annotations

import numpy as np

import tensorgen as tg
from tensorgen.testing.opinfo.core import *  # noqa: F403  (the vocabulary of entries: OpInfo, SampleInput, _f, S, ...)


def _log_softmax_ref(a, dim, dtype=None):
    if a.size == 0:
        return np.zeros(a.shape)
    if a.ndim == 0:
        return np.zeros_like(a, dtype=np.float64)
    m = np.max(a, axis=dim, keepdims=True)
    return a - m - np.log(np.sum(np.exp(a - m), axis=dim, keepdims=True))


def _softmax_ref(a, dim, dtype=None):
    return np.exp(_log_softmax_ref(a, dim))


def _softmax_samples(op, dtype, mode, make):
    if mode == "basic":
        yield SampleInput(make(L), -1)
        yield SampleInput(make(L), 0)
        yield SampleInput(make(S), dim=1)
    elif mode == "zero_dim":
        yield SampleInput(make(()), 0)
    elif mode == "zero_size":
        yield SampleInput(make((0, 3)), 1)
        yield SampleInput(make((3, 0)), 1)
    elif mode == "large":
        yield SampleInput(make(BIG), 1)
        yield SampleInput(make(BIG), 0)
        yield SampleInput(make(BIG[::-1]).t(), 1)
    elif mode == "promotion":
        yield SampleInput(Maker(op, tg.int64)(S), 1, dtype=tg.float32)
        yield SampleInput(Maker(op, tg.float16)(S), 0, dtype=tg.float32)
        yield SampleInput(Maker(op, tg.float32)(S), -1, dtype=tg.float64)


def _dtype_kwarg_or_input(op, sample):
    return sample.kwargs.get("dtype") or sample.args[0].dtype


def _softmax_entry(name, ref):
    fn = getattr(tg, name)
    return OpInfo(name, ref=ref, sample_inputs=_softmax_samples, ref_inputs="compute", out_dtype_exact=True,
                  compute_dtype=_dtype_kwarg_or_input, result_dtype=_dtype_kwarg_or_input,
                  tol={tg.float32: (1e-5, 1e-6), tg.float16: (2e-3, 1e-3)}, error_inputs=_errors(
                      ("dim out of range", lambda: fn(_f(), 2), IndexError, rf"\[{name}\]"),
                      ("integer input", lambda: fn(_f(S, tg.int64), 0), NotImplementedError),
                      ("missing dim", lambda: fn(_f()), TypeError),
                      ("out= of another dtype", lambda: fn(_f(), 0, out=tg.empty(0, dtype=tg.float64)),
                       RuntimeError),
                  ))


def _softmax_backward_ref(g, y, dim, input_dtype):
    return y * (g - np.sum(g * y, axis=int(dim) if y.ndim else None, keepdims=True))


def _log_softmax_backward_ref(g, y, dim, input_dtype):
    return g - np.exp(y) * np.sum(g, axis=int(dim) if y.ndim else None, keepdims=True)


def _softmax_backward_samples(forward):
    """softmax's samples as (grad_output, the forward's output of the sample, dim, input_dtype)."""
    def gen(op, dtype, mode, make):
        for s in _softmax_samples(op, dtype, mode, make):
            if "dtype" in s.kwargs:
                continue  # the forward's dtype= argument: no backward sample of its own
            x = s.args[0]
            dim = s.args[1] if len(s.args) > 1 else s.kwargs["dim"]
            # (dtypes the op rejects get plain values: the sample is there to see the error)
            y = forward(x, dim) if is_floating(dtype) else make(tuple(x.shape))
            yield SampleInput(make(tuple(x.shape)), y, dim, dtype)
        if mode == "basic":
            x = make((4, 6, 5))
            y = forward(x, 1) if is_floating(dtype) else x
            yield SampleInput(make((4, 6, 5), noncontiguous=True), y, 1, dtype)  # a strided dim
    return gen


def _input_dtype_arg(op, sample):
    return sample.args[3]


def _softmax_backward_entry(name, forward, ref):
    fn = getattr(tg._C, name)  # an internal op: tg._C, not tg
    return OpInfo(name, ref=ref, sample_inputs=_softmax_backward_samples(forward), ref_inputs="compute",
                  arity=2, out_dtype_exact=True, compute_dtype=_input_dtype_arg, result_dtype=_input_dtype_arg, tol={tg.float32: (1e-5, 1e-6), tg.float16: (2e-3, 2e-3), tg.bfloat16: (2e-2, 2e-2)},
                  error_inputs=_errors(
                      ("dim out of range", lambda: fn(_f(), _f(), 2, tg.float32), IndexError, rf"\[{name}\]"),
                      ("shapes differ", lambda: fn(_f((2, 3)), _f((3, 2)), 0, tg.float32), RuntimeError,
                       rf"\[{name}\] grad_output and output must have the same shape"),
                      ("missing input_dtype", lambda: fn(_f(), _f(), 0), TypeError),
                  ))


def _mm_samples(op, dtype, mode, make):
    if mode == "basic":
        yield SampleInput(make((3, 4)), make((4, 5)))
        yield SampleInput(make((1, 4)), make((4, 1)))
        yield SampleInput(make((4, 3)).t(), make((4, 2)))           # transposed operand
        yield SampleInput(make((6, 5)), make((2, 5)).t())
    elif mode == "large":
        yield SampleInput(make((33, 65)), make((65, 17)))
        yield SampleInput(make((65, 33)).t(), make((17, 65)).t())
    elif mode == "zero_size":
        yield SampleInput(make((0, 4)), make((4, 5)))
        yield SampleInput(make((3, 0)), make((0, 5)))                # sums of nothing: zeros
        yield SampleInput(make((3, 4)), make((4, 0)))


def _bmm_samples(op, dtype, mode, make):
    if mode == "large":
        yield SampleInput(make((3, 33, 65)), make((3, 65, 17)))
    if mode == "basic":
        yield SampleInput(make((2, 3, 4)), make((2, 4, 5)))
        yield SampleInput(make((1, 1, 3)), make((1, 3, 2)))
        yield SampleInput(make((2, 5, 3)).transpose(1, 2), make((2, 5, 4)))
    elif mode == "zero_size":
        yield SampleInput(make((0, 3, 4)), make((0, 4, 5)))
        yield SampleInput(make((2, 3, 0)), make((2, 0, 5)))


def _matmul_samples(op, dtype, mode, make):
    if mode == "basic":
        yield SampleInput(make((4,)), make((4,)))                   # dot: 0-d
        yield SampleInput(make((3, 4)), make((4,)))                 # mv
        yield SampleInput(make((4,)), make((4, 5)))                 # vm
        yield SampleInput(make((3, 4)), make((4, 5)))               # mm
        yield SampleInput(make((2, 3, 4)), make((2, 4, 5)))         # bmm
    elif mode == "large":
        yield SampleInput(make((3, 33, 65)), make((65, 17)))
        yield SampleInput(make((65,)), make((65, 33)))
    elif mode == "broadcast":
        yield SampleInput(make((2, 3, 4)), make((4, 5)))
        yield SampleInput(make((3, 4)), make((2, 4, 5)))
        yield SampleInput(make((2, 1, 3, 4)), make((5, 4, 2)))
        yield SampleInput(make((2, 3, 4)), make((4,)))
        yield SampleInput(make((4,)), make((2, 4, 3)))
    elif mode == "zero_size":
        yield SampleInput(make((0, 4)), make((4, 5)))
        yield SampleInput(make((0,)), make((0,)))
        yield SampleInput(make((2, 3, 0)), make((0, 5)))


def _mm_compute(op, sample):
    return result_type(*sample.args[:2])


_MATMUL_DOMAIN = dict(domain=(-3.0, 3.0), int_domain=(-3, 4))


def entries():
    """softmax, log_softmax, mm, bmm, matmul, dot, mv, addmm, baddbmm, addmv (+ their in-place forms), outer, kron,
    tensordot, einsum, cross, linalg_cross."""
    # float32: sums of 65 products of values in [-3, 3], scaled by alpha = 2 (cancellation to ~1e-5)
    tol = {tg.float32: (1e-5, 5e-5), tg.float16: (2e-3, 2e-3), tg.bfloat16: (1.6e-2, 2e-2)}
    domain = dict(domain=(-3.0, 3.0), int_domain=(-3, 4))

    def ab(dtype):
        """beta/alpha keywords of the dtype's kind (integer tensors take integer scalars)."""
        return dict(beta=0.5, alpha=2.0) if is_floating(dtype) else dict(beta=2, alpha=3)

    def first_dtype(op, s):
        return s.args[0].dtype

    # ---- dot, mv
    def dot_samples(op, dtype, mode, make):
        if mode == "basic":
            yield SampleInput(make((5,)), make((5,)))
            yield SampleInput(make((1,)), make((1,)))
            yield SampleInput(make((10,))[::2], make((5,)))                    # strided
        elif mode == "large":
            yield SampleInput(make((20001,), low=0, high=1), make((20001,), low=0, high=1))  # several blocks
            yield SampleInput(make((999,)), make((999,)))
        elif mode == "zero_size":
            yield SampleInput(make((0,)), make((0,)))                          # sum of nothing: 0

    def mv_samples(op, dtype, mode, make):
        if mode == "basic":
            yield SampleInput(make((3, 4)), make((4,)))
            yield SampleInput(make((4, 3)).t(), make((4,)))                     # column-major matrix
            yield SampleInput(make((1, 1)), make((1,)))
        elif mode == "large":
            yield SampleInput(make((65, 33)), make((33,)))
            yield SampleInput(make((33, 65)).t(), make((33,)))
        elif mode == "zero_size":
            yield SampleInput(make((0, 4)), make((4,)))
            yield SampleInput(make((3, 0)), make((0,)))                        # zeros

    # ---- addmm, baddbmm, addmv: out = beta * self + alpha * product
    def scaled_ref(product):
        def ref(s, a, b, beta=1, alpha=1):
            p = alpha * product(a, b)
            return p if beta == 0 else p + beta * s   # beta == 0: self is not read (nan stays out)
        return ref

    def addmm_samples(op, dtype, mode, make):
        if mode == "basic":
            yield SampleInput(make((3, 5)), make((3, 4)), make((4, 5)))
            yield SampleInput(make((3, 5)), make((4, 3)).t(), make((5, 4)).t(), **ab(dtype))  # transposed
            yield SampleInput(make((2, 2)), make((2, 3)), make((3, 2)), beta=1, alpha=0)
            if is_floating(dtype):
                nan = tg.full((2, 3), float("nan"), dtype=dtype)
                yield SampleInput(nan, make((2, 4)), make((4, 3)), beta=0, name="beta=0 ignores nan")
        elif mode == "broadcast":
            yield SampleInput(make((5,)), make((3, 4)), make((4, 5)), **ab(dtype))  # a bias row
            yield SampleInput(make((3, 1)), make((3, 4)), make((4, 5)))
            yield SampleInput(make(()), make((3, 4)), make((4, 5)))
        elif mode == "large":
            yield SampleInput(make((33, 17)), make((33, 65)), make((65, 17)), **ab(dtype))
        elif mode == "zero_size":
            yield SampleInput(make((0, 5)), make((0, 4)), make((4, 5)))
            yield SampleInput(make((3, 5)), make((3, 0)), make((0, 5)), **ab(dtype))  # beta * self

    def baddbmm_samples(op, dtype, mode, make):
        if mode == "basic":
            yield SampleInput(make((2, 3, 5)), make((2, 3, 4)), make((2, 4, 5)))
            yield SampleInput(make((2, 3, 5)), make((2, 4, 3)).transpose(1, 2), make((2, 4, 5)), **ab(dtype))
            if is_floating(dtype):
                nan = tg.full((1, 2, 2), float("nan"), dtype=dtype)
                yield SampleInput(nan, make((1, 2, 3)), make((1, 3, 2)), beta=0, name="beta=0 ignores nan")
        elif mode == "broadcast":
            yield SampleInput(make((5,)), make((2, 3, 4)), make((2, 4, 5)), **ab(dtype))
            yield SampleInput(make((3, 1)), make((2, 3, 4)), make((2, 4, 5)))
        elif mode == "large":
            yield SampleInput(make((3, 33, 17)), make((3, 33, 65)), make((3, 65, 17)), **ab(dtype))
        elif mode == "zero_size":
            yield SampleInput(make((0, 3, 5)), make((0, 3, 4)), make((0, 4, 5)))
            yield SampleInput(make((2, 3, 5)), make((2, 3, 0)), make((2, 0, 5)), **ab(dtype))

    def addmv_samples(op, dtype, mode, make):
        if mode == "basic":
            yield SampleInput(make((3,)), make((3, 4)), make((4,)))
            yield SampleInput(make((3,)), make((4, 3)).t(), make((4,)), **ab(dtype))
            if is_floating(dtype):
                nan = tg.full((2,), float("nan"), dtype=dtype)
                yield SampleInput(nan, make((2, 3)), make((3,)), beta=0, name="beta=0 ignores nan")
        elif mode == "broadcast":
            yield SampleInput(make((1,)), make((3, 4)), make((4,)), **ab(dtype))
            yield SampleInput(make(()), make((3, 4)), make((4,)))
        elif mode == "large":
            yield SampleInput(make((65,)), make((65, 33)), make((33,)), **ab(dtype))
        elif mode == "zero_size":
            yield SampleInput(make((3,)), make((3, 0)), make((0,)), **ab(dtype))

    # ---- composites
    def outer_samples(op, dtype, mode, make):
        if mode == "basic":
            yield SampleInput(make((3,)), make((4,)))
            yield SampleInput(make((1,)), make((1,)))
        elif mode == "zero_size":
            yield SampleInput(make((0,)), make((4,)))
        elif mode == "promotion":
            yield SampleInput(make((3,)), make((4,), dtype=tg.int64))

    def kron_samples(op, dtype, mode, make):
        if mode == "basic":
            yield SampleInput(make((2, 3)), make((3, 2)))
            yield SampleInput(make((2,)), make((3,)))
            yield SampleInput(make((2, 3)), make((4,)))                       # ranks differ
            yield SampleInput(make((1, 2, 2)), make((2, 1)))
        elif mode == "zero_dim":
            yield SampleInput(make(()), make((2, 2)))
        elif mode == "zero_size":
            yield SampleInput(make((0, 2)), make((2, 2)))
        elif mode == "promotion":
            yield SampleInput(make((2, 2)), make((2,), dtype=tg.int32))

    def tensordot_ref(a, b, dims=2, dims_other=None):
        return np.tensordot(a, b, axes=dims if dims_other is None else (dims, dims_other))

    def tensordot_samples(op, dtype, mode, make):
        if mode == "basic":
            yield SampleInput(make((3, 4, 5)), make((4, 5, 2)), dims=2)
            yield SampleInput(make((3, 4, 5)), make((5, 4, 2)), dims=([1, 2], [1, 0]))
            yield SampleInput(make((3, 4)), make((4, 3)).t(), [1], [1])         # the schema's form
            yield SampleInput(make((2,)), make((3,)), dims=0)                   # outer product
        elif mode == "large":
            yield SampleInput(make((5, 13, 9)), make((13, 9, 17)), dims=2)
        elif mode == "zero_size":
            yield SampleInput(make((3, 0)), make((0, 2)), dims=1)

    def einsum_ref(equation, operands):
        return np.einsum(equation, *operands)

    def einsum_samples(op, dtype, mode, make):
        if mode == "basic":
            yield SampleInput("ij,jk->ik", [make((3, 4)), make((4, 5))])
            yield SampleInput("ij,jk", [make((3, 4)), make((4, 2))])           # implicit output
            yield SampleInput("ii", [make((4, 4))])                            # trace
            yield SampleInput("ii->i", [make((3, 3))])                         # diagonal
            yield SampleInput("i,j->ij", [make((3,)), make((4,))])             # outer
            yield SampleInput("bij,bjk->bik", [make((2, 3, 4)), make((2, 4, 5))])
            yield SampleInput("...ij,...jk->...ik", [make((2, 1, 3, 4)), make((5, 4, 2))])
            yield SampleInput("ij->ji", [make((3, 4))])
            yield SampleInput("ij->", [make((3, 4))])
            # small values: the half types round the intermediate product once more
            yield SampleInput("ij,jk,kl->il", [make((2, 3), low=-1, high=1), make((3, 4), low=-1, high=1),
                                               make((4, 5), low=-1, high=1)])
            yield SampleInput("i,i->", [make((5,)), make((5,))])
            yield SampleInput("Ab, bC -> CA", [make((2, 3)), make((3, 4))])   # upper case, spaces
            yield SampleInput("iij,jk->ik", [make((3, 3, 4)), make((4, 2)).t().contiguous().t()])
        elif mode == "large":
            yield SampleInput("bij,bjk->bik", [make((3, 33, 65)), make((3, 65, 17))])
        elif mode == "zero_size":
            yield SampleInput("ij,jk->ik", [make((3, 0)), make((0, 4))])
            yield SampleInput("ij,jk->ik", [make((0, 3)), make((3, 4))])

    def cross_ref(a, b, dim=None):
        if dim is None:
            dim = next(d for d in range(a.ndim) if a.shape[d] == 3)
        return np.cross(a, b, axis=dim)

    def linalg_cross_ref(a, b, dim=-1):
        return np.cross(a, b, axis=dim)

    def cross_samples(op, dtype, mode, make):
        if mode == "basic":
            yield SampleInput(make((5, 3)), make((5, 3)), dim=1)
            yield SampleInput(make((3,)), make((3,)))
            yield SampleInput(make((3, 4)), make((4, 3)).t(), dim=0)
            if op.name == "cross":
                yield SampleInput(make((2, 3, 3)), make((2, 3, 3)))            # first dim of size 3: 1
        elif mode == "broadcast":
            yield SampleInput(make((1, 3)), make((4, 3)), dim=-1)
        elif mode == "zero_size":
            yield SampleInput(make((0, 3)), make((0, 3)), dim=1)
        elif mode == "promotion":
            yield SampleInput(make((2, 3)), make((2, 3), dtype=tg.int32), dim=1)

    # softmax, matrix products
    out = [_softmax_entry("softmax", _softmax_ref), _softmax_entry("log_softmax", _log_softmax_ref),
           _softmax_backward_entry("_softmax_backward_data", tg.softmax, _softmax_backward_ref),
           _softmax_backward_entry("_log_softmax_backward_data", tg.log_softmax, _log_softmax_backward_ref)]
    lin_tol = {tg.float32: (1e-5, 1e-5), tg.float16: (2e-3, 2e-3), tg.bfloat16: (1.6e-2, 2e-2)}
    out.append(OpInfo("mm", ref=np.matmul, sample_inputs=_mm_samples, ref_inputs="compute", compute_dtype=_mm_compute,
                      out_dtype_exact=True,
                      tol=lin_tol, **_MATMUL_DOMAIN, error_inputs=_errors(
                          ("1-D input", lambda: tg.mm(_f((4,)), _f((4, 5))), RuntimeError, "matrix"),
                          ("3-D input", lambda: tg.mm(_f((2, 3, 4)), _f((4, 5))), RuntimeError),
                          ("shapes can't be multiplied", lambda: tg.mm(_f((3, 4)), _f((3, 4))), RuntimeError,
                           "cannot be multiplied"),
                          ("dtypes differ", lambda: tg.mm(_f((3, 4)), _f((4, 5), tg.float64)), RuntimeError, "dtype"),
                          ("Python number operand", lambda: tg.mm(_f(), 3), TypeError),
                          ("bool inputs", lambda: tg.mm(_f((3, 4), tg.bool), _f((4, 5), tg.bool)), NotImplementedError),
                          ("out= of another dtype", lambda: tg.mm(_f((3, 4)), _f((4, 5)),
                                                                  out=tg.empty(0, dtype=tg.float64)), RuntimeError),
                      )))
    out.append(OpInfo("bmm", ref=np.matmul, sample_inputs=_bmm_samples, ref_inputs="compute", compute_dtype=_mm_compute,
                      out_dtype_exact=True,
                      tol=lin_tol, **_MATMUL_DOMAIN, error_inputs=_errors(
                          ("2-D input", lambda: tg.bmm(_f((3, 4)), _f((4, 5))), RuntimeError, "3D"),
                          ("batch sizes differ", lambda: tg.bmm(_f((2, 3, 4)), _f((3, 4, 5))), RuntimeError),
                          ("inner sizes differ", lambda: tg.bmm(_f((2, 3, 4)), _f((2, 3, 5))), RuntimeError),
                          ("Python number operand", lambda: tg.bmm(_f((2, 3, 4)), 2), TypeError),
                      )))
    out.append(OpInfo("matmul", ref=np.matmul, sample_inputs=_matmul_samples, ref_inputs="compute",
                      compute_dtype=_mm_compute, dtypes=NUMERIC, tol=lin_tol, **_MATMUL_DOMAIN,
                      error_inputs=_errors(
                          ("0-d input", lambda: tg.matmul(tg.tensor(2.0), _f()), RuntimeError, "1D"),
                          ("sizes differ", lambda: tg.matmul(_f((3, 4)), _f((3,))), RuntimeError),
                          ("batch dims don't broadcast", lambda: tg.matmul(_f((2, 3, 4)), _f((3, 4, 5))), RuntimeError),
                          ("Python number operand", lambda: tg.matmul(_f(), 2), TypeError),
                          ("@ with a Python number", lambda: _f() @ 2, TypeError),
                      )))
    # dot, mv, addmm, baddbmm, addmv, outer, kron, tensordot, einsum, cross
    out += [
        OpInfo("dot", ref=np.dot, sample_inputs=dot_samples, ref_inputs="compute", compute_dtype=_mm_compute,
               out_dtype_exact=True, tol=tol, **domain, error_inputs=_errors(
                   ("2-D input", lambda: tg.dot(_f((2, 2)), _f((4,))), RuntimeError, r"\[dot\] 1D tensors expected"),
                   ("sizes differ", lambda: tg.dot(_f((3,)), _f((4,))), RuntimeError, "inconsistent"),
                   ("dtypes differ", lambda: tg.dot(_f((3,)), _f((3,), tg.float64)), RuntimeError,
                    r"\[dot\] expected both vectors to have same dtype"),
                   ("Python number operand", lambda: tg.dot(_f((3,)), 2), TypeError),
                   ("out= of another dtype", lambda: tg.dot(_f((3,)), _f((3,)), out=tg.empty(0, dtype=tg.float64)),
                    RuntimeError, "dtype"),
               )),
        OpInfo("mv", ref=np.matmul, sample_inputs=mv_samples, ref_inputs="compute", compute_dtype=_mm_compute,
               out_dtype_exact=True, tol=tol, **domain, error_inputs=_errors(
                   ("vector as matrix", lambda: tg.mv(_f((4,)), _f((4,))), RuntimeError, r"\[mv\]"),
                   ("matrix as vector", lambda: tg.mv(_f((3, 4)), _f((4, 1))), RuntimeError, r"\[mv\]"),
                   ("sizes differ", lambda: tg.mv(_f((3, 4)), _f((5,))), RuntimeError, "size mismatch"),
                   ("dtypes differ", lambda: tg.mv(_f((3, 4)), _f((4,), tg.float64)), RuntimeError, "dtype"),
               )),
        OpInfo("addmm", ref=scaled_ref(np.matmul), sample_inputs=addmm_samples, ref_inputs="compute",
               compute_dtype=first_dtype, out_dtype_exact=True, tol=tol, **domain, error_inputs=_errors(
                   ("1-D mat1", lambda: tg.addmm(_f((3, 5)), _f((4,)), _f((4, 5))), RuntimeError, "matrix"),
                   ("shapes can't be multiplied", lambda: tg.addmm(_f((3, 5)), _f((3, 4)), _f((3, 5))), RuntimeError,
                    "cannot be multiplied"),
                   ("self doesn't broadcast", lambda: tg.addmm(_f((4, 5)), _f((3, 4)), _f((4, 5))), RuntimeError,
                    "broadcast"),
                   ("self grows the result", lambda: tg.addmm(_f((2, 3, 5)), _f((3, 4)), _f((4, 5))), RuntimeError),
                   ("dtypes differ", lambda: tg.addmm(_f((3, 5), tg.float64), _f((3, 4)), _f((4, 5))), RuntimeError,
                    "dtype"),
                   ("float beta for integers", lambda: tg.addmm(_f((3, 5), tg.int64), _f((3, 4), tg.int64),
                                                                _f((4, 5), tg.int64), beta=0.5), RuntimeError,
                    "beta"),
                   ("positional beta", lambda: tg.addmm(_f((3, 5)), _f((3, 4)), _f((4, 5)), 2), TypeError),
                   ("out= of another dtype", lambda: tg.addmm(_f((3, 5)), _f((3, 4)), _f((4, 5)),
                                                              out=tg.empty(0, dtype=tg.float64)), RuntimeError),
                   ("addmm_ on a self of another shape", lambda: _f((5,)).addmm_(_f((3, 4)), _f((4, 5))),
                    RuntimeError, r"\[addmm_\]"),
                   ("addmm_ on a leaf that requires grad",
                    lambda: _f((3, 5)).requires_grad_().addmm_(_f((3, 4)), _f((4, 5))), RuntimeError),
               )),
        OpInfo("baddbmm", ref=scaled_ref(np.matmul), sample_inputs=baddbmm_samples, ref_inputs="compute",
               compute_dtype=first_dtype, out_dtype_exact=True, tol=tol, **domain, error_inputs=_errors(
                   ("2-D batch1", lambda: tg.baddbmm(_f((3, 5)), _f((3, 4)), _f((2, 4, 5))), RuntimeError, "3D"),
                   ("batch sizes differ", lambda: tg.baddbmm(_f((3, 5)), _f((2, 3, 4)), _f((3, 4, 5))),
                    RuntimeError, "batches"),
                   ("inner sizes differ", lambda: tg.baddbmm(_f((3, 5)), _f((2, 3, 4)), _f((2, 3, 5))),
                    RuntimeError),
                   ("self doesn't broadcast", lambda: tg.baddbmm(_f((4, 5)), _f((2, 3, 4)), _f((2, 4, 5))),
                    RuntimeError, "broadcast"),
                   ("dtypes differ", lambda: tg.baddbmm(_f((5,), tg.float64), _f((2, 3, 4)), _f((2, 4, 5))),
                    RuntimeError, "dtype"),
                   ("baddbmm_ on a self of another shape", lambda: _f((5,)).baddbmm_(_f((2, 3, 4)), _f((2, 4, 5))),
                    RuntimeError, r"\[baddbmm_\]"),
               )),
        OpInfo("addmv", ref=scaled_ref(np.matmul), sample_inputs=addmv_samples, ref_inputs="compute",
               compute_dtype=first_dtype, out_dtype_exact=True, tol=tol, **domain, error_inputs=_errors(
                   ("matrix as vector", lambda: tg.addmv(_f((3,)), _f((3, 4)), _f((4, 1))), RuntimeError),
                   ("sizes differ", lambda: tg.addmv(_f((3,)), _f((3, 4)), _f((5,))), RuntimeError, "size mismatch"),
                   ("self doesn't broadcast", lambda: tg.addmv(_f((4,)), _f((3, 4)), _f((4,))), RuntimeError,
                    "broadcast"),
                   ("dtypes differ", lambda: tg.addmv(_f((3,)), _f((3, 4)), _f((4,), tg.float64)), RuntimeError,
                    "dtype"),
                   ("float alpha for integers", lambda: tg.addmv(_f((3,), tg.int32), _f((3, 4), tg.int32),
                                                                 _f((4,), tg.int32), alpha=1.5), RuntimeError, "alpha"),
                   ("addmv_ on a self of another shape", lambda: _f(()).addmv_(_f((3, 4)), _f((4,))), RuntimeError,
                    r"\[addmv_\]"),
               )),
        OpInfo("outer", ref=np.outer, sample_inputs=outer_samples, ref_inputs="compute", error_inputs=_errors(
            ("2-D input", lambda: tg.outer(_f((2, 2)), _f((3,))), RuntimeError, r"\[outer\] expected 1-D"),
            ("0-d vec2", lambda: tg.outer(_f((2,)), tg.tensor(1.0)), RuntimeError, r"\[outer\]"),
            ("Python number operand", lambda: tg.outer(_f((2,)), 2), TypeError),
        )),
        OpInfo("kron", ref=np.kron, sample_inputs=kron_samples, ref_inputs="compute", error_inputs=_errors(
            ("Python number operand", lambda: tg.kron(_f((2,)), 2), TypeError),
            ("out= of a narrower dtype", lambda: tg.kron(_f((2,)), _f((2,)), out=tg.empty(0, dtype=tg.int64)),
             RuntimeError),
        )),
        OpInfo("tensordot", ref=tensordot_ref, sample_inputs=tensordot_samples, ref_inputs="compute",
               compute_dtype=_mm_compute, tol=tol, **domain, error_inputs=_errors(
                   ("dim lists of different lengths", lambda: tg.tensordot(_f((3, 4)), _f((4, 3)), ([0, 1], [0])),
                    RuntimeError, "same length"),
                   ("contracted sizes differ", lambda: tg.tensordot(_f((3, 4)), _f((4, 3)), ([0], [0])),
                    RuntimeError, "need to match"),
                   ("negative dims", lambda: tg.tensordot(_f((3, 4)), _f((4, 3)), -1), RuntimeError, "dims >= 0"),
                   ("dims > ndim", lambda: tg.tensordot(_f((3, 4)), _f((4, 3)), 3), RuntimeError),
                   ("dim out of range", lambda: tg.tensordot(_f((3, 4)), _f((4, 3)), ([2], [0])), IndexError),
                   ("repeated dim", lambda: tg.tensordot(_f((3, 3)), _f((3, 3)), ([0, 0], [0, 1])), RuntimeError,
                    "multiple times"),
                   ("dtypes differ", lambda: tg.tensordot(_f((3, 4)), _f((4, 3), tg.float64), 1), RuntimeError,
                    "dtype"),
                   ("dims of a wrong type", lambda: tg.tensordot(_f((3, 4)), _f((4, 3)), 1.5), TypeError),
               )),
        OpInfo("einsum", ref=einsum_ref, sample_inputs=einsum_samples, ref_inputs="compute",
               compute_dtype=lambda op, s: s.args[1][0].dtype, **domain,
               tol={**tol, tg.float16: (2e-3, 1e-2), tg.bfloat16: (1.6e-2, 8e-2)}, error_inputs=_errors(
                   ("too few operands", lambda: tg.einsum("ij,jk->ik", [_f((3, 4))]), RuntimeError, "fewer operands"),
                   ("too many operands", lambda: tg.einsum("ij->ji", [_f((3, 4)), _f((3, 4))]), RuntimeError,
                    "more operands"),
                   ("invalid subscript", lambda: tg.einsum("i1->i", [_f((3, 4))]), RuntimeError,
                    "invalid subscript '1'"),
                   ("too few subscripts", lambda: tg.einsum("i->i", [_f((3, 4))]), RuntimeError,
                    "does not match the number of dimensions"),
                   ("sizes differ", lambda: tg.einsum("ij,jk->ik", [_f((3, 4)), _f((5, 2))]), RuntimeError,
                    "subscript j has size 4"),
                   ("unknown output subscript", lambda: tg.einsum("ij->k", [_f((3, 4))]), RuntimeError,
                    "output subscript k does not appear"),
                   ("repeated output subscript", lambda: tg.einsum("ij->ii", [_f((3, 4))]), RuntimeError,
                    "more than once"),
                   ("dtypes differ", lambda: tg.einsum("i,i->", [_f((3,)), _f((3,), tg.float64)]), RuntimeError,
                    "same dtype"),
                   ("bool operands", lambda: tg.einsum("i->i", [_f((3,), tg.bool)]), NotImplementedError),
                   ("operands not a list", lambda: tg.einsum("i->i", 3), TypeError),
               )),
        OpInfo("cross", ref=cross_ref, sample_inputs=cross_samples, ref_inputs="compute", error_inputs=_errors(
            ("no dim of size 3", lambda: tg.cross(_f((2, 4)), _f((2, 4))), RuntimeError, "no dimension of size 3"),
            ("dim of size 2", lambda: tg.cross(_f((3, 2)), _f((3, 2)), dim=1), RuntimeError, "length 3"),
            ("ranks differ", lambda: tg.cross(_f((2, 3)), _f((3,)), dim=-1), RuntimeError, "number of dimensions"),
            ("dim out of range", lambda: tg.cross(_f((2, 3)), _f((2, 3)), dim=2), IndexError),
            ("bool inputs", lambda: tg.cross(_f((3,), tg.bool), _f((3,), tg.bool)), NotImplementedError),
        )),
        OpInfo("linalg_cross", ref=linalg_cross_ref, sample_inputs=cross_samples, ref_inputs="compute",
               out_dtype_exact=True, error_inputs=_errors(
                   ("last dim of size 2", lambda: tg.linalg.cross(_f((3, 2)), _f((3, 2))), RuntimeError, "length 3"),
                   ("ranks differ", lambda: tg.linalg.cross(_f((2, 3)), _f((3,))), RuntimeError,
                    "number of dimensions"),
                   ("shapes don't broadcast", lambda: tg.linalg.cross(_f((2, 3)), _f((4, 3))), RuntimeError),
                   ("positional dim", lambda: tg.linalg.cross(_f((2, 3)), _f((2, 3)), 1), TypeError),
               )),
    ]
    return out
