"""Ops that move or select elements without arithmetic: reshape, permute, expand, indexing,
pad, cat, stack, where. Their backward puts each gradient element back where its forward
took it from, with an op of the same family (a scatter's gradient is the matching gather),
so every gradient here is differentiable again."""
import numpy as np

from ..autograd.function import ArrayFunction
from .elementwise import broadcasting, unbroadcast, masked


class Reshape(ArrayFunction):
    @staticmethod
    def forward(ctx, a, shape):
        ctx.in_shape = a.shape
        try:
            return a.reshape(shape)
        except ValueError:
            raise ValueError(f"reshape: shape {tuple(shape)} is invalid for a tensor of shape "
                             f"{a.shape} ({a.size} elements)") from None

    @staticmethod
    def backward(ctx, grad):
        return Reshape.apply(grad, ctx.in_shape)


class Permute(ArrayFunction):
    @staticmethod
    def forward(ctx, a, dims):
        ctx.dims = dims
        return a.transpose(dims)

    @staticmethod
    def backward(ctx, grad):
        return Permute.apply(grad, tuple(int(d) for d in np.argsort(ctx.dims)))


class Expand(ArrayFunction):
    """Broadcast to ``shape`` without copying; backward sums over the stretched dims."""

    @staticmethod
    def forward(ctx, a, shape):
        ctx.in_shape = a.shape
        try:
            return np.broadcast_to(a, shape)
        except ValueError:
            raise ValueError(f"expand: cannot expand a tensor of shape {a.shape} to {tuple(shape)}; "
                             "only dims of size 1 can grow") from None

    @staticmethod
    def backward(ctx, grad):
        return unbroadcast(grad, ctx.in_shape)


def _is_advanced(index):
    """True when numpy would use advanced (array) indexing, where an element may be picked
    more than once and the backward must add, not assign."""
    items = index if isinstance(index, tuple) else (index,)
    return any(isinstance(i, (list, np.ndarray)) and np.asarray(i).dtype != bool for i in items)


class Index(ArrayFunction):
    """``x[index]`` with numpy's rules: slices, ints, None, Ellipsis, integer arrays and
    boolean masks. With integer arrays an element can be picked several times; the
    backward then adds all their gradients (``np.add.at``)."""

    @staticmethod
    def forward(ctx, a, index):
        ctx.in_shape, ctx.dtype, ctx.index = a.shape, a.dtype, index
        try:
            out = a[index]
        except IndexError as e:
            raise IndexError(f"index {index!r} is invalid for a tensor of shape {a.shape}: {e}") from None
        except ValueError as e:        # x[::0]
            raise ValueError(f"index {index!r} is invalid for a tensor of shape {a.shape}: {e}") from None
        return np.asarray(out)

    @staticmethod
    def backward(ctx, grad):
        return IndexBackward.apply(grad, ctx.index, ctx.in_shape)


class IndexBackward(ArrayFunction):
    """Zeros of ``shape`` with ``g`` put (added, for repeated integer-array picks) at
    ``index``: the gradient of ``x[index]``. Its own gradient is ``grad[index]``."""

    @staticmethod
    def forward(ctx, g, index, shape):
        ctx.index = index
        out = np.zeros(shape, dtype=g.dtype)
        if _is_advanced(index):
            np.add.at(out, index, g)
        else:
            out[index] = g
        return out

    @staticmethod
    def backward(ctx, grad):
        return Index.apply(grad, ctx.index)


class IndexPut(ArrayFunction):
    """``a`` with ``a[index]`` replaced by ``value`` (broadcast), out of place: what
    ``t[index] = value`` records. The gradient goes to ``value`` from the positions it
    was written to, and to ``a`` from all the others."""

    @staticmethod
    def forward(ctx, a, value, index):
        ctx.value_shape = np.shape(value)
        out = np.array(a, copy=True)
        value = np.asarray(value)
        target_ndim = np.ndim(out[index])
        while value.ndim > target_ndim and value.shape[0] == 1:   # as PyTorch: leading 1s go
            value = value[0]
        try:
            out[index] = value
        except (IndexError, ValueError) as e:
            raise type(e)(f"index assignment: cannot write a value of shape {np.shape(value)} "
                          f"at {index!r} of a tensor of shape {a.shape}: {e}") from None
        ctx.index = index
        return out

    @staticmethod
    def backward(ctx, grad):
        ga = IndexPut.apply(grad, np.zeros((), dtype=grad.dtype), index=ctx.index) \
            if ctx.needs_input_grad[0] else None
        gv = None
        if ctx.needs_input_grad[1]:
            gv = Index.apply(grad, ctx.index)
            extra = len(ctx.value_shape) - gv.ndim
            if extra > 0:                         # the leading 1s forward dropped
                gv = gv.reshape((1,) * extra + gv.shape)
            gv = unbroadcast(gv, ctx.value_shape)
        return ga, gv


