"""Accuracy of the vectorized float kernels (aten/vec/vec_math.h) in ulps, special values, and
the properties the Vectorized loops promise: float16/bfloat16 computed in float and rounded, and
a result that does not depend on the element's position, the layout or the thread count.

Float32 results are measured against NumPy in float64, float64 results against np.longdouble
(80-bit on x86). The bounds are the ones documented in vec_math.h; the suite runs under whichever
CPU capability is active (TENSORGEN_CPU_CAPABILITY=default|avx2|avx512)."""
import numpy as np
import pytest

import tensorgen as tg
from _threads import results_for_threads  # tests/ is on sys.path under pytest

# Documented max error in ulps (vec_math.h).
BOUNDS = {"exp": 1.0, "log": 1.5, "sin": 3.0, "cos": 3.0, "tanh": 3.0, "sigmoid": 3.0}
DTYPES = [np.float32, np.float64]


def ulp_error(y, ref, dtype):
    """|y - ref| in units of the last place of `dtype` at ref (ref in higher precision). 0 where
    y equals ref rounded to dtype (including matching infinities and NaNs), inf where one of them
    is non-finite and they differ."""
    dtype = np.dtype(dtype)
    hi = np.float64 if dtype == np.float32 else np.longdouble
    fi = np.finfo(dtype)
    y = np.asarray(y, dtype)
    ref = np.asarray(ref, hi)
    with np.errstate(all="ignore"):
        ref_rounded = ref.astype(dtype)
        _, e = np.frexp(ref)
        e = np.maximum(e.astype(np.int64) - 1, fi.minexp)  # subnormals share the min-normal ulp
        ulp = np.ldexp(np.ones_like(ref), (e - fi.nmant).astype(np.int32))
        err = np.abs(y.astype(hi) - ref) / ulp
    same = (y == ref_rounded) | (np.isnan(y) & np.isnan(ref))
    err = np.where(same, 0.0, err)
    mismatch = ~same & (~np.isfinite(y) | ~np.isfinite(ref_rounded))
    return np.where(mismatch, np.inf, err).astype(np.float64)


def reference(fn, x):
    h = np.float64 if x.dtype == np.float32 else np.longdouble
    xh = x.astype(h)
    with np.errstate(all="ignore"):
        if fn == "sigmoid":
            e = np.exp(-np.abs(xh))
            return np.where(xh >= 0, 1 / (1 + e), e / (1 + e))
        return getattr(np, fn)(xh)


def edge_values(dtype):
    fi = np.finfo(dtype)
    v = [0.0, 1.0, 2.0, 0.5, fi.tiny, fi.smallest_subnormal, fi.tiny / 3, fi.max, fi.eps, np.inf, np.nan,
         np.pi, np.pi / 2, np.pi / 4, 1e-3, 1e-8, 1e-20, 1e5, 1e10, 1e20, 1e30]
    v = np.array(v, dtype)
    with np.errstate(over="ignore"):
        return np.concatenate([v, -v, np.nextafter(v, dtype(np.inf)), np.nextafter(v, dtype(-np.inf))])


def sweep(fn, dtype, seed=0):
    rng = np.random.default_rng(seed)
    fi = np.finfo(dtype)
    n = 100_000
    logmag = rng.uniform(np.log(float(fi.smallest_subnormal)), np.log(float(fi.max)), n)
    parts = [np.exp(logmag) * rng.choice([-1.0, 1.0], n), rng.uniform(-10, 10, n), rng.uniform(-100, 100, n),
             rng.uniform(-1e3, 1e3, n), edge_values(dtype)]
    if fn == "exp":  # overflow / underflow / subnormal-result boundaries
        lo, hi = (-104.0, 89.0) if dtype == np.float32 else (-746.0, 710.0)
        parts += [rng.uniform(lo - 2, hi + 2, n), np.linspace(lo - 1, lo + 20, 2000), np.linspace(hi - 3, hi + 1, 2000)]
    if fn in ("sin", "cos"):  # arguments next to multiples of pi/2, below and above the fast range
        k = np.concatenate([np.arange(-3000, 3000), rng.integers(-10**7, 10**7, 20000)])
        base = (k * np.longdouble(np.pi) / 2).astype(dtype)
        parts += [base, np.nextafter(base, dtype(np.inf)), np.nextafter(base, dtype(-np.inf)),
                  rng.uniform(-1e7, 1e7, n)]
    if fn in ("tanh", "sigmoid"):
        parts += [rng.uniform(-30, 30, n), np.exp(rng.uniform(-40, 4, n))]
    x = np.concatenate(parts).astype(dtype)
    return np.abs(x) if fn == "log" else np.concatenate([x, np.abs(edge_values(dtype))])


