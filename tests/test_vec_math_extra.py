"""The vectorized math of aten/vec/vec_math_extra.h through the ops that run it (MathKernels.cpp):
accuracy in ulps over dense sweeps of each domain, special values, exact results for fmod /
remainder / floor division / nan_to_num, vector tails, layouts, float16 / bfloat16, and the same
bits for every CPU capability and thread count.

References: float32 results against NumPy in float64, float64 results against np.longdouble (80-bit
on x86); erf / erfc against a long-double series / continued fraction (below), no SciPy or mpmath."""
import os
import subprocess
import sys

import numpy as np
import pytest

import tensorgen as tg
from test_vec_math import ulp_error  # tests/ is on sys.path under pytest
from _threads import results_for_threads

DTYPES = [np.float32, np.float64]
LD = np.longdouble


def erf_ld(x):
    """erf in long double: Taylor series below 0.5, 1 - erfc above."""
    x = np.asarray(x, LD)
    a = np.abs(x)
    small = np.minimum(a, LD(0.5))
    term, total = small.copy(), small.copy()
    for n in range(1, 40):  # x^(2n+1) (-1)^n / (n! (2n+1))
        term = term * -small * small / n
        total = total + term / (2 * n + 1)
    r = total * 2 / np.sqrt(LD(np.pi))
    big = a >= 0.5
    r[big] = 1 - erfc_pos_ld(a[big])
    return np.where(np.isnan(x), x, np.copysign(r, x))


# Terms of the continued fraction below by band of a (it converges faster as a grows): about 2.5x
# the fewest that match 3000 terms on a dense grid of each band, and on both sweeps below every
# value is the same long double as with 3000 terms everywhere (which made the erf / erfc sweeps
# the slowest tests of the suite).
CF_TERMS = ((1.0, 3000), (2.0, 1000), (4.0, 300), (np.inf, 100))


def erfc_pos_ld(a):
    """erfc(a) for a >= 0.5: the continued fraction e^(-a^2) / sqrt(pi) / (a + (1/2)/(a + 1/(a + ...))),
    evaluated backwards from CF_TERMS terms (converges to long-double precision for a >= 0.5)."""
    a = np.asarray(a, LD)
    f = a.copy()  # inf and NaN lie in no band and stay themselves
    lower = -np.inf
    with np.errstate(all="ignore"):
        for upper, terms in CF_TERMS:
            band = (a >= lower) & (a < upper)
            x = a[band]
            g = x.copy()
            for k in range(terms, 0, -1):
                g = x + LD(k) / 2 / g
            f[band] = g
            lower = upper
        r = np.exp(-a * a) / np.sqrt(LD(np.pi)) / f
    return np.where(np.isinf(a), LD(0), r)


def erfc_ld(x):
    x = np.asarray(x, LD)
    a = np.abs(x)
    pos = a.copy()  # NaN stays NaN
    small, big = a < 0.5, a >= 0.5
    pos[small] = 1 - erf_ld(a[small])
    pos[big] = erfc_pos_ld(a[big])
    return np.where(np.isnan(x), x, np.where(x < 0, 2 - pos, pos))


# name -> (reference on the high-precision array, float32 bound, float64 bound). The bounds are the
# measured maxima (see vec_math_extra.h) rounded up.
UNARY = {
    "expm1": (np.expm1, 1.5, 2.0), "exp2": (np.exp2, 1.5, 1.5), "log1p": (np.log1p, 1.5, 1.5),
    "log2": (np.log2, 1.0, 1.0), "log10": (np.log10, 1.0, 1.0), "tan": (np.tan, 1.0, 1.5),
    "atan": (np.arctan, 1.5, 1.5), "asin": (np.arcsin, 1.0, 1.5), "acos": (np.arccos, 1.0, 1.5),
    "sinh": (np.sinh, 2.0, 2.5), "cosh": (np.cosh, 1.5, 1.5), "asinh": (np.arcsinh, 2.0, 2.0),
    "acosh": (np.arccosh, 2.5, 2.5), "atanh": (np.arctanh, 2.0, 2.0), "erf": (erf_ld, 1.5, 1.5),
    "erfc": (erfc_ld, 3.5, 3.5),
}
BINARY = {"atan2": (np.arctan2, 1.5, 1.5), "hypot": (np.hypot, 1.5, 1.5), "logaddexp": (np.logaddexp, 1.5, 1.5)}


