"""``Dataset``, ``TensorDataset`` and ``DataLoader``, as in ``torch.utils.data``.

A ``DataLoader`` cuts a dataset into batches, reshuffling every epoch. The fast path: a
dataset that sets ``accepts_index_arrays = True`` (``TensorDataset``, ``datasets.MNIST``)
is indexed once per batch with the whole batch's index array -- one numpy fancy-indexing
copy, no Python loop over samples. Any other dataset is read sample by sample and the
samples are stacked (``default_collate``), as PyTorch does for every dataset.
"""
import math

import numpy as np

from . import random as _random
from .tensor import Tensor


class Dataset:
    """A sized, indexable collection of samples: override ``__getitem__`` and ``__len__``.

    minigrad extension: set ``accepts_index_arrays = True`` if ``__getitem__`` also accepts
    an integer array of indices and then returns the whole batch (each field with a leading
    batch dimension); ``DataLoader`` then fetches a batch with one call.
    """

    accepts_index_arrays = False

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__")

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must implement __len__")


class TensorDataset(Dataset):
    """Samples are slices along the first dimension of equally long tensors (or arrays):
    ``TensorDataset(images, labels)[i] == (images[i], labels[i])``. An index array gives a
    batch. Indexing returns plain Tensors that track no gradient."""

    accepts_index_arrays = True

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset: expected at least one tensor")
        self.tensors = tuple(t if isinstance(t, Tensor) else Tensor(t) for t in tensors)
        for i, t in enumerate(self.tensors):
            if t.ndim == 0:
                raise ValueError(f"TensorDataset: tensor {i} is 0-dimensional; every tensor "
                                 f"needs a first dimension to index samples along")
        sizes = [t.shape[0] for t in self.tensors]
        if len(set(sizes)) != 1:
            raise ValueError(f"TensorDataset: size mismatch between tensors: their first "
                             f"dimensions are {sizes}, they must all be equal")

    def __getitem__(self, index):
        if isinstance(index, Tensor):
            index = index.data
        return tuple(Tensor._from_op(t.data[index], None) for t in self.tensors)

    def __len__(self):
        return self.tensors[0].shape[0]


def default_collate(samples):
    """Stack a list of samples into a batch, recursing into tuples, lists and dicts:
    Tensors and arrays are stacked along a new first dimension; Python ints become an int64
    Tensor, floats a float32 Tensor (PyTorch makes float64: minigrad's default float is
    float32 everywhere), bools a bool Tensor. Anything else (e.g. strings) stays a list."""
    first = samples[0]
    if isinstance(first, (Tensor, np.ndarray, np.generic)):
        return Tensor._from_op(np.stack([np.asarray(s) for s in samples]), None)
    if isinstance(first, bool):
        return Tensor._from_op(np.array(samples, dtype=np.bool_), None)
    if isinstance(first, int):
        return Tensor._from_op(np.array(samples, dtype=np.int64), None)
    if isinstance(first, float):
        return Tensor._from_op(np.array(samples, dtype=np.float32), None)
    if isinstance(first, dict):
        return {key: default_collate([s[key] for s in samples]) for key in first}
    if isinstance(first, (tuple, list)):
        if any(len(s) != len(first) for s in samples):
            raise RuntimeError("default_collate: each sample in a batch must have the same "
                               f"number of fields, got {sorted({len(s) for s in samples})}")
        fields = [default_collate(list(field)) for field in zip(*samples)]
        return tuple(fields) if isinstance(first, tuple) else fields
    return list(samples)


def _as_batch(batch):
    """Batched fetches may return numpy arrays; hand out Tensors like the per-sample path."""
    if isinstance(batch, np.ndarray):
        return Tensor._from_op(batch, None)
    if isinstance(batch, tuple):
        return tuple(_as_batch(b) for b in batch)
    if isinstance(batch, list):
        return [_as_batch(b) for b in batch]
    if isinstance(batch, dict):
        return {k: _as_batch(v) for k, v in batch.items()}
    return batch


class DataLoader:
    """``DataLoader(dataset, batch_size=1, shuffle=False, drop_last=False, seed=None,
    collate_fn=None)``: iterate over batches of the dataset.

    ``shuffle=True`` draws a new order every epoch (every ``iter(loader)``). The order comes
    from ``np.random.default_rng(seed)`` when a seed is given -- two loaders with the same
    seed yield the same sequence of epochs -- else from minigrad's generator
    (``mg.manual_seed``). ``drop_last`` drops a final incomplete batch. A dataset of tuples
    yields tuples of batched Tensors: ``for images, labels in loader``.

    Differences from PyTorch: no worker processes, samplers or pinned memory; ``seed``
    replaces ``generator``; a ``collate_fn`` is used only for datasets read sample by sample.
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, drop_last=False, seed=None,
                 collate_fn=None):
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
                or batch_size <= 0:
            raise ValueError(f"DataLoader: batch_size should be a positive integer, "
                             f"got {batch_size!r}")
        if not hasattr(dataset, "__getitem__") or not hasattr(dataset, "__len__"):
            raise TypeError(f"DataLoader: the dataset must define __getitem__ and __len__, "
                            f"got {type(dataset).__name__}")
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.collate_fn = collate_fn or default_collate
        self._rng = np.random.default_rng(seed) if seed is not None else None

    def __len__(self):
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def _order(self):
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n)
        rng = self._rng if self._rng is not None else _random.generator()
        return rng.permutation(n)

    def __iter__(self):
        order = self._order()
        batched = getattr(self.dataset, "accepts_index_arrays", False)
        for b in range(len(self)):
            idx = order[b * self.batch_size:(b + 1) * self.batch_size]
            if batched:
                yield _as_batch(self.dataset[idx])
            else:
                yield self.collate_fn([self.dataset[int(i)] for i in idx])
