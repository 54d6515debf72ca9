"""The Neural Turing Machine paper's tasks (Graves, Wayne & Danihelka 2014, §4.1–4.5).

Every task returns ``(inputs (time, batch, in), targets (time, batch, out), mask (time, batch))``
as float64 NumPy arrays; sequences shorter than the batch's longest are zero-padded at the
end with mask 0. The output phase always comes after the whole input has been shown, with
zero input during it (the network must answer from memory).
"""
from __future__ import annotations

import numpy as np

from .base import Task, check_batch_size, check_range, draw, register_task


def _random_bits(rng: np.random.Generator, shape) -> np.ndarray:
    return rng.integers(0, 2, size=shape).astype(np.float64)


@register_task
class Copy(Task):
    """§4.1 copy. Input: L random ``bits``-bit vectors (L ~ U[min_length, max_length]), then a
    delimiter flag on channel ``bits`` (input width ``bits + 1``). Target: the same L vectors,
    during the L steps after the delimiter (output width ``bits``).
    Time steps: 2L + 1. ``batch(..., length=120)`` fixes L (generalisation tests)."""

    name = "copy"
    defaults = {"bits": 8, "min_length": 1, "max_length": 20}

    def __init__(self, bits: int = 8, min_length: int = 1, max_length: int = 20) -> None:
        check_range(self.name, "length", min_length, max_length)
        super().__init__(input_size=bits + 1, output_size=bits)
        self.bits, self.min_length, self.max_length = bits, min_length, max_length

    def batch(self, batch_size: int, rng: np.random.Generator, length: int | None = None):
        check_batch_size(self, batch_size)
        lengths = draw(rng, self.min_length, self.max_length, batch_size, length)
        time = 2 * int(lengths.max()) + 1
        inputs = np.zeros((time, batch_size, self.input_size))
        targets = np.zeros((time, batch_size, self.output_size))
        mask = np.zeros((time, batch_size))
        for b, seq_len in enumerate(lengths):
            sequence = _random_bits(rng, (seq_len, self.bits))
            inputs[:seq_len, b, :self.bits] = sequence
            inputs[seq_len, b, self.bits] = 1.0  # delimiter
            targets[seq_len + 1:2 * seq_len + 1, b] = sequence
            mask[seq_len + 1:2 * seq_len + 1, b] = 1.0
        return inputs, targets, mask


@register_task
class RepeatCopy(Task):
    """§4.2 repeat copy. Input: L vectors (L ~ U[min_length, max_length]), then one step with
    the delimiter on channel ``bits`` and the repeat count R ~ U[min_repeats, max_repeats] on
    channel ``bits + 1`` (input width ``bits + 2``), "normalised to have mean zero and
    variance one" as in the paper: (R − mean) / std of the discrete uniform law on
    [min_repeats, max_repeats] (``normalised_repeats``; std 1 when the range is one value).
    Target: the L vectors R times, then an end marker on output channel ``bits`` (output width
    ``bits + 1``). Time steps: L + 1 + L·R + 1."""

    name = "repeat-copy"
    defaults = {"bits": 8, "min_length": 1, "max_length": 10, "min_repeats": 1, "max_repeats": 10}

    def __init__(self, bits: int = 8, min_length: int = 1, max_length: int = 10,
                 min_repeats: int = 1, max_repeats: int = 10) -> None:
        check_range(self.name, "length", min_length, max_length)
        check_range(self.name, "repeats", min_repeats, max_repeats)
        super().__init__(input_size=bits + 2, output_size=bits + 1)
        self.bits, self.min_length, self.max_length = bits, min_length, max_length
        self.min_repeats, self.max_repeats = min_repeats, max_repeats
        count = max_repeats - min_repeats + 1
        self.repeats_mean = (min_repeats + max_repeats) / 2.0
        self.repeats_std = float(np.sqrt((count * count - 1) / 12.0)) or 1.0

    def normalised_repeats(self, repeats):
        """The input channel's value for a repeat count: (R − mean) / std (paper §4.2)."""
        return (np.asarray(repeats, dtype=np.float64) - self.repeats_mean) / self.repeats_std

    def batch(self, batch_size: int, rng: np.random.Generator, length: int | None = None,
              repeats: int | None = None):
        check_batch_size(self, batch_size)
        lengths = draw(rng, self.min_length, self.max_length, batch_size, length)
        repeat_counts = draw(rng, self.min_repeats, self.max_repeats, batch_size, repeats)
        time = int((lengths + 2 + lengths * repeat_counts).max())
        inputs = np.zeros((time, batch_size, self.input_size))
        targets = np.zeros((time, batch_size, self.output_size))
        mask = np.zeros((time, batch_size))
        for b, (seq_len, count) in enumerate(zip(lengths, repeat_counts)):
            sequence = _random_bits(rng, (seq_len, self.bits))
            inputs[:seq_len, b, :self.bits] = sequence
            inputs[seq_len, b, self.bits] = 1.0                              # delimiter
            inputs[seq_len, b, self.bits + 1] = self.normalised_repeats(count)  # mean 0, variance 1
            start, stop = seq_len + 1, seq_len + 1 + seq_len * count
            targets[start:stop, b, :self.bits] = np.tile(sequence, (count, 1))
            targets[stop, b, self.bits] = 1.0                                # end marker
            mask[start:stop + 1, b] = 1.0
        return inputs, targets, mask


