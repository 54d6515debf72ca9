"""Attention layers: a query looks at a set of keys, scores each, and returns the weighted
average of the values (the context) together with the weights, so that they can be plotted.

Scores (Luong, Pham & Manning 2015, §3.1, eq. 8; Bahdanau, Cho & Bengio 2014, §3.1 and A.1.2):

    dot       e_j = qᵀ k_j                     (optionally scaled by 1/√d, Vaswani et al. 2017)
    general   e_j = qᵀ W_a k_j                 (Luong "general", bilinear)
    concat    e_j = v_aᵀ tanh(W_a [q; k_j])    (Luong "concat")
    additive  e_j = vᵀ tanh(W s_{i−1} + U h_j) (Bahdanau eq. A.1.2's alignment model)

    α_j = exp(e_j) / Σ_{j'} exp(e_{j'})         (Bahdanau eq. 6; Luong eq. 7)
    c   = Σ_j α_j v_j                           (Bahdanau eq. 5)

Every layer is called as ``attention(query, keys, values=None, mask=None)`` with

    query  (batch, query_size)
    keys   (batch, source, key_size)
    values (batch, source, value_size), default ``keys``
    mask   (batch, source): 1/True where a key is real, 0/False where it is padding

and returns ``(context (batch, value_size), weights (batch, source))``.

Masked positions get exactly zero weight (``masked_softmax``). A row whose positions are all
masked gets all-zero weights, hence a zero context and zero gradients: a documented zero,
never NaN (there is nothing to attend to).
"""
from __future__ import annotations

import math

import numpy as np

from ..autograd import ops
from ..autograd.function import Function
from ..autograd.tensor import Tensor, as_tensor
from ..errors import ShapeError
from . import init
from .layers import make_parameter
from .module import Module


class MaskedSoftmax(Function):
    """softmax over the last axis restricted to ``mask`` (broadcast against the scores).

    α_j = m_j exp(e_j − M) / Σ_j' m_j' exp(e_j' − M), with M the largest unmasked score (no
    overflow); a fully masked row gives zeros. Backward: α ∘ (g − Σ_j α_j g_j), which is zero
    at masked positions since α is zero there. The mask gets no gradient.
    """

    double_backward = True  # the backward is operators and array methods on the output only

    def forward(self, scores, mask):
        xp = self.xp
        mask = xp.broadcast_to(mask.astype(bool), scores.shape)
        lowest = xp.asarray(-xp.inf, dtype=scores.dtype)
        row_max = xp.where(mask, scores, lowest).max(axis=-1, keepdims=True)
        row_max = xp.where(xp.isfinite(row_max), row_max, xp.zeros((), dtype=scores.dtype))
        exponentials = xp.exp(xp.where(mask, scores - row_max, lowest))  # exp(−inf) = 0, no overflow
        totals = exponentials.sum(axis=-1, keepdims=True)
        self.out = exponentials / xp.where(totals > 0, totals, xp.ones((), dtype=scores.dtype))
        return self.out

    def backward(self, grad):
        out = self.out
        return out * (grad - (grad * out).sum(axis=-1, keepdims=True)), None


def masked_softmax(scores: Tensor, mask=None) -> Tensor:
    """Softmax over the last axis of ``scores`` (..., source), zero where ``mask`` is 0/False.

    ``mask``: anything broadcastable to ``scores`` (typically (batch, source)); None means a
    plain softmax. Fully masked rows give all-zero weights (see the module docstring).
    """
    if mask is None:
        return ops.softmax(scores, axis=-1)
    mask = as_tensor(mask, like=scores)
    try:
        np.broadcast_shapes(mask.shape, scores.shape)
    except ValueError:
        raise ShapeError(f"masked_softmax: mask of shape {mask.shape} does not broadcast against "
                         f"scores of shape {scores.shape}") from None
    return MaskedSoftmax.apply(scores, mask)


