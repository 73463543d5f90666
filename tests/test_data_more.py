"""The PyTorch DataLoader arguments tutorial scripts pass (sampler, batch_sampler, num_workers,
pin_memory, collate_fn, generator, ...), Dataset subclasses returning tuples of arrays,
numbers and tensors, Subset, random_split, the samplers, and mg.load's PyTorch arguments."""
import warnings
from collections import namedtuple

import numpy as np
import pytest

import minigrad as mg
from minigrad import random as mg_random
from minigrad.data import (BatchSampler, DataLoader, Dataset, RandomSampler, Sampler,
                           SequentialSampler, Subset, SubsetRandomSampler, TensorDataset,
                           WeightedRandomSampler, default_collate, random_split)
from minigrad.tensor import Tensor


class Squares(Dataset):
    """A tutorial-style Dataset: ``__getitem__`` returns (array image, int label, float)."""

    def __init__(self, n=10):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        image = np.full((1, 2, 2), i, dtype=np.float32)
        return image, i % 3, float(i) / 2


class TensorPairs(Dataset):
    """``__getitem__`` returns a pair of Tensors (as torchvision's ToTensor would)."""

    def __len__(self):
        return 6

    def __getitem__(self, i):
        return mg.tensor(np.arange(3, dtype=np.float32) + i), mg.tensor(i)


def labels(loader):
    return [batch[1].numpy().tolist() for batch in loader]


def tensor_dataset(n=10):
    return TensorDataset(Tensor(np.arange(n * 2, dtype=np.float32).reshape(n, 2)),
                         Tensor(np.arange(n, dtype=np.int64)))


# ---- Dataset subclasses and default_collate ----------------------------------------------
def test_a_dataset_of_arrays_numbers_and_floats_is_stacked():
    images, ys, halves = next(iter(DataLoader(Squares(), batch_size=4)))
    assert isinstance(images, Tensor) and images.shape == (4, 1, 2, 2)
    assert images.dtype == np.float32 and images.numpy()[:, 0, 0, 0].tolist() == [0, 1, 2, 3]
    assert ys.dtype == np.int64 and ys.numpy().tolist() == [0, 1, 2, 0]
    assert halves.dtype == np.float32 and halves.numpy().tolist() == [0.0, 0.5, 1.0, 1.5]


def test_a_dataset_of_tensors_is_stacked():
    x, y = next(iter(DataLoader(TensorPairs(), batch_size=3)))
    assert x.shape == (3, 3) and x.numpy()[:, 0].tolist() == [0, 1, 2]
    assert y.shape == (3,) and y.dtype == np.int64 and not x.requires_grad


def test_default_collate_matches_torch_default_collate():
    pytest.importorskip("torch")
    from torch.utils.data import default_collate as torch_collate
    samples = [(np.full((2,), i, np.float32), i, np.int64(i), {"a": np.ones(1) * i})
               for i in range(3)]
    mine, theirs = default_collate(samples), torch_collate(samples)
    for m, t in zip(mine[:3], theirs[:3]):
        np.testing.assert_array_equal(m.numpy(), t.numpy())
        assert m.shape == tuple(t.shape)
    assert mine[1].dtype == np.int64 and str(theirs[1].dtype) == "torch.int64"
    np.testing.assert_array_equal(mine[3]["a"].numpy(), theirs[3]["a"].numpy())


def test_default_collate_keeps_namedtuples_and_names_shape_mismatches():
    Point = namedtuple("Point", "x y")
    batch = default_collate([Point(1, 2.0), Point(3, 4.0)])
    assert isinstance(batch, Point) and batch.x.numpy().tolist() == [1, 3]
    with pytest.raises(RuntimeError, match=r"same shape.*\(2,\), \(3,\).*collate_fn"):
        default_collate([np.zeros(2), np.zeros(3)])
    assert default_collate([np.array("a"), np.array("b")]) == [np.array("a"), np.array("b")]


# ---- DataLoader arguments ----------------------------------------------------------------
def test_pytorch_signature_positional_order():
    ds = tensor_dataset(6)
    # dataset, batch_size, shuffle, sampler, batch_sampler, num_workers, collate_fn, pin_memory,
    # drop_last: as positional as in PyTorch
    loader = DataLoader(ds, 4, False, None, None, 0, None, False, True)
    assert len(loader) == 1 and labels(loader) == [[0, 1, 2, 3]]
    assert loader.batch_size == 4 and loader.drop_last and not loader.shuffle


