"""Max, average and adaptive average pooling: forward and backward against references
written out with loops over output positions, gradchecks, ties (random configurations drawn
by hypothesis, so a failure shrinks to the smallest), and the error messages."""
import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import Tensor, nn

MAX = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}
AVG = {1: F.avg_pool1d, 2: F.avg_pool2d, 3: F.avg_pool3d}


def pooled_size(n, k, s, p, d, ceil_mode):
    """PyTorch's output length, including the rule that a ceil_mode window must start
    inside the input or its left padding."""
    room = n + 2 * p - d * (k - 1) - 1
    out = (-(-room // s) if ceil_mode else room // s) + 1
    if ceil_mode and (out - 1) * s >= n + p:
        out -= 1
    return out


def windows(x_shape, kernel, stride, padding, dilation, ceil_mode):
    """For each output position: the input coordinates of its window, in row-major kernel
    order (None for a padded element)."""
    sizes = x_shape[2:]
    out_shape = tuple(pooled_size(n, k, s, p, d, ceil_mode)
                      for n, k, s, p, d in zip(sizes, kernel, stride, padding, dilation))
    for pos in np.ndindex(*out_shape):
        coords = []
        for k in np.ndindex(*kernel):
            at = tuple(o * s - p + i * d for o, s, p, i, d in zip(pos, stride, padding, k, dilation))
            inside = all(0 <= a < n for a, n in zip(at, sizes))
            coords.append(at if inside else None)
        yield out_shape, pos, coords


def max_pool_reference(x, g, kernel, stride, padding, dilation, ceil_mode):
    """Forward, and the backward for upstream gradient ``g``: each window's gradient goes
    to the first of its maxima (row-major window order), as in PyTorch."""
    out, gx = None, np.zeros_like(x)
    N, C = x.shape[:2]
    for out_shape, pos, coords in windows(x.shape, kernel, stride, padding, dilation, ceil_mode):
        if out is None:
            out = np.zeros((N, C) + out_shape)
        for n in range(N):
            for c in range(C):
                vals = [x[(n, c) + at] if at is not None else -np.inf for at in coords]
                first = int(np.argmax(vals))              # argmax returns the first maximum
                out[(n, c) + pos] = vals[first]
                if g is not None:
                    gx[(n, c) + coords[first]] += g[(n, c) + pos]
    return out, gx


def avg_pool_reference(x, kernel, stride, padding, ceil_mode, count_include_pad):
    """Sum of each window's input elements divided by PyTorch's divisor: the window size
    clipped to the padded input (count_include_pad) or to the input itself (otherwise)."""
    out = None
    for out_shape, pos, coords in windows(x.shape, kernel, stride, padding, (1,) * len(kernel),
                                          ceil_mode):
        if out is None:
            out = np.zeros(x.shape[:2] + out_shape)
        total = sum(x[(slice(None), slice(None)) + at] for at in coords if at is not None)
        size = 1
        for o, s, p, k, n in zip(pos, stride, padding, kernel, x.shape[2:]):
            start, end = o * s - p, min(o * s - p + k, n + p)
            if not count_include_pad:
                start, end = max(start, 0), min(end, n)
            size *= end - start
        out[(slice(None), slice(None)) + pos] = total / size
    return out


def examples(n):
    """Hypothesis settings: ``n`` examples, the same ones on every run (CI included)."""
    return settings(max_examples=n, deadline=None, derandomize=True, database=None)


class Pool(tuple):
    """(nd, x, kernel, stride, padding, dilation, ceil_mode), shown (in a hypothesis report)
    with x's shape for its values."""
    def __repr__(self):
        return repr(tuple(v.shape if isinstance(v, np.ndarray) else v for v in self))


@st.composite
def pools(draw, dilation=True):
    """A random pooling: dims, kernel, stride, dilation (or 1), padding up to what PyTorch
    allows, ceil_mode; and an input at least one window big."""
    nd = draw(st.integers(1, 3))
    kernel = tuple(draw(st.integers(1, 3 if nd < 3 else 2)) for _ in range(nd))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    dil = tuple(draw(st.integers(1, 2)) for _ in range(nd)) if dilation else (1,) * nd
    padding = tuple(draw(st.integers(0, (d * (k - 1) + 1) // 2 if dilation else k // 2))
                    for k, d in zip(kernel, dil))
    ceil_mode = draw(st.booleans())
    size = tuple(d * (k - 1) + 1 + draw(st.integers(0, 4 if nd < 3 else 2))
                 for k, d in zip(kernel, dil))
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 3))) + size
    x = np.random.default_rng(draw(st.integers(0, 2 ** 16))).standard_normal(shape)
    return Pool((nd, x, kernel, stride, padding, dil, ceil_mode))


# ---- max pooling -----------------------------------------------------------------------------
@examples(30)
@given(pool=pools())
def test_max_pool_forward_and_backward_match_reference(pool):
    nd, x, kernel, stride, padding, dilation, ceil_mode = pool
    xt = Tensor(x, requires_grad=True)
    out = MAX[nd](xt, kernel, stride, padding, dilation=dilation, ceil_mode=ceil_mode)
    g = np.random.default_rng(0).standard_normal(out.shape)
    ref, ref_gx = max_pool_reference(x, g, kernel, stride, padding, dilation, ceil_mode)
    np.testing.assert_array_equal(out.numpy(), ref)
    out.backward(g)
    np.testing.assert_allclose(xt.grad.numpy(), ref_gx, rtol=1e-12, atol=1e-12)


@examples(12)
@given(pool=pools(), overlapping=st.booleans(), seed=st.integers(0, 2 ** 16))
def test_max_pool_ties_send_the_gradient_to_the_first_maximum_only(pool, overlapping, seed):
    """Inputs of 0s and 1s: most windows have tied maxima. Overlapping windows too."""
    nd, _, kernel, stride, padding, dilation, ceil_mode = pool
    if overlapping:
        stride = (1,) * nd
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 2, (2, 2) + tuple(d * (k - 1) + 4 for k, d in zip(kernel, dilation)))
    x = x.astype(np.float32)
    xt = Tensor(x, requires_grad=True)
    out = MAX[nd](xt, kernel, stride, padding, dilation=dilation, ceil_mode=ceil_mode)
    g = rng.standard_normal(out.shape).astype(np.float32)
    out.backward(g)
    _, ref_gx = max_pool_reference(x, g, kernel, stride, padding, dilation, ceil_mode)
    np.testing.assert_allclose(xt.grad.numpy(), ref_gx, rtol=1e-6, atol=1e-6)


