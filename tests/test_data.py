"""Dataset, TensorDataset and DataLoader: batching, shuffling, drop_last, seeds, collation."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.data import DataLoader, Dataset, TensorDataset, default_collate
from minigrad.tensor import Tensor


def make_dataset(n=10):
    x = np.arange(n * 3, dtype=np.float32).reshape(n, 3)
    y = np.arange(n, dtype=np.int64)
    return TensorDataset(Tensor(x), Tensor(y))


def labels_of(loader):
    return [y.numpy().tolist() for _, y in loader]


# ---- TensorDataset ---------------------------------------------------------------------------
def test_tensor_dataset_indexing():
    ds = make_dataset(5)
    assert len(ds) == 5
    x, y = ds[2]
    assert x.numpy().tolist() == [6.0, 7.0, 8.0] and y.item() == 2
    xb, yb = ds[np.array([4, 0])]
    assert xb.shape == (2, 3) and yb.numpy().tolist() == [4, 0]
    assert not xb.requires_grad and xb.dtype == np.float32 and yb.dtype == np.int64


def test_tensor_dataset_accepts_arrays_and_checks_sizes():
    ds = TensorDataset(np.zeros((4, 2), np.float32), np.arange(4))
    assert isinstance(ds.tensors[0], Tensor) and len(ds) == 4
    with pytest.raises(ValueError, match=r"first dimensions are \[4, 3\]"):
        TensorDataset(np.zeros((4, 2)), np.arange(3))
    with pytest.raises(ValueError, match="at least one tensor"):
        TensorDataset()
    with pytest.raises(ValueError, match="0-dimensional"):
        TensorDataset(np.float32(1.0))


# ---- DataLoader ------------------------------------------------------------------------------
def test_batches_in_order_without_shuffle():
    loader = DataLoader(make_dataset(10), batch_size=4)
    assert len(loader) == 3
    batches = list(loader)
    assert [x.shape for x, _ in batches] == [(4, 3), (4, 3), (2, 3)]
    assert labels_of(loader) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    x, y = batches[0]
    np.testing.assert_array_equal(x.numpy(), np.arange(12, dtype=np.float32).reshape(4, 3))
    assert x.dtype == np.float32 and y.dtype == np.int64 and not x.requires_grad


def test_drop_last():
    loader = DataLoader(make_dataset(10), batch_size=4, drop_last=True)
    assert len(loader) == 2
    assert labels_of(loader) == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert len(DataLoader(make_dataset(8), batch_size=4, drop_last=True)) == 2
    assert len(DataLoader(make_dataset(3), batch_size=4, drop_last=True)) == 0
    assert len(DataLoader(make_dataset(3), batch_size=4)) == 1


def test_shuffle_covers_every_sample_once_and_reshuffles_each_epoch():
    loader = DataLoader(make_dataset(50), batch_size=8, shuffle=True, seed=0)
    epochs = [sum(labels_of(loader), []) for _ in range(3)]
    for order in epochs:
        assert sorted(order) == list(range(50))
    assert epochs[0] != epochs[1] != epochs[2]
    assert epochs[0] != list(range(50))


def test_shuffled_rows_stay_together():
    for x, y in DataLoader(make_dataset(20), batch_size=6, shuffle=True, seed=3):
        np.testing.assert_array_equal(x.numpy()[:, 0], 3 * y.numpy())


def test_same_seed_same_sequence_of_epochs():
    a = DataLoader(make_dataset(30), batch_size=7, shuffle=True, seed=42)
    b = DataLoader(make_dataset(30), batch_size=7, shuffle=True, seed=42)
    c = DataLoader(make_dataset(30), batch_size=7, shuffle=True, seed=43)
    for _ in range(2):
        la, lb, lc = labels_of(a), labels_of(b), labels_of(c)
        assert la == lb and la != lc


def test_seed_none_uses_minigrads_generator():
    loader = DataLoader(make_dataset(30), batch_size=30, shuffle=True)
    mg.manual_seed(7)
    first = labels_of(loader)
    mg.manual_seed(7)
    assert labels_of(loader) == first
    assert labels_of(loader) != first          # the generator moved on


def test_batched_datasets_are_indexed_once_per_batch():
    class Counting(Dataset):
        accepts_index_arrays = True

        def __init__(self):
            self.data = np.arange(100, dtype=np.float32) * 2
            self.calls = 0

        def __len__(self):
            return len(self.data)

        def __getitem__(self, index):
            self.calls += 1
            return self.data[index], np.asarray(index)

    ds = Counting()
    loader = DataLoader(ds, batch_size=16, shuffle=True, seed=1)
    total = 0
    for x, idx in loader:
        assert isinstance(x, Tensor) and isinstance(idx, Tensor)   # arrays become Tensors
        np.testing.assert_array_equal(x.numpy(), 2 * idx.numpy())
        total += len(x)
    assert total == 100 and ds.calls == len(loader) == 7


def test_generic_datasets_are_read_per_sample_and_collated():
    class Pairs(Dataset):
        def __init__(self):
            self.calls = 0

        def __len__(self):
            return 5

        def __getitem__(self, i):
            self.calls += 1
            if not isinstance(i, int):
                raise TypeError("integer indices only")
            return Tensor(np.full((2, 2), i, np.float32)), i, {"w": float(i) / 2, "name": f"s{i}"}

    ds = Pairs()
    x, y, extra = next(iter(DataLoader(ds, batch_size=3)))
    assert ds.calls == 3
    assert x.shape == (3, 2, 2) and x.dtype == np.float32 and x.numpy()[:, 0, 0].tolist() == [0, 1, 2]
    assert y.dtype == np.int64 and y.numpy().tolist() == [0, 1, 2]
    assert extra["w"].dtype == np.float32 and extra["w"].numpy().tolist() == [0.0, 0.5, 1.0]
    assert extra["name"] == ["s0", "s1", "s2"]


def test_default_collate_cases():
    assert default_collate([np.zeros(2, np.float64), np.ones(2, np.float64)]).dtype == np.float64
    assert default_collate([True, False]).dtype == np.bool_
    assert default_collate([np.int64(3), np.int64(4)]).numpy().tolist() == [3, 4]
    lists = default_collate([[1, 2.0], [3, 4.0]])
    assert isinstance(lists, list) and lists[0].numpy().tolist() == [1, 3]
    with pytest.raises(RuntimeError, match="same number of fields"):
        default_collate([(1, 2), (3,)])


def test_custom_collate_fn_for_generic_datasets():
    class Numbers(Dataset):
        def __len__(self):
            return 4

        def __getitem__(self, i):
            return i

    loader = DataLoader(Numbers(), batch_size=2, collate_fn=lambda samples: sum(samples))
    assert list(loader) == [1, 5]


@pytest.mark.parametrize("batch_size", [0, -1, 2.5, True, None])
def test_bad_batch_size(batch_size):
    with pytest.raises(ValueError, match="batch_size should be a positive integer"):
        DataLoader(make_dataset(4), batch_size=batch_size)


def test_not_a_dataset():
    with pytest.raises(TypeError, match="must define __getitem__ and __len__"):
        DataLoader(iter([1, 2, 3]))


def test_base_dataset_must_be_subclassed():
    with pytest.raises(NotImplementedError, match="__getitem__"):
        Dataset()[0]
