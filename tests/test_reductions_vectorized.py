"""The vectorized, multi-threaded max/min/amax/amin/argmax/argmin/prod/all/any kernels
(aten/native/cpu/ReduceMinMaxKernel.cpp, prod in ReduceOpsKernel.cpp): every dtype and the three
layouts (one long row, contiguous rows, columns read in place) against NumPy; NaN, inf and -0.0
placed at the start, in the vector tail and in later thread chunks; ties; non-contiguous input;
and the same bits for 1 and 2 threads and under every CPU capability."""
import numpy as np
import pytest

import tensorgen as tg
from _capability_helpers import run_digest  # tests/ is on sys.path under pytest
from _threads import num_threads, results_for_threads

CHUNK = 1 << 16  # a long row is split into 64K-element chunks across threads
LONG = 3 * CHUNK + 37  # several chunks and a ragged vector tail
DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32", "float64"]
FLOATS = ["float16", "bfloat16", "float32", "float64"]


def make(a, dtype):
    """A tensorgen tensor of `dtype` holding the NumPy array a (bfloat16 through float32)."""
    if dtype == "bfloat16":
        return tg.from_numpy(np.ascontiguousarray(a, dtype=np.float32)).to(tg.bfloat16)
    return tg.from_numpy(np.ascontiguousarray(a.astype(dtype)))


def to_np(t):
    return t.float().numpy() if t.dtype == tg.bfloat16 else t.numpy()


def bits(t):
    """The result's exact bytes (bfloat16 as its 16-bit patterns)."""
    t = t.contiguous()
    if t.dtype == tg.bfloat16:
        return (t.float().numpy().view(np.uint32) >> 16).astype(np.uint16).tobytes()
    return t.numpy().tobytes()


def sample(shape, dtype, seed=0):
    """Values with many ties: small integers, floats rounded to one decimal."""
    rng = np.random.default_rng(seed)
    if dtype == "bool":
        return rng.random(shape) < 0.5
    if dtype == "uint8":
        return rng.integers(0, 8, shape)
    if dtype in FLOATS:
        return np.round(rng.standard_normal(shape), 1)
    return rng.integers(-6, 7, shape)


# (shape, dim): one long row (dim None), contiguous rows (last dim), columns (a leading dim read
# in place), a middle dim (columns in groups), and short rows.
LAYOUTS = [((LONG,), None), ((37, 1000), 1), ((1000, 37), 0), ((300, 300), 0), ((5, 40, 33), 1),
           ((2, 1100), 0), ((999, 3), 1)]


def _reference_ops(dtype):
    ops = ["max", "min", "amax", "amin", "max_dim", "min_dim", "all", "any", "prod"]
    if dtype != "bool":
        ops += ["argmax", "argmin"]
    return ops


def _call(op, t, dim):
    if op in ("max", "min"):
        return getattr(t, op)() if dim is None else getattr(t, op)(dim).values
    if op in ("max_dim", "min_dim"):
        return getattr(t, op[:3])(0 if dim is None else dim)
    return getattr(t, op)() if dim is None else getattr(t, op)(dim)


def _numpy(op, a, dim):
    axis = dim
    if op in ("max", "min", "amax", "amin"):
        return (np.max if op in ("max", "amax") else np.min)(a, axis=axis)
    if op in ("max_dim", "min_dim"):
        axis = 0 if dim is None else dim
        f, g = (np.max, np.argmax) if op == "max_dim" else (np.min, np.argmin)
        return f(a, axis=axis), g(a, axis=axis)
    return {"all": np.all, "any": np.any, "argmax": np.argmax, "argmin": np.argmin, "prod": np.prod}[op](a, axis=axis)


