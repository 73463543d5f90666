"""Second and third derivatives: every op's backward is differentiable, and right.

1. ``mg.gradgradcheck`` in float64 for every op family (elementwise, reductions, movement,
   matmul/linear, convolution, pooling, losses, normalisation, dropout): it checks the
   gradient of ``(x, v) -> grad(fn(x), x, v, create_graph=True)`` against central
   differences, w.r.t. both the inputs and the upstream gradient ``v``.
2. Third order for the ops a double backward itself runs (``third_order``): gradgradcheck
   of the gradient of a scalar ``sum(R * fn(x))``. Batch norm in training mode is also
   compared with a composite batch norm written with mg ops: the composite formula is the
   reference at third order, not PyTorch's fused kernel.
3. API tests: an analytic second derivative, ``x.grad`` with a ``grad_fn`` after
   ``backward(create_graph=True)``, a gradient penalty through a conv net and a
   Hessian-vector product through an MLP, both against finite differences.

Shapes are tiny (gradgradcheck costs two forward+backward passes per element of every
input and of every output), inputs are seeded, and inputs stay away from kinks (relu, abs,
clamp) and ties (max, min, max pooling), where the derivatives are not defined.
"""
import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import Tensor, nn


# ---- inputs ----------------------------------------------------------------------------------
def _rng(seed):
    return np.random.default_rng(seed)


def leaf(*shape, seed=0, scale=1.0, loc=0.0):
    """Normal samples, float64, requiring grad."""
    return Tensor(loc + scale * _rng(seed).standard_normal(shape), requires_grad=True)


def positive(*shape, seed=0, low=0.5, high=2.0):
    """Uniform in [low, high]: for log, sqrt, division and pow bases."""
    return Tensor(_rng(seed).uniform(low, high, shape), requires_grad=True)


def avoiding(*shape, seed=0, kinks=(0.0,), margin=0.15, low=-1.5, high=1.5):
    """Uniform in [low, high], but at least ``margin`` from every kink (a point where the
    function is not differentiable)."""
    rng = _rng(seed)
    out = rng.uniform(low, high, shape)
    for _ in range(1000):
        bad = np.zeros(shape, dtype=bool)
        for k in kinks:
            bad |= np.abs(out - k) < margin
        if not bad.any():
            return Tensor(out, requires_grad=True)
        out[bad] = rng.uniform(low, high, int(bad.sum()))
    raise AssertionError("could not draw inputs away from the kinks")


def distinct(*shape, seed=0, gap=0.1):
    """Values at least ``gap`` apart from each other (no ties for max/min/max pooling, even
    after a perturbation), in random order."""
    n = int(np.prod(shape))
    rng = _rng(seed)
    values = (np.arange(n) - n / 2) * gap + rng.uniform(-gap / 4, gap / 4, n)
    return Tensor(rng.permutation(values).reshape(shape), requires_grad=True)


def const(array):
    return Tensor(np.asarray(array, dtype=np.float64))


def case(id, fn, make, **kw):
    """One gradgradcheck case: ``fn(*make())``; ``kw`` goes to gradgradcheck."""
    return pytest.param(fn, make, kw, id=id)


def assert_same_first_derivative_when_recorded(fn, inputs, seed=0):
    """The first derivative with ``create_graph=True`` equals the plain one. A backward may
    take cached values when it is not recorded and rebuild them with differentiable ops
    when it is (``rebuilt``); gradgradcheck would accept a recorded gradient that is wrong
    but consistently differentiated, so compare the two."""
    diff = [x for x in inputs if isinstance(x, Tensor) and x.requires_grad]
    out = fn(*inputs)
    v = const(_rng(seed).standard_normal(out.shape))
    plain = mg.autograd.grad(out, diff, v, allow_unused=True)
    recorded = mg.autograd.grad(fn(*inputs), diff, v, create_graph=True, allow_unused=True)
    for i, (p, r) in enumerate(zip(plain, recorded)):
        assert (p is None) == (r is None), i
        if p is not None:
            assert p.grad_fn is None
            np.testing.assert_allclose(r.numpy(), p.numpy(), rtol=1e-12, atol=1e-14, err_msg=str(i))


def run_cases(fn, make, kw):
    inputs = make()
    # gradgradcheck checks the second derivative against the first; gradcheck checks the
    # first derivative itself (gradgradcheck alone accepts a consistently wrong one)
    assert mg.gradcheck(fn, inputs, **kw) is True
    assert_same_first_derivative_when_recorded(fn, inputs)
    assert mg.gradgradcheck(fn, inputs, **kw) is True


# ---- 1. gradgradcheck per op family ----------------------------------------------------------
ELEMENTWISE = [
    case("add_broadcast", lambda a, b: a + b, lambda: (leaf(2, 3, seed=1), leaf(3, seed=2))),
    case("add_scalar", lambda a: (a + 1.5) * a, lambda: (leaf(2, 3),)),
    case("sub_broadcast", lambda a, b: (a - b) * a,
         lambda: (leaf(2, 1, 3, seed=1), leaf(2, 1, seed=2))),
    case("rsub_scalar", lambda a: (2.0 - a) * a, lambda: (leaf(4),)),
    case("mul_broadcast", lambda a, b: a * b, lambda: (leaf(3, 1, seed=1), leaf(1, 2, seed=2))),
    case("mul_self_broadcast", lambda a, b: a * b * a,
         lambda: (leaf(2, 3, seed=3), leaf(3, seed=4))),
    case("div_broadcast", lambda a, b: a / b,
         lambda: (leaf(2, 3, seed=1), positive(2, 1, seed=2))),
    case("rdiv_scalar", lambda a: 1.5 / a, lambda: (positive(5),)),
    case("div_scalar", lambda a: (a * a) / 3.0, lambda: (leaf(4),)),
    case("pow_tensor_exponent", lambda a, b: a ** b,
         lambda: (positive(2, 3, seed=1), leaf(2, 3, seed=2, scale=0.7))),
    case("pow_tensor_exponent_broadcast", lambda a, b: a ** b,
         lambda: (positive(2, 3, seed=1), leaf(3, seed=2, scale=0.7))),
    case("pow_scalar_3", lambda a: a ** 3, lambda: (leaf(2, 3),)),
    case("pow_scalar_half", lambda a: a ** 0.5, lambda: (positive(5),)),
    case("pow_scalar_negative", lambda a: a ** -1.5, lambda: (positive(5),)),
    case("rpow", lambda a: 2.0 ** a, lambda: (leaf(5),)),
    case("neg", lambda a: -(a * a), lambda: (leaf(2, 3),)),
    case("exp", lambda a: a.exp(), lambda: (leaf(2, 3),)),
    case("mg_exp", lambda a: mg.exp(a), lambda: (leaf(4),)),
    case("log", lambda a: a.log(), lambda: (positive(2, 3),)),
    case("sqrt", lambda a: a.sqrt(), lambda: (positive(2, 3),)),
    case("sin", lambda a: a.sin(), lambda: (leaf(2, 3),)),
    case("cos", lambda a: a.cos(), lambda: (leaf(2, 3),)),
    case("abs", lambda a: a.abs() * a, lambda: (avoiding(2, 3),)),
    case("relu", lambda a: a.relu() * a, lambda: (avoiding(2, 3),)),
    case("relu_plain", lambda a: F.relu(a), lambda: (avoiding(2, 3),)),
    case("sigmoid", lambda a: a.sigmoid(), lambda: (leaf(2, 3),)),
    case("tanh", lambda a: a.tanh(), lambda: (leaf(2, 3),)),
    case("clamp_both", lambda a: a.clamp(-0.5, 0.6) * a,
         lambda: (avoiding(2, 4, kinks=(-0.5, 0.6)),)),
    case("clamp_min", lambda a: mg.clamp(a, min=-0.3) ** 2,
         lambda: (avoiding(2, 3, kinks=(-0.3,)),)),
    case("clamp_max", lambda a: a.clamp(max=0.4).exp(), lambda: (avoiding(2, 3, kinks=(0.4,)),)),
    case("cast_to_float64", lambda a: a.to(np.float64) * a, lambda: (leaf(2, 3),)),
    case("cast_double", lambda a: (a * a).double(), lambda: (leaf(2, 3),)),
    case("clone", lambda a: a.clone() * a, lambda: (leaf(4),)),
    # a float32 round trip: only float32 precision, hence the wide step and tolerances
    case("cast_float32_round_trip", lambda a: (a * a).float().double(), lambda: (leaf(4),),
         eps=1e-3, atol=1e-3, rtol=1e-2),
]


