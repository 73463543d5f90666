"""The graph walk: ``backward()`` and ``grad()``.

The graph is made of nodes, one per recorded op call: the ``Context`` an op's output holds
as its ``grad_fn``, which knows the op's input Tensors. A leaf (a tensor made by the user)
has no node; its gradient is summed under the tensor itself.

A walk starts from the outputs with their upstream gradients, visits the nodes in
topological order (each node after every node that uses its output: iteratively, so a
chain of 100,000 ops is fine), sums the gradients that meet at a node, calls the op's
``backward`` with that sum, and hands each input its share. It runs with grad mode off
unless ``create_graph=True``: then the ops of the backward formulas are recorded like any
others and the gradients are Tensors with a graph of their own, ready to be differentiated
again.

``backward()`` adds the results to the leaves' ``.grad`` (and to non-leaves that called
``retain_grad()``); ``grad()`` returns them and touches no ``.grad``, and runs only the
nodes that lead to the tensors it was asked about.
"""
import numpy as np

from . import grad_mode
from .function import edge_of, mark_not_differentiable
from ..tensor import Tensor, _as_array


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """``torch.autograd.backward``: accumulate d(tensors)/d(leaf) · grad_tensors into the
    ``.grad`` of every leaf that requires grad (only of ``inputs``, when given)."""
    tensors = _as_tuple(tensors)
    grads = _root_grads("backward", tensors, grad_tensors)
    if retain_graph is None:
        retain_graph = create_graph
    targets = None if inputs is None else _check_inputs("backward", inputs)
    found = _walk(tensors, grads, retain_graph, create_graph, targets)
    handed = {id(g._array) for g in grads}   # arrays the caller holds
    for t, g in found:
        _accumulate(t, g, create_graph, handed)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=False):
    """``torch.autograd.grad``: the gradients of ``outputs`` w.r.t. each of ``inputs``
    (weighted by ``grad_outputs``), as a tuple. No ``.grad`` is touched. An input that the
    outputs do not depend on is an error, or ``None`` with ``allow_unused=True``."""
    outputs = _as_tuple(outputs)
    inputs = _check_inputs("grad", inputs)
    grads = _root_grads("grad", outputs, grad_outputs)
    if retain_graph is None:
        retain_graph = create_graph
    found = dict((id(t), g) for t, g in _walk(outputs, grads, retain_graph, create_graph, inputs))
    result = []
    for i, t in enumerate(inputs):
        g = found.get(id(t))
        if g is None and not allow_unused:
            raise RuntimeError(f"grad: input {i} (shape {t.shape}) was not used to compute the "
                               "outputs, or does not require grad along the way; pass "
                               "allow_unused=True to get None for it")
        result.append(g)
    return tuple(result)


# ---- the walk ---------------------------------------------------------------------------------
def _walk(roots, root_grads, retain_graph, create_graph, targets):
    """Propagate ``root_grads`` from ``roots`` through the graph. Returns ``(tensor, grad)``
    pairs: for every target tensor reached (all leaves that require grad and the retained
    non-leaves when ``targets`` is None), its summed gradient as a Tensor."""
    grads = {}            # id(node) or id(leaf) -> gradient Tensor summed so far
    leaves = {}           # id(leaf) -> the leaf
    for r, g in zip(roots, root_grads):
        key = _key(edge_of(r), leaves)
        grads[key] = g if key not in grads else grads[key] + g
    order = _topological_order([r.grad_fn for r in roots if r.grad_fn is not None])

    wanted = None         # with targets: id -> target tensor, for leaves and nodes
    run = None            # with targets: the nodes whose backward must run
    if targets is not None:
        wanted = {}
        for t in targets:
            wanted.setdefault(id(t.grad_fn) if t.grad_fn is not None else id(t), []).append(t)
        run = set()
        for node in reversed(order):           # inputs before the nodes that use them
            for edge in node.edges:
                if edge is None:
                    continue
                k = id(edge)
                if k in wanted or k in run:
                    run.add(id(node))
                    break

    found = []
    with grad_mode._GradMode(create_graph):
        for node in order:
            g = grads.pop(id(node), None)
            if g is None:
                continue
            if "tensor_hooks" in node.__dict__:
                g = _run_hooks(node.tensor_hooks, g)
            if wanted is None:
                kept = node._retained() if node._retained is not None else None
                if kept is not None:
                    found.append((kept, g))
            elif id(node) in wanted:
                found.extend((t, g) for t in wanted[id(node)])
            if run is not None and id(node) not in run:
                continue
            for edge, pg in zip(node.edges, _call_backward(node, g)):
                if pg is None or edge is None:
                    continue
                key = _key(edge, leaves)
                prev = grads.get(key)
                grads[key] = pg if prev is None else prev + pg
            if not retain_graph:
                node.release()
    for key, leaf in leaves.items():
        g = grads.get(key)
        if g is None:
            continue
        if leaf._node is not None and leaf._node.hooks:
            with grad_mode._GradMode(create_graph):
                g = _run_hooks(leaf._node.hooks, g)
        if wanted is None:
            found.append((leaf, g))
        elif key in wanted:
            found.extend((t, g) for t in wanted[key])
    return found


