"""Stateless layers (``torch.nn.functional`` names), each a thin call into ``minigrad/ops``.

Sections: activations, linear, losses, dropout, normalisation, then convolution and pooling.

Most of this file is checking arguments, so that a bad one is a clear error naming the
caller, the expected and the actual value. One convention for naming the caller: where a
layer shares a function's checks, the public function (``linear``) is a one-line call of a
private twin (``_linear``) whose first argument, ``name``, is what errors start with -- the
function passes its own name as a string, a layer's ``forward`` passes the layer itself,
which an error shows as it prints (``Conv2d(3, 4, kernel_size=(3, 3), stride=(1, 1))``),
formatted only when an error is raised. (A layer's ``__init__``, before the layer exists,
passes its class name.)
"""
import math
import warnings

import numpy as np

from .. import random as _random
from ..functional import pad
from ..functional import where as _where
from ..ops import conv as _conv_ops
from ..ops import elementwise as _elementwise
from ..ops import loss as _loss
from ..ops import matmul as _matmul
from ..ops import reduce as _reduce_ops
from ..ops.norm import BatchNorm as _BatchNorm
from ..tensor import Tensor, _norm_dim


def _check_tensor(name, x, arg="input"):
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}: expected a minigrad Tensor, got {type(x).__name__} for "
                        f"argument '{arg}'")


def _check_finite(name, what, value):
    """A layer's number (slope, alpha, beta...): real and finite. PyTorch takes a NaN and
    silently computes NaN outputs; minigrad names it instead."""
    if not _is_real(value) or not -math.inf < value < math.inf:
        raise ValueError(f"{name}: {what} must be a finite number, got {value!r}")


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


def _check_float(name, x, arg="input"):
    """``x`` a Tensor of a floating dtype (PyTorch: int, bool and complex inputs of the
    float-only kernels are "not implemented"), else a TypeError naming ``name``."""
    _check_tensor(name, x, arg)
    if x._array.dtype.kind != "f":
        raise TypeError(f"{name}: expected a floating point {arg}, got dtype {x.dtype}; "
                        f"convert it first, e.g. {arg}.float()")


# ---- activations -----------------------------------------------------------------------------
# ``inplace=True`` writes the result into ``input`` with the Tensor in-place methods
# (``relu_``, ``mul_``, ``copy_``), so PyTorch's rules apply: an error on a leaf that requires
# grad, a recorded op (the tensor takes on the new history) when autograd is on.
def relu(input, inplace=False):
    """max(x, 0); the gradient at 0 is 0. Integer input stays integer, bool is an error
    (as PyTorch)."""
    if not isinstance(input, Tensor) or input._array.dtype.kind in "bc":
        _check_tensor("relu", input)
        if input._array.dtype.kind == "c":
            raise TypeError("relu: complex inputs are not supported (PyTorch: clamp is not "
                            "implemented for complex)")
        raise RuntimeError("relu: Boolean inputs not supported for relu")
    return input.relu_() if inplace else input.relu()


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """x where x > 0, else ``negative_slope * x``: the input times a constant mask, so the
    gradient is the mask (``negative_slope`` at 0, as in PyTorch)."""
    _check_float("leaky_relu", input)
    _check_finite("leaky_relu", "negative_slope", negative_slope)
    mask = np.where(input._array > 0, 1, negative_slope).astype(input.dtype)
    return input.mul_(mask) if inplace else input * mask


def elu(input, alpha=1.0, inplace=False):
    """x where x > 0, else ``alpha * (exp(x) - 1)`` (the gradient at 0 is ``alpha``)."""
    _check_float("elu", input)
    _check_finite("elu", "alpha", alpha)
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
    _check_finite("softplus", "beta", beta)
    if beta == 0:
        raise ValueError("softplus: beta must be non-zero (log(1 + exp(0 * x)) / 0 is inf)")
    if not _is_real(threshold) or threshold != threshold:
        raise ValueError(f"softplus: threshold must be a number, got {threshold!r}")
    z = input * beta if beta != 1 else input
    out = _elementwise.Softplus.apply(z)
    if beta != 1:
        out = out / beta
    return _where(z > threshold, input, out)