def test_flat_background_gets_one_gradient_per_window():
    """A constant image (MNIST's background): every element of every window ties. The
    gradient must count each window once, not once per tied element."""
    x = Tensor(np.zeros((1, 1, 4, 4), np.float32), requires_grad=True)
    F.max_pool2d(x, 2).sum().backward()
    assert x.grad.numpy().sum() == 4                           # 4 windows, 1 each
    np.testing.assert_array_equal(x.grad.numpy()[0, 0], [[1, 0, 1, 0], [0, 0, 0, 0],
                                                      [1, 0, 1, 0], [0, 0, 0, 0]])


@examples(8)
@given(pool=pools())
def test_max_pool_gradcheck(pool):
    nd, x, kernel, stride, padding, dilation, ceil_mode = pool
    xt = Tensor(x, requires_grad=True)
    assert mg.gradcheck(lambda t: MAX[nd](t, kernel, stride, padding, dilation=dilation,
                                          ceil_mode=ceil_mode), (xt,))


def test_max_pool_padding_is_minus_infinity():
    x = Tensor(-np.ones((1, 1, 3), np.float32))
    np.testing.assert_array_equal(F.max_pool1d(x, 2, stride=1, padding=1).numpy(), -np.ones((1, 1, 4)))


# ---- average pooling -------------------------------------------------------------------------
@examples(30)
@given(pool=pools(dilation=False))
def test_avg_pool_forward_matches_reference(pool):
    nd, x, kernel, stride, padding, _, ceil_mode = pool
    for count_include_pad in (True, False):
        out = AVG[nd](Tensor(x), kernel, stride, padding, ceil_mode=ceil_mode,
                      count_include_pad=count_include_pad)
        ref = avg_pool_reference(x, kernel, stride, padding, ceil_mode, count_include_pad)
        np.testing.assert_allclose(out.numpy(), ref, rtol=1e-12, atol=1e-12)


