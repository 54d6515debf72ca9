"""``SyntheticGradient``: a small model M that predicts the gradient the future would send back
into a recurrent state (Jaderberg et al., "Decoupled Neural Interfaces using Synthetic
Gradients", ICML 2017, §2 and §3.1).

For a recurrent net trained by truncated BPTT over windows of T steps, the true gradient
arriving at the state s_T at a window's end is δ_T = ∂(L_{>T})/∂s_T, which truncation drops.
M(s_T) ≈ δ_T is injected there instead ("synthetic gradient", paper eq. 1 with δ̂ = M(h)),
and M is trained by regression on the bootstrapped target (paper §3.1, Fig. 2 b):

    δ̄_0 = ∂L_window/∂s_0 + (∂s_T/∂s_0)ᵀ M(s_T)     (the gradient reaching the window's start)
    loss_M = ½ ‖M(s_0) − δ̄_0‖²                       (s_0 = the previous window's end state)

The state may be one tensor (an RNN's h) or several (an LSTM's (h, c), paper: "for an LSTM
the synthesizer sees h and c"); M reads their concatenation and returns one prediction per
state tensor, each of that tensor's shape. M's last layer starts at zero, so that before any
training M predicts 0 and DNI starts out as plain truncated BPTT.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from ..autograd import Tensor, ops
from ..errors import ShapeError
from . import init
from .layers import Linear, make_parameter
from .module import Module


class SyntheticGradient(Module):
    """M: a recurrent state -> the predicted gradient of the future loss with respect to it.

    ``state_sizes``: the feature size of each state tensor, e.g. ``(H,)`` for an RNN or GRU
    and ``(H, H)`` for an LSTM's (h, c). ``hidden_size``: 0 for a linear M (the paper's
    recurrent-net experiments), else one ReLU hidden layer of that width.

    ``synth(state) -> prediction``: ``state`` a Tensor (batch, H) or a tuple of them;
    ``prediction`` has the same structure and shapes. ``synth.regression_loss(state, target)``:
    ½ Σ ‖M(state) − target‖² summed over the batch (``target`` arrays or tensors of the state's
    structure, treated as constants).
    """

    def __init__(self, state_sizes: int | Sequence[int], hidden_size: int = 0,
                 rng: np.random.Generator | None = None, dtype=None) -> None:
        super().__init__()
        sizes = (state_sizes,) if isinstance(state_sizes, int) else tuple(int(s) for s in state_sizes)
        if not sizes or any(s < 1 for s in sizes):
            raise ShapeError(f"SyntheticGradient: state_sizes must be positive sizes, got {state_sizes!r}")
        if hidden_size < 0:
            raise ValueError(f"SyntheticGradient: hidden_size must be >= 0, got {hidden_size}")
        rng = rng or init.default_rng()
        self.state_sizes, self.hidden_size = sizes, int(hidden_size)
        total = sum(sizes)
        if self.hidden_size:
            self.hidden = Linear(total, self.hidden_size, rng=rng, dtype=dtype)
            last_in = self.hidden_size
        else:
            last_in = total
        # Zero-initialised output layer: M ≡ 0 at the start (paper §3: "zero-initialised").
        self.output_weight = make_parameter(np.zeros((last_in, total)), dtype)
        self.output_bias = make_parameter(np.zeros(total), dtype)

    def _as_tuple(self, state, what: str) -> tuple:
        parts = tuple(state) if isinstance(state, (tuple, list)) else (state,)
        shapes = [tuple(getattr(p, "shape", ())) for p in parts]
        if len(parts) != len(self.state_sizes) or any(
                len(s) != 2 or s[1] != size for s, size in zip(shapes, self.state_sizes)):
            raise ShapeError(f"SyntheticGradient{self.state_sizes}: {what} must be "
                             f"{len(self.state_sizes)} tensor(s) (batch, size) with sizes "
                             f"{self.state_sizes}, got shapes {shapes}")
        return parts

    def forward(self, state) -> Tensor | tuple:
        parts = self._as_tuple(state, "the state")
        features = parts[0] if len(parts) == 1 else ops.concatenate(list(parts), axis=-1)
        if self.hidden_size:
            features = ops.relu(self.hidden(features))
        flat = features @ self.output_weight + self.output_bias          # (batch, Σ sizes)
        if len(parts) == 1:
            return flat
        bounds = np.cumsum(self.state_sizes)[:-1].tolist()
        return tuple(ops.split(flat, bounds, axis=-1))

    def regression_loss(self, state, target) -> Tensor:
        """½ Σ_batch Σ_features (M(state) − target)² (the paper's L2 regression, summed)."""
        prediction = self.forward(state)
        predictions = prediction if isinstance(prediction, tuple) else (prediction,)
        targets = self._as_tuple(target, "the target")
        loss = None
        for p, t in zip(predictions, targets):
            t = t.detach() if isinstance(t, Tensor) else t
            term = ops.sum((p - t) * (p - t)) * 0.5
            loss = term if loss is None else loss + term
        return loss

    def extra_repr(self) -> str:
        return f"state_sizes={self.state_sizes}, hidden_size={self.hidden_size}"


__all__ = ["SyntheticGradient"]
