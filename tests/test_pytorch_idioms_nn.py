"""The layers, losses and nn helpers that PyTorch tutorial scripts use: GELU, ELU, LeakyReLU,
SiLU, Softplus, Dropout1d/2d/3d, the implicit softmax dim, inplace=, L1/SmoothL1/Huber/BCE/
BCEWithLogits losses and the deprecated size_average/reduce, AdaptiveAvgPool2d of any size,
max_pool(return_indices=True) with MaxUnpool1d/2d/3d, and nn.utils.clip_grad_norm_/value_.

Every new differentiable function is checked three ways: its forward against a plain numpy
reference, its gradient by ``gradcheck`` and its second derivative by ``gradgradcheck`` (in
float64), and, when torch is installed, against PyTorch itself.
"""
import math
import warnings

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import Tensor, nn

from helpers import rand, softmax

SQRT2 = math.sqrt(2.0)
_erf = np.vectorize(math.erf, otypes=[np.float64])


def leaf(*shape, seed=0, away_from_zero=False, scale=1.0):
    """A float64 leaf that requires grad (optionally no element within 0.1 of 0, so that
    finite differences do not straddle a kink)."""
    x = rand(*shape, seed=seed) * scale
    if away_from_zero:
        x = np.where(np.abs(x) < 0.1, np.sign(x + 1e-12) * (0.1 + np.abs(x)), x)
    return Tensor(x, requires_grad=True)


def torch_or_skip():
    return pytest.importorskip("torch")


# ---- activations: forward against numpy ------------------------------------------------------
ACTIVATIONS = {
    "gelu": (lambda x: F.gelu(x), lambda a: a * 0.5 * (1 + _erf(a / SQRT2))),
    "gelu_tanh": (lambda x: F.gelu(x, approximate="tanh"),
                  lambda a: 0.5 * a * (1 + np.tanh(math.sqrt(2 / math.pi) * (a + 0.044715 * a ** 3)))),
    "elu": (lambda x: F.elu(x), lambda a: np.where(a > 0, a, np.expm1(np.minimum(a, 0)))),
    "elu_alpha": (lambda x: F.elu(x, alpha=0.4),
                  lambda a: np.where(a > 0, a, 0.4 * np.expm1(np.minimum(a, 0)))),
    "leaky_relu": (lambda x: F.leaky_relu(x), lambda a: np.where(a > 0, a, 0.01 * a)),
    "leaky_relu_slope": (lambda x: F.leaky_relu(x, 0.3), lambda a: np.where(a > 0, a, 0.3 * a)),
    "silu": (lambda x: F.silu(x), lambda a: a / (1 + np.exp(-a))),
    "softplus": (lambda x: F.softplus(x), lambda a: np.log1p(np.exp(a))),
    "softplus_beta_threshold": (lambda x: F.softplus(x, beta=2.0, threshold=1.5),
                                lambda a: np.where(2 * a > 1.5, a, np.log1p(np.exp(2 * a)) / 2)),
    "erf": (lambda x: F.erf(x), lambda a: _erf(a)),
}
KINKED = {"elu", "elu_alpha", "leaky_relu", "leaky_relu_slope", "softplus_beta_threshold"}


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_forward_matches_numpy(name):
    fn, ref = ACTIVATIONS[name]
    x = rand(4, 5, seed=1, scale=2.5)
    np.testing.assert_allclose(fn(Tensor(x)).numpy(), ref(x), rtol=1e-12, atol=1e-14)
    out32 = fn(Tensor(x.astype(np.float32)))
    assert out32.dtype == np.float32
    np.testing.assert_allclose(out32.numpy(), ref(x), rtol=2e-6, atol=2e-6)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_gradcheck_and_gradgradcheck(name):
    fn, _ = ACTIVATIONS[name]
    x = leaf(3, 4, seed=2, scale=1.5, away_from_zero=name in KINKED)
    if name == "softplus_beta_threshold":     # away from the switch at beta * x = threshold too
        x = Tensor(np.where(np.abs(2 * x.numpy() - 1.5) < 0.1, x.numpy() + 0.3, x.numpy()),
                   requires_grad=True)
    assert mg.gradcheck(fn, (x,))
    assert mg.gradgradcheck(fn, (x,))


