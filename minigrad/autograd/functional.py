"""Derivatives of a whole function: ``vjp``, ``jvp``, ``jacobian``, ``hessian``, ``hvp`` and
``vhp``, with the names, arguments and results of ``torch.autograd.functional``.

Each takes a function ``f`` and the point ``x`` to differentiate at. Write y = f(x),
J = ∂y/∂x for the Jacobian (J[i, j] = ∂y_i/∂x_j) and, when f is a scalar,
H = ∂²f/∂x² for the Hessian (H[i, j] = ∂²f/∂x_i∂x_j). Then::

    vjp(f, x, v)    -> (f(x), vᵀJ)     vector-Jacobian product: the gradient of v·f(x)
    jvp(f, x, v)    -> (f(x), J v)     Jacobian-vector product: the derivative of f along v
    jacobian(f, x)  -> J               all of it, shape y.shape + x.shape
    hessian(f, x)   -> H               f scalar; shape x.shape + x.shape
    hvp(f, x, v)    -> (f(x), H v)     Hessian-vector product
    vhp(f, x, v)    -> (f(x), vᵀH)     vector-Hessian product (= H v when H is symmetric)

How each comes out of reverse mode alone (``grad``, which computes vᵀJ):

* ``vjp``: one call, ``grad(f(x), x, v)``.
* ``jacobian``: one vjp per element i of y, with v the one-hot e_i; row i is e_iᵀJ.
* ``jvp``, the *double-vjp trick*: u ↦ uᵀJ is linear in u, so its own vjp with v is
  ∂(uᵀJ v)/∂u = J v. ``u`` is a dummy zero tensor that requires grad; its value never
  matters, only that the graph of uᵀJ records how the result depends on it.
* ``vhp``: the vjp of the gradient, ``grad(∇f(x), x, v)`` = vᵀH.
* ``hvp``: the double-vjp trick on the gradient: u ↦ uᵀH, then its vjp with v, H v.
* ``hessian``: the jacobian of the gradient (the gradient computed with create_graph=True).

Several inputs or outputs are passed and returned as tuples, as PyTorch does: a Tensor
``inputs`` gives Tensor results, a tuple gives tuples. ``jacobian(f, (x0, x1))`` of a
function with outputs ``(y0, y1)`` is ``J[i][j] = ∂y_i/∂x_j`` of shape
``y_i.shape + x_j.shape``, and ``hessian(f, (x0, x1))[i][j] = ∂²f/∂x_i∂x_j``.

Arguments shared by all of them:

* ``create_graph``: when True the results are recorded, so they can be differentiated
  again (w.r.t. the caller's ``inputs`` that require grad, and ``v``); when False they are
  plain tensors with no ``grad_fn``.
* ``strict``: when True, an output that does not depend on an input (or, for the Hessian,
  a gradient that does not depend on it) is an error; when False its block of the result
  is zeros, the mathematically right value.

``f`` is called on new Tensor objects, never on the caller's: detached tensors that share
the data and require grad (or, with ``create_graph=True`` and an input that requires
grad, a recorded view of it, so the result stays connected to it). Gradients are taken
with ``grad``, never ``backward``: no ``.grad`` of the caller is touched.

Differences from PyTorch: only reverse mode is implemented. ``strategy="forward-mode"``
(``outer_jacobian_strategy`` for ``hessian``) raises NotImplementedError, and
``vectorize=True`` is accepted but computes the Jacobian the same way, one backward pass
per output element (PyTorch batches them with vmap; the result is the same).
"""
import numpy as np

from . import grad_mode
from .graph import grad as _grad
from ..tensor import Tensor

__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]


# ---- helpers (the same steps as torch/autograd/functional.py) -------------------------------
def _as_tuple(inp, arg_name, fn_name):
    """``(was_tuple, tuple_of_tensors)``; anything but Tensors is a TypeError."""
    is_tuple = isinstance(inp, tuple)
    if not is_tuple:
        inp = (inp,)
    for i, el in enumerate(inp):
        if not isinstance(el, Tensor):
            where = f" at index {i}" if is_tuple else ""
            raise TypeError(f"{fn_name}: {arg_name} must be a Tensor or a tuple of Tensors, got "
                            f"{type(el).__name__}{where}")
    return is_tuple, inp


