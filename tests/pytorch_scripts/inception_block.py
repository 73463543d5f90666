"""An inception-style block as GoogLeNet tutorials write it (written anew): four branches
-- a 1x1 conv; a 1x1 "reduce" then 3x3; a 1x1 reduce then 5x5; 3x3 max-pool then a 1x1
projection -- each a BasicConv2d (conv without bias, BatchNorm2d(eps=0.001), ReLU in place),
joined with ``torch.cat(outputs, 1)``; a small net around it, trained a few steps.

Checked: the output has the sum of the branch widths as channels and the input's height and
width, the parameter count is the hand-computed one, ``torch.cat`` puts branch 1 first, and a
1x1 convolution is a matrix product over channels at every pixel.
"""
from collections import OrderedDict

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class BasicConv2d(nn.Module):
    def __init__(self, in_channels, out_channels, **kwargs):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, bias=False, **kwargs)
        self.bn = nn.BatchNorm2d(out_channels, eps=0.001)

    def forward(self, x):
        x = self.conv(x)
        x = self.bn(x)
        return F.relu(x, inplace=True)


class Inception(nn.Module):
    def __init__(self, in_channels, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj):
        super().__init__()
        self.branch1 = BasicConv2d(in_channels, ch1x1, kernel_size=1)
        self.branch2 = nn.Sequential(
            BasicConv2d(in_channels, ch3x3red, kernel_size=1),
            BasicConv2d(ch3x3red, ch3x3, kernel_size=3, padding=1),
        )
        self.branch3 = nn.Sequential(
            BasicConv2d(in_channels, ch5x5red, kernel_size=1),
            BasicConv2d(ch5x5red, ch5x5, kernel_size=5, padding=2),
        )
        self.branch4 = nn.Sequential(
            nn.MaxPool2d(kernel_size=3, stride=1, padding=1, ceil_mode=True),
            BasicConv2d(in_channels, pool_proj, kernel_size=1),
        )

    def _forward(self, x):
        branch1 = self.branch1(x)
        branch2 = self.branch2(x)
        branch3 = self.branch3(x)
        branch4 = self.branch4(x)
        outputs = [branch1, branch2, branch3, branch4]
        return outputs

    def forward(self, x):
        outputs = self._forward(x)
        return torch.cat(outputs, 1)


class TinyInceptionNet(nn.Module):
    def __init__(self, num_classes=2):
        super().__init__()
        self.features = nn.Sequential(OrderedDict([
            ("stem", BasicConv2d(1, 8, kernel_size=3, padding=1)),
            ("pool", nn.MaxPool2d(2)),
            ("inception", Inception(8, 4, 4, 8, 2, 4, 4)),
        ]))
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.dropout = nn.Dropout(0.2)
        self.fc = nn.Linear(20, num_classes)

    def forward(self, x):
        x = self.features(x)
        x = self.avgpool(x)
        x = torch.flatten(x, 1)
        x = self.dropout(x)
        return self.fc(x)


torch.manual_seed(0)
block = Inception(192, 64, 96, 128, 16, 32, 32)     # GoogLeNet's inception (3a)
x = torch.randn(2, 192, 7, 7)
out = block(x)
print(out.shape)
assert tuple(out.shape) == (2, 64 + 128 + 32 + 32, 7, 7)


def conv_bn(cin, cout, k):   # conv weights (no bias) + BatchNorm's weight and bias
    return cout * cin * k * k + 2 * cout


expected = (conv_bn(192, 64, 1) + conv_bn(192, 96, 1) + conv_bn(96, 128, 3)
            + conv_bn(192, 16, 1) + conv_bn(16, 32, 5) + conv_bn(192, 32, 1))
n_params = sum(p.numel() for p in block.parameters() if p.requires_grad)
print(n_params)
assert n_params == expected == 164064
# BatchNorm's running statistics are buffers, not parameters, and are in the state dict
assert len(list(block.buffers())) == 3 * 6 and "branch1.bn.running_mean" in block.state_dict()

# torch.cat(outputs, 1): branch 1's channels come first
block.eval()
with torch.no_grad():
    parts = block._forward(x)
    joined = block(x)
assert [p.shape[1] for p in parts] == [64, 128, 32, 32]
assert np.allclose(joined[:, :64].tolist(), parts[0].tolist())
assert np.allclose(joined[:, -32:].tolist(), parts[3].tolist())

# a 1x1 convolution is a matrix product over channels at every pixel: W (O, C) @ x (C, H*W)
conv = nn.Conv2d(192, 16, kernel_size=1)
with torch.no_grad():
    y = conv(x)
    w = conv.weight.view(16, 192)
    by_matmul = (w @ x[0].view(192, -1)).view(16, 7, 7) + conv.bias.view(16, 1, 1)
assert tuple(conv.weight.shape) == (16, 192, 1, 1)
assert np.allclose(y[0].tolist(), by_matmul.tolist(), atol=1e-5)

# a few training steps on a toy task: is the bright blob in the top or the bottom half?
n = 64
images = torch.randn(n, 1, 16, 16) * 0.5
targets = torch.randint(0, 2, (n,))
for i in range(n):
    rows = slice(2, 6) if targets[i] == 0 else slice(10, 14)
    images[i, 0, rows, 4:12] += 2.0

model = TinyInceptionNet()
assert tuple(model(images[:4]).shape) == (4, 2)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
criterion = nn.CrossEntropyLoss()
model.train()
losses = []
for step in range(30):
    optimizer.zero_grad()
    loss = criterion(model(images), targets)
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
print(f"loss {losses[0]:.4f} -> {losses[-1]:.4f}")
model.eval()
with torch.no_grad():
    accuracy = (model(images).argmax(1) == targets).float().mean().item()
print(f"accuracy {accuracy:.3f}")
assert losses[-1] < 0.5 * losses[0] and accuracy > 0.9, (losses[0], losses[-1], accuracy)

print("OK")
