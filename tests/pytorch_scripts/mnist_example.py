"""The structure of PyTorch's official MNIST example (pytorch/examples, mnist/main.py),
written anew for this suite: the same Net (two convs, max-pool, two dropouts, two linear
layers, log_softmax), Adadelta with StepLR, the train/test loops with their idioms, argparse
and the device line. Sizes are cut so that it runs in seconds: 640 training and 320 test
digits of the MNIST test file shipped with minigrad, 2 epochs, and the network trained is
the example's at a quarter of its widths (``Net(8, 16, 64)``; the full ``Net()`` is built and
checked, not trained).

The one line that is not PyTorch: torchvision's MNIST is replaced by
minigrad.datasets.load_mnist, numpy arrays normalised with the example's (0.1307, 0.3081).
"""
import argparse
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.optim.lr_scheduler import StepLR
from torch.utils.data import DataLoader, TensorDataset

from minigrad.datasets import load_mnist


class Net(nn.Module):
    def __init__(self, c1=32, c2=64, hidden=128):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(1, c1, 3, 1)
        self.conv2 = nn.Conv2d(c1, c2, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(c2 * 12 * 12, hidden)     # 9216 inputs at the full widths
        self.fc2 = nn.Linear(hidden, 10)

    def forward(self, x):
        x = self.conv1(x)
        x = F.relu(x)
        x = self.conv2(x)
        x = F.relu(x)
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = self.fc1(x)
        x = F.relu(x)
        x = self.dropout2(x)
        x = self.fc2(x)
        output = F.log_softmax(x, dim=1)
        return output


def train(args, model, device, train_loader, optimizer, epoch):
    model.train()
    losses = []
    for batch_idx, (data, target) in enumerate(train_loader):
        data, target = data.to(device), target.to(device)
        optimizer.zero_grad()
        output = model(data)
        loss = F.nll_loss(output, target)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        if batch_idx % args.log_interval == 0:
            print('Train Epoch: {} [{}/{} ({:.0f}%)]\tLoss: {:.6f}'.format(
                epoch, batch_idx * len(data), len(train_loader.dataset),
                100. * batch_idx / len(train_loader), loss.item()))
            if args.dry_run:
                break
    return losses


def test(model, device, test_loader):
    model.eval()
    test_loss = 0
    correct = 0
    with torch.no_grad():
        for data, target in test_loader:
            data, target = data.to(device), target.to(device)
            output = model(data)
            test_loss += F.nll_loss(output, target, reduction='sum').item()  # sum up batch loss
            pred = output.argmax(dim=1, keepdim=True)  # index of the max log-probability
            correct += pred.eq(target.view_as(pred)).sum().item()

    test_loss /= len(test_loader.dataset)

    print('\nTest set: Average loss: {:.4f}, Accuracy: {}/{} ({:.0f}%)\n'.format(
        test_loss, correct, len(test_loader.dataset),
        100. * correct / len(test_loader.dataset)))
    return test_loss, correct


def main():
    parser = argparse.ArgumentParser(description='PyTorch MNIST Example')
    parser.add_argument('--batch-size', type=int, default=64, metavar='N')
    parser.add_argument('--test-batch-size', type=int, default=160, metavar='N')
    parser.add_argument('--epochs', type=int, default=2, metavar='N')
    parser.add_argument('--lr', type=float, default=1.0, metavar='LR')
    parser.add_argument('--gamma', type=float, default=0.7, metavar='M')
    parser.add_argument('--no-cuda', action='store_true', default=False)
    parser.add_argument('--dry-run', action='store_true', default=False)
    parser.add_argument('--seed', type=int, default=1, metavar='S')
    parser.add_argument('--log-interval', type=int, default=5, metavar='N')
    parser.add_argument('--save-model', action='store_true', default=True)
    args = parser.parse_args()
    use_cuda = not args.no_cuda and torch.cuda.is_available()

    torch.manual_seed(args.seed)

    device = torch.device("cuda" if use_cuda else "cpu")
    assert device.type == "cpu" and str(device) == "cpu"

    train_kwargs = {'batch_size': args.batch_size, 'shuffle': True}
    test_kwargs = {'batch_size': args.test_batch_size}
    if use_cuda:
        cuda_kwargs = {'num_workers': 1, 'pin_memory': True, 'shuffle': True}
        train_kwargs.update(cuda_kwargs)
        test_kwargs.update(cuda_kwargs)

    images, labels = load_mnist(train=False)
    dataset1 = TensorDataset(torch.from_numpy(images[:640].copy()),
                             torch.from_numpy(labels[:640].copy()))
    dataset2 = TensorDataset(torch.from_numpy(images[640:960].copy()),
                             torch.from_numpy(labels[640:960].copy()))
    train_loader = torch.utils.data.DataLoader(dataset1, **train_kwargs)
    test_loader = DataLoader(dataset2, **test_kwargs)

    data, target = next(iter(train_loader))
    assert tuple(data.shape) == (64, 1, 28, 28) and data.dtype == torch.float32
    assert tuple(target.shape) == (64,) and target.dtype == torch.int64
    assert len(train_loader) == 10 and len(test_loader) == 2

    full = Net().to(device)
    # the well-known parameter count of the example's network: 320 + 18,496 + 1,179,776 + 1,290
    assert sum(p.numel() for p in full.parameters()) == 1199882
    assert [tuple(p.shape) for p in full.parameters()] == [
        (32, 1, 3, 3), (32,), (64, 32, 3, 3), (64,), (128, 9216), (128,), (10, 128), (10,)]
    with torch.no_grad():
        out = full.eval()(data[:8])
    assert tuple(out.shape) == (8, 10)
    # log_softmax: each row's probabilities add up to 1
    assert np.allclose(out.exp().sum(dim=1).tolist(), 1.0, atol=1e-5)

    model = Net(8, 16, 64).to(device)

    optimizer = optim.Adadelta(model.parameters(), lr=args.lr)

    scheduler = StepLR(optimizer, step_size=1, gamma=args.gamma)
    first_loss, _ = test(model, device, test_loader)
    for epoch in range(1, args.epochs + 1):
        losses = train(args, model, device, train_loader, optimizer, epoch)
        test_loss, correct = test(model, device, test_loader)
        scheduler.step()

    # StepLR(step_size=1, gamma=0.7): lr = 1.0 * 0.7 ** epochs
    assert abs(optimizer.param_groups[0]['lr'] - 0.49) < 1e-12
    assert abs(scheduler.get_last_lr()[0] - 0.49) < 1e-12
    assert len(losses) == 10
    # from chance (a loss of about ln 10 = 2.30, 10% right) to a net that has learnt
    # something (PyTorch itself, with its own random draws for seed 1: 68%, loss 0.96)
    assert 2.0 < first_loss < 2.6, first_loss
    assert test_loss < first_loss - 0.5, (first_loss, test_loss)
    assert correct > 0.5 * len(test_loader.dataset), correct

    if args.save_model:
        torch.save(model.state_dict(), "mnist_cnn.pt")
        assert os.path.exists("mnist_cnn.pt")
        model2 = Net(8, 16, 64)
        model2.load_state_dict(torch.load("mnist_cnn.pt", weights_only=True))
        model2.eval()
        with torch.no_grad():
            assert model2(data).tolist() == model(data).tolist()


if __name__ == '__main__':
    main()
    print("OK")
