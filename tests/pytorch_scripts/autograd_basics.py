"""Autograd as PyTorch's introductions teach it (written anew after "A Gentle Introduction to
torch.autograd", "Automatic Differentiation with torch.autograd" and the 60-minute blitz):
``requires_grad``, ``grad_fn``, ``backward`` with an external gradient, accumulation and
``x.grad.zero_()``, ``with torch.no_grad()``, ``.detach()``, ``requires_grad_``,
``torch.set_grad_enabled``, the ``@torch.no_grad()`` decorator, and
``torch.autograd.Variable`` from old scripts.

Every value checked is one the tutorials state: d(mean(3(x+2)^2))/dx = 4.5, Q = 3a^3 - b^2
gives 9a^2 and -2b, the eye(4, 5) Jacobian-vector products (4 on the diagonal and 2 elsewhere,
doubled on a second call), binary cross-entropy's gradient shapes.
"""
import torch
from torch.autograd import Variable

# ---- the blitz: out = mean(3 (x + 2)^2), d out / dx = 3 (x + 2) / 2 = 4.5 at x = 1 ---------
x = torch.ones(2, 2, requires_grad=True)
y = x + 2
print(y.grad_fn)
assert y.grad_fn is not None and x.grad_fn is None and x.is_leaf and not y.is_leaf
z = y * y * 3
out = z.mean()
assert z.tolist() == [[27.0, 27.0], [27.0, 27.0]] and out.item() == 27.0
out.backward()
print(x.grad)
assert x.grad.tolist() == [[4.5, 4.5], [4.5, 4.5]]

a = torch.randn(2, 2)
a = ((a * 3) / (a - 1))
print(a.requires_grad)
assert a.requires_grad is False
a.requires_grad_(True)
print(a.requires_grad)
assert a.requires_grad is True
b = (a * a).sum()
print(b.grad_fn)
assert b.grad_fn is not None

# y = x * 2^k, doubled until its norm passes 1000; the vector-Jacobian product is v * 2^k
x = torch.randn(3, requires_grad=True)
y = x * 2
k = 1
while y.data.norm() < 1000:
    y = y * 2
    k += 1
v = torch.tensor([0.1, 1.0, 0.0001], dtype=torch.float)
y.backward(v)
print(x.grad)
assert abs(x.grad[1].item() - 2.0 ** k) < 1e-6 * 2.0 ** k
assert abs(x.grad[0].item() - 0.1 * 2.0 ** k) < 1e-6 * 2.0 ** k

print(x.requires_grad)
print((x ** 2).requires_grad)
with torch.no_grad():
    print((x ** 2).requires_grad)
    assert (x ** 2).requires_grad is False
assert (x ** 2).requires_grad is True

y = x.detach()
print(y.requires_grad)
assert y.requires_grad is False
assert x.eq(y).all()

# ---- a gentle introduction: Q = 3a^3 - b^2 ----------------------------------------------
a = torch.tensor([2., 3.], requires_grad=True)
b = torch.tensor([6., 4.], requires_grad=True)
Q = 3*a**3 - b**2
external_grad = torch.tensor([1., 1.])
Q.backward(gradient=external_grad)
# check if collected gradients are correct
print(9*a**2 == a.grad)
print(-2*b == b.grad)
assert (9*a**2 == a.grad).tolist() == [True, True]
assert (-2*b == b.grad).tolist() == [True, True]
assert a.grad.tolist() == [36.0, 81.0] and b.grad.tolist() == [-12.0, -8.0]

# exclusion from the DAG
x = torch.rand(5, 5)
y = torch.rand(5, 5)
z = torch.rand((5, 5), requires_grad=True)
a = x + y
print(f"Does `a` require gradients?: {a.requires_grad}")
b = x + z
print(f"Does `b` require gradients?: {b.requires_grad}")
assert not a.requires_grad and b.requires_grad

# ---- automatic differentiation with torch.autograd -------------------------------------
x = torch.ones(5)  # input tensor
y = torch.zeros(3)  # expected output
w = torch.randn(5, 3, requires_grad=True)
b = torch.randn(3, requires_grad=True)
z = torch.matmul(x, w)+b
loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y)
print(f"Gradient function for z = {z.grad_fn}")
print(f"Gradient function for loss = {loss.grad_fn}")
loss.backward()
print(w.grad)
print(b.grad)
assert tuple(w.grad.shape) == (5, 3) and tuple(b.grad.shape) == (3,)
# d loss / d b = sigmoid(z) / 3 for an all-zero target; every row of w.grad equals it (x = 1)
want = (torch.sigmoid(z.detach()) / 3).tolist()
assert all(abs(g - e) < 1e-6 for g, e in zip(b.grad.tolist(), want))
assert all(abs(g - e) < 1e-6 for row in w.grad.tolist() for g, e in zip(row, want))

z = torch.matmul(x, w)+b
print(z.requires_grad)
assert z.requires_grad is True
with torch.no_grad():
    z = torch.matmul(x, w)+b
print(z.requires_grad)
assert z.requires_grad is False
z = torch.matmul(x, w)+b
z_det = z.detach()
print(z_det.requires_grad)
assert z_det.requires_grad is False

# Jacobian-vector products of out = (inp + 1)^2 transposed, called twice, then zeroed
inp = torch.eye(4, 5, requires_grad=True)
out = (inp+1).pow(2).t()
out.backward(torch.ones_like(out), retain_graph=True)
print(f"First call\n{inp.grad}")
first = [[4.0 if i == j else 2.0 for j in range(5)] for i in range(4)]
assert inp.grad.tolist() == first
out.backward(torch.ones_like(out), retain_graph=True)
print(f"\nSecond call\n{inp.grad}")
assert inp.grad.tolist() == [[2 * v for v in row] for row in first]
inp.grad.zero_()
out.backward(torch.ones_like(out), retain_graph=True)
print(f"\nCall after zeroing gradients\n{inp.grad}")
assert inp.grad.tolist() == first

# ---- grad modes -------------------------------------------------------------------------
x = torch.tensor([1.0], requires_grad=True)
is_train = False
with torch.set_grad_enabled(is_train):
    y = x * 2
assert y.requires_grad is False
torch.set_grad_enabled(True)
y = x * 2
assert y.requires_grad is True


@torch.no_grad()
def doubler(x):
    return x * 2


assert doubler(x).requires_grad is False
assert torch.is_grad_enabled()

with torch.inference_mode():
    y = x * 2
assert y.requires_grad is False

# ---- torch.autograd.Variable in old scripts: the tensor itself --------------------------
v = Variable(torch.tensor([1.0, 2.0]), requires_grad=True)
(v * v).sum().backward()
assert v.grad.tolist() == [2.0, 4.0]

print("OK")