def edge_values(dtype):
    fi = np.finfo(dtype)
    v = [0.0, 1.0, 2.0, 0.5, 0.25, 0.75, fi.tiny, fi.smallest_subnormal, fi.tiny / 3, fi.max, fi.eps, np.inf,
         np.nan, np.pi, np.pi / 2, np.pi / 4, 1e-3, 1e-8, 1e-20, 1e5, 1e10, 1e20, 1e30, 0.35, 0.41, 0.66, 2.414,
         10.0, 20.0, 22.0, 26.0, 27.3, 88.7, 89.5, 127.5, 128.0, 709.7, 710.5, 1023.9, 1024.0, 1100.0, 4096.0,
         2.0 ** 28, 1048576.0]
    v = np.array(v, dtype)
    with np.errstate(over="ignore"):
        return np.concatenate([v, -v, np.nextafter(v, dtype(np.inf)), np.nextafter(v, dtype(-np.inf))])


def sweep(dtype, seed=0, n=60_000):
    rng = np.random.default_rng(seed)
    fi = np.finfo(dtype)
    logmag = rng.uniform(np.log(float(fi.smallest_subnormal)), np.log(float(fi.max)), n)
    parts = [np.exp(logmag) * rng.choice([-1.0, 1.0], n), rng.uniform(-1, 1, n), rng.uniform(-4, 4, n),
             rng.uniform(-30, 30, n), rng.uniform(-800, 800, n), rng.uniform(-0.5, 0.5, n) * np.exp(rng.uniform(-40, 0, n)),
             1 + rng.uniform(-1e-3, 1e-3, n), -1 + rng.uniform(-1e-3, 1e-3, n), edge_values(dtype)]
    # next to multiples of pi/2 (tan's reduction), below and above the fast range
    k = np.concatenate([np.arange(-3000, 3000), rng.integers(-10**6, 10**6, 5000)])
    base = (k * LD(np.pi) / 2).astype(dtype)
    parts += [base, np.nextafter(base, dtype(np.inf)), np.nextafter(base, dtype(-np.inf))]
    # sorted: whole vectors of neighbouring lanes, so each kernel's all-lanes-alike fast paths
    # run too (the random parts above mix regimes within nearly every vector)
    parts.append(np.linspace(-12, 12, 48_001))
    return np.concatenate(parts).astype(dtype)


def reference(fn, dtype, *args):
    hi = np.float64 if dtype == np.float32 else LD
    with np.errstate(all="ignore"):
        return fn(*(np.asarray(a, hi) for a in args))


def tgt(x):
    return tg.from_numpy(np.ascontiguousarray(x))


def call(name, *xs):
    return getattr(tg, name)(*(tgt(x) for x in xs)).numpy()


def check_ulps(name, got, want, dtype, bound, *xs):
    err = ulp_error(got, want, dtype)
    # The sign of zero counts too (odd functions keep it, C99's atan2 table).
    zero = (got == 0) & (np.asarray(want) == 0)
    err[zero & (np.signbit(got) != np.signbit(np.asarray(want)))] = np.inf
    w = int(np.argmax(err))
    args = ", ".join(repr(x[w]) for x in xs)
    assert err[w] <= bound, f"{name}({args}) = {got[w]!r}, want {want[w]!r}: {err[w]:.3g} ulp"


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_max_ulp_error(name, dtype):
    fn, b32, b64 = UNARY[name]
    x = sweep(dtype)
    check_ulps(name, call(name, x), reference(fn, dtype, x), dtype, b32 if dtype == np.float32 else b64, x)