def _unpack(res, to_unpack):
    """Undo ``_as_tuple``: ``to_unpack`` is one bool, or (outer, inner) for nested results."""
    if isinstance(to_unpack, tuple):
        if not to_unpack[1]:
            res = tuple(el[0] for el in res)
        if not to_unpack[0]:
            res = res[0]
    elif not to_unpack:
        res = res[0]
    return res


def _preprocess(tensors, create_graph, need_graph):
    """A new Tensor object for each of ``tensors``: a recorded view when the result must
    stay differentiable w.r.t. it (create_graph, and it requires grad), otherwise a
    detached tensor sharing its data that requires grad iff ``need_graph``."""
    res = []
    for t in tensors:
        if create_graph and t.requires_grad:
            res.append(t.reshape(t.shape))
        else:
            res.append(t.detach().requires_grad_(need_graph))
    return tuple(res)


def _postprocess(tensors, create_graph):
    """Detach the results (recursively through nested tuples) unless create_graph."""
    if isinstance(tensors[0], Tensor):
        return tensors if create_graph else tuple(t.detach() for t in tensors)
    return tuple(_postprocess(t, create_graph) for t in tensors)


def _validate_v(fn_name, v, other, other_is_tuple, what):
    """``v`` must hold one tensor of the same shape per tensor of ``other``."""
    if len(v) != len(other):
        if other_is_tuple:
            raise RuntimeError(f"{fn_name}: v is a tuple of {len(v)} tensors, but the {what} "
                               f"are {len(other)} tensors; it needs one per {what[:-1]}")
        raise RuntimeError(f"{fn_name}: v must be a single Tensor (the {what[:-1]} is one "
                           f"Tensor), got a tuple of {len(v)}")
    for i, (a, b) in enumerate(zip(v, other)):
        if a.shape != b.shape:
            entry = f"entry {i} of v" if other_is_tuple else "v"
            raise RuntimeError(f"{fn_name}: {entry} has shape {a.shape}, but it must have the "
                               f"shape of the {what[:-1]}{f' {i}' if other_is_tuple else ''}, "
                               f"{b.shape}")


def _check_v_none(fn_name, tensors, what):
    if len(tensors) != 1 or tensors[0].numel() != 1:
        raise RuntimeError(f"{fn_name}: v can be None only if the {what} is a single Tensor "
                           "with a single element; pass v")


def _check_requires_grad(fn_name, tensors, kind, strict):
    """In strict mode: each of ``tensors`` must exist and depend on the inputs."""
    if not strict:
        return
    for i, t in enumerate(tensors):
        if t is None:
            raise RuntimeError(f"{fn_name}: the output of the function is independent of "
                               f"input {i}. This is not allowed in strict mode.")
        if t.requires_grad:
            continue
        if kind == "outputs":
            raise RuntimeError(f"{fn_name}: output {i} of the function does not require grad. "
                               "In strict mode the outputs must be computed in a differentiable "
                               "way from the inputs.")
        if kind == "grad_inputs":
            raise RuntimeError(f"{fn_name}: the gradient w.r.t. input {i} is independent of the "
                               "inputs of the function. This is not allowed in strict mode.")
        if kind == "jacobian":
            raise RuntimeError(f"{fn_name}: the jacobian (gradient) of the function w.r.t. "
                               f"input {i} is independent of the inputs. This is not allowed "
                               "in strict mode: the function must be twice differentiable with "
                               "a gradient that depends on the inputs (a linear function's "
                               "does not).")
        raise AssertionError(kind)


def _autograd_grad(outputs, inputs, grad_outputs=None, create_graph=False, retain_graph=None):
    """``grad`` that skips outputs which are None or do not require grad, and gives None
    for every input none of the remaining outputs depends on (all None if none remain)."""
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    kept = [(o, g) for o, g in zip(outputs, grad_outputs) if o is not None and o.requires_grad]
    if not kept:
        return (None,) * len(inputs)
    outs, gouts = zip(*kept)
    return _grad(outs, inputs, gouts, retain_graph=retain_graph, create_graph=create_graph,
                 allow_unused=True)


_STAGES = {
    "back": "the output of the function is independent of input {i}",
    "back_trick": "the gradient w.r.t. the inputs is independent of entry {i} of the dummy "
                  "grad_outputs of the double-vjp trick (output {i} does not depend on the "
                  "inputs)",
    "double_back": "the jacobian (gradient) of the function is independent of input {i}",
    "double_back_trick": "the hessian of the function is independent of entry {i} of the dummy "
                         "grad_jacobian of the double-vjp trick",
}


