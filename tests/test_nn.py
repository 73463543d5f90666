"""nn.Module and the basic layers: registration, tree walks, modes, state dicts, containers,
reprs, and each layer's forward against numpy and its gradient by gradcheck."""
from collections import OrderedDict

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import Tensor, nn

from helpers import rand, softmax


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)
        self.bn = nn.BatchNorm1d(3)
        self.register_buffer("steps", np.zeros((), dtype=np.int64))
        self.register_buffer("cache", np.zeros(2, dtype=np.float32), persistent=False)

    def forward(self, x):
        return self.bn(self.fc(x)).relu()


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block()
        self.scale = nn.Parameter(np.ones(1, dtype=np.float32))
        self.head = nn.Sequential(nn.Dropout(0.5), nn.Linear(3, 2))
        self.note = "not a parameter"

    def forward(self, x):
        return self.head(self.block(x)) * self.scale


# ---- registration and tree walks -------------------------------------------------------------
def test_named_parameters_order_and_names():
    net = Net()
    names = [n for n, _ in net.named_parameters()]
    # own parameters first, then submodules in assignment order (PyTorch's order)
    assert names == ["scale", "block.fc.weight", "block.fc.bias", "block.bn.weight",
                     "block.bn.bias", "head.1.weight", "head.1.bias"]
    assert [p.shape for p in net.parameters()] == [(1,), (3, 4), (3,), (3,), (3,), (2, 3), (2,)]
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in net.parameters())
    assert [n for n, _ in net.named_parameters(recurse=False)] == ["scale"]
    assert [n for n, _ in net.block.named_parameters(prefix="block")][0] == "block.fc.weight"


def test_buffers_children_modules():
    net = Net()
    assert [n for n, _ in net.named_buffers()] == [
        "block.steps", "block.cache", "block.bn.running_mean", "block.bn.running_var",
        "block.bn.num_batches_tracked"]
    assert [n for n, _ in net.named_children()] == ["block", "head"]
    assert list(net.children()) == [net.block, net.head]
    assert [n for n, _ in net.named_modules()] == ["", "block", "block.fc", "block.bn",
                                                   "head", "head.0", "head.1"]
    assert [type(m).__name__ for m in net.modules()] == [
        "Net", "Block", "Linear", "BatchNorm1d", "Sequential", "Dropout", "Linear"]
    assert net.note == "not a parameter" and "note" not in dict(net.named_parameters())
    assert net.get_submodule("head.1") is net.head[1]
    assert net.get_parameter("block.fc.bias") is net.block.fc.bias
    with pytest.raises(AttributeError, match="head has no submodule '7'"):
        net.get_submodule("head.7")


def test_shared_parameter_counted_once():
    net = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
    net.append(net[0])                       # the same layer twice
    assert len(list(net.parameters())) == 2
    assert len(list(net.modules())) == 3     # Sequential, Linear, ReLU


def test_reassigning_and_deleting():
    net = Net()
    net.scale = nn.Parameter(np.zeros(1, dtype=np.float32))
    assert net.scale.numpy()[0] == 0 and "scale" in dict(net.named_parameters())
    with pytest.raises(TypeError, match="cannot assign Tensor as parameter 'scale' of Net"):
        net.scale = Tensor(np.ones(1))
    net.scale = None                          # keeps the slot, as PyTorch
    assert net.scale is None and "scale" not in dict(net.named_parameters())
    with pytest.raises(TypeError, match="cannot assign int as child module 'head' of Net"):
        net.head = 3
    net.block.fc = nn.Identity()              # replacing a submodule
    assert isinstance(net.block.fc, nn.Identity)
    assert "block.fc.weight" not in dict(net.named_parameters())
    del net.head
    assert [n for n, _ in net.named_children()] == ["block"]
    with pytest.raises(AttributeError, match="'Net' object has no attribute 'head'"):
        _ = net.head


