"""One picture of the 3-D CNN of train_conv3d.py: a test clip, and what each filter of the
first Conv3d layer responds to over time.

    python examples/train_conv3d.py --checkpoint runs/conv3d.npz     # train, save a checkpoint
    python examples/show_conv3d.py runs/conv3d.npz --out pictures/conv3d.png
    python examples/show_conv3d.py --out pictures/conv3d.png         # no checkpoint: a short run first

The top row is the clip, frame by frame. Below it, one row per filter of the first layer
(a 3-frame x 5x5 kernel: it sees the previous, the current and the next frame at once):

* its three time slices, red for positive and blue for negative weights -- a filter whose
  slices differ (one sign before, the other after) responds to change, i.e. to motion;
* its response to the clip in every frame (after BatchNorm and ReLU; 16x16 because the
  layer has stride 2 in space; the first and last frames also see the zero padding in time);
* its mean response to test clips moving in each of the 8 directions, relative to its
  mean over all of them: the direction it prefers.

Filters are sorted by how strongly they prefer one direction. Needs matplotlib
(``pip install -e ".[plot]"``); without it the script says so and exits.
"""
import argparse
import os
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # run from a clone without install
sys.path.insert(0, str(HERE))

import minigrad as mg  # noqa: E402
from minigrad import nn  # noqa: E402
from minigrad.datasets import DIRECTION_NAMES, MovingDigits  # noqa: E402
import train_conv3d  # noqa: E402
from show_features import INSTALL, import_pyplot  # noqa: E402

ARROWS = "\u2192\u2197\u2191\u2196\u2190\u2199\u2193\u2198"   # the 8 directions, in label order
INSTALL = INSTALL.replace("show_features.py", "show_conv3d.py")


def load_model(path):
    """The model of a train_conv3d.py checkpoint (or a bare state_dict), in eval mode."""
    state = mg.load(path)
    weights = state.get("model", state) if isinstance(state, dict) else None
    if not isinstance(weights, dict) or not all(isinstance(v, np.ndarray) for v in weights.values()):
        raise SystemExit(f"{path}: not a checkpoint of examples/train_conv3d.py "
                         "(expected a 'model' state_dict)")
    model = train_conv3d.build_model()
    try:
        model.load_state_dict(weights)
    except (RuntimeError, KeyError, ValueError) as e:
        raise SystemExit(f"{path}: its weights do not fit train_conv3d.py's model: {e}") from None
    return model.eval()


def first_layer(model):
    """The first Conv3d and the layers up to its ReLU (conv, BatchNorm, ReLU)."""
    layers = list(model.features)
    start = next(i for i, m in enumerate(layers) if isinstance(m, nn.Conv3d))
    stop = next(i for i in range(start, len(layers)) if isinstance(layers[i], nn.ReLU)) + 1
    return layers[start], layers[start:stop]


def responses(model, clips):
    """The first layer's output (after BatchNorm and ReLU) for ``clips`` (n, 1, T, H, W):
    (n, filters, T, H', W'). Only those layers run (``model`` is in eval mode)."""
    _, block = first_layer(model)
    out = []
    with mg.no_grad():
        for i in range(0, len(clips), 500):
            h = mg.tensor(clips[i:i + 500])
            for layer in block:
                h = layer(h)
            out.append(h.numpy())
    return np.concatenate(out)


def direction_tuning(model, dataset, n=1000):
    """(filters, 8): each filter's mean response to ``n`` test clips moving in each
    direction, divided by its mean over all directions. Only the frames that see a real
    frame on either side count (the first and the last also see the zero padding in time)."""
    index = np.arange(min(n, len(dataset)))
    maps = responses(model, dataset.render(index))                         # (n, filters, T, ...)
    inner = maps[:, :, 1:-1] if maps.shape[2] > 2 else maps
    mean = inner.mean(axis=(2, 3, 4))                                      # (n, filters)
    directions = dataset.directions[index]
    per_direction = np.stack([mean[directions == d].mean(axis=0) for d in range(8)], axis=1)
    return per_direction / np.maximum(per_direction.mean(axis=1, keepdims=True), 1e-12)


