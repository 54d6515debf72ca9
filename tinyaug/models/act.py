"""Adaptive Computation Time (Graves 2016, "Adaptive Computation Time for Recurrent Neural
Networks", arXiv 1603.08983, §2) around any cell of the recurrent-cell protocol.

At input step t the wrapped cell S runs n = 1, 2, ..., N(t) "ponder" steps:

    s^n = S(s^{n-1}, x^n),  s^0 = s_{t-1},  x^n = [x_t; δ_{n,1}]        (eqs. 7-8)
    h^n = σ(W_h s^n + b_h),  b_h initialised to +1                       (eq. 9)
    N(t) = min{M, min{n : Σ_{m≤n} h^m ≥ 1 − ε}}                          (eq. 10)
    R(t) = 1 − Σ_{n<N(t)} h^n                                            (eq. 11)
    p^n = R(t) if n = N(t), else h^n                                     (eq. 12)
    s_t = Σ_n p^n s^n,   y_t = Σ_n p^n y^n                               (eqs. 13-14)
    ρ_t = N(t) + R(t)   (ponder cost; the loss adds τ Σ_t ρ_t)           (eqs. 15-16)

Choices, stated once:

* The halting unit reads the cell's *output* (for an RNN or GRU cell this is the state; for an
  LSTM it is h, not the memory cell c). Every tensor of the state (h and c for an LSTM) is
  averaged with the p^n weights (eq. 13).
* y^n = W_y s^n + b_y is linear and Σ_n p^n = 1, so Σ_n p^n y^n = W_y (Σ_n p^n out^n) + b_y:
  the wrapper returns the p-weighted mean of the cell outputs and the read-out layer is applied
  once per input step by the caller (fewer operations, the same function).
* Gradient: N(t) is piecewise constant in the parameters, so it is treated as a constant
  (as in the paper, §2.2): ∂ρ_t/∂h^n = −1 for n < N(t), and the ponder cost's gradient flows
  only through the remainder R(t). The halting decisions are made on the host from the values
  of h and are never differentiated.
* Batching: every example halts on its own ponder step. Examples that have halted are dropped
  from the working batch (their rows of the accumulated state and output are set aside), so the
  cell never runs on a halted example. The flag δ_{n,1} is per example (each example's own
  first ponder step of this input step), and N(t) counts the ponder steps actually taken
  (N ≥ 1; not N − 1).
* ``step_mask`` (time, batch) marks padded input steps: a masked example is not computed at all
  at that step; its state passes through unchanged, its output is zero and its ponder cost 0.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import backends
from ..autograd import ops
from ..autograd.tensor import Tensor
from ..errors import ShapeError
from ..nn import init
from ..nn.layers import make_parameter
from ..nn.module import Module

State = Any  # a Tensor or a (nested) tuple/list of Tensors, each (batch, ...)


def tree_map(fn, tree: State) -> State:
    """Apply ``fn`` to every Tensor of a state (a Tensor or nested tuples/lists of them)."""
    if isinstance(tree, Tensor):
        return fn(tree)
    if isinstance(tree, (tuple, list)):
        return type(tree)(tree_map(fn, item) for item in tree)
    raise ShapeError(f"ACT: a cell state must be a Tensor or a tuple/list of Tensors, got "
                     f"{type(tree).__name__}")


def tree_map2(fn, first: State, second: State) -> State:
    """``fn`` over matching Tensors of two states of one structure."""
    if isinstance(first, Tensor):
        return fn(first, second)
    return type(first)(tree_map2(fn, a, b) for a, b in zip(first, second))


def tree_leaves(tree: State) -> list[Tensor]:
    if isinstance(tree, Tensor):
        return [tree]
    return [leaf for item in tree for leaf in tree_leaves(item)]


@dataclass
class ACTStep:
    """The result of one input step for a batch of B examples.

    ``output`` (B, cell.output_size): Σ p^n out^n; ``state``: Σ p^n s^n (the cell's structure);
    ``remainder`` (B,) tensor R(t) (0 where the step was masked); ``ponder_steps`` (B,) host
    int array N(t) (0 where masked); ``ponder_cost`` (B,) tensor ρ_t = N(t) + R(t)."""

    output: Tensor
    state: State
    remainder: Tensor
    ponder_steps: np.ndarray
    ponder_cost: Tensor


@dataclass
class ACTResult:
    """The result over a sequence of T steps: ``outputs`` (T, B, output_size), the final
    ``state``, ``ponder_cost`` (T, B) tensor ρ_t, ``ponder_steps`` (T, B) host ints N(t)."""

    outputs: Tensor
    state: State
    ponder_cost: Tensor
    ponder_steps: np.ndarray


class ACT(Module):
    """Adaptive Computation Time around ``cell`` (see the module docstring).

    ``cell.input_size`` must be the task's input size + 1 (the first-ponder-step flag).
    ``max_ponder`` is M, ``epsilon`` is ε, ``halting_bias`` the initial b_h.

    ``act.step(x, state, active=None) -> ACTStep``; x (B, input_size).
    ``act(inputs, state=None, step_mask=None) -> ACTResult``; inputs (T, B, input_size),
    step_mask (T, B) host 0/1 (None: every step is real).
    """

    def __init__(self, cell: Module, max_ponder: int = 100, epsilon: float = 0.01,
                 halting_bias: float = 1.0, rng: np.random.Generator | None = None,
                 dtype=None) -> None:
        super().__init__()
        if max_ponder < 1:
            raise ValueError(f"ACT: max_ponder (M) must be at least 1, got {max_ponder}")
        if not 0.0 < epsilon < 1.0:
            raise ValueError(f"ACT: epsilon must lie in (0, 1), got {epsilon}")
        rng = rng or init.default_rng()
        self.cell = cell
        self.input_size = cell.input_size - 1
        self.output_size = cell.output_size
        self.max_ponder, self.epsilon = int(max_ponder), float(epsilon)
        if dtype is None:
            dtype = cell.parameters()[0].dtype if cell.parameters() else None
        self.halting_weight = make_parameter(
            init.xavier_uniform((cell.output_size, 1), rng), dtype)        # W_h, eq. 9
        self.halting_bias = make_parameter(np.full(1, float(halting_bias)), dtype)  # b_h = +1

    def initial_state(self, batch_size: int) -> State:
        return self.cell.initial_state(batch_size)

    def halting_probability(self, cell_output: Tensor) -> Tensor:
        """h^n = σ(W_h s^n + b_h) (eq. 9): (k, output_size) -> (k, 1)."""
        return ops.sigmoid(cell_output @ self.halting_weight + self.halting_bias)

    # -- one input step ---------------------------------------------------------------------
    def step(self, x: Tensor, state: State, active: np.ndarray | None = None) -> ACTStep:
        """Ponder on one input step. ``x`` (B, input_size); ``active`` (B,) host bool or None."""
        if x.ndim != 2 or x.shape[1] != self.input_size:
            raise ShapeError(f"ACT({type(self.cell).__name__}): input must be (batch, "
                             f"{self.input_size}) (the cell's input_size {self.cell.input_size} "
                             f"minus the flag), got shape {x.shape}")
        batch = x.shape[0]
        backend = backends.backend_of(x.data)
        xp, dtype = backend.xp, x.dtype
        rows = np.arange(batch)
        finished = []  # pieces (original rows, state rows, output rows, remainder rows)
        steps = np.zeros(batch, dtype=np.int64)

        if active is not None:
            active = np.asarray(active, dtype=bool).reshape(batch)
            if not active.all():
                idle = np.flatnonzero(~active)
                # A padded step: state unchanged, zero output, no ponder (R = N = 0).
                zero_rows = Tensor(xp.zeros((idle.size, self.output_size), dtype=dtype))
                finished.append((idle, tree_map(lambda s: s[idle], state), zero_rows,
                                 Tensor(xp.zeros((idle.size, 1), dtype=dtype))))
                rows = np.flatnonzero(active)
                if rows.size == 0:
                    return self._assemble(finished, batch, steps, backend)
                x = x[rows]
                state = tree_map(lambda s: s[rows], state)

        k = rows.size
        flag_first = Tensor(xp.ones((k, 1), dtype=dtype))
        x_first = ops.concatenate([x, flag_first], axis=1)                  # x^1 = [x_t; 1]  (eq. 8)
        x_rest = ops.concatenate([x, Tensor(xp.zeros((k, 1), dtype=dtype))], axis=1)  # x^n = [x_t; 0]
        halting_sum = Tensor(xp.zeros((k, 1), dtype=dtype))                 # Σ_{m<n} h^m
        halting_sum_host = np.zeros(k)
        threshold = 1.0 - self.epsilon
        state_sum = output_sum = None

        for n in range(1, self.max_ponder + 1):
            output, state = self.cell(x_first if n == 1 else x_rest, state)  # eq. 7
            halting = self.halting_probability(output)                       # eq. 9, (k, 1)
            halting_host = backend.to_host(halting.data)[:, 0].astype(np.float64)
            # eq. 10: halt at the first n whose running sum reaches 1 − ε, or at n = M.
            halts = (halting_sum_host + halting_host >= threshold) | (n == self.max_ponder)
            remainder = 1.0 - halting_sum                                    # eq. 11 (used where halts)
            if halts.all():
                probability = remainder                                      # eq. 12, p^N = R
            elif not halts.any():
                probability = halting                                        # eq. 12, p^n = h^n
            else:
                probability = ops.where(backend.from_host(halts[:, None]), remainder, halting)
            same = output is state                                           # RNN/GRU: out = state
            state_sum = _accumulate(state_sum, probability, state)            # eq. 13
            output_sum = state_sum if same else _accumulate(output_sum, probability, output)  # eq. 14
            steps[rows[halts]] = n
            if halts.any():
                done = np.flatnonzero(halts)
                if halts.all():
                    finished.append((rows, state_sum, output_sum, remainder))
                    break
                finished.append((rows[done], tree_map(lambda s: s[done], state_sum),
                                 output_sum[done], remainder[done]))
                keep = np.flatnonzero(~halts)
                rows = rows[keep]
                select = lambda s: s[keep]  # noqa: E731
                state, state_sum = tree_map(select, state), tree_map(select, state_sum)
                output_sum = state_sum if same else output_sum[keep]
                x_rest = x_rest[keep]
                halting, halting_sum = halting[keep], halting_sum[keep]
                halting_host, halting_sum_host = halting_host[keep], halting_sum_host[keep]
            halting_sum = halting_sum + halting
            halting_sum_host = halting_sum_host + halting_host
        return self._assemble(finished, batch, steps, backend)

    def _assemble(self, finished, batch: int, steps: np.ndarray, backend) -> ACTStep:
        """Put the finished pieces back into the batch's original row order."""
        if len(finished) == 1:
            _, state, output, remainder = finished[0]  # every row halted at once, in order
        else:
            order = np.concatenate([piece[0] for piece in finished])
            inverse = np.argsort(order)
            state = _merge([piece[1] for piece in finished], inverse)
            output = ops.concatenate([piece[2] for piece in finished], axis=0)[inverse]
            remainder = ops.concatenate([piece[3] for piece in finished], axis=0)[inverse]
        remainder = ops.reshape(remainder, (batch,))
        steps_tensor = backend.from_host(steps.astype(remainder.dtype))
        return ACTStep(output, state, remainder, steps, remainder + steps_tensor)  # eq. 15

    # -- a sequence -------------------------------------------------------------------------
    def forward(self, inputs: Tensor, state: State | None = None,
                step_mask: np.ndarray | None = None) -> ACTResult:
        """inputs (T, B, input_size) -> ``ACTResult``; ``step_mask`` (T, B) host 0/1."""
        if inputs.ndim != 3:
            raise ShapeError(f"ACT: inputs must be (time, batch, {self.input_size}), got shape "
                             f"{inputs.shape}")
        time, batch = inputs.shape[0], inputs.shape[1]
        if step_mask is not None:
            step_mask = np.asarray(step_mask)
            if step_mask.shape != (time, batch):
                raise ShapeError(f"ACT: step_mask must be (time, batch) = {(time, batch)}, got "
                                 f"{step_mask.shape}")
            step_mask = step_mask > 0
        state = self.initial_state(batch) if state is None else state
        outputs, costs, steps = [], [], []
        for t in range(time):
            result = self.step(inputs[t], state, None if step_mask is None else step_mask[t])
            state = result.state
            outputs.append(result.output)
            costs.append(result.ponder_cost)
            steps.append(result.ponder_steps)
        return ACTResult(ops.stack(outputs, axis=0), state, ops.stack(costs, axis=0), np.stack(steps))


class FixedRepeat(Module):
    """The ablation of ACT: the same cell run a fixed ``repeats`` times per input step, with the
    same first-step flag, and the last output kept (``repeats=1`` is the plain cell with a
    constant flag input). Same call and result as ``ACT`` (ponder cost is the constant
    ``repeats`` and carries no gradient)."""

    def __init__(self, cell: Module, repeats: int = 1) -> None:
        super().__init__()
        if repeats < 1:
            raise ValueError(f"FixedRepeat: repeats must be at least 1, got {repeats}")
        self.cell, self.repeats = cell, int(repeats)
        self.input_size, self.output_size = cell.input_size - 1, cell.output_size

    def initial_state(self, batch_size: int) -> State:
        return self.cell.initial_state(batch_size)

    def forward(self, inputs: Tensor, state: State | None = None,
                step_mask: np.ndarray | None = None) -> ACTResult:
        if inputs.ndim != 3 or inputs.shape[2] != self.input_size:
            raise ShapeError(f"FixedRepeat: inputs must be (time, batch, {self.input_size}), got "
                             f"shape {inputs.shape}")
        time, batch = inputs.shape[0], inputs.shape[1]
        xp, dtype = inputs.xp, inputs.dtype
        backend = backends.backend_of(inputs.data)
        state = self.initial_state(batch) if state is None else state
        flags = [Tensor(xp.full((batch, 1), 1.0 if n == 0 else 0.0, dtype=dtype))
                 for n in range(min(self.repeats, 2))]
        mask = np.ones((time, batch), dtype=bool) if step_mask is None else np.asarray(step_mask) > 0
        outputs = []
        for t in range(time):
            previous = state
            for n in range(self.repeats):
                output, state = self.cell(ops.concatenate([inputs[t], flags[min(n, 1)]], axis=1), state)
            if not mask[t].all():  # padded steps keep the previous state
                keep = backend.from_host(mask[t][:, None])
                state = tree_map2(lambda new, old: ops.where(keep, new, old), state, previous)
                output = output * backend.from_host(mask[t][:, None].astype(dtype))
            outputs.append(output)
        steps = mask.astype(np.int64) * self.repeats
        cost = Tensor(backend.from_host(steps.astype(dtype)))
        return ACTResult(ops.stack(outputs, axis=0), state, cost, steps)


def _accumulate(total: State | None, probability: Tensor, value: State) -> State:
    """total + p · value over every tensor of a state (p: (k, 1) broadcast over features)."""
    if total is None:
        return tree_map(lambda v: probability * v, value)
    return tree_map2(lambda acc, v: acc + probability * v, total, value)


def _merge(pieces: list, inverse: np.ndarray) -> State:
    """Concatenate state pieces along the batch and restore the original row order."""
    first = pieces[0]
    if isinstance(first, Tensor):
        return ops.concatenate(pieces, axis=0)[inverse]
    return type(first)(_merge([piece[i] for piece in pieces], inverse) for i in range(len(first)))
