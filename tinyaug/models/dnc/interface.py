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
| key masks (``masked`` only) | (B, R, W), (B, H, W) | σ |
| link sharpnesses s^f, s^b (``sharpen`` only) | (B, H, R) each | oneplus |

Size R·W + 3W + 5R + 3 for one write head (the paper's), R·W + H(3W + 3) + R(3 + 2H) in general.

``parse_interface`` / ``FusedInterface`` splits and activates ξ_t as one op (one graph node
instead of ~25 slices, reshapes and activations); ``parse_interface_composite`` is its
engine-op twin.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ...autograd import ops
from ...autograd.function import Function
from ...autograd.tensor import Tensor
from ...errors import ShapeError
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
    read_masks: Tensor | None = None     # masked lookup only (Csordás & Schmidhuber 2019)
    write_masks: Tensor | None = None
    forward_sharpness: Tensor | None = None   # sharpened links only (Csordás & Schmidhuber 2019)
    backward_sharpness: Tensor | None = None


def interface_size(word_size: int, read_heads: int, write_heads: int, masked: bool = False,
                   sharpen: bool = False) -> int:
    """Length of ξ_t: R·W + H(3W + 3) + R(3 + 2H) (= R·W + 3W + 5R + 3 for H = 1), plus
    (R + H)·W key masks with ``masked`` and 2·H·R link sharpnesses with ``sharpen``
    (Csordás & Schmidhuber 2019, departures)."""
    size = read_heads * word_size + write_heads * (3 * word_size + 3) + read_heads * (3 + 2 * write_heads)
    return (size + (read_heads + write_heads) * word_size * bool(masked)
            + 2 * write_heads * read_heads * bool(sharpen))


def oneplus(x: Tensor) -> Tensor:
    """oneplus(x) = 1 + log(1 + eˣ) ∈ [1, ∞) (Methods)."""
    return 1.0 + ops.softplus(x)


def _layout(word: int, reads: int, writes: int, masked: bool = False,
            sharpen: bool = False) -> list[tuple[str, tuple[int, ...], str]]:
    """(name, shape after the batch axis, activation) of each part of ξ_t, in order; with
    ``masked``, σ key masks for the read and write heads at the end; then with ``sharpen``,
    oneplus sharpnesses of the forward and backward weightings, (H, R) each."""
    masks = [("read_masks", (reads, word), "sigmoid"), ("write_masks", (writes, word), "sigmoid")]
    sharpness = [("forward_sharpness", (writes, reads), "oneplus"),
                 ("backward_sharpness", (writes, reads), "oneplus")]
    return [("read_keys", (reads, word), "none"), ("read_strengths", (reads,), "oneplus"),
            ("write_keys", (writes, word), "none"), ("write_strengths", (writes,), "oneplus"),
            ("erase", (writes, word), "sigmoid"), ("write_vectors", (writes, word), "none"),
            ("free_gates", (reads,), "sigmoid"), ("allocation_gates", (writes,), "sigmoid"),
            ("write_gates", (writes,), "sigmoid"),
            ("read_modes", (reads, 1 + 2 * writes), "softmax")] + (masks if masked else []) + (
                sharpness if sharpen else [])


def _check(op: str, xi, word: int, reads: int, writes: int, masked: bool = False,
           sharpen: bool = False) -> None:
    size = interface_size(word, reads, writes, masked, sharpen)
    if xi.ndim != 2 or xi.shape[1] != size:
        raise ShapeError(f"{op}: ξ must be (batch, {size}) for word size {word}, {reads} read and "
                         f"{writes} write heads, got shape {tuple(xi.shape)}")


def parse_interface_composite(xi: Tensor, word_size: int, read_heads: int, write_heads: int,
                              masked: bool = False, sharpen: bool = False) -> Interface:
    """ξ_t (B, S) -> ``Interface`` from engine ops (slices, reshapes, activations)."""
    _check("parse_interface_composite", xi, word_size, read_heads, write_heads, masked, sharpen)
    parts, position = {}, 0
    for name, shape, activation in _layout(word_size, read_heads, write_heads, masked, sharpen):
        count = int(np.prod(shape))
        part = ops.reshape(xi[:, position:position + count], xi.shape[0], *shape)
        position += count
        if activation == "oneplus":
            part = oneplus(part)
        elif activation == "sigmoid":
            part = ops.sigmoid(part)
        elif activation == "softmax":
            part = ops.softmax(part, axis=-1)
        parts[name] = part
    return Interface(**parts)


class FusedInterface(Function):
    """``parse_interface_composite`` as one op: input ξ (B, S); ten outputs (the
    ``Interface`` parts; two more with ``masked``, two more with ``sharpen``). Attributes
    ``word_size``, ``read_heads``, ``write_heads``, ``masked``, ``sharpen``."""

    masked = False
    sharpen = False

    def forward(self, xi):
        xp = self.xp
        _check("FusedInterface", xi, self.word_size, self.read_heads, self.write_heads, self.masked,
               self.sharpen)
        batch, position = xi.shape[0], 0
        self.layout = _layout(self.word_size, self.read_heads, self.write_heads, self.masked, self.sharpen)
        outputs = []
        for _, shape, activation in self.layout:
            count = int(np.prod(shape))
            part = xi[:, position:position + count].reshape((batch,) + shape)
            position += count
            if activation == "oneplus":
                part = 1 + xp.logaddexp(0, part)
            elif activation == "sigmoid":
                part = 0.5 * (xp.tanh(0.5 * part) + 1)
            elif activation == "softmax":
                part = xp.exp(part - part.max(axis=-1, keepdims=True))
                part = part / part.sum(axis=-1, keepdims=True)
            outputs.append(part)
        self.xi, self.outputs = xi, outputs
        return tuple(outputs)

    def backward(self, *grads):
        xp = self.xp
        batch, position = self.xi.shape[0], 0
        pieces = []
        for (_, shape, activation), grad, out in zip(self.layout, grads, self.outputs):
            count = int(np.prod(shape))
            if activation == "oneplus":   # d/dx (1 + softplus x) = σ(x)
                raw = self.xi[:, position:position + count].reshape((batch,) + shape)
                grad = grad * (0.5 * (xp.tanh(0.5 * raw) + 1))
            elif activation == "sigmoid":
                grad = grad * out * (1 - out)
            elif activation == "softmax":
                grad = out * (grad - (grad * out).sum(axis=-1, keepdims=True))
            pieces.append(grad.reshape(batch, count))
            position += count
        return xp.concatenate(pieces, axis=1)


def parse_interface(xi: Tensor, word_size: int, read_heads: int, write_heads: int,
                    masked: bool = False, sharpen: bool = False) -> Interface:
    """ξ_t (B, S) -> ``Interface`` by the fused op (same numbers as the composite)."""
    parts = FusedInterface.apply(xi, word_size=word_size, read_heads=read_heads,
                                 write_heads=write_heads, masked=masked, sharpen=sharpen)
    names = [name for name, _, _ in _layout(word_size, read_heads, write_heads, masked, sharpen)]
    return Interface(**dict(zip(names, parts)))


class DNCInterface(Module):
    """controller output h (B, C) -> ``Interface`` (see the module docstring for the parts).
    ``fused``: parse ξ_t with one op (``FusedInterface``) or with engine ops; ``masked``: also
    key masks; ``sharpen``: also link sharpnesses (Csordás & Schmidhuber 2019)."""

    def __init__(self, controller_size: int, word_size: int, read_heads: int, write_heads: int,
                 fused: bool = True, masked: bool = False, sharpen: bool = False,
                 rng: np.random.Generator | None = None, dtype=None) -> None:
        super().__init__()
        self.word_size, self.read_heads, self.write_heads = word_size, read_heads, write_heads
        self.fused, self.masked, self.sharpen = fused, masked, sharpen
        self.size = interface_size(word_size, read_heads, write_heads, masked, sharpen)
        self.projection = Linear(controller_size, self.size, rng=rng, dtype=dtype)   # ξ_t = W_ξ h_t

    def forward(self, hidden: Tensor) -> Interface:
        parse = parse_interface if self.fused else parse_interface_composite
        return parse(self.projection(hidden), self.word_size, self.read_heads, self.write_heads,
                     self.masked, self.sharpen)

    def extra_repr(self) -> str:
        return f"size={self.size}, read_heads={self.read_heads}, write_heads={self.write_heads}"
