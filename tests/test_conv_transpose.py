"""Transposed convolution (F.conv_transpose1d/2d/3d, nn.ConvTranspose1d/2d/3d): forward
against the definition written out with loops (scatter every input element times the
kernel into the output), float64 gradcheck and gradgradcheck, the adjoint identity with
the convolution, the modules (parameter shapes, default init, output_size, repr), summary
MACs and the error messages. A parity test against PyTorch runs when torch is importable;
everything else stands on its own."""
import math

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import Tensor, nn

CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
CONV_T = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}
CONV_T_MODULE = {1: nn.ConvTranspose1d, 2: nn.ConvTranspose2d, 3: nn.ConvTranspose3d}


# ---- the reference: scatter each input element times the kernel into the output ------------
def out_size(size, kernel, stride, padding, output_padding, dilation):
    return tuple((n - 1) * s - 2 * p + d * (k - 1) + e + 1 for n, k, s, p, e, d
                 in zip(size, kernel, stride, padding, output_padding, dilation))


def conv_transpose_reference(x, w, b, stride, padding, output_padding, dilation, groups):
    """For every input element x[n, c, i], every output map o of c's group and every kernel
    offset k: out[n, o, i*stride + k*dilation - padding] += x[n, c, i] * w[c, o', k]
    (o' = o's index within its group), dropping positions outside the output; then + b."""
    nd = x.ndim - 2
    N, C = x.shape[:2]
    o_per_group, kernel = w.shape[1], w.shape[2:]
    c_per_group = C // groups
    size = out_size(x.shape[2:], kernel, stride, padding, output_padding, dilation)
    out = np.zeros((N, o_per_group * groups) + size)
    for n in range(N):
        for c in range(C):
            group = c // c_per_group
            for i in np.ndindex(*x.shape[2:]):
                for o in range(o_per_group):
                    for k in np.ndindex(*kernel):
                        at = tuple(i[a] * stride[a] + k[a] * dilation[a] - padding[a]
                                   for a in range(nd))
                        if all(0 <= at[a] < size[a] for a in range(nd)):
                            out[(n, group * o_per_group + o) + at] += \
                                x[(n, c) + i] * w[(c, o) + k]
    if b is not None:
        out += b.reshape((-1,) + (1,) * nd)
    return out