@pytest.mark.parametrize("shape,dim", LAYOUTS, ids=[f"{s}-{d}" for s, d in LAYOUTS])
@pytest.mark.parametrize("dtype", DTYPES)
def test_every_dtype_and_layout_matches_numpy(dtype, shape, dim):
    a = sample(shape, dtype, seed=len(shape))
    t = make(a, dtype)
    ref_in = to_np(t)  # float16 / bfloat16: the values as they are stored
    for op in _reference_ops(dtype):
        if op == "prod" and dtype in FLOATS:
            ref_in_p = 1 + ref_in.astype(np.float64) / 1000  # near 1: the product stays finite
            got = _call(op, make(ref_in_p, dtype), dim)
            want = np.prod(to_np(make(ref_in_p, dtype)).astype(np.float64), axis=dim)
            rtol = {"float16": 1e-2, "bfloat16": 1e-2, "float32": 1e-4, "float64": 1e-10}[dtype]
            np.testing.assert_allclose(to_np(got).astype(np.float64), want, rtol=rtol, err_msg=op)
            continue
        got = _call(op, t, dim)
        want = _numpy(op, ref_in, dim)
        if op in ("max_dim", "min_dim"):
            np.testing.assert_array_equal(to_np(got.values), want[0], err_msg=op)
            np.testing.assert_array_equal(got.indices.numpy(), want[1], err_msg=op)
            assert got.values.dtype == t.dtype and got.indices.dtype == tg.int64
        else:
            if op == "prod":
                assert got.dtype == (tg.int64 if dtype not in FLOATS else t.dtype)
                want = want.astype(np.int64)
            elif op in ("all", "any"):
                assert got.dtype == (tg.uint8 if dtype == "uint8" else tg.bool), (op, got.dtype)
            elif op in ("argmax", "argmin"):
                assert got.dtype == tg.int64
            else:
                assert got.dtype == t.dtype
            np.testing.assert_array_equal(to_np(got), want, err_msg=op)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("n", [1, 5, 64 + 3, 1000, LONG])
