"""minigrad: a small, readable deep-learning framework on numpy with PyTorch's API.

Bottom to top: ``tensor`` (Tensor) -> ``autograd`` (Function, the graph walk, no_grad) ->
``ops`` (every differentiable op) -> ``nn`` -> ``optim``, ``data``, ``datasets``.
"""
import numpy as np

from .tensor import Tensor
from .devices import device, cuda, backends
from .autograd import (Function, no_grad, enable_grad, set_grad_enabled, is_grad_enabled,
                       inference_mode, gradcheck, gradgradcheck, GradcheckError)
from . import autograd
from .random import manual_seed, Generator
from .functional import (
    tensor, from_numpy, zeros, ones, empty, full, zeros_like, ones_like, empty_like, full_like,
    randn, rand, randint, randperm, arange, linspace, logspace,
    cat, concat, stack, where, pad, matmul,
    exp, log, sqrt, sin, cos, tan, erf, abs, relu, sigmoid, tanh, clamp,
    topk, sort, argsort, chunk, split, flip, norm, masked_fill,
    eye, rand_like, randn_like, add, sub, mul, div, mm, bmm, allclose, equal, is_tensor,
    is_floating_point, numel, get_default_dtype, Size,
    sum, mean, var, std, max, min, argmax, argmin,
    softmax, log_softmax, reshape, flatten, permute, transpose, squeeze, unsqueeze,
)
from . import nn, optim, data, datasets, viz, utils
from .serialization import save, load
from .summary import summary, Summary

# dtypes under PyTorch's names (numpy's types: mg.float32 is np.float32)
float32 = float = np.float32
float64 = double = np.float64
float16 = half = np.float16
int64 = long = np.int64
int32 = int = np.int32
int16 = short = np.int16
int8 = np.int8
uint8 = np.uint8
bool = bool_ = np.bool_

__version__ = "0.1.0"

# what ``from minigrad import *`` gives, and what the linter counts as re-exported
__all__ = [
    "Tensor", "device", "cuda", "backends", "autograd", "nn", "optim", "data", "datasets", "viz",
    "utils", "Function", "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled",
    "inference_mode", "gradcheck", "gradgradcheck", "GradcheckError", "manual_seed", "Generator",
    "tensor", "from_numpy", "zeros", "ones", "empty", "full", "zeros_like", "ones_like",
    "empty_like", "full_like", "randn", "rand", "randint", "randperm", "arange", "linspace",
    "logspace", "cat", "concat", "stack", "where", "pad", "matmul", "exp", "log", "sqrt", "sin",
    "cos", "tan", "erf", "abs", "relu", "sigmoid", "tanh", "clamp", "topk", "sort", "argsort",
    "chunk", "split", "flip", "norm", "masked_fill", "eye", "rand_like", "randn_like", "add", "sub",
    "mul", "div", "mm", "bmm", "allclose", "equal", "is_tensor", "is_floating_point", "numel",
    "get_default_dtype", "Size", "sum", "mean", "var", "std", "max", "min", "argmax", "argmin",
    "softmax", "log_softmax", "reshape", "flatten", "permute", "transpose", "squeeze", "unsqueeze",
    "save", "load", "summary", "Summary",
    "float32", "float", "float64", "double", "float16", "half", "int64", "long", "int32", "int",
    "int16", "short", "int8", "uint8", "bool", "bool_",
]
