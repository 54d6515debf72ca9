"""The task contract and registry: one way for every task to register.

A task is a seeded generator of batches, pure NumPy (host arrays; the experiment moves them to
the backend). ``batch(batch_size, rng, **overrides)`` draws one batch from ``rng``; what a
batch is depends on the kind of task:

* bit-vector sequence tasks (copy, parity, addition, ...): a tuple ``(inputs, targets, mask)``

      inputs  (time, batch, input_size)
      targets (time, batch, output_size)
      mask    (time, batch), 1.0 where the loss counts, 0.0 elsewhere (padding, input phase)

  Sequences of different lengths in one batch are padded at the end with zeros (mask 0);
* token sequence-to-sequence tasks (dates, reversal, shapes): a ``tokens.Seq2SeqBatch``, with
  the task's ``source_vocab`` and ``target_vocab``;
* question tasks (arithmetic, tables): the module's question batch (``ArithmeticBatch``,
  ``TableBatch``).

Every task subclasses ``Task``, sets ``name`` and ``defaults`` (its constructor's parameters)
and is decorated with ``@register_task``; ``tinyaug.tasks`` imports every task module, so
``make_task(name)`` finds each one and ``tinyaug list`` shows them. The shape of a task
(CONTRIBUTING.md has a complete one)::

    @register_task
    class Parity(Task):
        name = "parity"
        defaults = {"bits": 8}
        def __init__(self, bits=8):
            super().__init__(input_size=1, output_size=1)
            self.bits = bits
        def batch(self, batch_size, rng, **overrides):
            ...
            return inputs, targets, mask
"""
from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

Batch = tuple  # (inputs, targets, mask)

TASKS: dict[str, type["Task"]] = {}


def register_task(cls: type["Task"]) -> type["Task"]:
    """Class decorator: make a task reachable as ``TASKS[cls.name]`` / ``make_task(name)``."""
    if not cls.name:
        raise ValueError(f"{cls.__name__}: a registered task needs a non-empty ``name``")
    if cls.name in TASKS and TASKS[cls.name] is not cls:
        raise ValueError(f"task {cls.name!r} is registered twice")
    TASKS[cls.name] = cls
    return cls


def make_task(name: str, **params: Any) -> "Task":
    """Build the task called ``name``; unknown parameters are an error naming them."""
    if name not in TASKS:
        raise KeyError(f"unknown task {name!r}; registered tasks: {', '.join(sorted(TASKS))}")
    cls = TASKS[name]
    unknown = sorted(set(params) - set(cls.defaults))
    if unknown:
        raise TypeError(f"task {name!r} has no parameter(s) {', '.join(unknown)}; "
                        f"its parameters are {', '.join(sorted(cls.defaults)) or 'none'}")
    return cls(**{**cls.defaults, **params})


class Task:
    """Base class. ``defaults``: the constructor's parameters and their default values (the
    experiment exposes them as ``--set key=value``). ``batch(batch_size, rng, **overrides)``
    draws a batch from ``rng``; overrides fix e.g. ``length=120`` for generalisation tests."""

    name: ClassVar[str] = ""
    defaults: ClassVar[dict[str, Any]] = {}

    def __init__(self, input_size: int | None = None, output_size: int | None = None) -> None:
        """Sizes of one input and one output vector (bit-vector tasks); token and question
        tasks leave them None (their vocabularies say it)."""
        self.input_size = input_size
        self.output_size = output_size

    def batch(self, batch_size: int, rng: np.random.Generator, **overrides: Any) -> Batch:
        raise NotImplementedError

    def params(self) -> dict[str, Any]:
        """The parameters this task was built with."""
        return {key: getattr(self, key) for key in self.defaults}

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in self.params().items())
        return f"{type(self).__name__}({inner})"


def check_batch_size(task: Task, batch_size: int) -> None:
    if int(batch_size) != batch_size or batch_size < 1:
        raise ValueError(f"{task.name}: batch_size must be a positive integer, got {batch_size!r}")


def check_range(task: str, name: str, low: int, high: int, minimum: int = 1) -> None:
    if not (minimum <= low <= high):
        raise ValueError(f"{task}: need {minimum} <= min_{name} <= max_{name}, got {low} and {high}")


def draw(rng: np.random.Generator, low: int, high: int, size: int, fixed: int | None) -> np.ndarray:
    """``size`` integers uniform in [low, high], or all equal to ``fixed`` when it is given."""
    if fixed is not None:
        if int(fixed) != fixed or fixed < 1:
            raise ValueError(f"a fixed length/count must be a positive integer, got {fixed!r}")
        return np.full(size, int(fixed))
    return rng.integers(low, high + 1, size=size)
