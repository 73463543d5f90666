"""train_mnist.py augments its training images (minigrad.transforms, through MNIST's
transform=) unless --no-augment, and trains with label smoothing (--label-smoothing); the
test images are never augmented and the test loss is the plain cross-entropy."""
import json

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn, transforms
from minigrad.data import TensorDataset
from minigrad.datasets import MEAN, STD

from helpers import load_example

train_mnist = load_example("train_mnist")
training = load_example("training")
SMALL = ["--train-limit", "256", "--test-limit", "200", "--batch-size", "32", "--epochs", "1"]


def test_the_augmentation_keeps_the_background_and_the_image_size():
    augment = train_mnist.augmentation()
    assert isinstance(augment, transforms.RandomAffine)
    assert augment.interpolation == "bilinear" and augment.fill == -MEAN / STD
    background = np.full((4, 1, 28, 28), -MEAN / STD, np.float32)
    np.testing.assert_allclose(augment(background), background, rtol=1e-6)


def test_augment_is_the_default_and_no_augment_trains_on_the_images_as_they_are(monkeypatch):
    calls = []
    real = transforms.RandomAffine.__call__

    def counted(self, img):
        calls.append(img.shape)
        return real(self, img)

    monkeypatch.setattr(transforms.RandomAffine, "__call__", counted)
    augmented = train_mnist.main(SMALL)
    assert calls == [(32, 1, 28, 28)] * 8          # once per training batch, never for the test
    calls.clear()
    plain = train_mnist.main(SMALL + ["--no-augment"])
    assert calls == []
    assert augmented["train_loss"] != plain["train_loss"]
    assert np.isfinite(augmented["test_loss"]) and np.isfinite(plain["test_loss"])


def test_label_smoothing_is_in_the_training_loss_and_the_metrics(tmp_path):
    smoothed = train_mnist.main(SMALL + ["--no-augment", "--metrics", str(tmp_path / "m.json")])
    plain = train_mnist.main(SMALL + ["--no-augment", "--label-smoothing", "0"])
    saved = json.loads((tmp_path / "m.json").read_text())
    assert saved["label_smoothing"] == 0.1 and saved["augment"] is False
    assert smoothed["train_loss"] != plain["train_loss"]


def test_the_test_loss_is_the_plain_cross_entropy():
    task = training.Classification(label_smoothing=0.1)
    logits, target = mg.randn(8, 10), mg.tensor(np.arange(8))
    plain = F.cross_entropy(logits, target).item()
    assert task.loss(logits, target).item() != plain
    assert task.test_loss(logits, target).item() == plain
    model = nn.Flatten()                     # logits = the "images" themselves
    data = TensorDataset(logits.reshape(8, 10), target)
    assert abs(training.evaluate(model, data, 4, task)[0] - plain) < 1e-6


def test_bad_label_smoothing_is_refused():
    with pytest.raises(SystemExit):
        train_mnist.parse_args(["--label-smoothing", "1.5"])
