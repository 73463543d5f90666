"""The other tensor-making and comparing lines of PyTorch's "Tensors" tutorials and API
examples (written anew): ``torch.rand_like``/``randn_like`` with a dtype, ``x.new_ones``/
``new_zeros``/``new_tensor``, ``torch.empty``, ``torch.eye``, ``torch.arange``/``linspace``,
``torch.full``, functional arithmetic with ``out=`` (``torch.add(x, y, out=result)``,
``torch.mul``, ``torch.matmul``), ``torch.Size``, ``torch.allclose``/``torch.equal``,
``.all()``/``.any()``, ``torch.is_tensor``/``torch.numel``, ``x.random_``/``uniform_``/
``normal_`` and ``torch.Generator().manual_seed``.
"""
import math

import torch

x_data = torch.tensor([[1, 2], [3, 4]])
x_rand = torch.rand_like(x_data, dtype=torch.float)  # overrides the datatype of x_data
print(f"Random Tensor: \n {x_rand} \n")
assert x_rand.shape == (2, 2) and x_rand.dtype == torch.float32

x = torch.empty(5, 3)
assert x.shape == (5, 3) and x.dtype == torch.float32
x = x.new_ones(5, 3, dtype=torch.double)      # new_* methods take in sizes
assert x.dtype == torch.float64 and x.sum().item() == 15.0
x = torch.randn_like(x, dtype=torch.float)    # override dtype, same size
assert x.size() == torch.Size([5, 3]) and x.dtype == torch.float32
assert isinstance(x.size(), tuple) and x.size()[1] == 3
assert x.new_zeros(2).tolist() == [0.0, 0.0] and x.new_zeros(2).dtype == torch.float32
assert x.new_tensor([1, 2]).dtype == torch.float32     # the dtype of x, as documented
assert x.new_full((2,), 7.0).tolist() == [7.0, 7.0]

y = torch.rand(5, 3)
result = torch.empty(5, 3)
torch.add(x, y, out=result)
assert torch.allclose(result, x + y) and torch.equal(torch.add(x, y), x + y)
z = torch.mul(x, y)
assert torch.equal(z, x * y)
m = torch.empty(5, 5)
torch.matmul(x, y.T, out=m)
assert torch.allclose(m, x @ y.T)

eye = torch.eye(3)
assert eye.tolist() == [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
assert torch.eye(2, 3).tolist() == [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
assert torch.arange(5).tolist() == [0, 1, 2, 3, 4] and torch.arange(5).dtype == torch.int64
assert torch.arange(1, 2.5, 0.5).tolist() == [1.0, 1.5, 2.0]
assert torch.linspace(3, 10, steps=5).tolist() == [3.0, 4.75, 6.5, 8.25, 10.0]
assert torch.full((2, 3), 3.141592).dtype == torch.float32
assert torch.zeros(2, 3).dtype == torch.get_default_dtype() == torch.float32

b = torch.tensor([[True, False], [True, True]])
assert b.any() and not b.all() and b.all(dim=1).tolist() == [False, True]
assert (torch.ones(3) > 0).all()

assert torch.is_tensor(x) and not torch.is_tensor([1])
assert torch.numel(torch.zeros(4, 4)) == 16

g = torch.Generator().manual_seed(42)
r1 = torch.rand(3, generator=g)
g = torch.Generator().manual_seed(42)
assert torch.equal(r1, torch.rand(3, generator=g))

target = torch.empty(3, dtype=torch.long).random_(5)
assert target.dtype == torch.int64 and all(0 <= v < 5 for v in target.tolist())
w = torch.empty(3, 5).uniform_(-1, 1)
assert -1 <= w.min().item() and w.max().item() < 1
n = torch.empty(1000).normal_(mean=2.0, std=0.5)
assert abs(n.mean().item() - 2.0) < 0.1 and abs(n.std().item() - 0.5) < 0.1
assert (torch.arange(7) % 3).tolist() == [0, 1, 2, 0, 1, 2, 0]
assert (torch.arange(7) // 3).tolist() == [0, 0, 0, 1, 1, 1, 2]
assert math.isclose(torch.tensor(2.0).sqrt().item(), math.sqrt(2), rel_tol=1e-6)

print("OK")
