"""Second and third derivatives against PyTorch in float64 (skipped where torch is absent):
the Hessian of a tanh MLP's loss, Hessian-vector products through the composite LSTM over 20
steps, a gradient-penalty training run step by step, and d³/dx³ tanh."""
from __future__ import annotations

import numpy as np
import pytest

import tinyaug as ta
from tinyaug.nn.lstm import lstm_sequence_composite
from tinyaug.nn import Linear

torch = pytest.importorskip("torch")


def leaf(array) -> ta.Tensor:
    return ta.tensor(np.asarray(array, dtype=np.float64), requires_grad=True)


def torch_leaf(array):
    return torch.tensor(np.asarray(array, dtype=np.float64), requires_grad=True)


def test_mlp_hessian_with_respect_to_its_weights_matches_torch():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((6, 3)), rng.standard_normal((6, 2))
    shapes = [(3, 5), (5,), (5, 2), (2,)]
    sizes = [int(np.prod(s)) for s in shapes]
    theta0 = rng.standard_normal(sum(sizes)) * 0.6

    def loss(theta, lib):
        parts = lib.split(theta, np.cumsum(sizes)[:-1].tolist()) if lib is ta else torch.split(theta, sizes)
        w1, b1, w2, b2 = [p.reshape(s) for p, s in zip(parts, shapes)]
        if lib is ta:
            prediction = ta.tanh(ta.tensor(x) @ w1 + b1) @ w2 + b2
            return ta.mean((prediction - ta.tensor(y)) ** 2)
        prediction = torch.tanh(torch.tensor(x) @ w1 + b1) @ w2 + b2
        return ((prediction - torch.tensor(y)) ** 2).mean()

    theta = leaf(theta0)
    (gradient,) = ta.grad(loss(theta, ta), theta, create_graph=True)
    ours = np.stack([ta.to_numpy(ta.grad(gradient[k], theta, retain_graph=True)[0])
                     for k in range(theta.size)])
    theirs = torch.autograd.functional.hessian(lambda t: loss(t, torch), torch.tensor(theta0)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-10)


def torch_lstm_sequence(xs, h, c, weight_input, weight_hidden, bias):
    """The composite cell of tinyaug.nn.lstm in PyTorch: gates (i, f, g, o), x @ W."""
    outputs = []
    for x in xs:
        a_i, a_f, a_g, a_o = torch.chunk(x @ weight_input + h @ weight_hidden + bias, 4, dim=-1)
        c = torch.sigmoid(a_f) * c + torch.sigmoid(a_i) * torch.tanh(a_g)
        h = torch.sigmoid(a_o) * torch.tanh(c)
        outputs.append(h)
    return torch.stack(outputs)


def test_lstm_hessian_vector_products_over_20_steps_match_torch():
    rng = np.random.default_rng(1)
    steps, batch, inputs, hidden = 20, 3, 4, 5
    xs, targets = rng.standard_normal((steps, batch, inputs)), rng.standard_normal((steps, batch, hidden))
    weights0 = [rng.standard_normal((inputs, 4 * hidden)) * 0.4,
                rng.standard_normal((hidden, 4 * hidden)) * 0.4, rng.standard_normal(4 * hidden) * 0.1]
    zeros = np.zeros((batch, hidden))
    for seed in range(2):  # two directions
        directions = [np.random.default_rng(10 + seed).standard_normal(w.shape) for w in weights0]

        weights = [leaf(w) for w in weights0]
        hs, _, _ = lstm_sequence_composite(ta.tensor(xs), ta.tensor(zeros), ta.tensor(zeros), *weights)
        grads = ta.grad(ta.mean((hs - ta.tensor(targets)) ** 2), weights, create_graph=True)
        inner = sum((g * ta.tensor(d)).sum() for g, d in zip(grads, directions))
        ours = ta.grad(inner, weights)

        tw = [torch_leaf(w) for w in weights0]
        ths = torch_lstm_sequence(torch.tensor(xs), torch.tensor(zeros), torch.tensor(zeros), *tw)
        tgrads = torch.autograd.grad(((ths - torch.tensor(targets)) ** 2).mean(), tw, create_graph=True)
        theirs = torch.autograd.grad(sum((g * torch.tensor(d)).sum() for g, d in zip(tgrads, directions)), tw)
        for a, b in zip(ours, theirs):
            np.testing.assert_allclose(ta.to_numpy(a), b.numpy(), rtol=0, atol=1e-10)


def test_gradient_penalty_training_matches_torch_step_by_step():
    """A critic f(x) = w2ᵀ tanh(W1 x + b1) trained on mean f(x) + λ (‖∇_x f‖ − 1)² (WGAN-GP)."""
    rng = np.random.default_rng(2)
    first, second = Linear(3, 8), Linear(8, 1)
    for layer in (first, second):
        for p in layer.parameters():
            p.data = ta.tensor(rng.standard_normal(p.shape) * 0.5).data
    ours = list(first.parameters()) + list(second.parameters())
    theirs = [torch_leaf(ta.to_numpy(p)) for p in ours]
    optimizer = ta.optim.SGD(ours, lr=0.05)
    torch_optimizer = torch.optim.SGD(theirs, lr=0.05)
    penalty_weight = 10.0

    def torch_critic(x):
        w1, b1, w2, b2 = theirs
        return torch.tanh(x @ w1 + b1) @ w2 + b2

    for step in range(5):
        batch = rng.standard_normal((4, 3))
        x = leaf(batch)
        scores = second(ta.tanh(first(x)))
        (gx,) = ta.grad(scores.sum(), x, create_graph=True)
        norms = ta.sqrt((gx * gx).sum(axis=1))
        loss = scores.mean() + penalty_weight * ta.mean((norms - 1.0) ** 2)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

        tx = torch_leaf(batch)
        tscores = torch_critic(tx)
        (tgx,) = torch.autograd.grad(tscores.sum(), tx, create_graph=True)
        tloss = tscores.mean() + penalty_weight * ((tgx.norm(dim=1) - 1.0) ** 2).mean()
        torch_optimizer.zero_grad()
        tloss.backward()
        torch_optimizer.step()

        assert abs(loss.item() - tloss.item()) < 1e-10, step
        for p, q in zip(ours, theirs):
            np.testing.assert_allclose(ta.to_numpy(p), q.detach().numpy(), rtol=0, atol=1e-10)


def test_third_derivative_of_tanh_matches_torch():
    values = np.linspace(-2.5, 2.5, 11)
    x = leaf(values)
    (d1,) = ta.grad(ta.tanh(x).sum(), x, create_graph=True)
    (d2,) = ta.grad(d1.sum(), x, create_graph=True)
    (d3,) = ta.grad(d2.sum(), x)
    tx = torch_leaf(values)
    (t1,) = torch.autograd.grad(torch.tanh(tx).sum(), tx, create_graph=True)
    (t2,) = torch.autograd.grad(t1.sum(), tx, create_graph=True)
    (t3,) = torch.autograd.grad(t2.sum(), tx)
    np.testing.assert_allclose(ta.to_numpy(d3), t3.numpy(), rtol=0, atol=1e-12)
