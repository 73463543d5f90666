"""Optimizers and lr schedulers against updates and formulas written out by hand in numpy."""
import math
import subprocess
import sys

import numpy as np
import pytest

from minigrad import optim
from minigrad.optim import lr_scheduler
from minigrad.tensor import Tensor


def param(values, dtype=np.float32):
    return Tensor(np.array(values, dtype=dtype), requires_grad=True)


def run(opt, p, grads):
    """Feed the gradients one step at a time; return the parameter after each step."""
    history = []
    for g in grads:
        p.grad = Tensor(np.array(g, dtype=p.dtype))
        opt.step()
        history.append(p.numpy().copy())
    return history


# ---- SGD: scalar examples worked out on paper ------------------------------------------------
def test_sgd_plain_step():
    p = param([1.0, -2.0])
    run(optim.SGD([p], lr=0.1), p, [[0.5, -1.0]])
    np.testing.assert_allclose(p.numpy(), [1.0 - 0.05, -2.0 + 0.1], rtol=1e-6)


def test_sgd_momentum_first_buffer_is_the_gradient():
    # g = 1 each step, lr 0.1, momentum 0.9: buf = 1, 1.9, 2.71 -> p = 0.9, 0.71, 0.439
    p = param([1.0])
    hist = run(optim.SGD([p], lr=0.1, momentum=0.9), p, [[1.0]] * 3)
    np.testing.assert_allclose(np.ravel(hist), [0.9, 0.71, 0.439], rtol=1e-6)


def test_sgd_dampening_applies_from_the_second_step():
    # buf1 = g = 1 (not damped); buf2 = 0.9 * 1 + (1 - 0.5) * 1 = 1.4 -> p = 1 - 0.1 - 0.14
    p = param([1.0])
    hist = run(optim.SGD([p], lr=0.1, momentum=0.9, dampening=0.5), p, [[1.0]] * 2)
    np.testing.assert_allclose(np.ravel(hist), [0.9, 0.76], rtol=1e-6)


def test_sgd_nesterov():
    # buf = 1 -> step g + 0.9 * buf = 1.9; buf = 1.9 -> step 1 + 1.71 = 2.71
    p = param([1.0])
    hist = run(optim.SGD([p], lr=0.1, momentum=0.9, nesterov=True), p, [[1.0]] * 2)
    np.testing.assert_allclose(np.ravel(hist), [0.81, 0.539], rtol=1e-6)


def test_sgd_weight_decay_is_added_to_the_gradient():
    # g' = g + wd * p = 0 + 0.5 * 2 = 1 -> p = 2 - 0.1
    p = param([2.0])
    run(optim.SGD([p], lr=0.1, weight_decay=0.5), p, [[0.0]])
    np.testing.assert_allclose(p.numpy(), [1.9], rtol=1e-6)


@pytest.mark.parametrize("momentum, dampening, weight_decay, nesterov", [
    (0.9, 0.0, 0.0, False), (0.9, 0.3, 0.01, False), (0.8, 0.0, 0.1, True), (0.0, 0.0, 0.05, False)])
def test_sgd_matches_reference_over_several_steps(momentum, dampening, weight_decay, nesterov):
    rng = np.random.default_rng(0)
    w0 = rng.standard_normal((3, 4)).astype(np.float32)
    grads = rng.standard_normal((5, 3, 4)).astype(np.float32)
    lr = 0.05
    p = Tensor(w0.copy(), requires_grad=True)
    hist = run(optim.SGD([p], lr=lr, momentum=momentum, dampening=dampening,
                         weight_decay=weight_decay, nesterov=nesterov), p, grads)

    w, buf = w0.astype(np.float64), None          # the reference, in float64
    for t, g in enumerate(grads):
        g = g + weight_decay * w
        if momentum:
            buf = g.copy() if buf is None else momentum * buf + (1 - dampening) * g
            g = g + momentum * buf if nesterov else buf
        w = w - lr * g
        np.testing.assert_allclose(hist[t], w, rtol=1e-5, atol=1e-6)


# ---- Adam and AdamW --------------------------------------------------------------------------
def adam_reference(w, grads, lr, betas, eps, weight_decay, decoupled, amsgrad=False):
    beta1, beta2 = betas
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    v_max = np.zeros_like(w)
    out = []
    for t, g in enumerate(grads, start=1):
        if decoupled:
            w = w * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * w
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        v_max = np.maximum(v_max, v)
        m_hat = m / (1 - beta1 ** t)
        v_hat = (v_max if amsgrad else v) / (1 - beta2 ** t)
        w = w - lr * m_hat / (np.sqrt(v_hat) + eps)
        out.append(w)
    return out