def erf(input):
    """The error function, elementwise (``torch.erf``; the Function is ``ops.elementwise.Erf``);
    integer and bool input give float32, as in PyTorch."""
    input = _as_float("erf", input)
    if input._array.dtype.kind == "c":
        _check_float("erf", input)
    return _elementwise.Erf.apply(input)


def relu_(input):
    return relu(input, inplace=True)


def leaky_relu_(input, negative_slope=0.01):
    return leaky_relu(input, negative_slope, inplace=True)


def elu_(input, alpha=1.0):
    return elu(input, alpha, inplace=True)


def _as_float(name, input):
    """``input`` checked to be a Tensor; integer and bool input cast to float32, as
    PyTorch's float-valued elementwise functions (``sigmoid``, ``tanh``) compute it."""
    if not isinstance(input, Tensor):
        _check_tensor(name, input)
    return input if input._array.dtype.kind in "fc" else input.to(np.float32)


def sigmoid(input):
    """1 / (1 + exp(-x)); integer and bool input give float32, as in PyTorch. Complex input
    is not supported (PyTorch's is)."""
    input = _as_float("sigmoid", input)
    if input._array.dtype.kind == "c":
        _check_float("sigmoid", input)
    return input.sigmoid()


def tanh(input):
    """Integer and bool input give float32, as in PyTorch."""
    return _as_float("tanh", input).tanh()


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
    PyTorch's deprecated implicit choice, with a warning. The input (after ``dtype``) must
    be floating point, as in PyTorch."""
    _check_tensor("softmax", input)
    if dim is None:
        dim = _softmax_dim("softmax", input.ndim, _stacklevel)
    return _softmax("softmax", input, dim, dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """log(softmax(x)) along ``dim``, computed stably; no ``dim``: as ``softmax``."""
    _check_tensor("log_softmax", input)
    if dim is None:
        dim = _softmax_dim("log_softmax", input.ndim, _stacklevel)
    return _softmax("log_softmax", input, dim, dtype, log=True)


def _softmax(name, input, dim, dtype=None, log=False):
    """``softmax``/``log_softmax`` of a Tensor with errors that name the caller (the
    Softmax and LogSoftmax modules use it too)."""
    if dtype is not None:
        input = input.to(dtype)
    if input._array.dtype.kind != "f":
        raise TypeError(f"{name}: expected a floating point input, got dtype {input.dtype} "
                        f"(PyTorch: not implemented); pass dtype=mg.float32 or call "
                        f"input.float() first")
    try:
        if not input._array.size:           # numpy has no max of an empty array
            _norm_dim(dim, input.ndim)
            return input * 0
        return input.log_softmax(dim) if log else input.softmax(dim)
    except (TypeError, IndexError) as e:    # the dim check: say whose dim it is
        raise type(e)(f"{name}: {e}") from None


# ---- linear ----------------------------------------------------------------------------------
def linear(input, weight, bias=None):
    """``input @ weight.T + bias`` with weight of shape (out_features, in_features) (a 1-D
    weight, without bias, gives ``input @ weight``, as PyTorch). Input, weight and bias
    must have one dtype, as in PyTorch: cast one of them (e.g. ``x.double()``) to mix
    precisions."""
    return _linear("linear", input, weight, bias)


def _linear(name, input, weight, bias):
    """``linear`` with errors that name the caller (``nn.Linear`` uses it too). The common
    case costs a few attribute comparisons; anything else goes to ``_linear_checked``."""
    try:
        x, w = input._array, weight._array
        dtype = x.dtype
        fast = (w.ndim == 2 and x.ndim and x.shape[-1] == w.shape[1] and dtype is w.dtype
                and dtype is not _BOOL and (bias is None or (
                    bias._array.dtype is dtype and bias._array.ndim == 1
                    and len(bias._array) == len(w))))
    except AttributeError:              # not Tensors: the checks below say which
        fast = False
    if fast:
        return _matmul.Linear.apply(input, weight, bias)
    if not isinstance(name, str):       # the layer itself: its name, made only when needed
        name = name._short_repr()
    return _linear_checked(name, input, weight, bias)


_BOOL = np.dtype(np.bool_)


def _linear_checked(name, input, weight, bias):
    """``linear`` off the common path: a clear error, or one of PyTorch's other valid
    forms (a 1-D weight without bias, a bias that broadcasts to the output)."""
    if not isinstance(input, Tensor) or not isinstance(weight, Tensor) or weight.ndim != 2 \
            or input.ndim == 0 or input.shape[-1] != weight.shape[1]:
        _linear_shape_error(name, input, weight, bias)
        return input @ weight                 # a 1-D weight without bias, as PyTorch
    dtype = input._array.dtype
    if weight._array.dtype != dtype or dtype.kind == "b":
        _linear_dtype_error(name, input, weight, "weight")
    if bias is not None:
        if not isinstance(bias, Tensor):
            _check_tensor(name, bias, "bias")
        if bias._array.dtype != dtype:
            _linear_dtype_error(name, input, bias, "bias")
        if bias.shape != (weight.shape[0],):
            return _matmul.Linear.apply(input, weight, None) + _linear_bias(name, input, weight,
                                                                           bias)
    return _matmul.Linear.apply(input, weight, bias)


def _linear_shape_error(name, input, weight, bias):
    """Raise the error for an operand of ``linear`` of the wrong type or shape; returns
    only for PyTorch's one other valid case, a 1-D weight without a bias."""
    _check_tensor(name, input)
    _check_tensor(name, weight, "weight")
    if weight.ndim not in (1, 2):
        raise ValueError(f"{name}: expected a 2-D weight (out_features, in_features), got "
                         f"weight of shape {tuple(weight.shape)}")
    if weight.ndim == 1 and bias is not None:
        raise ValueError(f"{name}: a 1-D weight of shape {tuple(weight.shape)} takes no bias "
                         "(PyTorch: mat2 must be a matrix); give a 2-D weight (out_features, "
                         "in_features)")
    in_features = weight.shape[-1]
    if input.ndim == 0 or input.shape[-1] != in_features:
        raise ValueError(f"{name}: expected input of shape (..., {in_features}), got "
                         f"{tuple(input.shape)} (weight of shape {tuple(weight.shape)}"
                         + (": out_features, in_features)" if weight.ndim == 2 else ")"))
    if weight._array.dtype != input._array.dtype or weight._array.dtype.kind == "b":
        _linear_dtype_error(name, input, weight, "weight")


