"""The op mechanism: ``Function``, its ``Context`` (the node of the graph), and
``once_differentiable``.

A differentiable op is a ``Function`` subclass with two static methods, as
``torch.autograd.Function``::

    class Square(mg.Function):
        @staticmethod
        def forward(ctx, x):                 # x: the input Tensor (nothing is recorded here)
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):             # grad: a Tensor
            (x,) = ctx.saved_tensors         # x: the input Tensor
            return 2 * x * grad              # a Tensor, built with minigrad's own ops

    y = Square.apply(t)

minigrad's own ops derive from ``ArrayFunction``: the same, but ``forward`` runs the fast
kernel on the inputs' numpy arrays. ``backward`` is written with Tensors and minigrad's
differentiable ops, once. The engine runs it with recording off for an ordinary
``backward()``, so it costs what arrays would; under ``create_graph=True`` its ops are
recorded like any others, and the gradient it returns can be differentiated again -- to any
order, since the ops it uses have backward formulas of the same kind. Two built-in ops,
``BatchNorm`` and ``Linear``, also compute their backward on arrays when it is not
recorded (``ctx.saved_arrays``): for them the per-op temporaries and dispatch were most of
the time. Each keeps its Tensor version for ``create_graph``, and a test holds the two to
the same numbers.

What ``forward`` saves with ``ctx.save_for_backward`` comes back from ``ctx.saved_tensors``
as the corresponding Tensor: an input as that input Tensor, the output as the output Tensor
(with this node as its ``grad_fn``), so a formula that uses them is differentiable through
them. **The rule** for a backward that must be right at every order: take from the context
only constants (masks, indices, shapes) and the saved inputs and output; anything else that
depends on an input is rebuilt from them (``rebuilt`` below). A Function that saves
something else -- an intermediate such as ``tanh(x)`` -- gets it back as a constant Tensor,
and its gradient is then differentiable only once: differentiating it again raises an error
naming the op, never a silently wrong higher derivative. The same holds for a backward that
returns numpy arrays, and for one marked ``@once_differentiable``.

Difference from PyTorch: a Function has exactly one output.
"""
import functools
import traceback

import numpy as np

from . import grad_mode
from .. import tensor as tensor_module
from ..tensor import Tensor


class Context:
    """What a Function's forward leaves for its backward -- and the node of the graph.

    ``fn`` is the Function class, ``inputs`` the input Tensors (``None`` for non-Tensor
    arguments), ``needs_input_grad`` one bool per input. Ops may store constants (shapes,
    axes, masks) as attributes; inputs and the output go through ``save_for_backward``.
    After backward the context is released (its saved values and attributes dropped)
    unless ``retain_graph=True``.

    As a graph node it reads like PyTorch's ``grad_fn``: ``name()`` (``'MulBackward'``),
    ``next_functions`` (the node of each input: its ``grad_fn``, an ``AccumulateGrad`` for a
    leaf that requires grad, ``None`` otherwise).
    """

    __slots__ = ("fn", "inputs", "edges", "needs_input_grad", "released", "_saved", "_output",
                 "_retained", "_intermediate", "_arrays", "_held", "_versions", "__dict__",
                 "__weakref__")

    def __init__(self, fn, inputs):
        self.fn = fn
        self.inputs = inputs
        # where each input's gradient goes, fixed when the op ran (an in-place op may give
        # the input Tensor a new grad_fn later)
        self.edges = tuple(edge_of(t) for t in inputs)
        self.needs_input_grad = tuple(e is not None for e in self.edges)
        self.released = False
        self._saved = ()
        self._output = None       # the output array, set by apply
        self._retained = None     # weakref to a non-leaf output that called retain_grad()
        self._intermediate = False  # saved an array that is neither an input nor the output
        self._arrays = ()           # the arrays forward was given, one per argument
        self._held = ()             # each input Tensor's array when the op ran
        self._versions = None       # versions of the saved arrays (None: all 0), see tensor.py

    def save_for_backward(self, *arrays):
        self._saved = arrays

    @property
    def saved_tensors(self):
        """The saved arrays as Tensors: an input's array is that input Tensor, the output
        array the output Tensor, any other array a constant Tensor (see the module
        docstring); a saved number or None comes back as it was."""
        return tuple(self._as_tensor(a) for a in self.saved_arrays)

    @property
    def saved_arrays(self):
        """The saved arrays themselves, checked as for ``saved_tensors``: for a backward
        that, when it is not being recorded (no ``create_graph``), computes on arrays."""
        if self.released:
            raise RuntimeError(
                f"{self.fn.__name__}: trying to backward through the graph a second time; "
                "its saved values were freed after the first backward. "
                "Pass retain_graph=True to the first backward() to keep them.")
        if self._versions is not None or tensor_module._versions:
            self._check_versions()
        return self._saved

    def _check_versions(self):
        """A saved array written in place since it was saved: an error, not a wrong gradient."""
        for i, a in enumerate(self._saved):
            if isinstance(a, np.ndarray):
                then = self._versions[i] if self._versions is not None else 0
                now = tensor_module._version(a)
                if now != then:
                    raise RuntimeError(
                        f"{self.name()}: one of the arrays it saved for backward (saved value "
                        f"{i}, shape {a.shape}) has been modified by an in-place operation "
                        f"since (it is at version {now}; expected version {then}). Compute the "
                        "gradient before changing it, or use the out-of-place op (x = x + y).")

    def _as_tensor(self, a):
        if not isinstance(a, (np.ndarray, np.generic)):   # None, a Tensor, a number: as given
            return a
        for t, given, held, edge in zip(self.inputs, self._arrays, self._held, self.edges):
            if t is not None and given is a:
                if t._array is held:
                    return t
                # a recorded in-place op has since given ``t`` new values and a new history:
                # the saved value is the old one, made by the node the edge points to
                return Tensor.wrap(given, edge if isinstance(edge, Context) else None)
        if a is self._output:
            return Tensor.wrap(a, self)
        return Tensor.wrap(a, None)

    def release(self):
        self.released = True
        self._saved = self._arrays = self._held = ()
        self.__dict__.clear()

    # ---- the node, as PyTorch shows it ------------------------------------------------------
    def name(self):
        return f"{self.fn.__name__}Backward"

    @property
    def next_functions(self):
        return tuple((None if e is None else e if isinstance(e, Context) else _accumulator(e), 0)
                     for e in self.edges)

    def __repr__(self):
        return f"<{self.name()}>"


