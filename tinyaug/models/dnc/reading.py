"""Read weightings from the read modes (Graves, Wayne et al. 2016, Methods, "Reading"):

    w^{r,i}_t = Σ_h π^i_t[h] b^{i,h}_t + π^i_t[H] c^{r,i}_t + Σ_h π^i_t[H + 1 + h] f^{i,h}_t

(the paper's π^i[1] b + π^i[2] c + π^i[3] f with one write head; per write head h with H).
``read_weightings_composite`` builds it from engine ops (~4H + 3 graph nodes per step);
``read_weightings`` / ``FusedReadWeightings`` is one op (the allocation test's profile showed
the engine's per-op cost dominating the step).

Shapes: modes (B, R, 1 + 2H), content (B, R, N), forward and backward (B, H, R, N) -> (B, R, N).
"""
from __future__ import annotations

from ...autograd.function import Function
from ...autograd.tensor import Tensor
from ...errors import ShapeError


def _check(op: str, modes, content, forward, backward) -> None:
    ok = modes.ndim == 3 and content.ndim == 3 and forward.ndim == 4
    if ok:
        batch, reads, rows = content.shape
        writes = forward.shape[1]
        ok = (tuple(modes.shape) == (batch, reads, 1 + 2 * writes)
              and tuple(forward.shape) == (batch, writes, reads, rows) and tuple(backward.shape) == tuple(forward.shape))
    if not ok:
        raise ShapeError(f"{op}: expected modes (batch, R, 1 + 2H), content (batch, R, N), forward and "
                         f"backward (batch, H, R, N); got {tuple(modes.shape)}, {tuple(content.shape)}, "
                         f"{tuple(forward.shape)}, {tuple(backward.shape)}")


def read_weightings_composite(modes: Tensor, content: Tensor, forward: Tensor, backward: Tensor) -> Tensor:
    """w^r = Σ_h π[h] b_h + π[H] c + Σ_h π[H + 1 + h] f_h from engine ops."""
    _check("read_weightings_composite", modes, content, forward, backward)
    writes = forward.shape[1]
    weights = modes[:, :, writes, None] * content
    for head in range(writes):
        weights = (weights + modes[:, :, head, None] * backward[:, head]
                   + modes[:, :, writes + 1 + head, None] * forward[:, head])
    return weights


class FusedReadWeightings(Function):
    """``read_weightings_composite`` as one op; inputs modes, content, forward, backward."""

    def forward(self, modes, content, forward, backward):
        _check("FusedReadWeightings", modes, content, forward, backward)
        writes = forward.shape[1]
        backward_modes = self.xp.swapaxes(modes[:, :, :writes], 1, 2)[..., None]         # (B, H, R, 1)
        forward_modes = self.xp.swapaxes(modes[:, :, writes + 1:], 1, 2)[..., None]
        self.saved = (modes, content, forward, backward, backward_modes, forward_modes)
        return (modes[:, :, writes, None] * content + (backward_modes * backward).sum(axis=1)
                + (forward_modes * forward).sum(axis=1))

    def backward(self, grad):
        xp = self.xp
        modes, content, forward, backward, backward_modes, forward_modes = self.saved
        need_modes, need_content, need_forward, need_backward = self.needs_input_grad
        writes = forward.shape[1]
        grad_modes = grad_content = grad_forward = grad_backward = None
        if need_modes:
            grad_modes = xp.concatenate([xp.swapaxes((grad[:, None] * backward).sum(axis=-1), 1, 2),
                                         (grad * content).sum(axis=-1)[..., None],
                                         xp.swapaxes((grad[:, None] * forward).sum(axis=-1), 1, 2)], axis=-1)
        if need_content:
            grad_content = grad * modes[:, :, writes, None]
        if need_forward:
            grad_forward = grad[:, None] * forward_modes
        if need_backward:
            grad_backward = grad[:, None] * backward_modes
        return grad_modes, grad_content, grad_forward, grad_backward


def read_weightings(modes: Tensor, content: Tensor, forward: Tensor, backward: Tensor) -> Tensor:
    """w^r by the fused op (same numbers as ``read_weightings_composite``)."""
    return FusedReadWeightings.apply(modes, content, forward, backward)
