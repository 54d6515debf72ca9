"""Seeded data generators, pure NumPy (the contract is in ``base``).

``TASKS[name]`` is the registry; ``make_task(name, **params)`` builds one. Importing this
package imports every task module in it, so every task is registered without importing
anything else first (a new task module needs no line here).
"""
import importlib as _importlib
import pkgutil as _pkgutil

from .base import TASKS, Task, make_task, register_task
from .bit_sequences import (AssociativeRecall, Copy, DynamicNGrams, PrioritySort, RepeatCopy,
                            ngram_optimal_probabilities)

for _module in sorted(_pkgutil.iter_modules(__path__), key=lambda info: info.name):
    if not _module.name.startswith("_"):
        _importlib.import_module(f"{__name__}.{_module.name}")

__all__ = ["TASKS", "Task", "make_task", "register_task", "AssociativeRecall", "Copy",
           "DynamicNGrams", "PrioritySort", "RepeatCopy", "ngram_optimal_probabilities"]
