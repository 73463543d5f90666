"""``minigrad.data`` under PyTorch's path, so ``from torch.utils.data import DataLoader``
reads the same here: this module *is* ``minigrad.data``."""
import sys

from .. import data as _data

sys.modules[__name__] = _data
