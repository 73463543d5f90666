"""What the training examples share: their flags, the epoch loop with its progress bar,
evaluation, checkpoints and resume, and the metrics JSON.

    parser = training.make_parser(__doc__)            # the common flags; add your own
    args = training.parse_args(parser, argv)
    began = training.start(args)                       # the seed and the clock
    metrics = training.fit(args, model, train_set, test_set, input_shape, task, began=began)

``examples/train_mnist.py`` (one head: the digit) and ``examples/train_conv3d.py`` (two
heads: the digit and the direction of motion) are this loop with their own data and model.
What differs between them is the task: how the loss is computed from the model's output and
the targets, and which accuracies are counted -- ``Classification`` (one head) or
``MultiHead`` (a tuple of heads, a tuple of targets). Everything is minigrad: no PyTorch is
needed.
"""
import argparse
import json
import math
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import optim
from minigrad.data import DataLoader
from minigrad.serialization import atomic_open


# ---- what a model is trained to do -----------------------------------------------------------
class Classification:
    """One head, one label: cross-entropy on the logits, and the accuracy. With
    ``label_smoothing`` (as in ``F.cross_entropy``) the training loss is the smoothed one,
    the one minimised; the test loss stays the plain cross-entropy, comparable between runs."""

    metrics = {"accuracy": "acc"}      # name in the metrics JSON -> short label in the output
    unit = "samples"                    # what one item of the dataset is, for the speed

    def __init__(self, label_smoothing=0.0):
        self.label_smoothing = label_smoothing

    def loss(self, output, target, reduction="mean"):
        return F.cross_entropy(output, target, reduction=reduction,
                               label_smoothing=self.label_smoothing)

    def test_loss(self, output, target, reduction="mean"):
        return F.cross_entropy(output, target, reduction=reduction)

    def correct(self, output, target):
        """Number of correct predictions per metric, for a batch."""
        return {"accuracy": int((output.numpy().argmax(1) == target.numpy()).sum())}


class MultiHead:
    """Several heads, each with its own label: the model returns a tuple of logits and the
    dataset a tuple of targets, in the same order (``names``). The loss is the sum of the
    heads' cross-entropies; each head's accuracy is counted as ``<name>_accuracy``."""

    def __init__(self, *names, unit="samples"):
        self.names, self.unit = names, unit
        self.metrics = {f"{name}_accuracy": name for name in names}

    def loss(self, output, target, reduction="mean"):
        losses = [F.cross_entropy(o, t, reduction=reduction) for o, t in zip(output, target)]
        return sum(losses[1:], losses[0])

    def correct(self, output, target):
        return {f"{name}_accuracy": int((o.numpy().argmax(1) == t.numpy()).sum())
                for name, o, t in zip(self.names, output, target)}


CLASSIFICATION = Classification()


def batch_size_of(target):
    return len(target[0]) if isinstance(target, (tuple, list)) else len(target)


# ---- the loop --------------------------------------------------------------------------------
def make_optimizer(name, params, lr):
    if name == "sgd":
        return optim.SGD(params, lr=lr, momentum=0.9, nesterov=True, weight_decay=5e-4)
    if name == "adam":
        return optim.Adam(params, lr=lr)
    if name == "adamw":
        return optim.AdamW(params, lr=lr, weight_decay=1e-2)
    raise ValueError(f"unknown optimizer {name!r}")


DEFAULT_LR = {"sgd": 0.1, "adam": 3e-3, "adamw": 3e-3}


def evaluate(model, dataset, batch_size=1000, task=CLASSIFICATION):
    """Mean loss and the task's accuracies over a whole split, in eval mode, without a graph.
    With the default (one-head) task: ``(loss, accuracy)``; otherwise ``(loss, {metric:
    accuracy})``."""
    model.eval()
    total_loss, correct = 0.0, dict.fromkeys(task.metrics, 0)
    test_loss = getattr(task, "test_loss", task.loss)     # a task may test with another loss
    with mg.no_grad():
        for inputs, target in DataLoader(dataset, batch_size=batch_size):
            output = model(inputs)
            total_loss += test_loss(output, target, reduction="sum").item()
            for name, count in task.correct(output, target).items():
                correct[name] += count
    accuracies = {name: count / len(dataset) for name, count in correct.items()}
    return total_loss / len(dataset), _unwrap(accuracies, task)


