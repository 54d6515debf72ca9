"""The dense twin of SAM's sparse memory ops, from engine ops only: the same read and write
restricted to the same rows, on a dense memory *tensor* (batch, N, W) that is copied at every
write like the NTM's. It exists to test ``SparseRead`` / ``SparseWrite`` (values and gradients
agree to 1e-10 in float64) and is O(N·W) per step: never use it at scale.

Rows are given (host int arrays, as the sparse ops chose them): the selection of rows is not
differentiated in either version (paper §3.1).
"""
from __future__ import annotations

import numpy as np

from ...autograd import ops
from ...autograd.tensor import Tensor
from .memory import COSINE_EPS


def _one_hot(rows: np.ndarray, count: int, like: Tensor) -> Tensor:
    """Constant one-hot matrix (*rows.shape, count) on ``like``'s backend and dtype."""
    hot = (rows[..., None] == np.arange(count)).astype(np.float64)
    return Tensor(like.backend.from_host(hot.astype(like.dtype)))


def dense_read(memory: Tensor, keys: Tensor, strengths: Tensor, rows: np.ndarray) -> tuple[Tensor, Tensor]:
    """reads (B, R, W) and weights (B, R, K) of a read of ``rows`` (B, R, K) from memory (B, N, W)."""
    selector = _one_hot(rows, memory.shape[1], memory)                          # (B, R, K, N)
    values = selector @ ops.expand_dims(memory, 1)                               # (B, R, K, W)
    similarity = ops.cosine_similarity(ops.expand_dims(keys, 2), values, axis=-1, eps=COSINE_EPS)
    weights = ops.softmax(ops.expand_dims(strengths, 2) * similarity, axis=-1)   # softmax over K
    reads = ops.sum(ops.expand_dims(weights, 3) * values, axis=2)                # Σ_k w_k M(i_k)
    return reads, weights


def dense_write(memory: Tensor, weights: Tensor, adds: Tensor, rows: np.ndarray,
                erase_rows: np.ndarray) -> Tensor:
    """New memory (B, N, W): rows ``erase_rows`` (B, H) zeroed, then Σ_h w_hp a_h added to
    ``rows`` (B, P); weights (B, H, P), adds (B, H, W)."""
    rows_count = memory.shape[1]
    erased = _one_hot(erase_rows, rows_count, memory).data.sum(axis=1)           # (B, N)
    keep = Tensor((1 - erased.clip(0, 1))[:, :, None])                           # 1 − R_t
    scatter = _one_hot(rows, rows_count, memory)                                 # (B, P, N)
    contribution = ops.swapaxes(weights, 1, 2) @ adds                            # (B, P, W)
    return memory * keep + ops.swapaxes(scatter, 1, 2) @ contribution            # eq. 6
