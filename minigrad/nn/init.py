"""Weight initialisation (``torch.nn.init`` names and formulas).

Every function fills ``tensor._array`` in place -- the array keeps its dtype and identity, so
a Parameter already registered in a Module (or held by an optimizer) sees the new values --
and returns the tensor. Random draws come from ``minigrad.random.generator()``, so
``mg.manual_seed(s)`` makes initialisation repeatable.

Why the scales: a layer computing ``y = W x`` with ``fan_in`` inputs of unit variance gives
outputs of variance ``fan_in * Var(W)``. Choosing ``Var(W) = gain**2 / fan_in`` keeps the
signal's variance constant from layer to layer (He et al., 2015, "kaiming"); averaging fan_in
and fan_out does the same for forward and backward passes together (Glorot & Bengio, 2010,
"xavier"). ``gain`` makes up for what the nonlinearity removes: ReLU zeroes half its inputs,
so its gain is sqrt(2). A uniform distribution on [-b, b] has variance b**2 / 3, hence the
sqrt(3) factors below.
"""
import math

import numpy as np

from .. import random as _random
from ..tensor import Tensor

__all__ = ["calculate_gain", "uniform_", "normal_", "constant_", "zeros_", "ones_",
           "kaiming_uniform_", "kaiming_normal_", "xavier_uniform_", "xavier_normal_"]


def _array(tensor, fn_name):
    """The array to fill in place (a Tensor's ``._array``, or a numpy array itself)."""
    arr = tensor._array if isinstance(tensor, Tensor) else tensor
    if not isinstance(arr, np.ndarray):
        raise TypeError(f"nn.init.{fn_name}: expected a Tensor, got {type(tensor).__name__}")
    if not np.issubdtype(arr.dtype, np.floating):
        raise TypeError(f"nn.init.{fn_name}: expected a floating point tensor, got dtype {arr.dtype}")
    return arr


def _fill(tensor, values, fn_name):
    arr = _array(tensor, fn_name)
    arr[...] = values          # in place; casts the float64 draws to the tensor's dtype
    return tensor


def calculate_gain(nonlinearity, param=None):
    """The recommended gain for a nonlinearity (PyTorch's table):
    linear, conv*, sigmoid -> 1; tanh -> 5/3; relu -> sqrt(2);
    leaky_relu -> sqrt(2 / (1 + slope**2)) with slope ``param`` (default 0.01); selu -> 3/4."""
    linear_fns = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
                  "conv_transpose2d", "conv_transpose3d")
    if nonlinearity in linear_fns or nonlinearity == "sigmoid":
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = param
        else:
            raise ValueError(f"calculate_gain: negative_slope {param!r} is not a valid number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}")


def _calculate_fan_in_and_fan_out(tensor):
    """For a weight of shape (out, in, *kernel): fan_in = in * prod(kernel),
    fan_out = out * prod(kernel) -- the number of inputs each output sums over, and the
    number of outputs each input feeds."""
    shape = tensor.shape
    if len(shape) < 2:
        raise ValueError("nn.init: fan in and fan out can not be computed for a tensor with "
                         f"fewer than 2 dimensions (got shape {tuple(shape)})")
    receptive_field = math.prod(shape[2:])
    return shape[1] * receptive_field, shape[0] * receptive_field


def _calculate_correct_fan(tensor, mode):
    mode = mode.lower()
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"nn.init: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _finite(fn_name, **numbers):
    """Every number finite: a NaN or infinite bound, std or gain would fill the tensor with
    NaN or overflow inside numpy."""
    for what, value in numbers.items():
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer,
                                                             np.floating)) \
                or not math.isfinite(value):
            raise ValueError(f"nn.init.{fn_name}: {what} must be a finite number, got {value!r}")


def uniform_(tensor, a=0.0, b=1.0):
    """Fill with draws from U(a, b)."""
    shape = _array(tensor, "uniform_").shape
    _finite("uniform_", a=a, b=b)
    if a > b:
        raise ValueError(f"nn.init.uniform_: expects a <= b, got a={a}, b={b}")
    return _fill(tensor, _random.generator().uniform(a, b, size=shape), "uniform_")


def normal_(tensor, mean=0.0, std=1.0):
    """Fill with draws from N(mean, std**2)."""
    shape = _array(tensor, "normal_").shape
    _finite("normal_", mean=mean, std=std)
    if std < 0:
        raise ValueError(f"nn.init.normal_: expects std >= 0.0, got std={std}")
    return _fill(tensor, _random.generator().normal(mean, std, size=shape), "normal_")


def constant_(tensor, val):
    _array(tensor, "constant_")
    if isinstance(val, bool) or not isinstance(val, (int, float, np.integer, np.floating)):
        raise TypeError(f"nn.init.constant_: val must be a number, got {val!r}")
    return _fill(tensor, val, "constant_")


def zeros_(tensor):
    return _fill(tensor, 0, "zeros_")


def ones_(tensor):
    return _fill(tensor, 1, "ones_")


def _kaiming_std(tensor, a, mode, nonlinearity, fn_name):
    _finite(fn_name, a=a)
    fan = _calculate_correct_fan(tensor, mode)
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu"):
    """He uniform: U(-bound, bound) with bound = gain * sqrt(3 / fan). ``a`` is the negative
    slope used by the leaky_relu gain. (``Linear`` and ``Conv`` call this with a=sqrt(5),
    which makes bound = 1/sqrt(fan_in).)"""
    if _array(tensor, "kaiming_uniform_").size == 0:
        return tensor          # nothing to fill (PyTorch warns and does the same)
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity, "kaiming_uniform_")
    return uniform_(tensor, -bound, bound)


def _default_layer_init_(weight, bias):
    """PyTorch's default initialisation of ``Linear`` and ``Conv``: the weight from
    ``kaiming_uniform_(a=sqrt(5))``, i.e. U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and the bias
    (if any) from that same range."""
    kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        fan_in, _ = _calculate_fan_in_and_fan_out(weight)
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        uniform_(bias, -bound, bound)


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu"):
    """He normal: N(0, std**2) with std = gain / sqrt(fan)."""
    if _array(tensor, "kaiming_normal_").size == 0:
        return tensor
    return normal_(tensor, 0.0, _kaiming_std(tensor, a, mode, nonlinearity, "kaiming_normal_"))


def _xavier_std(tensor, gain, fn_name):
    _finite(fn_name, gain=gain)
    if gain < 0:
        raise ValueError(f"nn.init.{fn_name}: gain must be >= 0, got {gain}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    if fan_in + fan_out == 0:
        return 0.0             # a zero-element tensor: there is nothing to fill anyway
    return gain * math.sqrt(2.0 / (fan_in + fan_out))


def xavier_uniform_(tensor, gain=1.0):
    """Glorot uniform: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out))."""
    bound = math.sqrt(3.0) * _xavier_std(tensor, gain, "xavier_uniform_")
    return uniform_(tensor, -bound, bound)


def xavier_normal_(tensor, gain=1.0):
    """Glorot normal: N(0, std**2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    return normal_(tensor, 0.0, _xavier_std(tensor, gain, "xavier_normal_"))
