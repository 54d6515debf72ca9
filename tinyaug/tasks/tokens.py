"""Token vocabularies and padded batches for the sequence-to-sequence tasks (dates, reversal,
shapes). Pure NumPy.

A ``Seq2SeqBatch`` holds time-major integer arrays:

    source        (source_time, batch) int64 token ids, PAD after each sequence's end
    source_mask   (source_time, batch) float64, 1 on real tokens
    target        (target_time, batch) int64 ids, each sequence ending with EOS, then PAD
    target_mask   (target_time, batch) float64, 1 on real tokens and on the EOS

The decoder reads ``decoder_inputs()`` = BOS followed by ``target[:-1]`` (teacher forcing).
Image tasks put ``images`` (batch, height, width, channels) in place of ``source``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

PAD, BOS, EOS = 0, 1, 2
SPECIALS = ("<pad>", "<bos>", "<eos>")


class Vocabulary:
    """Ids 0, 1, 2 are PAD, BOS, EOS; then ``symbols`` in the order given."""

    def __init__(self, symbols: Sequence[str]) -> None:
        symbols = list(symbols)
        if len(set(symbols)) != len(symbols):
            raise ValueError("Vocabulary: symbols must be distinct")
        self.symbols = list(SPECIALS) + symbols
        self.index = {s: i for i, s in enumerate(self.symbols)}

    def __len__(self) -> int:
        return len(self.symbols)

    def encode(self, tokens: Sequence[str]) -> list[int]:
        try:
            return [self.index[t] for t in tokens]
        except KeyError as error:
            raise ValueError(f"Vocabulary: unknown symbol {error.args[0]!r}") from None

    def decode(self, ids: Sequence[int], stop_at_eos: bool = True) -> list[str]:
        """Symbols of ``ids``, without PAD/BOS, stopping at the first EOS."""
        out = []
        for i in ids:
            i = int(i)
            if i == EOS and stop_at_eos:
                break
            if i in (PAD, BOS):
                continue
            out.append(self.symbols[i])
        return out


def pad_time_major(sequences: Sequence[Sequence[int]], append_eos: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Lists of ids -> (time, batch) int64 ids padded with PAD, and the (time, batch) mask."""
    rows = [list(s) + ([EOS] if append_eos else []) for s in sequences]
    length = max(len(r) for r in rows)
    ids = np.full((length, len(rows)), PAD, dtype=np.int64)
    mask = np.zeros((length, len(rows)))
    for b, row in enumerate(rows):
        ids[:len(row), b] = row
        mask[:len(row), b] = 1.0
    return ids, mask


@dataclass
class Seq2SeqBatch:
    source: np.ndarray
    source_mask: np.ndarray
    target: np.ndarray
    target_mask: np.ndarray
    info: dict = field(default_factory=dict)  # task-specific extras (texts, boxes, lengths)

    @property
    def batch_size(self) -> int:
        return self.target.shape[1]

    def decoder_inputs(self) -> np.ndarray:
        """BOS then the target shifted right by one: (target_time, batch)."""
        return np.concatenate([np.full((1, self.batch_size), BOS, dtype=np.int64), self.target[:-1]], axis=0)


def exact_match(predicted: np.ndarray, target: np.ndarray, target_mask: np.ndarray) -> np.ndarray:
    """Per sequence, whether every real target token (EOS included) was predicted:
    ``predicted`` (time ≥ target_time, batch) ids. Returns a (batch,) bool array."""
    steps = target.shape[0]
    if predicted.shape[0] < steps:
        predicted = np.concatenate([predicted, np.full((steps - predicted.shape[0], predicted.shape[1]),
                                                       PAD, dtype=predicted.dtype)])
    wrong = (predicted[:steps] != target) & (target_mask > 0)
    return ~wrong.any(axis=0)
