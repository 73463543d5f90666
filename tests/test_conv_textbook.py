"""The textbook convolution of ``ops/conv.py`` against explicit loops, and the tuned engine
of ``ops/conv_fast.py`` against the textbook, on random configurations (hypothesis shrinks a
failure to the smallest one): every layout, block size and option of the engine must give
the textbook's numbers."""
import itertools

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import minigrad.ops.conv as conv
import minigrad.ops.conv_fast as fast


def loop_conv(x, w, b, stride, padding, dilation, groups):
    """The definition, one output element at a time."""
    N, C = x.shape[:2]
    O, kernel = w.shape[0], w.shape[2:]
    xp = conv.pad_spatial(x, padding)
    out_shape = tuple(conv.output_size(n, k, s, lo, hi, d) for n, k, s, (lo, hi), d
                      in zip(x.shape[2:], kernel, stride, padding, dilation))
    out = np.zeros((N, O) + out_shape)
    per = C // groups
    for n, o in itertools.product(range(N), range(O)):
        g = o // (O // groups)
        for p in np.ndindex(*out_shape):
            total = 0.0 if b is None else b[o]
            for c in range(per):
                for k in np.ndindex(*kernel):
                    at = tuple(pi * s + ki * d for pi, ki, s, d in zip(p, k, stride, dilation))
                    total += w[(o, c) + k] * xp[(n, g * per + c) + at]
            out[(n, o) + p] = total
    return out


@st.composite
def configs(draw, max_nd=3):
    nd = draw(st.integers(1, max_nd))
    groups = draw(st.integers(1, 2))
    C, O = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 3))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    stride = tuple(draw(st.integers(1, 2)) for _ in range(nd))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(nd))
    padding = tuple((draw(st.integers(0, 2)), draw(st.integers(0, 2))) for _ in range(nd))
    size = tuple(draw(st.integers(max(1, d * (k - 1) + 1 - lo - hi), 6))
                 for k, d, (lo, hi) in zip(kernel, dilation, padding))
    N = draw(st.integers(1, 3))
    seed = draw(st.integers(0, 2 ** 16))
    return nd, N, C, O, groups, kernel, stride, dilation, padding, size, seed


