"""Dropout layers: active in training mode, the identity in eval mode."""
from .. import functional as F
from .module import Module


class _DropoutNd(Module):
    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        F._check_p(type(self).__name__, p)
        self.p, self.inplace = float(p), inplace

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """Zeroes each element with probability ``p`` during training and scales the kept ones
    by 1/(1-p), so the expected activation is unchanged and eval needs no rescaling. The
    mask comes from ``minigrad.random.generator()``; backward multiplies by the same mask.
    ``inplace=True`` multiplies the input in place (``input.mul_(mask)``).

    Shape: input (*), output (*) the same shape."""

    def forward(self, input):
        return F.dropout(input, self.p, self.training, self.inplace)


class Dropout1d(_DropoutNd):
    """Zeroes whole channels (1-D feature maps) with probability ``p`` in training, scaling
    the rest by 1/(1-p): for adjacent, correlated features, where dropping single elements
    regularises little.

    Shape: input (N, C, L) or (C, L), output the same shape."""

    def forward(self, input):
        return F.dropout1d(input, self.p, self.training, self.inplace)


class Dropout2d(_DropoutNd):
    """Zeroes whole channels (2-D feature maps) with probability ``p`` in training, scaling
    the rest by 1/(1-p). As PyTorch (with its warning), a 3-D input is taken as (N, C, L).

    Shape: input (N, C, H, W), output (N, C, H, W)."""

    def forward(self, input):
        return F.dropout2d(input, self.p, self.training, self.inplace)


class Dropout3d(_DropoutNd):
    """Zeroes whole channels (3-D feature maps) with probability ``p`` in training, scaling
    the rest by 1/(1-p).

    Shape: input (N, C, D, H, W) or (C, D, H, W), output the same shape."""

    def forward(self, input):
        return F.dropout3d(input, self.p, self.training, self.inplace)
