"""Pictures of the autograd graph: ``to_dot(tensor)`` writes it as Graphviz DOT text,
``render(tensor, path)`` turns that into an image with Graphviz's ``dot`` program.

The graph drawn is the one ``backward()`` walks: start at the tensor, follow ``grad_fn``
(the graph node of the op that made it) to the op's ``inputs``, and on down to the leaves.
Every op output is made by exactly one op, so each box stands for one op *and* the tensor
it produced:

* a box per op: its node's name as PyTorch shows it (``grad_fn.name()``, e.g.
  ``MulBackward``) and the shape of its output (green: the op that made the tensor you
  passed in);
* an ellipse per leaf tensor: its name (from ``params``, else "Parameter" or "tensor"),
  shape, and whether it requires grad -- blue if it does (``backward`` will fill its
  ``.grad``), grey if it is a constant that gradients do not flow into;
* an arrow from each input to the op that used it (the direction data flows in forward;
  ``backward`` walks them the other way). An op that uses one tensor twice (``x * x``)
  gets two arrows.

Example::

    y = model(x).sum()
    print(mg.viz.to_dot(y, params=dict(model.named_parameters())))
    mg.viz.render(y, "graph.png")          # needs Graphviz installed
"""
import os
import shutil
import subprocess

from .nn.modules.module import Parameter
from .tensor import Tensor

INSTALL_HINT = (
    "Graphviz's 'dot' program is not on PATH. Install Graphviz -- Debian/Ubuntu: "
    "'sudo apt-get install graphviz'; macOS: 'brew install graphviz'; conda: "
    "'conda install graphviz'; Windows and others: https://graphviz.org/download/ -- "
    "or paste the text of mg.viz.to_dot(tensor) into any online Graphviz viewer.")


def _quote(text):
    """A DOT string literal; lines are joined with DOT's own ``\\n``."""
    text = str(text).replace("\\", "\\\\").replace('"', '\\"')
    return '"' + text.replace("\n", "\\n") + '"'


def _shape(t):
    return str(tuple(t.shape))


def to_dot(tensor, params=None):
    """Graphviz DOT text of the autograd graph that produced ``tensor``.

    ``params`` optionally maps names to tensors (``dict(model.named_parameters())``) so
    leaves are labelled with their names. A tensor without a ``grad_fn`` (made under
    ``no_grad``, or a leaf) gives a graph of that one tensor. A gradient computed with
    ``create_graph=True`` has a graph of its own, drawn the same way.
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"to_dot: expected a minigrad Tensor, got {type(tensor).__name__}")
    names = {id(t): name for name, t in (params or {}).items()}
    lines = ["digraph autograd {",
             '  // boxes: ops (green: the one that made the output); ellipses: leaf tensors',
             '  // (blue: requires grad, grey: constant); arrows: inputs -> the op using them',
             '  node [fontname="Helvetica", fontsize=10];']
    ids = {}                     # id(tensor) -> node name, so every tensor is drawn once
    edges = []

    def node_of(t):
        key = id(t)
        if key in ids:
            return ids[key], False
        ids[key] = f"n{len(ids)}"
        return ids[key], True

    root, _ = node_of(tensor)
    stack = [tensor]
    while stack:                 # iterative walk: a graph 100,000 ops deep is fine
        t = stack.pop()
        name = ids[id(t)]
        if t.grad_fn is None:
            kind = "Parameter" if isinstance(t, Parameter) else "tensor"
            label = f"{names.get(id(t), kind)}\n{_shape(t)}\n" + \
                ("requires grad" if t.requires_grad else "constant")
            color = "lightblue" if t.requires_grad else "lightgrey"
            lines.append(f"  {name} [label={_quote(label)}, shape=ellipse, style=filled, "
                         f"fillcolor={color}];")
            continue
        color = "palegreen" if name == root else "white"
        label = f"{t.grad_fn.name()}\n{_shape(t)}"
        lines.append(f"  {name} [label={_quote(label)}, shape=box, style=filled, "
                     f"fillcolor={color}];")
        for inp in t.grad_fn.inputs:
            if inp is None:      # a plain number or array argument: not part of the graph
                continue
            pname, new = node_of(inp)
            edges.append(f"  {pname} -> {name};")
            if new:
                stack.append(inp)
    lines.extend(reversed(edges))    # inputs first, the order forward ran in
    lines.append("}")
    return "\n".join(lines) + "\n"


def render(tensor, path, params=None, format=None):
    """Draw the autograd graph of ``tensor`` into the file ``path`` with Graphviz's ``dot``.

    ``format`` defaults to the file's extension (``.png``, ``.svg``, ``.pdf``; ``png`` if
    there is none). Returns ``path``. Without Graphviz installed this raises a
    ``RuntimeError`` saying how to install it, after writing the DOT text next to ``path``
    (``graph.png`` -> ``graph.dot``) so nothing is lost.
    """
    text = to_dot(tensor, params)
    path = os.fspath(path)
    fmt = format or os.path.splitext(path)[1].lstrip(".") or "png"
    dot = shutil.which("dot")
    if dot is None:
        dot_path = os.path.splitext(path)[0] + ".dot"
        with open(dot_path, "w") as f:
            f.write(text)
        raise RuntimeError(f"render: cannot draw {path}. {INSTALL_HINT} The DOT text was "
                           f"written to {dot_path}; once Graphviz is installed, run "
                           f"'dot -T{fmt} {dot_path} -o {path}'.")
    result = subprocess.run([dot, f"-T{fmt}", "-o", path], input=text, text=True,
                            capture_output=True)
    if result.returncode != 0:
        raise RuntimeError(f"render: dot failed on {path} (format {fmt!r}): {result.stderr.strip()}")
    return path