@pytest.mark.parametrize("name, torch_fn", [
    ("gelu", lambda T, t: T.nn.functional.gelu(t)),
    ("gelu_tanh", lambda T, t: T.nn.functional.gelu(t, approximate="tanh")),
    ("elu_alpha", lambda T, t: T.nn.functional.elu(t, alpha=0.4)),
    ("leaky_relu_slope", lambda T, t: T.nn.functional.leaky_relu(t, 0.3)),
    ("silu", lambda T, t: T.nn.functional.silu(t)),
    ("softplus_beta_threshold", lambda T, t: T.nn.functional.softplus(t, beta=2.0, threshold=1.5)),
    ("erf", lambda T, t: T.erf(t)),
])
def test_activations_and_their_gradients_match_torch(name, torch_fn):
    torch = torch_or_skip()
    x = rand(5, 6, seed=3, scale=3.0)
    x[0, :3] = [0.0, 1e-9, -1e-9]               # at the kinks: PyTorch's one-sided choices
    ours = Tensor(x, requires_grad=True)
    out = ACTIVATIONS[name][0](ours)
    out.backward(Tensor(np.ones_like(x)))
    theirs = torch.tensor(x, requires_grad=True)
    t_out = torch_fn(torch, theirs)
    t_out.backward(torch.ones_like(t_out))
    np.testing.assert_allclose(out.numpy(), t_out.detach().numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_erf_is_accurate_everywhere():
    x = np.concatenate([np.linspace(-30, 30, 20001), np.geomspace(1e-300, 30, 2000),
                        -np.geomspace(1e-300, 30, 2000), [0.46875, 4.0, 26.9, 27.5]])
    got = F.erf(Tensor(x)).numpy()
    want = _erf(x)
    np.testing.assert_allclose(got, want, rtol=1e-15, atol=0)
    special = F.erf(Tensor(np.array([np.inf, -np.inf, np.nan, 0.0, -0.0]))).numpy()
    assert special[:2].tolist() == [1.0, -1.0] and np.isnan(special[2])
    assert special[3] == 0 and np.signbit(special[4])


def test_gelu_known_values():
    # GELU(1) = Phi(1) = 0.8413447460685429..., GELU(-1) = -(1 - Phi(1))
    out = F.gelu(Tensor(np.array([1.0, -1.0, 0.0]))).numpy()
    np.testing.assert_allclose(out, [0.8413447460685429, -0.15865525393145707, 0.0], rtol=1e-14)
    with pytest.raises(ValueError, match="gelu: approximate must be 'none' or 'tanh', got 'fast'"):
        F.gelu(Tensor(np.zeros(2)), approximate="fast")


def test_activation_modules():
    x = Tensor(rand(2, 3, seed=4))
    for layer, fn in ((nn.GELU(), F.gelu), (nn.GELU("tanh"), lambda t: F.gelu(t, "tanh")),
                      (nn.ELU(alpha=0.5), lambda t: F.elu(t, 0.5)),
                      (nn.LeakyReLU(0.2), lambda t: F.leaky_relu(t, 0.2)),
                      (nn.SiLU(), F.silu), (nn.Softplus(beta=3), lambda t: F.softplus(t, 3))):
        np.testing.assert_array_equal(layer(x).numpy(), fn(x).numpy())
        assert "Shape:" in type(layer).__doc__
    assert repr(nn.LeakyReLU()) == "LeakyReLU(negative_slope=0.01)"
    assert repr(nn.LeakyReLU(0.2, inplace=True)) == "LeakyReLU(negative_slope=0.2, inplace=True)"
    assert repr(nn.ELU()) == "ELU(alpha=1.0)" and repr(nn.SiLU()) == "SiLU()"
    assert repr(nn.GELU()) == "GELU(approximate='none')"
    assert repr(nn.Softplus()) == "Softplus(beta=1.0, threshold=20.0)"
    with pytest.raises(ValueError, match="GELU: approximate must be"):
        nn.GELU("erf")
    with pytest.raises(TypeError, match="leaky_relu: expected a floating point input"):
        F.leaky_relu(Tensor(np.arange(3)))


def test_activation_module_reprs_match_torch():
    torch = torch_or_skip()
    for name, args in (("LeakyReLU", (0.2, True)), ("ELU", (0.5,)), ("GELU", ("tanh",)),
                       ("SiLU", (True,)), ("Softplus", (2.0, 10.0)), ("ReLU", (True,)),
                       ("Dropout2d", (0.3,))):
        assert repr(getattr(nn, name)(*args)) == repr(getattr(torch.nn, name)(*args))


# ---- inplace= -----------------------------------------------------------------------------------
INPLACE = [(lambda: nn.ReLU(inplace=True), lambda t: F.relu(t)),
           (lambda: nn.LeakyReLU(0.1, inplace=True), lambda t: F.leaky_relu(t, 0.1)),
           (lambda: nn.ELU(0.5, inplace=True), lambda t: F.elu(t, 0.5)),
           (lambda: nn.SiLU(inplace=True), lambda t: F.silu(t))]


@pytest.mark.parametrize("make, plain", INPLACE)
def test_inplace_layers_write_into_their_input(make, plain):
    x = rand(3, 4, seed=5)
    t = Tensor(x.copy())
    array = t.numpy()
    out = make()(t)
    assert out is t and t.numpy() is array                # the same tensor and memory
    np.testing.assert_allclose(array, plain(Tensor(x)).numpy(), rtol=1e-15)


@pytest.mark.parametrize("make, plain", INPLACE)
def test_inplace_layers_inside_a_graph_give_the_same_gradient(make, plain):
    x = rand(3, 4, seed=6)
    a = Tensor(x, requires_grad=True)
    h = a * 2.0
    out = make()(h)
    assert out is h
    (out * out).sum().backward()
    b = Tensor(x, requires_grad=True)
    ref = plain(b * 2.0)
    (ref * ref).sum().backward()
    np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=1e-15)
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-14)


@pytest.mark.parametrize("make, plain", INPLACE)
def test_inplace_on_a_leaf_that_requires_grad_is_pytorchs_error(make, plain):
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        make()(Tensor(np.ones(3), requires_grad=True))
    with mg.no_grad():                                    # fine outside autograd
        t = Tensor(np.ones(3), requires_grad=True)
        assert make()(t) is t


def test_functional_underscore_forms_are_inplace():
    for fn, plain in ((F.relu_, F.relu), (lambda t: F.leaky_relu_(t, 0.2),
                                          lambda t: F.leaky_relu(t, 0.2)),
                      (lambda t: F.elu_(t, 0.5), lambda t: F.elu(t, 0.5))):
        x = rand(4, seed=27)
        t = Tensor(x.copy())
        assert fn(t) is t
        np.testing.assert_array_equal(t.numpy(), plain(Tensor(x)).numpy())


def test_inplace_dropout():
    mg.manual_seed(0)
    t = Tensor(np.ones((20, 30)))
    out = nn.Dropout(0.25, inplace=True)(t)
    assert out is t and set(np.unique(t.numpy())) == {0.0, 1 / 0.75}
    t2 = Tensor(np.ones((4, 5, 2, 2)))
    assert nn.Dropout2d(0.5, inplace=True)(t2) is t2
    x = Tensor(rand(3, 4), requires_grad=True)
    h = x * 1.0
    mg.manual_seed(1)
    out = F.dropout(h, 0.5, inplace=True)
    out.sum().backward()
    assert out is h
    np.testing.assert_array_equal(x.grad.numpy(), (out.numpy() != 0) * 2.0)   # the mask


# ---- the implicit softmax dim ---------------------------------------------------------------
@pytest.mark.parametrize("shape, dim", [((), 0), ((5,), 0), ((2, 3), 1), ((2, 3, 4), 0),
                                        ((2, 3, 4, 2), 1)])
@pytest.mark.parametrize("fn, ref", [(F.softmax, softmax),
                                     (F.log_softmax, lambda a, d: np.log(softmax(a, d)))])
