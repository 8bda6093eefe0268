"""tg.optim: optimizers against hand-computed NumPy update sequences (several steps, every option),
state_dict resume, parameter groups and errors; lr schedulers against PyTorch's documented lr
sequences (closed forms). Comparisons with torch.optim itself skip when torch is absent."""
import copy
import math
import warnings

import numpy as np
import pytest

import tensorgen as tg
from tensorgen.testing._utils import to_numpy
from _threads import results_for_threads  # tests/ is on sys.path under pytest

SHAPES = [(3, 4), (5,), (), (2, 3, 2)]


def _np_params(seed, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return [rng.uniform(-2, 2, size=s).astype(dtype) for s in SHAPES]


def _grads(step, dtype=np.float64):
    """The gradients of step `step`: a fixed random sequence (no autograd needed)."""
    rng = np.random.default_rng(100 + step)
    return [rng.uniform(-1, 1, size=s).astype(dtype) for s in SHAPES]


def _leaves(arrays):
    return [tg.tensor(a).requires_grad_(True) for a in arrays]


def _set_grads(params, grads):
    for p, g in zip(params, grads):
        p.grad = tg.tensor(g)


# ----------------------------------------------------------------------------- NumPy references
# Per parameter, written from PyTorch's documented algorithms (torch.optim docs pseudo-code).

def _lerp(a, b, w):
    return a + w * (b - a) if abs(w) < 0.5 else b - (b - a) * (1 - w)


def np_sgd(p, g, st, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, maximize=False):
    g = -g if maximize else g
    if weight_decay:
        g = g + weight_decay * p
    if momentum:
        b = g.copy() if "b" not in st else momentum * st["b"] + (1 - dampening) * g
        st["b"] = b
        g = g + momentum * b if nesterov else b
    return p - lr * g


def np_adam(p, g, st, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, maximize=False,
            decoupled=False):
    b1, b2 = betas
    g = -g if maximize else g
    t = st["t"] = st.get("t", 0) + 1
    if weight_decay:
        if decoupled:
            p = p * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * p
    m = st["m"] = _lerp(st.get("m", np.zeros_like(p)), g, 1 - b1)
    v = st["v"] = b2 * st.get("v", np.zeros_like(p)) + (1 - b2) * g * g
    if amsgrad:
        v = st["vmax"] = np.maximum(st.get("vmax", np.zeros_like(p)), v)
    denom = np.sqrt(v) / math.sqrt(1 - b2 ** t) + eps
    return p - lr / (1 - b1 ** t) * m / denom


def np_adamw(p, g, st, weight_decay=1e-2, **kw):
    return np_adam(p, g, st, weight_decay=weight_decay, decoupled=True, **kw)


def np_rmsprop(p, g, st, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False, maximize=False):
    g = -g if maximize else g
    if weight_decay:
        g = g + weight_decay * p
    v = st["v"] = alpha * st.get("v", np.zeros_like(p)) + (1 - alpha) * g * g
    if centered:
        a = st["a"] = _lerp(st.get("a", np.zeros_like(p)), g, 1 - alpha)
        d = np.sqrt(v - a * a) + eps
    else:
        d = np.sqrt(v) + eps
    if momentum > 0:
        b = st["b"] = momentum * st.get("b", np.zeros_like(p)) + g / d
        return p - lr * b
    return p - lr * g / d


def np_adagrad(p, g, st, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
               maximize=False):
    g = -g if maximize else g
    t = st["t"] = st.get("t", 0) + 1
    if weight_decay:
        g = g + weight_decay * p
    clr = lr / (1 + (t - 1) * lr_decay)
    s = st["s"] = st.get("s", np.full_like(p, initial_accumulator_value)) + g * g
    return p - clr * g / (np.sqrt(s) + eps)


CASES = [
    ("SGD", np_sgd, dict(lr=0.1)),
    ("SGD", np_sgd, dict(lr=0.1, momentum=0.9)),
    ("SGD", np_sgd, dict(lr=0.05, momentum=0.9, dampening=0.2, weight_decay=0.01)),
    ("SGD", np_sgd, dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.1, maximize=True)),
    ("Adam", np_adam, dict(lr=0.01)),
    ("Adam", np_adam, dict(lr=0.02, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1, amsgrad=True)),
    ("Adam", np_adam, dict(lr=0.01, betas=(0.3, 0.9), maximize=True)),   # beta1 < 0.5: lerp's other form
    ("AdamW", np_adamw, dict(lr=0.01)),
    ("AdamW", np_adamw, dict(lr=0.02, weight_decay=0.3, amsgrad=True, maximize=True)),
    ("RMSprop", np_rmsprop, dict(lr=0.01)),
    ("RMSprop", np_rmsprop, dict(lr=0.01, alpha=0.9, weight_decay=0.1, momentum=0.9, centered=True)),
    ("RMSprop", np_rmsprop, dict(lr=0.02, momentum=0.5, maximize=True, eps=1e-6)),
    ("Adagrad", np_adagrad, dict(lr=0.1)),
    ("Adagrad", np_adagrad, dict(lr=0.1, lr_decay=0.1, weight_decay=0.05, initial_accumulator_value=0.5, eps=1e-6,
                                 maximize=True)),
]
CASE_IDS = [f"{n}-{'-'.join(f'{k}={v}' for k, v in kw.items())}" for n, _, kw in CASES]