def _linear_dtype_error(name, input, other, what):
    if input._array.dtype.kind == "b" and other._array.dtype.kind == "b":
        raise TypeError(f"{name}: bool input and {what} are not supported (PyTorch: not "
                        "implemented); convert them, e.g. input.float()")
    raise RuntimeError(f"{name}: expected input and {what} to have the same dtype, but got "
                       f"{input.dtype} and {what} {other.dtype} (PyTorch raises too); convert "
                       f"one of them, e.g. input.to({what}.dtype)")


def _linear_bias(name, input, weight, bias):
    """A bias of another shape than (out_features,): PyTorch adds it if it broadcasts to
    the output (a (1,) or 0-d bias, one per output row...)."""
    out_shape = tuple(input.shape[:-1]) + (weight.shape[0],)
    try:
        if np.broadcast_shapes(tuple(bias.shape), out_shape) == out_shape:
            return bias
    except ValueError:
        pass
    raise ValueError(f"{name}: bias has shape {tuple(bias.shape)}, expected "
                     f"({weight.shape[0]},) (out_features) for weight of shape "
                     f"{tuple(weight.shape)}; it does not broadcast to the output's shape "
                     f"{out_shape}")


# ---- losses ----------------------------------------------------------------------------------
# Every loss takes PyTorch's arguments in PyTorch's order; the deprecated ``size_average`` and
# ``reduce`` override ``reduction`` with PyTorch's warning (``_legacy_reduction``).
def _no_class_weight(name, weight):
    if weight is not None:
        raise NotImplementedError(f"{name}: per-class weights are not supported by minigrad; "
                                  "pass weight=None")


def _is_real(value):
    """A real number (a Python or numpy int or float), not a bool."""
    return isinstance(value, (int, float, np.integer, np.floating)) and \
        not isinstance(value, (bool, np.bool_))


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    """Softmax cross-entropy of logits ``input`` (N, C, ...), or unbatched (C,), against
    integer class ``target`` (N, ...), or 0-d: a Tensor (or numpy array) of int64 or uint8,
    as PyTorch takes. The mean is over the targets not equal to ``ignore_index``: NaN if
    there are none (an empty batch), as in PyTorch. Class weights and class-probability
    targets are not supported (PyTorch allows them)."""
    _no_class_weight("cross_entropy", weight)
    reduction = _legacy_reduction(size_average, reduce, reduction)
    return _cross_entropy("cross_entropy", input, target, reduction, label_smoothing,
                          ignore_index)


