"""``mg.summary(model, input_shape)``: what each layer of a model outputs, how many
parameters it has and how much arithmetic it does -- the table of Keras'
``model.summary()`` and torchinfo, computed by running the model once.

How: a forward hook on every layer records its output while one forward pass runs on a
random input under ``no_grad`` (in eval mode, so BatchNorm's running statistics are not
touched; each module's train/eval flag is restored afterwards).

Multiply-accumulates (MACs) are counted exactly, for the layers whose cost is a sum of
products over a kernel:

* ``Conv1d/2d/3d``: ``N * out_channels * prod(output_spatial) * (in_channels / groups) *
  prod(kernel_size)`` -- each output element is a dot product of a filter that spans
  ``in_channels / groups`` input maps and the kernel window;
* ``ConvTranspose1d/2d/3d``: ``N * in_channels * prod(input_spatial) * (out_channels /
  groups) * prod(kernel_size)`` -- each input element is multiplied by a filter slice of
  ``out_channels / groups`` maps and the kernel window, scattered into the output;
* ``Linear``: ``N * in_features * out_features`` (for an input ``(..., in)``, ``N`` is the
  product of the leading dims).

Everything else -- pooling, activations, BatchNorm, Dropout, Flatten -- is counted as 0
MACs: its work is a comparison or a few operations per element, not a sum of products.
Bias additions are not counted either (they are adds, not multiply-accumulates).
Arithmetic a custom module does in its own ``forward`` with ``F.*`` calls is not seen:
only Conv and Linear modules are counted.
"""
from collections import namedtuple

import numpy as np

from .autograd import no_grad
from .tensor import Tensor

LayerRow = namedtuple("LayerRow", ["name", "type", "output_shape", "params", "macs"])
LayerRow.__doc__ = """One call of one layer: its qualified name (``features.0``), class name,
output shape, its own parameter count (0 when a layer is called again: its parameters are
counted at its first call) and the MACs of this call."""


def _numel(t):
    """Number of elements of a Tensor or of a shape tuple; None for anything else."""
    if isinstance(t, Tensor):
        return int(t._array.size)
    if isinstance(t, tuple) and all(isinstance(d, (int, np.integer)) for d in t):
        return int(np.prod(t, dtype=np.int64))
    return None