@pytest.mark.parametrize("fn, make, kw", ELEMENTWISE)
def test_gradgrad_elementwise(fn, make, kw):
    run_cases(fn, make, kw)


REDUCTIONS = [
    case("sum_all", lambda a: (a * a).sum(), lambda: (leaf(2, 3),)),
    case("sum_dim", lambda a: (a * a).sum(dim=1), lambda: (leaf(2, 3),)),
    case("sum_dims_keepdim", lambda a: a.sum(dim=(0, 2), keepdim=True) ** 2,
         lambda: (leaf(2, 3, 2),)),
    case("mean_all", lambda a: (a * a).mean(), lambda: (leaf(2, 3),)),
    case("mean_dim_keepdim", lambda a: a.mean(dim=0, keepdim=True) ** 2, lambda: (leaf(3, 2),)),
    case("mean_neg_dim", lambda a: mg.mean(a * a, dim=-1), lambda: (leaf(2, 3),)),
    case("var_all", lambda a: a.var(), lambda: (leaf(2, 3),)),
    case("var_dim", lambda a: a.var(dim=1), lambda: (leaf(2, 4),)),
    case("var_dim_keepdim_biased", lambda a: a.var(dim=0, keepdim=True, unbiased=False),
         lambda: (leaf(3, 2),)),
    case("var_dims_correction", lambda a: mg.var(a, dim=(0, 2), correction=2),
         lambda: (leaf(2, 2, 2),)),
    case("std_all", lambda a: a.std(), lambda: (leaf(2, 3),)),
    case("std_dim_keepdim", lambda a: a.std(dim=1, keepdim=True), lambda: (leaf(2, 4),)),
    case("std_biased", lambda a: mg.std(a, dim=0, unbiased=False), lambda: (leaf(3, 2),)),
    case("max_all", lambda a: a.max() * a, lambda: (distinct(2, 3),)),
    case("min_all", lambda a: a.min() ** 2, lambda: (distinct(2, 3, seed=1),)),
    case("max_dim", lambda a: a.max(dim=1)[0] ** 2, lambda: (distinct(3, 4),)),
    case("max_dim_keepdim", lambda a: a.max(dim=0, keepdim=True)[0] * a,
         lambda: (distinct(3, 2, seed=2),)),
    case("min_dim", lambda a: mg.min(a, dim=-1)[0].exp(), lambda: (distinct(2, 3, seed=3),)),
    case("min_dim_keepdim", lambda a: a.min(dim=1, keepdim=True)[0] ** 3,
         lambda: (distinct(2, 3, seed=4),)),
    case("softmax_dim1", lambda a: a.softmax(1), lambda: (leaf(2, 3),)),
    case("softmax_dim0", lambda a: F.softmax(a, dim=0), lambda: (leaf(3, 2),)),
    case("softmax_3d", lambda a: mg.softmax(a, -1), lambda: (leaf(2, 2, 3),)),
    case("log_softmax_dim1", lambda a: a.log_softmax(1), lambda: (leaf(2, 3),)),
    case("log_softmax_dim0", lambda a: F.log_softmax(a, dim=0), lambda: (leaf(3, 2),)),
]


@pytest.mark.parametrize("fn, make, kw", REDUCTIONS)
def test_gradgrad_reductions(fn, make, kw):
    run_cases(fn, make, kw)


_MASK = np.array([[True, False, True], [False, True, True]])
_COND = np.array([[True, False, False], [False, True, True]])

