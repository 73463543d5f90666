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

Pooling clips each tap to the unpadded input instead of padding it (``_clipped_taps``):
padding is -inf or 0, which a max or a sum can leave out, so pooling's memory follows its
input and output, not the padding (a 41x41 window padded by 20 over a 3x3 input would
otherwise pad each map to 43x43).

Python loops here run over kernel offsets, and for convolution over cache-sized blocks of
samples (``BLOCK_BYTES``), never over single channels or output positions.

Read this file for how convolution works: the *textbook* kernels below --
``conv_reference``, ``conv_transpose_reference``, ``conv_weight_reference`` -- do it in one
screen (im2col on a strided view, one product, col2im), with the shape of every step. The
Functions that the layers call run the same three computations with the tuned engine of
``conv_fast.py`` (blocked im2col, two column layouts, reused scratch buffers), an
optimisation of these kernels that the tests check equal to them on every configuration.
Its measurements and the alternatives that were tried are in ``benchmarks/README.md``.
"""
import numpy as np

from .. import memory
from ..autograd.function import ArrayFunction


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


def _windows_disjoint(kernel, stride, dilation):
    """True when no input element is in two windows (along every axis the stride is at
    least the window's span), so each tap of a backward can be written, not added."""
    return all(s >= d * (k - 1) + 1 for k, s, d in zip(kernel, stride, dilation))


def _windows_tile(x_shape, kernel, stride, padding, dilation, out_shape):
    """True when the windows tile the input: every input element is in exactly one window
    (stride = kernel, no dilation, padding or leftover elements: MaxPool2d(2) on an even
    size). A backward writing every tap then writes every element, so it needs no zeros."""
    return all(s == k and d == 1 and not lo and not hi and o * s == n
               for k, s, d, (lo, hi), o, n in zip(kernel, stride, dilation, padding, out_shape,
                                                  x_shape[2:]))


def _pooled_shape(x_shape, kernel, stride, padding, dilation, ceil_mode):
    return tuple(output_size(n, k, s, lo, hi, d, ceil_mode) for n, k, s, (lo, hi), d
                 in zip(x_shape[2:], kernel, stride, padding, dilation))


def _clipped_taps(x_shape, kernel, stride, padding, dilation, out_shape):
    """The taps of pooling, clipped to the unpadded input: for each kernel offset (numbered
    in row-major order) that meets the input at all, ``(i, src, dst)`` -- ``x[src]`` are the
    input elements offset ``i`` meets, a strided slice of the input itself, and
    ``out[dst]`` the outputs they go to (``dst`` is None when that is every output).

    The part of a tap that falls in the padding (or past it, in a ``ceil_mode`` window) is
    left out, rather than materialised, so pooling needs memory for its input and output
    only, however large the padding. Along one axis, output ``o`` meets input
    ``o·stride + k·dilation - lo``, which is inside ``[0, n)`` for a run of outputs."""
    per_axis = []
    for n, k, s, (lo, _), d, o in zip(x_shape[2:], kernel, stride, padding, dilation,
                                      out_shape):
        runs = []
        for j in range(k):
            shift = j * d - lo                       # the input index output 0 meets
            first = max(0, -(shift // s))            # first output meeting index >= 0
            last = min(o, (n - 1 - shift) // s + 1)  # one past the last meeting index < n
            if last <= first:
                runs.append(None)                    # this offset meets only padding
                continue
            start = first * s + shift
            src = slice(start, start + (last - first - 1) * s + 1, s)
            runs.append((src, None if first == 0 and last == o else slice(first, last)))
        per_axis.append(runs)
    both = (slice(None), slice(None))
    taps = []
    for i, offset in enumerate(np.ndindex(*kernel)):
        parts = [runs[j] for runs, j in zip(per_axis, offset)]
        if None in parts:
            continue
        src = both + tuple(p[0] for p in parts)
        dst = None
        if any(p[1] is not None for p in parts):
            dst = both + tuple(slice(None) if p[1] is None else p[1] for p in parts)
        taps.append((i, src, dst))
    return taps


def _part(a, dst):
    """``a[dst]`` (a view), or ``a`` itself when ``dst`` is None (every output)."""
    return a if dst is None else a[dst]


# ---- convolution, the textbook version ------------------------------------------------------
def windows(xp, kernel, stride, dilation):
    """Every window of the padded input ``xp`` (N, C, *padded), as a strided view -- no
    copy -- of shape (N, C, *out, *kernel): ``[n, c, o, k] = xp[n, c, o·stride + k·dilation]``."""
    nd = len(kernel)
    spans = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    view = np.lib.stride_tricks.sliding_window_view(xp, spans, axis=tuple(range(2, 2 + nd)))
    return view[(slice(None),) * 2 + tuple(slice(None, None, s) for s in stride)
                + tuple(slice(None, None, d) for d in dilation)]


def im2col(x, kernel, stride, padding, dilation, groups):
    """The columns of x (N, C, *size) -- one row per output position, one column per
    (channel, kernel offset) of a group -- shaped (N, P, G, C/G·K); and the output shape."""
    N, C, nd = x.shape[0], x.shape[1], len(kernel)
    win = windows(pad_spatial(x, padding), kernel, stride, dilation)   # (N, C, *out, *kernel)
    out_shape = win.shape[2:2 + nd]
    cols = np.moveaxis(win, 1, 1 + nd)                                 # (N, *out, C, *kernel)
    K = int(np.prod(kernel))
    return cols.reshape(N, -1, groups, C // groups * K), out_shape      # the one copy


def conv_reference(x, weight, bias, stride, padding, dilation, groups):
    """``out[n, o, p] = bias[o] + sum_{c in group(o), k} weight[o, c, k] · xp[n, c, p·stride + k·dilation]``
    for x (N, C, *size), weight (O, C/G, *kernel), padding ((lo, hi), ...) per axis."""
    N, O, G = x.shape[0], weight.shape[0], groups
    cols, out_shape = im2col(x, weight.shape[2:], stride, padding, dilation, G)  # (N, P, G, C/G·K)
    w = weight.reshape(G, O // G, -1)                                   # (G, O/G, C/G·K)
    out = np.einsum("npgk,gok->ngop", cols, w, optimize=True)           # one product per group
    out = out.reshape((N, O) + out_shape)                               # (N, O, *out)
    return out if bias is None else out + bias.reshape((1, O) + (1,) * len(out_shape))


def conv_weight_reference(x, g, w_shape, stride, padding, dilation, groups):
    """The gradient w.r.t. the weight: the same columns, times the output gradient g."""
    N, O, G = g.shape[0], g.shape[1], groups
    cols, _ = im2col(x, w_shape[2:], stride, padding, dilation, G)     # (N, P, G, C/G·K)
    gy = g.reshape(N, G, O // G, -1)                                    # (N, G, O/G, P)
    return np.einsum("npgk,ngop->gok", cols, gy, optimize=True).reshape(w_shape)


def conv_transpose_reference(g, weight, x_shape, stride, padding, dilation, groups):
    """The gradient w.r.t. the input -- a transposed convolution: the columns' gradient
    ``dcols = g · W``, then col2im adds each kernel offset's part back where it was read."""
    N, C, O, G = x_shape[0], x_shape[1], weight.shape[0], groups
    kernel, nd = tuple(weight.shape[2:]), weight.ndim - 2
    gy = g.reshape(N, G, O // G, -1)                                    # (N, G, O/G, P)
    w = weight.reshape(G, O // G, -1)                                   # (G, O/G, C/G·K)
    dcols = np.einsum("ngop,gok->npgk", gy, w, optimize=True)           # (N, P, G, C/G·K)
    dcols = dcols.reshape((N,) + g.shape[2:] + (C,) + kernel)           # (N, *out, C, *kernel)
    dcols = np.moveaxis(dcols, 1 + nd, 1)                               # (N, C, *out, *kernel)
    padded = tuple(n + lo + hi for n, (lo, hi) in zip(x_shape[2:], padding))
    dxp = np.zeros(tuple(x_shape[:2]) + padded, dtype=g.dtype)          # (N, C, *padded)
    for k in np.ndindex(*kernel):                                       # col2im
        dxp[_tap(k, stride, dilation, g.shape[2:])] += dcols[(Ellipsis,) + k]
    return dxp[_interior(x_shape, padding)]                             # (N, C, *size)


def max_pool_reference(x, kernel, stride, padding, dilation):
    """Max over each window, per channel (padding counts as -inf): (N, C, *out). (The
    textbook pads the input; ``MaxPoolNd`` computes the same without padding.)"""
    win = windows(pad_spatial(x, padding, -np.inf), kernel, stride, dilation)
    return win.max(axis=tuple(range(-len(kernel), 0)))


def avg_pool_reference(x, kernel, stride, padding):
    """Mean over each window, padded zeros counted (PyTorch's count_include_pad=True)."""
    win = windows(pad_spatial(x, padding), kernel, stride, (1,) * len(kernel))
    return win.mean(axis=tuple(range(-len(kernel), 0)))


# ---- convolution as Functions: the same three kernels, tuned (conv_fast.py) -----------------
class ConvNd(ArrayFunction):
    """N-d convolution (cross-correlation, as in every DL framework): ``conv_forward``.

    Its input gradient is a transposed convolution of the output gradient with the same
    weight (``ConvTransposeNd``), its weight gradient a ``ConvWeightNd`` of the input and
    the output gradient, its bias gradient the output gradient summed over batch and
    positions. ``padding`` is a tuple of ``(lo, hi)`` pairs, one per spatial axis.
    """

    @staticmethod
    def forward(ctx, x, weight, bias=None, stride=(1,), padding=((0, 0),), dilation=(1,),
                groups=1):
        ctx.save_for_backward(x, weight)       # references to the inputs, not copies
        ctx.args = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
        # with a weight gradient to come, im2col's columns of x are kept for it
        out, ctx.columns = conv_fast.conv_forward(x, weight, bias, stride, padding, dilation,
                                                  groups, keep_columns=ctx.needs_input_grad[1])
        return out

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        needs = ctx.needs_input_grad
        # both gradients multiply by the output gradient laid out as the output columns:
        # when both are wanted it is laid out once, for the two
        g_columns = None
        if needs[0] and needs[1]:
            g_columns = conv_fast.output_columns(grad.numpy(), x.shape, weight.shape[2:],
                                                 **ctx.args)
        gx = (ConvTransposeNd.apply(grad, weight, x.shape[2:], g_columns=g_columns, **ctx.args)
              if needs[0] else None)
        gw = (ConvWeightNd.apply(x, grad, weight.shape, columns=ctx.columns,
                                 g_columns=g_columns, **ctx.args)
              if needs[1] else None)
        gb = None
        if len(needs) > 2 and needs[2]:   # (summing over the batch first runs over long rows)
            positions = int(np.prod(grad.shape[2:]))
            gb = grad.reshape(grad.shape[0], grad.shape[1], positions).sum(dim=0).sum(dim=1)
        return gx, gw, gb


class ConvTransposeNd(ArrayFunction):
    """Transposed convolution of ``g`` (N, O, *in) with ``weight`` (O, C/G, *kernel) into an
    output of spatial size ``size``: the adjoint of ``ConvNd`` in its input, so
    ``<conv_transpose(g, w), h> = <g, conv(h, w)>``. Hence its gradients: w.r.t. ``g`` a
    convolution of the upstream gradient h with w, w.r.t. ``w`` a ``ConvWeightNd(h, g)``.
    ``F.conv_transpose1d/2d/3d`` are this op (plus a bias)."""

    @staticmethod
    def forward(ctx, g, weight, size, stride=(1,), padding=((0, 0),), dilation=(1,), groups=1,
                g_columns=None):
        ctx.save_for_backward(g, weight)
        ctx.args = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
        x_shape = (g.shape[0], weight.shape[1] * groups) + tuple(size)
        return conv_fast.conv_input_grad(g, weight, x_shape, stride, padding, dilation, groups,
                                         g_columns)

    @staticmethod
    def backward(ctx, h):
        g, weight = ctx.saved_tensors
        needs = ctx.needs_input_grad
        gg = ConvNd.apply(h, weight, None, **ctx.args) if needs[0] else None
        gw = ConvWeightNd.apply(h, g, weight.shape, **ctx.args) if needs[1] else None
        return gg, gw


class ConvWeightNd(ArrayFunction):
    """The convolution's weight gradient as a function of the input ``x`` and the output
    gradient ``g``: bilinear, with ``<conv_weight(x, g), H> = <g, conv(x, H)>``. Hence its
    gradients: w.r.t. ``x`` a transposed convolution of g with H, w.r.t. ``g`` a
    convolution of x with H."""

    @staticmethod
    def forward(ctx, x, g, w_shape, stride=(1,), padding=((0, 0),), dilation=(1,), groups=1,
                columns=None, g_columns=None):
        ctx.save_for_backward(x, g)
        ctx.args = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
        return conv_fast.conv_weight_grad(x, g, tuple(w_shape), stride, padding, dilation,
                                          groups, columns, g_columns)

    @staticmethod
    def backward(ctx, h):
        x, g = ctx.saved_tensors
        needs = ctx.needs_input_grad
        gx = ConvTransposeNd.apply(g, h, x.shape[2:], **ctx.args) if needs[0] else None
        gg = ConvNd.apply(x, h, None, **ctx.args) if needs[1] else None
        return gx, gg


# ---- pooling ---------------------------------------------------------------------------------
class MaxPoolNd(ArrayFunction):
    """Max over each window, per channel. Padding counts as -inf (never the maximum).

    Forward is an elementwise ``np.maximum`` over the taps (one strided view per kernel
    offset), each clipped to the input (``_clipped_taps``): the padding is never
    materialised, an output that a tap does not reach keeps what the other taps gave it,
    and one whose window lies in the padding only is -inf. It also records, per output,
    which offset won: the *first* maximum in row-major window order, as PyTorch does (a
    later tap replaces the winner only when strictly greater). Backward sends each output's
    gradient to that one element only (``MaxPoolScatter``) -- with exact ties (common on
    MNIST's flat background) crediting every tied element would multiply the gradient. The
    winners are constants, so the scatter is linear and its own gradient is the matching
    gather (``MaxPoolGather``).

    A NaN in a window makes its output NaN (``np.maximum`` propagates it, as PyTorch);
    unlike PyTorch, the gradient of that window then goes to the first maximum found
    before the NaN rather than to the NaN itself.
    """

    @staticmethod
    def forward(ctx, x, kernel, stride, padding, dilation, ceil_mode=False):
        track = ctx.needs_input_grad[0]
        out, winner = _max_pool(x, kernel, stride, padding, dilation, ceil_mode, track)
        if track:
            ctx.winner = winner
            ctx.args = x.shape, kernel, stride, padding, dilation
        return out

    @staticmethod
    def backward(ctx, grad):
        return MaxPoolScatter.apply(grad, ctx.winner, ctx.args)


def _max_pool(x, kernel, stride, padding, dilation, ceil_mode, track):
    """The max over each window, and with ``track`` the winner of each window: the kernel
    offset (row-major) of its first maximum (0 for a window of padding only)."""
    out_shape = _pooled_shape(x.shape, kernel, stride, padding, dilation, ceil_mode)
    taps = _clipped_taps(x.shape, kernel, stride, padding, dilation, out_shape)
    if taps and taps[0][0] == 0 and taps[0][2] is None:   # offset 0 meets every window
        out = memory.empty(x.shape[:2] + out_shape, x.dtype)
        np.copyto(out, x[taps[0][1]])
        taps = taps[1:]
    else:                                       # padding counts as -inf
        out = np.full(x.shape[:2] + out_shape, -np.inf, dtype=x.dtype)
    winner = None
    if track:
        index_type = np.uint8 if int(np.prod(kernel)) <= 256 else np.uint32
        winner = memory.zeros(out.shape, index_type)
    for i, src, dst in taps:
        tap, best = x[src], _part(out, dst)
        if tap.strides[-1] != tap.itemsize:
            # a tap strided along the last axis is copied first: numpy's compare and
            # maximum ran slower over it than the copy takes (MaxPool2d(2) on
            # (128, 16, 28, 28) float32: 1.66 ms without the copies, 1.07 ms with them)
            contiguous = memory.empty(tap.shape, tap.dtype)
            np.copyto(contiguous, tap)
            tap = contiguous
        if track:
            # The first maximum is where the running maximum last rose strictly, i.e.
            # the largest i with tap_i > max(tap_0..tap_i-1). As i only grows, that is
            # a running np.maximum of i·(tap_i > out) -- arithmetic, because masked
            # writes (np.copyto(where=...), winner[mask] = i) are several times slower.
            won = _part(winner, dst)
            np.maximum(won, (tap > best).view(np.uint8) * index_type(i), out=won)
        np.maximum(best, tap, out=best)
    return out, winner


def max_pool_indices(x, kernel, stride, padding, dilation, ceil_mode=False):
    """PyTorch's ``return_indices``: for each output of ``MaxPoolNd`` with the same
    arguments, the flat index, within its own (n, c) map of the input, of the element that
    won the window (the one the gradient goes to). int64, of the output's shape."""
    _, winner = _max_pool(x, kernel, stride, padding, dilation, ceil_mode, True)
    offsets = np.unravel_index(winner, kernel)
    flat = np.zeros(winner.shape, dtype=np.int64)
    nd = len(kernel)
    for axis in range(nd):
        along = np.arange(winner.shape[2 + axis]).reshape((-1,) + (1,) * (nd - 1 - axis))
        coord = along * stride[axis] + offsets[axis] * dilation[axis] - padding[axis][0]
        flat = flat * x.shape[2 + axis] + coord
    return flat


class MaxPoolScatter(ArrayFunction):
    """Each output gradient written into the input element that won its window: zeros of
    the input's shape elsewhere (a window won by padding sends its gradient nowhere)."""

    @staticmethod
    def forward(ctx, grad, winner, args):
        x_shape, kernel, stride, padding, dilation = args
        ctx.winner, ctx.args = winner, args
        disjoint = _windows_disjoint(kernel, stride, dilation)
        tiled = _windows_tile(x_shape, kernel, stride, padding, dilation, grad.shape[2:])
        gx = (memory.empty if tiled else memory.zeros)(tuple(x_shape), grad.dtype)
        for i, src, dst in _clipped_taps(x_shape, kernel, stride, padding, dilation,
                                         grad.shape[2:]):
            tap, g, won = gx[src], _part(grad, dst), _part(winner, dst)
            if disjoint:        # no element is in two windows: write instead of add
                np.multiply(g, won == i, out=tap)
            else:
                tap += g * (won == i)
        return gx

    @staticmethod
    def backward(ctx, h):
        return MaxPoolGather.apply(h, ctx.winner, ctx.args)


class MaxPoolGather(ArrayFunction):
    """Per output position, the element of ``h`` (input-shaped) at the window's winner: the
    adjoint of ``MaxPoolScatter``, and so its gradient and its gradient's gradient."""

    @staticmethod
    def forward(ctx, h, winner, args):
        x_shape, kernel, stride, padding, dilation = args
        ctx.winner, ctx.args = winner, args
        out = memory.zeros(winner.shape, h.dtype)
        for i, src, dst in _clipped_taps(x_shape, kernel, stride, padding, dilation,
                                         winner.shape[2:]):
            part = _part(out, dst)
            part += h[src] * (_part(winner, dst) == i)
        return out

    @staticmethod
    def backward(ctx, grad):
        return MaxPoolScatter.apply(grad, ctx.winner, ctx.args)


class AvgPoolNd(ArrayFunction):
    """Mean over each window, per channel: the sum of the taps divided by the window size.

    The divisor follows PyTorch: with ``count_include_pad=True`` (the default) padded zeros
    count, except for the part of a ``ceil_mode`` window that hangs past the padding; with
    ``False`` only input elements count; ``divisor_override`` replaces it. Backward spreads
    ``grad / divisor`` over each tap (``AvgPoolSpread``); that spread is linear and its
    adjoint is average pooling itself, so its gradient is this op again.
    """

    @staticmethod
    def forward(ctx, x, kernel, stride, padding, ceil_mode=False, count_include_pad=True,
                divisor_override=None):
        dilation = (1,) * len(kernel)
        out_shape = _pooled_shape(x.shape, kernel, stride, padding, dilation, ceil_mode)
        divisor = _avg_divisor(x.shape, kernel, stride, padding, out_shape, count_include_pad,
                               divisor_override, x.dtype)
        ctx.pool = dict(kernel=kernel, stride=stride, padding=padding, ceil_mode=ceil_mode,
                        count_include_pad=count_include_pad, divisor_override=divisor_override)
        taps = _clipped_taps(x.shape, kernel, stride, padding, dilation, out_shape)
        if taps and taps[0][2] is None:         # a tap that meets every window
            total = x[taps[0][1]].copy()
            taps = taps[1:]
        else:                                   # padding adds zeros: left out
            total = np.zeros(x.shape[:2] + out_shape, dtype=x.dtype)
        for _, src, dst in taps:
            part = _part(total, dst)
            part += x[src]
        ctx.divisor = divisor
        ctx.args = x.shape, kernel, stride, padding
        total /= divisor
        return total

    @staticmethod
    def backward(ctx, grad):
        return AvgPoolSpread.apply(grad, ctx.divisor, ctx.args, ctx.pool)


class AvgPoolSpread(ArrayFunction):
    """``grad / divisor`` added into every element of each window: the gradient of average
    pooling. Its own gradient is average pooling with the same settings (``pool``)."""

    @staticmethod
    def forward(ctx, grad, divisor, args, pool):
        x_shape, kernel, stride, padding = args
        ctx.pool = pool
        share = grad / divisor
        dilation = (1,) * len(kernel)
        disjoint = _windows_disjoint(kernel, stride, dilation)
        tiled = _windows_tile(x_shape, kernel, stride, padding, dilation, grad.shape[2:])
        gx = (memory.empty if tiled else memory.zeros)(tuple(x_shape), grad.dtype)
        for _, src, dst in _clipped_taps(x_shape, kernel, stride, padding, dilation,
                                         grad.shape[2:]):
            if disjoint:
                gx[src] = _part(share, dst)
            else:
                gx[src] += _part(share, dst)
        return gx

    @staticmethod
    def backward(ctx, h):
        return AvgPoolNd.apply(h, **ctx.pool)


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


class AdaptiveAvgPoolNd(ArrayFunction):
    """Average over ``output_size`` bins per axis, bin i covering input positions
    ``floor(i·L/out)`` to ``ceil((i+1)·L/out)`` (PyTorch's bins, which may overlap).

    A mean over a box is a mean over each axis in turn, and the mean over the bins of one
    axis is a linear map: a matrix ``A`` of shape (out, L) with ``1/len(bin)`` inside each
    bin. So the forward applies one such matrix per spatial axis and the backward applies
    their transposes (``AdaptiveAvgPoolBackward``, whose gradient is this op again).
    ``output_size`` 1 is global average pooling.
    """

    @staticmethod
    def forward(ctx, x, output_size):
        mats = [_bin_matrix(n, o, x.dtype) for n, o in zip(x.shape[2:], output_size)]
        ctx.mats, ctx.output_size = mats, tuple(output_size)
        return _along_axes(x, mats, contract=1)

    @staticmethod
    def backward(ctx, grad):
        return AdaptiveAvgPoolBackward.apply(grad, ctx.mats, ctx.output_size)


class AdaptiveAvgPoolBackward(ArrayFunction):
    """The transposed bin matrices applied to ``grad``: the gradient of adaptive pooling."""

    @staticmethod
    def forward(ctx, grad, mats, output_size):
        ctx.output_size = output_size
        return _along_axes(grad, mats, contract=0)

    @staticmethod
    def backward(ctx, h):
        return AdaptiveAvgPoolNd.apply(h, ctx.output_size)


def _along_axes(x, mats, contract):
    """Apply ``mats[i]`` to spatial axis i of ``x`` (contracting the matrix's axis
    ``contract``: 1 applies A, 0 applies Aᵀ)."""
    out = x
    for axis, a in enumerate(mats, start=2):
        out = np.moveaxis(np.tensordot(out, a, axes=([axis], [contract])), -1, axis)
    return np.ascontiguousarray(out)


def _bin_matrix(size, bins, dtype):
    i = np.arange(bins)
    start = (i * size) // bins
    end = -((-(i + 1) * size) // bins)                 # ceil((i+1)·size/bins)
    pos = np.arange(size)
    inside = (pos >= start[:, None]) & (pos < end[:, None])
    return (inside / (end - start)[:, None]).astype(dtype)


from . import conv_fast  # noqa: E402  (the engine uses the helpers above)
