"""Module hooks: ``register_forward_hook`` and ``register_full_backward_hook`` fire once per
call with the right tensors, PyTorch's semantics (``hook(module, grad_input, grad_output)``)."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import Tensor, nn


class MatMul(nn.Module):
    """y = x @ W with a fixed W, so every gradient is known by hand: dL/dx = dL/dy @ W.T."""

    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(np.arange(6.0).reshape(2, 3))

    def forward(self, x):
        return x @ self.weight


class MulAdd(nn.Module):
    """Two tensor inputs, a plain number between them, two outputs."""

    def forward(self, a, k, b):
        return a * b * k, a + b


class Chain(nn.Module):
    """Calls ``first``; of ``second`` it uses only the weight, so ``second`` never runs."""

    def __init__(self):
        super().__init__()
        self.first = MatMul()
        self.second = MatMul()

    def forward(self, x):
        return self.first(x) @ self.second.weight.T


def _x(requires_grad=True):
    return Tensor(np.array([[1.0, -2.0], [0.5, 3.0]]), requires_grad=requires_grad)


C = np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 4.0]])   # upstream gradient dL/dy, loss = sum(y * C)


# ---- forward hooks ---------------------------------------------------------------------------
def test_forward_hook_sees_inputs_and_output_once_per_call():
    m, seen = MatMul(), []
    m.register_forward_hook(lambda mod, args, out: seen.append((mod, args, out)))
    x = _x()
    y = m(x)
    assert len(seen) == 1
    mod, args, out = seen[0]
    assert mod is m and args[0] is x and out is y
    m(x)
    assert len(seen) == 2


def test_forward_hook_return_replaces_output_and_remove_stops_it():
    m = MatMul()
    handle = m.register_forward_hook(lambda mod, args, out: out * 0.0)
    np.testing.assert_array_equal(m(_x()).numpy(), np.zeros((2, 3)))
    handle.remove()
    np.testing.assert_array_equal(m(_x()).numpy(), _x().numpy() @ m.weight.numpy())


def test_forward_hooks_capture_feature_maps_of_submodules():
    model = Chain()
    maps = {}
    for name, sub in model.named_children():
        # (a hook that returns something replaces the output: __setitem__ returns None)
        sub.register_forward_hook(lambda mod, args, out, name=name: maps.__setitem__(name, out.numpy()))
    model(_x())
    assert list(maps) == ["first"]           # second is never called, only its weight is used
    np.testing.assert_array_equal(maps["first"], _x().numpy() @ model.first.weight.numpy())


# ---- backward hooks --------------------------------------------------------------------------
def test_backward_hook_gets_grad_input_and_grad_output():
    m, calls = MatMul(), []
    m.register_full_backward_hook(lambda mod, gi, go: calls.append((mod, gi, go)))
    x = _x()
    (m(x) * C).sum().backward()
    assert len(calls) == 1
    mod, grad_input, grad_output = calls[0]
    assert mod is m and len(grad_input) == 1 and len(grad_output) == 1
    np.testing.assert_allclose(grad_output[0].numpy(), C)
    np.testing.assert_allclose(grad_input[0].numpy(), C @ m.weight.numpy().T)
    np.testing.assert_allclose(x.grad.numpy(), C @ m.weight.numpy().T)     # unchanged by the hook
    np.testing.assert_allclose(m.weight.grad.numpy(), x.numpy().T @ C)


def test_backward_hook_fires_once_per_call_of_a_reused_module():
    m, calls = MatMul(), []
    m.register_full_backward_hook(lambda mod, gi, go: calls.append(go[0].numpy().copy()))
    x = _x()
    y1, y2 = m(x), m(x * 2.0)
    (y1 * C + y2 * 3.0).sum().backward()
    assert len(calls) == 2
    got = sorted(calls, key=lambda g: g.sum())
    np.testing.assert_allclose(got[0], C)
    np.testing.assert_allclose(got[1], np.full((2, 3), 3.0))


def test_backward_hook_when_no_input_requires_grad():
    m, calls = MatMul(), []
    m.register_full_backward_hook(lambda mod, gi, go: calls.append((gi, go)))
    (m(_x(requires_grad=False)) * C).sum().backward()
    assert len(calls) == 1
    grad_input, grad_output = calls[0]
    assert grad_input == (None,)
    np.testing.assert_allclose(grad_output[0].numpy(), C)
    np.testing.assert_allclose(m.weight.grad.numpy(), _x().numpy().T @ C)


def test_backward_hook_must_return_none_when_no_input_requires_grad():
    m = MatMul()
    m.register_full_backward_hook(lambda mod, gi, go: (go[0],))
    with pytest.raises(RuntimeError, match="MatMul.*must return None"):
        m(_x(requires_grad=False)).sum().backward()


def test_backward_hook_with_several_inputs_and_outputs():
    m, calls = MulAdd(), []
    m.register_full_backward_hook(lambda mod, gi, go: calls.append((gi, go)))
    a = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    b = Tensor(np.array([3.0, -1.0]), requires_grad=True)
    p, q = m(a, 5.0, b)
    (p + q * 2.0).sum().backward()
    assert len(calls) == 1
    (ga, gk, gb), (gp, gq) = calls[0]
    assert gk is None                                  # a plain number has no gradient
    np.testing.assert_allclose(gp.numpy(), [1.0, 1.0])
    np.testing.assert_allclose(gq.numpy(), [2.0, 2.0])
    np.testing.assert_allclose(ga.numpy(), 5.0 * b.numpy() + 2.0)
    np.testing.assert_allclose(gb.numpy(), 5.0 * a.numpy() + 2.0)
    np.testing.assert_allclose(a.grad.numpy(), ga.numpy())
    np.testing.assert_allclose(b.grad.numpy(), gb.numpy())


def test_backward_hook_output_unused_in_loss_gets_none():
    m, calls = MulAdd(), []
    m.register_full_backward_hook(lambda mod, gi, go: calls.append(go))
    a = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    b = Tensor(np.array([3.0, -1.0]), requires_grad=True)
    p, q = m(a, 1.0, b)
    p.sum().backward()
    assert len(calls) == 1 and calls[0][1] is None
    np.testing.assert_allclose(a.grad.numpy(), b.numpy())


def test_backward_hook_return_replaces_grad_input():
    m = MulAdd()
    m.register_full_backward_hook(lambda mod, gi, go: (gi[0] * 10.0, None, None))
    a = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    b = Tensor(np.array([3.0, -1.0]), requires_grad=True)
    p, _ = m(a, 1.0, b)
    p.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), 10.0 * b.numpy())
    assert b.grad is None


def test_backward_hook_wrong_number_of_gradients_is_an_error():
    m = MatMul()
    m.register_full_backward_hook(lambda mod, gi, go: (gi[0], gi[0]))
    with pytest.raises(RuntimeError, match="MatMul returned 2 gradients, expected 1"):
        m(_x()).sum().backward()


def test_backward_hook_removed_and_not_run_under_no_grad():
    m, calls = MatMul(), []
    handle = m.register_full_backward_hook(lambda mod, gi, go: calls.append(1))
    with mg.no_grad():
        y = m(_x())
    assert y.grad_fn is None and calls == []
    handle.remove()
    m(_x()).sum().backward()
    assert calls == []


def test_backward_hook_with_retain_graph_fires_each_backward():
    m, calls = MatMul(), []
    m.register_full_backward_hook(lambda mod, gi, go: calls.append(gi[0].numpy().copy()))
    loss = (m(_x()) * C).sum()
    loss.backward(retain_graph=True)
    loss.backward()
    assert len(calls) == 2
    np.testing.assert_allclose(calls[0], calls[1])


def test_backward_hook_does_not_change_gradients():
    x0 = np.random.default_rng(1).standard_normal((3, 2))

    def grads(with_hook):
        m = MatMul()
        if with_hook:
            m.register_full_backward_hook(lambda mod, gi, go: None)
        x = Tensor(x0.copy(), requires_grad=True)
        (m(x).tanh() * C[0]).sum().backward()
        return x.grad.numpy(), m.weight.grad.numpy()

    for a, b in zip(grads(False), grads(True)):
        np.testing.assert_array_equal(a, b)


class Cube(nn.Module):
    def forward(self, x):
        return x * x * x


def test_backward_hook_gradients_compose_with_create_graph():
    # the hook sees recorded Tensors and its replacement is recorded too, so the gradient
    # it shapes can be differentiated again: d/dx sum(2 * 3x^2) = 12x
    m, seen = Cube(), []

    def hook(mod, gi, go):
        seen.append((gi[0].requires_grad, go[0].requires_grad))
        return (gi[0] * 2.0,)

    m.register_full_backward_hook(hook)
    x = Tensor(np.array([1.0, -2.0, 0.5]), requires_grad=True)
    (g,) = mg.autograd.grad(m(x).sum(), x, create_graph=True)
    np.testing.assert_allclose(g.numpy(), 6 * x.numpy() ** 2)
    assert seen == [(True, False)]         # dL/dy = 1 is a constant, dL/dx = 3x^2 is not
    g.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 12 * x.numpy())
    # that second pass reached x through the module's input but not its output: as in
    # PyTorch, the hook does not run for it
    assert len(seen) == 1
    # an ordinary backward records nothing: the hook gets constant Tensors
    (g,) = mg.autograd.grad(m(x).sum(), x)
    np.testing.assert_allclose(g.numpy(), 6 * x.numpy() ** 2)
    assert seen[-1] == (False, False)


def test_backward_hook_returning_an_array_is_differentiable_only_once():
    m = Cube()
    m.register_full_backward_hook(lambda mod, gi, go: (gi[0].numpy() * 2.0,))
    x = Tensor(np.array([1.0, -2.0]), requires_grad=True)
    m(x).sum().backward()                  # first order: the array is the gradient
    np.testing.assert_allclose(x.grad.numpy(), 6 * x.numpy() ** 2)
    (g,) = mg.autograd.grad(m(x).sum(), x, create_graph=True)
    np.testing.assert_allclose(g.numpy(), 6 * x.numpy() ** 2)
    with pytest.raises(RuntimeError, match="backward hook of Cube.*numpy array, not a Tensor"):
        g.sum().backward()


def test_backward_hook_returning_a_wrong_shape_is_an_error():
    m = MatMul()
    m.register_full_backward_hook(lambda mod, gi, go: (gi[0].sum(),))
    with pytest.raises(RuntimeError, match=r"backward hook of MatMul returned a gradient of "
                                           r"shape \(\) for input 0 of shape \(2, 2\)"):
        m(_x()).sum().backward()


def test_hooks_capture_feature_maps_and_gradients_of_a_conv_layer():
    mg.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Conv2d(2, 3, 3))
    maps, grads = [], []
    model[2].register_forward_hook(lambda m, args, out: maps.append((args[0].numpy(), out.numpy())))
    model[2].register_full_backward_hook(lambda m, gi, go: grads.append((gi[0].numpy(), go[0].numpy())))
    x = Tensor(np.random.default_rng(0).standard_normal((2, 1, 8, 8)))
    G = np.random.default_rng(1).standard_normal((2, 3, 4, 4))
    (model.double()(x.double()) * G).sum().backward()
    assert len(maps) == 1 and len(grads) == 1
    h, y = maps[0]
    assert h.shape == (2, 2, 6, 6) and y.shape == (2, 3, 4, 4)
    # the same layer run alone on a copy of its input gives the gradients the hook saw
    h2 = Tensor(h.copy(), requires_grad=True)
    with mg.no_grad():
        np.testing.assert_allclose(model[2](Tensor(h)).numpy(), y)
    (model[2](h2) * G).sum().backward()
    np.testing.assert_allclose(grads[0][1], G)
    np.testing.assert_allclose(grads[0][0], h2.grad.numpy())
    assert len(grads) == 2      # the second backward (through model[2] alone) fired it again
