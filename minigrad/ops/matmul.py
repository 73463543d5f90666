"""Matrix product with numpy's ``matmul`` rules: 1-D, 2-D and batched (broadcast) operands."""
import numpy as np

from ..autograd import Function
from .elementwise import unbroadcast
from .movement import Permute


class MatMul(Function):
    """``a @ b``. For C = A·B the gradients are dA = dC·Bᵀ and dB = Aᵀ·dC; a 1-D operand is
    treated as a row (left) or column (right) vector, and broadcast batch dims are summed back."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        try:
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
            gx = MatMul.apply(grad, weight)                      # (..., out) @ (out, in)
        g2 = grad if grad.ndim == 2 else grad.reshape(-1, grad.shape[-1])   # (M, out)
        if ctx.needs_input_grad[1]:
            x2 = x if x.ndim == 2 else x.reshape(-1, x.shape[-1])           # (M, in)
            gw = MatMul.apply(Permute.apply(g2, (1, 0)), x2)     # (out, M) @ (M, in)
        if len(ctx.needs_input_grad) > 2 and ctx.needs_input_grad[2]:
            gb = g2.sum(dim=0)
        return gx, gw, gb