def test_softmax_without_dim_warns_and_picks_pytorchs_dim(shape, dim, fn, ref):
    x = rand(*shape, seed=7) if shape else np.asarray(0.3)
    with pytest.warns(UserWarning, match="implicit dimension choice has been deprecated") as rec:
        out = fn(Tensor(x))
    assert rec[0].filename == __file__                    # points at the caller, as PyTorch
    expected = ref(x, dim) if shape else ref(x.reshape(1), 0).reshape(())
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_allclose(fn(Tensor(x), dim).numpy(), expected, rtol=1e-12)


def test_softmax_dtype_argument_and_module_warning_location():
    x = Tensor(rand(2, 3).astype(np.float32))
    assert F.softmax(x, 1, dtype=np.float64).dtype == np.float64
    with pytest.warns(UserWarning, match=r"LogSoftmax\(dim=None\): implicit dimension") as rec:
        nn.LogSoftmax()(x)
    assert rec[0].filename == __file__


def test_implicit_dim_matches_torch():
    torch = torch_or_skip()
    x = rand(2, 3, 4, seed=8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = torch.nn.functional.log_softmax(torch.tensor(x)).numpy()
        ours = F.log_softmax(Tensor(x)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)


# ---- Dropout1d/2d/3d ------------------------------------------------------------------------
@pytest.mark.parametrize("fn, shape, mask_axes", [
    (F.dropout2d, (6, 8, 3, 3), (0, 1)), (F.dropout1d, (6, 8, 5), (0, 1)),
    (F.dropout1d, (8, 5), (0,)), (F.dropout3d, (3, 8, 2, 2, 2), (0, 1)),
    (F.dropout3d, (8, 2, 3, 2), (0,))])
def test_channel_dropout_zeroes_whole_channels(fn, shape, mask_axes):
    mg.manual_seed(3)
    out = fn(Tensor(np.ones(shape)), p=0.4).numpy()
    per_channel = out.reshape(np.prod([shape[a] for a in mask_axes]), -1)
    assert all(len(np.unique(row)) == 1 for row in per_channel)   # one draw per channel
    assert set(np.unique(out)) == {0.0, 1 / 0.6}
    kept = (per_channel[:, 0] != 0).mean()
    assert 0.3 < kept < 0.9


def test_dropout2d_module_train_eval_and_edge_probabilities():
    x = Tensor(rand(2, 3, 4, 4))
    layer = nn.Dropout2d(0.5).eval()
    assert layer(x) is x
    assert F.dropout2d(x, p=0.0) is x
    assert np.all(F.dropout2d(x, p=1.0).numpy() == 0)
    assert repr(nn.Dropout2d(0.3)) == "Dropout2d(p=0.3, inplace=False)"
    with pytest.raises(ValueError, match=r"Dropout2d: dropout probability has to be between 0 and 1, got 1.5"):
        nn.Dropout2d(1.5)
    with pytest.raises(ValueError, match="dropout1d: expected a 2-D .* got input of shape"):
        F.dropout1d(Tensor(np.ones((2, 3, 4, 5))))


def test_dropout2d_with_a_3d_input_follows_pytorch_with_a_warning():
    mg.manual_seed(0)
    with pytest.warns(UserWarning, match="3D input to dropout2d"):
        out = F.dropout2d(Tensor(np.ones((4, 6, 5))), 0.5).numpy()
    assert all(len(np.unique(out[n, c])) == 1 for n in range(4) for c in range(6))


@pytest.mark.parametrize("fn, shape", [(F.dropout1d, (2, 3, 4)), (F.dropout2d, (2, 3, 2, 2)),
                                       (F.dropout3d, (1, 3, 2, 2, 2)), (F.dropout, (3, 4))])
def test_dropout_gradients(fn, shape):
    x = leaf(*shape, seed=9)

    def dropped(t):
        mg.manual_seed(0)                   # the same mask at every evaluation
        return fn(t * t, p=0.5)
    assert mg.gradcheck(dropped, (x,)) and mg.gradgradcheck(dropped, (x,))
    mg.manual_seed(0)
    out = fn(x, 0.5)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), (out.numpy() != 0) * 2.0)


def test_softmax_of_a_0d_tensor_is_one():
    x = Tensor(np.array(0.7), requires_grad=True)
    for fn in (lambda t: F.softmax(t, 0), lambda t: F.log_softmax(t, -1)):
        assert mg.gradcheck(fn, (x,)) and mg.gradgradcheck(fn, (x,))
    assert F.softmax(x, 0).item() == 1.0 and F.log_softmax(x, 0).item() == 0.0


def test_dropout2d_statistics_match_torch_semantics():
    torch = torch_or_skip()
    x = np.ones((200, 16, 2, 2))
    mg.manual_seed(1)
    ours = F.dropout2d(Tensor(x), 0.3).numpy()
    theirs = torch.nn.functional.dropout2d(torch.tensor(x), 0.3).numpy()
    for a in (ours, theirs):                # same support, same channel structure
        assert set(np.unique(a)) == {0.0, 1 / 0.7}
        assert np.all(a.reshape(200, 16, 4).std(axis=2) == 0)
    assert abs((ours[:, :, 0, 0] == 0).mean() - 0.3) < 0.03


# ---- losses: forward against numpy ---------------------------------------------------------
def _bce_ref(x, t, w=None):
    loss = -(t * np.maximum(np.log(x), -100) + (1 - t) * np.maximum(np.log1p(-x), -100))
    return loss if w is None else loss * w


def _bce_logits_ref(z, t, w=None, pw=None):
    log_sig = -np.logaddexp(0, -z)          # log(sigmoid(z)), stably
    log_one_minus = -np.logaddexp(0, z)
    pw = 1.0 if pw is None else pw
    loss = -(pw * t * log_sig + (1 - t) * log_one_minus)
    return loss if w is None else loss * w


def _smooth_l1_ref(d, beta):
    a = np.abs(d)
    return a if beta == 0 else np.where(a < beta, 0.5 * d * d / beta, a - 0.5 * beta)


def _huber_ref(d, delta):
    a = np.abs(d)
    return np.where(a <= delta, 0.5 * d * d, delta * (a - 0.5 * delta))


def _reduce(a, reduction):
    return a.mean() if reduction == "mean" else a.sum() if reduction == "sum" else a


