"""TEST-ONLY alias: ``import torch`` gives minigrad, for tests/pytorch_scripts/*.py.

tests/test_pytorch_scripts.py runs each script in a subprocess with this folder
(``tests/torch_alias``) first on PYTHONPATH and ``MINIGRAD_TORCH_ALIAS=1`` in the
environment; then ``import torch`` finds this package, which puts minigrad's own module
objects into ``sys.modules`` under PyTorch's names, so that::

    import torch                                   # minigrad itself
    import torch.nn as nn                          # minigrad.nn
    import torch.nn.functional as F                # minigrad.nn.functional
    import torch.optim as optim                    # minigrad.optim
    from torch.optim.lr_scheduler import StepLR    # minigrad.optim.lr_scheduler
    from torch.utils.data import DataLoader        # minigrad.data
    from torch.autograd import Function, Variable  # minigrad.autograd
    import torch.backends.cudnn as cudnn           # minigrad.backends.cudnn

all resolve to minigrad's objects. Nothing here implements anything: a name minigrad lacks
is an AttributeError/ImportError in the script, which is what the tests are for.

Every ``minigrad.X`` module becomes ``torch.X``. Where PyTorch's path differs from
minigrad's (``torch.utils.data`` is ``minigrad.data``) a shim module holds the way there, and
is set as an attribute of minigrad (``minigrad.utils``, in the test subprocess only) when
minigrad has no attribute of that name itself. ``torch.cuda`` and ``torch.backends[.x]`` are
minigrad's namespaces of those names.

The real PyTorch may be installed on the same machine, so this package refuses to load
unless ``MINIGRAD_TORCH_ALIAS=1`` is set: a plain ``import torch`` never lands here.
"""
import os
import pkgutil
import sys
import types

if os.environ.get("MINIGRAD_TORCH_ALIAS") != "1":
    raise ImportError(
        f"{__file__} is minigrad's test-only alias of torch; it is used only by "
        "tests/test_pytorch_scripts.py (which sets MINIGRAD_TORCH_ALIAS=1). Remove "
        f"{os.path.dirname(os.path.dirname(__file__))} from sys.path / PYTHONPATH to import "
        "the real PyTorch.")

import minigrad

# every module of the minigrad package, under torch.*
for _info in pkgutil.walk_packages(minigrad.__path__, "minigrad."):
    __import__(_info.name)
for _name, _module in list(sys.modules.items()):
    if _name == "minigrad" or _name.startswith("minigrad."):
        sys.modules["torch" + _name[len("minigrad"):]] = _module


def _shim(name, doc, **attrs):
    """A module object standing for a PyTorch package path minigrad lays out differently."""
    module = types.ModuleType(name, doc)
    module.__dict__.update(attrs)
    return module


# PyTorch paths that minigrad lays out differently: {torch name: object}
_RENAMED = {
    "torch.utils": _shim("torch.utils", "alias shim: torch.utils.data is minigrad.data",
                         data=minigrad.data),
    "torch.utils.data": minigrad.data,
    "torch.cuda": minigrad.cuda,
    "torch.backends": minigrad.backends,
    "torch.backends.cudnn": minigrad.backends.cudnn,
    "torch.backends.mps": minigrad.backends.mps,
    "torch.backends.cuda": minigrad.backends.cuda,
}
for _name, _obj in _RENAMED.items():
    if sys.modules.get("minigrad" + _name[len("torch"):]) is None:   # minigrad's own wins
        sys.modules[_name] = _obj
if not hasattr(minigrad, "utils"):
    minigrad.utils = _RENAMED["torch.utils"]   # so `torch.utils.data.DataLoader` reads too

sys.modules["torch"] = minigrad     # what `import torch` returns, from here on