def test_avg_pool_counts_padding_like_pytorch():
    x = Tensor(np.ones((1, 1, 5, 5), np.float32))
    # default count_include_pad=True: the padded zeros count in the mean
    np.testing.assert_allclose(F.avg_pool2d(x, 3, stride=2, padding=1).numpy()[0, 0],
                               [[4 / 9, 6 / 9, 4 / 9], [6 / 9, 1, 6 / 9], [4 / 9, 6 / 9, 4 / 9]],
                               rtol=1e-6)
    np.testing.assert_allclose(F.avg_pool2d(x, 3, stride=2, padding=1,
                                            count_include_pad=False).numpy(), np.ones((1, 1, 3, 3)))
    # ceil_mode: the part of the last window past the padding does not count (PyTorch values)
    np.testing.assert_allclose(F.avg_pool2d(x, 2, padding=1, ceil_mode=True).numpy()[0, 0],
                               [[.25, .5, .5], [.5, 1, 1], [.5, 1, 1]])
    np.testing.assert_allclose(F.avg_pool2d(x, 2, ceil_mode=True).numpy(), np.ones((1, 1, 3, 3)))
    assert F.avg_pool2d(x, 2, divisor_override=1).numpy()[0, 0, 0, 0] == 4


@examples(8)
@given(pool=pools(dilation=False))
def test_avg_pool_gradcheck(pool):
    nd, x, kernel, stride, padding, _, ceil_mode = pool
    xt = Tensor(x, requires_grad=True)
    for count_include_pad in (True, False):
        def pool(t, count_include_pad=count_include_pad):
            return AVG[nd](t, kernel, stride, padding, ceil_mode=ceil_mode,
                           count_include_pad=count_include_pad)
        assert mg.gradcheck(pool, (xt,))


# ---- adaptive average pooling ----------------------------------------------------------------
def adaptive_reference(x, out_size):
    """Bin i of an axis of length L covers floor(i·L/out) .. ceil((i+1)·L/out)."""
    H, W = x.shape[2:]
    oh, ow = out_size
    out = np.zeros(x.shape[:2] + out_size)
    for i in range(oh):
        for j in range(ow):
            h0, h1 = (i * H) // oh, -(-((i + 1) * H) // oh)
            w0, w1 = (j * W) // ow, -(-((j + 1) * W) // ow)
            out[:, :, i, j] = x[:, :, h0:h1, w0:w1].mean(axis=(2, 3))
    return out


@pytest.mark.parametrize("size,out_size", [((7, 7), (1, 1)), ((5, 7), (3, 2)), ((6, 4), (4, 4)),
                                           ((3, 5), (5, 3))])
def test_adaptive_avg_pool2d(size, out_size):
    x = np.random.default_rng(0).standard_normal((2, 3) + size)
    out = F.adaptive_avg_pool2d(Tensor(x), out_size)
    np.testing.assert_allclose(out.numpy(), adaptive_reference(x, out_size), rtol=1e-12)
    xt = Tensor(x, requires_grad=True)
    assert mg.gradcheck(lambda t: F.adaptive_avg_pool2d(t, out_size), (xt,))


