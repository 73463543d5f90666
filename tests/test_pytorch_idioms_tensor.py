"""PyTorch's tensor-level idioms that tutorial scripts use: devices, dtype names, conversions
to Python numbers, factories, and the small ops (repeat, topk, sort, split, ...), each
against numpy and, where they are differentiable, gradcheck and gradgradcheck."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import Tensor, nn


def leaf(values):
    return Tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


# ---- devices -----------------------------------------------------------------------------------
def test_the_usual_device_line_picks_the_cpu_and_everything_accepts_it():
    device = mg.device("cuda" if mg.cuda.is_available() else "cpu")
    assert device == mg.device("cpu") == "cpu" and str(device) == "cpu"
    assert repr(mg.device("cpu:0")) == "device(type='cpu', index=0)"
    assert not mg.backends.mps.is_available()
    mg.backends.cudnn.deterministic = True           # accepted, changes nothing
    model = nn.Linear(3, 2).to(device)
    x = mg.randn(4, 3, device=device).to(device)
    assert model(x).device == device and x.cpu() is x and not x.is_cuda
    for make in (lambda: mg.zeros(2, device="cpu"), lambda: mg.ones(2, device=device),
                 lambda: mg.tensor([1.0], device="cpu"), lambda: mg.arange(3, device="cpu"),
                 lambda: mg.full((2,), 1.5, device="cpu"), lambda: mg.empty(2, device="cpu")):
        assert make().device == device


@pytest.mark.parametrize("call", [
    lambda: mg.zeros(2).to("cuda"), lambda: mg.zeros(2).cuda(), lambda: nn.Linear(2, 2).cuda(),
    lambda: nn.Linear(2, 2).to(mg.device("cuda", 0)), lambda: mg.randn(2, device="mps")])
def test_any_other_device_is_a_clear_error(call):
    with pytest.raises(RuntimeError, match="CPU only"):
        call()


def test_to_takes_pytorchs_forms():
    x = mg.randn(2, 3)
    assert x.to(mg.double).dtype == np.float64
    assert x.to("cpu", mg.float64).dtype == np.float64
    assert x.to(mg.zeros(1, dtype=mg.float16)).dtype == np.float16
    assert x.to(dtype=mg.long).dtype == np.int64 and x.to("cpu") is x
    m = nn.Linear(2, 2).to("cpu", mg.double)
    assert m.weight.dtype == np.float64


# ---- dtypes and conversions ---------------------------------------------------------------------
def test_dtype_names():
    assert (mg.float, mg.double, mg.half, mg.int, mg.long, mg.bool) == \
        (np.float32, np.float64, np.float16, np.int32, np.int64, np.bool_)
    x = mg.tensor([1.5, -2.0])
    assert x.int().dtype == np.int32 and x.half().dtype == np.float16
    assert x.bool().tolist() == [True, True] and x.type(mg.float64).dtype == np.float64
    assert (x > 0).type(mg.float).sum().item() == 1.0


def test_numbers_formats_and_indices():
    loss = mg.tensor(0.123456)
    assert f"{loss:.4f}" == "0.1235" and f"{loss:>9.2f}" == "     0.12"
    assert float(loss) == pytest.approx(0.123456) and int(mg.tensor([7])) == 7
    items = ["a", "b", "c"]
    assert items[mg.tensor(2)] == "c" and list(range(mg.tensor(3))) == [0, 1, 2]
    with pytest.raises(TypeError, match="integer tensors"):
        items[mg.tensor(1.0)]
    assert "tensor(" in f"{mg.tensor([1.0, 2.0])}"


# ---- factories ---------------------------------------------------------------------------------
def test_factories_match_numpy():
    np.testing.assert_allclose(mg.linspace(-1, 1, 5).numpy(), np.linspace(-1, 1, 5))
    np.testing.assert_allclose(mg.logspace(0, 2, 3).numpy(), [1.0, 10.0, 100.0])
    assert mg.linspace(0, 1, 3).dtype == np.float32
    a = np.arange(4.0)
    t = mg.from_numpy(a)
    a[0] = 9.0
    assert t.tolist()[0] == 9.0 and t.dtype == np.float64          # shares memory
    assert mg.full_like(mg.zeros(2, 2), 3.0).tolist() == [[3.0, 3.0], [3.0, 3.0]]
    assert mg.full((2,), 7).dtype == np.int64 and mg.full((2,), 7.0).dtype == np.float32
    assert mg.empty(2, 3).shape == (2, 3) and mg.empty_like(mg.ones(4)).shape == (4,)
    mg.manual_seed(0)
    assert sorted(mg.randperm(5).tolist()) == [0, 1, 2, 3, 4]
    assert mg.randint(10, (3,)).shape == (3,)
    with pytest.raises(TypeError, match="numpy array"):
        mg.from_numpy([1, 2])


# ---- small ops -------------------------------------------------------------------------------
def test_repeat_flip_split_chunk_view_as():
    a = np.arange(6.0).reshape(2, 3)
    x = mg.tensor(a)
    np.testing.assert_array_equal(x.repeat(2, 3).numpy(), np.tile(a, (2, 3)))
    np.testing.assert_array_equal(x.repeat(2, 1, 1).numpy(), np.tile(a, (2, 1, 1)))
    np.testing.assert_array_equal(x.flip(1).numpy(), a[:, ::-1])
    np.testing.assert_array_equal(mg.flip(x, (0, 1)).numpy(), a[::-1, ::-1])
    assert [p.shape for p in x.split(2, dim=1)] == [(2, 2), (2, 1)]
    assert [p.shape for p in x.split([1, 2], dim=1)] == [(2, 1), (2, 2)]
    assert [p.shape for p in mg.arange(10).chunk(3)] == [(4,), (4,), (2,)]
    assert x.view_as(mg.zeros(3, 2)).shape == (3, 2)
    assert x.T.contiguous().numpy().flags.c_contiguous
    with pytest.raises(ValueError, match="do not add up"):
        x.split([1, 1], dim=1)


def test_sort_argsort_topk_masked_fill_norm():
    a = np.array([[3.0, 1.0, 2.0], [0.5, 4.0, -1.0]])
    x = mg.tensor(a)
    v, i = x.sort(dim=1)
    np.testing.assert_array_equal(v.numpy(), np.sort(a, axis=1))
    np.testing.assert_array_equal(i.numpy(), np.argsort(a, axis=1))
    assert x.argsort(dim=1, descending=True).tolist() == [[0, 2, 1], [1, 0, 2]]
    top = mg.topk(x, 2, dim=1)
    assert top.values.tolist() == [[3.0, 2.0], [4.0, 0.5]] and top.indices.tolist() == [[0, 2], [1, 0]]
    assert x.topk(1, largest=False).values.tolist() == [[1.0], [-1.0]]
    m = x.masked_fill(x > 2, 0.0)
    np.testing.assert_array_equal(m.numpy(), np.where(a > 2, 0.0, a))
    np.testing.assert_allclose(x.norm().item(), np.linalg.norm(a))
    np.testing.assert_allclose(x.norm(dim=1).numpy(), np.linalg.norm(a, axis=1))
    np.testing.assert_allclose(x.norm(p=1).item(), np.abs(a).sum())
    np.testing.assert_allclose(mg.tan(mg.tensor([0.3])).numpy(), np.tan([0.3]), rtol=1e-6)


@pytest.mark.parametrize("p", [None, "fro", 2, 1, 3, 0.5, 0, float("inf"), float("-inf")])
@pytest.mark.parametrize("dim", [None, 1])
def test_norm_orders_as_pytorch(p, dim):
    # PyTorch's orders, against numpy's vector norms (np.linalg.norm with ord=None is the
    # 2-norm, ord=0 counts nonzeros, +-inf are the largest and smallest |x|)
    a = np.array([[3.0, 0.0, -2.0], [0.5, 4.0, -1.0]])
    order = 2 if p in (None, "fro") else p
    want = np.linalg.norm(a.ravel() if dim is None else a, ord=order, axis=None if dim is None else dim)
    np.testing.assert_allclose(mg.tensor(a).norm(p=p, dim=dim).numpy(), want)


def test_norm_orders_it_does_not_have_are_errors():
    for p in ("nuc", "max"):
        with pytest.raises(RuntimeError, match=f"p='{p}' is not supported"):
            mg.randn(2, 3).norm(p=p)


@pytest.mark.parametrize("name, fn", [
    ("repeat", lambda x: x.repeat(2, 3)),
    ("flip", lambda x: x.flip(0) * x),
    ("split", lambda x: x.split(1, dim=1)[1] * x.split([2, 1], dim=1)[0][:, :1]),
    ("sort", lambda x: x.sort(dim=1).values * mg.tensor(np.arange(3.0))),
    ("topk", lambda x: x.topk(2, dim=1).values ** 2),
    ("masked_fill", lambda x: x.masked_fill(mg.tensor(np.array([[True, False, False]] * 2)), 0.5) * x),
    ("norm", lambda x: x.norm(dim=1) * x.norm()),
    ("norm_p3", lambda x: x.norm(p=3)),
    ("tan", lambda x: x.tan()),
])
def test_small_ops_first_and_second_derivatives(name, fn):
    x = leaf([[0.3, -0.7, 1.1], [0.2, 0.9, -0.4]])
    assert mg.gradcheck(fn, (x,))
    assert mg.gradgradcheck(fn, (x,))


def test_norm_of_a_zero_vector_has_zero_gradient_like_pytorch():
    x = leaf([0.0, 0.0])
    x.norm().backward()
    assert x.grad.tolist() == [0.0, 0.0]


def test_inference_mode_and_variable():
    w = leaf([1.0])
    with mg.inference_mode():
        assert not (w * 2).requires_grad
    assert (w * 2).requires_grad

    @mg.inference_mode()
    def predict(t):
        return t * 3
    assert not predict(w).requires_grad
    v = mg.autograd.Variable(mg.tensor([2.0]), requires_grad=True)
    assert v.requires_grad and v.is_leaf
    assert mg.autograd.Variable(mg.tensor([2.0])).requires_grad is False
