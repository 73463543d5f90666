"""Train a small CNN with 1x1 bottleneck convolutions on the real MNIST digits, offline.

    python examples/train_mnist.py                      # the default run
    python examples/train_mnist.py --epochs 1           # one epoch
    python examples/train_mnist.py --checkpoint runs/mnist.npz --metrics runs/metrics.json
    python examples/train_mnist.py --checkpoint runs/mnist.npz --resume --epochs 4
    python examples/train_mnist.py --no-augment         # the training images as they are

The network (the reference network of benchmarks/bench_train.py, plus BatchNorm):

    conv3x3(1->16)  BN ReLU maxpool2      28x28 -> 14x14
    conv3x3(16->32) BN ReLU
    conv1x1(32->16) BN ReLU               the 1x1 bottleneck: a learned map across channels
    conv3x3(16->32) BN ReLU maxpool2      14x14 -> 7x7
    flatten, linear(1568->128) ReLU, linear(128->10)

trained for 5 epochs at batch 128 with SGD (Nesterov momentum 0.9, weight decay 5e-4) under
a one-cycle learning-rate schedule peaking at 0.2, with label smoothing 0.1 (the training
loss; the test loss printed is the plain cross-entropy), on training images augmented by
``augmentation()``: each image of a batch gets its own small random rotation, shift and
zoom (``minigrad.transforms.RandomAffine``, vectorised over the batch), passed to the
dataset as torchvision's ``transform=``. Everything is minigrad: no PyTorch is needed.
"""
import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # run from a clone without install
sys.path.insert(0, str(HERE))         # training.py, the loop the examples share

from minigrad import nn, transforms  # noqa: E402
from minigrad.datasets import MEAN, MNIST, STD  # noqa: E402
import training  # noqa: E402
# the shared pieces, under the names this script has always had
from training import (DEFAULT_LR, Subset, evaluate, make_optimizer, train_one_epoch,  # noqa: E402,F401
                      write_json_atomic)


def build_model():
    def conv_bn_relu(c_in, c_out, k):
        return [nn.Conv2d(c_in, c_out, k, padding=k // 2, bias=False), nn.BatchNorm2d(c_out), nn.ReLU()]

    return nn.Sequential(
        *conv_bn_relu(1, 16, 3), nn.MaxPool2d(2),
        *conv_bn_relu(16, 32, 3),
        *conv_bn_relu(32, 16, 1),              # 1x1 bottleneck
        *conv_bn_relu(16, 32, 3), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(32 * 7 * 7, 128), nn.ReLU(),
        nn.Linear(128, 10),
    )


def augmentation():
    """Per image of a batch: a rotation of up to 10 degrees either way, a shift of up to 2
    pixels (0.08 x 28, rounded) along each axis and a zoom of 0.9-1.1, bilinear; what comes
    from outside the image is the background (normalised 0, i.e. ``-MEAN / STD``)."""
    return transforms.RandomAffine(degrees=10, translate=(0.08, 0.08), scale=(0.9, 1.1),
                                   interpolation="bilinear", fill=-MEAN / STD)


def parse_args(argv=None):
    parser = training.make_parser(__doc__, epochs=5, batch_size=128,
                                  default_lr={**DEFAULT_LR, "sgd": 0.2})
    parser.add_argument("--augment", action=argparse.BooleanOptionalAction, default=True,
                        help="augment the training images (random rotation, shift, zoom; "
                             "default: on)")
    parser.add_argument("--label-smoothing", type=float, default=0.1,
                        help="label smoothing of the training loss (default: 0.1)")
    args = training.parse_args(parser, argv)
    if not 0 <= args.label_smoothing <= 1:
        parser.error(f"--label-smoothing must be between 0 and 1, got {args.label_smoothing}")
    return args


def main(argv=None):
    args = parse_args(argv)
    start = training.start(args)
    train = MNIST(train=True, transform=augmentation() if args.augment else None)
    train_set, test_set = training.limit(train, MNIST(train=False), args)
    model = build_model()
    # train_one_epoch is looked up here, when main runs, so that it can be replaced
    task = training.Classification(label_smoothing=args.label_smoothing)
    return training.fit(args, model, train_set, test_set, (1, 1, 28, 28), task=task,
                        began=start, train_one_epoch=train_one_epoch,
                        extra_metrics={"augment": args.augment,
                                       "label_smoothing": args.label_smoothing})


if __name__ == "__main__":
    main()
