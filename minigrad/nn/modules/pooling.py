"""Pooling layers: ``MaxPool1d/2d/3d``, ``MaxUnpool1d/2d/3d``, ``AvgPool1d/2d/3d``,
``AdaptiveAvgPool1d/2d/3d``.

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
    """Max over each window of each channel; the gradient goes to the first maximum. With
    ``return_indices=True`` it returns ``(output, indices)`` for ``MaxUnpool2d``.

    Shape: input (N, C, H, W) or (C, H, W); output (N, C, H_out, W_out) or (C, H_out, W_out),
    ``H_out = floor((H + 2*padding - dilation*(kernel_size - 1) - 1) / stride + 1)`` (ceil
    with ``ceil_mode``), likewise W_out."""
    nd = 2


class MaxPool3d(_MaxPoolNd):
    nd = 3


class _MaxUnpoolNd(Module):
    nd = None

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding

    def forward(self, input, indices, output_size=None):
        return F._max_unpool(type(self).__name__, self.nd, input, indices, self.kernel_size,
                             self.stride, self.padding, output_size)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(_MaxUnpoolNd):
    """Partial inverse of ``MaxPool1d``; see ``MaxUnpool2d``.

    Shape: input (N, C, L) or (C, L), indices the same; output (N, C, L_out) or (C, L_out),
    ``L_out = (L - 1) * stride - 2 * padding + kernel_size`` or ``output_size``."""
    nd = 1


class MaxUnpool2d(_MaxUnpoolNd):
    """Partial inverse of ``MaxPool2d``: ``unpool(input, indices)`` puts each value at its
    index (from ``MaxPool2d(..., return_indices=True)``) and zeros everywhere else.
    ``output_size`` picks among the input sizes a strided pool maps to the same size.

    Shape: input (N, C, H, W) or (C, H, W), indices the same; output (N, C, H_out, W_out),
    ``H_out = (H - 1) * stride - 2 * padding + kernel_size`` or ``output_size``, likewise W."""
    nd = 2


class MaxUnpool3d(_MaxUnpoolNd):
    """Partial inverse of ``MaxPool3d``; see ``MaxUnpool2d``.

    Shape: input (N, C, D, H, W) or (C, D, H, W), indices the same; output per axis
    ``(D - 1) * stride - 2 * padding + kernel_size`` or ``output_size``."""
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
