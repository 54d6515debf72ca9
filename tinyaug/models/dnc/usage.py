"""Retention and usage as one op (Graves, Wayne et al. 2016, Methods, "Dynamic memory
allocation"); ``allocation.retention`` and ``allocation.update_usage`` are its engine-op twin.

    ψ_t = Π_i (1 − f^i_t w^{r,i}_{t−1})                                            (Methods)
    u_t = (u_{t−1} + w − u_{t−1} ∘ w) ∘ ψ_t,   w = 1 − Π_h (1 − w^{w,h}_{t−1})    (Methods)

Composed from engine ops these are ~15 graph nodes per step (slices and products per head);
a profile of the allocation test's step showed the engine's per-op cost dominating, so the
cell uses this op when ``fused``. The backward forms every "product of the others" from
prefix and suffix products (never dividing by a factor, which may be 0).

Shapes: free gates (B, R), previous read weightings (B, R, N), previous usage (B, N), previous
write weightings (B, H, N) -> (ψ_t (B, N), u_t (B, N)).
"""
from __future__ import annotations

from ...autograd.function import Function
from ...autograd.tensor import Tensor
from ...errors import ShapeError


def _products_of_the_others(xp, factors):
    """(product over axis 1, products of all factors but each one): factors (B, K, N)."""
    ones = xp.ones_like(factors[:, :1])
    before = xp.concatenate([ones, factors[:, :-1]], axis=1).cumprod(axis=1)           # Π_{j<i}
    after = xp.concatenate([ones, factors[:, :0:-1]], axis=1).cumprod(axis=1)[:, ::-1]  # Π_{j>i}
    return before[:, -1] * factors[:, -1], before * after


class FusedUsage(Function):
    """(ψ_t, u_t) from free gates, previous read weightings, usage and write weightings."""

    def forward(self, free_gates, read_weights, usage, write_weights):
        xp = self.xp
        batch, rows = usage.shape if usage.ndim == 2 else (None, None)
        if (usage.ndim != 2 or free_gates.ndim != 2 or read_weights.shape != free_gates.shape + (rows,)
                or write_weights.ndim != 3 or write_weights.shape[::2] != (batch, rows)
                or free_gates.shape[0] != batch):
            raise ShapeError(f"FusedUsage: expected free gates (batch, R), read weights (batch, R, N), "
                             f"usage (batch, N), write weights (batch, H, N); got {tuple(free_gates.shape)}, "
                             f"{tuple(read_weights.shape)}, {tuple(usage.shape)}, {tuple(write_weights.shape)}")
        keep = 1 - free_gates[:, :, None] * read_weights                       # 1 − f^i w^{r,i}
        retention, keep_others = _products_of_the_others(xp, keep)             # ψ_t
        unwritten, unwritten_others = _products_of_the_others(xp, 1 - write_weights)
        written = 1 - unwritten                                                # 1 − Π_h (1 − w^h)
        base = usage + written - usage * written
        self.saved = (free_gates, read_weights, usage, written, base, retention, keep_others, unwritten_others)
        return retention, base * retention

    def backward(self, grad_retention, grad_usage):
        xp = self.xp
        free_gates, read_weights, usage, written, base, retention, keep_others, unwritten_others = self.saved
        need_free, need_reads, need_usage, need_writes = self.needs_input_grad
        grad_free = grad_reads = grad_previous = grad_writes = None
        if grad_usage is None:
            grad_usage = xp.zeros_like(usage)
        total_retention = grad_usage * base
        if grad_retention is not None:
            total_retention = total_retention + grad_retention
        grad_keep = total_retention[:, None, :] * keep_others                   # ∂ψ/∂(1 − f w)
        if need_free:
            grad_free = -(grad_keep * read_weights).sum(axis=-1)
        if need_reads:
            grad_reads = -grad_keep * free_gates[:, :, None]
        if need_usage:
            grad_previous = grad_usage * retention * (1 - written)
        if need_writes:
            grad_written = grad_usage * retention * (1 - usage)
            grad_writes = grad_written[:, None, :] * unwritten_others
        return grad_free, grad_reads, grad_previous, grad_writes


def retention_and_usage(free_gates: Tensor, previous_read_weights: Tensor, previous_usage: Tensor,
                        previous_write_weights: Tensor) -> tuple[Tensor, Tensor]:
    """(ψ_t, u_t) by the fused op (same numbers as ``retention`` then ``update_usage``)."""
    return FusedUsage.apply(free_gates, previous_read_weights, previous_usage, previous_write_weights)
