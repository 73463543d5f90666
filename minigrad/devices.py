"""Devices, as far as a CPU-only framework has them.

minigrad computes on the CPU with numpy. So that PyTorch scripts run unchanged, the device
idioms exist with PyTorch's names: ``mg.device("cpu")``, ``mg.cuda.is_available()``
(False), ``mg.backends.mps.is_available()`` (False), ``mg.backends.cudnn`` (its flags are
accepted and change nothing), ``device=`` on factories and ``.to(device)`` on tensors and
modules. The usual ``torch.device("cuda" if torch.cuda.is_available() else "cpu")`` thus
picks the CPU. Asking for any other device is a clear error, never a silent fallback.
"""
import types


class device:
    """``mg.device("cpu")``, ``mg.device("cpu:0")`` or ``mg.device("cuda", 0)``: a device
    name, as ``torch.device``. Only ``"cpu"`` can hold tensors; naming another device is
    allowed (scripts build one before checking it), using it is an error."""

    def __init__(self, type, index=None):
        if isinstance(type, device):
            type, index = type.type, type.index if index is None else index
        if not isinstance(type, str):
            raise TypeError(f"device: expected a string such as 'cpu', got {type!r}")
        if ":" in type:
            type, _, idx = type.partition(":")
            if not idx.isdigit():
                raise RuntimeError(f"device: invalid device string {type + ':' + idx!r}")
            index = int(idx)
        self.type, self.index = type, index

    def __eq__(self, other):
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self):
        index = "" if self.index is None else f", index={self.index}"
        return f"device(type='{self.type}'{index})"


CPU = device("cpu")


def check_device(name, dev):
    """``dev`` (None, a string or a ``device``) must be the CPU; anything else is an error
    naming ``name``."""
    if dev is None:
        return CPU
    d = dev if isinstance(dev, device) else device(dev)
    if d.type != "cpu":
        raise RuntimeError(f"{name}: minigrad runs on the CPU only, but device {str(d)!r} was "
                           "asked for; use 'cpu' (mg.cuda.is_available() is False, so the usual "
                           "`'cuda' if torch.cuda.is_available() else 'cpu'` picks it)")
    return CPU


def to_arguments(name, args, dtype, dev):
    """The dtype of PyTorch's ``to(...)`` forms -- ``to(dtype)``, ``to(device)``,
    ``to(device, dtype)``, ``to(tensor)`` (its dtype) and the keywords -- after checking
    that the device, if any, is the CPU. None when no dtype was given."""
    from .tensor import Tensor          # (tensor.py imports this module)
    for a in args:
        if isinstance(a, Tensor):
            dtype = a.dtype
        elif isinstance(a, (str, device)):
            check_device(name, a)
        else:
            dtype = a
    check_device(name, dev)
    return dtype


def _false():
    return False


cuda = types.SimpleNamespace(
    is_available=_false, is_initialized=_false, device_count=lambda: 0,
    manual_seed=lambda seed: None, manual_seed_all=lambda seed: None,
    synchronize=lambda device=None: None, empty_cache=lambda: None)
cuda.__doc__ = "PyTorch's ``torch.cuda``, for a machine without CUDA: nothing is available."

backends = types.SimpleNamespace(
    mps=types.SimpleNamespace(is_available=_false, is_built=_false),
    cuda=types.SimpleNamespace(is_built=_false),
    cudnn=types.SimpleNamespace(enabled=True, benchmark=False, deterministic=False,
                                is_available=_false))
backends.__doc__ = ("PyTorch's ``torch.backends``: no MPS, no CUDA; cudnn's flags may be set "
                    "and change nothing.")