def test_float_tan_next_to_sixteenths_of_pi_and_in_mixed_vectors():
    """Float tan reduces |x| to N pi/16 + R (vec_math_tan.h: a table over one period); lanes next to
    a multiple of pi/16 and 800 <= |x| <= 4096 need its exact reduction, blended lane by lane, and
    |x| > 4096, inf and NaN take std::tan. The bound holds there, and a lane's bits do not depend on
    which path its neighbours in the vector took."""
    k = np.arange(-20861, 20862)  # every multiple of pi/16 up to 4096
    base = (k * LD(np.pi) / 16).astype(np.float32)
    x = np.concatenate([base, np.nextafter(base, np.float32(np.inf)), np.nextafter(base, np.float32(-np.inf))])
    check_ulps("tan", call("tan", x), reference(np.tan, np.float32, x), np.float32, 1.0, x)
    rng = np.random.default_rng(7)
    mixed = np.concatenate([x[::41], rng.normal(size=3000), [np.inf, -np.inf, np.nan, 5000.0, -1e30, 0.0, -0.0]])
    mixed = mixed.astype(np.float32)
    got = call("tan", mixed)
    for seed in range(3):
        perm = np.random.default_rng(seed).permutation(len(mixed))
        assert call("tan", mixed[perm]).tobytes() == got[perm].tobytes()


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_max_ulp_error(name, dtype):
    fn, b32, b64 = BINARY[name]
    x = sweep(dtype)
    y = np.random.default_rng(1).permutation(x)
    e = edge_values(dtype)
    x = np.concatenate([x, np.repeat(e, len(e))])  # every pair of edge values
    y = np.concatenate([y, np.tile(e, len(e))])
    got, want = call(name, x, y), reference(fn, dtype, x, y)
    if name == "logaddexp":
        # max(x, y) + log1p(exp(-|x - y|)) cancels where the result is below 1 in magnitude (so
        # does PyTorch's formula): there the bound is 2 eps absolute instead.
        with np.errstate(all="ignore"):
            close = (np.abs(want) < 1) & (np.abs(got.astype(want.dtype) - want) <= 2 * np.finfo(dtype).eps)
        want = np.where(close, got.astype(want.dtype), want)
    check_ulps(name, got, want, dtype, b32 if dtype == np.float32 else b64, x, y)


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
def test_special_values_exact(dtype):
    inf, nan = np.inf, np.nan
    fi = np.finfo(dtype)
    cases = {
        "expm1": [(0.0, 0.0), (-0.0, -0.0), (inf, inf), (-inf, -1.0), (nan, nan), (1e6, inf), (-1e6, -1.0)],
        "exp2": [(0.0, 1.0), (-0.0, 1.0), (inf, inf), (-inf, 0.0), (nan, nan), (fi.maxexp, inf), (3.0, 8.0),
                 (fi.minexp - fi.nmant, fi.smallest_subnormal), (-2000.0, 0.0), (10.0, 1024.0)],
        "log1p": [(0.0, 0.0), (-0.0, -0.0), (-1.0, -inf), (-2.0, nan), (inf, inf), (-inf, nan), (nan, nan),
                  (fi.smallest_subnormal, fi.smallest_subnormal)],
        "log2": [(1.0, 0.0), (0.0, -inf), (-0.0, -inf), (inf, inf), (-1.0, nan), (nan, nan), (8.0, 3.0),
                 (fi.smallest_subnormal, fi.minexp - fi.nmant), (0.5, -1.0)],
        "log10": [(1.0, 0.0), (0.0, -inf), (inf, inf), (-1.0, nan), (nan, nan), (1000.0, 3.0), (0.01, -2.0)],
        "tan": [(0.0, 0.0), (-0.0, -0.0), (inf, nan), (-inf, nan), (nan, nan), (fi.smallest_subnormal, fi.smallest_subnormal)],
        "atan": [(0.0, 0.0), (-0.0, -0.0), (inf, np.pi / 2), (-inf, -np.pi / 2), (nan, nan), (1.0, np.pi / 4)],
        "asin": [(0.0, 0.0), (-0.0, -0.0), (1.0, np.pi / 2), (-1.0, -np.pi / 2), (1.5, nan), (inf, nan), (nan, nan)],
        "acos": [(1.0, 0.0), (-1.0, np.pi), (0.0, np.pi / 2), (-0.0, np.pi / 2), (1.5, nan), (-inf, nan), (nan, nan)],
        "sinh": [(0.0, 0.0), (-0.0, -0.0), (inf, inf), (-inf, -inf), (nan, nan), (1e4, inf), (-1e4, -inf)],
        "cosh": [(0.0, 1.0), (-0.0, 1.0), (inf, inf), (-inf, inf), (nan, nan), (1e4, inf)],
        "asinh": [(0.0, 0.0), (-0.0, -0.0), (inf, inf), (-inf, -inf), (nan, nan)],
        "acosh": [(1.0, 0.0), (0.5, nan), (-inf, nan), (inf, inf), (nan, nan)],
        "atanh": [(0.0, 0.0), (-0.0, -0.0), (1.0, inf), (-1.0, -inf), (1.5, nan), (-inf, nan), (nan, nan)],
        "erf": [(0.0, 0.0), (-0.0, -0.0), (inf, 1.0), (-inf, -1.0), (nan, nan), (10.0, 1.0), (-30.0, -1.0)],
        "erfc": [(0.0, 1.0), (-0.0, 1.0), (inf, 0.0), (-inf, 2.0), (nan, nan), (30.0, 0.0), (-30.0, 2.0)],
    }
    for name, pairs in cases.items():
        x = np.array([p[0] for p in pairs], dtype)
        want = np.array([p[1] for p in pairs], dtype)
        got = call(name, x)
        for xi, g, w in zip(x, got, want):
            assert (np.isnan(g) and np.isnan(w)) or (g == w and np.signbit(g) == np.signbit(w)), f"{name}({xi!r}) = {g!r}, want {w!r}"


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
def test_binary_special_values_follow_c99(dtype):
    inf, nan, pi = np.inf, np.nan, np.pi
    atan2 = [((0.0, 1.0), 0.0), ((-0.0, 1.0), -0.0), ((0.0, -1.0), pi), ((-0.0, -1.0), -pi), ((0.0, 0.0), 0.0),
             ((0.0, -0.0), pi), ((-0.0, -0.0), -pi), ((1.0, 0.0), pi / 2), ((-1.0, -0.0), -pi / 2),
             ((inf, inf), pi / 4), ((inf, -inf), 3 * pi / 4), ((-inf, inf), -pi / 4), ((1.0, inf), 0.0),
             ((-1.0, -inf), -pi), ((inf, 1.0), pi / 2), ((nan, 1.0), nan), ((0.0, nan), nan)]
    hypot = [((inf, nan), inf), ((nan, -inf), inf), ((nan, 1.0), nan), ((0.0, -0.0), 0.0), ((3.0, 4.0), 5.0),
             ((np.finfo(dtype).max, np.finfo(dtype).max), inf), ((np.finfo(dtype).smallest_subnormal, 0.0), np.finfo(dtype).smallest_subnormal)]
    logaddexp = [((inf, inf), inf), ((-inf, -inf), -inf), ((inf, -inf), inf), ((nan, 1.0), nan), ((1.0, -inf), 1.0),
                 ((0.0, 0.0), np.log(2.0))]
    for name, cases in [("atan2", atan2), ("hypot", hypot), ("logaddexp", logaddexp)]:
        x = np.array([c[0][0] for c in cases], dtype)
        y = np.array([c[0][1] for c in cases], dtype)
        want = np.array([c[1] for c in cases], dtype)
        got = call(name, x, y)
        for a, b, g, w in zip(x, y, got, want):
            assert (np.isnan(g) and np.isnan(w)) or (g == w and np.signbit(g) == np.signbit(w)), f"{name}({a!r}, {b!r}) = {g!r}, want {w!r}"


