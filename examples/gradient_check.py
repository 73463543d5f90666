"""Gradients checked against finite differences, and gradients of gradients put to work.

    python examples/gradient_check.py                   # all four sections
    python examples/gradient_check.py --sections 2 --plot step_size.png
    python examples/gradient_check.py --help            # the sizes that can be changed

1. Every layer type of examples/train_mnist.py's network (and the loss, and the whole network
   at tiny widths), in float64: mg.gradcheck (first derivatives) and mg.gradgradcheck (second
   derivatives) on tiny inputs, one row per layer and order.
2. The step size of a finite difference: the relative error of central differences against
   the analytic gradient for eps = 1e-1 ... 1e-12, in float32 and float64. Truncation error
   falls as eps^2, round-off rises as (machine epsilon)/eps: the best eps is near the cube
   root of machine epsilon. --plot draws the V (needs matplotlib).
3. A Hessian-vector product of an MLP's loss by double backprop (grad of <grad, v>), against
   central differences of gradients (g(w + hv) - g(w - hv)) / 2h.
4. Newton's method, its Hessian built by double backprop, against gradient descent on the
   same function: quadratic against linear convergence.

Every number printed is computed by minigrad (mg.autograd.grad, mg.gradcheck), none typed in.
"""
import argparse
import copy
import importlib.util
import os
import sys
import textwrap
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))   # run from a clone without install

import minigrad as mg  # noqa: E402
import minigrad.nn.functional as F  # noqa: E402
from minigrad import nn  # noqa: E402

INSTALL = ("--plot draws with matplotlib, which is not installed.\n"
           "Install it with the plot extra, from the repository root:\n"
           "    pip install -e \".[plot]\"\n"
           "(or just: pip install matplotlib)")


# ---- helpers ---------------------------------------------------------------------------------
def note(text):
    print(textwrap.fill(text, width=100))


def heading(number, title, reference):
    print(f"\n== {number}. {title} ==")
    note(f"Reference: {reference}")
    print()


def table(header, rows):
    """Print rows under a header, first column left-aligned, the others right-aligned."""
    cells = [[str(c) for c in header]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    for j, r in enumerate(cells):
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                        for i, (c, w) in enumerate(zip(r, widths))))
        if j == 0:
            print("  ".join("-" * w for w in widths))


