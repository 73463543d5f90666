"""Numerical gradient checks: central differences in float64 against autograd.

``gradcheck``: for an output y = fn(*inputs) and a fixed random upstream gradient v (same
shape as y), autograd gives the vector-Jacobian product vᵀJ for every input. Numerically,
element i of that product is  (vᵀfn(x + eps·e_i) - vᵀfn(x - eps·e_i)) / (2·eps).  Comparing
the two for every element of every input that requires grad checks the backward of any
output shape.

``gradgradcheck``: the same check applied to the function that *computes the gradient*,
``(x, v) -> grad(fn(x), x, v, create_graph=True)``, which checks the backward of the
backward (PyTorch's construction). Applied to a function that itself takes a gradient, it
checks third derivatives.
"""
import numpy as np

from . import grad_mode
from .graph import grad as autograd_grad
from ..tensor import Tensor


class GradcheckError(RuntimeError, AssertionError):
    """Raised by ``gradcheck`` when an analytic gradient disagrees with the numerical one: a
    RuntimeError, as PyTorch's, and an AssertionError, so a failed check fails a test."""


class GradcheckReport:
    """What ``gradcheck(..., report=True)`` returns: one row per checked input, with the
    largest absolute and relative errors between the analytic and numerical gradients and
    the element where each occurred. True (as a bool) when every element passed."""

    def __init__(self, rows, passed):
        self.rows, self.passed = rows, passed

    def __bool__(self):
        return self.passed

    def __str__(self):
        lines = [f"{'input':>5}  {'shape':<16}{'max abs error':>15}  {'at':<14}"
                 f"{'max rel error':>15}  {'at':<14}{'ok':>4}"]
        for r in self.rows:
            lines.append(f"{r['input']:>5}  {str(r['shape']):<16}{r['max_abs_error']:>15.3e}  "
                         f"{str(r['max_abs_at']):<14}{r['max_rel_error']:>15.3e}  "
                         f"{str(r['max_rel_at']):<14}{'yes' if r['passed'] else 'NO':>4}")
        return "\n".join(lines)

    __repr__ = __str__


def _to_float64(x):
    if isinstance(x, Tensor) and np.issubdtype(x.dtype, np.floating):
        return Tensor(x._array.astype(np.float64), requires_grad=x.requires_grad)
    return x


def _outputs(out):
    return tuple(out) if isinstance(out, (tuple, list)) else (out,)


def _weighted_sum(out, vs):
    return sum(float(np.sum(o._array.astype(np.float64) * v)) for o, v in zip(_outputs(out), vs))


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, seed=0,
              fast_mode=False, report=False, nondet_tol=0.0):
    """Check the gradients of ``fn(*inputs)`` w.r.t. every input Tensor with ``requires_grad``.

    ``inputs`` is a Tensor or a tuple of arguments (non-Tensors are passed through).
    Floating inputs are copied to float64 first (PyTorch asks the caller to do that), so the
    check is meaningful whatever dtype the caller used. Each element passes when
    ``|numerical - analytic| <= atol + rtol·|numerical|``. ``fast_mode`` is accepted for
    PyTorch's signature; the check is always the full one.

    Returns True. On the first mismatch raises ``GradcheckError`` naming the input, the
    element index and both values, or returns False if ``raise_exception=False``. With
    ``report=True`` it checks every element and returns a ``GradcheckReport`` (per input:
    the largest absolute and relative errors and where), raising nothing.
    """
    return _check(fn, inputs, eps, atol, rtol, raise_exception, seed, report, "gradcheck")


def _upstream(seed, shapes):
    """The fixed random upstream gradients v: from a stream of their own (salted), so that
    inputs drawn after ``mg.manual_seed(seed)`` are not v itself."""
    rng = np.random.default_rng([seed, 0x67726164])
    return [rng.standard_normal(s) for s in shapes]