@register_task
class AssociativeRecall(Task):
    """§4.3 associative recall. K ~ U[min_items, max_items] items, each ``item_length``
    vectors of ``bits`` bits, each preceded by an item delimiter (channel ``bits``); then a
    query item (a random one of the first K − 1) bounded on both sides by query delimiters
    (channel ``bits + 1``). Target: the item that followed the query item, during the
    ``item_length`` steps after the closing delimiter. Input width ``bits + 2``, output ``bits``.
    Time steps: K(item_length + 1) + 2·item_length + 2."""

    name = "associative-recall"
    defaults = {"bits": 6, "item_length": 3, "min_items": 2, "max_items": 6}

    def __init__(self, bits: int = 6, item_length: int = 3, min_items: int = 2,
                 max_items: int = 6) -> None:
        check_range(self.name, "items", min_items, max_items, minimum=2)
        super().__init__(input_size=bits + 2, output_size=bits)
        self.bits, self.item_length = bits, item_length
        self.min_items, self.max_items = min_items, max_items

    def batch(self, batch_size: int, rng: np.random.Generator, items: int | None = None):
        check_batch_size(self, batch_size)
        if items is not None and items < 2:
            raise ValueError(f"{self.name}: a query needs at least 2 items, got items={items}")
        counts = draw(rng, self.min_items, self.max_items, batch_size, items)
        span = self.item_length + 1
        time = int(counts.max()) * span + 2 * self.item_length + 2
        inputs = np.zeros((time, batch_size, self.input_size))
        targets = np.zeros((time, batch_size, self.output_size))
        mask = np.zeros((time, batch_size))
        for b, count in enumerate(counts):
            item_vectors = _random_bits(rng, (count, self.item_length, self.bits))
            for index in range(count):
                inputs[index * span, b, self.bits] = 1.0  # item delimiter
                inputs[index * span + 1:(index + 1) * span, b, :self.bits] = item_vectors[index]
            query = int(rng.integers(0, count - 1))
            query_start = count * span
            inputs[query_start, b, self.bits + 1] = 1.0
            inputs[query_start + 1:query_start + span, b, :self.bits] = item_vectors[query]
            inputs[query_start + span, b, self.bits + 1] = 1.0
            answer_start = query_start + span + 1
            targets[answer_start:answer_start + self.item_length, b] = item_vectors[query + 1]
            mask[answer_start:answer_start + self.item_length, b] = 1.0
        return inputs, targets, mask