def test_num_workers_run_in_process_and_pin_memory_is_a_no_op():
    ds = tensor_dataset(10)
    plain = labels(DataLoader(ds, batch_size=3))
    calls = []
    loader = DataLoader(ds, batch_size=3, num_workers=4, pin_memory=True, timeout=5,
                        prefetch_factor=2, persistent_workers=True,
                        worker_init_fn=calls.append)
    assert labels(loader) == plain and labels(loader) == plain
    assert calls == [0, 0]                   # once per epoch, as the only "worker"
    assert loader.num_workers == 4 and loader.pin_memory


def test_shuffle_with_a_generator_is_repeatable():
    ds = tensor_dataset(20)
    a = DataLoader(ds, batch_size=5, shuffle=True, generator=mg_random.Generator().manual_seed(3))
    b = DataLoader(ds, batch_size=5, shuffle=True, generator=mg_random.Generator().manual_seed(3))
    c = DataLoader(ds, batch_size=5, shuffle=True, generator=np.random.default_rng(3))
    first = labels(a)
    assert first == labels(b) and sorted(sum(first, [])) == list(range(20))
    assert labels(a) != first                # the next epoch is a new order
    assert labels(c) == first                # the numpy generator with the same seed


def test_seed_keeps_its_old_meaning():
    ds = tensor_dataset(30)
    order = np.random.default_rng(42).permutation(30)
    assert sum(labels(DataLoader(ds, batch_size=7, shuffle=True, seed=42)), []) == order.tolist()


def test_sampler_replaces_the_order():
    ds = tensor_dataset(10)
    loader = DataLoader(ds, batch_size=2, sampler=[9, 7, 5, 3, 1])
    assert labels(loader) == [[9, 7], [5, 3], [1]] and len(loader) == 3
    valid = DataLoader(ds, batch_size=3, sampler=SubsetRandomSampler([0, 2, 4, 6]))
    seen = sum(labels(valid), [])
    assert sorted(seen) == [0, 2, 4, 6] and len(valid) == 2


def test_batch_sampler_gives_the_batches():
    ds = tensor_dataset(10)
    loader = DataLoader(ds, batch_sampler=[[0, 1, 2], [9], [4, 4]])
    assert labels(loader) == [[0, 1, 2], [9], [4, 4]] and len(loader) == 3
    assert loader.batch_size is None
    inner = BatchSampler(SequentialSampler(ds), batch_size=4, drop_last=True)
    assert labels(DataLoader(ds, batch_sampler=inner)) == [[0, 1, 2, 3], [4, 5, 6, 7]]


def test_collate_fn_is_used_for_every_dataset():
    ds = tensor_dataset(5)                   # accepts index arrays, yet collate_fn is honoured
    seen = []

    def collate(samples):
        seen.append(len(samples))
        return default_collate(samples)

    batches = list(DataLoader(ds, batch_size=2, collate_fn=collate))
    assert seen == [2, 2, 1] and batches[0][0].shape == (2, 2)


def test_drop_last_with_a_generic_dataset():
    loader = DataLoader(Squares(7), batch_size=3, drop_last=True)
    assert len(loader) == 2 and labels(loader) == [[0, 1, 2], [0, 1, 2]]


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(shuffle=True, sampler=[0, 1]), ValueError, "sampler option is mutually exclusive"),
    (dict(batch_sampler=[[0]], batch_size=2), ValueError, "batch_sampler option is mutually"),
    (dict(batch_sampler=[[0]], drop_last=True), ValueError, "batch_sampler option is mutually"),
    (dict(batch_sampler=[[0]], shuffle=True), ValueError, "batch_sampler option is mutually"),
    (dict(num_workers=-1), ValueError, "num_workers should be a non-negative integer"),
    (dict(prefetch_factor=2), ValueError, "prefetch_factor option could only be specified"),
    (dict(persistent_workers=True), ValueError, "persistent_workers option needs num_workers"),
    (dict(multiprocessing_context="fork"), ValueError, "multiprocessing_context can only"),
    (dict(timeout=-1), ValueError, "timeout option should be non-negative"),
    (dict(collate_fn=3), TypeError, "collate_fn must be callable"),
    (dict(seed=1, generator=np.random.default_rng(1)), ValueError, "either generator or seed"),
    (dict(shuffle=True, generator=7), TypeError, "generator must be"),
])
def test_bad_arguments_give_clear_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        DataLoader(tensor_dataset(4), **kwargs)