X = rand(4, 3, seed=10, scale=1.5)
TARGET = rand(4, 3, seed=11)
PROB = 1 / (1 + np.exp(-X))
SOFT = np.random.default_rng(12).random((4, 3))
W = np.random.default_rng(13).random(3) + 0.5
PW = np.array([0.5, 2.0, 3.0])

LOSSES = {
    "l1": (lambda r: F.l1_loss(Tensor(X), Tensor(TARGET), reduction=r),
           lambda r: _reduce(np.abs(X - TARGET), r)),
    "smooth_l1": (lambda r: F.smooth_l1_loss(Tensor(X), Tensor(TARGET), reduction=r),
                  lambda r: _reduce(_smooth_l1_ref(X - TARGET, 1.0), r)),
    "smooth_l1_beta": (lambda r: F.smooth_l1_loss(Tensor(X), Tensor(TARGET), reduction=r, beta=0.4),
                       lambda r: _reduce(_smooth_l1_ref(X - TARGET, 0.4), r)),
    "smooth_l1_beta0": (lambda r: F.smooth_l1_loss(Tensor(X), Tensor(TARGET), reduction=r, beta=0.0),
                        lambda r: _reduce(_smooth_l1_ref(X - TARGET, 0.0), r)),
    "huber": (lambda r: F.huber_loss(Tensor(X), Tensor(TARGET), reduction=r, delta=0.7),
              lambda r: _reduce(_huber_ref(X - TARGET, 0.7), r)),
    "bce": (lambda r: F.binary_cross_entropy(Tensor(PROB), Tensor(SOFT), reduction=r),
            lambda r: _reduce(_bce_ref(PROB, SOFT), r)),
    "bce_weight": (lambda r: F.binary_cross_entropy(Tensor(PROB), Tensor(SOFT), Tensor(W),
                                                    reduction=r),
                   lambda r: _reduce(_bce_ref(PROB, SOFT, W), r)),
    "bce_logits": (lambda r: F.binary_cross_entropy_with_logits(Tensor(X), Tensor(SOFT), reduction=r),
                   lambda r: _reduce(_bce_logits_ref(X, SOFT), r)),
    "bce_logits_weights": (lambda r: F.binary_cross_entropy_with_logits(
        Tensor(X), Tensor(SOFT), weight=Tensor(W), pos_weight=Tensor(PW), reduction=r),
        lambda r: _reduce(_bce_logits_ref(X, SOFT, W, PW), r)),
    "mse_weight": (lambda r: F.mse_loss(Tensor(X), Tensor(TARGET), reduction=r,
                                        weight=Tensor(np.broadcast_to(W, X.shape).copy())),
                   lambda r: ((X - TARGET) ** 2 * W).sum() / (W * np.ones_like(X)).sum()
                   if r == "mean" else _reduce((X - TARGET) ** 2 * W, r)),
}


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name", LOSSES)
def test_loss_forward_matches_numpy(name, reduction):
    ours, ref = LOSSES[name]
    np.testing.assert_allclose(ours(reduction).numpy(), ref(reduction), rtol=1e-12, atol=1e-14)


LOSS_GRADS = {
    "l1": (lambda a, b: F.l1_loss(a, b), 2),
    "smooth_l1": (lambda a, b: F.smooth_l1_loss(a, b, reduction="sum"), 2),
    "smooth_l1_beta": (lambda a, b: F.smooth_l1_loss(a, b, beta=0.5), 2),
    "huber": (lambda a, b: F.huber_loss(a, b, reduction="none", delta=0.6), 2),
    "mse_weight": (lambda a, b, w: F.mse_loss(a, b, weight=w), 3),
    "l1_weight_sum": (lambda a, b, w: F.l1_loss(a, b, reduction="sum", weight=w), 3),
    "huber_weight": (lambda a, b, w: F.huber_loss(a, b, delta=0.5, weight=w), 3),
    "bce": (lambda p, t: F.binary_cross_entropy(p, t), 2),
    "bce_none_weight": (lambda p, t, w: F.binary_cross_entropy(p, t, w, reduction="none"), 3),
    "bce_logits": (lambda z, t: F.binary_cross_entropy_with_logits(z, t), 2),
    "bce_logits_weights": (lambda z, t, w, pw: F.binary_cross_entropy_with_logits(
        z, t, weight=w, pos_weight=pw, reduction="sum"), 4),
}


def _loss_inputs(name):
    rng = np.random.default_rng(14)
    if name.startswith("bce"):
        first = rng.uniform(0.1, 0.9, (3, 2)) if not name.startswith("bce_logits") \
            else rng.standard_normal((3, 2))
        rest = [rng.uniform(0.1, 0.9, (3, 2)), rng.uniform(0.5, 2.0, (2,)),
                rng.uniform(0.5, 2.0, (2,))]
        return [Tensor(a, requires_grad=True) for a in [first] + rest]
    a = rng.standard_normal((3, 2))
    d = rng.choice([-1.0, 1.0], (3, 2)) * rng.uniform(0.05, 0.35, (3, 2))   # inside beta
    d[0] = [1.2, -0.9]                                                     # and beyond it
    w = rng.uniform(0.5, 2.0, (3, 2))
    return [Tensor(v, requires_grad=True) for v in (a, a - d, w)]


@pytest.mark.parametrize("name", LOSS_GRADS)
def test_loss_gradcheck_and_gradgradcheck(name):
    fn, n = LOSS_GRADS[name]
    inputs = tuple(_loss_inputs(name)[:n])          # the target requires grad too
    assert mg.gradcheck(fn, inputs)
    assert mg.gradgradcheck(fn, inputs)


