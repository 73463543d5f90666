"""nn.init: PyTorch's formulas, checked through the statistics of large draws (a bound is
hit to within a few percent, a standard deviation matches to within 3%), plus dtype,
in-place behaviour, seeding and errors; and the default initialisation of the layers."""
import math

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.nn import init


def _t(*shape, dtype=np.float32):
    return mg.Tensor(np.zeros(shape, dtype=dtype))


def test_calculate_gain_table():
    assert init.calculate_gain("linear") == 1
    assert init.calculate_gain("conv2d") == 1
    assert init.calculate_gain("sigmoid") == 1
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("leaky_relu") == pytest.approx(math.sqrt(2 / (1 + 0.01 ** 2)))
    assert init.calculate_gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2 / 1.04))
    assert init.calculate_gain("leaky_relu", math.sqrt(5)) == pytest.approx(math.sqrt(1 / 3))
    assert init.calculate_gain("selu") == 0.75
    with pytest.raises(ValueError, match="unsupported nonlinearity 'swish'"):
        init.calculate_gain("swish")
    with pytest.raises(ValueError, match="negative_slope"):
        init.calculate_gain("leaky_relu", "0.1")


def test_fan_in_and_fan_out():
    assert init._calculate_fan_in_and_fan_out(_t(7, 5)) == (5, 7)
    # conv weight (out, in, kh, kw): each output sums over in*kh*kw inputs
    assert init._calculate_fan_in_and_fan_out(_t(8, 3, 5, 5)) == (75, 200)
    assert init._calculate_fan_in_and_fan_out(_t(4, 2, 3)) == (6, 12)
    with pytest.raises(ValueError, match=r"fewer than 2 dimensions \(got shape \(5,\)\)"):
        init._calculate_fan_in_and_fan_out(_t(5))


def test_uniform_normal_constant():
    mg.manual_seed(0)
    t = _t(200, 300)
    out = init.uniform_(t, -2.0, 3.0)
    assert out is t
    assert t.numpy().min() >= -2 and t.numpy().max() <= 3
    assert t.numpy().min() < -1.99 and t.numpy().max() > 2.99
    assert t.numpy().mean() == pytest.approx(0.5, abs=0.02)
    init.normal_(t, 1.5, 0.5)
    assert t.numpy().mean() == pytest.approx(1.5, abs=0.01)
    assert t.numpy().std() == pytest.approx(0.5, rel=0.03)
    init.constant_(t, 0.25)
    assert np.all(t.numpy() == 0.25)
    init.ones_(t)
    assert np.all(t.numpy() == 1)
    init.zeros_(t)
    assert np.all(t.numpy() == 0)


@pytest.mark.parametrize("shape", [(256, 512), (128, 32, 3, 3)])
@pytest.mark.parametrize("mode", ["fan_in", "fan_out"])
@pytest.mark.parametrize("nonlinearity,a", [("relu", 0), ("leaky_relu", math.sqrt(5)),
                                            ("leaky_relu", 0.1)])
def test_kaiming(shape, mode, nonlinearity, a):
    fan_in, fan_out = init._calculate_fan_in_and_fan_out(_t(*shape))
    fan = fan_in if mode == "fan_in" else fan_out
    gain = math.sqrt(2) if nonlinearity == "relu" else math.sqrt(2 / (1 + a * a))
    std = gain / math.sqrt(fan)
    t = _t(*shape)
    init.kaiming_uniform_(t, a=a, mode=mode, nonlinearity=nonlinearity)
    bound = math.sqrt(3) * std
    assert np.abs(t.numpy()).max() <= bound * (1 + 1e-6)
    assert np.abs(t.numpy()).max() >= 0.99 * bound
    assert t.numpy().std() == pytest.approx(std, rel=0.03)
    init.kaiming_normal_(t, a=a, mode=mode, nonlinearity=nonlinearity)
    assert t.numpy().mean() == pytest.approx(0, abs=0.05 * std)
    assert t.numpy().std() == pytest.approx(std, rel=0.03)


