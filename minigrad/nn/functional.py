"""Stateless layers (``torch.nn.functional`` names), each a thin call into ``minigrad/ops``.

Sections: activations, linear, losses, dropout, then convolution and pooling.
"""
import numpy as np

from .. import random as _random
from ..functional import pad  # noqa: F401  (F.pad, as in PyTorch)
from ..ops import loss as _loss
from ..ops import matmul as _matmul
from ..tensor import Tensor


def _check_tensor(name, x):
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}: expected a minigrad Tensor, got {type(x).__name__}")


# ---- activations -----------------------------------------------------------------------------
def relu(input):
    return input.relu()


def sigmoid(input):
    return input.sigmoid()


def tanh(input):
    return input.tanh()


def softmax(input, dim):
    return input.softmax(dim)


def log_softmax(input, dim):
    return input.log_softmax(dim)


# ---- linear ----------------------------------------------------------------------------------
def linear(input, weight, bias=None):
    """``input @ weight.T + bias`` with weight of shape (out_features, in_features)."""
    _check_tensor("linear", input)
    if input.ndim == 0 or input.shape[-1] != weight.shape[1]:
        raise ValueError(f"linear: input has shape {input.shape}, expected (..., {weight.shape[1]}) "
                         f"to match weight of shape {weight.shape} (out_features, in_features)")
    return _matmul.Linear.apply(input, weight, bias)


# ---- losses ----------------------------------------------------------------------------------
def cross_entropy(input, target, reduction="mean", label_smoothing=0.0, ignore_index=-100):
    """Softmax cross-entropy of logits ``input`` (N, C, ...) against integer class
    ``target`` (N, ...). Class-probability targets are not supported (PyTorch allows them)."""
    _check_tensor("cross_entropy", input)
    t = target.data if isinstance(target, Tensor) else np.asarray(target)
    if input.ndim < 2:
        raise ValueError(f"cross_entropy: input must be (N, C, ...) logits, got shape {input.shape}")
    if not np.issubdtype(t.dtype, np.integer):
        raise TypeError(f"cross_entropy: target must hold integer class indices, got dtype {t.dtype}")
    expected = (input.shape[0],) + input.shape[2:]
    if t.shape != expected:
        raise ValueError(f"cross_entropy: target has shape {t.shape}, expected {expected} "
                         f"for input of shape {input.shape}")
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"cross_entropy: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    return _loss.CrossEntropy.apply(input, t, reduction=reduction,
                                    label_smoothing=label_smoothing, ignore_index=ignore_index)


def nll_loss(input, target, reduction="mean"):
    """Negative log-likelihood of log-probabilities ``input`` (N, C) at integer ``target``."""
    t = target.data if isinstance(target, Tensor) else np.asarray(target)
    picked = input[np.arange(len(t)), t]
    if reduction == "mean":
        return -picked.mean()
    if reduction == "sum":
        return -picked.sum()
    return -picked


def mse_loss(input, target, reduction="mean"):
    diff = input - target
    sq = diff * diff
    return sq.mean() if reduction == "mean" else sq.sum() if reduction == "sum" else sq


# ---- dropout ---------------------------------------------------------------------------------
def dropout(input, p=0.5, training=True):
    """Zero each element with probability ``p`` and scale the rest by 1/(1-p) (inverted
    dropout, as PyTorch). Identity when ``training`` is False."""
    if not 0 <= p <= 1:
        raise ValueError(f"dropout: probability p must be in [0, 1], got {p}")
    if not training or p == 0:
        return input
    if p == 1:
        return input * 0.0
    keep = _random.generator().random(input.shape, dtype=np.float32) >= p
    mask = keep.astype(input.dtype) * np.asarray(1 / (1 - p), dtype=input.dtype)
    return input * mask


# ---- normalisation ---------------------------------------------------------------------------
from ..ops.norm import BatchNorm as _BatchNorm  # noqa: E402


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Batch normalisation of ``input`` (N, C, *spatial) per channel (``ops.norm.BatchNorm``).

    ``training=True`` normalises with the batch's own mean and biased variance and, when
    ``running_mean``/``running_var`` are given, updates them in place with ``momentum``
    (the variance fed in is unbiased, as in PyTorch). ``training=False`` normalises with the
    running statistics. ``weight``/``bias`` of shape (C,) scale and shift the result.
    """
    _check_tensor("batch_norm", input)
    if input.ndim < 2:
        raise ValueError(f"batch_norm: expected input of shape (N, C, ...), got {input.shape}")
    C = input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != (C,):
            raise ValueError(f"batch_norm: {name} has shape {tuple(t.shape)}, expected ({C},) "
                             f"for input of shape {input.shape} with {C} channels")
    if training and input.numel() // max(C, 1) <= 1:
        raise ValueError("batch_norm: expected more than 1 value per channel when training, "
                         f"got input of shape {input.shape}")
    if not training and (running_mean is None or running_var is None):
        raise ValueError("batch_norm: running_mean and running_var are required when "
                         "training=False")

    def array(t):
        return t.data if isinstance(t, Tensor) else t
    return _BatchNorm.apply(input, weight, bias, running_mean=array(running_mean),
                            running_var=array(running_var), training=training,
                            momentum=momentum, eps=eps)
