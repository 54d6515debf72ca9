"""Truncated backpropagation through time with synthetic gradients (DNI), for any recurrent
cell on the project's protocol (``cell.initial_state(batch)``, ``cell(x, state) -> (output,
new_state)``; CONTRIBUTING.md).

Jaderberg et al., "Decoupled Neural Interfaces using Synthetic Gradients" (ICML 2017), §3.1
and Fig. 2: a sequence is cut into windows of T steps. In each window

    1. the window's start state s_0 is the previous window's end state, cut from its graph
       (a leaf that requires grad, so that the gradient arriving at it can be read);
    2. the cell runs T steps; L_w is the sum of the per-step losses in the window;
    3. at the window's end the synthetic gradient δ̂_T = M(s_T) stands in for the gradient of
       everything after the window: backward of L_w + ⟨s_T, δ̂_T⟩ (δ̂_T a constant) puts into
       the parameters ∂L_w/∂θ + (∂s_T/∂θ)ᵀ δ̂_T, the paper's eq. 1 with δ̂ in place of δ;
    4. the gradient that reached s_0, δ̄_0 = ∂L_w/∂s_0 + (∂s_T/∂s_0)ᵀ δ̂_T, is the bootstrapped
       regression target of M's prediction at s_0: loss_M = ½ ‖M(s_0) − δ̄_0‖² (paper §3.1).

With M ≡ 0 (or no synthesizer) this is plain truncated BPTT; with M replaced by the true
future gradient (from full BPTT) the parameter gradients summed over the windows are exactly
full BPTT's (tests/test_dni.py checks both to 1e-10 in float64). The last window of a
sequence gets no synthetic gradient: nothing follows it.

"DNI + Aux" (paper §3.1, "predicting future synthetic gradients"): an extra head A reads the
state after the window's first step and predicts the synthetic gradient the window will
receive at its end, δ̂_T (T − 1 steps ahead); ``aux_weight`` · ½ ‖A(s_1) − δ̂_T‖² is added to the
window's objective and its gradient flows into the cell, an auxiliary task that asks the core
to carry information about its own future. (Which state reads the future gradient, and how
far ahead, is our concrete choice; the paper's text is not available here to check.)

Engine pieces used, all existing (tests/test_dni.py documents each): ``Tensor.detach()`` cuts
the graph; ``Tensor(data, requires_grad=True)`` makes the carried state a leaf whose
``.grad`` is the gradient arriving at it; injecting an external gradient g into a non-scalar
s is the backward of ⟨s, g⟩ (equivalently ``s.backward(g)``, which the engine also accepts).
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ...autograd import Tensor, no_grad, ops
from ...errors import ShapeError
from ...nn.module import Module

#: step_loss(t, output) -> the loss of time step t (a scalar tensor, additive over time and
#: already normalised, e.g. by the batch size), or None where step t has no loss.
StepLoss = Callable[[int, Tensor], "Tensor | None"]


def state_parts(state) -> tuple:
    """A recurrent state as a tuple of tensors (one tensor h -> (h,))."""
    return tuple(state) if isinstance(state, (tuple, list)) else (state,)


def _rebuild(like, parts: tuple):
    return parts if isinstance(like, (tuple, list)) else parts[0]


def flat_cosine(a_parts, b_parts) -> float:
    """Cosine similarity of two states' worth of arrays, flattened over batch and features."""
    a = np.concatenate([np.asarray(_host(p), dtype=np.float64).ravel() for p in a_parts])
    b = np.concatenate([np.asarray(_host(p), dtype=np.float64).ravel() for p in b_parts])
    denominator = np.linalg.norm(a) * np.linalg.norm(b)
    return float(a @ b / denominator) if denominator > 0 else 0.0


def _host(value):
    from ...autograd import to_numpy
    return to_numpy(value)


