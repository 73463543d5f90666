"""In the style of the "Neural Networks" page of PyTorch's 60-minute blitz (written anew):
LeNet-like Net, its parameters, a forward pass, backward with random gradients, a loss,
walking ``loss.grad_fn.next_functions``, backprop, the manual SGD update
``f.data.sub_(f.grad.data * learning_rate)`` and then ``optim.SGD``.

Values checked are the ones the tutorial states: 10 parameter tensors, conv1's weight of
size (6, 1, 5, 5), an output of size (1, 10), ``conv1.bias.grad`` None before backward, and
that the graph from the loss back ends at the parameters' AccumulateGrad nodes; plus the
exact effect of the update rule ``weight = weight - learning_rate * gradient``.
"""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim


class Net(nn.Module):

    def __init__(self):
        super(Net, self).__init__()
        # 1 input image channel, 6 output channels, 5x5 square convolution kernel
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        # an affine operation: y = Wx + b
        self.fc1 = nn.Linear(16 * 5 * 5, 120)  # 5*5 from image dimension
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, input):
        # Convolution layer C1: 1 input image channel, 6 output channels, 5x5 kernel, ReLU
        c1 = F.relu(self.conv1(input))
        # Subsampling layer S2: 2x2 grid, purely functional
        s2 = F.max_pool2d(c1, (2, 2))
        c3 = F.relu(self.conv2(s2))
        s4 = F.max_pool2d(c3, 2)
        s4 = torch.flatten(s4, 1)
        f5 = F.relu(self.fc1(s4))
        f6 = F.relu(self.fc2(f5))
        output = self.fc3(f6)
        return output


torch.manual_seed(0)
net = Net()
print(net)

params = list(net.parameters())
print(len(params))
print(params[0].size())  # conv1's .weight
assert len(params) == 10
assert tuple(params[0].size()) == (6, 1, 5, 5)
assert params[0].size(0) == 6 and params[0].dim() == 4
assert [n for n, _ in net.named_parameters()][:2] == ["conv1.weight", "conv1.bias"]

input = torch.randn(1, 1, 32, 32)
out = net(input)
print(out)
assert tuple(out.size()) == (1, 10)

# zero the gradient buffers of all parameters and backprop with random gradients
net.zero_grad()
out.backward(torch.randn(1, 10))
assert net.conv1.weight.grad is not None and tuple(net.conv1.weight.grad.shape) == (6, 1, 5, 5)

# ---- loss function ----------------------------------------------------------------------
output = net(input)
target = torch.randn(10)  # a dummy target, for example
target = target.view(1, -1)  # make it the same shape as output
criterion = nn.MSELoss()

loss = criterion(output, target)
print(loss)
expected = float(((output.detach() - target) ** 2).mean())
assert abs(loss.item() - expected) < 1e-6

# follow the graph backwards from the loss: grad_fn, then next_functions
print(loss.grad_fn)  # MSELoss
print(loss.grad_fn.next_functions[0][0])  # Linear
print(loss.grad_fn.next_functions[0][0].next_functions[0][0])
assert loss.grad_fn is not None and output.grad_fn is not None and input.grad_fn is None
assert isinstance(loss.grad_fn.next_functions, tuple)
assert all(isinstance(pair, tuple) and len(pair) == 2 for pair in loss.grad_fn.next_functions)
# the walk ends at one AccumulateGrad per parameter, whose .variable is the parameter
# (a set of the nodes seen, as torchviz keeps)
leaves, seen, todo = [], set(), [loss.grad_fn]
while todo:
    node = todo.pop()
    if node is None or node in seen:
        continue
    seen.add(node)
    if type(node).__name__ == "AccumulateGrad":
        leaves.append(node.variable)
    todo.extend(fn for fn, _ in node.next_functions)
assert sorted(id(p) for p in leaves) == sorted(id(p) for p in net.parameters())

# ---- backprop ---------------------------------------------------------------------------
net.zero_grad()     # zeroes the gradient buffers of all parameters

print('conv1.bias.grad before backward')
print(net.conv1.bias.grad)
assert net.conv1.bias.grad is None          # zero_grad sets them to None (PyTorch 2.x)

loss.backward()

print('conv1.bias.grad after backward')
print(net.conv1.bias.grad)
assert tuple(net.conv1.bias.grad.shape) == (6,)

# ---- update the weights: weight = weight - learning_rate * gradient ----------------------
before = [f.detach().clone() for f in net.parameters()]
learning_rate = 0.01
for f in net.parameters():
    f.data.sub_(f.grad.data * learning_rate)
for f, old in zip(net.parameters(), before):
    want = old.numpy() - learning_rate * f.grad.numpy()
    assert np.allclose(f.detach().numpy(), want, rtol=0, atol=1e-7)
    assert f.requires_grad and f.is_leaf   # .data updates stay outside autograd

# create your optimizer
optimizer = optim.SGD(net.parameters(), lr=0.01)

# in your training loop:
losses = []
for _ in range(5):
    optimizer.zero_grad()   # zero the gradient buffers
    output = net(input)
    loss = criterion(output, target)
    loss.backward()
    optimizer.step()    # Does the update
    losses.append(loss.item())
print(losses)
assert losses[-1] < losses[0]

# a graph node is one object however often it is reached -- AccumulateGrad nodes included --
# so code that walks the graph with a set of seen nodes (as torchviz does) visits each once
for node in seen:
    assert all(a is b for (a, _), (b, _) in zip(node.next_functions, node.next_functions))

print("OK")
