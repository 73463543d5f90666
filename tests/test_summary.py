"""mg.summary: output shapes, parameter counts and MACs of hand-computed models.

Every expected number below is worked out by hand from the formulas in the docstring of
minigrad/summary.py:  conv  N*out*prod(out_spatial)*(in/groups)*prod(k),  linear N*in*out.
"""
import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.summary import summary, Summary


def two_layer(k1=8, k2=16, bias=True, groups=1):
    """The design note's question: 28x28 greyscale -> conv3x3 (k1) -> ReLU -> conv5x5 (k2)."""
    return nn.Sequential(nn.Conv2d(1, k1, 3, bias=bias), nn.ReLU(),
                         nn.Conv2d(k1, k2, 5, bias=bias, groups=groups))


@pytest.mark.parametrize("bias, groups, params, macs2", [
    # conv1: 8*1*9 (+8) params, 8*26*26*1*9 = 48,672 MACs
    # conv2: 16*(8/g)*25 (+16) params, 16*22*22*(8/g)*25 MACs
    (True, 1, 80 + 3216, 1_548_800),
    (False, 1, 72 + 3200, 1_548_800),
    (True, 2, 80 + 1616, 774_400),
    (False, 8, 72 + 400, 193_600),
])
def test_two_layer_example(bias, groups, params, macs2):
    s = summary(two_layer(bias=bias, groups=groups), (1, 1, 28, 28))
    assert isinstance(s, Summary)
    assert [(r.name, r.type, r.output_shape) for r in s.rows] == [
        ("0", "Conv2d", (1, 8, 26, 26)), ("1", "ReLU", (1, 8, 26, 26)),
        ("2", "Conv2d", (1, 16, 22, 22))]            # k2 = 16 maps out, not k1*k2 = 128
    assert [r.macs for r in s.rows] == [48_672, 0, macs2]
    assert s.total_params == params == sum(r.params for r in s.rows)
    assert s.trainable_params == params and s.non_trainable_params == 0
    assert s.total_macs == 48_672 + macs2


def test_batch_stride_padding_scale_macs():
    model = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(8 * 7 * 7, 10))
    s = summary(model, (4, 3, 28, 28))
    assert [r.output_shape for r in s.rows] == [(4, 8, 14, 14), (4, 8, 7, 7), (4, 392), (4, 10)]
    # conv: 4*8*14*14*3*9, pooling 0, flatten 0, linear 4*392*10
    assert [r.macs for r in s.rows] == [169_344, 0, 0, 15_680]
    assert s.total_params == (8 * 3 * 9 + 8) + (392 * 10 + 10)


def test_linear():
    s = summary(nn.Linear(3, 2), (5, 3))
    assert len(s.rows) == 1
    row = s.rows[0]
    assert (row.type, row.output_shape, row.params, row.macs) == ("Linear", (5, 2), 8, 30)
    s = summary(nn.Linear(3, 2, bias=False), (2, 7, 3))       # extra leading dims count as N
    assert (s.total_params, s.total_macs) == (6, 2 * 7 * 3 * 2)


def test_conv3d():
    s = summary(nn.Conv3d(2, 4, (3, 4, 5)), (2, 2, 10, 12, 14))
    (row,) = s.rows
    assert row.output_shape == (2, 4, 8, 9, 10)
    assert row.params == 4 * 2 * 60 + 4
    assert row.macs == 2 * 4 * (8 * 9 * 10) * 2 * 60


def test_conv1d_and_depthwise_separable():
    # MobileNet's block: depthwise 3x3 (groups = channels) then pointwise 1x1
    model = nn.Sequential(nn.Conv2d(16, 16, 3, padding=1, groups=16, bias=False),
                          nn.Conv2d(16, 32, 1, bias=False))
    s = summary(model, (1, 16, 10, 10))
    assert [r.macs for r in s.rows] == [16 * 100 * 1 * 9, 32 * 100 * 16]
    s = summary(nn.Conv1d(4, 6, 3), (2, 4, 20))
    assert (s.rows[0].output_shape, s.total_macs) == ((2, 6, 18), 2 * 6 * 18 * 4 * 3)


def test_str_is_a_table():
    text = str(summary(two_layer(), (1, 1, 28, 28)))
    lines = text.splitlines()
    assert lines[0] == "Model: Sequential, input (1, 1, 28, 28) float32"
    assert any(line.startswith("0 (Conv2d)") and "(1, 8, 26, 26)" in line
               and line.rstrip().endswith("48,672") for line in lines)
    assert "Total params: 3,296" in lines
    assert "Total MACs: 1,597,472 (1.60 M)" in lines
    assert "pooling, activations" in text
    assert repr(summary(nn.Linear(3, 2), (5, 3))).startswith("Model: Linear")


class Shared(nn.Module):
    """One Linear called twice, plus a Linear never called."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.unused = nn.Linear(4, 100)

    def forward(self, x):
        return self.fc(self.fc(x).relu())


def test_reused_layer_counts_params_once_and_macs_per_call():
    s = summary(Shared(), (3, 4))
    assert [(r.name, r.params, r.macs) for r in s.rows] == [("fc", 20, 48), ("fc", 0, 48)]
    assert s.total_params == 20 + 500          # every parameter of the model, once
    assert s.total_macs == 96
    assert s.row("fc").params == 20
    with pytest.raises(KeyError, match="no layer named 'nope'"):
        s.row("nope")


class TwoInputs(nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b = nn.Linear(3, 5), nn.Linear(2, 5)

    def forward(self, x, y):
        return self.a(x) + self.b(y)


def test_several_inputs():
    s = summary(TwoInputs(), [(4, 3), (4, 2)])
    assert s.input_shape == [(4, 3), (4, 2)]
    assert [r.macs for r in s.rows] == [4 * 3 * 5, 4 * 2 * 5]


def test_eval_mode_during_summary_and_state_restored():
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Dropout(0.5))
    model[2].eval()                                     # a mixed state must come back as it was
    before = {k: v.copy() for k, v in model.state_dict().items()}
    seen = []
    model[1].register_forward_hook(lambda m, a, o: seen.append(m.training))
    state = mg.random.generator().bit_generator.state
    s = summary(model, (8, 3))
    assert seen == [False]
    assert [m.training for m in model] == [True, True, False]
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v, before[k])     # running stats untouched
    assert mg.random.generator().bit_generator.state == state
    assert s.non_trainable_params == 0 and len(model[1]._forward_hooks) == 1   # ours removed


def test_frozen_parameters_are_non_trainable():
    model = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
    model[0].requires_grad_(False)
    s = summary(model, (1, 3))
    assert (s.total_params, s.trainable_params, s.non_trainable_params) == (26, 10, 16)


def test_bad_input_shape_and_failing_forward_are_clear():
    with pytest.raises(ValueError, match="summary: input_shape must hold positive ints"):
        summary(nn.Linear(3, 2), (0, 3))
    model = nn.Sequential(nn.Flatten(), nn.Linear(10, 2))
    with pytest.raises(RuntimeError, match=r"after layer '0' \(Flatten, output \(2, 12\)\).*Linear"):
        summary(model, (2, 3, 4))
