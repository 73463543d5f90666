"""Batch normalisation as one fused op, with its closed-form gradient.

For input x of shape (N, C, *spatial), every channel c is normalised over the
M = N * prod(spatial) values it has in the batch:

    x̂ = (x - μ) / sqrt(σ² + eps),    y = weight · x̂ + bias          (per channel)

In training mode μ and σ² are that batch's mean and (biased) variance, so they depend on x
and the gradient has to flow through them too. Writing g = dL/dy and sums over the M values
of a channel, the chain rule collapses to

    dL/dbias   = Σ g
    dL/dweight = Σ g · x̂
    dL/dx      = weight / sqrt(σ² + eps) · (g − Σg / M − x̂ · Σ(g · x̂) / M)

the two subtracted terms being the parts of g that moving μ and σ² absorb. In eval mode μ
and σ² are fixed running estimates, those terms vanish, and dL/dx = weight · g / sqrt(σ² + eps).
"""
import numpy as np

from ..autograd.function import ArrayFunction, rebuilt


class BatchNorm(ArrayFunction):
    """``BatchNorm.apply(x, weight, bias, running_mean=..., running_var=..., training=...,
    momentum=0.1, eps=1e-5)``; ``weight``/``bias`` (C,) may be None (no affine transform).

    ``running_mean``/``running_var`` are numpy arrays (C,) or None. In training mode they
    are updated in place, as PyTorch's kernel does:
    ``running = (1 - momentum) · running + momentum · batch_statistic``, where the variance
    fed in is the unbiased batch variance (·M/(M−1)), although normalisation itself uses the
    biased one. In eval mode they are what normalises.
    """

    @staticmethod
    def forward(ctx, x, weight, bias, running_mean=None, running_var=None, training=True,
                momentum=0.1, eps=1e-5):
        axes = (0,) + tuple(range(2, x.ndim))            # every dim but the channel
        shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)    # a (C,) vector broadcast over x
        if training:
            m = x.size // x.shape[1]
            mean = x.mean(axis=axes)
            xc = x - mean.reshape(shape)
            var = np.mean(xc * xc, axis=axes)             # biased: what normalises
            if running_mean is not None:
                running_mean *= 1 - momentum
                running_mean += momentum * mean
            if running_var is not None:
                running_var *= 1 - momentum
                running_var += momentum * var * (m / (m - 1))
        else:
            xc = x - running_mean.reshape(shape).astype(x.dtype, copy=False)
            var = running_var.astype(x.dtype, copy=False)
        invstd = (1 / np.sqrt(var + eps)).astype(x.dtype, copy=False)
        xc *= invstd.reshape(shape)                       # in place: xc is our own temporary
        xhat = xc
        out = xhat * weight.reshape(shape) if weight is not None else xhat.copy()
        if bias is not None:
            out += bias.reshape(shape).astype(out.dtype, copy=False)
        ctx.save_for_backward(x, weight)
        ctx.xhat, ctx.invstd = xhat, invstd
        ctx.axes, ctx.shape, ctx.training, ctx.eps = axes, shape, training, eps
        if not training:
            ctx.running_mean = running_mean.astype(x.dtype, copy=False)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        axes, shape = ctx.axes, ctx.shape

        def normalise():            # x-hat and 1/sigma from x, with differentiable ops
            if ctx.training:
                xc = x - x.mean(dim=axes, keepdim=True)
                invstd = ((xc * xc).mean(dim=axes, keepdim=True) + ctx.eps) ** -0.5
                return xc * invstd, invstd.reshape(-1)
            invstd = Tensor.wrap(ctx.invstd, None)
            return (x - ctx.running_mean.reshape(shape)) * invstd.reshape(shape), invstd

        xhat, invstd = rebuilt((ctx.xhat, ctx.invstd), normalise)
        needs = ctx.needs_input_grad
        gb = grad.sum(dim=axes)                           # Σ g
        gw = (grad * xhat).sum(dim=axes)                  # Σ g·x̂
        gx = None
        if needs[0]:
            scale = (invstd if weight is None else weight * invstd).reshape(shape)
            if ctx.training:
                m = grad.numel() // grad.shape[1]
                gx = (grad - (gb / m).reshape(shape) - xhat * (gw / m).reshape(shape)) * scale
            else:
                gx = grad * scale
        return gx, (gw if needs[1] else None), (gb if needs[2] else None)


from ..tensor import Tensor  # noqa: E402
