"""Small helpers shared by the autograd tests (test_autograd.py, test_autograd_functions.py)."""
import numpy as np

import tensorgen as tg


def leaf(values, dtype=tg.float32):
    return tg.tensor(values, dtype=dtype, requires_grad=True)


def npy(t):
    return t.detach().numpy()


def close(t, expected, rtol=1e-5, atol=1e-6):
    np.testing.assert_allclose(npy(t), np.asarray(expected, dtype=np.float64), rtol=rtol, atol=atol)
