"""NTM heads (Graves, Wayne & Danihelka 2014, §3): one linear map from the controller output to
every head's parameters at once (fewer, larger ops).

Layout of the projection's output (batch, H·(W + 3 + K) + H_w·2W), heads in the order
read heads, then write heads:

* per head, the packed raw addressing parameters ``[k | β̂ | ĝ | γ̂ | ŝ]`` consumed by
  ``addressing.address`` (which applies softplus, σ, 1 + softplus and softmax, §3.3);
* per write head, the raw erase ê (W) and the add vector a (W): e = σ(ê) ∈ (0, 1)^W (eq. 3),
  a unconstrained (eq. 4).
"""
from __future__ import annotations

import numpy as np

from ...autograd import ops
from ...autograd.tensor import Tensor
from ...nn import Linear
from ...nn.module import Module
from .addressing import head_param_size


class NTMHeads(Module):
    """Maps controller output (batch, controller_size) to
    ``(head_params (batch, heads, W + 3 + K), erase (batch, write_heads, W), add (batch, write_heads, W))``."""

    def __init__(self, controller_size: int, word_size: int, read_heads: int = 1,
                 write_heads: int = 1, shift_width: int = 3,
                 rng: np.random.Generator | None = None, dtype=None) -> None:
        super().__init__()
        if read_heads < 0 or write_heads < 0 or read_heads + write_heads == 0:
            raise ValueError(f"NTMHeads: need at least one head, got read_heads={read_heads}, "
                             f"write_heads={write_heads}")
        if shift_width < 1 or shift_width % 2 == 0:
            raise ValueError(f"NTMHeads: shift_width must be odd and ≥ 1 (shifts −(K−1)/2 … "
                             f"+(K−1)/2), got {shift_width}")
        self.word_size, self.shift_width = word_size, shift_width
        self.read_heads, self.write_heads = read_heads, write_heads
        self.heads = read_heads + write_heads
        self.param_size = head_param_size(word_size, shift_width)
        self.addressing_size = self.heads * self.param_size
        self.projection = Linear(controller_size, self.addressing_size + 2 * word_size * write_heads,
                                 rng=rng, dtype=dtype)

    def forward(self, controller_output: Tensor) -> tuple[Tensor, Tensor | None, Tensor | None]:
        batch = controller_output.shape[0]
        projected = self.projection(controller_output)
        head_params = ops.reshape(projected[:, :self.addressing_size], batch, self.heads, self.param_size)
        if not self.write_heads:
            return head_params, None, None
        erase_add = ops.reshape(projected[:, self.addressing_size:], batch, self.write_heads, 2 * self.word_size)
        erase = ops.sigmoid(erase_add[:, :, :self.word_size])                    # eq. 3: e ∈ (0, 1)
        add = erase_add[:, :, self.word_size:]                                   # eq. 4
        return head_params, erase, add

    def extra_repr(self) -> str:
        return (f"read_heads={self.read_heads}, write_heads={self.write_heads}, "
                f"word_size={self.word_size}, shift_width={self.shift_width}")