@pytest.mark.parametrize("shape", [(300, 200), (64, 16, 5, 5)])
@pytest.mark.parametrize("gain", [1.0, math.sqrt(2)])
def test_xavier(shape, gain):
    fan_in, fan_out = init._calculate_fan_in_and_fan_out(_t(*shape))
    std = gain * math.sqrt(2 / (fan_in + fan_out))
    t = _t(*shape)
    init.xavier_uniform_(t, gain=gain)
    bound = gain * math.sqrt(6 / (fan_in + fan_out))
    assert np.abs(t.numpy()).max() <= bound * (1 + 1e-6)
    assert np.abs(t.numpy()).max() >= 0.99 * bound
    assert t.numpy().std() == pytest.approx(std, rel=0.03)
    init.xavier_normal_(t, gain=gain)
    assert t.numpy().std() == pytest.approx(std, rel=0.03)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("fill", [
    lambda t: init.uniform_(t), lambda t: init.normal_(t), lambda t: init.constant_(t, 2),
    lambda t: init.kaiming_uniform_(t), lambda t: init.kaiming_normal_(t),
    lambda t: init.xavier_uniform_(t), lambda t: init.xavier_normal_(t)])
def test_in_place_and_dtype_kept(fill, dtype):
    t = _t(6, 4, dtype=dtype)
    array = t.numpy()
    assert fill(t) is t
    assert t.numpy() is array           # the same array: an optimizer holding t sees the values
    assert t.dtype == dtype
    assert np.any(t.numpy() != 0)


def test_parameter_in_a_module_is_filled_in_place():
    layer = nn.Linear(3, 4)
    init.zeros_(layer.weight)
    assert np.all(dict(layer.named_parameters())["weight"].numpy() == 0)
    assert np.all(layer.state_dict()["weight"] == 0)


def test_seeded_draws_repeat():
    def draw():
        mg.manual_seed(123)
        return init.kaiming_uniform_(_t(5, 7)).numpy().copy()
    a, b = draw(), draw()
    np.testing.assert_array_equal(a, b)
    assert np.any(init.kaiming_uniform_(_t(5, 7)).numpy() != a)   # the stream moves on


def test_errors():
    with pytest.raises(TypeError, match="floating point"):
        init.uniform_(mg.Tensor(np.zeros(3, dtype=np.int64)))
    with pytest.raises(TypeError, match="expected a Tensor"):
        init.normal_([1.0, 2.0])
    with pytest.raises(ValueError, match="mode must be 'fan_in' or 'fan_out', got 'fan_avg'"):
        init.kaiming_uniform_(_t(3, 3), mode="fan_avg")
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(_t(3))


def test_zero_element_tensor_is_a_no_op():
    t = _t(0, 3)
    assert init.kaiming_uniform_(t) is t and init.xavier_normal_(t) is t


# ---- default initialisation of the layers (PyTorch's) ----------------------------------------
def test_linear_default_init_bounds():
    mg.manual_seed(0)
    layer = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)       # kaiming_uniform_(a=sqrt(5)) on fan_in = 400
    w, b = layer.weight.numpy(), layer.bias.numpy()
    assert w.dtype == np.float32 and b.dtype == np.float32
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.99 * bound
    assert w.std() == pytest.approx(bound / math.sqrt(3), rel=0.03)
    assert np.abs(b).max() <= bound and np.abs(b).max() > 0.9 * bound
    assert b.std() == pytest.approx(bound / math.sqrt(3), rel=0.15)


def test_linear_dtype_and_reset_parameters():
    layer = nn.Linear(5, 2, dtype=np.float64)
    assert layer.weight.dtype == np.float64 and layer.bias.dtype == np.float64
    before = layer.weight.numpy().copy()
    layer.reset_parameters()
    assert not np.array_equal(before, layer.weight.numpy())
    assert np.abs(layer.weight.numpy()).max() <= 1 / math.sqrt(5)


def test_batchnorm_default_init():
    bn = nn.BatchNorm2d(4)
    np.testing.assert_array_equal(bn.weight.numpy(), np.ones(4, np.float32))
    np.testing.assert_array_equal(bn.bias.numpy(), np.zeros(4, np.float32))
    np.testing.assert_array_equal(bn.running_mean.numpy(), np.zeros(4, np.float32))
    np.testing.assert_array_equal(bn.running_var.numpy(), np.ones(4, np.float32))
    assert bn.num_batches_tracked.numpy() == 0 and bn.num_batches_tracked.dtype == np.int64
