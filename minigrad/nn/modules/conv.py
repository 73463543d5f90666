"""``Conv1d/2d/3d`` and ``ConvTranspose1d/2d/3d``: one class each for any number of
spatial dims, sharing one base.

A convolution holds ``weight`` of shape ``(out_channels, in_channels // groups, *kernel_size)``
and ``bias`` of shape ``(out_channels,)``: every filter spans all the input channels of its
group, so ``Conv2d(k1, k2, 5)`` has ``25·k1·k2 + k2`` parameters. A transposed convolution
holds its weight the other way round, ``(in_channels, out_channels // groups, *kernel_size)``
(as PyTorch: it is the weight of the convolution whose input gradient it computes). The
computation is ``F.conv1d/2d/3d`` and ``F.conv_transpose1d/2d/3d`` (``ops/conv.py``).
"""

import numpy as np

from .. import functional as F
from .. import init
from .module import Module, Parameter, _layer_dtype


class _ConvNd(Module):
    """What Conv1d/2d/3d share (and, through ``_ConvTransposeNd``, the transposed ones).

    ``kernel_size``, ``stride``, ``padding`` and ``dilation`` are an int (every axis) or a
    tuple, one per spatial axis. ``padding`` (zeros) may also be ``'valid'`` (none) or
    ``'same'`` (output size = input size; stride 1 only; an odd total puts the extra element
    at the end). ``dilation`` spaces the kernel's taps: a kernel of k spans dilation*(k-1)+1
    inputs. ``groups`` splits the channels into groups convolved separately
    (``groups=in_channels`` is a depthwise convolution). ``device`` is ignored; ``dtype``
    defaults to float32.

    Shape: input (N, C_in, *L_in) or unbatched (C_in, *L_in); output (N, C_out, *L_out) or
    (C_out, *L_out), along each spatial axis, with that axis's entry of each argument:

        L_out = floor((L_in + 2*padding - dilation*(kernel_size - 1) - 1) / stride + 1)
    """
    nd = None            # number of spatial dims, set by the subclasses
    transposed = False   # True for ConvTranspose: weight (in, out/groups, *k), no 'same'

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode="zeros", device=None, dtype=None):
        super().__init__()
        name = type(self).__name__
        for what, n in (("in_channels", in_channels), ("out_channels", out_channels),
                        ("groups", groups)):
            if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
                raise ValueError(f"{name}: {what} must be a positive int, got {n!r}")
        if in_channels % groups:
            raise ValueError(f"{name}: in_channels={in_channels} is not divisible by "
                             f"groups={groups}")
        if out_channels % groups:
            raise ValueError(f"{name}: out_channels={out_channels} is not divisible by "
                             f"groups={groups}")
        if padding_mode != "zeros":
            raise NotImplementedError(f"{name}: padding_mode={padding_mode!r} is not "
                                      "implemented in minigrad, only 'zeros'")
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.kernel_size = F._ntuple(name, "kernel_size", kernel_size, self.nd, positive=True)
        self.stride = F._ntuple(name, "stride", stride, self.nd, positive=True)
        self.dilation = F._ntuple(name, "dilation", dilation, self.nd, positive=True)
        # checked once here as well as on every call, so a bad layer fails where it is built
        if self.transposed and isinstance(padding, str):
            raise ValueError(f"{name}: padding must be an int or a tuple of {self.nd} ints, got "
                             f"{padding!r} (string padding is not supported for transposed "
                             "convolutions, as in PyTorch)")
        F._conv_padding(name, padding, self.kernel_size, self.stride, self.dilation)
        self.padding = padding if isinstance(padding, str) else \
            F._ntuple(name, "padding", padding, self.nd)
        self.output_padding = (0,) * self.nd         # (as PyTorch; ConvTranspose sets it)
        self.groups = int(groups)
        self.padding_mode = padding_mode
        dtype = _layer_dtype(name, dtype)
        if self.transposed:
            shape = (self.in_channels, self.out_channels // self.groups) + self.kernel_size
        else:
            shape = (self.out_channels, self.in_channels // self.groups) + self.kernel_size
        self.weight = Parameter(np.empty(shape, dtype=dtype))
        if bias:
            self.bias = Parameter(np.empty(self.out_channels, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        """PyTorch's default: weight and bias from U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with
        fan_in = weight.shape[1] · prod(kernel_size) (``kaiming_uniform_`` with a=sqrt(5)):
        in_channels/groups · prod(kernel_size) for a convolution, and -- as PyTorch computes
        it from the transposed weight -- out_channels/groups · prod(kernel_size) for a
        transposed one."""
        init._default_layer_init_(self.weight, self.bias)

    def forward(self, input):
        return F._conv(self, self.nd, input, self.weight, self.bias, self.stride, self.padding,
                       self.dilation, self.groups)

    def extra_repr(self):
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0,) * self.nd:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * self.nd:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * self.nd:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        return s


class Conv1d(_ConvNd):
    """1-D convolution over (N, C, L) inputs (``F.conv1d``).

    Shape: (N, C_in, L_in) -> (N, C_out, L_out), L_out by the formula of ``_ConvNd``."""
    nd = 1


class Conv2d(_ConvNd):
    """2-D convolution over (N, C, H, W) inputs (``F.conv2d``). Each of the
    ``out_channels`` filters has shape (in_channels/groups, kH, kW): it spans every input
    map of its group, and its output map is the sum over those maps plus the bias.

    Shape: (N, C_in, H_in, W_in) -> (N, C_out, H_out, W_out), each size by the formula of
    ``_ConvNd`` (H with ``padding[0]``, ``stride[0]``, ...; W with the ``[1]`` entries)."""
    nd = 2


class Conv3d(_ConvNd):
    """3-D convolution over (N, C, D, H, W) inputs (``F.conv3d``).

    Shape: (N, C_in, D_in, H_in, W_in) -> (N, C_out, D_out, H_out, W_out), each size by the
    formula of ``_ConvNd``."""
    nd = 3


class _ConvTransposeNd(_ConvNd):
    """What ConvTranspose1d/2d/3d share: the input gradient of the convolution with the same
    arguments, so each input element adds ``weight`` times itself into a window of the output.

    Arguments as ``_ConvNd`` (no string ``padding``; ``dilation`` comes after ``bias``, as in
    PyTorch), and ``output_padding``: extra size at the end of each output axis, to choose
    which of the sizes that a strided convolution maps to L_in is output (smaller than
    stride or dilation); ``forward(input, output_size)`` picks it from the wanted size.

    Shape: input (N, C_in, *L_in) or (C_in, *L_in); output (N, C_out, *L_out) or
    (C_out, *L_out), along each spatial axis:

        L_out = (L_in - 1)*stride - 2*padding + dilation*(kernel_size - 1) + output_padding + 1
    """
    transposed = True

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0, groups=1, bias=True, dilation=1, padding_mode="zeros",
                 device=None, dtype=None):
        name = type(self).__name__
        if padding_mode != "zeros":     # (PyTorch has no other mode for transposed convs)
            raise ValueError(f'{name}: only "zeros" padding mode is supported, got '
                             f"padding_mode={padding_mode!r}")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, device, dtype)
        self.output_padding = F._ntuple(name, "output_padding", output_padding, self.nd)
        for e, s, d in zip(self.output_padding, self.stride, self.dilation):
            if e < 0 or (e >= s and e >= d):
                raise ValueError(f"{name}: output_padding must be non-negative and smaller "
                                 f"than either stride or dilation along each axis, got "
                                 f"output_padding={self.output_padding}, stride={self.stride}, "
                                 f"dilation={self.dilation}")

    def forward(self, input, output_size=None):
        """``output_size`` (the spatial sizes, optionally with the leading N, C or C) picks
        ``output_padding`` for this call, as in PyTorch: each size must be between the
        output size without output_padding and that plus stride - 1."""
        output_padding = self._output_padding(input, output_size)
        return F._conv_transpose(self, self.nd, input, self.weight, self.bias, self.stride,
                                 self.padding, output_padding, self.groups, self.dilation)

    def _output_padding(self, input, output_size):
        if output_size is None:
            return self.output_padding
        nd = self.nd
        x, unbatched = F._check_input(self, input, nd)
        sizes = tuple(output_size)
        leading = 1 if unbatched else 2
        if len(sizes) == nd + leading:
            sizes = sizes[leading:]
        if len(sizes) != nd or not all(isinstance(n, (int, np.integer)) and
                                       not isinstance(n, bool) for n in sizes):
            raise ValueError(f"{self}: for a {input.ndim}-D input, output_size must be {nd} or "
                             f"{nd + leading} ints, got {output_size!r}")
        smallest = tuple((n - 1) * s - 2 * p + d * (k - 1) + 1 for n, s, p, d, k in
                         zip(x.shape[2:], self.stride, self.padding, self.dilation,
                             self.kernel_size))
        largest = tuple(m + s - 1 for m, s in zip(smallest, self.stride))
        if any(not lo <= int(n) <= hi for n, lo, hi in zip(sizes, smallest, largest)):
            raise ValueError(f"{self}: requested an output size of {tuple(int(n) for n in sizes)}"
                             f", but valid sizes range from {smallest} to {largest} (for an "
                             f"input of shape {tuple(input.shape)})")
        return tuple(int(n) - m for n, m in zip(sizes, smallest))


class ConvTranspose1d(_ConvTransposeNd):
    """1-D transposed convolution over (N, C, L) inputs (``F.conv_transpose1d``).

    Shape: (N, C_in, L_in) -> (N, C_out, L_out), L_out by the formula of
    ``_ConvTransposeNd``."""
    nd = 1


class ConvTranspose2d(_ConvTransposeNd):
    """2-D transposed convolution over (N, C, H, W) inputs (``F.conv_transpose2d``): the
    input gradient of a ``Conv2d`` with the same settings, used to upsample (stride 2
    doubles H and W, with ``output_padding=1`` or ``output_size`` to pick the exact size).

    Shape: (N, C_in, H_in, W_in) -> (N, C_out, H_out, W_out), each size by the formula of
    ``_ConvTransposeNd``."""
    nd = 2


class ConvTranspose3d(_ConvTransposeNd):
    """3-D transposed convolution over (N, C, D, H, W) inputs (``F.conv_transpose3d``).

    Shape: (N, C_in, D_in, H_in, W_in) -> (N, C_out, D_out, H_out, W_out), each size by the
    formula of ``_ConvTransposeNd``."""
    nd = 3
