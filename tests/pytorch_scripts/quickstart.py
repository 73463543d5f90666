"""In the style of PyTorch's "Quickstart" (Learn the Basics), written anew: a Dataset,
DataLoaders, a NeuralNetwork of Flatten + Linear/ReLU, the train and test loops with their
idioms (``f"loss: {loss:>7f}"``, ``(pred.argmax(1) == y).type(torch.float).sum().item()``),
saving and loading the state dict, and a prediction with ``classes[pred[0].argmax(0)]``.

The data is a custom Dataset (the "Datasets & DataLoaders" page's pattern: ``__len__`` and
``__getitem__`` returning an image tensor and an int label) over 768 digits of the MNIST
test file shipped with minigrad, in place of torchvision's FashionMNIST.
"""
import os

import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

from minigrad.datasets import load_mnist

images, labels = load_mnist(train=False)


class Digits(Dataset):
    def __init__(self, start, stop, transform=None, target_transform=None):
        self.images = images[start:stop]
        self.labels = labels[start:stop]
        self.transform = transform
        self.target_transform = target_transform

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, idx):
        image = torch.tensor(self.images[idx])
        label = int(self.labels[idx])
        if self.transform:
            image = self.transform(image)
        if self.target_transform:
            label = self.target_transform(label)
        return image, label


training_data = Digits(0, 512)
test_data = Digits(512, 768)
classes = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]

image, label = training_data[0]
assert tuple(image.shape) == (1, 28, 28) and image.dtype == torch.float32
assert isinstance(label, int)

batch_size = 64

# Create data loaders.
train_dataloader = DataLoader(training_data, batch_size=batch_size, shuffle=True)
test_dataloader = DataLoader(test_data, batch_size=batch_size)

for X, y in test_dataloader:
    print(f"Shape of X [N, C, H, W]: {X.shape}")
    print(f"Shape of y: {y.shape} {y.dtype}")
    break
assert tuple(X.shape) == (64, 1, 28, 28) and X.dtype == torch.float32
assert tuple(y.shape) == (64,) and y.dtype == torch.int64     # ints collate to int64
assert y.tolist() == labels[512:576].tolist()                 # no shuffling for the test set

device = "cuda" if torch.cuda.is_available() else "mps" if torch.backends.mps.is_available() else "cpu"
print(f"Using {device} device")
assert device == "cpu"


# Define model
class NeuralNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(
            nn.Linear(28*28, 512),
            nn.ReLU(),
            nn.Linear(512, 512),
            nn.ReLU(),
            nn.Linear(512, 10)
        )

    def forward(self, x):
        x = self.flatten(x)
        logits = self.linear_relu_stack(x)
        return logits


torch.manual_seed(0)
model = NeuralNetwork().to(device)
print(model)
assert sum(p.numel() for p in model.parameters()) == 784 * 512 + 512 + 512 * 512 + 512 + 5130

loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=1e-1)


def train(dataloader, model, loss_fn, optimizer):
    size = len(dataloader.dataset)
    model.train()
    for batch, (X, y) in enumerate(dataloader):
        X, y = X.to(device), y.to(device)

        # Compute prediction error
        pred = model(X)
        loss = loss_fn(pred, y)

        # Backpropagation
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()

        if batch % 4 == 0:
            line = f"loss: {loss:>7f}"            # a 0-d tensor formats as its number
            loss, current = loss.item(), (batch + 1) * len(X)
            print(f"loss: {loss:>7f}  [{current:>5d}/{size:>5d}]")
            assert line == f"loss: {loss:>7f}"


def test(dataloader, model, loss_fn):
    size = len(dataloader.dataset)
    num_batches = len(dataloader)
    model.eval()
    test_loss, correct = 0, 0
    with torch.no_grad():
        for X, y in dataloader:
            X, y = X.to(device), y.to(device)
            pred = model(X)
            test_loss += loss_fn(pred, y).item()
            correct += (pred.argmax(1) == y).type(torch.float).sum().item()
    test_loss /= num_batches
    correct /= size
    print(f"Test Error: \n Accuracy: {(100*correct):>0.1f}%, Avg loss: {test_loss:>8f} \n")
    return test_loss, correct


first_loss, first_correct = test(test_dataloader, model, loss_fn)
epochs = 3
for t in range(epochs):
    print(f"Epoch {t+1}\n-------------------------------")
    train(train_dataloader, model, loss_fn, optimizer)
    test_loss, correct = test(test_dataloader, model, loss_fn)
print("Done!")
assert isinstance(correct, float) and isinstance(test_loss, float)
# from chance (ln 10 = 2.30, 10%) to a net that has learnt something (PyTorch: about 1.0, 66%)
assert 2.0 < first_loss < 2.6 and test_loss < 1.5 and correct > 0.5, \
    (first_loss, test_loss, correct)

torch.save(model.state_dict(), "model.pth")
print("Saved PyTorch Model State to model.pth")
assert os.path.getsize("model.pth") > 0

model = NeuralNetwork().to(device)
model.load_state_dict(torch.load("model.pth", weights_only=True))

model.eval()
x, y = test_data[0][0], test_data[0][1]
with torch.no_grad():
    x = x.to(device)
    pred = model(x)
    predicted, actual = classes[pred[0].argmax(0)], classes[y]
    print(f'Predicted: "{predicted}", Actual: "{actual}"')
assert tuple(pred.shape) == (1, 10)         # Flatten keeps dim 0: one image of 1x28x28
assert actual == classes[int(labels[512])]
assert predicted in classes
reloaded_loss, reloaded_correct = test(test_dataloader, model, loss_fn)
assert abs(reloaded_loss - test_loss) < 1e-6 and reloaded_correct == correct

print("OK")
