"""Activation layers: each wraps the op of the same name (gradients in ``minigrad/ops``)."""
import warnings

from .. import functional as F
from .module import Module


class ReLU(Module):
    """max(x, 0). ``inplace`` is accepted for PyTorch compatibility; minigrad always
    returns a new tensor (its autograd has no in-place ops)."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.relu(input)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class Sigmoid(Module):
    """1 / (1 + exp(-x))."""

    def forward(self, input):
        return F.sigmoid(input)


class Tanh(Module):
    def forward(self, input):
        return F.tanh(input)


def _softmax_dim(layer, dim, ndim):
    """PyTorch's legacy rule when ``dim`` is None: dim 0 for 0-, 1- and 3-D input, else 1."""
    if dim is not None:
        if not -max(ndim, 1) <= dim < max(ndim, 1):
            raise IndexError(f"{layer}: dim {dim} is out of range for input with {ndim} dims")
        return dim
    warnings.warn(f"{layer}: implicit dimension choice has been deprecated; pass dim=",
                  stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


class Softmax(Module):
    """exp(x) / sum(exp(x)) along ``dim``."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.softmax(input, _softmax_dim("Softmax", self.dim, input.ndim))

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """log(softmax(x)) along ``dim``, computed stably as x - logsumexp(x)."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.log_softmax(input, _softmax_dim("LogSoftmax", self.dim, input.ndim))

    def extra_repr(self):
        return f"dim={self.dim}"
