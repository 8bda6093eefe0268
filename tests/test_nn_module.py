"""tg.nn.Module machinery against torch.nn.Module's documented behaviour: registration, iteration,
sharing, state_dict / load_state_dict, hooks, train/eval, apply, to(dtype), repr, containers,
Parameter, nn.utils. The modules here are built from Parameters and generated ops (matmul,
tanh, relu) only, so these tests do not depend on the nn kernels."""
import copy
import pickle
from collections import OrderedDict

import numpy as np
import pytest

import tensorgen as tg
from tensorgen import nn


class Affine(nn.Module):
    """x @ weight.T + bias, with a persistent int buffer and a non-persistent float buffer."""

    def __init__(self, n_in, n_out, seed=0):
        super().__init__()
        rng = np.random.default_rng(seed)
        self.weight = nn.Parameter(tg.tensor(rng.standard_normal((n_out, n_in)), dtype=tg.float32))
        self.bias = nn.Parameter(tg.zeros([n_out]))
        self.register_buffer("calls", tg.zeros([], dtype=tg.int64))
        self.register_buffer("scratch", tg.zeros([2]), persistent=False)

    def forward(self, x):
        return tg.matmul(x, self.weight.t()) + self.bias

    def extra_repr(self):
        return f"{self.weight.shape[1]}, {self.weight.shape[0]}"


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = Affine(4, 3, seed=1)
        self.act = nn.Tanh()
        self.block = nn.Sequential(Affine(3, 3, seed=2), nn.ReLU())
        self.head = Affine(3, 2, seed=3)
        self.register_buffer("running", tg.ones([2]))

    def forward(self, x):
        return self.head(self.block(self.act(self.fc1(x))))


def _np(t):
    return t.detach().numpy()


# ---------------------------------------------------------------------------------------- Parameter
def test_parameter_is_a_leaf_tensor_sharing_data():
    data = tg.ones([2, 3])
    p = nn.Parameter(data)
    assert isinstance(p, tg.Tensor) and isinstance(p, nn.Parameter)
    assert p.is_leaf and p.requires_grad and p.grad_fn is None
    assert p.data_ptr() == data.data_ptr()  # same storage, like torch.nn.Parameter
    assert not data.requires_grad
    q = nn.Parameter(data, requires_grad=False)
    assert not q.requires_grad
    assert isinstance(nn.Parameter(), nn.Parameter) and nn.Parameter().numel() == 0


def test_parameter_stays_a_parameter_through_inplace_ops_and_collects_grad():
    p = nn.Parameter(tg.tensor([1.0, 2.0, 3.0]))
    with tg.no_grad():
        assert p.mul_(2) is p
    assert type(p) is nn.Parameter
    (p * p).sum().backward()
    np.testing.assert_allclose(_np(p.grad), [4.0, 8.0, 12.0])
    assert type(p * 2) is tg.Tensor  # results of ops are plain tensors, as in PyTorch


def test_parameter_repr_deepcopy_pickle():
    p = nn.Parameter(tg.tensor([1.0, 2.0]))
    assert repr(p) == "Parameter containing:\ntensor([1., 2.], requires_grad=True)"
    c = copy.deepcopy(p)
    assert type(c) is nn.Parameter and c.requires_grad and c.data_ptr() != p.data_ptr()
    np.testing.assert_array_equal(_np(c), [1.0, 2.0])
    r = pickle.loads(pickle.dumps(nn.Parameter(tg.tensor([3.0]), requires_grad=False)))
    assert type(r) is nn.Parameter and not r.requires_grad and r.item() == 3.0


def test_parameter_bad_input():
    with pytest.raises(RuntimeError, match="floating point"):
        nn.Parameter(tg.tensor([1, 2]))
    assert nn.Parameter(tg.tensor([1, 2]), requires_grad=False).dtype == tg.int64
    with pytest.raises(TypeError, match="Parameter"):
        nn.Parameter([1.0, 2.0])