class NonFiniteLoss(ArithmeticError):
    """Training diverged: a loss (or, at the end of an epoch, a weight) is NaN or infinite."""


def train_one_epoch(model, loader, optimizer, scheduler, epoch, epochs, task=CLASSIFICATION):
    """One pass over ``loader`` with a tqdm progress bar showing the running loss, the
    accuracies and the learning rate. Returns the epoch's mean loss and accuracy (a dict of
    accuracies for a task with several). Raises ``NonFiniteLoss`` at the first batch whose
    loss is NaN or infinite, before that batch's step."""
    model.train()
    loss_sum, seen = 0.0, 0
    correct = dict.fromkeys(task.metrics, 0)
    bar = tqdm(loader, desc=f"epoch {epoch + 1}/{epochs}", unit="batch", leave=True,
               dynamic_ncols=True, mininterval=0.5)
    for batch, (inputs, target) in enumerate(bar):
        output = model(inputs)
        loss = task.loss(output, target)
        value = loss.item()
        if not math.isfinite(value):
            bar.close()
            raise NonFiniteLoss(f"epoch {epoch + 1}, batch {batch + 1}: the training loss is "
                                f"{value} (a NaN or infinite input, or a learning rate "
                                f"too large: lr was {scheduler.get_last_lr()[0]:.4g})")
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
        n = batch_size_of(target)
        loss_sum += value * n
        for name, count in task.correct(output, target).items():
            correct[name] += count
        seen += n
        bar.set_postfix(loss=f"{loss_sum / seen:.4f}",
                        **{short: f"{correct[name] / seen:.4f}" for name, short in task.metrics.items()},
                        lr=f"{scheduler.get_last_lr()[0]:.4f}", refresh=False)
    return loss_sum / seen, _unwrap({name: c / seen for name, c in correct.items()}, task)


def _unwrap(accuracies, task):
    """A one-metric task's accuracies as a bare number (train_mnist's historical form)."""
    return accuracies["accuracy"] if list(task.metrics) == ["accuracy"] else accuracies


def _as_dict(accuracies, task):
    return accuracies if isinstance(accuracies, dict) else {next(iter(task.metrics)): accuracies}


def write_json_atomic(path, obj):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_open(path) as f:          # the checkpoints' atomic write, reused
        f.write(json.dumps(obj, indent=2).encode())


# ---- flags -----------------------------------------------------------------------------------
def make_parser(doc, epochs=3, batch_size=64, default_lr=None, items="images", optimizer="sgd"):
    """The flags every training example has; an example adds its own before parsing."""
    default_lr = default_lr or DEFAULT_LR
    lrs = {}
    for name, lr in default_lr.items():
        lrs.setdefault(lr, []).append(name)
    lr_help = ", ".join(f"{_short(lr)} for {'/'.join(names)}" for lr, names in lrs.items())
    p = argparse.ArgumentParser(description=doc.split("\n")[0])
    p.default_lr = default_lr          # what parse_args fills --lr with
    p.add_argument("--epochs", type=int, default=epochs)
    p.add_argument("--batch-size", type=int, default=batch_size)
    p.add_argument("--lr", type=float, default=None,
                   help=f"peak learning rate of the one-cycle schedule (default: {lr_help})")
    p.add_argument("--optimizer", choices=("sgd", "adam", "adamw"), default=optimizer)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--checkpoint", metavar="PATH", help="save model+optimizer state here after each epoch")
    p.add_argument("--resume", action="store_true", help="continue from --checkpoint")
    p.add_argument("--metrics", metavar="PATH", help="write final metrics as JSON here")
    p.add_argument("--train-limit", type=int, default=None,
                   help=f"use only the first N training {items} (for quick tests)")
    p.add_argument("--test-limit", type=int, default=None,
                   help=f"evaluate on the first N test {items} only (for quick tests)")
    return p