MOVEMENT = [
    case("reshape", lambda a: a.reshape(3, 2) ** 2, lambda: (leaf(2, 3),)),
    case("reshape_minus1", lambda a: a.reshape(-1), lambda: (leaf(2, 3),)),
    case("view_flatten", lambda a: a.view(2, 4).flatten() * a.flatten(),
         lambda: (leaf(2, 2, 2),)),
    case("permute", lambda a: a.permute(2, 0, 1) ** 2, lambda: (leaf(2, 3, 2),)),
    case("mg_permute", lambda a: mg.permute(a, (1, 0, 2)), lambda: (leaf(2, 3, 2),)),
    case("transpose", lambda a: a.transpose(0, 1) * a.transpose(1, 0), lambda: (leaf(2, 3),)),
    case("t", lambda a, b: a.t() @ b, lambda: (leaf(3, 2, seed=1), leaf(3, 2, seed=2))),
    case("squeeze_unsqueeze", lambda a: a.unsqueeze(0).squeeze(2) ** 2, lambda: (leaf(3, 1),)),
    case("expand", lambda a: a.expand(2, 3, 4) ** 2, lambda: (leaf(3, 1),)),
    case("expand_minus1", lambda a: a.expand(2, -1) * a.expand(2, 3), lambda: (leaf(1, 3),)),
    case("expand_as", lambda a, b: a.expand_as(b) * b,
         lambda: (leaf(1, 3, seed=1), leaf(2, 3, seed=2))),
    case("index_slices", lambda a: a[1:, ::2] ** 2, lambda: (leaf(3, 4),)),
    case("index_int_and_none", lambda a: a[1, None, :] * a[..., 2], lambda: (leaf(3, 3),)),
    case("index_int_array_repeats", lambda a: a[np.array([0, 2, 0, 0])] ** 2,
         lambda: (leaf(3, 2),)),
    case("index_two_int_arrays_repeats", lambda a: a[[0, 1, 1, 0], [2, 0, 0, 2]].exp(),
         lambda: (leaf(2, 3),)),
    case("index_int_array_and_slice", lambda a: a[:, np.array([1, 1, 0])] * a[:, :1],
         lambda: (leaf(2, 3),)),
    case("index_bool_mask", lambda a: a[_MASK] ** 2, lambda: (leaf(2, 3),)),
    case("index_bool_rows", lambda a: a[np.array([True, False, True])].tanh(),
         lambda: (leaf(3, 2),)),
    case("pad_last_dim", lambda a: mg.pad(a, (1, 2)) ** 2, lambda: (leaf(2, 3),)),
    case("pad_two_dims_value", lambda a: F.pad(a, (1, 0, 2, 1), value=0.5) ** 2,
         lambda: (leaf(2, 2),)),
    case("cat", lambda a, b: mg.cat([a, b * a[:, :1]], dim=1) ** 2,
         lambda: (leaf(2, 3, seed=1), leaf(2, 2, seed=2))),
    case("cat_dim0", lambda a, b: mg.cat([a, b]).tanh(),
         lambda: (leaf(1, 3, seed=1), leaf(2, 3, seed=2))),
    case("stack", lambda a, b: mg.stack([a, b * b], dim=1) * 1.5,
         lambda: (leaf(2, 3, seed=1), leaf(2, 3, seed=2))),
    case("stack_dim0", lambda a, b: mg.stack([a, b]) ** 2,
         lambda: (leaf(3, seed=1), leaf(3, seed=2))),
    case("where", lambda a, b: mg.where(_COND, a * a, b.exp()),
         lambda: (leaf(2, 3, seed=1), leaf(2, 3, seed=2))),
    case("where_broadcast", lambda a, b: mg.where(_COND, a, b) ** 2,
         lambda: (leaf(2, 3, seed=1), leaf(3, seed=2))),
    case("where_scalar", lambda a: mg.where(_COND, a ** 2, 0.5), lambda: (leaf(2, 3),)),
]


@pytest.mark.parametrize("fn, make, kw", MOVEMENT)
def test_gradgrad_movement(fn, make, kw):
    run_cases(fn, make, kw)


MATMUL = [
    case("vec_vec", lambda a, b: a @ b, lambda: (leaf(3, seed=1), leaf(3, seed=2))),
    case("vec_mat", lambda a, b: a @ b, lambda: (leaf(3, seed=1), leaf(3, 2, seed=2))),
    case("mat_vec", lambda a, b: mg.matmul(a, b), lambda: (leaf(2, 3, seed=1), leaf(3, seed=2))),
    case("mat_mat", lambda a, b: a @ b, lambda: (leaf(2, 3, seed=1), leaf(3, 2, seed=2))),
    case("mat_mat_squared", lambda a, b: (a @ b) ** 2,
         lambda: (leaf(2, 3, seed=1), leaf(3, 2, seed=2))),
    case("mat_self", lambda a: a @ a, lambda: (leaf(2, 2),)),
    case("batched_broadcast", lambda a, b: a @ b,
         lambda: (leaf(2, 1, 2, 3, seed=1), leaf(2, 3, 2, seed=2))),
    case("batched_vec", lambda a, b: (a @ b).tanh(),
         lambda: (leaf(2, 2, 3, seed=1), leaf(3, seed=2))),
    case("vec_batched", lambda a, b: a @ b, lambda: (leaf(2, seed=1), leaf(2, 2, 3, seed=2))),
    case("linear_bias", lambda x, w, b: F.linear(x, w, b),
         lambda: (leaf(2, 3, seed=1), leaf(4, 3, seed=2), leaf(4, seed=3))),
    case("linear_no_bias", lambda x, w: F.linear(x, w),
         lambda: (leaf(2, 3, seed=1), leaf(2, 3, seed=2))),
    case("linear_batched_tanh", lambda x, w, b: F.linear(x, w, b).tanh(),
         lambda: (leaf(2, 2, 3, seed=1), leaf(2, 3, seed=2), leaf(2, seed=3))),
    case("linear_1d_input", lambda x, w, b: F.linear(x, w, b) ** 2,
         lambda: (leaf(3, seed=1), leaf(2, 3, seed=2), leaf(2, seed=3))),
]


@pytest.mark.parametrize("fn, make, kw", MATMUL)
def test_gradgrad_matmul_linear(fn, make, kw):
    run_cases(fn, make, kw)