@pytest.mark.parametrize("name, torch_call", [
    ("l1", lambda T, a, b: T.nn.functional.l1_loss(a, b)),
    ("smooth_l1_beta", lambda T, a, b: T.nn.functional.smooth_l1_loss(a, b, beta=0.5)),
    ("huber", lambda T, a, b: T.nn.functional.huber_loss(a, b, reduction="none", delta=0.6)),
    ("bce", lambda T, p, t: T.nn.functional.binary_cross_entropy(p, t)),
    ("mse_weight", lambda T, a, b, w: T.nn.functional.mse_loss(a, b, weight=w)),
    ("l1_weight_sum", lambda T, a, b, w: T.nn.functional.l1_loss(a, b, reduction="sum", weight=w)),
    ("huber_weight", lambda T, a, b, w: T.nn.functional.huber_loss(a, b, delta=0.5, weight=w)),
    ("bce_logits_weights", lambda T, z, t, w, pw: T.nn.functional.binary_cross_entropy_with_logits(
        z, t, weight=w, pos_weight=pw, reduction="sum")),
])
def test_losses_and_their_gradients_match_torch(name, torch_call):
    torch = torch_or_skip()
    fn, n = LOSS_GRADS[name]
    ours = _loss_inputs(name)[:n]
    # PyTorch differentiates its losses w.r.t. input and target only, not the weights
    theirs = [torch.tensor(t.numpy(), requires_grad=i < 2) for i, t in enumerate(ours)]
    out, t_out = fn(*ours), torch_call(torch, *theirs)
    out.backward(Tensor(np.ones(out.shape)))
    t_out.backward(torch.ones_like(t_out))
    np.testing.assert_allclose(out.numpy(), t_out.detach().numpy(), rtol=1e-12, atol=1e-14)
    for a, b in zip(ours[:2], theirs[:2]):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_bce_on_saturated_probabilities_is_finite_as_in_pytorch():
    p = Tensor(np.array([0.0, 1.0, 0.0, 1.0, 0.5], np.float32), requires_grad=True)
    t = Tensor(np.array([0.0, 1.0, 1.0, 0.0, 1.0], np.float32))
    loss = F.binary_cross_entropy(p, t, reduction="none")
    np.testing.assert_allclose(loss.numpy(), [0, 0, 100, 100, math.log(2)], rtol=1e-6)
    loss.sum().backward()
    # PyTorch's gradient (x - t) / max(x (1 - x), 1e-12)
    np.testing.assert_allclose(p.grad.numpy(), [0, 0, -1e12, 1e12, -2], rtol=1e-6)


def test_bce_with_logits_is_stable_for_huge_logits():
    z = Tensor(np.array([-1000.0, 1000.0, -1000.0, 1000.0, 0.0]), requires_grad=True)
    t = Tensor(np.array([0.0, 1.0, 1.0, 0.0, 1.0]))
    loss = F.binary_cross_entropy_with_logits(z, t, reduction="none")
    np.testing.assert_allclose(loss.numpy(), [0, 0, 1000, 1000, math.log(2)], rtol=1e-12)
    loss.sum().backward()
    np.testing.assert_allclose(z.grad.numpy(), [0, 0, -1, 1, -0.5])


