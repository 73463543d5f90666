"""Pictures of a trained MNIST CNN: its first-layer filters, the feature maps every conv
layer makes of one test digit, and the training curves.

    python examples/train_mnist.py --checkpoint mnist.npz   # train, save a checkpoint
    python examples/show_features.py mnist.npz --out pictures
    python examples/show_features.py --out pictures         # no checkpoint: train a short one

The checkpoint is the one ``examples/train_mnist.py --checkpoint`` writes (``mg.save`` of a
dict with the model's ``state_dict`` under "model" and the per-epoch metrics under
"history"); the model is rebuilt with that script's ``build_model``. The feature maps are
captured with forward hooks on the conv layers, as a user would with any model.

Needs matplotlib (``pip install -e ".[plot]"``); without it the script says so and exits.
"""
import argparse
import importlib.util
import os
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))   # run from a clone without install

import minigrad as mg  # noqa: E402
from minigrad import nn  # noqa: E402
from minigrad.datasets import MNIST  # noqa: E402

INSTALL = ("show_features.py draws with matplotlib, which is not installed.\n"
           "Install it with the plot extra, from the repository root:\n"
           "    pip install -e \".[plot]\"\n"
           "(or just: pip install matplotlib)")


def import_pyplot():
    """matplotlib.pyplot with a file-only backend, or None when matplotlib is missing."""
    try:
        import matplotlib
    except ImportError:
        return None
    matplotlib.use("Agg")          # write files; no window, works without a display
    import matplotlib.pyplot as plt
    return plt