def _check(fn, inputs, eps, atol, rtol, raise_exception, seed, report, name):
    if not isinstance(inputs, (tuple, list)):
        inputs = (inputs,)
    inputs = tuple(_to_float64(x) for x in inputs)
    checked = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not checked:
        raise ValueError(f"{name}: no input is a Tensor with requires_grad=True")

    with grad_mode.enable_grad():
        outs = _outputs(fn(*inputs))
    vs = _upstream(seed, [o.shape for o in outs])

    # analytic: one vector-Jacobian product of sum(v * y)
    pairs = [(o, v) for o, v in zip(outs, vs) if o.requires_grad]
    analytic = {i: np.zeros(inputs[i].shape) for i in checked}
    if pairs:
        grads = autograd_grad([o for o, _ in pairs], [inputs[i] for i in checked],
                              [Tensor(v.astype(o.dtype)) for o, v in pairs], allow_unused=True)
        for i, g in zip(checked, grads):
            if g is not None:
                analytic[i] = g._array.astype(np.float64)

    rows, passed = [], True
    for i in checked:
        x = inputs[i]
        flat = x._array.reshape(-1)   # a view: perturbing it perturbs x
        a_flat = analytic[i].reshape(-1)
        row = {"input": i, "shape": x.shape, "max_abs_error": 0.0, "max_abs_at": None,
               "max_rel_error": 0.0, "max_rel_at": None, "passed": True}
        with grad_mode.enable_grad():    # fn may take a gradient itself (a penalty, say)
            for k in range(flat.size):
                orig = flat[k]
                flat[k] = orig + eps
                plus = _weighted_sum(fn(*inputs), vs)
                flat[k] = orig - eps
                minus = _weighted_sum(fn(*inputs), vs)
                flat[k] = orig
                numerical = (plus - minus) / (2 * eps)
                a = a_flat[k]
                err = abs(numerical - a)
                rel = err / abs(numerical) if numerical else (0.0 if err == 0 else np.inf)
                index = tuple(int(j) for j in np.unravel_index(k, x.shape))
                if err > row["max_abs_error"] or row["max_abs_at"] is None:
                    row["max_abs_error"], row["max_abs_at"] = err, index
                if rel > row["max_rel_error"] or row["max_rel_at"] is None:
                    row["max_rel_error"], row["max_rel_at"] = rel, index
                if not err <= atol + rtol * abs(numerical):
                    row["passed"] = passed = False
                    if report:
                        continue
                    msg = (f"{name}: gradient mismatch for input {i} (shape {x.shape}) at "
                           f"element {index}: numerical {numerical:.8g}, analytic {a:.8g} "
                           f"(difference {err:.3g}, allowed {atol + rtol * abs(numerical):.3g})")
                    if raise_exception:
                        raise GradcheckError(msg)
                    return False
        rows.append(row)
    if report:
        return GradcheckReport(rows, passed)
    return True


def gradgradcheck(fn, inputs, grad_outputs=None, eps=1e-6, atol=1e-5, rtol=1e-3,
                  raise_exception=True, seed=0, fast_mode=False, report=False,
                  nondet_tol=0.0):
    """Check second derivatives of ``fn`` as PyTorch does: ``gradcheck`` of
    ``(inputs, v) -> autograd.grad(fn(inputs), inputs, v, create_graph=True)`` with respect
    to the inputs that require grad *and* the upstream gradient ``v`` (random float64 unless
    ``grad_outputs`` gives it). Arguments and result as ``gradcheck``."""
    if not isinstance(inputs, (tuple, list)):
        inputs = (inputs,)
    inputs = tuple(_to_float64(x) for x in inputs)
    diff = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not diff:
        raise ValueError("gradgradcheck: no input is a Tensor with requires_grad=True")
    with grad_mode.enable_grad():
        outs = _outputs(fn(*inputs))
    if grad_outputs is None:
        vs = [Tensor(v, requires_grad=True) for v in _upstream(seed + 1, [o.shape for o in outs])]
    else:
        vs = [_to_float64(v if isinstance(v, Tensor) else Tensor(np.asarray(v)))
              for v in _outputs(grad_outputs)]
        vs = [Tensor(v._array, requires_grad=True) for v in vs]
    n = len(inputs)

    def first_derivatives(*args):
        xs, v = args[:n], args[n:]
        ys = _outputs(fn(*xs))
        pairs = [(y, g) for y, g in zip(ys, v) if y.requires_grad]
        if not pairs:
            return ()
        grads = autograd_grad([y for y, _ in pairs], [xs[i] for i in diff],
                              [g for _, g in pairs], create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return _check(first_derivatives, inputs + tuple(vs), eps, atol, rtol, raise_exception,
                  seed, report, "gradgradcheck")