CONV = [
    case("conv1d_stride_pad_groups_bias",
         lambda x, w, b: F.conv1d(x, w, b, stride=2, padding=1, groups=2),
         lambda: (leaf(1, 2, 5, seed=1), leaf(4, 1, 3, seed=2), leaf(4, seed=3))),
    case("conv1d_dilation_same",
         lambda x, w: F.conv1d(x, w, padding="same", dilation=2),
         lambda: (leaf(2, 1, 5, seed=1), leaf(2, 1, 2, seed=2))),
    case("conv1d_squared", lambda x, w, b: F.conv1d(x, w, b) ** 2,
         lambda: (leaf(1, 2, 4, seed=1), leaf(2, 2, 2, seed=2), leaf(2, seed=3))),
    case("conv2d_bias", lambda x, w, b: F.conv2d(x, w, b),
         lambda: (leaf(1, 2, 3, 3, seed=1), leaf(2, 2, 2, 2, seed=2), leaf(2, seed=3))),
    case("conv2d_stride_pad_no_bias", lambda x, w: F.conv2d(x, w, stride=2, padding=1),
         lambda: (leaf(1, 1, 4, 4, seed=1), leaf(2, 1, 3, 3, seed=2))),
    case("conv2d_same_even_kernel", lambda x, w, b: F.conv2d(x, w, b, padding="same"),
         lambda: (leaf(1, 2, 3, 3, seed=1), leaf(1, 2, 2, 2, seed=2), leaf(1, seed=3))),
    case("conv2d_dilation_stride_tuple",
         lambda x, w: F.conv2d(x, w, stride=(1, 2), padding=(1, 0), dilation=2),
         lambda: (leaf(1, 1, 4, 5, seed=1), leaf(2, 1, 2, 2, seed=2))),
    case("conv2d_groups_tanh",
         lambda x, w, b: F.conv2d(x, w, b, padding=1, groups=2).tanh(),
         lambda: (leaf(1, 4, 2, 2, seed=1), leaf(2, 2, 2, 2, seed=2), leaf(2, seed=3))),
    case("conv2d_unbatched", lambda x, w: F.conv2d(x, w, padding=1) ** 2,
         lambda: (leaf(1, 3, 3, seed=1), leaf(1, 1, 2, 2, seed=2))),
    case("conv3d_stride_pad_groups",
         lambda x, w: F.conv3d(x, w, stride=2, padding=1, groups=2),
         lambda: (leaf(1, 2, 3, 3, 3, seed=1), leaf(2, 1, 2, 2, 2, seed=2))),
    case("conv3d_bias_same", lambda x, w, b: F.conv3d(x, w, b, padding="same"),
         lambda: (leaf(1, 1, 2, 3, 2, seed=1), leaf(2, 1, 1, 2, 2, seed=2), leaf(2, seed=3))),
    # a batch of two and several channels: every sum over batch, channel and position
    case("conv2d_batch_channels_all_options",
         lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1, dilation=(1, 2),
                                  groups=2).tanh(),
         lambda: (leaf(2, 2, 4, 5, seed=4), leaf(4, 1, 2, 2, seed=5), leaf(4, seed=6))),
    case("conv1d_batch_tanh", lambda x, w, b: F.conv1d(x.tanh(), w, b, padding=2) ** 2,
         lambda: (leaf(2, 3, 4, seed=7), leaf(2, 3, 3, seed=8), leaf(2, seed=9))),
]


@pytest.mark.parametrize("fn, make, kw", CONV)
def test_gradgrad_conv(fn, make, kw):
    run_cases(fn, make, kw)


POOL = [
    case("max_pool1d_overlap_pad_ceil",
         lambda x: F.max_pool1d(x, 3, stride=2, padding=1, ceil_mode=True),
         lambda: (distinct(1, 2, 6),)),
    case("max_pool1d_dilation", lambda x: F.max_pool1d(x, 2, stride=1, dilation=2) ** 2,
         lambda: (distinct(1, 1, 6, seed=1),)),
    case("max_pool2d_overlap_pad", lambda x: F.max_pool2d(x, 3, stride=2, padding=1),
         lambda: (distinct(1, 1, 5, 5),)),
    case("max_pool2d_ceil_tanh",
         lambda x: F.max_pool2d(x.tanh(), 2, stride=1, ceil_mode=True) ** 2,
         lambda: (distinct(1, 2, 3, 3, seed=2),)),
    case("max_pool2d_ceil_stride",
         lambda x: F.max_pool2d(x, (2, 3), stride=2, padding=(1, 1), ceil_mode=True),
         lambda: (distinct(1, 1, 4, 5, seed=3),)),
    case("max_pool3d_overlap_pad", lambda x: F.max_pool3d(x, 2, stride=1, padding=1),
         lambda: (distinct(1, 1, 2, 3, 2, seed=4),)),
    case("max_pool3d_ceil", lambda x: F.max_pool3d(x, 2, stride=2, ceil_mode=True) ** 2,
         lambda: (distinct(1, 1, 3, 3, 3, seed=5),)),
    case("avg_pool1d_overlap_pad_ceil_exclude_pad",
         lambda x: F.avg_pool1d(x, 3, stride=2, padding=1, ceil_mode=True,
                                count_include_pad=False),
         lambda: (leaf(1, 2, 6),)),
    case("avg_pool1d_squared", lambda x: F.avg_pool1d(x, 2, stride=1) ** 2,
         lambda: (leaf(1, 1, 5),)),
    case("avg_pool2d_overlap_pad_ceil",
         lambda x: F.avg_pool2d(x, 3, stride=2, padding=1, ceil_mode=True),
         lambda: (leaf(1, 1, 4, 4),)),
    case("avg_pool2d_exclude_pad_squared",
         lambda x: F.avg_pool2d(x, 2, stride=1, padding=1, count_include_pad=False) ** 2,
         lambda: (leaf(1, 1, 3, 3, seed=1),)),
    case("avg_pool2d_divisor_override",
         lambda x: F.avg_pool2d(x, (2, 3), stride=(1, 2), padding=(1, 1),
                                divisor_override=5).tanh(),
         lambda: (leaf(1, 2, 3, 4, seed=2),)),
    case("avg_pool3d_ceil_exclude_pad",
         lambda x: F.avg_pool3d(x, 2, stride=2, padding=1, ceil_mode=True,
                                count_include_pad=False) ** 2,
         lambda: (leaf(1, 1, 3, 2, 3, seed=3),)),
    case("avg_pool3d_divisor_override",
         lambda x: F.avg_pool3d(x, 2, stride=1, divisor_override=3),
         lambda: (leaf(1, 1, 2, 3, 3, seed=4),)),
    case("max_pool2d_batch_channels",
         lambda x: F.max_pool2d(x, 3, stride=2, padding=1, ceil_mode=True).exp(),
         lambda: (distinct(2, 2, 4, 4, seed=6, gap=0.05),)),
    case("avg_pool2d_batch_channels",
         lambda x: F.avg_pool2d(x, 3, stride=2, padding=1, ceil_mode=True,
                                count_include_pad=False).exp(),
         lambda: (leaf(2, 2, 4, 4, seed=5),)),
    case("adaptive_avg_pool2d_overlapping_bins", lambda x: F.adaptive_avg_pool2d(x, (3, 2)),
         lambda: (leaf(1, 2, 5, 3),)),
    case("adaptive_avg_pool2d_global_squared", lambda x: F.adaptive_avg_pool2d(x, 1) ** 2,
         lambda: (leaf(2, 2, 3, 2, seed=1),)),
    case("adaptive_avg_pool2d_none", lambda x: F.adaptive_avg_pool2d(x, (2, None)).tanh(),
         lambda: (leaf(1, 1, 3, 2, seed=2),)),
]


@pytest.mark.parametrize("fn, make, kw", POOL)
def test_gradgrad_pool(fn, make, kw):
    run_cases(fn, make, kw)


