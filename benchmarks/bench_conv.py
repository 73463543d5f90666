"""Speed of minigrad's convolution and pooling layers, against PyTorch's CPU layers when
PyTorch is importable (measured in the same run, with the same number of threads).

    python benchmarks/bench_conv.py [--threads 2] [--repeat 30] [--layers conv3x3,maxpool]

For each layer: forward alone (no graph), and forward + backward (input and parameter
gradients, as for a layer inside a network), in float32. Each time is the best of
``--repeat`` runs, minigrad and PyTorch alternating in rounds of a few runs, so that load
from other processes on the machine affects both alike; the ratio is minigrad / PyTorch
(lower is better). Each round first lets its framework settle (``timing.settle``: the
other's worker threads stop spinning). Timed alone like this, PyTorch's layers still take
about twice their time inside ``bench_train.py``'s network (its 3x3 layer's forward 3.2
against 1.3-1.5 ms), for reasons not found; the whole-network ratios of ``bench_train.py``
are the ones to trust.

Targets (issue 3, 2 cores): each conv layer's forward+backward within 2.5x of PyTorch, the
1x1 conv within 1.5x, max pooling no slower than PyTorch.

minigrad's convolutions spend most of their time in numpy's matrix products (OpenBLAS),
so the header says which kernels OpenBLAS runs (``blas_info.py``). OpenBLAS 0.3.31 picks
its AVX2 "Haswell" kernels on AMD Zen 5 CPUs (OpenMathLib/OpenBLAS#6029); where the CPU has
AVX-512, ``OPENBLAS_CORETYPE=SkylakeX`` (set before Python starts) selects the AVX-512
kernels, measured here to make those products about 25% faster. And glibc may return
freed multi-megabyte arrays to the OS, so that a new array costs a page fault per 4 kB;
``minigrad.memory.keep_freed_memory()`` (or the environment variables its docstring
gives) keeps that memory in the process. (Measured when convolution allocated fresh temporaries: 15 -> 12 ms; with
its reused scratch arrays, the 3x3 layer's repeated forward+backward now takes no page
faults at all.) The figures this script prints use neither setting.
"""
import argparse
import os
import sys
import time


def _threads_from_argv(default=2):
    for i, a in enumerate(sys.argv):
        if a == "--threads" and i + 1 < len(sys.argv):
            return sys.argv[i + 1]
        if a.startswith("--threads="):
            return a.split("=", 1)[1]
    return str(default)


# BLAS reads its thread count when numpy is first loaded, so set it before the imports below.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = _threads_from_argv()

import numpy as np  # noqa: E402

_here = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.join(_here, ".."), _here]
import minigrad as mg  # noqa: E402
from minigrad import nn  # noqa: E402,F401  (used by eval of the layer specs)
from blas_info import describe as describe_blas  # noqa: E402  (this script's folder)
from timing import settle  # noqa: E402

try:
    import torch
except ImportError:            # the benchmark still runs, without the comparison
    torch = None

# name, minigrad layer factory, torch layer factory (same arguments), input shape, target ratio
LAYERS = [
    ("conv3x3", "Conv2d(16, 32, 3, padding=1)", (128, 16, 14, 14), 2.5),
    ("conv1x1", "Conv2d(32, 16, 1)", (128, 32, 14, 14), 1.5),
    ("maxpool", "MaxPool2d(2)", (128, 32, 14, 14), 1.0),
    ("conv3d", "Conv3d(4, 8, 3, padding=1)", (8, 4, 16, 16, 16), 2.5),
    ("conv5x5", "Conv2d(1, 8, 5)", (128, 1, 28, 28), 2.5),
    ("avgpool", "AvgPool2d(2)", (128, 32, 14, 14), None),
    ("conv1d", "Conv1d(16, 32, 5, padding=2)", (64, 16, 256), 2.5),
]


