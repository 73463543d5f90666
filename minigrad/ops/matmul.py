"""Matrix product with numpy's ``matmul`` rules: 1-D, 2-D and batched (broadcast) operands."""
import math

import numpy as np

from .. import memory
from ..autograd import grad_mode
from ..autograd.function import ArrayFunction
from ..tensor import Tensor
from .elementwise import unbroadcast
from .movement import Permute


class MatMul(ArrayFunction):
    """``a @ b``. For C = A·B the gradients are dA = dC·Bᵀ and dB = Aᵀ·dC; a 1-D operand is
    treated as a row (left) or column (right) vector, and broadcast batch dims are summed back."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        if getattr(a, "dtype", None) != getattr(b, "dtype", None) or a.dtype.kind == "b":
            _check_dtypes(a, b)
        try:
            if (a.ndim == b.ndim == 2 and a.shape[1] == b.shape[0] and a.dtype == b.dtype
                    and a.shape[0] * b.shape[1] * a.itemsize >= memory.MIN_BYTES):
                return np.matmul(a, b, out=memory.empty((a.shape[0], b.shape[1]), a.dtype))
            return np.matmul(a, b)
        except ValueError:    # say which rule the shapes broke (checked only on failure)
            if np.ndim(a) == 0 or np.ndim(b) == 0:
                raise ValueError("matmul: both operands need at least 1 dim, "
                                 f"got shapes {np.shape(a)} and {np.shape(b)}") from None
            if a.shape[-1] != b.shape[-2 if b.ndim > 1 else 0]:
                raise ValueError(f"matmul: shapes {a.shape} and {b.shape} do not match "
                                 f"({a.shape[-1]} != {b.shape[-2 if b.ndim > 1 else 0]})") from None
            raise ValueError(f"matmul: batch dims of shapes {a.shape} and {b.shape} do not "
                             f"broadcast ({a.shape[:-2]} vs {b.shape[:-2]})") from None

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        a2 = a.unsqueeze(0) if a.ndim == 1 else a           # row vector
        b2 = b.unsqueeze(1) if b.ndim == 1 else b           # column vector
        # give grad back the unit dims the 1-D operands dropped; the column dim first, so
        # that the 0-d grad of vector @ vector can take the row dim after it
        g = grad
        if b.ndim == 1:
            g = g.unsqueeze(-1)
        if a.ndim == 1:
            g = g.unsqueeze(-2)
        ga = gb = None
        if ctx.needs_input_grad[0]:
            ga = unbroadcast(MatMul.apply(g, b2.transpose(-1, -2)), a2.shape).reshape(a.shape)
        if ctx.needs_input_grad[1]:
            gb = unbroadcast(MatMul.apply(a2.transpose(-1, -2), g), b2.shape).reshape(b.shape)
        return ga, gb


def _check_dtypes(a, b):
    """The operands of a product must have one dtype, as in PyTorch ("expected m1 and m2
    to have the same dtype"): numpy would promote float32 @ float64 (or @ int64) to
    float64 silently. Bool products are not supported (PyTorch: not implemented)."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        raise ValueError("matmul: both operands need at least 1 dim, "
                         f"got shapes {np.shape(a)} and {np.shape(b)}")
    if a.dtype != b.dtype:
        raise dtype_mismatch("matmul", a.dtype, b.dtype)
    raise TypeError("matmul: bool operands are not supported (PyTorch: not implemented); "
                    "convert them first, e.g. x.float()")


def dtype_mismatch(name, a_dtype, b_dtype):
    """The error for a product of two dtypes (here and for the Tensor-level ``@``, ``mm``,
    ``bmm``, which check before any array work)."""
    return RuntimeError(f"{name}: expected both operands to have the same dtype, but got "
                        f"{a_dtype} and {b_dtype} (PyTorch raises too); convert one of them, "
                        f"e.g. x.to(y.dtype)")


class Linear(ArrayFunction):
    """``x @ weightᵀ + bias`` as one op (PyTorch's ``F.linear``): one BLAS product forward,
    two backward, and no separate transpose/add nodes in the graph.
    x: (..., in), weight: (out, in), bias: (out,) or None."""

    @staticmethod
    def forward(ctx, x, weight, bias=None):
        ctx.save_for_backward(x, weight)
        out = x @ weight.T
        if bias is not None:
            out += bias
        return out

    @staticmethod
    def backward(ctx, grad):
        if not grad_mode.enabled:     # a plain backward, not recorded: on arrays
            return _linear_backward_arrays(ctx, grad)
        x, weight = ctx.saved_tensors
        gx = gw = gb = None
        if ctx.needs_input_grad[0]:
            gx = MatMul.apply(grad, weight)                      # (..., out) @ (out, in)
        # (M, out) and (M, in), M the product of the batch dims: given, not inferred (-1),
        # so that empty batches and in/out_features = 0 work too
        M = math.prod(x.shape[:-1])
        g2 = grad if grad.ndim == 2 else grad.reshape(M, grad.shape[-1])
        if ctx.needs_input_grad[1]:
            x2 = x if x.ndim == 2 else x.reshape(M, x.shape[-1])
            gw = MatMul.apply(Permute.apply(g2, (1, 0)), x2)     # (out, M) @ (M, in)
        if len(ctx.needs_input_grad) > 2 and ctx.needs_input_grad[2]:
            gb = g2.sum(dim=0)
        return gx, gw, gb


def _linear_backward_arrays(ctx, grad):
    """``Linear.backward``'s three products on arrays, when they are not recorded (no
    ``create_graph``): the same numbers without an op call per product, which is most of
    a small layer's time (a 20-layer MLP of width 32 at batch 1: 0.77 ms a step against
    0.92-0.95 with the recorded version)."""
    x, weight = ctx.saved_arrays
    g = grad._array
    needs = ctx.needs_input_grad
    M = math.prod(x.shape[:-1])
    g2 = g.reshape(M, g.shape[-1])
    gx = Tensor.wrap(np.matmul(g, weight), None) if needs[0] else None
    gw = Tensor.wrap(np.matmul(g2.T, x.reshape(M, x.shape[-1])), None) if needs[1] else None
    gb = (Tensor.wrap(np.add.reduce(g2, axis=0), None)
          if len(needs) > 2 and needs[2] else None)
    return gx, gw, gb