STEPS = 6


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name, ref, kw", CASES, ids=CASE_IDS)
def test_update_sequence_matches_numpy(name, ref, kw, dtype):
    np_dt = np.dtype(dtype)
    init = _np_params(0, np_dt)
    params = _leaves(init)
    opt = getattr(tg.optim, name)(params, **kw)
    expected = [a.astype(np.float64) for a in init]
    states = [{} for _ in params]
    for step in range(STEPS):
        grads = _grads(step, np_dt)
        _set_grads(params, grads)
        opt.step()
        expected = [ref(p, g.astype(np.float64), st, **kw) for p, g, st in zip(expected, grads, states)]
        rtol = 1e-12 if dtype == "float64" else 2e-5
        for k, (p, e) in enumerate(zip(params, expected)):
            got = to_numpy(p)
            assert got.dtype == np_dt and got.shape == e.shape
            np.testing.assert_allclose(got, e, rtol=rtol, atol=rtol, err_msg=f"step {step}, param {k}")


@pytest.mark.parametrize("dtype", [tg.float16, tg.bfloat16])
def test_half_parameters_compute_in_float_and_round_once_per_step(dtype):
    """float16/bfloat16 parameters and state: each step computes from the stored values in float
    and rounds each result once (checked step by step against float64 from the same values)."""
    params = [tg.tensor(a).to(dtype).requires_grad_(True) for a in _np_params(1, np.float32)]
    opt = tg.optim.Adam(params, lr=0.1, amsgrad=True)
    rtol = 1e-3 if dtype is tg.float16 else 8e-3
    for step in range(3):
        grads = [tg.tensor(g).to(dtype) for g in _grads(step, np.float32)]
        before = []
        for p, g in zip(params, grads):
            st = opt.state[p]
            f64 = {"t": step} if st else {}
            if st:
                f64.update({k: to_numpy(st[key]).astype(np.float64)
                            for k, key in (("m", "exp_avg"), ("v", "exp_avg_sq"), ("vmax", "max_exp_avg_sq"))})
            before.append((to_numpy(p).astype(np.float64), to_numpy(g).astype(np.float64), f64))
            p.grad = g
        opt.step()
        for p, (p0, g, f64) in zip(params, before):
            expected = np_adam(p0, g, f64, lr=0.1, amsgrad=True)
            assert p.dtype is dtype and opt.state[p]["exp_avg"].dtype is dtype
            np.testing.assert_allclose(to_numpy(p).astype(np.float64), expected, rtol=rtol, atol=1e-3)
            np.testing.assert_allclose(to_numpy(opt.state[p]["exp_avg"]).astype(np.float64), f64["m"], rtol=rtol,
                                       atol=1e-4)
            if step == 0:  # Adam's first step moves every element by ~lr: far more than the tolerance
                assert np.all(np.abs(to_numpy(p).astype(np.float64) - p0) > 0.05)


def test_parameters_without_grad_are_skipped():
    params = _leaves(_np_params(2))
    opt = tg.optim.Adam(params, lr=0.1)
    before = [to_numpy(p).copy() for p in params]
    params[0].grad = tg.ones(list(params[0].shape), dtype=tg.float64)
    opt.step()
    assert set(map(id, opt.state)) == {id(params[0])}
    for p, b in zip(params[1:], before[1:]):
        np.testing.assert_array_equal(to_numpy(p), b)
    assert not np.array_equal(to_numpy(params[0]), before[0])
    opt.step()  # again: the other parameters still have no grad
    assert opt.state[params[0]]["step"].item() == 2.0


def test_sgd_momentum_buffer_starts_as_the_first_gradient_even_when_it_comes_late():
    """A parameter that gets its first gradient in a later step starts its buffer then (the
    step takes a second fused call for it; later steps are one call again)."""
    a, b = _leaves([np.ones(3), np.ones(3)])
    opt = tg.optim.SGD([a, b], lr=0.1, momentum=0.9, dampening=0.5)
    a.grad = tg.full([3], 2.0, dtype=tg.float64)
    opt.step()
    np.testing.assert_array_equal(to_numpy(opt.state[a]["momentum_buffer"]), np.full(3, 2.0))
    b.grad = tg.full([3], 4.0, dtype=tg.float64)
    opt.step()
    np.testing.assert_allclose(to_numpy(opt.state[a]["momentum_buffer"]), 0.9 * 2 + 0.5 * 2)
    np.testing.assert_array_equal(to_numpy(opt.state[b]["momentum_buffer"]), np.full(3, 4.0))
    np.testing.assert_allclose(to_numpy(b), 1 - 0.1 * 4)


def test_one_fused_call_per_group_and_step(monkeypatch):
    calls = []
    real = tg._C._fused_adam_

    def counting(*args, **kwargs):
        calls.append(len(args[0]))
        return real(*args, **kwargs)
    monkeypatch.setattr(tg._C, "_fused_adam_", counting)
    g1, g2 = _leaves(_np_params(3)), _leaves(_np_params(4))
    opt = tg.optim.Adam([{"params": g1}, {"params": g2, "lr": 0.5}])
    for p in g1 + g2:
        p.grad = tg.ones(list(p.shape), dtype=tg.float64)
    opt.step()
    assert calls == [len(SHAPES), len(SHAPES)]


