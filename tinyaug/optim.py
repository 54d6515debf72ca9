"""Optimizers over ``Parameter`` lists, PyTorch-style: ``opt.zero_grad(); loss.backward(); opt.step()``.

Updates run on raw backend arrays in place (no graph). Each optimizer's ``state_dict()`` is a
flat dict of host arrays and numbers, so checkpoints store it without pickle.
"""
from __future__ import annotations

import math
from typing import Iterable

import numpy as np

from . import backends
from .autograd import Parameter
from .errors import ShapeError


class Optimizer:
    """Base class: holds the parameters, a learning rate and per-parameter state arrays."""

    _state_names: tuple = ()

    def __init__(self, params: Iterable[Parameter], lr: float) -> None:
        self.params = [p for p in params]
        if not self.params:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        if lr <= 0:
            raise ValueError(f"{type(self).__name__}: learning rate must be positive, got {lr}")
        self.lr = lr
        self.steps = 0
        self.state = {name: [None] * len(self.params) for name in self._state_names}

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    def _buffer(self, name: str, index: int):
        buffer = self.state[name][index]
        if buffer is None:
            buffer = self.state[name][index] = self.params[index].xp.zeros_like(self.params[index].data)
        return buffer

    def step(self) -> None:
        self.steps += 1
        for index, p in enumerate(self.params):
            if p.grad is not None:
                self._update(index, p, p.grad)

    def _update(self, index: int, p: Parameter, grad) -> None:
        raise NotImplementedError

    # -- persistence --------------------------------------------------------------------------
    def state_dict(self) -> dict:
        """``{"lr": ..., "steps": ..., "<buffer>.<i>": host array}``; empty buffers are omitted."""
        state = {"lr": float(self.lr), "steps": int(self.steps)}
        for name, buffers in self.state.items():
            for index, buffer in enumerate(buffers):
                if buffer is not None:
                    state[f"{name}.{index}"] = backends.backend_of(buffer).to_host(buffer).copy()
        return state

    def check_state_dict(self, state: dict) -> None:
        """Raise (naming the entry) unless ``state`` fits this optimizer's parameters."""
        for key in ("lr", "steps"):
            if key not in state:
                raise KeyError(f"{type(self).__name__}.load_state_dict: missing {key!r}")
        known = {f"{name}.{index}" for name in self.state for index in range(len(self.params))}
        arrays = [key for key in state if key not in ("lr", "steps") and not np.isscalar(state[key])]
        unexpected = sorted(key for key in arrays if key not in known)
        if unexpected:
            raise KeyError(f"{type(self).__name__}.load_state_dict: unexpected entries "
                           f"{', '.join(unexpected)} (this optimizer has {len(self.params)} "
                           f"parameters and buffers {', '.join(self.state) or 'none'})")
        for key in arrays:
            index = int(key.rsplit(".", 1)[1])
            shape = tuple(np.shape(state[key]))
            if shape != self.params[index].shape:
                raise ShapeError(f"{type(self).__name__}.load_state_dict: {key} has shape "
                                 f"{shape}, parameter {index} has shape {self.params[index].shape}")

    def load_state_dict(self, state: dict) -> None:
        """Restore from ``state_dict()`` output; checked entirely before anything changes."""
        self.check_state_dict(state)
        self.lr = float(state["lr"])
        self.steps = int(state["steps"])
        for name in self.state:
            for index, p in enumerate(self.params):
                key = f"{name}.{index}"
                if key not in state:
                    self.state[name][index] = None
                    continue
                value = np.asarray(state[key])
                self.state[name][index] = backends.backend_of(p.data).from_host(value.astype(p.dtype))


class SGD(Optimizer):
    """v ← μ v + g; p ← p − lr v (or p − lr (g + μ v) with Nesterov)."""

    _state_names = ("velocity",)

    def __init__(self, params, lr: float = 0.01, momentum: float = 0.0, nesterov: bool = False,
                 weight_decay: float = 0.0) -> None:
        super().__init__(params, lr)
        self.momentum, self.nesterov, self.weight_decay = momentum, nesterov, weight_decay

    def _update(self, index, p, grad):
        if self.weight_decay:
            grad = grad + self.weight_decay * p.data
        if self.momentum:
            velocity = self._buffer("velocity", index)
            velocity *= self.momentum
            velocity += grad
            grad = grad + self.momentum * velocity if self.nesterov else velocity
        p.data -= self.lr * grad


