"""Every built-in op: its forward against plain numpy, its gradient by a float64 gradcheck
(random shapes through hypothesis, broadcasting included), and its dtype (float32 stays float32)."""
import operator
import warnings

import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg
from minigrad import Tensor

from helpers import softmax

FAST = settings(max_examples=25, deadline=None)
seeds = st.integers(0, 2**32 - 1)
small_shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3)
pairs = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3)


def values(seed, shape, kind="any"):
    """float64 test data: any real, positive (log, sqrt, pow bases) or away from 0 (divisors)."""
    x = np.random.default_rng(seed).standard_normal(shape)
    if kind == "pos":
        return np.abs(x) + 0.5
    if kind == "nonzero":
        return np.where(x < 0, x - 0.5, x + 0.5)
    return x


def check_op(fn, reference, *arrays, rtol=1e-5, atol=1e-6):
    """Run ``fn`` on float32 tensors and compare with ``reference`` (numpy, float64) on the same
    values; check the output and gradients stay float32; then gradcheck ``fn`` in float64."""
    arrays = [np.asarray(a, dtype=np.float32) for a in arrays]
    xs = [Tensor(a, requires_grad=True) for a in arrays]
    out = fn(*xs)
    expected = reference(*[a.astype(np.float64) for a in arrays])
    assert isinstance(out, Tensor)
    assert out.dtype == np.float32, f"output dtype {out.dtype}"
    assert out.shape == np.shape(expected)
    np.testing.assert_allclose(out.numpy(), expected, rtol=rtol, atol=atol)
    out.backward(np.ones(out.shape, dtype=np.float32))
    for x in xs:
        assert x.grad is not None and x.grad.dtype == np.float32 and x.grad.shape == x.shape
    assert mg.gradcheck(fn, tuple(Tensor(a.astype(np.float64), requires_grad=True) for a in arrays))


# ---- binary arithmetic ------------------------------------------------------------------------------
BINARY = {
    "add": (operator.add, np.add, "any", "any"),
    "sub": (operator.sub, np.subtract, "any", "any"),
    "mul": (operator.mul, np.multiply, "any", "any"),
    "div": (operator.truediv, np.true_divide, "any", "nonzero"),
    "pow": (operator.pow, np.power, "pos", "any"),
}


@pytest.mark.parametrize("name", BINARY)
@FAST
@given(shapes=pairs, seed=seeds)
def test_binary_op_with_broadcasting(name, shapes, seed):
    op, ref, kind_a, kind_b = BINARY[name]
    sa, sb = shapes.input_shapes
    check_op(op, ref, values(seed, sa, kind_a), values(seed + 1, sb, kind_b))


@pytest.mark.parametrize("name", BINARY)
def test_binary_op_shape_mismatch_is_a_clear_error(name):
    op = BINARY[name][0]
    x = Tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match=rf"{name}: shapes \(2, 3\), \(4,\) cannot be broadcast"):
        op(x, Tensor(np.ones(4)))
    with pytest.raises(ValueError, match=rf"{name}: shapes \(4,\), \(2, 3\) cannot be broadcast"):
        op(np.ones(4), x)


def test_method_names_match_operators():
    a, b = Tensor([1.0, 2.0]), Tensor([3.0, 4.0])
    for method, op in [("add", operator.add), ("sub", operator.sub), ("mul", operator.mul),
                       ("div", operator.truediv), ("pow", operator.pow)]:
        np.testing.assert_allclose(getattr(a, method)(b).numpy(), op(a, b).numpy())


def _constants(name):
    """Constants to combine with a tensor of shape (2, 3), per kind of right/left operand."""
    positive = name in ("pow", "div")      # a constant base or divisor must be safe
    arr = np.array([0.5, 2.0, 1.5]) if positive else np.array([-1.0, 2.0, 0.5])
    return {
        "int": 2,
        "float": 1.5,
        "numpy float64 scalar": np.float64(1.5),
        "float64 array": arr,
        "float32 array that broadcasts up": np.ones((2, 1, 3), dtype=np.float32) * arr.astype(np.float32),
    }


@pytest.mark.parametrize("name", BINARY)
@pytest.mark.parametrize("kind", list(_constants("add")))
@pytest.mark.parametrize("side", ["right", "left"])
def test_binary_op_with_python_scalars_and_numpy_arrays(name, kind, side):
    op, ref, kind_a, kind_b = BINARY[name]
    const = _constants(name)[kind]
    if side == "right":   # tensor (op) constant
        data = values(7, (2, 3), kind_a)
        fn, ref_fn = (lambda x: op(x, const)), (lambda a: ref(a, np.asarray(const, np.float64)))
    else:                 # constant (op) tensor: the reflected operator
        data = values(7, (2, 3), kind_b)
        fn, ref_fn = (lambda x: op(const, x)), (lambda a: ref(np.asarray(const, np.float64), a))
    check_op(fn, ref_fn, data)