def layer_macs(module, output, input=None):
    """Multiply-accumulates of one call of ``module`` that produced ``output`` -- a Tensor,
    or just its shape (see the module docstring for the formulas). Layers are recognised by
    PyTorch's attribute names, so any conv layer with ``in_channels``, ``kernel_size`` and
    ``groups`` counts; one with ``transposed = True`` counts from its ``input`` (a Tensor or
    its shape), which it then needs."""
    size = _numel(output)
    if size is None:
        return 0
    if all(hasattr(module, a) for a in ("in_channels", "out_channels", "kernel_size", "groups")):
        # size = N * out_channels * prod(output_spatial); kernel_size is a tuple, as in
        # PyTorch (Conv2d(1, 8, 3).kernel_size == (3, 3))
        kernel = int(np.prod(module.kernel_size))
        if getattr(module, "transposed", False):
            if _numel(input) is None:
                raise ValueError(f"layer_macs: the MACs of a transposed convolution "
                                 f"({type(module).__name__}) need its input or input shape")
            return _numel(input) * (module.out_channels // module.groups) * kernel
        return size * (module.in_channels // module.groups) * kernel
    if hasattr(module, "in_features") and hasattr(module, "out_features"):
        return size * module.in_features                 # = N * out * in
    return 0


class Summary:
    """The result of ``mg.summary``: ``rows`` (a list of ``LayerRow``), ``total_params``,
    ``trainable_params``, ``total_macs``, the ``input_shape``; ``str()`` is the table."""

    def __init__(self, model_name, input_shape, rows, total_params, trainable_params, dtype):
        self.model_name = model_name
        self.input_shape = input_shape
        self.rows = rows
        self.total_params = total_params
        self.trainable_params = trainable_params
        self.total_macs = sum(r.macs for r in rows)
        self.dtype = dtype

    @property
    def non_trainable_params(self):
        return self.total_params - self.trainable_params

    def row(self, name):
        """The first row of the layer called ``name`` (``"features.0"``)."""
        for r in self.rows:
            if r.name == name:
                return r
        raise KeyError(f"summary: no layer named {name!r}; layers: {[r.name for r in self.rows]}")

    def __str__(self):
        head = ("Layer (type)", "Output shape", "Param #", "MACs")
        body = [(f"{r.name} ({r.type})", _fmt_shape(r.output_shape), f"{r.params:,}", f"{r.macs:,}")
                for r in self.rows]
        widths = [max(len(line[i]) for line in [head] + body) for i in range(4)]
        widths[0] = max(widths[0], 20)

        def fmt(line):
            return (f"{line[0]:<{widths[0]}}  {line[1]:<{widths[1]}}  "
                    f"{line[2]:>{widths[2]}}  {line[3]:>{widths[3]}}")
        width = len(fmt(head))
        lines = [f"Model: {self.model_name}, input {_fmt_shape(self.input_shape)} {self.dtype}",
                 "-" * width, fmt(head), "=" * width]
        lines += [fmt(line) for line in body]
        lines += ["=" * width,
                  f"Total params: {self.total_params:,}",
                  f"Trainable params: {self.trainable_params:,}",
                  f"Non-trainable params: {self.non_trainable_params:,}",
                  f"Total MACs: {self.total_macs:,}{_human(self.total_macs)}",
                  "-" * width,
                  "MACs: multiply-accumulates of Conv and Linear layers; pooling, activations,",
                  "normalisation and bias adds count 0."]
        return "\n".join(lines)

    __repr__ = __str__


def _fmt_shape(shape):
    if isinstance(shape, list):
        return ", ".join(_fmt_shape(s) for s in shape)
    return str(tuple(shape)) if shape is not None else "-"


def _human(n):
    for size, unit in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if n >= size:
            return f" ({n / size:.2f} {unit})"
    return ""


def summary(model, input_shape, dtype=np.float32):
    """Run ``model`` once on a random input of ``input_shape`` (batch dim included, as
    torchinfo's ``input_size``: ``(1, 1, 28, 28)``; a list of shapes for a model with
    several inputs) and return a ``Summary``: one row per call of each layer (a module
    with no submodules, or with parameters of its own), in the order they ran.

    ``total_params`` counts every parameter of the model once (also those of layers the
    forward pass did not use); ``total_macs`` sums the rows. ``print(mg.summary(...))``
    shows the table.
    """
    several = isinstance(input_shape, list) and all(isinstance(s, (tuple, list)) for s in input_shape)
    shapes = [tuple(s) for s in input_shape] if several else [tuple(input_shape)]
    for s in shapes:
        if not all(isinstance(d, (int, np.integer)) and d > 0 for d in s):
            raise ValueError(f"summary: input_shape must hold positive ints (batch dim first, "
                             f"e.g. (1, 1, 28, 28)), got {input_shape!r}")
    rng = np.random.default_rng(0)       # not minigrad's generator: a summary changes no seed
    inputs = [Tensor(rng.standard_normal(s).astype(dtype)) for s in shapes]

    names = {id(m): name for name, m in model.named_modules()}
    rows, counted, handles = [], set(), []

    def record(module, args, output):
        own = 0
        if id(module) not in counted:
            counted.add(id(module))
            own = sum(p._array.size for p in module.parameters(recurse=False))
        if isinstance(output, Tensor):
            shape = tuple(output.shape)
        elif isinstance(output, (tuple, list)):
            shape = [tuple(o.shape) for o in output if isinstance(o, Tensor)]
        else:
            shape = None
        rows.append(LayerRow(names[id(module)] or type(module).__name__, type(module).__name__,
                             shape, own, layer_macs(module, output, args[0] if args else None)))

    modes = {m: m.training for m in model.modules()}
    for m in model.modules():
        has_children = any(True for _ in m.children())
        has_params = any(True for _ in m.parameters(recurse=False))
        if has_params or not has_children:
            handles.append(m.register_forward_hook(record))
    try:
        model.eval()
        with no_grad():
            try:
                model(*inputs)
            except Exception as e:
                where = (f"after layer {rows[-1].name!r} ({rows[-1].type}, output "
                         f"{_fmt_shape(rows[-1].output_shape)})" if rows else "in its first layer")
                raise RuntimeError(f"summary: the forward pass of {type(model).__name__} on input "
                                   f"{_fmt_shape(shapes if several else shapes[0])} failed {where}: "
                                   f"{type(e).__name__}: {e}") from e
    finally:
        for h in handles:
            h.remove()
        for m, mode in modes.items():
            m.training = mode

    params = list(model.parameters())
    return Summary(type(model).__name__, shapes if several else shapes[0], rows,
                   total_params=sum(p._array.size for p in params),
                   trainable_params=sum(p._array.size for p in params if p.requires_grad),
                   dtype=np.dtype(dtype).name)
