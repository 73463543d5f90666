"""examples/conv_questions.py runs end to end at small sizes, and the counts it prints are
the ones the formulas give (worked out here independently of the script)."""
import os
import re
import subprocess
import sys

import pytest

from helpers import ROOT, load_example

SCRIPT = str(ROOT / "examples" / "conv_questions.py")

N, M, K1, K2, BATCH = 9, 10, 2, 3, 2
C, R, S = 8, 2, 6                      # bottleneck: channels, reduced channels, map size
D, H, W = 10, 6, 7                     # the "1337 maps of 42x314" volume, small
SLICE = 5
SMALL = ["--size", str(N), str(M), "--k1", str(K1), "--k2", str(K2), "--batch", str(BATCH),
         "--repeats", "1", "--scales", "1", "2", "4",
         "--bottleneck", str(C), str(R), "--bottleneck-size", str(S),
         "--volume", str(D), str(H), str(W), "--kernel3d", "3", "4", "5",
         "--kernel2d", "3", "4", "--slice-depth", str(SLICE), "--chunks", "4"]


@pytest.fixture(scope="module")
def run():
    """(printed text, returned results) of one run of all sections at the small sizes."""
    import io
    from contextlib import redirect_stdout
    buf = io.StringIO()
    with redirect_stdout(buf):
        results = load_example("conv_questions").main(SMALL)
    return buf.getvalue(), results


def numbers(line):
    """The integers on a line, thousands separators removed."""
    return [int(n.replace(",", "")) for n in re.findall(r"(?<![\w.])\d[\d,]*(?![\w.])", line)]


def line_starting(text, prefix):
    found = [line for line in text.splitlines() if line.lstrip().startswith(prefix)]
    assert found, f"no line starting with {prefix!r} in the output"
    return found[0]


def test_all_sections_print_headings(run):
    text, results = run
    assert sorted(results) == [1, 2, 3, 4, 5]
    for n in range(1, 6):
        assert re.search(rf"^== {n}\. ", text, re.M)
    assert text.count("Evidence: ") == 5
    for name in ("AlexNet", "Network in Network", "GoogLeNet", "MobileNet"):
        assert name in text


def test_section1_maps_and_parameter_readings(run):
    text, _ = run
    assert f"after conv5x5      (1, {K2}, {N - 6}, {M - 6})" in text
    assert f"output maps: {K2} (= k2), not k1*k2 = {K1 * K2}" in text
    biases = K1 + K2
    expected = {"a)": (K1 * K2, 9 * K1 + 25 * K2), "b)": (K2, 9 * K1 + 25 * K2),
                "c)": (K2, 9 * K1 + 25 * K1 * K2)}
    for prefix, (maps, weights) in expected.items():
        row = numbers(line_starting(text, prefix).split("  ", 1)[1])
        assert row == [maps, weights, biases, weights + biases], prefix
    line = line_starting(text, "minigrad's Conv2d layers")
    assert f"{9 * K1 + 25 * K1 * K2 + biases:,} parameters = reading c" in line
    assert "(16, 8, 5, 5)" not in line and f"({K2}, {K1}, 5, 5)" in line
    diff = float(re.search(r"equal slices: max \|diff\| = (\S+)", text).group(1))
    assert diff < 1e-10


def test_section2_one_by_one_and_bottleneck(run):
    text, results = run
    assert float(re.search(r"at every pixel: max \|diff\| = (\S+)", text).group(1)) < 1e-12
    assert min(results[2]["residuals"]) > 0.05            # no output map is c * one input map
    assert float(re.search(r"gives w\*x \+ b .*max \|diff\| = (\S+)", text).group(1)) < 1e-12
    direct, reduce_, expand = S * S * C * C * 9, S * S * C * R, S * S * R * C * 9
    assert numbers(line_starting(text, f"3x3 conv {C}->{C}"))[-2:] == [direct, C * C * 9]
    assert numbers(line_starting(text, f"1x1 conv {C}->{R}"))[-2:] == [reduce_, C * R]
    assert numbers(line_starting(text, f"then 3x3 conv {R}->{C}"))[-2:] == [expand, R * C * 9]
    assert numbers(line_starting(text, "with the 1x1 bottleneck"))[-2:] == \
        [reduce_ + expand, C * R + R * C * 9]
    assert f"{direct / (reduce_ + expand):.2f}x fewer MACs" in text


