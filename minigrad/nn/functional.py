"""Stateless layers (``torch.nn.functional`` names), each a thin call into ``minigrad/ops``.

Sections: activations, linear, losses, dropout, then convolution and pooling.
"""
import math
import warnings

import numpy as np

from .. import random as _random
from ..functional import pad  # noqa: F401  (F.pad, as in PyTorch)
from ..functional import where as _where
from ..ops import elementwise as _elementwise
from ..ops import loss as _loss
from ..ops import matmul as _matmul
from ..tensor import Tensor


def _check_tensor(name, x):
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}: expected a minigrad Tensor, got {type(x).__name__}")


def _check_reduction(name, reduction):
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{name}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _legacy_reduction(size_average, reduce, reduction, stacklevel=3):
    """``reduction``, unless one of the deprecated ``size_average``/``reduce`` is given:
    then PyTorch's ``_Reduction.legacy_get_string`` (None counts as True; both true:
    'mean', only ``reduce``: 'sum', else 'none'), with its warning."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    ret = "mean" if size_average and reduce else "sum" if reduce else "none"
    warnings.warn(f"size_average and reduce args will be deprecated, please use "
                  f"reduction='{ret}' instead.", UserWarning, stacklevel=stacklevel)
    return ret


def _reduce(loss, reduction):
    return loss.mean() if reduction == "mean" else loss.sum() if reduction == "sum" else loss


def _check_float(name, x):
    _check_tensor(name, x)
    if not np.issubdtype(x.dtype, np.floating):
        raise TypeError(f"{name}: expected a floating point input, got dtype {x.dtype}")


# ---- activations -----------------------------------------------------------------------------
# ``inplace=True`` writes the result into ``input`` with the Tensor in-place methods
# (``relu_``, ``mul_``, ``copy_``), so PyTorch's rules apply: an error on a leaf that requires
# grad, a recorded op (the tensor takes on the new history) when autograd is on.
def relu(input, inplace=False):
    """max(x, 0); the gradient at 0 is 0."""
    return input.relu_() if inplace else input.relu()


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """x where x > 0, else ``negative_slope * x``: the input times a constant mask, so the
    gradient is the mask (``negative_slope`` at 0, as in PyTorch)."""
    _check_float("leaky_relu", input)
    mask = np.where(input._array > 0, 1, negative_slope).astype(input.dtype)
    return input.mul_(mask) if inplace else input * mask


def elu(input, alpha=1.0, inplace=False):
    """x where x > 0, else ``alpha * (exp(x) - 1)`` (the gradient at 0 is ``alpha``)."""
    _check_float("elu", input)
    out = _where(input > 0, input, (input.clamp(max=0).exp() - 1) * alpha)
    return input.copy_(out) if inplace else out


def silu(input, inplace=False):
    """x * sigmoid(x) (also called swish)."""
    _check_float("silu", input)
    out = input * input.sigmoid()
    return input.copy_(out) if inplace else out


def gelu(input, approximate="none"):
    """x * Phi(x), Phi the standard normal CDF: ``0.5 * x * (1 + erf(x / sqrt(2)))``, or with
    ``approximate='tanh'`` ``0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x**3)))``."""
    _check_float("gelu", input)
    if approximate == "none":
        return input * 0.5 * (_elementwise.Erf.apply(input * math.sqrt(0.5)) + 1)
    if approximate == "tanh":
        inner = (input + input * input * input * 0.044715) * math.sqrt(2 / math.pi)
        return input * 0.5 * (inner.tanh() + 1)
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


def softplus(input, beta=1.0, threshold=20.0):
    """``log(1 + exp(beta * x)) / beta``, and x itself where ``beta * x > threshold``."""
    _check_float("softplus", input)
    z = input * beta if beta != 1 else input
    out = _elementwise.Softplus.apply(z)
    if beta != 1:
        out = out / beta
    return _where(z > threshold, input, out)


def erf(input):
    """The error function, elementwise (``torch.erf``; the Function is ``ops.elementwise.Erf``)."""
    _check_float("erf", input)
    return _elementwise.Erf.apply(input)


def relu_(input):
    return relu(input, inplace=True)


def leaky_relu_(input, negative_slope=0.01):
    return leaky_relu(input, negative_slope, inplace=True)


def elu_(input, alpha=1.0):
    return elu(input, alpha, inplace=True)


def sigmoid(input):
    return input.sigmoid()


def tanh(input):
    return input.tanh()


def _softmax_dim(name, ndim, stacklevel):
    """PyTorch's legacy choice when ``dim`` is not given (``_get_softmax_dim``), with its
    deprecation warning: dim 0 for 0-, 1- and 3-D input, else dim 1."""
    dim = 0 if ndim in (0, 1, 3) else 1
    warnings.warn(f"{name}: implicit dimension choice has been deprecated; PyTorch's legacy "
                  f"rule picks dim={dim} for a {ndim}-D input. Change the call to include "
                  f"dim=X as an argument.", UserWarning, stacklevel=stacklevel)
    return dim


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """exp(x) / sum(exp(x)) along ``dim``; ``dtype`` casts the input first. Without ``dim``:
    PyTorch's deprecated implicit choice, with a warning."""
    _check_tensor("softmax", input)
    if dim is None:
        dim = _softmax_dim("softmax", input.ndim, _stacklevel)
    if dtype is not None:
        input = input.to(dtype)
    return input.softmax(dim)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """log(softmax(x)) along ``dim``, computed stably; no ``dim``: as ``softmax``."""
    _check_tensor("log_softmax", input)
    if dim is None:
        dim = _softmax_dim("log_softmax", input.ndim, _stacklevel)
    if dtype is not None:
        input = input.to(dtype)
    return input.log_softmax(dim)