def test_adam_first_step_moves_each_coordinate_by_lr():
    # bias correction makes m_hat = g and v_hat = g^2 at t = 1: the step is lr * g / (|g| + eps)
    p = param([1.0, 1.0, 1.0])
    run(optim.Adam([p], lr=0.01), p, [[3.0, -0.001, 100.0]])
    np.testing.assert_allclose(p.numpy(), [0.99, 1.01, 0.99], rtol=1e-5)


@pytest.mark.parametrize("cls, weight_decay, amsgrad", [
    (optim.Adam, 0.0, False), (optim.Adam, 0.1, False), (optim.Adam, 0.0, True),
    (optim.AdamW, 0.01, False), (optim.AdamW, 0.3, True)])
def test_adam_and_adamw_match_reference(cls, weight_decay, amsgrad):
    rng = np.random.default_rng(1)
    w0 = rng.standard_normal((2, 5)).astype(np.float32)
    grads = rng.standard_normal((6, 2, 5)).astype(np.float32)
    grads[3] *= 0.01        # a step with a small gradient, where amsgrad differs
    kw = dict(lr=0.02, betas=(0.8, 0.95), eps=0.05,   # eps large enough to matter
              weight_decay=weight_decay, amsgrad=amsgrad)
    p = Tensor(w0.copy(), requires_grad=True)
    hist = run(cls([p], **kw), p, grads)
    ref = adam_reference(w0.astype(np.float64), grads.astype(np.float64),
                         kw["lr"], kw["betas"], kw["eps"], weight_decay,
                         decoupled=cls is optim.AdamW, amsgrad=amsgrad)
    for got, want in zip(hist, ref):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_adamw_decay_is_decoupled_from_adam_l2():
    # with a zero gradient Adam's L2 term becomes a normalised step of ~lr, while AdamW only
    # shrinks the weight by (1 - lr * wd)
    pa, pw = param([2.0]), param([2.0])
    run(optim.Adam([pa], lr=0.1, weight_decay=0.5), pa, [[0.0]])
    run(optim.AdamW([pw], lr=0.1, weight_decay=0.5), pw, [[0.0]])
    np.testing.assert_allclose(pa.numpy(), [1.9], rtol=1e-5)
    np.testing.assert_allclose(pw.numpy(), [2.0 * (1 - 0.1 * 0.5)], rtol=1e-6)
    assert optim.AdamW([param([1.0])]).defaults["weight_decay"] == 1e-2


# ---- behaviour shared by all optimizers ------------------------------------------------------
ALL = [lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.01),
       lambda ps: optim.Adam(ps, lr=0.1, weight_decay=0.01, amsgrad=True),
       lambda ps: optim.AdamW(ps, lr=0.1)]


@pytest.mark.parametrize("make", ALL)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_updates_keep_the_dtype_and_work_in_place(make, dtype):
    p = param(np.ones((3, 2)), dtype)
    data = p.numpy()
    opt = make([p])
    run(opt, p, [np.full((3, 2), 0.5)] * 3)
    assert p.numpy() is data and p.numpy().dtype == dtype
    for value in opt.state[p].values():
        if isinstance(value, np.ndarray):
            assert value.dtype == dtype


@pytest.mark.parametrize("make", ALL)
def test_params_without_grad_are_skipped(make):
    a, b = param([1.0, 2.0]), param([3.0])
    opt = make([a, b])
    a.grad = Tensor(np.array([1.0, 1.0], np.float32))
    opt.step()
    assert not np.allclose(a.numpy(), [1.0, 2.0])
    assert b.numpy().tolist() == [3.0] and b not in opt.state


@pytest.mark.parametrize("make", ALL)
def test_step_leaves_the_gradient_untouched(make):
    p = param([1.0, -1.0])
    g = np.array([0.5, 0.25], np.float32)
    p.grad = Tensor(g.copy())
    make([p]).step()
    np.testing.assert_array_equal(p.grad.numpy(), g)


def test_zero_grad():
    a, b = param([1.0]), param([2.0])
    opt = optim.SGD([a, b], lr=0.1)
    a.grad = Tensor(np.array([3.0], np.float32))
    opt.zero_grad()
    assert a.grad is None and b.grad is None
    a.grad = Tensor(np.array([3.0], np.float32))
    opt.zero_grad(set_to_none=False)
    assert a.grad.numpy().tolist() == [0.0]


