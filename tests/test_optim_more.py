"""Adadelta, RMSprop and Adagrad: against PyTorch's documented update rules written out in
numpy over several steps, against torch.optim itself when torch is installed, and the
optimizer bookkeeping (param groups, state_dict, argument checks) they share."""
import math

import numpy as np
import pytest

import minigrad as mg
from minigrad import optim
from minigrad.tensor import Tensor


def run(opt, p, grads):
    """Feed the gradients one step at a time; return the parameter after each step."""
    history = []
    for g in grads:
        p.grad = Tensor(np.array(g, dtype=p.dtype))
        opt.step()
        history.append(p.numpy().copy())
    return history


def problem(seed=0, steps=7, shape=(3, 4)):
    rng = np.random.default_rng(seed)
    w0 = rng.standard_normal(shape).astype(np.float32)
    grads = rng.standard_normal((steps,) + shape).astype(np.float32)
    grads[3] *= 0.01            # a step with a small gradient, where the running averages lag
    return w0, grads


# ---- the update rules of PyTorch's documentation, in float64 numpy ---------------------------
def adadelta_reference(w, grads, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0):
    v, u, out = np.zeros_like(w), np.zeros_like(w), []
    for g in grads:
        g = g + weight_decay * w
        v = rho * v + (1 - rho) * g * g
        delta = np.sqrt(u + eps) / np.sqrt(v + eps) * g
        u = rho * u + (1 - rho) * delta * delta
        w = w - lr * delta
        out.append(w)
    return out


def rmsprop_reference(w, grads, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                      centered=False):
    v, g_avg, buf, out = np.zeros_like(w), np.zeros_like(w), np.zeros_like(w), []
    for g in grads:
        g = g + weight_decay * w
        v = alpha * v + (1 - alpha) * g * g
        if centered:
            g_avg = alpha * g_avg + (1 - alpha) * g
            denom = np.sqrt(v - g_avg * g_avg) + eps
        else:
            denom = np.sqrt(v) + eps
        if momentum > 0:
            buf = momentum * buf + g / denom
            w = w - lr * buf
        else:
            w = w - lr * g / denom
        out.append(w)
    return out


def adagrad_reference(w, grads, lr=1e-2, lr_decay=0.0, weight_decay=0.0,
                      initial_accumulator_value=0.0, eps=1e-10):
    s, out = np.full_like(w, initial_accumulator_value), []
    for t, g in enumerate(grads, start=1):
        g = g + weight_decay * w
        clr = lr / (1 + (t - 1) * lr_decay)
        s = s + g * g
        w = w - clr * g / (np.sqrt(s) + eps)
        out.append(w)
    return out


CASES = [
    (optim.Adadelta, adadelta_reference, {}),
    (optim.Adadelta, adadelta_reference, dict(lr=0.5, rho=0.8, eps=1e-3, weight_decay=0.1)),
    (optim.RMSprop, rmsprop_reference, {}),
    (optim.RMSprop, rmsprop_reference, dict(lr=0.03, alpha=0.9, eps=0.05, weight_decay=0.05)),
    (optim.RMSprop, rmsprop_reference, dict(lr=0.01, momentum=0.8)),
    (optim.RMSprop, rmsprop_reference, dict(lr=0.01, alpha=0.95, centered=True)),
    (optim.RMSprop, rmsprop_reference, dict(lr=0.02, momentum=0.5, centered=True,
                                            weight_decay=0.01, eps=1e-3)),
    (optim.Adagrad, adagrad_reference, {}),
    (optim.Adagrad, adagrad_reference, dict(lr=0.1, lr_decay=0.3, weight_decay=0.1,
                                            initial_accumulator_value=0.5, eps=1e-3)),
]
IDS = [f"{cls.__name__}-{i}" for i, (cls, _, _) in enumerate(CASES)]


@pytest.mark.parametrize("cls, reference, kw", CASES, ids=IDS)
def test_matches_the_documented_update_rule(cls, reference, kw):
    w0, grads = problem()
    p = Tensor(w0.copy(), requires_grad=True)
    hist = run(cls([p], **kw), p, grads)
    want = reference(w0.astype(np.float64), grads.astype(np.float64), **kw)
    for t, (got, ref) in enumerate(zip(hist, want)):
        np.testing.assert_allclose(got, ref, rtol=2e-5, atol=2e-6, err_msg=f"step {t + 1}")


@pytest.mark.parametrize("cls, reference, kw", CASES, ids=IDS)
def test_matches_torch_optim(cls, reference, kw):
    torch = pytest.importorskip("torch")
    w0, grads = problem(seed=1)
    p = Tensor(w0.astype(np.float64), requires_grad=True)
    hist = run(cls([p], **kw), p, grads.astype(np.float64))
    tp = torch.tensor(w0.astype(np.float64), requires_grad=True)
    topt = getattr(torch.optim, cls.__name__)([tp], **kw)
    for t, g in enumerate(grads):
        tp.grad = torch.tensor(g.astype(np.float64))
        topt.step()
        np.testing.assert_allclose(hist[t], tp.detach().numpy(), rtol=1e-12, atol=1e-14,
                                   err_msg=f"step {t + 1}")


