"""save/load: round trips of state dicts and nested optimizer state, atomic writes, errors."""
import os
import zipfile

import numpy as np
import pytest

from minigrad import optim, serialization
from minigrad.serialization import load, save
from minigrad.tensor import Tensor


def assert_same(a, b):
    """Equal values of the same types, recursively (arrays: dtype, shape and bits)."""
    assert type(a) is type(b), (type(a), type(b))
    if isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)
    elif isinstance(a, Tensor):
        assert a.requires_grad == b.requires_grad
        assert_same(a.numpy(), b.numpy())
    elif isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            assert_same(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            assert_same(x, y)
    elif isinstance(a, float) and np.isnan(a):
        assert np.isnan(b)
    else:
        assert a == b


def test_flat_state_dict_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    sd = {"0.weight": rng.standard_normal((4, 3)).astype(np.float32),
          "0.bias": np.zeros(4, np.float32),
          "bn.running_var": np.ones(4, np.float64),
          "bn.num_batches_tracked": np.array(7, np.int64),
          "mask": np.array([True, False]),
          "empty": np.zeros((0, 5), np.uint8)}
    path = tmp_path / "model.ckpt"
    save(sd, path)
    assert path.exists() and not (tmp_path / "model.ckpt.npz").exists()   # name kept as given
    assert_same(sd, load(path))
    assert_same(sd, load(str(path)))
    # the weights are readable without minigrad, under their own names
    with np.load(path) as archive:
        np.testing.assert_array_equal(archive["0.weight"], sd["0.weight"])


def test_tensors_come_back_as_tensors(tmp_path):
    sd = {"w": Tensor(np.arange(6, dtype=np.float32).reshape(2, 3), requires_grad=True),
          "idx": Tensor(np.arange(3))}
    save(sd, tmp_path / "t.ckpt")
    assert_same(sd, load(tmp_path / "t.ckpt"))


def test_nested_values_round_trip(tmp_path):
    obj = {"epoch": 3, "best": 0.25, "name": "cnn", "done": False, "none": None,
           "nan": float("nan"), "inf": float("-inf"), "scalar": np.float32(1.5),
           "betas": (0.9, 0.999), "list": [1, [2, np.arange(3)], {"k": (np.ones(2), "x")}],
           "int keys": {0: np.zeros(1), 1: {"step": 2}}, "tuple keys": {(1, 2): "a"},
           "a.b": np.ones(1), "a": {"b": np.zeros(1)}}      # "a.b" and a -> b share a name
    save(obj, tmp_path / "n.ckpt")
    back = load(tmp_path / "n.ckpt")
    assert_same(obj, back)
    assert type(back["scalar"]) is np.float32


def test_keys_named_like_savez_parameters_round_trip(tmp_path):
    # the arrays reach np.savez as keyword arguments: these names must not become its own
    obj = {"file": np.arange(3.0), "allow_pickle": np.ones(2), "__minigrad__": np.zeros(1)}
    save(obj, tmp_path / "k.ckpt")
    assert_same(obj, load(tmp_path / "k.ckpt"))


@pytest.mark.parametrize("make", [lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True),
                                  lambda ps: optim.Adam(ps, lr=0.01, amsgrad=True),
                                  lambda ps: optim.AdamW(ps, lr=0.01)])
def test_optimizer_state_dict_round_trip_resumes_training(tmp_path, make):
    rng = np.random.default_rng(1)
    grads = rng.standard_normal((6, 3, 2)).astype(np.float32)
    w = Tensor(rng.standard_normal((3, 2)).astype(np.float32), requires_grad=True)
    b = Tensor(np.zeros(2, np.float32), requires_grad=True)
    opt = make([{"params": [w]}, {"params": [b], "lr": 0.5}])
    for g in grads[:3]:
        w.grad = Tensor(g)
        opt.step()
    save({"model": {"w": w.numpy(), "b": b.numpy()}, "optimizer": opt.state_dict()}, tmp_path / "o.ckpt")

    ckpt = load(tmp_path / "o.ckpt")
    assert_same(opt.state_dict(), ckpt["optimizer"])
    w2 = Tensor(ckpt["model"]["w"], requires_grad=True)
    b2 = Tensor(ckpt["model"]["b"], requires_grad=True)
    opt2 = make([{"params": [w2]}, {"params": [b2]}])
    opt2.load_state_dict(ckpt["optimizer"])
    for g in grads[3:]:
        w.grad, w2.grad = Tensor(g), Tensor(g)
        opt.step()
        opt2.step()
    np.testing.assert_array_equal(w2.numpy(), w.numpy())