def test_registration_name_checks():
    m = nn.Module()
    with pytest.raises(KeyError, match="cannot contain"):
        m.register_buffer("a.b", np.zeros(1))
    with pytest.raises(KeyError, match="already exists"):
        m.register_parameter("forward", nn.Parameter(np.zeros(1)))
    with pytest.raises(TypeError, match="nn.Parameter or None required"):
        m.register_parameter("w", Tensor(np.zeros(1)))
    with pytest.raises(TypeError, match="int is not a Module"):
        m.add_module("x", 3)

    class Early(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(np.zeros(1))
    with pytest.raises(AttributeError, match=r"call super\(\).__init__\(\) first"):
        Early()


def test_train_eval_propagate():
    net = Net()
    assert all(m.training for m in net.modules())
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    net.head.eval()
    assert net.training and not net.head.training and not net.head[0].training
    with pytest.raises(ValueError, match="bool"):
        net.train("no")


def test_train_calls_overridden_train_of_children():
    calls = []

    class Frozen(nn.Linear):
        def train(self, mode=True):
            calls.append(mode)
            return super().train(False)           # stays in eval mode
    net = nn.Sequential(Frozen(2, 2), nn.Dropout())
    net.train()
    assert calls == [True] and not net[0].training and net[1].training


def test_zero_grad():
    net = Net()
    x = Tensor(rand(5, 4, dtype=np.float32))
    net(x).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all(p.grad is not None and np.all(p.grad.numpy() == 0) for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_requires_grad_and_dtype_casts():
    net = Net()
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())
    net.double()
    assert all(p.dtype == np.float64 for p in net.parameters())
    assert net.block.bn.running_var.dtype == np.float64
    assert net.block.bn.num_batches_tracked.dtype == np.int64     # integers stay
    net.float()
    assert all(p.dtype == np.float32 for p in net.parameters())


def test_forward_hook_and_apply():
    net = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
    seen = []
    handle = net[0].register_forward_hook(lambda m, inp, out: seen.append(out.shape))
    net(Tensor(np.ones((4, 2), np.float32)))
    handle.remove()
    net(Tensor(np.ones((4, 2), np.float32)))
    assert seen == [(4, 3)]
    net.apply(lambda m: isinstance(m, nn.Linear) and nn.init.zeros_(m.weight))
    assert np.all(net[0].weight.numpy() == 0)


# ---- state_dict ------------------------------------------------------------------------------
def test_state_dict_keys_and_copies():
    net = Net()
    sd = net.state_dict()
    # each module's parameters, then its buffers, then its children (PyTorch's order);
    # the non-persistent buffer 'cache' is left out
    assert list(sd) == ["scale", "block.steps", "block.fc.weight", "block.fc.bias",
                        "block.bn.weight", "block.bn.bias", "block.bn.running_mean",
                        "block.bn.running_var", "block.bn.num_batches_tracked",
                        "head.1.weight", "head.1.bias"]
    assert all(isinstance(v, np.ndarray) for v in sd.values())
    net.block.fc.weight.numpy()[...] = 7
    assert not np.any(sd["block.fc.weight"] == 7)            # a snapshot, not a view
    assert list(nn.Sequential(nn.Linear(1, 1), nn.ReLU(), nn.Linear(1, 2)).state_dict()) == \
        ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_state_dict_round_trip():
    mg.manual_seed(1)
    a = Net()
    x = Tensor(rand(6, 4, dtype=np.float32))
    a(x)                                    # moves the BatchNorm running statistics
    a.eval()
    mg.manual_seed(2)
    b = Net().eval()
    assert not np.allclose(a(x).numpy(), b(x).numpy())
    result = b.load_state_dict(a.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    np.testing.assert_array_equal(a(x).numpy(), b(x).numpy())
    for (ka, va), (kb, vb) in zip(a.state_dict().items(), b.state_dict().items()):
        assert ka == kb and va.dtype == vb.dtype
        np.testing.assert_array_equal(va, vb)
    assert b.block.bn.num_batches_tracked.numpy() == 1
    # values may also be Tensors (e.g. another model's parameters)
    c = Net()
    c.load_state_dict({k: Tensor(v) for k, v in a.state_dict().items()})
    np.testing.assert_array_equal(c.eval()(x).numpy(), a(x).numpy())


def test_load_state_dict_strict_errors_name_the_keys():
    net = Net()
    sd = net.state_dict()
    del sd["block.fc.bias"]
    sd["block.extra"] = np.zeros(2)
    with pytest.raises(RuntimeError) as err:
        net.load_state_dict(sd)
    msg = str(err.value)
    assert "Error(s) in loading state_dict for Net" in msg
    assert "Missing key(s) in state_dict: 'block.fc.bias'" in msg
    assert "Unexpected key(s) in state_dict: 'block.extra'" in msg
    result = net.load_state_dict(sd, strict=False)
    assert result.missing_keys == ["block.fc.bias"]
    assert result.unexpected_keys == ["block.extra"]


def test_load_state_dict_shape_mismatch_changes_nothing():
    net = Net()
    before = net.state_dict()
    sd = {k: v + 1 for k, v in before.items()}
    sd["head.1.weight"] = np.zeros((3, 3), np.float32)
    for strict in (True, False):                       # a shape mismatch is always an error
        with pytest.raises(RuntimeError, match=r"size mismatch for head.1.weight: copying a "
                           r"param with shape \(3, 3\) .* current model is \(2, 3\)"):
            net.load_state_dict(sd, strict=strict)
    for k, v in net.state_dict().items():               # nothing was half-loaded
        np.testing.assert_array_equal(v, before[k])


# ---- Sequential and ModuleList ----------------------------------------------------------------
def test_sequential_indexing_len_iteration_append():
    l0, r, l2 = nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)
    seq = nn.Sequential(l0, r, l2)
    assert len(seq) == 3 and list(seq) == [l0, r, l2]
    assert seq[0] is l0 and seq[-1] is l2
    head = seq[1:]
    assert isinstance(head, nn.Sequential) and list(head) == [r, l2]
    assert [n for n, _ in head.named_children()] == ["1", "2"]     # names kept, as PyTorch
    with pytest.raises(IndexError, match="Sequential index 3 is out of range for length 3"):
        seq[3]
    with pytest.raises(TypeError, match="must be integers or slices"):
        seq["0"]
    seq.append(nn.Sigmoid())
    assert len(seq) == 4 and list(seq.state_dict()) == [
        "0.weight", "0.bias", "2.weight", "2.bias"]
    x = Tensor(rand(5, 3, dtype=np.float32))
    ref = 1 / (1 + np.exp(-(np.maximum(x.numpy() @ l0.weight.numpy().T + l0.bias.numpy(), 0)
                            @ l2.weight.numpy().T + l2.bias.numpy())))
    np.testing.assert_allclose(seq(x).numpy(), ref, rtol=1e-5, atol=1e-6)


def test_sequential_delete_insert_setitem_renumber():
    a, b, c = nn.ReLU(), nn.Tanh(), nn.Sigmoid()
    seq = nn.Sequential(a, b, c)
    del seq[0]
    assert [n for n, _ in seq.named_children()] == ["0", "1"] and list(seq) == [b, c]
    seq.insert(0, a)
    assert list(seq) == [a, b, c]
    d = nn.Identity()
    seq[1] = d
    assert list(seq) == [a, d, c]


def test_sequential_from_ordered_dict():
    seq = nn.Sequential(OrderedDict([("conv", nn.Linear(2, 2)), ("act", nn.ReLU())]))
    assert list(seq.state_dict()) == ["conv.weight", "conv.bias"]
    assert seq.conv is seq[0]


def test_module_list_registers_its_modules():
    class Tower(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])

        def forward(self, x):
            for layer in self.layers:
                x = layer(x)
            return x
    tower = Tower()
    assert [n for n, _ in tower.named_parameters()][:3] == [
        "layers.0.weight", "layers.0.bias", "layers.1.weight"]
    tower.layers += [nn.Linear(2, 1)]
    tower.layers.append(nn.ReLU())
    assert len(tower.layers) == 5 and tower(Tensor(np.ones((1, 2), np.float32))).shape == (1, 1)
    assert isinstance(tower.layers[1:3], nn.ModuleList) and len(tower.layers[1:3]) == 2
    with pytest.raises(NotImplementedError, match="ModuleList has no forward"):
        tower.layers(Tensor(np.ones((1, 2))))


