"""PyTorch scripts run unchanged on minigrad: the compatibility suite of issue 11.

Each ``tests/pytorch_scripts/*.py`` is a short script in the style of a well-known PyTorch
tutorial or example (written for this suite), importing ``torch``. It runs here in a
subprocess with ``tests/torch_alias`` first on PYTHONPATH and ``MINIGRAD_TORCH_ALIAS=1``, so
that ``import torch`` gives minigrad (``tests/torch_alias/torch/__init__.py``); each script
asserts values PyTorch's documentation states and prints "OK" last.

* An idiom that minigrad does not support yet keeps its script failing: the test is marked
  ``xfail(strict=True)`` with the idiom and its error (``KNOWN_FAILURES``), and only counts as
  the expected failure if the script's error output contains that error -- a script failing
  for any other reason fails the test, and a script that starts passing fails it too
  (strict), so that the mark is removed.
* When the real PyTorch is installed (not in CI), the same scripts run once more against it
  in one subprocess: every asserted value is then PyTorch's own.
* The alias never reaches anything but those subprocesses: a test checks that a plain
  ``import torch`` (here, or in a subprocess without the alias) is not minigrad.
"""
import importlib.util
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import minigrad

TESTS = Path(__file__).resolve().parent
SCRIPTS_DIR = TESTS / "pytorch_scripts"
ALIAS = TESTS / "torch_alias"
REPO = TESTS.parent
SCRIPTS = sorted(p.name for p in SCRIPTS_DIR.glob("*.py"))
TIMEOUT = 300

# script -> (the idiom that stops it and its error; a piece of the error output that must
# be there). Remove an entry when the idiom works: the strict xfail fails until then.
KNOWN_FAILURES = {
    "layers_and_losses.py": (
        "nn.CrossEntropyLoss()(input, probs) with class probabilities as the target (the "
        "CrossEntropyLoss page's second example): TypeError: cross_entropy: target must hold "
        "integer class indices, got dtype float32",
        "target must hold integer class indices"),
    "training_loop.py": (
        "model.state_dict()[name].size() (the saving-and-loading tutorial's printout): "
        "TypeError: 'int' object is not callable -- state_dict values are numpy arrays "
        "(documented in Module.state_dict), where PyTorch's are Tensors",
        "'int' object is not callable"),
}

CREATE_GRAPH = os.environ.get("MINIGRAD_TEST_CREATE_GRAPH") == "1"
skip_in_create_graph_run = pytest.mark.skipif(
    CREATE_GRAPH, reason="the scripts run in subprocesses, which the create-graph switch of "
    "conftest.py does not reach: the first run already covers them")


class KnownIdiomFailure(Exception):
    """The script failed with the error its KNOWN_FAILURES entry names."""


def _env(alias):
    env = dict(os.environ)
    path = ([str(ALIAS)] if alias else []) + [str(REPO)]
    if env.get("PYTHONPATH"):
        path.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(path)
    env.pop("MINIGRAD_TORCH_ALIAS", None)
    if alias:
        env["MINIGRAD_TORCH_ALIAS"] = "1"
    # one BLAS thread: the scripts' matrices are small, and on a busy 2-core machine more
    # threads make them several times slower (PyTorch and numpy alike)
    env.setdefault("OMP_NUM_THREADS", "1")
    return env


def _python(args, cwd, alias):
    return subprocess.run([sys.executable, *args], cwd=cwd, env=_env(alias),
                          capture_output=True, text=True, timeout=TIMEOUT)


def _params():
    for name in SCRIPTS:
        if name in KNOWN_FAILURES:
            yield pytest.param(name, id=name, marks=pytest.mark.xfail(
                strict=True, raises=KnownIdiomFailure, reason=KNOWN_FAILURES[name][0]))
        else:
            yield pytest.param(name, id=name)


def test_the_suite_has_its_scripts():
    assert 8 <= len(SCRIPTS) <= 12, SCRIPTS
    assert set(KNOWN_FAILURES) <= set(SCRIPTS), "an entry of KNOWN_FAILURES names no script"


