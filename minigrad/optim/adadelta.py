"""Adadelta, with PyTorch's exact update."""
import numpy as np

from .optimizer import Optimizer


class Adadelta(Optimizer):
    r"""``Adadelta(params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0)``.

    For each parameter ``p`` with gradient ``g`` (as ``torch.optim.Adadelta``; Zeiler, 2012)::

        g = g + weight_decay * p                               # L2 penalty, if weight_decay
        v = rho * v + (1 - rho) * g * g                        # square_avg, starts at 0
        delta = sqrt(u + eps) / sqrt(v + eps) * g
        u = rho * u + (1 - rho) * delta * delta                # acc_delta, starts at 0
        p = p - lr * delta

    The step is a ratio of two running RMS values, so it has the units of ``p``; ``lr``
    (1.0 by default, as PyTorch) only scales it. ``maximize``, ``foreach``, ``capturable``
    and ``differentiable`` are not supported.
    """

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0):
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay)
        super().__init__(params, defaults)

    def _check_hyperparameters(self, group):
        super()._check_hyperparameters(group)
        self._check_range("rho value", group["rho"], high=1.0, high_open=False)
        self._check_range("epsilon value", group["eps"])

    def _update(self, p, grad, group, state):
        lr, rho = float(group["lr"]), float(group["rho"])
        eps, weight_decay = float(group["eps"]), float(group["weight_decay"])
        if not state:
            state["step"] = 0
            state["square_avg"] = np.zeros_like(p._array)
            state["acc_delta"] = np.zeros_like(p._array)
        state["step"] += 1

        if weight_decay != 0:
            grad = grad + weight_decay * p._array

        square_avg, acc_delta = state["square_avg"], state["acc_delta"]
        square_avg *= rho
        square_avg += (1 - rho) * np.square(grad)
        delta = np.sqrt(acc_delta + eps)
        delta /= np.sqrt(square_avg + eps)
        delta *= grad
        acc_delta *= rho
        acc_delta += (1 - rho) * np.square(delta)
        delta *= lr
        p._array -= delta
