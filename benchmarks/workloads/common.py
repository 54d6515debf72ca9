"""Shared pieces of the workloads: the ``Workload`` description, Adam over NumPy arrays, and the
context (backend, device, threads) that builders receive."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

LEARNING_RATE = 1e-3

# Column order of the tables. A workload offers a builder, or a reason why not, for each.
COLUMNS = ("tinyaug fused", "tinyaug composite", "numpy hand", "torch hand cell", "torch.nn.LSTM",
           "HIPS autograd", "DeZero")


@dataclass
class Context:
    """How to run: tinyaug backend ("numpy" or "cupy"), torch device, CPU threads (None: the
    libraries' own defaults)."""
    backend: str = "numpy"
    torch_device: str = "cpu"
    threads: int | None = 1


@dataclass
class Workload:
    """One benchmark: a full training step (forward, loss, backward, Adam) of some model.

    ``make_problem(dtype) -> dict``: initial weights (host arrays) and one batch, shared by all
    implementations. ``builders``: column name -> ``build(problem, context) -> step`` where
    ``step() -> float`` runs one training step and returns its loss; or a string saying why that
    column does not apply. ``matmul_flops``: FLOPs of the matrix products of one step (forward
    and backward); ``gemm_shape`` (m, k, n): the typical product, timed for the floor.
    """
    key: str
    title: str
    make_problem: Callable[[type], dict]
    builders: dict
    matmul_flops: float
    gemm_shape: tuple
    rounds_scale: float = 1.0
    steps_per_round: int = 3
    notes: list = field(default_factory=list)


class NumpyAdam:
    """Adam (Kingma & Ba 2015) over a dict of NumPy arrays, in place; same update as
    ``tinyaug.optim.Adam`` and ``torch.optim.Adam`` (bias-corrected, ε outside the root)."""

    def __init__(self, params: dict, lr: float = LEARNING_RATE, betas=(0.9, 0.999), eps=1e-8):
        self.params, self.lr, (self.beta1, self.beta2), self.eps = params, lr, betas, eps
        self.first = {k: np.zeros_like(v) for k, v in params.items()}
        self.second = {k: np.zeros_like(v) for k, v in params.items()}
        self.steps = 0

    def step(self, grads: dict) -> None:
        self.steps += 1
        correction1 = 1 - self.beta1 ** self.steps
        correction2 = 1 - self.beta2 ** self.steps
        step_size = self.lr * math.sqrt(correction2) / correction1
        eps = self.eps * math.sqrt(correction2)
        for name, p in self.params.items():
            g, m, v = grads[name], self.first[name], self.second[name]
            m *= self.beta1
            m += (1 - self.beta1) * g
            v *= self.beta2
            v += (1 - self.beta2) * (g * g)
            p -= step_size * m / (np.sqrt(v) + eps)


def tinyaug_step(compute_loss: Callable, optimizer, parameters: dict | None = None) -> Callable[[], float]:
    """The timed step of a tinyaug column: ``loss = compute_loss()``, then zero the gradients,
    backpropagate and update; returns the loss as a float. ``parameters`` (problem weight name ->
    tinyaug Parameter) gives the step a ``gradients()`` method for the cross-check."""
    def step() -> float:
        loss = compute_loss()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item()
    if parameters is not None:
        def gradients() -> dict:
            import tinyaug as ta
            return {name: ta.to_numpy(p.grad) for name, p in parameters.items()}
        step.gradients = gradients
    return step


def with_gradients(step: Callable, gradients: Callable[[], dict]) -> Callable[[], float]:
    """Attach ``gradients()`` (problem weight name -> NumPy array of the last step's gradient,
    taken before the update) to a column's ``step``: the harness compares these in float64
    across columns before it times anything."""
    step.gradients = gradients
    return step


def bce_with_logits(logits: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Elementwise binary cross-entropy on logits, stable for any logit (NumPy)."""
    return np.maximum(logits, 0) - logits * targets + np.log1p(np.exp(-np.abs(logits)))
