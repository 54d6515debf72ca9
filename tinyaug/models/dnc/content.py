"""Content-based addressing (Graves, Wayne et al. 2016, Methods, "Content-based addressing"):
C(M, k, β)[i] = softmax_i(β D(k, M[i])), D the cosine similarity (with ε in the denominator so
all-zero rows give 0, never NaN). The maths is the NTM's (eqs. 5–6 of Graves et al. 2014):
``content_weighting_composite`` is ``tinyaug.models.ntm.addressing.content_weighting``;
``content_weighting`` / ``FusedContentWeighting`` is the same as one op with the NTM fused
addressing's backward for this part.

Shapes: memory (B, N, W), keys (B, H, W), strengths β (B, H) -> weightings (B, H, N).
"""
from __future__ import annotations

from ...autograd import ops
from ...autograd.function import Function
from ...autograd.tensor import Tensor
from ...errors import ShapeError
from ..ntm.addressing import COSINE_EPS
from ..ntm.addressing import content_weighting as content_weighting_composite

__all__ = ["FusedContentWeighting", "content_weighting", "content_weighting_composite",
           "masked_content_weighting"]


class FusedContentWeighting(Function):
    """softmax_i(β cos(k, M[i])) as one op. Zero-norm keys or rows take d‖u‖/du = 0."""

    def forward(self, memory, keys, strengths):
        xp = self.xp
        if (memory.ndim != 3 or keys.ndim != 3 or strengths.ndim != 2 or keys.shape[0] != memory.shape[0]
                or keys.shape[2] != memory.shape[2] or strengths.shape != keys.shape[:2]):
            raise ShapeError(f"FusedContentWeighting: expected memory (batch, N, W), keys (batch, heads, W) "
                             f"and strengths (batch, heads); got {tuple(memory.shape)}, "
                             f"{tuple(keys.shape)}, {tuple(strengths.shape)}")
        key_norm = xp.sqrt((keys * keys).sum(axis=-1))[:, :, None]                  # (B, H, 1)
        row_norm = xp.sqrt((memory * memory) @ xp.ones(memory.shape[2], dtype=memory.dtype))[:, None, :]
        denominator = key_norm * row_norm + COSINE_EPS
        similarity = (keys @ xp.swapaxes(memory, 1, 2)) / denominator              # D(k, M[i])
        scores = strengths[:, :, None] * similarity
        weights = xp.exp(scores - scores.max(axis=-1, keepdims=True))
        weights = weights / weights.sum(axis=-1, keepdims=True)
        self.saved = (memory, keys, strengths, key_norm, row_norm, denominator, similarity, weights)
        return weights

    def backward(self, grad):
        xp = self.xp
        memory, keys, strengths, key_norm, row_norm, denominator, similarity, weights = self.saved
        need_memory, need_keys, need_strengths = self.needs_input_grad
        grad_scores = weights * (grad - (grad * weights).sum(axis=-1, keepdims=True))
        grad_strengths = (grad_scores * similarity).sum(axis=-1) if need_strengths else None
        grad_similarity = grad_scores * strengths[:, :, None]
        grad_dot = grad_similarity / denominator
        grad_denominator = -grad_similarity * similarity / denominator
        tiny = xp.finfo(memory.dtype).tiny
        grad_memory = grad_keys = None
        if need_memory:
            grad_row_norm = (grad_denominator * key_norm).sum(axis=1)                # (B, N)
            grad_memory = (xp.swapaxes(grad_dot, 1, 2) @ keys
                           + (grad_row_norm / xp.maximum(row_norm[:, 0, :], tiny))[..., None] * memory)
        if need_keys:
            grad_key_norm = (grad_denominator * row_norm).sum(axis=-1, keepdims=True)
            grad_keys = grad_dot @ memory + grad_key_norm / xp.maximum(key_norm, tiny) * keys
        return grad_memory, grad_keys, grad_strengths


def content_weighting(memory: Tensor, keys: Tensor, strengths: Tensor) -> Tensor:
    """C(M, k, β): memory (B, N, W), keys (B, H, W), strengths (B, H) -> (B, H, N), fused."""
    return FusedContentWeighting.apply(memory, keys, strengths)


def masked_content_weighting(memory: Tensor, keys: Tensor, strengths: Tensor, masks: Tensor) -> Tensor:
    """Masked lookup (Csordás & Schmidhuber 2019, a departure from the paper):
    softmax_i(β cos(k ∘ m, M[i] ∘ m)) with a mask m ∈ (0, 1)^W per head: masks (B, H, W).
    Engine ops (each head compares its own masked copy of memory: (B, H, N, W))."""
    masked_memory = memory[:, None, :, :] * masks[:, :, None, :]
    similarity = ops.cosine_similarity((keys * masks)[:, :, None, :], masked_memory, axis=-1, eps=COSINE_EPS)
    return ops.softmax(strengths[:, :, None] * similarity, axis=-1)