@register_task
class PrioritySort(Task):
    """§4.5 priority sort. ``num_inputs`` random vectors, each with a priority ~ U[−1, 1] on
    channel ``bits``; then a delimiter on channel ``bits + 1``. Target: the ``num_outputs``
    vectors of highest priority, highest first. Input width ``bits + 2``, output ``bits``.
    Time steps: num_inputs + 1 + num_outputs."""

    name = "priority-sort"
    defaults = {"bits": 8, "num_inputs": 20, "num_outputs": 16}

    def __init__(self, bits: int = 8, num_inputs: int = 20, num_outputs: int = 16) -> None:
        if not 1 <= num_outputs <= num_inputs:
            raise ValueError(f"{self.name}: need 1 <= num_outputs <= num_inputs, "
                             f"got {num_outputs} and {num_inputs}")
        super().__init__(input_size=bits + 2, output_size=bits)
        self.bits, self.num_inputs, self.num_outputs = bits, num_inputs, num_outputs

    def batch(self, batch_size: int, rng: np.random.Generator):
        check_batch_size(self, batch_size)
        n_in, n_out = self.num_inputs, self.num_outputs
        time = n_in + 1 + n_out
        inputs = np.zeros((time, batch_size, self.input_size))
        targets = np.zeros((time, batch_size, self.output_size))
        mask = np.zeros((time, batch_size))
        vectors = _random_bits(rng, (n_in, batch_size, self.bits))
        priorities = rng.uniform(-1.0, 1.0, size=(n_in, batch_size))
        inputs[:n_in, :, :self.bits] = vectors
        inputs[:n_in, :, self.bits] = priorities
        inputs[n_in, :, self.bits + 1] = 1.0
        order = np.argsort(-priorities, axis=0, kind="stable")[:n_out]  # highest first
        targets[n_in + 1:] = np.take_along_axis(vectors, order[:, :, None], axis=0)
        mask[n_in + 1:] = 1.0
        return inputs, targets, mask


@register_task
class DynamicNGrams(Task):
    """§4.4 dynamic N-grams. Each sequence gets its own N-gram table: for every context of the
    N − 1 previous bits, P(next bit = 1) ~ Beta(½, ½). The first N − 1 bits are uniform; the
    rest follow the table. At step t the input is bit t (width 1) and the target bit t + 1
    (width 1); every step counts. Time steps: ``length`` − 1."""

    name = "dynamic-ngrams"
    defaults = {"order": 6, "length": 200}

    def __init__(self, order: int = 6, length: int = 200) -> None:
        if order < 2 or length <= order:
            raise ValueError(f"{self.name}: need order >= 2 and length > order, "
                             f"got order={order}, length={length}")
        super().__init__(input_size=1, output_size=1)
        self.order, self.length = order, length

    def batch(self, batch_size: int, rng: np.random.Generator, length: int | None = None):
        check_batch_size(self, batch_size)
        length = self.length if length is None else int(length)
        context_bits = self.order - 1
        tables = rng.beta(0.5, 0.5, size=(batch_size, 2 ** context_bits))
        bits = np.zeros((length, batch_size), dtype=np.int64)
        bits[:context_bits] = rng.integers(0, 2, size=(context_bits, batch_size))
        powers = 2 ** np.arange(context_bits - 1, -1, -1)
        uniforms = rng.random((length, batch_size))
        for t in range(context_bits, length):
            context = powers @ bits[t - context_bits:t]                  # (batch,)
            probability_one = tables[np.arange(batch_size), context]
            bits[t] = uniforms[t] < probability_one
        inputs = bits[:-1, :, None].astype(np.float64)
        targets = bits[1:, :, None].astype(np.float64)
        return inputs, targets, np.ones((length - 1, batch_size))


def ngram_optimal_probabilities(inputs: np.ndarray, targets: np.ndarray, order: int = 6) -> np.ndarray:
    """The Bayes-optimal predictor of §4.4 for a ``DynamicNGrams`` batch: P(next = 1) =
    (N₁ + ½) / (N₀ + N₁ + 1), with N₀, N₁ the counts of 0 and 1 seen so far after the current
    context of ``order − 1`` bits (½ while no full context exists). Shapes as the batch's
    ``targets``: (time, batch, 1)."""
    bits = np.concatenate([inputs[:1, :, 0], targets[:, :, 0]], axis=0).astype(np.int64)
    length, batch = bits.shape
    context_bits = order - 1
    counts = np.zeros((batch, 2 ** context_bits, 2))
    powers = 2 ** np.arange(context_bits - 1, -1, -1)
    probabilities = np.full((length - 1, batch), 0.5)
    columns = np.arange(batch)
    for t in range(context_bits - 1, length - 1):  # predict bit t + 1 from bits t-4..t
        context = powers @ bits[t - context_bits + 1:t + 1]
        seen = counts[columns, context]
        probabilities[t] = (seen[:, 1] + 0.5) / (seen.sum(axis=1) + 1.0)
        counts[columns, context, bits[t + 1]] += 1
    return probabilities[:, :, None]