def _fill_in_zeros(fn_name, grads, refs, strict, create_graph, stage):
    """Replace each None in ``grads`` by zeros shaped like ``refs[i]`` -- or, in strict
    mode, raise; with strict and create_graph a result that does not depend on the inputs
    is an error too."""
    res = []
    for i, g in enumerate(grads):
        if g is None:
            if strict:
                raise RuntimeError(f"{fn_name}: {_STAGES[stage].format(i=i)}. This is not "
                                   "allowed in strict mode.")
            g = Tensor.wrap(np.zeros(refs[i].shape, dtype=refs[i].dtype), None)
        elif strict and create_graph and not g.requires_grad:
            what = "hessian" if "double" in stage else "jacobian"
            raise RuntimeError(f"{fn_name}: the {what} of the function is independent of input "
                               f"{i}. This is not allowed in strict mode when "
                               "create_graph=True.")
        res.append(g)
    return tuple(res)


def _prepare_v(fn_name, v, against, against_is_tuple, what, create_graph):
    """``v`` as a tuple of new tensors checked against ``against``; or None when allowed."""
    if v is None:
        _check_v_none(fn_name, against, what)
        return None
    _, v = _as_tuple(v, "v", fn_name)
    v = _preprocess(v, create_graph, need_graph=False)
    _validate_v(fn_name, v, against, against_is_tuple, what + "s")
    return v


def _single_scalar_output(fn_name, outputs, is_outputs_tuple):
    if is_outputs_tuple:
        raise RuntimeError(f"{fn_name}: the function should return a single Tensor, "
                           f"got a tuple of {len(outputs)}")
    if outputs[0].numel() != 1:
        raise RuntimeError(f"{fn_name}: the Tensor returned by the function should have a "
                           f"single element, got shape {outputs[0].shape}")


