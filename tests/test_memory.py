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


def _poisoned_empty(shape, dtype):
    """An array whose every element is wrong: NaN, or the largest integer, or True."""
    dtype = np.dtype(dtype)
    array = np.empty(shape, dtype)
    array.fill(np.nan if dtype.kind in "fc" else True if dtype.kind == "b"
               else np.iinfo(dtype).max)
    return array


def _op_battery():
    """Forward and backward of the ops that take their results from memory.empty."""
    import minigrad.nn.functional as F
    rng = np.random.default_rng(0)
    results = []

    def run(fn, *shapes):
        inputs = [mg.tensor(rng.standard_normal(s), requires_grad=True) for s in shapes]
        out = fn(*inputs)
        out.backward(mg.tensor(rng.standard_normal(out.shape)))
        results.extend([out.numpy().copy()] + [t.grad.numpy().copy() for t in inputs])

    for pool in (dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
                 dict(kernel_size=2, stride=1), dict(kernel_size=3, stride=3, ceil_mode=True),
                 dict(kernel_size=2, dilation=2)):
        run(lambda x, pool=pool: F.max_pool2d(x, **pool), (2, 3, 8, 8))
        if "dilation" not in pool:
            run(lambda x, pool=pool: F.avg_pool2d(x, **pool), (2, 3, 8, 8))
    for conv in (dict(padding=1), dict(stride=2), dict(padding=2, dilation=2), dict(groups=2)):
        run(lambda x, w, conv=conv: F.conv2d(x, w, **conv), (2, 4, 9, 9),
            (6, 4 // conv.get("groups", 1), 3, 3))
    run(lambda x, w: F.conv2d(x, w), (2, 4, 9, 9), (6, 4, 1, 1))
    run(lambda x, w: F.conv_transpose2d(x, w, stride=2, padding=1), (2, 4, 5, 5), (4, 3, 3, 3))
    run(lambda x: F.relu(x), (4, 300))
    run(lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), (4, 3, 5, 5), (3,), (3,))
    run(lambda x: F.batch_norm(x, mg.zeros(3, dtype=mg.float64), mg.ones(3, dtype=mg.float64)),
        (4, 3, 5, 5))
    run(lambda a, b: a * b + a - b / (b * b + 1), (4, 300), (4, 300))
    run(lambda a, b: a @ b, (64, 50), (50, 64))
    return results


def test_every_op_writes_all_of_the_array_it_takes(monkeypatch):
    # memory.empty hands out arrays whose contents are undefined: an op that left an
    # element unwritten would pass on a fresh (often zeroed) array and go wrong on a reused
    # one. With every array poisoned, each op must still give the same numbers.
    fresh = _op_battery()
    monkeypatch.setattr(memory, "MIN_BYTES", 0)            # small arrays too
    monkeypatch.setattr(memory, "empty", _poisoned_empty)
    poisoned = _op_battery()
    for a, b in zip(fresh, poisoned):
        np.testing.assert_array_equal(a, b)