# ---- samplers ----------------------------------------------------------------------------
def test_samplers():
    ds = tensor_dataset(6)
    assert list(SequentialSampler(ds)) == [0, 1, 2, 3, 4, 5] and len(SequentialSampler(ds)) == 6
    rs = RandomSampler(ds, generator=mg_random.Generator().manual_seed(0))
    assert sorted(rs) == list(range(6)) and len(rs) == 6
    more = list(RandomSampler(ds, num_samples=10))
    assert len(more) == 10 and sorted(more[:6]) == list(range(6))   # chained permutations
    drawn = list(RandomSampler(ds, replacement=True, num_samples=50))
    assert len(drawn) == 50 and set(drawn) <= set(range(6))
    assert sorted(SubsetRandomSampler([5, 1, 3])) == [1, 3, 5]
    weighted = list(WeightedRandomSampler([0.0, 1.0, 0.0, 3.0], 40))
    assert len(weighted) == 40 and set(weighted) == {1, 3}
    assert list(BatchSampler(range(5), 2, False)) == [[0, 1], [2, 3], [4]]
    assert len(BatchSampler(range(5), 2, True)) == 2

    class Evens(Sampler):
        def __iter__(self):
            return iter([0, 2, 4])

        def __len__(self):
            return 3

    assert labels(DataLoader(ds, batch_size=2, sampler=Evens())) == [[0, 2], [4]]
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        RandomSampler(ds, num_samples=0)
    with pytest.raises(TypeError, match="replacement should be a boolean"):
        RandomSampler(ds, replacement=1)
    with pytest.raises(ValueError, match="BatchSampler: batch_size should be a positive"):
        BatchSampler(range(3), 0, False)


def test_global_generator_drives_samplers_without_a_generator():
    ds = tensor_dataset(12)
    mg.manual_seed(5)
    first = list(RandomSampler(ds))
    mg.manual_seed(5)
    assert list(RandomSampler(ds)) == first


# ---- Subset and random_split -------------------------------------------------------------
def test_subset_indexing_and_fast_path():
    ds = tensor_dataset(10)
    sub = Subset(ds, [7, 2, 5])
    assert len(sub) == 3 and sub[0][1].item() == 7 and sub[-1][1].item() == 5
    assert sub.accepts_index_arrays
    x, y = sub[np.array([2, 0])]
    assert y.numpy().tolist() == [5, 7] and x.shape == (2, 2)
    assert labels(DataLoader(sub, batch_size=2)) == [[7, 2], [5]]
    generic = Subset(Squares(), [4, 1])
    assert not generic.accepts_index_arrays and generic[1][1] == 1
    assert labels(DataLoader(generic, batch_size=2)) == [[1, 1]]


def test_random_split_with_lengths():
    ds = tensor_dataset(10)
    a, b = random_split(ds, [7, 3], generator=mg_random.Generator().manual_seed(0))
    ia, ib = [s[1].item() for s in a], [s[1].item() for s in b]
    assert len(a) == 7 and len(b) == 3 and sorted(ia + ib) == list(range(10))
    a2, _ = random_split(ds, [7, 3], generator=mg_random.Generator().manual_seed(0))
    assert a2.indices == a.indices and isinstance(a, Subset)


def test_random_split_with_fractions_follows_pytorchs_rounding():
    ds = tensor_dataset(10)
    parts = random_split(ds, [0.33, 0.33, 0.34])
    assert [len(p) for p in parts] == [4, 3, 3]     # floor gives 3, 3, 3; one extra to the first
    assert sorted(sum((p.indices for p in parts), [])) == list(range(10))
    with pytest.warns(UserWarning, match="length of split at index 1 is 0"):
        random_split(tensor_dataset(2), [0.9, 0.1])


def test_random_split_matches_torch_sizes():
    torch = pytest.importorskip("torch")
    for n, lengths in ((10, [0.5, 0.5]), (11, [0.7, 0.2, 0.1]), (7, [0.25, 0.75]), (5, [2, 3])):
        ours = [len(s) for s in random_split(list(range(n)), lengths)]
        theirs = [len(s) for s in torch.utils.data.random_split(list(range(n)), lengths)]
        assert ours == theirs


