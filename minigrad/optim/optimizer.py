"""``Optimizer``: the bookkeeping every optimizer shares (as ``torch.optim.Optimizer``).

An optimizer holds *param groups*: dicts with a ``"params"`` list and that group's
hyper-parameters (``lr``, ``momentum``, ...), so different layers can train with different
settings. Per-parameter state (momentum buffers, Adam's moment estimates) lives in
``self.state[param]``. Subclasses only write ``step()``.

Updates change ``p._array`` in place, as PyTorch's ``p.add_(...)`` does: anything holding the
parameter (a model, another optimizer) sees the new values, and no graph is recorded.
"""
import copy
import math
from collections.abc import Mapping

import numpy as np

from ..autograd import enable_grad
from ..tensor import _bump_version
from ..tensor import Tensor


def check_real(value):
    """``value`` as a float if it is a real number (a Python or numpy int or float, not a
    bool, or a Tensor or array of one such element), else None."""
    if isinstance(value, (Tensor, np.ndarray)):
        array = value._array if isinstance(value, Tensor) else value
        if array.size != 1 or array.dtype.kind not in "iuf":
            return None
        return float(array.reshape(()))
    if isinstance(value, (int, float, np.integer, np.floating)) and \
            not isinstance(value, (bool, np.bool_)):
        return float(value)
    return None


def _update_0d(optimizer, p, group, state):
    """``optimizer._update`` of a 0-d parameter, run on 1-element views of it, its gradient
    and its state arrays. On 0-d arrays numpy returns numpy scalars, which an in-place update
    (``buf *= momentum``) rebinds instead of writing and ``out=`` refuses; and numpy 1.x
    computes a 0-d float32 with a Python float in float64 (numpy 2, as for any array, in
    float32). On views of shape (1,) every update is the one an n-d parameter gets."""
    array = p._array
    arrays = {k: v for k, v in state.items() if isinstance(v, np.ndarray) and v.ndim == 0}
    views = {k: v.reshape(1) for k, v in arrays.items()}
    state.update(views)
    p._array = array.reshape(1)
    try:
        optimizer._update(p, p.grad._array.reshape(1), group, state)
    finally:
        p._array = array
        for k, v in state.items():
            if isinstance(v, np.ndarray) and v.shape == (1,):     # back to 0-d (new ones too)
                state[k] = arrays[k] if k in views and v is views[k] else v.reshape(())