def test_pow_gradients_at_zero_base_match_pytorch():
    # d/db 0^b = 0 for b > 0 (0^b is constantly 0), not 0 * log(0) = nan
    base = Tensor([0.0, 2.0], requires_grad=True)
    expo = Tensor([2.0, 3.0], requires_grad=True)
    (base ** expo).sum().backward()
    np.testing.assert_allclose(base.grad.numpy(), [0.0, 12.0])
    np.testing.assert_allclose(expo.grad.numpy(), [0.0, 8 * np.log(2)], rtol=1e-6)
    # d/da a^0 = 0 everywhere, also at a = 0
    x = Tensor([0.0, 3.0], requires_grad=True)
    (x ** 0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0])


def test_square_of_negative_numbers():
    check_op(lambda x: x ** 2, np.square, np.array([-3.0, -0.5, 0.0, 2.0]))
    check_op(lambda x: x ** 3, lambda a: a ** 3, np.array([-1.5, 0.7]))


# ---- unary ----------------------------------------------------------------------------------------
UNARY = {
    "neg": (lambda x: -x, np.negative, "any"),
    "exp": (Tensor.exp, np.exp, "any"),
    "log": (Tensor.log, np.log, "pos"),
    "sqrt": (Tensor.sqrt, np.sqrt, "pos"),
    "abs": (Tensor.abs, np.abs, "any"),
    "relu": (Tensor.relu, lambda a: np.maximum(a, 0), "any"),
    "sigmoid": (Tensor.sigmoid, lambda a: 1 / (1 + np.exp(-a)), "any"),
    "tanh": (Tensor.tanh, np.tanh, "any"),
    "clamp": (lambda x: x.clamp(-0.5, 0.7), lambda a: np.clip(a, -0.5, 0.7), "any"),
    "clamp_min": (lambda x: x.clamp(min=0.1), lambda a: np.maximum(a, 0.1), "any"),
    "clamp_max": (lambda x: x.clamp(max=-0.2), lambda a: np.minimum(a, -0.2), "any"),
}


@pytest.mark.parametrize("name", UNARY)
@FAST
@given(shape=small_shapes, seed=seeds)
def test_unary_op(name, shape, seed):
    fn, ref, kind = UNARY[name]
    check_op(fn, ref, values(seed, shape, kind))


@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "abs", "relu", "sigmoid", "tanh"])
def test_module_level_unary_functions(name):
    x = Tensor(values(3, (2, 3), "pos"))
    np.testing.assert_array_equal(getattr(mg, name)(x).numpy(), getattr(x, name)().numpy())


def test_gradients_at_kinks_follow_pytorch():
    x = Tensor([-1.0, 0.0, 2.0], requires_grad=True)
    x.relu().sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 1.0])
    x.grad = None
    x.abs().sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [-1.0, 0.0, 1.0])
    x.grad = None
    x.clamp(-1.0, 0.0).sum().backward()        # boundaries included
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 1.0, 0.0])
    with pytest.raises(ValueError, match="clamp"):
        x.clamp()


def test_sigmoid_and_tanh_saturate_without_overflow():
    x = Tensor(np.array([-1000.0, -80.0, 0.0, 80.0, 1000.0], dtype=np.float32), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = x.sigmoid()
        t = x.tanh()
        (s + t).sum().backward()
    np.testing.assert_allclose(s.numpy(), [0.0, 0.0, 0.5, 1.0, 1.0], atol=1e-30)
    assert s.dtype == np.float32
    assert np.all(np.isfinite(x.grad.numpy()))


# ---- reductions ----------------------------------------------------------------------------------
@st.composite
def shape_and_dim(draw, tuples=True):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3))
    nd = len(shape)
    options = [st.none(), st.integers(-nd, nd - 1)]
    if tuples:
        options.append(hnp.valid_tuple_axes(nd, min_size=1))
    return shape, draw(st.one_of(*options))


@pytest.mark.parametrize("name", ["sum", "mean"])
@FAST
@given(sd=shape_and_dim(), keepdim=st.booleans(), seed=seeds)
def test_sum_and_mean(name, sd, keepdim, seed):
    shape, dim = sd
    ref = getattr(np, name)
    check_op(lambda x: getattr(x, name)(dim, keepdim=keepdim),
             lambda a: np.asarray(ref(a, axis=dim, keepdims=keepdim)), values(seed, shape))


