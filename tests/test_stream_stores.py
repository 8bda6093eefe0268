"""Issue 14: outputs written around the caches (aten/native/cpu/StreamStores.h). An output of at
least tg._C._set_stream_store_min_bytes' bytes (with at least as many input bytes) is computed a block at a time into an L1 buffer and
streamed out with non-temporal stores; the bytes must be the ones the in-place loops write.

Each case runs twice in one process: streaming off (a bound past any size) and on for every
output (bound 0), on outputs that start at every element offset within a cache line (the part
before the first line boundary is written in place), span several buffer blocks (4 KB) and
end in a partial vector, split across two threads; rows under 4 KB are written in place unless
the output's rows follow one another (then whole rows are packed into the buffer: kron, a
broadcast over short rows, rows of 3 floats or 37 bools that end off a line boundary). Covered (ops cheap enough to stream: not the
transcendental ones, Loops.h's streams_output): cpu_kernel_vec (unary, binary with a
broadcast operand, ternary, bool outputs, float16 / bfloat16 / int64 / uint8 outputs, the
gathered path of a non-contiguous input), cpu_kernel's scalar loops (bool add, integer pow,
heaviside), the copy kernel's conversions and its same-dtype copy, out= views, an output in
a foreign buffer not aligned to its element size (left to the in-place loop), and pad's rows
through StreamWriter (every mode; rows of an odd byte count, threads' parts starting mid-line).
"""
from __future__ import annotations

import numpy as np
import pytest

import tensorgen as tg
from tensorgen.testing._utils import to_numpy

N = 3 * 4096 + 77  # twelve 4 KB blocks of float32 and a partial vector
OFFSETS = (0, 1, 3, 8, 15)  # output starts: 0 and 15 elements past a line boundary, and between


@pytest.fixture
def streaming():
    """A function that runs f() with streaming off, then on for every output, and returns both."""
    def both(f):
        old = tg._C._set_stream_store_min_bytes(1 << 62)
        try:
            off = f()
            tg._C._set_stream_store_min_bytes(0)
            on = f()
        finally:
            tg._C._set_stream_store_min_bytes(old)
        return off, on
    return both


def bits(t):
    a = to_numpy(t)
    return a.view(np.uint8) if a.dtype != np.bool_ else a.astype(np.uint8)


def operand(dtype, seed, offset=0, n=N):
    rng = np.random.default_rng(seed)
    vals = rng.standard_normal(n + offset).astype(np.float32) * 4
    vals[::97] = np.nan
    vals[5::101] = -0.0
    base = tg.from_numpy(vals)
    if dtype in (tg.int64, tg.int32, tg.uint8, tg.int8):
        base = tg.from_numpy(rng.integers(0, 7 if dtype is tg.uint8 else 50, n + offset).astype(np.int64)).to(dtype)
    elif dtype is tg.bool:
        base = tg.from_numpy(rng.random(n + offset) < 0.5)
    else:
        base = base.to(dtype)
    return base[offset:]


CASES = {
    "abs float32": lambda o: operand(tg.float32, 1, o).abs(),
    "mul by 2 float32": lambda o: operand(tg.float32, 1, o) * 2,
    "add broadcast float32": lambda o: (operand(tg.float32, 1, o, 1100 * 12).reshape(12, 1100)
                                        + operand(tg.float32, 2, 0, 1100)),
    "add broadcast, short rows (packed)": lambda o: (operand(tg.float32, 1, o, 64 * 300).reshape(300, 64)
                                                     + operand(tg.float32, 2, 0, 64)),
    "add broadcast, short rows of a transposed input (in place)": lambda o: (
        operand(tg.float32, 1, o, 64 * 300).reshape(64, 300).T + operand(tg.float32, 2, 0, 64)),
    "kron float32, 128-byte rows (packed)": lambda o: tg.kron(operand(tg.float32, 1, o, 40 * 40).reshape(40, 40),
                                                               operand(tg.float32, 2, 0, 32 * 32).reshape(32, 32)),
    "kron float32, 3-element rows (packed)": lambda o: tg.kron(operand(tg.float32, 1, o, 8 * 400).reshape(8, 400),
                                                                operand(tg.float32, 2, 0, 4 * 3).reshape(4, 3)),
    "gt broadcast, 37-byte bool rows (packed)": lambda o: (operand(tg.float32, 1, o, 300 * 37).reshape(300, 37)
                                                           > operand(tg.float32, 2, 0, 37)),
    "addcmul float32": lambda o: tg.addcmul(operand(tg.float32, 1, o), operand(tg.float32, 2), operand(tg.float32, 3),
                                            value=0.5),
    "where float32": lambda o: tg.where(operand(tg.bool, 4, o), operand(tg.float32, 1), operand(tg.float32, 2)),
    "gt -> bool": lambda o: operand(tg.float32, 1, o) > operand(tg.float32, 2),
    "mul float16": lambda o: operand(tg.float16, 1, o) * operand(tg.float16, 2),
    "add bfloat16": lambda o: operand(tg.bfloat16, 1, o) + operand(tg.bfloat16, 2),
    "mul int64": lambda o: operand(tg.int64, 1, o) * operand(tg.int64, 2),
    "add uint8": lambda o: operand(tg.uint8, 1, o) + operand(tg.uint8, 2),
    "neg of a strided input": lambda o: -operand(tg.float32, 1, o, 2 * N)[::2],
    "add bool (cpu_kernel)": lambda o: operand(tg.bool, 1, o) + operand(tg.bool, 2),
    "pow int64 (cpu_kernel)": lambda o: operand(tg.int64, 1, o) ** operand(tg.int64, 2).remainder(4),
    "heaviside (cpu_kernel)": lambda o: tg.heaviside(operand(tg.float32, 1, o), operand(tg.float32, 2)),
    "float32 -> float16": lambda o: operand(tg.float32, 1, o).half(),
    "float16 -> float32": lambda o: operand(tg.float16, 1, o).float(),
    "float32 -> int64": lambda o: operand(tg.float32, 1, o).nan_to_num(0.0).to(tg.int64),
    "int64 -> float64": lambda o: operand(tg.int64, 1, o).double(),
    "float32 clone": lambda o: operand(tg.float32, 1, o).clone(),
    "uint8 contiguous copy": lambda o: operand(tg.uint8, 1, o).contiguous().clone(),
}