def test_closure_is_called_and_its_loss_returned():
    p = param([1.0])
    opt = optim.SGD([p], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert loss.item() == 1.0
    np.testing.assert_allclose(p.numpy(), [0.8])


@pytest.mark.parametrize("make", [lambda ps: optim.SGD(ps, lr=0.1, momentum=0.5),
                                  lambda ps: optim.Adam(ps, lr=0.1),
                                  lambda ps: optim.AdamW(ps, lr=0.1)])
def test_optimizers_minimise_a_quadratic_with_autograd(make):
    target = np.array([1.0, -2.0, 3.0], np.float32)
    p = param([0.0, 0.0, 0.0])
    opt = make([p])
    for _ in range(300):
        opt.zero_grad()
        ((p - Tensor(target)) ** 2).sum().backward()
        opt.step()
    np.testing.assert_allclose(p.numpy(), target, atol=0.05)


# ---- param groups ----------------------------------------------------------------------------
def test_param_groups_take_their_own_settings_and_the_defaults():
    a, b = param([1.0]), param([1.0])
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1, momentum=0.9)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    assert all(g["momentum"] == 0.9 for g in opt.param_groups)
    a.grad = Tensor(np.array([1.0], np.float32))
    b.grad = Tensor(np.array([1.0], np.float32))
    opt.step()
    np.testing.assert_allclose([a.numpy()[0], b.numpy()[0]], [0.9, 0.5])

    c = param([0.0])
    opt.add_param_group({"params": c, "lr": 0.2})
    assert opt.param_groups[2]["params"] == [c] and opt.param_groups[2]["momentum"] == 0.9


def test_parameters_may_come_from_a_generator():
    ps = [param([1.0]), param([2.0])]
    assert len(optim.Adam(p for p in ps).param_groups[0]["params"]) == 2


