"""Reductions (sum, mean, var, max, min) and the softmax family.

``dim`` is None (all dims), an int or a tuple of ints; ``keepdim`` keeps reduced dims as
size 1. Backward broadcasts the gradient back over the reduced dims.
"""
from collections import namedtuple

import numpy as np

from .._compat import nep50
from ..autograd.function import ArrayFunction, rebuilt
from ..tensor import _norm_dims


def _axes(dim, ndim):
    if dim is None:
        return tuple(range(ndim))
    if type(dim) is int and -ndim <= dim < ndim:    # the common case, checked cheaply
        return (dim % ndim,)
    axes = _norm_dims(dim, ndim)      # checks type, range and repeats, as Tensor methods do
    return axes if ndim else ()


def _expand_back(grad, axes, keepdim, shape):
    """Broadcast a reduced gradient (a Tensor) back to the input ``shape``."""
    if not keepdim and axes:
        grad = grad.reshape(np.expand_dims(np.empty(grad.shape, dtype=bool), axes).shape)
    return grad.expand(shape)


class Sum(ArrayFunction):
    @staticmethod
    def forward(ctx, a, dim=None, keepdim=False):
        ctx.axes, ctx.keepdim, ctx.shape = _axes(dim, a.ndim), keepdim, a.shape
        return np.asarray(np.add.reduce(a, axis=ctx.axes, keepdims=keepdim))

    @staticmethod
    def backward(ctx, grad):
        return _expand_back(grad, ctx.axes, ctx.keepdim, ctx.shape)


class Mean(ArrayFunction):
    @staticmethod
    def forward(ctx, a, dim=None, keepdim=False):
        ctx.axes, ctx.keepdim, ctx.shape = _axes(dim, a.ndim), keepdim, a.shape
        ctx.count = int(np.prod([a.shape[i] for i in ctx.axes]))
        return np.asarray(a.mean(axis=ctx.axes, keepdims=keepdim))

    @staticmethod
    def backward(ctx, grad):
        return _expand_back(grad / ctx.count, ctx.axes, ctx.keepdim, ctx.shape)


class Var(ArrayFunction):
    """Variance with ``correction`` (1 = unbiased, PyTorch's default; 0 = population)."""

    @staticmethod
    def forward(ctx, a, dim=None, keepdim=False, correction=1):
        axes = _axes(dim, a.ndim)
        count = int(np.prod([a.shape[i] for i in axes]))
        centred = a - a.mean(axis=axes, keepdims=True)
        ctx.save_for_backward(a)
        ctx.centred = centred
        ctx.axes, ctx.keepdim, ctx.denom = axes, keepdim, max(count - correction, 0)
        squares = (centred * centred).sum(axis=axes, keepdims=keepdim)   # a numpy scalar if 0-d
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.asarray(np.true_divide(*nep50(squares, ctx.denom)))

    @staticmethod
    def _centred(ctx):
        """x - mean(x), as a Tensor (rebuilt from the input when the backward is recorded)."""
        a = ctx.saved_tensors[0]
        return rebuilt(ctx.centred, lambda: a - a.mean(dim=ctx.axes, keepdim=True))

    @staticmethod
    def backward(ctx, grad):
        g = _expand_back(grad, ctx.axes, ctx.keepdim, ctx.centred.shape)
        # with no degrees of freedom left the variance is nan (as in PyTorch), so is its gradient
        scale = 2 / ctx.denom if ctx.denom else float("nan")
        return g * Var._centred(ctx) * scale


class Std(ArrayFunction):
    """sqrt(var) as one op so that where the std is 0 (a constant slice), whose derivative does
    not exist, the gradient is 0 as in PyTorch rather than the 0/0 = nan of ``var().sqrt()``."""

    @staticmethod
    def forward(ctx, a, dim=None, keepdim=False, correction=1):
        out = np.sqrt(Var.forward(ctx, a, dim, keepdim, correction))
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        _, out = ctx.saved_tensors
        # d std / dx = (x - mean) / (denom * std)
        with np.errstate(divide="ignore", invalid="ignore"):
            g = Where.apply(out._array == 0, 0.0, grad / (out * ctx.denom))
        return _expand_back(g, ctx.axes, ctx.keepdim, ctx.centred.shape) * Var._centred(ctx)


class MaxMin(ArrayFunction):
    """max or min over all elements. PyTorch splits the gradient evenly between tied
    extremes, and so does minigrad. (Over one dim, ``max_or_min`` below picks with
    ``TakeAlong``, whose gradient goes to exactly one element per slice.)"""

    @staticmethod
    def forward(ctx, a, largest=True):
        arg = np.argmax if largest else np.argmin
        value = a.reshape(-1)[arg(a.reshape(-1))]       # the first nan, if any, as np.max
        ties = np.isnan(a) if np.isnan(value) else a == value
        ctx.share = (ties / ties.sum()).astype(a.dtype)   # each tied extreme's share
        return np.asarray(value)

    @staticmethod
    def backward(ctx, grad):
        return masked(grad, ctx.share)