def edge_of(t):
    """Where the gradient of ``t`` goes: its node (``grad_fn``), the leaf itself when it is
    a leaf that requires grad, or None (not a Tensor, or no gradient wanted)."""
    if t is None or not t.requires_grad:
        return None
    return t.grad_fn if t.grad_fn is not None else t


class AccumulateGrad:
    """The node of a leaf that requires grad, as in ``grad_fn.next_functions``: where the
    gradient ends up (``variable.grad``)."""

    __slots__ = ("variable", "hooks")
    next_functions = ()

    def __init__(self, variable):
        self.variable = variable
        self.hooks = {}           # the leaf's register_hook hooks

    def name(self):
        return "AccumulateGrad"

    def __repr__(self):
        return "<AccumulateGrad>"


def _accumulator(leaf):
    """The leaf's AccumulateGrad node: one per leaf, as in PyTorch (kept on the leaf)."""
    if leaf._node is None:
        leaf._node = AccumulateGrad(leaf)
    return leaf._node


def rebuilt(cached, rebuild):
    """A value of the inputs that forward computed anyway (softmax, x - mean), for use
    in a backward formula. When the backward is not recorded only its value matters, so the
    cached array is used as a constant; when it is (``create_graph``), ``rebuild()``
    computes it again with differentiable ops, so the next derivative sees how it depends
    on the inputs. ``cached`` may be a tuple of arrays, and ``rebuild()`` then returns a
    tuple of Tensors."""
    if grad_mode.enabled:
        return rebuild()
    if isinstance(cached, tuple):
        return tuple(Tensor.wrap(c, None) for c in cached)
    return Tensor.wrap(cached, None)