def train_mnist_script():
    """examples/train_mnist.py as a module: its ``build_model`` and ``main``."""
    spec = importlib.util.spec_from_file_location("train_mnist", HERE / "train_mnist.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_checkpoint(path, train):
    """(model in eval mode, per-epoch history or None) from a train_mnist.py checkpoint, or
    from a bare ``state_dict`` saved with ``mg.save``."""
    state = mg.load(path)
    if not isinstance(state, dict):
        raise SystemExit(f"{path}: expected a checkpoint dict, got {type(state).__name__}")
    weights = state.get("model", state)
    if not isinstance(weights, dict) or not all(isinstance(v, np.ndarray) for v in weights.values()):
        raise SystemExit(f"{path}: not a checkpoint of examples/train_mnist.py (keys: "
                         f"{', '.join(map(str, state))}); expected a 'model' state_dict")
    model = train.build_model()
    try:
        model.load_state_dict(weights)
    except (RuntimeError, KeyError, ValueError) as e:
        raise SystemExit(f"{path}: its weights do not fit train_mnist.py's model: {e}") from None
    return model.eval(), state.get("history")


def conv_feature_maps(model, image):
    """Run ``model`` on one image, with a forward hook on every conv layer; returns the
    prediction and [(name, layer, maps (C, H, W))] in the order the layers ran."""
    captured, handles = [], []
    for name, module in model.named_modules():
        if isinstance(module, (nn.Conv1d, nn.Conv2d, nn.Conv3d)):
            handles.append(module.register_forward_hook(
                lambda m, args, out, name=name: captured.append((name, m, out.numpy()[0].copy()))))
    try:
        with mg.no_grad():
            logits = model(image.reshape(1, *image.shape))
    finally:
        for h in handles:
            h.remove()
    return int(logits.numpy().argmax()), captured


def grid(plt, images, titles, suptitle, cmap, symmetric=False, columns=8):
    """A figure with one small panel per image."""
    n = len(images)
    cols = min(columns, n)
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(1.4 * cols, 1.5 * rows + 0.6), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, img, title in zip(axes.ravel(), images, titles):
        if symmetric:             # 0 in the middle of the colour map: sign is visible
            lim = float(np.abs(img).max()) or 1.0
            ax.imshow(img, cmap=cmap, vmin=-lim, vmax=lim)
        else:
            ax.imshow(img, cmap=cmap)
        ax.set_title(title, fontsize=7)
    fig.suptitle(suptitle, fontsize=9)
    fig.tight_layout()
    return fig


def draw_filters(plt, layer, name, path):
    w = layer.weight.numpy()                       # (out_channels, in_channels, kH, kW)
    # A first layer sees one input map (greyscale), so each filter is one 2-D kernel; with
    # several input maps show each filter's mean over them.
    kernels = w[:, 0] if w.shape[1] == 1 else w.mean(axis=1)
    note = "" if w.shape[1] == 1 else f" (mean over its {w.shape[1]} input maps)"
    fig = grid(plt, list(kernels), [f"filter {i}" for i in range(len(kernels))],
               f"layer {name}: {len(kernels)} filters of {w.shape[2]}x{w.shape[3]}{note}; "
               "red +, blue -", cmap="RdBu_r", symmetric=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def draw_feature_maps(plt, image, label, prediction, number, name, layer, maps, path):
    images = [image[0]] + list(maps)
    titles = [f"input: {label}"] + [f"map {i}" for i in range(len(maps))]
    fig = grid(plt, images, titles,
               f"conv layer {number} ('{name}', {layer.in_channels}->{layer.out_channels}, "
               f"{'x'.join(map(str, layer.kernel_size))}): {len(maps)} maps of "
               f"{maps.shape[1]}x{maps.shape[2]}, each a sum over all {layer.in_channels} input "
               f"maps; digit {label}, predicted {prediction}", cmap="gray")
    fig.savefig(path, dpi=120)
    plt.close(fig)


def draw_curves(plt, history, path):
    epochs = [h["epoch"] for h in history]
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(9, 3.5))
    for key, style in (("train", "o-"), ("test", "s--")):
        ax_loss.plot(epochs, [h[f"{key}_loss"] for h in history], style, label=key)
        ax_acc.plot(epochs, [100 * h[f"{key}_accuracy"] for h in history], style, label=key)
    ax_loss.set(xlabel="epoch", ylabel="cross-entropy loss", title="loss")
    ax_acc.set(xlabel="epoch", ylabel="accuracy (%)", title="accuracy")
    for ax in (ax_loss, ax_acc):
        ax.set_xticks(epochs)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle("train: mean over the epoch's batches as the model learned; test: the model "
                 "at the end of the epoch", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("checkpoint", nargs="?", help="written by examples/train_mnist.py "
                   "--checkpoint; if omitted, a short run is trained first")
    p.add_argument("--out", default="pictures", help="directory for the PNG files")
    p.add_argument("--digit", type=int, default=0, help="index of the test digit to show")
    p.add_argument("--epochs", type=int, default=2, help="epochs of the short run")
    p.add_argument("--train-limit", type=int, default=10000,
                   help="training images of the short run")
    p.add_argument("--test-limit", type=int, default=2000, help="test images of the short run")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    plt = import_pyplot()
    if plt is None:              # say so before any training time is spent
        print(INSTALL, file=sys.stderr)
        return 1
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    train = train_mnist_script()
    checkpoint = args.checkpoint
    if checkpoint is None:
        checkpoint = str(out / "short_run.npz")
        print(f"no checkpoint given: training a short run ({args.epochs} epochs on "
              f"{args.train_limit} images) into {checkpoint}")
        train.main(["--epochs", str(args.epochs), "--train-limit", str(args.train_limit),
                    "--test-limit", str(args.test_limit), "--checkpoint", checkpoint])
    elif not os.path.exists(checkpoint):
        raise SystemExit(f"no checkpoint at {checkpoint}; make one with "
                         f"'python examples/train_mnist.py --checkpoint {checkpoint}'")
    model, history = load_checkpoint(checkpoint, train)

    test = MNIST(train=False)
    if not 0 <= args.digit < len(test):
        raise SystemExit(f"--digit must be in [0, {len(test) - 1}], got {args.digit}")
    image, label = test[args.digit]
    prediction, captured = conv_feature_maps(model, image)
    if not captured:
        raise SystemExit("the model has no conv layers to show")

    written = []
    first_name, first_layer, _ = captured[0]
    draw_filters(plt, first_layer, first_name, out / "filters.png")
    written.append(out / "filters.png")
    for number, (name, layer, maps) in enumerate(captured, start=1):
        path = out / f"feature_maps_conv{number}.png"
        draw_feature_maps(plt, image.numpy(), label, prediction, number, name, layer, maps, path)
        written.append(path)
    if history:
        draw_curves(plt, history, out / "curves.png")
        written.append(out / "curves.png")
    else:
        print("the checkpoint has no training history: no curves.png")
    print(f"test digit #{args.digit}: label {label}, predicted {prediction}")
    for path in written:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
