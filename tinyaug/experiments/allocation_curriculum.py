"""A curriculum in the number of sequences for the memory allocation test
(``tinyaug.tasks.allocation``), shared by its DNC, NTM and LSTM experiments.

``curriculum_steps`` = K > 0 (0 = off): training episodes hold 1 sequence at first, one more
every K / (S − 1) steps, and all S of the task (``sequences``) from step K on:

    sequences at step s = min(S, 1 + ⌊s (S − 1) / K⌋)

Each sequence keeps the task's law (lengths U[min_length, max_length], ``bits`` bits), so the
first stage already needs one whole sequence recalled (up to 64 bits with the defaults: more
than a 64-unit controller holds easily) and only the reuse of freed rows comes later; early
episodes are also ~S times shorter, so the first K steps cost less. Validation and evaluation
always use the full task. The count depends only on the step, so a resumed run continues the
same schedule.
"""
from __future__ import annotations

from typing import Any

from ..tasks import make_task


def sequences_at(step: int, sequences: int, curriculum_steps: int) -> int:
    """The number of sequences in a training episode at ``step`` (see the module docstring)."""
    if curriculum_steps < 0 or int(curriculum_steps) != curriculum_steps:
        raise ValueError(f"allocation: curriculum_steps must be an integer ≥ 0 (0 = off), got {curriculum_steps!r}")
    if curriculum_steps == 0 or sequences <= 1:
        return sequences
    return min(sequences, 1 + (step * (sequences - 1)) // int(curriculum_steps))


class SequenceCurriculum:
    """Mixin for a ``SequenceExperiment`` on the allocation task: ``train_step`` draws its
    batch from a task with fewer sequences while the curriculum runs (``curriculum_steps``)."""

    defaults: dict[str, Any] = {"curriculum_steps": 0}

    def training_task(self, step: int):
        """The task whose batches train step ``step``: the experiment's own, or one with fewer
        sequences (same bits and lengths) while the curriculum runs."""
        task = self.task_generator
        count = sequences_at(step, task.sequences, self.config.get("curriculum_steps") or 0)
        if count == task.sequences:
            return task
        return make_task(task.name, bits=task.bits, sequences=count, min_length=task.min_length,
                         max_length=task.max_length)

    def train_step(self, step: int) -> dict[str, float]:
        task = self.task_generator
        self.task_generator = self.training_task(step)
        try:
            return super().train_step(step)
        finally:
            self.task_generator = task
