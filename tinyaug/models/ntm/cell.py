"""The NTM cell (Graves, Wayne & Danihelka 2014, §3): controller + heads + memory, one step.

State (all batched): ``(controller_state, memory (B, N, W), reads (B, R, W), weights (B, H, N))``
where H = R + H_w heads (read heads first, then write heads). One step:

1. controller input [x_t; r_{t−1}] (the previous reads, §3 / Fig. 1);
2. controller output h_t -> head parameters (``NTMHeads``);
3. every head addresses the previous memory M_{t−1} (eqs. 5–9, one fused op for all heads);
4. read heads read M_{t−1} (eq. 2), then write heads erase and add (eqs. 3–4)
   (``read_after_write=True``: write first, then read M_t);
5. output y_t = W [h_t; r_t] + b, logits (the sigmoid belongs to the BCE loss).

Initial state (Collier & Beel 2018): memory a constant 1e-6 (``memory_init="constant"``,
the default) or a learned matrix (``"learned"``); read vectors and head weightings learned
biases. A constant memory is the same in every row, so content addressing alone cannot tell
rows apart: the learned initial weighting (started focused on row 0) breaks the symmetry.
"""
from __future__ import annotations

import numpy as np

from ...autograd import ops
from ...autograd.tensor import Tensor, as_tensor
from ...errors import ShapeError
from ...nn import Linear, init
from ...nn.layers import make_parameter
from ...nn.module import Module
from ...nn.lstm import LSTMCell
from .addressing import address, address_composite
from .heads import NTMHeads
from .memory import read, write, write_composite

CONSTANT_MEMORY = 1e-6
INITIAL_FOCUS_LOGIT = 10.0   # initial weighting ≈ 0.99 on row 0 (softmax of this over zeros, N = 128)


class FeedforwardController(Module):
    """A stateless controller: h = tanh(x W + b). Its state is an empty tuple."""

    def __init__(self, input_size: int, hidden_size: int, rng: np.random.Generator | None = None,
                 dtype=None) -> None:
        super().__init__()
        self.input_size, self.hidden_size, self.output_size = input_size, hidden_size, hidden_size
        self.layer = Linear(input_size, hidden_size, rng=rng, dtype=dtype)

    def initial_state(self, batch_size: int) -> tuple:
        return ()

    def forward(self, x: Tensor, state: tuple) -> tuple[Tensor, tuple]:
        return ops.tanh(self.layer(x)), ()