def _run_hooks(hooks, g):
    """A tensor's ``register_hook`` hooks, in order; each may replace the gradient."""
    for hook in tuple(hooks.values()):
        result = hook(g)
        if result is not None:
            if not isinstance(result, Tensor) or result.shape != g.shape:
                raise RuntimeError(f"a tensor hook must return None or a Tensor of shape "
                                   f"{g.shape}, got {getattr(result, 'shape', type(result).__name__)}")
            g = result
    return g


def _call_backward(node, g):
    """Run one node's backward; its gradients as Tensors of the inputs' shapes and dtypes.

    A backward that is not differentiable -- marked ``once_differentiable``, returning numpy
    arrays, or using a saved array that is neither an input nor the output -- runs with
    recording off, and under ``create_graph`` its results are marked so that
    differentiating them again is an error (never a silently wrong higher derivative)."""
    if node.released:
        _ = node.saved_tensors  # raises the "backward a second time" error
    fn = node.fn
    once = fn.once_differentiable or node._intermediate
    try:
        if once and grad_mode.enabled:
            with grad_mode.no_grad():
                in_grads = fn.backward(node, g)
            reason = ("its backward is marked once_differentiable" if not node._intermediate
                      else "its forward saved an array that is neither an input nor the output")
        else:
            in_grads = fn.backward(node, g)
            reason = "its backward returned a numpy array, not a Tensor"
    except Exception as error:
        if grad_mode.anomaly_enabled and "forward_stack" in node.__dict__:
            note = (f"(detect_anomaly) the forward of {node.name()} was called at:\n"
                    + node.forward_stack)
            if hasattr(error, "add_note"):           # Python 3.11 and later
                error.add_note(note)
            else:   # before 3.11: PEP 678's attribute (pytest shows it; the traceback doesn't)
                try:
                    error.__notes__ = [*getattr(error, "__notes__", ()), note]
                except (AttributeError, TypeError):
                    pass
        raise
    if not isinstance(in_grads, tuple):
        in_grads = (in_grads,)
    if len(in_grads) < len(node.inputs) and any(t is not None for t in node.inputs[len(in_grads):]):
        raise RuntimeError(f"{fn.__name__}.backward returned {len(in_grads)} gradients, "
                           f"expected {len(node.inputs)} (one per forward input)")
    out = []
    for t, edge, pg in zip(node.inputs, node.edges, in_grads):
        if edge is None or pg is None:
            out.append(None)
            continue
        if once or not isinstance(pg, Tensor):
            pg = mark_not_differentiable(pg, fn.__name__, reason, (g,) + tuple(node.inputs))
        if pg._array.shape != t._array.shape or pg._array.dtype != t._array.dtype:
            pg = _check_grad(node, t, pg)
        out.append(pg)
    if grad_mode.anomaly_enabled == "nan":
        _check_nan(node, out)
    return out


def _check_nan(node, grads):
    """Anomaly mode: a gradient with a NaN or an inf is an error naming the op and the line
    of its forward."""
    for i, pg in enumerate(grads):
        if pg is not None and not np.isfinite(pg._array).all():
            what = "nan" if np.isnan(pg._array).any() else "inf"
            where = node.__dict__.get("forward_stack", "(recorded outside detect_anomaly)\n")
            raise RuntimeError(f"Function '{node.name()}' returned {what} values in its {i}th "
                               f"output. The forward call that created it:\n{where}")


