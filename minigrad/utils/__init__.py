"""PyTorch's ``torch.utils`` paths: ``minigrad.utils.data`` is ``minigrad.data``."""
from . import data  # noqa: F401