def _short(x):
    """0.1 -> '0.1', 0.003 -> '3e-3'."""
    if x >= 0.01:
        return f"{x:g}"
    mantissa, exponent = f"{x:e}".split("e")
    return f"{mantissa.rstrip('0').rstrip('.')}e{int(exponent)}"


def parse_args(parser, argv=None):
    """Parse and check the common flags; ``--lr`` defaults by optimizer."""
    args = parser.parse_args(argv)
    if args.resume and not args.checkpoint:
        parser.error("--resume needs --checkpoint PATH")
    if args.epochs < 1 or args.batch_size < 1:
        parser.error("--epochs and --batch-size must be positive")
    if args.lr is None:
        args.lr = parser.default_lr[args.optimizer]
    return args


class Subset(mg.data.Dataset):
    """The first ``n`` items of a dataset that accepts index arrays."""
    accepts_index_arrays = True

    def __init__(self, dataset, n):
        self.dataset, self.n = dataset, min(n, len(dataset))

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        return self.dataset[index]


def limit(train_set, test_set, args):
    """The datasets cut to ``--train-limit`` / ``--test-limit``."""
    if args.train_limit:
        train_set = Subset(train_set, args.train_limit)
    if args.test_limit:
        test_set = Subset(test_set, args.test_limit)
    return train_set, test_set


def start(args):
    """What every run does first; returns the start time for the wall clock."""
    began = time.perf_counter()
    mg.manual_seed(args.seed)
    return began


