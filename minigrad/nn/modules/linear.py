"""``Linear`` (a fully connected layer) and ``Identity``."""

import numpy as np

from .. import functional as F
from .. import init
from .module import Module, Parameter, _layer_dtype


class Identity(Module):
    """Returns its input unchanged; accepts and ignores any constructor arguments (as
    PyTorch's does), so it can stand in for a layer that is switched off.

    Shape: input (*), output (*) the same shape."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input


class Linear(Module):
    """``y = x @ weight.T + bias`` with ``weight`` of shape (out_features, in_features).

    Default initialisation as PyTorch: ``kaiming_uniform_(weight, a=sqrt(5))``, which draws
    from U(-1/sqrt(in_features), 1/sqrt(in_features)), and the bias from the same range.
    ``device`` is accepted and ignored (minigrad has only the CPU); ``dtype`` defaults to
    float32.

    Shape: input (*, in_features), any number of leading dims (none included); output
    (*, out_features).
    """

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        for name, n in (("in_features", in_features), ("out_features", out_features)):
            if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 0:
                raise ValueError(f"Linear: {name} must be a non-negative int, got {n!r}")
        self.in_features, self.out_features = int(in_features), int(out_features)
        dtype = _layer_dtype("Linear", dtype)
        self.weight = Parameter(np.empty((self.out_features, self.in_features), dtype=dtype))
        if bias:
            self.bias = Parameter(np.empty(self.out_features, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        init._default_layer_init_(self.weight, self.bias)

    def forward(self, input):
        return F._linear(self, input, self.weight, self.bias)   # (named only on an error)

    def _short_repr(self):
        return f"Linear(in_features={self.in_features}, out_features={self.out_features})"

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")
