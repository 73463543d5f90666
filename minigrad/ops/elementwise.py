"""Elementwise ops. Binary ops broadcast like numpy; their backward sums the gradient back
to each operand's shape with ``unbroadcast``.

Every ``backward`` here is written with Tensors (``grad`` and what ``saved_tensors`` gives
back), so it is differentiable itself. Masks (where ReLU or clamp passes the gradient) are
constants: the derivative of a mask is zero wherever it is defined.
"""
import numpy as np

from .._compat import NUMPY2, nep50
from .. import memory
from ..autograd.function import ArrayFunction


def unbroadcast(grad, shape):
    """Sum the Tensor ``grad`` over the axes that broadcasting added or stretched, giving
    ``shape``."""
    if grad.shape == shape:
        return grad
    lead = grad.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(i + lead for i, s in enumerate(shape)
                                      if s == 1 and grad.shape[i + lead] != 1)
    if axes:
        grad = grad.sum(dim=axes, keepdim=True)
    return grad.reshape(shape)


def _shape(x):
    return np.shape(x)


def broadcasting(name, ufunc, *operands):
    """``ufunc(*operands)``, but operands whose shapes do not broadcast get an error naming
    the op instead of numpy's (the check runs only once numpy has failed)."""
    if not NUMPY2:      # numpy 1.x: the result dtype numpy 2 gives (``where``'s condition aside)
        first = 1 if ufunc is np.where else 0
        operands = operands[:first] + nep50(*operands[first:])
    try:
        out = _result_array(ufunc, operands)
        return ufunc(*operands) if out is None else ufunc(*operands, out=out)
    except ValueError:
        shapes = [np.shape(x) for x in operands]
        try:
            np.broadcast_shapes(*shapes)
        except ValueError:
            raise ValueError(f"{name}: shapes {', '.join(map(str, shapes))} cannot be broadcast "
                             "together") from None
        raise


# arithmetic whose result has the operands' promoted dtype, when that is a float
_ARITHMETIC = {np.add, np.subtract, np.multiply, np.true_divide, np.power}


def _result_array(ufunc, operands):
    """A reused array for the result (``memory.empty``) when the operands are large arrays
    of one shape, else None (numpy allocates)."""
    a = operands[0]
    if ufunc not in _ARITHMETIC or not isinstance(a, np.ndarray) or a.nbytes < memory.MIN_BYTES:
        return None
    shape = a.shape
    for b in operands[1:]:
        if not isinstance(b, np.ndarray) or b.shape != shape:
            return None
    dtype = np.result_type(*operands)
    return memory.empty(shape, dtype) if dtype.kind == "f" else None


def masked(grad, mask):
    """``grad`` times a constant 0/1 ``mask`` array (one op, no cast of the mask)."""
    return Mul.apply(grad, mask)


class Add(ArrayFunction):
    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = _shape(a), _shape(b)
        return broadcasting("add", np.add, a, b)

    @staticmethod
    def backward(ctx, grad):
        sa, sb = ctx.shapes
        return unbroadcast(grad, sa), unbroadcast(grad, sb)


class Sub(ArrayFunction):
    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = _shape(a), _shape(b)
        return broadcasting("sub", np.subtract, a, b)

    @staticmethod
    def backward(ctx, grad):
        sa, sb = ctx.shapes
        return unbroadcast(grad, sa), unbroadcast(-grad, sb) if ctx.needs_input_grad[1] else None