class Function:
    """Base class of a differentiable op, with PyTorch's contract: subclass it, define static
    ``forward(ctx, *inputs)`` and ``backward(ctx, grad)``, call ``YourOp.apply(*inputs)``.

    ``forward`` receives the input Tensors themselves and runs with recording off (as in
    PyTorch: its ops are the op, not part of the graph); it returns a Tensor (or a numpy
    array). ``backward`` receives and returns Tensors. minigrad's own ops derive from
    ``ArrayFunction``, whose ``forward`` works on numpy arrays directly (the kernels)."""

    once_differentiable = False   # set from the backward's decorator, per subclass
    forward_on_arrays = False     # True for ArrayFunction: forward gets the inputs' arrays

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.once_differentiable = getattr(cls.backward, "once_differentiable", False)

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, grad):
        raise NotImplementedError

    @classmethod
    def apply(cls, *args, **kwargs):
        """Run ``forward``. When grad mode is on and an input requires grad, the output
        records this call's Context as its ``grad_fn``; otherwise nothing of the call is
        kept (the lean path every op of an unrecorded backward takes)."""
        if grad_mode.enabled:
            for a in args:
                if isinstance(a, Tensor) and a.requires_grad:
                    return cls._record(args, kwargs)
        if cls.forward_on_arrays:
            out = cls.forward(_Unrecorded(), *[a._array if isinstance(a, Tensor) else a
                                               for a in args], **kwargs)
        else:
            with grad_mode.no_grad():
                out = cls.forward(_Unrecorded(), *args, **kwargs)
        return Tensor.wrap(out._array if isinstance(out, Tensor) else out, None)

    @classmethod
    def _record(cls, args, kwargs):
        inputs, arrays, held = [], [], []
        for a in args:
            if isinstance(a, Tensor):
                data = a._array
                # two Tensors sharing one array (x and x.detach()): give the later one a view
                # of its own, so that what forward saves says which of them it was
                for i, other in enumerate(held):
                    if other is data and inputs[i] is not a:
                        data = data.view()
                        break
                inputs.append(a)
                arrays.append(data)
                held.append(a._array)
            else:
                inputs.append(None)
                arrays.append(a)
                held.append(None)
        ctx = Context(cls, tuple(inputs))
        ctx._arrays = arrays
        ctx._held = held
        if grad_mode.anomaly_enabled:           # where this op was called, for the walk
            ctx.forward_stack = "".join(traceback.format_stack()[:-2])
        if cls.forward_on_arrays:
            out = cls.forward(ctx, *arrays, **kwargs)
        else:
            with grad_mode.no_grad():
                out = cls.forward(ctx, *args, **kwargs)
            out = _saved_as_arrays(ctx, args, arrays, out)
        if not isinstance(out, np.ndarray):     # a numpy scalar from a 0-d computation
            scalar, out = out, np.asarray(out)
            ctx._saved = tuple(out if a is scalar else a for a in ctx._saved)
        if ctx._saved:
            given = {id(a) for a in arrays}
            ctx._intermediate = any(a is not None and a is not out and id(a) not in given
                                    for a in ctx._saved)
            if tensor_module._versions:         # some array has been written in place
                ctx._versions = tuple(tensor_module._version(a) if isinstance(a, np.ndarray)
                                      else 0 for a in ctx._saved)
        t = Tensor.wrap(out, ctx)
        ctx._output = out
        return t


def _saved_as_arrays(ctx, args, arrays, out):
    """After a Tensor forward: the output as an array, and what it saved as the arrays the
    rest of the machinery tells apart (an input Tensor as that input's array, the returned
    Tensor as the output array, any other Tensor as its array: an intermediate)."""
    out_array = out._array if isinstance(out, Tensor) else np.asarray(out)
    saved = []
    for item in ctx._saved:
        if isinstance(item, Tensor):
            position = next((i for i, a in enumerate(args) if a is item), None)
            item = arrays[position] if position is not None else \
                out_array if item is out else item._array
        saved.append(item)
    ctx._saved = tuple(saved)
    return out_array


class ArrayFunction(Function):
    """A Function whose ``forward`` receives the inputs' numpy arrays (numbers and other
    arguments as given) and returns an array: the fast kernels of every built-in op in
    ``minigrad/ops/``. ``backward`` works on Tensors, as for any Function."""

    forward_on_arrays = True


class _NeedsNothing:
    """``needs_input_grad`` of an unrecorded call: False for every input."""

    def __getitem__(self, i):
        return False

    def __len__(self):
        return 0


class _Unrecorded:
    """The context a forward gets when nothing is recorded: it takes whatever forward
    leaves on it and is dropped with the call."""

    needs_input_grad = _NeedsNothing()

    def save_for_backward(self, *arrays):
        pass


def once_differentiable(backward):
    """Decorator for a ``backward`` that works outside autograd (on numpy arrays, say): it
    runs with recording off, and if the gradient it returns would be differentiated again,
    that raises an error naming the op instead of giving a wrong answer."""
    @functools.wraps(backward)
    def wrapper(ctx, grad):
        with grad_mode.no_grad():
            return backward(ctx, grad)
    wrapper.once_differentiable = True
    return wrapper


class _NotDifferentiable(ArrayFunction):
    """Stands for a gradient computed outside autograd; its backward is an error."""

    @staticmethod
    def backward(ctx, grad):
        raise RuntimeError(f"{ctx.op}: its gradient cannot be differentiated again, because "
                           f"{ctx.reason}. Write the backward with minigrad's Tensor ops on "
                           "ctx.saved_tensors (inputs and output only) to make it differentiable.")


def mark_not_differentiable(g, op, reason, depends_on):
    """The gradient ``g``, computed outside the graph (an array, or a Tensor made under
    no_grad), as a Tensor whose own gradient is an error naming ``op``, when grad mode is on
    and it depends on Tensors in ``depends_on`` that require grad."""
    arr = g._array if isinstance(g, Tensor) else np.asarray(g)
    deps = tuple(t for t in depends_on if t is not None and t.requires_grad)
    if not grad_mode.enabled or not deps:
        return Tensor.wrap(arr, None)
    ctx = Context(_NotDifferentiable, deps)
    ctx.op, ctx.reason = op, reason
    ctx._output = arr
    return Tensor.wrap(arr, ctx)