@FAST
@given(sd=shape_and_dim(), keepdim=st.booleans(), unbiased=st.booleans(), seed=seeds)
def test_var_and_std(sd, keepdim, unbiased, seed):
    shape, dim = sd
    axes = range(len(shape)) if dim is None else ((dim,) if isinstance(dim, int) else dim)
    count = int(np.prod([shape[d] for d in axes]))
    assume(count > int(unbiased))
    ddof = int(unbiased)
    data = values(seed, shape)
    check_op(lambda x: x.var(dim, keepdim=keepdim, unbiased=unbiased),
             lambda a: np.asarray(np.var(a, axis=dim, keepdims=keepdim, ddof=ddof)), data, rtol=1e-4)
    check_op(lambda x: x.std(dim, keepdim=keepdim, unbiased=unbiased),
             lambda a: np.asarray(np.std(a, axis=dim, keepdims=keepdim, ddof=ddof)), data, rtol=1e-4)


def test_var_correction_and_degenerate_case():
    x = Tensor([1.0, 2.0, 4.0])
    assert x.var(correction=0).item() == pytest.approx(np.var([1, 2, 4]))
    one = Tensor([3.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        v = one.var()                      # no degrees of freedom left: nan, as in PyTorch
        v.backward()
    assert np.isnan(v.item()) and np.isnan(one.grad.item())


def test_std_of_a_constant_slice_has_zero_gradient_like_pytorch():
    x = Tensor([[1.0, 2.0, 4.0], [3.0, 3.0, 3.0]], requires_grad=True)
    s = x.std(1)
    s.sum().backward()
    assert s.numpy()[1] == 0
    np.testing.assert_array_equal(x.grad.numpy()[1], [0.0, 0.0, 0.0])
    assert np.all(np.isfinite(x.grad.numpy()))


def test_reduction_aliases_and_0d():
    x = Tensor(values(0, (2, 3)))
    np.testing.assert_allclose(mg.sum(x, 1).numpy(), x.numpy().sum(1), rtol=1e-6)
    np.testing.assert_allclose(mg.mean(x, (0, 1)).numpy(), x.numpy().mean(), rtol=1e-6)
    s = Tensor(2.0, requires_grad=True)
    s.sum().backward()
    assert s.grad.item() == 1.0


@pytest.mark.parametrize("largest", [True, False])
@FAST
@given(sd=shape_and_dim(tuples=False), keepdim=st.booleans(), seed=seeds)
def test_max_and_min(largest, sd, keepdim, seed):
    shape, dim = sd
    name = "max" if largest else "min"
    data = values(seed, shape)
    if dim is None:
        check_op(lambda x: getattr(x, name)(), lambda a: np.asarray(getattr(np, name)(a)), data)
        return
    check_op(lambda x: getattr(x, name)(dim, keepdim=keepdim).values,
             lambda a: getattr(np, name)(a, axis=dim, keepdims=keepdim), data)
    result = getattr(Tensor(data), name)(dim, keepdim=keepdim)
    values_, indices = result                    # a (values, indices) pair
    assert result.values is values_ and result.indices is indices
    arg = np.argmax if largest else np.argmin
    expected = arg(data, axis=dim)
    if keepdim:
        expected = np.expand_dims(expected, dim)
    np.testing.assert_array_equal(indices.numpy(), expected)
    assert indices.dtype == np.int64 and not indices.requires_grad
    assert getattr(mg, name)(Tensor(data), dim)[1].shape == np.max(data, axis=dim).shape


def test_max_dim_with_ties_routes_gradient_to_the_first_maximum():
    x = Tensor([[1.0, 3.0, 3.0],
                [2.0, 2.0, 2.0],
                [5.0, 0.0, 5.0]], requires_grad=True)
    values_, indices = x.max(1)
    np.testing.assert_array_equal(values_.numpy(), [3.0, 2.0, 5.0])
    np.testing.assert_array_equal(indices.numpy(), [1, 0, 0])
    values_.backward(np.array([1.0, 10.0, 100.0], dtype=np.float32))
    np.testing.assert_array_equal(x.grad.numpy(), [[0, 1, 0], [10, 0, 0], [100, 0, 0]])
    # along dim 0, keepdim
    y = Tensor([[4.0, 1.0], [4.0, 1.0]], requires_grad=True)
    v, i = y.min(0, keepdim=True)
    assert v.shape == (1, 2) and i.numpy().tolist() == [[0, 0]]
    v.sum().backward()
    np.testing.assert_array_equal(y.grad.numpy(), [[1, 1], [0, 0]])


def test_full_max_with_ties_splits_the_gradient_evenly_like_pytorch():
    x = Tensor([1.0, 3.0, 3.0, 2.0], requires_grad=True)
    x.max().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.5, 0.5, 0.0])
    y = Tensor([[1.0, -2.0], [-2.0, 0.0]], requires_grad=True)
    y.min().backward()
    np.testing.assert_array_equal(y.grad.numpy(), [[0.0, 0.5], [0.5, 0.0]])