def test_global_average_pool():
    x = np.random.default_rng(0).standard_normal((4, 8, 5, 6)).astype(np.float32)
    out = nn.AdaptiveAvgPool2d(1)(Tensor(x))
    assert out.shape == (4, 8, 1, 1) and out.dtype == np.float32
    np.testing.assert_allclose(out.numpy()[:, :, 0, 0], x.mean(axis=(2, 3)), rtol=1e-5)
    assert nn.AdaptiveAvgPool2d((None, 2))(Tensor(x)).shape == (4, 8, 5, 2)


# ---- memory follows the output, not the padding --------------------------------------------
def _peak_bytes(fn):
    tracemalloc.start()
    try:
        result = fn()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("call", [
    lambda x: F.max_pool2d(x, 41, stride=1, padding=20),
    lambda x: F.avg_pool2d(x, 41, stride=1, padding=20),
    lambda x: F.avg_pool2d(x, 41, stride=1, padding=20, count_include_pad=False),
    lambda x: F.max_pool2d(x, 41, stride=7, padding=20, ceil_mode=True),
    lambda x: F.max_pool2d(x, (3, 41), stride=1, padding=(1, 20), dilation=(2, 1)),
    lambda x: F.max_pool3d(x[..., None].expand(x.shape + (3,)), 21, stride=1, padding=10),
], ids=["max", "avg", "avg-no-pad-count", "max-ceil", "max-dilated", "max3d"])
def test_pooling_memory_follows_the_output_not_the_padding(call):
    """A 3x3 input under a 41x41 window padded by 20: the padded input is ~190 times the
    input; the forward, backward and double backward need a few times input + output."""
    x = Tensor(np.random.default_rng(0).standard_normal((8, 64, 3, 3)), requires_grad=True)
    call(x).sum().backward()                    # warm up (imports, caches)
    out, forward = _peak_bytes(lambda: call(x))
    budget = 4 * (x.numpy().nbytes * (3 if out.ndim == 5 else 1) + out.numpy().nbytes)
    assert forward < budget, f"forward peak {forward} B, budget {budget} B"
    g = Tensor(np.ones(out.shape), requires_grad=True)
    (gx,), backward = _peak_bytes(lambda: mg.autograd.grad(out, x, g, create_graph=True))
    assert backward < budget, f"backward peak {backward} B, budget {budget} B"
    _, twice = _peak_bytes(lambda: mg.autograd.grad(gx, g, mg.ones_like(gx)))
    assert twice < budget, f"double backward peak {twice} B, budget {budget} B"


# ---- facts and modules -----------------------------------------------------------------------
@pytest.mark.parametrize("layer", [nn.MaxPool2d(2), nn.AvgPool2d(3, stride=1, padding=1),
                                   nn.AdaptiveAvgPool2d(2), nn.MaxPool2d(3, stride=2, padding=1)])
def test_pooling_never_mixes_channels(layer):
    x = np.random.default_rng(0).standard_normal((2, 4, 6, 6)).astype(np.float32)
    out = layer(Tensor(x)).numpy()
    for c in range(4):
        x2 = x.copy()
        x2[:, c] += 10.0 + np.abs(x).max()                  # raises every max in channel c
        changed = np.abs(layer(Tensor(x2)).numpy() - out).max(axis=(0, 2, 3)) > 0
        assert changed.tolist() == [i == c for i in range(4)]


@pytest.mark.parametrize("nd", [1, 2, 3])
def test_float32_end_to_end(nd):
    x = Tensor(np.random.default_rng(0).standard_normal((2, 3) + (6,) * nd).astype(np.float32),
               requires_grad=True)
    for f in (MAX[nd], AVG[nd]):
        out = f(x, 2)
        assert out.dtype == np.float32
        out.sum().backward()
        assert x.grad.dtype == np.float32