@pytest.mark.parametrize("call, error, match", [
    (lambda: F.binary_cross_entropy(Tensor(np.array([0.5, 1.5])), Tensor(np.ones(2))),
     ValueError, r"binary_cross_entropy: all elements of input should be between 0 and 1"),
    (lambda: F.binary_cross_entropy(Tensor(np.full(2, 0.5)), Tensor(np.ones((2, 1)))),
     ValueError, r"target size \(2, 1\) that is different to the input size \(2,\)"),
    (lambda: nn.BCEWithLogitsLoss()(Tensor(np.zeros(3)), Tensor(np.zeros(2))),
     ValueError, r"BCEWithLogitsLoss\(\): Target size \(2,\) must be the same as input size \(3,\)"),
    (lambda: nn.BCELoss()(Tensor(np.full(2, 0.5)), Tensor(np.array([1, 0]))),
     TypeError, r"BCELoss\(\): target must be a floating point tensor"),
    (lambda: F.binary_cross_entropy_with_logits(Tensor(np.zeros((2, 3))), Tensor(np.zeros((2, 3))),
                                                pos_weight=Tensor(np.ones(2))),
     ValueError, r"pos_weight of shape \(2,\) does not broadcast to the input's shape \(2, 3\)"),
    (lambda: nn.L1Loss()(Tensor(np.zeros((4, 1))), Tensor(np.zeros(4))),
     ValueError, r"L1Loss\(\): input has shape \(4, 1\) but target has shape \(4,\)"),
    (lambda: nn.SmoothL1Loss(beta=-1), ValueError, "SmoothL1Loss: beta must be >= 0"),
    (lambda: nn.HuberLoss(delta=0), ValueError, "HuberLoss: delta must be positive"),
    (lambda: nn.L1Loss(reduction="avg"), ValueError, "L1Loss: reduction must be"),
    (lambda: F.mse_loss(Tensor(np.zeros(3)), Tensor(np.zeros(3)), weight=Tensor(np.ones(2))),
     ValueError, "mse_loss: weight has shape"),
    (lambda: F.cross_entropy(Tensor(np.zeros((2, 3))), np.array([0, 1]), weight=np.ones(3)),
     NotImplementedError, "cross_entropy: per-class weights"),
])
def test_loss_errors_are_clear(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_loss_modules_match_functional_and_keep_weights_as_buffers():
    p, t = Tensor(PROB), Tensor(SOFT)
    bce = nn.BCELoss(weight=Tensor(W))
    np.testing.assert_array_equal(bce(p, t).numpy(),
                                  F.binary_cross_entropy(p, t, weight=Tensor(W)).numpy())
    logits = nn.BCEWithLogitsLoss(pos_weight=Tensor(PW), reduction="sum")
    np.testing.assert_allclose(
        logits(Tensor(X), t).numpy(),
        F.binary_cross_entropy_with_logits(Tensor(X), t, pos_weight=Tensor(PW),
                                           reduction="sum").numpy())
    assert sorted(logits.state_dict()) == ["pos_weight"]      # None buffers are not saved
    assert sorted(nn.BCEWithLogitsLoss(weight=W, pos_weight=PW).state_dict()) == \
        ["pos_weight", "weight"]
    for layer, fn in ((nn.L1Loss(), F.l1_loss), (nn.SmoothL1Loss(beta=0.3),
                                                  lambda a, b: F.smooth_l1_loss(a, b, beta=0.3)),
                      (nn.HuberLoss(delta=2.0), lambda a, b: F.huber_loss(a, b, delta=2.0))):
        np.testing.assert_array_equal(layer(Tensor(X), Tensor(TARGET)).numpy(),
                                      fn(Tensor(X), Tensor(TARGET)).numpy())
        assert "Shape:" in type(layer).__doc__


def test_loss_modules_take_pytorchs_positional_order():
    # weight, size_average, ignore_index, reduce, reduction, label_smoothing
    ce = nn.CrossEntropyLoss(None, None, 3, None, "sum", 0.1)
    assert (ce.ignore_index, ce.reduction, ce.label_smoothing) == (3, "sum", 0.1)
    assert nn.NLLLoss(None, None, 5).ignore_index == 5
    assert nn.SmoothL1Loss(None, None, "none", 0.5).beta == 0.5
    assert nn.HuberLoss("sum", 2.0).delta == 2.0


# ---- the deprecated size_average and reduce --------------------------------------------------
@pytest.mark.parametrize("size_average, reduce, expected", [
    (None, None, None), (True, None, "mean"), (None, True, "mean"), (True, True, "mean"),
    (False, None, "sum"), (False, True, "sum"), (None, False, "none"), (True, False, "none"),
    (False, False, "none")])
def test_size_average_and_reduce_map_to_reduction_as_pytorch(size_average, reduce, expected):
    kwargs = dict(size_average=size_average, reduce=reduce, reduction="sum")
    if expected is None:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert nn.MSELoss(**kwargs).reduction == "sum"      # reduction is used as given
        return
    message = f"please use reduction='{expected}' instead"
    for make in (nn.MSELoss, nn.L1Loss, nn.BCELoss, nn.BCEWithLogitsLoss, nn.SmoothL1Loss,
                 nn.CrossEntropyLoss, nn.NLLLoss):
        with pytest.warns(UserWarning, match=message) as rec:
            assert make(**kwargs).reduction == expected
        assert rec[0].filename == __file__
    with pytest.warns(UserWarning, match=message):
        out = F.l1_loss(Tensor(X), Tensor(TARGET), **kwargs)
    np.testing.assert_allclose(out.numpy(), _reduce(np.abs(X - TARGET), expected))
    with pytest.warns(UserWarning, match=message):
        F.cross_entropy(Tensor(X), np.array([0, 1, 2, 0]), **kwargs)


def test_legacy_reduction_matches_torch():
    torch = torch_or_skip()
    from torch.nn import _reduction
    for sa in (None, True, False):
        for red in (None, True, False):
            if sa is None and red is None:
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                assert nn.L1Loss(sa, red).reduction == \
                    _reduction.legacy_get_string(sa, red, emit_warning=False)
    assert torch is not None


# ---- AdaptiveAvgPool2d of any output size ----------------------------------------------------
def _adaptive_avg_ref(x, out):
    H, W = x.shape[-2:]
    oh, ow = out
    res = np.zeros(x.shape[:-2] + (oh, ow))
    for i in range(oh):
        h0, h1 = (i * H) // oh, -((-(i + 1) * H) // oh)
        for j in range(ow):
            w0, w1 = (j * W) // ow, -((-(j + 1) * W) // ow)
            res[..., i, j] = x[..., h0:h1, w0:w1].mean(axis=(-2, -1))
    return res


@pytest.mark.parametrize("size, out", [((7, 7), (3, 3)), ((5, 9), (2, 4)), ((6, 4), (4, 3)),
                                       ((3, 5), (5, 7)), ((8, 8), (1, 1)), ((7, 5), (None, 2))])
def test_adaptive_avg_pool2d_any_output_size(size, out):
    x = rand(2, 3, *size, seed=15)
    full = tuple(n if o is None else o for n, o in zip(size, out))
    got = nn.AdaptiveAvgPool2d(out)(Tensor(x))
    np.testing.assert_allclose(got.numpy(), _adaptive_avg_ref(x, full), rtol=1e-12)
    t = leaf(1, 2, *size, seed=16)
    assert mg.gradgradcheck(lambda a: F.adaptive_avg_pool2d(a, out), (t,))


def test_adaptive_avg_pool2d_matches_torch():
    torch = torch_or_skip()
    x = rand(2, 3, 10, 7, seed=17)
    for out in ((3, 3), (4, 6), 5, (None, 3), (13, 9)):
        theirs = torch.nn.AdaptiveAvgPool2d(out)(torch.tensor(x)).numpy()
        np.testing.assert_allclose(nn.AdaptiveAvgPool2d(out)(Tensor(x)).numpy(), theirs,
                                   rtol=1e-12)


# ---- max_pool(return_indices=True) and MaxUnpool ---------------------------------------------
def _max_pool_indices_ref(x, k, s, p):
    """Flat per-map indices of the first maximum of each window (numpy, 2-D)."""
    N, C, H, W = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)), constant_values=-np.inf)
    oh, ow = (H + 2 * p - k) // s + 1, (W + 2 * p - k) // s + 1
    values, idx = np.zeros((N, C, oh, ow)), np.zeros((N, C, oh, ow), np.int64)
    for i in range(oh):
        for j in range(ow):
            win = xp[:, :, i * s:i * s + k, j * s:j * s + k].reshape(N, C, -1)
            a = win.argmax(-1)
            values[:, :, i, j] = win.max(-1)
            r, c = i * s + a // k - p, j * s + a % k - p
            idx[:, :, i, j] = r * W + c
    return values, idx


@pytest.mark.parametrize("k, s, p", [(2, 2, 0), (3, 2, 1), (3, 1, 1), (2, 3, 0)])
def test_max_pool2d_return_indices_matches_numpy(k, s, p):
    x = rand(2, 3, 7, 6, seed=18)
    x[0, 0, :2, :2] = 1.0                      # a tie: the first maximum in window order
    out, idx = F.max_pool2d(Tensor(x), k, s, p, return_indices=True)
    values, ref = _max_pool_indices_ref(x, k, s, p)
    np.testing.assert_array_equal(out.numpy(), values)
    np.testing.assert_array_equal(idx.numpy(), ref)
    assert idx.dtype == np.int64 and not idx.requires_grad
    layer_out, layer_idx = nn.MaxPool2d(k, s, p, return_indices=True)(Tensor(x))
    np.testing.assert_array_equal(layer_idx.numpy(), ref)


