"""Loss functions fused into single ops, for numerical stability and speed."""
import numpy as np

from ..autograd.function import ArrayFunction, rebuilt


class CrossEntropy(ArrayFunction):
    """log_softmax followed by the negative log-likelihood of the target class, as one op.

    logits: (N, C) or (N, C, d1, ...); target: integer class indices (N,) or (N, d1, ...).
    The gradient w.r.t. the logits is (softmax - smoothed one-hot) / N for reduction='mean'.
    Targets equal to ``ignore_index`` contribute nothing (and are not counted in the mean;
    with no target left the mean is NaN, as in PyTorch, and the gradient 0).
    """

    @staticmethod
    def forward(ctx, logits, target, reduction="mean", label_smoothing=0.0, ignore_index=-100):
        C = logits.shape[1]
        # move classes last: (M, C)
        t = target.reshape(-1)
        z = np.moveaxis(logits, 1, -1).reshape(t.size, C)
        valid = t != ignore_index
        t_safe = np.where(valid, t, 0)
        if valid.any() and (t_safe.min() < 0 or t_safe.max() >= C):
            bad = t_safe[(t_safe < 0) | (t_safe >= C)][0]
            raise IndexError(f"cross_entropy: target {bad} is out of range for {C} classes")
        shifted = z - z.max(axis=1, keepdims=True)
        logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        nll = -logp[np.arange(len(t)), t_safe]
        if label_smoothing:
            nll = (1 - label_smoothing) * nll - label_smoothing * logp.mean(axis=1)
        nll = np.where(valid, nll, 0).astype(logits.dtype, copy=False)
        count = int(valid.sum())
        ctx.save_for_backward(logits)
        ctx.logp, ctx.target, ctx.valid = logp, t_safe, valid
        ctx.reduction, ctx.smoothing, ctx.count = reduction, label_smoothing, count
        if reduction == "mean":     # over no valid target: NaN, as PyTorch
            return np.asarray(nll.sum() / count if count else np.nan, dtype=logits.dtype)
        if reduction == "sum":
            return np.asarray(nll.sum(), dtype=logits.dtype)
        return nll.reshape(target.shape)

    @staticmethod
    def backward(ctx, grad):
        (logits,) = ctx.saved_tensors
        N, C = logits.shape[:2]
        rest = tuple(range(2, logits.ndim))

        def log_softmax():          # (M, C), classes last, from the logits Tensor
            z = logits.permute(0, *rest, 1) if rest else logits
            return z.reshape(-1, C).log_softmax(1)

        p = rebuilt(ctx.logp, log_softmax).exp()                # softmax, (M, C)
        t, valid, s = ctx.target, ctx.valid, ctx.smoothing
        # d loss_i / d z_i = p_i - q_i, q the smoothed one-hot target: a constant
        q = np.full(p.shape, s / C, dtype=p.dtype)
        q[np.arange(len(t)), t] += 1 - s
        g = masked(p - q, valid[:, None])
        if ctx.reduction == "mean":
            g = g * (grad / max(ctx.count, 1))
        elif ctx.reduction == "sum":
            g = g * grad
        else:
            g = g * grad.reshape(-1, 1)
        g = g.reshape((N,) + tuple(logits.shape[2:]) + (C,))
        if rest:
            g = g.permute(0, logits.ndim - 1, *range(1, logits.ndim - 1))
        return g, None


class BinaryCrossEntropy(ArrayFunction):
    """Elementwise ``-(t·log(x) + (1-t)·log(1-x))`` of probabilities ``x`` against targets
    ``t``, each log clamped to >= -100 as in PyTorch (so x = 0 or 1 gives a finite loss).

    The gradient w.r.t. x is ``(x - t) / max(x·(1-x), 1e-12)`` -- PyTorch's formula, finite
    where a sigmoid saturated to exactly 0 or 1 -- and w.r.t. t ``log(1-x) - log(x)``
    (clamped likewise); both are written with Tensor ops of the saved inputs, so they are
    differentiable again. Unreduced: ``F.binary_cross_entropy`` weights and reduces.
    """

    @staticmethod
    def forward(ctx, x, t):
        ctx.save_for_backward(x, t)
        floor, one = x.dtype.type(-100), t.dtype.type(1)   # (Python numbers: 0-d float64 on numpy 1.x)
        with np.errstate(divide="ignore"):
            log_x = np.maximum(np.log(x), floor)
            log_1mx = np.maximum(np.log1p(-x), floor)
        return -(t * log_x + (one - t) * log_1mx)

    @staticmethod
    def backward(ctx, grad):
        x, t = ctx.saved_tensors
        gx = gt = None
        if ctx.needs_input_grad[0]:
            gx = grad * (x - t) / (x * (1 - x)).clamp(min=1e-12)
        if ctx.needs_input_grad[1]:
            with np.errstate(divide="ignore"):
                gt = grad * ((1 - x).log().clamp(min=-100) - x.log().clamp(min=-100))
        return gx, gt


from .elementwise import masked  # noqa: E402
