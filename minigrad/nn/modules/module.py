"""``Module`` and ``Parameter``: the base of every layer.

A Module registers what is assigned to it: a ``Parameter`` goes into ``_parameters``, a
sub-Module into ``_modules``, and ``register_buffer`` puts non-trainable state (BatchNorm's
running statistics) into ``_buffers``. Everything else -- ``parameters()``,
``state_dict()``, ``train()``, the ``repr`` -- walks those three dicts, as in PyTorch.
"""
from collections import OrderedDict, namedtuple
from collections.abc import Mapping

import numpy as np

from ... import autograd
from ... import devices as _device
from ...tensor import Tensor
from .hooks import _BackwardHookCall, _HookHandle


class Parameter(Tensor):
    """A Tensor that a Module registers as trainable; ``requires_grad`` defaults to True."""

    __slots__ = ()

    def __init__(self, data, requires_grad=True):
        super().__init__(data, requires_grad=requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()


def _layer_dtype(name, dtype):
    """A layer's ``dtype=``: float32 by default; a floating point dtype, as parameters
    require grad."""
    try:
        dtype = np.dtype(np.float32 if dtype is None else dtype)
    except TypeError:
        raise TypeError(f"{name}: dtype must be a floating point dtype, got {dtype!r}") from None
    if dtype.kind != "f":
        raise TypeError(f"{name}: dtype must be a floating point dtype (parameters require "
                        f"grad), got {dtype}")
    return dtype


IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


def _state_value(value):
    """A state-dict entry as a numeric numpy array (Tensors, arrays, nested lists of
    numbers), or None when it holds no numbers (None, strings, objects)."""
    if isinstance(value, Tensor):
        return value._array
    if value is None or isinstance(value, (str, bytes)):
        return None
    try:
        value = np.asarray(value)
    except (ValueError, TypeError):        # ragged nested lists
        return None
    return value if value.dtype.kind in "biufc" else None


def _describe(value):
    if isinstance(value, np.ndarray):
        return f"an array of dtype {value.dtype}"
    return type(value).__name__


class Module:
    """Base class of all layers. Subclasses set attributes in ``__init__`` (after calling
    ``super().__init__()``) and define ``forward``; call the module, not ``forward``."""

    def __init__(self):
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_forward_hooks", OrderedDict())
        object.__setattr__(self, "_backward_hooks", OrderedDict())
        object.__setattr__(self, "training", True)

    # ---- registration -----------------------------------------------------------------------
    def __setattr__(self, name, value):
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"cannot assign {name!r} before Module.__init__() is called; "
                                 f"call super().__init__() first in {type(self).__name__}.__init__")
        if name in self._buffers and (value is None or isinstance(value, Tensor)) \
                and not isinstance(value, Parameter):
            self._buffers[name] = value          # e.g. BatchNorm replacing running_mean
            return
        if name in self._parameters and not (value is None or isinstance(value, Parameter)):
            # PyTorch refuses too: a plain Tensor here would silently stop being trained
            raise TypeError(f"cannot assign {type(value).__name__} as parameter {name!r} of "
                            f"{type(self).__name__} (nn.Parameter or None expected)")
        if name in self._modules and not (value is None or isinstance(value, Module)):
            raise TypeError(f"cannot assign {type(value).__name__} as child module {name!r} of "
                            f"{type(self).__name__} (nn.Module or None expected)")
        if value is None and (name in self._parameters or name in self._modules):
            d = self._parameters if name in self._parameters else self._modules
            d[name] = None                       # keeps the slot, as PyTorch does
            return
        for d in (self._parameters, self._buffers, self._modules):
            d.pop(name, None)
        if isinstance(value, (Parameter, Module)):
            self.__dict__.pop(name, None)        # a plain attribute would shadow it
        if isinstance(value, Parameter):
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._modules[name] = value
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name):
        # only called when normal lookup fails
        for key in ("_parameters", "_buffers", "_modules"):
            d = self.__dict__.get(key)
            if d is not None and name in d:
                return d[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute {name!r}")

    def __delattr__(self, name):
        for d in (self._parameters, self._buffers, self._modules):
            if name in d:
                del d[name]
                return
        object.__delattr__(self, name)

    def _check_new_name(self, kind, name, own):
        """A registered name must be a non-empty str without '.' (the state_dict separator),
        and must not hide an ordinary attribute or method."""
        if not isinstance(name, str):
            raise TypeError(f"{kind} name should be a string, got {type(name).__name__}")
        if name == "" or "." in name:
            raise KeyError(f"{kind} name {name!r} of {type(self).__name__} must be non-empty "
                           "and cannot contain '.'")
        if hasattr(self, name) and name not in own:
            raise KeyError(f"attribute {name!r} already exists on {type(self).__name__}")

    def register_parameter(self, name, param):
        self._check_new_name("parameter", name, self._parameters)
        if param is None:
            self._parameters[name] = None
        elif not isinstance(param, Parameter):
            raise TypeError(f"register_parameter: cannot assign {type(param).__name__} as "
                            f"parameter {name!r} (nn.Parameter or None required)")
        else:
            setattr(self, name, param)

    def register_buffer(self, name, tensor, persistent=True):
        """Non-trainable state saved in ``state_dict`` (unless ``persistent=False``)."""
        self._check_new_name("buffer", name, self._buffers)
        if tensor is not None and not isinstance(tensor, Tensor):
            tensor = Tensor(tensor)
        self.__dict__.pop(name, None)
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent.discard(name)
        else:
            self._non_persistent.add(name)

    def add_module(self, name, module):
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: {type(module).__name__} is not a Module")
        self._check_new_name("module", name, self._modules)
        for d in (self._parameters, self._buffers):
            d.pop(name, None)
        self.__dict__.pop(name, None)
        self._modules[name] = module

    register_module = add_module

    # ---- calling --------------------------------------------------------------------------
    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} has no forward()")

    def __call__(self, *args, **kwargs):
        call = None
        if self._backward_hooks and autograd.is_grad_enabled():
            call = _BackwardHookCall(self)
            args = call.wrap_inputs(args)
        out = self.forward(*args, **kwargs)
        for hook in tuple(self._forward_hooks.values()):
            result = hook(self, args, out)
            if result is not None:
                out = result
        if call is not None:
            out = call.wrap_outputs(out)
        return out

    # ---- walking the tree -------------------------------------------------------------------
    def named_modules(self, memo=None, prefix=""):
        memo = set() if memo is None else memo
        if id(self) in memo:
            return
        memo.add(id(self))
        yield prefix, self
        for name, child in self._modules.items():
            if child is not None:
                yield from child.named_modules(memo, f"{prefix}.{name}" if prefix else name)

    def modules(self):
        for _, m in self.named_modules():
            yield m

    def named_children(self):
        seen = set()
        for name, child in self._modules.items():
            if child is not None and id(child) not in seen:
                seen.add(id(child))
                yield name, child

    def children(self):
        for _, child in self.named_children():
            yield child

    def _named_members(self, dict_name, prefix, recurse):
        seen = set()
        modules = self.named_modules(prefix=prefix) if recurse else [(prefix, self)]
        for mod_prefix, mod in modules:
            for name, value in getattr(mod, dict_name).items():
                if value is None or id(value) in seen:
                    continue
                seen.add(id(value))
                yield (f"{mod_prefix}.{name}" if mod_prefix else name), value

    def named_parameters(self, prefix="", recurse=True):
        yield from self._named_members("_parameters", prefix, recurse)

    def parameters(self, recurse=True):
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix="", recurse=True):
        yield from self._named_members("_buffers", prefix, recurse)

    def buffers(self, recurse=True):
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def apply(self, fn):
        """Call ``fn`` on every submodule (children first) and on self, e.g. custom init."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    def get_submodule(self, target):
        """The submodule at the dotted path ``target`` (``"features.0"``; ``""`` is self)."""
        mod = self
        for i, name in enumerate(target.split(".") if target else []):
            if name not in mod._modules or mod._modules[name] is None:
                path = ".".join(target.split(".")[:i]) or type(self).__name__
                raise AttributeError(f"get_submodule: {path} has no submodule {name!r}")
            mod = mod._modules[name]
        return mod

    def get_parameter(self, target):
        """The parameter at the dotted path ``target`` (``"features.0.weight"``)."""
        module_path, _, name = target.rpartition(".")
        mod = self.get_submodule(module_path)
        if mod._parameters.get(name) is None:
            raise AttributeError(f"get_parameter: {module_path or type(self).__name__} has no "
                                 f"parameter {name!r}")
        return mod._parameters[name]

    # ---- modes and gradients --------------------------------------------------------------
    def train(self, mode=True):
        """Set training mode here and (through each child's own ``train``, so subclasses
        may override it) in every submodule. ``eval()`` is ``train(False)``."""
        if not isinstance(mode, bool):
            raise ValueError(f"train(): mode is expected to be a bool, got {mode!r}")
        self.training = mode
        for child in self.children():
            child.train(mode)
        return self

    def eval(self):
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        for p in self.parameters():
            if set_to_none or p.grad is None:
                p.grad = None
            else:
                p.grad._array[...] = 0

    def to(self, *args, dtype=None, device=None, non_blocking=False):
        """PyTorch's ``to(device)``, ``to(dtype)``, ``to(device, dtype)``, ``to(tensor)``:
        casts every floating parameter and buffer to ``dtype`` in place (e.g. float64 for
        gradcheck). The device must be the CPU, minigrad's only one (``minigrad/devices.py``)."""
        dtype = _device.to_arguments(f"{type(self).__name__}.to", args, dtype, device)
        if dtype is None:
            return self
        dtype = _layer_dtype(f"{type(self).__name__}.to", dtype)   # as PyTorch: floating only
        for t in list(self.parameters()) + list(self.buffers()):
            if np.issubdtype(t.dtype, np.floating):
                t._array = t._array.astype(dtype)
                if t.grad is not None:
                    t.grad = Tensor(t.grad._array.astype(dtype))
        return self

    def cpu(self):
        """No-op: minigrad has only the CPU (kept so PyTorch code runs unchanged)."""
        return self

    def cuda(self, device=None):
        """An error: minigrad runs on the CPU only."""
        _device.check_device(f"{type(self).__name__}.cuda", "cuda" if device is None else device)

    def double(self):
        return self.to(np.float64)

    def float(self):
        return self.to(np.float32)

    # ---- state ----------------------------------------------------------------------------
    def state_dict(self, prefix=""):
        """Parameters and persistent buffers by PyTorch's names (``0.weight``,
        ``conv1.bias``). Values are numpy arrays -- copies, unlike PyTorch's shared tensors,
        so a state dict kept in memory does not change as training goes on."""
        return OrderedDict((key, t._array.copy()) for key, t in self._state_tensors(prefix).items())

    def _state_tensors(self, prefix=""):
        """The tensors of ``state_dict`` (parameters, then persistent buffers, per module)."""
        out = OrderedDict()
        for mod_prefix, mod in self.named_modules(prefix=prefix):
            for d, skip in ((mod._parameters, ()), (mod._buffers, mod._non_persistent)):
                for name, t in d.items():
                    if t is not None and name not in skip:
                        out[f"{mod_prefix}.{name}" if mod_prefix else name] = t
        return out

    def load_state_dict(self, state_dict, strict=True):
        """Copy arrays (or Tensors) into this module's parameters and buffers, in place.

        With ``strict=True`` missing or unexpected keys are an error; a shape mismatch is
        always an error. Errors are ``RuntimeError`` naming every offending key, as in
        PyTorch; unlike PyTorch, everything is checked before anything is copied, so a
        failed load leaves the module unchanged. Returns ``(missing_keys, unexpected_keys)``.
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"{type(self).__name__}.load_state_dict: expected state_dict to be "
                            f"dict-like (a mapping of names to arrays), got "
                            f"{type(state_dict).__name__}")
        own = self._state_tensors()
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        errors = []
        if strict and unexpected:
            errors.append("Unexpected key(s) in state_dict: " + ", ".join(map(repr, unexpected)))
        if strict and missing:
            errors.append("Missing key(s) in state_dict: " + ", ".join(map(repr, missing)))
        values = {}
        for key, t in own.items():
            if key not in state_dict:
                continue
            value = _state_value(state_dict[key])
            if value is None:
                errors.append(f"While copying the parameter named {key!r}: expected an array "
                              f"or Tensor of numbers, got {_describe(state_dict[key])}")
                continue
            if value.dtype.kind == "c" and t.dtype.kind != "c":
                errors.append(f"While copying the parameter named {key!r}: complex values "
                              f"(dtype {value.dtype}) into a real {t.dtype} "
                              "parameter would discard the imaginary part")
                continue
            if value.shape != t.shape:
                errors.append(f"size mismatch for {key}: copying a param with shape {value.shape} "
                              f"from the state dict, the shape in the current model is {t.shape}")
            values[key] = value
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                               + "\n\t".join(errors))
        for key, value in values.items():
            np.copyto(own[key]._array, value, casting="unsafe")
        return IncompatibleKeys(missing, unexpected)

    # ---- hooks (PyTorch names) --------------------------------------------------------------
    def register_forward_hook(self, hook):
        """``hook(module, inputs, output)`` runs after every forward; a non-None return
        replaces the output. Returns a handle with ``remove()``."""
        return _HookHandle(self._forward_hooks, hook)

    def register_full_backward_hook(self, hook):
        """``hook(module, grad_input, grad_output)`` runs in backward, once per call of this
        module, when the gradients w.r.t. its inputs are known. ``grad_input`` has one entry
        per positional argument, ``grad_output`` one per output (a Tensor, or None for a
        non-Tensor or an argument that needs no gradient). A non-None return, a tuple like
        ``grad_input``, replaces the gradients passed on to the inputs. When no input
        requires grad, the hook runs with ``grad_input`` all None as soon as ``grad_output``
        is known -- that is, once every output that requires grad has received its
        gradient: if one of several outputs takes no part in the loss, such a hook never
        runs. The gradients are Tensors: under ``create_graph=True`` they are recorded, and
        a replacement the hook computes from them with Tensor ops is recorded too, so the
        gradient stays differentiable (one returned as a numpy array is differentiable only
        once). A gradient that reaches the inputs without passing through an output, as when
        a gradient is differentiated again, does not call the hook (as in PyTorch).
        Returns a handle with ``remove()``. See ``_BackwardHookCall`` for how."""
        return _HookHandle(self._backward_hooks, hook)

    # ---- repr -------------------------------------------------------------------------------
    def extra_repr(self):
        return ""

    def __repr__(self):
        lines = [line for line in self.extra_repr().split("\n") if line]
        for name, child in self._modules.items():
            child_repr = repr(child).replace("\n", "\n  ")
            lines.append(f"({name}): {child_repr}")
        if not lines:
            return f"{type(self).__name__}()"
        if len(lines) == 1 and not self._modules:
            return f"{type(self).__name__}({lines[0]})"
        return f"{type(self).__name__}(\n  " + "\n  ".join(lines) + "\n)"

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self._parameters) | set(self._buffers)
                      | set(self._modules))
