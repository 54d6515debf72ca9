"""The LSTM: ``LSTMCell`` (one step, the recurrent-cell protocol) and ``LSTM`` (a stack over a
sequence), each with a composite path built from engine ops and a fused path (``lstm_fused``).

Equations (Hochreiter & Schmidhuber 1997, with the forget gate of Gers et al. 2000, as written
in Graves 2013, "Generating Sequences With Recurrent Neural Networks", eqs. 7–11, without
peepholes), gate order (i, f, g, o):

    i  = σ(W_i x + U_i h + b_i)          input gate          (Graves 2013, eq. 7)
    f  = σ(W_f x + U_f h + b_f)          forget gate         (eq. 8)
    g  = tanh(W_g x + U_g h + b_g)       candidate cell
    c' = f ∘ c + i ∘ g                   cell state          (eq. 9)
    o  = σ(W_o x + U_o h + b_o)          output gate         (eq. 10)
    h' = o ∘ tanh(c')                    hidden state/output (eq. 11)

The four gates share one input matrix W_x (I, 4H) and one recurrent matrix W_h (H, 4H), with
row vectors on the left (``x @ W_x``) as in ``Linear``.
"""
from __future__ import annotations

import numpy as np

from ..autograd import ops
from ..autograd.tensor import Tensor
from ..errors import ShapeError
from . import init
from .layers import make_parameter
from .module import Module
from .lstm_fused import fused_lstm_cell, fused_lstm_sequence
from .rnn import _as_weight_dtype

LSTMState = tuple  # (h, c), each (batch, hidden)


def lstm_cell_composite(x: Tensor, h: Tensor, c: Tensor, weight_input: Tensor,
                        weight_hidden: Tensor, bias: Tensor) -> tuple[Tensor, Tensor]:
    """One LSTM step from engine ops (the readable reference of ``FusedLSTMCell``).

    x (B, I), h and c (B, H), W_x (I, 4H), W_h (H, 4H), b (4H,) -> (h', c'), each (B, H).
    """
    pre_activation = x @ weight_input + h @ weight_hidden + bias      # W x + U h + b, all gates
    a_i, a_f, a_g, a_o = ops.split(pre_activation, 4, axis=-1)
    input_gate = ops.sigmoid(a_i)                                     # Graves 2013, eq. 7
    forget_gate = ops.sigmoid(a_f)                                    # eq. 8
    candidate = ops.tanh(a_g)
    c_new = forget_gate * c + input_gate * candidate                  # eq. 9
    output_gate = ops.sigmoid(a_o)                                    # eq. 10
    h_new = output_gate * ops.tanh(c_new)                             # eq. 11
    return h_new, c_new


def _lstm_weights(input_size: int, hidden_size: int, forget_bias: float,
                  rng: np.random.Generator, dtype):
    # Per-gate initialisation: Xavier for each (I, H) input block, orthogonal for each (H, H)
    # recurrent block (Saxe et al. 2013), so every gate starts well scaled on its own.
    weight_input = np.concatenate([init.xavier_uniform((input_size, hidden_size), rng)
                                   for _ in range(4)], axis=1)
    weight_hidden = np.concatenate([init.orthogonal((hidden_size, hidden_size), rng)
                                    for _ in range(4)], axis=1)
    bias = init.lstm_bias(hidden_size, forget_bias)
    return (make_parameter(weight_input, dtype), make_parameter(weight_hidden, dtype),
            make_parameter(bias, dtype))