# ---- linear ----------------------------------------------------------------------------------
def linear(input, weight, bias=None):
    """``input @ weight.T + bias`` with weight of shape (out_features, in_features).
    Mixed float dtypes promote as in numpy (float64 input, float32 weight: float64 out),
    where PyTorch raises; this lets ``gradcheck`` feed float64 inputs to a float32 layer."""
    return _linear("linear", input, weight, bias)


def _linear(name, input, weight, bias):
    """``linear`` with errors that name the caller (``nn.Linear`` uses it too)."""
    _check_tensor(name, input)
    if input.ndim == 0 or input.shape[-1] != weight.shape[1]:
        raise ValueError(f"{name}: expected input of shape (..., {weight.shape[1]}), got "
                         f"{tuple(input.shape)} (weight of shape {tuple(weight.shape)}: "
                         f"out_features, in_features)")
    return _matmul.Linear.apply(input, weight, bias)


# ---- losses ----------------------------------------------------------------------------------
# Every loss takes PyTorch's arguments in PyTorch's order; the deprecated ``size_average`` and
# ``reduce`` override ``reduction`` with PyTorch's warning (``_legacy_reduction``).
def _no_class_weight(name, weight):
    if weight is not None:
        raise NotImplementedError(f"{name}: per-class weights are not supported by minigrad; "
                                  "pass weight=None")


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    """Softmax cross-entropy of logits ``input`` (N, C, ...) against integer class
    ``target`` (N, ...). Class weights and class-probability targets are not supported
    (PyTorch allows them)."""
    _check_tensor("cross_entropy", input)
    _no_class_weight("cross_entropy", weight)
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if input.ndim < 2:
        raise ValueError(f"cross_entropy: input must be (N, C, ...) logits, got shape {input.shape}")
    t = _class_target("cross_entropy", input, target, (input.shape[0],) + input.shape[2:])
    _check_reduction("cross_entropy", reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got {label_smoothing}")
    return _loss.CrossEntropy.apply(input, t, reduction=reduction,
                                    label_smoothing=label_smoothing, ignore_index=ignore_index)


def _class_target(name, input, target, expected):
    """The integer class indices of ``target`` as an array, checked to have the shape
    ``expected`` for ``input``."""
    t = target._array if isinstance(target, Tensor) else np.asarray(target)
    if not np.issubdtype(t.dtype, np.integer):
        raise TypeError(f"{name}: target must hold integer class indices, got dtype {t.dtype}")
    if t.shape != tuple(expected):
        raise ValueError(f"{name}: target has shape {t.shape}, expected {tuple(expected)} "
                         f"for input of shape {tuple(input.shape)}")
    return t


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    """Negative log-likelihood: ``input`` (N, C) holds log-probabilities (e.g. from
    ``log_softmax(x, 1)``), ``target`` (N,) integer classes; ``-input[n, target[n]]``, averaged
    over the targets not equal to ``ignore_index``. Differs from PyTorch: no class
    ``weight``, and only (N, C) input (``cross_entropy`` takes (N, C, d1, ...))."""
    _no_class_weight("nll_loss", weight)
    reduction = _legacy_reduction(size_average, reduce, reduction)
    return _nll_loss("nll_loss", input, target, reduction, ignore_index)


def _nll_loss(name, input, target, reduction, ignore_index):
    """``nll_loss`` with errors that name the caller (``NLLLoss`` uses it too)."""
    _check_tensor(name, input)
    if input.ndim != 2:
        raise ValueError(f"{name}: expected input of shape (N, C), got {tuple(input.shape)}")
    t = _class_target(name, input, target, input.shape[:1])
    _check_reduction(name, reduction)
    valid = t != ignore_index
    C = input.shape[1]
    out_of_range = valid & ((t < 0) | (t >= C))
    if out_of_range.any():
        raise IndexError(f"{name}: target {t[out_of_range][0]} is out of range for {C} classes")
    # ignored targets pick class 0, then a mask zeroes their terms
    picked = input[np.arange(len(t)), np.where(valid, t, 0)]
    if not valid.all():
        picked = picked * valid.astype(input.dtype)
    if reduction == "mean":
        return -picked.sum() / max(int(valid.sum()), 1)
    return -picked.sum() if reduction == "sum" else -picked


def _pointwise_operands(name, input, target, reduction):
    """Checks shared by the elementwise regression losses: ``input`` a Tensor, ``target`` of
    the same shape (a Tensor or array-like, as a Tensor of the input's dtype), and
    ``reduction``. Unlike PyTorch, which only warns, different shapes are an error:
    broadcasting them (say (N, 1) against (N,)) would silently compute the wrong loss."""
    _check_tensor(name, input)
    if not isinstance(target, Tensor):
        target = Tensor(np.asarray(target, dtype=input.dtype))
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"{name}: input has shape {tuple(input.shape)} but target has "
                         f"shape {tuple(target.shape)}; they must match")
    _check_reduction(name, reduction)
    return target