def train_mnist_script():
    """examples/train_mnist.py as a module, for its ``build_model``."""
    spec = importlib.util.spec_from_file_location("train_mnist",
                                                  os.path.join(HERE, "train_mnist.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def import_pyplot():
    """matplotlib.pyplot with a file-only backend, or None when matplotlib is missing."""
    try:
        import matplotlib
    except ImportError:
        return None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


# ---- 1. every layer of the MNIST network, first and second derivatives -----------------------
def layer_cases(model, size, rng):
    """One check per distinct layer of ``model`` (train_mnist.py's network), with the same
    hyperparameters but 2 or 3 channels: (name, fn, inputs, input names). The functional
    form takes the weights as arguments, so gradcheck perturbs and checks them too."""
    def t(*shape):
        return mg.tensor(rng.standard_normal(shape), requires_grad=True)   # float64

    n, c, o = 2, 2, 3
    x = t(n, c, size, size)
    cases = {}
    for m in model:
        if isinstance(m, nn.Conv2d):
            k = m.kernel_size
            name = f"Conv2d {k[0]}x{k[1]}" + (", padding 1" if m.padding != (0, 0) else "") \
                + (" (the bottleneck)" if k == (1, 1) else "")

            def fn(x, w, *b, m=m):
                return F.conv2d(x, w, *b, stride=m.stride, padding=m.padding)
            inputs = (x, t(o, c, *k)) + ((t(o),) if m.bias is not None else ())
            names = ["x", "weight"] + (["bias"] if m.bias is not None else [])
        elif isinstance(m, nn.BatchNorm2d):
            name = "BatchNorm2d (training mode)"

            def fn(x, w, b, m=m):
                return F.batch_norm(x, None, None, w, b, training=True, eps=m.eps)
            inputs, names = (x, t(c), t(c)), ["x", "weight", "bias"]
        elif isinstance(m, nn.ReLU):
            name, fn, inputs, names = "ReLU", F.relu, (x,), ["x"]
        elif isinstance(m, nn.MaxPool2d):
            name = f"MaxPool2d({m.kernel_size})"

            def fn(x, m=m):
                return F.max_pool2d(x, m.kernel_size, m.stride)
            inputs, names = (x,), ["x"]
        elif isinstance(m, nn.Flatten):
            name = "Flatten"

            def fn(x, m=m):
                return x.flatten(m.start_dim, m.end_dim)
            inputs, names = (x,), ["x"]
        elif isinstance(m, nn.Linear):
            name, fn = "Linear", F.linear
            inputs, names = (t(n, 5), t(4, 5), t(4)), ["x", "weight", "bias"]
        else:
            raise TypeError(f"no check written for {type(m).__name__}: add one to layer_cases")
        cases.setdefault(name, (fn, inputs, names))
    labels = mg.tensor(np.arange(n) % 4)
    cases["cross_entropy (the loss)"] = (lambda z: F.cross_entropy(z, labels), (t(n, 4),),
                                         ["logits"])
    return cases


def tiny_network(model, size):
    """train_mnist.py's network with every width divided by 8 (the input's 1 channel and the
    10 classes kept), for ``size`` x ``size`` images, in float64."""
    def small(width):
        return 1 if width == 1 else max(2, width // 8)

    layers, flat, last = [], None, len(model) - 1
    for i, m in enumerate(model):
        if isinstance(m, nn.Conv2d):
            layers.append(nn.Conv2d(small(m.in_channels), small(m.out_channels), m.kernel_size,
                                    stride=m.stride, padding=m.padding, bias=m.bias is not None))
        elif isinstance(m, nn.BatchNorm2d):
            layers.append(nn.BatchNorm2d(small(m.num_features), eps=m.eps))
        elif isinstance(m, nn.Linear):
            if flat is None:   # the first Linear takes whatever the conv part flattens to
                with mg.no_grad():
                    flat = nn.Sequential(*layers)(mg.zeros(2, 1, size, size)).shape[1]
                n_in = flat
            else:
                n_in = small(m.in_features)
            layers.append(nn.Linear(n_in, m.out_features if i == last else small(m.out_features)))
        else:            # ReLU, MaxPool2d, Flatten: no parameters, nothing to shrink
            layers.append(copy.deepcopy(m))
    return nn.Sequential(*layers).double()


def summarise(report, names):
    """A GradcheckReport's rows (one per checked input) as one: the largest errors, and the
    names of the inputs checked."""
    return (max(r["max_abs_error"] for r in report.rows),
            max(r["max_rel_error"] for r in report.rows),
            ", ".join(names[r["input"]] for r in report.rows))


def check_layers(args):
    heading(1, "Every layer of the MNIST network, checked in float64 to the second derivative",
            "PyTorch's torch.autograd.gradcheck / gradgradcheck: central differences against "
            "the analytic vector-Jacobian product, element by element")
    rng = np.random.default_rng(args.seed)
    model = train_mnist_script().build_model()
    cases = layer_cases(model, args.size, rng)
    mg.manual_seed(args.seed)
    net = tiny_network(model, args.size)
    image = mg.tensor(rng.standard_normal((2, 1, args.size, args.size)), requires_grad=True)
    labels = mg.tensor(np.array([3, 7]))
    cases[f"whole network, widths / 8, {args.size}x{args.size} images"] = (
        lambda x: F.cross_entropy(net(x), labels), (image,), ["image"])

    # The checks' own random upstream gradients use another seed than the inputs: with the
    # same stream, v == x, and BatchNorm's gradient of sum(v * y) vanishes (nothing left to check).
    rows, results, t0 = [], [], time.perf_counter()
    for name, (fn, inputs, names) in cases.items():
        for order, check in ((1, mg.gradcheck), (2, mg.gradgradcheck)):
            report = check(fn, inputs, report=True, seed=args.seed + 1)
            # gradgradcheck also checks the derivative w.r.t. the upstream gradient v
            abs_err, rel_err, checked = summarise(report, names + ["v"])
            rows.append([name, order, checked, f"{abs_err:.1e}", f"{rel_err:.1e}",
                         "yes" if report.passed else "NO"])
            results.append({"layer": name, "order": order, "max_abs_error": float(abs_err),
                            "max_rel_error": float(rel_err), "passed": bool(report.passed)})
    table(["layer", "order", "checked", "max abs error", "max rel error", "passed"], rows)
    passed = sum(r["passed"] for r in results)
    print()
    note(f"{passed} of {len(results)} checks passed in {time.perf_counter() - t0:.1f} s. An "
         "element passes when |numerical - analytic| <= 1e-5 + 1e-3 |numerical|; the relative "
         "error is largest where a derivative is itself near 0. Order 2 checks the gradient as a "
         "function, (x, v) -> grad(f(x), x, v, create_graph=True), so v is checked as well.")
    return {"rows": results, "all_passed": passed == len(results)}


# ---- 2. the step size of a finite difference -------------------------------------------------
def step_size(args):
    heading(2, "The step size of a central difference: truncation against round-off",
            "Numerical Recipes, section 5.7: the best step of (f(x+h) - f(x-h)) / 2h is about "
            "macheps^(1/3) times the scale of x (macheps: the machine epsilon)")
    n_in, n_out = args.fd_layer
    rng = np.random.default_rng(args.seed)
    X = rng.standard_normal((args.fd_batch, n_in))
    W0 = rng.standard_normal((n_out, n_in)) / np.sqrt(n_in)
    b0 = 0.1 * rng.standard_normal(n_out)
    Y = 0.5 * rng.standard_normal((args.fd_batch, n_out))

    def loss(W, dtype):     # a tanh layer's squared error, in the dtype of its constants
        x, b, y = (mg.tensor(a.astype(dtype)) for a in (X, b0, Y))
        return F.mse_loss(mg.tanh(F.linear(x, W, b)), y)

    # the reference: the analytic gradient in float64, and the third derivatives along each
    # weight (d^3 f / dW_i^3, by differentiating twice more) for the truncation term
    W = mg.tensor(W0, requires_grad=True)
    f = loss(W, np.float64)
    (g,) = mg.autograd.grad(f, W, create_graph=True)
    third = np.zeros(W0.shape)
    for i in np.ndindex(W0.shape):
        (h_row,) = mg.autograd.grad(g[i], W, create_graph=True)      # row i of the Hessian
        (t_row,) = mg.autograd.grad(h_row[i], W, retain_graph=True)
        third[i] = t_row.numpy()[i]
    g = g.numpy()
    W32 = mg.tensor(W0.astype(np.float32), requires_grad=True)
    (g32,) = mg.autograd.grad(loss(W32, np.float32), W32)
    g32_error = np.linalg.norm(g32.numpy() - g) / np.linalg.norm(g)

    def central_differences(dtype, h):
        w = W0.astype(dtype)
        out = np.zeros(w.shape)
        for i in np.ndindex(w.shape):
            orig = w[i]
            w[i] = orig + dtype(h)
            plus = loss(mg.tensor(w), dtype).item()
            w[i] = orig - dtype(h)
            minus = loss(mg.tensor(w), dtype).item()
            w[i] = orig
            out[i] = (plus - minus) / (2 * h)
        return out

    dtypes = (np.float32, np.float64)
    steps = [10.0 ** -k for k in range(1, args.fd_max_exponent + 1)]
    errors = {d: [float(np.linalg.norm(central_differences(d, h) - g) / np.linalg.norm(g))
                  for h in steps] for d in dtypes}
    # the model: |error| ~ h^2 |f'''| / 6 (truncation) + macheps |f| / h (round-off: each value
    # of f is off by about macheps |f|), both relative to |analytic| like the measurements
    gnorm, fabs, tnorm = np.linalg.norm(g), abs(f.item()), np.linalg.norm(third)
    truncation = [h * h * tnorm / 6 / gnorm for h in steps]
    roundoff = {d: [np.finfo(d).eps * fabs / h / gnorm for h in steps] for d in dtypes}

    note(f"f(W) = mse(tanh(x W^T + b), y), W {W0.shape}, x {X.shape}. Relative error "
         "|numerical - analytic| / |analytic| over all of W of central differences with step "
         "h = eps, against the analytic gradient (autograd, float64); then the model of that "
         "error: truncation h^2 |f'''| / 6 (f''' along each weight by triple backprop) plus "
         "round-off macheps |f| / h.")
    print()
    table(["eps", "float32", "float64", "h^2|f'''|/6", "macheps32|f|/h", "macheps64|f|/h"],
          [[f"{h:.0e}", f"{errors[np.float32][j]:.1e}", f"{errors[np.float64][j]:.1e}",
            f"{truncation[j]:.1e}", f"{roundoff[np.float32][j]:.1e}",
            f"{roundoff[np.float64][j]:.1e}"] for j, h in enumerate(steps)])
    print()
    best = {}
    for d in dtypes:
        eps = np.finfo(d).eps
        j = int(np.argmin(errors[d]))
        cube_root = eps ** (1 / 3)
        model_best = (3 * eps * fabs / tnorm) ** (1 / 3)
        best[d.__name__] = {"eps": steps[j], "error": errors[d][j], "cube_root": float(cube_root),
                            "model_optimum": float(model_best)}
        ratio = steps[j] / cube_root
        note(f"{d.__name__}: smallest error {errors[d][j]:.1e} at eps = {steps[j]:.0e}, "
             f"{max(ratio, 1 / ratio):.1f}x {'above' if ratio >= 1 else 'below'} the theory's "
             f"optimum macheps^(1/3) = ({eps:.2e})^(1/3) = {cube_root:.1e} (the steps are a "
             "factor 10 apart); with this function's scales the model's optimum "
             f"(3 macheps |f| / |f'''|)^(1/3) is {model_best:.1e}.")
    note(f"Backprop has no step: in float32 it is within {g32_error:.1e} of float64. Below about "
         "macheps32 |W|, a float32 W + eps rounds back to W, the two losses are equal and the "
         "error is 1.")
    results = {"steps": steps, "errors": {d.__name__: errors[d] for d in dtypes}, "best": best,
               "float32_backprop_error": float(g32_error)}
    if args.plot:
        plot_step_size(args.plot, steps, errors, truncation, roundoff)
        results["plot"] = args.plot
    return results


def plot_step_size(path, steps, errors, truncation, roundoff):
    """Section 2's errors against the step on log-log axes, with the model's two terms."""
    plt = import_pyplot()
    fig, ax = plt.subplots(figsize=(7, 5))
    for d, colour in ((np.float32, "tab:orange"), (np.float64, "tab:blue")):
        optimum = np.finfo(d).eps ** (1 / 3)
        ax.loglog(steps, errors[d], "o-", color=colour, label=f"{d.__name__}: measured")
        model = np.array(truncation) + np.array(roundoff[d])
        ax.loglog(steps, np.minimum(model, 1), "--", color=colour, alpha=0.6,
                  label=f"{d.__name__}: model h²|f'''|/6 + ε|f|/h")
        ax.axvline(optimum, color=colour, ls=":", alpha=0.8)
        right = d is np.float32       # its label left of its line, clear of the axes' edge
        label = f"ε^(1/3), {d.__name__} " if right else f" ε^(1/3), {d.__name__}"
        ax.text(optimum, 1e-14 if right else 3e-16, label, color=colour, fontsize=8,
                ha="right" if right else "left")
    ax.set_xlabel("step h (eps)")
    ax.set_ylabel("relative error of the central difference")
    ax.set_ylim(1e-16, 3)
    ax.set_title("Central differences: truncation (∝ h²) against round-off (∝ ε/h)")
    ax.legend(fontsize=8, loc="lower left")
    ax.grid(True, which="major", alpha=0.3)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
    print(f"wrote {path}")


# ---- 3. a Hessian-vector product by double backprop ------------------------------------------
def hessian_vector_product(args):
    heading(3, "A Hessian-vector product by double backprop, against differences of gradients",
            "Pearlmutter, 'Fast exact multiplication by the Hessian', Neural Computation 1994: "
            "Hv costs a small multiple of one gradient, never the n x n Hessian")
    n_in, hidden, n_out = args.mlp
    mg.manual_seed(args.seed)
    model = nn.Sequential(nn.Linear(n_in, hidden), nn.Tanh(), nn.Linear(hidden, n_out)).double()
    rng = np.random.default_rng(args.seed)
    x = mg.tensor(rng.standard_normal((args.hvp_batch, n_in)))
    y = mg.tensor(rng.integers(0, n_out, args.hvp_batch))
    params = list(model.parameters())
    v = [rng.standard_normal(p.shape) for p in params]
    norm = np.sqrt(sum(np.sum(a * a) for a in v))
    v = [a / norm for a in v]                    # a unit direction in parameter space
    n = sum(p.numel() for p in params)

    t0 = time.perf_counter()
    grads = mg.autograd.grad(F.cross_entropy(model(x), y), params, create_graph=True)
    dot = sum((g * mg.tensor(a)).sum() for g, a in zip(grads, v))       # <grad, v>, with a graph
    hv = np.concatenate([h.numpy().ravel() for h in mg.autograd.grad(dot, params)])
    seconds = time.perf_counter() - t0

    def gradient():
        gs = mg.autograd.grad(F.cross_entropy(model(x), y), params)
        return np.concatenate([g.numpy().ravel() for g in gs])

    # central differences of the gradient along v: (g(w + hv) - g(w - hv)) / 2h
    h, original = args.hvp_eps, [p.numpy().copy() for p in params]
    differences = []
    for step in (h, -h):
        for p, w, a in zip(params, original, v):
            p.numpy()[...] = w + step * a
        differences.append(gradient())
    for p, w in zip(params, original):
        p.numpy()[...] = w
    numerical = (differences[0] - differences[1]) / (2 * h)
    rel = float(np.linalg.norm(hv - numerical) / np.linalg.norm(hv))
    vec = np.concatenate([a.ravel() for a in v])

    t0 = time.perf_counter()
    gradient()
    one_gradient = time.perf_counter() - t0

    note(f"MLP {n_in} -> {hidden} (tanh) -> {n_out}, cross-entropy on a batch of "
         f"{args.hvp_batch}, float64; {n:,} parameters w, v a random unit vector over all of them.")
    print("  Hv = grad(<grad(loss, w, create_graph=True), v>, w)\n")
    table(["", "|Hv|", "v.Hv (curvature along v)"],
          [["double backprop", f"{np.linalg.norm(hv):.10f}", f"{vec @ hv:+.10f}"],
           [f"(g(w+hv) - g(w-hv)) / 2h, h = {h:.0e}", f"{np.linalg.norm(numerical):.10f}",
            f"{vec @ numerical:+.10f}"]])
    print()
    note(f"relative error |Hv - differences| / |Hv| = {rel:.1e}. Double backprop took "
         f"{seconds * 1e3:.1f} ms (one gradient: {one_gradient * 1e3:.1f} ms), without forming "
         f"the Hessian's {n * n:,} entries.")
    return {"hv_norm": float(np.linalg.norm(hv)), "fd_norm": float(np.linalg.norm(numerical)),
            "relative_error": rel, "params": n}


# ---- 4. Newton's method by double backprop ---------------------------------------------------
def boyd(x):
    """Boyd & Vandenberghe's non-quadratic example in R^2 (Convex Optimization, section 9.3.2)."""
    return (x[0] + 3 * x[1] - 0.1).exp() + (x[0] - 3 * x[1] - 0.1).exp() + (-x[0] - 0.1).exp()


def value_and_grad(fn, x0, hessian=False):
    """f(x0), its gradient and (with ``hessian``) its Hessian, built row by row by
    differentiating each component of the gradient again."""
    x = mg.tensor(x0, requires_grad=True)
    y = fn(x)
    (g,) = mg.autograd.grad(y, x, create_graph=hessian)
    if not hessian:
        return y.item(), g.numpy(), None
    H = np.stack([mg.autograd.grad(g[i], x, retain_graph=True)[0].numpy() for i in range(len(x0))])
    return y.item(), g.numpy(), H


def minimise(fn, x0, second_order, tol, max_iters, alpha=0.1, beta=0.7):
    """Newton's method or gradient descent, each with a backtracking line search (Armijo:
    shrink t by beta until f(x + t d) <= f(x) + alpha t grad.d). One dict per iterate."""
    x, history = np.array(x0, dtype=np.float64), []
    for k in range(max_iters + 1):
        y, g, H = value_and_grad(fn, x, hessian=second_order)
        history.append({"k": k, "x": x.copy(), "f": y, "grad": float(np.linalg.norm(g))})
        if history[-1]["grad"] <= tol or k == max_iters:
            break
        d = -np.linalg.solve(H, g) if second_order else -g
        t = 1.0
        while fn(mg.tensor(x + t * d)).item() > y + alpha * t * (g @ d) and t > 1e-12:
            t *= beta
        history[-1]["t"] = t
        x = x + t * d
    return history


def newton(args):
    heading(4, "Newton's method with a Hessian from double backprop, against gradient descent",
            "Boyd & Vandenberghe, Convex Optimization, sections 9.3.2 and 9.5: gradient descent "
            "converges linearly, Newton's method quadratically near the minimum")
    tol, x0 = args.tol, tuple(args.start)
    runs = {"Newton": minimise(boyd, x0, True, tol, args.max_iters),
            "gradient descent": minimise(boyd, x0, False, tol, args.max_iters)}
    note("f(x) = exp(x1 + 3 x2 - 0.1) + exp(x1 - 3 x2 - 0.1) + exp(-x1 - 0.1), from "
         f"x0 = {x0}, both methods with the same backtracking line search (alpha 0.1, "
         "beta 0.7). Newton's step d solves H d = -grad f, the Hessian's rows H[i] = grad(g[i], x) "
         "from g = grad(f, x, create_graph=True).")
    for name, history in runs.items():
        power = 2 if name == "Newton" else 1
        ratio = "|g_k| / |g_k-1|" + ("^2" if power == 2 else "")
        shown = history if name == "Newton" else \
            [h for h in history if h["k"] % args.every == 0 or h is history[-1]]
        rows = []
        for h in shown:
            prev = history[h["k"] - 1]["grad"] if h["k"] else None
            rows.append([h["k"], f"{h['x'][0]:+.10f}", f"{h['x'][1]:+.10f}", f"{h['f']:.12f}",
                         f"{h['grad']:.2e}", f"{h['t']:.3g}" if "t" in h else "",
                         f"{h['grad'] / prev ** power:.3f}" if prev else ""])
        if len(shown) < len(history):
            name += f" (iterations k = 0, {args.every}, {2 * args.every}, ... and the last)"
        print(f"\n{name}:")
        table(["k", "x1", "x2", "f(x)", "|grad f|", "step t", ratio], rows)

    steps = {name: (len(h) - 1 if h[-1]["grad"] <= tol else None) for name, h in runs.items()}
    described = {name: (f"{n} iterations" if n is not None else
                        f"not within {args.max_iters} iterations (|grad f| = "
                        f"{runs[name][-1]['grad']:.1e})") for name, n in steps.items()}
    gd = runs["gradient descent"]
    rate = (gd[-1]["grad"] / gd[0]["grad"]) ** (1 / max(len(gd) - 1, 1))
    print()
    note(f"To |grad f| <= {tol:g}: Newton {described['Newton']}, gradient descent "
         f"{described['gradient descent']}. Newton's |g_k| / |g_k-1|^2 stays bounded: near the "
         "minimum the number of correct digits doubles at each step (quadratic convergence). "
         "Gradient descent's |g_k| / |g_k-1| stays below 1 but away from 0: on average "
         f"{rate:.2f}, {-np.log10(rate):.2f} digits a step (linear convergence).")
    return {"iterations": steps, "final": {n: h[-1] for n, h in runs.items()},
            "histories": runs, "gd_rate": float(rate)}


SECTIONS = {1: check_layers, 2: step_size, 3: hessian_vector_product, 4: newton}


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--sections", type=int, nargs="+", default=sorted(SECTIONS),
                   choices=sorted(SECTIONS), help="which sections to run")
    p.add_argument("--size", type=int, default=4,
                   help="the tiny images are size x size (section 1); a multiple of 4")
    p.add_argument("--fd-layer", type=int, nargs=2, default=[8, 4], metavar=("IN", "OUT"),
                   help="the tanh layer whose weight gradient is differenced (section 2)")
    p.add_argument("--fd-batch", type=int, default=5, help="its batch (section 2)")
    p.add_argument("--fd-max-exponent", type=int, default=12,
                   help="steps eps = 1e-1 ... 1e-N (section 2)")
    p.add_argument("--plot", metavar="PATH", help="draw section 2's curve into a PNG (matplotlib)")
    p.add_argument("--mlp", type=int, nargs=3, default=[6, 16, 3], metavar=("IN", "HIDDEN", "OUT"),
                   help="the MLP of the Hessian-vector product (section 3)")
    p.add_argument("--hvp-batch", type=int, default=8, help="its batch (section 3)")
    p.add_argument("--hvp-eps", type=float, default=1e-5,
                   help="step of the differences of gradients (section 3)")
    p.add_argument("--start", type=float, nargs=2, default=[-1.0, 1.0], metavar=("X1", "X2"),
                   help="starting point of both minimisations (section 4)")
    p.add_argument("--tol", type=float, default=1e-6, help="stop at |grad f| <= tol (section 4)")
    p.add_argument("--max-iters", type=int, default=500, help="iteration limit (section 4)")
    p.add_argument("--every", type=int, default=5,
                   help="print every n-th gradient-descent iteration (section 4)")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    if args.size < 4 or args.size % 4:
        p.error(f"--size must be a positive multiple of 4 (two 2x2 poolings), got {args.size}")
    if args.fd_max_exponent < 2:
        p.error("--fd-max-exponent must be at least 2")
    if args.plot and 2 not in args.sections:
        p.error("--plot draws section 2: include 2 in --sections")
    if args.every < 1:
        p.error("--every must be positive")
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.plot and import_pyplot() is None:      # say so before any work is done
        print(INSTALL, file=sys.stderr)
        raise SystemExit(1)
    return {n: SECTIONS[n](args) for n in args.sections}


if __name__ == "__main__":
    main()
