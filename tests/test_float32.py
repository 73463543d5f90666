"""float32 stays float32 end to end: no op of a training step makes a float64 array, in
the forward pass or in any backward (a float64 temporary in a hot path is a bug: twice the
memory traffic, and numpy's float64 BLAS is half as fast)."""
import numpy as np

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn, optim
from minigrad.autograd import graph
from minigrad.autograd.function import Function


def reference_net():
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(),
        nn.Conv2d(32, 16, 1), nn.ReLU(),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.AvgPool2d(2),
        nn.Flatten(), nn.Dropout(0.1), nn.Linear(1568, 128), nn.ReLU(), nn.Linear(128, 10))


def test_a_training_step_makes_no_float64_array(monkeypatch):
    mg.manual_seed(0)
    model = reference_net()
    opt = optim.Adam(model.parameters(), lr=1e-3)
    x = mg.randn(4, 1, 28, 28)
    y = mg.tensor(np.array([1, 2, 3, 4]))

    # Every Tensor made (by an op's forward, by the walk, inside a backward), named by where
    # it was made: "ReLU.backward > Mul" is a Mul run by ReLU's backward formula.
    made, grads, where = [], [], []
    real_apply, real_wrap = Function.__dict__["apply"].__func__, mg.Tensor.wrap
    real_call, real_check = graph._call_backward, graph._check_grad

    def record_apply(cls, *args, **kwargs):
        where.append(cls.__name__)
        try:
            return real_apply(cls, *args, **kwargs)
        finally:
            where.pop()

    def record_backward(node, g):
        where.append(f"{node.fn.__name__}.backward")
        try:
            return real_call(node, g)
        finally:
            where.pop()

    def record_output(data, ctx):
        t = real_wrap(data, ctx)
        made.append((" > ".join(where) or "the graph walk", t.dtype))
        return t

    def record_grad(node, t, g):          # the walk calls it only for a gradient whose
        grads.append((node.fn.__name__, g.dtype))   # shape or dtype is not its input's
        return real_check(node, t, g)

    monkeypatch.setattr(Function, "apply", classmethod(record_apply))
    monkeypatch.setattr(graph, "_call_backward", record_backward)
    monkeypatch.setattr(mg.Tensor, "wrap", staticmethod(record_output))
    monkeypatch.setattr(graph, "_check_grad", record_grad)
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    opt.step()

    assert made
    assert any(".backward > " in name for name, dt in made)    # backward formulas were seen
    assert {name for name, dt in made if dt.kind == "f" and dt != np.float32} == set()
    assert grads == []        # every backward returned float32 gradients: nothing was cast
    for name, p in model.named_parameters():
        assert p.dtype == np.float32 and p.grad.dtype == np.float32, name
    for name, b in model.named_buffers():
        if np.issubdtype(b.dtype, np.floating):
            assert b.dtype == np.float32, name
