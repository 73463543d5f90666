"""Tensors as PyTorch's "Tensors" tutorial and the blitz use them (written anew):
``torch.tensor``, ``torch.from_numpy`` and its shared memory, ``zeros_like``/``ones_like``,
shape/dtype/device, indexing and slicing, assignment into a slice, ``torch.cat``/``stack``,
``@`` and ``matmul``, ``x.view(-1, 8)``, ``torch.max(out.data, 1)``, in-place ``add_``,
``torch.float``/``.long()`` and the other dtype names, ``.item()``/``float()``/``int()``,
``tolist``, ``.to(device)`` and ``x.to("cpu", torch.double)``; and the reference pages'
examples for linspace, logspace, full_like, empty, repeat, topk, split, chunk, flip, sort,
argsort, norm, masked_fill, sin/cos/tan and contiguous.

Every value checked is one the tutorials state or that follows from the definition.
"""
import numpy as np
import torch

data = [[1, 2], [3, 4]]
x_data = torch.tensor(data)
assert x_data.dtype == torch.int64 and x_data.tolist() == data

np_array = np.array(data)
x_np = torch.from_numpy(np_array)
assert x_np.dtype == torch.int64 and x_np.tolist() == data

x_ones = torch.ones_like(x_data)  # retains the properties of x_data
print(f"Ones Tensor: \n {x_ones} \n")
assert x_ones.tolist() == [[1, 1], [1, 1]] and x_ones.dtype == torch.int64
x_zeros = torch.zeros_like(x_data, dtype=torch.float)
assert x_zeros.dtype == torch.float32 and x_zeros.sum().item() == 0

shape = (2, 3,)
rand_tensor = torch.rand(shape)
ones_tensor = torch.ones(shape)
zeros_tensor = torch.zeros(shape)
assert rand_tensor.shape == ones_tensor.shape == zeros_tensor.shape == (2, 3)
assert 0 <= rand_tensor.min().item() and rand_tensor.max().item() < 1

tensor = torch.rand(3, 4)
print(f"Shape of tensor: {tensor.shape}")
print(f"Datatype of tensor: {tensor.dtype}")
print(f"Device tensor is stored on: {tensor.device}")
assert tensor.shape == (3, 4) and tensor.dtype == torch.float32 and tensor.dtype == torch.float
assert str(tensor.device) == "cpu" and tensor.device == torch.device("cpu")
assert tensor.size() == (3, 4) and tensor.size(1) == 4 and tensor.numel() == 12

if torch.cuda.is_available():
    tensor = tensor.to("cuda")

# ---- indexing and slicing ---------------------------------------------------------------
tensor = torch.ones(4, 4)
print(f"First row: {tensor[0]}")
print(f"First column: {tensor[:, 0]}")
print(f"Last column: {tensor[..., -1]}")
tensor[:, 1] = 0
print(tensor)
assert tensor[0].tolist() == [1.0, 0.0, 1.0, 1.0]
assert tensor[:, 1].tolist() == [0.0] * 4 and tensor[..., -1].tolist() == [1.0] * 4
assert tensor.sum().item() == 12.0

t1 = torch.cat([tensor, tensor, tensor], dim=1)
print(t1)
assert t1.shape == (4, 12) and t1[:, 4:8].tolist() == tensor.tolist()
assert torch.stack([tensor, tensor]).shape == (2, 4, 4)

# ---- arithmetic ------------------------------------------------------------------------
y1 = tensor @ tensor.T
y2 = tensor.matmul(tensor.T)
assert y1.tolist() == y2.tolist() == [[3.0] * 4] * 4
z1 = tensor * tensor
z2 = tensor.mul(tensor)
assert z1.tolist() == z2.tolist() == tensor.tolist()

agg = tensor.sum()
agg_item = agg.item()
print(agg_item, type(agg_item))
assert agg_item == 12.0 and isinstance(agg_item, float)
assert float(agg) == 12.0 and int(agg) == 12 and f"{agg:.2f}" == "12.00"

print(f"{tensor} \n")
tensor.add_(5)
print(tensor)
assert tensor.tolist() == [[6.0, 5.0, 6.0, 6.0]] * 4

# ---- bridge with numpy: shared memory both ways -------------------------------------------
t = torch.ones(5)
print(f"t: {t}")
n = t.numpy()
print(f"n: {n}")
t.add_(1)
print(f"t: {t}")
print(f"n: {n}")
assert n.tolist() == [2.0] * 5

n = np.ones(5)
t = torch.from_numpy(n)
np.add(n, 1, out=n)
print(f"t: {t}")
print(f"n: {n}")
assert t.tolist() == [2.0] * 5 and t.dtype == torch.float64

c = torch.tensor(n)          # torch.tensor copies
n[0] = 7.0
assert c[0].item() == 2.0 and t[0].item() == 7.0

# ---- the blitz: view, item, dtypes, max over a dim ----------------------------------------
x = torch.randn(4, 4)
y = x.view(16)
z = x.view(-1, 8)  # the size -1 is inferred from other dimensions
print(x.size(), y.size(), z.size())
assert x.size() == (4, 4) and y.size() == (16,) and z.size() == (2, 8)
assert z.view_as(x).tolist() == x.tolist()

x = torch.randn(1)
print(x)
print(x.item())
assert isinstance(x.item(), float)