def test_section3_quadratic_cost(run):
    text, _ = run
    for scale in (1, 2, 4):
        k1, k2 = K1 * scale, K2 * scale
        row = numbers(line_starting(text, f"{scale}x "))     # the "1x" itself is not a number
        m1 = BATCH * k1 * (N - 2) * (M - 2) * 1 * 9
        m2 = BATCH * k2 * (N - 6) * (M - 6) * k1 * 25
        assert row[:4] == [k1, k2, m1, m2]
        if scale > 1:
            assert "x2.00 / x4.00" in line_starting(text, f"{scale}x ")
    k1, k2 = 4 * K1, 4 * K2
    separable = BATCH * (N - 6) * (M - 6) * (k1 * 25 + k2 * k1)
    assert f"then 1x1 {k1}->{k2}): {separable:,} MACs" in text


def test_section4_pooling_changes_only_the_changed_map(run):
    text, results = run
    changed = results[4]["changed"]
    maps = results[4]["changed_maps"]
    assert maps["MaxPool2d(2)"] == [changed] and maps["AvgPool2d(2)"] == [changed]
    conv = next(v for k, v in maps.items() if k.startswith("Conv2d"))
    assert len(conv) > 1                                    # a 1x1 conv mixes the maps
    assert line_starting(text, "MaxPool2d(2)").split()[-2:] == [str(changed), "0"]


def test_section5_3d_conv(run):
    text, results = run
    out = (1, 1, D - 2, H - 3, W - 4)
    macs = (D - 2) * (H - 3) * (W - 4) * 60
    assert f"input (1, 1, {D}, {H}, {W}) -> output {out}" in text
    assert f"parameters 61 (weight (1, 1, 3, 4, 5) + bias); MACs {macs:,}" in text
    assert f"slice output (1, 1, {SLICE - 2}, {H - 3}, {W - 4}); every position filled: True" in text
    assert results[5]["shuffle_diff"] < 1e-12
    assert float(re.search(r"every position filled: True; max \|diff\| = (\S+)", text).group(1)) < 1e-12
    e = re.search(r"\+ b = (\S+) \(F\.conv3d: (\S+)\)", text)
    assert e.group(1) == e.group(2)
    multi = (H - 2) * (W - 3) * D * 12
    assert f"Conv2d({D}, 1, kernel_size=(3, 4))" in text
    assert (f"output (1, 1, {H - 2}, {W - 3}); parameters {D * 12 + 1:,} "
            f"(weight (1, {D}, 3, 4) + bias); MACs {multi:,}") in text


def test_full_3d_run_agrees_with_the_formula(capsys):
    results = load_example("conv_questions").main(["--sections", "5", "--volume", "7", "5", "6",
                                  "--slice-depth", "3", "--full-3d"])
    shape, macs = results[5]["full"]
    assert shape == results[5]["out_shape"] == (1, 1, 5, 2, 2)
    assert macs == results[5]["macs"] == 5 * 2 * 2 * 60
    assert "--full-3d: mg.summary ran it" in capsys.readouterr().out


def test_runs_as_a_script_and_rejects_bad_sizes():
    env = dict(os.environ, PYTHONPATH="")
    done = subprocess.run([sys.executable, SCRIPT, "--sections", "4"], capture_output=True,
                          text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "== 4. Pooling works on each map on its own ==" in done.stdout
    bad = subprocess.run([sys.executable, SCRIPT, "--size", "5", "5"], capture_output=True,
                         text=True, env=env, timeout=120)
    assert bad.returncode == 2 and "--size must be at least 7x7" in bad.stderr
