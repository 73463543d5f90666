"""The tuned convolution engine: ``conv_forward``, ``conv_input_grad`` (the transposed
convolution) and ``conv_weight_grad``, the three kernels of ``conv.py``'s textbook version
(``conv_reference``, ``conv_transpose_reference``, ``conv_weight_reference``), computed the
same way -- im2col, one product, col2im -- but faster: the batch goes in cache-sized blocks
of samples, im2col has two column layouts (``_Columns``), and block temporaries live in
reused scratch arrays. The tests check every kernel here against the textbook one on every
configuration; the measurements behind each choice are in ``benchmarks/README.md``.
"""
import functools
import math
import threading

import numpy as np

from .. import memory
from .conv import output_size, _interior, _tap


# Bytes of im2col columns built at a time. The batch is processed in blocks of samples
# whose columns stay in the caches, so that im2col writes them, the product reads them and
# col2im adds them back while they are still cached (PyTorch's own fallback CPU
# convolution goes further and does im2col one sample at a time). Measured on the
# benchmark's 3x3 layer, one thread: 11.6 ms forward+backward with 4 MB blocks, 11.8 with
# 2 MB, 12.5 with 8 MB, 14.2 with all 128 samples' columns (16 MB) at once; with the flat
# layout on 2 threads: 6.4 ms with 2 MB, 6.1 with 4 MB, 6.0 with 8 MB, 6.6 with 16 MB. It
# also keeps the memory for columns at 4 MB whatever the batch size.
BLOCK_BYTES = 4 << 20

# The weight gradient's product ``cols (C·K, width) @ gᵀ (width, O)`` has a small result and
# a long inner dimension. With few rows of columns (a first layer: one or three input
# channels) OpenBLAS ran that one long product 2-4x slower than the same work split one
# sample at a time (batched, then summed): 1.47 against 0.36 ms for 9 rows and 16 output
# channels over 128 samples of 28x28 (2 threads, SkylakeX kernels). With 72 rows the two
# were even, with 144 (a 3x3 layer on 16 channels) the one long product won (0.52 against
# 0.74 ms). So a block's product goes per sample while C/G·K is at most this.
PER_SAMPLE_ROWS = 32

# The forward's im2col columns of the whole batch are kept for the weight gradient (as
# PyTorch's im2col convolution keeps its "finput") while they take at most this many
# bytes; beyond that the weight gradient rebuilds them, block by block. Keeping them costs
# memory (K times the input) and saves a pass that writes K times the input: measured per
# training step of the benchmark network, the two were even on a quiet machine (36.6 and
# 36.4 ms at batch 128, 17.8 and 18.3 at 64), and keeping was 7-14% faster while other work
# contended for the memory system (60.3 -> 51.7 ms at 128, 31.2 -> 27.9 and 22.5 -> 20.9 at 64).
KEEP_COLUMNS_BYTES = 64 << 20

_scratch_space = threading.local()


def _scratch(name, shape, dtype):
    """A temporary array for one block of a convolution, kept from call to call (one set
    per thread). A fresh multi-megabyte array costs a page fault per 4 kB on first touch
    -- a quarter of the benchmark layer's time went to that -- and these never leave the
    op, so they can be reused. Contents are undefined: callers overwrite or zero them."""
    buffers = _scratch_space.__dict__.setdefault("buffers", {})
    size = math.prod(shape)
    if size * np.dtype(dtype).itemsize > 16 * BLOCK_BYTES:
        return np.empty(shape, dtype=dtype)       # a huge sample: not worth keeping around
    buf = buffers.get((name, dtype))
    if buf is None or buf.size < size:
        buf = buffers[(name, dtype)] = np.empty(size, dtype=dtype)
    return buf[:size].reshape(shape)