def erfinv_reference(x, start):
    """erfinv(x) in long double by Newton's method from `start` (the result under test, already
    close): on erf(y) - |x| for |x| <= 1/2, on (1 - |x|) - erfc(y) above."""
    a = np.abs(np.asarray(x, LD))
    y = np.abs(np.asarray(start, LD))
    with np.errstate(all="ignore"):
        for _ in range(3):
            residual = np.where(a <= 0.5, erf_ld(y) - a, (1 - a) - erfc_ld(y))
            y = y - residual / (2 / np.sqrt(LD(np.pi)) * np.exp(-y * y))
        y = np.where(a == 1, LD(np.inf), np.where(a > 1, LD(np.nan), y))
    return np.where(np.isnan(x), x, np.copysign(y, x))


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
def test_erfinv(dtype):
    rng = np.random.default_rng(9)
    n = 20_000
    tail = 1 - np.exp(rng.uniform(-36 if dtype == np.float64 else -16, 0, n))
    x = np.concatenate([rng.uniform(-1, 1, n), tail, -tail, np.exp(rng.uniform(-700, 0, 2000)), edge_values(dtype)]).astype(dtype)
    got = call("erfinv", x)
    check_ulps("erfinv", got, erfinv_reference(x, got), dtype, 1.0 if dtype == np.float32 else 2.5, x)
    special = np.array([0.0, -0.0, 1.0, -1.0, 1.5, -np.inf, np.nan], dtype)
    want = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, np.nan, np.nan], dtype)
    got = call("erfinv", special)
    for xi, g, w in zip(special, got, want):
        assert (np.isnan(g) and np.isnan(w)) or (g == w and np.signbit(g) == np.signbit(w)), f"erfinv({xi!r}) = {g!r}"


