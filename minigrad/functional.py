"""Tensor-level functions and factories exposed as ``mg.<name>``."""
import numpy as np

from . import random as _random
from .ops import movement
from .tensor import Tensor, DEFAULT_DTYPE, _shape_args


def tensor(data, dtype=None, requires_grad=False):
    """A new tensor holding a copy of ``data``, as ``torch.tensor`` (``Tensor(ndarray)`` itself
    shares the array's memory, like ``torch.from_numpy``)."""
    if isinstance(data, np.ndarray):
        data = data.copy()
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def zeros(*size, dtype=DEFAULT_DTYPE, requires_grad=False):
    return Tensor(np.zeros(_shape_args(size), dtype=dtype), requires_grad=requires_grad)


def ones(*size, dtype=DEFAULT_DTYPE, requires_grad=False):
    return Tensor(np.ones(_shape_args(size), dtype=dtype), requires_grad=requires_grad)


def full(size, fill_value, dtype=DEFAULT_DTYPE, requires_grad=False):
    return Tensor(np.full(_shape_args((size,)), fill_value, dtype=dtype), requires_grad=requires_grad)


def zeros_like(t, dtype=None, requires_grad=False):
    return zeros(t.shape, dtype=dtype or t.dtype, requires_grad=requires_grad)


def ones_like(t, dtype=None, requires_grad=False):
    return ones(t.shape, dtype=dtype or t.dtype, requires_grad=requires_grad)


def randn(*size, dtype=DEFAULT_DTYPE, requires_grad=False):
    """Standard normal samples from minigrad's generator (see ``mg.manual_seed``)."""
    data = _random.generator().standard_normal(_shape_args(size)).astype(dtype)
    return Tensor(data, requires_grad=requires_grad)


def rand(*size, dtype=DEFAULT_DTYPE, requires_grad=False):
    data = _random.generator().random(_shape_args(size)).astype(dtype)
    return Tensor(data, requires_grad=requires_grad)


def randint(low, high, size, dtype=np.int64):
    return Tensor(_random.generator().integers(low, high, size=_shape_args((size,))).astype(dtype))


def arange(start, end=None, step=1, dtype=None, requires_grad=False):
    """Like ``torch.arange``: integer arguments give int64, any float gives float32."""
    if end is None:
        start, end = 0, start
    if dtype is None:
        is_int = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = np.int64 if is_int else DEFAULT_DTYPE
    return Tensor(np.arange(start, end, step, dtype=dtype), requires_grad=requires_grad)


def _tensors(name, tensors):
    tensors = list(tensors)
    if not tensors:
        raise ValueError(f"{name}: expected a non-empty sequence of tensors")
    return [t if isinstance(t, Tensor) else Tensor(t) for t in tensors]


def cat(tensors, dim=0):
    """Concatenate along an existing dim."""
    tensors = _tensors("cat", tensors)
    return movement.Cat.apply(*tensors, dim=dim)


concat = cat


def stack(tensors, dim=0):
    """Stack along a new dim."""
    tensors = _tensors("stack", tensors)
    return movement.Stack.apply(*tensors, dim=dim)


def where(condition, input, other):
    """Elementwise choice: ``input`` where ``condition`` holds, else ``other``."""
    if isinstance(condition, Tensor):
        condition = condition._array
    ref = input if isinstance(input, Tensor) else other
    if isinstance(ref, Tensor):
        input, other = ref._operand(input), ref._operand(other)
    return movement.Where.apply(condition, input, other)


def pad(input, pad, mode="constant", value=0.0):
    """``F.pad`` for constant padding (the only mode minigrad implements)."""
    if mode != "constant":
        raise NotImplementedError(f"pad: mode {mode!r} is not implemented, only 'constant'")
    return movement.Pad.apply(input, pad=tuple(pad), value=value)


def matmul(a, b):
    return a @ b


def _unary(name):
    def fn(x, *args, **kwargs):
        return getattr(x, name)(*args, **kwargs)
    fn.__name__ = name
    fn.__doc__ = f"Same as ``Tensor.{name}``."
    return fn


exp, log, sqrt, sin, cos, abs, relu, sigmoid, tanh, clamp = (
    _unary(n) for n in ("exp", "log", "sqrt", "sin", "cos", "abs", "relu", "sigmoid", "tanh",
                        "clamp"))
sum, mean, var, std, max, min, argmax, argmin = (
    _unary(n) for n in ("sum", "mean", "var", "std", "max", "min", "argmax", "argmin"))
softmax, log_softmax, reshape, flatten, permute, transpose, squeeze, unsqueeze = (
    _unary(n) for n in ("softmax", "log_softmax", "reshape", "flatten", "permute",
                        "transpose", "squeeze", "unsqueeze"))