def test_groups_with_several_dtypes_are_updated_per_dtype():
    p32 = tg.tensor(np.ones(4, np.float32)).requires_grad_(True)
    p64 = tg.tensor(np.ones(4)).requires_grad_(True)
    opt = tg.optim.SGD([p32, p64], lr=0.5)
    p32.grad, p64.grad = tg.ones([4]), tg.ones([4], dtype=tg.float64)
    opt.step()
    np.testing.assert_array_equal(to_numpy(p32), np.full(4, 0.5, np.float32))
    np.testing.assert_array_equal(to_numpy(p64), np.full(4, 0.5))


def test_non_contiguous_parameter_is_updated_in_place():
    base = tg.tensor(np.arange(12.0).reshape(3, 4))
    p = base.t().detach().requires_grad_(True)      # a non-contiguous leaf
    assert not p.is_contiguous()
    opt = tg.optim.Adam([p], lr=0.1, weight_decay=0.1)
    st = {}
    expected = to_numpy(p).copy()
    for step in range(3):
        g = np.random.default_rng(step).uniform(-1, 1, (4, 3))
        p.grad = tg.tensor(g)
        opt.step()
        expected = np_adam(expected, g, st, lr=0.1, weight_decay=0.1)
    np.testing.assert_allclose(to_numpy(p), expected, rtol=1e-12)
    np.testing.assert_allclose(to_numpy(base), expected.T, rtol=1e-12)  # the storage itself changed


def test_result_does_not_depend_on_the_thread_count():
    rng = np.random.default_rng(5)
    init = [rng.standard_normal(n).astype(np.float32) for n in (70001, 33, 40000)]
    grads = [rng.standard_normal(n).astype(np.float32) for n in (70001, 33, 40000)]

    def two_steps():
        params = _leaves(init)
        opt = tg.optim.Adam(params, lr=0.01, amsgrad=True, weight_decay=0.1)
        for _ in range(2):
            _set_grads(params, grads)
            opt.step()
        return [to_numpy(p) for p in params]

    results = results_for_threads(two_steps)
    for r in results[1:]:
        for a, b in zip(results[0], r):
            np.testing.assert_array_equal(a, b)


# ----------------------------------------------------------------------------- closure, zero_grad

def test_step_with_closure_returns_its_loss_and_evaluates_it_with_grad():
    w = tg.tensor(np.array([1.0, -2.0])).requires_grad_(True)
    opt = tg.optim.SGD([w], lr=0.1)
    seen = []

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        seen.append(tg.is_grad_enabled())
        loss.backward()
        return loss

    with tg.no_grad():
        loss = opt.step(closure)
    assert seen == [True] and loss.item() == 5.0
    np.testing.assert_allclose(to_numpy(w), [1.0 - 0.2, -2.0 + 0.4])


def test_zero_grad_sets_to_none_or_zeros():
    a, b = _leaves([np.ones(2), np.ones(3)])
    opt = tg.optim.SGD([a, b], lr=0.1)
    a.grad, b.grad = tg.ones([2], dtype=tg.float64), tg.ones([3], dtype=tg.float64)
    ptr = a.grad.data_ptr()
    opt.zero_grad(set_to_none=False)
    assert a.grad.data_ptr() == ptr     # zeroed in place
    assert np.all(to_numpy(a.grad) == 0) and np.all(to_numpy(b.grad) == 0)
    opt.zero_grad()
    assert a.grad is None and b.grad is None


def test_training_loop_with_autograd_reduces_the_loss():
    rng = np.random.default_rng(0)
    x = tg.tensor(rng.standard_normal((64, 3)))
    y = x @ tg.tensor(np.array([[1.5], [-2.0], [0.5]])) + 0.3
    w = tg.zeros([3, 1], dtype=tg.float64).requires_grad_(True)
    b = tg.zeros([1], dtype=tg.float64).requires_grad_(True)
    opt = tg.optim.Adam([w, b], lr=0.1)
    losses = []
    for _ in range(200):
        opt.zero_grad()
        loss = ((x @ w + b - y) ** 2).mean()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 1e-3 * losses[0]
    np.testing.assert_allclose(to_numpy(w).ravel(), [1.5, -2.0, 0.5], atol=0.02)


# ----------------------------------------------------------------------------- param groups, errors

def test_param_groups_take_their_own_options_and_the_defaults():
    a, b = _leaves([np.ones(2), np.ones(2)])
    opt = tg.optim.SGD([{"params": [a]}, {"params": b, "lr": 0.5, "momentum": 0.9}], lr=0.1)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    assert opt.param_groups[0]["momentum"] == 0 and opt.param_groups[1]["momentum"] == 0.9
    assert opt.param_groups[1]["params"][0] is b
    a.grad, b.grad = tg.ones([2], dtype=tg.float64), tg.ones([2], dtype=tg.float64)
    opt.step()
    np.testing.assert_allclose(to_numpy(a), [0.9, 0.9])
    np.testing.assert_allclose(to_numpy(b), [0.5, 0.5])
    c = _leaves([np.zeros(1)])[0]
    opt.add_param_group({"params": [c], "nesterov": False})
    assert opt.param_groups[2]["lr"] == 0.1 and opt.param_groups[2]["dampening"] == 0
    assert "Parameter Group 2" in repr(opt) and "lr: 0.1" in repr(opt)