# ---------------------------------------------------------------------------------------- registration
def test_attribute_registration_goes_to_the_right_dict():
    m = Affine(2, 2)
    assert list(m._parameters) == ["weight", "bias"]
    assert list(m._buffers) == ["calls", "scratch"]
    assert m._non_persistent_buffers_set == {"scratch"}
    net = Net()
    assert list(net._modules) == ["fc1", "act", "block", "head"]
    assert net.fc1 is net._modules["fc1"]
    assert "fc1" not in net.__dict__  # found through __getattr__, like PyTorch


def test_assignment_rules():
    m = Affine(2, 2)
    with pytest.raises(TypeError, match="cannot assign .* as parameter 'weight'"):
        m.weight = tg.zeros([2, 2])  # a plain tensor cannot replace a parameter
    m.bias = None  # None can
    assert m.bias is None and "bias" in m._parameters
    assert [n for n, _ in m.named_parameters()] == ["weight"]
    m.calls = tg.ones([], dtype=tg.int64)  # buffers accept tensors
    assert m._buffers["calls"].item() == 1
    with pytest.raises(TypeError, match="buffer 'calls'"):
        m.calls = 3
    m.sub = Affine(2, 2)
    with pytest.raises(TypeError, match="child module 'sub'"):
        m.sub = 5
    m.sub = nn.Parameter(tg.zeros([1]))  # a parameter replaces the module of that name
    assert "sub" not in m._modules and "sub" in m._parameters
    m.plain = 3
    assert m.plain == 3 and "plain" in m.__dict__
    del m.sub
    assert "sub" not in m._parameters
    del m.scratch
    assert "scratch" not in m._buffers and "scratch" not in m._non_persistent_buffers_set


def test_register_errors_match_pytorch():
    m = Affine(2, 2)
    with pytest.raises(KeyError, match="name can.+t contain"):
        m.register_buffer("a.b", tg.zeros([1]))
    with pytest.raises(KeyError, match="empty string"):
        m.register_buffer("", tg.zeros([1]))
    with pytest.raises(KeyError, match="attribute 'forward' already exists"):
        m.register_buffer("forward", tg.zeros([1]))
    with pytest.raises(TypeError, match="cannot assign 'int' object to buffer 'x'"):
        m.register_buffer("x", 1)
    with pytest.raises(TypeError, match="buffer name should be a string"):
        m.register_buffer(1, tg.zeros([1]))
    with pytest.raises(TypeError, match="parameter 'p'"):
        m.register_parameter("p", tg.zeros([1]))
    w = nn.Parameter(tg.ones([2]))
    with pytest.raises(ValueError, match="non-leaf"):
        m.register_parameter("q", _non_leaf(w))
    with pytest.raises(TypeError, match="is not a Module subclass"):
        m.add_module("x", 3)
    with pytest.raises(AttributeError, match="'Affine' object has no attribute 'nope'"):
        m.nope


def _non_leaf(w):
    """A Parameter-classed tensor that has autograd history (what PyTorch rejects as a parameter)."""
    t = w * 2
    t.__class__ = nn.Parameter
    return t


