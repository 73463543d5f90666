"""Train a small 3-D CNN on clips of moving MNIST digits: which digit, and which way it moves.

    python examples/train_conv3d.py                     # the default run
    python examples/train_conv3d.py --epochs 1 --train-limit 20000
    python examples/train_conv3d.py --checkpoint runs/conv3d.npz --metrics runs/conv3d.json
    python examples/train_conv3d.py --checkpoint runs/conv3d.npz --resume

The clips are ``minigrad.datasets.MovingDigits``: 8 frames of 32x32 in which one MNIST digit
moves one pixel per frame in one of 8 directions (training clips from the training digits,
test clips from the test digits). Each clip has two labels, the digit and the direction;
no single frame tells the direction, so the network has to convolve over time.

The network, shapes as (channels, frames, height, width):

    conv3d 3x3x3 stride (1,2,2) (1->16)  BN ReLU   (16, 8, 16, 16)   space halved, time kept
    maxpool3d 2                                      (16, 4, 8, 8)
    conv3d 3x3x3 (16->32)  BN ReLU                   (32, 4, 8, 8)
    conv3d 1x1x1 (32->16)  BN ReLU                   the bottleneck: a learned map across channels
    conv3d 3x3x3 (16->64)  BN ReLU                   (64, 4, 8, 8)
    maxpool3d (4,1,1)                                (64, 1, 8, 8)     pooling over time
    flatten, linear(4096->128) ReLU, then two heads: linear(128->10) digit, linear(128->8) direction

trained on the sum of the two heads' cross-entropies with Adam (peak learning rate 5e-3)
under a one-cycle learning-rate schedule, for one epoch of the 60,000 training clips -- the
loop, flags, progress bar, checkpoints and metrics of ``train_mnist.py``
(``examples/training.py``). Everything is minigrad: no PyTorch is needed.
"""
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # run from a clone without install
sys.path.insert(0, str(HERE))         # training.py, the loop the examples share

import minigrad as mg  # noqa: E402
from minigrad import nn  # noqa: E402
from minigrad.datasets import MovingDigits  # noqa: E402
import training  # noqa: E402
from training import train_one_epoch  # noqa: E402

FRAMES, SIZE = 8, 32
INPUT_SHAPE = (1, 1, FRAMES, SIZE, SIZE)          # one clip: (N, C, T, H, W)
TASK = training.MultiHead("digit", "direction", unit="clips")
DEFAULT_LR = {"sgd": 0.1, "adam": 5e-3, "adamw": 5e-3}

def conv_bn_relu(c_in, c_out, kernel, stride=1):
    kernel = (kernel,) * 3 if isinstance(kernel, int) else kernel
    padding = tuple(k // 2 for k in kernel)
    return [nn.Conv3d(c_in, c_out, kernel, stride=stride, padding=padding, bias=False),
            nn.BatchNorm3d(c_out), nn.ReLU()]


class MovingDigitsNet(nn.Module):
    """A 3-D CNN with two heads: ``model(clips)`` is ``(digit logits (N, 10), direction
    logits (N, 8))``."""

    def __init__(self, frames=FRAMES):
        super().__init__()
        self.features = nn.Sequential(
            *conv_bn_relu(1, 16, 3, stride=(1, 2, 2)),
            nn.MaxPool3d(2),
            *conv_bn_relu(16, 32, 3),
            *conv_bn_relu(32, 16, 1),            # 1x1x1 bottleneck
            *conv_bn_relu(16, 64, 3),
            nn.MaxPool3d((frames // 2, 1, 1)),   # pooling over time: what happened, not when
            nn.Flatten(),
            nn.Linear(64 * 8 * 8, 128), nn.ReLU(),
        )
        self.digit = nn.Linear(128, 10)
        self.direction = nn.Linear(128, 8)

    def forward(self, clips):
        h = self.features(clips)
        return self.digit(h), self.direction(h)


def build_model():
    return MovingDigitsNet()


def parse_args(argv=None):
    parser = training.make_parser(__doc__, epochs=1, batch_size=64, default_lr=DEFAULT_LR,
                                  items="clips", optimizer="adam")
    parser.add_argument("--clip-seed", type=int, default=0,
                        help="seed of the clips (directions and starts); --seed drives the "
                             "weights and the batches")
    return training.parse_args(parser, argv)


def datasets(args):
    train_set = MovingDigits(train=True, frames=FRAMES, size=SIZE, seed=args.clip_seed)
    test_set = MovingDigits(train=False, frames=FRAMES, size=SIZE, seed=args.clip_seed)
    return training.limit(train_set, test_set, args)


def main(argv=None):
    args = parse_args(argv)
    start = training.start(args)
    train_set, test_set = datasets(args)
    model = build_model()
    summary = mg.summary(model, INPUT_SHAPE)
    return training.fit(args, model, train_set, test_set, INPUT_SHAPE, task=TASK, began=start,
                        train_one_epoch=train_one_epoch, eval_batch_size=500,
                        resume_keys=("clip_seed",), summary=summary, items="clips",
                        extra_metrics={"macs_per_clip": summary.total_macs})


if __name__ == "__main__":
    main()