# ---- the public functions -----------------------------------------------------------------
def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), vᵀJ)``: the vector-Jacobian product, i.e. the gradient of
    ``sum(v * func(inputs))`` w.r.t. the inputs. ``v`` has the shape of the output(s); it may
    be None only for a single one-element output. The product has the inputs' structure."""
    with grad_mode.enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "vjp")
        inputs = _preprocess(inputs, create_graph, need_graph=True)
        outputs = func(*inputs)
        is_outputs_tuple, outputs = _as_tuple(outputs, "outputs of the function", "vjp")
        _check_requires_grad("vjp", outputs, "outputs", strict)
        v = _prepare_v("vjp", v, outputs, is_outputs_tuple, "output", create_graph)

        grads = _autograd_grad(outputs, inputs, v, create_graph=create_graph)
        result = _fill_in_zeros("vjp", grads, inputs, strict, create_graph, "back")

    outputs = _postprocess(outputs, create_graph)
    result = _postprocess(result, create_graph)
    return _unpack(outputs, is_outputs_tuple), _unpack(result, is_inputs_tuple)


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), J v)``: the Jacobian-vector product, i.e. the derivative of the
    output(s) along the direction ``v`` (of the inputs' shapes; None only for a single
    one-element input). The product has the outputs' structure.

    Computed with the double-vjp trick (see the module docstring): ``g(u) = uᵀJ`` for a
    dummy ``u`` that requires grad, then ``J v`` = the vjp of ``g`` with ``v``."""
    with grad_mode.enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jvp")
        inputs = _preprocess(inputs, create_graph, need_graph=True)
        v = _prepare_v("jvp", v, inputs, is_inputs_tuple, "input", create_graph)

        outputs = func(*inputs)
        is_outputs_tuple, outputs = _as_tuple(outputs, "outputs of the function", "jvp")
        _check_requires_grad("jvp", outputs, "outputs", strict)
        # uᵀJ is linear in u, so u's value never enters J v: zeros will do (finite, at least)
        dummies = tuple(Tensor(np.zeros(o.shape, dtype=_float_dtype(o)), requires_grad=True)
                        for o in outputs)
        grad_inputs = _autograd_grad(outputs, inputs, dummies, create_graph=True)
        _check_requires_grad("jvp", grad_inputs, "grad_inputs", strict)

        grads = _autograd_grad(grad_inputs, dummies, v, create_graph=create_graph)
        result = _fill_in_zeros("jvp", grads, outputs, strict, create_graph, "back_trick")

    outputs = _postprocess(outputs, create_graph)
    result = _postprocess(result, create_graph)
    return _unpack(outputs, is_outputs_tuple), _unpack(result, is_outputs_tuple)


def _float_dtype(t):
    return t.dtype if np.issubdtype(t.dtype, np.floating) else np.float32


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False,
             strategy="reverse-mode"):
    """The Jacobian of ``func`` at ``inputs``: ∂y/∂x of shape ``y.shape + x.shape``. With a
    tuple of outputs and/or inputs, a (nested) tuple: ``result[i][j] = ∂y_i/∂x_j``.

    Row by row in reverse mode: one vjp with a one-hot vector per output element.
    ``vectorize=True`` is accepted (and gives the same result, computed the same way);
    ``strategy="forward-mode"`` is not implemented."""
    if strategy not in ("forward-mode", "reverse-mode"):
        raise ValueError(f"jacobian: strategy must be 'reverse-mode' or 'forward-mode', "
                         f"got {strategy!r}")
    if strategy == "forward-mode":
        raise NotImplementedError("jacobian: strategy='forward-mode' is not implemented in "
                                  "minigrad, which has reverse mode only; use "
                                  "strategy='reverse-mode' (the default)")
    if vectorize and strict:
        raise RuntimeError("jacobian: strict=True and vectorize=True are not supported "
                           "together (as in PyTorch); set strict=False or vectorize=False")

    return _jacobian("jacobian", func, inputs, create_graph, strict)


def _jacobian(fn_name, func, inputs, create_graph, strict, hessian=False):
    """The body of ``jacobian``; ``hessian`` calls it on the gradient, with its own name
    and wording in the errors."""
    with grad_mode.enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", fn_name)
        inputs = _preprocess(inputs, create_graph, need_graph=True)
        outputs = func(*inputs)
        is_outputs_tuple, outputs = _as_tuple(outputs, "outputs of the function", fn_name)
        _check_requires_grad(fn_name, outputs, "outputs", strict)

        result = []
        for i, out in enumerate(outputs):
            rows = tuple([] for _ in inputs)       # rows[k][j] = ∂out_j/∂inputs[k]
            for j in range(out.numel()):
                onehot = np.zeros(out.shape, dtype=_float_dtype(out))
                onehot.flat[j] = 1
                vj = _autograd_grad((out,), inputs, (Tensor(onehot),), retain_graph=True,
                                    create_graph=create_graph)
                for k, (row, g, inp) in enumerate(zip(rows, vj, inputs)):
                    if g is None:
                        if strict:
                            raise RuntimeError(
                                f"{fn_name}: " + (
                                    f"the gradient w.r.t. input {i} is independent of input "
                                    f"{k} (block [{i}][{k}] of the hessian is zero)" if hessian
                                    else f"output {i} of the function is independent of input "
                                         f"{k}") + ". This is not allowed in strict mode.")
                        g = Tensor.wrap(np.zeros(inp.shape, dtype=inp.dtype), None)
                    elif strict and create_graph and not g.requires_grad:
                        raise RuntimeError(
                            f"{fn_name}: block [{i}][{k}] of the {fn_name} is independent of "
                            "the inputs. This is not allowed in strict mode when "
                            "create_graph=True.")
                    row.append(g)
            result.append(tuple(_stack_rows(row, out.shape + inp.shape, inp.dtype)
                                for row, inp in zip(rows, inputs)))

    result = _postprocess(tuple(result), create_graph)
    return _unpack(result, (is_outputs_tuple, is_inputs_tuple))


def _stack_rows(rows, shape, dtype):
    if not rows:                              # an output with no elements
        return Tensor.wrap(np.zeros(shape, dtype=dtype), None)
    from ..functional import stack           # imported here: ops import this package
    return stack(rows, dim=0).reshape(shape)


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False,
            outer_jacobian_strategy="reverse-mode"):
    """The Hessian of a scalar ``func`` at ``inputs``: ∂²f/∂x² of shape ``x.shape + x.shape``;
    with a tuple of inputs, ``result[i][j] = ∂²f/∂x_i∂x_j`` of shape
    ``x_i.shape + x_j.shape``. Computed as the jacobian of the gradient.
    ``outer_jacobian_strategy`` (PyTorch's name) can only be 'reverse-mode'."""
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "hessian")
    if outer_jacobian_strategy not in ("forward-mode", "reverse-mode"):
        raise ValueError(f"hessian: outer_jacobian_strategy must be 'reverse-mode' or "
                         f"'forward-mode', got {outer_jacobian_strategy!r}")
    if outer_jacobian_strategy == "forward-mode":
        raise NotImplementedError("hessian: outer_jacobian_strategy='forward-mode' is not "
                                  "implemented in minigrad, which has reverse mode only; use "
                                  "'reverse-mode' (the default)")

    def scalar_func(*inp):
        out = func(*inp)
        is_out_tuple, t_out = _as_tuple(out, "outputs of the function", "hessian")
        _check_requires_grad("hessian", t_out, "outputs", strict)
        _single_scalar_output("hessian", t_out, is_out_tuple)
        return out.reshape(())

    def gradient_func(*inp):
        jac = _jacobian("hessian", scalar_func, inp, create_graph=True, strict=False)
        _check_requires_grad("hessian", jac, "jacobian", strict)
        return jac

    if vectorize and strict:
        raise RuntimeError("hessian: strict=True and vectorize=True are not supported "
                           "together (as in PyTorch); set strict=False or vectorize=False")
    res = _jacobian("hessian", gradient_func, inputs, create_graph, strict, hessian=True)
    return _unpack(res, (is_inputs_tuple, is_inputs_tuple))


