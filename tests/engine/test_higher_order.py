"""Gradients of gradients without PyTorch: second and third derivatives against closed forms and
finite differences of the (already checked) first derivative, the ``ta.grad`` API and its
errors, and the fused kernels that refuse a second backward."""
from __future__ import annotations

import numpy as np
import pytest

import tinyaug as ta
from tinyaug.nn.lstm import lstm_sequence_composite


def leaf(array) -> ta.Tensor:
    return ta.tensor(np.asarray(array, dtype=np.float64), requires_grad=True)


def numeric_jacobian(fn, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central differences of a vector function of a flat float64 vector: (outputs, inputs)."""
    columns = []
    for k in range(x.size):
        step = np.zeros_like(x)
        step[k] = eps
        columns.append((fn(x + step) - fn(x - step)) / (2 * eps))
    return np.stack(columns, axis=1)


# -- a small tanh MLP: the loss as a function of all its weights in one flat vector ------------

SHAPES = [(3, 4), (4,), (4, 2), (2,)]


def unflatten(theta):
    parts, start = [], 0
    for shape in SHAPES:
        size = int(np.prod(shape))
        parts.append(ta.reshape(theta[start:start + size], shape))
        start += size
    return parts


def mlp_loss(theta, x, y):
    w1, b1, w2, b2 = unflatten(theta)
    prediction = ta.tanh(x @ w1 + b1) @ w2 + b2
    return ta.mse(prediction, y)


def mlp_data():
    rng = np.random.default_rng(3)
    size = sum(int(np.prod(s)) for s in SHAPES)
    return (rng.standard_normal(size) * 0.7, ta.tensor(rng.standard_normal((5, 3))),
            ta.tensor(rng.standard_normal((5, 2))))


def hessian(loss_fn, theta: ta.Tensor) -> np.ndarray:
    (gradient,) = ta.grad(loss_fn(theta), theta, create_graph=True)
    rows = [ta.to_numpy(ta.grad(gradient[k], theta, retain_graph=True)[0]) for k in range(theta.size)]
    return np.stack(rows)


def test_mlp_hessian_matches_finite_differences_of_the_gradient():
    theta0, x, y = mlp_data()
    analytic = hessian(lambda t: mlp_loss(t, x, y), leaf(theta0))

    def gradient(theta):
        t = leaf(theta)
        return ta.to_numpy(ta.grad(mlp_loss(t, x, y), t)[0])

    numeric = numeric_jacobian(gradient, theta0)
    np.testing.assert_allclose(analytic, analytic.T, atol=1e-12)  # a Hessian is symmetric
    np.testing.assert_allclose(analytic, numeric, atol=1e-7)


def test_hessian_vector_product_is_the_directional_derivative_of_the_gradient():
    theta0, x, y = mlp_data()
    v = np.random.default_rng(4).standard_normal(theta0.size)
    theta = leaf(theta0)
    (gradient,) = ta.grad(mlp_loss(theta, x, y), theta, create_graph=True)
    (hvp,) = ta.grad(gradient, theta, grad_outputs=ta.tensor(v))  # Hv = d/dθ <∇L, v>

    def g(t):
        tt = leaf(t)
        return ta.to_numpy(ta.grad(mlp_loss(tt, x, y), tt)[0])

    eps = 1e-6
    numeric = (g(theta0 + eps * v) - g(theta0 - eps * v)) / (2 * eps)
    np.testing.assert_allclose(ta.to_numpy(hvp), numeric, atol=1e-7)


def test_third_derivative_of_tanh_is_the_closed_form():
    values = np.array([-2.0, -0.3, 0.0, 0.8, 1.7])
    x = leaf(values)
    (first,) = ta.grad(ta.tanh(x).sum(), x, create_graph=True)
    (second,) = ta.grad(first.sum(), x, create_graph=True)
    (third,) = ta.grad(second.sum(), x)
    t = np.tanh(values)
    np.testing.assert_allclose(ta.to_numpy(first), 1 - t ** 2, atol=1e-14)
    np.testing.assert_allclose(ta.to_numpy(second), -2 * t * (1 - t ** 2), atol=1e-14)
    np.testing.assert_allclose(ta.to_numpy(third), -2 * (1 - t ** 2) * (1 - 3 * t ** 2), atol=1e-13)


def test_lstm_hessian_vector_product_matches_finite_differences():
    rng = np.random.default_rng(5)
    steps, batch, inputs, hidden = 6, 2, 3, 4
    xs = ta.tensor(rng.standard_normal((steps, batch, inputs)))
    h0 = ta.tensor(np.zeros((batch, hidden)))
    weights0 = [rng.standard_normal((inputs, 4 * hidden)) * 0.4,
                rng.standard_normal((hidden, 4 * hidden)) * 0.4, rng.standard_normal(4 * hidden) * 0.1]
    directions = [rng.standard_normal(w.shape) for w in weights0]

    def loss(weights):
        hs, _, _ = lstm_sequence_composite(xs, h0, h0, *weights)
        return (hs * hs).sum()

    weights = [leaf(w) for w in weights0]
    grads = ta.grad(loss(weights), weights, create_graph=True)
    inner = sum((g * ta.tensor(d)).sum() for g, d in zip(grads, directions))
    hvp = [ta.to_numpy(h) for h in ta.grad(inner, weights)]

    def gradient_at(scale):
        ws = [leaf(w + scale * d) for w, d in zip(weights0, directions)]
        return [ta.to_numpy(g) for g in ta.grad(loss(ws), ws)]

    eps = 1e-6
    for analytic, plus, minus in zip(hvp, gradient_at(eps), gradient_at(-eps)):
        np.testing.assert_allclose(analytic, (plus - minus) / (2 * eps), atol=1e-6)


def test_gradient_penalty_gradient_matches_finite_differences():
    """d/dθ ‖∇_x f(x; θ)‖², the gradient penalty of WGAN-GP, with θ one weight matrix."""
    rng = np.random.default_rng(6)
    x0, w0 = rng.standard_normal((4, 3)), rng.standard_normal((3, 2))

    def penalty(w, x):
        (gx,) = ta.grad(ta.sigmoid(x @ w).sum(), x, create_graph=True)
        return (gx * gx).sum()

    w = leaf(w0)
    (analytic,) = ta.grad(penalty(w, leaf(x0)), w)
    numeric = numeric_jacobian(lambda flat: np.array([penalty(ta.tensor(flat.reshape(3, 2)), leaf(x0)).item()]),
                               w0.reshape(-1))
    np.testing.assert_allclose(ta.to_numpy(analytic).reshape(-1), numeric[0], atol=1e-8)


# -- the API ---------------------------------------------------------------------------------

def test_grad_never_touches_dot_grad_and_backward_create_graph_fills_it_with_tensors():
    x = leaf([0.5, -1.0])
    y = (x * x * x).sum()
    (g,) = ta.grad(y, x, create_graph=True)
    assert x.grad is None and isinstance(g, ta.Tensor) and g.requires_grad
    y.backward(create_graph=True)
    assert isinstance(x.grad, ta.Tensor) and x.grad.requires_grad
    np.testing.assert_allclose(ta.to_numpy(x.grad), [0.75, 3.0])
    second = x.grad.sum()
    x.grad = None
    second.backward()  # d/dx Σ 3x² = 6x, by the ordinary (raw-array) backward
    np.testing.assert_allclose(ta.to_numpy(x.grad), [3.0, -6.0])


def test_grad_of_an_intermediate_tensor_and_of_several_outputs():
    x = leaf([1.0, 2.0])
    h = x * 3.0
    y = (h * h).sum()
    z = h.sum()
    gh, gx = ta.grad([y, z], [h, x], grad_outputs=[None, ta.tensor(2.0)])
    np.testing.assert_allclose(ta.to_numpy(gh), 2 * 3.0 * np.array([1.0, 2.0]) + 2.0)
    np.testing.assert_allclose(ta.to_numpy(gx), 3.0 * ta.to_numpy(gh))


def test_grad_unused_inputs_and_errors():
    x, unused = leaf([1.0, 2.0]), leaf([3.0])
    y = (x * 2.0).sum()
    with pytest.raises(ta.GraphError, match="input 1 .* was not used"):
        ta.grad(y, [x, unused], retain_graph=True)
    gx, gu = ta.grad(y, [x, unused], allow_unused=True, retain_graph=True)
    assert gu is None and np.allclose(ta.to_numpy(gx), 2.0)
    with pytest.raises(ta.GraphError, match="does not require grad"):
        ta.grad(y, ta.tensor([1.0]))
    with pytest.raises(ta.GraphError, match="grad_outputs can be omitted only"):
        ta.grad(x * 2.0, x)
    with pytest.raises(ta.ShapeError, match=r"grad_outputs\[0\] has shape \(3,\)"):
        ta.grad(x * 2.0, x, grad_outputs=ta.tensor(np.ones(3)))


def test_grad_without_create_graph_frees_the_graph_by_default():
    x = leaf([1.0, 2.0])
    y = ta.exp(x).sum()
    ta.grad(y, x)
    with pytest.raises(ta.GraphError, match="a second time"):
        ta.grad(y, x)


def test_first_order_backward_is_unchanged_after_a_create_graph_pass():
    x = leaf([0.2, -0.4])
    y = ta.tanh(x * x).sum()
    ta.grad(y, x, create_graph=True)  # retains the graph
    y.backward()
    t = np.tanh(np.array([0.04, 0.16]))
    np.testing.assert_allclose(ta.to_numpy(x.grad), (1 - t ** 2) * 2 * np.array([0.2, -0.4]))
    assert type(x.grad) is type(x.data)


def _fused_output(kind: str, rng):
    """(a scalar made by one fused kernel, a leaf it depends on, the op's name, its composite)."""
    from tinyaug.nn.lstm_fused import fused_lstm_cell, fused_lstm_sequence
    from tinyaug.models.ntm.addressing import address, head_param_size
    from tinyaug.models.ntm.memory import write
    batch, inputs, hidden, rows, width = 2, 3, 2, 5, 3
    if kind in ("cell", "sequence"):
        weights = [leaf(rng.standard_normal((inputs, 4 * hidden))),
                   leaf(rng.standard_normal((hidden, 4 * hidden))), leaf(np.zeros(4 * hidden))]
        state = ta.tensor(np.zeros((batch, hidden)))
        if kind == "cell":
            x = ta.tensor(rng.standard_normal((batch, inputs)))
            out = fused_lstm_cell(x, state, state, *weights)[0]
            return out.sum(), weights[0], "FusedLSTMCell", "lstm_cell_composite"
        xs = ta.tensor(rng.standard_normal((4, batch, inputs)))
        out = fused_lstm_sequence(xs, state, state, *weights)[0]
        return out.sum(), weights[0], "FusedLSTMSequence", "lstm_sequence_composite"
    memory = leaf(rng.standard_normal((batch, rows, width)))
    weights = ta.tensor(np.full((batch, 1, rows), 1.0 / rows))
    if kind == "addressing":
        params = leaf(rng.standard_normal((batch, 1, head_param_size(width, 3))))
        return address(memory, params, weights).sum(), memory, "FusedAddressing", "address_composite"
    erase, add = ta.tensor(np.full((batch, 1, width), 0.5)), leaf(rng.standard_normal((batch, 1, width)))
    return (write(memory, weights, erase, add) ** 2).sum(), memory, "MemoryWrite", "write_composite"


@pytest.mark.parametrize("kind", ["cell", "sequence", "addressing", "write"])
def test_fused_kernels_refuse_a_second_backward_and_name_their_composite(kind):
    out, target, name, composite = _fused_output(kind, np.random.default_rng(0))
    with pytest.raises(ta.GraphError, match=f"{name} cannot be differentiated twice.*{composite}"):
        ta.grad(out, target, create_graph=True)


class CubeSavingSquare(ta.Function):
    """x³ whose backward reads a *derived* saved array (x²): constant to a second backward."""

    double_backward = True  # a false claim: gradgradcheck must catch it

    def forward(self, x):
        self.square = x * x
        return self.square * x

    def backward(self, grad):
        return 3 * self.square * grad


class Cube(ta.Function):
    """x³ saving only its input: the same ``backward`` is right to every order."""

    double_backward = True

    def forward(self, x):
        self.x = x
        return x * x * x

    def backward(self, grad):
        return 3 * self.x * self.x * grad


class RawCube(ta.Function):
    def forward(self, x):
        self.x = x
        return x ** 3

    def backward(self, grad):
        return 3 * self.x ** 2 * grad


def test_gradgradcheck_passes_a_right_custom_op_and_catches_a_wrong_one():
    x = np.random.default_rng(0).standard_normal((2, 3))
    assert ta.gradcheck(CubeSavingSquare.apply, [x]) and ta.gradcheck(Cube.apply, [x])
    assert ta.gradgradcheck(Cube.apply, [x])
    with pytest.raises(ta.GradcheckError, match="^gradgradcheck"):
        ta.gradgradcheck(CubeSavingSquare.apply, [x])


def test_a_custom_op_without_the_claim_names_itself():
    x = leaf([1.0, 2.0])
    with pytest.raises(ta.GraphError, match="RawCube cannot be differentiated twice.*double_backward = True"):
        ta.grad(RawCube.apply(x).sum(), x, create_graph=True)


def test_tensor_xp_names_a_missing_function():
    from tinyaug.autograd.tensor_xp import tensor_xp
    with pytest.raises(ta.GraphError, match=r"xp\.fft"):
        tensor_xp(np).fft


def test_grad_results_do_not_share_memory():
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    ga, gb = ta.grad((a + b).sum(), [a, b])  # Add hands one gradient array to both inputs
    ga.data[...] = 0.0
    np.testing.assert_allclose(ta.to_numpy(gb), [1.0, 1.0])