@pytest.mark.parametrize("make, match", [
    (lambda: optim.SGD([], lr=0.1), "empty parameter list"),
    (lambda: optim.Adam(iter([])), "empty parameter list"),
    (lambda: optim.SGD([param([1.0])], lr=-0.1), "invalid learning rate: -0.1"),
    (lambda: optim.Adam([param([1.0])], lr=-1), "invalid learning rate"),
    (lambda: optim.SGD([{"params": [param([1.0])], "lr": -1}], lr=0.1), "invalid learning rate"),
    (lambda: optim.SGD(param([1.0]), lr=0.1), "single Tensor"),
    (lambda: optim.SGD([np.ones(2)], lr=0.1), "can only optimize Tensors"),
    (lambda: optim.SGD([Tensor(np.arange(3))], lr=0.1), "floating point"),
    (lambda: optim.SGD([param([1.0]) * 2], lr=0.1), r"non-leaf Tensor \(parameter 0 was computed by Mul\)"),
    (lambda: optim.SGD([param([1.0])], lr=0.1, nesterov=True), "Nesterov"),
    (lambda: optim.SGD([param([1.0])], lr=0.1, momentum=-0.1), "momentum"),
    (lambda: optim.SGD([param([1.0])], lr=0.1, weight_decay=-1), "weight_decay"),
    (lambda: optim.Adam([param([1.0])], betas=(1.0, 0.999)), "beta parameter at index 0"),
    (lambda: optim.Adam([param([1.0])], eps=-1e-8), "epsilon"),
])
def test_bad_arguments_give_clear_errors(make, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make()


def test_a_parameter_in_two_groups_is_an_error():
    p = param([1.0])
    with pytest.raises(ValueError, match="more than one parameter group"):
        optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        optim.SGD([p, p], lr=0.1)


# ---- state_dict ------------------------------------------------------------------------------
@pytest.mark.parametrize("make", ALL)
def test_state_dict_round_trip_resumes_exactly(make):
    rng = np.random.default_rng(2)
    grads = rng.standard_normal((6, 4)).astype(np.float32)
    p = Tensor(rng.standard_normal(4).astype(np.float32), requires_grad=True)
    q = param([5.0])                        # never gets a gradient: no state
    opt = make([{"params": [p]}, {"params": [q], "lr": 0.01}])
    run(opt, p, grads[:3])
    sd = opt.state_dict()
    assert sorted(sd["state"]) == [0] and [g["params"] for g in sd["param_groups"]] == [[0], [1]]

    p2 = Tensor(p.numpy().copy(), requires_grad=True)
    opt2 = make([{"params": [p2]}, {"params": [param([5.0])]}])
    opt2.load_state_dict(sd)
    assert opt2.param_groups[1]["lr"] == 0.01
    run(opt, p, grads[3:])
    run(opt2, p2, grads[3:])
    np.testing.assert_array_equal(p2.numpy(), p.numpy())


def test_state_dict_is_a_snapshot_and_load_copies():
    p = param([1.0, 2.0])
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    run(opt, p, [[1.0, 1.0]])
    sd = opt.state_dict()
    buf = sd["state"][0]["momentum_buffer"]
    run(opt, p, [[1.0, 1.0]])
    assert buf.tolist() == [1.0, 1.0]        # not changed by the later step
    opt.load_state_dict(sd)
    assert opt.state[p]["momentum_buffer"] is not buf


def test_load_state_dict_rejects_a_different_layout():
    a, b = param([1.0]), param([1.0, 2.0])
    sd = optim.SGD([a, b], lr=0.1).state_dict()
    with pytest.raises(ValueError, match="parameter groups"):
        optim.SGD([{"params": [a]}, {"params": [b]}], lr=0.1).load_state_dict(sd)
    with pytest.raises(ValueError, match="group 0 has 2 parameters"):
        optim.SGD([a], lr=0.1).load_state_dict(sd)
    opt = optim.SGD([a, b], lr=0.1, momentum=0.9)
    run(opt, b, [[1.0, 1.0]])
    with pytest.raises(ValueError, match=r"shape \(2,\), but the parameter has shape \(1,\)"):
        optim.SGD([b, a], lr=0.1, momentum=0.9).load_state_dict(opt.state_dict())


def test_repr_lists_groups():
    text = repr(optim.SGD([param([1.0])], lr=0.1, momentum=0.9))
    assert text.startswith("SGD (") and "Parameter Group 0" in text and "momentum: 0.9" in text


# ---- lr schedulers: PyTorch's closed forms ---------------------------------------------------
def lrs_over(scheduler, opt, n):
    """get_last_lr() after construction and after each of n steps; checks it is applied."""
    out = []
    for _ in range(n + 1):
        out.append(scheduler.get_last_lr()[0])
        assert opt.param_groups[0]["lr"] == out[-1]
        opt.step()
        scheduler.step()
    return out


def sgd(lr=0.5, **kw):
    return optim.SGD([param([1.0])], lr=lr, **kw)


def test_scheduler_namespace_matches_pytorch():
    # in a fresh interpreter: here the imports above have loaded the submodule already
    code = ("import minigrad as mg; "
            "print(mg.optim.lr_scheduler.StepLR.__name__, mg.optim.lr_scheduler.OneCycleLR.__name__, "
            "mg.optim.lr_scheduler.CosineAnnealingLR.__name__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["StepLR", "OneCycleLR", "CosineAnnealingLR"]


def test_step_lr():
    opt = sgd(0.5)
    got = lrs_over(lr_scheduler.StepLR(opt, step_size=3, gamma=0.2), opt, 10)
    np.testing.assert_allclose(got, [0.5 * 0.2 ** (e // 3) for e in range(11)], rtol=1e-12)


def test_cosine_annealing_lr():
    opt = sgd(0.5)
    T, eta_min = 7, 0.01
    got = lrs_over(lr_scheduler.CosineAnnealingLR(opt, T_max=T, eta_min=eta_min), opt, 14)
    want = [eta_min + (0.5 - eta_min) * (1 + math.cos(math.pi * e / T)) / 2 for e in range(15)]
    np.testing.assert_allclose(got, want, rtol=1e-12)
    assert got[T] == pytest.approx(eta_min) and got[0] == 0.5


def one_cycle_reference(step, total, max_lr, pct_start=0.3, div=25.0, final_div=1e4,
                        three_phase=False, anneal="cos", top=None, bottom=None):
    """PyTorch's OneCycleLR written out: (lr, momentum) at ``step``. ``top``/``bottom`` are
    max/base momentum."""
    initial = max_lr / div
    minimum = initial / final_div

    def f(a, b, pct):
        return b + (a - b) / 2 * (math.cos(math.pi * pct) + 1) if anneal == "cos" else a + (b - a) * pct

    up = pct_start * total - 1
    if three_phase:
        phases = [(0, up, initial, max_lr, top, bottom),
                  (up, 2 * pct_start * total - 2, max_lr, initial, bottom, top),
                  (2 * pct_start * total - 2, total - 1, initial, minimum, top, top)]
    else:
        phases = [(0, up, initial, max_lr, top, bottom), (up, total - 1, max_lr, minimum, bottom, top)]
    for i, (s, e, lr0, lr1, m0, m1) in enumerate(phases):
        if step <= e or i == len(phases) - 1:
            pct = (step - s) / (e - s)
            return f(lr0, lr1, pct), (f(m0, m1, pct) if top is not None else None)


@pytest.mark.parametrize("kw", [
    dict(total_steps=20),
    dict(total_steps=100, anneal_strategy="linear", pct_start=0.25),
    dict(total_steps=40, three_phase=True, div_factor=10.0, final_div_factor=100.0),
])
def test_one_cycle_lr_with_sgd_momentum(kw):
    total = kw["total_steps"]
    opt = sgd(0.5, momentum=0.9)
    sched = lr_scheduler.OneCycleLR(opt, max_lr=2.0, **kw)
    ref_kw = dict(pct_start=kw.get("pct_start", 0.3), div=kw.get("div_factor", 25.0),
                  final_div=kw.get("final_div_factor", 1e4), three_phase=kw.get("three_phase", False),
                  anneal=kw.get("anneal_strategy", "cos"), top=0.95, bottom=0.85)
    for step in range(total):
        lr, momentum = one_cycle_reference(step, total, 2.0, **ref_kw)
        assert sched.get_last_lr()[0] == pytest.approx(lr, rel=1e-12)
        assert opt.param_groups[0]["momentum"] == pytest.approx(momentum, rel=1e-12)
        opt.step()
        sched.step()
    initial = 2.0 / ref_kw["div"]
    assert one_cycle_reference(0, total, 2.0, **ref_kw)[0] == pytest.approx(initial)


def test_one_cycle_lr_landmarks_and_adam_beta1():
    opt = optim.Adam([param([1.0])], lr=0.5, betas=(0.9, 0.99))
    sched = lr_scheduler.OneCycleLR(opt, max_lr=1.0, epochs=2, steps_per_epoch=10)  # 20 steps
    lrs, beta1s = [], []
    for _ in range(20):
        lrs.append(sched.get_last_lr()[0])
        beta1s.append(opt.param_groups[0]["betas"][0])
        assert opt.param_groups[0]["betas"][1] == 0.99
        sched.step()
    assert lrs[0] == pytest.approx(1.0 / 25) and beta1s[0] == pytest.approx(0.95)
    assert max(lrs) == pytest.approx(1.0, rel=1e-3) and min(beta1s) == pytest.approx(0.85, rel=1e-3)
    assert lrs[-1] == pytest.approx(1.0 / 25 / 1e4) and beta1s[-1] == pytest.approx(0.95)
    with pytest.raises(ValueError, match="tried to step 21 times"):
        sched.step()


def test_one_cycle_lr_without_momentum_cycling_and_per_group_max_lr():
    a, b = param([1.0]), param([1.0])
    opt = optim.SGD([{"params": [a]}, {"params": [b]}], lr=0.1)
    sched = lr_scheduler.OneCycleLR(opt, max_lr=[1.0, 3.0], total_steps=10, cycle_momentum=False)
    assert sched.get_last_lr() == pytest.approx([1.0 / 25, 3.0 / 25])
    assert [g["momentum"] for g in opt.param_groups] == [0, 0]


def test_one_cycle_lr_bad_arguments():
    with pytest.raises(ValueError, match="total_steps OR"):
        lr_scheduler.OneCycleLR(sgd(), max_lr=1.0)
    with pytest.raises(ValueError, match="anneal_strategy"):
        lr_scheduler.OneCycleLR(sgd(), max_lr=1.0, total_steps=10, anneal_strategy="exp")
    with pytest.raises(ValueError, match="max_lr has 2 values, but the optimizer has 1"):
        lr_scheduler.OneCycleLR(sgd(), max_lr=[1.0, 2.0], total_steps=10)

    class Plain(optim.Optimizer):
        def __init__(self, params):
            super().__init__(params, dict(lr=0.1))

    with pytest.raises(ValueError, match="momentum or betas"):
        lr_scheduler.OneCycleLR(Plain([param([1.0])]), max_lr=1.0, total_steps=10)
    with pytest.raises(TypeError, match="not an Optimizer"):
        lr_scheduler.StepLR(object(), step_size=1)


@pytest.mark.parametrize("make", [lambda o: lr_scheduler.StepLR(o, 2, gamma=0.5),
                                  lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=10),
                                  lambda o: lr_scheduler.OneCycleLR(o, max_lr=1.0, total_steps=12)])
def test_scheduler_state_dict_resumes(make):
    opt = sgd(0.5, momentum=0.9)
    sched = make(opt)
    for _ in range(4):
        sched.step()
    state = sched.state_dict()
    assert "optimizer" not in state and state["last_epoch"] == 4

    opt2 = sgd(0.5, momentum=0.9)
    sched2 = make(opt2)
    opt2.load_state_dict(opt.state_dict())
    sched2.load_state_dict(state)
    for _ in range(5):
        sched.step()
        sched2.step()
        assert sched2.get_last_lr() == sched.get_last_lr()
        assert opt2.param_groups[0]["momentum"] == opt.param_groups[0]["momentum"]
