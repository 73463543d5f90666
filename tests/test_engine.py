"""The autograd engine: backward(), graph order, accumulation, retain_graph, no_grad,
retain_grad, and user-defined ``mg.Function`` ops."""
import gc
import sys
import weakref

import numpy as np
import pytest

import minigrad as mg
from minigrad import Tensor

from helpers import Cube


def leaf(values, dtype=np.float64):
    return Tensor(np.asarray(values, dtype=dtype), requires_grad=True)


# ---- backward basics ----------------------------------------------------------------------------
def test_scalar_backward_matches_hand_derivative():
    x = leaf([1.0, -2.0, 3.0])
    y = (x * x * 3 + x).sum()          # dy/dx = 6x + 1
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 6 * x.numpy() + 1)
    assert isinstance(x.grad, Tensor) and x.grad.shape == x.shape


def test_backward_with_explicit_gradient():
    x = leaf([[1.0, 2.0], [3.0, 4.0]])
    y = x * x
    v = np.array([[1.0, 0.0], [2.0, -1.0]])
    y.backward(v)
    np.testing.assert_allclose(x.grad.numpy(), 2 * x.numpy() * v)
    # a Tensor works as the gradient too
    x.grad = None
    (x * 3).backward(Tensor(v))
    np.testing.assert_allclose(x.grad.numpy(), 3 * v)


def test_backward_on_a_leaf_itself():
    x = leaf(2.0)
    x.backward()
    assert x.grad.item() == 1.0


def test_non_scalar_backward_without_gradient_is_a_clear_error():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"scalar outputs.*shape \(2,\)"):
        (x * 2).backward()


def test_one_element_non_0d_output_needs_no_gradient():
    x = leaf([[3.0]])
    (x * x).backward()
    assert x.grad.numpy().tolist() == [[6.0]]


def test_gradient_of_the_wrong_shape_is_a_clear_error():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"gradient has shape \(3,\).*shape \(2,\)"):
        (x * 2).backward(np.ones(3))


def test_backward_on_tensor_without_grad_is_a_clear_error():
    with pytest.raises(RuntimeError, match="does not require grad"):
        Tensor([1.0, 2.0]).sum().backward()
    with mg.no_grad():
        y = (leaf([1.0]) * 2).sum()
    with pytest.raises(RuntimeError, match="does not require grad"):
        y.backward()


def test_inputs_without_requires_grad_get_no_grad():
    x = leaf([1.0, 2.0])
    c = Tensor(np.array([3.0, 4.0]))
    (x * c).sum().backward()
    assert c.grad is None
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 4.0])


# ---- graph shapes -------------------------------------------------------------------------------
def test_diamond_graph_sums_both_paths():
    # x -> a, x -> b, (a, b) -> y : dy/dx = d(a*b)/dx with a = 2x, b = x^2  => 6x^2
    x = leaf([1.0, 2.0, -3.0])
    a = x * 2
    b = x * x
    y = (a * b).sum()
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 6 * x.numpy() ** 2)


def test_node_used_twice_in_one_op_and_deep_diamond():
    x = leaf([1.5, -0.5])
    h = x.exp()
    y = (h * h + h).sum()                   # e^{2x} + e^x  -> 2e^{2x} + e^x
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.exp(2 * x.numpy()) + np.exp(x.numpy()))
    # many paths meeting: z = sum_k (x * k) over a shared intermediate
    x2 = leaf([1.0, 2.0])
    m = x2 * 1.0
    z = m
    for k in range(2, 6):
        z = z + m * k                         # total coefficient 1 + 2 + 3 + 4 + 5 = 15
    z.sum().backward()
    np.testing.assert_allclose(x2.grad.numpy(), [15.0, 15.0])


def test_topological_order_waits_for_all_consumers():
    # b is consumed by c and by y directly; its grad must be complete before it propagates
    x = leaf(2.0)
    b = x * 3
    c = b * b
    y = c + b             # y = 9x^2 + 3x -> 18x + 3
    y.backward()
    assert x.grad.item() == pytest.approx(39.0)


