"""Convolution: forward against the textbook definition written out with loops, float64
gradchecks (random configurations drawn by hypothesis, so a failure shrinks to the smallest),
the facts of the README's "How convolution layers work, shown by minigrad" (what
``examples/conv_questions.py`` prints) and the error messages."""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import Tensor, nn

CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
CONV_MODULE = {1: nn.Conv1d, 2: nn.Conv2d, 3: nn.Conv3d}


# ---- the reference: the definition of convolution, one output element at a time ------------
def conv_reference(x, w, b, stride, padding, dilation, groups):
    """out[n, o, p] = b[o] + sum over the channels c of o's group and kernel offsets k of
    w[o, c, k] * xpad[n, c, p*stride + k*dilation]. ``padding`` is ((lo, hi), ...)."""
    nd = x.ndim - 2
    xp = np.pad(x, [(0, 0), (0, 0)] + list(padding))
    N, C = x.shape[:2]
    O, kernel = w.shape[0], w.shape[2:]
    out_shape = conv_out_shape(x.shape[2:], kernel, stride, padding, dilation)
    c_per_group, o_per_group = C // groups, O // groups
    out = np.zeros((N, O) + out_shape)
    for o in range(O):
        group = o // o_per_group
        for p in np.ndindex(*out_shape):
            total = np.zeros(N)
            for c in range(c_per_group):
                for k in np.ndindex(*kernel):
                    at = tuple(p[i] * stride[i] + k[i] * dilation[i] for i in range(nd))
                    total += w[(o, c) + k] * xp[(slice(None), group * c_per_group + c) + at]
            out[(slice(None), o) + p] = total + (0 if b is None else b[o])
    return out


def conv_out_shape(size, kernel, stride, padding, dilation):
    """Number of window positions along each axis; ``padding`` is ((lo, hi), ...)."""
    return tuple((n + lo + hi - d * (k - 1) - 1) // s + 1
                 for n, k, s, (lo, hi), d in zip(size, kernel, stride, padding, dilation))


def same_padding(kernel, dilation):
    """PyTorch's 'same': total dilation·(k-1), the odd element on the high side."""
    return tuple((d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2) for k, d in zip(kernel, dilation))


def examples(n):
    """Hypothesis settings: ``n`` examples, the same ones on every run (CI included)."""
    return settings(max_examples=n, deadline=None, derandomize=True, database=None)


class Config(dict):
    """A convolution's settings and arrays, shown (in a hypothesis report) without the
    arrays' values."""
    def __repr__(self):
        return repr({k: v.shape if isinstance(v, np.ndarray) else v for k, v in self.items()})