# ---- repr ------------------------------------------------------------------------------------
def test_layer_reprs():
    assert repr(nn.Linear(1568, 128)) == "Linear(in_features=1568, out_features=128, bias=True)"
    assert repr(nn.Linear(3, 1, bias=False)) == "Linear(in_features=3, out_features=1, bias=False)"
    assert repr(nn.BatchNorm2d(16)) == \
        "BatchNorm2d(16, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)"
    assert repr(nn.BatchNorm1d(8, eps=1e-3, momentum=None, affine=False,
                               track_running_stats=False)) == \
        "BatchNorm1d(8, eps=0.001, momentum=None, affine=False, track_running_stats=False)"
    assert repr(nn.ReLU()) == "ReLU()"
    assert repr(nn.ReLU(inplace=True)) == "ReLU(inplace=True)"
    assert repr(nn.Dropout(0.25)) == "Dropout(p=0.25, inplace=False)"
    assert repr(nn.Flatten()) == "Flatten(start_dim=1, end_dim=-1)"
    assert repr(nn.Softmax(dim=1)) == "Softmax(dim=1)"
    assert repr(nn.LogSoftmax(dim=-1)) == "LogSoftmax(dim=-1)"
    assert repr(nn.Identity()) == "Identity()"
    assert repr(nn.Sigmoid()) == "Sigmoid()" and repr(nn.Tanh()) == "Tanh()"
    assert repr(nn.CrossEntropyLoss()) == "CrossEntropyLoss()"


