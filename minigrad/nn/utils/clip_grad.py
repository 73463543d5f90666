"""Gradient clipping, as ``torch.nn.utils.clip_grad``: called between ``loss.backward()``
and ``optimizer.step()`` to bound the update when a gradient explodes::

    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    optimizer.step()

The gradients are changed in place (``p.grad.mul_``, ``p.grad.clamp_``, outside autograd).
"""
import math
import types
import warnings

import numpy as np

from ...autograd import no_grad
from ...tensor import Tensor


def _as_list(name, tensors):
    if isinstance(tensors, Tensor):
        return [tensors]
    is_generator = isinstance(tensors, types.GeneratorType)
    tensors = list(tensors)
    if is_generator and not tensors:
        warnings.warn(f"{name}: `parameters` is an empty generator, no gradient clipping will "
                      "occur.", UserWarning, stacklevel=3)
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}: expected Tensors (parameters), but element {i} is a "
                            f"{type(t).__name__}")
    return tensors


def _number(name, what, value):
    """``max_norm`` / ``clip_value`` as a float: a number >= 0, not NaN (a NaN would turn
    every gradient into NaN; a negative bound would flip their signs)."""
    if isinstance(value, Tensor) and value.numel() == 1:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not value >= 0:
        raise ValueError(f"{name}: {what} must be a number >= 0, got {value!r}")
    return float(value)


def _norm_type(name, norm_type):
    try:
        norm_type = float(norm_type)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: norm_type must be a number or 'inf', got {norm_type!r}") from None
    if norm_type <= 0 and not math.isinf(norm_type):
        raise ValueError(f"{name}: norm_type must be positive (or inf), got {norm_type}")
    return norm_type


def _vector_norm(a, p):
    a = np.abs(a)
    if math.isinf(p):
        return a.max(initial=0.0) if p > 0 else a.min(initial=np.inf)
    # the exponents of a's dtype: numpy 1.x computes a 0-d float32 ** a Python float in float64
    return np.sum(a ** a.dtype.type(p)) ** a.dtype.type(1 / p)


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """The ``norm_type`` norm of all ``tensors`` taken together, as if concatenated into one
    vector (computed as the norm of their norms), as a 0-d Tensor of their dtype."""
    tensors = _as_list("get_total_norm", tensors)
    norm_type = _norm_type("get_total_norm", norm_type)
    if not tensors:
        return Tensor(np.array(0.0, dtype=np.float32))
    dtype = np.result_type(*[t.dtype for t in tensors])
    norms = np.array([_vector_norm(t._array, norm_type) for t in tensors], dtype=dtype)
    total = np.asarray(_vector_norm(norms, norm_type), dtype=dtype)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` "
                           "is non-finite, so it cannot be clipped. To disable this error and "
                           "scale the gradients by the non-finite norm anyway, set "
                           "`error_if_nonfinite=False`")
    return Tensor(total)


def clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None):
    """Scale every gradient by ``min(max_norm / (total_norm + 1e-6), 1)``, in place."""
    parameters = _as_list("clip_grads_with_norm_", parameters)
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return
    total = float(total_norm.item() if isinstance(total_norm, Tensor) else total_norm)
    coef = min(_number("clip_grads_with_norm_", "max_norm", max_norm) / (total + 1e-6), 1.0)
    with no_grad():
        for g in grads:
            g.mul_(coef)


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False,
                    foreach=None):
    """Rescale the gradients of ``parameters`` (a Tensor or an iterable of them) in place so
    that their total ``norm_type`` norm (all gradients as one vector) is at most
    ``max_norm``: each is multiplied by ``min(max_norm / (total_norm + 1e-6), 1)``, as in
    PyTorch. Returns the total norm before clipping (a 0-d Tensor); parameters without a
    gradient are skipped. ``error_if_nonfinite=True`` raises on a NaN or infinite norm.
    ``foreach`` is accepted and ignored."""
    parameters = _as_list("clip_grad_norm_", parameters)
    _number("clip_grad_norm_", "max_norm", max_norm)
    grads = [p.grad for p in parameters if p.grad is not None]
    total = get_total_norm(grads, norm_type, error_if_nonfinite)
    clip_grads_with_norm_(parameters, max_norm, total)
    return total


def clip_grad_norm(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Deprecated alias of ``clip_grad_norm_`` (PyTorch warns the same way)."""
    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of "
                  "`torch.nn.utils.clip_grad_norm_`.", FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient of ``parameters`` into ``[-clip_value, clip_value]``, in place."""
    parameters = _as_list("clip_grad_value_", parameters)
    clip_value = _number("clip_grad_value_", "clip_value", clip_value)
    with no_grad():
        for p in parameters:
            if p.grad is not None:
                p.grad.clamp_(min=-clip_value, max=clip_value)
