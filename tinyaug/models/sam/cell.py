"""The SAM cell (Rae, Hunt et al. 2016, §3): an LSTM controller with R sparse read heads and H
sparse write heads over a ``SparseMemory``, under the recurrent-cell protocol.

State: ``(controller_state, reads (B, R, W), read_weights (B, R, K), token)``; the rows of the
last read are kept by the memory's episode (``memory.episode.read_rows``). One step t:

1. controller input [x_t; r_{t−1}], output h_t; interface ξ_t = W h_t + b split into read keys
   q (R·W), read strengths β̂ (R), and per write head an add vector a (W), a write gate α̂ and
   an interpolation gate γ̂;
2. reads of M_{t−1} (eqs. 4–5 over K rows): w^R_t(i) ∝ exp(β cos(q, M(i))) on the K nearest
   rows, r_t = Σ w^R_t(i) M(i), with β = softplus(β̂);
3. write (eq. 7): w^W_t = α (γ w̄^R_{t−1} + (1 − γ) I^U_t), α = σ(α̂), γ = σ(γ̂), where
   w̄^R_{t−1} is the previous step's read weighting averaged over the R heads (on its R·K rows)
   and I^U_t the indicator of the head's least-recently-used word (usage, §3.3); the LRU word
   is erased first (R_t = I^U 1ᵀ, eq. 6), then M_t = M_{t−1} + w^W aᵀ on those rows only;
4. output y_t = W_o [h_t; r_t] + b_o (logits).

Reading M_{t−1} before the write follows tinyaug's NTM default (models/ntm/cell.py says why).
The memory starts all zero for every sequence; reads of untouched words see similarity 0.
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
from .memory import SparseMemory, sparse_read, sparse_write


class SAMCell(Module):
    """One SAM step: ``cell(x, state) -> (logits, state)``; x (B, input_size), logits
    (B, output_size). ``memory_rows`` N × ``memory_width`` W, ``read_heads`` R,
    ``write_heads`` H, ``sparsity`` K (rows per read), ``index`` ``"exact"`` | ``"hnsw"``.
    One batch of sequences at a time per cell (the memory is one shared, mutable buffer)."""

    def __init__(self, input_size: int, output_size: int, controller_size: int = 100,
                 memory_rows: int = 1024, memory_width: int = 20, read_heads: int = 4,
                 write_heads: int = 1, sparsity: int = 4, index: str = "exact",
                 index_options: dict | None = None, rng: np.random.Generator | None = None,
                 dtype=None) -> None:
        super().__init__()
        rng = rng or init.default_rng()
        if read_heads < 1 or write_heads < 1:
            raise ValueError(f"SAMCell: need at least one read and one write head, got "
                             f"read_heads={read_heads}, write_heads={write_heads}")
        if not 1 <= sparsity <= memory_rows or write_heads > memory_rows:
            raise ValueError(f"SAMCell: sparsity K = {sparsity} and write_heads = {write_heads} "
                             f"must be between 1 and memory_rows = {memory_rows}")
        self.input_size, self.output_size = input_size, output_size
        self.memory_rows, self.memory_width = memory_rows, memory_width
        self.read_heads, self.write_heads, self.sparsity = read_heads, write_heads, sparsity
        self.controller = LSTMCell(input_size + read_heads * memory_width, controller_size, rng=rng, dtype=dtype)
        self.read_size = read_heads * (memory_width + 1)                     # keys, strengths
        self.write_size = write_heads * (memory_width + 2)                   # adds, α̂, γ̂
        self.interface = Linear(controller_size, self.read_size + self.write_size, rng=rng, dtype=dtype)
        self.output_layer = Linear(controller_size + read_heads * memory_width, output_size, rng=rng, dtype=dtype)
        self.initial_reads = make_parameter(rng.normal(0.0, 0.1, (read_heads, memory_width)), dtype)
        self.memory = SparseMemory(memory_rows, memory_width, index=index, index_options=index_options)

    def initial_state(self, batch_size: int) -> tuple:
        """(controller_state, reads (B, R, W), read_weights (B, R, K) zeros, token). Starts a
        new episode on the memory (undoing what the previous one left)."""
        reference = self.initial_reads
        token = self.memory.start(batch_size, reference)
        self.memory.episode.read_rows = np.broadcast_to(
            np.arange(self.sparsity), (batch_size, self.read_heads, self.sparsity)).copy()
        reads = ops.broadcast_to(reference, (batch_size,) + reference.shape)
        read_weights = Tensor(reference.xp.zeros((batch_size, self.read_heads, self.sparsity),
                                                 dtype=reference.dtype))
        return self.controller.initial_state(batch_size), reads, read_weights, token

    def step(self, x: Tensor, state: tuple) -> tuple[Tensor, Tensor, tuple, dict]:
        """One step without the output layer: (h_t (B, C), r_t flattened (B, R·W), state, details)."""
        controller_state, reads, read_weights, token = state
        batch, width, heads, writers = x.shape[0], self.memory_width, self.read_heads, self.write_heads
        if x.ndim != 2 or x.shape[1] != self.input_size:
            raise ShapeError(f"SAMCell: input must be (batch, {self.input_size}), got shape {x.shape}")
        controller_input = ops.concatenate([x, ops.reshape(reads, batch, heads * width)], axis=1)
        hidden, controller_state = self.controller(controller_input, controller_state)
        interface = self.interface(hidden)
        read_part = ops.reshape(interface[:, :self.read_size], batch, heads, width + 1)
        keys, strengths = read_part[:, :, :width], ops.softplus(read_part[:, :, width])   # β ≥ 0
        write_part = ops.reshape(interface[:, self.read_size:], batch, writers, width + 2)
        adds = write_part[:, :, :width]
        write_gate = ops.sigmoid(write_part[:, :, width])[:, :, None]                     # α
        interpolation = ops.sigmoid(write_part[:, :, width + 1])[:, :, None]              # γ
        episode = self.memory.episode
        previous_rows = episode.read_rows.reshape(batch, heads * self.sparsity)            # rows of w^R_{t−1}
        # reads of M_{t−1}, K rows each (eqs. 4–5)
        new_reads, new_read_weights, token, read_rows = sparse_read(token, keys, strengths, self.memory, self.sparsity)
        # write weighting (eq. 7) over [previous read rows | each head's LRU row]
        least_recent = self.memory.usage.least_recent(writers)                            # (B, H)
        previous = ops.reshape(read_weights, batch, 1, heads * self.sparsity) * (1.0 / heads)
        lru_indicator = Tensor(x.backend.from_host(np.eye(writers, dtype=x.dtype)[None]))  # I^U per head
        write_weights = write_gate * ops.concatenate(
            [interpolation * previous, (1.0 - interpolation) * lru_indicator], axis=2)    # (B, H, R·K + H)
        write_rows = np.concatenate([previous_rows, least_recent], axis=1)
        token = sparse_write(token, write_weights, adds, self.memory, write_rows, least_recent)  # eq. 6
        state = (controller_state, new_reads, new_read_weights, token)
        details = {"read_rows": read_rows, "read_weights": new_read_weights, "write_rows": write_rows,
                   "write_weights": write_weights, "least_recent": least_recent}
        return hidden, ops.reshape(new_reads, batch, heads * width), state, details

    def forward(self, x: Tensor, state: tuple) -> tuple[Tensor, tuple]:
        x = as_tensor(x, like=self.initial_reads)
        hidden, reads_flat, state, _ = self.step(x, state)
        return self.output_layer(ops.concatenate([hidden, reads_flat], axis=1)), state

    def extra_repr(self) -> str:
        return (f"{self.input_size}, {self.output_size}, memory={self.memory_rows}x{self.memory_width}, "
                f"read_heads={self.read_heads}, write_heads={self.write_heads}, K={self.sparsity}, "
                f"index={self.memory.index.name!r}")