def test_argmax_argmin():
    data = values(5, (3, 4))
    x = Tensor(data)
    assert x.argmax().item() == np.argmax(data)
    np.testing.assert_array_equal(x.argmax(1).numpy(), np.argmax(data, 1))
    np.testing.assert_array_equal(x.argmin(0, keepdim=True).numpy(), np.argmin(data, 0)[None])
    np.testing.assert_array_equal(mg.argmax(x, 0).numpy(), np.argmax(data, 0))


def test_reduction_dim_errors():
    x = Tensor(np.zeros((2, 3)))
    with pytest.raises(IndexError, match=r"range of \[-2, 1\], but got 2\) for a tensor with 2 dims"):
        x.sum(2)
    with pytest.raises(IndexError, match=r"but got -3\)"):
        x.max(-3)
    with pytest.raises(TypeError, match=r"max\(\): dim must be an int"):
        x.max((0, 1))
    with pytest.raises(RuntimeError, match="empty"):
        Tensor(np.zeros((0,))).max()


# ---- softmax family ------------------------------------------------------------------------------
@FAST
@given(sd=shape_and_dim(tuples=False), seed=seeds)
def test_softmax_and_log_softmax(sd, seed):
    shape, dim = sd
    dim = -1 if dim is None else dim
    data = values(seed, shape) * 3
    check_op(lambda x: x.softmax(dim), lambda a: softmax(a, dim), data)
    check_op(lambda x: x.log_softmax(dim), lambda a: np.log(softmax(a, dim)), data, atol=1e-5)
    np.testing.assert_allclose(mg.softmax(Tensor(data), dim).numpy().sum(axis=dim), 1.0, rtol=1e-5)


def test_softmax_is_numerically_stable_for_huge_inputs():
    data = np.array([[1000.0, 0.0, -1000.0], [1e30, 1e30, -1e30], [-1e4, -1e4, -1e4]], dtype=np.float32)
    x = Tensor(data, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = x.softmax(1)
        ls = x.log_softmax(1)
        (s * Tensor(np.arange(3.0, dtype=np.float32)) + ls).sum().backward()
    assert s.dtype == ls.dtype == np.float32
    for t in (s, ls, x.grad):
        assert np.all(np.isfinite(t.numpy()))
    np.testing.assert_allclose(s.numpy(), [[1, 0, 0], [0.5, 0.5, 0], [1 / 3, 1 / 3, 1 / 3]], atol=1e-6)
    np.testing.assert_allclose(ls.numpy()[0], [0.0, -1000.0, -2000.0])
    np.testing.assert_allclose(ls.numpy()[2], np.log(1 / 3), rtol=1e-6)


# ---- shape and movement --------------------------------------------------------------------------
@FAST
@given(shape=small_shapes, seed=seeds)
def test_reshape_view_flatten(shape, seed):
    data = values(seed, shape)
    n = data.size
    check_op(lambda x: x.reshape(-1), lambda a: a.reshape(-1), data)
    check_op(lambda x: x.view(1, n), lambda a: a.reshape(1, n), data)
    check_op(lambda x: x.reshape((n, 1, 1)), lambda a: a.reshape(n, 1, 1), data)
    check_op(lambda x: x.flatten(), lambda a: a.reshape(-1), data)
    if len(shape) >= 2:
        check_op(lambda x: x.flatten(1), lambda a: a.reshape(shape[0], -1), data)
        check_op(lambda x: mg.flatten(x, 0, -2), lambda a: a.reshape((-1, shape[-1])), data)


def test_flatten_with_start_dim_after_end_dim_is_an_error():
    # numpy would reshape (2, 3, 4) to (2, 3, -1, 4) without complaint
    with pytest.raises(ValueError, match="start_dim 2 comes after end_dim 1"):
        mg.randn(2, 3, 4).flatten(2, 1)


@FAST
@given(shape=hnp.array_shapes(min_dims=1, max_dims=4, max_side=3), data=st.data(), seed=seeds)
def test_permute_and_transpose(shape, data, seed):
    nd = len(shape)
    perm = tuple(data.draw(st.permutations(range(nd))))
    d0, d1 = data.draw(st.integers(-nd, nd - 1)), data.draw(st.integers(-nd, nd - 1))
    arr = values(seed, shape)
    check_op(lambda x: x.permute(*perm), lambda a: a.transpose(perm), arr)
    check_op(lambda x: x.permute(perm), lambda a: a.transpose(perm), arr)
    check_op(lambda x: x.transpose(d0, d1), lambda a: np.swapaxes(a, d0, d1), arr)
    check_op(lambda x: x.T, lambda a: a.T, arr)


def test_t_and_module_level_movement():
    a = values(1, (2, 3))
    x = Tensor(a)
    np.testing.assert_allclose(x.t().numpy(), a.T.astype(np.float32))
    np.testing.assert_allclose(mg.transpose(x, 0, 1).numpy(), a.T.astype(np.float32))
    np.testing.assert_allclose(mg.permute(x, (1, 0)).numpy(), a.T.astype(np.float32))
    assert mg.reshape(x, (3, 2)).shape == (3, 2)
    assert mg.squeeze(Tensor(np.zeros((1, 2)))).shape == (2,)
    assert mg.unsqueeze(x, 0).shape == (1, 2, 3)
    with pytest.raises(ValueError, match="t"):
        Tensor(np.zeros((1, 2, 3))).t()


@FAST
@given(shape=hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=2), data=st.data(), seed=seeds)
def test_squeeze_unsqueeze(shape, data, seed):
    nd = len(shape)
    arr = values(seed, shape)
    d = data.draw(st.integers(-nd, nd - 1))
    u = data.draw(st.integers(-nd - 1, nd))
    check_op(lambda x: x.squeeze(), np.squeeze, arr)
    check_op(lambda x: x.squeeze(d), lambda a: np.squeeze(a, d) if a.shape[d] == 1 else a, arr)
    check_op(lambda x: x.unsqueeze(u), lambda a: np.expand_dims(a, u), arr)


