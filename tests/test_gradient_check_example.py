"""examples/gradient_check.py runs end to end, and what it prints has the properties it claims:
every layer passes both checks, the step-size study has its V with the minimum where the
theory puts it, the Hessian-vector product matches differences of gradients, and Newton's
method beats gradient descent. Reference values are worked out here independently."""
import io
import math
import os
import re
import subprocess
import sys
from contextlib import redirect_stdout

import numpy as np
import pytest

from helpers import ROOT, load_example

SCRIPT = str(ROOT / "examples" / "gradient_check.py")


def run_main(argv):
    buf = io.StringIO()
    with redirect_stdout(buf):
        results = load_example("gradient_check").main(argv)
    return buf.getvalue(), results


@pytest.fixture(scope="module")
def run():
    """(printed text, returned results) of one run of all four sections at the defaults."""
    return run_main([])


def section(text, n):
    """The printed text of section n."""
    start = text.index(f"== {n}. ")
    end = text.find(f"== {n + 1}. ", start)
    return text[start:end if end >= 0 else None]


def table_rows(text, header_start):
    """The rows (lists of cells split on 2+ spaces) of the table whose header starts so."""
    lines = text.splitlines()
    i = next(j for j, line in enumerate(lines) if line.startswith(header_start))
    rows = []
    for line in lines[i + 2:]:
        if not line.strip():
            break
        rows.append(re.split(r"\s{2,}", line.strip()))
    return rows


def test_all_sections_run(run):
    text, results = run
    assert sorted(results) == [1, 2, 3, 4]
    for n in range(1, 5):
        assert re.search(rf"^== {n}\. ", text, re.M)
    assert text.count("Reference: ") == 4


def test_section1_every_layer_of_the_mnist_model_passes_both_orders(run):
    text, results = run
    rows = table_rows(section(text, 1), "layer ")
    assert len(rows) == len(results[1]["rows"])
    assert all(row[-1] == "yes" for row in rows) and results[1]["all_passed"]
    layers = {row[0] for row in rows}
    for layer in layers:                                   # order 1 and order 2 for each
        assert sorted(int(r[1]) for r in rows if r[0] == layer) == [1, 2]
    # every module type of train_mnist.py's network has a row, and the loss and the whole net
    model = load_example("train_mnist").build_model()
    for kind in {type(m).__name__ for m in model}:
        assert any(name.startswith(kind) for name in layers), kind
    kernels = {m.kernel_size for m in model if type(m).__name__ == "Conv2d"}
    assert {(3, 3), (1, 1)} <= kernels
    assert any(name.startswith("Conv2d 3x3") for name in layers)
    assert any(name.startswith("Conv2d 1x1") for name in layers)
    assert any(name.startswith("cross_entropy") for name in layers)
    assert any(name.startswith("whole network") for name in layers)
    for r in results[1]["rows"]:
        assert r["max_abs_error"] < 1e-6          # float64 central differences: far below atol
    # weights are checked, not just inputs; order 2 checks the upstream gradient v as well
    conv = next(r for r in rows if r[0].startswith("Conv2d 3x3") and r[1] == "1")
    assert "weight" in conv[2]
    assert all("v" in r[2].split(", ") for r in rows if r[1] == "2")
    assert f"{len(rows)} of {len(rows)} checks passed" in text


def test_section2_v_shape_and_best_steps(run):
    text, results = run
    rows = table_rows(section(text, 2), "eps ")
    steps = [float(r[0]) for r in rows]
    assert steps == [10.0 ** -k for k in range(1, 13)]
    err32 = [float(r[1]) for r in rows]
    err64 = [float(r[2]) for r in rows]
    best32, best64 = int(np.argmin(err32)), int(np.argmin(err64))
    # float64's best step is smaller-error than float32's and lies in [1e-7, 1e-3]
    assert err64[best64] < err32[best32] / 100
    assert 1e-7 <= steps[best64] <= 1e-3
    assert steps[best64] < steps[best32]
    # near the cube roots of machine epsilon (within the factor-10 grid)
    for best, dtype in ((best64, np.float64), (best32, np.float32)):
        cube_root = np.finfo(dtype).eps ** (1 / 3)
        assert cube_root / 10 < steps[best] < cube_root * 10
        assert f"= {cube_root:.1e}" in text
    # a V: truncation ~ eps^2 on the right (100x per decade), round-off ~ 1/eps on the left
    assert 30 < err64[0] / err64[1] < 300 and 30 < err64[1] / err64[2] < 300
    assert 3 < err64[-1] / err64[-2] < 30 and 3 < err64[-2] / err64[-3] < 30
    assert all(a > b for a, b in zip(err64[:best64], err64[1:best64 + 1]))
    assert all(a < b for a, b in zip(err64[best64 + 1:], err64[best64 + 2:]))
    # float32 steps below its resolution: W + eps == W, the difference is 0, the error 1
    assert err32[-1] == 1.0
    # the printed summary lines agree with the table
    assert f"float64: smallest error {err64[best64]:.1e} at eps = {steps[best64]:.0e}" in text
    assert results[2]["best"]["float64"]["eps"] == steps[best64]
    assert results[2]["float32_backprop_error"] < 1e-5


