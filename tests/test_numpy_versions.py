"""The same dtypes and values under numpy 1.x and numpy 2 (pyproject.toml: numpy>=1.22; CI runs
the suite on the oldest numpy too). numpy 1.x promotes 0-d arrays by value: a 0-d float32
array with a Python number (or a numpy scalar from a full reduction with one) is float64
there, float32 under numpy 2 (NEP 50) -- which minigrad gives on both (``minigrad/_compat.py``)."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn, optim

ON_0D = {   # each on a 0-d float32 tensor x, and backward from the result
    "x + 1": lambda x: x + 1, "1 - x": lambda x: 1 - x, "x * 0.5": lambda x: x * 0.5,
    "x / 3": lambda x: x / 3, "2 / x": lambda x: 2 / x, "x ** 2": lambda x: x ** 2,
    "2 ** x": lambda x: 2 ** x, "relu": lambda x: x.relu(), "clamp": lambda x: x.clamp(-0.1, 0.2),
    "clamp(min)": lambda x: x.clamp(min=0), "sigmoid": lambda x: x.sigmoid(), "silu": F.silu,
    "gelu": F.gelu, "gelu tanh": lambda x: F.gelu(x, approximate="tanh"), "elu": F.elu,
    "softplus": lambda x: F.softplus(x, beta=2, threshold=1), "tanh": lambda x: x.tanh(),
    "where": lambda x: mg.where(x > 0, x, 0.0), "masked_fill": lambda x: x.masked_fill(x > 0, 2.5),
    "fill_": lambda x: (x * 1).fill_(1.5), "in place": lambda x: (x * 1).add_(1).mul_(2).div_(3),
    "norm(3)": lambda x: x.norm(3), "mse_loss": lambda x: F.mse_loss(x, mg.tensor(np.float32(0.1))),
    "huber_loss": lambda x: F.huber_loss(x, mg.tensor(np.float32(0.1)), delta=0.2),
    "binary_cross_entropy": lambda x: F.binary_cross_entropy(x.sigmoid(), mg.tensor(np.float32(0.4))),
    "bce_with_logits": lambda x: F.binary_cross_entropy_with_logits(x, mg.tensor(np.float32(0.4))),
}
ON_1D = {   # on a float32 tensor of shape (3,), reduced to 0-d
    "var": lambda x: x.var(), "var(correction=0)": lambda x: x.var(correction=0),
    "std": lambda x: x.std(), "mean": lambda x: x.mean(), "mean * 3": lambda x: x.mean() * 3,
    "cross_entropy": lambda x: F.cross_entropy(x.reshape(1, 3), mg.tensor(np.array([2]))),
    "sum / 2": lambda x: x.sum() / 2,
}


@pytest.mark.parametrize("name", ON_0D)
def test_a_0d_float32_tensor_with_python_numbers_stays_float32(name):
    x = mg.tensor(np.float32(0.3), requires_grad=True)
    out = ON_0D[name](x)
    assert out.dtype == np.float32
    out.backward()
    assert x.grad.dtype == np.float32


@pytest.mark.parametrize("name", ON_1D)
def test_a_reduction_to_0d_stays_float32(name):
    x = mg.tensor(np.array([0.3, -1.2, 0.5], dtype=np.float32), requires_grad=True)
    out = ON_1D[name](x)
    assert out.shape == () and out.dtype == np.float32
    out.backward()
    assert x.grad.dtype == np.float32


def test_python_numbers_take_the_dtype_of_a_0d_tensor():
    assert (mg.tensor(1.0, dtype=np.float16) + 1.5).dtype == np.float16
    assert (mg.tensor(np.array(3, dtype=np.int32)) + 1).dtype == np.int32
    assert (mg.tensor(1.0, dtype=np.float64) * 0.5).dtype == np.float64


OPTIMIZERS = {
    "SGD momentum": lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01),
    "SGD nesterov": lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True),
    "Adam": lambda ps: optim.Adam(ps, lr=0.01, weight_decay=0.1, amsgrad=True),
    "AdamW": lambda ps: optim.AdamW(ps, lr=0.01),
    "RMSprop": lambda ps: optim.RMSprop(ps, lr=0.01, centered=True, momentum=0.9, weight_decay=0.1),
    "Adagrad": lambda ps: optim.Adagrad(ps, lr=0.1, lr_decay=0.01, weight_decay=0.1),
    "Adadelta": lambda ps: optim.Adadelta(ps, weight_decay=0.1),
}


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_a_0d_parameter_steps_as_a_one_element_parameter(name):
    # on a 0-d array numpy computes numpy scalars (which `buf *= momentum` would rebind
    # rather than update), and numpy 1.x computes them in float64 with a Python float
    runs = []
    for shape in ((), (1,)):
        p = nn.Parameter(mg.tensor(np.full(shape, 0.7, dtype=np.float32)))
        opt = OPTIMIZERS[name]([p])
        for _ in range(3):
            opt.zero_grad()
            (p * p * 1.3).sum().backward()
            opt.step()
        runs.append((p, opt.state[p]))
    (p, state), (p1, state1) = runs
    assert p.shape == () and p.dtype == np.float32
    np.testing.assert_array_equal(p.numpy().reshape(1), p1.numpy())
    assert state.keys() == state1.keys()
    for key, value in state.items():
        if isinstance(value, np.ndarray):
            assert value.shape == () and value.dtype == np.float32, key
            np.testing.assert_array_equal(value.reshape(1), state1[key], err_msg=key)
        else:
            assert value == state1[key], key