def best_of(fns, repeat, burst=5):
    """Best time in ms of each function over ``repeat`` calls: rounds in which each
    function in turn settles (``timing.settle``, which also warms up allocations and
    PyTorch's kernel selection) and is then timed ``burst`` times, one call at a time."""
    times = [[] for _ in fns]
    for _ in range(max(1, repeat // burst)):
        for f, t in zip(fns, times):
            settle(f)
            for _ in range(burst):
                start = time.perf_counter()
                f()
                t.append(time.perf_counter() - start)
    return [1e3 * min(t) for t in times]


def minigrad_runs(spec, shape, rng):
    layer = eval("nn." + spec)
    x = mg.Tensor(rng.standard_normal(shape, dtype=np.float32), requires_grad=True)
    with mg.no_grad():
        g = rng.standard_normal(layer(x).shape, dtype=np.float32)
    params = list(layer.parameters())

    def forward():
        with mg.no_grad():
            layer(x)

    def forward_backward():
        x.grad = None
        for p in params:
            p.grad = None
        layer(x).backward(g)
    return layer, x, g, forward, forward_backward


def torch_runs(spec, mg_layer, x_np, g_np):
    layer = eval("torch.nn." + spec)
    with torch.no_grad():      # same weights, so both compute the same thing
        for (name, p) in layer.named_parameters():
            p.copy_(torch.from_numpy(getattr(mg_layer, name).numpy()))
    # copies in PyTorch's own (aligned) memory: its kernels were measured up to 3x slower on
    # some runs when reading numpy-allocated buffers through torch.from_numpy
    x = torch.tensor(x_np, requires_grad=True)
    g = torch.tensor(g_np)

    def forward():
        with torch.no_grad():
            layer(x)

    def forward_backward():
        x.grad = None
        layer.zero_grad(set_to_none=True)
        layer(x).backward(g)
    return layer, x, forward, forward_backward


def check_same(mg_layer, x, g, t_layer, xt, spec):
    """Both layers must compute the same output and input gradient (float32 tolerance),
    so that the times compare the same work."""
    x.grad, xt.grad = None, None
    out = mg_layer(x)
    out.backward(g)
    t_out = t_layer(xt)
    t_out.backward(torch.tensor(g))
    for what, a, b in (("output", out.numpy(), t_out.detach().numpy()),
                       ("input gradient", x.grad.numpy(), xt.grad.numpy())):
        if not np.allclose(a, b, rtol=1e-3, atol=1e-4 * max(1.0, float(np.abs(b).max()))):
            raise SystemExit(f"{spec}: minigrad's {what} differs from PyTorch's by up to "
                             f"{np.abs(a - b).max():.3g}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--layers", default=",".join(name for name, *_ in LAYERS))
    args = parser.parse_args()
    wanted = args.layers.split(",")
    if torch is None:
        print("PyTorch is not importable: printing minigrad's times only.")
    else:
        torch.set_num_threads(args.threads)
        print(f"PyTorch {torch.__version__}, {args.threads} threads; numpy {np.__version__}")
    print(describe_blas())
    load = os.getloadavg()[0]
    print(f"best of {args.repeat} runs, float32, times in ms; load average {load:.1f} "
          f"on {os.cpu_count()} cores")
    if load > 0.5:
        print("note: other processes are using the CPU; multi-threaded BLAS calls can stall "
              "waiting for a busy core, so the 2-thread figures are noisy (--threads 1 is "
              "steadier)")
    print()
    head = f"{'layer':<36}{'input':<20}{'minigrad fwd':>13}{'fwd+bwd':>9}"
    if torch is not None:
        head += f"{'torch fwd':>11}{'fwd+bwd':>9}{'ratio fwd':>11}{'fwd+bwd':>9}{'target':>8}"
    print(head)
    rng = np.random.default_rng(0)
    for name, spec, shape, target in LAYERS:
        if name not in wanted:
            continue
        mg_layer, x, g, mg_fwd, mg_fb = minigrad_runs(spec, shape, rng)
        fns = [mg_fwd, mg_fb]
        if torch is not None:
            t_layer, xt, t_fwd, t_fb = torch_runs(spec, mg_layer, x.numpy(), g)
            fns += [t_fwd, t_fb]
            check_same(mg_layer, x, g, t_layer, xt, spec)
        times = best_of(fns, args.repeat)
        line = f"{spec:<36}{str(shape):<20}{times[0]:>13.2f}{times[1]:>9.2f}"
        if torch is not None:
            ok = "" if target is None else \
                (f"{'<=':>3}{target:.1f}" + (" ok" if times[1] / times[3] <= target else " MISS"))
            line += (f"{times[2]:>11.2f}{times[3]:>9.2f}{times[0] / times[2]:>11.2f}"
                     f"{times[1] / times[3]:>9.2f}  {ok}")
        print(line)


if __name__ == "__main__":
    main()
