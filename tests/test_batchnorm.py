"""BatchNorm1d/2d and F.batch_norm: forward against a numpy reference, running statistics
against a hand computation (unbiased variance), train/eval behaviour, float64 gradchecks of
the fused op in both modes, dtype, state dicts and error messages."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import Tensor, nn

from helpers import rand


def _axes(x):
    return (0,) + tuple(range(2, x.ndim))


def _bn_reference(x, mean, var, weight, bias, eps=1e-5):
    """Plain numpy: (x - mean) / sqrt(var + eps) * weight + bias, (C,) vectors on dim 1."""
    shape = (1, -1) + (1,) * (x.ndim - 2)
    return ((x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps)
            * weight.reshape(shape) + bias.reshape(shape))


def _with_random_affine(bn, seed=1):
    rng = np.random.default_rng(seed)
    bn.weight.numpy()[...] = rng.uniform(0.5, 2.0, bn.num_features)
    bn.bias.numpy()[...] = rng.standard_normal(bn.num_features)
    return bn


CASES = [(nn.BatchNorm1d, (8, 3)), (nn.BatchNorm1d, (4, 3, 5)), (nn.BatchNorm2d, (4, 3, 5, 6))]


# ---- forward ---------------------------------------------------------------------------------
@pytest.mark.parametrize("cls,shape", CASES)
def test_training_forward_uses_batch_statistics(cls, shape):
    bn = _with_random_affine(cls(3))
    x = rand(*shape, loc=2.0, scale=3.0)
    out = bn(Tensor(x))
    ref = _bn_reference(x, x.mean(_axes(x)), x.var(_axes(x)), bn.weight.numpy(), bn.bias.numpy())
    assert out.shape == shape
    np.testing.assert_allclose(out.numpy(), ref, rtol=1e-10, atol=1e-10)


def test_normalised_output_has_zero_mean_unit_variance_per_channel():
    bn = nn.BatchNorm2d(4)
    x = rand(6, 4, 3, 3, loc=5.0, scale=4.0)
    out = bn(Tensor(x)).numpy()
    np.testing.assert_allclose(out.mean(axis=(0, 2, 3)), 0, atol=1e-10)
    np.testing.assert_allclose(out.var(axis=(0, 2, 3)), 1, rtol=1e-4)   # eps shrinks it a bit


@pytest.mark.parametrize("cls,shape", CASES)
@pytest.mark.parametrize("momentum", [0.1, 0.3])
def test_running_stats_after_steps_match_hand_computation(cls, shape, momentum):
    bn = cls(3, momentum=momentum, dtype=np.float64)    # float64 buffers: compare tightly
    mean, var = np.zeros(3), np.ones(3)
    for step in range(3):
        x = rand(*shape, seed=step, loc=step - 1.0, scale=step + 0.5)
        bn(Tensor(x))
        m = x.size // 3
        batch_var_unbiased = x.var(_axes(x)) * m / (m - 1)
        assert np.allclose(batch_var_unbiased, x.var(_axes(x), ddof=1))
        mean = (1 - momentum) * mean + momentum * x.mean(_axes(x))
        var = (1 - momentum) * var + momentum * batch_var_unbiased
    np.testing.assert_allclose(bn.running_mean.numpy(), mean, rtol=1e-12)
    np.testing.assert_allclose(bn.running_var.numpy(), var, rtol=1e-12)
    assert bn.num_batches_tracked.numpy() == 3


def test_momentum_none_is_a_cumulative_average():
    bn = nn.BatchNorm1d(2, momentum=None)
    batches = [rand(5, 2, seed=s, loc=s) for s in range(4)]
    for x in batches:
        bn(Tensor(x))
    np.testing.assert_allclose(bn.running_mean.numpy(), np.mean([x.mean(0) for x in batches], 0),
                               rtol=1e-6)
    np.testing.assert_allclose(bn.running_var.numpy(),
                               np.mean([x.var(0, ddof=1) for x in batches], 0), rtol=1e-6)


@pytest.mark.parametrize("cls,shape", CASES)
def test_eval_uses_running_stats_and_does_not_update_them(cls, shape):
    bn = _with_random_affine(cls(3))
    for s in range(3):
        bn(Tensor(rand(*shape, seed=s, loc=1.0, scale=2.0)))
    bn.eval()
    rm, rv = bn.running_mean.numpy().copy(), bn.running_var.numpy().copy()
    x = rand(*shape, seed=10)
    out = bn(Tensor(x))
    np.testing.assert_allclose(out.numpy(), _bn_reference(x, rm, rv, bn.weight.numpy(), bn.bias.numpy()),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(bn.running_mean.numpy(), rm)
    np.testing.assert_array_equal(bn.running_var.numpy(), rv)
    assert bn.num_batches_tracked.numpy() == 3
    # in eval mode an example's output does not depend on the rest of its batch
    np.testing.assert_allclose(bn(Tensor(x[:1])).numpy(), out.numpy()[:1], rtol=1e-6)


def test_eval_differs_from_training_on_the_same_batch():
    bn = nn.BatchNorm1d(3)
    x = Tensor(rand(6, 3, loc=4.0, dtype=np.float32))
    train_out = bn(x).numpy()
    eval_out = bn.eval()(x).numpy()
    assert not np.allclose(train_out, eval_out)
    bn.train()
    np.testing.assert_allclose(bn(x).numpy(), train_out, rtol=1e-5, atol=1e-6)


def test_without_running_stats_batch_statistics_are_used_in_eval_too():
    bn = nn.BatchNorm2d(3, track_running_stats=False)
    assert bn.running_mean is None and bn.num_batches_tracked is None
    assert list(bn.state_dict()) == ["weight", "bias"]
    x = rand(2, 3, 4, 4, loc=3.0)
    ref = _bn_reference(x, x.mean((0, 2, 3)), x.var((0, 2, 3)), np.ones(3), np.zeros(3))
    np.testing.assert_allclose(bn(Tensor(x)).numpy(), ref, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(bn.eval()(Tensor(x)).numpy(), ref, rtol=1e-5, atol=1e-6)


def test_affine_false_has_no_parameters():
    bn = nn.BatchNorm1d(3, affine=False)
    assert list(bn.parameters()) == []
    assert list(bn.state_dict()) == ["running_mean", "running_var", "num_batches_tracked"]
    x = rand(5, 3)
    ref = (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-5)
    np.testing.assert_allclose(bn(Tensor(x)).numpy(), ref, rtol=1e-10)


def test_eps_is_used():
    bn = nn.BatchNorm1d(2, eps=0.5)
    x = rand(4, 2)
    np.testing.assert_allclose(bn(Tensor(x)).numpy(), (x - x.mean(0)) / np.sqrt(x.var(0) + 0.5))


# ---- gradients -------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(4, 3), (3, 2, 4), (2, 3, 2, 3)])
def test_gradcheck_training_mode_input_weight_bias(shape):
    C = shape[1]
    x = Tensor(rand(*shape, loc=1.0, scale=2.0), requires_grad=True)
    w = Tensor(rand(C, seed=1, loc=1.0), requires_grad=True)
    b = Tensor(rand(C, seed=2), requires_grad=True)
    rm, rv = np.zeros(C), np.ones(C)

    def fn(x, w, b):
        return F.batch_norm(x, rm, rv, w, b, training=True)
    assert mg.gradcheck(fn, (x, w, b))
    # without weight and bias, and without running statistics
    assert mg.gradcheck(lambda x: F.batch_norm(x, None, None, training=True), (x,))


@pytest.mark.parametrize("shape", [(4, 3), (2, 3, 2, 3)])
def test_gradcheck_eval_mode(shape):
    C = shape[1]
    rm, rv = rand(C, seed=3), np.abs(rand(C, seed=4)) + 0.5
    x = Tensor(rand(*shape), requires_grad=True)
    w = Tensor(rand(C, seed=1), requires_grad=True)
    b = Tensor(rand(C, seed=2), requires_grad=True)
    assert mg.gradcheck(lambda x, w, b: F.batch_norm(x, rm, rv, w, b, training=False), (x, w, b))


def test_module_gradcheck_in_training_mode():
    bn = _with_random_affine(nn.BatchNorm2d(2)).double()
    assert mg.gradcheck(bn, Tensor(rand(2, 2, 3, 3), requires_grad=True))
    bn.eval()
    assert mg.gradcheck(bn, Tensor(rand(2, 2, 3, 3), requires_grad=True))


def test_fused_gradient_matches_composed_ops():
    """The closed form against autograd through mean/var built from primitive ops."""
    x = Tensor(rand(4, 3, 2, 2, loc=1.0), requires_grad=True)
    w = Tensor(rand(3, seed=1), requires_grad=True)
    b = Tensor(rand(3, seed=2), requires_grad=True)
    g = rand(4, 3, 2, 2, seed=5)
    F.batch_norm(x, None, None, w, b, training=True).backward(g)
    fused = [t.grad.numpy().copy() for t in (x, w, b)]
    for t in (x, w, b):
        t.grad = None
    mean = x.mean(dim=(0, 2, 3), keepdim=True)
    xc = x - mean
    var = (xc * xc).mean(dim=(0, 2, 3), keepdim=True)
    out = xc / (var + 1e-5).sqrt() * w.reshape(1, 3, 1, 1) + b.reshape(1, 3, 1, 1)
    out.backward(g)
    for f, t in zip(fused, (x, w, b)):
        np.testing.assert_allclose(f, t.grad.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("affine", [True, False])
def test_plain_and_recorded_backward_agree(training, affine):
    """A plain backward computes the formulas in place on arrays; under create_graph the
    same formulas run as recorded Tensor ops. Both must give the same gradients."""
    bn = nn.BatchNorm2d(3, affine=affine)
    if affine:
        _with_random_affine(bn)
    bn.running_mean.numpy()[...] = [0.2, -0.1, 0.5]
    bn.running_var.numpy()[...] = [1.5, 0.7, 2.0]
    bn.train(training)
    x = Tensor(rand(4, 3, 5, 5, loc=1.0), requires_grad=True)
    g = rand(4, 3, 5, 5, seed=5)
    params = [x] + list(bn.parameters())
    plain = mg.autograd.grad(bn(x), params, g)
    recorded = mg.autograd.grad(bn(x), params, g, create_graph=True)
    # (recorded: x's gradient depends on x through the batch statistics, on weight in eval)
    assert recorded[0].requires_grad == (training or affine)
    for a, b in zip(plain, recorded):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12, atol=1e-14)


def test_float32_stays_float32():
    bn = _with_random_affine(nn.BatchNorm2d(3))
    x = Tensor(rand(4, 3, 5, 5, dtype=np.float32), requires_grad=True)
    out = bn(x)
    assert out.dtype == np.float32
    out.backward(np.ones(out.shape, np.float32))
    assert x.grad.dtype == bn.weight.grad.dtype == bn.bias.grad.dtype == np.float32
    assert bn.running_mean.dtype == bn.running_var.dtype == np.float32
    bn.eval()
    assert bn(x).dtype == np.float32
    # sum over a channel of dL/dx is 0 in training mode (the mean absorbs a constant shift)
    np.testing.assert_allclose(x.grad.numpy().sum(axis=(0, 2, 3)), 0, atol=1e-4)
    np.testing.assert_allclose(bn.bias.grad.numpy(), np.full(3, 4 * 25.0))


# ---- state dict ------------------------------------------------------------------------------
def test_state_dict_round_trip_keeps_eval_behaviour():
    a = _with_random_affine(nn.BatchNorm2d(3))
    for s in range(2):
        a(Tensor(rand(2, 3, 4, 4, seed=s, loc=2.0, dtype=np.float32)))
    sd = a.state_dict()
    assert list(sd) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    assert sd["num_batches_tracked"].dtype == np.int64 and sd["num_batches_tracked"] == 2
    b = nn.BatchNorm2d(3)
    b.load_state_dict(sd)
    x = Tensor(rand(2, 3, 4, 4, seed=9, dtype=np.float32))
    np.testing.assert_array_equal(a.eval()(x).numpy(), b.eval()(x).numpy())
    with pytest.raises(RuntimeError, match="size mismatch for running_mean"):
        nn.BatchNorm2d(4).load_state_dict(sd)


# ---- errors ----------------------------------------------------------------------------------
def test_bad_input_errors_name_layer_and_shapes():
    # the layer is named as it prints
    with pytest.raises(ValueError, match=r"BatchNorm2d\(16, eps=1e-05, momentum=0.1, affine=True, "
                                         r"track_running_stats=True\): expected 4-D \(N, C, H, W\) "
                                         r"input, got input of shape \(2, 16, 5\) \(3-D\)"):
        nn.BatchNorm2d(16)(mg.zeros(2, 16, 5))
    with pytest.raises(ValueError, match=r"BatchNorm2d\(16, .*\): expected input with 16 channels "
                                         r"at dim 1, got input of shape \(2, 8, 4, 4\) with 8"):
        nn.BatchNorm2d(16)(mg.zeros(2, 8, 4, 4))
    with pytest.raises(ValueError, match=r"BatchNorm1d\(3, .*\): expected 2-D \(N, C\) or 3-D "
                                         r"\(N, C, L\) input, got input of shape \(2, 3, 4, 4\)"):
        nn.BatchNorm1d(3)(mg.zeros(2, 3, 4, 4))
    with pytest.raises(ValueError, match="more than 1 value per channel when training"):
        nn.BatchNorm1d(3)(mg.zeros(1, 3))
    bn = nn.BatchNorm1d(3)
    with pytest.raises(ValueError):
        bn(mg.zeros(1, 3))
    assert bn.num_batches_tracked.numpy() == 0          # a refused batch changes nothing
    assert bn.eval()(mg.zeros(1, 3)).shape == (1, 3)  # one example is fine in eval mode
    with pytest.raises(ValueError, match="num_features must be a positive int"):
        nn.BatchNorm2d(0)


def test_functional_errors():
    x = mg.zeros(4, 3)
    with pytest.raises(ValueError, match=r"batch_norm: weight has shape \(2,\), expected \(3,\)"):
        F.batch_norm(x, None, None, weight=mg.ones(2), training=True)
    with pytest.raises(ValueError, match=r"running_mean has shape \(4,\), expected \(3,\)"):
        F.batch_norm(x, mg.zeros(4), mg.ones(3))
    with pytest.raises(ValueError, match="running_mean and running_var are required"):
        F.batch_norm(x, None, None, training=False)
    with pytest.raises(ValueError, match=r"expected input of shape \(N, C, \.\.\.\)"):
        F.batch_norm(mg.zeros(3), None, None, training=True)


def test_batchnorm3d_normalises_5d_input_per_channel_and_refuses_4d():
    import minigrad as mg
    from minigrad import nn
    mg.manual_seed(0)
    bn = nn.BatchNorm3d(3)
    x = mg.randn(4, 3, 2, 5, 5) * 3 + 1
    y = bn(x).numpy()
    np.testing.assert_allclose(y.mean(axis=(0, 2, 3, 4)), 0, atol=1e-5)
    np.testing.assert_allclose(y.var(axis=(0, 2, 3, 4)), 1, rtol=1e-3)
    with pytest.raises(ValueError, match="5-D"):
        bn(mg.randn(4, 3, 5, 5))
    assert mg.gradgradcheck(lambda t: nn.BatchNorm3d(2).double()(t),
                            (mg.randn(3, 2, 2, 2, 2, dtype=np.float64, requires_grad=True),))