def apply(fn, x):
    return getattr(tg.from_numpy(np.ascontiguousarray(x)), fn)().numpy()


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("fn", sorted(BOUNDS))
def test_max_ulp_error_within_documented_bound(fn, dtype):
    x = sweep(fn, dtype)
    err = ulp_error(apply(fn, x), reference(fn, x), dtype)
    worst = int(np.argmax(err))
    assert err[worst] <= BOUNDS[fn], f"{fn}({x[worst]!r}) is {err[worst]:.3g} ulp off"


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
def test_special_values_exact(dtype):
    inf, nan = np.inf, np.nan
    fi = np.finfo(dtype)
    cases = {
        "exp": [(0.0, 1.0), (-0.0, 1.0), (inf, inf), (-inf, 0.0), (nan, nan), (1e6, inf), (-1e6, 0.0),
                (float(np.log(fi.max)) * 1.0001, inf)],
        "log": [(1.0, 0.0), (0.0, -inf), (-0.0, -inf), (inf, inf), (-1.0, nan), (-inf, nan), (nan, nan),
                (2.0 ** (fi.minexp - fi.nmant), (fi.minexp - fi.nmant) * np.log(2.0))],
        "sin": [(0.0, 0.0), (-0.0, -0.0), (inf, nan), (-inf, nan), (nan, nan), (fi.smallest_subnormal,
                fi.smallest_subnormal), (-fi.tiny, -fi.tiny)],
        "cos": [(0.0, 1.0), (-0.0, 1.0), (inf, nan), (-inf, nan), (nan, nan)],
        "tanh": [(0.0, 0.0), (-0.0, -0.0), (inf, 1.0), (-inf, -1.0), (nan, nan), (30.0, 1.0), (-30.0, -1.0),
                 (fi.smallest_subnormal, fi.smallest_subnormal)],
        "sigmoid": [(0.0, 0.5), (-0.0, 0.5), (inf, 1.0), (-inf, 0.0), (nan, nan), (100.0, 1.0)],
    }
    for fn, pairs in cases.items():
        x = np.array([p[0] for p in pairs], dtype)
        want = np.array([p[1] for p in pairs], dtype)
        got = apply(fn, x)
        for xi, g, w in zip(x, got, want):
            assert (np.isnan(g) and np.isnan(w)) or (g == w and np.signbit(g) == np.signbit(w)), f"{fn}({xi!r}) = {g!r}, want {w!r}"


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
def test_subnormal_results_rounded_once(dtype):
    # exp near the bottom of the range produces subnormals: they must be correctly rounded
    # (<= 1 ulp of the smallest subnormal), not flushed to zero.
    lo = -103.0 if dtype == np.float32 else -744.0
    x = np.linspace(lo, lo + 16, 5001).astype(dtype)
    got = apply("exp", x)
    assert (got > 0).all()
    assert ulp_error(got, reference("exp", x), dtype).max() <= 1.0
    s = apply("sigmoid", x)  # sigmoid underflows gradually too
    assert ulp_error(s, reference("sigmoid", x), dtype).max() <= BOUNDS["sigmoid"]


