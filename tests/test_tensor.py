"""Tensor basics: construction and dtypes, properties, numpy interop, repr, factories, seeding."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import Tensor


# ---- construction and dtypes ------------------------------------------------------------------
@pytest.mark.parametrize("data", [1.5, [1.0, 2.0], [[1.0], [2.5]], [1, 2.5]])
def test_python_floats_default_to_float32(data):
    t = Tensor(data)
    assert t.dtype == np.float32
    np.testing.assert_array_equal(t.numpy(), np.asarray(data, dtype=np.float32))


@pytest.mark.parametrize("data", [3, [1, 2, 3], [[1], [2]]])
def test_python_ints_stay_integer(data):
    t = Tensor(data)
    assert t.dtype == np.int64
    np.testing.assert_array_equal(t.numpy(), np.asarray(data))


def test_python_bools_stay_bool():
    assert Tensor([True, False]).dtype == np.bool_


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16, np.int32, np.int64, np.uint8])
def test_numpy_arrays_keep_their_dtype(dtype):
    arr = np.arange(6).reshape(2, 3).astype(dtype)
    t = Tensor(arr)
    assert t.dtype == dtype
    np.testing.assert_array_equal(t.numpy(), arr)


def test_explicit_dtype_overrides():
    assert Tensor([1, 2], dtype=np.float64).dtype == np.float64
    assert Tensor(np.ones(3), dtype=np.float32).dtype == np.float32
    assert mg.tensor([1.0, 2.0], dtype=mg.float64).dtype == np.float64
    assert Tensor([1.7, 2.2], dtype=np.int64).numpy().tolist() == [1, 2]


def test_tensor_from_tensor_copies_its_values():
    a = Tensor([1.0, 2.0])
    b = Tensor(a)
    np.testing.assert_array_equal(b.numpy(), a.numpy())
    assert b.dtype == np.float32


def test_integer_tensor_cannot_require_grad():
    with pytest.raises(RuntimeError, match="floating point"):
        Tensor([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError, match="floating point"):
        Tensor([1, 2]).requires_grad_()


# Result dtypes of arithmetic mixing kinds, as PyTorch gives them (checked against
# torch 2.13); numpy alone would give float64 in every float row but the last two.
PROMOTION = [
    ("int64 * 2.5", lambda i, i32, f, d, b: i * 2.5, np.float32),
    ("2.5 * int64", lambda i, i32, f, d, b: 2.5 * i, np.float32),
    ("int64 / 2", lambda i, i32, f, d, b: i / 2, np.float32),
    ("2 / int64", lambda i, i32, f, d, b: 2 / i, np.float32),
    ("int64 / int64", lambda i, i32, f, d, b: i / i, np.float32),
    ("int32 / int32", lambda i, i32, f, d, b: i32 / i32, np.float32),
    ("int64 + float32", lambda i, i32, f, d, b: i + f, np.float32),
    ("float32 - int64", lambda i, i32, f, d, b: f - i, np.float32),
    ("float32 / int64", lambda i, i32, f, d, b: f / i, np.float32),
    ("int32 * 1.5", lambda i, i32, f, d, b: i32 * 1.5, np.float32),
    ("int64 ** 0.5", lambda i, i32, f, d, b: i ** 0.5, np.float32),
    ("2.0 ** int64", lambda i, i32, f, d, b: 2.0 ** i, np.float32),
    ("bool * 1.5", lambda i, i32, f, d, b: b * 1.5, np.float32),
    ("int64 + 1", lambda i, i32, f, d, b: i + 1, np.int64),
    ("int64 ** 2", lambda i, i32, f, d, b: i ** 2, np.int64),
    ("2 ** int64", lambda i, i32, f, d, b: 2 ** i, np.int64),
    ("bool + 1", lambda i, i32, f, d, b: b + 1, np.int64),
    ("bool + int32", lambda i, i32, f, d, b: b + i32, np.int32),
    ("int32 + int64", lambda i, i32, f, d, b: i32 + i, np.int64),
    ("float64 + int64", lambda i, i32, f, d, b: d + i, np.float64),
    ("float32 + float64", lambda i, i32, f, d, b: f + d, np.float64),
]


@pytest.mark.parametrize("name, op, dtype", PROMOTION, ids=[p[0] for p in PROMOTION])
def test_arithmetic_promotes_dtypes_like_pytorch(name, op, dtype):
    i, i32 = Tensor([1, 2, 3]), Tensor(np.array([1, 2, 3], dtype=np.int32))
    f, b = Tensor([1.0, 2.0, 3.0]), Tensor([True, False, True])
    d = f.double()
    out = op(i, i32, f, d, b)
    assert out.dtype == dtype
    expected = op(*(np.asarray(t.numpy()) for t in (i, i32, f, d, b)))    # numpy's values
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-6)


def test_mixed_kind_arithmetic_keeps_float32_gradients():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    n = Tensor([1, 2, 3])
    y = (x * n + n / 2 + x / n).sum()
    assert y.dtype == np.float32
    y.backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.5, 10 / 3], rtol=1e-6)


def test_object_data_is_rejected():
    with pytest.raises((TypeError, ValueError)):
        Tensor([object()])


# ---- properties -------------------------------------------------------------------------------
def test_shape_ndim_size_numel_len():
    t = Tensor(np.zeros((2, 3, 4), dtype=np.float32))
    assert t.shape == (2, 3, 4)
    assert t.ndim == 3 and t.dim() == 3
    assert t.size() == (2, 3, 4)
    assert t.size(1) == 3 and t.size(-1) == 4
    assert t.numel() == 24
    assert len(t) == 2
    with pytest.raises(TypeError, match="0-d"):
        len(Tensor(1.0))


def test_data_is_the_numpy_array_and_numpy_returns_it():
    arr = np.arange(4.0)
    t = Tensor(arr, requires_grad=True)
    assert isinstance(t.numpy(), np.ndarray)
    assert isinstance(t.numpy(), np.ndarray)
    np.testing.assert_array_equal(t.numpy(), arr)
    # numpy() of a tensor that requires grad is allowed (detached view of the data)
    y = t * 2
    np.testing.assert_array_equal(y.numpy(), arr * 2)


def test_array_protocol():
    t = Tensor([[1.0, 2.0], [3.0, 4.0]])
    a = np.asarray(t)
    assert isinstance(a, np.ndarray) and a.dtype == np.float32
    np.testing.assert_array_equal(a, [[1, 2], [3, 4]])
    assert np.asarray(t, dtype=np.float64).dtype == np.float64
    assert np.array(t).shape == (2, 2)
    # np.array copies, np.asarray does not, as for ndarrays
    c = np.array(t)
    c[0, 0] = 99.0
    assert t.numpy()[0, 0] == 1.0
    assert np.shares_memory(np.asarray(t), t.numpy())
    # numpy functions work on the array np.asarray gives
    assert np.sum(np.asarray(t)) == 10.0


def test_item():
    assert Tensor(2.5).item() == 2.5
    assert isinstance(Tensor(2.5).item(), float)
    assert Tensor([[7]]).item() == 7
    assert isinstance(Tensor([[7]]).item(), int)
    with pytest.raises(ValueError, match=r"one-element.*\(2,\)"):
        Tensor([1.0, 2.0]).item()


def test_tolist_and_bool():
    assert Tensor([[1, 2], [3, 4]]).tolist() == [[1, 2], [3, 4]]
    assert bool(Tensor(1.0)) is True and bool(Tensor([0.0])) is False
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(Tensor([1.0, 2.0]))


def test_grad_starts_as_none_and_leaf_flags():
    x = Tensor([1.0, 2.0], requires_grad=True)
    assert x.grad is None and x.is_leaf and x.requires_grad and x.grad_fn is None
    y = x * 2
    assert not y.is_leaf and y.requires_grad and y.grad_fn is not None
    c = Tensor([1.0]) * 2              # no input requires grad: a leaf, no graph
    assert c.is_leaf and not c.requires_grad


def test_detach_shares_data_but_leaves_the_graph():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    d = y.detach()
    assert d.is_leaf and not d.requires_grad and d.grad_fn is None
    np.testing.assert_array_equal(d.numpy(), [3.0, 6.0])
    assert np.shares_memory(d.numpy(), y.numpy())
    z = (d * x).sum()
    z.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 6.0])   # d is a constant


def test_requires_grad_():
    x = Tensor([1.0, 2.0])
    assert x.requires_grad_() is x and x.requires_grad
    x.requires_grad_(False)
    assert not x.requires_grad
    y = Tensor([1.0], requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="leaf"):
        y.requires_grad_(False)
    assert y.requires_grad_(True) is y and y.requires_grad   # a no-op, as in PyTorch


def test_casts():
    x = Tensor([1.5, -2.5])
    assert x.double().dtype == np.float64
    assert x.double().float().dtype == np.float32
    assert x.long().dtype == np.int64
    assert x.to(np.float64).dtype == np.float64
    c = x.clone()
    assert c.dtype == np.float32 and not np.shares_memory(c.numpy(), x.numpy())


def test_integer_casts_leave_the_graph():
    x = Tensor([1.5, -2.5], requires_grad=True)
    for t in (x.long(), x.to(np.int32), x.to(np.bool_)):
        assert not t.requires_grad and t.grad_fn is None


def test_cast_is_differentiable_between_floats():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x.double()
    assert y.dtype == np.float64
    (y * y).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0])


def test_in_place_operators_work_outside_autograd_and_are_refused_on_a_leaf_that_requires_grad():
    x = Tensor([1.0, 2.0])
    alias = x.data
    x += 1
    x[0] = 5.0
    assert x.tolist() == [5.0, 3.0] and alias.tolist() == [5.0, 3.0]   # same memory
    w = Tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad.*in-place"):
        w += 1
    with mg.no_grad():
        w -= 0.5                            # a parameter update
    assert w.tolist() == [0.5]


# ---- repr ---------------------------------------------------------------------------------------
def test_repr_is_readable():
    assert repr(Tensor([1.0, 2.5])) == "tensor([1. , 2.5])"
    assert repr(Tensor([1, 2])) == "tensor([1, 2])"
    assert "dtype=float64" in repr(Tensor(np.array([1.0])))
    assert "requires_grad=True" in repr(Tensor([1.0], requires_grad=True))
    y = Tensor([1.0], requires_grad=True) * 2
    assert "grad_fn=<MulBackward>" in repr(y)
    r = repr(Tensor(np.arange(6, dtype=np.float32).reshape(2, 3)))
    assert r.startswith("tensor([[") and r.count("\n") == 1


# ---- factories ----------------------------------------------------------------------------------
def test_tensor_factory():
    t = mg.tensor([[1.0, 2.0]], requires_grad=True)
    assert isinstance(t, Tensor) and t.requires_grad and t.dtype == np.float32 and t.shape == (1, 2)
    # mg.tensor copies a numpy array (as torch.tensor); Tensor(ndarray) shares it (as from_numpy)
    arr = np.zeros(3)
    copied, shared = mg.tensor(arr), Tensor(arr)
    arr += 1
    assert copied.numpy().tolist() == [0.0, 0.0, 0.0] and copied.dtype == np.float64
    assert shared.numpy().tolist() == [1.0, 1.0, 1.0]


@pytest.mark.parametrize("factory, value", [(mg.zeros, 0.0), (mg.ones, 1.0)])
def test_zeros_ones(factory, value):
    for t in (factory(2, 3), factory((2, 3)), factory([2, 3])):
        assert t.shape == (2, 3) and t.dtype == np.float32
        assert np.all(t.numpy() == value)
    assert factory(3, dtype=np.float64).dtype == np.float64
    assert factory(2, requires_grad=True).requires_grad
    assert factory(()).shape == ()


def test_full_and_like_factories():
    t = mg.full((2, 2), 7.0)
    assert t.dtype == np.float32 and np.all(t.numpy() == 7)
    x = Tensor(np.ones((3, 1)))
    assert mg.zeros_like(x).shape == (3, 1) and mg.zeros_like(x).dtype == np.float64
    assert mg.ones_like(x, dtype=np.float32).dtype == np.float32
    assert np.all(mg.ones_like(x).numpy() == 1)


def test_randn_shape_dtype_and_distribution():
    mg.manual_seed(0)
    t = mg.randn(200, 50)
    assert t.shape == (200, 50) and t.dtype == np.float32
    assert abs(t.numpy().mean()) < 0.05 and abs(t.numpy().std() - 1) < 0.05
    assert mg.randn((2, 3)).shape == (2, 3)
    assert mg.randn(2, dtype=np.float64).dtype == np.float64
    assert mg.randn(2, requires_grad=True).requires_grad


def test_arange():
    a = mg.arange(5)
    assert a.dtype == np.int64 and a.tolist() == [0, 1, 2, 3, 4]
    assert mg.arange(2, 8, 3).tolist() == [2, 5]
    f = mg.arange(0.0, 1.0, 0.25)
    assert f.dtype == np.float32
    np.testing.assert_array_equal(f.numpy(), [0, 0.25, 0.5, 0.75])
    assert mg.arange(3, dtype=np.float64).dtype == np.float64


def test_manual_seed_makes_randomness_repeatable():
    mg.manual_seed(123)
    a, b = mg.randn(4, 3), mg.rand(5)
    mg.manual_seed(123)
    a2, b2 = mg.randn(4, 3), mg.rand(5)
    np.testing.assert_array_equal(a.numpy(), a2.numpy())
    np.testing.assert_array_equal(b.numpy(), b2.numpy())
    mg.manual_seed(124)
    assert not np.array_equal(mg.randn(4, 3).numpy(), a.numpy())
    # successive draws differ
    mg.manual_seed(123)
    assert not np.array_equal(mg.randn(4, 3).numpy(), mg.randn(4, 3).numpy())


def test_randint():
    mg.manual_seed(0)
    r = mg.randint(0, 3, (100,))
    assert r.dtype == np.int64 and r.shape == (100,)
    assert set(r.tolist()) == {0, 1, 2}
