"""minigrad's own random generator, used by ``randn``, ``nn.init``, dropout and data shuffling.
``manual_seed(s)`` makes all of them repeatable."""
import numpy as np

_generator = np.random.default_rng(0)


def manual_seed(seed):
    global _generator
    _generator = np.random.default_rng(seed)
    return _generator


def generator():
    """The current ``numpy.random.Generator``."""
    return _generator