_T3 = np.array([1, 0, 3])
_T3_IGNORED = np.array([1, -100, 3])
_T_ND = np.array([[0, 2], [1, 1]])         # targets (N=2, d=2) for logits (2, 3, 2)

LOSSES = [
    case("cross_entropy_mean", lambda z: F.cross_entropy(z, _T3), lambda: (leaf(3, 4),)),
    case("cross_entropy_sum", lambda z: F.cross_entropy(z, _T3, reduction="sum"),
         lambda: (leaf(3, 4),)),
    case("cross_entropy_none", lambda z: F.cross_entropy(z, _T3, reduction="none"),
         lambda: (leaf(3, 4),)),
    case("cross_entropy_label_smoothing",
         lambda z: F.cross_entropy(z, _T3, label_smoothing=0.2), lambda: (leaf(3, 4),)),
    case("cross_entropy_label_smoothing_none",
         lambda z: F.cross_entropy(z, _T3, reduction="none", label_smoothing=0.1),
         lambda: (leaf(3, 4, seed=1),)),
    case("cross_entropy_ignore_index_default", lambda z: F.cross_entropy(z, _T3_IGNORED),
         lambda: (leaf(3, 4),)),
    case("cross_entropy_ignore_index_custom_smoothing",
         lambda z: F.cross_entropy(z, _T3, ignore_index=0, label_smoothing=0.1,
                                   reduction="sum"),
         lambda: (leaf(3, 4, seed=2),)),
    case("cross_entropy_ignore_index_none",
         lambda z: F.cross_entropy(z, _T3_IGNORED, reduction="none"), lambda: (leaf(3, 4),)),
    case("cross_entropy_nd_mean", lambda z: F.cross_entropy(z, _T_ND), lambda: (leaf(2, 3, 2),)),
    case("cross_entropy_nd_none_smoothing",
         lambda z: F.cross_entropy(z, _T_ND, reduction="none", label_smoothing=0.2),
         lambda: (leaf(2, 3, 2, seed=1),)),
    case("cross_entropy_nd_ignore_sum",
         lambda z: F.cross_entropy(z, _T_ND, ignore_index=1, reduction="sum"),
         lambda: (leaf(2, 3, 2, seed=2),)),
    case("cross_entropy_of_linear", lambda x, w: F.cross_entropy(x @ w, _T3),
         lambda: (leaf(3, 2, seed=1), leaf(2, 4, seed=2))),
    case("nll_loss_log_softmax", lambda z: F.nll_loss(z.log_softmax(1), _T3),
         lambda: (leaf(3, 4),)),
    case("nll_loss_sum_squared", lambda z: F.nll_loss(z * z, _T3, reduction="sum"),
         lambda: (leaf(3, 4),)),
    case("nll_loss_none_ignore", lambda z: F.nll_loss(z.log_softmax(1), _T3_IGNORED,
                                                      reduction="none"),
         lambda: (leaf(3, 4),)),
    case("nll_loss_ignore_custom", lambda z: F.nll_loss(z.log_softmax(1), _T3, ignore_index=3),
         lambda: (leaf(3, 4),)),
    case("mse_loss_mean", lambda a, b: F.mse_loss(a, b),
         lambda: (leaf(2, 3, seed=1), leaf(2, 3, seed=2))),
    case("mse_loss_sum", lambda a, b: F.mse_loss(a.tanh(), b, reduction="sum"),
         lambda: (leaf(2, 3, seed=1), leaf(2, 3, seed=2))),
    case("mse_loss_none", lambda a, b: F.mse_loss(a, b, reduction="none"),
         lambda: (leaf(2, 3, seed=1), leaf(2, 3, seed=2))),
    case("mse_loss_const_target", lambda a: F.mse_loss(a * a, const(np.ones((2, 2)))),
         lambda: (leaf(2, 2),)),
]


@pytest.mark.parametrize("fn, make, kw", LOSSES)
def test_gradgrad_losses(fn, make, kw):
    run_cases(fn, make, kw)


def _running(seed=7, c=2):
    rng = _rng(seed)
    return rng.standard_normal(c), rng.uniform(0.5, 2.0, c)


NORM = [
    case("batch_norm_train_affine",
         lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
         lambda: (leaf(3, 2, 2, seed=1), leaf(2, seed=2, loc=1.0), leaf(2, seed=3))),
    case("batch_norm_train_no_affine", lambda x: F.batch_norm(x, None, None, training=True),
         lambda: (leaf(3, 2, seed=1),)),
    case("batch_norm_train_4d_running_stats",
         lambda x, w, b: F.batch_norm(x, np.zeros(2), np.ones(2), w, b, training=True,
                                      momentum=0.3),
         lambda: (leaf(2, 2, 2, 1, seed=4), leaf(2, seed=5, loc=1.0), leaf(2, seed=6))),
    case("batch_norm_train_eps", lambda x, w: F.batch_norm(x, None, None, w, training=True,
                                                           eps=0.1),
         lambda: (leaf(4, 2, seed=7, scale=0.3), leaf(2, seed=8))),
    case("batch_norm_train_squared",
         lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True) ** 2,
         lambda: (leaf(3, 2, 2, seed=9), leaf(2, seed=10, loc=1.0), leaf(2, seed=11))),
    case("batch_norm_eval",
         lambda x, w, b: F.batch_norm(x, *_running(), w, b, training=False),
         lambda: (leaf(3, 2, 2, seed=1), leaf(2, seed=2, loc=1.0), leaf(2, seed=3))),
    case("batch_norm_eval_tensor_stats_squared",
         lambda x, w: F.batch_norm(x, *(const(a) for a in _running(3)), w, training=False) ** 2,
         lambda: (leaf(2, 2, 3, seed=4), leaf(2, seed=5))),
    case("batch_norm_eval_no_affine", lambda x: F.batch_norm(x, *_running(5)).exp(),
         lambda: (leaf(2, 2, seed=6),)),
    case("dropout_eval", lambda x: F.dropout(x * x, p=0.5, training=False),
         lambda: (leaf(2, 3),)),
    case("dropout_p0_training", lambda x: F.dropout(x.tanh(), p=0.0, training=True),
         lambda: (leaf(2, 3),)),
]


@pytest.mark.parametrize("fn, make, kw", NORM)
def test_gradgrad_norm_dropout(fn, make, kw):
    run_cases(fn, make, kw)


