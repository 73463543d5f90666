"""minigrad: a small, readable deep-learning framework on numpy with PyTorch's API.

Bottom to top: ``tensor`` (Tensor) -> ``autograd`` (Function, the graph walk, no_grad) ->
``ops`` (every differentiable op) -> ``nn`` -> ``optim``, ``data``, ``datasets``.
"""
import numpy as np

from .tensor import Tensor
from .autograd import (Function, no_grad, enable_grad, set_grad_enabled, is_grad_enabled,
                       gradcheck, gradgradcheck, GradcheckError)
from . import autograd
from .random import manual_seed
from .functional import (
    tensor, zeros, ones, full, zeros_like, ones_like, randn, rand, randint, arange,
    cat, concat, stack, where, pad, matmul,
    exp, log, sqrt, sin, cos, abs, relu, sigmoid, tanh, clamp,
    sum, mean, var, std, max, min, argmax, argmin,
    softmax, log_softmax, reshape, flatten, permute, transpose, squeeze, unsqueeze,
)
from . import nn, optim, data, datasets, viz
from .serialization import save, load
from .summary import summary, Summary

float32 = np.float32
float64 = np.float64
int64 = np.int64
long = np.int64
bool_ = np.bool_

__version__ = "0.1.0"