def test_nested_repr():
    assert repr(Net()) == """Net(
  (block): Block(
    (fc): Linear(in_features=4, out_features=3, bias=True)
    (bn): BatchNorm1d(3, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)
  )
  (head): Sequential(
    (0): Dropout(p=0.5, inplace=False)
    (1): Linear(in_features=3, out_features=2, bias=True)
  )
)"""


# ---- Linear ----------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(5, 4), (2, 3, 4), (4,)])
def test_linear_forward_vs_numpy(shape):
    layer = nn.Linear(4, 3)
    x = rand(*shape, dtype=np.float32)
    out = layer(Tensor(x))
    assert out.shape == shape[:-1] + (3,) and out.dtype == np.float32
    np.testing.assert_allclose(out.numpy(), x @ layer.weight.numpy().T + layer.bias.numpy(),
                               rtol=1e-5, atol=1e-6)
    no_bias = nn.Linear(4, 3, bias=False)
    np.testing.assert_allclose(no_bias(Tensor(x)).numpy(), x @ no_bias.weight.numpy().T, rtol=1e-5)


def test_linear_gradcheck_float64():
    layer = nn.Linear(4, 3)
    x = Tensor(rand(2, 3, 4), requires_grad=True)
    w = Tensor(layer.weight.numpy(), requires_grad=True)
    b = Tensor(layer.bias.numpy(), requires_grad=True)
    assert mg.gradcheck(lambda x, w, b: F.linear(x, w, b), (x, w, b))
    # and through the module itself, with its parameters in float64
    layer.double()
    assert mg.gradcheck(layer, Tensor(rand(3, 4), requires_grad=True))
    layer.zero_grad()
    layer(Tensor(rand(3, 4))).sum().backward()
    np.testing.assert_allclose(layer.bias.grad.numpy(), np.full(3, 3.0))


