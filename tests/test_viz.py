"""mg.viz: the DOT text names every op and leaf of a graph exactly once, with shapes and
which tensors require grad; render() calls Graphviz or says how to install it."""
import os
import re
import stat

import numpy as np
import pytest

import minigrad as mg
from minigrad import Tensor, nn, viz

NODE = re.compile(r'^\s*(n\d+) \[label="([^"]*)", shape=(box|ellipse)', re.M)
EDGE = re.compile(r"^\s*(n\d+) -> (n\d+);", re.M)


def parse(dot):
    """{node: (label lines, shape)} and the list of edges of ``to_dot`` output."""
    nodes = {}
    for name, label, shape in NODE.findall(dot):
        assert name not in nodes, f"node {name} drawn twice"
        nodes[name] = (label.split("\\n"), shape)
    return nodes, EDGE.findall(dot)


def ops_of(nodes):
    return sorted(label[0] for label, shape in nodes.values() if shape == "box")


def test_small_graph_every_op_and_leaf_once():
    a = Tensor(np.ones((2, 3)), requires_grad=True)
    b = Tensor(np.full((2, 3), 2.0))                 # a constant
    y = (a * b + a).exp().sum()
    nodes, edges = parse(viz.to_dot(y, params={"a": a}))
    assert ops_of(nodes) == ["AddBackward", "ExpBackward", "MulBackward", "SumBackward"]
    leaves = {label[0]: label for label, shape in nodes.values() if shape == "ellipse"}
    assert leaves == {"a": ["a", "(2, 3)", "requires grad"],
                      "tensor": ["tensor", "(2, 3)", "constant"]}
    # a -> Mul, b -> Mul, Mul -> Add, a -> Add, Add -> Exp, Exp -> Sum
    assert len(edges) == 6
    by_label = {label[0]: name for name, (label, _) in nodes.items()}
    assert (by_label["a"], by_label["AddBackward"]) in edges
    assert (by_label["ExpBackward"], by_label["SumBackward"]) in edges
    assert nodes[by_label["SumBackward"]][0][1] == "()"      # the shape each op produced
    assert nodes[by_label["MulBackward"]][0][1] == "(2, 3)"


def test_shared_subexpression_drawn_once_with_two_uses():
    x = Tensor(np.arange(3.0), requires_grad=True)
    e = x.exp()
    y = (e * e + e).sum()                            # e used three times, x once
    nodes, edges = parse(viz.to_dot(y))
    assert ops_of(nodes) == ["AddBackward", "ExpBackward", "MulBackward", "SumBackward"]
    exp_node = next(n for n, (label, _) in nodes.items() if label[0] == "ExpBackward")
    assert sum(src == exp_node for src, _ in edges) == 3
    assert len([1 for label, shape in nodes.values() if shape == "ellipse"]) == 1


def test_output_op_is_highlighted_and_parameters_named():
    lin = nn.Module()
    lin.weight = nn.Parameter(np.ones((4, 3)))
    x = Tensor(np.ones((2, 3)))
    y = (x @ lin.weight.T).relu()
    dot = viz.to_dot(y, params=dict(lin.named_parameters()))
    assert re.search(r'label="ReLUBackward\\n\(2, 4\)".*fillcolor=palegreen', dot)
    assert 'label="weight\\n(4, 3)\\nrequires grad"' in dot
    unnamed = viz.to_dot(y)
    assert 'label="Parameter\\n(4, 3)\\nrequires grad"' in unnamed


def test_leaf_and_no_grad_tensor_give_one_node():
    with mg.no_grad():
        y = Tensor(np.ones(3), requires_grad=True) * 2.0
    nodes, edges = parse(viz.to_dot(y))
    assert list(nodes.values()) == [(["tensor", "(3,)", "constant"], "ellipse")] and edges == []


def test_graph_after_backward_and_deep_chain():
    x = Tensor(np.ones(2), requires_grad=True)
    y = x
    for _ in range(3000):                            # deeper than Python's recursion limit
        y = y * 1.0
    y = y.sum()
    y.backward()                                     # releases saved arrays, not the graph
    nodes, edges = parse(viz.to_dot(y))
    assert ops_of(nodes).count("MulBackward") == 3000 and len(edges) == 3001


def test_a_gradient_made_with_create_graph_has_a_graph_to_draw():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    (g,) = mg.autograd.grad((x * x * x).sum(), x, create_graph=True)   # 3x^2, recorded
    nodes, edges = parse(viz.to_dot(g, params={"x": x}))
    assert "MulBackward" in ops_of(nodes)
    leaves = [label for label, shape in nodes.values() if shape == "ellipse"]
    assert ["x", "(2,)", "requires grad"] in leaves
    assert nodes["n0"][0] == ["AddBackward", "(2,)"]   # the sum of what reaches x by its 3 uses


def test_to_dot_rejects_non_tensors():
    with pytest.raises(TypeError, match="to_dot: expected a minigrad Tensor, got ndarray"):
        viz.to_dot(np.ones(3))


def test_labels_are_quoted():
    x = Tensor(np.ones(2), requires_grad=True)
    dot = viz.to_dot(x.sum(), params={'say "hi"\\': x})
    assert r'label="say \"hi\"\\\n(2,)' in dot


def _graph():
    x = Tensor(np.ones((2, 2)), requires_grad=True)
    return (x * x).sum()


def test_render_without_graphviz_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(RuntimeError, match="apt-get install graphviz") as info:
        viz.render(_graph(), tmp_path / "g.png")
    assert "graphviz.org/download" in str(info.value)
    assert (tmp_path / "g.dot").read_text().startswith("digraph autograd {")
    assert not (tmp_path / "g.png").exists()


def test_render_calls_dot_with_format_from_extension(tmp_path, monkeypatch):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    fake = bindir / "dot"                            # records its arguments and its input
    fake.write_text('#!/bin/sh\nout="$3"\necho "$1" > "$out"\ncat >> "$out"\n')
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", str(bindir) + os.pathsep + os.environ.get("PATH", ""))
    out = viz.render(_graph(), tmp_path / "g.svg")
    text = open(out).read()
    assert text.startswith("-Tsvg\ndigraph autograd {") and "MulBackward" in text