def test_defaults_are_pytorchs():
    p = [Tensor(np.zeros(2, np.float32), requires_grad=True)]
    assert optim.Adadelta(p).defaults == dict(lr=1.0, rho=0.9, eps=1e-6, weight_decay=0)
    assert optim.RMSprop(p).defaults == dict(lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0,
                                             momentum=0, centered=False)
    assert optim.Adagrad(p).defaults == dict(lr=1e-2, lr_decay=0, weight_decay=0,
                                             initial_accumulator_value=0, eps=1e-10)


def test_first_steps_worked_out_by_hand():
    # Adadelta, g = 1: v = 0.1, delta = sqrt(1e-6)/sqrt(0.1 + 1e-6) -> p = 1 - 0.00316226...
    p = Tensor(np.array([1.0]), requires_grad=True)
    run(optim.Adadelta([p]), p, [[1.0]])
    np.testing.assert_allclose(p.numpy(), [1 - math.sqrt(1e-6) / math.sqrt(0.1 + 1e-6)])
    # RMSprop, g = 2: v = 0.01 * 4 = 0.04, step = 0.01 * 2 / (0.2 + 1e-8)
    p = Tensor(np.array([1.0]), requires_grad=True)
    run(optim.RMSprop([p]), p, [[2.0]])
    np.testing.assert_allclose(p.numpy(), [1 - 0.01 * 2 / (0.2 + 1e-8)])
    # Adagrad, g = 3 then 4: steps lr * 3/3 then lr * 4/5 (sum = 9, then 25)
    p = Tensor(np.array([1.0]), requires_grad=True)
    hist = run(optim.Adagrad([p], lr=0.1), p, [[3.0], [4.0]])
    np.testing.assert_allclose(np.ravel(hist), [0.9, 0.9 - 0.08], rtol=1e-9)


MAKERS = [lambda ps: optim.Adadelta(ps, lr=0.5, weight_decay=0.01),
          lambda ps: optim.RMSprop(ps, lr=0.01, momentum=0.9, centered=True),
          lambda ps: optim.Adagrad(ps, lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1)]


