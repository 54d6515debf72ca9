"""Least-recently-used tracking for SAM (Rae, Hunt et al. 2016, §3.3), in O(1) amortised per access.

The paper's usage U_t(i) is the time of the last step at which word i was read or written
with a weight above δ (0.005); the write goes to the word with the smallest U_t. Taking an
argmin over N words every step would cost O(N) and undo the point of sparse access, so the
tracker keeps, per batch element,

* ``last_access`` (batch, N): 1 + the step of the last access, 0 for never (so that the array
  starts as zeros: allocated lazily by the OS, nothing to write for a million rows);
* a pointer over the never-accessed words, which are always the least recent (in row order);
* a queue of (step, row) access events in time order; an event is stale when its row was
  accessed again later. The least recent accessed word is the first event that is not stale.

Each access adds one event and each event is discarded at most once: O(1) amortised. Resetting
for a new sequence clears only the rows that were touched (``reset(touched)``), never all N.
Host NumPy only: these are integers and Python loops over the batch, not tensor maths.
"""
from __future__ import annotations

from collections import deque

import numpy as np

NEVER = 0


class UsageTracker:
    """Usage of ``rows`` words for ``batch`` sequences; see the module docstring."""

    def __init__(self, batch: int, rows: int) -> None:
        self.batch, self.rows = batch, rows
        self.last_access = np.zeros((batch, rows), dtype=np.int64)   # NEVER = 0
        self.fresh = [0] * batch                 # no row before fresh[b] is still never-accessed
        self.events: list[deque] = [deque() for _ in range(batch)]

    def touch(self, batch_index: np.ndarray, rows: np.ndarray, step: int) -> None:
        """Mark words accessed at ``step``: ``batch_index`` and ``rows`` are equal-length int arrays."""
        if rows.size == 0:
            return
        self.last_access[batch_index, rows] = step + 1
        for b, row in zip(batch_index.tolist(), rows.tolist()):
            self.events[b].append((step + 1, row))

    def _skip_accessed(self, b: int) -> int:
        access, position = self.last_access[b], self.fresh[b]
        while position < self.rows and access[position] != NEVER:
            position += 1
        self.fresh[b] = position
        return position

    def fresh_rows(self, b: int, count: int) -> list[int]:
        """Up to ``count`` never-accessed rows of sequence ``b``, in row order."""
        access, position, found = self.last_access[b], self._skip_accessed(b), []
        while position < self.rows and len(found) < count:
            if access[position] == NEVER:
                found.append(position)
            position += 1
        return found

    def least_recent(self, count: int = 1) -> np.ndarray:
        """(batch, count) distinct rows, least recently used first (never-used rows first)."""
        if count > self.rows:
            raise ValueError(f"UsageTracker: asked for {count} least-recent rows of a memory of {self.rows}")
        result = np.empty((self.batch, count), dtype=np.int64)
        for b in range(self.batch):
            found = self.fresh_rows(b, count)
            if len(found) < count:
                access, events = self.last_access[b], self.events[b]
                while events and access[events[0][1]] != events[0][0]:
                    events.popleft()                 # stale: the row was accessed again later
                seen = set(found)
                for step, row in events:
                    if access[row] == step and row not in seen:
                        found.append(row)
                        seen.add(row)
                        if len(found) == count:
                            break
            result[b] = found
        return result

    def reset(self, batch_index: np.ndarray, rows: np.ndarray) -> None:
        """Forget the accesses of the given (batch, row) pairs and all events: a new sequence."""
        self.last_access[batch_index, rows] = NEVER
        self.fresh = [0] * self.batch
        for events in self.events:
            events.clear()
