"""Every public layer documents its shapes in a ``Shape:`` section, as PyTorch's do, and the
output-size formulas of the convolution and pooling docstrings are the sizes the layers
really give: each formula is read from the docstring, evaluated on random configurations
(hypothesis, so a failure shrinks to the smallest) and compared with the layer's output, and
with PyTorch's where it is installed."""
import inspect
import math
import re
import sys

import pytest
from hypothesis import assume, given, settings, strategies as st

import minigrad as mg
from minigrad import nn

LAYERS = sorted((c for c in vars(nn).values() if inspect.isclass(c) and issubclass(c, nn.Module)
                 and c not in (nn.Module, nn.ModuleList)),      # ModuleList has no forward
                key=lambda c: c.__name__)


@pytest.mark.parametrize("layer", LAYERS, ids=lambda c: c.__name__)
def test_every_layer_has_a_shape_section(layer):
    doc = layer.__dict__.get("__doc__") or ""        # its own, not one inherited
    assert "Shape:" in doc, f"{layer.__name__}'s docstring has no 'Shape:' section"


# ---- the formulas, as the docstrings write them ---------------------------------------------
def documented(layer):
    """The docstring with the ``L_out = ...`` formula that ``layer`` uses: its own, a base
    class's, or that of a class its docstring names (``as ``_MaxPoolNd````)."""
    todo, seen = list(layer.__mro__), set()
    while todo:
        cls = todo.pop(0)
        doc = cls.__dict__.get("__doc__") or ""
        if cls in seen or not doc:
            continue
        seen.add(cls)
        if re.search(r"^ +L_out = ", doc, re.M):
            return doc
        module = sys.modules[cls.__module__]
        todo += [getattr(module, name) for name in re.findall(r"``(_\w+Nd)``", doc)]
    raise AssertionError(f"no L_out formula documented for {layer.__name__}")


def documented_size(layer, L_in, ceil_mode=False, **args):
    """L_out along one axis by the formula in ``layer``'s docs; ``args`` are that axis's
    entries of kernel_size, stride, ... (dilation 1 and output_padding 0 unless given)."""
    doc = documented(layer)
    formula = re.search(r"^ +L_out = (.+)$", doc, re.M).group(1)
    names = {"dilation": 1, "output_padding": 0, **args, "L_in": L_in,
             "floor": math.floor, "ceil": math.ceil, "__builtins__": {}}
    if not ceil_mode:
        return eval(formula, names)
    # "With ``ceil_mode``: ceil instead of floor, then L_out - 1 if <condition> (...)"
    rule = re.search(r"With ``ceil_mode``: ceil instead of floor, then L_out - 1 if (.+?) \(",
                     " ".join(doc.split()))
    assert rule, f"{layer.__name__}: the ceil_mode rule is not documented"
    out = eval(formula.replace("floor", "ceil"), names)
    return out - 1 if eval(rule.group(1), dict(names, L_out=out)) else out


# ---- random layers: (class name, arguments, input shape, each axis's documented size) --------
def _tuples(draw, nd, lo, hi):
    return tuple(draw(st.integers(lo, hi)) for _ in range(nd))