def test_long_chain_does_not_hit_the_recursion_limit():
    x = leaf(1.0)
    y = x
    n = 100_000
    assert n > sys.getrecursionlimit()
    for _ in range(n):
        y = y * 1.0 + 0.0
    y.backward()
    assert x.grad.item() == 1.0
    del y                 # freeing the chain must not blow the C stack either
    gc.collect()


# ---- accumulation -------------------------------------------------------------------------------
def test_gradients_accumulate_across_backward_calls():
    x = leaf([1.0, 2.0])
    (x * 3).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 3 + 2 * x.numpy())
    x.grad = None
    (x * 5).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [5.0, 5.0])


def test_accumulation_does_not_alias_gradients_between_leaves():
    # y = a + b: both get the same upstream array; accumulating into one must not touch the other
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    (a + b).sum().backward()
    a.grad.data += 100
    np.testing.assert_allclose(b.grad.numpy(), [1.0, 1.0])
    (a + b).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), [102.0, 102.0])
    np.testing.assert_allclose(b.grad.numpy(), [2.0, 2.0])


def test_retain_graph_allows_a_second_backward_that_accumulates():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 4 * x.numpy())


def test_second_backward_without_retain_graph_says_so():
    x = leaf([1.0, 2.0])
    y = (x.exp() * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match=r"backward through the graph a second time.*retain_graph=True"):
        y.backward()


def test_second_backward_fails_even_through_ops_that_save_nothing():
    x = leaf([1.0, 2.0])
    y = (x + 1).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()


def test_saved_arrays_are_released_after_backward():
    x = leaf(np.ones(5))
    y = x.exp()
    saved = y.grad_fn._saved
    assert len(saved) == 1
    y.sum().backward()
    assert y.grad_fn.released and y.grad_fn._saved == ()
    with pytest.raises(RuntimeError, match="retain_graph"):
        _ = y.grad_fn.saved_tensors
    # with retain_graph the context keeps them
    y2 = x.exp()
    y2.sum().backward(retain_graph=True)
    assert not y2.grad_fn.released and len(y2.grad_fn.saved_tensors) == 1


def test_release_frees_the_saved_memory():
    class SaveTemp(mg.Function):
        temp = None

        @staticmethod
        def forward(ctx, x):
            square = x * x                       # a fresh array only the context holds
            SaveTemp.temp = weakref.ref(square.numpy())   # the array the context keeps
            ctx.save_for_backward(square)
            return square.sum()

        @staticmethod
        def backward(ctx, grad):
            (square,) = ctx.saved_tensors
            return grad * np.sqrt(square) * 2

    x = leaf([1.0, 2.0])
    y = SaveTemp.apply(x)
    assert SaveTemp.temp() is not None
    y.backward(retain_graph=True)
    assert SaveTemp.temp() is not None         # retained
    y.backward()
    gc.collect()
    assert SaveTemp.temp() is None             # released although y (and its graph) live on
    np.testing.assert_allclose(x.grad.numpy(), 4 * x.numpy())


# ---- retain_grad --------------------------------------------------------------------------------
def test_non_leaf_tensors_get_no_grad_unless_retained():
    x = leaf([1.0, 2.0])
    h = x * 2
    k = x * 3
    k.retain_grad()
    y = (h * k).sum()
    y.backward()
    assert h.grad is None
    assert y.grad is None
    np.testing.assert_allclose(k.grad.numpy(), h.numpy())      # dy/dk = h
    np.testing.assert_allclose(x.grad.numpy(), 2 * k.numpy() + 3 * h.numpy())


def test_retain_grad_accumulates_and_needs_requires_grad():
    x = leaf([1.0])
    h = (x * 2).retain_grad()
    y = (h * h).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(h.grad.numpy(), 2 * 2 * h.numpy())
    with pytest.raises(RuntimeError, match="does not require grad"):
        Tensor([1.0]).retain_grad()


# ---- no_grad ------------------------------------------------------------------------------------
def test_no_grad_context_manager():
    x = leaf([1.0, 2.0])
    with mg.no_grad():
        assert not mg.is_grad_enabled()
        y = x * 2
    assert mg.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None and y.is_leaf
    np.testing.assert_allclose(y.numpy(), [2.0, 4.0])
    assert (x * 2).requires_grad