class LSTMCell(Module):
    """One LSTM step. ``cell(x, (h, c)) -> (h', (h', c'))``; x (batch, input_size), h and c
    (batch, hidden_size). ``fused``: run the step as one ``FusedLSTMCell`` op (fast) instead
    of ~12 engine ops (same numbers). ``forget_bias``: initial forget-gate bias (Gers et al.)."""

    def __init__(self, input_size: int, hidden_size: int, fused: bool = True,
                 forget_bias: float = 1.0, rng: np.random.Generator | None = None,
                 dtype=None) -> None:
        super().__init__()
        self.input_size, self.hidden_size, self.output_size = input_size, hidden_size, hidden_size
        self.fused = fused
        self.weight_input, self.weight_hidden, self.bias = _lstm_weights(
            input_size, hidden_size, forget_bias, rng or init.default_rng(), dtype)

    def initial_state(self, batch_size: int) -> LSTMState:
        """Zeros (h, c), each (batch_size, hidden_size), on the parameters' backend and dtype."""
        xp = self.weight_hidden.xp
        shape = (batch_size, self.hidden_size)
        return (Tensor(xp.zeros(shape, dtype=self.weight_hidden.dtype)),
                Tensor(xp.zeros(shape, dtype=self.weight_hidden.dtype)))

    def forward(self, x: Tensor, state: LSTMState) -> tuple[Tensor, LSTMState]:
        x, h, c = _check_step(self, x, state)
        step = fused_lstm_cell if self.fused else lstm_cell_composite
        h_new, c_new = step(x, h, c, self.weight_input, self.weight_hidden, self.bias)
        return h_new, (h_new, c_new)

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}, fused={self.fused}"


def _check_step(cell, x: Tensor, state) -> tuple:
    name = f"{type(cell).__name__}({cell.input_size}, {cell.hidden_size})"
    x = _as_weight_dtype(name, "the input", x, cell.weight_input)
    if x.ndim != 2 or x.shape[1] != cell.input_size:
        raise ShapeError(f"{name}: input must be (batch, {cell.input_size}), got shape {x.shape}")
    if not isinstance(state, (tuple, list)) or len(state) != 2:
        raise ShapeError(f"{name}: state must be a tuple (h, c), got {type(state).__name__}")
    h, c = (_as_weight_dtype(name, what, s, cell.weight_input) for what, s in zip(("h", "c"), state))
    expected = (x.shape[0], cell.hidden_size)
    if h.shape != expected or c.shape != expected:
        raise ShapeError(f"{name}: state (h, c) must be two ({x.shape[0]}, {cell.hidden_size}) "
                         f"tensors for a batch of {x.shape[0]}, got h {h.shape}, c {c.shape}")
    return x, h, c


