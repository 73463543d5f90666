"""mg.autograd.functional (vjp, jvp, jacobian, hessian, hvp, vhp) against derivatives
written out by hand, in float64."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import Tensor
from minigrad.autograd import functional as AF
from minigrad.autograd import grad

rng = np.random.default_rng(0)
X = rng.standard_normal(4)
Y = rng.standard_normal(4)
V = rng.standard_normal(4)
A = rng.standard_normal((3, 4))
S = rng.standard_normal((4, 4))
W = rng.standard_normal(4)


def t(a, requires_grad=False):
    return Tensor(np.array(a, dtype=np.float64), requires_grad=requires_grad)


def close(actual, expected, atol=1e-10):
    assert isinstance(actual, Tensor), type(actual)
    assert actual.dtype == np.float64
    np.testing.assert_allclose(actual.numpy(), expected, rtol=1e-9, atol=atol)


def sech2(a):
    return 1 - np.tanh(a) ** 2


# ---- vjp ----------------------------------------------------------------------------------
def test_vjp_of_a_linear_map_is_v_transpose_a():
    out, res = AF.vjp(lambda x: t(A) @ x, t(X), t(V[:3]))
    close(out, A @ X)
    close(res, V[:3] @ A)


def test_vjp_of_an_elementwise_function():
    # f(x) = tanh(x)·exp(x): J is diagonal, f'(x) = sech²(x)·exp(x) + tanh(x)·exp(x)
    out, res = AF.vjp(lambda x: x.tanh() * x.exp(), t(X), t(V))
    close(out, np.tanh(X) * np.exp(X))
    close(res, V * (sech2(X) * np.exp(X) + np.tanh(X) * np.exp(X)))


def test_vjp_of_a_scalar_function_needs_no_v_and_is_the_gradient():
    out, res = AF.vjp(lambda x: (x ** 3).sum(), t(X))
    close(out, np.sum(X ** 3))
    close(res, 3 * X ** 2)


def test_vjp_with_tuples_of_inputs_and_outputs():
    # f(x, y) = (x·y, sum(exp(x))): vᵀJ w.r.t. x is v0·y + v1·exp(x), w.r.t. y is v0·x
    v0, v1 = V, 0.7
    out, (gx, gy) = AF.vjp(lambda x, y: (x * y, x.exp().sum()), (t(X), t(Y)), (t(v0), t(v1)))
    assert isinstance(out, tuple) and len(out) == 2
    close(out[0], X * Y)
    close(out[1], np.exp(X).sum())
    close(gx, v0 * Y + v1 * np.exp(X))
    close(gy, v0 * X)


def test_vjp_tuple_of_one_input_gives_a_tuple():
    out, res = AF.vjp(lambda x: x * 2, (t(X),), t(V))
    assert isinstance(out, Tensor) and isinstance(res, tuple) and len(res) == 1
    close(res[0], 2 * V)


# ---- jvp ----------------------------------------------------------------------------------
def test_jvp_is_jacobian_times_v():
    # f(x) = tanh(A x): J = diag(sech²(Ax)) A
    out, res = AF.jvp(lambda x: (t(A) @ x).tanh(), t(X), t(V))
    J = sech2(A @ X)[:, None] * A
    close(out, np.tanh(A @ X))
    close(res, J @ V)


def test_jvp_with_two_inputs_and_two_outputs():
    # f(x, y) = (exp(x)·y, sum(x·x)) along (vx, vy):
    #   d(exp(x)·y) = exp(x)·y·vx + exp(x)·vy,  d(sum(x²)) = 2x·vx
    vx, vy = V, W
    out, (d0, d1) = AF.jvp(lambda x, y: (x.exp() * y, (x * x).sum()), (t(X), t(Y)),
                           (t(vx), t(vy)))
    close(out[0], np.exp(X) * Y)
    close(d0, np.exp(X) * Y * vx + np.exp(X) * vy)
    close(d1, 2 * X @ vx)


def test_jvp_of_a_scalar_input_needs_no_v():
    out, res = AF.jvp(lambda x: x.exp() * x, t(0.3))
    close(out, np.exp(0.3) * 0.3)
    close(res, np.exp(0.3) * 1.3)
    assert res.shape == ()


def test_jvp_of_the_identity_and_of_a_constant_part():
    _, res = AF.jvp(lambda x: x, t(X), t(V))
    close(res, V)
    # the second output does not depend on x: its derivative is zero (strict=False)
    _, (d0, d1) = AF.jvp(lambda x: (x * 3, t(Y) * 1), t(X), t(V))
    close(d0, 3 * V)
    close(d1, np.zeros(4))


def test_jvp_agrees_with_the_jacobian_on_2d_tensors():
    x = rng.standard_normal((2, 3))
    v = rng.standard_normal((2, 3))
    B = rng.standard_normal((3, 2))
    f = lambda x: (x @ t(B)).exp()                                   # noqa: E731
    _, res = AF.jvp(f, t(x), t(v))
    J = AF.jacobian(f, t(x))
    assert J.shape == (2, 2, 2, 3)
    close(res, np.einsum("abij,ij->ab", J.numpy(), v))
    close(res, np.exp(x @ B) * (v @ B))


# ---- jacobian -----------------------------------------------------------------------------
def test_jacobian_of_a_linear_map_is_its_matrix():
    close(AF.jacobian(lambda x: t(A) @ x, t(X)), A)


def test_jacobian_of_elementwise_functions_is_diagonal():
    close(AF.jacobian(lambda x: x.exp(), t(X)), np.diag(np.exp(X)))
    close(AF.jacobian(lambda x: x.tanh(), t(X)), np.diag(sech2(X)))


def test_jacobian_shape_is_output_shape_then_input_shape():
    # F(X) = X B for X (2, 3): dF[a, b]/dX[i, j] = δ(a, i)·B[j, b]
    x = rng.standard_normal((2, 3))
    B = rng.standard_normal((3, 5))
    J = AF.jacobian(lambda x: x @ t(B), t(x))
    expected = np.einsum("ai,jb->abij", np.eye(2), B)
    close(J, expected)


def test_jacobian_of_a_scalar_function_is_the_gradient():
    close(AF.jacobian(lambda x: (x * x * x).sum(), t(X)), 3 * X ** 2)


def test_jacobian_with_tuples_is_nested_output_then_input():
    # f(x, y) = (x·y, tanh(A x) ) -> ((diag y, diag x), (diag(sech²(Ax)) A, 0))
    J = AF.jacobian(lambda x, y: (x * y, (t(A) @ x).tanh()), (t(X), t(Y)))
    assert isinstance(J, tuple) and len(J) == 2
    assert all(isinstance(row, tuple) and len(row) == 2 for row in J)
    close(J[0][0], np.diag(Y))
    close(J[0][1], np.diag(X))
    close(J[1][0], sech2(A @ X)[:, None] * A)
    close(J[1][1], np.zeros((3, 4)))           # independent: zeros with strict=False


def test_jacobian_tuple_structure_follows_the_arguments():
    f = lambda x: (x * 2, x.sum())                                    # noqa: E731
    J = AF.jacobian(f, t(X))                       # tuple out, single in: a tuple of Tensors
    assert isinstance(J, tuple) and all(isinstance(j, Tensor) for j in J)
    close(J[0], 2 * np.eye(4))
    close(J[1], np.ones(4))
    J = AF.jacobian(lambda x, y: (x * y).sum(), (t(X), t(Y)))  # single out, tuple in
    assert isinstance(J, tuple) and all(isinstance(j, Tensor) for j in J)
    close(J[0], Y)
    close(J[1], X)
    J = AF.jacobian(f, (t(X),))                    # tuple out, tuple of one in: nested
    assert isinstance(J[0], tuple) and len(J[0]) == 1
    close(J[0][0], 2 * np.eye(4))


def test_jacobian_vectorize_is_accepted_and_gives_the_same_result():
    f = lambda x: (t(A) @ x).exp()                                    # noqa: E731
    close(AF.jacobian(f, t(X), vectorize=True), AF.jacobian(f, t(X)).numpy())


def test_jacobian_forward_mode_is_a_clear_error():
    with pytest.raises(NotImplementedError, match="jacobian: .*forward-mode.*reverse"):
        AF.jacobian(lambda x: x * 2, t(X), strategy="forward-mode")
    with pytest.raises(NotImplementedError, match="hessian: .*forward-mode.*reverse"):
        AF.hessian(lambda x: (x * x).sum(), t(X), outer_jacobian_strategy="forward-mode")
    with pytest.raises(ValueError, match="jacobian: strategy"):
        AF.jacobian(lambda x: x * 2, t(X), strategy="sideways")
    with pytest.raises(RuntimeError, match="strict=True and vectorize=True"):
        AF.jacobian(lambda x: x * 2, t(X), strict=True, vectorize=True)


# ---- hessian ------------------------------------------------------------------------------
def test_hessian_of_sum_of_cubes_is_diag_6x():
    close(AF.hessian(lambda x: (x ** 3).sum(), t(X)), np.diag(6 * X))


def test_hessian_of_a_quadratic_form_is_the_symmetrised_matrix():
    # f(x) = xᵀ S x:  H = S + Sᵀ
    close(AF.hessian(lambda x: x @ (t(S) @ x), t(X)), S + S.T)


def test_hessian_of_tanh_of_a_projection():
    # f(x) = tanh(w·x): H = f''(s) w wᵀ, f''(s) = -2 tanh(s) sech²(s)
    s = W @ X
    close(AF.hessian(lambda x: (t(W) @ x).tanh(), t(X)),
          -2 * np.tanh(s) * sech2(s) * np.outer(W, W))


def test_hessian_of_a_2d_input_has_shape_x_then_x():
    x = rng.standard_normal((2, 3))
    H = AF.hessian(lambda x: (x.exp() * x).sum(), t(x))
    assert H.shape == (2, 3, 2, 3)
    # d²/dx² (x·eˣ) = (x + 2) eˣ, on the diagonal only
    close(H, np.diag(((x + 2) * np.exp(x)).ravel()).reshape(2, 3, 2, 3))


def test_hessian_with_two_inputs_is_a_nested_tuple_of_blocks():
    # f(x, y) = sum(x²·y): H_xx = diag(2y), H_xy = H_yx = diag(2x), H_yy = 0
    H = AF.hessian(lambda x, y: (x * x * y).sum(), (t(X), t(Y)))
    assert isinstance(H, tuple) and all(isinstance(row, tuple) and len(row) == 2 for row in H)
    close(H[0][0], np.diag(2 * Y))
    close(H[0][1], np.diag(2 * X))
    close(H[1][0], np.diag(2 * X))
    close(H[1][1], np.zeros((4, 4)))


def test_hessian_of_a_non_scalar_function_is_an_error():
    with pytest.raises(RuntimeError, match="hessian: .*single element"):
        AF.hessian(lambda x: x * x, t(X))
    with pytest.raises(RuntimeError, match="hessian: .*single Tensor"):
        AF.hessian(lambda x: ((x * x).sum(), x.sum()), t(X))


# ---- hvp and vhp --------------------------------------------------------------------------
def f_smooth(x):
    """sum(exp(x)·tanh(x)) + (w·x)³ : a Hessian with off-diagonal terms."""
    return (x.exp() * x.tanh()).sum() + (t(W) @ x) ** 3


def hessian_smooth(x):
    e, th, s2 = np.exp(x), np.tanh(x), sech2(x)
    # (eˣ tanh x)'' = eˣ (tanh x + 2 sech²x - 2 tanh x sech²x)
    diag = e * (th + 2 * s2 - 2 * th * s2)
    return np.diag(diag) + 6 * (W @ x) * np.outer(W, W)


def test_hvp_is_hessian_times_v():
    out, res = AF.hvp(f_smooth, t(X), t(V))
    close(out, np.sum(np.exp(X) * np.tanh(X)) + (W @ X) ** 3)
    close(res, hessian_smooth(X) @ V)
    close(res, AF.hessian(f_smooth, t(X)).numpy() @ V)


def test_vhp_is_v_times_hessian():
    out, res = AF.vhp(f_smooth, t(X), t(V))
    close(res, V @ hessian_smooth(X))
    close(res, V @ AF.hessian(f_smooth, t(X)).numpy())


def test_hvp_and_vhp_with_an_asymmetric_quadratic_form():
    # f(x) = xᵀ S x: H = S + Sᵀ (symmetric even though S is not)
    f = lambda x: x @ (t(S) @ x)                                       # noqa: E731
    close(AF.hvp(f, t(X), t(V))[1], (S + S.T) @ V)
    close(AF.vhp(f, t(X), t(V))[1], V @ (S + S.T))


def test_hvp_and_vhp_with_two_inputs():
    # f(x, y) = sum(x²·y); H v = (2y·vx + 2x·vy, 2x·vx)
    f = lambda x, y: (x * x * y).sum()                                 # noqa: E731
    vx, vy = V, W
    for fn in (AF.hvp, AF.vhp):
        out, (hx, hy) = fn(f, (t(X), t(Y)), (t(vx), t(vy)))
        close(out, np.sum(X * X * Y))
        close(hx, 2 * Y * vx + 2 * X * vy)
        close(hy, 2 * X * vx)


def test_hvp_and_vhp_of_a_scalar_input_need_no_v():
    for fn in (AF.hvp, AF.vhp):
        out, res = fn(lambda x: x ** 4, t(1.5))
        close(out, 1.5 ** 4)
        close(res, 12 * 1.5 ** 2)


def test_hvp_and_vhp_of_a_non_scalar_function_are_errors():
    for fn, name in ((AF.hvp, "hvp"), (AF.vhp, "vhp")):
        with pytest.raises(RuntimeError, match=f"{name}: .*single element"):
            fn(lambda x: x * x, t(X), t(V))
        with pytest.raises(RuntimeError, match=f"{name}: .*single Tensor"):
            fn(lambda x: ((x * x).sum(),), t(X), t(V))


# ---- sin / cos ------------------------------------------------------------------------------
def test_sin_and_cos_functions():
    # f(x) = (sin(x)·cos(y), sum(sin(x))²)
    f = lambda x, y: (x.sin() * y.cos(), x.sin().sum() ** 2)           # noqa: E731
    J = AF.jacobian(f, (t(X), t(Y)))
    close(J[0][0], np.diag(np.cos(X) * np.cos(Y)))
    close(J[0][1], np.diag(-np.sin(X) * np.sin(Y)))
    close(J[1][0], 2 * np.sin(X).sum() * np.cos(X))
    close(J[1][1], np.zeros(4))
    # hessian of sum(sin x): diag(-sin x); its third derivative: -cos x
    x = t(X, requires_grad=True)
    H = AF.hessian(lambda x: x.sin().sum(), x, create_graph=True)
    close(H, np.diag(-np.sin(X)))
    (g,) = grad(H.sum(), x)
    close(g, -np.cos(X))


# ---- create_graph -------------------------------------------------------------------------
def test_without_create_graph_results_are_detached():
    x = t(X, requires_grad=True)
    f = lambda x: (x ** 3).sum()                                        # noqa: E731
    results = [AF.jacobian(f, x), AF.hessian(f, x)]
    for fn in (AF.hvp, AF.vhp, AF.jvp, AF.vjp):
        out, res = fn(f, x, t(V) if fn is not AF.vjp else None)
        results += [out, res]
    for r in results:
        assert r.grad_fn is None and not r.requires_grad


def test_create_graph_hessian_is_differentiable_third_derivative():
    # f = sum(x⁴): H = diag(12x²); d/dx_k Σ_ij U_ij H_ij = 24 x_k U_kk
    U = rng.standard_normal((4, 4))
    x = t(X, requires_grad=True)
    H = AF.hessian(lambda x: (x ** 4).sum(), x, create_graph=True)
    assert H.grad_fn is not None
    close(H, np.diag(12 * X ** 2))
    (g,) = grad((H * t(U)).sum(), x, retain_graph=True)
    close(g, 24 * X * np.diag(U))
    # through backward() too: the caller's x gets the third derivative in .grad
    (H * t(U)).sum().backward()
    close(x.grad, 24 * X * np.diag(U))


def test_create_graph_hvp_is_differentiable_in_x_and_v():
    # f = sum(x⁴): H v = 12 x² v; d(u·Hv)/dx = 24 x v u, d(u·Hv)/dv = 12 x² u
    u = W
    x, v = t(X, requires_grad=True), t(V, requires_grad=True)
    for fn in (AF.hvp, AF.vhp):
        out, res = fn(lambda x: (x ** 4).sum(), x, v, create_graph=True)
        assert out.grad_fn is not None and res.grad_fn is not None
        close(res, 12 * X ** 2 * V)
        gx, gv = grad((res * t(u)).sum(), (x, v))
        close(gx, 24 * X * V * u)
        close(gv, 12 * X ** 2 * u)


def test_create_graph_jvp_and_vjp_are_differentiable():
    u = W
    x, v = t(X, requires_grad=True), t(V, requires_grad=True)
    # jvp of exp: exp(x)·v; d(u·(exp(x) v))/dx = u exp(x) v, /dv = u exp(x)
    _, res = AF.jvp(lambda x: x.exp(), x, v, create_graph=True)
    gx, gv = grad((res * t(u)).sum(), (x, v))
    close(gx, u * np.exp(X) * V)
    close(gv, u * np.exp(X))
    # vjp of tanh: v·sech²(x); d/dx (u·v·sech²x) = -2 u v tanh(x) sech²(x)
    _, res = AF.vjp(lambda x: x.tanh(), x, v, create_graph=True)
    gx, gv = grad((res * t(u)).sum(), (x, v))
    close(gx, -2 * u * V * np.tanh(X) * sech2(X))
    close(gv, u * sech2(X))


def test_create_graph_jacobian_is_differentiable():
    # f = x³: J = diag(3x²); d/dx Σ U∘J = 6 x diag(U)
    U = rng.standard_normal((4, 4))
    x = t(X, requires_grad=True)
    J = AF.jacobian(lambda x: x ** 3, x, create_graph=True)
    (g,) = grad((J * t(U)).sum(), x)
    close(g, 6 * X * np.diag(U))


def test_create_graph_with_inputs_that_do_not_require_grad():
    # results are recorded (w.r.t. internal copies); the caller's tensor stays a plain leaf
    x = t(X)
    H = AF.hessian(lambda x: (x ** 4).sum(), x, create_graph=True)
    assert H.requires_grad
    close(H, np.diag(12 * X ** 2))
    assert x.grad is None and not x.requires_grad


# ---- the caller's tensors -------------------------------------------------------------------
@pytest.mark.parametrize("create_graph", [False, True])
def test_inputs_are_not_modified_and_their_grad_untouched(create_graph):
    x = t(X, requires_grad=True)
    y = t(Y)                                     # does not require grad
    v = t(V, requires_grad=True)
    param = t(W, requires_grad=True)             # closed over by the function
    before = [a.numpy().copy() for a in (x, y, v, param)]
    f = lambda x, y: ((x * y).tanh() * param).sum() + (x ** 3).sum()   # noqa: E731
    AF.vjp(f, (x, y), None, create_graph=create_graph)
    AF.jvp(f, (x, y), (v, v), create_graph=create_graph)
    AF.jacobian(f, (x, y), create_graph=create_graph)
    AF.hessian(f, (x, y), create_graph=create_graph)
    AF.hvp(f, (x, y), (v, v), create_graph=create_graph)
    AF.vhp(f, (x, y), (v, v), create_graph=create_graph)
    for a, b in zip((x, y, v, param), before):
        np.testing.assert_array_equal(a.numpy(), b)
        assert a.grad is None and a.grad_fn is None
    assert x.requires_grad and not y.requires_grad


def test_an_existing_grad_is_left_as_it_was():
    x = t(X, requires_grad=True)
    (x * x).sum().backward()
    g = x.grad
    AF.hessian(lambda x: (x ** 3).sum(), x)
    AF.vjp(lambda x: (x ** 3).sum(), x, create_graph=True)
    assert x.grad is g
    close(x.grad, 2 * X)


def test_works_inside_no_grad():
    with mg.no_grad():
        close(AF.hessian(lambda x: (x ** 3).sum(), t(X)), np.diag(6 * X))
        _, res = AF.jvp(lambda x: x.exp(), t(X), t(V))
        close(res, np.exp(X) * V)
        H = AF.hessian(lambda x: (x ** 3).sum(), t(X), create_graph=True)
        assert H.requires_grad
    assert mg.is_grad_enabled()


def test_the_same_tensor_twice_counts_as_two_inputs():
    # f(a, b) = a·b with a = b = x: ∂/∂a = b, ∂/∂b = a (not the total derivative 2x)
    x = t(X)
    J = AF.jacobian(lambda a, b: a * b, (x, x))
    close(J[0], np.diag(X))
    close(J[1], np.diag(X))


# ---- strict -------------------------------------------------------------------------------
def test_strict_output_independent_of_an_input():
    f = lambda x, y: (x * x).sum()                                     # y unused  # noqa: E731
    args = (t(X), t(Y))
    with pytest.raises(RuntimeError, match="vjp: .*independent of input 1.*strict"):
        AF.vjp(f, args, strict=True)
    with pytest.raises(RuntimeError, match="jvp: .*independent of input 1.*strict"):
        AF.jvp(f, args, (t(V), t(V)), strict=True)
    with pytest.raises(RuntimeError, match="jacobian: output 0 .*independent of input 1.*strict"):
        AF.jacobian(f, args, strict=True)
    with pytest.raises(RuntimeError, match="hessian: .*input 1.*strict"):
        AF.hessian(f, args, strict=True)
    for fn, name in ((AF.hvp, "hvp"), (AF.vhp, "vhp")):
        with pytest.raises(RuntimeError, match=f"{name}: .*independent of input 1.*strict"):
            fn(f, args, (t(V), t(V)), strict=True)
    # strict=False: the blocks of the independent input are zeros
    close(AF.vjp(f, args)[1][1], np.zeros(4))
    close(AF.jvp(f, args, (t(V), t(V)))[1], 2 * X @ V)
    close(AF.jacobian(f, args)[1], np.zeros(4))
    H = AF.hessian(f, args)
    close(H[0][0], 2 * np.eye(4))
    for blk in (H[0][1], H[1][0], H[1][1]):
        close(blk, np.zeros((4, 4)))
    for fn in (AF.hvp, AF.vhp):
        res = fn(f, args, (t(V), t(V)))[1]
        close(res[0], 2 * V)
        close(res[1], np.zeros(4))


def test_strict_output_that_does_not_require_grad():
    f = lambda x: t(Y) * 2                                              # noqa: E731
    with pytest.raises(RuntimeError, match="vjp: output 0 .*does not require grad"):
        AF.vjp(f, t(X), t(V), strict=True)
    with pytest.raises(RuntimeError, match="jacobian: output 0 .*does not require grad"):
        AF.jacobian(f, t(X), strict=True)
    close(AF.vjp(f, t(X), t(V))[1], np.zeros(4))
    close(AF.jvp(f, t(X), t(V))[1], np.zeros(4))
    close(AF.jacobian(f, t(X)), np.zeros((4, 4)))


def test_strict_hessian_of_a_linear_function():
    # a linear function's gradient is constant: its Hessian is zero, an error when strict
    f = lambda x: (t(W) * x).sum()                                      # noqa: E731
    for call in (lambda: AF.hessian(f, t(X), strict=True),
                 lambda: AF.hvp(f, t(X), t(V), strict=True),
                 lambda: AF.vhp(f, t(X), t(V), strict=True)):
        with pytest.raises(RuntimeError, match="independent of the inputs.*strict"):
            call()
    close(AF.hessian(f, t(X)), np.zeros((4, 4)))
    close(AF.hvp(f, t(X), t(V))[1], np.zeros(4))
    close(AF.vhp(f, t(X), t(V))[1], np.zeros(4))


def test_strict_with_create_graph_rejects_a_constant_jacobian():
    f = lambda x: t(A) @ x                                              # noqa: E731
    with pytest.raises(RuntimeError, match="jacobian: .*independent of the inputs.*create_graph"):
        AF.jacobian(f, t(X), strict=True, create_graph=True)
    with pytest.raises(RuntimeError, match="vjp: .*independent of input 0.*create_graph"):
        AF.vjp(f, t(X), t(V[:3]), strict=True, create_graph=True)
    close(AF.jacobian(f, t(X), strict=True), A)           # fine without create_graph
    close(AF.jacobian(f, t(X), create_graph=True), A)     # and without strict


# ---- v: shapes and presence -----------------------------------------------------------------
def test_v_of_the_wrong_shape_is_an_error_naming_the_function():
    sq = lambda x: (x * x).sum()                                        # noqa: E731
    with pytest.raises(RuntimeError, match=r"vjp: v has shape \(4,\).*\(3,\)"):
        AF.vjp(lambda x: t(A) @ x, t(X), t(V))
    with pytest.raises(RuntimeError, match=r"jvp: v has shape \(3,\).*\(4,\)"):
        AF.jvp(lambda x: t(A) @ x, t(X), t(V[:3]))
    with pytest.raises(RuntimeError, match=r"hvp: v has shape \(2, 2\).*\(4,\)"):
        AF.hvp(sq, t(X), t(V.reshape(2, 2)))
    with pytest.raises(RuntimeError, match=r"vhp: v has shape \(5,\).*\(4,\)"):
        AF.vhp(sq, t(X), t(np.ones(5)))
    with pytest.raises(RuntimeError, match=r"jvp: entry 1 of v has shape \(3,\)"):
        AF.jvp(lambda x, y: x * y, (t(X), t(Y)), (t(V), t(V[:3])))


def test_v_with_the_wrong_number_of_tensors_is_an_error():
    with pytest.raises(RuntimeError, match="vjp: v is a tuple of 1 .* 2"):
        AF.vjp(lambda x: (x * 2, x * 3), t(X), (t(V),))
    with pytest.raises(RuntimeError, match="jvp: v must be a single Tensor"):
        AF.jvp(lambda x: x * 2, t(X), (t(V), t(V)))
    with pytest.raises(RuntimeError, match="hvp: v is a tuple of 1 .* 2"):
        AF.hvp(lambda x, y: (x * y).sum(), (t(X), t(Y)), (t(V),))


def test_v_may_be_omitted_only_for_a_single_element():
    with pytest.raises(RuntimeError, match="vjp: v can be None only"):
        AF.vjp(lambda x: x * 2, t(X))
    for fn, name in ((AF.jvp, "jvp"), (AF.hvp, "hvp"), (AF.vhp, "vhp")):
        with pytest.raises(RuntimeError, match=f"{name}: v can be None only"):
            fn(lambda x: (x * x).sum(), t(X))


def test_non_tensor_arguments_are_type_errors():
    with pytest.raises(TypeError, match="vhp: v must be a Tensor"):
        AF.vhp(lambda x: (x * x).sum(), t(X), V)
    with pytest.raises(TypeError, match="jacobian: inputs must be a Tensor"):
        AF.jacobian(lambda x: x, [t(X)])
    with pytest.raises(TypeError, match="vjp: outputs of the function must be a Tensor"):
        AF.vjp(lambda x: 3.0, t(X))


def test_exposed_as_mg_autograd_functional():
    assert mg.autograd.functional.hessian is AF.hessian
    assert set(AF.__all__) == {"vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"}