class NTMCell(Module):
    """One NTM step under the recurrent-cell protocol: ``cell(x, state) -> (logits, state)``.

    ``x``: (batch, input_size); ``logits``: (batch, output_size). ``controller``: ``"lstm"`` or
    ``"feedforward"``; ``memory_rows`` × ``memory_width`` = N × W; ``shift_width`` K (odd;
    shifts −(K−1)/2 … +(K−1)/2). ``fused``: addressing and writing as single ops (fast) or
    from engine ops (same numbers). ``read_after_write``: read heads read M_t (after this
    step's write) instead of M_{t−1}. Reading M_{t−1} is the default: reading M_t lets a read
    head at the write head's row echo this step's add vector, a shortcut that training on copy
    fell into (docs/sections/ntm.md).
    """

    def __init__(self, input_size: int, output_size: int, controller: str = "lstm",
                 controller_size: int = 100, memory_rows: int = 128, memory_width: int = 20,
                 read_heads: int = 1, write_heads: int = 1, shift_width: int = 3,
                 memory_init: str = "constant", fused: bool = True, read_after_write: bool = False,
                 rng: np.random.Generator | None = None, dtype=None) -> None:
        super().__init__()
        rng = rng or init.default_rng()
        if read_heads < 1:
            raise ValueError(f"NTMCell: need at least one read head, got {read_heads}")
        if shift_width > memory_rows:
            raise ValueError(f"NTMCell: shift_width {shift_width} exceeds memory_rows {memory_rows}")
        self.input_size, self.output_size = input_size, output_size
        self.memory_rows, self.memory_width = memory_rows, memory_width
        self.read_heads, self.write_heads = read_heads, write_heads
        self.controller_kind, self.memory_init, self.fused = controller, memory_init, fused
        self.read_after_write = read_after_write
        controller_input = input_size + read_heads * memory_width
        if controller == "lstm":
            self.controller = LSTMCell(controller_input, controller_size, rng=rng, dtype=dtype)
        elif controller == "feedforward":
            self.controller = FeedforwardController(controller_input, controller_size, rng=rng, dtype=dtype)
        else:
            raise ValueError(f"NTMCell: controller must be 'lstm' or 'feedforward', got {controller!r}")
        self.heads = NTMHeads(controller_size, memory_width, read_heads, write_heads, shift_width,
                              rng=rng, dtype=dtype)
        self.output_layer = Linear(controller_size + read_heads * memory_width, output_size,
                                   rng=rng, dtype=dtype)
        heads = read_heads + write_heads
        focus = np.zeros((heads, memory_rows))
        focus[:, 0] = INITIAL_FOCUS_LOGIT
        self.initial_weight_logits = make_parameter(focus, dtype)
        self.initial_reads = make_parameter(rng.standard_normal((read_heads, memory_width)) * 0.01, dtype)
        if memory_init == "learned":
            self.initial_memory = make_parameter(
                rng.uniform(-1, 1, (memory_rows, memory_width)) / np.sqrt(memory_rows + memory_width), dtype)
        elif memory_init != "constant":
            raise ValueError(f"NTMCell: memory_init must be 'constant' or 'learned', got {memory_init!r}")

    # -- state ------------------------------------------------------------------------------
    def initial_state(self, batch_size: int) -> tuple:
        """(controller_state, memory (B, N, W), reads (B, R, W), weights (B, H, N))."""
        reference = self.initial_reads
        if self.memory_init == "constant":
            memory = Tensor(reference.xp.full((batch_size, self.memory_rows, self.memory_width),
                                              CONSTANT_MEMORY, dtype=reference.dtype))
        else:
            memory = ops.broadcast_to(self.initial_memory, (batch_size, self.memory_rows, self.memory_width))
        reads = ops.broadcast_to(self.initial_reads, (batch_size,) + self.initial_reads.shape)
        weights = ops.softmax(self.initial_weight_logits, axis=-1)
        weights = ops.broadcast_to(weights, (batch_size,) + weights.shape)
        return self.controller.initial_state(batch_size), memory, reads, weights

    # -- one step -----------------------------------------------------------------------------
    def step(self, x: Tensor, state: tuple) -> tuple[Tensor, Tensor, tuple, dict]:
        """One step without the output layer: returns (h_t (B, C), r_t flattened (B, R·W),
        new state, details) where details holds the weightings, erase and add tensors."""
        controller_state, memory, reads, weights = state
        batch = x.shape[0]
        if x.ndim != 2 or x.shape[1] != self.input_size:
            raise ShapeError(f"NTMCell: input must be (batch, {self.input_size}), got shape {x.shape}")
        reads_flat = ops.reshape(reads, batch, self.read_heads * self.memory_width)
        controller_input = ops.concatenate([x, reads_flat], axis=1)             # [x_t; r_{t−1}]
        hidden, controller_state = self.controller(controller_input, controller_state)
        head_params, erase, add = self.heads(hidden)
        addressing = address if self.fused else address_composite
        weights = addressing(memory, head_params, weights)                      # eqs. 5–9
        read_weights = weights[:, :self.read_heads] if self.write_heads else weights
        if not self.read_after_write:
            reads = read(memory, read_weights)                                   # eq. 2, from M_{t−1}
        if self.write_heads:
            write_weights = weights[:, self.read_heads:]
            memory = (write if self.fused else write_composite)(memory, write_weights, erase, add)  # eqs. 3–4
        if self.read_after_write:
            reads = read(memory, read_weights)                                   # eq. 2, from M_t
        reads_flat = ops.reshape(reads, batch, self.read_heads * self.memory_width)
        details = {"weights": weights, "erase": erase, "add": add}
        return hidden, reads_flat, (controller_state, memory, reads, weights), details

    def forward(self, x: Tensor, state: tuple) -> tuple[Tensor, tuple]:
        x = as_tensor(x, like=self.initial_reads)
        hidden, reads_flat, state, _ = self.step(x, state)
        logits = self.output_layer(ops.concatenate([hidden, reads_flat], axis=1))   # y = W [h; r] + b
        return logits, state

    def extra_repr(self) -> str:
        return (f"{self.input_size}, {self.output_size}, memory={self.memory_rows}x{self.memory_width}, "
                f"memory_init={self.memory_init!r}, fused={self.fused}")