def test_assignment_before_init_is_an_error():
    class Early(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(tg.zeros([1]))
            super().__init__()

    with pytest.raises(AttributeError, match="before Module.__init__"):
        Early()

    class EarlyModule(nn.Module):
        def __init__(self):
            self.sub = nn.Tanh()
            super().__init__()

    with pytest.raises(AttributeError, match="before Module.__init__"):
        EarlyModule()


def test_forward_missing():
    with pytest.raises(NotImplementedError, match='missing the required "forward"'):
        nn.Module()(tg.zeros([1]))


def test_get_submodule_parameter_buffer():
    net = Net()
    assert net.get_submodule("block.0") is net.block[0]
    assert net.get_parameter("block.0.weight") is net.block[0].weight
    assert net.get_buffer("fc1.calls") is net.fc1.calls
    with pytest.raises(AttributeError, match="has no attribute `nope`"):
        net.get_submodule("block.nope")
    with pytest.raises(AttributeError, match="not an nn.Parameter"):
        net.get_parameter("fc1.calls")


# ---------------------------------------------------------------------------------------- iteration
NET_PARAMS = ["fc1.weight", "fc1.bias", "block.0.weight", "block.0.bias", "head.weight", "head.bias"]
NET_BUFFERS = ["running", "fc1.calls", "fc1.scratch", "block.0.calls", "block.0.scratch", "head.calls",
               "head.scratch"]


def test_named_parameters_buffers_modules_order():
    net = Net()
    assert [n for n, _ in net.named_parameters()] == NET_PARAMS
    assert len(list(net.parameters())) == 6
    assert [n for n, _ in net.named_parameters(recurse=False)] == []
    assert [n for n, _ in net.fc1.named_parameters(prefix="x")] == ["x.weight", "x.bias"]
    assert [n for n, _ in net.named_buffers()] == NET_BUFFERS
    assert [n for n, _ in net.named_buffers(recurse=False)] == ["running"]
    assert [n for n, _ in net.named_modules()] == ["", "fc1", "act", "block", "block.0", "block.1", "head"]
    assert [n for n, _ in net.named_children()] == ["fc1", "act", "block", "head"]
    assert list(net.children())[2] is net.block
    assert len(list(net.modules())) == 7


def test_shared_parameters_and_modules_are_listed_once():
    a, b = Affine(3, 3), Affine(3, 3)
    b.weight = a.weight  # weight tying
    seq = nn.Sequential(a, b)
    names = [n for n, _ in seq.named_parameters()]
    assert names == ["0.weight", "0.bias", "1.bias"]
    assert len([n for n, _ in seq.named_parameters(remove_duplicate=False)]) == 4
    shared = Affine(2, 2)
    outer = nn.Sequential(shared, nn.Tanh(), shared)
    assert len(list(outer.modules())) == 3
    assert [n for n, _ in outer.named_children()] == ["0", "1"]
    assert len(list(outer.named_modules(remove_duplicate=False))) == 4
    assert len(list(outer.parameters())) == 2
    # the tied weight gets the gradient of both uses
    x = tg.tensor(np.ones((1, 3), np.float32))
    seq(x).sum().backward()
    h = tg.matmul(x, a.weight.t()) + a.bias
    # d/dW of sum(h W^T + b) is the column sums of h, plus the first use's x-term
    expected = np.ones((3, 1)) * _np(h).sum(0)[None, :] + np.ones((3, 1)) @ _np(x).sum(0)[None, :] * \
        _np(a.weight).sum(0)[None, :] * 0 + np.outer(_np(b.weight).sum(0), _np(x).sum(0))
    np.testing.assert_allclose(_np(a.weight.grad), expected, rtol=1e-5)


# ---------------------------------------------------------------------------------------- state dict
def test_state_dict_keys_order_values():
    net = Net()
    sd = net.state_dict()
    assert isinstance(sd, OrderedDict)
    # own parameters, own persistent buffers, then children in order (PyTorch's order)
    assert list(sd) == ["running", "fc1.weight", "fc1.bias", "fc1.calls", "block.0.weight", "block.0.bias",
                        "block.0.calls", "head.weight", "head.bias", "head.calls"]
    v = sd["fc1.weight"]
    assert type(v) is tg.Tensor and not v.requires_grad and v.data_ptr() == net.fc1.weight.data_ptr()
    assert sd._metadata[""] == {"version": 1} and sd._metadata["block.0"] == {"version": 1}
    kv = net.state_dict(keep_vars=True)
    assert kv["fc1.weight"] is net.fc1.weight
    assert list(net.state_dict(prefix="m.")) == ["m." + k for k in sd]


def test_state_dict_of_tied_weights_has_both_keys():
    a, b = Affine(2, 2), Affine(2, 2)
    b.weight = a.weight
    sd = nn.Sequential(a, b).state_dict()
    assert "0.weight" in sd and "1.weight" in sd


def test_load_state_dict_round_trip_copies_in_place():
    src, dst = Net(), Net()
    with tg.no_grad():
        for p in src.parameters():
            p.add_(1.5)
        src.running.fill_(7)
        src.fc1.calls.fill_(3)
    w_before = dst.fc1.weight
    result = dst.load_state_dict(src.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert repr(result) == "<All keys matched successfully>"
    assert dst.fc1.weight is w_before and dst.fc1.weight.is_leaf  # copied into, not replaced
    for (n, a), (_, b) in zip(src.state_dict().items(), dst.state_dict().items()):
        np.testing.assert_array_equal(_np(a), _np(b), err_msg=n)
    x = tg.tensor(np.linspace(-1, 1, 8, dtype=np.float32).reshape(2, 4))
    np.testing.assert_array_equal(_np(src(x)), _np(dst(x)))


def test_load_state_dict_converts_dtype_like_copy():
    m = Affine(2, 2)
    sd = {k: v.double() if v.dtype.is_floating_point else v for k, v in Affine(2, 2, seed=5).state_dict().items()}
    m.load_state_dict(sd)
    assert m.weight.dtype == tg.float32
    np.testing.assert_allclose(_np(m.weight), _np(sd["weight"]), rtol=1e-6)


def test_load_state_dict_strict_errors_list_every_key():
    m = nn.Sequential(Affine(2, 3), nn.Tanh(), Affine(3, 1))
    sd = m.state_dict()
    del sd["0.bias"]
    sd["2.extra"] = tg.zeros([1])
    sd["5.weight"] = tg.zeros([1])
    with pytest.raises(RuntimeError) as info:
        m.load_state_dict(sd)
    msg = str(info.value)
    assert msg == ('Error(s) in loading state_dict for Sequential:\n\tMissing key(s) in state_dict: "0.bias". \n\t'
                   'Unexpected key(s) in state_dict: "5.weight", "2.extra". ')
    result = m.load_state_dict(sd, strict=False)
    assert result.missing_keys == ["0.bias"]
    assert sorted(result.unexpected_keys) == ["2.extra", "5.weight"]


def test_load_state_dict_shape_mismatch_is_always_an_error():
    m = nn.Sequential(Affine(2, 3))
    sd = m.state_dict()
    sd["0.weight"] = tg.zeros([3, 5])
    for strict in (True, False):
        with pytest.raises(RuntimeError) as info:
            m.load_state_dict(sd, strict=strict)
        assert "size mismatch for 0.weight: copying a param with shape tensorgen.Size([3, 5]) from checkpoint, " \
               "the shape in current model is tensorgen.Size([3, 2])." in str(info.value)
        assert str(info.value).startswith("Error(s) in loading state_dict for Sequential:")
    sd["0.weight"] = [[1.0]]
    with pytest.raises(RuntimeError, match='While copying the parameter named "0.weight"'):
        m.load_state_dict(sd)
    with pytest.raises(TypeError, match="Expected state_dict to be dict-like"):
        m.load_state_dict([("0.weight", tg.zeros([3, 2]))])


def test_load_state_dict_post_hook_sees_incompatible_keys():
    m = Affine(2, 2)
    seen = []
    m.register_load_state_dict_post_hook(lambda mod, keys: seen.append((mod, list(keys.missing_keys))))
    m.load_state_dict({"weight": tg.zeros([2, 2])}, strict=False)
    assert seen == [(m, ["bias", "calls"])]


# ---------------------------------------------------------------------------------------- modes, grads
def test_train_eval_propagate():
    net = Net()
    assert net.training and net.block[1].training
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.block.train()
    assert net.block[0].training and not net.fc1.training and not net.training
    net.train()
    assert all(m.training for m in net.modules())
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        net.train("yes")


def test_requires_grad_and_zero_grad():
    net = Net()
    x = tg.tensor(np.ones((2, 4), np.float32))
    net(x).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.abs().sum().item() for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    assert net.requires_grad_(False) is net
    assert not any(p.requires_grad for p in net.parameters())
    net.fc1.requires_grad_()
    assert [n for n, p in net.named_parameters() if p.requires_grad] == ["fc1.weight", "fc1.bias"]


def test_apply_visits_children_first():
    net = Net()
    order = []
    assert net.apply(lambda m: order.append(type(m).__name__)) is net
    assert order == ["Affine", "Tanh", "Affine", "ReLU", "Sequential", "Affine", "Net"]

    def init_weights(m):
        if isinstance(m, Affine):
            with tg.no_grad():
                m.weight.fill_(0.5)
    net.apply(init_weights)
    assert all(float(m.weight.sum()) == 0.5 * m.weight.numel() for m in net.modules() if isinstance(m, Affine))


# ---------------------------------------------------------------------------------------- to(), dtypes
def test_to_dtype_converts_floating_params_buffers_and_grads():
    net = Net()
    net(tg.tensor(np.ones((2, 4), np.float32))).sum().backward()
    assert net.to(tg.float64) is net
    assert all(p.dtype == tg.float64 and type(p) is nn.Parameter and p.is_leaf for p in net.parameters())
    assert all(p.grad.dtype == tg.float64 for p in net.parameters())
    assert net.running.dtype == tg.float64 and net.fc1.scratch.dtype == tg.float64
    assert net.fc1.calls.dtype == tg.int64  # integer buffers keep their dtype
    out = net(tg.tensor(np.ones((2, 4))))
    assert out.dtype == tg.float64
    assert net.float().fc1.weight.dtype == tg.float32
    assert net.double().fc1.weight.dtype == tg.float64
    assert net.half().fc1.weight.dtype == tg.float16
    assert net.to(dtype=tg.float32).fc1.weight.dtype == tg.float32
    with pytest.raises(TypeError, match="only accepts floating point"):
        net.to(tg.int32)


def test_to_keeps_identity_when_nothing_changes_and_keeps_tied_weights_tied():
    a, b = Affine(2, 2), Affine(2, 2)
    b.weight = a.weight
    seq = nn.Sequential(a, b)
    w = a.weight
    assert seq.to(tg.float32) is seq and a.weight is w
    assert seq.cpu() is seq and a.weight is w
    assert seq.to("cpu") is seq and a.weight is w
    seq.to(tg.float64)
    assert a.weight is b.weight and a.weight.dtype == tg.float64
    assert len(list(seq.parameters())) == 3


def test_to_parses_arguments_like_pytorch():
    m = Affine(2, 2)
    m.to(tg.zeros([1], dtype=tg.float64))
    assert m.weight.dtype == tg.float64
    m.to("cpu", tg.float32)
    assert m.weight.dtype == tg.float32
    m.to(device="cpu", dtype=tg.float64)
    assert m.weight.dtype == tg.float64
    with pytest.raises(TypeError):
        m.to(3.5)
    with pytest.raises(TypeError, match="unexpected keyword"):
        m.to(fmt=1)


def test_deepcopy_gives_independent_copy_with_ties_kept():
    a, b = Affine(2, 2), Affine(2, 2)
    b.weight = a.weight
    seq = nn.Sequential(a, b)
    c = copy.deepcopy(seq)
    assert c[0].weight is c[1].weight and c[0].weight is not a.weight
    with tg.no_grad():
        c[0].weight.fill_(9)
    assert float(a.weight.sum()) != 36.0
    assert list(c.state_dict()) == list(seq.state_dict())


# ---------------------------------------------------------------------------------------- hooks
def test_forward_pre_hook_and_hook():
    m = Affine(2, 2)
    calls = []

    def pre(mod, args):
        calls.append("pre")
        return (args[0] * 0,)

    def post(mod, args, output):
        calls.append("post")
        return output + 1

    h1 = m.register_forward_pre_hook(pre)
    h2 = m.register_forward_hook(post)
    out = m(tg.ones([1, 2]))
    np.testing.assert_array_equal(_np(out), [[1.0, 1.0]])  # input zeroed, bias 0, +1
    assert calls == ["pre", "post"]
    h1.remove()
    h2.remove()
    h2.remove()  # removing twice is harmless
    out = m(tg.ones([1, 2]))
    np.testing.assert_allclose(_np(out), _np(m.weight).sum(1)[None], rtol=1e-6)
    assert calls == ["pre", "post"]


def test_pre_hook_may_return_a_single_value_and_hooks_see_args():
    m = nn.Identity()
    seen = []
    m.register_forward_pre_hook(lambda mod, args: args[0] + 1)
    m.register_forward_hook(lambda mod, args, out: seen.append((mod, float(args[0]), float(out))))
    assert float(m(tg.tensor(1.0))) == 2.0
    assert seen == [(m, 2.0, 2.0)]


def test_hooks_with_kwargs_prepend_and_context_manager():
    class Scale(nn.Module):
        def forward(self, x, *, scale=1.0):
            return x * scale

    m = Scale()
    order = []
    m.register_forward_hook(lambda mod, args, out: order.append("a"))
    m.register_forward_hook(lambda mod, args, out: order.append("b"), prepend=True)
    m.register_forward_pre_hook(lambda mod, args, kwargs: (args, {"scale": kwargs["scale"] * 10}), with_kwargs=True)
    with m.register_forward_hook(lambda mod, args, kwargs, out: out + kwargs["scale"], with_kwargs=True):
        assert float(m(tg.tensor(1.0), scale=2.0)) == 40.0
    assert order == ["b", "a"]
    assert float(m(tg.tensor(1.0), scale=2.0)) == 20.0
    bad = Scale()
    bad.register_forward_pre_hook(lambda mod, args, kwargs: 5, with_kwargs=True)
    with pytest.raises(RuntimeError, match="must return None or a tuple"):
        bad(tg.tensor(1.0))


def test_always_call_hook_runs_when_forward_raises():
    class Boom(nn.Module):
        def forward(self, x):
            raise ValueError("boom")

    m = Boom()
    seen = []
    m.register_forward_hook(lambda mod, args, out: seen.append(out), always_call=True)
    m.register_forward_hook(lambda mod, args, out: seen.append("never"))
    with pytest.raises(ValueError, match="boom"):
        m(tg.zeros([1]))
    assert seen == [None]


# ---------------------------------------------------------------------------------------- repr
def test_repr_like_pytorch():
    net = Net()
    assert repr(net) == (
        "Net(\n"
        "  (fc1): Affine(4, 3)\n"
        "  (act): Tanh()\n"
        "  (block): Sequential(\n"
        "    (0): Affine(3, 3)\n"
        "    (1): ReLU()\n"
        "  )\n"
        "  (head): Affine(3, 2)\n"
        ")")
    assert repr(nn.Module()) == "Module()"


def test_modulelist_repr_compresses_repeats():
    ml = nn.ModuleList([nn.Tanh(), nn.Tanh(), nn.Tanh(), nn.ReLU()])
    assert repr(ml) == "ModuleList(\n  (0-2): 3 x Tanh()\n  (3): ReLU()\n)"
    assert repr(nn.ModuleList()) == "ModuleList()"


# ---------------------------------------------------------------------------------------- containers
def test_sequential_indexing_slicing_append_and_forward():
    a, t, b = Affine(2, 3), nn.Tanh(), Affine(3, 1)
    seq = nn.Sequential(a, t, b)
    assert len(seq) == 3 and seq[0] is a and seq[-1] is b and list(seq) == [a, t, b]
    sub = seq[1:]
    assert isinstance(sub, nn.Sequential) and list(sub) == [t, b]
    assert list(sub._modules) == ["1", "2"]  # PyTorch keeps the original names in a slice
    with pytest.raises(IndexError, match="index 3 is out of range"):
        seq[3]
    x = tg.tensor(np.ones((4, 2), np.float32))
    expected = b(tg.tanh(a(x)))
    np.testing.assert_array_equal(_np(seq(x)), _np(expected))
    r = nn.ReLU()
    assert seq.append(r) is seq and seq[3] is r and len(seq) == 4
    seq[3] = nn.Identity()
    assert isinstance(seq[3], nn.Identity)
    del seq[1]
    assert list(seq._modules) == ["0", "1", "2"] and seq[1] is b
    seq.insert(1, t)
    assert list(seq)[1] is t and len(seq) == 4
    assert seq.pop(1) is t and len(seq) == 3
    both = nn.Sequential(a) + nn.Sequential(b)
    assert list(both) == [a, b]
    seq.extend([nn.Tanh()])
    assert len(seq) == 4
    with pytest.raises(ValueError, match="only objects of Sequential"):
        seq + [a]


def test_sequential_from_ordered_dict_names_children():
    seq = nn.Sequential(OrderedDict([("enc", Affine(2, 2)), ("act", nn.Tanh())]))
    assert list(seq.state_dict()) == ["enc.weight", "enc.bias", "enc.calls"]
    assert seq.enc is seq[0]


def test_modulelist():
    ml = nn.ModuleList([Affine(2, 2) for _ in range(3)])
    assert len(ml) == 3 and [n for n, _ in ml.named_parameters()][:2] == ["0.weight", "0.bias"]
    ml.append(nn.Tanh())
    ml.extend([nn.ReLU()])
    ml.insert(0, nn.Identity())
    assert [type(m).__name__ for m in ml] == ["Identity", "Affine", "Affine", "Affine", "Tanh", "ReLU"]
    assert isinstance(ml[1:3], nn.ModuleList) and len(ml[1:3]) == 2
    assert isinstance(ml[-1], nn.ReLU)
    del ml[0]
    assert list(ml._modules) == ["0", "1", "2", "3", "4"]
    ml[0] = nn.Tanh()
    assert isinstance(ml[0], nn.Tanh)
    ml += [nn.Identity()]
    assert len(ml) == 6 and len(ml + ml) == 12
    with pytest.raises(IndexError):
        ml[6]
    with pytest.raises(TypeError, match="iterable"):
        ml.extend(nn.Tanh())


def test_moduledict():
    md = nn.ModuleDict({"a": Affine(2, 2), "b": nn.Tanh()})
    assert list(md.keys()) == ["a", "b"] and "a" in md and len(md) == 2
    md["c"] = nn.ReLU()
    md.update([("d", nn.Identity())])
    assert list(md) == ["a", "b", "c", "d"]
    assert isinstance(md.pop("b"), nn.Tanh) and "b" not in md
    assert [n for n, _ in md.named_parameters()] == ["a.weight", "a.bias"]
    assert [k for k, _ in md.items()] == ["a", "c", "d"]
    with pytest.raises(ValueError, match="element #0"):
        md.update([nn.Tanh()])
    md.clear()
    assert len(md) == 0


def test_parameterlist_and_parameterdict():
    pl = nn.ParameterList([tg.zeros([2]), nn.Parameter(tg.ones([3]))])
    assert all(isinstance(p, nn.Parameter) for p in pl)  # plain tensors are wrapped
    pl.append(tg.zeros([1]))
    assert len(pl) == 3 and [n for n, _ in pl.named_parameters()] == ["0", "1", "2"]
    assert pl[-1].shape == (1,)
    assert repr(nn.ParameterList([nn.Parameter(tg.zeros([2, 3]))])) == \
        "ParameterList(  (0): Parameter containing: [tensorgen.float32 of size 2x3])"
    pd = nn.ParameterDict({"w": tg.ones([2]), "b": nn.Parameter(tg.zeros([2]))})
    assert isinstance(pd["w"], nn.Parameter) and list(pd) == ["w", "b"]
    pd["c"] = tg.zeros([1])
    assert [n for n, _ in pd.named_parameters()] == ["w", "b", "c"]
    assert list(pd.state_dict()) == ["w", "b", "c"]
    assert pd.pop("b").shape == (2,) and "b" not in pd
    assert pd.get("zz") is None and len(pd) == 2
    with pytest.raises(KeyError):
        pd["zz"]

    class Holder(nn.Module):
        def __init__(self):
            super().__init__()
            self.ps = nn.ParameterList([tg.zeros([1]), tg.zeros([2])])
            self.pd = nn.ParameterDict({"a": tg.zeros([3])})

    assert list(Holder().state_dict()) == ["ps.0", "ps.1", "pd.a"]


# ---------------------------------------------------------------------------------------- nn.utils
def _with_grads(values):
    params = []
    for v in values:
        p = nn.Parameter(tg.tensor(np.zeros_like(v)))
        p.grad = tg.tensor(v)
        params.append(p)
    return params


def test_clip_grad_norm_matches_numpy():
    rng = np.random.default_rng(0)
    grads = [rng.standard_normal((3, 4)).astype(np.float32), rng.standard_normal(5).astype(np.float32)]
    params = _with_grads(grads)
    total = np.sqrt(sum((g.astype(np.float64) ** 2).sum() for g in grads))
    norm = nn.utils.clip_grad_norm_(params, max_norm=1.0)
    np.testing.assert_allclose(float(norm), total, rtol=1e-5)
    coef = 1.0 / (total + 1e-6)
    for p, g in zip(params, grads):
        np.testing.assert_allclose(_np(p.grad), g * coef, rtol=1e-5)
    # below the limit: unchanged
    params = _with_grads(grads)
    nn.utils.clip_grad_norm_(params, max_norm=1e3)
    np.testing.assert_array_equal(_np(params[0].grad), grads[0])
    # inf norm and a single tensor
    p = _with_grads([np.array([3.0, -4.0], np.float32)])[0]
    assert float(nn.utils.clip_grad_norm_(p, 2.0, norm_type="inf")) == 4.0
    np.testing.assert_allclose(_np(p.grad), [1.5, -2.0], rtol=1e-5)


def test_clip_grad_norm_nonfinite_and_no_grads():
    p = _with_grads([np.array([np.inf, 1.0], np.float32)])
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.utils.clip_grad_norm_(p, 1.0, error_if_nonfinite=True)
    assert float(nn.utils.clip_grad_norm_([nn.Parameter(tg.zeros([2]))], 1.0)) == 0.0


def test_clip_grad_value_():
    params = _with_grads([np.array([-3.0, 0.5, 2.0], np.float32)])
    nn.utils.clip_grad_value_(params, 1.0)
    np.testing.assert_array_equal(_np(params[0].grad), [-1.0, 0.5, 1.0])


def test_parameters_to_vector_and_back():
    m = Affine(3, 2)
    vec = nn.utils.parameters_to_vector(m.parameters())
    assert vec.shape == (8,)
    np.testing.assert_array_equal(_np(vec)[:6], _np(m.weight).ravel())
    nn.utils.vector_to_parameters(tg.tensor(np.arange(8, dtype=np.float32)), m.parameters())
    np.testing.assert_array_equal(_np(m.weight), np.arange(6).reshape(2, 3))
    np.testing.assert_array_equal(_np(m.bias), [6, 7])
    assert m.weight.is_leaf
    with pytest.raises(RuntimeError, match="8 elements"):
        nn.utils.vector_to_parameters(tg.zeros([7]), m.parameters())
    with pytest.raises(TypeError, match="expected torch.Tensor"):
        nn.utils.vector_to_parameters([0.0] * 8, m.parameters())


# ---------------------------------------------------------------------------------------- against torch
def test_state_dict_keys_match_torch_for_the_same_architecture():
    torch = pytest.importorskip("torch", reason="compares state_dict keys with PyTorch's")
    tnn = torch.nn

    def build(lib):
        return lib.Sequential(OrderedDict([
            ("feat", lib.Sequential(lib.Conv2d(1, 4, 3), lib.BatchNorm2d(4), lib.ReLU(), lib.MaxPool2d(2))),
            ("flat", lib.Flatten()),
            ("cls", lib.ModuleDict({"a": lib.Linear(4, 2), "b": lib.LayerNorm(2)})),
            ("rnn", lib.LSTM(2, 3, num_layers=2, bidirectional=True)),
            ("emb", lib.Embedding(5, 2)),
            ("attn", lib.MultiheadAttention(4, 2)),
        ]))

    ours = build(nn)
    theirs = build(tnn)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for (n, a), (_, b) in zip(ours.state_dict().items(), theirs.state_dict().items()):
        assert tuple(a.shape) == tuple(b.shape), n
    assert repr(ours) == repr(theirs).replace("torch.", "tensorgen.")


@pytest.mark.skipif(not tg.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_and_cpu_move_parameters_buffers_and_grads():
    net = Net()
    net(tg.tensor(np.ones((2, 4), np.float32))).sum().backward()
    ref = {k: _np(v).copy() for k, v in net.state_dict().items()}
    assert net.cuda() is net
    assert all(p.device.type == "cuda" and p.grad.device.type == "cuda" for p in net.parameters())
    assert all(b.device.type == "cuda" for b in net.buffers())
    out = net(tg.tensor(np.ones((2, 4), np.float32)).cuda())
    assert out.device.type == "cuda"
    net.cpu()
    for k, v in net.state_dict().items():
        assert v.device.type == "cpu"
        np.testing.assert_array_equal(_np(v), ref[k])
    net.to("cuda", tg.float64)
    assert net.fc1.weight.dtype == tg.float64 and net.fc1.calls.dtype == tg.int64
    assert net.fc1.weight.device.type == "cuda"