def _check_inputs(name: str, query: Tensor, keys: Tensor, values, mask, query_size: int | None,
                  key_size: int | None):
    if query.ndim != 2 or keys.ndim != 3 or query.shape[0] != keys.shape[0]:
        raise ShapeError(f"{name}: query must be (batch, query_size) and keys (batch, source, "
                         f"key_size) with one batch size, got query {query.shape}, keys {keys.shape}")
    if query_size is not None and query.shape[1] != query_size:
        raise ShapeError(f"{name}: query has {query.shape[1]} features, expected {query_size} "
                         f"(query {query.shape})")
    if key_size is not None and keys.shape[2] != key_size:
        raise ShapeError(f"{name}: keys have {keys.shape[2]} features, expected {key_size} "
                         f"(keys {keys.shape})")
    values = keys if values is None else values
    if values.ndim != 3 or values.shape[:2] != keys.shape[:2]:
        raise ShapeError(f"{name}: values must be (batch, source, value_size) matching keys "
                         f"{keys.shape}, got {values.shape}")
    if mask is not None:
        mask_shape = tuple(getattr(mask, "shape", np.shape(mask)))
        if mask_shape != keys.shape[:2]:
            raise ShapeError(f"{name}: mask must be (batch, source) = {keys.shape[:2]}, got {mask_shape}")
    return values


def attend(scores: Tensor, values: Tensor, mask=None) -> tuple[Tensor, Tensor]:
    """Weights α = masked softmax of ``scores`` (batch, source) and the context Σ_j α_j v_j
    (batch, value_size) for ``values`` (batch, source, value_size) (Bahdanau eqs. 5–6)."""
    weights = masked_softmax(scores, mask)
    context = ops.squeeze(ops.expand_dims(weights, 1) @ values, 1)  # (B, 1, S) @ (B, S, V)
    return context, weights


def _bilinear_scores(query: Tensor, keys: Tensor) -> Tensor:
    """e_j = qᵀ k_j for every j: (batch, q) and (batch, source, q) -> (batch, source)."""
    return ops.squeeze(keys @ ops.expand_dims(query, 2), 2)


class DotAttention(Module):
    """Luong's "dot" score e_j = qᵀ k_j, or with ``scaled`` qᵀ k_j / √d (query_size = key_size)."""

    def __init__(self, scaled: bool = False) -> None:
        super().__init__()
        self.scaled = scaled

    def scores(self, query: Tensor, keys: Tensor) -> Tensor:
        if query.shape[-1] != keys.shape[-1]:
            raise ShapeError(f"DotAttention: query {query.shape} and keys {keys.shape} must have "
                             "the same number of features")
        scores = _bilinear_scores(query, keys)                     # Luong eq. 8, "dot"
        return scores * (1.0 / math.sqrt(query.shape[-1])) if self.scaled else scores

    def forward(self, query: Tensor, keys: Tensor, values=None, mask=None) -> tuple[Tensor, Tensor]:
        values = _check_inputs("DotAttention", query, keys, values, mask, None, None)
        return attend(self.scores(query, keys), values, mask)

    def extra_repr(self) -> str:
        return f"scaled={self.scaled}"


class GeneralAttention(Module):
    """Luong's "general" (bilinear) score e_j = qᵀ W_a k_j; W_a (query_size, key_size)."""

    def __init__(self, query_size: int, key_size: int, rng: np.random.Generator | None = None,
                 dtype=None) -> None:
        super().__init__()
        self.query_size, self.key_size = query_size, key_size
        self.weight = make_parameter(init.xavier_uniform((query_size, key_size), rng or init.default_rng()), dtype)

    def scores(self, query: Tensor, keys: Tensor) -> Tensor:
        return _bilinear_scores(query @ self.weight, keys)        # Luong eq. 8, "general"

    def forward(self, query: Tensor, keys: Tensor, values=None, mask=None) -> tuple[Tensor, Tensor]:
        values = _check_inputs("GeneralAttention", query, keys, values, mask, self.query_size, self.key_size)
        return attend(self.scores(query, keys), values, mask)

    def extra_repr(self) -> str:
        return f"{self.query_size}, {self.key_size}"


