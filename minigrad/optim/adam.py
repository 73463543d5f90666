"""Adam and AdamW, with PyTorch's exact bias correction and (decoupled) weight decay."""
import math

import numpy as np

from .optimizer import Optimizer


class Adam(Optimizer):
    r"""``Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False)``.

    For each parameter ``p`` with gradient ``g``, at step ``t = 1, 2, ...`` (as
    ``torch.optim.Adam``)::

        g = g + weight_decay * p                        # L2 penalty (Adam), if weight_decay
        m = beta1 * m + (1 - beta1) * g                 # first moment, starts at 0
        v = beta2 * v + (1 - beta2) * g * g             # second moment, starts at 0
        v_max = max(v_max, v)                           # only with amsgrad, then v := v_max
        p = p - lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)

    The bias corrections undo the pull of the zero initial ``m`` and ``v`` towards 0 in the
    first steps. Note ``eps`` is added *after* correcting ``sqrt(v)``, as PyTorch does.
    ``maximize``, ``foreach``, ``capturable`` and ``fused`` are not supported.
    """

    decoupled_weight_decay = False

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False):
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        amsgrad=amsgrad)
        super().__init__(params, defaults)

    def _check_hyperparameters(self, group):
        super()._check_hyperparameters(group)
        self._check_range("epsilon value", group["eps"])
        betas = group["betas"]
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"{type(self).__name__}: betas must be a pair (beta1, beta2), got "
                            f"{betas!r}")
        for i, beta in enumerate(betas):
            self._check_range(f"beta parameter at index {i}", beta, high=1.0)
        group["betas"] = tuple(betas)
        self._check_flag("amsgrad", group["amsgrad"])

    def _update(self, p, grad, group, state):
        lr, eps, weight_decay = float(group["lr"]), float(group["eps"]), float(group["weight_decay"])
        beta1, beta2 = (float(b) for b in group["betas"])

        if not state:
            state["step"] = 0
            state["exp_avg"] = np.zeros_like(p._array)
            state["exp_avg_sq"] = np.zeros_like(p._array)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = np.zeros_like(p._array)
        state["step"] += 1
        t = state["step"]

        if weight_decay != 0:
            if self.decoupled_weight_decay:
                p._array *= 1 - lr * weight_decay           # AdamW: shrink the weights directly
            else:
                grad = grad + weight_decay * p._array        # Adam: an L2 term in the gradient

        m, v = state["exp_avg"], state["exp_avg_sq"]
        m *= beta1
        m += (1 - beta1) * grad
        v *= beta2
        v += (1 - beta2) * np.square(grad)
        if group["amsgrad"]:
            v = np.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])

        step_size = lr / (1 - beta1 ** t)
        denom = np.sqrt(v)
        denom /= math.sqrt(1 - beta2 ** t)
        denom += eps
        update = np.divide(m, denom, out=denom)     # reuse denom's memory for m / denom
        update *= step_size
        p._array -= update


class AdamW(Adam):
    r"""``AdamW(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False)``.

    Adam with *decoupled* weight decay (Loshchilov & Hutter): before the Adam step the weights
    shrink by ``p = p * (1 - lr * weight_decay)`` and the gradient gets no L2 term, so the decay
    is not rescaled by Adam's per-coordinate step sizes. Otherwise identical to ``Adam``.
    """

    decoupled_weight_decay = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         amsgrad=amsgrad)
