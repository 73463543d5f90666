"""The autograd API of PyTorch that higher-order experiments use: backward(create_graph,
retain_graph, inputs), autograd.grad, grad_fn as a node, once_differentiable, and the rule
that no higher derivative is ever silently wrong."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import Tensor, nn
from minigrad.autograd.function import once_differentiable

from helpers import Cube, WrongSquare


# these tests are about create_graph and retain_graph themselves: the suite's create-graph run
# (tests/conftest.py) must not change their defaults
pytestmark = pytest.mark.own_create_graph


def leaf(values):
    return Tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


# ---- backward(create_graph=...) -----------------------------------------------------------------
def test_second_derivative_by_backward_twice():
    x = leaf([0.5, -1.0, 2.0])
    y = (x.sin() * x ** 3).sum()
    y.backward(create_graph=True)
    g = x.grad                                       # 3x²sin x + x³cos x, with a graph
    assert g.grad_fn is not None and g.requires_grad
    d = x.numpy()
    np.testing.assert_allclose(g.numpy(), 3 * d ** 2 * np.sin(d) + d ** 3 * np.cos(d))
    x.grad = None
    g.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 6 * d * np.sin(d) + 6 * d ** 2 * np.cos(d)
                               - d ** 3 * np.sin(d))


def test_retain_graph_defaults_to_create_graph():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    y.backward(create_graph=True)
    y.backward(create_graph=True)                    # the graph was kept
    np.testing.assert_allclose(x.grad.numpy(), 4 * x.numpy())
    z = (x * x).sum()
    z.backward()
    with pytest.raises(RuntimeError, match="second time"):
        z.backward()


def test_grad_without_create_graph_is_a_constant():
    x = leaf([1.0, 2.0])
    (x ** 3).sum().backward()
    assert x.grad.grad_fn is None and not x.grad.requires_grad


def test_backward_inputs_accumulates_only_into_those():
    a, b = leaf([1.0]), leaf([2.0])
    (a * b).sum().backward(inputs=[a])
    assert a.grad.item() == 2.0 and b.grad is None
    y = a * b
    y.retain_grad()
    (y * 3).sum().backward(inputs=[y])
    assert y.grad.item() == 3.0 and b.grad is None


# ---- autograd.grad --------------------------------------------------------------------------------
def test_grad_returns_a_tuple_and_touches_no_grad():
    x, w = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    gx, gw = mg.autograd.grad((x * w).sum(), (x, w))
    np.testing.assert_allclose(gx.numpy(), w.numpy())
    np.testing.assert_allclose(gw.numpy(), x.numpy())
    assert x.grad is None and w.grad is None


def test_grad_of_a_non_leaf_and_with_grad_outputs():
    x = leaf([1.0, 2.0, 3.0])
    h = x * 2
    y = h * h
    (gh,) = mg.autograd.grad(y, h, grad_outputs=mg.tensor(np.array([1.0, 0.0, 2.0])))
    np.testing.assert_allclose(gh.numpy(), [4.0, 0.0, 24.0])


def test_grad_walks_only_the_part_that_reaches_the_inputs():
    calls = []

    class Spy(mg.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 1.0

        @staticmethod
        def backward(ctx, grad):
            calls.append(1)
            return grad

    a, b = leaf([1.0]), leaf([2.0])
    y = (Spy.apply(a) * b).sum()
    mg.autograd.grad(y, b, retain_graph=True)
    assert calls == []                               # nothing above a was needed
    mg.autograd.grad(y, a)
    assert calls == [1]


def test_grad_unused_input_is_an_error_unless_allowed():
    x, z = leaf([1.0]), leaf([5.0])
    y = (x * 2).sum()
    with pytest.raises(RuntimeError, match="input 1.*not used.*allow_unused"):
        mg.autograd.grad(y, (x, z), retain_graph=True)
    gx, gz = mg.autograd.grad(y, (x, z), allow_unused=True)
    assert gx.item() == 2.0 and gz is None


def test_grad_argument_errors():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="does not require grad"):
        mg.autograd.grad((x * 2).sum(), Tensor(np.ones(2)))
    with pytest.raises(RuntimeError, match="implicitly created only for scalar"):
        mg.autograd.grad(x * 2, x)
    with pytest.raises(RuntimeError, match=r"gradient has shape \(3,\)"):
        mg.autograd.grad(x * 2, x, grad_outputs=np.ones(3))
    with pytest.raises(TypeError, match="input 0 must be a Tensor"):
        mg.autograd.grad((x * 2).sum(), [np.ones(2)])


def test_hessian_vector_product_and_newton_step():
    # f(x) = sum(x⁴)/4 - sum(x): grad x³ - 1, Hessian diag(3x²)
    x = leaf([2.0, -1.5, 0.7])
    v = mg.tensor(np.array([1.0, 2.0, -1.0]))
    (g,) = mg.autograd.grad((x ** 4).sum() / 4 - x.sum(), x, create_graph=True)
    (hv,) = mg.autograd.grad(g, x, grad_outputs=v)
    np.testing.assert_allclose(hv.numpy(), 3 * x.numpy() ** 2 * v.numpy())
    # Newton's method converges to x = 1 in a few steps
    z = leaf([2.0, 3.0, 0.5])
    for _ in range(12):
        (g,) = mg.autograd.grad((z ** 4).sum() / 4 - z.sum(), z, create_graph=True)
        diag = np.stack([mg.autograd.grad(g[i], z, retain_graph=True)[0].numpy()[i]
                         for i in range(3)])
        z = Tensor(z.numpy() - g.numpy() / diag, requires_grad=True)
    np.testing.assert_allclose(z.numpy(), 1.0, atol=1e-12)


def test_gradient_penalty_through_a_conv_net_reaches_the_weights():
    mg.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(1, 3, 3, padding=1), nn.Tanh() if hasattr(nn, "Tanh") else
                        nn.Sigmoid(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(12, 1)).double()
    x = mg.randn(2, 1, 4, 4, dtype=np.float64, requires_grad=True)
    (gx,) = mg.autograd.grad(net(x).sum(), x, create_graph=True)
    penalty = ((gx * gx).sum() - 1) ** 2
    penalty.backward()
    w = net[0].weight
    assert w.grad is not None and np.abs(w.grad.numpy()).max() > 0
    # against central differences on one weight
    k, eps = (1, 0, 1, 2), 1e-6

    def value():
        with mg.enable_grad():
            xx = Tensor(x.numpy(), requires_grad=True)
            (g,) = mg.autograd.grad(net(xx).sum(), xx)
            return float((((g * g).sum() - 1) ** 2).item())
    orig = w.numpy()[k]
    w.numpy()[k] = orig + eps
    plus = value()
    w.numpy()[k] = orig - eps
    minus = value()
    w.numpy()[k] = orig
    np.testing.assert_allclose(w.grad.numpy()[k], (plus - minus) / (2 * eps), rtol=1e-5, atol=1e-8)


# ---- grad_fn as a node ------------------------------------------------------------------------------
def test_grad_fn_reads_like_pytorch():
    a, b = leaf([1.0]), leaf([2.0])
    y = a * b + 1
    assert repr(y.grad_fn) == "<AddBackward>" and y.grad_fn.name() == "AddBackward"
    (mul, _), (const, _) = y.grad_fn.next_functions
    assert mul.name() == "MulBackward" and const is None
    leaves = [n for n, _ in mul.next_functions]
    assert [n.name() for n in leaves] == ["AccumulateGrad", "AccumulateGrad"]
    assert leaves[0].variable is a and leaves[1].variable is b
    assert "grad_fn=<AddBackward>" in repr(y)


def test_the_graph_of_a_gradient_can_be_walked():
    x = leaf([1.0, 2.0])
    (g,) = mg.autograd.grad((x.exp() * x).sum(), x, create_graph=True)
    names, stack, seen = set(), [g.grad_fn], set()
    while stack:
        n = stack.pop()
        if n is None or id(n) in seen:
            continue
        seen.add(id(n))
        names.add(n.name())
        stack.extend(f for f, _ in n.next_functions)
    assert {"ExpBackward", "MulBackward", "AccumulateGrad"} <= names
    assert "digraph" in mg.viz.to_dot(g)


# ---- user Functions and the "never silently wrong" rule ------------------------------------------
def test_a_user_function_on_saved_tensors_is_differentiable_to_any_order():
    x = leaf([0.5, -2.0])
    assert mg.gradgradcheck(Cube.apply, (x,))
    (g,) = mg.autograd.grad(Cube.apply(x).sum(), x, create_graph=True)
    (h,) = mg.autograd.grad(g.sum(), x, create_graph=True)
    (t,) = mg.autograd.grad(h.sum(), x)
    np.testing.assert_allclose(h.numpy(), 6 * x.numpy())
    np.testing.assert_allclose(t.numpy(), [6.0, 6.0])


class ArrayCube(mg.Function):
    """A backward on numpy arrays: right at first order, not differentiable again."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad.numpy() * 3 * x.numpy() ** 2


