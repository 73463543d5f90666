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

Python loops here run over kernel offsets, and for convolution over cache-sized blocks of
samples (``BLOCK_BYTES``), never over single channels or output positions.

Speed notes, measured on the benchmark's ``Conv2d(16, 32, 3, padding=1)`` on
``(128, 16, 14, 14)``, 2 threads, forward+backward about 5.7 ms: 3.35 ms are the three
BLAS products (forward, weight gradient, input gradient; OpenBLAS runs them at its AVX2
peak on one core, 1.6x faster on two); the rest is single-threaded numpy work: im2col
twice (0.5 ms each, of which 0.14 ms zeroing the columns that read outside the input),
col2im 0.6 ms, and moving the output and its gradient between NCHW and the column layout
(0.2 ms each). Fresh multi-megabyte arrays are expensive here (a page fault per 4 kB on
first touch), which is why block temporaries live in reused scratch arrays.

Tried on that layer and not kept, because none was measurably faster (A/B in one process,
2 threads, best of 60-120 runs): building the next block's columns in a second Python
thread while BLAS multiplies the current one (numpy copies release the GIL, but BLAS
already keeps both cores busy: 2.60 -> 2.62 ms for the forward's four blocks), or
splitting each im2col over two threads by channels (1.86 -> 2.01 ms); copying a tap and
zeroing its outside reads in one pass, as a bitwise AND with an all-ones/all-zeros mask
(0.38 -> 0.42 ms per im2col; a ufunc runs slower than numpy's plain copy) or a multiply
by 0/1 (as slow, and 0 * inf would be NaN); zeroing each tap right after its copy while
it is cached (0.46 -> 0.51); copies of the input with the last or first column zeroed,
read by the taps that step left or right, instead of zeroing single columns (0.46 ->
0.51: three sources no longer fit in the L2 cache); summing the bias gradient per block
of ``g``; and copying col2im's first tap instead of zeroing the buffer first.

Also tried on that layer, each slower than what is here (2 threads, best of 40-80):

* Winograd F(2x2, 3x3) (Lavin & Gray, 2015), which needs 2.25x fewer multiplications:
  forward 3.2 ms against 2.4. Its 16 products have only C = 16 terms each, so they ran
  slower (1.39 ms) than im2col's one product with C·9 = 144 (1.24 ms), and cutting the
  input into overlapping 4x4 tiles (stride-2 views, rows of 7) took 1.9 ms.
* The input gradient as a convolution of the output gradient (im2col of ``g``, then
  ``(C, O·K) @ (O·K, width)``), with the weight gradient from the same columns, which
  would skip col2im and the second im2col: those two products took 1.38 + 1.25 ms against
  1.01 + 1.12 for the ones here.
* No im2col at all: one product per kernel offset on shifted views of a zero-padded
  input (numpy hands such views to BLAS without a copy): the nine weight-gradient
  products took 2.8 ms against 1.8 for im2col + one product, the input gradient as nine
  products plus adds 2.8 ms against 1.8.
* Two Python threads, each running whole blocks with single-threaded BLAS, so that the
  copies run on both cores too: the products alone took 1.60 ms against 1.49 for one
  thread with two-threaded BLAS (and numpy offers no call to change BLAS's threads).
* Adding the bias while copying the output to NCHW (one ufunc pass over transposed
  views): 0.19 ms against 0.12 for a separate add and a plain copy.

What is left is the products themselves, about 3.7 ms of the 5.9: OpenBLAS runs them at
its AVX2 kernels' peak on this CPU, where PyTorch's oneDNN uses AVX-512. (numpy 2.4.6's
OpenBLAS 0.3.31 does not recognise AMD Zen 5 and picks its AVX2 kernels although the CPU
has AVX-512, OpenMathLib/OpenBLAS#6029; ``OPENBLAS_CORETYPE=SkylakeX`` set before Python
starts selects the AVX-512 ones, and the layer then takes 4.9-5.0 ms.)
"""
import functools
import math
import threading

import numpy as np

from ..autograd import Function


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


def _pooled_shape(x_shape, kernel, stride, padding, dilation, ceil_mode):
    return tuple(output_size(n, k, s, lo, hi, d, ceil_mode) for n, k, s, (lo, hi), d
                 in zip(x_shape[2:], kernel, stride, padding, dilation))


def _ceil_padding(x_shape, kernel, stride, padding, dilation, out_shape):
    """Padding widened on the right so that the last (``ceil_mode``) window fits."""
    return tuple((lo, max(hi, (o - 1) * s + d * (k - 1) + 1 - n - lo))
                 for n, k, s, (lo, hi), d, o
                 in zip(x_shape[2:], kernel, stride, padding, dilation, out_shape))


# ---- convolution -----------------------------------------------------------------------------
# Bytes of im2col columns built at a time. The batch is processed in blocks of samples
# whose columns stay in the caches, so that im2col writes them, the product reads them and
# col2im adds them back while they are still cached (PyTorch's own fallback CPU
# convolution goes further and does im2col one sample at a time). Measured on the
# benchmark's 3x3 layer, one thread: 11.6 ms forward+backward with 4 MB blocks, 11.8 with
# 2 MB, 12.5 with 8 MB, 14.2 with all 128 samples' columns (16 MB) at once; with the flat
# layout on 2 threads: 6.4 ms with 2 MB, 6.1 with 4 MB, 6.0 with 8 MB, 6.6 with 16 MB. It
# also keeps the memory for columns at 4 MB whatever the batch size.
BLOCK_BYTES = 4 << 20

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

    def width(self, n):
        """Number of columns for a block of ``n`` samples."""
        return n * self.per_sample

    def blocks(self):
        """Slices of the batch whose columns take about ``BLOCK_BYTES``."""
        step = max(1, BLOCK_BYTES // (self.C * self.K * self.per_sample * self.dtype.itemsize))
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

    def im2col(self, x, block):
        """Columns of the samples ``block`` of the input ``x``: rows (c, k), one column
        per grid (flat) or output position, shaped (C·K, width)."""
        n = block.stop - block.start
        buf = self.buffer("x", n)
        self.data(buf, n)[...] = x[block].swapaxes(0, 1)
        cols = _scratch("cols", (self.C, self.K, self.width(n)), self.dtype)
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

    def output_gradient(self, grad, block):
        """``grad[block]`` (n, O, *out_shape) laid out like the output columns,
        (O, width), with zeros in the extra columns of the flat layout."""
        n, O = block.stop - block.start, grad.shape[1]
        g = _scratch("g", (O, self.width(n)), self.dtype)
        if self.flat and self.grid != self.out_shape:
            g[...] = 0
        self.as_output(g, n)[...] = grad[block].swapaxes(0, 1)
        return g


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
def conv_forward(x, weight, bias, stride, padding, dilation, groups):
    """``out[n, o, p] = bias[o] + sum_{c in group(o), k} weight[o, c, k] · xp[n, c, p·stride + k·dilation]``
    for x (N, C, *size) and weight (O, C/G, *kernel): im2col per block of samples, then
    one product ``W (O, C·K) @ cols (C·K, width)`` (batched over the G groups)."""
    N, C = x.shape[:2]
    O, kernel = weight.shape[0], weight.shape[2:]
    G = groups
    w = weight.reshape(G, O // G, -1)                            # (G, O/G, C/G·K)
    if _pointwise(kernel, stride, padding):
        xs = x.reshape(N, G, C // G, -1)                         # (N, G, C/G, P)
        out = np.matmul(w, xs).reshape((N, O, -1))               # (N, O, P)
        if bias is not None:
            out += bias[:, None]
        return out.reshape((N, O) + x.shape[2:])
    layout = _layout(x.shape, kernel, stride, padding, dilation, x.dtype)
    out = np.empty((N, O) + layout.out_shape, dtype=x.dtype)
    for block in layout.blocks():
        cols = layout.im2col(x, block).reshape(G, C // G * layout.K, -1)
        y = np.matmul(w, cols, out=_scratch("y", (G, O // G, cols.shape[-1]), x.dtype))
        y = y.reshape(O, -1)
        if bias is not None:
            y += bias[:, None]
        # the output positions among the columns, to (n, O, *out_shape)
        out[block] = layout.as_output(y, block.stop - block.start).swapaxes(0, 1)
    return out


def conv_input_grad(g, weight, x_shape, stride, padding, dilation, groups):
    """The gradient of the convolution w.r.t. its input -- the *transposed convolution* of
    ``g`` (N, O, *out) with ``weight``: per block ``dcols = Wᵀ (C·K, O) @ g (O, width)``, whose
    rows for kernel offset k are added back into that offset's tap (col2im)."""
    N, O = g.shape[:2]
    G = groups
    w = weight.reshape(G, O // G, -1)
    kernel = weight.shape[2:]
    if _pointwise(kernel, stride, padding):
        gs = g.reshape(N, G, O // G, -1)                          # (N, G, O/G, P)
        return np.matmul(w.swapaxes(-1, -2), gs).reshape(x_shape)
    layout = _layout(x_shape, kernel, stride, padding, dilation, g.dtype)
    if layout.out_shape != g.shape[2:]:
        raise ValueError(f"conv_transpose: an input of spatial size {g.shape[2:]} does not "
                         f"fit an output of size {tuple(x_shape[2:])} (expected input "
                         f"{layout.out_shape})")
    gx = np.empty(x_shape, dtype=g.dtype)
    w_t = np.ascontiguousarray(w.swapaxes(-1, -2))               # (G, C/G·K, O/G)
    for block in layout.blocks():
        gb = layout.output_gradient(g, block).reshape(G, O // G, -1)
        # (dcols reuses the cols scratch: hot in the cache and done with)
        dcols = np.matmul(w_t, gb, out=_scratch("cols", (G, w_t.shape[1], gb.shape[-1]),
                                                g.dtype))
        layout.col2im(dcols, gx, block)
    return gx


def conv_weight_grad(x, g, w_shape, stride, padding, dilation, groups):
    """The gradient of the convolution w.r.t. its weight: per block ``dWᵀ += cols @ gᵀ``,
    ``cols`` the im2col columns of x (rebuilt: rebuilding a cached block is no slower than
    reading back a saved matrix K times the size of the input)."""
    N, C = x.shape[:2]
    O, kernel = g.shape[1], w_shape[2:]
    G = groups
    if _pointwise(kernel, stride, padding):
        xs = x.reshape(N, G, C // G, -1)                         # (N, G, C/G, P)
        gs = g.reshape(N, G, O // G, -1)                         # (N, G, O/G, P)
        return np.matmul(gs, xs.swapaxes(-1, -2)).sum(axis=0).reshape(w_shape)
    layout = _layout(x.shape, kernel, stride, padding, dilation, x.dtype)
    # accumulated transposed: OpenBLAS ran cols @ gᵀ 10% faster than g @ colsᵀ
    gw_t = np.zeros((G, C // G * layout.K, O // G), dtype=g.dtype)  # (G, C/G·K, O/G)
    gw_block = np.empty_like(gw_t)
    for block in layout.blocks():
        gb = layout.output_gradient(g, block).reshape(G, O // G, -1)
        cols = layout.im2col(x, block).reshape(G, C // G * layout.K, -1)
        gw_t += np.matmul(cols, gb.swapaxes(-1, -2), out=gw_block)
    return np.ascontiguousarray(gw_t.swapaxes(-1, -2)).reshape(w_shape)


class ConvNd(Function):
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
        return conv_forward(x, weight, bias, stride, padding, dilation, groups)

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        needs = ctx.needs_input_grad
        gx = ConvTransposeNd.apply(grad, weight, x.shape[2:], **ctx.args) if needs[0] else None
        gw = ConvWeightNd.apply(x, grad, weight.shape, **ctx.args) if needs[1] else None
        gb = None
        if len(needs) > 2 and needs[2]:   # (summing over the batch first runs over long rows)
            gb = grad.reshape(grad.shape[0], grad.shape[1], -1).sum(dim=0).sum(dim=1)
        return gx, gw, gb


class ConvTransposeNd(Function):
    """Transposed convolution of ``g`` (N, O, *in) with ``weight`` (O, C/G, *kernel) into an
    output of spatial size ``size``: the adjoint of ``ConvNd`` in its input, so
    ``<conv_transpose(g, w), h> = <g, conv(h, w)>``. Hence its gradients: w.r.t. ``g`` a
    convolution of the upstream gradient h with w, w.r.t. ``w`` a ``ConvWeightNd(h, g)``.
    ``F.conv_transpose1d/2d/3d`` are this op (plus a bias)."""

    @staticmethod
    def forward(ctx, g, weight, size, stride=(1,), padding=((0, 0),), dilation=(1,), groups=1):
        ctx.save_for_backward(g, weight)
        ctx.args = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
        x_shape = (g.shape[0], weight.shape[1] * groups) + tuple(size)
        return conv_input_grad(g, weight, x_shape, stride, padding, dilation, groups)

    @staticmethod
    def backward(ctx, h):
        g, weight = ctx.saved_tensors
        needs = ctx.needs_input_grad
        gg = ConvNd.apply(h, weight, None, **ctx.args) if needs[0] else None
        gw = ConvWeightNd.apply(h, g, weight.shape, **ctx.args) if needs[1] else None
        return gg, gw


class ConvWeightNd(Function):
    """The convolution's weight gradient as a function of the input ``x`` and the output
    gradient ``g``: bilinear, with ``<conv_weight(x, g), H> = <g, conv(x, H)>``. Hence its
    gradients: w.r.t. ``x`` a transposed convolution of g with H, w.r.t. ``g`` a
    convolution of x with H."""

    @staticmethod
    def forward(ctx, x, g, w_shape, stride=(1,), padding=((0, 0),), dilation=(1,), groups=1):
        ctx.save_for_backward(x, g)
        ctx.args = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
        return conv_weight_grad(x, g, tuple(w_shape), stride, padding, dilation, groups)

    @staticmethod
    def backward(ctx, h):
        x, g = ctx.saved_tensors
        needs = ctx.needs_input_grad
        gx = ConvTransposeNd.apply(g, h, x.shape[2:], **ctx.args) if needs[0] else None
        gg = ConvNd.apply(x, h, None, **ctx.args) if needs[1] else None
        return gx, gg


# ---- pooling ---------------------------------------------------------------------------------
class MaxPoolNd(Function):
    """Max over each window, per channel. Padding counts as -inf (never the maximum).

    Forward is an elementwise ``np.maximum`` over the taps (one strided view per kernel
    offset). It also records, per output, which offset won: the *first* maximum in
    row-major window order, as PyTorch does (a later tap replaces the winner only when
    strictly greater). Backward sends each output's gradient to that one element only
    (``MaxPoolScatter``) -- with exact ties (common on MNIST's flat background) crediting
    every tied element would multiply the gradient. The winners are constants, so the
    scatter is linear and its own gradient is the matching gather (``MaxPoolGather``).

    A NaN in a window makes its output NaN (``np.maximum`` propagates it, as PyTorch);
    unlike PyTorch, the gradient of that window then goes to the first maximum found
    before the NaN rather than to the NaN itself.
    """

    @staticmethod
    def forward(ctx, x, kernel, stride, padding, dilation, ceil_mode=False):
        track = ctx.needs_input_grad[0]
        out, winner, padding, xp_shape = _max_pool(x, kernel, stride, padding, dilation,
                                                   ceil_mode, track)
        if track:
            ctx.winner = winner
            ctx.args = x.shape, xp_shape, kernel, stride, padding, dilation
        return out

    @staticmethod
    def backward(ctx, grad):
        return MaxPoolScatter.apply(grad, ctx.winner, ctx.args)


def _max_pool(x, kernel, stride, padding, dilation, ceil_mode, track):
    """The max over each window, and with ``track`` the winner of each window: the kernel
    offset (row-major) of its first maximum. Also returns the padding used (widened for
    ``ceil_mode``) and the padded input's shape."""
    out_shape = _pooled_shape(x.shape, kernel, stride, padding, dilation, ceil_mode)
    padding = _ceil_padding(x.shape, kernel, stride, padding, dilation, out_shape)
    xp = pad_spatial(x, padding, -np.inf)
    offsets = list(np.ndindex(*kernel))
    out = xp[_tap(offsets[0], stride, dilation, out_shape)].copy()
    winner = None
    if track:
        index_type = np.uint8 if len(offsets) <= 256 else np.uint32
        winner = np.zeros(out.shape, dtype=index_type)
    for i, offset in enumerate(offsets[1:], start=1):
        tap = xp[_tap(offset, stride, dilation, out_shape)]
        if track:
            # The first maximum is where the running maximum last rose strictly, i.e.
            # the largest i with tap_i > max(tap_0..tap_i-1). As i only grows, that is
            # a running np.maximum of i·(tap_i > out) -- arithmetic, because masked
            # writes (np.copyto(where=...), winner[mask] = i) are several times slower.
            np.maximum(winner, (tap > out).view(np.uint8) * index_type(i), out=winner)
        np.maximum(out, tap, out=out)
    return out, winner, padding, xp.shape


def max_pool_indices(x, kernel, stride, padding, dilation, ceil_mode=False):
    """PyTorch's ``return_indices``: for each output of ``MaxPoolNd`` with the same
    arguments, the flat index, within its own (n, c) map of the input, of the element that
    won the window (the one the gradient goes to). int64, of the output's shape."""
    _, winner, _, _ = _max_pool(x, kernel, stride, padding, dilation, ceil_mode, True)
    offsets = np.unravel_index(winner, kernel)
    flat = np.zeros(winner.shape, dtype=np.int64)
    nd = len(kernel)
    for axis in range(nd):
        along = np.arange(winner.shape[2 + axis]).reshape((-1,) + (1,) * (nd - 1 - axis))
        coord = along * stride[axis] + offsets[axis] * dilation[axis] - padding[axis][0]
        flat = flat * x.shape[2 + axis] + coord
    return flat


class MaxPoolScatter(Function):
    """Each output gradient written into the input element that won its window: zeros of
    the input's shape elsewhere."""

    @staticmethod
    def forward(ctx, grad, winner, args):
        x_shape, xp_shape, kernel, stride, padding, dilation = args
        ctx.winner, ctx.args = winner, args
        gxp = np.zeros(xp_shape, dtype=grad.dtype)
        disjoint = _windows_disjoint(kernel, stride, dilation)
        for i, offset in enumerate(np.ndindex(*kernel)):
            tap = gxp[_tap(offset, stride, dilation, grad.shape[2:])]
            if disjoint:        # no element is in two windows: write instead of add
                np.multiply(grad, winner == i, out=tap)
            else:
                tap += grad * (winner == i)
        return gxp[_interior(x_shape, padding)]

    @staticmethod
    def backward(ctx, h):
        return MaxPoolGather.apply(h, ctx.winner, ctx.args)


class MaxPoolGather(Function):
    """Per output position, the element of ``h`` (input-shaped) at the window's winner: the
    adjoint of ``MaxPoolScatter``, and so its gradient and its gradient's gradient."""

    @staticmethod
    def forward(ctx, h, winner, args):
        x_shape, xp_shape, kernel, stride, padding, dilation = args
        ctx.winner, ctx.args = winner, args
        hp = pad_spatial(h, padding)
        out = np.zeros(winner.shape, dtype=h.dtype)
        for i, offset in enumerate(np.ndindex(*kernel)):
            out += hp[_tap(offset, stride, dilation, winner.shape[2:])] * (winner == i)
        return out

    @staticmethod
    def backward(ctx, grad):
        return MaxPoolScatter.apply(grad, ctx.winner, ctx.args)


class AvgPoolNd(Function):
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
        padding = _ceil_padding(x.shape, kernel, stride, padding, dilation, out_shape)
        xp = pad_spatial(x, padding)
        offsets = list(np.ndindex(*kernel))
        total = xp[_tap(offsets[0], stride, dilation, out_shape)].copy()
        for offset in offsets[1:]:
            total += xp[_tap(offset, stride, dilation, out_shape)]
        ctx.divisor = divisor
        ctx.args = x.shape, xp.shape, kernel, stride, padding
        total /= divisor
        return total

    @staticmethod
    def backward(ctx, grad):
        return AvgPoolSpread.apply(grad, ctx.divisor, ctx.args, ctx.pool)


class AvgPoolSpread(Function):
    """``grad / divisor`` added into every element of each window: the gradient of average
    pooling. Its own gradient is average pooling with the same settings (``pool``)."""

    @staticmethod
    def forward(ctx, grad, divisor, args, pool):
        x_shape, xp_shape, kernel, stride, padding = args
        ctx.pool = pool
        share = grad / divisor
        gxp = np.zeros(xp_shape, dtype=grad.dtype)
        dilation = (1,) * len(kernel)
        disjoint = _windows_disjoint(kernel, stride, dilation)
        for offset in np.ndindex(*kernel):
            tap = gxp[_tap(offset, stride, dilation, grad.shape[2:])]
            if disjoint:
                tap[...] = share
            else:
                tap += share
        return gxp[_interior(x_shape, padding)]

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


class AdaptiveAvgPoolNd(Function):
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


class AdaptiveAvgPoolBackward(Function):
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
