"""``Flatten``: merge a range of dims into one (typically everything but the batch dim)."""
from ...tensor import Tensor
from .module import Module


class Flatten(Module):
    """Flattens dims ``start_dim`` .. ``end_dim`` (inclusive) into one: (N, C, H, W) becomes
    (N, C*H*W) with the defaults. The gradient is the reshape back (``ops.movement.Reshape``).

    Shape: input (*, S_start, ..., S_end, *); output (*, S_start * ... * S_end, *), the
    dims before ``start_dim`` and after ``end_dim`` unchanged."""

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, input):
        if not isinstance(input, Tensor):
            raise TypeError(f"Flatten({self.extra_repr()}): expected a minigrad Tensor, got "
                            f"{type(input).__name__} for argument 'input'")
        ndim = max(input.ndim, 1)
        for name, d in (("start_dim", self.start_dim), ("end_dim", self.end_dim)):
            if not -ndim <= d < ndim:
                raise IndexError(f"Flatten({self.extra_repr()}): {name}={d} is out of range "
                                 f"for input of shape {tuple(input.shape)}")
        if self.start_dim % ndim > self.end_dim % ndim:
            raise ValueError(f"Flatten({self.extra_repr()}): start_dim comes after end_dim "
                             f"for input of shape {tuple(input.shape)}")
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
