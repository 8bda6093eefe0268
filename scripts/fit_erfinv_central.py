"""Refits erfinv_central's polynomial (aten/vec/vec_math_erfinv.h): prints its float coefficients.

    pip install mpmath && python scripts/fit_erfinv_central.py [limit=4] [degree of r=8]

p(w) = erfinv(a) / a with w = -log(1 - a^2), written c0 + w (q0 + w r(w)) where c0 = sqrt(pi) / 2
and q0 = c0 pi / 12 are p(0) and p'(0) (kept as float hi + lo pairs) and r is fitted: weighted
least squares on Chebyshev nodes of [0, limit], reweighted by Lawson's iteration towards the
minimax relative error, references from mpmath at 40 digits. Prints the error of p with r's
coefficients rounded to float, measured on a fresh grid.
"""
import sys

import mpmath as mp
import numpy as np

mp.mp.dps = 40


def p_exact(w):
    a = mp.sqrt(-mp.expm1(-mp.mpf(w)))
    return mp.erfinv(a) / a


def hi_lo(x):
    hi = np.float32(float(x))
    return hi, np.float32(float(x - mp.mpf(float(hi))))


def main(limit=4.0, degree=8, nodes=1200, iterations=40):
    c0 = mp.sqrt(mp.pi) / 2
    q0 = c0 * mp.pi / 12
    k = np.arange(nodes)
    w = limit / 2 + limit / 2 * np.cos(np.pi * (k + 0.5) / nodes)
    exact = [p_exact(x) for x in w]
    p = np.array([float(e) for e in exact])
    target = np.array([float((e - c0 - q0 * mp.mpf(x)) / mp.mpf(x) ** 2) for e, x in zip(exact, w)])
    weight = w ** 2 / p  # an error in r scaled to a relative error of p
    vander = np.vander(w, degree + 1, increasing=True)
    lawson = np.ones(nodes)
    for _ in range(iterations):
        scale = weight * lawson
        r, *_ = np.linalg.lstsq(vander * scale[:, None], target * scale, rcond=None)
        lawson *= np.abs((vander @ r - target) * weight)
        lawson /= lawson.sum()
    r32 = r.astype(np.float32)
    grid = np.linspace(1e-6, limit, 3001)
    p_grid = np.array([float(p_exact(x)) for x in grid])
    fitted = float(c0) + grid * (float(q0) + grid * (np.vander(grid, degree + 1, increasing=True) @ r32.astype(np.float64)))
    print(f"max relative error of p on [0, {limit}]: {np.max(np.abs(fitted / p_grid - 1)):.2e}")
    print("kC0, kC0Lo =", *hi_lo(c0))
    print("kQ0, kQ0Lo =", *hi_lo(q0))
    print("kR (highest degree first) =", ", ".join(f"{float(c)!r}f" for c in r32[::-1]))


if __name__ == "__main__":
    main(*(float(a) if i == 0 else int(a) for i, a in enumerate(sys.argv[1:])))
