"""A training loop as PyTorch tutorials and recipes write it (written anew): an nn.Module
with Dropout and BatchNorm1d, ``nn.CrossEntropyLoss``, ``optim.SGD`` with momentum and
per-parameter-group options, ``nn.utils.clip_grad_norm_`` between backward and step,
``model.train()``/``model.eval()``, and the "saving and loading a general checkpoint" recipe
with ``torch.save``/``torch.load(path, weights_only=True, map_location="cpu")``; then the
first steps of each optimizer and the learning-rate schedules against the formulas of
PyTorch's documentation.

Checked: CrossEntropyLoss is -log softmax at the target (ln 3 for equal logits of three
classes), the norm clip_grad_norm_ returns and the norm after clipping, what train/eval
change, that resuming from the checkpoint continues bit for bit, SGD with momentum (and
Nesterov, weight decay), Adam, Adagrad, RMSprop and Adadelta's first updates, StepLR's and
CosineAnnealingLR's learning rates; and the tutorial's printout of a state_dict, whose values
are tensors (``.size()``).
"""
import math
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.base = nn.Sequential(nn.Linear(8, 32), nn.BatchNorm1d(32), nn.ReLU(),
                                  nn.Dropout(p=0.5))
        self.classifier = nn.Linear(32, 3)

    def forward(self, x):
        return self.classifier(self.base(x))


# ---- CrossEntropyLoss: -log softmax(x)[target], averaged ---------------------------------
criterion = nn.CrossEntropyLoss()
assert abs(criterion(torch.zeros(4, 3), torch.tensor([0, 1, 2, 0])).item() - math.log(3)) < 1e-6
logits = torch.tensor([[2.0, 0.0, -1.0]])
want = -(2.0 - math.log(math.exp(2) + 1 + math.exp(-1)))
assert abs(criterion(logits, torch.tensor([0])).item() - want) < 1e-6
assert abs(F.cross_entropy(logits, torch.tensor([0]), reduction='sum').item() - want) < 1e-6

# ---- data: three classes by the sign pattern of two features --------------------------------
torch.manual_seed(0)
X = torch.randn(256, 8)
y = (X[:, 0] > 0).long() + (X[:, 1] > 0.5).long()
assert y.dtype == torch.int64 and set(y.tolist()) <= {0, 1, 2}
batches = [(X[i:i + 32], y[i:i + 32]) for i in range(0, 256, 32)]

model = Model()
optimizer = optim.SGD([
    {'params': model.base.parameters()},
    {'params': model.classifier.parameters(), 'lr': 0.05},
], lr=0.1, momentum=0.9)
assert [g['lr'] for g in optimizer.param_groups] == [0.1, 0.05]
assert optimizer.param_groups[0]['momentum'] == 0.9


def train_steps(model, optimizer, batches, max_norm=1.0):
    model.train()
    norms = []
    for inputs, labels in batches:
        optimizer.zero_grad()
        outputs = model(inputs)
        loss = criterion(outputs, labels)
        loss.backward()
        # the norm of all gradients as one vector, before clipping
        want = math.sqrt(sum(p.grad.norm().item() ** 2 for p in model.parameters()))
        total_norm = nn.utils.clip_grad_norm_(model.parameters(), max_norm=max_norm)
        assert abs(float(total_norm) - want) < 1e-4 * max(1.0, want)
        after = math.sqrt(sum(p.grad.norm().item() ** 2 for p in model.parameters()))
        assert after <= max_norm * (1 + 1e-5) and (want > max_norm or abs(after - want) < 1e-5)
        norms.append(float(total_norm))
        optimizer.step()
    return loss.item(), norms


def evaluate(model):
    model.eval()
    with torch.no_grad():
        outputs = model(X)
        loss = criterion(outputs, y).item()
        accuracy = (outputs.argmax(dim=1) == y).float().mean().item()
    return loss, accuracy


first_loss, _ = evaluate(model)
for epoch in range(8):
    last, norms = train_steps(model, optimizer, batches, max_norm=1.0)
loss, accuracy = evaluate(model)
print(f"loss {first_loss:.4f} -> {loss:.4f}, accuracy {accuracy:.3f}")
assert loss < 0.6 * first_loss and accuracy > 0.85, (first_loss, loss, accuracy)

# ---- train() and eval() -------------------------------------------------------------------
model.train()
assert model.training and model.base[3].training
out1, out2 = model(X[:16]), model(X[:16])
assert not np.allclose(out1.tolist(), out2.tolist())        # dropout draws new masks
bn = model.base[1]
mean_before = bn.running_mean.clone()
model.eval()
assert not model.training and not model.base[3].training and not bn.training
with torch.no_grad():
    e1, e2 = model(X[:16]), model(X[:16])
assert e1.tolist() == e2.tolist()                           # eval: deterministic
assert bn.running_mean.tolist() == mean_before.tolist()     # eval: statistics frozen
assert bn.num_batches_tracked.item() == 8 * 8 + 2

# ---- saving and loading a general checkpoint ----------------------------------------------
PATH = "model.pt"
EPOCH = 8
torch.save({
    'epoch': EPOCH,
    'model_state_dict': model.state_dict(),
    'optimizer_state_dict': optimizer.state_dict(),
    'loss': last,
}, PATH)
assert os.path.exists(PATH)
sd = model.state_dict()
assert list(sd)[:4] == ['base.0.weight', 'base.0.bias', 'base.1.weight', 'base.1.bias']
assert 'base.1.running_mean' in sd and 'base.1.running_var' in sd

