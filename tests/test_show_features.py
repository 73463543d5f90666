"""examples/show_features.py: without matplotlib it says what to install; with it (when
installed) it trains a tiny run, loads its checkpoint and writes the PNG files."""
import os
import subprocess
import sys

import numpy as np
import pytest

from helpers import ROOT

SCRIPT = str(ROOT / "examples" / "show_features.py")
TINY = ["--epochs", "1", "--train-limit", "128", "--test-limit", "64"]


def run(args, env_extra=None, timeout=300):
    env = dict(os.environ, **(env_extra or {}))
    return subprocess.run([sys.executable, SCRIPT] + args, capture_output=True, text=True,
                          env=env, timeout=timeout, cwd=ROOT)


def test_without_matplotlib_says_what_to_install(tmp_path):
    fake = tmp_path / "fake" / "matplotlib"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('matplotlib hidden by the test')\n")
    done = run(TINY + ["--out", str(tmp_path / "out")], {"PYTHONPATH": str(fake.parent)})
    assert done.returncode == 1
    assert 'pip install -e ".[plot]"' in done.stderr
    assert not (tmp_path / "out").exists()            # nothing trained, nothing written


def test_writes_pictures_from_a_short_run_and_from_a_bare_state_dict(tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "out"
    done = run(TINY + ["--out", str(out), "--digit", "3"])
    assert done.returncode == 0, done.stderr[-2000:]
    names = {"filters.png", "curves.png"} | {f"feature_maps_conv{i}.png" for i in range(1, 5)}
    assert names <= {p.name for p in out.iterdir()}
    for name in names:
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "test digit #3: label" in done.stdout

    # a checkpoint that is only a state_dict: pictures, but no curves
    sys.path.insert(0, str(ROOT))
    import minigrad as mg
    state = mg.load(out / "short_run.npz")["model"]
    mg.save(state, tmp_path / "bare.npz")
    done = run([str(tmp_path / "bare.npz"), "--out", str(tmp_path / "bare")])
    assert done.returncode == 0, done.stderr[-2000:]
    assert "no training history: no curves.png" in done.stdout
    assert (tmp_path / "bare" / "filters.png").exists()


def test_missing_or_foreign_checkpoint_is_a_clear_error(tmp_path):
    pytest.importorskip("matplotlib")
    done = run([str(tmp_path / "nope.npz"), "--out", str(tmp_path)])
    assert done.returncode == 1 and "no checkpoint at" in done.stderr
    sys.path.insert(0, str(ROOT))
    import minigrad as mg
    mg.save({"something": np.zeros(3, dtype=np.float32)}, tmp_path / "other.npz")
    done = run([str(tmp_path / "other.npz"), "--out", str(tmp_path)])
    assert done.returncode == 1 and "do not fit train_mnist.py's model" in done.stderr