@FAST
@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3), data=st.data(), seed=seeds)
def test_expand(shape, data, seed):
    target = tuple(3 if s == 1 and data.draw(st.booleans()) else s for s in shape)
    lead = data.draw(st.integers(0, 2))
    full = (2,) * lead + target
    sizes = (2,) * lead + tuple(-1 if t == s and data.draw(st.booleans()) else t
                                for s, t in zip(shape, target))
    arr = values(seed, shape)
    check_op(lambda x: x.expand(*sizes), lambda a: np.broadcast_to(a, full), arr)
    check_op(lambda x: x.expand_as(Tensor(np.zeros(full))), lambda a: np.broadcast_to(a, full), arr)


def test_movement_errors():
    x = Tensor(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"reshape: shape \(4, 4\) is invalid for a tensor of shape \(2, 3\)"):
        x.reshape(4, 4)
    with pytest.raises(ValueError, match=r"reshape.*\(5, -1\)"):
        x.view(5, -1)
    with pytest.raises(ValueError, match=r"permute: dims \(0, 0\)"):
        x.permute(0, 0)
    with pytest.raises(IndexError, match="out of range"):
        x.transpose(0, 2)
    with pytest.raises(ValueError, match=r"expand: cannot expand a tensor of shape \(2, 3\) to \(4, 3\)"):
        x.expand(4, 3)
    with pytest.raises(ValueError, match="expand"):
        x.expand(3)


# ---- indexing -----------------------------------------------------------------------------------
INDICES = {
    "strided and reversed slices": (np.s_[1:5:2, ::-1], (6, 4)),
    "int": (np.s_[2], (4, 3)),
    "negative int and slice": (np.s_[-1, 1:], (4, 3)),
    "ellipsis": (np.s_[..., 0], (2, 3, 4)),
    "None": (np.s_[None, :, 1], (3, 4)),
    "int array with repeats": (np.s_[[0, 2, 2, 0, 2]], (4, 3)),
    "int array on dim 1": (np.s_[:, [0, 2, 2]], (4, 3)),
    "paired int arrays with repeats": (np.s_[[0, 0, 3, 0], [1, 1, 2, 1]], (4, 3)),
    "2-d int array": (np.s_[np.array([[1, 1], [0, 1]])], (3, 2)),
    "negative int array": (np.s_[[-1, -1, 0]], (3, 2)),
    "boolean mask": (np.s_[np.array([True, False, True, True])], (4, 3)),
    "full boolean mask": (np.s_[np.array([[True, False], [False, True], [True, True]])], (3, 2)),
    "int and int array": (np.s_[1, [0, 0, 2]], (2, 3)),
}


@pytest.mark.parametrize("name", INDICES)
def test_indexing_forward_and_scattered_gradient(name):
    index, shape = INDICES[name]
    arr = values(11, shape)
    check_op(lambda x: x[index], lambda a: np.asarray(a[index]), arr)
    # the gradient of each picked element lands where it came from, repeats adding up
    x = Tensor(arr, requires_grad=True)
    out = x[index]
    g = values(12, out.shape)
    out.backward(g)
    expected = np.zeros(shape)
    np.add.at(expected, index, g)
    np.testing.assert_allclose(x.grad.numpy(), expected)


def test_repeated_indices_add_up():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[[0, 0, 2, 0]].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 0.0, 1.0])


