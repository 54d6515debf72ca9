"""The memory allocation test (Graves, Wayne et al. 2016, Extended Data: "dynamic memory
allocation"; the "memory allocation test" of the seed slides).

``sequences`` random binary sequences are shown one after another; each is to be recalled
right after it is shown, and is never needed again. Per sequence of length L
(L ~ U[min_length, max_length]):

    L steps: the vectors (``bits`` bits) on channels 0 … bits − 1;
    1 step:  the delimiter on channel ``bits``;
    L steps: the recall phase, flagged on channel ``bits + 1``, zero elsewhere; the target is
             the sequence's L vectors (mask 1).

Input width ``bits + 2``, output ``bits``; time steps Σ (2L + 1). The recall flag says which
phase a step is in (a data vector can be all zeros, which without it would look like a
recall step), so the task tests memory, not counting.

Sizes (defaults: 4 sequences of 4–8 vectors of 8 bits; the experiments' memory has 16 rows):
every sequence fits in memory (8 ≤ 16) but all of them together do not (16–32 vectors, 24 on
average; more than 16 in all but 1 episode in 625): only a model that frees rows it has read,
or overwrites them in some order, can store the later sequences; and one sequence (up to 64
bits) is more than a small controller keeps in its state easily. A first, smaller version (4
sequences of 2–4 vectors of 6 bits, 8 rows: ``--set bits=6 min_length=2 max_length=4
memory=8x16``) was solved by the DNC, but its trace showed the sequences kept in the LSTM
controller, not in memory, and the LSTM alone solved it too (docs/sections/dnc.md).
``batch(..., lengths=(8, 8, 8, 8))`` fixes the lengths; ``overflow_fraction``
reports how often a batch's sequences exceed a memory of ``rows`` rows in all.
"""
from __future__ import annotations

import numpy as np

from .base import Task, check_batch_size, check_range, register_task


@register_task
class AllocationTest(Task):
    name = "allocation"
    defaults = {"bits": 8, "sequences": 4, "min_length": 4, "max_length": 8}

    def __init__(self, bits: int = 8, sequences: int = 4, min_length: int = 4, max_length: int = 8) -> None:
        check_range(self.name, "length", min_length, max_length)
        if int(sequences) != sequences or sequences < 1:
            raise ValueError(f"{self.name}: sequences must be a positive integer, got {sequences!r}")
        if int(bits) != bits or bits < 1:
            raise ValueError(f"{self.name}: bits must be a positive integer, got {bits!r}")
        super().__init__(input_size=bits + 2, output_size=bits)
        self.bits, self.sequences = int(bits), int(sequences)
        self.min_length, self.max_length = min_length, max_length

    def draw_lengths(self, batch_size: int, rng: np.random.Generator) -> np.ndarray:
        """(batch, sequences) lengths, uniform in [min_length, max_length]."""
        return rng.integers(self.min_length, self.max_length + 1, size=(batch_size, self.sequences))

    def batch(self, batch_size: int, rng: np.random.Generator, lengths=None):
        check_batch_size(self, batch_size)
        if lengths is None:
            all_lengths = self.draw_lengths(batch_size, rng)
        else:
            lengths = np.asarray(lengths, dtype=np.int64).reshape(-1)
            if lengths.shape != (self.sequences,) or lengths.min() < 1:
                raise ValueError(f"{self.name}: lengths must be {self.sequences} positive integers, "
                                 f"got {lengths.tolist()}")
            all_lengths = np.tile(lengths, (batch_size, 1))
        time = int((2 * all_lengths + 1).sum(axis=1).max())
        inputs = np.zeros((time, batch_size, self.input_size))
        targets = np.zeros((time, batch_size, self.output_size))
        mask = np.zeros((time, batch_size))
        for b in range(batch_size):
            t = 0
            for length in all_lengths[b]:
                vectors = rng.integers(0, 2, size=(length, self.bits)).astype(np.float64)
                inputs[t:t + length, b, :self.bits] = vectors
                inputs[t + length, b, self.bits] = 1.0                          # delimiter
                recall = slice(t + length + 1, t + 2 * length + 1)
                inputs[recall, b, self.bits + 1] = 1.0                          # recall flag
                targets[recall, b] = vectors
                mask[recall, b] = 1.0
                t += 2 * length + 1
        return inputs, targets, mask

    def overflow_fraction(self, rows: int, samples: int = 100000, seed: int = 0) -> float:
        """The fraction of episodes whose vectors outnumber ``rows`` memory rows."""
        lengths = self.draw_lengths(samples, np.random.default_rng(seed))
        return float((lengths.sum(axis=1) > rows).mean())
