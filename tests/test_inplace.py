"""In-place ops and ``.data`` with PyTorch's rules: allowed outside autograd and under
no_grad, refused on a leaf that requires grad, recorded on a non-leaf, and never a silently
wrong gradient when saved values are overwritten (version counters)."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import Tensor


def leaf(values):
    return Tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


def test_counters_and_manual_sgd_idioms():
    correct = 0
    pred, y = mg.tensor([1, 2, 3]), mg.tensor([1, 0, 3])
    correct += (pred == y).sum()
    correct += (pred == y).sum()
    assert int(correct) == 4
    w = leaf([1.0, 2.0])
    (w * w).sum().backward()
    with mg.no_grad():
        w -= 0.1 * w.grad
        w.grad.zero_()
    np.testing.assert_allclose(w.numpy(), [0.8, 1.6])
    assert w.grad.tolist() == [0.0, 0.0] and w.is_leaf and w.grad_fn is None


def test_data_is_a_tensor_sharing_memory_outside_autograd():
    w = leaf([1.0, 2.0])
    d = w.data
    assert isinstance(d, Tensor) and not d.requires_grad and d.grad_fn is None
    assert np.shares_memory(d.numpy(), w.numpy())
    w.data -= 1.0                                 # PyTorch's update through .data
    assert w.tolist() == [0.0, 1.0]
    out = mg.tensor(np.array([[0.1, 0.9], [0.8, 0.2]]), requires_grad=True) * 1
    values, idx = mg.max(out.data, 1)
    assert idx.tolist() == [1, 0] and not values.requires_grad
    assert out.data.max(1, keepdim=True)[1].tolist() == [[1], [0]]
    w.data = mg.tensor([5.0, 6.0], dtype=np.float64)
    assert w.tolist() == [5.0, 6.0] and w.requires_grad


def test_in_place_ops_outside_autograd_match_numpy():
    a = mg.tensor(np.arange(6.0).reshape(2, 3))
    a.add_(1).mul_(2).sub_(mg.tensor([1.0, 1.0, 1.0])).div_(2)
    np.testing.assert_allclose(a.numpy(), ((np.arange(6.0).reshape(2, 3) + 1) * 2 - 1) / 2)
    a.clamp_(min=1.0, max=3.0)
    assert a.numpy().min() == 1.0 and a.numpy().max() == 3.0
    a.fill_(7)
    assert (a.numpy() == 7).all()
    a.copy_(mg.tensor([1.0, 2.0, 3.0]))           # broadcast
    assert a.tolist() == [[1.0, 2.0, 3.0]] * 2
    a.add_(mg.tensor([1.0, 1.0, 1.0]), alpha=2)
    assert a.tolist() == [[3.0, 4.0, 5.0]] * 2
    a[0, 1] = -1.0
    a[1] = mg.tensor([0.0, 0.0, 0.0])
    assert a.tolist() == [[3.0, -1.0, 5.0], [0.0, 0.0, 0.0]]
    n = mg.tensor([1, 2])
    with pytest.raises(RuntimeError, match="can't be cast"):
        n += 0.5                                  # PyTorch: Float can't be cast to Long
    with pytest.raises(RuntimeError, match=r"shape \(2, 3\).*shape \(3,\)"):
        mg.tensor([1.0, 2.0, 3.0]).add_(mg.ones(2, 3))


def test_recorded_in_place_ops_give_pytorchs_gradients():
    # a residual block's `out += identity` and ReLU(inplace=True) on non-leaves
    x = leaf([0.5, -1.0, 2.0])
    w = leaf([2.0, 3.0, -1.0])
    out = x * w
    out += x
    out.relu_()
    out.sum().backward()
    # d/dx relu(x w + x) = (w + 1)·[x w + x > 0]; d/dw = x·[...]
    mask = (x.numpy() * w.numpy() + x.numpy()) > 0
    np.testing.assert_allclose(x.grad.numpy(), (w.numpy() + 1) * mask)
    np.testing.assert_allclose(w.grad.numpy(), x.numpy() * mask)
    assert out.grad_fn.name() == "ReLUBackward"


def test_recorded_in_place_keeps_what_earlier_ops_saved():
    x = leaf([1.0, 2.0])
    h = x * 3
    y = h * h                 # saves h
    h.mul_(10)                # recorded: h takes new values and history; y keeps the old h
    (y.sum() + h.sum()).backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * 3 * (3 * x.numpy()) + 30)
    # and second derivatives through it
    x2 = leaf([1.0, 2.0])
    h2 = x2 * 1.0
    h2 += x2 * x2             # h2 = x + x²
    (g,) = mg.autograd.grad(h2.sum(), x2, create_graph=True)
    np.testing.assert_allclose(g.numpy(), 1 + 2 * x2.numpy())
    (gg,) = mg.autograd.grad(g.sum(), x2)
    np.testing.assert_allclose(gg.numpy(), [2.0, 2.0])


def test_setitem_recorded_sends_gradients_to_value_and_the_rest():
    x = leaf([1.0, 2.0, 3.0])
    v = leaf([10.0])
    y = x * 1
    y[1] = v * 2
    (y * mg.tensor([1.0, 2.0, 3.0], dtype=np.float64)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0, 0.0, 3.0])
    np.testing.assert_allclose(v.grad.numpy(), [4.0])
    assert mg.gradcheck(lambda a, b: _put(a, b), (leaf([1.0, 2.0, 3.0]), leaf([5.0])))
    assert mg.gradgradcheck(lambda a, b: _put(a, b) ** 2, (leaf([1.0, 2.0, 3.0]), leaf([5.0])))


def _put(a, b):
    y = a * 1
    y[0:2] = b * b
    return y


def test_modifying_a_saved_tensor_in_place_makes_backward_raise():
    w = leaf([1.0, 2.0])
    x = mg.tensor([3.0, 4.0], dtype=np.float64)
    y = (w * x).sum()                  # Mul saves x
    x += 1                             # outside autograd: written in place
    with pytest.raises(RuntimeError, match=r"MulBackward.*modified by an in-place operation"):
        y.backward()
    # through .data and a view: the same memory, the same check
    w2 = leaf([1.0, 2.0])
    e = w2.exp()                       # Exp saves its output
    e.data.reshape(2)[0] = 0.0         # a view of .data, written in place
    with pytest.raises(RuntimeError, match=r"ExpBackward.*version 1; expected version 0"):
        e.sum().backward()


def test_an_optimizer_step_before_backward_of_an_old_graph_is_caught():
    mg.manual_seed(0)
    layer = mg.nn.Linear(3, 2)
    x = mg.randn(4, 3)
    loss = F.mse_loss(layer(x), mg.zeros(4, 2))        # Linear saves the weight
    opt = mg.optim.SGD(layer.parameters(), lr=0.1)
    layer.weight.grad = mg.ones(2, 3)
    opt.step()                                           # the weight changes in place
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        loss.backward()


def test_in_place_on_a_read_only_tensor_is_a_clear_error():
    b = mg.tensor([1.0, 2.0]).expand(3, 2)                # a broadcast view: read-only
    with pytest.raises(RuntimeError, match=r"add_: cannot write into this tensor in place"):
        b.add_(1)