class Pad(ArrayFunction):
    """Constant padding with PyTorch's ``F.pad`` convention: ``pad`` lists (before, after)
    pairs starting from the *last* dim; a negative entry crops that many elements. The
    result keeps the part of the input that survives the crops, surrounded by ``value``.
    So padding by ``-pad`` undoes it, and that is the gradient (zeros where it cropped)."""

    @staticmethod
    def forward(ctx, a, pad, value=0.0):
        if len(pad) % 2:
            raise ValueError(f"pad: the padding length must be divisible by 2, got {tuple(pad)}")
        if len(pad) // 2 > a.ndim:
            raise ValueError(f"pad: the padding length must be at most twice the number of dims "
                             f"({a.ndim}), got {len(pad)} values {tuple(pad)}")
        widths = [(0, 0)] * a.ndim
        for i in range(len(pad) // 2):
            widths[a.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
        for dim, ((lo, hi), n) in enumerate(zip(widths, a.shape)):
            if max(-lo, 0) + max(-hi, 0) > n:
                raise ValueError(f"pad: padding ({lo}, {hi}) crops more than the {n} elements "
                                 f"of dim {dim} of a tensor of shape {a.shape}")
        ctx.pad = tuple(pad)
        if a.ndim and all(lo >= 0 and hi >= 0 for lo, hi in widths):
            return np.pad(a, widths, mode="constant", constant_values=value)
        out = np.full(tuple(n + lo + hi for (lo, hi), n in zip(widths, a.shape)), value,
                      dtype=a.dtype)
        src = tuple(slice(max(-lo, 0), n - max(-hi, 0)) for (lo, hi), n in zip(widths, a.shape))
        dst = tuple(slice(max(lo, 0), max(lo, 0) + s.stop - s.start) for (lo, _), s in
                    zip(widths, src))
        out[dst] = a[src]
        return out

    @staticmethod
    def backward(ctx, grad):
        return Pad.apply(grad, tuple(-p for p in ctx.pad), 0)


class Cat(ArrayFunction):
    @staticmethod
    def forward(ctx, *arrays, dim=0):
        ndim = np.ndim(arrays[0])
        if not -ndim <= dim < ndim:
            raise IndexError(f"cat: dim {dim} is out of range for tensors with {ndim} dims")
        try:
            out = np.concatenate(arrays, axis=dim)
        except ValueError:
            shapes = ", ".join(str(a.shape) for a in arrays)
            raise ValueError(f"cat: tensors must have the same shape except in dim {dim}, "
                             f"got {shapes}") from None
        ctx.dim = dim
        ctx.sizes = [a.shape[dim] for a in arrays]
        return out

    @staticmethod
    def backward(ctx, grad):
        ends = np.cumsum(ctx.sizes)
        before = (slice(None),) * (ctx.dim % grad.ndim)
        return tuple(Index.apply(grad, before + (slice(int(e - n), int(e)),))
                     for e, n in zip(ends, ctx.sizes))


class Stack(ArrayFunction):
    @staticmethod
    def forward(ctx, *arrays, dim=0):
        ndim = np.ndim(arrays[0]) + 1
        if not -ndim <= dim < ndim:
            raise IndexError(f"stack: dim {dim} is out of range for a result with {ndim} dims")
        ctx.dim = dim
        try:
            return np.stack(arrays, axis=dim)
        except ValueError:
            shapes = ", ".join(str(a.shape) for a in arrays)
            raise ValueError(f"stack: all tensors must have the same shape, got {shapes}") from None

    @staticmethod
    def backward(ctx, grad):
        before = (slice(None),) * (ctx.dim % grad.ndim)
        return tuple(Index.apply(grad, before + (i,)) for i in range(grad.shape[ctx.dim]))


class Where(ArrayFunction):
    """``where(cond, a, b)``: a where cond is true, else b; the gradient follows the choice."""

    @staticmethod
    def forward(ctx, cond, a, b):
        cond = np.asarray(cond, dtype=bool)
        ctx.cond = cond
        ctx.shapes = np.shape(a), np.shape(b)
        return broadcasting("where", np.where, cond, a, b)

    @staticmethod
    def backward(ctx, grad):
        cond = ctx.cond
        ga = unbroadcast(masked(grad, cond), ctx.shapes[0]) if ctx.needs_input_grad[1] else None
        gb = unbroadcast(masked(grad, ~cond), ctx.shapes[1]) if ctx.needs_input_grad[2] else None
        return None, ga, gb