def test_indexing_with_tensors():
    arr = values(2, (4, 3))
    x = Tensor(arr, requires_grad=True)
    idx = mg.tensor([3, 3, 1])
    np.testing.assert_allclose(x[idx].numpy(), arr[[3, 3, 1]].astype(np.float32))
    mask = x > 0
    np.testing.assert_allclose(x[mask].numpy(), arr[arr > 0].astype(np.float32))
    np.testing.assert_allclose(x[idx, 1:].numpy(), arr[[3, 3, 1], 1:].astype(np.float32))
    x[mask].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), (arr > 0).astype(np.float32))
    assert mg.gradcheck(lambda t: t[idx] * t[mg.tensor([1, 1, 3])], (Tensor(arr, requires_grad=True),))


def test_bad_index_is_a_clear_error():
    with pytest.raises(IndexError, match=r"invalid for a tensor of shape \(2, 3\)"):
        Tensor(np.zeros((2, 3)))[5]


# ---- pad, cat, stack, where -----------------------------------------------------------------------
@pytest.mark.parametrize("pad, shape", [((1, 2), (2, 3)), ((1, 0, 0, 2), (2, 3)),
                                        ((0, 0, 1, 1, 2, 0), (2, 1, 3)), ((2, 1), (3,))])
@pytest.mark.parametrize("value", [0.0, -1.5])
def test_pad(pad, shape, value):
    widths = [(0, 0)] * len(shape)
    for i in range(len(pad) // 2):
        widths[len(shape) - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    check_op(lambda x: mg.pad(x, pad, value=value),
             lambda a: np.pad(a, widths, constant_values=value), values(4, shape))


def test_pad_errors():
    x = Tensor(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="padding length must be divisible by 2"):
        mg.pad(x, (1, 2, 3))
    with pytest.raises(ValueError, match="at most twice the number of dims"):
        mg.pad(x, (1,) * 6)
    with pytest.raises(ValueError, match=r"padding \(-2, -2\) crops more than the 3 elements"):
        mg.pad(x, (-2, -2))
    with pytest.raises(NotImplementedError, match="reflect"):
        mg.pad(x, (1, 1), mode="reflect")


@FAST
@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=3), data=st.data(), seed=seeds)
def test_cat_and_stack(shape, data, seed):
    nd = len(shape)
    dim = data.draw(st.integers(-nd, nd - 1))
    sizes = data.draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))
    parts = []
    for k, n in enumerate(sizes):
        s = list(shape)
        s[dim] = n
        parts.append(values(seed + k, tuple(s)))
    check_op(lambda *xs: mg.cat(xs, dim), lambda *a: np.concatenate(a, axis=dim), *parts)
    sdim = data.draw(st.integers(-nd - 1, nd))
    same = [values(seed + k, shape) for k in range(len(sizes))]
    check_op(lambda *xs: mg.stack(list(xs), sdim), lambda *a: np.stack(a, axis=sdim), *same)


def test_cat_with_inputs_that_need_no_grad():
    a = Tensor(values(1, (2, 2)), requires_grad=True)
    b = Tensor(values(2, (1, 2)))
    out = mg.cat([a, b, np.ones((1, 2))])
    assert out.shape == (4, 2) and mg.concat([a, b]).shape == (3, 2)
    out.backward(np.arange(8.0).reshape(4, 2))
    np.testing.assert_array_equal(a.grad.numpy(), [[0, 1], [2, 3]])
    assert b.grad is None


def test_cat_and_stack_errors():
    a, b = Tensor(np.zeros((2, 3))), Tensor(np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"cat: .*except in dim 0.*\(2, 3\), \(2, 4\)"):
        mg.cat([a, b])
    with pytest.raises(ValueError, match=r"stack: .*same shape.*\(2, 3\), \(2, 4\)"):
        mg.stack([a, b])
    with pytest.raises(ValueError, match="non-empty"):
        mg.cat([])
    with pytest.raises(IndexError, match="cat: dim 2 is out of range for tensors with 2 dims"):
        mg.cat([a, a], 2)
    with pytest.raises(ValueError, match=r"cat: .*\(2, 3\), \(3,\)"):
        mg.cat([a, Tensor(np.zeros(3))], 1)
    with pytest.raises(IndexError, match="stack: dim -4 is out of range for a result with 3 dims"):
        mg.stack([a, a], -4)


@FAST
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3, max_side=3), seed=seeds)
def test_where(shapes, seed):
    sc, sa, sb = shapes.input_shapes
    cond = values(seed, sc) > 0
    check_op(lambda a, b: mg.where(cond, a, b), lambda a, b: np.where(cond, a, b),
             values(seed + 1, sa), values(seed + 2, sb))


def test_where_shape_mismatch_is_a_clear_error():
    with pytest.raises(ValueError, match=r"where: shapes \(4,\), \(2, 3\), \(\) cannot be broadcast"):
        mg.where(np.ones(4, dtype=bool), Tensor(np.ones((2, 3))), 0.0)


