"""Matrix product with numpy's ``matmul`` rules: 1-D, 2-D and batched (broadcast) operands."""
import numpy as np

from ..autograd import Function
from .elementwise import unbroadcast


class MatMul(Function):
    """``a @ b``. For C = A·B the gradients are dA = dC·Bᵀ and dB = Aᵀ·dC; a 1-D operand is
    treated as a row (left) or column (right) vector, and broadcast batch dims are summed back."""

    @staticmethod
    def forward(ctx, a, b):
        if np.ndim(a) == 0 or np.ndim(b) == 0:
            raise ValueError("matmul: both operands need at least 1 dim, "
                             f"got shapes {np.shape(a)} and {np.shape(b)}")
        if a.shape[-1] != b.shape[-2 if b.ndim > 1 else 0]:
            raise ValueError(f"matmul: shapes {a.shape} and {b.shape} do not match "
                             f"({a.shape[-1]} != {b.shape[-2 if b.ndim > 1 else 0]})")
        ctx.save_for_backward(a, b)
        try:
            return np.matmul(a, b)
        except ValueError:   # the matrix dims match, so the batch dims do not broadcast
            raise ValueError(f"matmul: batch dims of shapes {a.shape} and {b.shape} do not "
                             f"broadcast ({a.shape[:-2]} vs {b.shape[:-2]})") from None

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        a2 = a[None, :] if a.ndim == 1 else a           # row vector
        b2 = b[:, None] if b.ndim == 1 else b           # column vector
        # give grad back the unit dims the 1-D operands dropped; the column dim first, so
        # that the 0-d grad of vector @ vector can take the row dim after it
        g = grad
        if b.ndim == 1:
            g = np.expand_dims(g, -1)
        if a.ndim == 1:
            g = np.expand_dims(g, -2)
        ga = gb = None
        if ctx.needs_input_grad[0]:
            ga = np.matmul(g, np.swapaxes(b2, -1, -2))
            ga = unbroadcast(ga, a2.shape).reshape(a.shape)
        if ctx.needs_input_grad[1]:
            gb = np.matmul(np.swapaxes(a2, -1, -2), g)
            gb = unbroadcast(gb, b2.shape).reshape(b.shape)
        return ga, gb


class Linear(Function):
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
        x, weight = ctx.saved_tensors
        gx = gw = gb = None
        if ctx.needs_input_grad[0]:
            gx = grad @ weight
        g2 = grad.reshape(-1, grad.shape[-1])
        if ctx.needs_input_grad[1]:
            gw = g2.T @ x.reshape(-1, x.shape[-1])
        if len(ctx.needs_input_grad) > 2 and ctx.needs_input_grad[2]:
            gb = g2.sum(axis=0)
        return gx, gw, gb
