"""The DNC cell (Graves, Wayne et al., Nature 538, 2016, Methods): controller + interface +
memory access, one step.

State (all batched, zeros at the start as in deepmind/dnc):
``(controller_state, memory M (B, N, W), usage u (B, N), link L (B, H, N, N),
precedence p (B, H, N), read weightings w^r (B, R, N), write weightings w^w (B, H, N),
read vectors r (B, R, W))`` with R read heads and H write heads.

One step, in the paper's order:

1. controller input [x_t; r_{t−1}], output h_t; interface ξ_t = W_ξ h_t (``interface.py``);
2. retention ψ_t and usage u_t from the free gates and last step's weightings (``allocation.py``;
   one op when ``fused``: ``usage.py``);
3. write weighting w^w = g^w (g^a a + (1 − g^a) c^w), c^w = C(M_{t−1}, k^w, β^w);
4. erase-then-add write M_t = M_{t−1} ∘ (1 − w^w eᵀ) + w^w vᵀ (the NTM's ``write`` op);
5. link L_t and precedence p_t (``linkage.py``), forward/backward weightings f, b;
6. read weightings w^{r,i} = π_b b + π_c c + π_f f with c = C(M_t, k^{r,i}, β^{r,i}) (``reading.py``);
7. read vectors r^i = M_tᵀ w^{r,i}; output y_t = W_y h_t + W_r [r^1; …; r^R] (one ``Linear`` on
   [h_t; r_t]).

``clip`` (> 0): the controller output and the logits are clipped to ±clip (deepmind/dnc's
``clip_value`` = 20).

Departures (off by default; Csordás & Schmidhuber, ICLR 2019, "DNC-MD"): ``masked_lookup``
adds a σ key mask per head to ξ_t and looks up softmax(β cos(k ∘ m, M[i] ∘ m));
``deallocate`` erases freed content: M_t = M_{t−1} ∘ ψ_t 1ᵀ ∘ (1 − w^w eᵀ) + w^w vᵀ;
``sharpen_links`` sharpens the forward and backward weightings, f ← S(f, s^f), b ← S(b, s^b)
with S(d, s) = (d + ε)^s / Σ (d + ε)^s and s = oneplus(ŝ) from ξ_t (``sharpness.py``).
"""
from __future__ import annotations

import numpy as np

from ...autograd import ops
from ...autograd.tensor import Tensor, as_tensor
from ...errors import ShapeError
from ...nn import Linear, init
from ...nn.module import Module
from ...nn.lstm import LSTMCell
from ..ntm.cell import FeedforwardController
from ..ntm.memory import read, write, write_composite
from .allocation import retention, update_usage, write_allocations
from .content import content_weighting, content_weighting_composite, masked_content_weighting
from .interface import DNCInterface
from .linkage import link_update, link_update_composite, update_precedence
from .reading import read_weightings, read_weightings_composite
from .sharpness import sharpen, sharpen_composite
from .usage import retention_and_usage


def _check_setting(name: str, value, minimum: int = 1) -> int:
    if int(value) != value or value < minimum:
        raise ValueError(f"DNCCell: {name} must be an integer ≥ {minimum}, got {value!r}")
    return int(value)


