"""Learning-rate schedulers: ``StepLR``, ``CosineAnnealingLR``, ``OneCycleLR``.

As in PyTorch, a scheduler wraps an optimizer, sets each param group's ``"lr"`` when it is
created (step 0) and again at each ``scheduler.step()``, which you call after
``optimizer.step()`` -- once per epoch for StepLR/CosineAnnealingLR as usually configured,
once per *batch* for OneCycleLR. ``last_epoch`` counts the calls.

Difference from PyTorch: each scheduler computes the lr from its closed-form formula of
``last_epoch`` (PyTorch's "chainable" form multiplies the current lr instead). The values
are the same unless something else changes ``"lr"`` between steps; chaining two schedulers
on one optimizer is therefore not supported.
"""
import math
from numbers import Integral

from .optimizer import Optimizer, check_real


def _check(name, what, value, low=0.0, low_open=False, high=math.inf, high_open=True):
    """A scheduler's number: real, finite and in PyTorch's range; a NaN would make every
    learning rate NaN (and every weight after the next step)."""
    number = check_real(value)
    if number is None:
        raise TypeError(f"{name}: {what} must be a real number, got {value!r}")
    above = low < number if low_open else low <= number
    below = number < high if high_open else number <= high
    if not (above and below) or not math.isfinite(number):
        if high == math.inf:
            bounds = f"a finite number {'>' if low_open else '>='} {low:g}"
        else:
            bounds = (f"in {'(' if low_open else '['}{low:g}, {high:g}"
                      f"{')' if high_open else ']'}")
        raise ValueError(f"{name}: {what} must be {bounds}, got {value!r}")
    return value


class LRScheduler:
    def __init__(self, optimizer, last_epoch=-1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__}: {type(optimizer).__name__} is not an Optimizer")
        if not isinstance(last_epoch, Integral) or isinstance(last_epoch, bool) \
                or last_epoch < -1:
            raise ValueError(f"{type(self).__name__}: last_epoch must be an int >= -1, got "
                             f"{last_epoch!r}")
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(f"{type(self).__name__}: param 'initial_lr' is not specified in "
                                   f"param_groups[{i}] when resuming with last_epoch={last_epoch}; "
                                   f"load the optimizer's state_dict first")
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self.step()                       # sets the lr of step 0 (last_epoch becomes 0)

    def get_lr(self):
        """The learning rate of each param group at ``self.last_epoch``."""
        raise NotImplementedError

    def step(self):
        self.last_epoch += 1
        lrs = self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, lrs):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self):
        """The learning rates set by the last ``step()`` (one per param group)."""
        return self._last_lr

    def state_dict(self):
        """Every attribute except the optimizer (plain numbers and lists), as PyTorch."""
        return {key: value for key, value in self.__dict__.items() if key != "optimizer"}

    def load_state_dict(self, state_dict):
        self.__dict__.update(state_dict)


