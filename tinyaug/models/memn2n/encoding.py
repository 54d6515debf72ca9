"""Sentence-encoding weights of end-to-end memory networks (Sukhbaatar et al. 2015, §4.1),
host-side constants (they hold no parameters).

Position encoding (PE): a sentence of J words x_1..x_J is embedded as m = Σ_j l_j ∘ A x_j with

    l_kj = (1 − j/J) − (k/d)(1 − 2j/J),    j = 1..J (word), k = 1..d (embedding dimension),

so that word order changes the memory vector; without PE the weights are all 1 (bag of words).
Padding words (id 0) get weight 0. J counts the sentence's own words, not the padding.
"""
from __future__ import annotations

import numpy as np


def position_weights(word_ids: np.ndarray, dim: int, position_encoding: bool = True) -> np.ndarray:
    """``word_ids`` (..., L) with 0 for no word (words first, padding after) -> weights
    (..., L, dim): l_kj for each word (Sukhbaatar et al. 2015, §4.1), 0 for padding."""
    word_ids = np.asarray(word_ids)
    present = (word_ids != 0).astype(np.float64)                 # (..., L)
    if not position_encoding:
        return np.repeat(present[..., None], dim, axis=-1)
    sentence_length = np.maximum(present.sum(axis=-1, keepdims=True), 1.0)   # J, (..., 1)
    j = np.cumsum(present, axis=-1)                               # word position 1..J
    ratio = (j / sentence_length)[..., None]                      # j / J, (..., L, 1)
    k_over_d = (np.arange(1, dim + 1) / dim)                      # k / d, (dim,)
    weights = (1.0 - ratio) - k_over_d * (1.0 - 2.0 * ratio)      # l_kj, §4.1
    return weights * present[..., None]


def recency_indices(fact_mask: np.ndarray, rng: np.random.Generator | None = None,
                    noise: float = 0.0) -> np.ndarray:
    """Temporal-encoding indices (§4.1): the most recent fact gets 0, the one before it 1, ...
    ``fact_mask`` (N, M) with facts first. With ``rng`` and ``noise`` > 0 ("random noise", RN,
    §4.1), about ``noise`` × count empty memories are inserted at random between the facts,
    so that the temporal embedding does not overfit to exact positions. Empty slots get 0."""
    count = fact_mask.sum(axis=1).astype(int)
    indices = np.zeros(fact_mask.shape, dtype=np.int64)
    for n, facts in enumerate(count):
        recency = np.arange(facts - 1, -1, -1)
        if rng is not None and noise > 0 and facts:
            inserted = rng.random(facts) < noise           # an empty memory after this fact
            recency = recency + np.cumsum(inserted[::-1])[::-1] - inserted
        indices[n, :facts] = recency
    return indices
