"""RMSprop, with PyTorch's placement of eps, momentum and centering."""
import numpy as np

from .optimizer import Optimizer


class RMSprop(Optimizer):
    r"""``RMSprop(params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
    centered=False)``.

    For each parameter ``p`` with gradient ``g`` (as ``torch.optim.RMSprop``)::

        g = g + weight_decay * p                    # L2 penalty, if weight_decay
        v = alpha * v + (1 - alpha) * g * g         # square_avg, starts at 0
        m = alpha * m + (1 - alpha) * g             # grad_avg, only if centered
        d = sqrt(v - m * m) + eps   if centered   else   sqrt(v) + eps
        buf = momentum * buf + g / d                # momentum_buffer, only if momentum > 0
        p = p - lr * buf            if momentum   else   p - lr * g / d

    No bias correction (unlike Adam): the first steps are large, ``g / (sqrt(1 - alpha)
    |g|)``. ``eps`` is added outside the square root. ``maximize``, ``foreach``,
    ``capturable`` and ``differentiable`` are not supported.
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False):
        defaults = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                        momentum=momentum, centered=centered)
        super().__init__(params, defaults)

    def _check_hyperparameters(self, group):
        super()._check_hyperparameters(group)
        self._check_range("epsilon value", group["eps"])
        self._check_range("momentum value", group["momentum"])
        self._check_range("alpha value", group["alpha"])
        self._check_flag("centered", group["centered"])

    def _update(self, p, grad, group, state):
        lr, alpha, eps = float(group["lr"]), float(group["alpha"]), float(group["eps"])
        weight_decay, momentum = float(group["weight_decay"]), float(group["momentum"])
        if not state:
            state["step"] = 0
            state["square_avg"] = np.zeros_like(p._array)
            if momentum > 0:
                state["momentum_buffer"] = np.zeros_like(p._array)
            if group["centered"]:
                state["grad_avg"] = np.zeros_like(p._array)
        state["step"] += 1

        if weight_decay != 0:
            grad = grad + weight_decay * p._array

        square_avg = state["square_avg"]
        square_avg *= alpha
        square_avg += (1 - alpha) * np.square(grad)
        if group["centered"]:
            grad_avg = state.setdefault("grad_avg", np.zeros_like(p._array))
            grad_avg *= alpha
            grad_avg += (1 - alpha) * grad
            avg = np.sqrt(square_avg - np.square(grad_avg))
        else:
            avg = np.sqrt(square_avg)
        avg += eps

        if momentum > 0:
            buf = state.setdefault("momentum_buffer", np.zeros_like(p._array))
            buf *= momentum
            buf += grad / avg
            p._array -= lr * buf
        else:
            p._array -= lr * (grad / avg)
