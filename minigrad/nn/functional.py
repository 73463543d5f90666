"""Stateless layers (``torch.nn.functional`` names), each a thin call into ``minigrad/ops``.

Sections: activations, linear, losses, dropout, then convolution and pooling.
"""
import numpy as np

from .. import random as _random
from ..functional import pad  # noqa: F401  (F.pad, as in PyTorch)
from ..ops import loss as _loss
from ..ops import matmul as _matmul
from ..tensor import Tensor


def _check_tensor(name, x):
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}: expected a minigrad Tensor, got {type(x).__name__}")


def _check_reduction(name, reduction):
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{name}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


# ---- activations -----------------------------------------------------------------------------
def relu(input):
    return input.relu()


def sigmoid(input):
    return input.sigmoid()


def tanh(input):
    return input.tanh()


def softmax(input, dim):
    return input.softmax(dim)


def log_softmax(input, dim):
    return input.log_softmax(dim)


# ---- linear ----------------------------------------------------------------------------------
def linear(input, weight, bias=None):
    """``input @ weight.T + bias`` with weight of shape (out_features, in_features).
    Mixed float dtypes promote as in numpy (float64 input, float32 weight: float64 out),
    where PyTorch raises; this lets ``gradcheck`` feed float64 inputs to a float32 layer."""
    return _linear("linear", input, weight, bias)


def _linear(name, input, weight, bias):
    """``linear`` with errors that name the caller (``nn.Linear`` uses it too)."""
    _check_tensor(name, input)
    if input.ndim == 0 or input.shape[-1] != weight.shape[1]:
        raise ValueError(f"{name}: expected input of shape (..., {weight.shape[1]}), got "
                         f"{tuple(input.shape)} (weight of shape {tuple(weight.shape)}: "
                         f"out_features, in_features)")
    return _matmul.Linear.apply(input, weight, bias)


