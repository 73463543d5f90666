"""Pooling layers: ``MaxPool1d/2d/3d``, ``MaxUnpool1d/2d/3d``, ``AvgPool1d/2d/3d``,
``AdaptiveAvgPool1d/2d/3d``.

Pooling acts on each channel on its own (it never mixes channels) and has no parameters.
The computation is in ``F.max_pool*``/``F.avg_pool*`` (``ops/conv.py``).
"""
from .. import functional as F
from .module import Module


class _MaxPoolNd(Module):
    """What MaxPool1d/2d/3d share; ``_AvgPoolNd`` has the same output size with dilation 1.

    ``kernel_size``, ``stride`` (default: ``kernel_size``), ``padding`` (of -inf, at most
    half the window) and ``dilation``: an int (every axis) or one per spatial axis.
    ``ceil_mode``: round the output size up, so that a partial window at the end counts.

    Shape: input (N, C, *L_in) or (C, *L_in); output (N, C, *L_out) or (C, *L_out), along
    each spatial axis, with that axis's entry of each argument:

        L_out = floor((L_in + 2*padding - dilation*(kernel_size - 1) - 1) / stride + 1)

    With ``ceil_mode``: ceil instead of floor, then L_out - 1 if (L_out - 1)*stride >= L_in +
    padding (no window may start in the right padding, as in PyTorch).
    """
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
    """Max pooling over (N, C, L) inputs; see ``MaxPool2d``.

    Shape: (N, C, L_in) -> (N, C, L_out), L_out by the formula of ``_MaxPoolNd``."""
    nd = 1


class MaxPool2d(_MaxPoolNd):
    """Max over each window of each channel; the gradient goes to the first maximum. With
    ``return_indices=True`` it returns ``(output, indices)`` for ``MaxUnpool2d``.

    Shape: (N, C, H_in, W_in) -> (N, C, H_out, W_out), or unbatched (C, H_in, W_in) ->
    (C, H_out, W_out), each size by the formula of ``_MaxPoolNd``."""
    nd = 2


class MaxPool3d(_MaxPoolNd):
    """Max pooling over (N, C, D, H, W) inputs; see ``MaxPool2d``.

    Shape: (N, C, D_in, H_in, W_in) -> (N, C, D_out, H_out, W_out), each size by the formula
    of ``_MaxPoolNd``."""
    nd = 3


class _MaxUnpoolNd(Module):
    """What MaxUnpool1d/2d/3d share; the arguments are those of the max pooling undone.

    Shape: input (N, C, *L_in) or (C, *L_in), indices the same; output (N, C, *L_out) or
    (C, *L_out), along each spatial axis (or ``forward``'s ``output_size``):

        L_out = (L_in - 1)*stride - 2*padding + kernel_size
    """
    nd = None

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding

    def forward(self, input, indices, output_size=None):
        return F._max_unpool(self, self.nd, input, indices, self.kernel_size,
                             self.stride, self.padding, output_size)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(_MaxUnpoolNd):
    """Partial inverse of ``MaxPool1d``; see ``MaxUnpool2d``.

    Shape: (N, C, L_in) -> (N, C, L_out), L_out by the formula of ``_MaxUnpoolNd``."""
    nd = 1


class MaxUnpool2d(_MaxUnpoolNd):
    """Partial inverse of ``MaxPool2d``: ``unpool(input, indices)`` puts each value at its
    index (from ``MaxPool2d(..., return_indices=True)``) and zeros everywhere else.
    ``output_size`` picks among the input sizes a strided pool maps to the same size.

    Shape: (N, C, H_in, W_in) -> (N, C, H_out, W_out), or unbatched (C, H_in, W_in) ->
    (C, H_out, W_out), each size by the formula of ``_MaxUnpoolNd``."""
    nd = 2


class MaxUnpool3d(_MaxUnpoolNd):
    """Partial inverse of ``MaxPool3d``; see ``MaxUnpool2d``.

    Shape: (N, C, D_in, H_in, W_in) -> (N, C, D_out, H_out, W_out), each size by the formula
    of ``_MaxUnpoolNd``."""
    nd = 3


class _AvgPoolNd(Module):
    """What AvgPool1d/2d/3d share. Arguments as ``_MaxPoolNd`` without dilation (padding of
    zeros, at most half the kernel); ``count_include_pad``: the padded zeros count in each
    window's divisor (default True); ``divisor_override``: divide every sum by this instead.

    Shape: as ``_MaxPoolNd``, with dilation 1 (``ceil_mode`` included)."""
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
    """Mean over each window of each channel (no ``divisor_override``, as in PyTorch).

    Shape: (N, C, L_in) -> (N, C, L_out), L_out as in ``_AvgPoolNd``."""
    nd = 1

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True):
        # PyTorch stores AvgPool1d's arguments as 1-tuples, which shows in its repr
        as_tuple = lambda v: v if isinstance(v, tuple) else (v,)  # noqa: E731
        super().__init__(as_tuple(kernel_size), None if stride is None else as_tuple(stride),
                         as_tuple(padding), ceil_mode, count_include_pad)


class AvgPool2d(_AvgPoolNd):
    """Mean over each window of each channel; padded zeros count (``count_include_pad``).

    Shape: (N, C, H_in, W_in) -> (N, C, H_out, W_out), or unbatched (C, H_in, W_in) ->
    (C, H_out, W_out), each size as in ``_AvgPoolNd``."""
    nd = 2


class AvgPool3d(_AvgPoolNd):
    """Average pooling over (N, C, D, H, W) inputs; see ``AvgPool2d``.

    Shape: (N, C, D_in, H_in, W_in) -> (N, C, D_out, H_out, W_out), each size as in
    ``_AvgPoolNd``."""
    nd = 3


class _AdaptiveAvgPoolNd(Module):
    """What AdaptiveAvgPool1d/2d/3d share: the window adapts to the input so that the
    output has ``output_size`` (an int for every axis, or one per axis; None keeps that
    axis). Bin i of an axis averages inputs floor(i*L_in/L_out) .. ceil((i+1)*L_in/L_out) - 1,
    so neighbouring bins overlap when L_out does not divide L_in.

    Shape: input (N, C, *L_in) or (C, *L_in); output (N, C, *output_size) or
    (C, *output_size), a None in ``output_size`` keeping that axis's L_in."""
    nd = None

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, input):
        return F._adaptive_avg_pool(self, self.nd, input, self.output_size)

    def extra_repr(self):
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(_AdaptiveAvgPoolNd):
    """Average each channel over ``output_size`` bins of L; see ``_AdaptiveAvgPoolNd``.

    Shape: (N, C, L_in) -> (N, C, output_size)."""
    nd = 1


class AdaptiveAvgPool2d(_AdaptiveAvgPoolNd):
    """Average each channel over an ``output_size`` grid; ``AdaptiveAvgPool2d(1)`` is
    global average pooling, (N, C, H, W) -> (N, C, 1, 1).

    Shape: (N, C, H_in, W_in) -> (N, C, *output_size); see ``_AdaptiveAvgPoolNd``."""
    nd = 2


class AdaptiveAvgPool3d(_AdaptiveAvgPoolNd):
    """Average each channel over an ``output_size`` grid of D, H, W; see
    ``_AdaptiveAvgPoolNd``.

    Shape: (N, C, D_in, H_in, W_in) -> (N, C, *output_size)."""
    nd = 3