class TruncatedBPTT:
    """Runs a recurrent ``cell`` over a sequence in windows of ``window`` steps and
    accumulates the parameters' gradients (``.grad``) window by window; see the module doc.

    ``synthesizer``: a ``SyntheticGradient`` (or None: plain truncated BPTT). ``aux_head``: a
    module state -> predicted gradient (a second ``SyntheticGradient`` fits), with
    ``aux_weight``, for "DNI + Aux" (needs a synthesizer). ``synthetic_scale``: the factor
    λ on the injected gradient, λ · M(s_T) (0.1 by default, the factor public DNI code
    attributes to the paper). The regression target is what actually arrives at s_0, so it
    holds λ · M(s_T) and M learns a gradient whose bootstrapped future is discounted by λ per
    window; with λ = 1 the bootstrap δ̄ = ∂L_w/∂s_0 + Jᵀ M(s_T) has no discount, and where the
    window's Jacobian J has modes of gain ≥ 1 M grows without bound (seen on the character
    LM: gradient norms in the thousands, cosine with the true gradient ≈ 0).

    ``run(inputs, step_loss, state=None, after_window=None) -> dict``: ``inputs`` a tensor
    (time, batch, input_size); ``step_loss`` see ``StepLoss``; ``after_window(k)`` is called
    after window k's backward passes (e.g. an optimizer step, for per-window updates; leave it
    None to sum the whole sequence's gradient, as full BPTT would give it). ``stream``: the
    inputs are a piece of an endless stream (a language model's text) that goes on after
    them: the last window's end gets a synthetic gradient too, and the first window's start
    (the carried ``state``) gets a regression target like every other. Returns ``loss``
    (the summed step losses, a float), ``final_state`` (cut from the graph) and per-boundary
    traces (nothing that grows with the sequence but these few floats is kept):
    ``synthesizer_loss``, ``synthetic_cosine`` (cosine of M(s_0) against its bootstrapped
    target), ``aux_loss``.
    """

    def __init__(self, cell: Module, window: int, synthesizer: Module | None = None,
                 aux_head: Module | None = None, aux_weight: float = 1.0,
                 synthetic_scale: float = 0.1) -> None:
        if int(window) < 1:
            raise ValueError(f"TruncatedBPTT: window must be at least 1 step, got {window}")
        if aux_head is not None and synthesizer is None:
            raise ValueError("TruncatedBPTT: aux_head (DNI + Aux) predicts future synthetic "
                             "gradients, so it needs a synthesizer")
        self.cell, self.window = cell, int(window)
        self.synthesizer, self.aux_head, self.aux_weight = synthesizer, aux_head, float(aux_weight)
        self.synthetic_scale = float(synthetic_scale)

    # -- the synthetic gradient at a window's end (tests override this with an oracle) ------
    def synthetic_gradient(self, state_parts_end: tuple, time: int) -> tuple | None:
        """The gradient injected at the state reached after ``time`` steps: ``synthetic_scale``
        · M(s) as backend arrays, one per state tensor, or None for none (plain truncation)."""
        if self.synthesizer is None:
            return None
        with no_grad():
            prediction = self.synthesizer(tuple(p.detach() for p in state_parts_end))
        return tuple(p.data * self.synthetic_scale for p in state_parts(prediction))

    def run(self, inputs: Tensor, step_loss: StepLoss, state: Any = None,
            after_window: Callable[[int], None] | None = None, stream: bool = False) -> dict:
        if inputs.ndim != 3:
            raise ShapeError(f"TruncatedBPTT.run: inputs must be (time, batch, input_size), got "
                             f"shape {inputs.shape}")
        time, batch = inputs.shape[0], inputs.shape[1]
        state = self.cell.initial_state(batch) if state is None else state
        parts = state_parts(state)
        total_loss = 0.0
        traces: dict[str, list] = {"synthesizer_loss": [], "synthetic_cosine": [], "aux_loss": [],
                                   "boundary": []}
        for k, t0 in enumerate(range(0, time, self.window)):
            t1 = min(t0 + self.window, time)
            read_start = (k > 0 or stream) and self.synthesizer is not None
            start = tuple(Tensor(p.data, requires_grad=True) if read_start else p.detach()
                          for p in parts)                                    # step 1: cut
            current = _rebuild(state, start)
            window_loss, after_first = None, None
            for t in range(t0, t1):                                          # step 2
                output, current = self.cell(inputs[t], current)
                after_first = current if after_first is None else after_first
                loss_t = step_loss(t, output)
                if loss_t is not None:
                    window_loss = loss_t if window_loss is None else window_loss + loss_t
            end = state_parts(current)
            objective = window_loss
            injected = self.synthetic_gradient(end, t1) if t1 < time or stream else None
            if injected is not None:                                         # step 3
                for s, g in zip(end, injected):
                    term = ops.sum(s * g)  # backward of ⟨s_T, δ̂_T⟩ injects δ̂_T into s_T
                    objective = term if objective is None else objective + term
                if self.aux_head is not None:
                    aux = self.aux_head.regression_loss(after_first, injected) * self.aux_weight
                    objective = objective + aux
                    traces["aux_loss"].append(float(aux.item()))
            if objective is not None and objective.requires_grad:
                objective.backward()
            if window_loss is not None:
                total_loss += float(window_loss.item())
            if read_start:                                                   # step 4
                target = tuple(s.grad if s.grad is not None else s.xp.zeros_like(s.data)
                               for s in start)
                detached = _rebuild(state, tuple(s.detach() for s in start))
                loss_m = self.synthesizer.regression_loss(detached, target)
                loss_m.backward()
                with no_grad():
                    prediction = state_parts(self.synthesizer(detached))
                traces["synthesizer_loss"].append(float(loss_m.item()))
                traces["synthetic_cosine"].append(flat_cosine([p.data for p in prediction], target))
                traces["boundary"].append(t0)
            if after_window is not None:
                after_window(k)
            parts = tuple(p.detach() for p in end)
        return {"loss": total_loss, "final_state": _rebuild(state, parts),
                **traces}


