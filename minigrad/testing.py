"""Checks for tests: ``assert_close`` (PyTorch's ``torch.testing.assert_close``) and
``check_op``, the one call that holds a new op to its reference and its derivatives.

    from minigrad.testing import check_op
    check_op(lambda x: x.softsign(), lambda a: a / (1 + np.abs(a)), mg.randn(3, 4))

``check_op`` checks, in float64, that the op's forward equals the numpy reference, that its
gradient passes ``gradcheck`` and its second derivative ``gradgradcheck``, and that float32
inputs give float32 outputs. See "Adding an op" in the README.
"""
import numpy as np

from .autograd.gradcheck import gradcheck, gradgradcheck
from .tensor import Tensor

# PyTorch's default tolerances by dtype
_TOLERANCES = {np.dtype(np.float16): (1e-3, 1e-5), np.dtype(np.float32): (1.3e-6, 1e-5),
               np.dtype(np.float64): (1e-7, 1e-7)}


def assert_close(actual, expected, *, rtol=None, atol=None, equal_nan=False, check_dtype=True,
                 msg=None):
    """Raise AssertionError unless ``actual`` and ``expected`` (Tensors, arrays or numbers)
    have the same shape (and dtype, with ``check_dtype``) and agree within
    ``atol + rtol·|expected|`` elementwise; the tolerances default to PyTorch's for the dtype."""
    a, e = np.asarray(actual), np.asarray(expected)
    if a.shape != e.shape:
        raise AssertionError(msg or f"The values for attribute 'shape' do not match: "
                             f"{a.shape} != {e.shape}.")
    if check_dtype and isinstance(actual, Tensor) and isinstance(expected, Tensor) \
            and a.dtype != e.dtype:
        raise AssertionError(msg or f"The values for attribute 'dtype' do not match: "
                             f"{a.dtype} != {e.dtype}.")
    default = _TOLERANCES.get(a.dtype, (0.0, 0.0))
    rtol = default[0] if rtol is None else rtol
    atol = default[1] if atol is None else atol
    try:
        np.testing.assert_allclose(a, e, rtol=rtol, atol=atol, equal_nan=equal_nan)
    except AssertionError as error:
        raise AssertionError(msg or f"Tensor-likes are not close!\n{error}") from None


def check_op(op, reference, *inputs, rtol=1e-7, atol=1e-9, second_order=True):
    """Hold ``op`` (Tensors in, a Tensor out) to ``reference`` (the same on numpy arrays),
    and its first and second derivatives to central differences, for ``inputs`` (Tensors
    or arrays; floating ones are checked as float64 leaves). Returns True or raises."""
    xs = [Tensor(np.asarray(x).astype(np.float64), requires_grad=True)
          if np.issubdtype(np.asarray(x).dtype, np.floating) else x for x in inputs]
    out = op(*xs)
    expected = reference(*[np.asarray(x) if isinstance(x, Tensor) else x for x in xs])
    assert_close(out, expected, rtol=rtol, atol=atol, check_dtype=False,
                 msg=None)
    gradcheck(op, tuple(xs))
    if second_order:
        gradgradcheck(op, tuple(xs))
    xs32 = [Tensor(np.asarray(x).astype(np.float32)) if isinstance(x, Tensor) else x for x in xs]
    out32 = op(*xs32)
    if out32.dtype != np.float32:
        raise AssertionError(f"check_op: float32 inputs gave a {out32.dtype} output")
    return True