def test_bad_params_raise_pytorch_exceptions():
    a = _leaves([np.ones(2)])[0]
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
        tg.optim.SGD([{"params": [a]}, {"params": [a]}], lr=0.1)
    opt = tg.optim.SGD([a], lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})
    with pytest.raises(ValueError, match="duplicate parameters"):
        tg.optim.Adam([a, a])
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        tg.optim.SGD([a * 2], lr=0.1)
    with pytest.raises(TypeError, match="optimizer can only optimize Tensors, but one of the params is int"):
        tg.optim.SGD([1], lr=0.1)
    with pytest.raises(TypeError, match="should be an iterable of Tensors or dicts"):
        tg.optim.SGD(a, lr=0.1)
    with pytest.raises(TypeError, match="ordered collections"):
        tg.optim.SGD([{"params": {a}}], lr=0.1)
    with pytest.raises(ValueError, match="empty parameter list"):
        tg.optim.Adam([])
    with pytest.raises(TypeError, match="param_group must be a dict"):
        opt.add_param_group([a])


@pytest.mark.parametrize("make, match", [
    (lambda p: tg.optim.SGD(p, lr=-0.1), "Invalid learning rate: -0.1"),
    (lambda p: tg.optim.SGD(p, lr=0.1, momentum=-1), "Invalid momentum value"),
    (lambda p: tg.optim.SGD(p, lr=0.1, weight_decay=-1), "Invalid weight_decay value"),
    (lambda p: tg.optim.SGD(p, lr=0.1, nesterov=True), "Nesterov momentum requires a momentum and zero dampening"),
    (lambda p: tg.optim.SGD(p, lr=0.1, momentum=0.9, dampening=0.1, nesterov=True), "Nesterov"),
    (lambda p: tg.optim.Adam(p, betas=(1.0, 0.9)), "Invalid beta parameter at index 0: 1.0"),
    (lambda p: tg.optim.Adam(p, betas=(0.9, -0.1)), "Invalid beta parameter at index 1"),
    (lambda p: tg.optim.Adam(p, eps=-1), "Invalid epsilon value"),
    (lambda p: tg.optim.AdamW(p, weight_decay=-1), "Invalid weight_decay value"),
    (lambda p: tg.optim.RMSprop(p, alpha=-1), "Invalid alpha value"),
    (lambda p: tg.optim.RMSprop(p, momentum=-1), "Invalid momentum value"),
    (lambda p: tg.optim.Adagrad(p, lr_decay=-1), "Invalid lr_decay value"),
    (lambda p: tg.optim.Adagrad(p, initial_accumulator_value=-1), "Invalid initial_accumulator_value value"),
])
def test_bad_options_raise_value_error(make, match):
    with pytest.raises(ValueError, match=match):
        make(_leaves([np.ones(2)]))


def test_differentiable_is_refused():
    with pytest.raises(NotImplementedError, match="differentiable=True"):
        tg.optim.Adam(_leaves([np.ones(2)]), differentiable=True)


def test_step_with_mismatched_grad_raises_and_changes_nothing():
    p = _leaves([np.ones(3)])[0]
    opt = tg.optim.Adam([p])
    p.grad = tg.ones([3], dtype=tg.float64)
    opt.step()
    step_before = opt.state[p]["step"].item()
    # A grad of another dtype (assigned behind autograd's back) reaches the kernel's check.
    with tg.no_grad():
        p.grad = tg.ones([3], dtype=tg.float64)
    opt.state[p]["exp_avg"] = tg.zeros([3], dtype=tg.float32)
    before = to_numpy(p).copy()
    with pytest.raises(RuntimeError, match=r"\[_fused_adam_\] exp_avgs\[0\] has dtype float32, expected float64"):
        opt.step()
    np.testing.assert_array_equal(to_numpy(p), before)
    assert opt.state[p]["step"].item() == step_before


# ----------------------------------------------------------------------------- state dicts

OPTIMIZERS = [
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.01)),
    ("AdamW", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, momentum=0.9, centered=True)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1)),
]


def _clone_state_dict(sd):
    """What saving and loading does: the same structure, fresh tensors."""
    def clone(v):
        if isinstance(v, tg.Tensor):
            return v.clone()
        if isinstance(v, dict):
            return {k: clone(x) for k, x in v.items()}
        return copy.deepcopy(v)
    return clone(sd)


@pytest.mark.parametrize("name, kw", OPTIMIZERS, ids=[n for n, _ in OPTIMIZERS])
def test_state_dict_resume_is_bit_identical(name, kw):
    cls = getattr(tg.optim, name)
    init = _np_params(7, np.float32)
    pa = _leaves(init)
    a = cls([{"params": pa[:2]}, {"params": pa[2:], "lr": kw["lr"] / 2}], **kw)
    for step in range(3):
        _set_grads(pa, _grads(step, np.float32))
        a.step()
    sd = _clone_state_dict(a.state_dict())
    pb = [tg.tensor(to_numpy(p)).requires_grad_(True) for p in pa]
    b = cls([{"params": pb[:2]}, {"params": pb[2:]}], **kw)
    b.load_state_dict(sd)
    assert b.param_groups[1]["lr"] == kw["lr"] / 2   # options come from the state dict
    for step in range(3, 7):
        grads = _grads(step, np.float32)
        _set_grads(pa, grads)
        _set_grads(pb, grads)
        a.step()
        b.step()
    for p, q in zip(pa, pb):
        np.testing.assert_array_equal(to_numpy(p), to_numpy(q))
    # the loaded state is b's own: stepping b did not touch the dict it came from
    for k, st in sd["state"].items():
        for key, v in st.items():
            if isinstance(v, tg.Tensor) and key == "step":
                assert v.item() == 3.0


