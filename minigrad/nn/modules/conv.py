"""``Conv1d``, ``Conv2d``, ``Conv3d``: one class for any number of spatial dims.

A layer holds ``weight`` of shape ``(out_channels, in_channels // groups, *kernel_size)``
and ``bias`` of shape ``(out_channels,)``: every filter spans all the input channels of its
group, so ``Conv2d(k1, k2, 5)`` has ``25·k1·k2 + k2`` parameters. The computation is
``F.conv1d/2d/3d`` (``ops/conv.py``).
"""

import numpy as np

from .. import functional as F
from .. import init
from .module import Module, Parameter


class _ConvNd(Module):
    nd = None          # number of spatial dims, set by the subclasses

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
        F._conv_padding(name, padding, self.kernel_size, self.stride, self.dilation)
        self.padding = padding if isinstance(padding, str) else \
            F._ntuple(name, "padding", padding, self.nd)
        self.groups = int(groups)
        self.padding_mode = padding_mode
        dtype = np.dtype(np.float32 if dtype is None else dtype)
        shape = (self.out_channels, self.in_channels // self.groups) + self.kernel_size
        self.weight = Parameter(np.empty(shape, dtype=dtype))
        if bias:
            self.bias = Parameter(np.empty(self.out_channels, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        """PyTorch's default: weight and bias from U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with
        fan_in = in_channels/groups · prod(kernel_size) (``kaiming_uniform_`` with a=sqrt(5))."""
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
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        return s


class Conv1d(_ConvNd):
    """1-D convolution over (N, C, L) inputs (``F.conv1d``)."""
    nd = 1


class Conv2d(_ConvNd):
    """2-D convolution over (N, C, H, W) inputs (``F.conv2d``). Each of the
    ``out_channels`` filters has shape (in_channels/groups, kH, kW): it spans every input
    map of its group, and its output map is the sum over those maps plus the bias."""
    nd = 2


class Conv3d(_ConvNd):
    """3-D convolution over (N, C, D, H, W) inputs (``F.conv3d``)."""
    nd = 3
