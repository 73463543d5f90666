"""The classic questions about convolution layers, answered by running minigrad.

    python examples/conv_questions.py                 # all five sections, default sizes
    python examples/conv_questions.py --sections 1 5  # only some
    python examples/conv_questions.py --help          # every size can be changed

1. Two chained convs (3x3 with k1 filters, then 5x5 with k2): how many maps come out, how
   many parameters are there?  -- k2 maps; each filter spans all k1 input maps.
2. Is a 1x1 convolution a multiplication by a constant?  -- No: a matrix product over
   channels at every pixel; used as a bottleneck it cuts the cost of the next conv.
3. Why does widening two chained convs cost quadratically?  -- The second one's cost is
   proportional to (its input maps) x (its output maps).
4. Does pooling mix channels?  -- No: each output map depends on one input map.
5. How does a 3-D filter slide, and does the order of the output positions matter?  -- Over
   three axes; each output is computed from the input alone, so any order gives the same.

Every number printed is computed by minigrad (layers, ``mg.summary``, the output-size
formula in ``minigrad/ops/conv.py``), not typed in.
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import Tensor, nn
from minigrad.ops.conv import output_size
from minigrad.summary import layer_macs, summary


# ---- printing helpers ------------------------------------------------------------------------
def heading(number, title, evidence):
    print(f"\n== {number}. {title} ==")
    print(f"Evidence: {evidence}\n")


def table(header, rows):
    """Print rows under a header, first column left-aligned, the others right-aligned."""
    cells = [[str(c) for c in header]] + [[f"{c:,}" if isinstance(c, (int, np.integer)) else str(c)
                                           for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    for j, r in enumerate(cells):
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))))
        if j == 0:
            print("  ".join("-" * w for w in widths))


def max_diff(a, b):
    return float(np.max(np.abs(np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64))))


def n_params(*tensors):
    return sum(int(t.numel()) for t in tensors if t is not None)


# ---- 1. two chained convs --------------------------------------------------------------------
def two_chained_convs(args):
    heading(1, f"A {args.size[0]}x{args.size[1]} image through conv3x3 with k1={args.k1} "
               f"filters, then conv5x5 with k2={args.k2} filters",
            "AlexNet (Krizhevsky et al., 2012): its second conv layer filters the first's "
            "output with 256 kernels of size 5x5x48 -- full depth, not 5x5.")
    k1, k2 = args.k1, args.k2
    conv1, conv2 = nn.Conv2d(1, k1, 3), nn.Conv2d(k1, k2, 5)
    x = mg.randn(1, 1, *args.size)
    with mg.no_grad():
        h = conv1(x).relu()
        y = conv2(h)
    print(f"input              {tuple(x.shape)}")
    print(f"after conv3x3      {tuple(h.shape)}    conv1.weight {tuple(conv1.weight.shape)}")
    print(f"after conv5x5      {tuple(y.shape)}    conv2.weight {tuple(conv2.weight.shape)}")
    print(f"output maps: {y.shape[1]} (= k2), not k1*k2 = {k1 * k2}\n")

    # The three ways people read "k2 filters of 5x5 on k1 maps", each run for real.
    flat = mg.randn(k2, 1, 5, 5)                       # k2 two-dimensional 5x5 filters
    with mg.no_grad():
        # a) every 5x5 filter applied to every map on its own: the maps become a batch
        per_map = F.conv2d(h.reshape(k1, 1, *h.shape[2:]), flat)
        # b) one 5x5 filter per output map, the same for all input maps: it sees their sum
        # (in float64, so that below only rounding can differ)
        h64, flat64 = h.double(), flat.double()
        shared = F.conv2d(h64.sum(dim=1, keepdim=True), flat64)
        # ... which is a full-depth filter whose k1 slices are all equal
        shared_full = F.conv2d(h64, flat64.expand(k2, k1, 5, 5))
    maps = {"a": per_map.shape[0] * per_map.shape[1], "b": shared.shape[1], "c": y.shape[1]}
    weights = {"a": n_params(conv1.weight, flat), "b": n_params(conv1.weight, flat),
               "c": n_params(conv1.weight, conv2.weight)}
    biases = n_params(conv1.bias, conv2.bias)
    readings = {"a": "a) each 5x5 filter on each map separately",
                "b": "b) one 5x5 filter per output, shared by all maps",
                "c": f"c) full-depth filters, 5x5x{k1} (conv layers)"}
    print("Three readings, each run in minigrad (weights + biases = parameters):")
    table(["reading", "maps out", "weights", "biases", "parameters"],
          [[readings[r], maps[r], weights[r], biases, weights[r] + biases] for r in "abc"])
    print(f"(b) equals a full-depth filter with {k1} equal slices: max |diff| = "
          f"{max_diff(shared.numpy(), shared_full.numpy()):.1e}")
    actual = n_params(*conv1.parameters(), *conv2.parameters())
    print(f"\nminigrad's Conv2d layers: weights {tuple(conv1.weight.shape)} and "
          f"{tuple(conv2.weight.shape)}, {actual:,} parameters = reading "
          f"{'c' if actual == weights['c'] + biases else '?'}: 9*k1 + 25*k1*k2 + k1 + k2.")
    return {"maps": maps, "weights": weights, "biases": biases, "actual": actual,
            "shapes": (tuple(h.shape), tuple(y.shape))}


# ---- 2. 1x1 convolution ----------------------------------------------------------------------
def one_by_one(args):
    heading(2, "A 1x1 convolution is a matrix product over channels, not a scaling",
            "Network in Network (Lin et al., 2013) uses 1x1 convs as learned cross-channel "
            "maps; GoogLeNet (Szegedy et al., 2014) uses them 'to compute reductions before "
            "the expensive 3x3 and 5x5 convolutions'.")
    c_in, c_out = 4, 3
    conv = nn.Conv2d(c_in, c_out, 1).double()
    x = mg.randn(2, c_in, 5, 5, dtype=np.float64)
    with mg.no_grad():
        y = conv(x)
    W, b = conv.weight.numpy().reshape(c_out, c_in), conv.bias.numpy()
    matmul = np.einsum("oc,nchw->nohw", W, x.numpy()) + b[:, None, None]
    print(f"x {tuple(x.shape)}, Conv2d({c_in}, {c_out}, 1): weight {tuple(conv.weight.shape)}"
          f" is a {c_out}x{c_in} matrix W")
    print(f"conv(x)[n, :, i, j] == W @ x[n, :, i, j] + b at every pixel: max |diff| = "
          f"{max_diff(y.numpy(), matmul):.1e}")
    print("Is an output map a constant times one input map? Best c for each pair, and the "
          "relative residual |y_o - c*x_i| / |y_o| (0 would mean yes):")
    rows = []
    for o in range(c_out):
        yo = y.numpy()[:, o].ravel()
        fits = []
        for i in range(c_in):
            xi = x.numpy()[:, i].ravel()
            c = xi @ yo / (xi @ xi)
            fits.append((np.linalg.norm(yo - c * xi) / np.linalg.norm(yo), i, c))
        res, i, c = min(fits)
        rows.append([f"output map {o}", f"input {i}", f"{c:+.3f}", f"{res:.2f}"])
    table(["", "best input", "c", "residual"], rows)
    one = nn.Conv2d(1, 1, 1).double()
    x1 = mg.randn(1, 1, 5, 5, dtype=np.float64)
    with mg.no_grad():
        y1 = one(x1)
    w, b1 = one.weight.numpy().item(), one.bias.numpy().item()
    print(f"Only with one input channel is it a scaling: Conv2d(1, 1, 1) gives w*x + b "
          f"(w = {w:+.3f}, b = {b1:+.3f}): max |diff| = {max_diff(y1.numpy(), w * x1.numpy() + b1):.1e}")

    c, r, s = args.bottleneck[0], args.bottleneck[1], args.bottleneck_size
    direct = nn.Conv2d(c, c, 3, padding=1, bias=False)
    reduced = nn.Sequential(nn.Conv2d(c, r, 1, bias=False), nn.Conv2d(r, c, 3, padding=1, bias=False))
    shape = (1, c, s, s)
    sd, sr = summary(direct, shape), summary(reduced, shape)
    print(f"\nBottleneck: {c} maps of {s}x{s} into a 3x3 conv with {c} filters (mg.summary):")
    table(["", "MACs", "parameters"],
          [[f"3x3 conv {c}->{c}", sd.total_macs, sd.total_params],
           [f"1x1 conv {c}->{r}", sr.rows[0].macs, sr.rows[0].params],
           [f"then 3x3 conv {r}->{c}", sr.rows[1].macs, sr.rows[1].params],
           ["with the 1x1 bottleneck", sr.total_macs, sr.total_params]])
    print(f"the bottleneck needs {sd.total_macs / sr.total_macs:.2f}x fewer MACs")
    return {"matmul_diff": max_diff(y.numpy(), matmul), "residuals": [float(r[3]) for r in rows],
            "direct_macs": sd.total_macs, "bottleneck_macs": sr.total_macs,
            "bottleneck_rows": [row.macs for row in sr.rows]}


# ---- 3. quadratic cost -----------------------------------------------------------------------
def quadratic_cost(args):
    heading(3, "Doubling the filters of two chained convs: the second one costs x4",
            "GoogLeNet (Szegedy et al., 2014): 'if two convolutional layers are chained, any "
            "uniform increase in the number of their filters results in a quadratic increase "
            "of computation'; MobileNet (Howard et al., 2017) cuts it with depthwise separable "
            "convs.")
    n, (hh, ww) = args.batch, args.size
    print(f"batch of {n} images {hh}x{ww}: conv3x3 1->k1, ReLU, conv5x5 k1->k2 "
          f"(MACs from mg.summary, time of the forward pass, best of {args.repeats})")
    rows, results, prev = [], [], None
    for scale in args.scales:
        k1, k2 = args.k1 * scale, args.k2 * scale
        model = nn.Sequential(nn.Conv2d(1, k1, 3), nn.ReLU(), nn.Conv2d(k1, k2, 5))
        s = summary(model, (n, 1, hh, ww))
        x = mg.randn(n, 1, hh, ww)
        best = np.inf
        with mg.no_grad():
            for _ in range(args.repeats):
                t0 = time.perf_counter()
                model(x)
                best = min(best, time.perf_counter() - t0)
        m1, m2 = s.rows[0].macs, s.rows[2].macs
        ratio = "" if prev is None else f"x{m1 / prev[0]:.2f} / x{m2 / prev[1]:.2f}"
        t_ratio = "" if prev is None else f"x{best / prev[2]:.1f}"
        rows.append([f"{scale}x", k1, k2, m1, m2, ratio, f"{best * 1e3:.1f}", t_ratio])
        results.append({"k1": k1, "k2": k2, "macs1": m1, "macs2": m2})
        prev = (m1, m2, best)
    table(["scale", "k1", "k2", "MACs conv1", "MACs conv2", "x prev (1 / 2)", "time ms", "x prev"], rows)
    print("conv1's input depth is fixed (1 map), so its cost only doubles; conv2's input and "
          "output depths both double, so its cost quadruples.\nTime approaches x4 per step "
          "only for wide layers: for narrow ones fixed costs (copying the input windows, "
          "Python overhead) dominate, and on a busy machine times are noisy. MACs are exact.")

    k1, k2 = results[-1]["k1"], results[-1]["k2"]
    separable = nn.Sequential(nn.Conv2d(k1, k1, 5, groups=k1, bias=False),   # depthwise
                              nn.Conv2d(k1, k2, 1, bias=False))              # pointwise
    s = summary(separable, (n, k1, hh - 2, ww - 2))
    ratio = s.total_macs / results[-1]["macs2"]
    print(f"\nMobileNet's depthwise separable version of the {args.scales[-1]}x conv2 (5x5 "
          f"depthwise, groups={k1}, then 1x1 {k1}->{k2}): {s.total_macs:,} MACs, {ratio:.4f} "
          f"of the standard conv (= 1/k2 + 1/25 = {1 / k2 + 1 / 25:.4f})")
    return {"scales": results, "separable_macs": s.total_macs}


# ---- 4. pooling ------------------------------------------------------------------------------
def pooling(args):
    heading(4, "Pooling works on each map on its own",
            "LeNet-5 (LeCun et al., 1998): 'each unit in each feature map [of S2] is connected "
            "to a 2x2 neighborhood in the corresponding feature map in C1'; pooling layers have "
            "no weights that could mix maps.")
    c, changed = 4, 2
    x = mg.randn(1, c, 8, 8)
    x2 = Tensor(x.numpy().copy())
    x2.numpy()[:, changed] += mg.randn(8, 8).numpy()
    layers = {"MaxPool2d(2)": nn.MaxPool2d(2), "AvgPool2d(2)": nn.AvgPool2d(2),
              f"Conv2d({c}, {c}, 1), for contrast": nn.Conv2d(c, c, 1)}
    print(f"x {tuple(x.shape)}; change input map {changed} only. "
          "Largest change in each output map:")
    rows, results = [], {}
    for name, layer in layers.items():
        with mg.no_grad():
            delta = np.abs(layer(x2).numpy() - layer(x).numpy()).reshape(c, -1).max(axis=1)
        results[name] = [int(i) for i in np.nonzero(delta)[0]]
        rows.append([name] + [f"{d:.3f}" for d in delta]
                    + [", ".join(map(str, results[name])), summary(layer, (1, c, 8, 8)).total_params])
    table(["layer"] + [f"map {i}" for i in range(c)] + ["changed maps", "parameters"], rows)
    return {"changed": changed, "changed_maps": results}


# ---- 5. 3-D convolution ----------------------------------------------------------------------
def conv3d(args):
    heading(5, "A 3-D filter slides over three axes; the order of the outputs does not matter",
            "3-D CNNs for action recognition (Ji et al., 2013) and C3D (Tran et al., 2015) "
            "slide 3x3x3 filters over time as well as over the image.")
    (d, hh, ww), k = args.volume, tuple(args.kernel3d)
    conv = nn.Conv3d(1, 1, k)
    out_spatial = tuple(output_size(n, kk, 1, 0, 0, 1) for n, kk in zip((d, hh, ww), k))
    out_shape = (1, 1) + out_spatial
    macs = layer_macs(conv, out_shape)
    print(f"Reading 1: the {d} maps of {hh}x{ww} as one volume (1 channel, depth {d}), "
          f"Conv3d(1, 1, kernel_size={k}):")
    print(f"  input (1, 1, {d}, {hh}, {ww}) -> output {out_shape} "
          f"(output size per axis n - k + 1, minigrad's formula)")
    print(f"  parameters {n_params(*conv.parameters()):,} (weight {tuple(conv.weight.shape)} + bias); "
          f"MACs {macs:,} = {np.prod(out_spatial):,} output positions x {np.prod(k)} weights")
    results = {"out_shape": out_shape, "macs": macs, "params": n_params(*conv.parameters())}
    if args.full_3d:
        s = summary(conv, (1, 1, d, hh, ww))
        print(f"  --full-3d: mg.summary ran it: output {s.rows[0].output_shape}, "
              f"MACs {s.total_macs:,}")
        results["full"] = (s.rows[0].output_shape, s.total_macs)

    # The same filter on a slice of the volume, all outputs at once (F.conv3d) versus one
    # output position at a time in a random order, in float64 so only rounding can differ.
    ds = min(args.slice_depth, d)
    conv64 = nn.Conv3d(1, 1, k).double()
    x = mg.randn(1, 1, ds, hh, ww, dtype=np.float64)
    with mg.no_grad():
        y = conv64(x).numpy()[0, 0]
    w, b = conv64.weight.numpy()[0, 0], conv64.bias.numpy()[0]
    windows = np.lib.stride_tricks.sliding_window_view(x.numpy()[0, 0], k)  # a view, no copy
    order = mg.random.generator().permutation(y.size)
    shuffled = np.full(y.shape, np.nan)
    chunks = np.array_split(order, min(args.chunks, y.size))
    for chunk in chunks:                   # one chunk after another, positions out of order
        p = np.unravel_index(chunk, y.shape)
        shuffled[p] = np.einsum("pijk,ijk->p", windows[p], w) + b
    print(f"\nOn a slice of the volume -- input (1, 1, {ds}, {hh}, {ww}), the first {ds} of "
          f"{d} maps -- the {y.size:,} outputs of F.conv3d recomputed in a random order, "
          f"in {len(chunks)} chunks of random positions:")
    print(f"  slice output {(1, 1) + y.shape}; every position filled: "
          f"{not np.isnan(shuffled).any()}; max |diff| = {max_diff(shuffled, y):.1e}")
    pos = tuple(int(i) for i in np.unravel_index(order[0], y.shape))
    patch = x.numpy()[0, 0][tuple(slice(i, i + kk) for i, kk in zip(pos, k))]
    print(f"  e.g. output {pos} = sum(w * x[{pos[0]}:{pos[0] + k[0]}, {pos[1]}:{pos[1] + k[1]}, "
          f"{pos[2]}:{pos[2] + k[2]}]) + b = {np.sum(w * patch) + b:+.6f} "
          f"(F.conv3d: {y[pos]:+.6f})")
    results.update(slice_shape=(1, 1) + y.shape, shuffle_diff=max_diff(shuffled, y),
                   slice_formula=tuple(output_size(n, kk, 1, 0, 0, 1)
                                       for n, kk in zip((ds, hh, ww), k)))

    k2d = tuple(args.kernel2d)
    layer = nn.Conv2d(d, 1, k2d)
    s = summary(layer, (1, d, hh, ww))
    print(f"\nReading 2: {d} channels of {hh}x{ww}, Conv2d({d}, 1, kernel_size={k2d}) -- "
          f"the filter spans all {d} channels and slides over two axes only (mg.summary):")
    print(f"  output {s.rows[0].output_shape}; parameters {s.total_params:,} "
          f"(weight {tuple(layer.weight.shape)} + bias); MACs {s.total_macs:,}")
    results.update(multi_shape=s.rows[0].output_shape, multi_params=s.total_params,
                   multi_macs=s.total_macs)
    return results


SECTIONS = {1: two_chained_convs, 2: one_by_one, 3: quadratic_cost, 4: pooling, 5: conv3d}


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--sections", type=int, nargs="+", default=sorted(SECTIONS),
                   choices=sorted(SECTIONS), help="which sections to run")
    p.add_argument("--size", type=int, nargs=2, default=[28, 28], metavar=("N", "M"),
                   help="image size n x m (sections 1 and 3)")
    p.add_argument("--k1", type=int, default=8, help="filters of the 3x3 conv")
    p.add_argument("--k2", type=int, default=16, help="filters of the 5x5 conv")
    p.add_argument("--scales", type=int, nargs="+", default=[1, 2, 4, 8, 16],
                   help="width multipliers of both convs (section 3); each doubling should x4")
    p.add_argument("--batch", type=int, default=8, help="batch size for the timings (section 3)")
    p.add_argument("--repeats", type=int, default=3, help="timing repeats (section 3)")
    p.add_argument("--bottleneck", type=int, nargs=2, default=[256, 64], metavar=("C", "R"),
                   help="channels, and channels after the 1x1 reduction (section 2)")
    p.add_argument("--bottleneck-size", type=int, default=28, help="map size (section 2)")
    p.add_argument("--volume", type=int, nargs=3, default=[1337, 42, 314], metavar=("D", "H", "W"),
                   help="number of maps and their size (section 5)")
    p.add_argument("--kernel3d", type=int, nargs=3, default=[3, 4, 5], metavar=("KD", "KH", "KW"))
    p.add_argument("--kernel2d", type=int, nargs=2, default=[3, 4], metavar=("KH", "KW"),
                   help="kernel of the multi-channel reading (section 5)")
    p.add_argument("--slice-depth", type=int, default=16,
                   help="maps in the slice on which the shuffled order is shown (section 5)")
    p.add_argument("--chunks", type=int, default=64, help="chunks of the shuffled order")
    p.add_argument("--full-3d", action="store_true",
                   help="also run the 3-D conv on the whole volume (about 4 GB of memory "
                        "and 10 s at the defaults)")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    if min(args.size) < 7:
        p.error(f"--size must be at least 7x7 for a 3x3 then a 5x5 conv, got {args.size}")
    if any(kk > n for kk, n in zip(args.kernel3d, args.volume)):
        p.error(f"--kernel3d {args.kernel3d} is larger than --volume {args.volume}")
    if any(kk > n for kk, n in zip(args.kernel2d, args.volume[1:])):
        p.error(f"--kernel2d {args.kernel2d} is larger than the maps {args.volume[1:]}")
    if args.slice_depth < args.kernel3d[0]:
        p.error(f"--slice-depth must be at least the kernel depth {args.kernel3d[0]}")
    return args


def main(argv=None):
    args = parse_args(argv)
    mg.manual_seed(args.seed)
    return {n: SECTIONS[n](args) for n in args.sections}


if __name__ == "__main__":
    main()