def test_state_dict_layout_is_pytorchs():
    pa = _leaves(_np_params(8))
    opt = tg.optim.Adam([{"params": pa[:3]}, {"params": pa[3:], "lr": 0.1}], lr=0.01)
    _set_grads(pa, _grads(0))
    pa[1].grad = None
    opt.step()
    sd = opt.state_dict()
    assert set(sd) == {"state", "param_groups"}
    assert [g["params"] for g in sd["param_groups"]] == [[0, 1, 2], [3]]
    assert sd["param_groups"][0] == {"lr": 0.01, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0,
                                     "amsgrad": False, "maximize": False, "foreach": None, "capturable": False,
                                     "differentiable": False, "fused": None, "decoupled_weight_decay": False,
                                     "params": [0, 1, 2]}
    assert sorted(sd["state"]) == [0, 2, 3]
    st = sd["state"][0]
    assert list(st) == ["step", "exp_avg", "exp_avg_sq"]
    assert st["step"].dtype is tg.float32 and tuple(st["step"].shape) == () and st["step"].item() == 1.0
    assert st["exp_avg"] is opt.state[pa[0]]["exp_avg"]   # references, as in PyTorch


def test_load_state_dict_errors_and_python_number_steps():
    pa = _leaves(_np_params(9))
    opt = tg.optim.Adam(pa)
    sd = opt.state_dict()
    other = tg.optim.Adam([{"params": pa[:2]}, {"params": pa[2:]}])
    with pytest.raises(ValueError, match="different number of parameter groups"):
        other.load_state_dict(sd)
    short = tg.optim.Adam(pa[:2])
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        short.load_state_dict(sd)
    # an old-style checkpoint with the step as a number, and float64 state for float32 params
    p = tg.tensor(np.ones(2, np.float32)).requires_grad_(True)
    opt = tg.optim.Adam([p], lr=0.1)
    opt.load_state_dict({"state": {0: {"step": 4, "exp_avg": tg.tensor(np.array([0.1, 0.2])),
                                       "exp_avg_sq": tg.tensor(np.array([0.01, 0.04]))}},
                         "param_groups": [dict(opt.state_dict()["param_groups"][0])]})
    st = opt.state[p]
    assert st["step"].dtype is tg.float32 and st["step"].item() == 4.0
    assert st["exp_avg"].dtype is tg.float32
    p.grad = tg.ones([2])
    opt.step()
    assert st["step"].item() == 5.0


# ----------------------------------------------------------------------------- schedulers

def _sched_opt(lr=1.0, groups=1, cls=tg.optim.SGD, **kw):
    params = _leaves([np.ones(1) for _ in range(groups)])
    return cls([{"params": [p]} for p in params], lr=lr, **kw)


def _run(sched, opt, n):
    lrs = []
    for _ in range(n):
        lrs.append(sched.get_last_lr()[0])
        opt.step()
        sched.step()
    return lrs


def test_step_lr_and_multistep_lr():
    opt = _sched_opt(0.05)
    s = tg.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.1)
    np.testing.assert_allclose(_run(s, opt, 9), [0.05 * 0.1 ** (e // 3) for e in range(9)], rtol=1e-12)
    opt = _sched_opt(0.05)
    s = tg.optim.lr_scheduler.MultiStepLR(opt, milestones=[2, 5, 5], gamma=0.5)
    np.testing.assert_allclose(_run(s, opt, 8), [0.05, 0.05, 0.025, 0.025, 0.025, 0.00625, 0.00625, 0.00625],
                               rtol=1e-12)


def test_exponential_lambda_linear_lr():
    opt = _sched_opt(0.1)
    s = tg.optim.lr_scheduler.ExponentialLR(opt, gamma=0.9)
    np.testing.assert_allclose(_run(s, opt, 6), [0.1 * 0.9 ** e for e in range(6)], rtol=1e-12)
    opt = _sched_opt(0.1, groups=2)
    s = tg.optim.lr_scheduler.LambdaLR(opt, [lambda e: 1 / (e + 1), lambda e: 0.5 ** e])
    for e in range(5):
        assert s.get_last_lr() == pytest.approx([0.1 / (e + 1), 0.1 * 0.5 ** e], rel=1e-12)
        opt.step()
        s.step()
    opt = _sched_opt(0.05)
    s = tg.optim.lr_scheduler.LinearLR(opt, start_factor=0.5, total_iters=4)
    np.testing.assert_allclose(_run(s, opt, 7), [0.05 * (0.5 + 0.5 * min(e, 4) / 4) for e in range(7)], rtol=1e-12)


def test_cosine_annealing_lr_follows_the_closed_form_and_restarts_past_t_max():
    opt = _sched_opt(0.1)
    s = tg.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10, eta_min=0.001)
    lrs = _run(s, opt, 25)
    # PyTorch's documented closed form, also past T_max (the lr goes back up: a cosine, not a restart)
    expected = [0.001 + (0.1 - 0.001) * (1 + math.cos(math.pi * e / 10)) / 2 for e in range(25)]
    np.testing.assert_allclose(lrs, expected, rtol=1e-9, atol=1e-12)


def test_one_cycle_lr_and_its_momentum():
    opt = _sched_opt(0.1, cls=tg.optim.SGD, momentum=0.9)
    total, max_lr = 20, 0.1
    s = tg.optim.lr_scheduler.OneCycleLR(opt, max_lr=max_lr, total_steps=total, pct_start=0.25)
    lrs, moms = [], []
    for _ in range(total):
        lrs.append(s.get_last_lr()[0])
        moms.append(opt.param_groups[0]["momentum"])
        opt.step()
        if len(lrs) < total:
            s.step()
    initial, final = max_lr / 25, max_lr / 25 / 1e4
    up_end = 0.25 * total - 1

    def cos_anneal(start, end, pct):
        return end + (start - end) / 2 * (math.cos(math.pi * pct) + 1)
    for e, (lr, m) in enumerate(zip(lrs, moms)):
        if e <= up_end:
            want, want_m = cos_anneal(initial, max_lr, e / up_end), cos_anneal(0.95, 0.85, e / up_end)
        else:
            pct = (e - up_end) / (total - 1 - up_end)
            want, want_m = cos_anneal(max_lr, final, pct), cos_anneal(0.85, 0.95, pct)
        assert lr == pytest.approx(want, rel=1e-12) and m == pytest.approx(want_m, rel=1e-12)
    assert lrs[0] == pytest.approx(initial) and max(lrs) == pytest.approx(max_lr) and lrs[-1] == pytest.approx(final)
    opt.step()
    s.step()   # the 20th step: the last lr of the schedule
    with pytest.raises(ValueError, match="Tried to step 21 times"):
        opt.step()
        s.step()
    # Adam's beta1 is cycled instead of a momentum
    opt = _sched_opt(0.1, cls=tg.optim.Adam)
    tg.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, epochs=2, steps_per_epoch=5, anneal_strategy="linear")
    assert opt.param_groups[0]["betas"] == (0.95, 0.999)
    with pytest.raises(ValueError, match="You must define either total_steps OR"):
        tg.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1)
    with pytest.raises(ValueError, match="anneal_strategy must be one of"):
        tg.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=5, anneal_strategy="exp")


