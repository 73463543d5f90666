"""MovingDigits: clips of one MNIST digit moving in a straight line. The checks read the
rendered pixels and compare them with the MNIST images, independently of how the clips
were drawn: every frame holds the whole labelled digit, and its centre of mass moves by
the same step each frame, in the labelled direction."""

import numpy as np
import pytest

from minigrad.data import DataLoader
from minigrad.datasets import (DIRECTION_NAMES, DIRECTIONS, MEAN, STD, MovingDigits,
                               load_mnist)


@pytest.fixture(scope="module")
def test_clips():
    return MovingDigits(train=False)


def tight_crop(image):
    """The smallest rectangle of ``image`` holding all its ink."""
    rows, cols = np.flatnonzero(image.any(1)), np.flatnonzero(image.any(0))
    return image[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]


def centres_of_mass(clips):
    """(n, T, 2): the ink-weighted mean (row, column) of every frame of raw clips."""
    ink = clips[:, 0].astype(np.float64)                       # (n, T, H, W)
    total = ink.sum(axis=(2, 3))
    rows = (ink.sum(axis=3) * np.arange(ink.shape[2])).sum(axis=2) / total
    cols = (ink.sum(axis=2) * np.arange(ink.shape[3])).sum(axis=2) / total
    return np.stack([rows, cols], axis=-1)


def test_sizes_labels_and_batches(test_clips):
    train = MovingDigits(train=True)
    assert len(train) == 60000 and len(test_clips) == 10000
    clip, (digit, direction) = test_clips[3]
    assert clip.shape == (1, 8, 32, 32) and clip.dtype == np.float32
    assert isinstance(digit, int) and isinstance(direction, int) and 0 <= direction < 8
    clips, (digits, directions) = test_clips[np.array([3, 4, 5])]
    assert clips.shape == (3, 1, 8, 32, 32)
    assert digits.numpy().tolist() == test_clips.targets[3:6].tolist()
    assert directions.numpy().tolist() == test_clips.directions[3:6].tolist()
    np.testing.assert_array_equal(clips.numpy()[0], clip.numpy())
    batch, (d, r) = next(iter(DataLoader(test_clips, batch_size=16)))
    assert batch.shape == (16, 1, 8, 32, 32) and d.shape == (16,) and r.shape == (16,)
    assert "Split: Test" in repr(test_clips) and "8 frames of 32x32" in repr(test_clips)
    # pixels normalised as MNIST's: the background is -MEAN/STD, ink up to (1 - MEAN)/STD
    assert clip.numpy().min() == pytest.approx(-MEAN / STD)
    assert clip.numpy().max() <= (1 - MEAN) / STD + 1e-5


def test_training_clips_come_from_the_training_digits_and_test_clips_from_the_test_digits(test_clips):
    for train, clips in ((True, MovingDigits(train=True, num_clips=500)), (False, test_clips)):
        raw, labels = load_mnist(train=train, normalize=False)
        np.testing.assert_array_equal(clips.targets, labels[clips.source])
        index = np.arange(0, len(clips), 97)
        frames = clips.render(index, normalize=False)[:, 0, 0]
        for i, frame in zip(index, frames):
            np.testing.assert_array_equal(tight_crop(frame), tight_crop(raw[clips.source[i], 0]))


