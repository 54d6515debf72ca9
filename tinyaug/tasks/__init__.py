"""Seeded data generators, pure NumPy: ``(inputs, targets, mask)`` batches (see ``base``).

``TASKS[name]`` is the registry; ``make_task(name, **params)`` builds one.
"""
from .base import TASKS, Task, make_task, register_task
from . import babi  # noqa: F401  (registers the "babi" question-answering task)
from .ntm_tasks import (AssociativeRecall, Copy, DynamicNGrams, PrioritySort, RepeatCopy,
                        ngram_optimal_probabilities)

__all__ = ["TASKS", "Task", "make_task", "register_task", "AssociativeRecall", "Copy",
           "DynamicNGrams", "PrioritySort", "RepeatCopy", "ngram_optimal_probabilities"]