@pytest.mark.parametrize("lengths, match", [
    ([3, 3], r"sum of input lengths \(6\) does not equal the length of the input dataset \(10\)"),
    ([0.5, 0.6], "non-negative ints or fractions summing to 1, got 0.5 at index 0"),
    ([1.5, -0.5], "fraction at index 0 is not between 0 and 1"),
    ([], "lengths is empty"),
    ([2.5, 7.5], "non-negative ints or fractions"),
])
def test_random_split_errors(lengths, match):
    with pytest.raises(ValueError, match=match):
        random_split(tensor_dataset(10), lengths)


def test_training_loop_over_a_split_dataset():
    """The tutorial pattern: split, then a shuffled loader for training, one for validation."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 3)).astype(np.float32)
    y = (x @ np.array([1.0, -2.0, 0.5], np.float32) > 0).astype(np.int64)
    train, val = random_split(TensorDataset(Tensor(x), Tensor(y)), [0.75, 0.25],
                              generator=mg_random.Generator().manual_seed(1))
    model = mg.nn.Linear(3, 2)
    opt = mg.optim.SGD(model.parameters(), lr=0.5)
    for _ in range(20):
        for xb, yb in DataLoader(train, batch_size=16, shuffle=True, num_workers=2,
                                 pin_memory=True):
            opt.zero_grad()
            mg.nn.functional.cross_entropy(model(xb), yb).backward()
            opt.step()
    correct = sum(int((model(xb).argmax(1) == yb).numpy().sum())
                  for xb, yb in DataLoader(val, batch_size=8))
    assert correct / len(val) > 0.85


# ---- Generator -----------------------------------------------------------------------------
def test_generator_object():
    g = mg_random.Generator()
    assert g.initial_seed() == 67280421310721 and g.device == "cpu"
    assert mg_random.Generator(mg.device("cpu")).device == mg.device("cpu")
    assert g.manual_seed(4) is g and g.initial_seed() == 4
    state = g.get_state()
    a = g.numpy_generator.random()
    g.set_state(state)
    assert g.numpy_generator.random() == a
    with pytest.raises(RuntimeError, match="CPU only"):
        mg_random.Generator(device="cuda")


# ---- mg.load's PyTorch arguments -----------------------------------------------------------
def test_load_accepts_weights_only_and_cpu_map_locations(tmp_path):
    path = tmp_path / "w.ckpt"
    state = {"w": np.arange(3.0)}
    mg.save(state, path)

    class Device:            # a device object, as torch.device("cpu") or minigrad's own
        type = "cpu"

    for kwargs in (dict(weights_only=True), dict(weights_only=False), dict(weights_only=None),
                   dict(map_location="cpu"), dict(map_location="cpu:0"),
                   dict(map_location=Device()), dict(map_location=mg.device("cpu")),
                   dict(map_location={"cuda:0": "cpu"}),
                   dict(map_location=None, weights_only=True)):
        np.testing.assert_array_equal(mg.load(path, **kwargs)["w"], state["w"])
    np.testing.assert_array_equal(mg.load(path, "cpu")["w"], state["w"])   # positional


def test_load_accepts_a_torch_device_object(tmp_path):
    torch = pytest.importorskip("torch")
    mg.save({"w": np.ones(2)}, tmp_path / "t.ckpt")
    assert mg.load(tmp_path / "t.ckpt", map_location=torch.device("cpu"))["w"].tolist() == [1, 1]


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(map_location="cuda"), ValueError, r"map_location='cuda'.*CPU only.*map_location='cpu'"),
    (dict(map_location="cuda:0"), ValueError, "CPU only"),
    (dict(map_location="mps"), ValueError, "CPU only"),
    (dict(map_location=mg.device("cuda", 0)), ValueError, "CPU only"),
    (dict(map_location={"cpu": "cuda:1"}), ValueError, "CPU only"),
    (dict(map_location=lambda storage, loc: storage), ValueError, "as a function"),
    (dict(weights_only="yes"), TypeError, "weights_only must be True or False"),
    (dict(pickle_module=object()), ValueError, "pickle_module is not supported"),
    (dict(mmap=True), ValueError, "mmap=True is not supported"),
])
def test_load_rejects_other_devices_clearly(tmp_path, kwargs, error, match):
    path = tmp_path / "w.ckpt"
    mg.save({"w": np.ones(1)}, path)
    with pytest.raises(error, match=match):
        mg.load(path, **kwargs)


def test_no_warnings_from_the_plain_paths():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        list(DataLoader(tensor_dataset(4), batch_size=2, shuffle=True))
        random_split(tensor_dataset(4), [2, 2])
