"""The logic task of Graves 2016 (Adaptive Computation Time, arXiv 1603.08983, §3.2, Table 1).

A sequence has L ~ U[1, max_length] (10) input vectors of 102 entries: two bits, then 10
chunks of 10. In each vector the first B ~ U[1, max_gates] (10) chunks each hold a one-hot
choice of one of the 10 binary gates of Table 1; the other chunks are zero. The target of a
vector is the bit obtained by applying its gates in turn to the bit pair, as we read §3.2:

    b_{i+1} = T_i(b_{i-1}, b_i),  i = 1..B;   target = b_{B+1}

For the first vector both bits b_0, b_1 are random and given. For every later vector only b_1
is given (input entry 0 is left at zero): b_0 is the previous vector's target, so the network
must carry its own previous answer forward.

Batch: inputs (T, batch, 102), targets (T, batch, 1), mask (T, batch); sequences shorter than
T = the batch's longest are padded with zeros (mask 0).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .base import Batch, Task, check_batch_size, check_range, draw, register_task

GATE_NAMES = ("NOR", "Xq", "ABJ", "XOR", "NAND", "AND", "XNOR", "if/then", "then/if", "OR")
#: GATE_TABLES[g, p, q]: Table 1's truth tables, p the earlier bit and q the later one.
GATE_TABLES = np.array([
    [[1, 0], [0, 0]],   # NOR      ¬(p ∨ q)
    [[0, 1], [0, 0]],   # Xq       ¬p ∧ q
    [[0, 0], [1, 0]],   # ABJ      p ∧ ¬q
    [[0, 1], [1, 0]],   # XOR
    [[1, 1], [1, 0]],   # NAND
    [[0, 0], [0, 1]],   # AND
    [[1, 0], [0, 1]],   # XNOR
    [[1, 1], [0, 1]],   # if/then  p → q
    [[1, 0], [1, 1]],   # then/if  q → p
    [[0, 1], [1, 1]],   # OR
], dtype=np.int64)


def apply_gates(first: np.ndarray, second: np.ndarray, gates: np.ndarray,
                counts: np.ndarray) -> np.ndarray:
    """b_{i+1} = T_i(b_{i-1}, b_i) for i = 1..count. first, second, counts (batch,) ints;
    gates (batch, max_gates) gate ids. Returns the final bits (batch,)."""
    previous, current = first.copy(), second.copy()
    for i in range(gates.shape[1]):
        live = i < counts
        result = GATE_TABLES[gates[:, i], previous, current]
        previous = np.where(live, current, previous)
        current = np.where(live, result, current)
    return current


@register_task
class Logic(Task):
    name = "logic"
    defaults = {"max_length": 10, "max_gates": 10}

    def __init__(self, max_length: int = 10, max_gates: int = 10) -> None:
        check_range("logic", "length", 1, max_length)
        check_range("logic", "gates", 1, max_gates)
        self.max_length, self.max_gates = int(max_length), int(max_gates)
        super().__init__(input_size=2 + len(GATE_NAMES) * self.max_gates, output_size=1)

    def batch(self, batch_size: int, rng: np.random.Generator, **overrides: Any) -> Batch:
        """``overrides``: ``length`` fixes the number of vectors, ``gates`` the gates per vector."""
        check_batch_size(self, batch_size)
        unknown = set(overrides) - {"length", "gates"}
        if unknown:
            raise TypeError(f"logic: unknown override(s) {sorted(unknown)}; use length or gates")
        lengths = draw(rng, 1, self.max_length, batch_size, overrides.get("length"))
        time = int(lengths.max())
        inputs = np.zeros((time, batch_size, self.input_size))
        targets = np.zeros((time, batch_size, 1))
        mask = (np.arange(time)[:, None] < lengths[None, :]).astype(np.float64)
        previous_target = rng.integers(0, 2, size=batch_size)   # b_0 of the first vector
        columns = np.arange(self.max_gates) * len(GATE_NAMES) + 2
        for t in range(time):
            counts = draw(rng, 1, self.max_gates, batch_size, overrides.get("gates"))
            gates = rng.integers(0, len(GATE_NAMES), size=(batch_size, self.max_gates))
            second = rng.integers(0, 2, size=batch_size)
            if t == 0:
                inputs[0, :, 0] = previous_target
            inputs[t, :, 1] = second
            used = np.arange(self.max_gates)[None, :] < counts[:, None]
            rows, chunks = np.nonzero(used)
            inputs[t, rows, columns[chunks] + gates[rows, chunks]] = 1.0
            result = apply_gates(previous_target, second, gates, counts)
            targets[t, :, 0] = result
            live = t < lengths
            previous_target = np.where(live, result, previous_target)
        inputs *= mask[:, :, None]
        targets *= mask[:, :, None]
        return inputs, targets, mask