x = torch.zeros(5, 3, dtype=torch.long)
assert x.dtype == torch.int64 == torch.long
assert torch.float == torch.float32 and torch.double == torch.float64
assert torch.half == torch.float16 and torch.int == torch.int32
assert torch.tensor([1, 0]).bool().dtype == torch.bool
assert torch.tensor([1.7, -1.7]).long().tolist() == [1, -1]       # truncates toward 0
assert torch.tensor([1, 2]).float().dtype == torch.float32
assert torch.tensor([1, 2]).to(torch.double).dtype == torch.float64
assert torch.tensor(3.5).type(torch.int32).item() == 3

# torch.max(out.data, 1): the values and the indices of the largest per row
outputs = torch.tensor([[0.1, 2.0, -1.0], [3.0, 0.0, 0.5]], requires_grad=True) * 1
_, predicted = torch.max(outputs.data, 1)
assert predicted.tolist() == [1, 0] and predicted.dtype == torch.int64
values, indices = outputs.max(dim=1)
assert values.tolist() == [2.0, 3.0] and indices.tolist() == [1, 0]
assert outputs.data.max(1, keepdim=True)[1].tolist() == [[1], [0]]
assert outputs.data.requires_grad is False and outputs.data.grad_fn is None
labels = torch.tensor([1, 2])
total, correct = 0, 0
total += labels.size(0)
correct += (predicted == labels).sum().item()
assert (total, correct) == (2, 1)

# in-place counters and arithmetic on tensors
acc = torch.zeros(1)
for _ in range(3):
    acc += 2
acc *= 0.5
acc -= 1
acc /= 2
assert acc.tolist() == [1.0]

# ---- the examples of the reference pages: factories and ops ------------------------------
assert torch.linspace(-10, 10, steps=5).tolist() == [-10.0, -5.0, 0.0, 5.0, 10.0]
assert np.allclose(torch.logspace(start=-2, end=2, steps=5).tolist(), [0.01, 0.1, 1.0, 10.0, 100.0])
assert torch.logspace(start=0, end=3, steps=4, base=2).tolist() == [1.0, 2.0, 4.0, 8.0]
assert torch.full_like(torch.zeros(2, 2), 7.5).tolist() == [[7.5, 7.5], [7.5, 7.5]]
assert torch.empty(2, 3).shape == (2, 3) and torch.empty_like(x).shape == x.shape
x = torch.tensor([1, 2, 3])
assert x.repeat(4, 2).shape == (4, 6) and x.repeat(4, 2)[1].tolist() == [1, 2, 3, 1, 2, 3]
assert x.repeat(4, 2, 1).size() == (4, 2, 3)
x = torch.arange(1., 6.)
values, indices = torch.topk(x, 3)
assert values.tolist() == [5.0, 4.0, 3.0] and indices.tolist() == [4, 3, 2]
assert x.topk(2, largest=False).values.tolist() == [1.0, 2.0]
a = torch.arange(10).reshape(5, 2)
assert [tuple(t.shape) for t in torch.split(a, 2)] == [(2, 2), (2, 2), (1, 2)]
assert [tuple(t.shape) for t in torch.split(a, [1, 4])] == [(1, 2), (4, 2)]
assert [t.tolist() for t in torch.arange(11).chunk(6)] == [[0, 1], [2, 3], [4, 5], [6, 7],
                                                           [8, 9], [10]]
x = torch.arange(8).view(2, 2, 2)
assert torch.flip(x, [0, 1]).tolist() == [[[6, 7], [4, 5]], [[2, 3], [0, 1]]]
x = torch.tensor([3.0, 1.0, 2.0])
sorted_x, idx = torch.sort(x)
assert sorted_x.tolist() == [1.0, 2.0, 3.0] and idx.tolist() == [1, 2, 0]
assert torch.sort(x, descending=True).values.tolist() == [3.0, 2.0, 1.0]
assert torch.argsort(x).tolist() == [1, 2, 0]
assert torch.tensor([3.0, 4.0]).norm().item() == 5.0
assert torch.tensor([[3.0, -4.0]]).norm(p=1, dim=1).tolist() == [7.0]
scores = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
mask = torch.tensor([[True, False], [False, True]])
assert scores.masked_fill(mask, float('-inf')).tolist() == [[float('-inf'), 2.0],
                                                            [3.0, float('-inf')]]
assert torch.sin(torch.tensor([0.0])).tolist() == [0.0]
assert torch.cos(torch.tensor([0.0])).tolist() == [1.0]
assert abs(torch.tan(torch.tensor([0.7853982])).item() - 1.0) < 1e-6
t = torch.ones(3, 2).t()
assert t.contiguous().shape == (2, 3) and t.contiguous().tolist() == t.tolist()

# a device round trip: CPU only, so .to(device) and .cpu() hand back CPU tensors
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
x = torch.ones(2, device=device)
y = torch.ones_like(x, device=device)
print(x + y)
print((x + y).to("cpu", torch.double))
assert (x + y).to("cpu", torch.double).tolist() == [2.0, 2.0]
assert (x + y).to("cpu", torch.double).dtype == torch.float64
assert x.cpu().numpy().tolist() == [1.0, 1.0] and not x.is_cuda

print("OK")
