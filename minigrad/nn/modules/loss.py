"""Loss layers: thin Modules over ``nn.functional`` with PyTorch's names and arguments."""

from .. import functional as F
from .module import Module

class _Loss(Module):
    def __init__(self, reduction="mean"):
        super().__init__()
        F._check_reduction(type(self).__name__, reduction)
        self.reduction = reduction


def _no_class_weights(layer, weight):
    if weight is not None:
        raise NotImplementedError(f"{layer}: per-class weights are not supported by minigrad; "
                                  "pass weight=None")


class CrossEntropyLoss(_Loss):
    """Softmax cross-entropy of logits (N, C, ...) against integer class targets (N, ...):
    ``F.cross_entropy``. Differs from PyTorch: no class ``weight`` and no probability targets.
    """

    def __init__(self, weight=None, *, ignore_index=-100, reduction="mean", label_smoothing=0.0):
        super().__init__(reduction)
        _no_class_weights("CrossEntropyLoss", weight)
        if not 0.0 <= label_smoothing <= 1.0:
            raise ValueError(f"CrossEntropyLoss: label_smoothing must be in [0, 1], "
                             f"got {label_smoothing}")
        self.ignore_index, self.label_smoothing = ignore_index, label_smoothing

    def forward(self, input, target):
        return F.cross_entropy(input, target, reduction=self.reduction,
                               label_smoothing=self.label_smoothing,
                               ignore_index=self.ignore_index)


class NLLLoss(_Loss):
    """Negative log-likelihood of log-probabilities (N, C) at integer targets (N,):
    ``F.nll_loss``. Differs from PyTorch: no class ``weight``, only (N, C) input."""

    def __init__(self, weight=None, *, ignore_index=-100, reduction="mean"):
        super().__init__(reduction)
        _no_class_weights("NLLLoss", weight)
        self.ignore_index = ignore_index

    def forward(self, input, target):
        return F._nll_loss("NLLLoss", input, target, self.reduction, self.ignore_index)


class MSELoss(_Loss):
    """Mean squared error: ``F.mse_loss``. Unlike PyTorch, which only warns, input and target
    of different shapes are an error."""

    def forward(self, input, target):
        return F._mse_loss("MSELoss", input, target, self.reduction)