# ---- losses ----------------------------------------------------------------------------------
def cross_entropy(input, target, reduction="mean", label_smoothing=0.0, ignore_index=-100):
    """Softmax cross-entropy of logits ``input`` (N, C, ...) against integer class
    ``target`` (N, ...). Class-probability targets are not supported (PyTorch allows them)."""
    _check_tensor("cross_entropy", input)
    if input.ndim < 2:
        raise ValueError(f"cross_entropy: input must be (N, C, ...) logits, got shape {input.shape}")
    t = _class_target("cross_entropy", input, target, (input.shape[0],) + input.shape[2:])
    _check_reduction("cross_entropy", reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got {label_smoothing}")
    return _loss.CrossEntropy.apply(input, t, reduction=reduction,
                                    label_smoothing=label_smoothing, ignore_index=ignore_index)


def _class_target(name, input, target, expected):
    """The integer class indices of ``target`` as an array, checked to have the shape
    ``expected`` for ``input``."""
    t = target.data if isinstance(target, Tensor) else np.asarray(target)
    if not np.issubdtype(t.dtype, np.integer):
        raise TypeError(f"{name}: target must hold integer class indices, got dtype {t.dtype}")
    if t.shape != tuple(expected):
        raise ValueError(f"{name}: target has shape {t.shape}, expected {tuple(expected)} "
                         f"for input of shape {tuple(input.shape)}")
    return t


def nll_loss(input, target, reduction="mean", ignore_index=-100):
    """Negative log-likelihood: ``input`` (N, C) holds log-probabilities (e.g. from
    ``log_softmax(x, 1)``), ``target`` (N,) integer classes; ``-input[n, target[n]]``, averaged
    over the targets not equal to ``ignore_index``. Differs from PyTorch: no class
    ``weight``, and only (N, C) input (``cross_entropy`` takes (N, C, d1, ...))."""
    return _nll_loss("nll_loss", input, target, reduction, ignore_index)


def _nll_loss(name, input, target, reduction, ignore_index):
    """``nll_loss`` with errors that name the caller (``NLLLoss`` uses it too)."""
    _check_tensor(name, input)
    if input.ndim != 2:
        raise ValueError(f"{name}: expected input of shape (N, C), got {tuple(input.shape)}")
    t = _class_target(name, input, target, input.shape[:1])
    _check_reduction(name, reduction)
    valid = t != ignore_index
    C = input.shape[1]
    out_of_range = valid & ((t < 0) | (t >= C))
    if out_of_range.any():
        raise IndexError(f"{name}: target {t[out_of_range][0]} is out of range for {C} classes")
    # ignored targets pick class 0, then a mask zeroes their terms
    picked = input[np.arange(len(t)), np.where(valid, t, 0)]
    if not valid.all():
        picked = picked * valid.astype(input.dtype)
    if reduction == "mean":
        return -picked.sum() / max(int(valid.sum()), 1)
    return -picked.sum() if reduction == "sum" else -picked


def mse_loss(input, target, reduction="mean"):
    """Mean squared error ``(input - target)**2``. Unlike PyTorch, which only warns, input
    and target of different shapes are an error: broadcasting them (say (N, 1) against (N,))
    would silently compute the wrong loss."""
    return _mse_loss("mse_loss", input, target, reduction)


def _mse_loss(name, input, target, reduction):
    """``mse_loss`` with errors that name the caller (``MSELoss`` uses it too)."""
    _check_tensor(name, input)
    t_shape = tuple(np.shape(target.data if isinstance(target, Tensor) else target))
    if t_shape != tuple(input.shape):
        raise ValueError(f"{name}: input has shape {tuple(input.shape)} but target has "
                         f"shape {t_shape}; they must match")
    _check_reduction(name, reduction)
    diff = input - target
    sq = diff * diff
    return sq.mean() if reduction == "mean" else sq.sum() if reduction == "sum" else sq


# ---- dropout ---------------------------------------------------------------------------------
def dropout(input, p=0.5, training=True):
    """Zero each element with probability ``p`` and scale the rest by 1/(1-p) (inverted
    dropout, as PyTorch). Identity when ``training`` is False."""
    if not 0 <= p <= 1:
        raise ValueError(f"dropout: probability p must be in [0, 1], got {p}")
    if not training or p == 0:
        return input
    if p == 1:
        return input * 0.0
    keep = _random.generator().random(input.shape, dtype=np.float32) >= p
    mask = keep.astype(input.dtype) * np.asarray(1 / (1 - p), dtype=input.dtype)
    return input * mask


# ---- normalisation ---------------------------------------------------------------------------
from ..ops.norm import BatchNorm as _BatchNorm  # noqa: E402


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Batch normalisation of ``input`` (N, C, *spatial) per channel (``ops.norm.BatchNorm``).

    ``training=True`` normalises with the batch's own mean and biased variance and, when
    ``running_mean``/``running_var`` are given, updates them in place with ``momentum``
    (the variance fed in is unbiased, as in PyTorch). ``training=False`` normalises with the
    running statistics. ``weight``/``bias`` of shape (C,) scale and shift the result.
    """
    return _batch_norm("batch_norm", input, running_mean, running_var, weight, bias, training,
                       momentum, eps)


def _batch_norm(name, input, running_mean, running_var, weight, bias, training, momentum, eps):
    """``batch_norm`` with errors that name the caller (the BatchNorm modules use it too)."""
    _check_tensor(name, input)
    if input.ndim < 2:
        raise ValueError(f"{name}: expected input of shape (N, C, ...), got {input.shape}")
    C = input.shape[1]
    for what, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != (C,):
            raise ValueError(f"{name}: {what} has shape {tuple(t.shape)}, expected ({C},) "
                             f"for input of shape {input.shape} with {C} channels")
    if training and input.numel() // max(C, 1) <= 1:
        raise ValueError(f"{name}: expected more than 1 value per channel when training, "
                         f"got input of shape {input.shape}")
    if not training and (running_mean is None or running_var is None):
        raise ValueError(f"{name}: running_mean and running_var are required when "
                         "training=False")

    def array(t):
        return t.data if isinstance(t, Tensor) else t
    return _BatchNorm.apply(input, weight, bias, running_mean=array(running_mean),
                            running_var=array(running_var), training=training,
                            momentum=momentum, eps=eps)


# ---- convolution and pooling -----------------------------------------------------------------
# Thin wrappers over the N-d Functions in ``ops/conv.py``: they turn ints into per-axis tuples,
# check shapes and values (naming the layer, the expected and the actual value), accept an
# unbatched input (C, *spatial) as PyTorch does, and call the op. ``name`` is what errors are
# reported as: the function's name, or the module that called it.
from ..ops import conv as _conv_ops  # noqa: E402


def _ntuple(name, what, value, nd, positive=False):
    """``value`` as a tuple of ``nd`` ints (an int is repeated), else a clear error; with
    ``positive``, each must be at least 1."""
    values = tuple(value) if isinstance(value, (tuple, list)) else (value,) * nd
    if len(values) != nd or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                                    for v in values):
        raise ValueError(f"{name}: {what} must be an int or a tuple of {nd} ints, got {value!r}")
    values = tuple(int(v) for v in values)
    if positive and any(v < 1 for v in values):
        raise ValueError(f"{name}: {what} must be positive, got {what}={values}")
    return values


def _check_input(name, input, nd):
    """``input`` must be (N, C, *spatial) or unbatched (C, *spatial); returns it batched
    and whether it was unbatched."""
    _check_tensor(name, input)
    spatial = {1: "L", 2: "H, W", 3: "D, H, W"}[nd]
    if input.ndim not in (nd + 1, nd + 2):
        raise ValueError(f"{name}: expected a {nd + 2}-D input (N, C, {spatial}) or a {nd + 1}-D "
                         f"unbatched input (C, {spatial}), got input of shape {tuple(input.shape)}")
    if not np.issubdtype(input.dtype, np.floating):
        raise TypeError(f"{name}: expected a floating point input, got dtype {input.dtype}")
    unbatched = input.ndim == nd + 1
    return (input.reshape((1,) + input.shape) if unbatched else input), unbatched


def _conv_padding(name, padding, kernel, stride, dilation):
    """Padding as ((lo, hi), ...) per axis. 'same' pads dilation·(k-1) in total, the odd
    element on the high side (as PyTorch does for even kernels); 'valid' is no padding."""
    nd = len(kernel)
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * nd
        if padding == "same":
            if any(s != 1 for s in stride):
                raise ValueError(f"{name}: padding='same' is not supported for strided "
                                 f"convolutions, got stride={stride}")
            totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
            return tuple((t // 2, t - t // 2) for t in totals)
        raise ValueError(f"{name}: padding must be an int, a tuple, 'valid' or 'same', "
                         f"got {padding!r}")
    pads = _ntuple(name, "padding", padding, nd)
    if any(p < 0 for p in pads):
        raise ValueError(f"{name}: padding must be non-negative, got padding={padding!r}")
    return tuple((p, p) for p in pads)


def _conv_operands(name, nd, input, weight, groups, weight_layout):
    """Checks shared by convolution and transposed convolution: the weight's rank, the
    input, and ``groups`` dividing the weight's first dim. Returns the batched input and
    whether it was unbatched."""
    _check_tensor(name, weight)
    if weight.ndim != nd + 2:
        raise ValueError(f"{name}: expected a {nd + 2}-D weight ({weight_layout}, "
                         f"*kernel_size), got weight of shape {tuple(weight.shape)}")
    x, unbatched = _check_input(name, input, nd)
    if not isinstance(groups, (int, np.integer)) or isinstance(groups, bool) or groups < 1:
        raise ValueError(f"{name}: groups must be a positive int, got {groups!r}")
    if weight.shape[0] % groups:
        what = "out_channels" if weight_layout.startswith("out") else "in_channels"
        raise ValueError(f"{name}: {what}={weight.shape[0]} (weight of shape "
                         f"{tuple(weight.shape)}) is not divisible by groups={groups}")
    return x, unbatched


def _conv_bias_and_dtypes(name, x, weight, bias, groups, out_channels):
    """The bias must be (out_channels,), and input, weight and bias of one dtype."""
    if bias is not None:
        _check_tensor(name, bias)
        if tuple(bias.shape) != (out_channels,):
            raise ValueError(f"{name}: bias has shape {tuple(bias.shape)}, expected "
                             f"({out_channels},) for weight of shape {tuple(weight.shape)} "
                             f"with groups={groups}")
    for t, what in ((weight, "weight"), (bias, "bias")):
        if t is not None and t.dtype != x.dtype:
            raise TypeError(f"{name}: input dtype {x.dtype} and {what} dtype {t.dtype} differ; "
                            "convert one of them (e.g. input.float()) -- minigrad does not mix "
                            "precisions silently")


def _conv(name, nd, input, weight, bias, stride, padding, dilation, groups):
    x, unbatched = _conv_operands(name, nd, input, weight, groups,
                                  "out_channels, in_channels/groups")
    out_channels, kernel = weight.shape[0], tuple(weight.shape[2:])
    if x.shape[1] != weight.shape[1] * groups:
        raise ValueError(f"{name}: weight of shape {tuple(weight.shape)} with groups={groups} "
                         f"expects input with {weight.shape[1] * groups} channels, got input "
                         f"of shape {tuple(input.shape)} with {x.shape[1]} channels")
    _conv_bias_and_dtypes(name, x, weight, bias, groups, out_channels)
    stride = _ntuple(name, "stride", stride, nd, positive=True)
    dilation = _ntuple(name, "dilation", dilation, nd, positive=True)
    pads = _conv_padding(name, padding, kernel, stride, dilation)
    padded = tuple(n + lo + hi for n, (lo, hi) in zip(x.shape[2:], pads))
    spans = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    if any(s > p for s, p in zip(spans, padded)):
        raise ValueError(f"{name}: the kernel {kernel} with dilation {dilation} spans {spans}, "
                         f"larger than the padded input {padded} (input of shape "
                         f"{tuple(input.shape)}, padding {padding!r})")
    out = _conv_ops.ConvNd.apply(x, weight, bias, stride=stride, padding=pads,
                                 dilation=dilation, groups=int(groups))
    return out.reshape(out.shape[1:]) if unbatched else out


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution of ``input`` (N, C, L) with ``weight`` (O, C/groups, k)."""
    return _conv("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution of ``input`` (N, C, H, W) with ``weight`` (O, C/groups, kH, kW):
    each filter spans all C/groups input maps of its group, so every output map is a sum
    over input maps. ``padding`` is an int, a tuple, 'valid' or 'same'."""
    return _conv("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-D convolution of ``input`` (N, C, D, H, W) with ``weight`` (O, C/groups, kD, kH, kW)."""
    return _conv("conv3d", 3, input, weight, bias, stride, padding, dilation, groups)


def _conv_transpose(name, nd, input, weight, bias, stride, padding, output_padding, groups,
                    dilation):
    """Transposed convolution, PyTorch's semantics: each input element (n, c, i) adds
    ``input[n, c, i] * weight[c, o, k]`` into output position ``i·stride + k·dilation -
    padding`` (o over the out_channels/groups maps of c's group); the output has size
    ``(L-1)·stride - 2·padding + dilation·(k-1) + output_padding + 1`` per axis. That is
    the input gradient of a convolution with the same weight (``ConvTransposeNd``)."""
    x, unbatched = _conv_operands(name, nd, input, weight, groups,
                                  "in_channels, out_channels/groups")
    in_channels, kernel = weight.shape[0], tuple(weight.shape[2:])
    out_channels = weight.shape[1] * groups
    if x.shape[1] != in_channels:
        raise ValueError(f"{name}: weight of shape {tuple(weight.shape)} expects input with "
                         f"{in_channels} channels (weight.shape[0]), got input of shape "
                         f"{tuple(input.shape)} with {x.shape[1]} channels")
    _conv_bias_and_dtypes(name, x, weight, bias, groups, out_channels)
    stride = _ntuple(name, "stride", stride, nd, positive=True)
    dilation = _ntuple(name, "dilation", dilation, nd, positive=True)
    if isinstance(padding, str):
        raise ValueError(f"{name}: padding must be an int or a tuple of {nd} ints, got "
                         f"{padding!r} (string padding is not supported for transposed "
                         "convolutions, as in PyTorch)")
    pads = _ntuple(name, "padding", padding, nd)
    if any(p < 0 for p in pads):
        raise ValueError(f"{name}: padding must be non-negative, got padding={padding!r}")
    extra = _ntuple(name, "output_padding", output_padding, nd)
    if any(e < 0 for e in extra):
        raise ValueError(f"{name}: output_padding must be non-negative, got "
                         f"output_padding={output_padding!r}")
    if any(e >= s and e >= d for e, s, d in zip(extra, stride, dilation)):
        raise ValueError(f"{name}: output_padding must be smaller than either stride or "
                         f"dilation along each axis, got output_padding={extra}, "
                         f"stride={stride}, dilation={dilation}")
    size = tuple((n - 1) * s - 2 * p + d * (k - 1) + e + 1 for n, s, p, d, k, e
                 in zip(x.shape[2:], stride, pads, dilation, kernel, extra))
    if any(o < 1 for o in size):
        raise ValueError(f"{name}: input of shape {tuple(input.shape)} with kernel {kernel}, "
                         f"stride={stride}, padding={pads}, output_padding={extra}, "
                         f"dilation={dilation} gives an output of spatial size {size}: "
                         f"it must be positive")
    # ConvTransposeNd is the input gradient of a convolution with padding (lo, hi) of an
    # input of the output's size. output_padding makes the output longer on the high
    # side; as a convolution's padding that is hi = padding - output_padding, and where
    # that would be negative the last output_padding - padding positions are beyond
    # every scattered element: zeros, appended afterwards.
    pairs = tuple((p, max(0, p - e)) for p, e in zip(pads, extra))
    zeros = tuple(max(0, e - p) for p, e in zip(pads, extra))
    core = tuple(o - z for o, z in zip(size, zeros))
    out = _conv_ops.ConvTransposeNd.apply(x, weight, core, stride=stride, padding=pairs,
                                          dilation=dilation, groups=int(groups))
    if any(zeros):
        out = pad(out, tuple(v for z in reversed(zeros) for v in (0, z)))
    if bias is not None:
        out = out + bias.reshape((out_channels,) + (1,) * nd)
    return out.reshape(out.shape[1:]) if unbatched else out


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """1-D transposed convolution of ``input`` (N, C, L) with ``weight`` (C, O/groups, k)."""
    return _conv_transpose("conv_transpose1d", 1, input, weight, bias, stride, padding,
                           output_padding, groups, dilation)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """2-D transposed convolution of ``input`` (N, C, H, W) with ``weight``
    (C, O/groups, kH, kW): the gradient of ``conv2d`` w.r.t. its input, so with stride 2
    it upsamples. ``output_padding`` adds rows/columns on the high side (to pick among the
    input sizes a strided conv2d maps to the same output size)."""
    return _conv_transpose("conv_transpose2d", 2, input, weight, bias, stride, padding,
                           output_padding, groups, dilation)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """3-D transposed convolution of ``input`` (N, C, D, H, W) with ``weight``
    (C, O/groups, kD, kH, kW)."""
    return _conv_transpose("conv_transpose3d", 3, input, weight, bias, stride, padding,
                           output_padding, groups, dilation)


def _pool_args(name, nd, input, kernel_size, stride, padding, dilation, ceil_mode, max_pad):
    """Per-axis tuples for pooling, checked. ``max_pad(kernel, dilation)`` is the largest
    padding PyTorch allows (about half the window: a window of only padding has no input)."""
    kernel = _ntuple(name, "kernel_size", kernel_size, nd, positive=True)
    empty = isinstance(stride, (tuple, list)) and len(stride) == 0   # PyTorch's default []
    stride = kernel if stride is None or empty else \
        _ntuple(name, "stride", stride, nd, positive=True)
    pads = _ntuple(name, "padding", padding, nd)
    dilation = _ntuple(name, "dilation", dilation, nd, positive=True)
    for p, k, d in zip(pads, kernel, dilation):
        if p < 0 or p > max_pad(k, d):
            raise ValueError(f"{name}: padding must be between 0 and half the kernel size, got "
                             f"padding={pads} for kernel_size={kernel}"
                             + (f", dilation={dilation}" if any(d > 1 for d in dilation) else ""))
    x, unbatched = _check_input(name, input, nd)
    pairs = tuple((p, p) for p in pads)
    out = _conv_ops._pooled_shape(x.shape, kernel, stride, pairs, dilation, bool(ceil_mode))
    if any(o < 1 for o in out):
        raise ValueError(f"{name}: input of shape {tuple(input.shape)} is too small for "
                         f"kernel_size={kernel}, stride={stride}, padding={pads}"
                         + (f", dilation={dilation}" if any(d > 1 for d in dilation) else "")
                         + f": the output would have spatial shape {out}")
    return x, unbatched, kernel, stride, pairs, dilation


def _max_pool(name, nd, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    if return_indices:
        raise NotImplementedError(f"{name}: return_indices=True is not implemented in minigrad")
    x, unbatched, kernel, stride, pads, dilation = _pool_args(
        name, nd, input, kernel_size, stride, padding, dilation, ceil_mode,
        max_pad=lambda k, d: (d * (k - 1) + 1) // 2)
    out = _conv_ops.MaxPoolNd.apply(x, kernel=kernel, stride=stride, padding=pads,
                                    dilation=dilation, ceil_mode=bool(ceil_mode))
    return out.reshape(out.shape[1:]) if unbatched else out


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    return _max_pool("max_pool1d", 1, input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """Max over each ``kernel_size`` window of each channel (stride defaults to the kernel
    size; padding counts as -inf). The gradient goes to the first maximum of each window."""
    return _max_pool("max_pool2d", 2, input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    return _max_pool("max_pool3d", 3, input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def _avg_pool(name, nd, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
              divisor_override):
    if divisor_override is not None and (not isinstance(divisor_override, (int, np.integer))
                                         or divisor_override == 0):
        raise ValueError(f"{name}: divisor_override must be a non-zero int, got {divisor_override!r}")
    x, unbatched, kernel, stride, pads, _ = _pool_args(
        name, nd, input, kernel_size, stride, padding, 1, ceil_mode,
        max_pad=lambda k, d: k // 2)
    out = _conv_ops.AvgPoolNd.apply(x, kernel=kernel, stride=stride, padding=pads,
                                    ceil_mode=bool(ceil_mode),
                                    count_include_pad=bool(count_include_pad),
                                    divisor_override=divisor_override)
    return out.reshape(out.shape[1:]) if unbatched else out


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    return _avg_pool("avg_pool1d", 1, input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, None)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """Mean over each ``kernel_size`` window of each channel. With ``count_include_pad``
    (the default, as PyTorch) padded zeros count in the mean."""
    return _avg_pool("avg_pool2d", 2, input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, divisor_override)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    return _avg_pool("avg_pool3d", 3, input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, divisor_override)


def _adaptive_avg_pool(name, nd, input, output_size):
    x, unbatched = _check_input(name, input, nd)
    sizes = tuple(output_size) if isinstance(output_size, (tuple, list)) else (output_size,) * nd
    if len(sizes) != nd or not all(s is None or (isinstance(s, (int, np.integer))
                                                 and not isinstance(s, bool) and s >= 1)
                                   for s in sizes):
        raise ValueError(f"{name}: output_size must be a positive int or a tuple of {nd} "
                         f"positive ints (or None to keep that size), got {output_size!r}")
    sizes = tuple(n if s is None else int(s) for s, n in zip(sizes, x.shape[2:]))
    out = _conv_ops.AdaptiveAvgPoolNd.apply(x, output_size=sizes)
    return out.reshape(out.shape[1:]) if unbatched else out


def adaptive_avg_pool1d(input, output_size):
    return _adaptive_avg_pool("adaptive_avg_pool1d", 1, input, output_size)


def adaptive_avg_pool2d(input, output_size):
    """Average each channel over an ``output_size`` grid of bins (PyTorch's bins); output
    size 1 is global average pooling."""
    return _adaptive_avg_pool("adaptive_avg_pool2d", 2, input, output_size)


def adaptive_avg_pool3d(input, output_size):
    return _adaptive_avg_pool("adaptive_avg_pool3d", 3, input, output_size)
