"""Bad arguments to tensor-level functions: a clear error with PyTorch's wording, never a
silent result (issue 12, the tensor-level part); and the valid edge cases PyTorch defines."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import Tensor


@pytest.mark.parametrize("dim", [1.0, "1", None, True])
@pytest.mark.parametrize("call", [
    lambda x, d: x.softmax(d), lambda x, d: x.log_softmax(d), lambda x, d: x.sum(dim=(d,)),
    lambda x, d: x.mean(dim=(d,)), lambda x, d: x.max(d) if d is not None else x.max("x"),
    lambda x, d: x.argmax(d) if d is not None else x.argmax("x"),
    lambda x, d: x.permute(d, 0), lambda x, d: x.transpose(d, 0)])
def test_a_dim_that_is_not_an_int_is_a_type_error(call, dim):
    x = mg.randn(2, 3)
    with pytest.raises(TypeError, match="argument 'dim' must be int"):
        call(x, dim)


def test_out_of_range_and_repeated_dims():
    x = mg.randn(2, 3)
    with pytest.raises(IndexError, match=r"range of \[-2, 1\], but got 5"):
        x.argmax(5)
    with pytest.raises(RuntimeError, match="dim 1 appears multiple times"):
        x.sum(dim=(1, -1))
    with pytest.raises(RuntimeError, match="appears multiple times"):
        x.mean(dim=(0, 0))


def test_bad_shapes_and_slices():
    x = mg.randn(2, 3)
    with pytest.raises(RuntimeError, match="invalid shape dimension -2"):
        x.reshape(-2, 3)
    with pytest.raises(RuntimeError, match="only one dimension can be inferred"):
        x.reshape(-1, -1)
    with pytest.raises(TypeError, match="shape takes ints"):
        x.reshape(2.0, 3)
    with pytest.raises(ValueError):
        x[::0]


def test_argmax_edge_cases_as_pytorch():
    x = mg.tensor([[1.0, 5.0], [7.0, 2.0]])
    assert x.argmax(keepdim=True).shape == (1, 1) and x.argmax(keepdim=True).item() == 2
    assert x.argmax().shape == ()
    with pytest.raises(IndexError, match="numel\\(\\) == 0"):
        mg.zeros(0).argmax()
    assert mg.tensor(3.0).argmax(0).item() == 0


def test_softmax_of_a_0d_tensor():
    t = mg.tensor(2.5)
    assert t.softmax(0).item() == 1.0 and t.log_softmax(-1).item() == 0.0


def test_relu_passes_the_gradient_at_nan_as_pytorch():
    x = Tensor(np.array([np.nan, -1.0, 2.0]), requires_grad=True)
    x.relu().sum().backward()
    assert x.grad.tolist() == [1.0, 0.0, 1.0]


def test_backward_gradient_must_be_a_tensor_or_an_array():
    y = mg.randn(3, requires_grad=True) * 2
    with pytest.raises(TypeError, match="must be a Tensor .or a numpy array., got list"):
        y.backward([1.0, 1.0, 1.0])
    y.backward(np.ones(3, dtype=np.float32))      # numpy arrays: a minigrad extension


def test_anomaly_mode_names_an_inf_too():
    x = Tensor(np.array([0.0, 1.0]), requires_grad=True)
    with mg.autograd.detect_anomaly(), np.errstate(divide="ignore"):
        y = x.log()
        with pytest.raises(RuntimeError, match="'LogBackward' returned inf values"):
            y.sum().backward()
