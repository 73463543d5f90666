"""Reductions (sum, mean, var, max, min) and the softmax family.

``dim`` is None (all dims), an int or a tuple of ints; ``keepdim`` keeps reduced dims as
size 1. Backward broadcasts the gradient back over the reduced dims.
"""
from collections import namedtuple

import numpy as np

from ..autograd import Function
from ..tensor import _norm_dim


def _axes(dim, ndim):
    if dim is None:
        return tuple(range(ndim))
    dims = dim if isinstance(dim, (tuple, list)) else (dim,)
    axes = tuple(_norm_dim(d, ndim) for d in dims)   # checks the range, as Tensor methods do
    return axes if ndim else ()


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
        # with no degrees of freedom left the variance is nan (as in PyTorch), so is its gradient
        scale = 2 / ctx.denom if ctx.denom else float("nan")
        return g * centred * scale


class Std(Function):
    """sqrt(var) as one op so that where the std is 0 (a constant slice), whose derivative does
    not exist, the gradient is 0 as in PyTorch rather than the 0/0 = nan of ``var().sqrt()``."""

    @staticmethod
    def forward(ctx, a, dim=None, keepdim=False, correction=1):
        out = np.sqrt(Var.forward(ctx, a, dim, keepdim, correction))
        (centred,) = ctx.saved_tensors
        ctx.save_for_backward(centred, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        centred, out = ctx.saved_tensors
        # d std / dx = (x - mean) / (denom * std)
        with np.errstate(divide="ignore", invalid="ignore"):
            g = np.where(out == 0, 0, grad / (out * ctx.denom))
        return _expand_back(g, ctx.axes, ctx.keepdim, centred.shape) * centred


class MaxMin(Function):
    """max or min over ``dim`` (an int or None). With ``dim`` the gradient goes to exactly
    one element per reduced slice -- the first extreme one -- as PyTorch's ``max(dim)`` does,
    so ties do not multiply the gradient. Over all elements (``dim=None``) PyTorch splits the
    gradient evenly between tied extremes, and so does minigrad."""

    @staticmethod
    def forward(ctx, a, dim=None, keepdim=False, largest=True):
        arg = np.argmax if largest else np.argmin
        if a.size == 0:
            raise RuntimeError(f"{'max' if largest else 'min'}(): cannot reduce an empty tensor")
        if dim is None:
            value = a.reshape(-1)[arg(a.reshape(-1))]   # the first nan, if any, as np.max
            ctx.ties = np.isnan(a) if np.isnan(value) else a == value
            ctx.dim = None
            return np.asarray(value)
        if isinstance(dim, (tuple, list)):
            raise TypeError(f"{'max' if largest else 'min'}(): dim must be an int or None, got "
                            f"{dim!r} (PyTorch's max/min reduce one dim; reduce twice for more)")
        (axis,) = _axes(dim, a.ndim)
        idx = np.expand_dims(arg(a, axis=axis), axis)
        ctx.index, ctx.shape, ctx.dim, ctx.keepdim = idx, a.shape, axis, keepdim
        out = np.take_along_axis(a, idx, axis=axis)
        return out if keepdim else np.squeeze(out, axis)

    @staticmethod
    def backward(ctx, grad):
        if ctx.dim is None:
            return np.where(ctx.ties, grad / ctx.ties.sum(), 0).astype(grad.dtype, copy=False)
        out = np.zeros(ctx.shape, dtype=grad.dtype)
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
