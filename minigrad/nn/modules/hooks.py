"""Module hooks: the handles ``register_*_hook`` return, and the machinery of
``register_full_backward_hook`` -- an advanced feature kept out of ``module.py``, which
every newcomer reads.

Forward hooks need nothing here: ``Module.__call__`` calls them after ``forward``.
Backward hooks have to catch the gradients of a module call's inputs and outputs as the
graph walk goes by, which is what the three small Functions below do.
"""
import numpy as np

from ...autograd.function import ArrayFunction
from ...autograd.function import mark_not_differentiable
from ...tensor import Tensor


class _HookHandle:
    _next_id = 0

    def __init__(self, hooks, hook):
        self.hooks, self.id = hooks, _HookHandle._next_id
        _HookHandle._next_id += 1
        hooks[self.id] = hook

    def remove(self):
        self.hooks.pop(self.id, None)


# ---- backward hooks ---------------------------------------------------------------------------
# A minigrad Function returns one array, so the gradients of all inputs of a module call
# meet in one extra node, a gate, that every input passes through on its way in:
#
#     x1 ─┐             ┌─ _InputTap ─> x1' ─┐
#         ├─ _HookGate ─┤                    ├─ forward ─> _OutputTap ─> out
#     x2 ─┘  (a scalar) └─ _InputTap ─> x2' ─┘
#
# In backward the output taps record grad_output, each input tap records its input's
# gradient, and the gate -- an ancestor of every tap, so it runs after all of them -- calls
# the hooks and hands the gradients (or the hooks' replacements) on to x1 and x2. A gradient
# that reaches the inputs without having passed through an output -- differentiating a
# gradient again, whose graph uses x1' but not out -- goes through the gate unchanged,
# without calling the hooks (as in PyTorch).
#
# The gradients stay Tensors all the way: the taps pass on the Tensor they receive, and the
# gate hands on the Tensors the hooks see or return. Under ``create_graph=True`` those carry
# their own graph, so a hook's replacement (``gi[0] * 10``, say) is recorded like any op and
# the gradient can be differentiated again through it.
class _BackwardHookCall:
    """The gradients of one call of a module that has backward hooks."""

    def __init__(self, module):
        self.module = module
        self.n_args = 0
        self.tapped = []              # positions of the inputs routed through the gate
        self.shapes = {}              # position -> shape of that input
        self.grad_inputs = {}         # position -> gradient Tensor, filled by the input taps
        self.grad_outputs = []        # one slot per output, filled by the output taps
        self.n_outputs = 0            # outputs routed through an output tap
        self.pending_outputs = 0      # of those, how many have not had their gradient yet
        self.output_seen = False      # an output tap has run in this backward pass

    def wrap_inputs(self, args):
        self.n_args = len(args)
        self.tapped = [i for i, a in enumerate(args) if isinstance(a, Tensor) and a.requires_grad]
        if not self.tapped:
            return args
        self.shapes = {i: args[i].shape for i in self.tapped}
        gate = _HookGate.apply(*(args[i] for i in self.tapped), call=self)
        args = list(args)
        for i in self.tapped:
            args[i] = _InputTap.apply(gate, args[i]._array, call=self, position=i)
        return tuple(args)

    def wrap_outputs(self, out):
        several = isinstance(out, (tuple, list))
        outs = list(out) if several else [out]
        self.grad_outputs = [None] * len(outs)
        for j, o in enumerate(outs):
            if isinstance(o, Tensor) and o.requires_grad:
                outs[j] = _OutputTap.apply(o, call=self, slot=j)
                self.n_outputs += 1
        self.pending_outputs = self.n_outputs
        return type(out)(outs) if several else outs[0]

    def run_hooks(self, depends_on=()):
        """Call every hook; return the gradients for the tapped inputs, as Tensors (None
        where a hook replaced one with None). A hook that returns a numpy array instead of
        a Tensor gets a gradient that cannot be differentiated again (an error under
        ``create_graph`` names the hook); ``depends_on`` are the Tensors it may depend on."""
        grad_output = tuple(self.grad_outputs)
        grad_input = tuple(self.grad_inputs.get(i) for i in range(self.n_args))
        output_seen = self.output_seen
        self.grad_inputs = {}                             # each backward fills them anew
        self.grad_outputs = [None] * len(self.grad_outputs)
        self.output_seen = False
        if not output_seen:          # not through an output: no hook, gradients unchanged
            return tuple(grad_input[i] for i in self.tapped)
        name = type(self.module).__name__
        for hook in tuple(self.module._backward_hooks.values()):
            result = hook(self.module, grad_input, grad_output)
            if result is None:
                continue
            result = tuple(result) if isinstance(result, (tuple, list)) else (result,)
            if len(result) != self.n_args:
                raise RuntimeError(f"backward hook of {name} returned {len(result)} gradients, "
                                   f"expected {self.n_args} (one per positional input)")
            if not self.tapped and any(r is not None for r in result):
                raise RuntimeError(f"backward hook of {name}: no input of this call requires "
                                   "grad, so the hook must return None")
            grad_input = tuple(
                r if r is None or isinstance(r, Tensor) else
                mark_not_differentiable(r, f"backward hook of {name}",
                                        "the hook returned a numpy array, not a Tensor",
                                        depends_on)
                for r in result)
        out = []
        for i in self.tapped:
            g = grad_input[i]
            if g is not None and g.shape != self.shapes[i]:
                raise RuntimeError(f"backward hook of {name} returned a gradient of shape "
                                   f"{g.shape} for input {i} of shape {self.shapes[i]}")
            out.append(g)
        return tuple(out)


class _HookGate(ArrayFunction):
    """All tapped inputs in, one dummy scalar out; its backward calls the hooks."""

    @staticmethod
    def forward(ctx, *inputs, call):
        ctx.call = call
        return np.zeros((), dtype=inputs[0].dtype)

    @staticmethod
    def backward(ctx, grad):
        return ctx.call.run_hooks(depends_on=(grad,) + ctx.inputs)


class _InputTap(ArrayFunction):
    """Identity on ``x`` (given as an array) that hangs on the gate; backward records dL/dx
    (a Tensor) and hands the gate a constant zero."""

    @staticmethod
    def forward(ctx, gate, x, call, position):
        ctx.call, ctx.position = call, position
        return x

    @staticmethod
    def backward(ctx, grad):
        ctx.call.grad_inputs[ctx.position] = grad
        return Tensor.wrap(np.zeros((), dtype=ctx.inputs[0].dtype), None), None


class _OutputTap(ArrayFunction):
    """Identity on one output; backward records grad_output (and, when no input is tapped,
    calls the hooks once every output's gradient is in)."""

    @staticmethod
    def forward(ctx, out, call, slot):
        ctx.call, ctx.slot = call, slot
        return out

    @staticmethod
    def backward(ctx, grad):
        call = ctx.call
        call.grad_outputs[ctx.slot] = grad
        call.output_seen = True
        call.pending_outputs -= 1
        if call.pending_outputs == 0:
            call.pending_outputs = call.n_outputs      # ready for a backward with retain_graph
            if not call.tapped:
                call.run_hooks()
        return grad