def test_every_frame_holds_the_labelled_digit_moving_in_the_labelled_direction(test_clips):
    raw, labels = load_mnist(train=False, normalize=False)
    index = np.arange(0, 10000, 5)                                  # 2000 clips
    clips = test_clips.render(index, normalize=False)               # (n, 1, T, H, W) uint8
    source = test_clips.source[index]
    assert (test_clips.targets[index] == labels[source]).all()

    # the whole digit in every frame (nothing cut off at an edge, nothing else drawn) ...
    ink = clips.astype(np.int64).sum(axis=(1, 3, 4))                # (n, T)
    assert (ink == raw[source].astype(np.int64).sum(axis=(1, 2, 3))[:, None]).all()
    # ... and always the same picture: frame t is frame 0 moved, pixel for pixel
    for n in range(0, len(index), 50):
        first = tight_crop(clips[n, 0, 0])
        for t in range(1, 8):
            np.testing.assert_array_equal(tight_crop(clips[n, 0, t]), first)

    # a straight line at constant speed: the centre of mass moves by the same step each frame
    centres = centres_of_mass(clips)
    steps = np.diff(centres, axis=1)                                # (n, T-1, 2)
    np.testing.assert_allclose(steps, steps[:, :1].repeat(7, axis=1), atol=1e-9)
    step = steps[:, 0]
    assert np.allclose(np.abs(step[step != 0]), 1.0)                # one pixel per frame
    # its direction, as an angle anticlockwise from "right" (rows grow downwards)
    angle = np.degrees(np.arctan2(-step[:, 0], step[:, 1]))
    direction = np.round(angle / 45).astype(int) % 8
    np.testing.assert_array_equal(direction, test_clips.directions[index])
    assert DIRECTION_NAMES[0] == "right" and DIRECTION_NAMES[2] == "up"
    assert DIRECTIONS[2].tolist() == [-1, 0]                        # up: rows decrease


def test_the_digit_stays_inside_and_starts_anywhere_it_can(test_clips):
    pos = test_clips.positions()                                    # (n, T, 2) top-left corners
    assert pos.min() == 0 and pos.max() == 32 - 20                  # the 20x20 box fits
    velocity = DIRECTIONS[test_clips.directions]                    # (n, 2) rows, columns
    # along an axis it moves on, it starts anywhere from which 7 steps stay inside; else anywhere
    for sign, starts in ((1, range(0, 6)), (-1, range(7, 13)), (0, range(0, 13))):
        assert set(np.unique(test_clips.starts[velocity == sign])) == set(starts)
    counts = np.bincount(test_clips.directions, minlength=8)
    assert counts.min() > 0.8 * 10000 / 8 and counts.max() < 1.2 * 10000 / 8


def test_deterministic_from_the_seed(test_clips):
    again = MovingDigits(train=False)
    np.testing.assert_array_equal(again.directions, test_clips.directions)
    np.testing.assert_array_equal(again.starts, test_clips.starts)
    np.testing.assert_array_equal(again.render(slice(0, 50)), test_clips.render(slice(0, 50)))
    other = MovingDigits(train=False, seed=1)
    assert (other.directions != test_clips.directions).mean() > 0.8
    more = MovingDigits(train=False, num_clips=25000)                # more clips than digits
    assert len(more) == 25000 and (more.source[10000:20000] == np.arange(10000)).all()


def test_other_lengths_sizes_and_speeds():
    clips = MovingDigits(train=False, frames=5, size=40, speed=3, num_clips=300)
    raw = clips.render(normalize=False)
    assert raw.shape == (300, 1, 5, 40, 40)
    step = np.diff(centres_of_mass(raw), axis=1)
    expected = 3.0 * DIRECTIONS[clips.directions][:, None]          # (n, 1, 2)
    np.testing.assert_allclose(step, np.broadcast_to(expected, step.shape), atol=1e-9)
    with pytest.raises(ValueError, match="travels 14 pixels, more than the 12"):
        MovingDigits(train=False, speed=2)
    with pytest.raises(ValueError, match="frames must be an int >= 1"):
        MovingDigits(train=False, frames=0)


def test_every_training_clip_renders():
    # (timings belong in benchmarks: rendering all 60,000 takes about 1.5 s on two cores)
    train = MovingDigits(train=True, seed=7)
    for block in range(0, 60000, 15000):       # every training clip, rendered once
        clips = train.render(slice(block, block + 15000), normalize=False)
        assert clips.shape[0] == 15000 and np.isfinite(clips).all()
