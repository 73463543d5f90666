"""The training example on a small slice of MNIST: loss falls, same seed gives same numbers,
an interrupted run resumed from its checkpoint ends exactly where an uninterrupted one does."""
import json

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import optim
from minigrad.datasets import MNIST

from helpers import interrupting, load_example

train_mnist = load_example("train_mnist")
SMALL = ["--train-limit", "256", "--test-limit", "200", "--batch-size", "32"]


def test_model_has_a_1x1_bottleneck_and_expected_shapes():
    model = train_mnist.build_model()
    kernels = [m.kernel_size for m in model.modules() if type(m).__name__ == "Conv2d"]
    assert (1, 1) in kernels and (3, 3) in kernels
    out = model(mg.zeros(2, 1, 28, 28))
    assert out.shape == (2, 10)


def test_loss_falls_on_a_small_subset():
    mg.manual_seed(0)
    images, labels = MNIST(train=True)[np.arange(256)]
    model = train_mnist.build_model()
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    losses = []
    for step in range(30):
        idx = np.arange(step * 32, step * 32 + 32) % 256
        loss = F.cross_entropy(model(images[idx]), labels[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert np.mean(losses[-5:]) < 0.5 * np.mean(losses[:5])


def test_same_seed_same_numbers_and_metrics_file(tmp_path):
    m1 = train_mnist.main(SMALL + ["--epochs", "1", "--metrics", str(tmp_path / "m.json")])
    m2 = train_mnist.main(SMALL + ["--epochs", "1"])
    assert m1["test_loss"] == m2["test_loss"] and m1["train_loss"] == m2["train_loss"]
    saved = json.loads((tmp_path / "m.json").read_text())
    for key in ("test_accuracy", "test_loss", "train_loss", "epochs", "train_seconds",
                "samples_per_second", "params"):
        assert key in saved
    assert 0 <= saved["test_accuracy"] <= 1
    assert saved["params"] == sum(p.numpy().size for p in train_mnist.build_model().parameters())


def test_resume_continues_where_an_interrupted_run_stopped(tmp_path, monkeypatch):
    straight = train_mnist.main(SMALL + ["--epochs", "2"])

    ckpt = tmp_path / "ckpt.npz"
    real_epoch = train_mnist.train_one_epoch
    # the user presses Ctrl-C during the second epoch
    monkeypatch.setattr(train_mnist, "train_one_epoch", interrupting(real_epoch, at_call=2))
    with pytest.raises(KeyboardInterrupt):
        train_mnist.main(SMALL + ["--epochs", "2", "--checkpoint", str(ckpt)])
    monkeypatch.setattr(train_mnist, "train_one_epoch", real_epoch)
    assert ckpt.exists()

    resumed = train_mnist.main(SMALL + ["--epochs", "2", "--checkpoint", str(ckpt), "--resume"])
    assert resumed["test_loss"] == straight["test_loss"]
    assert resumed["history"] == straight["history"]


def test_resume_with_a_different_schedule_is_refused(tmp_path):
    ckpt = tmp_path / "ckpt.npz"
    train_mnist.main(SMALL + ["--epochs", "1", "--checkpoint", str(ckpt)])
    with pytest.raises(SystemExit, match="--epochs 1"):
        train_mnist.main(SMALL + ["--epochs", "3", "--checkpoint", str(ckpt), "--resume"])


def test_a_nan_pixel_stops_the_run_and_keeps_the_last_good_checkpoint(tmp_path, monkeypatch):
    ckpt = tmp_path / "ckpt.npz"
    real_epoch = train_mnist.train_one_epoch
    calls = []

    def nan_in_second_epoch(model, loader, *args, **kwargs):
        calls.append(1)
        if len(calls) == 2:                      # one NaN pixel in the 3rd batch of epoch 2
            batches = list(loader)
            x = batches[2][0].numpy().copy()
            x[0, 0, 5, 5] = np.nan
            batches[2] = (mg.tensor(x), batches[2][1])
            loader = batches
        return real_epoch(model, loader, *args, **kwargs)

    monkeypatch.setattr(train_mnist, "train_one_epoch", nan_in_second_epoch)
    with pytest.raises(SystemExit) as stop:
        train_mnist.main(SMALL + ["--epochs", "3", "--checkpoint", str(ckpt)])
    message = str(stop.value.code)
    assert "epoch 2, batch 3: the training loss is nan" in message
    assert f"{ckpt} (after epoch 1) is kept" in message
    state = mg.load(str(ckpt))
    assert state["epoch"] == 1 and len(state["history"]) == 1
    assert all(np.isfinite(np.asarray(v)).all() for v in state["model"].values())


@pytest.mark.filterwarnings("ignore::RuntimeWarning")     # numpy's overflow warnings on the way
def test_a_diverging_learning_rate_stops_with_a_clear_message():
    with pytest.raises(SystemExit) as stop:
        train_mnist.main(SMALL + ["--epochs", "1", "--lr", "1e6"])
    message = str(stop.value.code)
    assert message.startswith("stopped: epoch 1, batch ") and "the training loss is" in message
    assert "Nothing was saved (no --checkpoint)" in message


def test_weights_made_nan_by_an_epochs_last_step_are_not_saved(tmp_path, monkeypatch):
    ckpt = tmp_path / "ckpt.npz"
    real_epoch = train_mnist.train_one_epoch

    def poisons_a_weight(model, *args, **kwargs):
        result = real_epoch(model, *args, **kwargs)
        model[0].weight.data[0, 0, 0, 0] = float("inf")
        return result

    monkeypatch.setattr(train_mnist, "train_one_epoch", poisons_a_weight)
    with pytest.raises(SystemExit, match=r"epoch 1: after the last step, 1 weight tensors hold "
                                         r"NaN or infinite values \(0.weight"):
        train_mnist.main(SMALL + ["--epochs", "2", "--checkpoint", str(ckpt)])
    assert not ckpt.exists()