@st.composite
def configs(draw, small=False):
    """A random convolution: dims, groups, channels, kernel, stride, padding (int, tuple,
    'same' or 'valid'), dilation, bias; and an input big enough for it."""
    nd = draw(st.integers(1, 3))
    groups = draw(st.integers(1, 3))
    C = groups * draw(st.integers(1, 2))
    O = groups * draw(st.integers(1, 2))
    kernel = tuple(draw(st.integers(1, 3 if nd < 3 else 2)) for _ in range(nd))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(nd))
    mode = draw(st.sampled_from(["int", "tuple", "valid", "same"]))
    stride = (1,) * nd if mode == "same" else tuple(draw(st.integers(1, 2)) for _ in range(nd))
    if mode == "int":
        padding = draw(st.integers(0, 2))
        pads = ((padding, padding),) * nd
    elif mode == "tuple":
        padding = tuple(draw(st.integers(0, 2)) for _ in range(nd))
        pads = tuple((p, p) for p in padding)
    elif mode == "same":
        padding, pads = "same", same_padding(kernel, dilation)
    else:
        padding, pads = "valid", ((0, 0),) * nd
    spans = [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
    extra = 2 if small else (3 if nd == 3 else 5)
    size = tuple(max(1, s - lo - hi) + draw(st.integers(0, extra))
                 for s, (lo, hi) in zip(spans, pads))
    N = 2 if small else draw(st.integers(1, 3))
    bias = draw(st.booleans())
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 16)))
    x = rng.standard_normal((N, C) + size)
    w = rng.standard_normal((O, C // groups) + kernel)
    b = rng.standard_normal(O) if bias else None
    return Config(nd=nd, x=x, w=w, b=b, stride=stride, padding=padding, pads=pads,
                  dilation=dilation, groups=groups)


def run(cfg, x, w, b):
    return CONV[cfg["nd"]](x, w, b, stride=cfg["stride"], padding=cfg["padding"],
                           dilation=cfg["dilation"], groups=cfg["groups"])


def reference(cfg, x=None):
    """The loop reference for the convolution of ``cfg`` on ``x`` (default ``cfg["x"]``)."""
    return conv_reference(cfg["x"] if x is None else x, cfg["w"], cfg["b"], cfg["stride"],
                          cfg["pads"], cfg["dilation"], cfg["groups"])


def check_values_and_gradients(cfg, x=None):
    """The convolution of ``cfg`` on ``x`` (default ``cfg["x"]``) gives the reference's
    values, and its input, weight and bias gradients pass a float64 gradcheck."""
    x = cfg["x"] if x is None else x
    xt, w = Tensor(x, requires_grad=True), Tensor(cfg["w"], requires_grad=True)
    b = None if cfg["b"] is None else Tensor(cfg["b"], requires_grad=True)
    np.testing.assert_allclose(run(cfg, xt, w, b).numpy(), reference(cfg, x), rtol=1e-10, atol=1e-10)
    assert mg.gradcheck(lambda x, w, b: run(cfg, x, w, b), (xt, w, b))


# ---- forward ---------------------------------------------------------------------------------
@examples(40)
@given(cfg=configs())
def test_forward_matches_reference(cfg):
    b = None if cfg["b"] is None else Tensor(cfg["b"])
    out = run(cfg, Tensor(cfg["x"]), Tensor(cfg["w"]), b)
    ref = reference(cfg)
    assert out.shape == ref.shape
    assert out.dtype == np.float64
    np.testing.assert_allclose(out.numpy(), ref, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("nd", [1, 2, 3])
def test_float32_in_float32_out_and_grads(nd):
    rng = np.random.default_rng(nd)
    x = Tensor(rng.standard_normal((2, 4) + (6,) * nd).astype(np.float32), requires_grad=True)
    conv = CONV_MODULE[nd](4, 6, 3, padding=1, stride=2)
    out = conv(x)
    assert out.dtype == np.float32
    out.sum().backward()
    for t in (x, conv.weight, conv.bias):
        assert t.grad.dtype == np.float32
    ref = conv_reference(x.numpy().astype(np.float64), conv.weight.numpy().astype(np.float64),
                         conv.bias.numpy().astype(np.float64), (2,) * nd, ((1, 1),) * nd,
                         (1,) * nd, 1)
    np.testing.assert_allclose(out.numpy(), ref, rtol=1e-4, atol=1e-5)


def test_same_padding_with_even_kernel_is_asymmetric_like_pytorch():
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((1, 2, 7, 8)), rng.standard_normal((3, 2, 4, 2))
    out = F.conv2d(Tensor(x), Tensor(w), padding="same")
    assert out.shape == (1, 3, 7, 8)
    # total padding 3 rows: 1 above, 2 below; 1 column: 0 left, 1 right
    ref = conv_reference(x, w, None, (1, 1), ((1, 2), (0, 1)), (1, 1), 1)
    np.testing.assert_allclose(out.numpy(), ref, rtol=1e-12, atol=1e-12)


def test_unbatched_input_as_pytorch():
    conv = nn.Conv1d(3, 5, 3)
    x = mg.randn(3, 10)
    out = conv(x)
    assert out.shape == (5, 8)
    np.testing.assert_allclose(out.numpy(), conv(x.reshape(1, 3, 10)).numpy()[0], rtol=1e-6)


def test_no_graph_under_no_grad():
    conv = nn.Conv2d(2, 3, 3)
    with mg.no_grad():
        out = conv(mg.randn(1, 2, 5, 5, requires_grad=True))
    assert out.grad_fn is None and not out.requires_grad


# ---- gradients -------------------------------------------------------------------------------
@examples(18)
@given(cfg=configs(small=True))
def test_gradcheck_input_weight_bias(cfg):
    check_values_and_gradients(cfg)


@pytest.mark.parametrize("nd,stride,flat", [(2, (1, 1), True), (2, (2, 1), False),
                                            (3, (1, 1, 1), True), (1, (1,), True)])
def test_both_im2col_column_layouts(nd, stride, flat):
    """ops/conv.py lays the im2col columns out flat (stride 1) or per output position
    (otherwise, or on small maps); both must give the reference values and gradients."""
    from minigrad.ops.conv_fast import _Columns
    rng = np.random.default_rng(nd)
    size = {1: (9,), 2: (7, 8), 3: (7, 8, 9)}[nd]
    kernel, dilation = {1: ((3,), (2,)), 2: ((3, 2), (1, 2)), 3: ((2, 3, 2), (1, 1, 2))}[nd]
    N, C, O = (1, 2, 2) if nd == 3 else (2, 4, 6)          # keep the 3-D gradcheck small
    pads = ((1, 1),) * nd
    x = rng.standard_normal((N, C) + size)
    w = rng.standard_normal((O, C // 2) + kernel)
    b = rng.standard_normal(O)
    out_shape = conv_out_shape(size, kernel, stride, pads, dilation)
    assert _Columns(x.shape, kernel, stride, pads, dilation, out_shape, x.dtype).flat == flat
    def f(x, w, b):
        return CONV[nd](x, w, b, stride=stride, padding=1, dilation=dilation, groups=2)
    out = f(Tensor(x), Tensor(w), Tensor(b))
    ref = conv_reference(x, w, b, stride, pads, dilation, 2)
    np.testing.assert_allclose(out.numpy(), ref, rtol=1e-10, atol=1e-10)
    assert mg.gradcheck(f, (Tensor(x, requires_grad=True), Tensor(w, requires_grad=True),
                            Tensor(b, requires_grad=True)))


@examples(3)
@given(cfg=configs(small=True))
def test_conv_in_blocks_of_samples_matches_reference(cfg):
    """Big batches are processed a block of samples at a time (ops/conv_fast.py BLOCK_BYTES);
    force blocks of one sample and check values and gradients."""
    import minigrad.ops.conv_fast as conv_ops
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(conv_ops, "BLOCK_BYTES", 1)
        check_values_and_gradients(cfg, np.concatenate([cfg["x"]] * 2))     # 4 samples


def scratch_full_of_nan(mp):
    """ops/conv_fast.py reuses its scratch arrays from call to call and clears only the parts
    it reads: make it hand them out full of NaN."""
    import minigrad.ops.conv_fast as conv_ops
    real = conv_ops._scratch

    def poisoned(name, shape, dtype):
        a = real(name, shape, dtype)
        a[...] = np.nan
        return a
    mp.setattr(conv_ops, "_scratch", poisoned)


@examples(12)
@given(cfg=configs(small=True))
def test_scratch_arrays_are_never_read_before_written(cfg):
    with pytest.MonkeyPatch.context() as mp:
        scratch_full_of_nan(mp)
        check_values_and_gradients(cfg)


@pytest.mark.parametrize("case", ["pad2", "pad1", "valid", "same-even"])
def test_scratch_arrays_are_never_read_before_written_in_flat_layouts(case, monkeypatch):
    """Flat layouts with an output larger than the input, smaller, and 'same'."""
    import minigrad.ops.conv_fast as conv_ops
    scratch_full_of_nan(monkeypatch)
    rng = np.random.default_rng(5)
    kernel, padding, pads = {"pad2": ((3, 1), 2, ((2, 2), (2, 2))),
                             "pad1": ((3, 5), 1, ((1, 1), (1, 1))),
                             "valid": ((2, 2), "valid", ((0, 0), (0, 0))),
                             "same-even": ((4, 2), "same", ((1, 2), (0, 1)))}[case]
    assert conv_ops._Columns((3, 2, 9, 6), kernel, (1, 1), pads, (1, 1),
                             conv_out_shape((9, 6), kernel, (1, 1), pads, (1, 1)),
                             np.float64).flat
    cfg = dict(nd=2, x=rng.standard_normal((3, 2, 9, 6)),
               w=rng.standard_normal((3, 2) + kernel), b=rng.standard_normal(3),
               stride=(1, 1), padding=padding, pads=pads, dilation=(1, 1), groups=1)
    check_values_and_gradients(cfg)


def test_gradcheck_pointwise_conv_with_groups():
    # the 1x1 stride-1 fast path (no im2col)
    rng = np.random.default_rng(1)
    x = Tensor(rng.standard_normal((2, 4, 3, 3)), requires_grad=True)
    w = Tensor(rng.standard_normal((6, 2, 1, 1)), requires_grad=True)
    b = Tensor(rng.standard_normal(6), requires_grad=True)
    assert mg.gradcheck(lambda x, w, b: F.conv2d(x, w, b, groups=2), (x, w, b))


def test_gradient_of_only_the_input_or_only_the_weight():
    rng = np.random.default_rng(2)
    x = Tensor(rng.standard_normal((2, 3, 5, 5)), requires_grad=True)
    w = Tensor(rng.standard_normal((4, 3, 3, 3)))
    assert mg.gradcheck(lambda x: F.conv2d(x, w, stride=2, padding=1), (x,))
    x2 = Tensor(rng.standard_normal((2, 3, 5, 5)))
    w2 = Tensor(rng.standard_normal((4, 3, 3, 3)), requires_grad=True)
    assert mg.gradcheck(lambda w: F.conv2d(x2, w, dilation=2), (w2,))


# ---- the facts of the README's "How convolution layers work, shown by minigrad" -------------
@pytest.mark.parametrize("k1,k2", [(1, 1), (6, 16), (16, 32)])
def test_conv2d_5x5_has_25_k1_k2_plus_k2_parameters(k1, k2):
    conv = nn.Conv2d(k1, k2, 5)
    assert conv.weight.shape == (k2, k1, 5, 5)      # each filter spans all k1 input maps
    assert sum(p.numel() for p in conv.parameters()) == 25 * k1 * k2 + k2


def test_every_output_map_depends_on_every_input_map():
    """Not k1·k2 separate maps: each filter spans all input maps, so changing any one input
    map changes every output map."""
    mg.manual_seed(0)
    conv = nn.Conv2d(3, 4, 5, padding=2)
    x = np.random.default_rng(0).standard_normal((1, 3, 8, 8)).astype(np.float32)
    out = conv(Tensor(x)).numpy()
    assert out.shape == (1, 4, 8, 8)
    for c in range(3):
        x2 = x.copy()
        x2[0, c] += 1.0
        changed = np.abs(conv(Tensor(x2)).numpy() - out).reshape(4, -1).max(axis=1)
        assert (changed > 1e-3).all(), f"input map {c} did not reach every output map"


def test_groups_keep_channel_groups_apart():
    conv = nn.Conv2d(4, 6, 3, groups=2)
    assert conv.weight.shape == (6, 2, 3, 3)
    x = np.random.default_rng(0).standard_normal((1, 4, 6, 6)).astype(np.float32)
    out = conv(Tensor(x)).numpy()
    x2 = x.copy()
    x2[0, 3] += 1.0                                  # an input map of the second group
    diff = np.abs(conv(Tensor(x2)).numpy() - out).reshape(6, -1).max(axis=1)
    assert (diff[:3] == 0).all() and (diff[3:] > 1e-3).all()


def test_1x1_conv_is_a_per_pixel_matrix_product_over_channels():
    conv = nn.Conv2d(5, 3, 1)
    x = np.random.default_rng(0).standard_normal((2, 5, 4, 6)).astype(np.float32)
    out = conv(Tensor(x)).numpy()
    W, b = conv.weight.numpy()[:, :, 0, 0], conv.bias.numpy()       # (3, 5), (3,)
    for n in range(2):
        for h in range(4):
            for w in range(6):
                np.testing.assert_allclose(out[n, :, h, w], W @ x[n, :, h, w] + b,
                                           rtol=1e-5, atol=1e-6)
    # and it is not multiplication by a constant: the output mixes the channels
    assert not np.allclose(out[:, 0], out[:, 0].mean() / x[:, 0].mean() * x[:, 0])


def test_3d_conv_in_shuffled_order_of_output_positions_equals_the_layer():
    """Each output element depends only on its own input window, so computing the outputs
    one at a time in any order gives the layer's output."""
    mg.manual_seed(3)
    conv = nn.Conv3d(2, 3, (2, 3, 2), stride=(1, 2, 1), padding=1)
    x = np.random.default_rng(3).standard_normal((2, 2, 4, 5, 3)).astype(np.float32)
    full = conv(Tensor(x)).numpy()
    xp = np.pad(x, [(0, 0), (0, 0)] + [(1, 1)] * 3)
    positions = list(np.ndindex(*full.shape[2:]))
    order = np.random.default_rng(4).permutation(len(positions))
    rebuilt = np.full(full.shape, np.nan, dtype=np.float32)
    for i in order:
        d, h, w = positions[i]
        window = xp[:, :, d:d + 2, 2 * h:2 * h + 3, w:w + 2]      # this output's receptive field
        one = F.conv3d(Tensor(window), conv.weight, conv.bias)    # (2, 3, 1, 1, 1)
        rebuilt[:, :, d, h, w] = one.numpy()[:, :, 0, 0, 0]
    np.testing.assert_allclose(rebuilt, full, rtol=1e-5, atol=1e-6)


# ---- modules ---------------------------------------------------------------------------------
def test_default_init_is_uniform_within_one_over_sqrt_fan_in():
    mg.manual_seed(0)
    conv = nn.Conv2d(16, 32, 3, groups=2)
    bound = 1 / math.sqrt(8 * 9)                  # fan_in = in_channels/groups · kH · kW
    for p in (conv.weight, conv.bias):
        assert p.dtype == np.float32
        assert np.abs(p.numpy()).max() <= bound
    assert abs(conv.weight.numpy().std() - bound / math.sqrt(3)) < 0.05 * bound
    mg.manual_seed(0)
    w1 = nn.Conv2d(16, 32, 3).weight.numpy()
    mg.manual_seed(0)
    assert np.array_equal(nn.Conv2d(16, 32, 3).weight.numpy(), w1)


def test_repr_like_pytorch():
    assert repr(nn.Conv2d(16, 32, 3, padding=1)) == \
        "Conv2d(16, 32, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))"
    assert repr(nn.Conv1d(4, 8, 3, padding="same", dilation=2, groups=2, bias=False)) == \
        "Conv1d(4, 8, kernel_size=(3,), stride=(1,), padding=same, dilation=(2,), groups=2, bias=False)"
    assert repr(nn.Conv3d(4, 8, (1, 2, 3), stride=2)) == \
        "Conv3d(4, 8, kernel_size=(1, 2, 3), stride=(2, 2, 2))"


def test_module_parameters_state_dict_and_training():
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Conv2d(4, 2, 1))
    assert list(model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    x = mg.randn(3, 1, 6, 6)
    loss = (model(x) ** 2).mean()
    loss.backward()
    assert all(p.grad is not None and p.grad.shape == p.shape for p in model.parameters())


# ---- bad input -------------------------------------------------------------------------------
def test_wrong_input_rank():
    with pytest.raises(ValueError, match=r"Conv2d\(3, 4.*expected a 4-D input \(N, C, H, W\).*"
                                         r"got input of shape \(2, 3, 5, 5, 5\)"):
        nn.Conv2d(3, 4, 3)(mg.randn(2, 3, 5, 5, 5))
    with pytest.raises(ValueError, match=r"conv1d: expected a 3-D input.*shape \(7,\)"):
        F.conv1d(mg.randn(7), mg.randn(2, 1, 3))


def test_channel_count_mismatch():
    with pytest.raises(ValueError, match=r"Conv2d\(3, 4.*weight of shape \(4, 3, 3, 3\) with "
                                         r"groups=1 expects input with 3 channels, got input of "
                                         r"shape \(1, 2, 8, 8\) with 2 channels"):
        nn.Conv2d(3, 4, 3)(mg.randn(1, 2, 8, 8))
    with pytest.raises(ValueError, match=r"conv2d: weight of shape \(4, 2, 3, 3\) with groups=2 "
                                         r"expects input with 4 channels"):
        F.conv2d(mg.randn(1, 2, 8, 8), mg.randn(4, 2, 3, 3), groups=2)


def test_channels_not_divisible_by_groups():
    with pytest.raises(ValueError, match=r"Conv2d: in_channels=3 is not divisible by groups=2"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match=r"Conv1d: out_channels=5 is not divisible by groups=2"):
        nn.Conv1d(4, 5, 3, groups=2)
    with pytest.raises(ValueError, match=r"conv2d: out_channels=5 \(weight of shape \(5, 2, 3, 3\)\) "
                                         r"is not divisible by groups=2"):
        F.conv2d(mg.randn(1, 4, 8, 8), mg.randn(5, 2, 3, 3), groups=2)


def test_kernel_larger_than_padded_input():
    with pytest.raises(ValueError, match=r"Conv2d\(1, 1.*kernel \(5, 5\) with dilation \(1, 1\) "
                                         r"spans \(5, 5\), larger than the padded input \(4, 6\)"):
        nn.Conv2d(1, 1, 5, padding=1)(mg.randn(1, 1, 2, 4))
    with pytest.raises(ValueError, match=r"conv1d: the kernel \(3,\) with dilation \(3,\) spans "
                                         r"\(7,\), larger than the padded input \(6,\)"):
        F.conv1d(mg.randn(1, 1, 6), mg.randn(1, 1, 3), dilation=3)


def test_non_positive_stride_dilation_and_negative_padding():
    with pytest.raises(ValueError, match=r"Conv2d.*stride must be positive, got stride=\(0, 1\)"):
        nn.Conv2d(1, 1, 3, stride=(0, 1))(mg.randn(1, 1, 5, 5))
    with pytest.raises(ValueError, match=r"conv1d: dilation must be positive, got dilation=\(0,\)"):
        F.conv1d(mg.randn(1, 1, 5), mg.randn(1, 1, 3), dilation=0)
    with pytest.raises(ValueError, match=r"Conv2d: padding must be non-negative, got padding=-1"):
        nn.Conv2d(1, 1, 3, padding=-1)
    with pytest.raises(ValueError, match=r"conv2d: padding='same' is not supported for strided "
                                         r"convolutions, got stride=\(2, 2\)"):
        F.conv2d(mg.randn(1, 1, 5, 5), mg.randn(1, 1, 3, 3), stride=2, padding="same")
    with pytest.raises(ValueError, match=r"conv2d: padding must be an int, a tuple, 'valid' or "
                                         r"'same', got 'full'"):
        F.conv2d(mg.randn(1, 1, 5, 5), mg.randn(1, 1, 3, 3), padding="full")
    with pytest.raises(ValueError, match=r"Conv3d: kernel_size must be an int or a tuple of 3 "
                                         r"ints, got \(3, 3\)"):
        nn.Conv3d(1, 1, (3, 3))


def test_bad_bias_weight_rank_and_dtype():
    with pytest.raises(ValueError, match=r"conv2d: bias has shape \(3,\), expected \(4,\) for "
                                         r"weight of shape \(4, 2, 3, 3\)"):
        F.conv2d(mg.randn(1, 2, 5, 5), mg.randn(4, 2, 3, 3), mg.randn(3))
    with pytest.raises(ValueError, match=r"conv2d: expected a 4-D weight .* got weight of shape "
                                         r"\(4, 2, 3\)"):
        F.conv2d(mg.randn(1, 2, 5, 5), mg.randn(4, 2, 3))
    with pytest.raises(TypeError, match=r"Conv2d.*input dtype float64 and weight dtype float32 differ"):
        nn.Conv2d(2, 4, 3)(Tensor(np.zeros((1, 2, 5, 5))))
    with pytest.raises(TypeError, match=r"conv2d: expected a minigrad Tensor, got ndarray"):
        F.conv2d(np.zeros((1, 2, 5, 5), np.float32), mg.randn(4, 2, 3, 3))
