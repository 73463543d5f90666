"""Training speed of the reference network, minigrad against PyTorch in the same run.

    python benchmarks/bench_train.py                # batch 128 and 64, everything
    python benchmarks/bench_train.py --batch-sizes 128 --rounds 3

Reference network (the MNIST example's shape, without BatchNorm):
    conv3x3(1->16) ReLU maxpool2 | conv3x3(16->32) ReLU | conv1x1(32->16) ReLU |
    conv3x3(16->32) ReLU maxpool2 | flatten | linear(1568->128) ReLU | linear(128->10)
cross-entropy, SGD with momentum 0.9, float32.

Prints, for each batch size: training samples/s of minigrad and (when importable) PyTorch on
2 threads, timed in alternating rounds, and their ratio; a per-layer
forward/backward breakdown for minigrad; inference throughput; the per-step autograd
overhead of a 20-layer MLP of width 32 at batch 1; and minigrad's peak resident memory
while training (measured in a child process that never imports PyTorch).

Each round lets each framework settle before timing it (``timing.settle``): right after
the other framework ran, its idle worker threads still spin on the two cores for about
0.1 s, which a user's own loop never sees. (Without it, PyTorch's steps were charged
4-10 ms more than its steady pace, which flattered minigrad's ratio.)

The headline is a plain loop, as a user writes it: nothing is switched on. (minigrad reuses
its large op results itself, ``minigrad.memory.empty``.) ``--keep-freed-memory`` adds the
allocator setting of ``minigrad.memory.keep_freed_memory()``, process-wide, so PyTorch runs
under it too. ``--mnist-seeds 0 1 2`` also runs ``examples/train_mnist.py`` with its
defaults once per seed (a few minutes each) and reports its test accuracy and wall time.

    python benchmarks/bench_train.py --mnist-seeds 0 1 2
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# Both frameworks on 2 threads (PyTorch's is set below); BLAS reads its thread count when
# numpy is first loaded, so set it before that import.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "2")

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import minigrad as mg  # noqa: E402
import minigrad.nn.functional as F  # noqa: E402
from minigrad import nn, optim  # noqa: E402
from minigrad.memory import keep_freed_memory  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from blas_info import describe as describe_blas  # noqa: E402
from timing import alternate, seconds_per_call  # noqa: E402

torch = None
if not os.environ.get("MINIGRAD_BENCH_NO_TORCH"):   # set by the memory child process
    try:
        import torch
        torch.set_num_threads(2)
    except ImportError:  # PyTorch is optional: the benchmark then reports minigrad alone
        torch = None


def minigrad_net(nn=nn):
    """The reference network, built with ``nn`` (minigrad's; ``bench_versions.py`` passes
    another version's)."""
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(),
        nn.Conv2d(32, 16, 1), nn.ReLU(),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(1568, 128), nn.ReLU(), nn.Linear(128, 10))


def torch_net_like(model):
    """The same network in PyTorch, with minigrad's initial weights (same state_dict keys)."""
    tn = torch.nn
    net = tn.Sequential(
        tn.Conv2d(1, 16, 3, padding=1), tn.ReLU(), tn.MaxPool2d(2),
        tn.Conv2d(16, 32, 3, padding=1), tn.ReLU(),
        tn.Conv2d(32, 16, 1), tn.ReLU(),
        tn.Conv2d(16, 32, 3, padding=1), tn.ReLU(), tn.MaxPool2d(2),
        tn.Flatten(), tn.Linear(1568, 128), tn.ReLU(), tn.Linear(128, 10))
    net.load_state_dict({k: torch.from_numpy(v) for k, v in model.state_dict().items()})
    return net


def batch(n, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((n, 1, 28, 28)).astype(np.float32),
            rng.integers(0, 10, n).astype(np.int64))


class MinigradTrainer:
    def __init__(self, batch_size):
        mg.manual_seed(0)
        self.model = minigrad_net()
        self.opt = optim.SGD(self.model.parameters(), lr=0.01, momentum=0.9)
        x, y = batch(batch_size)
        self.x, self.y = mg.Tensor(x), mg.Tensor(y)

    def step(self):
        loss = F.cross_entropy(self.model(self.x), self.y)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()

    def infer(self, x):
        self.model.eval()
        with mg.no_grad():
            self.model(x)
        self.model.train()