def full_bptt(cell: Module, inputs: Tensor, step_loss: StepLoss, state: Any = None,
              probe_times: tuple[int, ...] = ()) -> dict:
    """Full BPTT over the whole sequence (one graph, one backward), accumulating the
    parameters' gradients. ``probe_times``: step counts t after which the true gradient
    ∂L/∂s_t of the state is wanted; it is read by adding a zero leaf z to the state there
    (s_t + z has the same value, and z.grad = ∂L/∂s_t). Returns ``loss`` (float),
    ``state_gradients`` {t: tuple of host arrays} and ``states`` {t: tuple of host arrays}."""
    time, batch = inputs.shape[0], inputs.shape[1]
    state = cell.initial_state(batch) if state is None else state
    like, current = state, state
    probes, states, total = {}, {}, None
    for t in range(time):
        output, current = cell(inputs[t], current)
        loss_t = step_loss(t, output)
        if loss_t is not None:
            total = loss_t if total is None else total + loss_t
        if t + 1 in probe_times:
            zeros = tuple(Tensor(p.xp.zeros_like(p.data), requires_grad=True)
                          for p in state_parts(current))
            states[t + 1] = tuple(_host(p.data) for p in state_parts(current))
            probes[t + 1] = zeros
            current = _rebuild(like, tuple(p + z for p, z in zip(state_parts(current), zeros)))
    if total is not None and total.requires_grad:
        total.backward()
    gradients = {t: tuple(_host(z.grad) if z.grad is not None else np.zeros(z.shape) for z in zs)
                 for t, zs in probes.items()}
    return {"loss": float(total.item()) if total is not None else 0.0,
            "state_gradients": gradients, "states": states}


__all__ = ["StepLoss", "TruncatedBPTT", "flat_cosine", "full_bptt", "state_parts"]