def test_sequential_lr_warmup_then_decay():
    opt = _sched_opt(0.1)
    warm = tg.optim.lr_scheduler.LinearLR(opt, start_factor=0.1, total_iters=3)
    decay = tg.optim.lr_scheduler.ExponentialLR(opt, gamma=0.5)
    s = tg.optim.lr_scheduler.SequentialLR(opt, [warm, decay], milestones=[3])
    lrs = _run(s, opt, 7)
    np.testing.assert_allclose(lrs, [0.01, 0.04, 0.07, 0.1, 0.05, 0.025, 0.0125], rtol=1e-12)
    with pytest.raises(ValueError, match="one more than the number of milestone points"):
        tg.optim.lr_scheduler.SequentialLR(opt, [warm, decay], milestones=[3, 4])
    with pytest.raises(ValueError, match="does not support `ReduceLROnPlateau`"):
        tg.optim.lr_scheduler.SequentialLR(opt, [warm, tg.optim.lr_scheduler.ReduceLROnPlateau(opt)], [2])


def test_reduce_lr_on_plateau():
    opt = _sched_opt(1.0)
    s = tg.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="min", factor=0.5, patience=2, cooldown=1, min_lr=0.2)
    metrics = [10, 9, 9, 9, 9, 9, 9, 9, 9, 8, 8, 8, 8, 8, 8]
    lrs = []
    for m in metrics:
        s.step(m)
        lrs.append(s.get_last_lr()[0])
    # improvements at 0 and 1; bad epochs 2, 3, 4 -> halve at 4; 5 is cooldown; bad 6, 7, 8 -> halve at 8;
    # 9 improves (in cooldown); bad 10, 11, 12 -> halve at 12, but not below min_lr
    assert lrs == [1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25, 0.2, 0.2, 0.2]
    with pytest.raises(ValueError, match="Factor should be < 1.0"):
        tg.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=1.0)
    with pytest.raises(ValueError, match="mode maxi is unknown"):
        tg.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="maxi")
    s2 = tg.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="max", threshold=0.1, threshold_mode="abs", patience=0)
    s2.step(1.0)
    s2.step(1.05)   # not better by 0.1: reduce
    assert s2.get_last_lr()[0] == pytest.approx(0.02)


def test_scheduler_state_dict_round_trip_continues_the_sequence():
    opt = _sched_opt(0.1)
    s = tg.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=8)
    _run(s, opt, 3)
    sd = s.state_dict()
    assert "optimizer" not in sd and sd["last_epoch"] == 3
    opt2 = _sched_opt(0.1)
    s2 = tg.optim.lr_scheduler.CosineAnnealingLR(opt2, T_max=8)
    s2.load_state_dict(sd)
    opt2.param_groups[0]["lr"] = s.get_last_lr()[0]
    assert _run(s2, opt2, 5) == _run(s, opt, 5)