class DNCCell(Module):
    """One DNC step under the recurrent-cell protocol: ``cell(x, state) -> (logits, state)``.

    ``x``: (batch, input_size) (bits, word embeddings, ...); ``logits``: (batch, output_size).
    ``controller``: ``"lstm"`` or ``"feedforward"``; ``memory_rows`` × ``memory_width`` = N × W;
    ``read_heads`` R ≥ 1, ``write_heads`` H ≥ 1; ``fused``: allocation and link update as
    single ops (fast) or from engine ops (same numbers); ``clip``: see the module docstring.
    """

    def __init__(self, input_size: int, output_size: int, controller: str = "lstm",
                 controller_size: int = 64, memory_rows: int = 16, memory_width: int = 16,
                 read_heads: int = 4, write_heads: int = 1, clip: float = 20.0, fused: bool = True,
                 masked_lookup: bool = False, deallocate: bool = False, sharpen_links: bool = False,
                 rng: np.random.Generator | None = None, dtype=None) -> None:
        super().__init__()
        rng = rng or init.default_rng()
        self.input_size = _check_setting("input_size", input_size)
        self.output_size = _check_setting("output_size", output_size)
        self.memory_rows = _check_setting("memory_rows", memory_rows)
        self.memory_width = _check_setting("memory_width", memory_width)
        self.read_heads = _check_setting("read_heads", read_heads)
        self.write_heads = _check_setting("write_heads", write_heads)
        controller_size = _check_setting("controller_size", controller_size)
        if not clip >= 0:
            raise ValueError(f"DNCCell: clip must be ≥ 0 (0 = off), got {clip!r}")
        self.clip, self.fused, self.controller_kind = float(clip), fused, controller
        self.masked_lookup, self.deallocate = bool(masked_lookup), bool(deallocate)
        self.sharpen_links = bool(sharpen_links)
        controller_input = input_size + read_heads * memory_width                # [x_t; r_{t−1}]
        if controller == "lstm":
            self.controller = LSTMCell(controller_input, controller_size, rng=rng, dtype=dtype)
        elif controller == "feedforward":
            self.controller = FeedforwardController(controller_input, controller_size, rng=rng, dtype=dtype)
        else:
            raise ValueError(f"DNCCell: controller must be 'lstm' or 'feedforward', got {controller!r}")
        self.interface = DNCInterface(controller_size, memory_width, read_heads, write_heads,
                                      fused=fused, masked=masked_lookup, sharpen=self.sharpen_links,
                                      rng=rng, dtype=dtype)
        self.output_layer = Linear(controller_size + read_heads * memory_width, output_size,
                                   rng=rng, dtype=dtype)                        # y = W_y h + W_r r

    def _zeros(self, *shape: int) -> Tensor:
        reference = self.output_layer.weight
        return Tensor(reference.xp.zeros(shape, dtype=reference.dtype))

    # -- state ------------------------------------------------------------------------------
    def initial_state(self, batch_size: int) -> tuple:
        """Zeros: (controller_state, memory, usage, link, precedence, read_weights,
        write_weights, reads); see the module docstring for the shapes."""
        rows, width, reads, writes = self.memory_rows, self.memory_width, self.read_heads, self.write_heads
        return (self.controller.initial_state(batch_size), self._zeros(batch_size, rows, width),
                self._zeros(batch_size, rows), self._zeros(batch_size, writes, rows, rows),
                self._zeros(batch_size, writes, rows), self._zeros(batch_size, reads, rows),
                self._zeros(batch_size, writes, rows), self._zeros(batch_size, reads, width))

    # -- one step -----------------------------------------------------------------------------
    def step(self, x: Tensor, state: tuple) -> tuple[Tensor, Tensor, tuple, dict]:
        """One step without the output layer: (h_t (B, C), r_t flattened (B, R·W), new state,
        details) where details holds the interface and the weightings (for traces)."""
        controller_state, memory, usage, link, precedence, read_weights, write_weights, reads = state
        batch = x.shape[0]
        if x.ndim != 2 or x.shape[1] != self.input_size:
            raise ShapeError(f"DNCCell: input must be (batch, {self.input_size}), got shape {tuple(x.shape)}")
        if tuple(memory.shape) != (batch, self.memory_rows, self.memory_width):
            raise ShapeError(f"DNCCell: state memory must be (batch, N, W) = ({batch}, {self.memory_rows}, "
                             f"{self.memory_width}), got {tuple(memory.shape)}")
        reads_flat = ops.reshape(reads, batch, self.read_heads * self.memory_width)
        hidden, controller_state = self.controller(ops.concatenate([x, reads_flat], axis=1), controller_state)
        if self.clip:
            hidden = ops.clip(hidden, -self.clip, self.clip)
        xi = self.interface(hidden)                                               # ξ_t
        # dynamic memory allocation (Methods): ψ_t, u_t, a_t
        if self.fused:
            retention_vector, usage = retention_and_usage(xi.free_gates, read_weights, usage, write_weights)
        else:
            retention_vector = retention(xi.free_gates, read_weights)
            usage = update_usage(usage, write_weights, retention_vector)
        allocation_gate = xi.allocation_gates[:, :, None]
        write_gate = xi.write_gates[:, :, None]
        allocation = write_allocations(usage, xi.allocation_gates * xi.write_gates, fused=self.fused)
        content = content_weighting if self.fused else content_weighting_composite
        if self.masked_lookup:
            write_content = masked_content_weighting(memory, xi.write_keys, xi.write_strengths, xi.write_masks)
        else:
            write_content = content(memory, xi.write_keys, xi.write_strengths)  # c^w on M_{t−1}
        write_weights = write_gate * (allocation_gate * allocation + (1.0 - allocation_gate) * write_content)
        if self.deallocate:                                                       # Csordás & Schmidhuber
            memory = memory * retention_vector[:, :, None]
        memory = (write if self.fused else write_composite)(memory, write_weights, xi.erase, xi.write_vectors)
        # temporal memory linkage (Methods): L_t, f, b, then p_t
        links = link_update if self.fused else link_update_composite
        link, forward_weights, backward_weights = links(link, precedence, write_weights, read_weights)
        precedence = update_precedence(precedence, write_weights)
        if self.sharpen_links:                                                    # Csordás & Schmidhuber
            sharpened = sharpen if self.fused else sharpen_composite
            forward_weights = sharpened(forward_weights, xi.forward_sharpness)
            backward_weights = sharpened(backward_weights, xi.backward_sharpness)
        # read weightings (Methods): π_b b + π_c c + π_f f, content on M_t
        if self.masked_lookup:
            read_content = masked_content_weighting(memory, xi.read_keys, xi.read_strengths, xi.read_masks)
        else:
            read_content = content(memory, xi.read_keys, xi.read_strengths)
        mix = read_weightings if self.fused else read_weightings_composite
        read_weights = mix(xi.read_modes, read_content, forward_weights, backward_weights)
        reads = read(memory, read_weights)                                        # r^i = M_tᵀ w^{r,i}
        reads_flat = ops.reshape(reads, batch, self.read_heads * self.memory_width)
        details = {"interface": xi, "allocation": allocation, "usage": usage,
                   "write_weights": write_weights, "read_weights": read_weights}
        state = (controller_state, memory, usage, link, precedence, read_weights, write_weights, reads)
        return hidden, reads_flat, state, details

    def output(self, hidden: Tensor, reads_flat: Tensor) -> Tensor:
        """Logits y = W_y h + W_r r, clipped to ±clip; any leading shape (..., C) and (..., R·W)."""
        logits = self.output_layer(ops.concatenate([hidden, reads_flat], axis=-1))
        return ops.clip(logits, -self.clip, self.clip) if self.clip else logits

    def forward(self, x: Tensor, state: tuple) -> tuple[Tensor, tuple]:
        x = as_tensor(x, like=self.output_layer.weight)
        hidden, reads_flat, state, _ = self.step(x, state)
        return self.output(hidden, reads_flat), state

    def extra_repr(self) -> str:
        return (f"{self.input_size}, {self.output_size}, controller={self.controller_kind!r}, "
                f"memory={self.memory_rows}x{self.memory_width}, read_heads={self.read_heads}, "
                f"write_heads={self.write_heads}, clip={self.clip}, fused={self.fused}, "
                f"masked_lookup={self.masked_lookup}, deallocate={self.deallocate}, "
                f"sharpen_links={self.sharpen_links}")
