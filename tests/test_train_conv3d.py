"""The 3-D CNN example on small slices of the moving-digit clips: the network has the layers
it says, a short run learns both labels, the same seed gives the same numbers, and an
interrupted run resumed from its checkpoint ends exactly where an uninterrupted one does."""
import json

import pytest

import minigrad as mg
from minigrad import nn

from helpers import interrupting, load_example

train_conv3d = load_example("train_conv3d")
TINY = ["--train-limit", "128", "--test-limit", "64", "--batch-size", "32"]


def test_the_network_convolves_over_time_and_has_two_heads():
    model = train_conv3d.build_model()
    layers = list(model.modules())
    convs = [m for m in layers if isinstance(m, nn.Conv3d)]
    assert any(c.kernel_size == (1, 1, 1) for c in convs)                 # the bottleneck
    assert all(c.kernel_size[0] > 1 for c in convs if c.kernel_size != (1, 1, 1))   # over time
    kinds = {type(m).__name__ for m in layers}
    assert {"BatchNorm3d", "ReLU", "MaxPool3d", "Linear"} <= kinds
    digits, directions = model(mg.zeros(2, 1, 8, 32, 32))
    assert digits.shape == (2, 10) and directions.shape == (2, 8)
    summary = mg.summary(model, train_conv3d.INPUT_SHAPE)
    assert summary.total_macs == sum(r.macs for r in summary.rows) > 0
    # the time axis is pooled away before the heads: the last 3-D output has one frame
    shapes = [r.output_shape for r in summary.rows if len(r.output_shape) == 5]
    assert shapes[0][2] == 8 and shapes[-1][2] == 1


def test_a_short_run_learns_both_labels(tmp_path, capsys):
    metrics = train_conv3d.main(["--train-limit", "1536", "--test-limit", "400",
                                 "--batch-size", "32", "--metrics", str(tmp_path / "m.json")])
    out = capsys.readouterr().out
    assert "Conv3d" in out and "Total MACs" in out and "clips/s while training" in out
    # chance is 1/8 for the direction and about 1/10 for the digit
    assert metrics["test_direction_accuracy"] > 0.6, metrics["test_direction_accuracy"]
    assert metrics["test_digit_accuracy"] > 0.3, metrics["test_digit_accuracy"]
    saved = json.loads((tmp_path / "m.json").read_text())
    for key in ("test_digit_accuracy", "test_direction_accuracy", "test_loss", "train_loss",
                "train_seconds", "samples_per_second", "wall_seconds", "params", "macs_per_clip"):
        assert key in saved
    assert saved["macs_per_clip"] == mg.summary(train_conv3d.build_model(),
                                                train_conv3d.INPUT_SHAPE).total_macs


def test_same_seed_same_numbers_and_resume(tmp_path, monkeypatch):
    straight = train_conv3d.main(TINY + ["--epochs", "2"])
    again = train_conv3d.main(TINY + ["--epochs", "2"])
    assert again["history"] == straight["history"]

    ckpt = tmp_path / "ckpt.npz"
    real_epoch = train_conv3d.train_one_epoch
    # the user presses Ctrl-C during the second epoch
    monkeypatch.setattr(train_conv3d, "train_one_epoch", interrupting(real_epoch, at_call=2))
    with pytest.raises(KeyboardInterrupt):
        train_conv3d.main(TINY + ["--epochs", "2", "--checkpoint", str(ckpt)])
    monkeypatch.setattr(train_conv3d, "train_one_epoch", real_epoch)

    resumed = train_conv3d.main(TINY + ["--epochs", "2", "--checkpoint", str(ckpt), "--resume"])
    assert resumed["history"] == straight["history"]
    # other clips would be another run: refused
    with pytest.raises(SystemExit, match="--clip-seed 0"):
        train_conv3d.main(TINY + ["--epochs", "2", "--clip-seed", "1", "--checkpoint", str(ckpt),
                                  "--resume"])


def test_the_picture(tmp_path):
    pytest.importorskip("matplotlib")
    show = load_example("show_conv3d")
    ckpt = tmp_path / "c.npz"
    train_conv3d.main(TINY + ["--checkpoint", str(ckpt)])
    assert show.main([str(ckpt), "--out", str(tmp_path / "conv3d.png"), "--clip", "3",
                      "--tuning-clips", "200"]) == 0
    png = (tmp_path / "conv3d.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20000