def pytorch_remainder(x, y):
    with np.errstate(all="ignore"):
        mod = np.fmod(x, y)
        return np.where((mod != 0) & ((y < 0) != (mod < 0)), mod + y, mod)


def pytorch_floor_div(x, y):
    """native::float_div_rounding(x, y, floor = true) in the same dtype."""
    with np.errstate(all="ignore"):
        q = x / y
        mod = np.fmod(x, y)
        div = (x - mod) / y
        div = np.where((mod != 0) & ((y < 0) != (mod < 0)), div - 1, div)
        fl = np.floor(div)
        fl = np.where(div - fl > 0.5, fl + 1, fl)
        fl = np.where(div == 0, np.copysign(np.zeros_like(q), q), fl)
        return np.where(y == 0, q, fl).astype(x.dtype)


def division_operands(dtype):
    rng = np.random.default_rng(7)
    n = 40_000
    e = edge_values(dtype)
    x = np.concatenate([rng.normal(size=n) * 10.0 ** rng.uniform(-5, 30 if dtype == np.float32 else 300, n),
                        rng.integers(-100, 100, n).astype(dtype), np.repeat(e, len(e))]).astype(dtype)
    y = np.concatenate([rng.normal(size=n) * 10.0 ** rng.uniform(-20, 5, n), rng.integers(-7, 8, n).astype(dtype),
                        np.tile(e, len(e))]).astype(dtype)
    return x, y


def assert_bitwise(got, want):
    nan = np.isnan(want)
    np.testing.assert_array_equal(np.isnan(got), nan)
    u = f"u{got.itemsize}"
    bad = np.nonzero(got[~nan].view(u) != want[~nan].view(u))[0]
    assert bad.size == 0, f"{bad.size} results differ, e.g. {got[~nan][bad[:3]]} vs {want[~nan][bad[:3]]}"


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
def test_fmod_remainder_floor_division_exact(dtype):
    x, y = division_operands(dtype)
    with np.errstate(all="ignore"):
        assert_bitwise(call("fmod", x, y), np.fmod(x, y))
        assert_bitwise(call("remainder", x, y), pytorch_remainder(x, y))
        assert_bitwise(call("floor_divide", x, y), pytorch_floor_div(x, y))
        assert_bitwise(tg.div(tgt(x), tgt(y), rounding_mode="floor").numpy(), pytorch_floor_div(x, y))
        assert_bitwise(tg.div(tgt(x), tgt(y), rounding_mode="trunc").numpy(), np.trunc(x / y))


@pytest.mark.parametrize("dtype", [np.int32, np.int64], ids=["int32", "int64"])
def test_integer_division_unchanged(dtype):
    x = np.arange(-50, 50, dtype=dtype)
    y = np.where(np.arange(100) % 7 - 3 == 0, 5, np.arange(100) % 7 - 3).astype(dtype)
    np.testing.assert_array_equal(call("fmod", x, y), np.fmod(x, y))
    np.testing.assert_array_equal(call("remainder", x, y), np.remainder(x, y))
    np.testing.assert_array_equal(call("floor_divide", x, y), np.floor_divide(x, y))
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        call("remainder", x, np.zeros_like(y))


