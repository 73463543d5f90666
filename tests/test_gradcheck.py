"""mg.gradcheck itself: it accepts right gradients, and catches and describes wrong ones."""
import re

import numpy as np
import pytest

import minigrad as mg
from minigrad import Tensor

from helpers import WrongSquare


def leaf(shape, seed=0, dtype=np.float64):
    return Tensor(np.random.default_rng(seed).standard_normal(shape).astype(dtype), requires_grad=True)


class Square(mg.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return 2 * x * grad


class WrongSecondInput(mg.Function):
    """a * b whose gradient for b is off at one element only."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        off = np.zeros(a.shape)
        off.reshape(-1)[-1] = 0.5           # a constant, wrong at the last element only
        return grad * b, grad * a + off


def test_returns_true_on_correct_ops():
    assert mg.gradcheck(Square.apply, (leaf((2, 3)),)) is True
    assert mg.gradcheck(lambda a, b: (a @ b).tanh().sum(1), (leaf((2, 3), 1), leaf((3, 4), 2))) is True
    assert mg.gradcheck(lambda x: x.exp(), leaf(4)) is True       # a bare tensor as inputs


def test_raises_naming_input_element_and_both_values():
    x = Tensor(np.array([[1.0, 2.0], [3.0, -4.0]]), requires_grad=True)
    with pytest.raises(mg.GradcheckError) as info:
        mg.gradcheck(WrongSquare.apply, (x,))
    msg = str(info.value)
    assert "input 0" in msg and "(2, 2)" in msg
    assert "element (0, 0)" in msg
    # at x = 1 the numbers give v * 2x = 2v and the wrong backward v * x = v, for the random
    # upstream gradient v that gradcheck draws (seed 0, from its own salted stream)
    v = np.random.default_rng([0, 0x67726164]).standard_normal((2, 2))[0, 0]
    found = re.search(r"numerical (\S+), analytic (\S+) ", msg)
    assert found, msg
    assert float(found[1]) == pytest.approx(2 * v, rel=1e-6)
    assert float(found[2]) == pytest.approx(v, rel=1e-6)
    assert isinstance(info.value, AssertionError)   # fails a test like an assert


def test_names_the_wrong_input_and_the_wrong_element():
    a, b = leaf((2, 3), 1), leaf((2, 3), 2)
    with pytest.raises(mg.GradcheckError, match=r"input 1 \(shape \(2, 3\)\) at element \(1, 2\): numerical"):
        mg.gradcheck(WrongSecondInput.apply, (a, b))
    # with only input 0 requiring grad there is nothing wrong to find
    assert mg.gradcheck(WrongSecondInput.apply, (a, Tensor(b.numpy())))


def test_an_in_place_edit_in_backward_changes_the_gradient_and_gradcheck_names_it():
    # backward works on Tensors; an in-place edit of a fresh one (through a view) takes
    # effect as in PyTorch, and here makes the gradient wrong at the last element
    class InPlace(mg.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2.0

        @staticmethod
        def backward(ctx, grad):
            g = grad * 2.0
            g.reshape(-1)[-1] += 0.5
            return g

    with pytest.raises(mg.GradcheckError, match=r"element \(1, 2\)"):
        mg.gradcheck(InPlace.apply, (leaf((2, 3)),))


def test_non_tensor_arguments_are_passed_through_and_count_as_inputs():
    x = leaf(3)
    assert mg.gradcheck(lambda s, t: t * s, (2.5, x))
    with pytest.raises(mg.GradcheckError, match="input 1"):
        mg.gradcheck(lambda s, t: WrongSquare.apply(t) * s, (2.5, x))


def test_returns_false_without_raising_when_asked():
    assert mg.gradcheck(WrongSquare.apply, (leaf(3),), raise_exception=False) is False
    assert mg.gradcheck(Square.apply, (leaf(3),), raise_exception=False) is True


def test_tolerances_are_applied():
    # a backward that is off by 1e-4 relative passes a loose rtol and fails a tight one
    class Slightly(mg.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 3.0

        @staticmethod
        def backward(ctx, grad):
            return grad * 3.0 * (1 + 1e-4)

    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    assert mg.gradcheck(Slightly.apply, (x,), atol=0, rtol=1e-3)
    assert not mg.gradcheck(Slightly.apply, (x,), atol=0, rtol=1e-5, raise_exception=False)


def test_works_on_float32_inputs_by_checking_float64_copies():
    x = leaf((2, 2), dtype=np.float32)
    before = x.numpy().copy()
    assert mg.gradcheck(lambda t: (t * t).log_softmax(1), (x,))
    assert x.dtype == np.float32 and x.grad is None      # the caller's tensor is untouched
    np.testing.assert_array_equal(x.numpy(), before)


def test_checks_every_output_of_a_tuple():
    a = leaf(3)
    assert mg.gradcheck(lambda t: (t * 2, t.exp()), (a,))
    with pytest.raises(mg.GradcheckError):
        mg.gradcheck(lambda t: (t * 2, WrongSquare.apply(t)), (a,))


def test_catches_a_missing_gradient_path():
    # the analytic gradient silently drops a path that the numbers see
    class Detached(mg.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2.0

        @staticmethod
        def backward(ctx, grad):
            return None

    with pytest.raises(mg.GradcheckError, match=r"analytic 0"):
        mg.gradcheck(Detached.apply, (leaf(2),))


def test_needs_an_input_that_requires_grad():
    with pytest.raises(ValueError, match="no input"):
        mg.gradcheck(lambda t: t * 2, (Tensor(np.ones(2)),))