@pytest.mark.parametrize("shape", [(5, 4), (2, 3, 4), (4,), (0, 4)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_plain_and_recorded_backward_agree(shape, bias):
    # a plain backward computes the three products on arrays; under create_graph they run
    # as recorded ops: the same gradients either way, and those against numpy
    layer = nn.Linear(4, 3, bias=bias).double()
    x = Tensor(rand(*shape), requires_grad=True)
    g = rand(*(shape[:-1] + (3,)), seed=3)
    params = [x] + list(layer.parameters())
    plain = mg.autograd.grad(layer(x), params, g)
    recorded = mg.autograd.grad(layer(x), params, g, create_graph=True)
    w = layer.weight.numpy()
    g2, x2 = g.reshape(-1, 3), x.numpy().reshape(-1, 4)
    want = [g @ w, g2.T @ x2] + ([g2.sum(axis=0)] if bias else [])
    for a, b, c in zip(plain, recorded, want):
        np.testing.assert_allclose(a.numpy(), c, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(b.numpy(), c, rtol=1e-12, atol=1e-14)


def test_linear_bad_input_names_layer_and_shapes():
    layer = nn.Linear(1568, 128)
    with pytest.raises(ValueError, match=r"Linear\(in_features=1568, out_features=128\): "
                                         r"expected input of shape \(\.\.\., 1568\), got \(32, 784\)"):
        layer(mg.zeros(32, 784))
    with pytest.raises(ValueError, match="in_features must be a non-negative int"):
        nn.Linear(2.5, 3)


def test_identity():
    x = Tensor(np.ones(3))
    assert nn.Identity(54, unused="x")(x) is x


# ---- activations and Flatten -----------------------------------------------------------------
@pytest.mark.parametrize("layer,ref", [
    (nn.ReLU(), lambda x: np.maximum(x, 0)),
    (nn.Sigmoid(), lambda x: 1 / (1 + np.exp(-x))),
    (nn.Tanh(), np.tanh),
    (nn.Softmax(dim=1), lambda x: softmax(x, 1)),
    (nn.LogSoftmax(dim=-1), lambda x: np.log(softmax(x, -1))),
])
def test_activations_vs_numpy_and_gradcheck(layer, ref):
    x = rand(3, 4, seed=3)
    np.testing.assert_allclose(layer(Tensor(x)).numpy(), ref(x), rtol=1e-10, atol=1e-12)
    assert mg.gradcheck(layer, Tensor(x + 0.05, requires_grad=True))   # away from ReLU's kink


def test_softmax_implicit_dim_follows_pytorch():
    x = rand(2, 3)
    with pytest.warns(UserWarning, match="implicit dimension"):
        out = nn.Softmax()(Tensor(x))
    np.testing.assert_allclose(out.numpy(), softmax(x, 1))
    with pytest.raises(IndexError, match=r"Softmax\(dim=2\): dim 2 is out of range for input with 2 dims"):
        nn.Softmax(dim=2)(Tensor(x))


def test_flatten():
    x = Tensor(rand(2, 3, 4, 5), requires_grad=True)
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0, 1)(x).shape == (6, 4, 5)
    assert nn.Flatten(start_dim=2)(x).shape == (2, 3, 20)
    np.testing.assert_array_equal(nn.Flatten()(x).numpy(), x.numpy().reshape(2, 60))
    nn.Flatten()(x).sum().backward()
    assert x.grad.shape == (2, 3, 4, 5)
    with pytest.raises(IndexError, match=r"Flatten\(start_dim=1, end_dim=-1\): start_dim=1 is "
                                         r"out of range for input of shape \(5,\)"):
        nn.Flatten()(Tensor(np.ones(5)))
    with pytest.raises(ValueError, match="start_dim comes after end_dim"):
        nn.Flatten(2, 1)(x)


# ---- Dropout ---------------------------------------------------------------------------------
def test_dropout_mask_rate_and_scaling():
    mg.manual_seed(0)
    p = 0.3
    x = Tensor(np.ones((200, 500), np.float32))
    y = nn.Dropout(p)(x).numpy()
    assert y.dtype == np.float32
    assert np.mean(y == 0) == pytest.approx(p, abs=0.01)
    kept = y[y != 0]
    np.testing.assert_allclose(kept, 1 / (1 - p), rtol=1e-6)   # inverted dropout
    assert y.mean() == pytest.approx(1.0, abs=0.02)             # expectation unchanged


def test_dropout_eval_is_identity_and_extremes():
    x = Tensor(rand(4, 5, dtype=np.float32))
    layer = nn.Dropout(0.5).eval()
    np.testing.assert_array_equal(layer(x).numpy(), x.numpy())
    np.testing.assert_array_equal(nn.Dropout(0.0)(x).numpy(), x.numpy())
    assert np.all(nn.Dropout(1.0)(x).numpy() == 0)
    for bad in (-0.1, 1.5, "0.5"):
        with pytest.raises(ValueError, match="between 0 and 1"):
            nn.Dropout(bad)


def test_dropout_gradient_uses_the_same_mask():
    x = Tensor(rand(50, 40), requires_grad=True)
    y = nn.Dropout(0.4)(x)
    y.backward(np.ones(y.shape))
    mask = y.numpy() / x.numpy()                          # 0 where dropped, 1/(1-p) where kept
    assert set(np.round(np.unique(mask), 6)) == {0.0, round(1 / 0.6, 6)}
    np.testing.assert_allclose(x.grad.numpy(), mask, rtol=1e-12)


def test_dropout_seeded():
    x = Tensor(np.ones((10, 10), np.float32))
    mg.manual_seed(5)
    a = nn.Dropout()(x).numpy()
    mg.manual_seed(5)
    np.testing.assert_array_equal(nn.Dropout()(x).numpy(), a)


# ---- loss modules ----------------------------------------------------------------------------
def _log_softmax(x):
    return np.log(softmax(x, 1))


def test_cross_entropy_loss_vs_numpy():
    x, t = rand(6, 4), np.array([0, 3, 1, 1, 2, 0])
    ref = -_log_softmax(x)[np.arange(6), t]
    assert nn.CrossEntropyLoss()(Tensor(x), t).item() == pytest.approx(ref.mean())
    assert nn.CrossEntropyLoss(reduction="sum")(Tensor(x), Tensor(t)).item() == \
        pytest.approx(ref.sum())
    np.testing.assert_allclose(nn.CrossEntropyLoss(reduction="none")(Tensor(x), t).numpy(), ref)
    with pytest.raises(NotImplementedError, match="per-class weights"):
        nn.CrossEntropyLoss(weight=Tensor(np.ones(4)))
    with pytest.raises(ValueError, match="reduction must be"):
        nn.CrossEntropyLoss(reduction="avg")


def _cross_entropy_reference(x, t, reduction, smoothing, ignore_index):
    """Written out per target position: x (N, C, *d) logits, t (N, *d) classes."""
    C = x.shape[1]
    logp = _log_softmax(x)
    losses, counted = np.zeros(t.shape), 0
    for pos in np.ndindex(*t.shape):
        if t[pos] == ignore_index:
            continue
        lp = logp[(pos[0], slice(None)) + pos[1:]]           # the C log-probabilities here
        losses[pos] = -(1 - smoothing) * lp[t[pos]] - smoothing * lp.sum() / C
        counted += 1
    if reduction == "none":
        return losses
    return losses.sum() / (counted if reduction == "mean" else 1)


CE_CASES = [  # logits shape, targets, label_smoothing, ignore_index
    ((5, 3), [2, 0, 1, 1, 0], 0.0, -100),
    ((5, 3), [2, 0, 1, 1, 0], 0.2, -100),
    ((5, 3), [2, -100, 1, -100, 0], 0.1, -100),
    ((2, 4, 3), [[0, 3, 1], [2, 2, 7]], 0.3, 7),            # (N, C, d) with an ignored cell
    ((2, 3, 2, 2), [[[0, 1], [2, 0]], [[1, 1], [0, 2]]], 0.0, -100),
]


@pytest.mark.parametrize("shape, target, smoothing, ignore", CE_CASES)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_vs_written_out_reference_and_gradcheck(shape, target, smoothing, ignore,
                                                              reduction):
    x, t = rand(*shape, seed=3), np.array(target)
    def loss(z):
        return F.cross_entropy(z, t, reduction=reduction, label_smoothing=smoothing,
                               ignore_index=ignore)
    ref = _cross_entropy_reference(x, t, reduction, smoothing, ignore)
    np.testing.assert_allclose(loss(Tensor(x)).numpy(), ref, rtol=1e-12, atol=1e-12)
    out32 = loss(Tensor(x.astype(np.float32)))
    assert out32.dtype == np.float32
    np.testing.assert_allclose(out32.numpy(), ref, rtol=1e-5, atol=1e-6)
    assert mg.gradcheck(loss, Tensor(x, requires_grad=True))


def test_cross_entropy_checks_label_smoothing():
    x = Tensor(rand(2, 3))
    for bad in (-0.1, 1.5):
        with pytest.raises(ValueError, match=r"cross_entropy: label_smoothing must be in \[0, 1\]"):
            F.cross_entropy(x, np.array([0, 1]), label_smoothing=bad)
        with pytest.raises(ValueError, match=r"CrossEntropyLoss: label_smoothing must be in"):
            nn.CrossEntropyLoss(label_smoothing=bad)


def test_nll_loss_vs_numpy_with_ignore_index():
    x, t = _log_softmax(rand(5, 3)), np.array([2, 0, -100, 1, 2])
    picked = x[[0, 1, 3, 4], [2, 0, 1, 2]]
    loss = nn.NLLLoss()
    assert loss(Tensor(x), t).item() == pytest.approx(-picked.mean())
    assert nn.NLLLoss(reduction="sum")(Tensor(x), t).item() == pytest.approx(-picked.sum())
    np.testing.assert_allclose(nn.NLLLoss(reduction="none")(Tensor(x), t).numpy(),
                               [-x[0, 2], -x[1, 0], 0, -x[3, 1], -x[4, 2]])
    assert mg.gradcheck(lambda x: loss(x, t), Tensor(x, requires_grad=True))
    t_all = np.array([2, 0, 0, 1, 2])
    assert loss(Tensor(x), t_all).item() == pytest.approx(-x[np.arange(5), t_all].mean())
    with pytest.raises(IndexError, match="target 3 is out of range for 3 classes"):
        loss(Tensor(x), np.array([0, 1, 2, 3, 0]))
    with pytest.raises(ValueError, match=r"target has shape \(4,\), expected \(5,\)"):
        loss(Tensor(x), np.array([0, 1, 2, 0]))


def test_mse_loss_vs_numpy():
    a, b = rand(4, 3, seed=1), rand(4, 3, seed=2)
    assert nn.MSELoss()(Tensor(a), Tensor(b)).item() == pytest.approx(np.mean((a - b) ** 2))
    assert nn.MSELoss(reduction="sum")(Tensor(a), b).item() == pytest.approx(np.sum((a - b) ** 2))
    assert mg.gradcheck(lambda x: nn.MSELoss()(x, Tensor(b)), Tensor(a, requires_grad=True))
    with pytest.raises(ValueError, match=r"MSELoss\(\): input has shape \(4, 1\) but target has "
                                         r"shape \(4,\)"):
        nn.MSELoss()(Tensor(np.ones((4, 1))), Tensor(np.ones(4)))


# ---- a tiny end-to-end fit -------------------------------------------------------------------
def test_small_mlp_learns_xor_like_data():
    mg.manual_seed(0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 2)).astype(np.float32)
    y = ((x[:, 0] * x[:, 1]) > 0).astype(np.int64)
    model = nn.Sequential(nn.Linear(2, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 2))
    loss_fn = nn.CrossEntropyLoss()
    losses = []
    for _ in range(150):
        model.zero_grad()
        loss = loss_fn(model(Tensor(x)), y)
        loss.backward()
        for p in model.parameters():
            p.data -= 0.1 * p.grad.numpy()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]
    model.eval()
    accuracy = (model(Tensor(x)).numpy().argmax(1) == y).mean()
    assert accuracy > 0.9


def test_deepcopy_is_independent():
    import copy
    net = Net()
    clone = copy.deepcopy(net)
    assert list(clone.state_dict()) == list(net.state_dict())
    clone.block.fc.weight.numpy()[...] = 0
    assert np.any(net.block.fc.weight.numpy() != 0)
    assert isinstance(clone.block.fc.weight, nn.Parameter)


def test_functional_losses_check_like_their_modules():
    logp = Tensor(np.log(np.full((3, 4), 0.25, np.float32)), requires_grad=True)
    target = np.array([1, -100, 3])
    loss = F.nll_loss(logp, target, ignore_index=-100)
    assert loss.item() == pytest.approx(np.log(4))          # mean over the 2 kept targets
    assert loss.item() == pytest.approx(nn.NLLLoss()(logp, target).item())
    with pytest.raises(IndexError, match="nll_loss: target 7 is out of range for 4 classes"):
        F.nll_loss(logp, np.array([0, 7, 1]))
    with pytest.raises(ValueError, match=r"mse_loss: input has shape \(4, 1\) but target has shape \(4,\)"):
        F.mse_loss(Tensor(np.zeros((4, 1), np.float32)), Tensor(np.zeros(4, np.float32)))