def _check_grad(node, t, g):
    """A Function's gradient must have its input's shape; cast it to the input's dtype."""
    if g._array.shape != t._array.shape:
        raise RuntimeError(f"{node.fn.__name__}.backward returned a gradient of shape {g.shape} "
                           f"for an input of shape {t.shape}")
    if g._array.dtype != t._array.dtype:
        g = g.to(t.dtype)
    return g


def _topological_order(nodes):
    """The nodes reachable from ``nodes``, each before the nodes it takes inputs from.
    Iterative depth-first search: no recursion limit."""
    order, visited = [], set()
    stack = [(n, False) for n in nodes]
    while stack:
        node, children_done = stack.pop()
        if children_done:
            order.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        stack.append((node, True))
        for edge in node.edges:
            if edge is not None and not isinstance(edge, Tensor) and id(edge) not in visited:
                stack.append((edge, False))
    order.reverse()
    return order


def _key(edge, leaves):
    """The key gradients of ``edge`` (a node or a leaf, see ``edge_of``) are summed under;
    a leaf is also noted in ``leaves``."""
    if isinstance(edge, Tensor):
        leaves[id(edge)] = edge
    return id(edge)


def _accumulate(t, g, create_graph, handed):
    """Add ``g`` to ``t.grad``. Without ``create_graph`` a ``.grad`` owns its array: never a
    view, nor an array held elsewhere (``handed``: the caller's gradient, another ``.grad``
    -- Add, for one, hands the same array to both of its inputs), so an in-place edit of
    one -- gradient clipping, say -- cannot change another. With ``create_graph``,
    ``.grad`` is the recorded Tensor (a recorded copy where it would share memory)."""
    if t.grad is not None:
        t.grad = t.grad + g if create_graph else Tensor.wrap(t.grad._array + g._array, None)
        return
    a = g._array
    if a.base is not None or id(a) in handed or not a.flags.writeable:
        g = g.clone() if create_graph else Tensor.wrap(a.copy(), None)
    elif not create_graph:
        g = Tensor.wrap(a, None)
    handed.add(id(g._array))
    t.grad = g


# ---- arguments ------------------------------------------------------------------------------
def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _check_inputs(name, inputs):
    inputs = _as_tuple(inputs)
    if not inputs:
        raise RuntimeError(f"{name}: inputs must not be empty")
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}: input {i} must be a Tensor, got {type(t).__name__}")
        if not t.requires_grad:
            raise RuntimeError(f"{name}: input {i} (shape {t.shape}) does not require grad")
    return inputs


def _root_grads(name, outputs, grad_outputs):
    """The upstream gradient of each output, as Tensors: given, or ones for a one-element
    output."""
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    else:
        grad_outputs = _as_tuple(grad_outputs)
        if len(grad_outputs) != len(outputs):
            raise RuntimeError(f"{name}: got {len(grad_outputs)} gradients for {len(outputs)} "
                               "outputs")
    grads = []
    for i, (t, g) in enumerate(zip(outputs, grad_outputs)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}: output {i} must be a Tensor, got {type(t).__name__}")
        if not t.requires_grad:
            raise RuntimeError(f"{name}: this tensor does not require grad and has no grad_fn; "
                               "did you forget requires_grad=True on an input, or run under "
                               "no_grad()?")
        if g is None:
            if t._array.size != 1:
                raise RuntimeError(
                    f"{name}: grad can be implicitly created only for scalar outputs, this "
                    f"output has shape {t.shape}; pass gradient= of that shape (or call "
                    ".sum() first)")
            g = Tensor.wrap(np.ones_like(t._array), None)
        elif isinstance(g, np.ndarray):     # a minigrad extension: numpy arrays too
            g = Tensor.wrap(_as_array(g, t.dtype), None)
        elif not isinstance(g, Tensor):
            raise TypeError(f"{name}: the gradient of output {i} must be a Tensor (or a numpy "
                            f"array), got {type(g).__name__}")
        elif g.dtype != t.dtype:
            g = g.to(t.dtype)
        if g.shape != t.shape:
            raise RuntimeError(f"{name}: gradient has shape {g.shape}, but the tensor has "
                               f"shape {t.shape}")
        grads.append(g)
    return grads