def test_gradgrad_batchnorm2d_module_train():
    bn = nn.BatchNorm2d(2).double()
    bn.weight.numpy()[...] = [1.3, -0.7]
    bn.bias.numpy()[...] = [0.2, -0.4]
    assert bn.training
    assert mg.gradgradcheck(lambda x: bn(x), (leaf(2, 2, 2, 2, seed=3),))
    assert mg.gradgradcheck(lambda x: bn(x.tanh()) ** 2, (leaf(2, 2, 1, 2, seed=4),))
    assert int(bn.num_batches_tracked.numpy()) > 0        # it did run in training mode


def test_batchnorm2d_module_second_derivatives_match_composite():
    """Second derivatives w.r.t. the module's own parameters too (gradgradcheck would copy
    them): a Hessian-vector product of a loss through nn.BatchNorm2d in training mode, in
    (x, weight, bias), equals the one through the composite formula."""
    bn = nn.BatchNorm2d(2).double()
    bn.weight.numpy()[...] = [1.3, -0.7]
    bn.bias.numpy()[...] = [0.2, -0.4]
    x = leaf(2, 2, 2, 2, seed=6)
    rng = _rng(7)
    R = const(rng.standard_normal(x.shape))
    tensors = (x, bn.weight, bn.bias)
    U = [const(rng.standard_normal(t.shape)) for t in tensors]

    def hessian_times_u(layer):
        g = mg.autograd.grad((layer(x) * R).sum(), tensors, create_graph=True)
        s = sum((gi * u).sum() for gi, u in zip(g, U))
        return mg.autograd.grad(s, tensors, allow_unused=True)

    module = hessian_times_u(bn)
    composite = hessian_times_u(lambda t: _composite_batch_norm(t, bn.weight, bn.bias))
    for i, (m, c) in enumerate(zip(module, composite)):
        m = np.zeros(tensors[i].shape) if m is None else m.numpy()
        c = np.zeros(tensors[i].shape) if c is None else c.numpy()
        np.testing.assert_allclose(m, c, rtol=1e-7, atol=1e-10, err_msg=f"input {i}")
    assert np.abs(module[0].numpy()).max() > 1e-3 and np.abs(module[1].numpy()).max() > 1e-3


def test_gradgrad_dropout_module_eval():
    drop = nn.Dropout(0.5).eval()
    assert mg.gradgradcheck(lambda x: drop(x.exp()) * x, (leaf(2, 3),))


def test_gradgradcheck_with_given_grad_outputs():
    v = _rng(3).standard_normal((2, 2))
    assert mg.gradgradcheck(lambda a, b: (a @ b).tanh(), (leaf(2, 3, seed=1), leaf(3, 2, seed=2)),
                            grad_outputs=(v,))


# ---- 2. third order ---------------------------------------------------------------------------
def third_order(fn, inputs, seed=0, **kw):
    """gradgradcheck of the gradient of the scalar ``sum(R * fn(*xs))`` (R a fixed random
    weight, so every output element matters): checks third derivatives of ``fn``, i.e. the
    backward of each op that a double backward runs."""
    weights = {}

    def scalar(*xs):
        out = fn(*xs)
        if out.shape not in weights:
            weights[out.shape] = const(_rng(seed + 100).standard_normal(out.shape))
        return (out * weights[out.shape]).sum()

    def gradient(*xs):
        diff = [x for x in xs if isinstance(x, Tensor) and x.requires_grad]
        grads = mg.autograd.grad(scalar(*xs), diff, create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return mg.gradgradcheck(gradient, inputs, **kw)


def _conv_grad_input(g, w):
    """conv_transpose2d of ``g`` with ``w``, obtained as the input gradient of a conv2d."""
    x0 = Tensor(np.zeros((1, 1, 5, 5)), requires_grad=True)
    out = F.conv2d(x0, w, stride=2, padding=1)
    return mg.autograd.grad(out, x0, g, create_graph=True)[0]


THIRD = [
    case("mul", lambda a, b: a * b * b, lambda: (leaf(2, 2, seed=1), leaf(2, 2, seed=2))),
    case("mul_plain", lambda a, b: a * b, lambda: (leaf(3, seed=1), leaf(3, seed=2))),
    case("div", lambda a, b: a / b, lambda: (leaf(2, 2, seed=1), positive(2, 2, seed=2))),
    case("exp", lambda a: a.exp(), lambda: (leaf(2, 2),)),
    case("log", lambda a: a.log(), lambda: (positive(2, 2),)),
    case("tanh", lambda a: a.tanh(), lambda: (leaf(2, 2),)),
    case("sigmoid", lambda a: a.sigmoid(), lambda: (leaf(2, 2),)),
    case("pow", lambda a, b: a ** b, lambda: (positive(3, seed=1), leaf(3, seed=2))),
    case("sqrt", lambda a: a.sqrt(), lambda: (positive(3),)),
    case("softmax", lambda a: a.softmax(1), lambda: (leaf(2, 3),)),
    case("log_softmax", lambda a: a.log_softmax(1), lambda: (leaf(2, 3),)),
    case("var", lambda a: a.var(dim=1), lambda: (leaf(2, 3),)),
    case("std", lambda a: a.std(dim=0), lambda: (leaf(3, 2),)),
    case("matmul", lambda a, b: a @ b, lambda: (leaf(2, 3, seed=1), leaf(3, 2, seed=2))),
    case("matmul_tanh", lambda a, b: (a @ b).tanh(),
         lambda: (leaf(2, 2, seed=1), leaf(2, 2, seed=2))),
    case("linear", lambda x, w, b: F.linear(x, w, b) ** 2,
         lambda: (leaf(2, 2, seed=1), leaf(2, 2, seed=2), leaf(2, seed=3))),
    case("conv2d", lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1) ** 2,
         lambda: (leaf(1, 1, 3, 3, seed=1), leaf(2, 1, 2, 2, seed=2), leaf(2, seed=3))),
    case("conv_transpose_via_conv_gradient", lambda g, w: _conv_grad_input(g, w) ** 2,
         lambda: (leaf(1, 2, 3, 3, seed=1), leaf(2, 1, 2, 2, seed=2))),
    case("max_pool2d", lambda x: F.max_pool2d(x, 2, stride=1, padding=1) ** 2,
         lambda: (distinct(1, 1, 2, 3),)),
    case("avg_pool2d", lambda x: F.avg_pool2d(x, 2, stride=1, padding=1) ** 2,
         lambda: (leaf(1, 1, 2, 3),)),
    case("adaptive_avg_pool2d", lambda x: F.adaptive_avg_pool2d(x, (2, 1)) ** 2,
         lambda: (leaf(1, 1, 3, 2),)),
    case("cross_entropy", lambda z: F.cross_entropy(z, _T3, label_smoothing=0.1),
         lambda: (leaf(3, 4),)),
    case("cross_entropy_nd_none", lambda z: F.cross_entropy(z, _T_ND, reduction="none"),
         lambda: (leaf(2, 3, 2),)),
    case("batch_norm_train",
         lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
         lambda: (leaf(3, 2, 1, seed=1), leaf(2, seed=2, loc=1.0), leaf(2, seed=3))),
    case("batch_norm_eval",
         lambda x, w, b: F.batch_norm(x, *_running(), w, b) ** 2,
         lambda: (leaf(2, 2, seed=1), leaf(2, seed=2, loc=1.0), leaf(2, seed=3))),
]