def _cross_entropy(name, input, target, reduction, label_smoothing, ignore_index):
    """``cross_entropy`` with errors that name the caller (``CrossEntropyLoss`` uses it)."""
    _check_float(name, input)
    _check_reduction(name, reduction)
    _check_label_smoothing(name, label_smoothing)
    _check_ignore_index(name, ignore_index)
    x, t, unbatched = _class_operands(name, input, target)
    if x.shape[1] == 0:
        return _no_classes(name, x, t, reduction, ignore_index, unbatched)
    out = _loss.CrossEntropy.apply(x, t, reduction=reduction, label_smoothing=label_smoothing,
                                   ignore_index=ignore_index)
    return out.reshape(()) if unbatched and reduction == "none" else out


def _check_label_smoothing(name, label_smoothing):
    if not (_is_real(label_smoothing) and 0.0 <= label_smoothing <= 1.0):
        raise ValueError(f"{name}: label_smoothing must be in [0, 1], got {label_smoothing!r}")


def _check_ignore_index(name, ignore_index):
    if not isinstance(ignore_index, (int, np.integer)) or isinstance(ignore_index, bool):
        raise TypeError(f"{name}: ignore_index must be an int, got {ignore_index!r}")


def _class_operands(name, input, target):
    """Input (N, C, ...) -- or unbatched (C,), made (1, C) -- and its target's array of
    class indices, checked; and whether the input was unbatched."""
    unbatched = input.ndim == 1
    x = input.unsqueeze(0) if unbatched else input
    if x.ndim < 2:
        raise ValueError(f"{name}: input must be (N, C, ...) or unbatched (C,) logits, got "
                         f"shape {tuple(input.shape)}")
    expected = () if unbatched else (x.shape[0],) + tuple(x.shape[2:])
    t = _class_target(name, input, target, expected)
    return x, (t.reshape(1) if unbatched else t), unbatched


def _no_classes(name, x, t, reduction, ignore_index, unbatched):
    """A classification loss over C = 0 classes, as PyTorch: fine if every target is
    ignored (or there are none) -- each term is 0, the mean NaN -- else an IndexError."""
    bad = t[t != ignore_index]
    if bad.size:
        raise IndexError(f"{name}: target {bad[0]} is out of range for 0 classes")
    zero = x.sum(dim=1) * 0                  # zeros of the target's shape, in x's graph
    if reduction == "mean":
        return zero.sum() + float("nan")
    if reduction == "sum":
        return zero.sum()
    return zero.reshape(()) if unbatched else zero


def _class_target(name, input, target, expected):
    """The class indices of ``target`` as an array, checked to have the shape ``expected``
    for ``input``. ``target`` is a Tensor, or a numpy array (minigrad's datasets hand out
    numpy labels), of int64 or uint8, the dtypes PyTorch takes."""
    if isinstance(target, Tensor):
        t = target._array
    elif isinstance(target, np.ndarray):
        t = target
    else:
        raise TypeError(f"{name}: target must be a Tensor of class indices, got "
                        f"{type(target).__name__}; wrap it: mg.tensor(target)")
    if t.dtype != np.int64 and t.dtype != np.uint8:
        if t.dtype.kind in "iu":
            raise RuntimeError(f"{name}: expected target dtype to be int64 or uint8 (PyTorch: "
                               f"Long or Byte), but got {t.dtype}; convert it with "
                               "target.long()")
        raise TypeError(f"{name}: target must hold integer class indices, got dtype {t.dtype}"
                        + ("; class-probability targets are not supported by minigrad"
                           if t.dtype.kind == "f" else ""))
    if t.shape != tuple(expected):
        raise ValueError(f"{name}: target has shape {t.shape}, expected {tuple(expected)} "
                         f"for input of shape {tuple(input.shape)}")
    return t


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    """Negative log-likelihood: ``input`` (N, C, ...) or unbatched (C,) holds
    log-probabilities (e.g. from ``log_softmax(x, 1)``), ``target`` (N, ...) integer classes
    (int64 or uint8); ``-input[n, target[n]]``, averaged over the targets not equal to
    ``ignore_index`` (NaN if there are none, as in PyTorch). Differs from PyTorch: no class
    ``weight``."""
    _no_class_weight("nll_loss", weight)
    reduction = _legacy_reduction(size_average, reduce, reduction)
    return _nll_loss("nll_loss", input, target, reduction, ignore_index)


