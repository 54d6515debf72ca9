"""A curriculum's level that rises when a windowed mean of a training metric passes a threshold.

Several experiments grow their difficulty this way (the DNI's sequence length, SAM's copy
length, the graph tasks' (nodes, path) level): keep the metric of the last ``window`` training
steps; when the window is full and its mean is under (or, for an accuracy, at or over) the
threshold, raise the level and start a new window. The window is part of a checkpoint, so a
resumed run raises its level at the same step as an uninterrupted one.
"""
from __future__ import annotations

import numpy as np


class ThresholdCurriculum:
    """``level`` rises by ``increment`` (capped at ``top``) when the mean of the last ``window``
    recorded values is below ``threshold`` (``rise_when="below"``, for a loss) or at or above it
    (``rise_when="above"``, for an accuracy)."""

    def __init__(self, level: int, window: int, threshold: float, *, rise_when: str = "below",
                 top: int | None = None, increment: int = 1) -> None:
        if rise_when not in ("below", "above"):
            raise ValueError(f"ThresholdCurriculum: rise_when must be 'below' or 'above', got {rise_when!r}")
        if int(window) < 1 or int(increment) < 1:
            raise ValueError(f"ThresholdCurriculum: window and increment must be at least 1, "
                             f"got {window} and {increment}")
        self.level, self.window, self.threshold = int(level), int(window), float(threshold)
        self.rise_when, self.top, self.increment = rise_when, top, int(increment)
        self.recent: list[float] = []

    def _passes(self) -> bool:
        mean = float(np.mean(self.recent))
        return mean < self.threshold if self.rise_when == "below" else mean >= self.threshold

    def record(self, value: float) -> bool:
        """Add one training step's value; return True when the level rose."""
        self.recent = (self.recent + [float(value)])[-self.window:]
        at_top = self.top is not None and self.level >= self.top
        if len(self.recent) < self.window or at_top or not self._passes():
            return False
        self.level += self.increment
        if self.top is not None:
            self.level = min(self.level, self.top)
        self.recent = []
        return True

    # -- checkpoints: two arrays under the names the experiment has always used ---------------
    def state(self, level_key: str, recent_key: str) -> dict[str, np.ndarray]:
        return {level_key: np.asarray(self.level), recent_key: np.asarray(self.recent, dtype=np.float64)}

    def load(self, state: dict[str, np.ndarray], level_key: str, recent_key: str) -> None:
        """Restore from ``state`` when it holds ``level_key`` (an older checkpoint may not)."""
        if level_key in state:
            self.level = int(state[level_key])
            self.recent = [float(v) for v in np.ravel(state.get(recent_key, []))]
