"""NTM memory access (Graves, Wayne & Danihelka 2014, §3.1–3.2), batched.

memory M: (batch, N, W); weightings w: (batch, heads, N).

* read (eq. 2): r = Mᵀ w, one read vector (batch, heads, W) per head — a batched matmul;
* write (eqs. 3–4): every write head erases, then every head adds:
  M̃ = M ∘ Π_h (1 − w_h e_hᵀ);  M' = M̃ + Σ_h w_h a_hᵀ.
  (The paper notes that the erase products commute, so the heads' order does not matter.)

``write`` is one fused op (``MemoryWrite``); ``write_composite`` is its engine-op twin.
"""
from __future__ import annotations

from ...autograd import ops
from ...autograd.function import Function
from ...autograd.tensor import Tensor
from ...errors import ShapeError


def read(memory: Tensor, weights: Tensor) -> Tensor:
    """Read vectors r = Mᵀ w (eq. 2): memory (B, N, W), weights (B, H, N) -> (B, H, W)."""
    if memory.ndim != 3 or weights.ndim != 3 or weights.shape[2] != memory.shape[1] \
            or weights.shape[0] != memory.shape[0]:
        raise ShapeError(f"ntm read: memory must be (batch, N, W) and weights (batch, heads, N); "
                         f"got {memory.shape} and {weights.shape}")
    return weights @ memory


def _check_write(op: str, memory, weights, erase, add) -> None:
    batch, rows, word = memory.shape if memory.ndim == 3 else (None, None, None)
    ok = (memory.ndim == 3 and weights.ndim == 3 and erase.ndim == 3 and add.ndim == 3
          and weights.shape[0] == batch and weights.shape[2] == rows
          and tuple(erase.shape) == (batch, weights.shape[1], word) and tuple(erase.shape) == tuple(add.shape))
    if not ok:
        raise ShapeError(f"{op}: expected memory (batch, N, W), weights (batch, heads, N), erase and "
                         f"add (batch, heads, W); got {tuple(memory.shape)}, {tuple(weights.shape)}, "
                         f"{tuple(erase.shape)}, {tuple(add.shape)}")


def write_composite(memory: Tensor, weights: Tensor, erase: Tensor, add: Tensor) -> Tensor:
    """M' = M ∘ Π_h (1 − w_h e_hᵀ) + Σ_h w_h a_hᵀ from engine ops (eqs. 3–4).
    memory (B, N, W); weights (B, H, N); erase in [0, 1] and add: (B, H, W)."""
    _check_write("write_composite", memory, weights, erase, add)
    erased = memory
    for head in range(weights.shape[1]):
        w, e = weights[:, head, :], erase[:, head, :]
        erased = erased * (1.0 - w[:, :, None] * e[:, None, :])                 # eq. 3
    return erased + ops.swapaxes(weights, 1, 2) @ add                            # eq. 4


class MemoryWrite(Function):
    """The erase-then-add write of ``write_composite`` as one op.

    Inputs memory (B, N, W), weights (B, H, N), erase (B, H, W), add (B, H, W); output the new
    memory (B, N, W). The gradient of each head's erase factor is the product of the other
    heads' factors, taken from prefix and suffix products (no division, exact with zeros).
    """

    composite = "write_composite (tinyaug/models/ntm/memory.py; NTMCell(..., fused=False))"

    def forward(self, memory, weights, erase, add):
        xp = self.xp
        _check_write("MemoryWrite", memory, weights, erase, add)
        self.memory, self.weights, self.erase, self.add = memory, weights, erase, add
        if weights.shape[1] == 1:  # one write head: no product over heads
            column = weights[:, 0, :, None]                                      # (B, N, 1)
            self.keep_all = 1 - column * erase[:, 0, None, :]                     # eq. 3
            return memory * self.keep_all + column * add[:, 0, None, :]          # eq. 4
        keep = 1 - weights[:, :, :, None] * erase[:, :, None, :]                # (B, H, N, W), eq. 3
        self.keep = keep
        self.keep_all = keep.prod(axis=1)
        return memory * self.keep_all + xp.swapaxes(weights, 1, 2) @ add        # eq. 4

    def backward(self, grad):
        xp = self.xp
        memory, weights, erase, add = self.memory, self.weights, self.erase, self.add
        grad_memory = grad * self.keep_all
        grad_add = weights @ grad                                                # (B, H, W)
        grad_times_memory = grad * memory
        if weights.shape[1] == 1:
            # d/dw[n] = Σ_w G[n,w] (a[w] − M[n,w] e[w]);  d/de[w] = −Σ_n w[n] G[n,w] M[n,w]
            grad_weights = xp.swapaxes(grad @ add[:, 0, :, None] - grad_times_memory @ erase[:, 0, :, None], 1, 2)
            grad_erase = -(weights @ grad_times_memory)
            return grad_memory, grad_weights, grad_erase, grad_add
        keep = self.keep
        ones = xp.ones_like(keep[:, :1])
        prefix = xp.cumprod(xp.concatenate([ones, keep[:, :-1]], axis=1), axis=1)
        suffix = xp.cumprod(xp.concatenate([ones, keep[:, :0:-1]], axis=1), axis=1)[:, ::-1]
        grad_keep = grad_times_memory[:, None] * (prefix * suffix)              # (B, H, N, W)
        grad_weights = -(grad_keep * erase[:, :, None, :]).sum(axis=-1) + add @ xp.swapaxes(grad, 1, 2)
        grad_erase = -(grad_keep * weights[:, :, :, None]).sum(axis=2)
        return grad_memory, grad_weights, grad_erase, grad_add


def write(memory: Tensor, weights: Tensor, erase: Tensor, add: Tensor) -> Tensor:
    """New memory (B, N, W) after the write heads' erase and add (eqs. 3–4), as one op."""
    return MemoryWrite.apply(memory, weights, erase, add)
