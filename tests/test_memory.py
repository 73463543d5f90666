import sys

import numpy as np
import pytest

import minigrad as mg
from minigrad import memory, nn, optim
from minigrad.memory import keep_freed_memory


def test_keep_freed_memory_applies_on_linux_and_arrays_still_work():
    applied = keep_freed_memory()
    if sys.platform.startswith("linux"):
        assert applied is True   # glibc's mallopt accepted both settings
    else:
        assert applied is False
    a = np.ones((1024, 1024), np.float32)    # 4 MB: now from the heap, must behave the same
    del a
    b = np.zeros((1024, 1024), np.float32)
    assert b.sum() == 0


# ---- reused arrays (memory.empty) ------------------------------------------------------------
BIG = (512, 1024)          # 2 MB of float32: above memory.MIN_BYTES


@pytest.fixture(autouse=True)
def fresh_cache():
    memory.empty_cache()
    yield
    memory.set_buffer_reuse(True)
    memory.empty_cache()


def test_an_array_comes_back_only_when_nothing_references_it():
    a = memory.empty(BIG, np.float32)
    b = memory.empty(BIG, np.float32)
    assert a is not b                                   # a is still referenced
    address = a.ctypes.data
    del a
    c = memory.empty(BIG, np.float32)
    assert c.ctypes.data == address                     # a's memory, reused
    view = c[1:]
    del c
    d = memory.empty(BIG, np.float32)
    assert d.ctypes.data != address                     # a view keeps its base in use
    t = mg.Tensor.wrap(d)
    address_d = d.ctypes.data
    del d, view
    assert memory.empty(BIG, np.float32).ctypes.data != address_d   # so does a Tensor
    assert t.shape == BIG


def test_other_shapes_dtypes_and_small_arrays_are_not_mixed_up():
    a = memory.empty(BIG, np.float32)
    address = a.ctypes.data
    del a
    assert memory.empty(BIG[::-1], np.float32).ctypes.data != address
    assert memory.empty(BIG, np.float64).ctypes.data != address
    small = memory.empty((4, 4), np.float32)
    assert small.base is None and small.shape == (4, 4)
    before = memory.cached_bytes()
    del small
    assert memory.cached_bytes() == before            # small arrays are never kept


def test_turned_off_or_emptied_nothing_is_kept():
    a = memory.empty(BIG, np.float32)
    del a
    assert memory.cached_bytes() == 512 * 1024 * 4
    memory.empty_cache()
    assert memory.cached_bytes() == 0
    memory.set_buffer_reuse(False)
    b = memory.empty(BIG, np.float32)
    del b
    assert memory.cached_bytes() == 0


def test_the_cache_lets_go_past_its_limit(monkeypatch):
    monkeypatch.setattr(memory, "CACHE_BYTES", 3 * 512 * 1024 * 4)
    arrays = [memory.empty(BIG, np.float32) for _ in range(3)]
    del arrays
    assert memory.cached_bytes() == 3 * 512 * 1024 * 4
    keep = memory.empty((1024, 1024), np.float32)   # a new key past the limit: the rest go
    assert memory.cached_bytes() == 0 and keep.shape == (1024, 1024)


def _train(steps, reuse):
    """A few SGD steps of a conv net whose arrays are all above MIN_BYTES."""
    memory.set_buffer_reuse(reuse)
    mg.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(8, 8, 1), nn.ReLU(), nn.Flatten(), nn.Linear(8 * 14 * 14, 10))
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    rng = np.random.default_rng(0)
    losses = []
    for _ in range(steps):
        x = mg.tensor(rng.standard_normal((64, 1, 28, 28)).astype(np.float32))
        y = mg.tensor(rng.integers(0, 10, 64))
        loss = mg.nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses, [p.numpy().copy() for p in model.parameters()]


def test_reuse_never_changes_a_number():
    losses_on, params_on = _train(4, reuse=True)
    assert memory.cached_bytes() > 0                    # arrays were kept, and reused
    losses_off, params_off = _train(4, reuse=False)
    assert losses_on == losses_off
    assert all(np.array_equal(a, b) for a, b in zip(params_on, params_off))