def random_config(seed, small=False):
    """A random transposed convolution (dims, groups, channels, kernel, stride, padding,
    output_padding, dilation, bias) and an input for it; sizes kept small for the loops."""
    rng = np.random.default_rng(seed)
    while True:
        nd = int(rng.integers(1, 4))
        groups = int(rng.choice([1, 1, 2, 3]))
        C = groups * int(rng.integers(1, 3))
        O = groups * int(rng.integers(1, 3))
        kernel = tuple(int(k) for k in rng.integers(1, (4 if nd < 3 else 3), nd))
        stride = tuple(int(s) for s in rng.integers(1, 4, nd))
        dilation = tuple(int(d) for d in rng.integers(1, 4, nd))
        padding = tuple(int(p) for p in rng.integers(0, 3, nd))
        output_padding = tuple(int(rng.integers(0, max(s, d))) for s, d in zip(stride, dilation))
        size = tuple(int(n) for n in rng.integers(1, (3 if small or nd == 3 else 5), nd))
        if min(out_size(size, kernel, stride, padding, output_padding, dilation)) >= 1:
            break
    N = 2 if small else int(rng.integers(1, 3))
    x = rng.standard_normal((N, C) + size)
    w = rng.standard_normal((C, O // groups) + kernel)
    b = rng.standard_normal(O) if rng.random() < 0.7 else None
    # ints where every axis agrees (the functions take both)
    as_arg = lambda t: t[0] if len(set(t)) == 1 and rng.random() < 0.5 else t  # noqa: E731
    return dict(nd=nd, x=x, w=w, b=b, stride=stride, padding=padding,
                output_padding=output_padding, dilation=dilation, groups=groups,
                args=dict(stride=as_arg(stride), padding=as_arg(padding),
                          output_padding=as_arg(output_padding), groups=groups,
                          dilation=as_arg(dilation)))


def run(cfg, x, w, b):
    return CONV_T[cfg["nd"]](x, w, b, **cfg["args"])


def reference(cfg, x=None, w=None, b=None):
    return conv_transpose_reference(cfg["x"] if x is None else x, cfg["w"] if w is None else w,
                                    cfg["b"] if b is None else b, cfg["stride"], cfg["padding"],
                                    cfg["output_padding"], cfg["dilation"], cfg["groups"])


def leaves(cfg):
    x, w = Tensor(cfg["x"], requires_grad=True), Tensor(cfg["w"], requires_grad=True)
    b = None if cfg["b"] is None else Tensor(cfg["b"], requires_grad=True)
    return x, w, b


# ---- forward ---------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(60))
def test_forward_matches_reference(seed):
    cfg = random_config(seed)
    b = None if cfg["b"] is None else Tensor(cfg["b"])
    out = run(cfg, Tensor(cfg["x"]), Tensor(cfg["w"]), b)
    ref = reference(cfg)
    assert out.shape == ref.shape and out.dtype == np.float64
    np.testing.assert_allclose(out.numpy(), ref, rtol=1e-10, atol=1e-10)


# Hand-picked: each feature alone and together, per dimension; the last ones have
# output_padding >= stride (allowed because it is < dilation), also past the padding.
CASES = [
    # nd, C, O, groups, size, kernel, stride, padding, output_padding, dilation, bias
    (1, 2, 3, 1, (5,), (3,), (1,), (0,), (0,), (1,), True),
    (1, 2, 3, 1, (5,), (3,), (2,), (1,), (1,), (1,), True),
    (1, 4, 6, 2, (4,), (2,), (3,), (2,), (2,), (2,), False),
    (2, 2, 2, 1, (3, 4), (3, 2), (2, 1), (1, 0), (1, 0), (1, 1), True),
    (2, 3, 6, 3, (3, 3), (2, 3), (2, 2), (0, 1), (0, 1), (2, 1), True),
    (2, 2, 4, 2, (2, 3), (3, 3), (1, 2), (2, 1), (1, 1), (2, 2), False),
    (3, 2, 2, 1, (2, 3, 2), (2, 2, 2), (2, 1, 2), (1, 0, 0), (1, 0, 1), (1, 1, 1), True),
    (3, 2, 4, 2, (2, 2, 2), (2, 1, 2), (1, 2, 1), (0, 1, 1), (0, 1, 0), (2, 1, 3), True),
    (1, 1, 2, 1, (3,), (3,), (1,), (0,), (2,), (3,), True),        # output_padding 2 > padding
    (2, 2, 2, 1, (2, 2), (2, 2), (1, 2), (1, 0), (2, 1), (3, 1), True),
    (1, 2, 3, 1, (1,), (1,), (1,), (1,), (2,), (3,), True),        # bias-only output
]


def case_config(case, seed=0):
    nd, C, O, groups, size, kernel, stride, padding, output_padding, dilation, bias = case
    rng = np.random.default_rng(seed)
    return dict(nd=nd, x=rng.standard_normal((2, C) + size),
                w=rng.standard_normal((C, O // groups) + kernel),
                b=rng.standard_normal(O) if bias else None, stride=stride, padding=padding,
                output_padding=output_padding, dilation=dilation, groups=groups,
                args=dict(stride=stride, padding=padding, output_padding=output_padding,
                          groups=groups, dilation=dilation))


@pytest.mark.parametrize("case", CASES)
def test_hand_picked_cases_match_reference_and_gradcheck(case):
    cfg = case_config(case)
    x, w, b = leaves(cfg)
    np.testing.assert_allclose(run(cfg, x, w, b).numpy(), reference(cfg), rtol=1e-10, atol=1e-10)
    assert mg.gradcheck(lambda x, w, b: run(cfg, x, w, b), (x, w, b))


def test_output_size_formula_and_upsampling_by_two():
    x = Tensor(np.ones((1, 3, 7, 5)))
    w = Tensor(np.ones((3, 4, 3, 3)))
    assert F.conv_transpose2d(x, w).shape == (1, 4, 9, 7)
    assert F.conv_transpose2d(x, w, stride=2, padding=1).shape == (1, 4, 13, 9)
    assert F.conv_transpose2d(x, w, stride=2, padding=1, output_padding=1).shape == (1, 4, 14, 10)
    assert F.conv_transpose2d(x, w, stride=(3, 1), padding=(0, 2), dilation=(1, 2),
                              output_padding=(2, 1)).shape == (1, 4, 23, 6)


def test_float32_in_float32_out_and_grads():
    rng = np.random.default_rng(1)
    x = Tensor(rng.standard_normal((2, 4, 3, 5)).astype(np.float32), requires_grad=True)
    layer = nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1)
    out = layer(x)
    assert out.dtype == np.float32 and out.shape == (2, 6, 6, 10)
    out.sum().backward()
    for t in (x, layer.weight, layer.bias):
        assert t.grad.dtype == np.float32 and t.grad.shape == t.shape
    ref = conv_transpose_reference(x.numpy().astype(np.float64), layer.weight.numpy().astype(np.float64),
                                   layer.bias.numpy().astype(np.float64), (2, 2), (1, 1), (1, 1),
                                   (1, 1), 1)
    np.testing.assert_allclose(out.numpy(), ref, rtol=1e-4, atol=1e-5)


def test_unbatched_input_as_pytorch():
    rng = np.random.default_rng(2)
    x, w, b = rng.standard_normal((3, 4)), rng.standard_normal((3, 2, 3)), rng.standard_normal(2)
    out = F.conv_transpose1d(Tensor(x), Tensor(w), Tensor(b), stride=2)
    assert out.shape == (2, 9)
    np.testing.assert_allclose(out.numpy(), conv_transpose_reference(x[None], w, b, (2,), (0,), (0,),
                                                                  (1,), 1)[0], rtol=1e-12)
    layer = nn.ConvTranspose2d(3, 5, 2)
    xs = mg.randn(3, 4, 4)
    np.testing.assert_allclose(layer(xs).numpy(), layer(xs.reshape(1, 3, 4, 4)).numpy()[0], rtol=1e-6)


def test_no_graph_under_no_grad():
    layer = nn.ConvTranspose2d(2, 3, 3)
    with mg.no_grad():
        out = layer(mg.randn(1, 2, 5, 5, requires_grad=True))
    assert out.grad_fn is None and not out.requires_grad


# ---- gradients -------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(100, 118))
def test_gradcheck_input_weight_bias(seed):
    cfg = random_config(seed, small=True)
    x, w, b = leaves(cfg)
    np.testing.assert_allclose(run(cfg, x, w, b).numpy(), reference(cfg), rtol=1e-10, atol=1e-10)
    assert mg.gradcheck(lambda x, w, b: run(cfg, x, w, b), (x, w, b))


@pytest.mark.parametrize("seed", range(300, 306))
def test_gradgradcheck_input_weight_bias(seed):
    cfg = random_config(seed, small=True)
    x, w, b = leaves(cfg)
    assert mg.gradgradcheck(lambda x, w, b: run(cfg, x, w, b), (x, w, b))


@pytest.mark.parametrize("case", [CASES[1], CASES[4], CASES[6], CASES[9]])
def test_gradgradcheck_hand_picked(case):
    cfg = case_config(case, seed=1)
    x, w, b = leaves(cfg)
    assert mg.gradgradcheck(lambda x, w, b: run(cfg, x, w, b), (x, w, b))


def test_gradient_of_only_the_input_or_only_the_weight():
    cfg = case_config(CASES[4])
    for wrt in ("x", "w"):
        x = Tensor(cfg["x"], requires_grad=wrt == "x")
        w = Tensor(cfg["w"], requires_grad=wrt == "w")
        run(cfg, x, w, None).sum().backward()
        assert (x.grad is None) == (wrt == "w") and (w.grad is None) == (wrt == "x")
        assert mg.gradcheck(lambda x, w: run(cfg, x, w, None), (x, w))


# ---- the adjoint identity: conv_transpose is the transpose of conv -----------------------------
@pytest.mark.parametrize("seed", range(20))
def test_adjoint_of_convolution(seed):
    """<conv_transpose(g, w), h> = <g, conv(h, w)> for h of the transposed output's shape.
    (When output_padding >= stride the convolution of h is longer than g: those extra
    positions see only the zero tail of the output, and g is compared with its start.)"""
    cfg = random_config(seed)
    cfg["b"] = None
    g, w = cfg["x"], cfg["w"]
    rng = np.random.default_rng(seed + 1000)
    ct = run(cfg, Tensor(g), Tensor(w), None)
    h = rng.standard_normal(ct.shape)
    conv = CONV[cfg["nd"]](Tensor(h), Tensor(w), None, stride=cfg["stride"],
                           padding=cfg["padding"], dilation=cfg["dilation"], groups=cfg["groups"])
    start = (slice(None), slice(None)) + tuple(slice(0, n) for n in g.shape[2:])
    assert conv.shape[:2] == g.shape[:2]
    assert all(c >= n for c, n in zip(conv.shape[2:], g.shape[2:]))
    lhs, rhs = float(np.sum(ct.numpy() * h)), float(np.sum(g * conv.numpy()[start]))
    assert lhs == pytest.approx(rhs, rel=1e-10, abs=1e-10)


def test_is_the_input_gradient_of_conv():
    rng = np.random.default_rng(7)
    x = Tensor(rng.standard_normal((2, 4, 9, 8)), requires_grad=True)
    w = rng.standard_normal((6, 2, 3, 2))
    y = F.conv2d(x, Tensor(w), stride=2, padding=1, dilation=(1, 2), groups=2)
    g = rng.standard_normal(y.shape)
    y.backward(Tensor(g))
    out = F.conv_transpose2d(Tensor(g), Tensor(w), stride=2, padding=1, dilation=(1, 2),
                             groups=2, output_padding=(0, 1))
    np.testing.assert_allclose(out.numpy(), x.grad.numpy(), rtol=1e-12, atol=1e-12)


# ---- modules ---------------------------------------------------------------------------------
@pytest.mark.parametrize("nd", [1, 2, 3])
def test_module_parameter_shapes(nd):
    layer = CONV_T_MODULE[nd](6, 4, 3, groups=2)
    assert layer.weight.shape == (6, 2) + (3,) * nd                 # (in, out/groups, *k)
    assert layer.bias.shape == (4,)
    assert layer.weight.dtype == np.float32
    assert layer.kernel_size == (3,) * nd and layer.stride == (1,) * nd
    assert layer.output_padding == (0,) * nd and layer.transposed
    assert [n for n, _ in layer.named_parameters()] == ["weight", "bias"]
    assert CONV_T_MODULE[nd](6, 4, 3, bias=False).bias is None
    assert not nn.Conv2d(2, 3, 1).transposed and nn.Conv2d(2, 3, 1).output_padding == (0, 0)
    assert CONV_T_MODULE[nd](2, 3, 2, dtype=np.float64).weight.dtype == np.float64


def test_default_init_bound_uses_the_transposed_fan_in():
    """PyTorch's fan_in for a ConvTranspose weight (in, out/groups, *k) is
    weight.shape[1]·prod(k) = out_channels/groups·prod(k), not in_channels·prod(k)."""
    mg.manual_seed(0)
    layer = nn.ConvTranspose2d(32, 16, 3, groups=2)
    bound = 1 / math.sqrt(8 * 9)
    assert nn.init._calculate_fan_in_and_fan_out(layer.weight) == (8 * 9, 32 * 9)
    for p in (layer.weight, layer.bias):
        assert np.abs(p.numpy()).max() <= bound
    assert np.abs(layer.weight.numpy()).max() > 0.95 * bound            # not the smaller 1/sqrt(16*9)
    assert abs(layer.weight.numpy().std() - bound / math.sqrt(3)) < 0.05 * bound
    mg.manual_seed(0)
    w1 = nn.ConvTranspose2d(32, 16, 3).weight.numpy()
    mg.manual_seed(0)
    assert np.array_equal(nn.ConvTranspose2d(32, 16, 3).weight.numpy(), w1)


def test_module_forward_is_the_functional():
    layer = nn.ConvTranspose3d(2, 4, (2, 1, 3), stride=(1, 2, 2), padding=(0, 1, 1),
                               output_padding=(0, 1, 0), groups=2, dilation=(2, 1, 1))
    x = mg.randn(2, 2, 3, 3, 2)
    ref = conv_transpose_reference(x.numpy().astype(np.float64), layer.weight.numpy().astype(np.float64),
                                   layer.bias.numpy().astype(np.float64), (1, 2, 2), (0, 1, 1),
                                   (0, 1, 0), (2, 1, 1), 2)
    out = layer(x)
    assert out.shape == ref.shape == (2, 4, 5, 4, 3)
    np.testing.assert_allclose(out.numpy(), ref, rtol=1e-5, atol=1e-6)


def test_output_size_picks_output_padding():
    layer = nn.ConvTranspose2d(3, 2, 3, stride=(2, 3), padding=1)
    x = mg.randn(1, 3, 4, 5)
    # without output_padding: (4-1)*2 - 2 + 2 + 1 = 7, (5-1)*3 - 2 + 2 + 1 = 13
    assert layer(x).shape == (1, 2, 7, 13)
    for size in [(7, 13), (8, 13), (7, 15), (8, 14), [1, 2, 8, 15]]:
        out = layer(x, output_size=size)
        assert out.shape == (1, 2) + tuple(size[-2:])
        ref = conv_transpose_reference(x.numpy().astype(np.float64),
                                       layer.weight.numpy().astype(np.float64),
                                       layer.bias.numpy().astype(np.float64), (2, 3), (1, 1),
                                       (size[-2] - 7, size[-1] - 13), (1, 1), 1)
        np.testing.assert_allclose(out.numpy(), ref, rtol=1e-5, atol=1e-6)
    assert layer(x[0], output_size=(2, 8, 14)).shape == (2, 8, 14)        # unbatched: C first
    assert layer.output_padding == (0, 0)                                  # not changed
    with pytest.raises(ValueError, match=r"ConvTranspose2d\(3, 2.*requested an output size of "
                                         r"\(9, 13\), but valid sizes range from \(7, 13\) to "
                                         r"\(8, 15\) \(for an input of shape \(1, 3, 4, 5\)\)"):
        layer(x, output_size=(9, 13))
    with pytest.raises(ValueError, match=r"requested an output size of \(6, 13\)"):
        layer(x, output_size=(6, 13))
    with pytest.raises(ValueError, match=r"ConvTranspose2d.*for a 4-D input, output_size must "
                                         r"be 2 or 4 ints, got \(2, 8, 14\)"):
        layer(x, output_size=(2, 8, 14))
    assert mg.gradcheck(lambda x, w: F.conv_transpose2d(x, w, stride=(2, 3), padding=1,
                                                        output_padding=(1, 2)),
                        (Tensor(x.numpy()[:, :, :2, :2].astype(np.float64), requires_grad=True),
                         Tensor(layer.weight.numpy().astype(np.float64), requires_grad=True)))


def test_repr_like_pytorch():
    assert repr(nn.ConvTranspose2d(16, 8, 3)) == \
        "ConvTranspose2d(16, 8, kernel_size=(3, 3), stride=(1, 1))"
    assert repr(nn.ConvTranspose2d(16, 8, 4, stride=2, padding=1, output_padding=1, groups=2,
                                   bias=False, dilation=2)) == \
        ("ConvTranspose2d(16, 8, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1), "
         "dilation=(2, 2), output_padding=(1, 1), groups=2, bias=False)")
    assert repr(nn.ConvTranspose1d(2, 3, 5, padding=(2,))) == \
        "ConvTranspose1d(2, 3, kernel_size=(5,), stride=(1,), padding=(2,))"
    assert repr(nn.ConvTranspose3d(2, 3, (1, 2, 3), stride=(1, 1, 2), output_padding=(0, 0, 1))) \
        == ("ConvTranspose3d(2, 3, kernel_size=(1, 2, 3), stride=(1, 1, 2), "
            "output_padding=(0, 0, 1))")
    assert repr(nn.Conv2d(16, 32, 3, padding=1)) == \
        "Conv2d(16, 32, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))"


def test_decoder_trains_state_dict_and_summary():
    model = nn.Sequential(nn.Conv2d(1, 4, 3, stride=2, padding=1), nn.ReLU(),
                          nn.ConvTranspose2d(4, 1, 3, stride=2, padding=1, output_padding=1))
    assert list(model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert model.state_dict()["2.weight"].shape == (4, 1, 3, 3)
    x = mg.randn(3, 1, 8, 8)
    loss = ((model(x) - x) ** 2).mean()
    loss.backward()
    assert all(p.grad is not None and p.grad.shape == p.shape for p in model.parameters())
    s = mg.summary(model, (2, 1, 8, 8))
    assert [r.output_shape for r in s.rows] == [(2, 4, 4, 4), (2, 4, 4, 4), (2, 1, 8, 8)]
    # conv: 2*4*16*1*9; transposed: N * in * prod(in_spatial) * out/groups * prod(k)
    assert [r.macs for r in s.rows] == [2 * 4 * 16 * 9, 0, 2 * 4 * 16 * 1 * 9]
    assert s.rows[2].params == 4 * 9 + 1


def test_summary_macs_of_grouped_transposed_conv():
    s = mg.summary(nn.ConvTranspose1d(6, 4, 3, stride=2, groups=2), (2, 6, 5))
    (row,) = s.rows
    assert row.output_shape == (2, 4, 11)
    assert row.macs == 2 * 6 * 5 * (4 // 2) * 3
    # layer_macs directly: a transposed conv needs the input shape too
    from minigrad.summary import layer_macs
    assert layer_macs(nn.ConvTranspose1d(6, 4, 3, stride=2, groups=2), (2, 4, 11), (2, 6, 5)) \
        == row.macs
    with pytest.raises(ValueError, match=r"layer_macs: the MACs of a transposed convolution"):
        layer_macs(nn.ConvTranspose1d(6, 4, 3), (2, 4, 11))


# ---- bad input -------------------------------------------------------------------------------
def test_wrong_input_and_weight_rank():
    with pytest.raises(ValueError, match=r"ConvTranspose2d\(3, 4.*expected a 4-D input "
                                         r"\(N, C, H, W\).*got input of shape \(2, 3, 5, 5, 5\)"):
        nn.ConvTranspose2d(3, 4, 3)(mg.randn(2, 3, 5, 5, 5))
    with pytest.raises(ValueError, match=r"conv_transpose1d: expected a 3-D input.*shape \(7,\)"):
        F.conv_transpose1d(mg.randn(7), mg.randn(1, 2, 3))
    with pytest.raises(ValueError, match=r"conv_transpose2d: expected a 4-D weight \(in_channels, "
                                         r"out_channels/groups, \*kernel_size\), got weight of "
                                         r"shape \(2, 4, 3\)"):
        F.conv_transpose2d(mg.randn(1, 2, 5, 5), mg.randn(2, 4, 3))


def test_channel_count_mismatch():
    with pytest.raises(ValueError, match=r"conv_transpose2d: weight of shape \(2, 3, 3, 3\) "
                                         r"expects input with 2 channels \(weight.shape\[0\]\), "
                                         r"got input of shape \(1, 3, 4, 4\) with 3 channels"):
        F.conv_transpose2d(mg.randn(1, 3, 4, 4), mg.randn(2, 3, 3, 3))
    with pytest.raises(ValueError, match=r"ConvTranspose1d\(4, 2.*weight of shape \(4, 2, 3\) "
                                         r"expects input with 4 channels"):
        nn.ConvTranspose1d(4, 2, 3)(mg.randn(1, 2, 6))


def test_groups_not_dividing():
    with pytest.raises(ValueError, match=r"conv_transpose1d: in_channels=4 \(weight of shape "
                                         r"\(4, 3, 2\)\) is not divisible by groups=3"):
        F.conv_transpose1d(mg.randn(1, 4, 3), mg.randn(4, 3, 2), groups=3)
    with pytest.raises(ValueError, match=r"conv_transpose1d: groups must be a positive int, got 0"):
        F.conv_transpose1d(mg.randn(1, 4, 3), mg.randn(4, 3, 2), groups=0)
    with pytest.raises(ValueError, match=r"ConvTranspose2d: in_channels=3 is not divisible by "
                                         r"groups=2"):
        nn.ConvTranspose2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match=r"ConvTranspose2d: out_channels=5 is not divisible by "
                                         r"groups=2"):
        nn.ConvTranspose2d(4, 5, 3, groups=2)


def test_bad_bias_and_dtype():
    with pytest.raises(ValueError, match=r"conv_transpose2d: bias has shape \(4,\), expected "
                                         r"\(6,\) for weight of shape \(2, 3, 3, 3\) with "
                                         r"groups=2"):
        F.conv_transpose2d(mg.randn(1, 2, 5, 5), mg.randn(2, 3, 3, 3), mg.randn(4), groups=2)
    with pytest.raises(TypeError, match=r"ConvTranspose2d.*input dtype float64 and weight dtype "
                                        r"float32 differ"):
        nn.ConvTranspose2d(2, 4, 3)(Tensor(np.zeros((1, 2, 5, 5))))
    with pytest.raises(TypeError, match=r"conv_transpose1d: input dtype float32 and bias dtype "
                                        r"float64 differ"):
        F.conv_transpose1d(mg.randn(1, 2, 5), mg.randn(2, 3, 3), Tensor(np.zeros(3)))
    with pytest.raises(TypeError, match=r"conv_transpose2d: expected a minigrad Tensor, got "
                                        r"ndarray"):
        F.conv_transpose2d(np.zeros((1, 2, 5, 5), np.float32), mg.randn(2, 4, 3, 3))


def test_bad_padding():
    with pytest.raises(ValueError, match=r"conv_transpose2d: padding must be non-negative, got "
                                         r"padding=\(1, -1\)"):
        F.conv_transpose2d(mg.randn(1, 2, 5, 5), mg.randn(2, 4, 3, 3), padding=(1, -1))
    with pytest.raises(ValueError, match=r"ConvTranspose1d: padding must be non-negative"):
        nn.ConvTranspose1d(2, 4, 3, padding=-1)
    with pytest.raises(ValueError, match=r"conv_transpose2d: padding must be an int or a tuple "
                                         r"of 2 ints, got 'same' \(string padding is not "
                                         r"supported for transposed convolutions"):
        F.conv_transpose2d(mg.randn(1, 2, 5, 5), mg.randn(2, 4, 3, 3), padding="same")
    with pytest.raises(ValueError, match=r"ConvTranspose2d: padding must be an int or a tuple "
                                         r"of 2 ints, got 'valid'"):
        nn.ConvTranspose2d(2, 4, 3, padding="valid")
    with pytest.raises(ValueError, match=r"conv_transpose3d: padding must be an int or a tuple "
                                         r"of 3 ints, got \(1, 1\)"):
        F.conv_transpose3d(mg.randn(1, 2, 3, 3, 3), mg.randn(2, 4, 1, 1, 1), padding=(1, 1))
    with pytest.raises(ValueError, match=r'ConvTranspose2d: only "zeros" padding mode is '
                                         r"supported, got padding_mode='reflect'"):
        nn.ConvTranspose2d(2, 4, 3, padding_mode="reflect")


def test_bad_stride_and_dilation():
    with pytest.raises(ValueError, match=r"conv_transpose1d: stride must be positive, got "
                                         r"stride=\(0,\)"):
        F.conv_transpose1d(mg.randn(1, 2, 5), mg.randn(2, 4, 3), stride=0)
    with pytest.raises(ValueError, match=r"ConvTranspose2d: dilation must be positive, got "
                                         r"dilation=\(1, 0\)"):
        nn.ConvTranspose2d(2, 4, 3, dilation=(1, 0))


def test_output_padding_too_large_or_negative():
    with pytest.raises(ValueError, match=r"conv_transpose2d: output_padding must be smaller than "
                                         r"either stride or dilation along each axis, got "
                                         r"output_padding=\(1, 1\), stride=\(2, 1\), "
                                         r"dilation=\(1, 1\)"):
        F.conv_transpose2d(mg.randn(1, 2, 5, 5), mg.randn(2, 4, 3, 3), stride=(2, 1),
                           output_padding=1)
    with pytest.raises(ValueError, match=r"conv_transpose1d: output_padding must be smaller"):
        F.conv_transpose1d(mg.randn(1, 2, 5), mg.randn(2, 4, 3), stride=2, dilation=3,
                           output_padding=3)
    with pytest.raises(ValueError, match=r"conv_transpose1d: output_padding must be non-negative, "
                                         r"got output_padding=-1"):
        F.conv_transpose1d(mg.randn(1, 2, 5), mg.randn(2, 4, 3), stride=2, output_padding=-1)
    with pytest.raises(ValueError, match=r"ConvTranspose2d: output_padding must be non-negative "
                                         r"and smaller than either stride or dilation along each "
                                         r"axis, got output_padding=\(0, 2\), stride=\(2, 2\), "
                                         r"dilation=\(1, 1\)"):
        nn.ConvTranspose2d(2, 4, 3, stride=2, output_padding=(0, 2))
    with pytest.raises(ValueError, match=r"ConvTranspose1d: output_padding must be an int or a "
                                         r"tuple of 1 ints, got \(1, 1\)"):
        nn.ConvTranspose1d(2, 4, 3, stride=2, output_padding=(1, 1))


def test_non_positive_output_size():
    with pytest.raises(ValueError, match=r"conv_transpose1d: input of shape \(1, 2, 2\) with "
                                         r"kernel \(2,\), stride=\(1,\), padding=\(3,\), "
                                         r"output_padding=\(0,\), dilation=\(1,\) gives an "
                                         r"output of spatial size \(-3,\): it must be positive"):
        F.conv_transpose1d(mg.randn(1, 2, 2), mg.randn(2, 3, 2), padding=3)
    with pytest.raises(ValueError, match=r"ConvTranspose2d\(2, 3.*gives an output of spatial "
                                         r"size \(1, 0\)"):
        nn.ConvTranspose2d(2, 3, 1, padding=(0, 1))(mg.randn(1, 2, 1, 2))


# ---- parity with PyTorch (skipped without torch) -----------------------------------------------
@pytest.mark.parametrize("seed", range(500, 530))
def test_matches_pytorch_values_and_gradients(seed):
    torch = pytest.importorskip("torch")
    cfg = random_config(seed)
    x, w, b = leaves(cfg)
    out = run(cfg, x, w, b)
    v = np.random.default_rng(seed).standard_normal(out.shape)
    out.backward(Tensor(v))
    tx = torch.tensor(cfg["x"], requires_grad=True)
    tw = torch.tensor(cfg["w"], requires_grad=True)
    tb = None if cfg["b"] is None else torch.tensor(cfg["b"], requires_grad=True)
    fn = {1: torch.nn.functional.conv_transpose1d, 2: torch.nn.functional.conv_transpose2d,
          3: torch.nn.functional.conv_transpose3d}[cfg["nd"]]
    tout = fn(tx, tw, tb, **cfg["args"])
    tout.backward(torch.tensor(v))
    assert out.shape == tuple(tout.shape)
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-5, atol=1e-5)
    pairs = [(x, tx), (w, tw)] + ([] if b is None else [(b, tb)])
    for ours, theirs in pairs:
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("nd", [1, 2, 3])
def test_module_matches_pytorch_with_same_weights(nd):
    torch = pytest.importorskip("torch")
    kwargs = dict(stride=2, padding=1, output_padding=1, groups=2, dilation=1)
    ours = CONV_T_MODULE[nd](4, 6, 3, **kwargs)
    theirs = {1: torch.nn.ConvTranspose1d, 2: torch.nn.ConvTranspose2d,
              3: torch.nn.ConvTranspose3d}[nd](4, 6, 3, **kwargs)
    assert {k: tuple(v.shape) for k, v in theirs.state_dict().items()} == \
        {k: v.shape for k, v in ours.state_dict().items()}
    assert repr(ours) == repr(theirs)
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})
    x = np.random.default_rng(nd).standard_normal((2, 4) + (3,) * nd).astype(np.float32)
    out_size = (2 * 3,) * nd
    for size in (None, out_size, tuple(n - 1 for n in out_size)):
        a = ours(Tensor(x), output_size=size)
        t = theirs(torch.from_numpy(x), output_size=size)
        np.testing.assert_allclose(a.numpy(), t.detach().numpy(), rtol=1e-5, atol=1e-5)
    # PyTorch's default init draws from the same bound (its fan_in): compare the bound
    fan_in, _ = torch.nn.init._calculate_fan_in_and_fan_out(theirs.weight)
    assert nn.init._calculate_fan_in_and_fan_out(ours.weight)[0] == fan_in
