"""The layer classes. Each layer file adds its names here."""
from .module import Module, Parameter  # noqa: F401