class LSTM(Module):
    """A stack of ``num_layers`` LSTMs over a sequence.

    ``lstm(inputs, initial_state=None) -> (outputs, (h_n, c_n))``: inputs (time, batch,
    input_size); outputs (time, batch, hidden_size), the top layer's h at every step; h_n and
    c_n (num_layers, batch, hidden_size). ``initial_state``: None (zeros), a tuple (h_0, c_0)
    of (num_layers, batch, hidden) tensors, or a sequence of per-layer (h, c) tuples.
    ``fused``: each layer runs as one ``FusedLSTMSequence`` op (input projections and weight
    gradients batched over time); otherwise step by step with the composite cell.
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, fused: bool = True,
                 forget_bias: float = 1.0, rng: np.random.Generator | None = None,
                 dtype=None) -> None:
        super().__init__()
        if num_layers < 1:
            raise ValueError(f"LSTM: num_layers must be at least 1, got {num_layers}")
        rng = rng or init.default_rng()
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.output_size = hidden_size
        self.fused = fused
        self.cells = []
        for layer in range(num_layers):
            cell = LSTMCell(input_size if layer == 0 else hidden_size, hidden_size, fused=fused,
                            forget_bias=forget_bias, rng=rng, dtype=dtype)
            setattr(self, f"layer{layer}", cell)  # registers its parameters
            self.cells.append(cell)

    def initial_state(self, batch_size: int) -> tuple[Tensor, Tensor]:
        """Zeros (h_0, c_0), each (num_layers, batch_size, hidden_size)."""
        xp = self.cells[0].weight_hidden.xp
        shape = (self.num_layers, batch_size, self.hidden_size)
        dtype = self.cells[0].weight_hidden.dtype
        return Tensor(xp.zeros(shape, dtype=dtype)), Tensor(xp.zeros(shape, dtype=dtype))

    def _layer_states(self, initial_state, batch: int) -> list:
        name = f"LSTM({self.input_size}, {self.hidden_size}, num_layers={self.num_layers})"
        if initial_state is None:
            return [cell.initial_state(batch) for cell in self.cells]
        if not isinstance(initial_state, (tuple, list)):
            raise ShapeError(f"{name}: initial_state must be (h_0, c_0) or per-layer (h, c) "
                             f"tuples, got {type(initial_state).__name__}")
        expected = (self.num_layers, batch, self.hidden_size)
        if len(initial_state) == 2 and isinstance(initial_state[0], Tensor):
            h0, c0 = initial_state
            if h0.shape != expected or c0.shape != expected:
                raise ShapeError(f"{name}: initial_state (h_0, c_0) must be two {expected} tensors "
                                 f"(layers, batch, hidden), got {h0.shape} and {c0.shape}")
            return [(h0[layer], c0[layer]) for layer in range(self.num_layers)]
        if len(initial_state) != self.num_layers:
            raise ShapeError(f"{name}: got {len(initial_state)} per-layer states for "
                             f"{self.num_layers} layers")
        for layer, state in enumerate(initial_state):
            shapes = [getattr(s, "shape", None) for s in state] if isinstance(state, (tuple, list)) else []
            if len(shapes) != 2 or any(s != expected[1:] for s in shapes):
                raise ShapeError(f"{name}: the state of layer {layer} must be (h, c), each "
                                 f"{expected[1:]} (batch, hidden), got {shapes or type(state).__name__}")
        return [tuple(state) for state in initial_state]

    def forward(self, inputs: Tensor, initial_state=None) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        name = f"LSTM({self.input_size}, {self.hidden_size})"
        inputs = _as_weight_dtype(name, "the input", inputs, self.cells[0].weight_input)
        if inputs.ndim != 3 or inputs.shape[2] != self.input_size or inputs.shape[0] == 0:
            raise ShapeError(f"LSTM({self.input_size}, {self.hidden_size}): inputs must be "
                             f"(time ≥ 1, batch, {self.input_size}), got shape {inputs.shape}")
        states = [tuple(_as_weight_dtype(name, f"the initial {what} of layer {layer}", s,
                                         self.cells[0].weight_input) for what, s in zip("hc", state))
                  for layer, state in enumerate(self._layer_states(initial_state, inputs.shape[1]))]
        layer_input = inputs
        final_h, final_c = [], []
        for cell, (h, c) in zip(self.cells, states):
            if self.fused:
                layer_input, h, c = fused_lstm_sequence(layer_input, h, c, cell.weight_input,
                                                        cell.weight_hidden, cell.bias)
            else:
                step_outputs = []
                for t in range(layer_input.shape[0]):
                    h, c = lstm_cell_composite(layer_input[t], h, c, cell.weight_input,
                                               cell.weight_hidden, cell.bias)
                    step_outputs.append(h)
                layer_input = ops.stack(step_outputs, axis=0)
            final_h.append(h)
            final_c.append(c)
        return layer_input, (ops.stack(final_h, axis=0), ops.stack(final_c, axis=0))

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}, num_layers={self.num_layers}, fused={self.fused}"


def lstm_sequence_composite(inputs: Tensor, h0: Tensor, c0: Tensor, weight_input: Tensor,
                            weight_hidden: Tensor, bias: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """The composite twin of ``FusedLSTMSequence``: (T, B, I) -> (hs (T, B, H), h_T, c_T)."""
    h, c = h0, c0
    outputs = []
    for t in range(inputs.shape[0]):
        h, c = lstm_cell_composite(inputs[t], h, c, weight_input, weight_hidden, bias)
        outputs.append(h)
    return ops.stack(outputs, axis=0), h, c


__all__ = ["LSTM", "LSTMCell", "lstm_cell_composite", "lstm_sequence_composite"]
