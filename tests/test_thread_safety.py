"""Ops and backward passes from 8 Python threads at once (issue 13, "Hardening"). test_threads.py
checks that kernel results do not depend on the OpenMP thread count; this file checks that
Python threads sharing the library do not disturb each other: results are the same bits as a
serial run, a shared leaf accumulates every thread's gradient, grad mode is per thread (as in
PyTorch), and Python backward code (custom Functions, hooks), where the interpreter switches
threads in the middle of a backward pass, gets the right answers.

The interpreter is made to switch threads every microsecond (sys.setswitchinterval) so that the
threads interleave inside ops, graph construction and the engine as often as they can.
"""
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import tensorgen as tg

THREADS = 8


@pytest.fixture(autouse=True)
def fast_switching():
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(before)


def run_threads(fn, n=THREADS):
    """fn(i) in n threads started together; returns the results, re-raises the first error."""
    barrier = threading.Barrier(n)

    def body(i):
        barrier.wait()
        return fn(i)
    with ThreadPoolExecutor(n) as pool:
        return [f.result() for f in [pool.submit(body, i) for i in range(n)]]


def _data(i, shape=(7, 5)):
    return np.random.default_rng(100 + i).standard_normal(shape)


# One step of a small model: matmul, broadcasting, unary math, a reduction, softmax, indexing.
def model_step(x_np, w, b):
    x = tg.tensor(x_np, requires_grad=True)
    h = (x @ w + b).tanh()
    p = h.softmax(dim=1)
    loss = (p[:, 1:] * x.exp()).sum() + (h * h).mean() - x.abs().amax()
    gx, gw = tg.autograd.grad(loss, [x, w])
    return loss.detach().numpy().copy(), gx.numpy().copy(), gw.numpy().copy()


def test_forward_and_backward_give_the_serial_bits_in_8_threads():
    w = tg.tensor(_data(99, (5, 6)), requires_grad=True)   # shared, read by every thread
    b = tg.tensor(_data(98, (6,)))                          # shared, no grad
    inputs = [_data(i) for i in range(THREADS)]
    expected = [model_step(x, w, b) for x in inputs]

    def work(i):
        results = [model_step(inputs[i], w, b) for _ in range(20)]
        return results

    for i, results in enumerate(run_threads(work)):
        for loss, gx, gw in results:
            np.testing.assert_array_equal(loss, expected[i][0])
            np.testing.assert_array_equal(gx, expected[i][1])
            np.testing.assert_array_equal(gw, expected[i][2])
    assert w.grad is None  # autograd.grad does not accumulate


def test_a_shared_leaf_accumulates_the_gradients_of_every_thread():
    w = tg.zeros(4, 3, dtype=tg.float64, requires_grad=True)
    steps = 25

    def work(i):
        for _ in range(steps):
            ((w * (i + 1)).sum() + (w * w).sum() * 0).backward()  # d/dw = i + 1 exactly
            private = tg.ones(3, requires_grad=True)
            (private * (i + 2)).sum().backward()
            assert private.grad.tolist() == [i + 2.0] * 3
    run_threads(work)
    expected = steps * sum(i + 1 for i in range(THREADS))
    np.testing.assert_array_equal(w.grad.numpy(), np.full((4, 3), float(expected)))


def test_grad_mode_is_per_thread():
    """Each thread sets its own mode; after every thread has set it (barrier), every thread still
    sees its own, and the main thread's mode is untouched."""
    x = tg.ones(3, requires_grad=True)
    barrier = threading.Barrier(THREADS)

    def work(i):
        seen = []
        for round_ in range(6):
            enabled = (i + round_) % 2 == 0
            if i % 4 == 0:
                ctx = tg.set_grad_enabled(enabled)
            elif i % 4 == 1:
                ctx = tg.enable_grad() if enabled else tg.no_grad()
            elif i % 4 == 2:
                ctx = tg.set_grad_enabled(True) if enabled else tg.inference_mode()
            else:
                ctx = None
                tg.set_grad_enabled(enabled)  # the function form: stays set for this thread
            if ctx is not None:
                ctx.__enter__()
            barrier.wait()  # every thread has now switched its mode
            y = x * 2
            seen.append((tg.is_grad_enabled(), y.requires_grad))
            barrier.wait()
            if ctx is not None:
                ctx.__exit__(None, None, None)
        return seen

    main_before = tg.is_grad_enabled()
    for i, seen in enumerate(run_threads(work)):
        expected = [((i + r) % 2 == 0,) * 2 for r in range(6)]
        assert seen == expected, (i, seen)
    assert tg.is_grad_enabled() == main_before
    assert not tg.is_inference_mode_enabled()


def test_no_grad_in_one_thread_does_not_leak_into_a_new_thread():
    """A new thread starts with grad mode on, whatever the thread that started it had (PyTorch)."""
    result = []
    with tg.no_grad():
        t = threading.Thread(target=lambda: result.append(tg.is_grad_enabled()))
        t.start()
        t.join()
    assert result == [True]


class ScaledSquare(tg.autograd.Function):
    """x -> c * x**2 with a Python backward that gives other threads a chance to run."""

    @staticmethod
    def forward(ctx, x, c):
        ctx.save_for_backward(x)
        ctx.c = c
        return x * x * c

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        total = 0
        for k in range(50):  # Python bytecode: the interpreter switches threads in here
            total += k
        return grad * x * (2 * ctx.c) + 0 * total, None


def test_python_backward_code_in_8_threads():
    def work(i):
        out = []
        for step in range(10):
            x = tg.tensor(_data(i + 10 * step, (6,)), requires_grad=True)
            hooked = []
            y = ScaledSquare.apply(x, float(i + 1))
            y.register_hook(lambda g: hooked.append(g.clone()) or g * 1)
            (y.sin().sum()).backward()
            out.append((x.detach().numpy().copy(), x.grad.numpy().copy(), len(hooked)))
        return out

    for i, out in enumerate(run_threads(work)):
        c = i + 1.0
        for x, gx, nhooks in out:
            np.testing.assert_allclose(gx, np.cos(c * x * x) * 2 * c * x, rtol=1e-5, atol=1e-6)
            assert nhooks == 1


def test_errors_in_one_thread_do_not_disturb_the_others():
    def work(i):
        x = tg.arange(6.0).view(2, 3)
        for _ in range(30):
            if i % 2:
                with pytest.raises(RuntimeError, match=r"\[mm\]|\[matmul\]|shapes|size"):
                    x @ x  # (2, 3) @ (2, 3): a shape error
            else:
                np.testing.assert_array_equal((x @ x.t()).numpy(), np.arange(6.0).reshape(2, 3)
                                              @ np.arange(6.0).reshape(2, 3).T)
        return True
    assert all(run_threads(work))
