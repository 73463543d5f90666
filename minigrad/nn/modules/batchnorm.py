"""``BatchNorm1d/2d/3d``: per-channel normalisation with running statistics.

In training mode a layer normalises with the current batch's mean and variance and folds
them into ``running_mean``/``running_var`` (buffers, saved in the state dict); in eval mode
it normalises with those running estimates, so a single example is handled the same way
whatever else is in its batch. The arithmetic and the gradient live in ``ops/norm.py``.
"""
import math

import numpy as np

from .. import functional as F
from .. import init
from .module import Module, Parameter, _layer_dtype


class _BatchNorm(Module):
    """What BatchNorm1d/2d/3d share; they differ only in the input dims they accept.

    ``y = (x - mean) / sqrt(var + eps) * weight + bias`` per channel, ``weight`` and ``bias``
    learned (``affine=True``) and of shape (num_features,) = (C,). ``momentum``: the weight
    of the new batch in the running statistics, ``running = (1 - momentum) * running +
    momentum * batch`` (the batch variance unbiased there). ``momentum=None`` makes the
    running statistics a cumulative (equal-weight) average over all batches seen, as in
    PyTorch. With ``track_running_stats=False`` there are no running statistics and batch
    statistics are used in eval mode too. ``device`` is accepted and ignored; ``dtype``
    defaults to float32.
    """

    _expected_dims = ()        # the input ndims a subclass accepts
    _layout = ""               # how it names them in errors

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True, device=None, dtype=None):
        super().__init__()
        name = type(self).__name__
        if not isinstance(num_features, (int, np.integer)) or isinstance(num_features, bool) \
                or num_features <= 0:
            raise ValueError(f"{name}: num_features must be a positive int, got "
                             f"{num_features!r}")
        # checked once here: a NaN would silently turn every output or running statistic
        # into NaN (PyTorch accepts it); eps = 0 is fine in eval mode, as in PyTorch
        if not (F._is_real(eps) and 0 <= eps < math.inf):
            raise ValueError(f"{name}: eps must be a finite number >= 0, got {eps!r}")
        if momentum is not None and not (F._is_real(momentum)
                                         and -math.inf < momentum < math.inf):
            raise ValueError(f"{name}: momentum must be a finite number or None, got "
                             f"{momentum!r}")
        self.num_features = int(num_features)
        self.eps, self.momentum = eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        dtype = _layer_dtype(name, dtype)
        if affine:
            self.weight = Parameter(np.empty(self.num_features, dtype=dtype))
            self.bias = Parameter(np.empty(self.num_features, dtype=dtype))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", np.zeros(self.num_features, dtype=dtype))
            self.register_buffer("running_var", np.ones(self.num_features, dtype=dtype))
            self.register_buffer("num_batches_tracked", np.array(0, dtype=np.int64))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self):
        if self.track_running_stats:
            self.running_mean._array[...] = 0
            self.running_var._array[...] = 1
            self.num_batches_tracked._array[...] = 0

    def reset_parameters(self):
        """Running statistics to mean 0 / variance 1, weight to 1 and bias to 0 (identity)."""
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            init.zeros_(self.bias)

    def _check_input(self, input):
        name = self
        F._check_tensor(name, input)
        if input.ndim not in self._expected_dims:
            raise ValueError(f"{name}: expected {self._layout} input, got input of shape "
                             f"{tuple(input.shape)} ({input.ndim}-D)")
        if input.shape[1] != self.num_features:
            raise ValueError(f"{name}: expected input with {self.num_features} channels at "
                             f"dim 1, got input of shape {tuple(input.shape)} with "
                             f"{input.shape[1]} channels")

    def forward(self, input):
        self._check_input(input)
        update = self.training and self.track_running_stats
        # Weight of the new batch in the running average: momentum, or 1/k for the k-th
        # batch when momentum is None (so the running stats are a plain average).
        factor = 0.0 if self.momentum is None else self.momentum
        if update and self.momentum is None:
            factor = 1.0 / (int(self.num_batches_tracked._array) + 1)
        # Batch statistics in training mode, and in eval mode too if there are no running ones.
        use_batch_stats = self.training or self.running_mean is None
        out = F._batch_norm(self, input,
                            self.running_mean if update or not self.training else None,
                            self.running_var if update or not self.training else None,
                            self.weight, self.bias, use_batch_stats, factor, self.eps)
        if update:
            self.num_batches_tracked._array[...] += 1
        return out

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch norm over (N, C) or (N, C, L) input: statistics per channel C, taken over N
    (and L).

    Shape: (N, C) or (N, C, L), output the same shape."""

    _expected_dims = (2, 3)
    _layout = "2-D (N, C) or 3-D (N, C, L)"


class BatchNorm2d(_BatchNorm):
    """Batch norm over (N, C, H, W) input: statistics per channel C, taken over N, H and W.

    Shape: (N, C, H, W), output the same shape."""

    _expected_dims = (4,)
    _layout = "4-D (N, C, H, W)"


class BatchNorm3d(_BatchNorm):
    """Batch norm over (N, C, D, H, W) input: statistics per channel C, taken over N, D, H
    and W.

    Shape: (N, C, D, H, W), output the same shape."""

    _expected_dims = (5,)
    _layout = "5-D (N, C, D, H, W)"
