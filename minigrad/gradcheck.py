"""Numerical gradient check: central differences in float64 against autograd.

For an output y = fn(*inputs) and a fixed random upstream gradient v (same shape as y),
autograd gives the vector-Jacobian product vᵀJ for every input. Numerically, element i of
that product is  (vᵀfn(x + eps·e_i) - vᵀfn(x - eps·e_i)) / (2·eps).  Comparing the two for
every element of every input that requires grad checks the backward of any output shape.
"""
import numpy as np

from .autograd import no_grad
from .tensor import Tensor


class GradcheckError(AssertionError):
    """Raised by ``gradcheck`` when an analytic gradient disagrees with the numerical one."""


def _to_float64(x):
    if isinstance(x, Tensor) and np.issubdtype(x.dtype, np.floating):
        return Tensor(x.data.astype(np.float64), requires_grad=x.requires_grad)
    return x


def _sum_outputs(out, vs):
    outs = out if isinstance(out, (tuple, list)) else (out,)
    return sum(float(np.sum(o.data.astype(np.float64) * v)) for o, v in zip(outs, vs))


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, seed=0):
    """Check the gradients of ``fn(*inputs)`` w.r.t. every input Tensor with ``requires_grad``.

    ``inputs`` is a Tensor or a tuple of arguments (non-Tensors are passed through).
    Floating inputs are copied to float64 first (PyTorch asks the caller to do that), so the
    check is meaningful whatever dtype the caller used. Each element passes when
    ``|numerical - analytic| <= atol + rtol·|numerical|``.

    Returns True. On the first mismatch raises ``GradcheckError`` naming the input, the
    element index and both values, or returns False if ``raise_exception=False``.
    """
    if not isinstance(inputs, (tuple, list)):
        inputs = (inputs,)
    inputs = tuple(_to_float64(x) for x in inputs)
    checked = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input is a Tensor with requires_grad=True")

    out = fn(*inputs)
    outs = out if isinstance(out, (tuple, list)) else (out,)
    rng = np.random.default_rng(seed)
    vs = [rng.standard_normal(o.shape) for o in outs]

    # analytic: one backward of sum(v * y)
    for i in checked:
        inputs[i].grad = None
    for o, v in zip(outs, vs):
        if o.requires_grad:
            o.backward(v.astype(o.dtype), retain_graph=True)

    for i in checked:
        x = inputs[i]
        analytic = np.zeros(x.shape) if x.grad is None else x.grad.data.astype(np.float64)
        flat = x.data.reshape(-1)   # a view: perturbing it perturbs x
        with no_grad():
            for k in range(flat.size):
                orig = flat[k]
                flat[k] = orig + eps
                plus = _sum_outputs(fn(*inputs), vs)
                flat[k] = orig - eps
                minus = _sum_outputs(fn(*inputs), vs)
                flat[k] = orig
                numerical = (plus - minus) / (2 * eps)
                a = analytic.reshape(-1)[k]
                if not abs(numerical - a) <= atol + rtol * abs(numerical):
                    index = np.unravel_index(k, x.shape)
                    msg = (f"gradcheck: gradient mismatch for input {i} (shape {x.shape}) at "
                           f"element {tuple(int(j) for j in index)}: numerical {numerical:.8g}, "
                           f"analytic {a:.8g} (difference {abs(numerical - a):.3g}, "
                           f"allowed {atol + rtol * abs(numerical):.3g})")
                    if raise_exception:
                        raise GradcheckError(msg)
                    return False
    return True