def _gradient_of_scalar(name, func, inputs, v, create_graph, strict):
    """What ``vhp`` and ``hvp`` share: the prepared inputs and ``v``, the scalar output, and
    its gradient computed with a graph (so that it can be differentiated again)."""
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", name)
    inputs = _preprocess(inputs, create_graph, need_graph=True)
    v = _prepare_v(name, v, inputs, is_inputs_tuple, "input", create_graph)
    outputs = func(*inputs)
    is_outputs_tuple, outputs = _as_tuple(outputs, "outputs of the function", name)
    _check_requires_grad(name, outputs, "outputs", strict)
    _single_scalar_output(name, outputs, is_outputs_tuple)
    jac = _autograd_grad(outputs, inputs, create_graph=True)
    _check_requires_grad(name, jac, "jacobian", strict)
    return is_inputs_tuple, inputs, v, is_outputs_tuple, outputs, jac


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), vᵀH)`` for a scalar ``func``: the vjp of its gradient with ``v``
    (of the inputs' shapes; None only for a single one-element input)."""
    with grad_mode.enable_grad():
        is_inputs_tuple, inputs, v, is_outputs_tuple, outputs, jac = _gradient_of_scalar(
            "vhp", func, inputs, v, create_graph, strict)
        grads = _autograd_grad(jac, inputs, v, create_graph=create_graph)
        result = _fill_in_zeros("vhp", grads, inputs, strict, create_graph, "double_back")

    outputs = _postprocess(outputs, create_graph)
    result = _postprocess(result, create_graph)
    return _unpack(outputs, is_outputs_tuple), _unpack(result, is_inputs_tuple)


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), H v)`` for a scalar ``func``, by the double-vjp trick on its
    gradient: ``u ↦ uᵀH`` for a dummy ``u``, then the vjp of that with ``v``. (For a
    twice continuously differentiable f, H is symmetric and this equals ``vhp``.)"""
    with grad_mode.enable_grad():
        is_inputs_tuple, inputs, v, is_outputs_tuple, outputs, jac = _gradient_of_scalar(
            "hvp", func, inputs, v, create_graph, strict)
        dummies = tuple(Tensor(np.zeros(t.shape, dtype=t.dtype), requires_grad=True)
                        for t in inputs)
        double_back = _autograd_grad(jac, inputs, dummies, create_graph=True)

        grads = _autograd_grad(double_back, dummies, v, create_graph=create_graph)
        result = _fill_in_zeros("hvp", grads, inputs, strict, create_graph, "double_back_trick")

    outputs = _postprocess(outputs, create_graph)
    result = _postprocess(result, create_graph)
    return _unpack(outputs, is_outputs_tuple), _unpack(result, is_inputs_tuple)