class StepLR(LRScheduler):
    """``lr = base_lr * gamma ** (last_epoch // step_size)``: decay by ``gamma`` every
    ``step_size`` steps."""

    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1):
        if not isinstance(step_size, Integral) or step_size <= 0:
            raise ValueError(f"StepLR: step_size must be a positive integer, got {step_size!r}")
        _check("StepLR", "gamma", gamma)
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        return [base_lr * self.gamma ** (self.last_epoch // self.step_size)
                for base_lr in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """``lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * last_epoch / T_max)) / 2``:
    half a cosine from ``base_lr`` down to ``eta_min`` over ``T_max`` steps (past ``T_max``
    it climbs back up, as PyTorch's does)."""

    def __init__(self, optimizer, T_max, eta_min=0.0, last_epoch=-1):
        _check("CosineAnnealingLR", "T_max", T_max, low_open=True)
        _check("CosineAnnealingLR", "eta_min", eta_min)
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        cos = math.cos(math.pi * self.last_epoch / self.T_max)
        return [self.eta_min + (base_lr - self.eta_min) * (1 + cos) / 2 for base_lr in self.base_lrs]


class OneCycleLR(LRScheduler):
    """The 1cycle policy (Smith & Topin), stepped once per batch, as ``torch.optim.lr_scheduler.
    OneCycleLR``.

    The lr starts at ``initial_lr = max_lr / div_factor``, rises to ``max_lr`` over the first
    ``pct_start * total_steps`` steps, then anneals to ``min_lr = initial_lr /
    final_div_factor`` at step ``total_steps - 1``. Each phase goes from its start value to
    its end value by ``anneal_strategy`` ('cos': half a cosine, 'linear'). With
    ``three_phase=True`` the lr comes back down to ``initial_lr`` symmetrically before the
    final annealing. Phase ends are at steps ``pct_start * total_steps - 1`` (and
    ``2 * pct_start * total_steps - 2``) and ``total_steps - 1``, PyTorch's exact boundaries.

    With ``cycle_momentum=True`` (the default) the momentum moves inversely to the lr, between
    ``max_momentum`` and ``base_momentum``: SGD's ``momentum`` or Adam's ``beta1``.
    ``max_lr``, ``base_momentum`` and ``max_momentum`` may be lists, one per param group.
    Stepping more than ``total_steps`` times is an error.
    """

    def __init__(self, optimizer, max_lr, total_steps=None, epochs=None, steps_per_epoch=None,
                 pct_start=0.3, anneal_strategy="cos", cycle_momentum=True, base_momentum=0.85,
                 max_momentum=0.95, div_factor=25.0, final_div_factor=1e4, three_phase=False,
                 last_epoch=-1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"OneCycleLR: {type(optimizer).__name__} is not an Optimizer")
        if total_steps is not None:
            if not isinstance(total_steps, Integral) or total_steps <= 0:
                raise ValueError(f"OneCycleLR: expected a positive integer total_steps, got {total_steps!r}")
        elif epochs is not None and steps_per_epoch is not None:
            for name, value in (("epochs", epochs), ("steps_per_epoch", steps_per_epoch)):
                if not isinstance(value, Integral) or value <= 0:
                    raise ValueError(f"OneCycleLR: expected a positive integer {name}, got {value!r}")
            total_steps = epochs * steps_per_epoch
        else:
            raise ValueError("OneCycleLR: you must define either total_steps OR "
                             "(epochs AND steps_per_epoch)")
        _check("OneCycleLR", "pct_start", pct_start, high=1.0, high_open=False)
        for what, value in (("div_factor", div_factor), ("final_div_factor", final_div_factor)):
            _check("OneCycleLR", what, value, low_open=True)
        for what, value in (("max_lr", max_lr), ("base_momentum", base_momentum),
                            ("max_momentum", max_momentum)):
            for v in (value if isinstance(value, (list, tuple)) else [value]):
                _check("OneCycleLR", what, v, low_open=what == "max_lr")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"OneCycleLR: anneal_strategy must be 'cos' or 'linear', "
                             f"got {anneal_strategy!r}")
        self.total_steps = total_steps
        self.anneal_strategy = anneal_strategy
        self.cycle_momentum = cycle_momentum

        # (end step, lr from, lr to, momentum from, momentum to); the names are group keys
        if three_phase:
            self.phases = [
                (pct_start * total_steps - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                (2 * pct_start * total_steps - 2, "max_lr", "initial_lr", "base_momentum", "max_momentum"),
                (total_steps - 1, "initial_lr", "min_lr", "max_momentum", "max_momentum"),
            ]
        else:
            self.phases = [
                (pct_start * total_steps - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                (total_steps - 1, "max_lr", "min_lr", "base_momentum", "max_momentum"),
            ]

        groups = optimizer.param_groups
        if last_epoch == -1:
            for group, group_max_lr in zip(groups, _per_group("max_lr", max_lr, groups)):
                group["initial_lr"] = group_max_lr / div_factor
                group["max_lr"] = group_max_lr
                group["min_lr"] = group["initial_lr"] / final_div_factor
        if cycle_momentum:
            if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
                raise ValueError(f"OneCycleLR: cycle_momentum=True needs an optimizer with "
                                 f"momentum or betas, {type(optimizer).__name__} has neither; "
                                 f"pass cycle_momentum=False")
            self.use_beta1 = "betas" in optimizer.defaults
            if last_epoch == -1:
                for group, top, bottom in zip(groups, _per_group("max_momentum", max_momentum, groups),
                                              _per_group("base_momentum", base_momentum, groups)):
                    self._set_momentum(group, top)
                    group["max_momentum"], group["base_momentum"] = top, bottom
        super().__init__(optimizer, last_epoch)

    def _set_momentum(self, group, value):
        if self.use_beta1:
            group["betas"] = (value, *group["betas"][1:])
        else:
            group["momentum"] = value

    def _anneal(self, start, end, pct):
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self):
        step = self.last_epoch
        if step > self.total_steps:
            raise ValueError(f"OneCycleLR: tried to step {step} times; the specified number of "
                             f"total steps is {self.total_steps}")
        lrs = []
        for group in self.optimizer.param_groups:
            start_step = 0.0
            for i, (end_step, lr0, lr1, m0, m1) in enumerate(self.phases):
                if step <= end_step or i == len(self.phases) - 1:
                    span = end_step - start_step      # 0 for a phase of no steps
                    pct = (step - start_step) / span if span else 1.0
                    lrs.append(self._anneal(group[lr0], group[lr1], pct))
                    if self.cycle_momentum:
                        self._set_momentum(group, self._anneal(group[m0], group[m1], pct))
                    break
                start_step = end_step
        return lrs


def _per_group(name, value, groups):
    """One value per param group: a list/tuple must have one entry per group."""
    if isinstance(value, (list, tuple)):
        if len(value) != len(groups):
            raise ValueError(f"OneCycleLR: {name} has {len(value)} values, but the optimizer "
                             f"has {len(groups)} param group(s); give one value per group")
        return list(value)
    return [value] * len(groups)
