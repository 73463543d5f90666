"""Adagrad, with PyTorch's learning-rate decay and initial accumulator."""
import numpy as np

from .optimizer import Optimizer


class Adagrad(Optimizer):
    r"""``Adagrad(params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
    eps=1e-10)``.

    For each parameter ``p`` with gradient ``g``, at step ``t = 1, 2, ...`` (as
    ``torch.optim.Adagrad``; Duchi et al., 2011)::

        g = g + weight_decay * p                     # L2 penalty, if weight_decay
        clr = lr / (1 + (t - 1) * lr_decay)
        s = s + g * g                                # sum, starts at initial_accumulator_value
        p = p - clr * g / (sqrt(s) + eps)

    Each coordinate's step shrinks as its squared gradients add up. As in PyTorch the state
    (``step`` 0 and ``sum``) is made when the optimizer is constructed, so ``state_dict()``
    has it before the first step. ``maximize``, ``foreach``, ``fused`` and ``differentiable``
    are not supported.
    """

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                 eps=1e-10):
        defaults = dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, eps=eps)
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p, group, self.state.setdefault(p, {}))

    def _check_hyperparameters(self, group):
        super()._check_hyperparameters(group)
        for key in ("lr_decay", "initial_accumulator_value", "eps"):
            self._check_range(f"{'epsilon' if key == 'eps' else key} value", group[key])

    @staticmethod
    def _init_state(p, group, state):
        if not state:
            state["step"] = 0
            state["sum"] = np.full_like(p._array, group["initial_accumulator_value"])

    def _update(self, p, grad, group, state):
        lr, lr_decay = float(group["lr"]), float(group["lr_decay"])
        eps, weight_decay = float(group["eps"]), float(group["weight_decay"])
        self._init_state(p, group, state)     # a group added after construction
        state["step"] += 1
        t = state["step"]

        if weight_decay != 0:
            grad = grad + weight_decay * p._array

        clr = lr / (1 + (t - 1) * lr_decay)
        total = state["sum"]
        total += np.square(grad)
        std = np.sqrt(total)
        std += eps
        p._array -= clr * (grad / std)