def test_where_with_a_tensor_condition_and_constants():
    arr = values(3, (2, 3))
    x = Tensor(arr.astype(np.float32), requires_grad=True)
    out = mg.where(x > 0, x, 0.0)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.numpy(), np.maximum(arr, 0).astype(np.float32))
    out2 = mg.where(x > 0, np.float64(2.0), x)     # constant first, tensor second
    assert out2.dtype == np.float32
    (out + out2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.ones_like(arr))
    assert mg.gradcheck(lambda t: mg.where(t > 0, t * t, np.full((2, 3), 3.0)), (Tensor(arr, requires_grad=True),))


# ---- matmul -------------------------------------------------------------------------------------
MATMUL_SHAPES = [((3,), (3,)), ((3,), (3, 2)), ((2, 3), (3,)), ((2, 3), (3, 4)),
                 ((2, 2, 3), (3, 4)), ((2, 3), (2, 3, 4)), ((3,), (2, 3, 4)), ((2, 3, 4), (4,)),
                 ((2, 1, 2, 3), (3, 3, 2)), ((1, 2, 3), (4, 3, 2))]


@pytest.mark.parametrize("sa, sb", MATMUL_SHAPES)
def test_matmul(sa, sb):
    check_op(operator.matmul, np.matmul, values(1, sa), values(2, sb), rtol=1e-5)
    check_op(mg.matmul, np.matmul, values(3, sa), values(4, sb), rtol=1e-5)
    check_op(Tensor.matmul, np.matmul, values(5, sa), values(6, sb), rtol=1e-5)


@FAST
@given(batch=pairs, n=st.integers(1, 3), k=st.integers(1, 3), m=st.integers(1, 3), seed=seeds)
def test_matmul_batched_broadcasting(batch, n, k, m, seed):
    ba, bb = batch.input_shapes
    check_op(operator.matmul, np.matmul, values(seed, ba + (n, k)), values(seed + 1, bb + (k, m)))


@pytest.mark.parametrize("const", [np.arange(12.0).reshape(3, 4) / 10,
                                   np.arange(12.0, dtype=np.float32).reshape(3, 4) / 10])
def test_matmul_with_numpy_on_either_side_is_a_type_error_as_in_pytorch(const):
    """numpy would promote (float32 @ float64 to float64) or minigrad cast the array
    silently; PyTorch's matmul wants Tensors, and so does minigrad's (issue 12)."""
    x = Tensor(values(9, (2, 3)).astype(const.dtype))
    with pytest.raises(TypeError, match=r"matmul\(\): argument 'other' \(position 2\) must be "
                                        r"Tensor, not numpy.ndarray"):
        x @ const
    with pytest.raises(TypeError, match=r"argument 'input' \(position 1\) must be Tensor, not "
                                        r"numpy.ndarray"):
        const.T @ x.T
    with pytest.raises(TypeError, match="must be Tensor, not list"):
        x @ const.tolist()
    with pytest.raises(TypeError, match=r"matmul\(\): argument 'other' .*not numpy.ndarray"):
        mg.matmul(x, const)
    with pytest.raises(TypeError, match=r"mm\(\): argument 'mat2' .*not numpy.ndarray"):
        x.mm(const)
    with pytest.raises(TypeError, match=r"bmm\(\): argument 'input' .*not list"):
        mg.bmm([[[1.0]]], x[None])
    check_op(lambda t: t @ mg.tensor(const, dtype=t.dtype), lambda a: a @ const.astype(a.dtype),
             values(9, (2, 3)))


def test_matmul_shape_errors():
    with pytest.raises(ValueError, match=r"matmul: shapes \(2, 3\) and \(4, 5\) do not match \(3 != 4\)"):
        Tensor(np.zeros((2, 3))) @ Tensor(np.zeros((4, 5)))
    with pytest.raises(ValueError, match=r"matmul: shapes \(3,\) and \(2,\)"):
        Tensor(np.zeros(3)) @ Tensor(np.zeros(2))
    with pytest.raises(ValueError, match=r"matmul: batch dims.*\(2, 3, 4\) and \(5, 4, 6\)"):
        Tensor(np.zeros((2, 3, 4))) @ Tensor(np.zeros((5, 4, 6)))
    with pytest.raises(ValueError, match="at least 1 dim"):
        Tensor(np.zeros(3)) @ Tensor(np.array(2.0))
    with pytest.raises(TypeError, match=r"matmul\(\): argument 'other' \(position 2\) must be "
                                        r"Tensor, not float"):
        Tensor(np.zeros(3)) @ 2.0
    with pytest.raises(RuntimeError, match=r"mm: mat1 and mat2 shapes cannot be multiplied "
                                           r"\(2x3 and 2x3\)"):
        mg.mm(Tensor(np.zeros((2, 3))), Tensor(np.zeros((2, 3))))