def test_max_pool_indices_match_torch_in_1d_2d_3d():
    torch = torch_or_skip()
    T = torch.nn.functional
    x2 = rand(2, 3, 9, 8, seed=19)
    for kw in (dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
               dict(kernel_size=3, stride=2, dilation=2), dict(kernel_size=2, ceil_mode=True),
               dict(kernel_size=(2, 3), stride=(1, 2), padding=(1, 0))):
        out, idx = F.max_pool2d(Tensor(x2), return_indices=True, **kw)
        t_out, t_idx = T.max_pool2d(torch.tensor(x2), return_indices=True, **kw)
        np.testing.assert_array_equal(out.numpy(), t_out.numpy())
        np.testing.assert_array_equal(idx.numpy(), t_idx.numpy())
    x1, x3 = rand(2, 3, 11, seed=20), rand(1, 2, 5, 6, 4, seed=21)
    _, i1 = F.max_pool1d(Tensor(x1), 3, 2, 1, return_indices=True)
    np.testing.assert_array_equal(i1.numpy(), T.max_pool1d(torch.tensor(x1), 3, 2, 1,
                                                           return_indices=True)[1].numpy())
    _, i3 = F.max_pool3d(Tensor(x3), 2, return_indices=True)
    np.testing.assert_array_equal(i3.numpy(), T.max_pool3d(torch.tensor(x3), 2,
                                                           return_indices=True)[1].numpy())
    xu = rand(3, 6, 6, seed=22)                # unbatched
    _, iu = F.max_pool2d(Tensor(xu), 2, return_indices=True)
    np.testing.assert_array_equal(iu.numpy(), T.max_pool2d(torch.tensor(xu), 2,
                                                           return_indices=True)[1].numpy())


def _unpool_ref(x, idx, out_size):
    N, C = x.shape[:2]
    out = np.zeros((N, C, int(np.prod(out_size))))
    for n in range(N):
        for c in range(C):
            out[n, c, idx[n, c].ravel()] = x[n, c].ravel()
    return out.reshape((N, C) + tuple(out_size))


@pytest.mark.parametrize("nd, shape, kw, overlapping", [
    (2, (2, 3, 6, 6), dict(kernel_size=2), False),
    (2, (1, 2, 7, 5), dict(kernel_size=3, stride=2, padding=1), True),
    (1, (2, 3, 9), dict(kernel_size=3, stride=3), False),
    (3, (1, 2, 4, 4, 6), dict(kernel_size=2), False)])
def test_max_unpool_inverts_max_pool_like_numpy(nd, shape, kw, overlapping):
    pool = getattr(F, f"max_pool{nd}d")
    unpool = getattr(nn, f"MaxUnpool{nd}d")(**kw)
    x = rand(*shape, seed=23)
    out, idx = pool(Tensor(x), return_indices=True, **kw)
    back = unpool(out, idx, output_size=shape)
    np.testing.assert_array_equal(back.numpy(), _unpool_ref(out.numpy(), idx.numpy(), shape[2:]))
    # every pooled maximum is back where it came from, all else is zero
    mask = back.numpy() != 0
    np.testing.assert_array_equal(back.numpy()[mask], x[mask])
    assert mask.sum() == len(np.unique(np.concatenate(
        [idx.numpy()[n, c].ravel() + 10 ** 6 * (n * 100 + c)
         for n in range(shape[0]) for c in range(shape[1])])))
    fn = getattr(F, f"max_unpool{nd}d")
    if overlapping:
        # two windows that share their maximum name the same index: the value lands once,
        # and as in PyTorch the gradient goes back to both (a gather), so skip gradcheck
        return
    v = Tensor(out.numpy(), requires_grad=True)
    assert mg.gradcheck(lambda a: fn(a, idx, output_size=shape, **kw), (v,))
    assert mg.gradgradcheck(lambda a: fn(a * a, idx, output_size=shape, **kw), (v,))


def test_max_unpool_matches_torch_and_default_output_size():
    torch = torch_or_skip()
    for hw, sizes in ((6, (None, (2, 3, 6, 6), (7, 7))), (7, ((7, 7), (2, 3, 7, 7)))):
        x = rand(2, 3, hw, hw, seed=24)
        out, idx = F.max_pool2d(Tensor(x), 2, return_indices=True)            # 3 x 3
        t_out, t_idx = torch.nn.functional.max_pool2d(torch.tensor(x), 2, return_indices=True)
        for size in sizes:
            if size is not None and size[-1] < hw:
                continue                        # indices of a larger map would not fit
            ours = F.max_unpool2d(out, idx, 2, output_size=size)
            theirs = torch.nn.functional.max_unpool2d(t_out, t_idx, 2, output_size=size)
            assert ours.shape == tuple(theirs.shape)
            np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert repr(nn.MaxUnpool2d(2)) == "MaxUnpool2d(kernel_size=2, stride=2, padding=0)"


def test_max_unpool_errors():
    x = Tensor(rand(1, 2, 4, 4))
    out, idx = F.max_pool2d(x, 2, return_indices=True)
    with pytest.raises(ValueError, match=r"max_unpool2d: invalid output_size \(9, 9\) \(dim 0 "
                                         r"must be between 2 and 6, exclusive\)"):
        F.max_unpool2d(out, idx, 2, output_size=(9, 9))
    with pytest.raises(ValueError, match="output_size should be a sequence of 2 or 4"):
        F.max_unpool2d(out, idx, 2, output_size=(4,))
    with pytest.raises(IndexError, match=r"MaxUnpool2d\(kernel_size=2, stride=2, padding=0\): found an invalid max index 99"):
        nn.MaxUnpool2d(2)(out, Tensor(np.full(idx.shape, 99)))
    with pytest.raises(ValueError, match=r"expected indices of the input's shape \(1, 2, 2, 2\)"):
        F.max_unpool2d(out, Tensor(np.zeros((1, 2, 2), np.int64)), 2)
    with pytest.raises(TypeError, match="indices must be an integer tensor"):
        F.max_unpool2d(out, Tensor(np.zeros(idx.shape)), 2)