def _weighted(name, loss, weight, reduction, mean_over_weights=True):
    """PyTorch's optional elementwise ``weight`` of mse/l1/huber (same shape as the input);
    the weighted mean divides by the sum of the weights (mse, l1) or by the count (huber)."""
    if weight is None:
        return _reduce(loss, reduction)
    if not isinstance(weight, Tensor):
        weight = Tensor(np.asarray(weight, dtype=loss.dtype))
    if tuple(weight.shape) != tuple(loss.shape):
        raise ValueError(f"{name}: weight has shape {tuple(weight.shape)}, but input has "
                         f"shape {tuple(loss.shape)}: weights and input must have the same size")
    loss = loss * weight
    if reduction == "mean" and mean_over_weights:
        return loss.sum() / weight.sum()
    return _reduce(loss, reduction)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean squared error ``(input - target)**2``. Unlike PyTorch, which only warns, input
    and target of different shapes are an error: broadcasting them (say (N, 1) against (N,))
    would silently compute the wrong loss."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if weight is None:
        return _mse_loss("mse_loss", input, target, reduction)
    target = _pointwise_operands("mse_loss", input, target, reduction)
    diff = input - target
    return _weighted("mse_loss", diff * diff, weight, reduction)


def _mse_loss(name, input, target, reduction):
    """``mse_loss`` with errors that name the caller (``MSELoss`` uses it too)."""
    _check_tensor(name, input)
    t_shape = tuple(np.shape(target._array if isinstance(target, Tensor) else target))
    if t_shape != tuple(input.shape):
        raise ValueError(f"{name}: input has shape {tuple(input.shape)} but target has "
                         f"shape {t_shape}; they must match")
    _check_reduction(name, reduction)
    diff = input - target
    sq = diff * diff
    return sq.mean() if reduction == "mean" else sq.sum() if reduction == "sum" else sq


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean absolute error ``|input - target|`` (the gradient at a zero difference is 0).
    Input and target must have the same shape."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    return _l1_loss("l1_loss", input, target, reduction, weight)


def _l1_loss(name, input, target, reduction, weight=None):
    target = _pointwise_operands(name, input, target, reduction)
    return _weighted(name, (input - target).abs(), weight, reduction)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """``0.5 * d**2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 * beta``, d = input -
    target; ``beta=0`` is the L1 loss. Input and target must have the same shape."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    return _smooth_l1_loss("smooth_l1_loss", input, target, reduction, beta)


def _smooth_l1_loss(name, input, target, reduction, beta):
    if beta < 0:
        raise ValueError(f"{name}: beta must be >= 0, got {beta}")
    target = _pointwise_operands(name, input, target, reduction)
    diff = input - target
    if beta == 0:
        return _reduce(diff.abs(), reduction)
    small = diff.abs()._array < beta
    loss = _where(small, diff * diff * (0.5 / beta), diff.abs() - 0.5 * beta)
    return _reduce(loss, reduction)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """``0.5 * d**2`` where ``|d| <= delta``, else ``delta * (|d| - 0.5 * delta)``: the smooth
    L1 loss times ``delta`` (with beta = delta). Input and target must have the same shape."""
    return _huber_loss("huber_loss", input, target, reduction, delta, weight)


def _huber_loss(name, input, target, reduction, delta, weight=None):
    if delta <= 0:
        raise ValueError(f"{name}: delta must be positive, got {delta}")
    target = _pointwise_operands(name, input, target, reduction)
    diff = input - target
    small = diff.abs()._array <= delta
    loss = _where(small, diff * diff * 0.5, (diff.abs() - 0.5 * delta) * delta)
    return _weighted(name, loss, weight, reduction, mean_over_weights=False)


def _loss_weight(name, weight, what, shape):
    """An optional rescaling ``weight``/``pos_weight`` as a Tensor, checked to broadcast to
    ``shape``."""
    if weight is None:
        return None
    if not isinstance(weight, Tensor):
        weight = Tensor(np.asarray(weight))
    try:
        np.broadcast_shapes(tuple(weight.shape), tuple(shape))
    except ValueError:
        raise ValueError(f"{name}: {what} of shape {tuple(weight.shape)} does not broadcast "
                         f"to the input's shape {tuple(shape)}") from None
    return weight


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    """``-weight * (t * log(x) + (1 - t) * log(1 - x))`` of probabilities ``input`` (e.g. a
    sigmoid's output) against ``target`` of the same shape, values in [0, 1]. Each log is
    clamped to >= -100, as in PyTorch, so saturated probabilities give a finite loss.
    ``weight`` broadcasts to the input's shape."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    return _binary_cross_entropy("binary_cross_entropy", input, target, weight, reduction)


def _binary_cross_entropy(name, input, target, weight, reduction):
    target = _binary_target(name, input, target, "Using a target size {t} that is different "
                            "to the input size {i}: they must match")
    _check_reduction(name, reduction)
    x = input._array
    if x.size and not (x.min() >= 0 and x.max() <= 1):     # NaN fails too
        raise ValueError(f"{name}: all elements of input should be between 0 and 1 (they are "
                         f"probabilities), got values in [{x.min()}, {x.max()}]; for logits "
                         "use binary_cross_entropy_with_logits / BCEWithLogitsLoss")
    loss = _loss.BinaryCrossEntropy.apply(input, target)
    weight = _loss_weight(name, weight, "weight", input.shape)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def _binary_target(name, input, target, message):
    _check_float(name, input)
    if not isinstance(target, Tensor):
        target = Tensor(np.asarray(target, dtype=input.dtype))
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"{name}: " + message.format(t=tuple(target.shape),
                                                      i=tuple(input.shape)))
    if not np.issubdtype(target.dtype, np.floating):
        raise TypeError(f"{name}: target must be a floating point tensor (probabilities in "
                        f"[0, 1]), got dtype {target.dtype}; convert it with target.float()")
    return target if target.dtype == input.dtype else target.to(input.dtype)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    """Sigmoid and binary cross-entropy in one, stable for any logit:
    ``weight * (pos_weight * t * softplus(-x) + (1 - t) * softplus(x))`` -- that is
    ``-weight * (pos_weight * t * log(sigmoid(x)) + (1 - t) * log(1 - sigmoid(x)))``.
    ``pos_weight`` (e.g. of shape (C,) for targets (N, C)) weighs the positive examples;
    both weights broadcast to the input's shape."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    return _bce_with_logits("binary_cross_entropy_with_logits", input, target, weight,
                            reduction, pos_weight)


def _bce_with_logits(name, input, target, weight, reduction, pos_weight):
    target = _binary_target(name, input, target,
                            "Target size {t} must be the same as input size {i}")
    _check_reduction(name, reduction)
    pos_weight = _loss_weight(name, pos_weight, "pos_weight", input.shape)
    weight = _loss_weight(name, weight, "weight", input.shape)
    positive = _elementwise.Softplus.apply(-input) * target
    if pos_weight is not None:
        positive = positive * pos_weight
    loss = positive + _elementwise.Softplus.apply(input) * (1 - target)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


# ---- dropout ---------------------------------------------------------------------------------
def _check_p(name, p):
    if isinstance(p, bool) or not isinstance(p, (int, float, np.floating)) or not 0 <= p <= 1:
        raise ValueError(f"{name}: dropout probability has to be between 0 and 1, got {p!r}")


def _dropout(input, p, training, inplace, mask_shape):
    """Inverted dropout with one Bernoulli draw per element of ``mask_shape`` (the input's
    shape, or with 1s for whole channels), broadcast over the input."""
    if not training or p == 0:
        return input
    if p == 1:
        mask = np.zeros(mask_shape, dtype=input.dtype)
    else:
        keep = _random.generator().random(mask_shape, dtype=np.float32) >= p
        mask = keep.astype(input.dtype) * np.asarray(1 / (1 - p), dtype=input.dtype)
    return input.mul_(mask) if inplace else input * mask


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability ``p`` and scale the rest by 1/(1-p) (inverted
    dropout, as PyTorch). Identity when ``training`` is False."""
    _check_p("dropout", p)
    return _dropout(input, p, training, inplace, input.shape)