class TanhSavingIntermediate(mg.Function):
    @staticmethod
    def forward(ctx, x):
        t = np.tanh(x)
        ctx.save_for_backward(t * 1.0)      # a fresh array: neither input nor output
        return t

    @staticmethod
    def backward(ctx, grad):
        (t,) = ctx.saved_tensors
        return grad * (1 - t * t)


class OnceCube(mg.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    @once_differentiable
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3 * x ** 2


@pytest.mark.parametrize("fn, why", [(ArrayCube, "returned a numpy array"),
                                     (TanhSavingIntermediate, "neither an input nor the output"),
                                     (OnceCube, "once_differentiable")])
def test_a_non_differentiable_backward_is_right_once_and_an_error_twice(fn, why):
    x = leaf([0.3, -0.8])
    assert mg.gradcheck(fn.apply, (x,))                       # first order is right
    (g,) = mg.autograd.grad(fn.apply(x).sum(), x, create_graph=True)
    with pytest.raises(RuntimeError, match=f"{fn.__name__}.*cannot be differentiated again.*{why}"):
        mg.autograd.grad(g.sum(), x)
    with pytest.raises(RuntimeError):                         # gradgradcheck cannot pass
        mg.gradgradcheck(fn.apply, (x,))


def test_once_differentiable_imports_from_where_pytorch_has_it():
    from minigrad.autograd.function import once_differentiable as od
    assert od is once_differentiable


def test_inputs_sharing_one_array_are_told_apart():
    x = leaf([1.0, 2.0])
    (g,) = mg.autograd.grad((x * x.detach()).sum(), x, create_graph=True)
    np.testing.assert_allclose(g.numpy(), x.numpy())
    assert not g.requires_grad                    # d/dx of x·c is c: a constant


def test_gradcheck_report_lists_errors_per_input():
    x, w = leaf(np.linspace(-1, 1, 6).reshape(2, 3)), leaf(np.ones((4, 3)) * 0.3)
    report = mg.gradcheck(lambda x, w: F.linear(x, w).tanh(), (x, w), report=True)
    assert report and report.passed and len(report.rows) == 2
    row = report.rows[1]
    assert row["input"] == 1 and row["shape"] == (4, 3) and row["passed"]
    assert 0 <= row["max_abs_error"] < 1e-8 and len(row["max_abs_at"]) == 2
    assert "max abs error" in str(report)
    assert mg.gradcheck(ArrayCube.apply, (x,), report=True).passed  # right at first order


def test_gradcheck_report_finds_a_wrong_gradient():
    x = leaf([1.0, -3.0])
    report = mg.gradcheck(WrongSquare.apply, (x,), report=True)
    assert not report and not report.rows[0]["passed"]
    assert report.rows[0]["max_rel_error"] == pytest.approx(0.5, rel=1e-3)   # x·v for 2x·v


# ---- anomaly mode -----------------------------------------------------------------------------------
def test_detect_anomaly_names_the_op_that_made_a_nan_and_its_forward_line():
    x = leaf([4.0, 0.0])
    with mg.autograd.detect_anomaly():
        with np.errstate(divide="ignore", invalid="ignore"):
            y = x.sqrt()                          # d sqrt / dx at 0 is inf; times 0 is nan
            with pytest.raises(RuntimeError, match=r"(?s)'SqrtBackward' returned nan values in "
                                                   r"its 0th output.*y = x\.sqrt\(\)"):
                (y * 0).sum().backward()
    assert not mg.autograd.is_anomaly_enabled()
    with np.errstate(divide="ignore", invalid="ignore"):
        (x.sqrt() * 0).sum().backward()          # outside: nan, silently, as in PyTorch
    assert np.isnan(x.grad.numpy()[1])


def test_detect_anomaly_attaches_the_forward_stack_to_an_error_in_backward():
    class Broken(mg.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            raise ValueError("broken backward")

    x = leaf([1.0])
    mg.autograd.set_detect_anomaly(True)
    try:
        y = Broken.apply(x)                       # the line the note points to
        with pytest.raises(ValueError) as info:
            y.sum().backward()
    finally:
        mg.autograd.set_detect_anomaly(False)
    notes = "".join(getattr(info.value, "__notes__", []))
    assert "BrokenBackward" in notes and "y = Broken.apply(x)" in notes
