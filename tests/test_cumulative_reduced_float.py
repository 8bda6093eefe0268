"""float16 / bfloat16 cumsum / cumprod of contiguous lines (ScanKernel.cpp's
scan_reduced_float_line): blocks converted to float with vector loads, scanned in float one
element after another, converted back with vector stores. Bit for bit the sequential float scan
with each output rounded to nearest even, for lengths around the 8-lane conversions and the
64-element blocks, NaN and infinities included."""
import numpy as np
import pytest

import tensorgen as tg


def _bf16_round(a32):
    """float32 -> the float32 value of its bfloat16 rounding (nearest even; NaN -> quiet NaN)."""
    bits = a32.astype(np.float32).view(np.uint32).astype(np.uint64)
    r = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16) << 16
    out = r.astype(np.uint32).view(np.float32).copy()
    out[np.isnan(a32)] = np.nan
    return out


def _sequential(values32, op, rnd):
    acc = np.float32(0 if op == "cumsum" else 1)
    out = np.empty_like(values32)
    with np.errstate(over="ignore", invalid="ignore"):
        for k, v in enumerate(values32):
            acc = np.float32(acc + v) if op == "cumsum" else np.float32(acc * v)
            out[k] = acc
    return rnd(out)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("op", ["cumsum", "cumprod"])
@pytest.mark.parametrize("n", [1, 7, 8, 9, 63, 64, 65, 136, 1000])
def test_reduced_float_scan_is_the_sequential_float_scan(dtype, op, n):
    rng = np.random.default_rng(n)
    a = (rng.standard_normal(n) * (0.5 if op == "cumsum" else 0.02) + (0 if op == "cumsum" else 1)).astype(np.float32)
    if n > 60:
        a[[5, 40]] = [np.inf, -np.inf] if op == "cumsum" else [1e3, 1e-3]
        a[n - 3] = np.nan
    if dtype == "float16":
        stored = a.astype(np.float16).astype(np.float32)
        rnd = lambda v: v.astype(np.float16).astype(np.float32)  # noqa: E731
        x = tg.from_numpy(a.astype(np.float16))
    else:
        stored = _bf16_round(a)
        rnd = _bf16_round
        x = tg.from_numpy(a).to(tg.bfloat16)
    got = getattr(tg, op)(x, 0).float().numpy()
    want = _sequential(stored, op, rnd)
    np.testing.assert_array_equal(got, want)