class Mul(ArrayFunction):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return broadcasting("mul", np.multiply, a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        ga = unbroadcast(grad * b, _shape(a)) if ctx.needs_input_grad[0] else None
        gb = unbroadcast(grad * a, _shape(b)) if ctx.needs_input_grad[1] else None
        return ga, gb


class Div(ArrayFunction):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return broadcasting("div", np.true_divide, a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        ga = unbroadcast(grad / b, _shape(a)) if ctx.needs_input_grad[0] else None
        gb = unbroadcast(-grad * a / (b * b), _shape(b)) if ctx.needs_input_grad[1] else None
        return ga, gb


class Pow(ArrayFunction):
    """``a ** b``; d/da = b·a^(b-1), d/db = a^b·log(a) (defined for a > 0)."""

    @staticmethod
    def forward(ctx, a, b):
        out = broadcasting("pow", np.power, a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved_tensors
        ga = gb = None
        with np.errstate(divide="ignore", invalid="ignore"):
            if ctx.needs_input_grad[0]:
                # b·a^(b-1) is 0·inf = nan at a = 0, b = 0, but a^0 is constant: the
                # derivative is 0 (as in PyTorch)
                d = b * a ** (b - 1)
                if np.any(np.asarray(b) == 0):
                    d = Where.apply(np.asarray(b) == 0, 0.0, d)
                ga = unbroadcast(grad * d, _shape(a))
            if ctx.needs_input_grad[1]:
                # a^b·log(a) is 0·(-inf) = nan at a = 0, yet there a^b is constantly 0 for
                # b > 0: the derivative is 0 (PyTorch masks it the same way)
                d = out * _log(a)
                zero = (np.asarray(a) == 0) & (np.asarray(b) >= 0)
                if np.any(zero):
                    d = Where.apply(zero, 0.0, d)
                gb = unbroadcast(grad * d, _shape(b))
        return ga, gb


def _log(a):
    return a.log() if hasattr(a, "log") else np.log(a)


class Remainder(ArrayFunction):
    """``a % b`` with the sign of ``b`` (Python's and PyTorch's ``remainder``):
    a - floor(a/b)·b, so d/da = 1 and d/db = -floor(a/b)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = _shape(a), _shape(b)
        if ctx.needs_input_grad[1]:
            ctx.quotient = np.floor_divide(a, b)
        return broadcasting("remainder", np.remainder, a, b)

    @staticmethod
    def backward(ctx, grad):
        ga = unbroadcast(grad, ctx.shapes[0]) if ctx.needs_input_grad[0] else None
        gb = unbroadcast(masked(-grad, ctx.quotient), ctx.shapes[1]) \
            if ctx.needs_input_grad[1] else None
        return ga, gb


class FloorDivide(ArrayFunction):
    """``a // b``, rounded down. Its derivative is zero wherever it exists; PyTorch does not
    define one, and neither does minigrad: differentiating through it is an error, not a
    silent zero."""

    @staticmethod
    def forward(ctx, a, b):
        return broadcasting("floor_divide", np.floor_divide, a, b)

    @staticmethod
    def backward(ctx, grad):
        raise RuntimeError("floor_divide (//): the derivative is not implemented (as in "
                           "PyTorch); detach() its inputs, or use torch-style floor(a / b)")


class Neg(ArrayFunction):
    @staticmethod
    def forward(ctx, a):
        return np.negative(a)

    @staticmethod
    def backward(ctx, grad):
        return -grad


class Exp(ArrayFunction):
    @staticmethod
    def forward(ctx, a):
        out = np.exp(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors        # exp(x), the output Tensor
        return grad * out


class Log(ArrayFunction):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.log(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad / a


class Sqrt(ArrayFunction):
    @staticmethod
    def forward(ctx, a):
        out = np.sqrt(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad / (2 * out)


class Sin(ArrayFunction):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.sin(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * a.cos()


class Cos(ArrayFunction):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.cos(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return -grad * a.sin()


class Tan(ArrayFunction):
    @staticmethod
    def forward(ctx, a):
        out = np.tan(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors         # d tan x / dx = 1 + tan² x
        return grad * (1 + out * out)


class Abs(ArrayFunction):
    """The gradient at 0 is 0, as ``sign(0) = 0`` (PyTorch does the same)."""

    @staticmethod
    def forward(ctx, a):
        if ctx.needs_input_grad[0]:
            ctx.sign = np.sign(a)
        return np.abs(a)

    @staticmethod
    def backward(ctx, grad):
        return masked(grad, ctx.sign)


class ReLU(ArrayFunction):
    """max(x, 0); the gradient at exactly 0 is 0, as in PyTorch."""

    @staticmethod
    def forward(ctx, a):
        out = np.maximum(a, 0, out=memory.empty_like(a))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        # a multiply by the mask: ~10x faster than np.where on a random mask. "!= 0" on
        # the output (>= 0 or NaN) rather than "> 0": at a NaN input the gradient passes,
        # as PyTorch's threshold_backward
        return masked(grad, out.numpy() != 0)


class Sigmoid(ArrayFunction):
    @staticmethod
    def forward(ctx, a):
        # split by sign so exp never overflows
        e = np.exp(-np.abs(a))
        one = e.dtype.type(1)       # a Python 1 would compute a 0-d float32 in float64 on numpy 1.x
        out = np.where(a >= 0, one / (one + e), e / (one + e)).astype(a.dtype, copy=False)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * out * (1 - out)


class Tanh(ArrayFunction):
    @staticmethod
    def forward(ctx, a):
        out = np.tanh(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * (1 - out * out)


class Softplus(ArrayFunction):
    """log(1 + exp(x)), computed without overflow; d/dx = sigmoid(x) (0.5 at 0)."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.logaddexp(np.zeros((), dtype=a.dtype), a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * a.sigmoid()


class Erf(ArrayFunction):
    """The error function ``2/sqrt(pi) * integral of exp(-t²) from 0 to x`` (``erf_array``);
    d/dx = 2/sqrt(pi) · exp(-x²)."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return erf_array(a).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * (-(a * a)).exp() * (2 / np.sqrt(np.pi))


# W. J. Cody's rational approximations of erf and erfc (Math. Comp. 23, 1969; the CALERF
# routine), good to about 1e-16 relative in float64: numpy has no erf and minigrad needs
# nothing beyond numpy.
_ERF_A = (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02,
          3.20937758913846947e03, 1.85777706184603153e-1)
_ERF_B = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03,
          2.84423683343917062e03)
_ERF_C = (5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01,
          2.98635138197400131e02, 8.81952221241769090e02, 1.71204761263407058e03,
          2.05107837782607147e03, 1.23033935479799725e03, 2.15311535474403846e-8)
_ERF_D = (1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02,
          1.62138957456669019e03, 3.29079923573345963e03, 4.36261909014324716e03,
          3.43936767414372164e03, 1.23033935480374942e03)
_ERF_P = (3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1,
          1.60837851487422766e-2, 6.58749161529837803e-4, 1.63153871373020978e-2)
_ERF_Q = (2.56852019228982242e00, 1.87295284992346725e00, 5.27905102951428412e-1,
          6.05183413124413191e-2, 2.33520497626869185e-3)


def erf_array(x):
    """erf of a numpy array, in float64: a rational function of x² for |x| <= 0.47, else
    1 - erfc(|x|) with erfc = exp(-x²) times a rational function of |x| (up to 4) or of
    1/x² (beyond), with the sign of x."""
    x = np.asarray(x, dtype=np.float64)
    y = np.abs(x)
    out = x.copy()                          # NaN stays NaN
    small, big = y <= 0.46875, y > 4.0
    mid = (y > 0.46875) & ~big
    if small.any():
        z = x[small]
        zsq = z * z
        num, den = _ERF_A[4] * zsq, zsq
        for i in range(3):
            num, den = (num + _ERF_A[i]) * zsq, (den + _ERF_B[i]) * zsq
        out[small] = z * (num + _ERF_A[3]) / (den + _ERF_B[3])
    if mid.any():
        z = y[mid]
        num, den = _ERF_C[8] * z, z
        for i in range(7):
            num, den = (num + _ERF_C[i]) * z, (den + _ERF_D[i]) * z
        out[mid] = 1 - _exp_minus_square(z) * (num + _ERF_C[7]) / (den + _ERF_D[7])
    if big.any():
        z = np.minimum(y[big], 27.0)        # erfc(27) underflows: erf is exactly ±1 beyond
        zsq = 1 / (z * z)
        num, den = _ERF_P[5] * zsq, zsq
        for i in range(4):
            num, den = (num + _ERF_P[i]) * zsq, (den + _ERF_Q[i]) * zsq
        r = zsq * (num + _ERF_P[4]) / (den + _ERF_Q[4])
        out[big] = 1 - _exp_minus_square(z) * (1 / np.sqrt(np.pi) - r) / z
    rest = mid | big
    out[rest] = np.copysign(out[rest], x[rest])
    return out


def _exp_minus_square(z):
    """exp(-z²) with z² split into a part exact in floating point and a small rest, as
    CALERF does, so that the exponent loses no precision for large z."""
    head = np.trunc(z * 16) / 16
    return np.exp(-head * head) * np.exp(-(z - head) * (z + head))


class Clamp(ArrayFunction):
    """Clip to [min, max]; the gradient flows where the input was inside the range
    (boundaries included, as in PyTorch)."""

    @staticmethod
    def forward(ctx, a, min=None, max=None):
        if min is None and max is None:
            raise ValueError("clamp: at least one of min and max must be given")
        if ctx.needs_input_grad[0]:
            inside = np.ones(a.shape, dtype=bool)
            if min is not None:
                inside &= a >= min
            if max is not None:
                inside &= a <= max
            ctx.inside = inside
        return np.clip(*nep50(a, min, max))

    @staticmethod
    def backward(ctx, grad):
        return masked(grad, ctx.inside)


class Cast(ArrayFunction):
    """Change dtype; the gradient is cast back to the input's dtype."""

    @staticmethod
    def forward(ctx, a, dtype, copy=False, order="K"):
        ctx.in_dtype = a.dtype
        return a.astype(dtype, order=order, copy=copy)

    @staticmethod
    def backward(ctx, grad):
        return Cast.apply(grad, ctx.in_dtype)


from .movement import Where  # noqa: E402  (movement builds on this module)