class Optimizer:
    def __init__(self, params, defaults):
        self.defaults = defaults
        self.state = {}          # Tensor -> dict of that parameter's state (hashed by identity)
        self.param_groups = []
        if isinstance(params, Tensor):
            raise TypeError(f"{type(self).__name__}: params should be an iterable of Tensors or "
                            f"dicts, but got a single Tensor; wrap it in a list: [param]")
        groups = list(params)
        if not groups:
            raise ValueError(f"{type(self).__name__}: optimizer got an empty parameter list "
                             f"(did the model register its parameters?)")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group):
        """Add a dict ``{"params": [...], <hyper-parameters>}``; missing hyper-parameters
        take the optimizer's defaults."""
        name = type(self).__name__
        if not isinstance(param_group, dict):
            raise TypeError(f"{name}: a param group must be a dict, got {type(param_group).__name__}")
        params = param_group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise TypeError(f"{name}: can only optimize Tensors, but parameter {i} of the group "
                                f"is a {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError(f"{name}: can't optimize a non-leaf Tensor (parameter {i} was "
                                 f"computed by {p.grad_fn.fn.__name__}); use a leaf, e.g. x.detach()")
            if not np.issubdtype(p.dtype, np.floating):
                raise TypeError(f"{name}: can only optimize floating point tensors, parameter {i} "
                                f"has dtype {p.dtype}")
        group = {"params": params}
        for key, value in param_group.items():
            if key != "params":
                group[key] = value
        for key, default in self.defaults.items():
            group.setdefault(key, default)
        self._check_hyperparameters(group)

        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if len({id(p) for p in params}) != len(params) or seen & {id(p) for p in params}:
            raise ValueError(f"{name}: some parameters appear in more than one parameter group "
                             f"(or twice in one)")
        self.param_groups.append(group)

    def _check_hyperparameters(self, group):
        """Reject values that make no sense with an error naming them (subclasses add more):
        PyTorch's ranges, and every number finite -- a NaN learning rate would turn every
        weight into NaN at the first step."""
        self._check_range("learning rate", group["lr"])
        if "weight_decay" in group:
            self._check_range("weight_decay value", group["weight_decay"])

    def _check_range(self, what, value, low=0.0, high=math.inf, high_open=True):
        """``value`` a real number (or a one-element Tensor) in [low, high) -- [low, high]
        without ``high_open`` -- and finite; else PyTorch's "invalid <what>: <value>"."""
        number = check_real(value)
        if number is None:
            raise TypeError(f"{type(self).__name__}: invalid {what}: {value!r} (must be a "
                            f"real number)")
        if not (low <= number and (number < high if high_open else number <= high)) \
                or not math.isfinite(number):
            bounds = f"a finite number >= {low:g}" if high == math.inf else \
                f"in [{low:g}, {high:g}{')' if high_open else ']'}"
            if low == -math.inf:
                bounds = "a finite number"
            raise ValueError(f"{type(self).__name__}: invalid {what}: {value} (must be "
                             f"{bounds})")

    def _check_flag(self, what, value):
        if not (isinstance(value, (bool, np.bool_)) or (isinstance(value, int)
                                                          and value in (0, 1))):
            raise TypeError(f"{type(self).__name__}: {what} must be True or False, got "
                            f"{value!r}")

    def zero_grad(self, set_to_none=True):
        """Forget the gradients of all parameters. ``set_to_none=True`` (PyTorch's default)
        sets ``.grad`` to None, so the next ``backward`` stores a fresh array instead of adding
        to zeros and ``step()`` skips parameters that got no gradient."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    p.grad._array[...] = 0

    def step(self, closure=None):
        """Update every parameter that has a gradient. ``closure``, if given, re-evaluates the
        model and returns the loss (needed by some optimizers; accepted for all, as PyTorch)."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    state = self.state.setdefault(p, {})
                    if p._array.ndim:
                        self._update(p, p.grad._array, group, state)
                    else:
                        _update_0d(self, p, group, state)
                    # an in-place write, as PyTorch's: a graph that saved p refuses it now
                    _bump_version(p._array)
        return loss

    def _update(self, p, grad, group, state):
        raise NotImplementedError(f"{type(self).__name__} does not implement _update")

    # ---- checkpoints -----------------------------------------------------------------------
    def state_dict(self):
        """``{"state": {index: {...}}, "param_groups": [{..., "params": [indices]}]}`` in
        PyTorch's layout: parameters are named by their position across all groups, so the
        dict can be saved and loaded into a new optimizer over a new model. Arrays are copies
        (a snapshot; PyTorch returns references)."""
        index = {}
        groups = []
        for group in self.param_groups:
            ids = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                ids.append(index[id(p)])
            packed = {k: v for k, v in group.items() if k != "params"}
            packed["params"] = ids
            groups.append(packed)
        state = {}
        for group in self.param_groups:
            for p in group["params"]:
                if self.state.get(p):
                    state[index[id(p)]] = {k: v.copy() if isinstance(v, np.ndarray) else v
                                           for k, v in self.state[p].items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restore hyper-parameters and per-parameter state saved by ``state_dict()``. The
        groups must have the same sizes; state arrays are copied and cast to each
        parameter's dtype."""
        name = type(self).__name__
        if not isinstance(state_dict, Mapping) or "state" not in state_dict \
                or "param_groups" not in state_dict:
            raise TypeError(f"{name}.load_state_dict: expected a dict with 'state' and "
                            f"'param_groups' (from Optimizer.state_dict()), got "
                            f"{type(state_dict).__name__}")
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"{name}.load_state_dict: loaded state dict has {len(saved_groups)} "
                             f"parameter groups, this optimizer has {len(self.param_groups)}")
        for i, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(f"{name}.load_state_dict: parameter group {i} has "
                                 f"{len(saved['params'])} parameters in the state dict, but "
                                 f"{len(group['params'])} in this optimizer")
        id_to_param = {saved_id: p
                       for saved, group in zip(saved_groups, self.param_groups)
                       for saved_id, p in zip(saved["params"], group["params"])}

        new_state = {}
        for key, param_state in state_dict["state"].items():
            p = id_to_param.get(int(key))
            if p is None:
                continue
            new_state[p] = {}
            for k, v in param_state.items():
                if isinstance(v, Tensor):
                    v = v._array
                if isinstance(v, np.ndarray):
                    if v.shape != p.shape:
                        raise ValueError(f"{name}.load_state_dict: state '{k}' of parameter {key} "
                                         f"has shape {v.shape}, but the parameter has shape {p.shape}")
                    v = v.astype(p.dtype)   # a copy: never share arrays with the dict
                new_state[p][k] = v
        groups = [dict(group) for group in self.param_groups]
        for saved, group in zip(saved_groups, groups):
            for k, v in saved.items():
                if k != "params":
                    group[k] = copy.deepcopy(v)
            self._check_hyperparameters(group)        # before anything changes
        self.state = new_state
        for group, checked in zip(self.param_groups, groups):
            group.update(checked)

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(k for k in group if k != "params"):
                lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)