# ---- a whole run -----------------------------------------------------------------------------
def fit(args, model, train_set, test_set, input_shape, task=CLASSIFICATION, began=None,
        train_one_epoch=train_one_epoch, eval_batch_size=1000, resume_keys=(), extra_metrics=None,
        summary=None, items="images"):
    """Train ``model`` for ``args.epochs`` epochs of SGD/Adam under a one-cycle schedule,
    evaluating on ``test_set`` after each; save a checkpoint after each epoch
    (``--checkpoint``), continue from one (``--resume``), and return the metrics (written to
    ``--metrics`` as JSON). Prints ``mg.summary`` of the model on ``input_shape`` first
    (or the ``summary`` given).

    ``items`` names what the datasets hold, for messages. ``resume_keys``: further ``args``
    attributes a resumed run must share with the checkpoint (the epochs and batch size always
    must: the schedule depends on them). ``train_one_epoch`` is a parameter so that a script can hand in its own (its tests
    replace it to simulate an interrupted run)."""
    began = time.perf_counter() if began is None else began
    summary = summary if summary is not None else mg.summary(model, input_shape)
    print(summary)
    params = summary.total_params
    unit = task.unit

    steps_per_epoch = len(train_set) // args.batch_size
    if steps_per_epoch == 0:
        raise SystemExit(f"--batch-size {args.batch_size} is larger than the {len(train_set)} "
                         f"training {items}")
    optimizer = make_optimizer(args.optimizer, model.parameters(), args.lr)
    scheduler = optim.lr_scheduler.OneCycleLR(optimizer, max_lr=args.lr, epochs=args.epochs,
                                              steps_per_epoch=steps_per_epoch)
    schedule = {key: getattr(args, key) for key in ("epochs", "batch_size") + tuple(resume_keys)}

    history, first_epoch, train_seconds = [], 0, 0.0
    if args.checkpoint:
        Path(args.checkpoint).parent.mkdir(parents=True, exist_ok=True)
    if args.resume:
        if not Path(args.checkpoint).exists():
            raise SystemExit(f"--resume: no checkpoint at {args.checkpoint}")
        state = mg.load(args.checkpoint)
        saved = {key: state["args"].get(key) for key in schedule}
        if saved != schedule:
            flags = " ".join(f"--{key.replace('_', '-')} {value}" for key, value in saved.items())
            raise SystemExit(f"--resume: the checkpoint was made with {flags}; pass the same "
                             "values (the learning-rate schedule depends on them)")
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        history, first_epoch = list(state["history"]), int(state["epoch"])
        train_seconds = float(state["train_seconds"])
        print(f"resumed from {args.checkpoint} after epoch {first_epoch}")

    def line(accuracies):
        return " ".join(f"{short} {accuracies[name]:.4f}" for name, short in task.metrics.items())

    for epoch in range(first_epoch, args.epochs):
        # the shuffle depends only on (seed, epoch), so a resumed run sees the same batches;
        # so do the epoch's other draws from minigrad's generator (augmentation, dropout)
        mg.manual_seed([args.seed, epoch, 1])
        loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True, drop_last=True,
                            seed=[args.seed, epoch])
        t0 = time.perf_counter()
        try:
            train_loss, train_acc = train_one_epoch(model, loader, optimizer, scheduler, epoch,
                                                    args.epochs, **_task_kwarg(task))
            _check_finite(model, epoch)
        except NonFiniteLoss as error:
            raise SystemExit(f"stopped: {error}. {_last_good(args, epoch)}") from None
        train_seconds += time.perf_counter() - t0
        test_loss, test_acc = evaluate(model, test_set, eval_batch_size, task)
        train_acc, test_acc = _as_dict(train_acc, task), _as_dict(test_acc, task)
        history.append({"epoch": epoch + 1, "train_loss": train_loss,
                        **{f"train_{name}": v for name, v in train_acc.items()},
                        "test_loss": test_loss,
                        **{f"test_{name}": v for name, v in test_acc.items()}})
        percent = " / ".join(f"{v * 100:.2f}%" for v in test_acc.values())
        print(f"epoch {epoch + 1}: train loss {train_loss:.4f} {line(train_acc)} | "
              f"test loss {test_loss:.4f} {line(test_acc)} ({percent})", flush=True)
        if args.checkpoint:
            mg.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                     "scheduler": scheduler.state_dict(), "epoch": epoch + 1, "history": history,
                     "train_seconds": train_seconds, "args": schedule},
                    args.checkpoint)

    last = history[-1]
    trained = steps_per_epoch * args.batch_size * args.epochs
    metrics = {
        **{f"test_{name}": last[f"test_{name}"] for name in task.metrics},
        "test_loss": last["test_loss"], "train_loss": last["train_loss"],
        **{f"train_{name}": last[f"train_{name}"] for name in task.metrics},
        "epochs": args.epochs, "batch_size": args.batch_size, "optimizer": args.optimizer,
        "lr": args.lr, "seed": args.seed, "params": params,
        **(extra_metrics or {}),
        "train_seconds": train_seconds,
        "samples_per_second": trained / train_seconds if train_seconds else None,
        "wall_seconds": time.perf_counter() - began,
        "history": history,
    }
    results = ", ".join(f"{name.replace('_', ' ')} {last[f'test_{name}'] * 100:.2f}%"
                        for name in task.metrics)
    print(f"done: test {results} after {args.epochs} epochs, "
          f"{metrics['wall_seconds']:.0f} s in all, {trained / train_seconds:.0f} {unit}/s while training")
    if args.metrics:
        write_json_atomic(args.metrics, metrics)
    return metrics


def _check_finite(model, epoch):
    """The weights at the end of an epoch, before they are evaluated and saved: the last
    step of an epoch can make them NaN after a finite loss."""
    bad = [name for name, p in model.named_parameters() if not np.isfinite(p.numpy()).all()]
    if bad:
        raise NonFiniteLoss(f"epoch {epoch + 1}: after the last step, {len(bad)} weight "
                            f"tensors hold NaN or infinite values ({', '.join(bad[:3])}...)")


def _last_good(args, epoch):
    """Where the last good state is, for the message of a run that stopped in ``epoch``."""
    if not args.checkpoint:
        return "Nothing was saved (no --checkpoint)."
    if Path(args.checkpoint).exists() and epoch > 0:
        return (f"The checkpoint {args.checkpoint} (after epoch {epoch}) is kept as it was; "
                f"--resume continues from it")
    return "No checkpoint was written: the run stopped in its first epoch."


def _task_kwarg(task):
    """Leave the one-head task implicit, so a replacement ``train_one_epoch`` with the
    original signature still works."""
    return {} if task is CLASSIFICATION else {"task": task}