class Cumsum(ArrayFunction):
    """Running sum along ``dim``; the gradient is the running sum of the gradient taken
    from the other end."""

    @staticmethod
    def forward(ctx, a, dim):
        ctx.dim = dim
        return np.cumsum(a, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        return grad.flip(ctx.dim).cumsum(ctx.dim).flip(ctx.dim)


class TakeAlong(ArrayFunction):
    """``np.take_along_axis(a, index, axis)``: pick one element per slice; the gradient goes
    back to the picked elements (``PutAlong``)."""

    @staticmethod
    def forward(ctx, a, index, axis):
        ctx.index, ctx.axis, ctx.shape = index, axis, a.shape
        return np.take_along_axis(a, index, axis=axis)

    @staticmethod
    def backward(ctx, grad):
        return PutAlong.apply(grad, ctx.index, ctx.axis, ctx.shape)


class PutAlong(ArrayFunction):
    """Zeros of ``shape`` with ``g`` written at ``index`` along ``axis`` (one index per
    slice, as argmax gives); its gradient picks those elements again (``TakeAlong``)."""

    @staticmethod
    def forward(ctx, g, index, axis, shape):
        ctx.index, ctx.axis = index, axis
        out = np.zeros(shape, dtype=g.dtype)
        np.put_along_axis(out, index, g, axis=axis)
        return out

    @staticmethod
    def backward(ctx, grad):
        return TakeAlong.apply(grad, ctx.index, ctx.axis)


MaxResult = namedtuple("MaxResult", ["values", "indices"])
SortResult = namedtuple("SortResult", ["values", "indices"])
TopkResult = namedtuple("TopkResult", ["values", "indices"])


class Norm(ArrayFunction):
    """The 2-norm over ``dim``: sqrt(sum x²), as one op so that at a zero vector, where the
    derivative does not exist, the gradient is 0 as in PyTorch (not the 0/0 of a sqrt)."""

    @staticmethod
    def forward(ctx, a, dim=None, keepdim=False):
        ctx.axes, ctx.keepdim, ctx.shape = _axes(dim, a.ndim), keepdim, a.shape
        out = np.sqrt(np.asarray((a * a).sum(axis=ctx.axes, keepdims=keepdim)))
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            g = Where.apply(out.numpy() == 0, 0.0, grad / out)    # d|x|/dx = x / |x|
        return _expand_back(g, ctx.axes, ctx.keepdim, ctx.shape) * a


def max_or_min(x, dim, keepdim, largest):
    """``x.max()`` gives a tensor; ``x.max(dim)`` gives ``(values, indices)`` like PyTorch.
    With ``dim`` the gradient goes to exactly one element per reduced slice -- the first
    extreme one, the index returned -- as PyTorch's ``max(dim)`` does, so ties do not
    multiply the gradient. The index is computed once and picks the values (``TakeAlong``)."""
    from ..tensor import Tensor
    name = "max" if largest else "min"
    if x._array.size == 0:
        raise RuntimeError(f"{name}(): cannot reduce an empty tensor")
    if dim is None:
        return MaxMin.apply(x, largest=largest)
    if isinstance(dim, (tuple, list)):
        raise TypeError(f"{name}(): dim must be an int or None, got {dim!r} (PyTorch's max/min "
                        "reduce one dim; reduce twice for more)")
    (axis,) = _axes(dim, x.ndim)
    index = np.expand_dims((np.argmax if largest else np.argmin)(x._array, axis=axis), axis)
    values = TakeAlong.apply(x, index, axis)
    if not keepdim:
        values, index = values.squeeze(axis), np.squeeze(index, axis)
    return MaxResult(values, Tensor.wrap(index, None))


def _softmax_axis(dim, ndim):
    """The axis of a softmax; None for a 0-d input (PyTorch allows dim 0 or -1 there: the
    softmax of one element is 1)."""
    axes = _axes(dim, ndim)
    return axes[0] if axes else None


class Softmax(ArrayFunction):
    @staticmethod
    def forward(ctx, a, dim):
        axis = _softmax_axis(dim, a.ndim)
        e = np.exp(a - a.max(axis=axis, keepdims=True))   # shift: exp never overflows
        out = e / e.sum(axis=axis, keepdims=True)
        ctx.save_for_backward(out)
        ctx.axis = axis
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        # J^T g = s * (g - <g, s>)
        return out * (grad - (grad * out).sum(dim=ctx.axis, keepdim=True))


class LogSoftmax(ArrayFunction):
    @staticmethod
    def forward(ctx, a, dim):
        axis = _softmax_axis(dim, a.ndim)
        shifted = a - a.max(axis=axis, keepdims=True)
        out = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
        ctx.save_for_backward(out)
        ctx.axis = axis
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad - out.exp() * grad.sum(dim=ctx.axis, keepdim=True)


from .elementwise import masked  # noqa: E402
from .movement import Where  # noqa: E402
