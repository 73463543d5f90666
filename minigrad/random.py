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


class Generator:
    """A generator object of its own, as ``torch.Generator``: for a repeatable
    ``random_split`` or ``DataLoader`` shuffle that leaves the global generator alone::

        train, val = random_split(ds, [0.9, 0.1], generator=Generator().manual_seed(42))

    The draws come from ``numpy_generator``, a ``numpy.random.Generator``. Only the CPU
    device exists."""

    default_seed = 67280421310721     # PyTorch's default seed for a new Generator

    def __init__(self, device="cpu"):
        from .devices import check_device
        self.device = check_device("Generator", device)
        self.manual_seed(self.default_seed)

    def manual_seed(self, seed):
        """Restart from ``seed``; returns the generator (``Generator().manual_seed(0)``)."""
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            raise TypeError(f"Generator.manual_seed: seed must be an int, got {seed!r}")
        self._seed = int(seed)
        self.numpy_generator = np.random.default_rng(self._seed)
        return self

    def initial_seed(self):
        return self._seed

    def seed(self):
        """Reseed from fresh entropy; returns the new seed."""
        seed = int(np.random.SeedSequence().entropy % (1 << 63))
        self.manual_seed(seed)
        return seed

    def get_state(self):
        """The state (numpy's bit-generator state dict; PyTorch gives a ByteTensor)."""
        return self.numpy_generator.bit_generator.state

    def set_state(self, state):
        self.numpy_generator.bit_generator.state = state
        return self


def numpy_generator(name, generator):
    """The ``numpy.random.Generator`` to draw from for ``generator``: minigrad's global one
    for None (looked up now, so ``manual_seed`` applies), else a ``Generator``'s own or a
    numpy Generator itself."""
    if generator is None:
        return _generator
    if isinstance(generator, Generator):
        return generator.numpy_generator
    if isinstance(generator, np.random.Generator):
        return generator
    raise TypeError(f"{name}: generator must be a minigrad.random.Generator, a "
                    f"numpy.random.Generator or None, got {type(generator).__name__}")