def _channel_mask_shape(input, batched):
    """One draw per channel: (N, C, 1, ...) for batched input, (C, 1, ...) for unbatched."""
    lead = 2 if batched else 1
    return tuple(input.shape[:lead]) + (1,) * (input.ndim - lead)


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels: input (N, C, L) or unbatched (C, L), each channel (a 1-D map)
    dropped with probability ``p``; the rest scaled by 1/(1-p)."""
    _check_p("dropout1d", p)
    _check_tensor("dropout1d", input)
    if input.ndim not in (2, 3):
        raise ValueError(f"dropout1d: expected a 2-D (C, L) or 3-D (N, C, L) input, got input "
                         f"of shape {tuple(input.shape)}")
    return _dropout(input, p, training, inplace, _channel_mask_shape(input, input.ndim == 3))


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels: input (N, C, H, W), each channel (a 2-D map) dropped with
    probability ``p``; the rest scaled by 1/(1-p). As PyTorch (with its warning), a 3-D
    input is taken as (N, C, L), not as an unbatched (C, H, W)."""
    _check_p("dropout2d", p)
    _check_tensor("dropout2d", input)
    if input.ndim < 2:
        raise ValueError(f"dropout2d: expected a 4-D input (N, C, H, W), got input of shape "
                         f"{tuple(input.shape)}")
    if input.ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that "
                      "channel-wise 1D dropout behavior is desired - input is interpreted as "
                      "shape (N, C, L), where C is the channel dim (PyTorch's rule); use "
                      "dropout1d for that", UserWarning, stacklevel=2)
    elif input.ndim != 4:
        warnings.warn(f"dropout2d: Received a {input.ndim}-D input to dropout2d, which is "
                      "deprecated; it drops along dim 1 of a (N, C, ...) input", UserWarning,
                      stacklevel=2)
    return _dropout(input, p, training, inplace, _channel_mask_shape(input, True))


