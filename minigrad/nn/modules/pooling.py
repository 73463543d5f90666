"""Pooling layers: ``MaxPool1d/2d/3d``, ``AvgPool1d/2d/3d``, ``AdaptiveAvgPool1d/2d/3d``.

Pooling acts on each channel on its own (it never mixes channels) and has no parameters.
The computation is in ``F.max_pool*``/``F.avg_pool*`` (``ops/conv.py``).
"""
from .. import functional as F
from .module import Module


class _MaxPoolNd(Module):
    nd = None

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False,
                 ceil_mode=False):
        super().__init__()
        if return_indices:
            raise NotImplementedError(f"{type(self).__name__}: return_indices=True is not "
                                      "implemented in minigrad")
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def forward(self, input):
        return F._max_pool(self, self.nd, input, self.kernel_size, self.stride, self.padding,
                           self.dilation, self.ceil_mode, self.return_indices)

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool1d(_MaxPoolNd):
    nd = 1


class MaxPool2d(_MaxPoolNd):
    """Max over each window of each channel; the gradient goes to the first maximum."""
    nd = 2


class MaxPool3d(_MaxPoolNd):
    nd = 3


class _AvgPoolNd(Module):
    nd = None

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True, divisor_override=None):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding, self.ceil_mode = padding, ceil_mode
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def forward(self, input):
        return F._avg_pool(self, self.nd, input, self.kernel_size, self.stride, self.padding,
                           self.ceil_mode, self.count_include_pad, self.divisor_override)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool1d(_AvgPoolNd):
    """Mean over each window of each channel (no ``divisor_override``, as in PyTorch)."""
    nd = 1

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True):
        # PyTorch stores AvgPool1d's arguments as 1-tuples, which shows in its repr
        as_tuple = lambda v: v if isinstance(v, tuple) else (v,)  # noqa: E731
        super().__init__(as_tuple(kernel_size), None if stride is None else as_tuple(stride),
                         as_tuple(padding), ceil_mode, count_include_pad)


class AvgPool2d(_AvgPoolNd):
    """Mean over each window of each channel; padded zeros count (``count_include_pad``)."""
    nd = 2


class AvgPool3d(_AvgPoolNd):
    nd = 3


class _AdaptiveAvgPoolNd(Module):
    nd = None

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, input):
        return F._adaptive_avg_pool(self, self.nd, input, self.output_size)

    def extra_repr(self):
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(_AdaptiveAvgPoolNd):
    nd = 1


class AdaptiveAvgPool2d(_AdaptiveAvgPoolNd):
    """Average each channel over an ``output_size`` grid; ``AdaptiveAvgPool2d(1)`` is
    global average pooling, (N, C, H, W) -> (N, C, 1, 1)."""
    nd = 2


class AdaptiveAvgPool3d(_AdaptiveAvgPoolNd):
    nd = 3