def test_scheduler_warnings_and_errors():
    opt = _sched_opt(0.1)
    s = tg.optim.lr_scheduler.StepLR(opt, step_size=2)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        s.step()
    with pytest.warns(UserWarning, match="please use `get_last_lr\\(\\)`"):
        s.get_lr()
    with pytest.raises(TypeError, match="is not an Optimizer"):
        tg.optim.lr_scheduler.StepLR(object(), step_size=2)
    fresh = _sched_opt(0.1)
    with pytest.raises(KeyError, match="initial_lr"):
        tg.optim.lr_scheduler.StepLR(fresh, step_size=2, last_epoch=3)
    with pytest.raises(ValueError, match="Expected 1 lr_lambdas, but got 2"):
        tg.optim.lr_scheduler.LambdaLR(fresh, [lambda e: 1, lambda e: 1])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt = _sched_opt(0.1)
        s = tg.optim.lr_scheduler.ExponentialLR(opt, 0.5)
        opt.step()
        s.step()       # the right order: no warning


# ----------------------------------------------------------------------------- against torch.optim

torch_reason = "torch not installed: the comparison with torch.optim needs it"


def _torch_and_tg(cls_name, kw, dtype, steps=5):
    torch = pytest.importorskip("torch", reason=torch_reason)
    init = _np_params(11, np.dtype(dtype))
    tp = [torch.tensor(a, requires_grad=True) for a in init]
    gp = _leaves(init)
    t_opt = getattr(torch.optim, cls_name)([{"params": tp[:2]}, {"params": tp[2:], "lr": 0.03}], **kw)
    g_opt = getattr(tg.optim, cls_name)([{"params": gp[:2]}, {"params": gp[2:], "lr": 0.03}], **kw)
    for step in range(steps):
        grads = _grads(step, np.dtype(dtype))
        for t, g, a in zip(tp, gp, grads):
            t.grad = torch.tensor(a)
            g.grad = tg.tensor(a)
        t_opt.step()
        g_opt.step()
    return torch, tp, gp, t_opt, g_opt


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name, ref, kw", CASES, ids=CASE_IDS)
def test_matches_torch_optim(name, ref, kw, dtype):
    torch, tp, gp, t_opt, g_opt = _torch_and_tg(name, kw, dtype)
    rtol = 1e-12 if dtype == "float64" else 1e-5
    for t, g in zip(tp, gp):
        np.testing.assert_allclose(to_numpy(g), t.detach().numpy(), rtol=rtol, atol=rtol)
    # the state dicts have the same layout and values
    ts, gs = t_opt.state_dict(), g_opt.state_dict()
    assert [dict(g) for g in gs["param_groups"]] == [dict(g) for g in ts["param_groups"]]
    assert sorted(gs["state"]) == sorted(ts["state"])
    for k in ts["state"]:
        assert list(gs["state"][k]) == list(ts["state"][k])
        for key, tv in ts["state"][k].items():
            np.testing.assert_allclose(to_numpy(gs["state"][k][key]), tv.numpy(), rtol=rtol, atol=rtol)


@pytest.mark.parametrize("name, kw", OPTIMIZERS, ids=[n for n, _ in OPTIMIZERS])
def test_resume_from_a_torch_state_dict(name, kw):
    """A state dict written by torch.optim (tensors turned into tensorgen's) resumes training."""
    torch, tp, gp, t_opt, g_opt = _torch_and_tg(name, kw, "float64", steps=3)
    ts = t_opt.state_dict()
    converted = {"state": {k: {key: tg.tensor(v.numpy()) if isinstance(v, torch.Tensor) else v
                               for key, v in st.items()} for k, st in ts["state"].items()},
                 "param_groups": ts["param_groups"]}
    qp = [tg.tensor(t.detach().numpy()).requires_grad_(True) for t in tp]
    q_opt = getattr(tg.optim, name)([{"params": qp[:2]}, {"params": qp[2:]}], **kw)
    q_opt.load_state_dict(converted)
    for step in range(3, 6):
        grads = _grads(step)
        for t, q, a in zip(tp, qp, grads):
            t.grad = torch.tensor(a)
            q.grad = tg.tensor(a)
        t_opt.step()
        q_opt.step()
    for t, q in zip(tp, qp):
        np.testing.assert_allclose(to_numpy(q), t.detach().numpy(), rtol=1e-12, atol=1e-12)


SCHEDULERS = [
    ("StepLR", dict(step_size=3, gamma=0.3)),
    ("MultiStepLR", dict(milestones=[2, 4, 4, 7], gamma=0.5)),
    ("ExponentialLR", dict(gamma=0.8)),
    ("LambdaLR", dict(lr_lambda=lambda e: 1 / (1 + e) ** 0.5)),
    ("CosineAnnealingLR", dict(T_max=5, eta_min=0.01)),
    ("LinearLR", dict(start_factor=0.2, end_factor=0.9, total_iters=4)),
    ("OneCycleLR", dict(max_lr=0.5, total_steps=16, three_phase=True)),
    ("OneCycleLR", dict(max_lr=[0.5, 0.2], total_steps=16, anneal_strategy="linear", pct_start=0.4)),
]