def _nll_loss(name, input, target, reduction, ignore_index):
    """``nll_loss`` with errors that name the caller (``NLLLoss`` uses it too)."""
    _check_float(name, input)
    _check_reduction(name, reduction)
    _check_ignore_index(name, ignore_index)
    x, t, unbatched = _class_operands(name, input, target)
    if x.shape[1] == 0:
        return _no_classes(name, x, t, reduction, ignore_index, unbatched)
    shape = t.shape
    if x.ndim > 2:                      # (N, C, d1, ...): classes last, one row per target
        x = x.permute(0, *range(2, x.ndim), 1).reshape(t.size, x.shape[1])
        t = t.reshape(-1)
    valid = t != ignore_index
    C = x.shape[1]
    out_of_range = valid & ((t < 0) | (t >= C))
    if out_of_range.any():
        raise IndexError(f"{name}: target {t[out_of_range][0]} is out of range for {C} classes")
    # ignored targets pick class 0, then a mask zeroes their terms
    picked = x[np.arange(len(t)), np.where(valid, t, 0)]
    if not valid.all():
        picked = picked * valid.astype(x.dtype)
    if reduction == "mean":
        count = int(valid.sum())
        # no valid target: NaN, as PyTorch, with a zero gradient (the terms are masked)
        return -picked.sum() / count if count else -picked.sum() + float("nan")
    if reduction == "sum":
        return -picked.sum()
    return (-picked).reshape(()) if unbatched else (-picked).reshape(shape)


def _pointwise_operands(name, input, target, reduction, complex_ok=False, bool_ok=True):
    """Checks shared by the elementwise regression losses (returns input and target, a bool
    one promoted to the other's dtype as PyTorch does): ``input`` a Tensor, ``target`` a
    Tensor (or a numpy array, cast to a float input's dtype) of the same shape, and
    ``reduction``; one of them floating point (the other may be an integer, which PyTorch
    promotes), neither complex unless ``complex_ok``, neither bool unless ``bool_ok``.
    Unlike PyTorch, which only warns, different shapes are an error: broadcasting them
    (say (N, 1) against (N,)) would silently compute the wrong loss."""
    if not isinstance(input, Tensor) or not isinstance(target, Tensor):
        _check_tensor(name, input)
        target = _array_operand(name, target, "target", input.dtype)
    if target.shape != input.shape:
        raise ValueError(f"{name}: input has shape {tuple(input.shape)} but target has "
                         f"shape {tuple(target.shape)}; they must match")
    _check_reduction(name, reduction)
    ki, kt = input._array.dtype.kind, target._array.dtype.kind
    if ki != "f" or kt != "f":
        _check_loss_dtypes(name, input, target, complex_ok, bool_ok)
        if "b" in (ki, kt):        # PyTorch promotes a bool operand; `-` refuses bool
            dtype = np.result_type(input._array.dtype, target._array.dtype)
            input, target = input.to(dtype), target.to(dtype)
    return input, target


def _array_operand(name, value, what, dtype):
    """A loss's target or weight given as a numpy array (minigrad extension: its datasets
    and state dicts are numpy): a Tensor, cast to a float ``dtype``. Anything else that is
    not a Tensor is PyTorch's TypeError."""
    if isinstance(value, Tensor):
        return value
    if not isinstance(value, np.ndarray):
        raise TypeError(f"{name}: expected a minigrad Tensor, got {type(value).__name__} for "
                        f"argument '{what}'; wrap it: mg.tensor({what})")
    if value.dtype.kind not in "biuf":
        raise TypeError(f"{name}: {what} must hold real numbers, got dtype {value.dtype}")
    if np.dtype(dtype).kind == "f" and value.dtype != dtype:
        value = value.astype(dtype)
    return Tensor(value)