class RMSProp(Optimizer):
    """RMSProp; ``centered=True`` with momentum is Graves' (2013) variant used for the NTM:

        n ← ρ n + (1 − ρ) g²;  ḡ ← ρ ḡ + (1 − ρ) g;  Δ ← μ Δ − lr g / √(n − ḡ² + ε);  p ← p + Δ

    (the centred term is subtracted inside the root: it estimates the variance, not the
    second moment plus the squared mean as a known buggy variant computes).
    """

    _state_names = ("square_avg", "grad_avg", "delta")

    def __init__(self, params, lr: float = 1e-4, decay: float = 0.95, momentum: float = 0.9,
                 eps: float = 1e-4, centered: bool = True) -> None:
        super().__init__(params, lr)
        self.decay, self.momentum, self.eps, self.centered = decay, momentum, eps, centered

    def _update(self, index, p, grad):
        xp = p.xp
        square_avg = self._buffer("square_avg", index)
        square_avg *= self.decay
        square_avg += (1 - self.decay) * grad * grad
        variance = square_avg
        if self.centered:
            grad_avg = self._buffer("grad_avg", index)
            grad_avg *= self.decay
            grad_avg += (1 - self.decay) * grad
            variance = square_avg - grad_avg * grad_avg
        scaled = grad / xp.sqrt(variance + self.eps)
        if self.momentum:
            delta = self._buffer("delta", index)
            delta *= self.momentum
            delta -= self.lr * scaled
            p.data += delta
        else:
            p.data -= self.lr * scaled


class Adam(Optimizer):
    """Kingma & Ba (2015) with bias correction; ``weight_decay`` is L2 added to the gradient."""

    _state_names = ("first_moment", "second_moment")

    def __init__(self, params, lr: float = 1e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0) -> None:
        super().__init__(params, lr)
        self.beta1, self.beta2 = betas
        self.eps, self.weight_decay = eps, weight_decay

    def _apply_weight_decay(self, p, grad):
        return grad + self.weight_decay * p.data if self.weight_decay else grad

    def _update(self, index, p, grad):
        xp = p.xp
        grad = self._apply_weight_decay(p, grad)
        m = self._buffer("first_moment", index)
        v = self._buffer("second_moment", index)
        m *= self.beta1
        m += (1 - self.beta1) * grad
        v *= self.beta2
        v += (1 - self.beta2) * (grad * grad)
        correction1 = 1 - self.beta1 ** self.steps
        correction2 = 1 - self.beta2 ** self.steps
        step_size = self.lr * math.sqrt(correction2) / correction1
        p.data -= step_size * m / (xp.sqrt(v) + self.eps * math.sqrt(correction2))


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter 2019): p ← p − lr·wd·p first."""

    def __init__(self, params, lr: float = 1e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.01) -> None:
        super().__init__(params, lr, betas, eps, weight_decay)

    def _apply_weight_decay(self, p, grad):
        if self.weight_decay:
            p.data -= self.lr * self.weight_decay * p.data
        return grad


def clip_grad_norm(params: Iterable[Parameter], max_norm: float) -> float:
    """Scale all gradients together so that their global L2 norm is at most ``max_norm``.
    Returns the norm before clipping."""
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return 0.0
    total = math.sqrt(sum(float((g * g).sum()) for g in grads))
    if total > max_norm and math.isfinite(total):
        scale = max_norm / (total + 1e-12)
        for g in grads:
            g *= scale
    return total


def clip_grad_value(params: Iterable[Parameter], clip_value: float) -> None:
    """Clip every gradient element to ``[-clip_value, clip_value]`` in place."""
    for p in params:
        if p.grad is not None:
            p.xp.clip(p.grad, -clip_value, clip_value, out=p.grad)


class StepLR:
    """Multiply the learning rate by ``gamma`` every ``step_size`` calls of ``step()``."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        self.optimizer, self.step_size, self.gamma = optimizer, step_size, gamma
        self.base_lr = optimizer.lr
        self.count = 0

    def step(self) -> None:
        self.count += 1
        self.optimizer.lr = self.base_lr * self.gamma ** (self.count // self.step_size)