@pytest.mark.parametrize("name, kw", SCHEDULERS, ids=[n for n, _ in SCHEDULERS])
def test_scheduler_lr_sequences_match_torch(name, kw):
    torch = pytest.importorskip("torch", reason=torch_reason)
    t_opt = torch.optim.SGD([{"params": [torch.zeros(1, requires_grad=True)]},
                             {"params": [torch.zeros(1, requires_grad=True)], "lr": 0.3}], lr=0.1, momentum=0.9)
    g_opt = tg.optim.SGD([{"params": _leaves([np.zeros(1)])}, {"params": _leaves([np.zeros(1)]), "lr": 0.3}],
                         lr=0.1, momentum=0.9)
    ts = getattr(torch.optim.lr_scheduler, name)(t_opt, **kw)
    gs = getattr(tg.optim.lr_scheduler, name)(g_opt, **kw)
    for _ in range(15):
        assert gs.get_last_lr() == ts.get_last_lr()          # the same floats, not just close
        assert [g["momentum"] for g in g_opt.param_groups] == [g["momentum"] for g in t_opt.param_groups]
        t_opt.step()
        g_opt.step()
        ts.step()
        gs.step()


def test_sequential_and_plateau_match_torch():
    torch = pytest.importorskip("torch", reason=torch_reason)
    t_opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    g_opt = tg.optim.SGD(_leaves([np.zeros(1)]), lr=0.1)
    tl = torch.optim.lr_scheduler
    gl = tg.optim.lr_scheduler
    ts = tl.SequentialLR(t_opt, [tl.LinearLR(t_opt, 0.1, total_iters=3), tl.CosineAnnealingLR(t_opt, 6),
                                 tl.StepLR(t_opt, 2)], milestones=[3, 8])
    gs = gl.SequentialLR(g_opt, [gl.LinearLR(g_opt, 0.1, total_iters=3), gl.CosineAnnealingLR(g_opt, 6),
                                 gl.StepLR(g_opt, 2)], milestones=[3, 8])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # torch's SequentialLR calls step(0), which warns
        for _ in range(14):
            assert gs.get_last_lr() == pytest.approx(ts.get_last_lr(), rel=1e-12)
            t_opt.step()
            g_opt.step()
            ts.step()
            gs.step()
    t_opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    g_opt = tg.optim.SGD(_leaves([np.zeros(1)]), lr=0.1)
    ts = tl.ReduceLROnPlateau(t_opt, factor=0.3, patience=1, cooldown=2, threshold=0.05)
    gs = gl.ReduceLROnPlateau(g_opt, factor=0.3, patience=1, cooldown=2, threshold=0.05)
    for m in [5, 4, 4, 4, 3.9, 3.9, 3.9, 3.9, 2, 2, 2, 2, 2]:
        ts.step(m)
        gs.step(m)
        assert gs.get_last_lr() == ts.get_last_lr()


# ----------------------------------------------------------------------------- the codegen rule behind the ops

def test_codegen_accepts_written_tensor_lists_only_for_in_place_ops_returning_nothing(tmp_path):
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from codegen.model import CodegenError, load_native_functions

    def load(func):
        path = tmp_path / "native_functions.yaml"
        path.write_text(f"- func: {func}\n  dispatch:\n    CPU: k\n")
        return load_native_functions(path)

    (f,) = load("_fused_x_(Tensor(a!)[] params, Tensor[] grads, Tensor(b!)[] bufs, *, float lr) -> ()")
    assert [str(a.type) for a in f.schema.arguments[:3]] == ["Tensor(a!)[]", "Tensor[]", "Tensor(b!)[]"]
    with pytest.raises(CodegenError, match="is marked written"):
        load("_fused_x_(Tensor(a!)[] params, Tensor(b!)[] grads) -> Tensor")    # returns something
    with pytest.raises(CodegenError, match="is marked written"):
        load("fused_x(Tensor(a!)[] params, Tensor(b!)[] grads) -> ()")          # not in-place by name


def test_optimizer_benchmark_runs():
    """benchmarks/bench_optim.py end to end on tiny sizes (a smoke run, never a timing check)."""
    pytest.importorskip("torch", reason=torch_reason)
    import subprocess
    import sys
    from pathlib import Path
    script = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_optim.py"
    r = subprocess.run([sys.executable, str(script), "--params", "3", "--numel", "100", "--repeat", "1"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    for row in ("Adam.step", "SGD.step momentum=0.9", "RMSprop.step", "Adagrad.step"):
        assert row in r.stdout, r.stdout


def test_fused_op_with_empty_lists_is_a_no_op():
    assert tg._C._fused_sgd_([], [], [], lr=0.1, momentum=0.9, dampening=0.0, weight_decay=0.0, nesterov=False,
                             maximize=False, is_first_step=False) is None
    assert tg._C._fused_adam_([], [], [], [], [], [], lr=0.1, beta1=0.9, beta2=0.99, weight_decay=0.0, eps=1e-8,
                              amsgrad=False, maximize=False, decoupled_weight_decay=False) is None


def test_tensor_lr_gives_the_same_update_and_schedulers_fill_it():
    a, b = _leaves([np.ones(3)]), _leaves([np.ones(3)])
    oa = tg.optim.Adam(a, lr=tg.tensor(0.01, dtype=tg.float64))
    ob = tg.optim.Adam(b, lr=0.01)
    sched = tg.optim.lr_scheduler.StepLR(oa, step_size=1, gamma=0.5)
    for step in range(3):
        a[0].grad = b[0].grad = tg.tensor(_grads(step)[1][:3])
        oa.step()
        ob.step()
        np.testing.assert_array_equal(to_numpy(a[0]), to_numpy(b[0]))
        sched.step()
        ob.param_groups[0]["lr"] *= 0.5
    assert isinstance(oa.param_groups[0]["lr"], tg.Tensor) and oa.param_groups[0]["lr"].item() == 0.01 / 8
