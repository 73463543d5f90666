"""Train a small CNN with 1x1 bottleneck convolutions on the real MNIST digits, offline.

    python examples/train_mnist.py                      # the default run
    python examples/train_mnist.py --epochs 1           # one epoch
    python examples/train_mnist.py --checkpoint runs/mnist.npz --metrics runs/metrics.json
    python examples/train_mnist.py --checkpoint runs/mnist.npz --resume --epochs 4

The network (the reference network of benchmarks/bench_train.py, plus BatchNorm):

    conv3x3(1->16)  BN ReLU maxpool2      28x28 -> 14x14
    conv3x3(16->32) BN ReLU
    conv1x1(32->16) BN ReLU               the 1x1 bottleneck: a learned map across channels
    conv3x3(16->32) BN ReLU maxpool2      14x14 -> 7x7
    flatten, linear(1568->128) ReLU, linear(128->10)

trained with SGD (Nesterov momentum 0.9, weight decay 5e-4) under a one-cycle learning-rate
schedule. Everything is minigrad: no PyTorch is needed.
"""
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # run from a clone without install
sys.path.insert(0, str(HERE))         # training.py, the loop the examples share

from minigrad import nn  # noqa: E402
from minigrad.datasets import MNIST  # noqa: E402
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


def parse_args(argv=None):
    return training.parse_args(training.make_parser(__doc__, epochs=3, batch_size=64), argv)


def main(argv=None):
    args = parse_args(argv)
    start = training.start(args)
    train_set, test_set = training.limit(MNIST(train=True), MNIST(train=False), args)
    model = build_model()
    # train_one_epoch is looked up here, when main runs, so that it can be replaced
    return training.fit(args, model, train_set, test_set, (1, 1, 28, 28), began=start,
                        train_one_epoch=train_one_epoch)


if __name__ == "__main__":
    main()
