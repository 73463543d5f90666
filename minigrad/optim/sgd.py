"""Stochastic gradient descent, with PyTorch's exact momentum, dampening and Nesterov rules."""
import math

from .optimizer import Optimizer


class SGD(Optimizer):
    r"""``SGD(params, lr, momentum=0, dampening=0, weight_decay=0, nesterov=False)``.

    For each parameter ``p`` with gradient ``g``, at step ``t`` (as ``torch.optim.SGD``)::

        g = g + weight_decay * p                       # L2 penalty, if weight_decay
        buf = g                                        # first step: the gradient itself
        buf = momentum * buf + (1 - dampening) * g     # later steps
        g = g + momentum * buf   if nesterov   else   buf
        p = p - lr * g

    Note the first momentum buffer is the raw gradient, not ``(1 - dampening) * g``.
    ``maximize``, ``foreach`` and ``fused`` are not supported.
    """

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False):
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening,
                        weight_decay=weight_decay, nesterov=nesterov)
        super().__init__(params, defaults)

    def _check_hyperparameters(self, group):
        super()._check_hyperparameters(group)
        self._check_range("momentum value", group["momentum"])
        self._check_range("dampening value", group["dampening"], low=-math.inf)
        self._check_flag("nesterov", group["nesterov"])
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(f"SGD: Nesterov momentum requires a momentum > 0 and zero "
                             f"dampening, got momentum={group['momentum']}, "
                             f"dampening={group['dampening']}")

    def _update(self, p, grad, group, state):
        # Python floats keep float32 arithmetic float32 (a numpy float64 scalar might not).
        lr, momentum = float(group["lr"]), float(group["momentum"])
        dampening, weight_decay = float(group["dampening"]), float(group["weight_decay"])

        if weight_decay != 0:
            grad = grad + weight_decay * p._array        # a new array: p.grad stays untouched

        if momentum != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = grad.copy()
            else:
                buf *= momentum
                buf += grad if dampening == 0 else (1 - dampening) * grad
            grad = grad + momentum * buf if group["nesterov"] else buf

        p._array -= lr * grad
