"""The examples of PyTorch's nn reference pages, as shapes and values (written anew):
Conv2d and Linear output sizes, MaxPool2d with return_indices into MaxUnpool2d (the
documented 4x4 example), AdaptiveAvgPool2d's output sizes (None keeps a dimension), the
activations (ReLU, LeakyReLU, ELU, GELU, SiLU, Sigmoid, Tanh, Softmax, LogSoftmax modules)
and losses (MSELoss, L1Loss, SmoothL1Loss, BCELoss, BCEWithLogitsLoss with pos_weight,
NLLLoss, CrossEntropyLoss) at values computed from their documented formulas, the deprecated
size_average/reduce arguments, Dropout and
Dropout2d's scaling, Flatten, Sequential, ModuleList and F.log_softmax's deprecated
implicit dim.
"""
import math
import warnings

import torch
import torch.nn as nn
import torch.nn.functional as F


def close(got, want, tol=1e-5):
    if isinstance(got, (int, float)):
        return abs(got - want) <= tol * max(1.0, abs(want))
    return len(got) == len(want) and all(close(a, b, tol) for a, b in zip(got, want))


torch.manual_seed(0)

# ---- shapes: output = floor((in + 2 padding - dilation (kernel - 1) - 1) / stride + 1) -------
m = nn.Conv2d(16, 33, 3, stride=2)
input = torch.randn(20, 16, 50, 100)
output = m(input)
assert output.shape == (20, 33, 24, 49)
m = nn.Conv2d(16, 33, (3, 5), stride=(2, 1), padding=(4, 2))
assert m(input).shape == (20, 33, 28, 100)
m = nn.Conv2d(16, 33, (3, 5), stride=(2, 1), padding=(4, 2), dilation=(3, 1))
assert m(input).shape == (20, 33, 26, 100)
assert nn.Conv2d(16, 16, 3, padding='same')(input).shape == (20, 16, 50, 100)
m = nn.Linear(20, 30)
assert m(torch.randn(128, 20)).size() == (128, 30)
assert m.weight.shape == (30, 20) and m.bias.shape == (30,)
assert nn.MaxPool2d(3, stride=2)(torch.randn(20, 16, 50, 32)).shape == (20, 16, 24, 15)
assert nn.AvgPool2d((3, 2), stride=(2, 1))(torch.randn(20, 16, 50, 32)).shape == (20, 16, 24, 31)

# ---- MaxPool2d(return_indices=True) and MaxUnpool2d: the documented example ---------------
pool = nn.MaxPool2d(2, stride=2, return_indices=True)
unpool = nn.MaxUnpool2d(2, stride=2)
input = torch.tensor([[[[1., 2., 3., 4.],
                        [5., 6., 7., 8.],
                        [9., 10., 11., 12.],
                        [13., 14., 15., 16.]]]])
output, indices = pool(input)
assert output.tolist() == [[[[6.0, 8.0], [14.0, 16.0]]]]
assert indices.tolist() == [[[[5, 7], [13, 15]]]]
assert unpool(output, indices).tolist() == [[[[0., 0., 0., 0.],
                                             [0., 6., 0., 8.],
                                             [0., 0., 0., 0.],
                                             [0., 14., 0., 16.]]]]
# an explicit output_size for an odd input
input = torch.arange(1, 26, dtype=torch.float).view(1, 1, 5, 5)
output, indices = pool(input)
assert unpool(output, indices, output_size=input.size()).shape == (1, 1, 5, 5)

# the functional form, and ReLU(inplace=True) writing into its input
out, idx = F.max_pool2d(torch.arange(16.0).view(1, 1, 4, 4), 2, return_indices=True)
assert F.max_unpool2d(out, idx, 2).view(-1).tolist() == [0.0] * 5 + [5.0, 0.0, 7.0] + [0.0] * 5 + [
    13.0, 0.0, 15.0]
h = torch.tensor([-1.0, 2.0])
nn.ReLU(inplace=True)(h)
assert h.tolist() == [0.0, 2.0]

# ---- AdaptiveAvgPool2d: output sizes, None keeps the input's ------------------------------
input = torch.randn(1, 64, 8, 9)
assert nn.AdaptiveAvgPool2d((5, 7))(input).shape == (1, 64, 5, 7)
input = torch.randn(1, 64, 10, 9)
assert nn.AdaptiveAvgPool2d(7)(input).shape == (1, 64, 7, 7)
assert nn.AdaptiveAvgPool2d((None, 7))(input).shape == (1, 64, 10, 7)
assert close(nn.AdaptiveAvgPool2d(1)(input).flatten().tolist(),
             input.mean(dim=(2, 3)).flatten().tolist())

# ---- activations ------------------------------------------------------------------------
x = torch.tensor([-2.0, -0.5, 0.0, 1.5])
assert nn.ReLU()(x).tolist() == [0.0, 0.0, 0.0, 1.5]
assert close(nn.LeakyReLU(0.1)(x).tolist(), [-0.2, -0.05, 0.0, 1.5])
assert close(nn.ELU()(x).tolist(), [math.exp(-2) - 1, math.exp(-0.5) - 1, 0.0, 1.5])
gelu = [v * 0.5 * (1 + math.erf(v / math.sqrt(2))) for v in x.tolist()]
assert close(nn.GELU()(x).tolist(), gelu)
assert close(nn.SiLU()(x).tolist(), [v / (1 + math.exp(-v)) for v in x.tolist()])
assert close(nn.Sigmoid()(x).tolist(), [1 / (1 + math.exp(-v)) for v in x.tolist()])
assert close(nn.Tanh()(x).tolist(), [math.tanh(v) for v in x.tolist()])
m = nn.Softmax(dim=1)
input = torch.randn(2, 3)
output = m(input)
assert close(output.sum(dim=1).tolist(), [1.0, 1.0])
assert close(nn.LogSoftmax(dim=1)(input).exp().tolist(), output.tolist())
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    implicit = F.log_softmax(input)           # deprecated: dim chosen (1 for a 2-D input)
assert close(implicit.tolist(), F.log_softmax(input, dim=1).tolist())
assert any("dim" in str(w.message) for w in caught)