def _arrays(cfg):
    nd, N, C, O, groups, kernel, stride, dilation, padding, size, seed = cfg
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, C) + size)
    w = rng.standard_normal((O, C // groups) + kernel)
    b = rng.standard_normal(O)
    args = (stride, padding, dilation, groups)
    return x, w, b, args


@settings(max_examples=40, deadline=None)
@given(cfg=configs(max_nd=2))
def test_textbook_forward_is_the_definition(cfg):
    x, w, b, args = _arrays(cfg)
    np.testing.assert_allclose(conv.conv_reference(x, w, b, *args), loop_conv(x, w, b, *args),
                               rtol=1e-10, atol=1e-10)


@settings(max_examples=40, deadline=None)
@given(cfg=configs())
def test_textbook_gradients_are_the_adjoints_of_the_forward(cfg):
    # <conv(x, w), g> = <x, conv_transpose(g, w)> = <w, conv_weight(x, g)>
    x, w, b, args = _arrays(cfg)
    y = conv.conv_reference(x, w, None, *args)
    g = np.random.default_rng(1).standard_normal(y.shape)
    lhs = np.sum(y * g)
    np.testing.assert_allclose(np.sum(x * conv.conv_transpose_reference(g, w, x.shape, *args)),
                               lhs, rtol=1e-10)
    np.testing.assert_allclose(np.sum(w * conv.conv_weight_reference(x, g, w.shape, *args)),
                               lhs, rtol=1e-10)


@settings(max_examples=80, deadline=None)
@given(cfg=configs(), block_bytes=st.sampled_from([1, 512, 4 << 20]),
       per_sample_rows=st.sampled_from([0, fast.PER_SAMPLE_ROWS, 1 << 30]))
def test_the_tuned_engine_equals_the_textbook(cfg, block_bytes, per_sample_rows):
    x, w, b, args = _arrays(cfg)
    real = fast.BLOCK_BYTES, fast.PER_SAMPLE_ROWS
    fast.BLOCK_BYTES = block_bytes               # several blocks, or all samples in one
    fast.PER_SAMPLE_ROWS = per_sample_rows       # the weight gradient per sample, or not
    try:
        y, no_columns = fast.conv_forward(x, w, b, *args)
        assert no_columns is None                  # kept only when asked for
        g = np.random.default_rng(2).standard_normal(y.shape)
        y_kept, columns = fast.conv_forward(x, w, b, *args, keep_columns=True)
        gw = conv.conv_weight_reference(x, g, w.shape, *args)
        pairs = [(y, conv.conv_reference(x, w, b, *args)), (y_kept, y),
                 (fast.conv_input_grad(g, w, x.shape, *args),
                  conv.conv_transpose_reference(g, w, x.shape, *args)),
                 (fast.conv_weight_grad(x, g, w.shape, *args), gw),
                 # from the columns the forward kept, and g laid out once for both
                 (fast.conv_weight_grad(x, g, w.shape, *args, columns=columns), gw)]
        g_columns = fast.output_columns(g, x.shape, w.shape[2:], *args)
        pairs += [(fast.conv_input_grad(g, w, x.shape, *args, g_columns=g_columns), pairs[2][0]),
                  (fast.conv_weight_grad(x, g, w.shape, *args, columns=columns,
                                         g_columns=g_columns), gw)]
    finally:
        fast.BLOCK_BYTES, fast.PER_SAMPLE_ROWS = real
    for tuned, textbook in pairs:
        np.testing.assert_allclose(tuned, textbook, rtol=1e-10, atol=1e-10)


def test_the_forward_keeps_its_columns_only_for_a_weight_gradient():
    import minigrad as mg
    import minigrad.nn.functional as F
    rng = np.random.default_rng(0)
    x = mg.tensor(rng.standard_normal((3, 2, 5, 5)), requires_grad=True)
    w = mg.tensor(rng.standard_normal((4, 2, 3, 3)), requires_grad=True)
    out = F.conv2d(x, w, padding=1)
    assert out.grad_fn.columns.shape == (2 * 9, 3 * 25)      # (C·K, N·positions)
    out.sum().backward()
    assert not hasattr(out.grad_fn, "columns")               # dropped with the graph
    gw = w.grad.numpy().copy()
    assert F.conv2d(x, w.detach(), padding=1).grad_fn.columns is None   # no weight gradient
    real = fast.KEEP_COLUMNS_BYTES
    fast.KEEP_COLUMNS_BYTES = 0                              # too large to keep: rebuilt
    try:
        w.grad = None
        out = F.conv2d(x, w, padding=1)
        assert out.grad_fn.columns is None
        out.sum().backward()
    finally:
        fast.KEEP_COLUMNS_BYTES = real
    np.testing.assert_allclose(w.grad.numpy(), gw, rtol=1e-12)


@settings(max_examples=40, deadline=None)
@given(cfg=configs())
def test_pooling_matches_its_textbook_version(cfg):
    from minigrad import Tensor
    import minigrad.nn.functional as F
    nd, N, C, O, groups, kernel, stride, dilation, padding, size, seed = cfg
    pads = tuple(min(lo, k // 2) for k, (lo, _) in zip(kernel, padding))
    size = tuple(max(n, d * (k - 1) + 1) for n, k, d in zip(size, kernel, dilation))
    x = np.random.default_rng(seed).standard_normal((N, C) + size)
    pool = getattr(F, f"max_pool{nd}d")
    out = pool(Tensor(x), kernel, stride, pads, dilation).numpy()
    np.testing.assert_allclose(out, conv.max_pool_reference(x, kernel, stride,
                                                            tuple((p, p) for p in pads), dilation))
    avg = getattr(F, f"avg_pool{nd}d")(Tensor(x), kernel, stride, pads).numpy()
    np.testing.assert_allclose(avg, conv.avg_pool_reference(x, kernel, stride,
                                                            tuple((p, p) for p in pads)),
                               rtol=1e-12, atol=1e-12)   # sums in another order


@pytest.mark.parametrize("shape", [(2, 4, 6, 6), (1, 2, 5)])
def test_windows_is_a_view(shape):
    x = np.zeros(shape)
    nd = len(shape) - 2
    win = conv.windows(x, (2,) * nd, (1,) * nd, (1,) * nd)
    assert np.shares_memory(win, x)
