"""``Sequential`` and ``ModuleList``: modules that hold other modules under the names
"0", "1", ..., so a state dict reads ``0.weight``, ``2.bias`` as in PyTorch."""
import operator
from collections import OrderedDict

from .module import Module


def _index(container, idx):
    """Python index ``idx`` (negative allowed) into ``container``, checked."""
    try:
        idx = operator.index(idx)
    except TypeError:
        raise TypeError(f"{type(container).__name__} indices must be integers or slices, "
                        f"not {type(idx).__name__}") from None
    n = len(container)
    if not -n <= idx < n:
        raise IndexError(f"{type(container).__name__} index {idx} is out of range "
                         f"for length {n}")
    return idx % n


class _ModuleSeq(Module):
    """What Sequential and ModuleList share: integer indexing, len, iteration, append."""

    def _renumber(self, modules):
        """Store ``modules`` under the keys "0".."n-1" (after a delete or insert, as PyTorch)."""
        self._modules.clear()
        for i, m in enumerate(modules):
            self.add_module(str(i), m)

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return self.__class__(list(self._modules.values())[idx])
        return list(self._modules.values())[_index(self, idx)]

    def __setitem__(self, idx, module):
        key = list(self._modules)[_index(self, idx)]
        self.add_module(key, module)

    def __delitem__(self, idx):
        modules = list(self._modules.values())
        if isinstance(idx, slice):
            del modules[idx]
        else:
            del modules[_index(self, idx)]
        self._renumber(modules)

    def append(self, module):
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules):
        for m in modules:
            self.append(m)
        return self

    def insert(self, index, module):
        modules = list(self._modules.values())
        modules.insert(index, module)
        self._renumber(modules)

    def __dir__(self):
        return [k for k in super().__dir__() if not k.isdigit()]


class Sequential(_ModuleSeq):
    """Runs its modules in order, each on the previous one's output.

    ``Sequential(a, b, c)`` names them "0", "1", "2"; ``Sequential(OrderedDict(conv=..., ...))``
    keeps the given names. Indexing an int gives a module, a slice a new Sequential.

    Shape: input as the first module takes it, output as the last one gives it.
    """

    def __init__(self, *args):
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for name, module in args[0].items():
                self.add_module(name, module)
        else:
            for i, module in enumerate(args):
                self.add_module(str(i), module)

    def __getitem__(self, idx):
        if isinstance(idx, slice):     # keep the original names, as PyTorch does
            return Sequential(OrderedDict(list(self._modules.items())[idx]))
        return super().__getitem__(idx)

    def forward(self, input):
        for module in self:
            input = module(input)
        return input


class ModuleList(_ModuleSeq):
    """A list of modules whose parameters the parent module sees. It has no ``forward``:
    the parent decides how to call them."""

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __iadd__(self, modules):
        return self.extend(modules)

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ModuleList has no forward(); iterate over it and call "
                                  "its modules")
