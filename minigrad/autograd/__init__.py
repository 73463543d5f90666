"""The autograd engine, laid out like PyTorch's ``torch/autograd/``:

* ``grad_mode.py`` -- ``no_grad``, ``enable_grad``, ``set_grad_enabled``, ``detect_anomaly``;
* ``function.py``  -- ``Function``, its ``Context`` (the graph's node), ``once_differentiable``;
* ``graph.py``     -- the graph walk: ``backward`` and ``grad``;
* ``functional.py`` -- ``vjp``, ``jvp``, ``jacobian``, ``hessian``, ``hvp``, ``vhp``;
* ``gradcheck.py`` -- ``gradcheck`` and ``gradgradcheck``.

``Tensor`` itself lives in ``minigrad/tensor.py``; its ``backward()`` calls ``graph.backward``.
"""
from .grad_mode import (no_grad, enable_grad, set_grad_enabled, is_grad_enabled, detect_anomaly,
                        set_detect_anomaly, is_anomaly_enabled)
from .function import Function, Context, once_differentiable
from .graph import backward, grad
from . import functional
from .gradcheck import gradcheck, gradgradcheck, GradcheckError