# ---- comparisons --------------------------------------------------------------------------------
COMPARISONS = {"==": operator.eq, "!=": operator.ne, "<": operator.lt,
               "<=": operator.le, ">": operator.gt, ">=": operator.ge}


@pytest.mark.parametrize("name", COMPARISONS)
def test_comparisons_return_non_differentiable_bool_tensors(name):
    op = COMPARISONS[name]
    a = np.array([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0]], dtype=np.float32)
    b = np.array([2.0, 2.0, 2.0], dtype=np.float32)
    x = Tensor(a, requires_grad=True)
    for other, ref_other in [(Tensor(b), b), (2.0, 2.0), (2, 2), (b, b)]:
        for out, expected in [(op(x, other), op(a, ref_other)), (op(other, x), op(ref_other, a))]:
            assert isinstance(out, Tensor), type(out)
            assert out.dtype == np.bool_
            assert not out.requires_grad and out.grad_fn is None
            np.testing.assert_array_equal(out.numpy(), expected)


def test_comparison_methods():
    x = Tensor([1.0, 2.0, 3.0])
    assert x.eq(2.0).tolist() == [False, True, False]
    assert x.ne(2.0).tolist() == [True, False, True]
    assert x.lt(2.0).tolist() == [True, False, False]
    assert x.le(2.0).tolist() == [True, True, False]
    assert x.gt(2.0).tolist() == [False, False, True]
    assert x.ge(2.0).tolist() == [False, True, True]
    assert {x: 1}[x] == 1          # hashable by identity although == is elementwise


# ---- dtypes -------------------------------------------------------------------------------------
FLOAT32_OPS = {
    "add scalar": lambda x, y: x + 1.5 + 2,
    "radd float64 scalar": lambda x, y: np.float64(0.1) + x,
    "sub float64 array": lambda x, y: x - np.ones(3),
    "rsub": lambda x, y: 1 - x,
    "mul": lambda x, y: x * y * np.float64(2.0),
    "div by sqrt": lambda x, y: x / np.sqrt(3.0),
    "rdiv": lambda x, y: 2 / (y * y + 1),
    "pow": lambda x, y: (x * x + 1) ** 0.5,
    "rpow": lambda x, y: 2.0 ** x,
    "pow tensor": lambda x, y: (y * y + 1) ** x,
    "neg": lambda x, y: -x,
    "unary chain": lambda x, y: (x.exp() + x.abs().sqrt() + (x * x + 1).log()).tanh(),
    "activations": lambda x, y: x.relu() + x.sigmoid() + x.clamp(-0.1, 0.1),
    "sum mean": lambda x, y: x.sum(0) + x.mean(0, keepdim=True) + x.sum(),
    "var std": lambda x, y: x.var(1) + x.std(),
    "max min": lambda x, y: x.max(1)[0] + x.min(0)[0][:2].sum() + x.max(),
    "softmax": lambda x, y: x.softmax(1) + x.log_softmax(0),
    "movement": lambda x, y: x.reshape(3, 2).T.permute(1, 0).flatten().unsqueeze(0).squeeze(0),
    "expand": lambda x, y: x[:, :1].expand(2, 3) + x[None].expand(2, 2, 3).sum(0),
    "index": lambda x, y: x[0, [2, 2, 1]] + x[x > 0].sum() + x[::-1, 1].sum(),
    "pad cat stack": lambda x, y: mg.cat([mg.pad(x, (1, 1)), mg.stack([x, y], 2).flatten(1)], 1),
    "where": lambda x, y: mg.where(x > 0, x, 0.0) + mg.where(y > 0, 1.5, y),
    "matmul": lambda x, y: (x @ y.T) @ x + x[0] @ y[1] + (x @ mg.ones(3))[:, None],
    "cast round trip": lambda x, y: x.double().float() + x.clone(),
}


@pytest.mark.parametrize("name", FLOAT32_OPS)
def test_float32_stays_float32(name):
    x = Tensor(values(1, (2, 3)).astype(np.float32), requires_grad=True)
    y = Tensor(values(2, (2, 3)).astype(np.float32), requires_grad=True)
    out = FLOAT32_OPS[name](x, y)
    assert out.dtype == np.float32, f"{name} gave {out.dtype}"
    out.backward(np.ones(out.shape, dtype=np.float32))
    for t in (x, y):
        if t.grad is not None:
            assert t.grad.dtype == np.float32
            assert np.all(np.isfinite(t.grad.numpy()))


def test_float64_stays_float64_and_mixing_promotes_like_pytorch():
    x = Tensor(np.ones(3))                  # numpy float64 keeps its dtype
    assert (x * 2.0).dtype == np.float64 and x.exp().dtype == np.float64
    assert (x + Tensor([1.0, 2.0, 3.0])).dtype == np.float64
