"""Nothing saved is lost or misread: a damaged checkpoint loads exactly or raises one clear
"damaged" error; a save killed at any moment leaves the old or the new checkpoint, and the
next save removes what it left behind."""
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st, HealthCheck

import minigrad as mg

from helpers import ROOT


def _state():
    rng = np.random.default_rng(0)
    return {"model": {"conv.weight": rng.standard_normal((4, 2, 3, 3)).astype(np.float32),
                      "fc.bias": mg.tensor(rng.standard_normal(5), requires_grad=True)},
            "epoch": 3, "history": [0.5, 0.25], "name": "run", "steps": (1, 2)}


def _same(a, b):
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, mg.Tensor):
        return isinstance(b, mg.Tensor) and a.requires_grad == b.requires_grad and \
            a.dtype == b.dtype and np.array_equal(a.numpy(), b.numpy())
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.dtype == b.dtype and np.array_equal(a, b)
    return a == b and type(a) is type(b)


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    path = tmp_path_factory.mktemp("ckpt") / "state.npz"
    mg.save(_state(), path)
    return path.read_bytes()


def _load_bytes(tmp_path, content):
    path = tmp_path / "damaged.npz"
    path.write_bytes(content)
    try:
        return mg.load(path)
    except ValueError as e:
        assert "damaged" in str(e) or "not a minigrad checkpoint" in str(e), str(e)
        assert "damaged.npz" in str(e)
        return None


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_bit_flips_load_exactly_or_raise_damaged(saved, tmp_path, data):
    content = bytearray(saved)
    for _ in range(data.draw(st.integers(1, 3))):
        pos = data.draw(st.integers(0, len(content) - 1))
        content[pos] ^= 1 << data.draw(st.integers(0, 7))
    loaded = _load_bytes(tmp_path, bytes(content))
    assert loaded is None or _same(loaded, _state())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_bytes_and_truncations_raise_damaged(saved, tmp_path, data):
    kind = data.draw(st.sampled_from(["truncate", "overwrite", "random"]))
    if kind == "truncate":
        content = saved[:data.draw(st.integers(0, len(saved) - 1))]
    elif kind == "overwrite":
        start = data.draw(st.integers(0, len(saved) - 1))
        junk = data.draw(st.binary(min_size=1, max_size=64))
        content = saved[:start] + junk + saved[start + len(junk):]
    else:
        content = data.draw(st.binary(max_size=2048))
    loaded = _load_bytes(tmp_path, content)
    assert loaded is None or _same(loaded, _state())


def test_a_huge_declared_shape_is_refused_before_allocating(saved, tmp_path):
    # the weight's .npy header says (4, 2, 3, 3); make it (4000000, 2, 3, 3) with valid CRCs
    import io
    import zipfile
    src = zipfile.ZipFile(io.BytesIO(saved))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            raw = src.read(info)
            if info.filename.startswith("model.conv.weight"):
                raw = raw.replace(b"(4, 2, 3, 3)", b"(4000000, 2, 3, 3)")
            dst.writestr(info.filename, raw)
    with pytest.raises(ValueError, match=r"damaged.*declares shape \(4000000, 2, 3, 3\)"):
        path = tmp_path / "huge.npz"
        path.write_bytes(out.getvalue())
        mg.load(path)


def test_a_save_that_fails_midway_keeps_the_old_checkpoint_and_leaves_no_file(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.npz"
    mg.save({"step": 1}, path)

    def broken(f, **arrays):
        f.write(b"PK\x03\x04 half an archive")
        raise OSError("disk full")
    monkeypatch.setattr(np, "savez", broken)
    with pytest.raises(OSError, match="disk full"):
        mg.save({"step": 2}, path)
    assert mg.load(path) == {"step": 1}
    assert os.listdir(tmp_path) == ["ckpt.npz"]


KILLED_SAVER = """
import sys, numpy as np
sys.path.insert(0, {root!r})
import minigrad as mg
state = {{"w": np.zeros((1000, 1000), np.float32)}}
i = 0
while True:
    i += 1
    state["w"][0, 0] = i
    mg.save(state, {path!r})
"""


def test_a_save_killed_at_random_moments_leaves_old_or_new_and_the_next_save_cleans_up(tmp_path):
    path = tmp_path / "ckpt.npz"
    mg.save({"w": np.zeros((1000, 1000), np.float32)}, path)
    rng = np.random.default_rng(0)
    for _ in range(4):
        proc = subprocess.Popen([sys.executable, "-c",
                                 KILLED_SAVER.format(root=str(ROOT), path=str(path))])
        time.sleep(0.6 + rng.random() * 0.6)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        state = mg.load(path)                       # the old or a new checkpoint, whole
        assert state["w"].shape == (1000, 1000) and state["w"][1:].sum() == 0
    mg.save({"w": np.ones(2)}, path)                # the next save removes stale temporaries
    assert os.listdir(tmp_path) == ["ckpt.npz"]
    np.testing.assert_array_equal(mg.load(path)["w"], np.ones(2))


def test_load_of_a_directory_or_a_non_path_is_a_clear_error(tmp_path):
    with pytest.raises(IsADirectoryError, match="is a directory"):
        mg.load(tmp_path)
    with pytest.raises(TypeError, match="expected a file path, got int"):
        mg.load(3)


def test_every_bit_flip_in_an_array_header_loads_exactly_or_raises_damaged(saved, tmp_path):
    # the .npy headers are where a flip could silently read as a smaller array: try them all
    start = saved.index(b"'shape': (4, 2, 3, 3)")
    region = list(range(start, start + len(b"'shape': (4, 2, 3, 3)")))
    # and the JSON description ("epoch": 3 -> 2 would be a silent change without CRCs); it
    # is stored as UTF-32, so every 4th byte of its first 80 characters is text
    text = saved.index('"format"'.encode("utf-32-le"))
    region += list(range(text, text + 4 * 80, 4))
    silent = tried = 0
    for pos in region:
        for bit in range(8):
            content = bytearray(saved)
            content[pos] ^= 1 << bit
            loaded = _load_bytes(tmp_path, bytes(content))
            tried += 1
            silent += loaded is not None and not _same(loaded, _state())
    assert tried == 8 * len(region) and silent == 0
