"""Loss layers: thin Modules over ``nn.functional`` with PyTorch's names and arguments.

Every loss takes PyTorch's arguments in PyTorch's order. The deprecated ``size_average`` and
``reduce`` are accepted: they override ``reduction`` with PyTorch's warning (PyTorch's
``_Reduction.legacy_get_string``).
"""
import numpy as np

from ...tensor import Tensor
from .. import functional as F
from .module import Module


class _Loss(Module):
    """What every loss shares: ``reduction`` is ``'mean'`` (the default), ``'sum'``, or
    ``'none'`` (the per-element losses, with the shape given in each loss's ``Shape:``)."""

    def __init__(self, size_average=None, reduce=None, reduction="mean"):
        super().__init__()
        # the warning points at the caller, past the __init__s of subclasses calling this one
        mro = type(self).__mro__
        depth = sum("__init__" in vars(c) for c in mro[:mro.index(_Loss)])
        reduction = F._legacy_reduction(size_average, reduce, reduction, stacklevel=3 + depth)
        F._check_reduction(type(self).__name__, reduction)
        self.reduction = reduction


def _weight_buffer(name, what, weight):
    """A loss's ``weight``/``pos_weight`` buffer: None, a Tensor, or a numpy array (as a
    Tensor); PyTorch refuses anything else."""
    if weight is None or isinstance(weight, Tensor):
        return weight
    if isinstance(weight, np.ndarray) and weight.dtype.kind in "biuf":
        return Tensor(weight)
    raise TypeError(f"{name}: {what} must be a Tensor (or None), got {type(weight).__name__}")


class _WeightedLoss(_Loss):
    """A loss with an optional ``weight`` tensor, kept as a buffer (in ``state_dict``)."""

    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", _weight_buffer(type(self).__name__, "weight", weight))


class CrossEntropyLoss(_Loss):
    """Softmax cross-entropy of logits (N, C, ...) against integer class targets (N, ...):
    ``F.cross_entropy``. Differs from PyTorch: no class ``weight`` and no probability targets.

    Shape: input (N, C) or (N, C, d1, ...) or unbatched (C,), target (N) or (N, d1, ...) or
    () integer classes (int64 or uint8); output a scalar (NaN when every target is ignored,
    as in PyTorch), or the target's shape with ``reduction='none'``."""

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None,
                 reduction="mean", label_smoothing=0.0):
        super().__init__(size_average, reduce, reduction)
        F._no_class_weight(type(self).__name__, weight)
        F._check_label_smoothing(type(self).__name__, label_smoothing)
        F._check_ignore_index(type(self).__name__, ignore_index)
        self.ignore_index, self.label_smoothing = ignore_index, label_smoothing

    def forward(self, input, target):
        return F._cross_entropy(self, input, target, self.reduction,
                                self.label_smoothing, self.ignore_index)


class NLLLoss(_Loss):
    """Negative log-likelihood of log-probabilities (N, C, ...) at integer targets (N, ...):
    ``F.nll_loss``. Differs from PyTorch: no class ``weight``.

    Shape: input (N, C) or (N, C, d1, ...) or (C,), target (N) or (N, d1, ...) or ();
    output a scalar, or the target's shape with ``reduction='none'``."""

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None,
                 reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        F._no_class_weight(type(self).__name__, weight)
        F._check_ignore_index(type(self).__name__, ignore_index)
        self.ignore_index = ignore_index

    def forward(self, input, target):
        return F._nll_loss(self, input, target, self.reduction, self.ignore_index)


class MSELoss(_Loss):
    """Mean squared error: ``F.mse_loss``. Unlike PyTorch, which only warns, input and target
    of different shapes are an error.

    Shape: input (*), target (*) the same; output a scalar, or (*) with ``reduction='none'``."""

    def forward(self, input, target):
        return F._mse_loss(self, input, target, self.reduction)


class L1Loss(_Loss):
    """Mean absolute error ``|input - target|``: ``F.l1_loss``. Input and target must have
    the same shape (PyTorch only warns).

    Shape: input (*), target (*) the same; output a scalar, or (*) with ``reduction='none'``."""

    def forward(self, input, target):
        return F._l1_loss(self, input, target, self.reduction)


class SmoothL1Loss(_Loss):
    """``0.5 * d**2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 * beta`` (d = input -
    target): ``F.smooth_l1_loss``; ``beta=0`` is ``L1Loss``.

    Shape: input (*), target (*) the same; output a scalar, or (*) with ``reduction='none'``."""

    def __init__(self, size_average=None, reduce=None, reduction="mean", beta=1.0):
        super().__init__(size_average, reduce, reduction)
        F._check_beta(type(self).__name__, beta)
        self.beta = beta

    def forward(self, input, target):
        return F._smooth_l1_loss(self, input, target, self.reduction, self.beta)


class HuberLoss(_Loss):
    """``0.5 * d**2`` where ``|d| <= delta``, else ``delta * (|d| - 0.5 * delta)``:
    ``F.huber_loss``, the smooth L1 loss times ``delta``.

    Shape: input (*), target (*) the same; output a scalar, or (*) with ``reduction='none'``."""

    def __init__(self, reduction="mean", delta=1.0):
        super().__init__(reduction=reduction)
        F._check_delta(type(self).__name__, delta)
        self.delta = delta

    def forward(self, input, target):
        return F._huber_loss(self, input, target, self.reduction, self.delta)


class BCELoss(_WeightedLoss):
    """Binary cross-entropy of probabilities (a sigmoid's output) against targets in [0, 1]:
    ``F.binary_cross_entropy``; logs clamped to >= -100 as in PyTorch. ``weight`` rescales
    each element (it broadcasts to the input's shape). For logits use ``BCEWithLogitsLoss``.

    Shape: input (*), target (*) the same; output a scalar, or (*) with ``reduction='none'``."""

    def forward(self, input, target):
        return F._binary_cross_entropy(self, input, target, self.weight, self.reduction)


class BCEWithLogitsLoss(_WeightedLoss):
    """Sigmoid and binary cross-entropy in one, stable for any logit:
    ``F.binary_cross_entropy_with_logits``. ``pos_weight`` weighs positive examples (shape
    (C,) for targets (N, C), say: > 1 raises recall); it and ``weight`` are buffers.

    Shape: input (*), target (*) the same; output a scalar, or (*) with ``reduction='none'``."""

    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean",
                 pos_weight=None):
        super().__init__(weight, size_average, reduce, reduction)
        self.register_buffer("pos_weight", _weight_buffer("BCEWithLogitsLoss", "pos_weight",
                                                          pos_weight))

    def forward(self, input, target):
        return F._bce_with_logits(self, input, target, self.weight,
                                  self.reduction, self.pos_weight)
