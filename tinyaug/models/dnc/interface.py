"""The DNC interface vector (Graves, Wayne et al. 2016, Methods, "Interface parameters").

ξ_t = W_ξ h_t is split, per the paper, into (R read heads, H write heads, word size W):

| part | shape | activation |
|---|---|---|
| read keys k^{r,i} | (B, R, W) | none |
| read strengths β^{r,i} | (B, R) | oneplus(x) = 1 + log(1 + eˣ) ≥ 1 |
| write keys k^{w,h} | (B, H, W) | none |
| write strengths β^{w,h} | (B, H) | oneplus |
| erase vectors e^h | (B, H, W) | σ |
| write vectors v^h | (B, H, W) | none |
| free gates f^i | (B, R) | σ |
| allocation gates g^{a,h} | (B, H) | σ |
| write gates g^{w,h} | (B, H) | σ |
| read modes π^i | (B, R, 1 + 2H) | softmax: [backward per write head, content, forward per write head] |

Size R·W + 3W + 5R + 3 for one write head (the paper's), R·W + H(3W + 3) + R(3 + 2H) in general.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ...autograd import ops
from ...autograd.tensor import Tensor
from ...nn import Linear
from ...nn.module import Module


class Interface(NamedTuple):
    read_keys: Tensor
    read_strengths: Tensor
    write_keys: Tensor
    write_strengths: Tensor
    erase: Tensor
    write_vectors: Tensor
    free_gates: Tensor
    allocation_gates: Tensor
    write_gates: Tensor
    read_modes: Tensor


def interface_size(word_size: int, read_heads: int, write_heads: int) -> int:
    """Length of ξ_t: R·W + H(3W + 3) + R(3 + 2H) (= R·W + 3W + 5R + 3 for H = 1)."""
    return read_heads * word_size + write_heads * (3 * word_size + 3) + read_heads * (3 + 2 * write_heads)


def oneplus(x: Tensor) -> Tensor:
    """oneplus(x) = 1 + log(1 + eˣ) ∈ [1, ∞) (Methods)."""
    return 1.0 + ops.softplus(x)


class DNCInterface(Module):
    """controller output h (B, C) -> ``Interface`` (see the module docstring for the parts)."""

    def __init__(self, controller_size: int, word_size: int, read_heads: int, write_heads: int,
                 rng: np.random.Generator | None = None, dtype=None) -> None:
        super().__init__()
        self.word_size, self.read_heads, self.write_heads = word_size, read_heads, write_heads
        self.size = interface_size(word_size, read_heads, write_heads)
        self.projection = Linear(controller_size, self.size, rng=rng, dtype=dtype)   # ξ_t = W_ξ h_t

    def forward(self, hidden: Tensor) -> Interface:
        batch, word, reads, writes = hidden.shape[0], self.word_size, self.read_heads, self.write_heads
        xi = self.projection(hidden)
        position = 0

        def take(*shape: int) -> Tensor:
            nonlocal position
            count = int(np.prod(shape))
            part = xi[:, position:position + count]
            position += count
            return ops.reshape(part, batch, *shape) if len(shape) > 1 else part

        read_keys = take(reads, word)
        read_strengths = oneplus(take(reads))
        write_keys = take(writes, word)
        write_strengths = oneplus(take(writes))
        erase = ops.sigmoid(take(writes, word))
        write_vectors = take(writes, word)
        free_gates = ops.sigmoid(take(reads))
        allocation_gates = ops.sigmoid(take(writes))
        write_gates = ops.sigmoid(take(writes))
        read_modes = ops.softmax(take(reads, 1 + 2 * writes), axis=-1)
        return Interface(read_keys, read_strengths, write_keys, write_strengths, erase, write_vectors,
                         free_gates, allocation_gates, write_gates, read_modes)

    def extra_repr(self) -> str:
        return f"size={self.size}, read_heads={self.read_heads}, write_heads={self.write_heads}"
