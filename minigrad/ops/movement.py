"""Ops that move or select elements without arithmetic: reshape, permute, expand, indexing,
pad, cat, stack, where. Their backward puts each gradient element back where its forward
took it from."""
import numpy as np

from ..autograd import Function
from .elementwise import broadcasting, unbroadcast


class Reshape(Function):
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
        return grad.reshape(ctx.in_shape)


class Permute(Function):
    @staticmethod
    def forward(ctx, a, dims):
        ctx.dims = dims
        return a.transpose(dims)

    @staticmethod
    def backward(ctx, grad):
        return grad.transpose(np.argsort(ctx.dims))


class Expand(Function):
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


class Index(Function):
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
        return np.asarray(out)

    @staticmethod
    def backward(ctx, grad):
        out = np.zeros(ctx.in_shape, dtype=grad.dtype)
        if _is_advanced(ctx.index):
            np.add.at(out, ctx.index, grad)
        else:
            out[ctx.index] = grad
        return out


class Pad(Function):
    """Constant padding with PyTorch's ``F.pad`` convention: ``pad`` lists (before, after)
    pairs starting from the *last* dim. Negative padding (cropping) is not supported."""

    @staticmethod
    def forward(ctx, a, pad, value=0.0):
        if len(pad) % 2 or len(pad) // 2 > a.ndim:
            raise ValueError(f"pad: expected an even number of values, at most 2 per dim of a "
                             f"{a.ndim}-d tensor, got {tuple(pad)}")
        if any(p < 0 for p in pad):
            raise ValueError(f"pad: negative padding {tuple(pad)} is not supported")
        widths = [(0, 0)] * a.ndim
        for i in range(len(pad) // 2):
            widths[a.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
        ctx.slices = tuple(slice(lo, lo + n) for (lo, _), n in zip(widths, a.shape))
        return np.pad(a, widths, mode="constant", constant_values=value)

    @staticmethod
    def backward(ctx, grad):
        return grad[ctx.slices]


class Cat(Function):
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
        return tuple(np.split(grad, np.cumsum(ctx.sizes)[:-1], axis=ctx.dim))


class Stack(Function):
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
        n = grad.shape[ctx.dim]
        return tuple(np.take(grad, i, axis=ctx.dim) for i in range(n))


class Where(Function):
    """``where(cond, a, b)``: a where cond is true, else b; the gradient follows the choice."""

    @staticmethod
    def forward(ctx, cond, a, b):
        cond = np.asarray(cond, dtype=bool)
        ctx.save_for_backward(cond)
        ctx.shapes = np.shape(a), np.shape(b)
        return broadcasting("where", np.where, cond, a, b)

    @staticmethod
    def backward(ctx, grad):
        (cond,) = ctx.saved_tensors
        ga = unbroadcast(grad * cond, ctx.shapes[0]) if ctx.needs_input_grad[1] else None
        gb = unbroadcast(grad * ~cond, ctx.shapes[1]) if ctx.needs_input_grad[2] else None
        return None, ga, gb