def draw(plt, model, dataset, index, path, tuning_clips=1000):
    clip, (digit, direction) = dataset[index]
    with mg.no_grad():
        digit_logits, direction_logits = model(clip.reshape(1, *clip.shape))
    guess_digit = int(digit_logits.numpy().argmax())
    guess_direction = int(direction_logits.numpy().argmax())
    conv, _ = first_layer(model)
    weights = conv.weight.numpy()[:, 0]                                  # (filters, kT, kH, kW)
    maps = responses(model, clip.numpy()[None])[0]                       # (filters, T, H', W')
    tuning = direction_tuning(model, dataset, tuning_clips)
    order = np.argsort(-(tuning.max(axis=1) - tuning.min(axis=1)))      # most selective first

    frames, k_t = clip.shape[1], weights.shape[1]
    cols = k_t + 1 + frames + 1                                          # slices, gap, maps, tuning
    rows = 1 + len(order)
    height = 0.72 * rows + 0.9
    fig = plt.figure(figsize=(0.72 * cols + 1.2, height))
    grid = fig.add_gridspec(rows, cols, width_ratios=[1] * k_t + [0.25] + [1] * frames + [2.2],
                            hspace=0.35, wspace=0.08, top=1 - 0.75 / height, bottom=0.35 / height)
    for t in range(frames):                                              # the clip
        ax = fig.add_subplot(grid[0, k_t + 1 + t])
        ax.imshow(clip.numpy()[0, t], cmap="gray")
        ax.set_title(f"frame {t}", fontsize=7)
        ax.axis("off")
    ax = fig.add_subplot(grid[0, :k_t])
    ax.axis("off")
    ax.text(0, 0.5, f"test clip #{index}\ndigit {digit}, {DIRECTION_NAMES[direction]} "
            f"{ARROWS[direction]}\npredicted: {guess_digit}, {DIRECTION_NAMES[guess_direction]}",
            fontsize=7, va="center")
    for row, f in enumerate(order, start=1):
        lim = float(np.abs(weights[f]).max()) or 1.0
        for s in range(k_t):                                             # the kernel's time slices
            ax = fig.add_subplot(grid[row, s])
            ax.imshow(weights[f, s], cmap="RdBu_r", vmin=-lim, vmax=lim)
            ax.set_xticks([])
            ax.set_yticks([])
            if row == 1:
                ax.set_title(f"t{s - k_t // 2:+d}" if s != k_t // 2 else "t", fontsize=7)
            if s == 0:
                ax.set_ylabel(f"filter {f}", fontsize=7)
        inner = maps[f, 1:-1] if frames > 2 else maps[f]   # the first and last see padding
        top = float(inner.max()) or 1.0
        for t in range(frames):                                          # its response, frame by frame
            ax = fig.add_subplot(grid[row, k_t + 1 + t])
            ax.imshow(maps[f, t], cmap="magma", vmin=0, vmax=top)
            ax.axis("off")
        ax = fig.add_subplot(grid[row, -1])                              # which way it likes
        ax.bar(range(8), tuning[f], color=["C3" if d == tuning[f].argmax() else "C0" for d in range(8)])
        ax.axhline(1.0, color="grey", lw=0.5)
        ax.set_xticks(range(8))
        ax.set_xticklabels(list(ARROWS) if row == rows - 1 else [], fontsize=7)
        ax.yaxis.tick_right()
        ax.tick_params(axis="y", labelsize=5, length=2)
        ax.set_ylim(0, max(2.0, float(tuning[f].max()) * 1.05))
        if row == 1:
            ax.set_title("response by direction\n(relative to its mean)", fontsize=7)
    fig.suptitle(f"first Conv3d layer: {len(order)} filters of {k_t}x{weights.shape[2]}x"
                 f"{weights.shape[3]} (time x height x width), their slices over time (red +, "
                 f"blue -), what they make of the clip\n(frames 0 and {frames - 1} also see "
                 f"the zero padding in time), and the motion they prefer", fontsize=8,
                 y=1 - 0.1 / height)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("checkpoint", nargs="?", help="written by examples/train_conv3d.py "
                   "--checkpoint; if omitted, a short run is trained first")
    p.add_argument("--out", default="pictures/conv3d.png", help="the PNG file to write")
    p.add_argument("--clip", type=int, default=0, help="index of the test clip to show")
    p.add_argument("--tuning-clips", type=int, default=1000,
                   help="test clips that measure each filter's response by direction")
    p.add_argument("--train-limit", type=int, default=10000, help="training clips of the short run")
    p.add_argument("--test-limit", type=int, default=2000, help="test clips of the short run")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    plt = import_pyplot()
    if plt is None:              # say so before any training time is spent
        print(INSTALL, file=sys.stderr)
        return 1
    checkpoint = args.checkpoint
    if checkpoint is None:
        checkpoint = str(Path(args.out).with_suffix(".npz"))
        print(f"no checkpoint given: training a short run ({args.train_limit} clips) into "
              f"{checkpoint}")
        train_conv3d.main(["--train-limit", str(args.train_limit), "--test-limit",
                           str(args.test_limit), "--checkpoint", checkpoint])
    elif not os.path.exists(checkpoint):
        raise SystemExit(f"no checkpoint at {checkpoint}; make one with "
                         f"'python examples/train_conv3d.py --checkpoint {checkpoint}'")
    model = load_model(checkpoint)
    test = MovingDigits(train=False)
    if not 0 <= args.clip < len(test):
        raise SystemExit(f"--clip must be in [0, {len(test) - 1}], got {args.clip}")
    draw(plt, model, test, args.clip, args.out, args.tuning_clips)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