class TorchTrainer:
    def __init__(self, batch_size, like):
        self.model = torch_net_like(like)
        self.opt = torch.optim.SGD(self.model.parameters(), lr=0.01, momentum=0.9)
        x, y = batch(batch_size)
        self.x, self.y = torch.from_numpy(x), torch.from_numpy(y)

    def step(self):
        loss = torch.nn.functional.cross_entropy(self.model(self.x), self.y)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()

    def infer(self, x):
        self.model.eval()
        with torch.no_grad():
            self.model(x)
        self.model.train()


def layer_breakdown(model, x, repeats=5):
    """Forward and backward time of each layer on its own input (minigrad)."""
    rows = []
    h = x
    for name, layer in model.named_children():
        inp = mg.Tensor(h.numpy(), requires_grad=True)
        out = layer(inp)
        grad = np.ones_like(out.numpy())
        fwd = bwd = float("inf")
        for _ in range(repeats):
            t = time.perf_counter()
            out = layer(inp)
            fwd = min(fwd, time.perf_counter() - t)
            t = time.perf_counter()
            out.backward(grad)
            bwd = min(bwd, time.perf_counter() - t)
        rows.append((f"{name} {type(layer).__name__}", fwd, bwd))
        with mg.no_grad():
            h = layer(h)
    return rows


def mlp_overhead(calls=300, rounds=5):
    """Per-step time of a 20-layer MLP, width 32, batch 1: almost pure framework overhead."""
    mg.manual_seed(0)
    layers = []
    for _ in range(20):
        layers += [nn.Linear(32, 32), nn.ReLU()]
    mlp = nn.Sequential(*layers)
    x = mg.randn(1, 32)

    def mg_step():
        mlp.zero_grad()
        mlp(x).sum().backward()

    fns = {"minigrad": mg_step}
    if torch is not None:
        tmlp = torch.nn.Sequential(*[torch.nn.Linear(32, 32) if i % 2 == 0 else torch.nn.ReLU()
                                     for i in range(40)])
        tx = torch.randn(1, 32)

        def torch_step():
            tmlp.zero_grad()
            tmlp(tx).sum().backward()
        fns["torch"] = torch_step
    for fn in fns.values():
        seconds_per_call(fn, 30)
    return alternate(fns, rounds, calls)


