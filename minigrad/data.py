"""``Dataset``, ``TensorDataset``, ``Subset``, ``random_split``, the samplers and
``DataLoader``, as in ``torch.utils.data``.

A ``DataLoader`` cuts a dataset into batches, reshuffling every epoch. The fast path: a
dataset that sets ``accepts_index_arrays = True`` (``TensorDataset``, ``datasets.MNIST``, a
``Subset`` of either) is indexed once per batch with the whole batch's index array -- one
numpy fancy-indexing copy, no Python loop over samples. Any other dataset, or any loader
with a ``collate_fn``, is read sample by sample and the samples are stacked
(``default_collate``), as PyTorch does for every dataset.
"""
import itertools
import math
import warnings
from collections.abc import Mapping

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
            index = index._array
        return tuple(Tensor.wrap(t._array[index], None) for t in self.tensors)

    def __len__(self):
        return self.tensors[0].shape[0]


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order: ``Subset(ds, [4, 0])[1]`` is
    ``ds[0]``. A Subset of a dataset that accepts index arrays accepts them too."""

    def __init__(self, dataset, indices):
        self.dataset, self.indices = dataset, indices
        self._array = None

    @property
    def accepts_index_arrays(self):
        return getattr(self.dataset, "accepts_index_arrays", False)

    def _index_array(self):
        if self._array is None or len(self._array) != len(self.indices):
            self._array = np.asarray(self.indices._array if isinstance(self.indices, Tensor)
                                     else self.indices, dtype=np.int64)
        return self._array

    def __getitem__(self, idx):
        if isinstance(idx, Tensor):
            idx = idx._array
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        if isinstance(idx, np.ndarray) and idx.ndim > 0:
            return self.dataset[self._index_array()[idx]]
        return self.dataset[self.indices[idx]]

    def __len__(self):
        return len(self.indices)


def random_split(dataset, lengths, generator=None):
    """Split ``dataset`` into non-overlapping ``Subset``s of the given ``lengths``, in a
    random order: ``random_split(ds, [0.8, 0.2])`` or ``random_split(ds, [800, 200])``.

    Fractions summing to 1 become ``floor(fraction * len(dataset))`` samples each, the
    remainder handed out one at a time from the first split on (PyTorch's rule); integer
    lengths must sum to ``len(dataset)``. The permutation is drawn from ``generator`` (a
    ``minigrad.random.Generator`` or a ``numpy.random.Generator``), else from minigrad's
    global generator (``mg.manual_seed``)."""
    n = len(dataset)
    lengths = list(lengths)
    if not lengths:
        raise ValueError("random_split: lengths is empty; give the sizes (or fractions) of "
                         "the splits")
    total = sum(lengths)
    if math.isclose(total, 1) and total <= 1:
        sizes = []
        for i, frac in enumerate(lengths):
            if not 0 <= frac <= 1:
                raise ValueError(f"random_split: fraction at index {i} is not between 0 and 1, "
                                 f"got {frac}")
            sizes.append(int(math.floor(n * frac)))
        for i in range(n - sum(sizes)):
            sizes[i % len(sizes)] += 1
        for i, size in enumerate(sizes):
            if size == 0:
                warnings.warn(f"random_split: length of split at index {i} is 0. This might "
                              "result in an empty dataset.", UserWarning, stacklevel=2)
        lengths = sizes
    for i, length in enumerate(lengths):
        if isinstance(length, bool) or not isinstance(length, (int, np.integer)) or length < 0:
            raise ValueError(f"random_split: lengths must be non-negative ints or fractions "
                             f"summing to 1, got {lengths[i]!r} at index {i}")
    if sum(lengths) != n:
        raise ValueError(f"random_split: sum of input lengths ({sum(lengths)}) does not equal "
                         f"the length of the input dataset ({n})")
    order = _random.numpy_generator("random_split", generator).permutation(n).tolist()
    return [Subset(dataset, order[end - length:end])
            for end, length in zip(itertools.accumulate(lengths), lengths)]


# ---- samplers --------------------------------------------------------------------------------
# A sampler yields dataset indices; ``_draw()`` (minigrad's) gives one epoch's as an array,
# which lets the DataLoader cut batches without a Python loop.
class Sampler:
    """Base class of the samplers: iterate over dataset indices (and usually have a len)."""

    def __init__(self, data_source=None):
        pass

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must implement __iter__")


class _ArraySampler(Sampler):
    def __iter__(self):
        return iter(self._draw().tolist())


class SequentialSampler(_ArraySampler):
    """0, 1, ..., len(data_source) - 1."""

    def __init__(self, data_source):
        self.data_source = data_source

    def _draw(self):
        return np.arange(len(self.data_source))

    def __len__(self):
        return len(self.data_source)


class RandomSampler(_ArraySampler):
    """A random permutation of the indices each epoch; with ``replacement=True``,
    ``num_samples`` independent draws. ``num_samples`` larger than the dataset without
    replacement chains permutations (as PyTorch)."""

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        if not isinstance(replacement, bool):
            raise TypeError(f"RandomSampler: replacement should be a boolean value, got "
                            f"{replacement!r}")
        if num_samples is not None and (isinstance(num_samples, bool) or not isinstance(
                num_samples, (int, np.integer)) or num_samples <= 0):
            raise ValueError(f"RandomSampler: num_samples should be a positive integer value, "
                             f"got {num_samples!r}")
        _random.numpy_generator("RandomSampler", generator)     # checks its type
        self.data_source, self.replacement = data_source, replacement
        self._num_samples, self.generator = num_samples, generator
        if self.num_samples <= 0:         # an empty dataset, as PyTorch checks
            raise ValueError(f"RandomSampler: num_samples should be a positive integer value, "
                             f"but got num_samples={self.num_samples} (the dataset is empty)")

    @property
    def num_samples(self):
        return len(self.data_source) if self._num_samples is None else int(self._num_samples)

    def _draw(self):
        n, k = len(self.data_source), self.num_samples
        if n == 0:
            raise ValueError(f"RandomSampler: cannot draw {k} samples from an empty dataset")
        rng = _random.numpy_generator("RandomSampler", self.generator)
        if self.replacement:
            return rng.integers(0, n, size=k)
        if k == n:
            return rng.permutation(n)
        perms = [rng.permutation(n) for _ in range(-(-k // n))]
        return np.concatenate(perms)[:k] if perms else np.arange(0)

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(_ArraySampler):
    """The given ``indices`` in a random order each epoch (e.g. a validation split)."""

    def __init__(self, indices, generator=None):
        _random.numpy_generator("SubsetRandomSampler", generator)
        self.indices, self.generator = indices, generator

    def _draw(self):
        indices = np.asarray(self.indices, dtype=np.int64)
        rng = _random.numpy_generator("SubsetRandomSampler", self.generator)
        return indices[rng.permutation(len(indices))]

    def __len__(self):
        return len(self.indices)


class WeightedRandomSampler(_ArraySampler):
    """``num_samples`` indices drawn with probabilities proportional to ``weights`` (with
    replacement by default), e.g. to oversample rare classes."""

    def __init__(self, weights, num_samples, replacement=True, generator=None):
        if isinstance(num_samples, bool) or not isinstance(num_samples, (int, np.integer)) \
                or num_samples <= 0:
            raise ValueError(f"WeightedRandomSampler: num_samples should be a positive integer "
                             f"value, got {num_samples!r}")
        if not isinstance(replacement, bool):
            raise ValueError(f"WeightedRandomSampler: replacement should be a boolean value, "
                             f"got {replacement!r}")
        w = np.asarray(weights._array if isinstance(weights, Tensor) else weights,
                       dtype=np.float64)
        if w.ndim != 1 or not np.all(w >= 0) or w.sum() <= 0:
            raise ValueError("WeightedRandomSampler: weights must be a 1-D sequence of "
                             "non-negative numbers, not all 0")
        if not replacement and num_samples > np.count_nonzero(w):
            raise ValueError(f"WeightedRandomSampler: cannot draw {num_samples} samples "
                             f"without replacement from {np.count_nonzero(w)} non-zero weights")
        _random.numpy_generator("WeightedRandomSampler", generator)
        self.weights, self.num_samples = w, int(num_samples)
        self.replacement, self.generator = replacement, generator

    def _draw(self):
        rng = _random.numpy_generator("WeightedRandomSampler", self.generator)
        return rng.choice(len(self.weights), size=self.num_samples, replace=self.replacement,
                          p=self.weights / self.weights.sum())

    def __len__(self):
        return self.num_samples


class BatchSampler(Sampler):
    """Groups the indices of ``sampler`` into lists of ``batch_size`` (the last one shorter
    unless ``drop_last``)."""

    def __init__(self, sampler, batch_size, drop_last):
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
                or batch_size <= 0:
            raise ValueError(f"BatchSampler: batch_size should be a positive integer value, "
                             f"got {batch_size!r}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"BatchSampler: drop_last should be a boolean value, got "
                             f"{drop_last!r}")
        self.sampler, self.batch_size, self.drop_last = sampler, int(batch_size), drop_last

    def _index_batches(self):
        """The batches as index arrays (lists for a sampler of its own kind)."""
        draw = getattr(self.sampler, "_draw", None)
        if draw is not None:
            order = draw()
            stop = len(order) - len(order) % self.batch_size if self.drop_last else len(order)
            for start in range(0, stop, self.batch_size):
                yield order[start:start + self.batch_size]
            return
        batch = []
        for idx in self.sampler:
            batch.append(idx)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __iter__(self):
        for batch in self._index_batches():
            yield batch.tolist() if isinstance(batch, np.ndarray) else batch

    def __len__(self):
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)


# ---- collation -------------------------------------------------------------------------------
def default_collate(samples):
    """Stack a list of samples into a batch, recursing into tuples, lists, namedtuples and
    dicts, as PyTorch's ``default_collate``: Tensors and arrays are stacked along a new
    first dimension; Python ints become an int64 Tensor, floats a float32 Tensor (PyTorch
    makes float64: minigrad's default float is float32 everywhere), bools a bool Tensor;
    strings stay a list. Anything else (None, other objects), an empty batch, or samples of
    different kinds, shapes or keys is an error, as in PyTorch."""
    if len(samples) == 0:
        raise ValueError("default_collate: got an empty batch (no samples to stack)")
    first = samples[0]
    kind = _collate_kind(first)
    for i, s in enumerate(samples):
        if _collate_kind(s) != kind:
            raise TypeError(f"default_collate: the samples of a batch must be of one kind to "
                            f"be collated, got sample 0 of type {type(first).__name__} and "
                            f"sample {i} of type {type(s).__name__}; pass a collate_fn")
    if isinstance(first, (Tensor, np.ndarray, np.generic)):
        arrays = [s._array if isinstance(s, Tensor) else np.asarray(s) for s in samples]
        shapes = {a.shape for a in arrays}
        if len(shapes) > 1:
            raise RuntimeError(f"default_collate: the samples of a batch must have the same "
                               f"shape to be stacked, got shapes {sorted(shapes)}; pad them to "
                               "one size or pass a collate_fn")
        if arrays[0].dtype.kind in "OSU":
            return list(samples)
        return Tensor.wrap(np.stack(arrays), None)
    if isinstance(first, bool):
        return Tensor.wrap(np.array(samples, dtype=np.bool_), None)
    if isinstance(first, int):
        return Tensor.wrap(np.array(samples, dtype=np.int64), None)
    if isinstance(first, float):
        return Tensor.wrap(np.array(samples, dtype=np.float32), None)
    if isinstance(first, Mapping):
        for i, s in enumerate(samples):
            if s.keys() != first.keys():
                raise RuntimeError(f"default_collate: each sample in a batch must have the same "
                                   f"keys, got {sorted(map(str, first))} in sample 0 and "
                                   f"{sorted(map(str, s))} in sample {i}")
        return {key: default_collate([s[key] for s in samples]) for key in first}
    if isinstance(first, (tuple, list)):
        if any(len(s) != len(first) for s in samples):
            raise RuntimeError("default_collate: each sample in a batch must have the same "
                               f"number of fields, got {sorted({len(s) for s in samples})}")
        fields = [default_collate(list(field)) for field in zip(*samples)]
        if hasattr(first, "_fields"):                 # a namedtuple keeps its type
            return type(first)(*fields)
        return tuple(fields) if isinstance(first, tuple) else fields
    if isinstance(first, (str, bytes)):
        return list(samples)
    raise TypeError(f"default_collate: batch must contain tensors, numpy arrays, numbers, "
                    f"dicts, lists or strings; found {type(first).__name__}; pass a collate_fn")


def _collate_kind(sample):
    """What ``default_collate`` does with a sample: samples of a batch must agree."""
    if isinstance(sample, (Tensor, np.ndarray, np.generic)):
        return "array"
    if isinstance(sample, (bool, int, float)):     # PyTorch stacks numbers of mixed types too
        return "number"
    if isinstance(sample, Mapping):
        return "mapping"
    if isinstance(sample, (tuple, list)):
        return "sequence"
    return type(sample)


def _as_batch(batch):
    """Batched fetches may return numpy arrays; hand out Tensors like the per-sample path."""
    if isinstance(batch, np.ndarray):
        return Tensor.wrap(batch, None)
    if isinstance(batch, tuple):
        return tuple(_as_batch(b) for b in batch)
    if isinstance(batch, list):
        return [_as_batch(b) for b in batch]
    if isinstance(batch, dict):
        return {k: _as_batch(v) for k, v in batch.items()}
    return batch


def _check_int(name, what, value, least):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < least:
        bound = "a positive integer" if least == 1 else "a non-negative integer"
        raise ValueError(f"DataLoader: {name} should be {bound}, got {what}={value!r}")


class DataLoader:
    """``DataLoader(dataset, batch_size=1, shuffle=False, sampler=None, batch_sampler=None,
    num_workers=0, collate_fn=None, pin_memory=False, drop_last=False, timeout=0,
    worker_init_fn=None, multiprocessing_context=None, generator=None, *,
    prefetch_factor=None, persistent_workers=False, pin_memory_device='', in_order=True,
    seed=None)``: iterate over batches of the dataset, as ``torch.utils.data.DataLoader``.

    * ``shuffle=True`` draws a new order every epoch (every ``iter(loader)``) from
      ``generator`` (a ``minigrad.random.Generator`` or ``numpy.random.Generator``), or with
      ``seed`` (minigrad's) from a generator of the loader's own -- two loaders with the same
      seed yield the same sequence of epochs -- else from minigrad's global generator
      (``mg.manual_seed``).
    * ``sampler`` (indices, e.g. ``SubsetRandomSampler``) replaces the order and excludes
      ``shuffle``; ``batch_sampler`` (lists of indices) replaces ``batch_size``, ``shuffle``,
      ``sampler`` and ``drop_last``. ``drop_last`` drops a final incomplete batch.
    * ``collate_fn`` turns a list of samples into a batch (default: ``default_collate``).
      A dataset of tuples yields tuples of batched Tensors: ``for images, labels in loader``.
    * ``num_workers > 0`` is accepted but loads **in this process**, batch by batch, as
      ``num_workers=0`` does (no worker processes; ``worker_init_fn`` is called once per
      epoch with worker id 0). ``pin_memory`` is a no-op: minigrad runs on the CPU only.
      ``timeout``, ``prefetch_factor``, ``persistent_workers``, ``multiprocessing_context``
      and ``in_order`` are checked as PyTorch does and otherwise have no effect.

    Differences from PyTorch: no ``IterableDataset``; ``batch_size=None`` (no automatic
    batching) is not supported; Python floats collate to float32.
    """

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None,
                 num_workers=0, collate_fn=None, pin_memory=False, drop_last=False, timeout=0,
                 worker_init_fn=None, multiprocessing_context=None, generator=None, *,
                 prefetch_factor=None, persistent_workers=False, pin_memory_device="",
                 in_order=True, seed=None):
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
                or batch_size <= 0:
            raise ValueError(f"DataLoader: batch_size should be a positive integer, "
                             f"got {batch_size!r}")
        if not hasattr(dataset, "__getitem__") or not hasattr(dataset, "__len__"):
            raise TypeError(f"DataLoader: the dataset must define __getitem__ and __len__, "
                            f"got {type(dataset).__name__}")
        _check_int("num_workers", "num_workers", num_workers, 0)
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("DataLoader: prefetch_factor option could only be specified in "
                             "multiprocessing; let num_workers > 0 to enable multiprocessing, "
                             "otherwise set prefetch_factor to None")
        if prefetch_factor is not None:
            _check_int("prefetch_factor", "prefetch_factor", prefetch_factor, 0)
        if persistent_workers and num_workers == 0:
            raise ValueError("DataLoader: persistent_workers option needs num_workers > 0")
        if multiprocessing_context is not None and num_workers == 0:
            raise ValueError("DataLoader: multiprocessing_context can only be used with "
                             "multi-process loading (num_workers > 0), but got num_workers=0")
        if timeout < 0:
            raise ValueError(f"DataLoader: timeout option should be non-negative, got {timeout}")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("DataLoader: batch_sampler option is mutually exclusive with "
                                 "batch_size, shuffle, sampler, and drop_last")
        elif sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        if seed is not None and generator is not None:
            raise ValueError("DataLoader: pass either generator or seed (minigrad's shortcut "
                             "for a generator of the loader's own), not both")
        if collate_fn is not None and not callable(collate_fn):
            raise TypeError(f"DataLoader: collate_fn must be callable, got "
                            f"{type(collate_fn).__name__}")
        if generator is None and seed is not None:
            generator = np.random.default_rng(seed)
        _random.numpy_generator("DataLoader", generator)      # checks its type

        self.dataset = dataset
        self.num_workers, self.pin_memory, self.pin_memory_device = num_workers, pin_memory, \
            pin_memory_device
        self.timeout, self.worker_init_fn = timeout, worker_init_fn
        self.multiprocessing_context, self.prefetch_factor = multiprocessing_context, \
            prefetch_factor
        self.persistent_workers, self.in_order = persistent_workers, in_order
        self.generator = generator
        self._custom_collate = collate_fn is not None
        self.collate_fn = collate_fn if collate_fn is not None else default_collate
        if batch_sampler is not None:
            self.batch_size, self.drop_last = None, False
            self.sampler = getattr(batch_sampler, "sampler", None)
        else:
            self.batch_size, self.drop_last = int(batch_size), bool(drop_last)
            if sampler is None:
                sampler = RandomSampler(dataset, generator=generator) if shuffle \
                    else SequentialSampler(dataset)
            self.sampler = sampler
            batch_sampler = BatchSampler(sampler, self.batch_size, self.drop_last)
        self.batch_sampler = batch_sampler

    @property
    def shuffle(self):
        return isinstance(self.sampler, RandomSampler)

    def __len__(self):
        return len(self.batch_sampler)

    def _fetch(self, indices, batched):
        if batched:
            return _as_batch(self.dataset[np.asarray(indices, dtype=np.int64)])
        return self.collate_fn([self.dataset[int(i) if isinstance(i, np.integer) else i]
                                for i in indices])

    def __iter__(self):
        if self.num_workers > 0 and self.worker_init_fn is not None:
            self.worker_init_fn(0)
        batched = (not self._custom_collate
                   and getattr(self.dataset, "accepts_index_arrays", False))
        batches = getattr(self.batch_sampler, "_index_batches", None)
        for indices in (batches() if batches is not None else self.batch_sampler):
            yield self._fetch(indices, batched)