@pytest.mark.parametrize("fn, make, kw", THIRD)
def test_third_order(fn, make, kw):
    assert third_order(fn, make(), **kw) is True


def test_gradgrad_conv_transpose_via_conv_gradient():
    """The input gradient of a conv (a transposed conv of g with w), second order in (g, w)."""
    assert mg.gradgradcheck(_conv_grad_input, (leaf(1, 2, 3, 3, seed=1), leaf(2, 1, 3, 3, seed=2)))


def _composite_batch_norm(x, w, b, eps=1e-5):
    """Training-mode batch norm from mg ops: (x - mean) / sqrt(var + eps) * w + b."""
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    mean = x.mean(dim=axes, keepdim=True)
    var = x.var(dim=axes, keepdim=True, unbiased=False)
    return (x - mean) / (var + eps).sqrt() * w.reshape(shape) + b.reshape(shape)


def _fused_batch_norm(x, w, b, eps=1e-5):
    return F.batch_norm(x, None, None, w, b, training=True, eps=eps)


def _bn_third_derivative(bn, x, w, b, seed=0):
    """A third-derivative quantity of L = sum(R * bn(x, w, b)) (the gradient of a
    Hessian-vector-like product): with g = dL/d(x, w), s = <g, U> (so ds/d(x, w) = H U),
    t = <ds/d(x, w), V>, return dt/d(x, w, b) along with g and H U."""
    rng = _rng(seed)
    R = const(rng.standard_normal(x.shape))
    U = [const(rng.standard_normal(t.shape)) for t in (x, w)]
    V = [const(rng.standard_normal(t.shape)) for t in (x, w)]
    L = (bn(x, w, b) * R).sum()
    g = mg.autograd.grad(L, (x, w), create_graph=True)
    s = sum((gi * u).sum() for gi, u in zip(g, U))
    hu = mg.autograd.grad(s, (x, w), create_graph=True)
    t = sum((hi * v).sum() for hi, v in zip(hu, V))
    third = mg.autograd.grad(t, (x, w, b), allow_unused=True)
    return g, hu, third, t


def test_batch_norm_third_derivative_matches_composite():
    """minigrad's fused batch norm agrees with the composite formula at orders 1, 2 and 3
    (PyTorch's fused kernel does not at order 3), and the third-order quantity matches
    central differences of the second-order one."""
    rng = _rng(11)
    xs = rng.standard_normal((3, 2, 2))
    ws = rng.standard_normal(2) + 1.0
    bs = rng.standard_normal(2)

    def leaves():
        return (Tensor(xs.copy(), requires_grad=True), Tensor(ws.copy(), requires_grad=True),
                Tensor(bs.copy(), requires_grad=True))

    fused = _bn_third_derivative(_fused_batch_norm, *leaves())
    composite = _bn_third_derivative(_composite_batch_norm, *leaves())
    for order, (f_grads, c_grads) in enumerate(zip(fused[:3], composite[:3]), start=1):
        for i, (f, c) in enumerate(zip(f_grads, c_grads)):
            if c is None:          # bias enters linearly: zero third derivative w.r.t. it
                assert f is None or np.allclose(f.numpy(), 0, atol=1e-10), (order, i)
                continue
            assert f is not None, (order, i)
            np.testing.assert_allclose(f.numpy(), c.numpy(), rtol=1e-7, atol=1e-9,
                                       err_msg=f"order {order}, input {i}")
    # the third-order gradient is not trivially zero
    assert np.abs(fused[2][0].numpy()).max() > 1e-3

    # numerically: dt/dx by central differences of t (a second-order quantity)
    eps = 1e-5
    numerical = np.zeros_like(xs)
    for k in range(xs.size):
        values = []
        for sign in (1, -1):
            x, w, b = leaves()
            x.numpy().reshape(-1)[k] += sign * eps
            values.append(float(_bn_third_derivative(_fused_batch_norm, x, w, b)[3].numpy()))
        numerical.reshape(-1)[k] = (values[0] - values[1]) / (2 * eps)
    np.testing.assert_allclose(fused[2][0].numpy(), numerical, rtol=1e-4, atol=1e-6)


# ---- 3. second-order API ----------------------------------------------------------------------
def test_second_and_third_derivative_of_sin_x_cubed():
    xv = np.array([-1.3, -0.4, 0.7, 1.9])
    x = Tensor(xv, requires_grad=True)
    y = (x.sin() * x ** 3).sum()
    (d1,) = mg.autograd.grad(y, x, create_graph=True)
    (d2,) = mg.autograd.grad(d1.sum(), x, create_graph=True)
    (d3,) = mg.autograd.grad(d2.sum(), x)
    s, c = np.sin(xv), np.cos(xv)
    np.testing.assert_allclose(d1.numpy(), c * xv ** 3 + 3 * xv ** 2 * s, rtol=1e-12)
    np.testing.assert_allclose(d2.numpy(), -xv ** 3 * s + 6 * xv ** 2 * c + 6 * xv * s, rtol=1e-12)
    np.testing.assert_allclose(d3.numpy(), -xv ** 3 * c - 9 * xv ** 2 * s + 18 * xv * c + 6 * s,
                               rtol=1e-12)
    assert d2.grad_fn is not None and d3.grad_fn is None


@pytest.mark.own_create_graph
def test_backward_create_graph_gives_grad_with_grad_fn():
    xv = np.array([0.5, -1.0, 2.0])
    x = Tensor(xv, requires_grad=True)
    (x ** 3).sum().backward(create_graph=True)
    g = x.grad
    assert g.grad_fn is not None and g.requires_grad
    np.testing.assert_allclose(g.numpy(), 3 * xv ** 2)
    # differentiate the gradient again with backward: d/dx sum(3x²) = 6x
    x.grad = None
    g.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 6 * xv)
    assert x.grad.grad_fn is None

    # without create_graph the gradient is a plain tensor
    z = Tensor(xv, requires_grad=True)
    (z ** 3).sum().backward()
    assert z.grad.grad_fn is None and not z.grad.requires_grad


