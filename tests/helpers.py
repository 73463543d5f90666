"""Helpers shared by several test files (pytest puts this folder on sys.path)."""
import importlib.util
from pathlib import Path

import numpy as np

import minigrad as mg

ROOT = Path(__file__).resolve().parent.parent     # the repository


def load_example(name):
    """The module ``examples/<name>.py``, imported from its file."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "examples" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def interrupting(train_one_epoch, at_call=2):
    """``train_one_epoch`` that raises KeyboardInterrupt (the user's Ctrl-C) when it is called
    for the ``at_call``-th time, to test resuming from a checkpoint."""
    calls = []

    def interrupted(*args, **kwargs):
        calls.append(1)
        if len(calls) == at_call:
            raise KeyboardInterrupt
        return train_one_epoch(*args, **kwargs)
    return interrupted


def rand(*shape, dtype=np.float64, seed=0, loc=0.0, scale=1.0):
    """Normal samples, the same for the same seed."""
    rng = np.random.default_rng(seed)
    return (loc + scale * rng.standard_normal(shape)).astype(dtype)


def softmax(a, axis):
    """Reference softmax in numpy (shifted so exp never overflows)."""
    e = np.exp(a - a.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


class Cube(mg.Function):
    """x³ as a user Function whose backward uses the saved input Tensor: differentiable to
    any order."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return 3 * x ** 2 * grad


class WrongSquare(mg.Function):
    """x*x with a backward that forgets the factor 2."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return x * grad
