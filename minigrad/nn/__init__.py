"""Layers (``Module`` subclasses), ``functional``, ``init`` and ``utils``, with PyTorch's names."""
from .modules import *  # noqa: F403
from .modules import Module, Parameter  # noqa: F401
from . import functional  # noqa: F401
from . import init  # noqa: F401
from . import utils  # noqa: F401
