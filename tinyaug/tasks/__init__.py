"""Seeded data generators, pure NumPy: ``(inputs, targets, mask)`` batches (see ``base``).

``TASKS[name]`` is the registry; ``make_task(name, **params)`` builds one.
"""
from .allocation import AllocationTest
from .base import TASKS, Task, make_task, register_task
from . import babi, graphs  # noqa: F401  (register "babi" and the "graph-*" tasks)
from .ntm_tasks import (AssociativeRecall, Copy, DynamicNGrams, PrioritySort, RepeatCopy,
                        ngram_optimal_probabilities)

__all__ = ["TASKS", "Task", "make_task", "register_task", "AllocationTest", "AssociativeRecall", "Copy",
           "DynamicNGrams", "PrioritySort", "RepeatCopy", "ngram_optimal_probabilities"]
