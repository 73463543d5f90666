"""The benchmark scripts still run (tiny settings; their timings are not checked here)."""
import subprocess
import sys

from helpers import ROOT

BENCH = ROOT / "benchmarks"


def run(script, *args):
    out = subprocess.run([sys.executable, str(BENCH / script), *args], capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_bench_conv_runs_every_layer():
    text = run("bench_conv.py", "--repeat", "1")
    for layer in ("Conv2d(16, 32, 3, padding=1)", "Conv2d(32, 16, 1)", "MaxPool2d(2)",
                  "Conv3d(4, 8, 3, padding=1)", "BLAS: "):
        assert layer in text


def test_bench_train_runs_every_section():
    text = run("bench_train.py", "--batch-sizes", "8", "--rounds", "1", "--steps", "1")
    for heading in ("== training, batch 8 ==", "per-layer time", "== inference",
                    "== autograd overhead", "== peak resident memory", "BLAS: "):
        assert heading in text
