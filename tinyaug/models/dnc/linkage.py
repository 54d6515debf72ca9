"""DNC temporal memory linkage (Graves, Wayne et al. 2016, Methods, "Temporal memory linkage").

Per write head h (shapes with H = H_w write heads, R read heads, N rows):
link L (batch, H, N, N), precedence p (batch, H, N), write weighting w (batch, H, N),
previous read weightings w^r_{t−1} (batch, R, N).

* precedence p_t = (1 − Σ_i w_t[i]) p_{t−1} + w_t                                 (Methods)
* link L_t[i, j] = (1 − w_t[i] − w_t[j]) L_{t−1}[i, j] + w_t[i] p_{t−1}[j],
  L_t[i, i] = 0                                                                    (Methods)
* forward f^i_t = L_t w^{r,i}_{t−1},  backward b^i_t = L_tᵀ w^{r,i}_{t−1}         (Methods)
  returned as (batch, H, R, N).

``link_update`` / ``FusedLinkUpdate`` does the O(N²) link update and both products as one
op with a hand-written backward; ``link_update_composite`` is its engine-op twin.
"""
from __future__ import annotations

from ...autograd import ops
from ...autograd.function import Function
from ...autograd.tensor import Tensor
from ...errors import ShapeError


def update_precedence(previous_precedence: Tensor, write_weights: Tensor) -> Tensor:
    """p_t = (1 − Σ_i w_t[i]) p_{t−1} + w_t; both (B, H, N) -> (B, H, N)."""
    return (1.0 - ops.sum(write_weights, axis=-1, keepdims=True)) * previous_precedence + write_weights


def _check(op: str, link, precedence, write_weights, read_weights) -> None:
    ok = (link.ndim == 4 and precedence.ndim == 3 and write_weights.ndim == 3 and read_weights.ndim == 3)
    if ok:
        batch, heads, rows = link.shape[:3]
        ok = (link.shape[3] == rows and tuple(precedence.shape) == (batch, heads, rows)
              and tuple(write_weights.shape) == (batch, heads, rows)
              and read_weights.shape[0] == batch and read_weights.shape[2] == rows)
    if not ok:
        raise ShapeError(f"{op}: expected link (batch, write_heads, N, N), precedence and write "
                         f"weights (batch, write_heads, N), read weights (batch, read_heads, N); got "
                         f"{tuple(link.shape)}, {tuple(precedence.shape)}, {tuple(write_weights.shape)}, "
                         f"{tuple(read_weights.shape)}")


def link_update_composite(link: Tensor, previous_precedence: Tensor, write_weights: Tensor,
                          previous_read_weights: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """(L_t (B, H, N, N), forward f (B, H, R, N), backward b (B, H, R, N)) from engine ops."""
    _check("link_update_composite", link, previous_precedence, write_weights, previous_read_weights)
    rows = link.shape[2]
    w_row, w_column = write_weights[:, :, :, None], write_weights[:, :, None, :]
    new_link = (1.0 - w_row - w_column) * link + w_row * previous_precedence[:, :, None, :]
    off_diagonal = Tensor(link.xp.asarray(1.0 - link.xp.eye(rows), dtype=link.dtype))
    new_link = new_link * off_diagonal                                          # L_t[i, i] = 0
    reads = previous_read_weights[:, None]                                      # (B, 1, R, N)
    forward = reads @ ops.swapaxes(new_link, 2, 3)                              # f = L w^r
    backward = reads @ new_link                                                 # b = Lᵀ w^r
    return new_link, forward, backward


class FusedLinkUpdate(Function):
    """``link_update_composite`` as one op: inputs link (B, H, N, N), previous precedence
    (B, H, N), write weights (B, H, N), previous read weights (B, R, N); outputs the new link,
    the forward and the backward weightings."""

    def forward(self, link, previous_precedence, write_weights, previous_read_weights):
        xp = self.xp
        _check("FusedLinkUpdate", link, previous_precedence, write_weights, previous_read_weights)
        rows = link.shape[2]
        w_row, w_column = write_weights[:, :, :, None], write_weights[:, :, None, :]
        # In place where the (B, H, N, N) arrays allow: two such arrays made instead of four.
        new_link = (1 - w_row) - w_column
        new_link *= link
        new_link += w_row * previous_precedence[:, :, None, :]
        diagonal = xp.arange(rows)
        new_link[:, :, diagonal, diagonal] = 0
        reads = previous_read_weights[:, None]
        self.saved = (link, previous_precedence, write_weights, reads, new_link)
        return new_link, reads @ xp.swapaxes(new_link, 2, 3), reads @ new_link

    def backward(self, grad_link, grad_forward, grad_backward):
        xp = self.xp
        link, precedence, write_weights, reads, new_link = self.saved
        need_link, need_precedence, need_write, need_reads = self.needs_input_grad
        rows = link.shape[2]
        # total gradient on L_t: from the next step, f = L w^r and b = Lᵀ w^r
        grad_new = xp.swapaxes(grad_forward, 2, 3) @ reads
        grad_new += xp.swapaxes(reads, 2, 3) @ grad_backward
        grad_new += grad_link
        diagonal = xp.arange(rows)
        grad_new[:, :, diagonal, diagonal] = 0                                  # the diagonal is a constant
        grad_previous_link = grad_precedence = grad_write = grad_reads = None
        if need_link:
            grad_previous_link = (1 - write_weights[:, :, :, None]) - write_weights[:, :, None, :]
            grad_previous_link *= grad_new
        if need_precedence:
            grad_precedence = (write_weights[:, :, None, :] @ grad_new)[:, :, 0]
        if need_write:
            grad_times_link = grad_new * link
            grad_write = (-grad_times_link.sum(axis=-1) - grad_times_link.sum(axis=-2)
                          + (grad_new @ precedence[..., None])[..., 0])
        if need_reads:
            grad_reads = (grad_forward @ new_link + grad_backward @ xp.swapaxes(new_link, 2, 3)).sum(axis=1)
        return grad_previous_link, grad_precedence, grad_write, grad_reads


def link_update(link: Tensor, previous_precedence: Tensor, write_weights: Tensor,
                previous_read_weights: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """(L_t, forward, backward) by the fused op (see ``link_update_composite``)."""
    return FusedLinkUpdate.apply(link, previous_precedence, write_weights, previous_read_weights)
