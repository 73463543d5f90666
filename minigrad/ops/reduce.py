"""Reductions (sum, mean, var, max, min) and the softmax family.

``dim`` is None (all dims), an int or a tuple of ints; ``keepdim`` keeps reduced dims as
size 1. Backward broadcasts the gradient back over the reduced dims.
"""
from collections import namedtuple

import numpy as np

from ..autograd import Function


def _axes(dim, ndim):
    if dim is None:
        return tuple(range(ndim))
    dims = dim if isinstance(dim, (tuple, list)) else (dim,)
    out = []
    for d in dims:
        if not -max(ndim, 1) <= d < max(ndim, 1):
            raise IndexError(f"dimension {d} is out of range for a tensor with {ndim} dims")
        out.append(d % max(ndim, 1))
    return tuple(out) if ndim else ()


def _expand_back(grad, axes, keepdim, shape):
    """Broadcast a reduced gradient back to the input ``shape``."""
    if not keepdim:
        grad = np.expand_dims(grad, axes) if axes else grad
    return np.broadcast_to(grad, shape)


class Sum(Function):
    @staticmethod
    def forward(ctx, a, dim=None, keepdim=False):
        ctx.axes, ctx.keepdim, ctx.shape = _axes(dim, a.ndim), keepdim, a.shape
        return np.asarray(a.sum(axis=ctx.axes, keepdims=keepdim))

    @staticmethod
    def backward(ctx, grad):
        return _expand_back(grad, ctx.axes, ctx.keepdim, ctx.shape)


class Mean(Function):
    @staticmethod
    def forward(ctx, a, dim=None, keepdim=False):
        ctx.axes, ctx.keepdim, ctx.shape = _axes(dim, a.ndim), keepdim, a.shape
        ctx.count = int(np.prod([a.shape[i] for i in ctx.axes]))
        return np.asarray(a.mean(axis=ctx.axes, keepdims=keepdim))

    @staticmethod
    def backward(ctx, grad):
        return _expand_back(grad / ctx.count, ctx.axes, ctx.keepdim, ctx.shape)


class Var(Function):
    """Variance with ``correction`` (1 = unbiased, PyTorch's default; 0 = population)."""

    @staticmethod
    def forward(ctx, a, dim=None, keepdim=False, correction=1):
        axes = _axes(dim, a.ndim)
        count = int(np.prod([a.shape[i] for i in axes]))
        centred = a - a.mean(axis=axes, keepdims=True)
        ctx.save_for_backward(centred)
        ctx.axes, ctx.keepdim, ctx.denom = axes, keepdim, max(count - correction, 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.asarray((centred * centred).sum(axis=axes, keepdims=keepdim) / ctx.denom)

    @staticmethod
    def backward(ctx, grad):
        (centred,) = ctx.saved_tensors
        g = _expand_back(grad, ctx.axes, ctx.keepdim, centred.shape)
        return g * centred * (2 / ctx.denom)


class MaxMin(Function):
    """max or min over ``dim`` (an int or None). The gradient goes to exactly one element
    per reduced slice -- the first extreme one -- as PyTorch's ``max(dim)`` does, so ties
    do not multiply the gradient."""

    @staticmethod
    def forward(ctx, a, dim=None, keepdim=False, largest=True):
        arg = np.argmax if largest else np.argmin
        if a.size == 0:
            raise RuntimeError(f"{'max' if largest else 'min'}(): cannot reduce an empty tensor")
        if dim is None:
            flat = arg(a.reshape(-1))
            ctx.index, ctx.shape, ctx.dim = flat, a.shape, None
            return np.asarray(a.reshape(-1)[flat])
        (axis,) = _axes(dim, a.ndim)
        idx = np.expand_dims(arg(a, axis=axis), axis)
        ctx.index, ctx.shape, ctx.dim, ctx.keepdim = idx, a.shape, axis, keepdim
        out = np.take_along_axis(a, idx, axis=axis)
        return out if keepdim else np.squeeze(out, axis)

    @staticmethod
    def backward(ctx, grad):
        out = np.zeros(ctx.shape, dtype=grad.dtype)
        if ctx.dim is None:
            out.reshape(-1)[ctx.index] = grad
        else:
            g = grad if ctx.keepdim else np.expand_dims(grad, ctx.dim)
            np.put_along_axis(out, ctx.index, g, axis=ctx.dim)
        return out


MaxResult = namedtuple("MaxResult", ["values", "indices"])


def max_or_min(x, dim, keepdim, largest):
    """``x.max()`` gives a tensor; ``x.max(dim)`` gives ``(values, indices)`` like PyTorch."""
    from ..tensor import Tensor
    values = MaxMin.apply(x, dim=dim, keepdim=keepdim, largest=largest)
    if dim is None:
        return values
    axis = _axes(dim, x.ndim)[0]
    indices = (np.argmax if largest else np.argmin)(x.data, axis=axis)
    if keepdim:
        indices = np.expand_dims(indices, axis)
    return MaxResult(values, Tensor._from_op(indices, None))


class Softmax(Function):
    @staticmethod
    def forward(ctx, a, dim):
        (axis,) = _axes(dim, a.ndim)
        e = np.exp(a - a.max(axis=axis, keepdims=True))   # shift: exp never overflows
        out = e / e.sum(axis=axis, keepdims=True)
        ctx.save_for_backward(out)
        ctx.axis = axis
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        # J^T g = s * (g - <g, s>)
        return out * (grad - (grad * out).sum(axis=ctx.axis, keepdims=True))


class LogSoftmax(Function):
    @staticmethod
    def forward(ctx, a, dim):
        (axis,) = _axes(dim, a.ndim)
        shifted = a - a.max(axis=axis, keepdims=True)
        out = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
        ctx.save_for_backward(out)
        ctx.axis = axis
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad - np.exp(out) * grad.sum(axis=ctx.axis, keepdims=True)
