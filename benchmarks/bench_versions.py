"""Two versions of minigrad in one process: the working tree against a git revision.

    python benchmarks/bench_versions.py                    # against HEAD
    python benchmarks/bench_versions.py --base 8ec5bbb --rounds 9

The revision's ``minigrad/`` is extracted (``git archive``) into a temporary folder and
imported as ``minigrad_base`` beside the working tree's ``minigrad``; the two alternate,
round after round, on the same workloads, so a shared machine's swings hit both alike.
Prints, per workload, each side's median time per step and the median of the per-round
ratios (working tree / base; below 1 is faster):

* ``refnet``: the reference network of ``bench_train.py`` (no BatchNorm), batch 128, built by
  its ``minigrad_net`` with each side's own ``nn``;
* ``mnist``: the training example's network (BatchNorm after every conv), batch 128;
* ``mlp``: the 20-layer MLP of width 32 at batch 1 (framework overhead), and PyTorch's
  time for it when PyTorch is installed.

A plain loop, as the training example and a user's own loop run: nothing is switched on
(``--keep-freed-memory`` calls ``minigrad.memory.keep_freed_memory()`` first; it is
process-wide, so both sides run under it).
"""
import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "2")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
from blas_info import describe as describe_blas  # noqa: E402
from bench_train import minigrad_net  # noqa: E402  (the reference network)
from timing import seconds_per_call  # noqa: E402


def import_base(rev):
    """The revision's minigrad package, imported as ``minigrad_base``."""
    folder = Path(tempfile.mkdtemp(prefix="minigrad_base_"))
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "minigrad"],
                             capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    (folder / "minigrad").rename(folder / "minigrad_base")
    sys.path.insert(0, str(folder))
    import minigrad_base
    return minigrad_base


def refnet(mg):
    return minigrad_net(mg.nn)


def mnist_net(mg):
    nn = mg.nn

    def conv_bn_relu(c_in, c_out, k):
        return [nn.Conv2d(c_in, c_out, k, padding=k // 2, bias=False), nn.BatchNorm2d(c_out),
                nn.ReLU()]
    return nn.Sequential(
        *conv_bn_relu(1, 16, 3), nn.MaxPool2d(2), *conv_bn_relu(16, 32, 3),
        *conv_bn_relu(32, 16, 1), *conv_bn_relu(16, 32, 3), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10))


def train_step(mg, make, batch):
    mg.manual_seed(0)
    model = make(mg)
    opt = mg.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    rng = np.random.default_rng(0)
    x = mg.tensor(rng.standard_normal((batch, 1, 28, 28)).astype(np.float32))
    y = mg.tensor(rng.integers(0, 10, batch))

    def step():
        opt.zero_grad()
        mg.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
    return step


def mlp_step(mg):
    mg.manual_seed(0)
    layers = []
    for _ in range(20):
        layers += [mg.nn.Linear(32, 32), mg.nn.ReLU()]
    model, x = mg.nn.Sequential(*layers), mg.randn(1, 32)

    def step():
        model.zero_grad()
        model(x).sum().backward()
    return step


def torch_mlp_step():
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(2)
    model = torch.nn.Sequential(*[torch.nn.Linear(32, 32) if i % 2 == 0 else torch.nn.ReLU()
                                  for i in range(40)])
    x = torch.randn(1, 32)

    def step():
        model.zero_grad()
        model(x).sum().backward()
    return step


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--base", default="HEAD", help="git revision to compare against")
    p.add_argument("--rounds", type=int, default=7)
    p.add_argument("--keep-freed-memory", action="store_true",
                   help="call minigrad.memory.keep_freed_memory() first (glibc's settings)")
    p.add_argument("--workloads", nargs="+", default=["refnet", "mnist", "mlp"],
                   choices=["refnet", "mnist", "mlp"])
    args = p.parse_args(argv)
    import minigrad
    import minigrad.memory
    base = import_base(args.base)
    if args.keep_freed_memory:
        minigrad.memory.keep_freed_memory()
    print(f"working tree against {args.base}; {describe_blas()}")
    makers = {"refnet": (lambda mg: train_step(mg, refnet, 128), 5),
              "mnist": (lambda mg: train_step(mg, mnist_net, 128), 4),
              "mlp": (mlp_step, 300)}
    for name in args.workloads:
        make, calls = makers[name]
        sides = {"tree": make(minigrad), "base": make(base)}
        if name == "mlp" and torch_mlp_step() is not None:
            sides["torch"] = torch_mlp_step()
        for fn in sides.values():
            seconds_per_call(fn, max(2, calls // 10))
        times = {k: [] for k in sides}
        for _ in range(args.rounds):
            for k, fn in sides.items():
                times[k].append(seconds_per_call(fn, calls))
        ratios = np.array(times["tree"]) / np.array(times["base"])
        line = (f"{name:7s} tree {np.median(times['tree']) * 1e3:8.2f} ms   base "
                f"{np.median(times['base']) * 1e3:8.2f} ms   tree/base {np.median(ratios):.3f} "
                f"(rounds {min(ratios):.2f}-{max(ratios):.2f})")
        if "torch" in times:
            to_torch = np.array(times["tree"]) / np.array(times["torch"])
            base_torch = np.array(times["base"]) / np.array(times["torch"])
            line += (f"   PyTorch {np.median(times['torch']) * 1e3:.2f} ms: tree/PyTorch "
                     f"{np.median(to_torch):.2f}, base/PyTorch {np.median(base_torch):.2f}")
        print(line, flush=True)


if __name__ == "__main__":
    main()
