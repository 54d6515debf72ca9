"""The addition task of Graves 2016 (Adaptive Computation Time, arXiv 1603.08983, §3.3).

A sequence has L ~ U[1, max_numbers] (5) input steps, each a number of D ~ U[1, max_digits]
(5) uniformly random decimal digits, given as D one-hot chunks of 10 (least significant digit
first) followed by zero chunks: input_size = 10 · max_digits = 50. From the second step on the
target is the running sum of the numbers so far, written as max_digits + 1 (6) digits, least
significant first, each a class in 0..10 where 10 marks "no digit" past the sum's last digit.
The network therefore has 6 softmaxes of 11 classes (output_size 66); the first step has no
target (mask 0).

Batch: inputs (T, batch, 50), targets (T, batch, 6) *class ids* stored as floats, mask (T, batch).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .base import Batch, Task, check_batch_size, check_range, draw, register_task

NO_DIGIT = 10


def digits_of(values: np.ndarray, width: int) -> np.ndarray:
    """Non-negative ints (n,) -> (n, width) digit classes, least significant first, NO_DIGIT
    past the number's last digit (0 is written as one digit 0)."""
    values = np.asarray(values, dtype=np.int64)
    powers = 10 ** np.arange(width, dtype=np.int64)
    digits = (values[:, None] // powers[None, :]) % 10
    length = np.maximum(1, np.floor(np.log10(np.maximum(values, 1))).astype(np.int64) + 1)
    return np.where(np.arange(width)[None, :] < length[:, None], digits, NO_DIGIT)


@register_task
class Addition(Task):
    name = "addition"
    defaults = {"max_numbers": 5, "max_digits": 5}

    def __init__(self, max_numbers: int = 5, max_digits: int = 5) -> None:
        check_range("addition", "numbers", 1, max_numbers)
        check_range("addition", "digits", 1, max_digits)
        self.max_numbers, self.max_digits = int(max_numbers), int(max_digits)
        self.output_digits = self.max_digits + 1
        self.num_classes = 11
        super().__init__(input_size=10 * self.max_digits,
                         output_size=self.output_digits * self.num_classes)

    def batch(self, batch_size: int, rng: np.random.Generator, **overrides: Any) -> Batch:
        """``overrides``: ``length`` fixes the count of numbers, ``digits`` their digit count."""
        check_batch_size(self, batch_size)
        unknown = set(overrides) - {"length", "digits"}
        if unknown:
            raise TypeError(f"addition: unknown override(s) {sorted(unknown)}; use length or digits")
        lengths = draw(rng, 1, self.max_numbers, batch_size, overrides.get("length"))
        time = int(lengths.max())
        inputs = np.zeros((time, batch_size, self.input_size))
        targets = np.zeros((time, batch_size, self.output_digits))
        live = np.arange(time)[:, None] < lengths[None, :]
        mask = (live & (np.arange(time)[:, None] >= 1)).astype(np.float64)
        running_sum = np.zeros(batch_size, dtype=np.int64)
        for t in range(time):
            counts = draw(rng, 1, self.max_digits, batch_size, overrides.get("digits"))
            digits = rng.integers(0, 10, size=(batch_size, self.max_digits))
            used = np.arange(self.max_digits)[None, :] < counts[:, None]
            digits = np.where(used, digits, 0)
            number = (digits * 10 ** np.arange(self.max_digits)).sum(axis=1)
            rows, places = np.nonzero(used & live[t][:, None])
            inputs[t, rows, 10 * places + digits[rows, places]] = 1.0
            running_sum = running_sum + np.where(live[t], number, 0)
            targets[t] = np.where(mask[t][:, None] > 0, digits_of(running_sum, self.output_digits), 0)
        return inputs, targets.astype(np.float64), mask