class _Columns:
    """Where im2col puts the taps, for a block of ``n`` samples.

    The input is first copied channel-major, ``(C, n, *spatial)``, so that each channel's
    samples follow one another in one row of memory. Then there are two layouts.

    **Flat (stride 1).** Flatten each channel's row: the input element at position ``i``
    of sample ``s`` is at ``s·S + sum_a i_a·F_a`` (``F`` the flat strides of one sample's
    grid, ``S`` its size). Kernel offset ``k`` at output position ``o`` reads
    ``i = o + shift(k)`` with ``shift(k)_a = k_a·dilation_a - lo_a``, so if the columns are
    the grid positions ``o`` themselves, the tap of offset ``k`` is the whole row *shifted*
    by ``offset(k) = sum_a shift(k)_a·F_a``: one contiguous range. im2col is then K copies
    of long rows and col2im K adds of long rows (numpy's per-row overhead dominated both
    with short rows: a ufunc add over rows of 222 elements ran 3.5x slower than over one
    long row). Padding is never materialised: where ``i`` falls outside the input along
    some axis, the shifted row holds a neighbouring row's (or sample's) value instead of
    the padding zero, so those columns are set to zero afterwards (``_zero_outside``; a
    slab of positions per axis). The grid is the input's shape, widened to the output's
    where padding makes the output larger; grid positions that are no output position
    (a "valid" convolution's last rows and columns) are extra columns that the product
    computes and the output skips, and whose output gradient is zero. Used while they are
    under 50% of the columns (none for "same" padding).

    **Strided (otherwise).** The input is zero-padded and the columns are the output
    positions; each tap is a strided slice of the padded input, copied.
    """

    def __init__(self, x_shape, kernel, stride, padding, dilation, out_shape, dtype):
        self.N, self.C = x_shape[:2]
        self.size, self.out_shape = tuple(x_shape[2:]), tuple(out_shape)
        self.dtype = np.dtype(dtype)
        self.K = math.prod(kernel)
        positions = math.prod(out_shape)
        grid = tuple(max(n, o) for n, o in zip(self.size, out_shape))
        self.flat = all(s == 1 for s in stride) and math.prod(grid) <= 1.5 * positions
        if self.flat:
            self.grid = grid
            self.S = math.prod(grid)
            self.F = [math.prod(grid[a + 1:]) for a in range(len(grid))]
            self.offsets = [sum((k * d - lo) * f for k, d, (lo, _), f
                                in zip(ks, dilation, padding, self.F))
                            for ks in np.ndindex(*kernel)]
            # room before and after the rows for the most shifted taps
            self.front, self.back = max(0, -min(self.offsets)), max(0, max(self.offsets))
            # Where a tap reads outside the input, as indices into the columns seen as
            # (C, *kernel, n, *grid). Along axis a, kernel index j shifts by
            # j·dilation - lo, the same for every tap with that j, so one slab of grid
            # positions per (axis, j) covers all of them.
            nd, every = len(grid), slice(None)
            self.outside = []
            # (Only output positions: the extra columns' values never reach the output
            # or the gradients, as long as they are finite -- see `buffer`.)
            for a, (k, d, (lo, _), n, o) in enumerate(zip(kernel, dilation, padding,
                                                          self.size, out_shape)):
                for j in range(k):
                    shift = j * d - lo
                    for start, stop in ((0, min(o, -shift)), (max(0, n - shift), o)):
                        if start < stop:
                            self.outside.append(
                                (every,) * (1 + a) + (j,) + (every,) * (nd - a) +
                                (every,) * a + (slice(start, stop),))
            self.kernel = tuple(kernel)
            self.per_sample = self.S
        else:
            self.padding = padding
            self.grid = tuple(n + lo + hi for n, (lo, hi) in zip(self.size, padding))
            self.taps = [_tap(ks, stride, dilation, out_shape) for ks in np.ndindex(*kernel)]
            self.per_sample = positions

    @property
    def exact(self):
        """True when the columns are exactly the output positions (no extra columns)."""
        return not self.flat or self.grid == self.out_shape

    def width(self, n):
        """Number of columns for a block of ``n`` samples."""
        return n * self.per_sample

    def blocks(self):
        """Slices of the batch whose columns take about ``BLOCK_BYTES``."""
        step = max(1, BLOCK_BYTES // max(1, self.C * self.K * self.per_sample * self.dtype.itemsize))
        return [slice(n, min(n + step, self.N)) for n in range(0, self.N, step)]

    def buffer(self, name, n):
        """A scratch buffer for the channel-major input of ``n`` samples, zero wherever
        the input is not copied: ``(C, front + n·S + back)`` flat, ``(C, n, *padded)``
        otherwise. (In the flat layout, extra columns read outside the input unmasked:
        the zeros keep them finite, as ``0 · garbage`` could be NaN in the gradients.)"""
        if self.flat:
            buf = _scratch(name, (self.C, self.front + n * self.S + self.back), self.dtype)
            if self.grid != self.size:
                buf[...] = 0
            else:                                  # only the margins are not input
                buf[:, :self.front] = 0
                buf[:, self.front + n * self.S:] = 0
            return buf
        buf = _scratch(name, (self.C, n) + self.grid, self.dtype)
        if self.grid != self.size:
            buf[...] = 0                           # the padding
        return buf

    def data(self, buf, n):
        """The input elements of ``buf``, as a (C, n, *size) view."""
        if self.flat:
            grid = buf[:, self.front:self.front + n * self.S].reshape((self.C, n) + self.grid)
            return grid[(slice(None), slice(None)) + tuple(slice(0, s) for s in self.size)]
        return buf[_interior((None, None) + self.size, self.padding)]

    def _zero_outside(self, cols, n):
        """Zero the columns (C, K, width) of the flat layout where their kernel offset
        reads outside the input."""
        view = cols.reshape((self.C,) + self.kernel + (n,) + self.grid)
        for index in self.outside:
            view[index] = 0

    def columns_of(self, block):
        """The columns of the samples ``block`` among the whole batch's columns."""
        return slice(block.start * self.per_sample, block.stop * self.per_sample)

    def im2col(self, x, block, out=None):
        """Columns of the samples ``block`` of the input ``x``: rows (c, k), one column
        per grid (flat) or output position, shaped (C·K, width); written into ``out``
        (C·K, width) when given, else into a scratch array."""
        n = block.stop - block.start
        buf = self.buffer("x", n)
        self.data(buf, n)[...] = x[block].swapaxes(0, 1)
        if out is None:
            cols = _scratch("cols", (self.C, self.K, self.width(n)), self.dtype)
        else:
            cols = out.reshape(self.C, self.K, -1)   # a view: splits the rows' axis
        for i in range(self.K):
            if self.flat:
                start = self.front + self.offsets[i]
                cols[:, i] = buf[:, start:start + n * self.S]
            else:
                cols[:, i].reshape((self.C, n) + self.out_shape)[...] = buf[self.taps[i]]
        if self.flat:
            self._zero_outside(cols, n)
        return cols.reshape(self.C * self.K, -1)

    def col2im(self, dcols, gx, block):
        """Add each kernel offset's rows of ``dcols`` (C·K, width) into its tap of a
        zeroed gradient buffer, and store the input part in ``gx[block]``."""
        n = block.stop - block.start
        buf = self.buffer("gx", n)
        buf[...] = 0
        dcols = dcols.reshape(self.C, self.K, -1)
        if self.flat:
            # columns that read outside the input read a neighbour: send them nothing
            self._zero_outside(dcols, n)
        for i in range(self.K):
            if self.flat:
                start = self.front + self.offsets[i]
                buf[:, start:start + n * self.S] += dcols[:, i]
            else:
                buf[self.taps[i]] += dcols[:, i].reshape((self.C, n) + self.out_shape)
        gx[block] = self.data(buf, n).swapaxes(0, 1)

    def as_output(self, a, n):
        """``a`` of shape (A, width) seen as (A, n, *out_shape): the output positions
        among the columns (a view; the flat layout's extra columns are skipped)."""
        if not self.flat:
            return a.reshape((a.shape[0], n) + self.out_shape)
        grid = a.reshape((a.shape[0], n) + self.grid)
        return grid[(slice(None), slice(None)) + tuple(slice(0, o) for o in self.out_shape)]

    def output_gradient(self, grad, block, out=None):
        """``grad[block]`` (n, O, *out_shape) laid out like the output columns,
        (O, width), with zeros in the extra columns of the flat layout; written into
        ``out`` when given, else into a scratch array."""
        n, O = block.stop - block.start, grad.shape[1]
        g = _scratch("g", (O, self.width(n)), self.dtype) if out is None else out
        if not self.exact:
            g[...] = 0
        self.as_output(g, n)[...] = grad[block].swapaxes(0, 1)
        return g

    def gradient_columns(self, grad, block, g_columns=None):
        """``output_gradient(grad, block)``, or its slice of ``g_columns`` when the whole
        batch was laid out already (``output_columns``)."""
        if g_columns is None:
            return self.output_gradient(grad, block)
        return g_columns[:, self.columns_of(block)]


def output_columns(g, x_shape, kernel, stride, padding, dilation, groups=1):
    """The output gradient ``g`` (N, O, *out) of a convolution of an input of shape
    ``x_shape`` laid out like the forward's output columns: (O, width), the whole batch.
    Both gradients multiply by it, so ``ConvNd.backward`` lays it out once and hands it to
    both (``g_columns=``) rather than each laying out its blocks. None for a 1x1
    convolution, which needs no layout."""
    if _pointwise(kernel, stride, padding) or g.shape[0] == 0:
        return None
    layout = _layout(x_shape, kernel, stride, padding, dilation, g.dtype)
    out = memory.empty((g.shape[1], layout.width(g.shape[0])), g.dtype)
    return layout.output_gradient(g, slice(0, g.shape[0]), out)


def _pointwise(kernel, stride, padding):
    """A 1x1 convolution with stride 1 and no padding: a matrix product over channels."""
    return all(k == 1 for k in kernel) and all(s == 1 for s in stride) \
        and not any(lo or hi for lo, hi in padding)


def _layout(x_shape, kernel, stride, padding, dilation, dtype):
    """The column layout of a convolution (kept: a training step asks for the same few
    three times each -- forward, input gradient, weight gradient)."""
    return _cached_layout(tuple(x_shape), tuple(kernel), tuple(stride),
                          tuple(tuple(p) for p in padding), tuple(dilation), np.dtype(dtype))


@functools.lru_cache(maxsize=64)
def _cached_layout(x_shape, kernel, stride, padding, dilation, dtype):
    out_shape = tuple(output_size(n, k, s, lo, hi, d) for n, k, s, (lo, hi), d
                      in zip(x_shape[2:], kernel, stride, padding, dilation))
    return _Columns(x_shape, kernel, stride, padding, dilation, out_shape, dtype)


# The three kernels of convolution. ``conv_forward`` is the convolution; the other two are
# its two gradients -- and also each other's and its: the convolution is bilinear in
# (x, weight), so the derivative of each of the three w.r.t. either argument is another of
# the three (see ConvNd, ConvTransposeNd and ConvWeightNd below).
def conv_forward(x, weight, bias, stride, padding, dilation, groups, keep_columns=False):
    """``out[n, o, p] = bias[o] + sum_{c in group(o), k} weight[o, c, k] · xp[n, c, p·stride + k·dilation]``
    for x (N, C, *size) and weight (O, C/G, *kernel): im2col per block of samples, then
    one product ``W (O, C·K) @ cols (C·K, width)`` (batched over the G groups).

    Returns ``(out, columns)``: with ``keep_columns`` the columns of the whole batch,
    (C·K, width), for ``conv_weight_grad``; None without it, for a 1x1 convolution (which
    has none) and for columns over ``KEEP_COLUMNS_BYTES``."""
    N, C = x.shape[:2]
    O, kernel = weight.shape[0], weight.shape[2:]
    G = groups
    if C == 0:                            # no input channels: every output is the bias
        layout = _layout(x.shape, kernel, stride, padding, dilation, x.dtype)
        out = np.zeros((N, O) + layout.out_shape, dtype=x.dtype)
        return (out if bias is None else out + bias.reshape((1, O) + (1,) * len(kernel))), None
    w = weight.reshape(G, O // G, -1)                            # (G, O/G, C/G·K)
    if _pointwise(kernel, stride, padding):
        P = math.prod(x.shape[2:])
        xs = x.reshape(N, G, C // G, P)                          # (N, G, C/G, P)
        out = np.matmul(w, xs, out=memory.empty((N, G, O // G, P), x.dtype))
        out = out.reshape((N, O, P))                             # (N, O, P)
        if bias is not None:
            out += bias[:, None]
        return out.reshape((N, O) + x.shape[2:]), None
    layout = _layout(x.shape, kernel, stride, padding, dilation, x.dtype)
    out = memory.empty((N, O) + layout.out_shape, x.dtype)
    columns = None
    if keep_columns and C * layout.K * layout.width(N) * x.itemsize <= KEEP_COLUMNS_BYTES:
        columns = memory.empty((C * layout.K, layout.width(N)), x.dtype)
    for block in layout.blocks():
        into = None if columns is None else columns[:, layout.columns_of(block)]
        cols = layout.im2col(x, block, into).reshape(G, C // G * layout.K, -1)
        y = np.matmul(w, cols, out=_scratch("y", (G, O // G, cols.shape[-1]), x.dtype))
        y = y.reshape(O, -1)
        if bias is not None:
            y += bias[:, None]
        # the output positions among the columns, to (n, O, *out_shape)
        out[block] = layout.as_output(y, block.stop - block.start).swapaxes(0, 1)
    return out, columns


def conv_input_grad(g, weight, x_shape, stride, padding, dilation, groups, g_columns=None):
    """The gradient of the convolution w.r.t. its input -- the *transposed convolution* of
    ``g`` (N, O, *out) with ``weight``: per block ``dcols = Wᵀ (C·K, O) @ g (O, width)``, whose
    rows for kernel offset k are added back into that offset's tap (col2im). ``g`` laid out
    as columns is read from ``g_columns`` (``output_columns(g, ...)``) when given."""
    N, O = g.shape[:2]
    G = groups
    if weight.shape[1] == 0 or N == 0:    # no input channels, or no samples: nothing to add
        return np.zeros(x_shape, dtype=g.dtype)
    w = weight.reshape(G, O // G, -1)
    kernel = weight.shape[2:]
    if _pointwise(kernel, stride, padding):
        gs = g.reshape(N, G, O // G, math.prod(g.shape[2:]))      # (N, G, O/G, P)
        gx = memory.empty((N, G, x_shape[1] // G, gs.shape[-1]), g.dtype)   # (N, G, C/G, P)
        return np.matmul(w.swapaxes(-1, -2), gs, out=gx).reshape(x_shape)
    layout = _layout(x_shape, kernel, stride, padding, dilation, g.dtype)
    if layout.out_shape != g.shape[2:]:
        raise ValueError(f"conv_transpose: an input of spatial size {g.shape[2:]} does not "
                         f"fit an output of size {tuple(x_shape[2:])} (expected input "
                         f"{layout.out_shape})")
    gx = memory.empty(tuple(x_shape), g.dtype)
    w_t = np.ascontiguousarray(w.swapaxes(-1, -2))               # (G, C/G·K, O/G)
    for block in layout.blocks():
        gb = layout.gradient_columns(g, block, g_columns).reshape(G, O // G, -1)
        # (dcols reuses the cols scratch: hot in the cache and done with)
        dcols = np.matmul(w_t, gb, out=_scratch("cols", (G, w_t.shape[1], gb.shape[-1]),
                                                g.dtype))
        layout.col2im(dcols, gx, block)
    return gx


def conv_weight_grad(x, g, w_shape, stride, padding, dilation, groups, columns=None,
                     g_columns=None):
    """The gradient of the convolution w.r.t. its weight: per block ``dWᵀ += cols @ gᵀ``,
    ``cols`` the im2col columns of x: those the forward kept (``columns``, from
    ``conv_forward(..., keep_columns=True)`` on this same x), else rebuilt. ``g`` laid out as
    columns is read from ``g_columns`` (``output_columns(g, ...)``) when given."""
    N, C = x.shape[:2]
    O, kernel = g.shape[1], w_shape[2:]
    G = groups
    if C == 0 or N == 0:                  # no input channels, or no samples: a zero gradient
        return np.zeros(w_shape, dtype=g.dtype)
    if _pointwise(kernel, stride, padding):
        P = math.prod(x.shape[2:])
        xs = x.reshape(N, G, C // G, P)                          # (N, G, C/G, P)
        gs = g.reshape(N, G, O // G, P)                          # (N, G, O/G, P)
        return np.matmul(gs, xs.swapaxes(-1, -2)).sum(axis=0).reshape(w_shape)
    layout = _layout(x.shape, kernel, stride, padding, dilation, x.dtype)
    rows = C // G * layout.K
    # accumulated transposed: OpenBLAS ran cols @ gᵀ 10% faster than g @ colsᵀ
    gw_t = np.zeros((G, rows, O // G), dtype=g.dtype)           # (G, C/G·K, O/G)
    gw_block = np.empty_like(gw_t)
    per_sample = rows <= PER_SAMPLE_ROWS  # one product per sample, summed (see above)
    for block in layout.blocks():
        n = block.stop - block.start
        cols = (layout.im2col(x, block) if columns is None
                else columns[:, layout.columns_of(block)]).reshape(G, rows, -1)
        if not per_sample:
            gb = layout.gradient_columns(g, block, g_columns).reshape(G, O // G, -1)
            gw_t += np.matmul(cols, gb.swapaxes(-1, -2), out=gw_block)
            continue
        if layout.exact:
            # the columns are the output positions: each sample of g is already its
            # (O, positions) matrix, no layout needed
            gs = g[block].reshape(n, G, O // G, -1)                        # (n, G, O/G, S)
        else:
            gs = layout.gradient_columns(g, block, g_columns)               # (O, n·S)
            gs = gs.reshape(G, O // G, n, -1).transpose(2, 0, 1, 3)         # (n, G, O/G, S)
        cols = cols.reshape(G, rows, n, -1).transpose(2, 0, 1, 3)           # (n, G, C/G·K, S)
        gw_t += np.matmul(cols, gs.swapaxes(-1, -2)).sum(axis=0)
    return np.ascontiguousarray(gw_t.swapaxes(-1, -2)).reshape(w_shape)