@pytest.mark.parametrize("offset", OFFSETS)
@pytest.mark.parametrize("case", sorted(CASES))
def test_streamed_output_is_bitwise_the_in_place_one(streaming, case, offset):
    off, on = streaming(lambda: CASES[case](offset))
    assert off.shape == on.shape and off.dtype == on.dtype
    np.testing.assert_array_equal(bits(on), bits(off))


@pytest.mark.parametrize("offset", OFFSETS)
def test_streamed_out_view(streaming, offset):
    """out= a view that starts offset elements into its storage: the bytes around it are kept."""
    def run():
        buf = tg.full((N + 40,), 7.0)
        tg.mul(operand(tg.float32, 1), operand(tg.float32, 2), out=buf[offset:offset + N])
        return buf
    off, on = streaming(run)
    np.testing.assert_array_equal(bits(on), bits(off))
    assert (to_numpy(on)[:offset] == 7.0).all() and (to_numpy(on)[offset + N:] == 7.0).all()


def test_unaligned_foreign_output_is_written_in_place(streaming):
    """A float32 out= over NumPy memory 2 bytes past an element boundary cannot be streamed (no
    whole element reaches a line boundary): the in-place loop writes it, same bytes."""
    def run():
        raw = np.zeros(4 * N + 2, dtype=np.uint8)
        dst = raw[2:].view(np.float32)
        try:
            out = tg.from_numpy(dst)
        except (RuntimeError, ValueError) as e:
            pytest.skip(f"from_numpy takes no unaligned array here: {e}")
        tg.add(operand(tg.float32, 1), operand(tg.float32, 2), out=out)
        return raw.copy()
    off, on = streaming(run)
    np.testing.assert_array_equal(on, off)
    expect = to_numpy(operand(tg.float32, 1) + operand(tg.float32, 2)).view(np.uint8)
    np.testing.assert_array_equal(on[2:], expect)


def test_default_streams_outputs_from_the_cache_size():
    llc = tg._C._last_level_cache_bytes()
    assert llc > 0
    old = tg._C._set_stream_store_min_bytes(-1)  # the default
    try:
        assert tg._C._set_stream_store_min_bytes(-1) == llc
        streams = tg._C._streams_output_bytes
        assert streams(llc) and streams(2 * llc)  # 4M int64 -x or float32 -> float64 on a 32 MiB cache
        assert not streams(llc - 1)  # an output that fits the cache stays there for the next op
        tg._C._set_stream_store_min_bytes(1 << 62)  # off
        assert not streams((1 << 62) - 1)
        tg._C._set_stream_store_min_bytes(0)  # every output
        assert streams(0) and streams(64)
    finally:
        tg._C._set_stream_store_min_bytes(old)


def test_streamed_values_match_numpy(streaming):
    """Streaming on, a large output against NumPy (what the bitwise tests compare is right)."""
    a = np.random.default_rng(0).standard_normal(1 << 20).astype(np.float32)
    _, on = streaming(lambda: tg.from_numpy(a) * 3 + 1)
    np.testing.assert_array_equal(to_numpy(on), a * np.float32(3) + np.float32(1))


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("dtype", [np.float32, np.float16, np.int64, np.uint8])
def test_pad_streams_its_rows_bitwise(streaming, mode, dtype):
    """pad's rows built in StreamWriter's buffer and streamed: the bytes of the plain path and of
    numpy.pad; [4, 7, 90, 61] -> rows of 63 elements (never a whole number of lines), ~2,600 rows
    in several parts, so the second thread's part starts inside a line."""
    a = (np.random.default_rng(3).standard_normal((4, 7, 90, 61)) * 50).astype(dtype)
    kw = {"value": 3} if mode == "constant" else {}
    off, on = streaming(lambda: tg.nn.functional.pad(tg.from_numpy(a), (1, 1, 2, 0), mode=mode, **kw))
    np.testing.assert_array_equal(bits(on), bits(off))
    kw = {"constant_values": 3} if mode == "constant" else {}
    np_mode = {"circular": "wrap", "replicate": "edge"}.get(mode, mode)
    np.testing.assert_array_equal(to_numpy(on), np.pad(a, ((0, 0), (0, 0), (2, 0), (1, 1)), mode=np_mode, **kw))