def test_unbatched_input_and_no_grad():
    x = mg.randn(3, 8, 8)
    assert nn.MaxPool2d(2)(x).shape == (3, 4, 4)
    with mg.no_grad():
        out = nn.MaxPool2d(2)(mg.randn(1, 3, 8, 8, requires_grad=True))
    assert out.grad_fn is None


def test_repr_like_pytorch():
    assert repr(nn.MaxPool2d(2)) == \
        "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"
    assert repr(nn.MaxPool3d((2, 2, 2))) == \
        "MaxPool3d(kernel_size=(2, 2, 2), stride=(2, 2, 2), padding=0, dilation=1, ceil_mode=False)"
    assert repr(nn.AvgPool2d(2)) == "AvgPool2d(kernel_size=2, stride=2, padding=0)"
    assert repr(nn.AvgPool1d(2)) == "AvgPool1d(kernel_size=(2,), stride=(2,), padding=(0,))"
    assert repr(nn.AdaptiveAvgPool2d(1)) == "AdaptiveAvgPool2d(output_size=1)"
    assert repr(nn.Sequential(nn.Conv2d(1, 2, 3), nn.MaxPool2d(2))) == (
        "Sequential(\n  (0): Conv2d(1, 2, kernel_size=(3, 3), stride=(1, 1))\n"
        "  (1): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)\n)")
    assert list(nn.MaxPool2d(2).parameters()) == []


# ---- bad input -------------------------------------------------------------------------------
def test_padding_larger_than_half_the_kernel():
    with pytest.raises(ValueError, match=r"MaxPool2d\(kernel_size=2.*padding must be between 0 "
                                         r"and half the kernel size, got padding=\(2, 2\) for "
                                         r"kernel_size=\(2, 2\)"):
        nn.MaxPool2d(2, padding=2)(mg.randn(1, 1, 6, 6))
    with pytest.raises(ValueError, match=r"avg_pool1d: padding must be between 0 and half the "
                                         r"kernel size, got padding=\(2,\) for kernel_size=\(3,\)"):
        F.avg_pool1d(mg.randn(1, 1, 6), 3, padding=2)


def test_window_larger_than_input():
    with pytest.raises(ValueError, match=r"MaxPool2d\(kernel_size=5.*input of shape \(1, 3, 4, 4\) "
                                         r"is too small for kernel_size=\(5, 5\).*output would have "
                                         r"spatial shape \(0, 0\)"):
        nn.MaxPool2d(5)(mg.randn(1, 3, 4, 4))
    with pytest.raises(ValueError, match=r"avg_pool3d: input of shape \(1, 1, 2, 8, 8\) is too small"):
        F.avg_pool3d(mg.randn(1, 1, 2, 8, 8), 3)


def test_wrong_rank_and_non_positive_stride():
    with pytest.raises(ValueError, match=r"MaxPool1d.*expected a 3-D input \(N, C, L\) or a 2-D "
                                         r"unbatched input \(C, L\), got input of shape \(2, 3, 4, 4\)"):
        nn.MaxPool1d(2)(mg.randn(2, 3, 4, 4))
    with pytest.raises(ValueError, match=r"max_pool2d: stride must be positive, got stride=\(0, 0\)"):
        F.max_pool2d(mg.randn(1, 1, 4, 4), 2, stride=0)
    with pytest.raises(ValueError, match=r"avg_pool2d: kernel_size must be positive, got "
                                         r"kernel_size=\(0, 2\)"):
        F.avg_pool2d(mg.randn(1, 1, 4, 4), (0, 2))
    with pytest.raises(ValueError, match=r"adaptive_avg_pool2d: output_size must be a positive int"):
        F.adaptive_avg_pool2d(mg.randn(1, 1, 4, 4), 0)
    with pytest.raises(ValueError, match=r"max_pool3d: kernel_size must be an int or a tuple of 3 "
                                         r"ints, got \(2, 2\)"):
        F.max_pool3d(mg.randn(1, 1, 4, 4, 4), (2, 2))