EXACT = {
    "sqrt": np.sqrt, "rsqrt": lambda v: 1 / np.sqrt(v), "abs": np.abs, "neg": np.negative,
    "relu": lambda v: np.where(v < 0, v.dtype.type(0), v), "floor": np.floor, "ceil": np.ceil, "round": np.round,
}


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("fn", sorted(EXACT))
def test_exact_ops_match_numpy_bitwise(fn, dtype):
    rng = np.random.default_rng(3)
    x = np.concatenate([rng.normal(size=3001) * 1e3, np.arange(-6, 6) + 0.5, edge_values(dtype)]).astype(dtype)
    got = apply(fn, x)
    with np.errstate(all="ignore"):
        want = EXACT[fn](x).astype(dtype)
    nan = np.isnan(want)
    np.testing.assert_array_equal(np.isnan(got), nan)
    np.testing.assert_array_equal(got[~nan].view(f"u{x.itemsize}"), want[~nan].view(f"u{x.itemsize}"))


FNS = sorted(BOUNDS) + sorted(EXACT)


@pytest.mark.parametrize("half", [tg.float16, tg.bfloat16], ids=["float16", "bfloat16"])
@pytest.mark.parametrize("fn", FNS)
def test_half_types_compute_in_float_and_round_once(fn, half):
    rng = np.random.default_rng(4)
    x32 = np.concatenate([rng.normal(size=999) * 4, [0.0, -0.0, np.inf, -np.inf, np.nan, 6e-8, 1e-5]]).astype(np.float32)
    xh = tg.from_numpy(x32).to(half)  # the inputs, exactly representable in the half type
    as_float = xh.float()
    got = getattr(xh, fn)()
    assert got.dtype == half
    want = getattr(as_float, fn)().to(half)  # float result, rounded once
    g, w = got.float().numpy(), want.float().numpy()
    np.testing.assert_array_equal(np.isnan(g), np.isnan(w))
    np.testing.assert_array_equal(g[~np.isnan(g)], w[~np.isnan(w)])
    if half == tg.float16:  # and against NumPy's float16 rounding of the float32 result
        with np.errstate(over="ignore"):
            ref = getattr(as_float, fn)().numpy().astype(np.float16)
        np.testing.assert_array_equal(got.numpy()[~np.isnan(g)], ref[~np.isnan(g)])


@pytest.mark.parametrize("dtype", [tg.float32, tg.float64, tg.float16, tg.bfloat16],
                         ids=["float32", "float64", "float16", "bfloat16"])
@pytest.mark.parametrize("fn", ["exp", "sin", "cos", "tanh", "sigmoid", "log", "round"])
def test_result_does_not_depend_on_position_or_layout(fn, dtype):
    """Contiguous runs go through a kernel's two-vector step (sin / cos: vec_pair.h's interleaved
    pair, bfloat16 in its interleaved lane order), pieces through one vector and a tail, strided
    and broadcast inputs through gathered vectors: every element must come out the same."""
    rng = np.random.default_rng(5)
    big = tg.from_numpy((rng.normal(size=1000) * 5000 ** rng.uniform(0, 1, 1000)).astype(np.float64)).to(dtype).abs()
    full = getattr(big, fn)().float().numpy()
    for start in (0, 1, 3, 17, 983):  # a 17-element tensor (a vector + a tail) at every alignment
        piece = getattr(big[start:start + 17].contiguous(), fn)().float().numpy()
        np.testing.assert_array_equal(piece, full[start:start + 17])
    strided = getattr(big[1::3], fn)().float().numpy()  # gathered, not contiguous
    np.testing.assert_array_equal(strided, full[1::3])
    grid = big[:400].reshape(20, 20)
    np.testing.assert_array_equal(getattr(grid.t(), fn)().float().numpy(), full[:400].reshape(20, 20).T)
    one = big[5:6].reshape(())  # a broadcast input (stride 0)
    np.testing.assert_array_equal(getattr(one.expand(37), fn)().float().numpy(), np.full(37, full[5]))


@pytest.mark.parametrize("fn", ["sin", "exp", "tanh"])
def test_identical_for_one_and_two_threads(fn):
    rng = np.random.default_rng(6)
    x = tg.from_numpy((rng.normal(size=200_003) * 3000).astype(np.float32))  # some sin lanes hit libm
    one, two = results_for_threads(lambda: getattr(x, fn)().numpy(), (1, 2))
    np.testing.assert_array_equal(one.view(np.uint32), two.view(np.uint32))
