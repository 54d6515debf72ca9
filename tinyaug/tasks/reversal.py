"""Sequence reversal: a string of ``min_length``–``max_length`` random symbols -> the same
symbols in reverse order. Every output symbol sits at a different distance from the encoder's
final state, so an encoder–decoder without attention, which must squeeze the whole string into
one vector, degrades as strings grow (Bahdanau et al. 2014, fig. 2; Cho et al. 2014); one
with attention can look up position ``n − i`` directly.
"""
from __future__ import annotations

import numpy as np

from .base import Task, register_task
from .tokens import Seq2SeqBatch, Vocabulary, pad_time_major

ALPHABET = "abcdefghijklmnop"


@register_task
class Reversal(Task):
    """``batch(batch_size, rng, length=None)`` -> ``Seq2SeqBatch``; ``length`` fixes every
    string's length (for accuracy-against-length curves), else lengths are uniform in
    [min_length, max_length]. Source and target share one vocabulary of ``symbols`` letters."""

    name = "reversal"
    defaults = {"min_length": 5, "max_length": 50, "symbols": 16}

    def __init__(self, min_length: int = 5, max_length: int = 50, symbols: int = 16) -> None:
        if not 1 <= min_length <= max_length:
            raise ValueError(f"reversal: need 1 <= min_length <= max_length, got {min_length}, {max_length}")
        if not 2 <= symbols <= len(ALPHABET):
            raise ValueError(f"reversal: symbols must be in [2, {len(ALPHABET)}], got {symbols}")
        super().__init__()
        self.min_length, self.max_length, self.symbols = min_length, max_length, symbols
        self.source_vocab = self.target_vocab = Vocabulary(list(ALPHABET[:symbols]))

    def batch(self, batch_size: int, rng: np.random.Generator, length: int | None = None) -> Seq2SeqBatch:
        if length is not None:
            lengths = np.full(batch_size, int(length))
        else:
            lengths = rng.integers(self.min_length, self.max_length + 1, size=batch_size)
        first = self.source_vocab.index[ALPHABET[0]]
        strings = [rng.integers(first, first + self.symbols, size=n) for n in lengths]
        source, source_mask = pad_time_major(strings)
        target, target_mask = pad_time_major([s[::-1] for s in strings], append_eos=True)
        return Seq2SeqBatch(source, source_mask, target, target_mask, info={"lengths": lengths})