@pytest.mark.parametrize("make", MAKERS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_updates_keep_the_dtype_and_work_in_place(make, dtype):
    p = Tensor(np.ones((3, 2), dtype), requires_grad=True)
    array = p.numpy()
    opt = make([p])
    run(opt, p, [np.full((3, 2), 0.5)] * 3)
    assert p.numpy() is array and p.numpy().dtype == dtype
    assert not np.allclose(array, 1.0)
    for value in opt.state[p].values():
        if isinstance(value, np.ndarray):
            assert value.dtype == dtype


@pytest.mark.parametrize("make", MAKERS)
def test_step_leaves_the_gradient_untouched_and_skips_params_without_grad(make):
    a = Tensor(np.array([1.0, -1.0], np.float32), requires_grad=True)
    b = Tensor(np.array([3.0], np.float32), requires_grad=True)
    g = np.array([0.5, 0.25], np.float32)
    a.grad = Tensor(g.copy())
    make([a, b]).step()
    np.testing.assert_array_equal(a.grad.numpy(), g)
    assert b.numpy().tolist() == [3.0]


@pytest.mark.parametrize("make", [lambda ps: optim.Adadelta(ps),
                                  lambda ps: optim.RMSprop(ps, lr=0.01, momentum=0.5),
                                  lambda ps: optim.Adagrad(ps, lr=0.5)])
def test_minimise_a_quadratic_with_autograd(make):
    target = np.array([1.0, -2.0, 3.0], np.float32)
    p = Tensor(np.zeros(3, np.float32), requires_grad=True)
    opt = make([p])
    for _ in range(1000):
        opt.zero_grad()
        ((p - Tensor(target)) ** 2).sum().backward()
        opt.step()
    np.testing.assert_allclose(p.numpy(), target, atol=0.1)


@pytest.mark.parametrize("make", MAKERS)
def test_state_dict_round_trip_resumes_exactly(make, tmp_path):
    w0, grads = problem(seed=2, steps=6, shape=(4,))
    p = Tensor(w0.copy(), requires_grad=True)
    q = Tensor(np.array([5.0], np.float32), requires_grad=True)
    opt = make([{"params": [p]}, {"params": [q], "lr": 0.01}])
    run(opt, p, grads[:3])
    mg.save(opt.state_dict(), tmp_path / "opt.ckpt")     # through a checkpoint file too

    p2 = Tensor(p.numpy().copy(), requires_grad=True)
    opt2 = make([{"params": [p2]}, {"params": [Tensor(np.array([5.0], np.float32),
                                                      requires_grad=True)]}])
    opt2.load_state_dict(mg.load(tmp_path / "opt.ckpt"))
    assert opt2.param_groups[1]["lr"] == 0.01
    run(opt, p, grads[3:])
    run(opt2, p2, grads[3:])
    np.testing.assert_array_equal(p2.numpy(), p.numpy())


def test_state_names_match_pytorch():
    p = Tensor(np.ones(2, np.float32), requires_grad=True)
    for opt, keys in ((optim.Adadelta([p]), {"step", "square_avg", "acc_delta"}),
                      (optim.RMSprop([p]), {"step", "square_avg"}),
                      (optim.RMSprop([p], momentum=0.9, centered=True),
                       {"step", "square_avg", "momentum_buffer", "grad_avg"})):
        run(opt, p, [[1.0, 1.0]])
        assert set(opt.state[p]) == keys
    # Adagrad makes its state when constructed, as PyTorch does
    ada = optim.Adagrad([p], initial_accumulator_value=0.25)
    sd = ada.state_dict()
    assert sd["state"][0]["step"] == 0 and sd["state"][0]["sum"].tolist() == [0.25, 0.25]


def test_adagrad_group_added_later_gets_state_on_its_first_step():
    a = Tensor(np.ones(1, np.float32), requires_grad=True)
    b = Tensor(np.ones(1, np.float32), requires_grad=True)
    opt = optim.Adagrad([a], lr=0.1)
    opt.add_param_group({"params": [b], "initial_accumulator_value": 1.0})
    run(opt, b, [[1.0]])
    assert opt.state[b]["sum"].tolist() == [2.0]
    np.testing.assert_allclose(b.numpy(), [1 - 0.1 / math.sqrt(2)], rtol=1e-6)


def test_param_groups_take_their_own_settings():
    a = Tensor(np.ones(1), requires_grad=True)
    b = Tensor(np.ones(1), requires_grad=True)
    opt = optim.RMSprop([{"params": [a]}, {"params": [b], "lr": 0.1, "momentum": 0.5}])
    assert [g["lr"] for g in opt.param_groups] == [0.01, 0.1]
    assert [g["momentum"] for g in opt.param_groups] == [0, 0.5]
    a.grad, b.grad = Tensor(np.ones(1)), Tensor(np.ones(1))
    opt.step()
    np.testing.assert_allclose([a.numpy()[0], b.numpy()[0]],
                               [1 - 0.01 / (0.1 + 1e-8), 1 - 0.1 / (0.1 + 1e-8)])


def test_repr():
    p = Tensor(np.ones(1, np.float32), requires_grad=True)
    text = repr(optim.Adadelta([p]))
    assert text.startswith("Adadelta (") and "rho: 0.9" in text and "lr: 1.0" in text


P = [Tensor(np.ones(1, np.float32), requires_grad=True)]


@pytest.mark.parametrize("make, match", [
    (lambda: optim.Adadelta(P, lr=-1), "invalid learning rate: -1"),
    (lambda: optim.Adadelta(P, rho=1.5), r"Adadelta: invalid rho value: 1.5 \(must be in \[0, 1\]\)"),
    (lambda: optim.Adadelta(P, eps=-1), "Adadelta: invalid epsilon value"),
    (lambda: optim.Adadelta(P, weight_decay=-0.1), "weight_decay"),
    (lambda: optim.RMSprop(P, lr=-0.01), "invalid learning rate"),
    (lambda: optim.RMSprop(P, alpha=-0.5), "RMSprop: invalid alpha value: -0.5"),
    (lambda: optim.RMSprop(P, eps=-1e-8), "RMSprop: invalid epsilon value"),
    (lambda: optim.RMSprop(P, momentum=-0.9), "RMSprop: invalid momentum value: -0.9"),
    (lambda: optim.RMSprop(P, weight_decay=-1), "weight_decay"),
    (lambda: optim.Adagrad(P, lr=-1), "invalid learning rate"),
    (lambda: optim.Adagrad(P, lr_decay=-1), "Adagrad: invalid lr_decay value: -1"),
    (lambda: optim.Adagrad(P, initial_accumulator_value=-1),
     "Adagrad: invalid initial_accumulator_value value"),
    (lambda: optim.Adagrad(P, eps=-1), "Adagrad: invalid epsilon value"),
    (lambda: optim.Adagrad(P, weight_decay=-1), "weight_decay"),
    (lambda: optim.Adagrad([{"params": P, "lr_decay": -2}]), "invalid lr_decay"),
    (lambda: optim.RMSprop([]), "empty parameter list"),
])
def test_bad_arguments_give_clear_errors(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_work_with_lr_schedulers():
    p = Tensor(np.ones(2, np.float32), requires_grad=True)
    opt = optim.Adadelta([p], lr=1.0)
    sched = optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.7)   # the MNIST example's pair
    for _ in range(2):
        run(opt, p, [[1.0, 1.0]])
        sched.step()
    assert opt.param_groups[0]["lr"] == pytest.approx(0.49)
