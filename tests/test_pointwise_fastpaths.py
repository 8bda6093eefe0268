"""Issue 14: the vectorized pointwise fast paths (pow with one exponent, clamp, sign, signbit,
comparisons, logical ops, where) against NumPy and against tensorgen's general paths.

Covered for each: every dtype the op takes, special values (nan, +-inf, +-0.0, subnormals,
negative bases), vector tails (sizes 1..70 cross every vector width's remainder), broadcast and
non-contiguous operands, and bitwise-identical results for 1 and 2 threads under every CPU
capability this machine supports (subprocesses with TENSORGEN_CPU_CAPABILITY).
"""
from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import tensorgen as tg
from tensorgen.testing._utils import to_numpy

FLOATS = ("float32", "float64", "float16", "bfloat16")
INTS = ("uint8", "int8", "int16", "int32", "int64")
ALL = ("bool",) + INTS + FLOATS
TAIL_SIZES = (1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 70)


def dt(name):
    return getattr(tg, name)


def compute_np(name):
    """The NumPy type a dtype's kernels compute in (float16 / bfloat16: float32)."""
    return {"float64": np.float64, "float32": np.float32, "float16": np.float32, "bfloat16": np.float32}.get(
        name, {"bool": np.bool_, "uint8": np.uint8, "int8": np.int8, "int16": np.int16, "int32": np.int32,
               "int64": np.int64}.get(name))


def round_to(a, name):
    """float32 / float64 values rounded (to nearest even) to the storage dtype, as float arrays
    comparable with to_numpy() of a tensor of that dtype."""
    if name == "float16":
        return a.astype(np.float16)
    if name == "bfloat16":
        bits = np.asarray(a, dtype=np.float32).view(np.uint32).astype(np.uint64)
        r = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16) << 16
        out = r.astype(np.uint32).view(np.float32)
        return np.where(np.isnan(a), np.float32(np.nan), out)
    return a.astype(compute_np(name))


