"""The op mechanism: ``Function`` and its ``Context``, and the grad mode switch.

Every differentiable op in minigrad is a ``Function`` subclass with two static methods
working on plain numpy arrays, exactly like ``torch.autograd.Function``::

    class Square(mg.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return 2 * x * grad

    y = Square.apply(t)

``apply`` unwraps the Tensors, runs ``forward`` on their arrays, and -- when any input
requires grad and grad mode is on -- records the ``Context`` on the output so that
``Tensor.backward`` can call ``backward`` later. ``backward`` returns one gradient per
positional input of ``forward`` (``None`` for inputs that need none).

Differences from PyTorch: a Function returns exactly one array; ``saved_tensors`` holds
numpy arrays (not Tensors), because both passes work on arrays.
"""
import contextlib

from .tensor import Tensor

_grad_enabled = True


def is_grad_enabled():
    return _grad_enabled


class _GradMode(contextlib.ContextDecorator):
    """Context manager and decorator that records graphs (``mode`` True) or not inside."""

    def __init__(self, mode):
        self.mode = bool(mode)
        self.prev = []   # a stack: one instance (a decorator) may be re-entered by recursion

    def __enter__(self):
        global _grad_enabled
        self.prev.append(_grad_enabled)
        _grad_enabled = self.mode

    def __exit__(self, *exc):
        global _grad_enabled
        _grad_enabled = self.prev.pop()
        return False


class no_grad(_GradMode):
    """``with mg.no_grad():`` or ``@mg.no_grad()``: ops inside record no graph."""

    def __init__(self):
        super().__init__(False)


class enable_grad(_GradMode):
    """``with mg.enable_grad():`` or ``@mg.enable_grad()``: ops inside record a graph, even
    within ``no_grad``."""

    def __init__(self):
        super().__init__(True)


class set_grad_enabled(_GradMode):
    """Turn graph recording on or off, as PyTorch's: called as a plain function,
    ``mg.set_grad_enabled(False)`` switches it off until switched back; as ``with
    mg.set_grad_enabled(mode):`` the previous mode comes back after the block; as a
    decorator ``@mg.set_grad_enabled(mode)`` it applies inside each call (and decorating
    changes nothing outside)."""

    def __init__(self, mode):
        global _grad_enabled
        super().__init__(mode)
        self._before = _grad_enabled      # the mode before this call switched it
        _grad_enabled = self.mode

    def _undo_switch(self):
        """Put back the mode from before ``__init__``, once: a with-block or a decorated
        call then switches from there like the other modes."""
        global _grad_enabled
        if self._before is not None:
            _grad_enabled, self._before = self._before, None

    def __enter__(self):
        self._undo_switch()
        super().__enter__()

    def __call__(self, func):             # decorating changes nothing outside the calls
        self._undo_switch()
        return super().__call__(func)


class Context:
    """What a Function's forward leaves for its backward.

    ``fn`` is the Function class, ``parents`` the input Tensors (``None`` for non-Tensor
    arguments), ``needs_input_grad`` one bool per input. Ops may also store small
    attributes (shapes, axes) on the context; arrays go through ``save_for_backward``.
    After backward the context is released (its saved arrays and attributes dropped)
    unless ``retain_graph=True``.
    """

    __slots__ = ("fn", "parents", "needs_input_grad", "released", "_saved", "__dict__")

    def __init__(self, fn, parents, needs_input_grad):
        self.fn = fn
        self.parents = parents
        self.needs_input_grad = needs_input_grad
        self.released = False
        self._saved = ()

    def save_for_backward(self, *arrays):
        self._saved = arrays

    @property
    def saved_tensors(self):
        if self.released:
            raise RuntimeError(
                f"{self.fn.__name__}: trying to backward through the graph a second time; "
                "its saved arrays were freed after the first backward. "
                "Pass retain_graph=True to the first backward() to keep them.")
        return self._saved

    def release(self):
        self.released = True
        self._saved = ()
        self.__dict__.clear()

    @property
    def name(self):
        return self.fn.__name__


class Function:
    """Base class of every differentiable op. Subclass it and define static ``forward``
    and ``backward``; call it with ``YourOp.apply(*inputs, **kwargs)``."""

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, grad):
        raise NotImplementedError

    @classmethod
    def apply(cls, *args, **kwargs):
        arrays, parents, needs = [], [], []
        for a in args:
            if isinstance(a, Tensor):
                arrays.append(a.data)
                parents.append(a)
                needs.append(a.requires_grad)
            else:  # a Python scalar, an index, a numpy array: passed through, no gradient
                arrays.append(a)
                parents.append(None)
                needs.append(False)
        record = _grad_enabled and any(needs)
        ctx = Context(cls, tuple(parents) if record else (), tuple(needs))
        out = cls.forward(ctx, *arrays, **kwargs)
        if record:
            return Tensor._from_op(out, ctx)
        return Tensor._from_op(out, None)
