"""The README's "Adding an op" recipe, followed step by step for a new op (Softsign), with
the library's own pieces: an ArrayFunction, a Tensor method, an ``mg.`` name, ``check_op``."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import functional, ops
from minigrad.autograd.function import ArrayFunction
from minigrad.testing import check_op, assert_close


class Softsign(ArrayFunction):                      # step 1: forward and backward together
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return a / (1 + np.abs(a))

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad / ((1 + a.abs()) ** 2)


@pytest.fixture
def softsign_added(monkeypatch):
    monkeypatch.setattr(ops.elementwise, "Softsign", Softsign, raising=False)
    # step 2: the Tensor method; step 3: the mg. name (the README's two one-liners)
    monkeypatch.setattr(mg.Tensor, "softsign",
                        lambda self: ops.elementwise.Softsign.apply(self), raising=False)
    monkeypatch.setattr(mg, "softsign", functional._unary("softsign"), raising=False)


def test_the_recipe_gives_a_working_op(softsign_added):
    x = mg.randn(3, 4)
    assert_close(mg.softsign(x), x.numpy() / (1 + np.abs(x.numpy())))
    # step 4: the test helper checks forward, first and second derivatives, float32
    assert check_op(lambda t: t.softsign(), lambda a: a / (1 + np.abs(a)),
                    np.random.default_rng(0).standard_normal((3, 4)))


def test_check_op_catches_a_wrong_gradient_and_a_wrong_forward(softsign_added):
    class Wrong(ArrayFunction):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a / (1 + np.abs(a))

        @staticmethod
        def backward(ctx, grad):
            (a,) = ctx.saved_tensors
            return grad / (1 + a.abs())              # forgot the square
    x = np.linspace(-2, 2, 5)
    with pytest.raises(mg.GradcheckError):
        check_op(Wrong.apply, lambda a: a / (1 + np.abs(a)), x)
    with pytest.raises(AssertionError, match="not close"):
        check_op(lambda t: t.softsign(), lambda a: a / (1 + a * a), x)


def test_assert_close_as_pytorch():
    assert_close(mg.tensor([1.0, 2.0]), mg.tensor([1.0, 2.0 + 1e-7]))
    with pytest.raises(AssertionError, match="shape"):
        assert_close(mg.zeros(2), mg.zeros(3))
    with pytest.raises(AssertionError, match="dtype"):
        assert_close(mg.zeros(2), mg.zeros(2, dtype=mg.float64))