@st.composite
def conv_layers(draw, transposed=False):
    nd = draw(st.integers(1, 3))
    groups = draw(st.integers(1, 2))
    C, O = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    kernel, stride, dilation = _tuples(draw, nd, 1, 3), _tuples(draw, nd, 1, 3), \
        _tuples(draw, nd, 1, 2)
    padding = _tuples(draw, nd, 0, 2)
    spans = [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
    size = tuple(draw(st.integers(max(1, n - 2 * p), n + 4)) for n, p in zip(spans, padding))
    if transposed:
        output_padding = tuple(draw(st.integers(0, max(s, d) - 1))
                               for s, d in zip(stride, dilation))
        name = f"ConvTranspose{nd}d"
        args = (C, O, kernel, stride, padding, output_padding, groups, True, dilation)
        axes = [dict(kernel_size=k, stride=s, padding=p, dilation=d, output_padding=e)
                for k, s, p, d, e in zip(kernel, stride, padding, dilation, output_padding)]
    else:
        same = all(s == 1 for s in stride) and draw(st.booleans())
        name = f"Conv{nd}d"
        args = (C, O, kernel, stride, "same" if same else padding, dilation, groups)
        axes = [dict(kernel_size=k, stride=s, padding=p, dilation=d)
                for k, s, p, d in zip(kernel, stride, padding, dilation)]
    expected = tuple(documented_size(getattr(nn, name), n, **a) for n, a in zip(size, axes))
    if not transposed and args[4] == "same":
        expected = size                          # documented in words: output size = input's
    assume(min(expected) >= 1)                   # (a transposed conv can pad it all away)
    N = draw(st.integers(1, 2))
    return name, args, (N, C) + size, (N, O) + expected


@st.composite
def pool_layers(draw, kind):
    nd = draw(st.integers(1, 3))
    kernel, stride = _tuples(draw, nd, 1, 3), _tuples(draw, nd, 1, 3)
    dilation = _tuples(draw, nd, 1, 2) if kind == "MaxPool" else (1,) * nd
    spans = [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
    padding = tuple(draw(st.integers(0, n // 2)) for n in spans)
    ceil_mode = draw(st.booleans()) if kind != "MaxUnpool" else False
    size = tuple(draw(st.integers(max(1, n - 2 * p), n + 4)) for n, p in zip(spans, padding))
    name = f"{kind}{nd}d"
    args = {"MaxPool": (kernel, stride, padding, dilation, False, ceil_mode),
            "AvgPool": (kernel, stride, padding, ceil_mode),
            "MaxUnpool": (kernel, stride, padding)}[kind]
    expected = tuple(documented_size(getattr(nn, name), n, ceil_mode, kernel_size=k, stride=s,
                                     padding=p, dilation=d)
                     for n, k, s, p, d in zip(size, kernel, stride, padding, dilation))
    assume(min(expected) >= 1)                   # (unpooling can pad it all away)
    N = draw(st.integers(1, 2))
    return name, args, (N, 2) + size, (N, 2) + expected


@st.composite
def adaptive_layers(draw):
    nd = draw(st.integers(1, 3))
    size = _tuples(draw, nd, 1, 6)
    output_size = tuple(draw(st.one_of(st.none(), st.integers(1, 6))) for _ in range(nd))
    if nd == 1 or draw(st.booleans()):      # an int: the same size on every axis
        output_size = draw(st.integers(1, 6))
        expected = (output_size,) * nd
    else:
        expected = tuple(n if o is None else o for n, o in zip(size, output_size))
    return f"AdaptiveAvgPool{nd}d", (output_size,), (2, 3) + size, (2, 3) + expected


FAMILIES = {"conv": conv_layers(), "conv_transpose": conv_layers(transposed=True),
            "max_pool": pool_layers("MaxPool"), "avg_pool": pool_layers("AvgPool"),
            "max_unpool": pool_layers("MaxUnpool"), "adaptive_avg_pool": adaptive_layers()}


def output_shape(nn_module, name, args, shape, backend=mg):
    layer = getattr(nn_module, name)(*args)
    x = backend.zeros(*shape)
    if name.startswith("MaxUnpool"):        # indices of the input's shape, all 0: valid
        return tuple(layer(x, backend.zeros(*shape, dtype=backend.int64)).shape)
    return tuple(layer(x).shape)


@pytest.mark.parametrize("family", FAMILIES)
@settings(max_examples=40, deadline=None, derandomize=True, database=None)
@given(data=st.data())
def test_documented_output_size_is_the_layers(family, data):
    name, args, shape, expected = data.draw(FAMILIES[family])
    assert output_shape(nn, name, args, shape) == expected, (name, args, shape)


def pytorch_refuses(name, args, shape):
    """What PyTorch refuses and minigrad computes: max pooling padded by more than half the
    kernel (minigrad allows half the dilated window), and 3-D average pooling of an input
    smaller than the kernel (PyTorch's 1-D and 2-D ones allow it)."""
    if name.startswith("MaxPool"):
        return any(p > k // 2 for k, p in zip(args[0], args[2]))
    return name == "AvgPool3d" and any(n < k for n, k in zip(shape[2:], args[0]))


@pytest.mark.parametrize("family", FAMILIES)
@settings(max_examples=25, deadline=None, derandomize=True, database=None)
@given(data=st.data())
def test_documented_output_size_is_pytorchs(family, data):
    torch = pytest.importorskip("torch")
    name, args, shape, expected = data.draw(FAMILIES[family])
    assume(not pytorch_refuses(name, args, shape))
    assert output_shape(torch.nn, name, args, shape, torch) == expected, \
        (name, args, shape)


def test_documented_sizes_of_known_cases():
    """Sizes PyTorch gives, among them the edge of the ceil_mode rule (the last window would
    start exactly at the right padding), which random configurations rarely hit."""
    assert documented_size(nn.Conv2d, 7, kernel_size=3, stride=2, padding=1) == 4
    assert documented_size(nn.MaxPool2d, 5, True, kernel_size=2, stride=2, padding=0) == 3
    assert documented_size(nn.MaxPool1d, 5, True, kernel_size=2, stride=2, padding=1) == 3
    assert documented_size(nn.AvgPool1d, 5, True, kernel_size=2, stride=2, padding=1) == 3
    assert documented_size(nn.ConvTranspose2d, 4, kernel_size=3, stride=2, padding=1,
                           output_padding=1) == 8
    assert all(documented(c) for c in (nn.AvgPool3d, nn.MaxUnpool1d))   # (numpy 1.x: no np.all of strings)