def integer_division_operands(dtype):
    """Operands for the integer quotient through double (MathKernels.cpp's double_quotient):
    near-integer quotients (x = k y + d, d in -1..1) up to the 2^53 bound, values just inside and
    outside it, MIN / MAX / -1, and random values over the whole range (int64: mostly the idiv path)."""
    info = np.iinfo(dtype)
    rng = np.random.default_rng(21)
    bound = min(2 ** 53, int(info.max))
    xs, ys = [], []
    for _ in range(6000):
        y = int(rng.integers(1, bound)) * int(rng.choice([-1, 1])) >> int(rng.integers(0, 50))
        y = y or 1
        k = int(rng.integers(-1000, 1000)) if abs(y) > 2 ** 20 else int(rng.integers(-(2 ** 20), 2 ** 20))
        x = k * y + int(rng.integers(-1, 2))
        if info.min <= x <= info.max:
            xs.append(x)
            ys.append(y)
    edges = [info.min, info.min + 1, -1, 0, 1, info.max - 1, info.max]
    if dtype == np.int64:
        edges += [s * (2 ** 53 + d) for s in (-1, 1) for d in (-2, -1, 0, 1, 2)]
    nonzero = [e for e in edges if e != 0]
    xs += [e for e in edges for _ in nonzero] + [int(v) for v in rng.integers(info.min, info.max, 4000, endpoint=True)]
    ys += nonzero * len(edges) + [int(v) or 3 for v in rng.integers(info.min, info.max, 4000, endpoint=True)]
    return xs, ys


