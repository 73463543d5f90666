"""Loss layers: thin Modules over ``nn.functional`` with PyTorch's names and arguments."""
import numpy as np

from .. import functional as F
from ...tensor import Tensor
from .module import Module

_REDUCTIONS = ("mean", "sum", "none")


class _Loss(Module):
    def __init__(self, reduction="mean"):
        super().__init__()
        if reduction not in _REDUCTIONS:
            raise ValueError(f"{type(self).__name__}: reduction must be 'mean', 'sum' or "
                             f"'none', got {reduction!r}")
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
    """Negative log-likelihood: ``input`` (N, C) holds log-probabilities (e.g. from
    ``LogSoftmax(dim=1)``), ``target`` (N,) integer classes; ``-input[n, target[n]]``, averaged
    over the targets not equal to ``ignore_index``. Differs from PyTorch: no class ``weight``,
    and only (N, C) input (use ``CrossEntropyLoss`` for (N, C, d1, ...))."""

    def __init__(self, weight=None, *, ignore_index=-100, reduction="mean"):
        super().__init__(reduction)
        _no_class_weights("NLLLoss", weight)
        self.ignore_index = ignore_index

    def forward(self, input, target):
        t = target.data if isinstance(target, Tensor) else np.asarray(target)
        if input.ndim != 2:
            raise ValueError(f"NLLLoss: expected input of shape (N, C), got {tuple(input.shape)}")
        if not np.issubdtype(t.dtype, np.integer):
            raise TypeError(f"NLLLoss: target must hold integer class indices, got dtype {t.dtype}")
        if t.shape != input.shape[:1]:
            raise ValueError(f"NLLLoss: target has shape {t.shape}, expected ({input.shape[0]},) "
                             f"for input of shape {tuple(input.shape)}")
        valid = t != self.ignore_index
        C = input.shape[1]
        if ((t[valid] < 0) | (t[valid] >= C)).any():
            bad = t[valid][(t[valid] < 0) | (t[valid] >= C)][0]
            raise IndexError(f"NLLLoss: target {bad} is out of range for {C} classes")
        if valid.all():
            return F.nll_loss(input, t, reduction=self.reduction)
        # ignored targets: pick any class for them, then zero their terms by a mask
        picked = input[np.arange(len(t)), np.where(valid, t, 0)] * valid.astype(input.dtype)
        if self.reduction == "mean":
            return -picked.sum() / max(int(valid.sum()), 1)
        return -picked.sum() if self.reduction == "sum" else -picked


class MSELoss(_Loss):
    """Mean squared error ``(input - target)**2``. Unlike PyTorch, which only warns, input
    and target of different shapes are an error: broadcasting them (say (N, 1) against (N,))
    would silently compute the wrong loss."""

    def forward(self, input, target):
        t_shape = tuple(np.shape(target.data if isinstance(target, Tensor) else target))
        if t_shape != tuple(input.shape):
            raise ValueError(f"MSELoss: input has shape {tuple(input.shape)} but target has "
                             f"shape {t_shape}; they must match")
        return F.mse_loss(input, target, reduction=self.reduction)
