"""Activation layers: each wraps the function of the same name in ``nn.functional``.

``inplace=True`` (ReLU, LeakyReLU, ELU, SiLU) writes the result into the input tensor
through the Tensor in-place methods, with PyTorch's rules: an error on a leaf that requires
grad, and when autograd records the op the input takes on the new values and history.
"""
import numpy as np

from .. import functional as F
from .module import Module


class ReLU(Module):
    """max(x, 0).

    Shape: input (*), output (*) the same shape."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.relu(input, inplace=self.inplace)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """x where x > 0, else ``negative_slope * x``.

    Shape: input (*), output (*) the same shape."""

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        F._check_finite(type(self).__name__, "negative_slope", negative_slope)
        self.negative_slope, self.inplace = negative_slope, inplace

    def forward(self, input):
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class ELU(Module):
    """x where x > 0, else ``alpha * (exp(x) - 1)``.

    Shape: input (*), output (*) the same shape."""

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        F._check_finite(type(self).__name__, "alpha", alpha)
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input):
        return F.elu(input, self.alpha, self.inplace)

    def extra_repr(self):
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class SiLU(Module):
    """x * sigmoid(x) (swish).

    Shape: input (*), output (*) the same shape."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.silu(input, inplace=self.inplace)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class GELU(Module):
    """x * Phi(x), Phi the standard normal CDF (exact, with erf), or its tanh approximation
    with ``approximate='tanh'``.

    Shape: input (*), output (*) the same shape."""

    def __init__(self, approximate="none"):
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, input):
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class Softplus(Module):
    """``log(1 + exp(beta * x)) / beta``, linear where ``beta * x > threshold``.

    Shape: input (*), output (*) the same shape."""

    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        F._check_finite(type(self).__name__, "beta", beta)
        if beta == 0 or not F._is_real(threshold) or threshold != threshold:
            raise ValueError(f"Softplus: beta must be non-zero and threshold a number, got "
                             f"beta={beta!r}, threshold={threshold!r}")
        self.beta, self.threshold = beta, threshold

    def forward(self, input):
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


class Sigmoid(Module):
    """1 / (1 + exp(-x)).

    Shape: input (*), output (*) the same shape."""

    def forward(self, input):
        return F.sigmoid(input)


class Tanh(Module):
    """tanh(x), in (-1, 1).

    Shape: input (*), output (*) the same shape."""

    def forward(self, input):
        return F.tanh(input)


def _softmax_dim(layer, dim, input):
    """``dim`` checked against the input; None: PyTorch's legacy rule, with its warning."""
    F._check_tensor(layer, input)
    ndim = input.ndim
    if dim is not None:
        if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
            return dim          # the Tensor's dim check raises PyTorch's TypeError
        if not -max(ndim, 1) <= dim < max(ndim, 1):
            raise IndexError(f"{layer}: dim {dim} is out of range for input with {ndim} dims")
        return dim
    # the warning points at the layer's caller: F._softmax_dim, here, forward, __call__, caller
    return F._softmax_dim(layer, ndim, stacklevel=5)


class Softmax(Module):
    """exp(x) / sum(exp(x)) along ``dim``. Without ``dim``: PyTorch's deprecated implicit
    choice (dim 0 for 0-, 1- and 3-D input, else 1), with a warning.

    Shape: input (*), output (*) the same shape."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F._softmax(self, input, _softmax_dim(self, self.dim, input))

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """log(softmax(x)) along ``dim``, computed stably as x - logsumexp(x); ``dim`` as in
    ``Softmax``.

    Shape: input (*), output (*) the same shape."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F._softmax(self, input, _softmax_dim(self, self.dim, input),
                          log=True)

    def extra_repr(self):
        return f"dim={self.dim}"
