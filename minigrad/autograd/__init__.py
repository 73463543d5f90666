"""The autograd engine, laid out like PyTorch's ``torch/autograd/``:

* ``grad_mode.py`` -- ``no_grad``, ``enable_grad``, ``set_grad_enabled``, ``detect_anomaly``;
* ``function.py``  -- ``Function``, its ``Context`` (the graph's node), ``once_differentiable``;
* ``graph.py``     -- the graph walk: ``backward`` and ``grad``;
* ``functional.py`` -- ``vjp``, ``jvp``, ``jacobian``, ``hessian``, ``hvp``, ``vhp``;
* ``gradcheck.py`` -- ``gradcheck`` and ``gradgradcheck``.

``Tensor`` itself lives in ``minigrad/tensor.py``; its ``backward()`` calls ``graph.backward``.
"""
from .grad_mode import (no_grad, enable_grad, set_grad_enabled, is_grad_enabled, inference_mode,
                        detect_anomaly,
                        set_detect_anomaly, is_anomaly_enabled)
from .function import Function, Context, once_differentiable
from .graph import backward, grad
from . import functional
from .gradcheck import gradcheck, gradgradcheck, GradcheckError

__all__ = [
    "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "inference_mode",
    "detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled", "Function", "Context",
    "once_differentiable", "backward", "grad", "functional", "gradcheck", "gradgradcheck",
    "GradcheckError", "Variable",
]


def Variable(tensor, requires_grad=False, volatile=False):
    """Deprecated in PyTorch since 0.4 and kept for old scripts: returns the tensor itself,
    made to require grad if asked (a leaf), as ``torch.autograd.Variable`` does today."""
    from ..tensor import Tensor
    if not isinstance(tensor, Tensor):
        tensor = Tensor(tensor)
    if requires_grad:
        tensor.requires_grad_(True)
    return tensor