def _check_loss_dtypes(name, input, target, complex_ok, bool_ok):
    kinds = (input._array.dtype.kind, target._array.dtype.kind)
    dtypes = f"input dtype {input.dtype} and target dtype {target.dtype}"
    if "c" in kinds and not complex_ok:
        raise TypeError(f"{name}: complex tensors are not supported ({dtypes})")
    if "b" in kinds and not bool_ok:
        raise TypeError(f"{name}: bool tensors are not supported ({dtypes}; PyTorch: "
                        "subtraction with a bool tensor is not supported); convert with .float()")
    if not any(k in "fc" for k in kinds):
        raise TypeError(f"{name}: expected a floating point input or target, got {dtypes} "
                        "(PyTorch: not implemented); convert them, e.g. input.float()")


def _weighted(name, loss, weight, reduction, mean_over_weights=True):
    """PyTorch's optional elementwise ``weight`` of mse/l1/huber (same shape as the input);
    the weighted mean divides by the sum of the weights (mse, l1) or by the count (huber)."""
    if weight is None:
        return _reduce(loss, reduction)
    weight = _array_operand(name, weight, "weight", loss.dtype)
    if weight._array.dtype.kind not in "biuf":
        raise TypeError(f"{name}: weight must hold real numbers, got dtype {weight.dtype}")
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
    input, target = _pointwise_operands("mse_loss", input, target, reduction)
    diff = input - target
    return _weighted("mse_loss", diff * diff, weight, reduction)


def _mse_loss(name, input, target, reduction):
    """``mse_loss`` with errors that name the caller (``MSELoss`` uses it too)."""
    input, target = _pointwise_operands(name, input, target, reduction)
    diff = input - target
    sq = diff * diff
    return sq.mean() if reduction == "mean" else sq.sum() if reduction == "sum" else sq


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean absolute error ``|input - target|`` (the gradient at a zero difference is 0).
    Input and target must have the same shape."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    return _l1_loss("l1_loss", input, target, reduction, weight)


