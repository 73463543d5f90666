"""The layer classes. Each layer file adds its names here."""
from .module import Module, Parameter  # noqa: F401
from .linear import Identity, Linear  # noqa: F401
from .container import ModuleList, Sequential  # noqa: F401
from .activation import LogSoftmax, ReLU, Sigmoid, Softmax, Tanh  # noqa: F401
from .flatten import Flatten  # noqa: F401
from .dropout import Dropout  # noqa: F401
from .batchnorm import BatchNorm1d, BatchNorm2d  # noqa: F401
from .loss import CrossEntropyLoss, MSELoss, NLLLoss  # noqa: F401