def test_nan_wins_wherever_it_is(dtype, n):
    """The first NaN is the result and its index, placed at the start, in the vector tail, in a
    later thread chunk; a second NaN later does not move the index."""
    base = sample((n,), dtype, seed=n)
    positions = sorted({0, n - 1, n // 2, max(n - 3, 0), min(2 * CHUNK + 5, n - 1)})
    for pos in positions:
        a = base.copy()
        a[pos] = np.nan
        if pos + 7 < n:
            a[pos + 7] = np.nan
        t = make(a, dtype)
        for op in ("max", "min", "amax", "amin"):
            assert np.isnan(to_np(_call(op, t, None))), (op, pos)
        assert t.argmax().item() == pos and t.argmin().item() == pos
        for name in ("max", "min"):
            r = getattr(t, name)(0)
            assert np.isnan(to_np(r.values)) and r.indices.item() == pos
        # the same column-wise: a NaN in row pos of column 1 only
        m = np.stack([base, a, base], axis=1)
        tm = make(m, dtype)
        am = tm.amax(0)
        assert np.isnan(to_np(am)[1]) and not np.isnan(to_np(am)[[0, 2]]).any()
        r = tm.max(0)
        assert r.indices.numpy()[1] == pos and np.isnan(to_np(r.values)[1])
        assert tm.argmin(0).numpy()[1] == pos


@pytest.mark.parametrize("dtype", FLOATS)
def test_infinities(dtype):
    a = sample((LONG,), dtype)
    a[CHUNK + 3] = np.inf
    a[2 * CHUNK + 9] = -np.inf
    t = make(a, dtype)
    assert to_np(t.max()) == np.inf and to_np(t.min()) == -np.inf
    assert t.argmax().item() == CHUNK + 3 and t.argmin().item() == 2 * CHUNK + 9
    all_inf = make(np.full(1000, -np.inf), dtype)
    assert to_np(all_inf.max()) == -np.inf and all_inf.argmax().item() == 0


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("n", [3, 70, 1000, LONG])
def test_signed_zeros(dtype, n):
    """max()/amax take +0 over -0 and min()/amin -0 over +0 wherever they are (the value does not
    depend on the element order); indices (and max(dim) values) go to the first zero."""
    for first, second in ((-0.0, 0.0), (0.0, -0.0)):
        a = np.full(n, -1.0)
        a[n // 3] = first
        a[n - 1] = second
        t = make(a, dtype)
        for v in (to_np(t.max()), to_np(t.amax()), to_np(tg.aminmax(t).max)):
            assert v == 0 and not np.signbit(v)
        assert t.argmax().item() == n // 3
        r = t.max(0)
        assert r.indices.item() == n // 3 and np.signbit(to_np(r.values)) == np.signbit(first)
        b = -a
        tb = make(b, dtype)
        for v in (to_np(tb.min()), to_np(tb.amin()), to_np(tg.aminmax(tb).min)):
            assert v == 0 and np.signbit(v)
        assert tb.argmin().item() == n // 3
        # columns: the same rules per column
        m = make(np.stack([a, a[::-1].copy()], axis=1), dtype)
        am = to_np(m.amax(0))
        assert (am == 0).all() and not np.signbit(am).any()
        assert m.argmax(0).numpy().tolist() == [n // 3, 0]
    # All zeros, one sign except for a block of the other sign from the middle on: the vector
    # loops' one-instruction combine keeps the first zero each lane meets; the result must not
    # show it.
    for lead, other in ((-0.0, 0.0), (0.0, -0.0)):
        z = np.full(n, lead)
        z[n // 2 : n // 2 + n // 8 + 1] = other
        tz = make(z, dtype)
        for v in (to_np(tz.max()), to_np(tz.amax()), to_np(tg.aminmax(tz).max)):
            assert v == 0 and not np.signbit(v)
        for v in (to_np(tz.min()), to_np(tz.amin()), to_np(tg.aminmax(tz).min)):
            assert v == 0 and np.signbit(v)


@pytest.mark.parametrize("dtype", ["int32", "int64", "float32", "float16", "int8"])
def test_ties_go_to_the_first_index_across_chunks(dtype):
    a = np.zeros(LONG)
    for pos in (2 * CHUNK + 1, CHUNK + 17, 40):
        a[pos] = 5
        t = make(a, dtype)
        assert t.argmax().item() == pos and t.max(0).indices.item() == pos
        assert make(-a, dtype).argmin().item() == pos
    cols = np.zeros((500, 70))
    cols[[400, 30, 300], [1, 1, 69]] = 3
    tc = make(cols, dtype)
    assert tc.argmax(0).numpy()[[1, 69]].tolist() == [30, 300]
    assert tc.argmax(0).numpy()[0] == 0  # all equal: the first row


@pytest.mark.parametrize("dtype", ["float32", "int64", "float16", "bool"])
def test_non_contiguous_inputs(dtype):
    a = sample((120, 90), dtype, seed=3)
    t = make(a, dtype)
    views = [(t.t(), a.T), (t[::2, 1::3], a[::2, 1::3]), (t[:, 5], a[:, 5])]
    for tv, av in views:
        ref = to_np(make(av, dtype))
        for dim in (None, 0, -1):
            if dim is not None and dim >= ref.ndim:
                continue
            for op in ("max", "amin", "all", "any") + (() if dtype == "bool" else ("argmax", "argmin")):
                np.testing.assert_array_equal(to_np(_call(op, tv, dim)), _numpy(op, ref, dim), err_msg=op)


def test_all_any_truth_of_floats():
    """NaN is true, -0.0 is false; a single decisive element anywhere in a long row decides."""
    for dtype in FLOATS:
        z = np.zeros(LONG)
        z[::2] = -0.0
        assert not make(z, dtype).any().item() and not make(z, dtype).all().item()
        for pos in (0, CHUNK + 1, LONG - 1):
            a = z.copy()
            a[pos] = np.nan
            assert make(a, dtype).any().item()
            o = np.ones(LONG)
            o[pos] = -0.0
            assert not make(o, dtype).all().item()
            assert make(np.ones(LONG), dtype).all().item()
    assert tg.empty([0]).all().item() and not tg.empty([0]).any().item()
    assert tg.empty([0, 3]).all(0).tolist() == [True] * 3


def test_prod_integers_wrap_and_are_order_free():
    a = np.full(LONG, 3, dtype=np.int64)
    np.testing.assert_array_equal(make(a, "int64").prod().numpy(), np.prod(a))  # wraps like NumPy
    s = np.full((40, 300), -3, dtype=np.int16)
    np.testing.assert_array_equal(make(s, "int16").prod(0).numpy(), np.prod(s.astype(np.int64), axis=0))
    b = np.full((40, 300), 255, dtype=np.uint8)
    np.testing.assert_array_equal(make(b, "uint8").prod(0).numpy(), np.prod(b.astype(np.int64), axis=0))


def test_empty_slices_are_errors():
    with pytest.raises(RuntimeError, match="numel"):
        tg.empty([0]).max()
    with pytest.raises(IndexError):
        tg.empty([3, 0]).max(1)
    with pytest.raises(IndexError):
        tg.empty([3, 0]).amax(1)
    with pytest.raises(IndexError):
        tg.empty([0, 4]).argmin(0)
    assert tuple(tg.empty([0, 4]).max(1).values.shape) == (0,)  # nothing to reduce into: no error
    assert tuple(tg.empty([0, 4]).prod(1).shape) == (0,)


# -------------------------------------------------------------------------- bitwise identity

IDENTITY_SCRIPT = r"""
import hashlib, sys
import numpy as np
import tensorgen as tg
rng = np.random.default_rng(7)
h = hashlib.sha256()
def add(t):
    t = t.contiguous()
    h.update((t.float().numpy() if t.dtype == tg.bfloat16 else t.numpy()).tobytes())
n = 3 * 65536 + 37
for dt in ("float32", "float64", "float16", "bfloat16", "int64", "int32"):
    a = rng.standard_normal(n) * 3
    a[::1001] = 0.0
    a[5::1003] = -0.0
    if dt.startswith("int"):
        a = np.round(a)
    t = tg.from_numpy(a.astype(np.float32)).to(getattr(tg, dt))
    m = t[: 600 * 300].view([600, 300])
    for x, dims in ((t, (None,)), (m, (0, 1))):
        for d in dims:
            for op in ("amax", "amin", "argmax", "argmin", "all", "any"):
                add(getattr(x, op)() if d is None else getattr(x, op)(d))
            if d is not None:
                r = x.max(d); add(r.values); add(r.indices)
                r = x.min(d); add(r.values); add(r.indices)
    small = t.float() / 50 + 1 if not dt.startswith("int") else t
    if dt in ("float16", "bfloat16"):
        small = small.to(getattr(tg, dt))
    add(small.prod())
    if not dt.startswith("int"):  # var / std of long rows: blocks' moments (the paired passes)
        for x in (t, t[: 3 * 65536], t[4096:]):
            add(x.var()); add(x.std(correction=0))
            add(tg.linalg.vector_norm(x))  # x * x + acc fused: vector steps, 16-lane steps, scalar tail
        add(tg.linalg.vector_norm(m, dim=1)); add(tg.linalg.vector_norm(m, dim=0))
    add(small[: 600 * 300].view([600, 300]).prod(0))
    add(small[: 600 * 300].view([600, 300]).prod(1))
print(h.hexdigest())
"""


def _identity_digest(threads, capability=None):
    return run_digest(IDENTITY_SCRIPT, threads, capability)


def test_same_bits_for_one_and_two_threads():
    assert _identity_digest(1) == _identity_digest(2)


def test_same_bits_in_process_for_any_thread_count():
    a = np.random.default_rng(5).standard_normal(LONG).astype(np.float32)
    p = tg.from_numpy(a / 100 + 1)
    a[CHUNK * 2 + 1] = np.nan
    t = tg.from_numpy(a)
    results = results_for_threads(lambda: [bits(t.max()), bits(t.argmin()), bits(p.prod()),
                                           bits(p[: 37 * 5000].view([5000, 37]).prod(0)),
                                           bits(t[: 37 * 5000].view([5000, 37]).amax(0)), bits(t.all())])
    assert results[0] == results[1] == results[2]


@pytest.mark.parametrize("dtype", ["float32", "float64", "bfloat16"])
def test_var_std_of_a_long_row_merge_chunk_moments(dtype):
    """A row longer than two chunks: each 4K block's mean and squared deviations (two passes over
    it in L1), merged pairwise (Chan et al.) within its chunk and the chunks across the row, so the
    row is read from memory once. As accurate as
    two passes over the whole row, a large mean included (1e4 against a spread of 3, where the
    one-pass sum of squares loses every digit in float32), and the same bits for any thread count."""
    rng = np.random.default_rng(11)
    a = rng.standard_normal(LONG) * 3 + 1e4
    x = make(a, dtype)
    ref = np.asarray(to_np(x), dtype=np.float64)  # the values as stored (bfloat16 rounds them)
    tol = {"float32": 1e-5, "float64": 1e-12, "bfloat16": 1e-2}[dtype]

    def checked_moments():
        v, s, v0 = x.var(), x.std(), x.var(correction=0)
        np.testing.assert_allclose(float(v), ref.var(ddof=1), rtol=tol)
        np.testing.assert_allclose(float(s), ref.std(ddof=1), rtol=tol)
        np.testing.assert_allclose(float(v0), ref.var(), rtol=tol)
        return [bits(v), bits(s), bits(v0)]

    results = results_for_threads(checked_moments)
    assert results[0] == results[1] == results[2]


@pytest.mark.parametrize("capability", [c for c in tg.backends.cpu.supported_capabilities()
                                        if c != tg.backends.cpu.best_capability()])
def test_same_bits_under_every_capability(capability):
    assert _identity_digest(2, capability) == _identity_digest(2, tg.backends.cpu.best_capability())


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "int64", "bool"])
def test_count_nonzero_layouts_and_signed_zeros(dtype):
    """count_nonzero reads float16 / bfloat16 by their bits: -0 counts as zero, NaN and subnormals
    as nonzero; whole tensors long enough to split across threads, rows, and columns (dim=0,
    read in place) all agree with NumPy."""
    rng = np.random.default_rng(5)
    a = rng.choice([0.0, -0.0, 1.5, -2.0, np.nan, 1e-7], size=(300, 1001)) if dtype not in ("int64", "bool") \
        else rng.integers(-1, 2, size=(300, 1001))
    x = tg.from_numpy(np.ascontiguousarray(a)).to(getattr(tg, dtype))
    ref = (x.float().numpy() != 0) if dtype != "bool" else a != 0
    assert tg.count_nonzero(x).item() == int(ref.sum())
    np.testing.assert_array_equal(tg.count_nonzero(x, 0).numpy(), ref.sum(0))
    np.testing.assert_array_equal(tg.count_nonzero(x, 1).numpy(), ref.sum(1))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("op", ["sum", "nansum", "prod"])
def test_a_long_row_is_its_chunks_cascades_bit_for_bit(op, dtype):
    """A whole chunk of a long row is read as its two halves in one loop (two memory streams,
    ReduceCascade.h's cascade_reduce_halves); the result must stay the chunks' own cascades combined
    by a cascade, bit for bit: each chunk reduced alone (a row of at most two chunks takes the
    single-stream tree), their partials reduced again. NaN in one half of a chunk and in the other
    half of another (nansum's second look), and a ragged last chunk."""
    rng = np.random.default_rng(7)
    n = 5 * CHUNK + 123
    a = rng.uniform(0.999, 1.001, n) if op == "prod" else rng.standard_normal(n)
    if op == "nansum":
        a[CHUNK + 5] = np.nan  # chunk 1, first half
        a[3 * CHUNK + CHUNK // 2 + 9] = np.nan  # chunk 3, second half
    x = tg.from_numpy(a.astype(dtype))
    reduce = {"sum": lambda t: t.sum(), "nansum": lambda t: t.nansum(), "prod": lambda t: t.prod()}[op]
    combine = (lambda t: t.prod()) if op == "prod" else (lambda t: t.sum())
    chunks = tg.stack([reduce(x[c:c + CHUNK]) for c in range(0, n, CHUNK)])
    for threads in (1, 2):
        with num_threads(threads):
            assert bits(reduce(x)) == bits(combine(chunks)), (op, dtype, threads)


def _column_cascade_model(a, op, nan_to_zero=False):
    """ReduceCascade.h's column_cascade in NumPy: blocks of 32 rows, each column combined row by
    row from the identity in the input's dtype, block results merged like a binary counter (two
    results of 2^k blocks make one of 2^(k+1)), then the pending levels from the lowest up."""
    f = np.multiply if op == "prod" else np.add
    identity = a.dtype.type(1 if op == "prod" else 0)
    if nan_to_zero:
        a = np.where(np.isnan(a), a.dtype.type(0), a)
    pending = []
    for r0 in range(0, a.shape[0], 32):
        block = np.full(a.shape[1], identity)
        for row in a[r0:r0 + 32]:
            block = f(block, row)
        level = 0
        while level < len(pending) and pending[level] is not None:
            block, pending[level] = f(block, pending[level]), None
            level += 1
        if level == len(pending):
            pending.append(None)
        pending[level] = block
    out = np.full(a.shape[1], identity)
    for p in pending:
        if p is not None:
            out = f(out, p)
    return out


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("op", ["sum", "nansum", "prod", "mean"])
@pytest.mark.parametrize("shape", [(1000, 300), (70, 37), (33, 129)])
def test_columns_are_pairwise_blocks_of_32_rows_bit_for_bit(shape, op, dtype):
    """sum / nansum / prod / mean over dim 0 read the columns in place (blocks of 256-1024 columns
    per task, each block's rows run a few vectors of columns at a time in registers, the last
    columns row by row): each column must be its rows in order within blocks of 32, the blocks
    merged pairwise, whatever the vector width, the column block or the register run."""
    rng = np.random.default_rng(11)
    a = (rng.uniform(0.99, 1.01, shape) if op == "prod" else rng.standard_normal(shape)).astype(dtype)
    if op == "nansum":
        a[rng.random(shape) < 0.02] = np.nan
    x = tg.from_numpy(a)
    got = {"sum": lambda: x.sum(0), "nansum": lambda: x.nansum(0), "prod": lambda: x.prod(0),
           "mean": lambda: x.mean(0)}[op]()
    want = _column_cascade_model(a, "prod" if op == "prod" else "sum", nan_to_zero=op == "nansum")
    if op == "mean":
        want = want / a.dtype.type(shape[0])
    assert got.numpy().tobytes() == want.astype(dtype).tobytes()


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16"])
def test_vector_norm_of_columns(dtype):
    """linalg.vector_norm over dim 0 reads the columns in place for ord 1 and 2 (the column
    cascade, |x| or x * x + acc fused): ord 1 is abs().sum(0) bit for bit; ord 2 matches NumPy's
    float64 norm; a NaN or inf in a column propagates; other orders (rows of a copy) agree too."""
    rng = np.random.default_rng(3)
    a = rng.standard_normal((300, 300)).astype(np.float32)
    a[5, 7] = np.nan
    a[200, 290] = np.inf
    x = make(a, dtype)
    ref = to_np(x).astype(np.float64)
    assert bits(tg.linalg.vector_norm(x, 1, dim=0)) == bits(x.abs().sum(0))
    tol = {"float32": 1e-5, "float64": 1e-12, "float16": 2e-3, "bfloat16": 1e-2}[dtype]
    for ord in (1, 2, 3, float("inf")):
        got = to_np(tg.linalg.vector_norm(x, ord, dim=0)).astype(np.float64)
        np.testing.assert_allclose(got, np.linalg.norm(ref, ord, axis=0), rtol=tol, equal_nan=True)
    assert np.isnan(to_np(tg.linalg.vector_norm(x, 2, dim=0))[7])
    assert np.isinf(to_np(tg.linalg.vector_norm(x, 2, dim=0))[290])


# A range's vector loop reads its two halves as two streams (ReduceMinMaxKernel.cpp, two_streams):
# lengths around the vector and block sizes of every capability, and a whole-chunk row.
STREAM_LENGTHS = [15, 16, 17, 63, 64, 65, 100, 257, 1000, 1025, 2049, 4097, 2 * CHUNK - 3, LONG]


def _stream_positions(n):
    """Every position of a short range; for a long one the start, both sides of its middle (where
    the second stream starts for any step size), the end and a spread between."""
    if n <= 300:
        return range(n)
    mid = n // 2
    near = {p for c in (0, mid, n - 1, 2 * (n // 2048) * 1024, 2 * (n // 64) * 32) for p in range(c - 40, c + 41)}
    return sorted({p for p in near | set(range(0, n, max(1, n // 97))) if 0 <= p < n})


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "int32", "int64"])
@pytest.mark.parametrize("n", STREAM_LENGTHS)
def test_an_extreme_in_either_stream_or_the_tail_is_found(dtype, n):
    """A unique max, min, NaN, zero (all) or nonzero (any) at each position class: both halves a
    range's loop reads as two streams, and the elements after them."""
    rng = np.random.default_rng(n)
    base = rng.integers(-3, 4, n).astype(dtype)
    for pos in _stream_positions(n):
        hi = base.copy()
        hi[pos] = 9
        t = make(hi, dtype)
        assert t.max().item() == 9 and t.amax().item() == 9 and t.argmax().item() == pos, (pos, n)
        assert t.aminmax().max.item() == 9, (pos, n)
        lo = base.copy()
        lo[pos] = -9
        t = make(lo, dtype)
        assert t.min().item() == -9 and t.amin().item() == -9 and t.argmin().item() == pos, (pos, n)
        assert t.aminmax().min.item() == -9, (pos, n)
        if dtype.startswith("float"):
            nan = base.copy()
            nan[pos] = np.nan
            t = make(nan, dtype)
            assert np.isnan(t.max().item()) and np.isnan(t.aminmax().min.item()) and t.argmin().item() == pos
        ones, zeros = np.ones(n, dtype), np.zeros(n, dtype)
        ones[pos], zeros[pos] = 0, 1
        assert not make(ones, dtype).all().item() and make(zeros, dtype).any().item(), (pos, n)
