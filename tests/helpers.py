"""Helpers shared by several test files (pytest puts this folder on sys.path)."""
import importlib.util
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent     # the repository


def load_example(name):
    """The module ``examples/<name>.py``, imported from its file."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "examples" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def rand(*shape, dtype=np.float64, seed=0, loc=0.0, scale=1.0):
    """Normal samples, the same for the same seed."""
    rng = np.random.default_rng(seed)
    return (loc + scale * rng.standard_normal(shape)).astype(dtype)


def softmax(a, axis):
    """Reference softmax in numpy (shifted so exp never overflows)."""
    e = np.exp(a - a.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)