# ---- nn.utils.clip_grad_norm_ / clip_grad_value_ ---------------------------------------------
def _params_with_grads(seed=25, scale=3.0):
    rng = np.random.default_rng(seed)
    ps = [nn.Parameter(rng.standard_normal(s).astype(np.float32)) for s in ((3, 4), (4,), (2,))]
    for p in ps[:2]:
        p.grad = Tensor((rng.standard_normal(p.shape) * scale).astype(np.float32))
    return ps                                   # the last one has no gradient


@pytest.mark.parametrize("norm_type", [2.0, 1, float("inf"), 3])
def test_clip_grad_norm_rescales_to_max_norm(norm_type):
    ps = _params_with_grads()
    grads = [p.grad.numpy().copy() for p in ps[:2]]
    flat = np.concatenate([g.ravel() for g in grads]).astype(np.float64)
    total = np.abs(flat).max() if math.isinf(norm_type) else (np.abs(flat) ** norm_type).sum() ** (1 / norm_type)
    norm = nn.utils.clip_grad_norm_(ps, max_norm=1.5, norm_type=norm_type)
    assert isinstance(norm, Tensor) and norm.ndim == 0
    np.testing.assert_allclose(norm.item(), total, rtol=1e-5)
    coef = min(1.5 / (total + 1e-6), 1.0)
    for p, g in zip(ps, grads):
        np.testing.assert_allclose(p.grad.numpy(), g * coef, rtol=1e-5)
    assert ps[2].grad is None


def test_clip_grad_norm_leaves_small_gradients_and_checks_finiteness():
    ps = _params_with_grads(scale=1e-3)
    before = [p.grad.numpy().copy() for p in ps[:2]]
    nn.utils.clip_grad_norm_(iter(ps), 10.0)
    for p, g in zip(ps, before):
        np.testing.assert_array_equal(p.grad.numpy(), g)
    ps[0].grad = Tensor(np.full((3, 4), np.nan, np.float32))
    with pytest.raises(RuntimeError, match="total norm of order 2.0 for gradients from "
                                           "`parameters` is non-finite"):
        nn.utils.clip_grad_norm_(ps, 1.0, error_if_nonfinite=True)
    single = nn.Parameter(np.ones(4, np.float32))
    single.grad = Tensor(np.full(4, 2.0, np.float32))
    assert nn.utils.clip_grad_norm_(single, 1.0).item() == pytest.approx(4.0)
    np.testing.assert_allclose(single.grad.numpy(), 0.5 * np.ones(4) * 4 / (4 + 1e-6), rtol=1e-6)
    with pytest.warns(UserWarning, match="empty generator"):
        assert nn.utils.clip_grad_norm_((p for p in []), 1.0).item() == 0.0


def test_clip_grad_value_():
    ps = _params_with_grads()
    before = [p.grad.numpy().copy() for p in ps[:2]]
    assert nn.utils.clip_grad_value_(ps, 0.5) is None
    for p, g in zip(ps, before):
        np.testing.assert_array_equal(p.grad.numpy(), np.clip(g, -0.5, 0.5))


def test_clip_grad_matches_torch():
    torch = torch_or_skip()
    for norm_type in (2.0, 1.0, float("inf")):
        ps = _params_with_grads(seed=26)
        tps = [torch.nn.Parameter(torch.tensor(p.numpy())) for p in ps]
        for p, tp in zip(ps, tps):
            if p.grad is not None:
                tp.grad = torch.tensor(p.grad.numpy())
        norm = nn.utils.clip_grad_norm_(ps, 2.0, norm_type)
        t_norm = torch.nn.utils.clip_grad_norm_(tps, 2.0, norm_type)
        np.testing.assert_allclose(norm.item(), t_norm.item(), rtol=1e-5)
        for p, tp in zip(ps[:2], tps[:2]):
            np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-5)


def test_clip_grad_norm_in_a_training_step():
    model = nn.Sequential(nn.Linear(4, 8), nn.GELU(), nn.Linear(8, 1))
    opt = mg.optim.SGD(model.parameters(), lr=0.1)
    x, y = Tensor(rand(16, 4).astype(np.float32) * 100), Tensor(np.ones((16, 1), np.float32))
    F.mse_loss(model(x), y).backward()
    nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    total = math.sqrt(sum(float((p.grad.numpy().astype(np.float64) ** 2).sum())
                          for p in model.parameters()))
    assert total == pytest.approx(1.0, rel=1e-4)
    opt.step()


# ---- tutorial-style scripts ------------------------------------------------------------------
def test_a_tutorial_style_script_runs_with_minigrad_as_torch():
    """Written in the style of PyTorch's tutorials, with ``torch`` pointing at minigrad."""
    torch = mg
    nn_, F_ = torch.nn, torch.nn.functional

    class Net(nn_.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn_.Conv2d(1, 4, 3, padding=1)
            self.pool = nn_.MaxPool2d(2, return_indices=True)
            self.unpool = nn_.MaxUnpool2d(2)
            self.drop = nn_.Dropout2d(0.25)
            self.act = nn_.LeakyReLU(0.1, inplace=True)
            self.head = nn_.Conv2d(4, 1, 1)

        def forward(self, x):
            x = self.act(self.conv1(x))
            x, idx = self.pool(x)
            x = self.drop(x)
            x = self.unpool(x, idx)
            return self.head(F_.elu(x))

    torch.manual_seed(0)
    net = Net()
    criterion = nn_.BCEWithLogitsLoss(pos_weight=torch.tensor(np.array([2.0], np.float32)))
    optimizer = torch.optim.RMSprop(net.parameters(), lr=1e-2)
    images = torch.tensor((rand(8, 1, 6, 6) > 0.5).astype(np.float32))
    losses = []
    for _ in range(30):
        optimizer.zero_grad()
        loss = criterion(net(images), images)
        loss.backward()
        nn_.utils.clip_grad_norm_(net.parameters(), 5.0)
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.7 * losses[0]
    net.eval()
    with torch.no_grad():
        probs = F_.softmax(net(images).flatten(1), dim=1)
    np.testing.assert_allclose(probs.sum(1).numpy(), np.ones(8), rtol=1e-5)