@skip_in_create_graph_run
@pytest.mark.parametrize("name", list(_params()))
def test_pytorch_script_runs_on_minigrad(name, tmp_path):
    result = _python([str(SCRIPTS_DIR / name)], tmp_path, alias=True)
    lines = result.stdout.strip().splitlines()
    ok = result.returncode == 0 and lines and lines[-1] == "OK"
    if not ok and name in KNOWN_FAILURES and KNOWN_FAILURES[name][1] in result.stderr:
        raise KnownIdiomFailure(result.stderr.strip().splitlines()[-1])
    assert ok, (f"{name} exited with {result.returncode}; the end of its output:\n"
                + "\n".join(lines[-5:]) + "\n" + result.stderr[-3000:])


@skip_in_create_graph_run
@pytest.mark.skipif(importlib.util.find_spec("torch") is None
                    or str(ALIAS) in [os.path.abspath(p) for p in sys.path],
                    reason="the real PyTorch is not installed")
def test_pytorch_scripts_run_on_real_pytorch(tmp_path):
    """The same scripts under the real PyTorch, all in one process (one import of torch):
    the values they assert are then PyTorch's, and the failures above are minigrad's."""
    runner = textwrap.dedent("""
        import json, os, runpy, sys, traceback
        import torch
        assert "torch_alias" not in torch.__file__, torch.__file__
        results = {}
        for path in sys.argv[1:]:
            name = os.path.basename(path)
            work = os.path.join(os.getcwd(), name[:-3])
            os.makedirs(work)
            os.chdir(work)
            sys.argv = [path]
            try:
                runpy.run_path(path, run_name="__main__")
                results[name] = "OK"
            except BaseException:
                results[name] = traceback.format_exc()[-2000:]
            os.chdir("..")
        print("RESULTS " + json.dumps(results))
    """)
    result = _python(["-c", runner, *[str(SCRIPTS_DIR / n) for n in SCRIPTS]], tmp_path,
                     alias=False)
    assert result.returncode == 0, result.stderr[-3000:]
    line = [ln for ln in result.stdout.splitlines() if ln.startswith("RESULTS ")][-1]
    results = json.loads(line[len("RESULTS "):])
    failed = {name: out for name, out in results.items() if out != "OK"}
    assert not failed, "\n\n".join(f"{name} on PyTorch:\n{out}" for name, out in failed.items())
    assert sorted(results) == SCRIPTS


def test_the_alias_stays_in_the_test_subprocesses(tmp_path):
    # in this process: torch, if importable, is the real one, and the alias is not on the path
    assert str(ALIAS) not in [os.path.abspath(p) for p in sys.path]
    assert sys.modules.get("torch") is not minigrad
    spec = importlib.util.find_spec("torch")
    if spec is not None:
        assert ALIAS not in Path(spec.origin).resolve().parents

    # a subprocess without the alias: the real torch, or none at all
    code = ("import minigrad\ntry:\n    import torch\nexcept ImportError:\n    print('none')\n"
            "else:\n    print(torch is minigrad, torch.__file__)")
    out = _python(["-c", code], tmp_path, alias=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(("none", "False")), out.stdout
    assert "torch_alias" not in out.stdout

    # the alias folder on the path but without MINIGRAD_TORCH_ALIAS=1: it refuses to load
    env = _env(alias=True)
    del env["MINIGRAD_TORCH_ALIAS"]
    out = subprocess.run([sys.executable, "-c", "import torch"], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=TIMEOUT)
    assert out.returncode != 0 and "test-only alias" in out.stderr, out.stderr

    # with the alias: PyTorch's module paths are minigrad's objects
    code = textwrap.dedent("""
        import minigrad, minigrad.data, minigrad.nn.functional, minigrad.optim.lr_scheduler
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
        import torch.optim as optim
        import torch.backends.cudnn
        from torch.utils.data import DataLoader, Dataset, TensorDataset, random_split
        from torch.autograd import Variable, Function
        from torch.optim.lr_scheduler import StepLR
        assert torch is minigrad and nn is minigrad.nn and F is minigrad.nn.functional
        assert optim is minigrad.optim and StepLR is minigrad.optim.lr_scheduler.StepLR
        assert DataLoader is minigrad.data.DataLoader and torch.utils.data is minigrad.data
        assert Function is minigrad.Function and Variable is minigrad.autograd.Variable
        assert torch.backends.cudnn is minigrad.backends.cudnn
        assert torch.nn.utils is minigrad.nn.utils
        print("aliased")
    """)
    out = _python(["-c", code], tmp_path, alias=True)
    assert out.returncode == 0 and out.stdout.strip() == "aliased", out.stderr