# ---- losses against their formulas -------------------------------------------------------
a = torch.tensor([0.5, 2.0, -1.0])
b = torch.tensor([1.0, 0.0, -1.5])
assert close(nn.MSELoss()(a, b).item(), (0.25 + 4.0 + 0.25) / 3)
assert close(nn.MSELoss(reduction='sum')(a, b).item(), 4.5)
assert close(nn.L1Loss()(a, b).item(), (0.5 + 2.0 + 0.5) / 3)
# SmoothL1Loss (beta = 1): 0.5 d^2 where |d| < 1, |d| - 0.5 elsewhere
assert close(nn.SmoothL1Loss()(a, b).item(), (0.125 + 1.5 + 0.125) / 3)
p = torch.tensor([0.9, 0.2, 0.6])
t = torch.tensor([1.0, 0.0, 1.0])
bce = -sum(ti * math.log(pi) + (1 - ti) * math.log(1 - pi)
           for pi, ti in zip(p.tolist(), t.tolist())) / 3
assert close(nn.BCELoss()(p, t).item(), bce)
logits = torch.log(p / (1 - p))
assert close(nn.BCEWithLogitsLoss()(logits, t).item(), bce, 1e-4)
# the documented pos_weight example: all targets 1, logits 1.5: -log(sigmoid(1.5))
target = torch.ones([10, 64], dtype=torch.float32)  # 64 classes, batch size = 10
output = torch.full([10, 64], 1.5)  # A prediction (logit)
pos_weight = torch.ones([64])  # All weights are equal to 1
criterion = torch.nn.BCEWithLogitsLoss(pos_weight=pos_weight)
assert close(criterion(output, target).item(), -math.log(1 / (1 + math.exp(-1.5))))
criterion = torch.nn.BCEWithLogitsLoss(pos_weight=torch.full([64], 3.0))
assert close(criterion(output, target).item(), -3 * math.log(1 / (1 + math.exp(-1.5))))

# the deprecated size_average / reduce of old scripts: PyTorch warns and maps them to reduction
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    assert close(nn.MSELoss(size_average=False)(a, b).item(), 4.5)               # 'sum'
    assert close(nn.L1Loss(reduce=False)(a, b).tolist(), [0.5, 2.0, 0.5])         # 'none'
    logp = F.log_softmax(torch.tensor([[1.0, 2.0], [0.5, 0.5]]), dim=1)
    summed = F.nll_loss(logp, torch.tensor([1, 0]), size_average=False).item()
assert close(summed, -(logp[0, 1] + logp[1, 0]).item())

# NLLLoss on LogSoftmax equals CrossEntropyLoss; the documented example's shapes
m = nn.LogSoftmax(dim=1)
loss = nn.NLLLoss()
input = torch.randn(3, 5, requires_grad=True)
target = torch.tensor([1, 0, 4])
output = loss(m(input), target)
output.backward()
assert input.grad.shape == (3, 5)
assert close(output.item(), nn.CrossEntropyLoss()(input, target).item())
assert close(input.grad.sum(dim=1).tolist(), [0.0, 0.0, 0.0])   # softmax - one-hot, / 3

# ---- dropout: zeroes with probability p and scales the rest by 1 / (1 - p) ----------------
drop = nn.Dropout(p=0.2)
x = torch.ones(10000)
y = drop(x)
kept = (y != 0).float().mean().item()
assert abs(kept - 0.8) < 0.03 and set(round(v, 4) for v in y.tolist()) <= {0.0, 1.25}
drop.eval()
assert drop(x).tolist() == x.tolist()
m = nn.Dropout2d(p=0.5)
y = m(torch.ones(20, 16, 4, 4))
per_channel = y.view(20, 16, 16)
# whole channels are zeroed: each channel is all 0 or all 2
assert all(len(set(ch)) == 1 and ch[0] in (0.0, 2.0) for row in per_channel.tolist() for ch in row)

# ---- containers ------------------------------------------------------------------------
model = nn.Sequential(nn.Conv2d(1, 20, 5), nn.ReLU(), nn.Conv2d(20, 64, 5), nn.ReLU())
assert model(torch.randn(1, 1, 12, 12)).shape == (1, 64, 4, 4)
assert isinstance(model[0], nn.Conv2d) and len(model) == 4
layers = nn.ModuleList([nn.Linear(10, 10) for i in range(3)])
assert len(list(layers.parameters())) == 6
x = torch.randn(2, 10)
for i, l in enumerate(layers):
    x = layers[i // 2](x) + l(x)
assert x.shape == (2, 10)
assert nn.Flatten()(torch.randn(32, 1, 5, 5)).shape == (32, 25)
assert nn.Flatten(0, 2)(torch.randn(32, 1, 5, 5)).shape == (160, 5)

# ---- the CrossEntropyLoss page's second example: class probabilities as the target ----
input = torch.randn(3, 5, requires_grad=True)
probs = torch.randn(3, 5).softmax(dim=1)
output = nn.CrossEntropyLoss()(input, probs)
want = -(probs * F.log_softmax(input, dim=1)).sum(dim=1).mean()
assert close(output.item(), want.item())
output.backward()
assert close(input.grad.sum(dim=1).tolist(), [0.0, 0.0, 0.0])

print("OK")