def _l1_loss(name, input, target, reduction, weight=None):
    # complex input is fine (|d| is real), bool not (PyTorch: no bool subtraction)
    input, target = _pointwise_operands(name, input, target, reduction, complex_ok=True,
                                        bool_ok=False)
    return _weighted(name, (input - target).abs(), weight, reduction)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """``0.5 * d**2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 * beta``, d = input -
    target; ``beta=0`` is the L1 loss. Input and target must have the same shape."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    return _smooth_l1_loss("smooth_l1_loss", input, target, reduction, beta)


def _smooth_l1_loss(name, input, target, reduction, beta):
    _check_beta(name, beta)
    input, target = _pointwise_operands(name, input, target, reduction)
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


def _check_beta(name, beta):
    if not (_is_real(beta) and 0 <= beta < math.inf):
        raise ValueError(f"{name}: beta must be >= 0 and finite, got {beta!r}")


def _check_delta(name, delta):
    if not (_is_real(delta) and 0 < delta < math.inf):
        raise ValueError(f"{name}: delta must be positive and finite, got {delta!r}")


def _huber_loss(name, input, target, reduction, delta, weight=None):
    _check_delta(name, delta)
    input, target = _pointwise_operands(name, input, target, reduction)
    diff = input - target
    small = diff.abs()._array <= delta
    loss = _where(small, diff * diff * 0.5, (diff.abs() - 0.5 * delta) * delta)
    return _weighted(name, loss, weight, reduction, mean_over_weights=False)


def _loss_weight(name, weight, what, input):
    """An optional rescaling ``weight``/``pos_weight`` as a Tensor (or a numpy array),
    real, checked to broadcast to ``shape``."""
    if weight is None:
        return None
    weight = _array_operand(name, weight, what, input.dtype)
    shape = input.shape
    if weight._array.dtype.kind not in "biuf":
        raise TypeError(f"{name}: {what} must hold real numbers, got dtype {weight.dtype}")
    try:
        fits = np.broadcast_shapes(tuple(weight.shape), tuple(shape)) == tuple(shape)
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(f"{name}: {what} of shape {tuple(weight.shape)} does not broadcast "
                         f"to the input's shape {tuple(shape)}")
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
                            "to the input size {i}: they must match", same_dtype=True)
    _check_reduction(name, reduction)
    for what, a in (("input", input._array), ("target", target._array)):
        if a.size and not (a.min() >= 0 and a.max() <= 1):     # NaN fails too
            raise ValueError(f"{name}: all elements of {what} should be between 0 and 1 (they "
                             f"are probabilities), got values in [{a.min()}, {a.max()}]"
                             + ("; for logits use binary_cross_entropy_with_logits / "
                                "BCEWithLogitsLoss" if what == "input" else ""))
    loss = _loss.BinaryCrossEntropy.apply(input, target)
    weight = _loss_weight(name, weight, "weight", input)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def _binary_target(name, input, target, message, same_dtype=False):
    """The target of a binary cross-entropy: a Tensor (or numpy array) of the input's
    shape, floating point; with ``same_dtype`` (BCE, as PyTorch) of the input's dtype,
    else cast to it."""
    _check_float(name, input)
    given = np.dtype(target.dtype) if isinstance(target, (Tensor, np.ndarray)) else None
    target = _array_operand(name, target, "target", input.dtype)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"{name}: " + message.format(t=tuple(target.shape),
                                                      i=tuple(input.shape)))
    if given.kind != "f":           # (checked before a numpy target is cast to the input's)
        raise TypeError(f"{name}: target must be a floating point tensor (probabilities in "
                        f"[0, 1]), got dtype {given}; convert it with target.float()")
    if target.dtype == input.dtype:
        return target
    if same_dtype:
        raise RuntimeError(f"{name}: target dtype {target.dtype} differs from input dtype "
                           f"{input.dtype} (PyTorch: Found dtype ... but expected ...); "
                           f"convert it with target.to(input.dtype)")
    return target.to(input.dtype)


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
    pos_weight = _loss_weight(name, pos_weight, "pos_weight", input)
    weight = _loss_weight(name, weight, "weight", input)
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


def _dropout(name, input, p, training, inplace, mask_shape):
    """Inverted dropout with one Bernoulli draw per element of ``mask_shape`` (the input's
    shape, or with 1s for whole channels), broadcast over the input."""
    if not training or p == 0:
        return input
    if input._array.dtype.kind != "f":     # a scaled mask has no integer values
        _check_float(name, input)
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
    _check_tensor("dropout", input)
    return _dropout("dropout", input, p, training, inplace, input.shape)


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
    return _dropout("dropout1d", input, p, training, inplace,
                    _channel_mask_shape(input, input.ndim == 3))


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
    return _dropout("dropout2d", input, p, training, inplace, _channel_mask_shape(input, True))


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
    return _dropout("dropout3d", input, p, training, inplace,
                    _channel_mask_shape(input, input.ndim != 4))


# ---- normalisation ---------------------------------------------------------------------------


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
    """``batch_norm`` with errors that name the caller (the BatchNorm modules use it too).

    As in PyTorch: the input is floating point; the given statistics and affine parameters
    are Tensors of shape (C,) and one float dtype, the input's -- or float32 for a float16
    input, which is then normalised in float32 and handed back as float16; ``eps`` is >= 0,
    and > 0 in training; an empty batch gives an empty output and leaves the running
    statistics alone. Two minigrad extensions, which PyTorch refuses: a float64 input to
    float32 parameters (computed in float64: what ``gradcheck`` feeds a float32 layer),
    and running statistics given as numpy arrays (updated in place).

    The common case is checked with a few attribute comparisons; anything else goes to
    ``_batch_norm_checked``, which names what is wrong."""
    try:
        x = input._array
        dtype, shape = x.dtype, x.shape[1:2]
        fast = dtype.kind == "f" and x.ndim >= 2
        if fast:
            for t in (running_mean, running_var, weight, bias):
                if t is not None and not (isinstance(t, Tensor) and t._array.dtype is dtype
                                          and t._array.shape == shape):
                    fast = False
                    break
        # eps > 0 (>= 0 in eval mode) and finite; momentum finite: NaN fails the comparisons
        fast = fast and ((eps > 0 if training else eps >= 0) and eps < math.inf) and (
            not training or running_mean is None or momentum - momentum == 0) and (
            training or running_var is not None and running_mean is not None) and (
            not training or x.size != shape[0]) and x.size
    except (AttributeError, TypeError):
        fast = False
    if not fast:
        return _batch_norm_checked(name, input, running_mean, running_var, weight, bias,
                                   training, momentum, eps)
    return _BatchNorm.apply(input, weight, bias, running_mean=_data(running_mean),
                            running_var=_data(running_var), training=training,
                            momentum=momentum, eps=eps)


def _batch_norm_checked(name, input, running_mean, running_var, weight, bias, training,
                        momentum, eps):
    _check_tensor(name, input)
    if input.ndim < 2:
        raise ValueError(f"{name}: expected input of shape (N, C, ...), got {input.shape}")
    dtype = input._array.dtype
    if dtype.kind != "f":
        _check_float(name, input)
    C = input.shape[1]
    param_dtype = None
    for what, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        if t is None:
            continue
        if not isinstance(t, Tensor) and not (isinstance(t, np.ndarray) and what[0] == "r"):
            _check_tensor(name, t, what)
        if t.dtype.kind != "f":
            raise TypeError(f"{name}: {what} must be floating point, got dtype {t.dtype}")
        if t.shape != (C,):
            raise ValueError(f"{name}: {what} has shape {tuple(t.shape)}, expected ({C},) "
                             f"for input of shape {input.shape} with {C} channels")
        if param_dtype is None:
            param_dtype = t.dtype
        elif t.dtype != param_dtype:
            raise RuntimeError(f"{name}: running_mean, running_var, weight and bias must have "
                               f"one dtype, got {what} of dtype {t.dtype} after {param_dtype} "
                               "(PyTorch: mixed dtype)")
    if not _is_real(eps) or not (eps > 0 if training else eps >= 0) or not eps < math.inf:
        raise ValueError(f"{name}: eps must be {'positive' if training else 'non-negative'} "
                         f"and finite{' during training' if training else ''}, got {eps!r}")
    if training and input.numel() == C and C:
        raise ValueError(f"{name}: expected more than 1 value per channel when training, "
                         f"got input of shape {input.shape}")
    if not training and (running_mean is None or running_var is None):
        raise ValueError(f"{name}: running_mean and running_var are required when "
                         "training=False")
    if training and running_mean is not None and not (_is_real(momentum)
                                                       and -math.inf < momentum < math.inf):
        raise ValueError(f"{name}: momentum must be a finite number when training with "
                         f"running statistics, got {momentum!r}")
    if param_dtype is not None and param_dtype != dtype:
        if dtype == np.float16 and param_dtype == np.float32:     # PyTorch's mixed case
            return _batch_norm(name, input.float(), running_mean, running_var, weight, bias,
                               training, momentum, eps).to(np.float16)
        if dtype.itemsize <= param_dtype.itemsize:    # float64 input, float32 layer: fine
            raise RuntimeError(f"{name}: input dtype {input.dtype} and parameter dtype "
                               f"{param_dtype} differ (PyTorch: mixed dtype); convert one of "
                               f"them, e.g. module.to({input.dtype}) or input.to({param_dtype})")
    if input.numel() == 0:
        return _empty_batch_norm(input, weight, bias)
    return _BatchNorm.apply(input, weight, bias, running_mean=_data(running_mean),
                            running_var=_data(running_var), training=training,
                            momentum=momentum, eps=eps)


def _data(t):
    return t._array if isinstance(t, Tensor) else t


def _empty_batch_norm(input, weight, bias):
    """An empty batch, as PyTorch: the (empty) output, in the graph of ``input``, ``weight``
    and ``bias`` so that their gradients are zeros; no statistics are taken."""
    shape = (1, input.shape[1]) + (1,) * (input.ndim - 2)
    out = input * weight.reshape(shape) if weight is not None else input * 1
    return out + bias.reshape(shape) if bias is not None else out


# ---- convolution and pooling -----------------------------------------------------------------
# Thin wrappers over the N-d Functions in ``ops/conv.py``: they turn ints into per-axis tuples,
# check shapes and values (naming the layer, the expected and the actual value), accept an
# unbatched input (C, *spatial) as PyTorch does, and call the op. ``name``: see the top.


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
    if weight.shape[0] == 0 or (weight.shape[1] == 0 and not weight_layout.startswith("out")):
        raise ValueError(f"{name}: expected a weight with at least one channel in "
                         f"({weight_layout}), got weight of shape {tuple(weight.shape)}")
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
    if x.shape[1] == 0:
        raise ValueError(f"{name}: expected an input with at least one channel, got input of "
                         f"shape {tuple(input.shape)} (PyTorch: non-batch dimensions must "
                         "have positive length)")
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
    return out, Tensor.wrap(indices[0] if unbatched else indices, None)


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
