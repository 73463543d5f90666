"""Bad arguments to tensor-level functions: a clear error with PyTorch's wording, never a
silent result (issue 12, the tensor-level part); and the valid edge cases PyTorch defines."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import Tensor


@pytest.mark.parametrize("dim", [1.0, "1", None, True])
@pytest.mark.parametrize("call", [
    lambda x, d: x.softmax(d), lambda x, d: x.log_softmax(d), lambda x, d: x.sum(dim=(d,)),
    lambda x, d: x.mean(dim=(d,)), lambda x, d: x.max(d), lambda x, d: x.min(dim=d),
    lambda x, d: x.argmax(d) if d is not None else x.argmax("x"),
    lambda x, d: x.permute(d, 0), lambda x, d: x.transpose(d, 0)])
def test_a_dim_that_is_not_an_int_is_a_type_error(call, dim):
    x = mg.randn(2, 3)
    with pytest.raises(TypeError, match="argument 'dim' must be int"):
        call(x, dim)


def test_max_and_min_without_a_dim_as_pytorch():
    # x.max() reduces everything; an explicit None or a keepdim without a dim is an error
    # in PyTorch (a None default used to make x.max(None) quietly reduce everything)
    x = mg.tensor([[1.0, 5.0], [7.0, 2.0]])
    assert x.max().item() == 7.0 and mg.min(x).item() == 1.0
    for call in (lambda: x.max(None), lambda: mg.min(x, None), lambda: x.max(dim=None, keepdim=True)):
        with pytest.raises(TypeError, match="must be int, not None"):
            call()
    for call in (lambda: x.max(keepdim=True), lambda: x.min(keepdim=False)):
        with pytest.raises(TypeError, match="keepdim needs a dim"):
            call()
    assert x.max(1, keepdim=True).values.shape == (2, 1)
    assert mg.tensor(3.0).min(0, True).values.shape == ()


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


# ---- 0-d tensors: dim 0 and -1 are valid, as in PyTorch -------------------------------------
ZERO_D_CALLS = {
    "max": lambda t, d: t.max(d), "min": lambda t, d: t.min(d, keepdim=True),
    "argmax": lambda t, d: t.argmax(d), "argmin": lambda t, d: t.argmin(d),
    "sum": lambda t, d: t.sum(d), "mean": lambda t, d: t.mean(d, keepdim=True),
    "var": lambda t, d: t.var(d, unbiased=False), "std": lambda t, d: t.std(d, unbiased=False),
    "softmax": lambda t, d: t.softmax(d), "log_softmax": lambda t, d: t.log_softmax(d),
    "cumsum": lambda t, d: t.cumsum(d), "norm inf": lambda t, d: t.norm(p=float("inf"), dim=d),
    "norm": lambda t, d: t.norm(dim=d), "sort": lambda t, d: t.sort(d, descending=True),
    "argsort": lambda t, d: t.argsort(d), "topk": lambda t, d: t.topk(1, d),
    "transpose": lambda t, d: t.transpose(d, 0), "flatten": lambda t, d: t.flatten(d),
    "squeeze": lambda t, d: t.squeeze(d), "unsqueeze": lambda t, d: t.unsqueeze(d),
    "flip": lambda t, d: t.flip(d), "any": lambda t, d: t.any(d),
}


def _plain(result):
    if isinstance(result, tuple):
        return tuple(_plain(r) for r in result)
    return tuple(result.shape), result.tolist()


@pytest.mark.parametrize("dim", [0, -1])
@pytest.mark.parametrize("name", sorted(ZERO_D_CALLS))
def test_reductions_over_dim_0_or_minus_1_of_a_0d_tensor(name, dim):
    call = ZERO_D_CALLS[name]
    t = mg.tensor(3.0, requires_grad=True)
    got = call(t, dim)
    first = got[0] if isinstance(got, tuple) else got
    assert first.shape == ((1,) if name in ("flatten", "unsqueeze") else ())
    if name not in ("argmax", "argmin", "argsort", "any"):
        first.sum().backward()
        assert t.grad.shape == ()
    torch = pytest.importorskip("torch")
    assert _plain(got) == _plain(call(torch.tensor(3.0), dim)), name


@pytest.mark.parametrize("call", [lambda t: t.max(1), lambda t: t.sort(-2), lambda t: t.cumsum(2),
                                  lambda t: t.flatten(1), lambda t: t.transpose(0, 1)])
def test_other_dims_of_a_0d_tensor_are_out_of_range(call):
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of "
                                         r"\[-1, 0\]"):
        call(mg.tensor(3.0))


def test_0d_tensor_size_chunk_split_and_topk():
    t = mg.tensor(3.0)
    with pytest.raises(IndexError, match="size\\(\\): dimension specified as 0 but the tensor has "
                                         "no dimensions"):
        t.size(0)
    with pytest.raises(TypeError, match="argument 'dim' must be int, not float"):
        mg.ones(2).size(1.0)
    with pytest.raises(IndexError, match="Dimension out of range"):
        mg.ones(2).size(2)
    with pytest.raises(RuntimeError, match="chunk expects at least a 1-dimensional tensor"):
        t.chunk(1)
    with pytest.raises(RuntimeError, match="split expects at least a 1-dimensional tensor"):
        t.split(1)
    with pytest.raises(ValueError, match="topk: k=2 is out of range"):
        t.topk(2)
    assert t.topk(0).values.item() == 3.0        # PyTorch gives the element for k 0 too


# ---- matmul, mm, bmm: Tensors of one dtype ---------------------------------------------------
@pytest.mark.parametrize("call,match", [
    (lambda a, b: mg.matmul(a, b.numpy()), r"matmul\(\): argument 'other' \(position 2\) must be "
                                           r"Tensor, not numpy.ndarray"),
    (lambda a, b: a.numpy() @ b, r"matmul\(\): argument 'input' \(position 1\) must be Tensor, "
                                 r"not numpy.ndarray"),
    (lambda a, b: a @ b.tolist(), "must be Tensor, not list"),
    (lambda a, b: mg.mm(a.tolist(), b), r"mm\(\): argument 'input' \(position 1\) must be Tensor"),
    (lambda a, b: mg.mm(a, 3), r"mm\(\): argument 'mat2' \(position 2\) must be Tensor, not int"),
    (lambda a, b: a.bmm(b.numpy()[None]), r"bmm\(\): argument 'mat2'"),
    (lambda a, b: a @ None, "must be Tensor, not NoneType"),
    (lambda a, b: a @ "a", "must be Tensor, not str"),
])
def test_matmul_operands_must_be_tensors(call, match):
    a, b = mg.randn(2, 3), mg.randn(3, 2)
    with pytest.raises(TypeError, match=match):
        call(a, b)


def test_matmul_dtypes_and_out():
    a, b = mg.randn(2, 3), mg.randn(3, 2)
    with pytest.raises(RuntimeError, match="mm: expected both operands to have the same dtype, "
                                           "but got float32 and float64"):
        mg.mm(a, b.double())
    with pytest.raises(RuntimeError, match="bmm: expected both operands to have the same dtype, "
                                           "but got int64 and float32"):
        mg.bmm(a.long()[None], b[None])
    with pytest.raises(RuntimeError, match="matmul: expected the out tensor to have dtype float32, "
                                           "but got float64"):
        mg.matmul(a, b, out=mg.zeros(2, 2, dtype=mg.float64))
    assert mg.mm(a.long(), b.long()).dtype == np.int64           # as PyTorch
    with pytest.raises(RuntimeError, match="add: result type float32 can't be cast to the desired "
                                           "output type int64"):
        mg.add(a, a, out=mg.zeros(2, 3, dtype=mg.int64))
    out = mg.zeros(2, 3, dtype=mg.float64)
    assert mg.add(a, a, out=out) is out and out.dtype == np.float64   # a wider float: fine


# ---- pad: a list works; bad pads are clear errors, negative ones crop as in PyTorch ---------
def test_pad_takes_a_list_and_negative_pads_crop():
    x = mg.arange(6.0).reshape(2, 3)
    assert mg.pad(x, [1, 1]).tolist() == [[0, 0, 1, 2, 0], [0, 3, 4, 5, 0]]
    assert mg.nn.functional.pad(x, [1, 0, 0, 1], value=None).shape == (3, 4)   # None is 0
    assert mg.pad(x, (-1, -1)).tolist() == [[1.0], [4.0]]
    assert mg.pad(x, (-2, -1)).shape == (2, 0)
    assert mg.pad(x, (-1, 2, 1, -1), value=7.0).tolist() == [[7, 7, 7, 7], [1, 2, 7, 7]]
    assert mg.pad(mg.tensor(3.0), ()).item() == 3.0
    t = Tensor(np.random.default_rng(0).standard_normal((3, 4)), requires_grad=True)
    assert mg.gradcheck(lambda a: mg.pad(a, (-1, 2, 1, -2)), (t,))
    assert mg.gradgradcheck(lambda a: mg.pad(a, [2, -1], value=3.0), (t,))


@pytest.mark.parametrize("pad,error,match", [
    ((1,), ValueError, "padding length must be divisible by 2"),
    ((1,) * 6, ValueError, r"at most twice the number of dims \(2\), got 6 values"),
    ((1.5, 1), TypeError, "argument 'pad' must be tuple of ints, but found element of type float "
                          "at pos 0"),
    ((1, True), TypeError, "found element of type bool at pos 1"),
    (("a", 1), TypeError, "found element of type str at pos 0"),
    ((None, 1), TypeError, "found element of type NoneType at pos 0"),
    (1, TypeError, "argument 'pad' must be tuple of ints, not int"),
    (None, TypeError, "argument 'pad' must be tuple of ints, not NoneType"),
    ((-2, -2), ValueError, r"padding \(-2, -2\) crops more than the 3 elements of dim 1"),
    ((2, -4), ValueError, r"padding \(2, -4\) crops more than"),
])
def test_bad_pads_are_clear_errors(pad, error, match):
    with pytest.raises(error, match=match):
        mg.pad(mg.zeros(2, 3), pad)


def test_pad_bad_input_value_and_mode():
    with pytest.raises(TypeError, match="pad\\(\\): argument 'input' \\(position 1\\) must be Tensor, "
                                  "not numpy.ndarray"):
        mg.pad(np.zeros((2, 3)), (1, 1))
    with pytest.raises(TypeError, match="argument 'value' must be a number, not str"):
        mg.pad(mg.zeros(2, 3), (1, 1), value="a")
    with pytest.raises(TypeError, match="argument 'mode' must be str, not int"):
        mg.pad(mg.zeros(2, 3), (1, 1), 5)


# ---- what tests/test_fuzz_tensor.py found ---------------------------------------------------
@pytest.mark.parametrize("call,error,match", [
    (lambda x: x + None, TypeError, "the other operand must be a Tensor, a number or an array, "
                                    "not NoneType"),
    (lambda x: x * "a", TypeError, "the other operand must be a Tensor, a number or an array, "
                                   "not str"),
    (lambda x: x / ["a"], TypeError, "the other operand must hold numbers"),
    (lambda x: mg.where(x > 0, x, None), TypeError, "where\\(\\): argument 'other' must be a "
                                                    "Tensor or a number, not NoneType"),
    (lambda x: (x > 0) - (x > 0), RuntimeError, "sub: subtraction, the `-` operator, with a bool "
                                                 "tensor"),
    (lambda x: (x > 0) - x, RuntimeError, "with a bool tensor is not supported"),
    (lambda x: 1 - (x > 0), RuntimeError, "with a bool tensor is not supported"),
    (lambda x: x.long() // mg.tensor([1, 0, 1]), RuntimeError, "floor_divide: integer division by "
                                                                "zero"),
    (lambda x: x.long() % 0, RuntimeError, "remainder: integer division by zero"),
    (lambda x: (x > 0)[:0] % (x > 0)[0], RuntimeError, "remainder: not implemented for bool"),
    (lambda x: x.long().var(), RuntimeError, "var: std and var only support floating point"),
    (lambda x: (x > 0).std(0), RuntimeError, "std: std and var only support floating point"),
    (lambda x: x.long().norm(), RuntimeError, "norm: expected a floating point tensor"),
    (lambda x: (x > 0).argmax(0), RuntimeError, "argmax\\(\\): does not support bool input"),
    (lambda x: (x > 0).argmin(), RuntimeError, "argmin\\(\\): does not support bool input"),
    (lambda x: x[::0], ValueError, r"index slice\(None, None, 0\) is invalid for a tensor of "
                                   r"shape \(3,\): slice step cannot be zero"),
    (lambda x: mg.cat([x, x], None), TypeError, "argument 'dim' must be int, not NoneType"),
    (lambda x: mg.stack([x, x], (0, 0)), TypeError, "argument 'dim' must be int, not tuple"),
    (lambda x: mg.cat([x, None]), TypeError, "cat\\(\\): expected a sequence of Tensors, but "
                                             "element 1 of 'tensors' is NoneType"),
    (lambda x: mg.cat(x), TypeError, "cat\\(\\): argument 'tensors' must be a tuple or list of "
                                     "Tensors, not Tensor"),
    (lambda x: mg.cat([x[0], x[0]]), RuntimeError, "zero-dimensional tensor .at position 0. "
                                                   "cannot be concatenated"),
    (lambda x: x.squeeze((0, 0)), RuntimeError, "dim 0 appears multiple times"),
    (lambda x: x.flip((0, 0)), RuntimeError, "dim 0 appears multiple times"),
    (lambda x: x.repeat(1.0), TypeError, "repeat: a shape takes ints, got 1.0"),
    (lambda x: x.repeat("a"), TypeError, "repeat: a shape takes ints, got 'a'"),
    (lambda x: x[0].repeat(), ValueError, "repeat: the number of repeats 0 must be >= the "
                                          "number of dims 0"),
    (lambda x: x.expand(1.0, 3), TypeError, "expand: a shape takes ints, got 1.0"),
])
def test_fuzz_findings_are_clear_errors(call, error, match):
    with pytest.raises(error, match=match):
        call(mg.tensor([1.0, -2.0, 3.0]))


def test_fuzz_findings_compute_as_pytorch():
    x = mg.tensor([[1.0, -2.0, 3.0], [4.0, 5.0, -6.0]])
    # a 0-d tensor of the same kind takes the other's dtype (numpy: float64)
    assert (x + mg.tensor(1.0, dtype=mg.float64)).dtype == np.float32
    assert (mg.tensor(1.0, dtype=mg.float64) * x).dtype == np.float32
    assert (x.double() + mg.tensor(1.0)).dtype == np.float64
    # where promotes as arithmetic does; an int tensor clamped to a float bound is float32
    assert mg.where(x > 0, x, mg.tensor([0, 1, 2])).dtype == np.float32
    assert mg.tensor([1, 5]).clamp(max=1.5).tolist() == [1.0, 1.5]
    assert mg.tensor([1, 5]).clamp(max=1.5).dtype == np.float32
    assert mg.tensor([1, 5]).clamp(max=2).dtype == np.int64
    # dim=() reduces over every dim for sum/mean/var/std/norm, over none for all/any
    assert x.sum(()).item() == 5.0 and x.mean(dim=[]).shape == ()
    assert x.var(()).shape == () and x.norm(dim=()).shape == ()
    assert (x > 0).all(()).shape == (2, 3)
    # all/any over several dims; squeeze with a list of dims
    assert (x > 0).any((0, 1)).item() is True and (x > -10).all((0, -1), True).shape == (1, 1)
    assert mg.zeros(2, 1, 1).squeeze([1, 2]).shape == (2,)
    # integer // and % with no zero divisor, or with an empty result, compute
    assert (mg.tensor([7, 8]) // mg.tensor([2, 3])).tolist() == [3, 2]
    assert (mg.zeros(2, 0, dtype=mg.int64) % mg.zeros(2, 1, dtype=mg.int64)).shape == (2, 0)
    assert mg.ones(2, 3).expand(4, -1, -1).shape == (4, 2, 3)


def test_split_and_chunk_of_an_empty_dim_as_pytorch():
    x = mg.ones(2, 0)
    assert [t.shape for t in x.chunk(3, 1)] == [(2, 0)] * 3
    assert [t.shape for t in x.split(2, 1)] == [(2, 0)]


def test_cat_and_stack_promote_as_pytorch():
    assert mg.cat([mg.ones(2), mg.tensor([1, 2])]).dtype == np.float32      # numpy: float64
    assert mg.stack([mg.ones(2, dtype=mg.float64), mg.ones(2)]).dtype == np.float64
    assert mg.cat([mg.tensor([True]), mg.tensor([2])]).tolist() == [1, 2]


def test_flatten_of_an_empty_tensor():
    assert mg.zeros(2, 0).flatten(0, 0).shape == (2, 0)
    assert mg.zeros(2, 0, 3).flatten(1).shape == (2, 0)


@pytest.mark.parametrize("values, order", [
    # values, PyTorch's stable descending order (torch.sort(descending=True, stable=True))
    ([0, 1, 2, 1], [2, 1, 3, 0]),                     # uint8: -x wrapped around (0, 2, 1, 1)
    ([True, False, True], [0, 2, 1]),                 # bool: -x was numpy's error
    ([1.0, np.nan, 3.0, 1.0, -np.inf], [1, 2, 0, 3, 4]),   # NaN first, as PyTorch
])
def test_descending_sort_of_any_dtype_as_pytorch(values, order):
    dtype = {int: np.uint8, bool: np.bool_, float: np.float64}[type(values[0])]
    x = mg.tensor(np.array(values, dtype=dtype))
    got, idx = x.sort(descending=True)
    assert idx.tolist() == order
    np.testing.assert_array_equal(got.numpy(), np.array(values, dtype=dtype)[order])
    assert x.topk(2).indices.tolist() == order[:2]
    assert x.reshape(1, -1).argsort(dim=1, descending=True).tolist() == [order]


@pytest.mark.parametrize("method", ["reshape", "view"])
def test_reshape_without_a_shape_is_a_type_error(method):
    x = mg.tensor(1.0)                          # 0-d: reshape() was silently x itself
    with pytest.raises(TypeError, match=f"{method}\\(\\) missing 1 required positional argument"):
        getattr(x, method)()
    assert getattr(x, method)(()).shape == ()   # the 0-d shape given as ()