class ConcatAttention(Module):
    """Luong's "concat" score e_j = v_aᵀ tanh(W_a [q; k_j]); W_a (query+key, attention_size).

    Built literally, by concatenating the query to every key; mathematically the same family
    as ``AdditiveAttention`` (whose W, U are the two blocks of W_a), which is cheaper."""

    def __init__(self, query_size: int, key_size: int, attention_size: int,
                 rng: np.random.Generator | None = None, dtype=None) -> None:
        super().__init__()
        rng = rng or init.default_rng()
        self.query_size, self.key_size, self.attention_size = query_size, key_size, attention_size
        self.weight = make_parameter(init.xavier_uniform((query_size + key_size, attention_size), rng), dtype)
        self.vector = make_parameter(rng.uniform(-0.1, 0.1, attention_size), dtype)

    def scores(self, query: Tensor, keys: Tensor) -> Tensor:
        batch, source, _ = keys.shape
        repeated = ops.broadcast_to(ops.expand_dims(query, 1), (batch, source, self.query_size))
        joined = ops.concatenate([repeated, keys], axis=-1)       # [q; k_j]
        return ops.tanh(joined @ self.weight) @ self.vector       # Luong eq. 8, "concat"

    def forward(self, query: Tensor, keys: Tensor, values=None, mask=None) -> tuple[Tensor, Tensor]:
        values = _check_inputs("ConcatAttention", query, keys, values, mask, self.query_size, self.key_size)
        return attend(self.scores(query, keys), values, mask)

    def extra_repr(self) -> str:
        return f"{self.query_size}, {self.key_size}, attention_size={self.attention_size}"


class AdditiveAttention(Module):
    """Bahdanau's alignment model e_ij = vᵀ tanh(W s_{i−1} + U h_j).

    ``project_keys(keys)`` computes U h_j once per source sequence; pass the result as
    ``projected_keys`` at every decoder step to skip recomputing it.
    """

    def __init__(self, query_size: int, key_size: int, attention_size: int,
                 rng: np.random.Generator | None = None, dtype=None) -> None:
        super().__init__()
        rng = rng or init.default_rng()
        self.query_size, self.key_size, self.attention_size = query_size, key_size, attention_size
        self.query_weight = make_parameter(init.xavier_uniform((query_size, attention_size), rng), dtype)  # W
        self.key_weight = make_parameter(init.xavier_uniform((key_size, attention_size), rng), dtype)      # U
        self.vector = make_parameter(rng.uniform(-0.1, 0.1, attention_size), dtype)                         # v

    def project_keys(self, keys: Tensor) -> Tensor:
        """U h_j for every j: (batch, source, key_size) -> (batch, source, attention_size)."""
        return keys @ self.key_weight

    def scores(self, query: Tensor, keys: Tensor, projected_keys: Tensor | None = None) -> Tensor:
        projected_keys = self.project_keys(keys) if projected_keys is None else projected_keys
        hidden = ops.tanh(ops.expand_dims(query @ self.query_weight, 1) + projected_keys)  # W s + U h_j
        return hidden @ self.vector                                                          # vᵀ tanh(...)

    def forward(self, query: Tensor, keys: Tensor, values=None, mask=None,
                projected_keys: Tensor | None = None) -> tuple[Tensor, Tensor]:
        values = _check_inputs("AdditiveAttention", query, keys, values, mask, self.query_size, self.key_size)
        return attend(self.scores(query, keys, projected_keys), values, mask)

    def extra_repr(self) -> str:
        return f"{self.query_size}, {self.key_size}, attention_size={self.attention_size}"


ATTENTION_KINDS = ("dot", "scaled-dot", "general", "concat", "additive")


def make_attention(kind: str, query_size: int, key_size: int, attention_size: int,
                   rng: np.random.Generator | None = None, dtype=None) -> Module:
    """An attention layer by name: one of ``ATTENTION_KINDS``."""
    if kind == "dot":
        return DotAttention()
    if kind == "scaled-dot":
        return DotAttention(scaled=True)
    if kind == "general":
        return GeneralAttention(query_size, key_size, rng=rng, dtype=dtype)
    if kind == "concat":
        return ConcatAttention(query_size, key_size, attention_size, rng=rng, dtype=dtype)
    if kind == "additive":
        return AdditiveAttention(query_size, key_size, attention_size, rng=rng, dtype=dtype)
    raise ValueError(f"make_attention: unknown attention {kind!r}; choose one of {', '.join(ATTENTION_KINDS)}")


__all__ = ["ATTENTION_KINDS", "AdditiveAttention", "ConcatAttention", "DotAttention",
           "GeneralAttention", "MaskedSoftmax", "attend", "make_attention", "masked_softmax"]
