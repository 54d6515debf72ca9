"""Second derivatives with tinyaug: a Hessian-vector product, a full Hessian, a gradient
penalty, and gradgradcheck on a custom op (the examples of docs/sections/engine.md).

    python examples/second_order.py
"""
from __future__ import annotations

import numpy as np

import tinyaug as ta


def hvp(loss_fn, params: list, vector: list) -> list:
    """H v for the Hessian H of ``loss_fn(*params)``: reverse mode twice. The first pass keeps
    its graph (``create_graph``); <∇L, v> is a scalar whose gradient is H v (H symmetric)."""
    grads = ta.grad(loss_fn(*params), params, create_graph=True)
    inner = sum((g * v).sum() for g, v in zip(grads, vector))
    return list(ta.grad(inner, params))


def hessian(loss_fn, x: ta.Tensor) -> np.ndarray:
    """The full (n, n) Hessian of a scalar function of one flat tensor: one backward per row."""
    (gradient,) = ta.grad(loss_fn(x), x, create_graph=True)
    return np.stack([ta.to_numpy(ta.grad(gradient[k], x, retain_graph=True)[0])
                     for k in range(x.size)])


def gradient_penalty(critic, x: ta.Tensor) -> ta.Tensor:
    """mean (‖∇_x critic(x)‖ − 1)² over the batch (WGAN-GP); differentiable in the critic's weights."""
    (gx,) = ta.grad(critic(x).sum(), x, create_graph=True)
    norms = ta.sqrt((gx * gx).sum(axis=1))
    return ta.mean((norms - 1.0) ** 2)


class Swish(ta.Function):
    """x · σ(x). ``backward`` uses only ``self.xp``, operators and saved inputs/outputs, so it
    can run on tensors too; σ(x), a value derived in forward, is recomputed as a tensor for
    the recorded backward by ``save_for_graph``."""

    double_backward = True

    def forward(self, x):
        self.x, self.s = x, 0.5 * (self.xp.tanh(0.5 * x) + 1)   # stable sigmoid
        return x * self.s

    def save_for_graph(self, inputs, outputs):
        self.s = ta.sigmoid(inputs[0])

    def backward(self, grad):
        return grad * self.s * (1 + self.x * (1 - self.s))


def main() -> None:
    rng = np.random.default_rng(0)

    # Hessian-vector product of a tanh regression loss in its weights
    x, y = ta.tensor(rng.standard_normal((8, 3))), ta.tensor(rng.standard_normal((8, 1)))
    w1 = ta.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    w2 = ta.tensor(rng.standard_normal((4, 1)), requires_grad=True)
    loss = lambda a, b: ta.mse(ta.tanh(x @ a) @ b, y)                       # noqa: E731
    v = [ta.tensor(rng.standard_normal((3, 4))), ta.tensor(rng.standard_normal((4, 1)))]
    hv = hvp(loss, [w1, w2], v)
    print("H v for w2:", np.round(ta.to_numpy(hv[1]).ravel(), 6))

    # the full Hessian of Rosenbrock's function at (1, 1): [[802, -400], [-400, 200]]
    rosenbrock = lambda p: (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2   # noqa: E731
    print("Hessian of Rosenbrock at (1, 1):", hessian(rosenbrock, ta.tensor([1.0, 1.0], dtype="float64",
                                                                            requires_grad=True)).tolist())

    # a gradient penalty: its gradient in the critic's weights, by the ordinary backward
    critic_weight = ta.tensor(rng.standard_normal((3, 1)), requires_grad=True)
    penalty = gradient_penalty(lambda inputs: ta.tanh(inputs @ critic_weight), ta.tensor(
        rng.standard_normal((8, 3)), requires_grad=True))
    penalty.backward()
    print("penalty", round(penalty.item(), 6), "d penalty / d weight:",
          np.round(ta.to_numpy(critic_weight.grad).ravel(), 6))

    # gradgradcheck on the custom op, and what it says when save_for_graph is left out
    points = rng.standard_normal((3, 4))
    print("gradcheck:", ta.gradcheck(Swish.apply, [points]),
          "gradgradcheck:", ta.gradgradcheck(Swish.apply, [points]))
    del Swish.save_for_graph
    try:
        ta.gradgradcheck(Swish.apply, [points])
    except ta.GradcheckError as error:
        print("without save_for_graph:", error)


if __name__ == "__main__":
    import argparse

    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    main()