def test_no_grad_decorator():
    x = leaf([1.0, 2.0])

    @mg.no_grad()
    def f(t):
        assert not mg.is_grad_enabled()
        return t * t

    y = f(x)
    assert not y.requires_grad
    assert mg.is_grad_enabled()


def test_no_grad_decorator_survives_recursion_and_nesting():
    @mg.no_grad()
    def countdown(n):
        return countdown(n - 1) if n else mg.is_grad_enabled()

    assert countdown(3) is False
    assert mg.is_grad_enabled()
    with mg.no_grad():
        with mg.no_grad():
            pass
        assert not mg.is_grad_enabled()
        with mg.enable_grad():
            assert mg.is_grad_enabled()
        assert not mg.is_grad_enabled()
    assert mg.is_grad_enabled()


def test_no_grad_restores_mode_after_an_exception():
    with pytest.raises(ValueError):
        with mg.no_grad():
            raise ValueError("boom")
    assert mg.is_grad_enabled()


def test_set_grad_enabled_context():
    with mg.set_grad_enabled(False):
        assert not (leaf([1.0]) * 2).requires_grad
    with mg.set_grad_enabled(True):
        assert (leaf([1.0]) * 2).requires_grad
    with mg.no_grad():
        with mg.set_grad_enabled(True):
            assert (leaf([1.0]) * 2).requires_grad
        assert not mg.is_grad_enabled()
    assert mg.is_grad_enabled()


def test_set_grad_enabled_as_a_plain_call_switches_the_mode():
    # as in PyTorch: a call without `with` takes effect at once and lasts until switched back
    try:
        mg.set_grad_enabled(False)
        assert not mg.is_grad_enabled()
        assert not (leaf([1.0]) * 2).requires_grad
        with mg.enable_grad():
            assert mg.is_grad_enabled()
        assert not mg.is_grad_enabled()
        mg.set_grad_enabled(True)
        assert mg.is_grad_enabled()
        assert (leaf([1.0]) * 2).requires_grad
    finally:
        mg.set_grad_enabled(True)


def test_set_grad_enabled_as_a_decorator_changes_nothing_until_called():
    @mg.set_grad_enabled(False)
    def inside():
        return mg.is_grad_enabled()

    assert mg.is_grad_enabled()            # decorating did not switch the mode
    assert inside() is False
    assert inside() is False               # re-entered on each call
    assert mg.is_grad_enabled()


# ---- user Functions -----------------------------------------------------------------------------
class ScaledProduct(mg.Function):
    """a * b * scale, with a record of which inputs needed gradients."""
    seen_needs = None

    @staticmethod
    def forward(ctx, a, b, scale=1.0):
        ctx.save_for_backward(a, b)
        ctx.scale = scale
        ScaledProduct.seen_needs = ctx.needs_input_grad
        return a * b * scale

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        ga = grad * b * ctx.scale if ctx.needs_input_grad[0] else None
        gb = grad * a * ctx.scale if ctx.needs_input_grad[1] else None
        return ga, gb


def test_user_function_forward_and_backward():
    x = leaf([1.0, -2.0])
    y = Cube.apply(x)
    assert isinstance(y, Tensor)
    np.testing.assert_allclose(y.numpy(), x.numpy() ** 3)
    assert y.grad_fn.name() == "CubeBackward" and "grad_fn=<CubeBackward>" in repr(y)
    assert y.grad_fn.fn is Cube and len(y.grad_fn.inputs) == 1 and y.grad_fn.inputs[0] is x
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 3 * x.numpy() ** 2)
    assert mg.gradcheck(Cube.apply, (leaf([0.3, -1.2]),))
    # its backward is written with Tensor ops, so its gradient can be differentiated again
    assert mg.gradgradcheck(Cube.apply, (leaf([0.3, -1.2]),))


def test_user_function_saved_tensors_and_needs_input_grad():
    a = leaf([1.0, 2.0])
    b = Tensor(np.array([3.0, 4.0]))
    y = ScaledProduct.apply(a, b, scale=2.0)
    assert ScaledProduct.seen_needs == (True, False)
    assert y.grad_fn.needs_input_grad == (True, False)
    saved = y.grad_fn.saved_tensors       # the input Tensors themselves, not their arrays
    assert len(saved) == 2 and saved[0] is a and saved[1] is b
    y.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), b.numpy() * 2)
    assert b.grad is None


