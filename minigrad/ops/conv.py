"""Convolution and pooling, each written once for any number of spatial dims.

Shapes follow PyTorch: input ``(N, C, *spatial)``; a conv weight ``(O, C // groups, *kernel)``,
so every filter spans all the input channels of its group and each output map is a sum over
those channels. ``conv1d/2d/3d`` and the pooling layers in ``nn.functional`` are thin wrappers
that check their arguments and call the Functions here with per-axis tuples.

The one idea used throughout is the *tap*: for a kernel offset ``k`` (one index per spatial
axis), the input values that offset meets at every output position ``o`` are
``xp[..., o*stride + k*dilation]`` -- a strided slice of the padded input ``xp`` with the
output's shape. So

* convolution's im2col stacks the taps of all offsets into one matrix and does one BLAS
  product; its input gradient (col2im) adds each offset's gradient back into its tap;
* max pooling is an elementwise ``np.maximum`` over the taps, and its backward writes the
  gradient into the tap that won;
* average pooling sums the taps and spreads the gradient back over them.

Python loops here run over kernel offsets only, never over batch items, channels or output
positions.
"""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..autograd import Function, is_grad_enabled


# ---- shared helpers --------------------------------------------------------------------------
def output_size(size, kernel, stride, pad_lo, pad_hi, dilation, ceil_mode=False):
    """Number of window positions along one axis (PyTorch's formula, including the
    ``ceil_mode`` rule that the last window must start inside the input or left padding)."""
    span = dilation * (kernel - 1) + 1
    room = size + pad_lo + pad_hi - span
    out = (-(-room // stride) if ceil_mode else room // stride) + 1
    if ceil_mode and (out - 1) * stride >= size + pad_lo:
        out -= 1
    return out


def pad_spatial(x, padding, value=0.0):
    """``x`` with ``padding[i] = (lo, hi)`` elements of ``value`` around spatial axis i."""
    if not any(lo or hi for lo, hi in padding):
        return x
    shape = x.shape[:2] + tuple(n + lo + hi for n, (lo, hi) in zip(x.shape[2:], padding))
    out = np.full(shape, value, dtype=x.dtype)
    out[_interior(x.shape, padding)] = x
    return out


def _interior(shape, padding):
    """Index of the unpadded input inside the padded array."""
    return (slice(None), slice(None)) + tuple(
        slice(lo, lo + n) for n, (lo, _) in zip(shape[2:], padding))


def _tap(offset, stride, dilation, out_shape):
    """Index of the tap of kernel ``offset``: the padded-input elements that offset
    multiplies at each output position, ``o*stride + offset*dilation`` along each axis."""
    return (slice(None), slice(None)) + tuple(
        slice(k * d, k * d + (o - 1) * s + 1, s)
        for k, s, d, o in zip(offset, stride, dilation, out_shape))


def _pooled_shape(x_shape, kernel, stride, padding, dilation, ceil_mode):
    return tuple(output_size(n, k, s, lo, hi, d, ceil_mode) for n, k, s, (lo, hi), d
                 in zip(x_shape[2:], kernel, stride, padding, dilation))


def _ceil_padding(x_shape, kernel, stride, padding, dilation, out_shape):
    """Padding widened on the right so that the last (``ceil_mode``) window fits."""
    return tuple((lo, max(hi, (o - 1) * s + d * (k - 1) + 1 - n - lo))
                 for n, k, s, (lo, hi), d, o
                 in zip(x_shape[2:], kernel, stride, padding, dilation, out_shape))


# ---- convolution -----------------------------------------------------------------------------
class ConvNd(Function):
    """N-d convolution (cross-correlation, as in every DL framework).

    ``out[n, o, p] = bias[o] + sum_{c in group(o), k} weight[o, c, k] * xp[n, c, p*stride + k*dilation]``

    Forward is im2col + one matrix product: the taps are stacked into the matrix
    ``cols`` of shape ``(C·K, N·P)`` (K kernel offsets, P output positions), channel-major
    because that layout is copied from the NCHW input in long contiguous runs (several
    times faster to build than ``(N·P, C·K)``). Then ``out = W (O, C·K) @ cols``; groups
    split the rows of both into a batch of ``groups`` products.

    Backward, with ``g`` the output gradient as ``(O, N·P)``:
    ``dW = g @ colsᵀ``, ``dbias = g.sum(columns)``, ``dcols = Wᵀ @ g`` and the input
    gradient adds each kernel offset's rows of ``dcols`` back into its tap (col2im).

    ``padding`` is a tuple of ``(lo, hi)`` pairs, one per spatial axis.
    """

    @staticmethod
    def forward(ctx, x, weight, bias=None, stride=(1,), padding=((0, 0),), dilation=(1,),
                groups=1):
        N, C = x.shape[:2]
        O, kernel = weight.shape[0], weight.shape[2:]
        w = weight.reshape(groups, O // groups, -1)              # (G, O/G, C/G·K)
        needs_x, needs_w = (is_grad_enabled() and n for n in ctx.needs_input_grad[:2])
        ctx.x_shape, ctx.groups = x.shape, groups

        if all(k == 1 for k in kernel) and all(s == 1 for s in stride) \
                and not any(lo or hi for lo, hi in padding):
            # 1x1 convolution: a matrix product over channels at every pixel, no im2col copy
            ctx.pointwise = True
            xs = x.reshape(N, groups, C // groups, -1)           # (N, G, C/G, P)
            out = np.matmul(w, xs).reshape((N, O) + x.shape[2:])
            ctx.save_for_backward(xs if needs_w else None, w if needs_x else None)
        else:
            ctx.pointwise = False
            xp = pad_spatial(x, padding)
            nd = len(kernel)
            spans = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
            # windows[n, c, p..., k...] = xp[n, c, p + k]; stride and dilation by slicing
            windows = sliding_window_view(xp, spans, axis=tuple(range(2, 2 + nd)))
            windows = windows[(slice(None), slice(None))
                              + tuple(slice(None, None, s) for s in stride)
                              + tuple(slice(None, None, d) for d in dilation)]
            out_shape = windows.shape[2:2 + nd]
            # channel-major im2col: (C, *kernel, N, *out) -> (G, C/G·K, N·P)
            axes = (1,) + tuple(range(2 + nd, 2 + 2 * nd)) + (0,) + tuple(range(2, 2 + nd))
            cols = np.ascontiguousarray(windows.transpose(axes)).reshape(groups, -1, N * np.prod(out_shape, dtype=int))
            out = np.matmul(w, cols).reshape((O, N) + out_shape)
            out = out.transpose((1, 0) + tuple(range(2, 2 + nd)))
            ctx.save_for_backward(cols if needs_w else None, w if needs_x else None)
            ctx.xp_shape, ctx.out_shape, ctx.kernel = xp.shape, out_shape, kernel
            ctx.stride, ctx.padding, ctx.dilation = stride, padding, dilation
        if bias is not None:
            out = out + bias.reshape((1, O) + (1,) * (x.ndim - 2))
        return np.ascontiguousarray(out)

    @staticmethod
    def backward(ctx, grad):
        saved, w = ctx.saved_tensors
        needs_x, needs_w = ctx.needs_input_grad[:2]
        needs_b = len(ctx.needs_input_grad) > 2 and ctx.needs_input_grad[2]
        G = ctx.groups
        N, O = grad.shape[:2]
        gx = gw = gb = None
        if needs_b:
            gb = grad.sum(axis=(0,) + tuple(range(2, grad.ndim)))

        if ctx.pointwise:
            xs = saved                                           # (N, G, C/G, P)
            g = grad.reshape(N, G, O // G, -1)                   # (N, G, O/G, P)
            if needs_w:
                gw = np.matmul(g, xs.swapaxes(-1, -2)).sum(axis=0).reshape((O, -1) + (1,) * (grad.ndim - 2))
            if needs_x:
                gx = np.matmul(w.swapaxes(-1, -2), g).reshape(ctx.x_shape)
            return gx, gw, gb

        cols = saved                                             # (G, C/G·K, N·P)
        nd = len(ctx.kernel)
        # the output gradient channel-major, like cols: (G, O/G, N·P)
        g = np.ascontiguousarray(grad.transpose((1, 0) + tuple(range(2, 2 + nd)))).reshape(G, O // G, -1)
        if needs_w:
            gw = np.matmul(g, cols.swapaxes(-1, -2)).reshape((O, -1) + ctx.kernel)
        if needs_x:
            C = ctx.x_shape[1]
            gcols = np.matmul(w.swapaxes(-1, -2), g).reshape((C,) + ctx.kernel + (N,) + ctx.out_shape)
            gxp = np.zeros(ctx.xp_shape, dtype=grad.dtype)
            for offset in np.ndindex(*ctx.kernel):               # col2im
                tap = gxp[_tap(offset, ctx.stride, ctx.dilation, ctx.out_shape)]
                tap += gcols[(slice(None),) + offset].swapaxes(0, 1)
            gx = gxp[_interior(ctx.x_shape, ctx.padding)]
        return gx, gw, gb


# ---- pooling ---------------------------------------------------------------------------------
class MaxPoolNd(Function):
    """Max over each window, per channel. Padding counts as -inf (never the maximum).

    Forward is an elementwise ``np.maximum`` over the taps (one strided view per kernel
    offset). It also records, per output, which offset won: the *first* maximum in
    row-major window order, as PyTorch does (a later tap replaces the winner only when
    strictly greater). Backward sends each output's gradient to that one element only --
    with exact ties (common on MNIST's flat background) crediting every tied element
    would multiply the gradient.
    """

    @staticmethod
    def forward(ctx, x, kernel, stride, padding, dilation, ceil_mode=False):
        out_shape = _pooled_shape(x.shape, kernel, stride, padding, dilation, ceil_mode)
        padding = _ceil_padding(x.shape, kernel, stride, padding, dilation, out_shape)
        xp = pad_spatial(x, padding, -np.inf)
        offsets = list(np.ndindex(*kernel))
        out = xp[_tap(offsets[0], stride, dilation, out_shape)].copy()
        track = is_grad_enabled() and ctx.needs_input_grad[0]
        if track:
            winner = np.zeros(out.shape, dtype=np.min_scalar_type(len(offsets) - 1))
        for i, offset in enumerate(offsets[1:], start=1):
            tap = xp[_tap(offset, stride, dilation, out_shape)]
            if track:
                np.copyto(winner, i, where=tap > out)            # strictly greater: first max wins
            np.maximum(out, tap, out=out)
        if track:
            ctx.save_for_backward(winner)
            ctx.args = x.shape, xp.shape, kernel, stride, padding, dilation
        return out

    @staticmethod
    def backward(ctx, grad):
        (winner,) = ctx.saved_tensors
        x_shape, xp_shape, kernel, stride, padding, dilation = ctx.args
        gxp = np.zeros(xp_shape, dtype=grad.dtype)
        for i, offset in enumerate(np.ndindex(*kernel)):
            tap = gxp[_tap(offset, stride, dilation, grad.shape[2:])]
            np.add(tap, grad, out=tap, where=(winner == i))
        return gxp[_interior(x_shape, padding)]


class AvgPoolNd(Function):
    """Mean over each window, per channel: the sum of the taps divided by the window size.

    The divisor follows PyTorch: with ``count_include_pad=True`` (the default) padded zeros
    count, except for the part of a ``ceil_mode`` window that hangs past the padding; with
    ``False`` only input elements count; ``divisor_override`` replaces it. Backward spreads
    ``grad / divisor`` over each tap.
    """

    @staticmethod
    def forward(ctx, x, kernel, stride, padding, ceil_mode=False, count_include_pad=True,
                divisor_override=None):
        dilation = (1,) * len(kernel)
        out_shape = _pooled_shape(x.shape, kernel, stride, padding, dilation, ceil_mode)
        divisor = _avg_divisor(x.shape, kernel, stride, padding, out_shape, count_include_pad,
                               divisor_override, x.dtype)
        padding = _ceil_padding(x.shape, kernel, stride, padding, dilation, out_shape)
        xp = pad_spatial(x, padding)
        offsets = list(np.ndindex(*kernel))
        total = xp[_tap(offsets[0], stride, dilation, out_shape)].copy()
        for offset in offsets[1:]:
            total += xp[_tap(offset, stride, dilation, out_shape)]
        ctx.save_for_backward(divisor)
        ctx.args = x.shape, xp.shape, kernel, stride, padding
        total /= divisor
        return total

    @staticmethod
    def backward(ctx, grad):
        (divisor,) = ctx.saved_tensors
        x_shape, xp_shape, kernel, stride, padding = ctx.args
        share = grad / divisor
        gxp = np.zeros(xp_shape, dtype=grad.dtype)
        dilation = (1,) * len(kernel)
        for offset in np.ndindex(*kernel):
            gxp[_tap(offset, stride, dilation, grad.shape[2:])] += share
        return gxp[_interior(x_shape, padding)]


def _avg_divisor(x_shape, kernel, stride, padding, out_shape, count_include_pad,
                 divisor_override, dtype):
    """Per-output divisor of average pooling, as an array broadcastable to the output
    (a scalar array when it is the same everywhere)."""
    if divisor_override is not None:
        return np.asarray(divisor_override, dtype=dtype)
    divisor = np.ones((1,) * len(out_shape), dtype=dtype)
    for axis, (n, k, s, (lo, hi), o) in enumerate(zip(x_shape[2:], kernel, stride, padding, out_shape)):
        start = np.arange(o) * s - lo                  # window start in input coordinates
        end = np.minimum(start + k, n + hi)            # a ceil_mode window stops at the padding
        if not count_include_pad:
            start, end = np.maximum(start, 0), np.minimum(end, n)
        shape = [1] * len(out_shape)
        shape[axis] = o
        divisor = divisor * (end - start).reshape(shape).astype(dtype)
    if np.all(divisor == divisor.flat[0]):
        return np.asarray(divisor.flat[0], dtype=dtype)
    return divisor


class AdaptiveAvgPoolNd(Function):
    """Average over ``output_size`` bins per axis, bin i covering input positions
    ``floor(i·L/out)`` to ``ceil((i+1)·L/out)`` (PyTorch's bins, which may overlap).

    A mean over a box is a mean over each axis in turn, and the mean over the bins of one
    axis is a linear map: a matrix ``A`` of shape (out, L) with ``1/len(bin)`` inside each
    bin. So the forward applies one such matrix per spatial axis and the backward applies
    their transposes. ``output_size`` 1 is global average pooling.
    """

    @staticmethod
    def forward(ctx, x, output_size):
        mats = [_bin_matrix(n, o, x.dtype) for n, o in zip(x.shape[2:], output_size)]
        out = x
        for axis, a in enumerate(mats, start=2):
            out = np.moveaxis(np.tensordot(out, a, axes=([axis], [1])), -1, axis)
        ctx.save_for_backward(*mats)
        return np.ascontiguousarray(out)

    @staticmethod
    def backward(ctx, grad):
        g = grad
        for axis, a in enumerate(ctx.saved_tensors, start=2):
            g = np.moveaxis(np.tensordot(g, a, axes=([axis], [0])), -1, axis)
        return g


def _bin_matrix(size, bins, dtype):
    i = np.arange(bins)
    start = (i * size) // bins
    end = -((-(i + 1) * size) // bins)                 # ceil((i+1)·size/bins)
    pos = np.arange(size)
    inside = (pos >= start[:, None]) & (pos < end[:, None])
    return (inside / (end - start)[:, None]).astype(dtype)