def peak_memory_child(batch_size, steps, keep_freed):
    """Run training steps in a fresh interpreter (no PyTorch) and return its peak RSS in MB."""
    code = (f"import sys; sys.path.insert(0, {str(Path(__file__).resolve().parent)!r}); "
            f"import bench_train as b; {keep_freed} and b.keep_freed_memory(); "
            f"t = b.MinigradTrainer({batch_size}); "
            f"[t.step() for _ in range({steps})]; print(b.peak_rss_mb())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "MINIGRAD_BENCH_NO_TORCH": "1"})
    return float(out.stdout.split()[-1])


def peak_rss_mb():
    """This process's peak resident memory (VmHWM; unlike ru_maxrss it is not inherited
    from the parent across exec)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv=None):
    p = argparse.ArgumentParser(description="minigrad vs PyTorch training throughput")
    p.add_argument("--batch-sizes", type=int, nargs="+", default=[128, 64])
    p.add_argument("--rounds", type=int, default=5, help="alternating timing rounds")
    p.add_argument("--steps", type=int, default=10, help="training steps per round")
    p.add_argument("--keep-freed-memory", action="store_true",
                   help="call minigrad.memory.keep_freed_memory() first (glibc's settings)")
    p.add_argument("--mnist-seeds", type=int, nargs="*", default=[],
                   help="also run examples/train_mnist.py with its defaults for each seed")
    args = p.parse_args(argv)
    kept = keep_freed_memory() if args.keep_freed_memory else False

    print(f"numpy {np.__version__}, {os.cpu_count()} cpus, "
          + (f"PyTorch {torch.__version__} on {torch.get_num_threads()} threads"
             if torch is not None else "PyTorch not importable: minigrad figures only"))
    print(describe_blas())
    print("allocator: " + ("glibc set to keep freed memory (minigrad.memory.keep_freed_memory)"
                           if kept else "glibc defaults: a plain loop, nothing switched on"))
    for bs in args.batch_sizes:
        print(f"\n== training, batch {bs} ==")
        mgt = MinigradTrainer(bs)
        fns = {"minigrad": mgt.step}
        if torch is not None:
            fns["torch"] = TorchTrainer(bs, mgt.model).step
        for fn in fns.values():          # warm-up
            seconds_per_call(fn, 3)
        sec = alternate(fns, args.rounds, args.steps)
        for name, s in sec.items():
            print(f"{name:>9}: {bs / s:8.0f} samples/s  ({s * 1e3:6.1f} ms/step)")
        if torch is not None:
            print(f"    ratio: minigrad/torch throughput = {sec['torch'] / sec['minigrad']:.2f}")

        print(f"-- minigrad per-layer time, batch {bs} (forward / backward, ms) --")
        rows = layer_breakdown(mgt.model, mgt.x)
        for name, f, b in rows:
            print(f"  {name:<16} {f * 1e3:7.2f} {b * 1e3:7.2f}")
        tf, tb = sum(r[1] for r in rows), sum(r[2] for r in rows)
        print(f"  {'sum':<16} {tf * 1e3:7.2f} {tb * 1e3:7.2f}")

    print("\n== inference, batch 1000, no_grad ==")
    x = batch(1000)[0]
    mgt = MinigradTrainer(8)
    fns = {"minigrad": lambda: mgt.infer(mg.Tensor(x))}
    if torch is not None:
        tt = TorchTrainer(8, mgt.model)
        tx = torch.from_numpy(x)
        fns["torch"] = lambda: tt.infer(tx)
    for fn in fns.values():
        seconds_per_call(fn, 1)
    sec = alternate(fns, 3, 3)
    for name, s in sec.items():
        print(f"{name:>9}: {1000 / s:8.0f} samples/s")

    print("\n== autograd overhead: 20-layer MLP, width 32, batch 1 (train step) ==")
    sec = mlp_overhead()
    for name, s in sec.items():
        print(f"{name:>9}: {s * 1e6:8.0f} us/step")
    if "torch" in sec:
        print(f"    ratio: minigrad/torch time = {sec['minigrad'] / sec['torch']:.2f}")

    print("\n== peak resident memory, minigrad training (child process, no PyTorch) ==")
    for bs in args.batch_sizes:
        print(f"  batch {bs}: {peak_memory_child(bs, 5, kept):.0f} MB")
    print(f"(this process, with{'out' if torch is None else ''} PyTorch loaded: "
          f"{peak_rss_mb():.0f} MB)")

    if args.mnist_seeds:
        print("\n== examples/train_mnist.py, defaults, one run per seed ==")
        runs = [mnist_run(seed) for seed in args.mnist_seeds]
        for seed, m in zip(args.mnist_seeds, runs):
            print(f"  seed {seed}: test accuracy {m['test_accuracy'] * 100:.2f}%, "
                  f"{m['wall_seconds']:.0f} s wall ({m['process_seconds']:.0f} s with Python's "
                  f"start), {m['samples_per_second']:.0f} samples/s "
                  f"training, peak {m['peak_mb']:.0f} MB")
        accuracy = np.mean([m["test_accuracy"] for m in runs]) * 100
        wall = np.mean([m["wall_seconds"] for m in runs])
        print(f"  mean: test accuracy {accuracy:.2f}%, {wall:.0f} s wall")


def mnist_run(seed):
    """One default run of the MNIST example in a child process; its metrics and peak RSS."""
    script = Path(__file__).resolve().parent.parent / "examples" / "train_mnist.py"
    with tempfile.TemporaryDirectory() as tmp:
        metrics = Path(tmp) / "metrics.json"
        code = (f"import runpy, sys; sys.argv = [{str(script)!r}, '--seed', '{seed}', "
                f"'--metrics', {str(metrics)!r}]; runpy.run_path({str(script)!r}, "
                f"run_name='__main__'); sys.path.insert(0, "
                f"{str(Path(__file__).resolve().parent)!r}); import bench_train; "
                f"print('peak', bench_train.peak_rss_mb())")
        began = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True, env={**os.environ, "MINIGRAD_BENCH_NO_TORCH": "1"})
        result = json.loads(metrics.read_text())
        result["process_seconds"] = time.perf_counter() - began
    result["peak_mb"] = float(out.stdout.split("peak")[-1])
    return result


if __name__ == "__main__":
    main()
