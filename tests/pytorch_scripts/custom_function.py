"""A custom ``torch.autograd.Function`` as PyTorch's tutorials write one (written anew):
the Legendre polynomial P3 of "Learning PyTorch with Examples", fitted to sin(x) with manual
gradient descent, a ``MulConstant`` with a non-tensor argument as in "Extending PyTorch",
and ``torch.autograd.gradcheck`` on double inputs.

Checked: the fit reaches the coefficients the tutorial prints (y = a + b P3(c + d x) with
b = -2.2085 and d = 0.2555, a and c about 0), gradcheck returns True for both Functions and
raises GradcheckError for a wrong backward (False with raise_exception=False).

The forward methods here use only arithmetic, which minigrad runs on numpy arrays;
``extending_autograd.py`` has forwards that call Tensor methods.
"""
import math

import torch
from torch.autograd import Function, gradcheck


class LegendrePolynomial3(torch.autograd.Function):
    """P3(x) = 1/2 (5x^3 - 3x), with its derivative 3/2 (5x^2 - 1) written by hand."""

    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return 0.5 * (5 * input ** 3 - 3 * input)

    @staticmethod
    def backward(ctx, grad_output):
        input, = ctx.saved_tensors
        return grad_output * 1.5 * (5 * input ** 2 - 1)


class MulConstant(Function):
    @staticmethod
    def forward(ctx, tensor, constant):
        # ctx is a context object that can be used to stash information for the backward
        ctx.constant = constant
        return tensor * constant

    @staticmethod
    def backward(ctx, grad_output):
        # one gradient per input of forward: None for the constant
        return grad_output * ctx.constant, None


class WrongSquare(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad_output):
        x, = ctx.saved_tensors
        return grad_output * x      # should be 2 * x


# ---- the fit of "Learning PyTorch with Examples" -------------------------------------------
dtype = torch.float
device = torch.device("cpu")

x = torch.linspace(-math.pi, math.pi, 2000, device=device, dtype=dtype)
y = torch.sin(x)

# initial weights: the tutorial starts near the answer so that gradient descent converges
a = torch.full((), 0.0, device=device, dtype=dtype, requires_grad=True)
b = torch.full((), -1.0, device=device, dtype=dtype, requires_grad=True)
c = torch.full((), 0.0, device=device, dtype=dtype, requires_grad=True)
d = torch.full((), 0.3, device=device, dtype=dtype, requires_grad=True)

learning_rate = 5e-6
for t in range(2000):
    P3 = LegendrePolynomial3.apply
    y_pred = a + b * P3(c + d * x)
    loss = (y_pred - y).pow(2).sum()
    if t % 500 == 499:
        print(t, loss.item())
    loss.backward()
    with torch.no_grad():
        a -= learning_rate * a.grad
        b -= learning_rate * b.grad
        c -= learning_rate * c.grad
        d -= learning_rate * d.grad

        a.grad = None
        b.grad = None
        c.grad = None
        d.grad = None

print(f'Result: y = {a.item()} + {b.item()} * P3({c.item()} + {d.item()} x)')
assert tuple(a.shape) == () and a.dtype == torch.float32 and a.is_leaf and a.requires_grad
assert abs(b.item() - -2.2085) < 2e-3 and abs(d.item() - 0.2555) < 2e-4, (b.item(), d.item())
assert abs(a.item()) < 1e-4 and abs(c.item()) < 1e-4
assert 8.0 < loss.item() < 10.0        # the tutorial's last printed loss is about 8.9

# ---- gradcheck on double inputs ----------------------------------------------------------
torch.manual_seed(0)
input = (torch.randn(20, dtype=torch.double, requires_grad=True),)
test = gradcheck(LegendrePolynomial3.apply, input, eps=1e-6, atol=1e-4)
print(test)
assert test is True

input = (torch.randn(4, 5, dtype=torch.double, requires_grad=True), 3.0)
assert gradcheck(MulConstant.apply, input, eps=1e-6, atol=1e-4)
assert torch.autograd.gradcheck(MulConstant.apply, input, fast_mode=True)

v = torch.randn(4, 5, dtype=torch.double, requires_grad=True)
MulConstant.apply(v, 3.0).sum().backward()
assert v.grad.tolist() == [[3.0] * 5] * 4

w = torch.randn(6, dtype=torch.double, requires_grad=True)
assert gradcheck(WrongSquare.apply, (w,), raise_exception=False) is False
try:
    gradcheck(WrongSquare.apply, (w,))
except Exception as e:                     # GradcheckError: Jacobian mismatch
    err = e
else:
    raise AssertionError("gradcheck passed a wrong backward")
print(type(err).__name__)
assert type(err).__name__ == "GradcheckError"
from torch.autograd.gradcheck import GradcheckError   # noqa: E402
# PyTorch documents GradcheckError as a subclass of RuntimeError
assert isinstance(err, GradcheckError) and isinstance(err, RuntimeError)

print("OK")