def test_scheduler_state_dict_round_trip(tmp_path):
    opt = optim.SGD([Tensor(np.ones(1, np.float32), requires_grad=True)], lr=0.1, momentum=0.9)
    sched = optim.lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=10, three_phase=True)
    sched.step()
    save(sched.state_dict(), tmp_path / "s.ckpt")
    assert_same(sched.state_dict(), load(tmp_path / "s.ckpt"))


# ---- atomic writes ---------------------------------------------------------------------------
def failing_savez(f, **arrays):
    f.write(b"PK\x03\x04 half a checkpoint")
    raise OSError("No space left on device (simulated)")


def test_a_failed_save_keeps_the_old_checkpoint(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.npz"
    old = {"w": np.arange(4, dtype=np.float32)}
    save(old, path)
    before = path.read_bytes()
    monkeypatch.setattr(np, "savez", failing_savez)
    with pytest.raises(OSError, match="simulated"):
        save({"w": np.zeros(4, np.float32)}, path)
    assert path.read_bytes() == before
    assert_same(old, load(path))
    assert os.listdir(tmp_path) == ["ckpt.npz"]          # no temporary file left behind


def test_a_failed_first_save_creates_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(np, "savez", failing_savez)
    with pytest.raises(OSError):
        save({"w": np.zeros(2)}, tmp_path / "new.ckpt")
    assert os.listdir(tmp_path) == []


def test_an_unsaveable_value_leaves_no_file(tmp_path):
    with pytest.raises(TypeError, match="cannot save a value of type function .*'fn'"):
        save({"w": np.zeros(2), "fn": lambda: 0}, tmp_path / "x.ckpt")
    assert os.listdir(tmp_path) == []


def test_permissions_of_new_and_replaced_files(tmp_path):
    umask = os.umask(0o022)
    try:
        save({"a": np.zeros(1)}, tmp_path / "new.ckpt")
        assert (tmp_path / "new.ckpt").stat().st_mode & 0o777 == 0o644
        os.chmod(tmp_path / "new.ckpt", 0o600)
        save({"a": np.ones(1)}, tmp_path / "new.ckpt")
        assert (tmp_path / "new.ckpt").stat().st_mode & 0o777 == 0o600
    finally:
        os.umask(umask)


# ---- errors ----------------------------------------------------------------------------------
def test_load_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file.*nope.ckpt"):
        load(tmp_path / "nope.ckpt")


def test_save_into_a_missing_directory(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        save({"a": np.zeros(1)}, tmp_path / "no" / "dir" / "x.ckpt")


def test_load_files_that_are_not_checkpoints(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(ValueError, match="not a minigrad checkpoint"):
        load(tmp_path / "notes.txt")
    np.save(tmp_path / "a.npy", np.zeros(3))
    with pytest.raises(ValueError, match="not a minigrad checkpoint"):
        load(tmp_path / "a.npy")
    np.savez(tmp_path / "plain.npz", w=np.zeros(3))
    with pytest.raises(ValueError, match="numpy .npz archive but not a minigrad checkpoint"):
        load(tmp_path / "plain.npz")
    np.savez(tmp_path / "other.npz", __minigrad__=np.array('{"format": "something else"}'))
    with pytest.raises(ValueError, match="not a minigrad-checkpoint"):
        load(tmp_path / "other.npz")


def test_load_damaged_checkpoints(tmp_path):
    path = tmp_path / "c.ckpt"
    save({"w": np.arange(1000, dtype=np.float32)}, path)
    data = path.read_bytes()
    (tmp_path / "truncated.ckpt").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="not a minigrad checkpoint|damaged"):
        load(tmp_path / "truncated.ckpt")
    # flip bytes inside the stored array: the zip CRC catches it
    with zipfile.ZipFile(path) as z:
        offset = z.getinfo("w.npy").header_offset + 200
    corrupt = bytearray(data)
    corrupt[offset:offset + 8] = b"\xff" * 8
    (tmp_path / "corrupt.ckpt").write_bytes(bytes(corrupt))
    with pytest.raises(ValueError, match="damaged"):
        load(tmp_path / "corrupt.ckpt")


def test_unsupported_keys_and_object_arrays(tmp_path):
    with pytest.raises(TypeError, match="dict key of type"):
        save({object(): 1}, tmp_path / "k.ckpt")
    with pytest.raises(TypeError, match="dtype object"):
        save({"o": np.array([1, "a"], dtype=object)}, tmp_path / "o.ckpt")
    assert os.listdir(tmp_path) == []


def test_atomic_open_is_reusable(tmp_path):
    with serialization.atomic_open(tmp_path / "f.bin") as f:
        f.write(b"abc")
    assert (tmp_path / "f.bin").read_bytes() == b"abc"