def dropout3d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels: input (N, C, D, H, W) or unbatched (C, D, H, W), each channel
    (a 3-D map) dropped with probability ``p``; the rest scaled by 1/(1-p)."""
    _check_p("dropout3d", p)
    _check_tensor("dropout3d", input)
    if input.ndim < 2:
        raise ValueError(f"dropout3d: expected a 5-D input (N, C, D, H, W), got input of shape "
                         f"{tuple(input.shape)}")
    if input.ndim not in (4, 5):
        warnings.warn(f"dropout3d: Received a {input.ndim}-D input to dropout3d, which is "
                      "deprecated; it drops along dim 1 of a (N, C, ...) input", UserWarning,
                      stacklevel=2)
    return _dropout(input, p, training, inplace, _channel_mask_shape(input, input.ndim != 4))


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
    return _batch_norm("batch_norm", input, running_mean, running_var, weight, bias, training,
                       momentum, eps)


def _batch_norm(name, input, running_mean, running_var, weight, bias, training, momentum, eps):
    """``batch_norm`` with errors that name the caller (the BatchNorm modules use it too)."""
    _check_tensor(name, input)
    if input.ndim < 2:
        raise ValueError(f"{name}: expected input of shape (N, C, ...), got {input.shape}")
    C = input.shape[1]
    for what, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != (C,):
            raise ValueError(f"{name}: {what} has shape {tuple(t.shape)}, expected ({C},) "
                             f"for input of shape {input.shape} with {C} channels")
    if training and input.numel() // max(C, 1) <= 1:
        raise ValueError(f"{name}: expected more than 1 value per channel when training, "
                         f"got input of shape {input.shape}")
    if not training and (running_mean is None or running_var is None):
        raise ValueError(f"{name}: running_mean and running_var are required when "
                         "training=False")

    def array(t):
        return t._array if isinstance(t, Tensor) else t
    return _BatchNorm.apply(input, weight, bias, running_mean=array(running_mean),
                            running_var=array(running_var), training=training,
                            momentum=momentum, eps=eps)


# ---- convolution and pooling -----------------------------------------------------------------
# Thin wrappers over the N-d Functions in ``ops/conv.py``: they turn ints into per-axis tuples,
# check shapes and values (naming the layer, the expected and the actual value), accept an
# unbatched input (C, *spatial) as PyTorch does, and call the op. ``name`` is what errors are
# reported as: the function's name, or the module that called it.
from ..ops import conv as _conv_ops  # noqa: E402
from ..ops import reduce as _reduce_ops  # noqa: E402


def _ntuple(name, what, value, nd, positive=False):
    """``value`` as a tuple of ``nd`` ints (an int is repeated), else a clear error; with
    ``positive``, each must be at least 1."""
    values = tuple(value) if isinstance(value, (tuple, list)) else (value,) * nd
    if len(values) != nd or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                                    for v in values):
        raise ValueError(f"{name}: {what} must be an int or a tuple of {nd} ints, got {value!r}")
    values = tuple(int(v) for v in values)
    if positive and any(v < 1 for v in values):
        raise ValueError(f"{name}: {what} must be positive, got {what}={values}")
    return values


def _check_input(name, input, nd):
    """``input`` must be (N, C, *spatial) or unbatched (C, *spatial); returns it batched
    and whether it was unbatched."""
    _check_tensor(name, input)
    spatial = {1: "L", 2: "H, W", 3: "D, H, W"}[nd]
    if input.ndim not in (nd + 1, nd + 2):
        raise ValueError(f"{name}: expected a {nd + 2}-D input (N, C, {spatial}) or a {nd + 1}-D "
                         f"unbatched input (C, {spatial}), got input of shape {tuple(input.shape)}")
    if not np.issubdtype(input.dtype, np.floating):
        raise TypeError(f"{name}: expected a floating point input, got dtype {input.dtype}")
    unbatched = input.ndim == nd + 1
    return (input.reshape((1,) + input.shape) if unbatched else input), unbatched


def _conv_padding(name, padding, kernel, stride, dilation):
    """Padding as ((lo, hi), ...) per axis. 'same' pads dilation·(k-1) in total, the odd
    element on the high side (as PyTorch does for even kernels); 'valid' is no padding."""
    nd = len(kernel)
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * nd
        if padding == "same":
            if any(s != 1 for s in stride):
                raise ValueError(f"{name}: padding='same' is not supported for strided "
                                 f"convolutions, got stride={stride}")
            totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
            return tuple((t // 2, t - t // 2) for t in totals)
        raise ValueError(f"{name}: padding must be an int, a tuple, 'valid' or 'same', "
                         f"got {padding!r}")
    pads = _ntuple(name, "padding", padding, nd)
    if any(p < 0 for p in pads):
        raise ValueError(f"{name}: padding must be non-negative, got padding={padding!r}")
    return tuple((p, p) for p in pads)


def _conv_operands(name, nd, input, weight, groups, weight_layout):
    """Checks shared by convolution and transposed convolution: the weight's rank, the
    input, and ``groups`` dividing the weight's first dim. Returns the batched input and
    whether it was unbatched."""
    _check_tensor(name, weight)
    if weight.ndim != nd + 2:
        raise ValueError(f"{name}: expected a {nd + 2}-D weight ({weight_layout}, "
                         f"*kernel_size), got weight of shape {tuple(weight.shape)}")
    x, unbatched = _check_input(name, input, nd)
    if not isinstance(groups, (int, np.integer)) or isinstance(groups, bool) or groups < 1:
        raise ValueError(f"{name}: groups must be a positive int, got {groups!r}")
    if weight.shape[0] % groups:
        what = "out_channels" if weight_layout.startswith("out") else "in_channels"
        raise ValueError(f"{name}: {what}={weight.shape[0]} (weight of shape "
                         f"{tuple(weight.shape)}) is not divisible by groups={groups}")
    return x, unbatched


def _conv_bias_and_dtypes(name, x, weight, bias, groups, out_channels):
    """The bias must be (out_channels,), and input, weight and bias of one dtype."""
    if bias is not None:
        _check_tensor(name, bias)
        if tuple(bias.shape) != (out_channels,):
            raise ValueError(f"{name}: bias has shape {tuple(bias.shape)}, expected "
                             f"({out_channels},) for weight of shape {tuple(weight.shape)} "
                             f"with groups={groups}")
    for t, what in ((weight, "weight"), (bias, "bias")):
        if t is not None and t.dtype != x.dtype:
            raise TypeError(f"{name}: input dtype {x.dtype} and {what} dtype {t.dtype} differ; "
                            "convert one of them (e.g. input.float()) -- minigrad does not mix "
                            "precisions silently")


def _conv(name, nd, input, weight, bias, stride, padding, dilation, groups):
    x, unbatched = _conv_operands(name, nd, input, weight, groups,
                                  "out_channels, in_channels/groups")
    out_channels, kernel = weight.shape[0], tuple(weight.shape[2:])
    if x.shape[1] != weight.shape[1] * groups:
        raise ValueError(f"{name}: weight of shape {tuple(weight.shape)} with groups={groups} "
                         f"expects input with {weight.shape[1] * groups} channels, got input "
                         f"of shape {tuple(input.shape)} with {x.shape[1]} channels")
    _conv_bias_and_dtypes(name, x, weight, bias, groups, out_channels)
    stride = _ntuple(name, "stride", stride, nd, positive=True)
    dilation = _ntuple(name, "dilation", dilation, nd, positive=True)
    pads = _conv_padding(name, padding, kernel, stride, dilation)
    padded = tuple(n + lo + hi for n, (lo, hi) in zip(x.shape[2:], pads))
    spans = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    if any(s > p for s, p in zip(spans, padded)):
        raise ValueError(f"{name}: the kernel {kernel} with dilation {dilation} spans {spans}, "
                         f"larger than the padded input {padded} (input of shape "
                         f"{tuple(input.shape)}, padding {padding!r})")
    out = _conv_ops.ConvNd.apply(x, weight, bias, stride=stride, padding=pads,
                                 dilation=dilation, groups=int(groups))
    return out.reshape(out.shape[1:]) if unbatched else out


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution of ``input`` (N, C, L) with ``weight`` (O, C/groups, k)."""
    return _conv("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution of ``input`` (N, C, H, W) with ``weight`` (O, C/groups, kH, kW):
    each filter spans all C/groups input maps of its group, so every output map is a sum
    over input maps. ``padding`` is an int, a tuple, 'valid' or 'same'."""
    return _conv("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-D convolution of ``input`` (N, C, D, H, W) with ``weight`` (O, C/groups, kD, kH, kW)."""
    return _conv("conv3d", 3, input, weight, bias, stride, padding, dilation, groups)


def _conv_transpose(name, nd, input, weight, bias, stride, padding, output_padding, groups,
                    dilation):
    """Transposed convolution, PyTorch's semantics: each input element (n, c, i) adds
    ``input[n, c, i] * weight[c, o, k]`` into output position ``i·stride + k·dilation -
    padding`` (o over the out_channels/groups maps of c's group); the output has size
    ``(L-1)·stride - 2·padding + dilation·(k-1) + output_padding + 1`` per axis. That is
    the input gradient of a convolution with the same weight (``ConvTransposeNd``)."""
    x, unbatched = _conv_operands(name, nd, input, weight, groups,
                                  "in_channels, out_channels/groups")
    in_channels, kernel = weight.shape[0], tuple(weight.shape[2:])
    out_channels = weight.shape[1] * groups
    if x.shape[1] != in_channels:
        raise ValueError(f"{name}: weight of shape {tuple(weight.shape)} expects input with "
                         f"{in_channels} channels (weight.shape[0]), got input of shape "
                         f"{tuple(input.shape)} with {x.shape[1]} channels")
    _conv_bias_and_dtypes(name, x, weight, bias, groups, out_channels)
    stride = _ntuple(name, "stride", stride, nd, positive=True)
    dilation = _ntuple(name, "dilation", dilation, nd, positive=True)
    if isinstance(padding, str):
        raise ValueError(f"{name}: padding must be an int or a tuple of {nd} ints, got "
                         f"{padding!r} (string padding is not supported for transposed "
                         "convolutions, as in PyTorch)")
    pads = _ntuple(name, "padding", padding, nd)
    if any(p < 0 for p in pads):
        raise ValueError(f"{name}: padding must be non-negative, got padding={padding!r}")
    extra = _ntuple(name, "output_padding", output_padding, nd)
    if any(e < 0 for e in extra):
        raise ValueError(f"{name}: output_padding must be non-negative, got "
                         f"output_padding={output_padding!r}")
    if any(e >= s and e >= d for e, s, d in zip(extra, stride, dilation)):
        raise ValueError(f"{name}: output_padding must be smaller than either stride or "
                         f"dilation along each axis, got output_padding={extra}, "
                         f"stride={stride}, dilation={dilation}")
    size = tuple((n - 1) * s - 2 * p + d * (k - 1) + e + 1 for n, s, p, d, k, e
                 in zip(x.shape[2:], stride, pads, dilation, kernel, extra))
    if any(o < 1 for o in size):
        raise ValueError(f"{name}: input of shape {tuple(input.shape)} with kernel {kernel}, "
                         f"stride={stride}, padding={pads}, output_padding={extra}, "
                         f"dilation={dilation} gives an output of spatial size {size}: "
                         f"it must be positive")
    # ConvTransposeNd is the input gradient of a convolution with padding (lo, hi) of an
    # input of the output's size. output_padding makes the output longer on the high
    # side; as a convolution's padding that is hi = padding - output_padding, and where
    # that would be negative the last output_padding - padding positions are beyond
    # every scattered element: zeros, appended afterwards.
    pairs = tuple((p, max(0, p - e)) for p, e in zip(pads, extra))
    zeros = tuple(max(0, e - p) for p, e in zip(pads, extra))
    core = tuple(o - z for o, z in zip(size, zeros))
    out = _conv_ops.ConvTransposeNd.apply(x, weight, core, stride=stride, padding=pairs,
                                          dilation=dilation, groups=int(groups))
    if any(zeros):
        out = pad(out, tuple(v for z in reversed(zeros) for v in (0, z)))
    if bias is not None:
        out = out + bias.reshape((out_channels,) + (1,) * nd)
    return out.reshape(out.shape[1:]) if unbatched else out


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """1-D transposed convolution of ``input`` (N, C, L) with ``weight`` (C, O/groups, k)."""
    return _conv_transpose("conv_transpose1d", 1, input, weight, bias, stride, padding,
                           output_padding, groups, dilation)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """2-D transposed convolution of ``input`` (N, C, H, W) with ``weight``
    (C, O/groups, kH, kW): the gradient of ``conv2d`` w.r.t. its input, so with stride 2
    it upsamples. ``output_padding`` adds rows/columns on the high side (to pick among the
    input sizes a strided conv2d maps to the same output size)."""
    return _conv_transpose("conv_transpose2d", 2, input, weight, bias, stride, padding,
                           output_padding, groups, dilation)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """3-D transposed convolution of ``input`` (N, C, D, H, W) with ``weight``
    (C, O/groups, kD, kH, kW)."""
    return _conv_transpose("conv_transpose3d", 3, input, weight, bias, stride, padding,
                           output_padding, groups, dilation)


def _pool_args(name, nd, input, kernel_size, stride, padding, dilation, ceil_mode, max_pad):
    """Per-axis tuples for pooling, checked. ``max_pad(kernel, dilation)`` is the largest
    padding PyTorch allows (about half the window: a window of only padding has no input)."""
    kernel = _ntuple(name, "kernel_size", kernel_size, nd, positive=True)
    empty = isinstance(stride, (tuple, list)) and len(stride) == 0   # PyTorch's default []
    stride = kernel if stride is None or empty else \
        _ntuple(name, "stride", stride, nd, positive=True)
    pads = _ntuple(name, "padding", padding, nd)
    dilation = _ntuple(name, "dilation", dilation, nd, positive=True)
    for p, k, d in zip(pads, kernel, dilation):
        if p < 0 or p > max_pad(k, d):
            raise ValueError(f"{name}: padding must be between 0 and half the kernel size, got "
                             f"padding={pads} for kernel_size={kernel}"
                             + (f", dilation={dilation}" if any(d > 1 for d in dilation) else ""))
    x, unbatched = _check_input(name, input, nd)
    pairs = tuple((p, p) for p in pads)
    out = _conv_ops._pooled_shape(x.shape, kernel, stride, pairs, dilation, bool(ceil_mode))
    if any(o < 1 for o in out):
        raise ValueError(f"{name}: input of shape {tuple(input.shape)} is too small for "
                         f"kernel_size={kernel}, stride={stride}, padding={pads}"
                         + (f", dilation={dilation}" if any(d > 1 for d in dilation) else "")
                         + f": the output would have spatial shape {out}")
    return x, unbatched, kernel, stride, pairs, dilation


def _max_pool(name, nd, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    """Max pooling; with ``return_indices`` also the int64 Tensor of PyTorch's indices: for
    each output, the flat position (within its own (n, c) map of the input) of the element
    that won the window -- what ``max_unpool`` takes. Computing them costs a second pass."""
    x, unbatched, kernel, stride, pads, dilation = _pool_args(
        name, nd, input, kernel_size, stride, padding, dilation, ceil_mode,
        max_pad=lambda k, d: (d * (k - 1) + 1) // 2)
    out = _conv_ops.MaxPoolNd.apply(x, kernel=kernel, stride=stride, padding=pads,
                                    dilation=dilation, ceil_mode=bool(ceil_mode))
    if unbatched:
        out = out.reshape(out.shape[1:])
    if not return_indices:
        return out
    indices = _conv_ops.max_pool_indices(x._array, kernel, stride, pads, dilation,
                                         bool(ceil_mode))
    return out, Tensor._from_op(indices[0] if unbatched else indices, None)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """1-D max pooling of ``input`` (N, C, L); see ``max_pool2d``."""
    return _max_pool("max_pool1d", 1, input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """Max over each ``kernel_size`` window of each channel (stride defaults to the kernel
    size; padding counts as -inf). The gradient goes to the first maximum of each window.
    ``return_indices=True`` returns ``(output, indices)``, indices as ``max_unpool2d`` takes."""
    return _max_pool("max_pool2d", 2, input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    return _max_pool("max_pool3d", 3, input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def _max_unpool(name, nd, input, indices, kernel_size, stride, padding, output_size):
    """The partial inverse of max pooling: zeros of the output size with each input value
    written at its index (``indices`` from ``max_pool(..., return_indices=True)``: flat
    positions within each (n, c) map of the output). Built from ``PutAlong``, whose
    gradient picks the values at the indices again (``TakeAlong``). An index named twice
    (overlapping windows sharing a maximum) holds one value, and as in PyTorch both inputs
    get its gradient."""
    x, unbatched = _check_input(name, input, nd)
    idx = indices._array if isinstance(indices, Tensor) else np.asarray(indices)
    if not np.issubdtype(idx.dtype, np.integer):
        raise TypeError(f"{name}: indices must be an integer tensor (from max_pool with "
                        f"return_indices=True), got dtype {idx.dtype}")
    if idx.shape != tuple(input.shape):
        raise ValueError(f"{name}: expected indices of the input's shape {tuple(input.shape)}, "
                         f"got indices of shape {idx.shape}")
    kernel = _ntuple(name, "kernel_size", kernel_size, nd, positive=True)
    stride = kernel if stride is None else _ntuple(name, "stride", stride, nd, positive=True)
    pads = _ntuple(name, "padding", padding, nd)
    default = tuple((n - 1) * s + k - 2 * p
                    for n, s, k, p in zip(x.shape[2:], stride, kernel, pads))
    if output_size is None:
        size = default
    else:
        size = tuple(output_size)
        if len(size) == nd + 2:
            size = size[2:]
        if len(size) != nd:
            raise ValueError(f"{name}: output_size should be a sequence of {nd} or {nd + 2} "
                             f"elements, got {output_size!r}")
        for d, (o, m, s) in enumerate(zip(size, default, stride)):
            if not m - s < o < m + s:
                raise ValueError(f"{name}: invalid output_size {tuple(output_size)} (dim {d} "
                                 f"must be between {m - s} and {m + s}, exclusive)")
    if any(o < 1 for o in size):
        raise ValueError(f"{name}: the output would have spatial size {size}; it must be "
                         f"positive (input of shape {tuple(input.shape)}, kernel_size={kernel}, "
                         f"stride={stride}, padding={pads})")
    if unbatched:
        idx = idx[None]
    N, C = x.shape[:2]
    total = math.prod(size)
    flat = idx.reshape(N, C, -1)
    if flat.size and (flat.min() < 0 or flat.max() >= total):
        bad = flat[(flat < 0) | (flat >= total)][0]
        raise IndexError(f"{name}: found an invalid max index {bad} (the output has "
                         f"{total} elements per channel: spatial size {size})")
    out = _reduce_ops.PutAlong.apply(x.reshape(N, C, -1), flat, 2, (N, C, total))
    out = out.reshape((N, C) + size)
    return out.reshape(out.shape[1:]) if unbatched else out


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of ``max_pool1d``; see ``max_unpool2d``."""
    return _max_unpool("max_unpool1d", 1, input, indices, kernel_size, stride, padding,
                       output_size)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of ``max_pool2d``: each value of ``input`` (N, C, H, W) goes to its
    position in ``indices``, every other element is 0. The output is
    ``(H - 1) * stride - 2 * padding + kernel_size`` per axis, or ``output_size``."""
    return _max_unpool("max_unpool2d", 2, input, indices, kernel_size, stride, padding,
                       output_size)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of ``max_pool3d``; see ``max_unpool2d``."""
    return _max_unpool("max_unpool3d", 3, input, indices, kernel_size, stride, padding,
                       output_size)


def _avg_pool(name, nd, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
              divisor_override):
    if divisor_override is not None and (not isinstance(divisor_override, (int, np.integer))
                                         or divisor_override == 0):
        raise ValueError(f"{name}: divisor_override must be a non-zero int, got {divisor_override!r}")
    x, unbatched, kernel, stride, pads, _ = _pool_args(
        name, nd, input, kernel_size, stride, padding, 1, ceil_mode,
        max_pad=lambda k, d: k // 2)
    out = _conv_ops.AvgPoolNd.apply(x, kernel=kernel, stride=stride, padding=pads,
                                    ceil_mode=bool(ceil_mode),
                                    count_include_pad=bool(count_include_pad),
                                    divisor_override=divisor_override)
    return out.reshape(out.shape[1:]) if unbatched else out


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    return _avg_pool("avg_pool1d", 1, input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, None)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """Mean over each ``kernel_size`` window of each channel. With ``count_include_pad``
    (the default, as PyTorch) padded zeros count in the mean."""
    return _avg_pool("avg_pool2d", 2, input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, divisor_override)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    return _avg_pool("avg_pool3d", 3, input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, divisor_override)


def _adaptive_avg_pool(name, nd, input, output_size):
    x, unbatched = _check_input(name, input, nd)
    sizes = tuple(output_size) if isinstance(output_size, (tuple, list)) else (output_size,) * nd
    if len(sizes) != nd or not all(s is None or (isinstance(s, (int, np.integer))
                                                 and not isinstance(s, bool) and s >= 1)
                                   for s in sizes):
        raise ValueError(f"{name}: output_size must be a positive int or a tuple of {nd} "
                         f"positive ints (or None to keep that size), got {output_size!r}")
    sizes = tuple(n if s is None else int(s) for s, n in zip(sizes, x.shape[2:]))
    out = _conv_ops.AdaptiveAvgPoolNd.apply(x, output_size=sizes)
    return out.reshape(out.shape[1:]) if unbatched else out


def adaptive_avg_pool1d(input, output_size):
    return _adaptive_avg_pool("adaptive_avg_pool1d", 1, input, output_size)


def adaptive_avg_pool2d(input, output_size):
    """Average each channel over an ``output_size`` grid of bins (PyTorch's bins); output
    size 1 is global average pooling."""
    return _adaptive_avg_pool("adaptive_avg_pool2d", 2, input, output_size)


def adaptive_avg_pool3d(input, output_size):
    return _adaptive_avg_pool("adaptive_avg_pool3d", 3, input, output_size)