def test_backward_create_graph_accumulates_into_grad():
    """As PyTorch: a second backward adds its gradient to the recorded .grad."""
    xv = np.array([0.5, -1.0, 2.0])
    x = Tensor(xv, requires_grad=True)
    (x ** 3).sum().backward(create_graph=True)
    x.grad.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 3 * xv ** 2 + 6 * xv)


def _central_differences(f, params, eps=1e-6):
    """d f / d p for every element of every param, by central differences of ``f()``."""
    out = []
    for p in params:
        g = np.zeros(p.shape)
        flat = p.numpy().reshape(-1)
        for k in range(flat.size):
            orig = flat[k]
            flat[k] = orig + eps
            plus = f()
            flat[k] = orig - eps
            minus = f()
            flat[k] = orig
            g.reshape(-1)[k] = (plus - minus) / (2 * eps)
        out.append(g)
    return out


def test_gradient_penalty_through_conv_net_matches_finite_differences():
    rng = _rng(21)
    x = Tensor(rng.standard_normal((2, 1, 4, 4)), requires_grad=True)
    w1 = Tensor(rng.standard_normal((2, 1, 3, 3)) * 0.5, requires_grad=True)
    b1 = Tensor(rng.standard_normal(2) * 0.1, requires_grad=True)
    w2 = Tensor(rng.standard_normal((3, 2, 2, 2)) * 0.5, requires_grad=True)
    b2 = Tensor(rng.standard_normal(3) * 0.1, requires_grad=True)
    head = const(rng.standard_normal((3,)))
    params = (w1, b1, w2, b2)

    def penalty():
        h = F.conv2d(x, w1, b1, padding=1).tanh()
        h = F.avg_pool2d(h, 2, stride=1)
        h = F.conv2d(h, w2, b2, stride=2).sigmoid()            # (2, 3, 1, 1)
        out = F.linear(h.reshape(2, 3), head.reshape(1, 3))      # (2, 1)
        (gx,) = mg.autograd.grad(out.sum(), x, create_graph=True)
        return (gx ** 2).sum()

    p = penalty()
    assert p.grad_fn is not None
    p.backward()
    analytic = [t.grad.numpy().copy() for t in params]
    numerical = _central_differences(lambda: float(penalty().numpy()), params)
    for i, (a, n) in enumerate(zip(analytic, numerical)):
        assert np.abs(n).max() > 1e-4, i        # every parameter matters
        np.testing.assert_allclose(a, n, rtol=1e-5, atol=1e-8, err_msg=f"parameter {i}")


def test_gradient_penalty_through_conv_relu_maxpool_net():
    """The same with relu and max pooling (piecewise linear: only the weights' first
    derivative path through them is second order), inputs kept off the kinks."""
    rng = _rng(22)
    x = Tensor(rng.standard_normal((1, 1, 4, 4)), requires_grad=True)
    w1 = Tensor(rng.standard_normal((2, 1, 2, 2)), requires_grad=True)
    w2 = Tensor(rng.standard_normal((1, 2, 2, 2)), requires_grad=True)
    params = (w1, w2)

    def penalty():
        h = F.conv2d(x, w1, padding=1)
        h = F.max_pool2d(h.relu() * h, 2, stride=1)      # relu(h)·h: curved where h > 0
        out = F.conv2d(h, w2).tanh().sum()
        (gx,) = mg.autograd.grad(out, x, create_graph=True)
        return (gx ** 2).sum()

    # keep off the kinks: no pre-activation near 0, and no two positive activations close
    # (so no near-tie decides a pooling window; tied zeros carry no gradient)
    pre = F.conv2d(x, w1, padding=1).numpy()
    assert np.abs(pre).min() > 1e-3
    act = np.sort((np.maximum(pre, 0) * pre)[pre > 0])
    assert np.diff(act).min() > 1e-4
    penalty().backward()
    analytic = [t.grad.numpy().copy() for t in params]
    numerical = _central_differences(lambda: float(penalty().numpy()), params)
    for i, (a, n) in enumerate(zip(analytic, numerical)):
        np.testing.assert_allclose(a, n, rtol=1e-5, atol=1e-7, err_msg=f"parameter {i}")


def test_hessian_vector_product_through_mlp_matches_finite_differences():
    rng = _rng(31)
    x = const(rng.standard_normal((4, 3)))
    target = np.array([0, 2, 1, 2])
    W1 = Tensor(rng.standard_normal((5, 3)) * 0.7, requires_grad=True)
    b1 = Tensor(rng.standard_normal(5) * 0.1, requires_grad=True)
    W2 = Tensor(rng.standard_normal((3, 5)) * 0.7, requires_grad=True)
    b2 = Tensor(rng.standard_normal(3) * 0.1, requires_grad=True)
    params = (W1, b1, W2, b2)
    v = [rng.standard_normal(p.shape) for p in params]

    def loss():
        return F.cross_entropy(F.linear(F.linear(x, W1, b1).tanh(), W2, b2), target)

    def gradients():
        return [g.numpy().copy() for g in mg.autograd.grad(loss(), params)]

    grads = mg.autograd.grad(loss(), params, create_graph=True)
    gv = sum((g * const(vi)).sum() for g, vi in zip(grads, v))
    hv = [h.numpy() for h in mg.autograd.grad(gv, params)]

    eps = 1e-6
    originals = [p.numpy().copy() for p in params]
    for p, o, vi in zip(params, originals, v):
        p.numpy()[...] = o + eps * vi
    plus = gradients()
    for p, o, vi in zip(params, originals, v):
        p.numpy()[...] = o - eps * vi
    minus = gradients()
    for p, o in zip(params, originals):
        p.numpy()[...] = o
    for i, (h, gp, gm) in enumerate(zip(hv, plus, minus)):
        np.testing.assert_allclose(h, (gp - gm) / (2 * eps), rtol=1e-5, atol=1e-8,
                                   err_msg=f"parameter {i}")

    # the same through mg.autograd.functional.hvp (double-vjp trick) and vhp
    def f(*ps):
        return F.cross_entropy(F.linear(F.linear(x, ps[0], ps[1]).tanh(), ps[2], ps[3]), target)

    vt = tuple(const(vi) for vi in v)
    _, hvp = mg.autograd.functional.hvp(f, params, vt)
    _, vhp = mg.autograd.functional.vhp(f, params, vt)
    for h, a, b in zip(hv, hvp, vhp):
        np.testing.assert_allclose(a.numpy(), h, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(b.numpy(), h, rtol=1e-10, atol=1e-12)