torch.manual_seed(1)
final_a, _ = train_steps(model, optimizer, batches[:3])
params_a = [p.tolist() for p in model.parameters()]

model2 = Model()
optimizer2 = optim.SGD([
    {'params': model2.base.parameters()},
    {'params': model2.classifier.parameters(), 'lr': 0.05},
], lr=0.1, momentum=0.9)
checkpoint = torch.load(PATH, weights_only=True, map_location="cpu")
model2.load_state_dict(checkpoint['model_state_dict'])
optimizer2.load_state_dict(checkpoint['optimizer_state_dict'])
epoch = checkpoint['epoch']
loss = checkpoint['loss']
assert epoch == 8 and loss == last
model2.eval()
with torch.no_grad():
    assert model2(X[:16]).tolist() == e1.tolist()
model2.train()
torch.manual_seed(1)
final_b, _ = train_steps(model2, optimizer2, batches[:3])
assert final_b == final_a                                   # momentum buffers restored
assert [p.tolist() for p in model2.parameters()] == params_a
checkpoint = torch.load(PATH, map_location=torch.device('cpu'), weights_only=True)
assert checkpoint['epoch'] == 8


# ---- first updates against the documented algorithms -----------------------------------------
def run(make, steps, g=(0.5, -2.0), p0=(1.0, 1.0)):
    """Params p0 under the loss sum(g * p) (a constant gradient g), after `steps` steps."""
    p = torch.tensor(list(p0), requires_grad=True)
    opt = make([p])
    grad = torch.tensor(list(g))
    for _ in range(steps):
        opt.zero_grad()
        (grad * p).sum().backward()
        opt.step()
    return p.tolist()


def close(got, want, tol=1e-6):
    return all(abs(a - b) <= tol * max(1.0, abs(b)) for a, b in zip(got, want))


g = (0.5, -2.0)
# SGD, momentum 0.9: buf = g, then 0.9 g + g: p moves by -(0.1 + 0.19) g
assert close(run(lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9), 2),
             [1 - 0.29 * gi for gi in g])
# Nesterov: the update is g + 0.9 buf: 1.9 g, then g + 0.9 * 1.9 g = 2.71 g
assert close(run(lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True), 2),
             [1 - 0.1 * (1.9 + 2.71) * gi for gi in g])
# weight decay adds wd * p to the gradient
assert close(run(lambda ps: optim.SGD(ps, lr=0.1, weight_decay=0.01), 1),
             [1 - 0.1 * (gi + 0.01) for gi in g])
# Adam's first step is lr * m_hat / (sqrt(v_hat) + eps) = lr * g / (|g| + eps)
assert close(run(lambda ps: optim.Adam(ps, lr=0.01), 1),
             [1 - 0.01 * gi / (abs(gi) + 1e-8) for gi in g])
# Adagrad: sum = g^2, then p -= lr g / (sqrt(sum) + eps)
assert close(run(lambda ps: optim.Adagrad(ps, lr=0.1), 1),
             [1 - 0.1 * gi / (abs(gi) + 1e-10) for gi in g])
# RMSprop (alpha 0.99): v = 0.01 g^2, p -= lr g / (sqrt(v) + eps)
assert close(run(lambda ps: optim.RMSprop(ps, lr=0.01), 1),
             [1 - 0.01 * gi / (math.sqrt(0.01) * abs(gi) + 1e-8) for gi in g])
# Adadelta (rho 0.9, eps 1e-6, lr 1.0): v = 0.1 g^2, delta = sqrt(0 + eps) / sqrt(v + eps) g
assert close(run(lambda ps: optim.Adadelta(ps), 1),
             [1 - math.sqrt(1e-6) / math.sqrt(0.1 * gi * gi + 1e-6) * gi for gi in g])

# ---- learning-rate schedules: StepLR's documented example, CosineAnnealingLR's formula -----
p = torch.zeros(1, requires_grad=True)
opt = optim.SGD([p], lr=0.05)
scheduler = optim.lr_scheduler.StepLR(opt, step_size=30, gamma=0.1)
lrs = []
for epoch in range(100):
    lrs.append(opt.param_groups[0]['lr'])
    opt.step()
    scheduler.step()
# lr = 0.05 if epoch < 30, 0.005 if 30 <= epoch < 60, 0.0005 if 60 <= epoch < 90, ...
assert all(math.isclose(lr, 0.05 * 0.1 ** (e // 30), rel_tol=1e-9) for e, lr in enumerate(lrs))

opt = optim.SGD([p], lr=0.1)
scheduler = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10, eta_min=0.001)
for epoch in range(1, 11):
    opt.step()
    scheduler.step()
    want = 0.001 + (0.1 - 0.001) * (1 + math.cos(math.pi * epoch / 10)) / 2
    assert math.isclose(scheduler.get_last_lr()[0], want, rel_tol=1e-9, abs_tol=1e-12)

# ---- the saving-and-loading tutorial's printout: a state_dict maps names to tensors -------
print("Model's state_dict:")
for param_tensor in model.state_dict():
    print(param_tensor, "\t", model.state_dict()[param_tensor].size())
print("Optimizer's state_dict:")
for var_name in optimizer.state_dict():
    print(var_name, "\t", optimizer.state_dict()[var_name])
assert list(optimizer.state_dict()) == ['state', 'param_groups']
assert model.state_dict()['classifier.weight'].size() == (3, 32)
assert isinstance(model.state_dict()['classifier.weight'], torch.Tensor)

print("OK")
