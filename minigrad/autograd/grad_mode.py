"""Grad mode: whether ops record the graph that ``backward`` walks.

``no_grad``, ``enable_grad`` and ``set_grad_enabled`` are context managers and decorators,
as in PyTorch. The engine itself switches the mode too: a backward pass runs with
recording off, unless ``create_graph=True`` asks for the ops of the backward pass to be
recorded so that the gradients it computes can be differentiated again.
"""
import contextlib

enabled = True     # read by Function.apply on every op


def is_grad_enabled():
    return enabled


class _GradMode(contextlib.ContextDecorator):
    """Context manager and decorator that records graphs (``mode`` True) or not inside."""

    def __init__(self, mode):
        self.mode = bool(mode)
        self.prev = []   # a stack: one instance (a decorator) may be re-entered by recursion

    def __enter__(self):
        global enabled
        self.prev.append(enabled)
        enabled = self.mode

    def __exit__(self, *exc):
        global enabled
        enabled = self.prev.pop()
        return False


class no_grad(_GradMode):
    """``with mg.no_grad():`` or ``@mg.no_grad()``: ops inside record no graph."""

    def __init__(self):
        super().__init__(False)


class inference_mode(_GradMode):
    """PyTorch's ``inference_mode(mode=True)``: here the same as ``no_grad`` (minigrad has no
    separate inference tensors)."""

    def __init__(self, mode=True):
        super().__init__(not mode)


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
        global enabled
        super().__init__(mode)
        self._before = enabled      # the mode before this call switched it
        enabled = self.mode

    def _undo_switch(self):
        """Put back the mode from before ``__init__``, once: a with-block or a decorated
        call then switches from there like the other modes."""
        global enabled
        if self._before is not None:
            enabled, self._before = self._before, None

    def __enter__(self):
        self._undo_switch()
        super().__enter__()

    def __call__(self, func):             # decorating changes nothing outside the calls
        self._undo_switch()
        return super().__call__(func)


# ---- anomaly mode ------------------------------------------------------------------------------
anomaly_enabled = False    # read by Function.apply (to keep the forward's call stack) and the walk


def is_anomaly_enabled():
    return anomaly_enabled


class detect_anomaly(contextlib.ContextDecorator):
    """``with mg.autograd.detect_anomaly():`` -- as PyTorch's: every op recorded inside keeps
    the call stack of its forward, and the backward pass checks each gradient an op returns:
    a NaN or an inf (PyTorch checks NaN only) is an error naming the op (``'LogBackward'
    returned nan values in its 0th output``) with the line of the forward that made it, and
    any error raised inside a backward gets that forward's stack attached. Slow; for
    debugging."""

    def __init__(self, check_nan=True):
        self.check_nan = check_nan
        self.prev = []

    def __enter__(self):
        global anomaly_enabled
        self.prev.append(anomaly_enabled)
        anomaly_enabled = "nan" if self.check_nan else "stack"

    def __exit__(self, *exc):
        global anomaly_enabled
        anomaly_enabled = self.prev.pop()
        return False


def set_detect_anomaly(mode, check_nan=True):
    """Switch anomaly mode on or off for good (``torch.autograd.set_detect_anomaly``)."""
    global anomaly_enabled
    anomaly_enabled = ("nan" if check_nan else "stack") if mode else False