def special_values(name):
    """Values that exercise the edge cases of dtype `name` (already representable in it)."""
    if name == "bool":
        return np.array([True, False, True, True, False])
    if name in INTS:
        info = np.iinfo(compute_np(name))
        vals = [0, 1, -1, 2, -2, 3, 7, -7, 100, -100, info.max, info.min, info.max // 2, 11, -13]
        return np.array([v for v in vals if info.min <= v <= info.max], dtype=compute_np(name))
    tiny = {"float32": 1e-40, "float64": 1e-310, "float16": 1e-7, "bfloat16": 1e-40}[name]
    big = {"float32": 1e30, "float64": 1e300, "float16": 6e4, "bfloat16": 1e30}[name]
    vals = [np.nan, -np.nan, np.inf, -np.inf, 0.0, -0.0, tiny, -tiny, 1.0, -1.0, 2.5, -2.5, 0.5, -3.0,
            big, -big, 1e-3, 7.25, -0.125, 1.0 / 3.0]
    return to_numpy(tg.tensor(np.array(vals, dtype=np.float64), dtype=dt(name)))


def values(name, n, seed=0):
    """n values of dtype `name`: random ones with the special values spread through."""
    rng = np.random.default_rng(seed)
    sv = special_values(name)
    if name == "bool":
        a = rng.random(n) < 0.5
    elif name in INTS:
        a = rng.integers(-50 if name != "uint8" else 0, 50, n).astype(compute_np(name))
    else:
        a = to_numpy(tg.tensor(rng.standard_normal(n) * 4, dtype=dt(name)))
    a = a.copy()
    idx = rng.permutation(n)[: min(n, len(sv))]
    a[idx] = sv[: len(idx)]
    return a


def tensor(a, name):
    return tg.tensor(a, dtype=dt(name))


def assert_same(actual, expected, msg=""):
    """Bitwise equality of values: nan where nan, equal elsewhere, zeros with the same sign."""
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    assert actual.shape == expected.shape, msg
    if actual.dtype.kind == "f" or expected.dtype.kind == "f":
        a = actual.astype(np.float64)
        e = expected.astype(np.float64)
        nan_a, nan_e = np.isnan(a), np.isnan(e)
        bad = (nan_a != nan_e) | (~nan_a & ((a != e) | (np.signbit(a) != np.signbit(e))))
    else:
        bad = actual != expected
    assert not bad.any(), f"{msg}: at {np.flatnonzero(bad)[:8]}: got {actual[bad][:8]}, expected {expected[bad][:8]}"


# ------------------------------------------------------------------------------------------ pow
POW_EXPS_FLOAT = (0, 1, 2, 3, -1, -2, 0.5, -0.5)
POW_EXPS_INT = (0, 1, 2, 3)


def c_pow_half(x, e):
    """C's pow(x, +-0.5) (NumPy's power differs at -0.0 and -inf): +0.0 / +inf at +-0.0, +inf / +0.0
    at -inf, nan below zero."""
    with np.errstate(all="ignore"):
        r = np.power(x, x.dtype.type(e))
    r = np.where(x == 0, x.dtype.type(0.0 if e > 0 else np.inf), r)
    return np.where(x == -np.inf, x.dtype.type(np.inf if e > 0 else 0.0), r)


def pow_reference(a, e, name):
    """PyTorch's fast-path formulas, computed in the kernel's compute type, rounded once."""
    x = a.astype(compute_np(name))
    with np.errstate(all="ignore"):
        if name in INTS:
            r = {0: np.ones_like(x), 1: x.copy(), 2: x * x, 3: x * x * x}[e]
            return r.astype(compute_np(name))
        one = x.dtype.type(1)
        if name == "float16" and e in (0.5, -0.5):  # PyTorch's float16 has no sqrt fast path: C's pow
            r = c_pow_half(x, e)
        else:
            r = {0: np.ones_like(x), 1: x.copy(), 2: x * x, 3: x * x * x, -1: one / x, -2: one / (x * x),
                 0.5: np.sqrt(x), -0.5: one / np.sqrt(x)}[e]
    return round_to(r, name)


@pytest.mark.parametrize("name", FLOATS + INTS)
def test_pow_scalar_exponent_matches_formula(name):
    a = values(name, 257)
    for e in POW_EXPS_INT if name in INTS else POW_EXPS_FLOAT:
        got = to_numpy(tensor(a, name) ** e)
        ref = pow_reference(a, e, name)
        if name == "float16" and e in (0.5, -0.5):
            # libm's powf (NumPy may use its own SIMD pow): compare values closely, specials exactly
            fin = np.isfinite(ref.astype(np.float64))
            np.testing.assert_allclose(got[fin].astype(np.float64), ref[fin].astype(np.float64), rtol=1e-3)
            assert_same(got[~fin], ref[~fin], f"{name} ** {e} specials")
        else:
            assert_same(got, ref, f"{name} ** {e}")
        # the other spellings run the same kernel
        assert_same(to_numpy(tg.pow(tensor(a, name), e)), got, f"tg.pow({name}, {e})")
        out = tg.empty(a.shape, dtype=dt(name))
        tg.pow(tensor(a, name), e, out=out)
        assert_same(to_numpy(out), got, f"pow out= {name} {e}")
        x = tensor(a, name)
        x.pow_(e)
        assert_same(to_numpy(x), got, f"pow_ {name} {e}")


def test_pow_sqrt_semantics_at_negative_zero_and_inf():
    """0.5 / -0.5 follow sqrt, as PyTorch does for float32, float64 and bfloat16 (C's pow differs at
    -0.0 and -inf); float16 keeps C's pow, as PyTorch's float16 does."""
    for name in ("float32", "float64", "bfloat16"):
        x = tg.tensor([-0.0, -np.inf, 0.0, np.inf], dtype=dt(name))
        assert_same(to_numpy(x ** 0.5), np.array([-0.0, np.nan, 0.0, np.inf]), name)
        assert_same(to_numpy(x ** -0.5), np.array([-np.inf, np.nan, np.inf, 0.0]), name)
    x = tg.tensor([-0.0, -np.inf], dtype=tg.float16)
    assert_same(to_numpy(x ** 0.5), np.array([0.0, np.inf]), "float16")
    assert_same(to_numpy(x ** -0.5), np.array([np.inf, 0.0]), "float16")


@pytest.mark.parametrize("name", FLOATS)
def test_pow_fast_paths_vs_general_path(name):
    """Against the general path (a tensor exponent: libm's pow in the compute type). 0 and 1 give
    the same bits. 2, -1 and 0.5 (and for float16 / bfloat16 also 3 and -2: x * x is exact in
    float32) are rounded once, so the fast path is the correctly rounded pow; libm's pow is not
    always (glibc: < 1 ulp), so the general path may be 1 ulp away. float32 / float64 3, -2 and
    -0.5 round twice (PyTorch's formulas): within a few ulp of pow."""
    a = values(name, 513, seed=3)
    a = a[np.isfinite(a.astype(np.float64)) & (a != 0)]  # where sqrt and C's pow agree on semantics
    x = tensor(a, name)
    correctly_rounded = (2, -1, 0.5) + ((3, -2) if name in ("float16", "bfloat16") else ())
    exact64 = a.astype(np.float64) if name != "float64" else None
    for e in POW_EXPS_FLOAT:
        if name == "float16" and e in (0.5, -0.5):
            continue  # the general path itself
        fast = to_numpy(x ** e)
        general = to_numpy(x ** tg.full(list(x.shape), e, dtype=dt(name)))
        if e in (0, 1):
            assert_same(fast, general, f"{name} ** {e}")
        elif e in correctly_rounded and exact64 is not None:
            with np.errstate(all="ignore"):
                assert_same(fast, round_to(np.power(exact64, e), name), f"{name} ** {e} correctly rounded")
            np.testing.assert_allclose(general.astype(np.float64), fast.astype(np.float64),
                                       rtol=np.finfo(compute_np(name)).eps)
        else:
            ok = np.isfinite(general.astype(np.float64))
            np.testing.assert_allclose(fast[ok].astype(np.float64), general[ok].astype(np.float64),
                                       rtol=4 * np.finfo(compute_np(name)).eps)
            assert_same(np.isnan(fast), np.isnan(general), f"{name} ** {e} nan positions")


@pytest.mark.parametrize("name", ("float32", "float64", "float16", "int64", "int32", "uint8"))
def test_pow_tails_broadcast_noncontiguous(name):
    exps = POW_EXPS_INT if name in INTS else POW_EXPS_FLOAT
    for n in TAIL_SIZES:
        a = values(name, n, seed=n)
        for e in exps:
            assert_same(to_numpy(tensor(a, name) ** e), pow_reference(a, e, name), f"n={n} e={e}")
    a = values(name, 2 * 37 * 5, seed=1).reshape(37, 10)
    t = tensor(a, name)
    for e in exps:
        assert_same(to_numpy(t[:, ::2] ** e), pow_reference(a[:, ::2], e, name), f"strided e={e}")
        assert_same(to_numpy(t.t() ** e), pow_reference(a.T, e, name), f"transposed e={e}")
        # a 0-dim tensor exponent (not a Python number) takes the same fast path
        assert_same(to_numpy(t ** tg.tensor(e, dtype=dt(name))), pow_reference(a, e, name), f"0-dim e={e}")


def test_pow_integer_rules():
    x = tg.tensor([2, -3, 0], dtype=tg.int64)
    assert (x ** 2).dtype == tg.int64 and (x ** 2.0).dtype == tg.float32
    assert to_numpy(tg.tensor([True, False]) ** 2).tolist() == [1, 0]
    assert to_numpy(tg.tensor([200], dtype=tg.uint8) ** 2).tolist() == [64]  # wraps like PyTorch
    assert to_numpy(tg.tensor([100], dtype=tg.int8) ** 3).tolist() == [64]
    with pytest.raises(RuntimeError, match=r"\[pow\] Integers to negative integer powers are not allowed"):
        x ** -1
    assert to_numpy(tg.tensor([1, -1], dtype=tg.int64) ** -3).tolist() == [1, -1]  # general path


@pytest.mark.parametrize("name,bits", [("int64", 64), ("int32", 32)])
def test_integer_pow_of_tensor_exponents_is_pythons_wrapped(name, bits):
    """Integer pow with a tensor exponent (square-and-multiply on vector lanes): every element is
    Python's base ** exponent wrapped to the dtype, for full-range bases, exponents up to the
    width and beyond, negative exponents of 1 and -1, every tail length, strided and broadcast
    operands; a negative exponent of any other base raises, wherever it sits."""
    rng = np.random.default_rng(11)
    npdt = np.dtype(name)
    info = np.iinfo(npdt)

    def wrapped(b, e):
        if e < 0:
            return 1 if b == 1 or e % 2 == 0 else -1
        r = pow(int(b), int(e), 1 << bits)
        return r - (1 << bits) if r > info.max else r

    def check(base, exp, got):
        want = np.array([wrapped(b, e) for b, e in zip(np.broadcast_to(base, got.shape).ravel(),
                                                         np.broadcast_to(exp, got.shape).ravel())], dtype=npdt)
        np.testing.assert_array_equal(got.ravel(), want)

    big = rng.integers(info.min, info.max, 300, dtype=npdt, endpoint=True)
    small = rng.integers(-3, 4, 300).astype(npdt)
    exps = rng.integers(0, bits + 8, 300).astype(npdt)
    for n in TAIL_SIZES:
        for base in (big[:n], small[:n]):
            check(base, exps[:n], to_numpy(tg.pow(tg.from_numpy(base.copy()), tg.from_numpy(exps[:n].copy()))))
    unit = rng.choice(np.array([1, -1], dtype=npdt), 50)
    neg = rng.integers(info.min, 0, 50, dtype=npdt)
    neg[:3] = [info.min, -1, -2]
    check(unit, neg, to_numpy(tg.pow(tg.from_numpy(unit), tg.from_numpy(neg))))
    m = small[:200].reshape(20, 10)
    e = exps[:200].reshape(20, 10)
    check(m[:, ::2], e[:, ::2], to_numpy(tg.pow(tg.from_numpy(m)[:, ::2], tg.from_numpy(e)[:, ::2])))
    check(m, e[0], to_numpy(tg.pow(tg.from_numpy(m), tg.from_numpy(e[0].copy()))))
    check(m.T, e.T, to_numpy(tg.pow(tg.from_numpy(m).t(), tg.from_numpy(e).t())))
    for n in (9, 17, 33):  # a broadcast negative exponent beside a partial vector's unused lanes
        ones = unit[:n].copy()
        minus3 = np.full(n, -3, dtype=npdt)
        check(ones, minus3, to_numpy(tg.pow(tg.from_numpy(ones), tg.from_numpy(minus3[:1].copy()).expand(n))))
        check(ones[::2], minus3[::2], to_numpy(tg.pow(tg.from_numpy(ones)[::2], tg.from_numpy(minus3)[::2])))
    for n in (1, 17, 40):
        base = np.full(n, 2, dtype=npdt)
        ex = np.ones(n, dtype=npdt)
        ex[n - 1] = -1  # in the last (partial) vector
        with pytest.raises(RuntimeError, match=r"\[pow\] Integers to negative integer powers are not allowed"):
            tg.pow(tg.from_numpy(base), tg.from_numpy(ex))


def _trunc_div(a, b):
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


INT64_DIVISIONS = {  # name: (tensorgen, Python's integer result before wrapping to int64)
    "fmod": (tg.fmod, lambda a, b: a - _trunc_div(a, b) * b),
    "remainder": (tg.remainder, lambda a, b: a % b),
    "floor_divide": (tg.floor_divide, lambda a, b: a // b),
    "div floor": (lambda x, y: tg.div(x, y, rounding_mode="floor"), lambda a, b: a // b),
    "div trunc": (lambda x, y: tg.div(x, y, rounding_mode="trunc"), _trunc_div),
}


def check_int64_divisions():
    """The int64 division family against Python's integers wrapped to int64 (INT64_MIN // -1 is
    INT64_MIN): values below 2^51 (the vector path's double division), at and beyond it in the same
    vectors (the scalar path), every tail length, strided, broadcast and transposed operands; a zero
    divisor raises wherever it sits, and a partial vector's unused lanes never do."""
    rng = np.random.default_rng(5)
    lim = 1 << 51

    def spread(n, top):  # magnitudes spread over 2^0 .. 2^top, both signs
        return (rng.integers(1, 1 << 62, n) >> rng.integers(62 - top, 62, n)) * rng.choice([-1, 1], n)

    x_small, y_small = spread(200, 51), spread(200, 51)
    x_small[:8] = [lim - 1, -lim, -lim, lim - 1, 0, 7, -7, lim - 2]
    y_small[:8] = [1, -1, lim - 1, -lim, 5, -2, 2, lim - 1]
    x_big, y_big = spread(200, 62), spread(200, 62)
    x_big[:6] = [-(1 << 63), -(1 << 63), (1 << 63) - 1, lim, -lim - 1, 12345]
    y_big[:6] = [-1, 1, -1, 3, 7, lim]
    y_small[y_small == 0] = 1
    y_big[y_big == 0] = 1

    def wrap(v):
        return (v + (1 << 63)) % (1 << 64) - (1 << 63)

    for name, (fn, ref) in INT64_DIVISIONS.items():
        def check(x, y, got):
            xs, ys = np.broadcast_arrays(x, y)
            want = [wrap(ref(int(a), int(b))) for a, b in zip(xs.ravel(), ys.ravel())]
            assert got.ravel().tolist() == want, name

        for x, y in ((x_small, y_small), (x_big, y_big)):
            for n in TAIL_SIZES:
                check(x[:n], y[:n], fn(tg.from_numpy(x[:n].copy()), tg.from_numpy(y[:n].copy())).numpy())
            tx, ty = tg.from_numpy(x), tg.from_numpy(y)
            check(x[::2], y[1::2], fn(tx[::2], ty[1::2]).numpy())
            check(x.reshape(20, 10), y[:10], fn(tx.reshape(20, 10), ty[:10]).numpy())
            check(x.reshape(20, 10).T, y.reshape(20, 10).T, fn(tx.reshape(20, 10).t(), ty.reshape(20, 10).t()).numpy())
        for n in (1, 9, 40):
            y = np.ones(n, dtype=np.int64)
            y[n - 1] = 0  # in the last (partial) vector
            with pytest.raises(RuntimeError, match="ZeroDivisionError: integer division by zero"):
                fn(tg.from_numpy(x_small[:n].copy()), tg.from_numpy(y))


def test_int64_division_is_pythons_under_every_capability():
    check_int64_divisions()
    for cap in tg.backends.cpu.supported_capabilities():
        if cap == tg.backends.cpu.capability():
            continue
        code = (f"import sys; sys.path.insert(0, {os.path.dirname(os.path.abspath(__file__))!r}); "
                "import test_pointwise_fastpaths as t; t.check_int64_divisions()")
        r = subprocess.run([sys.executable, "-c", code], env=dict(os.environ, TENSORGEN_CPU_CAPABILITY=cap),
                           capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, f"{cap}: {r.stderr[-3000:]}"


@pytest.mark.parametrize("e", POW_EXPS_FLOAT)
def test_pow_fast_path_gradients(e):
    """pow's backward (derivatives.yaml) is unchanged by the fast paths: e * x^(e - 1) * grad."""
    a = np.array([0.5, 1.5, 2.0, 3.25, 0.75], dtype=np.float64)
    x = tg.tensor(a, dtype=tg.float64, requires_grad=True)
    (x ** e).sum().backward()
    np.testing.assert_allclose(to_numpy(x.grad), e * a ** (e - 1) if e != 0 else np.zeros_like(a), rtol=1e-12)
    x2 = tg.tensor(a, dtype=tg.float64, requires_grad=True)
    (x2 ** tg.full([5], e, dtype=tg.float64)).sum().backward()
    np.testing.assert_allclose(to_numpy(x.grad), to_numpy(x2.grad), rtol=1e-14)


# ---------------------------------------------------------------------------------------- clamp
def clamp_reference(a, lo, hi):
    """minimum(maximum(x, lo), hi) with NaN propagating from x and from either bound."""
    with np.errstate(invalid="ignore"):
        r = a
        if lo is not None:
            r = np.maximum(r, lo)
        if hi is not None:
            r = np.minimum(r, hi)
    return r


@pytest.mark.parametrize("name", INTS + FLOATS)
def test_clamp_scalar_and_tensor_bounds(name):
    for n in TAIL_SIZES + (257,):
        a = values(name, n, seed=n)
        x = tensor(a, name)
        lo_s, hi_s = (1, 5) if name in INTS else (-2.5, 0.75)
        for lo, hi in ((lo_s, hi_s), (lo_s, None), (None, hi_s), (hi_s, lo_s)):
            ref = clamp_reference(a.astype(np.float64), lo, hi)
            assert_same(to_numpy(x.clamp(lo, hi)).astype(np.float64), ref, f"{name} n={n} clamp({lo}, {hi})")
        lo_t = values(name, n, seed=n + 100)
        hi_t = values(name, n, seed=n + 200)
        for lo, hi in ((lo_t, hi_t), (lo_t, None), (None, hi_t)):
            got = x.clamp(None if lo is None else tensor(lo, name), None if hi is None else tensor(hi, name))
            ref = clamp_reference(a.astype(np.float64), None if lo is None else lo.astype(np.float64),
                                  None if hi is None else hi.astype(np.float64))
            # the sign of a zero result is tested in test_clamp_ties_and_nan
            assert_same(to_numpy(got).astype(np.float64) + 0.0, ref + 0.0, f"{name} n={n} tensor bounds")
        assert_same(to_numpy(x.clamp_min(lo_s)).astype(np.float64), clamp_reference(a.astype(np.float64), lo_s, None))
        assert_same(to_numpy(x.clamp_max(hi_s)).astype(np.float64), clamp_reference(a.astype(np.float64), None, hi_s))


def test_clamp_ties_and_nan():
    """PyTorch: a Python-number (or 0-dim) bound keeps x on a tie (clamp(-0.0, min=0.0) is -0.0), a
    tensor bound wins it; a NaN input or bound gives NaN; min > max gives max. The one-pass
    kernel and the two-pass autograd path agree."""
    z = np.array([-0.0, 0.0] * 20)
    for name in ("float32", "float64", "float16", "bfloat16"):
        x = tensor(z, name)
        for grad in (False, True):
            xx = tg.tensor(z, dtype=dt(name), requires_grad=True) if grad and name in ("float32", "float64") else x
            assert_same(to_numpy(xx.clamp(0.0, 0.0)), z, f"{name} scalar ties")
            assert_same(to_numpy(xx.clamp(-0.0, -0.0)), z)
            assert_same(to_numpy(xx.clamp_min(0.0)), z)
            assert_same(to_numpy(xx.clamp_max(-0.0)), z)
            assert_same(to_numpy(xx.clamp(tg.tensor(0.0, dtype=dt(name)), tg.tensor(0.0, dtype=dt(name)))), z)
            zeros = tg.zeros(40, dtype=dt(name))
            assert_same(to_numpy(xx.clamp(zeros, zeros)), np.zeros(40), f"{name} tensor ties")
            assert_same(to_numpy(xx.clamp(-zeros, -zeros)), -np.zeros(40))
        y = tensor(np.array([1.0, np.nan, 5.0, -np.inf] * 9), name)
        assert_same(to_numpy(y.clamp(3.0, 2.0)), np.array([2.0, np.nan, 2.0, 2.0] * 9), f"{name} min > max")
        assert np.isnan(to_numpy(y.clamp(float("nan"), 2.0))).all()
        assert np.isnan(to_numpy(y.clamp(0.0, float("nan")))).all()
        assert np.isnan(to_numpy(y.clamp_min(float("nan")))).all()
        nan_t = tensor(np.full(36, np.nan), name)
        assert np.isnan(to_numpy(y.clamp(nan_t, tensor(np.full(36, 9.0), name)))).all()
    # an integer tensor clamped by floats is float32 (weak scalars), by ints stays integral
    xi = tg.tensor([1, 5, -7], dtype=tg.int64)
    assert xi.clamp(0.5, 3.5).dtype == tg.float32 and to_numpy(xi.clamp(0.5, 3.5)).tolist() == [1.0, 3.5, 0.5]
    assert xi.clamp(-2, 3).dtype == tg.int64 and to_numpy(xi.clamp(-2, 3)).tolist() == [1, 3, -2]


def test_clamp_python_number_bounds_match_the_zero_dim_tensor_path():
    """Two Python-number bounds on float32 / float64 run hardtanh's kernel; 0-dim tensor bounds the
    three-operand clamp kernel. Same bits for every bound kind: floats, ints (cast like the
    tensor path), bounds beyond float32's range, NaN, min > max, signed zeros."""
    rng = np.random.default_rng(7)
    a = np.concatenate([rng.standard_normal(61) * 3, [-0.0, 0.0, np.nan, np.inf, -np.inf, 1e38, -1e38]])
    bounds = [(-0.5, 0.5), (0, 1), (-2, 1.5), (1e39, 2e39), (-1e39, 1e39), (0.0, -0.0), (-0.0, 0.0), (2.0, -1.0),
              (float("nan"), 1.0), (-1.0, float("nan")), (-(2**53), 2**53), (0.1, 0.30000000000000004)]
    for name in ("float32", "float64"):
        x = tensor(a, name)
        for lo, hi in bounds:
            fast = to_numpy(x.clamp(lo, hi))
            slow = to_numpy(x.clamp(tg.tensor(lo, dtype=dt(name)), tg.tensor(hi, dtype=dt(name))))
            assert fast.tobytes() == slow.tobytes(), (name, lo, hi)
            assert x.clamp(lo, hi).dtype == dt(name)


def test_clamp_gradient():
    """PyTorch's clamp gradient: self gets grad where min <= self <= max (ties included)."""
    x = tg.tensor([-2.0, -1.0, 0.0, 1.0, 2.0], requires_grad=True)
    x.clamp(-1.0, 1.0).sum().backward()
    assert to_numpy(x.grad).tolist() == [0.0, 1.0, 1.0, 1.0, 0.0]
    x = tg.tensor([-2.0, 0.5, 2.0], requires_grad=True)
    lo = tg.tensor([-1.0, -1.0, -1.0], requires_grad=True)
    hi = tg.tensor([1.0, 1.0, 1.0], requires_grad=True)
    x.clamp(lo, hi).sum().backward()
    assert to_numpy(x.grad).tolist() == [0.0, 1.0, 0.0]
    assert to_numpy(lo.grad).tolist() == [1.0, 0.0, 0.0]
    assert to_numpy(hi.grad).tolist() == [0.0, 0.0, 1.0]


def test_clamp_out_and_inplace():
    a = values("float32", 67)
    x = tensor(a, "float32")
    ref = clamp_reference(a, -1.0, 1.0)
    out = tg.empty([67])
    tg.clamp(x, -1.0, 1.0, out=out)
    assert_same(to_numpy(out), ref)
    x.clamp_(-1.0, 1.0)
    assert_same(to_numpy(x), ref)


# --------------------------------------------------------------------------------- sign, signbit
def sign_reference(a, name):
    if name == "bool":
        return a.copy()
    x = a.astype(np.float64) if name in FLOATS else a
    with np.errstate(invalid="ignore"):
        r = (x > 0).astype(x.dtype) - (x < 0).astype(x.dtype)  # nan and -0.0 -> +0
    return round_to(r, name) if name in FLOATS else r.astype(a.dtype)


@pytest.mark.parametrize("name", ALL)
def test_sign_and_signbit(name):
    for n in TAIL_SIZES + (300,):
        a = values(name, n, seed=n)
        x = tensor(a, name)
        got = to_numpy(tg.sign(x))
        assert_same(got.astype(np.float64) if name in FLOATS else got, sign_reference(a, name).astype(
            np.float64) if name in FLOATS else sign_reference(a, name), f"sign {name} n={n}")
        if name != "bool":
            expect = np.signbit(a) if name in FLOATS else (a < 0)
            assert_same(to_numpy(tg.signbit(x)), expect, f"signbit {name} n={n}")
    a = values(name, 90).reshape(9, 10)
    x = tensor(a, name)
    assert_same(to_numpy(tg.sign(x.t())).astype(np.float64), sign_reference(a.T, name).astype(np.float64))


def test_sign_and_signbit_specials():
    x = tg.tensor([np.nan, -np.nan, -0.0, 0.0, -np.inf, np.inf, -1e-40])
    assert_same(to_numpy(tg.sign(x)), np.array([0.0, 0.0, 0.0, 0.0, -1.0, 1.0, -1.0]))
    assert to_numpy(tg.signbit(x)).tolist() == [False, True, True, False, True, False, True]


# ---------------------------------------------------------------------- comparisons, logical ops
COMPARES = {
    "eq": np.equal, "ne": np.not_equal, "lt": np.less, "le": np.less_equal, "gt": np.greater,
    "ge": np.greater_equal, "logical_and": np.logical_and, "logical_or": np.logical_or,
}


@pytest.mark.parametrize("name", ALL)
def test_comparisons_and_logical(name):
    for n in TAIL_SIZES + (300,):
        a = values(name, n, seed=n)
        b = values(name, n, seed=n + 1)
        b[: n // 2] = a[: n // 2]  # ties
        x, y = tensor(a, name), tensor(b, name)
        af, bf = (a.astype(np.float64), b.astype(np.float64)) if name in FLOATS else (a, b)
        with np.errstate(invalid="ignore"):
            for op, ref in COMPARES.items():
                assert_same(to_numpy(getattr(tg, op)(x, y)), ref(af, bf), f"{op} {name} n={n}")
                got = to_numpy(getattr(tg, op)(x, y[0]))
                assert_same(got, ref(af, bf[0]), f"{op} {name} n={n} 0-dim other")
            assert_same(to_numpy(tg.logical_not(x)), np.logical_not(af), f"logical_not {name}")
        assert to_numpy(x < y).dtype == np.bool_


@pytest.mark.parametrize("name", ("float32", "int64", "float16", "bool", "int8"))
def test_comparisons_python_scalars_broadcast_noncontiguous(name):
    a = values(name, 37 * 20, seed=5).reshape(37, 20)
    x = tensor(a, name)
    af = a.astype(np.float64) if name in FLOATS else a
    with np.errstate(invalid="ignore"):
        if name != "bool":
            for s in (0, 1, -2.5, 0.5):
                assert_same(to_numpy(x < s), af < s, f"x < {s}")
                assert_same(to_numpy(x >= s), af >= s)
                assert_same(to_numpy(x == s), af == s)
        assert_same(to_numpy(x[:, ::3] != x[:, 1::3]), af[:, ::3] != af[:, 1::3])
        assert_same(to_numpy(x.t() > x[:, 0]), af.T > af[:, 0])
        assert_same(to_numpy(tg.logical_and(x[:, :1], x)), np.logical_and(af[:, :1], af))
        assert_same(to_numpy(tg.logical_or(x.t(), x.t())), np.logical_or(af.T, af.T))
    out = tg.empty([37, 20], dtype=tg.float32)  # a bool result cast into out's dtype
    tg.lt(x, x[0], out=out)
    assert_same(to_numpy(out), (af < af[0]).astype(np.float32))


def test_nan_comparisons():
    x = tg.tensor([np.nan, 1.0, np.nan] * 11)
    y = tg.tensor([np.nan, np.nan, 1.0] * 11)
    assert not to_numpy(x == y).any() and to_numpy(x != y).all()
    assert not (to_numpy(x < y) | to_numpy(x <= y) | to_numpy(x > y) | to_numpy(x >= y)).any()
    assert to_numpy(tg.logical_and(x, y)).all()  # nan is nonzero


# ---------------------------------------------------------------------------------------- where
@pytest.mark.parametrize("name", ALL)
def test_where(name):
    for n in TAIL_SIZES + (300,):
        c = np.random.default_rng(n).random(n) < 0.5
        a, b = values(name, n, seed=n), values(name, n, seed=n + 7)
        got = to_numpy(tg.where(tg.tensor(c), tensor(a, name), tensor(b, name)))
        assert_same(got, np.where(c, a, b), f"where {name} n={n}")
    c = np.random.default_rng(0).random((9, 10)) < 0.5
    a, b = values(name, 90).reshape(9, 10), values(name, 90, seed=4).reshape(9, 10)
    tc, ta, tb = tg.tensor(c), tensor(a, name), tensor(b, name)
    assert_same(to_numpy(tg.where(tc.t(), ta.t(), tb[:, 0])), np.where(c.T, a.T, b[:, 0]))
    assert_same(to_numpy(tg.where(tc[:, :1], ta, tb)), np.where(c[:, :1], a, b))
    assert_same(to_numpy(tg.where(tc[:, ::2], ta[:, 1::2], tb[:, ::2])), np.where(c[:, ::2], a[:, 1::2], b[:, ::2]))
    if name in FLOATS:  # a Python number as the other branch
        assert_same(to_numpy(tg.where(tc, ta, 0.0)), np.where(c, a, 0).astype(a.dtype))


def test_where_keeps_nan_payloads_and_signed_zeros():
    a = np.array([-0.0, np.nan, -np.nan, 1.0] * 5, dtype=np.float32)
    c = np.array([True, True, True, False] * 5)
    got = to_numpy(tg.where(tg.tensor(c), tg.tensor(a), tg.tensor(a)))
    assert got.view(np.uint32).tolist() == a.view(np.uint32).tolist()
    h = tg.tensor(a, dtype=tg.float16)
    assert to_numpy(tg.where(tg.tensor(c), h, h)).view(np.uint16).tolist() == to_numpy(h).view(np.uint16).tolist()


def test_where_condition_must_be_bool():
    with pytest.raises(RuntimeError, match=r"\[where\] expected condition to be a boolean tensor"):
        tg.where(tg.tensor([1, 0]), tg.tensor([1.0, 2.0]), tg.tensor([3.0, 4.0]))


# ----------------------------------------------------- float16 / bfloat16: vec::for_half's functions
_HALF_FUNCTIONS = {"asin": np.arcsin, "acos": np.arccos, "exp2": np.exp2, "log2": np.log2, "log10": np.log10,
                   "erf": np.vectorize(math.erf, otypes=[np.float64])}


@pytest.mark.parametrize("fn", sorted(_HALF_FUNCTIONS))
@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_half_functions_round_like_the_exact_value(fn, dtype):
    """Every float16 / bfloat16 input: the cheaper float evaluation for these dtypes
    (vec::for_half) gives the exact value rounded to the dtype, but within 1 ulp on a few
    near-ties; NaN where the exact function has no value, signed zeros kept."""
    bits = np.arange(65536, dtype=np.uint16)
    if dtype == "float16":
        x = tg.from_numpy(bits.view(np.float16).copy())
    else:  # every bfloat16 value is a float32 with 16 zero low bits: converted exactly
        x = tg.from_numpy((bits.astype(np.uint32) << 16).view(np.float32)).to(tg.bfloat16)
    xf = to_numpy(x.float()).astype(np.float64)
    got = to_numpy(getattr(tg, fn)(x).float()).astype(np.float64)
    with np.errstate(all="ignore"):
        exact = _HALF_FUNCTIONS[fn](xf)
    want = to_numpy(tg.from_numpy(exact.astype(np.float32)).to(getattr(tg, dtype)).float()).astype(np.float64)
    assert np.array_equal(np.isnan(got), np.isnan(want))
    ok = ~np.isnan(want)
    assert np.array_equal(np.signbit(got[ok & (want == 0)]), np.signbit(want[ok & (want == 0)]))
    differ = ok & (got != want)
    assert differ.mean() < 1e-3, f"{fn} {dtype}: {differ.sum()} of 65536 not the rounded exact value"
    # the others are one step of the dtype away: the neighbours of the rounded value
    step = np.abs(want[differ]) * (2.0 ** -7 if dtype == "bfloat16" else 2.0 ** -10)
    assert np.all(np.abs(got[differ] - want[differ]) <= step * 1.01 + 1e-30)


# ----------------------------------------------------- bitwise identity: threads and capabilities
_IDENTITY_SCRIPT = textwrap.dedent("""
    import hashlib, json, sys
    import numpy as np
    import tensorgen as tg
    sys.path.insert(0, {tests!r})
    from test_pointwise_fastpaths import values, tensor
    from tensorgen.testing._utils import to_numpy
    def h(t):
        return hashlib.sha256(to_numpy(t).tobytes()).hexdigest()[:16]
    out = {{}}
    n = 200_003  # above the grain: split across threads
    c = tg.tensor(np.random.default_rng(9).random(n) < 0.5)
    for threads in (1, 2):
        tg.set_num_threads(threads)
        r = {{}}
        for name in ("float32", "float64", "float16", "bfloat16", "int64", "int32", "int8", "uint8"):
            a, b = tensor(values(name, n, 1), name), tensor(values(name, n, 2), name)
            exps = (0, 1, 2, 3) if "int" in name else (0, 1, 2, 3, -1, -2, 0.5, -0.5, 2.5)
            for e in exps:
                r[f"{{name}} pow {{e}}"] = h(a ** e)
            lo, hi = (1, 5) if "int" in name else (-0.0, 0.75)
            r[f"{{name}} clamp"] = h(a.clamp(lo, hi))
            r[f"{{name}} clamp t"] = h(a.clamp(b, b + 1))
            r[f"{{name}} clamp_min"] = h(a.clamp_min(lo))
            r[f"{{name}} maximum"] = h(tg.maximum(a, b))
            r[f"{{name}} minimum"] = h(tg.minimum(b, a))
            r[f"{{name}} sign"] = h(tg.sign(a))
            r[f"{{name}} signbit"] = h(tg.signbit(a))
            for op in ("eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or"):
                r[f"{{name}} {{op}}"] = h(getattr(tg, op)(a, b))
            r[f"{{name}} lt scalar"] = h(a < 1)
            r[f"{{name}} logical_not"] = h(tg.logical_not(a))
            r[f"{{name}} where"] = h(tg.where(c, a, b))
            # float16 / bfloat16 arithmetic on float vectors, rows with a broadcast operand,
            # scalar functions lane by lane, scans through the vector conversions, flip rows
            for op in ("add", "sub", "mul", "div"):
                if op == "div" and "int" in name:
                    continue
                r[f"{{name}} {{op}}"] = h(getattr(tg, op)(a, b))
                r[f"{{name}} {{op}} row bcast"] = h(getattr(tg, op)(a[:2000].reshape(40, 50), b[:50]))
                r[f"{{name}} {{op}} col bcast"] = h(getattr(tg, op)(a[:40].reshape(40, 1), b[:50]))
            if "int" not in name:
                r[f"{{name}} pow tensor"] = h(tg.pow(a, b))
                r[f"{{name}} xlogy"] = h(tg.xlogy(a, b))
                for fn in ("asin", "acos", "erf", "exp2", "log2", "log10"):  # vec::for_half for half types
                    r[f"{{name}} {{fn}}"] = h(getattr(tg, fn)(a))
            r[f"{{name}} cumsum"] = h(tg.cumsum(a, 0))
            r[f"{{name}} flip"] = h(tg.flip(a[:2000].reshape(40, 50), [1]))
        out[threads] = r
    print(json.dumps({{"capability": tg.backends.cpu.capability(), "results": out}}))
""")


def _identity_run(capability):
    env = dict(os.environ, TENSORGEN_CPU_CAPABILITY=capability)
    code = _IDENTITY_SCRIPT.format(tests=os.path.dirname(os.path.abspath(__file__)))
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


def test_bitwise_identical_across_threads_and_capabilities():
    caps = tg.backends.cpu.supported_capabilities()
    runs = {cap: _identity_run(cap) for cap in caps}
    base = runs[caps[0]]["results"]["1"]
    assert len(base) > 150
    for cap, run in runs.items():
        assert run["capability"] == cap
        for threads, results in run["results"].items():
            diff = sorted(k for k in base if results[k] != base[k])
            assert not diff, f"{cap}, {threads} threads differs from {caps[0]}, 1 thread: {diff[:10]}"


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_copysign_of_half_types_works_on_the_bits(dtype):
    """copysign on float16 / bfloat16 is the bit operation (|a| with b's sign bit) over every
    16-bit pattern of a, as float32's copysign is: a NaN keeps its payload and takes b's sign."""
    a_bits = np.arange(1 << 16, dtype=np.uint32)
    if dtype == "bfloat16":  # built from float32 (exact but for NaN, which the conversion quiets)
        a_bits = a_bits[(a_bits & 0x7fff) <= 0x7f80]

    def make(bits):
        if dtype == "float16":
            return tg.from_numpy(bits.astype(np.uint16).view(np.float16))
        return tg.from_numpy((bits << 16).view(np.float32)).bfloat16()

    def bits_of(t):
        if dtype == "float16":
            return t.numpy().view(np.uint16).astype(np.uint32)
        return t.float().numpy().view(np.uint32) >> 16

    for b in (0x0000, 0x8000, 0x3c00, 0xbc00):
        b_bits = np.full_like(a_bits, b)
        got = bits_of(tg.copysign(make(a_bits), make(b_bits)))
        np.testing.assert_array_equal(got, (a_bits & 0x7fff) | (b_bits & 0x8000))


@pytest.mark.parametrize("name", ["exp2", "pow", "gelu", "sin"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pairwise_steps_give_the_single_vector_bits(name, dtype):
    """exp2, pow and gelu run two vectors a step with their chains interleaved (each_half, each in
    ActivationKernel.cpp; sin through VecPair): a contiguous tensor takes that step, a strided view
    of the same values the one-vector call. Every element must come out the same."""
    rng = np.random.default_rng(7)
    x = np.concatenate([rng.uniform(-160, 160, 5000), rng.standard_normal(5000) * 3,
                        [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-40, 127.9, -149.5, 3e3]]).astype(dtype)
    y = rng.uniform(-3, 3, x.size).astype(dtype)
    fn = {"exp2": lambda a, b: tg.exp2(a), "pow": lambda a, b: tg.pow(tg.abs(a) * 0.01, b),
          "gelu": lambda a, b: tg.nn.functional.gelu(a), "sin": lambda a, b: tg.sin(a)}[name]
    whole = fn(tg.from_numpy(x), tg.from_numpy(y)).numpy()
    strided = fn(tg.from_numpy(np.stack([x, x], 1))[:, 0], tg.from_numpy(np.stack([y, y], 1))[:, 0]).numpy()
    np.testing.assert_array_equal(whole.view(np.uint8), strided.view(np.uint8))