@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.int32, np.int64], ids=["int8", "int16", "int32", "int64"])
def test_integer_division_exact_through_double(dtype):
    xs, ys = integer_division_operands(dtype)
    bits = np.iinfo(dtype).bits
    wrap = lambda v: (v + 2 ** (bits - 1)) % 2 ** bits - 2 ** (bits - 1)  # MIN / -1 wraps to MIN
    trunc = [(abs(x) // abs(y)) * (1 if (x < 0) == (y < 0) else -1) for x, y in zip(xs, ys)]
    floor = [x // y for x, y in zip(xs, ys)]
    want = {"floor": [wrap(q) for q in floor], "trunc": [wrap(q) for q in trunc],
            "remainder": [x - q * y for x, y, q in zip(xs, ys, floor)], "fmod": [x - q * y for x, y, q in zip(xs, ys, trunc)]}
    x, y = tgt(np.array(xs, dtype)), tgt(np.array(ys, dtype))
    got = {"floor": tg.floor_divide(x, y), "trunc": tg.div(x, y, rounding_mode="trunc"),
           "remainder": tg.remainder(x, y), "fmod": tg.fmod(x, y)}
    np.testing.assert_array_equal(tg.div(x, y, rounding_mode="floor").numpy(), np.array(want["floor"], dtype))
    for name, g in got.items():
        w = np.array(want[name], dtype)
        bad = np.nonzero(g.numpy() != w)[0]
        assert bad.size == 0, f"{name}: {bad.size} differ, e.g. {xs[bad[0]]}, {ys[bad[0]]} -> {g.numpy()[bad[0]]}, want {w[bad[0]]}"


@pytest.mark.parametrize("dtype", [tg.float16, tg.bfloat16], ids=["float16", "bfloat16"])
def test_nan_to_num_half_types_on_bits(dtype):
    """float16 / bfloat16 nan_to_num works on the 16-bit patterns: NaN of either sign and +-inf
    become the replacements rounded to the dtype (by default +-its largest finite value), every
    other value is kept bit for bit, in the vector body and the tail alike."""
    x = np.array([0.0, -0.0, 1.0, -2.5, np.inf, -np.inf, np.nan, -np.nan, 6e-8, 65504, 3e38, -3e38], np.float32)
    t = tg.from_numpy(np.tile(x, 37)).to(dtype)  # 444 elements: whole vectors and a tail
    base = t.float().numpy()
    if dtype is tg.float16:  # NaN of both signs (the conversion to bfloat16 keeps none negative)
        assert np.signbit(base[np.isnan(base)]).any() and not np.signbit(base[np.isnan(base)]).all()
    big = 65504.0 if dtype is tg.float16 else 3.3895313892515355e38
    for kw, (n, p, m) in (({}, (0.0, big, -big)), (dict(nan=1.5, posinf=1e10, neginf=-7.0), (1.5, 1e10, -7.0))):
        got = tg.nan_to_num(t, **kw).float().numpy()
        want = np.where(np.isnan(base), n, np.where(base == np.inf, p, np.where(base == -np.inf, m, base)))
        # the replacements rounded to the dtype (1e10 is inf in float16), the rest exact
        assert_bitwise(got, tg.from_numpy(want.astype(np.float32)).to(dtype).float().numpy())


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
def test_nan_to_num_and_logit(dtype):
    x = edge_values(dtype)
    assert_bitwise(call("nan_to_num", x), np.nan_to_num(x))
    got = tg.nan_to_num(tgt(x), nan=1.5, posinf=2.0, neginf=-3.0).numpy()
    assert_bitwise(got, np.nan_to_num(x, nan=1.5, posinf=2.0, neginf=-3.0).astype(dtype))
    p = np.concatenate([np.random.default_rng(8).uniform(0, 1, 20_000), [0.0, 1.0, -0.5, 1.5, np.nan, 1e-30]]).astype(dtype)
    with np.errstate(all="ignore"):
        q = p / (dtype(1) - p)  # the quotient as the kernel rounds it, then log in higher precision
        want = reference(np.log, dtype, q)
    check_ulps("logit", tg.logit(tgt(p)).numpy(), want, dtype, 1.0, p)
    eps = 1e-6
    pc = np.clip(p, dtype(eps), dtype(1 - eps)).astype(dtype)
    pc = np.where(np.isnan(p), p, pc)
    with np.errstate(all="ignore"):
        want = reference(np.log, dtype, pc / (dtype(1) - pc))
    check_ulps("logit", tg.logit(tgt(p), eps).numpy(), want, dtype, 1.0, p)


DIVISION = ["fmod", "remainder", "floor_divide"]
NAMES = sorted(UNARY) + ["erfinv"] + sorted(BINARY) + ["fmod", "remainder", "floor_divide"]


def apply_all(x32, x64):
    out = {}
    for name in NAMES:
        for x in (x32, x64):
            args = (x, x[::-1].copy()) if name in BINARY or name in DIVISION else (x,)
            out[(name, x.dtype.name)] = call(name, *args)
    return out


@pytest.mark.parametrize("dtype", [tg.float32, tg.float64, tg.float16, tg.bfloat16],
                         ids=["float32", "float64", "float16", "bfloat16"])
def test_result_does_not_depend_on_position_or_layout(dtype):
    rng = np.random.default_rng(5)
    base = tg.from_numpy((rng.normal(size=1000) * 3).astype(np.float64)).to(dtype)
    other = tg.from_numpy((rng.normal(size=1000) * 3).astype(np.float64)).to(dtype)
    for name in NAMES:
        binary = name in BINARY or name in DIVISION
        f = (lambda a, b: getattr(tg, name)(a, b)) if binary else (lambda a, b: getattr(tg, name)(a))
        full = f(base, other).float().numpy()
        for n in range(1, 71):  # every tail length, at two alignments
            for start in (0, 3):
                piece = f(base[start:start + n].contiguous(), other[start:start + n].contiguous()).float().numpy()
                np.testing.assert_array_equal(piece, full[start:start + n], err_msg=f"{name} n={n}")
        np.testing.assert_array_equal(f(base[1::3], other[1::3]).float().numpy(), full[1::3], err_msg=name)
        grid, grid2 = base[:400].reshape(20, 20), other[:400].reshape(20, 20)
        np.testing.assert_array_equal(f(grid.t(), grid2.t()).float().numpy(), full[:400].reshape(20, 20).T, err_msg=name)
        one, one2 = base[5:6].reshape(()), other[5:6].reshape(())
        np.testing.assert_array_equal(f(one.expand(37), one2.expand(37)).float().numpy(), np.full(37, full[5]), err_msg=name)


@pytest.mark.parametrize("half", [tg.float16, tg.bfloat16], ids=["float16", "bfloat16"])
def test_half_types_compute_in_float_and_round_once(half):
    rng = np.random.default_rng(4)
    x32 = np.concatenate([rng.normal(size=999) * 4, [0.0, -0.0, np.inf, -np.inf, np.nan, 6e-8, 1e-5]]).astype(np.float32)
    xh = tg.from_numpy(x32).to(half)
    yh = tg.from_numpy(x32[::-1].copy()).to(half)
    for name in NAMES:
        args = (xh, yh) if name in BINARY or name in DIVISION else (xh,)
        got = getattr(tg, name)(*args)
        assert got.dtype == half
        want = getattr(tg, name)(*(a.float() for a in args)).to(half)
        g, w = got.float().numpy(), want.float().numpy()
        np.testing.assert_array_equal(np.isnan(g), np.isnan(w), err_msg=name)
        np.testing.assert_array_equal(g[~np.isnan(g)], w[~np.isnan(w)], err_msg=name)


_CAPABILITY_SCRIPT = """
import hashlib, sys
import numpy as np
sys.path.insert(0, {tests!r})
import test_vec_math_extra as t
x32, x64 = t.sweep(np.float32, n=3000), t.sweep(np.float64, n=3000)
for key, v in sorted(t.apply_all(x32, x64).items()):
    print(key[0], key[1], hashlib.sha256(v.tobytes()).hexdigest())
"""


def test_identical_on_every_capability():
    tests = os.path.dirname(os.path.abspath(__file__))
    outs = {}
    for cap in tg.backends.cpu.supported_capabilities():
        env = dict(os.environ, TENSORGEN_CPU_CAPABILITY=cap)
        r = subprocess.run([sys.executable, "-c", _CAPABILITY_SCRIPT.format(tests=tests)], env=env,
                           capture_output=True, text=True, timeout=600)
        assert r.returncode == 0, r.stderr[-3000:]
        outs[cap] = r.stdout.splitlines()
    assert len(outs["default"]) == 2 * len(NAMES)
    for cap, lines in outs.items():
        differ = [a.split()[:2] for a, b in zip(lines, outs["default"]) if a != b]
        assert not differ, f"{cap} differs from default for {differ}"


def test_identical_for_one_and_two_threads():
    rng = np.random.default_rng(6)
    x = (rng.normal(size=200_003) * 30).astype(np.float32)
    one, two = results_for_threads(lambda: apply_all(x, x.astype(np.float64)), (1, 2))
    for key in one:
        assert one[key].tobytes() == two[key].tobytes(), key


@pytest.mark.parametrize("name", ["log", "log2", "log10"])
def test_log_of_data_with_negative_zero_and_special_lanes(name):
    """float32 log / log2 / log10 take a vector with zero, negative, infinite or NaN lanes through
    the table kernel plus the special values (only a positive subnormal lane needs the generic
    kernel): each lane's value is its own -- NaN for x < 0, -inf for +-0, inf, NaN kept -- and the
    other lanes are within the usual bound, with or without a subnormal in the same vector."""
    rng = np.random.default_rng(3)
    x = rng.uniform(-4, 4, 4096).astype(np.float32)
    specials = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, -1e-40, 1e-40, 3e38], np.float32)
    x[::7] = specials[rng.integers(0, 6, x[::7].size)]  # no positive subnormal (1e-40) here
    x[2048::97] = np.float32(1e-40)  # the second half: some vectors with one
    got = call(name, x)
    with np.errstate(all="ignore"):
        want = getattr(np, name)(x.astype(np.float64))
    assert np.array_equal(np.isnan(got), np.isnan(want)), "NaN lanes"
    finite = ~np.isnan(want) & np.isfinite(want)
    assert np.array_equal(got[~finite & ~np.isnan(want)], want[~finite & ~np.isnan(want)].astype(np.float32))
    check_ulps(name, got[finite], want[finite], np.float32, 1.0, x[finite])
    assert ((x < 0) & np.isnan(got)).sum() > 1500 and (got == -np.inf).sum() > 100
