"""Data loading as the "Datasets & DataLoaders" tutorial and the torch.utils.data reference
use it (written anew): a map-style Dataset returning (tensor, int) tuples, a dict-returning
Dataset, TensorDataset, DataLoader with batch_size/shuffle/drop_last/num_workers/pin_memory/
collate_fn/sampler, random_split by lengths and by fractions, Subset,
SubsetRandomSampler for a validation split, WeightedRandomSampler, and
``torch.Generator().manual_seed(42)`` for a reproducible split (the reference's example).

Checked: batch shapes and dtypes (Python ints collate to int64), len(loader) with and
without drop_last, every sample seen once per epoch, the split sizes PyTorch's rule gives,
Subset's indexing.
"""
import numpy as np
import torch
from torch.utils.data import (DataLoader, Dataset, Subset, SubsetRandomSampler, TensorDataset,
                              WeightedRandomSampler, random_split)


class Squares(Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, idx):
        x = torch.tensor([float(idx), float(idx) ** 2])
        return x, idx % 3


class Records(Dataset):
    def __len__(self):
        return 10

    def __getitem__(self, idx):
        return {"image": np.full((2, 2), idx, dtype=np.float32), "label": idx}


torch.manual_seed(0)
ds = Squares(103)
x, label = ds[5]
assert x.tolist() == [5.0, 25.0] and label == 2

loader = DataLoader(ds, batch_size=10, shuffle=True, num_workers=2, pin_memory=True)
assert len(loader) == 11
seen = []
for xb, yb in loader:
    assert xb.dtype == torch.float32 and xb.shape[1] == 2 and yb.dtype == torch.int64
    seen += xb[:, 0].long().tolist()
    assert [i % 3 for i in xb[:, 0].long().tolist()] == yb.tolist()
assert sorted(seen) == list(range(103)) and seen != list(range(103))   # each once, shuffled
assert len(xb) == 3                                  # the last, incomplete batch

loader = DataLoader(ds, batch_size=10, drop_last=True)
assert len(loader) == 10 and all(len(xb) == 10 for xb, _ in loader)

batch = next(iter(DataLoader(Records(), batch_size=4)))
assert set(batch) == {"image", "label"}
assert batch["image"].shape == (4, 2, 2) and batch["label"].tolist() == [0, 1, 2, 3]


def collate_fn(samples):
    xs, ys = zip(*samples)
    return torch.stack(xs), torch.tensor(ys), len(samples)


xb, yb, n = next(iter(DataLoader(ds, batch_size=8, collate_fn=collate_fn)))
assert xb.shape == (8, 2) and yb.tolist() == [0, 1, 2, 0, 1, 2, 0, 1] and n == 8

# ---- TensorDataset, random_split, Subset ---------------------------------------------------
features = torch.randn(100, 4)
targets = torch.randint(0, 2, (100,))
dataset = TensorDataset(features, targets)
assert len(dataset) == 100 and dataset[7][0].tolist() == features[7].tolist()

train_set, val_set = random_split(dataset, [80, 20])
assert len(train_set) == 80 and len(val_set) == 20
assert isinstance(train_set, Subset)
assert sorted(train_set.indices + val_set.indices) == list(range(100))
i = train_set.indices[0]
assert train_set[0][0].tolist() == features[i].tolist()
# fractions: floor(n * f) each, the remainder handed out one by one from the first split
parts = random_split(range(10), [0.3, 0.3, 0.4])
assert [len(p) for p in parts] == [3, 3, 4]
parts = random_split(range(11), [0.5, 0.5])
assert [len(p) for p in parts] == [6, 5]

sub = Subset(dataset, [4, 0, 9])
assert len(sub) == 3 and sub[0][1].item() == targets[4].item()
xb, yb = next(iter(DataLoader(sub, batch_size=3)))
assert xb.tolist() == features[[4, 0, 9]].tolist()

# ---- samplers ----------------------------------------------------------------------------
indices = list(range(100))
np.random.shuffle(indices)
train_idx, valid_idx = indices[20:], indices[:20]
train_loader = DataLoader(dataset, batch_size=16, sampler=SubsetRandomSampler(train_idx))
valid_loader = DataLoader(dataset, batch_size=16, sampler=SubsetRandomSampler(valid_idx))
assert len(train_loader) == 5 and len(valid_loader) == 2
assert sum(len(xb) for xb, _ in valid_loader) == 20

weights = [0.0] * 50 + [1.0] * 50                 # never draws the first half
sampler = WeightedRandomSampler(weights, num_samples=40, replacement=True)
drawn = list(sampler)
assert len(drawn) == 40 and all(49 < i < 100 for i in drawn)
loader = DataLoader(dataset, batch_size=10, sampler=sampler)
assert sum(len(yb) for _, yb in loader) == 40

# ---- the reference's reproducible split -----------------------------------------------------
a = random_split(range(10), [3, 7], generator=torch.Generator().manual_seed(42))
b = random_split(range(10), [3, 7], generator=torch.Generator().manual_seed(42))
assert [list(s) for s in a] == [list(s) for s in b] and [len(s) for s in a] == [3, 7]
g = torch.Generator()
g.manual_seed(0)
order1 = [yb.tolist() for _, yb in DataLoader(ds, batch_size=50, shuffle=True, generator=g)]
g.manual_seed(0)
order2 = [yb.tolist() for _, yb in DataLoader(ds, batch_size=50, shuffle=True, generator=g)]
assert order1 == order2

print("OK")