def test_user_function_saved_output_intermediate_and_number():
    class TanhScaled(mg.Function):
        @staticmethod
        def forward(ctx, x, k):
            t = np.tanh(x)
            out = t * k
            ctx.save_for_backward(x, out, t, k)
            return out

        @staticmethod
        def backward(ctx, grad):
            return grad * ctx.saved_tensors[3] * (1 - ctx.saved_tensors[2] ** 2), None

    x = leaf([0.5, -1.0])
    y = TanhScaled.apply(x, 3.0)
    sx, sout, st, sk = y.grad_fn.saved_tensors
    assert sx is x                                      # an input: that input Tensor
    assert sout.grad_fn is y.grad_fn and sout.numpy() is y.numpy()   # the output: the output Tensor
    assert isinstance(st, Tensor) and not st.requires_grad     # anything else: a constant
    np.testing.assert_array_equal(st.numpy(), np.tanh(x.numpy()))
    assert sk == 3.0                                    # a number: as given
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 3.0 * (1 - np.tanh(x.numpy()) ** 2))
    # the intermediate makes the gradient differentiable only once, and says so
    (g,) = mg.autograd.grad(TanhScaled.apply(x, 3.0).sum(), x, create_graph=True)
    with pytest.raises(RuntimeError, match="TanhScaled.*neither an input nor the output"):
        g.sum().backward()


def test_user_function_with_non_tensor_positional_argument():
    a = leaf([1.0, 2.0])
    y = ScaledProduct.apply(a, np.array([5.0, 6.0]))
    assert ScaledProduct.seen_needs == (True, False)
    y.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), [5.0, 6.0])


def test_user_function_without_grad_inputs_records_nothing():
    y = Cube.apply(Tensor(np.array([2.0])))
    assert not y.requires_grad and y.grad_fn is None
    with mg.no_grad():
        y = Cube.apply(leaf([2.0]))
    assert not y.requires_grad


def test_user_function_backward_with_wrong_gradient_shape_is_caught():
    class Bad(mg.Function):
        @staticmethod
        def forward(ctx, x):
            return x.sum()

        @staticmethod
        def backward(ctx, grad):
            return np.ones(3)        # input has shape (2,)

    with pytest.raises(RuntimeError, match=r"Bad\.backward.*shape \(3,\).*shape \(2,\)"):
        Bad.apply(leaf([1.0, 2.0])).backward()


def test_user_function_backward_with_too_few_gradients_is_caught():
    class Few(mg.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a + b

        @staticmethod
        def backward(ctx, grad):
            return (grad,)

    with pytest.raises(RuntimeError, match=r"Few\.backward returned 1 gradients, expected 2"):
        Few.apply(leaf([1.0]), leaf([2.0])).sum().backward()


def test_gradient_dtype_follows_the_input():
    x = Tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
    w = Tensor(np.array([3.0, 4.0], dtype=np.float64), requires_grad=True)
    y = (x * w).sum()
    assert y.dtype == np.float64
    y.backward()
    assert x.grad.dtype == np.float32 and w.grad.dtype == np.float64


def test_gradients_never_share_memory():
    """Add hands one array to both inputs, Reshape a view, the caller its own array: each
    .grad must still be a separate array, so an in-place edit of one changes no other."""
    a = mg.randn(3, requires_grad=True)
    b = mg.randn(3, requires_grad=True)
    c = mg.randn(1, 3, requires_grad=True)
    y = a + b
    y.retain_grad()
    v = np.ones(3, np.float32)
    (y + c.reshape(3)).backward(v)
    grads = [a.grad.numpy(), b.grad.numpy(), c.grad.numpy(), y.grad.numpy(), v]
    for i in range(len(grads)):
        for j in range(i + 1, len(grads)):
            assert not np.shares_memory(grads[i], grads[j]), (i, j)
    x = mg.randn(3, requires_grad=True)
    x.backward(v)
    assert not np.shares_memory(x.grad.numpy(), v)
