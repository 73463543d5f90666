"""The primitive differentiable ops, one ``Function`` subclass each, grouped by kind."""
from . import elementwise, reduce, movement, matmul  # noqa: F401