def test_section3_hessian_vector_product_matches_differences(run):
    text, results = run
    r = results[3]
    assert r["relative_error"] < 1e-7
    assert r["params"] == (6 * 16 + 16) + (16 * 3 + 3)
    assert math.isclose(r["hv_norm"], r["fd_norm"], rel_tol=1e-7)
    printed = float(re.search(r"\|Hv - differences\| / \|Hv\| = (\S+?)\.\s", text).group(1))
    assert printed < 1e-7
    rows = table_rows(section(text, 3), " " * 10)        # the table whose first header is empty
    assert rows[0][0] == "double backprop" and rows[0][1] == rows[1][1]


def boyd_gradient(x1, x2):
    a, b, c = np.exp(x1 + 3 * x2 - 0.1), np.exp(x1 - 3 * x2 - 0.1), np.exp(-x1 - 0.1)
    return np.array([a + b - c, 3 * a - 3 * b])


def test_section4_newton_converges_quadratically_and_beats_gradient_descent(run):
    text, results = run
    it = results[4]["iterations"]
    assert it["Newton"] is not None and it["gradient descent"] is not None
    assert it["Newton"] < it["gradient descent"]
    assert f"Newton {it['Newton']} iterations, gradient descent {it['gradient descent']} " \
           "iterations" in text
    # both end at the minimiser, x1 = -ln(2)/2, x2 = 0 (by symmetry, then 2e^(x1) = e^(-x1))
    for name in ("Newton", "gradient descent"):
        x = results[4]["final"][name]["x"]
        assert np.linalg.norm(boyd_gradient(*x)) <= 1e-6
        assert np.allclose(x, [-math.log(2) / 2, 0], atol=1e-6)
    # quadratic: the last gradient norm is about the square of the one before (times a bounded
    # constant); gradient descent's ratio per step stays away from 0
    g = [h["grad"] for h in results[4]["histories"]["Newton"]]
    assert g[-1] < 1e-10 and g[-1] / g[-2] ** 2 < 1
    assert all(b / a ** 2 < 1 for a, b in zip(g[-3:], g[-2:]))
    gd = [h["grad"] for h in results[4]["histories"]["gradient descent"]]
    assert 0.3 < results[4]["gd_rate"] < 0.95
    assert min(b / a for a, b in zip(gd[-10:], gd[-9:])) > 0.05
    newton_rows = table_rows(section(text, 4), "k ")
    assert [int(r[0]) for r in newton_rows] == list(range(it["Newton"] + 1))


def test_other_sizes():
    text, results = run_main(["--sections", "1", "2", "3", "--size", "8", "--fd-layer", "3", "2",
                              "--fd-max-exponent", "8", "--mlp", "3", "5", "2",
                              "--hvp-batch", "4"])
    assert results[1]["all_passed"] and "8x8 images" in text
    assert len(results[2]["steps"]) == 8 and "W (2, 3)" in text
    assert results[3]["params"] == 3 * 5 + 5 + 5 * 2 + 2
    assert results[3]["relative_error"] < 1e-7


def test_plot_writes_a_png(tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "pictures" / "step_size.png"
    text, results = run_main(["--sections", "2", "--plot", str(path)])
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert path.stat().st_size > 10_000
    assert f"wrote {path}" in text and results[2]["plot"] == str(path)


def test_without_matplotlib_plot_says_what_to_install(tmp_path):
    fake = tmp_path / "fake" / "matplotlib"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('matplotlib hidden by the test')\n")
    env = dict(os.environ, PYTHONPATH=str(fake.parent))
    done = subprocess.run([sys.executable, SCRIPT, "--sections", "2", "--plot",
                           str(tmp_path / "x.png")], capture_output=True, text=True, env=env,
                          timeout=120)
    assert done.returncode == 1
    assert 'pip install -e ".[plot]"' in done.stderr
    assert not (tmp_path / "x.png").exists()


def test_runs_as_a_script_and_rejects_bad_arguments():
    env = dict(os.environ, PYTHONPATH="")
    done = subprocess.run([sys.executable, SCRIPT, "--sections", "4"], capture_output=True,
                          text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "== 4. Newton's method" in done.stdout
    for bad, message in ((["--size", "6"], "--size must be a positive multiple of 4"),
                         (["--sections", "1", "--plot", "x.png"], "include 2 in --sections")):
        done = subprocess.run([sys.executable, SCRIPT] + bad, capture_output=True, text=True,
                              env=env, timeout=120)
        assert done.returncode == 2 and message in done.stderr
